//! GoTo's current identity service, as the v2 API sees it:
//!
//! * `POST /oauth/token` (form body, `Authorization: Basic base64(clientId:clientSecret)`)
//!   with the grants `refresh_token` and `personal_access_token`. It issues Bearer tokens
//!   that expire after a configurable TTL (`expires_in` says how long), and a new refresh
//!   token with each refresh unless told to omit it (then the current one stays valid).
//! * `GET /admin/rest/v1/me` with a Bearer token: the organizer's `key` and `accountKey`.
//! * The Bearer check of every `/G2W/rest/v2/...` call: an unknown or expired token gets
//!   403 `{"int_err_code":"InvalidToken",...}`, as GoTo's gateway answers.

use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::RecordedRequest;
use crate::auth::oauth_error;
use crate::fixtures::{
    ACCESS_TOKEN, ACCOUNT_KEY, CLIENT_ID, CLIENT_SECRET, ORGANIZER_KEY, PERSONAL_ACCESS_TOKEN,
    REFRESH_TOKEN,
};
use crate::reply::Reply;
use crate::text::{js, param, query_params};

/// The token endpoint's path.
pub(crate) const TOKEN_PATH: &str = "/oauth/token";
/// The "who am I" path.
pub(crate) const ME_PATH: &str = "/admin/rest/v1/me";

/// Bearer tokens and the state of the token endpoint.
#[derive(Debug)]
pub(crate) struct BearerState {
    /// Issued tokens with their expiry.
    issued: Vec<(String, Instant)>,
    /// Tokens made to answer `InvalidToken` (`Simulator::expire_token`).
    expired: Vec<String>,
    /// The refresh token the refresh grant accepts.
    refresh_token: String,
    /// Lifetime of issued tokens.
    pub ttl: Duration,
    /// When set, refresh answers carry no `refresh_token` and the current one stays valid.
    pub omit_refresh_token: bool,
    count: u32,
    /// Every call to `/oauth/token`.
    pub calls: usize,
}

impl Default for BearerState {
    fn default() -> Self {
        BearerState {
            issued: Vec::new(),
            expired: Vec::new(),
            refresh_token: REFRESH_TOKEN.to_string(),
            ttl: Duration::from_secs(3600),
            omit_refresh_token: false,
            count: 0,
            calls: 0,
        }
    }
}

impl BearerState {
    /// Makes `token` answer `InvalidToken` from now on.
    pub fn expire(&mut self, token: &str) {
        self.expired.push(token.to_string());
    }

    /// True for the seed's access token (unless expired) and for unexpired issued tokens.
    /// `v1_accepted` says whether the v1 side accepts it (tokens added with `accept_token`).
    pub fn is_valid(&self, token: &str, v1_accepted: bool) -> bool {
        if self.expired.iter().any(|t| t == token) {
            return false;
        }
        if token == ACCESS_TOKEN || v1_accepted {
            return true;
        }
        let now = Instant::now();
        self.issued
            .iter()
            .any(|(t, until)| t == token && now < *until)
    }

    /// Answers `POST /oauth/token`. The caller counts the call.
    pub fn token_endpoint(&mut self, request: &RecordedRequest) -> Reply {
        if request.method != "POST" {
            return oauth_error(
                405,
                "invalid_request",
                "The token endpoint only accepts POST",
            );
        }
        let basic = format!(
            "Basic {}",
            base64(format!("{CLIENT_ID}:{CLIENT_SECRET}").as_bytes())
        );
        if request.header("authorization").map(str::trim) != Some(basic.as_str()) {
            return oauth_error(401, "invalid_client", "Client authentication failed.");
        }
        let form_type = request.header("content-type").unwrap_or("");
        if !form_type.starts_with("application/x-www-form-urlencoded") {
            return oauth_error(400, "invalid_request", "The body must be a form");
        }
        let body = String::from_utf8_lossy(&request.body);
        let form = query_params(Some(&body));
        match param(&form, "grant_type").unwrap_or("") {
            "refresh_token" => {
                if param(&form, "refresh_token") != Some(self.refresh_token.as_str()) {
                    return oauth_error(400, "invalid_grant", "Invalid refresh token");
                }
                self.issue(true)
            }
            "personal_access_token" => {
                if param(&form, "pat") != Some(PERSONAL_ACCESS_TOKEN) {
                    return oauth_error(400, "invalid_grant", "Invalid personal access token");
                }
                self.issue(false)
            }
            _ => oauth_error(400, "unsupported_grant_type", "Unsupported grant type"),
        }
    }

