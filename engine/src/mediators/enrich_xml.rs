//! `<enrich>` on XML, as Synapse does it: a source gives elements and texts ([`Pieces`]), and
//! a target is a place in the message's XML view, edited with [`Edits`] and written back with
//! [`MessageContext::set_envelope_xml`].
//!
//! | target | replace | child | sibling |
//! |---|---|---|---|
//! | element (XPath) | the element becomes the source elements; a text source becomes its text | elements appended to it | elements added after it |
//! | text node, attribute (XPath) | its text becomes the source text (an element replaces a text node) | as replace | as replace |
//! | body | its first element, as for an XPath element; a JSON object or array given as text becomes the JSON payload | into the first element | after the first element |
//! | envelope | the source must be a SOAP envelope | – | – |
//! | property | the XML text of the elements, or the text | elements appended to an XML property | – |
//!
//! An empty Body takes the source elements as its children whatever the action. With
//! `action="remove"` the nodes an XPath target selects, or those the source selects for a body
//! target, are removed. `clone="false"` moves elements the source took from the message.
//! Elements keep their namespaces: one without a namespace placed below a default namespace
//! gets `xmlns=""`.

use serde_json::Value;

use super::enrich::{Action, EnrichMediator, Source, Target};
use super::enrich_pieces::{Piece, Pieces};
use crate::context::{MessageContext, PropertyValue, axis2};
use crate::error::MediationError;
use crate::xpath::{Document, Edit, Edits, NodeId, NodeKind};

/// The sources only XML can give: the body or envelope of the view, inline XML, an XPath
/// result, a property lookup as text.
pub(super) fn find(m: &EnrichMediator, ctx: &mut MessageContext) -> Result<Pieces, MediationError> {
    Ok(match &m.source {
        Source::InlineXml(xml) => Pieces::element(xml.clone()),
        Source::XPath(xpath) => {
            let (doc, nodes) = xpath.nodes(ctx)?;
            if nodes.is_empty() {
                // Not a node-set (a string, number or boolean), or no nodes.
                let text = xpath.string_value(ctx)?.unwrap_or_default();
                return Ok(match text.is_empty() {
                    true => Pieces::default(),
                    false => Pieces::text(text),
                });
            }
            Pieces::of(&doc, nodes)
        }
        Source::Lookup(expression) => match expression.evaluate(ctx)? {
            Some(text) => Pieces::text(text),
            None => Pieces::default(),
        },
        Source::Envelope => {
            let doc = ctx.xml_view()?;
            Pieces::of(&doc, doc.document_element().into_iter().collect())
        }
        _ => {
            let doc = ctx.xml_view()?;
            Pieces::of(&doc, doc.payload().into_iter().collect())
        }
    })
}

/// Puts XML pieces into the target. `xml` tells whether the message is XML.
pub(super) fn put(
    m: &EnrichMediator,
    ctx: &mut MessageContext,
    xml: bool,
    pieces: Pieces,
) -> Result<(), MediationError> {
    if let Target::Property(name) = &m.target {
        put_property(ctx, name, m.action, &pieces);
        return Ok(());
    }
    if pieces.items.is_empty() {
        tracing::warn!(
            mediator = "enrich",
            "the source is empty; nothing to enrich with"
        );
        return Ok(());
    }
    match &m.target {
        Target::Envelope => {
            let envelope = match pieces.items.first() {
                Some(Piece::Element(e))
                    if Document::parse(e).is_ok_and(|d| d.envelope().is_some()) =>
                {
                    e
                }
                _ => {
                    return Err(MediationError::internal("enrich needs a SOAP envelope")
                        .with_detail(
                            "the envelope target takes a source holding a SOAP Envelope",
                        ));
                }
            };
            ctx.xml_view()?;
            ctx.set_envelope_xml(envelope)
        }
        Target::Body => put_body(m, ctx, xml, &pieces),
        Target::XPath(_) if !xml => Err(not_on_json(ctx)),
        Target::XPath(xpath) => {
            let (doc, nodes) = xpath.nodes(ctx)?;
            let Some(&target) = nodes.first() else {
                return Err(MediationError::internal("enrich target not found")
                    .with_detail(format!("`{}` selects nothing in the message", xpath.text())));
            };
            let mut edits = moved(m, &pieces);
            place(&doc, target, m.action, &pieces, &mut edits)?;
            write(ctx, &doc, &edits)
        }
        Target::Path(_) | Target::Property(_) => unreachable!("handled by the caller"),
    }
}

