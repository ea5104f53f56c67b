//! `<prefix.operation>`: calls an operation of a registered connector.
//!
//! ```xml
//! <gotowebinar.getSessionById>
//!     <webinarKey>{$ctx:webinarKey}</webinarKey>   <!-- dynamic: the whole text is {...} -->
//!     <sessionKey>2167614</sessionKey>             <!-- literal -->
//!     <note/>                                      <!-- empty: not passed -->
//! </gotowebinar.getSessionById>
//! ```
//!
//! Resolution happens at deploy time: the element name is split at its first dot into the
//! connector and the operation; unknown ones get a "did you mean" hint, and so do parameters
//! the operation does not declare. A required parameter missing from the config is an error.
//! As in Synapse, text is dynamic only when the *untrimmed* text starts with `{` and ends
//! with `}`; ` {$ctx:x} ` with spaces is a literal.

use std::sync::Arc;

use async_trait::async_trait;

use super::{Flow, Mediator};
use crate::compile::CompileCx;
use crate::config::source::closest;
use crate::config::xml::Element;
use crate::connector::{Args, Connector, OperationSpec};
use crate::context::MessageContext;
use crate::error::{MediationError, Reported};
use crate::template::{ParamValue, call_by_name};

pub struct InvokeMediator {
    connector: Arc<dyn Connector>,
    operation: &'static str,
    params: Vec<Param>,
    config_key: Option<String>,
}

/// One parameter of a native connector operation, as compiled from its child element.
#[derive(Debug)]
struct Param {
    name: &'static str,
    value: ParamValue,
    /// The name marks a credential: the value is masked in logs and errors. Decided here,
    /// once, rather than for every message.
    secret: bool,
}

impl std::fmt::Debug for InvokeMediator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "InvokeMediator({}.{})",
            self.connector.name(),
            self.operation
        )
    }
}

/// Builds the mediator for a `prefix.operation` element.
pub fn build(el: &Element, cx: &mut CompileCx<'_>) -> Result<Box<dyn Mediator>, Reported> {
    let (prefix, operation) = el.name.split_once('.').unwrap_or((el.name.as_str(), ""));
    let Some(connector) = cx.registry.connector(prefix).cloned() else {
        // A near miss of a built-in connector is a typo; anything else is a connector made of
        // templates (as WSO2 connectors are), resolved when the message arrives.
        if let Some(name) = closest(prefix, cx.registry.connector_names()) {
            return Err(cx.diags.error_with_help(
                el.pos,
                format!("unknown connector `{prefix}` in <{}>", el.name),
                format!("did you mean `{name}`?"),
            ));
        }
        return build_template_call(el, cx);
    };
    let Some(spec) = connector
        .operations()
        .iter()
        .find(|o| o.name == operation)
        .copied()
    else {
        let message = format!("connector `{prefix}` has no operation `{operation}`");
        return Err(
            match closest(operation, connector.operations().iter().map(|o| o.name)) {
                Some(name) => cx.diags.error_with_help(
                    el.pos,
                    message,
                    format!("did you mean <{prefix}.{name}>?"),
                ),
                None => cx.diags.error(el.pos, message),
            },
        );
    };
    let config_key = connection_key(el, cx);
    let params = parameters(el, &spec, prefix, cx)?;
    Ok(Box::new(InvokeMediator {
        connector,
        operation: spec.name,
        params,
        config_key,
    }))
}

/// `configKey="name"`: the local entry whose connector `init` runs before the operation (MI
/// connections). Other attributes are warned about and ignored.
fn connection_key(el: &Element, cx: &mut CompileCx<'_>) -> Option<String> {
    let mut key = None;
    for attr in &el.attributes {
        if attr.name == "configKey" {
            cx.local_entry_ref(&attr.value, attr.pos);
            key = Some(attr.value.clone());
        } else {
            cx.diags.warning(
                attr.pos,
                format!(
                    "unknown attribute `{}` on <{}> is ignored",
                    attr.name, el.name
                ),
            );
        }
    }
    key
}

/// Runs the connection a `configKey` names, as Synapse's pre-fetching invoke does.
async fn run_connection(ctx: &mut MessageContext, key: Option<&str>) -> Result<(), MediationError> {
    let Some(key) = key else { return Ok(()) };
    let connection = ctx.deployment().connection(key).ok_or_else(|| {
        MediationError::internal(format!("connection `{key}` cannot be found"))
            .with_detail("configKey names a local entry holding a connector init; none is deployed")
    })?;
    connection.mediate(ctx).await?;
    Ok(())
}

