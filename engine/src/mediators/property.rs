//! `<property>`: sets or removes a property in one of the message's scopes.
//!
//! ```xml
//! <property name="apiUrl" expression="json-eval($.apiUrl)"/>
//! <property name="HTTP_SC" value="201" scope="axis2" type="INTEGER"/>
//! <property name="Authorization" expression="$ctx:token" scope="transport"/>
//! <property name="id" expression="$trp:X-Ref" pattern="order-(\d+)" group="1"/>
//! <property name="conf:/app/lastRun" expression="get-property('SYSTEM_TIME')" scope="registry"/>
//! <property name="scratch" action="remove"/>
//! ```
//!
//! Scopes: `default`, `transport`, `axis2`, `axis2-client`, `operation`, `registry`, `system`.
//! A literal `value` is converted to its `type` at deploy time, so a bad literal fails the
//! deployment. An expression yielding null leaves default, axis2 and operation properties as
//! they were (Synapse's `setProperty` ignores nulls) and sets a transport header to `""`.

use async_trait::async_trait;
use regex::Regex;

use super::{Flow, Mediator, MediatorFactory};
use crate::compile::CompileCx;
use crate::config::xml::Element;
use crate::context::{MessageContext, PropertyType, PropertyValue};
use crate::error::{MediationError, Reported};
use crate::expr::Expression;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PropertyScope {
    Default,
    Transport,
    Axis2,
    Operation,
    Registry,
    System,
}

impl PropertyScope {
    const NAMES: &'static str =
        "default, transport, axis2, axis2-client, operation, registry, system";

    fn from_name(name: &str) -> Option<PropertyScope> {
        Some(match name {
            "default" => PropertyScope::Default,
            "transport" => PropertyScope::Transport,
            // axis2-client sets Axis2 client options; those that matter here are read from axis2.
            "axis2" | "axis2-client" => PropertyScope::Axis2,
            "operation" => PropertyScope::Operation,
            "registry" => PropertyScope::Registry,
            "system" => PropertyScope::System,
            _ => return None,
        })
    }
}

#[derive(Debug)]
enum Action {
    SetValue(PropertyValue),
    SetExpression {
        expression: Expression,
        ty: PropertyType,
        pattern: Option<(Regex, usize)>,
    },
    Remove,
}

#[derive(Debug)]
pub struct PropertyMediator {
    name: String,
    /// Whether `name` marks a credential, decided once here rather than for every message.
    secret_name: bool,
    /// `name="{expr}"`: the name is computed for each message.
    dynamic_name: Option<Expression>,
    scope: PropertyScope,
    action: Action,
}

pub struct PropertyFactory;

impl MediatorFactory for PropertyFactory {
    fn tag(&self) -> &'static str {
        "property"
    }

    fn build(&self, el: &Element, cx: &mut CompileCx<'_>) -> Result<Box<dyn Mediator>, Reported> {
        cx.check_attributes(
            el,
            &[
                "name",
                "value",
                "expression",
                "scope",
                "type",
                "action",
                "pattern",
                "group",
                "description",
            ],
        );
        let name_attr = cx.required_attr(el, "name")?;
        let name = name_attr.value.clone();
        let dynamic_name = match name.strip_prefix('{').and_then(|n| n.strip_suffix('}')) {
            Some(expression) => Some(cx.expression_at(el, expression, name_attr.pos)?),
            None => None,
        };
        let scope = match el.attr("scope") {
            None => PropertyScope::Default,
            Some(a) => PropertyScope::from_name(&a.value).ok_or_else(|| {
                cx.diags.error_with_help(
                    a.pos,
                    format!("unknown property scope `{}`", a.value),
                    format!("expected one of: {}", PropertyScope::NAMES),
                )
            })?,
        };
        let remove = el.attr_value("action") == Some("remove");
        if remove {
            if matches!(scope, PropertyScope::Registry | PropertyScope::System) {
                return Err(cx.diags.error(
                    el.pos,
                    "properties in the registry and system scopes cannot be removed",
                ));
            }
            return Ok(Box::new(PropertyMediator {
                secret_name: crate::secrets::is_secret_name(&name),
                name,
                dynamic_name,
                scope,
                action: Action::Remove,
            }));
        }
        if let Some(a) = el.attr("action").filter(|a| a.value != "set") {
            cx.diags.warning(
                a.pos,
                format!("unknown action `{}` is treated as `set`", a.value),
            );
        }
        let action = build_set_action(el, cx)?;
        Ok(Box::new(PropertyMediator {
            secret_name: crate::secrets::is_secret_name(&name),
            name,
            dynamic_name,
            scope,
            action,
        }))
    }
}

