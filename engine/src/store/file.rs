//! The default registry: files under `<data-dir>/registry/`, laid out as WSO2 MI lays them out.
//!
//! | key prefix   | directory                        |
//! |--------------|----------------------------------|
//! | `conf:`      | `registry/config/`               |
//! | `gov:`, none | `registry/governance/`           |
//! | `local:`     | `registry/local/`                |
//! | `resources:` | `registry/governance/mi-resources/` |
//!
//! A resource's text is the file's content; its properties live in `<file>.properties`.
//! Writes go to a temporary file that is synced and then renamed over the old one, so a crash
//! never leaves a torn value. Reads are cached for 15 seconds (MI's `cachableDuration`), and
//! this process's own writes update the cache at once.

use std::collections::HashMap;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use super::RegistryStore;
use super::key::RegistryPath;

const CACHE_FOR: Duration = Duration::from_secs(15);

pub struct FileRegistryStore {
    root: PathBuf,
    cache: Mutex<HashMap<String, (Option<String>, Instant)>>,
    temp_counter: AtomicU64,
}

impl std::fmt::Debug for FileRegistryStore {
    /// The folder only: the cache holds values such as tokens, which logs must not show.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileRegistryStore")
            .field("root", &self.root)
            .finish_non_exhaustive()
    }
}

impl FileRegistryStore {
    /// A registry rooted at `<data_dir>/registry`. Directories are created on first write.
    pub fn new(data_dir: &Path) -> Self {
        FileRegistryStore {
            root: data_dir.join("registry"),
            cache: Mutex::new(HashMap::new()),
            temp_counter: AtomicU64::new(0),
        }
    }

    /// The file that holds a resource, or `None` for keys that would leave the registry.
    pub fn resource_path(&self, key: &str) -> Option<PathBuf> {
        let parsed = RegistryPath::parse(key)?;
        let mut path = self.root.join(parsed.root.dir());
        path.extend(parsed.segments);
        Some(path)
    }

    fn read_uncached(&self, key: &str) -> Option<String> {
        match key.rsplit_once('@') {
            Some((resource, property)) => {
                let path = self.resource_path(resource)?;
                let text = fs::read_to_string(properties_file(&path)).ok()?;
                parse_properties(&text).remove(property)
            }
            None => fs::read_to_string(self.resource_path(key)?).ok(),
        }
    }

    fn write_atomically(&self, path: &Path, content: &str) -> io::Result<()> {
        let dir = path
            .parent()
            .ok_or_else(|| io::Error::other("registry path has no parent"))?;
        fs::create_dir_all(dir)?;
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("resource");
        let n = self.temp_counter.fetch_add(1, Ordering::Relaxed);
        let temp = dir.join(format!(".{name}.tmp-{}-{n}", std::process::id()));
        let result = (|| {
            let mut file = fs::File::create(&temp)?;
            file.write_all(content.as_bytes())?;
            file.sync_all()?;
            fs::rename(&temp, path)
        })();
        if result.is_err() {
            let _ = fs::remove_file(&temp);
        }
        result
    }
}

impl RegistryStore for FileRegistryStore {
    fn get(&self, key: &str) -> Option<String> {
        if let Ok(cache) = self.cache.lock()
            && let Some((value, at)) = cache.get(key)
            && at.elapsed() < CACHE_FOR
        {
            return value.clone();
        }
        let value = self.read_uncached(key);
        if let Ok(mut cache) = self.cache.lock() {
            cache.insert(key.to_string(), (value.clone(), Instant::now()));
        }
        value
    }

    fn put(&self, key: &str, value: &str) -> io::Result<()> {
        let invalid = || {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("`{key}` is not a valid registry key"),
            )
        };
        match key.rsplit_once('@') {
            Some((resource, property)) => {
                let path = properties_file(&self.resource_path(resource).ok_or_else(invalid)?);
                let mut properties = fs::read_to_string(&path)
                    .map(|t| parse_properties(&t))
                    .unwrap_or_default();
                properties.insert(property.to_string(), value.to_string());
                self.write_atomically(&path, &format_properties(&properties))?;
            }
            None => self.write_atomically(&self.resource_path(key).ok_or_else(invalid)?, value)?,
        }
        if let Ok(mut cache) = self.cache.lock() {
            cache.insert(key.to_string(), (Some(value.to_string()), Instant::now()));
        }
        Ok(())
    }
}

fn properties_file(resource: &Path) -> PathBuf {
    let mut name = resource.as_os_str().to_owned();
    name.push(".properties");
    PathBuf::from(name)
}

/// Reads `name=value` lines (a subset of Java properties: `#` comments, `\` escapes).
fn parse_properties(text: &str) -> HashMap<String, String> {
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#') && !l.trim().is_empty())
        .filter_map(|line| {
            let (k, v) = split_unescaped(line)?;
            Some((unescape(k.trim()), unescape(v)))
        })
        .collect()
}

fn split_unescaped(line: &str) -> Option<(&str, &str)> {
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        match c {
            '\\' if !escaped => escaped = true,
            '=' | ':' if !escaped => return Some((&line[..i], &line[i + 1..])),
            _ => escaped = false,
        }
    }
    None
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('\n', "\\n")
        .replace('=', "\\=")
        .replace(':', "\\:")
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some(other) => out.push(other),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn format_properties(properties: &HashMap<String, String>) -> String {
    let mut keys: Vec<_> = properties.keys().collect();
    keys.sort();
    keys.into_iter()
        .map(|k| format!("{}={}\n", escape(k), escape(&properties[k])))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_prefixes_like_mi_and_refuses_escapes() {
        let store = FileRegistryStore::new(Path::new("/data"));
        let p = |k: &str| store.resource_path(k).map(|p| p.display().to_string());
        assert_eq!(
            p("conf:/connectors/gotowebinar/1/accessToken").as_deref(),
            Some("/data/registry/config/connectors/gotowebinar/1/accessToken")
        );
        assert_eq!(
            p("gov:a/b").as_deref(),
            Some("/data/registry/governance/a/b")
        );
        assert_eq!(p("/a/b").as_deref(), Some("/data/registry/governance/a/b"));
        assert_eq!(p("local:/x").as_deref(), Some("/data/registry/local/x"));
        assert_eq!(
            p("resources:x").as_deref(),
            Some("/data/registry/governance/mi-resources/x")
        );
        for bad in [
            "conf:/../etc/passwd",
            "conf:/",
            "bogus:/x",
            "conf:a/../../b",
        ] {
            assert_eq!(p(bad), None, "{bad}");
        }
    }

    #[test]
    fn values_and_properties_survive_a_new_store() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileRegistryStore::new(dir.path());
        store.put("conf:/app/token", "abc").unwrap();
        store.put("conf:/app/token@owner", "a=b:c\nd").unwrap();
        assert_eq!(store.get("conf:/app/token").as_deref(), Some("abc"));
        let fresh = FileRegistryStore::new(dir.path());
        assert_eq!(fresh.get("conf:/app/token").as_deref(), Some("abc"));
        assert_eq!(
            fresh.get("conf:/app/token@owner").as_deref(),
            Some("a=b:c\nd")
        );
        assert_eq!(fresh.get("conf:/app/missing"), None);
        assert!(dir.path().join("registry/config/app/token").is_file());
        assert!(store.put("conf:/../x", "v").is_err());
        // No temporary files are left behind.
        let leftovers = fs::read_dir(dir.path().join("registry/config/app"))
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .contains(".tmp-")
            });
        assert_eq!(leftovers.count(), 0);
    }
}
