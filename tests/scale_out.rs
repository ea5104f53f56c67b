//! Two engine instances sharing one Redis registry and one GoToWebinar API (the simulator):
//! however the requests are spread, a stale token is refreshed once, and the new token is what
//! both instances use. A lock holder that dies mid-refresh holds the others up only until its
//! lock expires.
//!
//! Each instance has its own connection to Redis, as separate processes would.

mod common;

use common::gotowebinar::tokens_used;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::{Options, TestEngine, eventually, proxies_dir, seed_request};
use gotowebinar_simulator::{Simulator, fixtures};
use oxynapse_engine::Registry;
use oxynapse_engine::store::RegistryStore;
use oxynapse_gotowebinar::GoToWebinar;

const TOKENS: &str = "conf:/connectors/gotowebinar/3697511743350317068";
const PROXY: &str = "/services/gotowebinar_getSessionById";

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// A stale token cache (stored ten minutes ago), as an earlier run left it.
async fn seed_stale_cache(store: &dyn RegistryStore) {
    let time = (now_ms() - 600_000).to_string();
    let keys = ["accessToken", "refreshToken", "time"].map(|leaf| format!("{TOKENS}/{leaf}"));
    store
        .put_all(&[
            (&keys[0], fixtures::ACCESS_TOKEN),
            (&keys[1], fixtures::REFRESH_TOKEN),
            (&keys[2], &time),
        ])
        .await
        .unwrap();
}

/// The seed request, allowing tokens one minute.
fn body(sim: &Simulator) -> String {
    seed_request(&sim.url()).replacen('{', "{\"intervalTime\":\"60000\",", 1)
}

/// An engine serving `proxies/` on the shared registry at `url`.
async fn instance(url: &str, refresh_timeout: Duration) -> TestEngine {
    TestEngine::start_with(Options {
        deploy_dir: Some(proxies_dir()),
        store: Some(common::redis::store(url).await),
        registry: Some(registry(refresh_timeout)),
        ..Options::default()
    })
    .await
}

fn registry(refresh_timeout: Duration) -> Registry {
    Registry::builder()
        .builtin_mediators()
        .connector(GoToWebinar::with_refresh_timeout(refresh_timeout))
        .build()
}

async fn post(client: &reqwest::Client, addr: SocketAddr, body: &str) -> reqwest::Response {
    client
        .post(format!("http://{addr}{PROXY}"))
        .header("Content-Type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .expect("the instance answers")
}

#[tokio::test]
async fn forty_requests_on_two_instances_cause_one_refresh() {
    let sim = Simulator::start().await.unwrap();
    // The refresh stays in flight long enough for every request to find the token stale.
    sim.set_token_latency(Duration::from_millis(300));
    let url = common::redis::fresh_url();
    seed_stale_cache(&*common::redis::store(&url).await).await;
    let a = instance(&url, Duration::from_secs(20)).await;
    let b = instance(&url, Duration::from_secs(20)).await;
    let client = reqwest::Client::new();
    let body = body(&sim);
    let requests = (0..40).map(|i| {
        let addr = if i % 2 == 0 { a.addr } else { b.addr };
        post(&client, addr, &body)
    });
    for response in futures::future::join_all(requests).await {
        let status = response.status();
        assert_eq!(status, 200, "{}", response.text().await.unwrap());
    }
    assert_eq!(sim.refresh_calls(), 1, "one refresh for both instances");
    let used = tokens_used(&sim);
    assert_eq!(used.len(), 40);
    assert!(
        used.iter()
            .all(|t| t == fixtures::FIRST_REFRESHED_ACCESS_TOKEN),
        "{used:?}"
    );

    // From now on both instances use the new token, and nobody refreshes again.
    sim.clear_requests();
    for instance in [&a, &b, &a, &b] {
        assert_eq!(post(&client, instance.addr, &body).await.status(), 200);
    }
    let used = tokens_used(&sim);
    assert_eq!(used, vec![fixtures::FIRST_REFRESHED_ACCESS_TOKEN; 4]);
    assert_eq!(sim.refresh_calls(), 1);
    let store = common::redis::store(&url).await;
    assert_eq!(
        store
            .get_async(&format!("{TOKENS}/refreshToken"))
            .await
            .unwrap()
            .as_deref(),
        Some(fixtures::FIRST_REFRESHED_REFRESH_TOKEN)
    );
    assert!(
        !store.is_locked(TOKENS).await.unwrap(),
        "the lock was released"
    );
}

/// An engine on a runtime of its own, which [`Doomed::kill`] drops mid-flight, as a crash
/// would: no task runs to its end, nothing is released.
struct Doomed {
    addr: SocketAddr,
    kill: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Doomed {
    fn start(url: String, refresh_timeout: Duration) -> Doomed {
        let (started, addr) = std::sync::mpsc::channel();
        let (kill, killed) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                let engine = instance(&url, refresh_timeout).await;
                started.send(engine.addr).unwrap();
                let _ = killed.await;
                drop(engine);
            });
            runtime.shutdown_background();
        });
        Doomed {
            addr: addr.recv().unwrap(),
            kill: Some(kill),
            thread: Some(thread),
        }
    }

    fn kill(&mut self) {
        if let Some(kill) = self.kill.take() {
            let _ = kill.send(());
        }
        if let Some(thread) = self.thread.take() {
            thread.join().unwrap();
        }
    }
}

