//! `<filter>`: runs one branch or the other depending on a condition.
//!
//! ```xml
//! <filter source="get-property('transport','Action')" regex="urn:getSessionById">
//!     <then><log level="simple"/></then>
//!     <else><drop/></else>
//! </filter>
//! <filter xpath="json-eval($.active)">
//!     <property name="active" value="yes"/>   <!-- no <then>: the children are the then-branch -->
//! </filter>
//! <filter source="$ctx:kind" regex="gold|silver">
//!     <then sequence="premium"/>
//! </filter>
//! ```
//!
//! `regex` must match the whole source value (Java `Matcher.matches`); a null source is false.
//! An `xpath` condition with `json-eval` holds only when the result is `true`.

use async_trait::async_trait;
use regex::Regex;

use super::{Flow, Mediator, MediatorFactory};
use crate::compile::CompileCx;
use crate::config::xml::Element;
use crate::context::MessageContext;
use crate::error::{MediationError, Reported};
use crate::expr::Expression;
use crate::sequence::SequenceRef;
use std::sync::Arc;

#[derive(Debug)]
enum Condition {
    Match { source: Expression, regex: Regex },
    Truth(Expression),
}

#[derive(Debug)]
pub struct FilterMediator {
    condition: Condition,
    then_branch: Option<SequenceRef>,
    else_branch: Option<SequenceRef>,
}

pub struct FilterFactory;

impl MediatorFactory for FilterFactory {
    fn tag(&self) -> &'static str {
        "filter"
    }

    fn build(&self, el: &Element, cx: &mut CompileCx<'_>) -> Result<Box<dyn Mediator>, Reported> {
        cx.check_attributes(el, &["source", "regex", "xpath", "description"]);
        let condition = match (el.attr("source"), el.attr("regex"), el.attr("xpath")) {
            (Some(source), Some(regex), None) => Ok(Condition::Match {
                source: cx.expression(el, source)?,
                regex: cx.full_match_regex(regex)?,
            }),
            (None, None, Some(xpath)) => cx.expression(el, xpath).map(Condition::Truth),
            _ => Err(cx.diags.error_with_help(
                el.pos,
                "<filter> needs either `source` and `regex`, or `xpath`",
                "for example <filter source=\"$ctx:kind\" regex=\"gold\">",
            )),
        };
        let branches = branches(el, cx);
        let (then_branch, else_branch) = branches?;
        Ok(Box::new(FilterMediator {
            condition: condition?,
            then_branch,
            else_branch,
        }))
    }
}

type Branches = (Option<SequenceRef>, Option<SequenceRef>);

fn branches(el: &Element, cx: &mut CompileCx<'_>) -> Result<Branches, Reported> {
    let has_branches = el
        .elements()
        .any(|c| matches!(c.name.as_str(), "then" | "else"));
    if !has_branches {
        let list = cx.mediators(el)?;
        return Ok((Some(SequenceRef::Inline(Arc::new(list))), None));
    }
    let mut then_branch = None;
    let mut else_branch = None;
    let mut failed = false;
    for child in el.elements() {
        let slot = match child.name.as_str() {
            "then" => &mut then_branch,
            "else" => &mut else_branch,
            other => {
                cx.diags.error(
                    child.pos,
                    format!("<filter> with <then>/<else> cannot also hold <{other}> directly"),
                );
                failed = true;
                continue;
            }
        };
        if slot.is_some() {
            cx.diags.error(
                child.pos,
                format!("<filter> has more than one <{}>", child.name),
            );
            failed = true;
            continue;
        }
        match branch(child, cx) {
            Ok(b) => *slot = Some(b),
            Err(Reported) => failed = true,
        }
    }
    if failed {
        Err(Reported)
    } else {
        Ok((then_branch, else_branch))
    }
}

/// A `<then>`, `<else>`, `<case>` or `<default>` body: inline mediators, or `sequence="key"`.
pub(super) fn branch(el: &Element, cx: &mut CompileCx<'_>) -> Result<SequenceRef, Reported> {
    cx.synapse_namespace(el)?;
    cx.check_attributes(el, &["sequence", "regex", "description"]);
    match el.attr("sequence") {
        Some(key) => {
            cx.no_children(el)?;
            Ok(cx.sequence_ref(&key.value, key.pos))
        }
        None => Ok(SequenceRef::Inline(Arc::new(cx.mediators(el)?))),
    }
}

#[async_trait]
impl Mediator for FilterMediator {
    fn reads_body(&self) -> bool {
        let condition = match &self.condition {
            Condition::Match { source, .. } => source,
            Condition::Truth(expression) => expression,
        };
        condition.reads_body()
            || [&self.then_branch, &self.else_branch]
                .into_iter()
                .flatten()
                .any(SequenceRef::reads_body)
    }

    async fn mediate(&self, ctx: &mut MessageContext) -> Result<Flow, MediationError> {
        let holds = match &self.condition {
            Condition::Match { source, regex } => source
                .evaluate(ctx)?
                .is_some_and(|value| regex.is_match(&value)),
            Condition::Truth(expression) => expression.evaluate_bool(ctx)?,
        };
        let branch = if holds {
            &self.then_branch
        } else {
            &self.else_branch
        };
        match branch {
            Some(b) => b.run(ctx).await,
            None => Ok(Flow::Continue),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::{compile_errors, context_with, mediate};

    #[tokio::test]
    async fn picks_the_branch_by_full_match() {
        for (action, want) in [
            ("urn:getSessionById", "then"),
            ("urn:getSessionById2", "else"),
            ("", "else"),
        ] {
            let mut ctx = context_with("{}", &[("Action", action)]);
            mediate(
                &mut ctx,
                r#"<sequence><filter source="$trp:Action" regex="urn:getSessionById">
                     <then><property name="went" value="then"/></then>
                     <else><property name="went" value="else"/></else>
                   </filter></sequence>"#,
            )
            .await;
            assert_eq!(ctx.property("went").unwrap().to_string(), want, "{action}");
        }
    }

    #[tokio::test]
    async fn xpath_condition_and_bare_children() {
        let mut ctx = context_with(r#"{"active":true}"#, &[]);
        mediate(
            &mut ctx,
            r#"<sequence><filter xpath="json-eval($.active)"><property name="a" value="1"/></filter>
                 <filter source="$ctx:missing" regex=".*"><property name="b" value="1"/></filter></sequence>"#,
        )
        .await;
        assert!(ctx.property("a").is_some());
        assert!(ctx.property("b").is_none(), "a null source never matches");
    }

    #[test]
    fn deploy_errors() {
        let table = [
            (
                r#"<filter><then/></filter>"#,
                "needs either `source` and `regex`, or `xpath`",
            ),
            (
                r#"<filter source="$ctx:a" regex="x"><then/><then/></filter>"#,
                "more than one <then>",
            ),
            (
                r#"<filter source="$ctx:a" regex="x"><then/><log/></filter>"#,
                "cannot also hold <log>",
            ),
            (
                r#"<filter source="$ctx:a" regex="x"><then><bogus/></then></filter>"#,
                "unknown mediator <bogus>",
            ),
        ];
        for (xml, want) in table {
            let errors = compile_errors(xml);
            assert!(errors.iter().any(|e| e.contains(want)), "{xml}: {errors:?}");
        }
    }
}
