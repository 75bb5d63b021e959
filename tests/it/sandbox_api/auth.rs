//! Sessions: login with and without MFA, refresh and its grace, expiry, entitlements.

use reqwest::StatusCode;
use serde_json::json;

use super::support::{Harness, totp_at, totp_now, unix_now};

#[tokio::test]
async fn login_without_mfa() {
    let h = Harness::start().await;
    let reply = h.login("clerk@example.com", "pw2", None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let body = reply.json();
    assert_eq!(body["expiresIn"], 3600);
    assert_eq!(body["user"], json!({"id": "u_clerk", "name": "Clerk", "entitlements": ["properties"]}));
    assert!(body["authToken"].as_str().is_some_and(|t| t.len() > 20));
}

#[tokio::test]
async fn login_with_mfa() {
    let h = Harness::start().await;

    let reply = h.login("controller@example.com", "pw", None).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        reply.json(),
        json!({"error": {"code": "mfa_required", "message": "this user needs a TOTP code in \"mfa\"", "methods": ["totp"]}})
    );

    super::support::clear_of_step_boundary().await;
    let now = unix_now();
    let wrong = totp_at(now + 3600);
    let reply = h.login("controller@example.com", "pw", Some(wrong)).await;
    assert_eq!((reply.status, reply.code()), (StatusCode::UNAUTHORIZED, "invalid_mfa_code".to_owned()));

    let stale = totp_at(now - 90);
    let reply = h.login("controller@example.com", "pw", Some(stale)).await;
    assert_eq!(reply.code(), "invalid_mfa_code");

    let sms = json!({"type": "sms", "code": "123456"});
    let reply = h.login("controller@example.com", "pw", Some(sms)).await;
    assert_eq!(reply.code(), "invalid_mfa_code");

    // The previous 30-second step is still accepted (a code typed just before it rolled over).
    let previous = totp_at(now - 30);
    let reply = h.login("controller@example.com", "pw", Some(previous)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);

    let reply = h.login("controller@example.com", "pw", Some(totp_now())).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);

    // Advancing the sandbox clock does not invalidate codes: TOTP runs on real time.
    h.advance(7200).await;
    let reply = h.login("controller@example.com", "pw", Some(totp_now())).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
}

#[tokio::test]
async fn login_refusals() {
    let h = Harness::start().await;
    let reply = h.login("clerk@example.com", "wrong", None).await;
    assert_eq!(
        (reply.status, reply.json()),
        (
            StatusCode::UNAUTHORIZED,
            json!({"error": {"code": "invalid_credentials", "message": "username or password is incorrect"}})
        )
    );
    let reply = h.login("nobody@example.com", "pw2", None).await;
    assert_eq!(reply.code(), "invalid_credentials");

    let no_basic =
        h.http.post(h.url("/sessions")).body(r#"{"username": "clerk@example.com", "password": "pw2"}"#);
    let reply = super::support::Reply::read(no_basic.send().await.expect("request")).await;
    assert_eq!((reply.status, reply.code()), (StatusCode::UNAUTHORIZED, "invalid_credentials".to_owned()));

    let bad_body = h
        .http
        .post(h.url("/sessions"))
        .header("authorization", format!("Basic {}", super::support::INTEGRATION_TOKEN))
        .body(r#"{"username": "clerk@example.com"}"#);
    let reply = super::support::Reply::read(bad_body.send().await.expect("request")).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.json()["error"]["message"], "parameter \"password\": missing required field");
}

#[tokio::test]
async fn token_expires_on_the_sandbox_clock() {
    let h = Harness::start().await;
    let token = h.controller_token().await;
    assert_eq!(h.get("/properties", &token).await.status, StatusCode::OK);
    h.advance(3599).await;
    assert_eq!(h.get("/properties", &token).await.status, StatusCode::OK);
    h.advance(1).await;
    let reply = h.get("/properties", &token).await;
    assert_eq!(
        (reply.status, reply.json()),
        (
            StatusCode::UNAUTHORIZED,
            json!({"error": {"code": "token_expired", "message": "the auth token has expired; refresh it"}})
        )
    );
}

async fn refresh(h: &Harness, token: &str) -> super::support::Reply {
    let request = h.http.post(h.url("/sessions/refresh")).bearer_auth(token);
    super::support::Reply::read(request.send().await.expect("refresh")).await
}

#[tokio::test]
async fn refresh_inside_and_after_the_grace() {
    let h = Harness::start().await;
    let token = h.controller_token().await;

    // While valid.
    let reply = refresh(&h, &token).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let fresh = reply.json()["authToken"].as_str().expect("token").to_owned();
    assert_ne!(fresh, token);
    assert_eq!(reply.json()["user"]["id"], "u_ctrl");

    // 14 min 59 s after expiry: still refreshable; the new token works.
    h.advance(3600 + 899).await;
    assert_eq!(h.get("/properties", &token).await.code(), "token_expired");
    let reply = refresh(&h, &token).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let renewed = reply.json()["authToken"].as_str().expect("token").to_owned();
    assert_eq!(h.get("/properties", &renewed).await.status, StatusCode::OK);

    // 15 minutes after expiry: the session is over.
    h.advance(1).await;
    let reply = refresh(&h, &token).await;
    assert_eq!(
        (reply.status, reply.json()),
        (
            StatusCode::UNAUTHORIZED,
            json!({"error": {"code": "session_expired", "message": "the session has expired; log in again"}})
        )
    );

    assert_eq!(refresh(&h, "not-a-token").await.code(), "invalid_token");
}

#[tokio::test]
async fn entitlements_per_endpoint() {
    let h = Harness::start().await;
    let clerk = h.clerk_token().await;
    assert_eq!(h.get("/properties", &clerk).await.status, StatusCode::OK);
    assert_eq!(h.get("/properties/p1/units", &clerk).await.status, StatusCode::OK);
    for (path, entitlement) in [
        ("/properties/p1/charges", "financials"),
        ("/properties/p1/payments", "financials"),
        ("/properties/p1/deposits", "financials"),
        ("/ar-codes", "financials"),
        ("/properties/p1/leases", "leasing"),
        ("/properties/p1/work-orders", "maintenance"),
    ] {
        let reply = h.get(path, &clerk).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{path}");
        assert_eq!(
            reply.json(),
            json!({"error": {"code": "forbidden", "message": format!("entitlement '{entitlement}' required")}}),
            "{path}"
        );
    }
}

#[tokio::test]
async fn missing_or_unknown_token_and_integration() {
    let h = Harness::start().await;
    let reply =
        super::support::Reply::read(h.http.get(h.url("/properties")).send().await.expect("request")).await;
    assert_eq!((reply.status, reply.code()), (StatusCode::UNAUTHORIZED, "invalid_token".to_owned()));
    assert_eq!(h.get("/properties", "forged").await.code(), "invalid_token");

    let other = h.root("/entrata/integrations/int_other/properties");
    let reply = super::support::Reply::read(h.http.get(other).send().await.expect("request")).await;
    assert_eq!(
        (reply.status, reply.json()),
        (
            StatusCode::NOT_FOUND,
            json!({"error": {"code": "not_found", "message": "unknown integration \"int_other\""}})
        )
    );
}
