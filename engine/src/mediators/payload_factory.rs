//! `<payloadFactory>`: replaces the message body with a template filled from arguments.
//!
//! ```xml
//! <payloadFactory media-type="json">
//!     <format>{"id": $1, "name": "$2", "tags": $3}</format>
//!     <args>
//!         <arg expression="json-eval($.order.id)"/>
//!         <arg evaluator="json" expression="$.customer.name"/>
//!         <arg expression="json-eval($.tags)"/>   <!-- an array: inserted as JSON -->
//!         <arg value="literal" literal="true"/>
//!     </args>
//! </payloadFactory>
//! <payloadFactory media-type="xml"><format><ping xmlns="urn:x">$1</ping></format>...</payloadFactory>
//! <payloadFactory media-type="text"><format>Hello $1</format>...</payloadFactory>
//! ```
//!
//! The format is split into text and `$n` slots once, at deploy time, and values are inserted
//! as values, never through regex replacement. For JSON, the format supplies the quotes:
//! strings are JSON-escaped, while a JSON object or array (a `json-eval` result starting
//! with `{` or `[`) is inserted as JSON unless `literal="true"`. The result must be valid JSON
//! ("Error creating JSON Payload" otherwise). For XML, values are XML-escaped.

use async_trait::async_trait;
use bytes::Bytes;

use super::{Flow, Mediator, MediatorFactory};
use crate::compile::CompileCx;
use crate::config::xml::Element;
use crate::context::MessageContext;
use crate::error::{MediationError, Reported};
use crate::expr::{Expression, JsonPathExpr};
use crate::xpath::{Document, Edit, Edits};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MediaType {
    Json,
    Xml,
    Text,
}

#[derive(Debug)]
enum Piece {
    Text(String),
    /// A 0-based argument index.
    Arg(usize),
}

#[derive(Debug)]
enum ArgValue {
    Literal(String),
    Expression(Expression),
}

#[derive(Debug)]
struct Arg {
    value: ArgValue,
    /// `literal="true"`: always a string, never inserted as JSON.
    literal: bool,
}

#[derive(Debug)]
pub struct PayloadFactoryMediator {
    media_type: MediaType,
    template: Vec<Piece>,
    args: Vec<Arg>,
}

pub struct PayloadFactoryFactory;

impl MediatorFactory for PayloadFactoryFactory {
    fn tag(&self) -> &'static str {
        "payloadFactory"
    }

    fn build(&self, el: &Element, cx: &mut CompileCx<'_>) -> Result<Box<dyn Mediator>, Reported> {
        cx.check_attributes(
            el,
            &[
                "media-type",
                "template-type",
                "escapeXmlChars",
                "description",
            ],
        );
        let media_type = match el.attr("media-type") {
            None => Ok(MediaType::Xml),
            Some(a) => match a.value.as_str() {
                "json" => Ok(MediaType::Json),
                "xml" => Ok(MediaType::Xml),
                "text" => Ok(MediaType::Text),
                other => Err(cx.diags.error_with_help(
                    a.pos,
                    format!("unknown media-type `{other}`"),
                    "expected json, xml or text",
                )),
            },
        };
        if let Some(t) = el.attr("template-type").filter(|t| t.value != "default") {
            return Err(cx.diags.error(
                t.pos,
                format!("template-type `{}` is not supported yet", t.value),
            ));
        }
        let mut format = None;
        let mut args = Ok(Vec::new());
        for child in el.elements() {
            match child.name.as_str() {
                "format" => format = Some(child),
                "args" => args = build_args(child, cx),
                other => {
                    return Err(cx.diags.error_with_help(
                        child.pos,
                        format!("<payloadFactory> cannot hold <{other}>"),
                        "expected <format> and <args>",
                    ));
                }
            }
        }
        let Some(format) = format else {
            return Err(cx.diags.error(el.pos, "<payloadFactory> needs a <format>"));
        };
        if let Some(key) = format.attr("key") {
            return Err(cx
                .diags
                .error(key.pos, "formats loaded by `key` are not supported yet"));
        }
        let (media_type, args) = (media_type?, args?);
        let source = cx.diags.source().clone();
        let text = match media_type {
            // The format's element with the namespace declarations in scope on the config, as
            // Synapse serialises it: a prefix declared on the <proxy> is declared in the output.
            MediaType::Xml if format.elements().next().is_some() => {
                super::enrich_pieces::inline_xml(format, cx)?
            }
            MediaType::Xml => format.inner_source(&source.text).trim().to_string(),
            MediaType::Json | MediaType::Text => format.text().trim().to_string(),
        };
        if text.contains("${") {
            return Err(cx.diags.error(
                format.pos,
                "`${...}` expressions in formats (MI 4.4) are not supported yet",
            ));
        }
        let mut template = split_template(&text);
        for piece in &mut template {
            if let Piece::Arg(i) = *piece
                && i >= args.len()
            {
                // Synapse deploys this and logs a mismatch on every message, leaving the
                // placeholder as written; oxynapse does the same and says so once, here.
                cx.diags.warning_with_help(
                    format.pos,
                    format!(
                        "the format uses ${} but there are only {} <arg> elements; it stays as written",
                        i + 1,
                        args.len()
                    ),
                    "add an <arg> for each $n placeholder",
                );
                *piece = Piece::Text(format!("${}", i + 1));
            }
        }
        Ok(Box::new(PayloadFactoryMediator {
            media_type,
            template,
            args,
        }))
    }
}

