//! Validation of one manual journal, as created (`PUT`, or `POST` without an id) or updated
//! (`POST` with its id): Xero's rules and messages (reference B.3).
//!
//! Rules: `Narration` required; at least two lines once lines naming unknown accounts are removed
//! (with Xero's warning); debits equal credits; at most two decimals; at most two tracking
//! categories per line, each existing and active; no archived, BANK or system DEBTORS/CREDITORS
//! accounts; the date after the lock date; `Status` DRAFT (the default) or POSTED on creation,
//! DRAFT→POSTED, DRAFT→DELETED and POSTED→VOIDED on update.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::super::books::{Books, JournalLine, ManualJournal};
pub use super::super::checks::LockDate;
use super::super::checks::{self, Booking, Document, Findings};
use super::super::input::{JournalIn, JournalLineIn, date_value, enum_value};
use super::super::wire::money_text;

pub const STATUSES: [&str; 5] = ["DRAFT", "POSTED", "DELETED", "VOIDED", "ARCHIVED"];
pub const LINE_AMOUNT_TYPES: [&str; 3] = ["Exclusive", "Inclusive", "NoTax"];

/// A journal as it would be saved, with what Xero says about it.
#[derive(Debug)]
pub struct Checked {
    pub journal: ManualJournal,
    pub findings: Findings,
}

/// Checks `input` against the books. `Err` is a request Xero cannot read at all
/// (`PostDataInvalidException`): an unknown enum value, an unreadable date or amount.
pub fn check(
    input: &JournalIn,
    existing: Option<&ManualJournal>,
    books: &Books,
    today: NaiveDate,
    lock: LockDate,
) -> Result<Checked, String> {
    let status = input.status.as_deref().map(|s| enum_value(Some(s), &STATUSES, "DRAFT")).transpose()?;
    let line_amount_types = enum_value(input.line_amount_types.as_deref(), &LINE_AMOUNT_TYPES, "NoTax")?;
    let date = date_value(input.date.as_deref())?;
    let mut findings = Findings::default();
    let mut journal = match existing {
        Some(existing) => existing.clone(),
        None => ManualJournal {
            id: String::new(),
            narration: None,
            date: None,
            status: "DRAFT".to_owned(),
            line_amount_types: line_amount_types.to_owned(),
            url: None,
            show_on_cash_basis_reports: true,
            lines: Vec::new(),
            updated_at: chrono::DateTime::<chrono::Utc>::MIN_UTC,
        },
    };
    let lock_message = |date: Option<NaiveDate>| match lock {
        LockDate::Enforce => date.and_then(|d| books.locked(d)),
        LockDate::Ignore => None,
    };

    let target = status.unwrap_or(&journal.status).to_owned();
    match existing {
        None if !["DRAFT", "POSTED"].contains(&target.as_str()) => {
            findings.error("Manual journal not of valid status for creation");
        }
        None => {}
        Some(before) => {
            let allowed = matches!(
                (before.status.as_str(), target.as_str()),
                ("DRAFT", "DRAFT" | "POSTED" | "DELETED") | ("POSTED", "POSTED" | "VOIDED")
            );
            if !allowed {
                findings.error("Manual journal not of valid status for modification");
            }
            if ["VOIDED", "DELETED"].contains(&target.as_str()) {
                // Voiding or deleting changes nothing else; only a locked period stops it.
                if let Some(message) = lock_message(before.date) {
                    findings.error(message);
                }
                journal.status = target;
                return Ok(Checked { journal, findings });
            }
        }
    }
    journal.status = target;

    if input.narration.is_some() || existing.is_none() {
        journal.narration = input.narration.clone();
    }
    if journal.narration.as_deref().is_none_or(|n| n.trim().is_empty()) {
        findings.error("Narration is required");
    }
    if let Some(date) = date {
        journal.date = Some(date);
    } else if existing.is_none() {
        journal.date = Some(today);
    }
    if input.line_amount_types.is_some() {
        journal.line_amount_types = line_amount_types.to_owned();
    }
    if input.url.is_some() {
        journal.url = input.url.clone();
    }
    if let Some(show) = input.show_on_cash_basis_reports {
        journal.show_on_cash_basis_reports = show;
    }
    if let Some(lines) = &input.lines {
        journal.lines = Vec::with_capacity(lines.len());
        for line in lines {
            if let Some(line) = check_line(line, books, &mut findings)? {
                journal.lines.push(line);
            }
        }
    }

    if journal.lines.len() < 2 {
        findings.error("A manual journal must have at least two journal lines");
    }
    let debits: Decimal = journal.lines.iter().map(|l| l.amount).filter(|a| a.is_sign_positive()).sum();
    let credits: Decimal = journal.lines.iter().map(|l| l.amount).filter(|a| a.is_sign_negative()).sum();
    if debits + credits != Decimal::ZERO {
        findings.error(format!(
            "The total debits ({}) must equal total credits ({})",
            money_text(debits),
            money_text(credits)
        ));
    }
    if let Some(message) = lock_message(journal.date) {
        findings.error(message);
    }
    Ok(Checked { journal, findings })
}

/// One line; `Ok(None)` when it is blank or names an unknown account (removed, with a warning).
fn check_line(
    line: &JournalLineIn,
    books: &Books,
    findings: &mut Findings,
) -> Result<Option<JournalLine>, String> {
    let amount = checks::amount(line.line_amount.as_deref())?;
    let no_account = line.account_code.as_deref().is_none_or(|c| c.trim().is_empty())
        && line.account_id.as_deref().is_none_or(|c| c.trim().is_empty());
    if amount.is_none() && no_account && line.description.is_none() {
        return Ok(None);
    }
    let amount = amount.unwrap_or(Decimal::ZERO);
    checks::check_places(amount, 2, "line amount", findings);
    let Some(Booking { account_id, account_code, tax_type, tracking }) = checks::booking(
        books,
        (line.account_id.as_deref(), line.account_code.as_deref()),
        line.tax_type.as_deref(),
        line.tracking.as_deref(),
        Document::ManualJournal,
        findings,
    ) else {
        return Ok(None);
    };
    Ok(Some(JournalLine {
        description: line.description.clone(),
        amount,
        account_id,
        account_code,
        tax_type,
        tracking,
    }))
}
