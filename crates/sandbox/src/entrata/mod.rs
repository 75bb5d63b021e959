//! The Entrata sandbox: the normalized REST API of spec/source-api.md under
//! `/entrata/integrations/{integrationId}`, as the connector's real client sees it in production.
//!
//! Every request passes the gate first: an unknown integration id is `404`; then the rate limit
//! (headers on every answer, `429` over it); then each handler checks the bearer token and the
//! entitlement its endpoint needs.

pub mod create;
pub mod lists;
pub mod rate_limit;
pub mod sessions;
mod state;

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};

pub use self::state::{EntrataLimits, EntrataShared};
use super::dataset::schema::EntrataKind;
use super::locks::lock;
use super::paths::{ENTRATA_MOUNT, entrata_integration};
use crate::api_error::ApiError;

/// The Entrata routes, to be nested at `ENTRATA_MOUNT` (`/entrata`).
pub fn router<S: Clone + Send + Sync + 'static>(shared: Arc<EntrataShared>) -> Router<S> {
    let base = "/integrations/{integration_id}";
    let scoped = |kind| scoped_list(kind);
    Router::new()
        .route(&format!("{base}/sessions"), post(sessions::login))
        .route(&format!("{base}/sessions/refresh"), post(sessions::refresh))
        .route(&format!("{base}/properties"), global_list(EntrataKind::Properties))
        .route(&format!("{base}/ar-codes"), global_list(EntrataKind::ArCodes))
        .route(&format!("{base}/properties/{{property_id}}/units"), scoped(EntrataKind::Units))
        .route(
            &format!("{base}/properties/{{property_id}}/leases"),
            scoped(EntrataKind::Leases).post(create::create_lease),
        )
        .route(&format!("{base}/properties/{{property_id}}/charges"), scoped(EntrataKind::Charges))
        .route(&format!("{base}/properties/{{property_id}}/payments"), scoped(EntrataKind::Payments))
        .route(&format!("{base}/properties/{{property_id}}/deposits"), scoped(EntrataKind::Deposits))
        .route(
            &format!("{base}/properties/{{property_id}}/work-orders"),
            scoped(EntrataKind::WorkOrders).post(create::create_work_order),
        )
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(Arc::clone(&shared), gate))
        .with_state(shared)
}

fn global_list(kind: EntrataKind) -> MethodRouter<Arc<EntrataShared>> {
    get(move |State(shared): State<Arc<EntrataShared>>, headers: HeaderMap, uri: Uri| async move {
        lists::list(&shared, &headers, &uri, kind, None)
    })
}

fn scoped_list(kind: EntrataKind) -> MethodRouter<Arc<EntrataShared>> {
    get(
        move |State(shared): State<Arc<EntrataShared>>,
              Path((_, property)): Path<(String, String)>,
              headers: HeaderMap,
              uri: Uri| async move { lists::list(&shared, &headers, &uri, kind, Some(&property)) },
    )
}

/// Integration id, then rate limit; the rate-limit headers go on every answer of a known integration.
async fn gate(State(shared): State<Arc<EntrataShared>>, request: Request, next: Next) -> Response {
    let path = full_path(request.uri());
    match entrata_integration(&path) {
        Some(id) if id == shared.integration_id => {}
        Some(id) => return ApiError::not_found(format!("unknown integration {id:?}")).into_response(),
        None => {
            return ApiError::not_found(format!("no endpoint {} {path}", request.method())).into_response();
        }
    }
    let state = lock(&shared.rate).take(shared.now_ns(), &shared.limits);
    let mut response = if state.allowed {
        next.run(request).await
    } else {
        tracing::info!(retry_after_s = state.reset_s, "Entrata rate limit reached");
        ApiError::rate_limited(state.reset_s).into_response()
    };
    state.write_headers(response.headers_mut());
    response
}

/// The request path as the client sent it: nesting strips the mount point from the URI.
fn full_path(uri: &Uri) -> String {
    format!("{ENTRATA_MOUNT}{}", uri.path())
}

async fn not_found(method: Method, uri: Uri) -> Response {
    ApiError::not_found(format!("no endpoint {method} {}", full_path(&uri))).into_response()
}

async fn method_not_allowed(method: Method, uri: Uri) -> Response {
    let message = format!("{method} is not allowed on {}", full_path(&uri));
    ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", message).into_response()
}
