//! `<header scope="transport">`: sets or removes an HTTP header of the current message.
//!
//! ```xml
//! <header name="Accept" value="application/json" scope="transport"/>
//! <header name="X-Request-Id" expression="$ctx:requestId" scope="transport"/>
//! <header name="Accept-Encoding" action="remove" scope="transport"/>
//! ```
//!
//! Without `scope="transport"` Synapse edits SOAP headers, which oxynapse does not do yet; such
//! a header is a deploy error rather than a silent no-op.

use async_trait::async_trait;

use super::{Flow, Mediator, MediatorFactory};
use crate::compile::CompileCx;
use crate::config::xml::Element;
use crate::context::MessageContext;
use crate::error::{MediationError, Reported};
use crate::expr::Expression;

#[derive(Debug)]
enum HeaderAction {
    Set(String),
    SetExpression(Expression),
    Remove,
}

#[derive(Debug)]
pub struct HeaderMediator {
    name: String,
    action: HeaderAction,
}

pub struct HeaderFactory;

impl MediatorFactory for HeaderFactory {
    fn tag(&self) -> &'static str {
        "header"
    }

    fn build(&self, el: &Element, cx: &mut CompileCx<'_>) -> Result<Box<dyn Mediator>, Reported> {
        cx.check_attributes(
            el,
            &[
                "name",
                "value",
                "expression",
                "scope",
                "action",
                "description",
            ],
        );
        let name = cx.required_attr(el, "name")?;
        match el.attr("scope") {
            Some(s) if s.value == "transport" => {}
            Some(s) if s.value == "default" => return Err(soap_header(cx, s.pos)),
            Some(s) => {
                return Err(cx.diags.error_with_help(
                    s.pos,
                    format!("unknown header scope `{}`", s.value),
                    "expected `transport` (HTTP headers) or `default` (SOAP headers)",
                ));
            }
            None => return Err(soap_header(cx, el.pos)),
        }
        if http::HeaderName::from_bytes(name.value.as_bytes()).is_err() {
            return Err(cx.diags.error(
                name.pos,
                format!("`{}` is not a valid HTTP header name", name.value),
            ));
        }
        cx.no_children(el)?;
        let action = match (
            el.attr_value("action"),
            el.attr("value"),
            el.attr("expression"),
        ) {
            (Some("remove"), _, _) => HeaderAction::Remove,
            (Some(a), _, _) if a != "set" => {
                let at = el.attr("action").map_or(el.pos, |a| a.pos);
                return Err(cx.diags.error(
                    at,
                    format!("unknown header action `{a}`; expected `set` or `remove`"),
                ));
            }
            (_, Some(v), _) => {
                if http::HeaderValue::from_str(&v.value).is_err() {
                    return Err(cx
                        .diags
                        .error(v.pos, "the value is not a valid HTTP header value"));
                }
                HeaderAction::Set(v.value.clone())
            }
            (_, None, Some(e)) => HeaderAction::SetExpression(cx.expression(el, e)?),
            (_, None, None) => {
                return Err(cx
                    .diags
                    .error(el.pos, "<header> needs a `value` or an `expression`"));
            }
        };
        Ok(Box::new(HeaderMediator {
            name: name.value.clone(),
            action,
        }))
    }
}

fn soap_header(cx: &mut CompileCx<'_>, pos: crate::error::Pos) -> Reported {
    cx.diags.error_with_help(
        pos,
        "SOAP headers are not supported yet",
        "add scope=\"transport\" to set an HTTP header",
    )
}

#[async_trait]
impl Mediator for HeaderMediator {
    async fn mediate(&self, ctx: &mut MessageContext) -> Result<Flow, MediationError> {
        match &self.action {
            HeaderAction::Remove => ctx.remove_header(&self.name),
            HeaderAction::Set(value) => ctx.set_header(&self.name, value)?,
            HeaderAction::SetExpression(e) => {
                // Synapse sets a null result as "" (with a warning).
                let value = e.evaluate(ctx)?.unwrap_or_default();
                ctx.set_header(&self.name, &value)?;
            }
        }
        Ok(Flow::Continue)
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::{compile_errors, context_with, mediate};

    #[tokio::test]
    async fn sets_and_removes_transport_headers() {
        let mut ctx = context_with("{}", &[("Accept-Encoding", "gzip")]);
        ctx.set_property("id", "r-1");
        mediate(
            &mut ctx,
            r#"<sequence>
                 <header name="Accept" value="application/json" scope="transport"/>
                 <header name="X-Id" expression="$ctx:id" scope="transport"/>
                 <header name="X-None" expression="$ctx:none" scope="transport"/>
                 <header name="Accept-Encoding" action="remove" scope="transport"/>
               </sequence>"#,
        )
        .await;
        assert_eq!(ctx.header("accept"), Some("application/json"));
        assert_eq!(ctx.header("x-id"), Some("r-1"));
        assert_eq!(ctx.header("x-none"), Some(""));
        assert_eq!(ctx.header("accept-encoding"), None);
    }

    #[test]
    fn refuses_soap_headers_and_bad_names() {
        let table = [
            (
                r#"<header name="To" value="x"/>"#,
                "SOAP headers are not supported yet",
            ),
            (
                r#"<header name="a b" value="x" scope="transport"/>"#,
                "not a valid HTTP header name",
            ),
            (
                r#"<header name="a" scope="transport"/>"#,
                "needs a `value` or an `expression`",
            ),
            (
                r#"<header name="a" value="x" scope="axis2"/>"#,
                "unknown header scope",
            ),
            (
                r#"<header name="a" value="x" action="add" scope="transport"/>"#,
                "unknown header action",
            ),
        ];
        for (xml, want) in table {
            let errors = compile_errors(xml);
            assert!(errors.iter().any(|e| e.contains(want)), "{xml}: {errors:?}");
        }
    }
}
