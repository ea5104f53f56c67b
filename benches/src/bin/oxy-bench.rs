//! The load script's helper (`benches/load.sh`); std only, so it builds in seconds.
//!
//! ```text
//! oxy-bench startup --port P --body FILE --path /services/a [--path ...] [--verify-file F]
//!                   [--timeout-ms 60000] -- CMD ARGS...
//! oxy-bench report RESULTS.tsv META.env
//! ```
//!
//! `startup` runs CMD, POSTs FILE to each `--path` in turn (polling every 0.5 ms) until each has
//! answered 200, and prints `first_ms`, `all_ms` (from exec), the CPU time the child had used
//! by then (`cpu_ms`, which a busy machine inflates less than wall time), its `rss_kb`, and how
//! many of the `--verify-file` paths (one per line, untimed) answered 200.
//! Then it kills the child.
//!
//! `report` turns the load script's runs (TSV) and facts (`key=value`) into the markdown of
//! `benches/RESULTS.md`: medians over repetitions, ratios within the same run, and the targets
//! of issue 5 with how far each is met or missed.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("startup") => startup(&args[1..]),
        Some("report") => report(&args[1..]),
        _ => Err(
            "usage: oxy-bench startup ... -- CMD | oxy-bench report RESULTS.tsv META.env".into(),
        ),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("oxy-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

// ---------------------------------------------------------------- startup

fn startup(args: &[String]) -> Result<(), String> {
    let split = args
        .iter()
        .position(|a| a == "--")
        .ok_or("startup needs `-- CMD ARGS...`")?;
    let (options, command) = (&args[..split], &args[split + 1..]);
    let mut port = None;
    let mut body_file = None;
    let mut paths = Vec::new();
    let mut verify_file = None;
    let mut timeout = Duration::from_secs(60);
    let mut it = options.iter();
    while let Some(option) = it.next() {
        let mut value = || it.next().cloned().ok_or(format!("{option} needs a value"));
        match option.as_str() {
            "--port" => port = Some(value()?.parse::<u16>().map_err(|e| e.to_string())?),
            "--body" => body_file = Some(value()?),
            "--path" => paths.push(value()?),
            "--verify-file" => verify_file = Some(value()?),
            "--timeout-ms" => {
                timeout = Duration::from_millis(value()?.parse().map_err(|_| "bad --timeout-ms")?)
            }
            other => return Err(format!("unknown option {other}")),
        }
    }
    let port = port.ok_or("--port is required")?;
    let body = match body_file {
        Some(f) => std::fs::read(&f).map_err(|e| format!("{f}: {e}"))?,
        None => b"{}".to_vec(),
    };
    if paths.is_empty() || command.is_empty() {
        return Err("startup needs at least one --path and a command".into());
    }

    let started = Instant::now();
    let mut child = Command::new(&command[0])
        .args(&command[1..])
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", command[0]))?;
    let deadline = started + timeout;
    let mut first_ms = None;
    let mut outcome = Ok(());
    for path in &paths {
        loop {
            if post(port, path, &body) == Some(200) {
                first_ms.get_or_insert(started.elapsed().as_secs_f64() * 1e3);
                break;
            }
            if let Ok(Some(status)) = child.try_wait() {
                outcome = Err(format!("the server exited early ({status})"));
                break;
            }
            if Instant::now() > deadline {
                outcome = Err(format!("{path} gave no 200 within {timeout:?}"));
                break;
            }
            std::thread::sleep(Duration::from_micros(500));
        }
        if outcome.is_err() {
            break;
        }
    }
    let all_ms = started.elapsed().as_secs_f64() * 1e3;
    let cpu_ms = cpu_ns(child.id()).map_or(0.0, |ns| ns as f64 / 1e6);
    let rss_kb = status_kb(child.id(), "VmRSS:");
    let verified = match (&outcome, verify_file) {
        (Ok(()), Some(f)) => {
            let list = std::fs::read_to_string(&f).map_err(|e| format!("{f}: {e}"))?;
            let paths: Vec<&str> = list.lines().filter(|l| !l.is_empty()).collect();
            let ok = paths
                .iter()
                .filter(|p| post(port, p, &body) == Some(200))
                .count();
            format!(" verified={ok}/{}", paths.len())
        }
        _ => String::new(),
    };
    let _ = child.kill();
    let _ = child.wait();
    outcome?;
    println!(
        "first_ms={:.1} all_ms={all_ms:.1} cpu_ms={cpu_ms:.1} rss_kb={}{verified}",
        first_ms.unwrap_or(all_ms),
        rss_kb.unwrap_or(0)
    );
    Ok(())
}

/// One POST over a fresh connection; the status, or None when nothing answered.
fn post(port: u16, path: &str, body: &[u8]) -> Option<u16> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).ok()?;
    stream.write_all(body).ok()?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).ok()?;
    let line = answer.split(|b| *b == b'\r').next()?;
    std::str::from_utf8(line)
        .ok()?
        .split(' ')
        .nth(1)?
        .parse()
        .ok()
}

