//! Endpoints over HTTP: suspension with Synapse's defaults and settings, failover, round-robin
//! load balancing, recipient lists, message formats, and the `To` address.

mod common;

use std::time::Duration;

use common::{MockBackend, Reply, TestEngine, closed_port, eventually, status_and_json};

fn proxy(name: &str, body: &str) -> String {
    format!(
        r#"<proxy xmlns="http://ws.apache.org/ns/synapse" name="{name}"><target><inSequence>{body}</inSequence>
             <faultSequence>
               <header name="X-Error-Code" expression="$ctx:ERROR_CODE" scope="transport"/>
               <property name="HTTP_SC" value="599" scope="axis2"/><respond/>
             </faultSequence>
           </target></proxy>"#
    )
}

async fn named_backend(name: &'static str) -> MockBackend {
    MockBackend::start(move |_| Reply::json(200, &format!(r#"{{"from":"{name}"}}"#))).await
}

#[tokio::test]
async fn a_failing_endpoint_is_suspended_then_tried_again() {
    let down = format!("http://127.0.0.1:{}/", closed_port());
    let default = proxy(
        "default",
        &format!(r#"<call><endpoint><address uri="{down}"/></endpoint></call><respond/>"#),
    );
    let short = proxy(
        "short",
        &format!(
            r#"<call><endpoint><address uri="{down}"><suspendOnFailure><initialDuration>300</initialDuration></suspendOnFailure></address></endpoint></call><respond/>"#
        ),
    );
    let engine = TestEngine::start(&[("default.xml", &default), ("short.xml", &short)]).await;
    let code = |r: &reqwest::Response| r.headers()["x-error-code"].to_str().unwrap().to_string();
    let first = engine.post_json("/services/default", "{}").await;
    assert_eq!(code(&first), "101503");
    // Synapse's default: suspended for 30 s; calls fail fast with 303001.
    let second = engine.post_json("/services/default", "{}").await;
    assert_eq!(code(&second), "303001");

    assert_eq!(
        code(&engine.post_json("/services/short", "{}").await),
        "101503"
    );
    assert_eq!(
        code(&engine.post_json("/services/short", "{}").await),
        "303001"
    );
    // After the suspension the endpoint is called again (and fails again with 101503).
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        tokio::time::sleep(Duration::from_millis(50)).await;
        if code(&engine.post_json("/services/short", "{}").await) == "101503" {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "still suspended after its 300 ms"
        );
    }
    // Without a fault sequence, a suspended endpoint is a 503 JSON error.
    let plain = format!(
        r#"<proxy xmlns="http://ws.apache.org/ns/synapse" name="plain"><target><inSequence><call><endpoint><address uri="{down}"/></endpoint></call></inSequence></target></proxy>"#
    );
    let engine = TestEngine::start(&[("plain.xml", &plain)]).await;
    assert_eq!(
        engine.post_json("/services/plain", "{}").await.status(),
        502
    );
    let (status, json) = status_and_json(engine.post_json("/services/plain", "{}").await).await;
    assert_eq!(status, 503);
    assert!(json["error"].as_str().unwrap().contains("is suspended"));
}

#[tokio::test]
async fn failover_skips_to_the_next_endpoint() {
    let backup = named_backend("backup").await;
    let failover = proxy(
        "failover",
        &format!(
            r#"<call><endpoint><failover>
                 <endpoint><address uri="http://127.0.0.1:{}/"/></endpoint>
                 <endpoint><address uri="{}"/></endpoint>
               </failover></endpoint></call><respond/>"#,
            closed_port(),
            backup.url("/")
        ),
    );
    let engine = TestEngine::start(&[("f.xml", &failover)]).await;
    for _ in 0..2 {
        let response = engine.post_json("/services/failover", "{}").await;
        assert_eq!(response.text().await.unwrap(), r#"{"from":"backup"}"#);
    }
    assert_eq!(backup.received().len(), 2);
}

#[tokio::test]
async fn loadbalance_takes_turns_and_recipient_lists_reach_everyone() {
    let (a, b) = (named_backend("a").await, named_backend("b").await);
    let balanced = proxy(
        "balanced",
        &format!(
            r#"<call><endpoint><loadbalance algorithm="org.apache.synapse.endpoints.algorithms.RoundRobin">
                 <endpoint><address uri="{}"/></endpoint><endpoint><address uri="{}"/></endpoint>
               </loadbalance></endpoint></call><respond/>"#,
            a.url("/"),
            b.url("/")
        ),
    );
    let everyone = proxy(
        "everyone",
        &format!(
            r#"<call><endpoint><recipientlist>
                 <endpoint><address uri="{}"/></endpoint><endpoint><address uri="{}"/></endpoint>
               </recipientlist></endpoint></call><respond/>"#,
            a.url("/all"),
            b.url("/all")
        ),
    );
    let engine = TestEngine::start(&[("lb.xml", &balanced), ("rl.xml", &everyone)]).await;
    let mut answers = Vec::new();
    for _ in 0..4 {
        answers.push(
            engine
                .post_json("/services/balanced", "{}")
                .await
                .text()
                .await
                .unwrap(),
        );
    }
    assert_eq!(
        answers,
        [
            r#"{"from":"a"}"#,
            r#"{"from":"b"}"#,
            r#"{"from":"a"}"#,
            r#"{"from":"b"}"#
        ]
    );

    let response = engine.post_json("/services/everyone", r#"{"n":1}"#).await;
    assert_eq!(response.text().await.unwrap(), r#"{"from":"a"}"#);
    let all = |m: &MockBackend| {
        m.received()
            .iter()
            .filter(|r| r.path_and_query == "/all")
            .count()
    };
    assert_eq!((all(&a), all(&b)), (1, 1));
    assert_eq!(b.received().last().unwrap().body, r#"{"n":1}"#.as_bytes());
}

#[tokio::test]
async fn formats_and_the_to_address() {
    let backend = MockBackend::start(|r| {
        let ct = r
            .headers
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        Reply::json(200, &format!(r#"{{"ct":"{ct}","method":"{}"}}"#, r.method))
    })
    .await;
    let soap = proxy(
        "soap",
        &format!(
            r#"<call><endpoint><address uri="{}" format="soap11"/></endpoint></call><respond/>"#,
            backend.url("/soap")
        ),
    );
    let get = proxy(
        "get",
        &format!(
            r#"<call><endpoint><address uri="{}" format="get"/></endpoint></call><respond/>"#,
            backend.url("/get")
        ),
    );
    let to = proxy(
        "to",
        &format!(
            r#"<header name="To" value="{}"/><send/>"#,
            backend.url("/to")
        ),
    );
    let back = proxy(
        "back",
        r#"<header name="To" action="remove"/><property name="RESPONSE" value="true"/><send/>"#,
    );
    let engine = TestEngine::start(&[
        ("soap.xml", &soap),
        ("get.xml", &get),
        ("to.xml", &to),
        ("back.xml", &back),
    ])
    .await;

    let response = engine
        .post_json("/services/soap", r#"{"getQuote":{"symbol":"IBM"}}"#)
        .await;
    assert_eq!(
        response.text().await.unwrap(),
        r#"{"ct":"text/xml; charset=UTF-8","method":"POST"}"#
    );
    let sent = &backend.received()[0];
    assert_eq!(
        std::str::from_utf8(&sent.body).unwrap(),
        r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><jsonObject><getQuote><symbol>IBM</symbol></getQuote></jsonObject></soapenv:Body></soapenv:Envelope>"#
    );
    let response = engine.post_json("/services/get", "{}").await;
    assert!(response.text().await.unwrap().contains(r#""method":"GET""#));
    let response = engine.post_json("/services/to", "{}").await;
    assert_eq!(response.status(), 200);
    eventually(
        "the To address to be called",
        Duration::from_secs(2),
        || backend.received().iter().any(|r| r.path_and_query == "/to"),
    )
    .await;
    let response = engine.post_json("/services/back", r#"{"echo":true}"#).await;
    assert_eq!(response.text().await.unwrap(), r#"{"echo":true}"#);
}

#[tokio::test]
async fn a_dynamic_recipient_list_reads_its_urls_from_the_message() {
    let a = named_backend("a").await;
    let b = named_backend("b").await;
    let list = proxy(
        "list",
        r#"<property name="EP_LIST" expression="json-eval($.targets)"/>
           <call><endpoint><recipientlist>
             <endpoints value="{get-property('EP_LIST')}" max-cache="4"/>
           </recipientlist></endpoint></call><respond/>"#,
    );
    let engine = TestEngine::start(&[("list.xml", &list)]).await;
    let targets = format!(r#"{{"targets":"{}, {}"}}"#, a.url("/x"), b.url("/y"));
    let (status, body) = status_and_json(engine.post_json("/services/list", &targets).await).await;
    assert_eq!(status, 200);
    assert_eq!(body["from"], "a", "the first answer becomes the message");
    assert_eq!(a.received()[0].path_and_query, "/x");
    assert_eq!(b.received()[0].path_and_query, "/y");
    let only_b = format!(r#"{{"targets":"{}"}}"#, b.url("/z"));
    let (_, body) = status_and_json(engine.post_json("/services/list", &only_b).await).await;
    assert_eq!(body["from"], "b");
    assert_eq!(a.received().len(), 1);
}

#[tokio::test]
async fn weighted_round_robin_follows_the_weights() {
    let a = named_backend("a").await;
    let b = named_backend("b").await;
    let lb = proxy(
        "weighted",
        &format!(
            r#"<call><endpoint><loadbalance algorithm="org.apache.synapse.endpoints.algorithms.WeightedRoundRobin">
                 <endpoint><address uri="{}"/><property name="loadbalance.weight" value="2"/></endpoint>
                 <endpoint><address uri="{}"/></endpoint>
               </loadbalance></endpoint></call><respond/>"#,
            a.url("/"),
            b.url("/")
        ),
    );
    let engine = TestEngine::start(&[("weighted.xml", &lb)]).await;
    let mut seen = Vec::new();
    for _ in 0..6 {
        let (_, body) = status_and_json(engine.post_json("/services/weighted", "{}").await).await;
        seen.push(body["from"].as_str().unwrap().to_string());
    }
    assert_eq!(seen, ["a", "b", "a", "a", "b", "a"]);
}
