//! Fault actions over real HTTP: status bodies, delays, connection resets, drops after commit
//! and token expiry; plans from options and from `POST /_sandbox/faults`.

use std::time::{Duration, Instant};

use entrata_recon_sandbox::parse_faults;
use reqwest::{Method, StatusCode};
use serde_json::json;

use super::support::{Harness, Reply};

/// Whether the error comes from the peer resetting the TCP connection (not from an HTTP answer).
fn is_connection_reset(error: &reqwest::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = source {
        if e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::ConnectionReset)
        {
            return true;
        }
        source = e.source();
    }
    false
}

fn plan(json: &str) -> entrata_recon_sandbox::FaultPlan {
    parse_faults(json.as_bytes()).expect("valid plan")
}

#[tokio::test]
async fn status_with_the_real_body() {
    let h = Harness::with_faults(plan(
        r#"{"rules": [
            {"service": "entrata", "method": "GET", "path": "**/charges", "nth": 1, "action": {"status": 503}},
            {"service": "entrata", "method": "GET", "path": "**/payments", "nth": 1, "action": {"status": 429, "retry_after_s": 7}}]}"#,
    ))
    .await;
    let token = h.controller_token().await;
    let reply = h.get("/properties/p1/charges", &token).await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        reply.json(),
        json!({"error": {"code": "service_unavailable", "message": "the service is temporarily unavailable"}})
    );
    assert_eq!(h.get("/properties/p1/charges", &token).await.status, StatusCode::OK);

    let reply = h.get("/properties/p1/payments", &token).await;
    assert_eq!((reply.status, reply.header("retry-after")), (StatusCode::TOO_MANY_REQUESTS, Some("7")));
    assert_eq!(reply.code(), "rate_limited");
}

#[tokio::test]
async fn delay_then_handle() {
    let h = Harness::with_faults(plan(
        r#"[{"service": "entrata", "path": "**/properties", "action": {"delay_ms": 300}}]"#,
    ))
    .await;
    let token = h.controller_token().await;
    let started = Instant::now();
    let reply = h.get("/properties", &token).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(300), "answered after {:?}", started.elapsed());
}

#[tokio::test]
async fn reset_closes_the_connection_before_handling() {
    let h = Harness::with_faults(plan(
        r#"[{"service": "entrata", "method": "POST", "path": "**/leases", "times": 1, "action": "reset"}]"#,
    ))
    .await;
    let token = h.controller_token().await;
    let body = r#"{"unitId": "u1", "primaryResidentId": "r", "startDate": "2026-03-01", "endDate": "2027-02-28", "rent": 1000.00}"#;
    let sent = h.http.post(h.url("/properties/p1/leases")).bearer_auth(&token).body(body).send().await;
    let error = sent.expect_err("the client must see a connection error, not an answer");
    assert!(is_connection_reset(&error), "{error:?}");
    // Nothing was done.
    assert_eq!(h.state().await["entrata"]["counts"]["leases"], 1);
    // The rule fired once; the next attempt is handled.
    assert_eq!(h.post("/properties/p1/leases", &token, body).await.status, StatusCode::CREATED);
}

