//! Tokens, refresh tokens and client ids never appear whole in the logs, at any level.
//! The engine's log output is captured in-process at TRACE level while requests exercise
//! every path that logs: the log mediator at every level, token caching, a refresh, a failed
//! refresh, and backend errors.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::{TestEngine, proxies_dir, seed_request};
use gotowebinar_simulator::{Simulator, fixtures};

/// A log sink the test can read back.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

const LOGGING_PROXY: &str = r#"<proxy xmlns="http://ws.apache.org/ns/synapse" name="logging"><target><inSequence>
    <property name="accessToken" expression="json-eval($.accessToken)"/>
    <property name="refreshToken" expression="json-eval($.refreshToken)"/>
    <log level="full"/>
    <log level="headers"/>
    <log level="custom" category="DEBUG">
        <property name="token" expression="$ctx:accessToken"/>
        <property name="refresh" expression="$ctx:refreshToken"/>
        <property name="client" expression="json-eval($.clientId)"/>
    </log>
    <respond/>
</inSequence></target></proxy>"#;

#[tokio::test]
async fn secrets_are_masked_in_every_log_line() {
    let captured = Captured::default();
    let sink = captured.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || sink.clone())
        .init();

    let sim = Simulator::start().await.unwrap();
    let data = tempfile::tempdir().unwrap();
    // A cache stored long ago, so the first call refreshes.
    let cache = data
        .path()
        .join("registry/config/connectors/gotowebinar/3697511743350317068");
    std::fs::create_dir_all(&cache).unwrap();
    std::fs::write(cache.join("accessToken"), fixtures::ACCESS_TOKEN).unwrap();
    std::fs::write(cache.join("refreshToken"), fixtures::REFRESH_TOKEN).unwrap();
    std::fs::write(cache.join("time"), "0").unwrap();

    let deploy = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(proxies_dir()).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), deploy.path().join(entry.file_name())).unwrap();
    }
    std::fs::write(deploy.path().join("logging.xml"), LOGGING_PROXY).unwrap();
    let engine = TestEngine::start_with(common::Options {
        deploy_dir: Some(deploy.path().to_path_buf()),
        data_dir: Some(data.path().to_path_buf()),
        ..Default::default()
    })
    .await;

    let request = seed_request(&sim.url());
    let authorized = [("Authorization", fixtures::ACCESS_TOKEN)];
    let response = engine
        .post_json_with("/services/logging", &request, &authorized)
        .await;
    assert_eq!(response.status(), 200);
    let response = engine
        .post_json("/services/gotowebinar_getSessionById", &request)
        .await;
    assert_eq!(response.status(), 200, "refreshed and called");
    // A failed refresh and a backend failure also log.
    std::fs::write(cache.join("time"), "0").unwrap();
    sim.fail_token_endpoint(Some((
        401,
        r#"{"error":"invalid_grant","refresh_token":"MDAKxJTJ3cAdhuzavhtOFNAmV5N0m7gm"}"#.into(),
    )));
    let stale = request.replacen('{', r#"{"intervalTime":"1","#, 1);
    let response = engine
        .post_json("/services/gotowebinar_getSessionById", &stale)
        .await;
    assert_eq!(response.status(), 502);
    let body = response.text().await.unwrap();
    let down = seed_request(&format!("http://127.0.0.1:{}", common::closed_port()));
    let response = engine
        .post_json(
            "/services/gotowebinar_listSessions",
            &down.replace("\"sessionKey\":\"2167614\"", "\"x\":1"),
        )
        .await;
    assert!(response.status().is_server_error());

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("UEGG****"),
        "the log mediator ran and masked: {logs}"
    );
    assert!(logs.contains("token refreshed"), "{logs}");
    assert!(logs.contains("token refresh failed"), "{logs}");
    for secret in [
        fixtures::ACCESS_TOKEN,
        fixtures::REFRESH_TOKEN,
        fixtures::CLIENT_ID,
        fixtures::FIRST_REFRESHED_ACCESS_TOKEN,
        fixtures::FIRST_REFRESHED_REFRESH_TOKEN,
    ] {
        assert!(
            !logs.contains(secret),
            "`{secret}` appears whole in the logs:\n{logs}"
        );
        assert!(
            !body.contains(secret),
            "`{secret}` appears whole in an error body: {body}"
        );
    }
}

#[tokio::test]
async fn credentials_written_in_configs_stay_out_of_the_management_api() {
    let broken = r#"<proxy xmlns="http://ws.apache.org/ns/synapse" name="broken"><target><inSequence>
    <property name="clientSecret" value="Wr1ttenInTheConfig" typo="1"/><gotowebinar.init><accessToken>UEGGwrittenAccessToken</accessToken><bogus/></gotowebinar.init>
</inSequence></target></proxy>"#;
    let engine = TestEngine::start(&[("broken.xml", broken)]).await;
    let report = engine.artifacts().await.to_string();
    assert!(report.contains("broken.xml"), "{report}");
    assert!(
        report.contains("Wr1t****"),
        "the line is quoted, masked: {report}"
    );
    for secret in ["Wr1ttenInTheConfig", "UEGGwrittenAccessToken"] {
        assert!(
            !report.contains(secret),
            "`{secret}` in the management API: {report}"
        );
    }
}
