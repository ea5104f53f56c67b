//! Location paths (REC-xpath §2): absolute and relative paths, steps with their axes, node
//! tests with namespace prefixes, and predicates.

use super::Parser;
use crate::xpath::XPathError;
use crate::xpath::ast::{Axis, Expr, NodeTest, PathStart, Step};
use crate::xpath::lexer::Tok;
use crate::xpath::tree::XML_NS;

impl<'a> Parser<'a> {
    /// PathExpr: a location path, or a filter expression optionally followed by `/` steps.
    /// The arms are small functions so that this recursive frame stays small in debug builds.
    pub(super) fn path(&mut self) -> Result<Expr, XPathError> {
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

    pub(super) fn filter_path(&mut self) -> Result<Expr, XPathError> {
        let primary = self.filter()?;
        let mut steps = Vec::new();
        if self.continues_path(&mut steps)? {
            self.relative_path(&mut steps)?;
            return Ok(Expr::Path(PathStart::Filter(Box::new(primary)), steps));
        }
        Ok(primary)
    }

    pub(super) fn absolute_path(&mut self) -> Result<Expr, XPathError> {
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
    pub(super) fn expected_expression(&self) -> XPathError {
        match self.peek() {
            Some(tok) => XPathError::new(
                self.offset(),
                &format!("expected an expression, found {tok}"),
            ),
            None => XPathError::new(self.end, "the expression ends too early"),
        }
    }

    /// Consumes a `/` or `//` after a filter expression; `//` adds its step.
    pub(super) fn continues_path(&mut self, steps: &mut Vec<Step>) -> Result<bool, XPathError> {
        if self.eat(&Tok::Slash) {
            return Ok(true);
        }
        if self.eat(&Tok::SlashSlash) {
            steps.push(descendant_or_self());
            return Ok(true);
        }
        Ok(false)
    }

    pub(super) fn starts_step(&self) -> bool {
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

    pub(super) fn relative_path(&mut self, steps: &mut Vec<Step>) -> Result<(), XPathError> {
        loop {
            steps.push(self.step()?);
            if self.eat(&Tok::SlashSlash) {
                steps.push(descendant_or_self());
            } else if !self.eat(&Tok::Slash) {
                return Ok(());
            }
        }
    }

    pub(super) fn step(&mut self) -> Result<Step, XPathError> {
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

    pub(super) fn node_test(&mut self) -> Result<NodeTest, XPathError> {
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

    pub(super) fn namespace(&self, prefix: Option<&str>, at: usize) -> Result<String, XPathError> {
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

    pub(super) fn lookup_prefix(&self, prefix: &str) -> Option<&'a str> {
        if prefix == "xml" {
            return Some(XML_NS);
        }
        self.namespaces
            .iter()
            .rev()
            .find(|(p, _)| p == prefix)
            .map(|(_, uri)| uri.as_str())
    }

    pub(super) fn predicates(&mut self) -> Result<Vec<Expr>, XPathError> {
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
