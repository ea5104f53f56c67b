//! The token lifecycle, the organizer key and the rate limits of GoToWebinar v2 (and the
//! reactive renewal of v1), end to end through the shipped `proxies/gotowebinar.xml`
//! against the simulator's OAuth 2.0 token endpoint and v2 API.

mod common;

use std::time::Duration;

use common::gotowebinar::{call, engine, fill, json};
use gotowebinar_simulator::fixtures::*;
use gotowebinar_simulator::{RecordedRequest, Simulator};
use serde_json::Value;

const SESSION: &str = r#"{"webinarKey":"{w}","sessionKey":"{s}"}"#;

/// v2 with token management: the seed's tokens plus the client secret and the simulator's
/// token endpoint; `extra` (a [`json`] template) overrides.
fn managed(sim: &Simulator, extra: &str) -> Value {
    let mut fields = json(SESSION);
    fields["apiVersion"] = "v2".into();
    fields["clientSecret"] = CLIENT_SECRET.into();
    fields["tokenEndpoint"] = format!("{}/oauth/token", sim.url()).into();
    for (name, value) in json(extra).as_object().unwrap() {
        fields[name] = value.clone();
    }
    fields
}

/// `METHOD path` of each recorded request.
fn lines(requests: &[RecordedRequest]) -> Vec<String> {
    requests
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

/// Checks a token request: POST, Basic client authentication, form body `form`.
fn assert_grant(request: &RecordedRequest, form: &str) {
    assert_eq!(
        (request.method.as_str(), request.path.as_str()),
        ("POST", "/oauth/token")
    );
    // base64("IJfcaqp3xC034WXD1GGlstejnJS41huo:sim-client-secret-2f8c41d7")
    let basic =
        "Basic SUpmY2FxcDN4QzAzNFdYRDFHR2xzdGVqbkpTNDFodW86c2ltLWNsaWVudC1zZWNyZXQtMmY4YzQxZDc=";
    assert_eq!(request.header("authorization"), Some(basic));
    let content_type = request.header("content-type");
    assert_eq!(content_type, Some("application/x-www-form-urlencoded"));
    assert_eq!(String::from_utf8_lossy(&request.body), form);
}

fn bearer(request: &RecordedRequest) -> Option<&str> {
    request.header("authorization")?.strip_prefix("Bearer ")
}

fn api_path() -> String {
    fill("/G2W/rest/v2/organizers/{o}/webinars/{w}/sessions/{s}")
}

#[tokio::test]
async fn an_expired_token_is_refreshed_once_and_the_request_retried_once() {
    let engine = engine().await;
    let sim = Simulator::start().await.unwrap();
    sim.expire_token(ACCESS_TOKEN);
    let (status, _, body) = call(&engine, &sim, "getSessionById", &managed(&sim, "{}")).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let requests = sim.requests();
    let get = format!("GET {}", api_path());
    assert_eq!(
        lines(&requests),
        [get.clone(), "POST /oauth/token".into(), get]
    );
    assert_eq!(bearer(&requests[0]), Some(ACCESS_TOKEN));
    let form = format!("grant_type=refresh_token&refresh_token={REFRESH_TOKEN}");
    assert_grant(&requests[1], &form);
    assert_eq!(bearer(&requests[2]), Some(FIRST_BEARER_TOKEN));
    assert_eq!(sim.token_calls(), 1);

    // The next message uses the renewed token straight away.
    sim.clear_requests();
    let (status, _, _) = call(&engine, &sim, "getSessionById", &managed(&sim, "{}")).await;
    assert_eq!(status, 200);
    let requests = sim.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(bearer(&requests[0]), Some(FIRST_BEARER_TOKEN));
}

#[tokio::test]
async fn a_retry_that_is_rejected_again_reaches_the_client_without_a_second_refresh() {
    let engine = engine().await;
    let sim = Simulator::start().await.unwrap();
    sim.expire_token(ACCESS_TOKEN);
    sim.set_token_ttl(Duration::ZERO); // every issued token is expired at once
    let (status, _, body) = call(&engine, &sim, "getSessionById", &managed(&sim, "{}")).await;
    assert_eq!(status, 403);
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["int_err_code"], "InvalidToken");
    assert_eq!(sim.token_calls(), 1);
    assert_eq!(sim.requests().len(), 3, "{:?}", lines(&sim.requests()));
}

