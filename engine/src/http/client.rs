//! The one pooled HTTP client every backend call goes through.
//!
//! It turns transport failures into [`MediationError`]s that carry Synapse's error codes, so a
//! fault sequence sees the `ERROR_CODE` it would see in WSO2, and the client gets 502 or 504.
//! Error texts name the backend by scheme, host and port only: URLs can carry tokens.

use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Method, StatusCode, Uri};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};

use super::allow_list::AllowList;
use super::destination::{Destination, origin_of_url};
pub use super::destination::{plain_uri, redacted_origin};
use super::failure::Failure;
use super::streamed::{Buffered, StreamedBody, buffer_or_stream};
use crate::error::{MediationError, codes};

/// A request to a backend.
#[derive(Debug, Clone)]
pub struct BackendRequest {
    pub method: Method,
    pub url: String,
    pub headers: HeaderMap,
    pub body: Option<Bytes>,
    /// Overrides the engine-wide timeout (an endpoint's `<timeout>`).
    pub timeout: Option<Duration>,
}

/// A backend's answer: its whole body, or (from [`send_relay`](BackendClient::send_relay)
/// only) an empty `body` and the large body still arriving in `stream`.
#[derive(Debug)]
pub struct BackendResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub stream: Option<StreamedBody>,
}

/// The pooled client. Plain `http://` backends go through hyper-util's client, the cheapest
/// on the relay path; `https://` ones through reqwest with rustls.
#[derive(Debug, Clone)]
pub struct BackendClient {
    plain: Client<HttpConnector, Full<Bytes>>,
    tls: reqwest::Client,
    default_timeout: Duration,
    allowed: AllowList,
}

impl BackendClient {
    pub fn new(default_timeout: Duration) -> Result<BackendClient, String> {
        let connect_timeout = default_timeout.min(Duration::from_secs(30));
        let pool_idle = Duration::from_secs(60);
        let tls = reqwest::Client::builder()
            // Backends see the client's headers as they were; reqwest must not add its own.
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(connect_timeout)
            .pool_idle_timeout(pool_idle)
            .tcp_nodelay(true)
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        connector.set_connect_timeout(Some(connect_timeout));
        let plain = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(pool_idle)
            .pool_timer(TokioTimer::new())
            .build(connector);
        Ok(BackendClient {
            plain,
            tls,
            default_timeout,
            allowed: AllowList::default(),
        })
    }

    /// Restricts the hosts backends may be called on.
    pub fn with_allow_list(mut self, allowed: AllowList) -> BackendClient {
        self.allowed = allowed;
        self
    }

    pub fn default_timeout(&self) -> Duration {
        self.default_timeout
    }

    pub async fn send(&self, request: BackendRequest) -> Result<BackendResponse, MediationError> {
        self.send_parsed(request, None).await
    }

    /// [`send`](Self::send), with `request.url` already turned into `parsed` by [`plain_uri`]
    /// (an endpoint does it once for all its messages).
    pub async fn send_parsed(
        &self,
        request: BackendRequest,
        parsed: Option<Uri>,
    ) -> Result<BackendResponse, MediationError> {
        self.send_relay(request, parsed, false).await
    }

