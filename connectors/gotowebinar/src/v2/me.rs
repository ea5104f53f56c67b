//! The organizer key, when `init` is not given one in v2: GoTo's token answer no longer
//! carries `organizer_key`, so it is read once from `GET {apiUrl}/admin/rest/v1/me` (field
//! `key`) and cached in the registry under `<registryPath>/organizerKey`. A token the call
//! rejects (401, or 403 `InvalidToken`) is reported as [`Lookup::Rejected`], so that `init`
//! can renew it once and ask again.

use http::header::{ACCEPT, AUTHORIZATION, HeaderValue};
use http::{HeaderMap, Method};
use oxynapse_engine::error::codes;
use oxynapse_engine::http::client::BackendRequest;
use oxynapse_engine::{EngineServices, MediationError};

use super::tokens::{non_empty, organizer_key_path, put};
use crate::renewal::{authorization, rejects_token};
use crate::v2::ApiVersion;

/// The path of the "who am I" call below `apiUrl`.
pub const ME_PATH: &str = "/admin/rest/v1/me";

/// What a lookup found.
#[derive(Debug, Clone, PartialEq)]
pub enum Lookup {
    Key(String),
    /// The API rejected the access token.
    Rejected,
}

/// The cached organizer key of `registry_path`, or the one `/me` reports (then cached).
pub async fn organizer_key(
    services: &EngineServices,
    api_url: &str,
    registry_path: &str,
    access_token: &str,
) -> Result<Lookup, MediationError> {
    let store = services.registry_store();
    let key_path = organizer_key_path(registry_path);
    if let Some(cached) = non_empty(store.get(&key_path)) {
        return Ok(Lookup::Key(cached));
    }
    let mut headers = HeaderMap::new();
    headers.insert(AUTHORIZATION, authorization(ApiVersion::V2, access_token)?);
    headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
    let request = BackendRequest {
        method: Method::GET,
        url: [api_url, ME_PATH].concat(),
        headers,
        body: None,
        timeout: None,
    };
    let failed = |detail: String| {
        tracing::warn!(detail = %detail, "gotowebinar organizer key lookup failed");
        MediationError::backend(
            codes::GENERIC,
            "cannot resolve the GoToWebinar organizer key",
        )
        .with_detail(detail)
    };
    let response = services
        .http()
        .send(request)
        .await
        .map_err(|e| failed(e.to_string()))?;
    if rejects_token(&response) {
        return Ok(Lookup::Rejected);
    }
    let key = serde_json::from_slice::<serde_json::Value>(&response.body)
        .ok()
        .and_then(|me| key_of(&me));
    match key {
        Some(key) if response.status.is_success() => {
            put(store, &key_path, &key)?;
            Ok(Lookup::Key(key))
        }
        _ => Err(failed(format!(
            "{ME_PATH} answered {} without a `key`; give organizerKey to init instead",
            response.status.as_u16()
        ))),
    }
}

/// `key` as text, whether the answer writes it as a number or a string.
fn key_of(me: &serde_json::Value) -> Option<String> {
    let key = me.get("key")?;
    key.as_str()
        .map(str::to_string)
        .or_else(|| key.as_number().map(|n| n.to_string()))
        .filter(|k| !k.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_key_may_be_a_number_or_a_string() {
        let number: serde_json::Value =
            serde_json::from_str(r#"{"key":3697511743350317068}"#).unwrap();
        assert_eq!(key_of(&number).as_deref(), Some("3697511743350317068"));
        assert_eq!(key_of(&json!({"key":"42"})).as_deref(), Some("42"));
        assert_eq!(key_of(&json!({"key":""})), None);
        assert_eq!(key_of(&json!({"id":"1"})), None);
    }
}
