//! Xero Identity's endpoints under `/xero/identity` (fault service `oauth`):
//! `GET /connect/authorize` consents at once (to the organisations `XeroState::consent` gives) and
//! redirects with `code`, `scope`, `state` and `session_state`; `POST /connect/token` (client by HTTP Basic or form fields; a PKCE public client
//! sends only `client_id`) grants `authorization_code`, `refresh_token` and, for a custom
//! connection, `client_credentials`; `POST /connect/revocation` revokes a refresh token's grant;
//! `GET /.well-known/openid-configuration` describes them.
//!
//! Errors are Xero's: `400 {"error": "invalid_grant"}` and friends; PKCE is `S256` only.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::tokens::{AuthCode, GrantKind, Identity, Issued, jwt};
use super::wire::{Failure, new_guid};
use super::{XeroState, form, service};
use crate::locks::lock;
use crate::paths::XERO_API_BASE;
use crate::xero::XeroShared;

/// The scopes a custom connection's token carries when the request names none.
const CUSTOM_CONNECTION_SCOPES: &str = "accounting.transactions accounting.settings accounting.contacts";

fn oauth_error(error: &'static str) -> Response {
    Failure::OAuth(error).into_response()
}

/// `http://127.0.0.1:PORT/xero/identity`, from the request's Host header.
fn issuer(headers: &HeaderMap) -> String {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1");
    format!("http://{host}{XERO_API_BASE}/identity")
}

fn plain(status: StatusCode, text: &str) -> Response {
    (status, text.to_owned()).into_response()
}

pub async fn authorize(State(shared): State<Arc<XeroShared>>, uri: Uri) -> Response {
    let Some(xero) = service(&shared) else { return plain(StatusCode::NOT_FOUND, "no Xero organisation") };
    let query = form::query(&uri);
    let get = |name| form::get(&query, name).map(str::trim).filter(|v| !v.is_empty());
    if get("client_id") != Some(xero.client_id.as_str()) {
        return plain(StatusCode::BAD_REQUEST, "Error: unauthorized_client (unknown client_id)");
    }
    let Some(redirect_uri) =
        get("redirect_uri").filter(|r| r.starts_with("http://") || r.starts_with("https://"))
    else {
        return plain(
            StatusCode::BAD_REQUEST,
            "Error: invalid_request (redirect_uri must be an absolute http(s) URL)",
        );
    };
    let state = get("state");
    let redirect = |params: Vec<(&str, String)>| {
        let mut location = redirect_uri.to_owned();
        location.push(if location.contains('?') { '&' } else { '?' });
        let mut pairs = params;
        if let Some(state) = state {
            pairs.push(("state", state.to_owned()));
        }
        let encoded: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={}", form::encode(v))).collect();
        location.push_str(&encoded.join("&"));
        let mut response = StatusCode::FOUND.into_response();
        if let Ok(value) = HeaderValue::from_str(&location) {
            response.headers_mut().insert(header::LOCATION, value);
        }
        response
    };
    let refuse = |error: &str, description: &str| {
        redirect(vec![("error", error.to_owned()), ("error_description", description.to_owned())])
    };
    if get("response_type") != Some("code") {
        return refuse("unsupported_response_type", "response_type must be code");
    }
    let Some(scope) = get("scope") else { return refuse("invalid_scope", "scope is required") };
    let challenge = match (get("code_challenge"), get("code_challenge_method")) {
        (None, _) => None,
        (Some(challenge), Some("S256")) if (43..=128).contains(&challenge.len()) => {
            Some(challenge.to_owned())
        }
        (Some(_), Some("S256")) => {
            return refuse("invalid_request", "code_challenge must be 43 to 128 characters");
        }
        (Some(_), _) => return refuse("invalid_request", "code_challenge_method must be S256"),
    };
    let now = shared.clock.now();
    let code = AuthCode {
        client_id: xero.client_id.clone(),
        redirect_uri: redirect_uri.to_owned(),
        scope: scope.to_owned(),
        challenge,
        nonce: get("nonce").map(str::to_owned),
        auth_event_id: new_guid(),
        expires_at: now,
        used: false,
    };
    // The person consenting picks the organisations, as on Xero's page: the ones a test chose
    // with `POST /_sandbox/xero/consent`, else every one.
    let tenants = xero.consent();
    let code = lock(&xero.identity).consent(code, &tenants, now);
    tracing::info!(client_id = %xero.client_id, tenants = tenants.len(), "Xero consent given; redirecting with a code");
    redirect(vec![
        ("code", code),
        ("scope", scope.to_owned()),
        ("session_state", new_guid().replace('-', "")),
    ])
}