fn build_args(el: &Element, cx: &mut CompileCx<'_>) -> Result<Vec<Arg>, Reported> {
    let mut args = Vec::new();
    let mut failed = false;
    for child in el.elements() {
        if child.name != "arg" {
            cx.diags.error(
                child.pos,
                format!("<args> holds <arg> elements, not <{}>", child.name),
            );
            failed = true;
            continue;
        }
        cx.check_attributes(
            child,
            &[
                "value",
                "expression",
                "evaluator",
                "literal",
                "deepCheck",
                "description",
            ],
        );
        let literal = cx.bool_attr(child, "literal", false).unwrap_or(false);
        let value = match (child.attr("value"), child.attr("expression")) {
            (Some(v), _) => Ok(ArgValue::Literal(v.value.clone())),
            (None, Some(e)) if child.attr_value("evaluator") == Some("json") => {
                JsonPathExpr::parse(&e.value)
                    .map(|p| ArgValue::Expression(Expression::JsonEval(p)))
                    .map_err(|m| cx.diags.error(e.pos, m))
            }
            (None, Some(e)) => cx.expression(child, e).map(ArgValue::Expression),
            (None, None) => Err(cx
                .diags
                .error(child.pos, "<arg> needs a `value` or an `expression`")),
        };
        match value {
            Ok(value) => args.push(Arg { value, literal }),
            Err(Reported) => failed = true,
        }
    }
    if failed { Err(Reported) } else { Ok(args) }
}

/// Splits a format into text and `$n` slots (1-based in the format, 0-based here).
fn split_template(text: &str) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut literal = String::new();
    let mut chars = text.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        if c == '$' {
            let mut digits = String::new();
            while let Some(&(_, d)) = chars.peek()
                && d.is_ascii_digit()
            {
                digits.push(d);
                chars.next();
            }
            match digits.parse::<usize>() {
                Ok(n) if n >= 1 => {
                    pieces.push(Piece::Text(std::mem::take(&mut literal)));
                    pieces.push(Piece::Arg(n - 1));
                }
                _ => {
                    literal.push('$');
                    literal.push_str(&digits);
                }
            }
        } else {
            literal.push(c);
        }
    }
    pieces.push(Piece::Text(literal));
    pieces.retain(|p| !matches!(p, Piece::Text(t) if t.is_empty()));
    pieces
}

