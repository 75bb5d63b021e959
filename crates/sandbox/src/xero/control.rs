//! `/_sandbox/xero/...`: what a bookkeeper does in Xero behind the connector's back, which
//! organisations the next consent covers, and the `xero` section of `/_sandbox/state`. Never
//! faulted, never rate-limited.
//!
//! The bookkeeper's endpoints act on the first organisation of the dataset, or on the one named by
//! `?tenantId=` (an unknown tenant is 404):
//!
//! - `POST /_sandbox/xero/lock-date {"lockDate": "YYYY-MM-DD" | null}`
//! - `POST /_sandbox/xero/accounts/{code}/archive` and `.../unarchive`
//! - `POST /_sandbox/xero/manualjournals/{id}` with Xero-shaped fields (`Narration`, `Date`,
//!   `JournalLines`, ...): an edit, checked like the API's but past the lock date (an adviser can)
//! - `POST /_sandbox/xero/manualjournals/{id}/void`, `DELETE /_sandbox/xero/manualjournals/{id}`
//! - the same three for `banktransactions`
//!
//! And the consent, which on Xero's page is a person ticking organisations:
//!
//! - `GET /_sandbox/xero/consent`: `{"tenantIds": [<what the next consent covers>],
//!   "organisations": [{"tenantId", "tenantName"}, ...every one, in dataset order]}`
//! - `POST /_sandbox/xero/consent {"tenantIds": ["...", ...] | null}`: the next consent covers
//!   those organisations (`null`: every one; an empty list is refused), answered as `GET`. The
//!   choice is spent by that consent; the one after covers every organisation again.
//!
//! Every change bumps the record's `UpdatedDateUTC`. Tokens appear only as hash fingerprints.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::bank::check as bank_check;
use super::input::{BankTransactionIn, JournalIn};
use super::journals::check::{self as journal_check, LockDate};
use super::reference::account_json;
use super::views::{saved_bank_transaction, saved_journal};
use super::{Organisation, XeroState, service};
use crate::api_error::{ApiError, ApiResult};
use crate::locks::lock;
use crate::xero::XeroShared;

mod dump;
pub use self::dump::dump;

pub fn router<S: Clone + Send + Sync + 'static>(shared: Arc<XeroShared>) -> Router<S> {
    Router::new()
        .route("/_sandbox/xero/lock-date", post(lock_date))
        .route("/_sandbox/xero/accounts/{code}/{action}", post(account_status))
        .route("/_sandbox/xero/manualjournals/{id}", post(edit_journal).delete(delete_journal))
        .route("/_sandbox/xero/manualjournals/{id}/void", post(void_journal))
        .route("/_sandbox/xero/banktransactions/{id}", post(edit_bank).delete(delete_bank))
        .route("/_sandbox/xero/banktransactions/{id}/void", post(void_bank))
        .route("/_sandbox/xero/consent", get(consent).post(choose_consent))
        .with_state(shared)
}

fn xero(shared: &XeroShared) -> ApiResult<&XeroState> {
    service(shared).ok_or_else(|| ApiError::not_found("this sandbox's dataset has no \"xero\" section"))
}

/// `?tenantId=`, which names the organisation a bookkeeper's endpoint acts on.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Tenant {
    tenant_id: Option<String>,
}

type TenantQuery = Query<Tenant>;

/// The organisation `?tenantId=` names, else the first.
fn organisation<'a>(shared: &'a XeroShared, tenant: &Tenant) -> ApiResult<&'a Organisation> {
    let xero = xero(shared)?;
    match &tenant.tenant_id {
        None => Ok(&**xero.first()),
        Some(id) => xero.organisation(id).map(|o| &**o).ok_or_else(|| {
            ApiError::not_found(format!(
                "no Xero organisation with tenantId {id:?}; the sandbox serves {}",
                xero.tenant_ids().join(", ")
            ))
        }),
    }
}

fn consent_json(xero: &XeroState) -> Value {
    json!({
        "tenantIds": xero.next_consent().iter().map(|o| o.tenant_id.as_str()).collect::<Vec<&str>>(),
        "organisations": xero.organisations.iter()
            .map(|o| json!({"tenantId": o.tenant_id, "tenantName": o.tenant_name}))
            .collect::<Vec<Value>>(),
    })
}

