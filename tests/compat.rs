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

mod common;

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

// ---- payloadFactory ------------------------------------------------------------------------

#[tokio::test]
async fn payload_factory_json() {
    let backend = backend().await;
    let engine = deploy(&["payload_factory_json.xml"], &backend).await;
    let order = r#"{"orderId": 1042,
        "customer": {"name": "Ann \"Annie\" Lee", "address": {"city": "Oslo", "zip": "0150"}, "note": "fragile & heavy"},
        "items": [{"sku": "a-1", "price": 10.5}, {"sku": "b-2", "price": 19.5}]}"#;
    let answer = post(
        &engine,
        "/services/OrderSummaryJson",
        "application/json",
        order,
    )
    .await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.content_type(), "application/json");
    assert_eq!(
        answer.body,
        r#"{"order":{"id":1042,"customer":"Ann \"Annie\" Lee","items":["a-1","b-2"],"shipTo":{"city":"Oslo","zip":"0150"}},"shipToText":"{\"city\":\"Oslo\",\"zip\":\"0150\"}","channel":"web","note":"fragile & heavy","total":30.0,"coupon":""}"#
    );
}

const ORDER_XML: &str = r#"<ord:placeOrder xmlns:ord="http://example.org/orders"><ord:line><ord:sku>A-1</ord:sku><ord:qty>2</ord:qty></ord:line><ord:line><ord:sku>B-7</ord:sku><ord:qty>1</ord:qty></ord:line><ord:customer>Lee &amp; Sons</ord:customer></ord:placeOrder>"#;

const ACK_XML: &str = r#"<ack xmlns="http://example.org/acks"><customer>Lee &amp; Sons</customer><lines>2.0</lines><firstSku>A-1</firstSku><status>accepted</status></ack>"#;

#[tokio::test]
async fn payload_factory_xml_over_soap_and_pox() {
    let backend = backend().await;
    let engine = deploy(&["payload_factory_xml.xml"], &backend).await;
    let answer = post(
        &engine,
        "/services/OrderAckXml",
        "application/xml",
        ORDER_XML,
    )
    .await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.content_type(), "application/xml");
    assert_eq!(answer.body, ACK_XML);

    let answer = post(
        &engine,
        "/services/OrderAckXml",
        "text/xml; charset=UTF-8",
        &soap11(ORDER_XML),
    )
    .await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.content_type(), "text/xml; charset=UTF-8");
    assert_eq!(answer.body, soap11(ACK_XML), "SOAP in, SOAP out");
}

#[tokio::test]
async fn payload_factory_text() {
    let backend = backend().await;
    let engine = deploy(&["payload_factory_text.xml"], &backend).await;
    let answer = post(
        &engine,
        "/services/GreetingText",
        "application/json",
        r#"{"name": "Ada", "items": [7, 8, 9]}"#,
    )
    .await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.content_type(), "text/plain");
    assert_eq!(answer.body, "Hello Ada, you have 3.0 items (first: 7)");
}

// ---- enrich --------------------------------------------------------------------------------

#[tokio::test]
async fn enrich_json_body_and_property() {
    let backend = backend().await;
    let engine = deploy(&["enrich_json_body_property.xml"], &backend).await;
    let order = r#"{"sku": "A-1", "qty": 2}"#;
    let answer = post(&engine, "/services/StockCheck", "application/json", order).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("x-in-stock"), "12");
    assert_eq!(
        answer.body,
        r#"{"sku":"A-1","qty":2,"fulfilment":{"warehouse":"north","reserved":true}}"#
    );
    let received = backend.received();
    assert_eq!(received[0].path_and_query, "/stock");
    assert_eq!(received[0].body, order.as_bytes());
}

#[tokio::test]
async fn enrich_json_path_actions() {
    let backend = backend().await;
    let engine = deploy(&["enrich_json_path.xml"], &backend).await;
    let answer = post(
        &engine,
        "/services/OrderEdit",
        "application/json",
        r#"{"order": {"id": 7, "items": ["pen"], "secret": "s3", "status": "new"}}"#,
    )
    .await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.body,
        r#"{"order":{"id":7,"items":["pen",{"sku":"ink"},"pen"],"status":"confirmed"}}"#
    );
}

