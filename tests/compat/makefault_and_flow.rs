//! makefault, old-style definitions with in/out, loopback, call, and endpoints.

use super::*;

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
