//! `/api.xro/2.0/BankTransactions`: `PUT` creates, `POST` creates or updates (by
//! `BankTransactionID`), many per request with `summarizeErrors` as for manual journals; `GET`
//! lists; `GET|POST /BankTransactions/{id}` reads or updates one (`Status` DELETED or VOIDED).

pub mod check;

use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use self::check::Checked;
use super::books::BankTransaction;
use super::checks::LockDate;
use super::input::{BankTransactionIn, elements};
use super::lists::ListQuery;
use super::views::{self, BankTransactionView, Outcome};
use super::wire::{envelope, new_guid, not_found, post_data_invalid, to_json, validation_exception};
use super::{form, service};
use crate::faults::{EditFirstListed, ReadLag};
use crate::locks::lock;
use crate::xero::XeroShared;

#[derive(Serialize)]
struct BankTransactions<'a> {
    #[serde(rename = "BankTransactions")]
    bank_transactions: Vec<BankTransactionView<'a>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode<'a> {
    Create,
    CreateOrUpdate,
    Update(&'a str),
}

/// The read lag a `visible_after_ms` fault rule put on the request.
type Lag = Option<Extension<ReadLag>>;

pub async fn put(State(shared): State<Arc<XeroShared>>, uri: Uri, lag: Lag, body: Bytes) -> Response {
    write(&shared, &uri, &body, Mode::Create, lag.map(|Extension(lag)| lag))
}

pub async fn post(State(shared): State<Arc<XeroShared>>, uri: Uri, lag: Lag, body: Bytes) -> Response {
    write(&shared, &uri, &body, Mode::CreateOrUpdate, lag.map(|Extension(lag)| lag))
}

pub async fn post_one(
    State(shared): State<Arc<XeroShared>>,
    Path(id): Path<String>,
    uri: Uri,
    lag: Lag,
    body: Bytes,
) -> Response {
    write(&shared, &uri, &body, Mode::Update(&id), lag.map(|Extension(lag)| lag))
}

fn write(shared: &XeroShared, uri: &Uri, body: &[u8], mode: Mode<'_>, lag: Option<ReadLag>) -> Response {
    let Some(xero) = service(shared) else { return not_found() };
    let query = form::query(uri);
    let summarize = form::summarize_errors(&query);
    let unit_places = if form::get(&query, "unitdp").is_some_and(|d| d.trim() == "4") { 4 } else { 2 };
    let inputs: Vec<BankTransactionIn> = match elements(body, "BankTransactions") {
        Ok(inputs) if inputs.is_empty() => return post_data_invalid(" no BankTransactions were given"),
        Ok(inputs) => inputs,
        Err(e) => return post_data_invalid(&e),
    };
    let today = shared.clock.now().date_naive();
    let mut books = lock(&xero.books);
    if let Mode::Update(id) = mode
        && books.bank_transaction(id).is_none()
    {
        return not_found();
    }
    let mut checked: Vec<(Checked, bool)> = Vec::with_capacity(inputs.len());
    for input in &inputs {
        let target = match mode {
            Mode::Create => None,
            Mode::CreateOrUpdate => input.id.as_deref().filter(|id| !id.trim().is_empty()),
            Mode::Update(id) => Some(id),
        };
        let existing = target.map(|id| books.bank_transaction(id));
        let result = match existing {
            Some(None) => {
                check::check(input, None, &books, today, unit_places, LockDate::Enforce).map(|mut missing| {
                    let id = target.unwrap_or_default();
                    missing.findings.error(format!("Bank transaction with ID '{id}' could not be found"));
                    missing
                })
            }
            Some(Some(found)) => {
                check::check(input, Some(found), &books, today, unit_places, LockDate::Enforce)
            }
            None => check::check(input, None, &books, today, unit_places, LockDate::Enforce),
        };
        match result {
            Ok(one) => checked.push((one, existing.is_some())),
            Err(e) => return post_data_invalid(&e),
        }
    }
    let now = shared.clock.now();
    let mut saved: Vec<(BankTransaction, Outcome)> = Vec::with_capacity(checked.len());
    for (Checked { mut transaction, new_contact, findings }, updating) in checked {
        let ok = findings.errors.is_empty();
        if ok {
            if let Some(name) = new_contact {
                let contact = match books.contact_by_name(&name) {
                    Some(found) => found.clone(),
                    None => books.add_contact(&name, now),
                };
                transaction.contact = Some((contact.id, contact.name));
            }
            if !updating {
                transaction.id = new_guid();
            }
            transaction.updated_at = shared.clock.bump_time();
            books.save_bank_transaction(transaction.clone());
            if let Some(lag) = lag.filter(|_| !updating) {
                books.hide_until(&transaction.id, lag.visible_from(transaction.updated_at));
            }
            tracing::debug!(id = %transaction.id, kind = %transaction.kind, status = %transaction.status, "Xero bank transaction saved");
        }
        let outcome = Outcome {
            saved: ok,
            status_attribute: !summarize,
            warnings: findings.warnings,
            errors: findings.errors,
        };
        saved.push((transaction, outcome));
    }
    drop(books);
    if summarize && saved.iter().any(|(_, o)| !o.errors.is_empty()) {
        let failed: Vec<BankTransactionView<'_>> = saved
            .iter()
            .filter(|(_, o)| !o.errors.is_empty())
            .map(|(t, o)| views::bank_transaction(t, true, o))
            .collect();
        return validation_exception(&failed);
    }
    let bank_transactions = saved.iter().map(|(t, o)| views::bank_transaction(t, true, o)).collect();
    to_json(StatusCode::OK, &envelope(shared.clock.now(), None, BankTransactions { bank_transactions }))
}

/// An `edit_first_listed` fault rule's mark on the request.
type EditListed = Option<Extension<EditFirstListed>>;

pub async fn list(
    State(shared): State<Arc<XeroShared>>,
    headers: HeaderMap,
    uri: Uri,
    edit: EditListed,
) -> Response {
    let Some(xero) = service(&shared) else { return not_found() };
    let query = match ListQuery::read(&headers, &uri, "UpdatedDateUTC ASC") {
        Ok(query) => query,
        Err(failure) => return failure.into_response(),
    };
    let mut books = lock(&xero.books);
    let (selected, pagination) =
        match query.apply(books.visible_bank_transactions(shared.clock.now()), |t| t.updated_at) {
            Ok(selected) => selected,
            Err(failure) => return failure.into_response(),
        };
    let first = selected.first().map(|r| r.id.clone());
    let with_lines = query.page.is_some();
    let bank_transactions =
        selected.into_iter().map(|t| views::saved_bank_transaction(t, with_lines)).collect();
    let answer = to_json(
        StatusCode::OK,
        &envelope(shared.clock.now(), pagination, BankTransactions { bank_transactions }),
    );
    // Someone else saves the first record listed before the client asks for its next page.
    if let (Some(_), Some(id)) = (edit, first) {
        let now = shared.clock.bump_time();
        if let Some(record) = books.bank_transaction_mut(&id) {
            record.updated_at = now;
            tracing::info!(id = %id, "Xero record edited by someone else between two list requests");
        }
    }
    answer
}

pub async fn get_one(State(shared): State<Arc<XeroShared>>, Path(id): Path<String>) -> Response {
    let Some(xero) = service(&shared) else { return not_found() };
    let books = lock(&xero.books);
    match books.bank_transaction(&id).filter(|found| books.is_visible(&found.id, shared.clock.now())) {
        Some(found) => {
            let bank_transactions = vec![views::saved_bank_transaction(found, true)];
            to_json(
                StatusCode::OK,
                &envelope(shared.clock.now(), None, BankTransactions { bank_transactions }),
            )
        }
        None => not_found(),
    }
}
