//! Hot deployment: a running engine picks up added, changed, removed and broken files within a
//! second, keeps the previous version of a broken file serving, and never fails a request to
//! another proxy while files change.

mod common;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::{Options, TestEngine};

const WITHIN: Duration = Duration::from_secs(1);

/// A proxy answering with header `X-Version: {version}`.
fn versioned(name: &str, version: &str) -> String {
    format!(
        r#"<proxy xmlns="http://ws.apache.org/ns/synapse" name="{name}"><target><inSequence>
             <header name="X-Version" value="{version}" scope="transport"/><respond/>
           </inSequence></target></proxy>"#
    )
}

const BROKEN: &str = r#"<proxy xmlns="http://ws.apache.org/ns/synapse" name="p"><target><inSequence>
    <proprety name="x" value="1"/><respond/></inSequence></target></proxy>"#;

async fn watched(files: &[(&str, &str)]) -> TestEngine {
    TestEngine::start_with(Options {
        files: files
            .iter()
            .map(|(n, x)| (n.to_string(), x.to_string()))
            .collect(),
        watch: true,
        ..Options::default()
    })
    .await
}

/// The `X-Version` a proxy answers with, or the status when it does not answer 200.
async fn version(engine: &TestEngine, proxy: &str) -> String {
    let response = engine.post_json(&format!("/services/{proxy}"), "{}").await;
    match response.status().as_u16() {
        200 => response.headers()["x-version"]
            .to_str()
            .unwrap()
            .to_string(),
        other => other.to_string(),
    }
}

