//! A deployed proxy service and the way one message flows through it.
//!
//! The inSequence runs first. If it ends without stopping (no send, respond or drop) and the
//! target has an endpoint, the message goes there and its answer through the outSequence.
//! An error goes to the faultSequence with `ERROR_CODE` and `ERROR_MESSAGE` set.
//!
//! Whatever happens, the client gets exactly one response:
//! * what `respond` or `send` captured;
//! * else, after an error, the fault sequence's status and body if it set any, otherwise a
//!   JSON error with the error's status (400, 404, 413, 500, 502, 504);
//! * else the status and body mediation set (`HTTP_SC`, a backend answer);
//! * else 202 with an empty body, as WSO2 answers.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use http::header::{CONTENT_TYPE, HeaderValue};
use http::{HeaderMap, StatusCode};

use crate::context::{MessageContext, OutgoingResponse};
use crate::endpoint::Endpoint;
use crate::error::MediationError;
use crate::mediators::{Flow, send_to_endpoint};
use crate::sequence::{SequenceRef, run_fault_handler, set_error_properties};

/// Request and error counts of one proxy, kept across redeployments.
#[derive(Debug, Default)]
pub struct ProxyStats {
    requests: AtomicU64,
    errors: AtomicU64,
}

impl ProxyStats {
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
    pub in_sequence: Option<SequenceRef>,
    pub out_sequence: Option<SequenceRef>,
    pub fault_sequence: Option<SequenceRef>,
    pub endpoint: Option<Endpoint>,
}

impl ProxyService {
    /// Mediates one request and returns the response for the client.
    pub async fn mediate(self: &Arc<Self>, ctx: &mut MessageContext) -> OutgoingResponse {
        ctx.set_service(self.clone());
        if let Err(error) = self.run(ctx).await {
            self.handle_fault(ctx, error).await;
        }
        if let Some(response) = ctx.take_response() {
            return response;
        }
        if ctx.has_explicit_result() {
            ctx.respond();
            return ctx
                .take_response()
                .expect("respond() just captured a response");
        }
        tracing::info!(proxy = %self.name, "flow ended without a response; answering 202");
        OutgoingResponse {
            status: StatusCode::ACCEPTED,
            headers: HeaderMap::new(),
            body: Bytes::new(),
        }
    }

    async fn run(&self, ctx: &mut MessageContext) -> Result<(), MediationError> {
        let flow = match &self.in_sequence {
            Some(sequence) => sequence.run(ctx).await?,
            None => Flow::Continue,
        };
        if flow == Flow::Continue
            && let Some(endpoint) = &self.endpoint
        {
            send_to_endpoint(ctx, endpoint, None).await?;
        }
        Ok(())
    }

    async fn handle_fault(&self, ctx: &mut MessageContext, mut error: MediationError) {
        ctx.record_fault();
        error.message = ctx.redact(&error.message);
        error.detail = ctx.redact(&error.detail);
        tracing::warn!(
            proxy = %self.name,
            status = error.status,
            error_code = error.code,
            error = %error,
            "mediation failed"
        );
        let error = match (&self.fault_sequence, error.fault_handled) {
            (Some(handler), false) => match run_fault_handler(ctx, handler, error).await {
                Ok(_) => return,
                Err(e) => e,
            },
            (_, _) => {
                set_error_properties(ctx, &error);
                error
            }
        };
        if !ctx.has_responded() {
            ctx.respond_with(error_response(&error));
        }
    }
}

/// The JSON error answer for an error no fault sequence handled.
pub fn error_response(error: &MediationError) -> OutgoingResponse {
    let mut headers = HeaderMap::new();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    OutgoingResponse {
        status: StatusCode::from_u16(error.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        headers,
        body: Bytes::from(error.to_json_body()),
    }
}