#[tokio::test]
async fn enrich_xml_xpath_and_inline() {
    let backend = backend().await;
    let engine = deploy(&["enrich_xml_xpath.xml"], &backend).await;
    let invoice = r#"<inv:invoice xmlns:inv="http://example.org/invoice"><inv:id>INV-9</inv:id><inv:total>120.50</inv:total><inv:status>open</inv:status><inv:lines/></inv:invoice>"#;
    let answer = post(&engine, "/services/InvoiceEdit", "application/xml", invoice).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("x-invoice"), "INV-9");
    assert_eq!(answer.content_type(), "application/xml");
    // Inline elements keep the declarations they were written with (redundant here).
    assert_eq!(
        answer.body,
        r#"<inv:invoice xmlns:inv="http://example.org/invoice"><inv:id>INV-9</inv:id><inv:total>120.50</inv:total><inv:note xmlns:inv="http://example.org/invoice">checked</inv:note><inv:status>PAID</inv:status><inv:lines><inv:line xmlns:inv="http://example.org/invoice">shipping</inv:line></inv:lines></inv:invoice>"#
    );
}

#[tokio::test]
async fn enrich_xml_envelope_and_body() {
    let backend = backend().await;
    let engine = deploy(&["enrich_xml_envelope.xml"], &backend).await;
    let request = soap11(
        r#"<q:getQuote xmlns:q="http://example.org/quotes"><q:symbol>IBM</q:symbol></q:getQuote>"#,
    );
    let answer = post(&engine, "/services/EnvelopeRoundTrip", "text/xml", &request).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("x-status"), "received");
    assert_eq!(answer.body, request);
}

#[tokio::test]
async fn enrich_xpath_over_json_into_an_xml_body() {
    let backend = backend().await;
    let engine = deploy(&["enrich_json_to_xml.xml"], &backend).await;
    let answer = post(
        &engine,
        "/services/JsonToSoap",
        "application/json",
        r#"{"getQuote": {"request": {"symbol": "WSO2"}}}"#,
    )
    .await;
    assert_eq!(answer.status, 200);
    let expected = format!(
        r#"<soapenv:Envelope xmlns:soapenv="{SOAP11_NS}"><soapenv:Body><getQuote><request><symbol>WSO2</symbol></request></getQuote></soapenv:Body></soapenv:Envelope>"#
    );
    let received = backend.received();
    assert_eq!(std::str::from_utf8(&received[0].body).unwrap(), expected);
    assert_eq!(
        received[0].headers["content-type"],
        "text/xml; charset=UTF-8"
    );
    assert_eq!(answer.body, expected);
}

// ---- makefault -----------------------------------------------------------------------------

