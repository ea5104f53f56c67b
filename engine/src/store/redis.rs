//! The registry on Redis, shared by every engine instance pointed at it
//! (`--registry redis://HOST:PORT/DB`).
//!
//! A registry path maps to exactly one Redis key, under a key prefix (`oxynapse` unless the
//! URL says `?prefix=NAME`, so several deployments can share one database):
//!
//! | registry                          | Redis                                                 |
//! |-----------------------------------|-------------------------------------------------------|
//! | `conf:/connectors/gotowebinar/1/accessToken` | string `oxynapse:conf:/connectors/gotowebinar/1/accessToken` |
//! | `gov:a/b`, `/a/b`, `a/b`          | string `oxynapse:gov:/a/b`                            |
//! | `local:/x`, `resources:x`         | strings `oxynapse:local:/x`, `oxynapse:resources:/x`  |
//! | `conf:/a/b@owner` (a property)    | field `owner` of hash `oxynapse:props:conf:/a/b`      |
//! | lock `conf:/connectors/gotowebinar/1` | string `oxynapse:lock:conf:/connectors/gotowebinar/1`, with a TTL |
//!
//! Keys are the canonical spelling of the path ([`RegistryPath::canonical`]), so `gov:a//b` and
//! `/a/b` are one key, as they are one file in the file store. Values never expire; locks do.
//!
//! Requests use one multiplexed connection that reconnects by itself. Expressions
//! (`get-property('registry', ...)`) are evaluated synchronously, so [`get`](RegistryStore::get)
//! uses a separate blocking connection, inside `block_in_place` on a multi-threaded runtime
//! so that other tasks move to another thread meanwhile.

use std::fmt;
use std::io;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{Client, Cmd, RedisResult};

use super::key::RegistryPath;
use super::{RegistryStore, StoreLock};

/// How long connecting or one command may take before the store counts as unreachable.
const TIMEOUT: Duration = Duration::from_secs(2);

const DEFAULT_PREFIX: &str = "oxynapse";

/// Deletes the lock only if it still holds this holder's token (it may have expired and been
/// taken by another instance since).
const UNLOCK: &str = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end";

pub struct RedisRegistryStore {
    client: Client,
    /// The URL without credentials, for messages.
    shown: String,
    prefix: String,
    manager: ConnectionManager,
    blocking: Mutex<Option<redis::Connection>>,
    /// Makes lock tokens unique to this process.
    instance: String,
    locks_taken: AtomicU64,
}

