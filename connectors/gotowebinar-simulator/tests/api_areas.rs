//! Starts the simulator and makes good calls (and a few bad ones) in every API area:
//! sessions, attendees, registrants, webinars, panelists and co-organizers.

mod common;

use common::*;
use gotowebinar_simulator::Simulator;
use gotowebinar_simulator::fixtures::*;
use reqwest::Method;
use serde_json::Value;

#[tokio::test]
async fn sessions_answer_with_exact_keys_and_cors_headers() {
    let sim = Simulator::start().await.expect("start");
    let sessions = get(&sim, &api(&format!("/webinars/{WEBINAR_KEY}/sessions"))).await;
    assert_eq!(sessions.status, 200);
    assert_eq!(
        sessions.header("content-type"),
        Some("application/json;charset=UTF-8")
    );
    for name in [
        "access-control-allow-origin",
        "access-control-allow-headers",
        "access-control-allow-methods",
        "access-control-max-age",
        "vary",
        "etag",
        "content-language",
    ] {
        assert!(sessions.header(name).is_some(), "missing {name}");
    }
    // The 19-digit key is a JSON number with every digit intact.
    assert!(
        sessions
            .body
            .contains(&format!("\"webinarKey\":{WEBINAR_KEY}"))
    );
    assert_eq!(sessions.json()[0]["sessionKey"].to_string(), SESSION_KEY);

    let by_id = get(
        &sim,
        &api(&format!("/webinars/{WEBINAR_KEY}/sessions/{SESSION_KEY}")),
    )
    .await;
    assert_eq!(by_id.status, 200);
    assert_eq!(by_id.json()[0]["registrantKey"].to_string(), REGISTRANT_KEY);

    let perf = get(
        &sim,
        &api(&format!(
            "/webinars/{SECOND_WEBINAR_KEY}/sessions/{SECOND_SESSION_KEY}/performance"
        )),
    )
    .await;
    assert_eq!(
        perf.json()["attendance"]["registrantCount"].to_string(),
        "2"
    );
    for part in ["attendees", "polls", "questions", "surveys"] {
        let answer = get(
            &sim,
            &api(&format!(
                "/webinars/{WEBINAR_KEY}/sessions/{SECOND_SESSION_KEY}/{part}"
            )),
        )
        .await;
        assert_eq!(answer.status, 200, "{part}");
        assert!(
            answer.json().as_array().is_some_and(|a| !a.is_empty()),
            "{part}"
        );
    }

    let organizer = get(
        &sim,
        &api("/sessions?fromTime=2015-05-09T16%3A45%3A58Z&toTime=2016-05-09T16:45:58Z"),
    )
    .await;
    assert_eq!(organizer.json().as_array().map(Vec::len), Some(3));
    let missing = get(&sim, &api("/sessions?fromTime=2015-05-09T16:45:58Z")).await;
    assert_error(&missing, 400, "InvalidRequest");
}

#[tokio::test]
async fn attendees_answer_per_registrant() {
    let sim = Simulator::start().await.expect("start");
    let base = format!("/webinars/{WEBINAR_KEY}/sessions/{SESSION_KEY}/attendees/{REGISTRANT_KEY}");
    let registrant = get(&sim, &api(&base)).await;
    assert_eq!(registrant.status, 200);
    assert_eq!(registrant.json()["email"], REGISTERED_EMAIL);
    let polls = get(&sim, &api(&format!("{base}/polls"))).await;
    assert_eq!(polls.json()[0]["answer"], "Email newsletter");
    let questions = get(&sim, &api(&format!("{base}/questions"))).await;
    assert_eq!(questions.json()[0]["askedBy"], REGISTERED_EMAIL);
    let surveys = get(&sim, &api(&format!("{base}/surveys"))).await;
    assert_eq!(surveys.status, 200);
    let stranger = get(
        &sim,
        &api(&format!(
            "/webinars/{WEBINAR_KEY}/sessions/{SESSION_KEY}/attendees/1"
        )),
    )
    .await;
    assert_error(&stranger, 404, "NotFound");
}