#[tokio::test]
async fn makefault_soap11_in_a_fault_sequence() {
    let backend = backend().await;
    let engine = deploy(&["makefault_soap11.xml"], &backend).await;
    let answer = post(
        &engine,
        "/services/QuoteSoap11Fault",
        "text/xml",
        &soap11(r#"<q:getQuote xmlns:q="http://example.org/quotes"/>"#),
    )
    .await;
    assert_eq!(answer.status, 500);
    assert_eq!(answer.content_type(), "text/xml");
    assert_eq!(
        answer.body,
        format!(
            r#"<soapenv:Envelope xmlns:soapenv="{SOAP11_NS}"><soapenv:Body><soapenv:Fault><faultcode>soapenv:Server</faultcode><faultstring>backend connection failed</faultstring><detail>101503</detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>"#
        )
    );
}

#[tokio::test]
async fn makefault_soap12_sent_back() {
    let backend = backend().await;
    let engine = deploy(&["makefault_soap12.xml"], &backend).await;
    let answer = post(
        &engine,
        "/services/QuoteSoap12Fault",
        "application/soap+xml",
        &soap12(r#"<q:getQuote xmlns:q="http://example.org/quotes"/>"#),
    )
    .await;
    assert_eq!(answer.status, 500);
    assert_eq!(answer.content_type(), "application/soap+xml");
    assert_eq!(
        answer.body,
        format!(
            r#"<soapenv:Envelope xmlns:soapenv="{SOAP12_NS}"><soapenv:Body><soapenv:Fault><soapenv:Code><soapenv:Value>soapenv:Sender</soapenv:Value></soapenv:Code><soapenv:Reason><soapenv:Text xml:lang="en">a symbol is required</soapenv:Text></soapenv:Reason><soapenv:Role>http://gateway.example.org/quotes</soapenv:Role></soapenv:Fault></soapenv:Body></soapenv:Envelope>"#
        )
    );
    // With a symbol, no fault: the request is answered as it came.
    let request = soap12(
        r#"<q:getQuote xmlns:q="http://example.org/quotes"><q:symbol>IBM</q:symbol></q:getQuote>"#,
    );
    let answer = post(
        &engine,
        "/services/QuoteSoap12Fault",
        "application/soap+xml",
        &request,
    )
    .await;
    assert_eq!(
        (answer.status, answer.body.as_str()),
        (200, request.as_str())
    );
}

#[tokio::test]
async fn makefault_pox_with_a_named_fault_sequence() {
    let backend = backend().await;
    let engine = deploy(
        &["makefault_pox.xml", "makefault_pox_handler.xml"],
        &backend,
    )
    .await;
    let answer = post(&engine, "/services/PoxFault", "application/json", "{}").await;
    assert_eq!(answer.status, 400);
    assert_eq!(answer.content_type(), "application/xml");
    assert_eq!(answer.header("x-error-code"), "0");
    assert_eq!(
        answer.body,
        "<Exception>Sequence named `notDeployedAnywhere` cannot be found</Exception>"
    );
}

// ---- old-style definitions, loopback, call -------------------------------------------------

#[tokio::test]
async fn definitions_with_in_and_out_in_the_main_sequence() {
    let backend = backend().await;
    let engine = deploy(&["definitions_in_out.xml"], &backend).await;
    let request = soap11(
        r#"<q:getQuote xmlns:q="http://example.org/quotes"><q:symbol>IBM</q:symbol></q:getQuote>"#,
    );
    let answer = send(
        &engine,
        "POST",
        "/services/StockQuote",
        Some("text/xml"),
        &request,
        &[("SOAPAction", "urn:getQuote")],
    )
    .await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("x-direction"), "out");
    assert_eq!(answer.body, request);
    let received = &backend.received()[0];
    assert_eq!(received.path_and_query, "/echo");
    assert_eq!(received.headers["x-gateway"], "synapse");
    assert_eq!(received.headers["soapaction"], "urn:getQuote");
}

#[tokio::test]
async fn loopback_goes_through_the_out_sequence() {
    let backend = backend().await;
    let engine = deploy(&["loopback.xml"], &backend).await;
    let answer = post(
        &engine,
        "/services/LoopbackEcho",
        "application/json",
        r#"{"ping": 1}"#,
    )
    .await;
    assert_eq!(answer.status, 201);
    assert_eq!(answer.header("x-out-sequence"), "ran");
    assert!(!answer.headers.contains_key("x-after-loopback"));
    assert_eq!(answer.body, r#"{"echo":{"ping":1},"via":"loopback"}"#);
    assert!(backend.received().is_empty());
}

#[tokio::test]
async fn call_blocking_continues_with_the_answer() {
    let backend = backend().await;
    let engine = deploy(&["call_blocking.xml"], &backend).await;
    let answer = post(
        &engine,
        "/services/QuoteLookup",
        "application/json",
        r#"{"symbol": "IBM", "user": "ann"}"#,
    )
    .await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.body,
        r#"{"symbol":"IBM","price":101.50,"backendStatus":"200","for":"ann"}"#
    );
    let received = &backend.received()[0];
    assert_eq!(
        (received.method.as_str(), received.path_and_query.as_str()),
        ("GET", "/quotes/IBM")
    );
}

// ---- endpoints -----------------------------------------------------------------------------

#[tokio::test]
async fn http_endpoint_uri_templates() {
    let backend = backend().await;
    let engine = deploy(&["http_endpoint_uri_template.xml"], &backend).await;
    let answer = post(
        &engine,
        "/services/CatalogSearch/tail?x=1",
        "application/json",
        r#"{"q": "a b/c"}"#,
    )
    .await;
    assert_eq!(answer.status, 200);
    let received = backend.received();
    assert_eq!(
        (
            received[0].method.as_str(),
            received[0].path_and_query.as_str()
        ),
        ("POST", "/catalog/plain/tail?x=1")
    );
    assert_eq!(
        (
            received[1].method.as_str(),
            received[1].path_and_query.as_str()
        ),
        (
            "GET",
            "/catalog/books/a%2Fb%20c/rust%20&%20go/2nd?uri.var.q=a%20b%2Fc&uri.var.page=2&query.param.lang=en%26no"
        )
    );
}

#[tokio::test]
async fn address_endpoint_appends_rest_url_postfix() {
    let backend = backend().await;
    let engine = deploy(&["address_rest_url_postfix.xml"], &backend).await;
    let answer = send(
        &engine,
        "GET",
        "/services/Inventory/items/42?view=full",
        None,
        "",
        &[],
    )
    .await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.body,
        r#"{"method":"GET","path":"/inventory/items/42?view=full"}"#
    );
    let answer = send(
        &engine,
        "GET",
        "/services/Inventory/items/42?view=full",
        None,
        "",
        &[("X-Keep-Path", "no")],
    )
    .await;
    assert_eq!(answer.body, r#"{"method":"GET","path":"/inventory"}"#);
}

// ---- payload formats -----------------------------------------------------------------------

#[tokio::test]
async fn soap11_in_and_out_through_a_soap_backend() {
    let backend = backend().await;
    let engine = deploy(&["soap11_send.xml"], &backend).await;
    let request = soap11(
        r#"<q:getQuote xmlns:q="http://example.org/quotes"><q:symbol>IBM</q:symbol></q:getQuote>"#,
    );
    let answer = send(
        &engine,
        "POST",
        "/services/StockQuoteSoap11",
        Some("text/xml; charset=UTF-8"),
        &request,
        &[("SOAPAction", "\"urn:getQuote\"")],
    )
    .await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.content_type(), "text/xml; charset=UTF-8");
    assert_eq!(answer.header("x-price"), "98.25");
    assert!(
        answer.body.contains("<q:price>98.25</q:price>"),
        "{}",
        answer.body
    );
    let received = &backend.received()[0];
    assert_eq!(received.body, request.as_bytes(), "relayed byte for byte");
    assert_eq!(received.headers["x-symbol"], "IBM");
    assert_eq!(received.headers["soapaction"], "\"urn:getQuote\"");
}

