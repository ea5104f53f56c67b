//! The v2 token cache and its lifecycle, per registry path:
//!
//! | key under `registryPath` | holds |
//! |---|---|
//! | `accessToken` | the token in use |
//! | `refreshToken` | the latest refresh token (kept when an answer omits it) |
//! | `time` | epoch ms when `accessToken` was stored |
//! | `refreshAt` | epoch ms from which to renew ahead of expiry (from `expires_in`) |
//! | `organizerKey` | the organizer key from `/admin/rest/v1/me` (see [`super::me`]) |
//!
//! A token is used while it is before `refreshAt` and younger than `intervalTime` (when
//! given). A supplied `accessToken` has no known expiry: it is used until the API rejects
//! it (see [`crate::renewal`]) or `intervalTime` passes. Renewal takes the refresh grant
//! when a refresh token is known, else the personal-access-token grant. Concurrent requests
//! share one renewal per registry path: a lock, and a re-check after waiting. A failed
//! renewal never touches the cache.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use oxynapse_engine::secrets::mask;
use oxynapse_engine::store::RegistryStore;
use oxynapse_engine::{EngineServices, MediationError};

use super::grant::{Client, Grant};
use crate::token::{Keys, now_ms, refresh_at};

/// What `init` was given for v2 token management.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub client: Client,
    /// A supplied access token, used until rejected when nothing is cached yet.
    pub access_token: Option<String>,
    pub refresh_token: Option<String>,
    pub personal_access_token: Option<String>,
    pub registry_path: String,
    /// `intervalTime`: a maximum age for any token, when given.
    pub interval_ms: Option<i64>,
}

/// The registry key of the organizer key, beside the token keys ([`Keys`]).
pub fn organizer_key_path(registry_path: &str) -> String {
    [registry_path.trim_end_matches('/'), "/organizerKey"].concat()
}

