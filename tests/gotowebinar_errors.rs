//! GoToWebinar operations that go wrong, end to end through the shipped
//! `proxies/gotowebinar.xml`: API errors pass through unchanged (as WSO2's negative tests
//! expect), and requests the connector cannot build are a 400 naming the parameter, with no
//! upstream call. The harness is `common/gotowebinar.rs`.

mod common;

use common::gotowebinar::{engine, engine_error, json, relayed};
use gotowebinar_simulator::Simulator;
use gotowebinar_simulator::fixtures::{REGISTERED_EMAIL, REGISTRANT_KEY, UPCOMING_WEBINAR_KEY};
use serde_json::Value;

/// 1.0.3's negative cases (and a few more): the API's status and body reach the client,
/// with the `errorCode` and `description` WSO2's tests compare.
#[tokio::test]
async fn api_errors_pass_through_with_error_code_and_description() {
    let hybrid = r#""type":"Hybrid","tollFreeCountries":["US"],"tollCountries":["GB"]"#;
    let cases = [
        (
            "getAttendee",
            r#"{"webinarKey":"{w}","sessionKey":"{s}","registrantKey":"INVALID"}"#.to_string(),
            400,
        ),
        (
            "getSessionPolls",
            r#"{"webinarKey":"{w}","sessionKey":"INVALID"}"#.into(),
            400,
        ),
        (
            "getAllWebinars",
            r#"{"organizerKey":"INVALID"}"#.into(),
            400,
        ),
        (
            "listHistoricalWebinars",
            r#"{"fromTime":"2015-01-01T00:00:00Z","toTime":"INVALID"}"#.into(),
            400,
        ),
        ("cancelWebinar", r#"{"webinarKey":"1234"}"#.into(), 404),
        (
            "updateWebinar",
            r#"{"webinarKey":"1234","subject":"x"}"#.into(),
            404,
        ),
        (
            "updateAudioInformation",
            format!(r#"{{"webinarKey":"1234",{hybrid}}}"#),
            404,
        ),
        (
            "createPanelists",
            r#"{"webinarKey":"1234","email":"p@example.com","name":"P"}"#.into(),
            404,
        ),
        (
            "createWebinar",
            r#"{"subject":"x","webinarStartTime":"2031-03-01T17:00:00Z",
                "webinarEndTime":"2031-03-01T16:00:00Z"}"#
                .into(),
            400,
        ),
        (
            "createRegistrant",
            r#"{"webinarKey":"INVALID","firstName":"A","lastName":"B","email":"INVALID"}"#.into(),
            400,
        ),
        (
            "deleteRegistrant",
            r#"{"webinarKey":"{u}","registrantKey":"INVALID"}"#.into(),
            400,
        ),
        (
            "createCOOrganizer",
            r#"{"webinarKey":"{w}","external":true,"givenName":"G","email":"INVALID"}"#.into(),
            400,
        ),
        (
            "deleteCOOrganizer",
            r#"{"webinarKey":"{w}","coorganizerKey":"INVALID","external":true}"#.into(),
            400,
        ),
        (
            "resendInvitation",
            r#"{"webinarKey":"{w}","coorganizerKey":"INVALID","external":true}"#.into(),
            400,
        ),
    ];
    let engine = engine().await;
    for (action, fields, expected) in cases {
        let (_, status, _, body) = relayed(&engine, action, &json(&fields)).await;
        let text = String::from_utf8_lossy(&body);
        assert_eq!(status, expected, "{action}: {text}");
        let error: Value = serde_json::from_slice(&body).unwrap();
        let code = error["errorCode"].as_str().unwrap_or_default();
        let description = error["description"].as_str().unwrap_or_default();
        assert!(
            !code.is_empty() && !description.is_empty(),
            "{action}: {text}"
        );
    }
}

#[tokio::test]
async fn create_registrant_conflict_passes_through() {
    let engine = engine().await;
    let fields = serde_json::json!({"webinarKey": UPCOMING_WEBINAR_KEY, "firstName": "Jane",
                                    "lastName": "Doe", "email": REGISTERED_EMAIL});
    let (_, status, _, body) = relayed(&engine, "createRegistrant", &fields).await;
    assert_eq!(status, 409);
    let error: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(error["errorCode"], "DuplicateRegistrant");
    assert_eq!(error["description"], "The user is already registered.");
    assert_eq!(error["registrantKey"].to_string(), REGISTRANT_KEY);
}

/// A required parameter that is empty (or absent from the request) is a 400 naming it, and
/// nothing reaches the API. WSO2's createWebinar negative test sends `endTime` instead of
/// `webinarEndTime`: here that is caught before any call.
#[tokio::test]
async fn missing_required_parameters_are_a_400_naming_them_and_nothing_is_sent() {
    let cases = [
        (
            "createRegistrant",
            r#"{"webinarKey":"{u}","firstName":"A","lastName":"B"}"#,
            "email",
        ),
        (
            "createWebinar",
            r#"{"subject":"x","webinarStartTime":"2031-03-01T16:00:00Z",
                "endTime":"2031-03-01T17:00:00Z"}"#,
            "webinarEndTime",
        ),
        (
            "createPanelists",
            r#"{"webinarKey":"{u}","email":"p@example.com"}"#,
            "name",
        ),
        (
            "updateAudioInformation",
            r#"{"webinarKey":"{u}","tollFreeCountries":["US"]}"#,
            "type",
        ),
        ("createCOOrganizer", r#"{"webinarKey":"{w}"}"#, "external"),
        (
            "deleteCOOrganizer",
            r#"{"webinarKey":"{w}","external":true}"#,
            "coorganizerKey",
        ),
        (
            "resendInvitation",
            r#"{"coorganizerKey":"{c}"}"#,
            "webinarKey",
        ),
        (
            "getAttendee",
            r#"{"webinarKey":"{w}","sessionKey":"{s}"}"#,
            "registrantKey",
        ),
        (
            "getRegistrantById",
            r#"{"webinarKey":"{w}","registrantKey":""}"#,
            "registrantKey",
        ),
        (
            "cancelWebinar",
            r#"{"sendCancellationEmails":true}"#,
            "webinarKey",
        ),
    ];
    let engine = engine().await;
    let sim = Simulator::start().await.unwrap();
    for (action, fields, missing) in cases {
        let (status, error) = engine_error(&engine, &sim, action, &json(fields)).await;
        assert_eq!(status, 400, "{action}");
        assert_eq!(
            error["error"],
            format!("missing required parameter `{missing}` of operation `{action}`")
        );
        assert!(sim.requests().is_empty(), "{action}: {:?}", sim.requests());
    }
}

/// Parameters sent as JSON (or as a JSON boolean) must be JSON: otherwise a 400 naming them,
/// and nothing reaches the API (1.0.3 built invalid JSON).
#[tokio::test]
async fn parameters_that_cannot_be_sent_as_json_are_a_400_naming_them() {
    let cases = [
        (
            "createRegistrant",
            r#"{"webinarKey":"{u}","firstName":"A","lastName":"B","email":"a@example.com",
                "responses":"[{questionKey: 17023550}]"}"#,
            "responses",
        ),
        (
            "updateAudioInformation",
            r#"{"webinarKey":"{u}","type":"PSTN","tollFreeCountries":"US","tollCountries":[]}"#,
            "tollFreeCountries",
        ),
        (
            "updateAudioInformation",
            r#"{"webinarKey":"{u}","type":"Hybrid","tollFreeCountries":["US"]}"#,
            "tollCountries",
        ),
        (
            "createCOOrganizer",
            r#"{"webinarKey":"{w}","external":"yes"}"#,
            "external",
        ),
    ];
    let engine = engine().await;
    let sim = Simulator::start().await.unwrap();
    for (action, fields, invalid) in cases {
        let (status, error) = engine_error(&engine, &sim, action, &json(fields)).await;
        assert_eq!(status, 400, "{action}");
        assert_eq!(
            error["error"],
            format!("invalid parameter `{invalid}` of operation `{action}`")
        );
        let detail = error["detail"].as_str().unwrap_or_default();
        assert!(detail.contains(invalid), "{action}: {error}");
        assert!(sim.requests().is_empty(), "{action}: {:?}", sim.requests());
    }
}
