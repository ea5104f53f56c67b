//! How one message flows through whatever handles it: a proxy service or an API resource.
//!
//! The inSequence runs first. If it ends without stopping (no send, respond or drop) and there
//! is a target endpoint (proxies), the message goes there and its answer through the
//! outSequence. An error goes to the faultSequence with `ERROR_CODE` and `ERROR_MESSAGE` set.
//!
//! Whatever happens, the client gets exactly one response:
//! * what `respond` or `send` captured;
//! * else, after an error, the fault sequence's status and body if it set any, otherwise a
//!   JSON error with the error's status (400, 404, 413, 500, 502, 504);
//! * else the status and body mediation set (`HTTP_SC`, a backend answer);
//! * else 202 with an empty body, as WSO2 answers.

use std::fmt;

use bytes::Bytes;
use http::header::{CONTENT_TYPE, HeaderValue};
use http::{HeaderMap, StatusCode};

use crate::context::{MessageContext, OutgoingResponse};
use crate::endpoint::Endpoint;
use crate::error::MediationError;
use crate::mediators::{Flow, send_to_endpoint};
use crate::sequence::{SequenceRef, run_fault_handler, set_error_properties};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandlerKind {
    Proxy,
    Api,
    /// The `main` sequence, which takes requests no proxy or API serves.
    Sequence,
}

/// The proxy or API resource handling a message: its sequences and target.
#[derive(Debug)]
pub struct Handler {
    pub kind: HandlerKind,
    /// The proxy's or API's name, as logs show it.
    pub name: String,
    pub in_sequence: Option<SequenceRef>,
    pub out_sequence: Option<SequenceRef>,
    pub fault_sequence: Option<SequenceRef>,
    /// A proxy's target endpoint, used when the inSequence ends without stopping.
    pub endpoint: Option<Endpoint>,
}

impl fmt::Display for Handler {
    /// `{proxy:Name}` or `{api:Name}`, the prefix WSO2 MI puts on log lines.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            HandlerKind::Proxy => write!(f, "{{proxy:{}}}", self.name),
            HandlerKind::Api => write!(f, "{{api:{}}}", self.name),
            HandlerKind::Sequence => write!(f, "{{sequence:{}}}", self.name),
        }
    }
}

impl Handler {
    /// Mediates the message in `ctx` (whose handler is `self`) and returns the response.
    pub async fn mediate(&self, ctx: &mut MessageContext) -> OutgoingResponse {
        if let Err(error) = self.run(ctx).await {
            self.handle_fault(ctx, error).await;
        }
        // Aggregations still waiting for branches complete with what they have.
        if let Err(error) = crate::eip::settle(ctx).await {
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
        tracing::info!(handler = %self, "flow ended without a response; answering 202");
        OutgoingResponse::new(StatusCode::ACCEPTED, HeaderMap::new(), Bytes::new())
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
            handler = %self,
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
    OutgoingResponse::new(
        StatusCode::from_u16(error.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        headers,
        Bytes::from(error.to_json_body()),
    )
}
