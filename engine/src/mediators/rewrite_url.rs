//! The URL `<rewrite>` works on, cut into the fragments of Java's `java.net.URI` (scheme,
//! user info, host, port, path, query, fragment), and the conditions a rewrite rule tests.
//!
//! Fragments are kept as written: nothing is decoded, and only characters a URL cannot hold
//! are percent-escaped when it is put together again.

use regex::Regex;

use crate::compile::CompileCx;
use crate::config::xml::Element;
use crate::context::MessageContext;
use crate::error::Reported;

/// A part of a URL; the first six are text, kept by index as `java.net.URI` names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Fragment {
    Protocol,
    User,
    Host,
    Path,
    Query,
    Ref,
    Port,
    Full,
}

const FRAGMENTS: [(&str, Fragment); 8] = [
    ("protocol", Fragment::Protocol),
    ("user", Fragment::User),
    ("host", Fragment::Host),
    ("path", Fragment::Path),
    ("query", Fragment::Query),
    ("ref", Fragment::Ref),
    ("port", Fragment::Port),
    ("full", Fragment::Full),
];

pub(super) fn fragment_named(name: &str) -> Option<Fragment> {
    FRAGMENTS.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
}

/// A URL in fragments; a fragment that is not there is `None`.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Url {
    /// Protocol, user, host, path, query and ref, by [`Fragment`] index.
    text: [Option<String>; 6],
    pub port: Option<u16>,
}

impl Url {
    /// Cuts `text` into fragments (RFC 3986's generic syntax, as `java.net.URI` reads it).
    pub fn parse(text: &str) -> Result<Url, String> {
        let mut url = Url::default();
        let (rest, fragment) = split(text, '#');
        let (rest, query) = split(rest, '?');
        url.set(Fragment::Ref, fragment);
        url.set(Fragment::Query, query);
        let rest = match rest.split_once(':') {
            Some((scheme, after)) if is_scheme(scheme) => {
                url.set(Fragment::Protocol, Some(scheme.to_string()));
                after
            }
            _ => rest,
        };
        let path = match rest.strip_prefix("//") {
            Some(after) => {
                let end = after.find('/').unwrap_or(after.len());
                url.set_authority(&after[..end])?;
                &after[end..]
            }
            None => rest,
        };
        url.set(Fragment::Path, (!path.is_empty()).then(|| path.to_string()));
        Ok(url)
    }

    fn set_authority(&mut self, authority: &str) -> Result<(), String> {
        let host_port = match authority.rsplit_once('@') {
            Some((user, rest)) => {
                self.set(Fragment::User, Some(user.to_string()));
                rest
            }
            None => authority,
        };
        let (host, port) = match host_port.find(']') {
            Some(end) if host_port.starts_with('[') => {
                let port = host_port[end + 1..].strip_prefix(':');
                (&host_port[..=end], port)
            }
            _ => match host_port.rsplit_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (host_port, None),
            },
        };
        self.port = match port {
            None | Some("") => None,
            Some(p) => Some(
                p.parse()
                    .map_err(|_| format!("`{p}` is not a port number"))?,
            ),
        };
        self.set(Fragment::Host, (!host.is_empty()).then(|| host.to_string()));
        Ok(())
    }

    /// The text of a fragment; a port as its number, the whole URL for `Full`.
    pub fn get(&self, fragment: Fragment) -> Option<String> {
        match fragment {
            Fragment::Port => self.port.map(|p| p.to_string()),
            Fragment::Full => self.to_text().ok(),
            text => self.text[text as usize].clone(),
        }
    }

    /// Sets a text fragment (not the port, nor the whole URL).
    pub fn set(&mut self, fragment: Fragment, value: Option<String>) {
        if let Some(slot) = self.text.get_mut(fragment as usize) {
            *slot = value;
        }
    }

    /// The URL put together again; a relative path after a scheme or host is an error.
    pub fn to_text(&self) -> Result<String, String> {
        let [scheme, user, host, path, query, fragment] = &self.text;
        let mut out = String::new();
        if let Some(scheme) = scheme {
            out.push_str(scheme);
            out.push(':');
        }
        if let Some(host) = host {
            out.push_str("//");
            if let Some(user) = user {
                out.push_str(&escape(user, "/?#@"));
                out.push('@');
            }
            out.push_str(host);
            if let Some(port) = self.port {
                out.push_str(&format!(":{port}"));
            }
        }
        if let Some(path) = path {
            let absolute = scheme.is_some() || host.is_some();
            if absolute && !path.is_empty() && !path.starts_with('/') {
                return Err(format!("the path `{path}` must start with `/`"));
            }
            out.push_str(&escape(path, "?#"));
        }
        if let Some(query) = query {
            out.push('?');
            out.push_str(&escape(query, "#"));
        }
        if let Some(fragment) = fragment {
            out.push('#');
            out.push_str(&escape(fragment, "#"));
        }
        Ok(out)
    }
}

