//! No secret reaches a log line, even at trace level for every crate: the Entrata password,
//! integration token and TOTP secret, the QuickBooks and Xero client secrets (and their Basic
//! headers), and the OAuth tokens the state file holds, across connect, run, post, status and
//! mappings check.

use crate::common;
use crate::post_qbo::support;

use common::{Harness, Run};
use data_encoding::BASE64;

async fn traced(h: &Harness, args: &[&str]) -> Run {
    let mut command = h.command(&[&["-vv"][..], args].concat());
    command.env("RUST_LOG", "trace");
    let output = command.output().await.expect("the binary runs");
    Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

async fn tokens(h: &Harness) -> Vec<String> {
    let url = format!("sqlite://{}", h.state_path().display());
    let pool = sqlx::SqlitePool::connect(&url).await.expect("state file");
    let rows: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT access_token, refresh_token FROM oauth_tokens")
            .fetch_all(&pool)
            .await
            .expect("tokens");
    pool.close().await;
    rows.into_iter().flat_map(|(access, refresh)| std::iter::once(access).chain(refresh)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_in_any_output_at_trace_level() {
    let h = support::world("properties=1,months=1,seed=3").await;
    h.set_target("xero", "enabled", Some(true.into()));
    h.set_target("xero", "auth", Some("client_credentials".into()));
    let connected = support::connect(&h, false).await;
    assert_eq!(connected.code, Some(0), "{connected:?}");

    let mut outputs = vec![connected.all_output()];
    // Every token the state file ever held (refreshes rotate them).
    let mut seen_tokens = tokens(&h).await;
    // The access tokens expire between runs, so that refreshes are traced too.
    for args in [&["run"][..], &["status"], &["post"], &["mappings", "check", "--target", "qbo"]] {
        h.advance_time(3_700).await;
        let run = traced(&h, args).await;
        assert!(matches!(run.code, Some(0 | 1)), "{args:?}: {run:?}");
        assert!(run.stderr.contains("TRACE") || run.stderr.contains("DEBUG"), "traced: {}", run.stderr);
        outputs.push(run.all_output());
        seen_tokens.extend(tokens(&h).await);
    }
    seen_tokens.sort();
    seen_tokens.dedup();

    let mut secrets: Vec<String> = ["ENTRATA_PASSWORD", "ENTRATA_INTEGRATION_TOKEN", "ENTRATA_TOTP_SECRET"]
        .into_iter()
        .map(|name| h.env_value(name))
        .collect();
    for (id, secret) in [("QBO_CLIENT_ID", "QBO_CLIENT_SECRET"), ("XERO_CLIENT_ID", "XERO_CLIENT_SECRET")] {
        let (id, secret) = (h.env_value(id), h.env_value(secret));
        secrets.push(BASE64.encode(format!("{id}:{secret}").as_bytes()));
        secrets.push(secret);
    }
    // QBO's first pair, its refreshed ones, and Xero's access tokens.
    assert!(seen_tokens.len() >= 5, "{} tokens seen: refreshes did not happen", seen_tokens.len());
    secrets.extend(seen_tokens);
    for output in &outputs {
        for secret in &secrets {
            assert!(
                !output.contains(secret.as_str()),
                "a secret ({} chars) was printed:\n{output}",
                secret.len()
            );
        }
    }
}
