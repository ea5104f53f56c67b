//! XPath expressions over the message: the engine's side of [`crate::xpath`].
//!
//! The expression runs against the message's XML view ([`MessageContext::xml_view`]): a SOAP
//! envelope as received, a plain XML body wrapped in one, or the JSON-as-XML view of a JSON
//! body. Variables and `get-property` come from the message context:
//!
//! | in the expression | value |
//! |---|---|
//! | `$ctx:name`, `$name` | default-scope property |
//! | `$trp:name` | transport header |
//! | `$axis2:name` | axis2 property |
//! | `$operation:name` | operation-scope property |
//! | `$url:name` | query parameter of the request URL (`""` when absent) |
//! | `$func:name` | parameter of the template being run |
//! | `$body`, `$header`, `$env` | parts of the envelope |

use std::cell::RefCell;

use super::{ExprError, Lookup};
use crate::context::MessageContext;
use crate::error::MediationError;
use crate::template::FuncValue;
use crate::xpath::{EvalError, Resolver, Value, XPath, call_extension};

/// Functions the engine provides on top of XPath 1.0's core library.
const EXTENSIONS: [&str; 4] = ["get-property", "base64Encode", "base64Decode", "url-encode"];

#[derive(Debug, Clone)]
pub struct XPathExpr {
    xpath: XPath,
}

impl XPathExpr {
    pub fn compile(text: &str, namespaces: &[(String, String)]) -> Result<XPathExpr, ExprError> {
        let xpath = XPath::compile(text, namespaces).map_err(|e| ExprError {
            message: format!("invalid XPath `{text}`: {}", e.message),
            help: e.help.clone(),
        })?;
        for name in xpath.extension_functions() {
            if EXTENSIONS.contains(&name) {
                continue;
            }
            let message = if name.ends_with("vault-lookup") {
                format!("`{text}`: the secure vault (`{name}`) is not supported yet")
            } else {
                format!("`{text}`: unknown XPath function `{name}`")
            };
            return Err(ExprError {
                message,
                help: Some(format!(
                    "XPath 1.0 core functions and {} are available",
                    EXTENSIONS.join(", ")
                )),
            });
        }
        Ok(XPathExpr { xpath })
    }

    pub fn text(&self) -> &str {
        self.xpath.as_str()
    }

    /// Synapse's string value of the expression (`None` is null).
    pub fn string_value(&self, ctx: &mut MessageContext) -> Result<Option<String>, MediationError> {
        let doc = ctx.xml_view()?;
        let resolver = MessageResolver {
            ctx: RefCell::new(ctx),
        };
        self.xpath
            .string_value_of(&doc, &resolver)
            .map_err(|e| evaluation_error(self.text(), &e))
    }

    /// The expression's XPath value over the message's XML view (the envelope as context).
    fn value(
        &self,
        ctx: &mut MessageContext,
    ) -> Result<(std::sync::Arc<crate::xpath::Document>, Value), MediationError> {
        let doc = ctx.xml_view()?;
        let context = doc.document_element().unwrap_or_else(|| doc.root());
        let resolver = MessageResolver {
            ctx: RefCell::new(ctx),
        };
        let value = self
            .xpath
            .evaluate(&doc, context, &resolver)
            .map_err(|e| evaluation_error(self.text(), &e))?;
        Ok((doc, value))
    }

    /// The nodes the expression selects in the message's XML view, with that view. A result
    /// that is not a node-set selects nothing.
    pub fn nodes(
        &self,
        ctx: &mut MessageContext,
    ) -> Result<
        (
            std::sync::Arc<crate::xpath::Document>,
            Vec<crate::xpath::NodeId>,
        ),
        MediationError,
    > {
        let (doc, value) = self.value(ctx)?;
        let nodes = match value {
            Value::NodeSet(nodes) => nodes,
            _ => Vec::new(),
        };
        Ok((doc, nodes))
    }

    /// XPath `boolean()` of the expression, as `filter xpath="..."` tests it.
    pub fn truth(&self, ctx: &mut MessageContext) -> Result<bool, MediationError> {
        let (_, value) = self.value(ctx)?;
        Ok(match value {
            Value::NodeSet(nodes) => !nodes.is_empty(),
            Value::String(s) => !s.is_empty(),
            Value::Number(n) => n != 0.0 && !n.is_nan(),
            Value::Boolean(b) => b,
            Value::Null => false,
        })
    }
}