impl fmt::Debug for RedisRegistryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisRegistryStore")
            .field("url", &self.shown)
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl RedisRegistryStore {
    /// Connects to `url` (`redis://[:PASSWORD@]HOST:PORT/DB[?prefix=NAME]`) and checks that
    /// the server answers.
    pub async fn connect(url: &str) -> Result<RedisRegistryStore, String> {
        let (url, prefix) = split_prefix(url)?;
        let shown = without_credentials(&url);
        let client = Client::open(url.as_str()).map_err(|e| format!("--registry {shown}: {e}"))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(TIMEOUT))
            .set_response_timeout(Some(TIMEOUT))
            .set_number_of_retries(2);
        let unreachable = |e: redis::RedisError| format!("cannot reach Redis at {shown}: {e}");
        let mut manager = client
            .get_connection_manager_with_config(config)
            .await
            .map_err(unreachable)?;
        redis::cmd("PING")
            .query_async::<String>(&mut manager)
            .await
            .map_err(unreachable)?;
        let started = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        Ok(RedisRegistryStore {
            client,
            shown,
            prefix,
            manager,
            blocking: Mutex::new(None),
            instance: format!("{}-{started:x}", std::process::id()),
            locks_taken: AtomicU64::new(0),
        })
    }

    /// The URL without its password, as logs may show it.
    pub fn url(&self) -> &str {
        &self.shown
    }

    /// The Redis command that reads `key`, or `None` for a key that names no resource.
    fn read_command(&self, key: &str) -> Option<Cmd> {
        let path = RegistryPath::parse(key)?;
        Some(match path.property {
            Some(field) => {
                let mut cmd = redis::cmd("HGET");
                cmd.arg(self.props_key(&path)).arg(field);
                cmd
            }
            None => {
                let mut cmd = redis::cmd("GET");
                cmd.arg(self.value_key(&path));
                cmd
            }
        })
    }

    fn write_command(&self, key: &str, value: &str) -> io::Result<Cmd> {
        let path = RegistryPath::parse(key).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("`{key}` is not a valid registry key"),
            )
        })?;
        Ok(match path.property {
            Some(field) => {
                let mut cmd = redis::cmd("HSET");
                cmd.arg(self.props_key(&path)).arg(field).arg(value);
                cmd
            }
            None => {
                let mut cmd = redis::cmd("SET");
                cmd.arg(self.value_key(&path)).arg(value);
                cmd
            }
        })
    }

    fn value_key(&self, path: &RegistryPath) -> String {
        format!("{}:{}", self.prefix, path.canonical())
    }

    fn props_key(&self, path: &RegistryPath) -> String {
        format!("{}:props:{}", self.prefix, path.canonical())
    }

    /// The Redis key of a lock; lock names are registry paths, canonical when they parse.
    fn lock_key(&self, name: &str) -> String {
        match RegistryPath::parse(name) {
            Some(path) => format!("{}:lock:{}", self.prefix, path.canonical()),
            None => format!("{}:lock:{name}", self.prefix),
        }
    }

    /// Runs `f` on the blocking connection, connecting first if needed. A failed command drops
    /// the connection so the next call starts afresh.
    fn blocking<T>(
        &self,
        f: impl FnOnce(&mut redis::Connection) -> RedisResult<T>,
    ) -> RedisResult<T> {
        let run = || {
            let mut slot = self.blocking.lock().unwrap_or_else(|p| p.into_inner());
            if slot.is_none() {
                let connection = self.client.get_connection_with_timeout(TIMEOUT)?;
                connection.set_read_timeout(Some(TIMEOUT))?;
                connection.set_write_timeout(Some(TIMEOUT))?;
                *slot = Some(connection);
            }
            let result = f(slot.as_mut().expect("connected above"));
            if result.is_err() {
                *slot = None;
            }
            result
        };
        match tokio::runtime::Handle::try_current() {
            Ok(handle) if handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
                tokio::task::block_in_place(run)
            }
            _ => run(),
        }
    }
}

#[async_trait]
impl RegistryStore for RedisRegistryStore {
    fn get(&self, key: &str) -> Option<String> {
        let cmd = self.read_command(key)?;
        match self.blocking(|c| cmd.query::<Option<String>>(c)) {
            Ok(value) => value,
            Err(e) => {
                tracing::warn!(key, redis = %self.shown, error = %e, "registry read failed");
                None
            }
        }
    }

    fn put(&self, key: &str, value: &str) -> io::Result<()> {
        let cmd = self.write_command(key, value)?;
        self.blocking(|c| cmd.exec(c)).map_err(io::Error::other)
    }

    async fn get_async(&self, key: &str) -> io::Result<Option<String>> {
        let Some(cmd) = self.read_command(key) else {
            return Ok(None);
        };
        cmd.query_async(&mut self.manager.clone())
            .await
            .map_err(io::Error::other)
    }

    async fn put_all(&self, entries: &[(&str, &str)]) -> io::Result<()> {
        if let [(key, value)] = entries {
            return self
                .write_command(key, value)?
                .exec_async(&mut self.manager.clone())
                .await
                .map_err(io::Error::other);
        }
        // MULTI/EXEC: readers see all of the values or none of them.
        let mut pipe = redis::pipe();
        pipe.atomic();
        for (key, value) in entries {
            pipe.add_command(self.write_command(key, value)?).ignore();
        }
        pipe.exec_async(&mut self.manager.clone())
            .await
            .map_err(io::Error::other)
    }

