//! The soak's record: what was measured, and the markdown of `benches/SOAK.md`.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::time::Duration;

use super::PathKind;
use super::engine::Sample;
use super::load::PathStats;
use super::verdict::{FdAccount, LOAD_HELD_FRACTION, Reference, Verdict};

/// A sample of the engine, with the requests completed by then.
#[derive(Debug, Clone, Copy)]
pub struct Point {
    pub sample: Sample,
    pub done: u64,
}

/// The closed-loop measurement of the maximum.
#[derive(Debug, Clone)]
pub struct MaxRun {
    pub rps: f64,
    pub conns: usize,
    pub measured: Duration,
    pub paths: String,
    pub errors: u64,
}

/// Everything the report says.
#[derive(Debug, Clone)]
pub struct Record {
    pub date: String,
    pub machine: String,
    pub commit: String,
    pub note: Option<String>,
    pub pinned: bool,
    pub duration: Duration,
    pub warmup: Duration,
    pub max: Option<MaxRun>,
    pub load_fraction: f64,
    pub target_rate: f64,
    pub good_share: f64,
    pub body_bytes: usize,
    pub endpoint_timeout: Duration,
    pub skipped: u64,
    /// The cap on requests in flight, and the most there were.
    pub max_in_flight: u64,
    pub peak_in_flight: u64,
    pub idle: Option<Sample>,
    pub points: Vec<Point>,
    pub drained: Option<Sample>,
    pub paths: BTreeMap<PathKind, PathStats>,
    pub loadavg: (String, String),
    /// Lines of the engine's log, of them ERROR lines, and panics.
    pub log: (usize, usize, usize),
    /// Per backend: name, connections accepted, open when `drained` was sampled.
    pub backends: Vec<(&'static str, u64, i64)>,
}

pub(super) fn mb(kb: u64) -> String {
    format!("{:.1} MB", kb as f64 / 1024.0)
}

fn ms(us: Option<u64>) -> String {
    us.map_or("—".into(), |us| format!("{:.1} ms", us as f64 / 1e3))
}

impl Record {
    /// Answers per second over the soak.
    fn achieved(&self) -> f64 {
        let done: u64 = self.paths.values().map(|p| p.sent).sum();
        done as f64 / self.duration.as_secs_f64()
    }

    /// `rate` as a percentage of the measured maximum, when there is one.
    fn of_max(&self, rate: f64) -> String {
        match &self.max {
            Some(max) if max.rps > 0.0 => format!("{:.0} % of max", rate / max.rps * 100.0),
            _ => "no maximum measured".into(),
        }
    }

    /// The first sample at or after the warm-up.
    pub(super) fn after_warmup(&self) -> Option<Sample> {
        let warmup = self.warmup.as_secs_f64();
        let first = self.points.iter().find(|p| p.sample.t >= warmup);
        first.or(self.points.last()).map(|p| p.sample)
    }

    /// The end is the last sample, compared with the peaks from the warm-up to the midpoint
    /// (see [`super::verdict`] for why the peaks).
    pub fn verdict(&self) -> Option<Verdict> {
        let end = self.points.last()?.sample;
        let (from, to) = (self.warmup.as_secs_f64(), self.duration.as_secs_f64() / 2.0);
        let reference =
            Reference::peaks(self.points.iter().map(|p| p.sample), from, to).unwrap_or(Reference {
                from_t: end.t,
                to_t: end.t,
                rss_kb: end.rss_kb,
                fds: end.fds,
            });
        let errors = |good: bool| -> u64 {
            let paths = self.paths.iter().filter(|(k, _)| k.is_good() == good);
            paths.map(|(_, s)| s.errors()).sum()
        };
        let fd_account = match (self.idle, self.drained) {
            (Some(idle), Some(drained)) => Some(FdAccount {
                idle: idle.fds,
                drained: drained.fds,
                backend_open: self.backends.iter().map(|b| b.2.max(0) as u64).sum(),
            }),
            _ => None,
        };
        let load_held = self.achieved() >= LOAD_HELD_FRACTION * self.target_rate;
        Some(Verdict::judge(
            reference,
            end,
            fd_account,
            (errors(true), errors(false)),
            load_held,
        ))
    }

    pub fn verdict_line(&self) -> String {
        self.verdict().map_or_else(
            || "**Verdict: no samples** (the engine could not be observed).".into(),
            |v| v.line(),
        )
    }

