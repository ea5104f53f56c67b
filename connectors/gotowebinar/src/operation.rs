//! How one GoToWebinar operation becomes one upstream request.
//!
//! Each operation is a row: method, a path below `/organizers/{organizerKey}/`, an optional
//! query builder, an optional JSON body builder and an optional `Accept` header. The builders
//! are plain functions that do natively what 1.0.3's payloadFactory and scripts do (see
//! [`crate::build`]). Running a row does what connector 1.0.3's templates do:
//! * the message's transport headers go upstream (minus hop-by-hop ones), with
//!   `Authorization: <raw access token>` and `Content-Type: application/json` set by `init`,
//!   and `Accept-Encoding` removed;
//! * the API's status, headers and body become the current message, with the seven
//!   CORS/ETag headers the templates strip removed.
//!
//! Required parameters are checked before anything is sent: an empty one is a 400 naming it.
//! So are the builders' checks (a parameter that must be JSON text, a boolean): a request
//! that cannot be built is never half-sent.
//!
//! With `apiVersion` v2 the row's v2 route applies instead (see [`crate::v2::routes`]): the
//! base is `{apiUrl}/G2W/rest/v2` and `Authorization` is `Bearer <token>`. In both versions
//! a rejected token is renewed once and the request retried once ([`crate::renewal`]).

use bytes::Bytes;
use http::header::{ACCEPT, ACCEPT_ENCODING, AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use http::{HeaderMap, Method};
use oxynapse_engine::connector::{Args, OperationSpec, ParamSpec};
use oxynapse_engine::endpoint::forwarded_headers;
use oxynapse_engine::http::client::BackendRequest;
use oxynapse_engine::metrics::BackendMetrics;
use oxynapse_engine::{MediationError, MessageContext};
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use serde_json::Value;

use crate::init::Session;
use crate::renewal::{Runtime, authorization, exchange};
use crate::v2::ApiVersion;
use crate::v2::paging::all_pages;
use crate::v2::routes::{Route, route};

/// Response headers every operation removes (1.0.3 templates, 7 × 36 `header action="remove"`).
pub const STRIPPED_RESPONSE_HEADERS: [&str; 7] = [
    "Content-Language",
    "Access-Control-Allow-Headers",
    "Access-Control-Allow-Origin",
    "Vary",
    "Access-Control-Max-Age",
    "Access-Control-Allow-Methods",
    "ETag",
];

/// Characters escaped in a path segment: everything that would change the path's shape.
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'\\')
    .add(b'^')
    .add(b'|');

/// Characters escaped in a query value. `:` stays as it is, as 1.0.3 sends times
/// (`fromTime=2015-05-09T16:45:58Z`) after Synapse decodes the expanded template.
const QUERY_VALUE: &AsciiSet = &SEGMENT.add(b'&').add(b'=').add(b'+').add(b';');

pub fn encode_segment(value: &str) -> String {
    utf8_percent_encode(value, SEGMENT).to_string()
}

pub fn encode_query_value(value: &str) -> String {
    utf8_percent_encode(value, QUERY_VALUE).to_string()
}

/// Builds the query string (without `?`) from the arguments; `None` for no query.
pub type QueryBuilder = fn(&Args) -> Result<Option<String>, MediationError>;

/// Builds the JSON body from the arguments. Without one, the request has no body: the
/// message's body is never forwarded (resendInvitation, in `coorganizers.rs`).
pub type BodyBuilder = fn(&Args) -> Result<Value, MediationError>;

/// One row of the operation table.
#[derive(Debug, Clone)]
pub struct Operation {
    pub name: &'static str,
    pub params: &'static [ParamSpec],
    pub method: Method,
    /// Below `{apiUrl}/G2W/rest/organizers/{organizerKey}/`; `{name}` is a parameter.
    pub path: &'static str,
    pub query: Option<QueryBuilder>,
    pub body: Option<BodyBuilder>,
    /// An `Accept` header the template sets (createRegistrant).
    pub accept: Option<&'static str>,
}

impl Operation {
    const fn new(
        name: &'static str,
        params: &'static [ParamSpec],
        method: Method,
        path: &'static str,
    ) -> Operation {
        Operation {
            name,
            params,
            method,
            path,
            query: None,
            body: None,
            accept: None,
        }
    }

    pub const fn get(
        name: &'static str,
        params: &'static [ParamSpec],
        path: &'static str,
    ) -> Operation {
        Operation::new(name, params, Method::GET, path)
    }

