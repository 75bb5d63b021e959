//! Intuit OAuth 2.0: authorize, code exchange, refresh rotation, revoke, expiry on the clock.

use entrata_recon_sandbox::{FaultPlan, SandboxOptions, parse_faults};
use reqwest::StatusCode;

use super::support::*;

#[tokio::test]
async fn authorize_redirects_with_code_state_and_realm() {
    let qbo = Qbo::start().await;
    let (status, location) = qbo.authorize(&qbo.authorize_url("com.intuit.quickbooks.accounting")).await;
    assert_eq!(status, StatusCode::FOUND);
    assert!(location.starts_with(&format!("{REDIRECT}?")), "{location}");
    assert_eq!(query_param(&location, "state").as_deref(), Some("st-42"));
    assert_eq!(query_param(&location, "realmId").as_deref(), Some(REALM));
    assert!(query_param(&location, "code").is_some_and(|c| c.len() >= 20), "{location}");

    // Without the accounting scope, or with another response type: an error on the redirect.
    let (status, location) = qbo.authorize(&qbo.authorize_url("openid")).await;
    assert_eq!(
        (status, query_param(&location, "error").as_deref()),
        (StatusCode::FOUND, Some("invalid_scope"))
    );
    let url = qbo
        .authorize_url("com.intuit.quickbooks.accounting")
        .replace("response_type=code", "response_type=token");
    let (_, location) = qbo.authorize(&url).await;
    assert_eq!(query_param(&location, "error").as_deref(), Some("unsupported_response_type"));
    // An unknown client or no redirect_uri: no redirect at all.
    let (status, _) = qbo
        .authorize(&qbo.authorize_url("com.intuit.quickbooks.accounting").replace(CLIENT_ID, "someone"))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) =
        qbo.authorize(&qbo.root("/qbo/connect/oauth2?client_id=qbo-client&response_type=code")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn code_exchange_refresh_rotation_and_revoke() {
    let qbo = Qbo::start().await;
    let code = qbo.authorize_code().await;
    // The redirect_uri must be the authorize request's.
    let wrong = qbo.exchange(&code, "http://localhost:9999/elsewhere").await;
    assert_eq!(
        (wrong.status, wrong.json()["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
    let tokens = qbo.exchange(&code, REDIRECT).await;
    assert_eq!(tokens.status, StatusCode::OK, "{}", tokens.text);
    let body = tokens.json();
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(body["x_refresh_token_expires_in"], 8_640_000);
    assert_eq!(tokens.header("cache-control"), Some("no-cache, no-store"));
    let access = body["access_token"].as_str().expect("access").to_owned();
    let refresh = body["refresh_token"].as_str().expect("refresh").to_owned();
    // Single use.
    let again = qbo.exchange(&code, REDIRECT).await;
    assert_eq!(
        (again.status, again.json()["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
    assert_eq!(qbo.get_with("/companyinfo/9130357766900456", &access).await.status, StatusCode::OK);

    // Refresh rotates: a new refresh token, and the old one is refused from then on.
    let refreshed = qbo.refresh(&refresh).await;
    assert_eq!(refreshed.status, StatusCode::OK, "{}", refreshed.text);
    let new_refresh = refreshed.json()["refresh_token"].as_str().expect("refresh").to_owned();
    let new_access = refreshed.json()["access_token"].as_str().expect("access").to_owned();
    assert_ne!(new_refresh, refresh);
    assert_ne!(new_access, access);
    let old = qbo.refresh(&refresh).await;
    assert_eq!((old.status, old.json()["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_grant")));
    let unknown = qbo.refresh("AB11-not-a-token").await;
    assert_eq!(unknown.json()["error"], "invalid_grant");

    // Client credentials in the form body work too; wrong ones are invalid_client.
    let form = qbo.http.post(qbo.root("/qbo/oauth2/v1/tokens/bearer")).form(&[
        ("grant_type", "refresh_token"),
        ("refresh_token", &new_refresh),
        ("client_id", CLIENT_ID),
        ("client_secret", CLIENT_SECRET),
    ]);
    let in_form = Reply::read(form.send().await.expect("token")).await;
    assert_eq!(in_form.status, StatusCode::OK, "{}", in_form.text);
    let latest = in_form.json()["refresh_token"].as_str().expect("refresh").to_owned();
    let bad = qbo
        .http
        .post(qbo.root("/qbo/oauth2/v1/tokens/bearer"))
        .basic_auth(CLIENT_ID, Some("wrong"))
        .form(&[("grant_type", "refresh_token"), ("refresh_token", latest.as_str())]);
    let bad = Reply::read(bad.send().await.expect("token")).await;
    assert_eq!(
        (bad.status, bad.json()["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_client"))
    );
    let unsupported = qbo.token_request(&[("grant_type", "password")]).await;
    assert_eq!(unsupported.json()["error"], "unsupported_grant_type");

    // Revoke (JSON body, as intuit-oauth sends it): the refresh token and the grant's access tokens.
    let revoke = qbo
        .http
        .post(qbo.root("/qbo/oauth2/v1/tokens/revoke"))
        .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
        .header("content-type", "application/json")
        .body(format!(r#"{{"token": "{latest}"}}"#));
    let revoked = Reply::read(revoke.send().await.expect("revoke")).await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.text);
    assert_eq!(qbo.refresh(&latest).await.json()["error"], "invalid_grant");
    let api = qbo.get_with("/companyinfo/9130357766900456", &new_access).await;
    assert_eq!(api.status, StatusCode::UNAUTHORIZED);
    // The connection made at start-up is another grant and still works.
    assert_eq!(qbo.get("/companyinfo/9130357766900456").await.status, StatusCode::OK);
    // node-quickbooks revokes with a form body; an unknown token is still 200 (RFC 7009).
    let form = qbo
        .http
        .post(qbo.root("/qbo/oauth2/v1/tokens/revoke"))
        .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
        .form(&[("token", "nothing")]);
    assert_eq!(Reply::read(form.send().await.expect("revoke")).await.status, StatusCode::OK);
    let unauthenticated = qbo.http.post(qbo.root("/qbo/oauth2/v1/tokens/revoke")).body(r#"{"token": "x"}"#);
    assert_eq!(
        Reply::read(unauthenticated.send().await.expect("revoke")).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn codes_and_tokens_expire_on_the_sandbox_clock() {
    let qbo = Qbo::start().await;
    let code = qbo.authorize_code().await;
    qbo.advance(301).await;
    assert_eq!(qbo.exchange(&code, REDIRECT).await.json()["error"], "invalid_grant");

    assert_eq!(qbo.get("/preferences").await.status, StatusCode::OK);
    qbo.advance(3600).await;
    let expired = qbo.get("/preferences").await;
    assert_eq!(expired.status, StatusCode::UNAUTHORIZED);
    let body = expired.json();
    assert_eq!(body["fault"]["type"], "AUTHENTICATION");
    assert_eq!(body["fault"]["error"][0]["code"], "3200");
    assert!(
        body["fault"]["error"][0]["message"].as_str().is_some_and(|m| m.contains("AuthenticationFailed"))
    );
    assert!(body.get("Fault").is_none(), "the 401 body has lower-case keys");
    // The refresh token outlives the access token.
    let refreshed = qbo.refresh(&qbo.refresh_token).await;
    assert_eq!(refreshed.status, StatusCode::OK, "{}", refreshed.text);
    let access = refreshed.json()["access_token"].as_str().expect("access").to_owned();
    assert_eq!(qbo.get_with("/preferences", &access).await.status, StatusCode::OK);
    // No token, or one the sandbox never issued: the same 401.
    assert_eq!(qbo.get_with("/preferences", "made-up").await.status, StatusCode::UNAUTHORIZED);
    let bare = qbo.http.get(qbo.api("/preferences")).send().await.expect("GET");
    assert_eq!(bare.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn expire_token_fault_and_secrets_kept_out_of_state() {
    let faults: FaultPlan = parse_faults(
        br#"[{"service": "qbo", "path": "**/preferences", "nth": 2, "action": "expire_token"}]"#,
    )
    .expect("plan");
    let qbo = Qbo::start_with(SandboxOptions { faults, ..options() }).await;
    assert_eq!(qbo.get("/preferences").await.status, StatusCode::OK);
    assert_eq!(qbo.get("/preferences").await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(qbo.get("/query?query=select%20*%20from%20Class").await.status, StatusCode::UNAUTHORIZED);

    let state = qbo.control(reqwest::Method::GET, "/_sandbox/state", "").await.text;
    assert!(
        !state.contains(&qbo.access_token)
            && !state.contains(&qbo.refresh_token)
            && !state.contains(CLIENT_SECRET)
    );
    let json: serde_json::Value = serde_json::from_str(&state).expect("JSON");
    let access = &json["qbo"]["tokens"]["accessTokens"][0];
    assert!(access["token"].as_str().is_some_and(|t| t.starts_with("sha256:")), "{access}");
    assert_eq!(access["expired"], true);
    assert_eq!(json["qbo"]["tokens"]["authorizationCodes"][0]["used"], true);
}

#[tokio::test]
async fn unknown_realm_is_forbidden_and_discovery_points_here() {
    let qbo = Qbo::start().await;
    let other = qbo
        .http
        .get(qbo.root("/qbo/v3/company/123/preferences"))
        .bearer_auth(&qbo.access_token)
        .send()
        .await
        .expect("GET");
    let other = Reply::read(other).await;
    assert_eq!(other.status, StatusCode::FORBIDDEN, "{}", other.text);
    assert_eq!(other.json()["Fault"]["Error"][0]["code"], "3100");

    let doc = Reply::read(
        qbo.http.get(qbo.root("/qbo/.well-known/openid_configuration")).send().await.expect("GET"),
    )
    .await;
    let doc = doc.json();
    assert_eq!(doc["token_endpoint"], qbo.root("/qbo/oauth2/v1/tokens/bearer"));
    assert_eq!(doc["revocation_endpoint"], qbo.root("/qbo/oauth2/v1/tokens/revoke"));
    assert_eq!(doc["authorization_endpoint"], qbo.root("/qbo/connect/oauth2"));
    // intuit-oauth's own discovery URLs end with a slash.
    let slash =
        qbo.http.get(qbo.root("/qbo/.well-known/openid_sandbox_configuration/")).send().await.expect("GET");
    assert_eq!(slash.status(), StatusCode::OK);
}