/// Polls until `proxy` answers `want`, failing after a second.
async fn answers_within_a_second(engine: &TestEngine, proxy: &str, want: &str) {
    let start = Instant::now();
    loop {
        let got = version(engine, proxy).await;
        if got == want {
            return;
        }
        assert!(
            start.elapsed() < WITHIN,
            "{proxy} still answers {got}, not {want}, after {WITHIN:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

#[tokio::test]
async fn added_changed_broken_and_removed_files_are_seen_within_a_second() {
    let engine = watched(&[]).await;
    let dir = engine.deploy_dir.clone();
    assert_eq!(version(&engine, "p").await, "404");

    write(&dir, "p.xml", &versioned("p", "1"));
    answers_within_a_second(&engine, "p", "1").await;

    write(&dir, "p.xml", &versioned("p", "2"));
    answers_within_a_second(&engine, "p", "2").await;

    // A broken save: reported, version 2 keeps serving, the file stays as it was written.
    write(&dir, "p.xml", BROKEN);
    let start = Instant::now();
    loop {
        let artifacts = engine.artifacts().await;
        if artifacts["artifacts"][0]["state"] == "failed" {
            let entry = &artifacts["artifacts"][0];
            assert_eq!(entry["servingPreviousVersion"], true);
            assert_eq!(
                entry["diagnostics"][0]["message"],
                "unknown mediator <proprety>"
            );
            assert_eq!(entry["diagnostics"][0]["line"], 2);
            break;
        }
        assert!(
            start.elapsed() < WITHIN,
            "the broken save was not reported: {artifacts}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(version(&engine, "p").await, "2");
    assert_eq!(std::fs::read_to_string(dir.join("p.xml")).unwrap(), BROKEN);
    assert!(!dir.join("p.xml.back").exists());

    write(&dir, "p.xml", &versioned("p", "3"));
    answers_within_a_second(&engine, "p", "3").await;

    std::fs::remove_file(dir.join("p.xml")).unwrap();
    answers_within_a_second(&engine, "p", "404").await;
}

#[tokio::test]
async fn editor_save_patterns_all_end_on_the_last_version() {
    let engine = watched(&[("p.xml", &versioned("p", "0"))]).await;
    let dir = engine.deploy_dir.clone();
    assert_eq!(version(&engine, "p").await, "0");

    // Write a temporary file, then rename it over the original (vim, IntelliJ, atomic writers).
    write(&dir, ".p.xml.swp", &versioned("p", "renamed"));
    std::fs::rename(dir.join(".p.xml.swp"), dir.join("p.xml")).unwrap();
    answers_within_a_second(&engine, "p", "renamed").await;

    // Truncate, then write in two steps.
    {
        use std::io::Write;
        let text = versioned("p", "truncated");
        let (head, tail) = text.split_at(text.len() / 2);
        let mut file = std::fs::File::create(dir.join("p.xml")).unwrap();
        file.write_all(head.as_bytes()).unwrap();
        file.flush().unwrap();
        file.write_all(tail.as_bytes()).unwrap();
    }
    answers_within_a_second(&engine, "p", "truncated").await;

    // Several saves in quick succession.
    for n in 0..10 {
        write(&dir, "p.xml", &versioned("p", &format!("burst-{n}")));
    }
    answers_within_a_second(&engine, "p", "burst-9").await;

    // A new sub-folder with a file in it.
    std::fs::create_dir(dir.join("nested")).unwrap();
    write(&dir.join("nested"), "q.xml", &versioned("q", "nested"));
    answers_within_a_second(&engine, "q", "nested").await;
}

#[tokio::test]
async fn a_duplicate_name_is_rejected_naming_both_files() {
    let engine = watched(&[("a.xml", &versioned("p", "a"))]).await;
    write(&engine.deploy_dir, "b.xml", &versioned("p", "b"));
    let start = Instant::now();
    let entry = loop {
        let artifacts = engine.artifacts().await;
        let found = artifacts["artifacts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["file"].as_str().unwrap().ends_with("b.xml"))
            .cloned();
        if let Some(entry) = found {
            break entry;
        }
        assert!(start.elapsed() < WITHIN, "b.xml not seen: {artifacts}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(entry["state"], "failed");
    let message = entry["diagnostics"][0]["message"].as_str().unwrap();
    assert!(
        message.starts_with("proxy `p` is already defined in ") && message.ends_with("a.xml"),
        "{message}"
    );
    assert_eq!(version(&engine, "p").await, "a");
}

#[tokio::test]
async fn a_dangling_reference_warns_then_resolves_when_its_file_arrives() {
    let proxy = r#"<proxy xmlns="http://ws.apache.org/ns/synapse" name="p"><target inSequence="later"/></proxy>"#;
    let engine = watched(&[("p.xml", proxy)]).await;
    let artifacts = engine.artifacts().await;
    let entry = &artifacts["artifacts"][0];
    assert_eq!(entry["state"], "deployed");
    assert_eq!(entry["diagnostics"][0]["severity"], "warning");
    assert_eq!(
        entry["diagnostics"][0]["message"],
        "sequence `later` is not defined in any deployed file"
    );
    assert_eq!(version(&engine, "p").await, "500");

    let sequence = r#"<sequence xmlns="http://ws.apache.org/ns/synapse" name="later">
        <header name="X-Version" value="resolved" scope="transport"/><respond/></sequence>"#;
    write(&engine.deploy_dir, "later.xml", sequence);
    answers_within_a_second(&engine, "p", "resolved").await;
    let artifacts = engine.artifacts().await;
    let p = artifacts["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "p")
        .unwrap();
    assert_eq!(p["diagnostics"], serde_json::json!([]));
    // Every request before the sequence arrived failed; the last one succeeded.
    let (requests, errors) = (
        p["requests"].as_u64().unwrap(),
        p["errors"].as_u64().unwrap(),
    );
    assert!(
        errors >= 1 && requests == errors + 1,
        "requests {requests}, errors {errors}"
    );
}

#[tokio::test]
async fn a_steady_proxy_never_fails_while_another_file_is_rewritten_200_times() {
    let engine = Arc::new(
        watched(&[
            ("steady.xml", &versioned("steady", "s")),
            ("churn.xml", &versioned("churn", "0")),
        ])
        .await,
    );
    let stop = Arc::new(AtomicBool::new(false));
    let (served, failed) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let traffic = {
        let (engine, stop, served, failed) =
            (engine.clone(), stop.clone(), served.clone(), failed.clone());
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let ok = version(&engine, "steady").await == "s";
                let counter = if ok { &served } else { &failed };
                counter.fetch_add(1, Ordering::Relaxed);
            }
        })
    };
    let dir = engine.deploy_dir.clone();
    for n in 0..200 {
        let text = if n % 2 == 0 {
            versioned("churn", &n.to_string())
        } else {
            BROKEN.replace("name=\"p\"", "name=\"churn\"")
        };
        write(&dir, "churn.xml", &text);
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    write(&dir, "churn.xml", &versioned("churn", "final"));
    answers_within_a_second(&engine, "churn", "final").await;
    stop.store(true, Ordering::Relaxed);
    traffic.await.unwrap();
    assert_eq!(failed.load(Ordering::Relaxed), 0);
    assert!(
        served.load(Ordering::Relaxed) > 50,
        "too little traffic to mean anything"
    );
}
