//! Streamed backend answers when things go wrong, and the answers that must stay buffered:
//! a body that breaks off or stalls part-way cuts the client connection (its status went out
//! already), an answer the outSequence reads is read whole, and a fault sequence that reads a
//! streaming body reads it in first.

mod common;

use std::time::{Duration, Instant};

use common::streaming::{Ending, Generated, GeneratingBackend, read_incrementally};
use common::{MockBackend, Reply, TestEngine};

const LEN: u64 = 8 * 1024 * 1024;

fn direct_proxy(name: &str, uri: &str, timeout_ms: Option<u64>) -> String {
    let timeout = timeout_ms
        .map(|ms| format!("<timeout><duration>{ms}</duration></timeout>"))
        .unwrap_or_default();
    format!(
        r#"<proxy xmlns="http://ws.apache.org/ns/synapse" name="{name}"><target>
             <inSequence><send><endpoint><address uri="{uri}">{timeout}</address></endpoint></send></inSequence>
             <outSequence><send/></outSequence>
           </target></proxy>"#
    )
}

fn generated(declare_length: bool, ending: Ending) -> Generated {
    Generated {
        len: LEN,
        chunk: 64 * 1024,
        declare_length,
        ending,
    }
}

#[tokio::test]
async fn a_body_that_breaks_off_mid_stream_cuts_the_client_connection() {
    let at = 2 * 1024 * 1024;
    let declared = GeneratingBackend::start(generated(true, Ending::BreakAfter(at))).await;
    let chunked = GeneratingBackend::start(generated(false, Ending::BreakAfter(at))).await;
    let engine = TestEngine::start(&[
        (
            "declared.xml",
            &direct_proxy("declared", &declared.url("/"), None),
        ),
        (
            "chunked.xml",
            &direct_proxy("chunked", &chunked.url("/"), None),
        ),
    ])
    .await;
    for name in ["declared", "chunked"] {
        let response = engine
            .client
            .get(engine.url(&format!("/services/{name}")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{name}: the head was relayed");
        let read = read_incrementally(response).await;
        assert!(
            read.error.is_some(),
            "{name}: the client must see a broken body, not a clean short one ({} bytes)",
            read.len
        );
        assert!(
            read.len >= at - 256 * 1024 && read.len < LEN,
            "{name}: {}",
            read.len
        );
    }
    // The engine keeps serving.
    let healthy = engine
        .client
        .get(engine.url("/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(healthy.status(), 200);
}

#[tokio::test]
async fn a_stall_mid_stream_ends_after_the_endpoint_timeout() {
    let stalling = GeneratingBackend::start(generated(true, Ending::StallAfter(1024 * 1024))).await;
    let engine = TestEngine::start(&[(
        "stalls.xml",
        &direct_proxy("stalls", &stalling.url("/"), Some(500)),
    )])
    .await;
    let started = Instant::now();
    let response = engine
        .client
        .get(engine.url("/services/stalls"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let read = read_incrementally(response).await;
    let elapsed = started.elapsed();
    assert!(read.error.is_some(), "a stalled body is cut, not finished");
    assert_eq!(
        read.len,
        1024 * 1024,
        "everything before the stall was relayed"
    );
    assert!(
        elapsed >= Duration::from_millis(500) && elapsed < Duration::from_secs(10),
        "the idle timeout applies: {elapsed:?}"
    );
}

/// A JSON document of about `len` bytes whose `first` member is `value`.
fn large_json(value: &str, len: usize) -> String {
    format!(r#"{{"first":"{value}","pad":"{}"}}"#, "x".repeat(len))
}

#[tokio::test]
async fn an_answer_the_out_sequence_reads_is_read_whole() {
    let body = large_json("yes", 2 * 1024 * 1024);
    let served = body.clone();
    let backend = MockBackend::start(move |_| Reply::json(200, &served)).await;
    let reads = format!(
        r#"<proxy xmlns="http://ws.apache.org/ns/synapse" name="reads"><target>
             <inSequence><send><endpoint><address uri="{}"/></endpoint></send></inSequence>
             <outSequence>
               <property name="first" expression="json-eval($.first)"/>
               <header name="X-First" expression="$ctx:first" scope="transport"/>
               <send/>
             </outSequence>
           </target></proxy>"#,
        backend.url("/")
    );
    let engine = TestEngine::start(&[("reads.xml", &reads)]).await;
    let response = engine.post_json("/services/reads", "{}").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-first"], "yes");
    assert_eq!(response.text().await.unwrap(), body);
}

#[tokio::test]
async fn a_fault_sequence_that_reads_a_streaming_body_reads_it_whole() {
    let body = large_json("yes", 2 * 1024 * 1024);
    let served = body.clone();
    let backend = MockBackend::start(move |_| Reply::json(200, &served)).await;
    // The outSequence reads nothing, so the answer streams; then a conversion fails, and the
    // faultSequence reads the body.
    let proxy = format!(
        r#"<proxy xmlns="http://ws.apache.org/ns/synapse" name="faulty"><target>
             <inSequence><send><endpoint><address uri="{}"/></endpoint></send></inSequence>
             <outSequence>
               <property name="word" value="abc"/>
               <property name="n" expression="$ctx:word" type="INTEGER"/>
               <send/>
             </outSequence>
             <faultSequence>
               <property name="first" expression="json-eval($.first)"/>
               <header name="X-First" expression="$ctx:first" scope="transport"/>
               <send/>
             </faultSequence>
           </target></proxy>"#,
        backend.url("/")
    );
    let engine = TestEngine::start(&[("faulty.xml", &proxy)]).await;
    let response = engine.post_json("/services/faulty", "{}").await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["x-first"],
        "yes",
        "the fault sequence read the body"
    );
    assert_eq!(
        response.text().await.unwrap(),
        body,
        "and it was sent whole"
    );
}
