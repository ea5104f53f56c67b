//! RFC 6570 URI templates for the `<http uri-template="…">` endpoint.
//!
//! Synapse expands the template with handy-uri-templates, taking variables from message
//! properties named `uri.var.*` / `query.param.*` (the caller's lookup decides that; this
//! module is just the template engine). Rules implemented here:
//!
//! - Operators of levels 1–3 (`{v}` `{+v}` `{#v}` `{.v}` `{/v}` `{;v}` `{?v}` `{&v}`), several
//!   variables per expression, and the level-4 modifiers `:N` (keep the first N characters)
//!   and `*` (explode; a no-op for the plain string values Synapse has).
//! - `{v}` and the level-3 operators pct-encode everything but unreserved characters;
//!   `{+v}`/`{#v}` also keep reserved characters and existing `%XX` triplets. Non-ASCII is
//!   UTF-8 pct-encoded with uppercase hex.
//! - **Synapse quirk:** when the template text starts with `{` and that first expression has
//!   no operator, it is treated as `{+…}`, so `{uri.var.apiUrl}/x` keeps the `://` and `/`
//!   of a base URL held in a variable.
//! - Undefined variables expand to nothing (skipped with their separator and name); the
//!   empty string is defined (`{?a}` → `?a=`, `{;a}` → `;a`).
//! - Literal text is copied, except characters that may not appear in a URI (space, `"`,
//!   `<`, `{`, stray `}`, non-ASCII, a `%` not starting a triplet …), which are pct-encoded.
//! - Variable names follow handy-uri-templates, which is laxer than the RFC: ASCII letters,
//!   digits, `_`, `.`, `-`, `~` and `%XX` triplets (so `uri.var.api-key` deploys as in Synapse).
//!
//! Not handled here (caller's job, see synapse-semantics.md §8): using the raw template when
//! no `uri.var.*`/`query.param.*` property exists at all, and the `legacy-encoding:` prefix.

use std::fmt;

/// A uri-template parsed once at deploy time.
#[derive(Debug, Clone, PartialEq)]
pub struct UriTemplate {
    parts: Vec<Part>,
    /// Distinct variable names in order of first appearance (computed once for `variables`).
    names: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
enum Part {
    /// Already URI-safe (pct-encoded at parse time).
    Literal(String),
    Expr {
        op: Op,
        vars: Vec<VarSpec>,
    },
}

#[derive(Debug, Clone, PartialEq)]
struct VarSpec {
    name: String,
    /// `:N` prefix length in characters; `*` needs no field since it changes nothing for strings.
    prefix: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Simple,
    Reserved,
    Fragment,
    Label,
    Path,
    PathParam,
    Query,
    QueryCont,
}

/// Per-operator behaviour from RFC 6570 appendix A.
struct OpSpec {
    first: &'static str,
    sep: char,
    named: bool,
    if_empty: &'static str,
    allow_reserved: bool,
}

impl Op {
    fn spec(self) -> OpSpec {
        let s = |first, sep, named, if_empty, allow_reserved| OpSpec {
            first,
            sep,
            named,
            if_empty,
            allow_reserved,
        };
        match self {
            Op::Simple => s("", ',', false, "", false),
            Op::Reserved => s("", ',', false, "", true),
            Op::Fragment => s("#", ',', false, "", true),
            Op::Label => s(".", '.', false, "", false),
            Op::Path => s("/", '/', false, "", false),
            Op::PathParam => s(";", ';', true, "", false),
            Op::Query => s("?", '&', true, "=", false),
            Op::QueryCont => s("&", '&', true, "=", false),
        }
    }
}

/// A template syntax error; `offset` is a byte offset into the template text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    pub offset: usize,
    pub message: String,
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid uri-template at offset {}: {}",
            self.offset, self.message
        )
    }
}

impl std::error::Error for TemplateError {}

fn err<T>(offset: usize, message: impl Into<String>) -> Result<T, TemplateError> {
    Err(TemplateError {
        offset,
        message: message.into(),
    })
}