#[async_trait]
impl Mediator for PayloadFactoryMediator {
    async fn mediate(&self, ctx: &mut MessageContext) -> Result<Flow, MediationError> {
        let mut values = Vec::with_capacity(self.args.len());
        for arg in &self.args {
            let text = match &arg.value {
                ArgValue::Literal(v) => v.clone(),
                ArgValue::Expression(e) => e.evaluate(ctx)?.unwrap_or_default(),
            };
            let as_json = !arg.literal
                && matches!(arg.value, ArgValue::Expression(Expression::JsonEval(_)))
                && text.trim_start().starts_with(['{', '[']);
            values.push((text, as_json));
        }
        let mut out = String::new();
        for piece in &self.template {
            match piece {
                Piece::Text(t) => out.push_str(t),
                Piece::Arg(i) => {
                    let (text, as_json) = &values[*i];
                    match self.media_type {
                        MediaType::Json if *as_json => out.push_str(text),
                        MediaType::Json => out.push_str(&json_escape(text)),
                        MediaType::Xml => out.push_str(&quick_xml::escape::escape(text.as_str())),
                        MediaType::Text => out.push_str(text),
                    }
                }
            }
        }
        match self.media_type {
            MediaType::Json => {
                let value: serde_json::Value = serde_json::from_str(&out).map_err(|e| {
                    MediationError::internal("Error creating JSON Payload")
                        .with_detail(format!("the payloadFactory result is not valid JSON: {e}"))
                })?;
                ctx.set_json_payload(value);
                ctx.set_axis2_property("messageType", "application/json");
            }
            MediaType::Xml => {
                if replace_soap_body(ctx, &out)? {
                    return Ok(Flow::Continue);
                }
                let content_type = match ctx.content_type() {
                    Some(ct) if ct.contains("soap") || ct.starts_with("text/xml") => ct.to_string(),
                    _ => "application/xml".to_string(),
                };
                ctx.set_body(Bytes::from(out), &content_type);
            }
            MediaType::Text => ctx.set_body(Bytes::from(out), "text/plain"),
        }
        Ok(Flow::Continue)
    }
}

/// On a SOAP message, the new payload replaces the Body's content and the envelope (with its
/// Header) stays, as in Synapse; a format that is itself an envelope replaces the whole
/// message. False when the message is not a SOAP envelope.
fn replace_soap_body(ctx: &mut MessageContext, payload: &str) -> Result<bool, MediationError> {
    let soap = ctx.content_type().is_some_and(|ct| {
        let ct = ct.to_ascii_lowercase();
        ct.starts_with("text/xml") || ct.contains("soap")
    });
    if !soap {
        return Ok(false);
    }
    let doc = ctx.xml_view()?;
    let Some(body) = doc.body().filter(|_| ctx.is_soap_envelope()) else {
        return Ok(false);
    };
    let is_envelope = Document::parse(payload).is_ok_and(|d| d.envelope().is_some());
    let envelope = if is_envelope {
        payload.to_string()
    } else {
        let mut edits = Edits::new();
        edits.add(body, Edit::ReplaceChildren(payload.to_string()));
        doc.to_xml_edited(doc.root(), &edits)
    };
    ctx.set_envelope_xml(&envelope)?;
    Ok(true)
}

/// The inside of a JSON string literal for `text`.
fn json_escape(text: &str) -> String {
    let quoted = serde_json::Value::String(text.to_string()).to_string();
    quoted[1..quoted.len() - 1].to_string()
}

#[cfg(test)]
mod tests {
    use crate::testing::{compile_errors, context_with, mediate};

    #[tokio::test]
    async fn json_formats_insert_values_as_json() {
        let mut ctx = context_with(
            r#"{"id":7,"name":"A \"quoted\" name","tags":["x"],"obj":{"k":1.50}}"#,
            &[],
        );
        mediate(
            &mut ctx,
            r#"<sequence><payloadFactory media-type="json">
                 <format>{"id": $1, "name": "$2", "tags": $3, "obj": $4, "lit": "$5", "cost": "$ $x"}</format>
                 <args>
                   <arg expression="json-eval($.id)"/>
                   <arg evaluator="json" expression="name"/>
                   <arg expression="json-eval($.tags)"/>
                   <arg expression="json-eval($.obj)"/>
                   <arg expression="json-eval($.obj)" literal="true"/>
                 </args>
               </payloadFactory><respond/></sequence>"#,
        )
        .await;
        let response = ctx.take_response().unwrap();
        assert_eq!(response.headers["content-type"], "application/json");
        assert_eq!(
            std::str::from_utf8(&response.body).unwrap(),
            r#"{"id":7,"name":"A \"quoted\" name","tags":["x"],"obj":{"k":1.50},"lit":"{\"k\":1.50}","cost":"$ $x"}"#
        );
    }

