//! Manual journals over HTTP: both `summarizeErrors` modes with good and bad journals in one
//! request, DRAFT by default, dates and exact amounts, lists
//! (`If-Modified-Since`, `where`, `order`, `page`), reads, updates, voiding and deleting.

use reqwest::{Method, StatusCode};
use serde_json::json;

use super::support::{BALANCE, Harness, first_list, journal, journals, messages, unbalanced};

#[tokio::test]
async fn summarized_errors_still_save_the_good_journals() {
    let h = &Harness::start().await;
    let token = &h.access().await;
    let body = journals(&[
        journal("good one", "100.00", Some("POSTED")),
        unbalanced("bad one"),
        journal("good two", "5.00", None),
    ]);
    let reply = h.put("/ManualJournals", token, &body).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    let error = reply.json();
    assert_eq!(
        (error["ErrorNumber"].clone(), error["Type"].clone()),
        (json!(10), json!("ValidationException"))
    );
    assert_eq!(error["Message"], "A validation exception occurred");
    let elements = error["Elements"].as_array().expect("elements");
    assert_eq!(elements.len(), 1, "only the failure is listed");
    assert_eq!(elements[0]["Narration"], "bad one");
    assert_eq!(reply.errors(0), [BALANCE]);
    assert_eq!(elements[0]["JournalLines"].as_array().map(Vec::len), Some(2), "echoed whole");

    let listed = first_list(&h.get("/ManualJournals", token).await.json());
    let narrations: Vec<&str> = listed.iter().map(|j| j["Narration"].as_str().unwrap_or("?")).collect();
    assert_eq!(narrations, ["good one", "good two"], "the good ones were created all the same");
}

#[tokio::test]
async fn unsummarized_errors_answer_every_element() {
    let h = &Harness::start().await;
    let token = &h.access().await;
    let body = journals(&[journal("good one", "100.00", Some("POSTED")), unbalanced("bad one")]);
    let reply = h.put("/ManualJournals?summarizeErrors=false", token, &body).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let envelope = reply.json();
    assert_eq!(envelope["Status"], "OK");
    assert!(envelope["Id"].is_string() && envelope["ProviderName"].is_string());
    assert!(envelope["DateTimeUTC"].as_str().is_some_and(|d| d.starts_with("/Date(") && !d.contains('+')));
    let list = first_list(&envelope);
    assert_eq!(
        (list[0]["StatusAttributeString"].clone(), list[1]["StatusAttributeString"].clone()),
        (json!("OK"), json!("ERROR"))
    );
    assert_eq!(list[1]["ManualJournalID"], "00000000-0000-0000-0000-000000000000");
    assert_eq!(messages(&list[1]["ValidationErrors"]), [BALANCE]);
    assert!(list[0].get("ValidationErrors").is_none());
    let id = list[0]["ManualJournalID"].as_str().expect("id");
    assert_eq!(h.get(&format!("/ManualJournals/{id}"), token).await.status, StatusCode::OK);
    assert_eq!(h.state().await["manualJournals"].as_array().map(Vec::len), Some(1));
    // The SDKs write the flag as Python does.
    let reply = h.put("/ManualJournals?SummarizeErrors=False", token, &journals(&[unbalanced("x")])).await;
    assert_eq!(reply.status, StatusCode::OK);
}

