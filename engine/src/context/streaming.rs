//! Large backend answers relayed without being held: the message side.
//!
//! Three facts decide whether a backend's body may stay a stream:
//! * the transport can relay one ([`MessageContext::allow_streaming`], the HTTP server does);
//! * the answer goes only through mediators that never read the body (`send_to_endpoint`
//!   checks the continuation's deploy-time flag and sets [`MessageContext::set_stream_answer`]
//!   around the endpoint call);
//! * the body is large (the HTTP client reads small ones whole anyway).
//!
//! The stream then waits here, in place of the payload bytes, until `respond` hands it to the
//! response. Anything that replaces the body drops it (the backend connection is closed);
//! anything that might read it reads it in first ([`MessageContext::buffer_streamed_body`]),
//! so the payload is never silently empty.

use super::MessageContext;
use crate::error::MediationError;
use crate::http::streamed::StreamedBody;

/// The streaming state of one message.
#[derive(Debug, Default)]
pub(super) struct Streaming {
    /// The transport can relay a streamed body to the client.
    allowed: bool,
    /// The endpoint call under way may return a streamed body.
    answer: bool,
    /// The current body, still arriving from the backend; the payload is empty meanwhile.
    pub(super) body: Option<StreamedBody>,
}

impl Streaming {
    /// The state of a branch copy (`clone`, `iterate`): allowed as for its message, with no
    /// body of its own. The mediators that split a message read its body first, so a
    /// streaming body never needs copying.
    pub(super) fn for_branch(&self) -> Streaming {
        debug_assert!(
            self.body.is_none(),
            "a streaming body is read in before a split"
        );
        Streaming {
            allowed: self.allowed,
            answer: false,
            body: None,
        }
    }
}

impl MessageContext {
    /// Lets this message's backend answers be streamed to the client (when nothing reads
    /// them): for transports that can relay a streaming body.
    pub fn allow_streaming(&mut self) {
        self.streaming.allowed = true;
    }

    /// True when the transport can relay a streamed body.
    pub fn streaming_allowed(&self) -> bool {
        self.streaming.allowed
    }

    /// Whether the endpoint call about to run may leave a large answer streaming; only
    /// granted when the transport allows it.
    pub fn set_stream_answer(&mut self, stream: bool) {
        self.streaming.answer = stream && self.streaming.allowed;
    }

    /// True while an endpoint call may leave its answer streaming.
    pub fn stream_answer(&self) -> bool {
        self.streaming.answer
    }

    /// Makes `body` the current message body, still arriving (after
    /// [`replace_message`](Self::replace_message) set the status and headers).
    pub fn set_streamed_body(&mut self, body: StreamedBody) {
        self.streaming.body = Some(body);
    }

    /// True when the body is still streaming from a backend.
    pub fn has_streamed_body(&self) -> bool {
        self.streaming.body.is_some()
    }

    /// Reads a streaming body in, making it an ordinary payload. Failures are the backend's
    /// (502 with 101505, or 504 with 101504 when it stalled).
    pub async fn buffer_streamed_body(&mut self) -> Result<(), MediationError> {
        let Some(stream) = self.streaming.body.take() else {
            return Ok(());
        };
        let body = stream.collect().await?;
        self.xml_view = None;
        self.payload.set_raw(body);
        Ok(())
    }
}
