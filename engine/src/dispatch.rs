//! Routing one request: `/services/{name}` to a proxy, any other path to the API whose context
//! it falls under. What neither serves goes to the `main` sequence when one is deployed (as in
//! Synapse), else gets a 404.

use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http::header::{ALLOW, HeaderValue};
use http::{HeaderMap, Method, StatusCode};

use crate::api::{Dispatch, query_params};
use crate::context::{MessageContext, OutgoingResponse};
use crate::deploy::Deployment;
use crate::error::MediationError;
use crate::error::Pos;
use crate::handler::{Handler, HandlerKind, error_response};
use crate::sequence::SequenceRef;
use crate::services::EngineServices;

/// A request as the transport hands it over.
pub struct Request {
    pub method: Method,
    pub path_and_query: String,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// The transport can relay a large backend body as it arrives.
    pub streaming: bool,
}

pub async fn route(
    services: &Arc<EngineServices>,
    deployment: Arc<Deployment>,
    request: Request,
) -> OutgoingResponse {
    let started = Instant::now();
    if request.path_and_query.starts_with("/services/") {
        to_proxy(services, deployment, request, started).await
    } else {
        to_api(services, deployment, request, started).await
    }
}

/// The answer for a path nothing serves, counted as such.
fn unmatched(
    services: &EngineServices,
    error: &MediationError,
    started: Instant,
) -> OutgoingResponse {
    let response = error_response(error);
    let metrics = services.metrics().unmatched();
    metrics.record(response.status.as_u16(), started.elapsed());
    response
}

async fn to_proxy(
    services: &Arc<EngineServices>,
    deployment: Arc<Deployment>,
    request: Request,
    started: Instant,
) -> OutgoingResponse {
    let name = service_name(&request.path_and_query).to_string();
    // Axis2 also serves `/services/Name.SOAP11Endpoint` style paths.
    let found = deployment
        .proxy(&name)
        .or_else(|| {
            name.split_once('.')
                .and_then(|(base, _)| deployment.proxy(base))
        })
        .cloned();
    let Some(proxy) = found else {
        if deployment.sequence(MAIN).is_some() {
            return to_main(services, deployment, request, started).await;
        }
        tracing::debug!(service = %name, "no such service");
        let error = MediationError::client_status(404, "no such service")
            .with_detail(format!("no proxy named `{name}` is deployed"));
        return unmatched(services, &error, started);
    };
    if !proxy.service.started {
        let error = MediationError::unavailable("service stopped").with_detail(format!(
            "proxy `{name}` is deployed with startOnLoad=\"false\""
        ));
        let response = error_response(&error);
        proxy.stats.observe(response.status.as_u16(), started);
        return response;
    }
    // The postfix starts after `/services/` and the name as it appears in the URL.
    let name_end = "/services/".len() + name.len();
    let mut ctx = context(services, deployment, request);
    let response = proxy.service.mediate(&mut ctx, name_end).await;
    proxy
        .stats
        .record_answer(ctx.faults() > 0, response.status.as_u16(), started);
    response
}

