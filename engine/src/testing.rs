//! Helpers for the engine's unit tests: contexts, compiled snippets and their diagnostics.

use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method};

use crate::compile::CompileCx;
use crate::config::source::{Diagnostics, SourceFile};
use crate::config::xml::{Element, parse_document};
use crate::context::MessageContext;
use crate::deploy::Deployment;
use crate::endpoint::Endpoint;
use crate::error::MediationError;
use crate::mediators::Flow;
use crate::registry::Registry;
use crate::services::{EngineServices, Settings};

/// A POST to `/services/test` with a JSON body and the given headers (a `content-type` among
/// them replaces the JSON one).
pub fn context_with(body: &str, headers: &[(&str, &str)]) -> MessageContext {
    let mut map = HeaderMap::new();
    map.insert("content-type", HeaderValue::from_static("application/json"));
    for (name, value) in headers {
        map.insert(
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(value).unwrap(),
        );
    }
    let services = Arc::new(EngineServices::in_memory(Settings::default()).unwrap());
    MessageContext::new(
        services,
        Arc::new(Deployment::default()),
        Method::POST,
        "/services/test".into(),
        map,
        Bytes::copy_from_slice(body.as_bytes()),
    )
}

pub fn diagnostics(xml: &str) -> Diagnostics {
    Diagnostics::new(Arc::new(SourceFile::new("test.xml", xml)))
}

pub fn element(xml: &str) -> Element {
    parse_document(&mut diagnostics(xml)).expect("well-formed test XML")
}

fn registry() -> Registry {
    Registry::builder().builtin_mediators().build()
}

/// The rendered diagnostics (errors and warnings) of compiling one mediator element.
pub fn compile_errors(xml: &str) -> Vec<String> {
    let el = element(xml);
    let registry = registry();
    let mut diags = diagnostics(xml);
    let _ = CompileCx::new(&registry, &mut diags).mediator(&el);
    diags.into_vec().iter().map(|d| d.render()).collect()
}

/// Compiles one mediator element; panics on a compile error.
pub fn compile_mediator(xml: &str) -> Box<dyn crate::mediators::Mediator> {
    let el = element(xml);
    let registry = registry();
    let mut diags = diagnostics(xml);
    let built = CompileCx::new(&registry, &mut diags).mediator(&el);
    built.unwrap_or_else(|_| panic!("{xml}: {:?}", diags.into_vec()))
}

/// Compiles an `<endpoint>` element.
pub fn compile_endpoint(xml: &str) -> Result<Endpoint, Vec<String>> {
    let el = element(xml);
    let registry = registry();
    let mut diags = diagnostics(xml);
    let result = crate::config::endpoint::parse_endpoint(
        &el,
        &mut CompileCx::new(&registry, &mut diags),
        false,
    );
    result.map_err(|_| diags.into_vec().iter().map(|d| d.render()).collect())
}

/// The rendered diagnostics of parsing a whole artifact file.
pub fn parse_errors(xml: &str) -> Vec<String> {
    let mut diags = diagnostics(xml);
    let _ = crate::config::parse_artifacts(&mut diags);
    diags.into_vec().iter().map(|d| d.render()).collect()
}

/// Runs the children of a `<sequence>` element on `ctx`.
pub async fn mediate_result(
    ctx: &mut MessageContext,
    sequence_xml: &str,
) -> Result<Flow, MediationError> {
    let el = element(sequence_xml);
    let registry = registry();
    let mut diags = diagnostics(sequence_xml);
    let list = CompileCx::new(&registry, &mut diags).mediators(&el);
    let list = list.unwrap_or_else(|_| panic!("{sequence_xml} failed: {:?}", diags.into_vec()));
    list.run(ctx).await
}

pub async fn mediate(ctx: &mut MessageContext, sequence_xml: &str) -> Flow {
    mediate_result(ctx, sequence_xml)
        .await
        .expect("mediation succeeds")
}
