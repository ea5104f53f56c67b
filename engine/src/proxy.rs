//! A deployed proxy service: `/services/{name}`.
//!
//! How a message flows through it is the [`Handler`]'s business; the proxy adds what is
//! specific to services: its name in the URL, `startOnLoad`, and its parameters.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use crate::context::{MessageContext, OutgoingResponse};
use crate::handler::Handler;
use crate::metrics::ArtifactMetrics;

/// Request and error counts of one proxy or API, kept across redeployments, and its
/// Prometheus handles (resolved when it is first deployed).
#[derive(Debug, Default)]
pub struct RequestStats {
    requests: AtomicU64,
    errors: AtomicU64,
    metrics: Option<ArtifactMetrics>,
}

impl RequestStats {
    /// Counters that also feed these Prometheus handles.
    pub fn with_metrics(metrics: ArtifactMetrics) -> RequestStats {
        RequestStats {
            metrics: Some(metrics),
            ..RequestStats::default()
        }
    }

    pub fn record(&self, failed: bool) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        if failed {
            self.errors.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Counts one answered request: `failed` when the fault path ran, with the answer's
    /// status and the time since `started`.
    pub fn record_answer(&self, failed: bool, status: u16, started: Instant) {
        self.record(failed);
        self.observe(status, started);
    }

    /// Counts an answer given without mediating (405, OPTIONS, a stopped proxy's 503) in the
    /// metrics only: the management API's counts are of mediated requests.
    pub fn observe(&self, status: u16, started: Instant) {
        if let Some(metrics) = &self.metrics {
            metrics.record(status, started.elapsed());
        }
    }

    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// Requests whose mediation failed (the fault path ran).
    pub fn errors(&self) -> u64 {
        self.errors.load(Ordering::Relaxed)
    }
}

#[derive(Debug)]
pub struct ProxyService {
    pub name: String,
    /// The file that defined it, as shown in diagnostics.
    pub file: Arc<str>,
    /// `startOnLoad="false"` deploys the proxy stopped: it answers 503 until started.
    pub started: bool,
    pub transports: Vec<String>,
    pub description: Option<String>,
    pub parameters: Vec<(String, String)>,
    /// Its sequences and target endpoint.
    pub handler: Arc<Handler>,
}

impl ProxyService {
    /// Mediates one request; `name_end` is where the proxy name ends in the request URI.
    pub async fn mediate(&self, ctx: &mut MessageContext, name_end: usize) -> OutgoingResponse {
        // A fixed name that marks no credential: no need to check it per message.
        ctx.set_known_property("proxy.name", self.name.as_str(), false);
        ctx.set_handler(self.handler.clone(), name_end);
        self.handler.mediate(ctx).await
    }
}
