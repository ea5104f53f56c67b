//! Editing a [`Document`] by writing it out again with changes applied.
//!
//! The tree is read-only and laid out in document order, which keeps XPath fast and simple.
//! Mediators that change an XML message (enrich, iterate, aggregate, foreach) select nodes
//! with XPath, describe what happens to them as [`Edit`]s, and serialise the edited document;
//! the result is parsed again when something next reads it. One pass, no tree surgery.

use std::collections::HashMap;

use super::tree::{Document, NodeId, NodeKind};
use super::xml_io::escape;

/// A change to one node. XML text is inserted as written: the caller serialises it (with
/// [`Document::to_xml`], which adds the namespace declarations a fragment needs).
#[derive(Debug, Clone, PartialEq)]
pub enum Edit {
    /// The node and its subtree become this XML text.
    Replace(String),
    /// The node and its subtree are left out.
    Remove,
    /// The text of an attribute or text node becomes this plain text (escaped on output).
    SetText(String),
    /// This XML text is added after the element's last child.
    AppendChildren(String),
    /// The element's children become this XML text.
    ReplaceChildren(String),
    /// This XML text is added right after the node.
    InsertAfter(String),
    /// This XML text is added right before the node.
    InsertBefore(String),
}

/// The edits to apply, by node; several edits on one node apply in the order given.
#[derive(Debug, Default, Clone)]
pub struct Edits {
    by_node: HashMap<u32, Vec<Edit>>,
}

impl Edits {
    pub fn new() -> Edits {
        Edits::default()
    }

    /// Adds an edit. Namespace nodes cannot be edited; an edit on one is ignored.
    pub fn add(&mut self, node: NodeId, edit: Edit) {
        if node.ns == 0 {
            self.by_node.entry(node.index).or_default().push(edit);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.by_node.is_empty()
    }

    fn of(&self, index: u32) -> &[Edit] {
        if self.by_node.is_empty() {
            return &[];
        }
        self.by_node.get(&index).map_or(&[], Vec::as_slice)
    }
}

/// What happens to a node as a whole, and what is written after it.
fn replacement(edits: &[Edit]) -> Option<&str> {
    edits.iter().rev().find_map(|e| match e {
        Edit::Replace(xml) => Some(xml.as_str()),
        Edit::Remove => Some(""),
        _ => None,
    })
}

fn push_before(edits: &[Edit], out: &mut String) {
    for edit in edits {
        if let Edit::InsertBefore(xml) = edit {
            out.push_str(xml);
        }
    }
}

fn push_after(edits: &[Edit], out: &mut String) {
    for edit in edits {
        if let Edit::InsertAfter(xml) = edit {
            out.push_str(xml);
        }
    }
}

fn set_text(edits: &[Edit]) -> Option<&str> {
    edits.iter().rev().find_map(|e| match e {
        Edit::SetText(text) => Some(text.as_str()),
        _ => None,
    })
}

impl Document {
    /// Serialises `id` as [`Document::to_xml`] does, with `edits` applied.
    pub fn to_xml_edited(&self, id: NodeId, edits: &Edits) -> String {
        if edits.is_empty() {
            return self.to_xml(id);
        }
        let mut out = String::new();
        match self.kind(id) {
            NodeKind::Root => {
                for child in self.children(id) {
                    out.push_str(&self.to_xml_edited(child, edits));
                }
            }
            NodeKind::Element => self.write_element_edited(id.index, edits, &mut out),
            NodeKind::Attribute => {
                let own = edits.of(id.index);
                match set_text(own) {
                    Some(text) => out.push_str(&format!(
                        "{}=\"{}\"",
                        self.qualified_name(id),
                        escape(text, true)
                    )),
                    None => out.push_str(&self.to_xml(id)),
                }
            }
            NodeKind::Namespace => out.push_str(&self.to_xml(id)),
            _ => self.write_leaf_edited(id.index, edits, &mut out),
        }
        out
    }

