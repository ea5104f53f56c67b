//! One suite, run against both registry backends: the file store (the default) and Redis
//! (`--registry redis://...`). Each test below is an `async fn(Backend)`; `both_stores!` makes a
//! `file::name` and a `redis::name` test of it.
//!
//! The suite reads and writes through the engine (`<property scope="registry">`,
//! `get-property('registry', ...)`, the GoToWebinar token cache) and checks the store through
//! a second, independent connection to it, as another instance would see it.

mod common;

use common::gotowebinar::tokens_used;

use std::sync::Arc;

use common::{Options, TestEngine, proxies_dir, seed_request, status_and_json};
use gotowebinar_simulator::{Simulator, fixtures};
use oxynapse_engine::store::{FileRegistryStore, RegistryStore};
use tempfile::TempDir;

#[derive(Debug, Clone, Copy)]
enum Backend {
    File,
    Redis,
}

/// One registry, which engines and checks connect to afresh each time.
struct Setup {
    backend: Backend,
    data_dir: TempDir,
    redis_url: String,
}

impl Setup {
    fn new(backend: Backend) -> Setup {
        Setup {
            backend,
            data_dir: TempDir::new().unwrap(),
            redis_url: match backend {
                Backend::File => String::new(),
                Backend::Redis => common::redis::fresh_url(),
            },
        }
    }

    /// A new connection to the registry (a new file store reads the disk afresh).
    async fn store(&self) -> Arc<dyn RegistryStore> {
        match self.backend {
            Backend::File => Arc::new(FileRegistryStore::new(self.data_dir.path())),
            Backend::Redis => common::redis::store(&self.redis_url).await,
        }
    }

    async fn engine(
        &self,
        files: &[(&str, &str)],
        deploy_dir: Option<std::path::PathBuf>,
    ) -> TestEngine {
        TestEngine::start_with(Options {
            files: files
                .iter()
                .map(|(n, x)| (n.to_string(), x.to_string()))
                .collect(),
            deploy_dir,
            data_dir: Some(self.data_dir.path().to_path_buf()),
            store: Some(self.store().await),
            ..Options::default()
        })
        .await
    }

    /// An engine serving the project's `proxies/` (the GoToWebinar ones).
    async fn seed_engine(&self) -> TestEngine {
        self.engine(&[], Some(proxies_dir())).await
    }
}

