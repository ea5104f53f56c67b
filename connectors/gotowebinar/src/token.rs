//! The token cache in the registry, and the refresh that connector 1.0.3 meant to do.
//!
//! Under `<registryPath>` the registry holds `accessToken`, `refreshToken` and `time` (epoch
//! milliseconds of the last store). The first call stores the supplied tokens; from then on
//! the cached ones win over the request's. When the cached token is older than `intervalTime`
//! a refresh runs first:
//! `GET {apiUrl}/oauth/access_token?grant_type=refresh_token&client_id=..&refresh_token=..`.
//!
//! Unlike 1.0.3, the refresh really sends the client id and refresh token, uses the host of
//! `apiUrl` (or `tokenEndpoint`), and never overwrites the cache when it fails. Concurrent
//! requests that find the token stale share one refresh: one lock per registry path, and a
//! re-check after waiting. When the answer says how long the token lasts (`expires_in`),
//! `refreshAt` records when to refresh ahead of expiry (see [`refresh_at`]); a token the API
//! rejects is renewed through [`TokenCache::renew_rejected`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use http::header::{ACCEPT, HeaderValue};
use http::{HeaderMap, Method};
use oxynapse_engine::error::codes;
use oxynapse_engine::http::client::BackendRequest;
use oxynapse_engine::secrets::{mask, mask_json};
use oxynapse_engine::store::RegistryStore;
use oxynapse_engine::{EngineServices, MediationError};

use crate::operation::encode_query_value;

/// What `init` was given in refresh mode.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// `apiUrl` without a trailing slash.
    pub api_url: String,
    pub access_token: String,
    pub refresh_token: String,
    pub client_id: String,
    /// `tokenEndpoint`, by default `{apiUrl}/oauth/access_token`.
    pub token_endpoint: String,
    /// The registry folder of this organizer's tokens.
    pub registry_path: String,
    pub interval_ms: i64,
}

/// The token to use for this message, and the organizer key a refresh reported.
#[derive(Debug, Clone, PartialEq)]
pub struct Tokens {
    pub access_token: String,
    pub organizer_key: Option<String>,
}

struct Keys {
    access: String,
    refresh: String,
    time: String,
    refresh_at: String,
}

impl Keys {
    /// Joined by hand rather than with `format!`: this runs for every `init`.
    fn new(path: &str) -> Keys {
        let base = path.trim_end_matches('/');
        let key = |leaf: &str| [base, "/", leaf].concat();
        Keys {
            access: key("accessToken"),
            refresh: key("refreshToken"),
            time: key("time"),
            refresh_at: key("refreshAt"),
        }
    }
}

