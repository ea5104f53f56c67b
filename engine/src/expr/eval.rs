//! Evaluating compiled expressions against a message.
//!
//! `None` is Synapse's null: a `$ctx:` property that is not set, a missing header. It matters
//! because a null result leaves a default-scope property untouched while `""` overwrites it.

use super::json_path::JsonPathResult;
use super::{Expression, Lookup, Scope};
use crate::context::{MessageContext, PropertyValue};
use crate::error::MediationError;
use crate::template::FuncValue;

impl Expression {
    pub fn evaluate(&self, ctx: &mut MessageContext) -> Result<Option<String>, MediationError> {
        match self {
            Expression::JsonEval(path) if path.source().is_some() => {
                let source = path.source().expect("checked above");
                let text = match source.prefix {
                    "trp" => ctx.header(&source.name).map(str::to_string),
                    "axis2" => ctx.axis2_property(&source.name),
                    _ => ctx.property(&source.name).map(PropertyValue::to_text),
                };
                let json: Option<serde_json::Value> =
                    text.and_then(|t| serde_json::from_str(&t).ok());
                Ok(Some(match path.evaluate(json.as_ref()) {
                    JsonPathResult::Text(text) => text,
                    JsonPathResult::WholePayload => json.map(|j| j.to_string()).unwrap_or_default(),
                }))
            }
            Expression::JsonEval(path) => {
                let result = path.evaluate(ctx.json_payload()?);
                let text = match result {
                    JsonPathResult::Text(text) => text,
                    JsonPathResult::WholePayload => ctx.payload_text(),
                };
                if path.reads_secret() {
                    ctx.note_secret(&text);
                }
                Ok(Some(text))
            }
            Expression::XPath(xpath) => xpath.string_value(ctx),
            Expression::Lookup(lookup) if lookup.scope == Scope::Func => {
                match ctx.func_value(&lookup.name) {
                    Some(FuncValue::Text(text)) => Ok(Some(text)),
                    // `{{...}}` parameters are evaluated when read, in the template's context.
                    Some(FuncValue::Lazy(expression)) => {
                        ctx.with_lazy_evaluation(|ctx| expression.evaluate(ctx))
                    }
                    None => Ok(None),
                }
            }
            Expression::Lookup(lookup) => {
                let value = lookup.evaluate(ctx);
                if let Some(v) = &value
                    && lookup.secret
                {
                    ctx.note_secret(v);
                }
                Ok(value)
            }
        }
    }

    /// XPath-style truth of the result, as the `filter xpath=` test uses it.
    pub fn evaluate_bool(&self, ctx: &mut MessageContext) -> Result<bool, MediationError> {
        if let Expression::XPath(xpath) = self {
            return xpath.truth(ctx);
        }
        let value = self.evaluate(ctx)?;
        Ok(match self {
            // Synapse: a JSONPath condition holds only when its text is "true".
            Expression::JsonEval(_) => value.is_some_and(|v| v.eq_ignore_ascii_case("true")),
            Expression::Lookup(_) => value.is_some_and(|v| !v.is_empty()),
            Expression::XPath(_) => unreachable!("answered above"),
        })
    }
}

impl Lookup {
    fn evaluate(&self, ctx: &MessageContext) -> Option<String> {
        if self.special_names
            && let Some(value) = self.special(ctx)
        {
            return Some(value);
        }
        let services = ctx.services();
        match self.scope {
            // get-property also falls back to local entries; `$ctx:` does not.
            Scope::Default => ctx
                .property(&self.name)
                .map(PropertyValue::to_text)
                .or_else(|| {
                    self.special_names
                        .then(|| ctx.deployment().local_entry(&self.name).map(str::to_string))
                        .flatten()
                }),
            Scope::Transport => ctx.header(&self.name).map(str::to_string),
            Scope::Axis2 => ctx.axis2_property(&self.name),
            Scope::Operation => ctx
                .operation_property(&self.name)
                .map(PropertyValue::to_text),
            // Registry, system and env give "" rather than null when missing.
            Scope::Registry => Some(
                services
                    .registry_store()
                    .get(&self.name)
                    .unwrap_or_default(),
            ),
            Scope::System => Some(services.system_property(&self.name).unwrap_or_default()),
            Scope::Env => Some(std::env::var(&self.name).unwrap_or_default()),
            // Template parameters may need the whole message (lazy ones): see `evaluate`.
            Scope::Func => None,
        }
    }

