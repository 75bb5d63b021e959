//! Entrata's own RPC API (docs/sources.md section 7) under `/entrata-api`: a second view of the
//! same dataset and item store the normalized REST view (`entrata/`) serves.
//!
//! - Gateway: `POST /entrata-api/ext/orgs/{org}/v1/{service}` with `X-Api-Key` and body
//!   `auth.type = "apikey"`. Legacy host: `POST /entrata-api/{subdomain}/api/v1/{service}` with
//!   HTTP Basic and `auth.type = "basic"`.
//! - Every call passes the gate first: a known service (else 404), then the credential (401,
//!   code 113), then the rate windows of that service and credential (429 with `Retry-After`;
//!   the `X-RateLimit-*` headers go on every answer). Then the envelope (400, code 400), the
//!   method (HTTP 200 with error 301) and its parameters (HTTP 200 with error 302).
//! - `envelope` is the wire's frame, `methods` the services' methods and paging, and one file per
//!   family renders dataset items in Entrata's shapes: `reference` (properties, AR codes),
//!   `leases`, `ledger` (the AR transactions), `payments`, `financial` (GL and export marks).
//!   Money and ids go out as the dataset wrote them (`json::Node::Raw`).

mod answer;
mod dates;
mod envelope;
mod fields;
mod financial;
mod json;
mod leases;
mod ledger;
mod limits;
mod methods;
mod payments;
mod reference;
mod state;

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;

pub use self::envelope::status_body;
use self::envelope::{Refusal, parse_call, success};
use self::limits::LimitState;
pub use self::state::EntrataApiShared;
use crate::bearer::token_fingerprint;
use crate::locks::lock;
use crate::paths::ENTRATA_API_MOUNT;

/// The gateway's path under the mount, before `/{service}`: `/ext/orgs/{org}/v1`.
pub fn gateway_path(org: &str) -> String {
    format!("{ENTRATA_API_MOUNT}/ext/orgs/{org}/v1")
}

/// The legacy host's path under the mount, before `/{service}`: `/{subdomain}/api/v1`.
pub fn legacy_path(subdomain: &str) -> String {
    format!("{ENTRATA_API_MOUNT}/{subdomain}/api/v1")
}

/// The routes, to be nested at `ENTRATA_API_MOUNT`.
pub fn router<S: Clone + Send + Sync + 'static>(shared: Arc<EntrataApiShared>) -> Router<S> {
    Router::new()
        .route("/ext/orgs/{org}/v1/{service}", post(gateway))
        .route("/{subdomain}/api/v1/{service}", post(legacy))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(shared)
}

type QueryParams = Result<Query<HashMap<String, String>>, axum::extract::rejection::QueryRejection>;

async fn gateway(
    State(shared): State<Arc<EntrataApiShared>>,
    Path((org, service)): Path<(String, String)>,
    query: QueryParams,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let key = headers.get("x-api-key").and_then(|v| v.to_str().ok()).map(str::trim);
    let credential = match key {
        None => Err("Authorization failed: the X-Api-Key header is missing"),
        Some(_) if org != shared.config.org => {
            Err("Authorization failed: the API key is not valid for this organization")
        }
        Some(key) if key == shared.config.api_key() => Ok(token_fingerprint(key)),
        Some(_) => Err("Authorization failed: invalid API key"),
    };
    serve(&shared, &service, credential, "apikey", query, &body)
}

async fn legacy(
    State(shared): State<Arc<EntrataApiShared>>,
    Path((subdomain, service)): Path<(String, String)>,
    query: QueryParams,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let credential = match basic(&headers) {
        None => Err("Authorization failed: HTTP Basic credentials are missing"),
        Some(_) if subdomain != shared.config.subdomain => {
            Err("Authorization failed: the credentials are not valid for this domain")
        }
        Some((user, password)) if shared.basic_allowed(&user, &password) => Ok(format!("basic:{user}")),
        Some(_) => Err("Authorization failed: invalid username or password"),
    };
    serve(&shared, &service, credential, "basic", query, &body)
}

/// `Authorization: Basic base64(user:password)`.
fn basic(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = data_encoding::BASE64.decode(encoded.trim().as_bytes()).ok()?;
    let (user, password) = std::str::from_utf8(&decoded).ok()?.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

/// The gate, then the call; the rate-limit headers go on every answer.
fn serve(
    shared: &EntrataApiShared,
    service: &str,
    credential: Result<String, &str>,
    auth_type: &str,
    query: QueryParams,
    body: &[u8],
) -> Response {
    let limits = &shared.config.limits;
    let refuse = |refusal: Refusal| {
        let mut response = refusal.into_response_for(None);
        LimitState::fresh(limits).write_headers(response.headers_mut());
        response
    };
    if !methods::SERVICES.contains(&service) {
        return refuse(Refusal::NotFound(format!(
            "Service not found: {service:?} (the sandbox serves {})",
            methods::SERVICES.join(", ")
        )));
    }
    let credential = match credential {
        Ok(credential) => credential,
        Err(message) => return refuse(Refusal::Unauthorized(message.to_owned())),
    };
    let state =
        lock(&shared.rate).entry((service.to_owned(), credential)).or_default().take(shared.now_ns(), limits);
    let mut response = if state.allowed {
        let query = query.map(|Query(q)| q).unwrap_or_default();
        answer(shared, service, auth_type, &query, body)
    } else {
        tracing::info!(service, retry_after_s = state.retry_after_s(), "Entrata API rate limit reached");
        Refusal::RateLimited { retry_after_s: state.retry_after_s() }.into_response_for(None)
    };
    state.write_headers(response.headers_mut());
    response
}

fn answer(
    shared: &EntrataApiShared,
    service: &str,
    auth_type: &str,
    query: &HashMap<String, String>,
    body: &[u8],
) -> Response {
    let Ok(text) = std::str::from_utf8(body) else {
        return Refusal::BadEnvelope("the body is not UTF-8 text".into()).into_response_for(None);
    };
    let call = match parse_call(text) {
        Ok(call) => call,
        Err(refusal) => return refusal.into_response_for(None),
    };
    if call.auth_type != auth_type {
        let message = format!(
            "Authorization failed: auth.type {:?} on a {} endpoint (expected {auth_type:?})",
            call.auth_type,
            if auth_type == "apikey" { "gateway (X-Api-Key)" } else { "legacy (HTTP Basic)" }
        );
        return Refusal::Unauthorized(message).into_response_for(None);
    }
    tracing::debug!(service, method = %call.method, "Entrata API call");
    match methods::call(shared, service, &call, query) {
        Ok(answer) => success(call.request_id, answer.code_as_text, answer.result),
        Err(refusal) => refusal.into_response_for(call.request_id),
    }
}

async fn not_found(method: Method, uri: Uri) -> Response {
    let message = format!("no endpoint {method} {ENTRATA_API_MOUNT}{}", uri.path());
    Refusal::NotFound(message).into_response_for(None)
}

async fn method_not_allowed(method: Method, uri: Uri) -> Response {
    let mut response = status_body(StatusCode::METHOD_NOT_ALLOWED);
    tracing::debug!(%method, path = %uri.path(), "Entrata API: only POST is served");
    if let Ok(value) = axum::http::HeaderValue::from_str("POST") {
        response.headers_mut().insert(header::ALLOW, value);
    }
    response.into_response()
}

#[cfg(test)]
mod tests;