#[tokio::test]
async fn soap12_in_soap12_out() {
    let backend = backend().await;
    let engine = deploy(&["soap12_payload.xml"], &backend).await;
    let request = soap12(
        r#"<q:getQuote xmlns:q="http://example.org/quotes"><q:symbol>MSFT</q:symbol></q:getQuote>"#,
    );
    let answer = post(
        &engine,
        "/services/StockQuoteSoap12",
        "application/soap+xml; charset=UTF-8",
        &request,
    )
    .await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.content_type(), "application/soap+xml; charset=UTF-8");
    assert_eq!(
        answer.body,
        soap12(
            r#"<q:getQuoteResponse xmlns:q="http://example.org/quotes"><q:symbol>MSFT</q:symbol><q:price>42.5</q:price></q:getQuoteResponse>"#
        )
    );
}

#[tokio::test]
async fn soap_to_a_pox_backend() {
    let backend = backend().await;
    let engine = deploy(&["soap_to_pox.xml"], &backend).await;
    let payload =
        r#"<q:getQuote xmlns:q="http://example.org/quotes"><q:symbol>IBM</q:symbol></q:getQuote>"#;
    let answer = post(&engine, "/services/SoapToPox", "text/xml", &soap11(payload)).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.content_type(), "application/xml");
    assert_eq!(answer.body, payload);
    assert_eq!(backend.received()[0].body, payload.as_bytes());
}

#[tokio::test]
async fn text_plain_requests() {
    let backend = backend().await;
    let engine = deploy(&["text_plain.xml"], &backend).await;
    let answer = post(&engine, "/services/TextLength", "text/plain", "one & <two>").await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.content_type(), "text/plain");
    assert_eq!(answer.body, r#"received "one & <two>" (11.0 characters)"#);
}

