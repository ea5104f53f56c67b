//! `<enrich>`: copies part of the message (or a property, or inline content) into another
//! part of the message, natively on JSON.
//!
//! ```xml
//! <enrich>
//!     <source type="body" clone="true"/>
//!     <target type="property" property="ORIGINAL_BODY"/>
//! </enrich>
//! <enrich>
//!     <source type="property" property="ORIGINAL_BODY"/>
//!     <target type="body"/>
//! </enrich>
//! <enrich>
//!     <source type="inline" clone="true">{"status": "done"}</source>
//!     <target xpath="json-eval($.order.result)" action="replace"/>
//! </enrich>
//! <enrich>
//!     <source xpath="json-eval($.order.items[0])"/>
//!     <target xpath="json-eval($.archive)" action="child"/>
//! </enrich>
//! ```
//!
//! Sources: `body`, `property`, `inline` (JSON, or text) and `custom` (`xpath="json-eval(...)"`,
//! the default type). Targets: `body`, `property` and `custom` JSON paths, with `action`
//! `replace` (default), `child` (append to an array or merge into an object), `sibling` (append
//! to the array holding the target) or `remove`. Custom targets must be definite paths
//! (`$.a.b[0]`). XML payloads and XPath locations are not supported yet.

use async_trait::async_trait;
use serde_json::Value;

use super::{Flow, Mediator, MediatorFactory};
use crate::compile::CompileCx;
use crate::config::xml::Element;
use crate::context::{MessageContext, PropertyValue};
use crate::error::{MediationError, Reported};
use crate::expr::json_path::{PathStep, definite_steps};
use crate::expr::{Expression, JsonPathExpr};

#[derive(Debug)]
enum Source {
    Body,
    Property(String),
    Inline(Value),
    Path(JsonPathExpr),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Replace,
    Child,
    Sibling,
    Remove,
}

#[derive(Debug)]
enum Target {
    Body,
    Property(String),
    Path(Vec<PathStep>),
}

#[derive(Debug)]
pub struct EnrichMediator {
    source: Source,
    target: Target,
    action: Action,
}

pub struct EnrichFactory;

impl MediatorFactory for EnrichFactory {
    fn tag(&self) -> &'static str {
        "enrich"
    }

    fn build(&self, el: &Element, cx: &mut CompileCx<'_>) -> Result<Box<dyn Mediator>, Reported> {
        cx.check_attributes(el, &["description"]);
        let (mut source, mut target) = (None, None);
        for child in el.elements() {
            match child.name.as_str() {
                "source" => source = Some(build_source(child, cx)),
                "target" => target = Some(build_target(child, cx)),
                other => {
                    return Err(cx.diags.error_with_help(
                        child.pos,
                        format!("<enrich> cannot hold <{other}>"),
                        "expected <source> and <target>",
                    ));
                }
            }
        }
        let (Some(source), Some(target)) = (source, target) else {
            return Err(cx
                .diags
                .error(el.pos, "<enrich> needs a <source> and a <target>"));
        };
        let (source, (target, action)) = (source?, target?);
        Ok(Box::new(EnrichMediator {
            source,
            target,
            action,
        }))
    }
}

fn kind(el: &Element) -> &str {
    el.attr_value("type").unwrap_or("custom")
}

fn not_yet(cx: &mut CompileCx<'_>, el: &Element, what: &str) -> Reported {
    cx.diags
        .error(el.pos, format!("enrich {what} is not supported yet"))
}

fn build_source(el: &Element, cx: &mut CompileCx<'_>) -> Result<Source, Reported> {
    cx.check_attributes(el, &["type", "clone", "xpath", "property", "key"]);
    cx.bool_attr(el, "clone", true)?;
    match kind(el) {
        "body" => Ok(Source::Body),
        "property" => property_name(el, cx).map(Source::Property),
        "inline" => {
            if el.attr("key").is_some() || el.elements().next().is_some() {
                return Err(not_yet(cx, el, "inline XML or registry sources"));
            }
            let text = el.text();
            let text = text.trim();
            Ok(Source::Inline(
                serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_string())),
            ))
        }
        "custom" => custom_path(el, cx).map(Source::Path),
        "envelope" => Err(not_yet(cx, el, "of the SOAP envelope")),
        other => Err(unknown_type(
            cx,
            el,
            other,
            "custom, body, property or inline",
        )),
    }
}

