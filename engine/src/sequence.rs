//! Sequences at run time: mediator lists, named sequences with `onError`, and references.
//!
//! ```xml
//! <sequence name="audit" onError="auditFault">
//!     <log level="custom"><property name="step" value="audit"/></log>
//! </sequence>
//! ```

use std::fmt;
use std::sync::Arc;

use crate::context::{MessageContext, PropertyValue};
use crate::error::{MediationError, Pos};
use crate::mediators::{Flow, Mediator};

/// Mediators run in order until one stops the flow.
#[derive(Debug, Default)]
pub struct MediatorList {
    mediators: Vec<Box<dyn Mediator>>,
    /// Some mediator may read the body ([`Mediator::reads_body`]), decided when compiled.
    reads_body: bool,
}

impl MediatorList {
    pub fn new(mediators: Vec<Box<dyn Mediator>>) -> Self {
        let reads_body = mediators.iter().any(|m| m.reads_body());
        MediatorList {
            mediators,
            reads_body,
        }
    }

    /// Whether running this list may read the message body.
    pub fn reads_body(&self) -> bool {
        self.reads_body
    }

    pub fn len(&self) -> usize {
        self.mediators.len()
    }

    pub fn is_empty(&self) -> bool {
        self.mediators.is_empty()
    }

    pub async fn run(&self, ctx: &mut MessageContext) -> Result<Flow, MediationError> {
        self.run_from(ctx, 0).await
    }

    async fn run_from(
        &self,
        ctx: &mut MessageContext,
        start: usize,
    ) -> Result<Flow, MediationError> {
        for (at, mediator) in self.mediators.iter().enumerate().skip(start) {
            // A body still streaming from a backend is read in before a mediator that may
            // look at it, so no mediator ever sees an empty stand-in. Normally the choice to
            // stream rules this out; a fault sequence can still get here.
            if ctx.has_streamed_body() && mediator.reads_body() {
                ctx.buffer_streamed_body().await?;
            }
            let flow = mediator.mediate(ctx).await?;
            if ctx.has_continuing() {
                // Boxed: its state holds a whole branch MessageContext, and inline it would
                // make every sequence future (allocated per message) that much larger,
                // although only messages split by iterate or clone ever get here.
                Box::pin(self.continue_branches(ctx, at + 1)).await?;
            }
            if flow == Flow::Stop {
                return Ok(Flow::Stop);
            }
        }
        Ok(Flow::Continue)
    }

    /// Runs the branches a splitter handed on (see `context/branch.rs`) through the mediators
    /// from `from`. Branches that get to the end go on in the enclosing sequence; the others
    /// are folded back into `ctx`.
    async fn continue_branches(
        &self,
        ctx: &mut MessageContext,
        from: usize,
    ) -> Result<(), MediationError> {
        let mut onward = Vec::new();
        let mut first_error = None;
        for mut branch in ctx.take_continuing() {
            let result = Box::pin(self.run_from(&mut branch, from)).await;
            onward.extend(branch.take_continuing());
            match result {
                Ok(Flow::Continue) if !branch.has_responded() => onward.push(branch),
                Ok(_) => ctx.absorb(&mut branch),
                Err(error) => {
                    ctx.absorb(&mut branch);
                    first_error.get_or_insert(error);
                }
            }
        }
        ctx.continue_branches(onward);
        first_error.map_or(Ok(()), Err)
    }
}

/// A `<sequence name>` artifact.
#[derive(Debug)]
pub struct NamedSequence {
    pub name: String,
    pub mediators: MediatorList,
    /// The sequence that handles errors raised inside this one.
    pub on_error: Option<String>,
}

impl NamedSequence {
    /// Whether running it may read the body. Its `onError` handler is not counted: a fault
    /// handler that reads a streamed body reads it in first (see [`MediatorList::run`]).
    pub fn reads_body(&self) -> bool {
        self.mediators.reads_body()
    }

    pub async fn run(&self, ctx: &mut MessageContext) -> Result<Flow, MediationError> {
        match self.mediators.run(ctx).await {
            Err(error) if !error.fault_handled => match &self.on_error {
                Some(handler) => {
                    let handler = SequenceRef::Named {
                        key: handler.clone(),
                        pos: Pos::default(),
                    };
                    run_fault_handler(ctx, &handler, error).await
                }
                None => Err(error),
            },
            other => other,
        }
    }
}

