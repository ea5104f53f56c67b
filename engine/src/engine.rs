//! The engine: a frozen registry, shared services, and the current deployment.
//!
//! Each request takes the deployment that is current when it arrives and keeps it to the
//! end, so replacing the deployment never disturbs a request in flight.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use arc_swap::ArcSwap;
use bytes::Bytes;
use http::{HeaderMap, Method};

use crate::config::source::SourceFile;
use crate::context::{MessageContext, OutgoingResponse};
use crate::deploy::{CompiledFile, Deployment, compile_source, load_folder};
use crate::error::MediationError;
use crate::proxy::error_response;
use crate::registry::Registry;
use crate::services::EngineServices;

pub struct Engine {
    registry: Arc<Registry>,
    services: Arc<EngineServices>,
    deployment: ArcSwap<Deployment>,
    ready: AtomicBool,
}

impl Engine {
    pub fn new(registry: Registry, services: EngineServices) -> Arc<Engine> {
        Arc::new(Engine {
            registry: Arc::new(registry),
            services: Arc::new(services),
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

    /// Replaces the deployment with one built from `files`, logging every diagnostic.
    pub fn deploy(&self, files: Vec<CompiledFile>) -> Arc<Deployment> {
        let deployment = Arc::new(Deployment::from_files(files));
        for report in deployment.files() {
            for diagnostic in &report.diagnostics {
                if diagnostic.is_error() {
                    tracing::error!("{}", diagnostic.render());
                } else {
                    tracing::warn!("{}", diagnostic.render());
                }
            }
            if report.has_errors() {
                tracing::error!(file = %report.file, "file not deployed");
            }
            for (kind, name) in &report.artifacts {
                tracing::info!(kind = kind.as_str(), name = %name, file = %report.file, "deployed");
            }
        }
        self.deployment.store(deployment.clone());
        deployment
    }

    /// Deploys every `*.xml` file below `dir`.
    pub fn deploy_folder(&self, dir: &Path) -> std::io::Result<Arc<Deployment>> {
        let files = load_folder(&self.registry, dir)?;
        Ok(self.deploy(files))
    }

    /// Marks the start-up deployment done; `/healthz` answers 200 from then on.
    pub fn set_ready(&self) {
        self.ready.store(true, Ordering::Release);
    }

    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Acquire)
    }

    /// Mediates one request for `/services/...`, independent of any transport.
    pub async fn handle(
        &self,
        method: Method,
        path_and_query: String,
        headers: HeaderMap,
        body: Bytes,
    ) -> OutgoingResponse {
        let deployment = self.deployment();
        let name = service_name(&path_and_query);
        // Axis2 also serves `/services/Name.SOAP11Endpoint` style paths.
        let proxy = deployment
            .proxy(name)
            .or_else(|| {
                name.split_once('.')
                    .and_then(|(base, _)| deployment.proxy(base))
            })
            .cloned();
        let Some(proxy) = proxy else {
            tracing::debug!(service = %name, "no such service");
            let error = MediationError::client_status(404, "no such service")
                .with_detail(format!("no proxy named `{name}` is deployed"));
            return error_response(&error);
        };
        if !proxy.started {
            let error = MediationError::client_status(503, "service stopped").with_detail(format!(
                "proxy `{name}` is deployed with startOnLoad=\"false\""
            ));
            return error_response(&error);
        }
        let mut ctx = MessageContext::new(
            self.services.clone(),
            deployment,
            method,
            path_and_query,
            headers,
            body,
        );
        proxy.mediate(&mut ctx).await
    }
}

/// `Orders` from `/services/Orders/x?y`.
fn service_name(path_and_query: &str) -> &str {
    let rest = path_and_query.strip_prefix("/services/").unwrap_or("");
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    &rest[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_names() {
        assert_eq!(service_name("/services/Orders"), "Orders");
        assert_eq!(service_name("/services/Orders/x/y?z=1"), "Orders");
        assert_eq!(service_name("/services/Orders?wsdl"), "Orders");
        assert_eq!(service_name("/services/"), "");
    }
}
