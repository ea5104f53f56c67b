//! `<foreach>`: runs a sequence on each item of the message and puts the results back in
//! place.
//!
//! ```xml
//! <foreach expression="json-eval($.items)" [id="each"] [continueLoopOnFailure="true"]>
//!     <sequence>
//!         <payloadFactory media-type="json">
//!             <format>{"sku": "$1", "checked": true}</format>
//!             <args><arg evaluator="json" expression="$.sku"/></args>
//!         </payloadFactory>
//!     </sequence>
//! </foreach>
//! <foreach xmlns:m="urn:m" expression="//m:item" sequence="checkItem"/>
//! ```
//!
//! * `json-eval`: a definite path (`$`, `$.a.b`) to an array. Each element is the payload of
//!   one run; the payload the sequence leaves replaces the element.
//! * XPath: each selected element is the Body content of one run; what the sequence leaves in
//!   the Body replaces the element.
//!
//! Runs happen one after the other on copies of the message, with `FOREACH_COUNTER[.id]` set
//! to the index. A failing run stops the foreach with its error, unless
//! `continueLoopOnFailure="true"`, which keeps that item as it was and goes on.

use async_trait::async_trait;
use serde_json::Value;

use super::{Flow, Mediator, MediatorFactory};
use crate::compile::CompileCx;
use crate::config::xml::Element;
use crate::context::MessageContext;
use crate::eip::{ItemsExpression, with_body_content};
use crate::error::{MediationError, Reported};
use crate::expr::json_path::{definite_steps, node_at};
use crate::expr::{JsonPathExpr, XPathExpr};
use crate::sequence::SequenceRef;
use crate::xpath::{Edit, Edits};

#[derive(Debug)]
pub struct ForeachMediator {
    items: ItemsExpression,
    counter: String,
    continue_on_failure: bool,
    sequence: SequenceRef,
}

pub struct ForeachFactory;

impl MediatorFactory for ForeachFactory {
    fn tag(&self) -> &'static str {
        "foreach"
    }

    fn build(&self, el: &Element, cx: &mut CompileCx<'_>) -> Result<Box<dyn Mediator>, Reported> {
        if let Some(a) = el.attr("collection") {
            return Err(cx.diags.error_with_help(
                a.pos,
                "the MI 4.4 <foreach collection=...> is not supported yet",
                "use the classic form: <foreach expression=\"json-eval($.items)\"><sequence>...</sequence></foreach>",
            ));
        }
        cx.check_attributes(
            el,
            &[
                "expression",
                "id",
                "sequence",
                "continueLoopOnFailure",
                "description",
            ],
        );
        let expression = cx.required_attr(el, "expression")?;
        let items = ItemsExpression::build(el, expression, cx)?;
        let continue_on_failure = cx.bool_attr(el, "continueLoopOnFailure", false)?;
        let inline = el.elements().find(|c| c.name == "sequence");
        if let Some(other) = el.elements().find(|c| c.name != "sequence") {
            return Err(cx.diags.error(
                other.pos,
                format!("<foreach> holds a <sequence>, not <{}>", other.name),
            ));
        }
        let sequence = match (el.attr("sequence"), inline) {
            (Some(a), None) => cx.sequence_ref(&a.value, a.pos),
            (None, Some(inline)) => cx.inline_sequence(inline)?,
            (Some(a), Some(_)) => {
                return Err(cx.diags.error(
                    a.pos,
                    "<foreach> takes a sequence=\"key\" or an inline <sequence>, not both",
                ));
            }
            (None, None) => {
                return Err(cx.diags.error_with_help(
                    el.pos,
                    "<foreach> needs a sequence",
                    "add <sequence>...</sequence> or sequence=\"key\"",
                ));
            }
        };
        let counter = match el.attr_value("id") {
            Some(id) => format!("FOREACH_COUNTER.{id}"),
            None => "FOREACH_COUNTER".to_string(),
        };
        Ok(Box::new(ForeachMediator {
            items,
            counter,
            continue_on_failure,
            sequence,
        }))
    }
}

#[async_trait]
impl Mediator for ForeachMediator {
    async fn mediate(&self, ctx: &mut MessageContext) -> Result<Flow, MediationError> {
        let resolved = self.items.resolve(ctx)?;
        if let Some(path) = resolved.json() {
            self.each_json(ctx, path).await?;
        } else if let Some(xpath) = resolved.xpath() {
            self.each_xml(ctx, xpath).await?;
        }
        Ok(Flow::Continue)
    }
}

