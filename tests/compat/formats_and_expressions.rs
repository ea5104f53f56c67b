//! Payload formats (SOAP 1.1/1.2, POX, text, messageType) and expressions.

use super::*;

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
