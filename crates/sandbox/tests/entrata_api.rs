//! Entrata's own API (`/entrata-api`, docs/sources.md section 7) over real HTTP on 127.0.0.1,
//! with a plain HTTP/1.1 client: the routes, auth, errors, limits, faults and control endpoints
//! as a client meets them. The shapes of each method are the unit tests' (src/entrata_api/tests.rs).

use std::net::SocketAddr;
use std::time::Duration;

use entrata_recon_sandbox::{Dataset, Sandbox, SandboxOptions, start};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const ONE_OF_EACH: &str = include_str!("../../../fixtures/one-of-each.json");
/// The fixture's integration token: the API key when the dataset has no `entrataApi`.
const API_KEY: &str = "c2FuZGJveDpzYW5kYm94";
/// `controller@example.com:fixture-password`, the fixture's user, for HTTP Basic.
const BASIC: &str = "Basic Y29udHJvbGxlckBleGFtcGxlLmNvbTpmaXh0dXJlLXBhc3N3b3Jk";

async fn sandbox(dataset: &str) -> Sandbox {
    let dataset = Dataset::from_json(dataset.as_bytes()).expect("valid dataset");
    start(SandboxOptions::new(dataset)).await.expect("sandbox started")
}

struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> &str {
        self.headers.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

/// One request on its own connection (`Connection: close`), read to the end.
async fn request(addr: SocketAddr, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Answer {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let mut text = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    text.push_str("\r\n");
    text.push_str(body);
    stream.write_all(text.as_bytes()).await.expect("write");
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).await.expect("read");
    let answer = String::from_utf8(bytes).expect("UTF-8 answer");
    let (head, body) = answer.split_once("\r\n\r\n").expect("a head and a body");
    let mut lines = head.split("\r\n");
    let status = lines.next().and_then(|l| l.split(' ').nth(1)).and_then(|s| s.parse().ok()).expect("status");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    assert!(
        !headers.iter().any(|(k, v)| k == "transfer-encoding" && v.contains("chunked")),
        "chunked answer"
    );
    Answer { status, headers, body: body.to_owned() }
}

fn call_body(method: &str, params: &str) -> String {
    format!(
        r#"{{"auth": {{"type": "apikey"}}, "requestId": "15", "method": {{"name": "{method}", "version": "r1", "params": {params}}}}}"#
    )
}

/// `POST {gateway}/{service}` with the API key.
async fn gateway(sandbox: &Sandbox, service: &str, method: &str, params: &str) -> Answer {
    gateway_query(sandbox, service, "", method, params).await
}

async fn gateway_query(sandbox: &Sandbox, service: &str, query: &str, method: &str, params: &str) -> Answer {
    let path = format!(
        "{}/{service}{query}",
        sandbox.entrata_api_base_url().trim_start_matches(&sandbox.base_url())
    );
    request(sandbox.addr(), "POST", &path, &[("X-Api-Key", API_KEY)], &call_body(method, params)).await
}

#[tokio::test]
async fn gateway_and_legacy_forms() {
    let sandbox = sandbox(ONE_OF_EACH).await;
    let base = sandbox.base_url();
    assert_eq!(sandbox.entrata_api_base_url(), format!("{base}/entrata-api/ext/orgs/int_fixture/v1"));
    assert_eq!(sandbox.entrata_api_legacy_base_url(), format!("{base}/entrata-api/int_fixture/api/v1"));

    let answer = gateway(&sandbox, "properties", "getProperties", "{}").await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(answer.header("content-type").starts_with("application/json"));
    assert_eq!(answer.header("x-ratelimit-limit"), "15000/DAY;1000/HOUR;150/MINUTE");
    assert_eq!(answer.header("x-ratelimit-remaining"), "14999/DAY;999/HOUR;149/MINUTE");
    let json = answer.json();
    assert_eq!(json["response"]["code"], "200");
    assert_eq!(json["response"]["requestId"], "15");
    assert_eq!(json["response"]["result"]["PhysicalProperty"]["Property"]["PropertyID"], "prop_21a91f0");

    // The legacy host: HTTP Basic (any dataset user) and auth.type "basic"; its own budget.
    let body = r#"{"auth": {"type": "basic"}, "requestId": "1", "method": {"name": "getLeases", "params": {"propertyId": "prop_21a91f0"}}}"#;
    let legacy = request(
        sandbox.addr(),
        "POST",
        "/entrata-api/int_fixture/api/v1/leases?page_no=1&per_page=5",
        &[("Authorization", BASIC)],
        body,
    )
    .await;
    assert_eq!(legacy.status, 200, "{}", legacy.body);
    assert_eq!(legacy.header("x-ratelimit-remaining"), "14999/DAY;999/HOUR;149/MINUTE");
    assert!(legacy.body.contains(r#""amount":1295.00"#), "{}", legacy.body);
    assert_eq!(legacy.json()["response"]["result"]["leases"]["lease"]["leaseStatusTypeId"], "4");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn bad_credentials_are_401() {
    let sandbox = sandbox(ONE_OF_EACH).await;
    let addr = sandbox.addr();
    let body = call_body("getArCodes", "{}");
    let unauthorized = |answer: &Answer| {
        assert_eq!(answer.status, 401, "{}", answer.body);
        assert_eq!(answer.json()["response"]["error"]["code"], 113, "{}", answer.body);
        assert_eq!(answer.header("x-ratelimit-limit"), "15000/DAY;1000/HOUR;150/MINUTE");
    };
    let path = "/entrata-api/ext/orgs/int_fixture/v1/arcodes";
    unauthorized(&request(addr, "POST", path, &[("X-Api-Key", "wrong")], &body).await);
    unauthorized(&request(addr, "POST", path, &[], &body).await);
    unauthorized(
        &request(addr, "POST", "/entrata-api/ext/orgs/other/v1/arcodes", &[("X-Api-Key", API_KEY)], &body)
            .await,
    );
    let basic = r#"{"auth": {"type": "basic"}, "method": {"name": "getArCodes"}}"#;
    let wrong_password = "Basic Y29udHJvbGxlckBleGFtcGxlLmNvbTpub3Bl";
    unauthorized(
        &request(
            addr,
            "POST",
            "/entrata-api/int_fixture/api/v1/arcodes",
            &[("Authorization", wrong_password)],
            basic,
        )
        .await,
    );
    // A refused call counts against no window.
    let answer = gateway(&sandbox, "arcodes", "getArCodes", "{}").await;
    assert_eq!(answer.header("x-ratelimit-remaining"), "14999/DAY;999/HOUR;149/MINUTE");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_wrong_method_is_an_error_with_http_200() {
    let sandbox = sandbox(ONE_OF_EACH).await;
    let answer = gateway(&sandbox, "arpayments", "getArCodes", "{}").await;
    assert_eq!(answer.status, 200);
    let json = answer.json();
    assert_eq!(json["response"]["requestId"], "15");
    assert_eq!(json["response"]["error"]["code"], 301);
    assert!(json["response"]["error"]["message"].as_str().is_some_and(|m| m.starts_with("Method not found")));
    let not_envelope = request(
        sandbox.addr(),
        "POST",
        "/entrata-api/ext/orgs/int_fixture/v1/arcodes",
        &[("X-Api-Key", API_KEY)],
        "{}",
    )
    .await;
    assert_eq!(
        (not_envelope.status, not_envelope.json()["response"]["error"]["code"].clone()),
        (400, Value::from(400))
    );
    let get = request(
        sandbox.addr(),
        "GET",
        "/entrata-api/ext/orgs/int_fixture/v1/arcodes",
        &[("X-Api-Key", API_KEY)],
        "",
    )
    .await;
    assert_eq!(get.status, 405);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn over_the_minute_limit_is_429_until_the_window_rolls() {
    let dataset =
        ONE_OF_EACH.replacen("\"users\":", "\"entrataApi\": {\"limits\": {\"minute\": 3}},\n  \"users\":", 1);
    let sandbox = sandbox(&dataset).await;
    for remaining in
        ["14999/DAY;999/HOUR;2/MINUTE", "14998/DAY;998/HOUR;1/MINUTE", "14997/DAY;997/HOUR;0/MINUTE"]
    {
        let answer = gateway(&sandbox, "arcodes", "getArCodes", "{}").await;
        assert_eq!((answer.status, answer.header("x-ratelimit-remaining")), (200, remaining));
    }
    let refused = gateway(&sandbox, "arcodes", "getArCodes", "{}").await;
    assert_eq!(refused.status, 429);
    assert_eq!(refused.body, r#"{"response":{"error":{"code":429,"message":"Too many requests"}}}"#);
    let retry_after: u64 = refused.header("retry-after").parse().expect("Retry-After seconds");
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    assert_eq!(refused.header("x-ratelimit-limit"), "15000/DAY;1000/HOUR;3/MINUTE");
    assert_eq!(refused.header("x-ratelimit-remaining"), "14997/DAY;997/HOUR;0/MINUTE");
    assert_eq!(refused.header("x-ratelimit-reset").split(';').nth(2), Some(retry_after.to_string().as_str()));
    // Another service has its own windows.
    assert_eq!(gateway(&sandbox, "properties", "getProperties", "{}").await.status, 200);
    sandbox.clock().advance(Duration::from_secs(retry_after));
    assert_eq!(gateway(&sandbox, "arcodes", "getArCodes", "{}").await.status, 200);
    sandbox.shutdown().await;
}

fn ledger_params() -> &'static str {
    r#"{"propertyId": "prop_21a91f0", "showFullLedger": "1", "includeReversals": "1"}"#
}

#[tokio::test]
async fn an_upsert_shows_in_this_view() {
    let sandbox = sandbox(ONE_OF_EACH).await;
    let charges = r#"[
        {"chargeId": "chg_9", "propertyId": "prop_21a91f0", "leaseId": "lease_51af80", "residentId": "res_88b32e",
         "arCode": "PET", "description": "Late pet rent", "amount": 1295.10, "currency": "USD",
         "transactionDate": "2026-02-12", "postDate": "2026-02-12", "postMonth": "2026-02", "status": "posted"},
        {"chargeId": "chg_5", "propertyId": "prop_21a91f0", "leaseId": "lease_51af80", "arCode": "MISC",
         "amount": "1234567.89", "currency": "USD", "postDate": "2026-02-10", "postMonth": "2026-02", "status": "deleted"}]"#;
    let upserted = request(sandbox.addr(), "POST", "/_sandbox/entrata/charges", &[], charges).await;
    assert_eq!(upserted.status, 200, "{}", upserted.body);
    let answer = gateway(&sandbox, "artransactions", "getLeaseArTransactions", ledger_params()).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(answer.body.contains(r#"{"id":"chg_9","transactionTypeId":1,"arCodeId":"arc_104","arCodeName":"Pet Rent","description":"Late pet rent","transactionDate":"02/12/2026","postDate":"02/12/2026","postMonth":"02/01/2026","isTemporary":0,"amount":1295.10,"currencyCode":"USD"}"#), "{}", answer.body);
    assert!(!answer.body.contains("chg_5"), "a deleted charge is not listed: {}", answer.body);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn export_marks_show_in_the_sandbox_state() {
    let sandbox = sandbox(ONE_OF_EACH).await;
    let marked =
        gateway(&sandbox, "financial", "markGlTransactionsExported", r#"{"glDetailId": "dep_1"}"#).await;
    assert_eq!(marked.json()["response"]["result"]["status"], "Success", "{}", marked.body);
    let state = request(sandbox.addr(), "GET", "/_sandbox/state?items=false", &[], "").await.json();
    assert_eq!(state["entrataApi"]["exportedGlDetailIds"], serde_json::json!(["dep_1"]));
    assert_eq!(state["entrataApi"]["org"], "int_fixture");
    let windows = state["entrataApi"]["rateLimits"].to_string();
    assert!(windows.contains(r#""service":"financial""#) && !windows.contains(API_KEY), "{windows}");
    let excluded = gateway(
        &sandbox,
        "financial",
        "getGlTransactions",
        r#"{"propertyIds": "prop_21a91f0", "excludeExportedTransactions": "1"}"#,
    )
    .await;
    assert_eq!(excluded.json()["response"]["result"]["success"], "No Records Found.");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn fault_rules_name_the_view_entrata_api() {
    let sandbox = sandbox(ONE_OF_EACH).await;
    let rules = r#"{"rules": [{"service": "entrata-api", "path": "**/arcodes", "nth": 1, "action": {"status": 503, "retry_after_s": 2}}]}"#;
    let installed = request(sandbox.addr(), "POST", "/_sandbox/faults", &[], rules).await;
    assert_eq!(installed.status, 200, "{}", installed.body);
    let faulted = gateway(&sandbox, "arcodes", "getArCodes", "{}").await;
    assert_eq!((faulted.status, faulted.header("retry-after")), (503, "2"));
    assert_eq!(faulted.json()["response"]["error"]["code"], 503);
    assert_eq!(gateway(&sandbox, "arcodes", "getArCodes", "{}").await.status, 200);
    // The REST view is another service: an entrata-api rule never touches it, nor the reverse.
    let never = r#"[{"service": "entrata-api", "path": "/entrata/**", "action": {"status": 500}}]"#;
    assert_eq!(request(sandbox.addr(), "POST", "/_sandbox/faults", &[], never).await.status, 400);
    let expire = r#"[{"service": "entrata-api", "action": "expire_token"}]"#;
    let refused = request(sandbox.addr(), "POST", "/_sandbox/faults", &[], expire).await;
    assert!(refused.status == 400 && refused.body.contains("no tokens"), "{}", refused.body);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn write_config_entrata_api_names_the_gateway_and_its_key() {
    let sandbox = sandbox(ONE_OF_EACH).await;
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("recon.toml");
    sandbox.write_config_entrata_api(&path).expect("config written");
    let toml_text = std::fs::read_to_string(&path).expect("config");
    let config: toml::Table = toml_text.parse().expect("TOML");
    let source = config["source"].as_table().expect("[source]");
    let keys: Vec<&str> = source.keys().map(String::as_str).collect();
    assert_eq!(keys.len(), 4, "{toml_text}");
    assert_eq!(source["kind"].as_str(), Some("entrata"));
    assert_eq!(source["base_url"].as_str(), Some(sandbox.entrata_api_base_url().as_str()));
    assert_eq!(source["auth"].as_str(), Some("apikey"));
    assert_eq!(source["api_key_env"].as_str(), Some("ENTRATA_API_KEY"));
    // The rest is write_config's.
    let rest_path = dir.path().join("rest.toml");
    sandbox.write_config(&rest_path).expect("config written");
    let rest: toml::Table = std::fs::read_to_string(&rest_path).expect("config").parse().expect("TOML");
    for section in ["state", "mappings", "targets", "posting"] {
        assert_eq!(config[section], rest[section], "[{section}]");
    }
    let env = std::fs::read_to_string(dir.path().join("recon.env")).expect("env file");
    assert!(env.contains(&format!("ENTRATA_API_KEY='{API_KEY}'")), "{env}");
    assert!(env.contains("QBO_CLIENT_ID=") && env.contains("XERO_CLIENT_SECRET="), "{env}");
    assert!(!env.contains("ENTRATA_USERNAME") && !toml_text.contains(API_KEY), "{env}");
    sandbox.shutdown().await;
}
