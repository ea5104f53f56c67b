//! What every message of a running engine shares: the pooled HTTP client, the registry, the
//! system-scope properties, the metrics and the engine's settings.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use crate::http::allow_list::AllowList;
use crate::http::client::BackendClient;
use crate::metrics::Metrics;
use crate::store::{FileRegistryStore, MemoryRegistryStore, RegistryStore};

/// Engine-wide settings, with WSO2 MI's defaults.
#[derive(Debug, Clone)]
pub struct Settings {
    /// How long a backend may take to answer (MI's `synapse.global_timeout_interval`).
    pub backend_timeout: Duration,
    /// The largest request body accepted; bigger ones get 413.
    pub max_request_body: usize,
    /// Where the registry and other state live.
    pub data_dir: PathBuf,
    /// How long requests in flight may run on after a shutdown signal.
    pub shutdown_grace: Duration,
    /// Client limits, with safe defaults.
    pub limits: Limits,
    /// The hosts backends may be called on (empty: all).
    pub allowed_backends: AllowList,
}

/// What one client may ask of the engine.
#[derive(Debug, Clone)]
pub struct Limits {
    /// More request headers than this: 431.
    pub max_headers: usize,
    /// A request line plus headers larger than this: 431.
    pub max_header_bytes: usize,
    /// A client that has not sent its headers within this time is disconnected (slowloris).
    pub header_read_timeout: Duration,
    /// Connections served at once; more wait in the listen queue.
    pub max_connections: usize,
    /// JSON bodies nested deeper than this are refused (400) before they are parsed.
    pub max_json_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_headers: 100,
            max_header_bytes: 64 * 1024,
            header_read_timeout: Duration::from_secs(10),
            max_connections: 10_000,
            max_json_depth: 400,
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            backend_timeout: Duration::from_secs(120),
            max_request_body: 10 * 1024 * 1024,
            data_dir: PathBuf::from(".oxynapse"),
            shutdown_grace: Duration::from_secs(30),
            limits: Limits::default(),
            allowed_backends: AllowList::default(),
        }
    }
}

#[derive(Debug)]
pub struct EngineServices {
    http: BackendClient,
    registry_store: Arc<dyn RegistryStore>,
    system_properties: RwLock<HashMap<String, String>>,
    settings: Settings,
    metrics: Arc<Metrics>,
}

impl EngineServices {
    /// Services with the file registry under `settings.data_dir`.
    pub fn new(settings: Settings) -> Result<EngineServices, String> {
        let store = Arc::new(FileRegistryStore::new(&settings.data_dir));
        Self::with_store(settings, store)
    }

    /// Services with a registry of the caller's choosing.
    pub fn with_store(
        settings: Settings,
        registry_store: Arc<dyn RegistryStore>,
    ) -> Result<EngineServices, String> {
        Ok(EngineServices {
            http: BackendClient::new(settings.backend_timeout)?
                .with_allow_list(settings.allowed_backends.clone()),
            registry_store,
            system_properties: RwLock::new(HashMap::new()),
            settings,
            metrics: Arc::new(Metrics::new()),
        })
    }

    /// Services with an in-memory registry, for tests and embedding.
    pub fn in_memory(settings: Settings) -> Result<EngineServices, String> {
        Self::with_store(settings, Arc::new(MemoryRegistryStore::default()))
    }

    pub fn http(&self) -> &BackendClient {
        &self.http
    }

    pub fn registry_store(&self) -> &dyn RegistryStore {
        self.registry_store.as_ref()
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// This engine's Prometheus metrics (`GET /metrics` on the management port).
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// A `system`-scope property. Kept in the engine rather than the process environment,
    /// which is not safe to change while threads run.
    pub fn system_property(&self, name: &str) -> Option<String> {
        self.system_properties.read().ok()?.get(name).cloned()
    }

    pub fn set_system_property(&self, name: &str, value: &str) {
        if let Ok(mut map) = self.system_properties.write() {
            map.insert(name.to_string(), value.to_string());
        }
    }
}
