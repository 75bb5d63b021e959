//! Validation of one bank transaction (spend or receive money), created or updated.
//!
//! Rules: `Type` RECEIVE or SPEND (the other types exist in Xero but not in the sandbox); a
//! `Contact` by `ContactID` or `Name` (an unknown name creates the contact when the transaction
//! is saved, as Xero does); `BankAccount` by `Code` or `AccountID`, an active BANK account; one or
//! more line items, each on an active non-bank account, `LineAmount` = `Quantity` × `UnitAmount`
//! to the cent; a total that is not negative; the base currency; the date after the lock date;
//! `Status` AUTHORISED on creation, AUTHORISED→DELETED or VOIDED on update.

use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};

use super::super::books::{BankTransaction, Books, LineItem};
use super::super::checks::{self, Booking, Document, Findings, LockDate};
use super::super::input::{BankTransactionIn, LineItemIn, date_value, enum_value};
use super::super::wire::{money_text, new_guid};

pub const TYPES: [&str; 8] = [
    "RECEIVE",
    "SPEND",
    "RECEIVE-OVERPAYMENT",
    "RECEIVE-PREPAYMENT",
    "SPEND-OVERPAYMENT",
    "SPEND-PREPAYMENT",
    "RECEIVE-TRANSFER",
    "SPEND-TRANSFER",
];
pub const STATUSES: [&str; 3] = ["AUTHORISED", "DELETED", "VOIDED"];
const LINE_AMOUNT_TYPES: [&str; 3] = ["Exclusive", "Inclusive", "NoTax"];

#[derive(Debug)]
pub struct Checked {
    pub transaction: BankTransaction,
    /// A contact named by `Name` that does not exist yet: created when the transaction is saved.
    pub new_contact: Option<String>,
    pub findings: Findings,
}

/// Checks `input` against the books; `Err` is a request Xero cannot read at all.
pub fn check(
    input: &BankTransactionIn,
    existing: Option<&BankTransaction>,
    books: &Books,
    today: NaiveDate,
    unit_places: u32,
    lock: LockDate,
) -> Result<Checked, String> {
    let locked = |date: Option<NaiveDate>| match lock {
        LockDate::Enforce => date.and_then(|d| books.locked(d)),
        LockDate::Ignore => None,
    };
    let status = input.status.as_deref().map(|s| enum_value(Some(s), &STATUSES, "AUTHORISED")).transpose()?;
    let kind = input.kind.as_deref().map(|k| enum_value(Some(k), &TYPES, "RECEIVE")).transpose()?;
    let line_amount_types = enum_value(input.line_amount_types.as_deref(), &LINE_AMOUNT_TYPES, "Exclusive")?;
    let date = date_value(input.date.as_deref())?;
    let mut findings = Findings::default();
    let mut new_contact = None;
    let mut transaction = match existing {
        Some(existing) => existing.clone(),
        None => BankTransaction {
            id: String::new(),
            kind: String::new(),
            contact: None,
            bank_account: None,
            date: Some(today),
            reference: None,
            url: None,
            status: "AUTHORISED".to_owned(),
            line_amount_types: line_amount_types.to_owned(),
            currency_code: books.base_currency.clone(),
            is_reconciled: false,
            lines: Vec::new(),
            updated_at: chrono::DateTime::<chrono::Utc>::MIN_UTC,
        },
    };

    let target = status.unwrap_or(&transaction.status).to_owned();
    match existing {
        None if target != "AUTHORISED" => findings.error("Bank transaction not of valid status for creation"),
        None => {}
        Some(before) => {
            let allowed = before.status == "AUTHORISED";
            if !allowed {
                findings.error("Bank transaction not of valid status for modification");
            }
            if target != "AUTHORISED" {
                if let Some(message) = locked(before.date) {
                    findings.error(message);
                }
                transaction.status = target;
                return Ok(Checked { transaction, new_contact, findings });
            }
        }
    }

    if let Some(kind) = kind {
        transaction.kind = kind.to_owned();
    }
    if transaction.kind.is_empty() {
        findings.error("A valid Type must be specified for a bank transaction");
    } else if !["RECEIVE", "SPEND"].contains(&transaction.kind.as_str()) {
        findings.error(format!(
            "Bank transactions of type {} are not supported by the sandbox",
            transaction.kind
        ));
    }
    if let Some(contact) = &input.contact {
        let id = contact.id.as_deref().map(str::trim).filter(|s| !s.is_empty());
        let name = contact.name.as_deref().map(str::trim).filter(|s| !s.is_empty());
        match (id, name) {
            (Some(id), _) => match books.contact_by_id(id) {
                Some(found) if !found.status.eq_ignore_ascii_case("ACTIVE") => {
                    findings.error("The contact is archived and cannot be used.")
                }
                Some(found) => transaction.contact = Some((found.id.clone(), found.name.clone())),
                None => findings.error(format!("The contact with ContactID '{id}' does not exist")),
            },
            (None, Some(name)) => match books.contact_by_name(name) {
                Some(found) if !found.status.eq_ignore_ascii_case("ACTIVE") => {
                    findings.error("The contact is archived and cannot be used.")
                }
                Some(found) => transaction.contact = Some((found.id.clone(), found.name.clone())),
                None => {
                    // Created (with its id) when the transaction is saved.
                    new_contact = Some(name.to_owned());
                    transaction.contact = Some((String::new(), name.to_owned()));
                }
            },
            (None, None) => findings.error("A Contact must be specified for this type of transaction"),
        }
    }
    if transaction.contact.is_none() {
        findings.error("A Contact must be specified for this type of transaction");
    }
    if let Some(bank) = &input.bank_account {
        let found = match (&bank.id, &bank.code) {
            (Some(id), _) => books.account_by_id(id),
            (None, Some(code)) => books.account_by_code(code),
            (None, None) => None,
        };
        let label = bank.code.as_deref().or(bank.id.as_deref()).unwrap_or_default();
        match found {
            Some(account) if !account.is_bank() => {
                findings.error(format!("Account code '{label}' is not a valid bank account"))
            }
            Some(account) if !account.is_active() => {
                findings.error(format!("Account code '{}' has been archived, or deleted.", account.label()))
            }
            Some(account) => {
                transaction.bank_account =
                    Some((account.id.clone(), account.code.clone(), account.name.clone()))
            }
            None => findings.error(format!("Account code '{label}' is not a valid bank account")),
        }
    } else if transaction.bank_account.is_none() {
        findings.error("A bank account must be specified");
    }
    if let Some(date) = date {
        transaction.date = Some(date);
    }
    if input.reference.is_some() {
        transaction.reference = input.reference.clone();
    }
    if input.url.is_some() {
        transaction.url = input.url.clone();
    }
    if input.line_amount_types.is_some() {
        transaction.line_amount_types = line_amount_types.to_owned();
    }
    if let Some(reconciled) = input.is_reconciled {
        transaction.is_reconciled = reconciled;
    }
    if let Some(currency) = input.currency_code.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        if currency.eq_ignore_ascii_case(&books.base_currency) {
            transaction.currency_code = books.base_currency.clone();
        } else {
            findings.error(format!("Organisation is not subscribed to currency {currency}"));
        }
    }
    if let Some(lines) = &input.line_items {
        transaction.lines = Vec::with_capacity(lines.len());
        for line in lines {
            if let Some(line) = check_line(line, books, unit_places, &mut findings)? {
                transaction.lines.push(line);
            }
        }
    }
    if transaction.lines.is_empty() {
        findings.error("One or more line items must be specified");
    }
    let total = transaction.sub_total();
    if total.is_sign_negative() && !total.is_zero() {
        findings.error(format!("The total of a bank transaction cannot be negative ({})", money_text(total)));
    }
    if let Some(message) = locked(transaction.date) {
        findings.error(message);
    }
    Ok(Checked { transaction, new_contact, findings })
}

