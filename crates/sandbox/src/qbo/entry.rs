//! A stored JournalEntry and how the real service writes it back: `Id`, `SyncToken`, `MetaData`,
//! `TotalAmt` (the debits' total), `domain`, `sparse`, lines numbered from `"0"`, and references
//! with the names of what they point at.
//!
//! Invariant: a stored entry has passed validation (`validate`): it balances, every amount is a
//! non-negative whole-cent `Decimal`, every reference resolved when it was saved.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::Serialize;

use super::company::{Meta, MetaOut, RefOut, currency_name};
use super::time::meta_time;
use super::wire::Money;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Posting {
    Debit,
    Credit,
}

impl Posting {
    pub fn name(self) -> &'static str {
        match self {
            Posting::Debit => "Debit",
            Posting::Credit => "Credit",
        }
    }
}

/// A reference as stored: the id and the name it had when the entry was saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ref {
    pub value: String,
    pub name: Option<String>,
}

impl Ref {
    fn out(&self) -> RefOut<'_> {
        RefOut { value: &self.value, name: self.name.as_deref() }
    }
}

/// `Entity` of a line: `Type` (`Customer`, `Vendor`, ...) and `EntityRef`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntityRef {
    pub kind: String,
    pub reference: Ref,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub description: Option<String>,
    pub amount: Decimal,
    pub posting: Posting,
    pub account: Ref,
    pub entity: Option<EntityRef>,
    pub class: Option<Ref>,
    pub department: Option<Ref>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalEntry {
    pub id: u64,
    pub meta: Meta,
    pub doc_number: Option<String>,
    pub txn_date: NaiveDate,
    pub private_note: Option<String>,
    pub currency: String,
    pub department: Option<Ref>,
    pub adjustment: bool,
    pub lines: Vec<Line>,
}

/// A deleted entry, kept for Change Data Capture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tombstone {
    pub id: u64,
    pub deleted_at: DateTime<Utc>,
}

impl JournalEntry {
    /// `TotalAmt`: the sum of the debit lines (equal to the credits').
    pub fn total(&self) -> Decimal {
        self.lines.iter().filter(|l| l.posting == Posting::Debit).map(|l| l.amount).sum()
    }

    pub fn to_json(&self) -> String {
        let lines: Vec<LineOut<'_>> = self
            .lines
            .iter()
            .enumerate()
            .map(|(index, line)| LineOut {
                id: index.to_string(),
                description: line.description.as_deref(),
                amount: Money(line.amount),
                detail_type: "JournalEntryLineDetail",
                detail: DetailOut {
                    posting_type: line.posting.name(),
                    entity: line
                        .entity
                        .as_ref()
                        .map(|e| EntityOut { kind: &e.kind, entity_ref: e.reference.out() }),
                    account_ref: line.account.out(),
                    class_ref: line.class.as_ref().map(Ref::out),
                    department_ref: line.department.as_ref().map(Ref::out),
                },
            })
            .collect();
        let currency = currency_name(&self.currency);
        let out = EntryOut {
            adjustment: self.adjustment,
            total_amt: Money(self.total()),
            domain: "QBO",
            sparse: false,
            id: self.id.to_string(),
            sync_token: self.meta.sync_token.to_string(),
            meta_data: self.meta.out(),
            doc_number: self.doc_number.as_deref(),
            txn_date: self.txn_date.to_string(),
            currency_ref: RefOut { value: &self.currency, name: Some(&currency) },
            private_note: self.private_note.as_deref(),
            department_ref: self.department.as_ref().map(Ref::out),
            line: lines,
            txn_tax_detail: Empty {},
        };
        // Serializing strings, booleans and `Money` cannot fail.
        serde_json::to_string(&out).unwrap_or_default()
    }
}

impl Tombstone {
    /// How a deleted entry appears in Change Data Capture.
    pub fn to_json(&self) -> String {
        serde_json::json!({"domain": "QBO", "status": "Deleted", "Id": self.id.to_string(),
            "MetaData": {"LastUpdatedTime": meta_time(self.deleted_at)}})
        .to_string()
    }
}

/// The answer to a delete: `{"status":"Deleted","domain":"QBO","Id":"..."}`.
pub fn deleted_json(id: u64) -> String {
    format!("{{\"status\":\"Deleted\",\"domain\":\"QBO\",\"Id\":\"{id}\"}}")
}

#[derive(Serialize)]
struct Empty {}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct EntryOut<'a> {
    adjustment: bool,
    total_amt: Money,
    #[serde(rename = "domain")]
    domain: &'static str,
    #[serde(rename = "sparse")]
    sparse: bool,
    id: String,
    sync_token: String,
    #[serde(rename = "MetaData")]
    meta_data: MetaOut,
    #[serde(skip_serializing_if = "Option::is_none")]
    doc_number: Option<&'a str>,
    txn_date: String,
    currency_ref: RefOut<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    private_note: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    department_ref: Option<RefOut<'a>>,
    line: Vec<LineOut<'a>>,
    txn_tax_detail: Empty,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct LineOut<'a> {
    id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    amount: Money,
    detail_type: &'static str,
    #[serde(rename = "JournalEntryLineDetail")]
    detail: DetailOut<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct DetailOut<'a> {
    posting_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    entity: Option<EntityOut<'a>>,
    account_ref: RefOut<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    class_ref: Option<RefOut<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    department_ref: Option<RefOut<'a>>,
}

#[derive(Serialize)]
struct EntityOut<'a> {
    #[serde(rename = "Type")]
    kind: &'a str,
    #[serde(rename = "EntityRef")]
    entity_ref: RefOut<'a>,
}
