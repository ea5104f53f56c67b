//! Leaf endpoints: the ones that actually call a URL.
//!
//! * `<address uri>`: a fixed URL; the request's REST postfix is appended and the incoming
//!   method kept.
//! * `<http uri-template method>`: the template is expanded from `uri.var.*` and
//!   `query.param.*` properties. With a `method`, that method is used and no postfix added.
//! * `<default/>`: the message's `To` address (set with `<header name="To" .../>`).
//!
//! The message's transport headers go to the backend (minus hop-by-hop ones); the backend's
//! status, headers and body become the current message. Failures feed the endpoint's
//! suspension state.

use std::sync::OnceLock;
use std::time::Duration;

use http::header::CONTENT_TYPE;
use http::{HeaderMap, Method, Uri};

use super::format::Format;
use super::suspension::Suspension;
use super::uri_template::UriTemplate;
use crate::context::{MessageContext, axis2, is_hop_by_hop};
use crate::error::MediationError;
use crate::expr::Expression;
use crate::http::client::{BackendRequest, plain_uri, redacted_origin};
use crate::metrics::BackendMetrics;

#[derive(Debug)]
pub struct Leaf {
    pub target: Target,
    pub format: Format,
    pub timeout: Option<Timeout>,
    pub suspension: Suspension,
    /// An `<address>` URL parsed once for the HTTP client, used whenever a message adds no
    /// REST postfix to it: parsing and checking it for every message was about 3k
    /// instructions, 4.6% of the Direct Proxy's.
    parsed_address: Option<Uri>,
    /// The `oxynapse_backend_calls_total` handles, resolved on the first call (the engine's
    /// metrics are not at hand when the endpoint is compiled).
    metrics: OnceLock<BackendMetrics>,
}

#[derive(Debug, Clone)]
pub enum Target {
    Address {
        uri: String,
    },
    Http {
        template: UriTemplate,
        /// The template as written, used when no `uri.var.*` property exists (Synapse).
        raw: String,
        method: Option<Method>,
    },
    /// The message's `To` address.
    Default,
}

/// `<timeout><duration>`: milliseconds, or an expression giving them.
#[derive(Debug, Clone)]
pub enum Timeout {
    Fixed(Duration),
    Dynamic(Expression),
}

impl Leaf {
    pub fn new(
        target: Target,
        format: Format,
        timeout: Option<Timeout>,
        suspension: Suspension,
    ) -> Leaf {
        let parsed_address = match &target {
            Target::Address { uri } => plain_uri(uri),
            _ => None,
        };
        Leaf {
            target,
            format,
            timeout,
            suspension,
            parsed_address,
            metrics: OnceLock::new(),
        }
    }

    /// The `endpoint` label of its calls: the endpoint's name, else where it sends (without
    /// path or query, which may hold secrets and would make a series per message).
    fn metric_label(&self, endpoint_name: Option<&str>) -> String {
        match (endpoint_name, &self.target) {
            (Some(name), _) => name.to_string(),
            (None, Target::Address { uri }) => redacted_origin(uri),
            (None, Target::Http { raw, .. }) if !raw.contains('{') => redacted_origin(raw),
            (None, Target::Http { .. }) => "(anonymous http)".to_string(),
            (None, Target::Default) => "(default)".to_string(),
        }
    }

    /// Calls the backend and makes its answer the current message. `name` names the endpoint
    /// in errors; it is only built when one happens.
    pub async fn call(
        &self,
        ctx: &mut MessageContext,
        endpoint_name: Option<&str>,
        name: impl FnOnce() -> String,
    ) -> Result<(), MediationError> {
        self.suspension.check_with(name)?;
        // Sending a body on needs it whole (a `<send/>` to the To address of an answer).
        if ctx.has_streamed_body() {
            ctx.buffer_streamed_body().await?;
        }
        let (request, parsed) = self.prepare(ctx)?;
        let stream = ctx.stream_answer();
        let result = ctx
            .services()
            .http()
            .send_relay(request, parsed, stream)
            .await;
        self.metrics
            .get_or_init(|| {
                let label = self.metric_label(endpoint_name);
                ctx.services().metrics().backend(&label)
            })
            .record(&result);
        match result {
            // A streamed body that breaks off later no longer counts against the endpoint:
            // its answer had already started.
            Ok(response) => {
                self.suspension.on_success();
                ctx.replace_message(response.status, response.headers, response.body);
                if let Some(body) = response.stream {
                    ctx.set_streamed_body(body);
                }
                Ok(())
            }
            Err(error) => {
                self.suspension.on_error(&error);
                Err(error)
            }
        }
    }