/// CPU time the process has used so far, in ns: the sum over its threads of
/// `/proc/PID/task/TID/schedstat` (finer than utime+stime's clock ticks).
fn cpu_ns(pid: u32) -> Option<u64> {
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).ok()?;
    let mut total = 0;
    for task in tasks.flatten() {
        let stat = std::fs::read_to_string(task.path().join("schedstat")).unwrap_or_default();
        total += stat
            .split_whitespace()
            .next()
            .and_then(|ns| ns.parse::<u64>().ok())
            .unwrap_or(0);
    }
    Some(total)
}

fn status_kb(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

// ---------------------------------------------------------------- report

/// One measured run, as `load.sh` writes it (tab-separated, in this order).
#[derive(Debug, Clone)]
struct Run {
    scenario: String,
    size: u64,
    conns: u64,
    rps: f64,
    p50_us: f64,
    p99_us: f64,
    cpu_us: Option<f64>,
    rss_kb: Option<f64>,
    errors: u64,
}

fn parse_runs(text: &str) -> Result<Vec<Run>, String> {
    let mut runs = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        let bad = || format!("results line {}: `{line}`", n + 1);
        if f.len() < 10 {
            return Err(bad());
        }
        let num = |s: &str| s.parse::<f64>().map_err(|_| bad());
        let opt = |s: &str| -> Result<Option<f64>, String> {
            if s == "-" { Ok(None) } else { num(s).map(Some) }
        };
        // f[3] is the repetition number; the report only needs the values.
        runs.push(Run {
            scenario: f[0].to_string(),
            size: num(f[1])? as u64,
            conns: num(f[2])? as u64,
            rps: num(f[4])?,
            p50_us: num(f[5])?,
            p99_us: num(f[6])?,
            cpu_us: opt(f[7])?,
            rss_kb: opt(f[8])?,
            errors: num(f[9])? as u64,
        });
    }
    Ok(runs)
}

/// The median, and the min and max, of the repetitions of one measurement.
#[derive(Debug, Clone, Copy)]
struct Stat {
    median: f64,
    min: f64,
    max: f64,
}

fn stat(mut values: Vec<f64>) -> Option<Stat> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(|a, b| a.total_cmp(b));
    let n = values.len();
    let median = if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    };
    Some(Stat {
        median,
        min: values[0],
        max: values[n - 1],
    })
}

#[derive(Debug, Clone, Copy)]
struct Summary {
    rps: Stat,
    p50: Stat,
    p99: Stat,
    cpu: Option<Stat>,
    rss_kb: Option<Stat>,
    errors: u64,
    reps: usize,
}

fn summarise(runs: &[&Run]) -> Option<Summary> {
    Some(Summary {
        rps: stat(runs.iter().map(|r| r.rps).collect())?,
        p50: stat(runs.iter().map(|r| r.p50_us).collect())?,
        p99: stat(runs.iter().map(|r| r.p99_us).collect())?,
        cpu: stat(runs.iter().filter_map(|r| r.cpu_us).collect()),
        rss_kb: stat(runs.iter().filter_map(|r| r.rss_kb).collect()),
        errors: runs.iter().map(|r| r.errors).sum(),
        reps: runs.len(),
    })
}

const SCENARIOS: &[(&str, &str)] = &[
    ("direct", "(a) direct to the backend"),
    ("nginx", "(b) nginx proxy_pass"),
    ("oxy-direct", "(c) oxynapse Direct Proxy"),
    ("oxy-seed", "(d) oxynapse seed proxy"),
    ("oxy-cbr", "(e) oxynapse CBR (switch on json-eval)"),
];

fn latency(us: f64) -> String {
    if us >= 10_000.0 {
        format!("{:.0} ms", us / 1e3)
    } else if us >= 1_000.0 {
        format!("{:.2} ms", us / 1e3)
    } else {
        format!("{us:.0} µs")
    }
}

fn with_range(s: Stat, digits: usize, reps: usize) -> String {
    if reps > 1 {
        format!("{:.d$} ({:.d$}–{:.d$})", s.median, s.min, s.max, d = digits)
    } else {
        format!("{:.d$}", s.median, d = digits)
    }
}

fn ratio(a: f64, b: f64) -> String {
    if b > 0.0 {
        format!("{:.2}×", a / b)
    } else {
        "—".into()
    }
}

fn size_label(size: u64) -> String {
    if size >= 1024 && size.is_multiple_of(1024) {
        format!("{} KB", size / 1024)
    } else {
        format!("{size} B")
    }
}

