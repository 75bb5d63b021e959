//! Finding entries whose outcome is not known: the manual journals and bank transactions changed
//! since the earliest attempt (less a margin for clocks that disagree; everything when an attempt
//! has no time), a page of 100 at a time with their lines, matched by document number and the key
//! marker. One answer per request. Deposits and returns are bank transactions, adjustments either
//! (a correction of a bank line is one): both lists are read for them.

use chrono::TimeDelta;

use super::build::{bank_transaction_matches, journal_matches};
use super::client::XeroClient;
use super::wire::{self, BankTransactionsAnswer, JournalsAnswer, Pagination, saved_id};
use crate::posting::{Found, LookupRequest, TargetError};

/// Records per page (Xero's default and the most its documentation promises).
const PAGE_SIZE: usize = 100;
/// Pages per lookup: 50,000 records changed since the earliest attempt is not a lookup any more.
const PAGES_MAX: u32 = 500;
/// How far before an attempt a record it created may carry its time (clock skew between us and Xero).
const SINCE_MARGIN: TimeDelta = TimeDelta::hours(1);

/// Where the entry `key` (`property/kind/anchor/seq`) may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lists {
    Journals,
    BankTransactions,
    /// An adjustment: a bank transaction when it corrects a bank line, a journal otherwise.
    Both,
}

impl Lists {
    pub fn of(key: &str) -> Lists {
        match key.rsplit('/').nth(2) {
            Some("deposit" | "return") => Lists::BankTransactions,
            Some("adjustment") => Lists::Both,
            _ => Lists::Journals,
        }
    }

    fn journals(self) -> bool {
        self != Lists::BankTransactions
    }

    fn banks(self) -> bool {
        self != Lists::Journals
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

async fn list<P: Page>(
    client: &XeroClient,
    path: &str,
    since: Option<chrono::DateTime<chrono::Utc>>,
) -> Result<Vec<P::Item>, TargetError> {
    let mut all = Vec::new();
    for page in 1..=PAGES_MAX {
        let params = [
            ("page", page.to_string()),
            ("pageSize", PAGE_SIZE.to_string()),
            ("order", "UpdatedDateUTC ASC".to_owned()),
        ];
        let body = client.get(path, &params, since).await?;
        let answer: P = serde_json::from_slice(&body)
            .map_err(|e| TargetError::Protocol(format!("Xero's list of {path} is not its JSON: {e}")))?;
        let (items, pagination) = answer.split();
        let got = items.len();
        all.extend(items);
        let last_page = pagination.is_some_and(|p| p.page_count > 0 && page >= p.page_count);
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
    let body = client.get("ManualJournals", &params, None).await?;
    let journals: JournalsAnswer = serde_json::from_slice(&body)
        .map_err(|e| TargetError::Protocol(format!("Xero's list of ManualJournals is not its JSON: {e}")))?;
    if !journals.manual_journals.is_empty() {
        return Ok(true);
    }
    let body = client.get("BankTransactions", &params, None).await?;
    let banks: BankTransactionsAnswer = serde_json::from_slice(&body).map_err(|e| {
        TargetError::Protocol(format!("Xero's list of BankTransactions is not its JSON: {e}"))
    })?;
    Ok(!banks.bank_transactions.is_empty())
}

pub async fn lookup(
    client: &XeroClient,
    requests: &[LookupRequest],
) -> Result<Vec<Option<Found>>, TargetError> {
    let since = requests
        .iter()
        .map(|r| r.since)
        .collect::<Option<Vec<_>>>()
        .and_then(|times| times.into_iter().min())
        .map(|earliest| earliest - SINCE_MARGIN);
    let journals = if requests.iter().any(|r| Lists::of(&r.key).journals()) {
        list::<JournalsAnswer>(client, "ManualJournals", since).await?
    } else {
        Vec::new()
    };
    let banks = if requests.iter().any(|r| Lists::of(&r.key).banks()) {
        list::<BankTransactionsAnswer>(client, "BankTransactions", since).await?
    } else {
        Vec::new()
    };
    Ok(requests
        .iter()
        .map(|r| {
            let found: Vec<(&str, Option<&str>)> = banks
                .iter()
                .filter(|t| bank_transaction_matches(t, &r.key, &r.doc_number))
                .filter_map(|t| saved_id(t.id.as_deref()).map(|id| (id, t.date.as_deref())))
                .chain(
                    journals
                        .iter()
                        .filter(|j| journal_matches(j, &r.key, &r.doc_number))
                        .filter_map(|j| saved_id(j.id.as_deref()).map(|id| (id, j.date.as_deref()))),
                )
                .collect();
            if found.len() > 1 {
                let ids: Vec<&str> = found.iter().map(|(id, _)| *id).collect();
                tracing::warn!(key = %r.key, ids = ?ids, "the entry is in Xero more than once; the first is kept");
            }
            found.first().map(|(id, date)| Found {
                target_id: (*id).to_owned(),
                date: date.and_then(wire::parse_date),
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_by_kind() {
        assert_eq!(Lists::of("prop_0001/deposit/dep_17/1"), Lists::BankTransactions);
        assert_eq!(Lists::of("prop/with/slash/return/pay_9/2"), Lists::BankTransactions);
        assert_eq!(Lists::of("prop_0001/charges/2026-02-01/1"), Lists::Journals);
        assert_eq!(Lists::of("prop_0001/payments/2026-02-01/1"), Lists::Journals);
        assert_eq!(Lists::of("deposit"), Lists::Journals);
        assert_eq!(Lists::of("prop_0001/adjustment/EN-LV001-D260202-1/1"), Lists::Both);
    }
}
