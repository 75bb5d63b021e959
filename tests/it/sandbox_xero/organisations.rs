//! Several organisations under one app: a consent connects every organisation (or the ones
//! `POST /_sandbox/xero/consent` chose), `/connections` lists one connection per organisation, the
//! `xero-tenant-id` header picks the books a call lands in, limits are per tenant with the app's
//! minute across tenants, a custom connection reaches one organisation, `/_sandbox/state` shows
//! every organisation, and a dataset whose organisations are not one app's is refused.

use entrata_recon_sandbox::{Dataset, SandboxOptions, XeroLimits};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::support::{CLIENT_ID, DATASET, Harness, Reply, TENANT, first_list, journal, journals};

const TENANT_2: &str = "0b5c3e1a-7d3f-4c2e-9a51-2f0d6b8e4c17";

/// The second organisation: its own chart (1299 receivables, 4900 income), locked through
/// 2026-01-31, with whatever `extra` adds.
fn second_organisation(extra: Value) -> Value {
    let mut organisation = json!({
        "tenantId": TENANT_2, "tenantName": "Old Mill LLC", "clientId": CLIENT_ID, "clientSecret": "xero-secret",
        "lockDate": "2026-01-31",
        "accounts": [
            {"AccountID": "b1299000-0000-4000-8000-000000000001", "Code": "1299", "Name": "Old Mill Receivables", "Type": "CURRENT"},
            {"AccountID": "b4900000-0000-4000-8000-000000000002", "Code": "4900", "Name": "Old Mill Income", "Type": "REVENUE"}
        ]
    });
    if let (Value::Object(organisation), Value::Object(extra)) = (&mut organisation, extra) {
        organisation.extend(extra);
    }
    organisation
}

/// The support dataset with `xero` the two organisations (the first one's changes in `first`).
fn dataset_text(first: Value, second: Value) -> String {
    let mut dataset: Value = serde_json::from_str(&DATASET.replace("CUSTOM", "true")).expect("dataset JSON");
    let mut one = dataset["xero"].take();
    if let (Value::Object(one), Value::Object(first)) = (&mut one, first) {
        one.extend(first);
    }
    dataset["xero"] = json!([one, second]);
    dataset.to_string()
}

fn two_organisations(first: Value, second: Value) -> SandboxOptions {
    let text = dataset_text(first, second);
    SandboxOptions::new(Dataset::from_json(text.as_bytes()).expect("two organisations are a valid dataset"))
}

/// An accounting call for `tenant` (no header when `None`).
async fn call(
    h: &Harness,
    method: Method,
    path: &str,
    token: &str,
    tenant: Option<&str>,
    body: Option<&str>,
) -> Reply {
    let mut request =
        h.http.request(method, h.api(path)).bearer_auth(token).header("accept", "application/json");
    if let Some(tenant) = tenant {
        request = request.header("xero-tenant-id", tenant);
    }
    if let Some(body) = body {
        request = request.header("content-type", "application/json").body(body.to_owned());
    }
    h.send(request).await
}

async fn get(h: &Harness, path: &str, token: &str, tenant: &str) -> Reply {
    call(h, Method::GET, path, token, Some(tenant), None).await
}

