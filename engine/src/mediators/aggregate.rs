//! `<aggregate>`: collects the branches of an `iterate` or `clone` and merges them into one
//! message.
//!
//! ```xml
//! <aggregate id="orders">
//!     <correlateOn expression="json-eval($.orderId)"/>              <!-- optional -->
//!     <completeCondition timeout="10">
//!         <messageCount min="-1" max="-1"/>                         <!-- or max="{$ctx:N}" -->
//!     </completeCondition>
//!     <onComplete expression="json-eval($.result)" [enclosingElementProperty="wrapper"]
//!                 [sequence="key"]>
//!         <respond/>
//!     </onComplete>
//! </aggregate>
//! ```
//!
//! The aggregation completes when `max` messages (default: every branch of the split) have
//! arrived, when the completion timeout runs out, or when the message that split finishes its
//! flow (the branches that never arrived cannot arrive any more). The merged message runs
//! `onComplete`; if that does not stop, it continues after the aggregate. Every other arrival
//! stops here. See `eip/aggregation.rs` for how JSON and XML results are merged.
//!
//! Correlation is by split: an `aggregate` with an `id` collects the branches of the splitter
//! with that `id`, one without collects the innermost split. With `<correlateOn>`, messages
//! for which its expression selects nothing pass through without being aggregated.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use super::{Flow, Mediator, MediatorFactory};
use crate::compile::CompileCx;
use crate::config::xml::Element;
use crate::context::MessageContext;
use crate::eip::{AggregateSpec, Count, Selection};
use crate::error::{MediationError, Reported};
use crate::expr::{Expression, XPathExpr};

/// Synapse's default aggregation expression: the first element in the Body.
const FIRST_BODY_ELEMENT: &str =
    "s11:Body/child::*[position()=1] | s12:Body/child::*[position()=1]";

#[derive(Debug)]
pub struct AggregateMediator {
    spec: Arc<AggregateSpec>,
    correlate_on: Option<Expression>,
}

pub struct AggregateFactory;

impl MediatorFactory for AggregateFactory {
    fn tag(&self) -> &'static str {
        "aggregate"
    }

    fn build(&self, el: &Element, cx: &mut CompileCx<'_>) -> Result<Box<dyn Mediator>, Reported> {
        cx.check_attributes(el, &["id", "description"]);
        let mut correlate_on = None;
        let mut max = None;
        let mut timeout = None;
        let mut on_complete_el = None;
        for child in el.elements() {
            match child.name.as_str() {
                "correlateOn" => {
                    cx.check_attributes(child, &["expression"]);
                    let expression = cx.required_attr(child, "expression")?;
                    correlate_on = Some(cx.expression(child, expression)?);
                }
                "completeCondition" => {
                    (max, timeout) = complete_condition(child, cx)?;
                }
                "onComplete" => on_complete_el = Some(child),
                other => {
                    return Err(cx.diags.error(
                        child.pos,
                        format!(
                            "<aggregate> holds <correlateOn>, <completeCondition> and \
                             <onComplete>, not <{other}>"
                        ),
                    ));
                }
            }
        }
        let Some(on_complete_el) = on_complete_el else {
            return Err(cx.diags.error_with_help(
                el.pos,
                "<aggregate> needs an <onComplete>",
                "<onComplete expression=\"json-eval($)\"><respond/></onComplete>",
            ));
        };
        let oc = on_complete_el;
        cx.check_attributes(
            oc,
            &[
                "expression",
                "sequence",
                "enclosingElementProperty",
                "aggregateElementType",
            ],
        );
        if let Some(kind) = oc.attr("aggregateElementType")
            && kind.value != "root"
        {
            return Err(cx.diags.error(
                kind.pos,
                format!(
                    "aggregateElementType `{}` is not supported yet; `root` is",
                    kind.value
                ),
            ));
        }
        let selection = match oc.attr("expression") {
            Some(a) => match cx.expression(oc, a)? {
                Expression::JsonEval(path) => Selection::Json(path),
                Expression::XPath(xpath) => Selection::XPath(xpath),
                Expression::Lookup(_) => {
                    return Err(cx.diags.error(
                        a.pos,
                        "the aggregation expression must be json-eval(...) or an XPath",
                    ));
                }
            },
            None => Selection::XPath(Box::new(default_selection())),
        };
        let on_complete = match oc.attr("sequence") {
            Some(a) => {
                if oc.elements().next().is_some() {
                    return Err(cx.diags.error(
                        oc.pos,
                        "<onComplete sequence=\"...\"> cannot also hold mediators",
                    ));
                }
                Some(cx.sequence_ref(&a.value, a.pos))
            }
            None => Some(crate::sequence::SequenceRef::Inline(Arc::new(
                cx.mediators(oc)?,
            ))),
        };
        Ok(Box::new(AggregateMediator {
            spec: Arc::new(AggregateSpec {
                id: el.attr_value("id").map(str::to_string),
                selection,
                max,
                timeout,
                enclosing_property: oc
                    .attr_value("enclosingElementProperty")
                    .map(str::to_string),
                on_complete,
            }),
            correlate_on,
        }))
    }
}

