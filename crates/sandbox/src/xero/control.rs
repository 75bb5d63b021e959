//! `/_sandbox/xero/...`: what a bookkeeper does in Xero behind the connector's back, and the
//! `xero` section of `/_sandbox/state`. Never faulted, never rate-limited.
//!
//! - `POST /_sandbox/xero/lock-date {"lockDate": "YYYY-MM-DD" | null}`
//! - `POST /_sandbox/xero/accounts/{code}/archive` and `.../unarchive`
//! - `POST /_sandbox/xero/manualjournals/{id}` with Xero-shaped fields (`Narration`, `Date`,
//!   `JournalLines`, ...): an edit, checked like the API's but past the lock date (an adviser can)
//! - `POST /_sandbox/xero/manualjournals/{id}/void`, `DELETE /_sandbox/xero/manualjournals/{id}`
//! - the same three for `banktransactions`
//!
//! Every change bumps the record's `UpdatedDateUTC`. Tokens appear only as hash fingerprints.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use chrono::NaiveDate;
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{Value, json};

use super::bank::check as bank_check;
use super::input::{BankTransactionIn, JournalIn};
use super::journals::check::{self as journal_check, LockDate};
use super::reference::{account_json, contact_json, tracking_json};
use super::tokens::{GrantKind, fingerprint};
use super::views::{BankTransactionView, JournalView, saved_bank_transaction, saved_journal};
use super::{XeroState, service};
use crate::api_error::{ApiError, ApiResult};
use crate::dataset::item::timestamp;
use crate::locks::lock;
use crate::xero::XeroShared;

pub fn router<S: Clone + Send + Sync + 'static>(shared: Arc<XeroShared>) -> Router<S> {
    Router::new()
        .route("/_sandbox/xero/lock-date", post(lock_date))
        .route("/_sandbox/xero/accounts/{code}/{action}", post(account_status))
        .route("/_sandbox/xero/manualjournals/{id}", post(edit_journal).delete(delete_journal))
        .route("/_sandbox/xero/manualjournals/{id}/void", post(void_journal))
        .route("/_sandbox/xero/banktransactions/{id}", post(edit_bank).delete(delete_bank))
        .route("/_sandbox/xero/banktransactions/{id}/void", post(void_bank))
        .with_state(shared)
}

fn xero(shared: &XeroShared) -> ApiResult<&XeroState> {
    service(shared).ok_or_else(|| ApiError::not_found("this sandbox's dataset has no \"xero\" section"))
}

fn answer(result: ApiResult) -> Response {
    result.unwrap_or_else(IntoResponse::into_response)
}

async fn lock_date(State(shared): State<Arc<XeroShared>>, body: Bytes) -> Response {
    answer((|| {
        let xero = xero(&shared)?;
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
        lock(&xero.books).lock_date = date;
        tracing::info!(lock_date = ?date, "Xero lock date set");
        Ok(axum::Json(json!({"lockDate": date.map(|d| d.to_string())})).into_response())
    })())
}

