//! `<switch>`: runs the first case whose regex matches the source value, else the default.
//!
//! ```xml
//! <switch source="get-property('transport','Action')">
//!     <case regex="urn:getSessionById"><gotowebinar.getSessionById/></case>
//!     <case regex="urn:listSessions"><gotowebinar.listSessions/></case>
//!     <default><drop/></default>
//! </switch>
//! ```
//!
//! The source is evaluated once; a regex must match the whole value. A null source goes to
//! the default case. A `regex` with no metacharacters (`urn:getSessionById`) is compared as a
//! string, which is what it means anyway: compiling it costs far more than the comparison
//! ever will (the 36 cases of `proxies/gotowebinar.xml` were most of the start-up time).

use async_trait::async_trait;
use regex::Regex;

use super::filter::branch;
use super::{Flow, Mediator, MediatorFactory};
use crate::compile::CompileCx;
use crate::config::xml::{Attribute, Element};
use crate::context::MessageContext;
use crate::error::{MediationError, Reported};
use crate::expr::Expression;
use crate::sequence::SequenceRef;

/// What a `<case regex>` must match, whole.
#[derive(Debug)]
enum CasePattern {
    /// A regex without metacharacters, which only its own text matches.
    Literal(String),
    Regex(Regex),
}

impl CasePattern {
    fn compile(attr: &Attribute, cx: &mut CompileCx<'_>) -> Result<CasePattern, Reported> {
        if regex::escape(&attr.value) == attr.value {
            Ok(CasePattern::Literal(attr.value.clone()))
        } else {
            cx.full_match_regex(attr).map(CasePattern::Regex)
        }
    }

    fn matches(&self, value: &str) -> bool {
        match self {
            CasePattern::Literal(text) => text == value,
            CasePattern::Regex(regex) => regex.is_match(value),
        }
    }
}

#[derive(Debug)]
pub struct SwitchMediator {
    source: Expression,
    cases: Vec<(CasePattern, SequenceRef)>,
    default: Option<SequenceRef>,
}

pub struct SwitchFactory;

impl MediatorFactory for SwitchFactory {
    fn tag(&self) -> &'static str {
        "switch"
    }

    fn build(&self, el: &Element, cx: &mut CompileCx<'_>) -> Result<Box<dyn Mediator>, Reported> {
        cx.check_attributes(el, &["source", "description"]);
        let source = cx
            .required_attr(el, "source")
            .and_then(|a| cx.expression(el, a));
        let mut cases = Vec::new();
        let mut default = None;
        let mut failed = false;
        for text in el.stray_text() {
            cx.diags.error(text.pos, "unexpected text inside <switch>");
            failed = true;
        }
        for child in el.elements() {
            match child.name.as_str() {
                "case" => {
                    let regex = cx
                        .required_attr(child, "regex")
                        .and_then(|r| CasePattern::compile(r, cx));
                    match (regex, branch(child, cx)) {
                        (Ok(regex), Ok(body)) => cases.push((regex, body)),
                        _ => failed = true,
                    }
                }
                "default" if default.is_some() => {
                    cx.diags
                        .warning(child.pos, "only the first <default> of a <switch> is used");
                }
                "default" => match branch(child, cx) {
                    Ok(body) => default = Some(body),
                    Err(Reported) => failed = true,
                },
                other => {
                    cx.diags.error_with_help(
                        child.pos,
                        format!("<switch> cannot hold <{other}>"),
                        "expected <case regex=\"...\"> or <default>",
                    );
                    failed = true;
                }
            }
        }
        let source = source?;
        if failed {
            return Err(Reported);
        }
        Ok(Box::new(SwitchMediator {
            source,
            cases,
            default,
        }))
    }
}

#[async_trait]
impl Mediator for SwitchMediator {
    fn reads_body(&self) -> bool {
        self.source.reads_body()
            || self.cases.iter().any(|(_, case)| case.reads_body())
            || self.default.as_ref().is_some_and(SequenceRef::reads_body)
    }

    async fn mediate(&self, ctx: &mut MessageContext) -> Result<Flow, MediationError> {
        let value = self.source.evaluate(ctx)?;
        let chosen = value
            .as_deref()
            .and_then(|v| self.cases.iter().find(|(pattern, _)| pattern.matches(v)))
            .map(|(_, body)| body)
            .or(self.default.as_ref());
        match chosen {
            Some(body) => body.run(ctx).await,
            None => Ok(Flow::Continue),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::{compile_errors, context_with, mediate};

    const SWITCH: &str = r#"<sequence><switch source="get-property('transport','Action')">
          <case regex="urn:a"><property name="went" value="a"/></case>
          <case regex="urn:.*"><property name="went" value="any"/></case>
          <default><property name="went" value="default"/></default>
        </switch></sequence>"#;

    #[tokio::test]
    async fn first_full_match_wins() {
        for (action, want) in [
            (Some("urn:a"), "a"),
            (Some("urn:b"), "any"),
            (Some("x-urn:a"), "default"),
            (None, "default"),
        ] {
            let headers: Vec<(&str, &str)> = action.map(|a| ("Action", a)).into_iter().collect();
            let mut ctx = context_with("{}", &headers);
            mediate(&mut ctx, SWITCH).await;
            assert_eq!(
                ctx.property("went").unwrap().to_string(),
                want,
                "{action:?}"
            );
        }
    }

    /// A case without metacharacters is a string comparison, with a regex's whole-match
    /// meaning: no prefix, suffix or case-insensitive matches.
    #[tokio::test]
    async fn literal_cases_match_exactly() {
        const LITERAL: &str = r#"<sequence><switch source="$ctx:action">
              <case regex="urn:get Session_1/x,y=z@w!"><property name="went" value="lit"/></case>
              <default><property name="went" value="default"/></default>
            </switch></sequence>"#;
        for (action, want) in [
            ("urn:get Session_1/x,y=z@w!", "lit"),
            ("urn:get Session_1/x,y=z@w!\n", "default"),
            ("xurn:get Session_1/x,y=z@w!", "default"),
            ("URN:get Session_1/x,y=z@w!", "default"),
            ("", "default"),
        ] {
            let mut ctx = context_with("{}", &[]);
            ctx.set_property("action", action);
            mediate(&mut ctx, LITERAL).await;
            let went = ctx.property("went").unwrap().to_string();
            assert_eq!(went, want, "{action:?}");
        }
        for (text, literal) in [
            ("urn:a", true),
            ("urn:.*", false),
            ("a|b", false),
            ("a-b", false),
        ] {
            assert_eq!(regex::escape(text) == text, literal, "{text}");
        }
    }

    #[test]
    fn deploy_errors() {
        let table = [
            (
                r#"<switch><case regex="a"/></switch>"#,
                "needs a `source` attribute",
            ),
            (
                r#"<switch source="$ctx:a"><case/></switch>"#,
                "<case> needs a `regex` attribute",
            ),
            (
                r#"<switch source="$ctx:a"><when/></switch>"#,
                "cannot hold <when>",
            ),
            (
                r#"<switch source="$ctx:a"><case regex="["/></switch>"#,
                "invalid regex",
            ),
        ];
        for (xml, want) in table {
            let errors = compile_errors(xml);
            assert!(errors.iter().any(|e| e.contains(want)), "{xml}: {errors:?}");
        }
    }
}
