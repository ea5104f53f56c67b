//! The expression parser, and evaluation of every expression it accepts against a message.
//!
//! Input: the first line is the expression text; the rest is the request body, sent as JSON
//! (or as XML when the first byte of the rest is `<`). A few headers, properties and template
//! parameters are set so that every scope has something to find.

#![no_main]

use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method};
use libfuzzer_sys::fuzz_target;
use oxynapse_engine::deploy::Deployment;
use oxynapse_engine::expr::Expression;
use oxynapse_engine::template::FuncValue;
use oxynapse_engine::{EngineServices, MessageContext, Settings};

fn services() -> &'static Arc<EngineServices> {
    static SERVICES: OnceLock<Arc<EngineServices>> = OnceLock::new();
    SERVICES.get_or_init(|| {
        let services = EngineServices::in_memory(Settings::default()).expect("services");
        services.set_system_property("fuzz.system", "sys-value");
        let _ = services
            .registry_store()
            .put("conf:/fuzz/entry", "registry-value");
        Arc::new(services)
    })
}

fn deployment() -> &'static Arc<Deployment> {
    static DEPLOYMENT: OnceLock<Arc<Deployment>> = OnceLock::new();
    DEPLOYMENT.get_or_init(|| Arc::new(Deployment::default()))
}

fuzz_target!(|data: &[u8]| {
    let (expr, body) = match data.iter().position(|&b| b == b'\n') {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &[][..]),
    };
    let Ok(text) = std::str::from_utf8(expr) else {
        return;
    };
    let Ok(expression) = Expression::parse(text) else {
        return;
    };
    let _ = expression.reads_request();

    let mut headers = HeaderMap::new();
    let content_type = if body.first() == Some(&b'<') {
        "application/xml"
    } else {
        "application/json"
    };
    headers.insert("content-type", HeaderValue::from_static(content_type));
    headers.insert("action", HeaderValue::from_static("urn:getSessionById"));
    headers.insert("x-trace", HeaderValue::from_static("t-1"));
    headers.insert(
        "authorization",
        HeaderValue::from_static("Bearer secret-token"),
    );
    let mut ctx = MessageContext::new(
        services().clone(),
        deployment().clone(),
        Method::POST,
        "/services/fuzz/rest/path?q=1&r=%20x".into(),
        headers,
        Bytes::copy_from_slice(body),
    );
    ctx.set_property("name", "value");
    ctx.set_property("accessToken", "secret-access-token");
    ctx.set_axis2_property("HTTP_SC", "201");
    // A lazy parameter whose expression is the fuzzed one: `$func:lazy` evaluates it again,
    // and `$func:self`-style loops are bounded by the engine.
    let lazy = Arc::new(expression.clone());
    ctx.push_func_frame(vec![
        ("who".into(), FuncValue::Text("Ada".into())),
        ("lazy".into(), FuncValue::Lazy(lazy.clone())),
    ]);
    ctx.push_func_frame(vec![
        ("inner".into(), FuncValue::Lazy(lazy)),
        ("who".into(), FuncValue::Text("Bob".into())),
    ]);

    let _ = expression.evaluate(&mut ctx);
    let _ = expression.evaluate_bool(&mut ctx);
});
