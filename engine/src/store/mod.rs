//! The registry: a small persistent key/value store for resources such as cached tokens.
//!
//! Keys use Synapse's prefixes (`conf:`, `gov:`, `local:`, `resources:`); `path@name` addresses
//! a property of the resource at `path`. `get-property('registry', key)` and
//! `<property scope="registry">` read and write it, and connectors keep their token caches in it.

mod file;

use std::io;

pub use file::FileRegistryStore;

/// A registry backend. Implementations must be safe to share between requests.
pub trait RegistryStore: Send + Sync + std::fmt::Debug {
    /// The resource's text (or the property's value for `path@name`); `None` when absent.
    fn get(&self, key: &str) -> Option<String>;

    /// Creates or replaces the resource (or property). The write is atomic: a reader sees the
    /// old value or the new one, never a torn one.
    fn put(&self, key: &str, value: &str) -> io::Result<()>;
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
