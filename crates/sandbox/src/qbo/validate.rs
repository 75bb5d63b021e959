//! The business rules a JournalEntry must pass against the company, with the real service's codes:
//! references must exist (2500) and be active (610), Accounts Receivable lines need a customer and
//! Accounts Payable lines a vendor (6000), debits must equal credits and the total must not be zero
//! (6000), the currency must be the home currency (6000, multicurrency is off), and the date must be
//! after the books' close date (6210). Duplicate `DocNumber`s (6140) need the other entries and are
//! checked by `books`.
//!
//! Invariant: `validate` is pure: the same spec and company give the same answer, and a `Content`
//! it returns satisfies the stored-entry invariants of `entry`.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::company::{Company, EntityKind, Named};
use super::draft::{Draft, LineDraft};
use super::entry::{EntityRef, JournalEntry, Line, Posting, Ref};
use super::fault::{Fault, QboResult};

/// An entry as it is meant to be after a create or an update, before the rules are checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spec {
    pub doc_number: Option<String>,
    pub txn_date: Option<NaiveDate>,
    pub private_note: Option<String>,
    pub currency: Option<String>,
    pub department: Option<String>,
    pub adjustment: bool,
    /// `None`: the body had no `Line` (2020 on a create or a full update).
    pub lines: Option<Vec<LineDraft>>,
}

/// A checked entry's writable content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Content {
    pub doc_number: Option<String>,
    pub txn_date: NaiveDate,
    pub private_note: Option<String>,
    pub currency: String,
    pub department: Option<Ref>,
    pub adjustment: bool,
    pub lines: Vec<Line>,
}

impl Spec {
    /// A create, or a full update (what the body leaves out is cleared).
    pub fn from_draft(draft: Draft) -> Spec {
        Spec {
            doc_number: draft.doc_number.flatten(),
            txn_date: draft.txn_date.flatten(),
            private_note: draft.private_note.flatten(),
            currency: draft.currency.flatten(),
            department: draft.department.flatten(),
            adjustment: draft.adjustment.unwrap_or(false),
            lines: draft.lines,
        }
    }

    /// A sparse update: what the body gives replaces, what it leaves out stays.
    pub fn sparse(existing: &JournalEntry, draft: Draft) -> Spec {
        Spec {
            doc_number: draft.doc_number.unwrap_or_else(|| existing.doc_number.clone()),
            txn_date: draft.txn_date.unwrap_or(Some(existing.txn_date)),
            private_note: draft.private_note.unwrap_or_else(|| existing.private_note.clone()),
            currency: draft.currency.unwrap_or_else(|| Some(existing.currency.clone())),
            department: draft
                .department
                .unwrap_or_else(|| existing.department.as_ref().map(|d| d.value.clone())),
            adjustment: draft.adjustment.unwrap_or(existing.adjustment),
            lines: Some(draft.lines.unwrap_or_else(|| existing.lines.iter().map(line_draft).collect())),
        }
    }
}

/// A stored line as the ids it refers to, so an update re-checks it like a new one.
fn line_draft(line: &Line) -> LineDraft {
    LineDraft {
        description: line.description.clone(),
        amount: line.amount,
        posting: line.posting,
        account: line.account.value.clone(),
        entity: line.entity.as_ref().map(|e| (e.kind.clone(), e.reference.value.clone())),
        class: line.class.as_ref().map(|r| r.value.clone()),
        department: line.department.as_ref().map(|r| r.value.clone()),
    }
}

/// Resolves a name-list reference: 2500 when it does not exist, 610 when it is inactive.
fn resolve(list: &[Named], plural: &str, id: &str) -> QboResult<Ref> {
    let found = list.iter().find(|n| n.id == id).ok_or_else(|| Fault::invalid_reference(plural, id))?;
    if !found.active {
        return Err(Fault::inactive());
    }
    Ok(Ref { value: found.id.clone(), name: Some(found.name.clone()) })
}

/// Checks a spec against the company; `today` is the company's date (a missing `TxnDate`).
pub fn validate(spec: Spec, company: &Company, today: NaiveDate) -> QboResult<Content> {
    let lines = spec.lines.ok_or_else(|| Fault::required("Line"))?;
    if lines.is_empty() {
        return Err(Fault::business("A journal entry needs at least one debit line and one credit line."));
    }
    let currency = spec.currency.unwrap_or_else(|| company.home_currency.clone());
    if currency != company.home_currency {
        return Err(Fault::business(format!(
            "The currency {currency} is not the home currency {} and multicurrency is not enabled.",
            company.home_currency
        )));
    }
    let department = spec
        .department
        .map(|id| resolve(company.named(EntityKind::Department), "Departments", &id))
        .transpose()?;
    let mut resolved = Vec::with_capacity(lines.len());
    let (mut debits, mut credits) = (Decimal::ZERO, Decimal::ZERO);
    for line in lines {
        let account = company
            .account(&line.account)
            .ok_or_else(|| Fault::invalid_reference("Accounts", &line.account))?;
        if !account.active {
            return Err(Fault::inactive());
        }
        let entity = match &line.entity {
            None => None,
            Some((kind, id)) => {
                let list = match kind.as_str() {
                    "Customer" | "Job" => company.named(EntityKind::Customer),
                    // The sandbox's company has no vendors, employees or other names.
                    _ => &[],
                };
                let plural = format!("{kind}s");
                Some(EntityRef { kind: kind.clone(), reference: resolve(list, &plural, id)? })
            }
        };
        let entity_kind = entity.as_ref().map(|e| e.kind.as_str());
        match account.account_type.as_str() {
            "Accounts Receivable" if !matches!(entity_kind, Some("Customer" | "Job")) => {
                return Err(Fault::business(
                    "When you use Accounts Receivable, you must choose a customer in the Name field.",
                ));
            }
            "Accounts Payable" if entity_kind != Some("Vendor") => {
                return Err(Fault::business(
                    "When you use Accounts Payable, you must select a vendor in the Name field.",
                ));
            }
            _ => {}
        }
        match line.posting {
            Posting::Debit => debits += line.amount,
            Posting::Credit => credits += line.amount,
        }
        resolved.push(Line {
            description: line.description,
            amount: line.amount,
            posting: line.posting,
            account: Ref { value: account.id.clone(), name: Some(account.name.clone()) },
            entity,
            class: line
                .class
                .map(|id| resolve(company.named(EntityKind::Class), "Classes", &id))
                .transpose()?,
            department: line
                .department
                .map(|id| resolve(company.named(EntityKind::Department), "Departments", &id))
                .transpose()?,
        });
    }
    if debits != credits {
        return Err(Fault::business(format!(
            "The transaction is not in balance. Please make sure the total amount in the debit column ({debits}) \
             equals the total amount in the credit column ({credits})."
        )));
    }
    if debits.is_zero() {
        return Err(Fault::business("You must set a transaction amount."));
    }
    let txn_date = spec.txn_date.unwrap_or(today);
    check_open(company, txn_date)?;
    Ok(Content {
        doc_number: spec.doc_number,
        txn_date,
        private_note: spec.private_note,
        currency,
        department,
        adjustment: spec.adjustment,
        lines: resolved,
    })
}

/// 6210 when a date is on or before the books' close date.
pub fn check_open(company: &Company, date: NaiveDate) -> QboResult<()> {
    match company.book_close_date {
        Some(closed) if date <= closed => Err(Fault::period_closed()),
        _ => Ok(()),
    }
}