    #[tokio::test]
    async fn xml_and_text_formats_escape_for_their_media_type() {
        let mut ctx = context_with(r#"{"q":"a<b & c"}"#, &[]);
        mediate(
            &mut ctx,
            r#"<sequence><payloadFactory media-type="xml">
                 <format><m:q xmlns:m="urn:m">$1</m:q></format>
                 <args><arg expression="json-eval($.q)"/></args>
               </payloadFactory><respond/></sequence>"#,
        )
        .await;
        let response = ctx.take_response().unwrap();
        assert_eq!(response.headers["content-type"], "application/xml");
        assert_eq!(
            std::str::from_utf8(&response.body).unwrap(),
            r#"<m:q xmlns:m="urn:m">a&lt;b &amp; c</m:q>"#
        );

        let mut ctx = context_with(r#"{"q":"a<b"}"#, &[]);
        mediate(&mut ctx, r#"<sequence><payloadFactory media-type="text"><format>q=$1</format><args><arg expression="json-eval($.q)"/></args></payloadFactory><respond/></sequence>"#).await;
        assert_eq!(ctx.take_response().unwrap().body, "q=a<b");
    }

    #[tokio::test]
    async fn xml_formats_declare_the_prefixes_they_take_from_the_config() {
        let mut ctx = context_with(r#"{"s":"IBM"}"#, &[]);
        mediate(
            &mut ctx,
            r#"<sequence xmlns="http://ws.apache.org/ns/synapse" xmlns:q="urn:q"><payloadFactory media-type="xml">
                 <format><q:quote><q:symbol>$1</q:symbol><plain/></q:quote></format>
                 <args><arg expression="json-eval($.s)"/></args>
               </payloadFactory><respond/></sequence>"#,
        )
        .await;
        assert_eq!(
            ctx.take_response().unwrap().body,
            r#"<q:quote xmlns:q="urn:q"><q:symbol>IBM</q:symbol><plain/></q:quote>"#
        );
    }

    #[tokio::test]
    async fn on_a_soap_message_the_envelope_stays() {
        let envelope = |header: &str, payload: &str| {
            format!(
                r#"<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope">{header}<s:Body>{payload}</s:Body></s:Envelope>"#
            )
        };
        let header = r#"<s:Header><t:id xmlns:t="urn:t">7</t:id></s:Header>"#;
        let request = envelope(header, "<ping><n>1</n></ping>");
        let soap12 = [("content-type", "application/soap+xml")];
        let mut ctx = context_with(&request, &soap12);
        mediate(
            &mut ctx,
            r#"<sequence><payloadFactory media-type="xml"><format><pong xmlns="">$1</pong></format>
                 <args><arg expression="//n"/></args></payloadFactory><respond/></sequence>"#,
        )
        .await;
        let response = ctx.take_response().unwrap();
        assert_eq!(response.headers["content-type"], "application/soap+xml");
        assert_eq!(response.body, envelope(header, "<pong>1</pong>"));

        // A format that is an envelope replaces the whole message.
        let mut ctx = context_with(&request, &soap12);
        mediate(
            &mut ctx,
            r#"<sequence><payloadFactory media-type="xml"><format><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><done xmlns=""/></s:Body></s:Envelope></format></payloadFactory><respond/></sequence>"#,
        )
        .await;
        assert_eq!(ctx.take_response().unwrap().body, envelope("", "<done/>"));
    }

    #[test]
    fn deploy_errors() {
        let table = [
            (
                r#"<payloadFactory media-type="yaml"><format/></payloadFactory>"#,
                "unknown media-type",
            ),
            (r#"<payloadFactory media-type="json"/>"#, "needs a <format>"),
            (
                r#"<payloadFactory media-type="json"><format>{"a":$2}</format><args><arg value="1"/></args></payloadFactory>"#,
                "uses $2 but there are only 1",
            ),
            (
                r#"<payloadFactory><format key="conf:/f.xml"/></payloadFactory>"#,
                "`key` are not supported yet",
            ),
            (
                r#"<payloadFactory media-type="json"><format>{}</format><args><arg/></args></payloadFactory>"#,
                "needs a `value` or an `expression`",
            ),
            (
                r#"<payloadFactory template-type="freemarker"><format/></payloadFactory>"#,
                "freemarker",
            ),
        ];
        for (xml, want) in table {
            let errors = compile_errors(xml);
            assert!(errors.iter().any(|e| e.contains(want)), "{xml}: {errors:?}");
        }
    }
}