async fn consent(State(shared): State<Arc<XeroShared>>) -> Response {
    answer(xero(&shared).map(|xero| axum::Json(consent_json(xero)).into_response()))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Consent {
    tenant_ids: Option<Vec<String>>,
}

async fn choose_consent(State(shared): State<Arc<XeroShared>>, body: Bytes) -> Response {
    answer((|| {
        let xero = xero(&shared)?;
        let body: Consent = serde_json::from_slice(&body).map_err(|e| {
            ApiError::invalid_request(format!("expected {{\"tenantIds\": [\"...\", ...] | null}}: {e}"))
        })?;
        xero.choose_next_consent(body.tenant_ids.as_deref()).map_err(|message| {
            ApiError::invalid_parameter(
                "tenantIds",
                format!("{message}; the sandbox serves {}", xero.tenant_ids().join(", ")),
            )
        })?;
        tracing::info!(tenants = xero.next_consent().len(), "Xero: the next consent's organisations chosen");
        Ok(axum::Json(consent_json(xero)).into_response())
    })())
}

fn answer(result: ApiResult) -> Response {
    result.unwrap_or_else(IntoResponse::into_response)
}

async fn lock_date(
    State(shared): State<Arc<XeroShared>>,
    Query(tenant): TenantQuery,
    body: Bytes,
) -> Response {
    answer((|| {
        let org = organisation(&shared, &tenant)?;
        let value: Value = serde_json::from_slice(&body).map_err(|e| {
            ApiError::invalid_request(format!("expected {{\"lockDate\": \"YYYY-MM-DD\" | null}}: {e}"))
        })?;
        let date = match value.get("lockDate") {
            Some(Value::Null) => None,
            Some(Value::String(text)) => Some(NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
                ApiError::invalid_parameter("lockDate", format!("{text:?} is not a date (YYYY-MM-DD)"))
            })?),
            _ => return Err(ApiError::invalid_request("expected {\"lockDate\": \"YYYY-MM-DD\" | null}")),
        };
        lock(&org.books).lock_date = date;
        tracing::info!(tenant = %org.tenant_id, lock_date = ?date, "Xero lock date set");
        Ok(axum::Json(json!({"lockDate": date.map(|d| d.to_string())})).into_response())
    })())
}

async fn account_status(
    State(shared): State<Arc<XeroShared>>,
    Path((code, action)): Path<(String, String)>,
    Query(tenant): TenantQuery,
) -> Response {
    answer((|| {
        let org = organisation(&shared, &tenant)?;
        let status = match action.as_str() {
            "archive" => "ARCHIVED",
            "unarchive" => "ACTIVE",
            other => return Err(ApiError::not_found(format!("no action {other:?}: archive or unarchive"))),
        };
        let now = shared.clock.bump_time();
        let mut books = lock(&org.books);
        let account = books
            .account_by_code_mut(&code)
            .ok_or_else(|| ApiError::not_found(format!("no Xero account with code {code:?}")))?;
        account.status = status.to_owned();
        account.updated_at = now;
        tracing::info!(code = %code, status, "Xero account status changed");
        Ok(axum::Json(account_json(account)).into_response())
    })())
}

fn refused(errors: &[String]) -> ApiError {
    ApiError::invalid_request(errors.join("; ")).with_details(json!({ "validationErrors": errors }))
}

fn json_of<T: Serialize>(view: &T) -> Response {
    match serde_json::to_string(view) {
        Ok(text) => super::wire::json_response(StatusCode::OK, text),
        Err(e) => {
            ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal_error", e.to_string()).into_response()
        }
    }
}

async fn edit_journal(
    State(shared): State<Arc<XeroShared>>,
    Path(id): Path<String>,
    Query(tenant): TenantQuery,
    body: Bytes,
) -> Response {
    answer((|| {
        let org = organisation(&shared, &tenant)?;
        let input: JournalIn = serde_json::from_slice(&body)
            .map_err(|e| ApiError::invalid_request(format!("expected a Xero ManualJournal object: {e}")))?;
        let mut books = lock(&org.books);
        let existing =
            books.journal(&id).ok_or_else(|| ApiError::not_found(format!("no manual journal {id}")))?;
        let today = shared.clock.now().date_naive();
        let checked = journal_check::check(&input, Some(existing), &books, today, LockDate::Ignore)
            .map_err(ApiError::invalid_request)?;
        if !checked.findings.errors.is_empty() {
            return Err(refused(&checked.findings.errors));
        }
        let mut journal = checked.journal;
        journal.updated_at = shared.clock.bump_time();
        books.save_journal(journal.clone());
        tracing::info!(id = %id, "Xero manual journal edited behind the connector's back");
        Ok(json_of(&saved_journal(&journal, true)))
    })())
}

