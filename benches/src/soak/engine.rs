//! The system under test: a deploy folder of one proxy per path, the release `oxynapse`
//! process (pinned to CPU 0 when it can be), and its RSS, open FDs and CPU time from `/proc`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::PathKind;
use super::backends::Backends;

/// Endpoint QoS that turns suspension off (a zero-length suspension), so that every faulty
/// request really reaches its backend instead of failing fast with 503 after the first.
const NO_SUSPENSION: &str = "<suspendOnFailure><initialDuration>0</initialDuration>\
    <progressionFactor>1.0</progressionFactor><maximumDuration>0</maximumDuration>\
    </suspendOnFailure><markForSuspension><retriesBeforeSuspension>0</retriesBeforeSuspension>\
    </markForSuspension>";

/// The proxy of one path, for the backends' ports; `timeout_ms` is the endpoint `<timeout>`
/// of the never-answering backend's proxy.
pub fn proxy_xml(kind: PathKind, backends: &Backends, timeout_ms: u64) -> String {
    let name = kind.proxy();
    let relay = |port: u16, qos: &str| {
        format!(
            r#"<proxy xmlns="http://ws.apache.org/ns/synapse" name="{name}" transports="http">
  <target>
    <inSequence>
      <send><endpoint><address uri="http://127.0.0.1:{port}/{name}">{qos}</address></endpoint></send>
    </inSequence>
    <outSequence><send/></outSequence>
  </target>
</proxy>
"#
        )
    };
    match kind {
        PathKind::Relay => relay(backends.echo, ""),
        PathKind::Refused => relay(backends.refused, NO_SUSPENSION),
        PathKind::Reset => relay(backends.reset, NO_SUSPENSION),
        PathKind::Html500 => relay(backends.html500, NO_SUSPENSION),
        PathKind::Timeout => relay(
            backends.hang,
            &format!(
                "<timeout><duration>{timeout_ms}</duration><responseAction>fault</responseAction></timeout>{NO_SUSPENSION}"
            ),
        ),
        PathKind::Seed => format!(
            r#"<proxy xmlns="http://ws.apache.org/ns/synapse" name="{name}" transports="https,http">
  <target>
    <inSequence>
      <property name="seq" expression="json-eval($.seq)"/>
      <property name="symbol" expression="json-eval($.symbol)"/>
      <property name="qty" expression="json-eval($.order.qty)"/>
      <property name="accessToken" expression="json-eval($.accessToken)"/>
      <payloadFactory media-type="json">
        <format>{{"orderId": $1, "ticker": "$2", "quantity": $3}}</format>
        <args>
          <arg expression="$ctx:seq"/>
          <arg expression="$ctx:symbol"/>
          <arg expression="$ctx:qty"/>
        </args>
      </payloadFactory>
      <header name="Authorization" expression="fn:concat('Bearer ', $ctx:accessToken)" scope="transport"/>
      <call><endpoint><address uri="http://127.0.0.1:{port}/orders"/></endpoint></call>
      <property name="echoed" expression="json-eval($.orderId)"/>
      <payloadFactory media-type="json">
        <format>{{"seq": $1, "symbol": "$2", "quantity": $3, "checked": true}}</format>
        <args>
          <arg expression="$ctx:echoed"/>
          <arg evaluator="json" expression="$.ticker"/>
          <arg evaluator="json" expression="$.quantity"/>
        </args>
      </payloadFactory>
      <respond/>
    </inSequence>
  </target>
</proxy>
"#,
            port = backends.echo
        ),
    }
}

/// Writes one proxy file per path into `dir`.
pub fn write_deploy_dir(dir: &Path, backends: &Backends, timeout_ms: u64) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    for kind in super::ALL_PATHS {
        std::fs::write(
            dir.join(format!("{}.xml", kind.proxy())),
            proxy_xml(kind, backends, timeout_ms),
        )?;
    }
    Ok(())
}

/// The running engine; killed when dropped.
#[derive(Debug)]
pub struct EngineProcess {
    child: Child,
    pub port: u16,
    pub pinned: bool,
    pub log: PathBuf,
}

