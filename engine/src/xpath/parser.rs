//! Recursive-descent parser for the XPath 1.0 grammar (REC-xpath §2–§3), tokens in, [`Expr`]
//! out. The tree depth is bounded (parentheses, nested calls and predicates, and chains of
//! binary operators all count), so that neither parsing nor evaluation can overflow the stack.

use super::XPathError;
use super::ast::{Axis, BinOp, Expr, Function, NodeTest, PathStart, Step};
use super::lexer::{Spanned, Tok};
use super::tree::XML_NS;

/// Maximum depth of the expression tree. Real configs nest a handful of levels; at 64, parsing
/// needs about 100 KB of stack in release builds (about 600 KB unoptimised).
pub(crate) const MAX_DEPTH: usize = 64;

/// The binary operator a token stands for, with its precedence level (0 binds loosest).
fn binary_op(tok: &Tok) -> Option<(BinOp, usize)> {
    Some(match tok {
        Tok::Or => (BinOp::Or, 0),
        Tok::And => (BinOp::And, 1),
        Tok::Eq => (BinOp::Eq, 2),
        Tok::Neq => (BinOp::Neq, 2),
        Tok::Lt => (BinOp::Lt, 3),
        Tok::Le => (BinOp::Le, 3),
        Tok::Gt => (BinOp::Gt, 3),
        Tok::Ge => (BinOp::Ge, 3),
        Tok::Plus => (BinOp::Add, 4),
        Tok::Minus => (BinOp::Sub, 4),
        Tok::Multiply => (BinOp::Mul, 5),
        Tok::Div => (BinOp::Div, 5),
        Tok::Mod => (BinOp::Mod, 5),
        _ => return None,
    })
}

pub(crate) struct Parser<'a> {
    tokens: Vec<Spanned>,
    pos: usize,
    end: usize,
    namespaces: &'a [(String, String)],
    depth: usize,
}

impl<'a> Parser<'a> {
    pub fn new(tokens: Vec<Spanned>, end: usize, namespaces: &'a [(String, String)]) -> Self {
        Parser {
            tokens,
            pos: 0,
            end,
            namespaces,
            depth: 0,
        }
    }

