//! The harness of the puller's integration tests: a sandbox on 127.0.0.1:0, a temporary folder
//! with the `recon.toml` and `recon.env` it writes, the puller run in-process (with the real
//! reqwest client) or as the real binary, and views of what the sandbox serves and what the state
//! file holds.
//!
//! The integration tests (`tests/it/`) and the fault suite each use a part of this module.
#![allow(dead_code)]

pub mod cli;
pub mod json;
pub mod served;
pub mod stored;

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use entrata_recon::config::{Config, Env};
use entrata_recon::http::{Pause, RetryPolicy};
use entrata_recon::report::progress::Progress;
use entrata_recon::run::pull::{PullError, PullOptions, PullSummary, pull};
use entrata_recon::source::Source;
use entrata_recon::state::StateFile;
use entrata_recon_sandbox::generate::{GenerateSpec, generate};
use entrata_recon_sandbox::{Dataset, Sandbox, SandboxOptions, start};
use reqwest::Method;
use serde_json::Value;

pub use served::Served;
pub use stored::Stored;

/// Retries fast: the sandbox's faults are the thing under test, not our patience.
pub const FAST_RETRIES: RetryPolicy = RetryPolicy {
    max_attempts: 5,
    base_delay: Duration::from_millis(5),
    max_delay: Duration::from_millis(50),
    max_retry_after: Duration::from_secs(5),
};

/// How long a poll waits for the sandbox to reach a state before the test fails.
const POLL_DEADLINE: Duration = Duration::from_secs(20);

pub struct Harness {
    pub sandbox: Sandbox,
    /// Holds `recon.toml`, `recon.env` and the state file `recon.sqlite`.
    pub dir: tempfile::TempDir,
    http: reqwest::Client,
}

