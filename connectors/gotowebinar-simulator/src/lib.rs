//! An in-process simulator of the GoToWebinar REST API (**v1**, and v2 below), for end-to-end tests and
//! demos of oxynapse's GoToWebinar connector.
//!
//! [`Simulator::start`] serves on `127.0.0.1:<ephemeral port>`; give [`Simulator::url`] to
//! the connector as `apiUrl`.
//!
//! # What it simulates
//! - All 36 operations of WSO2 connector 1.0.3 under `/G2W/rest/organizers/{organizerKey}/...`,
//!   with the methods, paths, query parameters and success statuses of the v1 swagger, plus
//!   the three v1 calls the connector does not cover (delete panelist, resend a panelist's
//!   invitation, account webinars). Bodies follow the v1 schemas, with 19-digit keys written
//!   as JSON numbers (strings where the schema says string, e.g. `CreatedWebinar.webinarKey`).
//! - The raw-token `Authorization` check (403 `InvalidToken`) and the OAuth refresh call
//!   `GET /oauth/access_token`, with rotating refresh tokens and forced failures.
//! - Errors: 400 `InvalidRequest` for a malformed key, time, e-mail or body; 404 `NotFound`
//!   for unknown records and paths; 403 `Forbidden` for an organizer key other than
//!   [`fixtures::ORGANIZER_KEY`]; 405 for a known path with the wrong method; 409
//!   `DuplicateRegistrant`.
//! - The seven CORS/ETag headers the real API sends on success, which the connector strips.
//! - A record of every request, and configurable latencies (of the API, and of the token
//!   endpoint) for timeout and concurrency tests.
//!
//! - REST v2 under `/G2W/rest/v2/...` with Bearer tokens, its paging wrappers and ranged
//!   webinar list, GoTo's OAuth 2.0 token endpoint `POST /oauth/token` (Basic client
//!   authentication, refresh and personal-access-token grants, tokens with a configurable
//!   TTL), and `GET /admin/rest/v1/me` (see `oauth2.rs` and `routes/v2.rs`).
//! - An optional rate limit: 429 past a configurable number of API calls per second.
//!
//! # What it does not
//! - No TLS, no HTTP/2. v2 items keep v1's shapes inside the v2 wrappers.
//! - Registrants, panelists and co-organizers are one list shared by all webinars. Created
//!   records persist and can be deleted; fixture records are permanent (deleting one
//!   answers 204 and changes nothing), so the fixtures always answer the same way.
//!   updateWebinar and updateAudioInformation validate and acknowledge but change nothing.
//! - Times are compared as text; offsets in query times are not applied.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use gotowebinar_simulator::{fixtures, Simulator};
//! let sim = Simulator::start().await?;
//! let url = format!(
//!     "{}/G2W/rest/organizers/{}/webinars/{}/sessions",
//!     sim.url(), fixtures::ORGANIZER_KEY, fixtures::WEBINAR_KEY
//! );
//! // GET `url` with `Authorization: UEGGrwswKRwB07lTOr0EoppdaxKo` → 200, two sessions.
//! # Ok(()) }
//! ```