impl UriTemplate {
    /// Parses the template text, applying the Synapse first-expression rule. Errors: unclosed
    /// `{`, empty expression, bad variable name, reserved operator (`=` `,` `!` `@` `|`), bad
    /// prefix length (must be 1–9999).
    ///
    /// # Errors
    /// A [`TemplateError`] with the byte offset of the first syntax error.
    pub fn parse(text: &str) -> Result<UriTemplate, TemplateError> {
        Self::parse_inner(text, true)
    }

    fn parse_inner(text: &str, synapse_first_rule: bool) -> Result<UriTemplate, TemplateError> {
        let mut parts = Vec::new();
        let mut names: Vec<String> = Vec::new();
        let mut pos = 0;
        while pos < text.len() {
            let Some(open) = text[pos..].find('{').map(|i| pos + i) else {
                parts.push(Part::Literal(encode(&text[pos..], true)));
                break;
            };
            if open > pos {
                parts.push(Part::Literal(encode(&text[pos..open], true)));
            }
            let Some(close) = text[open..].find('}').map(|i| open + i) else {
                return err(open, "unclosed '{'");
            };
            let (mut op, vars) = parse_expr(&text[open + 1..close], open + 1)?;
            // Synapse rewrites a leading `{x}` to `{+x}` so a base URL in a variable survives.
            if synapse_first_rule && open == 0 && op == Op::Simple {
                op = Op::Reserved;
            }
            for v in &vars {
                if !names.contains(&v.name) {
                    names.push(v.name.clone());
                }
            }
            parts.push(Part::Expr { op, vars });
            pos = close + 1;
        }
        Ok(UriTemplate { parts, names })
    }

    /// Expands the template. `lookup` maps a variable name (e.g. `uri.var.id`) to its value,
    /// `None` meaning undefined. Any `AsRef<str>` value works, so both
    /// `t.expand(|n| map.get(n))` on a `HashMap<String, String>` and closures computing an
    /// owned `String` on the fly are accepted. Expansion itself cannot fail.
    #[must_use]
    pub fn expand<F, V>(&self, mut lookup: F) -> String
    where
        F: FnMut(&str) -> Option<V>,
        V: AsRef<str>,
    {
        let mut out = String::new();
        for part in &self.parts {
            let (op, vars) = match part {
                Part::Literal(s) => {
                    out.push_str(s);
                    continue;
                }
                Part::Expr { op, vars } => (op.spec(), vars),
            };
            let mut first = true;
            for var in vars {
                let Some(value) = lookup(&var.name) else {
                    continue;
                };
                let value = value.as_ref();
                if first {
                    out.push_str(op.first);
                    first = false;
                } else {
                    out.push(op.sep);
                }
                if op.named {
                    // Names only contain URI-safe characters, so they are copied verbatim.
                    out.push_str(&var.name);
                    if value.is_empty() {
                        out.push_str(op.if_empty);
                        continue;
                    }
                    out.push('=');
                }
                let value = match var.prefix {
                    Some(n) => value
                        .char_indices()
                        .nth(n)
                        .map_or(value, |(i, _)| &value[..i]),
                    None => value,
                };
                out.push_str(&encode(value, op.allow_reserved));
            }
        }
        out
    }

    /// Every variable name in order of first appearance (deduplicated), so callers can
    /// pre-resolve values.
    pub fn variables(&self) -> impl Iterator<Item = &str> {
        self.names.iter().map(String::as_str)
    }

    /// True when the template has no expressions at all.
    #[must_use]
    pub fn is_literal(&self) -> bool {
        self.parts.iter().all(|p| matches!(p, Part::Literal(_)))
    }
}

