//! The answer to the client: captured once, from the current message, when `respond` or a
//! `send` back to the client runs.

use bytes::Bytes;
use http::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use http::{HeaderMap, StatusCode};

use super::{MessageContext, axis2};
use crate::http::streamed::StreamedBody;

/// The response handed back to the client, captured when `respond` or `send` runs.
#[derive(Debug)]
pub struct OutgoingResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    /// The body, or nothing when it is in `stream`.
    pub body: Bytes,
    /// A large backend body relayed as it arrives; only when the transport asked for
    /// streaming (see [`Engine::handle_streaming`](crate::Engine::handle_streaming)).
    pub stream: Option<StreamedBody>,
}

impl OutgoingResponse {
    /// A response with a body held in memory.
    pub fn new(status: StatusCode, headers: HeaderMap, body: Bytes) -> OutgoingResponse {
        OutgoingResponse {
            status,
            headers,
            body,
            stream: None,
        }
    }
}

/// Headers that describe one hop and must not be copied to the next one.
pub fn is_hop_by_hop(name: &HeaderName) -> bool {
    matches!(
        name.as_str(),
        "connection"
            | "keep-alive"
            | "proxy-connection"
            | "proxy-authenticate"
            | "proxy-authorization"
            | "te"
            | "trailer"
            | "transfer-encoding"
            | "upgrade"
            | "host"
            | "content-length"
            | "expect"
    )
}

impl MessageContext {
    /// Captures the current message as the response (`respond`, or `send` back to the client).
    /// Only the first call counts: a client gets exactly one response.
    pub fn respond(&mut self) {
        if self.response.is_some() {
            return;
        }
        let status = self
            .axis2
            .get(axis2::HTTP_SC)
            .and_then(|s| s.trim().parse::<u16>().ok())
            .and_then(|s| StatusCode::from_u16(s).ok())
            .unwrap_or(if self.soap_fault {
                StatusCode::INTERNAL_SERVER_ERROR
            } else {
                StatusCode::OK
            });
        let mut headers = HeaderMap::with_capacity(self.headers.len());
        for (name, value) in &self.headers {
            if !is_hop_by_hop(name) {
                headers.append(name.clone(), value.clone());
            }
        }
        if let Some(ct) = self
            .axis2
            .get(axis2::MESSAGE_TYPE)
            .and_then(|ct| HeaderValue::from_str(ct).ok())
        {
            headers.insert(CONTENT_TYPE, ct);
        } else if self.payload.is_modified() && self.payload.is_json_tree() {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        let no_body = self
            .axis2
            .get("NO_ENTITY_BODY")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"));
        // A body still streaming is the unmodified backend answer (changing the body drops
        // the stream): it goes to the client as it arrives.
        let stream = self.streaming.body.take().filter(|_| !no_body);
        let body = if no_body || stream.is_some() {
            Bytes::new()
        } else {
            self.payload.to_bytes()
        };
        self.response = Some(OutgoingResponse {
            status,
            headers,
            body,
            stream,
        });
    }

    pub fn has_responded(&self) -> bool {
        self.response.is_some()
    }

    /// Answers with a prepared response (an error body) unless one was already captured.
    pub fn respond_with(&mut self, response: OutgoingResponse) {
        if self.response.is_none() {
            self.response = Some(response);
        }
    }

    pub fn take_response(&mut self) -> Option<OutgoingResponse> {
        self.response.take()
    }

    /// True when mediation set a status or a body that should reach the client even though
    /// the flow ended without `respond`.
    pub fn has_explicit_result(&self) -> bool {
        self.axis2.contains_key(axis2::HTTP_SC) || self.payload.is_modified()
    }
}
