//! The engine: a frozen registry, shared services, and the current deployment.
//!
//! Each request takes the deployment that is current when it arrives and keeps it to the
//! end, so replacing the deployment never disturbs a request in flight.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use arc_swap::ArcSwap;
use bytes::Bytes;
use http::{HeaderMap, Method};

use crate::config::source::SourceFile;
use crate::context::OutgoingResponse;
use crate::deploy::{
    Change, CompiledFile, Deployer, Deployment, compile_path, compile_source, load_folder,
};
use crate::dispatch::{Request, route};
use crate::registry::Registry;
use crate::services::EngineServices;

pub struct Engine {
    registry: Arc<Registry>,
    services: Arc<EngineServices>,
    /// The files deployed so far; only deployments (start-up, the watcher) take this lock.
    deployer: Mutex<Deployer>,
    deployment: ArcSwap<Deployment>,
    ready: AtomicBool,
}

impl Engine {
    pub fn new(registry: Registry, services: EngineServices) -> Arc<Engine> {
        let deployer = Deployer::with_metrics(services.metrics().clone());
        Arc::new(Engine {
            registry: Arc::new(registry),
            services: Arc::new(services),
            deployer: Mutex::new(deployer),
            deployment: ArcSwap::from_pointee(Deployment::default()),
            ready: AtomicBool::new(false),
        })
    }

    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    pub fn services(&self) -> &Arc<EngineServices> {
        &self.services
    }

    /// The deployment new requests are served from.
    pub fn deployment(&self) -> Arc<Deployment> {
        self.deployment.load_full()
    }

    /// Compiles config text (file name, XML) without touching the file system.
    pub fn compile(&self, name: &str, text: &str) -> CompiledFile {
        compile_source(&self.registry, SourceFile::new(name, text))
    }

    /// Deploys compiled files (new ones, or new versions of deployed ones) and publishes the
    /// result. Every diagnostic is logged.
    pub fn deploy(&self, files: Vec<CompiledFile>) -> Arc<Deployment> {
        let mut deployer = self.deployer.lock().unwrap_or_else(|p| p.into_inner());
        let mut touched = Vec::new();
        for file in files {
            let name = file.name().clone();
            let change = deployer.apply(file);
            touched.push((name, change));
        }
        self.publish(&mut deployer, &touched)
    }

    /// Deploys every `*.xml` file below `dir`.
    pub fn deploy_folder(&self, dir: &Path) -> std::io::Result<Arc<Deployment>> {
        let files = load_folder(&self.registry, dir)?;
        Ok(self.deploy(files))
    }

    /// Brings the given paths up to date: a file that exists is (re)compiled and deployed, one
    /// that is gone is undeployed. This is what the folder watcher calls.
    pub fn sync_paths(&self, paths: &[PathBuf]) -> Arc<Deployment> {
        let mut deployer = self.deployer.lock().unwrap_or_else(|p| p.into_inner());
        let mut touched = Vec::new();
        for path in paths {
            let name: Arc<str> = path.display().to_string().into();
            let change = if path.is_file() {
                deployer.apply(compile_path(&self.registry, path))
            } else {
                deployer.remove(&name)
            };
            if change != Change::Unknown {
                touched.push((name, change));
            }
        }
        self.publish(&mut deployer, &touched)
    }

    /// The files currently known below `root`, for the watcher to notice removals.
    pub fn deployed_files_under(&self, root: &Path) -> Vec<PathBuf> {
        let deployer = self.deployer.lock().unwrap_or_else(|p| p.into_inner());
        deployer
            .entries()
            .iter()
            .map(|e| PathBuf::from(&*e.file))
            .filter(|p| p.starts_with(root))
            .collect()
    }

    fn publish(&self, deployer: &mut Deployer, touched: &[(Arc<str>, Change)]) -> Arc<Deployment> {
        let deployment = Arc::new(deployer.deployment());
        let metrics = self.services.metrics();
        for (file, change) in touched {
            if let Some(report) = deployment.files().iter().find(|r| &r.file == file) {
                for diagnostic in &report.diagnostics {
                    if diagnostic.is_error() {
                        tracing::error!("{}", diagnostic.render());
                    } else {
                        tracing::warn!("{}", diagnostic.render());
                    }
                }
            }
            match change {
                Change::Deployed => {
                    metrics.deploy_event("deployed");
                    tracing::info!(file = %file, "deployed")
                }
                Change::Failed {
                    kept_previous: true,
                } => {
                    metrics.deploy_event("failed");
                    tracing::error!(file = %file, "not deployed; the previous version keeps serving")
                }
                Change::Failed {
                    kept_previous: false,
                } => {
                    metrics.deploy_event("failed");
                    tracing::error!(file = %file, "not deployed")
                }
                Change::Partial { deployed } => {
                    metrics.deploy_event("partial");
                    tracing::error!(
                        file = %file,
                        deployed,
                        "deployed only the artifacts without errors"
                    )
                }
                Change::Removed => {
                    metrics.deploy_event("undeployed");
                    tracing::info!(file = %file, "undeployed")
                }
                Change::Unknown => {}
            }
        }
        self.deployment.store(deployment.clone());
        deployment
    }

    /// Marks the start-up deployment done; `/healthz` answers 200 from then on.
    pub fn set_ready(&self) {
        self.ready.store(true, Ordering::Release);
    }

    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Acquire)
    }

    /// Mediates one request (`/services/{proxy}` or an API path), independent of any transport.
    /// The response body is always whole (`stream` is `None`).
    pub async fn handle(
        &self,
        method: Method,
        path_and_query: String,
        headers: HeaderMap,
        body: Bytes,
    ) -> OutgoingResponse {
        self.mediate(method, path_and_query, headers, body, false)
            .await
    }

    /// [`handle`](Self::handle) for a transport that can relay a body as it arrives: a large
    /// backend answer that no mediator reads comes back in the response's `stream`.
    pub async fn handle_streaming(
        &self,
        method: Method,
        path_and_query: String,
        headers: HeaderMap,
        body: Bytes,
    ) -> OutgoingResponse {
        self.mediate(method, path_and_query, headers, body, true)
            .await
    }

    async fn mediate(
        &self,
        method: Method,
        path_and_query: String,
        headers: HeaderMap,
        body: Bytes,
        streaming: bool,
    ) -> OutgoingResponse {
        // In flight until the answer's head is ready; a streamed body is relayed after.
        let _in_flight = self.services.metrics().in_flight();
        let request = Request {
            method,
            path_and_query,
            headers,
            body,
            streaming,
        };
        route(&self.services, self.deployment(), request).await
    }
}
