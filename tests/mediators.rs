//! The core mediators driven end to end over HTTP against in-process mock backends.

mod common;

use common::{MockBackend, Reply, TestEngine, status_and_json};

fn proxy(name: &str, target: &str) -> String {
    format!(
        r#"<proxy xmlns="http://ws.apache.org/ns/synapse" name="{name}"><target>{target}</target></proxy>"#
    )
}

async fn echo_backend() -> MockBackend {
    MockBackend::start(|r| {
        Reply::json(
            201,
            &format!(
                r#"{{"method":"{}","path":"{}"}}"#,
                r.method, r.path_and_query
            ),
        )
        .with_header("X-Backend", "mock")
        .with_header("ETag", "\"v1\"")
    })
    .await
}

#[tokio::test]
async fn a_direct_proxy_relays_everything_and_appends_the_rest_postfix() {
    let backend = echo_backend().await;
    let direct = proxy(
        "direct",
        &format!(
            r#"<endpoint><address uri="{}"/></endpoint>"#,
            backend.url("/base")
        ),
    );
    let engine = TestEngine::start(&[("direct.xml", &direct)]).await;
    let body = "{ \"n\" : 1.50, \"key\": 6487648931392511233 }";
    let response = engine
        .post_json("/services/direct/orders/7?x=1", body)
        .await;
    assert_eq!(response.status(), 201);
    assert_eq!(response.headers()["x-backend"], "mock");
    assert_eq!(response.headers()["etag"], "\"v1\"");
    assert_eq!(
        response.text().await.unwrap(),
        r#"{"method":"POST","path":"/base/orders/7?x=1"}"#
    );
    let received = backend.received();
    assert_eq!(
        received[0].body,
        body.as_bytes(),
        "the request body reaches the backend byte for byte"
    );
    assert_eq!(received[0].headers["content-type"], "application/json");
}

#[tokio::test]
async fn send_goes_through_the_out_sequence_or_straight_back() {
    let backend = echo_backend().await;
    let with_out = proxy(
        "withOut",
        &format!(
            r#"<inSequence><send><endpoint><address uri="{}"/></endpoint></send></inSequence>
               <outSequence><property name="X-Out" expression="$axis2:HTTP_SC" scope="transport"/><send/></outSequence>"#,
            backend.url("/a")
        ),
    );
    let without_out = proxy(
        "withoutOut",
        &format!(
            r#"<inSequence><send><endpoint><address uri="{}"/></endpoint></send></inSequence>"#,
            backend.url("/b")
        ),
    );
    let engine = TestEngine::start(&[("a.xml", &with_out), ("b.xml", &without_out)]).await;
    let response = engine.post_json("/services/withOut", "{}").await;
    assert_eq!(response.status(), 201);
    assert_eq!(response.headers()["x-out"], "201");
    let response = engine.post_json("/services/withoutOut", "{}").await;
    assert_eq!(response.status(), 201);
    assert!(!response.headers().contains_key("x-out"));
    assert_eq!(
        response.text().await.unwrap(),
        r#"{"method":"POST","path":"/b"}"#
    );
}

