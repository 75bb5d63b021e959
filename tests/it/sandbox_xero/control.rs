//! Faults on the Xero services (a dropped answer after the commit, an expired token, status
//! bodies) and the bookkeeper's control endpoints; secrets stay out of `/_sandbox/state`.

use entrata_recon_sandbox::parse_faults;
use reqwest::{Method, StatusCode};
use serde_json::json;

use super::support::{CLIENT_SECRET, Harness, first_list, journal, journals, messages};

fn plan(json: &str) -> entrata_recon_sandbox::FaultPlan {
    parse_faults(json.as_bytes()).expect("valid plan")
}

#[tokio::test]
async fn dropped_after_commit_then_replayed() {
    let h = &Harness::with_faults(plan(
        r#"[{"service": "xero", "method": "PUT", "path": "/xero/api.xro/2.0/ManualJournals", "nth": 1, "action": "drop_after_commit"}]"#,
    ))
    .await;
    let token = &h.access().await;
    let body = journals(&[journal("Entrata P001 2026-01", "100.00", Some("POSTED"))]);
    let request = h
        .http
        .put(h.api("/ManualJournals"))
        .bearer_auth(token)
        .header("xero-tenant-id", super::support::TENANT)
        .header("idempotency-key", "ent-P001-v1")
        .body(body.clone());
    assert!(request.send().await.is_err(), "the connection closes without an answer");
    let saved = h.state().await["manualJournals"].clone();
    assert_eq!(saved.as_array().map(Vec::len), Some(1), "the journal was committed");
    let retry = h.call(Method::PUT, "/ManualJournals", token, Some(&body), Some("ent-P001-v1")).await;
    assert_eq!(retry.status, StatusCode::OK);
    assert_eq!(first_list(&retry.json())[0]["ManualJournalID"], saved[0]["ManualJournalID"]);
    assert_eq!(h.state().await["manualJournals"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn expire_token_and_status_faults() {
    let h = &Harness::with_faults(plan(
        r#"[{"service": "xero", "path": "**/Organisation", "nth": 1, "action": "expire_token"},
            {"service": "xero", "path": "**/Accounts", "nth": 1, "action": {"status": 429, "retry_after_s": 7}},
            {"service": "xero", "path": "**/Contacts", "nth": 1, "action": {"status": 503}},
            {"service": "oauth", "path": "**/token", "nth": 2, "action": {"status": 400}}]"#,
    ))
    .await;
    let token = &h.access().await;
    let expired = h.get("/Organisation", token).await;
    assert_eq!(expired.status, StatusCode::UNAUTHORIZED);
    assert!(
        expired.json()["Detail"].as_str().is_some_and(|d| d.starts_with("TokenExpired: token expired at "))
    );

    let token = &h.token(&[("grant_type", "client_credentials")], true).await;
    assert_eq!(token.json()["error"], "invalid_grant", "the second token request is faulted");
    let token = &h.access().await;
    let throttled = h.get("/Accounts", token).await;
    assert_eq!(
        (throttled.status, throttled.header("retry-after")),
        (StatusCode::TOO_MANY_REQUESTS, Some("7"))
    );
    assert_eq!(throttled.header("x-rate-limit-problem"), Some("minute"));
    assert_eq!(throttled.json()["Title"], "Too Many Requests");
    let unavailable = h.get("/Contacts", token).await;
    assert_eq!(
        (unavailable.status, unavailable.json()["Status"].clone()),
        (StatusCode::SERVICE_UNAVAILABLE, json!(503))
    );
}

#[tokio::test]
async fn a_bookkeeper_behind_the_connectors_back() {
    let h = &Harness::start().await;
    let token = &h.access().await;
    let created =
        h.put("/ManualJournals", token, &journals(&[journal("posted", "10.00", Some("POSTED"))])).await;
    let created = first_list(&created.json())[0].clone();
    let id = created["ManualJournalID"].as_str().expect("id");
    // Saves are stamped a millisecond apart, so they can run a little ahead of the clock.
    h.advance(1).await;
    let now =
        h.control(Method::GET, "/_sandbox/time", "").await.json()["now"].as_str().expect("now").to_owned();
    h.advance(10).await;

    // An edit changes the lines and narration and bumps UpdatedDateUTC.
    let edit = json!({"Narration": "posted (corrected)", "JournalLines": [
        {"LineAmount": 12.5, "AccountCode": "1210"}, {"LineAmount": -12.5, "AccountCode": "4000"}]});
    let reply =
        h.control(Method::POST, &format!("/_sandbox/xero/manualjournals/{id}"), &edit.to_string()).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert!(reply.text.contains(r#""LineAmount":12.50"#));
    let changed = h
        .send(
            h.http
                .get(h.api("/ManualJournals"))
                .bearer_auth(token)
                .header("xero-tenant-id", super::support::TENANT)
                .header("if-modified-since", now.clone()),
        )
        .await;
    let changed = first_list(&changed.json());
    assert_eq!(changed[0]["Narration"], "posted (corrected)");
    assert_ne!(changed[0]["UpdatedDateUTC"], created["UpdatedDateUTC"]);
    let unbalanced = json!({"JournalLines": [{"LineAmount": 1, "AccountCode": "1210"}, {"LineAmount": -2, "AccountCode": "4000"}]});
    let refused = h
        .control(Method::POST, &format!("/_sandbox/xero/manualjournals/{id}"), &unbalanced.to_string())
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);

    let voided = h.control(Method::POST, &format!("/_sandbox/xero/manualjournals/{id}/void"), "").await;
    assert_eq!(voided.json()["Status"], "VOIDED");
    let deleted = h.control(Method::DELETE, &format!("/_sandbox/xero/manualjournals/{id}"), "").await;
    assert_eq!(deleted.json()["Status"], "DELETED");
    assert_eq!(
        first_list(&h.get(&format!("/ManualJournals/{id}"), token).await.json())[0]["Status"],
        "DELETED"
    );

    // Archiving an account refuses journals that use it; unarchiving lets them through.
    let archived = h.control(Method::POST, "/_sandbox/xero/accounts/4000/archive", "").await;
    assert_eq!(archived.json()["Status"], "ARCHIVED");
    let reply =
        h.put("/ManualJournals?summarizeErrors=false", token, &journals(&[journal("x", "1.00", None)])).await;
    assert_eq!(
        messages(&first_list(&reply.json())[0]["ValidationErrors"]),
        ["Account code '4000' has been archived, or deleted."]
    );
    h.control(Method::POST, "/_sandbox/xero/accounts/4000/unarchive", "").await;
    let reply = h.put("/ManualJournals", token, &journals(&[journal("x", "1.00", None)])).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        h.control(Method::POST, "/_sandbox/xero/accounts/7777/archive", "").await.status,
        StatusCode::NOT_FOUND
    );

    // Bank transactions: edit, void, delete.
    let body = r#"{"BankTransactions":[{"Type":"RECEIVE","Contact":{"Name":"Lakeview Apartments - Residents"},"BankAccount":{"Code":"1010"},
        "Date":"2026-02-02","LineItems":[{"Description":"d1","UnitAmount":50.00,"AccountCode":"1210"}]}]}"#;
    let created = first_list(&h.put("/BankTransactions", token, body).await.json())[0].clone();
    let bank_id = created["BankTransactionID"].as_str().expect("id");
    let edit = json!({"Reference": "edited", "LineItems": [{"Description": "d1", "UnitAmount": 55, "AccountCode": "1210"}]});
    let reply = h
        .control(Method::POST, &format!("/_sandbox/xero/banktransactions/{bank_id}"), &edit.to_string())
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert!(reply.text.contains(r#""Total":55.00"#) && reply.text.contains(r#""Reference":"edited""#));
    assert_eq!(
        h.control(Method::POST, &format!("/_sandbox/xero/banktransactions/{bank_id}/void"), "").await.json()
            ["Status"],
        "VOIDED"
    );
    assert_eq!(
        h.control(Method::DELETE, &format!("/_sandbox/xero/banktransactions/{bank_id}"), "").await.json()["Status"],
        "DELETED"
    );

    // The state: tokens as fingerprints, no secrets.
    let text = h.control(Method::GET, "/_sandbox/state", "").await.text;
    assert!(!text.contains(CLIENT_SECRET) && !text.contains(token.as_str()));
    let state = h.state().await;
    assert!(state["accessTokens"][0]["token"].as_str().is_some_and(|t| t.starts_with("sha256:")));
    assert!(state["refreshTokens"][0]["expiresAt"].is_string());
    assert_eq!(state["manualJournals"].as_array().map(Vec::len), Some(2));
    assert_eq!(state["bankTransactions"][0]["Status"], "DELETED");
    let lock = h.control(Method::POST, "/_sandbox/xero/lock-date", r#"{"lockDate": "2026-13-01"}"#).await;
    assert_eq!(lock.status, StatusCode::BAD_REQUEST);
}
