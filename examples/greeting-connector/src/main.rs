//! A custom oxynapse binary: the built-in mediators, the GoToWebinar connector, and this
//! crate's `greeting` connector, serving a folder of proxies.
//!
//! `cargo run -p greeting-connector [DEPLOY_DIR] [PORT]` (defaults:
//! `examples/greeting-connector/proxies`, 8290).

use std::path::PathBuf;

use greeting_connector::Greeting;
use oxynapse_engine::{Engine, EngineServices, Registry, Settings};
use oxynapse_gotowebinar::GoToWebinar;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt().init();
    let mut args = std::env::args().skip(1);
    let folder = PathBuf::from(
        args.next()
            .unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/proxies").into()),
    );
    let port: u16 = args.next().map_or(Ok(8290), |p| p.parse())?;

    let registry = Registry::builder()
        .builtin_mediators()
        .connector(GoToWebinar::new())
        .connector(Greeting)
        .build();
    let engine = Engine::new(registry, EngineServices::new(Settings::default())?);
    engine.deploy_folder(&folder)?;
    engine.set_ready();

    let listener = tokio::net::TcpListener::bind(("0.0.0.0", port)).await?;
    println!(
        "serving {} on http://localhost:{port}/services/",
        folder.display()
    );
    oxynapse_engine::http::server::serve(listener, engine, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await;
    Ok(())
}
