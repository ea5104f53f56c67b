//! Evaluation of a compiled expression against a [`Document`] (REC-xpath §2–§3).
//!
//! Node-sets are kept sorted in document order without duplicates. A variable the resolver
//! does not know is Synapse's *null*: false in comparisons and `boolean()`, `""` as a string,
//! NaN as a number, and an empty node-set where a node-set is needed (Jaxen behaves the same
//! for the first three).

use super::ast::{BinOp, Expr, Function, PathStart, Step};
use super::axes::select;
use super::functions::call_core;
use super::number::{parse_xpath_number, xpath_number_string};
use super::tree::{Document, NodeId};
use super::{EvalError, Resolver, Value};

pub(crate) struct Evaluator<'a> {
    pub doc: &'a Document,
    pub resolver: &'a dyn Resolver,
}

/// The dynamic context: context node, position and size (both 1-based).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ctx {
    pub node: NodeId,
    pub position: usize,
    pub size: usize,
}

impl Evaluator<'_> {
    /// Each arm is a call, so that the frame of this (recursive) function stays small.
    pub fn eval(&self, expr: &Expr, ctx: Ctx) -> Result<Value, EvalError> {
        match expr {
            Expr::Literal(s) => Ok(Value::String(s.clone())),
            Expr::Number(n) => Ok(Value::Number(*n)),
            Expr::Variable(prefix, name) => self.variable(prefix.as_deref(), name),
            Expr::Negate(inner) => self.negate(inner, ctx),
            Expr::Binary(op, left, right) => self.binary(*op, left, right, ctx),
            Expr::Union(parts) => self.union(parts, ctx),
            Expr::Path(start, steps) => self.path(start, steps, ctx),
            Expr::Filter(primary, predicates) => self.filter(primary, predicates, ctx),
            Expr::Call(Function::Core(f), args) => call_core(self, *f, args, ctx),
            Expr::Call(Function::Extension(name), args) => self.extension(name, args, ctx),
        }
    }

    fn negate(&self, inner: &Expr, ctx: Ctx) -> Result<Value, EvalError> {
        let value = self.eval(inner, ctx)?;
        Ok(Value::Number(-self.number(&value)))
    }

    fn union(&self, parts: &[Expr], ctx: Ctx) -> Result<Value, EvalError> {
        let mut nodes = Vec::new();
        for part in parts {
            let value = self.eval(part, ctx)?;
            nodes.extend(self.node_set(value, "`|`")?);
        }
        Ok(Value::NodeSet(sorted(nodes)))
    }

    fn path(&self, start: &PathStart, steps: &[Step], ctx: Ctx) -> Result<Value, EvalError> {
        let mut nodes = match start {
            PathStart::Root => vec![self.doc.root()],
            PathStart::Context => vec![ctx.node],
            PathStart::Filter(primary) => {
                let value = self.eval(primary, ctx)?;
                self.node_set(value, "`/`")?
            }
        };
        for step in steps {
            nodes = self.step(step, &nodes)?;
        }
        Ok(Value::NodeSet(nodes))
    }

    fn filter(&self, primary: &Expr, predicates: &[Expr], ctx: Ctx) -> Result<Value, EvalError> {
        let value = self.eval(primary, ctx)?;
        let nodes = self.node_set(value, "a predicate")?;
        Ok(Value::NodeSet(self.predicates(nodes, predicates)?))
    }

    fn variable(&self, prefix: Option<&str>, name: &str) -> Result<Value, EvalError> {
        let soap = match (prefix, name) {
            (None, "body") => Some(self.doc.body()),
            (None, "header") => Some(self.doc.header()),
            (None, "env") => Some(self.doc.envelope()),
            _ => None,
        };
        if let Some(node) = soap {
            return Ok(Value::NodeSet(node.into_iter().collect()));
        }
        match self.resolver.variable(prefix, name) {
            Some(value) => self.checked(value),
            None => Ok(Value::Null),
        }
    }

    fn extension(&self, name: &str, args: &[Expr], ctx: Ctx) -> Result<Value, EvalError> {
        let mut values = Vec::with_capacity(args.len());
        for arg in args {
            values.push(match self.eval(arg, ctx)? {
                // Synapse's functions all take strings (Jaxen's StringFunction.evaluate).
                Value::NodeSet(nodes) => Value::String(self.first_string(&nodes)),
                other => other,
            });
        }
        match self.resolver.function(name, &values) {
            Some(result) => self.checked(result?),
            None => Err(EvalError::new(format!("unknown XPath function `{name}()`"))),
        }
    }

    /// Values from the resolver may hold node ids: they must belong to this document.
    fn checked(&self, value: Value) -> Result<Value, EvalError> {
        match value {
            Value::NodeSet(nodes) => {
                if let Some(bad) = nodes.iter().find(|&&n| !self.doc.contains(n)) {
                    return Err(EvalError::new(format!(
                        "the resolver returned node {bad:?}, which is not in the document"
                    )));
                }
                Ok(Value::NodeSet(sorted(nodes)))
            }
            other => Ok(other),
        }
    }

    pub fn node_set(&self, value: Value, what: &str) -> Result<Vec<NodeId>, EvalError> {
        match value {
            Value::NodeSet(nodes) => Ok(nodes),
            Value::Null => Ok(Vec::new()),
            other => Err(EvalError::new(format!(
                "{what} needs a node-set, but got {}",
                other.type_name()
            ))),
        }
    }

    fn step(&self, step: &Step, input: &[NodeId]) -> Result<Vec<NodeId>, EvalError> {
        let mut out = Vec::new();
        for &node in input {
            let selected = select(self.doc, node, step.axis, &step.test);
            out.extend(self.predicates(selected, &step.predicates)?);
        }
        // A single context node gives axis order; put reverse axes back in document order.
        if input.len() <= 1 && !step.axis.is_reverse() {
            return Ok(out);
        }
        Ok(sorted(out))
    }

    /// Filters `nodes` (in the order that defines `position()`) through each predicate.
    pub fn predicates(
        &self,
        mut nodes: Vec<NodeId>,
        predicates: &[Expr],
    ) -> Result<Vec<NodeId>, EvalError> {
        for predicate in predicates {
            let size = nodes.len();
            let mut kept = Vec::new();
            for (i, &node) in nodes.iter().enumerate() {
                let ctx = Ctx {
                    node,
                    position: i + 1,
                    size,
                };
                let keep = match self.eval(predicate, ctx)? {
                    Value::Number(n) => n == (i + 1) as f64,
                    other => self.boolean(&other),
                };
                if keep {
                    kept.push(node);
                }
            }
            nodes = kept;
        }
        Ok(nodes)
    }

    fn binary(&self, op: BinOp, left: &Expr, right: &Expr, ctx: Ctx) -> Result<Value, EvalError> {
        let a = self.eval(left, ctx)?;
        match op {
            BinOp::Or if self.boolean(&a) => return Ok(Value::Boolean(true)),
            BinOp::And if !self.boolean(&a) => return Ok(Value::Boolean(false)),
            BinOp::Or | BinOp::And => {
                let b = self.eval(right, ctx)?;
                return Ok(Value::Boolean(self.boolean(&b)));
            }
            _ => {}
        }
        let b = self.eval(right, ctx)?;
        Ok(self.apply(op, &a, &b))
    }

    fn apply(&self, op: BinOp, a: &Value, b: &Value) -> Value {
        let (x, y) = (self.number(a), self.number(b));
        match op {
            BinOp::Add => Value::Number(x + y),
            BinOp::Sub => Value::Number(x - y),
            BinOp::Mul => Value::Number(x * y),
            BinOp::Div => Value::Number(x / y),
            BinOp::Mod => Value::Number(x % y),
            _ => Value::Boolean(self.compare(op, a, b)),
        }
    }

    /// Comparison of any two values (REC-xpath §3.4). Null on either side is false (Jaxen).
    fn compare(&self, op: BinOp, a: &Value, b: &Value) -> bool {
        match (a, b) {
            (Value::Null, _) | (_, Value::Null) => false,
            (Value::NodeSet(x), Value::NodeSet(y)) => {
                let ys: Vec<Value> = y.iter().map(|&n| self.node_string(n)).collect();
                x.iter().any(|&n| {
                    let sx = self.node_string(n);
                    ys.iter().any(|sy| self.compare_atomic(op, &sx, sy))
                })
            }
            (Value::NodeSet(x), other) => self.compare_set(op, x, other, false),
            (other, Value::NodeSet(y)) => self.compare_set(op, y, other, true),
            _ => self.compare_atomic(op, a, b),
        }
    }

    /// A node-set against a non-node-set; `flipped` when the node-set is the right operand.
    fn compare_set(&self, op: BinOp, nodes: &[NodeId], other: &Value, flipped: bool) -> bool {
        let ordered = |x: &Value| {
            if flipped {
                self.compare_atomic(op, other, x)
            } else {
                self.compare_atomic(op, x, other)
            }
        };
        match other {
            Value::Boolean(_) => ordered(&Value::Boolean(!nodes.is_empty())),
            Value::Number(_) => nodes.iter().any(|&n| {
                ordered(&Value::Number(parse_xpath_number(
                    &self.doc.string_value(n),
                )))
            }),
            _ => nodes.iter().any(|&n| ordered(&self.node_string(n))),
        }
    }

    fn compare_atomic(&self, op: BinOp, a: &Value, b: &Value) -> bool {
        let equal = match op {
            BinOp::Eq | BinOp::Neq => {
                if matches!(a, Value::Boolean(_)) || matches!(b, Value::Boolean(_)) {
                    self.boolean(a) == self.boolean(b)
                } else if matches!(a, Value::Number(_)) || matches!(b, Value::Number(_)) {
                    self.number(a) == self.number(b)
                } else {
                    self.string(a) == self.string(b)
                }
            }
            _ => {
                let (x, y) = (self.number(a), self.number(b));
                return match op {
                    BinOp::Lt => x < y,
                    BinOp::Le => x <= y,
                    BinOp::Gt => x > y,
                    _ => x >= y,
                };
            }
        };
        equal == (op == BinOp::Eq)
    }

    fn node_string(&self, node: NodeId) -> Value {
        Value::String(self.doc.string_value(node))
    }

    fn first_string(&self, nodes: &[NodeId]) -> String {
        nodes
            .first()
            .map(|&n| self.doc.string_value(n))
            .unwrap_or_default()
    }

    /// XPath `string()`.
    pub fn string(&self, value: &Value) -> String {
        match value {
            Value::NodeSet(nodes) => self.first_string(nodes),
            Value::String(s) => s.clone(),
            Value::Number(n) => xpath_number_string(*n),
            Value::Boolean(b) => b.to_string(),
            Value::Null => String::new(),
        }
    }

    /// XPath `number()`.
    pub fn number(&self, value: &Value) -> f64 {
        match value {
            Value::Number(n) => *n,
            Value::Boolean(b) => f64::from(u8::from(*b)),
            Value::Null => f64::NAN,
            other => parse_xpath_number(&self.string(other)),
        }
    }

    /// XPath `boolean()`.
    pub fn boolean(&self, value: &Value) -> bool {
        match value {
            Value::NodeSet(nodes) => !nodes.is_empty(),
            Value::String(s) => !s.is_empty(),
            Value::Number(n) => *n != 0.0 && !n.is_nan(),
            Value::Boolean(b) => *b,
            Value::Null => false,
        }
    }
}

/// Document order, no duplicates.
pub(crate) fn sorted(mut nodes: Vec<NodeId>) -> Vec<NodeId> {
    nodes.sort_unstable();
    nodes.dedup();
    nodes
}
