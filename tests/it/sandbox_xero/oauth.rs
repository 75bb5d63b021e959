//! Xero Identity over HTTP: PKCE, code life and reuse, refresh rotation with the 30-minute grace,
//! custom connections, `/connections`, disconnecting and revocation, and the API's 401/403.

use reqwest::{Method, StatusCode};
use serde_json::json;

use super::support::{
    CLIENT_ID, CLIENT_SECRET, Harness, REDIRECT, SCOPES, TENANT, options_with, redirect_param,
};

const VERIFIER: &str = "the-verifier-is-at-least-forty-three-characters-long";

#[tokio::test]
async fn pkce_round_trip() {
    let h = &Harness::start().await;
    // The redirect carries code, scope, state and session_state.
    let reply = h
        .send(h.http.get(h.xero("/identity/connect/authorize")).query(&[
            ("response_type", "code"),
            ("client_id", CLIENT_ID),
            ("redirect_uri", REDIRECT),
            ("scope", SCOPES),
            ("state", "st-123"),
            ("code_challenge", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"),
            ("code_challenge_method", "S256"),
        ]))
        .await;
    assert_eq!(reply.status, StatusCode::FOUND);
    let location = reply.header("location").expect("location");
    assert!(location.starts_with(&format!("{REDIRECT}?code=")), "{location}");
    assert_eq!(redirect_param(location, "state").as_deref(), Some("st-123"));
    assert_eq!(redirect_param(location, "scope").as_deref(), Some(SCOPES));
    assert!(redirect_param(location, "session_state").is_some());

    // A wrong verifier is refused, and the attempt spends the code.
    let code = h.authorize(VERIFIER).await;
    let exchange = |code: String, verifier: &'static str| {
        let form = [
            ("grant_type", "authorization_code".to_owned()),
            ("code", code),
            ("redirect_uri", REDIRECT.to_owned()),
            ("code_verifier", verifier.to_owned()),
            ("client_id", CLIENT_ID.to_owned()),
        ];
        h.send(h.http.post(h.xero("/identity/connect/token")).form(&form))
    };
    let wrong = exchange(code.clone(), "not-the-verifier-not-the-verifier-not-the-verifier").await;
    assert_eq!((wrong.status, wrong.json()), (StatusCode::BAD_REQUEST, json!({"error": "invalid_grant"})));
    assert_eq!(exchange(code, VERIFIER).await.json(), json!({"error": "invalid_grant"}));

    // A public client (client_id only) with the right verifier gets its tokens.
    let code = h.authorize(VERIFIER).await;
    let good = exchange(code.clone(), VERIFIER).await;
    assert_eq!(good.status, StatusCode::OK, "{}", good.text);
    let body = good.json();
    assert_eq!((body["expires_in"].clone(), body["token_type"].clone()), (json!(1800), json!("Bearer")));
    assert_eq!(body["scope"], SCOPES);
    for field in ["id_token", "access_token", "refresh_token"] {
        assert!(body[field].as_str().is_some_and(|t| !t.is_empty()), "{field}: {body}");
    }
    // Access tokens are JWT-shaped with exp, as Xero's are.
    let access = body["access_token"].as_str().expect("token");
    let claims = data_encoding::BASE64URL_NOPAD.decode(access.split('.').nth(1).expect("payload").as_bytes());
    let claims: serde_json::Value = serde_json::from_slice(&claims.expect("base64")).expect("claims");
    assert_eq!(claims["client_id"], CLIENT_ID);
    assert!(claims["exp"].as_i64().is_some() && claims["authentication_event_id"].is_string());
    assert_eq!(
        exchange(code, VERIFIER).await.json(),
        json!({"error": "invalid_grant"}),
        "a code is single-use"
    );

    // A code lives five minutes; the redirect_uri must match.
    let code = h.authorize(VERIFIER).await;
    h.advance(301).await;
    assert_eq!(exchange(code, VERIFIER).await.json(), json!({"error": "invalid_grant"}));
    let code = h.authorize(VERIFIER).await;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", &code),
        ("redirect_uri", "http://elsewhere/cb"),
        ("code_verifier", VERIFIER),
    ];
    assert_eq!(h.token(&form, true).await.json(), json!({"error": "invalid_grant"}));

    // Only S256.
    let plain = h
        .send(h.http.get(h.xero("/identity/connect/authorize")).query(&[
            ("response_type", "code"),
            ("client_id", CLIENT_ID),
            ("redirect_uri", REDIRECT),
            ("scope", SCOPES),
            ("code_challenge", VERIFIER),
            ("code_challenge_method", "plain"),
        ]))
        .await;
    let location = plain.header("location").expect("location");
    assert_eq!(redirect_param(location, "error").as_deref(), Some("invalid_request"));
    // OpenID discovery names the sandbox's endpoints.
    let discovery = h.send(h.http.get(h.xero("/identity/.well-known/openid-configuration"))).await.json();
    assert_eq!(discovery["token_endpoint"], h.xero("/identity/connect/token"));
    assert_eq!(discovery["code_challenge_methods_supported"], json!(["S256"]));
    // A code issued with a challenge needs its verifier; a wrong secret is refused.
    let code = h.authorize(VERIFIER).await;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", &code),
        ("redirect_uri", REDIRECT),
        ("client_id", CLIENT_ID),
    ];
    assert_eq!(h.token(&form, false).await.json(), json!({"error": "invalid_grant"}));
    let bad_secret = h
        .send(
            h.http
                .post(h.xero("/identity/connect/token"))
                .basic_auth(CLIENT_ID, Some("nope"))
                .form(&[("grant_type", "refresh_token")]),
        )
        .await;
    assert_eq!(bad_secret.json(), json!({"error": "invalid_client"}));
}

