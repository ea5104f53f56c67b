//! A small read-only XML tree for XPath: an arena in document order.
//!
//! Nodes are stored in pre-order, each element followed by its attributes and then its
//! children, so the arena index *is* document order and a node's subtree is the contiguous
//! range `index..end`. Axes are index arithmetic, and nothing recurses over the tree, however
//! deep it is. Namespace nodes are not stored: a [`NodeId`] with a non-zero `ns` part names
//! the n-th in-scope namespace of an element, which also sorts it right after its element and
//! before the element's attributes, as XPath document order requires.

/// The XML namespace, bound to the `xml` prefix in every document.
pub const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";

/// A node of a [`Document`]. Ordering two ids of the same document compares document order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId {
    pub(crate) index: u32,
    /// 0 for stored nodes; n > 0 for the n-th in-scope namespace of element `index`.
    pub(crate) ns: u32,
}

impl NodeId {
    pub(crate) fn at(index: u32) -> NodeId {
        NodeId { index, ns: 0 }
    }
}

/// The seven node types of the XPath data model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    Root,
    Element,
    Attribute,
    Text,
    Comment,
    ProcessingInstruction,
    Namespace,
}

/// A resolved name; empty strings stand for "no prefix" and "no namespace". A processing
/// instruction keeps its target in `local`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Name {
    pub prefix: String,
    pub local: String,
    pub uri: String,
}

#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub kind: NodeKind,
    pub parent: u32,
    /// One past the last node of this node's subtree (attributes included).
    pub end: u32,
    pub name: Name,
    /// Text, comment text, attribute value or processing-instruction data.
    pub value: String,
    /// `xmlns` declarations made on this element: (prefix, uri), "" for the default namespace.
    pub ns_decls: Vec<(String, String)>,
}

/// An XML document: parse it with [`Document::parse`], build a JSON view with
/// [`Document::from_json`], or wrap a payload in a SOAP envelope with [`Document::wrap_xml`].
#[derive(Debug, Clone)]
pub struct Document {
    pub(crate) nodes: Vec<Node>,
}

impl Document {
    /// The root (document) node.
    pub fn root(&self) -> NodeId {
        NodeId::at(0)
    }

    /// The outermost element, if the document has one.
    pub fn document_element(&self) -> Option<NodeId> {
        self.children(self.root())
            .find(|&c| self.kind(c) == NodeKind::Element)
    }

    /// Number of stored nodes (namespace nodes are not stored).
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.len() <= 1
    }

    /// True when `id` names a node of this document.
    pub fn contains(&self, id: NodeId) -> bool {
        let Some(node) = self.nodes.get(id.index as usize) else {
            return false;
        };
        id.ns == 0
            || (node.kind == NodeKind::Element
                && (id.ns as usize) <= self.namespaces_in_scope(NodeId::at(id.index)).len())
    }

    pub(crate) fn node(&self, index: u32) -> &Node {
        &self.nodes[index as usize]
    }

    pub fn kind(&self, id: NodeId) -> NodeKind {
        if id.ns > 0 {
            NodeKind::Namespace
        } else {
            self.node(id.index).kind
        }
    }

    /// The parent; for attributes and namespace nodes, the element that carries them.
    pub fn parent(&self, id: NodeId) -> Option<NodeId> {
        if id.ns > 0 {
            return Some(NodeId::at(id.index));
        }
        let parent = self.node(id.index).parent;
        (id.index != 0).then(|| NodeId::at(parent))
    }

    /// Local name: element and attribute local name, PI target, namespace prefix; else "".
    pub fn local_name(&self, id: NodeId) -> String {
        if id.ns > 0 {
            return self.namespace_node(id).0;
        }
        self.node(id.index).name.local.clone()
    }

    /// Namespace URI of an element or attribute name; "" for none.
    pub fn namespace_uri(&self, id: NodeId) -> &str {
        if id.ns > 0 {
            return "";
        }
        &self.node(id.index).name.uri
    }

    /// The name as written: `prefix:local` or `local`; the prefix for namespace nodes.
    pub fn qualified_name(&self, id: NodeId) -> String {
        if id.ns > 0 {
            return self.namespace_node(id).0;
        }
        let name = &self.node(id.index).name;
        if name.prefix.is_empty() {
            name.local.clone()
        } else {
            format!("{}:{}", name.prefix, name.local)
        }
    }

    /// Child nodes (not attributes) in document order.
    pub fn children(&self, id: NodeId) -> impl Iterator<Item = NodeId> + '_ {
        let (mut next, end) = if id.ns > 0 {
            (0, 0)
        } else {
            (self.first_child_index(id.index), self.node(id.index).end)
        };
        std::iter::from_fn(move || {
            if next >= end {
                return None;
            }
            let current = next;
            next = self.node(current).end;
            Some(NodeId::at(current))
        })
    }

    /// Attribute nodes of an element, in document order.
    pub fn attributes(&self, id: NodeId) -> impl Iterator<Item = NodeId> + '_ {
        let start = id.index + 1;
        let end = if id.ns > 0 || self.node(id.index).kind != NodeKind::Element {
            start
        } else {
            self.first_child_index(id.index)
        };
        (start..end).map(NodeId::at)
    }

    /// The value of the attribute with this local name and namespace URI ("" for none).
    pub fn attribute_value(&self, id: NodeId, uri: &str, local: &str) -> Option<&str> {
        self.attributes(id)
            .map(|a| self.node(a.index))
            .find(|n| n.name.local == local && n.name.uri == uri)
            .map(|n| n.value.as_str())
    }

    pub(crate) fn first_child_index(&self, index: u32) -> u32 {
        let mut i = index + 1;
        let end = self.node(index).end;
        while i < end && self.node(i).kind == NodeKind::Attribute {
            i += 1;
        }
        i
    }

    /// All nodes below `id` (no attributes or namespaces) in document order.
    pub fn descendants(&self, id: NodeId) -> impl Iterator<Item = NodeId> + '_ {
        let range = if id.ns > 0 {
            0..0
        } else {
            id.index + 1..self.node(id.index).end
        };
        range
            .filter(|&i| self.node(i).kind != NodeKind::Attribute)
            .map(NodeId::at)
    }

    /// The text of a text, comment, attribute, PI or namespace node; "" for others.
    pub fn value(&self, id: NodeId) -> String {
        if id.ns > 0 {
            return self.namespace_node(id).1;
        }
        match self.node(id.index).kind {
            NodeKind::Root | NodeKind::Element => String::new(),
            _ => self.node(id.index).value.clone(),
        }
    }

    /// The XPath string-value: all descendant text for roots and elements, else [`Self::value`].
    pub fn string_value(&self, id: NodeId) -> String {
        match self.kind(id) {
            NodeKind::Root | NodeKind::Element => {
                let mut out = String::new();
                for d in self.descendants(id) {
                    let node = self.node(d.index);
                    if node.kind == NodeKind::Text {
                        out.push_str(&node.value);
                    }
                }
                out
            }
            _ => self.value(id),
        }
    }

    /// The text directly inside an element (its text children joined), as Axiom's `getText()`.
    pub fn direct_text(&self, id: NodeId) -> String {
        let mut out = String::new();
        for c in self.children(id) {
            let node = self.node(c.index);
            if node.kind == NodeKind::Text {
                out.push_str(&node.value);
            }
        }
        out
    }

    /// Namespaces in scope on an element: (prefix, uri) sorted by prefix, `xml` included and
    /// undeclared (`xmlns=""`) bindings left out. Empty for other nodes.
    pub fn namespaces_in_scope(&self, id: NodeId) -> Vec<(String, String)> {
        if id.ns > 0 || self.node(id.index).kind != NodeKind::Element {
            return Vec::new();
        }
        let mut seen: Vec<(String, String)> = vec![("xml".into(), XML_NS.into())];
        let mut index = id.index;
        loop {
            let node = self.node(index);
            for (prefix, uri) in &node.ns_decls {
                if !seen.iter().any(|(p, _)| p == prefix) {
                    seen.push((prefix.clone(), uri.clone()));
                }
            }
            if index == 0 {
                break;
            }
            index = node.parent;
        }
        seen.retain(|(_, uri)| !uri.is_empty());
        seen.sort();
        seen
    }

    /// The namespace nodes of an element, in document order.
    pub(crate) fn namespace_nodes(&self, id: NodeId) -> impl Iterator<Item = NodeId> + use<> {
        let count = self.namespaces_in_scope(id).len() as u32;
        let index = id.index;
        (1..=count).map(move |ns| NodeId { index, ns })
    }

    fn namespace_node(&self, id: NodeId) -> (String, String) {
        self.namespaces_in_scope(NodeId::at(id.index))
            .into_iter()
            .nth(id.ns as usize - 1)
            .unwrap_or_default()
    }
}

