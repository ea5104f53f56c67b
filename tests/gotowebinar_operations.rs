//! All 36 GoToWebinar operations, end to end: a client request to the shipped
//! `proxies/gotowebinar.xml` (operation chosen by the `Action` header), the exact request
//! the connector sends to the simulator (method, path, query, JSON body, Authorization,
//! Content-Type, Accept), and the answer the client gets, which must be the simulator's.
//! Error cases are in `gotowebinar_errors.rs`; the harness is `common/gotowebinar.rs`.

mod common;

use common::gotowebinar::{Case, check, connector_operations, engine, request};
use common::proxies_dir;
use gotowebinar_simulator::Simulator;

/// Request fields shared by many cases.
const WEBINAR: &str = r#"{"webinarKey":"{w}"}"#;
const SESSION: &str = r#"{"webinarKey":"{w}","sessionKey":"{s}"}"#;
const ATTENDEE: &str = r#"{"webinarKey":"{w}","sessionKey":"{s}","registrantKey":"{r}"}"#;
const TIMES: &str = r#"{"fromTime":"2015-01-01T00:00:00Z","toTime":"2016-01-01T00:00:00Z"}"#;
const TIMES_QUERY: &str = "fromTime=2015-01-01T00:00:00Z&toTime=2016-01-01T00:00:00Z";
const ONE_HOUR: &str = r#"[{"startTime":"2031-03-01T16:00:00Z","endTime":"2031-03-01T17:00:00Z"}]"#;