    pub const fn post(
        name: &'static str,
        params: &'static [ParamSpec],
        path: &'static str,
    ) -> Operation {
        Operation::new(name, params, Method::POST, path)
    }

    pub const fn put(
        name: &'static str,
        params: &'static [ParamSpec],
        path: &'static str,
    ) -> Operation {
        Operation::new(name, params, Method::PUT, path)
    }

    pub const fn delete(
        name: &'static str,
        params: &'static [ParamSpec],
        path: &'static str,
    ) -> Operation {
        Operation::new(name, params, Method::DELETE, path)
    }

    pub const fn with_query(mut self, query: QueryBuilder) -> Operation {
        self.query = Some(query);
        self
    }

    pub const fn with_body(mut self, body: BodyBuilder) -> Operation {
        self.body = Some(body);
        self
    }

    pub const fn with_accept(mut self, accept: &'static str) -> Operation {
        self.accept = Some(accept);
        self
    }

    pub fn spec(&self) -> OperationSpec {
        OperationSpec {
            name: self.name,
            params: self.params,
        }
    }

    /// The full URL, checking required parameters first. Built in one buffer, encoding
    /// straight into it: this runs for every operation call.
    pub fn url(&self, session: &Session, args: &Args) -> Result<String, MediationError> {
        let route = self.route(session.api);
        for param in self.params.iter().filter(|p| p.required) {
            args.require(param.name)?;
        }
        let path = route.path;
        let mut url = String::with_capacity(session.base_url.len() + path.len() + 64);
        url.push_str(&session.base_url);
        url.push_str("/organizers/");
        url.extend(utf8_percent_encode(&session.organizer_key, SEGMENT));
        url.push('/');
        let mut rest = path;
        while let Some(open) = rest.find('{') {
            url.push_str(&rest[..open]);
            let close = rest[open..].find('}').map_or(rest.len(), |c| open + c);
            let name = &rest[open + 1..close];
            url.extend(utf8_percent_encode(
                args.get(name).unwrap_or_default(),
                SEGMENT,
            ));
            rest = rest.get(close + 1..).unwrap_or_default();
        }
        url.push_str(rest);
        url.truncate(url.trim_end_matches('/').len());
        if let Some(query) = route.query.map(|q| q(args)).transpose()?.flatten() {
            url.push('?');
            url.push_str(&query);
        }
        Ok(url)
    }

    /// The upstream request, built from the arguments and the message's headers. Every check
    /// (required parameters, builder checks) runs here, before anything is sent.
    pub fn request(
        &self,
        session: &Session,
        args: &Args,
        message_headers: &HeaderMap,
    ) -> Result<BackendRequest, MediationError> {
        let url = self.url(session, args)?;
        let body = self.body.map(|b| b(args)).transpose()?;
        let mut headers = forwarded_headers(message_headers);
        headers.insert(
            AUTHORIZATION,
            authorization(session.api, &session.access_token)?,
        );
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        headers.remove(ACCEPT_ENCODING);
        if let Some(accept) = self.route(session.api).accept {
            headers.insert(ACCEPT, HeaderValue::from_static(accept));
        }
        Ok(BackendRequest {
            method: self.method.clone(),
            url,
            headers,
            body: body.map(|b| Bytes::from(b.to_string())),
            timeout: None,
        })
    }

    /// The row as v1 sends it, or its v2 route.
    pub fn route(&self, api: ApiVersion) -> Route {
        match api {
            ApiVersion::V1 => Route {
                path: self.path,
                query: self.query,
                accept: self.accept,
                paging: None,
            },
            ApiVersion::V2 => route(self),
        }
    }