fn split(text: &str, at: char) -> (&str, Option<String>) {
    match text.split_once(at) {
        Some((before, after)) => (before, Some(after.to_string())),
        None => (text, None),
    }
}

fn is_scheme(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// Percent-escapes what a URL cannot hold, and the characters in `also`.
fn escape(text: &str, also: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let legal = c.is_ascii_alphanumeric() || "-_.!~*'();/?:@&=+$,[]%".contains(c);
        if legal && !also.contains(c) {
            out.push(c);
        } else {
            let mut bytes = [0; 4];
            for b in c.encode_utf8(&mut bytes).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

/// Java's `replaceAll` replacement (`$1`, `\$`) in the regex crate's syntax (`${1}`, `$$`).
pub(super) fn java_replacement(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('$') => out.push_str("$$"),
                Some(other) => out.push(other),
                None => {}
            },
            '$' if chars.peek().is_some_and(char::is_ascii_digit) => {
                out.push_str("${");
                while let Some(d) = chars.next_if(char::is_ascii_digit) {
                    out.push(d);
                }
                out.push('}');
            }
            '$' => out.push_str("$$"),
            other => out.push(other),
        }
    }
    out
}

/// Where a condition reads its text.
#[derive(Debug)]
pub(super) enum Text {
    /// The URL, or one fragment of it.
    Url(Option<Fragment>),
    Header(String),
    Param(String),
    Property(String),
}

#[derive(Debug)]
pub(super) enum Condition {
    And(Vec<Condition>),
    Or(Vec<Condition>),
    Not(Box<Condition>),
    Equal(Text, String),
    Match(Text, Regex),
}

pub(super) fn build_condition(el: &Element, cx: &mut CompileCx<'_>) -> Result<Condition, Reported> {
    let name = el.name.as_str();
    match name {
        "and" | "or" | "not" => {
            cx.check_attributes(el, &[]);
            let inner = el
                .elements()
                .map(|c| build_condition(c, cx))
                .collect::<Result<Vec<_>, _>>()?;
            match (name, inner.len()) {
                ("not", 1) => Ok(Condition::Not(Box::new(inner.into_iter().next().unwrap()))),
                ("not", _) => Err(cx.diags.error(el.pos, "<not> takes exactly one condition")),
                (_, 0) => Err(cx
                    .diags
                    .error(el.pos, format!("<{name}> needs conditions inside"))),
                ("and", _) => Ok(Condition::And(inner)),
                _ => Ok(Condition::Or(inner)),
            }
        }
        "equal" | "match" => {
            cx.check_attributes(el, &["type", "source", "value", "regex"]);
            let text = build_text(el, cx)?;
            if name == "equal" {
                let value = cx.required_attr(el, "value")?.value.clone();
                return Ok(Condition::Equal(text, value));
            }
            let regex = cx.required_attr(el, "regex")?;
            Ok(Condition::Match(text, cx.full_match_regex(regex)?))
        }
        other => Err(cx.diags.error_with_help(
            el.pos,
            format!("unknown condition <{other}>"),
            "expected and, or, not, equal or match",
        )),
    }
}