#[tokio::test]
async fn message_type_decides_the_content_type() {
    let backend = backend().await;
    let engine = deploy(&["message_type.xml"], &backend).await;
    let answer = post(
        &engine,
        "/services/ContentTypes?as=xml",
        "application/json",
        r#"{"name": "Ada"}"#,
    )
    .await;
    assert_eq!(answer.content_type(), "application/xml");
    assert_eq!(answer.body, "<greeting>Ada</greeting>");
    let answer = post(
        &engine,
        "/services/ContentTypes?as=json",
        "application/xml",
        "<person><name>Ada</name></person>",
    )
    .await;
    assert_eq!(answer.content_type(), "application/json");
    assert_eq!(answer.body, r#"{"greeting":"Ada"}"#);
    let answer = post(
        &engine,
        "/services/ContentTypes?as=text",
        "application/xml",
        "<person><name>Ada</name></person>",
    )
    .await;
    assert_eq!(answer.content_type(), "text/plain");
    assert_eq!(answer.body, "greeting: Ada");
    let sent: Vec<String> = backend
        .received()
        .iter()
        .map(|r| r.headers["content-type"].to_str().unwrap().to_string())
        .collect();
    assert_eq!(sent, ["application/xml", "application/json", "text/plain"]);
}

// ---- expressions ---------------------------------------------------------------------------

#[tokio::test]
async fn json_eval_forms() {
    let backend = backend().await;
    let engine = deploy(&["expr_json_eval.xml"], &backend).await;
    let answer = post(
        &engine,
        "/services/JsonEvalForms",
        "application/json",
        r#"{"id": "A-1", "price": 1.50, "big": 9007199254740993, "ok": true, "tags": ["x", "y"],
            "dims": {"w": 2, "h": 3}, "none": null, "items": [{"sku": "s1"}, {"sku": "s2"}]}"#,
    )
    .await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("x-ok"), "yes");
    assert_eq!(
        answer.body,
        r#"string=A-1|number=1.50|big=9007199254740993|boolean=true|array=["x","y"]|object={"w":2,"h":3}|null=null|missing=|indefinite=["s1","s2"]|length=2|property=3"#
    );
}

#[tokio::test]
async fn properties_through_ctx_get_property_and_the_synapse_variables() {
    let backend = backend().await;
    let engine = deploy(&["expr_properties.xml"], &backend).await;
    let answer = send(
        &engine,
        "PUT",
        "/services/PropertyLookups/v1/x?page=3&size=10",
        Some("application/json"),
        r#"{"customer": "ann"}"#,
        &[("X-Client", "mobile-app")],
    )
    .await;
    assert_eq!(answer.status, 200);
    let json: serde_json::Value = serde_json::from_str(&answer.body).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "ctx": "ann", "default": "ann", "defaultScope": "ann", "localEntry": "Good morning",
            "transport": "mobile-app", "trp": "mobile-app", "axis2": "/v1/x?page=3&size=10",
            "axis2Var": "PUT", "operation": "gold", "system": "strict",
            "env": std::env::var("PATH").unwrap(), "envMissing": "", "url": "3",
            "urlMissing": "", "ctxMissing": "",
        })
    );
}

#[tokio::test]
async fn body_and_header_variables_over_soap() {
    let backend = backend().await;
    let engine = deploy(&["expr_body_header.xml"], &backend).await;
    let request = format!(
        r#"<soapenv:Envelope xmlns:soapenv="{SOAP11_NS}"><soapenv:Header><h:trace xmlns:h="urn:example:trace">abc-123</h:trace></soapenv:Header><soapenv:Body><q:getQuote xmlns:q="http://example.org/quotes"><q:symbol>IBM</q:symbol></q:getQuote></soapenv:Body></soapenv:Envelope>"#
    );
    let answer = post(&engine, "/services/SoapVariables", "text/xml", &request).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("x-trace"), "abc-123");
    assert_eq!(answer.header("x-operation"), "getQuote");
    assert_eq!(answer.header("x-symbol"), "IBM");
    assert_eq!(answer.header("x-header-count"), "1.0");
    assert_eq!(answer.header("x-format"), "soap11");
    assert_eq!(answer.body, request);
}

#[tokio::test]
async fn xpath_extension_and_core_functions() {
    let backend = backend().await;
    let engine = deploy(&["xpath_functions.xml"], &backend).await;
    let answer = post(
        &engine,
        "/services/XPathFunctions",
        "application/json",
        r#"{"user": "ann", "password": "s3cret", "query": "a b&c/d?e=f+g:h@i", "email": "ann@example.org", "note": "  two   spaces  "}"#,
    )
    .await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.body,
        r#"{"encoded":"YW5uOnMzY3JldA==","decoded":"hello world","query":"a%20b&c/d?e=f+g:h@i","upper":"ANN","before":"ann","normalized":"two spaces"}"#
    );
    let received = &backend.received()[0];
    assert_eq!(received.headers["authorization"], "Basic YW5uOnMzY3JldA==");
}

