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
use crate::entrata::EntrataLimits;
use crate::faults::FaultPlan;
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

mod ledger;
