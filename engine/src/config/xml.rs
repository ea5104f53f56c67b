//! XML text → a small element tree that remembers where everything came from.
//!
//! quick-xml does the parsing; this module keeps what the config layer needs and nothing else:
//! resolved namespaces, attributes with their positions, untrimmed text (connector parameters
//! are classified on untrimmed text), and the namespace declarations in scope on each element
//! (XPath prefixes resolve against them). DTD entities are never expanded.

use quick_xml::NsReader;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;

use super::source::{Diagnostics, SourceFile};
use crate::error::{Pos, Reported};

/// The Synapse configuration namespace.
pub const SYNAPSE_NS: &str = "http://ws.apache.org/ns/synapse";

/// Deeper nesting than this is refused, so that recursive compile steps stay bounded.
const MAX_DEPTH: usize = 200;

#[derive(Debug, Clone, PartialEq)]
pub struct Attribute {
    /// The qualified name as written (`name`, `xsi:type`).
    pub name: String,
    pub value: String,
    pub pos: Pos,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Text {
    pub text: String,
    pub pos: Pos,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Element(Element),
    Text(Text),
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Element {
    /// Local name (`proxy`, `gotowebinar.getSessionById`).
    pub name: String,
    /// The qualified name as written, for messages.
    pub qname: String,
    /// The resolved namespace URI; `None` for no namespace.
    pub namespace: Option<String>,
    pub attributes: Vec<Attribute>,
    /// `xmlns` declarations made on this element: (prefix, uri); the default namespace has prefix "".
    pub namespace_decls: Vec<(String, String)>,
    /// Every declaration in scope here, ancestors' first (XPath prefixes resolve against it).
    pub namespaces_in_scope: std::sync::Arc<[(String, String)]>,
    pub children: Vec<Node>,
    /// Position of the `<`.
    pub pos: Pos,
    /// Byte range of the content between the start and end tags (empty for `<x/>`), so the
    /// exact source text of inline XML can be kept.
    pub content: std::ops::Range<usize>,
}

impl Element {
    pub fn attr(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }

    pub fn attr_value(&self, name: &str) -> Option<&str> {
        self.attr(name).map(|a| a.value.as_str())
    }

    /// Child elements, in order.
    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            Node::Text(_) => None,
        })
    }

    /// The first child element with this local name.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.elements().find(|e| e.name == name)
    }

    /// All text content directly inside this element, concatenated and untrimmed.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for node in &self.children {
            if let Node::Text(t) = node {
                out.push_str(&t.text);
            }
        }
        out
    }

    /// Text children that hold something other than whitespace.
    pub fn stray_text(&self) -> impl Iterator<Item = &Text> {
        self.children.iter().filter_map(|n| match n {
            Node::Text(t) if !t.text.trim().is_empty() => Some(t),
            _ => None,
        })
    }

    /// True when the element is in the Synapse namespace, or in none (files without `xmlns`).
    pub fn in_synapse_namespace(&self) -> bool {
        matches!(self.namespace.as_deref(), None | Some(SYNAPSE_NS))
    }

    /// The source text between the start and end tags, as written.
    pub fn inner_source<'s>(&self, source: &'s str) -> &'s str {
        source.get(self.content.clone()).unwrap_or_default()
    }
}

