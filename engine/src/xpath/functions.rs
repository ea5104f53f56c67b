//! The XPath 1.0 core function library (REC-xpath §4), plus Jaxen's `ends-with`,
//! `upper-case` and `lower-case`. Argument counts were checked at compile time.

use super::ast::{CoreFn, Expr};
use super::eval::{Ctx, Evaluator};
use super::tree::{NodeId, NodeKind, XML_NS};
use super::{EvalError, Value};

pub(crate) fn call_core(
    ev: &Evaluator<'_>,
    f: CoreFn,
    args: &[Expr],
    ctx: Ctx,
) -> Result<Value, EvalError> {
    // Arguments first, in a small frame: the big one below is not on the recursion path.
    let mut values = Vec::with_capacity(args.len());
    for arg in args {
        values.push(ev.eval(arg, ctx)?);
    }
    apply(ev, f, &values, ctx)
}

fn apply(ev: &Evaluator<'_>, f: CoreFn, values: &[Value], ctx: Ctx) -> Result<Value, EvalError> {
    let doc = ev.doc;
    // The string of argument `i`, or of the context node when it is absent.
    let string_arg = |i: usize| match values.get(i) {
        Some(v) => ev.string(v),
        None => doc.string_value(ctx.node),
    };
    let str_at = |i: usize| values.get(i).map(|v| ev.string(v)).unwrap_or_default();
    let num_at = |i: usize| values.get(i).map_or(f64::NAN, |v| ev.number(v));
    // The node named by an optional node-set argument: its first node, or the context node.
    let node_arg = |name: &str| -> Result<Option<NodeId>, EvalError> {
        match values.first() {
            None => Ok(Some(ctx.node)),
            Some(v) => Ok(ev
                .node_set(v.clone(), &format!("{name}()"))?
                .first()
                .copied()),
        }
    };
    Ok(match f {
        CoreFn::Last => Value::Number(ctx.size as f64),
        CoreFn::Position => Value::Number(ctx.position as f64),
        CoreFn::Count => Value::Number(ev.node_set(values[0].clone(), "count()")?.len() as f64),
        // No DTD, so no ID attributes: id() never finds anything.
        CoreFn::Id => Value::NodeSet(Vec::new()),
        CoreFn::LocalName => {
            let name = node_arg("local-name")?.map(|n| match doc.kind(n) {
                NodeKind::Element
                | NodeKind::Attribute
                | NodeKind::ProcessingInstruction
                | NodeKind::Namespace => doc.local_name(n),
                _ => String::new(),
            });
            Value::String(name.unwrap_or_default())
        }
        CoreFn::NamespaceUri => {
            let uri = node_arg("namespace-uri")?.map(|n| doc.namespace_uri(n).to_string());
            Value::String(uri.unwrap_or_default())
        }
        CoreFn::Name => {
            let name = node_arg("name")?.map(|n| match doc.kind(n) {
                NodeKind::Element | NodeKind::Attribute => doc.qualified_name(n),
                NodeKind::ProcessingInstruction | NodeKind::Namespace => doc.local_name(n),
                _ => String::new(),
            });
            Value::String(name.unwrap_or_default())
        }
        CoreFn::String => Value::String(string_arg(0)),
        CoreFn::Concat => Value::String(values.iter().map(|v| ev.string(v)).collect()),
        CoreFn::StartsWith => Value::Boolean(str_at(0).starts_with(&str_at(1))),
        CoreFn::EndsWith => Value::Boolean(str_at(0).ends_with(&str_at(1))),
        CoreFn::Contains => Value::Boolean(str_at(0).contains(&str_at(1))),
        CoreFn::SubstringBefore => {
            let (s, t) = (str_at(0), str_at(1));
            Value::String(s.find(&t).map(|i| s[..i].to_string()).unwrap_or_default())
        }
        CoreFn::SubstringAfter => {
            let (s, t) = (str_at(0), str_at(1));
            Value::String(
                s.find(&t)
                    .map(|i| s[i + t.len()..].to_string())
                    .unwrap_or_default(),
            )
        }
        CoreFn::Substring => {
            let length = values.get(2).map(|v| ev.number(v));
            Value::String(substring(&str_at(0), num_at(1), length))
        }
        CoreFn::StringLength => Value::Number(string_arg(0).chars().count() as f64),
        CoreFn::NormalizeSpace => Value::String(normalize_space(&string_arg(0))),
        CoreFn::Translate => Value::String(translate(&str_at(0), &str_at(1), &str_at(2))),
        CoreFn::UpperCase => Value::String(str_at(0).to_uppercase()),
        CoreFn::LowerCase => Value::String(str_at(0).to_lowercase()),
        CoreFn::Boolean => Value::Boolean(ev.boolean(&values[0])),
        CoreFn::Not => Value::Boolean(!ev.boolean(&values[0])),
        CoreFn::True => Value::Boolean(true),
        CoreFn::False => Value::Boolean(false),
        CoreFn::Lang => Value::Boolean(lang(ev, ctx.node, &str_at(0))),
        CoreFn::Number => match values.first() {
            Some(v) => Value::Number(ev.number(v)),
            None => Value::Number(ev.number(&Value::NodeSet(vec![ctx.node]))),
        },
        CoreFn::Sum => {
            let nodes = ev.node_set(values[0].clone(), "sum()")?;
            let sum = nodes
                .iter()
                .map(|&n| ev.number(&Value::String(doc.string_value(n))))
                .sum();
            Value::Number(sum)
        }
        CoreFn::Floor => Value::Number(num_at(0).floor()),
        CoreFn::Ceiling => Value::Number(num_at(0).ceil()),
        CoreFn::Round => Value::Number(round(num_at(0))),
    })
}

