//! `GET /connections` (the tenants a token's app is connected to, one connection each, in the order
//! they were connected; `?authEventId=` keeps those a consent made or renewed) and
//! `DELETE /connections/{id}` (disconnect: the app's tokens stop reaching that tenant, 403). Both
//! are tenant-less calls: they count against the app's minute limit only and carry only
//! `X-AppMinLimit-Remaining`. A custom connection's token sees its one tenant.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::limits::Remaining;
use super::tokens::{GrantKind, Refused};
use super::wire::{Failure, connection_time, new_guid, not_found};
use super::{Organisation, XeroState, form, service};
use crate::bearer::bearer;
use crate::locks::lock;
use crate::xero::XeroShared;

/// The caller's app and grant kind, its auth event, and the app limit's count after this call.
fn caller(
    shared: &XeroShared,
    xero: &XeroState,
    headers: &HeaderMap,
) -> Result<(String, GrantKind, String, Remaining), Failure> {
    let now = shared.clock.now();
    let token = bearer(headers).ok_or(Failure::Unauthorized)?;
    let (client_id, kind, event) = {
        let identity = lock(&xero.identity);
        let grant = identity.authenticate(token, now).map_err(|refused| match refused {
            Refused::Expired(at) => Failure::TokenExpired(at),
            Refused::Unknown => Failure::Unauthorized,
        })?;
        (grant.client_id.clone(), grant.kind, grant.auth_event_id.clone())
    };
    let remaining = lock(&xero.app_limiter).take(now, &xero.limits).map_err(Failure::RateLimited)?;
    Ok((client_id, kind, event, remaining))
}

fn connection_json(
    organisation: &Organisation,
    id: &str,
    event: &str,
    created: DateTime<Utc>,
    updated: DateTime<Utc>,
) -> Value {
    json!({"id": id, "authEventId": event, "tenantId": organisation.tenant_id, "tenantType": "ORGANISATION",
        "tenantName": organisation.tenant_name, "createdDateUtc": connection_time(created),
        "updatedDateUtc": connection_time(updated)})
}

pub async fn list(State(shared): State<Arc<XeroShared>>, headers: HeaderMap, uri: Uri) -> Response {
    let Some(xero) = service(&shared) else { return not_found() };
    let (client_id, kind, event, remaining) = match caller(&shared, xero, &headers) {
        Ok(caller) => caller,
        Err(failure) => return failure.into_response(),
    };
    let filter = form::get(&form::query(&uri), "authEventId").map(str::to_owned);
    let connections: Vec<Value> = match kind {
        GrantKind::ClientCredentials => xero
            .custom_organisation()
            .map(|o| connection_json(o, &xero.custom_connection_id, &event, xero.started_at, xero.started_at))
            .into_iter()
            .collect(),
        GrantKind::AuthorizationCode => lock(&xero.identity)
            .connections
            .iter()
            .filter(|c| c.client_id == client_id)
            .filter(|c| filter.as_deref().is_none_or(|f| f.eq_ignore_ascii_case(&c.auth_event_id)))
            .filter_map(|c| {
                let organisation = xero.organisation(&c.tenant_id)?;
                Some(connection_json(organisation, &c.id, &c.auth_event_id, c.created_at, c.updated_at))
            })
            .collect(),
    };
    let mut response = axum::Json(connections).into_response();
    remaining.write_headers(response.headers_mut());
    response
}

pub async fn delete(
    State(shared): State<Arc<XeroShared>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let Some(xero) = service(&shared) else { return not_found() };
    let (client_id, _, _, remaining) = match caller(&shared, xero, &headers) {
        Ok(caller) => caller,
        Err(failure) => return failure.into_response(),
    };
    let removed = lock(&xero.identity).disconnect(&client_id, &id);
    tracing::info!(client_id = %client_id, removed, "Xero connection delete");
    let mut response = if removed { StatusCode::NO_CONTENT.into_response() } else { not_found() };
    remaining.write_headers(response.headers_mut());
    response
}

/// The stable id of a custom connection's one connection.
pub fn custom_connection_id() -> String {
    new_guid()
}
