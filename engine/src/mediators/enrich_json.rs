//! Running `<enrich>`: choosing between JSON and XML for the message at hand, evaluating the
//! source, and the native JSON side (JSON values into the body, a property or a definite
//! json-eval path). The XML side is [`super::enrich_xml`].

use async_trait::async_trait;
use serde_json::Value;

use super::enrich::{Action, EnrichMediator, Source, Target};
use super::enrich_pieces::Pieces;
use super::enrich_xml;
use super::{Flow, Mediator};
use crate::context::{MessageContext, PropertyValue};
use crate::error::MediationError;
use crate::expr::json_path::{PathStep, definite_steps, string_value};

/// True when the message is XML (Synapse's envelope), so enrich edits it as XML.
pub(super) fn is_xml_message(ctx: &MessageContext) -> bool {
    ctx.content_type()
        .is_some_and(|c| c.to_ascii_lowercase().contains("xml"))
}

/// Text from a property or local entry, as JSON: parsed, else a JSON string.
pub(super) fn json_of_text(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_string()))
}

/// What a source gives: JSON (on a message that is not XML), or XML pieces.
pub(super) enum Found {
    Json(Value),
    Xml(Pieces),
}

#[async_trait]
impl Mediator for EnrichMediator {
    async fn mediate(&self, ctx: &mut MessageContext) -> Result<Flow, MediationError> {
        self.run(ctx)?;
        // As in Synapse (product-ei#3586): an enriched body is sent even after NO_ENTITY_BODY.
        if matches!(self.target, Target::Body | Target::Envelope) {
            ctx.remove_axis2_property("NO_ENTITY_BODY");
        }
        Ok(Flow::Continue)
    }
}

impl EnrichMediator {
    fn run(&self, ctx: &mut MessageContext) -> Result<(), MediationError> {
        let xml = is_xml_message(ctx);
        let json_on_xml = || {
            MediationError::internal("enrich cannot use a json-eval path on an XML message")
                .with_detail("the message is XML, not JSON; use an XPath instead")
        };
        if xml && matches!(self.target, Target::Path(_)) {
            return Err(json_on_xml());
        }
        if self.action == Action::Remove && !matches!(self.target, Target::Path(_)) {
            let Source::Path(path) = &self.source else {
                return enrich_xml::remove(self, ctx, xml);
            };
            // Synapse's form: the source names what to remove from the body.
            if xml {
                return Err(json_on_xml());
            }
            let steps = definite_steps(path).unwrap_or_default();
            if let Some(mut body) = ctx.json_payload()?.cloned() {
                apply(&mut body, &steps, Action::Remove, Value::Null)
                    .map_err(|why| MediationError::internal("enrich failed").with_detail(why))?;
                ctx.set_json_payload(body);
            }
            return Ok(());
        }
        match self.find(ctx, xml)? {
            Found::Json(value) => self.put_json(ctx, value),
            Found::Xml(pieces) if matches!(self.target, Target::Path(_)) => {
                self.put_json(ctx, pieces.to_json()?)
            }
            Found::Xml(pieces) => enrich_xml::put(self, ctx, xml, pieces),
        }
    }

