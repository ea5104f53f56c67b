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
//! `get-property`. A namespace-qualified name (`<header xmlns:m="urn:m" name="m:trace"
//! value="on"/>`) sets or removes that element in the SOAP Header of a SOAP message; JSON and
//! plain XML messages carry no SOAP Header, so for them it changes nothing on the wire.
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
use crate::xpath::{Edit, Edits, NodeKind};

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
    /// A namespace-qualified element of the SOAP Header.
    Soap,
}

/// The SOAP headers Synapse handles by name (WS-Addressing).
const ADDRESSING: [&str; 6] = ["To", "Action", "From", "ReplyTo", "FaultTo", "RelatesTo"];

#[derive(Debug)]
pub struct HeaderMediator {
    name: String,
    /// Whether `name` marks a credential, decided once at deploy time.
    secret_name: bool,
    /// The namespace of a SOAP header's prefix.
    namespace: Option<String>,
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
                n if n.contains(':') => {
                    let prefix = n.split(':').next().unwrap_or_default();
                    if !el.namespaces_in_scope.iter().any(|(p, _)| p == prefix) {
                        return Err(cx.diags.error(
                            name.pos,
                            format!("the prefix `{prefix}` of SOAP header `{n}` is not declared"),
                        ));
                    }
                    Place::Soap
                }
                _ => {
                    return Err(cx.diags.error_with_help(
                        el.pos,
                        format!("SOAP header `{}` must be namespace-qualified", name.value),
                        "write name=\"p:local\" with xmlns:p declared, use a WS-Addressing header (To, Action, From, ReplyTo, FaultTo, RelatesTo), or add scope=\"transport\" for an HTTP header",
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
                if matches!(place, Place::Transport | Place::Action)
                    && http::HeaderValue::from_str(&v.value).is_err()
                {
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
        let namespace = match place {
            Place::Soap => {
                let prefix = name.value.split(':').next().unwrap_or_default();
                el.namespaces_in_scope
                    .iter()
                    .rev()
                    .find(|(p, _)| p == prefix)
                    .map(|(_, uri)| uri.clone())
            }
            _ => None,
        };
        Ok(Box::new(HeaderMediator {
            secret_name: crate::secrets::is_secret_name(&name.value),
            name: name.value.clone(),
            namespace,
            place,
            action,
        }))
    }
}

#[async_trait]
impl Mediator for HeaderMediator {
    /// A SOAP header lives in the body; the others are transport headers or properties.
    fn reads_body(&self) -> bool {
        self.place == Place::Soap
            || matches!(&self.action, HeaderAction::SetExpression(e) if e.reads_body())
    }

    async fn mediate(&self, ctx: &mut MessageContext) -> Result<Flow, MediationError> {
        let value = match &self.action {
            HeaderAction::Remove => None,
            HeaderAction::Set(value) => Some(value.clone()),
            // Synapse sets a null result as "" (with a warning).
            HeaderAction::SetExpression(e) => Some(e.evaluate(ctx)?.unwrap_or_default()),
        };
        match (self.place, value) {
            (Place::Transport, None) => ctx.remove_header(&self.name),
            (Place::Transport, Some(v)) => {
                ctx.set_known_header(&self.name, &v, self.secret_name)?
            }
            (Place::To, v) => ctx.set_to_address(v),
            (Place::Action, None) => ctx.remove_header("SOAPAction"),
            (Place::Action, Some(v)) => ctx.set_known_header("SOAPAction", &v, false)?,
            (Place::Addressing, None) => ctx.remove_property(&self.name),
            (Place::Addressing, Some(v)) => {
                ctx.set_known_property(self.name.as_str(), v, self.secret_name)
            }
            (Place::Soap, v) => self.edit_soap_header(ctx, v)?,
        }
        Ok(Flow::Continue)
    }
}

impl HeaderMediator {
    /// Sets (or with `None` removes) this header element in the SOAP Header.
    fn edit_soap_header(
        &self,
        ctx: &mut MessageContext,
        value: Option<String>,
    ) -> Result<(), MediationError> {
        let doc = ctx.xml_view()?;
        let (Some(envelope), true) = (doc.envelope(), ctx.is_soap_envelope()) else {
            tracing::debug!(header = %self.name, "not a SOAP message: no SOAP Header to edit");
            return Ok(());
        };
        let uri = self.namespace.as_deref().unwrap_or_default();
        let (prefix, local) = self.name.split_once(':').unwrap_or(("", &self.name));
        let existing = doc.header().and_then(|h| {
            doc.children(h).find(|&c| {
                doc.kind(c) == NodeKind::Element
                    && doc.local_name(c) == local
                    && doc.namespace_uri(c) == uri
            })
        });
        let element = value.map(|v| {
            let text = quick_xml::escape::escape(v.as_str()).into_owned();
            format!(r#"<{prefix}:{local} xmlns:{prefix}="{uri}">{text}</{prefix}:{local}>"#)
        });
        let mut edits = Edits::new();
        match (existing, element, doc.header()) {
            (Some(old), Some(new), _) => edits.add(old, Edit::Replace(new)),
            (Some(old), None, _) => edits.add(old, Edit::Remove),
            (None, Some(new), Some(header)) => edits.add(header, Edit::AppendChildren(new)),
            (None, Some(new), None) => {
                let soap = doc.qualified_name(envelope).replace("Envelope", "Header");
                let header = format!("<{soap}>{new}</{soap}>");
                match doc.body() {
                    Some(body) => edits.add(body, Edit::InsertBefore(header)),
                    None => edits.add(envelope, Edit::AppendChildren(header)),
                }
            }
            (None, None, _) => return Ok(()),
        }
        ctx.set_envelope_xml(&doc.to_xml_edited(doc.root(), &edits))
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
                "the prefix `m` of SOAP header `m:stamp` is not declared",
            ),
            (
                r#"<header name="stamp" value="x"/>"#,
                "SOAP header `stamp` must be namespace-qualified",
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

    #[tokio::test]
    async fn sets_and_removes_soap_headers_of_soap_messages() {
        let soap = r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><q/></s:Body></s:Envelope>"#;
        let mut ctx = context_with(soap, &[("content-type", "text/xml")]);
        let set = r#"<sequence><header xmlns:m="urn:m" name="m:stamp" expression="concat('a', '&lt;b')"/>
                      <header xmlns:m="urn:m" name="m:stamp" value="2"/><respond/></sequence>"#;
        mediate(&mut ctx, set).await;
        let body = ctx.take_response().unwrap().body;
        assert_eq!(
            std::str::from_utf8(&body).unwrap(),
            r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header><m:stamp xmlns:m="urn:m">2</m:stamp></s:Header><s:Body><q/></s:Body></s:Envelope>"#
        );
        let mut ctx = context_with(
            std::str::from_utf8(&body).unwrap(),
            &[("content-type", "text/xml")],
        );
        mediate(&mut ctx, r#"<sequence><header xmlns:n="urn:m" name="n:stamp" action="remove"/><respond/></sequence>"#).await;
        let body = ctx.take_response().unwrap().body;
        assert!(!std::str::from_utf8(&body).unwrap().contains("stamp"));
        // JSON has no SOAP Header: nothing changes.
        let mut ctx = context_with(r#"{"a":1}"#, &[("content-type", "application/json")]);
        mediate(
            &mut ctx,
            r#"<sequence><header xmlns:m="urn:m" name="m:stamp" value="1"/><respond/></sequence>"#,
        )
        .await;
        assert_eq!(ctx.take_response().unwrap().body, r#"{"a":1}"#.as_bytes());
    }
}
