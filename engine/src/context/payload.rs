//! The message body: the bytes as received, and a JSON tree built only when something asks.
//!
//! An untouched body is sent on byte for byte. Parsing happens at most once per message, on
//! the first expression that needs it; a mediator that replaces the body marks it modified,
//! and only then is the tree serialised again.

use bytes::Bytes;
use serde_json::Value;

#[derive(Debug, Clone)]
enum JsonState {
    Unparsed,
    /// `modified` is true when a mediator built this tree rather than parsing the bytes.
    Parsed {
        value: Value,
        modified: bool,
    },
    /// No JSON payload: an empty body, or a content type that is not JSON.
    Absent,
    /// The content type says JSON but the bytes are not.
    Invalid(String),
}

#[derive(Debug, Clone)]
pub struct Payload {
    raw: Bytes,
    json: JsonState,
    /// A mediator built this body (payloadFactory, makefault, ...), as opposed to the client
    /// or a backend sending it.
    mediated: bool,
}

/// How the body should be read when JSON is asked of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    /// The content type names JSON: invalid bytes are the client's error.
    Json,
    /// No content type: JSON if it parses, otherwise no JSON payload.
    Unlabelled,
    /// Some other content type: no JSON payload.
    Other,
}

impl BodyKind {
    pub fn from_content_type(content_type: Option<&str>) -> BodyKind {
        match content_type {
            None => BodyKind::Unlabelled,
            Some(ct) if is_json_content_type(ct) => BodyKind::Json,
            Some(_) => BodyKind::Other,
        }
    }
}

