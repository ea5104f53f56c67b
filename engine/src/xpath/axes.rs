//! The thirteen axes and node tests over the arena (REC-xpath §2.2–§2.3). Axis results come in
//! axis order: document order for forward axes, reverse document order for reverse ones.

use super::ast::{Axis, NodeTest};
use super::tree::{Document, NodeId, NodeKind};

/// Nodes on `axis` from `node` that pass `test`, in axis order.
pub(crate) fn select(doc: &Document, node: NodeId, axis: Axis, test: &NodeTest) -> Vec<NodeId> {
    let principal = match axis {
        Axis::Attribute => NodeKind::Attribute,
        Axis::Namespace => NodeKind::Namespace,
        _ => NodeKind::Element,
    };
    let keep = |id: &NodeId| matches(doc, *id, principal, test);
    match axis {
        Axis::Child => doc.children(node).filter(keep).collect(),
        Axis::Descendant => doc.descendants(node).filter(keep).collect(),
        Axis::DescendantOrSelf => std::iter::once(node)
            .chain(doc.descendants(node))
            .filter(keep)
            .collect(),
        Axis::SelfNode => std::iter::once(node).filter(keep).collect(),
        Axis::Parent => doc.parent(node).into_iter().filter(keep).collect(),
        Axis::Ancestor => ancestors(doc, node).filter(keep).collect(),
        Axis::AncestorOrSelf => std::iter::once(node)
            .chain(ancestors(doc, node))
            .filter(keep)
            .collect(),
        Axis::Attribute => doc.attributes(node).filter(keep).collect(),
        Axis::Namespace => doc.namespace_nodes(node).filter(keep).collect(),
        Axis::FollowingSibling => following_siblings(doc, node).filter(keep).collect(),
        Axis::PrecedingSibling => {
            let mut nodes: Vec<NodeId> = preceding_siblings(doc, node).filter(keep).collect();
            nodes.reverse();
            nodes
        }
        Axis::Following => following(doc, node).filter(keep).collect(),
        Axis::Preceding => preceding(doc, node).filter(keep).collect(),
    }
}

fn is_attribute_like(doc: &Document, id: NodeId) -> bool {
    matches!(doc.kind(id), NodeKind::Attribute | NodeKind::Namespace)
}

fn ancestors(doc: &Document, node: NodeId) -> impl Iterator<Item = NodeId> + '_ {
    std::iter::successors(doc.parent(node), |&n| doc.parent(n))
}

fn following_siblings(doc: &Document, node: NodeId) -> impl Iterator<Item = NodeId> + '_ {
    let parent_end = match doc.parent(node) {
        Some(p) if !is_attribute_like(doc, node) => doc.node(p.index).end,
        _ => 0,
    };
    let mut next = doc.node(node.index).end;
    std::iter::from_fn(move || {
        if next >= parent_end {
            return None;
        }
        let current = next;
        next = doc.node(current).end;
        Some(NodeId::at(current))
    })
}

/// Preceding siblings in document order.
fn preceding_siblings(doc: &Document, node: NodeId) -> impl Iterator<Item = NodeId> + '_ {
    let parent = doc.parent(node).filter(|_| !is_attribute_like(doc, node));
    parent
        .into_iter()
        .flat_map(move |p| doc.children(p))
        .take_while(move |&c| c < node)
}

/// Everything after the node in document order except its descendants, attributes and
/// namespace nodes. For an attribute or namespace node that starts at its element's children.
fn following(doc: &Document, node: NodeId) -> impl Iterator<Item = NodeId> + '_ {
    let start = if is_attribute_like(doc, node) {
        doc.first_child_index(node.index)
    } else {
        doc.node(node.index).end
    };
    (start..doc.len() as u32)
        .filter(move |&i| doc.node(i).kind != NodeKind::Attribute)
        .map(NodeId::at)
}

/// Everything before the node in reverse document order except its ancestors, attributes and
/// namespace nodes. Node `j` before `i` is an ancestor of `i` exactly when its subtree reaches
/// past `i`.
fn preceding(doc: &Document, node: NodeId) -> impl Iterator<Item = NodeId> + '_ {
    let anchor = node.index; // for attributes and namespaces, their element: an ancestor
    (0..anchor)
        .rev()
        .filter(move |&j| {
            let n = doc.node(j);
            n.kind != NodeKind::Attribute && n.end <= anchor
        })
        .map(NodeId::at)
}

/// The node test, with `principal` the axis's principal node type for `*` and names.
pub(crate) fn matches(doc: &Document, id: NodeId, principal: NodeKind, test: &NodeTest) -> bool {
    let kind = doc.kind(id);
    match test {
        NodeTest::Node => true,
        NodeTest::Text => kind == NodeKind::Text,
        NodeTest::Comment => kind == NodeKind::Comment,
        NodeTest::ProcessingInstruction(target) => {
            kind == NodeKind::ProcessingInstruction
                && target
                    .as_deref()
                    .is_none_or(|t| doc.node(id.index).name.local == t)
        }
        NodeTest::Any => kind == principal,
        NodeTest::AnyInNamespace(uri) => kind == principal && doc.namespace_uri(id) == uri,
        NodeTest::Name { uri, local } => {
            if kind != principal {
                false
            } else if kind == NodeKind::Namespace {
                uri.is_empty() && doc.local_name(id) == *local
            } else {
                let name = &doc.node(id.index).name;
                name.local == *local && name.uri == *uri
            }
        }
    }
}
