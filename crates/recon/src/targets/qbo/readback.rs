//! Reading back what QuickBooks holds, for the drift report, at the cost of what changed: Change
//! Data Capture (`GET cdc?entities=JournalEntry&changedSince=`) returns the entries created,
//! changed or deleted since an instant (deleted ones as `status: Deleted`), at most 1000 objects,
//! looking back 30 days at most. A full read pages `SELECT * FROM JournalEntry` instead: asked for,
//! or when CDC cannot answer (too far back, or 1000 changes or more).
//!
//! Accounts come back as ids; their numbers are read once per read, only when an entry of the
//! connector's was read. Money is read from the JSON number's text into a `Decimal`.
//!
//! Invariant: only reads; a document is kept when `keep` says it is the connector's.

use std::collections::HashMap;

use chrono::{DateTime, SecondsFormat, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::value::RawValue;

use super::client::QboClient;
use crate::domain::parse_decimal_text;
use crate::drift::held::{HeldEntry, HeldLine, HeldStatus, ReadBack, key_in_memo};
use crate::journal::Side;
use crate::posting::TargetError;

/// Objects one CDC answer carries at most; an answer this full may have left changes out.
const CDC_MAX_OBJECTS: usize = 1000;
/// QuickBooks' Change Data Capture looks back 30 days; a day is kept in hand. A read of changes
/// since earlier than that is a full read.
pub const CDC_LOOK_BACK: chrono::TimeDelta = chrono::TimeDelta::days(29);
/// Rows per query page (QuickBooks' maximum).
const PAGE_SIZE: usize = 1000;
/// Pages per full read: a million journal entries is not a company this tool reads in one night.
const PAGES_MAX: usize = 1000;

#[derive(Deserialize)]
struct QueryAnswer {
    #[serde(rename = "QueryResponse", default)]
    response: QueryPage,
    time: Option<String>,
}

#[derive(Deserialize, Default)]
struct QueryPage {
    #[serde(rename = "JournalEntry", default)]
    entries: Vec<WireEntry>,
}

#[derive(Deserialize)]
struct CdcAnswer {
    #[serde(rename = "CDCResponse", default)]
    responses: Vec<CdcResponse>,
    time: Option<String>,
}

#[derive(Deserialize)]
struct CdcResponse {
    #[serde(rename = "QueryResponse", default)]
    pages: Vec<QueryPage>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct WireEntry {
    id: String,
    /// `Deleted` in Change Data Capture.
    #[serde(rename = "status")]
    status: Option<String>,
    #[serde(rename = "MetaData")]
    meta: Option<WireMeta>,
    doc_number: Option<String>,
    txn_date: Option<String>,
    private_note: Option<String>,
    #[serde(default)]
    line: Vec<WireLine>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct WireMeta {
    last_updated_time: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct WireLine {
    amount: Option<Box<RawValue>>,
    journal_entry_line_detail: Option<WireDetail>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct WireDetail {
    posting_type: String,
    account_ref: WireRef,
}

#[derive(Deserialize)]
struct WireRef {
    value: String,
}

/// What was read, before accounts are resolved.
struct Raw {
    entries: Vec<WireEntry>,
    time: Option<DateTime<Utc>>,
    calls: u64,
}

fn protocol(what: &str, e: impl std::fmt::Display) -> TargetError {
    TargetError::Protocol(format!("QuickBooks sent {what} that is not its JSON: {e}"))
}

pub(super) fn instant(text: Option<&str>) -> Option<DateTime<Utc>> {
    text.and_then(|t| DateTime::parse_from_rfc3339(t).ok()).map(|t| t.to_utc())
}

/// Reads back the company's journal entries: those changed since `since` (the company's clock),
/// or all of them when `since` is `None`. `keep(id, key)` says which documents are the
/// connector's (by id, or by the key in the memo).
pub async fn read_back(
    client: &QboClient,
    since: Option<DateTime<Utc>>,
    keep: &dyn Fn(&str, Option<&str>) -> bool,
) -> Result<ReadBack, TargetError> {
    let mut calls = 0;
    let mut reason = None;
    if let Some(since) = since {
        match changes(client, since).await {
            Ok(raw) if raw.entries.len() < CDC_MAX_OBJECTS => {
                return finish(client, raw, false, None, keep).await;
            }
            Ok(raw) => {
                calls += raw.calls;
                reason = Some(format!("{CDC_MAX_OBJECTS} or more entries changed since the last comparison"));
            }
            Err(TargetError::Protocol(why)) => {
                calls += 1;
                reason = Some(format!("Change Data Capture could not answer ({why})"));
            }
            Err(other) => return Err(other),
        }
    }
    let mut raw = everything(client).await?;
    raw.calls += calls;
    finish(client, raw, true, reason, keep).await
}

async fn changes(client: &QboClient, since: DateTime<Utc>) -> Result<Raw, TargetError> {
    let params = [
        ("entities", "JournalEntry".to_owned()),
        ("changedSince", since.to_rfc3339_opts(SecondsFormat::Secs, true)),
    ];
    let body = client.read("cdc", &params, "Change Data Capture").await?;
    let answer: CdcAnswer = serde_json::from_slice(&body).map_err(|e| protocol("a CDC answer", e))?;
    let entries = answer.responses.into_iter().flat_map(|r| r.pages).flat_map(|p| p.entries).collect();
    Ok(Raw { entries, time: instant(answer.time.as_deref()), calls: 1 })
}

async fn everything(client: &QboClient) -> Result<Raw, TargetError> {
    let mut raw = Raw { entries: Vec::new(), time: None, calls: 0 };
    for page in 0..PAGES_MAX {
        let query = format!(
            "SELECT * FROM JournalEntry STARTPOSITION {} MAXRESULTS {PAGE_SIZE}",
            page * PAGE_SIZE + 1
        );
        let body = client.read("query", &[("query", query.clone())], &format!("the query `{query}`")).await?;
        raw.calls += 1;
        let answer: QueryAnswer = serde_json::from_slice(&body).map_err(|e| protocol("a query answer", e))?;
        if raw.time.is_none() {
            raw.time = instant(answer.time.as_deref());
        }
        let got = answer.response.entries.len();
        raw.entries.extend(answer.response.entries);
        if got < PAGE_SIZE {
            return Ok(raw);
        }
    }
    Err(TargetError::Protocol(format!(
        "QuickBooks holds more than {} journal entries; the drift report does not read that many",
        PAGE_SIZE * PAGES_MAX
    )))
}

async fn finish(
    client: &QboClient,
    raw: Raw,
    full: bool,
    reason: Option<String>,
    keep: &dyn Fn(&str, Option<&str>) -> bool,
) -> Result<ReadBack, TargetError> {
    let documents_read = raw.entries.len();
    let ours: Vec<WireEntry> = raw
        .entries
        .into_iter()
        .filter(|e| keep(&e.id, e.private_note.as_deref().and_then(key_in_memo).as_deref()))
        .collect();
    let mut calls = raw.calls;
    let numbers = if ours.iter().any(|e| !is_deleted(e)) {
        let (numbers, pages) = account_numbers(client).await?;
        calls += pages;
        numbers
    } else {
        HashMap::new()
    };
    let documents = ours.into_iter().map(|e| held(e, &numbers)).collect::<Result<Vec<_>, _>>()?;
    Ok(ReadBack {
        documents,
        full,
        reason,
        // Without a time in the answer, our clock less nothing: the caller's margin covers skew.
        compared_at: raw.time.unwrap_or_else(Utc::now),
        documents_read,
        calls,
    })
}

fn is_deleted(entry: &WireEntry) -> bool {
    entry.status.as_deref().is_some_and(|s| s.eq_ignore_ascii_case("deleted"))
}

/// `AcctNum` of each account id (inactive ones too), read without touching the balances' numbers.
async fn account_numbers(client: &QboClient) -> Result<(HashMap<String, String>, u64), TargetError> {
    #[derive(Deserialize)]
    struct Answer {
        #[serde(rename = "QueryResponse", default)]
        response: Accounts,
    }
    #[derive(Deserialize, Default)]
    struct Accounts {
        #[serde(rename = "Account", default)]
        accounts: Vec<Account>,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct Account {
        id: String,
        acct_num: Option<String>,
    }
    let mut numbers = HashMap::new();
    for page in 0..PAGES_MAX {
        let query = format!(
            "SELECT * FROM Account WHERE Active IN (true, false) STARTPOSITION {} MAXRESULTS {PAGE_SIZE}",
            page * PAGE_SIZE + 1
        );
        let body = client.read("query", &[("query", query.clone())], &format!("the query `{query}`")).await?;
        let answer: Answer = serde_json::from_slice(&body).map_err(|e| protocol("a query answer", e))?;
        let got = answer.response.accounts.len();
        for account in answer.response.accounts {
            if let Some(number) = account.acct_num.filter(|n| !n.is_empty()) {
                numbers.insert(account.id, number);
            }
        }
        if got < PAGE_SIZE {
            return Ok((numbers, page as u64 + 1));
        }
    }
    Err(TargetError::Protocol(format!("QuickBooks holds more than {} accounts", PAGE_SIZE * PAGES_MAX)))
}

fn held(entry: WireEntry, numbers: &HashMap<String, String>) -> Result<HeldEntry, TargetError> {
    let updated_at = entry.meta.and_then(|m| m.last_updated_time);
    if entry.status.as_deref().is_some_and(|s| s.eq_ignore_ascii_case("deleted")) {
        return Ok(HeldEntry::deleted(entry.id, updated_at));
    }
    let mut lines = Vec::with_capacity(entry.line.len());
    for line in entry.line {
        // Description-only lines carry no detail and no money.
        let (Some(detail), Some(amount)) = (line.journal_entry_line_detail, line.amount) else { continue };
        let amount: Decimal = parse_decimal_text(amount.get().trim_matches('"')).map_err(|e| {
            TargetError::Protocol(format!(
                "QuickBooks entry {} has an amount that is not exact: {e}",
                entry.id
            ))
        })?;
        let side = match detail.posting_type.as_str() {
            "Debit" => Side::Debit,
            "Credit" => Side::Credit,
            other => {
                return Err(TargetError::Protocol(format!(
                    "QuickBooks entry {} has a line posted `{other}` (neither Debit nor Credit)",
                    entry.id
                )));
            }
        };
        let id = detail.account_ref.value;
        let account = numbers.get(&id).cloned().unwrap_or_else(|| format!("id:{id}"));
        lines.push(HeldLine { account, side, amount });
    }
    Ok(HeldEntry {
        key: entry.private_note.as_deref().and_then(key_in_memo),
        target_id: entry.id,
        doc_number: entry.doc_number,
        date: entry.txn_date.and_then(|d| d.parse().ok()),
        status: HeldStatus::Live,
        lines,
        updated_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_and_a_tombstone_read_exactly() {
        let text = r#"{"CDCResponse":[{"QueryResponse":[{"JournalEntry":[
            {"Id":"7","SyncToken":"1","MetaData":{"LastUpdatedTime":"2026-02-01T02:03:04-08:00"},
             "DocNumber":"EN-1","TxnDate":"2026-02-01","PrivateNote":"[entrata-recon p/charges/2026-02-01/1] charges",
             "Line":[{"Id":"0","Amount":1295.10,"DetailType":"JournalEntryLineDetail",
                      "JournalEntryLineDetail":{"PostingType":"Debit","AccountRef":{"value":"84","name":"AR"}}},
                     {"Id":"1","Amount":1295.10,"DetailType":"JournalEntryLineDetail",
                      "JournalEntryLineDetail":{"PostingType":"Credit","AccountRef":{"value":"99"}}}]},
            {"domain":"QBO","status":"Deleted","Id":"8","MetaData":{"LastUpdatedTime":"2026-02-01T02:03:05-08:00"}}
        ],"startPosition":1,"maxResults":2}]}],"time":"2026-02-01T02:03:06.000-08:00"}"#;
        let answer: CdcAnswer = serde_json::from_str(text).unwrap();
        assert_eq!(instant(answer.time.as_deref()).unwrap().to_rfc3339(), "2026-02-01T10:03:06+00:00");
        let mut entries: Vec<WireEntry> =
            answer.responses.into_iter().flat_map(|r| r.pages).flat_map(|p| p.entries).collect();
        let numbers = HashMap::from([("84".to_owned(), "1200".to_owned())]);
        let tombstone = held(entries.pop().unwrap(), &numbers).unwrap();
        assert_eq!(tombstone.status, HeldStatus::Deleted);
        let entry = held(entries.pop().unwrap(), &numbers).unwrap();
        assert_eq!(entry.key.as_deref(), Some("p/charges/2026-02-01/1"));
        assert_eq!(
            entry.lines[0],
            HeldLine { account: "1200".into(), side: Side::Debit, amount: Decimal::new(129_510, 2) }
        );
        assert_eq!(entry.lines[1].account, "id:99");
        assert_eq!(crate::domain::format_amount(entry.total()), "1295.10");
    }
}
