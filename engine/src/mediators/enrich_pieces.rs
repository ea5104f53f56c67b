//! The XML side of an `<enrich>` source: [`Pieces`], the elements and texts a source gives
//! (from the message's XML view, an OM property or a local entry), and inline XML compiled
//! from the config.

use serde_json::Value as Json;

use crate::compile::CompileCx;
use crate::config::xml::{Element, SYNAPSE_NS};
use crate::error::{MediationError, Reported};
use crate::xpath::{Document, NodeId, NodeKind};

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Piece {
    /// An element, serialised with the namespace declarations it needs.
    Element(String),
    Text(String),
}

/// What a source gives in XML terms.
#[derive(Debug, Default)]
pub(super) struct Pieces {
    pub items: Vec<Piece>,
    /// The elements of the message's XML view the pieces were taken from (`clone="false"`).
    pub nodes: Vec<NodeId>,
}

impl Pieces {
    pub fn element(xml: String) -> Pieces {
        Pieces {
            items: vec![Piece::Element(xml)],
            nodes: Vec::new(),
        }
    }

    pub fn text(text: String) -> Pieces {
        Pieces {
            items: vec![Piece::Text(text)],
            nodes: Vec::new(),
        }
    }

    /// XML text holding elements (an OM property, a local entry); `None` for plain text.
    pub fn parse(text: &str) -> Option<Pieces> {
        let mut text = text.trim();
        if text.starts_with("<?xml") {
            text = text.split_once("?>")?.1;
        }
        if !text.trim_start().starts_with('<') {
            return None;
        }
        let doc = Document::parse(&format!("<fragment>{text}</fragment>")).ok()?;
        let items: Vec<Piece> = doc
            .children(doc.document_element()?)
            .filter_map(|c| match doc.kind(c) {
                NodeKind::Element => Some(Piece::Element(doc.to_xml(c))),
                NodeKind::Text if !doc.value(c).trim().is_empty() => {
                    Some(Piece::Text(doc.value(c)))
                }
                _ => None,
            })
            .collect();
        items
            .iter()
            .any(|p| matches!(p, Piece::Element(_)))
            .then_some(Pieces {
                items,
                nodes: Vec::new(),
            })
    }

    /// The pieces of nodes of `doc`: elements, and the text of text and attribute nodes.
    pub fn of(doc: &Document, nodes: Vec<NodeId>) -> Pieces {
        let mut pieces = Pieces::default();
        for node in nodes {
            let node = match doc.kind(node) {
                NodeKind::Root => doc.document_element().unwrap_or(node),
                _ => node,
            };
            match doc.kind(node) {
                NodeKind::Element => {
                    pieces.items.push(Piece::Element(doc.to_xml(node)));
                    pieces.nodes.push(node);
                }
                NodeKind::Text | NodeKind::Attribute => {
                    pieces.items.push(Piece::Text(doc.value(node)));
                }
                _ => {}
            }
        }
        pieces
    }

    pub fn has_elements(&self) -> bool {
        self.items.iter().any(|p| matches!(p, Piece::Element(_)))
    }

    pub fn texts(&self) -> String {
        let texts = self.items.iter().filter_map(|p| match p {
            Piece::Text(t) => Some(t.as_str()),
            Piece::Element(_) => None,
        });
        texts.collect()
    }

    /// The text Synapse puts into an element: that of the last text piece.
    pub fn last_text(&self) -> Option<&str> {
        self.items.iter().rev().find_map(|p| match p {
            Piece::Text(t) => Some(t.as_str()),
            Piece::Element(_) => None,
        })
    }

    /// The elements, serialised to go below `parent` of `doc`: an element without a namespace
    /// must not fall into a default namespace declared there.
    pub fn elements_below(&self, doc: &Document, parent: NodeId) -> String {
        let default_ns = doc.kind(parent) == NodeKind::Element
            && doc
                .namespaces_in_scope(parent)
                .iter()
                .any(|(p, _)| p.is_empty());
        let mut out = String::new();
        for piece in &self.items {
            if let Piece::Element(xml) = piece {
                let tag = &xml[..xml.find('>').unwrap_or(xml.len())];
                match xml[1..].find(|c: char| c.is_whitespace() || c == '/' || c == '>') {
                    Some(at) if default_ns && !tag.contains(" xmlns=\"") => {
                        out.push_str(&xml[..=at]);
                        out.push_str(" xmlns=\"\"");
                        out.push_str(&xml[at + 1..]);
                    }
                    _ => out.push_str(xml),
                }
            }
        }
        out
    }

    /// As a property value: the XML of the elements (an OM property), or the text.
    pub fn to_property(&self) -> String {
        if !self.has_elements() {
            return self.texts();
        }
        let xml = self.items.iter().map(|p| match p {
            Piece::Element(xml) => xml.clone(),
            Piece::Text(t) => quick_xml::escape::escape(t.as_str()).into_owned(),
        });
        xml.collect()
    }

