//! Faults after the work is done: a commit that outlives the client (`commit_after_ms`), read lag
//! (`visible_after_ms`), `status_after_commit` bodies that never read as a refused document, a
//! record edited between two list requests (`edit_first_listed`), and `Date` on the sandbox clock.

use std::time::Duration;

use entrata_recon_sandbox::parse_faults;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::support::{Harness, TENANT, first_list, journal, journals};

async fn with_faults(json: &str) -> Harness {
    Harness::with_faults(parse_faults(json.as_bytes()).expect("valid plan")).await
}

/// Narrations of the journals `GET ManualJournals` lists.
async fn listed(h: &Harness, token: &str) -> Vec<String> {
    let reply = h.get("/ManualJournals?order=UpdatedDateUTC", token).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    first_list(&reply.json()).iter().map(|j| j["Narration"].as_str().unwrap_or("?").to_owned()).collect()
}

fn bank_transaction(reference: &str) -> String {
    json!({"BankTransactions": [{"Type": "RECEIVE", "Contact": {"ContactID": "c0000000-0000-4000-8000-000000000001"},
        "BankAccount": {"Code": "1010"}, "Date": "2026-02-02", "Reference": reference, "LineAmountTypes": "NoTax",
        "Status": "AUTHORISED", "LineItems": [{"Description": "Deposit d1", "Quantity": 1.0, "UnitAmount": 10.00,
        "AccountCode": "1210", "Tracking": [{"Name": "Property", "Option": "Lakeview"}]}]}]})
    .to_string()
}

#[tokio::test]
async fn a_journal_is_committed_after_the_client_gave_up() {
    let h = &with_faults(
        r#"[{"service": "xero", "method": "PUT", "path": "**/ManualJournals", "nth": 1, "action": {"commit_after_ms": 400}}]"#,
    )
    .await;
    let token = &h.access().await;
    let impatient = reqwest::Client::builder().timeout(Duration::from_millis(200)).build().expect("client");
    let sent = impatient
        .put(h.api("/ManualJournals?summarizeErrors=false"))
        .bearer_auth(token)
        .header("xero-tenant-id", TENANT)
        .header("idempotency-key", "ent-late-1")
        .header("content-type", "application/json")
        .body(journals(&[journal("Entrata P001 late", "100.00", Some("POSTED"))]))
        .send()
        .await;
    let error = sent.expect_err("no answer within the client's 200 ms");
    assert!(error.is_timeout(), "{error}");
    let mut saved = 0;
    for _ in 0..200 {
        saved = h.state().await["manualJournals"].as_array().map_or(0, Vec::len);
        if saved == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(saved, 1, "the journal was committed after the client gave up");
    assert_eq!(listed(h, token).await, ["Entrata P001 late"]);
}

#[tokio::test]
async fn created_documents_are_read_only_after_the_lag() {
    let h =
        &with_faults(r#"[{"service": "xero", "method": "PUT", "action": {"visible_after_ms": 1500}}]"#).await;
    let token = &h.access().await;
    let put = h
        .put(
            "/ManualJournals?summarizeErrors=false",
            token,
            &journals(&[journal("Lagged", "5.00", Some("POSTED"))]),
        )
        .await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.text);
    let journal_id = first_list(&put.json())[0]["ManualJournalID"].as_str().expect("id").to_owned();
    let put = h.put("/BankTransactions?summarizeErrors=false", token, &bank_transaction("DEP-LAG")).await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.text);
    let bank_id = first_list(&put.json())[0]["BankTransactionID"].as_str().expect("id").to_owned();
    let bank_list = |reply: &super::support::Reply| -> Vec<Value> {
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        first_list(&reply.json())
    };

    assert!(listed(h, token).await.is_empty(), "the list does not show it yet");
    assert_eq!(h.get(&format!("/ManualJournals/{journal_id}"), token).await.status, StatusCode::NOT_FOUND);
    assert!(bank_list(&h.get("/BankTransactions?page=1", token).await).is_empty());
    assert_eq!(h.get(&format!("/BankTransactions/{bank_id}"), token).await.status, StatusCode::NOT_FOUND);
    assert_eq!(h.state().await["manualJournals"].as_array().map(Vec::len), Some(1), "but it is saved");

    h.advance(2).await;
    assert_eq!(listed(h, token).await, ["Lagged"]);
    let one = h.get(&format!("/ManualJournals/{journal_id}"), token).await;
    assert_eq!(one.status, StatusCode::OK, "{}", one.text);
    assert_eq!(bank_list(&h.get("/BankTransactions?page=1", token).await).len(), 1);
    let one = h.get(&format!("/BankTransactions/{bank_id}"), token).await;
    assert_eq!(first_list(&one.json())[0]["Reference"], "DEP-LAG");
}