    /// Evaluates the source. On an XML message every value is XML (text for JSON values).
    fn find(&self, ctx: &mut MessageContext, xml: bool) -> Result<Found, MediationError> {
        let json = |value: Value| match xml {
            true => Found::Xml(Pieces::text(string_value(&value))),
            false => Found::Json(value),
        };
        // Text from a property or local entry: XML when it holds elements (an OM property),
        // unless it goes into JSON (a json-eval path, a property) where it stays text.
        let to_json = matches!(self.target, Target::Path(_) | Target::Property(_));
        let text = |text: &str| match Pieces::parse(text) {
            Some(pieces) if xml || !to_json => Found::Xml(pieces),
            _ if xml => Found::Xml(Pieces::text(text.to_string())),
            _ => Found::Json(json_of_text(text)),
        };
        Ok(match &self.source {
            Source::Body if !xml => {
                Found::Json(ctx.json_payload()?.cloned().unwrap_or(Value::Null))
            }
            Source::Inline { json: value, .. } if !xml => Found::Json(value.clone()),
            Source::Inline { text, .. } => Found::Xml(Pieces::text(text.clone())),
            Source::Path(path) => match path.select(ctx.json_payload()?) {
                Some(value) => json(value),
                None if xml => Found::Xml(Pieces::default()),
                None => Found::Json(Value::Null),
            },
            Source::Property(name) => match ctx.property(name) {
                Some(PropertyValue::Json(value)) => json(value.clone()),
                Some(other) => text(&other.to_string()),
                None if xml => Found::Xml(Pieces::default()),
                None => Found::Json(Value::Null),
            },
            Source::Entry(key) => match ctx.deployment().local_entry(key) {
                Some(entry) => text(entry),
                None => {
                    return Err(MediationError::internal("enrich source not found")
                        .with_detail(format!("there is no local entry `{key}`")));
                }
            },
            _ => Found::Xml(enrich_xml::find(self, ctx)?),
        })
    }

    /// Puts a JSON value (found on a message that is not XML) into the target.
    fn put_json(&self, ctx: &mut MessageContext, value: Value) -> Result<(), MediationError> {
        match &self.target {
            Target::Property(name) => ctx.set_property(name.clone(), PropertyValue::Json(value)),
            Target::Body if self.action == Action::Sibling => {
                return Err(
                    MediationError::internal("enrich cannot add a sibling to a JSON body")
                        .with_detail("a JSON payload has one root; use child to add to it"),
                );
            }
            Target::Body => {
                let body = match self.action {
                    Action::Child => {
                        let mut body = ctx.json_payload()?.cloned().unwrap_or(Value::Null);
                        add_child(&mut body, value);
                        body
                    }
                    _ => value,
                };
                ctx.set_json_payload(body);
            }
            Target::Path(steps) => {
                let mut body = ctx
                    .json_payload()?
                    .cloned()
                    .unwrap_or_else(|| Value::Object(Default::default()));
                apply(&mut body, steps, self.action, value)
                    .map_err(|why| MediationError::internal("enrich failed").with_detail(why))?;
                ctx.set_json_payload(body);
            }
            Target::Envelope | Target::XPath(_) => {
                let pieces = Pieces::text(string_value(&value));
                return enrich_xml::put(self, ctx, false, pieces);
            }
        }
        Ok(())
    }
}

/// Appends to an array, merges into an object, or turns a scalar into an array of both.
fn add_child(node: &mut Value, value: Value) {
    match (node, value) {
        (Value::Array(items), v) => items.push(v),
        (Value::Object(map), Value::Object(more)) => map.extend(more),
        (node, v) => {
            let old = node.take();
            *node = if old.is_null() {
                v
            } else {
                Value::Array(vec![old, v])
            };
        }
    }
}

