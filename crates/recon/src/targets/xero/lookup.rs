//! Finding entries whose outcome is not known: the manual journals and bank transactions changed
//! since the earliest attempt, a page of 100 at a time with their lines, matched by document
//! number and the key marker. One answer per request. Each entry is looked for in the one list
//! that can hold it: the document class the target sends it as (`LookupRequest::class`), never a
//! guess from its key, whose anchor (an Entrata id) may hold any character, `/` included.
//!
//! Two things another party moves while we read must not hide an entry:
//! - **The order.** Pages are numbered over a sorted list; sorted by `UpdatedDateUTC`, a record
//!   someone edits between our page N and page N+1 jumps to the end and every later record moves
//!   up one place, so one is never read. Sorted by the record's id, an edit moves nothing; a
//!   record created meanwhile can only push later ones down (read twice, kept once); records are
//!   never removed from the list (voided and deleted ones stay with their status).
//! - **The clock.** `If-Modified-Since` is compared with Xero's clock, our attempts were stamped
//!   with ours: the window starts at the earliest attempt moved onto Xero's clock (the offset the
//!   `Date` header of Xero's answers shows, `XeroClient::clock_offset`) less an hour, which
//!   covers the header's whole seconds, the answer's way back and our clock being set between
//!   the attempt and the lookup. When no answer has shown Xero's time yet, one `GET
//!   /Organisation` does; with no `Date` at all, everything is read (no window).

use std::collections::HashSet;

use chrono::{DateTime, TimeDelta, Utc};

use super::build::{bank_transaction_matches, journal_matches};
use super::client::XeroClient;
use super::wire::{self, BankTransactionsAnswer, JournalsAnswer, Pagination, saved_id};
use crate::domain::parse_decimal_text;
use crate::journal::Side;
use crate::posting::{Found, FoundLine, LookupRequest, TargetError};
use rust_decimal::Decimal;

use crate::journal::JournalKind;

/// Records per page (Xero's default and the most its documentation promises).
const PAGE_SIZE: usize = 100;
/// Pages per lookup: 50,000 records changed since the earliest attempt is not a lookup any more.
const PAGES_MAX: u32 = 500;
/// How far before an attempt (on Xero's clock) a record it created may carry its time.
const SINCE_MARGIN: TimeDelta = TimeDelta::hours(1);

/// Which list can hold an entry: the class `Target::batch_class` gave it (1: a bank transaction).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum List {
    Journals,
    BankTransactions,
}

impl List {
    pub fn of(request: &LookupRequest) -> List {
        if request.class == 1 { List::BankTransactions } else { List::Journals }
    }

    /// The lists to search for `request`: its class's, and for a `return` both, since the same
    /// return is a bank transaction when its deposit lists the payment and a manual journal (out of
    /// clearing) when it does not, and another state file may have sent the other (a lost or
    /// replaced state file, then a deposit changed).
    pub fn all_of(request: &LookupRequest) -> &'static [List] {
        match (request.kind, List::of(request)) {
            (JournalKind::Return, List::BankTransactions) => &[List::BankTransactions, List::Journals],
            (JournalKind::Return, List::Journals) => &[List::Journals, List::BankTransactions],
            (_, List::BankTransactions) => &[List::BankTransactions],
            (_, List::Journals) => &[List::Journals],
        }
    }
}

trait Page: serde::de::DeserializeOwned {
    type Item;
    fn split(self) -> (Vec<Self::Item>, Option<Pagination>);
}

impl Page for JournalsAnswer {
    type Item = wire::SavedJournal;
    fn split(self) -> (Vec<Self::Item>, Option<Pagination>) {
        (self.manual_journals, self.pagination)
    }
}

impl Page for BankTransactionsAnswer {
    type Item = wire::SavedBankTransaction;
    fn split(self) -> (Vec<Self::Item>, Option<Pagination>) {
        (self.bank_transactions, self.pagination)
    }
}

/// One page of `path`'s list, read as its answer type.
async fn page<P: Page>(
    client: &XeroClient,
    path: &str,
    params: &[(&str, String)],
    since: Option<DateTime<Utc>>,
) -> Result<(Vec<P::Item>, Option<Pagination>), TargetError> {
    let body = client.get(path, params, since).await?;
    let answer: P = serde_json::from_slice(&body)
        .map_err(|e| TargetError::Protocol(format!("Xero's list of {path} is not its JSON: {e}")))?;
    Ok(answer.split())
}

