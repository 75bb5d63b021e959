//! `POST batch`: independent items, per-item faults, HTTP 200, at most 30 items, bId rules.

use reqwest::StatusCode;
use serde_json::Value;

use super::support::*;

fn item(bid: &str, operation: &str, entry: &str) -> String {
    format!(r#"{{"bId": "{bid}", "operation": "{operation}", "JournalEntry": {entry}}}"#)
}

fn batch(items: &[String]) -> String {
    format!(r#"{{"BatchItemRequest": [{}]}}"#, items.join(","))
}

#[tokio::test]
async fn mixed_successes_and_faults() {
    let qbo = Qbo::start().await;
    let existing = qbo.create_ok(&entry("B-0", "5.00")).await;
    let unbalanced =
        lines_entry(&[line("Debit", "5.00", AR, &customer(CUSTOMER)), line("Credit", "4.00", INCOME, "")]);
    let items = [
        item("b1", "create", &entry("B-1", "10.00")),
        item("b2", "create", &unbalanced),
        r#"{"bId": "q1", "Query": "SELECT * FROM JournalEntry WHERE DocNumber = 'B-0'"}"#.to_owned(),
        item("b3", "update", r#"{"Id": "1", "SyncToken": "0", "sparse": true, "PrivateNote": "batched"}"#),
        item("b4", "delete", r#"{"Id": "1", "SyncToken": "0"}"#),
        item("b5", "create", &entry("B-1", "10.00")),
        item("b6", "create", r#"{"Id": "3", "Line": []}"#),
        r#"{"bId": "b7", "operation": "create", "Customer": {"DisplayName": "New"}}"#.to_owned(),
        r#"{"bId": "q2", "Query": "SELECT COUNT(*) FROM Account"}"#.to_owned(),
    ];
    let reply = qbo.post("/batch?minorversion=75", &batch(&items)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let json = reply.json();
    assert!(json["time"].is_string());
    let answers = json["BatchItemResponse"].as_array().expect("items");
    let by_bid = |bid: &str| {
        answers.iter().find(|a| a["bId"] == bid).unwrap_or_else(|| panic!("{bid} in {}", reply.text))
    };
    let fault_code = |bid: &str| {
        let answer = by_bid(bid);
        assert_eq!(answer["Fault"]["type"], "ValidationFault", "{answer}");
        answer["Fault"]["Error"][0]["code"].as_str().unwrap_or_default().to_owned()
    };
    assert_eq!(answers.len(), items.len());
    assert_eq!(by_bid("b1")["JournalEntry"]["DocNumber"], "B-1");
    assert_eq!(fault_code("b2"), "6000");
    assert_eq!(by_bid("q1")["QueryResponse"]["JournalEntry"][0]["Id"], existing["Id"]);
    assert_eq!(by_bid("b3")["JournalEntry"]["PrivateNote"], "batched");
    // b4 ran after b3, so its SyncToken is stale.
    assert_eq!(fault_code("b4"), "5010");
    assert_eq!(fault_code("b5"), "6140");
    assert_eq!(fault_code("b6"), "2010");
    assert_eq!(fault_code("b7"), "500");
    assert_eq!(by_bid("q2")["QueryResponse"]["totalCount"], 4);
    assert_eq!(qbo.entry_count().await, 2);
}

#[tokio::test]
async fn at_most_thirty_items() {
    let qbo = Qbo::start().await;
    let items: Vec<String> =
        (0..31).map(|i| format!(r#"{{"bId": "q{i}", "Query": "SELECT * FROM Class"}}"#)).collect();
    let reply = qbo.post("/batch", &batch(&items)).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    assert_eq!(fault(&reply).0, "6000");
    let reply = qbo.post("/batch", &batch(&items[..30])).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.json()["BatchItemResponse"].as_array().map(Vec::len), Some(30));
    let reply = qbo.post("/batch", r#"{"Items": []}"#).await;
    assert_eq!(fault(&reply).0, "2010");
}

#[tokio::test]
async fn bid_and_requestid_lengths() {
    let qbo = Qbo::start().await;
    // python-quickbooks uses UUIDs as bIds and no requestid: accepted.
    let uuid = "0b7c4e4a-1f0e-4a39-9d5c-3f2a6e5b8c71";
    let reply = qbo.post("/batch", &batch(&[item(uuid, "create", &entry("U-1", "1.00"))])).await;
    assert_eq!(reply.json()["BatchItemResponse"][0]["JournalEntry"]["DocNumber"], "U-1", "{}", reply.text);
    // With a requestid, a bId may have at most 10 characters.
    let items = [item(uuid, "create", &entry("U-2", "1.00")), item("short", "create", &entry("U-3", "1.00"))];
    let reply = qbo.post("/batch?requestid=batch-req-1", &batch(&items)).await;
    let answers: Value = reply.json()["BatchItemResponse"].clone();
    assert_eq!(answers[0]["Fault"]["Error"][0]["code"], "6000", "{}", reply.text);
    assert_eq!(answers[1]["JournalEntry"]["DocNumber"], "U-3");
    // A batch requestid has at most 36 characters.
    let long = "r".repeat(37);
    let reply = qbo
        .post(&format!("/batch?requestid={long}"), &batch(&[item("b1", "create", &entry("U-4", "1.00"))]))
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(fault(&reply).3.contains("36 characters"), "{}", reply.text);
    assert_eq!(qbo.entry_count().await, 2);
}
