//! The load: requests for each path and the check of their answers, the closed-loop maximum,
//! and the open-loop soak at a fixed rate.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use super::histogram::Histogram;
use super::{HTML_500, PathKind};

/// How long the client waits for any answer before counting a client-side timeout.
pub const CLIENT_TIMEOUT: Duration = Duration::from_secs(10);

pub type HttpClient = Client<HttpConnector, Full<Bytes>>;

/// How long the client keeps an idle connection. Below the engine's header read timeout
/// (10 s by default), which also ends idle keep-alive connections: a client that keeps them
/// longer races the engine's close, and a request sent just as the engine closes fails with
/// a reset or "connection closed before message completed".
pub const CLIENT_POOL_IDLE: Duration = Duration::from_secs(5);

/// A keep-alive client with an unbounded pool, as a load generator needs.
pub fn client() -> HttpClient {
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    Client::builder(TokioExecutor::new())
        .pool_idle_timeout(CLIENT_POOL_IDLE)
        .pool_timer(hyper_util::rt::TokioTimer::new())
        .build(connector)
}

/// Everything the requests need: the client, the engine's port, the endpoint timeout (for
/// the time bounds) and the request body's size.
#[derive(Debug, Clone)]
pub struct Target {
    pub client: HttpClient,
    pub port: u16,
    pub endpoint_timeout: Duration,
    pub body_bytes: usize,
}

/// The outcome of one request, checked against its path's expectation.
#[derive(Debug)]
pub enum Outcome {
    /// The defined answer, within the time bound.
    Expected { status: u16 },
    /// An answer, but not the defined one; `why` says what differs.
    Unexpected { status: u16, why: String },
    /// No answer: connection failure, reset, or [`CLIENT_TIMEOUT`].
    ClientError(String),
}

/// A request body: `seq` makes each one unique, so a mixed-up answer is caught.
pub fn body(seq: u64, size: usize) -> Bytes {
    let head = format!(
        r#"{{"seq":{seq},"symbol":"IBM","order":{{"qty":{}}},"accessToken":"soak-token-{seq}","pad":""#,
        seq % 1000 + 1
    );
    let mut text = head;
    let pad = size.saturating_sub(text.len() + 2);
    text.extend(std::iter::repeat_n('x', pad));
    text.push_str("\"}");
    Bytes::from(text)
}

/// Sends one request on `kind`'s path and checks the answer.
pub async fn request(target: &Target, kind: PathKind, seq: u64) -> (Outcome, Duration) {
    let sent = body(seq, target.body_bytes);
    let request = http::Request::post(format!(
        "http://127.0.0.1:{}/services/{}",
        target.port,
        kind.proxy()
    ))
    .header("content-type", "application/json")
    .body(Full::new(sent.clone()));
    let Ok(request) = request else {
        return (Outcome::ClientError("bad request".into()), Duration::ZERO);
    };
    let started = Instant::now();
    let answer = tokio::time::timeout(CLIENT_TIMEOUT, async {
        let response = target.client.request(request).await.map_err(describe)?;
        let (parts, body) = response.into_parts();
        let body = body.collect().await.map_err(describe)?.to_bytes();
        Ok::<_, String>((parts, body))
    })
    .await;
    let elapsed = started.elapsed();
    let (parts, answer) = match answer {
        Err(_) => {
            return (
                Outcome::ClientError("client timeout (10 s)".into()),
                elapsed,
            );
        }
        Ok(Err(e)) => return (Outcome::ClientError(e), elapsed),
        Ok(Ok(answer)) => answer,
    };
    let status = parts.status.as_u16();
    let bound = kind.time_bound(target.endpoint_timeout);
    let why = if status != kind.expected_status() {
        Some(format!("status {status}: {}", snippet(&answer)))
    } else if !kind.is_good() && elapsed > bound {
        Some(format!("answered after {:.2} s", elapsed.as_secs_f64()))
    } else {
        match kind {
            PathKind::Relay if answer != sent => {
                Some(format!("echo differs: {}", snippet(&answer)))
            }
            PathKind::Seed => seed_mismatch(seq, &answer),
            PathKind::Html500 if answer != HTML_500.as_bytes() => {
                Some(format!("body differs: {}", snippet(&answer)))
            }
            PathKind::Timeout if elapsed < target.endpoint_timeout => {
                Some(format!("504 after only {:.3} s", elapsed.as_secs_f64()))
            }
            _ => None,
        }
    };
    let outcome = match why {
        None => Outcome::Expected { status },
        Some(why) => Outcome::Unexpected { status, why },
    };
    (outcome, elapsed)
}