fn parameters(
    el: &Element,
    spec: &OperationSpec,
    prefix: &str,
    cx: &mut CompileCx<'_>,
) -> Result<Vec<Param>, Reported> {
    let mut params: Vec<Param> = Vec::new();
    let mut failed = false;
    for text in el.stray_text() {
        cx.diags.error(
            text.pos,
            format!(
                "unexpected text inside <{}>; parameters are child elements",
                el.name
            ),
        );
        failed = true;
    }
    for child in el.elements() {
        let Some(param) = spec.param(&child.name) else {
            let message = format!(
                "<{}> is not a parameter of {prefix}.{}",
                child.name, spec.name
            );
            let names = spec.params.iter().map(|p| p.name);
            match closest(&child.name, names) {
                Some(name) => {
                    cx.diags
                        .error_with_help(child.pos, message, format!("did you mean <{name}>?"))
                }
                None if spec.params.is_empty() => cx.diags.error_with_help(
                    child.pos,
                    message,
                    "this operation takes no parameters",
                ),
                None => {
                    let all: Vec<_> = spec.params.iter().map(|p| p.name).collect();
                    cx.diags.error_with_help(
                        child.pos,
                        message,
                        format!("expected one of: {}", all.join(", ")),
                    )
                }
            };
            failed = true;
            continue;
        };
        if params.iter().any(|p| p.name == param.name) {
            cx.diags.error(
                child.pos,
                format!("parameter <{}> is given twice", child.name),
            );
            failed = true;
            continue;
        }
        if let Some(nested) = child.elements().next() {
            cx.diags.error(
                nested.pos,
                format!("parameter <{}> takes text, not elements", child.name),
            );
            failed = true;
            continue;
        }
        let text = child.text();
        if text.is_empty() {
            continue; // <p/> means "not passed"
        }
        let pos = child.children.first().map_or(child.pos, |n| match n {
            crate::config::xml::Node::Text(t) => t.pos,
            crate::config::xml::Node::Element(e) => e.pos,
        });
        let value = match ParamValue::compile(child, &text, pos, cx) {
            Ok(Some(value)) => value,
            Ok(None) => continue,
            Err(Reported) => {
                failed = true;
                continue;
            }
        };
        params.push(Param {
            name: param.name,
            value,
            secret: crate::secrets::is_secret_name(param.name),
        });
    }
    for required in spec.params.iter().filter(|p| p.required) {
        if !el.elements().any(|c| c.name == required.name) {
            cx.diags.error_with_help(
                el.pos,
                format!(
                    "<{}> is missing its required parameter <{}>",
                    el.name, required.name
                ),
                format!("add <{0}>{{$ctx:{0}}}</{0}>", required.name),
            );
            failed = true;
        }
    }
    if failed { Err(Reported) } else { Ok(params) }
}

/// `<prefix.op>` for a connector that is not built in: runs the template `prefix.op` (or
/// `package.prefix.op` of an `<import>`), with the child elements as parameters.
#[derive(Debug)]
pub struct ConnectorTemplateMediator {
    target: String,
    params: Vec<(String, ParamValue)>,
    config_key: Option<String>,
}

fn build_template_call(
    el: &Element,
    cx: &mut CompileCx<'_>,
) -> Result<Box<dyn Mediator>, Reported> {
    cx.template_ref(&el.name, el.pos);
    let config_key = connection_key(el, cx);
    let mut failed = false;
    let mut params: Vec<(String, ParamValue)> = Vec::new();
    for child in el.elements() {
        if let Some(nested) = child.elements().next() {
            cx.diags.error(
                nested.pos,
                format!("structured parameter <{}> is not supported yet", child.name),
            );
            failed = true;
            continue;
        }
        let pos = child.stray_text().next().map_or(child.pos, |t| t.pos);
        match ParamValue::compile(child, &child.text(), pos, cx) {
            Ok(Some(value)) => params.push((child.name.clone(), value)),
            Ok(None) => {}
            Err(Reported) => failed = true,
        }
    }
    if failed {
        return Err(Reported);
    }
    Ok(Box::new(ConnectorTemplateMediator {
        target: el.name.clone(),
        params,
        config_key,
    }))
}

#[async_trait]
impl Mediator for ConnectorTemplateMediator {
    async fn mediate(&self, ctx: &mut MessageContext) -> Result<Flow, MediationError> {
        run_connection(ctx, self.config_key.as_deref()).await?;
        call_by_name(ctx, &self.target, &self.params).await
    }
}

