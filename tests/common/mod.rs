//! The end-to-end harness: an engine on `127.0.0.1:0` with a temporary deploy folder and data
//! dir, in-process mock backends, and an HTTP client. Tests speak real HTTP to both.

#![allow(dead_code)] // each test binary uses a different part of the harness

pub mod gotowebinar;
pub mod process;
pub mod redis;
pub mod streaming;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use oxynapse_engine::http::server::{ServerHandle, start, start_management};
use oxynapse_engine::{Engine, EngineServices, Registry, Settings};
use oxynapse_gotowebinar::GoToWebinar;
use tempfile::TempDir;

/// The registry the `oxynapse` binary ships with.
pub fn registry() -> Registry {
    Registry::builder()
        .builtin_mediators()
        .connector(GoToWebinar::new())
        .build()
}

/// The seed's sample request for getSessionById, with `apiUrl` pointing at `api_url`.
pub fn seed_request(api_url: &str) -> String {
    format!(
        r#"{{
    "apiUrl":"{api_url}",
    "accessToken":"UEGGrwswKRwB07lTOr0EoppdaxKo",
    "organizerKey":"3697511743350317068",
    "clientId":"IJfcaqp3xC034WXD1GGlstejnJS41huo",
    "refreshToken":"MDAKxJTJ3cAdhuzavhtOFNAmV5N0m7gm",
	"webinarKey":"6487648931392511233",
	"sessionKey":"2167614"
}}"#
    )
}

/// The project's `proxies/` folder.
pub fn proxies_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("proxies")
}

/// A fixture file under `tests/fixtures/`.
pub fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub struct TestEngine {
    pub engine: Arc<Engine>,
    server: Option<ServerHandle>,
    management: Option<ServerHandle>,
    _watcher: Option<oxynapse_engine::deploy::FolderWatcher>,
    pub addr: SocketAddr,
    pub management_addr: SocketAddr,
    pub deploy_dir: PathBuf,
    pub data_dir: PathBuf,
    _dirs: Vec<TempDir>,
    pub client: reqwest::Client,
}

/// How to start a [`TestEngine`]; the defaults are fresh temporary folders.
#[derive(Default)]
pub struct Options {
    pub files: Vec<(String, String)>,
    pub deploy_dir: Option<PathBuf>,
    pub data_dir: Option<PathBuf>,
    pub backend_timeout: Option<Duration>,
    pub max_request_body: Option<usize>,
    /// Watch the deploy folder and redeploy changes, as `serve` does.
    pub watch: bool,
    /// `--allow-backend` patterns.
    pub allowed_backends: Vec<String>,
    pub limits: Option<oxynapse_engine::Limits>,
    /// The registry store; the file store under `data_dir` when `None`.
    pub store: Option<Arc<dyn oxynapse_engine::store::RegistryStore>>,
    /// Mediators and connectors; [`registry`] when `None`.
    pub registry: Option<Registry>,
}

impl TestEngine {
    /// An engine serving the given `(file name, XML)` files.
    pub async fn start(files: &[(&str, &str)]) -> TestEngine {
        TestEngine::start_with(Options {
            files: files
                .iter()
                .map(|(n, x)| (n.to_string(), x.to_string()))
                .collect(),
            ..Options::default()
        })
        .await
    }

