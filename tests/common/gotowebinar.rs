//! Driving the shipped `proxies/gotowebinar.xml` against the GoToWebinar simulator: one
//! operation call (chosen by the `Action` header), the upstream request it must lead to, and
//! the answer, which must be the simulator's.
//!
//! To know what the simulator answered, the recorded upstream request is replayed on a fresh
//! twin: the simulator is deterministic, so a twin in the same state answers byte for byte
//! what the first one did.

use bytes::Bytes;
use gotowebinar_simulator::fixtures::*;
use gotowebinar_simulator::{RecordedRequest, Simulator};
use oxynapse_engine::connector::Connector;
use serde_json::Value;

use super::{Options, TestEngine, proxies_dir, status_and_json};

/// The `Accept` createRegistrant sends, and only it.
pub const V11_ACCEPT: &str = "application/vnd.citrix.g2wapi-v1.1+json";

/// An engine serving the project's `proxies/` folder.
pub async fn engine() -> TestEngine {
    TestEngine::start_with(Options {
        deploy_dir: Some(proxies_dir()),
        ..Options::default()
    })
    .await
}

/// Fills fixture keys into a template: `{w}` past webinar, `{u}` upcoming webinar, `{s}`
/// session, `{r}` and `{r2}` registrants, `{c}` external and `{i}` internal co-organizer,
/// `{o}` the organizer.
pub fn fill(template: &str) -> String {
    template
        .replace("{w}", WEBINAR_KEY)
        .replace("{u}", UPCOMING_WEBINAR_KEY)
        .replace("{s}", SESSION_KEY)
        .replace("{r}", REGISTRANT_KEY)
        .replace("{r2}", SECOND_REGISTRANT_KEY)
        .replace("{c}", COORGANIZER_KEY)
        .replace("{i}", INTERNAL_COORGANIZER_KEY)
        .replace("{o}", ORGANIZER_KEY)
}

/// [`fill`], then parse as JSON.
pub fn json(template: &str) -> Value {
    let text = fill(template);
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// One operation call and the exact upstream request and status it must lead to.
pub struct Case {
    pub action: &'static str,
    /// Request fields besides the credentials.
    pub fields: Value,
    pub method: &'static str,
    /// Below `/G2W/rest/organizers/{organizerKey}`.
    pub path: String,
    pub query: Option<String>,
    /// The upstream JSON body; `None` for no body at all.
    pub body: Option<Value>,
    pub status: u16,
}

impl Case {
    /// `fields` and `path` are [`fill`] templates; `fields` is JSON text.
    pub fn new(action: &'static str, method: &'static str, fields: &str, path: &str) -> Case {
        Case {
            action,
            fields: json(fields),
            method,
            path: fill(path),
            query: None,
            body: None,
            status: 200,
        }
    }

    pub fn get(action: &'static str, fields: &str, path: &str) -> Case {
        Case::new(action, "GET", fields, path)
    }

    pub fn query(mut self, query: &str) -> Case {
        self.query = Some(fill(query));
        self
    }

    /// The upstream body, a [`json`] template.
    pub fn body(mut self, body: &str) -> Case {
        self.body = Some(json(body));
        self
    }

    pub fn status(mut self, status: u16) -> Case {
        self.status = status;
        self
    }
}

/// The request body: the seed's credentials (so `init` runs in refresh mode, as in WSO2's
/// tests), `apiUrl` pointing at `sim`, and the given fields (which may override them).
pub fn request(sim: &Simulator, fields: &Value) -> String {
    let mut body = serde_json::json!({
        "apiUrl": sim.url(),
        "accessToken": ACCESS_TOKEN,
        "organizerKey": ORGANIZER_KEY,
        "clientId": CLIENT_ID,
        "refreshToken": REFRESH_TOKEN,
    });
    for (name, value) in fields.as_object().expect("fields are an object") {
        body[name] = value.clone();
    }
    body.to_string()
}

/// Calls the proxy with `Action: urn:<action>`: status, headers and body.
pub async fn call(
    engine: &TestEngine,
    sim: &Simulator,
    action: &str,
    fields: &Value,
) -> (u16, http::HeaderMap, Bytes) {
    let action = format!("urn:{action}");
    let response = engine
        .post_json_with(
            "/services/gotowebinar",
            &request(sim, fields),
            &[("Action", &action)],
        )
        .await;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.bytes().await.unwrap())
}