macro_rules! both_stores {
    ($($name:ident),* $(,)?) => {
        mod file {
            $(#[tokio::test] async fn $name() { super::$name(super::Backend::File).await })*
        }
        mod redis {
            $(#[tokio::test] async fn $name() { super::$name(super::Backend::Redis).await })*
        }
    };
}

both_stores!(
    property_writes_what_get_property_reads,
    values_survive_a_restart,
    spellings_of_a_path_are_one_resource,
    the_first_call_caches_the_supplied_tokens,
    a_stale_token_is_refreshed_once_for_concurrent_requests,
    a_failed_refresh_keeps_the_cache,
);

const WRITE: &str = r#"<proxy name="write"><target><inSequence>
    <property name="conf:/app/greeting" expression="json-eval($.greeting)" scope="registry"/>
    <property name="conf:/app/greeting@lang" expression="json-eval($.lang)" scope="registry"/>
    <respond/></inSequence></target></proxy>"#;

const READ: &str = r#"<proxy name="read"><target><inSequence>
    <payloadFactory media-type="json">
      <format>{"greeting":"$1","lang":"$2","missing":"$3","other":"$4"}</format>
      <args>
        <arg expression="get-property('registry','conf:/app/greeting')"/>
        <arg expression="get-property('registry','conf:/app/greeting@lang')"/>
        <arg expression="get-property('registry','conf:/app/none')"/>
        <arg expression="get-property('registry','/shared/b')"/>
      </args>
    </payloadFactory>
    <respond/></inSequence></target></proxy>"#;

async fn read(engine: &TestEngine) -> serde_json::Value {
    let (status, json) = status_and_json(engine.post_json("/services/read", "{}").await).await;
    assert_eq!(status, 200, "{json}");
    json
}

async fn property_writes_what_get_property_reads(backend: Backend) {
    let setup = Setup::new(backend);
    let engine = setup
        .engine(&[("w.xml", WRITE), ("r.xml", READ)], None)
        .await;
    let body = r#"{"greeting":"Hello","lang":"en=GB:x"}"#;
    assert_eq!(
        engine.post_json("/services/write", body).await.status(),
        200
    );
    let json = read(&engine).await;
    assert_eq!(json["greeting"], "Hello");
    assert_eq!(json["lang"], "en=GB:x");
    assert_eq!(
        json["missing"], "",
        "a missing resource reads as an empty string"
    );
    // Another instance (a new connection) sees the same values.
    let store = setup.store().await;
    let get = |k: &'static str| {
        let store = store.clone();
        async move { store.get_async(k).await.unwrap() }
    };
    assert_eq!(get("conf:/app/greeting").await.as_deref(), Some("Hello"));
    assert_eq!(
        get("conf:/app/greeting@lang").await.as_deref(),
        Some("en=GB:x")
    );
    assert_eq!(store.get("conf:/app/greeting").as_deref(), Some("Hello"));
    assert_eq!(get("conf:/app/none").await, None);
}

async fn values_survive_a_restart(backend: Backend) {
    let setup = Setup::new(backend);
    let first = setup.engine(&[("w.xml", WRITE)], None).await;
    let body = r#"{"greeting":"Bonjour","lang":"fr"}"#;
    assert_eq!(first.post_json("/services/write", body).await.status(), 200);
    first.stop().await;
    let second = setup.engine(&[("r.xml", READ)], None).await;
    let json = read(&second).await;
    assert_eq!(
        (json["greeting"].as_str(), json["lang"].as_str()),
        (Some("Bonjour"), Some("fr"))
    );
}

async fn spellings_of_a_path_are_one_resource(backend: Backend) {
    let setup = Setup::new(backend);
    let store = setup.store().await;
    store.put_all(&[("gov:shared//./b", "one")]).await.unwrap();
    let engine = setup.engine(&[("r.xml", READ)], None).await;
    assert_eq!(read(&engine).await["other"], "one");
    assert_eq!(
        store.get_async("shared/b").await.unwrap().as_deref(),
        Some("one")
    );
    let escape = store
        .put_all(&[("conf:/../outside", "x")])
        .await
        .unwrap_err();
    assert!(
        escape.to_string().contains("not a valid registry key"),
        "{escape}"
    );
}

const TOKENS: &str = "conf:/connectors/gotowebinar/3697511743350317068";
const PROXY: &str = "/services/gotowebinar_getSessionById";

fn key(leaf: &str) -> String {
    format!("{TOKENS}/{leaf}")
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// The seed request with an `intervalTime` (ms) added.
fn request_with_interval(api_url: &str, interval_ms: i64) -> String {
    seed_request(api_url).replacen('{', &format!("{{\"intervalTime\":\"{interval_ms}\","), 1)
}

/// A token cache as an earlier run would have left it.
async fn seed_cache(store: &dyn RegistryStore, stored_at_ms: i64) {
    let time = stored_at_ms.to_string();
    let (access, refresh, time_key) = (key("accessToken"), key("refreshToken"), key("time"));
    store
        .put_all(&[
            (&access, fixtures::ACCESS_TOKEN),
            (&refresh, fixtures::REFRESH_TOKEN),
            (&time_key, &time),
        ])
        .await
        .unwrap();
}

async fn get(store: &dyn RegistryStore, leaf: &str) -> Option<String> {
    store.get_async(&key(leaf)).await.unwrap()
}

async fn the_first_call_caches_the_supplied_tokens(backend: Backend) {
    let sim = Simulator::start().await.unwrap();
    let setup = Setup::new(backend);
    let engine = setup.seed_engine().await;
    let before = now_ms();
    let response = engine.post_json(PROXY, &seed_request(&sim.url())).await;
    assert_eq!(response.status(), 200);
    assert_eq!(sim.refresh_calls(), 0);
    let store = setup.store().await;
    assert_eq!(
        get(&*store, "accessToken").await.as_deref(),
        Some(fixtures::ACCESS_TOKEN)
    );
    assert_eq!(
        get(&*store, "refreshToken").await.as_deref(),
        Some(fixtures::REFRESH_TOKEN)
    );
    let stored: i64 = get(&*store, "time").await.unwrap().parse().unwrap();
    assert!(stored >= before && stored <= now_ms());
}

async fn a_stale_token_is_refreshed_once_for_concurrent_requests(backend: Backend) {
    let sim = Simulator::start().await.unwrap();
    let setup = Setup::new(backend);
    seed_cache(&*setup.store().await, now_ms() - 600_000).await;
    let engine = setup.seed_engine().await;
    let body = request_with_interval(&sim.url(), 60_000);
    let requests = (0..20).map(|_| engine.post_json(PROXY, &body));
    for response in futures::future::join_all(requests).await {
        assert_eq!(response.status(), 200);
    }
    assert_eq!(sim.refresh_calls(), 1);
    let used = tokens_used(&sim);
    assert_eq!(used.len(), 20);
    assert!(
        used.iter()
            .all(|t| t == fixtures::FIRST_REFRESHED_ACCESS_TOKEN),
        "{used:?}"
    );

    // A restarted engine uses the stored token, not the one in the request.
    engine.stop().await;
    sim.clear_requests();
    let restarted = setup.seed_engine().await;
    let response = restarted.post_json(PROXY, &seed_request(&sim.url())).await;
    assert_eq!(response.status(), 200);
    let calls = sim.requests();
    assert_eq!(calls.len(), 1, "no second refresh: {calls:?}");
    assert_eq!(
        calls[0].header("authorization"),
        Some(fixtures::FIRST_REFRESHED_ACCESS_TOKEN)
    );
    let store = setup.store().await;
    assert_eq!(
        get(&*store, "refreshToken").await.as_deref(),
        Some(fixtures::FIRST_REFRESHED_REFRESH_TOKEN)
    );
}

async fn a_failed_refresh_keeps_the_cache(backend: Backend) {
    let sim = Simulator::start().await.unwrap();
    sim.fail_token_endpoint(Some((401, r#"{"error":"invalid_client"}"#.into())));
    let setup = Setup::new(backend);
    seed_cache(&*setup.store().await, 1000).await;
    let engine = setup.seed_engine().await;
    let body = request_with_interval(&sim.url(), 60_000);
    let (status, json) = status_and_json(engine.post_json(PROXY, &body).await).await;
    assert_eq!(status, 502);
    assert_eq!(json["error"], "GoToWebinar token refresh failed");
    let store = setup.store().await;
    assert_eq!(
        get(&*store, "accessToken").await.as_deref(),
        Some(fixtures::ACCESS_TOKEN)
    );
    assert_eq!(get(&*store, "time").await.as_deref(), Some("1000"));
    sim.fail_token_endpoint(None);
    assert_eq!(engine.post_json(PROXY, &body).await.status(), 200);
}
