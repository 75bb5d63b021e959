//! Intuit's OAuth 2.0 endpoints (service `oauth` for fault rules):
//!
//! - `GET /qbo/connect/oauth2` (appcenter.intuit.com/connect/oauth2): checks `client_id`,
//!   `response_type=code`, `redirect_uri` and a `scope` with `com.intuit.quickbooks.accounting`,
//!   consents at once and answers `302` to `redirect_uri?code=...&state=...&realmId=...`, the
//!   realm being the company the consent chose (`QboService::consent`).
//! - `POST /qbo/oauth2/v1/tokens/bearer`: client authentication by HTTP Basic (or
//!   `client_id`/`client_secret` in the form), grants `authorization_code` and `refresh_token`;
//!   `{"token_type":"bearer","access_token","expires_in","refresh_token","x_refresh_token_expires_in"}`.
//!   A used, expired, rotated or revoked code or token is `400 {"error":"invalid_grant"}`; bad client
//!   credentials are `401 {"error":"invalid_client"}`.
//! - `POST /qbo/oauth2/v1/tokens/revoke`: Basic auth, `{"token": ...}` (JSON, or a form as
//!   node-quickbooks sends it); revokes the token's whole grant; `200` even for an unknown token
//!   (RFC 7009).
//! - `GET /qbo/.well-known/openid_configuration`: the discovery document intuit-oauth reads at
//!   start-up, pointing at the endpoints above.
//!
//! Invariant: client secrets, codes and tokens are never logged; only fingerprints are.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::json;

use super::api::Params;
use super::tokens::{GrantError, Issued};
use super::wire::{Node, form_pairs, percent_decode};
use super::{QboService, service};
use crate::bearer::token_fingerprint;
use crate::locks::lock;
use crate::qbo::QboShared;

pub const ACCOUNTING_SCOPE: &str = "com.intuit.quickbooks.accounting";

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    let mut response =
        (status, axum::Json(json!({"error": error, "error_description": description}))).into_response();
    no_store(&mut response);
    response
}

fn no_store(response: &mut Response) {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache, no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
}

fn no_company() -> Response {
    oauth_error(
        StatusCode::NOT_FOUND,
        "invalid_request",
        "this sandbox has no QuickBooks company (no \"qbo\" section)",
    )
}

/// Percent-encodes a query value (RFC 3986 unreserved characters stay).
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

fn redirect(to: &str, params: &[(&str, &str)]) -> Response {
    let query: Vec<String> = params.iter().map(|(k, v)| format!("{k}={}", encode(v))).collect();
    let separator = if to.contains('?') { '&' } else { '?' };
    let location = format!("{to}{separator}{}", query.join("&"));
    match HeaderValue::from_str(&location) {
        Ok(value) => (StatusCode::FOUND, [(header::LOCATION, value)]).into_response(),
        Err(_) => {
            oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "redirect_uri cannot be redirected to")
        }
    }
}

/// `GET /qbo/connect/oauth2`.
pub async fn authorize(State(shared): State<Arc<QboShared>>, Query(params): Query<Params>) -> Response {
    let Some(qbo) = service(&shared) else { return no_company() };
    let get = |name: &str| params.get(name).map(|s| s.trim()).filter(|s| !s.is_empty());
    if get("client_id") != Some(qbo.client_id.as_str()) {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_client",
            "client_id is missing or not this app's",
        );
    }
    let Some(redirect_uri) =
        get("redirect_uri").filter(|u| u.starts_with("http://") || u.starts_with("https://"))
    else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "redirect_uri is missing or not an http(s) URL",
        );
    };
    let state = get("state").unwrap_or_default();
    if get("response_type") != Some("code") {
        return redirect(redirect_uri, &[("error", "unsupported_response_type"), ("state", state)]);
    }
    let scopes = get("scope").unwrap_or_default();
    if !scopes.split([' ', '+', ',']).any(|s| s == ACCOUNTING_SCOPE) {
        return redirect(redirect_uri, &[("error", "invalid_scope"), ("state", state)]);
    }
    // The person consenting picks the company, as on Intuit's page: the one a test chose with
    // `POST /_sandbox/qbo/consent`, else the first.
    let company = qbo.consent();
    let code = lock(&qbo.tokens).issue_code(redirect_uri, &company.realm_id, shared.clock.now(), &qbo.limits);
    tracing::info!(code = %token_fingerprint(&code), realm = %company.realm_id, "QBO authorization code issued (consented at once)");
    redirect(redirect_uri, &[("code", &code), ("state", state), ("realmId", &company.realm_id)])
}

