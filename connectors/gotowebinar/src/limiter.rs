//! The optional client-side rate limiter (`init`'s `rateLimitPerSecond`): GoTo allows 10
//! requests per second and answers 429 past that, so requests wait for their turn instead.
//!
//! One schedule per organizer key: each request takes the next free slot, slots are
//! `1/rate` seconds apart, and a request waits (never fails) until its slot. Spacing slots
//! evenly, rather than letting a burst through and then pausing, keeps every one-second
//! window at or under the rate, whenever it starts.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// Slots per organizer.
#[derive(Debug, Default)]
pub struct RateLimiter {
    next_free: Mutex<HashMap<String, Instant>>,
}

impl RateLimiter {
    /// Waits for the next slot of `organizer` at `per_second` requests per second.
    /// A rate that is not a positive finite number means no limit.
    pub async fn wait(&self, organizer: &str, per_second: f64) {
        if !(per_second.is_finite() && per_second > 0.0) {
            return;
        }
        let spacing = Duration::from_secs_f64(1.0 / per_second);
        let slot = {
            let mut next_free = self
                .next_free
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            let now = Instant::now();
            let next = next_free.entry(organizer.to_string()).or_insert(now);
            let slot = (*next).max(now);
            *next = slot + spacing;
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
}

/// `rateLimitPerSecond` as given: empty is no limit; anything but a positive number is a 400.
pub fn parse_rate(text: Option<&str>) -> Result<Option<f64>, oxynapse_engine::MediationError> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    match text.parse::<f64>() {
        Ok(rate) if rate.is_finite() && rate > 0.0 => Ok(Some(rate)),
        _ => Err(oxynapse_engine::MediationError::client(
            "invalid rateLimitPerSecond for gotowebinar.init",
        )
        .with_detail(format!(
            "`{text}` is not a positive number of requests per second"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn slots_are_spaced_per_organizer() {
        let limiter = RateLimiter::default();
        let start = Instant::now();
        for _ in 0..5 {
            limiter.wait("a", 10.0).await;
        }
        // Slots at 0, 100, 200, 300 and 400 ms.
        assert_eq!(start.elapsed(), Duration::from_millis(400));
        let other = Instant::now();
        limiter.wait("b", 10.0).await;
        assert_eq!(
            other.elapsed(),
            Duration::ZERO,
            "another organizer has its own slots"
        );
        limiter.wait("a", 0.0).await;
    }

    #[test]
    fn rates_parse_or_name_the_problem() {
        assert_eq!(parse_rate(None), Ok(None));
        assert_eq!(parse_rate(Some(" ")), Ok(None));
        assert_eq!(parse_rate(Some("10")), Ok(Some(10.0)));
        assert_eq!(parse_rate(Some("2.5")), Ok(Some(2.5)));
        for bad in ["0", "-1", "ten", "NaN", "inf"] {
            assert_eq!(parse_rate(Some(bad)).unwrap_err().status, 400, "{bad}");
        }
    }
}