#[tokio::test]
async fn status_after_commit_bodies_are_not_validation_exceptions() {
    let h = &Harness::start().await;
    let token = &h.access().await;
    for (n, status) in [400u16, 408, 409].into_iter().enumerate() {
        let plan = format!(
            r#"[{{"service": "xero", "method": "PUT", "path": "**/ManualJournals", "nth": 1, "action": {{"status_after_commit": {status}}}}}]"#
        );
        let set = h.control(Method::POST, "/_sandbox/faults", &plan).await;
        assert_eq!(set.status, StatusCode::OK, "{}", set.text);
        let key = format!("ent-sac-{status}");
        let body = journals(&[journal(&format!("After commit {status}"), "1.00", Some("POSTED"))]);
        let reply = h
            .call(Method::PUT, "/ManualJournals?summarizeErrors=false", token, Some(&body), Some(&key))
            .await;
        assert_eq!(reply.status.as_u16(), status, "{}", reply.text);
        let json = reply.json();
        assert_ne!(json["Type"], "ValidationException", "{}", reply.text);
        assert!(json.get("Elements").is_none() && json.get("ManualJournals").is_none(), "{}", reply.text);
        assert_eq!(json["Status"], status, "problem JSON: {}", reply.text);
        assert!(json["Title"].is_string() && json["Detail"].is_string(), "{}", reply.text);
        if status == 409 {
            let detail = json["Detail"].as_str().unwrap_or_default();
            assert!(detail.contains(&key) && detail.contains("still being processed"), "{detail}");
        }
        let saved = h.state().await["manualJournals"].as_array().map_or(0, Vec::len);
        assert_eq!(saved, n + 1, "committed all the same");
    }
}

/// `edit_first_listed`: the page is answered as it was, then its first journal is saved again by
/// someone else, so that it moves to the end of a list in `UpdatedDateUTC` order.
#[tokio::test]
async fn a_journal_listed_first_is_edited_before_the_next_page() {
    let h = &with_faults(
        r#"[{"service": "xero", "method": "GET", "path": "**/ManualJournals", "nth": 1, "action": "edit_first_listed"}]"#,
    )
    .await;
    let token = &h.access().await;
    let three = [
        journal("one", "1.00", Some("POSTED")),
        journal("two", "2.00", Some("POSTED")),
        journal("three", "3.00", Some("POSTED")),
    ];
    let saved = h.put("/ManualJournals?summarizeErrors=false", token, &journals(&three)).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text);
    assert_eq!(listed(h, token).await, ["one", "two", "three"], "answered before the edit");
    assert_eq!(listed(h, token).await, ["two", "three", "one"], "edited after the answer");
    let narrations: Vec<Value> = h.state().await["manualJournals"]
        .as_array()
        .expect("journals")
        .iter()
        .map(|j| j["Narration"].clone())
        .collect();
    assert_eq!(narrations, ["one", "two", "three"], "nothing else changed");
}

/// Every answer's `Date` is the sandbox clock's, not the host's: moved a day ahead, so is `Date`.
#[tokio::test]
async fn the_date_header_is_the_sandbox_clock() {
    let h = &with_faults("[]").await;
    let token = &h.access().await;
    h.advance(86_400).await;
    let reply = h.get("/Organisation", token).await;
    let date = reply.header("date").expect("a Date header");
    let date = chrono::DateTime::<chrono::Utc>::from(httpdate::parse_http_date(date).expect("an HTTP date"));
    let ahead = date - chrono::Utc::now();
    assert!(ahead > chrono::TimeDelta::hours(23) && ahead < chrono::TimeDelta::hours(25), "{ahead}");
}
