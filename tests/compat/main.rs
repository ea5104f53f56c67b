//! Compatibility: the project's own Synapse configs, written in the style of WSO2 samples and
//! kept in `tests/fixtures/compat/` (one small file per feature, named after it), each driven
//! end to end over HTTP against an in-process mock backend.
//!
//! Backend URLs are only known at run time, so fixtures hold placeholders that [`deploy`]
//! replaces before deploying: `{{BACKEND}}` becomes the mock backend's base URL
//! (`http://127.0.0.1:PORT`) and `{{DOWN}}` the base URL of a port nothing listens on.
//!
//! Where each feature of issue 6 is tested end to end (fixtures are under
//! `tests/fixtures/compat/`; other files test what they already covered):
//!
//! | Feature | Test |
//! |---|---|
//! | XPath location paths, predicates, core functions | `xpath.rs`; here `xpath_functions.xml`, `xpath_string_conversion.xml` |
//! | `$body`, `$header` | `expr_body_header.xml` |
//! | `$ctx:`, `$trp:`, `$axis2:`, `$url:` | `expr_properties.xml` (and `$url:` in `xpath.rs`) |
//! | `$func:` | `templates.rs` |
//! | `get-property(name)`, `get-property(scope, name)` for default, transport, axis2, operation, system, env; a local entry | `expr_properties.xml`; registry scope in `property_scopes.xml`; `MESSAGE_FORMAT` in `expr_body_header.xml` |
//! | `base64Encode`, `base64Decode`, `url-encode` | `xpath_functions.xml` |
//! | namespace prefixes declared in the config | `payload_factory_xml.xml`, `switch.xml`, `enrich_xml_xpath.xml`, `soap11_send.xml`; `xpath.rs` |
//! | Synapse's string of numbers, booleans, node-sets | `xpath_string_conversion.xml` |
//! | JSON seen through XPath (`$body/jsonObject/...`, `//a/b`) | `payload_factory_json.xml`, `enrich_json_to_xml.xml`; `xpath.rs` |
//! | `json-eval` | `expr_json_eval.xml`, and most fixtures |
//! | SOAP 1.1 in and out | `soap11_send.xml`, `payload_factory_xml.xml`, `enrich_xml_envelope.xml` |
//! | SOAP 1.2 in and out | `soap12_payload.xml`, `makefault_soap12.xml` |
//! | POX | `payload_factory_xml.xml`, `soap_to_pox.xml`, `enrich_xml_xpath.xml` |
//! | text/plain | `text_plain.xml`, `payload_factory_text.xml` |
//! | `messageType` deciding the content type | `message_type.xml` |
//! | `<api>` dispatch, `uri.var.*`, `query.param.*`, 404/405/OPTIONS | `apis.rs` |
//! | `<localEntry>` | `expr_properties.xml`; `templates.rs` |
//! | sequence and endpoint `<template>`, `call-template`, `with-param` | `templates.rs` |
//! | `<definitions>` with several artifacts | `definitions_in_out.xml`, `expr_properties.xml`, `unsupported_spring.xml`; `templates.rs` |
//! | connector `<import>` | `templates.rs` |
//! | payloadFactory json / xml / text, `evaluator`, `literal`, `value` | `payload_factory_json.xml`, `payload_factory_xml.xml`, `payload_factory_text.xml` |
//! | enrich on JSON: body, property, inline, json-eval child/sibling/replace/remove | `enrich_json_body_property.xml`, `enrich_json_path.xml` |
//! | enrich on XML: XPath, inline XML, envelope, body; XPath over JSON into an XML body | `enrich_xml_xpath.xml`, `enrich_xml_envelope.xml`, `enrich_json_to_xml.xml` |
//! | makefault soap11 / soap12 / pox, with a faultSequence | `makefault_soap11.xml`, `makefault_soap12.xml`, `makefault_pox.xml` |
//! | `<in>` / `<out>` in an old-style main sequence | `definitions_in_out.xml` |
//! | loopback | `loopback.xml` |
//! | iterate, aggregate, foreach, clone | `eip.rs` |
//! | `call blocking="true"` | `call_blocking.xml` |
//! | `<http>` uri-template expansion (RFC 6570) | `http_endpoint_uri_template.xml`; `mediators.rs` |
//! | address endpoint with `REST_URL_POSTFIX` | `address_rest_url_postfix.xml`; `mediators.rs`, `apis.rs` |
//! | endpoint timeouts and suspension | `endpoints.rs`, `errors.rs` |
//! | header: transport set/remove, SOAP headers | `header_transport.xml`, `header_soap.xml` |
//! | switch, filter (regex and XPath) | `switch.xml`, `filter.xml`; `mediators.rs` |
//! | property types STRING, INTEGER, BOOLEAN, OM, JSON | `property_types.xml` |
//! | property scopes default, transport, axis2, operation, registry, system | `property_scopes.xml`, `expr_properties.xml` |
//! | log levels and categories | `log_levels.xml` |
//! | respond; drop (202) | every fixture; `drop.xml` |
//! | send with an outSequence | `header_transport.xml`, `soap11_send.xml`; `mediators.rs` |
//! | rewrite | `rewrite.rs` |
//! | unsupported features: one diagnostic each, the rest still serves | `unsupported_*.xml` with `echo.xml`; `validate.rs` |