fn set_journal_status(shared: &XeroShared, tenant: &Tenant, id: &str, status: &str) -> ApiResult {
    let org = organisation(shared, tenant)?;
    let mut books = lock(&org.books);
    let journal =
        books.journal_mut(id).ok_or_else(|| ApiError::not_found(format!("no manual journal {id}")))?;
    if status == "VOIDED" && journal.status != "POSTED" {
        return Err(ApiError::invalid_request(format!(
            "only a POSTED journal can be voided; this one is {}",
            journal.status
        )));
    }
    journal.status = status.to_owned();
    journal.updated_at = shared.clock.bump_time();
    tracing::info!(id = %id, status, "Xero manual journal status changed behind the connector's back");
    Ok(json_of(&saved_journal(journal, true)))
}

async fn void_journal(
    State(shared): State<Arc<XeroShared>>,
    Path(id): Path<String>,
    Query(tenant): TenantQuery,
) -> Response {
    answer(set_journal_status(&shared, &tenant, &id, "VOIDED"))
}

async fn delete_journal(
    State(shared): State<Arc<XeroShared>>,
    Path(id): Path<String>,
    Query(tenant): TenantQuery,
) -> Response {
    answer(set_journal_status(&shared, &tenant, &id, "DELETED"))
}

async fn edit_bank(
    State(shared): State<Arc<XeroShared>>,
    Path(id): Path<String>,
    Query(tenant): TenantQuery,
    body: Bytes,
) -> Response {
    answer((|| {
        let org = organisation(&shared, &tenant)?;
        let input: BankTransactionIn = serde_json::from_slice(&body)
            .map_err(|e| ApiError::invalid_request(format!("expected a Xero BankTransaction object: {e}")))?;
        let mut books = lock(&org.books);
        let existing = books
            .bank_transaction(&id)
            .ok_or_else(|| ApiError::not_found(format!("no bank transaction {id}")))?;
        let today = shared.clock.now().date_naive();
        let checked = bank_check::check(&input, Some(existing), &books, today, 4, LockDate::Ignore)
            .map_err(ApiError::invalid_request)?;
        if !checked.findings.errors.is_empty() {
            return Err(refused(&checked.findings.errors));
        }
        let mut transaction = checked.transaction;
        if let Some(name) = checked.new_contact {
            let contact = books.add_contact(&name, shared.clock.now());
            transaction.contact = Some((contact.id, contact.name));
        }
        transaction.updated_at = shared.clock.bump_time();
        books.save_bank_transaction(transaction.clone());
        tracing::info!(id = %id, "Xero bank transaction edited behind the connector's back");
        Ok(json_of(&saved_bank_transaction(&transaction, true)))
    })())
}

fn set_bank_status(shared: &XeroShared, tenant: &Tenant, id: &str, status: &str) -> ApiResult {
    let org = organisation(shared, tenant)?;
    let mut books = lock(&org.books);
    let found = books
        .bank_transaction_mut(id)
        .ok_or_else(|| ApiError::not_found(format!("no bank transaction {id}")))?;
    found.status = status.to_owned();
    found.updated_at = shared.clock.bump_time();
    tracing::info!(id = %id, status, "Xero bank transaction status changed behind the connector's back");
    Ok(json_of(&saved_bank_transaction(found, true)))
}

async fn void_bank(
    State(shared): State<Arc<XeroShared>>,
    Path(id): Path<String>,
    Query(tenant): TenantQuery,
) -> Response {
    answer(set_bank_status(&shared, &tenant, &id, "VOIDED"))
}

async fn delete_bank(
    State(shared): State<Arc<XeroShared>>,
    Path(id): Path<String>,
    Query(tenant): TenantQuery,
) -> Response {
    answer(set_bank_status(&shared, &tenant, &id, "DELETED"))
}
