//! Logging in to Entrata: TOTP MFA from the secret or from an `mfa_code_command`; every way a login
//! or an entitlement can fail is a clear exit-2 error; and no secret ever reaches the logs, the
//! errors or the state file.

use crate::common;

use common::{Harness, fixture_text, generated, json_dataset};
use entrata_recon_sandbox::generate::{LEASING_PASSWORD, LEASING_USERNAME};
use entrata_recon_sandbox::totp::TotpSecret;

const PORTFOLIO: &str = "properties=1,months=1,seed=13";

fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_secs()
}

#[tokio::test]
async fn totp_mfa_is_answered_from_the_secret() {
    let h = Harness::start(generated(PORTFOLIO)).await;
    let served = h.served().await;
    let user = served.users.iter().find(|u| u["username"] == "controller@example.com").expect("controller");
    assert_eq!(user["mfa"], true, "the controller must need MFA for this test to mean anything");

    let summary = h.pull().await;
    assert_eq!(summary.client.logins, 1);
    // The code went with the first login request: Entrata never had to ask for it.
    assert_eq!(h.requests().await.to("POST", "/sessions"), 1);
    h.assert_state_matches_sandbox().await;
}

#[tokio::test]
async fn an_mfa_code_command_that_prints_a_valid_code_logs_in() {
    let h = Harness::start(generated(PORTFOLIO)).await;
    let secret = TotpSecret::from_base32(&h.env_value("ENTRATA_TOTP_SECRET")).expect("secret");
    h.set_env("ENTRATA_TOTP_SECRET", None);
    // Entrata accepts the current and the previous 30-second step, so this code stays good for
    // at least 30 s, far longer than the pull needs to reach the login.
    let command = format!("printf '%s\\n' {}", secret.code_at(unix_now()));
    h.set_source("mfa_code_command", Some(command.into()));

    let summary = h.pull().await;
    assert_eq!(summary.client.logins, 1);
    // Without a secret the client asks first; Entrata answers `mfa_required`; the command's code
    // then logs in.
    assert_eq!(h.requests().await.to("POST", "/sessions"), 2);
    h.assert_state_matches_sandbox().await;
}

/// A change to `recon.toml` or `recon.env` before a pull.
enum Change {
    Env(&'static str, Option<&'static str>),
    Source(&'static str, &'static str),
}

/// Applies `changes` to a fresh copy of the sandbox's config, runs `pull` and expects exit 2 with
/// every fragment in the one error line.
async fn check_refused(h: &Harness, changes: &[Change], expected: &[&str]) {
    let config = std::fs::read_to_string(h.config_path()).expect("config");
    let env = std::fs::read_to_string(h.env_path()).expect("env file");
    for change in changes {
        match change {
            Change::Env(name, value) => h.set_env(name, *value),
            Change::Source(key, value) => h.set_source(key, Some((*value).into())),
        }
    }
    let run = h.run(&["pull"]).await;
    std::fs::write(h.config_path(), config).expect("config restored");
    std::fs::write(h.env_path(), env).expect("env file restored");

    assert_eq!(run.code, Some(2), "{expected:?}: {run:?}");
    let errors: Vec<&str> = run.stderr.lines().filter(|l| l.starts_with("error: ")).collect();
    assert_eq!(errors.len(), 1, "one error line: {run:?}");
    for fragment in expected {
        assert!(errors[0].contains(fragment), "expected {fragment:?} in {:?}", errors[0]);
    }
}

#[tokio::test]
async fn login_failures_are_clear_exit_2_errors() {
    use Change::*;
    let h = Harness::start(generated(PORTFOLIO)).await;
    let bad_credentials = [
        "Entrata refused the login (invalid_credentials)",
        "check the username, password and integration token",
    ];
    check_refused(&h, &[Env("ENTRATA_PASSWORD", Some("not-the-password"))], &bad_credentials).await;
    check_refused(&h, &[Env("ENTRATA_USERNAME", Some("nobody@example.com"))], &bad_credentials).await;
    check_refused(&h, &[Env("ENTRATA_INTEGRATION_TOKEN", Some("bm90OnRoaXM="))], &bad_credentials).await;
    check_refused(
        &h,
        &[Env("ENTRATA_TOTP_SECRET", Some("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"))],
        &["Entrata refused the login (invalid_mfa_code)", "check the TOTP secret and this machine's clock"],
    )
    .await;
    check_refused(
        &h,
        &[Env("ENTRATA_TOTP_SECRET", Some("not base32!"))],
        &["cannot get an MFA code: the TOTP secret is not valid base32"],
    )
    .await;
    check_refused(
        &h,
        &[Env("ENTRATA_TOTP_SECRET", None)],
        &["Entrata requires MFA (totp) but neither source.totp_secret_env nor source.mfa_code_command is configured"],
    )
    .await;
    check_refused(
        &h,
        &[Env("ENTRATA_TOTP_SECRET", None), Source("mfa_code_command", "exit 3")],
        &["cannot get an MFA code: `exit 3` exited with exit status: 3"],
    )
    .await;
    check_refused(
        &h,
        &[Env("ENTRATA_TOTP_SECRET", None), Source("mfa_code_command", "echo see your phone")],
        &["cannot get an MFA code: `echo see your phone` did not print a numeric code"],
    )
    .await;
    check_refused(
        &h,
        &[Env("ENTRATA_PASSWORD", None)],
        &["environment variable ENTRATA_PASSWORD is not set (needed for the Entrata password"],
    )
    .await;
    // None of these got far enough to store anything.
    let served = h.served().await;
    assert_eq!(served.requests.to("GET", ""), 0, "{:?}", served.requests);
}

