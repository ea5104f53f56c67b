//! Jayway-dialect paths made ready for jsonpath-rust's RFC 9535 parser: dotted names that are
//! not RFC shorthand become `['...']`, and paths whose function calls nest too deep for the
//! parser are refused before it sees them.

/// How deep function calls (`length(`, `match(`, ...) may nest in a path. jsonpath-rust's PEG
/// parser backtracks exponentially in that depth (nine nested calls take seconds to refuse, a
/// dozen minutes: found by fuzzing); real paths use one or two.
pub(super) const MAX_FUNCTION_CALL_DEPTH: usize = 4;

/// The deepest nesting of function calls in `path`: a `(` right after a name opens a call,
/// other parentheses only group. Quoted text is skipped, unless a quote is left open: the
/// path is then invalid anyway, and every parenthesis counts.
pub(super) fn function_call_depth(path: &str) -> usize {
    match scan_function_calls(path, true) {
        (depth, false) => depth,
        (_, true) => scan_function_calls(path, false).0,
    }
}

/// The deepest call nesting, and whether a quote was left open.
fn scan_function_calls(path: &str, skip_quoted: bool) -> (usize, bool) {
    let mut open: Vec<bool> = Vec::new();
    let (mut calls, mut deepest) = (0usize, 0usize);
    let mut quote: Option<char> = None;
    let mut escaped = false;
    let mut previous = ' ';
    for c in path.chars() {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '\'' | '"' if skip_quoted => quote = Some(c),
            '(' => {
                let call = previous.is_alphanumeric() || previous == '_';
                open.push(call);
                if call {
                    calls += 1;
                    deepest = deepest.max(calls);
                }
            }
            ')' if open.pop() == Some(true) => calls -= 1,
            _ => {}
        }
        if !c.is_whitespace() {
            previous = c;
        }
    }
    (deepest, quote.is_some())
}

/// Rewrites `.name` segments that RFC 9535 shorthand cannot express into `['name']`.
pub(super) fn bracket_non_shorthand_names(path: &str) -> String {
    let mut out = String::with_capacity(path.len() + 8);
    let chars: Vec<char> = path.chars().collect();
    let mut i = 0;
    let mut depth = 0usize; // inside [...] nothing is rewritten
    let mut quote: Option<char> = None;
    while i < chars.len() {
        let c = chars[i];
        if let Some(q) = quote {
            out.push(c);
            if c == q {
                quote = None;
            }
            i += 1;
            continue;
        }
        match c {
            '\'' | '"' => quote = Some(c),
            '[' | '(' => depth += 1,
            ']' if depth == 1 => {
                depth = 0;
                out.push(']');
                i += 1;
                // Jayway reads anything else after `]` as a member name: `[0]name` is
                // `[0].name`, and a stray `)` is a member called `)`.
                let mut end = i;
                while end < chars.len() && !matches!(chars[end], '.' | '[') {
                    end += 1;
                }
                if end > i {
                    let name: String = chars[i..end].iter().collect();
                    out.push_str("['");
                    out.push_str(&name.replace('\\', "\\\\").replace('\'', "\\'"));
                    out.push_str("']");
                    i = end;
                }
                continue;
            }
            ']' | ')' => depth = depth.saturating_sub(1),
            '.' if depth == 0 => {
                let descent = chars.get(i + 1) == Some(&'.');
                let start = if descent { i + 2 } else { i + 1 };
                let mut end = start;
                while end < chars.len() && !matches!(chars[end], '.' | '[') {
                    end += 1;
                }
                let name: String = chars[start..end].iter().collect();
                if !name.is_empty() && name != "*" && !is_shorthand(&name) {
                    out.push_str(if descent { ".." } else { "" });
                    out.push_str("['");
                    out.push_str(&name.replace('\\', "\\\\").replace('\'', "\\'"));
                    out.push_str("']");
                    i = end;
                    continue;
                }
            }
            _ => {}
        }
        out.push(c);
        i += 1;
    }
    out
}

fn is_shorthand(name: &str) -> bool {
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || !c.is_ascii());
    first_ok && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || !c.is_ascii())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::JsonPathExpr;

    /// Found by the `expression` fuzz target: nested function calls made jsonpath-rust's
    /// parser backtrack exponentially (this one took about 20 s to be refused).
    #[test]
    fn deeply_nested_function_calls_are_refused_at_once() {
        let deep = format!("$[?match({}", "subset_of(".repeat(12));
        let started = std::time::Instant::now();
        let err = JsonPathExpr::parse(&deep).unwrap_err();
        assert!(err.contains("nest more than 4 deep"), "{err}");
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
        let fuzzed = "rd[?match(((subset_of(\t (    subset_of(\t subset_of(\t ! search(";
        assert!(
            JsonPathExpr::parse(fuzzed)
                .unwrap_err()
                .contains("nest more")
        );
        // What real configs write still parses; quoted parentheses are text.
        assert_eq!(function_call_depth("$[?length(value(@.a)) > 1]"), 2);
        assert_eq!(function_call_depth("$[?((@.a == 1))]"), 0);
        assert_eq!(function_call_depth("$[?match(@.a, 'x(y(z(w(v(')]"), 1);
        // A dotted name holding quotes becomes `['...']` before parsing; an open quote hides
        // nothing (second fuzz input).
        let quoted = format!(
            "r[?(@.k == 'y')]. \\\"x\\\" n..a{}",
            "[?value(@.l 8".repeat(9)
        );
        assert!(
            JsonPathExpr::parse(&quoted)
                .unwrap_err()
                .contains("nest more")
        );
        let open_quote = format!("$[?@.a == \"{}", "value(".repeat(9));
        assert!(function_call_depth(&open_quote) > 4);
        assert!(JsonPathExpr::parse("$[?length(@.a) > 1]").is_ok());
        assert!(JsonPathExpr::parse("$[?match(@.a, 'f(g(h(i(j(k(')]").is_ok());
    }

    #[test]
    fn translation_leaves_brackets_and_quotes_alone() {
        assert_eq!(bracket_non_shorthand_names("$.a-b.c"), "$['a-b'].c");
        assert_eq!(bracket_non_shorthand_names("$..x-y"), "$..['x-y']");
        assert_eq!(bracket_non_shorthand_names("$['a.b-c']"), "$['a.b-c']");
        assert_eq!(
            bracket_non_shorthand_names("$.a[?(@.b-c)]"),
            "$.a[?(@.b-c)]"
        );
    }
}