    /// The Body's children of an envelope, serialised: the payload of a plain XML message.
    pub fn body_content_xml(&self) -> String {
        let Some(body) = self.body() else {
            return String::new();
        };
        self.children(body).map(|c| self.to_xml(c)).collect()
    }

    fn write_leaf_edited(&self, index: u32, edits: &Edits, out: &mut String) {
        let own = edits.of(index);
        push_before(own, out);
        if let Some(xml) = replacement(own) {
            out.push_str(xml);
        } else if let Some(text) = set_text(own) {
            out.push_str(&escape(text, false));
        } else {
            self.write_leaf(index, out);
        }
        push_after(own, out);
    }

    /// Writes an element without recursion (`open` holds the elements not yet closed),
    /// consulting `edits` at every node.
    pub(super) fn write_element_edited(&self, top: u32, edits: &Edits, out: &mut String) {
        let inherited = self.inherited_namespaces(top);
        let end = self.node(top).end;
        let mut open: Vec<u32> = Vec::new();
        let mut i = top;
        while i < end {
            self.close_edited(&mut open, i, edits, out);
            let node = self.node(i);
            let own = edits.of(i);
            if node.kind != NodeKind::Element {
                self.write_leaf_edited(i, edits, out);
                i += 1;
                continue;
            }
            push_before(own, out);
            if let Some(xml) = replacement(own) {
                out.push_str(xml);
                push_after(own, out);
                i = node.end;
                continue;
            }
            let name = self.qualified_name(NodeId::at(i));
            out.push('<');
            out.push_str(&name);
            let extra = if i == top { inherited.as_slice() } else { &[] };
            for (prefix, uri) in node.ns_decls.iter().chain(extra) {
                if self.redundant_undeclaration(i, top, extra, prefix, uri) {
                    continue;
                }
                let colon = if prefix.is_empty() { "" } else { ":" };
                out.push_str(&format!(" xmlns{colon}{prefix}=\"{}\"", escape(uri, true)));
            }
            for attr in self.attributes(NodeId::at(i)) {
                let attr_edits = edits.of(attr.index);
                if replacement(attr_edits).is_some() {
                    continue;
                }
                out.push(' ');
                out.push_str(&self.to_xml_edited(attr, edits));
            }
            let new_children = own.iter().rev().find_map(|e| match e {
                Edit::ReplaceChildren(xml) => Some(xml.as_str()),
                _ => None,
            });
            let first_child = self.first_child_index(i);
            if new_children.is_some() || first_child == node.end {
                let mut inner = new_children.unwrap_or_default().to_string();
                append_children(own, &mut inner);
                if inner.is_empty() {
                    out.push_str("/>");
                } else {
                    out.push('>');
                    out.push_str(&inner);
                    out.push_str(&format!("</{name}>"));
                }
                push_after(own, out);
                i = node.end;
            } else {
                out.push('>');
                open.push(i);
                i = first_child;
            }
        }
        self.close_edited(&mut open, u32::MAX, edits, out);
    }