fn put_property(ctx: &mut MessageContext, name: &str, action: Action, pieces: &Pieces) {
    if action == Action::Child
        && let Some(PropertyValue::String(current)) = ctx.property(name)
        && let Ok(doc) = Document::parse(current)
        && let Some(root) = doc.document_element()
    {
        let mut edits = Edits::new();
        edits.add(
            root,
            Edit::AppendChildren(pieces.elements_below(&doc, root)),
        );
        let xml = doc.to_xml_edited(root, &edits);
        ctx.set_property(name, PropertyValue::String(xml));
        return;
    }
    ctx.set_property(name, PropertyValue::String(pieces.to_property()));
}

fn put_body(
    m: &EnrichMediator,
    ctx: &mut MessageContext,
    xml: bool,
    pieces: &Pieces,
) -> Result<(), MediationError> {
    if m.action == Action::Replace
        && let Some(Piece::Text(text)) = pieces.items.first()
        && let Ok(json @ (Value::Object(_) | Value::Array(_))) = serde_json::from_str(text)
    {
        ctx.set_json_payload(json);
        if xml {
            ctx.set_axis2_property(axis2::MESSAGE_TYPE, "application/json");
        }
        return Ok(());
    }
    if !xml && m.action != Action::Replace {
        return Err(not_on_json(ctx));
    }
    if !xml && !pieces.has_elements() {
        ctx.set_json_payload(Value::String(pieces.texts()));
        return Ok(());
    }
    let doc = ctx.xml_view()?;
    let body = doc
        .body()
        .ok_or_else(|| MediationError::internal("the SOAP envelope has no Body"))?;
    let mut edits = moved(m, pieces);
    match doc.payload() {
        Some(first) => place(&doc, first, m.action, pieces, &mut edits)?,
        None if pieces.has_elements() => {
            edits.add(
                body,
                Edit::AppendChildren(pieces.elements_below(&doc, body)),
            );
        }
        None => {
            tracing::warn!(mediator = "enrich", "text cannot go into an empty Body");
            return Ok(());
        }
    }
    write(ctx, &doc, &edits)
}

/// The edits that put `pieces` at `target` (an element, text node or attribute).
fn place(
    doc: &Document,
    target: NodeId,
    action: Action,
    pieces: &Pieces,
    edits: &mut Edits,
) -> Result<(), MediationError> {
    let parent = doc.parent(target).unwrap_or_else(|| doc.root());
    let around = || pieces.elements_below(doc, parent);
    let is_element = doc.kind(target) == NodeKind::Element;
    if is_element && action != Action::Replace && !pieces.has_elements() {
        tracing::warn!(
            mediator = "enrich",
            "only elements can be added as a child or sibling"
        );
        return Ok(());
    }
    let edit = match (doc.kind(target), action) {
        (NodeKind::Element, Action::Replace) if pieces.has_elements() => Edit::Replace(around()),
        (NodeKind::Element, Action::Replace) => {
            let text = pieces.last_text().unwrap_or_default();
            Edit::ReplaceChildren(quick_xml::escape::escape(text).into_owned())
        }
        (NodeKind::Element, Action::Child) => {
            Edit::AppendChildren(pieces.elements_below(doc, target))
        }
        (NodeKind::Element, _) => Edit::InsertAfter(around()),
        (NodeKind::Text | NodeKind::Attribute, _) => match &pieces.items[0] {
            Piece::Text(text) => Edit::SetText(text.clone()),
            Piece::Element(_) if doc.kind(target) == NodeKind::Text => Edit::Replace(around()),
            Piece::Element(_) => {
                return Err(MediationError::internal(
                    "enrich cannot put an element into an attribute",
                )
                .with_detail("select text for an attribute target"));
            }
        },
        (kind, _) => {
            return Err(
                MediationError::internal("invalid enrich target").with_detail(format!(
                    "the target is a {kind:?} node; select an element, a text node or an attribute"
                )),
            );
        }
    };
    edits.add(target, edit);
    Ok(())
}

/// `action="remove"`: the nodes the XPath target selects, or those the source selects for the
/// body, leave the message.
pub(super) fn remove(
    m: &EnrichMediator,
    ctx: &mut MessageContext,
    xml: bool,
) -> Result<(), MediationError> {
    let ((Target::XPath(xpath), _) | (Target::Body, Source::XPath(xpath))) = (&m.target, &m.source)
    else {
        unreachable!("the factory allows remove only with these");
    };
    if !xml {
        return Err(not_on_json(ctx));
    }
    let (doc, nodes) = xpath.nodes(ctx)?;
    let mut edits = Edits::new();
    for node in nodes {
        edits.add(node, Edit::Remove);
    }
    write(ctx, &doc, &edits)
}

/// `clone="false"`: the elements the source took from the message leave their place.
fn moved(m: &EnrichMediator, pieces: &Pieces) -> Edits {
    let mut edits = Edits::new();
    if !m.clone {
        for &node in &pieces.nodes {
            edits.add(node, Edit::Remove);
        }
    }
    edits
}

