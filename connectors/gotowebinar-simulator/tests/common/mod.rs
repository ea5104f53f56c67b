//! Shared helpers for the integration tests: a proxy-free reqwest client and small
//! wrappers that send one request to the simulator and collect the answer.

#![allow(dead_code)] // each test file uses a different subset

use gotowebinar_simulator::Simulator;
use gotowebinar_simulator::fixtures::{ACCESS_TOKEN, ORGANIZER_KEY};
use reqwest::Method;
use serde_json::Value;

/// One answer: status, headers and body text.
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client")
}

/// `/G2W/rest/organizers/{fixture organizer}` + `tail`.
pub fn api(tail: &str) -> String {
    format!("/G2W/rest/organizers/{ORGANIZER_KEY}{tail}")
}

pub async fn send(
    sim: &Simulator,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> Answer {
    let mut request = client().request(method, format!("{}{path}", sim.url()));
    if let Some(token) = token {
        request = request.header("Authorization", token);
    }
    if let Some(body) = body {
        request = request
            .header("Content-Type", "application/json")
            .body(body.to_string());
    }
    let response = request.send().await.expect("response");
    Answer {
        status: response.status().as_u16(),
        headers: response.headers().clone(),
        body: response.text().await.expect("body"),
    }
}

pub async fn get(sim: &Simulator, path: &str) -> Answer {
    send(sim, Method::GET, path, Some(ACCESS_TOKEN), None).await
}

pub async fn call(sim: &Simulator, method: Method, path: &str, body: Option<&str>) -> Answer {
    send(sim, method, path, Some(ACCESS_TOKEN), body).await
}

pub fn assert_error(answer: &Answer, status: u16, code: &str) {
    assert_eq!(answer.status, status, "{}", answer.body);
    let json = answer.json();
    assert_eq!(json["errorCode"], code, "{}", answer.body);
    assert!(json["description"].as_str().is_some_and(|d| !d.is_empty()));
    assert!(json["incident"].as_str().is_some_and(|i| i.len() == 19));
}
