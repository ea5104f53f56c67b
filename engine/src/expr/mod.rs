//! The expression language of Synapse configs, parsed once at deploy time.
//!
//! Supported forms (synapse-semantics.md §3–§5):
//! * `json-eval(<JSONPath>)`
//! * `$ctx:name`, `$trp:name`, `$axis2:name`, `$func:name`
//! * `get-property('name')`, `get-property('scope', 'name')`, and a trailing date format for
//!   `SYSTEM_DATE`: `get-property('SYSTEM_DATE', 'yyyy-MM-dd')`
//! * anything else is XPath 1.0 over the message (`//order/id`, `concat($ctx:a, '-', $body/x)`,
//!   `$trp:Action = 'urn:x'`), with JSON payloads seen through Synapse's JSON-as-XML view.
//!
//! The common simple forms are answered directly, without building an XML view.

mod date_format;
mod eval;
pub mod json_path;
mod xpath;

pub use date_format::DateFormat;
pub use json_path::JsonPathExpr;
pub use xpath::XPathExpr;

/// A compiled expression.
#[derive(Debug, Clone)]
pub enum Expression {
    JsonEval(JsonPathExpr),
    Lookup(Lookup),
    XPath(Box<XPathExpr>),
}

/// A property read: `$ctx:x`, `$trp:x`, `$axis2:x` or `get-property(...)`.
#[derive(Debug, Clone)]
pub struct Lookup {
    pub scope: Scope,
    pub name: String,
    /// `name` marks a credential, so a value found is noted as a secret (decided at parse
    /// time, not per message).
    pub secret: bool,
    /// Only `get-property` knows the special names (`SYSTEM_TIME`, `To`, ...); `$ctx:SYSTEM_TIME`
    /// is an ordinary (and normally absent) property, as in Synapse.
    pub special_names: bool,
    pub date_format: Option<DateFormat>,
}

/// Where a lookup reads from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Default,
    Transport,
    Axis2,
    Operation,
    Registry,
    System,
    Env,
    /// Parameters of the template being run (`$func:`).
    Func,
}

impl Scope {
    /// The scopes `get-property(scope, name)` accepts, by their config name.
    fn from_get_property(name: &str) -> Option<Scope> {
        Some(match name {
            "default" => Scope::Default,
            "transport" => Scope::Transport,
            "axis2" => Scope::Axis2,
            "operation" => Scope::Operation,
            "registry" => Scope::Registry,
            "system" => Scope::System,
            "env" => Scope::Env,
            "func" => Scope::Func,
            _ => return None,
        })
    }
}

/// Why an expression cannot be compiled, with a hint for the user.
#[derive(Debug, Clone, PartialEq)]
pub struct ExprError {
    pub message: String,
    pub help: Option<String>,
}

impl Expression {
    /// Parses an expression with no namespace prefixes in scope.
    pub fn parse(text: &str) -> Result<Expression, ExprError> {
        Expression::parse_in(text, &[])
    }

