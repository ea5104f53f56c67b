//! Prometheus metrics of one engine, served as text at `GET /metrics` on the management port.
//!
//! | metric                                   | labels                    | what                          |
//! |------------------------------------------|---------------------------|-------------------------------|
//! | `oxynapse_requests_total`                | `kind`, `name`, `status`  | answered requests, by proxy or API (`kind` `proxy`/`api`; `sequence` `main`; `none` for paths nothing serves) and status class (`2xx`...) |
//! | `oxynapse_request_duration_seconds`      | `kind`, `name`            | histogram of the time to answer |
//! | `oxynapse_requests_in_flight`            |                           | requests being mediated now   |
//! | `oxynapse_backend_calls_total`           | `endpoint`, `outcome`     | calls to backends, by endpoint name (its origin when anonymous; `gotowebinar:OPERATION` for the connector) and outcome |
//! | `oxynapse_token_refreshes_total`         | `connector`               | token refreshes that succeeded |
//! | `oxynapse_token_refresh_failures_total`  | `connector`               | token refreshes that failed   |
//! | `oxynapse_deploy_events_total`           | `event`                   | files `deployed`, `undeployed`, `failed`, `partial` |
//! | `oxynapse_deploy_failures_total`         |                           | files that were not (or only partly) deployed |
//!
//! Backend call outcomes: `ok` (status below 400), `client_error` (4xx), `server_error`
//! (5xx), `timeout`, `connect_failed`, `refused` (the allow-list), `failed` (anything else).
//!
//! Per-request cost: label handles ([`ArtifactMetrics`], [`BackendMetrics`]) are resolved
//! once, when an artifact is deployed or an endpoint first used, and kept beside it; a request
//! then costs a few atomic adds and no allocation.

use std::fmt;
use std::time::Duration;

use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts,
    Registry, TextEncoder,
};

use crate::error::{MediationError, codes};
use crate::http::client::BackendResponse;

/// Latency buckets, in seconds: the engine itself answers in well under a millisecond, a
/// backend may take up to the timeout.
const LATENCY_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
    120.0,
];

const STATUS_CLASSES: [&str; 5] = ["1xx", "2xx", "3xx", "4xx", "5xx"];

/// Every metric of one engine, in a registry of its own.
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    in_flight: IntGauge,
    backend_calls: IntCounterVec,
    token_refreshes: IntCounterVec,
    token_refresh_failures: IntCounterVec,
    deploy_events: IntCounterVec,
    deploy_failures: IntCounter,
    unmatched: ArtifactMetrics,
    main: ArtifactMetrics,
}

impl fmt::Debug for Metrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

fn counter_vec(registry: &Registry, name: &str, help: &str, labels: &[&str]) -> IntCounterVec {
    let vec = IntCounterVec::new(Opts::new(name, help), labels).expect("a valid metric");
    registry
        .register(Box::new(vec.clone()))
        .expect("each metric is registered once");
    vec
}