/// A sequence given inline or by key; keys resolve at run time, as in Synapse, so a proxy may
/// name a sequence that another file defines.
#[derive(Debug, Clone)]
pub enum SequenceRef {
    Inline(Arc<MediatorList>),
    /// An inline sequence with its own `onError` handler.
    Anonymous(Arc<NamedSequence>),
    Named {
        key: String,
        pos: Pos,
    },
}

impl SequenceRef {
    /// Whether running it may read the body, as known when compiling: a sequence named by
    /// key is defined elsewhere, so it counts as reading.
    pub fn reads_body(&self) -> bool {
        match self {
            SequenceRef::Inline(list) => list.reads_body(),
            SequenceRef::Anonymous(sequence) => sequence.reads_body(),
            SequenceRef::Named { .. } => true,
        }
    }

    /// [`reads_body`](Self::reads_body), with a named sequence looked up in `deployment`.
    pub fn reads_body_in(&self, deployment: &crate::deploy::Deployment) -> bool {
        match self {
            SequenceRef::Named { key, .. } => {
                deployment.sequence(key).is_none_or(|s| s.reads_body())
            }
            other => other.reads_body(),
        }
    }

    pub async fn run(&self, ctx: &mut MessageContext) -> Result<Flow, MediationError> {
        match self {
            SequenceRef::Inline(list) => list.run(ctx).await,
            SequenceRef::Anonymous(sequence) => Box::pin(sequence.run(ctx)).await,
            SequenceRef::Named { key, .. } => {
                let sequence = ctx.deployment().sequence(key).ok_or_else(|| {
                    MediationError::internal(format!("Sequence named `{key}` cannot be found"))
                        .with_detail("no deployed file defines a sequence with this name")
                })?;
                Box::pin(sequence.run(ctx)).await
            }
        }
    }
}

impl fmt::Display for SequenceRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SequenceRef::Inline(_) | SequenceRef::Anonymous(_) => f.write_str("(inline sequence)"),
            SequenceRef::Named { key, .. } => write!(f, "sequence `{key}`"),
        }
    }
}

/// Sets `ERROR_CODE`, `ERROR_MESSAGE` and `ERROR_DETAIL` as Synapse's fault handlers do.
pub fn set_error_properties(ctx: &mut MessageContext, error: &MediationError) {
    ctx.set_property("ERROR_CODE", PropertyValue::String(error.code.to_string()));
    ctx.set_property("ERROR_MESSAGE", error.message.as_str());
    ctx.set_property("ERROR_DETAIL", error.detail.as_str());
}

