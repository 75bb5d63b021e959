//! Xero's JSON, as the Accounting API takes and answers it (reference/qbo-xero-apis.md part B and
//! Xero's OpenAPI spec): `ManualJournals` and `BankTransactions` to create, what a write answers
//! per element (`StatusAttributeString`, `ValidationErrors`), the lists a lookup reads, the
//! reference lists read once per run, the error bodies, and `/Date(ms+0000)/` dates.
//!
//! Invariant: money goes out as a JSON number written from the amount's exact two-decimal text
//! (never through `f64`); an amount that cannot be written so is refused, never rounded. Amounts
//! that come back are read only by a lookup (from the JSON number's text, to compare a found
//! document's money with an entry's), never written anywhere.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

// ---- what we send ----

#[derive(Debug, Serialize)]
pub struct ManualJournals {
    #[serde(rename = "ManualJournals")]
    pub manual_journals: Vec<ManualJournal>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ManualJournal {
    pub narration: String,
    /// `YYYY-MM-DD`.
    pub date: String,
    pub status: &'static str,
    pub line_amount_types: &'static str,
    pub journal_lines: Vec<JournalLine>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct JournalLine {
    /// Debits positive, credits negative; a JSON number with exactly two decimals.
    pub line_amount: Box<RawValue>,
    pub account_code: String,
    pub description: String,
    pub tracking: Vec<Tracking>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tracking {
    #[serde(rename = "Name")]
    pub name: String,
    #[serde(rename = "Option")]
    pub option: String,
}

#[derive(Debug, Serialize)]
pub struct BankTransactions {
    #[serde(rename = "BankTransactions")]
    pub bank_transactions: Vec<BankTransaction>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct BankTransaction {
    /// `RECEIVE` (money into the bank account) or `SPEND` (out of it).
    #[serde(rename = "Type")]
    pub kind: &'static str,
    pub contact: ContactRef,
    pub bank_account: AccountRef,
    pub date: String,
    pub reference: String,
    pub status: &'static str,
    pub line_amount_types: &'static str,
    pub line_items: Vec<LineItem>,
}

#[derive(Debug, Serialize)]
pub struct ContactRef {
    #[serde(rename = "ContactID")]
    pub id: String,
}

#[derive(Debug, Serialize)]
pub struct AccountRef {
    #[serde(rename = "Code")]
    pub code: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LineItem {
    pub description: String,
    /// Always 1: the line is one amount, not units at a price.
    pub quantity: Box<RawValue>,
    pub unit_amount: Box<RawValue>,
    pub line_amount: Box<RawValue>,
    pub account_code: String,
    pub tracking: Vec<Tracking>,
}

// ---- what Xero answers ----

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Message {
    #[serde(rename = "Message", default)]
    pub message: String,
}

/// A manual journal as a write answers it (one element per journal sent) or a list shows it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct SavedJournal {
    #[serde(rename = "ManualJournalID")]
    pub id: Option<String>,
    pub narration: Option<String>,
    /// `/Date(ms+0000)/`.
    pub date: Option<String>,
    pub status: Option<String>,
    pub status_attribute_string: Option<String>,
    pub validation_errors: Vec<Message>,
    pub warnings: Vec<Message>,
    /// Its lines: in a paged list, not in an unpaged one (`JournalLines: []`).
    pub journal_lines: Vec<SavedLine>,
}

/// A journal line or bank line item as Xero answers it: its amount's JSON text (signed) and code.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct SavedLine {
    pub description: Option<String>,
    pub line_amount: Option<Box<RawValue>>,
    pub account_code: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct SavedAccount {
    pub code: Option<String>,
}

/// A bank transaction as a write answers it or a list shows it (lines only when paged).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct SavedBankTransaction {
    #[serde(rename = "BankTransactionID")]
    pub id: Option<String>,
    pub reference: Option<String>,
    /// `/Date(ms+0000)/`.
    pub date: Option<String>,
    pub status: Option<String>,
    pub status_attribute_string: Option<String>,
    pub validation_errors: Vec<Message>,
    pub warnings: Vec<Message>,
    /// `RECEIVE` or `SPEND`.
    #[serde(rename = "Type")]
    pub kind: Option<String>,
    pub bank_account: Option<SavedAccount>,
    pub line_items: Vec<SavedLine>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct JournalsAnswer {
    #[serde(rename = "ManualJournals")]
    pub manual_journals: Vec<SavedJournal>,
    pub pagination: Option<Pagination>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct BankTransactionsAnswer {
    #[serde(rename = "BankTransactions")]
    pub bank_transactions: Vec<SavedBankTransaction>,
    pub pagination: Option<Pagination>,
}

#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Pagination {
    pub page: u32,
    pub page_count: u32,
}

/// The 400 a write answers when `summarizeErrors` is not false (or an unreadable body): the
/// failing elements only, each with its `ValidationErrors`.
#[derive(Debug, Deserialize)]
pub struct ErrorBody<T> {
    #[serde(rename = "Type", default)]
    pub kind: Option<String>,
    #[serde(rename = "Message", default)]
    pub message: Option<String>,
    #[serde(rename = "Elements", default = "Vec::new")]
    pub elements: Vec<T>,
}

/// Xero's problem JSON (401, 403, 429 and other gateway answers).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Problem {
    pub title: Option<String>,
    pub detail: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Organisation {
    pub name: Option<String>,
    pub base_currency: Option<String>,
    pub period_lock_date: Option<String>,
    pub end_of_year_lock_date: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Organisations {
    #[serde(rename = "Organisations")]
    pub organisations: Vec<Organisation>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Account {
    #[serde(rename = "AccountID")]
    pub id: String,
    pub code: Option<String>,
    pub name: String,
    #[serde(rename = "Type")]
    pub account_type: String,
    pub status: String,
    pub system_account: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Accounts {
    #[serde(rename = "Accounts")]
    pub accounts: Vec<Account>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TrackingOption {
    pub name: String,
    pub status: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TrackingCategory {
    pub name: String,
    pub status: String,
    pub options: Vec<TrackingOption>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TrackingCategories {
    #[serde(rename = "TrackingCategories")]
    pub tracking_categories: Vec<TrackingCategory>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Contact {
    #[serde(rename = "ContactID")]
    pub id: String,
    #[serde(rename = "Name")]
    pub name: String,
    #[serde(rename = "ContactStatus")]
    pub status: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Contacts {
    #[serde(rename = "Contacts")]
    pub contacts: Vec<Contact>,
}

/// The id Xero gives an element it did not save.
pub const EMPTY_GUID: &str = "00000000-0000-0000-0000-000000000000";

/// The id of a saved element; `None` for an absent or all-zero one.
pub fn saved_id(id: Option<&str>) -> Option<&str> {
    id.map(str::trim).filter(|id| !id.is_empty() && *id != EMPTY_GUID)
}

// ---- values ----

/// An amount as a JSON number with exactly two decimals (`-1295.00`), from its exact value;
/// refused, never rounded, when it has more than two decimal places.
pub fn money(amount: Decimal) -> Result<Box<RawValue>, String> {
    if amount.normalize().scale() > 2 {
        return Err(format!("{amount} has more than two decimal places and cannot be sent exactly"));
    }
    let mut exact = amount;
    exact.rescale(2);
    let text = exact.to_string();
    let digits = text.strip_prefix('-').unwrap_or(&text);
    let valid = digits.split_once('.').is_some_and(|(int, frac)| {
        !int.is_empty() && frac.len() == 2 && int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
    });
    if !valid || exact != amount {
        return Err(format!("{amount} cannot be written as a two-decimal amount"));
    }
    RawValue::from_string(text).map_err(|e| e.to_string())
}

/// The quantity `1` of a one-amount line item.
pub fn one() -> Result<Box<RawValue>, String> {
    RawValue::from_string("1".to_owned()).map_err(|e| e.to_string())
}

/// The organisation's clock in an answer's envelope (`DateTimeUTC`), when it has one.
pub fn answer_time(body: &[u8]) -> Option<DateTime<Utc>> {
    #[derive(Deserialize)]
    struct Envelope {
        #[serde(rename = "DateTimeUTC")]
        date_time_utc: Option<String>,
    }
    let envelope: Envelope = serde_json::from_slice(body).ok()?;
    parse_ms_date(envelope.date_time_utc.as_deref()?)
}

/// A Microsoft JSON date as Xero writes it (`/Date(1552521600000+0000)/`, `/Date(1573755038314)/`):
/// milliseconds since the epoch in UTC; the offset after them is informational. Also an ISO
/// date-time without offset (UTC), which some Xero endpoints write.
pub fn parse_ms_date(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Some(inner) = text.strip_prefix("/Date(").and_then(|t| t.strip_suffix(")/")) {
        let (sign, rest) = match inner.strip_prefix('-') {
            Some(rest) => (-1, rest),
            None => (1, inner),
        };
        let end = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
        let offset = &rest[end..];
        let offset_ok = offset.is_empty()
            || (offset.len() == 5
                && offset.starts_with(['+', '-'])
                && offset[1..].bytes().all(|b| b.is_ascii_digit()));
        if end == 0 || !offset_ok {
            return None;
        }
        let millis: i64 = rest[..end].parse().ok()?;
        return DateTime::from_timestamp_millis(sign * millis);
    }
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
        .map(|at| at.and_utc())
}

/// A date field (`/Date(...)/` of midnight UTC, or `YYYY-MM-DD`).
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .ok()
        .or_else(|| parse_ms_date(text).map(|at| at.date_naive()))
}

/// `If-Modified-Since` as Xero's documentation writes it: a UTC date-time without offset.
pub fn modified_since(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S").to_string()
}

/// A string literal for a `where` clause: `"..."` with `"` and `\` escaped.
pub fn where_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        if matches!(c, '"' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// What an error answer says, whichever of Xero's shapes it is in; a body Xero did not write is
/// named by its status only (its text could be anything, a proxy's page included).
pub fn error_text(status: u16, body: &[u8]) -> String {
    if let Ok(error) = serde_json::from_slice::<ErrorBody<SavedJournal>>(body)
        && let Some(message) = error.message.as_deref().filter(|m| !m.is_empty())
    {
        let kind = error.kind.as_deref().unwrap_or("Error");
        let details: Vec<&str> = error
            .elements
            .iter()
            .flat_map(|e| e.validation_errors.iter().map(|v| v.message.as_str()))
            .collect();
        return if details.is_empty() {
            format!("{kind}: {message}")
        } else {
            format!("{kind}: {message}: {}", details.join("; "))
        };
    }
    if let Ok(problem) = serde_json::from_slice::<Problem>(body)
        && let Some(text) = problem.detail.as_deref().or(problem.title.as_deref()).filter(|t| !t.is_empty())
    {
        return format!("HTTP {status}: {text}");
    }
    format!("HTTP {status}")
}

#[cfg(test)]
mod tests;