#[async_trait]
impl Mediator for InvokeMediator {
    async fn mediate(&self, ctx: &mut MessageContext) -> Result<Flow, MediationError> {
        run_connection(ctx, self.config_key.as_deref()).await?;
        let mut args = Args::new(self.operation);
        for Param {
            name,
            value,
            secret,
        } in &self.params
        {
            let expression = match value {
                ParamValue::Literal(text) => {
                    args.insert(name, text.clone());
                    continue;
                }
                ParamValue::Dynamic(e) => e,
                // Native connectors read parameters once, so `{{...}}` is evaluated now too.
                ParamValue::Escaped(e) => e.as_ref(),
            };
            // A null result means "not passed", as in Synapse's TemplateContext.
            if let Some(v) = expression.evaluate(ctx)? {
                if *secret {
                    ctx.note_secret(&v);
                }
                args.insert(name, v);
            }
        }
        self.connector.invoke(self.operation, args, ctx).await?;
        Ok(Flow::Continue)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connector::{BoxFuture, ParamSpec};
    use crate::testing::{context_with, diagnostics, element};

    /// Records the arguments it was called with into a property.
    struct Echo;

    const OPS: &[OperationSpec] = &[OperationSpec {
        name: "greet",
        params: &[
            ParamSpec::required("name"),
            ParamSpec::optional("title"),
            ParamSpec::optional("note"),
        ],
    }];

    impl Connector for Echo {
        fn name(&self) -> &'static str {
            "echo"
        }
        fn operations(&self) -> &[OperationSpec] {
            OPS
        }
        fn invoke<'a>(
            &'a self,
            op: &'static str,
            args: Args,
            ctx: &'a mut MessageContext,
        ) -> BoxFuture<'a, Result<(), MediationError>> {
            Box::pin(async move {
                let seen: Vec<String> = args.iter().map(|(k, v)| format!("{k}={v}")).collect();
                ctx.set_property("seen", format!("{op}:{}", seen.join(",")));
                Ok(())
            })
        }
    }

    fn compile(xml: &str) -> Result<Box<dyn Mediator>, Vec<String>> {
        let registry = crate::Registry::builder()
            .builtin_mediators()
            .connector(Echo)
            .build();
        let mut diags = diagnostics(xml);
        let el = element(xml);
        let result = CompileCx::new(&registry, &mut diags).mediator(&el);
        result.map_err(|_| diags.into_vec().iter().map(|d| d.render()).collect())
    }

    #[tokio::test]
    async fn evaluates_dynamic_and_literal_parameters() {
        let m = compile(
            "<echo.greet><name>{$ctx:who}</name><title> {$ctx:who} </title><note/></echo.greet>",
        )
        .unwrap();
        let mut ctx = context_with("{}", &[]);
        ctx.set_property("who", "Ada");
        m.mediate(&mut ctx).await.unwrap();
        assert_eq!(
            ctx.property("seen").unwrap().to_string(),
            "greet:name=Ada,title= {$ctx:who} "
        );
        // A null expression means "not passed".
        let m = compile("<echo.greet><name>{$ctx:nobody}</name></echo.greet>").unwrap();
        m.mediate(&mut ctx).await.unwrap();
        assert_eq!(ctx.property("seen").unwrap().to_string(), "greet:");
    }

    #[test]
    fn other_connectors_become_template_calls() {
        // Far from any built-in connector: the template `salesforce.query`, found at run time.
        assert!(
            compile("<salesforce.query><soql>{$ctx:q}</soql><limit/></salesforce.query>").is_ok()
        );
        assert!(compile("<echo.greet><name>{{$ctx:x}}</name></echo.greet>").is_ok());
        let errors = compile("<salesforce.query><soql><a/></soql></salesforce.query>").unwrap_err();
        assert!(
            errors[0].contains("structured parameter <soql> is not supported yet"),
            "{errors:?}"
        );
    }

    #[test]
    fn deploy_errors_point_at_the_problem() {
        let table = [
            (
                "<ecko.greet/>",
                "unknown connector `ecko`",
                "did you mean `echo`?",
            ),
            (
                "<echo.gret><name>x</name></echo.gret>",
                "has no operation `gret`",
                "did you mean <echo.greet>?",
            ),
            (
                "<echo.greet><nmae>x</nmae></echo.greet>",
                "<nmae> is not a parameter of echo.greet",
                "did you mean <name>?",
            ),
            (
                "<echo.greet><title>x</title></echo.greet>",
                "missing its required parameter <name>",
                "add <name>",
            ),
            (
                "<echo.greet><name>{//x[}</name></echo.greet>",
                "invalid XPath",
                "",
            ),
            (
                "<echo.greet><name><b/></name></echo.greet>",
                "takes text, not elements",
                "",
            ),
            (
                "<echo.greet><name>a</name><name>b</name></echo.greet>",
                "given twice",
                "",
            ),
        ];
        for (xml, want, help) in table {
            let errors = compile(xml).unwrap_err();
            assert!(
                errors.iter().any(|e| e.contains(want) && e.contains(help)),
                "{xml}: {errors:?}"
            );
        }
    }
}