/// Appends nodes in document order; used by the XML parser and the JSON view.
#[derive(Debug)]
pub(crate) struct Builder {
    nodes: Vec<Node>,
    open: Vec<u32>,
}

impl Builder {
    pub fn new() -> Builder {
        let root = Node {
            kind: NodeKind::Root,
            parent: 0,
            end: 0,
            name: Name::default(),
            value: String::new(),
            ns_decls: Vec::new(),
        };
        Builder {
            nodes: vec![root],
            open: vec![0],
        }
    }

    fn current(&self) -> u32 {
        self.open.last().copied().unwrap_or(0)
    }

    /// Depth of open elements (the root does not count).
    pub fn depth(&self) -> usize {
        self.open.len() - 1
    }

    fn push(&mut self, kind: NodeKind, name: Name, value: String) -> u32 {
        let index = self.nodes.len() as u32;
        self.nodes.push(Node {
            kind,
            parent: self.current(),
            end: index + 1,
            name,
            value,
            ns_decls: Vec::new(),
        });
        index
    }

    pub fn start_element(&mut self, name: Name, ns_decls: Vec<(String, String)>) {
        let index = self.push(NodeKind::Element, name, String::new());
        self.nodes[index as usize].ns_decls = ns_decls;
        self.open.push(index);
    }

    /// Adds an attribute to the element just started (before any of its children).
    pub fn attribute(&mut self, name: Name, value: String) {
        self.push(NodeKind::Attribute, name, value);
    }

    /// Adds text; text right after text in the same parent joins it, so that adjacent text,
    /// CDATA and character references form one text node. Empty text adds nothing.
    pub fn text(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        let parent = self.current();
        if let Some(last) = self.nodes.last_mut()
            && last.kind == NodeKind::Text
            && last.parent == parent
        {
            last.value.push_str(text);
            return;
        }
        self.push(NodeKind::Text, Name::default(), text.to_string());
    }

    pub fn comment(&mut self, text: &str) {
        self.push(NodeKind::Comment, Name::default(), text.to_string());
    }

    pub fn processing_instruction(&mut self, target: &str, data: &str) {
        let name = Name {
            local: target.to_string(),
            ..Name::default()
        };
        self.push(NodeKind::ProcessingInstruction, name, data.to_string());
    }

    pub fn end_element(&mut self) {
        if self.open.len() > 1
            && let Some(index) = self.open.pop()
        {
            self.nodes[index as usize].end = self.nodes.len() as u32;
        }
    }

    pub fn finish(mut self) -> Document {
        while self.open.len() > 1 {
            self.end_element();
        }
        self.nodes[0].end = self.nodes.len() as u32;
        Document { nodes: self.nodes }
    }
}
