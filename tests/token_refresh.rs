//! The GoToWebinar token cache and refresh, end to end: through the shipped proxy, against
//! the simulator, with the registry on disk.

mod common;

use common::gotowebinar::tokens_used;

use std::path::Path;

use common::{Options, TestEngine, proxies_dir, seed_request, status_and_json};
use gotowebinar_simulator::{Simulator, fixtures};

const TOKENS: &str = "registry/config/connectors/gotowebinar/3697511743350317068";
const PROXY: &str = "/services/gotowebinar_getSessionById";

fn read(data_dir: &Path, leaf: &str) -> String {
    std::fs::read_to_string(data_dir.join(TOKENS).join(leaf))
        .unwrap_or_else(|e| panic!("{leaf}: {e}"))
}

/// Puts a token cache on disk as an earlier run would have left it.
fn seed_cache(data_dir: &Path, stored_at_ms: i64) {
    let dir = data_dir.join(TOKENS);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("accessToken"), fixtures::ACCESS_TOKEN).unwrap();
    std::fs::write(dir.join("refreshToken"), fixtures::REFRESH_TOKEN).unwrap();
    std::fs::write(dir.join("time"), stored_at_ms.to_string()).unwrap();
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// The seed request with an `intervalTime` (ms) added.
fn request_with_interval(api_url: &str, interval_ms: i64) -> String {
    seed_request(api_url).replacen('{', &format!("{{\"intervalTime\":\"{interval_ms}\","), 1)
}

async fn engine_on(data_dir: &Path) -> TestEngine {
    TestEngine::start_with(Options {
        deploy_dir: Some(proxies_dir()),
        data_dir: Some(data_dir.to_path_buf()),
        ..Options::default()
    })
    .await
}

#[tokio::test]
async fn the_first_call_caches_the_supplied_tokens_without_refreshing() {
    let sim = Simulator::start().await.unwrap();
    let data = tempfile::tempdir().unwrap();
    let engine = engine_on(data.path()).await;
    let before = now_ms();
    let response = engine.post_json(PROXY, &seed_request(&sim.url())).await;
    assert_eq!(response.status(), 200);
    assert_eq!(sim.refresh_calls(), 0);
    assert_eq!(read(data.path(), "accessToken"), fixtures::ACCESS_TOKEN);
    assert_eq!(read(data.path(), "refreshToken"), fixtures::REFRESH_TOKEN);
    let stored: i64 = read(data.path(), "time").parse().unwrap();
    assert!(stored >= before && stored <= now_ms());
}

#[tokio::test]
async fn a_stale_token_is_refreshed_used_and_still_used_after_a_restart() {
    let sim = Simulator::start().await.unwrap();
    let data = tempfile::tempdir().unwrap();
    // Stored ten minutes ago; the request allows one minute.
    seed_cache(data.path(), now_ms() - 600_000);
    let engine = engine_on(data.path()).await;

    let response = engine
        .post_json(PROXY, &request_with_interval(&sim.url(), 60_000))
        .await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());

    let calls = sim.requests();
    assert_eq!(calls.len(), 2, "{calls:?}");
    let refresh = &calls[0];
    assert_eq!(
        (refresh.method.as_str(), refresh.path.as_str()),
        ("GET", "/oauth/access_token")
    );
    let query = refresh.query.as_deref().unwrap();
    assert_eq!(
        query,
        format!(
            "grant_type=refresh_token&client_id={}&refresh_token={}",
            fixtures::CLIENT_ID,
            fixtures::REFRESH_TOKEN
        )
    );
    assert_eq!(
        calls[1].header("authorization"),
        Some(fixtures::FIRST_REFRESHED_ACCESS_TOKEN)
    );
    assert_eq!(
        read(data.path(), "accessToken"),
        fixtures::FIRST_REFRESHED_ACCESS_TOKEN
    );
    assert_eq!(
        read(data.path(), "refreshToken"),
        fixtures::FIRST_REFRESHED_REFRESH_TOKEN
    );

    // A new engine on the same data dir uses the refreshed token, although the request still
    // carries the original one.
    let (_, _, _keep) = engine.stop().await;
    sim.clear_requests();
    let restarted = engine_on(data.path()).await;
    let response = restarted.post_json(PROXY, &seed_request(&sim.url())).await;
    assert_eq!(response.status(), 200);
    let calls = sim.requests();
    assert_eq!(calls.len(), 1, "no second refresh: {calls:?}");
    assert_eq!(
        calls[0].header("authorization"),
        Some(fixtures::FIRST_REFRESHED_ACCESS_TOKEN)
    );
    assert_eq!(sim.refresh_calls(), 1);
}

#[tokio::test]
async fn concurrent_requests_share_one_refresh() {
    let sim = Simulator::start().await.unwrap();
    let data = tempfile::tempdir().unwrap();
    seed_cache(data.path(), 0);
    let engine = engine_on(data.path()).await;
    let body = request_with_interval(&sim.url(), 60_000);
    let requests = (0..25).map(|_| engine.post_json(PROXY, &body));
    let responses = futures::future::join_all(requests).await;
    for response in responses {
        assert_eq!(response.status(), 200);
    }
    assert_eq!(sim.refresh_calls(), 1);
    let used = tokens_used(&sim);
    assert_eq!(used.len(), 25);
    assert!(
        used.iter()
            .all(|t| t == fixtures::FIRST_REFRESHED_ACCESS_TOKEN),
        "{used:?}"
    );
}

#[tokio::test]
async fn a_failed_refresh_is_a_clear_error_and_keeps_the_cache() {
    let sim = Simulator::start().await.unwrap();
    sim.fail_token_endpoint(Some((
        401,
        r#"{"error":"invalid_client","error_description":"bad client"}"#.into(),
    )));
    let data = tempfile::tempdir().unwrap();
    seed_cache(data.path(), 1000);
    let engine = engine_on(data.path()).await;
    let response = engine
        .post_json(PROXY, &request_with_interval(&sim.url(), 60_000))
        .await;
    let (status, json) = status_and_json(response).await;
    assert_eq!(status, 502);
    assert_eq!(json["error"], "GoToWebinar token refresh failed");
    let detail = json["detail"].as_str().unwrap();
    assert!(
        detail.contains("401") && detail.contains("invalid_client"),
        "{detail}"
    );
    assert_eq!(read(data.path(), "accessToken"), fixtures::ACCESS_TOKEN);
    assert_eq!(read(data.path(), "time"), "1000");
    assert_eq!(
        sim.requests().len(),
        1,
        "no API call after a failed refresh"
    );

    // The engine keeps serving: once the token endpoint recovers, the refresh goes through.
    sim.fail_token_endpoint(None);
    let response = engine
        .post_json(PROXY, &request_with_interval(&sim.url(), 60_000))
        .await;
    assert_eq!(response.status(), 200);
}
