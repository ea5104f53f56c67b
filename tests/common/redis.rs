//! A real Redis for the tests that need one. No mock stands in for it.
//!
//! * `OXYNAPSE_TEST_REDIS` (e.g. `redis://127.0.0.1:6379/0`), when set, names a server;
//! * else a `redis-server` found on the PATH (`.ci/run` installs the Debian package) is started
//!   here, on a free port, once per test binary, and stops when the test process ends;
//! * else the test fails and says how to get one (`apt-get install -y redis-server`).
//!
//! Each test takes a [`fresh_url`]: the server's URL with a key prefix of its own, so tests
//! running side by side on one server never see each other's keys.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use oxynapse_engine::store::{RedisRegistryStore, RegistryStore};

/// The environment variable naming the Redis server the tests use.
pub const ENV: &str = "OXYNAPSE_TEST_REDIS";

/// The URL of the tests' Redis server (no key prefix).
pub fn server_url() -> String {
    static SERVER: OnceLock<String> = OnceLock::new();
    SERVER
        .get_or_init(|| match std::env::var(ENV) {
            Ok(url) if !url.trim().is_empty() => url.trim().to_string(),
            _ => start_local().unwrap_or_else(|why| {
                panic!(
                    "this test needs a real Redis: {why}. Set {ENV}=redis://HOST:PORT/DB, or \
                     install redis-server (`apt-get install -y redis-server`) so the tests can \
                     start one, as .ci/run does"
                )
            }),
        })
        .clone()
}

/// The server's URL with a key prefix no other test uses.
pub fn fresh_url() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let base = server_url();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let separator = if base.contains('?') { '&' } else { '?' };
    format!(
        "{base}{separator}prefix=test-{}-{nanos}-{n}",
        std::process::id()
    )
}

/// A store connected to `url`, as one engine instance would connect.
pub async fn store(url: &str) -> Arc<dyn RegistryStore> {
    Arc::new(
        RedisRegistryStore::connect(url)
            .await
            .unwrap_or_else(|e| panic!("{e}")),
    )
}

/// Starts `redis-server` on a free port. A watchdog shell stops it when this process ends,
/// because nothing else would: the server outlives a test binary that exits or panics.
fn start_local() -> Result<String, String> {
    let found = Command::new("redis-server")
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !found {
        return Err(format!(
            "{ENV} is not set and no redis-server is on the PATH"
        ));
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| format!("no free port: {e}"))?
        .port();
    let script = format!(
        "redis-server --port {port} --bind 127.0.0.1 --save '' --appendonly no & r=$!; \
         while kill -0 {parent} 2>/dev/null && kill -0 $r 2>/dev/null; do sleep 0.5; done; \
         kill $r 2>/dev/null",
        parent = std::process::id()
    );
    Command::new("sh")
        .args(["-c", &script])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start redis-server: {e}"))?;
    let deadline = Instant::now() + Duration::from_secs(10);
    while !answers_ping(port) {
        if Instant::now() > deadline {
            return Err(format!("redis-server on port {port} did not answer PING"));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(format!("redis://127.0.0.1:{port}/0"))
}

fn answers_ping(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
    let mut reply = [0u8; 7];
    stream.write_all(b"PING\r\n").is_ok()
        && stream.read_exact(&mut reply).is_ok()
        && &reply == b"+PONG\r\n"
}
