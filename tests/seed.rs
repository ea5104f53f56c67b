//! The seed: the GoToWebinar sessions sample proxy, byte for byte, and all eight session
//! operations, end to end against the in-process GoToWebinar simulator.

mod common;

use common::{TestEngine, fixture, proxies_dir, seed_request};
use gotowebinar_simulator::{Simulator, fixtures};

const ORGANIZER_BASE: &str = "/G2W/rest/organizers/3697511743350317068";

/// What the simulator answers when asked directly, to compare with what the client got.
async fn direct(sim: &Simulator, path_and_query: &str) -> (u16, bytes::Bytes) {
    let response = reqwest::Client::new()
        .get(format!("{}{path_and_query}", sim.url()))
        .header("Authorization", fixtures::ACCESS_TOKEN)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.bytes().await.unwrap())
}

#[test]
fn the_proxies_folder_holds_the_seed_sample_unchanged() {
    let shipped = std::fs::read(proxies_dir().join("gotowebinar_getSessionById.xml")).unwrap();
    assert_eq!(
        shipped,
        fixture("seed/gotowebinar_getSessionById.xml").as_bytes()
    );
}

#[tokio::test]
async fn the_seed_sample_proxy_runs_byte_for_byte() {
    let sim = Simulator::start().await.unwrap();
    let seed_proxy = fixture("seed/gotowebinar_getSessionById.xml");
    let engine = TestEngine::start(&[("gotowebinar_getSessionById.xml", &seed_proxy)]).await;

    let response = engine
        .post_json(
            "/services/gotowebinar_getSessionById",
            &seed_request(&sim.url()),
        )
        .await;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.bytes().await.unwrap();

    let upstream = sim.requests();
    assert_eq!(upstream.len(), 1, "exactly one upstream call: {upstream:?}");
    let call = &upstream[0];
    assert_eq!(call.method, "GET");
    assert_eq!(
        call.path,
        format!("{ORGANIZER_BASE}/webinars/6487648931392511233/sessions/2167614")
    );
    assert_eq!(call.query, None);
    assert_eq!(
        call.header("authorization"),
        Some("UEGGrwswKRwB07lTOr0EoppdaxKo")
    );
    assert_eq!(call.header("content-type"), Some("application/json"));
    assert_eq!(call.header("accept-encoding"), None);
    assert!(call.body.is_empty(), "a GET carries no body");

    let (direct_status, direct_body) = direct(
        &sim,
        &format!("{ORGANIZER_BASE}/webinars/6487648931392511233/sessions/2167614"),
    )
    .await;
    assert_eq!(status, direct_status);
    assert_eq!(status, 200);
    assert_eq!(
        body, direct_body,
        "the API body reaches the client byte for byte"
    );
    assert!(
        std::str::from_utf8(&body)
            .unwrap()
            .contains("5744207385328738316"),
        "19-digit keys keep every digit"
    );
    assert_eq!(headers["content-type"], "application/json;charset=UTF-8");
    for stripped in [
        "etag",
        "vary",
        "content-language",
        "access-control-allow-origin",
        "access-control-allow-methods",
        "access-control-allow-headers",
        "access-control-max-age",
    ] {
        assert!(
            !headers.contains_key(stripped),
            "{stripped} is removed as the templates do"
        );
    }
}

/// (proxy, request fields beyond the credentials, upstream path below the organizer, query)
const SESSION_OPERATIONS: [(&str, &str, &str, Option<&str>); 8] = [
    (
        "getSessionById",
        r#""webinarKey":"6487648931392511233","sessionKey":"2167614""#,
        "/webinars/6487648931392511233/sessions/2167614",
        None,
    ),
    (
        "listSessionAttendees",
        r#""webinarKey":"6487648931392511233","sessionKey":"2167614""#,
        "/webinars/6487648931392511233/sessions/2167614/attendees",
        None,
    ),
    (
        "listSessions",
        r#""webinarKey":"6487648931392511233""#,
        "/webinars/6487648931392511233/sessions",
        None,
    ),
    (
        "getOrganizerSessions",
        r#""fromTime":"2015-05-09T16:45:58Z","toTime":"2016-05-09T16:45:58Z""#,
        "/sessions",
        Some("fromTime=2015-05-09T16:45:58Z&toTime=2016-05-09T16:45:58Z"),
    ),
    (
        "getSessionPerformance",
        r#""webinarKey":"2458336850084791299","sessionKey":"6571792""#,
        "/webinars/2458336850084791299/sessions/6571792/performance",
        None,
    ),
    (
        "getSessionPolls",
        r#""webinarKey":"6487648931392511233","sessionKey":"6571792""#,
        "/webinars/6487648931392511233/sessions/6571792/polls",
        None,
    ),
    (
        "getSessionQuestions",
        r#""webinarKey":"6487648931392511233","sessionKey":"6571792""#,
        "/webinars/6487648931392511233/sessions/6571792/questions",
        None,
    ),
    (
        "getSessionSurveys",
        r#""webinarKey":"6487648931392511233","sessionKey":"6571792""#,
        "/webinars/6487648931392511233/sessions/6571792/surveys",
        None,
    ),
];

