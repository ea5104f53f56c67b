//! The soak test of issue 7; `benches/soak.sh` builds and runs it. Not part of CI.
//!
//! ```text
//! oxy-soak [--duration 10m] [--load 0.7] [--rate R] [--max-secs 20] [--conns N]
//!          [--max-on mix|good|relay] [--good-share 0.8] [--timeout-ms 500] [--body-bytes 1024]
//!          [--max-in-flight 512]
//!          [--oxynapse PATH] [--no-pin] [--write | --out FILE] [--note TEXT] [--commit ID]
//!          [--keep]
//! ```
//!
//! It starts its backends (a JSON echo and four faulty ones), writes one proxy per path into
//! a temporary deploy folder, and runs the release `oxynapse` on it, pinned to CPU 0. It
//! measures the maximum throughput in a closed loop (`--max-secs`, `--conns` connections;
//! by default over the soak's own mix of good and faulty requests, so that `--load` of it is
//! a share of what this mix can reach), then holds `--load` of it in an open loop for
//! `--duration`, while sampling the engine's RSS and open FDs every 10 s. After the last
//! answer it closes its connections and accounts for every FD the engine still holds. The markdown record goes to stdout, and with `--write` to
//! `benches/SOAK.md`. The exit status is 1 when the verdict is FAIL.

use std::path::PathBuf;
use std::process::{Command, ExitCode};
use std::sync::atomic::Ordering;
use std::time::Duration;

use oxynapse_benches::soak::backends::{Backends, Gauge};
use oxynapse_benches::soak::engine::{self, EngineProcess};
use oxynapse_benches::soak::load::{self, OpenLoop, Target};
use oxynapse_benches::soak::report::{MaxRun, Point, Record};
use oxynapse_benches::soak::{ALL_PATHS, PathKind, schedule};

/// What the closed loop measuring the maximum sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MaxOn {
    /// The soak's schedule, good and faulty paths mixed.
    Mix,
    /// The two good paths, alternating.
    Good,
    /// The relay alone.
    Relay,
}

#[derive(Debug)]
struct Options {
    duration: Duration,
    load: f64,
    rate: Option<f64>,
    max_secs: u64,
    /// Closed-loop connections; by default 200 on the mix (the never-answering path holds
    /// a connection for the endpoint timeout), 50 on the good paths.
    conns: Option<usize>,
    max_on: MaxOn,
    max_in_flight: u64,
    good_share: f64,
    timeout_ms: u64,
    body_bytes: usize,
    oxynapse: Option<PathBuf>,
    pin: bool,
    out: Option<PathBuf>,
    note: Option<String>,
    commit: String,
    keep: bool,
}

fn seconds(text: &str) -> Result<Duration, String> {
    let (number, unit) = match text.strip_suffix('m') {
        Some(n) => (n, 60.0),
        None => (text.strip_suffix('s').unwrap_or(text), 1.0),
    };
    let value: f64 = number
        .parse()
        .map_err(|_| format!("bad duration `{text}`"))?;
    Ok(Duration::from_secs_f64(value * unit))
}

fn options() -> Result<Options, String> {
    let mut o = Options {
        duration: Duration::from_secs(600),
        load: 0.7,
        rate: None,
        max_secs: 20,
        conns: None,
        max_on: MaxOn::Mix,
        max_in_flight: 512,
        good_share: 0.8,
        timeout_ms: 500,
        body_bytes: 1024,
        oxynapse: None,
        pin: true,
        out: None,
        note: None,
        commit: "unknown".into(),
        keep: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        let number = |v: String| v.parse::<f64>().map_err(|_| format!("bad number `{v}`"));
        match arg.as_str() {
            "--duration" => o.duration = seconds(&value()?)?,
            "--load" => o.load = number(value()?)?,
            "--rate" => o.rate = Some(number(value()?)?),
            "--max-secs" => o.max_secs = number(value()?)? as u64,
            "--conns" => o.conns = Some(number(value()?)? as usize),
            "--max-on" => {
                o.max_on = match value()?.as_str() {
                    "mix" => MaxOn::Mix,
                    "good" => MaxOn::Good,
                    "relay" => MaxOn::Relay,
                    other => return Err(format!("--max-on takes mix, good or relay, not {other}")),
                }
            }
            "--max-in-flight" => o.max_in_flight = number(value()?)? as u64,
            "--good-share" => o.good_share = number(value()?)?,
            "--timeout-ms" => o.timeout_ms = number(value()?)? as u64,
            "--body-bytes" => o.body_bytes = number(value()?)? as usize,
            "--oxynapse" => o.oxynapse = Some(value()?.into()),
            "--no-pin" => o.pin = false,
            "--write" => o.out = Some(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("SOAK.md")),
            "--out" => o.out = Some(value()?.into()),
            "--note" => o.note = Some(value()?),
            "--commit" => o.commit = value()?,
            "--keep" => o.keep = true,
            "-h" | "--help" => return Err("see the top of benches/src/bin/oxy-soak.rs".into()),
            other => return Err(format!("unknown option {other}")),
        }
    }
    if o.conns == Some(0)
        || o.max_in_flight == 0
        || o.duration.is_zero()
        || !(0.0..=1.0).contains(&o.good_share)
    {
        return Err(
            "--conns, --max-in-flight and --duration must be positive, --good-share within 0..1"
                .into(),
        );
    }
    Ok(o)
}

