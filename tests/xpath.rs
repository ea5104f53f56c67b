//! XPath over messages, end to end: SOAP, plain XML and JSON bodies, namespace prefixes
//! declared in the config, Synapse variables, and XPath in filter, switch and payloadFactory.

mod common;

use common::TestEngine;

const QUOTES: &str = r#"<proxy xmlns="http://ws.apache.org/ns/synapse" xmlns:m0="http://services.samples" name="quotes">
    <target><inSequence>
        <property name="symbol" expression="//m0:getQuote/m0:request/m0:symbol"/>
        <filter xpath="$ctx:symbol = 'IBM'">
            <then><property name="desk" value="blue"/></then>
            <else><property name="desk" value="other"/></else>
        </filter>
        <switch source="concat(substring($ctx:symbol, 1, 1), '-', $url:region)">
            <case regex="I-eu"><property name="route" value="europe"/></case>
            <default><property name="route" value="elsewhere"/></default>
        </switch>
        <payloadFactory media-type="xml">
            <format><m:quote xmlns:m="http://services.samples"><m:symbol>$1</m:symbol><m:desk>$2</m:desk><m:route>$3</m:route></m:quote></format>
            <args>
                <arg expression="$ctx:symbol"/>
                <arg expression="get-property('desk')"/>
                <arg expression="$ctx:route"/>
            </args>
        </payloadFactory>
        <respond/>
    </inSequence></target>
</proxy>"#;

const SOAP_REQUEST: &str = r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">
  <soapenv:Body><m0:getQuote xmlns:m0="http://services.samples"><m0:request><m0:symbol>IBM</m0:symbol></m0:request></m0:getQuote></soapenv:Body>
</soapenv:Envelope>"#;

#[tokio::test]
async fn soap_and_plain_xml_requests() {
    let engine = TestEngine::start(&[("quotes.xml", QUOTES)]).await;
    let quote = r#"<m:quote xmlns:m="http://services.samples"><m:symbol>IBM</m:symbol><m:desk>blue</m:desk><m:route>europe</m:route></m:quote>"#;
    // SOAP in, SOAP out: the new payload goes into the request's envelope.
    let soap_answer = format!(
        "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\">\n  <soapenv:Body>{quote}</soapenv:Body>\n</soapenv:Envelope>"
    );
    for (content_type, body, answer) in [
        ("text/xml", SOAP_REQUEST.to_string(), soap_answer.as_str()),
        ("application/xml", r#"<m0:getQuote xmlns:m0="http://services.samples"><m0:request><m0:symbol>IBM</m0:symbol></m0:request></m0:getQuote>"#.to_string(), quote),
    ] {
        let response = engine
            .client
            .post(engine.url("/services/quotes?region=eu"))
            .header("Content-Type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{content_type}");
        assert_eq!(response.text().await.unwrap(), answer, "{content_type}");
    }
    let response = engine
        .client
        .post(engine.url("/services/quotes"))
        .header("Content-Type", "text/xml")
        .body("<broken")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("malformed XML payload")
    );
}

#[tokio::test]
async fn json_payloads_through_the_xml_view() {
    let proxy = r#"<proxy xmlns="http://ws.apache.org/ns/synapse" name="orders"><target><inSequence>
        <property name="count" expression="count(//items)" type="INTEGER"/>
        <property name="first" expression="$body/jsonObject/order/items[1]/sku"/>
        <filter xpath="//order/priority = 'high'"><property name="fast" value="yes"/></filter>
        <payloadFactory media-type="json">
            <format>{"count": $1, "first": "$2", "fast": "$3"}</format>
            <args><arg expression="$ctx:count"/><arg expression="$ctx:first"/><arg expression="get-property('fast')"/></args>
        </payloadFactory>
        <respond/>
    </inSequence></target></proxy>"#;
    let engine = TestEngine::start(&[("orders.xml", proxy)]).await;
    let response = engine
        .post_json(
            "/services/orders",
            r#"{"order":{"priority":"high","items":[{"sku":"a-1"},{"sku":"b-2"}]}}"#,
        )
        .await;
    assert_eq!(
        response.text().await.unwrap(),
        r#"{"count":2,"first":"a-1","fast":"yes"}"#
    );
}