/// An error answer of the engine itself, as (status, JSON).
pub async fn engine_error(
    engine: &TestEngine,
    sim: &Simulator,
    action: &str,
    fields: &Value,
) -> (u16, Value) {
    let action = format!("urn:{action}");
    let response = engine
        .post_json_with(
            "/services/gotowebinar",
            &request(sim, fields),
            &[("Action", &action)],
        )
        .await;
    status_and_json(response).await
}

/// Sends `recorded` again, to `twin`: what the simulator answered to it.
pub async fn replay(twin: &Simulator, recorded: &RecordedRequest) -> (u16, Bytes) {
    let mut url = format!("{}{}", twin.url(), recorded.path);
    if let Some(query) = &recorded.query {
        url = format!("{url}?{query}");
    }
    let method = http::Method::from_bytes(recorded.method.as_bytes()).unwrap();
    let mut request = reqwest::Client::new()
        .request(method, url)
        .body(recorded.body.clone());
    for name in ["authorization", "content-type", "accept"] {
        if let Some(value) = recorded.header(name) {
            request = request.header(name, value);
        }
    }
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.bytes().await.unwrap())
}

/// Calls `action` against a fresh simulator; checks that exactly one upstream request was
/// made and that the client got what the simulator answered to it. Returns that request and
/// the answer (status, headers, body).
pub async fn relayed(
    engine: &TestEngine,
    action: &str,
    fields: &Value,
) -> (RecordedRequest, u16, http::HeaderMap, Bytes) {
    let sim = Simulator::start().await.unwrap();
    let twin = Simulator::start().await.unwrap();
    let (status, headers, body) = call(engine, &sim, action, fields).await;
    let mut upstream = sim.requests();
    assert_eq!(
        upstream.len(),
        1,
        "{action}: one upstream call: {upstream:?}"
    );
    let sent = upstream.remove(0);
    assert_eq!(
        replay(&twin, &sent).await,
        (status, body.clone()),
        "{action}: the client gets the API's status and body"
    );
    (sent, status, headers, body)
}

/// Runs one case and checks everything it promises.
pub async fn check(engine: &TestEngine, case: &Case) {
    let what = case.action;
    let (sent, status, headers, body) = relayed(engine, case.action, &case.fields).await;
    assert_eq!(sent.method, case.method, "{what}");
    let path = format!("/G2W/rest/organizers/{ORGANIZER_KEY}{}", case.path);
    assert_eq!(sent.path, path, "{what}");
    assert_eq!(sent.query, case.query, "{what}");
    match &case.body {
        Some(expected) => assert_eq!(sent.body_json().as_ref(), Some(expected), "{what}"),
        None => assert!(sent.body.is_empty(), "{what}: no body: {:?}", sent.body),
    }
    assert_eq!(sent.header("authorization"), Some(ACCESS_TOKEN), "{what}");
    let content_type = sent.header("content-type");
    assert_eq!(content_type, Some("application/json"), "{what}");
    assert_eq!(sent.header("accept-encoding"), None, "{what}");
    let accept = sent.header("accept");
    if case.action == "createRegistrant" {
        assert_eq!(accept, Some(V11_ACCEPT), "{what}");
    } else {
        assert_ne!(accept, Some(V11_ACCEPT), "{what}: only createRegistrant");
    }
    let text = String::from_utf8_lossy(&body);
    assert_eq!(status, case.status, "{what}: {text}");
    for stripped in ["etag", "vary", "access-control-allow-origin"] {
        assert!(!headers.contains_key(stripped), "{what}: {stripped}");
    }
}

/// The connector's operations but `init`, sorted.
pub fn connector_operations() -> Vec<&'static str> {
    let connector = oxynapse_gotowebinar::GoToWebinar::new();
    let mut names: Vec<&str> = connector.operations().iter().map(|o| o.name).collect();
    names.retain(|n| *n != "init");
    names.sort_unstable();
    assert_eq!(names.len(), 36);
    names
}

/// The `Authorization` of every API call (not the token endpoint) the simulator received.
pub fn tokens_used(sim: &Simulator) -> Vec<String> {
    sim.requests()
        .iter()
        .filter(|r| r.path != "/oauth/access_token")
        .map(|r| r.header("authorization").unwrap_or_default().to_string())
        .collect()
}
