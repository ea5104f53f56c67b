//! The HTTP/1.1 server: accept loop, request recording, latency, and the hand-off to the
//! token endpoint or the API routes.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::task::JoinSet;

use crate::reply::Reply;
use crate::{RecordedRequest, Shared, lock, oauth2, routes};

/// Bodies above this size are refused with 413 (and recorded without their body).
const MAX_BODY: usize = 8 * 1024 * 1024;

/// The token endpoint's path, outside `/G2W/rest` as on the real service.
const TOKEN_PATH: &str = "/oauth/access_token";

/// Incident numbers start here so that they look like the API's 19-digit incident ids.
const INCIDENT_BASE: u64 = 3_141_592_653_589_793_000;

/// Accepts connections until the task is aborted. Connection tasks live in a `JoinSet`
/// owned by this future, so aborting it closes every connection too.
pub(crate) async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => {
                    let _ = stream.set_nodelay(true);
                    let shared = Arc::clone(&shared);
                    connections.spawn(async move {
                        let service = service_fn(move |request| {
                            let shared = Arc::clone(&shared);
                            async move { Ok::<_, Infallible>(handle(&shared, request).await) }
                        });
                        // A client that hangs up mid-request is not our problem.
                        let _ = http1::Builder::new()
                            .serve_connection(TokioIo::new(stream), service)
                            .await;
                    });
                }
                // Out of file descriptors and the like: back off instead of spinning.
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

/// Records one request, then answers it.
async fn handle(shared: &Shared, request: Request<Incoming>) -> Response<Full<Bytes>> {
    let (parts, body) = request.into_parts();
    let (body, too_large) = match Limited::new(body, MAX_BODY).collect().await {
        Ok(collected) => (collected.to_bytes(), false),
        Err(_) => (Bytes::new(), true),
    };
    let recorded = RecordedRequest {
        method: parts.method.as_str().to_string(),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().map(str::to_string),
        headers: parts
            .headers
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_ascii_lowercase(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body,
    };
    let now = std::time::Instant::now();
    {
        let mut requests = lock(&shared.requests);
        requests.push(recorded.clone());
        lock(&shared.times).push(now);
    }

    let reply = if recorded.path == TOKEN_PATH {
        lock(&shared.auth).calls += 1;
        // The delay comes before the refresh is processed: a caller that gives up (or dies)
        // meanwhile leaves the refresh token unused.
        let latency = *lock(&shared.token_latency);
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
        lock(&shared.auth).token_endpoint(&recorded)
    } else if recorded.path == oauth2::TOKEN_PATH {
        let mut bearer = lock(&shared.bearer);
        bearer.calls += 1;
        bearer.token_endpoint(&recorded)
    } else if let Some(limit) = lock(&shared.rate).over_limit(now) {
        Reply::TooManyRequests { limit }
    } else if recorded.path == oauth2::ME_PATH {
        let token = oauth2::bearer(&recorded).unwrap_or_default();
        let v1_accepted = lock(&shared.auth).is_accepted(token);
        let valid = !token.is_empty() && lock(&shared.bearer).is_valid(token, v1_accepted);
        oauth2::me(&recorded, valid)
    } else {
        let latency = *lock(&shared.latency);
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
        if too_large {
            Reply::too_large()
        } else {
            routes::dispatch(shared, &recorded)
        }
    };
    let incident = match reply {
        Reply::ApiError { .. } => INCIDENT_BASE + shared.incidents.fetch_add(1, Ordering::Relaxed),
        _ => 0,
    };
    reply.into_response(incident)
}
