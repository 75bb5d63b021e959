//! Reading back what Xero holds, for the drift report, at the cost of what changed: the manual
//! journals and bank transactions modified since an instant (`If-Modified-Since`, in Xero's
//! clock), paged (a paged list carries the lines), oldest change first; everything when no
//! instant is given. Voided and deleted documents stay in Xero's lists with their status.
//!
//! A bank transaction becomes the entry it was built from (`build`): its bank line (debit for
//! `RECEIVE`, credit for `SPEND`) for the sum of its line items, each line item on the other side
//! (or, negative, on the same side). Money is read from the JSON number's text into a `Decimal`.
//!
//! Invariant: only reads; a document is kept when `keep` says it is the connector's.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::value::RawValue;

use super::build::reference_doc_number;
use super::client::XeroClient;
use super::wire::{parse_date, parse_ms_date};
use crate::domain::parse_decimal_text;
use crate::drift::held::{HeldEntry, HeldLine, HeldStatus, ReadBack, key_in_memo};
use crate::journal::Side;
use crate::posting::TargetError;

/// Records per page (Xero's default and the most its documentation promises for these lists).
const PAGE_SIZE: usize = 100;
/// Pages per list and read: 100,000 documents is not an organisation this tool reads in one night.
const PAGES_MAX: u32 = 1000;