async fn account_status(
    State(shared): State<Arc<XeroShared>>,
    Path((code, action)): Path<(String, String)>,
) -> Response {
    answer((|| {
        let xero = xero(&shared)?;
        let status = match action.as_str() {
            "archive" => "ARCHIVED",
            "unarchive" => "ACTIVE",
            other => return Err(ApiError::not_found(format!("no action {other:?}: archive or unarchive"))),
        };
        let now = shared.clock.bump_time();
        let mut books = lock(&xero.books);
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
    body: Bytes,
) -> Response {
    answer((|| {
        let xero = xero(&shared)?;
        let input: JournalIn = serde_json::from_slice(&body)
            .map_err(|e| ApiError::invalid_request(format!("expected a Xero ManualJournal object: {e}")))?;
        let mut books = lock(&xero.books);
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

fn set_journal_status(shared: &XeroShared, id: &str, status: &str) -> ApiResult {
    let xero = xero(shared)?;
    let mut books = lock(&xero.books);
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

async fn void_journal(State(shared): State<Arc<XeroShared>>, Path(id): Path<String>) -> Response {
    answer(set_journal_status(&shared, &id, "VOIDED"))
}

async fn delete_journal(State(shared): State<Arc<XeroShared>>, Path(id): Path<String>) -> Response {
    answer(set_journal_status(&shared, &id, "DELETED"))
}

async fn edit_bank(State(shared): State<Arc<XeroShared>>, Path(id): Path<String>, body: Bytes) -> Response {
    answer((|| {
        let xero = xero(&shared)?;
        let input: BankTransactionIn = serde_json::from_slice(&body)
            .map_err(|e| ApiError::invalid_request(format!("expected a Xero BankTransaction object: {e}")))?;
        let mut books = lock(&xero.books);
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

fn set_bank_status(shared: &XeroShared, id: &str, status: &str) -> ApiResult {
    let xero = xero(shared)?;
    let mut books = lock(&xero.books);
    let found = books
        .bank_transaction_mut(id)
        .ok_or_else(|| ApiError::not_found(format!("no bank transaction {id}")))?;
    found.status = status.to_owned();
    found.updated_at = shared.clock.bump_time();
    tracing::info!(id = %id, status, "Xero bank transaction status changed behind the connector's back");
    Ok(json_of(&saved_bank_transaction(found, true)))
}

async fn void_bank(State(shared): State<Arc<XeroShared>>, Path(id): Path<String>) -> Response {
    answer(set_bank_status(&shared, &id, "VOIDED"))
}

async fn delete_bank(State(shared): State<Arc<XeroShared>>, Path(id): Path<String>) -> Response {
    answer(set_bank_status(&shared, &id, "DELETED"))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Dump<'a> {
    tenant_id: &'a str,
    tenant_name: &'a str,
    client_id: &'a str,
    custom_connection: bool,
    base_currency: &'a str,
    lock_date: Option<String>,
    limits: Value,
    rate_limit: Value,
    accounts: Vec<Value>,
    contacts: Vec<Value>,
    tracking_categories: Vec<Value>,
    manual_journals: Vec<JournalView<'a>>,
    bank_transactions: Vec<BankTransactionView<'a>>,
    grants: Vec<Value>,
    access_tokens: Vec<Value>,
    refresh_tokens: Vec<Value>,
    authorization_codes: usize,
    connections: Vec<Value>,
    idempotency_keys: Vec<Value>,
}

/// The `xero` section of `/_sandbox/state`; `None` when the dataset has no Xero organisation.
pub fn dump(shared: &XeroShared) -> Option<Box<RawValue>> {
    let xero = service(shared)?;
    let now = shared.clock.now();
    let limits = xero.limits;
    let (remaining, in_flight) = lock(&xero.limiter).peek(now, &limits);
    let (day, minute) = remaining.tenant.unwrap_or_default();
    let books = lock(&xero.books);
    let identity = lock(&xero.identity);
    let mut access: Vec<_> = identity.access.iter().collect();
    access.sort_by_key(|(hash, t)| (t.issued_at, hash.as_str()));
    let mut refresh: Vec<_> = identity.refresh.iter().collect();
    refresh.sort_by_key(|(hash, t)| (t.issued_at, hash.as_str()));
    let dump = Dump {
        tenant_id: &xero.tenant_id,
        tenant_name: &xero.tenant_name,
        client_id: &xero.client_id,
        custom_connection: xero.custom_connection,
        base_currency: &books.base_currency,
        lock_date: books.lock_date.map(|d| d.to_string()),
        limits: json!({"callsPerMinute": limits.calls_per_minute, "callsPerDay": limits.calls_per_day,
            "concurrentCalls": limits.concurrent_calls, "appCallsPerMinute": limits.app_calls_per_minute,
            "accessTokenLifetimeSeconds": limits.access_token_lifetime_s, "refreshGraceSeconds": limits.refresh_grace_s,
            "idempotencyWindowSeconds": limits.idempotency_window_s}),
        rate_limit: json!({"dayRemaining": day, "minuteRemaining": minute,
            "appMinuteRemaining": remaining.app_minute, "inFlight": in_flight}),
        accounts: books.accounts.iter().map(account_json).collect(),
        contacts: books.contacts.iter().map(contact_json).collect(),
        tracking_categories: books.tracking.iter().map(|t| tracking_json(t, true)).collect(),
        manual_journals: books.journals.iter().map(|j| saved_journal(j, true)).collect(),
        bank_transactions: books.bank_transactions.iter().map(|t| saved_bank_transaction(t, true)).collect(),
        grants: identity
            .grants
            .iter()
            .enumerate()
            .map(|(i, g)| json!({"grant": i, "kind": match g.kind { GrantKind::AuthorizationCode => "authorization_code", GrantKind::ClientCredentials => "client_credentials" },
                "clientId": g.client_id, "scope": g.scope, "authEventId": g.auth_event_id, "public": g.public,
                "createdAt": timestamp(g.created_at), "revoked": g.revoked}))
            .collect(),
        access_tokens: access
            .iter()
            .map(|(hash, t)| json!({"token": fingerprint(hash), "grant": t.grant, "issuedAt": timestamp(t.issued_at),
                "expiresAt": timestamp(t.expires_at), "expired": now >= t.expires_at}))
            .collect(),
        refresh_tokens: refresh
            .iter()
            .map(|(hash, t)| json!({"token": fingerprint(hash), "grant": t.grant, "issuedAt": timestamp(t.issued_at),
                "expiresAt": timestamp(t.expires_at), "usedAt": t.used_at.map(timestamp)}))
            .collect(),
        authorization_codes: identity.codes.len(),
        connections: identity
            .connections
            .iter()
            .map(|c| json!({"id": c.id, "authEventId": c.auth_event_id, "clientId": c.client_id,
                "tenantId": xero.tenant_id, "createdAt": timestamp(c.created_at), "updatedAt": timestamp(c.updated_at)}))
            .collect(),
        idempotency_keys: lock(&xero.idempotency)
            .describe(now)
            .into_iter()
            .map(|k| json!({"key": k.key, "firstUsedAt": timestamp(k.first_at),
                "expiresAt": timestamp(k.expires_at), "status": k.status}))
            .collect(),
    };
    serde_json::to_string(&dump).ok().and_then(|text| RawValue::from_string(text).ok())
}
