//! The simulator's cross-cutting behaviour over real HTTP: token checks, the refresh flow,
//! forced token failures, error bodies, request recording, latency, malformed input and
//! shutdown.

mod common;

use std::time::{Duration, Instant};

use common::*;
use gotowebinar_simulator::Simulator;
use gotowebinar_simulator::fixtures::*;
use reqwest::Method;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn bad_tokens_get_403_and_are_recorded() {
    let sim = Simulator::start().await.expect("start");
    let path = api(&format!("/webinars/{WEBINAR_KEY}"));
    for token in [None, Some("nope"), Some(&*format!("Bearer {ACCESS_TOKEN}"))] {
        let answer = send(&sim, Method::GET, &path, token, None).await;
        assert_eq!(answer.status, 403);
        assert_eq!(
            answer.body,
            r#"{"int_err_code":"InvalidToken","msg":"Invalid token passed"}"#
        );
    }
    assert_eq!(sim.requests().len(), 3);
    sim.revoke_token(ACCESS_TOKEN);
    assert_eq!(get(&sim, &path).await.status, 403);
    sim.accept_token("other");
    assert_eq!(
        send(&sim, Method::GET, &path, Some("other"), None)
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn refresh_rotates_tokens() {
    let sim = Simulator::start().await.expect("start");
    let refresh = |token: &str| {
        format!(
            "/oauth/access_token?grant_type=refresh_token&client_id={CLIENT_ID}&refresh_token={token}"
        )
    };
    let first = send(&sim, Method::GET, &refresh(REFRESH_TOKEN), None, None).await;
    assert_eq!(first.status, 200);
    let json = first.json();
    assert_eq!(json["access_token"], FIRST_REFRESHED_ACCESS_TOKEN);
    assert_eq!(json["refresh_token"], FIRST_REFRESHED_REFRESH_TOKEN);
    assert_eq!(json["organizer_key"], ORGANIZER_KEY);
    assert_eq!(json["expires_in"].to_string(), "3600");

    let path = api(&format!("/webinars/{WEBINAR_KEY}"));
    assert_eq!(
        send(
            &sim,
            Method::GET,
            &path,
            Some(FIRST_REFRESHED_ACCESS_TOKEN),
            None
        )
        .await
        .status,
        200
    );
    let stale = send(&sim, Method::GET, &refresh(REFRESH_TOKEN), None, None).await;
    assert_eq!(stale.status, 401);
    assert_eq!(stale.json()["error"], "invalid_grant");
    let second = send(
        &sim,
        Method::GET,
        &refresh(FIRST_REFRESHED_REFRESH_TOKEN),
        None,
        None,
    )
    .await;
    assert_eq!(second.json()["access_token"], "SimAccessToken0002");
    assert_eq!(sim.refresh_calls(), 3);
    // The token endpoint itself needs no Authorization header and is recorded too.
    assert!(
        sim.requests()
            .iter()
            .all(|r| r.path == "/oauth/access_token" || r.path == path)
    );
}

#[tokio::test]
async fn token_endpoint_failures_can_be_forced() {
    let sim = Simulator::start().await.expect("start");
    let refresh = format!(
        "/oauth/access_token?grant_type=refresh_token&client_id={CLIENT_ID}&refresh_token={REFRESH_TOKEN}"
    );
    sim.fail_token_endpoint(Some((503, r#"{"error":"temporarily_unavailable"}"#.into())));
    let failed = send(&sim, Method::GET, &refresh, None, None).await;
    assert_eq!(
        (failed.status, failed.body.as_str()),
        (503, r#"{"error":"temporarily_unavailable"}"#)
    );
    sim.fail_token_endpoint(None);
    assert_eq!(
        send(&sim, Method::GET, &refresh, None, None).await.status,
        200
    );
    assert_eq!(sim.refresh_calls(), 2);
}

#[tokio::test]
async fn error_bodies_for_unknown_and_malformed_requests() {
    let sim = Simulator::start().await.expect("start");
    let unknown = get(&sim, &api("/webinars/1234567890123456789")).await;
    assert_error(&unknown, 404, "NotFound");
    assert!(unknown.header("etag").is_none());
    assert_error(
        &get(
            &sim,
            &api(&format!(
                "/webinars/{WEBINAR_KEY}/sessions/INVALID/performance"
            )),
        )
        .await,
        400,
        "InvalidRequest",
    );
    assert_error(
        &get(&sim, "/G2W/rest/organizers/INVALID/webinars").await,
        400,
        "InvalidRequest",
    );
    assert_error(
        &get(&sim, "/G2W/rest/organizers/1/webinars").await,
        403,
        "Forbidden",
    );
    assert_error(&get(&sim, &api("/nothing")).await, 404, "NotFound");
    assert_error(&get(&sim, "/elsewhere").await, 404, "NotFound");
    let wrong_method = call(
        &sim,
        Method::PATCH,
        &api(&format!("/webinars/{WEBINAR_KEY}")),
        None,
    )
    .await;
    assert_error(&wrong_method, 405, "MethodNotAllowed");
    assert_eq!(wrong_method.header("allow"), Some("GET, PUT, DELETE"));
    let account = get(&sim, &format!("/G2W/rest/accounts/{ACCOUNT_KEY}/webinars?fromTime=2015-01-01T00:00:00Z&toTime=2031-01-01T00:00:00Z")).await;
    assert_eq!(account.json()["page"]["totalElements"].to_string(), "3");
}

#[tokio::test]
async fn requests_are_recorded_as_received() {
    let sim = Simulator::start().await.expect("start");
    let path = api(&format!("/webinars/{UPCOMING_WEBINAR_KEY}/panelists"));
    call(
        &sim,
        Method::POST,
        &format!("{path}?x=%20y"),
        Some(r#"[{"email":"p@example.com","name":"P"}]"#),
    )
    .await;
    let recorded = sim.requests();
    let [request] = recorded.as_slice() else {
        panic!("one request expected, got {recorded:?}")
    };
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, path);
    assert_eq!(request.query.as_deref(), Some("x=%20y"));
    assert_eq!(request.header("Authorization"), Some(ACCESS_TOKEN));
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert!(
        request
            .headers
            .iter()
            .all(|(n, _)| n == &n.to_ascii_lowercase())
    );
    assert_eq!(request.body_json().expect("json")[0]["name"], "P");
    sim.clear_requests();
    assert!(sim.requests().is_empty());
}

#[tokio::test]
async fn latency_delays_api_calls_but_not_the_token_endpoint() {
    let sim = Simulator::start().await.expect("start");
    sim.set_latency(Duration::from_millis(400));
    let slow = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_millis(100))
        .build()
        .expect("client");
    let api_call = slow
        .get(format!("{}{}", sim.url(), api("/upcomingWebinars")))
        .header("Authorization", ACCESS_TOKEN)
        .send()
        .await;
    assert!(api_call.is_err_and(|e| e.is_timeout()));
    let token_call = slow
        .get(format!("{}/oauth/access_token?grant_type=refresh_token&client_id={CLIENT_ID}&refresh_token={REFRESH_TOKEN}", sim.url()))
        .send()
        .await
        .expect("token endpoint answers at once");
    assert_eq!(token_call.status(), 200);
    sim.set_latency(Duration::ZERO);
    assert_eq!(get(&sim, &api("/upcomingWebinars")).await.status, 200);
}

#[tokio::test]
async fn malformed_input_never_takes_the_server_down() {
    let sim = Simulator::start().await.expect("start");
    let raw: [&[u8]; 4] = [
        b"GET /G2W/rest/organizers/\xff\xfe/webinars HTTP/1.1\r\nHost: x\r\nAuthorization: \xff\r\n\r\n",
        b"POST /G2W/rest/organizers/3697511743350317068/webinars HTTP/1.1\r\nHost: x\r\nAuthorization: UEGGrwswKRwB07lTOr0EoppdaxKo\r\nContent-Length: 3\r\n\r\n\xff\xfe\xfd",
        b"GARBAGE\r\n\r\n",
        b"GET /G2W/rest/organizers/%FF%00/webinars/%zz HTTP/1.1\r\nHost: x\r\nAuthorization: UEGGrwswKRwB07lTOr0EoppdaxKo\r\n\r\n",
    ];
    for bytes in raw {
        let mut stream = tokio::net::TcpStream::connect(sim.addr())
            .await
            .expect("connect");
        stream.write_all(bytes).await.expect("write");
        let mut buf = [0u8; 64];
        let _ = tokio::time::timeout(Duration::from_secs(2), stream.read(&mut buf)).await;
    }
    let huge = format!("{}?fromTime={}", api("/sessions"), "9".repeat(60_000));
    assert!(get(&sim, &huge).await.status >= 400);
    assert_eq!(get(&sim, &api("/upcomingWebinars")).await.status, 200);
}

#[tokio::test]
async fn dropping_the_simulator_stops_the_server() {
    let sim = Simulator::start().await.expect("start");
    let addr = sim.addr();
    assert_eq!(sim.url(), format!("http://{addr}"));
    drop(sim);
    let deadline = Instant::now() + Duration::from_secs(5);
    while tokio::net::TcpStream::connect(addr).await.is_ok() {
        assert!(Instant::now() < deadline, "still listening on {addr}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
