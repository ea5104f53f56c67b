//! XML text ⇄ [`Document`]: parsing with quick-xml, and serialisation back to text.
//!
//! The parser keeps comments, processing instructions and whitespace-only text (they are
//! nodes in the XPath data model), joins adjacent text and CDATA into one text node, and never
//! expands DTD entities: a reference to anything but the five predefined entities and character
//! references is an error.

use std::fmt;

use quick_xml::NsReader;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::{QName, ResolveResult};

use super::tree::{Builder, Document, Name, NodeId, NodeKind};

/// Why XML text could not be read, with the byte offset where the reader stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmlError {
    pub offset: usize,
    pub message: String,
}

impl fmt::Display for XmlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at byte {})", self.message, self.offset)
    }
}

impl std::error::Error for XmlError {}

impl Document {
    /// Parses a whole XML document (for example a SOAP 1.1 or 1.2 envelope, kept as is).
    pub fn parse(xml: &str) -> Result<Document, XmlError> {
        let mut builder = Builder::new();
        let roots = parse_into(&mut builder, xml)?;
        if roots == 0 {
            return Err(XmlError {
                offset: xml.len(),
                message: "the document holds no XML element".into(),
            });
        }
        Ok(builder.finish())
    }

    /// Serialises a node: elements with their subtree (namespace declarations that the
    /// subtree needs from its ancestors are added to the outermost element), text escaped,
    /// the root as its children. Attributes give `name="value"`, namespace nodes `xmlns:p="uri"`.
    pub fn to_xml(&self, id: NodeId) -> String {
        let mut out = String::new();
        match self.kind(id) {
            NodeKind::Root => {
                for child in self.children(id) {
                    out.push_str(&self.to_xml(child));
                }
            }
            NodeKind::Element => self.write_element(id.index, &mut out),
            NodeKind::Attribute => {
                let value = escape(&self.value(id), true);
                out.push_str(&format!("{}=\"{value}\"", self.qualified_name(id)));
            }
            NodeKind::Namespace => {
                let prefix = self.local_name(id);
                let colon = if prefix.is_empty() { "" } else { ":" };
                let value = escape(&self.value(id), true);
                out.push_str(&format!("xmlns{colon}{prefix}=\"{value}\""));
            }
            _ => self.write_leaf(id.index, &mut out),
        }
        out
    }

    pub(super) fn write_leaf(&self, index: u32, out: &mut String) {
        let node = self.node(index);
        match node.kind {
            NodeKind::Text => out.push_str(&escape(&node.value, false)),
            NodeKind::Comment => out.push_str(&format!("<!--{}-->", node.value)),
            NodeKind::ProcessingInstruction if node.value.is_empty() => {
                out.push_str(&format!("<?{}?>", node.name.local));
            }
            NodeKind::ProcessingInstruction => {
                out.push_str(&format!("<?{} {}?>", node.name.local, node.value));
            }
            _ => {}
        }
    }

    /// Writes an element: the edit-aware writer with nothing to change.
    fn write_element(&self, top: u32, out: &mut String) {
        self.write_element_edited(top, &super::edit::Edits::new(), out);
    }

    /// `xmlns=""` where no default namespace is in scope (as written out) says nothing.
    pub(super) fn redundant_undeclaration(
        &self,
        i: u32,
        top: u32,
        inherited: &[(String, String)],
        prefix: &str,
        uri: &str,
    ) -> bool {
        if !prefix.is_empty() || !uri.is_empty() {
            return false;
        }
        if i == top {
            return !inherited.iter().any(|(p, _)| p.is_empty());
        }
        let parent = NodeId::at(self.node(i).parent);
        !self
            .namespaces_in_scope(parent)
            .iter()
            .any(|(p, _)| p.is_empty())
    }

