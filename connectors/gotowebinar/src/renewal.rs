//! Sending one upstream request the way both API versions need it: wait for the rate
//! limiter's slot, send, and when the API rejects the token, renew it once and retry once.
//!
//! A token is rejected by a 401, or by a 403 whose body says `InvalidToken` (GoTo's gateway
//! answers an expired token with `403 {"int_err_code":"InvalidToken",...}`, not 401). Other
//! 403s (another organizer's data) pass through untouched. The retry's answer, whatever it
//! is, goes to the client: there is never a second renewal for one request.

use std::sync::Arc;

use http::HeaderValue;
use http::header::AUTHORIZATION;
use oxynapse_engine::http::client::{BackendRequest, BackendResponse};
use oxynapse_engine::metrics::BackendMetrics;
use oxynapse_engine::{EngineServices, MediationError};

use crate::init::Session;
use crate::limiter::RateLimiter;
use crate::token::{self, TokenCache};
use crate::v2::ApiVersion;
use crate::v2::tokens::{self as v2_tokens, V2TokenCache};

/// How a session gets a new token when the API rejects the one it has.
#[derive(Debug, Clone)]
pub enum Renewal {
    /// The legacy refresh (`GET {tokenEndpoint}?grant_type=refresh_token&client_id..`).
    V1(token::Credentials),
    /// The OAuth 2.0 grants on the token endpoint (refresh token or personal access token).
    V2(v2_tokens::Credentials),
}

/// The connector's shared state an operation needs to send requests.
#[derive(Debug, Clone, Copy)]
pub struct Runtime<'a> {
    pub v1_tokens: &'a TokenCache,
    pub v2_tokens: &'a V2TokenCache,
    pub limiter: &'a RateLimiter,
}

impl Renewal {
    /// A token other than `rejected`: the one another request already renewed, or a new one
    /// (one renewal per registry path at a time).
    pub async fn renew(
        &self,
        runtime: Runtime<'_>,
        services: &Arc<EngineServices>,
        rejected: &str,
    ) -> Result<String, MediationError> {
        match self {
            Renewal::V1(creds) => Ok(runtime
                .v1_tokens
                .renew_rejected(services, creds, rejected)
                .await?
                .access_token),
            Renewal::V2(creds) => runtime.v2_tokens.renew(services, creds, rejected).await,
        }
    }
}

/// True when the answer says the token is no good: 401, or 403 `InvalidToken`.
pub fn rejects_token(response: &BackendResponse) -> bool {
    match response.status.as_u16() {
        401 => true,
        403 => {
            let code = serde_json::from_slice::<serde_json::Value>(&response.body)
                .ok()
                .and_then(|body| body.get("int_err_code").cloned());
            matches!(code, Some(serde_json::Value::String(c)) if c == "InvalidToken")
        }
        _ => false,
    }
}

/// The `Authorization` value: the raw token in v1 (as 1.0.3), `Bearer <token>` in v2.
pub fn authorization(api: ApiVersion, token: &str) -> Result<HeaderValue, MediationError> {
    let value = match api {
        ApiVersion::V1 => HeaderValue::from_str(token),
        ApiVersion::V2 => HeaderValue::from_str(&["Bearer ", token].concat()),
    };
    value.map_err(|_| {
        MediationError::client("the GoToWebinar access token is not a valid header value")
    })
}

/// Sends `request` for `session`: limiter slot, send, and one renewal plus one retry when the
/// token is rejected and the session can renew it.
pub async fn exchange(
    runtime: Runtime<'_>,
    session: &Session,
    services: &Arc<EngineServices>,
    request: BackendRequest,
    metrics: &BackendMetrics,
) -> Result<BackendResponse, MediationError> {
    wait_turn(runtime, session).await;
    let retry = session.renewal.as_ref().map(|_| request.clone());
    let response = send(services, request, metrics).await?;
    let (Some(renewal), Some(mut retry)) = (&session.renewal, retry) else {
        return Ok(response);
    };
    if !rejects_token(&response) {
        return Ok(response);
    }
    tracing::info!(
        status = response.status.as_u16(),
        "gotowebinar: the API rejected the access token; renewing it and retrying once"
    );
    let token = renewal
        .renew(runtime, services, &session.access_token)
        .await?;
    retry
        .headers
        .insert(AUTHORIZATION, authorization(session.api, &token)?);
    wait_turn(runtime, session).await;
    send(services, retry, metrics).await
}

/// One upstream call, counted in the operation's metrics.
async fn send(
    services: &EngineServices,
    request: BackendRequest,
    metrics: &BackendMetrics,
) -> Result<BackendResponse, MediationError> {
    let result = services.http().send(request).await;
    metrics.record(&result);
    result
}

async fn wait_turn(runtime: Runtime<'_>, session: &Session) {
    if let Some(rate) = session.rate_limit {
        runtime.limiter.wait(&session.organizer_key, rate).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use http::{HeaderMap, StatusCode};

    fn answer(status: u16, body: &str) -> BackendResponse {
        BackendResponse {
            status: StatusCode::from_u16(status).unwrap(),
            headers: HeaderMap::new(),
            body: Bytes::copy_from_slice(body.as_bytes()),
            stream: None,
        }
    }

    #[test]
    fn only_401_and_403_invalid_token_reject_the_token() {
        let invalid = r#"{"int_err_code":"InvalidToken","msg":"Invalid token passed"}"#;
        assert!(rejects_token(&answer(401, "")));
        assert!(rejects_token(&answer(403, invalid)));
        assert!(!rejects_token(&answer(403, r#"{"errorCode":"Forbidden"}"#)));
        assert!(!rejects_token(&answer(403, "InvalidToken")));
        assert!(!rejects_token(&answer(400, invalid)));
        assert!(!rejects_token(&answer(200, invalid)));
    }

    #[test]
    fn authorization_is_raw_in_v1_and_bearer_in_v2() {
        assert_eq!(authorization(ApiVersion::V1, "t").unwrap(), "t");
        assert_eq!(authorization(ApiVersion::V2, "t").unwrap(), "Bearer t");
        assert!(authorization(ApiVersion::V2, "a\nb").is_err());
    }
}
