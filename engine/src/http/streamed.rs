//! Backend response bodies relayed to the client as they arrive, instead of being held whole.
//!
//! A body is streamed only when the backend call asked for it (the answer goes back through
//! mediators that never read the body, see [`Mediator::reads_body`](crate::mediators::Mediator::reads_body))
//! and only when it is large: [`buffer_or_stream`] reads bodies of up to [`STREAM_THRESHOLD`]
//! bytes whole, exactly as before, so small answers keep every buffered behaviour (a
//! truncated body is a 502, failover, suspension).
//!
//! Time: the endpoint's timeout covers the response head and the buffered part; after that it
//! is an idle timeout, applied to each wait for the next chunk. A backend that stalls longer,
//! resets or ends early breaks the body with an error, which makes hyper cut the client
//! connection: the client sees an incomplete response, never a clean short one.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http_body_util::BodyExt;
use hyper::body::{Body, Frame, SizeHint};
use tokio::time::{Instant, Sleep};

use crate::error::{MediationError, codes};

/// Bodies up to this size are read whole even when streaming is allowed.
pub const STREAM_THRESHOLD: usize = 256 * 1024;

type BoxError = Box<dyn std::error::Error + Send + Sync>;
type InnerBody = Pin<Box<dyn Body<Data = Bytes, Error = BoxError> + Send + Sync>>;

/// The rest of a backend's response body, still arriving. Boxed, so that the messages and
/// responses that might hold one stay small when they do not.
pub struct StreamedBody(Box<Relay>);

struct Relay {
    /// Bytes read before the body turned out to be large.
    prefix: Option<Bytes>,
    rest: InnerBody,
    /// The longest wait for the next chunk.
    idle: Duration,
    /// Armed while waiting for the backend; reset at the start of each wait, so time the
    /// client takes to read does not count.
    stall: Option<Pin<Box<Sleep>>>,
    waiting: bool,
    finished: bool,
    /// `scheme://host:port`, for the log line when the body breaks off.
    origin: String,
}

impl std::fmt::Debug for StreamedBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamedBody")
            .field("prefix", &self.0.prefix.as_ref().map(Bytes::len))
            .field("idle", &self.0.idle)
            .field("origin", &self.0.origin)
            .finish_non_exhaustive()
    }
}

/// Why a streamed body ended early.
#[derive(Debug)]
pub struct StreamError {
    /// The backend sent nothing for longer than the idle timeout.
    pub stalled: bool,
    pub message: String,
}

impl std::fmt::Display for StreamError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for StreamError {}

/// What [`buffer_or_stream`] made of a body.
pub enum Buffered {
    Whole(Bytes),
    Streaming(StreamedBody),
}

/// Reads `body` whole when it is at most [`STREAM_THRESHOLD`] bytes; otherwise returns it as a
/// [`StreamedBody`] (with what was read so far as its prefix). A declared length decides at
/// once; a body of unknown length is read until it ends or passes the threshold.
pub async fn buffer_or_stream<B>(
    mut body: B,
    idle: Duration,
    origin: impl FnOnce() -> String,
) -> Result<Buffered, B::Error>
where
    B: Body<Data = Bytes> + Send + Sync + Unpin + 'static,
    B::Error: Into<BoxError>,
{
    let hint = body.size_hint();
    let threshold = STREAM_THRESHOLD as u64;
    if hint.exact().is_some_and(|n| n <= threshold) {
        return Ok(Buffered::Whole(body.collect().await?.to_bytes()));
    }
    let mut read: Option<Bytes> = None;
    let mut joined = BytesMut::new();
    if hint.lower() <= threshold {
        while let Some(frame) = body.frame().await {
            let Ok(data) = frame?.into_data() else {
                continue; // trailers: not relayed
            };
            // The first chunk is kept as it is; only a second one costs a copy.
            match read.take() {
                None if joined.is_empty() => read = Some(data),
                None => joined.extend_from_slice(&data),
                Some(first) => {
                    joined.extend_from_slice(&first);
                    joined.extend_from_slice(&data);
                }
            }
            let len = read.as_ref().map_or(joined.len(), Bytes::len);
            if len > STREAM_THRESHOLD {
                break;
            }
        }
        let len = read.as_ref().map_or(joined.len(), Bytes::len);
        if len <= STREAM_THRESHOLD {
            return Ok(Buffered::Whole(read.unwrap_or_else(|| joined.freeze())));
        }
    }
    let prefix = read.or_else(|| (!joined.is_empty()).then(|| joined.freeze()));
    Ok(Buffered::Streaming(StreamedBody(Box::new(Relay {
        prefix,
        rest: Box::pin(body.map_err(Into::into)),
        idle,
        stall: None,
        waiting: false,
        finished: false,
        origin: origin(),
    }))))
}

impl StreamedBody {
    /// Reads the rest of the body into memory, for a mediator that turned out to need it
    /// (a fault sequence that logs the payload, say). Failures are the backend's: 502 with
    /// 101505, or 504 with 101504 when it stalled.
    pub async fn collect(self) -> Result<Bytes, MediationError> {
        let origin = self.0.origin.clone();
        let idle = self.0.idle;
        match BodyExt::collect(self).await {
            Ok(collected) => Ok(collected.to_bytes()),
            Err(e) if e.stalled => Err(MediationError::backend_timeout("backend timed out")
                .with_detail(format!(
                    "{origin} sent no part of its response body for {} ms",
                    idle.as_millis()
                ))),
            Err(e) => Err(MediationError::backend(
                codes::CONNECTION_CLOSED,
                "backend connection failed",
            )
            .with_detail(format!(
                "the response body from {origin} broke off: {}",
                e.message
            ))),
        }
    }
}

