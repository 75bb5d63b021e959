//! `/api.xro/2.0/ManualJournals`: `PUT` creates, `POST` creates or updates (by `ManualJournalID`),
//! many per request; `GET` lists; `GET|POST /ManualJournals/{id}` reads or updates one.
//!
//! A write reads every element first: one that cannot be read refuses the whole request (nothing
//! is saved). Then each element is checked and, when it passes, saved, whatever happens to the
//! others. With `summarizeErrors=true` (the default) any failure makes the answer a `400
//! ValidationException` listing only the failures, although the good elements were saved; with
//! `false` the answer is `200` with every element and its `StatusAttributeString`.

pub mod check;

use axum::http::{StatusCode, Uri};
use axum::response::Response;
use chrono::{DateTime, Utc};

use self::check::{Checked, LockDate};
use super::books::{Books, ManualJournal};
use super::documents::{Listed, Listing, Mode};
use super::input::{JournalIn, elements};
use super::views::{self, JournalView, Outcome};
use super::wire::{envelope, new_guid, not_found, post_data_invalid, to_json, validation_exception};
use super::{Organisation, form};
use crate::faults::ReadLag;
use crate::locks::lock;
use crate::xero::XeroShared;

fn write(
    shared: &XeroShared,
    organisation: &Organisation,
    uri: &Uri,
    body: &[u8],
    mode: Mode<'_>,
    lag: Option<ReadLag>,
) -> Response {
    let summarize = form::summarize_errors(&form::query(uri));
    let inputs: Vec<JournalIn> = match elements(body, "ManualJournals") {
        Ok(inputs) if inputs.is_empty() => return post_data_invalid(" no ManualJournals were given"),
        Ok(inputs) => inputs,
        Err(e) => return post_data_invalid(&e),
    };
    let today = shared.clock.now().date_naive();
    let mut books = lock(&organisation.books);
    if let Mode::Update(id) = mode
        && books.journal(id).is_none()
    {
        return not_found();
    }
    // Read everything before saving anything: an unreadable element refuses the request.
    let mut checked: Vec<(Checked, bool)> = Vec::with_capacity(inputs.len());
    for input in &inputs {
        let target = mode.target(input.id.as_deref());
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
    let items = saved.iter().map(|(j, o)| views::journal(j, true, o)).collect();
    to_json(StatusCode::OK, &envelope(shared.clock.now(), None, Listing { name: ManualJournal::LIST, items }))
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

impl Listed for ManualJournal {
    const LIST: &'static str = "ManualJournals";
    type View<'a> = JournalView<'a>;

    fn write(
        shared: &XeroShared,
        organisation: &Organisation,
        uri: &Uri,
        body: &[u8],
        mode: Mode<'_>,
        lag: Option<ReadLag>,
    ) -> Response {
        write(shared, organisation, uri, body, mode, lag)
    }
    fn visible(books: &Books, now: DateTime<Utc>) -> Vec<&ManualJournal> {
        books.visible_journals(now).collect()
    }
    fn find<'b>(books: &'b Books, id: &str) -> Option<&'b ManualJournal> {
        books.journal(id)
    }
    fn find_mut<'b>(books: &'b mut Books, id: &str) -> Option<&'b mut ManualJournal> {
        books.journal_mut(id)
    }
    fn id(&self) -> &str {
        &self.id
    }
    fn updated_at(&self) -> DateTime<Utc> {
        self.updated_at
    }
    fn set_updated_at(&mut self, at: DateTime<Utc>) {
        self.updated_at = at;
    }
    fn saved_view(&self, with_lines: bool) -> JournalView<'_> {
        views::saved_journal(self, with_lines)
    }
}
