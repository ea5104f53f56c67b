//! `<loopback/>`: turns the request around without calling a backend.
//!
//! ```xml
//! <inSequence>
//!     <payloadFactory media-type="json"><format>{"ok":true}</format></payloadFactory>
//!     <loopback/>
//! </inSequence>
//! <outSequence><respond/></outSequence>
//! ```
//!
//! In the request flow, the message becomes the response and goes through the outSequence,
//! or straight back to the client when there is none. In the response flow it does nothing.
//! Either way the current flow ends.

use async_trait::async_trait;

use super::{Flow, Mediator, MediatorFactory};
use crate::compile::CompileCx;
use crate::config::xml::Element;
use crate::context::{Direction, MessageContext};
use crate::error::{MediationError, Reported};

#[derive(Debug)]
pub struct LoopbackMediator;

pub struct LoopbackFactory;

impl MediatorFactory for LoopbackFactory {
    fn tag(&self) -> &'static str {
        "loopback"
    }

    fn build(&self, el: &Element, cx: &mut CompileCx<'_>) -> Result<Box<dyn Mediator>, Reported> {
        cx.check_attributes(el, &["description"]);
        cx.no_children(el)?;
        Ok(Box::new(LoopbackMediator))
    }
}

#[async_trait]
impl Mediator for LoopbackMediator {
    async fn mediate(&self, ctx: &mut MessageContext) -> Result<Flow, MediationError> {
        if ctx.direction() == Direction::Response {
            return Ok(Flow::Stop);
        }
        ctx.set_direction(Direction::Response);
        match ctx.handler().and_then(|h| h.out_sequence.clone()) {
            Some(out) => {
                out.run(ctx).await?;
            }
            None => ctx.respond(),
        }
        Ok(Flow::Stop)
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::{context_with, mediate};

    #[tokio::test]
    async fn without_an_out_sequence_the_message_goes_back() {
        let mut ctx = context_with(r#"{"a":1}"#, &[]);
        mediate(
            &mut ctx,
            r#"<sequence><loopback/><property name="after" value="x"/></sequence>"#,
        )
        .await;
        assert!(ctx.property("after").is_none());
        assert_eq!(ctx.take_response().unwrap().body, r#"{"a":1}"#);
    }
}