/// The client a token request comes from: its id and whether it proved its secret.
fn client(
    xero: &XeroState,
    headers: &HeaderMap,
    body: &[(String, String)],
) -> Result<(String, bool), Failure> {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("basic"))
        .and_then(|(_, encoded)| data_encoding::BASE64.decode(encoded.trim().as_bytes()).ok())
        .and_then(|bytes| String::from_utf8(bytes).ok());
    let (id, secret) = match &basic {
        Some(pair) => {
            let (id, secret) = pair.split_once(':').unwrap_or((pair, ""));
            (form::decode(id).unwrap_or_default(), Some(form::decode(secret).unwrap_or_default()))
        }
        None => (
            form::get(body, "client_id").unwrap_or_default().to_owned(),
            form::get(body, "client_secret").map(str::to_owned),
        ),
    };
    if id != xero.client_id {
        return Err(Failure::OAuth("invalid_client"));
    }
    match secret {
        Some(secret) if constant_time_eq(&secret, &xero.client_secret) => Ok((id, true)),
        Some(_) => Err(Failure::OAuth("invalid_client")),
        None => Ok((id, false)),
    }
}

pub async fn token(State(shared): State<Arc<XeroShared>>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(xero) = service(&shared) else { return oauth_error("invalid_client") };
    let body = form::pairs(&String::from_utf8_lossy(&body));
    let (client_id, confidential) = match client(xero, &headers, &body) {
        Ok(client) => client,
        Err(failure) => return failure.into_response(),
    };
    let get = |name| form::get(&body, name).map(str::trim).filter(|v| !v.is_empty());
    let now = shared.clock.now();
    let issuer = issuer(&headers);
    let mut identity = lock(&xero.identity);
    let result = match get("grant_type") {
        Some("authorization_code") => {
            let client = (client_id.as_str(), xero.client_secret.as_str());
            exchange_code(&mut identity, client, confidential, &body, &issuer, now)
        }
        Some("refresh_token") => {
            let grant = get("refresh_token").and_then(|t| identity.use_refresh(t, &client_id, now));
            match grant {
                Some(grant) if confidential || identity.grants[grant].public => {
                    let scope = identity.grants[grant].scope.clone();
                    Ok((identity.issue(grant, &issuer, now), scope, None))
                }
                Some(_) => Err("invalid_client"),
                None => Err("invalid_grant"),
            }
        }
        Some("client_credentials") if xero.custom_connection.is_none() => Err("unauthorized_client"),
        Some("client_credentials") if !confidential => Err("invalid_client"),
        Some("client_credentials") => {
            let scope = get("scope").unwrap_or(CUSTOM_CONNECTION_SCOPES).to_owned();
            let grant =
                identity.new_grant(GrantKind::ClientCredentials, &client_id, &scope, new_guid(), false, now);
            Ok((identity.issue(grant, &issuer, now), scope, None))
        }
        Some(_) => Err("unsupported_grant_type"),
        None => Err("invalid_request"),
    };
    drop(identity);
    match result {
        Ok((issued, scope, id_token)) => {
            tracing::info!(client_id = %client_id, grant = issued.grant, "Xero tokens issued");
            let mut answer = serde_json::Map::new();
            if let Some(id_token) = id_token {
                answer.insert("id_token".into(), json!(id_token));
            }
            answer.insert("access_token".into(), json!(issued.access_token));
            answer.insert("expires_in".into(), json!(xero.limits.access_token_lifetime_s));
            answer.insert("token_type".into(), json!("Bearer"));
            if let Some(refresh) = issued.refresh_token {
                answer.insert("refresh_token".into(), json!(refresh));
            }
            answer.insert("scope".into(), json!(scope));
            let mut response = axum::Json(answer).into_response();
            response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(error) => {
            tracing::info!(client_id = %client_id, error, "Xero token request refused");
            oauth_error(error)
        }
    }
}

type Granted = (Issued, String, Option<String>);

fn exchange_code(
    identity: &mut Identity,
    (client_id, secret): (&str, &str),
    confidential: bool,
    body: &[(String, String)],
    issuer: &str,
    now: DateTime<Utc>,
) -> Result<Granted, &'static str> {
    let get = |name| form::get(body, name).map(str::trim).filter(|v| !v.is_empty());
    let code = get("code").ok_or("invalid_grant")?;
    let found = identity.take_code(code, client_id, now).ok_or("invalid_grant")?;
    if get("redirect_uri") != Some(found.redirect_uri.as_str()) {
        return Err("invalid_grant");
    }
    match (&found.challenge, get("code_verifier")) {
        (Some(challenge), Some(verifier)) => {
            let computed = data_encoding::BASE64URL_NOPAD.encode(&Sha256::digest(verifier.as_bytes()));
            if !constant_time_eq(&computed, challenge) {
                return Err("invalid_grant");
            }
        }
        (Some(_), None) => return Err("invalid_grant"),
        (None, _) if !confidential => return Err("invalid_client"),
        (None, _) => {}
    }
    let public = !confidential;
    let grant = identity.new_grant(
        GrantKind::AuthorizationCode,
        client_id,
        &found.scope,
        found.auth_event_id.clone(),
        public,
        now,
    );
    let issued = identity.issue(grant, issuer, now);
    let id_token = found
        .scope
        .split_whitespace()
        .any(|s| s == "openid")
        .then(|| id_token(identity, &found, secret, issuer, now));
    Ok((issued, found.scope.clone(), id_token))
}

