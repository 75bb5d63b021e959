//! The Entrata API view over datasets, call by call (below HTTP: `serve` and the methods).
//! The full answers for `fixtures/one-of-each.json` are snapshots (`snapshots/`), re-indented
//! from the served text so that money stays as written.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::to_bytes;
use axum::http::StatusCode;
use chrono::DateTime;
use serde_json::Value;

use super::*;
use crate::dataset::Dataset;
use crate::dataset::item::{Item, UpdatedAt};
use crate::entrata::EntrataLimits;
use crate::faults::FaultPlan;
use crate::locks::write;
use crate::shared::Shared;

const ONE_OF_EACH: &str = include_str!("../../../../fixtures/one-of-each.json");

fn shared(dataset: &str) -> Arc<Shared> {
    let dataset = Dataset::from_json(dataset.as_bytes()).expect("valid dataset");
    let start = DateTime::parse_from_rfc3339("2026-02-10T12:00:00Z").expect("time").to_utc();
    Arc::new(Shared::new(dataset, FaultPlan::default(), EntrataLimits::default(), Some(start)))
}

/// The body of a call with these params.
fn body(method: &str, params: &str) -> String {
    format!(
        r#"{{"auth": {{"type": "apikey"}}, "requestId": "7", "method": {{"name": "{method}", "version": "r1", "params": {params}}}}}"#
    )
}

struct Answered {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    text: String,
}

impl Answered {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).expect("JSON answer")
    }

    fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
    }
}

/// One call through the gate with the dataset's API key.
fn call_with(api: &EntrataApiShared, service: &str, body: &str, query: &str) -> Answered {
    let query: HashMap<String, String> = query
        .split('&')
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    let credential = Ok(token_fingerprint(api.config.api_key()));
    let response = serve(api, service, credential, "apikey", Ok(Query(query)), body.as_bytes());
    let (parts, body) = response.into_parts();
    let bytes = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime")
        .block_on(to_bytes(body, usize::MAX))
        .expect("body");
    Answered {
        status: parts.status,
        headers: parts.headers,
        text: String::from_utf8(bytes.to_vec()).expect("UTF-8"),
    }
}

fn call(api: &EntrataApiShared, service: &str, method: &str, params: &str) -> Answered {
    call_with(api, service, &body(method, params), "")
}

/// The answer's text re-indented (two spaces), leaving every value's bytes as served.
fn pretty(text: &str) -> String {
    let mut out = String::new();
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        out.push_str(&"  ".repeat(depth));
    };
    for c in text.chars() {
        if in_string {
            out.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '{' | '[' => {
                depth += 1;
                out.push(c);
                newline(&mut out, depth);
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(c);
            }
            ',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            _ => out.push(c),
        }
    }
    out
}

