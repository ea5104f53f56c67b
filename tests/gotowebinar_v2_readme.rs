//! The v2 proxy of the connector README's "Using a real GoTo account", deployed as written
//! (only `apiUrl` and `tokenEndpoint` pointed at the simulator), with its secrets in the
//! registry as the README says, called as its curl does.

mod common;

use std::path::Path;

use common::{Options, TestEngine, status_and_json};
use gotowebinar_simulator::Simulator;
use gotowebinar_simulator::fixtures::*;

/// The first ```xml block after the README's "Using a real GoTo account" heading.
fn readme_proxy() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("connectors/gotowebinar/README.md");
    let readme = std::fs::read_to_string(path).unwrap();
    let section = readme
        .split_once("## Using a real GoTo account")
        .expect("the README has the section")
        .1;
    let block = section.split_once("```xml\n").expect("an xml block").1;
    block.split_once("```").unwrap().0.to_string()
}

#[tokio::test]
async fn the_readme_v2_proxy_works_with_a_personal_access_token() {
    let sim = Simulator::start().await.unwrap();
    let proxy = readme_proxy()
        .replace("https://api.getgo.com", &sim.url())
        .replace(
            "https://authentication.logmeininc.com/oauth/token",
            &format!("{}/oauth/token", sim.url()),
        );
    assert!(!proxy.contains("https://"), "both URLs replaced: {proxy}");
    let data = tempfile::tempdir().unwrap();
    let secrets = data.path().join("registry/config/goto");
    std::fs::create_dir_all(&secrets).unwrap();
    for (leaf, value) in [
        ("clientId", CLIENT_ID),
        ("clientSecret", CLIENT_SECRET),
        ("personalAccessToken", PERSONAL_ACCESS_TOKEN),
    ] {
        std::fs::write(secrets.join(leaf), value).unwrap();
    }
    let engine = TestEngine::start_with(Options {
        files: vec![("webinar_sessions.xml".into(), proxy)],
        data_dir: Some(data.path().to_path_buf()),
        ..Options::default()
    })
    .await;
    let body = format!(r#"{{"webinarKey":"{WEBINAR_KEY}"}}"#);
    let response = engine.post_json("/services/webinar_sessions", &body).await;
    let (status, answer) = status_and_json(response).await;
    assert_eq!(status, 200, "{answer}");
    let sessions = answer["_embedded"]["sessionInfoResources"]
        .as_array()
        .unwrap();
    assert_eq!(sessions.len(), 2);
    let calls: Vec<String> = sim
        .requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    let list =
        format!("GET /G2W/rest/v2/organizers/{ORGANIZER_KEY}/webinars/{WEBINAR_KEY}/sessions");
    assert_eq!(
        calls,
        ["POST /oauth/token", "GET /admin/rest/v1/me", list.as_str()]
    );
}