/// An OpenID id_token for the sandbox user, HS256-signed with the client's secret (Xero signs
/// with RS256; a client that verifies must be told to expect HS256).
fn id_token(identity: &Identity, code: &AuthCode, secret: &str, issuer: &str, now: DateTime<Utc>) -> String {
    let mut claims = json!({
        "nbf": now.timestamp(), "exp": now.timestamp() + 300, "iss": issuer, "aud": code.client_id,
        "iat": now.timestamp(), "sub": identity.user_id.replace('-', ""), "auth_time": now.timestamp(),
        "xero_userid": identity.user_id, "global_session_id": new_guid().replace('-', ""),
        "preferred_username": "sandbox@example.com", "email": "sandbox@example.com",
        "given_name": "Sandbox", "family_name": "User", "sid": new_guid().replace('-', ""),
    });
    if let (Some(nonce), serde_json::Value::Object(o)) = (&code.nonce, &mut claims) {
        o.insert("nonce".into(), json!(nonce));
    }
    jwt(&claims, secret)
}

pub async fn revocation(State(shared): State<Arc<XeroShared>>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(xero) = service(&shared) else { return oauth_error("invalid_client") };
    let body = form::pairs(&String::from_utf8_lossy(&body));
    let (client_id, _) = match client(xero, &headers, &body) {
        Ok(client) => client,
        Err(failure) => return failure.into_response(),
    };
    let Some(token) = form::get(&body, "token").map(str::trim).filter(|t| !t.is_empty()) else {
        return oauth_error("invalid_request");
    };
    let revoked = lock(&xero.identity).revoke(token, &client_id);
    tracing::info!(client_id = %client_id, revoked, "Xero token revocation");
    StatusCode::OK.into_response()
}

pub async fn discovery(headers: HeaderMap) -> Response {
    let issuer = issuer(&headers);
    axum::Json(json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/connect/authorize"),
        "token_endpoint": format!("{issuer}/connect/token"),
        "revocation_endpoint": format!("{issuer}/connect/revocation"),
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "id_token_signing_alg_values_supported": ["HS256"],
        "subject_types_supported": ["public"],
    }))
    .into_response()
}

pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