/// Single-flight locks, one per registry path.
#[derive(Debug, Default)]
pub struct TokenCache {
    locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl TokenCache {
    /// The access token for this message, refreshing it first when it is stale.
    pub async fn current(
        &self,
        services: &EngineServices,
        creds: &Credentials,
    ) -> Result<Tokens, MediationError> {
        let store = services.registry_store();
        let keys = Keys::new(&creds.registry_path);
        let access = match non_empty(store.get(&keys.access)) {
            Some(cached) => cached,
            None => {
                put(store, &keys.access, &creds.access_token)?;
                put(store, &keys.time, &now_ms().to_string())?;
                creds.access_token.clone()
            }
        };
        if non_empty(store.get(&keys.refresh)).is_none() {
            put(store, &keys.refresh, &creds.refresh_token)?;
        }
        if !is_stale(store, &keys, creds.interval_ms) {
            return Ok(Tokens {
                access_token: access,
                organizer_key: None,
            });
        }
        let lock = self.lock_for(&creds.registry_path);
        let _guard = lock.lock().await;
        // Another request may have refreshed while this one waited.
        if !is_stale(store, &keys, creds.interval_ms) {
            return Ok(Tokens {
                access_token: non_empty(store.get(&keys.access)).unwrap_or(access),
                organizer_key: None,
            });
        }
        let refresh_token =
            non_empty(store.get(&keys.refresh)).unwrap_or_else(|| creds.refresh_token.clone());
        refresh(services, creds, &refresh_token, &keys).await
    }

    /// A token other than `rejected` (which the API refused): the cached one when another
    /// request already renewed it, else a refresh, under the same lock as [`Self::current`].
    pub(crate) async fn renew_rejected(
        &self,
        services: &EngineServices,
        creds: &Credentials,
        rejected: &str,
    ) -> Result<Tokens, MediationError> {
        let store = services.registry_store();
        let keys = Keys::new(&creds.registry_path);
        let lock = self.lock_for(&creds.registry_path);
        let _guard = lock.lock().await;
        if let Some(cached) = non_empty(store.get(&keys.access)).filter(|t| t != rejected) {
            return Ok(Tokens {
                access_token: cached,
                organizer_key: None,
            });
        }
        let refresh_token =
            non_empty(store.get(&keys.refresh)).unwrap_or_else(|| creds.refresh_token.clone());
        refresh(services, creds, &refresh_token, &keys).await
    }

    fn lock_for(&self, path: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self
            .locks
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        locks.entry(path.to_string()).or_default().clone()
    }
}

async fn refresh(
    services: &EngineServices,
    creds: &Credentials,
    refresh_token: &str,
    keys: &Keys,
) -> Result<Tokens, MediationError> {
    let separator = if creds.token_endpoint.contains('?') {
        '&'
    } else {
        '?'
    };
    let url = format!(
        "{}{separator}grant_type=refresh_token&client_id={}&refresh_token={}",
        creds.token_endpoint,
        encode_query_value(&creds.client_id),
        encode_query_value(refresh_token)
    );
    let mut headers = HeaderMap::new();
    headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
    let request = BackendRequest {
        method: Method::GET,
        url,
        headers,
        body: None,
        timeout: None,
    };
    let failed = |detail: String| {
        tracing::warn!(registry_path = %creds.registry_path, detail = %detail, "gotowebinar token refresh failed");
        MediationError::backend(codes::GENERIC, "GoToWebinar token refresh failed")
            .with_detail(detail)
    };
    let response = services
        .http()
        .send(request)
        .await
        .map_err(|e| failed(e.to_string()))?;
    let body: Option<serde_json::Value> = serde_json::from_slice(&response.body).ok();
    let field = |name: &str| {
        body.as_ref()
            .and_then(|b| b.get(name))
            .and_then(|v| {
                v.as_str()
                    .map(str::to_string)
                    .or_else(|| v.as_number().map(|n| n.to_string()))
            })
            .filter(|s| !s.is_empty())
    };
    let new_access = field("access_token");
    if !response.status.is_success() || new_access.is_none() {
        let shown = match &body {
            Some(json) => mask_json(json).to_string(),
            None => String::from_utf8_lossy(&response.body)
                .chars()
                .take(500)
                .collect(),
        };
        return Err(failed(format!(
            "the token endpoint answered {}: {shown}",
            response.status.as_u16()
        )));
    }
    let new_access = new_access.unwrap_or_default();
    let store = services.registry_store();
    put(store, &keys.access, &new_access)?;
    put(store, &keys.time, &now_ms().to_string())?;
    let lifetime = field("expires_in").and_then(|s| s.trim().parse::<i64>().ok());
    let refresh_at = lifetime.map_or(String::new(), |s| refresh_at(now_ms(), s).to_string());
    put(store, &keys.refresh_at, &refresh_at)?;
    if let Some(new_refresh) = field("refresh_token") {
        put(store, &keys.refresh, &new_refresh)?;
    }
    tracing::info!(registry_path = %creds.registry_path, access_token = %mask(&new_access), "gotowebinar token refreshed");
    Ok(Tokens {
        access_token: new_access,
        organizer_key: field("organizer_key"),
    })
}

fn is_stale(store: &dyn RegistryStore, keys: &Keys, interval_ms: i64) -> bool {
    // An unreadable time counts as 0, so it forces a refresh (as 1.0.3's script does).
    let stored: i64 = store
        .get(&keys.time)
        .and_then(|t| t.trim().parse().ok())
        .unwrap_or(0);
    let due: Option<i64> = store
        .get(&keys.refresh_at)
        .and_then(|t| t.trim().parse().ok());
    now_ms().saturating_sub(stored) > interval_ms || due.is_some_and(|due| now_ms() >= due)
}

/// When to refresh a token issued at `now_ms` that lasts `expires_in_s` seconds: a safety
/// margin before expiry (a minute, or half the lifetime for short-lived tokens), so no
/// request leaves with a token about to lapse.
pub fn refresh_at(now_ms: i64, expires_in_s: i64) -> i64 {
    let lifetime = expires_in_s.max(0).saturating_mul(1000);
    let margin = (lifetime / 2).min(60_000);
    now_ms.saturating_add(lifetime - margin)
}

fn put(store: &dyn RegistryStore, key: &str, value: &str) -> Result<(), MediationError> {
    store.put(key, value).map_err(|e| {
        MediationError::internal("cannot write the GoToWebinar token cache")
            .with_detail(format!("registry `{key}`: {e}"))
    })
}

fn non_empty(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.trim().is_empty())
}

pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxynapse_engine::Settings;

    fn creds(interval_ms: i64) -> Credentials {
        Credentials {
            api_url: "http://127.0.0.1:9".into(),
            access_token: "supplied-access".into(),
            refresh_token: "supplied-refresh".into(),
            client_id: "client".into(),
            token_endpoint: "http://127.0.0.1:9/oauth/access_token".into(),
            registry_path: "conf:/t/org".into(),
            interval_ms,
        }
    }

    #[tokio::test]
    async fn first_call_stores_then_the_cache_wins() {
        let services = EngineServices::in_memory(Settings::default()).unwrap();
        let cache = TokenCache::default();
        let tokens = cache.current(&services, &creds(60_000)).await.unwrap();
        assert_eq!(tokens.access_token, "supplied-access");
        let store = services.registry_store();
        assert_eq!(
            store.get("conf:/t/org/refreshToken").as_deref(),
            Some("supplied-refresh")
        );
        store
            .put("conf:/t/org/accessToken", "cached-access")
            .unwrap();
        let mut other = creds(60_000);
        other.access_token = "other".into();
        assert_eq!(
            cache.current(&services, &other).await.unwrap().access_token,
            "cached-access"
        );
    }

    #[test]
    fn refresh_is_due_a_margin_before_expiry() {
        assert_eq!(refresh_at(1_000, 3600), 1_000 + 3_540_000, "a minute early");
        assert_eq!(refresh_at(1_000, 2), 2_000, "half of a short lifetime");
        assert_eq!(refresh_at(1_000, -5), 1_000);
    }

    #[tokio::test]
    async fn a_failed_refresh_leaves_the_cache_alone() {
        let services = EngineServices::in_memory(Settings::default()).unwrap();
        let store = services.registry_store();
        store
            .put("conf:/t/org/accessToken", "cached-access")
            .unwrap();
        store.put("conf:/t/org/time", "0").unwrap();
        let err = TokenCache::default()
            .current(&services, &creds(1000))
            .await
            .unwrap_err();
        assert_eq!(err.status, 502);
        assert!(err.message.contains("token refresh failed"));
        assert!(!err.to_string().contains("supplied-refresh"));
        assert_eq!(
            store.get("conf:/t/org/accessToken").as_deref(),
            Some("cached-access")
        );
        assert_eq!(store.get("conf:/t/org/time").as_deref(), Some("0"));
    }
}