mod auth;
pub mod fixtures;
mod oauth2;
mod rate;
mod reply;
mod routes;
mod server;
mod store;
mod text;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// A running simulator. Dropping it stops the server and every open connection.
#[derive(Debug)]
pub struct Simulator {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

/// State shared by the server task and the [`Simulator`] handle.
#[derive(Debug, Default)]
pub(crate) struct Shared {
    requests: Mutex<Vec<RecordedRequest>>,
    /// When each recorded request arrived, in the same order.
    times: Mutex<Vec<Instant>>,
    auth: Mutex<auth::AuthState>,
    bearer: Mutex<oauth2::BearerState>,
    rate: Mutex<rate::RateState>,
    store: Mutex<store::Store>,
    latency: Mutex<Duration>,
    token_latency: Mutex<Duration>,
    /// Numbers error bodies (`incident`).
    incidents: AtomicU64,
}

/// Locks a mutex, recovering the data if a panicking thread poisoned it: the simulator's
/// state stays usable even after a failed assertion elsewhere.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Simulator {
    /// Binds `127.0.0.1:0` and serves in a spawned tokio task until dropped.
    pub async fn start() -> std::io::Result<Simulator> {
        Simulator::start_on(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await
    }

    /// Binds the given address (for the runnable example and demos) and serves on it.
    pub async fn start_on(addr: SocketAddr) -> std::io::Result<Simulator> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared::default());
        let task = tokio::spawn(server::serve(listener, Arc::clone(&shared)));
        Ok(Simulator { addr, shared, task })
    }

    /// `http://127.0.0.1:PORT`: what a client passes as `apiUrl`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Every request received, in order, including token refreshes and rejected requests.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.requests).clone()
    }

    /// Forgets the recorded requests.
    pub fn clear_requests(&self) {
        let mut requests = lock(&self.shared.requests);
        requests.clear();
        lock(&self.shared.times).clear();
    }

    /// Every request received with the instant it arrived, in order.
    pub fn requests_with_times(&self) -> Vec<(Instant, RecordedRequest)> {
        let requests = lock(&self.shared.requests);
        let times = lock(&self.shared.times);
        times
            .iter()
            .copied()
            .zip(requests.iter().cloned())
            .collect()
    }

    /// Number of calls to the OAuth 2.0 token endpoint `POST /oauth/token`.
    pub fn token_calls(&self) -> usize {
        lock(&self.shared.bearer).calls
    }

    /// How long Bearer tokens issued from now on stay valid (default one hour); the answer's
    /// `expires_in` says the same, rounded up to whole seconds.
    pub fn set_token_ttl(&self, ttl: Duration) {
        lock(&self.shared.bearer).ttl = ttl;
    }

    /// Makes `token` answer 403 `InvalidToken` on v2 calls from now on, as an expired one.
    pub fn expire_token(&self, token: &str) {
        lock(&self.shared.bearer).expire(token);
    }

    /// When `true`, refresh answers carry no `refresh_token` and the current refresh token
    /// stays valid, as GoTo does until a refresh token itself expires.
    pub fn omit_refresh_token(&self, omit: bool) {
        lock(&self.shared.bearer).omit_refresh_token = omit;
    }

    /// Answers 429 to API calls past `per_second` in any one-second window (`None`: no limit).
    pub fn set_rate_limit(&self, per_second: Option<u32>) {
        lock(&self.shared.rate).limit = per_second;
    }

    /// Number of calls to `/oauth/access_token`, whatever they answered.
    pub fn refresh_calls(&self) -> usize {
        lock(&self.shared.auth).calls
    }

    /// Accepts `token` in the `Authorization` header from now on. Initially only
    /// [`fixtures::ACCESS_TOKEN`] is accepted (plus the tokens each refresh issues).
    pub fn accept_token(&self, token: &str) {
        lock(&self.shared.auth).accept(token);
    }

    /// Stops accepting `token`: API calls carrying it get 403 `InvalidToken`.
    pub fn revoke_token(&self, token: &str) {
        lock(&self.shared.auth).revoke(token);
    }

    /// Makes `/oauth/access_token` answer this status and body (sent as JSON) until cleared
    /// with `None`. Nothing about the tokens changes while it is set. A status outside
    /// 100..=999 is sent as 500.
    pub fn fail_token_endpoint(&self, failure: Option<(u16, String)>) {
        lock(&self.shared.auth).failure = failure;
    }

    /// Delays every API response (not the token endpoint) by `latency`, for timeout tests.
    pub fn set_latency(&self, latency: Duration) {
        *lock(&self.shared.latency) = latency;
    }

    /// Delays the token endpoint's calls arriving from now on by `latency`, before they are
    /// processed (they count in [`refresh_calls`](Self::refresh_calls) at once): a refresh in
    /// flight for tests of concurrent and abandoned refreshes.
    pub fn set_token_latency(&self, latency: Duration) {
        *lock(&self.shared.token_latency) = latency;
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        // Aborting the accept loop drops its JoinSet, which aborts the connection tasks.
        self.task.abort();
    }
}

/// One request as the simulator received it.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path only, with percent-encoding as received.
    pub path: String,
    /// The raw query string without `?`.
    pub query: Option<String>,
    /// Header names lower-cased, in the order received (values decoded lossily as UTF-8).
    pub headers: Vec<(String, String)>,
    /// The body bytes as received.
    pub body: Bytes,
}

impl RecordedRequest {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body parsed as JSON, if it is JSON.
    pub fn body_json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_request_helpers() {
        let request = RecordedRequest {
            method: "POST".into(),
            path: "/x".into(),
            query: None,
            headers: vec![("content-type".into(), "application/json".into())],
            body: Bytes::from_static(br#"{"webinarKey":6487648931392511233}"#),
        };
        assert_eq!(request.header("Content-Type"), Some("application/json"));
        assert_eq!(request.header("accept"), None);
        let json = request.body_json().expect("json body");
        assert_eq!(json["webinarKey"].to_string(), "6487648931392511233");
        let not_json = RecordedRequest {
            body: Bytes::from_static(b"\xff"),
            ..request
        };
        assert!(not_json.body_json().is_none());
    }
}