/// Runs a fault handler for `error`. The original flow does not resume afterwards: the result
/// is `Stop` when the handler answered the client, else the error, marked handled, so the
/// caller still answers with it and no outer handler runs again. A handler that set a status
/// or a body without `respond` meant that as the answer, and gets it.
pub async fn run_fault_handler(
    ctx: &mut MessageContext,
    handler: &SequenceRef,
    mut error: MediationError,
) -> Result<Flow, MediationError> {
    set_error_properties(ctx, &error);
    error.fault_handled = true;
    let before = ctx.result_changes();
    if let Err(inner) = Box::pin(handler.run(ctx)).await {
        tracing::warn!(handler = %handler, error = %inner, "fault handler failed");
    }
    if !ctx.has_responded() && ctx.result_changes() != before {
        ctx.respond();
    }
    if ctx.has_responded() {
        Ok(Flow::Stop)
    } else {
        Err(error)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use bytes::Bytes;
    use http_body_util::Full;

    use crate::http::streamed::{Buffered, STREAM_THRESHOLD, buffer_or_stream};
    use crate::testing::{compile_mediator, context_with, mediate};

    /// Which mediators may read the body, as decided when they are compiled.
    #[test]
    fn reads_body_is_known_at_deploy_time() {
        let table = [
            ("<send/>", false),
            (
                r#"<send><endpoint><address uri="http://b/"/></endpoint></send>"#,
                true,
            ),
            ("<respond/>", false),
            ("<drop/>", false),
            (r#"<header name="X-A" value="1" scope="transport"/>"#, false),
            (
                r#"<header name="X-A" expression="$ctx:a" scope="transport"/>"#,
                false,
            ),
            (
                r#"<header name="X-A" expression="json-eval($.a)" scope="transport"/>"#,
                true,
            ),
            (r#"<header xmlns:m="urn:m" name="m:t" value="1"/>"#, true),
            (r#"<property name="a" value="1"/>"#, false),
            (
                r#"<property name="HTTP_SC" expression="$axis2:HTTP_SC" scope="axis2"/>"#,
                false,
            ),
            (
                r#"<property name="a" expression="get-property('SYSTEM_TIME')"/>"#,
                false,
            ),
            (r#"<property name="a" expression="json-eval($.a)"/>"#, true),
            (r#"<property name="a" expression="//a"/>"#, true),
            (r#"<property name="a" expression="$func:p"/>"#, true),
            (r#"<property name="{json-eval($.n)}" value="1"/>"#, true),
            ("<log/>", false),
            (r#"<log level="headers"/>"#, false),
            (r#"<log level="full"/>"#, true),
            (
                r#"<log level="custom"><property name="a" expression="$ctx:a"/></log>"#,
                false,
            ),
            (
                r#"<log level="custom"><property name="a" expression="json-eval($.a)"/></log>"#,
                true,
            ),
            (
                r#"<filter source="$ctx:a" regex="x"><then><respond/></then><else><drop/></else></filter>"#,
                false,
            ),
            (
                r#"<filter source="$ctx:a" regex="x"><then><log level="full"/></then></filter>"#,
                true,
            ),
            (
                r#"<filter xpath="json-eval($.a)"><respond/></filter>"#,
                true,
            ),
            (
                r#"<filter source="$ctx:a" regex="x"><then sequence="elsewhere"/></filter>"#,
                true,
            ),
            (
                r#"<switch source="$trp:X"><case regex="a"><send/></case><default><drop/></default></switch>"#,
                false,
            ),
            (
                r#"<switch source="$trp:X"><case regex="a"><enrich><source type="body"/><target type="property" property="b"/></enrich></case></switch>"#,
                true,
            ),
            (
                r#"<switch source="json-eval($.k)"><default><drop/></default></switch>"#,
                true,
            ),
            ("<out><log/><send/></out>", false),
            ("<out><log level=\"full\"/><send/></out>", true),
            (
                r#"<in><send><endpoint><address uri="http://b/"/></endpoint></send></in>"#,
                false,
            ),
            ("<sequence><respond/></sequence>", false),
            (r#"<sequence key="elsewhere"/>"#, true),
            (
                r#"<payloadFactory media-type="json"><format>{}</format><args/></payloadFactory>"#,
                true,
            ),
        ];
        for (xml, reads) in table {
            assert_eq!(compile_mediator(xml).reads_body(), reads, "{xml}");
        }
    }

    async fn large_stream(text: &str) -> crate::http::streamed::StreamedBody {
        let padded = text.to_string() + &" ".repeat(STREAM_THRESHOLD + 1 - text.len());
        let body = Full::new(Bytes::from(padded));
        match buffer_or_stream(body, Duration::from_secs(5), String::new).await {
            Ok(Buffered::Streaming(stream)) => stream,
            _ => panic!("a body past the threshold streams"),
        }
    }

    /// A mediator that reads the body reads a streaming one in first; one that does not
    /// leaves it streaming to the client.
    #[tokio::test]
    async fn a_streaming_body_is_read_in_before_a_reader_and_relayed_otherwise() {
        let mut ctx = context_with("", &[]);
        ctx.set_streamed_body(large_stream(r#"{"a":"x"}"#).await);
        mediate(
            &mut ctx,
            r#"<sequence><property name="a" expression="json-eval($.a)"/><respond/></sequence>"#,
        )
        .await;
        assert_eq!(ctx.property("a").unwrap().to_string(), "x");
        let response = ctx.take_response().unwrap();
        assert!(response.stream.is_none());
        assert_eq!(response.body.len(), STREAM_THRESHOLD + 1);

        let mut ctx = context_with("", &[]);
        ctx.set_streamed_body(large_stream("{}").await);
        mediate(
            &mut ctx,
            r#"<sequence><header name="X-A" value="1" scope="transport"/><respond/></sequence>"#,
        )
        .await;
        let response = ctx.take_response().unwrap();
        assert!(response.body.is_empty());
        let body = response.stream.expect("still streaming").collect().await;
        assert_eq!(body.unwrap().len(), STREAM_THRESHOLD + 1);

        // A new body replaces the stream; nothing of it is sent.
        let mut ctx = context_with("", &[]);
        ctx.set_streamed_body(large_stream("{}").await);
        ctx.set_body(Bytes::from_static(b"new"), "text/plain");
        ctx.respond();
        let response = ctx.take_response().unwrap();
        assert!(response.stream.is_none());
        assert_eq!(response.body, "new");
    }
}
