//! payloadFactory and enrich, on JSON and XML.

use super::*;

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
