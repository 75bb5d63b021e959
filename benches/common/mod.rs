//! What both benchmarks share: a generated portfolio served by an in-process sandbox, the
//! connector run as a child process and measured (wall time, CPU, peak RSS from `wait4`), and a
//! table printer.
//!
//! The sandbox lives in the bench process and the connector in its own, so the child's peak RSS is
//! the connector's alone. The sandbox's rate limit is raised: the real 1,200 requests a minute
//! would make a million-item pull wait on Entrata's budget, not on the connector.

#![allow(dead_code)] // each bench uses a different part

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use entrata_recon::state::StateFile;
use entrata_recon_sandbox::generate::{GenerateSpec, generate_with_summary};
use entrata_recon_sandbox::{Dataset, EntrataKind, EntrataLimits, Sandbox, SandboxOptions, start};

pub const BIN: &str = env!("CARGO_BIN_EXE_entrata-recon");

/// False when the binary was started by `cargo test --benches` (or `--all-targets`) rather than
/// `cargo bench`, which passes `--bench`: a test run must not spend minutes benchmarking.
pub fn started_by_cargo_bench(name: &str) -> bool {
    let asked = std::env::args().any(|a| a == "--bench");
    if !asked {
        eprintln!("{name}: a benchmark; run it with `cargo bench --bench {name}`");
    }
    asked
}

/// `BENCH_SPECS="properties=10,months=12;properties=100,months=12"` overrides the sizes.
pub fn specs(default: &[&str]) -> Vec<GenerateSpec> {
    let text = std::env::var("BENCH_SPECS").unwrap_or_else(|_| default.join(";"));
    text.split(';')
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.parse().unwrap_or_else(|e| fail(&format!("BENCH_SPECS: {e}"))))
        .collect()
}

pub fn fail(message: &str) -> ! {
    eprintln!("bench failed: {message}");
    std::process::exit(2)
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| fail(&format!("tokio runtime: {e}")))
}

/// Items the sandbox serves for one spec, by the state file's kind names.
#[derive(Debug, Clone, Copy, Default)]
pub struct Served {
    pub properties: u64,
    pub ar_codes: u64,
    pub leases: u64,
    pub charges: u64,
    pub payments: u64,
    pub deposits: u64,
}

impl Served {
    /// Everything `pull` stores.
    pub fn total(&self) -> u64 {
        self.properties + self.ar_codes + self.leases + self.ledger()
    }

    /// Charges, payments and deposits.
    pub fn ledger(&self) -> u64 {
        self.charges + self.payments + self.deposits
    }
}

/// A generated portfolio behind a running sandbox, and a temporary folder with its `recon.toml`.
pub struct Portfolio {
    pub spec: GenerateSpec,
    pub served: Served,
    pub sandbox: Option<Sandbox>,
    pub dir: tempfile::TempDir,
    pub generate_s: f64,
}

impl Portfolio {
    pub async fn start(spec: GenerateSpec) -> Portfolio {
        let started = Instant::now();
        let generated = generate_with_summary(&spec);
        let dataset = Dataset::from_json(&generated.json).unwrap_or_else(|e| fail(&format!("dataset: {e}")));
        drop(generated);
        let count = |kind| dataset.count(kind) as u64;
        let served = Served {
            properties: count(EntrataKind::Properties),
            ar_codes: count(EntrataKind::ArCodes),
            leases: count(EntrataKind::Leases),
            charges: count(EntrataKind::Charges),
            payments: count(EntrataKind::Payments),
            deposits: count(EntrataKind::Deposits),
        };
        let mut options = SandboxOptions::new(dataset);
        options.entrata_limits =
            EntrataLimits { requests_per_window: 1_000_000, window_s: 60, ..EntrataLimits::default() };
        let sandbox = start(options).await.unwrap_or_else(|e| fail(&format!("sandbox: {e}")));
        let dir = tempfile::Builder::new()
            .prefix("entrata-recon-bench-")
            .tempdir()
            .unwrap_or_else(|e| fail(&format!("temp dir: {e}")));
        sandbox.write_config(&dir.path().join("recon.toml")).unwrap_or_else(|e| fail(&e.to_string()));
        let generate_s = started.elapsed().as_secs_f64();
        Portfolio { spec, served, sandbox: Some(sandbox), dir, generate_s }
    }

