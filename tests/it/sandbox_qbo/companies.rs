//! Several companies under one app: each realm's books, chart, preferences and throttles are its
//! own; the consent chooses the company (`POST /_sandbox/qbo/consent`, else the first) and its
//! tokens reach that realm alone; `/_sandbox/state` shows every company; a dataset whose
//! companies are not one app's, or repeat a realm, is refused.

use entrata_recon_sandbox::{Dataset, QboLimits, SandboxOptions};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::support::*;

/// The second company: its own chart (A/R 184, income 179, customer 158), books closed through
/// 2026-01-31, and whatever `extra` adds.
const REALM_2: &str = "9130357766900457";

fn second_company(extra: Value) -> Value {
    let mut company = json!({
        "realmId": REALM_2, "clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET, "homeCurrency": "CAD",
        "bookCloseDate": "2026-01-31",
        "accounts": [
            {"Id": "184", "Name": "Accounts Receivable (A/R)", "AccountType": "Accounts Receivable"},
            {"Id": "179", "Name": "Rental Income", "AccountType": "Income"}
        ],
        "customers": [{"Id": "158", "DisplayName": "Old Mill - Residents"}]
    });
    if let (Value::Object(company), Value::Object(extra)) = (&mut company, extra) {
        company.extend(extra);
    }
    company
}

fn dataset_text(qbo: Value) -> String {
    let mut dataset: Value = serde_json::from_str(super::api_support::DATASET).expect("dataset JSON");
    dataset["qbo"] = qbo;
    dataset.to_string()
}

fn two_companies(extra: Value) -> SandboxOptions {
    let text = dataset_text(json!([qbo_section(), second_company(extra)]));
    SandboxOptions::new(Dataset::from_json(text.as_bytes()).expect("two companies are a valid dataset"))
}

