//! `connect` and `disconnect` as the real binary against the QuickBooks sandbox: the loopback
//! listener ignores (400) a redirect whose `state` is not this request's and connects with the
//! right one; `disconnect` leaves no byte of the tokens in the state file or its write-ahead log.

mod common;
#[path = "post_qbo/support.rs"]
mod support;

use std::process::Stdio;

use common::{Harness, generated};
use sqlx::{ConnectOptions, Connection};
use tokio::io::{AsyncBufReadExt, BufReader};

const PORTFOLIO: &str = "properties=1,months=1,seed=17";

#[tokio::test]
async fn a_redirect_with_another_state_is_refused_and_the_right_one_still_connects() {
    let h = Harness::start(generated(PORTFOLIO)).await;
    h.set_target("xero", "enabled", Some(false.into()));
    let redirect = format!("http://127.0.0.1:{}/callback", support::free_port());
    h.set_target("qbo", "redirect_uri", Some(redirect.clone().into()));
    let mut child = h.command(&["connect", "qbo"]).stdin(Stdio::piped()).spawn().expect("connect starts");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let url = loop {
        let line = stdout.next_line().await.expect("stdout").expect("the URL is printed");
        if line.starts_with("http") {
            break line;
        }
    };
    let browser = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    // The consent page sends the browser back with the real code; it is not followed yet.
    let consent = browser.get(&url).send().await.expect("consent page");
    let location = consent.headers()["location"].to_str().expect("location").to_owned();
    assert!(location.starts_with(&redirect) && location.contains("state="), "{location}");

    // A forged (or stale) redirect first: another state, with a code and with an error. The
    // listener may take a moment to bind after the URL is printed.
    for forged in ["code=forged&state=not-this-one&realmId=666", "error=access_denied&state=not-this-one"] {
        let mut answer = None;
        for _ in 0..50 {
            match browser.get(format!("{redirect}?{forged}")).send().await {
                Ok(response) => {
                    answer = Some(response);
                    break;
                }
                Err(_) => tokio::time::sleep(std::time::Duration::from_millis(100)).await,
            }
        }
        let answer = answer.expect("the listener answered");
        assert_eq!(answer.status(), reqwest::StatusCode::BAD_REQUEST, "{forged}");
        assert!(answer.text().await.expect("page").contains("does not match"), "{forged}");
    }
    assert!(child.try_wait().expect("connect").is_none(), "connect ended on a forged redirect");

    let right = browser.get(&location).send().await.expect("the right redirect");
    assert!(right.status().is_success(), "{:?}", right.status());
    let mut rest = Vec::new();
    while let Ok(Some(line)) = stdout.next_line().await {
        rest.push(line);
    }
    let output = child.wait_with_output().await.expect("connect ends");
    assert_eq!(output.status.code(), Some(0), "{rest:?} {}", String::from_utf8_lossy(&output.stderr));
    assert!(rest.iter().any(|l| l.starts_with("Connected to QuickBooks")), "{rest:?}");
    assert!(!rest.iter().any(|l| l.contains("666")), "the forged realm was taken: {rest:?}");
    let replay = browser.get(&location).send().await;
    assert!(replay.is_err(), "the listener is closed once connected");
}

/// Every byte of `path` (empty when it does not exist).
fn bytes(path: &std::path::Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_default()
}

fn holds(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn disconnect_leaves_no_token_bytes_in_the_state_file_or_its_log() {
    let h = Harness::start(generated(PORTFOLIO)).await;
    h.set_target("xero", "enabled", Some(false.into()));
    assert!(matches!(h.run(&["pull"]).await.code, Some(0 | 1)));
    // Another process keeps the file open throughout (as a `status` or a backup could): then the
    // write-ahead log is not removed when connect and disconnect close the file.
    let mut holder = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(h.state_path())
        .read_only(true)
        .connect()
        .await
        .expect("state file");
    sqlx::query("SELECT count(*) FROM sqlite_master").fetch_one(&mut holder).await.expect("read");
    let connect = support::connect(&h, false).await;
    assert_eq!(connect.code, Some(0), "{connect:?}");
    let (access, refresh): (String, String) =
        sqlx::query_as("SELECT access_token, refresh_token FROM oauth_tokens WHERE target = 'qbo'")
            .fetch_one(&mut holder)
            .await
            .expect("tokens");
    let wal = h.dir.path().join("recon.sqlite-wal");
    let before = [bytes(&h.state_path()), bytes(&wal)].concat();
    assert!(holds(&before, &access) || holds(&before, &refresh), "the check would find nothing anyway");

    let disconnect = h.run(&["disconnect", "qbo"]).await;
    assert_eq!(disconnect.code, Some(0), "{disconnect:?}");
    assert!(disconnect.stdout.contains("the tokens are forgotten"), "{disconnect:?}");
    for file in [h.state_path(), wal.clone()] {
        let raw = bytes(&file);
        for (name, token) in [("access", &access), ("refresh", &refresh)] {
            assert!(!holds(&raw, token), "the {name} token is still in {}", file.display());
        }
    }
    holder.close().await.expect("close");
}
