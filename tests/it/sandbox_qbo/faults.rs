//! Faults after the work is done: a commit that outlives the client (`commit_after_ms`), read lag
//! (`visible_after_ms`), a `SystemFault` on committed batch items (`system_fault_after_commit`), and
//! `status_after_commit` bodies that never read as a refused document.

use std::time::Duration;

use entrata_recon_sandbox::{SandboxOptions, parse_faults};
use reqwest::{Method, StatusCode};
use serde_json::Value;

use super::support::*;

async fn with_faults(json: &str) -> Qbo {
    let faults = parse_faults(json.as_bytes()).expect("valid plan");
    Qbo::start_with(SandboxOptions { faults, ..options() }).await
}

fn create_item(bid: &str, doc_number: &str, amount: &str) -> String {
    format!(r#"{{"bId": "{bid}", "operation": "create", "JournalEntry": {}}}"#, entry(doc_number, amount))
}

fn batch(items: &[String]) -> String {
    format!(r#"{{"BatchItemRequest": [{}]}}"#, items.join(","))
}

/// The entries `SELECT * FROM JournalEntry WHERE DocNumber IN (...)` returns, by DocNumber.
async fn doc_numbers(qbo: &Qbo, numbers: &[&str]) -> Vec<String> {
    let list: Vec<String> = numbers.iter().map(|n| format!("'{n}'")).collect();
    let reply =
        qbo.query(&format!("SELECT * FROM JournalEntry WHERE DocNumber IN ({})", list.join(", "))).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let found = reply.json()["QueryResponse"]["JournalEntry"].as_array().cloned().unwrap_or_default();
    found.iter().map(|e| e["DocNumber"].as_str().unwrap_or("?").to_owned()).collect()
}

/// Waits (real time, bounded) until the sandbox holds `count` entries.
async fn until_entries(qbo: &Qbo, count: usize) {
    for _ in 0..200 {
        if qbo.entry_count().await == count {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the sandbox never held {count} entries (it holds {})", qbo.entry_count().await);
}

#[tokio::test]
async fn a_batch_is_committed_after_the_client_gave_up() {
    let qbo = with_faults(
        r#"[{"service": "qbo", "method": "POST", "path": "**/batch", "times": 2, "action": {"commit_after_ms": 400}}]"#,
    )
    .await;
    let impatient = reqwest::Client::builder().timeout(Duration::from_millis(200)).build().expect("client");
    let sent = impatient
        .post(qbo.api("/batch?requestid=late-1&minorversion=75"))
        .bearer_auth(&qbo.access_token)
        .header("content-type", "application/json")
        .body(batch(&[create_item("b1", "LATE-1", "12.34")]))
        .send()
        .await;
    let error = sent.expect_err("no answer within the client's 200 ms");
    assert!(error.is_timeout(), "{error}");
    until_entries(&qbo, 1).await;
    assert_eq!(doc_numbers(&qbo, &["LATE-1"]).await, ["LATE-1"], "the entry is in the books");

    // A client that waits gets the answer, late, and the entry with it.
    let started = std::time::Instant::now();
    let reply = qbo.post("/batch?minorversion=75", &batch(&[create_item("b1", "LATE-2", "1.00")])).await;
    assert!(started.elapsed() >= Duration::from_millis(400));
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.json()["BatchItemResponse"][0]["JournalEntry"]["DocNumber"], "LATE-2");
    assert_eq!(doc_numbers(&qbo, &["LATE-1", "LATE-2"]).await.len(), 2);
}

#[tokio::test]
async fn created_entries_are_read_only_after_the_lag() {
    let qbo = with_faults(
        r#"[{"service": "qbo", "method": "POST", "path": "**/batch", "action": {"visible_after_ms": 1500}},
            {"service": "qbo", "method": "POST", "path": "**/journalentry", "action": {"visible_after_ms": 1500}}]"#,
    )
    .await;
    let reply = qbo.post("/batch?minorversion=75", &batch(&[create_item("b1", "LAG-1", "5.00")])).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let created = reply.json()["BatchItemResponse"][0]["JournalEntry"].clone();
    assert_eq!(created["DocNumber"], "LAG-1", "the write answers normally");
    let single = qbo.create_ok(&entry("LAG-2", "6.00")).await;
    let id = single["Id"].as_str().expect("Id").to_owned();
    let since = created["MetaData"]["CreateTime"].as_str().expect("CreateTime").to_owned();
    let cdc_path = format!("/cdc?entities=JournalEntry&changedSince={}&minorversion=75", urlencode(&since));
    let cdc_ids = |reply: &Reply| -> Vec<Value> {
        let json = reply.json();
        let entries = &json["CDCResponse"][0]["QueryResponse"][0]["JournalEntry"];
        entries.as_array().map(|l| l.iter().map(|e| e["Id"].clone()).collect()).unwrap_or_default()
    };

    assert_eq!(qbo.entry_count().await, 2, "both are in the books");
    assert!(doc_numbers(&qbo, &["LAG-1", "LAG-2"]).await.is_empty(), "a query does not see them yet");
    let read = qbo.get(&format!("/journalentry/{id}")).await;
    assert_eq!(fault(&read).0, "610", "{}", read.text);
    assert!(cdc_ids(&qbo.get(&cdc_path).await).is_empty());

    qbo.advance(2).await;
    assert_eq!(doc_numbers(&qbo, &["LAG-1", "LAG-2"]).await, ["LAG-1", "LAG-2"]);
    let read = qbo.get(&format!("/journalentry/{id}")).await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.text);
    assert_eq!(cdc_ids(&qbo.get(&cdc_path).await).len(), 2);
}

#[tokio::test]
async fn a_system_fault_after_the_commit() {
    let qbo = with_faults(
        r#"[{"service": "qbo", "method": "POST", "path": "**/batch", "nth": 1, "action": "system_fault_after_commit"},
            {"service": "qbo", "method": "POST", "path": "**/journalentry", "nth": 1, "action": "system_fault_after_commit"}]"#,
    )
    .await;
    let items = [create_item("b1", "SF-1", "1.00"), create_item("b2", "SF-2", "2.00")];
    let reply = qbo.post("/batch?minorversion=75", &batch(&items)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let json = reply.json();
    let answers = json["BatchItemResponse"].as_array().expect("items");
    assert_eq!(answers.len(), 2);
    for (answer, bid) in answers.iter().zip(["b1", "b2"]) {
        assert_eq!(answer["bId"], bid);
        assert!(answer.get("JournalEntry").is_none(), "{answer}");
        assert_eq!(answer["Fault"]["type"], "SystemFault", "{answer}");
        assert_eq!(answer["Fault"]["Error"][0]["code"], "10000");
        assert_eq!(
            answer["Fault"]["Error"][0]["Message"],
            "An application error has occurred while processing your request"
        );
    }
    assert_eq!(doc_numbers(&qbo, &["SF-1", "SF-2"]).await, ["SF-1", "SF-2"], "both were committed");

    let single = qbo.create(&entry("SF-3", "3.00")).await;
    assert_eq!(single.status, StatusCode::INTERNAL_SERVER_ERROR, "{}", single.text);
    assert_eq!(single.json()["Fault"]["type"], "SystemFault");
    assert_eq!(single.json()["Fault"]["Error"][0]["code"], "10000");
    assert_eq!(doc_numbers(&qbo, &["SF-3"]).await, ["SF-3"]);
}

#[tokio::test]
async fn status_after_commit_bodies_are_not_validation_faults() {
    let qbo = Qbo::start().await;
    for (n, status) in [400u16, 408, 409].into_iter().enumerate() {
        let plan = format!(
            r#"[{{"service": "qbo", "method": "POST", "path": "**/batch", "nth": 1, "action": {{"status_after_commit": {status}}}}}]"#
        );
        let set = qbo.control(Method::POST, "/_sandbox/faults", &plan).await;
        assert_eq!(set.status, StatusCode::OK, "{}", set.text);
        let doc = format!("SAC-{status}");
        let reply = qbo.post("/batch?minorversion=75", &batch(&[create_item("b1", &doc, "1.00")])).await;
        assert_eq!(reply.status.as_u16(), status, "{}", reply.text);
        assert!(!reply.text.contains("ValidationFault") && !reply.text.contains("BatchItemResponse\":[{"));
        let json = reply.json();
        if status == 400 {
            assert_eq!(json["Fault"]["type"], "SystemFault", "{}", reply.text);
            assert_eq!(json["Fault"]["Error"][0]["code"], "10000");
        } else {
            // Through Intuit's gateway: the lower-case `fault` of type SERVICE.
            assert_eq!(json["fault"]["type"], "SERVICE", "{}", reply.text);
            let message = json["fault"]["error"][0]["message"].as_str().unwrap_or_default();
            assert!(message.ends_with(&format!("statusCode={status}")), "{message}");
        }
        assert_eq!(doc_numbers(&qbo, &[&doc]).await, [doc.as_str()], "committed all the same");
        assert_eq!(qbo.entry_count().await, n + 1);
    }
}