    fn is_shared(&self) -> bool {
        true
    }

    async fn try_lock(&self, name: &str, ttl: Duration) -> io::Result<Option<StoreLock>> {
        let n = self.locks_taken.fetch_add(1, Ordering::Relaxed);
        let token = format!("{}-{n}", self.instance);
        let ttl_ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
        let taken: Option<String> = redis::cmd("SET")
            .arg(self.lock_key(name))
            .arg(&token)
            .arg("NX")
            .arg("PX")
            .arg(ttl_ms)
            .query_async(&mut self.manager.clone())
            .await
            .map_err(io::Error::other)?;
        Ok(taken.map(|_| StoreLock {
            name: name.to_string(),
            token,
        }))
    }

    async fn unlock(&self, lock: StoreLock) -> io::Result<()> {
        redis::Script::new(UNLOCK)
            .key(self.lock_key(&lock.name))
            .arg(&lock.token)
            .invoke_async::<i64>(&mut self.manager.clone())
            .await
            .map(drop)
            .map_err(io::Error::other)
    }

    async fn is_locked(&self, name: &str) -> io::Result<bool> {
        redis::cmd("EXISTS")
            .arg(self.lock_key(name))
            .query_async(&mut self.manager.clone())
            .await
            .map_err(io::Error::other)
    }
}

/// Takes `prefix=NAME` out of the URL's query, leaving the rest for the Redis client.
fn split_prefix(url: &str) -> Result<(String, String), String> {
    let Some((base, query)) = url.split_once('?') else {
        return Ok((url.to_string(), DEFAULT_PREFIX.to_string()));
    };
    let mut prefix = DEFAULT_PREFIX.to_string();
    let mut rest = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        match pair.split_once('=') {
            Some(("prefix", value)) => {
                let valid = !value.is_empty()
                    && value
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b));
                if !valid {
                    return Err(format!(
                        "--registry: the key prefix `{value}` must be letters, digits, `-`, `_`, `.` or `:`"
                    ));
                }
                prefix = value.trim_end_matches(':').to_string();
            }
            _ => rest.push(pair),
        }
    }
    let url = if rest.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", rest.join("&"))
    };
    Ok((url, prefix))
}

/// `redis://user:secret@host:6379/0` → `redis://host:6379/0`.
fn without_credentials(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}://{}", &rest[at + 1..]),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_prefix_comes_out_of_the_url() {
        let split = |u: &str| split_prefix(u).unwrap();
        assert_eq!(
            split("redis://h:6379/0"),
            ("redis://h:6379/0".into(), "oxynapse".into())
        );
        assert_eq!(
            split("redis://h:6379/2?prefix=shop-eu"),
            ("redis://h:6379/2".into(), "shop-eu".into())
        );
        assert_eq!(
            split("redis://h/0?protocol=resp3&prefix=a:"),
            ("redis://h/0?protocol=resp3".into(), "a".into())
        );
        assert!(split_prefix("redis://h/0?prefix=a b").is_err());
        assert!(split_prefix("redis://h/0?prefix=").is_err());
    }

    #[test]
    fn credentials_never_show() {
        assert_eq!(
            without_credentials("redis://:s3cret@h:6379/0"),
            "redis://h:6379/0"
        );
        assert_eq!(without_credentials("rediss://u:p@w@h/1"), "rediss://h/1");
        assert_eq!(without_credentials("redis://h:6379/0"), "redis://h:6379/0");
    }

    #[tokio::test]
    async fn an_unreachable_server_is_a_clear_start_up_error() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let err = RedisRegistryStore::connect(&format!("redis://:pw@127.0.0.1:{port}/0"))
            .await
            .unwrap_err();
        assert!(
            err.starts_with(&format!("cannot reach Redis at redis://127.0.0.1:{port}/0")),
            "{err}"
        );
        assert!(!err.contains("pw"), "{err}");
    }
}
