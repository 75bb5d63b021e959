//! Connections made by the real `run::connect`: the authorization-code flow with PKCE (the
//! authorize redirect followed with reqwest to `connect`'s loopback listener), then a refresh
//! whose answer is lost, recovered inside Xero's 30-minute grace for the old refresh token. (The
//! custom connection, `client_credentials`, is what every other case uses.)

use std::time::Duration;

use entrata_recon::domain::BookName;
use entrata_recon::posting::TargetError;
use entrata_recon::posting::engine::needs_attention;
use entrata_recon::run::connect::{ConnectOptions, connect};
use entrata_recon::targets::TargetKind;
use reqwest::StatusCode;
use secrecy::ExposeSecret;
use serde_json::Value;

use super::support::{Posting, set_xero};

/// A free loopback port (taken and released at once).
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("address").port()
}

/// What a browser does with the authorization URL: Xero consents at once and redirects to the
/// loopback redirect URI, where `connect` listens (once it has bound its listener).
async fn consent(url: String) {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .expect("client");
    let reply = http.get(&url).send().await.expect("authorize");
    assert_eq!(reply.status(), StatusCode::FOUND);
    let location = reply.headers()["location"].to_str().expect("location").to_owned();
    for _ in 0..500 {
        match http.get(&location).send().await {
            Ok(answer) => {
                assert!(answer.status().is_success(), "{}", answer.status());
                return;
            }
            Err(e) if e.is_connect() => tokio::time::sleep(Duration::from_millis(10)).await,
            Err(e) => panic!("redirect: {e}"),
        }
    }
    panic!("connect never listened on {location}");
}

async fn xero_state(p: &Posting) -> Value {
    let url = format!("{}/_sandbox/state?items=false", p.h.sandbox.base_url());
    let text = reqwest::get(url).await.expect("state").text().await.expect("body");
    let state: Value = serde_json::from_str(&text).expect("json");
    state["xero"].clone()
}

#[tokio::test]
async fn a_pkce_connection_posts_and_survives_a_lost_refresh() {
    let p = Posting::prepare(|_| {}).await;
    let redirect = format!("http://127.0.0.1:{}/callback", free_port());
    set_xero(&p.h, "redirect_uri", &redirect);
    let mut urls = Vec::new();
    let connected =
        connect(&p.config(), &p.state, TargetKind::Xero, &ConnectOptions::default(), &mut |url| {
            urls.push(url.to_owned());
            tokio::spawn(consent(url.to_owned()));
        })
        .await
        .expect("connected");
    assert_eq!(urls.len(), 1);
    assert!(
        urls[0].contains("code_challenge_method=S256") && urls[0].contains("offline_access"),
        "{}",
        urls[0]
    );
    assert_eq!(connected.company_name.as_deref(), Some("Demo Property Holdings"));
    let stored = p
        .state
        .connection(TargetKind::Xero, &BookName::default_book())
        .await
        .expect("state")
        .expect("stored");
    assert!(stored.refresh_token.is_some(), "offline_access gives a refresh token");

    // The access token is spent; the first refresh is processed by Xero but its answer is lost.
    // The stored refresh token is the old one, which Xero still takes within its grace.
    p.state.expire_access_token(TargetKind::Xero, &BookName::default_book()).await.expect("expired");
    p.h.set_faults(
        r#"[{"service": "oauth", "method": "POST", "path": "**/connect/token", "nth": 1, "action": "drop_after_commit"}]"#,
    )
    .await;
    let pause = p.h.virtual_pause();
    let mut xero = p.target(pause.clone()).await;
    assert_eq!(p.h.fired().await, [1], "the refresh answer was lost");
    let summary = p.post(&mut xero).await;
    assert!(!needs_attention(&summary), "{summary:#?}");
    assert_eq!(p.books().await.len(), p.planned().await.len());

    let identity = xero_state(&p).await;
    let refresh = identity["refreshTokens"].as_array().expect("refresh tokens");
    assert_eq!(refresh.len(), 3, "the first, the lost one, the one in use: {refresh:#?}");
    assert!(refresh[0]["usedAt"].is_string(), "the first was used (twice, within the grace)");
    assert!(refresh[1]["usedAt"].is_null() && refresh[2]["usedAt"].is_null());
    let after = p
        .state
        .connection(TargetKind::Xero, &BookName::default_book())
        .await
        .expect("state")
        .expect("stored");
    assert!(after.generation > stored.generation, "the new tokens were stored");

    // The stored connection keeps working on the next run.
    let mut again = p.target(pause.clone()).await;
    let rerun = p.post(&mut again).await;
    assert!(!needs_attention(&rerun) && rerun.posted.is_empty(), "{rerun:#?}");

    // The organisation disconnects the app: 403, and the run says to connect again.
    let token = p
        .state
        .connection(TargetKind::Xero, &BookName::default_book())
        .await
        .expect("state")
        .expect("stored")
        .access_token;
    let http = reqwest::Client::new();
    let connections: Value = http
        .get(format!("{}/connections", p.h.sandbox.xero_base_url()))
        .bearer_auth(token.expose_secret())
        .send()
        .await
        .expect("connections")
        .json()
        .await
        .expect("json");
    let id = connections[0]["id"].as_str().expect("a connection id");
    let deleted = http
        .delete(format!("{}/connections/{id}", p.h.sandbox.xero_base_url()))
        .bearer_auth(token.expose_secret())
        .send()
        .await
        .expect("disconnect");
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    match p.try_target(pause).await {
        Err(TargetError::Auth(message)) => {
            assert!(message.contains("connect xero") && message.contains("403"), "{message}")
        }
        Err(other) => panic!("expected an auth error, got {other}"),
        Ok(_) => panic!("a disconnected organisation opened"),
    }
}