    /// Parses an expression; XPath prefixes resolve against `namespaces` (prefix, uri).
    pub fn parse_in(text: &str, namespaces: &[(String, String)]) -> Result<Expression, ExprError> {
        let trimmed = text.trim();
        if let Some(inner) = trimmed.strip_prefix("json-eval(") {
            let path = inner.strip_suffix(')').ok_or_else(|| ExprError {
                message: format!("`{trimmed}` is missing its closing `)`"),
                help: None,
            })?;
            return JsonPathExpr::parse(path)
                .map(Expression::JsonEval)
                .map_err(|message| ExprError {
                    message,
                    help: Some("json-eval takes a Jayway JSONPath such as $.order.id".into()),
                });
        }
        if trimmed.starts_with("${") {
            return Err(ExprError {
                message: format!(
                    "`{trimmed}`: Synapse expressions (`${{...}}`, MI 4.4) are not supported yet"
                ),
                help: Some("use json-eval(...) or XPath".into()),
            });
        }
        for (prefix, scope) in [
            ("$ctx:", Scope::Default),
            ("$trp:", Scope::Transport),
            ("$axis2:", Scope::Axis2),
            ("$func:", Scope::Func),
        ] {
            if let Some(name) = trimmed.strip_prefix(prefix)
                && is_property_name(name)
            {
                return Ok(Expression::Lookup(Lookup {
                    scope,
                    name: name.to_string(),
                    secret: crate::secrets::is_secret_name(name),
                    special_names: false,
                    date_format: None,
                }));
            }
        }
        if let Some(after) = trimmed.strip_prefix("get-property(") {
            // One call on its own gets get-property's own, more precise, errors; anything
            // longer (`get-property('a') = 'b'`) is XPath.
            if let Some(args) = after
                .strip_suffix(')')
                .and_then(|inner| split_string_args(inner).ok())
            {
                return Lookup::from_args(trimmed, &args).map(Expression::Lookup);
            }
        }
        XPathExpr::compile(trimmed, namespaces).map(|x| Expression::XPath(Box::new(x)))
    }

    /// True when evaluating it may read the message body: `json-eval` and XPath do (XPath
    /// runs over the message's XML view), and so may a template parameter (`$func:`), whose
    /// value can be a lazy expression. Other property lookups never do.
    pub fn reads_body(&self) -> bool {
        match self {
            Expression::JsonEval(_) | Expression::XPath(_) => true,
            Expression::Lookup(l) => l.scope == Scope::Func,
        }
    }

    /// True when the value comes from what the client sent (payload or headers), so a value
    /// that cannot be used is the client's fault (400) rather than the engine's.
    pub fn reads_request(&self) -> bool {
        match self {
            Expression::JsonEval(_) | Expression::XPath(_) => true,
            Expression::Lookup(l) => l.scope == Scope::Transport,
        }
    }
}

fn is_property_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

impl Lookup {
    /// The lookup `get-property(args...)` performs; `whole` is the call as written, for errors.
    pub fn from_args(whole: &str, args: &[String]) -> Result<Lookup, ExprError> {
        let bad = |why: &str| ExprError {
            message: format!("`{whole}`: {why}"),
            help: Some("write get-property('name') or get-property('scope', 'name')".into()),
        };
        let (scope, name, format) = match args {
            [name] => (Scope::Default, name.clone(), None),
            [first, second] => match Scope::from_get_property(first) {
                Some(scope) => (scope, second.clone(), None),
                // Synapse reads (name, dateFormat) when the first argument is not a scope.
                None => (Scope::Default, first.clone(), Some(second.clone())),
            },
            [scope, name, format] => {
                let scope =
                    Scope::from_get_property(scope).ok_or_else(|| unknown_scope(whole, scope))?;
                (scope, name.clone(), Some(format.clone()))
            }
            _ => return Err(bad("expected one to three quoted arguments")),
        };
        if args.len() == 2 && Scope::from_get_property(&args[0]).is_none() && !is_date(&name) {
            if args[0] == "file" {
                return Err(ExprError {
                message: format!("`{whole}`: scope `{}` is not supported yet", args[0]),
                help: Some(
                    "supported scopes: default, transport, axis2, operation, registry, system, env"
                        .into(),
                ),
            });
            }
            return Err(unknown_scope(whole, &args[0]));
        }
        let date_format = match format {
            Some(f) if is_date(&name) => Some(DateFormat::parse(&f).map_err(|m| bad(&m))?),
            Some(_) => return Err(bad("a date format is only allowed with SYSTEM_DATE")),
            None if name == "SYSTEM_DATE" => Some(
                DateFormat::parse(date_format::JAVA_DEFAULT_PATTERN)
                    .expect("the default pattern is valid"),
            ),
            None => None,
        };
        Ok(Lookup {
            scope,
            secret: crate::secrets::is_secret_name(&name),
            name,
            special_names: true,
            date_format,
        })
    }
}

