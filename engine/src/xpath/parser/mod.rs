//! Recursive-descent parser for the XPath 1.0 grammar (REC-xpath §2–§3), tokens in, [`Expr`]
//! out. The tree depth is bounded (parentheses, nested calls and predicates, and chains of
//! binary operators all count), so that neither parsing nor evaluation can overflow the stack.

mod path;

use super::XPathError;
use super::ast::{BinOp, Expr, Function};
use super::lexer::{Spanned, Tok};

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