/// The line under the title that points to the soak's record (written by `benches/soak.sh`).
const SOAK_LINK: &str = "Soak (10 minutes at 70 % of the maximum through good and faulty \
    backends: RSS, open FDs, errors per backend kind): [SOAK.md](SOAK.md).\n\n";

fn report(args: &[String]) -> Result<(), String> {
    let [results, meta] = args else {
        return Err("report needs RESULTS.tsv META.env".into());
    };
    let runs =
        parse_runs(&std::fs::read_to_string(results).map_err(|e| format!("{results}: {e}"))?)?;
    let meta_text = std::fs::read_to_string(meta).map_err(|e| format!("{meta}: {e}"))?;
    let meta: BTreeMap<&str, &str> = meta_text
        .lines()
        .filter_map(|l| l.split_once('='))
        .collect();
    let get = |k: &str| meta.get(k).copied().unwrap_or("?");

    let mut groups: BTreeMap<(u64, u64), BTreeMap<&str, Vec<&Run>>> = BTreeMap::new();
    for run in &runs {
        groups
            .entry((run.size, run.conns))
            .or_default()
            .entry(run.scenario.as_str())
            .or_default()
            .push(run);
    }
    let summary = |size: u64, conns: u64, scenario: &str| {
        groups
            .get(&(size, conns))
            .and_then(|g| g.get(scenario))
            .and_then(|r| summarise(r))
    };

    let mut out = String::new();
    let w = &mut out;
    let mode = get("mode");
    w.push_str(&format!("# oxynapse load results ({mode} run)\n\n"));
    w.push_str(SOAK_LINK);
    if mode == "quick" {
        w.push_str(
            "**Quick run: short and noisy.** One payload size and one concurrency, a few \
             seconds per measurement, on a shared machine. Use it to spot large regressions, \
             not to quote figures.\n\n",
        );
    }
    w.push_str(&format!(
        "- Date: {}\n- Machine: {} CPUs, {}; {}\n- Tools: {}, {}; oxynapse {}\n- Method: {}\n\n",
        get("date"),
        get("nproc"),
        get("cpu"),
        get("kernel"),
        get("nginx"),
        get("wrk"),
        get("commit"),
        get("method"),
    ));
    if let Some(note) = meta.get("note") {
        w.push_str(&format!("{note}\n\n"));
    }

    // The targets first: they are what the run is for.
    w.push_str("## Targets (issue 5), measured in this run\n\n");
    w.push_str("| target | measured | goal | verdict |\n|---|---:|---:|---|\n");
    let target_row = |w: &mut String, what: &str, measured: Option<f64>, goal: f64, unit: &str| {
        let (value, verdict) = match measured {
            Some(v) if v <= goal => (format!("{v:.2}{unit}"), "met".to_string()),
            Some(v) => (
                format!("{v:.2}{unit}"),
                format!("missed by {:.0} %", (v / goal - 1.0) * 100.0),
            ),
            None => ("—".into(), "not measured".into()),
        };
        w.push_str(&format!(
            "| {what} | {value} | ≤ {goal}{unit} | {verdict} |\n"
        ));
    };
    let cpu_ratio = |scenario: &str| {
        let s = summary(1024, 50, scenario)?.cpu?.median;
        let n = summary(1024, 50, "nginx")?.cpu?.median;
        Some(s / n)
    };
    let p99_ratio = |scenario: &str| {
        let s = summary(1024, 50, scenario)?.p99.median;
        let n = summary(1024, 50, "nginx")?.p99.median;
        Some(s / n)
    };
    target_row(
        w,
        "Direct Proxy, 1 KB, c=50: CPU-µs/req vs nginx",
        cpu_ratio("oxy-direct"),
        1.0,
        "×",
    );
    target_row(
        w,
        "Seed proxy, 1 KB, c=50: CPU-µs/req vs nginx",
        cpu_ratio("oxy-seed"),
        2.0,
        "×",
    );
    target_row(
        w,
        "Direct Proxy, 1 KB, c=50: p99 vs nginx",
        p99_ratio("oxy-direct"),
        1.2,
        "×",
    );
    target_row(
        w,
        "Seed proxy, 1 KB, c=50: p99 vs nginx",
        p99_ratio("oxy-seed"),
        1.2,
        "×",
    );
    let peak_rss = runs
        .iter()
        .filter(|r| r.scenario.starts_with("oxy-"))
        .filter_map(|r| r.rss_kb)
        .fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.max(v))));
    target_row(
        w,
        "Peak RSS under load, any oxynapse run",
        peak_rss.map(|kb| kb / 1024.0),
        30.0,
        " MB",
    );
    let num = |k: &str| meta.get(k).and_then(|v| v.parse::<f64>().ok());
    target_row(
        w,
        "Exec to first 200, `proxies/` folder (median)",
        num("startup_ms"),
        50.0,
        " ms",
    );
    target_row(
        w,
        "Deploying 1,000 proxies, exec until all answer (median)",
        num("deploy1000_ms"),
        1000.0,
        " ms",
    );
    w.push('\n');

    w.push_str("## Load runs\n\n");
    w.push_str(
        "req/s and latencies as wrk reports them; CPU-µs/req and peak RSS are the system \
         under test's (for nginx, master and worker together). Ratios compare medians of this \
         run. With several repetitions, cells show the median and (min–max).\n\n",
    );
    for (&(size, conns), group) in &groups {
        w.push_str(&format!(
            "### {} body, {conns} connections\n\n",
            size_label(size)
        ));
        w.push_str(
            "| scenario | req/s | p50 | p99 | CPU-µs/req | peak RSS | req/s vs direct | CPU vs nginx | p99 vs nginx | errors |\n\
             |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
        );
        let direct = summary(size, conns, "direct");
        let nginx = summary(size, conns, "nginx");
        for (key, label) in SCENARIOS {
            if !group.contains_key(key) {
                continue;
            }
            let Some(s) = summary(size, conns, key) else {
                continue;
            };
            let cpu = s.cpu.map_or("—".into(), |c| with_range(c, 1, s.reps));
            let rss = s
                .rss_kb
                .map_or("—".into(), |r| format!("{:.1} MB", r.max / 1024.0));
            let vs_direct = direct.map_or("—".into(), |d| ratio(s.rps.median, d.rps.median));
            let cpu_vs_nginx = match (s.cpu, nginx.and_then(|n| n.cpu)) {
                (Some(c), Some(n)) => ratio(c.median, n.median),
                _ => "—".into(),
            };
            let p99_vs_nginx = nginx.map_or("—".into(), |n| ratio(s.p99.median, n.p99.median));
            w.push_str(&format!(
                "| {label} | {} | {} | {} | {cpu} | {rss} | {vs_direct} | {cpu_vs_nginx} | {p99_vs_nginx} | {} |\n",
                with_range(s.rps, 0, s.reps),
                latency(s.p50.median),
                latency(s.p99.median),
                s.errors,
            ));
        }
        w.push('\n');
    }

    let timed: Vec<(&str, &str)> = [
        (
            "startup",
            "exec → first 200 of the seed proxy, `proxies/` folder",
        ),
        (
            "deploy1000",
            "exec → all of 1,000 generated seed-shaped proxies answer",
        ),
    ]
    .into_iter()
    .filter(|(key, _)| meta.contains_key(format!("{key}_ms").as_str()))
    .collect();
    if !timed.is_empty() {
        w.push_str(
            "## Start-up and deployment\n\nWall time from exec (the target), and the CPU time \
             the server had used by then, which a busy machine inflates less.\n\n\
             | measurement | median | min–max | CPU time (median) | RSS after |\n|---|---:|---:|---:|---:|\n",
        );
    }
    for (key, label) in timed {
        w.push_str(&format!(
            "| {label} | {} ms | {} ms | {} ms | {} |\n",
            get(&format!("{key}_ms")),
            get(&format!("{key}_range")),
            get(&format!("{key}_cpu_ms")),
            meta.get(format!("{key}_rss_kb").as_str())
                .and_then(|v| v.parse::<f64>().ok())
                .map_or("—".into(), |kb| format!("{:.1} MB", kb / 1024.0)),
        ));
    }
    let instructions: Vec<(&str, &str)> = SCENARIOS
        .iter()
        .filter_map(|(key, label)| Some((*label, *meta.get(format!("ir_{key}").as_str())?)))
        .collect();
    if !instructions.is_empty() {
        w.push_str(
            "\n## User-space instructions per request (callgrind, 1 KB, c=50)\n\n\
             Counted over a measured window after a warm-up; repeatable to about 1 %, unlike \
             wall-clock CPU on a shared machine. Kernel time is not included.\n\n\
             | scenario | instructions per request |\n|---|---:|\n",
        );
        for (label, value) in instructions {
            w.push_str(&format!("| {label} | {value} |\n"));
        }
    }
    if let Some(v) = meta.get("deploy1000_verified") {
        w.push_str(&format!(
            "\nAll 1,000 proxies checked after timing: {v} answered 200.\n"
        ));
    }
    print!("{out}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_and_ranges() {
        let s = stat(vec![3.0, 1.0, 2.0, 10.0]).unwrap();
        assert_eq!((s.median, s.min, s.max), (2.5, 1.0, 10.0));
        assert!(stat(vec![]).is_none());
    }

    #[test]
    fn runs_parse_with_missing_cpu() {
        let runs = parse_runs("# header\ndirect\t1024\t50\t1\t1000\t400\t900\t-\t-\t0\n").unwrap();
        assert_eq!(runs[0].cpu_us, None);
        assert_eq!(runs[0].size, 1024);
    }
}
