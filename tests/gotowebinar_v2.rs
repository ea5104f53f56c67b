//! GoToWebinar REST v2 end to end: the shipped `proxies/gotowebinar.xml` with
//! `apiVersion: v2`, against the simulator's v2 API. Each case checks the exact upstream
//! request (method, path below `/G2W/rest/v2`, query, `Authorization: Bearer`) and that the
//! client gets what the simulator answered; then paging with `page`/`size` and `allPages`.
//! Token lifecycle, organizer key, and rate limits are in `gotowebinar_v2_tokens.rs`.

mod common;

use common::gotowebinar::{call, engine, fill, json, relayed};
use gotowebinar_simulator::Simulator;
use gotowebinar_simulator::fixtures::{ACCESS_TOKEN, ORGANIZER_KEY, REGISTRANT_KEY};
use serde_json::Value;

const SESSION: &str = r#"{"webinarKey":"{w}","sessionKey":"{s}"}"#;
const TIMES: &str = r#"{"fromTime":"2015-01-01T00:00:00Z","toTime":"2016-01-01T00:00:00Z"}"#;
const TIMES_QUERY: &str = "fromTime=2015-01-01T00:00:00Z&toTime=2016-01-01T00:00:00Z";
/// A range holding every fixture webinar (2015 to 2030).
const ALL_TIMES: &str = r#"{"fromTime":"2015-01-01T00:00:00Z","toTime":"2031-01-01T00:00:00Z"}"#;

/// `fields` (a [`json`] template) with `apiVersion: v2`.
fn v2(fields: &str) -> Value {
    let mut fields = json(fields);
    fields["apiVersion"] = "v2".into();
    fields
}

/// One v2 case: `(action, request fields, path below the organizer, query)`.
type V2Case = (
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
);

/// Checks one v2 call's single upstream request and its relayed answer; returns the body.
async fn check_v2(
    engine: &common::TestEngine,
    (action, fields, path, query): V2Case,
    method: &str,
) -> Value {
    let (sent, status, _, body) = relayed(engine, action, &v2(fields)).await;
    assert_eq!(sent.method, method, "{action}");
    let expected = format!("/G2W/rest/v2/organizers/{ORGANIZER_KEY}{}", fill(path));
    assert_eq!(sent.path, expected, "{action}");
    assert_eq!(sent.query.as_deref(), query, "{action}");
    let bearer = format!("Bearer {ACCESS_TOKEN}");
    assert_eq!(
        sent.header("authorization"),
        Some(bearer.as_str()),
        "{action}"
    );
    let text = String::from_utf8_lossy(&body);
    assert!((200..300).contains(&status), "{action}: {status} {text}");
    serde_json::from_slice(&body).unwrap_or(Value::Null)
}

#[tokio::test]
async fn every_session_operation_in_v2() {
    let engine = engine().await;
    let cases: [V2Case; 8] = [
        (
            "listSessions",
            r#"{"webinarKey":"{w}"}"#,
            "/webinars/{w}/sessions",
            None,
        ),
        (
            "getSessionById",
            SESSION,
            "/webinars/{w}/sessions/{s}",
            None,
        ),
        (
            "listSessionAttendees",
            SESSION,
            "/webinars/{w}/sessions/{s}/attendees",
            None,
        ),
        (
            "getOrganizerSessions",
            TIMES,
            "/sessions",
            Some(TIMES_QUERY),
        ),
        (
            "getSessionPerformance",
            SESSION,
            "/webinars/{w}/sessions/{s}/performance",
            None,
        ),
        (
            "getSessionPolls",
            SESSION,
            "/webinars/{w}/sessions/{s}/polls",
            None,
        ),
        (
            "getSessionQuestions",
            SESSION,
            "/webinars/{w}/sessions/{s}/questions",
            None,
        ),
        (
            "getSessionSurveys",
            SESSION,
            "/webinars/{w}/sessions/{s}/surveys",
            None,
        ),
    ];
    for case in cases {
        let body = check_v2(&engine, case, "GET").await;
        if matches!(case.0, "listSessions" | "getOrganizerSessions") {
            // Two sessions of the webinar; three of the organizer in 2015.
            let count = if case.0 == "listSessions" { 2 } else { 3 };
            let sessions = &body["_embedded"]["sessionInfoResources"];
            assert_eq!(
                sessions.as_array().map(Vec::len),
                Some(count),
                "{}: {body}",
                case.0
            );
            assert_eq!(body["page"]["totalElements"], count, "{}", case.0);
        } else {
            assert!(body.is_array() || body.is_object(), "{}: {body}", case.0);
        }
    }
}

