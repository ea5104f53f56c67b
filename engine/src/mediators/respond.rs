//! `<respond/>`: sends the current message back to the client and ends the flow.
//!
//! ```xml
//! <respond/>
//! ```
//!
//! The status is the axis2 property `HTTP_SC` (200 when unset); the headers are the current
//! transport headers; the body is the current payload, byte for byte when untouched.

use async_trait::async_trait;

use super::{Flow, Mediator, MediatorFactory};
use crate::compile::CompileCx;
use crate::config::xml::Element;
use crate::context::MessageContext;
use crate::error::{MediationError, Reported};

#[derive(Debug)]
pub struct RespondMediator;

pub struct RespondFactory;

impl MediatorFactory for RespondFactory {
    fn tag(&self) -> &'static str {
        "respond"
    }

    fn build(&self, el: &Element, cx: &mut CompileCx<'_>) -> Result<Box<dyn Mediator>, Reported> {
        cx.check_attributes(el, &["description"]);
        cx.no_children(el)?;
        Ok(Box::new(RespondMediator))
    }
}

#[async_trait]
impl Mediator for RespondMediator {
    /// It hands the body to the client as it is.
    fn reads_body(&self) -> bool {
        false
    }

    async fn mediate(&self, ctx: &mut MessageContext) -> Result<Flow, MediationError> {
        ctx.respond();
        Ok(Flow::Stop)
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::{compile_errors, context_with, mediate};

    #[tokio::test]
    async fn responds_with_status_headers_and_untouched_body() {
        let body = "{ \"keep\" : 1.50 }";
        let mut ctx = context_with(body, &[("X-Trace", "t1")]);
        mediate(
            &mut ctx,
            r#"<sequence><property name="HTTP_SC" value="207" scope="axis2"/><respond/><property name="after" value="x"/></sequence>"#,
        )
        .await;
        assert!(ctx.property("after").is_none(), "respond stops the flow");
        let response = ctx.take_response().expect("a response");
        assert_eq!(response.status.as_u16(), 207);
        assert_eq!(response.body, body.as_bytes());
        assert_eq!(response.headers["x-trace"], "t1");
    }

    #[test]
    fn takes_no_children() {
        assert!(
            compile_errors("<respond><log/></respond>")[0].contains("does not take a <log> child")
        );
    }
}
