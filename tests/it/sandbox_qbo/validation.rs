//! Every validation code, with Intuit's envelope: HTTP 400 and
//! `{"Fault":{"Error":[{"Message","Detail","code","element"}],"type":"ValidationFault"},"time"}`.

use reqwest::StatusCode;

use super::support::*;

async fn check(qbo: &Qbo, body: &str, code: &str, detail_has: &str) {
    let reply = qbo.create(body).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}\n{}", reply.text);
    let (got, _, message, detail) = fault(&reply);
    assert_eq!(got, code, "{body}\n{}", reply.text);
    assert!(!message.is_empty());
    assert!(detail.contains(detail_has), "{detail:?} should mention {detail_has:?}");
}

#[tokio::test]
async fn business_rules() {
    let qbo = Qbo::start().await;
    let ar = |amount: &str| line("Debit", amount, AR, &customer(CUSTOMER));
    // 6000: debits differ from credits.
    check(&qbo, &lines_entry(&[ar("100.00"), line("Credit", "99.99", INCOME, "")]), "6000", "not in balance")
        .await;
    // 6000: an Accounts Receivable line needs a customer.
    check(
        &qbo,
        &lines_entry(&[line("Debit", "5.00", AR, ""), line("Credit", "5.00", INCOME, "")]),
        "6000",
        "Accounts Receivable",
    )
    .await;
    // ... and an Accounts Payable line a vendor.
    check(
        &qbo,
        &lines_entry(&[line("Debit", "5.00", BANK, ""), line("Credit", "5.00", AP, &customer(CUSTOMER))]),
        "6000",
        "Accounts Payable",
    )
    .await;
    // 6000: no lines; 2020: no Line at all.
    check(&qbo, r#"{"TxnDate": "2026-02-01", "Line": []}"#, "6000", "at least one").await;
    check(&qbo, r#"{"TxnDate": "2026-02-01", "DocNumber": "X"}"#, "2020", "Line").await;
    // 6000: more than two decimals (the sandbox's choice; 12.340 is 12.34 and fine).
    check(&qbo, &entry("DEC", "12.345"), "6000", "2 decimal places").await;
    qbo.create_ok(&entry("DEC-OK", "12.340")).await;
    // 6000: negative amounts, and a zero total.
    check(&qbo, &entry("NEG", "-5.00"), "6000", "negative").await;
    check(&qbo, &entry("ZERO", "0.00"), "6000", "transaction amount").await;
    // 6000: another currency (multicurrency is off).
    check(&qbo, &entry_with(r#""CurrencyRef": {"value": "EUR"}"#, "1.00"), "6000", "EUR").await;
    assert_eq!(qbo.entry_count().await, 1);
}

#[tokio::test]
async fn references() {
    let qbo = Qbo::start().await;
    let credit = line("Credit", "5.00", INCOME, "");
    // 2500: unknown account, customer, class, department.
    check(
        &qbo,
        &lines_entry(&[line("Debit", "5.00", "4242", ""), credit.clone()]),
        "2500",
        "Accounts element id 4242",
    )
    .await;
    check(
        &qbo,
        &lines_entry(&[line("Debit", "5.00", AR, &customer("4343")), credit.clone()]),
        "2500",
        "4343",
    )
    .await;
    let class = format!(r#"{}, "ClassRef": {{"value": "777"}}"#, customer(CUSTOMER));
    check(
        &qbo,
        &lines_entry(&[line("Debit", "5.00", AR, &class), credit.clone()]),
        "2500",
        "Classes element id 777",
    )
    .await;
    check(&qbo, &entry_with(r#""DepartmentRef": {"value": "9"}"#, "5.00"), "2500", "Departments").await;
    let vendor = r#", "Entity": {"Type": "Vendor", "EntityRef": {"value": "58"}}"#;
    check(
        &qbo,
        &lines_entry(&[line("Debit", "5.00", AP, vendor), line("Credit", "5.00", BANK, "")]),
        "2500",
        "Vendors",
    )
    .await;
    // 610: an inactive account or customer.
    check(
        &qbo,
        &lines_entry(&[ar("5.00"), line("Credit", "5.00", INACTIVE_ACCOUNT, "")]),
        "610",
        "made inactive",
    )
    .await;
    check(
        &qbo,
        &lines_entry(&[line("Debit", "5.00", AR, &customer(INACTIVE_CUSTOMER)), credit]),
        "610",
        "inactive",
    )
    .await;
}

fn ar(amount: &str) -> String {
    line("Debit", amount, AR, &customer(CUSTOMER))
}

#[tokio::test]
async fn fields_and_properties() {
    let qbo = Qbo::start().await;
    // 2050: DocNumber longer than 21 characters (21 is fine).
    let reply = qbo.create(&entry("ENT-P001-2026013100001", "1.00")).await;
    let (code, element, _, detail) = fault(&reply);
    assert_eq!((code.as_str(), element.as_str()), ("2050", "DocNumber"), "{}", reply.text);
    assert!(detail.contains("Max:21") && detail.contains("Supplied length:22"), "{detail}");
    qbo.create_ok(&entry("ENT-P001-202601310001", "1.00")).await;
    // 2020: a line without AccountRef.
    let no_account = r#"{"Amount": 1.00, "DetailType": "JournalEntryLineDetail", "JournalEntryLineDetail": {"PostingType": "Credit"}}"#;
    check(&qbo, &lines_entry(&[ar("1.00"), no_account.to_owned()]), "2020", "AccountRef").await;
    // 2170: a posting type that is neither Debit nor Credit.
    check(
        &qbo,
        &lines_entry(&[ar("1.00"), line("Credit", "1.00", INCOME, "").replace("Credit", "Kredit")]),
        "2170",
        "Kredit",
    )
    .await;
    // 2010: a property JournalEntry does not have, at the top or in a line.
    check(&qbo, &entry_with(r#""Memo": "x""#, "1.00"), "2010", "Memo").await;
    check(
        &qbo,
        &lines_entry(&[ar("1.00"), line("Credit", "1.00", INCOME, r#", "Colour": "red""#)]),
        "2010",
        "Colour",
    )
    .await;
    check(&qbo, "{not json", "2010", "JSON").await;
    assert_eq!(qbo.entry_count().await, 1);
}

#[tokio::test]
async fn duplicate_doc_numbers_and_closed_books() {
    let qbo = Qbo::start().await;
    let first = qbo.create_ok(&entry("DUP-1", "1.00")).await;
    // 6140 while the company warns about duplicate journal numbers (the dataset says it does).
    let reply = qbo.create(&entry("DUP-1", "2.00")).await;
    let (code, _, message, detail) = fault(&reply);
    assert_eq!(code, "6140");
    assert_eq!(message, "Duplicate Document Number Error");
    assert!(detail.contains(&format!("TxnId={}", first["Id"].as_str().expect("Id"))), "{detail}");
    // Per request: include=allowduplicatedocnum.
    let allowed = qbo.post("/journalentry?include=allowduplicatedocnum", &entry("DUP-1", "3.00")).await;
    assert_eq!(allowed.status, StatusCode::OK, "{}", allowed.text);
    // Company-wide: the preference off.
    let off = qbo
        .control(reqwest::Method::POST, "/_sandbox/qbo/preferences", r#"{"warnDuplicateDocNum": false}"#)
        .await;
    assert_eq!(off.status, StatusCode::OK, "{}", off.text);
    qbo.create_ok(&entry("DUP-1", "4.00")).await;

    // 6210: on or before the close date; after it is fine.
    let closed = qbo
        .control(reqwest::Method::POST, "/_sandbox/qbo/close-date", r#"{"bookCloseDate": "2026-01-31"}"#)
        .await;
    assert_eq!(closed.json()["bookCloseDate"], "2026-01-31");
    let reply = qbo.create(&entry_with(r#""TxnDate": "2026-01-31""#, "1.00")).await;
    let (code, _, message, _) = fault(&reply);
    assert_eq!((code.as_str(), message.as_str()), ("6210", "Account Period Closed"));
    qbo.create_ok(&entry_with(r#""TxnDate": "2026-02-01""#, "1.00")).await;
    // An entry in the closed period cannot be changed or deleted either.
    qbo.control(reqwest::Method::POST, "/_sandbox/qbo/close-date", r#"{"bookCloseDate": "2026-02-15"}"#)
        .await;
    let delete = qbo
        .post(
            "/journalentry?operation=delete",
            &format!(r#"{{"Id": "{}", "SyncToken": "0"}}"#, first["Id"].as_str().expect("Id")),
        )
        .await;
    assert_eq!(fault(&delete).0, "6210");
    qbo.control(reqwest::Method::POST, "/_sandbox/qbo/close-date", r#"{"bookCloseDate": null}"#).await;
    assert_eq!(
        qbo.post(
            "/journalentry?operation=delete",
            &format!(r#"{{"Id": "{}", "SyncToken": "0"}}"#, first["Id"].as_str().expect("Id"))
        )
        .await
        .status,
        StatusCode::OK
    );
}
