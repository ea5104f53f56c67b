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
pub fn is_secret_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    SECRET_MARKERS.iter().any(|m| lower.contains(m))
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
}
