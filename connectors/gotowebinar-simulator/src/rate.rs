//! GoTo's rate limit (10 requests per second by default, then 429), made configurable:
//! API calls are counted over a sliding one-second window; past the limit the call is
//! answered 429 without running (and is not counted). Token-endpoint calls are not limited.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// The limit and the recent accepted calls.
#[derive(Debug, Default)]
pub(crate) struct RateState {
    /// Calls allowed per second; `None` means no limit (the default).
    pub limit: Option<u32>,
    window: VecDeque<Instant>,
}

impl RateState {
    /// `Some(limit)` when a call at `now` is over the limit; otherwise counts it.
    pub fn over_limit(&mut self, now: Instant) -> Option<u32> {
        let limit = self.limit?;
        while self
            .window
            .front()
            .is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(1))
        {
            self.window.pop_front();
        }
        if self.window.len() >= limit as usize {
            return Some(limit);
        }
        self.window.push_back(now);
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_a_sliding_second() {
        let mut state = RateState::default();
        let start = Instant::now();
        assert_eq!(state.over_limit(start), None, "no limit by default");
        state.limit = Some(2);
        state.window.clear();
        assert_eq!(state.over_limit(start), None);
        assert_eq!(state.over_limit(start + Duration::from_millis(10)), None);
        assert_eq!(state.over_limit(start + Duration::from_millis(20)), Some(2));
        assert_eq!(state.over_limit(start + Duration::from_millis(1000)), None);
    }
}