    /// The request this endpoint sends for the current message, with its URL already parsed
    /// when it is the fixed `<address>` one.
    fn prepare(
        &self,
        ctx: &mut MessageContext,
    ) -> Result<(BackendRequest, Option<Uri>), MediationError> {
        let (method, url) = self.resolve(ctx)?;
        let parsed = match &self.target {
            Target::Address { uri } if url == *uri => self.parsed_address.clone(),
            _ => None,
        };
        let mut headers = forwarded_headers(&ctx.headers);
        let body = match method {
            Method::GET | Method::HEAD | Method::DELETE | Method::OPTIONS => None,
            _ => match self.format.rewrite(ctx)? {
                Some((body, content_type)) => {
                    headers.insert(CONTENT_TYPE, content_type);
                    Some(body)
                }
                None => Some(ctx.payload().to_bytes()),
            },
        };
        let timeout = match &self.timeout {
            None => None,
            Some(Timeout::Fixed(d)) => Some(*d),
            Some(Timeout::Dynamic(e)) => e
                .evaluate(ctx)?
                .and_then(|ms| ms.trim().parse::<u64>().ok())
                .map(Duration::from_millis),
        };
        let request = BackendRequest {
            method,
            url,
            headers,
            body,
            timeout,
        };
        Ok((request, parsed))
    }

    /// The method and URL for this message.
    fn resolve(&self, ctx: &MessageContext) -> Result<(Method, String), MediationError> {
        // An `HTTP_METHOD` set by mediation, else the request's own.
        let incoming = ctx
            .explicit_axis2_property(axis2::HTTP_METHOD)
            .and_then(|m| Method::from_bytes(m.as_bytes()).ok())
            .unwrap_or_else(|| ctx.method().clone());
        let incoming = if self.format == Format::Get {
            Method::GET
        } else {
            incoming
        };
        Ok(match &self.target {
            Target::Address { uri } => (incoming, with_postfix(uri, ctx.rest_url_postfix())),
            Target::Http {
                template,
                raw,
                method,
            } => {
                // Synapse expands only when some template variable property exists at all.
                let expanded = if ctx.has_property_where(is_template_variable) {
                    template.expand(|name| {
                        is_template_variable(name)
                            .then(|| ctx.property(name).map(ToString::to_string))
                            .flatten()
                    })
                } else {
                    raw.clone()
                };
                match method {
                    Some(m) => (m.clone(), expanded),
                    None => (incoming, with_postfix(&expanded, ctx.rest_url_postfix())),
                }
            }
            Target::Default => {
                let to = ctx.to_address().ok_or_else(|| {
                    MediationError::internal("the default endpoint has no address").with_detail(
                        "<default/> sends to the message's To address; set it with <header name=\"To\" value=\"...\"/>",
                    )
                })?;
                (incoming, to.to_string())
            }
        })
    }
}

/// Only `uri.var.*` and `query.param.*` properties are template variables in Synapse.
fn is_template_variable(name: &str) -> bool {
    name.starts_with("uri.var.") || name.starts_with("query.param.")
}

/// Appends the REST postfix without doubling the slash between them.
fn with_postfix(base: &str, postfix: Option<&str>) -> String {
    match postfix {
        None => base.to_string(),
        Some(p) if base.ends_with('/') && p.starts_with('/') => format!("{base}{}", &p[1..]),
        Some(p) => format!("{base}{p}"),
    }
}

/// The message's transport headers as they go to the next hop.
pub fn forwarded_headers(headers: &HeaderMap) -> HeaderMap {
    let mut out = HeaderMap::with_capacity(headers.len());
    for (name, value) in headers {
        if !is_hop_by_hop(name) {
            out.append(name.clone(), value.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postfix_joins_without_double_slash() {
        assert_eq!(
            with_postfix("http://b/svc/", Some("/x?y=1")),
            "http://b/svc/x?y=1"
        );
        assert_eq!(with_postfix("http://b/svc", Some("/x")), "http://b/svc/x");
        assert_eq!(
            with_postfix("http://b/svc", Some("?q=1")),
            "http://b/svc?q=1"
        );
        assert_eq!(with_postfix("http://b/svc", None), "http://b/svc");
    }

    /// A fixed address is parsed once and used as long as no postfix changes the URL.
    #[test]
    fn a_fixed_address_is_parsed_once() {
        let leaf = Leaf::new(
            Target::Address {
                uri: "http://127.0.0.1:9/b".into(),
            },
            Format::AsIs,
            None,
            Suspension::new(Default::default()),
        );
        let mut ctx = crate::testing::context_with("{}", &[]);
        let (request, parsed) = leaf.prepare(&mut ctx).unwrap();
        assert_eq!(parsed.unwrap().to_string(), request.url);
        ctx.set_axis2_property(axis2::REST_URL_POSTFIX, "/x");
        let (request, parsed) = leaf.prepare(&mut ctx).unwrap();
        assert_eq!(request.url, "http://127.0.0.1:9/b/x");
        assert!(parsed.is_none(), "a postfixed URL is parsed per message");
        let odd = Leaf::new(
            Target::Address {
                uri: "http://Example.com/".into(),
            },
            Format::AsIs,
            None,
            Suspension::new(Default::default()),
        );
        ctx.remove_axis2_property(axis2::REST_URL_POSTFIX);
        let (_, parsed) = odd.prepare(&mut ctx).unwrap();
        assert!(
            parsed.is_none(),
            "what the URL parser would rewrite is left to it"
        );
    }

    #[test]
    fn only_uri_var_and_query_param_are_variables() {
        assert!(is_template_variable("uri.var.id"));
        assert!(is_template_variable("query.param.q"));
        assert!(!is_template_variable("id"));
    }
}
