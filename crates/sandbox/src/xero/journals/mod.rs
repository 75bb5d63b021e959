//! `/api.xro/2.0/ManualJournals`: `PUT` creates, `POST` creates or updates (by `ManualJournalID`),
//! many per request; `GET` lists; `GET|POST /ManualJournals/{id}` reads or updates one.
//!
//! A write reads every element first: one that cannot be read refuses the whole request (nothing
//! is saved). Then each element is checked and, when it passes, saved, whatever happens to the
//! others. With `summarizeErrors=true` (the default) any failure makes the answer a `400
//! ValidationException` listing only the failures, although the good elements were saved; with
//! `false` the answer is `200` with every element and its `StatusAttributeString`.

pub mod check;

use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use self::check::{Checked, LockDate};
use super::books::ManualJournal;
use super::input::{JournalIn, elements};
use super::lists::ListQuery;
use super::views::{self, JournalView, Outcome};
use super::wire::{envelope, new_guid, not_found, post_data_invalid, to_json, validation_exception};
use super::{form, service};
use crate::faults::{EditFirstListed, ReadLag};
use crate::locks::lock;
use crate::xero::XeroShared;

#[derive(Serialize)]
struct Journals<'a> {
    #[serde(rename = "ManualJournals")]
    manual_journals: Vec<JournalView<'a>>,
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
    let summarize = form::summarize_errors(&form::query(uri));
    let inputs: Vec<JournalIn> = match elements(body, "ManualJournals") {
        Ok(inputs) if inputs.is_empty() => return post_data_invalid(" no ManualJournals were given"),
        Ok(inputs) => inputs,
        Err(e) => return post_data_invalid(&e),
    };
    let today = shared.clock.now().date_naive();
    let mut books = lock(&xero.books);
    if let Mode::Update(id) = mode
        && books.journal(id).is_none()
    {
        return not_found();
    }
    // Read everything before saving anything: an unreadable element refuses the request.
    let mut checked: Vec<(Checked, bool)> = Vec::with_capacity(inputs.len());
    for input in &inputs {
        let target = match mode {
            Mode::Create => None,
            Mode::CreateOrUpdate => input.id.as_deref().filter(|id| !id.trim().is_empty()),
            Mode::Update(id) => Some(id),
        };
        let existing = target.map(|id| books.journal(id));
        let result = match existing {
            Some(None) => {
                let mut missing = Checked { journal: placeholder(input), findings: Default::default() };
                missing.findings.error(format!(
                    "Manual journal with ID '{}' could not be found",
                    target.unwrap_or_default()
                ));
                Ok(missing)
            }
            Some(Some(journal)) => check::check(input, Some(journal), &books, today, LockDate::Enforce),
            None => check::check(input, None, &books, today, LockDate::Enforce),
        };
        match result {
            Ok(one) => checked.push((one, existing.is_some())),
            Err(e) => return post_data_invalid(&e),
        }
    }
    let mut saved: Vec<(ManualJournal, Outcome)> = Vec::with_capacity(checked.len());
    for (Checked { mut journal, findings }, updating) in checked {
        let ok = findings.errors.is_empty();
        if ok {
            if !updating {
                journal.id = new_guid();
            }
            journal.updated_at = shared.clock.bump_time();
            books.save_journal(journal.clone());
            if let Some(lag) = lag.filter(|_| !updating) {
                books.hide_until(&journal.id, lag.visible_from(journal.updated_at));
            }
            tracing::debug!(id = %journal.id, status = %journal.status, updating, "Xero manual journal saved");
        }
        let outcome = Outcome {
            saved: ok,
            status_attribute: !summarize,
            warnings: findings.warnings,
            errors: findings.errors,
        };
        saved.push((journal, outcome));
    }
    drop(books);
    respond(shared, summarize, &saved)
}

fn respond(shared: &XeroShared, summarize: bool, saved: &[(ManualJournal, Outcome)]) -> Response {
    if summarize && saved.iter().any(|(_, o)| !o.errors.is_empty()) {
        let failed: Vec<JournalView<'_>> = saved
            .iter()
            .filter(|(_, o)| !o.errors.is_empty())
            .map(|(j, o)| views::journal(j, true, o))
            .collect();
        return validation_exception(&failed);
    }
    let manual_journals = saved.iter().map(|(j, o)| views::journal(j, true, o)).collect();
    to_json(StatusCode::OK, &envelope(shared.clock.now(), None, Journals { manual_journals }))
}

/// What the answer echoes for an element naming a journal that does not exist.
fn placeholder(input: &JournalIn) -> ManualJournal {
    ManualJournal {
        id: String::new(),
        narration: input.narration.clone(),
        date: None,
        status: input.status.clone().unwrap_or_else(|| "DRAFT".to_owned()).to_ascii_uppercase(),
        line_amount_types: "NoTax".to_owned(),
        url: input.url.clone(),
        show_on_cash_basis_reports: true,
        lines: Vec::new(),
        updated_at: chrono::DateTime::<chrono::Utc>::MIN_UTC,
    }
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
        match query.apply(books.visible_journals(shared.clock.now()), |j| j.updated_at) {
            Ok(selected) => selected,
            Err(failure) => return failure.into_response(),
        };
    let first = selected.first().map(|r| r.id.clone());
    let with_lines = query.page.is_some();
    let manual_journals = selected.into_iter().map(|j| views::saved_journal(j, with_lines)).collect();
    let answer =
        to_json(StatusCode::OK, &envelope(shared.clock.now(), pagination, Journals { manual_journals }));
    // Someone else saves the first record listed before the client asks for its next page.
    if let (Some(_), Some(id)) = (edit, first) {
        let now = shared.clock.bump_time();
        if let Some(record) = books.journal_mut(&id) {
            record.updated_at = now;
            tracing::info!(id = %id, "Xero record edited by someone else between two list requests");
        }
    }
    answer
}

pub async fn get_one(State(shared): State<Arc<XeroShared>>, Path(id): Path<String>) -> Response {
    let Some(xero) = service(&shared) else { return not_found() };
    let books = lock(&xero.books);
    match books.journal(&id).filter(|found| books.is_visible(&found.id, shared.clock.now())) {
        Some(journal) => {
            let manual_journals = vec![views::saved_journal(journal, true)];
            to_json(StatusCode::OK, &envelope(shared.clock.now(), None, Journals { manual_journals }))
        }
        None => not_found(),
    }
}