#[tokio::test]
async fn the_other_lists_and_create_registrant_use_their_v2_forms() {
    let engine = engine().await;
    let historical: V2Case = (
        "listHistoricalWebinars",
        TIMES,
        "/webinars",
        Some(TIMES_QUERY),
    );
    let body = check_v2(&engine, historical, "GET").await;
    assert!(body["_embedded"]["webinars"].is_array(), "{body}");
    let all: V2Case = ("getAllWebinars", ALL_TIMES, "/webinars", None);
    let (sent, status, _, _) = relayed(&engine, all.0, &v2(all.1)).await;
    assert_eq!((status, sent.path.ends_with("/webinars")), (200, true));
    let query = "fromTime=2015-01-01T00:00:00Z&toTime=2031-01-01T00:00:00Z";
    assert_eq!(sent.query.as_deref(), Some(query));
    let attendees: V2Case = (
        "getAttendeesForAllWebinarSessions",
        r#"{"webinarKey":"{w}","page":"0","size":"2"}"#,
        "/webinars/{w}/attendees",
        Some("page=0&size=2"),
    );
    let body = check_v2(&engine, attendees, "GET").await;
    assert!(body["_embedded"]["attendeeParticipationResponses"].is_array());
    let registrants: V2Case = (
        "listRegistrants",
        r#"{"webinarKey":"{w}","page":"0","size":"1"}"#,
        "/webinars/{w}/registrants",
        Some("page=0&limit=1"),
    );
    let body = check_v2(&engine, registrants, "GET").await;
    assert_eq!(body["data"].as_array().map(Vec::len), Some(1), "{body}");
    let unpaged: V2Case = (
        "listRegistrants",
        r#"{"webinarKey":"{w}"}"#,
        "/webinars/{w}/registrants",
        None,
    );
    assert!(
        check_v2(&engine, unpaged, "GET").await.is_array(),
        "bare array without paging"
    );
    for (action, fields, path) in [
        ("getWebinarById", r#"{"webinarKey":"{w}"}"#, "/webinars/{w}"),
        (
            "getRegistrantById",
            r#"{"webinarKey":"{w}","registrantKey":"{r}"}"#,
            "/webinars/{w}/registrants/{r}",
        ),
        (
            "listCOOrganizers",
            r#"{"webinarKey":"{w}"}"#,
            "/webinars/{w}/coorganizers",
        ),
        (
            "getWebinarPanelists",
            r#"{"webinarKey":"{w}"}"#,
            "/webinars/{w}/panelists",
        ),
    ] {
        check_v2(&engine, (action, fields, path, None), "GET").await;
    }

    // createRegistrant: `Accept: application/json` (all fields in v2) and v2's query name.
    let fields = r#"{"webinarKey":"{u}","firstName":"Ada","lastName":"Lovelace",
        "email":"ada@example.com","organization":"Engines","resendConfirmation":"true"}"#;
    let create: V2Case = (
        "createRegistrant",
        fields,
        "/webinars/{u}/registrants",
        Some("resendConfirmation=true"),
    );
    let (sent, status, _, _) = relayed(&engine, create.0, &v2(create.1)).await;
    assert_eq!(status, 201);
    assert_eq!(sent.query.as_deref(), create.3);
    assert_eq!(sent.header("accept"), Some("application/json"));
    assert_eq!(sent.body_json().unwrap()["organization"], "Engines");
}

