//! `/api.xro/2.0/BankTransactions`: `PUT` creates, `POST` creates or updates (by
//! `BankTransactionID`), many per request with `summarizeErrors` as for manual journals; `GET`
//! lists; `GET|POST /BankTransactions/{id}` reads or updates one (`Status` DELETED or VOIDED).

pub mod check;

use axum::http::{StatusCode, Uri};
use axum::response::Response;
use chrono::{DateTime, Utc};

use self::check::Checked;
use super::books::{BankTransaction, Books};
use super::checks::LockDate;
use super::documents::{Listed, Listing, Mode};
use super::input::{BankTransactionIn, elements};
use super::views::{self, BankTransactionView, Outcome};
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
    let query = form::query(uri);
    let summarize = form::summarize_errors(&query);
    let unit_places = if form::get(&query, "unitdp").is_some_and(|d| d.trim() == "4") { 4 } else { 2 };
    let inputs: Vec<BankTransactionIn> = match elements(body, "BankTransactions") {
        Ok(inputs) if inputs.is_empty() => return post_data_invalid(" no BankTransactions were given"),
        Ok(inputs) => inputs,
        Err(e) => return post_data_invalid(&e),
    };
    let today = shared.clock.now().date_naive();
    let mut books = lock(&organisation.books);
    if let Mode::Update(id) = mode
        && books.bank_transaction(id).is_none()
    {
        return not_found();
    }
    let mut checked: Vec<(Checked, bool)> = Vec::with_capacity(inputs.len());
    for input in &inputs {
        let target = mode.target(input.id.as_deref());
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
    let items = saved.iter().map(|(t, o)| views::bank_transaction(t, true, o)).collect();
    to_json(
        StatusCode::OK,
        &envelope(shared.clock.now(), None, Listing { name: BankTransaction::LIST, items }),
    )
}

impl Listed for BankTransaction {
    const LIST: &'static str = "BankTransactions";
    type View<'a> = BankTransactionView<'a>;

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
    fn visible(books: &Books, now: DateTime<Utc>) -> Vec<&BankTransaction> {
        books.visible_bank_transactions(now).collect()
    }
    fn find<'b>(books: &'b Books, id: &str) -> Option<&'b BankTransaction> {
        books.bank_transaction(id)
    }
    fn find_mut<'b>(books: &'b mut Books, id: &str) -> Option<&'b mut BankTransaction> {
        books.bank_transaction_mut(id)
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
    fn saved_view(&self, with_lines: bool) -> BankTransactionView<'_> {
        views::saved_bank_transaction(self, with_lines)
    }
}