    /// As a JSON value for a json-eval target: text only.
    pub fn to_json(&self) -> Result<Json, MediationError> {
        if self.has_elements() {
            return Err(
                MediationError::internal("enrich cannot put XML into a json-eval target")
                    .with_detail("select text (.../text()) or use a json-eval source"),
            );
        }
        Ok(Json::String(self.texts()))
    }
}

/// Compiles an inline XML source: its first element, with the namespace declarations in scope
/// on the config (the Synapse default namespace counts as none: `<a/>` in a config is `<a/>`).
pub(super) fn inline_xml(el: &Element, cx: &mut CompileCx<'_>) -> Result<String, Reported> {
    let source = cx.diags.source().clone();
    let mut decls: Vec<(&str, &str)> = Vec::new();
    for (prefix, uri) in el.namespaces_in_scope.iter() {
        decls.retain(|(p, _)| p != prefix);
        decls.push((prefix, uri));
    }
    let mut wrapper = String::from("<enrich-inline");
    for (prefix, uri) in decls {
        if prefix == "xml" || uri.is_empty() || (prefix.is_empty() && uri == SYNAPSE_NS) {
            continue;
        }
        let colon = if prefix.is_empty() { "" } else { ":" };
        let uri = quick_xml::escape::escape(uri);
        wrapper.push_str(&format!(" xmlns{colon}{prefix}=\"{uri}\""));
    }
    let inner = el.inner_source(&source.text);
    let doc = Document::parse(&format!("{wrapper}>{inner}</enrich-inline>")).map_err(|e| {
        cx.diags
            .error(el.pos, format!("inline XML cannot be read: {e}"))
    })?;
    let root = doc.document_element().expect("the wrapper parsed");
    let first = doc
        .children(root)
        .find(|&c| doc.kind(c) == NodeKind::Element);
    Ok(doc.to_xml(first.expect("the source holds an element")))
}

#[cfg(test)]
mod tests {
    use super::{Piece, Pieces};
    use crate::testing::{context_with, mediate};

    #[test]
    fn xml_text_becomes_pieces() {
        let element = |x: &str| Piece::Element(x.to_string());
        let table: [(&str, Option<Vec<Piece>>); 6] = [
            ("<a/>", Some(vec![element("<a/>")])),
            (
                "<?xml version='1.0'?>\n<a x='1'/>",
                Some(vec![element(r#"<a x="1"/>"#)]),
            ),
            (
                "<a/> t <p:b xmlns:p='urn:p'/>",
                Some(vec![
                    element("<a/>"),
                    Piece::Text(" t ".into()),
                    element(r#"<p:b xmlns:p="urn:p"/>"#),
                ]),
            ),
            ("hello", None),
            ("a < b", None),
            ("<a>", None),
        ];
        for (text, want) in table {
            assert_eq!(Pieces::parse(text).map(|p| p.items), want, "{text}");
        }
    }

    /// The inline XML of an enrich source, as it is stored into a property.
    async fn inline(sequence_attributes: &str, inline: &str) -> String {
        let mut ctx = context_with("{}", &[]);
        let seq = format!(
            r#"<sequence {sequence_attributes}><enrich><source type="inline">{inline}</source><target type="property" property="p"/></enrich></sequence>"#
        );
        mediate(&mut ctx, &seq).await;
        ctx.property("p").unwrap().to_string()
    }

    #[tokio::test]
    async fn inline_xml_takes_the_namespaces_in_scope_but_not_synapses() {
        let synapse = r#"xmlns="http://ws.apache.org/ns/synapse" xmlns:x="urn:x""#;
        let table = [
            (synapse, "<a><b>1</b></a>", "<a><b>1</b></a>"),
            ("", "<a><b>1</b></a>", "<a><b>1</b></a>"),
            (
                synapse,
                r#"<a xmlns="urn:a"><b/></a>"#,
                r#"<a xmlns="urn:a"><b/></a>"#,
            ),
            (
                synapse,
                "<x:a><b x:k='v'/></x:a>",
                r#"<x:a xmlns:x="urn:x"><b x:k="v"/></x:a>"#,
            ),
            (synapse, "\n  <!-- first --> <a/> <b/>", "<a/>"),
            (
                synapse,
                r#"<s:e xmlns:s="http://ws.apache.org/ns/synapse"/>"#,
                r#"<s:e xmlns:s="http://ws.apache.org/ns/synapse"/>"#,
            ),
        ];
        for (attributes, xml, want) in table {
            assert_eq!(inline(attributes, xml).await, want, "{attributes} {xml}");
        }
    }
}