    /// [`send_parsed`](Self::send_parsed); with `stream_large`, a body larger than
    /// [`STREAM_THRESHOLD`](super::streamed::STREAM_THRESHOLD) is not read but returned in
    /// `stream`, for the caller to relay. The timeout then covers the head and the first part
    /// of the body, and is the idle timeout of the rest (see [`super::streamed`]).
    pub async fn send_relay(
        &self,
        request: BackendRequest,
        parsed: Option<Uri>,
        stream_large: bool,
    ) -> Result<BackendResponse, MediationError> {
        let destination = match parsed {
            Some(uri) => Destination::Plain(uri),
            None => Destination::parse(&request.url)?,
        };
        if !self.allowed.allows_everything() {
            let (host, port) = destination.host_port();
            if !self.allowed.allows(&host, port) {
                tracing::warn!(host = %host, port, allowed = %self.allowed, "backend refused by the allow-list");
                return Err(MediationError::client_status(
                    403,
                    format!("calls to {host}:{port} are not allowed"),
                )
                .with_code(codes::BACKEND_NOT_ALLOWED)
                .with_detail(format!(
                    "the operator allows backends matching: {}",
                    self.allowed
                )));
            }
        }
        let timeout = request.timeout.unwrap_or(self.default_timeout);
        let method = request.method.clone();
        let started = std::time::Instant::now();
        let response = match &destination {
            Destination::Plain(uri) => self.send_plain(uri, request, timeout, stream_large).await,
            Destination::Other(url) => self.send_tls(url, request, timeout, stream_large).await,
        }
        .map_err(|failure| failure.into_error(&destination.origin(), timeout))?;
        tracing::debug!(
            backend = %destination.origin(),
            method = %method,
            status = response.status.as_u16(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "backend call"
        );
        Ok(response)
    }

    async fn send_plain(
        &self,
        uri: &Uri,
        request: BackendRequest,
        timeout: Duration,
        stream_large: bool,
    ) -> Result<BackendResponse, Failure> {
        let mut outgoing = http::Request::new(Full::new(request.body.unwrap_or_default()));
        *outgoing.method_mut() = request.method;
        *outgoing.uri_mut() = uri.clone();
        *outgoing.headers_mut() = request.headers;
        let exchange = async {
            let response = self.plain.request(outgoing).await.map_err(Failure::Plain)?;
            let (parts, body) = response.into_parts();
            // The origin (for a log line) is only built for a body that does stream.
            let origin = || Destination::Plain(uri.clone()).origin();
            let (body, stream) = if !stream_large {
                (
                    body.collect().await.map_err(Failure::PlainBody)?.to_bytes(),
                    None,
                )
            } else {
                match buffer_or_stream(body, timeout, origin)
                    .await
                    .map_err(Failure::PlainBody)?
                {
                    Buffered::Whole(body) => (body, None),
                    Buffered::Streaming(stream) => (Bytes::new(), Some(stream)),
                }
            };
            Ok(BackendResponse {
                status: parts.status,
                headers: parts.headers,
                body,
                stream,
            })
        };
        match tokio::time::timeout(timeout, exchange).await {
            Ok(result) => result,
            Err(_) => Err(Failure::TimedOut),
        }
    }

    async fn send_tls(
        &self,
        url: &reqwest::Url,
        request: BackendRequest,
        timeout: Duration,
        stream_large: bool,
    ) -> Result<BackendResponse, Failure> {
        let mut builder = self
            .tls
            .request(request.method, url.clone())
            .headers(request.headers);
        if !stream_large {
            // reqwest's own timeout runs until the body is read: not for a streamed one.
            builder = builder.timeout(timeout);
        }
        if let Some(body) = request.body {
            builder = builder.body(body);
        }
        if !stream_large {
            let response = builder.send().await.map_err(Failure::Reqwest)?;
            let status = response.status();
            let headers = response.headers().clone();
            let body = response.bytes().await.map_err(Failure::Reqwest)?;
            return Ok(BackendResponse {
                status,
                headers,
                body,
                stream: None,
            });
        }
        let exchange = async {
            let response = builder.send().await.map_err(Failure::Reqwest)?;
            let (status, headers) = (response.status(), response.headers().clone());
            let body = reqwest::Body::from(response);
            let (body, stream) = match buffer_or_stream(body, timeout, || origin_of_url(url))
                .await
                .map_err(Failure::Reqwest)?
            {
                Buffered::Whole(body) => (body, None),
                Buffered::Streaming(stream) => (Bytes::new(), Some(stream)),
            };
            Ok(BackendResponse {
                status,
                headers,
                body,
                stream,
            })
        };
        match tokio::time::timeout(timeout, exchange).await {
            Ok(result) => result,
            Err(_) => Err(Failure::TimedOut),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_hide_paths_and_queries() {
        assert_eq!(
            redacted_origin("https://api.getgo.com/oauth/access_token?refresh_token=SECRET"),
            "https://api.getgo.com:443"
        );
        assert_eq!(
            redacted_origin("http://127.0.0.1:9/x"),
            "http://127.0.0.1:9"
        );
        assert_eq!(redacted_origin("not a url"), "(invalid URL)");
    }

    /// The fast path must give exactly what the WHATWG parser gives, or step aside.
    #[test]
    fn plain_uris_match_the_url_parser_or_step_aside() {
        for url in [
            "http://127.0.0.1:9000/b/1024",
            "http://localhost:8280/G2W/rest/organizers/1/webinars/2/sessions/3",
            "http://api.example.com/x?a=1&b=%20c",
            "http://example.com",
            "http://example.com:8080/?q=1",
            "http://example.com/x?a=../b&c=%2E",
            "http://example.com/a.b/..c/%2f/%2",
        ] {
            let fast = plain_uri(url).unwrap_or_else(|| panic!("{url} should take the fast path"));
            let full = reqwest::Url::parse(url)
                .unwrap()
                .as_str()
                .parse::<Uri>()
                .unwrap();
            assert_eq!(fast.authority(), full.authority(), "{url}");
            assert_eq!(
                fast.path_and_query()
                    .map(|p| p.as_str())
                    .filter(|p| !p.is_empty())
                    .unwrap_or("/"),
                full.path_and_query().map(|p| p.as_str()).unwrap_or("/"),
                "{url}"
            );
        }
        for url in [
            "https://example.com/",
            "http://Example.com/",
            "http://example.com:80/",
            "http://example.com:080/",
            "http://user:pw@example.com/",
            "http://[::1]:8080/",
            "http://127.1/",
            "http://0x7f.0.0.1/",
            "http://foo.123/",
            "http://xn--nxasmq6b.com/",
            "http://example.com/a/../b",
            "http://example.com/a/%2e%2e/b",
            "http://example.com/a/%2E/b",
            "http://example.com/a/.",
            "http://example.com/./a",
            "http://example.com/a b",
            "http://example.com/{x}",
            "http://example.com/x?q='1'",
            "http://example.com/x#frag",
            "http://example.com:8080?q=1",
            "http://example.com\\x",
            "http://bücher.de/",
        ] {
            assert!(plain_uri(url).is_none(), "{url} must take the full parser");
        }
    }

    #[tokio::test]
    async fn refused_connections_are_502_with_connect_code() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let client = BackendClient::new(Duration::from_secs(5)).unwrap();
        let err = client
            .send(BackendRequest {
                method: Method::GET,
                url: format!("http://127.0.0.1:{port}/x?token=SECRET"),
                headers: HeaderMap::new(),
                body: None,
                timeout: None,
            })
            .await
            .unwrap_err();
        assert_eq!((err.status, err.code), (502, codes::CONNECTION_FAILED));
        assert!(!err.to_string().contains("SECRET"));
    }
}
