//! The registry: a small persistent key/value store for resources such as cached tokens.
//!
//! Keys use Synapse's prefixes (`conf:`, `gov:`, `local:`, `resources:`); `path@name` addresses
//! a property of the resource at `path` (see [`key`]). `get-property('registry', key)` and
//! `<property scope="registry">` read and write it, and connectors keep their token caches in it.
//!
//! Two backends ship: files under `--data-dir` in WSO2 MI's layout ([`FileRegistryStore`], the
//! default) and Redis ([`RedisRegistryStore`], `--registry redis://...`), which many instances
//! share. [`open`] picks one from the `--registry` setting.

mod file;
pub mod key;
mod redis;

use std::io;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

pub use self::redis::RedisRegistryStore;
pub use file::FileRegistryStore;

/// A registry backend. Implementations must be safe to share between requests.
///
/// The synchronous `get` and `put` serve expressions (`get-property` is evaluated
/// synchronously); code that can await uses the `async` methods, which a networked store
/// implements without blocking a runtime thread. The defaults delegate to the synchronous
/// methods, which is right for stores that answer from memory or a local disk.
#[async_trait]
pub trait RegistryStore: Send + Sync + std::fmt::Debug {
    /// The resource's text (or the property's value for `path@name`); `None` when absent or
    /// when the store cannot be reached (logged).
    fn get(&self, key: &str) -> Option<String>;

    /// Creates or replaces the resource (or property). The write is atomic: a reader sees the
    /// old value or the new one, never a torn one.
    fn put(&self, key: &str, value: &str) -> io::Result<()>;

    /// Like [`get`](Self::get), but a store that cannot be reached is an error, not `None`.
    async fn get_async(&self, key: &str) -> io::Result<Option<String>> {
        Ok(self.get(key))
    }

    /// Writes several values. Stores that can do so make all of them visible at once; the
    /// others write them in order, so the last entry is the one to publish the rest.
    async fn put_all(&self, entries: &[(&str, &str)]) -> io::Result<()> {
        for (key, value) in entries {
            self.put(key, value)?;
        }
        Ok(())
    }

    /// Whether other engine instances see this store's values (and its locks).
    fn is_shared(&self) -> bool {
        false
    }

    /// Takes the lock `name` for at most `ttl` unless someone holds it. A store nobody else
    /// shares always grants it: the caller's in-process locking is all the exclusion needed.
    async fn try_lock(&self, name: &str, ttl: Duration) -> io::Result<Option<StoreLock>> {
        let _ = ttl;
        Ok(Some(StoreLock {
            name: name.to_string(),
            token: String::new(),
        }))
    }

    /// Releases a lock taken with [`try_lock`](Self::try_lock), unless it expired and someone
    /// else took it since.
    async fn unlock(&self, lock: StoreLock) -> io::Result<()> {
        let _ = lock;
        Ok(())
    }

    /// Whether anyone holds the lock `name` now.
    async fn is_locked(&self, name: &str) -> io::Result<bool> {
        let _ = name;
        Ok(false)
    }
}

/// A lock held in a shared store: its name and the holder's unique token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreLock {
    pub name: String,
    pub token: String,
}

/// The store a `--registry` setting names: `None` or `file` for files under `data_dir`,
/// `redis://HOST:PORT/DB` (or `rediss://`) for Redis, which is connected to and checked here.
pub async fn open(
    registry: Option<&str>,
    data_dir: &Path,
) -> Result<Arc<dyn RegistryStore>, String> {
    match registry.map(str::trim) {
        None | Some("") | Some("file") => Ok(Arc::new(FileRegistryStore::new(data_dir))),
        Some(url) if url.starts_with("redis://") || url.starts_with("rediss://") => {
            Ok(Arc::new(RedisRegistryStore::connect(url).await?))
        }
        Some(other) => Err(format!(
            "--registry `{other}`: expected `file` or a Redis URL such as redis://127.0.0.1:6379/0"
        )),
    }
}

/// An in-memory registry for tests and for engines that need no persistence.
#[derive(Debug, Default)]
pub struct MemoryRegistryStore {
    values: std::sync::RwLock<std::collections::HashMap<String, String>>,
}

impl RegistryStore for MemoryRegistryStore {
    fn get(&self, key: &str) -> Option<String> {
        self.values.read().ok()?.get(key).cloned()
    }

    fn put(&self, key: &str, value: &str) -> io::Result<()> {
        self.values
            .write()
            .map_err(|_| io::Error::other("registry lock poisoned"))?
            .insert(key.to_string(), value.to_string());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn open_picks_the_backend_and_explains_a_bad_setting() {
        let dir = tempfile::tempdir().unwrap();
        for setting in [None, Some("file"), Some("")] {
            let store = open(setting, dir.path()).await.unwrap();
            assert!(!store.is_shared(), "{setting:?}");
        }
        let err = open(Some("memcached://x"), dir.path()).await.unwrap_err();
        assert!(err.contains("expected `file` or a Redis URL"), "{err}");
    }

    #[tokio::test]
    async fn an_unshared_store_always_grants_its_locks() {
        let store = MemoryRegistryStore::default();
        let ttl = Duration::from_secs(1);
        let first = store.try_lock("conf:/x", ttl).await.unwrap();
        assert!(first.is_some());
        assert!(store.try_lock("conf:/x", ttl).await.unwrap().is_some());
        assert!(!store.is_locked("conf:/x").await.unwrap());
        store.put_all(&[("a", "1"), ("b", "2")]).await.unwrap();
        assert_eq!(store.get_async("b").await.unwrap().as_deref(), Some("2"));
    }
}