/// The client's credentials: HTTP Basic (each half form-decoded, RFC 6749 §2.3.1), else the form.
fn client_ok(qbo: &QboService, headers: &HeaderMap, form: &[(String, String)]) -> bool {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("basic"))
        .and_then(|(_, encoded)| data_encoding::BASE64.decode(encoded.trim().as_bytes()).ok())
        .and_then(|bytes| String::from_utf8(bytes).ok());
    if let Some(pair) = basic {
        let (id, secret) = pair.split_once(':').unwrap_or((pair.as_str(), ""));
        return qbo.client_ok(&percent_decode(id.as_bytes()), &percent_decode(secret.as_bytes()));
    }
    let field = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    match (field("client_id"), field("client_secret")) {
        (Some(id), Some(secret)) => qbo.client_ok(id, secret),
        _ => false,
    }
}

fn invalid_client() -> Response {
    let mut response =
        oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", "Client authentication failed");
    response
        .headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"Intuit\""));
    response
}

#[derive(Serialize)]
struct TokenAnswer<'a> {
    token_type: &'static str,
    access_token: &'a str,
    expires_in: u32,
    refresh_token: &'a str,
    x_refresh_token_expires_in: u32,
}

fn tokens_response(issued: &Issued) -> Response {
    let body = TokenAnswer {
        token_type: "bearer",
        access_token: &issued.access_token,
        expires_in: issued.access_expires_in_s,
        refresh_token: &issued.refresh_token,
        x_refresh_token_expires_in: issued.refresh_expires_in_s,
    };
    let mut response = (StatusCode::OK, axum::Json(body)).into_response();
    no_store(&mut response);
    response
}

fn invalid_grant(why: GrantError) -> Response {
    oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", why.description())
}

/// `POST /qbo/oauth2/v1/tokens/bearer`.
pub async fn token(State(shared): State<Arc<QboShared>>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(qbo) = service(&shared) else { return no_company() };
    let form = form_pairs(&body);
    if !client_ok(qbo, &headers, &form) {
        tracing::info!("QBO token request refused: client authentication failed");
        return invalid_client();
    }
    let field =
        |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty());
    let now = shared.clock.now();
    let mut tokens = lock(&qbo.tokens);
    let grant = match field("grant_type") {
        Some("authorization_code") => {
            let (Some(code), Some(redirect_uri)) = (field("code"), field("redirect_uri")) else {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "code and redirect_uri are required",
                );
            };
            tokens.redeem_code(code, redirect_uri, now)
        }
        Some("refresh_token") => {
            let Some(refresh_token) = field("refresh_token") else {
                return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "refresh_token is required");
            };
            tokens.use_refresh(refresh_token, now)
        }
        Some(_) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "use authorization_code or refresh_token",
            );
        }
        None => return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "grant_type is required"),
    };
    match grant {
        Ok(grant) => {
            let issued = tokens.issue_pair(grant, now, &qbo.limits);
            tracing::info!(grant, access = %token_fingerprint(&issued.access_token), refresh = %token_fingerprint(&issued.refresh_token), "QBO tokens issued");
            tokens_response(&issued)
        }
        Err(why) => {
            tracing::info!(reason = ?why, "QBO token request refused: invalid_grant");
            invalid_grant(why)
        }
    }
}

/// `POST /qbo/oauth2/v1/tokens/revoke`.
pub async fn revoke(State(shared): State<Arc<QboShared>>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(qbo) = service(&shared) else { return no_company() };
    let form = form_pairs(&body);
    if !client_ok(qbo, &headers, &form) {
        return invalid_client();
    }
    let from_json = std::str::from_utf8(&body)
        .ok()
        .and_then(|text| Node::parse(text).ok())
        .and_then(|node| node.as_object().and_then(|o| o.get("token")).and_then(Node::as_text));
    let from_form = form.iter().find(|(k, _)| k == "token").map(|(_, v)| v.clone());
    let Some(token) = from_json.or(from_form).filter(|t| !t.is_empty()) else {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "token is required");
    };
    let known = lock(&qbo.tokens).revoke(&token);
    tracing::info!(token = %token_fingerprint(&token), known, "QBO token revoked");
    let mut response = StatusCode::OK.into_response();
    no_store(&mut response);
    response
}

/// `GET /qbo/.well-known/openid_configuration`: absolute URLs on the host the client used.
pub async fn discovery(headers: HeaderMap) -> Response {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1");
    let base = format!("http://{host}{}", crate::paths::QBO_API_BASE);
    axum::Json(json!({
        "issuer": format!("{base}/op/v1"),
        "authorization_endpoint": format!("{base}/connect/oauth2"),
        "token_endpoint": format!("{base}/oauth2/v1/tokens/bearer"),
        "userinfo_endpoint": format!("{base}/v1/openid_connect/userinfo"),
        "revocation_endpoint": format!("{base}/oauth2/v1/tokens/revoke"),
        "jwks_uri": format!("{base}/op/v1/jwks"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", "email", "profile", "address", "phone", ACCOUNTING_SCOPE, "com.intuit.quickbooks.payment"],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "claims_supported": ["aud", "exp", "iat", "iss", "realmid", "sub"],
    }))
    .into_response()
}
