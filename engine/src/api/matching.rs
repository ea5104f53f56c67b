//! Matching request paths against resource mappings, as Synapse's dispatchers do.
//!
//! * `url-mapping`: exact (`/a/b`), prefix (`/a/*`) or extension (`*.json`).
//! * `uri-template`: literal text and variables. `{x}` matches one or more characters up to
//!   a reserved character or the start of the next literal; `{+x}` also spans reserved
//!   characters. A trailing `*` in a literal matches the rest. A template without `?` ignores
//!   the query string. Values are percent-decoded, with `+` kept as `+`.

use percent_encoding::percent_decode_str;

/// A parsed uri-template for matching.
#[derive(Debug, Clone, PartialEq)]
pub struct PathTemplate {
    parts: Vec<Part>,
    /// The template has a query part, so it is matched against path and query.
    with_query: bool,
}

#[derive(Debug, Clone, PartialEq)]
enum Part {
    Literal(String),
    /// Matches whatever is left.
    Rest,
    Var {
        names: Vec<String>,
        reserved: bool,
    },
}

const RESERVED: &[char] = &[
    ':', '/', '?', '#', '[', ']', '@', '!', '$', '&', '\'', '(', ')', '*', '+', ',', ';', '=',
];

impl PathTemplate {
    pub fn parse(template: &str) -> Result<PathTemplate, String> {
        let mut text = template.trim();
        // A template ending in `/` matches without it (except the bare `/`).
        if text.len() > 1 && text.ends_with('/') && !text.contains('?') {
            text = &text[..text.len() - 1];
        }
        let mut parts = Vec::new();
        let mut rest = text;
        while !rest.is_empty() {
            match rest.find('{') {
                Some(0) => {
                    let close = rest
                        .find('}')
                        .ok_or_else(|| format!("uri-template `{template}` has an unclosed `{{`"))?;
                    let inner = &rest[1..close];
                    let (reserved, names) = match inner.strip_prefix('+') {
                        Some(n) => (true, n),
                        None => (false, inner),
                    };
                    let names: Vec<String> =
                        names.split(',').map(|n| n.trim().to_string()).collect();
                    if names.iter().any(|n| {
                        n.is_empty()
                            || !n
                                .chars()
                                .all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '-'))
                    }) {
                        return Err(format!(
                            "uri-template `{template}` has an invalid variable `{{{inner}}}`"
                        ));
                    }
                    if let Some(Part::Var { .. }) = parts.last() {
                        return Err(format!(
                            "uri-template `{template}` has two variables with nothing between them"
                        ));
                    }
                    parts.push(Part::Var { names, reserved });
                    rest = &rest[close + 1..];
                }
                found => {
                    let end = found.unwrap_or(rest.len());
                    let literal = &rest[..end];
                    if literal.contains('}') {
                        return Err(format!("uri-template `{template}` has an unmatched `}}`"));
                    }
                    match literal.strip_suffix('*') {
                        Some(head) if end == rest.len() => {
                            if !head.is_empty() {
                                parts.push(Part::Literal(head.to_string()));
                            }
                            parts.push(Part::Rest);
                        }
                        _ => parts.push(Part::Literal(literal.to_string())),
                    }
                    rest = &rest[end..];
                }
            }
        }
        Ok(PathTemplate {
            parts,
            with_query: text.contains('?'),
        })
    }

    /// The variables a request path binds, or `None` when it does not match.
    pub fn matches(&self, path_and_query: &str) -> Option<Vec<(String, String)>> {
        let subject = if self.with_query {
            path_and_query
        } else {
            path_and_query.split('?').next().unwrap_or("")
        };
        let subject = match subject.strip_suffix('/') {
            Some(trimmed) if !trimmed.is_empty() && !self.with_query => trimmed,
            _ => subject,
        };
        let mut vars = Vec::new();
        match_parts(&self.parts, subject, &mut vars).then_some(vars)
    }
}

fn match_parts(parts: &[Part], subject: &str, vars: &mut Vec<(String, String)>) -> bool {
    let Some((first, rest)) = parts.split_first() else {
        return subject.is_empty();
    };
    match first {
        Part::Literal(lit) => subject
            .strip_prefix(lit.as_str())
            .is_some_and(|s| match_parts(rest, s, vars)),
        Part::Rest => true,
        Part::Var { names, reserved } => {
            // A simple variable stops at reserved characters; `{+x}` may span them.
            let limit = if *reserved {
                subject.len()
            } else {
                // `{x,y}` takes comma-separated values, so a comma does not end it.
                let several = names.len() > 1;
                subject
                    .find(|c: char| RESERVED.contains(&c) && !(several && c == ','))
                    .unwrap_or(subject.len())
            };
            // Longest value first, backtracking until the rest of the template matches.
            let ends: Vec<usize> = subject[..limit]
                .char_indices()
                .map(|(i, c)| i + c.len_utf8())
                .collect();
            for end in ends.into_iter().rev() {
                let mark = vars.len();
                bind(names, &subject[..end], vars);
                if match_parts(rest, &subject[end..], vars) {
                    return true;
                }
                vars.truncate(mark);
            }
            false
        }
    }
}

