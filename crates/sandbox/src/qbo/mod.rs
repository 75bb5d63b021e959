//! The QuickBooks Online sandbox under `/qbo`: Intuit's OAuth 2.0 (`oauth`, `tokens`) and the
//! Accounting API v3 for journal entries under `/qbo/v3/company/{realmId}` (`api`: create, read,
//! update, delete, query; `batch`; `cdc`), with the real service's validation (`draft`,
//! `validate`), error bodies (`fault`), throttles (`meter`), `requestid` replays (`books`) and
//! Pacific times (`time`). One app reaches one company or several (`app`), each with books and
//! throttles of its own. `control` is its part of `/_sandbox`.
//!
//! Every API request passes the gate first, in this order: a bearer access token (401 with the
//! lower-case `fault` body), the realm, which must be the one the token's consent chose (403), the
//! realm's concurrency and per-minute throttles (429 with the XML body; batches are metered by
//! their items once their body is read), then the handler, which finds the realm's company in the
//! request's extensions (`InRealm`).
//!
//! Invariants: the sandbox is told apart from production only by base URLs (paths under `/qbo` are
//! Intuit's); client secrets and tokens never reach logs or `/_sandbox/state`; sandbox time comes
//! only from `QboShared::clock`.

mod api;
mod app;
mod batch;
mod books;
mod cdc;
mod company;
pub mod control;
mod draft;
mod entry;
pub(crate) mod fault;
mod meter;
mod oauth;
mod query;
pub mod time;
mod tokens;
mod validate;
mod wire;

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Extension, Router};
use chrono::{DateTime, Utc};

pub use self::app::{QboCompany, QboService};
use self::fault::{Fault, forbidden, json_response, throttled, unauthorized};
use super::bearer::bearer;
use super::clock::Clock;
use crate::locks::lock;

/// QuickBooks Online's throttles and token lifetimes. Defaults are the real service's; tests
/// scale them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QboLimits {
    /// Requests per window per realm; each batch item counts as one.
    pub requests_per_minute: u32,
    /// Batch requests per window per realm.
    pub batch_requests_per_minute: u32,
    /// Requests in flight at once per realm.
    pub max_concurrent: u32,
    /// The throttles' window.
    pub window_s: u32,
    pub access_token_lifetime_s: u32,
    /// Rolling: every refresh gives a new refresh token with this much life.
    pub refresh_token_lifetime_s: u32,
    pub auth_code_lifetime_s: u32,
}

impl Default for QboLimits {
    fn default() -> Self {
        QboLimits {
            requests_per_minute: 500,
            batch_requests_per_minute: 40,
            max_concurrent: 10,
            window_s: 60,
            access_token_lifetime_s: 3600,
            refresh_token_lifetime_s: 8_640_000,
            auth_code_lifetime_s: 300,
        }
    }
}

/// What the QuickBooks Online handlers see: the sandbox's clock and the app with its companies,
/// if the dataset has a `qbo` section. Nothing of the other services.
pub struct QboShared {
    pub clock: Arc<Clock>,
    pub qbo_service: Option<QboService>,
}

/// The company a request's realm names, as the gate found it (every API handler runs after it).
pub type InRealm = Extension<Arc<QboCompany>>;

/// The QBO routes, to be nested at `/qbo`.
pub fn router<S: Clone + Send + Sync + 'static>(shared: Arc<QboShared>) -> Router<S> {
    let company = "/v3/company/{realm}";
    let api = Router::new()
        .route(&format!("{company}/journalentry"), post(api::post_journal_entry))
        .route(&format!("{company}/query"), get(api::query).post(api::query))
        .route(&format!("{company}/batch"), post(batch::batch))
        .route(&format!("{company}/cdc"), get(cdc::cdc))
        .route(&format!("{company}/preferences"), get(api::preferences))
        .route(&format!("{company}/{{entity}}/{{id}}"), get(api::read))
        .route_layer(middleware::from_fn_with_state(Arc::clone(&shared), gate));
    Router::new()
        .route("/connect/oauth2", get(oauth::authorize))
        .route("/oauth2/v1/tokens/bearer", post(oauth::token))
        .route("/oauth2/v1/tokens/revoke", post(oauth::revoke))
        // intuit-oauth's own discovery URLs end with a slash; either form is served.
        .route("/.well-known/openid_configuration", get(oauth::discovery))
        .route("/.well-known/openid_configuration/", get(oauth::discovery))
        .route("/.well-known/openid_sandbox_configuration", get(oauth::discovery))
        .route("/.well-known/openid_sandbox_configuration/", get(oauth::discovery))
        .merge(api)
        .fallback(not_found)
        .with_state(shared)
}