/// What the binary did.
#[derive(Debug)]
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn all_output(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

/// A small generated portfolio's dataset (`properties=N,months=M,seed=S`).
pub fn generated(spec: &str) -> SandboxOptions {
    let spec: GenerateSpec = spec.parse().expect("valid generate spec");
    json_dataset(&generate(&spec))
}

/// A dataset file under `fixtures/`.
pub fn fixture(name: &str) -> SandboxOptions {
    json_dataset(&fixture_text(name).into_bytes())
}

pub fn fixture_text(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

pub fn json_dataset(bytes: &[u8]) -> SandboxOptions {
    SandboxOptions::new(Dataset::from_json(bytes).expect("test dataset is valid"))
}

impl Harness {
    /// Starts the sandbox and writes its config into a fresh temporary folder.
    pub async fn start(options: SandboxOptions) -> Harness {
        let sandbox = start(options).await.expect("sandbox starts");
        let dir = tempfile::tempdir().expect("temporary folder");
        sandbox.write_config(&dir.path().join("recon.toml")).expect("config written");
        let http = reqwest::Client::builder().no_proxy().build().expect("HTTP client");
        Harness { sandbox, dir, http }
    }

    pub fn config_path(&self) -> PathBuf {
        self.dir.path().join("recon.toml")
    }

    pub fn env_path(&self) -> PathBuf {
        self.dir.path().join("recon.env")
    }

    pub fn state_path(&self) -> PathBuf {
        self.dir.path().join("recon.sqlite")
    }

    /// Sets (or with `None` removes) a key of `[source]` in `recon.toml`.
    pub fn set_source(&self, key: &str, value: Option<toml::Value>) {
        let path = self.config_path();
        let text = std::fs::read_to_string(&path).expect("config");
        let mut config: toml::Table = text.parse().expect("config is TOML");
        let source = config.get_mut("source").and_then(toml::Value::as_table_mut).expect("[source]");
        match value {
            Some(value) => source.insert(key.to_owned(), value),
            None => source.remove(key),
        };
        std::fs::write(&path, toml::to_string(&config).expect("TOML")).expect("config written");
    }

    /// Sets (or with `None` removes) a key of `[posting]` in `recon.toml`.
    pub fn set_posting(&self, key: &str, value: Option<toml::Value>) {
        let path = self.config_path();
        let text = std::fs::read_to_string(&path).expect("config");
        let mut config: toml::Table = text.parse().expect("config is TOML");
        let posting = config
            .entry("posting")
            .or_insert_with(|| toml::Value::Table(toml::Table::new()))
            .as_table_mut()
            .expect("[posting]");
        match value {
            Some(value) => posting.insert(key.to_owned(), value),
            None => posting.remove(key),
        };
        std::fs::write(&path, toml::to_string(&config).expect("TOML")).expect("config written");
    }

    /// Sets (or with `None` removes) a key of `[targets.<target>]` in `recon.toml`.
    pub fn set_target(&self, target: &str, key: &str, value: Option<toml::Value>) {
        let path = self.config_path();
        let text = std::fs::read_to_string(&path).expect("config");
        let mut config: toml::Table = text.parse().expect("config is TOML");
        let targets = config.get_mut("targets").and_then(toml::Value::as_table_mut).expect("[targets]");
        let table = targets.get_mut(target).and_then(toml::Value::as_table_mut).expect("[targets.<target>]");
        match value {
            Some(value) => table.insert(key.to_owned(), value),
            None => table.remove(key),
        };
        std::fs::write(&path, toml::to_string(&config).expect("TOML")).expect("config written");
    }

    /// The example mapping files in `mappings/` next to the config.
    pub fn write_mappings(&self) {
        entrata_recon::mapping::examples::write_example_mappings(&self.dir.path().join("mappings"))
            .expect("mappings");
    }

    /// Sets (or with `None` removes) a variable of `recon.env`.
    pub fn set_env(&self, name: &str, value: Option<&str>) {
        let path = self.env_path();
        let text = std::fs::read_to_string(&path).expect("env file");
        let mut lines: Vec<String> =
            text.lines().filter(|l| !l.starts_with(&format!("{name}="))).map(str::to_owned).collect();
        if let Some(value) = value {
            lines.push(entrata_recon::config::env_file_line(name, value).trim_end().to_owned());
        }
        std::fs::write(&path, lines.join("\n") + "\n").expect("env file written");
    }

    /// The value of a variable in `recon.env`.
    pub fn env_value(&self, name: &str) -> String {
        let text = std::fs::read_to_string(self.env_path()).expect("env file");
        dotenvy::from_read_iter(text.as_bytes())
            .map(|pair| pair.expect("recon.env is a valid env file"))
            .find(|(key, _)| key == name)
            .unwrap_or_else(|| panic!("{name} not in recon.env"))
            .1
    }

    /// The settled configuration, from the files only (the test process's environment is ignored,
    /// so a developer's own ENTRATA_* variables cannot change a test).
    pub fn config(&self) -> Config {
        let path = self.config_path();
        let text = std::fs::read_to_string(&path).expect("config");
        Config::parse(&path, &text, Env::default()).expect("config is valid")
    }

    /// The connector's client for this config, retrying fast.
    pub fn client(&self) -> Source {
        let config = self.config();
        Source::from_config(&config)
            .expect("client and credentials in recon.env")
            .with_retry_policy(FAST_RETRIES)
    }

    /// A virtual clock for the client's waits: each wait takes no real time and moves the
    /// sandbox's clock forward by as much, so `Retry-After` and rate-limit windows are honoured
    /// exactly and checked from `Pause::waits`, never from wall time.
    pub fn virtual_pause(&self) -> Pause {
        let clock = self.sandbox.clock();
        Pause::virtual_clock(move |waited| {
            clock.advance(waited);
        })
    }

    /// One pull in-process, as `entrata-recon pull` does it (without the lock and the run row).
    pub async fn try_pull(&self, options: PullOptions) -> Result<PullSummary, PullError> {
        self.spawn_pull(options).await.expect("pull task")
    }

    /// One pull in-process whose client waits on `pause`.
    pub async fn pull_pausing(&self, pause: Pause) -> PullSummary {
        let config = self.config();
        let client = self.client().with_pause(pause);
        let state = StateFile::open(&config.state_path).await.expect("state file");
        let result = pull(&config, &client, &state, &PullOptions::default(), &Progress::hidden()).await;
        state.close().await;
        result.unwrap_or_else(|e| panic!("pull failed: {e}"))
    }

    pub async fn pull(&self) -> PullSummary {
        self.try_pull(PullOptions::default()).await.unwrap_or_else(|e| panic!("pull failed: {e}"))
    }

    /// A pull running in the background, so that a test can act while it pages.
    pub fn spawn_pull(
        &self,
        options: PullOptions,
    ) -> tokio::task::JoinHandle<Result<PullSummary, PullError>> {
        let config = self.config();
        let client = self.client();
        tokio::spawn(async move {
            let state = StateFile::open(&config.state_path).await?;
            let result = pull(&config, &client, &state, &options, &Progress::hidden()).await;
            state.close().await;
            result
        })
    }

    pub async fn state(&self) -> StateFile {
        StateFile::open_read_only(&self.state_path()).await.expect("state file")
    }

    /// The real binary with `--config` set; the environment is cleared but for `PATH` (which an
    /// `mfa_code_command` needs), so secrets come only from `recon.env`.
    pub fn command(&self, args: &[&str]) -> tokio::process::Command {
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_entrata-recon"));
        command
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .arg("--config")
            .arg(self.config_path())
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        command
    }

    pub async fn run(&self, args: &[&str]) -> Run {
        let output = self.command(args).output().await.expect("the binary runs");
        Run {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    // ---- the sandbox's control endpoints ----

    pub async fn control(&self, method: Method, path: &str, body: Option<String>) -> Value {
        let url = format!("{}{path}", self.sandbox.base_url());
        let mut request = self.http.request(method.clone(), &url);
        if let Some(body) = body {
            request = request.header("content-type", "application/json").body(body);
        }
        let response = request.send().await.unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let status = response.status();
        let text = response.text().await.expect("control response body");
        assert!(status.is_success(), "{method} {path}: {status} {text}");
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{method} {path}: not JSON ({e}): {text}"))
    }

    /// Everything the sandbox serves now, and its request counts.
    pub async fn served(&self) -> Served {
        let url = format!("{}/_sandbox/state", self.sandbox.base_url());
        let text = self.http.get(url).send().await.expect("sandbox state").text().await.expect("body");
        Served::parse(&text)
    }

    /// Requests the sandbox has served per endpoint (`GET /entrata/.../charges`).
    pub async fn requests(&self) -> served::Requests {
        let state = self.control(Method::GET, "/_sandbox/state?items=false", None).await;
        served::Requests::from_json(&state["requests"])
    }

    /// Replaces the fault plan (its counters start again).
    pub async fn set_faults(&self, plan: &str) {
        self.control(Method::POST, "/_sandbox/faults", Some(plan.to_owned())).await;
    }

    /// How often each rule of the fault plan fired.
    pub async fn fired(&self) -> Vec<u64> {
        let plan = self.control(Method::GET, "/_sandbox/faults", None).await;
        let rules = plan["rules"].as_array().expect("rules");
        rules.iter().map(|r| r["fired"].as_u64().expect("fired")).collect()
    }

    /// Polls until rule `rule` has fired `times` times; fails the test after a deadline.
    pub async fn wait_until_fired(&self, rule: usize, times: u64) {
        let deadline = Instant::now() + POLL_DEADLINE;
        loop {
            if self.fired().await[rule] >= times {
                return;
            }
            assert!(Instant::now() < deadline, "fault rule {rule} did not fire {times} time(s)");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// `POST /_sandbox/entrata/{kind}`: one item or an array, as JSON text; returns the answer.
    pub async fn upsert(&self, kind: &str, body: &str) -> Value {
        self.control(Method::POST, &format!("/_sandbox/entrata/{kind}"), Some(body.to_owned())).await
    }

    pub async fn advance_time(&self, seconds: u64) {
        let body = format!("{{\"advanceSeconds\": {seconds}}}");
        self.control(Method::POST, "/_sandbox/time", Some(body)).await;
    }

    /// A session token, logging in as the user in `recon.env` (with its TOTP code).
    pub async fn login_token(&self) -> String {
        let secret =
            entrata_recon_sandbox::totp::TotpSecret::from_base32(&self.env_value("ENTRATA_TOTP_SECRET"))
                .expect("TOTP secret");
        let now =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_secs();
        let body = serde_json::json!({
            "username": self.env_value("ENTRATA_USERNAME"),
            "password": self.env_value("ENTRATA_PASSWORD"),
            "mfa": {"type": "totp", "code": secret.code_at(now)},
        });
        let response = self
            .http
            .post(format!("{}/sessions", self.sandbox.entrata_base_url()))
            .header("authorization", format!("Basic {}", self.env_value("ENTRATA_INTEGRATION_TOKEN")))
            .json(&body)
            .send()
            .await
            .expect("login");
        let reply: Value = response.json().await.expect("login answer");
        reply["authToken"].as_str().unwrap_or_else(|| panic!("no token: {reply}")).to_owned()
    }

    // ---- the state file ----

    /// Every row of the state file's items table.
    pub async fn stored(&self) -> Stored {
        Stored::read(&self.state_path()).await
    }

    /// The state file holds exactly what the sandbox serves: every item's current version is the
    /// served bytes, with their hash; no item is missing, extra or stored twice.
    pub async fn assert_state_matches_sandbox(&self) {
        let served = self.served().await;
        self.stored().await.assert_matches(&served);
    }
}
