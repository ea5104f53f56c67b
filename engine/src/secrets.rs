//! Keeping tokens and passwords out of logs and error bodies.
//!
//! Anything whose name looks like a credential is shown as its first four characters followed
//! by `****`, which is enough to tell two tokens apart and never enough to use one.

use serde_json::Value;

/// Name fragments (lower case) that mark a value as secret.
const SECRET_MARKERS: &[&str] = &[
    "token",
    "password",
    "passwd",
    "secret",
    "authorization",
    "apikey",
    "api-key",
    "api_key",
    "clientid",
    "client_id",
    "client-id",
    "cookie",
    "credential",
];

/// Values shorter than this are never treated as secrets (they would mask too much).
pub const MIN_SECRET_LEN: usize = 8;

/// Replaces every occurrence of each secret in `text` by its mask.
pub fn redact(text: &str, secrets: &[String]) -> String {
    let mut out = text.to_string();
    for secret in secrets {
        if out.contains(secret.as_str()) {
            out = out.replace(secret.as_str(), &mask(secret));
        }
    }
    out
}

/// True when a property, header or JSON key of this name holds a credential.
///
/// Names written in the config are classified once at deploy time (property, header and
/// connector parameter names, `$ctx:` lookups); this runs per message only for names computed
/// at run time, so it neither allocates nor lowercases: the markers are lower-case ASCII and
/// are compared byte for byte, ignoring ASCII case.
pub fn is_secret_name(name: &str) -> bool {
    let name = name.as_bytes();
    SECRET_MARKERS
        .iter()
        .any(|m| contains_ignore_ascii_case(name, m.as_bytes()))
}

/// `haystack` contains `needle` (lower-case ASCII), ignoring ASCII case.
fn contains_ignore_ascii_case(haystack: &[u8], needle: &[u8]) -> bool {
    let Some((&first, rest)) = needle.split_first() else {
        return true;
    };
    haystack.len() >= needle.len()
        && (0..=haystack.len() - needle.len()).any(|at| {
            haystack[at].to_ascii_lowercase() == first
                && haystack[at + 1..at + needle.len()].eq_ignore_ascii_case(rest)
        })
}

/// A value safe to log: the first four characters, then `****`.
pub fn mask(value: &str) -> String {
    let shown: String = value.chars().take(4).collect();
    if value.chars().count() <= 8 {
        "****".to_string()
    } else {
        format!("{shown}****")
    }
}

/// The value itself, or its mask when the name marks it secret.
pub fn shown(name: &str, value: &str) -> String {
    if is_secret_name(name) {
        mask(value)
    } else {
        value.to_string()
    }
}

/// A copy of a JSON document with every secret-named member masked, at any depth.
pub fn mask_json(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let masked = match v {
                        Value::String(s) if is_secret_name(k) => Value::String(mask(s)),
                        Value::Number(n) if is_secret_name(k) => {
                            Value::String(mask(&n.to_string()))
                        }
                        other => mask_json(other),
                    };
                    (k.clone(), masked)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(mask_json).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_by_name_at_any_depth() {
        for name in [
            "accessToken",
            "refresh_token",
            "Authorization",
            "clientId",
            "X-API-Key",
            "password",
        ] {
            assert!(is_secret_name(name), "{name}");
        }
        for name in ["webinarKey", "organizerKey", "apiUrl", "sessionKey"] {
            assert!(!is_secret_name(name), "{name}");
        }
        let doc = serde_json::json!({"accessToken":"UEGGrwswKRwB07lTOr0EoppdaxKo","inner":[{"clientId":"IJfcaqp3xC034WXD1GGlstejnJS41huo"}],"webinarKey":"6487"});
        let text = mask_json(&doc).to_string();
        assert!(!text.contains("UEGGrwswKRwB07lTOr0EoppdaxKo"));
        assert!(!text.contains("IJfcaqp3xC034WXD1GGlstejnJS41huo"));
        assert!(text.contains("UEGG****") && text.contains("6487"));
        assert_eq!(mask("short"), "****");
    }

    /// The allocation-free check gives what lowercasing the name and searching it gives.
    #[test]
    fn case_insensitive_search_matches_lowercasing() {
        let lowered = |name: &str| {
            let lower = name.to_ascii_lowercase();
            SECRET_MARKERS.iter().any(|m| lower.contains(m))
        };
        for name in [
            "",
            "t",
            "tok",
            "TOKEN",
            "xToKeNx",
            "my-Api-Key",
            "API_KEY",
            "apikey",
            "Cookie",
            "set-cookie",
            "Passwd",
            "pass-word",
            "client_ID",
            "clientid2",
            "Clİent_id",
            "ÄuthorizationÖ",
            "credentials",
            "secretary",
            "webinarKey",
            "tokeN",
            "tokn",
        ] {
            assert_eq!(is_secret_name(name), lowered(name), "{name}");
        }
    }
}
