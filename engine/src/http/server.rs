//! The listeners: the services one (`/services/{proxy}[/...]` and API contexts, for every
//! method, and `/healthz`), and the management one (`/management/artifacts`, `/metrics`,
//! `/healthz`).
//!
//! Bodies are read up to the configured limit (413 beyond it) and handed to the engine as
//! they are; nothing parses them unless an expression asks.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderValue};
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Either, Full, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, oneshot};
use tokio::task::JoinHandle;

use crate::context::OutgoingResponse;
use crate::engine::Engine;
use crate::error::MediationError;
use crate::handler::error_response;
use crate::http::streamed::StreamedBody;

/// A response body: whole, or relayed from a backend as it arrives.
type ResponseBody = Either<Full<Bytes>, StreamedBody>;

/// A running server; dropping the handle leaves it running, `shutdown` stops it.
pub struct ServerHandle {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl ServerHandle {
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting, lets requests in flight finish, and waits for the server to end.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.task).await;
    }
}

/// Which API a listener serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Services,
    Management,
}

/// Binds `addr` and serves `engine`'s proxies in a background task.
pub async fn start(engine: Arc<Engine>, addr: SocketAddr) -> std::io::Result<ServerHandle> {
    start_role(engine, addr, Role::Services).await
}

/// Binds `addr` and serves the management API in a background task.
pub async fn start_management(
    engine: Arc<Engine>,
    addr: SocketAddr,
) -> std::io::Result<ServerHandle> {
    start_role(engine, addr, Role::Management).await
}

async fn start_role(
    engine: Arc<Engine>,
    addr: SocketAddr,
    role: Role,
) -> std::io::Result<ServerHandle> {
    let listener = TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        serve_role(listener, engine, role, async {
            let _ = stopped.await;
        })
        .await;
    });
    Ok(ServerHandle {
        addr,
        stop: Some(stop),
        task,
    })
}

/// Serves proxies on `listener` until `shutdown` completes, then lets the requests in flight
/// finish, for at most the engine's `shutdown_grace`.
pub async fn serve(listener: TcpListener, engine: Arc<Engine>, shutdown: impl Future<Output = ()>) {
    serve_role(listener, engine, Role::Services, shutdown).await;
}

/// Serves the management API on `listener` until `shutdown` completes.
pub async fn serve_management(
    listener: TcpListener,
    engine: Arc<Engine>,
    shutdown: impl Future<Output = ()>,
) {
    serve_role(listener, engine, Role::Management, shutdown).await;
}

async fn serve_role(
    listener: TcpListener,
    engine: Arc<Engine>,
    role: Role,
    shutdown: impl Future<Output = ()>,
) {
    let settings = engine.services().settings().clone();
    let grace = settings.shutdown_grace;
    let limits = settings.limits;
    let mut http1 = hyper::server::conn::http1::Builder::new();
    http1
        .keep_alive(true)
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .max_header_size(limits.max_header_bytes);
    if limits.max_headers != 100 {
        // hyper's default of 100 lives on the stack; another count costs a heap allocation.
        http1.max_headers(limits.max_headers);
    }
    let connections = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        // At the connection limit, stop accepting: new clients wait in the listen queue.
        let permit = tokio::select! {
            permit = connections.clone().acquire_owned() => permit.expect("the semaphore is never closed"),
            () = &mut shutdown => break,
        };
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let (stream, _) = match accepted {
            Ok(pair) => pair,
            Err(e) => {
                // Out of file descriptors and the like: back off instead of spinning.
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let engine = engine.clone();
        let service = service_fn(move |request| {
            let engine = engine.clone();
            async move {
                Ok::<_, Infallible>(match role {
                    Role::Services => handle(engine, request).await,
                    Role::Management => handle_management(&engine, &request),
                })
            }
        });
        let connection = http1.serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            let _permit = permit;
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            grace_ms = grace.as_millis() as u64,
            "requests still running after the grace period were cut off"
        );
    }
}

fn handle_management(engine: &Engine, request: &Request<Incoming>) -> Response<ResponseBody> {
    match (request.method(), request.uri().path()) {
        (&http::Method::GET, "/management/artifacts") => {
            let body = crate::http::management::artifacts(&engine.deployment()).to_string();
            json_response(StatusCode::OK, Bytes::from(body))
        }
        (&http::Method::GET, "/metrics") => {
            let text = Bytes::from(engine.services().metrics().render());
            let mut response = Response::new(Either::Left(Full::new(text)));
            response.headers_mut().insert(
                CONTENT_TYPE,
                HeaderValue::from_static(crate::metrics::CONTENT_TYPE),
            );
            response
        }
        (_, "/healthz") => health(engine),
        (_, path) => {
            let error = MediationError::client_status(404, "not found").with_detail(format!(
                "`{path}` is not part of the management API; try GET /management/artifacts or GET /metrics"
            ));
            into_response(error_response(&error))
        }
    }
}

fn json_response(status: StatusCode, body: Bytes) -> Response<ResponseBody> {
    let mut response = Response::new(Either::Left(Full::new(body)));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

async fn handle(engine: Arc<Engine>, request: Request<Incoming>) -> Response<ResponseBody> {
    let path = request.uri().path();
    if path == "/healthz" {
        return health(&engine);
    }
    let (parts, body) = request.into_parts();
    let limit = engine.services().settings().max_request_body;
    let declared = parts
        .headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return into_response(error_response(&too_large(limit)));
    }
    let body = match Limited::new(body, limit).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e)
            if e.downcast_ref::<http_body_util::LengthLimitError>()
                .is_some() =>
        {
            return into_response(error_response(&too_large(limit)));
        }
        Err(e) => {
            let error = MediationError::client("could not read the request body")
                .with_detail(e.to_string());
            return into_response(error_response(&error));
        }
    };
    let path_and_query = parts.uri.path_and_query().map_or_else(
        || parts.uri.path().to_string(),
        |pq| pq.as_str().to_string(),
    );
    let response = engine
        .handle_streaming(parts.method, path_and_query, parts.headers, body)
        .await;
    into_response(response)
}

fn too_large(limit: usize) -> MediationError {
    MediationError::client_status(413, "request body too large")
        .with_detail(format!("the limit is {limit} bytes"))
}

fn health(engine: &Engine) -> Response<ResponseBody> {
    let (status, body) = if engine.is_ready() {
        (StatusCode::OK, r#"{"status":"ok"}"#)
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, r#"{"status":"starting"}"#)
    };
    json_response(status, Bytes::from_static(body.as_bytes()))
}

fn into_response(out: OutgoingResponse) -> Response<ResponseBody> {
    let body = match out.stream {
        None => Either::Left(Full::new(out.body)),
        // hyper sends Content-Length when the backend declared one (the body's size hint),
        // else chunks; an error from the body cuts the connection.
        Some(stream) => Either::Right(stream),
    };
    let mut response = Response::new(body);
    *response.status_mut() = out.status;
    *response.headers_mut() = out.headers;
    response
}