/// Every operation, with the optional parameters a typical call passes. Values that are
/// JSON numbers, booleans or arrays in the request reach the connector as their JSON text,
/// as `json-eval` gives them.
fn every_operation() -> Vec<Case> {
    let registrant = r#"{"webinarKey":"{u}","firstName":"Ada","lastName":"Lovelace",
        "email":"ada@example.com","organization":"Analytical Engines","jobTitle":"Programmer",
        "city":"","numberOfEmployees":50,"resendConfirmation":"true",
        "responses":[{"questionKey":17023550,"answerKey":17023554}]}"#;
    let registrant_body = r#"{"firstName":"Ada","lastName":"Lovelace","email":"ada@example.com",
        "organization":"Analytical Engines","jobTitle":"Programmer","numberOfEmployees":"50",
        "responses":[{"questionKey":17023550,"answerKey":17023554}]}"#;
    let webinar = r#"{"subject":"Rust for integrators","description":"","timeZone":"Europe/Paris",
        "webinarStartTime":"2031-03-01T16:00:00Z","webinarEndTime":"2031-03-01T17:00:00Z"}"#;
    let webinar_body = format!(
        r#"{{"subject":"Rust for integrators","times":{ONE_HOUR},"timeZone":"Europe/Paris"}}"#
    );
    let update = r#"{"webinarKey":"{u}","notifyParticipants":false,"subject":"Again",
        "webinarStartTime":"2031-03-01T16:00:00Z","webinarEndTime":"2031-03-01T17:00:00Z",
        "locale":"fr_FR","description":"","timeZone":""}"#;
    let update_body = format!(r#"{{"times":{ONE_HOUR},"subject":"Again","locale":"fr_FR"}}"#);
    let audio = r#"{"webinarKey":"{u}","type":"Hybrid","notifyParticipants":true,
        "tollFreeCountries":["US"],"tollCountries":["GB","DE"],"attendee":"not for Hybrid"}"#;
    let audio_body =
        r#"{"type":"Hybrid","pstnInfo":{"tollFreeCountries":["US"],"tollCountries":["GB","DE"]}}"#;
    let panelist = r#"{"webinarKey":"{u}","email":"pat@example.com","name":"Pat Panel"}"#;
    let coorganizer =
        r#"{"webinarKey":"{w}","external":true,"givenName":"Grace","email":"grace@example.com"}"#;
    let coorganizer_body =
        r#"[{"external":true,"organizerKey":"","givenName":"Grace","email":"grace@example.com"}]"#;
    let member = r#"{"webinarKey":"{w}","coorganizerKey":"{c}","external":true}"#;
    let internal = r#"{"webinarKey":"{w}","coorganizerKey":"{i}","external":false}"#;
    let registrant_key = r#"{"webinarKey":"{w}","registrantKey":"{r}"}"#;
    let second_registrant = r#"{"webinarKey":"{w}","registrantKey":"{r2}"}"#;
    vec![
        // Sessions.
        Case::get("listSessions", WEBINAR, "/webinars/{w}/sessions"),
        Case::get("getSessionById", SESSION, "/webinars/{w}/sessions/{s}"),
        Case::get(
            "listSessionAttendees",
            SESSION,
            "/webinars/{w}/sessions/{s}/attendees",
        ),
        Case::get("getOrganizerSessions", TIMES, "/sessions").query(TIMES_QUERY),
        Case::get(
            "getSessionPerformance",
            SESSION,
            "/webinars/{w}/sessions/{s}/performance",
        ),
        Case::get(
            "getSessionPolls",
            SESSION,
            "/webinars/{w}/sessions/{s}/polls",
        ),
        Case::get(
            "getSessionQuestions",
            SESSION,
            "/webinars/{w}/sessions/{s}/questions",
        ),
        Case::get(
            "getSessionSurveys",
            SESSION,
            "/webinars/{w}/sessions/{s}/surveys",
        ),
        // Attendees.
        Case::get(
            "getSessionAttendees",
            SESSION,
            "/webinars/{w}/sessions/{s}/attendees",
        ),
        Case::get(
            "getAttendee",
            ATTENDEE,
            "/webinars/{w}/sessions/{s}/attendees/{r}",
        ),
        Case::get(
            "getAttendeePollAnswers",
            ATTENDEE,
            "/webinars/{w}/sessions/{s}/attendees/{r}/polls",
        ),
        Case::get(
            "getAttendeeQuestions",
            ATTENDEE,
            "/webinars/{w}/sessions/{s}/attendees/{r}/questions",
        ),
        Case::get(
            "getAttendeeSurveyAnswers",
            ATTENDEE,
            "/webinars/{w}/sessions/{s}/attendees/{r}/surveys",
        ),
        // Registrants. 1.0.3 sends resendConfirmation as ?notifyParticipants=.
        Case::new(
            "createRegistrant",
            "POST",
            registrant,
            "/webinars/{u}/registrants",
        )
        .query("notifyParticipants=true")
        .body(registrant_body)
        .status(201),
        Case::get("listRegistrants", WEBINAR, "/webinars/{w}/registrants"),
        Case::get(
            "getRegistrantById",
            registrant_key,
            "/webinars/{w}/registrants/{r}",
        ),
        Case::get(
            "getRegistrationFields",
            WEBINAR,
            "/webinars/{w}/registrants/fields",
        ),
        Case::new(
            "deleteRegistrant",
            "DELETE",
            second_registrant,
            "/webinars/{w}/registrants/{r2}",
        )
        .status(204),
        // Webinars and panelists.
        Case::get("listUpcomingWebinars", "{}", "/upcomingWebinars"),
        Case::get("listHistoricalWebinars", TIMES, "/historicalWebinars").query(TIMES_QUERY),
        Case::get("getWebinarById", WEBINAR, "/webinars/{w}"),
        Case::get("getAllWebinars", "{}", "/webinars"),
        Case::new("createWebinar", "POST", webinar, "/webinars")
            .body(&webinar_body)
            .status(201),
        Case::new(
            "cancelWebinar",
            "DELETE",
            r#"{"webinarKey":"{u}","sendCancellationEmails":true}"#,
            "/webinars/{u}",
        )
        .query("sendCancellationEmails=true")
        .status(204),
        Case::new("updateWebinar", "PUT", update, "/webinars/{u}")
            .query("notifyParticipants=false")
            .body(&update_body)
            .status(202),
        Case::get(
            "getAttendeesForAllWebinarSessions",
            WEBINAR,
            "/webinars/{w}/attendees",
        ),
        Case::get("getAudioInformation", WEBINAR, "/webinars/{w}/audio"),
        Case::new(
            "updateAudioInformation",
            "POST",
            audio,
            "/webinars/{u}/audio",
        )
        .query("notifyParticipants=true")
        .body(audio_body)
        .status(204),
        Case::get(
            "getWebinarMeetingTimes",
            WEBINAR,
            "/webinars/{w}/meetingtimes",
        ),
        Case::get("getWebinarPanelists", WEBINAR, "/webinars/{w}/panelists"),
        Case::new(
            "createPanelists",
            "POST",
            panelist,
            "/webinars/{u}/panelists",
        )
        .body(r#"[{"email":"pat@example.com","name":"Pat Panel"}]"#)
        .status(201),
        Case::get(
            "getPerformanceForAllWebinarSessions",
            WEBINAR,
            "/webinars/{w}/performance",
        ),
        // Co-organizers.
        Case::new(
            "createCOOrganizer",
            "POST",
            coorganizer,
            "/webinars/{w}/coorganizers",
        )
        .body(coorganizer_body)
        .status(201),
        Case::get("listCOOrganizers", WEBINAR, "/webinars/{w}/coorganizers"),
        Case::new(
            "deleteCOOrganizer",
            "DELETE",
            member,
            "/webinars/{w}/coorganizers/{c}",
        )
        .query("external=true")
        .status(204),
        // No body: the client's request (tokens included) is not forwarded.
        Case::new(
            "resendInvitation",
            "POST",
            internal,
            "/webinars/{w}/coorganizers/{i}/resendInvitation",
        )
        .query("external=false")
        .status(204),
    ]
}