#[tokio::test]
async fn xpath_results_as_synapse_strings() {
    let backend = backend().await;
    let engine = deploy(&["xpath_string_conversion.xml"], &backend).await;
    let answer = post(
        &engine,
        "/services/StringConversion",
        "application/xml",
        r#"<order id="42"><item>pen</item><item>ink</item><note>  fragile  </note><total>19.50</total><empty/></order>"#,
    )
    .await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.body,
        "count=2.0|double=39.0|sum=19.75|third=0.3333333333333333|length=3.0|nan=NaN|boolean=true|element=fragile|elements=<item>pen</item><item>ink</item>|empty=<empty/>|attribute=42|missing=|integer=2"
    );
}

// ---- header, switch, filter, property, log, drop -------------------------------------------

#[tokio::test]
async fn transport_headers_set_and_removed_both_ways() {
    let backend = backend().await;
    let engine = deploy(&["header_transport.xml"], &backend).await;
    let answer = send(
        &engine,
        "POST",
        "/services/HeaderRelay",
        Some("application/json"),
        "{}",
        &[("X-Request-Id", "req-7"), ("X-Internal-Token", "t0k3n")],
    )
    .await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("x-served-by"), "oxynapse");
    assert_eq!(answer.header("x-seen-method"), "POST");
    assert!(!answer.headers.contains_key("x-seen-path"));
    let received = &backend.received()[0];
    assert_eq!(received.headers["accept"], "application/json");
    assert_eq!(received.headers["x-correlation-id"], "req-7");
    assert!(!received.headers.contains_key("x-internal-token"));
}

#[tokio::test]
async fn soap_headers_on_a_soap_message() {
    let backend = backend().await;
    let engine = deploy(&["header_soap.xml"], &backend).await;
    let request = format!(
        r#"<soapenv:Envelope xmlns:soapenv="{SOAP11_NS}"><soapenv:Header><h:trace xmlns:h="urn:example:trace">abc-123</h:trace></soapenv:Header><soapenv:Body><ping/></soapenv:Body></soapenv:Envelope>"#
    );
    let answer = post(&engine, "/services/SoapHeaders", "text/xml", &request).await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.body,
        format!(
            r#"<soapenv:Envelope xmlns:soapenv="{SOAP11_NS}"><soapenv:Header><g:handledBy xmlns:g="urn:example:gateway">oxynapse</g:handledBy></soapenv:Header><soapenv:Body><ping/></soapenv:Body></soapenv:Envelope>"#
        )
    );
}

#[tokio::test]
async fn switch_cases_and_default() {
    let backend = backend().await;
    let engine = deploy(&["switch.xml"], &backend).await;
    let order = |country: &str| {
        format!(
            r#"<ord:order xmlns:ord="http://example.org/orders"><ord:country>{country}</ord:country></ord:order>"#
        )
    };
    for (country, region) in [
        ("NO", "nordics"),
        ("NL", "n-countries"),
        ("FR", "elsewhere"),
        ("NOR", "n-countries"),
        ("france", "unknown"),
    ] {
        let answer = post(
            &engine,
            "/services/OrderRouter",
            "application/xml",
            &order(country),
        )
        .await;
        assert_eq!(answer.header("x-region"), region, "{country}");
        assert_eq!(answer.header("x-channel-kind"), "", "no X-Channel, no case");
    }
    let answer = send(
        &engine,
        "POST",
        "/services/OrderRouter",
        Some("application/xml"),
        &order("SE"),
        &[("X-Channel", "mobile")],
    )
    .await;
    assert_eq!(answer.header("x-channel-kind"), "app");
}

#[tokio::test]
async fn filter_by_regex_and_by_xpath() {
    let backend = backend().await;
    let engine = deploy(&["filter.xml"], &backend).await;
    let order = |email: &str, total: u32, currency: &str| {
        format!(
            r#"{{"customer": {{"email": "{email}"}}, "order": {{"total": {total}, "currency": "{currency}"}}}}"#
        )
    };
    let answer = send(
        &engine,
        "POST",
        "/services/OrderFilter",
        Some("application/json"),
        &order("ann@example.org", 250, "EUR"),
        &[("X-Debug", "on")],
    )
    .await;
    assert_eq!(answer.header("x-internal"), "yes");
    assert_eq!(answer.header("x-approval"), "required");
    assert_eq!(answer.header("x-debug-echo"), "on");
    let answer = post(
        &engine,
        "/services/OrderFilter",
        "application/json",
        &order("ann@example.org.evil", 250, "USD"),
    )
    .await;
    assert_eq!(
        answer.header("x-internal"),
        "no",
        "the regex must match all of it"
    );
    assert_eq!(answer.header("x-approval"), "none");
    assert!(!answer.headers.contains_key("x-debug-echo"));
}