#[tokio::test]
async fn upcoming_webinars_become_a_range_from_now() {
    let engine = engine().await;
    let (sent, status, _, body) = relayed(&engine, "listUpcomingWebinars", &v2("{}")).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert_eq!(
        sent.path,
        format!("/G2W/rest/v2/organizers/{ORGANIZER_KEY}/webinars")
    );
    let query = sent.query.unwrap();
    let (from, to) = query
        .strip_prefix("fromTime=")
        .and_then(|q| q.split_once("&toTime="))
        .unwrap_or_else(|| panic!("{query}"));
    let year = |t: &str| t[..4].parse::<i32>().unwrap();
    assert_eq!(year(to) - year(from), 1, "{query}");
    assert_eq!(
        (from.len(), &from[10..11], &from[19..]),
        (20, "T", "Z"),
        "{query}"
    );
}

#[tokio::test]
async fn page_and_size_are_sent_and_the_wrapper_relayed_as_it_is() {
    let engine = engine().await;
    let fields = r#"{"webinarKey":"{w}","page":"1","size":"1"}"#;
    let case: V2Case = (
        "listSessions",
        fields,
        "/webinars/{w}/sessions",
        Some("page=1&size=1"),
    );
    let body = check_v2(&engine, case, "GET").await;
    assert_eq!(
        body["page"],
        json(r#"{"size":1,"totalElements":2,"totalPages":2,"number":1}"#)
    );
    assert_eq!(
        body["_embedded"]["sessionInfoResources"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    let sim = Simulator::start().await.unwrap();
    let bad = v2(r#"{"webinarKey":"{w}","page":"-1"}"#);
    let (status, _, body) = call(&engine, &sim, "listSessions", &bad).await;
    assert_eq!(status, 400, "{}", String::from_utf8_lossy(&body));
    assert!(sim.requests().is_empty(), "nothing sent for a bad page");
}

#[tokio::test]
async fn all_pages_follows_every_page_into_one_wrapper() {
    let engine = engine().await;
    let sim = Simulator::start().await.unwrap();
    let fields = v2(r#"{"webinarKey":"{w}","size":"1","allPages":"true"}"#);
    let (status, _, body) = call(&engine, &sim, "listSessions", &fields).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let queries: Vec<_> = sim.requests().into_iter().map(|r| r.query).collect();
    assert_eq!(
        queries,
        [Some("page=0&size=1".into()), Some("page=1&size=1".into())]
    );
    let merged: Value = serde_json::from_slice(&body).unwrap();
    let keys: Vec<String> = merged["_embedded"]["sessionInfoResources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["sessionKey"].to_string())
        .collect();
    assert_eq!(keys, [fill("{s}"), "6571792".to_string()]);
    assert_eq!(
        merged["page"],
        json(r#"{"size":2,"totalElements":2,"totalPages":1,"number":0}"#)
    );

    // Webinars in a range, default size (one page), and registrants in the data wrapper.
    sim.clear_requests();
    let mut fields = v2(ALL_TIMES);
    fields["allPages"] = "true".into();
    let (status, _, body) = call(&engine, &sim, "getAllWebinars", &fields).await;
    assert_eq!(status, 200);
    let merged: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        merged["_embedded"]["webinars"].as_array().map(Vec::len),
        Some(3)
    );
    assert_eq!(
        sim.requests()[0]
            .query
            .as_deref()
            .map(|q| q.ends_with("&page=0&size=200")),
        Some(true)
    );
    sim.clear_requests();
    let fields = v2(r#"{"webinarKey":"{w}","size":"1","allPages":"true"}"#);
    let (_, _, body) = call(&engine, &sim, "listRegistrants", &fields).await;
    let merged: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(merged["total"], 2, "{merged}");
    assert_eq!(
        merged["data"][0]["registrantKey"].to_string(),
        REGISTRANT_KEY
    );
    assert_eq!(sim.requests().len(), 2);
}