#[tokio::test]
async fn drop_after_commit_does_the_work_then_closes() {
    let h = Harness::with_faults(plan(
        r#"[{"service": "entrata", "method": "POST", "path": "**/leases", "nth": 1, "action": "drop_after_commit"},
            {"service": "entrata", "method": "POST", "path": "/entrata/integrations/*/sessions", "nth": 2, "action": "drop_after_commit"}]"#,
    ))
    .await;
    let token = h.controller_token().await;
    let body = r#"{"unitId": "u1", "primaryResidentId": "r", "startDate": "2026-03-01", "endDate": "2027-02-28", "rent": 1000.00}"#;
    let sent = h.http.post(h.url("/properties/p1/leases")).bearer_auth(&token).body(body).send().await;
    assert!(sent.as_ref().is_err_and(is_connection_reset), "expected a connection reset, got {sent:?}");
    // The lease exists although the client never heard so.
    let leases = h.get("/properties/p1/leases", &token).await;
    assert_eq!(leases.ids("leaseId").len(), 2, "{}", leases.text);

    // The second login is issued, then dropped: the state shows two sessions.
    let login = h
        .http
        .post(h.url("/sessions"))
        .header("authorization", format!("Basic {}", super::support::INTEGRATION_TOKEN))
        .body(r#"{"username": "clerk@example.com", "password": "pw2"}"#)
        .send()
        .await;
    assert!(login.as_ref().is_err_and(is_connection_reset), "expected a connection reset, got {login:?}");
    assert_eq!(h.state().await["entrata"]["sessions"].as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn expire_token_makes_the_request_see_token_expired() {
    let h = Harness::with_faults(plan(
        r#"[{"service": "entrata", "path": "**/payments", "nth": 1, "action": "expire_token"}]"#,
    ))
    .await;
    let token = h.controller_token().await;
    assert_eq!(h.get("/properties/p1/charges", &token).await.status, StatusCode::OK);
    let reply = h.get("/properties/p1/payments", &token).await;
    assert_eq!((reply.status, reply.code()), (StatusCode::UNAUTHORIZED, "token_expired".to_owned()));
    // The token stays expired, but can still be refreshed (it is inside the grace period).
    assert_eq!(h.get("/properties/p1/charges", &token).await.code(), "token_expired");
    let refreshed =
        h.http.post(h.url("/sessions/refresh")).bearer_auth(&token).send().await.expect("refresh");
    assert_eq!(refreshed.status(), StatusCode::OK);
}

#[tokio::test]
async fn plans_are_replaced_and_cleared_over_http() {
    let h = Harness::start().await;
    let token = h.controller_token().await;
    let rules = r#"{"seed": 3, "rules": [{"service": "entrata", "path": "**/deposits", "every": 2, "action": {"status": 500}}]}"#;
    let reply = h.control(Method::POST, "/_sandbox/faults", rules).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.json()["rules"][0]["trigger"], json!({"every": 2}));

    let statuses = [
        h.get("/properties/p1/deposits", &token).await.status,
        h.get("/properties/p1/deposits", &token).await.status,
        h.get("/properties/p1/deposits", &token).await.status,
        h.get("/properties/p1/deposits", &token).await.status,
    ];
    assert_eq!(
        statuses,
        [
            StatusCode::OK,
            StatusCode::INTERNAL_SERVER_ERROR,
            StatusCode::OK,
            StatusCode::INTERNAL_SERVER_ERROR
        ]
    );
    let state = h.state().await;
    assert_eq!(
        (state["faults"]["rules"][0]["matched"].clone(), state["faults"]["rules"][0]["fired"].clone()),
        (json!(4), json!(2))
    );

    let bad = h.control(Method::POST, "/_sandbox/faults", r#"[{"service": "ftp", "action": "reset"}]"#).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        bad.json()["error"]["message"],
        "fault plan: rules[0]: field \"service\": unknown service \"ftp\" (entrata, entrata-api, qbo, xero, oauth)"
    );

    let cleared = h.control(Method::DELETE, "/_sandbox/faults", "").await;
    assert_eq!(cleared.json(), json!({"seed": 0, "rules": []}));
    assert_eq!(h.get("/properties/p1/deposits", &token).await.status, StatusCode::OK);
    let _: Reply = h.control(Method::GET, "/_sandbox/faults", "").await;
}

#[tokio::test]
async fn other_services_are_reserved() {
    let h = Harness::with_faults(plan(r#"[{"service": "qbo", "action": {"status": 429}}]"#)).await;
    // A fault on a QBO path answers with QBO's own throttle body (XML, even for JSON clients).
    let reply = h.control(Method::GET, "/qbo/v3/company/1/query", "").await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(reply.text.contains("ThrottleExceeded"), "{}", reply.text);
    // Xero is served (tests/it/sandbox_xero): without a token it answers Xero's 401.
    let reply = h.control(Method::GET, "/xero/api.xro/2.0/Accounts", "").await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.json()["Detail"], "AuthenticationUnsuccessful");
}