#[tokio::test]
async fn refresh_rotation_and_the_grace() {
    let h = &Harness::start().await;
    let first = h.code_flow().await;
    let refresh = |token: String| async move {
        let form = [("grant_type", "refresh_token"), ("refresh_token", token.as_str())];
        h.token(&form, true).await
    };
    let second = refresh(first.refresh.clone()).await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.text);
    let second = second.json();
    assert_ne!(second["refresh_token"], first.body["refresh_token"], "rotated");
    // The answer was lost: the previous token still works within 30 minutes, with a fresh pair.
    h.advance(1_700).await;
    let again = refresh(first.refresh.clone()).await.json();
    assert!(again["access_token"].is_string() && again["refresh_token"] != second["refresh_token"]);
    h.advance(101).await;
    let late = refresh(first.refresh.clone()).await;
    assert_eq!((late.status, late.json()), (StatusCode::BAD_REQUEST, json!({"error": "invalid_grant"})));
    // The newest token is untouched by all that.
    let newest = refresh(second["refresh_token"].as_str().expect("token").to_owned()).await;
    assert_eq!(newest.status, StatusCode::OK);
    assert_eq!(refresh("never-issued".to_owned()).await.json(), json!({"error": "invalid_grant"}));

    // An access token expires after 1800 s of the sandbox clock.
    let access = newest.json()["access_token"].as_str().expect("token").to_owned();
    assert_eq!(h.get("/Organisation", &access).await.status, StatusCode::OK);
    h.advance(1_800).await;
    let expired = h.get("/Organisation", &access).await;
    assert_eq!(expired.status, StatusCode::UNAUTHORIZED);
    let body = expired.json();
    assert_eq!(
        (body["Title"].clone(), body["Status"].clone(), body["Type"].clone()),
        (json!("Unauthorized"), json!(401), json!(null))
    );
    let detail = body["Detail"].as_str().expect("detail");
    assert!(detail.starts_with("TokenExpired: token expired at ") && detail.len() == 50, "{detail}");
    assert!(body["Instance"].is_string() && body["Extensions"] == json!({}));
}

#[tokio::test]
async fn custom_connection_with_client_credentials() {
    let h = &Harness::start().await;
    let reply = h.token(&[("grant_type", "client_credentials")], true).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let body = reply.json();
    assert!(body.get("refresh_token").is_none() && body.get("id_token").is_none(), "{body}");
    let token = body["access_token"].as_str().expect("token");
    // One tenant: the header may be left out, but a wrong one is refused.
    let org = h.send(h.http.get(h.api("/Organisation")).bearer_auth(token)).await;
    assert_eq!(org.status, StatusCode::OK, "{}", org.text);
    assert_eq!(org.json()["Organisations"][0]["OrganisationID"], TENANT);
    let wrong = h
        .send(
            h.http
                .get(h.api("/Organisation"))
                .bearer_auth(token)
                .header("xero-tenant-id", "00000000-0000-0000-0000-000000000001"),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    let connections = h.send(h.http.get(h.xero("/connections")).bearer_auth(token)).await.json();
    assert_eq!(connections[0]["tenantId"], TENANT);
    // The secret in the form works too; a public client cannot use this grant.
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", CLIENT_ID),
        ("client_secret", CLIENT_SECRET),
        ("scope", "accounting.transactions"),
    ];
    assert_eq!(h.token(&form, false).await.json()["scope"], "accounting.transactions");
    let form = [("grant_type", "client_credentials"), ("client_id", CLIENT_ID)];
    assert_eq!(h.token(&form, false).await.json(), json!({"error": "invalid_client"}));

    let standard = &Harness::start_with(options_with(false)).await;
    let refused = standard.token(&[("grant_type", "client_credentials")], true).await;
    assert_eq!(
        (refused.status, refused.json()),
        (StatusCode::BAD_REQUEST, json!({"error": "unauthorized_client"}))
    );
}