fn write(ctx: &mut MessageContext, doc: &Document, edits: &Edits) -> Result<(), MediationError> {
    if edits.is_empty() {
        return Ok(());
    }
    ctx.set_envelope_xml(&doc.to_xml_edited(doc.root(), edits))
}

/// An XPath or envelope edit on a message that is not XML would turn its JSON into XML.
fn not_on_json(ctx: &MessageContext) -> MediationError {
    let kind = ctx.content_type().unwrap_or("without a body");
    MediationError::internal("enrich cannot edit this message as XML").with_detail(format!(
        "the message is {kind}, not XML, and stays as it is; use a json-eval target such as \
         json-eval($.order.status), or type=\"body\" / type=\"property\""
    ))
}

#[cfg(test)]
mod tests {
    use crate::context::MessageContext;
    use crate::testing::{context_with, mediate, mediate_result};

    fn message(content_type: &str, body: &str) -> MessageContext {
        let mut ctx = context_with(body, &[]);
        ctx.set_header("content-type", content_type).unwrap();
        ctx
    }

    /// Runs each `enrich children => body afterwards` line of `cases` on `body`; the body
    /// afterwards is written without the `around` it starts and ends with.
    async fn check(content_type: &str, body: &str, around: (&str, &str), cases: &str) {
        let setup = r#"<property name="extra"><e xmlns="">1</e><f/></property>
            <property name="plain" value="&lt;hi&gt;"/>"#;
        for case in cases.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let (enrich, want) = case.split_once(" => ").expect("`enrich => body`");
            let mut ctx = message(content_type, body);
            let seq = format!("<sequence>{setup}<enrich>{enrich}</enrich></sequence>");
            mediate(&mut ctx, &seq).await;
            assert_eq!(
                ctx.payload_text(),
                format!("{}{want}{}", around.0, around.1),
                "{enrich}"
            );
        }
    }

    const ORDER: &str =
        r#"<order tier="tin"><id>7</id><items><item>a</item></items><note/></order>"#;

    #[tokio::test]
    async fn sources_and_targets_on_plain_xml() {
        let cases = r#"
            <source xpath="//id"/><target xpath="//note" action="child"/> => <order tier="tin"><id>7</id><items><item>a</item></items><note><id>7</id></note></order>
            <source xpath="//id"/><target xpath="//items" action="sibling"/> => <order tier="tin"><id>7</id><items><item>a</item></items><id>7</id><note/></order>
            <source xpath="//item"/><target xpath="//note"/> => <order tier="tin"><id>7</id><items><item>a</item></items><item>a</item></order>
            <source xpath="//id/text()"/><target xpath="//note"/> => <order tier="tin"><id>7</id><items><item>a</item></items><note>7</note></order>
            <source xpath="concat('#', //id)"/><target xpath="//item/text()"/> => <order tier="tin"><id>7</id><items><item>#7</item></items><note/></order>
            <source type="inline">gold &amp; more</source><target xpath="$body/order/@tier"/> => <order tier="gold &amp; more"><id>7</id><items><item>a</item></items><note/></order>
            <source type="inline">x</source><target xpath="//items | //@tier" action="remove"/> => <order><id>7</id><note/></order>
            <source xpath="//note"/><target type="body" action="remove"/> => <order tier="tin"><id>7</id><items><item>a</item></items></order>
            <source clone="false" xpath="//id"/><target xpath="//note" action="child"/> => <order tier="tin"><items><item>a</item></items><note><id>7</id></note></order>
            <source type="inline"><done/></source><target type="body"/> => <done/>
            <source type="inline"><done/></source><target type="body" action="child"/> => <order tier="tin"><id>7</id><items><item>a</item></items><note/><done/></order>
            <source type="inline"><done/></source><target type="body" action="sibling"/> => <order tier="tin"><id>7</id><items><item>a</item></items><note/></order><done/>
            <source type="body"/><target type="property" property="p"/></enrich><enrich><source type="inline"><x/></source><target type="body"/></enrich><enrich><source type="property" property="p"/><target xpath="//x" action="child"/> => <x><order tier="tin"><id>7</id><items><item>a</item></items><note/></order></x>
            <source type="property" property="extra"/><target xpath="//note" action="child"/> => <order tier="tin"><id>7</id><items><item>a</item></items><note><e>1</e><f/></note></order>
            <source type="property" property="plain"/><target xpath="//note"/> => <order tier="tin"><id>7</id><items><item>a</item></items><note>&lt;hi&gt;</note></order>
            <source xpath="$ctx:plain"/><target type="body"/> => <order tier="tin">&lt;hi&gt;</order>
            <source type="inline"><list/></source><target type="property" property="l"/></enrich><enrich><source xpath="//item"/><target type="property" property="l" action="child"/></enrich><enrich><source type="property" property="l"/><target xpath="//items"/> => <order tier="tin"><id>7</id><list><item>a</item></list><note/></order>
            <source type="envelope"/><target type="property" property="p"/></enrich><enrich><source xpath="starts-with($ctx:p, '&lt;soapenv:Envelope')"/><target xpath="//note"/> => <order tier="tin"><id>7</id><items><item>a</item></items><note>true</note></order>
        "#;
        check("application/xml", ORDER, ("", ""), cases).await;
    }

    #[tokio::test]
    async fn sources_and_targets_on_soap_11() {
        let open =
            r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">"#;
        let quote = r#"<m:getQuote xmlns:m="urn:q"><m:symbol>IBM</m:symbol></m:getQuote>"#;
        let envelope = format!(
            "{open}<soapenv:Header/><soapenv:Body>{quote}</soapenv:Body></soapenv:Envelope>"
        );
        let cases = r#"
            <source type="inline"><m:price xmlns:m="urn:q">9</m:price></source><target xmlns:m="urn:q" xpath="//m:getQuote" action="child"/> => <soapenv:Header/><soapenv:Body><m:getQuote xmlns:m="urn:q"><m:symbol>IBM</m:symbol><m:price xmlns:m="urn:q">9</m:price></m:getQuote></soapenv:Body>
            <source xmlns:m="urn:q" xpath="//m:symbol"/><target xmlns:m="urn:q" xpath="//m:getQuote" action="sibling"/> => <soapenv:Header/><soapenv:Body><m:getQuote xmlns:m="urn:q"><m:symbol>IBM</m:symbol></m:getQuote><m:symbol xmlns:m="urn:q">IBM</m:symbol></soapenv:Body>
            <source type="inline"><pong xmlns="urn:p"/></source><target type="body"/> => <soapenv:Header/><soapenv:Body><pong xmlns="urn:p"/></soapenv:Body>
            <source type="inline"><h:t xmlns:h="urn:h">1</h:t></source><target xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xpath="//s:Header" action="child"/> => <soapenv:Header><h:t xmlns:h="urn:h">1</h:t></soapenv:Header><soapenv:Body><m:getQuote xmlns:m="urn:q"><m:symbol>IBM</m:symbol></m:getQuote></soapenv:Body>
            <source type="envelope"/><target type="property" property="env"/></enrich><enrich><source type="inline"><x/></source><target type="body"/></enrich><enrich><source type="property" property="env"/><target type="envelope"/> => <soapenv:Header/><soapenv:Body><m:getQuote xmlns:m="urn:q"><m:symbol>IBM</m:symbol></m:getQuote></soapenv:Body>
        "#;
        check("text/xml", &envelope, (open, "</soapenv:Envelope>"), cases).await;
        // An element without a namespace does not fall into a default namespace in scope.
        let soap = r#"<Envelope xmlns="http://schemas.xmlsoap.org/soap/envelope/"><Body><q:a xmlns:q="urn:q"/></Body></Envelope>"#;
        let case = r#"<source type="inline"><x><y/></x></source><target type="body" action="child"/> => <Envelope xmlns="http://schemas.xmlsoap.org/soap/envelope/"><Body><q:a xmlns:q="urn:q"><x xmlns=""><y/></x></q:a></Body></Envelope>"#;
        check("text/xml", soap, ("", ""), case).await;
    }

    #[tokio::test]
    async fn json_text_into_an_xml_body_makes_it_json() {
        let mut ctx = message("application/xml", ORDER);
        let seq = r#"<sequence><enrich><source type="inline">{"a": [1]}</source><target type="body"/></enrich></sequence>"#;
        mediate(&mut ctx, seq).await;
        assert_eq!(ctx.payload_text(), r#"{"a":[1]}"#);
        assert_eq!(ctx.content_type(), Some("application/json"));
    }

    #[tokio::test]
    async fn runtime_errors_are_precise() {
        let cases = r#"
            <source type="inline">x</source><target xpath="//missing"/> => `//missing` selects nothing
            <source type="inline"><x/></source><target xpath="//@tier"/> => cannot put an element into an attribute
            <source type="inline"><x/></source><target type="envelope"/> => needs a SOAP envelope
            <source type="inline">1</source><target xpath="json-eval($.a)"/> => json-eval path on an XML message
        "#;
        for case in cases.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let (enrich, want) = case.split_once(" => ").unwrap();
            let mut ctx = message("application/xml", ORDER);
            let seq = format!("<sequence><enrich>{enrich}</enrich></sequence>");
            let err = mediate_result(&mut ctx, &seq).await.unwrap_err();
            let text = format!("{} {}", err.message, err.detail);
            assert!(text.contains(want), "{enrich}: {text}");
        }
    }
}
