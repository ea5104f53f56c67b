//! `<clone>`: sends a copy of the message through each of several targets.
//!
//! ```xml
//! <clone id="quotes" [continueParent="true"] [sequential="true"]>
//!     <target><sequence><call><endpoint key="vendorA"/></call></sequence></target>
//!     <target endpoint="vendorB"/>
//! </clone>
//! ```
//!
//! Every branch is the whole message, with `MESSAGE_SEQUENCE[.id]` = `index/total`. Branches
//! run concurrently unless `sequential="true"`, and an `aggregate` with the same id collects
//! them, as for `iterate`. The original message stops here unless `continueParent="true"`.

use async_trait::async_trait;

use super::{Flow, Mediator, MediatorFactory};
use crate::compile::CompileCx;
use crate::config::xml::Element;
use crate::context::MessageContext;
use crate::eip::{BranchTarget, Split, mark_branch, run_branches};
use crate::error::{MediationError, Reported};

#[derive(Debug)]
pub struct CloneMediator {
    id: Option<String>,
    continue_parent: bool,
    sequential: bool,
    targets: Vec<BranchTarget>,
}

pub struct CloneFactory;

impl MediatorFactory for CloneFactory {
    fn tag(&self) -> &'static str {
        "clone"
    }

    fn build(&self, el: &Element, cx: &mut CompileCx<'_>) -> Result<Box<dyn Mediator>, Reported> {
        cx.check_attributes(el, &["id", "continueParent", "sequential", "description"]);
        let continue_parent = cx.bool_attr(el, "continueParent", false)?;
        let sequential = cx.bool_attr(el, "sequential", false)?;
        let mut targets = Vec::new();
        let mut failed = None;
        for child in el.elements() {
            if child.name != "target" {
                failed = Some(cx.diags.error(
                    child.pos,
                    format!("<clone> holds <target> elements, not <{}>", child.name),
                ));
                continue;
            }
            match BranchTarget::build(child, cx) {
                Ok(target) => targets.push(target),
                Err(reported) => failed = Some(reported),
            }
        }
        if let Some(reported) = failed {
            return Err(reported);
        }
        if targets.is_empty() {
            return Err(cx.diags.error_with_help(
                el.pos,
                "<clone> needs at least one <target>",
                "<target><sequence>...</sequence></target>",
            ));
        }
        Ok(Box::new(CloneMediator {
            id: el.attr_value("id").map(str::to_string),
            continue_parent,
            sequential,
            targets,
        }))
    }
}

#[async_trait]
impl Mediator for CloneMediator {
    async fn mediate(&self, ctx: &mut MessageContext) -> Result<Flow, MediationError> {
        let split = Split::new(self.id.clone(), self.targets.len());
        let branches = self
            .targets
            .iter()
            .enumerate()
            .map(|(index, target)| {
                let mut branch = ctx.branch();
                mark_branch(&mut branch, &split, index);
                (branch, target)
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

#[cfg(test)]
mod tests {
    use crate::testing::{compile_errors, context_with, mediate_result};

    #[test]
    fn deploy_errors() {
        assert!(compile_errors("<clone/>")[0].contains("at least one <target>"));
        assert!(
            compile_errors(r#"<clone><target sequence="s"/><sequence/></clone>"#)[0]
                .contains("not <sequence>")
        );
    }

    #[tokio::test]
    async fn continue_parent_lets_the_original_go_on() {
        let mut ctx = context_with("{}", &[("content-type", "application/json")]);
        let xml = r#"<sequence>
            <clone continueParent="true">
              <target><sequence><property name="in_branch" value="1"/></sequence></target>
            </clone>
            <property name="after" value="yes"/>
          </sequence>"#;
        mediate_result(&mut ctx, xml).await.unwrap();
        assert_eq!(ctx.property("after").unwrap().to_string(), "yes");
        // Branch properties stay in the branch.
        assert!(ctx.property("in_branch").is_none());
    }
}
