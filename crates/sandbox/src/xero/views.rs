//! How manual journals and bank transactions look on the wire: Xero's field names and order,
//! `/Date(...)/` dates, money with two decimals, and the per-element `StatusAttributeString`,
//! `Warnings` and `ValidationErrors` of a write's answer. Also the fields `where`/`order` see.

use serde::Serialize;

use super::books::{BankTransaction, JournalLine, LineItem, ManualJournal, TrackingRef};
use super::filter::{FieldValue, Record};
use super::wire::{Amount, EMPTY_GUID, Message, date_string, messages, ms_date, ms_date_time};

/// What a write says about one element.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Whether the element was saved (a saved element carries its id).
    pub saved: bool,
    /// `Some` only when the caller asked for `summarizeErrors=false`.
    pub status_attribute: bool,
    pub warnings: Vec<String>,
    pub errors: Vec<String>,
}

impl Outcome {
    fn status(&self) -> Option<&'static str> {
        self.status_attribute.then_some(if !self.errors.is_empty() {
            "ERROR"
        } else if !self.warnings.is_empty() {
            "WARNING"
        } else {
            "OK"
        })
    }
}

fn some_messages(texts: &[String]) -> Option<Vec<Message>> {
    (!texts.is_empty()).then(|| messages(texts))
}

#[derive(Serialize)]
pub struct TrackingView<'a> {
    #[serde(rename = "Name")]
    name: &'a str,
    #[serde(rename = "Option")]
    option: &'a str,
    #[serde(rename = "TrackingCategoryID")]
    category_id: &'a str,
    #[serde(rename = "TrackingOptionID")]
    option_id: &'a str,
}

fn tracking(refs: &[TrackingRef]) -> Vec<TrackingView<'_>> {
    refs.iter()
        .map(|t| TrackingView {
            name: &t.category,
            option: &t.option,
            category_id: &t.category_id,
            option_id: &t.option_id,
        })
        .collect()
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct JournalLineView<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    tax_type: &'a str,
    tax_amount: Amount,
    line_amount: Amount,
    #[serde(skip_serializing_if = "Option::is_none")]
    account_code: Option<&'a str>,
    tracking: Vec<TrackingView<'a>>,
    #[serde(rename = "AccountID")]
    account_id: &'a str,
    is_blank: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct JournalView<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    date: Option<String>,
    status: &'a str,
    line_amount_types: &'a str,
    #[serde(rename = "UpdatedDateUTC", skip_serializing_if = "Option::is_none")]
    updated_date_utc: Option<String>,
    #[serde(rename = "ManualJournalID")]
    id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    narration: Option<&'a str>,
    journal_lines: Vec<JournalLineView<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'a str>,
    show_on_cash_basis_reports: bool,
    has_attachments: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    status_attribute_string: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    warnings: Option<Vec<Message>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    validation_errors: Option<Vec<Message>>,
}

fn journal_line(line: &JournalLine) -> JournalLineView<'_> {
    JournalLineView {
        description: line.description.as_deref(),
        tax_type: &line.tax_type,
        tax_amount: Amount::money(rust_decimal::Decimal::ZERO),
        line_amount: Amount::money(line.amount),
        account_code: line.account_code.as_deref(),
        tracking: tracking(&line.tracking),
        account_id: &line.account_id,
        is_blank: false,
    }
}

/// A journal as Xero shows it; `with_lines` false gives the list view (`JournalLines: []`).
pub fn journal<'a>(j: &'a ManualJournal, with_lines: bool, outcome: &Outcome) -> JournalView<'a> {
    JournalView {
        date: j.date.map(ms_date),
        status: &j.status,
        line_amount_types: &j.line_amount_types,
        updated_date_utc: outcome.saved.then(|| ms_date_time(j.updated_at)),
        id: if outcome.saved { &j.id } else { EMPTY_GUID },
        narration: j.narration.as_deref(),
        journal_lines: if with_lines { j.lines.iter().map(journal_line).collect() } else { Vec::new() },
        url: j.url.as_deref(),
        show_on_cash_basis_reports: j.show_on_cash_basis_reports,
        has_attachments: false,
        status_attribute_string: outcome.status(),
        warnings: some_messages(&outcome.warnings),
        validation_errors: some_messages(&outcome.errors),
    }
}

/// A saved journal, as a read shows it.
pub fn saved_journal(j: &ManualJournal, with_lines: bool) -> JournalView<'_> {
    journal(j, with_lines, &SAVED)
}

const SAVED: Outcome =
    Outcome { saved: true, status_attribute: false, warnings: Vec::new(), errors: Vec::new() };

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LineItemView<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    unit_amount: Amount,
    tax_type: &'a str,
    tax_amount: Amount,
    line_amount: Amount,
    #[serde(skip_serializing_if = "Option::is_none")]
    account_code: Option<&'a str>,
    #[serde(rename = "AccountID")]
    account_id: &'a str,
    tracking: Vec<TrackingView<'a>>,
    quantity: Amount,
    #[serde(rename = "LineItemID")]
    id: &'a str,
}

#[derive(Serialize)]
pub struct ContactView<'a> {
    #[serde(rename = "ContactID")]
    id: &'a str,
    #[serde(rename = "Name")]
    name: &'a str,
}