fn is_date(name: &str) -> bool {
    name == "SYSTEM_DATE"
}

fn unknown_scope(whole: &str, scope: &str) -> ExprError {
    ExprError {
        message: format!("`{whole}`: unknown scope `{scope}`"),
        help: Some(
            "expected one of: default, transport, axis2, operation, registry, system, env".into(),
        ),
    }
}

/// Splits `'a', "b"` into its unquoted parts.
fn split_string_args(inner: &str) -> Result<Vec<String>, String> {
    let mut args = Vec::new();
    let mut rest = inner.trim_start();
    loop {
        let quote = rest
            .chars()
            .next()
            .filter(|c| matches!(c, '\'' | '"'))
            .ok_or("arguments must be quoted strings")?;
        let body = &rest[1..];
        let end = body.find(quote).ok_or("unterminated string")?;
        args.push(body[..end].to_string());
        rest = body[end + 1..].trim_start();
        match rest.strip_prefix(',') {
            Some(more) => rest = more.trim_start(),
            None if rest.is_empty() => return Ok(args),
            None => return Err(format!("unexpected `{rest}`")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(text: &str) -> (Scope, String, bool, bool) {
        match Expression::parse(text).unwrap() {
            Expression::Lookup(l) => (l.scope, l.name, l.special_names, l.date_format.is_some()),
            other => panic!("{text} parsed as {other:?}"),
        }
    }

    #[test]
    fn parses_every_supported_form() {
        use Scope::*;
        let table = [
            ("$ctx:apiUrl", (Default, "apiUrl", false, false)),
            (
                "$trp:Content-Type",
                (Transport, "Content-Type", false, false),
            ),
            ("$axis2:HTTP_METHOD", (Axis2, "HTTP_METHOD", false, false)),
            ("get-property('To')", (Default, "To", true, false)),
            (
                " get-property( \"transport\" , 'Action' ) ",
                (Transport, "Action", true, false),
            ),
            (
                "get-property('axis2','HTTP_SC')",
                (Axis2, "HTTP_SC", true, false),
            ),
            (
                "get-property('registry','conf:/a/b')",
                (Registry, "conf:/a/b", true, false),
            ),
            ("get-property('env','HOME')", (Env, "HOME", true, false)),
            ("get-property('system','x')", (System, "x", true, false)),
            (
                "get-property('operation','x')",
                (Operation, "x", true, false),
            ),
            (
                "get-property('SYSTEM_DATE','yyyy')",
                (Default, "SYSTEM_DATE", true, true),
            ),
            (
                "get-property('SYSTEM_DATE')",
                (Default, "SYSTEM_DATE", true, true),
            ),
            (
                "get-property('default','SYSTEM_DATE','yyyy')",
                (Default, "SYSTEM_DATE", true, true),
            ),
        ];
        for (text, (scope, name, special, date)) in table {
            assert_eq!(
                lookup(text),
                (scope, name.to_string(), special, date),
                "{text}"
            );
        }
        assert!(matches!(
            Expression::parse("json-eval($.a.b)"),
            Ok(Expression::JsonEval(_))
        ));
    }

    #[test]
    fn refuses_what_it_cannot_run() {
        let table = [
            ("//a[", "invalid XPath"),
            ("frob($ctx:a, 'x')", "unknown XPath function `frob`"),
            ("${payload.x}", "not supported yet"),
            ("json-eval($.a", "missing its closing"),
            ("json-eval(.b)", "must start with `$`"),
            ("get-property('bogus','x')", "unknown scope `bogus`"),
            ("get-property('file','x')", "not supported yet"),
            ("get-property('a','b','c','d')", "one to three"),
            (
                "get-property('transport','x','yyyy')",
                "only allowed with SYSTEM_DATE",
            ),
            ("get-property('SYSTEM_DATE','qq')", "not supported"),
        ];
        for (text, want) in table {
            let err = Expression::parse(text).unwrap_err();
            assert!(err.message.contains(want), "{text}: {}", err.message);
        }
    }
}