fn build_target(el: &Element, cx: &mut CompileCx<'_>) -> Result<(Target, Action), Reported> {
    cx.check_attributes(el, &["type", "action", "xpath", "property"]);
    let action = match el.attr_value("action").unwrap_or("replace") {
        "replace" => Action::Replace,
        "child" => Action::Child,
        "sibling" => Action::Sibling,
        "remove" => Action::Remove,
        other => {
            let pos = el.attr("action").map_or(el.pos, |a| a.pos);
            return Err(cx.diags.error_with_help(
                pos,
                format!("unknown enrich action `{other}`"),
                "expected replace, child, sibling or remove",
            ));
        }
    };
    let target = match kind(el) {
        "body" => Target::Body,
        "property" => Target::Property(property_name(el, cx)?),
        "custom" => {
            let path = custom_path(el, cx)?;
            let steps = definite_steps(&path).ok_or_else(|| {
                cx.diags.error_with_help(
                    el.pos,
                    format!("enrich target `{}` must name one place", path.text()),
                    "use a definite path such as json-eval($.order.items[0])",
                )
            })?;
            Target::Path(steps)
        }
        "envelope" => return Err(not_yet(cx, el, "of the SOAP envelope")),
        other => return Err(unknown_type(cx, el, other, "custom, body or property")),
    };
    let allowed = match target {
        Target::Path(_) => true,
        Target::Body | Target::Property(_) => matches!(action, Action::Replace | Action::Child),
    };
    if !allowed {
        return Err(cx.diags.error(
            el.pos,
            "this enrich action needs a custom (json-eval) target",
        ));
    }
    Ok((target, action))
}

fn property_name(el: &Element, cx: &mut CompileCx<'_>) -> Result<String, Reported> {
    cx.required_attr(el, "property").map(|a| a.value.clone())
}

fn custom_path(el: &Element, cx: &mut CompileCx<'_>) -> Result<JsonPathExpr, Reported> {
    let attr = cx.required_attr(el, "xpath")?;
    match cx.expression(el, attr)? {
        Expression::JsonEval(path) => Ok(path),
        _ => Err(not_yet(cx, el, "with an XPath location")),
    }
}

fn unknown_type(cx: &mut CompileCx<'_>, el: &Element, found: &str, expected: &str) -> Reported {
    let pos = el.attr("type").map_or(el.pos, |a| a.pos);
    cx.diags.error_with_help(
        pos,
        format!("unknown enrich type `{found}`"),
        format!("expected {expected}"),
    )
}

#[async_trait]
impl Mediator for EnrichMediator {
    async fn mediate(&self, ctx: &mut MessageContext) -> Result<Flow, MediationError> {
        let value = match &self.source {
            Source::Body => ctx.json_payload()?.cloned().unwrap_or(Value::Null),
            Source::Property(name) => match ctx.property(name) {
                Some(PropertyValue::Json(v)) => v.clone(),
                Some(other) => {
                    let text = other.to_string();
                    serde_json::from_str(&text).unwrap_or(Value::String(text))
                }
                None => Value::Null,
            },
            Source::Inline(v) => v.clone(),
            Source::Path(path) => {
                let payload = ctx.json_payload()?;
                path.select(payload).unwrap_or(Value::Null)
            }
        };
        match &self.target {
            Target::Property(name) => ctx.set_property(name.clone(), PropertyValue::Json(value)),
            Target::Body => {
                let body = match self.action {
                    Action::Child => {
                        let mut body = ctx.json_payload()?.cloned().unwrap_or(Value::Null);
                        add_child(&mut body, value);
                        body
                    }
                    _ => value,
                };
                ctx.set_json_payload(body);
            }
            Target::Path(steps) => {
                let mut body = ctx
                    .json_payload()?
                    .cloned()
                    .unwrap_or_else(|| Value::Object(Default::default()));
                apply(&mut body, steps, self.action, value)
                    .map_err(|why| MediationError::internal("enrich failed").with_detail(why))?;
                ctx.set_json_payload(body);
            }
        }
        Ok(Flow::Continue)
    }
}

/// Appends to an array, merges into an object, or turns a scalar into an array of both.
fn add_child(node: &mut Value, value: Value) {
    match (node, value) {
        (Value::Array(items), v) => items.push(v),
        (Value::Object(map), Value::Object(more)) => map.extend(more),
        (node, v) => {
            let old = node.take();
            *node = if old.is_null() {
                v
            } else {
                Value::Array(vec![old, v])
            };
        }
    }
}

