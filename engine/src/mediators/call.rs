//! `<call>`: calls an endpoint and continues with its answer as the current message.
//!
//! ```xml
//! <call>
//!     <endpoint><http method="GET" uri-template="{uri.var.base}/orders/{uri.var.id}"/></endpoint>
//! </call>
//! <call blocking="true"><endpoint key="orders"/></call>
//! <call/>   <!-- to the To address set with <header name="To" value="..."/> -->
//! ```
//!
//! Unlike `send`, mediation goes on with the next mediator; the backend's body, headers and
//! status (`HTTP_SC`) replace the message's. Default-scope properties survive the call. In
//! oxynapse every call waits for its answer without holding a thread, so `blocking` changes
//! nothing.

use async_trait::async_trait;

use super::{Flow, Mediator, MediatorFactory};
use crate::compile::CompileCx;
use crate::config::endpoint::parse_endpoint;
use crate::config::xml::Element;
use crate::context::MessageContext;
use crate::endpoint::Endpoint;
use crate::error::{MediationError, Reported};

#[derive(Debug)]
pub struct CallMediator {
    endpoint: Endpoint,
    blocking: bool,
}

pub struct CallFactory;

impl MediatorFactory for CallFactory {
    fn tag(&self) -> &'static str {
        "call"
    }

    fn build(&self, el: &Element, cx: &mut CompileCx<'_>) -> Result<Box<dyn Mediator>, Reported> {
        cx.check_attributes(el, &["blocking", "initAxis2ClientOptions", "description"]);
        let blocking = cx.bool_attr(el, "blocking", false)?;
        let mut endpoint = None;
        for child in el.elements() {
            match child.name.as_str() {
                "endpoint" if endpoint.is_some() => {
                    return Err(cx
                        .diags
                        .error(child.pos, "<call> takes only one <endpoint>"));
                }
                "endpoint" => endpoint = Some(parse_endpoint(child, cx, false)?),
                "source" | "target" => {
                    return Err(cx.diags.error(
                        child.pos,
                        format!("<call><{}> is not supported yet", child.name),
                    ));
                }
                other => {
                    return Err(cx.diags.error(
                        child.pos,
                        format!("<call> takes an <endpoint>, not <{other}>"),
                    ));
                }
            }
        }
        // Without an endpoint, Synapse calls the message's To address (the default endpoint).
        let endpoint =
            endpoint.unwrap_or_else(|| Endpoint::leaf(None, crate::endpoint::Target::Default));
        Ok(Box::new(CallMediator { endpoint, blocking }))
    }
}

#[async_trait]
impl Mediator for CallMediator {
    async fn mediate(&self, ctx: &mut MessageContext) -> Result<Flow, MediationError> {
        self.endpoint.call(ctx).await?;
        if !self.blocking {
            // Synapse resumes a non-blocking call through its continuation, which is what
            // carries an iterated branch on past its splitter.
            ctx.mark_called_backend();
        }
        Ok(Flow::Continue)
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::compile_errors;

    #[test]
    fn deploy_errors() {
        let table = [
            ("<call><source/></call>", "not supported yet"),
            (
                r#"<call blocking="yes"><endpoint key="a"/></call>"#,
                "`true` or `false`",
            ),
            (
                r#"<call><endpoint key="a"/><endpoint key="b"/></call>"#,
                "only one <endpoint>",
            ),
        ];
        for (xml, want) in table {
            let errors = compile_errors(xml);
            assert!(errors.iter().any(|e| e.contains(want)), "{xml}: {errors:?}");
        }
        // Without an endpoint, the call goes to the To address.
        assert!(compile_errors("<call/>").is_empty());
    }
}