impl ForeachMediator {
    /// Runs the sequence on a copy of the message holding one item; `None` when the run
    /// failed and the loop goes on without it.
    async fn run_one(
        &self,
        ctx: &mut MessageContext,
        mut branch: MessageContext,
        index: usize,
    ) -> Result<Option<MessageContext>, MediationError> {
        branch.set_property(self.counter.clone(), index.to_string());
        let result = Box::pin(self.sequence.run(&mut branch)).await;
        match result {
            Ok(_) => Ok(Some(branch)),
            Err(error) if self.continue_on_failure => {
                tracing::info!(index, error = %error, "a foreach iteration failed; going on");
                ctx.absorb(&mut branch);
                Ok(None)
            }
            Err(error) => {
                ctx.absorb(&mut branch);
                Err(error)
            }
        }
    }

    async fn each_json(
        &self,
        ctx: &mut MessageContext,
        path: &JsonPathExpr,
    ) -> Result<(), MediationError> {
        let mut whole = ctx
            .json_payload()?
            .cloned()
            .ok_or_else(|| MediationError::client("foreach with json-eval needs a JSON payload"))?;
        let steps = if path.text().trim() == "$" {
            Vec::new()
        } else {
            definite_steps(path).ok_or_else(|| {
                MediationError::internal(format!(
                    "foreach needs a definite path to an array, like $.items; json-eval({}) is not one",
                    path.text()
                ))
            })?
        };
        let items = match node_at(&mut whole, &steps) {
            Some(Value::Array(items)) => std::mem::take(items),
            _ => {
                return Err(MediationError::internal(format!(
                    "json-eval({}) does not select a JSON array to loop over",
                    path.text()
                )));
            }
        };
        let mut results = Vec::with_capacity(items.len());
        for (index, item) in items.into_iter().enumerate() {
            let mut branch = ctx.branch();
            branch.set_json_payload(item.clone());
            match self.run_one(ctx, branch, index).await? {
                Some(mut done) => {
                    let result = done.json_payload()?.cloned().unwrap_or(item);
                    ctx.absorb(&mut done);
                    results.push(result);
                }
                None => results.push(item),
            }
        }
        if let Some(slot) = node_at(&mut whole, &steps) {
            *slot = Value::Array(results);
        }
        ctx.set_json_payload(whole);
        Ok(())
    }

    async fn each_xml(
        &self,
        ctx: &mut MessageContext,
        xpath: &XPathExpr,
    ) -> Result<(), MediationError> {
        let (doc, nodes) = xpath.nodes(ctx)?;
        let mut edits = Edits::new();
        for (index, &node) in nodes.iter().enumerate() {
            let mut branch = ctx.branch();
            branch.set_envelope_xml(&with_body_content(&doc, doc.to_xml(node)))?;
            if let Some(mut done) = self.run_one(ctx, branch, index).await? {
                let result = done.xml_view()?.body_content_xml();
                ctx.absorb(&mut done);
                edits.add(node, Edit::Replace(result));
            }
        }
        ctx.set_envelope_xml(&doc.to_xml_edited(doc.root(), &edits))
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::{compile_errors, context_with, mediate_result};

    #[test]
    fn deploy_errors() {
        let errors = |xml: &str| compile_errors(xml).join("\n");
        assert!(errors(r#"<foreach expression="//a"/>"#).contains("needs a sequence"));
        assert!(
            errors(r#"<foreach collection="${payload.list}"><sequence/></foreach>"#)
                .contains("MI 4.4")
        );
        assert!(
            errors(r#"<foreach expression="//a" sequence="s"><sequence/></foreach>"#)
                .contains("not both")
        );
    }

    #[tokio::test]
    async fn a_failed_iteration_keeps_its_item_when_asked_to() {
        let xml = |go_on: bool| {
            format!(
                r#"<sequence><foreach expression="json-eval($)" continueLoopOnFailure="{go_on}"><sequence>
                  <filter source="json-eval($.n)" regex="2"><sequence key="missing"/></filter>
                  <payloadFactory media-type="json"><format>{{"n": $1, "ok": true}}</format>
                    <args><arg evaluator="json" expression="$.n"/></args></payloadFactory>
                </sequence></foreach></sequence>"#
            )
        };
        let json = [("content-type", "application/json")];
        let mut ctx = context_with(r#"[{"n":1},{"n":2}]"#, &json);
        mediate_result(&mut ctx, &xml(true)).await.unwrap();
        assert_eq!(ctx.payload_text(), r#"[{"n":1,"ok":true},{"n":2}]"#);
        let mut ctx = context_with(r#"[{"n":1},{"n":2}]"#, &json);
        let err = mediate_result(&mut ctx, &xml(false)).await.unwrap_err();
        assert!(err.message.contains("cannot be found"), "{}", err.message);
    }
}