impl Relay {
    fn fail(
        &mut self,
        stalled: bool,
        message: String,
    ) -> Poll<Option<Result<Frame<Bytes>, StreamError>>> {
        self.finished = true;
        tracing::warn!(
            backend = %self.origin,
            error = %message,
            "a streamed backend response body broke off (a client it was relayed to has its connection cut)"
        );
        Poll::Ready(Some(Err(StreamError { stalled, message })))
    }
}

impl Body for StreamedBody {
    type Data = Bytes;
    type Error = StreamError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, StreamError>>> {
        let this = &mut *self.get_mut().0;
        if this.finished {
            return Poll::Ready(None);
        }
        if let Some(prefix) = this.prefix.take() {
            return Poll::Ready(Some(Ok(Frame::data(prefix))));
        }
        match this.rest.as_mut().poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                this.waiting = false;
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(Some(Err(e))) => {
                let message = root_cause(e.as_ref());
                this.fail(false, message)
            }
            Poll::Ready(None) => {
                this.finished = true;
                Poll::Ready(None)
            }
            Poll::Pending => {
                let deadline = Instant::now() + this.idle;
                let stall = this
                    .stall
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
                if !this.waiting {
                    stall.as_mut().reset(deadline);
                    this.waiting = true;
                }
                match stall.as_mut().poll(cx) {
                    Poll::Ready(()) => {
                        let message = format!("no data for {} ms", this.idle.as_millis());
                        this.fail(true, message)
                    }
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        let this = &self.0;
        this.finished || (this.prefix.is_none() && this.rest.is_end_stream())
    }

    fn size_hint(&self) -> SizeHint {
        let rest = self.0.rest.size_hint();
        let prefix = self.0.prefix.as_ref().map_or(0, |p| p.len() as u64);
        let mut hint = SizeHint::new();
        hint.set_lower(rest.lower() + prefix);
        if let Some(upper) = rest.upper() {
            hint.set_upper(upper + prefix);
        }
        hint
    }
}

/// The innermost error message (reset, early end, ...).
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut current = e;
    while let Some(next) = current.source() {
        current = next;
    }
    current.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::{Full, StreamBody};

    fn chunks(
        sizes: &[usize],
    ) -> impl Body<Data = Bytes, Error = std::io::Error> + Send + Sync + Unpin + 'static {
        let frames: Vec<Result<_, std::io::Error>> = sizes
            .iter()
            .map(|&n| Ok(Frame::data(Bytes::from(vec![b'x'; n]))))
            .collect();
        StreamBody::new(futures::stream::iter(frames))
    }

    #[tokio::test]
    async fn small_bodies_are_read_whole_and_large_ones_streamed() {
        let idle = Duration::from_secs(1);
        let whole = buffer_or_stream(Full::new(Bytes::from_static(b"abc")), idle, String::new)
            .await
            .unwrap();
        assert!(matches!(whole, Buffered::Whole(b) if b == "abc"));
        let unknown_small = buffer_or_stream(chunks(&[10, 20, 30]), idle, String::new)
            .await
            .unwrap();
        assert!(matches!(unknown_small, Buffered::Whole(b) if b.len() == 60));
        let big = STREAM_THRESHOLD / 2 + 1;
        let unknown_large = buffer_or_stream(chunks(&[big, big, big]), idle, String::new)
            .await
            .unwrap();
        let Buffered::Streaming(stream) = unknown_large else {
            panic!("a body past the threshold streams");
        };
        assert_eq!(stream.0.prefix.as_ref().map(Bytes::len), Some(2 * big));
        assert_eq!(
            stream.collect().await.unwrap().len(),
            3 * big,
            "nothing is lost"
        );
        let declared = Full::new(Bytes::from(vec![0u8; STREAM_THRESHOLD + 1]));
        let declared = buffer_or_stream(declared, idle, String::new).await.unwrap();
        let Buffered::Streaming(stream) = declared else {
            panic!("a declared large length streams at once");
        };
        assert!(stream.0.prefix.is_none());
        assert_eq!(
            stream.size_hint().exact(),
            Some(STREAM_THRESHOLD as u64 + 1)
        );
    }

    #[tokio::test]
    async fn a_stall_past_the_idle_timeout_breaks_the_body() {
        let (tx, rx) = tokio::sync::mpsc::channel::<Result<Frame<Bytes>, std::io::Error>>(1);
        let body = StreamBody::new(tokio_stream_from(rx));
        tx.send(Ok(Frame::data(Bytes::from(vec![
            1u8;
            STREAM_THRESHOLD + 1
        ]))))
        .await
        .unwrap();
        let idle = Duration::from_millis(50);
        let Buffered::Streaming(stream) = buffer_or_stream(body, idle, || "http://b:1".into())
            .await
            .unwrap()
        else {
            panic!("large");
        };
        let error = stream.collect().await.unwrap_err();
        assert_eq!((error.status, error.code), (504, codes::TIMEOUT));
        drop(tx);
    }

    fn tokio_stream_from<T: Send + 'static>(
        mut rx: tokio::sync::mpsc::Receiver<T>,
    ) -> impl futures::Stream<Item = T> + Send + Sync {
        futures::stream::poll_fn(move |cx| rx.poll_recv(cx))
    }
}
