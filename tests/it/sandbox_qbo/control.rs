//! `/_sandbox/qbo/*`: a bookkeeper's changes behind the connector's back, the state dump, and the
//! config `--write-config` writes.

use reqwest::{Method, StatusCode};

use super::support::*;

#[tokio::test]
async fn deactivate_and_reactivate_an_account() {
    let qbo = Qbo::start().await;
    let off = qbo.control(Method::POST, &format!("/_sandbox/qbo/accounts/{INCOME}/deactivate"), "").await;
    assert_eq!(off.status, StatusCode::OK, "{}", off.text);
    assert_eq!(off.json()["Active"], false);
    assert_eq!(off.json()["SyncToken"], "1");
    assert_eq!(fault(&qbo.create(&entry("A-1", "1.00")).await).0, "610");
    let found = qbo.query(&format!("SELECT * FROM Account WHERE Id = '{INCOME}'")).await.json();
    assert_eq!(found["QueryResponse"], serde_json::json!({}), "inactive accounts are left out of searches");
    let on = qbo.control(Method::POST, &format!("/_sandbox/qbo/accounts/{INCOME}/reactivate"), "").await;
    assert_eq!(on.json()["Active"], true);
    qbo.create_ok(&entry("A-1", "1.00")).await;
    let missing = qbo.control(Method::POST, "/_sandbox/qbo/accounts/nope/deactivate", "").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn edit_and_delete_behind_the_connectors_back() {
    let qbo = Qbo::start().await;
    let created = qbo.create_ok(&entry("E-1", "100.00")).await;
    qbo.advance(3).await;
    let edit = format!(
        r#"{{"PrivateNote": "fixed by the bookkeeper", "Line": [{}, {}]}}"#,
        line("Debit", "120.00", AR, &customer(CUSTOMER)),
        line("Credit", "120.00", INCOME, "")
    );
    let edited = qbo.control(Method::POST, "/_sandbox/qbo/journalentry/1", &edit).await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.text);
    let read = qbo.get("/journalentry/1").await.json()["JournalEntry"].clone();
    assert_eq!(read["SyncToken"], "1");
    assert_eq!(read["TotalAmt"], 120.0);
    assert_eq!(read["DocNumber"], "E-1");
    assert_eq!(read["PrivateNote"], "fixed by the bookkeeper");
    assert_ne!(read["MetaData"]["LastUpdatedTime"], created["MetaData"]["LastUpdatedTime"]);
    // The connector's copy is stale now.
    let stale = qbo
        .post("/journalentry", r#"{"Id": "1", "SyncToken": "0", "sparse": true, "PrivateNote": "x"}"#)
        .await;
    assert_eq!(fault(&stale).0, "5010");
    // An unbalanced edit is refused: QuickBooks would not save it either.
    let bad = format!(r#"{{"Line": [{}]}}"#, line("Debit", "1.00", AR, &customer(CUSTOMER)));
    assert_eq!(
        qbo.control(Method::POST, "/_sandbox/qbo/journalentry/1", &bad).await.status,
        StatusCode::BAD_REQUEST
    );

    let deleted = qbo.control(Method::DELETE, "/_sandbox/qbo/journalentry/1", "").await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.text);
    assert_eq!(fault(&qbo.get("/journalentry/1").await).0, "610");
    assert_eq!(
        qbo.control(Method::DELETE, "/_sandbox/qbo/journalentry/1", "").await.status,
        StatusCode::NOT_FOUND
    );
    let state = qbo.state().await;
    assert_eq!(state["qbo"]["deletedJournalEntries"][0]["Id"], "1");
}

#[tokio::test]
async fn close_date_and_preferences() {
    let qbo = Qbo::start().await;
    let bad =
        qbo.control(Method::POST, "/_sandbox/qbo/close-date", r#"{"bookCloseDate": "31/01/2026"}"#).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    qbo.control(Method::POST, "/_sandbox/qbo/close-date", r#"{"bookCloseDate": "2026-01-31"}"#).await;
    let prefs = qbo.get("/preferences").await.json();
    assert_eq!(prefs["Preferences"]["AccountingInfoPrefs"]["BookCloseDate"], "2026-01-31");
    let bad = qbo.control(Method::POST, "/_sandbox/qbo/preferences", r#"{"warnDuplicate": false}"#).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn state_shows_the_books() {
    let qbo = Qbo::start().await;
    qbo.create_ok(&entry("S-1", "12.34")).await;
    let text = qbo.control(Method::GET, "/_sandbox/state?items=false", "").await.text;
    assert!(text.contains(r#""Amount":12.34"#), "money is dumped as written");
    let state: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let section = &state["qbo"];
    assert_eq!(section["realmId"], REALM);
    assert_eq!(section["journalEntries"][0]["Line"].as_array().map(Vec::len), Some(2));
    assert_eq!(section["accounts"].as_array().map(Vec::len), Some(5));
    assert!(section.get("clientSecret").is_none());
    assert_eq!(section["tokens"]["refreshTokens"][0]["state"], "active");
    assert!(
        state["requests"]["POST /qbo/v3/company/{realm}/journalentry"].as_u64().is_some_and(|n| n >= 1),
        "{}",
        state["requests"]
    );
}

#[tokio::test]
async fn written_config_points_at_the_real_paths() {
    let qbo = Qbo::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("recon.toml");
    qbo.sandbox.write_config(&path).expect("config written");
    let config: toml::Table = toml::from_str(&std::fs::read_to_string(&path).expect("read")).expect("TOML");
    let target = &config["targets"]["qbo"];
    let api_base = target["api_base"].as_str().expect("api_base");
    assert_eq!(api_base, qbo.root("/qbo"));
    // The API under api_base is Intuit's path layout.
    let reply = qbo
        .http
        .get(format!("{api_base}/v3/company/{REALM}/preferences"))
        .bearer_auth(&qbo.access_token)
        .send()
        .await
        .expect("GET");
    assert_eq!(reply.status(), StatusCode::OK);
    let auth_url = target["auth_url"].as_str().expect("auth_url");
    let url = format!(
        "{auth_url}?client_id={CLIENT_ID}&response_type=code&scope=com.intuit.quickbooks.accounting&redirect_uri={}&state=s",
        urlencode(REDIRECT)
    );
    assert_eq!(qbo.authorize(&url).await.0, StatusCode::FOUND);
    let code = qbo.authorize_code().await;
    let token_url = target["token_url"].as_str().expect("token_url");
    let exchange = qbo.http.post(token_url).basic_auth(CLIENT_ID, Some(CLIENT_SECRET)).form(&[
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
    ]);
    assert_eq!(exchange.send().await.expect("POST").status(), StatusCode::OK);
}
