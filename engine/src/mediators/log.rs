//! `<log>`: writes a line about the message to the engine log.
//!
//! ```xml
//! <log/>                                          <!-- level="simple" -->
//! <log level="custom" category="WARN" separator=" | ">
//!     <property name="webinar" expression="$ctx:webinarKey"/>
//!     <property name="note" value="fetched"/>
//! </log>
//! <log level="full"/>                             <!-- adds the payload -->
//! <log level="headers"/>                          <!-- adds the transport headers -->
//! ```
//!
//! Lines start with `{proxy:Name}` as in WSO2 MI. Values of properties, headers and JSON
//! members whose names look like credentials are masked.

use async_trait::async_trait;

use super::{Flow, Mediator, MediatorFactory};
use crate::compile::CompileCx;
use crate::config::xml::Element;
use crate::context::{Direction, MessageContext};
use crate::error::{MediationError, Reported};
use crate::expr::Expression;
use crate::secrets;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    Simple,
    Headers,
    Full,
    Custom,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Category {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
}

#[derive(Debug)]
enum Value {
    Literal(String),
    Expression(Expression),
}

#[derive(Debug)]
pub struct LogMediator {
    level: Level,
    category: Category,
    separator: String,
    properties: Vec<(String, Value)>,
}

pub struct LogFactory;

impl MediatorFactory for LogFactory {
    fn tag(&self) -> &'static str {
        "log"
    }

    fn build(&self, el: &Element, cx: &mut CompileCx<'_>) -> Result<Box<dyn Mediator>, Reported> {
        build_log(el, cx).map(|m| Box::new(m) as Box<dyn Mediator>)
    }
}

fn build_log(el: &Element, cx: &mut CompileCx<'_>) -> Result<LogMediator, Reported> {
    cx.check_attributes(
        el,
        &[
            "level",
            "category",
            "separator",
            "description",
            "logMessageID",
            "logFullPayload",
        ],
    );
    let level = match el.attr("level") {
        None => Ok(Level::Simple),
        Some(a) => match a.value.as_str() {
            "simple" => Ok(Level::Simple),
            "headers" => Ok(Level::Headers),
            "full" => Ok(Level::Full),
            "custom" => Ok(Level::Custom),
            other => Err(cx.diags.error_with_help(
                a.pos,
                format!("unknown log level `{other}`"),
                "expected one of: simple, headers, full, custom",
            )),
        },
    };
    let category = match el.attr("category") {
        None => Ok(Category::Info),
        Some(a) => match a.value.as_str() {
            "TRACE" => Ok(Category::Trace),
            "DEBUG" => Ok(Category::Debug),
            "INFO" => Ok(Category::Info),
            "WARN" => Ok(Category::Warn),
            "ERROR" | "FATAL" => Ok(Category::Error),
            other => Err(cx.diags.error_with_help(
                a.pos,
                format!("unknown log category `{other}`"),
                "expected one of: TRACE, DEBUG, INFO, WARN, ERROR, FATAL",
            )),
        },
    };
    // Synapse honours the escapes \n and \t in the separator.
    let separator = el.attr_value("separator").map_or_else(
        || ", ".to_string(),
        |s| s.replace("\\n", "\n").replace("\\t", "\t"),
    );
    let mut properties = Vec::new();
    let mut failed = false;
    for child in el.elements() {
        match child.name.as_str() {
            "property" => match log_property(child, cx) {
                Ok(p) => properties.push(p),
                Err(Reported) => failed = true,
            },
            "message" => {
                cx.diags
                    .error(child.pos, "<log><message> templates are not supported yet");
                failed = true;
            }
            other => {
                cx.diags.error(
                    child.pos,
                    format!("<log> takes <property> children, not <{other}>"),
                );
                failed = true;
            }
        }
    }
    let (level, category) = (level?, category?);
    if failed {
        return Err(Reported);
    }
    Ok(LogMediator {
        level,
        category,
        separator,
        properties,
    })
}

fn log_property(el: &Element, cx: &mut CompileCx<'_>) -> Result<(String, Value), Reported> {
    cx.check_attributes(el, &["name", "value", "expression"]);
    let name = cx.required_attr(el, "name")?.value.clone();
    let value = match (el.attr("value"), el.attr("expression")) {
        (Some(v), _) => Value::Literal(v.value.clone()),
        (None, Some(e)) => Value::Expression(cx.expression(el, e)?),
        (None, None) => {
            return Err(cx
                .diags
                .error(el.pos, "log <property> needs a `value` or an `expression`"));
        }
    };
    Ok((name, value))
}

#[async_trait]
impl Mediator for LogMediator {
    /// `full` prints the payload; the other levels only what their properties read.
    fn reads_body(&self) -> bool {
        self.level == Level::Full
            || self
                .properties
                .iter()
                .any(|(_, v)| matches!(v, Value::Expression(e) if e.reads_body()))
    }