#[tokio::test]
async fn without_a_refresh_token_in_the_answer_the_old_one_is_kept_and_works_again() {
    let engine = engine().await;
    let sim = Simulator::start().await.unwrap();
    sim.omit_refresh_token(true);
    sim.expire_token(ACCESS_TOKEN);
    let (status, _, _) = call(&engine, &sim, "getSessionById", &managed(&sim, "{}")).await;
    assert_eq!(status, 200);
    let stored = engine.data_dir.join(format!(
        "registry/config/connectors/gotowebinar/{ORGANIZER_KEY}"
    ));
    let read = |leaf: &str| std::fs::read_to_string(stored.join(leaf)).unwrap();
    assert_eq!(read("refreshToken"), REFRESH_TOKEN);
    assert_eq!(read("accessToken"), FIRST_BEARER_TOKEN);

    // The first renewed token expires too: the kept refresh token still refreshes.
    sim.expire_token(FIRST_BEARER_TOKEN);
    sim.clear_requests();
    let (status, _, _) = call(&engine, &sim, "getSessionById", &managed(&sim, "{}")).await;
    assert_eq!(status, 200);
    let requests = sim.requests();
    let form = format!("grant_type=refresh_token&refresh_token={REFRESH_TOKEN}");
    assert_grant(&requests[1], &form);
    assert_eq!(bearer(&requests[2]), Some("SimBearer0002"));
    assert_eq!(sim.token_calls(), 2);
}

#[tokio::test]
async fn a_personal_access_token_gets_the_first_token_and_expiry_renews_it_ahead_of_time() {
    let engine = engine().await;
    let sim = Simulator::start().await.unwrap();
    sim.set_token_ttl(Duration::from_secs(2));
    let extra = format!(
        r#"{{"accessToken":"","refreshToken":"","personalAccessToken":"{PERSONAL_ACCESS_TOKEN}"}}"#
    );
    let fields = managed(&sim, &extra);
    let (status, _, _) = call(&engine, &sim, "getSessionById", &fields).await;
    assert_eq!(status, 200);
    let requests = sim.requests();
    assert_eq!(lines(&requests)[0], "POST /oauth/token");
    let form = format!("grant_type=personal_access_token&pat={PERSONAL_ACCESS_TOKEN}");
    assert_grant(&requests[0], &form);
    assert_eq!(bearer(&requests[1]), Some(FIRST_BEARER_TOKEN));

    // expires_in is 2 s; the margin is half of it, so after 1.2 s the token is renewed
    // before the call, and the API never sees the old one again.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    sim.clear_requests();
    let (status, _, _) = call(&engine, &sim, "getSessionById", &fields).await;
    assert_eq!(status, 200);
    let requests = sim.requests();
    assert_eq!(
        lines(&requests),
        [
            "POST /oauth/token".to_string(),
            format!("GET {}", api_path())
        ]
    );
    assert_grant(&requests[0], &form);
    assert_eq!(bearer(&requests[1]), Some("SimBearer0002"));
}

#[tokio::test]
async fn concurrent_requests_with_an_expired_token_share_one_refresh() {
    let engine = engine().await;
    let sim = Simulator::start().await.unwrap();
    // The first message stores the supplied token; then it expires for everyone.
    let (status, _, _) = call(&engine, &sim, "getSessionById", &managed(&sim, "{}")).await;
    assert_eq!(status, 200);
    sim.expire_token(ACCESS_TOKEN);
    let fields = managed(&sim, "{}");
    let calls = (0..20).map(|_| call(&engine, &sim, "getSessionById", &fields));
    let answers = futures::future::join_all(calls).await;
    assert!(answers.iter().all(|(status, _, _)| *status == 200));
    assert_eq!(sim.token_calls(), 1, "{:?}", lines(&sim.requests()));
}

#[tokio::test]
async fn v1_renews_a_rejected_token_through_the_legacy_refresh_once() {
    let engine = engine().await;
    let sim = Simulator::start().await.unwrap();
    sim.revoke_token(ACCESS_TOKEN);
    let (status, _, _) = call(&engine, &sim, "getSessionById", &json(SESSION)).await;
    assert_eq!(status, 200);
    let requests = sim.requests();
    let get = fill("GET /G2W/rest/organizers/{o}/webinars/{w}/sessions/{s}");
    let refresh = "GET /oauth/access_token".to_string();
    assert_eq!(lines(&requests), [get.clone(), refresh, get]);
    let raw = requests[2].header("authorization");
    assert_eq!(raw, Some(FIRST_REFRESHED_ACCESS_TOKEN));
    assert_eq!(sim.refresh_calls(), 1);
}