impl Metrics {
    pub fn new() -> Metrics {
        let registry = Registry::new();
        let requests = counter_vec(
            &registry,
            "oxynapse_requests_total",
            "Requests answered, by proxy or API and status class.",
            &["kind", "name", "status"],
        );
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "oxynapse_request_duration_seconds",
                "Time from a request's arrival to its answer, by proxy or API.",
            )
            .buckets(LATENCY_BUCKETS.to_vec()),
            &["kind", "name"],
        )
        .expect("a valid metric");
        registry
            .register(Box::new(latency.clone()))
            .expect("registered once");
        let in_flight = IntGauge::new(
            "oxynapse_requests_in_flight",
            "Requests being mediated now.",
        )
        .expect("a valid metric");
        registry
            .register(Box::new(in_flight.clone()))
            .expect("registered once");
        let deploy_failures = IntCounter::new(
            "oxynapse_deploy_failures_total",
            "Config files that were not deployed, or only partly.",
        )
        .expect("a valid metric");
        registry
            .register(Box::new(deploy_failures.clone()))
            .expect("registered once");
        Metrics {
            backend_calls: counter_vec(
                &registry,
                "oxynapse_backend_calls_total",
                "Calls to backends, by endpoint and outcome.",
                &["endpoint", "outcome"],
            ),
            token_refreshes: counter_vec(
                &registry,
                "oxynapse_token_refreshes_total",
                "Access token refreshes that succeeded, by connector.",
                &["connector"],
            ),
            token_refresh_failures: counter_vec(
                &registry,
                "oxynapse_token_refresh_failures_total",
                "Access token refreshes that failed, by connector.",
                &["connector"],
            ),
            deploy_events: counter_vec(
                &registry,
                "oxynapse_deploy_events_total",
                "Config files deployed, undeployed, failed or partly deployed.",
                &["event"],
            ),
            unmatched: ArtifactMetrics::resolve(&requests, &latency, "none", ""),
            main: ArtifactMetrics::resolve(&requests, &latency, "sequence", "main"),
            registry,
            requests,
            latency,
            in_flight,
            deploy_failures,
        }
    }

    /// The handles of one proxy (`kind` `proxy`) or API (`api`).
    pub fn artifact(&self, kind: &str, name: &str) -> ArtifactMetrics {
        ArtifactMetrics::resolve(&self.requests, &self.latency, kind, name)
    }

    /// Requests no proxy, API or `main` sequence serves.
    pub fn unmatched(&self) -> &ArtifactMetrics {
        &self.unmatched
    }

    /// Requests the `main` sequence mediates.
    pub fn main_sequence(&self) -> &ArtifactMetrics {
        &self.main
    }

    /// The handles of the backend calls through `endpoint`.
    pub fn backend(&self, endpoint: &str) -> BackendMetrics {
        let counter = |outcome: &str| self.backend_calls.with_label_values(&[endpoint, outcome]);
        BackendMetrics {
            ok: counter("ok"),
            client_error: counter("client_error"),
            server_error: counter("server_error"),
            timeout: counter("timeout"),
            connect_failed: counter("connect_failed"),
            refused: counter("refused"),
            failed: counter("failed"),
        }
    }

    /// Counts a token refresh of `connector` (rare: resolved each time).
    pub fn token_refresh(&self, connector: &str, succeeded: bool) {
        let vec = if succeeded {
            &self.token_refreshes
        } else {
            &self.token_refresh_failures
        };
        vec.with_label_values(&[connector]).inc();
    }

    /// Counts a deployment change of one file: `deployed`, `undeployed`, `failed`, `partial`.
    pub fn deploy_event(&self, event: &str) {
        self.deploy_events.with_label_values(&[event]).inc();
        if matches!(event, "failed" | "partial") {
            self.deploy_failures.inc();
        }
    }

    /// Counts a request as in flight until the guard drops (also when the request is
    /// cancelled because its client went away).
    pub fn in_flight(&self) -> InFlight<'_> {
        self.in_flight.inc();
        InFlight(&self.in_flight)
    }

    /// Everything, in Prometheus's text format (`text/plain; version=0.0.4`).
    pub fn render(&self) -> String {
        let mut out = Vec::new();
        // Encoding our own well-formed families into a Vec cannot fail.
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut out);
        String::from_utf8(out).unwrap_or_default()
    }
}

/// The content type of [`Metrics::render`]'s text.
pub const CONTENT_TYPE: &str = prometheus::TEXT_FORMAT;

/// Keeps a request counted in `oxynapse_requests_in_flight`.
pub struct InFlight<'a>(&'a IntGauge);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// The request counters (one per status class) and the latency histogram of one proxy or API.
#[derive(Clone)]
pub struct ArtifactMetrics {
    by_class: [IntCounter; 5],
    latency: Histogram,
}

impl fmt::Debug for ArtifactMetrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ArtifactMetrics").finish_non_exhaustive()
    }
}

impl ArtifactMetrics {
    fn resolve(
        requests: &IntCounterVec,
        latency: &HistogramVec,
        kind: &str,
        name: &str,
    ) -> ArtifactMetrics {
        ArtifactMetrics {
            by_class: STATUS_CLASSES.map(|class| requests.with_label_values(&[kind, name, class])),
            latency: latency.with_label_values(&[kind, name]),
        }
    }

