//! What a handler answers, and how that becomes an HTTP response.
//!
//! Error bodies stay data until rendering so that the server can stamp each one with a
//! per-simulator `incident` number, the way the real API tags its errors.

use bytes::Bytes;
use http::header::{self, HeaderName, HeaderValue};
use http::{Response, StatusCode};
use http_body_util::Full;

use crate::text::{fnv1a, js};

/// The content type of every JSON body, as the real API writes it.
pub(crate) const JSON: &str = "application/json;charset=UTF-8";

/// One answer from the simulator.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Reply {
    /// A successful JSON answer; carries the CORS/ETag headers the real API sends.
    Ok { status: u16, body: String },
    /// A successful answer without a body (204, or 202 for updateWebinar).
    Empty { status: u16 },
    /// A v1 API error: `{"errorCode":..,"description":..,"incident":..}` plus `extra`
    /// members (name, raw JSON text).
    ApiError {
        status: u16,
        code: &'static str,
        description: String,
        extra: Vec<(&'static str, String)>,
        allow: Option<String>,
    },
    /// A JSON body sent exactly as given, without CORS/ETag headers (the token endpoint
    /// and the bad-token answer, which come from a different layer of the real service).
    Raw { status: u16, body: String },
    /// 429 from the rate limit, with `Retry-After` and the limit in `X-RateLimit-Limit`.
    TooManyRequests { limit: u32 },
}

impl Reply {
    /// 200 with a JSON body.
    pub(crate) fn ok(body: String) -> Reply {
        Reply::Ok { status: 200, body }
    }

    /// 201 with a JSON body.
    pub(crate) fn created(body: String) -> Reply {
        Reply::Ok { status: 201, body }
    }

    /// 204 No Content.
    pub(crate) fn no_content() -> Reply {
        Reply::Empty { status: 204 }
    }

    fn error(status: u16, code: &'static str, description: String) -> Reply {
        Reply::ApiError {
            status,
            code,
            description,
            extra: Vec::new(),
            allow: None,
        }
    }

    /// 400 `InvalidRequest`: a malformed key, parameter or body.
    pub(crate) fn bad_request(description: impl Into<String>) -> Reply {
        Reply::error(400, "InvalidRequest", description.into())
    }

    /// 404 `NotFound`: an unknown webinar, session, registrant, ... or path.
    pub(crate) fn not_found(description: impl Into<String>) -> Reply {
        Reply::error(404, "NotFound", description.into())
    }

    /// 403 `Forbidden`: a path naming an organizer other than the token's.
    pub(crate) fn forbidden(description: impl Into<String>) -> Reply {
        Reply::error(403, "Forbidden", description.into())
    }

    /// 405 with an `Allow` header: the path exists, the method does not.
    pub(crate) fn method_not_allowed(allow: String) -> Reply {
        Reply::ApiError {
            status: 405,
            code: "MethodNotAllowed",
            description: format!("Request method not supported here; allowed: {allow}"),
            extra: Vec::new(),
            allow: Some(allow),
        }
    }

    /// 413: a request body over the simulator's limit.
    pub(crate) fn too_large() -> Reply {
        Reply::error(413, "PayloadTooLarge", "Request body too large".into())
    }

    /// 409 `DuplicateRegistrant`, naming the existing registration.
    pub(crate) fn duplicate_registrant(registrant_key: &str, join_url: &str) -> Reply {
        Reply::ApiError {
            status: 409,
            code: "DuplicateRegistrant",
            description: "The user is already registered.".into(),
            extra: vec![
                ("registrantKey", registrant_key.to_string()),
                ("joinUrl", js(join_url)),
            ],
            allow: None,
        }
    }

    /// 403 for a missing or unknown access token, in the gateway's own shape.
    pub(crate) fn invalid_token() -> Reply {
        Reply::Raw {
            status: 403,
            body: r#"{"int_err_code":"InvalidToken","msg":"Invalid token passed"}"#.into(),
        }
    }

    /// The status code this reply will be sent with.
    pub(crate) fn status(&self) -> u16 {
        match self {
            Reply::Ok { status, .. }
            | Reply::Empty { status }
            | Reply::ApiError { status, .. }
            | Reply::Raw { status, .. } => *status,
            Reply::TooManyRequests { .. } => 429,
        }
    }

