//! Unsupported features: one precise diagnostic each, and the rest still serves.

use super::*;

// ---- unsupported features ------------------------------------------------------------------

#[tokio::test]
async fn unsupported_features_get_one_precise_diagnostic_each() {
    const NO_JVM: &str = "is not supported: oxynapse does not run Java or script mediators";
    let names = [
        "unsupported_script.xml",
        "unsupported_class.xml",
        "unsupported_spring.xml",
        "unsupported_xslt.xml",
        "unsupported_dblookup.xml",
        "unsupported_callout.xml",
        "unsupported_store.xml",
        "echo.xml",
    ];
    let files: Vec<(String, String)> = names
        .iter()
        .map(|n| (n.to_string(), common::fixture(&format!("compat/{n}"))))
        .collect();
    let files: Vec<(&str, &str)> = files
        .iter()
        .map(|(n, x)| (n.as_str(), x.as_str()))
        .collect();
    let engine = TestEngine::start(&files).await;

    // file -> (state, artifact name, [line:column message])
    let mut seen: Vec<(String, String, String, Vec<String>)> = Vec::new();
    for artifact in engine.artifacts().await["artifacts"].as_array().unwrap() {
        let file = artifact["file"].as_str().unwrap();
        let file = file.rsplit('/').next().unwrap().to_string();
        let diagnostics = artifact["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                assert_eq!(d["severity"], "error");
                format!(
                    "{}:{} {}",
                    d["line"],
                    d["column"],
                    d["message"].as_str().unwrap()
                )
            })
            .collect();
        seen.push((
            file,
            artifact["state"].as_str().unwrap().to_string(),
            artifact["name"].as_str().unwrap_or("-").to_string(),
            diagnostics,
        ));
    }
    seen.sort();
    let entry = |file: &str, state: &str, name: &str, diagnostics: &[String]| {
        (
            file.to_string(),
            state.to_string(),
            name.to_string(),
            diagnostics.to_vec(),
        )
    };
    let spring = [format!("7:17 <spring> {NO_JVM}")];
    assert_eq!(
        seen,
        [
            entry("echo.xml", "deployed", "Echo", &[]),
            entry(
                "unsupported_callout.xml",
                "failed",
                "-",
                &["6:13 <callout> is not supported yet".into()]
            ),
            entry(
                "unsupported_class.xml",
                "failed",
                "-",
                &[format!("6:13 <class> {NO_JVM}")]
            ),
            entry(
                "unsupported_dblookup.xml",
                "failed",
                "-",
                &["6:13 <dblookup> is not supported yet".into()]
            ),
            entry(
                "unsupported_script.xml",
                "failed",
                "-",
                &[format!("6:13 <script> {NO_JVM}")]
            ),
            entry("unsupported_spring.xml", "deployed", "Ping", &spring),
            entry(
                "unsupported_store.xml",
                "failed",
                "-",
                &[
                    "4:5 <messageStore> artifacts are not supported yet".into(),
                    "8:17 <store> is not supported yet".into()
                ]
            ),
            entry(
                "unsupported_xslt.xml",
                "failed",
                "-",
                &["6:13 <xslt> is not supported yet".into()]
            ),
        ]
    );

    // The good file, and the good proxy of the file with a bad one, still serve.
    let answer = post(&engine, "/services/Echo", "application/json", r#"{"a": 1}"#).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("x-echo"), "yes");
    assert_eq!(answer.body, r#"{"a": 1}"#);
    let answer = post(&engine, "/services/Ping", "application/json", "{}").await;
    assert_eq!(
        (answer.status, answer.body.as_str()),
        (200, r#"{"pong":true}"#)
    );
    let answer = post(
        &engine,
        "/services/ScriptedDiscount",
        "application/json",
        "{}",
    )
    .await;
    assert_eq!(answer.status, 404, "a file that failed serves nothing");
}
