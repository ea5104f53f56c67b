//! XPath 1.0 tokens (REC-xpath §3.7), with the spec's disambiguation rules: after a token that
//! can end an operand, `*` is multiplication and `and`/`or`/`div`/`mod` are operators; a name
//! before `(` is a function or node type, before `::` an axis.

use std::fmt;

use super::XPathError;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    LParen,
    RParen,
    LBracket,
    RBracket,
    Dot,
    DotDot,
    At,
    Comma,
    ColonColon,
    Slash,
    SlashSlash,
    Pipe,
    Plus,
    Minus,
    Eq,
    Neq,
    Lt,
    Le,
    Gt,
    Ge,
    Multiply,
    And,
    Or,
    Div,
    Mod,
    Literal(String),
    Number(f64),
    /// A name test `name` or `prefix:name`.
    Name(Option<String>, String),
    /// `*` or `prefix:*` as a name test.
    AnyName(Option<String>),
    Variable(Option<String>, String),
    Function(Option<String>, String),
    NodeType(String),
    Axis(String),
}

impl Tok {
    /// True when a `*` or an NCName after this token must be an operator (§3.7).
    fn ends_operand(&self) -> bool {
        !matches!(
            self,
            Tok::At
                | Tok::ColonColon
                | Tok::LParen
                | Tok::LBracket
                | Tok::Comma
                | Tok::And
                | Tok::Or
                | Tok::Div
                | Tok::Mod
                | Tok::Multiply
                | Tok::Slash
                | Tok::SlashSlash
                | Tok::Pipe
                | Tok::Plus
                | Tok::Minus
                | Tok::Eq
                | Tok::Neq
                | Tok::Lt
                | Tok::Le
                | Tok::Gt
                | Tok::Ge
        )
    }
}

/// A token and the byte offset where it starts.
pub(crate) type Spanned = (Tok, usize);

pub(crate) fn tokenize(text: &str) -> Result<Vec<Spanned>, XPathError> {
    let mut lexer = Lexer { text, pos: 0 };
    let mut out: Vec<Spanned> = Vec::new();
    loop {
        lexer.skip_space();
        let start = lexer.pos;
        let Some(c) = lexer.peek() else { break };
        let operator_context = out.last().is_some_and(|(t, _)| t.ends_operand());
        let tok = match c {
            '(' | ')' | '[' | ']' | '@' | ',' | '|' | '+' | '-' | '=' => {
                lexer.pos += 1;
                match c {
                    '(' => Tok::LParen,
                    ')' => Tok::RParen,
                    '[' => Tok::LBracket,
                    ']' => Tok::RBracket,
                    '@' => Tok::At,
                    ',' => Tok::Comma,
                    '|' => Tok::Pipe,
                    '+' => Tok::Plus,
                    '-' => Tok::Minus,
                    _ => Tok::Eq,
                }
            }
            '/' => lexer.one_or_two('/', Tok::Slash, Tok::SlashSlash),
            '<' => lexer.one_or_two('=', Tok::Lt, Tok::Le),
            '>' => lexer.one_or_two('=', Tok::Gt, Tok::Ge),
            '!' if lexer.rest().starts_with("!=") => {
                lexer.pos += 2;
                Tok::Neq
            }
            ':' if lexer.rest().starts_with("::") => {
                lexer.pos += 2;
                Tok::ColonColon
            }
            '.' if lexer.rest().starts_with("..") => {
                lexer.pos += 2;
                Tok::DotDot
            }
            '.' if !lexer.rest()[1..].starts_with(|c: char| c.is_ascii_digit()) => {
                lexer.pos += 1;
                Tok::Dot
            }
            '.' | '0'..='9' => lexer.number(),
            '"' | '\'' => lexer.literal(c)?,
            '*' if operator_context => {
                lexer.pos += 1;
                Tok::Multiply
            }
            '*' => {
                lexer.pos += 1;
                Tok::AnyName(None)
            }
            '$' => {
                lexer.pos += 1;
                let (prefix, local) = lexer
                    .qname()
                    .ok_or_else(|| lexer.error(start, "`$` must be followed by a variable name"))?;
                let local =
                    local.ok_or_else(|| lexer.error(start, "a variable name cannot be `*`"))?;
                Tok::Variable(prefix, local)
            }
            c if is_name_start(c) => lexer.name(start, operator_context)?,
            _ => return Err(lexer.error(start, &format!("unexpected character `{c}`"))),
        };
        out.push((tok, start));
    }
    Ok(out)
}

fn is_name_start(c: char) -> bool {
    c == '_' || c.is_alphabetic()
}

fn is_name_char(c: char) -> bool {
    matches!(c, '_' | '-' | '.' | '\u{B7}') || c.is_alphanumeric()
}