/// Parses a whole document into its root element. A malformed document gives one error (XML
/// syntax errors make the rest of the file unreliable), reported at the place quick-xml stopped.
pub fn parse_document(diags: &mut Diagnostics) -> Result<Element, Reported> {
    let source = diags.source().clone();
    let mut reader = NsReader::from_str(&source.text);
    reader.config_mut().expand_empty_elements = false;
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;

    loop {
        let before = reader.buffer_position() as usize;
        let (resolved, event) = match reader.read_resolved_event() {
            Ok((resolved, event)) => (namespace_of(&resolved), event),
            Err(e) => {
                let at = source.pos(reader.error_position() as usize);
                return Err(diags.error(at, format!("malformed XML: {e}")));
            }
        };
        match event {
            Event::Start(_) | Event::Empty(_) if root.is_some() => {
                let at = source.pos(before);
                return Err(diags.error(at, "malformed XML: more than one root element"));
            }
            Event::Start(start) => {
                if stack.len() >= MAX_DEPTH {
                    let at = source.pos(before);
                    return Err(diags.error(
                        at,
                        format!("elements are nested more than {MAX_DEPTH} levels deep"),
                    ));
                }
                let mut el = element(&source, &start, resolved, before, diags)?;
                scope_namespaces(&mut el, &stack);
                let after = reader.buffer_position() as usize;
                el.content = after..after;
                stack.push(el);
            }
            Event::Empty(start) => {
                let mut el = element(&source, &start, resolved, before, diags)?;
                scope_namespaces(&mut el, &stack);
                attach(&mut stack, &mut root, el);
            }
            Event::End(_) => {
                // quick-xml has already checked that the end tag matches.
                if let Some(mut el) = stack.pop() {
                    el.content.end = before;
                    attach(&mut stack, &mut root, el);
                }
            }
            Event::Text(text) => {
                let value = text.xml_content().map_err(|e| {
                    diags.error(source.pos(before), format!("malformed XML text: {e}"))
                })?;
                push_text(&mut stack, &value, source.pos(before));
            }
            Event::CData(cdata) => {
                let value = cdata.xml_content().map_err(|e| {
                    diags.error(source.pos(before), format!("malformed CDATA: {e}"))
                })?;
                push_text(&mut stack, &value, source.pos(before));
            }
            Event::GeneralRef(reference) => {
                let name = reference.decode().unwrap_or_default();
                let at = source.pos(before);
                let entity = format!("&{name};");
                match quick_xml::escape::unescape(&entity) {
                    Ok(value) => push_text(&mut stack, &value, at),
                    // Custom DTD entities are refused rather than expanded (no billion laughs).
                    Err(_) => return Err(diags.error(at, format!("unknown XML entity {entity}"))),
                }
            }
            Event::Eof => break,
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
    if let Some(open) = stack.last() {
        return Err(diags.error(
            open.pos,
            format!("malformed XML: <{}> is never closed", open.qname),
        ));
    }
    root.ok_or_else(|| diags.error(Pos { line: 1, col: 1 }, "the file holds no XML element"))
}

fn namespace_of(resolved: &ResolveResult<'_>) -> Result<Option<String>, String> {
    match resolved {
        ResolveResult::Bound(ns) => Ok(Some(String::from_utf8_lossy(ns.as_ref()).into_owned())),
        ResolveResult::Unbound => Ok(None),
        ResolveResult::Unknown(prefix) => Err(String::from_utf8_lossy(prefix).into_owned()),
    }
}

fn element(
    source: &SourceFile,
    start: &BytesStart<'_>,
    namespace: Result<Option<String>, String>,
    offset: usize,
    diags: &mut Diagnostics,
) -> Result<Element, Reported> {
    let pos = source.pos(offset);
    let qname = String::from_utf8_lossy(start.name().as_ref()).into_owned();
    let name = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
    let namespace = namespace.map_err(|prefix| {
        diags.error(
            pos,
            format!("namespace prefix `{prefix}` of <{qname}> is not declared"),
        )
    })?;
    let mut el = Element {
        name,
        qname,
        namespace,
        pos,
        ..Element::default()
    };
    let base = source.text.as_ptr() as usize;
    for attr in start.attributes() {
        let attr = attr.map_err(|e| diags.error(pos, format!("malformed attribute: {e}")))?;
        let key = String::from_utf8_lossy(attr.key.as_ref()).into_owned();
        // The reader borrows from the source text, so the key's address gives its offset.
        let key_offset = (attr.key.as_ref().as_ptr() as usize).wrapping_sub(base);
        let at = if key_offset <= source.text.len() {
            source.pos(key_offset)
        } else {
            pos
        };
        let value = attr
            .unescape_value()
            .map_err(|e| diags.error(at, format!("malformed value of attribute `{key}`: {e}")))?
            .into_owned();
        if key == "xmlns" {
            el.namespace_decls.push((String::new(), value));
        } else if let Some(prefix) = key.strip_prefix("xmlns:") {
            el.namespace_decls.push((prefix.to_string(), value));
        } else {
            el.attributes.push(Attribute {
                name: key,
                value,
                pos: at,
            });
        }
    }
    Ok(el)
}

/// The element's in-scope declarations: its parent's, plus its own (shared when it has none).
fn scope_namespaces(el: &mut Element, stack: &[Element]) {
    let parent = stack.last().map(|p| p.namespaces_in_scope.clone());
    el.namespaces_in_scope = match (parent, el.namespace_decls.is_empty()) {
        (Some(parent), true) => parent,
        (parent, _) => {
            let mut all: Vec<(String, String)> = parent.map(|p| p.to_vec()).unwrap_or_default();
            all.extend(el.namespace_decls.iter().cloned());
            all.into()
        }
    };
}

fn attach(stack: &mut [Element], root: &mut Option<Element>, el: Element) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(Node::Element(el)),
        None => *root = Some(el),
    }
}

