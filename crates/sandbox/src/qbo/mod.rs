//! The QuickBooks Online sandbox under `/qbo`: Intuit's OAuth 2.0 (`oauth`, `tokens`) and the
//! Accounting API v3 for journal entries under `/qbo/v3/company/{realmId}` (`api`: create, read,
//! update, delete, query; `batch`; `cdc`), with the real service's validation (`draft`,
//! `validate`), error bodies (`fault`), throttles (`meter`), `requestid` replays (`books`) and
//! Pacific times (`time`). `control` is its part of `/_sandbox`.
//!
//! Every API request passes the gate first, in this order: a bearer access token (401 with the
//! lower-case `fault` body), the realm (403), the concurrency and per-minute throttles (429 with the
//! XML body; batches are metered by their items once their body is read), then the handler.
//!
//! Invariants: the sandbox is told apart from production only by base URLs (paths under `/qbo` are
//! Intuit's); client secrets and tokens never reach logs or `/_sandbox/state`; sandbox time comes
//! only from `QboShared::clock`.

mod api;
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

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use chrono::{DateTime, Utc};

use self::books::Books;
use self::company::Company;
use self::fault::{Fault, forbidden, json_response, throttled, unauthorized};
use self::meter::Meter;
use self::tokens::Tokens;
use super::bearer::bearer;
use super::clock::Clock;
use super::dataset::targets::QboDataset;
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

/// What the QuickBooks Online handlers see: the sandbox's clock and the company, if the dataset
/// has one. Nothing of the other services.
pub struct QboShared {
    pub clock: Arc<Clock>,
    pub qbo_service: Option<QboService>,
}

/// The QBO company and everything the service keeps about it.
pub struct QboService {
    pub realm_id: String,
    pub client_id: String,
    /// Secret: compared, never logged or dumped.
    client_secret: String,
    pub limits: QboLimits,
    pub books: Mutex<Books>,
    pub tokens: Mutex<Tokens>,
    pub meter: Meter,
}

impl QboService {
    pub fn new(dataset: &QboDataset, limits: QboLimits, now: DateTime<Utc>) -> QboService {
        QboService {
            realm_id: dataset.realm_id.clone(),
            client_id: dataset.client_id.clone(),
            client_secret: dataset.client_secret.clone(),
            limits,
            books: Mutex::new(Books::new(Company::from_dataset(dataset, now))),
            tokens: Mutex::new(Tokens::default()),
            meter: Meter::default(),
        }
    }

    /// Whether a client id and secret are this app's (compared in constant time).
    pub fn client_ok(&self, id: &str, secret: &str) -> bool {
        constant_time_eq(id, &self.client_id) & constant_time_eq(secret, &self.client_secret)
    }

    /// Fault action `expire_token`: the request's access token expires now.
    pub fn expire_token(&self, headers: &HeaderMap, now: DateTime<Utc>) -> bool {
        bearer(headers).is_some_and(|token| lock(&self.tokens).expire(token, now))
    }
}

impl std::fmt::Debug for QboService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QboService")
            .field("realm_id", &self.realm_id)
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

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
async fn gate(State(shared): State<Arc<QboShared>>, request: Request, next: Next) -> Response {
    let now = shared.clock.now();
    let Some(qbo) = service(&shared) else {
        return missing(now);
    };
    let authorized = bearer(request.headers()).is_some_and(|token| lock(&qbo.tokens).access_ok(token, now));
    if !authorized {
        return unauthorized(now);
    }
    // Nested at `/qbo`, the path is `/v3/company/{realmId}/...`.
    let path = request.uri().path().to_owned();
    let realm = path.split('/').nth(3).unwrap_or_default();
    if realm != qbo.realm_id {
        tracing::info!(realm, "QBO request for a company the token is not connected to");
        return forbidden(now, realm);
    }
    let Some(_slot) = qbo.meter.enter(&qbo.limits) else {
        tracing::info!(limit = qbo.limits.max_concurrent, "QBO concurrency throttle");
        return throttled(now, 1);
    };
    // A batch is metered by its items, once its body is read (`batch`).
    if !path.ends_with("/batch")
        && let Err(retry_after_s) = qbo.meter.take_request(now, &qbo.limits)
    {
        tracing::info!(retry_after_s, "QBO request throttle");
        return throttled(now, retry_after_s);
    }
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
