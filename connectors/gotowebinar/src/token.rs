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
//! re-check after waiting. With a registry other instances share (Redis), the instances also
//! share one refresh, through a lock in the registry (see `shared_refresh.rs`).
//!
//! When the answer says how long the token lasts (`expires_in`), `refreshAt` records when to
//! refresh ahead of expiry (see [`refresh_at`]); a token the API rejects is renewed through
//! [`TokenCache::renew_rejected`].
//!
//! A refresh may take [`DEFAULT_REFRESH_TIMEOUT`]; the new values are written with `time`
//! last, so a reader that sees the new `time` also sees the new tokens.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::header::{ACCEPT, HeaderValue};
use http::{HeaderMap, Method};
use oxynapse_engine::error::codes;
use oxynapse_engine::http::client::BackendRequest;
use oxynapse_engine::secrets::{mask, mask_json};
use oxynapse_engine::store::RegistryStore;
use oxynapse_engine::{EngineServices, MediationError};

use crate::operation::encode_query_value;

/// How long the token endpoint may take to answer a refresh.
pub const DEFAULT_REFRESH_TIMEOUT: Duration = Duration::from_secs(20);

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

impl Tokens {
    fn cached(access_token: String) -> Tokens {
        Tokens {
            access_token,
            organizer_key: None,
        }
    }
}

/// The registry keys of one organizer's tokens.
#[derive(Debug, Clone)]
pub(crate) struct Keys {
    pub(crate) access: String,
    pub(crate) refresh: String,
    pub(crate) time: String,
    pub(crate) refresh_at: String,
}

