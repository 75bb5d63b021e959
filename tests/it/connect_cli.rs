//! `connect` and `disconnect` as the real binary against the QuickBooks sandbox: the loopback
//! listener ignores (400) a redirect whose `state` is not this request's and connects with the
//! right one; `disconnect` leaves no byte of the tokens in the state file or its write-ahead log.

use crate::common;
use crate::post_qbo::support;

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

/// The QuickBooks sandbox's answer to a refresh with `token`: its HTTP status.
async fn refresh_status(h: &Harness, token: &str) -> u16 {
    use entrata_recon_sandbox::generate::{QBO_CLIENT_ID, QBO_CLIENT_SECRET};
    let url = format!("{}/qbo/oauth2/v1/tokens/bearer", h.sandbox.base_url());
    let answer = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client")
        .post(url)
        .basic_auth(QBO_CLIENT_ID, Some(QBO_CLIENT_SECRET))
        .form(&[("grant_type", "refresh_token"), ("refresh_token", token)])
        .send()
        .await
        .expect("token endpoint");
    answer.status().as_u16()
}

async fn refresh_token(h: &Harness) -> String {
    let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(h.state_path())
        .read_only(true)
        .connect()
        .await
        .expect("db");
    let (token,): (String,) = sqlx::query_as("SELECT refresh_token FROM oauth_tokens WHERE target = 'qbo'")
        .fetch_one(&mut conn)
        .await
        .expect("token");
    conn.close().await.expect("close");
    token
}

/// Issue 16, item 10: connecting again says the grant it replaces stays live at the vendor (and
/// why), and `--revoke-previous` revokes it before the consent; the new connection works.
#[tokio::test]
async fn connecting_again_says_what_became_of_the_grant_it_replaces() {
    let h = Harness::start(generated(PORTFOLIO)).await;
    h.set_target("xero", "enabled", Some(false.into()));
    let first = support::connect(&h, false).await;
    assert_eq!(first.code, Some(0), "{first:?}");
    assert!(!first.stdout.contains("replaces"), "a first connection replaces nothing: {first:?}");

    let again = support::connect(&h, false).await;
    assert_eq!(again.code, Some(0), "{again:?}");
    assert!(again.stdout.contains("The grant this connection replaces stays live"), "{again:?}");
    assert!(again.stdout.contains("--revoke-previous"), "{again:?}");

    let kept = refresh_token(&h).await;
    let revoking = support::connect_with(&h, false, &["--revoke-previous"]).await;
    assert_eq!(revoking.code, Some(0), "{revoking:?}");
    assert!(revoking.stdout.contains("was revoked at QuickBooks Online"), "{revoking:?}");
    assert_eq!(refresh_status(&h, &kept).await, 400, "the replaced grant still refreshes");
    assert_ne!(refresh_token(&h).await, kept);
    let status = h.run(&["status"]).await;
    assert!(!status.stdout.contains("NEEDS connect AGAIN"), "{status:?}");
    // A vendor that cannot be told: said, with why, and the consent goes on.
    h.set_faults(
        r#"[{"service": "oauth", "method": "POST", "path": "/qbo/oauth2/v1/tokens/revoke", "action": {"status": 503}}]"#,
    )
    .await;
    let unrevoked = support::connect_with(&h, false, &["--revoke-previous"]).await;
    assert_eq!(unrevoked.code, Some(0), "{unrevoked:?}");
    assert!(
        unrevoked.stdout.contains("could not be revoked at QuickBooks Online (")
            && unrevoked.stdout.contains("503"),
        "{unrevoked:?}"
    );
    h.set_faults("[]").await;
    // The new grant is good (the replaced one was revoked before the consent, so it ended alone).
    let fresh = refresh_token(&h).await;
    assert_eq!(refresh_status(&h, &fresh).await, 200, "the new grant refreshes");
}
