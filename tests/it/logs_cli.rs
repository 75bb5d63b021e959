//! What the logs say: a wait of more than a couple of seconds says what it waits for and how long;
//! `-vv` shows every HTTP request with its method, URL and time, and no secret; with
//! `--log-format json` a fatal error is a JSON line too.

use crate::common;

use std::sync::{Arc, Mutex};

use common::{Harness, generated};
use entrata_recon_sandbox::{EntrataLimits, SandboxOptions};
use serde_json::Value;

/// Log lines written by the code under test, captured (on this thread: the test's runtime is
/// single-threaded, so the pull's tasks log here).
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

fn capture() -> (Captured, tracing::subscriber::DefaultGuard) {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter("entrata_recon=info")
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    (captured, tracing::subscriber::set_default(subscriber))
}

#[tokio::test]
async fn a_long_wait_for_the_rate_limit_says_what_it_waits_for_and_how_long() {
    // Three requests a window of 4 s: the pull's seven requests wait for the window twice, each
    // time longer than the 2 s past which a wait is announced.
    let limits = EntrataLimits { requests_per_window: 3, window_s: 4, ..EntrataLimits::default() };
    let h = Harness::start(SandboxOptions {
        entrata_limits: limits,
        ..generated("properties=1,months=1,seed=5")
    })
    .await;
    let (log, _guard) = capture();
    let pause = h.virtual_pause();
    let summary = h.pull_pausing(pause.clone()).await;
    assert_eq!(summary.client.throttled, 0, "the client waited instead of being told to");
    let long = pause.waits().iter().filter(|w| w.as_secs_f64() >= 2.0).count();
    assert!(long >= 1, "{:?}", pause.waits());
    let log = log.text();
    let said: Vec<&str> = log.lines().filter(|l| l.contains("rate-limit budget is spent")).collect();
    // Concurrent requests held for the same window say it once.
    assert!((1..=long).contains(&said.len()), "{long} long waits: {log}");
    for line in said {
        let seconds: u64 = line
            .split("waiting ")
            .nth(1)
            .and_then(|rest| rest.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no duration in {line}"));
        assert!((2..=4).contains(&seconds), "{line}");
        assert!(
            line.contains("(X-RateLimit-Remaining: 0)") && line.contains("s for its window to reset"),
            "{line}"
        );
    }
}

#[tokio::test]
async fn a_retry_after_wait_says_why_and_how_long() {
    let h = Harness::start(generated("properties=1,months=1,seed=5")).await;
    h.set_faults(r#"[{"service": "entrata", "method": "GET", "path": "**/charges", "nth": 1, "action": {"status": 429, "retry_after_s": 5}}]"#)
        .await;
    let (log, _guard) = capture();
    let pause = h.virtual_pause();
    h.pull_pausing(pause.clone()).await;
    assert!(pause.waits().contains(&std::time::Duration::from_secs(5)), "{:?}", pause.waits());
    let log = log.text();
    assert!(log.contains("Entrata request failed (429 rate limited); retrying in 5 s"), "{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn very_verbose_logs_show_each_request_without_secrets() {
    let h = Harness::start(generated("properties=1,months=1,seed=5")).await;
    let secrets: Vec<String> =
        ["ENTRATA_PASSWORD", "ENTRATA_INTEGRATION_TOKEN", "ENTRATA_TOTP_SECRET", "ENTRATA_USERNAME"]
            .iter()
            .map(|name| h.env_value(name))
            .collect();
    let verbose = h.run(&["-v", "pull"]).await;
    assert_eq!(verbose.code, Some(0), "{verbose:?}");
    assert!(!verbose.stderr.contains("HTTP request"), "-v does not list requests: {}", verbose.stderr);

    let run = h.run(&["-vv", "pull", "--full"]).await;
    assert_eq!(run.code, Some(0), "{run:?}");
    let requests: Vec<&str> = run.stderr.lines().filter(|l| l.contains("HTTP request")).collect();
    let base = h.sandbox.entrata_base_url();
    assert!(requests.len() >= 7, "{}", run.stderr);
    assert!(
        requests.iter().any(|l| l.contains("method=POST") && l.contains(&format!("url={base}/sessions")))
    );
    let list = requests.iter().find(|l| l.contains("/charges?")).expect("a list request");
    assert!(
        list.contains("method=GET") && list.contains("status=200") && list.contains("elapsed_ms="),
        "{list}"
    );
    for secret in &secrets {
        assert!(!run.stderr.contains(secret.as_str()), "a secret reached the log");
    }

    // The same as JSON, a line an event.
    let json = h.run(&["--log-format", "json", "-vv", "pull"]).await;
    let request = json
        .stderr
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .find(|v| v["fields"]["message"] == "HTTP request")
        .expect("a request line");
    assert!(request["fields"]["url"].as_str().unwrap_or_default().starts_with(&base), "{request}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fatal_errors_are_json_with_log_format_json() {
    let h = Harness::start(generated("properties=1,months=1,seed=5")).await;
    for args in [
        &["--log-format", "json", "--state", "/nonexistent/recon.sqlite", "status"][..],
        &["--log-format", "json", "plan", "--period", "2026-13"],
        &["--log-format=json", "sandbox", "--faults", "/nonexistent/faults.json"],
    ] {
        let run = h.run(args).await;
        assert_eq!(run.code, Some(2), "{args:?}: {run:?}");
        let lines: Vec<&str> = run.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "{args:?}: {}", run.stderr);
        let error: Value = serde_json::from_str(lines[0])
            .unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}): {}", lines[0]));
        assert_eq!(error["level"], "ERROR", "{error}");
        assert_eq!(error["fields"]["exit_code"], 2, "{error}");
        assert!(error["fields"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{error}");
    }
    let text = h.run(&["--state", "/nonexistent/recon.sqlite", "status"]).await;
    assert!(text.stderr.starts_with("error: no state file at /nonexistent/recon.sqlite"), "{}", text.stderr);
}