fn default_selection() -> XPathExpr {
    let namespaces = [
        ("s11".to_string(), crate::xpath::SOAP11_NS.to_string()),
        ("s12".to_string(), crate::xpath::SOAP12_NS.to_string()),
    ];
    XPathExpr::compile(FIRST_BODY_ELEMENT, &namespaces).expect("the default expression compiles")
}

/// `<completeCondition timeout="s"><messageCount min max/></completeCondition>`.
fn complete_condition(
    el: &Element,
    cx: &mut CompileCx<'_>,
) -> Result<(Option<Count>, Option<Duration>), Reported> {
    cx.check_attributes(el, &["timeout"]);
    let timeout = match el.attr("timeout") {
        None => None,
        Some(a) => match a.value.trim().parse::<f64>() {
            Ok(secs) if secs > 0.0 => Some(Duration::from_secs_f64(secs)),
            Ok(_) => None,
            Err(_) => {
                return Err(cx.diags.error(
                    a.pos,
                    format!("timeout `{}` is not a number of seconds", a.value),
                ));
            }
        },
    };
    let mut max = None;
    for child in el.elements() {
        if child.name != "messageCount" {
            return Err(cx.diags.error(
                child.pos,
                format!(
                    "<completeCondition> holds <messageCount>, not <{}>",
                    child.name
                ),
            ));
        }
        cx.check_attributes(child, &["min", "max"]);
        // `min` only matters to Synapse when a timeout fires; here a timed-out aggregation
        // completes with what it has, so it is read for validity only.
        for name in ["min", "max"] {
            let Some(a) = child.attr(name) else { continue };
            let count = count_value(child, a, cx)?;
            if name == "max" {
                max = Some(count);
            }
        }
    }
    Ok((max, timeout))
}

fn count_value(
    el: &Element,
    a: &crate::config::xml::Attribute,
    cx: &mut CompileCx<'_>,
) -> Result<Count, Reported> {
    let text = a.value.trim();
    if let Some(inner) = text.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
        return Ok(Count::Dynamic(cx.expression_at(el, inner, a.pos)?));
    }
    text.parse::<i64>().map(Count::Fixed).map_err(|_| {
        cx.diags.error(
            a.pos,
            format!("message count `{text}` is not a whole number or a {{expression}}"),
        )
    })
}

#[async_trait]
impl Mediator for AggregateMediator {
    async fn mediate(&self, ctx: &mut MessageContext) -> Result<Flow, MediationError> {
        if let Some(correlate_on) = &self.correlate_on
            && correlate_on.evaluate(ctx)?.is_none_or(|v| v.is_empty())
        {
            return Ok(Flow::Continue);
        }
        self.spec.arrive(ctx).await
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::{compile_errors, context_with, mediate_result};

    #[test]
    fn deploy_errors() {
        let errors = |xml: &str| compile_errors(xml).join("\n");
        assert!(errors("<aggregate/>").contains("needs an <onComplete>"));
        assert!(
            errors(r#"<aggregate><completeCondition timeout="soon"/><onComplete/></aggregate>"#)
                .contains("not a number of seconds")
        );
        assert!(errors(r#"<aggregate><completeCondition><messageCount max="many"/></completeCondition><onComplete/></aggregate>"#)
            .contains("not a whole number"));
        assert!(
            errors(r#"<aggregate><onComplete expression="$ctx:x"/></aggregate>"#)
                .contains("json-eval(...) or an XPath")
        );
        assert!(
            errors(r#"<aggregate><onComplete aggregateElementType="child"/></aggregate>"#)
                .contains("not supported yet")
        );
        assert!(
            errors(r#"<aggregate><onComplete sequence="s"><log/></onComplete></aggregate>"#)
                .contains("cannot also hold mediators")
        );
    }

    #[tokio::test]
    async fn a_message_outside_any_split_is_an_aggregation_of_one() {
        let mut ctx = context_with(r#"{"a":1}"#, &[("content-type", "application/json")]);
        let xml = r#"<sequence><aggregate><onComplete expression="json-eval($.a)"/></aggregate><respond/></sequence>"#;
        mediate_result(&mut ctx, xml).await.unwrap();
        assert_eq!(ctx.take_response().unwrap().body, "[1]".as_bytes());
    }

    #[tokio::test]
    async fn correlate_on_lets_unmatched_messages_through() {
        let mut ctx = context_with(r#"{"a":1}"#, &[("content-type", "application/json")]);
        let xml = r#"<sequence><aggregate><correlateOn expression="json-eval($.missing)"/>
            <onComplete expression="json-eval($)"/></aggregate><respond/></sequence>"#;
        mediate_result(&mut ctx, xml).await.unwrap();
        assert_eq!(ctx.take_response().unwrap().body, r#"{"a":1}"#.as_bytes());
    }
}