    pub fn markdown(&self) -> String {
        let mut w = String::new();
        let secs = self.duration.as_secs_f64();
        let _ = writeln!(w, "# oxynapse soak (issue 7)\n");
        if secs < 600.0 {
            let _ = writeln!(
                w,
                "**Short run ({secs:.0} s), not the 10-minute soak.** It shows the harness works; \
                 run `benches/soak.sh --write` on a quiet machine for the record.\n"
            );
        }
        if let Some(note) = &self.note {
            let _ = writeln!(w, "{note}\n");
        }
        let _ = writeln!(w, "{}\n", self.verdict_line());
        let _ = writeln!(w, "- Date: {}", self.date);
        let _ = writeln!(
            w,
            "- Machine: {}; load average {} at the start, {} at the end",
            self.machine, self.loadavg.0, self.loadavg.1
        );
        let _ = writeln!(w, "- oxynapse: {} (release build)", self.commit);
        let _ = writeln!(
            w,
            "- Method: `benches/soak.sh` runs `oxy-soak`. The engine {}; its backends and the \
             load generator (one thread, HTTP/1.1 keep-alive) share the other CPU. Requests are \
             {} B JSON POSTs, each with a unique `seq` so mixed-up answers are caught. RSS \
             (VmRSS) and open FDs (`/proc/PID/fd`) are sampled every 10 s.",
            if self.pinned {
                "is pinned to CPU 0 (`taskset -c 0`)"
            } else {
                "is not pinned (no taskset or one CPU)"
            },
            self.body_bytes
        );
        if let Some(max) = &self.max {
            let _ = writeln!(
                w,
                "- Maximum: {:.0} req/s, closed loop, {} connections, {:.0} s measured after a \
                 2 s warm-up, over {} ({} errors)",
                max.rps,
                max.conns,
                max.measured.as_secs_f64(),
                max.paths,
                max.errors
            );
        }
        let _ = writeln!(
            w,
            "- Load: open loop (requests start on schedule, whatever the answers' pace) offered \
             at {:.0} req/s ({:.0} % of the maximum) for {secs:.0} s; achieved {:.0} req/s \
             ({}); {:.0} % to the good paths, the rest spread evenly over the four faults; at \
             most {} requests in flight (cap {}), {} not sent for that cap",
            self.target_rate,
            self.load_fraction * 100.0,
            self.achieved(),
            self.of_max(self.achieved()),
            self.good_share * 100.0,
            self.peak_in_flight,
            self.max_in_flight,
            self.skipped
        );
        let _ = writeln!(
            w,
            "- Faulty endpoints have suspension turned off (a 0 ms suspension), so every faulty \
             request reaches its backend; the never-answering one has a {} ms `<timeout>`.\n",
            self.endpoint_timeout.as_millis()
        );
        self.summary_table(&mut w);
        self.memory_section(&mut w);
        self.paths_section(&mut w);
        w
    }

    fn summary_table(&self, w: &mut String) {
        let Some(v) = self.verdict() else { return };
        let start = self.points.first().map_or(v.end, |p| p.sample);
        let rss_max = self
            .points
            .iter()
            .map(|p| p.sample.rss_kb)
            .max()
            .unwrap_or(0);
        let fds_max = self.points.iter().map(|p| p.sample.fds).max().unwrap_or(0);
        let _ = writeln!(w, "## The record\n");
        let _ = writeln!(
            w,
            "| duration | offered | achieved | RSS start → end (max) | FDs start → end (max) | good-path errors | faulty answers not as defined |\n\
             |---:|---:|---:|---:|---:|---:|---:|"
        );
        let _ = writeln!(
            w,
            "| {:.0} s | {:.0} req/s ({}) | {:.0} req/s ({}) | {} → {} ({}) | {} → {} ({}) | {} | {} |\n",
            self.duration.as_secs_f64(),
            self.target_rate,
            self.of_max(self.target_rate),
            self.achieved(),
            self.of_max(self.achieved()),
            mb(start.rss_kb),
            mb(v.end.rss_kb),
            mb(rss_max),
            start.fds,
            v.end.fds,
            fds_max,
            v.good_errors,
            v.fault_mismatches,
        );
        let _ = writeln!(
            w,
            "Start is the first sample of the soak (after the maximum run), end the last; the \
             verdict compares the end with the peaks from the end of the {:.0} s warm-up to the \
             midpoint ({:.1} MB, {} FDs).\n",
            self.warmup.as_secs_f64(),
            v.reference.rss_kb as f64 / 1024.0,
            v.reference.fds
        );
    }

    fn paths_section(&self, w: &mut String) {
        let _ = writeln!(w, "## Paths\n");
        let _ = writeln!(
            w,
            "| path | defined answer | requests | answers by status | not as defined | client errors | p50 | p99 | max |\n\
             |---|---|---:|---|---:|---:|---:|---:|---:|"
        );
        for (kind, s) in &self.paths {
            let statuses: Vec<String> = s
                .statuses
                .iter()
                .map(|(k, n)| format!("{k}: {n}"))
                .collect();
            let _ = writeln!(
                w,
                "| {} (`{}`) | {} | {} | {} | {} | {} | {} | {} | {} |",
                kind.label(),
                kind.proxy(),
                kind.expectation(self.endpoint_timeout),
                s.sent,
                statuses.join(", "),
                s.unexpected,
                s.client_errors.values().sum::<u64>(),
                ms(s.latency.quantile(0.5)),
                ms(s.latency.quantile(0.99)),
                ms(Some(s.latency.max_us()))
            );
        }
        let problems: Vec<String> = self
            .paths
            .iter()
            .flat_map(|(kind, s)| {
                let errors = s
                    .client_errors
                    .iter()
                    .map(move |(e, n)| format!("- {}: {n} × client error `{e}`", kind.proxy()));
                let examples = s
                    .examples
                    .iter()
                    .map(move |e| format!("- {}: e.g. {e}", kind.proxy()));
                errors.chain(examples)
            })
            .collect();
        if !problems.is_empty() {
            let _ = writeln!(w, "\nWhat went wrong:\n\n{}", problems.join("\n"));
        }
        let _ = writeln!(
            w,
            "\nBackend connections (accepted; still open after the load, the engine's pool): {}.",
            self.backends
                .iter()
                .map(|(name, accepted, open)| format!("{name} {accepted}, {open}"))
                .collect::<Vec<_>>()
                .join("; ")
        );
    }
}
