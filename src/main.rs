//! The `oxynapse` command: serve a folder of Synapse configs, or validate configs.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use oxynapse_engine::{Engine, EngineServices, Registry, Settings};
use oxynapse_gotowebinar::GoToWebinar;

mod demo;
mod validate;

#[derive(Parser)]
#[command(
    version,
    about = "Runs Apache Synapse / WSO2 Micro Integrator XML configurations"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve every *.xml below the deploy folder at /services/{proxy} (the default command).
    Serve(ServeArgs),
    /// Check config files or folders and print every problem as file:line:col.
    Validate(validate::ValidateArgs),
    /// Run the session proxies against a built-in GoToWebinar simulator and show the answers.
    Demo(demo::DemoArgs),
}

#[derive(Parser)]
struct ServeArgs {
    /// The folder whose *.xml files (recursively) are deployed.
    #[arg(long, default_value = "proxies")]
    deploy_dir: PathBuf,
    /// The HTTP port (8290 is WSO2 Micro Integrator's).
    #[arg(long, default_value_t = 8290)]
    port: u16,
    #[arg(long, default_value = "0.0.0.0")]
    host: IpAddr,
    /// Where the registry (cached tokens and other resources) is kept.
    #[arg(long, default_value = ".oxynapse")]
    data_dir: PathBuf,
    /// How long a backend may take to answer, in milliseconds.
    #[arg(long, default_value_t = 120_000)]
    backend_timeout_ms: u64,
    /// The largest request body accepted, in bytes; larger ones get 413.
    #[arg(long, default_value_t = 10 * 1024 * 1024)]
    max_body_bytes: usize,
}

impl Default for ServeArgs {
    /// The flags' defaults: what `cargo run --release` with no arguments serves with.
    fn default() -> Self {
        ServeArgs::parse_from(["serve"])
    }
}

/// Every connector and mediator this binary ships with. Registration is explicit.
fn registry() -> Registry {
    Registry::builder()
        .builtin_mediators()
        .connector(GoToWebinar::new())
        .build()
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command.unwrap_or(Command::Serve(ServeArgs::default())) {
        Command::Validate(args) => validate::run(&registry(), &args),
        Command::Demo(args) => demo::run(registry(), &args),
        Command::Serve(args) => serve(args),
    }
}

fn serve(args: ServeArgs) -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let settings = Settings {
            backend_timeout: Duration::from_millis(args.backend_timeout_ms),
            max_request_body: args.max_body_bytes,
            data_dir: args.data_dir.clone(),
        };
        let services = match EngineServices::new(settings) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        };
        let engine = Engine::new(registry(), services);
        let started = std::time::Instant::now();
        match engine.deploy_folder(&args.deploy_dir) {
            Ok(deployment) => tracing::info!(
                folder = %args.deploy_dir.display(),
                files = deployment.files().len(),
                errors = deployment.error_count(),
                elapsed_ms = started.elapsed().as_millis() as u64,
                "deployment done"
            ),
            Err(e) => {
                eprintln!(
                    "error: cannot read deploy folder {}: {e}",
                    args.deploy_dir.display()
                );
                return ExitCode::FAILURE;
            }
        }
        let addr = SocketAddr::new(args.host, args.port);
        let listener = match tokio::net::TcpListener::bind(addr).await {
            Ok(l) => l,
            Err(e) => {
                eprintln!("error: cannot listen on {addr}: {e}");
                return ExitCode::FAILURE;
            }
        };
        engine.set_ready();
        tracing::info!(address = %addr, "serving /services/{{proxy}}");
        oxynapse_engine::http::server::serve(listener, engine, shutdown_signal()).await;
        tracing::info!("stopped");
        ExitCode::SUCCESS
    })
}

/// Resolves on SIGINT or SIGTERM.
async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = interrupt.await;
                    return;
                }
            };
        tokio::select! {
            _ = interrupt => {},
            _ = terminate.recv() => {},
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}
