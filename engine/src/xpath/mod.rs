//! A self-contained XPath 1.0 evaluator with Synapse's conventions (synapse-semantics.md §4).
//!
//! * [`XPath::compile`] parses once, at deploy time: the full XPath 1.0 grammar, namespace
//!   prefixes resolved against the declarations in scope in the config, core functions and
//!   their argument counts checked. Errors carry a byte offset.
//! * [`Document`] is the tree an expression runs over: a SOAP envelope parsed as is
//!   ([`Document::parse`]), a plain XML payload wrapped in one ([`Document::wrap_xml`]), or the
//!   XML view of a JSON payload ([`Document::from_json`]).
//! * [`XPath::evaluate`] gives an XPath [`Value`]; [`XPath::string_value_of`] gives the string
//!   Synapse would produce for the same expression ([`synapse_string`]).
//! * Everything that depends on the message comes through a [`Resolver`]: `$ctx:x`, `$trp:x`,
//!   `get-property(...)` and other extension functions. `$body`, `$header` and `$env` are
//!   resolved here, from the envelope of the document being evaluated.
//!
//! ```
//! use oxynapse_engine::xpath::{Document, NoResolver, Value, XPath};
//!
//! let doc = Document::from_json(&serde_json::json!({"order": {"id": 7, "items": [1, 2]}}));
//! let xpath = XPath::compile("concat('#', $body/jsonObject/order/id)", &[]).unwrap();
//! assert_eq!(xpath.string_value_of(&doc, &NoResolver).unwrap().as_deref(), Some("#7"));
//!
//! let count = XPath::compile("count(//items)", &[]).unwrap();
//! let value = count.evaluate(&doc, doc.root(), &NoResolver).unwrap();
//! assert_eq!(value, Value::Number(2.0));
//! assert_eq!(count.string_value_of(&doc, &NoResolver).unwrap().as_deref(), Some("2.0"));
//! ```

mod ast;
mod axes;
mod edit;
mod eval;
mod extensions;
mod functions;
mod json_view;
mod lexer;
mod number;
mod parser;
mod soap;
mod synapse;
mod tree;
mod xml_io;

#[cfg(test)]
mod tests;

use std::fmt;

pub use edit::{Edit, Edits};
pub use extensions::{base64_decode, base64_encode, call_extension, url_encode};
pub use json_view::element_name as json_element_name;
pub use number::{java_double_string, parse_xpath_number, xpath_number_string};
pub use soap::{SOAP11_NS, SOAP12_NS};
pub use synapse::synapse_string;
pub use tree::{Document, NodeId, NodeKind, XML_NS};
pub use xml_io::XmlError;

/// The value of an XPath expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Nodes of the evaluated document, in document order, without duplicates.
    NodeSet(Vec<NodeId>),
    String(String),
    Number(f64),
    Boolean(bool),
    /// Synapse's null: a variable the resolver does not know (a missing property). It is
    /// false, `""` and NaN in expressions, an empty node-set in paths, and makes every
    /// comparison false (as in Jaxen); [`synapse_string`] turns it into `None`.
    Null,
}

impl Value {
    fn type_name(&self) -> &'static str {
        match self {
            Value::NodeSet(_) => "a node-set",
            Value::String(_) => "a string",
            Value::Number(_) => "a number",
            Value::Boolean(_) => "a boolean",
            Value::Null => "null",
        }
    }

    /// XPath `string()` of a value that holds no nodes (`""` for node-sets and null).
    pub fn to_plain_string(&self) -> String {
        match self {
            Value::String(s) => s.clone(),
            Value::Number(n) => xpath_number_string(*n),
            Value::Boolean(b) => b.to_string(),
            Value::NodeSet(_) | Value::Null => String::new(),
        }
    }
}

/// What the engine supplies during evaluation. The module never sees the message context.
pub trait Resolver {
    /// `$ctx:name` → `(Some("ctx"), "name")`, `$x` → `(None, "x")`. `None` is null (Synapse's
    /// missing property). `$body`, `$header` and `$env` never get here: the evaluator finds them
    /// in the document. A node-set returned here must hold nodes of the evaluated document.
    fn variable(&self, prefix: Option<&str>, name: &str) -> Option<Value>;

    /// Functions outside the core library (`get-property`, `base64Encode`, ...), by the name
    /// as written; a prefix is kept only when it is declared (`wso2:vault-lookup`), since an
    /// undeclared prefix means no namespace. Node-set arguments arrive as their string value,
    /// as Synapse's functions read them. `None`: no such function (an evaluation error).
    fn function(&self, name: &str, args: &[Value]) -> Option<Result<Value, EvalError>>;
}

