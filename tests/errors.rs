//! Runtime errors through HTTP: each gets a JSON body with the right status, a fault sequence
//! sees Synapse's ERROR_CODE and ERROR_MESSAGE, and the engine keeps serving afterwards.

mod common;

use std::time::Duration;

use common::{MockBackend, Options, Reply, TestEngine, closed_port, status_and_json};

fn proxy(name: &str, in_sequence: &str, fault_sequence: Option<&str>) -> String {
    let fault = fault_sequence
        .map(|f| format!("<faultSequence>{f}</faultSequence>"))
        .unwrap_or_default();
    format!(
        r#"<proxy xmlns="http://ws.apache.org/ns/synapse" name="{name}"><target>
             <inSequence>{in_sequence}</inSequence>{fault}</target></proxy>"#
    )
}

fn call_to(url: &str) -> String {
    format!(r#"<call><endpoint><address uri="{url}"/></endpoint></call><respond/>"#)
}

const ECHO: &str = r#"<property name="who" expression="json-eval($.who)"/>
    <header name="X-Who" expression="$ctx:who" scope="transport"/><respond/>"#;

/// The engine still answers a good request.
async fn still_serving(engine: &TestEngine) {
    let response = engine.post_json("/services/echo", r#"{"who":"me"}"#).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-who"], "me");
}

#[tokio::test]
async fn unknown_services_and_paths_are_404_json() {
    let engine = TestEngine::start(&[("echo.xml", &proxy("echo", ECHO, None))]).await;
    let (status, json) = status_and_json(engine.post_json("/services/nope", "{}").await).await;
    assert_eq!(status, 404);
    assert_eq!(json["error"], "no such service");
    assert_eq!(json["detail"], "no proxy named `nope` is deployed");
    let (status, _) = status_and_json(
        engine
            .client
            .get(engine.url("/elsewhere"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 404);
    still_serving(&engine).await;
}

#[tokio::test]
async fn malformed_json_is_400_only_when_an_expression_reads_it() {
    let relay = proxy("relay", "<respond/>", None);
    let engine = TestEngine::start(&[
        ("echo.xml", &proxy("echo", ECHO, None)),
        ("relay.xml", &relay),
    ])
    .await;
    let (status, json) = status_and_json(engine.post_json("/services/echo", "{oops").await).await;
    assert_eq!(status, 400);
    assert_eq!(json["error"], "malformed JSON payload");
    // Nothing reads the body here, so it is relayed as it came.
    let response = engine.post_json("/services/relay", "{oops").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), "{oops");
    still_serving(&engine).await;
}

#[tokio::test]
async fn a_refused_backend_connection_is_502() {
    let url = format!("http://127.0.0.1:{}/x", closed_port());
    let engine = TestEngine::start(&[
        ("echo.xml", &proxy("echo", ECHO, None)),
        ("down.xml", &proxy("down", &call_to(&url), None)),
    ])
    .await;
    let (status, json) = status_and_json(engine.post_json("/services/down", "{}").await).await;
    assert_eq!(status, 502);
    assert_eq!(json["error"], "backend connection failed");
    assert!(json["detail"].as_str().unwrap().contains("127.0.0.1"));
    still_serving(&engine).await;
}

#[tokio::test]
async fn a_slow_backend_is_504_after_the_global_or_endpoint_timeout() {
    let backend =
        MockBackend::start(|_| Reply::json(200, "{}").after(Duration::from_secs(5))).await;
    let slow = proxy("slow", &call_to(&backend.url("/slow")), None);
    let bounded = proxy(
        "bounded",
        &format!(
            r#"<call><endpoint><address uri="{}"><timeout><duration>200</duration></timeout></address></endpoint></call><respond/>"#,
            backend.url("/slow")
        ),
        None,
    );
    let engine = TestEngine::start_with(Options {
        files: vec![
            ("slow.xml".into(), slow),
            ("echo.xml".into(), proxy("echo", ECHO, None)),
        ],
        backend_timeout: Some(Duration::from_millis(300)),
        ..Options::default()
    })
    .await;
    let (status, json) = status_and_json(engine.post_json("/services/slow", "{}").await).await;
    assert_eq!(status, 504);
    assert_eq!(json["error"], "backend timed out");
    assert!(json["detail"].as_str().unwrap().contains("300 ms"));
    still_serving(&engine).await;

    // An endpoint's own <timeout> wins over the global one.
    let engine = TestEngine::start(&[("bounded.xml", &bounded)]).await;
    let (status, json) = status_and_json(engine.post_json("/services/bounded", "{}").await).await;
    assert_eq!(status, 504);
    assert!(json["detail"].as_str().unwrap().contains("200 ms"));
}

#[tokio::test]
async fn a_body_over_the_limit_is_413() {
    let engine = TestEngine::start_with(Options {
        files: vec![("echo.xml".into(), proxy("echo", ECHO, None))],
        max_request_body: Some(1024),
        ..Options::default()
    })
    .await;
    let big = format!(r#"{{"who":"{}"}}"#, "x".repeat(2048));
    let (status, json) = status_and_json(engine.post_json("/services/echo", &big).await).await;
    assert_eq!(status, 413);
    assert_eq!(json["error"], "request body too large");
    // Also without a Content-Length (chunked): the limit holds while reading.
    let stream = futures::stream::iter(vec![Ok::<_, std::io::Error>(big.clone())]);
    let response = engine
        .client
        .post(engine.url("/services/echo"))
        .body(reqwest::Body::wrap_stream(stream))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    still_serving(&engine).await;
}

#[tokio::test]
async fn the_fault_sequence_runs_first_with_synapse_error_properties() {
    let url = format!("http://127.0.0.1:{}/x", closed_port());
    let answers = r#"<property name="HTTP_SC" value="503" scope="axis2"/>
        <header name="X-Error-Code" expression="$ctx:ERROR_CODE" scope="transport"/>
        <header name="X-Error-Message" expression="get-property('ERROR_MESSAGE')" scope="transport"/>
        <respond/>"#;
    let only_logs =
        r#"<log level="custom"><property name="code" expression="$ctx:ERROR_CODE"/></log>"#;
    let engine = TestEngine::start(&[
        (
            "answers.xml",
            &proxy("answers", &call_to(&url), Some(answers)),
        ),
        ("logs.xml", &proxy("logs", &call_to(&url), Some(only_logs))),
        ("echo.xml", &proxy("echo", ECHO, None)),
    ])
    .await;
    let response = engine.post_json("/services/answers", "{}").await;
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers()["x-error-code"], "101503");
    assert_eq!(
        response.headers()["x-error-message"],
        "backend connection failed"
    );
    // A fault sequence that does not answer leaves the client the JSON error.
    let (status, json) = status_and_json(engine.post_json("/services/logs", "{}").await).await;
    assert_eq!(status, 502);
    assert_eq!(json["error"], "backend connection failed");
    still_serving(&engine).await;
}

#[tokio::test]
async fn a_flow_without_response_answers_202_and_stopped_proxies_503() {
    let dropper = proxy("dropper", "<drop/>", None);
    let stopped = r#"<proxy xmlns="http://ws.apache.org/ns/synapse" name="stopped" startOnLoad="false">
        <target><inSequence><respond/></inSequence></target></proxy>"#;
    let engine = TestEngine::start(&[("dropper.xml", &dropper), ("stopped.xml", stopped)]).await;
    let response = engine.post_json("/services/dropper", "{}").await;
    assert_eq!(response.status(), 202);
    assert!(response.bytes().await.unwrap().is_empty());
    let (status, json) = status_and_json(engine.post_json("/services/stopped", "{}").await).await;
    assert_eq!(status, 503);
    assert_eq!(json["error"], "service stopped");
}

#[tokio::test]
async fn healthz_answers_once_deployed() {
    let engine = TestEngine::start(&[]).await;
    let response = engine
        .client
        .get(engine.url("/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), r#"{"status":"ok"}"#);
}