/// Parses the inside of `{…}`; `base` is the byte offset of `body` in the template.
fn parse_expr(body: &str, base: usize) -> Result<(Op, Vec<VarSpec>), TemplateError> {
    let Some(c) = body.chars().next() else {
        return err(base - 1, "empty expression");
    };
    let op = match c {
        '+' => Op::Reserved,
        '#' => Op::Fragment,
        '.' => Op::Label,
        '/' => Op::Path,
        ';' => Op::PathParam,
        '?' => Op::Query,
        '&' => Op::QueryCont,
        '=' | ',' | '!' | '@' | '|' => return err(base, format!("reserved operator '{c}'")),
        _ => Op::Simple,
    };
    // A leading '.' is always the label operator; a name cannot start the expression with it.
    let skip = usize::from(op != Op::Simple);
    let mut vars = Vec::new();
    let mut off = base + skip;
    for spec in body[skip..].split(',') {
        vars.push(parse_varspec(spec, off)?);
        off += spec.len() + 1;
    }
    Ok((op, vars))
}

fn parse_varspec(spec: &str, off: usize) -> Result<VarSpec, TemplateError> {
    let (name, prefix) = if let Some(colon) = spec.find(':') {
        let digits = &spec[colon + 1..];
        let ok = (1..=4).contains(&digits.len())
            && digits.bytes().all(|b| b.is_ascii_digit())
            && !digits.starts_with('0');
        if !ok {
            // The digits are not echoed: the text may be arbitrarily long.
            return err(off + colon + 1, "invalid prefix length (expected 1-9999)");
        }
        (&spec[..colon], digits.parse().ok())
    } else {
        (spec.strip_suffix('*').unwrap_or(spec), None)
    };
    if name.is_empty() {
        return err(off, "empty variable name");
    }
    let b = name.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            if !(i + 2 < b.len() && is_hex(b[i + 1]) && is_hex(b[i + 2])) {
                return err(off + i, "invalid pct-encoded triplet in variable name");
            }
            i += 3;
        } else if b[i].is_ascii_alphanumeric() || matches!(b[i], b'_' | b'.' | b'-' | b'~') {
            i += 1;
        } else {
            let c = name[i..].chars().next().unwrap_or('?');
            return err(off + i, format!("invalid character '{c}' in variable name"));
        }
    }
    Ok(VarSpec {
        name: name.to_string(),
        prefix,
    })
}

fn is_hex(b: u8) -> bool {
    b.is_ascii_hexdigit()
}

fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

fn is_reserved(b: u8) -> bool {
    b":/?#[]@!$&'()*+,;=".contains(&b)
}

/// Pct-encodes `s` byte-wise (so non-ASCII becomes its UTF-8 octets). With `allow_reserved`
/// (`{+v}`, `{#v}`, literals) reserved characters and valid `%XX` triplets are kept.
fn encode(s: &str, allow_reserved: bool) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if is_unreserved(c) || (allow_reserved && is_reserved(c)) {
            out.push(c as char);
        } else if allow_reserved
            && c == b'%'
            && i + 2 < b.len()
            && is_hex(b[i + 1])
            && is_hex(b[i + 2])
        {
            out.push_str(&s[i..i + 3]);
            i += 3;
            continue;
        } else {
            out.push('%');
            out.push(HEX[usize::from(c >> 4)] as char);
            out.push(HEX[usize::from(c & 15)] as char);
        }
        i += 1;
    }
    out
}