fn build_set_action(el: &Element, cx: &mut CompileCx<'_>) -> Result<Action, Reported> {
    if el.elements().next().is_some() {
        // An inline XML value (type OM): kept as the XML text, which is what expressions and
        // logs read of it.
        let source = cx.diags.source().clone();
        let xml = el.inner_source(&source.text).trim().to_string();
        return Ok(Action::SetValue(PropertyValue::String(xml)));
    }
    let ty = match el.attr("type") {
        None => PropertyType::String,
        // OM values are kept as XML text.
        Some(a) if a.value == "OM" => PropertyType::String,
        Some(a) => PropertyType::from_name(&a.value).ok_or_else(|| {
            cx.diags.error_with_help(
                a.pos,
                format!("unknown property type `{}`", a.value),
                format!("expected one of: {}", PropertyType::NAMES.join(", ")),
            )
        })?,
    };
    let pattern = match (el.attr("pattern"), el.attr("group")) {
        (None, None) => None,
        (None, Some(g)) => return Err(cx.diags.error(g.pos, "`group` needs a `pattern`")),
        (Some(p), group) => {
            let regex = cx.full_match_regex(p)?;
            let group = match group {
                None => 0,
                Some(g) => g
                    .value
                    .trim()
                    .parse::<usize>()
                    .ok()
                    .filter(|&n| n < regex.captures_len())
                    .ok_or_else(|| {
                        cx.diags.error(
                            g.pos,
                            format!(
                                "`group` must be a group number of the pattern (0 to {})",
                                regex.captures_len() - 1
                            ),
                        )
                    })?,
            };
            Some((regex, group))
        }
    };
    match (el.attr("value"), el.attr("expression")) {
        (Some(value), expression) => {
            if let Some(e) = expression {
                cx.diags.warning(
                    e.pos,
                    "`expression` is ignored because `value` is also given",
                );
            }
            if let Some(p) = el.attr("pattern") {
                cx.diags.warning(
                    p.pos,
                    "`pattern` only applies to expressions and is ignored here",
                );
            }
            ty.convert(&value.value)
                .map(Action::SetValue)
                .map_err(|why| cx.diags.error(value.pos, why))
        }
        (None, Some(expression)) => Ok(Action::SetExpression {
            expression: cx.expression(el, expression)?,
            ty,
            pattern,
        }),
        (None, None) => Err(cx.diags.error_with_help(
            el.pos,
            "<property> needs a `value` or an `expression`",
            "add value=\"...\", expression=\"...\", or action=\"remove\"",
        )),
    }
}

#[async_trait]
impl Mediator for PropertyMediator {
    /// Setting a property never touches the body; only its expressions may read it.
    fn reads_body(&self) -> bool {
        self.dynamic_name
            .as_ref()
            .is_some_and(Expression::reads_body)
            || matches!(&self.action, Action::SetExpression { expression, .. } if expression.reads_body())
    }

    async fn mediate(&self, ctx: &mut MessageContext) -> Result<Flow, MediationError> {
        let (name, secret): (std::borrow::Cow<'_, str>, bool) = match &self.dynamic_name {
            None => (self.name.as_str().into(), self.secret_name),
            Some(expression) => {
                let name = expression
                    .evaluate(ctx)?
                    .filter(|n| !n.is_empty())
                    .ok_or_else(|| {
                        MediationError::internal(format!(
                            "the property name `{}` evaluated to nothing",
                            self.name
                        ))
                    })?;
                let secret = crate::secrets::is_secret_name(&name);
                (name.into(), secret)
            }
        };
        match &self.action {
            Action::Remove => self.remove(ctx, &name),
            Action::SetValue(value) => self.store(ctx, &name, secret, Some(value.clone())).await?,
            Action::SetExpression {
                expression,
                ty,
                pattern,
            } => {
                let text = expression.evaluate(ctx)?;
                let text = match (text, pattern) {
                    (Some(t), Some((regex, group))) => Some(apply_pattern(&t, regex, *group)),
                    (t, _) => t,
                };
                let value = match text {
                    None => None,
                    Some(t) => Some(ty.convert_owned(t).map_err(|why| {
                        let message = format!("property `{name}` cannot be set");
                        let e = if expression.reads_request() {
                            MediationError::client(message)
                        } else {
                            MediationError::internal(message)
                        };
                        e.with_detail(why)
                    })?),
                };
                self.store(ctx, &name, secret, value).await?;
            }
        }
        Ok(Flow::Continue)
    }
}

impl PropertyMediator {
    fn remove(&self, ctx: &mut MessageContext, name: &str) {
        match self.scope {
            PropertyScope::Default => ctx.remove_property(name),
            PropertyScope::Transport => ctx.remove_header(name),
            PropertyScope::Axis2 => ctx.remove_axis2_property(name),
            PropertyScope::Operation => ctx.remove_operation_property(name),
            PropertyScope::Registry | PropertyScope::System => {}
        }
    }

