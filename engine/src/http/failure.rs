//! Transport failures turned into [`MediationError`]s with Synapse's error codes: 101503
//! connect failed, 101504 timed out, 101505 connection closed, as a fault sequence in WSO2
//! would see them.

use std::time::Duration;

use crate::error::{MediationError, codes};

/// How an exchange failed, mapped to a [`MediationError`] once the origin is known.
pub(super) enum Failure {
    TimedOut,
    Plain(hyper_util::client::legacy::Error),
    PlainBody(hyper::Error),
    Reqwest(reqwest::Error),
}

impl Failure {
    /// Synapse's codes: a timeout (connect timeouts included, as reqwest reports them) is 504
    /// with 101504; a failed connect 502 with 101503; anything later 502 with 101505.
    pub(super) fn into_error(self, target: &str, timeout: Duration) -> MediationError {
        match self {
            Failure::TimedOut => timed_out(target, timeout),
            Failure::Plain(e) if e.is_connect() => {
                if caused_by_timeout(&e) {
                    timed_out(target, timeout)
                } else {
                    connect_failed(&e, target)
                }
            }
            Failure::Plain(e) => broke_off(&e, target),
            Failure::PlainBody(e) => broke_off(&e, target),
            Failure::Reqwest(e) if e.is_timeout() => timed_out(target, timeout),
            Failure::Reqwest(e) if e.is_connect() => connect_failed(&e, target),
            Failure::Reqwest(e) if e.is_builder() => {
                MediationError::internal("invalid backend request")
                    .with_detail(format!("request to {target}: {}", root_cause(&e)))
            }
            Failure::Reqwest(e) => broke_off(&e, target),
        }
    }
}

fn caused_by_timeout(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut source = Some(e);
    while let Some(current) = source {
        if current
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::TimedOut)
        {
            return true;
        }
        source = current.source();
    }
    false
}

fn timed_out(target: &str, timeout: Duration) -> MediationError {
    MediationError::backend_timeout("backend timed out").with_detail(format!(
        "no answer from {target} within {} ms",
        timeout.as_millis()
    ))
}

fn connect_failed(e: &(dyn std::error::Error + 'static), target: &str) -> MediationError {
    MediationError::backend(codes::CONNECTION_FAILED, "backend connection failed")
        .with_detail(format!("could not connect to {target}: {}", root_cause(e)))
}

fn broke_off(e: &(dyn std::error::Error + 'static), target: &str) -> MediationError {
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