/// XPath `round()`: the closest integer, halves towards positive infinity.
pub(crate) fn round(x: f64) -> f64 {
    if !x.is_finite() {
        return x;
    }
    let floor = x.floor();
    let r = if x - floor >= 0.5 { floor + 1.0 } else { floor };
    if r == 0.0 && x < 0.0 { -0.0 } else { r }
}

/// XPath `substring()`: characters at 1-based positions p with
/// `round(start) <= p < round(start) + round(length)`, in IEEE arithmetic (NaN selects nothing).
pub(crate) fn substring(s: &str, start: f64, length: Option<f64>) -> String {
    let first = round(start);
    let end = length.map_or(f64::INFINITY, |l| first + round(l));
    s.chars()
        .enumerate()
        .filter(|&(i, _)| {
            let p = (i + 1) as f64;
            p >= first && p < end
        })
        .map(|(_, c)| c)
        .collect()
}

pub(crate) fn normalize_space(s: &str) -> String {
    s.split([' ', '\t', '\r', '\n'])
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

pub(crate) fn translate(s: &str, from: &str, to: &str) -> String {
    let from: Vec<char> = from.chars().collect();
    let to: Vec<char> = to.chars().collect();
    s.chars()
        .filter_map(|c| match from.iter().position(|&f| f == c) {
            Some(i) => to.get(i).copied(),
            None => Some(c),
        })
        .collect()
}

/// XPath `lang()`: the nearest `xml:lang` on the context node or an ancestor equals the
/// argument, or starts with it followed by `-`, ignoring case.
fn lang(ev: &Evaluator<'_>, node: NodeId, wanted: &str) -> bool {
    let doc = ev.doc;
    let mut current = Some(node);
    while let Some(n) = current {
        if doc.kind(n) == NodeKind::Element
            && let Some(value) = doc.attribute_value(n, XML_NS, "lang")
        {
            let value = value.to_lowercase();
            let wanted = wanted.to_lowercase();
            return value == wanted
                || value
                    .strip_prefix(&wanted)
                    .is_some_and(|rest| rest.starts_with('-'));
        }
        current = doc.parent(n);
    }
    false
}