    /// `secret`: whether `name` marks a credential.
    async fn store(
        &self,
        ctx: &mut MessageContext,
        name: &str,
        secret: bool,
        value: Option<PropertyValue>,
    ) -> Result<(), MediationError> {
        let Some(value) = value else {
            if self.scope == PropertyScope::Transport {
                ctx.set_known_header(name, "", secret)?;
            }
            return Ok(());
        };
        match self.scope {
            PropertyScope::Default => ctx.set_known_property(name, value, secret),
            PropertyScope::Transport => ctx.set_known_header(name, &value.to_string(), secret)?,
            PropertyScope::Axis2 => ctx.set_axis2_property(name.to_string(), value.to_string()),
            PropertyScope::Operation => ctx.set_operation_property(name.to_string(), value),
            PropertyScope::System => ctx.services().set_system_property(name, &value.to_string()),
            // Awaited, so a networked registry (Redis) does not block a runtime thread.
            PropertyScope::Registry => ctx
                .services()
                .registry_store()
                .put_all(&[(name, &value.to_string())])
                .await
                .map_err(|e| {
                    MediationError::internal(format!("registry write to `{}` failed", name))
                        .with_detail(e.to_string())
                })?,
        }
        Ok(())
    }
}

/// `Matcher.matches()` then `group(n)`; no match gives `""`.
fn apply_pattern(text: &str, regex: &Regex, group: usize) -> String {
    regex
        .captures(text)
        .and_then(|c| c.get(group))
        .map(|m| m.as_str().to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use crate::testing::{compile_errors, context_with, mediate};

    #[tokio::test]
    async fn sets_every_scope_and_keeps_values_on_null() {
        let mut ctx = context_with(r#"{"a":"x","n":"7"}"#, &[]);
        ctx.set_property("kept", "old");
        mediate(
            &mut ctx,
            r#"<sequence>
                 <property name="a" expression="json-eval($.a)"/>
                 <property name="kept" expression="$ctx:nothing"/>
                 <property name="missing" expression="json-eval($.none)"/>
                 <property name="n" expression="json-eval($.n)" type="INTEGER" scope="operation"/>
                 <property name="HTTP_SC" value="201" scope="axis2"/>
                 <property name="X-Out" expression="$ctx:a" scope="transport"/>
                 <property name="X-Null" expression="$ctx:nothing" scope="transport"/>
                 <property name="code" value="order-42" />
                 <property name="num" expression="$ctx:code" pattern="order-(\d+)" group="1"/>
                 <property name="none" expression="$ctx:code" pattern="x(\d+)"/>
               </sequence>"#,
        )
        .await;
        let p = |name: &str| ctx.property(name).map(ToString::to_string);
        assert_eq!(p("a").as_deref(), Some("x"));
        assert_eq!(p("kept").as_deref(), Some("old"));
        assert_eq!(p("missing").as_deref(), Some(""));
        assert_eq!(p("num").as_deref(), Some("42"));
        assert_eq!(p("none").as_deref(), Some(""));
        assert_eq!(ctx.operation_property("n").unwrap().to_string(), "7");
        assert_eq!(ctx.axis2_property("HTTP_SC").as_deref(), Some("201"));
        assert_eq!(ctx.header("X-Out"), Some("x"));
        assert_eq!(ctx.header("X-Null"), Some(""));
    }

    #[tokio::test]
    async fn removes_and_writes_registry() {
        let mut ctx = context_with("{}", &[("X-Gone", "1")]);
        ctx.set_property("gone", "1");
        mediate(
            &mut ctx,
            r#"<sequence>
                 <property name="gone" action="remove"/>
                 <property name="X-Gone" action="remove" scope="transport"/>
                 <property name="conf:/t/value" value="stored" scope="registry"/>
               </sequence>"#,
        )
        .await;
        assert!(ctx.property("gone").is_none());
        assert!(ctx.header("X-Gone").is_none());
        assert_eq!(
            ctx.services()
                .registry_store()
                .get("conf:/t/value")
                .as_deref(),
            Some("stored")
        );
    }

    #[test]
    fn deploy_errors_are_precise() {
        let table = [
            (r#"<property value="x"/>"#, "needs a `name` attribute"),
            (r#"<property name="{//a[}" value="x"/>"#, "invalid XPath"),
            (
                r#"<property name="a"/>"#,
                "needs a `value` or an `expression`",
            ),
            (
                r#"<property name="a" value="x" scope="synapse"/>"#,
                "unknown property scope `synapse`",
            ),
            (
                r#"<property name="a" value="x" type="INT"/>"#,
                "unknown property type `INT`",
            ),
            (
                r#"<property name="a" value="abc" type="INTEGER"/>"#,
                "`abc` is not a valid INTEGER",
            ),
            (r#"<property name="a" expression="//x["/>"#, "invalid XPath"),
            (
                r#"<property name="a" expression="$ctx:b" group="1"/>"#,
                "`group` needs a `pattern`",
            ),
            (
                r#"<property name="a" expression="$ctx:b" pattern="(x" />"#,
                "invalid regex",
            ),
            (
                r#"<property name="a" expression="$ctx:b" pattern="x" group="1"/>"#,
                "group number",
            ),
            (
                r#"<property name="a" scope="registry" action="remove"/>"#,
                "cannot be removed",
            ),
        ];
        for (xml, want) in table {
            let errors = compile_errors(xml);
            assert!(errors.iter().any(|e| e.contains(want)), "{xml}: {errors:?}");
        }
    }
}
