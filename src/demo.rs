//! `oxynapse demo`: the seed's session operations end to end, with no GoToWebinar account.
//!
//! Starts the GoToWebinar simulator and an engine serving the deploy folder, both on
//! ephemeral local ports, sends the documentation's sample request through every session
//! proxy, and prints what came back.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use gotowebinar_simulator::Simulator;
use oxynapse_engine::{Engine, EngineServices, Registry, Settings};

#[derive(clap::Args)]
pub struct DemoArgs {
    /// The folder holding the session proxies.
    #[arg(long, default_value = "proxies")]
    deploy_dir: PathBuf,
}

/// The request fields of each session operation in the documentation's samples.
const SAMPLES: [(&str, &str); 8] = [
    (
        "getSessionById",
        r#""webinarKey":"6487648931392511233","sessionKey":"2167614""#,
    ),
    (
        "listSessionAttendees",
        r#""webinarKey":"6487648931392511233","sessionKey":"2167614""#,
    ),
    ("listSessions", r#""webinarKey":"6487648931392511233""#),
    (
        "getOrganizerSessions",
        r#""fromTime":"2015-05-09T16:45:58Z","toTime":"2016-05-09T16:45:58Z""#,
    ),
    (
        "getSessionPerformance",
        r#""webinarKey":"2458336850084791299","sessionKey":"6571792""#,
    ),
    (
        "getSessionPolls",
        r#""webinarKey":"6487648931392511233","sessionKey":"6571792""#,
    ),
    (
        "getSessionQuestions",
        r#""webinarKey":"6487648931392511233","sessionKey":"6571792""#,
    ),
    (
        "getSessionSurveys",
        r#""webinarKey":"6487648931392511233","sessionKey":"6571792""#,
    ),
];

pub fn run(registry: Registry, args: &DemoArgs) -> ExitCode {
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(demo(registry, args)) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn demo(registry: Registry, args: &DemoArgs) -> Result<bool, String> {
    let simulator = Simulator::start()
        .await
        .map_err(|e| format!("cannot start the simulator: {e}"))?;
    let data_dir = std::env::temp_dir().join(format!("oxynapse-demo-{}", std::process::id()));
    let settings = Settings {
        data_dir: data_dir.clone(),
        ..Settings::default()
    };
    let engine: Arc<Engine> = Engine::new(registry, EngineServices::new(settings)?);
    let deployment = engine
        .deploy_folder(&args.deploy_dir)
        .map_err(|e| format!("cannot read {}: {e}", args.deploy_dir.display()))?;
    engine.set_ready();
    let server = oxynapse_engine::http::server::start(
        engine,
        "127.0.0.1:0".parse().expect("a valid address"),
    )
    .await
    .map_err(|e| format!("cannot listen: {e}"))?;
    println!("GoToWebinar simulator: {}", simulator.url());
    println!(
        "oxynapse:              http://{} serving {} ({} files)\n",
        server.local_addr(),
        args.deploy_dir.display(),
        deployment.files().len()
    );

    let client = reqwest::Client::new();
    let mut all_ok = true;
    for (operation, fields) in SAMPLES {
        let body = format!(
            r#"{{"apiUrl":"{}","accessToken":"UEGGrwswKRwB07lTOr0EoppdaxKo","organizerKey":"3697511743350317068","clientId":"IJfcaqp3xC034WXD1GGlstejnJS41huo","refreshToken":"MDAKxJTJ3cAdhuzavhtOFNAmV5N0m7gm",{fields}}}"#,
            simulator.url()
        );
        let path = format!("/services/gotowebinar_{operation}");
        let response = client
            .post(format!("http://{}{path}", server.local_addr()))
            .header("Content-Type", "application/json")
            .body(body)
            .send()
            .await
            .map_err(|e| format!("{path}: {e}"))?;
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        all_ok &= status.is_success();
        let upstream = simulator
            .requests()
            .last()
            .map(|r| {
                format!(
                    "{} {}{}",
                    r.method,
                    r.path,
                    r.query
                        .as_ref()
                        .map(|q| format!("?{q}"))
                        .unwrap_or_default()
                )
            })
            .unwrap_or_default();
        println!("POST {path}  →  {status}");
        println!("   upstream: {upstream}");
        println!("   body:     {}\n", shorten(&text, 300));
    }
    server.shutdown().await;
    let _ = std::fs::remove_dir_all(&data_dir);
    println!(
        "{}",
        if all_ok {
            "All eight session operations answered."
        } else {
            "Some operations failed; see above."
        }
    );
    Ok(all_ok)
}

fn shorten(text: &str, limit: usize) -> String {
    if text.chars().count() <= limit {
        return text.to_string();
    }
    let cut: String = text.chars().take(limit).collect();
    format!("{cut}… ({} bytes)", text.len())
}