fn evaluation_error(text: &str, e: &EvalError) -> MediationError {
    MediationError::internal("XPath evaluation failed")
        .with_detail(format!("`{text}`: {}", e.message))
}

/// Answers the expression's variables and extension functions from the message.
struct MessageResolver<'a> {
    ctx: RefCell<&'a mut MessageContext>,
}

impl Resolver for MessageResolver<'_> {
    fn variable(&self, prefix: Option<&str>, name: &str) -> Option<Value> {
        let text = |v: Option<String>| v.map(Value::String);
        let mut ctx = self.ctx.borrow_mut();
        match prefix {
            None | Some("ctx") => text(ctx.property(name).map(ToString::to_string)),
            Some("trp") => text(ctx.header(name).map(str::to_string)),
            Some("axis2") => text(ctx.axis2_property(name)),
            Some("operation") => text(ctx.operation_property(name).map(ToString::to_string)),
            Some("url") => Some(Value::String(
                query_value(ctx.request_uri(), name).unwrap_or_default(),
            )),
            Some("func") => match ctx.func_value(name)? {
                FuncValue::Text(t) => Some(Value::String(t)),
                FuncValue::Lazy(expression) => ctx
                    .with_lazy_evaluation(|ctx| expression.evaluate(ctx))
                    .ok()
                    .flatten()
                    .map(Value::String),
            },
            _ => None,
        }
    }

    fn function(&self, name: &str, args: &[Value]) -> Option<Result<Value, EvalError>> {
        if name != "get-property" {
            return call_extension(name, args);
        }
        let args: Vec<String> = args.iter().map(Value::to_plain_string).collect();
        let call = format!(
            "get-property({})",
            args.iter()
                .map(|a| format!("'{a}'"))
                .collect::<Vec<_>>()
                .join(",")
        );
        let lookup = match Lookup::from_args(&call, &args) {
            Ok(lookup) => lookup,
            Err(e) => return Some(Err(EvalError::new(e.message))),
        };
        let mut ctx = self.ctx.borrow_mut();
        let value = super::Expression::Lookup(lookup).evaluate(&mut ctx);
        Some(match value {
            Ok(Some(v)) => Ok(Value::String(v)),
            Ok(None) => Ok(Value::Null),
            Err(e) => Err(EvalError::new(e.to_string())),
        })
    }
}

/// `$url:name`: a query parameter of the request, matched case-insensitively, decoded.
fn query_value(request_uri: &str, name: &str) -> Option<String> {
    crate::api::query_params(request_uri)
        .into_iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use crate::expr::Expression;
    use crate::testing::context_with;

    fn eval(body: &str, text: &str) -> Option<String> {
        let mut ctx = context_with(body, &[("X-Mode", "fast")]);
        ctx.set_property("kind", "gold");
        Expression::parse(text).unwrap().evaluate(&mut ctx).unwrap()
    }

    #[test]
    fn xpath_over_the_message() {
        let body = r#"{"order":{"id":7,"items":[{"sku":"a"},{"sku":"b"}]}}"#;
        let table: [(&str, Option<&str>); 9] = [
            ("//order/id", Some("7")),
            ("$body/jsonObject/order/items[2]/sku", Some("b")),
            ("count(//items)", Some("2.0")),
            ("concat($ctx:kind, '-', $trp:X-Mode)", Some("gold-fast")),
            ("$ctx:kind = 'gold'", Some("true")),
            ("get-property('kind') != 'tin'", Some("true")),
            (
                "string-length(get-property('transport', 'X-Mode'))",
                Some("4.0"),
            ),
            ("$ctx:missing", None),
            ("base64Encode('ab')", Some("YWI=")),
        ];
        for (text, want) in table {
            assert_eq!(eval(body, text).as_deref(), want, "{text}");
        }
    }

    #[test]
    fn unknown_functions_are_deploy_errors() {
        let err = Expression::parse("frobnicate(1)").unwrap_err();
        assert!(
            err.message.contains("unknown XPath function `frobnicate`"),
            "{}",
            err.message
        );
        assert!(Expression::parse("wso2:vault-lookup('x')").is_err());
        assert!(Expression::parse("//a[").is_err());
    }
}
