//! A recorded entry as Xero takes it. Deposits and returns after deposit (the only kinds that
//! touch a bank account, PRODUCT.md §5) become one bank transaction each, so that it equals the
//! bank-feed line: a deposit is a `RECEIVE` into the bank account of its debit line, coded to the
//! credited clearing accounts; a return is a `SPEND` from the bank account of its credit line,
//! coded to receivables. An adjustment of such an entry (a deposit or return edited, moved or
//! deleted in Entrata after posting) has lines on the bank account too, which a manual journal
//! cannot post: it becomes a bank transaction of its own on that bank account, `RECEIVE` when it
//! adds to the bank and `SPEND` when it takes from it, its other lines as line items (signed), its
//! `Reference` naming the document it corrects; one whose bank lines are on two bank accounts (a
//! transfer) is held. Every other entry is a manual journal, posted (`Status` POSTED), its lines
//! signed (debits positive, credits negative).
//!
//! Both carry the document number and the entry's key in a marker (`[entrata-recon <key>]`) that
//! a lookup matches: in a journal's `Narration`; in a bank transaction's `Reference` (the document
//! number first) and its first line's description (list answers carry `Reference` always and the
//! lines when paged). An entry that cannot be built exactly is a `Hold`, never a guess.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::chart::{Chart, ChartAccount, ChartContact};
use super::wire;
use crate::journal::{BalancedEntry, JournalKind, Side};
use crate::mapping::model::PropertyMapping;
use crate::posting::Hold;

/// What one entry becomes.
#[derive(Debug)]
pub enum Document {
    Journal(wire::ManualJournal),
    Bank(wire::BankTransaction),
}

/// The marker of an entry's key, which a lookup matches.
pub fn key_marker(key: &str) -> String {
    format!("[entrata-recon {key}]")
}

fn hold(kind: &'static str, message: impl Into<String>) -> Hold {
    Hold { kind, message: message.into() }
}

fn unknown_account(message: impl Into<String>) -> Hold {
    hold("unknown_account", message)
}

/// `EN-LV001-C260201-1: Entrata charges for prop_0001 on 2026-02-01 [entrata-recon prop_0001/charges/2026-02-01/1]`
fn narration(entry: &BalancedEntry, redate: Option<NaiveDate>) -> String {
    let mut text = format!(
        "{}: Entrata {} for {} on {}",
        entry.doc_number(),
        entry.kind(),
        entry.property_id(),
        entry.date()
    );
    if let Some(date) = redate {
        text.push_str(&format!("; moved to {date}: Xero's period is closed"));
    }
    text.push(' ');
    text.push_str(&key_marker(entry.key().as_str()));
    text
}

fn amount(value: Decimal) -> Result<Box<serde_json::value::RawValue>, Hold> {
    wire::money(value).map_err(|e| hold("invalid_item", e))
}

