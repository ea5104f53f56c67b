//! `<drop/>`: ends the flow without sending anything.
//!
//! ```xml
//! <drop/>
//! ```
//!
//! Synapse then answers 202 with an empty body, or leaves the client hanging after a backend
//! call. oxynapse always answers: the status and body set so far if any (`HTTP_SC`, a built
//! payload), otherwise 202 with an empty body.

use async_trait::async_trait;

use super::{Flow, Mediator, MediatorFactory};
use crate::compile::CompileCx;
use crate::config::xml::Element;
use crate::context::MessageContext;
use crate::error::{MediationError, Reported};

#[derive(Debug)]
pub struct DropMediator;

pub struct DropFactory;

impl MediatorFactory for DropFactory {
    fn tag(&self) -> &'static str {
        "drop"
    }

    fn build(&self, el: &Element, cx: &mut CompileCx<'_>) -> Result<Box<dyn Mediator>, Reported> {
        cx.check_attributes(el, &["description"]);
        cx.no_children(el)?;
        Ok(Box::new(DropMediator))
    }
}

#[async_trait]
impl Mediator for DropMediator {
    fn reads_body(&self) -> bool {
        false
    }

    async fn mediate(&self, _ctx: &mut MessageContext) -> Result<Flow, MediationError> {
        Ok(Flow::Stop)
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::{context_with, mediate};

    #[tokio::test]
    async fn stops_the_flow_without_a_response() {
        let mut ctx = context_with("{}", &[]);
        mediate(
            &mut ctx,
            r#"<sequence><drop/><property name="after" value="x"/></sequence>"#,
        )
        .await;
        assert!(ctx.property("after").is_none());
        assert!(!ctx.has_responded());
    }
}
