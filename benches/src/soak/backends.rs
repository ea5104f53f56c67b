//! The soak's backends, in the load generator's process: a JSON echo (the good paths), and
//! four faults: a refused port, a backend that never answers, one that resets the connection
//! mid-response, and one that answers 500 with HTML.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::HTML_500;

/// What the reset backend sends before resetting: a head promising 1000 bytes, and 5 of them.
const RESET_PREFIX: &[u8] =
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"a\":";

/// Connections a backend has accepted, and how many are open now (for leak hunting: an
/// engine that never closes its side keeps them open).
#[derive(Debug, Default)]
pub struct Gauge {
    pub accepted: AtomicU64,
    pub open: AtomicI64,
}

impl Gauge {
    fn enter(self: &Arc<Self>) -> GaugeGuard {
        self.accepted.fetch_add(1, Ordering::Relaxed);
        self.open.fetch_add(1, Ordering::Relaxed);
        GaugeGuard(self.clone())
    }

    pub fn snapshot(&self) -> (u64, i64) {
        (
            self.accepted.load(Ordering::Relaxed),
            self.open.load(Ordering::Relaxed),
        )
    }
}

struct GaugeGuard(Arc<Gauge>);

impl Drop for GaugeGuard {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The ports of the running backends, and their connection gauges.
#[derive(Debug)]
pub struct Backends {
    pub echo: u16,
    pub refused: u16,
    pub hang: u16,
    pub reset: u16,
    pub html500: u16,
    pub echo_gauge: Arc<Gauge>,
    pub hang_gauge: Arc<Gauge>,
    pub reset_gauge: Arc<Gauge>,
    pub html500_gauge: Arc<Gauge>,
}

impl Backends {
    /// Binds every backend on 127.0.0.1 and serves them on the current runtime.
    pub async fn start() -> std::io::Result<Backends> {
        let echo_gauge = Arc::new(Gauge::default());
        let hang_gauge = Arc::new(Gauge::default());
        let reset_gauge = Arc::new(Gauge::default());
        let html500_gauge = Arc::new(Gauge::default());
        Ok(Backends {
            echo: serve_http(false, echo_gauge.clone()).await?,
            refused: refused_port()?,
            hang: serve_raw(hang, hang_gauge.clone()).await?,
            reset: serve_raw(reset, reset_gauge.clone()).await?,
            html500: serve_http(true, html500_gauge.clone()).await?,
            echo_gauge,
            hang_gauge,
            reset_gauge,
            html500_gauge,
        })
    }
}

/// A port nothing listens on: bound, then released. (Another process could take it in
/// between; the soak would then see other answers there, and say so.)
fn refused_port() -> std::io::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

/// An HTTP/1.1 backend with keep-alive: the echo (200, the request's body and content type),
/// or with `html_500` a 500 with [`HTML_500`].
async fn serve_http(html_500: bool, gauge: Arc<Gauge>) -> std::io::Result<u16> {
    serve_raw(
        move |stream: TcpStream| async move {
            let _ = stream.set_nodelay(true);
            let service = service_fn(move |request| answer(request, html_500));
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        },
        gauge,
    )
    .await
}

async fn answer(
    request: Request<Incoming>,
    html_500: bool,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let content_type = request.headers().get("content-type").cloned();
    let body = match request.into_body().collect().await {
        Ok(body) => body.to_bytes(),
        Err(_) => Bytes::new(),
    };
    let mut response = if html_500 {
        let mut r = Response::new(Full::new(Bytes::from_static(HTML_500.as_bytes())));
        *r.status_mut() = http::StatusCode::INTERNAL_SERVER_ERROR;
        r.headers_mut().insert(
            "content-type",
            http::HeaderValue::from_static("text/html; charset=UTF-8"),
        );
        r
    } else {
        let mut r = Response::new(Full::new(body));
        r.headers_mut().insert(
            "content-type",
            content_type.unwrap_or(http::HeaderValue::from_static("application/json")),
        );
        r
    };
    response
        .headers_mut()
        .insert("server", http::HeaderValue::from_static("oxy-soak"));
    Ok(response)
}

/// A TCP backend: `handle` gets each connection, counted in `gauge` while it runs.
async fn serve_raw<F, Fut>(handle: F, gauge: Arc<Gauge>) -> std::io::Result<u16>
where
    F: Fn(TcpStream) -> Fut + Send + Copy + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    tokio::spawn(async move {
        loop {
            let stream = match listener.accept().await {
                Ok((stream, _)) => stream,
                Err(_) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                    continue;
                }
            };
            let guard = gauge.enter();
            tokio::spawn(async move {
                handle(stream).await;
                drop(guard);
            });
        }
    });
    Ok(port)
}

/// Reads and discards whatever comes until the peer closes: the engine must give up at its
/// endpoint timeout and close (or reuse) the connection.
async fn hang(mut stream: TcpStream) {
    let mut buf = vec![0u8; 8 * 1024];
    while let Ok(n) = stream.read(&mut buf).await {
        if n == 0 {
            break;
        }
    }
}

/// Reads a request head, sends [`RESET_PREFIX`], and closes with SO_LINGER 0 (an RST).
async fn reset(mut stream: TcpStream) {
    let mut request = vec![0u8; 16 * 1024];
    let mut read = 0;
    while !request[..read].windows(4).any(|w| w == b"\r\n\r\n") {
        if read == request.len() {
            return;
        }
        match stream.read(&mut request[read..]).await {
            Ok(0) | Err(_) => return,
            Ok(n) => read += n,
        }
    }
    let _ = stream.write_all(RESET_PREFIX).await;
    let _ = stream.flush().await;
    let _ = stream.set_zero_linger();
    drop(stream);
}