    /// The names `get-property` answers itself (GetPropertyFunction).
    fn special(&self, ctx: &MessageContext) -> Option<String> {
        match self.name.as_str() {
            "SYSTEM_TIME" => Some(chrono::Utc::now().timestamp_millis().to_string()),
            "SYSTEM_DATE" => self
                .date_format
                .as_ref()
                .map(|f| f.format(&chrono::Local::now())),
            _ if self.scope != Scope::Default => None,
            "To" => Some(ctx.request_uri().to_string()),
            "From" | "FaultTo" | "ReplyTo" | "RelatesTo" | "MessageID" => Some(
                ctx.property(&self.name)
                    .map(ToString::to_string)
                    .unwrap_or_default(),
            ),
            "Action" => Some(ctx.header("SOAPAction").unwrap_or_default().to_string()),
            "FAULT" => Some(
                ctx.property("FAULT")
                    .map(ToString::to_string)
                    .or_else(|| {
                        let status = ctx.axis2_property("HTTP_SC")?.parse::<u16>().ok()?;
                        (status >= 400).then(|| "true".to_string())
                    })
                    .unwrap_or_default(),
            ),
            // Synapse: SOAP when the transport did not take the message as REST, which is when
            // its content type is SOAP 1.1's `text/xml` or SOAP 1.2's.
            "MESSAGE_FORMAT" => {
                let content_type = ctx.header("content-type").unwrap_or_default();
                let content_type = content_type.to_ascii_lowercase();
                Some(if content_type.starts_with("text/xml") {
                    "soap11".into()
                } else if content_type.starts_with("application/soap+xml") {
                    "soap12".into()
                } else {
                    "pox".into()
                })
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::context_with;

    fn eval(ctx: &mut MessageContext, text: &str) -> Option<String> {
        Expression::parse(text).unwrap().evaluate(ctx).unwrap()
    }

    #[test]
    fn lookups_by_scope() {
        let mut ctx = context_with(
            r#"{"a":{"b":[1,2]},"s":"x"}"#,
            &[("Action", "urn:getSessionById")],
        );
        ctx.set_property("p", "v");
        ctx.set_axis2_property("HTTP_SC", "201");
        let table: [(&str, Option<&str>); 14] = [
            ("$ctx:p", Some("v")),
            ("$ctx:missing", None),
            ("$ctx:SYSTEM_TIME", None),
            ("get-property('p')", Some("v")),
            ("get-property('default','p')", Some("v")),
            ("get-property('missing')", None),
            ("$trp:Action", Some("urn:getSessionById")),
            ("$trp:action", Some("urn:getSessionById")),
            ("get-property('transport','Missing')", None),
            ("$axis2:HTTP_SC", Some("201")),
            ("$axis2:HTTP_METHOD", Some("POST")),
            ("get-property('To')", Some("/services/test")),
            ("get-property('system','oxynapse.test.unset')", Some("")),
            ("json-eval($.a.b)", Some("[1,2]")),
        ];
        for (text, want) in table {
            assert_eq!(eval(&mut ctx, text).as_deref(), want, "{text}");
        }
        let now: i64 = eval(&mut ctx, "get-property('SYSTEM_TIME')")
            .unwrap()
            .parse()
            .unwrap();
        assert!(now > 1_600_000_000_000);
        assert_eq!(
            eval(&mut ctx, "get-property('SYSTEM_DATE','yyyy')")
                .unwrap()
                .len(),
            4
        );
        // Fuzz finding (expression target): the one-letter ISO zone `X` panicked here.
        let zone = eval(&mut ctx, "get-property('SYSTEM_DATE','yy\u{1b}X')").unwrap();
        assert!(zone.starts_with(|c: char| c.is_ascii_digit()), "{zone}");
    }

    #[test]
    fn message_format_follows_the_content_type() {
        for (content_type, want) in [
            ("application/json", "pox"),
            ("application/xml", "pox"),
            ("text/xml; charset=UTF-8", "soap11"),
            ("application/soap+xml; action=\"urn:x\"", "soap12"),
        ] {
            let mut ctx = context_with("{}", &[("content-type", content_type)]);
            let format = eval(&mut ctx, "get-property('MESSAGE_FORMAT')");
            assert_eq!(format.as_deref(), Some(want), "{content_type}");
        }
    }

    #[test]
    fn json_eval_reads_properties_and_headers() {
        let mut ctx = context_with("{}", &[("X-Doc", r#"{"h":"v"}"#)]);
        ctx.set_property("stored", r#"{"a":[1,2]}"#);
        assert_eq!(
            eval(&mut ctx, "json-eval($ctx:stored.a[1])").as_deref(),
            Some("2")
        );
        assert_eq!(
            eval(&mut ctx, "json-eval($trp:X-Doc.h)").as_deref(),
            Some("v")
        );
        assert_eq!(
            eval(&mut ctx, "json-eval($ctx:missing.a)").as_deref(),
            Some("")
        );
    }

    #[test]
    fn malformed_json_is_a_client_error() {
        let mut ctx = context_with("{oops", &[]);
        let err = Expression::parse("json-eval($.a)")
            .unwrap()
            .evaluate(&mut ctx)
            .unwrap_err();
        assert_eq!(err.status, 400);
        // A lookup that does not need the body still works.
        assert_eq!(
            eval(&mut ctx, "$axis2:HTTP_METHOD").as_deref(),
            Some("POST")
        );
    }

    #[test]
    fn json_eval_of_whole_payload_is_verbatim() {
        let body = "{ \"a\" : 1 }";
        let mut ctx = context_with(body, &[]);
        assert_eq!(eval(&mut ctx, "json-eval($)").as_deref(), Some(body));
    }

    #[test]
    fn truth_of_conditions() {
        let mut ctx = context_with(r#"{"t":true,"f":"no"}"#, &[]);
        ctx.set_property("e", "");
        let truth = |ctx: &mut MessageContext, t: &str| {
            Expression::parse(t).unwrap().evaluate_bool(ctx).unwrap()
        };
        assert!(truth(&mut ctx, "json-eval($.t)"));
        assert!(!truth(&mut ctx, "json-eval($.f)"));
        assert!(!truth(&mut ctx, "$ctx:e"));
        assert!(!truth(&mut ctx, "$ctx:none"));
    }
}