#[tokio::test]
async fn call_replaces_the_message_and_the_flow_goes_on() {
    let backend = echo_backend().await;
    let caller = proxy(
        "caller",
        &format!(
            r#"<inSequence>
                 <property name="uri.var.id" expression="json-eval($.id)"/>
                 <property name="kept" value="yes"/>
                 <call><endpoint><http method="get" uri-template="{}/items/{{uri.var.id}}"/></endpoint></call>
                 <property name="path" expression="json-eval($.path)"/>
                 <header name="X-Path" expression="$ctx:path" scope="transport"/>
                 <header name="X-Kept" expression="$ctx:kept" scope="transport"/>
                 <header name="X-Status" expression="$axis2:HTTP_SC" scope="transport"/>
                 <respond/>
               </inSequence>"#,
            backend.url("")
        ),
    );
    let engine = TestEngine::start(&[("caller.xml", &caller)]).await;
    let response = engine
        .post_json("/services/caller", r#"{"id":"a/b c"}"#)
        .await;
    assert_eq!(response.status(), 201);
    assert_eq!(response.headers()["x-path"], "/items/a%2Fb%20c");
    assert_eq!(
        response.headers()["x-kept"],
        "yes",
        "default-scope properties survive a call"
    );
    assert_eq!(response.headers()["x-status"], "201");
    let received = backend.received();
    assert_eq!(received[0].method, "GET");
    assert!(received[0].body.is_empty());
}

#[tokio::test]
async fn headers_and_transport_properties_reach_the_backend() {
    let backend = echo_backend().await;
    let relay = proxy(
        "relay",
        &format!(
            r#"<inSequence>
                 <header name="Authorization" value="Bearer abc" scope="transport"/>
                 <property name="X-Trace" expression="$trp:X-Request-Id" scope="transport"/>
                 <header name="X-Secret" action="remove" scope="transport"/>
                 <call><endpoint><address uri="{}"/></endpoint></call>
                 <property name="HTTP_SC" value="200" scope="axis2"/>
                 <respond/>
               </inSequence>"#,
            backend.url("/h")
        ),
    );
    let engine = TestEngine::start(&[("relay.xml", &relay)]).await;
    let response = engine
        .post_json_with(
            "/services/relay",
            "{}",
            &[("X-Request-Id", "r-1"), ("X-Secret", "s")],
        )
        .await;
    assert_eq!(response.status(), 200, "HTTP_SC decides the status");
    let received = &backend.received()[0];
    assert_eq!(received.headers["authorization"], "Bearer abc");
    assert_eq!(received.headers["x-trace"], "r-1");
    assert_eq!(received.headers["x-request-id"], "r-1");
    assert!(!received.headers.contains_key("x-secret"));
}

#[tokio::test]
async fn filter_switch_and_named_artifacts_across_files() {
    let backend = echo_backend().await;
    let router = proxy(
        "router",
        r#"<inSequence>
             <property name="kind" expression="json-eval($.kind)"/>
             <filter source="$ctx:kind" regex="gold|silver">
               <then><property name="tier" value="premium"/></then>
               <else><property name="tier" value="basic"/></else>
             </filter>
             <switch source="json-eval($.kind)">
               <case regex="gold"><sequence key="toBackend"/></case>
               <default><header name="X-Tier" expression="$ctx:tier" scope="transport"/><respond/></default>
             </switch>
           </inSequence>"#,
    );
    let sequence = r#"<sequence xmlns="http://ws.apache.org/ns/synapse" name="toBackend">
        <header name="X-Tier" expression="$ctx:tier" scope="transport"/>
        <send><endpoint key="orders"/></send></sequence>"#;
    let endpoint = format!(
        r#"<endpoint xmlns="http://ws.apache.org/ns/synapse" name="orders"><address uri="{}"/></endpoint>"#,
        backend.url("/orders")
    );
    let engine = TestEngine::start(&[
        ("router.xml", &router),
        ("seq.xml", sequence),
        ("ep.xml", &endpoint),
    ])
    .await;
    let response = engine
        .post_json("/services/router", r#"{"kind":"gold"}"#)
        .await;
    assert_eq!(response.status(), 201);
    assert_eq!(backend.received()[0].headers["x-tier"], "premium");
    let response = engine
        .post_json("/services/router", r#"{"kind":"tin"}"#)
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-tier"], "basic");
}

#[tokio::test]
async fn a_missing_named_sequence_is_a_fault_with_a_json_answer() {
    let dangling = proxy(
        "dangling",
        r#"<inSequence><sequence key="nowhere"/></inSequence>"#,
    );
    let engine = TestEngine::start(&[("d.xml", &dangling)]).await;
    let (status, json) = status_and_json(engine.post_json("/services/dangling", "{}").await).await;
    assert_eq!(status, 500);
    assert_eq!(json["error"], "Sequence named `nowhere` cannot be found");
}

#[tokio::test]
async fn in_sequence_keys_and_log_levels() {
    let logged = r#"<sequence xmlns="http://ws.apache.org/ns/synapse" name="logged">
        <log level="full"/><log level="headers"/><log/>
        <log level="custom" separator=" | "><property name="a" value="1"/><property name="b" expression="$ctx:none"/></log>
        <respond/></sequence>"#;
    let keyed = r#"<proxy xmlns="http://ws.apache.org/ns/synapse" name="keyed"><target inSequence="logged"/></proxy>"#;
    let engine = TestEngine::start(&[("logged.xml", logged), ("keyed.xml", keyed)]).await;
    let response = engine
        .post_json("/services/keyed", r#"{"accessToken":"secret-value-123"}"#)
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.text().await.unwrap(),
        r#"{"accessToken":"secret-value-123"}"#
    );
}
