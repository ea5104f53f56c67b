//! `json-eval(...)`: Jayway-dialect JSONPath, compiled once, with Synapse's result conventions.
//!
//! jsonpath-rust implements RFC 9535. Synapse uses Jayway JsonPath, which accepts a few things
//! RFC 9535 does not; they are translated here before the query is parsed:
//! * `$.` alone and `$` mean the whole payload, returned as the original text;
//! * a trailing `.length()` gives the size of the result;
//! * dotted names that are not RFC shorthand names (`$.first-name`, `$.2fa`) become `['...']`.
//!
//! Results follow `SynapseJsonPath.stringValueOf`: strings unquoted, numbers as their original
//! text, objects and arrays as compact JSON, JSON null as `"null"`, a missing definite path as
//! `""`, and any indefinite path (wildcards, descent, filters, slices) as a JSON array.

use jsonpath_rust::parser::model::{JpQuery, Segment, Selector};
use jsonpath_rust::parser::parse_json_path;
use jsonpath_rust::query::js_path_process;
use serde_json::Value;

mod dialect;
mod steps;

use dialect::{MAX_FUNCTION_CALL_DEPTH, bracket_non_shorthand_names, function_call_depth};
use steps::node_of;
pub use steps::{PathStep, definite_steps, node_at};

#[derive(Debug, Clone)]
pub struct JsonPathExpr {
    /// The path as written in the config, for messages.
    text: String,
    query: Option<JpQuery>,
    /// A path that can select at most one node.
    definite: bool,
    /// The steps of a definite path (member names and indices only), walked directly over the
    /// document: jsonpath-rust's general evaluation costs thousands of instructions even for
    /// `$.name`, much of it formatting the normalised path of every node it visits. The
    /// results are the same (see the tests).
    steps: Option<Vec<PathStep>>,
    /// Jayway's trailing `.length()`.
    length: bool,
    /// The path ends in a member whose name marks a credential (`$.accessToken`).
    reads_secret: bool,
    /// `json-eval($ctx:prop.a)`: the JSON comes from a property or header, not the payload.
    source: Option<PropertySource>,
}

/// Where a `json-eval` reads its JSON when not from the payload: (`ctx`|`trp`|`axis2`, name).
#[derive(Debug, Clone, PartialEq)]
pub struct PropertySource {
    pub prefix: &'static str,
    pub name: String,
}

/// What a path asks of the payload.
#[derive(Debug, Clone, PartialEq)]
pub enum JsonPathResult {
    /// `$` / `$.`: the payload text itself.
    WholePayload,
    Text(String),
}

impl JsonPathExpr {
    /// Parses a Jayway path. The error is a message ready to show the user.
    pub fn parse(path: &str) -> Result<JsonPathExpr, String> {
        let trimmed = path.trim();
        for prefix in ["ctx", "trp", "axis2"] {
            if let Some(rest) = trimmed
                .strip_prefix('$')
                .and_then(|r| r.strip_prefix(prefix))
                .and_then(|r| r.strip_prefix(':'))
            {
                // `$ctx:prop.a.b` reads path `$.a.b` of property `prop`.
                let end = rest.find(['.', '[']).unwrap_or(rest.len());
                let (name, path) = rest.split_at(end);
                let path = path
                    .strip_prefix(".[")
                    .map_or_else(|| format!("${path}"), |p| format!("$[{p}"));
                let mut parsed = JsonPathExpr::parse(&path)?;
                parsed.text = trimmed.to_string();
                parsed.source = Some(PropertySource {
                    prefix,
                    name: name.to_string(),
                });
                return Ok(parsed);
            }
        }
        let text = trimmed.to_string();
        let (body, length) = match text.strip_suffix(".length()") {
            Some(rest) => (rest, true),
            None => (text.as_str(), false),
        };
        // Jayway reads a path without `$` as starting at the root (`a.b` is `$.a.b`).
        let rooted;
        let body = if body.starts_with('$') {
            body
        } else if body.is_empty() || body.starts_with(['.', '[', '@']) {
            return Err(format!(
                "JSONPath `{text}` must start with `$` or a member name"
            ));
        } else {
            rooted = format!("$.{body}");
            rooted.as_str()
        };
        if body == "$" || body == "$." {
            return Ok(JsonPathExpr {
                text,
                query: None,
                definite: true,
                steps: None,
                length,
                reads_secret: false,
                source: None,
            });
        }
        let translated = bracket_non_shorthand_names(body);
        // Counted on the translated text: that is what the parser sees (a dotted name may
        // have become a quoted `['...']`).
        if function_call_depth(&translated) > MAX_FUNCTION_CALL_DEPTH {
            return Err(format!(
                "invalid JSONPath `{text}`: function calls nest more than \
                 {MAX_FUNCTION_CALL_DEPTH} deep"
            ));
        }
        let query =
            parse_json_path(&translated).map_err(|e| format!("invalid JSONPath `{text}`: {e}"))?;
        let definite = query
            .segments
            .iter()
            .all(|s| matches!(s, Segment::Selector(Selector::Name(_) | Selector::Index(_))));
        let reads_secret = !length
            && match query.segments.last() {
                Some(Segment::Selector(Selector::Name(name))) => {
                    crate::secrets::is_secret_name(name)
                }
                _ => false,
            };
        let steps = if definite {
            query.segments.iter().map(PathStep::of_segment).collect()
        } else {
            None
        };
        Ok(JsonPathExpr {
            text,
            query: Some(query),
            definite,
            steps,
            length,
            reads_secret,
            source: None,
        })
    }