async fn connections(h: &Harness, token: &str, query: &str) -> Vec<Value> {
    let reply = h.send(h.http.get(h.xero(&format!("/connections{query}"))).bearer_auth(token)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.json().as_array().cloned().expect("a list")
}

fn tenant_ids(connections: &[Value]) -> Vec<String> {
    connections.iter().map(|c| c["tenantId"].as_str().unwrap_or_default().to_owned()).collect()
}

fn narrations(list: &Value) -> Vec<String> {
    list.as_array()
        .expect("journals")
        .iter()
        .map(|j| j["Narration"].as_str().unwrap_or("").to_owned())
        .collect()
}

/// A journal in the second organisation's chart.
fn journal_2(narration: &str, date: &str) -> Value {
    json!({"Narration": narration, "Date": date, "Status": "POSTED", "JournalLines": [
        {"LineAmount": 20.00, "AccountCode": "1299", "Description": "Rent"},
        {"LineAmount": -20.00, "AccountCode": "4900", "Description": "Rent income"}]})
}

#[tokio::test]
async fn connections_list_every_organisation_and_each_call_lands_in_its_own() {
    let h = &Harness::start_with(two_organisations(json!({}), second_organisation(json!({})))).await;
    let token = &h.access().await;
    let listed = connections(h, token, "").await;
    assert_eq!(tenant_ids(&listed), [TENANT, TENANT_2]);
    for (connection, name) in listed.iter().zip(["Lakeview Holdings", "Old Mill LLC"]) {
        assert_eq!(connection["tenantType"], "ORGANISATION");
        assert_eq!(connection["tenantName"], name);
        for field in ["id", "authEventId", "createdDateUtc", "updatedDateUtc"] {
            assert!(connection[field].is_string(), "{field}: {connection}");
        }
    }
    assert_ne!(listed[0]["id"], listed[1]["id"], "a connection per organisation");
    assert_eq!(listed[0]["authEventId"], listed[1]["authEventId"], "made by one consent");

    let one = call(
        h,
        Method::PUT,
        "/ManualJournals",
        token,
        Some(TENANT),
        Some(&journals(&[journal("In one", "10.00", Some("POSTED"))])),
    )
    .await;
    assert_eq!(one.status, StatusCode::OK, "{}", one.text);
    let two = call(
        h,
        Method::PUT,
        "/ManualJournals",
        token,
        Some(TENANT_2),
        Some(&journals(&[journal_2("In two", "2026-02-15")])),
    )
    .await;
    assert_eq!(two.status, StatusCode::OK, "{}", two.text);
    // Each organisation's chart and lock date: the first's accounts are not the second's, and the
    // second is locked where the first is open.
    let foreign = call(
        h,
        Method::PUT,
        "/ManualJournals",
        token,
        Some(TENANT_2),
        Some(&journals(&[journal("Foreign", "5.00", Some("POSTED"))])),
    )
    .await;
    assert_eq!(foreign.status, StatusCode::BAD_REQUEST, "{}", foreign.text);
    assert!(foreign.text.contains("Account code '1210' has been removed"), "{}", foreign.text);
    let locked = call(
        h,
        Method::PUT,
        "/ManualJournals",
        token,
        Some(TENANT_2),
        Some(&journals(&[journal_2("Locked", "2026-01-31")])),
    )
    .await;
    assert_eq!(
        locked.errors(0),
        ["The document date cannot be before the period lock date, currently set at 31-Jan-2026"]
    );

    let listed = |tenant: &'static str| async move {
        let reply = get(h, "/ManualJournals", token, tenant).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        first_list(&reply.json())
            .iter()
            .map(|j| j["Narration"].as_str().unwrap_or("").to_owned())
            .collect::<Vec<String>>()
    };
    assert_eq!(listed(TENANT).await, ["In one"]);
    assert_eq!(listed(TENANT_2).await, ["In two"]);
    let organisation = get(h, "/Organisation", token, &TENANT_2.to_uppercase()).await;
    assert_eq!(organisation.status, StatusCode::OK, "the header in any case: {}", organisation.text);
    assert_eq!(organisation.json()["Organisations"][0]["Name"], "Old Mill LLC");
    let stranger = get(h, "/Organisation", token, "99999999-0000-4000-8000-000000000000").await;
    assert_eq!(stranger.status, StatusCode::FORBIDDEN, "{}", stranger.text);

    // The state's top level is the first organisation, as with one; `organisations` lists both.
    let state = h.state().await;
    assert_eq!(state["tenantId"], TENANT);
    assert_eq!(narrations(&state["manualJournals"]), ["In one"]);
    let organisations = state["organisations"].as_array().expect("organisations");
    assert_eq!(organisations.len(), 2);
    assert_eq!(organisations[1]["tenantId"], TENANT_2);
    assert_eq!(organisations[1]["tenantName"], "Old Mill LLC");
    assert_eq!(narrations(&organisations[0]["manualJournals"]), ["In one"]);
    assert_eq!(narrations(&organisations[1]["manualJournals"]), ["In two"]);
    assert_eq!(organisations[1]["lockDate"], "2026-01-31");
    let connected: Vec<&str> = state["connections"]
        .as_array()
        .expect("connections")
        .iter()
        .filter_map(|c| c["tenantId"].as_str())
        .collect();
    assert_eq!(connected, [TENANT, TENANT_2]);

    // The bookkeeper's endpoints take `?tenantId=`; without it, the first organisation.
    let path = format!("/_sandbox/xero/lock-date?tenantId={TENANT_2}");
    let unlocked = h.control(Method::POST, &path, r#"{"lockDate": null}"#).await;
    assert_eq!(unlocked.status, StatusCode::OK, "{}", unlocked.text);
    let archived = h
        .control(Method::POST, &format!("/_sandbox/xero/accounts/4900/archive?tenantId={TENANT_2}"), "")
        .await;
    assert_eq!(archived.status, StatusCode::OK, "{}", archived.text);
    let first = h.control(Method::POST, "/_sandbox/xero/accounts/4900/archive", "").await;
    assert_eq!(first.status, StatusCode::NOT_FOUND, "the first organisation has no 4900: {}", first.text);
    let unknown =
        h.control(Method::POST, "/_sandbox/xero/lock-date?tenantId=nope", r#"{"lockDate": null}"#).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{}", unknown.text);
    let state = h.state().await;
    assert_eq!(state["organisations"][1]["lockDate"], Value::Null);
    assert_eq!(state["organisations"][1]["accounts"][1]["Status"], "ARCHIVED");
}

#[tokio::test]
async fn the_consent_covers_the_organisations_chosen() {
    let h = &Harness::start_with(two_organisations(json!({}), second_organisation(json!({})))).await;
    let consent = h.control(Method::GET, "/_sandbox/xero/consent", "").await.json();
    assert_eq!(consent["tenantIds"], json!([TENANT, TENANT_2]));
    let chosen = h
        .control(Method::POST, "/_sandbox/xero/consent", &json!({"tenantIds": [TENANT_2]}).to_string())
        .await;
    assert_eq!(chosen.status, StatusCode::OK, "{}", chosen.text);
    assert_eq!(chosen.json()["tenantIds"], json!([TENANT_2]));

    let token = &h.access().await;
    let listed = connections(h, token, "").await;
    assert_eq!(tenant_ids(&listed), [TENANT_2]);
    assert_eq!(get(h, "/Organisation", token, TENANT_2).await.status, StatusCode::OK);
    let not_covered = get(h, "/Organisation", token, TENANT).await;
    assert_eq!(not_covered.status, StatusCode::FORBIDDEN, "{}", not_covered.text);
    assert_eq!(not_covered.json()["Detail"], "AuthenticationUnsuccessful");
    // The choice is spent: the next consent covers every organisation again.
    assert_eq!(h.state().await["nextConsentTenantIds"], json!([TENANT, TENANT_2]));
    let first_event = listed[0]["authEventId"].as_str().expect("authEventId").to_owned();
    let token = &h.access().await;
    assert_eq!(tenant_ids(&connections(h, token, "").await), [TENANT_2, TENANT]);
    assert_eq!(get(h, "/Organisation", token, TENANT).await.status, StatusCode::OK);
    let renewed = connections(h, token, &format!("?authEventId={first_event}")).await;
    assert!(renewed.is_empty(), "the second consent renewed both connections: {renewed:?}");

    // Disconnecting one organisation leaves the other reachable.
    let id = connections(h, token, "").await[0]["id"].as_str().expect("id").to_owned();
    let deleted = h.send(h.http.delete(h.xero(&format!("/connections/{id}"))).bearer_auth(token)).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
    assert_eq!(get(h, "/Organisation", token, TENANT_2).await.status, StatusCode::FORBIDDEN);
    assert_eq!(get(h, "/Organisation", token, TENANT).await.status, StatusCode::OK);

    // A consent to nothing, or to an organisation the sandbox does not serve, is refused.
    for body in [r#"{"tenantIds": []}"#, r#"{"tenantIds": ["nope"]}"#] {
        let refused = h.control(Method::POST, "/_sandbox/xero/consent", body).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{body}: {}", refused.text);
    }
}

#[tokio::test]
async fn limits_are_per_tenant_and_the_app_minute_spans_them() {
    let limits = XeroLimits { calls_per_minute: 2, app_calls_per_minute: 3, ..XeroLimits::default() };
    let options = two_organisations(json!({}), second_organisation(json!({})));
    let h = &Harness::start_with(SandboxOptions { xero_limits: limits, ..options }).await;
    let token = &h.access().await;
    assert_eq!(get(h, "/Organisation", token, TENANT).await.status, StatusCode::OK);
    assert_eq!(get(h, "/Organisation", token, TENANT).await.header("x-minlimit-remaining"), Some("0"));
    let refused = get(h, "/Organisation", token, TENANT).await;
    assert_eq!(
        (refused.status, refused.header("x-rate-limit-problem")),
        (StatusCode::TOO_MANY_REQUESTS, Some("minute"))
    );
    // The other tenant's minute is its own: the first one's 429 does not slow it.
    let other = get(h, "/Organisation", token, TENANT_2).await;
    assert_eq!(other.status, StatusCode::OK, "{}", other.text);
    assert_eq!(other.header("x-minlimit-remaining"), Some("1"));
    assert_eq!(other.header("x-appminlimit-remaining"), Some("0"));
    // But the app's minute counts every tenant's calls.
    let app = get(h, "/Organisation", token, TENANT_2).await;
    assert_eq!(
        (app.status, app.header("x-rate-limit-problem")),
        (StatusCode::TOO_MANY_REQUESTS, Some("appminute"))
    );
    let state = h.state().await;
    assert_eq!(state["rateLimit"]["minuteRemaining"], 0, "the top level is the first tenant's");
    assert_eq!(state["organisations"][1]["rateLimit"]["minuteRemaining"], 1);

    h.advance(60).await;
    assert_eq!(get(h, "/Organisation", token, TENANT_2).await.status, StatusCode::OK);
    assert_eq!(get(h, "/Organisation", token, TENANT).await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_custom_connection_reaches_one_organisation() {
    let options = two_organisations(json!({"customConnection": false}), second_organisation(json!({})));
    let h = &Harness::start_with(options).await;
    let reply = h.token(&[("grant_type", "client_credentials")], true).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let token = reply.json()["access_token"].as_str().expect("token").to_owned();
    assert_eq!(tenant_ids(&connections(h, &token, "").await), [TENANT_2]);
    let org = call(h, Method::GET, "/Organisation", &token, None, None).await;
    assert_eq!(org.json()["Organisations"][0]["OrganisationID"], TENANT_2, "{}", org.text);
    assert_eq!(get(h, "/Organisation", &token, TENANT_2).await.status, StatusCode::OK);
    assert_eq!(get(h, "/Organisation", &token, TENANT).await.status, StatusCode::FORBIDDEN);
    let state = h.state().await;
    assert_eq!(
        (state["customConnection"].as_bool(), state["organisations"][1]["customConnection"].as_bool()),
        (Some(false), Some(true))
    );
}

#[test]
fn a_dataset_is_one_app_with_distinct_tenants() {
    let refused = |second: Value| {
        Dataset::from_json(dataset_text(json!({}), second).as_bytes()).expect_err("refused").to_string()
    };
    let other_app = refused(second_organisation(json!({"clientId": "another-app"})));
    assert!(
        other_app.contains(&format!(
            r#"xero[1] (tenantId "{TENANT_2}"): field "clientId": "another-app" is not xero[0]"#
        )) && other_app.contains("every organisation in \"xero\" belongs to one app"),
        "{other_app}"
    );
    let repeated = refused(second_organisation(json!({"tenantId": TENANT.to_uppercase()})));
    assert!(
        repeated.contains(r#"field "tenantId": duplicate tenantId, first defined at xero[0]"#),
        "{repeated}"
    );
}