    /// Parses the whole token list as one expression.
    pub fn parse(mut self) -> Result<Expr, XPathError> {
        if self.tokens.is_empty() {
            return Err(XPathError::new(0, "the expression is empty"));
        }
        let expr = self.expr()?;
        if let Some((tok, at)) = self.tokens.get(self.pos) {
            return Err(XPathError::new(*at, &format!("unexpected {}", tok)));
        }
        Ok(expr)
    }

    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.pos).map(|(t, _)| t)
    }

    fn offset(&self) -> usize {
        self.tokens.get(self.pos).map_or(self.end, |(_, at)| *at)
    }

    fn eat(&mut self, tok: &Tok) -> bool {
        if self.peek() == Some(tok) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, tok: &Tok, what: &str) -> Result<(), XPathError> {
        if self.eat(tok) {
            return Ok(());
        }
        let found = self
            .peek()
            .map_or("the end of the expression".into(), Tok::to_string);
        Err(XPathError::new(
            self.offset(),
            &format!("expected {what}, found {found}"),
        ))
    }

    fn deeper(&mut self) -> Result<(), XPathError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(XPathError::new(
                self.offset(),
                &format!("the expression is nested more than {MAX_DEPTH} levels deep"),
            ));
        }
        Ok(())
    }

    fn expr(&mut self) -> Result<Expr, XPathError> {
        self.deeper()?;
        let expr = self.binary(0);
        self.depth -= 1;
        expr
    }

    /// Precedence climbing: operators at `min_level` or tighter, left-associative. One frame
    /// per operand instead of one per precedence level keeps the stack shallow.
    fn binary(&mut self, min_level: usize) -> Result<Expr, XPathError> {
        let mut left = self.unary()?;
        let mut chain = 0;
        while let Some((op, level)) = self.peek().and_then(binary_op) {
            if level < min_level {
                break;
            }
            self.pos += 1;
            chain += 1;
            self.deeper()?;
            let right = self.binary(level + 1)?;
            left = Expr::Binary(op, Box::new(left), Box::new(right));
        }
        self.depth -= chain;
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, XPathError> {
        let mut negations = 0;
        while self.eat(&Tok::Minus) {
            negations += 1;
            self.deeper()?;
        }
        let mut expr = self.union()?;
        for _ in 0..negations {
            expr = Expr::Negate(Box::new(expr));
        }
        self.depth -= negations;
        Ok(expr)
    }

    fn union(&mut self) -> Result<Expr, XPathError> {
        let first = self.path()?;
        if self.peek() != Some(&Tok::Pipe) {
            return Ok(first);
        }
        let mut parts = vec![first];
        while self.eat(&Tok::Pipe) {
            parts.push(self.path()?);
        }
        Ok(Expr::Union(parts))
    }

    /// PathExpr: a location path, or a filter expression optionally followed by `/` steps.
    /// The arms are small functions so that this recursive frame stays small in debug builds.
    fn path(&mut self) -> Result<Expr, XPathError> {
        match self.peek() {
            Some(
                Tok::Variable(..)
                | Tok::LParen
                | Tok::Literal(_)
                | Tok::Number(_)
                | Tok::Function(..),
            ) => self.filter_path(),
            Some(Tok::Slash | Tok::SlashSlash) => self.absolute_path(),
            _ if self.starts_step() => {
                let mut steps = Vec::new();
                self.relative_path(&mut steps)?;
                Ok(Expr::Path(PathStart::Context, steps))
            }
            _ => Err(self.expected_expression()),
        }
    }

    fn filter_path(&mut self) -> Result<Expr, XPathError> {
        let primary = self.filter()?;
        let mut steps = Vec::new();
        if self.continues_path(&mut steps)? {
            self.relative_path(&mut steps)?;
            return Ok(Expr::Path(PathStart::Filter(Box::new(primary)), steps));
        }
        Ok(primary)
    }

    fn absolute_path(&mut self) -> Result<Expr, XPathError> {
        let mut steps = Vec::new();
        if self.eat(&Tok::SlashSlash) {
            steps.push(descendant_or_self());
            self.relative_path(&mut steps)?;
        } else {
            self.pos += 1;
            if self.starts_step() {
                self.relative_path(&mut steps)?;
            }
        }
        Ok(Expr::Path(PathStart::Root, steps))
    }

    #[cold]
    fn expected_expression(&self) -> XPathError {
        match self.peek() {
            Some(tok) => XPathError::new(
                self.offset(),
                &format!("expected an expression, found {tok}"),
            ),
            None => XPathError::new(self.end, "the expression ends too early"),
        }
    }

    /// Consumes a `/` or `//` after a filter expression; `//` adds its step.
    fn continues_path(&mut self, steps: &mut Vec<Step>) -> Result<bool, XPathError> {
        if self.eat(&Tok::Slash) {
            return Ok(true);
        }
        if self.eat(&Tok::SlashSlash) {
            steps.push(descendant_or_self());
            return Ok(true);
        }
        Ok(false)
    }

    fn starts_step(&self) -> bool {
        matches!(
            self.peek(),
            Some(
                Tok::Name(..)
                    | Tok::AnyName(_)
                    | Tok::NodeType(_)
                    | Tok::Axis(_)
                    | Tok::At
                    | Tok::Dot
                    | Tok::DotDot
            )
        )
    }

    fn relative_path(&mut self, steps: &mut Vec<Step>) -> Result<(), XPathError> {
        loop {
            steps.push(self.step()?);
            if self.eat(&Tok::SlashSlash) {
                steps.push(descendant_or_self());
            } else if !self.eat(&Tok::Slash) {
                return Ok(());
            }
        }
    }

    fn step(&mut self) -> Result<Step, XPathError> {
        let at = self.offset();
        let axis = match self.peek() {
            Some(Tok::Dot) => {
                self.pos += 1;
                return Ok(self_node(Axis::SelfNode));
            }
            Some(Tok::DotDot) => {
                self.pos += 1;
                return Ok(self_node(Axis::Parent));
            }
            Some(Tok::At) => {
                self.pos += 1;
                Axis::Attribute
            }
            Some(Tok::Axis(name)) => {
                let axis = Axis::from_name(name).ok_or_else(|| {
                    let names: Vec<&str> = Axis::ALL.iter().map(|(n, _)| *n).collect();
                    let message = format!("unknown axis `{name}`; axes are {}", names.join(", "));
                    XPathError::new(at, &message)
                })?;
                self.pos += 1;
                self.expect(&Tok::ColonColon, "`::`")?;
                axis
            }
            _ => Axis::Child,
        };
        let test = self.node_test()?;
        let predicates = self.predicates()?;
        Ok(Step {
            axis,
            test,
            predicates,
        })
    }

    fn node_test(&mut self) -> Result<NodeTest, XPathError> {
        let at = self.offset();
        let Some((tok, _)) = self.tokens.get(self.pos).cloned() else {
            return Err(XPathError::new(
                self.end,
                "expected a node test, found the end of the expression",
            ));
        };
        self.pos += 1;
        match tok {
            Tok::Name(prefix, local) => {
                let uri = self.namespace(prefix.as_deref(), at)?;
                Ok(NodeTest::Name { uri, local })
            }
            Tok::AnyName(None) => Ok(NodeTest::Any),
            Tok::AnyName(Some(prefix)) => {
                Ok(NodeTest::AnyInNamespace(self.namespace(Some(&prefix), at)?))
            }
            Tok::NodeType(kind) => {
                self.expect(&Tok::LParen, "`(`")?;
                let mut target = None;
                if kind == "processing-instruction"
                    && let Some(Tok::Literal(literal)) = self.peek()
                {
                    target = Some(literal.clone());
                    self.pos += 1;
                }
                self.expect(&Tok::RParen, "`)`")?;
                Ok(match kind.as_str() {
                    "node" => NodeTest::Node,
                    "text" => NodeTest::Text,
                    "comment" => NodeTest::Comment,
                    _ => NodeTest::ProcessingInstruction(target),
                })
            }
            other => {
                let message = format!("expected a node test, found {}", other);
                Err(XPathError::new(at, &message))
            }
        }
    }

    fn namespace(&self, prefix: Option<&str>, at: usize) -> Result<String, XPathError> {
        let Some(prefix) = prefix else {
            return Ok(String::new());
        };
        self.lookup_prefix(prefix)
            .map(str::to_string)
            .ok_or_else(|| {
                let message = format!("namespace prefix `{prefix}` is not declared");
                XPathError::new(at, &message)
                    .with_help("declare it with xmlns:… on the element that holds the expression")
            })
    }

    fn lookup_prefix(&self, prefix: &str) -> Option<&'a str> {
        if prefix == "xml" {
            return Some(XML_NS);
        }
        self.namespaces
            .iter()
            .rev()
            .find(|(p, _)| p == prefix)
            .map(|(_, uri)| uri.as_str())
    }

    fn predicates(&mut self) -> Result<Vec<Expr>, XPathError> {
        let mut predicates = Vec::new();
        while self.peek() == Some(&Tok::LBracket) {
            let open = self.offset();
            self.pos += 1;
            predicates.push(self.expr()?);
            if !self.eat(&Tok::RBracket) {
                let message =
                    format!("expected `]` to close the predicate opened at offset {open}");
                return Err(XPathError::new(self.offset(), &message));
            }
        }
        Ok(predicates)
    }

    fn filter(&mut self) -> Result<Expr, XPathError> {
        let primary = self.primary()?;
        let predicates = self.predicates()?;
        Ok(if predicates.is_empty() {
            primary
        } else {
            Expr::Filter(Box::new(primary), predicates)
        })
    }

    fn primary(&mut self) -> Result<Expr, XPathError> {
        let at = self.offset();
        let Some((tok, _)) = self.tokens.get(self.pos).cloned() else {
            return Err(XPathError::new(self.end, "the expression ends too early"));
        };
        self.pos += 1;
        match tok {
            Tok::Literal(s) => Ok(Expr::Literal(s)),
            Tok::Number(n) => Ok(Expr::Number(n)),
            Tok::Variable(prefix, name) => Ok(Expr::Variable(prefix, name)),
            Tok::LParen => {
                let inner = self.expr()?;
                if !self.eat(&Tok::RParen) {
                    let message = format!("expected `)` to close the `(` at offset {at}");
                    return Err(XPathError::new(self.offset(), &message));
                }
                Ok(inner)
            }
            Tok::Function(prefix, local) => self.call(prefix, local, at),
            other => Err(XPathError::new(at, &format!("unexpected {}", other))),
        }
    }

    fn call(
        &mut self,
        prefix: Option<String>,
        local: String,
        at: usize,
    ) -> Result<Expr, XPathError> {
        self.expect(&Tok::LParen, "`(`")?;
        let mut args = Vec::new();
        if !self.eat(&Tok::RParen) {
            loop {
                args.push(self.expr()?);
                if self.eat(&Tok::RParen) {
                    break;
                }
                self.expect(&Tok::Comma, "`,` or `)` in the argument list")?;
            }
        }
        // An undeclared prefix means the null namespace, as in Jaxen: `fn:concat` is `concat`.
        let declared = prefix.as_deref().and_then(|p| self.lookup_prefix(p));
        let function = Function::resolve(prefix.as_deref(), &local, declared, args.len())
            .map_err(|message| XPathError::new(at, &message))?;
        Ok(Expr::Call(function, args))
    }
}

fn descendant_or_self() -> Step {
    self_node(Axis::DescendantOrSelf)
}

fn self_node(axis: Axis) -> Step {
    Step {
        axis,
        test: NodeTest::Node,
        predicates: Vec::new(),
    }
}