/// The machine's online CPUs, from `/sys/devices/system/cpu/online` ("0-1", "0,2-3").
/// Not `available_parallelism`: `soak.sh` runs this process under `taskset -c 1`, and that
/// counts only the CPUs this process may use.
pub fn online_cpus() -> usize {
    let text = std::fs::read_to_string("/sys/devices/system/cpu/online").unwrap_or_default();
    let counted: usize = text
        .trim()
        .split(',')
        .filter_map(|range| match range.split_once('-') {
            Some((a, b)) => Some(b.parse::<usize>().ok()? + 1 - a.parse::<usize>().ok()?),
            None => range.parse::<usize>().ok().map(|_| 1),
        })
        .sum();
    if counted > 0 {
        counted
    } else {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    }
}

/// Whether `taskset` can pin the engine to CPU 0 (it exists and there are two CPUs or more).
pub fn can_pin() -> bool {
    online_cpus() >= 2
        && Command::new("taskset")
            .arg("-V")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
}

/// A free port on 127.0.0.1 (bound, then released).
pub fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

impl EngineProcess {
    /// `oxynapse serve` on the folder, with warnings logged to `work/oxynapse.log`.
    pub fn start(oxynapse: &Path, work: &Path, pin: bool) -> Result<EngineProcess, String> {
        let port = free_port().map_err(|e| e.to_string())?;
        let management = free_port().map_err(|e| e.to_string())?;
        let log = work.join("oxynapse.log");
        let log_file =
            std::fs::File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
        let err_file = log_file.try_clone().map_err(|e| e.to_string())?;
        let mut command = if pin {
            let mut c = Command::new("taskset");
            c.args(["-c", "0"]).arg(oxynapse);
            c
        } else {
            Command::new(oxynapse)
        };
        command
            .arg("serve")
            .arg("--deploy-dir")
            .arg(work.join("deploy"))
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args(["--management-port", &management.to_string()])
            .arg("--data-dir")
            .arg(work.join("data"))
            .arg("--no-watch")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(log_file)
            .stderr(err_file);
        let child = command
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", oxynapse.display()))?;
        Ok(EngineProcess {
            child,
            port,
            pinned: pin,
            log,
        })
    }

    /// The engine's PID (`taskset` execs it, so the PID is the same).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Err when the process has exited.
    pub fn check_alive(&mut self) -> Result<(), String> {
        match self.child.try_wait() {
            Ok(None) => Ok(()),
            Ok(Some(status)) => Err(format!(
                "the engine exited ({status}); see {}",
                self.log.display()
            )),
            Err(e) => Err(e.to_string()),
        }
    }
}

impl Drop for EngineProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One look at the engine process.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    /// Seconds since the soak began (negative before it).
    pub t: f64,
    pub rss_kb: u64,
    pub fds: u64,
    /// utime + stime, in seconds.
    pub cpu_s: f64,
    pub threads: u64,
}

/// Reads VmRSS and Threads from `/proc/PID/status`, counts `/proc/PID/fd`, and the CPU time
/// from `/proc/PID/stat`.
pub fn sample(pid: u32, t: f64) -> Option<Sample> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| -> Option<u64> {
        let line = status.lines().find(|l| l.starts_with(name))?;
        line.split_whitespace().nth(1)?.parse().ok()
    };
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd")).ok()?.count() as u64;
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after "pid (comm) ": utime and stime are the 12th and 13th.
    let after = stat.rsplit_once(") ")?.1;
    let mut fields = after.split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(Sample {
        t,
        rss_kb: field("VmRSS:")?,
        fds,
        cpu_s: (utime + stime) as f64 / clock_ticks(),
        threads: field("Threads:").unwrap_or(0),
    })
}

/// Clock ticks per second of `/proc/PID/stat` (`getconf CLK_TCK`, 100 on Linux).
fn clock_ticks() -> f64 {
    static TICKS: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(100.0)
    })
}

/// How many lines of the engine's log mention a level, and whether it panicked.
pub fn log_summary(log: &Path) -> (usize, usize, usize) {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let count = |needle: &str| text.lines().filter(|l| l.contains(needle)).count();
    (text.lines().count(), count("ERROR"), count("panicked"))
}

/// Waits up to `limit` for `check` to hold, polling every 20 ms.
pub async fn wait_until<F, Fut>(limit: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + limit;
    while tokio::time::Instant::now() < deadline {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    false
}
