//! `<header scope="transport">`: sets or removes an HTTP header of the current message.
//!
//! ```xml
//! <header name="Accept" value="application/json" scope="transport"/>
//! <header name="X-Request-Id" expression="$ctx:requestId" scope="transport"/>
//! <header name="Accept-Encoding" action="remove" scope="transport"/>
//! ```
//!
//! Without `scope="transport"` Synapse edits SOAP headers. The WS-Addressing ones work: `To`
//! sets where `<send/>` and the default endpoint deliver, `Action` travels as the `SOAPAction`
//! HTTP header, and `From`, `ReplyTo`, `FaultTo`, `RelatesTo` and `MessageID` are read with
//! `get-property`. Other SOAP headers are a deploy error rather than a silent no-op.
//!
//! ```xml
//! <header name="To" value="http://backend:9000/services/Quotes"/>
//! <header name="Action" value="urn:getQuote"/>
//! ```

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

/// Where the header lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    /// An HTTP header.
    Transport,
    /// The WS-Addressing `To`: where `<send/>` and the default endpoint deliver.
    To,
    /// The WS-Addressing `Action`, which travels as the `SOAPAction` HTTP header.
    Action,
    /// Other WS-Addressing headers, readable with `get-property`.
    Addressing,
}

/// The SOAP headers Synapse handles by name (WS-Addressing).
const ADDRESSING: [&str; 6] = ["To", "Action", "From", "ReplyTo", "FaultTo", "RelatesTo"];

#[derive(Debug)]
pub struct HeaderMediator {
    name: String,
    place: Place,
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
        let place = match el.attr("scope").map(|s| (s, s.value.as_str())) {
            Some((_, "transport")) => {
                if http::HeaderName::from_bytes(name.value.as_bytes()).is_err() {
                    return Err(cx.diags.error(
                        name.pos,
                        format!("`{}` is not a valid HTTP header name", name.value),
                    ));
                }
                Place::Transport
            }
            None | Some((_, "default")) => match name.value.as_str() {
                "To" => Place::To,
                "Action" => Place::Action,
                n if ADDRESSING.contains(&n) || n == "MessageID" => Place::Addressing,
                _ => {
                    return Err(cx.diags.error_with_help(
                        el.pos,
                        format!("SOAP header `{}` is not supported yet", name.value),
                        "WS-Addressing headers (To, Action, From, ReplyTo, FaultTo, RelatesTo) work; add scope=\"transport\" for an HTTP header",
                    ));
                }
            },
            Some((s, other)) => {
                return Err(cx.diags.error_with_help(
                    s.pos,
                    format!("unknown header scope `{other}`"),
                    "expected `transport` (HTTP headers) or `default` (SOAP headers)",
                ));
            }
        };
        if el.elements().next().is_some() {
            return Err(cx
                .diags
                .error(el.pos, "inline XML SOAP headers are not supported yet"));
        }
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
                if place != Place::To && http::HeaderValue::from_str(&v.value).is_err() {
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
            place,
            action,
        }))
    }
}

#[async_trait]
impl Mediator for HeaderMediator {
    async fn mediate(&self, ctx: &mut MessageContext) -> Result<Flow, MediationError> {
        let value = match &self.action {
            HeaderAction::Remove => None,
            HeaderAction::Set(value) => Some(value.clone()),
            // Synapse sets a null result as "" (with a warning).
            HeaderAction::SetExpression(e) => Some(e.evaluate(ctx)?.unwrap_or_default()),
        };
        match (self.place, value) {
            (Place::Transport, None) => ctx.remove_header(&self.name),
            (Place::Transport, Some(v)) => ctx.set_header(&self.name, &v)?,
            (Place::To, v) => ctx.set_to_address(v),
            (Place::Action, None) => ctx.remove_header("SOAPAction"),
            (Place::Action, Some(v)) => ctx.set_header("SOAPAction", &v)?,
            (Place::Addressing, None) => ctx.remove_property(&self.name),
            (Place::Addressing, Some(v)) => ctx.set_property(self.name.clone(), v),
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
                r#"<header name="m:stamp" value="x"/>"#,
                "SOAP header `m:stamp` is not supported yet",
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