fn request(api_url: &str, fields: &str) -> String {
    format!(
        r#"{{"apiUrl":"{api_url}","accessToken":"UEGGrwswKRwB07lTOr0EoppdaxKo","organizerKey":"3697511743350317068",
            "clientId":"IJfcaqp3xC034WXD1GGlstejnJS41huo","refreshToken":"MDAKxJTJ3cAdhuzavhtOFNAmV5N0m7gm",{fields}}}"#
    )
}

#[tokio::test]
async fn every_session_operation_works_through_the_shipped_proxies() {
    let sim = Simulator::start().await.unwrap();
    let engine = TestEngine::start_with(common::Options {
        deploy_dir: Some(proxies_dir()),
        ..Default::default()
    })
    .await;
    for (operation, fields, path, query) in SESSION_OPERATIONS {
        sim.clear_requests();
        let response = engine
            .post_json(
                &format!("/services/gotowebinar_{operation}"),
                &request(&sim.url(), fields),
            )
            .await;
        let status = response.status().as_u16();
        let body = response.bytes().await.unwrap();
        let upstream = sim.requests();
        assert_eq!(upstream.len(), 1, "{operation}: {upstream:?}");
        let call = &upstream[0];
        assert_eq!(call.method, "GET", "{operation}");
        assert_eq!(call.path, format!("{ORGANIZER_BASE}{path}"), "{operation}");
        assert_eq!(call.query.as_deref(), query, "{operation}");
        assert_eq!(
            call.header("authorization"),
            Some(fixtures::ACCESS_TOKEN),
            "{operation}"
        );

        let target = match query {
            Some(q) => format!("{ORGANIZER_BASE}{path}?{q}"),
            None => format!("{ORGANIZER_BASE}{path}"),
        };
        let (direct_status, direct_body) = direct(&sim, &target).await;
        assert_eq!(
            (status, &body),
            (direct_status, &direct_body),
            "{operation}"
        );
        assert_eq!(
            status,
            200,
            "{operation}: {}",
            String::from_utf8_lossy(&body)
        );
    }
}

#[tokio::test]
async fn api_errors_pass_through_with_their_status_and_body() {
    let sim = Simulator::start().await.unwrap();
    let engine = TestEngine::start_with(common::Options {
        deploy_dir: Some(proxies_dir()),
        ..Default::default()
    })
    .await;
    let body = request(
        &sim.url(),
        r#""webinarKey":"6487648931392511233","sessionKey":"INVALID""#,
    );
    let response = engine
        .post_json("/services/gotowebinar_getSessionPerformance", &body)
        .await;
    let (status, json) = common::status_and_json(response).await;
    assert_eq!(status, 400);
    assert_eq!(json["errorCode"], "InvalidRequest");
    assert!(json["description"].as_str().is_some());
}

#[tokio::test]
async fn a_missing_required_parameter_is_a_400_and_nothing_is_sent() {
    let sim = Simulator::start().await.unwrap();
    let engine = TestEngine::start_with(common::Options {
        deploy_dir: Some(proxies_dir()),
        ..Default::default()
    })
    .await;
    let body = request(&sim.url(), r#""webinarKey":"6487648931392511233""#); // no sessionKey
    let response = engine
        .post_json("/services/gotowebinar_getSessionById", &body)
        .await;
    let (status, json) = common::status_and_json(response).await;
    assert_eq!(status, 400);
    assert_eq!(
        json["error"],
        "missing required parameter `sessionKey` of operation `getSessionById`"
    );
    assert!(
        sim.requests().is_empty(),
        "no upstream call: {:?}",
        sim.requests()
    );
}