#[tokio::test]
async fn property_types() {
    let backend = backend().await;
    let engine = deploy(&["property_types.xml"], &backend).await;
    let answer = post(
        &engine,
        "/services/PropertyTypes",
        "application/json",
        r#"{"qty": "3.0", "express": "YES", "meta": {"a": [1, 2]}}"#,
    )
    .await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.body,
        r#"{"label":"order","qty":3,"limit":10,"express":true,"debug":true,"meta":{"a":[1,2]},"metaText":"{\"a\":[1,2]}","stamp":"<st:stamp xmlns:st=\"urn:example:stamp\"><st:by>ops</st:by></st:stamp>"}"#
    );
}

#[tokio::test]
async fn property_scopes() {
    let backend = backend().await;
    let engine = deploy(&["property_scopes.xml"], &backend).await;
    let answer = send(
        &engine,
        "POST",
        "/services/PropertyScopes",
        Some("application/json"),
        r#"{"id": "ord-77"}"#,
        &[("X-Internal", "secret")],
    )
    .await;
    assert_eq!(answer.status, 203);
    assert_eq!(answer.header("x-kept"), "yes");
    assert_eq!(answer.header("x-dropped"), "");
    assert_eq!(answer.header("x-attempt"), "1");
    assert_eq!(answer.header("x-last-order"), "ord-77");
    let received = &backend.received()[0];
    assert_eq!(received.headers["x-api-key"], "k-123");
    assert!(!received.headers.contains_key("x-internal"));
    let stored = engine.data_dir.join("registry/config/compat/lastOrder");
    assert_eq!(std::fs::read_to_string(stored).unwrap(), "ord-77");
}

/// A log sink the test can read back (the first test to ask installs it, for this binary).
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn captured_logs() -> &'static Captured {
    static LOGS: OnceLock<Captured> = OnceLock::new();
    LOGS.get_or_init(|| {
        let captured = Captured::default();
        let sink = captured.clone();
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::INFO)
            .with_ansi(false)
            .without_time()
            .with_writer(move || sink.clone())
            .init();
        captured
    })
}

