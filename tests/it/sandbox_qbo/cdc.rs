//! Change Data Capture: created, updated and deleted entries (deleted ones as `status: Deleted`),
//! changed accounts, the 30-day look-back.

use reqwest::StatusCode;
use serde_json::Value;

use super::support::*;

async fn cdc(qbo: &Qbo, entities: &str, since: &str) -> Reply {
    qbo.get(&format!("/cdc?entities={entities}&changedSince={}&minorversion=75", urlencode(since))).await
}

#[tokio::test]
async fn created_updated_and_deleted() {
    let qbo = Qbo::start().await;
    let before = qbo.create_ok(&entry("C-0", "1.00")).await;
    qbo.advance(10).await;
    let since = qbo.create_ok(&entry("C-1", "2.00")).await["MetaData"]["CreateTime"]
        .as_str()
        .expect("time")
        .to_owned();
    qbo.create_ok(&entry("C-2", "3.00")).await;
    qbo.post("/journalentry", r#"{"Id": "1", "SyncToken": "0", "sparse": true, "PrivateNote": "touched"}"#)
        .await;
    qbo.post("/journalentry?operation=delete", r#"{"Id": "2", "SyncToken": "0"}"#).await;
    let gone = qbo.control(reqwest::Method::DELETE, "/_sandbox/qbo/journalentry/3", "").await;
    assert_eq!(gone.status, StatusCode::OK, "{}", gone.text);
    qbo.control(reqwest::Method::POST, &format!("/_sandbox/qbo/accounts/{BANK}/deactivate"), "").await;

    let reply = cdc(&qbo, "JournalEntry,Account,Invoice", &since).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let json = reply.json();
    assert!(json["time"].is_string());
    let responses = json["CDCResponse"][0]["QueryResponse"].as_array().expect("QueryResponse list").clone();
    assert_eq!(responses.len(), 3);
    let entries = responses[0]["JournalEntry"].as_array().expect("entries");
    let summary: Vec<(String, Option<String>)> = entries
        .iter()
        .map(|e| (e["Id"].as_str().unwrap_or("?").to_owned(), e["status"].as_str().map(str::to_owned)))
        .collect();
    let expected = [("1", None), ("2", Some("Deleted")), ("3", Some("Deleted"))];
    let expected: Vec<(String, Option<String>)> =
        expected.iter().map(|(i, s)| ((*i).to_owned(), s.map(str::to_owned))).collect();
    let mut sorted = summary.clone();
    sorted.sort();
    assert_eq!(sorted, expected, "{}", reply.text);
    let deleted = entries.iter().find(|e| e["Id"] == "2").expect("deleted");
    assert_eq!(deleted["domain"], "QBO");
    assert!(deleted["MetaData"]["LastUpdatedTime"].is_string());
    let touched = entries.iter().find(|e| e["Id"] == "1").expect("updated");
    assert_eq!(touched["PrivateNote"], "touched");
    assert_eq!(touched["Id"], before["Id"]);
    assert_eq!(responses[0]["maxResults"], 3);
    assert_eq!(responses[1]["Account"][0]["Id"], BANK);
    assert_eq!(responses[1]["Account"][0]["Active"], false);
    assert_eq!(responses[2], serde_json::json!({}));

    // Nothing since a later time.
    qbo.advance(60).await;
    let state = qbo.state().await;
    let now = state["clock"]["now"].as_str().expect("now").to_owned();
    let later = cdc(&qbo, "JournalEntry", &now).await.json();
    assert_eq!(later["CDCResponse"][0]["QueryResponse"][0], serde_json::json!({}));
}

#[tokio::test]
async fn look_back_and_parameters() {
    let qbo = Qbo::start().await;
    let state = qbo.state().await;
    let now =
        chrono::DateTime::parse_from_rfc3339(state["clock"]["now"].as_str().expect("now")).expect("time");
    let old = (now - chrono::TimeDelta::days(31)).to_rfc3339();
    let check = |reply: Reply, code: &str| {
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
        let json: Value = reply.json();
        assert_eq!(json["Fault"]["Error"][0]["code"], code, "{}", reply.text);
    };
    check(cdc(&qbo, "JournalEntry", &old).await, "4001");
    check(qbo.get("/cdc?entities=JournalEntry").await, "2020");
    check(qbo.get("/cdc?changedSince=2026-01-01").await, "2020");
    check(cdc(&qbo, "JournalEntry", "last tuesday").await, "4001");
    check(cdc(&qbo, "Starship", &(now - chrono::TimeDelta::days(1)).to_rfc3339()).await, "4001");
    let recent = cdc(&qbo, "JournalEntry", &(now - chrono::TimeDelta::days(29)).to_rfc3339()).await;
    assert_eq!(recent.status, StatusCode::OK, "{}", recent.text);
}
