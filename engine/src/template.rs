//! Sequence templates: named, parameterised sequences, called by `<call-template>` and by
//! connector operations that no native connector provides.
//!
//! ```xml
//! <template xmlns="http://ws.apache.org/ns/synapse" name="greet">
//!     <parameter name="who" isMandatory="true"/>
//!     <parameter name="greeting" defaultValue="Hello"/>
//!     <sequence>
//!         <header name="X-Greeting" expression="$func:greeting" scope="transport"/>
//!         <log level="custom"><property name="who" expression="$func:who"/></log>
//!     </sequence>
//! </template>
//! ```
//!
//! Parameter values are classified as in Synapse: text wrapped in `{...}` is an expression
//! evaluated in the caller's message when the template is entered; `{{...}}` is evaluated
//! lazily, each time the template reads it through `$func:`; anything else is a literal.
//! Only declared parameters reach the template; a mandatory one without a value or default
//! is a fault (`ERROR_CODE` 500101).

use std::sync::Arc;

use crate::compile::CompileCx;
use crate::config::xml::Element;
use crate::context::MessageContext;
use crate::error::{MediationError, Pos, Reported, codes};
use crate::expr::Expression;
use crate::mediators::Flow;
use crate::sequence::{MediatorList, SequenceRef, run_fault_handler};

/// A parameter value as written at the call site.
#[derive(Debug, Clone)]
pub enum ParamValue {
    Literal(String),
    /// `{expr}`: evaluated when the call starts.
    Dynamic(Expression),
    /// `{{expr}}`: evaluated whenever the callee reads it.
    Escaped(Arc<Expression>),
}

impl ParamValue {
    /// Classifies untrimmed parameter text; `None` for empty text (the parameter is not passed).
    pub fn compile(
        el: &Element,
        text: &str,
        pos: Pos,
        cx: &mut CompileCx<'_>,
    ) -> Result<Option<ParamValue>, Reported> {
        if text.is_empty() {
            return Ok(None);
        }
        if text.len() >= 4 && text.starts_with("{{") && text.ends_with("}}") {
            let inner = &text[2..text.len() - 2];
            return cx
                .expression_at(el, inner, pos)
                .map(|e| Some(ParamValue::Escaped(Arc::new(e))));
        }
        if text.len() >= 2 && text.starts_with('{') && text.ends_with('}') {
            return cx
                .expression_at(el, &text[1..text.len() - 1], pos)
                .map(|e| Some(ParamValue::Dynamic(e)));
        }
        Ok(Some(ParamValue::Literal(text.to_string())))
    }

    /// The value the callee receives; `None` (Synapse's null) means "not passed".
    pub fn resolve(&self, ctx: &mut MessageContext) -> Result<Option<FuncValue>, MediationError> {
        Ok(match self {
            ParamValue::Literal(text) => Some(FuncValue::Text(text.clone())),
            ParamValue::Dynamic(e) => e.evaluate(ctx)?.map(FuncValue::Text),
            ParamValue::Escaped(e) => Some(FuncValue::Lazy(e.clone())),
        })
    }
}

/// A value in a template's frame, read by `$func:name`.
#[derive(Debug, Clone)]
pub enum FuncValue {
    Text(String),
    Lazy(Arc<Expression>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct TemplateParam {
    pub name: String,
    pub mandatory: bool,
    pub default: Option<String>,
}

#[derive(Debug)]
pub struct SequenceTemplate {
    pub name: String,
    pub params: Vec<TemplateParam>,
    pub body: MediatorList,
    /// The sequence that handles errors raised inside the template.
    pub on_error: Option<String>,
}

impl SequenceTemplate {
    /// Runs the template with the caller's arguments (already resolved).
    pub async fn call(
        &self,
        ctx: &mut MessageContext,
        mut args: Vec<(String, FuncValue)>,
    ) -> Result<Flow, MediationError> {
        let mut frame = Vec::with_capacity(self.params.len());
        for param in &self.params {
            let value = match args.iter().position(|(n, _)| *n == param.name) {
                Some(i) => Some(args.swap_remove(i).1),
                None => param.default.clone().map(FuncValue::Text),
            };
            match value {
                Some(v) => frame.push((param.name.clone(), v)),
                None if param.mandatory => {
                    return Err(MediationError::internal(format!(
                        "mandatory parameter `{}` of template `{}` has no value",
                        param.name, self.name
                    ))
                    .with_code(codes::MISSING_PARAMETER));
                }
                None => {}
            }
        }
        ctx.push_func_frame(frame);
        let result = self.body.run(ctx).await;
        let result = match (result, &self.on_error) {
            (Err(error), Some(handler)) if !error.fault_handled => {
                let handler = SequenceRef::Named {
                    key: handler.clone(),
                    pos: Pos::default(),
                };
                run_fault_handler(ctx, &handler, error).await
            }
            (other, _) => other,
        };
        ctx.pop_func_frame();
        result
    }
}

/// Calls the template deployed under `target` (for a connector operation `prefix.op`, also
/// under an imported connector package), failing like Synapse when none is deployed.
pub async fn call_by_name(
    ctx: &mut MessageContext,
    target: &str,
    params: &[(String, ParamValue)],
) -> Result<Flow, MediationError> {
    let template = ctx.deployment().template(target).ok_or_else(|| {
        MediationError::internal(format!("Sequence template `{target}` cannot be found"))
            .with_detail("no deployed file defines a template with this name")
    })?;
    let mut args = Vec::with_capacity(params.len());
    for (name, value) in params {
        if let Some(v) = value.resolve(ctx)? {
            args.push((name.clone(), v));
        }
    }
    Box::pin(template.call(ctx, args)).await
}
