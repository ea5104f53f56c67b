//! The `oxynapse` command: serve a folder of Synapse configs, or validate configs.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use oxynapse_engine::http::allow_list::AllowList;
use oxynapse_engine::http::server;
use oxynapse_engine::{Engine, EngineServices, Limits, Registry, Settings};
use oxynapse_gotowebinar::GoToWebinar;
use tokio::net::TcpListener;

mod config_file;
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
#[command(args_override_self = true)]
struct ServeArgs {
    /// A TOML file of these settings (keys are the flag names); flags given here win.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Backends may only be called on hosts matching one of these patterns (repeatable):
    /// `host`, `host:port`, `*.domain`, `ip:*`. Without any, every host is allowed.
    #[arg(long = "allow-backend", value_name = "PATTERN")]
    allow_backend: Vec<String>,
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
    /// Where the registry lives: `file` (under --data-dir, the default) or Redis,
    /// `redis://[:PASSWORD@]HOST:PORT/DB[?prefix=NAME]`, which many instances can share.
    #[arg(long, value_name = "file|redis://HOST:PORT/DB")]
    registry: Option<String>,
    /// How long a backend may take to answer, in milliseconds.
    #[arg(long, default_value_t = 120_000)]
    backend_timeout_ms: u64,
    /// The largest request body accepted, in bytes; larger ones get 413.
    #[arg(long, default_value_t = 10 * 1024 * 1024)]
    max_body_bytes: usize,
    /// The port of the read-only management API (9164 is WSO2 MI's).
    #[arg(long, default_value_t = 9164)]
    management_port: u16,
    /// The management API listens here; keep it local unless you mean otherwise.
    #[arg(long, default_value = "127.0.0.1")]
    management_host: IpAddr,
    /// Do not watch the deploy folder for changes.
    #[arg(long)]
    no_watch: bool,
    /// On SIGINT/SIGTERM, how long requests in flight may run on, in milliseconds.
    #[arg(long, default_value_t = 30_000)]
    shutdown_grace_ms: u64,
    /// Requests with more headers than this get 431.
    #[arg(long, default_value_t = 100)]
    max_headers: usize,
    /// Requests whose request line and headers exceed this many bytes get 431.
    #[arg(long, default_value_t = 64 * 1024)]
    max_header_bytes: usize,
    /// Clients that have not sent their headers within this many milliseconds are disconnected.
    #[arg(long, default_value_t = 10_000)]
    header_read_timeout_ms: u64,
    /// Connections served at once; more wait in the listen queue.
    #[arg(long, default_value_t = 10_000)]
    max_connections: usize,
    /// JSON bodies nested deeper than this are refused with 400.
    #[arg(long, default_value_t = 400)]
    max_json_depth: usize,
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
    let known: Vec<String> = <ServeArgs as clap::CommandFactory>::command()
        .get_arguments()
        .filter_map(|a| a.get_long().map(str::to_string))
        .collect();
    let args = match config_file::expand(std::env::args_os().collect(), &known) {
        Ok(args) => args,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let cli = Cli::parse_from(args);
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
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run_server(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run_server(args: ServeArgs) -> Result<(), String> {
    let settings = Settings {
        backend_timeout: Duration::from_millis(args.backend_timeout_ms),
        max_request_body: args.max_body_bytes,
        data_dir: args.data_dir.clone(),
        shutdown_grace: Duration::from_millis(args.shutdown_grace_ms),
        limits: Limits {
            max_headers: args.max_headers,
            max_header_bytes: args.max_header_bytes.max(1024),
            header_read_timeout: Duration::from_millis(args.header_read_timeout_ms),
            max_connections: args.max_connections.max(1),
            max_json_depth: args.max_json_depth,
        },
        allowed_backends: AllowList::parse(&args.allow_backend)
            .map_err(|e| format!("--allow-backend: {e}"))?,
    };
    if settings.allowed_backends.allows_everything() {
        tracing::warn!(
            "every backend host may be called; restrict them with --allow-backend (see the README's Production section)"
        );
    } else {
        tracing::info!(allowed = %settings.allowed_backends, "backend allow-list");
    }
    let store = oxynapse_engine::store::open(args.registry.as_deref(), &args.data_dir).await?;
    tracing::info!(store = ?store, "registry");
    let engine = Engine::new(registry(), EngineServices::with_store(settings, store)?);
    let started = std::time::Instant::now();
    let deployment = engine.deploy_folder(&args.deploy_dir).map_err(|e| {
        format!(
            "cannot read deploy folder {}: {e}",
            args.deploy_dir.display()
        )
    })?;
    tracing::info!(
        folder = %args.deploy_dir.display(),
        files = deployment.files().len(),
        errors = deployment.error_count(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "deployment done"
    );
    let _watcher = if args.no_watch {
        None
    } else {
        let watcher =
            oxynapse_engine::deploy::watch_folder(engine.clone(), args.deploy_dir.clone())
                .map_err(|e| format!("cannot watch {}: {e}", args.deploy_dir.display()))?;
        Some(watcher)
    };
    let addr = SocketAddr::new(args.host, args.port);
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let management_addr = SocketAddr::new(args.management_host, args.management_port);
    let management = TcpListener::bind(management_addr)
        .await
        .map_err(|e| format!("cannot listen on {management_addr} (management): {e}"))?;
    let local = |l: &TcpListener| l.local_addr().map(|a| a.to_string()).unwrap_or_default();
    engine.set_ready();
    tracing::info!(services = %local(&listener), management = %local(&management), "listening");

    let (stop, _) = tokio::sync::broadcast::channel::<()>(1);
    let stopped = |stop: &tokio::sync::broadcast::Sender<()>| {
        let mut rx = stop.subscribe();
        async move {
            let _ = rx.recv().await;
        }
    };
    let services = server::serve(listener, engine.clone(), stopped(&stop));
    let management = server::serve_management(management, engine, stopped(&stop));
    let signal = async {
        shutdown_signal().await;
        tracing::info!("shutting down: finishing requests in flight");
        let _ = stop.send(());
    };
    tokio::join!(services, management, signal);
    tracing::info!("stopped");
    Ok(())
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
