//! Every manual-journal validation message, one journal at a time through
//! `summarizeErrors=false`, and the requests Xero cannot read at all (`PostDataInvalidException`).

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::support::{BALANCE, Harness, first_list, journal, journals, messages, unbalanced};

/// One journal through `summarizeErrors=false`: its errors and warnings.
async fn check(h: &Harness, token: &str, journal: Value, errors: &[&str], warnings: &[&str]) {
    let reply = h
        .put("/ManualJournals?summarizeErrors=false", token, &journals(std::slice::from_ref(&journal)))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let element = first_list(&reply.json())[0].clone();
    assert_eq!(messages(&element["ValidationErrors"]), errors, "{journal}");
    assert_eq!(messages(&element["Warnings"]), warnings, "{journal}");
}

#[tokio::test]
async fn every_validation_message() {
    let h = &Harness::start().await;
    let token = &h.access().await;
    let base = || journal("checks", "100.00", Some("POSTED"));
    let with = |path: &[&str], value: Value| {
        let mut j = base();
        let mut at = &mut j;
        for key in &path[..path.len() - 1] {
            at = if let Ok(i) = key.parse::<usize>() { &mut at[i] } else { &mut at[*key] };
        }
        at[path[path.len() - 1]] = value;
        j
    };
    check(h, token, base(), &[], &[]).await;
    check(h, token, with(&["Narration"], json!(" ")), &["Narration is required"], &[]).await;
    let mut one_line = base();
    one_line["JournalLines"].as_array_mut().expect("lines").pop();
    check(
        h,
        token,
        one_line,
        &[
            "A manual journal must have at least two journal lines",
            "The total debits (100.00) must equal total credits (0.00)",
        ],
        &[],
    )
    .await;
    check(h, token, unbalanced("x"), &[BALANCE], &[]).await;
    let mut cents = base();
    cents["JournalLines"][0]["LineAmount"] = json!(100.005);
    cents["JournalLines"][1]["LineAmount"] = json!(-100.005);
    check(
        h,
        token,
        cents,
        &[
            "The line amount 100.005 has more than 2 decimal places",
            "The line amount -100.005 has more than 2 decimal places",
        ],
        &[],
    )
    .await;
    let three = json!([{"Name": "Property", "Option": "Lakeview"}, {"Name": "Region", "Option": "Midwest"}, {"Name": "Property", "Option": "Riverbend"}]);
    check(
        h,
        token,
        with(&["JournalLines", "0", "Tracking"], three),
        &["A line can have a maximum of 2 tracking categories"],
        &[],
    )
    .await;
    let two = json!([{"Name": "Property", "Option": "Lakeview"}, {"TrackingCategoryID": "t2000000-0000-4000-8000-000000000002", "TrackingOptionID": "o2000000-0000-4000-8000-000000000001"}]);
    check(h, token, with(&["JournalLines", "0", "Tracking"], two), &[], &[]).await;
    check(
        h,
        token,
        with(&["JournalLines", "0", "Tracking"], json!([{"Name": "Colour", "Option": "Red"}])),
        &["Tracking category 'Colour' does not exist"],
        &[],
    )
    .await;
    check(
        h,
        token,
        with(&["JournalLines", "0", "Tracking"], json!([{"Name": "Property", "Option": "Nowhere"}])),
        &["Tracking option 'Nowhere' does not exist in tracking category 'Property'"],
        &[],
    )
    .await;
    check(
        h,
        token,
        with(&["JournalLines", "0", "Tracking"], json!([{"Name": "Property", "Option": "Old Mill"}])),
        &["Tracking option 'Old Mill' in tracking category 'Property' is archived"],
        &[],
    )
    .await;
    check(
        h,
        token,
        with(&["JournalLines", "1", "AccountCode"], json!("4095")),
        &["Account code '4095' has been archived, or deleted."],
        &[],
    )
    .await;
    check(
        h,
        token,
        with(&["JournalLines", "1", "AccountCode"], json!("9999")),
        &[
            "A manual journal must have at least two journal lines",
            "The total debits (100.00) must equal total credits (0.00)",
        ],
        &["Account code '9999' has been removed as it does not match a recognised account."],
    )
    .await;
    check(
        h,
        token,
        with(&["JournalLines", "0", "AccountCode"], json!("1010")),
        &["Account code '1010' is not a valid code for this document."],
        &[],
    )
    .await;
    check(
        h,
        token,
        with(&["JournalLines", "0", "AccountCode"], json!("1100")),
        &["Account code '1100' is not a valid code for this document."],
        &[],
    )
    .await;
    check(
        h,
        token,
        with(&["JournalLines", "0", "AccountID"], json!("a1210000-0000-4000-8000-000000000004")),
        &[],
        &[],
    )
    .await;
    check(
        h,
        token,
        with(&["Status"], json!("VOIDED")),
        &["Manual journal not of valid status for creation"],
        &[],
    )
    .await;
    let lock = h.control(Method::POST, "/_sandbox/xero/lock-date", r#"{"lockDate": "2026-01-31"}"#).await;
    assert_eq!(lock.status, StatusCode::OK);
    check(
        h,
        token,
        base(),
        &["The document date cannot be before the period lock date, currently set at 31-Jan-2026"],
        &[],
    )
    .await;
    check(h, token, with(&["Date"], json!("2026-02-01")), &[], &[]).await;

    // What Xero cannot read refuses the whole request.
    for body in [
        r#"{"ManualJournals": [{"Narration": "x", "Status": "SIDEWAYS"}]}"#,
        r#"{"ManualJournals": [{"Date": "31/01/2026"}]}"#,
        "{not json",
    ] {
        let reply = h.put("/ManualJournals", token, body).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}");
        let json = reply.json();
        assert_eq!(
            (json["ErrorNumber"].clone(), json["Type"].clone()),
            (json!(14), json!("PostDataInvalidException"))
        );
    }
    let reply = h
        .put("/ManualJournals", token, r#"{"ManualJournals": [{"Narration": "x", "Status": "sideways"}]}"#)
        .await;
    assert_eq!(
        reply.json()["Message"],
        "JSON for post data was invalid,Requested value 'sideways' was not found."
    );
}
