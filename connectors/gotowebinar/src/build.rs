//! What connector 1.0.3's filters, payloadFactories and scripts build, done natively.
//!
//! The templates build requests in four ways, one function each here:
//! * a query fixed in the uri-template, always sent and empty when the parameter is
//!   (`?external={uri.var.external}`): [`query_always`];
//! * a filter `not($ctx:x = '' or not(string($ctx:x)))` that appends `?name=<x>` only when
//!   `x` is non-empty: [`query_when_set`];
//! * a payloadFactory body that a script extends with each optional field that is
//!   `!= null && != ""`, always as a string: [`add_non_empty`];
//! * JSON text inserted as JSON, by `eval('(' + x + ')')` or by an unquoted `$n` in the
//!   format: [`json_parameter`]. 1.0.3 built invalid JSON (or ran the text as JavaScript);
//!   here text that is not JSON is a 400 naming the parameter, and nothing is sent.
//!
//! Values are JSON-escaped by `serde_json`, so a `"` in a name cannot break the body.

use oxynapse_engine::MediationError;
use oxynapse_engine::connector::Args;
use oxynapse_engine::error::codes;
use serde_json::{Map, Value};

use crate::operation::encode_query_value;

/// `{query_name}={value}`, sent even when the value is empty or absent.
pub fn query_always(args: &Args, query_name: &str, param: &str) -> String {
    let value = args.get(param).unwrap_or_default();
    format!("{query_name}={}", encode_query_value(value))
}

/// `{query_name}={value}` when the parameter is non-empty, else no query at all.
pub fn query_when_set(args: &Args, query_name: &str, param: &str) -> Option<String> {
    args.non_empty(param)
        .map(|value| format!("{query_name}={}", encode_query_value(value)))
}

/// `fromTime=..&toTime=..`, both always present (getOrganizerSessions's uri-template).
pub fn time_range_query(args: &Args) -> Result<Option<String>, MediationError> {
    Ok(Some(format!(
        "{}&{}",
        query_always(args, "fromTime", "fromTime"),
        query_always(args, "toTime", "toTime")
    )))
}

/// The parameter as a JSON string, `""` when absent: what `"$n"` in a format gives.
pub fn text(args: &Args, name: &str) -> Value {
    Value::String(args.get(name).unwrap_or_default().to_string())
}

/// Adds each named parameter that is non-empty to `body` as a string, in the given order.
pub fn add_non_empty(body: &mut Map<String, Value>, args: &Args, names: &[&str]) {
    for name in names {
        if let Some(value) = args.non_empty(name) {
            body.insert((*name).to_string(), Value::String(value.to_string()));
        }
    }
}

/// The parameter parsed as JSON text; empty or invalid text is a 400 naming it.
/// `example` shows the expected shape in the error's detail.
pub fn json_parameter(
    operation: &str,
    args: &Args,
    name: &str,
    example: &str,
) -> Result<Value, MediationError> {
    let raw = args.get(name).unwrap_or_default();
    if raw.trim().is_empty() {
        return Err(invalid_parameter(
            operation,
            name,
            format!("`{name}` is empty, but it is sent as JSON; give JSON text such as {example}"),
        )
        .with_code(codes::MISSING_PARAMETER));
    }
    serde_json::from_str(raw).map_err(|e| {
        invalid_parameter(
            operation,
            name,
            format!("`{name}` is not valid JSON ({e}); give JSON text such as {example}"),
        )
    })
}

/// 400: a parameter is present but cannot be used as given.
pub fn invalid_parameter(operation: &str, name: &str, detail: String) -> MediationError {
    MediationError::client(format!(
        "invalid parameter `{name}` of operation `{operation}`"
    ))
    .with_detail(detail)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Arguments from `(name, value)` pairs, for the builders' tests.
    pub(crate) fn args(operation: &'static str, pairs: &[(&'static str, &str)]) -> Args {
        let mut args = Args::new(operation);
        for (name, value) in pairs {
            args.insert(name, (*value).to_string());
        }
        args
    }

    #[test]
    fn queries_are_always_or_only_when_set() {
        let given = args("x", &[("external", "true"), ("empty", "")]);
        assert_eq!(
            query_always(&given, "external", "external"),
            "external=true"
        );
        assert_eq!(query_always(&given, "external", "empty"), "external=");
        assert_eq!(query_always(&given, "external", "absent"), "external=");
        assert_eq!(
            query_when_set(&given, "notifyParticipants", "external").as_deref(),
            Some("notifyParticipants=true")
        );
        assert_eq!(query_when_set(&given, "n", "empty"), None);
        assert_eq!(query_when_set(&given, "n", "absent"), None);
        let times = args(
            "x",
            &[("fromTime", "2015-05-09T16:45:58Z"), ("toTime", "a&b")],
        );
        assert_eq!(
            time_range_query(&times).unwrap().as_deref(),
            Some("fromTime=2015-05-09T16:45:58Z&toTime=a%26b")
        );
    }

    #[test]
    fn optional_fields_are_added_as_strings_only_when_non_empty() {
        let given = args(
            "x",
            &[("city", "Köln"), ("phone", ""), ("numberOfEmployees", "50")],
        );
        let mut body = Map::new();
        add_non_empty(
            &mut body,
            &given,
            &["phone", "numberOfEmployees", "city", "absent"],
        );
        assert_eq!(
            Value::Object(body).to_string(),
            r#"{"numberOfEmployees":"50","city":"Köln"}"#
        );
        assert_eq!(text(&given, "phone"), Value::String(String::new()));
        assert_eq!(text(&given, "absent"), Value::String(String::new()));
    }

    #[test]
    fn json_parameters_parse_or_name_the_parameter() {
        let given = args(
            "createRegistrant",
            &[
                ("responses", r#" [{"questionKey":6487648931392511233}] "#),
                ("bad", "[{questionKey: 1}]"),
                ("empty", " "),
            ],
        );
        let parsed = json_parameter("createRegistrant", &given, "responses", "[]").unwrap();
        assert_eq!(
            parsed.to_string(),
            r#"[{"questionKey":6487648931392511233}]"#
        );
        let err = json_parameter("createRegistrant", &given, "bad", "[]").unwrap_err();
        assert_eq!(err.status, 400);
        assert_eq!(
            err.message,
            "invalid parameter `bad` of operation `createRegistrant`"
        );
        assert!(err.detail.contains("not valid JSON"), "{}", err.detail);
        let err = json_parameter("createRegistrant", &given, "empty", "[]").unwrap_err();
        assert!(err.detail.contains("is empty"), "{}", err.detail);
        assert!(json_parameter("createRegistrant", &given, "absent", "[]").is_err());
    }
}