    fn close_edited(&self, open: &mut Vec<u32>, at: u32, edits: &Edits, out: &mut String) {
        while let Some(&last) = open.last() {
            if self.node(last).end > at {
                break;
            }
            open.pop();
            let own = edits.of(last);
            append_children(own, out);
            out.push_str(&format!("</{}>", self.qualified_name(NodeId::at(last))));
            push_after(own, out);
        }
    }
}

fn append_children(edits: &[Edit], out: &mut String) {
    for edit in edits {
        if let Edit::AppendChildren(xml) = edit {
            out.push_str(xml);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xpath::{NoResolver, Value, XPath};

    fn select(doc: &Document, path: &str) -> Vec<NodeId> {
        let xpath = XPath::compile(path, &[]).unwrap();
        match xpath.evaluate(doc, doc.root(), &NoResolver).unwrap() {
            Value::NodeSet(nodes) => nodes,
            other => panic!("{other:?}"),
        }
    }

    fn edited(xml: &str, path: &str, edit: Edit) -> String {
        let doc = Document::parse(xml).unwrap();
        let mut edits = Edits::new();
        for node in select(&doc, path) {
            edits.add(node, edit.clone());
        }
        doc.to_xml_edited(doc.root(), &edits)
    }

    #[test]
    fn every_kind_of_edit() {
        let xml = r#"<a x="1"><b>t</b><c/><b>u</b></a>"#;
        let cases = [
            (
                "//b",
                Edit::Replace("<z/>".into()),
                r#"<a x="1"><z/><c/><z/></a>"#,
            ),
            ("//b", Edit::Remove, r#"<a x="1"><c/></a>"#),
            (
                "//b/text()",
                Edit::SetText("<&>".into()),
                r#"<a x="1"><b>&lt;&amp;&gt;</b><c/><b>&lt;&amp;&gt;</b></a>"#,
            ),
            (
                "/a/@x",
                Edit::SetText("\"2\"".into()),
                r#"<a x="&quot;2&quot;"><b>t</b><c/><b>u</b></a>"#,
            ),
            ("/a/@x", Edit::Remove, r#"<a><b>t</b><c/><b>u</b></a>"#),
            (
                "//c",
                Edit::AppendChildren("<d/>".into()),
                r#"<a x="1"><b>t</b><c><d/></c><b>u</b></a>"#,
            ),
            (
                "/a",
                Edit::AppendChildren("<d/>".into()),
                r#"<a x="1"><b>t</b><c/><b>u</b><d/></a>"#,
            ),
            ("/a", Edit::ReplaceChildren("k".into()), r#"<a x="1">k</a>"#),
            (
                "//b",
                Edit::InsertAfter("<n/>".into()),
                r#"<a x="1"><b>t</b><n/><c/><b>u</b><n/></a>"#,
            ),
            (
                "//c",
                Edit::InsertAfter("<n/>".into()),
                r#"<a x="1"><b>t</b><c/><n/><b>u</b></a>"#,
            ),
            (
                "//c",
                Edit::InsertBefore("<n/>".into()),
                r#"<a x="1"><b>t</b><n/><c/><b>u</b></a>"#,
            ),
            (
                "//b/text()",
                Edit::InsertBefore("<n/>".into()),
                r#"<a x="1"><b><n/>t</b><c/><b><n/>u</b></a>"#,
            ),
        ];
        for (path, edit, expected) in cases {
            assert_eq!(edited(xml, path, edit.clone()), expected, "{path} {edit:?}");
        }
    }

    #[test]
    fn edits_keep_namespaces_and_order() {
        let xml = r#"<s:E xmlns:s="urn:s"><s:B><p:x xmlns:p="urn:p"><p:y/></p:x></s:B></s:E>"#;
        let doc = Document::parse(xml).unwrap();
        let mut edits = Edits::new();
        let body = doc
            .children(doc.document_element().unwrap())
            .next()
            .unwrap();
        edits.add(body, Edit::AppendChildren("<one/>".into()));
        edits.add(body, Edit::AppendChildren("<two/>".into()));
        assert_eq!(
            doc.to_xml_edited(doc.root(), &edits),
            r#"<s:E xmlns:s="urn:s"><s:B><p:x xmlns:p="urn:p"><p:y/></p:x><one/><two/></s:B></s:E>"#
        );
        assert_eq!(doc.to_xml_edited(doc.root(), &Edits::new()), xml);
    }

    #[test]
    fn body_content_of_a_wrapped_payload() {
        let doc = Document::wrap_xml("<order><id>7</id></order>").unwrap();
        assert_eq!(doc.body_content_xml(), "<order><id>7</id></order>");
        assert_eq!(Document::wrap_xml("").unwrap().body_content_xml(), "");
    }
}