/// The seed-like proxy must answer `{"seq": N, "symbol": "IBM", "quantity": Q, "checked": true}`.
fn seed_mismatch(seq: u64, answer: &[u8]) -> Option<String> {
    let expected = serde_json::json!({
        "seq": seq, "symbol": "IBM", "quantity": seq % 1000 + 1, "checked": true
    });
    match serde_json::from_slice::<serde_json::Value>(answer) {
        // With arbitrary_precision numbers compare by their text: `8` matches, `8.0` does not.
        Ok(v) if v == expected => None,
        _ => Some(format!("wrong JSON: {}", snippet(answer))),
    }
}

fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(160)]);
    text.replace(['\n', '\r'], " ")
}

/// The innermost cause of a client error: "connection reset by peer", "connection refused"...
fn describe(e: impl std::error::Error) -> String {
    let mut cause: &dyn std::error::Error = &e;
    while let Some(source) = cause.source() {
        cause = source;
    }
    let text = cause.to_string();
    if text.is_empty() { e.to_string() } else { text }
}

/// What happened on one path.
#[derive(Debug, Default, Clone)]
pub struct PathStats {
    /// Requests with an outcome (an answer or a client error).
    pub sent: u64,
    pub expected: u64,
    pub statuses: BTreeMap<u16, u64>,
    pub unexpected: u64,
    pub client_errors: BTreeMap<String, u64>,
    /// The first few unexpected answers or errors, for the report.
    pub examples: Vec<String>,
    pub latency: Histogram,
}

impl PathStats {
    pub fn errors(&self) -> u64 {
        self.unexpected + self.client_errors.values().sum::<u64>()
    }

    fn record(&mut self, outcome: Outcome, elapsed: Duration) {
        self.sent += 1;
        let example = match outcome {
            Outcome::Expected { status } => {
                self.expected += 1;
                *self.statuses.entry(status).or_default() += 1;
                None
            }
            Outcome::Unexpected { status, why } => {
                self.unexpected += 1;
                *self.statuses.entry(status).or_default() += 1;
                Some(why)
            }
            Outcome::ClientError(e) => {
                *self.client_errors.entry(e.clone()).or_default() += 1;
                Some(e)
            }
        };
        if let Some(example) = example.filter(|_| self.examples.len() < 3) {
            self.examples.push(example);
        }
        self.latency.record(elapsed);
    }
}

/// The statistics of every path, shared by the request tasks.
pub type Stats = Arc<Mutex<BTreeMap<PathKind, PathStats>>>;

fn record(stats: &Stats, kind: PathKind, outcome: Outcome, elapsed: Duration) {
    let mut stats = stats.lock().unwrap_or_else(|p| p.into_inner());
    stats.entry(kind).or_default().record(outcome, elapsed);
}

/// The closed loop: `conns` workers each send requests one after the other, cycling through
/// `paths`, for `warmup + measure`. Returns the answers per second over `measure`, and the
/// statistics of the measured requests.
pub async fn closed_loop(
    target: &Target,
    paths: &[PathKind],
    conns: usize,
    warmup: Duration,
    measure: Duration,
) -> (f64, BTreeMap<PathKind, PathStats>) {
    let stats: Stats = Arc::default();
    let start = Instant::now();
    let (from, until) = (start + warmup, start + warmup + measure);
    let seq = Arc::new(AtomicU64::new(1 << 40));
    let mut workers = Vec::new();
    for worker in 0..conns {
        let (target, stats, seq, paths) =
            (target.clone(), stats.clone(), seq.clone(), paths.to_vec());
        workers.push(tokio::spawn(async move {
            let mut i = worker;
            while Instant::now() < until {
                let kind = paths[i % paths.len()];
                i += 1;
                let n = seq.fetch_add(1, Ordering::Relaxed);
                let (outcome, elapsed) = request(&target, kind, n).await;
                if Instant::now() >= from && Instant::now() < until {
                    record(&stats, kind, outcome, elapsed);
                }
            }
        }));
    }
    for worker in workers {
        let _ = worker.await;
    }
    let stats = stats.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let answered: u64 = stats.values().map(|s| s.expected + s.unexpected).sum();
    (answered as f64 / measure.as_secs_f64(), stats)
}