    pub async fn start_with(options: Options) -> TestEngine {
        let mut dirs = Vec::new();
        let deploy_dir = options.deploy_dir.unwrap_or_else(|| {
            let dir = TempDir::new().unwrap();
            let path = dir.path().to_path_buf();
            dirs.push(dir);
            path
        });
        for (name, xml) in &options.files {
            std::fs::write(deploy_dir.join(name), xml).unwrap();
        }
        let data_dir = options.data_dir.unwrap_or_else(|| {
            let dir = TempDir::new().unwrap();
            let path = dir.path().to_path_buf();
            dirs.push(dir);
            path
        });
        let defaults = Settings::default();
        let settings = Settings {
            backend_timeout: options.backend_timeout.unwrap_or(defaults.backend_timeout),
            max_request_body: options
                .max_request_body
                .unwrap_or(defaults.max_request_body),
            data_dir: data_dir.clone(),
            allowed_backends: oxynapse_engine::http::allow_list::AllowList::parse(
                &options.allowed_backends,
            )
            .unwrap(),
            limits: options.limits.unwrap_or(defaults.limits.clone()),
            ..defaults
        };
        let services = match options.store {
            Some(store) => EngineServices::with_store(settings, store),
            None => EngineServices::new(settings),
        };
        let engine = Engine::new(options.registry.unwrap_or_else(registry), services.unwrap());
        engine.deploy_folder(&deploy_dir).unwrap();
        let watcher = options.watch.then(|| {
            oxynapse_engine::deploy::watch_folder(engine.clone(), deploy_dir.clone()).unwrap()
        });
        engine.set_ready();
        let local: SocketAddr = "127.0.0.1:0".parse().unwrap();
        let server = start(engine.clone(), local).await.unwrap();
        let management = start_management(engine.clone(), local).await.unwrap();
        TestEngine {
            engine,
            addr: server.local_addr(),
            management_addr: management.local_addr(),
            server: Some(server),
            management: Some(management),
            _watcher: watcher,
            deploy_dir,
            data_dir,
            _dirs: dirs,
            client: reqwest::Client::new(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// `GET /management/artifacts`.
    pub async fn artifacts(&self) -> serde_json::Value {
        let url = format!("http://{}/management/artifacts", self.management_addr);
        self.client
            .get(url)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// POSTs a JSON body to `path`.
    pub async fn post_json(&self, path: &str, body: &str) -> reqwest::Response {
        self.post_json_with(path, body, &[]).await
    }

    pub async fn post_json_with(
        &self,
        path: &str,
        body: &str,
        headers: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut request = self
            .client
            .post(self.url(path))
            .header("Content-Type", "application/json")
            .body(body.to_string());
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.send().await.expect("the engine answers")
    }

    /// Stops the server, keeping the folders (for restart tests, pass them to a new engine).
    pub async fn stop(mut self) -> (PathBuf, PathBuf, Vec<TempDir>) {
        self._watcher.take();
        if let Some(server) = self.server.take() {
            server.shutdown().await;
        }
        if let Some(management) = self.management.take() {
            management.shutdown().await;
        }
        (
            self.deploy_dir.clone(),
            self.data_dir.clone(),
            std::mem::take(&mut self._dirs),
        )
    }
}

/// A body and status as a test reads them.
pub async fn status_and_json(response: reqwest::Response) -> (u16, serde_json::Value) {
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    let json = serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"));
    (status, json)
}

/// A request a [`MockBackend`] received.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub path_and_query: String,
    pub headers: http::HeaderMap,
    pub body: Bytes,
}

/// What a [`MockBackend`] answers.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
    pub delay: Duration,
}

impl Reply {
    pub fn json(status: u16, body: &str) -> Reply {
        Reply {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: Bytes::copy_from_slice(body.as_bytes()),
            delay: Duration::ZERO,
        }
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.into(), value.into()));
        self
    }

    pub fn after(mut self, delay: Duration) -> Reply {
        self.delay = delay;
        self
    }
}

type Handler = dyn Fn(&Received) -> Reply + Send + Sync;

/// An in-process HTTP backend that records requests and answers through a handler.
pub struct MockBackend {
    pub addr: SocketAddr,
    received: Arc<Mutex<Vec<Received>>>,
    task: tokio::task::JoinHandle<()>,
}

impl MockBackend {
    pub async fn start(
        handler: impl Fn(&Received) -> Reply + Send + Sync + 'static,
    ) -> MockBackend {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let received = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);
        let log = received.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let (handler, log) = (handler.clone(), log.clone());
                tokio::spawn(async move {
                    let service = service_fn(move |request: hyper::Request<Incoming>| {
                        let (handler, log) = (handler.clone(), log.clone());
                        async move {
                            let (parts, body) = request.into_parts();
                            let body = body
                                .collect()
                                .await
                                .map(|b| b.to_bytes())
                                .unwrap_or_default();
                            let received = Received {
                                method: parts.method.to_string(),
                                path_and_query: parts
                                    .uri
                                    .path_and_query()
                                    .map(|p| p.to_string())
                                    .unwrap_or_default(),
                                headers: parts.headers,
                                body,
                            };
                            let reply = handler(&received);
                            log.lock().unwrap().push(received);
                            tokio::time::sleep(reply.delay).await;
                            let mut response = hyper::Response::new(Full::new(reply.body));
                            *response.status_mut() =
                                http::StatusCode::from_u16(reply.status).unwrap();
                            for (name, value) in reply.headers {
                                response.headers_mut().append(
                                    http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                                    value.parse().unwrap(),
                                );
                            }
                            Ok::<_, Infallible>(response)
                        }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        MockBackend {
            addr,
            received,
            task,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

impl Drop for MockBackend {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A port nothing listens on, for connection-refused tests.
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// Polls `check` until it holds or the deadline passes.
pub async fn eventually(what: &str, deadline: Duration, mut check: impl FnMut() -> bool) {
    let start = Instant::now();
    while !check() {
        assert!(start.elapsed() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