#[tokio::test]
async fn connections_disconnect_and_revocation() {
    let h = &Harness::start().await;
    let tokens = h.code_flow().await;
    let list =
        |token: String| async move { h.send(h.http.get(h.xero("/connections")).bearer_auth(token)).await };
    let reply = list(tokens.access.clone()).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(
        reply.header("x-appminlimit-remaining").is_some() && reply.header("x-minlimit-remaining").is_none()
    );
    let connection = reply.json()[0].clone();
    let keys: Vec<&String> = connection.as_object().expect("object").keys().collect();
    assert_eq!(
        keys,
        ["authEventId", "createdDateUtc", "id", "tenantId", "tenantName", "tenantType", "updatedDateUtc"]
    );
    assert_eq!(
        (connection["tenantType"].clone(), connection["tenantName"].clone()),
        (json!("ORGANISATION"), json!("Lakeview Holdings"))
    );
    let event = connection["authEventId"].as_str().expect("event");
    let filtered = h
        .send(h.http.get(h.xero("/Connections")).query(&[("authEventId", event)]).bearer_auth(&tokens.access))
        .await;
    assert_eq!(filtered.json().as_array().map(Vec::len), Some(1));

    // Disconnecting: 204, then the tenant is out of reach until the user connects again.
    let id = connection["id"].as_str().expect("id");
    let deleted =
        h.send(h.http.delete(h.xero(&format!("/connections/{id}"))).bearer_auth(&tokens.access)).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert_eq!(h.get("/Organisation", &tokens.access).await.status, StatusCode::FORBIDDEN);
    assert_eq!(list(tokens.access.clone()).await.json(), json!([]));
    let deleted_again =
        h.send(h.http.delete(h.xero(&format!("/connections/{id}"))).bearer_auth(&tokens.access)).await;
    assert_eq!(deleted_again.status, StatusCode::NOT_FOUND);

    // Revocation ends the grant: its refresh and access tokens stop working, connections go.
    let tokens = h.code_flow().await;
    assert_eq!(h.get("/Organisation", &tokens.access).await.status, StatusCode::OK);
    let revoke = h
        .send(h.http.post(h.xero("/identity/connect/revocation")).form(&[
            ("token", tokens.refresh.as_str()),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
        ]))
        .await;
    assert_eq!(revoke.status, StatusCode::OK);
    let form = [("grant_type", "refresh_token"), ("refresh_token", tokens.refresh.as_str())];
    assert_eq!(h.token(&form, true).await.json(), json!({"error": "invalid_grant"}));
    assert_eq!(h.get("/Organisation", &tokens.access).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(h.state().await["connections"], json!([]));
}

#[tokio::test]
async fn tenant_header_and_bearer_are_required() {
    let h = &Harness::start().await;
    let token = &h.access().await;
    let missing = h.send(h.http.get(h.api("/Accounts")).bearer_auth(token)).await;
    assert_eq!(missing.status, StatusCode::FORBIDDEN);
    let body = missing.json();
    assert_eq!(
        (
            body["Type"].clone(),
            body["Title"].clone(),
            body["Status"].clone(),
            body["Detail"].clone(),
            body["Extensions"].clone()
        ),
        (json!(null), json!("Forbidden"), json!(403), json!("AuthenticationUnsuccessful"), json!({}))
    );
    let unknown = h
        .send(
            h.http
                .get(h.api("/Accounts"))
                .bearer_auth(token)
                .header("xero-tenant-id", "4a0f0000-0000-4000-8000-000000000000"),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::FORBIDDEN);
    let no_token = h.send(h.http.get(h.api("/Accounts")).header("xero-tenant-id", TENANT)).await;
    assert_eq!(
        (no_token.status, no_token.json()["Detail"].clone()),
        (StatusCode::UNAUTHORIZED, json!("AuthenticationUnsuccessful"))
    );
    assert_eq!(
        h.call(Method::GET, "/Accounts", "garbage", None, None).await.status,
        StatusCode::UNAUTHORIZED
    );
}
