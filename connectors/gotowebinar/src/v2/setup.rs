//! What `init` does with `<apiVersion>v2</apiVersion>`.
//!
//! * Token management when `clientId` and `clientSecret` are given with `refreshToken` or
//!   `personalAccessToken`: the token comes from the cache in the registry and is renewed on
//!   expiry and on rejection (see [`super::tokens`]). `accessToken`, when also given, is used
//!   first.
//! * Otherwise `accessToken` is used as it is, and a rejected token reaches the client.
//! * Without `organizerKey`, the key comes from `/admin/rest/v1/me` (see [`super::me`]).
//!
//! `registryPath` defaults to `conf:/connectors/gotowebinar/<organizerKey>`, or
//! `…/<clientId>` when the organizer key is to be looked up.

use std::sync::Arc;

use oxynapse_engine::connector::Args;
use oxynapse_engine::{EngineServices, MediationError};

use super::grant::Client;
use super::me::{self, Lookup};
use super::tokens::Credentials;
use super::{ApiVersion, DEFAULT_TOKEN_ENDPOINT};
use crate::init::{Session, parse_interval};
use crate::renewal::{Renewal, Runtime};

/// The v2 session for this message.
pub async fn session(
    runtime: Runtime<'_>,
    args: &Args,
    services: &Arc<EngineServices>,
    api_url: &str,
    rate_limit: Option<f64>,
) -> Result<Session, MediationError> {
    let given_key = args.non_empty("organizerKey").map(str::trim);
    let access = args.non_empty("accessToken");
    let client_id = args.non_empty("clientId");
    let registry_path = match (args.non_empty("registryPath"), given_key, client_id, access) {
        (Some(path), ..) => path.to_string(),
        (None, Some(key), ..) => format!("conf:/connectors/gotowebinar/{key}"),
        (None, None, Some(id), _) => format!("conf:/connectors/gotowebinar/{id}"),
        // A bare token: name the folder by a fingerprint, never by the token itself.
        (None, None, None, token) => format!(
            "conf:/connectors/gotowebinar/token-{:016x}",
            fingerprint(token.unwrap_or_default())
        ),
    };
    let refresh = args.non_empty("refreshToken");
    let pat = args.non_empty("personalAccessToken");
    let managed = match (client_id, args.non_empty("clientSecret")) {
        (Some(id), Some(secret)) if refresh.is_some() || pat.is_some() => Some(Credentials {
            client: Client {
                token_endpoint: args
                    .non_empty("tokenEndpoint")
                    .unwrap_or(DEFAULT_TOKEN_ENDPOINT)
                    .trim()
                    .to_string(),
                client_id: id.to_string(),
                client_secret: secret.to_string(),
            },
            access_token: access.map(str::to_string),
            refresh_token: refresh.map(str::to_string),
            personal_access_token: pat.map(str::to_string),
            registry_path: registry_path.clone(),
            interval_ms: args
                .non_empty("intervalTime")
                .map(parse_interval)
                .transpose()?,
        }),
        _ => None,
    };
    let mut renewed = false;
    let (access_token, renewal) = match (managed, access) {
        (Some(creds), _) => {
            let token = runtime.v2_tokens.current(services, &creds).await?;
            (token, Some(Renewal::V2(creds)))
        }
        (None, Some(token)) => (token.to_string(), None),
        (None, None) => {
            return Err(
                MediationError::client("gotowebinar.init (v2) has no access token").with_detail(
                    "give accessToken, or clientId and clientSecret with refreshToken or personalAccessToken",
                ),
            );
        }
    };
    let mut access_token = access_token;
    let organizer_key = match given_key {
        Some(key) => key.to_string(),
        None => loop {
            let lookup = me::organizer_key(services, api_url, &registry_path, &access_token);
            match (lookup.await?, &renewal) {
                (Lookup::Key(key), _) => break key,
                // Renew once, like any request; a second rejection is final.
                (Lookup::Rejected, Some(renewal)) if !renewed => {
                    access_token = renewal.renew(runtime, services, &access_token).await?;
                    renewed = true;
                }
                (Lookup::Rejected, _) => {
                    return Err(MediationError::client_status(
                        401,
                        "GoTo rejected the access token while looking up the organizer key",
                    )
                    .with_detail("renew the token, or give organizerKey to init"));
                }
            }
        },
    };
    Ok(Session {
        base_url: format!("{api_url}/G2W/rest/v2"),
        access_token,
        organizer_key,
        api: ApiVersion::V2,
        renewal,
        rate_limit,
    })
}

/// FNV-1a, to name a registry folder after a token without writing the token.
fn fingerprint(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}
