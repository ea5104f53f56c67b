//! The steps of a definite JSONPath (`$.a.b[0]`): walked directly to read a node, and
//! used by enrich, iterate and foreach to write into a JSON document.

use jsonpath_rust::parser::model::{Segment, Selector};
use serde_json::Value;

use super::JsonPathExpr;

/// One step of a definite path, for writing into a JSON document.
#[derive(Debug, Clone, PartialEq)]
pub enum PathStep {
    Name(String),
    Index(i64),
}

impl std::fmt::Display for PathStep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PathStep::Name(n) => write!(f, ".{n}"),
            PathStep::Index(i) => write!(f, "[{i}]"),
        }
    }
}

impl PathStep {
    /// The step a segment of a definite path takes; `None` for any other kind of segment.
    pub(super) fn of_segment(segment: &Segment) -> Option<PathStep> {
        match segment {
            Segment::Selector(Selector::Name(n)) => Some(PathStep::Name(n.clone())),
            Segment::Selector(Selector::Index(i)) => Some(PathStep::Index(*i)),
            _ => None,
        }
    }

    /// The child this step names, as RFC 9535 selects it: a member of an object, an element
    /// of an array (negative indices count from the end); nothing on any other node.
    pub(super) fn child<'v>(&self, node: &'v Value) -> Option<&'v Value> {
        match (self, node) {
            (PathStep::Name(name), Value::Object(map)) => map.get(name),
            (PathStep::Index(i), Value::Array(items)) => {
                let at = if *i < 0 {
                    items.len().checked_sub(i.unsigned_abs() as usize)?
                } else {
                    *i as usize
                };
                items.get(at)
            }
            _ => None,
        }
    }

    /// The child this step names; with `create`, missing object members are added (as null)
    /// and a null node becomes an object.
    pub fn descend<'v>(&self, node: &'v mut Value, create: bool) -> Option<&'v mut Value> {
        match self {
            PathStep::Name(name) => {
                if create && node.is_null() {
                    *node = Value::Object(Default::default());
                }
                let map = node.as_object_mut()?;
                if create {
                    Some(map.entry(name.clone()).or_insert(Value::Null))
                } else {
                    map.get_mut(name)
                }
            }
            PathStep::Index(i) => {
                let items = node.as_array_mut()?;
                let at = if *i < 0 {
                    items.len().checked_sub(i.unsigned_abs() as usize)?
                } else {
                    *i as usize
                };
                items.get_mut(at)
            }
        }
    }

    /// Removes the child this step names from `node`.
    pub fn remove(&self, node: &mut Value) {
        match (self, node) {
            (PathStep::Name(name), Value::Object(map)) => {
                map.shift_remove(name);
            }
            (PathStep::Index(i), Value::Array(items)) => {
                let at = if *i < 0 {
                    items.len().checked_sub(i.unsigned_abs() as usize)
                } else {
                    Some(*i as usize)
                };
                if let Some(at) = at.filter(|&a| a < items.len()) {
                    items.remove(at);
                }
            }
            _ => {}
        }
    }
}

/// The node at the end of `steps`, read-only, if every step exists.
pub(super) fn node_of<'v>(root: &'v Value, steps: &[PathStep]) -> Option<&'v Value> {
    steps.iter().try_fold(root, |node, step| step.child(node))
}

/// The node at the end of `steps`, if every step exists.
pub fn node_at<'v>(node: &'v mut Value, steps: &[PathStep]) -> Option<&'v mut Value> {
    let mut current = node;
    for step in steps {
        current = step.descend(current, false)?;
    }
    Some(current)
}

/// The steps of a definite path (`$.a.b[0]`); `None` for wildcards, filters, descent, `$`.
pub fn definite_steps(path: &JsonPathExpr) -> Option<Vec<PathStep>> {
    let query = path.query.as_ref()?;
    if !path.definite || path.length {
        return None;
    }
    query.segments.iter().map(PathStep::of_segment).collect()
}
