//! The compiled form of an XPath expression. Names are resolved at compile time: name tests
//! carry namespace URIs, function calls know whether they are core or extension functions.

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Expr {
    Binary(BinOp, Box<Expr>, Box<Expr>),
    Negate(Box<Expr>),
    /// `a | b | c`, flattened.
    Union(Vec<Expr>),
    /// A location path, possibly starting from a filter expression (`$body/x`, `f()[1]//y`).
    Path(PathStart, Vec<Step>),
    /// A primary expression with predicates: `$list[2]`, `(//a)[last()]`.
    Filter(Box<Expr>, Vec<Expr>),
    Literal(String),
    Number(f64),
    Variable(Option<String>, String),
    Call(Function, Vec<Expr>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BinOp {
    Or,
    And,
    Eq,
    Neq,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum PathStart {
    /// `/…`
    Root,
    /// A relative path: starts at the context node.
    Context,
    /// `expr/…`
    Filter(Box<Expr>),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Step {
    pub axis: Axis,
    pub test: NodeTest,
    pub predicates: Vec<Expr>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Axis {
    Ancestor,
    AncestorOrSelf,
    Attribute,
    Child,
    Descendant,
    DescendantOrSelf,
    Following,
    FollowingSibling,
    Namespace,
    Parent,
    Preceding,
    PrecedingSibling,
    SelfNode,
}

impl Axis {
    pub const ALL: [(&'static str, Axis); 13] = [
        ("ancestor", Axis::Ancestor),
        ("ancestor-or-self", Axis::AncestorOrSelf),
        ("attribute", Axis::Attribute),
        ("child", Axis::Child),
        ("descendant", Axis::Descendant),
        ("descendant-or-self", Axis::DescendantOrSelf),
        ("following", Axis::Following),
        ("following-sibling", Axis::FollowingSibling),
        ("namespace", Axis::Namespace),
        ("parent", Axis::Parent),
        ("preceding", Axis::Preceding),
        ("preceding-sibling", Axis::PrecedingSibling),
        ("self", Axis::SelfNode),
    ];

    pub fn from_name(name: &str) -> Option<Axis> {
        Axis::ALL.iter().find(|(n, _)| *n == name).map(|(_, a)| *a)
    }

    /// Reverse axes number their nodes (for `position()`) from the context node outwards.
    pub fn is_reverse(self) -> bool {
        matches!(
            self,
            Axis::Ancestor | Axis::AncestorOrSelf | Axis::Preceding | Axis::PrecedingSibling
        )
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum NodeTest {
    /// `name` or `prefix:name`, with the prefix resolved to a URI ("" for none).
    Name { uri: String, local: String },
    /// `*`
    Any,
    /// `prefix:*`
    AnyInNamespace(String),
    /// `node()`
    Node,
    /// `text()`
    Text,
    /// `comment()`
    Comment,
    /// `processing-instruction()` or `processing-instruction('target')`
    ProcessingInstruction(Option<String>),
}

/// A function call target, resolved at compile time.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Function {
    Core(CoreFn),
    /// Not in the core library: the name handed to [`super::Resolver::function`].
    Extension(String),
}

/// The function-namespace URI of XPath 2.0: a declared `fn` prefix bound to it still means the
/// core library (Synapse would need DOM failover for that; we just evaluate it).
const XPATH_FUNCTIONS_NS: &str = "http://www.w3.org/2005/xpath-functions";

impl Function {
    /// Resolves `prefix:local` called with `arity` arguments; `declared` is the URI the prefix
    /// is bound to in the config. Unprefixed names and undeclared prefixes look in the core
    /// library first (Jaxen maps an unknown prefix to no namespace); core arity is checked.
    pub fn resolve(
        prefix: Option<&str>,
        local: &str,
        declared: Option<&str>,
        arity: usize,
    ) -> Result<Function, String> {
        let core = match declared {
            None | Some(XPATH_FUNCTIONS_NS) => CoreFn::lookup(local),
            Some(_) => None,
        };
        if let Some((f, min, max)) = core {
            if arity < min || arity > max {
                let expected = match (min, max) {
                    (a, b) if a == b => format!("{a}"),
                    (a, usize::MAX) => format!("at least {a}"),
                    (a, b) => format!("{a} to {b}"),
                };
                return Err(format!(
                    "{local}() takes {expected} argument(s), not {arity}"
                ));
            }
            return Ok(Function::Core(f));
        }
        Ok(match (prefix, declared) {
            (Some(prefix), Some(_)) => Function::Extension(format!("{prefix}:{local}")),
            _ => Function::Extension(local.to_string()),
        })
    }
}

/// The XPath 1.0 core library, plus Jaxen's default extras `ends-with`, `upper-case` and
/// `lower-case` (Jaxen registers them in the null namespace, so Synapse configs may use them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CoreFn {
    Last,
    Position,
    Count,
    Id,
    LocalName,
    NamespaceUri,
    Name,
    String,
    Concat,
    StartsWith,
    EndsWith,
    Contains,
    SubstringBefore,
    SubstringAfter,
    Substring,
    StringLength,
    NormalizeSpace,
    Translate,
    UpperCase,
    LowerCase,
    Boolean,
    Not,
    True,
    False,
    Lang,
    Number,
    Sum,
    Floor,
    Ceiling,
    Round,
}

impl CoreFn {
    /// Name, function, minimum and maximum argument count (`usize::MAX`: no maximum).
    pub const ALL: [(&'static str, CoreFn, usize, usize); 30] = [
        ("last", CoreFn::Last, 0, 0),
        ("position", CoreFn::Position, 0, 0),
        ("count", CoreFn::Count, 1, 1),
        ("id", CoreFn::Id, 1, 1),
        ("local-name", CoreFn::LocalName, 0, 1),
        ("namespace-uri", CoreFn::NamespaceUri, 0, 1),
        ("name", CoreFn::Name, 0, 1),
        ("string", CoreFn::String, 0, 1),
        ("concat", CoreFn::Concat, 2, usize::MAX),
        ("starts-with", CoreFn::StartsWith, 2, 2),
        ("ends-with", CoreFn::EndsWith, 2, 2),
        ("contains", CoreFn::Contains, 2, 2),
        ("substring-before", CoreFn::SubstringBefore, 2, 2),
        ("substring-after", CoreFn::SubstringAfter, 2, 2),
        ("substring", CoreFn::Substring, 2, 3),
        ("string-length", CoreFn::StringLength, 0, 1),
        ("normalize-space", CoreFn::NormalizeSpace, 0, 1),
        ("translate", CoreFn::Translate, 3, 3),
        ("upper-case", CoreFn::UpperCase, 1, 2),
        ("lower-case", CoreFn::LowerCase, 1, 2),
        ("boolean", CoreFn::Boolean, 1, 1),
        ("not", CoreFn::Not, 1, 1),
        ("true", CoreFn::True, 0, 0),
        ("false", CoreFn::False, 0, 0),
        ("lang", CoreFn::Lang, 1, 1),
        ("number", CoreFn::Number, 0, 1),
        ("sum", CoreFn::Sum, 1, 1),
        ("floor", CoreFn::Floor, 1, 1),
        ("ceiling", CoreFn::Ceiling, 1, 1),
        ("round", CoreFn::Round, 1, 1),
    ];

    /// The function and its arity bounds.
    pub fn lookup(name: &str) -> Option<(CoreFn, usize, usize)> {
        CoreFn::ALL
            .iter()
            .find(|(n, ..)| *n == name)
            .map(|&(_, f, min, max)| (f, min, max))
    }
}