fn check_line(
    line: &LineItemIn,
    books: &Books,
    unit_places: u32,
    findings: &mut Findings,
) -> Result<Option<LineItem>, String> {
    let quantity = checks::amount(line.quantity.as_deref())?.unwrap_or(Decimal::ONE);
    let unit = checks::amount(line.unit_amount.as_deref())?;
    let given = checks::amount(line.line_amount.as_deref())?;
    checks::check_places(quantity, 4, "quantity", findings);
    let (unit_amount, line_amount) = match (unit, given) {
        (Some(unit), given) => {
            checks::check_places(unit, unit_places, "unit amount", findings);
            let computed =
                (quantity * unit).round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
            if let Some(given) = given
                && given != computed
            {
                findings.error(format!(
                    "The line amount {given} does not equal the quantity times the unit amount ({})",
                    money_text(computed)
                ));
            }
            (unit, computed)
        }
        (None, Some(given)) if !quantity.is_zero() => (given / quantity, given),
        (None, given) => (Decimal::ZERO, given.unwrap_or(Decimal::ZERO)),
    };
    checks::check_places(line_amount, 2, "line amount", findings);
    let Some(Booking { account_id, account_code, tax_type, tracking }) = checks::booking(
        books,
        (line.account_id.as_deref(), line.account_code.as_deref()),
        line.tax_type.as_deref(),
        line.tracking.as_deref(),
        Document::BankLine,
        findings,
    ) else {
        return Ok(None);
    };
    Ok(Some(LineItem {
        id: new_guid(),
        description: line.description.clone(),
        quantity,
        unit_amount: unit_amount.round_dp_with_strategy(4, RoundingStrategy::MidpointAwayFromZero),
        line_amount,
        account_id,
        account_code,
        tax_type,
        tracking,
    }))
}