/// Every record of `path` changed since `since`, paged in the order of `id_field` (stable under
/// edits: see the module documentation).
async fn list<P: Page>(
    client: &XeroClient,
    path: &str,
    id_field: &str,
    since: Option<DateTime<Utc>>,
) -> Result<Vec<P::Item>, TargetError> {
    let mut all = Vec::new();
    for number in 1..=PAGES_MAX {
        let params = [
            ("page", number.to_string()),
            ("pageSize", PAGE_SIZE.to_string()),
            ("order", format!("{id_field} ASC")),
        ];
        let (items, pagination) = page::<P>(client, path, &params, since).await?;
        let got = items.len();
        all.extend(items);
        let last_page = pagination.is_some_and(|p| p.page_count > 0 && number >= p.page_count);
        if got < PAGE_SIZE || last_page {
            return Ok(all);
        }
    }
    Err(TargetError::Protocol(format!(
        "more than {} {path} changed since the entries' first attempts; look them up in Xero by hand",
        PAGE_SIZE * PAGES_MAX as usize
    )))
}

/// Whether the organisation holds any manual journal or bank transaction (one record of each list).
pub async fn holds_any(client: &XeroClient) -> Result<bool, TargetError> {
    let params = [("page", "1".to_owned()), ("pageSize", "1".to_owned())];
    let (journals, _) = page::<JournalsAnswer>(client, "ManualJournals", &params, None).await?;
    if !journals.is_empty() {
        return Ok(true);
    }
    let (banks, _) = page::<BankTransactionsAnswer>(client, "BankTransactions", &params, None).await?;
    Ok(!banks.is_empty())
}

/// The start of the window on Xero's clock: the earliest attempt less the margin, moved by the
/// offset of Xero's clock from ours; `None` (read everything) when an attempt has no time or
/// Xero's answers carry none.
async fn window(
    client: &XeroClient,
    requests: &[LookupRequest],
) -> Result<Option<DateTime<Utc>>, TargetError> {
    let earliest =
        requests.iter().map(|r| r.since).collect::<Option<Vec<_>>>().and_then(|t| t.into_iter().min());
    let Some(earliest) = earliest else { return Ok(None) };
    // An attempt of an earlier run: the offset from Xero's clock seen now need not be the one it
    // was sent under (our clock set back since, a VM resumed; the sandbox's clock moved a day), and
    // a window moved by the wrong offset would miss the record and send it again. Everything is
    // read instead: rare (an outcome still unknown when its own run ended), and never wrong.
    if earliest < XeroClient::process_start() {
        tracing::info!(
            "looking up entries sent by an earlier run: reading every document, not only recent ones"
        );
        return Ok(None);
    }
    if client.clock_offset().is_none() {
        client.get("Organisation", &[], None).await?;
    }
    let Some(offset) = client.clock_offset() else {
        tracing::warn!(
            "Xero's answers carry no Date header: looking through every document, not only recent ones"
        );
        return Ok(None);
    };
    Ok(Some(earliest + offset - SINCE_MARGIN))
}

pub async fn lookup(
    client: &XeroClient,
    requests: &[LookupRequest],
) -> Result<Vec<Option<Found>>, TargetError> {
    let since = window(client, requests).await?;
    let wants = |list: List| requests.iter().any(|r| List::all_of(r).contains(&list));
    let mut journals = if wants(List::Journals) {
        list::<JournalsAnswer>(client, "ManualJournals", "ManualJournalID", since).await?
    } else {
        Vec::new()
    };
    let mut banks = if wants(List::BankTransactions) {
        list::<BankTransactionsAnswer>(client, "BankTransactions", "BankTransactionID", since).await?
    } else {
        Vec::new()
    };
    // A record created while we paged may have pushed one onto the next page: read twice.
    let mut seen = HashSet::new();
    journals.retain(|j| j.id.as_ref().is_none_or(|id| seen.insert(id.clone())));
    let mut seen = HashSet::new();
    banks.retain(|t| t.id.as_ref().is_none_or(|id| seen.insert(id.clone())));
    Ok(requests
        .iter()
        .map(|r| {
            type Seen<'a> = (&'a str, Option<&'a str>, Option<Vec<FoundLine>>);
            let found: Vec<Seen> = List::all_of(r)
                .iter()
                .flat_map(|list| -> Vec<Seen> {
                    match list {
                        List::BankTransactions => banks
                            .iter()
                            .filter(|t| bank_transaction_matches(t, &r.key, &r.doc_number))
                            .filter_map(|t| {
                                saved_id(t.id.as_deref()).map(|id| (id, t.date.as_deref(), bank_lines(t)))
                            })
                            .collect(),
                        List::Journals => journals
                            .iter()
                            .filter(|j| journal_matches(j, &r.key, &r.doc_number))
                            .filter_map(|j| {
                                saved_id(j.id.as_deref()).map(|id| (id, j.date.as_deref(), journal_lines(j)))
                            })
                            .collect(),
                    }
                })
                .collect();
            if found.len() > 1 {
                let ids: Vec<&str> = found.iter().map(|(id, _, _)| *id).collect();
                tracing::warn!(key = %r.key, ids = ?ids, "the entry is in Xero more than once; the first is kept");
            }
            found.into_iter().next().map(|(id, date, lines)| Found {
                target_id: id.to_owned(),
                date: date.and_then(wire::parse_date),
                lines,
            })
        })
        .collect())
}

