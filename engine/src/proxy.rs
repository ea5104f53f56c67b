//! A deployed proxy service: `/services/{name}`.
//!
//! How a message flows through it is the [`Handler`]'s business; the proxy adds what is
//! specific to services: its name in the URL, `startOnLoad`, and its parameters.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::context::{MessageContext, OutgoingResponse};
use crate::handler::Handler;

/// Request and error counts of one proxy, kept across redeployments.
#[derive(Debug, Default)]
pub struct RequestStats {
    requests: AtomicU64,
    errors: AtomicU64,
}

impl RequestStats {
    pub fn record(&self, failed: bool) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        if failed {
            self.errors.fetch_add(1, Ordering::Relaxed);
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
