//! The soak's verdict and the rules it applies: what "flat" means for RSS and open FDs, how
//! leaked FDs are told from pooled connections, zero errors on the good paths, the defined
//! answer on every faulty one, and the load held.
//!
//! "Flat" compares the end with the *peak* of the first half after the warm-up, not with one
//! early sample. When the generator stalls (a shared machine takes its CPU), requests pile up
//! to the in-flight cap, each on its own connection, and RSS rises to a plateau: the
//! allocator keeps those connections' buffers for the next burst. A leak grows with the
//! requests served instead, so the second half, with as many requests as the first, ends
//! above the first half's peak.

use super::engine::Sample;

/// RSS is flat when its end is at most this fraction above the reference peak... A fall is
/// no leak: pools shrink and allocators give memory back.
pub const RSS_FLAT_FRACTION: f64 = 0.10;
/// ...or within this many KB, whichever is larger (allocator noise on a small heap).
pub const RSS_FLAT_MIN_KB: u64 = 5 * 1024;
/// Open FDs are flat when their end is at most this fraction above the reference peak...
pub const FDS_FLAT_FRACTION: f64 = 0.10;
/// ...or within this many FDs, whichever is larger: client and backend connections come and
/// go with the moment's concurrency, so the count moves by a few without leaking.
pub const FDS_FLAT_MIN: u64 = 20;
/// After the load, with the client's connections closed, the engine may hold this many FDs
/// beyond its idle count and its pooled backend connections before they count as leaked.
pub const FD_LEAK_SLACK: u64 = 5;
/// The load is held when the answers per second reach this fraction of the offered rate
/// (requests not sent for the in-flight cap count as not answered).
pub const LOAD_HELD_FRACTION: f64 = 0.97;

/// The FDs of the engine once the load is over, and what accounts for them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FdAccount {
    /// Just started, before any load.
    pub idle: u64,
    /// After the last answer, the load generator's connections closed.
    pub drained: u64,
    /// Connections the backends still see open then: the engine's pooled keep-alive ones.
    pub backend_open: u64,
}

impl FdAccount {
    /// FDs held beyond the idle count and the pooled backend connections.
    pub fn unaccounted(&self) -> u64 {
        self.drained.saturating_sub(self.idle + self.backend_open)
    }

    pub fn ok(&self) -> bool {
        self.unaccounted() <= FD_LEAK_SLACK
    }
}

/// What the end is compared with: the highest RSS and FD count sampled from the end of the
/// warm-up to the soak's midpoint.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reference {
    pub from_t: f64,
    pub to_t: f64,
    pub rss_kb: u64,
    pub fds: u64,
}

impl Reference {
    /// The peaks of the samples taken from `from_t` to `to_t` (seconds); None when none was.
    pub fn peaks(samples: impl Iterator<Item = Sample>, from_t: f64, to_t: f64) -> Option<Self> {
        samples
            .filter(|s| s.t >= from_t && s.t <= to_t)
            .fold(None, |peak: Option<Reference>, s| {
                let (rss_kb, fds) = peak.map_or((0, 0), |p| (p.rss_kb, p.fds));
                Some(Reference {
                    from_t,
                    to_t,
                    rss_kb: rss_kb.max(s.rss_kb),
                    fds: fds.max(s.fds),
                })
            })
    }
}

/// The pass/fail of each criterion, and the values they judge.
#[derive(Debug, Clone)]
pub struct Verdict {
    pub reference: Reference,
    pub end: Sample,
    pub rss_flat: bool,
    pub fds_flat: bool,
    pub fd_account: Option<FdAccount>,
    pub good_errors: u64,
    pub fault_mismatches: u64,
    pub load_held: bool,
}

/// Whether `end` is at most `fraction` of `reference`, or `min`, above it.
pub fn not_grown(end: u64, reference: u64, fraction: f64, min: u64) -> bool {
    let tolerance = ((reference as f64 * fraction) as u64).max(min);
    end <= reference + tolerance
}

impl Verdict {
    /// Judges a soak from its reference peaks, its last sample and its counts.
    pub fn judge(
        reference: Reference,
        end: Sample,
        fd_account: Option<FdAccount>,
        (good_errors, fault_mismatches): (u64, u64),
        load_held: bool,
    ) -> Verdict {
        Verdict {
            reference,
            end,
            rss_flat: not_grown(
                end.rss_kb,
                reference.rss_kb,
                RSS_FLAT_FRACTION,
                RSS_FLAT_MIN_KB,
            ),
            fds_flat: not_grown(end.fds, reference.fds, FDS_FLAT_FRACTION, FDS_FLAT_MIN),
            fd_account,
            good_errors,
            fault_mismatches,
            load_held,
        }
    }

    pub fn pass(&self) -> bool {
        self.rss_flat
            && self.fds_flat
            && self.fd_account.is_some_and(|a| a.ok())
            && self.good_errors == 0
            && self.fault_mismatches == 0
            && self.load_held
    }

