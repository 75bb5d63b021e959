//! The query language over real HTTP: each operator, ordering, paging, COUNT, the implicit
//! `Active = true` of name lists, and Intuit's 4000/4001 faults.

use reqwest::StatusCode;
use serde_json::Value;

use super::support::*;

/// The `Id`s a query returns (GET), in order.
async fn ids(qbo: &Qbo, text: &str) -> Vec<String> {
    let reply = qbo.query(text).await;
    assert_eq!(reply.status, StatusCode::OK, "{text}\n{}", reply.text);
    let json = reply.json();
    let response = &json["QueryResponse"];
    let entity = response
        .as_object()
        .and_then(|o| o.keys().find(|k| k.chars().next().is_some_and(char::is_uppercase)).cloned());
    let Some(entity) = entity else { return Vec::new() };
    let list = response[&entity].as_array().expect("list");
    assert_eq!(response["maxResults"], list.len(), "{}", reply.text);
    list.iter().map(|o| o["Id"].as_str().unwrap_or("?").to_owned()).collect()
}

/// Five entries: DocNumbers Q-1..Q-5, dated 2026-02-01..05, amounts 10..50, notes "batch k".
async fn five(qbo: &Qbo) {
    for k in 1..=5 {
        let fields =
            format!(r#""DocNumber": "Q-{k}", "TxnDate": "2026-02-0{k}", "PrivateNote": "batch {k} O'Brien""#);
        qbo.create_ok(&entry_with(&fields, &format!("{k}0.00"))).await;
        qbo.advance(2).await;
    }
}

#[tokio::test]
async fn operators_order_and_paging() {
    let qbo = Qbo::start().await;
    five(&qbo).await;
    let check = |expected: &[&str]| expected.iter().map(|s| (*s).to_owned()).collect::<Vec<String>>();
    assert_eq!(ids(&qbo, "SELECT * FROM JournalEntry").await, check(&["1", "2", "3", "4", "5"]));
    assert_eq!(ids(&qbo, "SELECT * FROM JournalEntry WHERE DocNumber = 'Q-3'").await, check(&["3"]));
    assert_eq!(
        ids(&qbo, "select * from JournalEntry where DocNumber in ('Q-1', 'Q-4', 'nope')").await,
        check(&["1", "4"])
    );
    assert_eq!(
        ids(&qbo, "SELECT * FROM JournalEntry WHERE TxnDate < '2026-02-03'").await,
        check(&["1", "2"])
    );
    assert_eq!(
        ids(&qbo, "SELECT * FROM JournalEntry WHERE TxnDate <= '2026-02-03'").await,
        check(&["1", "2", "3"])
    );
    assert_eq!(
        ids(&qbo, "SELECT * FROM JournalEntry WHERE TxnDate > '2026-02-03'").await,
        check(&["4", "5"])
    );
    assert_eq!(
        ids(&qbo, "SELECT * FROM JournalEntry WHERE TxnDate >= '2026-02-03' AND TxnDate <= '2026-02-04'")
            .await,
        check(&["3", "4"])
    );
    assert_eq!(
        ids(&qbo, "SELECT * FROM JournalEntry WHERE PrivateNote LIKE '%batch 2%'").await,
        check(&["2"])
    );
    assert_eq!(ids(&qbo, "SELECT * FROM JournalEntry WHERE PrivateNote LIKE '%o\\'brien'").await.len(), 5);
    assert_eq!(ids(&qbo, "SELECT * FROM JournalEntry WHERE Id = '4'").await, check(&["4"]));
    assert_eq!(ids(&qbo, "SELECT * FROM JournalEntry WHERE Id > 3").await, check(&["4", "5"]));
    assert_eq!(
        ids(&qbo, "SELECT * FROM JournalEntry WHERE TotalAmt >= '30.00'").await,
        check(&["3", "4", "5"])
    );
    // MetaData times: entries were created two sandbox seconds apart.
    let third = qbo.get("/journalentry/3").await.json();
    let updated = third["JournalEntry"]["MetaData"]["LastUpdatedTime"].as_str().expect("time").to_owned();
    assert_eq!(
        ids(&qbo, &format!("SELECT * FROM JournalEntry WHERE MetaData.LastUpdatedTime >= '{updated}'")).await,
        check(&["3", "4", "5"])
    );
    assert_eq!(
        ids(&qbo, &format!("SELECT * FROM JournalEntry WHERE Metadata.CreateTime < '{updated}'")).await,
        check(&["1", "2"])
    );
    // Order and pages.
    assert_eq!(
        ids(&qbo, "SELECT * FROM JournalEntry ORDERBY TxnDate DESC").await,
        check(&["5", "4", "3", "2", "1"])
    );
    assert_eq!(
        ids(&qbo, "SELECT * FROM JournalEntry ORDER BY DocNumber DESC STARTPOSITION 2 MAXRESULTS 2").await,
        check(&["4", "3"])
    );
    assert_eq!(ids(&qbo, "SELECT * FROM JournalEntry STARTPOSITION 5 MAXRESULTS 10").await, check(&["5"]));
    assert_eq!(
        ids(&qbo, "SELECT * FROM JournalEntry MAXRESULTS 5000").await.len(),
        5,
        "capped at 1000, not refused"
    );
    let page = qbo.query("SELECT * FROM JournalEntry STARTPOSITION 3 MAXRESULTS 2").await.json();
    assert_eq!(page["QueryResponse"]["startPosition"], 3);
    assert_eq!(page["QueryResponse"]["maxResults"], 2);
    // Nothing found: an empty QueryResponse.
    let none = qbo.query("SELECT * FROM JournalEntry WHERE DocNumber = 'nope'").await.json();
    assert_eq!(none["QueryResponse"], serde_json::json!({}));
    assert!(none["time"].is_string());
    // COUNT(*), over GET and over POST application/text (python-quickbooks).
    let count = qbo.query("SELECT COUNT(*) FROM JournalEntry WHERE TxnDate > '2026-02-01'").await.json();
    assert_eq!(count["QueryResponse"], serde_json::json!({"totalCount": 4}));
    let posted = qbo.query_post("SELECT * FROM JournalEntry WHERE DocNumber = 'Q-5'").await;
    assert_eq!(posted.json()["QueryResponse"]["JournalEntry"][0]["DocNumber"], "Q-5", "{}", posted.text);
}

#[tokio::test]
async fn name_lists_leave_out_inactive_objects() {
    let qbo = Qbo::start().await;
    let accounts = ids(&qbo, "SELECT * FROM Account").await;
    assert!(!accounts.contains(&INACTIVE_ACCOUNT.to_owned()), "{accounts:?}");
    assert_eq!(accounts.len(), 4);
    assert_eq!(
        ids(&qbo, "SELECT * FROM Account WHERE Active = false").await,
        vec![INACTIVE_ACCOUNT.to_owned()]
    );
    assert_eq!(ids(&qbo, "SELECT * FROM Account WHERE Active IN (true, false)").await.len(), 5);
    assert_eq!(ids(&qbo, "SELECT * FROM Account WHERE AcctNum = '4000'").await, vec![INCOME.to_owned()]);
    assert_eq!(
        ids(&qbo, "SELECT * FROM Account WHERE AccountType = 'Accounts Receivable'").await,
        vec![AR.to_owned()]
    );
    assert_eq!(ids(&qbo, "SELECT * FROM Account WHERE Name LIKE '%bank%'").await, vec![BANK.to_owned()]);
    let count = qbo.query("SELECT COUNT(*) FROM Account").await.json();
    assert_eq!(count["QueryResponse"]["totalCount"], 4);
    // node-quickbooks sends lower-case entity names; the answer uses Intuit's.
    let lower = qbo
        .query("select * from account where Name = 'Rental Income' startposition 1 maxresults 1000")
        .await
        .json();
    assert_eq!(lower["QueryResponse"]["Account"][0]["Id"], INCOME);
    assert_eq!(
        ids(&qbo, "SELECT * FROM Customer WHERE DisplayName = 'Lakeview Apartments - Residents'").await,
        vec![CUSTOMER.to_owned()]
    );
    assert_eq!(ids(&qbo, "SELECT * FROM Customer").await, vec![CUSTOMER.to_owned()]);
    assert_eq!(
        ids(&qbo, "SELECT * FROM Customer WHERE Active = false").await,
        vec![INACTIVE_CUSTOMER.to_owned()]
    );
    assert_eq!(ids(&qbo, "SELECT * FROM Class").await, vec![CLASS.to_owned()]);
    assert_eq!(ids(&qbo, "SELECT * FROM Department WHERE Name = 'omaha'").await, vec![DEPARTMENT.to_owned()]);
    // An Intuit entity the sandbox's company has none of.
    assert_eq!(qbo.query("SELECT * FROM Invoice").await.json()["QueryResponse"], serde_json::json!({}));
}

#[tokio::test]
async fn query_faults() {
    let qbo = Qbo::start().await;
    let check = |reply: Reply, code: &str, detail_starts: &str| {
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
        let json: Value = reply.json();
        let error = &json["Fault"]["Error"][0];
        assert_eq!(json["Fault"]["type"], "ValidationFault");
        assert_eq!(error["code"], code, "{}", reply.text);
        assert!(error["Detail"].as_str().is_some_and(|d| d.starts_with(detail_starts)), "{}", reply.text);
    };
    check(
        qbo.query("SELECT * FROM Account WHERE Name = 'a' OR Name = 'b'").await,
        "4000",
        "QueryParserError: Encountered",
    );
    check(qbo.query("SELEKT * FROM Account").await, "4000", "QueryParserError: Encountered");
    check(qbo.query_post("").await, "4000", "QueryParserError: Encountered \"<EOF>\"");
    check(qbo.get("/query").await, "4000", "QueryParserError");
    check(
        qbo.query("SELECT * FROM Account WHERE Balance > '0'").await,
        "4001",
        "QueryValidationError: property 'Balance' is not queryable",
    );
    check(qbo.query("SELECT * FROM Customer WHERE AcctNum = '1'").await, "4001", "QueryValidationError");
    check(qbo.query("SELECT * FROM Spaceship").await, "4001", "QueryValidationError: Invalid entity name");
    check(
        qbo.query("SELECT * FROM JournalEntry WHERE TxnDate > 'soon'").await,
        "4001",
        "QueryValidationError: invalid value",
    );
}