    pub fn config(&self) -> PathBuf {
        self.dir.path().join("recon.toml")
    }

    pub fn state_path(&self) -> PathBuf {
        self.dir.path().join("recon.sqlite")
    }

    /// `entrata-recon --config <dir>/recon.toml -q <args>`.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(BIN);
        command.arg("--config").arg(self.config()).arg("-q").args(args);
        command
    }

    /// Runs `pull` as a child and checks that every served item arrived.
    pub async fn pull(&self, label: &str) -> Measured {
        let measured = run_child(self.command(&["pull"]), self.dir.path(), label, &[0]);
        let stored = self.stored().await;
        let expected = self.served.total();
        if stored != expected {
            fail(&format!(
                "{label}: the state file holds {stored} current items, the sandbox serves {expected}"
            ));
        }
        measured
    }

    /// Current items in the state file.
    pub async fn stored(&self) -> u64 {
        let state =
            StateFile::open_read_only(&self.state_path()).await.unwrap_or_else(|e| fail(&e.to_string()));
        let counts = state.status_counts().await.unwrap_or_else(|e| fail(&e.to_string()));
        state.close().await;
        counts.items_by_kind.iter().map(|(_, n)| *n as u64).sum()
    }

    /// Stops the sandbox and frees its dataset (the plan bench needs only the state file).
    pub async fn stop_sandbox(&mut self) {
        if let Some(sandbox) = self.sandbox.take() {
            sandbox.shutdown().await;
        }
    }
}

/// One child process, measured.
#[derive(Debug, Clone, Copy)]
pub struct Measured {
    pub wall: Duration,
    pub user: Duration,
    pub sys: Duration,
    /// Peak resident set size (`ru_maxrss`, the child's VmHWM).
    pub max_rss_kib: u64,
    pub exit_code: i32,
}

impl Measured {
    pub fn cpu(&self) -> Duration {
        self.user + self.sys
    }
}

/// Runs `command` (stdout to `<dir>/<label>.out`, or to /dev/null when `label` ends in `-null`;
/// stderr to `<dir>/<label>.err`) and measures it.
///
/// The child is started through a copy of this bench binary (`launch`), not from this process:
/// Linux carries the parent's peak RSS into a child's `ru_maxrss` across fork and exec, and this
/// process holds the sandbox's whole dataset. The launcher is a few MiB, so the connector's
/// figure is its own.
pub fn run_child(command: Command, dir: &Path, label: &str, ok_codes: &[i32]) -> Measured {
    let out_path = dir.join(format!("{label}.out"));
    let err_path = dir.join(format!("{label}.err"));
    let report_path = dir.join(format!("{label}.rusage"));
    let stdout = if label.ends_with("-null") { File::create("/dev/null") } else { File::create(&out_path) };
    let stdout = stdout.unwrap_or_else(|e| fail(&format!("{label}: stdout file: {e}")));
    let stderr = File::create(&err_path).unwrap_or_else(|e| fail(&format!("{label}: stderr file: {e}")));
    let me = std::env::current_exe().unwrap_or_else(|e| fail(&format!("current_exe: {e}")));
    let status = Command::new(me)
        .arg(LAUNCH_FLAG)
        .arg(&report_path)
        .arg(command.get_program())
        .args(command.get_args())
        .stdin(Stdio::null())
        .stdout(Stdio::from(stdout))
        .stderr(Stdio::from(stderr))
        .status()
        .unwrap_or_else(|e| fail(&format!("{label}: cannot start the launcher: {e}")));
    if !status.success() {
        fail(&format!("{label}: the launcher failed: {status}"));
    }
    let report = std::fs::read_to_string(&report_path).unwrap_or_default();
    let numbers: Vec<i64> = report.split_whitespace().filter_map(|n| n.parse().ok()).collect();
    let [wall_us, user_us, sys_us, max_rss_kib, exit_code] = numbers[..] else {
        fail(&format!("{label}: unreadable launcher report {report:?}"))
    };
    let exit_code = exit_code as i32;
    if !ok_codes.contains(&exit_code) {
        let stderr = std::fs::read_to_string(&err_path).unwrap_or_default();
        fail(&format!("{label}: exit code {exit_code}\n{stderr}"));
    }
    let micros = |n: i64| Duration::from_micros(n.max(0) as u64);
    Measured {
        wall: micros(wall_us),
        user: micros(user_us),
        sys: micros(sys_us),
        max_rss_kib: max_rss_kib.max(0) as u64,
        exit_code,
    }
}