#[test]
fn each_method_on_one_of_each() {
    let shared = shared(ONE_OF_EACH);
    let api = &shared.entrata_api;
    let cases = [
        ("properties", "getProperties", "{}"),
        ("arcodes", "getArCodes", "{}"),
        ("leases", "getLeases", r#"{"propertyId": "prop_21a91f0"}"#),
        (
            "artransactions",
            "getLeaseArTransactions",
            r#"{"propertyId": "prop_21a91f0", "showFullLedger": "1", "includeReversals": "1"}"#,
        ),
        ("arpayments", "getArPayments", r#"{"isIncludeAllocations": "1"}"#),
        ("financial", "getGlTransactions", r#"{"propertyIds": "prop_21a91f0"}"#),
    ];
    for (service, method, params) in cases {
        let answered = call(api, service, method, params);
        assert_eq!(answered.status, StatusCode::OK, "{method}: {}", answered.text);
        assert_eq!(answered.header("x-ratelimit-limit"), "15000/DAY;1000/HOUR;150/MINUTE", "{method}");
        assert_eq!(answered.header("x-ratelimit-remaining"), "14999/DAY;999/HOUR;149/MINUTE", "{method}");
        assert_eq!(answered.header("x-ratelimit-reset"), "86400;3600;60", "{method}");
        insta::assert_snapshot!(method, pretty(&answered.text));
    }
}

#[test]
fn money_and_ids_are_served_as_written() {
    let shared = shared(ONE_OF_EACH);
    let api = &shared.entrata_api;
    let ledger = call(
        api,
        "artransactions",
        "getLeaseArTransactions",
        r#"{"propertyId": "prop_21a91f0", "showFullLedger": 1}"#,
    )
    .text;
    for exact in [
        r#""amount":1295.00"#,
        r#""amount":"1.07""#,
        r#""amount":0.10"#,
        r#""amount":"1234567.89""#,
        r#""amount":-1316.06"#,
        r#""taxAmount":0.07"#,
    ] {
        assert!(ledger.contains(exact), "{exact} in {ledger}");
    }
    let leases = call(api, "leases", "getLeases", r#"{"propertyId": "prop_21a91f0"}"#).text;
    for exact in [r#""amount":1295.00"#, r#""amount":"19.99""#, r#""amount":1.07"#, r#""amount":"300.00""#] {
        assert!(leases.contains(exact), "{exact} in {leases}");
    }
    let payments = call(api, "arpayments", "getArPayments", r#"{"isIncludeAllocations": 1}"#).text;
    for exact in
        [r#""PaymentAmount":1316.06"#, r#""Amount":1295.00"#, r#""Amount":"1.07""#, r#""Amount":19.99"#]
    {
        assert!(payments.contains(exact), "{exact} in {payments}");
    }
    let gl = call(api, "financial", "getGlTransactions", r#"{"propertyIds": "prop_21a91f0"}"#).text;
    assert!(gl.contains(r#""debit":"1316.06""#), "{gl}");
}

#[test]
fn one_child_is_an_object_and_many_an_array() {
    let shared = shared(ONE_OF_EACH);
    let ledger = call(
        &shared.entrata_api,
        "artransactions",
        "getLeaseArTransactions",
        r#"{"propertyId": "prop_21a91f0", "showFullLedger": "1"}"#,
    )
    .json();
    let lease = &ledger["response"]["result"]["leases"]["lease"];
    assert!(lease.is_object(), "{lease}");
    let customer = &lease["customers"]["customer"];
    assert!(customer.is_object() && customer["ledgers"]["ledger"].is_object(), "{customer}");
    assert!(customer["ledgers"]["ledger"]["transactions"]["transaction"].is_array());
    // Without reversals: chg_6 (which reverses chg_4) is not listed.
    let ids: Vec<&str> = customer["ledgers"]["ledger"]["transactions"]["transaction"]
        .as_array()
        .map(|t| t.iter().filter_map(|t| t["id"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(ids, ["chg_1", "chg_2", "chg_3", "pmt-pay_1", "chg_4", "chg_5"]);
    let properties = call(&shared.entrata_api, "properties", "getProperties", "{}").json();
    assert!(properties["response"]["result"]["PhysicalProperty"]["Property"].is_object());
}

#[test]
fn codes_and_request_ids() {
    let shared = shared(ONE_OF_EACH);
    let api = &shared.entrata_api;
    let code = |service, method, params| {
        let json = call(api, service, method, params).json();
        (json["response"]["requestId"].clone(), json["response"]["code"].clone())
    };
    assert_eq!(code("properties", "getProperties", "{}"), (Value::from("7"), Value::from("200")));
    assert_eq!(code("leases", "getLeases", r#"{"propertyId": "prop_21a91f0"}"#).1, Value::from("200"));
    assert_eq!(code("arpayments", "getArPayments", "{}").1, Value::from("200"));
    assert_eq!(code("arcodes", "getArCodes", "{}").1, Value::from(200));
    let numeric = call_with(
        api,
        "arcodes",
        r#"{"auth": {"type": "apikey"}, "requestId": 15, "method": {"name": "getArCodes"}}"#,
        "",
    );
    assert_eq!(numeric.json()["response"]["requestId"], Value::from(15));
}

#[test]
fn errors_are_entrata_shaped() {
    let shared = shared(ONE_OF_EACH);
    let api = &shared.entrata_api;
    let check = |answered: Answered, status: StatusCode, expected: &str| {
        assert_eq!((answered.status, answered.text.as_str()), (status, expected));
        assert_eq!(answered.header("x-ratelimit-limit"), "15000/DAY;1000/HOUR;150/MINUTE");
    };
    check(
        call(api, "leases", "getArCodes", "{}"),
        StatusCode::OK,
        r#"{"response":{"requestId":"7","error":{"code":301,"message":"Method not found: \"getArCodes\" is not a method of the leases service (it has getLeases)"}}}"#,
    );
    check(
        call_with(
            api,
            "leases",
            r#"{"auth": {"type": "apikey"}, "method": {"name": "getLeases", "version": "r2"}}"#,
            "",
        ),
        StatusCode::OK,
        r#"{"response":{"error":{"code":301,"message":"Method not found: getLeases version \"r2\" (the sandbox serves r1)"}}}"#,
    );
    check(
        call(api, "leases", "getLeases", "{}"),
        StatusCode::OK,
        r#"{"response":{"requestId":"7","error":{"code":302,"message":"Invalid parameter \"propertyId\": is required"}}}"#,
    );
    check(
        call(
            api,
            "artransactions",
            "getLeaseArTransactions",
            r#"{"propertyId": "p", "transactionFromDate": "2026-01-01"}"#,
        ),
        StatusCode::OK,
        r#"{"response":{"requestId":"7","error":{"code":302,"message":"Invalid parameter \"transactionFromDate\": \"2026-01-01\" is not a date in the form MM/DD/YYYY"}}}"#,
    );
    check(
        call_with(api, "leases", &body("getLeases", r#"{"propertyId": "prop_21a91f0"}"#), "per_page=4"),
        StatusCode::OK,
        r#"{"response":{"requestId":"7","error":{"code":302,"message":"Invalid parameter \"per_page\": \"4\" must be a whole number from 5 to 1000"}}}"#,
    );
    check(
        call_with(api, "leases", "{\"auth\": {}}", ""),
        StatusCode::BAD_REQUEST,
        r#"{"response":{"error":{"code":400,"message":"the body is not an Entrata request: \"auth.type\" must be a string"}}}"#,
    );
    check(
        call_with(api, "leases", r#"{"auth": {"type": "basic"}, "method": {"name": "getLeases"}}"#, ""),
        StatusCode::UNAUTHORIZED,
        r#"{"response":{"error":{"code":113,"message":"Authorization failed: auth.type \"basic\" on a gateway (X-Api-Key) endpoint (expected \"apikey\")"}}}"#,
    );
    let refused = serve(
        api,
        "leases",
        Err("Authorization failed: invalid API key"),
        "apikey",
        Ok(Query(HashMap::new())),
        b"{}",
    );
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let unknown = serve(api, "reports", Ok("k".into()), "apikey", Ok(Query(HashMap::new())), b"{}");
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
}

/// A dataset with `leases` leases in one property, each with one charge on the 1st of a month.
fn many_leases(leases: usize) -> String {
    let lease = |i: usize| {
        format!(
            r#"{{"leaseId": "l{i:02}", "propertyId": "p1", "primaryResidentId": "r{i:02}", "status": "active", "currency": "USD"}}"#
        )
    };
    let charge = |i: usize| {
        format!(
            r#"{{"chargeId": "c{i:02}", "propertyId": "p1", "leaseId": "l{i:02}", "arCode": "RENT", "amount": "100.{i:02}", "transactionDate": "2026-{m:02}-01", "postDate": "2026-{m:02}-01", "postMonth": "2026-{m:02}", "status": "posted"}}"#,
            m = i % 12 + 1
        )
    };
    format!(
        r#"{{"integrationId": "int_t", "integrationToken": "tok", "users": [],
            "properties": [{{"propertyId": "p1", "name": "P", "status": "active", "currency": "USD", "openPostMonth": "2026-02"}}],
            "arCodes": [{{"arCodeId": "arc_1", "code": "RENT", "name": "Rent", "type": "rent"}}],
            "leases": [{}], "charges": [{}]}}"#,
        (0..leases).map(lease).collect::<Vec<_>>().join(","),
        (0..leases).map(charge).collect::<Vec<_>>().join(",")
    )
}

fn lease_ids(answer: &Value) -> Vec<String> {
    let lease = &answer["response"]["result"]["leases"]["lease"];
    let list =
        if lease.is_array() { lease.as_array().cloned().unwrap_or_default() } else { vec![lease.clone()] };
    list.iter().map(|l| l["id"].as_str().unwrap_or("?").to_owned()).collect()
}

#[test]
fn pages_by_lease_node() {
    let shared = shared(&many_leases(7));
    let api = &shared.entrata_api;
    let ledger = |query: &str, params: &str| {
        call_with(api, "artransactions", &body("getLeaseArTransactions", params), query).json()
    };
    let full = r#"{"propertyId": "p1", "showFullLedger": "1"}"#;
    assert_eq!(lease_ids(&ledger("page_no=1&per_page=5", full)), ["l00", "l01", "l02", "l03", "l04"]);
    // The second page has fewer lease nodes than per_page: the last.
    assert_eq!(lease_ids(&ledger("page_no=2&per_page=5", full)), ["l05", "l06"]);
    assert_eq!(
        ledger("page_no=3&per_page=5", full)["response"]["result"],
        serde_json::json!({"success": "No Records Found."})
    );
    // Without paging: one page of perPageMax.
    assert_eq!(lease_ids(&ledger("", full)).len(), 7);
    // The date window (inclusive, on transactionDate) leaves leases without transactions out.
    let window = r#"{"propertyId": "p1", "showFullLedger": "1", "transactionFromDate": "02/01/2026", "transactionToDate": "03/01/2026"}"#;
    assert_eq!(lease_ids(&ledger("", window)), ["l01", "l02"]);
    let leases =
        |query: &str| call_with(api, "leases", &body("getLeases", r#"{"propertyId": "p1"}"#), query).json();
    assert_eq!(lease_ids(&leases("page_no=2&per_page=5")), ["l05", "l06"]);
    assert!(
        leases("page_no=3&per_page=5")["response"]["result"]["leases"]["lease"]
            .as_array()
            .is_some_and(Vec::is_empty)
    );
}

#[test]
fn without_full_ledger_nothing_is_listed() {
    let shared = shared(ONE_OF_EACH);
    let answer = call(
        &shared.entrata_api,
        "artransactions",
        "getLeaseArTransactions",
        r#"{"propertyId": "prop_21a91f0"}"#,
    );
    assert_eq!(
        answer.text,
        r#"{"response":{"requestId":"7","code":200,"result":{"success":"No Records Found."}}}"#
    );
}

/// Upserts raw items into the store, as `POST /_sandbox/entrata/{kind}` does.
fn upsert(shared: &Shared, kind: EntrataKind, texts: &[&str]) {
    let mut store = write(&shared.entrata.store);
    for text in texts {
        let checked = crate::dataset::check::check_object(text, kind.fields()).expect("object");
        let id = checked.id.clone().expect("id");
        let now = shared.clock.bump_time();
        store.upsert(Item::from_checked(kind, &checked, text, id, UpdatedAt::Bump(now)));
    }
}

use crate::dataset::schema::EntrataKind;

#[test]
fn returns_deletions_and_windows() {
    let shared = shared(ONE_OF_EACH);
    upsert(
        &shared,
        EntrataKind::Payments,
        &[
            r#"{"paymentId": "pay_2", "propertyId": "prop_21a91f0", "leaseId": "lease_51af80", "residentId": "res_91c20a",
              "amount": "500.00", "currency": "USD", "method": "check", "status": "returned", "receivedAt": "2026-02-05T23:30:00-07:00",
              "postDate": "2026-02-05", "postMonth": "2026-02", "returnedDate": "2026-03-02", "returnPostMonth": "2026-03",
              "returnReason": "NSF", "allocations": []}"#,
        ],
    );
    upsert(
        &shared,
        EntrataKind::Charges,
        &[
            r#"{"chargeId": "chg_5", "propertyId": "prop_21a91f0", "leaseId": "lease_51af80", "arCode": "MISC", "amount": "1234567.89",
              "transactionDate": "2026-02-10", "postDate": "2026-02-10", "postMonth": "2026-02", "status": "deleted"}"#,
        ],
    );
    let api = &shared.entrata_api;
    let ledger = |params: &str| call(api, "artransactions", "getLeaseArTransactions", params).json();
    let transactions = |answer: &Value| -> Vec<(String, String, String)> {
        let customers = &answer["response"]["result"]["leases"]["lease"]["customers"]["customer"];
        let customers = if customers.is_array() {
            customers.as_array().cloned().unwrap_or_default()
        } else {
            vec![customers.clone()]
        };
        let mut out = Vec::new();
        for customer in customers {
            let list = &customer["ledgers"]["ledger"]["transactions"]["transaction"];
            let list = if list.is_array() {
                list.as_array().cloned().unwrap_or_default()
            } else {
                vec![list.clone()]
            };
            for t in list {
                let text = |v: &Value| v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string());
                out.push((text(&customer["id"]), text(&t["id"]), text(&t["postMonth"])));
            }
        }
        out
    };
    let all = ledger(r#"{"propertyId": "prop_21a91f0", "showFullLedger": "1", "includeReversals": "1"}"#);
    let ids: Vec<String> = transactions(&all).into_iter().map(|(c, t, _)| format!("{c} {t}")).collect();
    assert_eq!(
        ids,
        [
            "res_88b32e chg_1",
            "res_88b32e chg_2",
            "res_88b32e chg_3",
            "res_88b32e pmt-pay_1",
            "res_88b32e chg_4",
            "res_88b32e chg_6",
            "res_91c20a pmt-pay_2",
            "res_91c20a pmtr-pay_2",
        ]
    );
    let text = all.to_string();
    assert!(text.contains(r#"{"amount":"500.00","arCodeId":"payment","arPaymentId":"pay_2","id":"pmtr-pay_2","isTemporary":0,"postDate":"03/02/2026","postMonth":"03/01/2026","transactionDate":"03/02/2026","transactionTypeId":3}"#), "{text}");
    // March only: the return, not the payment.
    let march = ledger(
        r#"{"propertyId": "prop_21a91f0", "showFullLedger": "1", "includeReversals": "1", "transactionFromDate": "03/01/2026", "transactionToDate": "03/31/2026"}"#,
    );
    assert_eq!(transactions(&march), [("res_91c20a".into(), "pmtr-pay_2".into(), "03/01/2026".into())]);
    // Without includeReversals, neither reversal is listed.
    let plain = ledger(
        r#"{"propertyId": "prop_21a91f0", "showFullLedger": "1", "transactionFromDate": "02/04/2026"}"#,
    );
    let ids: Vec<String> = transactions(&plain).into_iter().map(|(_, t, _)| t).collect();
    assert_eq!(ids, ["pmt-pay_2"]);
    // getArPayments: Mountain Time, the return, and the date window on PaymentDate.
    let payments = call(api, "arpayments", "getArPayments", r#"{"arPaymentIds": "pay_2"}"#).text;
    assert_eq!(
        payments,
        r#"{"response":{"requestId":"7","code":"200","result":{"ArPayments":{"ArPayment":{"ArPaymentId":"pay_2","CustomerId":"res_91c20a","PaymentAmount":"500.00","PaymentType":"Check","PaymentStatus":"Returned","PaymentDate":"02/05/2026 23:30","CapturedOn":"02/05/2026 23:30","ReturnedOn":"03/02/2026","CurrencyCode":"USD","ReturnReason":"NSF"}}}}}"#
    );
    let window = |from: &str, to: &str| {
        let params = format!(r#"{{"fromDate": "{from}", "toDate": "{to}"}}"#);
        call(api, "arpayments", "getArPayments", &params).json()["response"]["result"].to_string()
    };
    assert!(window("02/05/2026", "02/05/2026").contains("pay_2"));
    assert_eq!(window("02/06/2026", "02/28/2026"), r#"{"success":"No Records Found."}"#);
}

#[test]
fn gl_marks_and_exclusions() {
    let shared = shared(ONE_OF_EACH);
    let api = &shared.entrata_api;
    let gl = |params: &str| {
        call(api, "financial", "getGlTransactions", params).json()["response"]["result"].clone()
    };
    let detail = &gl(r#"{"propertyIds": "prop_21a91f0"}"#)["properties"]["property"]["transactions"]["transaction"]
        ["glDetails"]["glDetail"];
    assert_eq!(detail["@attributes"]["id"], "dep_1");
    assert_eq!(detail["arPaymentIds"], "pay_1");
    let empty = serde_json::json!({"success": "No Records Found."});
    assert_eq!(gl(r#"{"propertyIds": "prop_21a91f0", "postDateFrom": "02/03/2026"}"#), empty);
    assert_eq!(gl(r#"{"propertyIds": "nope"}"#), empty);
    let marked =
        call(api, "financial", "markGlTransactionsExported", r#"{"glDetailId": "dep_1, dep_9"}"#).json();
    assert_eq!(marked["response"]["result"]["status"], "Success");
    assert_eq!(api.dump()["exportedGlDetailIds"], serde_json::json!(["dep_1", "dep_9"]));
    assert_eq!(gl(r#"{"propertyIds": "prop_21a91f0", "excludeExportedTransactions": "1"}"#), empty);
    assert!(gl(r#"{"propertyIds": "prop_21a91f0"}"#).get("properties").is_some());
    let missing = call(api, "financial", "markGlTransactionsExported", "{}").json();
    assert_eq!(missing["response"]["error"]["code"], 302);
}

#[test]
fn limits_per_service_and_credential() {
    let dataset =
        ONE_OF_EACH.replacen("\"users\":", "\"entrataApi\": {\"limits\": {\"minute\": 2}},\n  \"users\":", 1);
    let shared = shared(&dataset);
    let api = &shared.entrata_api;
    assert_eq!(call(api, "arcodes", "getArCodes", "{}").status, StatusCode::OK);
    assert_eq!(call(api, "arcodes", "getArCodes", "{}").status, StatusCode::OK);
    let refused = call(api, "arcodes", "getArCodes", "{}");
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(refused.text, r#"{"response":{"error":{"code":429,"message":"Too many requests"}}}"#);
    assert_eq!(refused.header("retry-after"), "60");
    assert_eq!(refused.header("x-ratelimit-remaining"), "14998/DAY;998/HOUR;0/MINUTE");
    // Another service has its own windows; the minute rolls on the sandbox clock.
    assert_eq!(call(api, "properties", "getProperties", "{}").status, StatusCode::OK);
    shared.clock.advance(60);
    assert_eq!(call(api, "arcodes", "getArCodes", "{}").status, StatusCode::OK);
    assert_eq!(api.dump()["limits"]["minute"], 2);
}