    /// The verdict in one paragraph, with the rules it applied.
    pub fn line(&self) -> String {
        let flat = |ok: bool| if ok { "flat" } else { "NOT flat" };
        let leak = match self.fd_account {
            Some(a) => format!(
                "{} FDs unaccounted for after the load ({} held, {} idle + {} pooled backend \
                 connections; allowed {FD_LEAK_SLACK})",
                a.unaccounted(),
                a.drained,
                a.idle,
                a.backend_open
            ),
            None => "FDs after the load not observed".into(),
        };
        format!(
            "**Verdict: {}.** RSS {} (peak {:.1} MB from t = {:.0} s to {:.0} s → {:.1} MB at \
             the end; flat = the end at most {:.0} % or {} MB above that peak), FDs {} (peak {} \
             → {}; flat = at most {:.0} % or {} above), {leak}, good-path errors {}, faulty \
             answers not as defined {}, load {} (≥ {:.0} % of the offered rate answered).",
            if self.pass() { "PASS" } else { "FAIL" },
            flat(self.rss_flat),
            self.reference.rss_kb as f64 / 1024.0,
            self.reference.from_t,
            self.reference.to_t,
            self.end.rss_kb as f64 / 1024.0,
            RSS_FLAT_FRACTION * 100.0,
            RSS_FLAT_MIN_KB / 1024,
            flat(self.fds_flat),
            self.reference.fds,
            self.end.fds,
            FDS_FLAT_FRACTION * 100.0,
            FDS_FLAT_MIN,
            self.good_errors,
            self.fault_mismatches,
            if self.load_held { "held" } else { "NOT held" },
            LOAD_HELD_FRACTION * 100.0,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(rss_mb: u64, fds: u64) -> Sample {
        Sample {
            t: 0.0,
            rss_kb: rss_mb * 1024,
            fds,
            cpu_s: 0.0,
            threads: 2,
        }
    }

    fn peak(rss_mb: u64, fds: u64) -> Reference {
        Reference {
            from_t: 60.0,
            to_t: 300.0,
            rss_kb: rss_mb * 1024,
            fds,
        }
    }

    fn account(drained: u64) -> Option<FdAccount> {
        Some(FdAccount {
            idle: 15,
            drained,
            backend_open: 40,
        })
    }

    #[test]
    fn a_steady_engine_passes() {
        let v = Verdict::judge(peak(20, 120), sample(24, 135), account(58), (0, 0), true);
        assert!(v.pass(), "{}", v.line());
        assert!(v.line().starts_with("**Verdict: PASS.**"));
    }

    #[test]
    fn growth_beyond_the_tolerances_fails() {
        // 100 MB → 112 MB is more than 10 % and more than 5 MB.
        let v = Verdict::judge(peak(100, 120), sample(112, 120), account(55), (0, 0), true);
        assert!(!v.rss_flat && !v.pass());
        // 120 → 141 FDs is more than 20 and more than 10 %.
        let v = Verdict::judge(peak(20, 120), sample(20, 141), account(55), (0, 0), true);
        assert!(!v.fds_flat && !v.pass());
        assert!(v.line().contains("FDs NOT flat"));
        // Falling is not growing: a pool that shrinks after a burst is flat.
        let v = Verdict::judge(peak(60, 2000), sample(30, 900), account(55), (0, 0), true);
        assert!(v.rss_flat && v.fds_flat && v.pass(), "{}", v.line());
    }

    #[test]
    fn fds_held_beyond_the_pooled_connections_are_a_leak() {
        let v = Verdict::judge(peak(20, 120), sample(20, 120), account(61), (0, 0), true);
        assert_eq!(v.fd_account.map(|a| a.unaccounted()), Some(6));
        assert!(!v.pass());
        let unobserved = Verdict::judge(peak(20, 120), sample(20, 120), None, (0, 0), true);
        assert!(!unobserved.pass());
    }

    #[test]
    fn the_reference_is_the_peak_between_the_warm_up_and_the_midpoint() {
        let at = |t: f64, rss_mb: u64, fds: u64| Sample {
            t,
            ..sample(rss_mb, fds)
        };
        let samples = [
            at(0.0, 90, 900),
            at(60.0, 60, 400),
            at(200.0, 80, 300),
            at(400.0, 99, 999),
        ];
        let r = Reference::peaks(samples.into_iter(), 60.0, 300.0).unwrap();
        assert_eq!((r.rss_kb, r.fds), (80 * 1024, 400));
        assert!(Reference::peaks(samples.into_iter(), 500.0, 600.0).is_none());
    }

    #[test]
    fn errors_or_a_dropped_load_fail() {
        let base = (peak(20, 120), sample(20, 120));
        assert!(!Verdict::judge(base.0, base.1, account(55), (1, 0), true).pass());
        assert!(!Verdict::judge(base.0, base.1, account(55), (0, 1), true).pass());
        assert!(!Verdict::judge(base.0, base.1, account(55), (0, 0), false).pass());
    }
}
