//! Access tokens: which ones the API accepts, and the OAuth refresh endpoint
//! `GET /oauth/access_token?grant_type=refresh_token&client_id=..&refresh_token=..`
//! that connector 1.0.x calls (a GET with a query string, no client secret).

use crate::RecordedRequest;
use crate::fixtures::{ACCESS_TOKEN, ACCOUNT_KEY, CLIENT_ID, ORGANIZER_KEY, REFRESH_TOKEN};
use crate::reply::Reply;
use crate::text::{js, param, query_params};

/// Token state shared by the API and the token endpoint.
#[derive(Debug)]
pub(crate) struct AuthState {
    /// Tokens accepted in the `Authorization` header.
    accepted: Vec<String>,
    /// The only refresh token the endpoint accepts; replaced by each successful refresh.
    refresh_token: String,
    /// Successful refreshes so far; numbers the issued tokens.
    issued: u32,
    /// Every call to the token endpoint, successful or not.
    pub calls: usize,
    /// A forced answer `(status, body)` set by `Simulator::fail_token_endpoint`.
    pub failure: Option<(u16, String)>,
}

impl Default for AuthState {
    fn default() -> Self {
        AuthState {
            accepted: vec![ACCESS_TOKEN.to_string()],
            refresh_token: REFRESH_TOKEN.to_string(),
            issued: 0,
            calls: 0,
            failure: None,
        }
    }
}

impl AuthState {
    pub fn accept(&mut self, token: &str) {
        if !self.is_accepted(token) {
            self.accepted.push(token.to_string());
        }
    }

    pub fn revoke(&mut self, token: &str) {
        self.accepted.retain(|t| t != token);
    }

    pub fn is_accepted(&self, token: &str) -> bool {
        self.accepted.iter().any(|t| t == token)
    }

    /// Checks the `Authorization` header of an API call. The value must be the raw token,
    /// as connector 1.0.3 sends it; `Bearer <token>` or `OAuth oauth_token=<token>` is
    /// rejected like any unknown token, so a client that adds a prefix is caught.
    pub fn authorize(&self, request: &RecordedRequest) -> Result<(), Reply> {
        match request.header("authorization") {
            Some(token) if self.is_accepted(token.trim()) => Ok(()),
            _ => Err(Reply::invalid_token()),
        }
    }

    /// Answers a call to `/oauth/access_token`. The caller counts the call.
    pub fn token_endpoint(&mut self, request: &RecordedRequest) -> Reply {
        if let Some((status, body)) = &self.failure {
            return Reply::Raw {
                status: *status,
                body: body.clone(),
            };
        }
        if request.method != "GET" {
            return oauth_error(
                405,
                "invalid_request",
                "The token endpoint only accepts GET",
            );
        }
        let params = query_params(request.query.as_deref());
        let grant_type = param(&params, "grant_type").unwrap_or("");
        let client_id = param(&params, "client_id").unwrap_or("");
        let refresh_token = param(&params, "refresh_token").unwrap_or("");
        if grant_type.is_empty() || client_id.is_empty() || refresh_token.is_empty() {
            return oauth_error(
                400,
                "invalid_request",
                "grant_type, client_id and refresh_token are all required",
            );
        }
        if grant_type != "refresh_token" {
            return oauth_error(
                400,
                "unsupported_grant_type",
                "Only refresh_token is supported",
            );
        }
        if client_id != CLIENT_ID {
            return oauth_error(401, "invalid_client", "Unknown client_id");
        }
        if refresh_token != self.refresh_token {
            return oauth_error(401, "invalid_grant", "Invalid or expired refresh token");
        }
        self.issued += 1;
        let access_token = format!("SimAccessToken{:04}", self.issued);
        let new_refresh = format!("SimRefreshToken{:04}", self.issued);
        // Earlier access tokens stay accepted: the real service lets them run to expiry.
        self.accept(&access_token);
        self.refresh_token = new_refresh.clone();
        Reply::Raw {
            status: 200,
            body: format!(
                concat!(
                    r#"{{"access_token":{},"token_type":"Bearer","refresh_token":{},"#,
                    r#""expires_in":3600,"account_key":"{}","account_type":"","#,
                    r#""email":"organizer@example.com","firstName":"Olivia","lastName":"Organizer","#,
                    r#""organizer_key":"{}","version":"3"}}"#
                ),
                js(&access_token),
                js(&new_refresh),
                ACCOUNT_KEY,
                ORGANIZER_KEY
            ),
        }
    }
}

/// An OAuth error answer (`{"error":…,"error_description":…}`), v1's and v2's alike.
pub(crate) fn oauth_error(status: u16, error: &str, description: &str) -> Reply {
    Reply::Raw {
        status,
        body: format!(
            r#"{{"error":{},"error_description":{}}}"#,
            js(error),
            js(description)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(query: &str) -> RecordedRequest {
        RecordedRequest {
            method: "GET".into(),
            path: "/oauth/access_token".into(),
            query: Some(query.into()),
            headers: Vec::new(),
            body: bytes::Bytes::new(),
        }
    }

    fn refresh(token: &str) -> String {
        format!("grant_type=refresh_token&client_id={CLIENT_ID}&refresh_token={token}")
    }

    #[test]
    fn refresh_rotates_the_refresh_token() {
        let mut auth = AuthState::default();
        let Reply::Raw { status, body } = auth.token_endpoint(&get(&refresh(REFRESH_TOKEN))) else {
            panic!("raw reply expected")
        };
        assert_eq!(status, 200);
        assert!(body.contains(r#""access_token":"SimAccessToken0001""#));
        assert!(body.contains(r#""refresh_token":"SimRefreshToken0001""#));
        assert!(auth.is_accepted("SimAccessToken0001"));
        assert!(auth.is_accepted(ACCESS_TOKEN));
        assert_eq!(
            auth.token_endpoint(&get(&refresh(REFRESH_TOKEN))).status(),
            401
        );
        assert_eq!(
            auth.token_endpoint(&get(&refresh("SimRefreshToken0001")))
                .status(),
            200
        );
        assert!(auth.is_accepted("SimAccessToken0002"));
    }

    #[test]
    fn rejects_bad_requests() {
        let mut auth = AuthState::default();
        assert_eq!(auth.token_endpoint(&get("")).status(), 400);
        assert_eq!(
            auth.token_endpoint(&get("grant_type=password&client_id=a&refresh_token=b"))
                .status(),
            400
        );
        assert_eq!(
            auth.token_endpoint(&get(&format!(
                "grant_type=refresh_token&client_id=other&refresh_token={REFRESH_TOKEN}"
            )))
            .status(),
            401
        );
        auth.failure = Some((503, "{}".into()));
        assert_eq!(
            auth.token_endpoint(&get(&refresh(REFRESH_TOKEN))).status(),
            503
        );
    }

    #[test]
    fn authorization_is_the_raw_token() {
        let mut auth = AuthState::default();
        let mut request = get("");
        assert!(auth.authorize(&request).is_err());
        request
            .headers
            .push(("authorization".into(), ACCESS_TOKEN.into()));
        assert!(auth.authorize(&request).is_ok());
        request.headers[0].1 = format!("Bearer {ACCESS_TOKEN}");
        assert!(auth.authorize(&request).is_err());
        auth.revoke(ACCESS_TOKEN);
        request.headers[0].1 = ACCESS_TOKEN.into();
        assert!(auth.authorize(&request).is_err());
    }
}