#[tokio::test]
async fn a_missing_entitlement_is_a_clear_exit_2_error() {
    use Change::*;
    let denied = "(ask the Entrata admin to grant the API user this entitlement)";
    // The generator's leasing agent may read properties but not the ledger.
    let h = Harness::start(generated(PORTFOLIO)).await;
    check_refused(
        &h,
        &[
            Env("ENTRATA_USERNAME", Some(LEASING_USERNAME)),
            Env("ENTRATA_PASSWORD", Some(LEASING_PASSWORD)),
            Env("ENTRATA_TOTP_SECRET", None),
        ],
        &["Entrata denied /ar-codes: entitlement 'financials' required", denied],
    )
    .await;

    // A controller with the ledger but without leases.
    let text = fixture_text("one-of-each.json");
    let all =
        r#""entitlements": ["properties", "units", "leasing", "residents", "maintenance", "financials"]"#;
    assert_eq!(text.matches(all).count(), 1);
    let text = text.replace(all, r#""entitlements": ["properties", "units", "residents", "financials"]"#);
    let h = Harness::start(json_dataset(text.as_bytes())).await;
    check_refused(
        &h,
        &[],
        &["Entrata denied /properties/prop_21a91f0/leases: entitlement 'leasing' required", denied],
    )
    .await;
}

#[tokio::test]
async fn secrets_never_reach_logs_errors_or_the_state_file() {
    let h = Harness::start(generated(PORTFOLIO)).await;
    // Faults that make the client log its retries, its token refresh and a reset connection.
    h.set_faults(
        r#"[
        {"service": "entrata", "method": "GET", "path": "**/leases", "nth": 1, "action": "reset"},
        {"service": "entrata", "method": "GET", "path": "**/charges", "nth": 1, "action": {"status": 503, "retry_after_s": 0}},
        {"service": "entrata", "method": "GET", "path": "**/payments", "nth": 1, "action": "expire_token"}
    ]"#,
    )
    .await;
    let bearer = h.login_token().await;
    assert!(bearer.starts_with("sbx_"), "the sandbox's tokens look like `sbx_...`: {bearer}");
    let wrong_password = "wrong-Pa55word-7f3a9c";
    let secrets = [
        h.env_value("ENTRATA_PASSWORD"),
        h.env_value("ENTRATA_INTEGRATION_TOKEN"),
        h.env_value("ENTRATA_TOTP_SECRET"),
        wrong_password.to_owned(),
        bearer,
        // Any token the sandbox issued, the refreshed ones included.
        "sbx_".to_owned(),
    ];
    let assert_clean = |what: &str, text: &str| {
        for secret in &secrets {
            assert!(!text.contains(secret.as_str()), "{what} contains the secret {secret:?}:\n{text}");
        }
    };

    let ok = h.run(&["-vv", "--log-format", "json", "pull"]).await;
    assert_eq!(ok.code, Some(0), "{ok:?}");
    for line in ok.stderr.lines() {
        serde_json::from_str::<serde_json::Value>(line)
            .unwrap_or_else(|e| panic!("not a JSON log line ({e}): {line}"));
    }
    assert_eq!(h.fired().await, vec![1, 1, 1], "the faults fired, so their log lines were written");
    assert!(ok.stderr.contains("retrying"), "{}", ok.stderr);
    assert_clean("the pull's output", &ok.all_output());

    h.set_env("ENTRATA_PASSWORD", Some(wrong_password));
    let refused = h.run(&["-vv", "--log-format", "json", "pull"]).await;
    assert_eq!(refused.code, Some(2), "{refused:?}");
    assert!(refused.stderr.contains("invalid_credentials"), "{}", refused.stderr);
    assert_clean("the refused pull's output", &refused.all_output());

    let state = h.state().await;
    let runs = state.recent_runs(10).await.expect("runs");
    state.close().await;
    let outcomes: Vec<Option<&str>> = runs.iter().map(|r| r.outcome.as_deref()).collect();
    assert_eq!(outcomes, [Some("failed"), Some("ok")], "{runs:?}");
    assert!(runs[0].summary.as_deref().is_some_and(|s| s.contains("invalid_credentials")), "{runs:?}");
    assert_clean("the runs table", &format!("{runs:?}"));
    // And nowhere else in the state file (or its WAL and lock file).
    for entry in std::fs::read_dir(h.dir.path()).expect("temporary folder") {
        let path = entry.expect("entry").path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
        if name.starts_with("recon.sqlite") {
            let bytes = std::fs::read(&path).expect("state file");
            assert_clean(&name, &String::from_utf8_lossy(&bytes));
        }
    }
}
