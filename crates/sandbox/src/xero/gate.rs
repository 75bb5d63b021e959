//! What every accounting call passes before its handler, in Xero's order: the bearer token (401:
//! `TokenExpired` or `AuthenticationUnsuccessful`), the `xero-tenant-id` header, which must name
//! an organisation the app is connected to (403; optional for a custom connection, whose token
//! reaches one tenant), the rate limits, the tenant's and the app's (429 with `Retry-After` and
//! `X-Rate-Limit-Problem`; replays count), then `Idempotency-Key` on `PUT`/`POST`, kept per
//! tenant. Every answer past the token check carries the `X-*Limit-Remaining` headers. The
//! organisation goes to the handler as a request extension (`InTenant`).

use std::sync::Arc;

use chrono::{DateTime, Utc};

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::idempotency::{Answer, Lookup, MAX_KEY_CHARS, fingerprint};
use super::tokens::{GrantKind, Refused};
use super::wire::{Failure, not_found, problem, rate_limited};
use super::{Organisation, XeroState, service};
use crate::bearer::bearer;
use crate::locks::lock;
use crate::xero::XeroShared;

/// Xero's largest request body.
pub const MAX_BODY_BYTES: usize = 10 * 1024 * 1024;

/// The app a bearer token belongs to and the organisation the call is for, once the token is
/// found to reach it.
fn admit(
    xero: &XeroState,
    headers: &HeaderMap,
    now: DateTime<Utc>,
) -> Result<(String, Arc<Organisation>), Failure> {
    let token = bearer(headers).ok_or(Failure::Unauthorized)?;
    let identity = lock(&xero.identity);
    let grant = identity.authenticate(token, now).map_err(|refused| match refused {
        Refused::Expired(at) => Failure::TokenExpired(at),
        Refused::Unknown => Failure::Unauthorized,
    })?;
    let tenant =
        headers.get("xero-tenant-id").and_then(|v| v.to_str().ok()).map(str::trim).filter(|t| !t.is_empty());
    let organisation = match grant.kind {
        GrantKind::ClientCredentials => {
            let custom = xero.custom_organisation();
            match tenant {
                None => custom,
                Some(tenant) => custom.filter(|o| o.tenant_id.eq_ignore_ascii_case(tenant)),
            }
        }
        GrantKind::AuthorizationCode => tenant
            .and_then(|tenant| xero.organisation(tenant))
            .filter(|o| identity.connected(&grant.client_id, &o.tenant_id).is_some()),
    };
    match organisation {
        Some(organisation) => Ok((grant.client_id.clone(), Arc::clone(organisation))),
        None => Err(Failure::Forbidden),
    }
}

pub async fn gate(State(shared): State<Arc<XeroShared>>, mut request: Request, next: Next) -> Response {
    let Some(xero) = service(&shared) else { return not_found() };
    let now = shared.clock.now();
    let (client_id, organisation) = match admit(xero, request.headers(), now) {
        Ok(admitted) => admitted,
        Err(failure) => return failure.into_response(),
    };
    let taken = {
        let mut app = lock(&xero.app_limiter);
        lock(&organisation.limiter).take(&mut app, now, &xero.limits)
    };
    let (remaining, slot) = match taken {
        Ok(taken) => taken,
        Err(refusal) => {
            tracing::info!(
                tenant = %organisation.tenant_id,
                problem = refusal.problem.header_value(),
                retry_after_s = refusal.retry_after_s,
                "Xero rate limit reached"
            );
            return rate_limited(refusal);
        }
    };
    let writes = matches!(*request.method(), Method::PUT | Method::POST);
    let key = request
        .headers()
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .filter(|k| !k.trim().is_empty())
        .map(str::to_owned);
    request.extensions_mut().insert(Arc::clone(&organisation));
    let mut response = match key.filter(|_| writes) {
        Some(key) => idempotent(&shared, &organisation, &client_id, key, request, next).await,
        None => next.run(request).await,
    };
    drop(slot);
    remaining.write_headers(response.headers_mut());
    response
}

/// Forgets an unanswered key if the request is dropped halfway (the client went away).
struct Pending<'a> {
    organisation: &'a Organisation,
    client_id: &'a str,
    key: &'a str,
    answered: bool,
}

impl Drop for Pending<'_> {
    fn drop(&mut self) {
        if !self.answered {
            lock(&self.organisation.idempotency).abandon(self.client_id, self.key);
        }
    }
}

async fn idempotent(
    shared: &XeroShared,
    organisation: &Organisation,
    client_id: &str,
    key: String,
    request: Request,
    next: Next,
) -> Response {
    let Some(xero) = service(shared) else { return not_found() };
    if key.chars().count() > MAX_KEY_CHARS {
        let detail = format!("Idempotency-Key must not be longer than {MAX_KEY_CHARS} characters");
        return problem(StatusCode::BAD_REQUEST, &detail);
    }
    let (parts, body) = request.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_BODY_BYTES).await else {
        return problem(StatusCode::PAYLOAD_TOO_LARGE, "The request body is too large");
    };
    let url =
        parts.uri.path_and_query().map_or_else(|| parts.uri.path().to_owned(), |p| p.as_str().to_owned());
    let print = fingerprint(parts.method.as_str(), &url, &bytes);
    let window_s = xero.limits.idempotency_window_s;
    let lookup = lock(&organisation.idempotency).begin(client_id, &key, &print, shared.clock.now(), window_s);
    match lookup {
        Lookup::Fresh => {}
        Lookup::Replay(answer) => {
            tracing::info!(key = %key, status = answer.status.as_u16(), "Xero idempotent replay");
            let mut response = (answer.status, answer.body).into_response();
            if let Some(content_type) = answer.content_type {
                response.headers_mut().insert(header::CONTENT_TYPE, content_type);
            }
            return response;
        }
        Lookup::Conflict => {
            return problem(
                StatusCode::BAD_REQUEST,
                &format!("Idempotency Key {key} is used with a different request"),
            );
        }
        Lookup::InProgress => {
            return problem(
                StatusCode::CONFLICT,
                &format!("A request with Idempotency Key {key} is still being processed"),
            );
        }
    }
    let mut pending = Pending { organisation, client_id, key: &key, answered: false };
    let response = next.run(Request::from_parts(parts, Body::from(bytes))).await;
    let (parts, body) = response.into_parts();
    let body = to_bytes(body, usize::MAX).await.unwrap_or_default();
    let answer = Answer {
        status: parts.status,
        content_type: parts.headers.get(header::CONTENT_TYPE).cloned(),
        body: body.clone(),
    };
    lock(&organisation.idempotency).finish(client_id, &key, answer);
    pending.answered = true;
    Response::from_parts(parts, Body::from(body))
}