#[tokio::test]
async fn the_organizer_key_comes_from_me_once_and_is_cached() {
    let engine = engine().await;
    let sim = Simulator::start().await.unwrap();
    let fields = managed(&sim, r#"{"organizerKey":""}"#);
    for round in 0..2 {
        sim.clear_requests();
        let (status, _, body) = call(&engine, &sim, "getSessionById", &fields).await;
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        let requests = sim.requests();
        let mut expected = vec![format!("GET {}", api_path())];
        if round == 0 {
            expected.insert(0, "GET /admin/rest/v1/me".into());
            assert_eq!(bearer(&requests[0]), Some(ACCESS_TOKEN));
        }
        assert_eq!(lines(&requests), expected, "round {round}");
    }
    let cached = engine.data_dir.join(format!(
        "registry/config/connectors/gotowebinar/{CLIENT_ID}/organizerKey"
    ));
    assert_eq!(std::fs::read_to_string(cached).unwrap(), ORGANIZER_KEY);
}

#[tokio::test]
async fn an_expired_token_at_the_organizer_lookup_is_renewed_once() {
    let engine = engine().await;
    let sim = Simulator::start().await.unwrap();
    sim.expire_token(ACCESS_TOKEN);
    let fields = managed(&sim, r#"{"organizerKey":""}"#);
    let (status, _, _) = call(&engine, &sim, "getSessionById", &fields).await;
    assert_eq!(status, 200);
    let me = "GET /admin/rest/v1/me".to_string();
    let expected = [
        me.clone(),
        "POST /oauth/token".into(),
        me,
        format!("GET {}", api_path()),
    ];
    let requests = sim.requests();
    assert_eq!(lines(&requests), expected);
    assert_eq!(bearer(&requests[2]), Some(FIRST_BEARER_TOKEN));

    // Without a way to renew, the rejection is the client's answer, and nothing else is sent.
    sim.clear_requests();
    let mut fields = json(SESSION);
    fields["apiVersion"] = "v2".into();
    fields["organizerKey"] = "".into();
    fields["clientId"] = "".into();
    let (status, _, body) = call(&engine, &sim, "getSessionById", &fields).await;
    assert_eq!(status, 401, "{}", String::from_utf8_lossy(&body));
    assert_eq!(lines(&sim.requests()), ["GET /admin/rest/v1/me"]);
}

#[tokio::test]
async fn a_429_reaches_the_client_with_its_headers() {
    let engine = engine().await;
    let sim = Simulator::start().await.unwrap();
    sim.set_rate_limit(Some(1));
    let fields = managed(&sim, "{}");
    let (first, _, _) = call(&engine, &sim, "getSessionById", &fields).await;
    let (status, headers, body) = call(&engine, &sim, "getSessionById", &fields).await;
    assert_eq!((first, status), (200, 429));
    assert_eq!(headers["retry-after"], "1");
    assert_eq!(headers["x-ratelimit-limit"], "1");
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["errorCode"], "TooManyRequests");
    assert_eq!(sim.token_calls(), 0, "a 429 is not a token problem");
}

#[tokio::test]
async fn the_limiter_queues_a_burst_of_fifty_under_ten_per_second() {
    let engine = engine().await;
    let sim = Simulator::start().await.unwrap();
    sim.set_rate_limit(Some(10));
    // 8 per second leaves room for scheduling jitter under the simulator's 10.
    let fields = managed(&sim, r#"{"rateLimitPerSecond":"8"}"#);
    let calls = (0..50).map(|_| call(&engine, &sim, "getSessionById", &fields));
    let answers = futures::future::join_all(calls).await;
    let statuses: Vec<u16> = answers.iter().map(|(status, _, _)| *status).collect();
    assert!(
        statuses.iter().all(|s| *s == 200),
        "queued, never rejected: {statuses:?}"
    );
    let times: Vec<_> = sim
        .requests_with_times()
        .into_iter()
        .map(|(t, _)| t)
        .collect();
    assert_eq!(times.len(), 50);
    let busiest = (0..times.len())
        .map(|i| {
            times[i..]
                .iter()
                .take_while(|t| t.duration_since(times[i]) < Duration::from_secs(1))
                .count()
        })
        .max()
        .unwrap();
    assert!(busiest <= 10, "{busiest} requests within one second");
    let span = times[49].duration_since(times[0]);
    eprintln!("burst of 50 at 8/s: at most {busiest} in any second, {span:?} from first to last");
    assert!(
        span >= Duration::from_millis(4500),
        "49 gaps of 125 ms take about 6 s: {span:?}"
    );
}
