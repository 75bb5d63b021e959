//! The Xero sandbox under `/xero` (Xero's `https://api.xero.com`, with Xero Identity's
//! `https://identity.xero.com` and `https://login.xero.com/identity` both under `/xero/identity`):
//! OAuth 2.0 with PKCE, refresh-token rotation and custom connections (`oauth`, `tokens`),
//! `/connections` (`connections`), and the Accounting API under `/xero/api.xro/2.0`: manual
//! journals (`journals`), bank transactions (`bank`), accounts, tracking categories, contacts and
//! the organisation (`reference`), behind the `gate` (token, tenant, `limits`, `idempotency`).
//! One app reaches one organisation or several (`app`): the `xero-tenant-id` header picks the
//! organisation, whose books, limits and idempotency keys are its own, and the gate hands it to
//! the handler in the request's extensions (`InTenant`). `/_sandbox/xero/...` (`control`) lets
//! tests act as a bookkeeper and choose what the next consent covers.
//!
//! It answers as Xero does on the wire (reference/qbo-xero-apis.md part B, Xero's OpenAPI spec,
//! and what xero-python and xero-node send and parse): PascalCase fields, `/Date(ms+0000)/`,
//! money as numbers with two decimals, the `Id`/`Status`/`ProviderName`/`DateTimeUTC` envelope,
//! Xero's error bodies and status codes.
//!
//! Invariants: money is read from the request text into `Decimal` and never through a float;
//! tokens are kept only as SHA-256 hashes; every time is the sandbox clock's; a write either
//! saves an element whole or not at all.

mod app;
pub mod bank;
mod books;
mod checks;
pub mod connections;
pub mod control;
mod documents;
mod filter;
mod form;
mod gate;
mod idempotency;
mod input;
mod journals;
pub mod limits;
mod lists;
mod oauth;
mod reference;
mod tokens;
mod views;
pub mod wire;

use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{Method, StatusCode, Uri};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Extension, Router};
use tower::ServiceExt;

pub use self::app::{Organisation, XeroState};
use self::books::{BankTransaction, ManualJournal};
pub use self::limits::XeroLimits;
use super::clock::Clock;

/// What the Xero handlers see: the sandbox's clock and the app with its organisations, if the
/// dataset has a `xero` section. Nothing of the other services.
pub struct XeroShared {
    pub clock: Arc<Clock>,
    pub xero_service: Option<XeroState>,
}

/// The organisation a call's `xero-tenant-id` names, as the gate found it (every accounting
/// handler runs after it).
pub type InTenant = Extension<Arc<Organisation>>;

/// The Xero service, when the dataset has a `xero` section.
pub fn service(shared: &XeroShared) -> Option<&XeroState> {
    shared.xero_service.as_ref()
}

/// The accounting endpoints (paths under `api.xro/2.0`) in Xero's spelling: requests are
/// matched in any case, as Xero does, by rewriting them to these.
const API_PATHS: [&str; 6] =
    ["ManualJournals", "BankTransactions", "Accounts", "TrackingCategories", "Contacts", "Organisation"];
const API_PREFIX: &str = "/api.xro/2.0";

/// The routes, to be nested at `paths::XERO_API_BASE` (`/xero`).
pub fn router<S: Clone + Send + Sync + 'static>(shared: Arc<XeroShared>) -> Router<S> {
    if shared.xero_service.is_none() {
        return Router::new().fallback(|| async { not_served() });
    }
    let api = Router::new()
        .route(
            "/ManualJournals",
            get(documents::list::<ManualJournal>)
                .put(documents::put::<ManualJournal>)
                .post(documents::post::<ManualJournal>),
        )
        .route(
            "/ManualJournals/{id}",
            get(documents::get_one::<ManualJournal>).post(documents::post_one::<ManualJournal>),
        )
        .route(
            "/BankTransactions",
            get(documents::list::<BankTransaction>)
                .put(documents::put::<BankTransaction>)
                .post(documents::post::<BankTransaction>),
        )
        .route(
            "/BankTransactions/{id}",
            get(documents::get_one::<BankTransaction>).post(documents::post_one::<BankTransaction>),
        )
        .route("/Accounts", get(reference::accounts))
        .route("/TrackingCategories", get(reference::tracking_categories))
        .route("/Contacts", get(reference::contacts))
        .route("/Organisation", get(reference::organisation))
        .route_layer(middleware::from_fn_with_state(Arc::clone(&shared), gate::gate))
        .layer(DefaultBodyLimit::max(gate::MAX_BODY_BYTES));
    Router::new()
        .nest(API_PREFIX, api)
        .route("/identity/connect/authorize", get(oauth::authorize))
        .route("/identity/connect/token", post(oauth::token))
        .route("/identity/connect/revocation", post(oauth::revocation))
        .route("/identity/.well-known/openid-configuration", get(oauth::discovery))
        .route("/connections", get(connections::list))
        .route("/Connections", get(connections::list))
        .route("/connections/{id}", delete(connections::delete))
        .route("/Connections/{id}", delete(connections::delete))
        .fallback(fallback)
        .with_state(shared)
}

/// `/api.xro/2.0/manualjournals` is `/api.xro/2.0/ManualJournals`; anything else is Xero's 404.
async fn fallback(State(shared): State<Arc<XeroShared>>, method: Method, request: Request) -> Response {
    let uri = request.uri().clone();
    let Some(canonical) = canonical_path(uri.path()) else {
        tracing::debug!(%method, path = uri.path(), "no Xero endpoint");
        return wire::not_found();
    };
    let rewritten = match uri.query() {
        Some(query) => format!("{canonical}?{query}"),
        None => canonical,
    };
    let Ok(rewritten) = rewritten.parse::<Uri>() else { return wire::not_found() };
    let (mut parts, body) = request.into_parts();
    parts.uri = rewritten;
    let inner: Router = router(shared);
    match inner.oneshot(Request::from_parts(parts, body)).await {
        Ok(response) => response,
        Err(never) => match never {},
    }
}

/// The canonical spelling of an accounting path written in another case.
fn canonical_path(path: &str) -> Option<String> {
    let prefix = path.get(..API_PREFIX.len()).filter(|p| p.eq_ignore_ascii_case(API_PREFIX))?;
    let rest = path[prefix.len()..].strip_prefix('/')?;
    let (head, tail) = rest.split_once('/').map_or((rest, None), |(h, t)| (h, Some(t)));
    let known = API_PATHS.iter().find(|p| p.eq_ignore_ascii_case(head))?;
    let canonical = match tail {
        Some(tail) => format!("{API_PREFIX}/{known}/{tail}"),
        None => format!("{API_PREFIX}/{known}"),
    };
    (canonical != path).then_some(canonical)
}

/// What `/xero/...` answers when the dataset has no `xero` section.
pub fn not_served() -> Response {
    (
        StatusCode::NOT_FOUND,
        "this sandbox's dataset has no \"xero\" section, so no Xero organisation is served",
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_in_any_case() {
        assert_eq!(
            canonical_path("/api.xro/2.0/manualjournals").as_deref(),
            Some("/api.xro/2.0/ManualJournals")
        );
        assert_eq!(
            canonical_path("/API.XRO/2.0/banktransactions/abc").as_deref(),
            Some("/api.xro/2.0/BankTransactions/abc")
        );
        assert_eq!(canonical_path("/api.xro/2.0/ManualJournals"), None, "already canonical: a real 404");
        assert_eq!(canonical_path("/api.xro/2.0/Invoices"), None);
        assert_eq!(canonical_path("/identity/x"), None);
    }
}
