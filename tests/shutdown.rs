//! The `oxynapse serve` process: it reports where it listens, and on SIGTERM it stops
//! accepting, lets the request in flight finish, and exits 0.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

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

    let mut child = Command::new(env!("CARGO_BIN_EXE_oxynapse"))
        .args([
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--management-port",
            "0",
        ])
        .arg("--deploy-dir")
        .arg(deploy.path())
        .arg("--data-dir")
        .arg(data.path())
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    // The log line `listening services=127.0.0.1:PORT management=127.0.0.1:PORT` says where.
    let stdout = child.stdout.take().unwrap();
    let (lines_tx, lines_rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = lines_tx.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(10);
    let services = loop {
        let line = lines_rx
            .recv_timeout(deadline - Instant::now())
            .expect("the server logs where it listens");
        if let Some(rest) = line.split("services=").nth(1) {
            break rest.split_whitespace().next().unwrap().to_string();
        }
    };

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