    /// A new Bearer token; with `refresh`, a new refresh token too unless it is to be omitted.
    fn issue(&mut self, refresh: bool) -> Reply {
        self.count += 1;
        let token = format!("SimBearer{:04}", self.count);
        self.issued.push((token.clone(), Instant::now() + self.ttl));
        let seconds = self.ttl.as_secs_f64().ceil().max(1.0) as u64;
        let mut body = format!(
            r#"{{"access_token":{},"token_type":"Bearer","expires_in":{seconds},"scope":"collab:","principal":"organizer@example.com""#,
            js(&token)
        );
        if refresh && !self.omit_refresh_token {
            self.refresh_token = format!("SimBearerRefresh{:04}", self.count);
            body.push_str(&format!(r#","refresh_token":{}"#, js(&self.refresh_token)));
        }
        body.push('}');
        Reply::Raw { status: 200, body }
    }
}

/// `GET /admin/rest/v1/me` for a valid Bearer token.
pub(crate) fn me(request: &RecordedRequest, valid: bool) -> Reply {
    if request.method != "GET" {
        return Reply::method_not_allowed("GET".into());
    }
    if !valid {
        return Reply::Raw {
            status: 401,
            body: r#"{"error":"invalid_token"}"#.into(),
        };
    }
    Reply::Raw {
        status: 200,
        body: format!(
            r#"{{"key":{ORGANIZER_KEY},"accountKey":{ACCOUNT_KEY},"email":"organizer@example.com","firstName":"Olivia","lastName":"Organizer","locale":"en_US","createTime":"2015-01-05T09:00:00Z"}}"#
        ),
    }
}

/// The token of `Authorization: Bearer <token>`, if that is the header's form.
pub(crate) fn bearer(request: &RecordedRequest) -> Option<&str> {
    let value = request.header("authorization")?.trim();
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
}

/// Standard base64 with padding.
fn base64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(form: &str, basic: &str) -> RecordedRequest {
        RecordedRequest {
            method: "POST".into(),
            path: TOKEN_PATH.into(),
            query: None,
            headers: vec![
                ("authorization".into(), format!("Basic {basic}")),
                (
                    "content-type".into(),
                    "application/x-www-form-urlencoded".into(),
                ),
            ],
            body: bytes::Bytes::copy_from_slice(form.as_bytes()),
        }
    }

    fn good() -> String {
        base64(format!("{CLIENT_ID}:{CLIENT_SECRET}").as_bytes())
    }

    #[test]
    fn grants_issue_expiring_tokens_and_rotate_or_keep_refresh_tokens() {
        let mut state = BearerState::default();
        let refresh = format!("grant_type=refresh_token&refresh_token={REFRESH_TOKEN}");
        let Reply::Raw { status, body } = state.token_endpoint(&post(&refresh, &good())) else {
            panic!("raw")
        };
        assert_eq!(status, 200);
        assert!(
            body.contains(r#""refresh_token":"SimBearerRefresh0001""#),
            "{body}"
        );
        assert!(state.is_valid("SimBearer0001", false));
        assert_eq!(state.token_endpoint(&post(&refresh, &good())).status(), 400);
        state.omit_refresh_token = true;
        let next = "grant_type=refresh_token&refresh_token=SimBearerRefresh0001";
        let Reply::Raw { body, .. } = state.token_endpoint(&post(next, &good())) else {
            panic!("raw")
        };
        assert!(!body.contains("refresh_token"), "{body}");
        assert_eq!(state.token_endpoint(&post(next, &good())).status(), 200);
        let pat = format!("grant_type=personal_access_token&pat={PERSONAL_ACCESS_TOKEN}");
        assert_eq!(state.token_endpoint(&post(&pat, &good())).status(), 200);
        assert_eq!(state.token_endpoint(&post(&pat, "eDp5")).status(), 401);
        state.ttl = Duration::ZERO;
        state.token_endpoint(&post(&pat, &good()));
        assert!(
            !state.is_valid("SimBearer0005", false),
            "a zero TTL expires at once"
        );
        state.expire(ACCESS_TOKEN);
        assert!(!state.is_valid(ACCESS_TOKEN, true));
    }

    #[test]
    fn bearer_headers_are_recognised() {
        let mut request = post("", "x");
        request.headers[0].1 = "Bearer abc".into();
        assert_eq!(bearer(&request), Some("abc"));
        request.headers[0].1 = "abc".into();
        assert_eq!(bearer(&request), None);
        assert_eq!(me(&request, true).status(), 405);
        request.method = "GET".into();
        assert_eq!(me(&request, false).status(), 401);
        assert_eq!(me(&request, true).status(), 200);
    }
}
