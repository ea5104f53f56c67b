//! The `oxynapse serve` process: it reports where it listens, and on SIGTERM it stops
//! accepting, lets the request in flight finish, and exits 0.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::process::serve_binary;
use common::{MockBackend, Reply, eventually};

#[tokio::test]
async fn sigterm_lets_the_request_in_flight_finish_and_exits_zero() {
    let backend = MockBackend::start(|_| {
        Reply::json(200, r#"{"slow":true}"#).after(Duration::from_millis(1500))
    })
    .await;
    let deploy = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let proxy = format!(
        r#"<proxy xmlns="http://ws.apache.org/ns/synapse" name="slow"><target>
             <endpoint><address uri="{}"/></endpoint></target></proxy>"#,
        backend.url("/slow")
    );
    std::fs::write(deploy.path().join("slow.xml"), proxy).unwrap();

    let (mut child, services) = serve_binary(deploy.path(), data.path(), &[]);

    let client = reqwest::Client::new();
    let in_flight = tokio::spawn({
        let url = format!("http://{services}/services/slow");
        async move { client.post(url).body("{}").send().await }
    });
    eventually(
        "the request reaching the backend",
        Duration::from_secs(5),
        || !backend.received().is_empty(),
    )
    .await;

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());

    let response = in_flight
        .await
        .unwrap()
        .expect("the request in flight is answered");
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), r#"{"slow":true}"#);

    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the process did not exit"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(status.code(), Some(0));
    // And it no longer accepts connections.
    assert!(std::net::TcpStream::connect(&services).is_err());
}
