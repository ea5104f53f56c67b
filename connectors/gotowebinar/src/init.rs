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
//!     <!-- optional, oxynapse's own: -->
//!     <apiVersion>v2</apiVersion>                       <!-- v1 (default) or v2 -->
//!     <clientSecret>{$ctx:clientSecret}</clientSecret>
//!     <tokenEndpoint>{$ctx:tokenEndpoint}</tokenEndpoint>
//!     <personalAccessToken>{$ctx:pat}</personalAccessToken>
//!     <rateLimitPerSecond>10</rateLimitPerSecond>
//! </gotowebinar.init>
//! ```
//!
//! v1 (the default): with `accessToken`, `refreshToken` and `clientId` all given, tokens are
//! cached and refreshed through the registry (see [`crate::token`]). `registryPath` defaults
//! to `conf:/connectors/gotowebinar/<organizerKey>` and `intervalTime` to 31535400000 ms.
//! `tokenEndpoint` defaults to `{apiUrl}/oauth/access_token`. v2: see [`crate::v2::setup`].
//! `apiUrl` defaults to `https://api.getgo.com` (1.0.3 has no default and builds a broken
//! URL instead). `rateLimitPerSecond` spaces requests per organizer ([`crate::limiter`]).

use oxynapse_engine::connector::{Args, ParamSpec};
use oxynapse_engine::{MediationError, MessageContext};

use crate::limiter::parse_rate;
use crate::renewal::{Renewal, Runtime};
use crate::token::Credentials;
use crate::v2::{self, ApiVersion};

pub const PARAMS: &[ParamSpec] = &[
    ParamSpec::optional("accessToken"),
    ParamSpec::optional("organizerKey"),
    ParamSpec::optional("apiUrl"),
    ParamSpec::optional("refreshToken"),
    ParamSpec::optional("clientId"),
    ParamSpec::optional("registryPath"),
    ParamSpec::optional("intervalTime"),
    ParamSpec::optional("apiVersion"),
    ParamSpec::optional("clientSecret"),
    ParamSpec::optional("tokenEndpoint"),
    ParamSpec::optional("personalAccessToken"),
    ParamSpec::optional("rateLimitPerSecond"),
];

pub const DEFAULT_API_URL: &str = "https://api.getgo.com";

/// 365 days minus 10 minutes, 1.0.3's default refresh interval.
pub const DEFAULT_INTERVAL_MS: i64 = 31_535_400_000;

/// What `init` leaves for the operations of the same message flow.
#[derive(Debug, Clone)]
pub struct Session {
    /// `{apiUrl}/G2W/rest` (v1) or `{apiUrl}/G2W/rest/v2`.
    pub base_url: String,
    /// Sent raw (v1, as 1.0.3 does) or as `Bearer <token>` (v2).
    pub access_token: String,
    pub organizer_key: String,
    pub api: ApiVersion,
    /// How to renew a token the API rejects; `None` when init manages no tokens.
    pub renewal: Option<Renewal>,
    /// `rateLimitPerSecond`, when given.
    pub rate_limit: Option<f64>,
}

/// `intervalTime` as milliseconds, or a 400.
pub fn parse_interval(text: &str) -> Result<i64, MediationError> {
    text.trim().parse().map_err(|_| {
        MediationError::client("invalid intervalTime for gotowebinar.init")
            .with_detail(format!("`{text}` is not a number of milliseconds"))
    })
}

pub async fn init(
    runtime: Runtime<'_>,
    args: &Args,
    ctx: &mut MessageContext,
) -> Result<(), MediationError> {
    let api = ApiVersion::parse(args.get("apiVersion"))?;
    let rate_limit = parse_rate(args.get("rateLimitPerSecond"))?;
    let api_url = args
        .non_empty("apiUrl")
        .unwrap_or(DEFAULT_API_URL)
        .trim()
        .trim_end_matches('/')
        .to_string();
    if api == ApiVersion::V2 {
        let session =
            v2::setup::session(runtime, args, ctx.services(), &api_url, rate_limit).await?;
        ctx.extensions_mut().insert(session);
        return Ok(());
    }
    let organizer_key = args.get("organizerKey").unwrap_or_default().to_string();
    let mut session = Session {
        base_url: format!("{api_url}/G2W/rest"),
        access_token: args.get("accessToken").unwrap_or_default().to_string(),
        organizer_key,
        api,
        renewal: None,
        rate_limit,
    };
    if let (Some(access), Some(refresh), Some(client)) = (
        args.non_empty("accessToken"),
        args.non_empty("refreshToken"),
        args.non_empty("clientId"),
    ) {
        let interval_ms = match args.non_empty("intervalTime") {
            None => DEFAULT_INTERVAL_MS,
            Some(text) => parse_interval(text)?,
        };
        let registry_path = match args.non_empty("registryPath") {
            Some(path) => path.to_string(),
            None => format!("conf:/connectors/gotowebinar/{}", session.organizer_key),
        };
        let token_endpoint = match args.non_empty("tokenEndpoint") {
            Some(endpoint) => endpoint.trim().to_string(),
            None => format!("{api_url}/oauth/access_token"),
        };
        let credentials = Credentials {
            api_url,
            access_token: access.to_string(),
            refresh_token: refresh.to_string(),
            client_id: client.to_string(),
            token_endpoint,
            registry_path,
            interval_ms,
        };
        let current = runtime
            .v1_tokens
            .current(ctx.services(), &credentials)
            .await?;
        session.access_token = current.access_token;
        if let Some(key) = current.organizer_key {
            session.organizer_key = key;
        }
        session.renewal = Some(Renewal::V1(credentials));
    }
    ctx.extensions_mut().insert(session);
    Ok(())
}
