//! The outbound allow-list: a backend outside it gets a 403 JSON error naming the host, and
//! no connection is attempted.

mod common;

use std::time::Duration;

use common::{MockBackend, Options, Reply, TestEngine, status_and_json};

fn proxy(name: &str, url: &str) -> String {
    format!(
        r#"<proxy xmlns="http://ws.apache.org/ns/synapse" name="{name}"><target><inSequence>
             <call><endpoint><address uri="{url}"/></endpoint></call><respond/>
           </inSequence></target></proxy>"#
    )
}

#[tokio::test]
async fn only_allowed_backends_are_called() {
    let allowed = MockBackend::start(|_| Reply::json(200, r#"{"ok":true}"#)).await;
    // A second backend on another port of the same host: refused by port.
    let refused = MockBackend::start(|_| Reply::json(200, r#"{"reached":true}"#)).await;
    let files = vec![
        ("good.xml".to_string(), proxy("good", &allowed.url("/a"))),
        ("bad.xml".to_string(), proxy("bad", &refused.url("/b"))),
        (
            "named.xml".to_string(),
            proxy(
                "named",
                "http://not-allowed.example.org:8080/x?token=s3cr3t",
            ),
        ),
    ];
    let engine = TestEngine::start_with(Options {
        files,
        allowed_backends: vec![
            format!("127.0.0.1:{}", allowed.addr.port()),
            "*.example.com".into(),
        ],
        backend_timeout: Some(Duration::from_secs(5)),
        ..Options::default()
    })
    .await;
    let (status, body) = status_and_json(engine.post_json("/services/good", "{}").await).await;
    assert_eq!((status, body["ok"].as_bool()), (200, Some(true)));

    let (status, body) = status_and_json(engine.post_json("/services/bad", "{}").await).await;
    assert_eq!(status, 403, "{body}");
    let refused_host = format!("127.0.0.1:{}", refused.addr.port());
    assert!(
        body["error"].as_str().unwrap().contains(&refused_host),
        "{body}"
    );
    assert!(
        refused.received().is_empty(),
        "no connection may be attempted"
    );

    let (status, body) = status_and_json(engine.post_json("/services/named", "{}").await).await;
    assert_eq!(status, 403);
    let text = body.to_string();
    assert!(text.contains("not-allowed.example.org:8080"), "{text}");
    assert!(
        !text.contains("s3cr3t"),
        "the URL's query stays out of the error: {text}"
    );
}
