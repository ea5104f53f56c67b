//! One token refresh across every instance sharing the registry (Redis).
//!
//! Each refresh token works once (the API rotates it), so two instances refreshing at the same
//! time burn one of them. The instance that needs a refresh first takes a lock in the registry
//! (`SET lock NX PX ttl`, keyed by the registry path):
//!
//! * the holder reads the cache again (someone may have just refreshed), refreshes if it is
//!   still stale, writes the new tokens, and releases the lock;
//! * the others poll the cache until the new token is there, and use it;
//! * if the lock disappears while the token is still stale (its holder failed, or died and
//!   the lock expired), a waiter takes the lock and refreshes itself.
//!
//! The lock outlives the refresh call's timeout, so it cannot expire while its holder still
//! waits for the token endpoint. The locked part runs in a task of its own: a client that
//! hangs up must not cancel a refresh half done and leave the lock held until it expires.

use std::sync::Arc;
use std::time::{Duration, Instant};

use oxynapse_engine::store::RegistryStore;
use oxynapse_engine::{EngineServices, MediationError};

use crate::token::{Credentials, Keys, Snapshot, Tokens, refresh, store_error};

/// How often a waiter looks for the new token.
const POLL: Duration = Duration::from_millis(20);

/// How long the lock lives for a refresh that may take `timeout`.
pub(crate) fn lock_ttl(timeout: Duration) -> Duration {
    timeout + timeout / 2
}

/// Refreshes the tokens at `keys`, or waits for another instance to do it.
pub(crate) async fn refresh_shared(
    services: Arc<EngineServices>,
    creds: Credentials,
    keys: Keys,
    timeout: Duration,
) -> Result<Tokens, MediationError> {
    let task = tokio::spawn(async move { run(&services, &creds, &keys, timeout).await });
    task.await.unwrap_or_else(|e| {
        Err(
            MediationError::internal("the GoToWebinar token refresh stopped")
                .with_detail(e.to_string()),
        )
    })
}

async fn run(
    services: &EngineServices,
    creds: &Credentials,
    keys: &Keys,
    timeout: Duration,
) -> Result<Tokens, MediationError> {
    let store = services.registry_store();
    let ttl = lock_ttl(timeout);
    let name = creds.registry_path.as_str();
    // Every lock holder gets at most `ttl`; waiting for three of them means something is wrong.
    let deadline = Instant::now() + ttl * 3;
    loop {
        let lock = store
            .try_lock(name, ttl)
            .await
            .map_err(|e| store_error("lock", name, e))?;
        if let Some(lock) = lock {
            let result = refresh_if_stale(services, creds, keys, timeout).await;
            if let Err(e) = store.unlock(lock).await {
                // It expires by itself; until then the others wait a little longer.
                tracing::warn!(registry_path = %name, error = %e, "cannot release the token refresh lock");
            }
            return result;
        }
        if let Some(tokens) = wait_for_holder(store, creds, keys, deadline).await? {
            return Ok(tokens);
        }
        // The lock is gone and the token still stale: try to take it.
    }
}

/// With the lock held: someone may have refreshed between our read and the lock.
async fn refresh_if_stale(
    services: &EngineServices,
    creds: &Credentials,
    keys: &Keys,
    timeout: Duration,
) -> Result<Tokens, MediationError> {
    let snapshot = Snapshot::read(services.registry_store(), keys).await?;
    if !snapshot.is_stale(creds.interval_ms)
        && let Some(access) = snapshot.access
    {
        return Ok(Tokens {
            access_token: access,
            organizer_key: None,
        });
    }
    let refresh_token = snapshot
        .refresh
        .unwrap_or_else(|| creds.refresh_token.clone());
    refresh(services, creds, &refresh_token, keys, timeout).await
}

/// Polls until the token is fresh (`Some`) or nobody holds the lock any more (`None`).
async fn wait_for_holder(
    store: &dyn RegistryStore,
    creds: &Credentials,
    keys: &Keys,
    deadline: Instant,
) -> Result<Option<Tokens>, MediationError> {
    let name = creds.registry_path.as_str();
    loop {
        tokio::time::sleep(POLL).await;
        let snapshot = Snapshot::read(store, keys).await?;
        if !snapshot.is_stale(creds.interval_ms)
            && let Some(access) = snapshot.access
        {
            return Ok(Some(Tokens {
                access_token: access,
                organizer_key: None,
            }));
        }
        let locked = store
            .is_locked(name)
            .await
            .map_err(|e| store_error("read the lock of", name, e))?;
        if !locked {
            return Ok(None);
        }
        if Instant::now() > deadline {
            return Err(MediationError::backend_timeout(
                "GoToWebinar token refresh did not finish",
            )
            .with_detail(format!(
                "another instance holds the refresh lock of `{name}` and has not written a new token"
            )));
        }
    }
}