fn push_text(stack: &mut [Element], value: &str, pos: Pos) {
    let Some(parent) = stack.last_mut() else {
        return; // whitespace or stray text outside the root; quick-xml rejects the rest
    };
    // Adjacent text, entity and CDATA events form one text run.
    if let Some(Node::Text(last)) = parent.children.last_mut() {
        last.text.push_str(value);
    } else {
        parent.children.push(Node::Text(Text {
            text: value.to_string(),
            pos,
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn parse(text: &str) -> Result<Element, Vec<String>> {
        let mut d = Diagnostics::new(Arc::new(SourceFile::new("t.xml", text)));
        parse_document(&mut d).map_err(|_| d.into_vec().iter().map(|x| x.render()).collect())
    }

    #[test]
    fn keeps_namespaces_positions_and_untrimmed_text() {
        let root = parse(
            "<proxy xmlns=\"http://ws.apache.org/ns/synapse\" name=\"p\">\n  <a.b> {$ctx:x} </a.b>\n</proxy>",
        )
        .unwrap();
        assert_eq!(root.name, "proxy");
        assert!(root.in_synapse_namespace());
        assert_eq!(root.attr("name").unwrap().pos, Pos { line: 1, col: 48 });
        let child = root.elements().next().unwrap();
        assert_eq!(child.name, "a.b");
        let text = "<proxy xmlns=\"http://ws.apache.org/ns/synapse\" name=\"p\">\n  <a.b> {$ctx:x} </a.b>\n</proxy>";
        assert_eq!(child.inner_source(text), " {$ctx:x} ");
        assert_eq!(child.pos, Pos { line: 2, col: 3 });
        assert_eq!(child.text(), " {$ctx:x} ");
    }

    #[test]
    fn entities_and_cdata_join_into_one_text() {
        let root = parse("<a>x &amp; y<![CDATA[<z>]]>&#65;</a>").unwrap();
        assert_eq!(root.text(), "x & y<z>A");
    }

    #[test]
    fn foreign_namespace_is_visible() {
        let root = parse("<a xmlns:f=\"urn:f\"><f:b/></a>").unwrap();
        let b = root.elements().next().unwrap();
        assert_eq!(b.namespace.as_deref(), Some("urn:f"));
        assert!(!b.in_synapse_namespace());
        assert_eq!(
            root.namespace_decls,
            vec![("f".to_string(), "urn:f".to_string())]
        );
    }

    #[test]
    fn malformed_documents_report_one_located_error() {
        let errors = parse("<proxy>\n  <target>\n</proxy>").unwrap_err();
        assert_eq!(errors.len(), 1);
        assert!(errors[0].starts_with("t.xml:3:"), "{}", errors[0]);
        assert!(parse("").is_err());
        assert!(parse("<a/><b/>").is_err());
        assert!(parse("<x:a/>").is_err());
        let deep = "<a>".repeat(300) + &"</a>".repeat(300);
        assert!(parse(&deep).unwrap_err()[0].contains("nested"));
    }

    #[test]
    fn custom_entities_are_refused() {
        let doc = "<!DOCTYPE a [<!ENTITY e \"boom\">]><a>&e;</a>";
        assert!(parse(doc).unwrap_err()[0].contains("unknown XML entity &e;"));
    }
}
