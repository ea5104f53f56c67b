//! `<sequence key="..."/>`: runs a named sequence, looked up when the message arrives.
//!
//! ```xml
//! <sequence key="audit"/>
//! <sequence><log/></sequence>   <!-- anonymous: the children run in place -->
//! ```
//!
//! The key resolves at run time, as in Synapse, so the sequence may live in another file and
//! be redeployed on its own. A key nobody defines is a fault ("Sequence named ... cannot be
//! found"), which the proxy's faultSequence can handle.

use async_trait::async_trait;

use super::{Flow, Mediator, MediatorFactory};
use crate::compile::CompileCx;
use crate::config::xml::Element;
use crate::context::MessageContext;
use crate::error::{MediationError, Reported};
use crate::sequence::SequenceRef;

#[derive(Debug)]
pub struct SequenceMediator {
    target: SequenceRef,
}

pub struct SequenceFactory;

impl MediatorFactory for SequenceFactory {
    fn tag(&self) -> &'static str {
        "sequence"
    }

    fn build(&self, el: &Element, cx: &mut CompileCx<'_>) -> Result<Box<dyn Mediator>, Reported> {
        cx.check_attributes(
            el,
            &[
                "key",
                "name",
                "onError",
                "trace",
                "statistics",
                "description",
            ],
        );
        let Some(key) = el.attr("key") else {
            // An anonymous sequence runs its children in place.
            return Ok(Box::new(SequenceMediator {
                target: cx.inline_sequence(el)?,
            }));
        };
        if key.value.starts_with('{') {
            return Err(cx.diags.error(
                key.pos,
                "dynamic sequence keys (`key=\"{...}\"`) are not supported yet",
            ));
        }
        cx.no_children(el)?;
        Ok(Box::new(SequenceMediator {
            target: cx.sequence_ref(&key.value, key.pos),
        }))
    }
}

#[async_trait]
impl Mediator for SequenceMediator {
    /// An inline sequence reads what its mediators read; a named one counts as reading.
    fn reads_body(&self) -> bool {
        self.target.reads_body()
    }

    async fn mediate(&self, ctx: &mut MessageContext) -> Result<Flow, MediationError> {
        self.target.run(ctx).await
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::{compile_errors, context_with, mediate_result};

    #[tokio::test]
    async fn a_missing_sequence_is_a_fault() {
        let mut ctx = context_with("{}", &[]);
        let err = mediate_result(
            &mut ctx,
            r#"<sequence><sequence key="nowhere"/></sequence>"#,
        )
        .await
        .unwrap_err();
        assert!(err.message.contains("`nowhere` cannot be found"), "{err}");
    }

    #[test]
    fn needs_a_static_key() {
        assert!(compile_errors(r#"<sequence key="{$ctx:k}"/>"#)[0].contains("not supported yet"));
    }
}