    /// Bindings declared above `top` that names inside its subtree use.
    pub(super) fn inherited_namespaces(&self, top: u32) -> Vec<(String, String)> {
        let own = &self.node(top).ns_decls;
        let range = top..self.node(top).end;
        self.namespaces_in_scope(NodeId::at(top))
            .into_iter()
            .filter(|(prefix, _)| prefix != "xml" && !own.iter().any(|(p, _)| p == prefix))
            .filter(|(prefix, uri)| {
                range.clone().any(|i| {
                    let n = self.node(i);
                    matches!(n.kind, NodeKind::Element | NodeKind::Attribute)
                        && &n.name.prefix == prefix
                        && &n.name.uri == uri
                })
            })
            .collect()
    }
}

pub(super) fn escape(text: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

/// Parses `xml` into the builder below its current element; returns how many top-level
/// elements were read (more than one is an error).
pub(crate) fn parse_into(builder: &mut Builder, xml: &str) -> Result<usize, XmlError> {
    let mut reader = NsReader::from_str(xml);
    let base = builder.depth();
    let mut roots = 0;
    loop {
        let before = reader.buffer_position() as usize;
        let err = |message: String| XmlError {
            offset: before,
            message,
        };
        let event = reader.read_event().map_err(|e| XmlError {
            offset: reader.error_position() as usize,
            message: format!("malformed XML: {e}"),
        })?;
        let top_level = builder.depth() == base;
        match event {
            Event::Start(ref start) | Event::Empty(ref start) => {
                if top_level {
                    roots += 1;
                    if roots > 1 {
                        return Err(err("malformed XML: more than one root element".into()));
                    }
                }
                start_element(&reader, builder, start).map_err(err)?;
                if matches!(event, Event::Empty(_)) {
                    builder.end_element();
                }
            }
            Event::End(_) => builder.end_element(),
            Event::Text(text) => {
                let value = text.xml_content().map_err(|e| err(e.to_string()))?;
                add_text(builder, top_level, &value).map_err(err)?;
            }
            Event::CData(cdata) => {
                let value = cdata.xml_content().map_err(|e| err(e.to_string()))?;
                add_text(builder, top_level, &value).map_err(err)?;
            }
            Event::GeneralRef(reference) => {
                let name = reference.decode().map_err(|e| err(e.to_string()))?;
                let entity = format!("&{name};");
                let value = quick_xml::escape::unescape(&entity)
                    .map_err(|_| err(format!("unknown XML entity {entity}")))?;
                add_text(builder, top_level, &value).map_err(err)?;
            }
            Event::Comment(text) => {
                let value = text.decode().map_err(|e| err(e.to_string()))?;
                builder.comment(&value);
            }
            Event::PI(pi) => {
                let target = String::from_utf8_lossy(pi.target()).into_owned();
                let data = String::from_utf8_lossy(pi.content());
                builder.processing_instruction(&target, data.trim_start());
            }
            Event::Decl(_) | Event::DocType(_) => {}
            Event::Eof => break,
        }
    }
    if builder.depth() > base {
        return Err(XmlError {
            offset: xml.len(),
            message: "malformed XML: an element is never closed".into(),
        });
    }
    Ok(roots)
}

fn add_text(builder: &mut Builder, top_level: bool, text: &str) -> Result<(), String> {
    if !top_level {
        builder.text(text);
    } else if !text.trim().is_empty() {
        return Err("malformed XML: text outside the root element".into());
    }
    Ok(())
}

fn start_element(
    reader: &NsReader<&[u8]>,
    builder: &mut Builder,
    start: &BytesStart<'_>,
) -> Result<(), String> {
    let (resolved, local) = reader.resolve_element(start.name());
    let name = Name {
        prefix: prefix_of(start.name()),
        local: String::from_utf8_lossy(local.as_ref()).into_owned(),
        uri: namespace_of(resolved, start.name())?,
    };
    let mut decls = Vec::new();
    let mut attributes = Vec::new();
    for attr in start.attributes() {
        let attr = attr.map_err(|e| format!("malformed attribute: {e}"))?;
        let key = String::from_utf8_lossy(attr.key.as_ref()).into_owned();
        let value = attr
            .unescape_value()
            .map_err(|e| format!("malformed value of attribute `{key}`: {e}"))?
            .into_owned();
        if key == "xmlns" {
            decls.push((String::new(), value));
        } else if let Some(prefix) = key.strip_prefix("xmlns:") {
            decls.push((prefix.to_string(), value));
        } else {
            let (resolved, local) = reader.resolve_attribute(attr.key);
            let name = Name {
                prefix: prefix_of(attr.key),
                local: String::from_utf8_lossy(local.as_ref()).into_owned(),
                uri: namespace_of(resolved, attr.key)?,
            };
            attributes.push((name, value));
        }
    }
    builder.start_element(name, decls);
    for (name, value) in attributes {
        builder.attribute(name, value);
    }
    Ok(())
}

fn prefix_of(name: QName<'_>) -> String {
    name.prefix()
        .map(|p| String::from_utf8_lossy(p.as_ref()).into_owned())
        .unwrap_or_default()
}

fn namespace_of(resolved: ResolveResult<'_>, name: QName<'_>) -> Result<String, String> {
    match resolved {
        ResolveResult::Bound(ns) => Ok(String::from_utf8_lossy(ns.as_ref()).into_owned()),
        ResolveResult::Unbound => Ok(String::new()),
        ResolveResult::Unknown(prefix) => Err(format!(
            "namespace prefix `{}` of `{}` is not declared",
            String::from_utf8_lossy(&prefix),
            String::from_utf8_lossy(name.as_ref())
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(xml: &str) -> String {
        let doc = Document::parse(xml).unwrap();
        doc.to_xml(doc.root())
    }

    #[test]
    fn parse_and_serialise() {
        let cases = [
            ("<a/>", "<a/>"),
            (
                "<?xml version='1.0'?>\n<a x='1' y=\"&lt;\">t</a>",
                "<a x=\"1\" y=\"&lt;\">t</a>",
            ),
            (
                "<a>x &amp; y<![CDATA[<z>]]>&#65;</a>",
                "<a>x &amp; y&lt;z&gt;A</a>",
            ),
            (
                "<!--c--><a><?pi data?><b/></a>",
                "<!--c--><a><?pi data?><b/></a>",
            ),
            (
                "<p:a xmlns:p='urn:p' p:k='v'><b xmlns='urn:d'/></p:a>",
                "<p:a xmlns:p=\"urn:p\" p:k=\"v\"><b xmlns=\"urn:d\"/></p:a>",
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(round_trip(input), expected, "{input}");
        }
    }

    #[test]
    fn subtree_serialisation_declares_inherited_namespaces() {
        let doc =
            Document::parse("<r xmlns:p='urn:p' xmlns:q='urn:q' xmlns='urn:d'><p:a><b/></p:a></r>")
                .unwrap();
        let r = doc.document_element().unwrap();
        let a = doc.children(r).next().unwrap();
        assert_eq!(
            doc.to_xml(a),
            "<p:a xmlns=\"urn:d\" xmlns:p=\"urn:p\"><b/></p:a>"
        );
    }

    #[test]
    fn names_and_namespaces_are_resolved() {
        let doc = Document::parse("<p:a xmlns:p='urn:p' p:k='v' k2='w'/>").unwrap();
        let a = doc.document_element().unwrap();
        assert_eq!(doc.local_name(a), "a");
        assert_eq!(doc.namespace_uri(a), "urn:p");
        assert_eq!(doc.qualified_name(a), "p:a");
        assert_eq!(doc.attribute_value(a, "urn:p", "k"), Some("v"));
        assert_eq!(doc.attribute_value(a, "", "k2"), Some("w"));
    }

    #[test]
    fn malformed_documents_are_errors() {
        for bad in [
            "",
            "   ",
            "<a>",
            "<a></b>",
            "<a/><b/>",
            "text<a/>",
            "<x:a/>",
            "<a x='1' x='2'/>",
            "<!DOCTYPE a [<!ENTITY e \"boom\">]><a>&e;</a>",
            "<a>&unknown;</a>",
        ] {
            assert!(Document::parse(bad).is_err(), "{bad:?} should fail");
        }
    }
}
