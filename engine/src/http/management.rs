//! The read-only management API: what the running engine serves, and what it refused.
//!
//! `GET /management/artifacts` answers
//!
//! ```json
//! {"artifacts": [
//!   {"kind": "proxy", "name": "orders", "file": "proxies/orders.xml", "state": "deployed",
//!    "deployedAt": "2026-11-28T06:30:00.123Z", "requests": 42, "errors": 1, "diagnostics": []},
//!   {"kind": null, "name": null, "file": "proxies/broken.xml", "state": "failed",
//!    "servingPreviousVersion": false, "deployedAt": null, "diagnostics": [{"line": 3, ...}]}
//! ]}
//! ```
//!
//! `state` is `deployed`, `stopped` (`startOnLoad="false"`) or `failed` (the latest version of
//! the file was rejected; `servingPreviousVersion` says whether an earlier one still serves).
//! A new file with errors whose other artifacts deployed lists those as `deployed`, with the
//! file's errors in `diagnostics`.

use serde_json::{Value, json};

use crate::deploy::{Artifact, Deployment, FileReport};

/// The body of `GET /management/artifacts`.
pub fn artifacts(deployment: &Deployment) -> Value {
    let mut list = Vec::new();
    for report in deployment.files() {
        let diagnostics: Vec<Value> = report.diagnostics.iter().map(|d| d.to_json()).collect();
        if report.artifacts.is_empty() {
            list.push(json!({
                "kind": null,
                "name": null,
                "file": &*report.file,
                "state": if report.failed { "failed" } else { "deployed" },
                "servingPreviousVersion": false,
                "deployedAt": null,
                "diagnostics": diagnostics,
            }));
            continue;
        }
        for artifact in &report.artifacts {
            list.push(artifact_entry(deployment, report, artifact, &diagnostics));
        }
    }
    json!({ "artifacts": list })
}

fn artifact_entry(
    deployment: &Deployment,
    report: &FileReport,
    artifact: &Artifact,
    diagnostics: &[Value],
) -> Value {
    // The artifacts of a partly deployed file serve from its latest version.
    let previous_version = report.failed && !report.partial;
    let state = match artifact {
        _ if previous_version => "failed",
        Artifact::Proxy(p) if !p.started => "stopped",
        _ => "deployed",
    };
    let stats = match artifact {
        Artifact::Proxy(p) => deployment.proxy(&p.name).map(|d| d.stats.clone()),
        Artifact::Api(a) => deployment.api(&a.name).map(|d| d.stats.clone()),
        _ => None,
    };
    let mut entry = json!({
        "kind": artifact.kind().as_str(),
        "name": artifact.name(),
        "file": &*report.file,
        "state": state,
        "deployedAt": report.deployed_at.map(|t| {
            chrono::DateTime::<chrono::Utc>::from(t).to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
        }),
        "diagnostics": diagnostics,
    });
    if previous_version {
        entry["servingPreviousVersion"] = json!(true);
    }
    if let Some(stats) = stats {
        entry["requests"] = json!(stats.requests());
        entry["errors"] = json!(stats.errors());
    }
    entry
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Registry;
    use crate::config::source::SourceFile;
    use crate::deploy::{Deployer, compile_source};

    #[test]
    fn lists_deployed_stopped_and_failed_files() {
        let registry = Registry::builder().builtin_mediators().build();
        let compile = |name: &str, xml: &str| compile_source(&registry, SourceFile::new(name, xml));
        let mut deployer = Deployer::new();
        deployer.apply(compile(
            "a.xml",
            r#"<proxy name="a"><target><inSequence><respond/></inSequence></target></proxy>"#,
        ));
        deployer.apply(compile("b.xml", r#"<proxy name="b" startOnLoad="false"><target><inSequence><respond/></inSequence></target></proxy>"#));
        deployer.apply(compile("c.xml", "<proxy"));
        let deployment = deployer.deployment();
        deployment.proxy("a").unwrap().stats.record(true);
        let body = artifacts(&deployment);
        let list = body["artifacts"].as_array().unwrap();
        assert_eq!(list.len(), 3);
        assert_eq!(
            (list[0]["name"].as_str(), list[0]["state"].as_str()),
            (Some("a"), Some("deployed"))
        );
        assert_eq!(
            (list[0]["requests"].as_u64(), list[0]["errors"].as_u64()),
            (Some(1), Some(1))
        );
        assert!(list[0]["deployedAt"].as_str().unwrap().ends_with('Z'));
        assert_eq!(list[1]["state"], "stopped");
        assert_eq!(list[2]["state"], "failed");
        assert_eq!(list[2]["diagnostics"][0]["line"], 1);
        assert!(
            list[2]["diagnostics"][0]["message"]
                .as_str()
                .unwrap()
                .contains("malformed XML")
        );
    }

    #[test]
    fn a_partly_deployed_file_lists_what_serves_and_its_errors() {
        let registry = Registry::builder().builtin_mediators().build();
        let compile = |xml: &str| compile_source(&registry, SourceFile::new("d.xml", xml));
        let good =
            r#"<proxy name="good"><target><inSequence><respond/></inSequence></target></proxy>"#;
        let mut deployer = Deployer::new();
        deployer.apply(compile(&format!(
            r#"<definitions>{good}<sequence name="bad"><script language="js">x()</script></sequence></definitions>"#
        )));
        let body = artifacts(&deployer.deployment());
        let list = body["artifacts"].as_array().unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(
            (list[0]["name"].as_str(), list[0]["state"].as_str()),
            (Some("good"), Some("deployed"))
        );
        assert!(list[0].get("servingPreviousVersion").is_none());
        assert_eq!(list[0]["diagnostics"][0]["severity"], "error");
        // An update that fails then keeps this version: now it is the previous one.
        deployer.apply(compile("<definitions><bogus/></definitions>"));
        let body = artifacts(&deployer.deployment());
        assert_eq!(body["artifacts"][0]["state"], "failed");
        assert_eq!(body["artifacts"][0]["servingPreviousVersion"], true);
    }
}