/// The document `entry` becomes, dated `redate` when the target refused its own date before.
pub fn document(
    chart: &Chart,
    mapping: &PropertyMapping,
    entry: &BalancedEntry,
    redate: Option<NaiveDate>,
) -> Result<Document, Hold> {
    match &chart.base_currency {
        Some(base) if !base.eq_ignore_ascii_case(entry.currency().as_str()) => {
            return Err(hold(
                "currency_mismatch",
                format!(
                    "the entry is in {} and the Xero organisation keeps its books in {base}",
                    entry.currency()
                ),
            ));
        }
        Some(_) => {}
        // Never a guessed currency: held until the organisation names its base currency.
        None => {
            return Err(hold(
                "currency_unknown",
                format!(
                    "the Xero organisation's base currency is not known (its Organisation answer named none); \
                     the entry ({}) is sent once it is",
                    entry.currency()
                ),
            ));
        }
    }
    let tracking = chart.tracking(&mapping.dimensions).map_err(unknown_account)?;
    let mut accounts = Vec::with_capacity(entry.lines().len());
    for line in entry.lines() {
        accounts.push(chart.posting_account(mapping, line.account()).map_err(unknown_account)?);
    }
    let date = redate.unwrap_or(entry.date()).to_string();
    let narration = narration(entry, redate);
    let describe = |text: &str| if text.trim().is_empty() { narration.clone() } else { text.to_owned() };

    let banks = bank_lines(mapping, entry);
    if !bank_document(entry, &banks) {
        let mut lines = Vec::with_capacity(accounts.len());
        for (line, account) in entry.lines().iter().zip(&accounts) {
            if let Some(refusal) = Chart::journal_refusal(line.account(), account) {
                return Err(unknown_account(refusal));
            }
            let signed = match line.side() {
                Side::Debit => line.amount(),
                Side::Credit => -line.amount(),
            };
            lines.push(wire::JournalLine {
                line_amount: amount(signed)?,
                account_code: account.code.clone(),
                description: describe(line.description()),
                tracking: tracking.clone(),
            });
        }
        return Ok(Document::Journal(wire::ManualJournal {
            narration,
            date,
            status: "POSTED",
            line_amount_types: "NoTax",
            journal_lines: lines,
        }));
    }

    // The contact's absence is told after what makes the bank transaction impossible.
    let bank = BankPart { contact: chart.contact(&mapping.dimensions), tracking };
    bank_transaction(entry, &banks, &accounts, bank, date, describe)
}

/// The indexes of `entry`'s lines on a bank account of `[posting] bank_accounts`.
fn bank_lines(mapping: &PropertyMapping, entry: &BalancedEntry) -> Vec<usize> {
    entry
        .lines()
        .iter()
        .enumerate()
        .filter(|(_, l)| mapping.posting.bank_accounts.values().any(|b| b == l.account()))
        .map(|(i, _)| i)
        .collect()
}

/// Whether `entry` posts as a bank transaction: a deposit always (it is the bank-feed line), a
/// return or an adjustment when it has a bank line (a manual journal cannot touch a bank account;
/// a return out of clearing, its payment not in the deposit it names, has none). Any other kind
/// never has a bank line; if it had, the journal's hold would say so.
fn bank_document(entry: &BalancedEntry, banks: &[usize]) -> bool {
    match entry.kind() {
        JournalKind::Deposit => true,
        JournalKind::Return | JournalKind::Adjustment => !banks.is_empty(),
        _ => false,
    }
}

/// Whether `entry` is sent as a bank transaction (`Target::batch_class`), as `document` decides.
pub fn is_bank_document(mapping: &PropertyMapping, entry: &BalancedEntry) -> bool {
    bank_document(entry, &bank_lines(mapping, entry))
}

/// `EN-LV001-D260203-1`, or for a correction `EN-LV001-A260203-1 corrects EN-LV001-D260203-1`:
/// the entry's own document number first (lookups and the drift report read it), then the
/// document an adjustment corrects (its key's anchor), so that whoever reconciles the bank
/// account in Xero sees which deposit or return the line belongs to.
fn reference(entry: &BalancedEntry) -> String {
    match entry.kind() {
        JournalKind::Adjustment => format!("{} corrects {}", entry.doc_number(), entry.key().anchor()),
        _ => entry.doc_number().to_string(),
    }
}

/// The entry's own document number in a bank transaction's `Reference` (its first word).
pub fn reference_doc_number(reference: &str) -> &str {
    reference.split_whitespace().next().unwrap_or_default()
}

struct BankPart<'a> {
    contact: Result<&'a ChartContact, String>,
    tracking: Vec<wire::Tracking>,
}

