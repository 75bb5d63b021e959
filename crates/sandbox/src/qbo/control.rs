//! The QBO part of `/_sandbox`: what a bookkeeper does in QuickBooks behind the connector's back,
//! which company the next consent chooses, and the `qbo` section of `/_sandbox/state`.
//!
//! The bookkeeper's endpoints act on the first company of the dataset, or on the one named by
//! `?realmId=` (an unknown realm is 404):
//!
//! - `POST /_sandbox/qbo/close-date {"bookCloseDate": "YYYY-MM-DD" | null}`
//! - `POST /_sandbox/qbo/preferences {"warnDuplicateDocNum": bool}`
//! - `POST /_sandbox/qbo/accounts/{Id}/deactivate` and `.../reactivate`
//! - `POST /_sandbox/qbo/journalentry/{Id}` with JournalEntry fields (as a sparse update: `Line`
//!   replaces every line): the entry is changed, its `SyncToken` and `LastUpdatedTime` move on
//! - `DELETE /_sandbox/qbo/journalentry/{Id}`: the entry is deleted (CDC reports it)
//!
//! And the consent, which on Intuit's page is a person choosing a company:
//!
//! - `GET /_sandbox/qbo/consent`: `{"realmId": <the company the next consent chooses>,
//!   "realmIds": [<every company, in dataset order>]}`
//! - `POST /_sandbox/qbo/consent {"realmId": "..." | null}`: the next consent chooses that company
//!   (`null`: the first), answered as `GET`. The choice is spent by that consent; the one after
//!   chooses the first company again.
//!
//! Invariant: never faulted or throttled (control paths are not a service's); the state dump holds
//! token fingerprints only, never a token or the client secret.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Value, json};

use super::api::Params;
use super::company::{Company, EntityKind, account_json, named_json};
use super::draft::parse_entry;
use super::wire::Node;
use super::{QboCompany, QboService, service};
use crate::api_error::ApiError;
use crate::locks::lock;
use crate::qbo::QboShared;

pub fn router<S: Clone + Send + Sync + 'static>(shared: Arc<QboShared>) -> Router<S> {
    Router::new()
        .route("/_sandbox/qbo/close-date", post(close_date))
        .route("/_sandbox/qbo/preferences", post(preferences))
        .route("/_sandbox/qbo/accounts/{id}/deactivate", post(|s, p, q| set_active(s, p, q, false)))
        .route("/_sandbox/qbo/accounts/{id}/reactivate", post(|s, p, q| set_active(s, p, q, true)))
        .route("/_sandbox/qbo/journalentry/{id}", post(edit_entry).delete(delete_entry))
        .route("/_sandbox/qbo/consent", get(consent).post(choose_consent))
        .with_state(shared)
}

fn qbo(shared: &QboShared) -> Result<&QboService, ApiError> {
    service(shared).ok_or_else(|| {
        ApiError::not_found("this sandbox has no QuickBooks company (the dataset has no \"qbo\" section)")
    })
}

/// The company `?realmId=` names, else the first.
fn company<'a>(shared: &'a QboShared, params: &Params) -> Result<&'a QboCompany, ApiError> {
    let qbo = qbo(shared)?;
    match params.get("realmId") {
        None => Ok(&**qbo.first()),
        Some(realm) => qbo.company(realm).map(|c| &**c).ok_or_else(|| unknown_realm(qbo, realm)),
    }
}

fn unknown_realm(qbo: &QboService, realm: &str) -> ApiError {
    ApiError::not_found(format!(
        "no QuickBooks company with realmId {realm:?}; the sandbox serves {}",
        qbo.realm_ids().join(", ")
    ))
}

fn consent_json(qbo: &QboService) -> Value {
    json!({"realmId": qbo.next_consent().realm_id, "realmIds": qbo.realm_ids()})
}

