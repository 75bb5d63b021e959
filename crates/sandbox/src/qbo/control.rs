//! The QBO part of `/_sandbox`: what a bookkeeper does in QuickBooks behind the connector's back,
//! and the `qbo` section of `/_sandbox/state`.
//!
//! - `POST /_sandbox/qbo/close-date {"bookCloseDate": "YYYY-MM-DD" | null}`
//! - `POST /_sandbox/qbo/preferences {"warnDuplicateDocNum": bool}`
//! - `POST /_sandbox/qbo/accounts/{Id}/deactivate` and `.../reactivate`
//! - `POST /_sandbox/qbo/journalentry/{Id}` with JournalEntry fields (as a sparse update: `Line`
//!   replaces every line): the entry is changed, its `SyncToken` and `LastUpdatedTime` move on
//! - `DELETE /_sandbox/qbo/journalentry/{Id}`: the entry is deleted (CDC reports it)
//!
//! Invariant: never faulted or throttled (control paths are not a service's); the state dump holds
//! token fingerprints only, never a token or the client secret.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Value, json};

use super::company::{Company, EntityKind, account_json, named_json};
use super::draft::parse_entry;
use super::wire::Node;
use super::{QboService, service};
use crate::api_error::ApiError;
use crate::locks::lock;
use crate::qbo::QboShared;

pub fn router<S: Clone + Send + Sync + 'static>(shared: Arc<QboShared>) -> Router<S> {
    Router::new()
        .route("/_sandbox/qbo/close-date", post(close_date))
        .route("/_sandbox/qbo/preferences", post(preferences))
        .route("/_sandbox/qbo/accounts/{id}/deactivate", post(|s, p| set_active(s, p, false)))
        .route("/_sandbox/qbo/accounts/{id}/reactivate", post(|s, p| set_active(s, p, true)))
        .route("/_sandbox/qbo/journalentry/{id}", post(edit_entry).delete(delete_entry))
        .with_state(shared)
}

fn qbo(shared: &QboShared) -> Result<&QboService, ApiError> {
    service(shared).ok_or_else(|| {
        ApiError::not_found("this sandbox has no QuickBooks company (the dataset has no \"qbo\" section)")
    })
}

