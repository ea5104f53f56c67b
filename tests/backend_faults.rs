//! Misbehaving backends, through real HTTP: each fault gets a defined answer, the fault
//! sequence sees Synapse's ERROR_CODE, and the engine keeps serving.

mod common;

use common::{MockBackend, Reply, TestEngine, status_and_json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A backend that reads one request per connection and answers with `reply` as raw bytes,
/// then closes (with a reset when `reset` is set).
async fn raw_backend(reply: &'static [u8], reset: bool) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                continue;
            };
            tokio::spawn(async move {
                let mut request = vec![0u8; 16 * 1024];
                let mut read = 0;
                // Read until the end of the headers (the test requests have small bodies).
                while !request[..read].windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut request[read..]).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => read += n,
                    }
                }
                let _ = stream.write_all(reply).await;
                let _ = stream.flush().await;
                if reset {
                    // SO_LINGER 0: closing sends RST instead of FIN.
                    let _ = stream.set_zero_linger();
                }
                drop(stream);
            });
        }
    });
    port
}

fn proxy(name: &str, port: u16) -> String {
    format!(
        r#"<proxy xmlns="http://ws.apache.org/ns/synapse" name="{name}"><target><inSequence>
             <call><endpoint><address uri="http://127.0.0.1:{port}/x"/></endpoint></call>
             <property name="read" expression="json-eval($.a)"/>
             <respond/>
           </inSequence></target></proxy>"#
    )
}

fn proxy_with_fault_sequence(name: &str, port: u16) -> String {
    format!(
        r#"<proxy xmlns="http://ws.apache.org/ns/synapse" name="{name}"><target>
             <inSequence><call><endpoint><address uri="http://127.0.0.1:{port}/x"/></endpoint></call><respond/></inSequence>
             <faultSequence>
               <payloadFactory media-type="json"><format>{{"code": $1}}</format>
                 <args><arg expression="$ctx:ERROR_CODE"/></args></payloadFactory>
               <property name="HTTP_SC" value="502" scope="axis2"/><respond/>
             </faultSequence>
           </target></proxy>"#
    )
}

#[tokio::test]
async fn broken_backend_answers_are_502_with_synapse_error_codes() {
    let reset = raw_backend(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"a\":",
        true,
    )
    .await;
    let truncated = raw_backend(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"a\":1",
        false,
    )
    .await;
    let not_http = raw_backend(b"SSH-2.0-OpenSSH_9.6\r\n", false).await;
    let engine = TestEngine::start(&[
        ("reset.xml", &proxy("reset", reset)),
        ("truncated.xml", &proxy("truncated", truncated)),
        ("nothttp.xml", &proxy("nothttp", not_http)),
        ("coded.xml", &proxy_with_fault_sequence("coded", truncated)),
    ])
    .await;
    for name in ["reset", "truncated", "nothttp"] {
        let (status, body) =
            status_and_json(engine.post_json(&format!("/services/{name}"), "{}").await).await;
        assert_eq!(status, 502, "{name}: {body}");
        assert!(body["error"].as_str().is_some(), "{name}: {body}");
    }
    let (status, body) = status_and_json(engine.post_json("/services/coded", "{}").await).await;
    assert_eq!(status, 502);
    assert_eq!(body["code"], 101505, "connection closed: {body}");
    // Still serving; the failed endpoint is now suspended (Synapse's defaults), so it fails
    // fast without calling the backend.
    let (status, body) = status_and_json(engine.post_json("/services/reset", "{}").await).await;
    assert_eq!(status, 503, "{body}");
}

#[tokio::test]
async fn a_5xx_html_answer_is_passed_through() {
    let html = "<html><body><h1>503 Service Unavailable</h1></body></html>";
    let backend = MockBackend::start(move |_| Reply {
        headers: vec![("content-type".into(), "text/html".into())],
        ..Reply::json(503, html)
    })
    .await;
    let relay = format!(
        r#"<proxy xmlns="http://ws.apache.org/ns/synapse" name="relay"><target>
             <inSequence><send><endpoint><address uri="{}"/></endpoint></send></inSequence>
             <outSequence><send/></outSequence>
           </target></proxy>"#,
        backend.url("/")
    );
    let engine = TestEngine::start(&[("relay.xml", &relay)]).await;
    let response = engine.post_json("/services/relay", "{}").await;
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers()["content-type"], "text/html");
    assert_eq!(response.text().await.unwrap(), html);
}

#[tokio::test]
async fn invalid_json_from_a_backend_is_an_error_when_read_and_relayed_when_not() {
    let backend = MockBackend::start(|_| Reply::json(200, r#"{"a": tru"#)).await;
    let reads = format!(
        r#"<proxy xmlns="http://ws.apache.org/ns/synapse" name="reads"><target><inSequence>
             <call><endpoint><address uri="{0}"/></endpoint></call>
             <property name="a" expression="json-eval($.a)"/><respond/>
           </inSequence></target></proxy>"#,
        backend.url("/")
    );
    let relays = reads
        .replace("name=\"reads\"", "name=\"relays\"")
        .replace("<property name=\"a\" expression=\"json-eval($.a)\"/>", "");
    let engine = TestEngine::start(&[("reads.xml", &reads), ("relays.xml", &relays)]).await;
    let (status, body) = status_and_json(engine.post_json("/services/reads", "{}").await).await;
    assert_eq!(status, 502, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("malformed JSON"),
        "{body}"
    );
    let response = engine.post_json("/services/relays", "{}").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), r#"{"a": tru"#);
}
