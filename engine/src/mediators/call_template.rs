//! `<call-template>`: runs a sequence template with parameters.
//!
//! ```xml
//! <call-template target="greet">
//!     <with-param name="who" value="{json-eval($.name)}"/>   <!-- evaluated now -->
//!     <with-param name="greeting" value="Hi"/>                <!-- a literal -->
//!     <with-param name="late" value="{{$ctx:later}}"/>        <!-- evaluated when read -->
//! </call-template>
//! ```
//!
//! The template is looked up when the message arrives, so it may be deployed by another file.
//! Its flow result carries over: a `respond` inside stops the caller too.

use async_trait::async_trait;

use super::{Flow, Mediator, MediatorFactory};
use crate::compile::CompileCx;
use crate::config::xml::Element;
use crate::context::MessageContext;
use crate::error::{MediationError, Reported};
use crate::sequence::{SequenceRef, run_fault_handler};
use crate::template::{ParamValue, call_by_name};

#[derive(Debug)]
pub struct CallTemplateMediator {
    target: String,
    params: Vec<(String, ParamValue)>,
    on_error: Option<SequenceRef>,
}

pub struct CallTemplateFactory;

impl MediatorFactory for CallTemplateFactory {
    fn tag(&self) -> &'static str {
        "call-template"
    }

    fn build(&self, el: &Element, cx: &mut CompileCx<'_>) -> Result<Box<dyn Mediator>, Reported> {
        cx.check_attributes(el, &["target", "onError", "description"]);
        let target = cx.required_attr(el, "target")?;
        cx.template_ref(&target.value, target.pos);
        let on_error = el.attr("onError").map(|a| cx.sequence_ref(&a.value, a.pos));
        let mut params = Vec::new();
        let mut failed = false;
        for child in el.elements() {
            if child.name != "with-param" {
                cx.diags.error_with_help(
                    child.pos,
                    format!("<call-template> cannot hold <{}>", child.name),
                    "parameters are <with-param name=\"...\" value=\"...\"/>",
                );
                failed = true;
                continue;
            }
            cx.check_attributes(child, &["name", "value"]);
            let (Ok(name), value) = (cx.required_attr(child, "name"), child.attr("value")) else {
                failed = true;
                continue;
            };
            if params
                .iter()
                .any(|(n, _): &(String, ParamValue)| *n == name.value)
            {
                cx.diags.error(
                    name.pos,
                    format!("parameter `{}` is given twice", name.value),
                );
                failed = true;
                continue;
            }
            let Some(value) = value else {
                let message = if child.elements().next().is_some() {
                    "inline XML parameter values are not supported yet"
                } else {
                    "<with-param> needs a `value`"
                };
                cx.diags.error(child.pos, message);
                failed = true;
                continue;
            };
            match ParamValue::compile(child, &value.value, value.pos, cx) {
                Ok(Some(v)) => params.push((name.value.clone(), v)),
                Ok(None) => {}
                Err(Reported) => failed = true,
            }
        }
        if failed {
            return Err(Reported);
        }
        Ok(Box::new(CallTemplateMediator {
            target: target.value.clone(),
            params,
            on_error,
        }))
    }
}

#[async_trait]
impl Mediator for CallTemplateMediator {
    async fn mediate(&self, ctx: &mut MessageContext) -> Result<Flow, MediationError> {
        match (
            call_by_name(ctx, &self.target, &self.params).await,
            &self.on_error,
        ) {
            (Err(error), Some(handler)) if !error.fault_handled => {
                run_fault_handler(ctx, handler, error).await
            }
            (result, _) => result,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::compile_errors;

    #[test]
    fn deploy_errors() {
        let table = [
            ("<call-template/>", "needs a `target`"),
            (
                r#"<call-template target="t"><param name="a"/></call-template>"#,
                "cannot hold <param>",
            ),
            (
                r#"<call-template target="t"><with-param value="x"/></call-template>"#,
                "needs a `name`",
            ),
            (
                r#"<call-template target="t"><with-param name="a"/></call-template>"#,
                "needs a `value`",
            ),
            (
                r#"<call-template target="t"><with-param name="a" value="1"/><with-param name="a" value="2"/></call-template>"#,
                "given twice",
            ),
            (
                r#"<call-template target="t"><with-param name="a" value="{//x[}"/></call-template>"#,
                "invalid XPath",
            ),
        ];
        for (xml, want) in table {
            let errors = compile_errors(xml);
            assert!(errors.iter().any(|e| e.contains(want)), "{xml}: {errors:?}");
        }
    }
}
