//! The soak's record: what was measured, and the markdown of `benches/SOAK.md`.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::time::Duration;

use super::PathKind;
use super::engine::Sample;
use super::load::PathStats;
use super::verdict::{FdAccount, LOAD_HELD_FRACTION, Verdict};

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

fn mb(kb: u64) -> String {
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

    /// The first sample at or after the warm-up is the baseline; the last is the end.
    pub fn verdict(&self) -> Option<Verdict> {
        let end = self.points.last()?.sample;
        let baseline = self
            .points
            .iter()
            .find(|p| p.sample.t >= self.warmup.as_secs_f64())
            .map_or(end, |p| p.sample);
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
            baseline,
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
        let start = self.points.first().map_or(v.baseline, |p| p.sample);
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
             verdict compares the end with the first sample after the {:.0} s warm-up.\n",
            self.warmup.as_secs_f64()
        );
    }

    fn memory_section(&self, w: &mut String) {
        let Some(v) = self.verdict() else { return };
        let _ = writeln!(w, "## RSS and file descriptors\n");
        let _ = writeln!(w, "| when | RSS | FDs | threads |\n|---|---:|---:|---:|");
        let mut row = |what: String, s: &Sample| {
            let _ = writeln!(
                w,
                "| {what} | {} | {} | {} |",
                mb(s.rss_kb),
                s.fds,
                s.threads
            );
        };
        if let Some(idle) = &self.idle {
            row("idle, just started".into(), idle);
        }
        if let Some(first) = self.points.first() {
            row("soak start (after the maximum run)".into(), &first.sample);
        }
        row(
            format!("after warm-up (t = {:.0} s)", v.baseline.t),
            &v.baseline,
        );
        row(format!("end (t = {:.0} s)", v.end.t), &v.end);
        if let Some(d) = &self.drained {
            row(
                "after the load: last answer, client connections closed, + 3 s".into(),
                d,
            );
        }
        let rss = self.points.iter().map(|p| p.sample.rss_kb);
        let fds = self.points.iter().map(|p| p.sample.fds);
        let _ = writeln!(
            w,
            "| min – max during the soak | {} – {} | {} – {} | |\n",
            mb(rss.clone().min().unwrap_or(0)),
            mb(rss.max().unwrap_or(0)),
            fds.clone().min().unwrap_or(0),
            fds.max().unwrap_or(0)
        );
        // About a dozen rows, always with the last sample.
        let step = self.points.len().div_ceil(12).max(1);
        let _ = writeln!(
            w,
            "Series (every {} s; rates since the previous row):\n\n\
             | t | RSS | FDs | answers/s | engine CPU |\n|---:|---:|---:|---:|---:|",
            step * 10
        );
        let mut previous: Option<&Point> = None;
        for (i, p) in self.points.iter().enumerate() {
            if i % step != 0 && i + 1 != self.points.len() {
                continue;
            }
            let (rate, cpu) = match previous {
                Some(q) if p.sample.t > q.sample.t => {
                    let dt = p.sample.t - q.sample.t;
                    (
                        format!("{:.0}", (p.done - q.done) as f64 / dt),
                        format!("{:.0} %", (p.sample.cpu_s - q.sample.cpu_s) / dt * 100.0),
                    )
                }
                _ => ("—".into(), "—".into()),
            };
            let _ = writeln!(
                w,
                "| {:.0} s | {} | {} | {rate} | {cpu} |",
                p.sample.t,
                mb(p.sample.rss_kb),
                p.sample.fds
            );
            previous = Some(p);
        }
        if let (Some(a), Some(b)) = (self.points.first(), self.points.last()) {
            let done = b.done.saturating_sub(a.done).max(1);
            let _ = writeln!(
                w,
                "\nEngine CPU over the soak: {:.1} s, {:.0} µs per answer.",
                b.sample.cpu_s - a.sample.cpu_s,
                (b.sample.cpu_s - a.sample.cpu_s) * 1e6 / done as f64
            );
        }
        let (lines, errors, panics) = self.log;
        let _ = writeln!(
            w,
            "Engine log (RUST_LOG=warn): {lines} lines, {errors} at ERROR, {panics} panics.\n"
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