#[derive(Serialize)]
pub struct BankAccountView<'a> {
    #[serde(rename = "AccountID")]
    id: &'a str,
    #[serde(rename = "Code", skip_serializing_if = "Option::is_none")]
    code: Option<&'a str>,
    #[serde(rename = "Name")]
    name: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct BankTransactionView<'a> {
    #[serde(rename = "BankTransactionID")]
    id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    bank_account: Option<BankAccountView<'a>>,
    #[serde(rename = "Type")]
    kind: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reference: Option<&'a str>,
    is_reconciled: bool,
    has_attachments: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    contact: Option<ContactView<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    date_string: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    date: Option<String>,
    status: &'a str,
    line_amount_types: &'a str,
    line_items: Vec<LineItemView<'a>>,
    sub_total: Amount,
    total_tax: Amount,
    total: Amount,
    #[serde(rename = "UpdatedDateUTC", skip_serializing_if = "Option::is_none")]
    updated_date_utc: Option<String>,
    currency_code: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status_attribute_string: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    warnings: Option<Vec<Message>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    validation_errors: Option<Vec<Message>>,
}

fn line_item(line: &LineItem) -> LineItemView<'_> {
    LineItemView {
        description: line.description.as_deref(),
        unit_amount: Amount::money(line.unit_amount),
        tax_type: &line.tax_type,
        tax_amount: Amount::money(rust_decimal::Decimal::ZERO),
        line_amount: Amount::money(line.line_amount),
        account_code: line.account_code.as_deref(),
        account_id: &line.account_id,
        tracking: tracking(&line.tracking),
        quantity: Amount(line.quantity, 4),
        id: &line.id,
    }
}

pub fn bank_transaction<'a>(
    t: &'a BankTransaction,
    with_lines: bool,
    outcome: &Outcome,
) -> BankTransactionView<'a> {
    let total = t.sub_total();
    BankTransactionView {
        id: if outcome.saved { &t.id } else { EMPTY_GUID },
        bank_account: t.bank_account.as_ref().map(|(id, code, name)| BankAccountView {
            id,
            code: code.as_deref(),
            name,
        }),
        kind: &t.kind,
        reference: t.reference.as_deref(),
        is_reconciled: t.is_reconciled,
        has_attachments: false,
        contact: t.contact.as_ref().map(|(id, name)| ContactView { id, name }),
        date_string: t.date.map(date_string),
        date: t.date.map(ms_date),
        status: &t.status,
        line_amount_types: &t.line_amount_types,
        line_items: if with_lines { t.lines.iter().map(line_item).collect() } else { Vec::new() },
        sub_total: Amount::money(total),
        total_tax: Amount::money(rust_decimal::Decimal::ZERO),
        total: Amount::money(total),
        updated_date_utc: outcome.saved.then(|| ms_date_time(t.updated_at)),
        currency_code: &t.currency_code,
        url: t.url.as_deref(),
        status_attribute_string: outcome.status(),
        warnings: some_messages(&outcome.warnings),
        validation_errors: some_messages(&outcome.errors),
    }
}

pub fn saved_bank_transaction(t: &BankTransaction, with_lines: bool) -> BankTransactionView<'_> {
    bank_transaction(t, with_lines, &SAVED)
}

impl Record for ManualJournal {
    const TYPE_NAME: &'static str = "ManualJournal";
    fn field(&self, path: &str) -> Option<FieldValue> {
        Some(match path.to_ascii_lowercase().as_str() {
            "manualjournalid" => FieldValue::Str(self.id.clone()),
            "narration" => FieldValue::text(self.narration.as_deref()),
            "date" => FieldValue::date(self.date),
            "status" => FieldValue::Str(self.status.clone()),
            "lineamounttypes" => FieldValue::Str(self.line_amount_types.clone()),
            "url" => FieldValue::text(self.url.as_deref()),
            "showoncashbasisreports" => FieldValue::Bool(self.show_on_cash_basis_reports),
            "hasattachments" => FieldValue::Bool(false),
            "updateddateutc" => FieldValue::Date(self.updated_at.naive_utc()),
            _ => return None,
        })
    }
}

impl Record for BankTransaction {
    const TYPE_NAME: &'static str = "BankTransaction";
    fn field(&self, path: &str) -> Option<FieldValue> {
        let contact = self.contact.as_ref();
        let bank = self.bank_account.as_ref();
        Some(match path.to_ascii_lowercase().as_str() {
            "banktransactionid" => FieldValue::Str(self.id.clone()),
            "type" => FieldValue::Str(self.kind.clone()),
            "status" => FieldValue::Str(self.status.clone()),
            "date" => FieldValue::date(self.date),
            "reference" => FieldValue::text(self.reference.as_deref()),
            "url" => FieldValue::text(self.url.as_deref()),
            "isreconciled" => FieldValue::Bool(self.is_reconciled),
            "currencycode" => FieldValue::Str(self.currency_code.clone()),
            "lineamounttypes" => FieldValue::Str(self.line_amount_types.clone()),
            "subtotal" | "total" => FieldValue::Num(self.sub_total()),
            "updateddateutc" => FieldValue::Date(self.updated_at.naive_utc()),
            "contact.contactid" => FieldValue::text(contact.map(|c| c.0.as_str())),
            "contact.name" => FieldValue::text(contact.map(|c| c.1.as_str())),
            "bankaccount.accountid" => FieldValue::text(bank.map(|b| b.0.as_str())),
            "bankaccount.code" => FieldValue::text(bank.and_then(|b| b.1.as_deref())),
            "bankaccount.name" => FieldValue::text(bank.map(|b| b.2.as_str())),
            _ => return None,
        })
    }
}
