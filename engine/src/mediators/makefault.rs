//! `<makefault>`: turns the message into a SOAP 1.1, SOAP 1.2 or POX fault.
//!
//! ```xml
//! <makefault version="soap11" response="true">
//!     <code value="soap11Env:Client" xmlns:soap11Env="http://schemas.xmlsoap.org/soap/envelope/"/>
//!     <reason expression="$ctx:ERROR_MESSAGE"/>
//!     <role>http://gateway.example/</role>
//!     <detail>order rejected</detail>
//! </makefault>
//! <send/>
//! ```
//!
//! Like Synapse, it does not send anything: a following `send` or `respond` does. With
//! `response="true"` the message turns around, so `<send/>` returns it to the client. A SOAP
//! fault answers 500 unless `HTTP_SC` says otherwise. The fault code keeps its local name
//! (`Client`, `Server`, `Sender`, ...) under the envelope's own prefix.

use async_trait::async_trait;
use bytes::Bytes;

use super::{Flow, Mediator, MediatorFactory};
use crate::compile::CompileCx;
use crate::config::xml::Element;
use crate::context::{Direction, MessageContext};
use crate::error::{MediationError, Reported};
use crate::expr::Expression;

const SOAP11: &str = "http://schemas.xmlsoap.org/soap/envelope/";
const SOAP12: &str = "http://www.w3.org/2003/05/soap-envelope";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Version {
    Soap11,
    Soap12,
    Pox,
}

#[derive(Debug)]
enum Text {
    Literal(String),
    Expression(Expression),
}

impl Text {
    fn evaluate(&self, ctx: &mut MessageContext) -> Result<String, MediationError> {
        match self {
            Text::Literal(t) => Ok(t.clone()),
            Text::Expression(e) => Ok(e.evaluate(ctx)?.unwrap_or_default()),
        }
    }
}

#[derive(Debug)]
pub struct MakefaultMediator {
    version: Version,
    response: bool,
    /// The fault code; only its local name is used (`Client` of `soap11Env:Client`).
    code: Text,
    reason: Option<Text>,
    role: Option<String>,
    node: Option<String>,
    detail: Option<Text>,
}

pub struct MakefaultFactory;

impl MediatorFactory for MakefaultFactory {
    fn tag(&self) -> &'static str {
        "makefault"
    }

    fn build(&self, el: &Element, cx: &mut CompileCx<'_>) -> Result<Box<dyn Mediator>, Reported> {
        cx.check_attributes(el, &["version", "response", "description"]);
        let version = match el.attr("version") {
            None => Version::Soap11,
            Some(a) => match a.value.as_str() {
                "soap11" => Version::Soap11,
                "soap12" => Version::Soap12,
                "pox" => Version::Pox,
                other => {
                    return Err(cx.diags.error_with_help(
                        a.pos,
                        format!("unknown fault version `{other}`"),
                        "expected soap11, soap12 or pox",
                    ));
                }
            },
        };
        let response = cx.bool_attr(el, "response", false)?;
        let mut fault = MakefaultMediator {
            version,
            response,
            code: Text::Literal("Server".into()),
            reason: None,
            role: None,
            node: None,
            detail: None,
        };
        let mut failed = false;
        for child in el.elements() {
            let result = match child.name.as_str() {
                "code" => match (child.attr("value"), child.attr("expression")) {
                    (None, None) => Err(cx
                        .diags
                        .error(child.pos, "<code> needs a `value` such as soap11Env:Client")),
                    _ => text(child, cx).map(|t| fault.code = t),
                },
                "reason" => text(child, cx).map(|t| fault.reason = Some(t)),
                "detail" => text(child, cx).map(|t| fault.detail = Some(t)),
                "role" => {
                    fault.role = Some(child.text().trim().to_string());
                    Ok(())
                }
                "node" => {
                    fault.node = Some(child.text().trim().to_string());
                    Ok(())
                }
                other => Err(cx.diags.error_with_help(
                    child.pos,
                    format!("<makefault> cannot hold <{other}>"),
                    "expected <code>, <reason>, <node>, <role> or <detail>",
                )),
            };
            failed |= result.is_err();
        }
        if failed {
            return Err(Reported);
        }
        Ok(Box::new(fault))
    }
}

/// `value="..."`, `expression="..."`, or the element's text.
fn text(el: &Element, cx: &mut CompileCx<'_>) -> Result<Text, Reported> {
    match (el.attr("value"), el.attr("expression")) {
        (Some(v), _) => Ok(Text::Literal(v.value.clone())),
        (None, Some(e)) => cx.expression(el, e).map(Text::Expression),
        (None, None) if el.elements().next().is_some() => Err(cx.diags.error(
            el.pos,
            format!("XML content in <{}> is not supported yet", el.name),
        )),
        (None, None) => Ok(Text::Literal(el.text().trim().to_string())),
    }
}