    /// Builds the HTTP response; `incident` numbers an error body.
    pub(crate) fn into_response(self, incident: u64) -> Response<Full<Bytes>> {
        let status =
            StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut limit = None;
        let (body, success, allow) = match self {
            Reply::TooManyRequests { limit: n } => {
                limit = Some(n);
                let body = r#"{"errorCode":"TooManyRequests","description":"Rate limit exceeded"}"#;
                (Some(body.to_string()), false, None)
            }
            Reply::Ok { body, .. } => (Some(body), true, None),
            Reply::Empty { .. } => (None, true, None),
            Reply::Raw { body, .. } => (Some(body), false, None),
            Reply::ApiError {
                code,
                description,
                extra,
                allow,
                ..
            } => (
                Some(error_body(code, &description, &extra, incident)),
                false,
                allow,
            ),
        };
        let bytes = body.map(Bytes::from).unwrap_or_default();
        let mut response = Response::new(Full::new(bytes.clone()));
        *response.status_mut() = status;
        let headers = response.headers_mut();
        if status != StatusCode::NO_CONTENT && !(success && bytes.is_empty()) {
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON));
        }
        if let Some(Ok(allow)) = allow.map(|a| HeaderValue::from_str(&a)) {
            headers.insert(header::ALLOW, allow);
        }
        if let Some(limit) = limit {
            headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            headers.insert("x-ratelimit-limit", HeaderValue::from(limit));
        }
        if success {
            // The seven headers connector 1.0.3 removes from every response; tests check
            // that they do not leak through the engine.
            let cors: [(HeaderName, String); 7] = [
                (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*".into()),
                (
                    header::ACCESS_CONTROL_ALLOW_HEADERS,
                    "Authorization, Content-Type, Accept".into(),
                ),
                (
                    header::ACCESS_CONTROL_ALLOW_METHODS,
                    "GET, POST, PUT, DELETE, OPTIONS".into(),
                ),
                (header::ACCESS_CONTROL_MAX_AGE, "3600".into()),
                (header::VARY, "Accept-Encoding".into()),
                (header::ETAG, format!("\"{:016x}\"", fnv1a(&bytes))),
                (header::CONTENT_LANGUAGE, "en-US".into()),
            ];
            for (name, value) in cors {
                if let Ok(value) = HeaderValue::from_str(&value) {
                    headers.insert(name, value);
                }
            }
        }
        response
    }
}

/// The v1 error body: `errorCode`, `description`, `incident`, then any extra members.
fn error_body(code: &str, description: &str, extra: &[(&str, String)], incident: u64) -> String {
    let mut body = format!(
        r#"{{"errorCode":{},"description":{},"incident":"{incident}""#,
        js(code),
        js(description)
    );
    for (name, value) in extra {
        body.push_str(&format!(",{}:{value}", js(name)));
    }
    body.push('}');
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn success_carries_the_seven_headers() {
        let response = Reply::ok("[]".into()).into_response(1);
        assert_eq!(response.status(), 200);
        for name in [
            "access-control-allow-origin",
            "access-control-allow-headers",
            "access-control-allow-methods",
            "access-control-max-age",
            "vary",
            "etag",
            "content-language",
        ] {
            assert!(response.headers().contains_key(name), "{name}");
        }
        assert_eq!(response.headers()["content-type"], JSON);
    }

    #[test]
    fn errors_are_numbered_and_escaped() {
        let response = Reply::not_found("Webinar \"x\" not found").into_response(42);
        assert_eq!(response.status(), 404);
        assert!(!response.headers().contains_key("etag"));
        assert_eq!(
            error_body("NotFound", "Webinar \"x\" not found", &[], 42),
            r#"{"errorCode":"NotFound","description":"Webinar \"x\" not found","incident":"42"}"#
        );
        let Reply::ApiError { extra, .. } = Reply::duplicate_registrant("57", "https://j/1") else {
            panic!("not an error")
        };
        assert_eq!(
            error_body("DuplicateRegistrant", "d", &extra, 7),
            r#"{"errorCode":"DuplicateRegistrant","description":"d","incident":"7","registrantKey":57,"joinUrl":"https://j/1"}"#
        );
    }

    #[test]
    fn odd_status_codes_do_not_panic() {
        let response = Reply::Raw {
            status: 1000,
            body: "{}".into(),
        }
        .into_response(0);
        assert_eq!(response.status(), 500);
    }
}