#[tokio::test]
async fn registrants_can_be_created_found_and_deleted() {
    let sim = Simulator::start().await.expect("start");
    let path = api(&format!("/webinars/{UPCOMING_WEBINAR_KEY}/registrants"));
    let response = client()
        .post(format!("{}{path}", sim.url()))
        .header("Authorization", ACCESS_TOKEN)
        .header("Accept", "application/vnd.citrix.g2wapi-v1.1+json")
        .header("Content-Type", "application/json")
        .body(r#"{"firstName":"Ada","lastName":"Byron","email":"ada@example.net","organization":"Analytical","roleInPurchaseProcess":"Evaluator"}"#)
        .send()
        .await
        .expect("response");
    assert_eq!(response.status(), 201);
    let created: Value = serde_json::from_str(&response.text().await.expect("body")).expect("json");
    let key = created["registrantKey"].to_string();
    assert_eq!(key.len(), 19);
    assert!(
        created["joinUrl"]
            .as_str()
            .is_some_and(|u| u.ends_with(&key))
    );

    let detailed = get(&sim, &format!("{path}/{key}")).await;
    assert_eq!(detailed.json()["organization"], "Analytical");
    assert_eq!(detailed.json()["purchasingRole"], "Evaluator");

    let again = call(
        &sim,
        Method::POST,
        &path,
        Some(r#"{"firstName":"A","lastName":"B","email":"ADA@example.net"}"#),
    )
    .await;
    assert_error(&again, 409, "DuplicateRegistrant");
    assert_eq!(
        again.json()["description"],
        "The user is already registered."
    );
    let fixture = call(
        &sim,
        Method::POST,
        &path,
        Some(&format!(
            r#"{{"firstName":"J","lastName":"D","email":"{REGISTERED_EMAIL}"}}"#
        )),
    )
    .await;
    assert_eq!(fixture.json()["registrantKey"].to_string(), REGISTRANT_KEY);
    let bad_email = call(
        &sim,
        Method::POST,
        &path,
        Some(r#"{"firstName":"A","lastName":"B","email":"INVALID"}"#),
    )
    .await;
    assert_error(&bad_email, 400, "InvalidRequest");

    assert_eq!(
        get(&sim, &path).await.json().as_array().map(Vec::len),
        Some(3)
    );
    assert_eq!(
        get(&sim, &format!("{path}/fields")).await.json()["fields"][0]["field"],
        "firstName"
    );
    let deleted = call(&sim, Method::DELETE, &format!("{path}/{key}"), None).await;
    assert_eq!((deleted.status, deleted.body.as_str()), (204, ""));
    assert_error(&get(&sim, &format!("{path}/{key}")).await, 404, "NotFound");
    // Fixture registrants are permanent.
    assert_eq!(
        call(
            &sim,
            Method::DELETE,
            &format!("{path}/{REGISTRANT_KEY}"),
            None
        )
        .await
        .status,
        204
    );
    assert_eq!(
        get(&sim, &format!("{path}/{REGISTRANT_KEY}")).await.status,
        200
    );
    assert_error(
        &call(&sim, Method::DELETE, &format!("{path}/INVALID"), None).await,
        400,
        "InvalidRequest",
    );
}

#[tokio::test]
async fn webinars_cover_lists_create_update_and_audio() {
    let sim = Simulator::start().await.expect("start");
    let upcoming = get(&sim, &api("/upcomingWebinars")).await;
    assert_eq!(
        upcoming.json()[0]["webinarKey"].to_string(),
        UPCOMING_WEBINAR_KEY
    );
    let historical = get(
        &sim,
        &api("/historicalWebinars?fromTime=2015-01-01T00:00:00Z&toTime=2016-01-01T00:00:00Z"),
    )
    .await;
    assert_eq!(historical.json().as_array().map(Vec::len), Some(2));
    assert_error(
        &get(
            &sim,
            &api("/historicalWebinars?fromTime=2015-01-01T00:00:00Z&toTime=INVALID"),
        )
        .await,
        400,
        "InvalidRequest",
    );
    assert_eq!(get(&sim, &api("/webinars")).await.status, 200);
    let one = get(&sim, &api(&format!("/webinars/{WEBINAR_KEY}"))).await;
    assert_eq!(
        one.json()["numberOfRegistrationLinkClicks"].to_string(),
        "0"
    );

    let created = call(&sim, Method::POST, &api("/webinars"), Some(r#"{"subject":"New","times":[{"startTime":"2031-01-01T10:00:00Z","endTime":"2031-01-01T11:00:00Z"}]}"#)).await;
    assert_eq!(created.status, 201);
    let key = created.json()["webinarKey"]
        .as_str()
        .expect("string key")
        .to_string();
    assert_eq!(
        get(&sim, &api(&format!("/webinars/{key}"))).await.json()["subject"],
        "New"
    );
    let no_end = call(
        &sim,
        Method::POST,
        &api("/webinars"),
        Some(r#"{"subject":"New","times":[{"startTime":"2031-01-01T10:00:00Z","endTime":""}]}"#),
    )
    .await;
    assert_error(&no_end, 400, "InvalidRequest");

    let updated = call(
        &sim,
        Method::PUT,
        &api(&format!("/webinars/{key}?notifyParticipants=true")),
        Some(r#"{"subject":"Renamed"}"#),
    )
    .await;
    assert_eq!((updated.status, updated.body.as_str()), (202, ""));
    let audio = call(
        &sim,
        Method::POST,
        &api(&format!("/webinars/{key}/audio")),
        Some(r#"{"type":"PSTN","pstnInfo":{"tollFreeCountries":["US"],"tollCountries":["GB"]}}"#),
    )
    .await;
    assert_eq!(audio.status, 204);
    assert_error(
        &call(
            &sim,
            Method::POST,
            &api("/webinars/1/audio"),
            Some(r#"{"type":"VOIP"}"#),
        )
        .await,
        404,
        "NotFound",
    );
    assert_eq!(
        get(&sim, &api(&format!("/webinars/{key}/audio")))
            .await
            .json()["type"],
        "Hybrid"
    );
    assert_eq!(
        get(&sim, &api(&format!("/webinars/{key}/meetingtimes")))
            .await
            .json()[0]["endTime"],
        "2031-01-01T11:00:00Z"
    );

    let cancelled = call(
        &sim,
        Method::DELETE,
        &api(&format!("/webinars/{key}?sendCancellationEmails=true")),
        None,
    )
    .await;
    assert_eq!(cancelled.status, 204);
    assert_error(
        &get(&sim, &api(&format!("/webinars/{key}"))).await,
        404,
        "NotFound",
    );

    let performance = get(&sim, &api(&format!("/webinars/{WEBINAR_KEY}/performance"))).await;
    assert!(performance.json().get(SESSION_KEY).is_some());
    let attendees = get(&sim, &api(&format!("/webinars/{WEBINAR_KEY}/attendees"))).await;
    assert_eq!(attendees.json().as_array().map(Vec::len), Some(3));
}

#[tokio::test]
async fn panelists_and_coorganizers() {
    let sim = Simulator::start().await.expect("start");
    let base = api(&format!("/webinars/{UPCOMING_WEBINAR_KEY}"));
    let panelists = get(&sim, &format!("{base}/panelists")).await;
    assert_eq!(panelists.json()[0]["panelistId"].to_string(), PANELIST_KEY);
    let created = call(
        &sim,
        Method::POST,
        &format!("{base}/panelists"),
        Some(r#"[{"email":"p@example.com","name":"Pat Doe"}]"#),
    )
    .await;
    assert_eq!(created.status, 201);
    assert!(created.json()[0]["panelistKey"].is_string());

    let list = get(&sim, &format!("{base}/coorganizers")).await;
    assert_eq!(list.json()[0]["memberKey"], COORGANIZER_KEY);
    let external = call(
        &sim,
        Method::POST,
        &format!("{base}/coorganizers"),
        Some(
            r#"[{"external":true,"organizerKey":"","givenName":"Eve","email":"eve@example.com"}]"#,
        ),
    )
    .await;
    assert_eq!(external.status, 201);
    let member = external.json()[0]["memberKey"]
        .as_str()
        .expect("memberKey")
        .to_string();
    let internal = call(
        &sim,
        Method::POST,
        &format!("{base}/coorganizers"),
        Some(&format!(
            r#"[{{"external":false,"organizerKey":"{ORGANIZER_KEY}","givenName":"","email":""}}]"#
        )),
    )
    .await;
    assert_eq!(internal.status, 201);
    let invalid = call(
        &sim,
        Method::POST,
        &format!("{base}/coorganizers"),
        Some(r#"[{"external":true,"organizerKey":"","givenName":"Eve","email":"INVALID"}]"#),
    )
    .await;
    assert_error(&invalid, 400, "InvalidRequest");

    let resend = call(
        &sim,
        Method::POST,
        &format!("{base}/coorganizers/{member}/resendInvitation?external=true"),
        None,
    )
    .await;
    assert_eq!(resend.status, 204);
    let delete = call(
        &sim,
        Method::DELETE,
        &format!("{base}/coorganizers/{member}?external=true"),
        None,
    )
    .await;
    assert_eq!(delete.status, 204);
    assert_error(
        &call(
            &sim,
            Method::DELETE,
            &format!("{base}/coorganizers/{member}?external=true"),
            None,
        )
        .await,
        404,
        "NotFound",
    );
    assert_error(
        &call(
            &sim,
            Method::DELETE,
            &format!("{base}/coorganizers/INVALID?external=true"),
            None,
        )
        .await,
        400,
        "InvalidRequest",
    );
}
