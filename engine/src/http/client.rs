//! The one pooled HTTP client every backend call goes through.
//!
//! It turns transport failures into [`MediationError`]s that carry Synapse's error codes, so a
//! fault sequence sees the `ERROR_CODE` it would see in WSO2, and the client gets 502 or 504.
//! Error texts name the backend by scheme, host and port only: URLs can carry tokens.

use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Method, StatusCode};

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

/// A backend's complete answer.
#[derive(Debug, Clone)]
pub struct BackendResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

#[derive(Debug, Clone)]
pub struct BackendClient {
    client: reqwest::Client,
    default_timeout: Duration,
}

impl BackendClient {
    pub fn new(default_timeout: Duration) -> Result<BackendClient, String> {
        let client = reqwest::Client::builder()
            // Backends see the client's headers as they were; reqwest must not add its own.
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(default_timeout.min(Duration::from_secs(30)))
            .pool_idle_timeout(Duration::from_secs(60))
            .tcp_nodelay(true)
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        Ok(BackendClient {
            client,
            default_timeout,
        })
    }

    pub fn default_timeout(&self) -> Duration {
        self.default_timeout
    }

    pub async fn send(&self, request: BackendRequest) -> Result<BackendResponse, MediationError> {
        let target = redacted_origin(&request.url);
        let url = reqwest::Url::parse(&request.url).map_err(|e| {
            MediationError::internal("invalid backend URL")
                .with_detail(format!("`{target}` is not a valid URL: {e}"))
        })?;
        let timeout = request.timeout.unwrap_or(self.default_timeout);
        let mut builder = self
            .client
            .request(request.method.clone(), url)
            .headers(request.headers)
            .timeout(timeout);
        if let Some(body) = request.body {
            builder = builder.body(body);
        }
        let started = std::time::Instant::now();
        let response = builder
            .send()
            .await
            .map_err(|e| transport_error(&e, &target, timeout))?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response
            .bytes()
            .await
            .map_err(|e| transport_error(&e, &target, timeout))?;
        tracing::debug!(
            backend = %target,
            method = %request.method,
            status = status.as_u16(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "backend call"
        );
        Ok(BackendResponse {
            status,
            headers,
            body,
        })
    }
}

fn transport_error(e: &reqwest::Error, target: &str, timeout: Duration) -> MediationError {
    if e.is_timeout() {
        return MediationError::backend_timeout("backend timed out").with_detail(format!(
            "no answer from {target} within {} ms",
            timeout.as_millis()
        ));
    }
    if e.is_connect() {
        return MediationError::backend(codes::CONNECTION_FAILED, "backend connection failed")
            .with_detail(format!("could not connect to {target}: {}", root_cause(e)));
    }
    if e.is_builder() {
        return MediationError::internal("invalid backend request")
            .with_detail(format!("request to {target}: {}", root_cause(e)));
    }
    MediationError::backend(codes::CONNECTION_CLOSED, "backend connection failed").with_detail(
        format!("the exchange with {target} broke off: {}", root_cause(e)),
    )
}

/// The innermost error message, which says what actually went wrong (refused, reset, ...).
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut current = e;
    while let Some(next) = current.source() {
        current = next;
    }
    current.to_string()
}

/// `scheme://host:port` of a URL, without path or query (they may hold secrets).
pub fn redacted_origin(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(u) => {
            let host = u.host_str().unwrap_or("?");
            match u.port_or_known_default() {
                Some(port) => format!("{}://{host}:{port}", u.scheme()),
                None => format!("{}://{host}", u.scheme()),
            }
        }
        Err(_) => "(invalid URL)".to_string(),
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