    /// Counts one answered request.
    pub fn record(&self, status: u16, elapsed: Duration) {
        let class = usize::from(status / 100).clamp(1, 5) - 1;
        self.by_class[class].inc();
        self.latency.observe(elapsed.as_secs_f64());
    }
}

/// The call counters of one endpoint, one per outcome.
#[derive(Clone)]
pub struct BackendMetrics {
    ok: IntCounter,
    client_error: IntCounter,
    server_error: IntCounter,
    timeout: IntCounter,
    connect_failed: IntCounter,
    refused: IntCounter,
    failed: IntCounter,
}

impl fmt::Debug for BackendMetrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BackendMetrics").finish_non_exhaustive()
    }
}

impl BackendMetrics {
    /// Counts one call by how it ended.
    pub fn record(&self, result: &Result<BackendResponse, MediationError>) {
        let counter = match result {
            Ok(response) if response.status.as_u16() >= 500 => &self.server_error,
            Ok(response) if response.status.as_u16() >= 400 => &self.client_error,
            Ok(_) => &self.ok,
            Err(e) => match e.code {
                codes::TIMEOUT => &self.timeout,
                codes::CONNECTION_FAILED => &self.connect_failed,
                codes::BACKEND_NOT_ALLOWED => &self.refused,
                _ => &self.failed,
            },
        };
        counter.inc();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_count_by_status_class_and_render_as_text() {
        let metrics = Metrics::new();
        let orders = metrics.artifact("proxy", "orders");
        orders.record(200, Duration::from_millis(3));
        orders.record(204, Duration::from_millis(3));
        orders.record(502, Duration::from_secs(2));
        metrics.unmatched().record(404, Duration::ZERO);
        {
            let _guard = metrics.in_flight();
            assert!(metrics.render().contains("oxynapse_requests_in_flight 1"));
        }
        metrics.deploy_event("deployed");
        metrics.deploy_event("failed");
        metrics.token_refresh("gotowebinar", false);
        let text = metrics.render();
        for line in [
            r#"oxynapse_requests_total{kind="proxy",name="orders",status="2xx"} 2"#,
            r#"oxynapse_requests_total{kind="proxy",name="orders",status="5xx"} 1"#,
            r#"oxynapse_requests_total{kind="none",name="",status="4xx"} 1"#,
            r#"oxynapse_request_duration_seconds_bucket{kind="proxy",name="orders",le="0.005"} 2"#,
            r#"oxynapse_request_duration_seconds_count{kind="proxy",name="orders"} 3"#,
            "oxynapse_requests_in_flight 0",
            r#"oxynapse_deploy_events_total{event="failed"} 1"#,
            "oxynapse_deploy_failures_total 1",
            r#"oxynapse_token_refresh_failures_total{connector="gotowebinar"} 1"#,
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "{line} missing from\n{text}"
            );
        }
    }

    #[test]
    fn backend_outcomes() {
        let metrics = Metrics::new();
        let backend = metrics.backend("orders-ep");
        let answer = |status: u16| {
            Ok(BackendResponse {
                status: http::StatusCode::from_u16(status).unwrap(),
                headers: http::HeaderMap::new(),
                body: bytes::Bytes::new(),
                stream: None,
            })
        };
        backend.record(&answer(200));
        backend.record(&answer(404));
        backend.record(&answer(503));
        backend.record(&Err(
            MediationError::backend_timeout("slow").with_code(codes::TIMEOUT)
        ));
        let text = metrics.render();
        for outcome in ["ok", "client_error", "server_error", "timeout"] {
            let line = format!(
                r#"oxynapse_backend_calls_total{{endpoint="orders-ep",outcome="{outcome}"}} 1"#
            );
            assert!(text.contains(&line), "{line} missing from\n{text}");
        }
        assert!(text.contains(r#"outcome="refused"} 0"#));
    }
}
