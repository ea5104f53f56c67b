//! The OAuth 2.0 token endpoint (`tokenEndpoint`, by default
//! `https://authentication.logmeininc.com/oauth/token`):
//!
//! ```text
//! POST {tokenEndpoint}
//! Authorization: Basic base64(clientId:clientSecret)
//! Content-Type: application/x-www-form-urlencoded
//! Accept: application/json
//!
//! grant_type=refresh_token&refresh_token=..          (refresh grant)
//! grant_type=personal_access_token&pat=..            (personal access token grant)
//! ```
//!
//! The answer carries `access_token` and `expires_in` (seconds); `refresh_token` only when
//! GoTo issues a new one, and no organizer key any more. A failed grant is a 502 naming the
//! endpoint's status and its body with secrets masked.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use http::{HeaderMap, Method};
use oxynapse_engine::error::codes;
use oxynapse_engine::http::client::BackendRequest;
use oxynapse_engine::secrets::mask_json;
use oxynapse_engine::{EngineServices, MediationError};

use crate::operation::encode_query_value;

/// Which grant to ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grant<'a> {
    RefreshToken(&'a str),
    PersonalAccessToken(&'a str),
}

/// The client credentials sent as HTTP Basic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client {
    pub token_endpoint: String,
    pub client_id: String,
    pub client_secret: String,
}

/// What the token endpoint issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issued {
    pub access_token: String,
    /// Absent when GoTo keeps the current refresh token.
    pub refresh_token: Option<String>,
    /// Seconds, when given.
    pub expires_in: Option<i64>,
}

impl Grant<'_> {
    /// The form body.
    pub fn form(&self) -> String {
        match self {
            Grant::RefreshToken(token) => format!(
                "grant_type=refresh_token&refresh_token={}",
                encode_query_value(token)
            ),
            Grant::PersonalAccessToken(pat) => format!(
                "grant_type=personal_access_token&pat={}",
                encode_query_value(pat)
            ),
        }
    }
}

impl Client {
    /// `Basic base64(clientId:clientSecret)`.
    pub fn basic(&self) -> String {
        let pair = [self.client_id.as_str(), ":", self.client_secret.as_str()].concat();
        ["Basic ", &base64(pair.as_bytes())].concat()
    }

    /// Asks the token endpoint for a token.
    pub async fn obtain(
        &self,
        services: &EngineServices,
        grant: Grant<'_>,
    ) -> Result<Issued, MediationError> {
        let mut headers = HeaderMap::new();
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        let basic = HeaderValue::from_str(&self.basic()).map_err(|_| {
            MediationError::client("clientId or clientSecret is not a valid header value")
        })?;
        headers.insert(AUTHORIZATION, basic);
        let request = BackendRequest {
            method: Method::POST,
            url: self.token_endpoint.clone(),
            headers,
            body: Some(Bytes::from(grant.form())),
            timeout: None,
        };
        let kind = match grant {
            Grant::RefreshToken(_) => "refresh_token",
            Grant::PersonalAccessToken(_) => "personal_access_token",
        };
        let failed = |detail: String| {
            tracing::warn!(grant = kind, detail = %detail, "gotowebinar token grant failed");
            MediationError::backend(codes::GENERIC, "GoToWebinar token refresh failed")
                .with_detail(detail)
        };
        let response = services
            .http()
            .send(request)
            .await
            .map_err(|e| failed(e.to_string()))?;
        let body: Option<serde_json::Value> = serde_json::from_slice(&response.body).ok();
        let issued = body.as_ref().and_then(issued);
        match issued {
            Some(issued) if response.status.is_success() => Ok(issued),
            _ => {
                let shown = match &body {
                    Some(json) => mask_json(json).to_string(),
                    None => String::from_utf8_lossy(&response.body)
                        .chars()
                        .take(500)
                        .collect(),
                };
                Err(failed(format!(
                    "the token endpoint answered {} to the {kind} grant: {shown}",
                    response.status.as_u16()
                )))
            }
        }
    }
}

/// The token answer's fields; `None` without a non-empty `access_token`.
fn issued(body: &serde_json::Value) -> Option<Issued> {
    let text = |name: &str| {
        body.get(name)
            .and_then(|v| {
                v.as_str()
                    .map(str::to_string)
                    .or_else(|| v.as_number().map(|n| n.to_string()))
            })
            .filter(|s| !s.trim().is_empty())
    };
    Some(Issued {
        access_token: text("access_token")?,
        refresh_token: text("refresh_token"),
        expires_in: text("expires_in").and_then(|s| s.trim().parse().ok()),
    })
}

/// Standard base64 with padding.
pub fn base64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn forms_and_basic_header() {
        assert_eq!(
            Grant::RefreshToken("a+b/c=").form(),
            "grant_type=refresh_token&refresh_token=a%2Bb%2Fc%3D"
        );
        assert_eq!(
            Grant::PersonalAccessToken("p").form(),
            "grant_type=personal_access_token&pat=p"
        );
        let client = Client {
            token_endpoint: String::new(),
            client_id: "Aladdin".into(),
            client_secret: "open sesame".into(),
        };
        assert_eq!(client.basic(), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"ab"), "YWI=");
    }

    #[test]
    fn answers_keep_what_they_carry() {
        let full = json!({"access_token":"A","refresh_token":"R","expires_in":3600});
        assert_eq!(
            issued(&full),
            Some(Issued {
                access_token: "A".into(),
                refresh_token: Some("R".into()),
                expires_in: Some(3600)
            })
        );
        let legacy = json!({"access_token":"A","expires_in":"30758399"});
        let answer = issued(&legacy).unwrap();
        assert_eq!(
            (answer.refresh_token, answer.expires_in),
            (None, Some(30758399))
        );
        assert_eq!(issued(&json!({"access_token":""})), None);
        assert_eq!(issued(&json!({"error":"invalid_grant"})), None);
    }
}