fn apply(body: &mut Value, steps: &[PathStep], action: Action, value: Value) -> Result<(), String> {
    let Some((last, parents)) = steps.split_last() else {
        return Err("the target is the whole payload; use type=\"body\"".into());
    };
    let mut node = body;
    for step in parents {
        match step.descend(node, action != Action::Remove) {
            Some(next) => node = next,
            // Nothing there to remove.
            None if action == Action::Remove => return Ok(()),
            None => return Err(format!("no place at `{step}` to put the value")),
        }
    }
    match action {
        Action::Replace => {
            *last
                .descend(node, true)
                .ok_or_else(|| format!("cannot set `{last}`"))? = value;
        }
        Action::Child => add_child(
            last.descend(node, true)
                .ok_or_else(|| format!("cannot reach `{last}`"))?,
            value,
        ),
        Action::Sibling => match node {
            Value::Array(items) => items.push(value),
            _ => {
                return Err(format!(
                    "`{last}` is not inside an array, so it has no siblings to add to"
                ));
            }
        },
        Action::Remove => last.remove(node),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use bytes::Bytes;
    use http::{HeaderMap, HeaderValue, Method};

    use crate::config::source::SourceFile;
    use crate::context::MessageContext;
    use crate::deploy::{Deployment, compile_source};
    use crate::registry::Registry;
    use crate::services::{EngineServices, Settings};
    use crate::testing::{context_with, mediate, mediate_result};

    async fn enriched(body: &str, xml: &str) -> String {
        let mut ctx = context_with(body, &[]);
        mediate(&mut ctx, &format!("<sequence>{xml}<respond/></sequence>")).await;
        String::from_utf8(ctx.take_response().unwrap().body.to_vec()).unwrap()
    }

    #[tokio::test]
    async fn json_sources_and_targets() {
        let table = [
            (
                r#"{"a":1}"#,
                r#"<enrich><source type="inline">{"b":2}</source><target xpath="json-eval($.x)"/></enrich>"#,
                r#"{"a":1,"x":{"b":2}}"#,
            ),
            (
                r#"{"a":{"b":1}}"#,
                r#"<enrich><source xpath="json-eval($.a)"/><target xpath="json-eval($.copy.inner)"/></enrich>"#,
                r#"{"a":{"b":1},"copy":{"inner":{"b":1}}}"#,
            ),
            (
                r#"{"l":[1]}"#,
                r#"<enrich><source type="inline">2</source><target xpath="json-eval($.l)" action="child"/></enrich>"#,
                r#"{"l":[1,2]}"#,
            ),
            (
                r#"{"l":[1]}"#,
                r#"<enrich><source type="inline">3</source><target xpath="json-eval($.l[0])" action="sibling"/></enrich>"#,
                r#"{"l":[1,3]}"#,
            ),
            (
                r#"{"a":1,"b":2}"#,
                r#"<enrich><source type="inline">0</source><target xpath="json-eval($.b)" action="remove"/></enrich>"#,
                r#"{"a":1}"#,
            ),
            (
                r#"{"a":1}"#,
                r#"<enrich><source type="body"/><target type="property" property="saved"/></enrich><enrich><source type="inline">{"z":0}</source><target type="body"/></enrich><enrich><source type="property" property="saved"/><target xpath="json-eval($.saved)"/></enrich>"#,
                r#"{"z":0,"saved":{"a":1}}"#,
            ),
            (
                r#"{"a":{"b":1,"c":2}}"#,
                r#"<enrich><source clone="false" xpath="json-eval($.a.b)"/><target type="body" action="remove"/></enrich>"#,
                r#"{"a":{"c":2}}"#,
            ),
            (
                r#"{"q":{"symbol":"IBM"}}"#,
                r#"<enrich><source xpath="//q/symbol/text()"/><target xpath="json-eval($.s)"/></enrich>"#,
                r#"{"q":{"symbol":"IBM"},"s":"IBM"}"#,
            ),
            (
                r#"{"a":1}"#,
                r#"<enrich><source type="inline"><x>1</x></source><target xpath="get-property('p')"/></enrich><enrich><source xpath="$ctx:p"/><target xpath="json-eval($.p)"/></enrich>"#,
                r#"{"a":1,"p":"<x>1</x>"}"#,
            ),
            (
                r#"{}"#,
                r#"<enrich><source type="inline">{"issue":"x","v":"a \"b\""}</source><target xpath="json-eval($)" action="child"/></enrich>"#,
                r#"{"issue":"x","v":"a \"b\""}"#,
            ),
            (
                r#"{"a":1}"#,
                r#"<property name="NO_ENTITY_BODY" value="true" scope="axis2"/><enrich><source type="inline">{"b":2}</source><target type="body"/></enrich>"#,
                r#"{"b":2}"#,
            ),
        ];
        for (body, xml, want) in table {
            assert_eq!(enriched(body, xml).await, want, "{xml}");
        }
    }

    #[tokio::test]
    async fn an_xpath_source_turns_a_json_request_into_xml() {
        let mut ctx = context_with(r#"{"getQuote":{"symbol":"IBM"}}"#, &[]);
        let seq = r#"<sequence><enrich><source xpath="//jsonObject/getQuote"/><target type="body"/></enrich>
            <property name="messageType" value="text/xml" scope="axis2"/></sequence>"#;
        mediate(&mut ctx, seq).await;
        assert_eq!(
            ctx.payload_text(),
            "<getQuote><symbol>IBM</symbol></getQuote>"
        );
        assert_eq!(ctx.content_type(), Some("text/xml"));
    }

    #[tokio::test]
    async fn json_is_never_edited_as_xml() {
        let table = [
            (
                r#"<source type="inline">x</source><target xpath="//a"/>"#,
                "cannot edit this message as XML",
            ),
            (
                r#"<source type="inline"><x/></source><target type="body" action="child"/>"#,
                "cannot edit this message as XML",
            ),
            (
                r#"<source xpath="//a"/><target type="body" action="remove"/>"#,
                "use a json-eval target",
            ),
            (
                r#"<source xpath="//a"/><target xpath="json-eval($.b)"/>"#,
                "cannot put XML into a json-eval target",
            ),
        ];
        for (enrich, want) in table {
            let mut ctx = context_with(r#"{"a":{"b":1}}"#, &[]);
            let seq = format!("<sequence><enrich>{enrich}</enrich></sequence>");
            let err = mediate_result(&mut ctx, &seq).await.unwrap_err();
            let text = format!("{} {}", err.message, err.detail);
            assert!(text.contains(want), "{enrich}: {text}");
        }
    }

    /// A message to a deployment holding these local entries.
    fn with_entries(content_type: &'static str, body: &str) -> MessageContext {
        let entries = r#"<definitions xmlns="http://ws.apache.org/ns/synapse">
            <localEntry key="status"><status><code>ok</code></status></localEntry>
            <localEntry key="defaults">{"retries": 3}</localEntry></definitions>"#;
        let registry = Registry::builder().builtin_mediators().build();
        let file = compile_source(&registry, SourceFile::new("entries.xml", entries));
        let mut headers = HeaderMap::new();
        headers.insert("content-type", HeaderValue::from_static(content_type));
        MessageContext::new(
            Arc::new(EngineServices::in_memory(Settings::default()).unwrap()),
            Arc::new(Deployment::from_files(vec![file])),
            Method::POST,
            "/services/test".into(),
            headers,
            Bytes::copy_from_slice(body.as_bytes()),
        )
    }

    #[tokio::test]
    async fn inline_sources_from_local_entries() {
        let mut ctx = with_entries("application/json", r#"{"a":1}"#);
        let seq = r#"<sequence>
            <enrich><source type="inline" key="defaults"/><target xpath="json-eval($.config)"/></enrich>
            <enrich><source type="inline" key="status"/><target type="property" property="s"/></enrich>
        </sequence>"#;
        mediate(&mut ctx, seq).await;
        assert_eq!(ctx.payload_text(), r#"{"a":1,"config":{"retries":3}}"#);
        assert_eq!(
            ctx.property("s").unwrap().to_string(),
            "<status><code>ok</code></status>"
        );

        let mut ctx = with_entries("application/xml", "<order/>");
        let seq = r#"<sequence><enrich><source type="inline" key="status"/><target type="body" action="child"/></enrich></sequence>"#;
        mediate(&mut ctx, seq).await;
        assert_eq!(
            ctx.payload_text(),
            "<order><status><code>ok</code></status></order>"
        );
        let seq = r#"<sequence><enrich><source type="inline" key="nope"/><target type="body"/></enrich></sequence>"#;
        let err = mediate_result(&mut ctx, seq).await.unwrap_err();
        assert!(err.detail.contains("no local entry `nope`"), "{err:?}");
    }
}