#[path = "../common/mod.rs"]
mod common;

mod formats_and_expressions;
mod makefault_and_flow;
mod mediators;
mod payload_factory_and_enrich;
mod unsupported;

use std::sync::{Arc, Mutex, OnceLock};

use common::{MockBackend, Received, Reply, TestEngine, closed_port};

const SOAP11_NS: &str = "http://schemas.xmlsoap.org/soap/envelope/";
const SOAP12_NS: &str = "http://www.w3.org/2003/05/soap-envelope";

/// A backend answer with this content type (none for `None`).
fn reply(content_type: Option<&str>, body: impl Into<bytes::Bytes>) -> Reply {
    Reply {
        status: 200,
        headers: content_type
            .map(|ct| vec![("content-type".to_string(), ct.to_string())])
            .unwrap_or_default(),
        body: body.into(),
        delay: std::time::Duration::ZERO,
    }
}

/// The mock backend: `/echo...` returns the request as it came, `/stock` and `/quotes/SYMBOL`
/// answer JSON, `/soap/quotes` answers a SOAP 1.1 envelope, anything else says what it got.
async fn backend() -> MockBackend {
    MockBackend::start(|r: &Received| {
        let path = r.path_and_query.as_str();
        if path.starts_with("/echo") {
            let content_type = r.headers.get("content-type").map(|v| v.to_str().unwrap());
            return reply(content_type, r.body.clone())
                .with_header("X-Seen-Method", &r.method)
                .with_header("X-Seen-Path", path);
        }
        if path == "/stock" {
            return Reply::json(200, r#"{"inStock": 12}"#);
        }
        if let Some(symbol) = path.strip_prefix("/quotes/") {
            return Reply::json(200, &format!(r#"{{"symbol": "{symbol}", "price": 101.50}}"#));
        }
        if path == "/soap/quotes" {
            return reply(
                Some("text/xml; charset=UTF-8"),
                format!(
                    r#"<soapenv:Envelope xmlns:soapenv="{SOAP11_NS}"><soapenv:Body><q:getQuoteResponse xmlns:q="http://example.org/quotes"><q:symbol>IBM</q:symbol><q:price>98.25</q:price></q:getQuoteResponse></soapenv:Body></soapenv:Envelope>"#
                ),
            );
        }
        Reply::json(
            200,
            &format!(r#"{{"method":"{}","path":"{path}"}}"#, r.method),
        )
    })
    .await
}

/// Deploys the named fixtures with their placeholders filled in.
async fn deploy(names: &[&str], backend: &MockBackend) -> TestEngine {
    let down = format!("http://127.0.0.1:{}", closed_port());
    let files: Vec<(String, String)> = names
        .iter()
        .map(|name| {
            let xml = common::fixture(&format!("compat/{name}"))
                .replace("{{BACKEND}}", &backend.url(""))
                .replace("{{DOWN}}", &down);
            (name.to_string(), xml)
        })
        .collect();
    let files: Vec<(&str, &str)> = files
        .iter()
        .map(|(n, x)| (n.as_str(), x.as_str()))
        .collect();
    let engine = TestEngine::start(&files).await;
    // Every fixture deploys, without errors.
    let artifacts = engine.artifacts().await;
    for artifact in artifacts["artifacts"].as_array().unwrap() {
        assert_eq!(artifact["state"], "deployed", "{artifact:#}");
        for diagnostic in artifact["diagnostics"].as_array().unwrap() {
            assert_eq!(diagnostic["severity"], "warning", "{artifact:#}");
        }
    }
    engine
}

/// What the client got.
#[derive(Debug)]
struct Answer {
    status: u16,
    headers: http::HeaderMap,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .unwrap_or_else(|| panic!("no header {name} in {:?}", self.headers))
            .to_str()
            .unwrap()
    }

    fn content_type(&self) -> &str {
        self.header("content-type")
    }
}

async fn send(
    engine: &TestEngine,
    method: &str,
    path: &str,
    content_type: Option<&str>,
    body: &str,
    headers: &[(&str, &str)],
) -> Answer {
    let mut request = engine
        .client
        .request(method.parse().unwrap(), engine.url(path))
        .body(body.to_string());
    if let Some(ct) = content_type {
        request = request.header("Content-Type", ct);
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("the engine answers");
    Answer {
        status: response.status().as_u16(),
        headers: response.headers().clone(),
        body: response.text().await.unwrap(),
    }
}

async fn post(engine: &TestEngine, path: &str, content_type: &str, body: &str) -> Answer {
    send(engine, "POST", path, Some(content_type), body, &[]).await
}

fn soap11(payload: &str) -> String {
    format!(
        r#"<soapenv:Envelope xmlns:soapenv="{SOAP11_NS}"><soapenv:Header/><soapenv:Body>{payload}</soapenv:Body></soapenv:Envelope>"#
    )
}

fn soap12(payload: &str) -> String {
    format!(
        r#"<soap:Envelope xmlns:soap="{SOAP12_NS}"><soap:Body>{payload}</soap:Body></soap:Envelope>"#
    )
}