/// A bank transaction: one line on a bank account; the others are its line items.
fn bank_transaction(
    entry: &BalancedEntry,
    banks: &[usize],
    accounts: &[&ChartAccount],
    part: BankPart<'_>,
    date: String,
    describe: impl Fn(&str) -> String,
) -> Result<Document, Hold> {
    let [bank_index] = banks[..] else {
        return Err(unknown_account(bank_count_refusal(entry, banks, accounts)));
    };
    let bank_line = &entry.lines()[bank_index];
    let bank = accounts[bank_index];
    if let Some(refusal) = Chart::bank_refusal(bank_line.account(), bank) {
        return Err(unknown_account(refusal));
    }
    let contact = part.contact.map_err(unknown_account)?;
    // Money into the bank (its line is a debit) is RECEIVE; out of it, SPEND. Line items are
    // positive on the side opposite the bank line, so that they add up to the bank line.
    let (kind, items_side) = match bank_line.side() {
        Side::Debit => ("RECEIVE", Side::Credit),
        Side::Credit => ("SPEND", Side::Debit),
    };
    let mut items = Vec::with_capacity(entry.lines().len() - 1);
    for (index, (line, account)) in entry.lines().iter().zip(accounts).enumerate() {
        if index == bank_index {
            continue;
        }
        if account.is_bank() {
            return Err(unknown_account(format!(
                "Xero account {} ({}) of `{}` is a bank account: money between two bank accounts is a \
                 transfer, not a {}; map `{}` to a clearing account instead",
                account.code,
                account.name,
                line.account(),
                entry.kind(),
                line.account()
            )));
        }
        let signed = if line.side() == items_side { line.amount() } else { -line.amount() };
        let mut description = describe(line.description());
        if items.is_empty() {
            description.push(' ');
            description.push_str(&key_marker(entry.key().as_str()));
        }
        items.push(wire::LineItem {
            description,
            quantity: wire::one().map_err(|e| hold("invalid_item", e))?,
            unit_amount: amount(signed)?,
            line_amount: amount(signed)?,
            account_code: account.code.clone(),
            tracking: part.tracking.clone(),
        });
    }
    Ok(Document::Bank(wire::BankTransaction {
        kind,
        contact: wire::ContactRef { id: contact.id.clone() },
        bank_account: wire::AccountRef { code: bank.code.clone() },
        date,
        reference: reference(entry),
        status: "AUTHORISED",
        line_amount_types: "NoTax",
        line_items: items,
    }))
}

/// Why an entry with `banks.len()` bank lines (not one) cannot be one bank transaction.
fn bank_count_refusal(entry: &BalancedEntry, banks: &[usize], accounts: &[&ChartAccount]) -> String {
    if entry.kind() != JournalKind::Adjustment {
        return format!(
            "a {} entry posts to Xero as one bank transaction and needs exactly one line on a bank \
             account of `[posting] bank_accounts`; this one has {}",
            entry.kind(),
            banks.len()
        );
    }
    let moves: Vec<String> = banks
        .iter()
        .map(|&i| {
            let line = &entry.lines()[i];
            let way = if line.side() == Side::Debit { "into" } else { "out of" };
            format!("{} {way} Xero account {} (`{}`)", line.amount(), accounts[i].code, line.account())
        })
        .collect();
    format!(
        "adjustment {} of {} moves money on {} bank accounts ({}); Xero takes a correction of a bank \
         line only as one bank transaction on one bank account, and money between bank accounts is a \
         transfer, which the connector does not post: the adjustment is held; record the transfer in \
         Xero by hand",
        entry.doc_number(),
        entry.key().anchor(),
        banks.len(),
        moves.join(", ")
    )
}

/// Whether a saved journal is the entry `key` numbered `doc_number`.
pub fn journal_matches(saved: &wire::SavedJournal, key: &str, doc_number: &str) -> bool {
    saved.narration.as_deref().is_some_and(|n| n.contains(&key_marker(key)) && n.contains(doc_number))
}

/// Whether a saved bank transaction is the entry `key` numbered `doc_number` (its lines are
/// needed: a list shows them when paged).
pub fn bank_transaction_matches(saved: &wire::SavedBankTransaction, key: &str, doc_number: &str) -> bool {
    let marker = key_marker(key);
    saved.reference.as_deref().is_some_and(|r| reference_doc_number(r).eq_ignore_ascii_case(doc_number))
        && saved.line_items.iter().any(|l| l.description.as_deref().is_some_and(|d| d.contains(&marker)))
}

#[cfg(test)]
mod tests;