fn apply(body: &mut Value, steps: &[PathStep], action: Action, value: Value) -> Result<(), String> {
    let Some((last, parents)) = steps.split_last() else {
        return Err("the target is the whole payload; use type=\"body\"".into());
    };
    let mut node = body;
    for step in parents {
        node = step
            .descend(node, true)
            .ok_or_else(|| format!("no place at `{step}` to put the value"))?;
    }
    match action {
        Action::Replace => {
            *last
                .descend(node, true)
                .ok_or_else(|| format!("cannot set `{last}`"))? = value;
        }
        Action::Child => add_child(
            last.descend(node, true)
                .ok_or_else(|| format!("cannot reach `{last}`"))?,
            value,
        ),
        Action::Sibling => match node {
            Value::Array(items) => items.push(value),
            _ => {
                return Err(format!(
                    "`{last}` is not inside an array, so it has no siblings to add to"
                ));
            }
        },
        Action::Remove => last.remove(node),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::testing::{compile_errors, context_with, mediate};

    async fn enriched(body: &str, xml: &str) -> String {
        let mut ctx = context_with(body, &[]);
        mediate(&mut ctx, &format!("<sequence>{xml}<respond/></sequence>")).await;
        String::from_utf8(ctx.take_response().unwrap().body.to_vec()).unwrap()
    }

    #[tokio::test]
    async fn json_sources_and_targets() {
        let table = [
            (
                r#"{"a":1}"#,
                r#"<enrich><source type="inline">{"b":2}</source><target xpath="json-eval($.x)"/></enrich>"#,
                r#"{"a":1,"x":{"b":2}}"#,
            ),
            (
                r#"{"a":{"b":1}}"#,
                r#"<enrich><source xpath="json-eval($.a)"/><target xpath="json-eval($.copy.inner)"/></enrich>"#,
                r#"{"a":{"b":1},"copy":{"inner":{"b":1}}}"#,
            ),
            (
                r#"{"l":[1]}"#,
                r#"<enrich><source type="inline">2</source><target xpath="json-eval($.l)" action="child"/></enrich>"#,
                r#"{"l":[1,2]}"#,
            ),
            (
                r#"{"l":[1]}"#,
                r#"<enrich><source type="inline">3</source><target xpath="json-eval($.l[0])" action="sibling"/></enrich>"#,
                r#"{"l":[1,3]}"#,
            ),
            (
                r#"{"a":1,"b":2}"#,
                r#"<enrich><source type="inline">0</source><target xpath="json-eval($.b)" action="remove"/></enrich>"#,
                r#"{"a":1}"#,
            ),
            (
                r#"{"a":1}"#,
                r#"<enrich><source type="body"/><target type="property" property="saved"/></enrich><enrich><source type="inline">{"z":0}</source><target type="body"/></enrich><enrich><source type="property" property="saved"/><target xpath="json-eval($.saved)"/></enrich>"#,
                r#"{"z":0,"saved":{"a":1}}"#,
            ),
        ];
        for (body, xml, want) in table {
            assert_eq!(enriched(body, xml).await, want, "{xml}");
        }
    }

    #[test]
    fn deploy_errors() {
        let table = [
            (
                r#"<enrich><source type="body"/></enrich>"#,
                "needs a <source> and a <target>",
            ),
            (
                r#"<enrich><source type="file"/><target type="body"/></enrich>"#,
                "unknown enrich type `file`",
            ),
            (
                r#"<enrich><source type="body"/><target type="body" action="merge"/></enrich>"#,
                "unknown enrich action",
            ),
            (
                r#"<enrich><source type="body"/><target xpath="json-eval($..a)"/></enrich>"#,
                "must name one place",
            ),
            (
                r#"<enrich><source type="envelope"/><target type="body"/></enrich>"#,
                "not supported yet",
            ),
            (
                r#"<enrich><source type="body"/><target type="property"/></enrich>"#,
                "needs a `property`",
            ),
        ];
        for (xml, want) in table {
            let errors = compile_errors(xml);
            assert!(errors.iter().any(|e| e.contains(want)), "{xml}: {errors:?}");
        }
    }
}