fn log(text: &str) {
    eprintln!("[soak] {text}");
}

fn shell(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map_or_else(|| "?".into(), |s| s.trim().to_string())
}

fn machine() -> String {
    let cpus = engine::online_cpus();
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map_or("unknown CPU", |(_, m)| m.trim());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    format!("{cpus} CPUs, {model}; Linux {}", kernel.trim())
}

fn loadavg() -> String {
    let text = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    text.split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

fn main() -> ExitCode {
    let options = match options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("oxy-soak: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let work = std::env::temp_dir().join(format!("oxy-soak.{}", std::process::id()));
    let result = runtime.block_on(run(&options, &work));
    if options.keep {
        log(&format!("work folder kept: {}", work.display()));
    } else {
        let _ = std::fs::remove_dir_all(&work);
    }
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("oxy-soak: {e}");
            ExitCode::from(2)
        }
    }
}

/// The whole soak; Ok(pass).
async fn run(o: &Options, work: &std::path::Path) -> Result<bool, String> {
    let oxynapse = match &o.oxynapse {
        Some(path) => path.clone(),
        None => std::env::current_exe()
            .map_err(|e| e.to_string())?
            .with_file_name("oxynapse"),
    };
    let loadavg_start = loadavg();
    let backends = Backends::start().await.map_err(|e| e.to_string())?;
    engine::write_deploy_dir(&work.join("deploy"), &backends, o.timeout_ms)
        .map_err(|e| e.to_string())?;
    let pin = o.pin && engine::can_pin();
    let mut sut = EngineProcess::start(&oxynapse, work, pin)?;
    let target = Target {
        client: load::client(),
        port: sut.port,
        endpoint_timeout: Duration::from_millis(o.timeout_ms),
        body_bytes: o.body_bytes,
    };
    // Ready when the relay answers as defined.
    let ready = engine::wait_until(Duration::from_secs(30), || async {
        matches!(
            load::request(&target, PathKind::Relay, 0).await.0,
            load::Outcome::Expected { .. }
        )
    })
    .await;
    sut.check_alive()?;
    if !ready {
        return Err(format!(
            "the relay proxy did not answer 200; see {}",
            sut.log.display()
        ));
    }
    let pid = sut.pid();
    let idle = engine::sample(pid, 0.0);
    log(&format!(
        "engine pid {pid} on :{} ({}), backends: echo :{}, refused :{}, hang :{}, reset :{}, html500 :{}",
        sut.port,
        if pin { "CPU 0" } else { "not pinned" },
        backends.echo,
        backends.refused,
        backends.hang,
        backends.reset,
        backends.html500
    ));
    for kind in ALL_PATHS {
        let (outcome, elapsed) = load::request(&target, kind, 1).await;
        log(&format!(
            "check {}: {outcome:?} in {elapsed:?}",
            kind.proxy()
        ));
        if kind.is_good() && !matches!(outcome, load::Outcome::Expected { .. }) {
            return Err(format!("{} does not answer as defined", kind.proxy()));
        }
    }

    let mix = schedule(o.good_share);
    let max = match o.rate {
        Some(_) => None,
        None => {
            let good = [PathKind::Relay, PathKind::Seed];
            let (paths, what, conns): (&[PathKind], &str, usize) = match o.max_on {
                MaxOn::Mix => (&mix, "the soak's mix of good and faulty paths", 200),
                MaxOn::Good => (&good, "the two good paths, alternating", 50),
                MaxOn::Relay => (&good[..1], "the relay", 50),
            };
            let conns = o.conns.unwrap_or(conns);
            let measured = Duration::from_secs(o.max_secs.max(1));
            log(&format!(
                "measuring the maximum for {} s",
                measured.as_secs() + 2
            ));
            let (rps, stats) =
                load::closed_loop(&target, paths, conns, Duration::from_secs(2), measured).await;
            let errors = stats.values().map(|s| s.errors()).sum();
            log(&format!("maximum {rps:.0} req/s ({errors} errors)"));
            Some(MaxRun {
                rps,
                conns,
                measured,
                paths: what.into(),
                errors,
            })
        }
    };
    sut.check_alive()?;
    let rate = o
        .rate
        .unwrap_or_else(|| max.as_ref().map_or(0.0, |m| m.rps * o.load));
    if rate < 1.0 {
        return Err(format!("a rate of {rate:.1} req/s is too low to soak"));
    }
    let load_fraction = max.as_ref().map_or(o.load, |m| rate / m.rps);
    log(&format!(
        "soaking at {rate:.0} req/s for {:.0} s",
        o.duration.as_secs_f64()
    ));

    let open = OpenLoop::new();
    let mut points = Vec::new();
    let sampler = async {
        let step = Duration::from_secs(10);
        let mut at = Duration::ZERO;
        loop {
            tokio::time::sleep_until((open.started + at).into()).await;
            let t = open.started.elapsed().as_secs_f64();
            let Some(sample) = engine::sample(pid, t) else {
                break;
            };
            let point = Point {
                sample,
                done: open.done(),
            };
            let errors = |good: bool| -> u64 {
                let stats = open.stats.lock().unwrap_or_else(|p| p.into_inner());
                stats
                    .iter()
                    .filter(|(k, _)| k.is_good() == good)
                    .map(|(_, s)| s.errors())
                    .sum()
            };
            log(&format!(
                "t={t:>4.0} s  RSS {:.1} MB  FDs {}  answered {}  in flight {}  errors: good {}, faulty {}",
                sample.rss_kb as f64 / 1024.0,
                sample.fds,
                point.done,
                open.in_flight.load(Ordering::Relaxed),
                errors(true),
                errors(false)
            ));
            points.push(point);
            if at >= o.duration {
                break;
            }
            at = (at + step).min(o.duration);
        }
    };
    tokio::join!(
        open.run(&target, &mix, rate, o.duration, o.max_in_flight),
        sampler
    );
    // Every request has its answer: close the client's connections, give the engine a
    // moment to see them go, then count what it still holds against the backends' view.
    let endpoint_timeout = target.endpoint_timeout;
    drop(target);
    tokio::time::sleep(Duration::from_secs(3)).await;
    let drained = engine::sample(pid, open.started.elapsed().as_secs_f64());
    let gauge = |name: &'static str, g: &Gauge| {
        let (accepted, open) = g.snapshot();
        (name, accepted, open)
    };
    let backend_gauges = vec![
        gauge("echo", &backends.echo_gauge),
        gauge("never answers", &backends.hang_gauge),
        gauge("reset", &backends.reset_gauge),
        gauge("500 HTML", &backends.html500_gauge),
    ];
    sut.check_alive()?;
    let record = Record {
        date: shell("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
        machine: machine(),
        commit: o.commit.clone(),
        note: o.note.clone(),
        pinned: pin,
        duration: o.duration,
        warmup: (o.duration / 5).min(Duration::from_secs(60)),
        max,
        load_fraction,
        target_rate: rate,
        good_share: o.good_share,
        body_bytes: o.body_bytes,
        endpoint_timeout,
        skipped: open.skipped.load(Ordering::Relaxed),
        max_in_flight: o.max_in_flight,
        peak_in_flight: open.peak_in_flight.load(Ordering::Relaxed),
        idle,
        points,
        drained,
        paths: open.stats.lock().unwrap_or_else(|p| p.into_inner()).clone(),
        loadavg: (loadavg_start, loadavg()),
        log: engine::log_summary(&sut.log),
        backends: backend_gauges,
    };
    drop(sut);
    let markdown = record.markdown();
    print!("{markdown}");
    if let Some(out) = &o.out {
        std::fs::write(out, &markdown).map_err(|e| format!("{}: {e}", out.display()))?;
        log(&format!("wrote {}", out.display()));
    }
    Ok(record.verdict().is_some_and(|v| v.pass()))
}
