//! Endpoint suspension, as Synapse's `EndpointContext` defines it.
//!
//! ```xml
//! <address uri="http://backend:9000/orders">
//!     <markForSuspension>
//!         <errorCodes>101504,101505</errorCodes>
//!         <retriesBeforeSuspension>3</retriesBeforeSuspension>
//!         <retryDelay>10</retryDelay>
//!     </markForSuspension>
//!     <suspendOnFailure>
//!         <errorCodes>101503</errorCodes>
//!         <initialDuration>1000</initialDuration>
//!         <progressionFactor>2</progressionFactor>
//!         <maximumDuration>64000</maximumDuration>
//!     </suspendOnFailure>
//! </address>
//! ```
//!
//! * An error whose code is listed under `markForSuspension` (by default the timeout codes
//!   101504 and 101505) puts the endpoint in the timeout state; after
//!   `retriesBeforeSuspension` more such failures (0 by default) it is suspended.
//! * Any other error suspends it, unless `suspendOnFailure` lists codes and this is not one.
//! * A suspension lasts `initialDuration` (30 s when unset), multiplied by
//!   `progressionFactor` on each further suspension, up to `maximumDuration`.
//! * While suspended, calls fail at once with `ERROR_CODE` 303001; a success makes the
//!   endpoint active again.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::error::{ErrorSource, MediationError, codes};

/// Synapse's error code for a call to a suspended endpoint.
pub const SUSPENDED: i64 = 303001;

#[derive(Debug, Clone, PartialEq)]
pub struct SuspensionConfig {
    /// Codes that suspend; empty means every code not listed in `mark_codes`.
    pub suspend_codes: Vec<i64>,
    pub initial: Duration,
    pub progression: f64,
    pub maximum: Duration,
    /// Codes that mark the endpoint as timed out first.
    pub mark_codes: Vec<i64>,
    pub retries_before_suspension: u32,
    pub retry_delay: Duration,
}

impl Default for SuspensionConfig {
    fn default() -> Self {
        SuspensionConfig {
            suspend_codes: Vec::new(),
            initial: Duration::from_millis(30_000),
            progression: 1.0,
            maximum: Duration::from_millis(i64::MAX as u64),
            mark_codes: vec![codes::TIMEOUT, codes::CONNECTION_CLOSED],
            retries_before_suspension: 0,
            retry_delay: Duration::ZERO,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum State {
    Active,
    /// Marked after a timeout-class error: usable again after the retry delay.
    TimedOut {
        retries_left: u32,
        until: Instant,
    },
    Suspended {
        until: Instant,
    },
}

#[derive(Debug)]
pub struct Suspension {
    config: SuspensionConfig,
    state: Mutex<State>,
    /// The duration of the last suspension, for the progression.
    last: Mutex<Option<Duration>>,
}

impl Suspension {
    pub fn new(config: SuspensionConfig) -> Self {
        Suspension {
            config,
            state: Mutex::new(State::Active),
            last: Mutex::new(None),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// `Err` (303001) while the endpoint is suspended or waiting out its retry delay.
    pub fn check(&self, endpoint: &str) -> Result<(), MediationError> {
        self.check_with(|| endpoint.to_string())
    }

    /// [`check`](Self::check), naming the endpoint only if it is suspended.
    pub fn check_with(&self, endpoint: impl FnOnce() -> String) -> Result<(), MediationError> {
        let now = Instant::now();
        let until = match *self.state() {
            State::Suspended { until, .. } if until > now => until,
            State::TimedOut { until, .. } if until > now => until,
            _ => return Ok(()),
        };
        let mut error = MediationError::backend(
            SUSPENDED,
            format!("Currently, endpoint {} is suspended", endpoint()),
        )
        .with_detail(format!(
            "the endpoint failed and is not called again for another {} ms",
            (until - now).as_millis()
        ));
        error.status = 503;
        Err(error)
    }

    pub fn on_success(&self) {
        *self.state() = State::Active;
        *self.last.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// Records a failure; only transport failures (backend errors) count.
    pub fn on_error(&self, error: &MediationError) {
        if error.source != ErrorSource::Backend || error.code == SUSPENDED {
            return;
        }
        let now = Instant::now();
        let config = &self.config;
        let mut state = self.state();
        if config.mark_codes.contains(&error.code) {
            let retries_left = match *state {
                State::TimedOut { retries_left, .. } => retries_left,
                _ => config.retries_before_suspension,
            };
            if retries_left > 0 {
                *state = State::TimedOut {
                    retries_left: retries_left - 1,
                    until: now + config.retry_delay,
                };
                return;
            }
        } else if !config.suspend_codes.is_empty() && !config.suspend_codes.contains(&error.code) {
            return;
        }
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        let lasted = match *last {
            None => config.initial,
            Some(previous) => previous.mul_f64(config.progression.max(1.0)),
        }
        .min(config.maximum);
        *last = Some(lasted);
        *state = State::Suspended {
            until: now + lasted,
        };
    }

    /// True while calls would fail fast (for status displays).
    pub fn is_suspended(&self) -> bool {
        self.check("").is_err()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused() -> MediationError {
        MediationError::backend(codes::CONNECTION_FAILED, "refused")
    }

    fn timeout() -> MediationError {
        MediationError::backend_timeout("slow")
    }

    #[test]
    fn defaults_suspend_on_any_failure_for_thirty_seconds() {
        let s = Suspension::new(SuspensionConfig::default());
        assert!(s.check("e").is_ok());
        s.on_error(&refused());
        let err = s.check("e").unwrap_err();
        assert_eq!((err.code, err.status), (SUSPENDED, 503));
        assert!(err.detail.contains("ms"));
        // Client errors never suspend.
        let s = Suspension::new(SuspensionConfig::default());
        s.on_error(&MediationError::client("bad input"));
        assert!(s.check("e").is_ok());
    }

    #[test]
    fn timeouts_count_down_retries_first() {
        let s = Suspension::new(SuspensionConfig {
            retries_before_suspension: 2,
            ..SuspensionConfig::default()
        });
        s.on_error(&timeout());
        assert!(s.check("e").is_ok(), "first timeout only marks");
        s.on_error(&timeout());
        assert!(s.check("e").is_ok());
        s.on_error(&timeout());
        assert!(s.check("e").is_err(), "retries exhausted");
        s.on_success();
        assert!(s.check("e").is_ok());
    }

    #[test]
    fn listed_codes_only_and_progression() {
        let s = Suspension::new(SuspensionConfig {
            suspend_codes: vec![codes::CONNECTION_CLOSED + 1],
            mark_codes: Vec::new(),
            initial: Duration::from_millis(1),
            ..SuspensionConfig::default()
        });
        s.on_error(&refused());
        assert!(s.check("e").is_ok(), "101503 is not listed");
        let s = Suspension::new(SuspensionConfig {
            initial: Duration::from_millis(10),
            progression: 2.0,
            maximum: Duration::from_millis(30),
            ..SuspensionConfig::default()
        });
        s.on_error(&refused());
        s.on_error(&refused());
        s.on_error(&refused());
        assert_eq!(
            *s.last.lock().unwrap(),
            Some(Duration::from_millis(30)),
            "10, 20, then capped at 30"
        );
    }
}
