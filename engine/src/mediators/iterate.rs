//! `<iterate>`: splits a message into one message per item and sends each through a target.
//!
//! ```xml
//! <iterate id="orders" expression="json-eval($.orders)" [sequential="true"]>
//!     <target>
//!         <sequence>
//!             <call><endpoint key="orderService"/></call>
//!         </sequence>
//!     </target>
//! </iterate>
//! <aggregate id="orders">
//!     <onComplete expression="json-eval($)"><respond/></onComplete>
//! </aggregate>
//!
//! <iterate xmlns:m="urn:m" expression="//m:order" preservePayload="true"
//!          attachPath="//m:orders" continueParent="false">
//!     <target sequence="oneOrder"/>
//! </iterate>
//! ```
//!
//! * `json-eval`: the path must select an array; each element becomes a branch's JSON payload.
//!   With `preservePayload`, a branch gets the whole payload with the array emptied and the
//!   element placed at `attachPath`.
//! * XPath: each selected element becomes the Body content of a branch. With
//!   `preservePayload`, the branch keeps the envelope, without the selected elements, and gets
//!   its element appended to the `attachPath` node.
//!
//! Branches run concurrently (`sequential="true"`: one after the other) and each carries
//! `MESSAGE_SEQUENCE[.id]` = `index/total`. The original message stops here unless
//! `continueParent="true"`. A branch whose target made a `call` and did not stop carries on
//! with the mediators after the iterate, where an `aggregate` can collect it.

use async_trait::async_trait;
use serde_json::Value;

use super::{Flow, Mediator, MediatorFactory};
use crate::compile::CompileCx;
use crate::config::xml::Element;
use crate::context::MessageContext;
use crate::eip::{BranchTarget, ItemsExpression, Split, mark_branch, run_branches};
use crate::error::{MediationError, Reported};
use crate::expr::json_path::{definite_steps, node_at as descend};
use crate::xpath::{Edit, Edits};

#[derive(Debug)]
pub struct IterateMediator {
    id: Option<String>,
    items: ItemsExpression,
    attach_path: Option<ItemsExpression>,
    preserve_payload: bool,
    continue_parent: bool,
    sequential: bool,
    target: BranchTarget,
}

pub struct IterateFactory;

impl MediatorFactory for IterateFactory {
    fn tag(&self) -> &'static str {
        "iterate"
    }

    fn build(&self, el: &Element, cx: &mut CompileCx<'_>) -> Result<Box<dyn Mediator>, Reported> {
        cx.check_attributes(
            el,
            &[
                "id",
                "expression",
                "attachPath",
                "preservePayload",
                "continueParent",
                "sequential",
                "description",
            ],
        );
        let expression = cx.required_attr(el, "expression")?;
        let items = ItemsExpression::build(el, expression, cx)?;
        let attach_path = match el.attr("attachPath") {
            Some(a) => Some(ItemsExpression::build(el, a, cx)?),
            None => None,
        };
        let preserve_payload = cx.bool_attr(el, "preservePayload", false)?;
        let continue_parent = cx.bool_attr(el, "continueParent", false)?;
        let sequential = cx.bool_attr(el, "sequential", false)?;
        let mut targets = el.elements().filter(|c| c.name == "target");
        let Some(target_el) = targets.next() else {
            return Err(cx.diags.error_with_help(
                el.pos,
                "<iterate> needs a <target>",
                "<target><sequence>...</sequence></target>",
            ));
        };
        if let Some(extra) = targets.next() {
            return Err(cx.diags.error(extra.pos, "<iterate> takes one <target>"));
        }
        if let Some(other) = el.elements().find(|c| c.name != "target") {
            return Err(cx.diags.error(
                other.pos,
                format!("<iterate> holds a <target>, not <{}>", other.name),
            ));
        }
        let target = BranchTarget::build(target_el, cx)?;
        Ok(Box::new(IterateMediator {
            id: el.attr_value("id").map(str::to_string),
            items,
            attach_path,
            preserve_payload,
            continue_parent,
            sequential,
            target,
        }))
    }
}

#[async_trait]
impl Mediator for IterateMediator {
    async fn mediate(&self, ctx: &mut MessageContext) -> Result<Flow, MediationError> {
        let resolved = self.items.resolve(ctx)?;
        let messages = if let Some(path) = resolved.json() {
            self.split_json(ctx, path)?
        } else if let Some(xpath) = resolved.xpath() {
            self.split_xml(ctx, xpath)?
        } else {
            Vec::new()
        };
        drop(resolved);
        let split = Split::new(self.id.clone(), messages.len());
        let branches = messages
            .into_iter()
            .enumerate()
            .map(|(index, mut branch)| {
                mark_branch(&mut branch, &split, index);
                (branch, &self.target)
            })
            .collect();
        run_branches(ctx, split, branches, self.sequential).await?;
        Ok(if self.continue_parent {
            Flow::Continue
        } else {
            Flow::Stop
        })
    }
}

