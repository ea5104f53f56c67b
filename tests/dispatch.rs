//! The connector test-proxy pattern: one proxy, a `switch` on the `Action` header, one
//! connector operation per case.

mod common;

use common::{TestEngine, fixture};
use gotowebinar_simulator::{Simulator, fixtures};

#[tokio::test]
async fn a_switch_on_the_action_header_dispatches_to_operations() {
    let sim = Simulator::start().await.unwrap();
    let engine =
        TestEngine::start(&[("gotowebinar.xml", &fixture("gotowebinar_dispatch.xml"))]).await;
    let body = format!(
        r#"{{"apiUrl":"{}","accessToken":"{}","organizerKey":"{}","webinarKey":"{}","sessionKey":"{}",
            "fromTime":"2015-01-01T00:00:00Z","toTime":"2016-01-01T00:00:00Z"}}"#,
        sim.url(),
        fixtures::ACCESS_TOKEN,
        fixtures::ORGANIZER_KEY,
        fixtures::WEBINAR_KEY,
        fixtures::SESSION_KEY
    );
    let base = format!("/G2W/rest/organizers/{}", fixtures::ORGANIZER_KEY);
    let table = [
        (
            "urn:getSessionById",
            format!(
                "{base}/webinars/{}/sessions/{}",
                fixtures::WEBINAR_KEY,
                fixtures::SESSION_KEY
            ),
        ),
        (
            "urn:listSessions",
            format!("{base}/webinars/{}/sessions", fixtures::WEBINAR_KEY),
        ),
        ("urn:getOrganizerSessions", format!("{base}/sessions")),
        (
            "urn:getSessionPolls",
            format!(
                "{base}/webinars/{}/sessions/{}/polls",
                fixtures::WEBINAR_KEY,
                fixtures::SESSION_KEY
            ),
        ),
    ];
    for (action, path) in table {
        sim.clear_requests();
        let response = engine
            .post_json_with("/services/gotowebinar", &body, &[("Action", action)])
            .await;
        assert_eq!(response.status(), 200, "{action}");
        let calls = sim.requests();
        assert_eq!(calls.len(), 1, "{action}");
        assert_eq!(calls[0].path, path, "{action}");
        // The Action header travels upstream with the other client headers, as in WSO2.
        assert_eq!(calls[0].header("action"), Some(action));
        assert!(!response.bytes().await.unwrap().is_empty());
    }
    sim.clear_requests();
    let response = engine
        .post_json_with("/services/gotowebinar", &body, &[("Action", "urn:unknown")])
        .await;
    assert_eq!(response.status(), 400);
    assert!(response.bytes().await.unwrap().is_empty());
    assert!(sim.requests().is_empty());
}
