//! `GET /metrics` on the management port: after known traffic (proxies, an API, a backend
//! that fails, GoToWebinar with a stale token, a file that does not deploy), the Prometheus
//! text holds exactly the counts that traffic makes.

mod common;

use std::time::Duration;

use common::{MockBackend, Options, Reply, TestEngine, closed_port, proxies_dir, seed_request};
use gotowebinar_simulator::{Simulator, fixtures};

/// A proxy relaying to the mock backend, which answers 500 to `/fail`.
fn relay(name: &str, backend: &MockBackend, path: &str) -> String {
    format!(
        r#"<proxy xmlns="http://ws.apache.org/ns/synapse" name="{name}"><target>
             <endpoint name="{name}-ep"><address uri="{}"/></endpoint></target></proxy>"#,
        backend.url(path)
    )
}

const API: &str = r#"<api xmlns="http://ws.apache.org/ns/synapse" name="echo" context="/echo">
    <resource methods="GET" uri-template="/hello"><inSequence>
      <payloadFactory media-type="json"><format>{"hi":1}</format><args/></payloadFactory>
      <respond/></inSequence></resource></api>"#;

/// The value of the sample `series` (`name{labels}`) in Prometheus text, if present.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

#[tokio::test]
async fn metrics_count_requests_backend_calls_refreshes_and_deploys() {
    let backend = MockBackend::start(|r| {
        if r.path_and_query.starts_with("/fail") {
            Reply::json(500, r#"{"down":true}"#)
        } else {
            Reply::json(200, r#"{"ok":true}"#)
        }
    })
    .await;
    // An anonymous endpoint on a port nobody listens on: labelled with its origin.
    let port = closed_port();
    let down = format!(
        r#"<proxy xmlns="http://ws.apache.org/ns/synapse" name="down"><target>
             <endpoint><address uri="http://127.0.0.1:{port}/x?secret=1"/></endpoint></target></proxy>"#
    );
    let deploy = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(proxies_dir()).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, deploy.path().join(path.file_name().unwrap())).unwrap();
    }
    let files = [
        ("ok.xml", relay("ok", &backend, "/ok")),
        ("bad.xml", relay("bad", &backend, "/fail")),
        ("down.xml", down),
        ("echo.xml", API.to_string()),
        ("broken.xml", "<proxy name=\"broken\">".to_string()),
    ];
    let engine = TestEngine::start_with(Options {
        files: files
            .iter()
            .map(|(n, x)| (n.to_string(), x.clone()))
            .collect(),
        deploy_dir: Some(deploy.path().to_path_buf()),
        ..Options::default()
    })
    .await;
    let sim = Simulator::start().await.unwrap();
    // A token stored ten minutes ago, allowed one minute: the first call refreshes it.
    let store = engine.engine.services().registry_store();
    let tokens = "conf:/connectors/gotowebinar/3697511743350317068";
    let stale = (std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis()
        - 600_000)
        .to_string();
    store
        .put_all(&[
            (&format!("{tokens}/accessToken"), fixtures::ACCESS_TOKEN),
            (&format!("{tokens}/refreshToken"), fixtures::REFRESH_TOKEN),
            (&format!("{tokens}/time"), &stale),
        ])
        .await
        .unwrap();

    for _ in 0..3 {
        assert_eq!(engine.post_json("/services/ok", "{}").await.status(), 200);
    }
    for _ in 0..2 {
        assert_eq!(engine.post_json("/services/bad", "{}").await.status(), 500);
    }
    assert_eq!(engine.post_json("/services/down", "{}").await.status(), 502);
    assert_eq!(
        engine.post_json("/services/nothing", "{}").await.status(),
        404
    );
    let client = &engine.client;
    let get = |path: &str| client.get(engine.url(path)).send();
    assert_eq!(get("/echo/hello").await.unwrap().status(), 200);
    assert_eq!(get("/echo/hello").await.unwrap().status(), 200);
    assert_eq!(engine.post_json("/echo/hello", "{}").await.status(), 405);
    let body = seed_request(&sim.url()).replacen('{', "{\"intervalTime\":\"60000\",", 1);
    for _ in 0..2 {
        let response = engine
            .post_json("/services/gotowebinar_getSessionById", &body)
            .await;
        assert_eq!(response.status(), 200);
    }
    assert_eq!(sim.refresh_calls(), 1);

    let response = client
        .get(format!("http://{}/metrics", engine.management_addr))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/plain; version=0.0.4"
    );
    let text = response.text().await.unwrap();
    let expected = [
        (
            r#"oxynapse_requests_total{kind="proxy",name="ok",status="2xx"}"#,
            3.0,
        ),
        (
            r#"oxynapse_requests_total{kind="proxy",name="bad",status="5xx"}"#,
            2.0,
        ),
        (
            r#"oxynapse_requests_total{kind="proxy",name="down",status="5xx"}"#,
            1.0,
        ),
        (
            r#"oxynapse_requests_total{kind="none",name="",status="4xx"}"#,
            1.0,
        ),
        (
            r#"oxynapse_requests_total{kind="api",name="echo",status="2xx"}"#,
            2.0,
        ),
        (
            r#"oxynapse_requests_total{kind="api",name="echo",status="4xx"}"#,
            1.0,
        ),
        (
            r#"oxynapse_requests_total{kind="proxy",name="gotowebinar_getSessionById",status="2xx"}"#,
            2.0,
        ),
        (
            r#"oxynapse_request_duration_seconds_count{kind="proxy",name="ok"}"#,
            3.0,
        ),
        (
            r#"oxynapse_request_duration_seconds_count{kind="api",name="echo"}"#,
            3.0,
        ),
        (
            r#"oxynapse_backend_calls_total{endpoint="ok-ep",outcome="ok"}"#,
            3.0,
        ),
        (
            r#"oxynapse_backend_calls_total{endpoint="bad-ep",outcome="server_error"}"#,
            2.0,
        ),
        (
            r#"oxynapse_backend_calls_total{endpoint="bad-ep",outcome="ok"}"#,
            0.0,
        ),
        (
            &format!(
                r#"oxynapse_backend_calls_total{{endpoint="http://127.0.0.1:{port}",outcome="connect_failed"}}"#
            ),
            1.0,
        ),
        (
            r#"oxynapse_backend_calls_total{endpoint="gotowebinar:getSessionById",outcome="ok"}"#,
            2.0,
        ),
        (
            r#"oxynapse_token_refreshes_total{connector="gotowebinar"}"#,
            1.0,
        ),
        (r#"oxynapse_deploy_events_total{event="failed"}"#, 1.0),
        ("oxynapse_deploy_failures_total", 1.0),
        ("oxynapse_requests_in_flight", 0.0),
    ];
    for (series, value) in expected {
        assert_eq!(sample(&text, series), Some(value), "{series} in\n{text}");
    }
    // Every deployed file counts once: ours, and the project's proxies.
    let deployed = sample(&text, r#"oxynapse_deploy_events_total{event="deployed"}"#).unwrap();
    let files_in_folder = std::fs::read_dir(deploy.path()).unwrap().count() as f64;
    assert_eq!(deployed, files_in_folder - 1.0, "all but broken.xml");
    // Neither the token nor an address's query shows in the metrics.
    assert!(!text.contains(fixtures::FIRST_REFRESHED_ACCESS_TOKEN));
    assert!(!text.contains("secret"));
}

#[tokio::test]
async fn latency_lands_in_the_right_bucket_and_in_flight_counts_open_requests() {
    let backend = MockBackend::start(|_| {
        Reply::json(200, r#"{"slow":true}"#).after(Duration::from_millis(300))
    })
    .await;
    let engine = TestEngine::start(&[("slow.xml", &relay("slow", &backend, "/slow"))]).await;
    let scrape = || async {
        engine
            .client
            .get(format!("http://{}/metrics", engine.management_addr))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    let in_flight = tokio::spawn(engine.client.post(engine.url("/services/slow")).send());
    common::eventually(
        "the request to reach the backend",
        Duration::from_secs(5),
        || !backend.received().is_empty(),
    )
    .await;
    assert_eq!(
        sample(&scrape().await, "oxynapse_requests_in_flight"),
        Some(1.0)
    );
    assert_eq!(in_flight.await.unwrap().unwrap().status(), 200);
    let text = scrape().await;
    assert_eq!(sample(&text, "oxynapse_requests_in_flight"), Some(0.0));
    let bucket = |le: &str| {
        sample(
            &text,
            &format!(
                r#"oxynapse_request_duration_seconds_bucket{{kind="proxy",name="slow",le="{le}"}}"#
            ),
        )
    };
    assert_eq!(bucket("0.25"), Some(0.0));
    assert_eq!(bucket("0.5"), Some(1.0));
}