fn bind(names: &[String], value: &str, vars: &mut Vec<(String, String)>) {
    let values: Vec<&str> = if names.len() > 1 {
        value.split(',').collect()
    } else {
        vec![value]
    };
    for (name, value) in names.iter().zip(values) {
        vars.push((name.clone(), decode_keeping_plus(value)));
    }
}

/// Percent-decoding with `+` kept as `+` (Synapse protects it).
pub fn decode_keeping_plus(value: &str) -> String {
    percent_decode_str(value).decode_utf8_lossy().into_owned()
}

/// `application/x-www-form-urlencoded` decoding for query parameters: `+` is a space.
pub fn decode_query_value(value: &str) -> String {
    decode_keeping_plus(&value.replace('+', " "))
}

/// A `url-mapping`: exact, prefix (`/a/*`) or extension (`*.ext`).
#[derive(Debug, Clone, PartialEq)]
pub enum UrlMapping {
    Exact(String),
    Prefix(String),
    Extension(String),
}

impl UrlMapping {
    pub fn parse(mapping: &str) -> UrlMapping {
        if let Some(prefix) = mapping.strip_suffix("/*") {
            UrlMapping::Prefix(prefix.to_string())
        } else if let Some(ext) = mapping.strip_prefix("*.") {
            UrlMapping::Extension(ext.to_string())
        } else {
            UrlMapping::Exact(mapping.trim_end_matches('/').to_string())
        }
    }

    /// How specific the match is (longer prefixes win), or `None`.
    pub fn matches(&self, path_and_query: &str) -> Option<usize> {
        let path = path_and_query.split('?').next().unwrap_or("");
        let trimmed = if path.len() > 1 {
            path.trim_end_matches('/')
        } else {
            path
        };
        match self {
            UrlMapping::Exact(p) => {
                (trimmed == p || (p.is_empty() && trimmed == "/")).then_some(usize::MAX)
            }
            UrlMapping::Prefix(p) => {
                (trimmed == p || path.starts_with(&format!("{p}/")) || p.is_empty())
                    .then_some(p.len())
            }
            UrlMapping::Extension(e) => path.ends_with(&format!(".{e}")).then_some(0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(template: &str, path: &str) -> Option<String> {
        let t = PathTemplate::parse(template).unwrap();
        t.matches(path).map(|v| {
            v.iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(",")
        })
    }

    #[test]
    fn uri_templates() {
        let table: [(&str, &str, Option<&str>); 16] = [
            ("/", "/", Some("")),
            ("/", "/?a=1", Some("")),
            ("/{id}", "/42", Some("id=42")),
            ("/{id}", "/42/", Some("id=42")),
            ("/{id}", "/", None),
            ("/{id}", "/a/b", None),
            ("/orders/{id}/items", "/orders/7/items?x=1", Some("id=7")),
            ("/orders/{id}/items", "/orders/7/other", None),
            ("/user/{name}", "/user/a%20b%2Bc", Some("name=a b+c")),
            ("/files/{+path}", "/files/a/b/c.txt", Some("path=a/b/c.txt")),
            ("/{a}-{b}", "/x-y", Some("a=x,b=y")),
            ("/search?q={q}", "/search?q=rust", Some("q=rust")),
            ("/search?q={q}", "/search", None),
            ("/static/*", "/static/css/a.css", Some("")),
            ("/pets/", "/pets", Some("")),
            ("/{x,y}", "/1,2", Some("x=1,y=2")),
        ];
        for (template, path, want) in table {
            assert_eq!(
                vars(template, path).as_deref(),
                want,
                "{template} vs {path}"
            );
        }
    }

    #[test]
    fn bad_templates_are_refused() {
        for bad in ["/{a", "/{}", "/{a}{b}", "/a}"] {
            assert!(PathTemplate::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn url_mappings() {
        assert_eq!(
            UrlMapping::parse("/pet").matches("/pet?x=1"),
            Some(usize::MAX)
        );
        assert_eq!(UrlMapping::parse("/pet").matches("/pet/1"), None);
        assert_eq!(UrlMapping::parse("/pet/*").matches("/pet/1/2"), Some(4));
        assert_eq!(UrlMapping::parse("/pet/*").matches("/pet"), Some(4));
        assert_eq!(UrlMapping::parse("/pet/*").matches("/petx"), None);
        assert_eq!(UrlMapping::parse("/*").matches("/anything"), Some(0));
        assert_eq!(UrlMapping::parse("*.json").matches("/a/b.json"), Some(0));
        assert_eq!(decode_query_value("a+b%2Bc"), "a b+c");
    }
}