/// A resolver that knows no variables and only the pure extension functions of
/// [`call_extension`]: for tests and for expressions that do not read the message.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoResolver;

impl Resolver for NoResolver {
    fn variable(&self, _prefix: Option<&str>, _name: &str) -> Option<Value> {
        None
    }

    fn function(&self, name: &str, args: &[Value]) -> Option<Result<Value, EvalError>> {
        call_extension(name, args)
    }
}

/// A compile error: where (byte offset into the expression) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XPathError {
    pub offset: usize,
    pub message: String,
    pub help: Option<String>,
}

impl XPathError {
    pub(crate) fn new(offset: usize, message: &str) -> XPathError {
        XPathError {
            offset,
            message: message.to_string(),
            help: None,
        }
    }

    pub(crate) fn with_help(mut self, help: &str) -> XPathError {
        self.help = Some(help.to_string());
        self
    }
}

impl fmt::Display for XPathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at offset {})", self.message, self.offset)
    }
}

impl std::error::Error for XPathError {}

/// An evaluation error (a function applied to the wrong type, an unknown extension function...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvalError {
    pub message: String,
}

impl EvalError {
    pub fn new(message: impl Into<String>) -> EvalError {
        EvalError {
            message: message.into(),
        }
    }
}

impl fmt::Display for EvalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for EvalError {}

/// A compiled XPath 1.0 expression.
#[derive(Debug, Clone)]
pub struct XPath {
    text: String,
    expr: ast::Expr,
}

impl XPath {
    /// Compiles `text`. `namespaces` are the (prefix, uri) declarations in scope on the config
    /// element; later entries win. An undeclared prefix on a name test is an error; on a
    /// function it means the core library (`fn:concat` is `concat`, as in Jaxen).
    pub fn compile(text: &str, namespaces: &[(String, String)]) -> Result<XPath, XPathError> {
        let tokens = lexer::tokenize(text)?;
        let expr = parser::Parser::new(tokens, text.len(), namespaces).parse()?;
        Ok(XPath {
            text: text.to_string(),
            expr,
        })
    }

    /// The expression as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Evaluates with `context` as the context node (position and size 1).
    pub fn evaluate(
        &self,
        doc: &Document,
        context: NodeId,
        resolver: &dyn Resolver,
    ) -> Result<Value, EvalError> {
        if !doc.contains(context) {
            return Err(EvalError::new("the context node is not in the document"));
        }
        let evaluator = eval::Evaluator { doc, resolver };
        let ctx = eval::Ctx {
            node: context,
            position: 1,
            size: 1,
        };
        evaluator.eval(&self.expr, ctx)
    }

    /// Synapse's `stringValueOf`: evaluates against the envelope (the document element, or the
    /// root when the document has none) and converts as [`synapse_string`] does, including
    /// Synapse's special case for expressions that mention `node()`.
    pub fn string_value_of(
        &self,
        doc: &Document,
        resolver: &dyn Resolver,
    ) -> Result<Option<String>, EvalError> {
        let context = doc.document_element().unwrap_or_else(|| doc.root());
        let value = self.evaluate(doc, context, resolver)?;
        Ok(synapse::string_of(
            &value,
            doc,
            self.text.contains("node()"),
        ))
    }

    /// The names of the extension functions the expression calls, for deploy-time checks.
    pub fn extension_functions(&self) -> Vec<&str> {
        let mut names = Vec::new();
        collect_extensions(&self.expr, &mut names);
        names.sort_unstable();
        names.dedup();
        names
    }
}

fn collect_extensions<'a>(expr: &'a ast::Expr, out: &mut Vec<&'a str>) {
    use ast::{Expr, PathStart};
    let visit_steps = |steps: &'a [ast::Step], out: &mut Vec<&'a str>| {
        for step in steps {
            step.predicates
                .iter()
                .for_each(|p| collect_extensions(p, out));
        }
    };
    match expr {
        Expr::Binary(_, a, b) => {
            collect_extensions(a, out);
            collect_extensions(b, out);
        }
        Expr::Negate(a) => collect_extensions(a, out),
        Expr::Union(parts) => parts.iter().for_each(|p| collect_extensions(p, out)),
        Expr::Path(start, steps) => {
            if let PathStart::Filter(primary) = start {
                collect_extensions(primary, out);
            }
            visit_steps(steps, out);
        }
        Expr::Filter(primary, predicates) => {
            collect_extensions(primary, out);
            predicates.iter().for_each(|p| collect_extensions(p, out));
        }
        Expr::Call(function, args) => {
            if let ast::Function::Extension(name) = function {
                out.push(name);
            }
            args.iter().for_each(|a| collect_extensions(a, out));
        }
        Expr::Literal(_) | Expr::Number(_) | Expr::Variable(..) => {}
    }
}