fn build_text(el: &Element, cx: &mut CompileCx<'_>) -> Result<Text, Reported> {
    let source = el.attr("source");
    let kind = el.attr_value("type").unwrap_or("header");
    if kind == "url" {
        return match source {
            None => Ok(Text::Url(None)),
            Some(s) => match fragment_named(&s.value).filter(|f| *f != Fragment::Full) {
                Some(fragment) => Ok(Text::Url(Some(fragment))),
                None => Err(cx.diags.error_with_help(
                    s.pos,
                    format!("unknown URL fragment `{}`", s.value),
                    "expected protocol, user, host, port, path, query or ref",
                )),
            },
        };
    }
    let pos = el.attr("type").map_or(el.pos, |a| a.pos);
    let make: fn(String) -> Text = match kind {
        "header" => Text::Header,
        "param" => Text::Param,
        "property" => Text::Property,
        "soap" => {
            return Err(cx
                .diags
                .error(pos, "conditions of type `soap` are not supported yet"));
        }
        other => {
            return Err(cx.diags.error_with_help(
                pos,
                format!("unknown condition type `{other}`"),
                "expected url, header, param or property",
            ));
        }
    };
    Ok(make(cx.required_attr(el, "source")?.value.clone()))
}

impl Condition {
    pub fn holds(&self, url: &Url, text: &str, ctx: &MessageContext) -> bool {
        let read = |t: &Text| match t {
            Text::Url(None) => Some(text.to_string()),
            Text::Url(Some(Fragment::Port)) => Some(url.port.map_or(-1, i32::from).to_string()),
            Text::Url(Some(Fragment::Path)) => Some(url.get(Fragment::Path).unwrap_or_default()),
            Text::Url(Some(f)) => url.get(*f),
            Text::Header(name) => ctx.header(name).map(str::to_string),
            Text::Param(name) => crate::api::query_params(text.split('#').next().unwrap_or(""))
                .into_iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v),
            Text::Property(name) => ctx.property(name).map(ToString::to_string),
        };
        match self {
            Condition::And(all) => all.iter().all(|c| c.holds(url, text, ctx)),
            Condition::Or(any) => any.iter().any(|c| c.holds(url, text, ctx)),
            Condition::Not(inner) => !inner.holds(url, text, ctx),
            Condition::Equal(t, value) => read(t).is_some_and(|v| &v == value),
            Condition::Match(t, regex) => read(t).is_some_and(|v| regex.is_match(&v)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Fragment, Url, java_replacement};

    #[test]
    fn urls_come_apart_and_together_again() {
        let cases = [
            ("http://localhost:8280/services/Proxy?a=1&b=%20#top", None),
            ("https://user:pw@example.com/", None),
            ("http://[::1]:9000/x", None),
            ("/services/Proxy?x=1", None),
            ("", None),
            // As java.net.URI: an empty host is no host.
            ("file:///tmp/a", Some("file:/tmp/a")),
        ];
        for (text, want) in cases {
            let back = Url::parse(text).unwrap().to_text().unwrap();
            assert_eq!(back, want.unwrap_or(text), "{text}");
        }
        // A scheme with a relative path (an opaque URI) cannot be put together again.
        assert!(Url::parse("urn:isbn:0961").unwrap().to_text().is_err());
        assert!(Url::parse("http://h:80x/").is_err());
    }

    #[test]
    fn fragments_as_java_net_uri_gives_them() {
        let url = Url::parse("http://me@h:81/p/q?x=1#f").unwrap();
        let table = [
            (Fragment::Protocol, Some("http")),
            (Fragment::User, Some("me")),
            (Fragment::Host, Some("h")),
            (Fragment::Port, Some("81")),
            (Fragment::Path, Some("/p/q")),
            (Fragment::Query, Some("x=1")),
            (Fragment::Ref, Some("f")),
            (Fragment::Full, Some("http://me@h:81/p/q?x=1#f")),
        ];
        for (fragment, want) in table {
            assert_eq!(url.get(fragment).as_deref(), want, "{fragment:?}");
        }
        let bare = Url::parse("http://h").unwrap();
        assert_eq!((bare.get(Fragment::Path), bare.port), (None, None));
        let mut odd = bare.clone();
        odd.set(Fragment::Path, Some("a b/ü?#".into()));
        assert_eq!(
            odd.to_text().unwrap_err(),
            "the path `a b/ü?#` must start with `/`"
        );
        odd.set(Fragment::Path, Some("/a b/ü?#".into()));
        assert_eq!(odd.to_text().unwrap(), "http://h/a%20b/%C3%BC%3F%23");
    }

    #[test]
    fn java_replacements() {
        for (java, rust) in [
            ("$1x", "${1}x"),
            (r"\$1", "$$1"),
            ("a$", "a$$"),
            (r"\\", r"\"),
        ] {
            assert_eq!(java_replacement(java), rust, "{java}");
        }
    }
}