fn summary(company: &Company) -> Value {
    json!({
        "bookCloseDate": company.book_close_date.map(|d| d.to_string()),
        "warnDuplicateDocNum": company.warn_duplicate_doc_num,
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct CloseDate {
    book_close_date: Option<String>,
}

async fn close_date(State(shared): State<Arc<QboShared>>, body: Bytes) -> Response {
    let run = || -> Result<Response, ApiError> {
        let qbo = qbo(&shared)?;
        let body: CloseDate = serde_json::from_slice(&body).map_err(|e| {
            ApiError::invalid_request(format!("expected {{\"bookCloseDate\": \"YYYY-MM-DD\" | null}}: {e}"))
        })?;
        let date = body
            .book_close_date
            .map(|d| {
                NaiveDate::parse_from_str(&d, "%Y-%m-%d").map_err(|_| {
                    ApiError::invalid_parameter("bookCloseDate", format!("{d:?} is not a date (YYYY-MM-DD)"))
                })
            })
            .transpose()?;
        let mut books = lock(&qbo.books);
        books.company.book_close_date = date;
        tracing::info!(book_close_date = ?date, "QBO books' close date set");
        Ok(axum::Json(summary(&books.company)).into_response())
    };
    run().unwrap_or_else(IntoResponse::into_response)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Preferences {
    warn_duplicate_doc_num: bool,
}

async fn preferences(State(shared): State<Arc<QboShared>>, body: Bytes) -> Response {
    let run = || -> Result<Response, ApiError> {
        let qbo = qbo(&shared)?;
        let body: Preferences = serde_json::from_slice(&body).map_err(|e| {
            ApiError::invalid_request(format!("expected {{\"warnDuplicateDocNum\": true | false}}: {e}"))
        })?;
        let mut books = lock(&qbo.books);
        books.company.warn_duplicate_doc_num = body.warn_duplicate_doc_num;
        tracing::info!(warn_duplicate_doc_num = body.warn_duplicate_doc_num, "QBO preference set");
        Ok(axum::Json(summary(&books.company)).into_response())
    };
    run().unwrap_or_else(IntoResponse::into_response)
}

async fn set_active(State(shared): State<Arc<QboShared>>, Path(id): Path<String>, active: bool) -> Response {
    let run = || -> Result<Response, ApiError> {
        let qbo = qbo(&shared)?;
        let now = shared.clock.now();
        let mut books = lock(&qbo.books);
        let account = books
            .company
            .account_mut(&id)
            .ok_or_else(|| ApiError::not_found(format!("no QBO account with Id {id:?}")))?;
        if account.active != active {
            account.active = active;
            account.meta.bump(now);
        }
        tracing::info!(account = %id, active, "QBO account (de)activated");
        let company = &books.company;
        let json = company.account(&id).map(|a| account_json(a, company)).unwrap_or_default();
        Ok(raw_json(StatusCode::OK, json))
    };
    run().unwrap_or_else(IntoResponse::into_response)
}

async fn edit_entry(State(shared): State<Arc<QboShared>>, Path(id): Path<String>, body: Bytes) -> Response {
    let run = || -> Result<Response, ApiError> {
        let qbo = qbo(&shared)?;
        let text = std::str::from_utf8(&body).map_err(|_| ApiError::invalid_request("body is not UTF-8"))?;
        let node = Node::parse(text).map_err(|e| ApiError::invalid_request(format!("body: {e}")))?;
        let fault_text = |fault: super::fault::Fault| {
            let error = fault
                .errors
                .first()
                .map(|e| format!("{} ({}): {}", e.message, e.code, e.detail))
                .unwrap_or_default();
            ApiError::invalid_request(error)
        };
        let mut draft = parse_entry(&node).map_err(fault_text)?;
        draft.id = None;
        draft.sync_token = None;
        let mut books = lock(&qbo.books);
        if books.get(&id).is_none() {
            return Err(ApiError::not_found(format!("no QBO journal entry with Id {id:?}")));
        }
        let entry = books.edit_behind(&id, draft, shared.clock.now()).map_err(fault_text)?;
        Ok(raw_json(StatusCode::OK, entry.to_json()))
    };
    run().unwrap_or_else(IntoResponse::into_response)
}

async fn delete_entry(State(shared): State<Arc<QboShared>>, Path(id): Path<String>) -> Response {
    let run = || -> Result<Response, ApiError> {
        let qbo = qbo(&shared)?;
        if !lock(&qbo.books).delete_behind(&id, shared.clock.now()) {
            return Err(ApiError::not_found(format!("no QBO journal entry with Id {id:?}")));
        }
        Ok(axum::Json(json!({"deleted": id})).into_response())
    };
    run().unwrap_or_else(IntoResponse::into_response)
}

fn raw_json(status: StatusCode, body: String) -> Response {
    (status, [(axum::http::header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// The `qbo` section of `/_sandbox/state`: the company, its journal entries as served, deleted
/// entries, token fingerprints, throttle windows and how many `requestid` answers are remembered.
/// `None` when the dataset has no `qbo` section.
pub fn state_dump(shared: &QboShared) -> Option<Box<RawValue>> {
    let qbo = service(shared)?;
    let now = shared.clock.now();
    let books = lock(&qbo.books);
    let company = &books.company;
    let list = |kind: EntityKind| -> Vec<Value> {
        company.named(kind).iter().filter_map(|n| serde_json::from_str(&named_json(kind, n)).ok()).collect()
    };
    let accounts: Vec<Value> = company
        .accounts
        .iter()
        .filter_map(|a| serde_json::from_str(&account_json(a, company)).ok())
        .collect();
    let head = json!({
        "realmId": qbo.realm_id,
        "clientId": qbo.client_id,
        "homeCurrency": company.home_currency,
        "preferences": summary(company),
        "limits": {
            "requestsPerMinute": qbo.limits.requests_per_minute, "batchRequestsPerMinute": qbo.limits.batch_requests_per_minute,
            "maxConcurrent": qbo.limits.max_concurrent, "windowSeconds": qbo.limits.window_s,
            "accessTokenLifetimeSeconds": qbo.limits.access_token_lifetime_s,
            "refreshTokenLifetimeSeconds": qbo.limits.refresh_token_lifetime_s,
            "authCodeLifetimeSeconds": qbo.limits.auth_code_lifetime_s,
        },
        "throttle": qbo.meter.dump(now, &qbo.limits),
        "accounts": accounts,
        "customers": list(EntityKind::Customer),
        "classes": list(EntityKind::Class),
        "departments": list(EntityKind::Department),
        "deletedJournalEntries": books.tombstones().iter().map(|t| json!({"Id": t.id.to_string(), "deletedAt": crate::dataset::item::timestamp(t.deleted_at)})).collect::<Vec<Value>>(),
        "tokens": lock(&qbo.tokens).dump(now),
        "rememberedRequestIds": books.remembered_count(),
    });
    // Journal entries keep their money as written: spliced in as raw JSON, never through f64.
    let entries: Vec<String> = books.entries().map(|e| e.to_json()).collect();
    let mut text = head.to_string();
    text.pop();
    text.push_str(&format!(",\"journalEntries\":[{}]}}", entries.join(",")));
    RawValue::from_string(text).ok()
}
