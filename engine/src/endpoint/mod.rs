//! Endpoints at run time: where `send` and `call` deliver the message.
//!
//! * `<address uri>`: a fixed URL; the part of the request path after the proxy name
//!   (`REST_URL_POSTFIX`) is appended, and the incoming method is kept.
//! * `<http uri-template method>`: the template is expanded from `uri.var.*` and
//!   `query.param.*` properties. With a `method`, that method is used and no postfix is added.
//! * `<endpoint key="name"/>`: a named endpoint, looked up when the message is sent.
//!
//! The message's transport headers go to the backend (minus hop-by-hop ones); the backend's
//! status, headers and body become the current message.

pub mod uri_template;

use std::sync::Arc;
use std::time::Duration;

use http::{HeaderMap, Method};

use crate::context::{MessageContext, is_hop_by_hop};
use crate::error::{MediationError, Pos};
use crate::http::client::BackendRequest;
pub use uri_template::UriTemplate;

#[derive(Debug, Clone)]
pub struct Endpoint {
    pub name: Option<String>,
    pub target: Target,
    /// `<timeout><duration>`; the engine-wide timeout applies otherwise.
    pub timeout: Option<Duration>,
    /// `<property name value/>` children: set on the message before it is sent.
    pub properties: Vec<(String, String)>,
}

#[derive(Debug, Clone)]
pub enum Target {
    Address {
        uri: String,
        /// `format="get"` sends a GET whatever the incoming method.
        force_get: bool,
    },
    Http {
        template: UriTemplate,
        /// The template as written, used when no `uri.var.*` property exists (Synapse).
        raw: String,
        method: Option<Method>,
    },
    Reference {
        key: String,
        pos: Pos,
    },
}

impl Endpoint {
    /// Sends the current message and makes the backend's answer the current message.
    pub async fn call(&self, ctx: &mut MessageContext) -> Result<(), MediationError> {
        if let Target::Reference { key, .. } = &self.target {
            let named = ctx.deployment().endpoint(key).ok_or_else(|| {
                MediationError::internal(format!("Endpoint named `{key}` cannot be found"))
                    .with_detail("no deployed file defines an endpoint with this name")
            })?;
            if matches!(named.target, Target::Reference { .. }) {
                return Err(MediationError::internal(format!(
                    "endpoint `{key}` refers to another endpoint; chains of references are not followed"
                )));
            }
            return Box::pin(named.call(ctx)).await;
        }
        for (name, value) in &self.properties {
            ctx.set_property(name.clone(), value.as_str());
        }
        let (method, url) = self.resolve(ctx);
        let headers = forwarded_headers(&ctx.headers);
        let body = match method {
            Method::GET | Method::HEAD | Method::DELETE | Method::OPTIONS => None,
            _ => Some(ctx.payload().to_bytes()),
        };
        let request = BackendRequest {
            method,
            url,
            headers,
            body,
            timeout: self.timeout,
        };
        let response = ctx.services().http().send(request).await?;
        ctx.replace_message(response.status, response.headers, response.body);
        Ok(())
    }

    /// The method and URL for this message.
    fn resolve(&self, ctx: &MessageContext) -> (Method, String) {
        let incoming = ctx
            .axis2_property(crate::context::axis2::HTTP_METHOD)
            .and_then(|m| Method::from_bytes(m.as_bytes()).ok())
            .unwrap_or_else(|| ctx.method().clone());
        match &self.target {
            Target::Address { uri, force_get } => {
                let method = if *force_get { Method::GET } else { incoming };
                (method, with_postfix(uri, ctx.rest_url_postfix()))
            }
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
            Target::Reference { .. } => unreachable!("references are resolved in call()"),
        }
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

/// A shared endpoint, as held by mediators and proxies.
pub type EndpointRef = Arc<Endpoint>;

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

    #[test]
    fn only_uri_var_and_query_param_are_variables() {
        assert!(is_template_variable("uri.var.id"));
        assert!(is_template_variable("query.param.q"));
        assert!(!is_template_variable("id"));
    }
}
