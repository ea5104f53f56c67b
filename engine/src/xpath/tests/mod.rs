//! Table tests for the XPath module, one line per case. Helpers describe node-sets compactly:
//! elements by name, `@attr`, `'text'`, `#comment`, `?pi-target`, `ns:prefix` and `/` for the root.

mod axes;
mod errors;
mod extensions;
mod functions;
mod fuzz;
mod json;
mod operators;
mod parse;
mod variables;

use super::eval::Evaluator;
use super::{Document, EvalError, NodeId, NodeKind, Resolver, Value, XPath, call_extension};

/// The document most tables run against.
pub(super) const SAMPLE: &str = "<r xmlns:p='urn:p'><a id='1' p:q='x'><b>b1</b><c>c1<d/></c><!--k--><?pi v?></a>\
    <e xml:lang='en-GB'><f n='2'/><g>text</g><p:h n='3'>  padded   text </p:h></e><num>10</num><num>2.5</num></r>";

/// Variables `$ctx:a`, `$ctx:b`, `$ctx:num`, `$trp:Content-Type`, `$x`; functions
/// `get-property(name)` (reads ctx), `echo(args...)` (first argument) and the pure extensions.
pub(super) struct TestResolver;

impl Resolver for TestResolver {
    fn variable(&self, prefix: Option<&str>, name: &str) -> Option<Value> {
        let text = match (prefix, name) {
            (Some("ctx"), "a") => "1",
            (Some("ctx"), "b") => "x",
            (Some("ctx"), "empty") => "",
            (Some("ctx"), "num") => "10",
            (Some("trp"), "Content-Type") => "application/json",
            (None, "x") => "plain",
            (Some("ctx"), "number") => return Some(Value::Number(3.0)),
            (Some("ctx"), "flag") => return Some(Value::Boolean(true)),
            (Some("ctx"), "bad-node") => return Some(Value::NodeSet(vec![NodeId::at(9999)])),
            _ => return None,
        };
        Some(Value::String(text.to_string()))
    }

    fn function(&self, name: &str, args: &[Value]) -> Option<Result<Value, EvalError>> {
        match name {
            "get-property" => {
                let key = args.last().map(Value::to_plain_string).unwrap_or_default();
                Some(Ok(self.variable(Some("ctx"), &key).unwrap_or(Value::Null)))
            }
            "echo" | "wso2:echo" => Some(Ok(args.first().cloned().unwrap_or(Value::Null))),
            "fail" => Some(Err(EvalError::new("failed on purpose"))),
            _ => call_extension(name, args),
        }
    }
}

pub(super) fn namespaces() -> Vec<(String, String)> {
    vec![
        ("p".into(), "urn:p".into()),
        ("wso2".into(), "urn:wso2".into()),
        ("fn".into(), "http://www.w3.org/2005/xpath-functions".into()),
        ("soapenv".into(), super::SOAP11_NS.into()),
    ]
}

pub(super) fn doc(xml: &str) -> Document {
    Document::parse(xml).unwrap_or_else(|e| panic!("{xml}: {e}"))
}

/// Evaluates `expr` with the first node of `context` (an absolute path) as context node.
pub(super) fn eval_at(doc: &Document, context: &str, expr: &str) -> Result<Value, EvalError> {
    let ns = namespaces();
    let start = XPath::compile(context, &ns).unwrap();
    let node = match start.evaluate(doc, doc.root(), &TestResolver).unwrap() {
        Value::NodeSet(nodes) if !nodes.is_empty() => nodes[0],
        other => panic!("context `{context}` gave {other:?}"),
    };
    let xpath = XPath::compile(expr, &ns).unwrap_or_else(|e| panic!("{expr}: {e}"));
    xpath.evaluate(doc, node, &TestResolver)
}

/// XPath `string()` of the result of `expr`, evaluated at the document element.
pub(super) fn string(doc: &Document, expr: &str) -> String {
    let value = eval_at(doc, "/*", expr).unwrap_or_else(|e| panic!("{expr}: {e}"));
    let evaluator = Evaluator {
        doc,
        resolver: &TestResolver,
    };
    match value {
        Value::Null => "null".into(),
        other => evaluator.string(&other),
    }
}

/// A node-set result described node by node, comma-separated.
pub(super) fn nodes(doc: &Document, context: &str, expr: &str) -> String {
    match eval_at(doc, context, expr) {
        Ok(Value::NodeSet(nodes)) => nodes
            .iter()
            .map(|&n| describe(doc, n))
            .collect::<Vec<_>>()
            .join(","),
        other => panic!("`{expr}` at `{context}` gave {other:?}"),
    }
}

pub(super) fn describe(doc: &Document, n: NodeId) -> String {
    match doc.kind(n) {
        NodeKind::Root => "/".into(),
        NodeKind::Element => doc.qualified_name(n),
        NodeKind::Attribute => format!("@{}", doc.qualified_name(n)),
        NodeKind::Text => format!("'{}'", doc.value(n)),
        NodeKind::Comment => "#comment".into(),
        NodeKind::ProcessingInstruction => format!("?{}", doc.local_name(n)),
        NodeKind::Namespace => format!("ns:{}", doc.local_name(n)),
    }
}