/// A signed amount as a line: positive on `positive`, negative on the other side, zero none.
fn signed_line(account: &str, signed: Decimal, positive: Side) -> Option<FoundLine> {
    let other = match positive {
        Side::Debit => Side::Credit,
        Side::Credit => Side::Debit,
    };
    match signed {
        a if a.is_zero() => None,
        a if a.is_sign_positive() => {
            Some(FoundLine { account: account.to_ascii_uppercase(), side: positive, amount: a })
        }
        a => Some(FoundLine { account: account.to_ascii_uppercase(), side: other, amount: -a }),
    }
}

/// A line's signed amount and code, read from the JSON number's text; `None` when either is
/// missing or unreadable (the document's money is then not known, and not compared).
fn amount_and_code(line: &wire::SavedLine) -> Option<(Decimal, &str)> {
    let amount = parse_decimal_text(line.line_amount.as_ref()?.get().trim()).ok()?;
    Some((amount, line.account_code.as_deref()?))
}

/// A manual journal's lines (debits positive); `None` when the list carried none.
fn journal_lines(journal: &wire::SavedJournal) -> Option<Vec<FoundLine>> {
    if journal.journal_lines.is_empty() {
        return None;
    }
    let mut out = Vec::with_capacity(journal.journal_lines.len());
    for line in &journal.journal_lines {
        let (amount, code) = amount_and_code(line)?;
        out.extend(signed_line(code, amount, Side::Debit));
    }
    Some(out)
}

/// A bank transaction as the entry it was built from: its line items on the other side from the
/// bank (signed), and the bank line for their sum (`RECEIVE` a debit, `SPEND` a credit).
fn bank_lines(bank: &wire::SavedBankTransaction) -> Option<Vec<FoundLine>> {
    if bank.line_items.is_empty() {
        return None;
    }
    let (bank_side, items_side) = match bank.kind.as_deref()?.to_ascii_uppercase().as_str() {
        "RECEIVE" => (Side::Debit, Side::Credit),
        "SPEND" => (Side::Credit, Side::Debit),
        _ => return None,
    };
    let mut out = Vec::with_capacity(bank.line_items.len() + 1);
    let mut total = Decimal::ZERO;
    for line in &bank.line_items {
        let (amount, code) = amount_and_code(line)?;
        total += amount;
        out.extend(signed_line(code, amount, items_side));
    }
    let bank_code = bank.bank_account.as_ref()?.code.as_deref()?;
    out.extend(signed_line(bank_code, total, bank_side));
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::JournalKind;

    fn request(kind: JournalKind, class: u8) -> LookupRequest {
        LookupRequest {
            key: "prop_1/deposit/dep/with/slash/1".into(),
            doc_number: "EN-LV001-D260202-1".into(),
            date: chrono::NaiveDate::from_ymd_opt(2026, 2, 2).expect("date"),
            kind,
            class,
            since: None,
        }
    }

    #[test]
    fn the_list_is_the_class_the_target_sends_the_entry_as_whatever_its_key_says() {
        assert_eq!(List::of(&request(JournalKind::Deposit, 1)), List::BankTransactions);
        assert_eq!(List::of(&request(JournalKind::Adjustment, 1)), List::BankTransactions);
        assert_eq!(List::of(&request(JournalKind::Adjustment, 0)), List::Journals);
        assert_eq!(List::of(&request(JournalKind::Charges, 0)), List::Journals);
    }
}
