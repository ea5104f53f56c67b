//! Latency histograms of the soak: fixed relative precision, any range, cheap to record.

use std::time::Duration;

/// Latencies in µs, in buckets of 1/16 of a power of two (about 6 % wide).
#[derive(Debug, Clone, Default)]
pub struct Histogram {
    buckets: Vec<u64>,
    count: u64,
    max_us: u64,
}

impl Histogram {
    fn index(us: u64) -> usize {
        if us < 32 {
            return us as usize;
        }
        let e = 63 - us.leading_zeros() as u64; // ≥ 5
        ((e - 4) * 16 + (us >> (e - 4))) as usize
    }

    /// The smallest value of bucket `i`.
    fn value(i: usize) -> u64 {
        if i < 32 {
            return i as u64;
        }
        let e = i as u64 / 16 + 3;
        (i as u64 % 16 + 16) << (e - 4)
    }

    pub fn record(&mut self, elapsed: Duration) {
        let us = elapsed.as_micros().min(u64::MAX as u128) as u64;
        let i = Self::index(us);
        if self.buckets.len() <= i {
            self.buckets.resize(i + 1, 0);
        }
        self.buckets[i] += 1;
        self.count += 1;
        self.max_us = self.max_us.max(us);
    }

    /// The `q` quantile (0..=1), to the bucket's precision; None when empty.
    pub fn quantile(&self, q: f64) -> Option<u64> {
        if self.count == 0 {
            return None;
        }
        let rank = ((q * self.count as f64).ceil() as u64).clamp(1, self.count);
        let mut seen = 0;
        for (i, n) in self.buckets.iter().enumerate() {
            seen += n;
            if seen >= rank {
                return Some(Self::value(i).min(self.max_us));
            }
        }
        Some(self.max_us)
    }

    pub fn max_us(&self) -> u64 {
        self.max_us
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets_round_down_within_seven_percent() {
        for us in [0u64, 1, 31, 32, 33, 100, 1_000, 123_456, 10_000_000] {
            let v = Histogram::value(Histogram::index(us));
            assert!(v <= us && us - v <= us / 15, "{us} → {v}");
        }
        let mut h = Histogram::default();
        for ms in 1..=100 {
            h.record(Duration::from_millis(ms));
        }
        let p50 = h.quantile(0.5).unwrap();
        assert!((47_000..=50_000).contains(&p50), "{p50}");
        assert_eq!(h.max_us(), 100_000);
        assert!(Histogram::default().quantile(0.5).is_none());
    }
}