/// The service, when the dataset has a `qbo` section.
fn service(shared: &QboShared) -> Option<&QboService> {
    shared.qbo_service.as_ref()
}

/// Token, realm, then throttles (see the module documentation).
async fn gate(State(shared): State<Arc<QboShared>>, mut request: Request, next: Next) -> Response {
    let now = shared.clock.now();
    let Some(qbo) = service(&shared) else {
        return missing(now);
    };
    let token_realm = bearer(request.headers()).and_then(|token| lock(&qbo.tokens).access_realm(token, now));
    let Some(token_realm) = token_realm else {
        return unauthorized(now);
    };
    // Nested at `/qbo`, the path is `/v3/company/{realmId}/...`.
    let path = request.uri().path().to_owned();
    let realm = path.split('/').nth(3).unwrap_or_default();
    let company = match qbo.company(realm) {
        Some(company) if company.realm_id == token_realm => Arc::clone(company),
        _ => {
            tracing::info!(realm, "QBO request for a company the token is not connected to");
            return forbidden(now, realm);
        }
    };
    let Some(_slot) = company.meter.enter(&company.limits) else {
        tracing::info!(realm, limit = company.limits.max_concurrent, "QBO concurrency throttle");
        return throttled(now, 1);
    };
    // A batch is metered by its items, once its body is read (`batch`).
    if !path.ends_with("/batch")
        && let Err(retry_after_s) = company.meter.take_request(now, &company.limits)
    {
        tracing::info!(realm, retry_after_s, "QBO request throttle");
        return throttled(now, retry_after_s);
    }
    request.extensions_mut().insert(Arc::clone(&company));
    next.run(request).await
}

async fn not_found(State(shared): State<Arc<QboShared>>, method: Method, uri: Uri) -> Response {
    not_found_at(shared.clock.now(), &method, &uri)
}

/// What `/qbo` answers when the dataset has no `qbo` section: there is no company.
fn missing(now: DateTime<Utc>) -> Response {
    let fault = Fault {
        status: StatusCode::NOT_FOUND,
        ..Fault::unsupported("on a sandbox without a QuickBooks company (the dataset has no \"qbo\" section)")
    };
    fault.into_response(now)
}

fn not_found_at(now: DateTime<Utc>, method: &Method, uri: &Uri) -> Response {
    let fault =
        Fault { status: StatusCode::NOT_FOUND, ..Fault::unsupported(format!("{method} /qbo{}", uri.path())) };
    fault.into_response(now)
}

/// `{"<key>": <json>, "time": "..."}`: the IntuitResponse envelope around one object.
fn envelope(key: &str, json: &str, now: DateTime<Utc>) -> String {
    format!("{{\"{key}\":{json},\"time\":\"{}\"}}", time::response_time(now))
}

/// An answer that is not a fault: 200 with its envelope.
fn ok(key: &str, json: &str, now: DateTime<Utc>) -> books::Answer {
    books::Answer { status: StatusCode::OK, body: envelope(key, json, now) }
}

fn fault_answer(fault: Fault, now: DateTime<Utc>) -> books::Answer {
    books::Answer { status: fault.status, body: fault.body(now) }
}

fn respond(answer: books::Answer) -> Response {
    json_response(answer.status, answer.body)
}