#[derive(Deserialize)]
struct Page<T> {
    #[serde(rename = "DateTimeUTC")]
    time: Option<String>,
    #[serde(rename = "ManualJournals", alias = "BankTransactions", default = "Vec::new")]
    items: Vec<T>,
    #[serde(default)]
    pagination: Option<Pagination>,
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "camelCase")]
struct Pagination {
    #[serde(default)]
    page_count: u32,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct WireJournal {
    #[serde(rename = "ManualJournalID")]
    id: String,
    narration: Option<String>,
    date: Option<String>,
    status: Option<String>,
    #[serde(rename = "UpdatedDateUTC")]
    updated: Option<String>,
    #[serde(default)]
    journal_lines: Vec<WireLine>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct WireBank {
    #[serde(rename = "BankTransactionID")]
    id: String,
    #[serde(rename = "Type")]
    kind: Option<String>,
    reference: Option<String>,
    date: Option<String>,
    status: Option<String>,
    #[serde(rename = "UpdatedDateUTC")]
    updated: Option<String>,
    bank_account: Option<WireAccount>,
    #[serde(default)]
    line_items: Vec<WireLine>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct WireLine {
    description: Option<String>,
    line_amount: Option<Box<RawValue>>,
    account_code: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct WireAccount {
    code: Option<String>,
}

/// Reads back the organisation's manual journals and bank transactions changed since `since` (in
/// Xero's clock), or all of them when `since` is `None`. `keep(id, key)` says which are the
/// connector's.
pub async fn read_back(
    client: &XeroClient,
    since: Option<DateTime<Utc>>,
    keep: &dyn Fn(&str, Option<&str>) -> bool,
) -> Result<ReadBack, TargetError> {
    let calls_before = client.counts().reads;
    let (journals, journals_time) = list::<WireJournal>(client, "ManualJournals", since).await?;
    let (banks, _) = list::<WireBank>(client, "BankTransactions", since).await?;
    let documents_read = journals.len() + banks.len();
    let mut documents = Vec::new();
    for journal in journals {
        let key = journal.narration.as_deref().and_then(key_in_memo);
        if keep(&journal.id, key.as_deref()) {
            documents.push(from_journal(journal, key)?);
        }
    }
    for bank in banks {
        let key = bank.line_items.iter().find_map(|l| l.description.as_deref().and_then(key_in_memo));
        if keep(&bank.id, key.as_deref()) {
            documents.push(from_bank(bank, key)?);
        }
    }
    Ok(ReadBack {
        documents,
        full: since.is_none(),
        reason: None,
        compared_at: journals_time.unwrap_or_else(Utc::now),
        documents_read,
        calls: client.counts().reads.saturating_sub(calls_before),
    })
}

/// Every page of one list; the time of its first answer.
async fn list<T: serde::de::DeserializeOwned>(
    client: &XeroClient,
    path: &str,
    since: Option<DateTime<Utc>>,
) -> Result<(Vec<T>, Option<DateTime<Utc>>), TargetError> {
    let mut all = Vec::new();
    let mut time = None;
    for page in 1..=PAGES_MAX {
        let params = [
            ("page", page.to_string()),
            ("pageSize", PAGE_SIZE.to_string()),
            ("order", "UpdatedDateUTC ASC".to_owned()),
        ];
        let body = client.get(path, &params, since).await?;
        let answer: Page<T> = serde_json::from_slice(&body)
            .map_err(|e| TargetError::Protocol(format!("Xero's list of {path} is not its JSON: {e}")))?;
        if time.is_none() {
            time = answer.time.as_deref().and_then(parse_ms_date);
        }
        let got = answer.items.len();
        all.extend(answer.items);
        let last_page = answer.pagination.is_some_and(|p| p.page_count > 0 && page >= p.page_count);
        if got < PAGE_SIZE || last_page {
            return Ok((all, time));
        }
    }
    Err(TargetError::Protocol(format!(
        "Xero holds more than {} {path}; the drift report does not read that many",
        PAGE_SIZE * PAGES_MAX as usize
    )))
}

fn status(text: Option<&str>) -> HeldStatus {
    match text.map(str::to_ascii_uppercase).as_deref() {
        Some("POSTED" | "AUTHORISED") => HeldStatus::Live,
        Some("VOIDED") => HeldStatus::Voided,
        Some("DELETED") => HeldStatus::Deleted,
        Some(other) => HeldStatus::Other(other.to_ascii_lowercase()),
        None => HeldStatus::Other("unknown".into()),
    }
}

fn amount(id: &str, line: &WireLine) -> Result<Decimal, TargetError> {
    let Some(raw) = &line.line_amount else { return Ok(Decimal::ZERO) };
    parse_decimal_text(raw.get().trim_matches('"')).map_err(|e| {
        TargetError::Protocol(format!("Xero document {id} has an amount that is not exact: {e}"))
    })
}

fn code(code: Option<&str>) -> String {
    code.map(str::trim).filter(|c| !c.is_empty()).map_or_else(|| "(no code)".to_owned(), str::to_owned)
}

/// A signed amount as a line: positive on `positive`, negative on the other side.
fn line(account: String, signed: Decimal, positive: Side) -> Option<HeldLine> {
    let other = match positive {
        Side::Debit => Side::Credit,
        Side::Credit => Side::Debit,
    };
    match signed {
        a if a.is_zero() => None,
        a if a.is_sign_positive() => Some(HeldLine { account, side: positive, amount: a }),
        a => Some(HeldLine { account, side: other, amount: -a }),
    }
}

fn from_journal(journal: WireJournal, key: Option<String>) -> Result<HeldEntry, TargetError> {
    let mut lines = Vec::with_capacity(journal.journal_lines.len());
    for wire in &journal.journal_lines {
        let signed = amount(&journal.id, wire)?;
        lines.extend(line(code(wire.account_code.as_deref()), signed, Side::Debit));
    }
    // `EN-LV001-C260201-1: Entrata charges ...`: the document number opens the narration.
    let doc_number = key.as_ref().and_then(|_| {
        journal.narration.as_deref().and_then(|n| n.split_once(": ")).map(|(doc, _)| doc.trim().to_owned())
    });
    Ok(HeldEntry {
        target_id: journal.id,
        key,
        doc_number,
        date: journal.date.as_deref().and_then(parse_date),
        status: status(journal.status.as_deref()),
        lines,
        updated_at: journal.updated,
    })
}

fn from_bank(bank: WireBank, key: Option<String>) -> Result<HeldEntry, TargetError> {
    let (bank_side, items_side) = match bank.kind.as_deref().map(str::to_ascii_uppercase).as_deref() {
        Some("SPEND") => (Side::Credit, Side::Debit),
        _ => (Side::Debit, Side::Credit),
    };
    let mut lines = Vec::with_capacity(bank.line_items.len() + 1);
    let mut total = Decimal::ZERO;
    for wire in &bank.line_items {
        let signed = amount(&bank.id, wire)?;
        total += signed;
        lines.extend(line(code(wire.account_code.as_deref()), signed, items_side));
    }
    let bank_code = code(bank.bank_account.as_ref().and_then(|a| a.code.as_deref()));
    lines.extend(line(bank_code, total, bank_side));
    Ok(HeldEntry {
        target_id: bank.id,
        key,
        // `EN-LV001-A260203-1 corrects EN-LV001-D260203-1`: the document number comes first.
        doc_number: bank
            .reference
            .as_deref()
            .map(|r| reference_doc_number(r).to_owned())
            .filter(|r| !r.is_empty()),
        date: bank.date.as_deref().and_then(parse_date),
        status: status(bank.status.as_deref()),
        lines,
        updated_at: bank.updated,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn journals_and_bank_transactions_become_lines() {
        let journals: Page<WireJournal> = serde_json::from_str(
            r#"{"Id":"x","Status":"OK","DateTimeUTC":"/Date(1769940000000)/","pagination":{"page":1,"pageSize":100,"pageCount":1,"itemCount":1},
            "ManualJournals":[{"Date":"/Date(1769904000000+0000)/","Status":"VOIDED","UpdatedDateUTC":"/Date(1769940000000+0000)/",
            "ManualJournalID":"j1","Narration":"EN-1: Entrata charges for p on 2026-02-01 [entrata-recon p/charges/2026-02-01/1]",
            "JournalLines":[{"LineAmount":1295.10,"AccountCode":"1210"},{"LineAmount":-1295.10,"AccountCode":"4000"}]}]}"#,
        )
        .unwrap();
        assert!(journals.time.as_deref().and_then(parse_ms_date).is_some());
        let journal = journals.items.into_iter().next().unwrap();
        let key = journal.narration.as_deref().and_then(key_in_memo);
        let held = from_journal(journal, key).unwrap();
        assert_eq!(held.doc_number.as_deref(), Some("EN-1"));
        assert_eq!(held.status, HeldStatus::Voided);
        assert_eq!(held.date.unwrap().to_string(), "2026-02-01");
        assert_eq!(
            held.lines[1],
            HeldLine { account: "4000".into(), side: Side::Credit, amount: Decimal::new(129_510, 2) }
        );

        let banks: Page<WireBank> = serde_json::from_str(
            r#"{"BankTransactions":[{"BankTransactionID":"b1","Type":"SPEND","Reference":"EN-R-1","Status":"AUTHORISED",
            "BankAccount":{"AccountID":"a","Code":"1010","Name":"Operating"},
            "LineItems":[{"Description":"NSF [entrata-recon p/return/pay_1/1]","LineAmount":50.00,"AccountCode":"1210"}]}]}"#,
        )
        .unwrap();
        let bank = banks.items.into_iter().next().unwrap();
        let key = bank.line_items.iter().find_map(|l| l.description.as_deref().and_then(key_in_memo));
        let held = from_bank(bank, key).unwrap();
        assert_eq!(held.key.as_deref(), Some("p/return/pay_1/1"));
        assert_eq!(held.status, HeldStatus::Live);
        assert_eq!(
            held.lines,
            [
                HeldLine { account: "1210".into(), side: Side::Debit, amount: Decimal::new(5_000, 2) },
                HeldLine { account: "1010".into(), side: Side::Credit, amount: Decimal::new(5_000, 2) },
            ]
        );
    }

    #[test]
    fn a_correction_reads_back_as_its_adjustment() {
        // A RECEIVE of 5.00 correcting a deposit: 15.00 off one clearing account, 10.00 onto another.
        let banks: Page<WireBank> = serde_json::from_str(
            r#"{"BankTransactions":[{"BankTransactionID":"b2","Type":"RECEIVE","Status":"AUTHORISED",
            "Reference":"EN-LV001-A260203-1 corrects EN-LV001-D260203-1","BankAccount":{"Code":"1010"},
            "LineItems":[{"Description":"Adjusts EN-LV001-D260203-1: dep_1 changed [entrata-recon p/adjustment/EN-LV001-D260203-1/1]","LineAmount":15.00,"AccountCode":"1499"},
            {"Description":"Adjusts EN-LV001-D260203-1: dep_1 changed","LineAmount":-10.00,"AccountCode":"1498"}]}]}"#,
        )
        .unwrap();
        let bank = banks.items.into_iter().next().unwrap();
        let key = bank.line_items.iter().find_map(|l| l.description.as_deref().and_then(key_in_memo));
        let held = from_bank(bank, key).unwrap();
        assert_eq!(held.key.as_deref(), Some("p/adjustment/EN-LV001-D260203-1/1"));
        assert_eq!(held.doc_number.as_deref(), Some("EN-LV001-A260203-1"));
        assert_eq!(
            held.lines,
            [
                HeldLine { account: "1499".into(), side: Side::Credit, amount: Decimal::new(1_500, 2) },
                HeldLine { account: "1498".into(), side: Side::Debit, amount: Decimal::new(1_000, 2) },
                HeldLine { account: "1010".into(), side: Side::Debit, amount: Decimal::new(500, 2) },
            ]
        );
    }
}
