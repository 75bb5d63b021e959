use rust_decimal::dec;

use super::*;

fn parse(body: &str) -> QboResult<Draft> {
    parse_entry(&Node::parse(body).expect("JSON"))
}

fn code(body: &str) -> &'static str {
    match parse(body) {
        Ok(_) => "ok",
        Err(fault) => fault.code(),
    }
}

const LINE: &str = r#"{"Amount": 10.00, "DetailType": "JournalEntryLineDetail",
    "JournalEntryLineDetail": {"PostingType": "Debit", "AccountRef": {"value": "30"}}}"#;

#[test]
fn reads_what_python_quickbooks_sends() {
    // JournalEntry.to_json() with its defaults: empty strings, zero tax, empty lists, int SyncToken.
    let body = r#"{"Adjustment": false, "DocNumber": "", "ExchangeRate": 1, "PrivateNote": "", "SyncToken": 0,
      "TotalAmt": 0, "TxnDate": "", "domain": "QBO", "sparse": false,
      "Line": [{"Amount": "1295.00", "CustomField": [], "DetailType": "JournalEntryLineDetail", "LineNum": 0,
        "LinkedTxn": [], "JournalEntryLineDetail": {"PostingType": "Debit", "TaxAmount": 0, "TaxApplicableOn": "Sales",
        "AccountRef": {"name": "", "type": "", "value": "32"},
        "Entity": {"Type": "Customer", "EntityRef": {"name": "", "type": "", "value": "58"}}}}]}"#;
    let draft = parse(body).expect("accepted");
    assert_eq!(draft.doc_number, Some(None));
    assert_eq!(draft.txn_date, Some(None));
    assert_eq!(draft.sync_token.as_deref(), Some("0"));
    let lines = draft.lines.expect("lines");
    assert_eq!(lines[0].amount, dec!(1295.00));
    assert_eq!(lines[0].entity, Some(("Customer".to_owned(), "58".to_owned())));
}

#[test]
fn refuses_what_intuit_refuses() {
    let with_line = |line: &str| format!(r#"{{"Line": [{line}]}}"#);
    let entity =
        |entity: &str| with_line(&LINE.replace("\"Debit\",", &format!("\"Debit\", \"Entity\": {entity},")));
    let cases: Vec<(String, &str)> = vec![
        (r#"{"Foo": 1}"#.to_owned(), "2010"),
        (r#"{"Line": {}}"#.to_owned(), "2010"),
        (r#"{"TxnDate": "31/01/2026"}"#.to_owned(), "2010"),
        (r#"{"DocNumber": "0123456789012345678901"}"#.to_owned(), "2050"),
        (r#"{"DocNumber": "012345678901234567890"}"#.to_owned(), "ok"),
        (with_line(LINE), "ok"),
        (with_line(&LINE.replace("10.00", "10.001")), "6000"),
        (with_line(&LINE.replace("10.00", "10.010")), "ok"),
        (with_line(&LINE.replace("10.00", "-1")), "6000"),
        (with_line(&LINE.replace("10.00", "\"ten\"")), "2010"),
        (with_line(&LINE.replace("\"Amount\": 10.00,", "")), "2020"),
        (with_line(&LINE.replace("Debit", "Debt")), "2170"),
        (with_line(&LINE.replace("\"PostingType\": \"Debit\",", "")), "2020"),
        (with_line(&LINE.replace(", \"AccountRef\": {\"value\": \"30\"}", "")), "2020"),
        (with_line(&LINE.replace("\"value\": \"30\"", "\"value\": \"30\", \"Id\": 1")), "2010"),
        (
            with_line(&LINE.replace(
                "\"DetailType\": \"JournalEntryLineDetail\"",
                "\"DetailType\": \"DescriptionOnly\"",
            )),
            "6000",
        ),
        (
            with_line(
                &LINE.replace("\"DetailType\": \"JournalEntryLineDetail\"", "\"DetailType\": \"Nope\""),
            ),
            "2170",
        ),
        (with_line(&LINE.replace("\"DetailType\": \"JournalEntryLineDetail\",", "")), "2020"),
        (entity(r#"{"Type": "Martian", "EntityRef": {"value": "1"}}"#), "2170"),
        (entity(r#"{"EntityRef": {"value": "1"}}"#), "2020"),
        (entity(r#"{"Type": "Customer"}"#), "2020"),
        (entity(r#"{"Type": "Customer", "EntityRef": {"value": "1"}}"#), "ok"),
        (with_line(&LINE.replace("\"Debit\",", "\"Debit\", \"Foo\": 1,")), "2010"),
    ];
    for (body, expected) in cases {
        assert_eq!(code(&body), expected, "{body}");
    }
}

#[test]
fn delete_bodies() {
    let node = Node::parse(r#"{"Id": "12", "SyncToken": 1}"#).expect("JSON");
    assert_eq!(parse_delete(&node).expect("ok"), ("12".to_owned(), Some("1".to_owned())));
    let node = Node::parse(r#"{"SyncToken": "1"}"#).expect("JSON");
    assert_eq!(parse_delete(&node).map_err(|f| f.code()), Err("2020"));
}
