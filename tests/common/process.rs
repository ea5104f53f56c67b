//! The real `oxynapse` binary as a child process, for the tests that need the process itself
//! (signals, start-up configuration): started on free ports, found through its log line
//! `listening services=127.0.0.1:PORT management=127.0.0.1:PORT`.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// `oxynapse serve` on free local ports, serving `deploy` with its data in `data`, plus `extra`
/// arguments; returns the child and the services address (`127.0.0.1:PORT`) once it listens.
pub fn serve_binary(deploy: &Path, data: &Path, extra: &[&str]) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_oxynapse"))
        .args(["serve", "--host", "127.0.0.1", "--port", "0"])
        .args(["--management-port", "0", "--deploy-dir"])
        .arg(deploy)
        .arg("--data-dir")
        .arg(data)
        .args(extra)
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (lines_tx, lines_rx) = std::sync::mpsc::channel::<String>();
    // Keeps reading, so the child never blocks on a full pipe.
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = lines_tx.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(20);
    let services = loop {
        let line = lines_rx
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .expect("the server logs where it listens");
        if let Some(rest) = line.split("services=").nth(1) {
            break rest.split_whitespace().next().unwrap().to_string();
        }
    };
    (child, services)
}