impl Keys {
    /// Joined by hand rather than with `format!`: this runs for every `init`.
    pub(crate) fn new(path: &str) -> Keys {
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

/// What the registry holds for one organizer, read in one go.
#[derive(Debug, Clone)]
pub(crate) struct Snapshot {
    pub access: Option<String>,
    pub refresh: Option<String>,
    /// Epoch milliseconds of the last store; an unreadable or missing time counts as 0, so
    /// it forces a refresh (as 1.0.3's script does).
    pub time: i64,
    /// Epoch milliseconds from which to refresh ahead of expiry (`expires_in`), when known.
    pub refresh_at: Option<i64>,
}

impl Snapshot {
    pub(crate) async fn read(
        store: &dyn RegistryStore,
        keys: &Keys,
    ) -> Result<Snapshot, MediationError> {
        let get = |key: &str| {
            let key = key.to_string();
            async move {
                store
                    .get_async(&key)
                    .await
                    .map_err(|e| store_error("read", &key, e))
            }
        };
        // Three independent reads: a networked store answers them in one round trip.
        let (access, refresh, time, refresh_at) = tokio::try_join!(
            get(&keys.access),
            get(&keys.refresh),
            get(&keys.time),
            get(&keys.refresh_at)
        )?;
        Ok(Snapshot {
            access: non_empty(access),
            refresh: non_empty(refresh),
            time: time.and_then(|t| t.trim().parse().ok()).unwrap_or(0),
            refresh_at: refresh_at.and_then(|t| t.trim().parse().ok()),
        })
    }

    pub(crate) fn is_stale(&self, interval_ms: i64) -> bool {
        let now = now_ms();
        now.saturating_sub(self.time) > interval_ms || self.refresh_at.is_some_and(|due| now >= due)
    }
}

/// Single-flight locks, one per registry path, and the refresh settings.
#[derive(Debug)]
pub struct TokenCache {
    locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    refresh_timeout: Duration,
}

impl Default for TokenCache {
    fn default() -> Self {
        TokenCache::with_refresh_timeout(DEFAULT_REFRESH_TIMEOUT)
    }
}

impl TokenCache {
    /// A cache whose refreshes may take `timeout`. A shared refresh lock lives half as long
    /// again, so it does not expire while its holder still waits for the token endpoint.
    pub fn with_refresh_timeout(timeout: Duration) -> TokenCache {
        TokenCache {
            locks: Mutex::default(),
            refresh_timeout: timeout,
        }
    }

    /// The access token for this message, refreshing it first when it is stale.
    pub async fn current(
        &self,
        services: &Arc<EngineServices>,
        creds: &Credentials,
    ) -> Result<Tokens, MediationError> {
        let store = services.registry_store();
        let keys = Keys::new(&creds.registry_path);
        let mut snapshot = Snapshot::read(store, &keys).await?;
        let mut first_use = Vec::new();
        if snapshot.access.is_none() {
            first_use.push((keys.access.as_str(), creds.access_token.as_str()));
        }
        if snapshot.refresh.is_none() {
            first_use.push((keys.refresh.as_str(), creds.refresh_token.as_str()));
        }
        let now = now_ms().to_string();
        if snapshot.access.is_none() {
            first_use.push((keys.time.as_str(), now.as_str()));
            snapshot.time = now_ms();
        }
        if !first_use.is_empty() {
            put_all(store, &first_use).await?;
        }
        let access = snapshot
            .access
            .clone()
            .unwrap_or_else(|| creds.access_token.clone());
        if !snapshot.is_stale(creds.interval_ms) {
            return Ok(Tokens::cached(access));
        }
        let lock = self.lock_for(&creds.registry_path);
        let _guard = lock.lock().await;
        // Another request may have refreshed while this one waited.
        let snapshot = Snapshot::read(store, &keys).await?;
        if !snapshot.is_stale(creds.interval_ms) {
            return Ok(Tokens::cached(snapshot.access.unwrap_or(access)));
        }
        self.refresh_locked(services, creds, keys, snapshot.refresh)
            .await
    }

    /// A token other than `rejected` (which the API refused): the cached one when another
    /// request already renewed it, else a refresh, under the same lock as [`Self::current`].
    /// With a shared registry the cached token is marked stale and the shared refresh runs,
    /// so instances still share one refresh.
    pub(crate) async fn renew_rejected(
        &self,
        services: &Arc<EngineServices>,
        creds: &Credentials,
        rejected: &str,
    ) -> Result<Tokens, MediationError> {
        let store = services.registry_store();
        let keys = Keys::new(&creds.registry_path);
        let lock = self.lock_for(&creds.registry_path);
        let _guard = lock.lock().await;
        let snapshot = Snapshot::read(store, &keys).await?;
        if let Some(cached) = snapshot.access.filter(|t| t != rejected) {
            return Ok(Tokens::cached(cached));
        }
        if store.is_shared() {
            // Stale for every instance, so the shared refresh does not keep the refused token.
            put_all(store, &[(keys.time.as_str(), "0")]).await?;
        }
        self.refresh_locked(services, creds, keys, snapshot.refresh)
            .await
    }

    /// Refreshes, with this path's lock held: through the registry's lock when instances share
    /// the registry, else directly with the cached refresh token (or the configured one).
    async fn refresh_locked(
        &self,
        services: &Arc<EngineServices>,
        creds: &Credentials,
        keys: Keys,
        cached_refresh_token: Option<String>,
    ) -> Result<Tokens, MediationError> {
        if services.registry_store().is_shared() {
            return crate::shared_refresh::refresh_shared(
                services.clone(),
                creds.clone(),
                keys,
                self.refresh_timeout,
            )
            .await;
        }
        let refresh_token = cached_refresh_token.unwrap_or_else(|| creds.refresh_token.clone());
        refresh(services, creds, &refresh_token, &keys, self.refresh_timeout).await
    }

    fn lock_for(&self, path: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self
            .locks
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        locks.entry(path.to_string()).or_default().clone()
    }
}

/// Calls the token endpoint and stores what it answers; the cache is left alone on failure.
/// Counted in `oxynapse_token_refreshes_total` or `oxynapse_token_refresh_failures_total`.
pub(crate) async fn refresh(
    services: &EngineServices,
    creds: &Credentials,
    refresh_token: &str,
    keys: &Keys,
    timeout: Duration,
) -> Result<Tokens, MediationError> {
    let result = refresh_and_store(services, creds, refresh_token, keys, timeout).await;
    services
        .metrics()
        .token_refresh("gotowebinar", result.is_ok());
    result
}

async fn refresh_and_store(
    services: &EngineServices,
    creds: &Credentials,
    refresh_token: &str,
    keys: &Keys,
    timeout: Duration,
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
        timeout: Some(timeout),
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
    let new_refresh = field("refresh_token");
    let stored_at = now_ms();
    let now = stored_at.to_string();
    let lifetime = field("expires_in").and_then(|s| s.trim().parse::<i64>().ok());
    let due = lifetime.map_or(String::new(), |s| refresh_at(stored_at, s).to_string());
    // `time` goes last: whoever sees the new time also sees the new tokens.
    let mut writes = vec![
        (keys.access.as_str(), new_access.as_str()),
        (keys.refresh_at.as_str(), due.as_str()),
    ];
    if let Some(new_refresh) = &new_refresh {
        writes.push((keys.refresh.as_str(), new_refresh.as_str()));
    }
    writes.push((keys.time.as_str(), now.as_str()));
    put_all(services.registry_store(), &writes).await?;
    tracing::info!(registry_path = %creds.registry_path, access_token = %mask(&new_access), "gotowebinar token refreshed");
    Ok(Tokens {
        access_token: new_access,
        organizer_key: field("organizer_key"),
    })
}

async fn put_all(
    store: &dyn RegistryStore,
    entries: &[(&str, &str)],
) -> Result<(), MediationError> {
    store
        .put_all(entries)
        .await
        .map_err(|e| store_error("write", entries.first().map_or("", |(k, _)| k), e))
}

/// When to refresh a token issued at `now_ms` that lasts `expires_in_s` seconds: a safety
/// margin before expiry (a minute, or half the lifetime for short-lived tokens), so no
/// request leaves with a token about to lapse.
pub fn refresh_at(now_ms: i64, expires_in_s: i64) -> i64 {
    let lifetime = expires_in_s.max(0).saturating_mul(1000);
    let margin = (lifetime / 2).min(60_000);
    now_ms.saturating_add(lifetime - margin)
}

pub(crate) fn store_error(what: &str, key: &str, e: std::io::Error) -> MediationError {
    MediationError::internal(format!("cannot {what} the GoToWebinar token cache"))
        .with_detail(format!("registry `{key}`: {e}"))
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
        let services = Arc::new(EngineServices::in_memory(Settings::default()).unwrap());
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
        let services = Arc::new(EngineServices::in_memory(Settings::default()).unwrap());
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
