//! The Xero organisation's books as the sandbox holds them: the chart of accounts (whose status
//! a bookkeeper can change), contacts, tracking categories, the lock date, and the manual
//! journals and bank transactions created through the API. A document created under a
//! `visible_after_ms` fault rule is hidden from reads (`visible_journals`, `is_visible`) until its
//! time has come; writes and the control endpoints see every document.
//!
//! Invariants: every stored journal and bank transaction passed validation when it was last saved
//! through the API (a control-endpoint edit is validated too); ids are unique; `updated_at` only
//! moves forward.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

use crate::dataset::targets::XeroDataset;

use super::wire::new_guid;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: String,
    pub code: Option<String>,
    pub name: String,
    pub account_type: String,
    /// `ACTIVE` or `ARCHIVED`.
    pub status: String,
    pub class: String,
    pub system_account: Option<String>,
    pub tax_type: Option<String>,
    pub bank_account_number: Option<String>,
    pub currency_code: Option<String>,
    pub updated_at: DateTime<Utc>,
}

impl Account {
    pub fn is_active(&self) -> bool {
        self.status.eq_ignore_ascii_case("ACTIVE")
    }

    pub fn is_bank(&self) -> bool {
        self.account_type.eq_ignore_ascii_case("BANK")
    }

    /// How a message names it: by code, or by id when it has none.
    pub fn label(&self) -> &str {
        self.code.as_deref().unwrap_or(&self.id)
    }
}

