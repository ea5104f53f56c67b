//! `<send>`: sends the message to an endpoint, or back to the client.
//!
//! ```xml
//! <!-- in an inSequence: deliver to a backend; its answer goes through the outSequence -->
//! <send><endpoint><address uri="http://backend:9000/orders"/></endpoint></send>
//! <send receive="handleReply"><endpoint key="orders"/></send>
//! <!-- in an outSequence: return the backend's answer to the client -->
//! <send/>
//! ```
//!
//! The backend's response is mediated by the `receive` sequence if given, else by the proxy's
//! outSequence; with neither it is relayed to the client as it is. Send always ends the flow.

use async_trait::async_trait;

use super::{Flow, Mediator, MediatorFactory};
use crate::compile::CompileCx;
use crate::config::endpoint::parse_endpoint;
use crate::config::xml::Element;
use crate::context::{Direction, MessageContext};
use crate::endpoint::{Endpoint, Target};
use crate::error::{MediationError, Reported};
use crate::sequence::SequenceRef;

#[derive(Debug)]
pub struct SendMediator {
    endpoint: Option<Endpoint>,
    receive: Option<SequenceRef>,
}

pub struct SendFactory;

impl MediatorFactory for SendFactory {
    fn tag(&self) -> &'static str {
        "send"
    }

    fn build(&self, el: &Element, cx: &mut CompileCx<'_>) -> Result<Box<dyn Mediator>, Reported> {
        cx.check_attributes(el, &["receive", "buildmessage", "description"]);
        cx.bool_attr(el, "buildmessage", false)?;
        let receive = el.attr("receive").map(|r| cx.sequence_ref(&r.value, r.pos));
        let mut endpoint = None;
        for child in el.elements() {
            if child.name != "endpoint" {
                return Err(cx.diags.error(
                    child.pos,
                    format!("<send> takes an <endpoint>, not <{}>", child.name),
                ));
            }
            if endpoint.is_some() {
                return Err(cx
                    .diags
                    .error(child.pos, "<send> takes only one <endpoint>"));
            }
            endpoint = Some(parse_endpoint(child, cx, false)?);
        }
        Ok(Box::new(SendMediator { endpoint, receive }))
    }
}

#[async_trait]
impl Mediator for SendMediator {
    /// `<send/>` hands the body to the client as it is; a send to an endpoint forwards it
    /// (and its `receive` sequence, in the response flow, may read the answer).
    fn reads_body(&self) -> bool {
        self.endpoint.is_some()
    }

    async fn mediate(&self, ctx: &mut MessageContext) -> Result<Flow, MediationError> {
        match &self.endpoint {
            Some(endpoint) => send_to_endpoint(ctx, endpoint, self.receive.as_ref()).await?,
            // RESPONSE=true turns the message around, as in Synapse.
            None if ctx.direction() == Direction::Response || is_response(ctx) => ctx.respond(),
            None if ctx.to_address().is_some() => {
                let to = Endpoint::leaf(None, Target::Default);
                send_to_endpoint(ctx, &to, self.receive.as_ref()).await?;
            }
            None => {
                return Err(MediationError::internal("<send/> has no destination").with_detail(
                    "a <send/> without an <endpoint> in the request flow needs a To address (<header name=\"To\" value=\"...\"/>); add an <endpoint> or use <respond/>",
                ));
            }
        }
        Ok(Flow::Stop)
    }
}

fn is_response(ctx: &MessageContext) -> bool {
    ctx.property("RESPONSE")
        .is_some_and(|v| v.to_string().eq_ignore_ascii_case("true"))
}

/// How many answers in a row a message has mediated through a sequence that sent again
/// (Synapse's service chaining from an outSequence, or `main` without `<out>`).
#[derive(Debug, Clone, Copy)]
struct AnswerRounds(u32);

/// More rounds than this is a config that sends every answer on again: an error, not a loop.
const MAX_ANSWER_ROUNDS: u32 = 16;

/// Sends to `endpoint`, then mediates the answer: `receive`, else the proxy's outSequence,
/// else straight back to the client.
pub async fn send_to_endpoint(
    ctx: &mut MessageContext,
    endpoint: &Endpoint,
    receive: Option<&SequenceRef>,
) -> Result<(), MediationError> {
    if ctx.direction() == Direction::Response {
        let rounds = ctx.extensions().get::<AnswerRounds>().map_or(0, |r| r.0) + 1;
        if rounds > MAX_ANSWER_ROUNDS {
            return Err(MediationError::internal("answers keep being sent on").with_detail(
                format!("the answer was sent to an endpoint again {MAX_ANSWER_ROUNDS} times in a row; a <send> in an outSequence, or in a main sequence without <in>/<out>, sends every answer on"),
            ));
        }
        ctx.extensions_mut().insert(AnswerRounds(rounds));
    }
    let out = match receive {
        Some(r) => Some(r.clone()),
        None => ctx.handler().and_then(|h| h.out_sequence.clone()),
    };
    // A large answer that nothing on its way back reads is relayed as it arrives. The
    // sequence's flag was computed when it was compiled; only a named one is looked up.
    if ctx.streaming_allowed() {
        let reads = out
            .as_ref()
            .is_some_and(|s| s.reads_body_in(ctx.deployment()));
        ctx.set_stream_answer(!reads);
    }
    // Boxed on its own: the endpoint's future holds the whole HTTP exchange (kilobytes), and
    // inline it would make every `<send/>` future that big, even one that only answers the
    // client, and each is allocated and copied per message.
    let called = Box::pin(endpoint.call(ctx)).await;
    ctx.set_stream_answer(false);
    called?;
    ctx.set_direction(Direction::Response);
    match out {
        Some(sequence) => {
            sequence.run(ctx).await?;
        }
        None => ctx.respond(),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::testing::{compile_errors, context_with, mediate, mediate_result};

    #[tokio::test]
    async fn send_back_in_the_response_flow() {
        let mut ctx = context_with("{\"a\":1}", &[]);
        ctx.set_direction(crate::context::Direction::Response);
        mediate(&mut ctx, "<sequence><send/></sequence>").await;
        assert_eq!(ctx.take_response().unwrap().body, "{\"a\":1}".as_bytes());
    }

    #[tokio::test]
    async fn send_without_destination_in_the_request_flow_is_a_fault() {
        let mut ctx = context_with("{}", &[]);
        let err = mediate_result(&mut ctx, "<sequence><send/></sequence>")
            .await
            .unwrap_err();
        assert!(err.message.contains("no destination"));
    }

    #[tokio::test]
    async fn answers_sent_on_again_and_again_end_in_an_error() {
        let mut ctx = context_with("{}", &[]);
        ctx.set_direction(crate::context::Direction::Response);
        ctx.extensions_mut()
            .insert(super::AnswerRounds(super::MAX_ANSWER_ROUNDS));
        // The check comes before any connection: nothing listens on port 1.
        let err = mediate_result(
            &mut ctx,
            r#"<sequence><send><endpoint><address uri="http://127.0.0.1:1/"/></endpoint></send></sequence>"#,
        )
        .await
        .unwrap_err();
        assert_eq!(err.message, "answers keep being sent on");
    }

    #[test]
    fn deploy_errors() {
        assert!(compile_errors("<send><log/></send>")[0].contains("takes an <endpoint>"));
        assert!(compile_errors(r#"<send buildmessage="maybe"/>"#)[0].contains("`true` or `false`"));
    }
}