/// The deepest nesting of arrays and objects in JSON text, counted without parsing (strings
/// are skipped), so that hostile depth is refused cheaply and without recursion.
pub fn nesting_depth(text: &[u8]) -> usize {
    let (mut depth, mut deepest, mut in_string, mut escaped) = (0usize, 0usize, false, false);
    for &b in text {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// `application/json`, `text/json`, and any `+json` type such as the GoToWebinar
/// `application/vnd.citrix.g2wapi-v1.1+json`.
pub fn is_json_content_type(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or("").trim();
    match essence.split_once('/') {
        Some((_, subtype)) => {
            let suffix = subtype.len().checked_sub("+json".len());
            subtype.eq_ignore_ascii_case("json")
                || suffix.is_some_and(|at| subtype.as_bytes()[at..].eq_ignore_ascii_case(b"+json"))
        }
        None => false,
    }
}

impl Payload {
    pub fn new(raw: Bytes) -> Self {
        Payload {
            raw,
            json: JsonState::Unparsed,
            mediated: false,
        }
    }

    pub fn empty() -> Self {
        Payload::new(Bytes::new())
    }

    /// True when a mediator has replaced the body since it arrived.
    pub fn is_modified(&self) -> bool {
        self.mediated
    }

    /// True until the body has been looked at for JSON (the first [`json`](Self::json) call,
    /// the only one whose `kind` matters).
    pub fn is_unread(&self) -> bool {
        matches!(self.json, JsonState::Unparsed)
    }

    /// The JSON tree, parsed on first use. `Err` carries the parser's message. Documents
    /// nested deeper than `max_depth` are refused before parsing.
    pub fn json(&mut self, kind: BodyKind, max_depth: usize) -> Result<Option<&Value>, String> {
        if matches!(self.json, JsonState::Unparsed) {
            self.json = self.parse(kind, max_depth);
        }
        match &self.json {
            JsonState::Parsed { value, .. } => Ok(Some(value)),
            JsonState::Absent => Ok(None),
            JsonState::Invalid(message) => Err(message.clone()),
            JsonState::Unparsed => unreachable!("parsed just above"),
        }
    }

    fn parse(&self, kind: BodyKind, max_depth: usize) -> JsonState {
        if kind == BodyKind::Other || self.raw.iter().all(u8::is_ascii_whitespace) {
            return JsonState::Absent;
        }
        // The number of `[` and `{` bounds the depth from above and is counted with vector
        // instructions; the exact scan goes byte by byte through a state machine (about 16k
        // instructions for 1 KB, more than parsing it) and only runs when the bound is over
        // the limit.
        let openings = self.raw.iter().filter(|&&b| b == b'[' || b == b'{').count();
        if openings > max_depth {
            let depth = nesting_depth(&self.raw);
            if depth > max_depth {
                return if kind == BodyKind::Json {
                    JsonState::Invalid(format!(
                        "it is nested {depth} levels deep; the limit is {max_depth}"
                    ))
                } else {
                    JsonState::Absent
                };
            }
        }
        // Within the limit the document may be deeper than serde_json's default of 128.
        let mut deserializer = serde_json::Deserializer::from_slice(&self.raw);
        deserializer.disable_recursion_limit();
        let parsed = serde::Deserialize::deserialize(&mut deserializer)
            .and_then(|v| deserializer.end().map(|()| v));
        match parsed {
            Ok(value) => JsonState::Parsed {
                value,
                modified: false,
            },
            Err(e) if kind == BodyKind::Json => JsonState::Invalid(e.to_string()),
            Err(_) => JsonState::Absent,
        }
    }

    /// Replaces the body with a JSON tree built by a mediator.
    pub fn set_json(&mut self, value: Value) {
        self.json = JsonState::Parsed {
            value,
            modified: true,
        };
        self.mediated = true;
    }

    /// Replaces the body with bytes a mediator built (XML, text).
    pub fn set_mediated_raw(&mut self, raw: Bytes) {
        self.raw = raw;
        self.json = JsonState::Unparsed;
        self.mediated = true;
    }

    /// Replaces the body with new bytes (a backend response).
    pub fn set_raw(&mut self, raw: Bytes) {
        self.raw = raw;
        self.json = JsonState::Unparsed;
        self.mediated = false;
    }

    /// The bytes to send: the original ones unless a mediator built a new body.
    pub fn to_bytes(&self) -> Bytes {
        match &self.json {
            JsonState::Parsed {
                value,
                modified: true,
            } => Bytes::from(value.to_string()),
            _ => self.raw.clone(),
        }
    }

    /// The body as text (lossy for invalid UTF-8), for `json-eval($)` and logs.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.to_bytes()).into_owned()
    }

    /// True when the body is a JSON tree built by mediation.
    pub fn is_json_tree(&self) -> bool {
        matches!(self.json, JsonState::Parsed { modified: true, .. })
    }

    pub fn is_empty(&self) -> bool {
        !self.is_modified() && self.raw.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_content_types() {
        for ct in [
            "application/json",
            "application/json; charset=UTF-8",
            "text/json",
            "application/vnd.citrix.g2wapi-v1.1+json",
            "APPLICATION/JSON",
            "Application/Problem+JSON ; charset=utf-8",
            " text/Json",
        ] {
            assert!(is_json_content_type(ct), "{ct}");
        }
        for ct in [
            "text/plain",
            "application/xml",
            "json",
            "application/jsonx",
            "application/+jsonx",
            "application/ json",
            "a/json+",
            "application/jsön",
            "",
        ] {
            assert!(!is_json_content_type(ct), "{ct}");
        }
    }

    #[test]
    fn parses_lazily_and_keeps_bytes_untouched() {
        let raw = Bytes::from_static(b"{ \"n\" : 1.50 }");
        let mut p = Payload::new(raw.clone());
        assert_eq!(
            p.json(BodyKind::Json, 400).unwrap().unwrap()["n"].to_string(),
            "1.50"
        );
        assert_eq!(p.to_bytes(), raw, "an untouched body keeps its exact bytes");
        p.set_json(serde_json::json!({"a": 1}));
        assert!(p.is_modified());
        assert_eq!(p.to_bytes(), Bytes::from_static(b"{\"a\":1}"));
    }

    #[test]
    fn depth_is_limited_without_recursion() {
        assert_eq!(nesting_depth(br#"{"a":[1,{"b":"[[[["}]}"#), 3);
        let deep = format!("{}{}", "[".repeat(400), "]".repeat(400));
        let mut p = Payload::new(Bytes::from(deep));
        assert!(
            p.json(BodyKind::Json, 400).unwrap().is_some(),
            "400 levels are allowed"
        );
        // Many brackets, but inside a string or side by side: shallow, so accepted.
        let brackets = format!(
            r#"{{"s":"{}","a":[{}]}}"#,
            "[{".repeat(300),
            vec!["[]"; 300].join(",")
        );
        let mut p = Payload::new(Bytes::from(brackets));
        assert!(p.json(BodyKind::Json, 3).unwrap().is_some());
        let mut p = Payload::new(Bytes::from_static(b"[[[[]]]]"));
        assert!(p.json(BodyKind::Json, 3).is_err(), "four levels");
        let hostile = "[".repeat(200_000);
        let mut p = Payload::new(Bytes::from(hostile));
        assert!(
            p.json(BodyKind::Json, 400)
                .unwrap_err()
                .contains("nested 200000 levels deep")
        );
    }

    #[test]
    fn invalid_json_is_an_error_only_when_labelled_json() {
        let mut p = Payload::new(Bytes::from_static(b"{oops"));
        assert!(p.json(BodyKind::Json, 400).is_err());
        let mut p = Payload::new(Bytes::from_static(b"{oops"));
        assert_eq!(p.json(BodyKind::Unlabelled, 400), Ok(None));
        let mut p = Payload::new(Bytes::from_static(b"{}"));
        assert_eq!(p.json(BodyKind::Other, 400), Ok(None));
        let mut p = Payload::new(Bytes::from_static(b"  \n"));
        assert_eq!(p.json(BodyKind::Json, 400), Ok(None));
    }
}
