//! The soak test of issue 7 (`oxy-soak`, run by `benches/soak.sh`): the release `oxynapse`
//! binary holds 70 % of its measured maximum load for minutes, through good and faulty
//! backends mixed, while its RSS and open file descriptors are sampled.
//!
//! * [`backends`]: the in-process backends, one good (JSON echo) and four faulty ones.
//! * [`engine`]: the deploy folder of proxies, the engine process and `/proc` sampling.
//! * [`load`]: the HTTP client, the closed-loop maximum and the open-loop soak.
//! * [`histogram`]: latency histograms.
//! * [`verdict`]: the rules of the verdict (what "flat" means) and its paragraph.
//! * [`report`]: the markdown record (`benches/SOAK.md`); [`memory`], its RSS and FD section.

pub mod backends;
pub mod engine;
pub mod histogram;
pub mod load;
pub mod memory;
pub mod report;
pub mod verdict;

use std::time::Duration;

/// One kind of request of the mix: a proxy, and what its answer must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PathKind {
    /// A Direct-Proxy-style relay (`send` + `outSequence <send/>`) to the echo backend.
    Relay,
    /// Seed-like: json-eval properties, a payloadFactory, a `call` to the echo backend,
    /// json-eval on its answer and a second payloadFactory.
    Seed,
    /// The endpoint's port refuses connections: 502.
    Refused,
    /// The backend accepts and never answers; the endpoint's `<timeout>` makes it 504.
    Timeout,
    /// The backend sends the head and part of the body, then resets: 502.
    Reset,
    /// The backend answers 500 with an HTML body: passed through as it is.
    Html500,
}

pub const ALL_PATHS: [PathKind; 6] = [
    PathKind::Relay,
    PathKind::Seed,
    PathKind::Refused,
    PathKind::Timeout,
    PathKind::Reset,
    PathKind::Html500,
];

/// The HTML page the faulty backend answers with (status 500).
pub const HTML_500: &str = "<html><head><title>500 Internal Server Error</title></head>\
    <body><h1>Internal Server Error</h1><p>The soak's faulty backend.</p></body></html>";

impl PathKind {
    /// The proxy's name, served at `/services/{name}`.
    pub fn proxy(self) -> &'static str {
        match self {
            PathKind::Relay => "soak_relay",
            PathKind::Seed => "soak_seed",
            PathKind::Refused => "soak_refused",
            PathKind::Timeout => "soak_timeout",
            PathKind::Reset => "soak_reset",
            PathKind::Html500 => "soak_html500",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            PathKind::Relay => "relay (good)",
            PathKind::Seed => "seed-like (good)",
            PathKind::Refused => "refused port",
            PathKind::Timeout => "never answers",
            PathKind::Reset => "reset mid-response",
            PathKind::Html500 => "500 with HTML",
        }
    }

    pub fn is_good(self) -> bool {
        matches!(self, PathKind::Relay | PathKind::Seed)
    }

    /// The status its answer must have.
    pub fn expected_status(self) -> u16 {
        match self {
            PathKind::Relay | PathKind::Seed => 200,
            PathKind::Refused | PathKind::Reset => 502,
            PathKind::Timeout => 504,
            PathKind::Html500 => 500,
        }
    }

    /// How long a faulty path's answer may take: the endpoint timeout plus a margin for the
    /// timeout path, the margin alone for the others. The margin is there for queueing: when
    /// the shared machine stalls the generator, every answer waits (the good ones up to 1.6 s
    /// in the 10-minute record); a client left hanging would wait for the 10 s client timeout.
    pub fn time_bound(self, endpoint_timeout: Duration) -> Duration {
        const MARGIN: Duration = Duration::from_secs(5);
        match self {
            PathKind::Timeout => endpoint_timeout + MARGIN,
            _ => MARGIN,
        }
    }

    /// What the answer must say, in words, for the report.
    pub fn expectation(self, endpoint_timeout: Duration) -> String {
        let bound = self.time_bound(endpoint_timeout).as_secs_f64();
        match self {
            PathKind::Relay => "200, the request body echoed byte for byte".into(),
            PathKind::Seed => "200, the JSON built from the request".into(),
            PathKind::Timeout => format!(
                "504 after the {} ms endpoint timeout, within {bound} s",
                endpoint_timeout.as_millis()
            ),
            PathKind::Html500 => format!("500 with the backend's HTML, within {bound} s"),
            _ => format!("{} within {bound} s", self.expected_status()),
        }
    }
}

/// The order in which the open loop sends its requests: `good_share` of them to the good
/// paths (relay and seed alternating), the rest spread evenly over the four faults.
/// Twenty slots, so shares are multiples of 5 %.
pub fn schedule(good_share: f64) -> Vec<PathKind> {
    let good = ((good_share.clamp(0.0, 1.0) * 20.0).round() as usize).min(20);
    let faults = [
        PathKind::Refused,
        PathKind::Timeout,
        PathKind::Reset,
        PathKind::Html500,
    ];
    let mut slots = Vec::with_capacity(20);
    let (mut g, mut f) = (0, 0);
    // Spread the faulty slots among the good ones (Bresenham-style).
    for i in 0..20 {
        if (i + 1) * (20 - good) / 20 > f {
            slots.push(faults[f % faults.len()]);
            f += 1;
        } else {
            slots.push(if g % 2 == 0 {
                PathKind::Relay
            } else {
                PathKind::Seed
            });
            g += 1;
        }
    }
    slots
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schedule_keeps_the_shares() {
        let s = schedule(0.8);
        assert_eq!(s.len(), 20);
        assert_eq!(s.iter().filter(|k| k.is_good()).count(), 16);
        for kind in ALL_PATHS {
            let n = s.iter().filter(|k| **k == kind).count();
            assert_eq!(n, if kind.is_good() { 8 } else { 1 }, "{kind:?}");
        }
        assert!(schedule(1.0).iter().all(|k| k.is_good()));
        assert_eq!(schedule(0.0).iter().filter(|k| k.is_good()).count(), 0);
    }
}
