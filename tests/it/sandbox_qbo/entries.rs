//! Create, read, update (full, sparse, node-quickbooks' `operation=update`) and delete.

use entrata_recon_sandbox::{SandboxOptions, parse_faults};
use reqwest::StatusCode;
use serde_json::Value;

use super::support::*;

#[tokio::test]
async fn create_answers_like_quickbooks() {
    let qbo = Qbo::start().await;
    let body = format!(
        r#"{{"DocNumber": "ENT-P001-20260131", "TxnDate": "2026-01-31", "PrivateNote": "entrata-sync batch=1",
            "CurrencyRef": {{"value": "USD"}}, "Line": [{}, {}]}}"#,
        line(
            "Debit",
            "12500.00",
            AR,
            &format!(
                r#"{}, "ClassRef": {{"value": "{CLASS}"}}, "DepartmentRef": {{"value": "{DEPARTMENT}"}}"#,
                customer(CUSTOMER)
            )
        ),
        line("Credit", "12500.00", INCOME, &format!(r#", "ClassRef": {{"value": "{CLASS}"}}"#))
            .replace(r#"{"Amount""#, r#"{"Description": "Rent income P001", "Amount""#),
    );
    let reply = qbo.create(&body).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert!(reply.header("intuit_tid").is_some());
    assert!(reply.text.contains(r#""TotalAmt":12500.0"#), "{}", reply.text);
    let json = reply.json();
    let time = json["time"].as_str().expect("time");
    assert!(time.len() == 29 && (time.ends_with("-08:00") || time.ends_with("-07:00")), "{time}");
    let entry = &json["JournalEntry"];
    assert_eq!(entry["Id"], "1");
    assert_eq!(entry["SyncToken"], "0");
    assert_eq!(entry["domain"], "QBO");
    assert_eq!(entry["sparse"], false);
    assert_eq!(entry["DocNumber"], "ENT-P001-20260131");
    assert_eq!(entry["TxnDate"], "2026-01-31");
    assert_eq!(entry["PrivateNote"], "entrata-sync batch=1");
    assert_eq!(entry["CurrencyRef"]["value"], "USD");
    let created = entry["MetaData"]["CreateTime"].as_str().expect("CreateTime");
    assert_eq!(entry["MetaData"]["LastUpdatedTime"], created);
    assert!(created.len() == 25, "{created}");
    let lines = entry["Line"].as_array().expect("lines");
    assert_eq!(lines[0]["Id"], "0");
    assert_eq!(lines[1]["Id"], "1");
    assert_eq!(lines[1]["Description"], "Rent income P001");
    let detail = &lines[0]["JournalEntryLineDetail"];
    assert_eq!(detail["PostingType"], "Debit");
    assert_eq!(detail["AccountRef"]["name"], "Accounts Receivable (A/R)");
    assert_eq!(detail["Entity"]["Type"], "Customer");
    assert_eq!(detail["Entity"]["EntityRef"]["value"], CUSTOMER);
    assert_eq!(detail["ClassRef"]["name"], "Lakeview");
    assert_eq!(detail["DepartmentRef"]["name"], "Omaha");

    // Read back: the same object.
    let read = qbo.get("/journalentry/1?minorversion=75").await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.text);
    assert_eq!(read.json()["JournalEntry"], *entry);
    // An entry that does not exist: 610.
    let missing = qbo.get("/journalentry/999").await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    assert_eq!(fault(&missing).0, "610");
}

#[tokio::test]
async fn amounts_are_exact_decimals() {
    let qbo = Qbo::start().await;
    // 0.1 + 0.2 = 0.3 exactly (not in binary floating point); strings and exponents are numbers too.
    let lines = [
        line("Debit", "0.1", AR, &customer(CUSTOMER)),
        line("Debit", "\"0.20\"", AR, &customer(CUSTOMER)),
        line("Credit", "3E-1", INCOME, ""),
    ];
    let entry = qbo.create_ok(&lines_entry(&lines)).await;
    assert_eq!(entry["TotalAmt"].to_string(), "0.3");
    let big = qbo.create_ok(&entry_with(r#""DocNumber": "BIG""#, "9999999999999.99")).await;
    let text = qbo.get(&format!("/journalentry/{}", big["Id"].as_str().expect("Id"))).await.text;
    assert!(text.contains(r#""Amount":9999999999999.99"#), "{text}");
}

#[tokio::test]
async fn txn_date_defaults_to_the_company_today() {
    let qbo = Qbo::start().await;
    let entry = qbo.create_ok(&entry_with(r#""DocNumber": "TODAY", "TxnDate": """#, "10.00")).await;
    let created = entry["MetaData"]["CreateTime"].as_str().expect("CreateTime");
    assert_eq!(entry["TxnDate"].as_str(), Some(&created[..10]), "TxnDate is the Pacific date of CreateTime");
}

#[tokio::test]
async fn update_full_sparse_and_stale() {
    let qbo = Qbo::start().await;
    let first = qbo.create_ok(&entry("UPD-1", "100.00")).await;
    let created = first["MetaData"]["CreateTime"].clone();
    qbo.advance(5).await;

    // Full update: the body is the whole entry; what it leaves out (PrivateNote) is cleared.
    let mut full: Value =
        serde_json::from_str(&entry_with(r#""DocNumber": "UPD-1", "TxnDate": "2026-02-02""#, "150.00"))
            .expect("JSON");
    full["Id"] = first["Id"].clone();
    full["SyncToken"] = "0".into();
    let updated = qbo.post("/journalentry", &full.to_string()).await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.text);
    let updated = updated.json()["JournalEntry"].clone();
    assert_eq!(updated["SyncToken"], "1");
    assert_eq!(updated["TotalAmt"], 150.0);
    assert_eq!(updated["TxnDate"], "2026-02-02");
    assert_eq!(updated["MetaData"]["CreateTime"], created);
    assert_ne!(updated["MetaData"]["LastUpdatedTime"], created);

    // The old SyncToken is stale now: 5010, and nothing changes.
    let stale = qbo.post("/journalentry", &full.to_string()).await;
    assert_eq!(stale.status, StatusCode::BAD_REQUEST);
    assert_eq!(fault(&stale).0, "5010");
    // No SyncToken at all: 2020.
    let no_token = qbo.post("/journalentry", r#"{"Id": "1", "sparse": true, "PrivateNote": "x"}"#).await;
    assert_eq!(fault(&no_token).0, "2020");

    // Sparse update: only the note changes, the lines stay.
    let sparse = qbo
        .post("/journalentry", r#"{"Id": "1", "SyncToken": 1, "sparse": true, "PrivateNote": "checked"}"#)
        .await;
    assert_eq!(sparse.status, StatusCode::OK, "{}", sparse.text);
    let sparse = sparse.json()["JournalEntry"].clone();
    assert_eq!(sparse["SyncToken"], "2");
    assert_eq!(sparse["PrivateNote"], "checked");
    assert_eq!(sparse["Line"], updated["Line"]);

    // node-quickbooks updates with `operation=update`; without an Id that is 2020.
    let node = qbo
        .post(
            "/journalentry?operation=update",
            r#"{"Id": "1", "SyncToken": "2", "sparse": true, "DocNumber": "UPD-1b"}"#,
        )
        .await;
    assert_eq!(node.json()["JournalEntry"]["DocNumber"], "UPD-1b", "{}", node.text);
    let no_id = qbo.post("/journalentry?operation=update", &entry("X", "1.00")).await;
    assert_eq!(fault(&no_id).0, "2020");
    // An Id that was never created: 610.
    let ghost = qbo
        .post("/journalentry", r#"{"Id": "77", "SyncToken": "0", "sparse": true, "PrivateNote": "x"}"#)
        .await;
    assert_eq!(fault(&ghost).0, "610");
}

#[tokio::test]
async fn delete_then_read_and_update_are_610() {
    let qbo = Qbo::start().await;
    let first = qbo.create_ok(&entry("DEL-1", "10.00")).await;
    let stale = qbo.post("/journalentry?operation=delete", r#"{"Id": "1", "SyncToken": "5"}"#).await;
    assert_eq!(fault(&stale).0, "5010");
    let deleted =
        qbo.post("/journalentry?operation=delete&minorversion=75", r#"{"Id": "1", "SyncToken": "0"}"#).await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.text);
    let json = deleted.json();
    assert_eq!(json["JournalEntry"], serde_json::json!({"status": "Deleted", "domain": "QBO", "Id": "1"}));
    assert!(json["time"].is_string());
    assert_eq!(fault(&qbo.get("/journalentry/1").await).0, "610");
    assert_eq!(
        fault(&qbo.post("/journalentry?operation=delete", r#"{"Id": "1", "SyncToken": "0"}"#).await).0,
        "610"
    );
    // node-quickbooks deletes by sending the whole entry it read.
    let second = qbo.create_ok(&entry("DEL-2", "10.00")).await;
    let whole = qbo.post("/journalentry?operation=delete", &second.to_string()).await;
    assert_eq!(whole.json()["JournalEntry"]["status"], "Deleted", "{}", whole.text);
    assert_eq!(qbo.entry_count().await, 0);
    assert_ne!(first["Id"], second["Id"], "ids are never reused");
    let void = qbo.post("/journalentry?operation=void", r#"{"Id": "1", "SyncToken": "0"}"#).await;
    assert_eq!(fault(&void).0, "500");
}

#[tokio::test]
async fn drop_after_commit_commits_the_entry() {
    let faults = parse_faults(br#"[{"service": "qbo", "method": "POST", "path": "**/journalentry", "nth": 1, "action": "drop_after_commit"}]"#)
        .expect("plan");
    let qbo = Qbo::start_with(SandboxOptions { faults, ..options() }).await;
    let sent = qbo
        .http
        .post(qbo.api("/journalentry?requestid=drop-1"))
        .bearer_auth(&qbo.access_token)
        .header("content-type", "application/json")
        .body(entry("DROP-1", "42.00"))
        .send()
        .await;
    assert!(sent.is_err(), "the connection closes without an answer");
    assert_eq!(qbo.entry_count().await, 1, "but the entry was committed");
    // The connector's recovery: the same requestid gets the original answer, nothing is created twice.
    let retry = qbo.post("/journalentry?requestid=drop-1", &entry("DROP-1", "42.00")).await;
    assert_eq!(retry.status, StatusCode::OK, "{}", retry.text);
    assert_eq!(retry.json()["JournalEntry"]["DocNumber"], "DROP-1");
    assert_eq!(qbo.entry_count().await, 1);
    let found = qbo.query("SELECT * FROM JournalEntry WHERE DocNumber = 'DROP-1'").await;
    assert_eq!(found.json()["QueryResponse"]["JournalEntry"][0]["Id"], "1");
}

#[tokio::test]
async fn name_lists_read_by_id() {
    let qbo = Qbo::start().await;
    let account = qbo.get(&format!("/account/{AR}")).await.json();
    assert_eq!(account["Account"]["AccountType"], "Accounts Receivable");
    assert_eq!(account["Account"]["Classification"], "Asset");
    assert_eq!(
        qbo.get(&format!("/customer/{CUSTOMER}")).await.json()["Customer"]["DisplayName"],
        "Lakeview Apartments - Residents"
    );
    assert_eq!(qbo.get(&format!("/class/{CLASS}")).await.json()["Class"]["Name"], "Lakeview");
    assert_eq!(qbo.get("/department/1").await.json()["Department"]["Name"], "Omaha");
    assert_eq!(fault(&qbo.get("/account/12345").await).0, "610");
    let prefs = qbo.get("/preferences").await.json();
    assert_eq!(prefs["Preferences"]["AccountingInfoPrefs"]["BookCloseDate"], Value::Null);
}