impl IterateMediator {
    fn split_json(
        &self,
        ctx: &mut MessageContext,
        path: &crate::expr::JsonPathExpr,
    ) -> Result<Vec<MessageContext>, MediationError> {
        let payload = ctx
            .json_payload()?
            .cloned()
            .ok_or_else(|| MediationError::client("iterate with json-eval needs a JSON payload"))?;
        let items = match path.select(Some(&payload)) {
            Some(Value::Array(items)) => items,
            _ => {
                return Err(MediationError::internal(format!(
                    "json-eval({}) does not select a JSON array to iterate over",
                    path.text()
                )));
            }
        };
        // With preservePayload, each branch gets the payload with the array emptied and its
        // item put at attachPath (Synapse's JSON splitting).
        let attach = match (&self.attach_path, self.preserve_payload) {
            (_, false) => None,
            (None, true) => definite_steps(path),
            (Some(attach), true) => attach.resolve(ctx)?.json().and_then(definite_steps),
        };
        let mut base = payload;
        if let Some(steps) = self
            .preserve_payload
            .then(|| definite_steps(path))
            .flatten()
            && let Some(slot) = descend(&mut base, &steps)
        {
            *slot = Value::Array(Vec::new());
        }
        let mut branches = Vec::with_capacity(items.len());
        for item in items {
            let body = match &attach {
                None => item,
                Some(steps) => {
                    let mut whole = base.clone();
                    match descend(&mut whole, steps) {
                        Some(Value::Array(list)) => list.push(item),
                        Some(slot) => *slot = item,
                        None => {
                            return Err(MediationError::internal(
                                "the iterate attachPath does not name a place in the payload",
                            ));
                        }
                    }
                    whole
                }
            };
            let mut branch = ctx.branch();
            branch.set_json_payload(body);
            branches.push(branch);
        }
        Ok(branches)
    }

    fn split_xml(
        &self,
        ctx: &mut MessageContext,
        xpath: &crate::expr::XPathExpr,
    ) -> Result<Vec<MessageContext>, MediationError> {
        let (doc, nodes) = xpath.nodes(ctx)?;
        let attach = match (&self.attach_path, self.preserve_payload) {
            (Some(attach), true) => {
                let resolved = attach.resolve(ctx)?;
                match resolved.xpath() {
                    Some(x) => x.nodes(ctx)?.1.first().copied(),
                    None => None,
                }
            }
            _ => None,
        }
        .or_else(|| doc.body());
        let mut branches = Vec::with_capacity(nodes.len());
        for &node in &nodes {
            let item = doc.to_xml(node);
            let envelope = if self.preserve_payload {
                let mut edits = Edits::new();
                for &other in &nodes {
                    edits.add(other, Edit::Remove);
                }
                if let Some(at) = attach {
                    edits.add(at, Edit::AppendChildren(item));
                }
                doc.to_xml_edited(doc.root(), &edits)
            } else {
                crate::eip::with_body_content(&doc, item)
            };
            let mut branch = ctx.branch();
            branch.set_envelope_xml(&envelope)?;
            branches.push(branch);
        }
        Ok(branches)
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::{compile_errors, context_with, mediate_result};

    #[test]
    fn deploy_errors() {
        let errors = |xml: &str| compile_errors(xml).join("\n");
        assert!(errors(r#"<iterate expression="//a"/>"#).contains("needs a <target>"));
        assert!(errors(r#"<iterate><target sequence="s"/></iterate>"#).contains("`expression`"));
        assert!(
            errors(r#"<iterate expression="//a"><target/></iterate>"#)
                .contains("needs a sequence or an endpoint")
        );
        assert!(errors(r#"<iterate expression="//a" sequential="sometimes"><target sequence="s"/></iterate>"#)
            .contains("`true` or `false`"));
        assert!(
            errors(r#"<iterate expression="//a"><target sequence="s"/><log/></iterate>"#)
                .contains("not <log>")
        );
    }

    #[tokio::test]
    async fn a_path_that_is_not_an_array_is_an_error() {
        let mut ctx = context_with(
            r#"{"items":{"a":1}}"#,
            &[("content-type", "application/json")],
        );
        let xml = r#"<sequence><iterate expression="json-eval($.items)"><target><sequence><log/></sequence></target></iterate></sequence>"#;
        let err = mediate_result(&mut ctx, xml).await.unwrap_err();
        assert!(
            err.message.contains("does not select a JSON array"),
            "{}",
            err.message
        );
    }

    #[tokio::test]
    async fn preserve_payload_attaches_each_item() {
        let mut ctx = context_with(
            r#"{"list":[1,2],"slot":null,"keep":true}"#,
            &[("content-type", "application/json")],
        );
        // Each branch responds with what it got; the first response wins.
        let xml = r#"<sequence><iterate expression="json-eval($.list)" preservePayload="true"
              attachPath="json-eval($.slot)" sequential="true">
              <target><sequence><respond/></sequence></target></iterate></sequence>"#;
        mediate_result(&mut ctx, xml).await.unwrap();
        let body = ctx.take_response().unwrap().body;
        assert_eq!(body, r#"{"list":[],"slot":1,"keep":true}"#.as_bytes());
    }
}
