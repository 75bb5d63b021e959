//! Finding entries whose outcome is not known: the manual journals and bank transactions changed
//! since the earliest attempt (less a margin for clocks that disagree; everything when an attempt
//! has no time), a page of 100 at a time with their lines, matched by document number and the key
//! marker. One answer per request.

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

/// Whether `key` (`property/kind/anchor/seq`) is a deposit's or a return's: a bank transaction.
pub fn is_bank_key(key: &str) -> bool {
    key.rsplit('/').nth(2).is_some_and(|kind| kind == "deposit" || kind == "return")
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
    let journals = if requests.iter().any(|r| !is_bank_key(&r.key)) {
        list::<JournalsAnswer>(client, "ManualJournals", since).await?
    } else {
        Vec::new()
    };
    let banks = if requests.iter().any(|r| is_bank_key(&r.key)) {
        list::<BankTransactionsAnswer>(client, "BankTransactions", since).await?
    } else {
        Vec::new()
    };
    Ok(requests
        .iter()
        .map(|r| {
            let found: Vec<(&str, Option<&str>)> = if is_bank_key(&r.key) {
                banks
                    .iter()
                    .filter(|t| bank_transaction_matches(t, &r.key, &r.doc_number))
                    .filter_map(|t| saved_id(t.id.as_deref()).map(|id| (id, t.date.as_deref())))
                    .collect()
            } else {
                journals
                    .iter()
                    .filter(|j| journal_matches(j, &r.key, &r.doc_number))
                    .filter_map(|j| saved_id(j.id.as_deref()).map(|id| (id, j.date.as_deref())))
                    .collect()
            };
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
    fn bank_keys_by_kind() {
        assert!(is_bank_key("prop_0001/deposit/dep_17/1"));
        assert!(is_bank_key("prop/with/slash/return/pay_9/2"));
        assert!(!is_bank_key("prop_0001/charges/2026-02-01/1"));
        assert!(!is_bank_key("prop_0001/payments/2026-02-01/1"));
        assert!(!is_bank_key("deposit"));
    }
}