struct Lexer<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Lexer<'a> {
    fn rest(&self) -> &'a str {
        &self.text[self.pos..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn error(&self, offset: usize, message: &str) -> XPathError {
        XPathError::new(offset, message)
    }

    fn skip_space(&mut self) {
        let rest = self.rest();
        let trimmed = rest.trim_start_matches([' ', '\t', '\r', '\n']);
        self.pos += rest.len() - trimmed.len();
    }

    fn one_or_two(&mut self, second: char, one: Tok, two: Tok) -> Tok {
        self.pos += 1;
        if self.peek() == Some(second) {
            self.pos += 1;
            two
        } else {
            one
        }
    }

    fn number(&mut self) -> Tok {
        let rest = self.rest();
        let mut len = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if rest[len..].starts_with('.') {
            len += 1;
            len += rest[len..]
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(rest.len() - len);
        }
        let text = &rest[..len];
        self.pos += len;
        // Digits with at most one dot always parse; `1.` and `.5` included.
        Tok::Number(text.parse().unwrap_or(f64::NAN))
    }

    fn literal(&mut self, quote: char) -> Result<Tok, XPathError> {
        let start = self.pos;
        let body = &self.rest()[1..];
        let Some(len) = body.find(quote) else {
            return Err(self.error(
                start,
                &format!("string literal is missing its closing {quote}"),
            ));
        };
        let value = body[..len].to_string();
        self.pos += len + 2;
        Ok(Tok::Literal(value))
    }

    fn ncname(&mut self) -> Option<String> {
        let rest = self.rest();
        if !rest.starts_with(is_name_start) {
            return None;
        }
        let len = rest.find(|c: char| !is_name_char(c)).unwrap_or(rest.len());
        self.pos += len;
        Some(rest[..len].to_string())
    }

    /// `name`, `prefix:name` or `prefix:*` (local `None`).
    fn qname(&mut self) -> Option<(Option<String>, Option<String>)> {
        let first = self.ncname()?;
        let rest = self.rest();
        if rest.starts_with(':') && !rest.starts_with("::") {
            let after = &rest[1..];
            if after.starts_with('*') {
                self.pos += 2;
                return Some((Some(first), None));
            }
            if after.starts_with(is_name_start) {
                self.pos += 1;
                let local = self.ncname();
                return Some((Some(first), local));
            }
        }
        Some((None, Some(first)))
    }

    fn name(&mut self, start: usize, operator_context: bool) -> Result<Tok, XPathError> {
        let (prefix, local) = self.qname().unwrap_or((None, None));
        let Some(local) = local else {
            return Ok(Tok::AnyName(prefix));
        };
        if operator_context && prefix.is_none() {
            return match local.as_str() {
                "and" => Ok(Tok::And),
                "or" => Ok(Tok::Or),
                "div" => Ok(Tok::Div),
                "mod" => Ok(Tok::Mod),
                _ => Err(self.error(
                    start,
                    &format!(
                        "expected an operator (and, or, div, mod, =, +, ...) but found `{local}`"
                    ),
                )),
            };
        }
        let save = self.pos;
        self.skip_space();
        let next = self.rest();
        if next.starts_with('(') {
            self.pos = save;
            if prefix.is_none()
                && matches!(
                    local.as_str(),
                    "node" | "text" | "comment" | "processing-instruction"
                )
            {
                return Ok(Tok::NodeType(local));
            }
            return Ok(Tok::Function(prefix, local));
        }
        if next.starts_with("::") && prefix.is_none() {
            self.pos = save;
            return Ok(Tok::Axis(local));
        }
        self.pos = save;
        Ok(Tok::Name(prefix, local))
    }
}

impl fmt::Display for Tok {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            Tok::LParen => "(",
            Tok::RParen => ")",
            Tok::LBracket => "[",
            Tok::RBracket => "]",
            Tok::Dot => ".",
            Tok::DotDot => "..",
            Tok::At => "@",
            Tok::Comma => ",",
            Tok::ColonColon => "::",
            Tok::Slash => "/",
            Tok::SlashSlash => "//",
            Tok::Pipe => "|",
            Tok::Plus => "+",
            Tok::Minus => "-",
            Tok::Eq => "=",
            Tok::Neq => "!=",
            Tok::Lt => "<",
            Tok::Le => "<=",
            Tok::Gt => ">",
            Tok::Ge => ">=",
            Tok::Multiply => "*",
            Tok::And => "and",
            Tok::Or => "or",
            Tok::Div => "div",
            Tok::Mod => "mod",
            Tok::Literal(s) => return write!(f, "the string '{s}'"),
            Tok::Number(n) => return write!(f, "the number {n}"),
            Tok::Name(Some(p), l) | Tok::Function(Some(p), l) => return write!(f, "`{p}:{l}`"),
            Tok::Name(None, l) | Tok::Function(None, l) | Tok::NodeType(l) | Tok::Axis(l) => {
                return write!(f, "`{l}`");
            }
            Tok::AnyName(Some(p)) => return write!(f, "`{p}:*`"),
            Tok::AnyName(None) => "*",
            Tok::Variable(Some(p), l) => return write!(f, "`${p}:{l}`"),
            Tok::Variable(None, l) => return write!(f, "`${l}`"),
        };
        write!(f, "`{text}`")
    }
}