/// The open loop: starts requests at `rate` per second, whatever the answers' pace, cycling
/// through `schedule`, until `duration` has passed; then waits for those in flight. At most
/// `max_in_flight` are outstanding: beyond it a request is not sent and counted in `skipped`.
#[derive(Debug)]
pub struct OpenLoop {
    pub stats: Stats,
    pub started: Instant,
    pub sent: Arc<AtomicU64>,
    pub skipped: Arc<AtomicU64>,
    pub in_flight: Arc<AtomicU64>,
    pub peak_in_flight: Arc<AtomicU64>,
}

impl OpenLoop {
    pub fn new() -> OpenLoop {
        OpenLoop {
            stats: Arc::default(),
            started: Instant::now(),
            sent: Arc::default(),
            skipped: Arc::default(),
            in_flight: Arc::default(),
            peak_in_flight: Arc::default(),
        }
    }

    /// Runs the loop; returns when every request sent has an outcome.
    pub async fn run(
        &self,
        target: &Target,
        schedule: &[PathKind],
        rate: f64,
        duration: Duration,
        max_in_flight: u64,
    ) {
        let mut ticker = tokio::time::interval(Duration::from_millis(1));
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let mut started_n: u64 = 0;
        loop {
            ticker.tick().await;
            let elapsed = self.started.elapsed();
            if elapsed >= duration {
                break;
            }
            let due = (elapsed.as_secs_f64() * rate) as u64;
            while started_n < due {
                let kind = schedule[(started_n % schedule.len() as u64) as usize];
                started_n += 1;
                if self.in_flight.load(Ordering::Relaxed) >= max_in_flight {
                    self.skipped.fetch_add(1, Ordering::Relaxed);
                    continue;
                }
                let now = self.in_flight.fetch_add(1, Ordering::Relaxed) + 1;
                self.peak_in_flight.fetch_max(now, Ordering::Relaxed);
                self.sent.fetch_add(1, Ordering::Relaxed);
                let (target, stats, in_flight) =
                    (target.clone(), self.stats.clone(), self.in_flight.clone());
                tokio::spawn(async move {
                    let (outcome, elapsed) = request(&target, kind, started_n).await;
                    record(&stats, kind, outcome, elapsed);
                    in_flight.fetch_sub(1, Ordering::Relaxed);
                });
            }
        }
        while self.in_flight.load(Ordering::Relaxed) > 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Answers (and client errors) so far.
    pub fn done(&self) -> u64 {
        let stats = self.stats.lock().unwrap_or_else(|p| p.into_inner());
        stats.values().map(|s| s.sent).sum()
    }
}

impl Default for OpenLoop {
    fn default() -> Self {
        OpenLoop::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_have_the_size_and_the_fields() {
        let b = body(7, 1024);
        assert_eq!(b.len(), 1024);
        let v: serde_json::Value = serde_json::from_slice(&b).unwrap();
        assert_eq!(v["seq"].to_string(), "7");
        assert_eq!(v["order"]["qty"].to_string(), "8");
        assert!(
            seed_mismatch(
                7,
                br#"{"seq": 7, "symbol": "IBM", "quantity": 8, "checked": true}"#
            )
            .is_none()
        );
        assert!(
            seed_mismatch(
                7,
                br#"{"seq": 8, "symbol": "IBM", "quantity": 8, "checked": true}"#
            )
            .is_some()
        );
    }
}