async fn consent(State(shared): State<Arc<QboShared>>) -> Response {
    qbo(&shared)
        .map(|qbo| axum::Json(consent_json(qbo)).into_response())
        .unwrap_or_else(IntoResponse::into_response)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Consent {
    realm_id: Option<String>,
}

async fn choose_consent(State(shared): State<Arc<QboShared>>, body: Bytes) -> Response {
    let run = || -> Result<Response, ApiError> {
        let qbo = qbo(&shared)?;
        let body: Consent = serde_json::from_slice(&body).map_err(|e| {
            ApiError::invalid_request(format!("expected {{\"realmId\": \"...\" | null}}: {e}"))
        })?;
        if !qbo.choose_next_consent(body.realm_id.as_deref()) {
            return Err(unknown_realm(qbo, body.realm_id.as_deref().unwrap_or_default()));
        }
        tracing::info!(realm = %qbo.next_consent().realm_id, "QBO: the next consent's company chosen");
        Ok(axum::Json(consent_json(qbo)).into_response())
    };
    run().unwrap_or_else(IntoResponse::into_response)
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

async fn close_date(
    State(shared): State<Arc<QboShared>>,
    Query(params): Query<Params>,
    body: Bytes,
) -> Response {
    let run = || -> Result<Response, ApiError> {
        let qbo = company(&shared, &params)?;
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
        tracing::info!(realm = %qbo.realm_id, book_close_date = ?date, "QBO books' close date set");
        Ok(axum::Json(summary(&books.company)).into_response())
    };
    run().unwrap_or_else(IntoResponse::into_response)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Preferences {
    warn_duplicate_doc_num: bool,
}

async fn preferences(
    State(shared): State<Arc<QboShared>>,
    Query(params): Query<Params>,
    body: Bytes,
) -> Response {
    let run = || -> Result<Response, ApiError> {
        let qbo = company(&shared, &params)?;
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

async fn set_active(
    State(shared): State<Arc<QboShared>>,
    Path(id): Path<String>,
    Query(params): Query<Params>,
    active: bool,
) -> Response {
    let run = || -> Result<Response, ApiError> {
        let qbo = company(&shared, &params)?;
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

async fn edit_entry(
    State(shared): State<Arc<QboShared>>,
    Path(id): Path<String>,
    Query(params): Query<Params>,
    body: Bytes,
) -> Response {
    let run = || -> Result<Response, ApiError> {
        let qbo = company(&shared, &params)?;
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

async fn delete_entry(
    State(shared): State<Arc<QboShared>>,
    Path(id): Path<String>,
    Query(params): Query<Params>,
) -> Response {
    let run = || -> Result<Response, ApiError> {
        let qbo = company(&shared, &params)?;
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

/// The `qbo` section of `/_sandbox/state`: the first company's books, throttle windows and
/// `requestid` answers at the top level (as when a dataset had only one company), the app's
/// client id and token fingerprints, the company the next consent chooses, and `companies`: every
/// company, the first included, as the top level shows the first. `None` when the dataset has no
/// `qbo` section.
pub fn state_dump(shared: &QboShared) -> Option<Box<RawValue>> {
    let qbo = service(shared)?;
    let now = shared.clock.now();
    let companies: Vec<String> = qbo.companies.iter().map(|c| company_dump(c, now)).collect();
    let app = json!({
        "clientId": qbo.client_id,
        "tokens": lock(&qbo.tokens).dump(now),
        "nextConsentRealmId": qbo.next_consent().realm_id,
    })
    .to_string();
    // The top level is the first company's own text (one snapshot with `companies[0]`), joined
    // by the app's members and every company's.
    let first = companies.first()?.strip_prefix('{')?;
    let text = format!("{},\"companies\":[{}],{first}", app.strip_suffix('}')?, companies.join(","));
    RawValue::from_string(text).ok()
}

/// One company as JSON text.
fn company_dump(company: &QboCompany, now: chrono::DateTime<chrono::Utc>) -> String {
    let books = lock(&company.books);
    let chart = &books.company;
    let list = |kind: EntityKind| -> Vec<Value> {
        chart.named(kind).iter().filter_map(|n| serde_json::from_str(&named_json(kind, n)).ok()).collect()
    };
    let accounts: Vec<Value> =
        chart.accounts.iter().filter_map(|a| serde_json::from_str(&account_json(a, chart)).ok()).collect();
    let limits = &company.limits;
    let head = json!({
        "realmId": company.realm_id,
        "homeCurrency": chart.home_currency,
        "preferences": summary(chart),
        "limits": {
            "requestsPerMinute": limits.requests_per_minute, "batchRequestsPerMinute": limits.batch_requests_per_minute,
            "maxConcurrent": limits.max_concurrent, "windowSeconds": limits.window_s,
            "accessTokenLifetimeSeconds": limits.access_token_lifetime_s,
            "refreshTokenLifetimeSeconds": limits.refresh_token_lifetime_s,
            "authCodeLifetimeSeconds": limits.auth_code_lifetime_s,
        },
        "throttle": company.meter.dump(now, limits),
        "accounts": accounts,
        "customers": list(EntityKind::Customer),
        "classes": list(EntityKind::Class),
        "departments": list(EntityKind::Department),
        "deletedJournalEntries": books.tombstones().iter().map(|t| json!({"Id": t.id.to_string(), "deletedAt": crate::dataset::item::timestamp(t.deleted_at)})).collect::<Vec<Value>>(),
        "rememberedRequestIds": books.remembered_count(),
    });
    // Journal entries keep their money as written: spliced in as raw JSON, never through f64.
    let entries: Vec<String> = books.entries().map(|e| e.to_json()).collect();
    let mut text = head.to_string();
    text.pop();
    text.push_str(&format!(",\"journalEntries\":[{}]}}", entries.join(",")));
    text
}