const LAUNCH_FLAG: &str = "--launch-and-wait4";

/// Call first in `main`: when this binary was started as the launcher (`run_child`), runs the
/// program given, reaps it with `wait4`, writes `wall_us user_us sys_us max_rss_kib exit_code`
/// to the report file and exits.
pub fn launch_if_asked() {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if args.get(1).is_none_or(|a| a != LAUNCH_FLAG) {
        return;
    }
    let [_, _, report, program, rest @ ..] = &args[..] else { fail("launcher: missing arguments") };
    let started = Instant::now();
    let child = Command::new(program)
        .args(rest)
        .spawn()
        .unwrap_or_else(|e| fail(&format!("launcher: cannot start {}: {e}", Path::new(program).display())));
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: an all-zero rusage is a valid value of this plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our own child, not yet reaped (std's Child is never waited on), and both
    // pointers are to live locals.
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = started.elapsed();
    if reaped != pid {
        fail(&format!("launcher: wait4: {}", std::io::Error::last_os_error()));
    }
    let exit_code = if libc::WIFEXITED(status) { libc::WEXITSTATUS(status) } else { -1 };
    let micros = |t: libc::timeval| t.tv_sec * 1_000_000 + t.tv_usec;
    let report_text = format!(
        "{} {} {} {} {exit_code}\n",
        wall.as_micros(),
        micros(usage.ru_utime),
        micros(usage.ru_stime),
        usage.ru_maxrss
    );
    std::fs::write(report, report_text).unwrap_or_else(|e| fail(&format!("launcher: report: {e}")));
    std::process::exit(0);
}

/// CPU time of this process so far (the in-process sandbox, while a child runs).
pub fn self_cpu() -> Duration {
    // SAFETY: as in `run_child`.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: RUSAGE_SELF with a pointer to a live local.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    let time = |t: libc::timeval| Duration::from_micros((t.tv_sec * 1_000_000 + t.tv_usec).max(0) as u64);
    time(usage.ru_utime) + time(usage.ru_stime)
}

/// `1234567` -> `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub fn mib(kib: u64) -> String {
    format!("{:.0}", kib as f64 / 1024.0)
}

/// A plain text table: a header row, then rows, columns right-aligned except the first.
pub fn print_table(header: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.len());
        }
    }
    let line = |cells: Vec<&str>| {
        let parts: Vec<String> = cells
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (c, w))| if i == 0 { format!("{c:<w$}") } else { format!("{c:>w$}") })
            .collect();
        println!("{}", parts.join("  "));
    };
    line(header.to_vec());
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
}

/// A new state file at the config's path with everything the sandbox serves pulled into it, in
/// this process (a bench's set-up, not measured).
pub async fn pulled_in_process(
    config: &entrata_recon::config::Config,
    bench: &str,
    spec: &GenerateSpec,
) -> StateFile {
    let state = StateFile::open(&config.state_path).await.unwrap_or_else(|e| fail(&e.to_string()));
    let client = entrata_recon::source::Source::from_config(config).unwrap_or_else(|e| fail(&e.to_string()));
    eprintln!("{bench} bench: pulling {spec} (set-up)...");
    let options = entrata_recon::run::pull::PullOptions::default();
    let progress = entrata_recon::report::progress::Progress::hidden();
    entrata_recon::run::pull::pull(config, &client, &state, &options, &progress)
        .await
        .unwrap_or_else(|e| fail(&e.to_string()));
    state
}

/// The sandbox's request counts per endpoint and status (`GET /_sandbox/state`).
pub async fn requests(base: &str) -> std::collections::BTreeMap<String, u64> {
    serde_json::from_value(sandbox_state(base).await["requests"].clone()).unwrap_or_default()
}

/// `GET /_sandbox/state` without the items.
pub async fn sandbox_state(base: &str) -> serde_json::Value {
    reqwest::get(format!("{base}/_sandbox/state?items=false"))
        .await
        .unwrap_or_else(|e| fail(&e.to_string()))
        .json()
        .await
        .unwrap_or_else(|e| fail(&e.to_string()))
}