#[tokio::test]
async fn every_operation_sends_what_1_0_3_sends_and_relays_the_answer() {
    let cases = every_operation();
    let mut names: Vec<&str> = cases.iter().map(|c| c.action).collect();
    names.sort_unstable();
    assert_eq!(names, connector_operations(), "one case per operation");
    let engine = engine().await;
    for case in &cases {
        check(&engine, case).await;
    }
}

/// The script-built parts (queries, pruned bodies) with other parameters, and
/// createCOOrganizer's `organizerKey`, which goes in the body while the URL keeps init's.
#[tokio::test]
async fn script_built_requests_follow_the_parameters_given() {
    let cases = [
        // The API wants both times: its 400 passes through.
        Case::get(
            "listHistoricalWebinars",
            r#"{"toTime":"2016-01-01T00:00:00Z"}"#,
            "/historicalWebinars",
        )
        .query("toTime=2016-01-01T00:00:00Z")
        .status(400),
        Case::get("listHistoricalWebinars", "{}", "/historicalWebinars").status(400),
        Case::new(
            "cancelWebinar",
            "DELETE",
            r#"{"webinarKey":"{u}"}"#,
            "/webinars/{u}",
        )
        .status(204),
        // One time alone: no times at all.
        Case::new(
            "updateWebinar",
            "PUT",
            r#"{"webinarKey":"{u}","subject":"Only","webinarEndTime":"2031-03-01T17:00:00Z"}"#,
            "/webinars/{u}",
        )
        .body(r#"{"subject":"Only"}"#)
        .status(202),
        // VOIP sends neither part, so the country lists are not even read.
        Case::new(
            "updateAudioInformation",
            "POST",
            r#"{"webinarKey":"{u}","type":"VOIP","tollFreeCountries":"not JSON"}"#,
            "/webinars/{u}/audio",
        )
        .body(r#"{"type":"VOIP"}"#)
        .status(204),
        Case::new(
            "updateAudioInformation",
            "POST",
            r#"{"webinarKey":"{u}","type":"Private","attendee":"1234","tollCountries":["GB"]}"#,
            "/webinars/{u}/audio",
        )
        .body(
            r#"{"type":"Private","privateInfo":{"attendee":"1234","organizer":"","panelist":""}}"#,
        )
        .status(204),
        Case::new(
            "createRegistrant",
            "POST",
            r#"{"webinarKey":"{u}","firstName":"Alan","lastName":"Turing",
                "email":"alan@example.com","resendConfirmation":""}"#,
            "/webinars/{u}/registrants",
        )
        .body(r#"{"firstName":"Alan","lastName":"Turing","email":"alan@example.com"}"#)
        .status(201),
        // 1.0.3 would have sent this one to /organizers/<the co-organizer's key>/...
        Case::new(
            "createCOOrganizer",
            "POST",
            r#"{"webinarKey":"{w}","external":false,"coorganizerKey":"{i}"}"#,
            "/webinars/{w}/coorganizers",
        )
        .body(r#"[{"external":false,"organizerKey":"{i}","givenName":"","email":""}]"#)
        .status(201),
        Case::new(
            "deleteCOOrganizer",
            "DELETE",
            r#"{"webinarKey":"{w}","coorganizerKey":"{c}"}"#,
            "/webinars/{w}/coorganizers/{c}",
        )
        .query("external=")
        .status(204),
    ];
    let engine = engine().await;
    for case in &cases {
        check(&engine, case).await;
    }
}

/// The shipped proxy has one case per operation, and answers anything else with a 400 and
/// an empty body, without calling the API.
#[tokio::test]
async fn the_proxy_dispatches_every_operation_and_answers_400_to_others() {
    let xml = std::fs::read_to_string(proxies_dir().join("gotowebinar.xml")).unwrap();
    let mut cases: Vec<&str> = xml
        .split("<case regex=\"urn:")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .collect();
    cases.sort_unstable();
    assert_eq!(cases, connector_operations());

    let engine = engine().await;
    let sim = Simulator::start().await.unwrap();
    let body = request(&sim, &serde_json::json!({"webinarKey": "1"}));
    for action in ["urn:unknown", "urn:getWebinarByIdX", "getWebinarById", ""] {
        let response = engine
            .post_json_with("/services/gotowebinar", &body, &[("Action", action)])
            .await;
        assert_eq!(response.status(), 400, "{action:?}");
        assert!(response.bytes().await.unwrap().is_empty(), "{action:?}");
    }
    assert!(sim.requests().is_empty(), "{:?}", sim.requests());
}