#[tokio::test]
async fn a_lock_holder_that_dies_mid_refresh_is_taken_over_once_its_lock_expires() {
    let sim = Simulator::start().await.unwrap();
    let url = common::redis::fresh_url();
    let store = common::redis::store(&url).await;
    seed_stale_cache(&*store).await;
    // Refreshes may take 1 s, so the lock lives 1.5 s.
    let refresh_timeout = Duration::from_secs(1);
    let mut doomed = Doomed::start(url.clone(), refresh_timeout);
    let survivor = instance(&url, refresh_timeout).await;
    let client = reqwest::Client::new();
    let body = body(&sim);

    // The doomed instance takes the lock and calls the token endpoint, which hangs...
    sim.set_token_latency(Duration::from_secs(60));
    let doomed_request = tokio::spawn({
        let (client, body, addr) = (client.clone(), body.clone(), doomed.addr);
        async move {
            let url = format!("http://{addr}{PROXY}");
            let request = client.post(url).header("Content-Type", "application/json");
            request.body(body).send().await
        }
    });
    eventually(
        "the doomed instance to call the token endpoint",
        Duration::from_secs(5),
        || sim.refresh_calls() == 1,
    )
    .await;
    let locked_at = Instant::now();
    assert!(store.is_locked(TOKENS).await.unwrap());
    sim.set_token_latency(Duration::ZERO);
    // ...and dies before it answers: its lock stays behind.
    doomed.kill();
    assert!(
        doomed_request.await.unwrap().is_err(),
        "the dead instance answers nothing"
    );
    assert!(
        store.is_locked(TOKENS).await.unwrap(),
        "a dead holder releases nothing"
    );

    // The survivor waits for the lock to expire, then refreshes with the unused refresh token.
    let response = post(&client, survivor.addr, &body).await;
    let waited = locked_at.elapsed();
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    assert!(
        waited >= Duration::from_millis(1300),
        "waited only {waited:?} for the lock"
    );
    assert!(waited < Duration::from_secs(5), "waited {waited:?}");
    assert_eq!(
        sim.refresh_calls(),
        2,
        "the dead one's call and the survivor's"
    );
    assert_eq!(tokens_used(&sim), [fixtures::FIRST_REFRESHED_ACCESS_TOKEN]);
    assert!(!store.is_locked(TOKENS).await.unwrap());
}

#[tokio::test]
async fn instances_wait_for_a_lock_taken_elsewhere_then_refresh_once() {
    let sim = Simulator::start().await.unwrap();
    let url = common::redis::fresh_url();
    let store = common::redis::store(&url).await;
    seed_stale_cache(&*store).await;
    let a = instance(&url, Duration::from_secs(20)).await;
    let b = instance(&url, Duration::from_secs(20)).await;
    // Someone (a crashed instance) took the lock for 800 ms and never comes back.
    let foreign = store
        .try_lock(TOKENS, Duration::from_millis(800))
        .await
        .unwrap();
    assert!(foreign.is_some());
    let started = Instant::now();
    let client = reqwest::Client::new();
    let body = body(&sim);
    let requests = (0..10).map(|i| post(&client, if i % 2 == 0 { a.addr } else { b.addr }, &body));
    for response in futures::future::join_all(requests).await {
        assert_eq!(response.status(), 200);
    }
    assert!(
        started.elapsed() >= Duration::from_millis(750),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(sim.refresh_calls(), 1);
    let used = tokens_used(&sim);
    assert_eq!(used, vec![fixtures::FIRST_REFRESHED_ACCESS_TOKEN; 10]);
}