fn esc(text: &str) -> String {
    quick_xml::escape::escape(text).into_owned()
}

#[async_trait]
impl Mediator for MakefaultMediator {
    async fn mediate(&self, ctx: &mut MessageContext) -> Result<Flow, MediationError> {
        let code = self.code.evaluate(ctx)?;
        let code = code.rsplit(':').next().unwrap_or_default().to_string();
        let reason = match &self.reason {
            Some(r) => r.evaluate(ctx)?,
            None => String::new(),
        };
        let detail = match &self.detail {
            Some(d) => Some(d.evaluate(ctx)?),
            None => None,
        };
        let optional = |tag: &str, value: &Option<String>| {
            value
                .as_ref()
                .map(|v| format!("<{tag}>{}</{tag}>", esc(v)))
                .unwrap_or_default()
        };
        let (body, content_type) = match self.version {
            Version::Soap11 => (
                format!(
                    r#"<soapenv:Envelope xmlns:soapenv="{SOAP11}"><soapenv:Body><soapenv:Fault><faultcode>soapenv:{}</faultcode><faultstring>{}</faultstring>{}{}</soapenv:Fault></soapenv:Body></soapenv:Envelope>"#,
                    esc(&code),
                    esc(&reason),
                    optional("faultactor", &self.role),
                    optional("detail", &detail),
                ),
                "text/xml",
            ),
            Version::Soap12 => (
                format!(
                    r#"<soapenv:Envelope xmlns:soapenv="{SOAP12}"><soapenv:Body><soapenv:Fault><soapenv:Code><soapenv:Value>soapenv:{}</soapenv:Value></soapenv:Code><soapenv:Reason><soapenv:Text xml:lang="en">{}</soapenv:Text></soapenv:Reason>{}{}{}</soapenv:Fault></soapenv:Body></soapenv:Envelope>"#,
                    esc(&code),
                    esc(&reason),
                    optional("soapenv:Node", &self.node),
                    optional("soapenv:Role", &self.role),
                    optional("soapenv:Detail", &detail),
                ),
                "application/soap+xml",
            ),
            // Synapse's POX fault: <Exception> holding the detail, else the reason.
            Version::Pox => (
                format!(
                    "<Exception>{}</Exception>",
                    esc(detail.as_deref().unwrap_or(&reason))
                ),
                "application/xml",
            ),
        };
        ctx.set_body(Bytes::from(body), content_type);
        if self.version != Version::Pox {
            ctx.mark_soap_fault();
        }
        if self.response {
            ctx.set_direction(Direction::Response);
        }
        Ok(Flow::Continue)
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::{compile_errors, context_with, mediate};

    async fn fault(xml: &str) -> (u16, String, String) {
        let mut ctx = context_with("{}", &[]);
        ctx.set_property("why", "no stock");
        mediate(&mut ctx, &format!("<sequence>{xml}<send/></sequence>")).await;
        let r = ctx.take_response().expect("send returned the fault");
        (
            r.status.as_u16(),
            r.headers["content-type"].to_str().unwrap().to_string(),
            String::from_utf8(r.body.to_vec()).unwrap(),
        )
    }

    #[tokio::test]
    async fn builds_each_fault_version() {
        let (status, ct, body) = fault(r#"<makefault response="true"><code value="s:Client"/><reason expression="$ctx:why"/><detail>d &lt;1&gt;</detail></makefault>"#).await;
        assert_eq!((status, ct.as_str()), (500, "text/xml"));
        assert_eq!(
            body,
            r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><soapenv:Fault><faultcode>soapenv:Client</faultcode><faultstring>no stock</faultstring><detail>d &lt;1&gt;</detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>"#
        );
        let (_, ct, body) = fault(r#"<makefault version="soap12" response="true"><code value="Sender"/><reason value="bad"/></makefault>"#).await;
        assert_eq!(ct, "application/soap+xml");
        assert!(
            body.contains("<soapenv:Value>soapenv:Sender</soapenv:Value>")
                && body.contains(r#"<soapenv:Text xml:lang="en">bad</soapenv:Text>"#)
        );
        let (status, _, body) =
            fault(r#"<makefault version="pox" response="true"><reason value="bad"/></makefault>"#)
                .await;
        assert_eq!((status, body.as_str()), (200, "<Exception>bad</Exception>"));
    }

    #[test]
    fn deploy_errors() {
        assert!(
            compile_errors(r#"<makefault version="soap13"/>"#)[0].contains("unknown fault version")
        );
        assert!(compile_errors(r#"<makefault><code/></makefault>"#)[0].contains("needs a `value`"));
        assert!(
            compile_errors(r#"<makefault><cause/></makefault>"#)[0].contains("cannot hold <cause>")
        );
    }
}