    /// True when the result is a credential, so logs and errors must mask it.
    pub fn reads_secret(&self) -> bool {
        self.reads_secret
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// The property or header the JSON comes from, when it is not the payload.
    pub fn source(&self) -> Option<&PropertySource> {
        self.source.as_ref()
    }

    /// The JSON the path selects: the node for a definite path, an array of the nodes for an
    /// indefinite one, `None` when a definite path finds nothing.
    pub fn select(&self, payload: Option<&Value>) -> Option<Value> {
        let root = payload?;
        let Some(query) = &self.query else {
            return Some(root.clone());
        };
        if let Some(steps) = &self.steps {
            return node_of(root, steps).cloned();
        }
        let nodes: Vec<&Value> = js_path_process(query, root)
            .map(|found| found.into_iter().map(|r| r.val).collect())
            .unwrap_or_default();
        if self.definite {
            nodes.first().map(|v| (*v).clone())
        } else {
            Some(Value::Array(nodes.into_iter().cloned().collect()))
        }
    }

    /// `$` or `$.`: the whole payload, not a node in it.
    pub fn is_whole_payload(&self) -> bool {
        self.query.is_none() && !self.length && self.source.is_none()
    }

    /// Evaluates against a parsed payload (`None` when the message has no JSON payload).
    pub fn evaluate(&self, payload: Option<&Value>) -> JsonPathResult {
        let Some(query) = &self.query else {
            return match (payload, self.length) {
                (Some(root), true) => JsonPathResult::Text(size_of(root)),
                _ => JsonPathResult::WholePayload,
            };
        };
        let Some(root) = payload else {
            return JsonPathResult::Text(if self.definite {
                String::new()
            } else {
                "[]".into()
            });
        };
        if let Some(steps) = &self.steps {
            return JsonPathResult::Text(match node_of(root, steps) {
                None => String::new(),
                Some(v) if self.length => size_of(v),
                Some(v) => string_value(v),
            });
        }
        let nodes: Vec<&Value> = match js_path_process(query, root) {
            Ok(found) => found.into_iter().map(|r| r.val).collect(),
            Err(_) => Vec::new(),
        };
        let text = if self.definite {
            match nodes.first() {
                None => String::new(),
                Some(v) if self.length => size_of(v),
                Some(v) => string_value(v),
            }
        } else if self.length {
            nodes.len().to_string()
        } else {
            Value::Array(nodes.into_iter().cloned().collect()).to_string()
        };
        JsonPathResult::Text(text)
    }
}

/// Synapse's string form of one JSON value.
pub fn string_value(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "null".into(),
        other => other.to_string(),
    }
}

