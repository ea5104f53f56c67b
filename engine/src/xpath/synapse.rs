//! Synapse's string conversion of a whole XPath result (`SynapseXPath.stringValueOf`,
//! synapse-semantics.md §4.2). It differs from XPath's `string()` on purpose:
//!
//! | Result | String |
//! |---|---|
//! | string, boolean | as is |
//! | number | Java `Double.toString`: `count(//a)` gives `3.0` |
//! | one element | its direct text, trimmed; its serialized XML when that text is blank |
//! | several nodes | concatenated; elements serialized (with their direct text trimmed) |
//! | text node | its text; attribute: its value; comments and PIs add nothing |
//! | empty node-set | `""` |
//! | null (missing variable) | `None` |

use super::Value;
use super::number::java_double_string;
use super::tree::{Document, NodeId, NodeKind};

/// Synapse's string of an XPath result; `None` for null (a missing property).
pub fn synapse_string(value: &Value, doc: &Document) -> Option<String> {
    string_of(value, doc, false)
}

/// As [`synapse_string`], with Synapse's `node()` rule: when the expression text contains
/// `node()` and the result is one node, a text node stands for its parent element and an
/// element is serialized (its direct text trimmed) rather than reduced to its text.
pub(crate) fn string_of(value: &Value, doc: &Document, node_rule: bool) -> Option<String> {
    let nodes = match value {
        Value::Null => return None,
        Value::String(s) => return Some(s.clone()),
        Value::Boolean(b) => return Some(b.to_string()),
        Value::Number(n) => return Some(java_double_string(*n)),
        Value::NodeSet(nodes) => nodes,
    };
    let single = nodes.len() == 1;
    let mut out = String::new();
    for &node in nodes {
        let node = match doc.parent(node) {
            Some(parent) if single && node_rule && doc.kind(node) == NodeKind::Text => parent,
            _ => node,
        };
        match doc.kind(node) {
            NodeKind::Text | NodeKind::Attribute => out.push_str(&doc.value(node)),
            NodeKind::Element => out.push_str(&element_string(doc, node, single && !node_rule)),
            NodeKind::Root => {
                if let Some(element) = doc.document_element() {
                    out.push_str(&doc.to_xml(element));
                }
            }
            NodeKind::Comment | NodeKind::ProcessingInstruction | NodeKind::Namespace => {}
        }
    }
    Some(out)
}

/// One element, as Synapse renders it: the direct text with non-breaking spaces made plain and
/// the ends trimmed (Java's `trim`, which drops all control characters too). When that is
/// empty, the serialized element. Otherwise `text_only` gives just the trimmed text, and
/// without it the serialized element has its direct text replaced by the trimmed text.
fn element_string(doc: &Document, node: NodeId, text_only: bool) -> String {
    let text = doc.direct_text(node);
    let trimmed = text
        .replace('\u{A0}', " ")
        .trim_matches(|c: char| c <= ' ')
        .to_string();
    if trimmed.is_empty() {
        return doc.to_xml(node);
    }
    if text_only {
        return trimmed;
    }
    let xml = doc.to_xml(node);
    if text.is_empty() {
        xml
    } else {
        xml.replace(&text, &trimmed)
    }
}

#[cfg(test)]
mod tests {
    use super::super::{NoResolver, XPath};
    use super::*;

    fn eval(doc: &Document, expr: &str) -> Option<String> {
        XPath::compile(expr, &[])
            .unwrap()
            .string_value_of(doc, &NoResolver)
            .unwrap()
    }

    #[test]
    fn synapse_string_conversion_table() {
        let doc = Document::wrap_xml(
            "<order id='42'><id> 7 </id><note>\u{A0}hi\u{A0}</note><items><item>a</item><item>b</item></items>\
             <mixed> t <x/></mixed><empty/><blank>  </blank><!--c--></order>",
        )
        .unwrap();
        let cases = [
            ("'text'", Some("text")),
            ("1 = 1", Some("true")),
            ("count(//item)", Some("2.0")),
            ("1 div 2", Some("0.5")),
            ("1 div 0", Some("Infinity")),
            ("number('x')", Some("NaN")),
            ("//id", Some("7")),
            ("//note", Some("hi")),
            (
                "//items",
                Some("<items><item>a</item><item>b</item></items>"),
            ),
            ("//item", Some("<item>a</item><item>b</item>")),
            ("//mixed", Some("t")),
            ("//empty", Some("<empty/>")),
            ("//blank", Some("<blank>  </blank>")),
            ("//order/@id", Some("42")),
            ("//id/text()", Some(" 7 ")),
            ("//item/text()", Some("ab")),
            ("//missing", Some("")),
            ("//comment()", Some("")),
            ("//id/node()", Some("<id>7</id>")),
            ("//items/node()", Some("<item>a</item><item>b</item>")),
            ("$ctx:missing", None),
            ("$body/order/id", Some("7")),
        ];
        for (expr, expected) in cases {
            assert_eq!(eval(&doc, expr).as_deref(), expected, "{expr}");
        }
    }

    #[test]
    fn the_root_node_gives_the_serialized_envelope() {
        let doc = Document::wrap_xml("<a>1</a>").unwrap();
        let xml = eval(&doc, "/").unwrap();
        assert!(
            xml.starts_with("<soapenv:Envelope") && xml.contains("<a>1</a>"),
            "{xml}"
        );
    }

    #[test]
    fn json_payloads() {
        let json =
            serde_json::json!({"name": "Ada", "tags": ["x"], "n": 1.5, "ok": true, "none": null});
        let doc = Document::from_json(&json);
        let cases = [
            ("$body/jsonObject/name", "Ada"),
            ("//tags", "x"),
            ("count(//tags)", "1.0"),
            ("//n * 2", "3.0"),
            ("//ok", "true"),
            ("//none", "<none/>"),
        ];
        for (expr, expected) in cases {
            assert_eq!(eval(&doc, expr).as_deref(), Some(expected), "{expr}");
        }
    }
}