#[cfg(test)]
#[rustfmt::skip] // keep the case tables compact
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn vars() -> HashMap<String, String> {
        [
            ("var", "value"), ("hello", "Hello World!"), ("path", "/foo/bar"), ("empty", ""),
            ("x", "1024"), ("y", "768"), ("uri.var.apiUrl", "https://api.getgo.com/G2W/rest"),
            ("uri.var.organizerKey", "123"), ("uri.var.fromTime", "2015-05-09T16:45:58Z"),
            ("uri.var.q", "?a=1&b=2"), ("uri.var.v", "a/b c"), ("uri.var.e", "é"),
            ("api-key", "k"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    /// Plain RFC 6570 (no Synapse first-expression rule), for the RFC examples.
    fn check_rfc(cases: &[(&str, &str)]) {
        let m = vars();
        for (t, want) in cases {
            let got = UriTemplate::parse_inner(t, false).unwrap().expand(|n| m.get(n));
            assert_eq!(got, *want, "template {t}");
        }
    }

    /// Synapse parsing, as used by the `<http>` endpoint.
    fn check_synapse(cases: &[(&str, &str)]) {
        let m = vars();
        for (t, want) in cases {
            assert_eq!(UriTemplate::parse(t).unwrap().expand(|n| m.get(n)), *want, "template {t}");
        }
    }

    #[test]
    fn rfc_level1_to_3_examples() {
        check_rfc(&[
            ("{var}", "value"), ("{hello}", "Hello%20World%21"),
            ("{+var}", "value"), ("{+hello}", "Hello%20World!"),
            ("{+path}/here", "/foo/bar/here"), ("here?ref={+path}", "here?ref=/foo/bar"),
            ("X{#var}", "X#value"), ("X{#hello}", "X#Hello%20World!"),
            ("map?{x,y}", "map?1024,768"), ("{x,hello,y}", "1024,Hello%20World%21,768"),
            ("{+x,hello,y}", "1024,Hello%20World!,768"), ("{+path,x}/here", "/foo/bar,1024/here"),
            ("{#x,hello,y}", "#1024,Hello%20World!,768"), ("{#path,x}/here", "#/foo/bar,1024/here"),
            ("X{.var}", "X.value"), ("X{.x,y}", "X.1024.768"), ("{/var}", "/value"),
            ("{/var,x}/here", "/value/1024/here"), ("{;x,y}", ";x=1024;y=768"),
            ("{;x,y,empty}", ";x=1024;y=768;empty"), ("{?x,y}", "?x=1024&y=768"),
            ("{?x,y,empty}", "?x=1024&y=768&empty="), ("?fixed=yes{&x}", "?fixed=yes&x=1024"),
            ("{&x,y,empty}", "&x=1024&y=768&empty="), ("{empty}", ""), ("X{.empty}", "X."),
        ]);
    }

    #[test]
    fn level4_modifiers_on_strings() {
        check_rfc(&[
            ("{var:3}", "val"), ("{var:30}", "value"), ("{+path:6}/here", "/foo/b/here"),
            ("{var*}", "value"), ("X{;hello:5}", "X;hello=Hello"), ("{?var:3}", "?var=val"),
            ("{/var*,x:2}", "/value/10"), ("{uri.var.e:1}", "%C3%A9"), ("{empty:3}", ""),
        ]);
    }

    #[test]
    fn undefined_variables() {
        check_rfc(&[
            ("{undef}", ""), ("{?undef}", ""), ("{?undef,x}", "?x=1024"),
            ("{?x,undef,y}", "?x=1024&y=768"), ("{;undef}", ""), ("X{.undef}", "X"),
            ("{/undef,var}", "/value"), ("X{#undef}", "X"), ("a{&undef}b", "ab"),
            ("{x,undef,y}", "1024,768"), ("{undef:3}", ""),
        ]);
    }

    #[test]
    fn synapse_cases() {
        check_synapse(&[
            ("{uri.var.apiUrl}/organizers/{uri.var.organizerKey}/webinars",
             "https://api.getgo.com/G2W/rest/organizers/123/webinars"),
            ("{hello}", "Hello%20World!"),              // first expression becomes `{+…}`
            ("{x,hello,y}", "1024,Hello%20World!,768"), // …for all its variables
            ("{/var}{hello}", "/valueHello%20World%21"), // has an operator: kept; 2nd is plain
            ("x{uri.var.apiUrl}", "xhttps%3A%2F%2Fapi.getgo.com%2FG2W%2Frest"), // not at start
            ("http://h/{uri.var.v}", "http://h/a%2Fb%20c"),
            ("http://h/s?fromTime={uri.var.fromTime}",
             "http://h/s?fromTime=2015-05-09T16%3A45%3A58Z"),
            ("http://h/s{+uri.var.q}", "http://h/s?a=1&b=2"),
            ("http://h/{uri.var.e}/{+uri.var.e}", "http://h/%C3%A9/%C3%A9"),
            ("http://h/{api-key}", "http://h/k"),        // handy-uri-templates allows '-'
            ("http://h/{+x}%41%zz é|{var}", "http://h/1024%41%25zz%20%C3%A9%7Cvalue"),
            ("a}b", "a%7Db"), ("}", "%7D"), ("100%", "100%25"), ("", ""),
        ]);
    }

    #[test]
    fn reserved_keeps_pct_triplets_and_encodes_bad_percent() {
        let t = UriTemplate::parse("p/{+a}/{a}").unwrap();
        assert_eq!(t.expand(|_| Some("%2F%zz")), "p/%2F%25zz/%252F%25zz");
    }

    #[test]
    fn expand_accepts_owned_values_and_dyn_lookups() {
        let t = UriTemplate::parse("/{a}/{b}").unwrap();
        assert_eq!(t.expand(|n| (n == "a").then(|| n.to_uppercase())), "/A/");
        let f: &dyn Fn(&str) -> Option<&'static str> = &|_| Some("v");
        assert_eq!(t.expand(f), "/v/v");
    }

    #[test]
    fn variables_and_is_literal() {
        let t = UriTemplate::parse("{uri.var.a}/x{?query.param.b,uri.var.a}{#c:2}").unwrap();
        assert_eq!(t.variables().collect::<Vec<_>>(), ["uri.var.a", "query.param.b", "c"]);
        assert!(!t.is_literal());
        let lit = UriTemplate::parse("http://h/a b").unwrap();
        assert!(lit.is_literal());
        assert_eq!(lit.variables().count(), 0);
        assert_eq!(lit.expand(|_| None::<&str>), "http://h/a%20b");
    }

    #[test]
    fn parse_errors() {
        let cases = [
            ("{", 0, "unclosed"), ("abc{def", 3, "unclosed"), ("{a}{b", 3, "unclosed"),
            ("{}", 0, "empty expression"), ("x{}", 1, "empty expression"),
            ("{+}", 2, "empty variable name"), ("{a,}", 3, "empty variable name"),
            ("{:3}", 1, "empty variable name"), ("{,a}", 1, "reserved operator ','"),
            ("{=a}", 1, "reserved operator '='"), ("{!a}", 1, "reserved operator '!'"),
            ("{@a}", 1, "reserved operator '@'"), ("{|a}", 1, "reserved operator '|'"),
            ("{a b}", 2, "invalid character ' '"), ("{{a}}", 1, "invalid character '{'"),
            ("{a%2}", 2, "pct-encoded"), ("{a%zz}", 2, "pct-encoded"),
            ("{a:}", 3, "prefix length"), ("{a:0}", 3, "prefix length"),
            ("{a:10000}", 3, "prefix length"), ("{a:x}", 3, "prefix length"),
            ("{a:3*}", 3, "prefix length"), ("{a:-1}", 3, "prefix length"),
        ];
        for (t, off, msg) in cases {
            let e = UriTemplate::parse(t).unwrap_err();
            assert_eq!(e.offset, off, "offset for {t}: {e}");
            assert!(e.message.contains(msg), "message for {t}: {e}");
        }
        let e = UriTemplate::parse("x{é}").unwrap_err();
        assert_eq!(e.to_string(),
                   "invalid uri-template at offset 2: invalid character 'é' in variable name");
        let _: &dyn std::error::Error = &e;
    }

    #[test]
    fn odd_inputs_do_not_panic() {
        let long = "a".repeat(100_000);
        let t = UriTemplate::parse(&format!("{{{long}}}/{{?{long}:9999}}")).unwrap();
        assert_eq!(t.variables().count(), 1);
        assert_eq!(t.expand(|_| Some("v")).len(), 1 + 1 + 1 + long.len() + 2);
        let unclosed = format!("{{{long}");
        let odd = ["{", "}", "{}", "{{a}}", "{{", "}}{", "%", "{%", "{a%", "{a%4", "{é",
                   "{a:99999999999}"];
        for t in odd.into_iter().chain([unclosed.as_str()]) {
            if let Ok(p) = UriTemplate::parse(t) {
                let _ = p.expand(|_| Some("é%"));
            }
        }
        assert_eq!(UriTemplate::parse("{a:9999}").unwrap().expand(|_| Some("é")), "%C3%A9");
    }
}