fn size_of(v: &Value) -> String {
    match v {
        Value::Array(a) => a.len().to_string(),
        Value::Object(o) => o.len().to_string(),
        Value::String(s) => s.chars().count().to_string(),
        _ => "1".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"{"s":"text","n":1.50,"big":6487648931392511233,"t":true,"z":null,
        "o":{"a":1,"b":[1,2]},"arr":[{"k":"x"},{"k":"y"}],"first-name":"Ann","2fa":"on","e":[]}"#;

    #[test]
    fn text_after_a_bracket_is_a_member_name_as_in_jayway() {
        assert_eq!(eval("arr[1]k"), "y");
        assert_eq!(eval("$.arr[0]k"), "x");
        // A stray `)` names a member that is not there.
        assert_eq!(eval("$.arr[?(@.k == 'x')])"), "[]");
    }

    fn eval(path: &str) -> String {
        let doc: Value = serde_json::from_str(DOC).unwrap();
        match JsonPathExpr::parse(path).unwrap().evaluate(Some(&doc)) {
            JsonPathResult::Text(t) => t,
            JsonPathResult::WholePayload => "<whole>".into(),
        }
    }

    #[test]
    fn synapse_result_conventions() {
        let table = [
            ("$.s", "text"),
            ("$.n", "1.50"),
            ("$.big", "6487648931392511233"),
            ("$.t", "true"),
            ("$.z", "null"),
            ("$.missing", ""),
            ("$.o", r#"{"a":1,"b":[1,2]}"#),
            ("$.o.b", "[1,2]"),
            ("$.o.b[1]", "2"),
            ("$['s']", "text"),
            ("o.a", "1"),
            ("$.arr[*].k", r#"["x","y"]"#),
            ("$..k", r#"["x","y"]"#),
            ("$.arr[?(@.k == 'y')].k", r#"["y"]"#),
            ("$.arr[*].missing", "[]"),
            ("$.first-name", "Ann"),
            ("$.2fa", "on"),
            ("$.arr.length()", "2"),
            ("$.e.length()", "0"),
            ("$", "<whole>"),
            ("$.", "<whole>"),
        ];
        let p = JsonPathExpr::parse("$ctx:original.[0]").unwrap();
        assert_eq!(
            p.source().unwrap(),
            &PropertySource {
                prefix: "ctx",
                name: "original".into()
            }
        );
        assert!(
            JsonPathExpr::parse("$trp:prop.store.book[?(@.price > 10)]")
                .unwrap()
                .source()
                .is_some()
        );
        for (path, want) in table {
            assert_eq!(eval(path), want, "json-eval({path})");
        }
    }

    /// The direct walk of definite paths gives exactly what jsonpath-rust gives.
    #[test]
    fn definite_fast_path_equals_the_general_evaluation() {
        let docs = [
            DOC,
            r#"[[1,[2,3]],{"a":{"b":null}},"s",[]]"#,
            r#"{"a":{"":1," ":2,"x'y":3,"é":4},"0":"zero","n":[[[{"d":"deep"}]]]}"#,
            r#""just a string""#,
            "42",
            "null",
        ];
        let paths = [
            "$.s",
            "$.n",
            "$.big",
            "$.z",
            "$.missing",
            "$.o",
            "$.o.a",
            "$.o.b",
            "$.o.b[0]",
            "$.o.b[1]",
            "$.o.b[2]",
            "$.o.b[-1]",
            "$.o.b[-2]",
            "$.o.b[-3]",
            "$.arr[0].k",
            "$.arr[1]k",
            "$.arr[5].k",
            "$.s.x",
            "$.s[0]",
            "$.o[0]",
            "$.arr.k",
            "$[0]",
            "$[3]",
            "$[-1]",
            "$[-4]",
            "$[-5]",
            "$[0][1][0]",
            "$[1].a.b",
            "$[1].a.b.c",
            "$['a']['']",
            "$.a[' ']",
            r"$.a['x\'y']",
            "$.a.é",
            "$['0']",
            "$[0]",
            "$.n[0][0][0].d",
            "$.first-name",
            "$.2fa",
            "$.o.length()",
            "$.arr.length()",
            "$.s.length()",
            "$.z.length()",
            "$.missing.length()",
            "$[0].length()",
            "o.b[1]",
        ];
        for doc in docs {
            let doc: Value = serde_json::from_str(doc).unwrap();
            for path in paths {
                let fast = JsonPathExpr::parse(path).unwrap();
                assert!(fast.steps.is_some(), "{path} should take the fast path");
                let general = JsonPathExpr {
                    steps: None,
                    ..fast.clone()
                };
                assert_eq!(
                    fast.evaluate(Some(&doc)),
                    general.evaluate(Some(&doc)),
                    "evaluate {path} on {doc}"
                );
                assert_eq!(
                    fast.select(Some(&doc)),
                    general.select(Some(&doc)),
                    "select {path} on {doc}"
                );
            }
        }
        for path in [
            "$..k",
            "$.arr[*]",
            "$.o.b[0:1]",
            "$.arr[?(@.k)]",
            "$['s','n']",
            "$",
        ] {
            assert!(
                JsonPathExpr::parse(path).unwrap().steps.is_none(),
                "{path} is not a plain definite path"
            );
        }
    }

    #[test]
    fn no_payload_gives_empty_or_empty_array() {
        let p = JsonPathExpr::parse("$.a").unwrap();
        assert_eq!(p.evaluate(None), JsonPathResult::Text(String::new()));
        let p = JsonPathExpr::parse("$..a").unwrap();
        assert_eq!(p.evaluate(None), JsonPathResult::Text("[]".into()));
    }

    #[test]
    fn bad_paths_are_rejected_at_parse_time() {
        assert!(JsonPathExpr::parse("").is_err());
        assert!(JsonPathExpr::parse(".b").is_err());
        assert!(JsonPathExpr::parse("$.a[").is_err());
        assert!(JsonPathExpr::parse("$[?(@.a ==)]").is_err());
    }
}
