//! `gotowebinar.init`: the connection settings later operations in the same flow use.
//!
//! ```xml
//! <gotowebinar.init>
//!     <accessToken>{$ctx:accessToken}</accessToken>
//!     <organizerKey>{$ctx:organizerKey}</organizerKey>
//!     <apiUrl>{$ctx:apiUrl}</apiUrl>
//!     <refreshToken>{$ctx:refreshToken}</refreshToken>
//!     <clientId>{$ctx:clientId}</clientId>
//!     <registryPath>{$ctx:registryPath}</registryPath>
//!     <intervalTime>{$ctx:intervalTime}</intervalTime>
//! </gotowebinar.init>
//! ```
//!
//! With `accessToken`, `refreshToken` and `clientId` all given, tokens are cached and
//! refreshed through the registry (see [`crate::token`]). `registryPath` defaults to
//! `conf:/connectors/gotowebinar/<organizerKey>` and `intervalTime` to 31535400000 ms.
//! `apiUrl` defaults to `https://api.getgo.com` (1.0.3 has no default and builds a broken
//! URL instead).

use oxynapse_engine::connector::{Args, ParamSpec};
use oxynapse_engine::{MediationError, MessageContext};

use crate::token::{Credentials, TokenCache};

pub const PARAMS: &[ParamSpec] = &[
    ParamSpec::optional("accessToken"),
    ParamSpec::optional("organizerKey"),
    ParamSpec::optional("apiUrl"),
    ParamSpec::optional("refreshToken"),
    ParamSpec::optional("clientId"),
    ParamSpec::optional("registryPath"),
    ParamSpec::optional("intervalTime"),
];

pub const DEFAULT_API_URL: &str = "https://api.getgo.com";

/// 365 days minus 10 minutes, 1.0.3's default refresh interval.
pub const DEFAULT_INTERVAL_MS: i64 = 31_535_400_000;

/// What `init` leaves for the operations of the same message flow.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    /// `{apiUrl}/G2W/rest`.
    pub base_url: String,
    /// Sent as the raw `Authorization` header, as 1.0.3 does.
    pub access_token: String,
    pub organizer_key: String,
}

pub async fn init(
    tokens: &TokenCache,
    args: &Args,
    ctx: &mut MessageContext,
) -> Result<(), MediationError> {
    let api_url = args
        .non_empty("apiUrl")
        .unwrap_or(DEFAULT_API_URL)
        .trim()
        .trim_end_matches('/')
        .to_string();
    let organizer_key = args.get("organizerKey").unwrap_or_default().to_string();
    let mut session = Session {
        base_url: format!("{api_url}/G2W/rest"),
        access_token: args.get("accessToken").unwrap_or_default().to_string(),
        organizer_key,
    };
    if let (Some(access), Some(refresh), Some(client)) = (
        args.non_empty("accessToken"),
        args.non_empty("refreshToken"),
        args.non_empty("clientId"),
    ) {
        let interval_ms = match args.non_empty("intervalTime") {
            None => DEFAULT_INTERVAL_MS,
            Some(text) => text.trim().parse().map_err(|_| {
                MediationError::client("invalid intervalTime for gotowebinar.init")
                    .with_detail(format!("`{text}` is not a number of milliseconds"))
            })?,
        };
        let registry_path = match args.non_empty("registryPath") {
            Some(path) => path.to_string(),
            None => format!("conf:/connectors/gotowebinar/{}", session.organizer_key),
        };
        let credentials = Credentials {
            api_url,
            access_token: access.to_string(),
            refresh_token: refresh.to_string(),
            client_id: client.to_string(),
            registry_path,
            interval_ms,
        };
        let current = tokens.current(ctx.services(), &credentials).await?;
        session.access_token = current.access_token;
        if let Some(key) = current.organizer_key {
            session.organizer_key = key;
        }
    }
    ctx.extensions_mut().insert(session);
    Ok(())
}