/// Single-flight locks, one per registry path.
#[derive(Debug, Default)]
pub struct V2TokenCache {
    locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl V2TokenCache {
    /// The access token to use now: the cached one while it is fresh, else a renewed one.
    pub async fn current(
        &self,
        services: &EngineServices,
        creds: &Credentials,
    ) -> Result<String, MediationError> {
        let store = services.registry_store();
        let keys = Keys::new(&creds.registry_path);
        if let Some(token) = fresh(store, &keys, creds) {
            return Ok(token);
        }
        if let Some(supplied) = &creds.access_token
            && non_empty(store.get(&keys.access)).is_none()
        {
            let lock = self.lock_for(&creds.registry_path);
            let _guard = lock.lock().await;
            if non_empty(store.get(&keys.access)).is_none() {
                put(store, &keys.access, supplied)?;
                put(store, &keys.time, &now_ms().to_string())?;
                put(store, &keys.refresh_at, "")?;
                return Ok(supplied.clone());
            }
        }
        self.renew(services, creds, "").await
    }

    /// A token other than `rejected` that is fresh: the cached one when another request
    /// renewed it meanwhile, else a new grant.
    pub async fn renew(
        &self,
        services: &EngineServices,
        creds: &Credentials,
        rejected: &str,
    ) -> Result<String, MediationError> {
        let store = services.registry_store();
        let keys = Keys::new(&creds.registry_path);
        let lock = self.lock_for(&creds.registry_path);
        let _guard = lock.lock().await;
        if let Some(token) = fresh(store, &keys, creds).filter(|t| t != rejected) {
            return Ok(token);
        }
        let cached_refresh = non_empty(store.get(&keys.refresh));
        let refresh_token = cached_refresh.or_else(|| creds.refresh_token.clone());
        let grant = match (&refresh_token, &creds.personal_access_token) {
            (Some(refresh), _) => Grant::RefreshToken(refresh),
            (None, Some(pat)) => Grant::PersonalAccessToken(pat),
            (None, None) => {
                return Err(MediationError::client(
                    "gotowebinar.init has no way to renew the access token",
                )
                .with_detail(
                    "give refreshToken or personalAccessToken, with clientId and clientSecret",
                ));
            }
        };
        let issued = creds.client.obtain(services, grant).await?;
        let now = now_ms();
        put(store, &keys.access, &issued.access_token)?;
        put(store, &keys.time, &now.to_string())?;
        let due = issued.expires_in.map(|s| refresh_at(now, s).to_string());
        put(store, &keys.refresh_at, due.as_deref().unwrap_or(""))?;
        // GoTo sends a refresh token only when it issues a new one: keep the old otherwise.
        match (&issued.refresh_token, &refresh_token) {
            (Some(new), _) => put(store, &keys.refresh, new)?,
            (None, Some(old)) => put(store, &keys.refresh, old)?,
            (None, None) => {}
        }
        tracing::info!(
            registry_path = %creds.registry_path,
            access_token = %mask(&issued.access_token),
            "gotowebinar v2 token obtained"
        );
        Ok(issued.access_token)
    }

    fn lock_for(&self, path: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self
            .locks
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        locks.entry(path.to_string()).or_default().clone()
    }
}

/// The cached access token when it is before `refreshAt` and within `intervalTime`.
fn fresh(store: &dyn RegistryStore, keys: &Keys, creds: &Credentials) -> Option<String> {
    let token = non_empty(store.get(&keys.access))?;
    let number = |key: &str| store.get(key).and_then(|t| t.trim().parse::<i64>().ok());
    let now = now_ms();
    if number(&keys.refresh_at).is_some_and(|due| now >= due) {
        return None;
    }
    if let Some(interval) = creds.interval_ms {
        let stored = number(&keys.time).unwrap_or(0);
        if now.saturating_sub(stored) > interval {
            return None;
        }
    }
    Some(token)
}

pub(crate) fn put(store: &dyn RegistryStore, key: &str, value: &str) -> Result<(), MediationError> {
    store.put(key, value).map_err(|e| {
        MediationError::internal("cannot write the GoToWebinar token cache")
            .with_detail(format!("registry `{key}`: {e}"))
    })
}

pub(crate) fn non_empty(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxynapse_engine::Settings;

    fn creds() -> Credentials {
        Credentials {
            client: Client {
                token_endpoint: "http://127.0.0.1:9/oauth/token".into(),
                client_id: "id".into(),
                client_secret: "secret".into(),
            },
            access_token: Some("supplied".into()),
            refresh_token: Some("refresh".into()),
            personal_access_token: None,
            registry_path: "conf:/t/v2".into(),
            interval_ms: None,
        }
    }

    #[tokio::test]
    async fn a_supplied_token_is_stored_and_used_until_due() {
        let services = EngineServices::in_memory(Settings::default()).unwrap();
        let cache = V2TokenCache::default();
        assert_eq!(
            cache.current(&services, &creds()).await.unwrap(),
            "supplied"
        );
        let store = services.registry_store();
        assert_eq!(
            store.get("conf:/t/v2/accessToken").as_deref(),
            Some("supplied")
        );
        // Due: the renewal is attempted (and fails against a closed port, leaving the cache).
        store.put("conf:/t/v2/refreshAt", "1").unwrap();
        let err = cache.current(&services, &creds()).await.unwrap_err();
        assert_eq!(err.status, 502);
        assert!(!err.to_string().contains("secret"));
        assert_eq!(
            store.get("conf:/t/v2/accessToken").as_deref(),
            Some("supplied")
        );
    }

    #[tokio::test]
    async fn a_renewal_returns_a_token_another_request_already_got() {
        let services = EngineServices::in_memory(Settings::default()).unwrap();
        let store = services.registry_store();
        store.put("conf:/t/v2/accessToken", "newer").unwrap();
        let cache = V2TokenCache::default();
        assert_eq!(
            cache.renew(&services, &creds(), "older").await.unwrap(),
            "newer"
        );
        let mut nothing = creds();
        nothing.refresh_token = None;
        nothing.registry_path = "conf:/t/other".into();
        let err = cache.renew(&services, &nothing, "x").await.unwrap_err();
        assert_eq!(err.status, 400);
    }
}