    async fn mediate(&self, ctx: &mut MessageContext) -> Result<Flow, MediationError> {
        let enabled = match self.category {
            Category::Trace => {
                tracing::enabled!(target: "oxynapse::log_mediator", tracing::Level::TRACE)
            }
            Category::Debug => {
                tracing::enabled!(target: "oxynapse::log_mediator", tracing::Level::DEBUG)
            }
            _ => true,
        };
        if enabled {
            let line = self.line(ctx)?;
            match self.category {
                Category::Trace => tracing::trace!(target: "oxynapse::log_mediator", "{line}"),
                Category::Debug => tracing::debug!(target: "oxynapse::log_mediator", "{line}"),
                Category::Info => tracing::info!(target: "oxynapse::log_mediator", "{line}"),
                Category::Warn => tracing::warn!(target: "oxynapse::log_mediator", "{line}"),
                Category::Error => tracing::error!(target: "oxynapse::log_mediator", "{line}"),
            }
        }
        Ok(Flow::Continue)
    }
}

impl LogMediator {
    /// The text of the log line, secrets masked.
    fn line(&self, ctx: &mut MessageContext) -> Result<String, MediationError> {
        let mut parts: Vec<String> = Vec::new();
        if self.level != Level::Custom {
            parts.push(format!("To: {}", ctx.request_uri()));
            let direction = match ctx.direction() {
                Direction::Request => "request",
                Direction::Response => "response",
            };
            parts.push(format!("Direction: {direction}"));
        }
        if self.level == Level::Headers || self.level == Level::Full {
            for (name, value) in &ctx.headers {
                let value = String::from_utf8_lossy(value.as_bytes());
                parts.push(format!(
                    "{} = {}",
                    name,
                    secrets::shown(name.as_str(), &value)
                ));
            }
        }
        for (name, value) in &self.properties {
            let text = match value {
                Value::Literal(v) => v.clone(),
                // Synapse prints a null result as "null".
                Value::Expression(e) => e.evaluate(ctx)?.unwrap_or_else(|| "null".into()),
            };
            parts.push(format!("{name} = {}", secrets::shown(name, &text)));
        }
        if self.level == Level::Full {
            let payload = match ctx.json_payload() {
                Ok(Some(json)) => secrets::mask_json(json).to_string(),
                _ => ctx.payload_text(),
            };
            parts.push(format!("Payload: {payload}"));
        }
        let prefix = ctx.handler().map(|h| format!("{h} ")).unwrap_or_default();
        // Values read under innocent names (`client = json-eval($.clientId)`) are masked too.
        Ok(ctx.redact(&format!("{prefix}{}", parts.join(&self.separator))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{compile_errors, context_with, diagnostics, element};

    async fn line(xml: &str, body: &str, headers: &[(&str, &str)]) -> String {
        let el = element(xml);
        let registry = crate::Registry::builder().builtin_mediators().build();
        let mut diags = diagnostics(xml);
        let mediator = build_log(&el, &mut CompileCx::new(&registry, &mut diags)).unwrap();
        let mut ctx = context_with(body, headers);
        ctx.set_property("accessToken", "UEGGrwswKRwB07lTOr0EoppdaxKo");
        mediator.line(&mut ctx).unwrap()
    }

    #[tokio::test]
    async fn levels_and_masking() {
        let custom = line(
            r#"<log level="custom"><property name="k" value="v"/><property name="token" expression="$ctx:accessToken"/><property name="n" expression="$ctx:none"/></log>"#,
            "{}",
            &[],
        )
        .await;
        assert_eq!(custom, "k = v, token = UEGG****, n = null");
        let full = line(
            r#"<log level="full"/>"#,
            r#"{"refreshToken":"MDAKxJTJ3cAdhuzavhtOFNAmV5N0m7gm","w":1}"#,
            &[("Authorization", "UEGGrwswKRwB07lTOr0EoppdaxKo")],
        )
        .await;
        assert!(
            full.starts_with("To: /services/test, Direction: request"),
            "{full}"
        );
        assert!(
            full.contains(r#"Payload: {"refreshToken":"MDAK****","w":1}"#),
            "{full}"
        );
        assert!(full.contains("authorization = UEGG****"), "{full}");
        assert!(
            !full.contains("MDAKxJTJ3cAdhuzavhtOFNAmV5N0m7gm")
                && !full.contains("UEGGrwswKRwB07lTOr0EoppdaxKo")
        );
    }

    #[test]
    fn deploy_errors() {
        let table = [
            (r#"<log level="loud"/>"#, "unknown log level `loud`"),
            (r#"<log category="NOTICE"/>"#, "unknown log category"),
            (
                r#"<log><property name="a"/></log>"#,
                "needs a `value` or an `expression`",
            ),
            (r#"<log><message>x</message></log>"#, "not supported yet"),
            (r#"<log><drop/></log>"#, "takes <property> children"),
        ];
        for (xml, want) in table {
            let errors = compile_errors(xml);
            assert!(errors.iter().any(|e| e.contains(want)), "{xml}: {errors:?}");
        }
    }
}