    /// Sends the request (every page of it with `allPages="true"` on a paged v2 list),
    /// counts each upstream call in `metrics`, and makes the API's answer the current message.
    pub async fn run(
        &self,
        runtime: Runtime<'_>,
        session: &Session,
        args: &Args,
        ctx: &mut MessageContext,
        metrics: &BackendMetrics,
    ) -> Result<(), MediationError> {
        let paging = self.route(session.api).paging;
        let every_page = args
            .non_empty("allPages")
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
        let mut response = match paging {
            Some(paging) if every_page => {
                all_pages(self, paging, runtime, session, args, ctx, metrics).await?
            }
            _ => {
                let request = self.request(session, args, &ctx.headers)?;
                exchange(runtime, session, ctx.services(), request, metrics).await?
            }
        };
        for name in STRIPPED_RESPONSE_HEADERS {
            response.headers.remove(name);
        }
        tracing::debug!(
            operation = self.name,
            status = response.status.as_u16(),
            "gotowebinar call"
        );
        ctx.replace_message(response.status, response.headers, response.body);
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::build::tests::args;

    /// The session `init` leaves: organizer 42 on host `h`, token `t`.
    pub(crate) fn session() -> Session {
        Session {
            base_url: "http://h/G2W/rest".into(),
            access_token: "t".into(),
            organizer_key: "42".into(),
            api: ApiVersion::V1,
            renewal: None,
            rate_limit: None,
        }
    }

    /// The row named `name` of a module's table.
    pub(crate) fn find(table: &'static [Operation], name: &str) -> &'static Operation {
        table
            .iter()
            .find(|op| op.name == name)
            .unwrap_or_else(|| panic!("no operation {name}"))
    }

    /// The request an operation builds from these arguments: method, URL and body JSON.
    pub(crate) fn built(
        op: &Operation,
        pairs: &[(&'static str, &str)],
    ) -> Result<(Method, String, Option<Value>), MediationError> {
        let request = op.request(&session(), &args(op.name, pairs), &HeaderMap::new())?;
        let body = request
            .body
            .map(|b| serde_json::from_slice(&b).expect("bodies are JSON"));
        Ok((request.method, request.url, body))
    }

    #[test]
    fn encodes_only_what_changes_meaning() {
        assert_eq!(encode_segment("6487648931392511233"), "6487648931392511233");
        assert_eq!(encode_segment("a/b c?"), "a%2Fb%20c%3F");
        assert_eq!(
            encode_query_value("2015-05-09T16:45:58Z"),
            "2015-05-09T16:45:58Z"
        );
        assert_eq!(encode_query_value("a&b=c+d"), "a%26b%3Dc%2Bd");
    }

    #[test]
    fn urls_fill_parameters_and_check_required_ones() {
        const PARAMS: &[ParamSpec] = &[
            ParamSpec::required("webinarKey"),
            ParamSpec::required("sessionKey"),
        ];
        let op = Operation::get(
            "getSessionById",
            PARAMS,
            "webinars/{webinarKey}/sessions/{sessionKey}",
        );
        let given = args(
            "getSessionById",
            &[("webinarKey", "1"), ("sessionKey", "2")],
        );
        assert_eq!(
            op.url(&session(), &given).unwrap(),
            "http://h/G2W/rest/organizers/42/webinars/1/sessions/2"
        );
        let missing = args("getSessionById", &[("webinarKey", "1")]);
        let err = op.url(&session(), &missing).unwrap_err();
        assert_eq!(err.status, 400);
        assert!(err.message.contains("sessionKey"));
    }

    #[test]
    fn requests_carry_the_token_json_type_and_the_rows_accept() {
        const PARAMS: &[ParamSpec] = &[ParamSpec::required("webinarKey")];
        fn body(_: &Args) -> Result<Value, MediationError> {
            Ok(serde_json::json!({"a": "b"}))
        }
        let op = Operation::post("op", PARAMS, "webinars/{webinarKey}/x")
            .with_body(body)
            .with_accept("application/vnd.test+json");
        let mut message = HeaderMap::new();
        message.insert(ACCEPT_ENCODING, HeaderValue::from_static("gzip"));
        message.insert(ACCEPT, HeaderValue::from_static("text/plain"));
        message.insert("x-client", HeaderValue::from_static("kept"));
        message.insert("content-length", HeaderValue::from_static("99"));
        let request = op
            .request(&session(), &args("op", &[("webinarKey", "1")]), &message)
            .unwrap();
        assert_eq!(request.method, Method::POST);
        assert_eq!(request.headers[AUTHORIZATION], "t");
        assert_eq!(request.headers[CONTENT_TYPE], "application/json");
        assert_eq!(request.headers[ACCEPT], "application/vnd.test+json");
        assert_eq!(request.headers["x-client"], "kept");
        assert!(request.headers.get(ACCEPT_ENCODING).is_none());
        assert!(request.headers.get("content-length").is_none());
        assert_eq!(request.body.as_deref(), Some(&br#"{"a":"b"}"#[..]));

        let bare = Operation::delete("op", PARAMS, "webinars/{webinarKey}");
        let (method, url, body) = built(&bare, &[("webinarKey", "1")]).unwrap();
        assert_eq!(method, Method::DELETE);
        assert_eq!(url, "http://h/G2W/rest/organizers/42/webinars/1");
        assert_eq!(body, None, "a row without a body builder sends no body");
        assert!(
            built(&bare, &[]).is_err(),
            "required parameters checked first"
        );
    }
}
