//! Client limits through real HTTP: header count and size (431), slow clients (slowloris),
//! the connection cap, JSON nesting depth, XML entities (billion laughs) and malformed HTTP.

mod common;

use std::time::{Duration, Instant};

use common::{Options, TestEngine, status_and_json};
use oxynapse_engine::Limits;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const ECHO: &str = r#"<proxy xmlns="http://ws.apache.org/ns/synapse" name="echo"><target><inSequence>
    <property name="first" expression="json-eval($[0])"/><respond/>
  </inSequence></target></proxy>"#;

const XPATH: &str = r#"<proxy xmlns="http://ws.apache.org/ns/synapse" name="xpath"><target><inSequence>
    <property name="x" expression="//lol"/><respond/>
  </inSequence></target></proxy>"#;

async fn engine_with(limits: Limits) -> TestEngine {
    TestEngine::start_with(Options {
        files: vec![
            ("echo.xml".into(), ECHO.into()),
            ("xpath.xml".into(), XPATH.into()),
        ],
        limits: Some(limits),
        ..Options::default()
    })
    .await
}

/// Sends raw bytes and returns what the server answered before closing (or within 5 s).
async fn raw(engine: &TestEngine, bytes: &[u8]) -> String {
    let mut stream = TcpStream::connect(engine.addr).await.unwrap();
    stream.write_all(bytes).await.unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer)).await;
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn too_many_or_too_large_headers_are_431() {
    let engine = engine_with(Limits::default()).await;
    let client = reqwest::Client::new();
    let mut many = client.post(engine.url("/services/echo")).body("[1]");
    for i in 0..150 {
        many = many.header(format!("x-h{i}"), "v");
    }
    assert_eq!(many.send().await.unwrap().status(), 431);
    let large = client
        .post(engine.url("/services/echo"))
        .header("x-large", "a".repeat(70 * 1024))
        .body("[1]")
        .send()
        .await
        .unwrap();
    assert_eq!(large.status(), 431);
    let fine = engine.post_json("/services/echo", "[1]").await;
    assert_eq!(fine.status(), 200);
}

#[tokio::test]
async fn slow_clients_do_not_starve_normal_ones() {
    let limits = Limits {
        header_read_timeout: Duration::from_secs(2),
        ..Limits::default()
    };
    let engine = engine_with(limits).await;
    let mut dribblers = Vec::new();
    for _ in 0..300 {
        let mut stream = TcpStream::connect(engine.addr).await.unwrap();
        stream
            .write_all(b"POST /services/echo HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            .await
            .unwrap();
        dribblers.push(stream);
    }
    // They keep dribbling one byte at a time while a normal client is served.
    let dribble = tokio::spawn(async move {
        let mut closed = 0;
        for _ in 0..10 {
            tokio::time::sleep(Duration::from_millis(300)).await;
            closed = 0;
            for stream in &mut dribblers {
                if stream.write_all(b"a").await.is_err() {
                    closed += 1;
                }
            }
        }
        closed
    });
    let started = Instant::now();
    let (status, _) = status_and_json(engine.post_json("/services/echo", "[1]").await).await;
    assert_eq!(status, 200);
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "served promptly"
    );
    // Past the header read timeout the slow connections are closed.
    let closed = dribble.await.unwrap();
    assert!(
        closed > 250,
        "only {closed} of 300 slow connections were closed"
    );
}

#[tokio::test]
async fn connections_beyond_the_cap_wait_their_turn() {
    let limits = Limits {
        max_connections: 2,
        header_read_timeout: Duration::from_millis(500),
        ..Limits::default()
    };
    let engine = engine_with(limits).await;
    // Two idle connections take both places...
    let idle1 = TcpStream::connect(engine.addr).await.unwrap();
    let idle2 = TcpStream::connect(engine.addr).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = Instant::now();
    // ...so a third client is served only once the header read timeout frees one.
    let (status, _) = status_and_json(engine.post_json("/services/echo", "[1]").await).await;
    assert_eq!(status, 200);
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "{:?}",
        started.elapsed()
    );
    drop((idle1, idle2));
}

#[tokio::test]
async fn deep_json_is_refused_without_a_stack_overflow() {
    let engine = engine_with(Limits::default()).await;
    let nested = |depth: usize| format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let (status, body) =
        status_and_json(engine.post_json("/services/echo", &nested(200_000)).await).await;
    assert_eq!(status, 400, "{body}");
    assert!(body["detail"].as_str().unwrap().contains("400"), "{body}");
    let (status, _) = status_and_json(engine.post_json("/services/echo", &nested(401)).await).await;
    assert_eq!(status, 400);
    let ok = engine.post_json("/services/echo", &nested(399)).await;
    assert_eq!(ok.status(), 200);
}

#[tokio::test]
async fn xml_entities_are_never_expanded() {
    let engine = engine_with(Limits::default()).await;
    let mut laughs =
        String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n<!ENTITY lol \"lol\">\n");
    laughs.push_str("<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n");
    for i in 2..=9 {
        let prev = format!("&lol{};", i - 1).repeat(10);
        laughs.push_str(&format!("<!ENTITY lol{i} \"{prev}\">\n"));
    }
    laughs.push_str("]>\n<lolz><lol>&lol9;</lol></lolz>");
    let started = Instant::now();
    let response = reqwest::Client::new()
        .post(engine.url("/services/xpath"))
        .header("content-type", "application/xml")
        .body(laughs)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body = response.text().await.unwrap();
    assert!(body.contains("malformed XML"), "{body}");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn malformed_http_is_refused() {
    let engine = engine_with(Limits::default()).await;
    for garbage in [
        &b"GARBAGE\r\n\r\n"[..],
        b"POST /services/echo HTTP/9.9\r\n\r\n",
        b"POST /services/echo HTTP/1.1\r\nContent-Length: nope\r\n\r\n",
        b"\x00\x01\x02\x03\r\n\r\n",
    ] {
        let answer = raw(&engine, garbage).await;
        assert!(
            answer.is_empty() || answer.starts_with("HTTP/1.1 400"),
            "{garbage:?} got {answer}"
        );
    }
    // The engine still serves.
    assert_eq!(
        engine.post_json("/services/echo", "[1]").await.status(),
        200
    );
}