/// Xero's account class for an account type.
pub fn class_of(account_type: &str) -> &'static str {
    match account_type.to_ascii_uppercase().as_str() {
        "CURRLIAB" | "LIABILITY" | "TERMLIAB" | "PAYG" => "LIABILITY",
        "EQUITY" => "EQUITY",
        "DEPRECIATN" | "DIRECTCOSTS" | "EXPENSE" | "OVERHEADS" | "SUPERANNUATIONEXPENSE" | "WAGESEXPENSE" => {
            "EXPENSE"
        }
        "OTHERINCOME" | "REVENUE" | "SALES" => "REVENUE",
        _ => "ASSET",
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub id: String,
    pub name: String,
    pub status: String,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackingOption {
    pub id: String,
    pub name: String,
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackingCategory {
    pub id: String,
    pub name: String,
    pub status: String,
    pub options: Vec<TrackingOption>,
}

/// A line's tracking, resolved to both ids and names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackingRef {
    pub category_id: String,
    pub category: String,
    pub option_id: String,
    pub option: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalLine {
    pub description: Option<String>,
    /// Debits positive, credits negative; at most two decimals.
    pub amount: Decimal,
    pub account_id: String,
    pub account_code: Option<String>,
    pub tax_type: String,
    pub tracking: Vec<TrackingRef>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManualJournal {
    pub id: String,
    /// `None` only in the echo of a journal that failed validation.
    pub narration: Option<String>,
    pub date: Option<NaiveDate>,
    /// `DRAFT`, `POSTED`, `VOIDED` or `DELETED`.
    pub status: String,
    pub line_amount_types: String,
    pub url: Option<String>,
    pub show_on_cash_basis_reports: bool,
    pub lines: Vec<JournalLine>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineItem {
    pub id: String,
    pub description: Option<String>,
    pub quantity: Decimal,
    pub unit_amount: Decimal,
    pub line_amount: Decimal,
    pub account_id: String,
    pub account_code: Option<String>,
    pub tax_type: String,
    pub tracking: Vec<TrackingRef>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankTransaction {
    pub id: String,
    /// `RECEIVE` or `SPEND`.
    pub kind: String,
    pub contact: Option<(String, String)>,
    /// The bank account's id, code and name.
    pub bank_account: Option<(String, Option<String>, String)>,
    pub date: Option<NaiveDate>,
    pub reference: Option<String>,
    pub url: Option<String>,
    /// `AUTHORISED`, `DELETED` or `VOIDED`.
    pub status: String,
    pub line_amount_types: String,
    pub currency_code: String,
    pub is_reconciled: bool,
    pub lines: Vec<LineItem>,
    pub updated_at: DateTime<Utc>,
}

impl BankTransaction {
    pub fn sub_total(&self) -> Decimal {
        self.lines.iter().map(|l| l.line_amount).sum()
    }
}

#[derive(Debug)]
pub struct Books {
    pub organisation_id: String,
    pub name: String,
    pub base_currency: String,
    pub created_at: DateTime<Utc>,
    pub accounts: Vec<Account>,
    pub contacts: Vec<Contact>,
    pub tracking: Vec<TrackingCategory>,
    /// Documents dated on or before it are refused.
    pub lock_date: Option<NaiveDate>,
    pub journals: Vec<ManualJournal>,
    pub bank_transactions: Vec<BankTransaction>,
    /// Journals and bank transactions (by lower-case id) that reads do not see before the time
    /// given: the read lag of a `visible_after_ms` fault rule.
    hidden_until: HashMap<String, DateTime<Utc>>,
}

fn same_id(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

impl Books {
    pub fn new(dataset: &XeroDataset, start: DateTime<Utc>) -> Books {
        let status =
            |s: &Option<String>| s.clone().unwrap_or_else(|| "ACTIVE".to_owned()).to_ascii_uppercase();
        Books {
            organisation_id: dataset.tenant_id.clone(),
            name: dataset.tenant_name.clone().unwrap_or_else(|| "Sandbox Organisation".to_owned()),
            base_currency: dataset.base_currency.clone().unwrap_or_else(|| "USD".to_owned()),
            created_at: start,
            accounts: dataset
                .accounts
                .iter()
                .map(|a| Account {
                    id: a.account_id.clone(),
                    code: a.code.clone(),
                    name: a.name.clone(),
                    account_type: a.account_type.to_ascii_uppercase(),
                    status: status(&a.status),
                    class: a.class.clone().unwrap_or_else(|| class_of(&a.account_type).to_owned()),
                    system_account: a.system_account.clone(),
                    tax_type: a.tax_type.clone(),
                    bank_account_number: a.bank_account_number.clone(),
                    currency_code: a.currency_code.clone(),
                    updated_at: start,
                })
                .collect(),
            contacts: dataset
                .contacts
                .iter()
                .map(|c| Contact {
                    id: c.contact_id.clone(),
                    name: c.name.clone(),
                    status: status(&c.contact_status),
                    updated_at: start,
                })
                .collect(),
            tracking: dataset
                .tracking_categories
                .iter()
                .map(|t| TrackingCategory {
                    id: t.tracking_category_id.clone(),
                    name: t.name.clone(),
                    status: status(&t.status),
                    options: t
                        .options
                        .iter()
                        .map(|o| TrackingOption {
                            id: o.tracking_option_id.clone(),
                            name: o.name.clone(),
                            status: status(&o.status),
                        })
                        .collect(),
                })
                .collect(),
            lock_date: dataset
                .lock_date
                .as_deref()
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()),
            journals: Vec::new(),
            bank_transactions: Vec::new(),
            hidden_until: HashMap::new(),
        }
    }

    pub fn account_by_code(&self, code: &str) -> Option<&Account> {
        let code = code.trim();
        self.accounts.iter().find(|a| a.code.as_deref().is_some_and(|c| c.eq_ignore_ascii_case(code)))
    }

    pub fn account_by_id(&self, id: &str) -> Option<&Account> {
        self.accounts.iter().find(|a| same_id(&a.id, id))
    }

    pub fn account_by_code_mut(&mut self, code: &str) -> Option<&mut Account> {
        let code = code.trim();
        self.accounts.iter_mut().find(|a| a.code.as_deref().is_some_and(|c| c.eq_ignore_ascii_case(code)))
    }

    pub fn contact_by_id(&self, id: &str) -> Option<&Contact> {
        self.contacts.iter().find(|c| same_id(&c.id, id))
    }

    pub fn contact_by_name(&self, name: &str) -> Option<&Contact> {
        let name = name.trim();
        self.contacts.iter().find(|c| c.name.eq_ignore_ascii_case(name))
    }

    /// Xero creates a contact when a transaction names one it does not know.
    pub fn add_contact(&mut self, name: &str, now: DateTime<Utc>) -> Contact {
        let contact = Contact {
            id: new_guid(),
            name: name.trim().to_owned(),
            status: "ACTIVE".to_owned(),
            updated_at: now,
        };
        self.contacts.push(contact.clone());
        contact
    }

    pub fn tracking_by(&self, id: Option<&str>, name: Option<&str>) -> Option<&TrackingCategory> {
        match (id, name) {
            (Some(id), _) => self.tracking.iter().find(|t| same_id(&t.id, id)),
            (None, Some(name)) => self.tracking.iter().find(|t| t.name.eq_ignore_ascii_case(name.trim())),
            (None, None) => None,
        }
    }

    /// Hides a document just created from reads until `until` (sandbox clock).
    pub fn hide_until(&mut self, id: &str, until: DateTime<Utc>) {
        self.hidden_until.insert(id.trim().to_ascii_lowercase(), until);
        tracing::info!(id, visible_from = %until, "Xero document hidden from reads until then");
    }

    /// Whether reads at `now` see the document with this id.
    pub fn is_visible(&self, id: &str, now: DateTime<Utc>) -> bool {
        self.hidden_until.get(&id.trim().to_ascii_lowercase()).is_none_or(|until| now >= *until)
    }

    /// The journals reads see at `now`.
    pub fn visible_journals(&self, now: DateTime<Utc>) -> impl Iterator<Item = &ManualJournal> {
        self.journals.iter().filter(move |j| self.is_visible(&j.id, now))
    }

    /// The bank transactions reads see at `now`.
    pub fn visible_bank_transactions(&self, now: DateTime<Utc>) -> impl Iterator<Item = &BankTransaction> {
        self.bank_transactions.iter().filter(move |t| self.is_visible(&t.id, now))
    }

    pub fn journal(&self, id: &str) -> Option<&ManualJournal> {
        self.journals.iter().find(|j| same_id(&j.id, id))
    }

    pub fn journal_mut(&mut self, id: &str) -> Option<&mut ManualJournal> {
        self.journals.iter_mut().find(|j| same_id(&j.id, id))
    }

    /// Stores a journal, replacing the one with its id.
    pub fn save_journal(&mut self, journal: ManualJournal) {
        match self.journal_mut(&journal.id) {
            Some(existing) => *existing = journal,
            None => self.journals.push(journal),
        }
    }

    pub fn bank_transaction(&self, id: &str) -> Option<&BankTransaction> {
        self.bank_transactions.iter().find(|t| same_id(&t.id, id))
    }

    pub fn bank_transaction_mut(&mut self, id: &str) -> Option<&mut BankTransaction> {
        self.bank_transactions.iter_mut().find(|t| same_id(&t.id, id))
    }

    pub fn save_bank_transaction(&mut self, transaction: BankTransaction) {
        match self.bank_transaction_mut(&transaction.id) {
            Some(existing) => *existing = transaction,
            None => self.bank_transactions.push(transaction),
        }
    }

    /// The lock-date message for `date`, when the date is locked.
    pub fn locked(&self, date: NaiveDate) -> Option<String> {
        let lock = self.lock_date?;
        (date <= lock).then(|| {
            format!(
                "The document date cannot be before the period lock date, currently set at {}",
                lock.format("%d-%b-%Y")
            )
        })
    }
}