#[tokio::test]
async fn log_levels_and_categories() {
    let logs = captured_logs();
    let backend = backend().await;
    let engine = deploy(&["log_levels.xml"], &backend).await;
    let answer = send(
        &engine,
        "POST",
        "/services/LogLevels",
        Some("application/json"),
        r#"{"sku": "A-1"}"#,
        &[("X-Request-Id", "req-9")],
    )
    .await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body, r#"{"sku": "A-1"}"#);
    // "LEVEL message" for each line of this proxy's log mediators.
    let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    let lines: Vec<String> = text
        .lines()
        .filter(|l| l.contains("oxynapse::log_mediator: {proxy:LogLevels}"))
        .map(|l| {
            let (level, message) = l.trim().split_once(' ').unwrap();
            let message = message.split_once(": ").unwrap().1;
            format!("{level} {message}")
        })
        .collect();
    assert_eq!(lines.len(), 5, "{lines:#?}");
    assert_eq!(
        lines[0],
        "INFO {proxy:LogLevels} To: /services/LogLevels, Direction: request"
    );
    assert!(
        lines[1]
            .starts_with("INFO {proxy:LogLevels} To: /services/LogLevels, Direction: request, ")
            && lines[1].contains("x-request-id = req-9")
            && lines[1].contains("content-type = application/json"),
        "{}",
        lines[1]
    );
    assert!(
        lines[2]
            .starts_with("WARN {proxy:LogLevels} To: /services/LogLevels, Direction: request, ")
            && lines[2].ends_with(r#", Payload: {"sku":"A-1"}"#),
        "{}",
        lines[2]
    );
    assert_eq!(
        lines[3],
        "INFO {proxy:LogLevels} marker = compat-log-levels | sku = A-1 | nothing = null"
    );
    assert_eq!(
        lines[4],
        "ERROR {proxy:LogLevels} To: /services/LogLevels, Direction: request, stage = last"
    );
}

#[tokio::test]
async fn drop_answers_202() {
    let backend = backend().await;
    let engine = deploy(&["drop.xml"], &backend).await;
    let answer = post(
        &engine,
        "/services/EventSink",
        "application/json",
        r#"{"type": "heartbeat"}"#,
    )
    .await;
    assert_eq!((answer.status, answer.body.as_str()), (202, ""));
    let answer = post(
        &engine,
        "/services/EventSink",
        "application/json",
        r#"{"type": "order"}"#,
    )
    .await;
    assert_eq!(
        (answer.status, answer.body.as_str()),
        (200, r#"{"type": "order"}"#)
    );
}

// ---- unsupported features ------------------------------------------------------------------

#[tokio::test]
async fn unsupported_features_get_one_precise_diagnostic_each() {
    const NO_JVM: &str = "is not supported: oxynapse does not run Java or script mediators";
    let names = [
        "unsupported_script.xml",
        "unsupported_class.xml",
        "unsupported_spring.xml",
        "unsupported_xslt.xml",
        "unsupported_dblookup.xml",
        "unsupported_callout.xml",
        "unsupported_store.xml",
        "echo.xml",
    ];
    let files: Vec<(String, String)> = names
        .iter()
        .map(|n| (n.to_string(), common::fixture(&format!("compat/{n}"))))
        .collect();
    let files: Vec<(&str, &str)> = files
        .iter()
        .map(|(n, x)| (n.as_str(), x.as_str()))
        .collect();
    let engine = TestEngine::start(&files).await;

    // file -> (state, artifact name, [line:column message])
    let mut seen: Vec<(String, String, String, Vec<String>)> = Vec::new();
    for artifact in engine.artifacts().await["artifacts"].as_array().unwrap() {
        let file = artifact["file"].as_str().unwrap();
        let file = file.rsplit('/').next().unwrap().to_string();
        let diagnostics = artifact["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                assert_eq!(d["severity"], "error");
                format!(
                    "{}:{} {}",
                    d["line"],
                    d["column"],
                    d["message"].as_str().unwrap()
                )
            })
            .collect();
        seen.push((
            file,
            artifact["state"].as_str().unwrap().to_string(),
            artifact["name"].as_str().unwrap_or("-").to_string(),
            diagnostics,
        ));
    }
    seen.sort();
    let entry = |file: &str, state: &str, name: &str, diagnostics: &[String]| {
        (
            file.to_string(),
            state.to_string(),
            name.to_string(),
            diagnostics.to_vec(),
        )
    };
    let spring = [format!("7:17 <spring> {NO_JVM}")];
    assert_eq!(
        seen,
        [
            entry("echo.xml", "deployed", "Echo", &[]),
            entry(
                "unsupported_callout.xml",
                "failed",
                "-",
                &["6:13 <callout> is not supported yet".into()]
            ),
            entry(
                "unsupported_class.xml",
                "failed",
                "-",
                &[format!("6:13 <class> {NO_JVM}")]
            ),
            entry(
                "unsupported_dblookup.xml",
                "failed",
                "-",
                &["6:13 <dblookup> is not supported yet".into()]
            ),
            entry(
                "unsupported_script.xml",
                "failed",
                "-",
                &[format!("6:13 <script> {NO_JVM}")]
            ),
            entry("unsupported_spring.xml", "deployed", "Ping", &spring),
            entry(
                "unsupported_store.xml",
                "failed",
                "-",
                &[
                    "4:5 <messageStore> artifacts are not supported yet".into(),
                    "8:17 <store> is not supported yet".into()
                ]
            ),
            entry(
                "unsupported_xslt.xml",
                "failed",
                "-",
                &["6:13 <xslt> is not supported yet".into()]
            ),
        ]
    );

    // The good file, and the good proxy of the file with a bad one, still serve.
    let answer = post(&engine, "/services/Echo", "application/json", r#"{"a": 1}"#).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("x-echo"), "yes");
    assert_eq!(answer.body, r#"{"a": 1}"#);
    let answer = post(&engine, "/services/Ping", "application/json", "{}").await;
    assert_eq!(
        (answer.status, answer.body.as_str()),
        (200, r#"{"pong":true}"#)
    );
    let answer = post(
        &engine,
        "/services/ScriptedDiscount",
        "application/json",
        "{}",
    )
    .await;
    assert_eq!(answer.status, 404, "a file that failed serves nothing");
}