/// An entry in the second company's chart.
fn entry_2(doc_number: &str, date: &str, amount: &str) -> String {
    let lines = [line("Debit", amount, "184", &customer("158")), line("Credit", amount, "179", "")];
    format!(r#"{{"DocNumber": "{doc_number}", "TxnDate": "{date}", "Line": [{}]}}"#, lines.join(","))
}

/// A consent (with the company chosen first when `realm` is given), its code exchanged: the
/// realm the redirect named and the access token.
async fn connect(qbo: &Qbo, realm: Option<&str>) -> (String, String) {
    let (realm, access, _) = connect_with_refresh(qbo, realm).await;
    (realm, access)
}

/// As `connect`, with the refresh token.
async fn connect_with_refresh(qbo: &Qbo, realm: Option<&str>) -> (String, String, String) {
    if let Some(realm) = realm {
        let chosen =
            qbo.control(Method::POST, "/_sandbox/qbo/consent", &json!({"realmId": realm}).to_string()).await;
        assert_eq!(chosen.status, StatusCode::OK, "{}", chosen.text);
        assert_eq!(chosen.json()["realmId"], realm);
    }
    let (status, location) =
        qbo.authorize(&qbo.authorize_url("com.intuit.quickbooks.accounting%20openid")).await;
    assert_eq!(status, StatusCode::FOUND, "{location}");
    let code = query_param(&location, "code").expect("code on the redirect");
    let tokens = qbo.exchange(&code, REDIRECT).await;
    assert_eq!(tokens.status, StatusCode::OK, "{}", tokens.text);
    let access = tokens.json()["access_token"].as_str().expect("access_token").to_owned();
    let refresh = tokens.json()["refresh_token"].as_str().expect("refresh_token").to_owned();
    (query_param(&location, "realmId").expect("realmId on the redirect"), access, refresh)
}

async fn status(qbo: &Qbo, realm: &str, token: &str) -> StatusCode {
    call(qbo, realm, token, "/preferences", None).await.status
}

/// A request under `/v3/company/{realm}` with `token`.
async fn call(qbo: &Qbo, realm: &str, token: &str, path: &str, body: Option<&str>) -> Reply {
    let url = qbo.root(&format!("/qbo/v3/company/{realm}{path}"));
    let request = match body {
        Some(body) => qbo.http.post(url).header("content-type", "application/json").body(body.to_owned()),
        None => qbo.http.get(url),
    };
    let request = request.bearer_auth(token).header("accept", "application/json");
    Reply::read(request.send().await.expect("request")).await
}

/// The `DocNumber`s a realm's query finds.
async fn doc_numbers(qbo: &Qbo, realm: &str, token: &str) -> Vec<String> {
    let query = urlencode("SELECT * FROM JournalEntry");
    let reply = call(qbo, realm, token, &format!("/query?query={query}"), None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let json = reply.json();
    let entries = json["QueryResponse"]["JournalEntry"].as_array().cloned().unwrap_or_default();
    entries.iter().map(|e| e["DocNumber"].as_str().unwrap_or_default().to_owned()).collect()
}

#[tokio::test]
async fn each_company_holds_only_what_was_posted_to_it() {
    let qbo = Qbo::start_with(two_companies(json!({}))).await;
    // The harness's own consent chose nothing: the first company.
    let (realm_1, token_1) = (REALM.to_owned(), qbo.access_token.clone());
    let (realm_2, token_2) = connect(&qbo, Some(REALM_2)).await;
    assert_eq!(realm_2, REALM_2, "the redirect names the company the consent chose");

    let created = call(&qbo, &realm_1, &token_1, "/journalentry", Some(&entry("ONE-1", "10.00"))).await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.text);
    let created =
        call(&qbo, &realm_2, &token_2, "/journalentry", Some(&entry_2("TWO-1", "2026-02-01", "20.00"))).await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.text);
    assert_eq!(created.json()["JournalEntry"]["Id"], "1", "each company numbers its own entries");

    assert_eq!(doc_numbers(&qbo, &realm_1, &token_1).await, ["ONE-1"]);
    assert_eq!(doc_numbers(&qbo, &realm_2, &token_2).await, ["TWO-1"]);
    // Each company's chart and preferences: the first's accounts are unknown to the second, and
    // the second's books are closed where the first's are open.
    let foreign = call(&qbo, &realm_2, &token_2, "/journalentry", Some(&entry("TWO-2", "5.00"))).await;
    assert_eq!(fault(&foreign).0, "2500", "{}", foreign.text);
    let closed =
        call(&qbo, &realm_2, &token_2, "/journalentry", Some(&entry_2("TWO-3", "2026-01-15", "5.00"))).await;
    assert_eq!(fault(&closed).0, "6210", "{}", closed.text);
    let open = call(
        &qbo,
        &realm_1,
        &token_1,
        "/journalentry",
        Some(&entry_with(r#""DocNumber": "ONE-2", "TxnDate": "2026-01-15""#, "5.00")),
    )
    .await;
    assert_eq!(open.status, StatusCode::OK, "{}", open.text);
    // Change data capture reads one company's books.
    let now = qbo.state().await["clock"]["now"].as_str().expect("now").to_owned();
    let since = chrono::DateTime::parse_from_rfc3339(&now).expect("time") - chrono::TimeDelta::days(1);
    let cdc_path = format!("/cdc?entities=JournalEntry&changedSince={}", urlencode(&since.to_rfc3339()));
    let cdc = call(&qbo, &realm_2, &token_2, &cdc_path, None).await;
    let changed = &cdc.json()["CDCResponse"][0]["QueryResponse"][0]["JournalEntry"];
    assert_eq!(changed.as_array().map(Vec::len), Some(1), "{}", cdc.text);
    assert_eq!(changed[0]["DocNumber"], "TWO-1");

    // The state's top level is the first company, as with one; `companies` lists both.
    let state = qbo.state().await;
    let section = &state["qbo"];
    assert_eq!(section["realmId"], REALM);
    let docs = |entries: &Value| -> Vec<String> {
        entries
            .as_array()
            .expect("entries")
            .iter()
            .map(|e| e["DocNumber"].as_str().unwrap_or("").to_owned())
            .collect()
    };
    assert_eq!(docs(&section["journalEntries"]), ["ONE-1", "ONE-2"]);
    let companies = section["companies"].as_array().expect("companies");
    assert_eq!(companies.len(), 2);
    assert_eq!(
        (companies[0]["realmId"].as_str(), companies[1]["realmId"].as_str()),
        (Some(REALM), Some(REALM_2))
    );
    assert_eq!(docs(&companies[0]["journalEntries"]), ["ONE-1", "ONE-2"]);
    assert_eq!(docs(&companies[1]["journalEntries"]), ["TWO-1"]);
    assert_eq!(companies[1]["homeCurrency"], "CAD");
    assert_eq!(companies[1]["preferences"]["bookCloseDate"], "2026-01-31");
    assert_eq!(section["preferences"]["bookCloseDate"], Value::Null);
}

#[tokio::test]
async fn a_token_reaches_the_realm_its_consent_chose_and_no_other() {
    let qbo = Qbo::start_with(two_companies(json!({}))).await;
    let consent = qbo.control(Method::GET, "/_sandbox/qbo/consent", "").await.json();
    assert_eq!(consent, json!({"realmId": REALM, "realmIds": [REALM, REALM_2]}));
    let (_, token_2, refresh_2) = connect_with_refresh(&qbo, Some(REALM_2)).await;
    // The choice is spent by the consent it chose for: the next one chooses the first company.
    assert_eq!(qbo.state().await["qbo"]["nextConsentRealmId"], REALM);
    let (again, token_1) = connect(&qbo, None).await;
    assert_eq!(again, REALM);

    for (realm, token) in [(REALM, &token_2), (REALM_2, &token_1), (REALM_2, &qbo.access_token)] {
        let refused = call(&qbo, realm, token, "/preferences", None).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
        assert_eq!(refused.json()["Fault"]["Error"][0]["code"], "3100");
        assert!(refused.text.contains(&format!("not authorized for company {realm}")), "{}", refused.text);
    }
    assert_eq!(status(&qbo, REALM_2, &token_2).await, StatusCode::OK);
    assert_eq!(status(&qbo, REALM, &token_1).await, StatusCode::OK);
    let info = call(&qbo, REALM_2, &token_2, &format!("/companyinfo/{REALM_2}"), None).await;
    assert_eq!(info.status, StatusCode::OK, "{}", info.text);
    // A refreshed pair reaches the same realm.
    let refreshed = qbo.refresh(&refresh_2).await;
    let refreshed = refreshed.json()["access_token"].as_str().expect("access_token").to_owned();
    assert_eq!(status(&qbo, REALM_2, &refreshed).await, StatusCode::OK);
    assert_eq!(status(&qbo, REALM, &refreshed).await, StatusCode::FORBIDDEN);
    let state = qbo.state().await;
    let tokens = &state["qbo"]["tokens"]["accessTokens"];
    let mut realms: Vec<&str> =
        tokens.as_array().expect("tokens").iter().filter_map(|t| t["realmId"].as_str()).collect();
    realms.sort_unstable();
    assert_eq!(realms, [REALM, REALM, REALM_2, REALM_2]);

    // An unknown realm cannot be chosen; null chooses the first again.
    let unknown = qbo.control(Method::POST, "/_sandbox/qbo/consent", r#"{"realmId": "42"}"#).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{}", unknown.text);
    assert!(unknown.text.contains(REALM_2), "the message names the companies: {}", unknown.text);
    qbo.control(Method::POST, "/_sandbox/qbo/consent", &json!({"realmId": REALM_2}).to_string()).await;
    let reset = qbo.control(Method::POST, "/_sandbox/qbo/consent", r#"{"realmId": null}"#).await;
    assert_eq!(reset.json()["realmId"], REALM);
}

#[tokio::test]
async fn throttles_are_metered_per_company() {
    // The sandbox allows 3 requests a minute per realm; the second company sets 2 for itself.
    let limits = QboLimits { requests_per_minute: 3, ..QboLimits::default() };
    let options = two_companies(json!({"limits": {"requestsPerMinute": 2}}));
    let qbo = Qbo::start_with(SandboxOptions { qbo_limits: limits, ..options }).await;
    let (_, token_2) = connect(&qbo, Some(REALM_2)).await;
    let token_1 = &qbo.access_token;
    for _ in 0..3 {
        assert_eq!(status(&qbo, REALM, token_1).await, StatusCode::OK);
    }
    assert_eq!(
        status(&qbo, REALM, token_1).await,
        StatusCode::TOO_MANY_REQUESTS,
        "the first's minute is used up"
    );
    // The other company's window is its own: the first's 429 does not slow it.
    assert_eq!(status(&qbo, REALM_2, &token_2).await, StatusCode::OK);
    assert_eq!(status(&qbo, REALM_2, &token_2).await, StatusCode::OK);
    let own = call(&qbo, REALM_2, &token_2, "/preferences", None).await;
    assert_eq!(own.status, StatusCode::TOO_MANY_REQUESTS, "its own limit is 2: {}", own.text);
    let state = qbo.state().await;
    let companies = &state["qbo"]["companies"];
    assert_eq!(
        (
            companies[0]["limits"]["requestsPerMinute"].as_u64(),
            companies[1]["limits"]["requestsPerMinute"].as_u64()
        ),
        (Some(3), Some(2))
    );
    assert_eq!(companies[1]["throttle"]["requestsInWindow"], 2);
    assert_eq!(state["qbo"]["throttle"]["requestsInWindow"], 3, "the top level is the first company's");

    qbo.advance(60).await;
    assert_eq!(status(&qbo, REALM, token_1).await, StatusCode::OK);
    assert_eq!(status(&qbo, REALM_2, &token_2).await, StatusCode::OK);
}

#[tokio::test]
async fn control_endpoints_act_on_the_company_named() {
    let qbo = Qbo::start_with(two_companies(json!({}))).await;
    let path = format!("/_sandbox/qbo/close-date?realmId={REALM_2}");
    let set = qbo.control(Method::POST, &path, r#"{"bookCloseDate": "2026-03-31"}"#).await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.text);
    let deactivated = qbo
        .control(Method::POST, &format!("/_sandbox/qbo/accounts/179/deactivate?realmId={REALM_2}"), "")
        .await;
    assert_eq!(deactivated.status, StatusCode::OK, "{}", deactivated.text);
    // Without realmId: the first company, which has no account 179.
    let first = qbo.control(Method::POST, "/_sandbox/qbo/accounts/179/deactivate", "").await;
    assert_eq!(first.status, StatusCode::NOT_FOUND, "{}", first.text);
    let unknown =
        qbo.control(Method::POST, "/_sandbox/qbo/close-date?realmId=42", r#"{"bookCloseDate": null}"#).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{}", unknown.text);

    let state = qbo.state().await;
    let companies = &state["qbo"]["companies"];
    assert_eq!(companies[1]["preferences"]["bookCloseDate"], "2026-03-31");
    assert_eq!(companies[1]["accounts"][1]["Active"], false);
    assert_eq!(companies[0]["preferences"]["bookCloseDate"], Value::Null);
    assert_eq!(state["qbo"]["preferences"]["bookCloseDate"], Value::Null);
}

#[test]
fn a_dataset_is_one_app_with_distinct_realms() {
    let refused = |second: Value| {
        let text = dataset_text(json!([qbo_section(), second]));
        Dataset::from_json(text.as_bytes()).expect_err("refused").to_string()
    };
    let other_app = refused(second_company(json!({"clientId": "another-app"})));
    assert!(
        other_app.contains(
            r#"qbo[1] (realmId "9130357766900457"): field "clientId": "another-app" is not qbo[0]"#
        ) && other_app.contains("every company in \"qbo\" belongs to one app"),
        "{other_app}"
    );
    let other_secret = refused(second_company(json!({"clientSecret": "another-secret"})));
    assert!(other_secret.contains(r#"field "clientSecret": is not qbo[0]"#), "{other_secret}");
    assert!(!other_secret.contains("another-secret"), "{other_secret}");
    let repeated = refused(second_company(json!({"realmId": REALM})));
    assert!(
        repeated.contains(&format!(
            r#"qbo[1] (realmId "{REALM}"): field "realmId": duplicate realmId, first defined at qbo[0] (realmId "{REALM}")"#
        )),
        "{repeated}"
    );
}