#[tokio::test]
async fn drafts_by_default_with_dates_and_amounts_as_xero_writes_them() {
    let h = &Harness::start().await;
    let token = &h.access().await;
    // Money written as text is kept exactly; the date as the SDKs send it (/Date(ms)/).
    let body = r#"{"ManualJournals":[{"Narration":"Entrata P001 [ent:9f2c]","Date":"/Date(1769817600000)/","JournalLines":[
        {"LineAmount":12500.10,"AccountCode":"1210","Description":"Rent charges"},
        {"LineAmount":-12500.1,"AccountCode":"4000"}]}]}"#;
    let reply = h.put("/ManualJournals", token, body).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert!(
        reply.text.contains(r#""LineAmount":12500.10"#) && reply.text.contains(r#""LineAmount":-12500.10"#),
        "{}",
        reply.text
    );
    assert!(reply.text.contains(r#""TaxAmount":0.00"#));
    let created = first_list(&reply.json())[0].clone();
    assert_eq!(created["Status"], "DRAFT");
    assert_eq!(created["Date"], "/Date(1769817600000+0000)/");
    assert_eq!(created["LineAmountTypes"], "NoTax");
    assert_eq!(created["ShowOnCashBasisReports"], true);
    assert_eq!(created["HasAttachments"], false);
    assert!(
        created["UpdatedDateUTC"].as_str().is_some_and(|d| d.starts_with("/Date(") && d.ends_with("+0000)/"))
    );
    let line = &created["JournalLines"][0];
    assert_eq!(
        (line["AccountID"].clone(), line["TaxType"].clone(), line["IsBlank"].clone()),
        (json!("a1210000-0000-4000-8000-000000000004"), json!("NONE"), json!(false))
    );
    // ISO date-times (xero-node passes strings through) are read as their date.
    let iso = journal("iso", "1.00", None).to_string().replace("2026-01-31", "2026-01-31T00:00:00");
    let reply = h.put("/ManualJournals", token, &format!(r#"{{"ManualJournals":[{iso}]}}"#)).await;
    assert_eq!(first_list(&reply.json())[0]["Date"], "/Date(1769817600000+0000)/");
}

#[tokio::test]
async fn lists_filter_and_page() {
    let h = &Harness::start().await;
    let token = &h.access().await;
    let mut early = journal("Entrata P001 2025-12", "10.00", Some("POSTED"));
    early["Date"] = json!("2025-12-31");
    h.put(
        "/ManualJournals",
        token,
        &journals(&[early, journal("Entrata P001 2026-01", "20.00", Some("POSTED"))]),
    )
    .await;
    // Saves are stamped a millisecond apart, so they can run a little ahead of the clock.
    h.advance(1).await;
    let before =
        h.control(Method::GET, "/_sandbox/time", "").await.json()["now"].as_str().expect("now").to_owned();
    h.advance(60).await;
    h.put("/ManualJournals", token, &journals(&[journal("Other draft", "30.00", None)])).await;

    let narrations = |reply: &super::support::Reply| -> Vec<String> {
        first_list(&reply.json()).iter().map(|j| j["Narration"].as_str().unwrap_or("?").to_owned()).collect()
    };
    let all = h.get("/ManualJournals", token).await;
    assert_eq!(narrations(&all).len(), 3);
    assert_eq!(first_list(&all.json())[0]["JournalLines"], json!([]), "no lines without page");
    assert!(all.json().get("pagination").is_none());

    let since = |value: &str| {
        h.send(
            h.http
                .get(h.api("/ManualJournals"))
                .bearer_auth(token)
                .header("xero-tenant-id", super::support::TENANT)
                .header("if-modified-since", value.to_owned()),
        )
    };
    assert_eq!(narrations(&since(&before).await), ["Other draft"]);
    // An HTTP-date has whole seconds: the next second after `before`.
    let next_second =
        std::time::SystemTime::from(chrono::DateTime::parse_from_rfc3339(&before).expect("time"))
            + std::time::Duration::from_secs(1);
    let http_date = httpdate::fmt_http_date(next_second);
    assert_eq!(narrations(&since(&http_date).await).len(), 1);

    let query = |q: &str| {
        h.send(
            h.http
                .get(h.api("/ManualJournals"))
                .query(&[("where", q)])
                .bearer_auth(token)
                .header("xero-tenant-id", super::support::TENANT),
        )
    };
    assert_eq!(narrations(&query(r#"Status=="POSTED""#).await).len(), 2);
    assert_eq!(
        narrations(&query(r#"Narration.Contains("2026-01") AND Status=="POSTED""#).await),
        ["Entrata P001 2026-01"]
    );
    assert_eq!(
        narrations(&query(r#"Narration.StartsWith("Entrata") && Date>=DateTime(2026,01,01)"#).await),
        ["Entrata P001 2026-01"]
    );
    let bad = query(r#"Colour=="red""#).await;
    assert_eq!(
        (bad.status, bad.json()["Type"].clone()),
        (StatusCode::BAD_REQUEST, json!("QueryParseException"))
    );

    let ordered = h.get("/ManualJournals?order=Date%20DESC", token).await;
    assert_eq!(narrations(&ordered)[2], "Entrata P001 2025-12");
    let page = h.get("/ManualJournals?page=2&pageSize=2", token).await.json();
    assert_eq!(page["pagination"], json!({"page": 2, "pageSize": 2, "pageCount": 2, "itemCount": 3}));
    let list = first_list(&page);
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["JournalLines"].as_array().map(Vec::len), Some(2), "lines with page");
    assert_eq!(h.get("/ManualJournals?page=9", token).await.json()["ManualJournals"], json!([]));
    // Paths in any case, as Xero.
    assert_eq!(h.get("/manualjournals?page=1", token).await.json()["pagination"]["itemCount"], 3);
    let missing = h.get("/ManualJournals/6b0c6f25-0000-4000-8000-000000000000", token).await;
    assert_eq!(
        (missing.status, missing.text.as_str()),
        (StatusCode::NOT_FOUND, "The resource you're looking for cannot be found")
    );
}

#[tokio::test]
async fn updates_void_and_delete() {
    let h = &Harness::start().await;
    let token = &h.access().await;
    let created = h
        .put(
            "/ManualJournals",
            token,
            &journals(&[journal("posted", "10.00", Some("POSTED")), journal("draft", "10.00", None)]),
        )
        .await;
    let list = first_list(&created.json());
    let (posted, draft) = (
        list[0]["ManualJournalID"].as_str().expect("id").to_owned(),
        list[1]["ManualJournalID"].as_str().expect("id").to_owned(),
    );
    let at = list[0]["UpdatedDateUTC"].clone();

    // POST with the id updates in place (lines replaced, still balanced).
    let mut edit = journal("posted, edited", "12.00", None);
    edit["ManualJournalID"] = json!(posted);
    let reply = h.post("/ManualJournals", token, &journals(&[edit])).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let edited = first_list(&reply.json())[0].clone();
    assert_eq!(
        (edited["ManualJournalID"].clone(), edited["Status"].clone()),
        (json!(posted), json!("POSTED"))
    );
    assert_ne!(edited["UpdatedDateUTC"], at);

    let status = |id: &str, status: &str| {
        let body = json!({"ManualJournals": [{"Status": status}]}).to_string();
        let path = format!("/ManualJournals/{id}?summarizeErrors=false");
        async move { first_list(&h.post(&path, token, &body).await.json())[0].clone() }
    };
    let refused = status(&posted, "DELETED").await;
    assert_eq!(
        messages(&refused["ValidationErrors"]),
        ["Manual journal not of valid status for modification"]
    );
    assert_eq!(status(&posted, "VOIDED").await["Status"], "VOIDED");
    assert_eq!(status(&draft, "DELETED").await["Status"], "DELETED");
    let read = h.get(&format!("/ManualJournals/{posted}"), token).await.json();
    assert_eq!(first_list(&read)[0]["Status"], "VOIDED");
    let gone = h
        .post(
            "/ManualJournals/6b0c6f25-0000-4000-8000-000000000000",
            token,
            r#"{"ManualJournals":[{"Status":"VOIDED"}]}"#,
        )
        .await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    let unknown = h.call(Method::POST, "/ManualJournals?summarizeErrors=false", token, Some(r#"{"ManualJournals":[{"ManualJournalID":"6b0c6f25-0000-4000-8000-000000000000","Status":"VOIDED"}]}"#), None).await;
    assert_eq!(
        unknown.errors(0),
        ["Manual journal with ID '6b0c6f25-0000-4000-8000-000000000000' could not be found"]
    );
}
