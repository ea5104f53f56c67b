//! The record's section on the engine's RSS and open FDs: the table of moments, the series,
//! the CPU per answer, and the RSS growth that new connection highs do not explain.

use std::fmt::Write;
use std::time::Duration;

use super::engine::Sample;
use super::report::{Point, Record, mb};

impl Record {
    pub(super) fn memory_section(&self, w: &mut String) {
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
        if let Some(after) = self.after_warmup() {
            row(format!("after warm-up (t = {:.0} s)", after.t), &after);
        }
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
        let (rss_kb, requests) = rss_growth_without_new_fd_highs(&self.points, self.warmup);
        let _ = writeln!(
            w,
            "RSS gained between samples in which the open FDs set no new high (growth that \
             more connections do not explain), after the warm-up: {:+.1} MB over {requests} \
             answers ({:+.1} bytes per answer).",
            rss_kb as f64 / 1024.0,
            rss_kb as f64 * 1024.0 / requests.max(1) as f64
        );
        let (lines, errors, panics) = self.log;
        let _ = writeln!(
            w,
            "Engine log (RUST_LOG=warn): {lines} lines, {errors} at ERROR, {panics} panics.\n"
        );
    }
}

/// RSS gained (KB, may be negative) over the sample intervals after `warmup` whose closing
/// sample set no new high of open FDs, and the answers in those intervals. Connections'
/// buffers make RSS step up with each new high of connections; a leak grows in between.
pub fn rss_growth_without_new_fd_highs(points: &[Point], warmup: Duration) -> (i64, u64) {
    let mut fd_high = 0;
    let (mut rss_kb, mut requests) = (0i64, 0u64);
    for pair in points.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        fd_high = fd_high.max(a.sample.fds);
        if a.sample.t >= warmup.as_secs_f64() && b.sample.fds <= fd_high {
            rss_kb += b.sample.rss_kb as i64 - a.sample.rss_kb as i64;
            requests += b.done.saturating_sub(a.done);
        }
    }
    (rss_kb, requests)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(t: f64, rss_kb: u64, fds: u64, done: u64) -> Point {
        let sample = Sample {
            t,
            rss_kb,
            fds,
            cpu_s: 0.0,
            threads: 2,
        };
        Point { sample, done }
    }

    #[test]
    fn rss_steps_at_new_fd_highs_are_not_counted_as_growth() {
        let points = [
            point(0.0, 1000, 100, 0),
            point(10.0, 5000, 900, 100),  // warm-up: not counted
            point(20.0, 5100, 800, 200),  // +100 KB, no new high: counted
            point(30.0, 9000, 1500, 300), // a new high: not counted
            point(40.0, 8900, 1000, 400), // -100 KB: counted
            point(50.0, 9200, 1400, 500), // +300 KB: counted
        ];
        let (rss_kb, requests) = rss_growth_without_new_fd_highs(&points, Duration::from_secs(10));
        assert_eq!((rss_kb, requests), (300, 300));
    }
}