async fn to_api(
    services: &Arc<EngineServices>,
    deployment: Arc<Deployment>,
    request: Request,
    started: Instant,
) -> OutgoingResponse {
    let path = request.path_and_query.clone();
    let Some((deployed, at)) = deployment.api_for(&path).map(|(d, at)| (d.clone(), at)) else {
        if deployment.sequence(MAIN).is_some() {
            return to_main(services, deployment, request, started).await;
        }
        let error = MediationError::client_status(404, "not found").with_detail(format!(
            "no API context matches `{}`, and proxies live under /services/{{name}}",
            path.split('?').next().unwrap_or_default()
        ));
        return unmatched(services, &error, started);
    };
    let below = &path[at..];
    let sub_path = if below.is_empty() || below.starts_with('?') {
        format!("/{below}")
    } else {
        below.to_string()
    };
    let api = &deployed.api;
    let response = match api.dispatch(&request.method, &sub_path) {
        Dispatch::Resource(resource, vars) => {
            let handler = resource.handler.clone();
            let method = request.method.to_string();
            let mut ctx = context(services, deployment.clone(), request);
            for (name, value) in vars {
                ctx.set_property(format!("uri.var.{name}"), value);
            }
            for (name, value) in query_params(&sub_path) {
                ctx.set_property(format!("query.param.{name}"), value);
            }
            // Fixed names that mark no credential.
            ctx.set_known_property("SYNAPSE_REST_API", api.name.as_str(), false);
            ctx.set_known_property("REST_API_CONTEXT", api.context.as_str(), false);
            ctx.set_known_property("REST_METHOD", method, false);
            ctx.set_known_property("REST_FULL_REQUEST_PATH", path.as_str(), false);
            ctx.set_known_property("REST_SUB_REQUEST_PATH", sub_path.as_str(), false);
            ctx.set_handler(handler.clone(), at);
            let response = handler.mediate(&mut ctx).await;
            let status = response.status.as_u16();
            deployed
                .stats
                .record_answer(ctx.faults() > 0, status, started);
            return response;
        }
        Dispatch::MethodNotAllowed(allowed) => {
            let error =
                MediationError::client_status(405, "method not allowed").with_detail(format!(
                    "API `{}` does not take {} on `{}`",
                    api.name,
                    request.method,
                    sub_path.split('?').next().unwrap_or_default()
                ));
            with_allow(error_response(&error), &allowed)
        }
        Dispatch::Options(allowed) => with_allow(
            OutgoingResponse::new(StatusCode::OK, HeaderMap::new(), Bytes::new()),
            &allowed,
        ),
        Dispatch::NotFound => {
            let error =
                MediationError::client_status(404, "no matching resource").with_detail(format!(
                    "API `{}` has no resource for `{}`",
                    api.name,
                    sub_path.split('?').next().unwrap_or_default()
                ));
            error_response(&error)
        }
    };
    // The API answered without mediating: 405, OPTIONS, no such resource.
    deployed.stats.observe(response.status.as_u16(), started);
    response
}

const MAIN: &str = "main";

/// Runs the `main` sequence, with the `fault` sequence (if deployed) as its fault handler.
async fn to_main(
    services: &Arc<EngineServices>,
    deployment: Arc<Deployment>,
    request: Request,
    started: Instant,
) -> OutgoingResponse {
    let fault_sequence = deployment.sequence("fault").map(|_| SequenceRef::Named {
        key: "fault".into(),
        pos: Pos::default(),
    });
    let handler = Arc::new(Handler {
        kind: HandlerKind::Sequence,
        name: MAIN.into(),
        in_sequence: Some(SequenceRef::Named {
            key: MAIN.into(),
            pos: Pos::default(),
        }),
        // Answers to a <send> from main come back through main, where <out> handles them.
        out_sequence: Some(SequenceRef::Named {
            key: MAIN.into(),
            pos: Pos::default(),
        }),
        fault_sequence,
        endpoint: None,
    });
    let postfix = request.path_and_query.len();
    let mut ctx = context(services, deployment, request);
    ctx.set_handler(handler.clone(), postfix);
    let response = handler.mediate(&mut ctx).await;
    let metrics = services.metrics().main_sequence();
    metrics.record(response.status.as_u16(), started.elapsed());
    response
}

fn context(
    services: &Arc<EngineServices>,
    deployment: Arc<Deployment>,
    request: Request,
) -> MessageContext {
    let mut ctx = MessageContext::new(
        services.clone(),
        deployment,
        request.method,
        request.path_and_query,
        request.headers,
        request.body,
    );
    if request.streaming {
        ctx.allow_streaming();
    }
    ctx
}

fn with_allow(mut response: OutgoingResponse, allowed: &[Method]) -> OutgoingResponse {
    let list: Vec<&str> = allowed.iter().map(Method::as_str).collect();
    if let Ok(value) = HeaderValue::from_str(&list.join(", ")) {
        response.headers.insert(ALLOW, value);
    }
    response
}

/// `Orders` from `/services/Orders/x?y`.
fn service_name(path_and_query: &str) -> &str {
    let rest = path_and_query.strip_prefix("/services/").unwrap_or("");
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    &rest[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_names() {
        assert_eq!(service_name("/services/Orders"), "Orders");
        assert_eq!(service_name("/services/Orders/x/y?z=1"), "Orders");
        assert_eq!(service_name("/services/Orders?wsdl"), "Orders");
        assert_eq!(service_name("/services/"), "");
    }
}
