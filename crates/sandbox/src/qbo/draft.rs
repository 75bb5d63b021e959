//! A JournalEntry request body read strictly, as Intuit's deserializer does: every property must
//! be one the XSD gives the object (`Finance.xsd` JournalEntry, Line, JournalEntryLineDetail;
//! anything else is 2010 "Request has invalid or unsupported property"), required parameters are
//! 2020, lengths 2050, enumerations 2170, and amounts are read exactly from the JSON text.
//!
//! Properties the XSD has but the sandbox does not model (`TxnTaxDetail`, `LinkedTxn`,
//! `CustomField`, `TaxApplicableOn`, ...) are accepted and ignored, because real clients send them
//! with empty defaults (python-quickbooks sends `"LinkedTxn": []`, `"TaxAmount": 0`, `"DocNumber": ""`).
//! Empty strings and nulls mean "not given".
//!
//! Invariant: a `Draft`'s amounts are non-negative with at most two decimals; references are
//! only ids here (`validate` resolves them against the company).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::entry::Posting;
use super::fault::{Fault, QboResult};
use super::time::parse_date;
use super::wire::{Node, parse_decimal};

pub const MAX_DOC_NUMBER_CHARS: usize = 21;
pub const MAX_NOTE_CHARS: usize = 4000;

const ENTRY_PROPERTIES: &[&str] = &[
    // IntuitEntity
    "Id",
    "SyncToken",
    "MetaData",
    "CustomField",
    "AttachableRef",
    "domain",
    "status",
    "sparse",
    // Transaction
    "DocNumber",
    "TxnDate",
    "DepartmentRef",
    "CurrencyRef",
    "ExchangeRate",
    "PrivateNote",
    "TxnStatus",
    "LinkedTxn",
    "Line",
    "TxnTaxDetail",
    "TxnSource",
    "TaxFormType",
    "TaxFormNum",
    "TransactionLocationType",
    "Tag",
    "TxnApprovalInfo",
    "RecurDataRef",
    "RecurringInfo",
    "ProjectRef",
    "TotalCostAmount",
    "HomeTotalCostAmount",
    // JournalEntry
    "Adjustment",
    "HomeCurrencyAdjustment",
    "EnteredInHomeCurrency",
    "GlobalTaxCalculation",
    "TotalAmt",
    "HomeTotalAmt",
    "JournalEntryEx",
];
const LINE_PROPERTIES: &[&str] = &[
    "Id",
    "LineNum",
    "Description",
    "Amount",
    "Received",
    "LinkedTxn",
    "DetailType",
    "PaymentLineDetail",
    "DiscountLineDetail",
    "TaxLineDetail",
    "SalesItemLineDetail",
    "DescriptionLineDetail",
    "ItemBasedExpenseLineDetail",
    "AccountBasedExpenseLineDetail",
    "ReimburseLineDetail",
    "DepositLineDetail",
    "PurchaseOrderItemLineDetail",
    "SalesOrderItemLineDetail",
    "ItemReceiptLineDetail",
    "JournalEntryLineDetail",
    "GroupLineDetail",
    "SubTotalLineDetail",
    "TDSLineDetail",
    "ItemAdjustmentLineDetail",
    "CustomField",
    "LineEx",
    "ProjectRef",
    "CostAmount",
    "HomeCostAmount",
];
const DETAIL_PROPERTIES: &[&str] = &[
    "PostingType",
    "Entity",
    "AccountRef",
    "ClassRef",
    "DepartmentRef",
    "TaxCodeRef",
    "TaxRateRef",
    "TaxApplicableOn",
    "TaxAmount",
    "TaxInclusiveAmt",
    "BillableStatus",
    "JournalCodeRef",
    "JournalEntryLineDetailEx",
];
const ENTITY_PROPERTIES: &[&str] = &["Type", "EntityRef"];
const REF_PROPERTIES: &[&str] = &["value", "name", "type"];
/// `LineDetailTypeEnum`: valid detail types, of which a journal entry takes one.
const DETAIL_TYPES: &[&str] = &[
    "PaymentLineDetail",
    "DiscountLineDetail",
    "TaxLineDetail",
    "SalesItemLineDetail",
    "ItemBasedExpenseLineDetail",
    "AccountBasedExpenseLineDetail",
    "DepositLineDetail",
    "PurchaseOrderItemLineDetail",
    "ItemReceiptLineDetail",
    "JournalEntryLineDetail",
    "GroupLineDetail",
    "DescriptionOnly",
    "SubTotalLineDetail",
    "SalesOrderItemLineDetail",
    "TDSLineDetail",
    "ReimburseLineDetail",
    "ItemAdjustmentLineDetail",
];
/// `EntityTypeEnum`.
pub const ENTITY_TYPES: &[&str] = &["Customer", "Employee", "Job", "Other", "Vendor"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineDraft {
    pub description: Option<String>,
    pub amount: Decimal,
    pub posting: Posting,
    pub account: String,
    /// `Entity`: its `Type` and `EntityRef.value`.
    pub entity: Option<(String, String)>,
    pub class: Option<String>,
    pub department: Option<String>,
}

/// What a body says. An outer `None` is "not in the body"; `Some(None)` is "given as empty".
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Draft {
    pub id: Option<String>,
    pub sync_token: Option<String>,
    pub sparse: bool,
    pub doc_number: Option<Option<String>>,
    pub txn_date: Option<Option<NaiveDate>>,
    pub private_note: Option<Option<String>>,
    pub currency: Option<Option<String>>,
    pub department: Option<Option<String>>,
    pub adjustment: Option<bool>,
    pub lines: Option<Vec<LineDraft>>,
}

type Object<'n, 'a> = &'n BTreeMap<String, Node<'a>>;

/// The members of an object, refusing any property not in `known`.
fn object<'n, 'a>(node: &'n Node<'a>, path: &str, known: &[&str]) -> QboResult<Object<'n, 'a>> {
    let members = node.as_object().ok_or_else(|| {
        Fault::invalid_property(path, &format!("expected an object, found {}", node.kind()))
    })?;
    if let Some(unknown) = members.keys().find(|k| !known.contains(&k.as_str())) {
        let name = if path.is_empty() { unknown.clone() } else { format!("{path}.{unknown}") };
        return Err(Fault::invalid_property(&name, "not a property of this object"));
    }
    Ok(members)
}

/// A member that is present and not null.
fn given<'n, 'a>(members: Object<'n, 'a>, key: &str) -> Option<&'n Node<'a>> {
    members.get(key).filter(|n| !n.is_null())
}

fn text(members: Object<'_, '_>, key: &str, path: &str) -> QboResult<Option<String>> {
    match given(members, key) {
        None => Ok(None),
        Some(node) => node.as_text().map(Some).ok_or_else(|| {
            Fault::invalid_property(path, &format!("expected a string, found {}", node.kind()))
        }),
    }
}

/// Text that may be given empty: `Some(None)` for `""` or `null`.
fn optional_text(
    members: Object<'_, '_>,
    key: &str,
    path: &str,
    max: usize,
) -> QboResult<Option<Option<String>>> {
    if !members.contains_key(key) {
        return Ok(None);
    }
    let value = text(members, key, path)?.filter(|s| !s.is_empty());
    if let Some(value) = &value {
        let chars = value.chars().count();
        if chars > max {
            return Err(Fault::string_length(path, max, chars));
        }
    }
    Ok(Some(value))
}

/// A `ReferenceType`'s `value`; an empty or absent value is no reference.
fn reference(members: Object<'_, '_>, key: &str, path: &str) -> QboResult<Option<String>> {
    match given(members, key) {
        None => Ok(None),
        Some(node) => {
            let inner = object(node, path, REF_PROPERTIES)?;
            Ok(text(inner, "value", &format!("{path}.value"))?
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty()))
        }
    }
}

/// Reads a JournalEntry body (create, update or sparse update).
pub fn parse_entry(node: &Node<'_>) -> QboResult<Draft> {
    let members = object(node, "", ENTRY_PROPERTIES)?;
    let sparse = match given(members, "sparse") {
        None => false,
        Some(node) => {
            node.as_bool().ok_or_else(|| Fault::invalid_property("sparse", "expected a boolean"))?
        }
    };
    let txn_date = if members.contains_key("TxnDate") {
        match text(members, "TxnDate", "TxnDate")?.filter(|s| !s.is_empty()) {
            None => Some(None),
            Some(date) => Some(Some(parse_date(&date).ok_or_else(|| {
                Fault::invalid_property("TxnDate", &format!("{date:?} is not a date (YYYY-MM-DD)"))
            })?)),
        }
    } else {
        None
    };
    let adjustment = match given(members, "Adjustment") {
        None => None,
        Some(node) => {
            Some(node.as_bool().ok_or_else(|| Fault::invalid_property("Adjustment", "expected a boolean"))?)
        }
    };
    let lines = match given(members, "Line") {
        None => None,
        Some(Node::Array(lines)) => {
            Some(lines.iter().map(parse_line).collect::<QboResult<Vec<LineDraft>>>()?)
        }
        Some(other) => {
            return Err(Fault::invalid_property(
                "Line",
                &format!("expected an array, found {}", other.kind()),
            ));
        }
    };
    Ok(Draft {
        id: text(members, "Id", "Id")?.filter(|s| !s.is_empty()),
        sync_token: text(members, "SyncToken", "SyncToken")?.filter(|s| !s.is_empty()),
        sparse,
        doc_number: optional_text(members, "DocNumber", "DocNumber", MAX_DOC_NUMBER_CHARS)?,
        txn_date,
        private_note: optional_text(members, "PrivateNote", "PrivateNote", MAX_NOTE_CHARS)?,
        currency: members
            .contains_key("CurrencyRef")
            .then(|| reference(members, "CurrencyRef", "CurrencyRef"))
            .transpose()?,
        department: members
            .contains_key("DepartmentRef")
            .then(|| reference(members, "DepartmentRef", "DepartmentRef"))
            .transpose()?,
        adjustment,
        lines,
    })
}

fn parse_line(node: &Node<'_>) -> QboResult<LineDraft> {
    let line = object(node, "Line", LINE_PROPERTIES)?;
    let detail_type =
        text(line, "DetailType", "Line.DetailType")?.ok_or_else(|| Fault::required("Line.DetailType"))?;
    if detail_type != "JournalEntryLineDetail" {
        return Err(if DETAIL_TYPES.contains(&detail_type.as_str()) {
            Fault::business(format!(
                "A journal entry line must be a JournalEntryLineDetail line, not {detail_type}."
            ))
        } else {
            Fault::invalid_enum("Line.DetailType", &detail_type, "JournalEntryLineDetail")
        });
    }
    let amount_node = given(line, "Amount").ok_or_else(|| Fault::required("Line.Amount"))?;
    let amount = parse_decimal(amount_node).ok_or_else(|| {
        Fault::invalid_property(
            "Line.Amount",
            &format!("expected a decimal number, found {}", amount_node.kind()),
        )
    })?;
    if amount.is_sign_negative() && !amount.is_zero() {
        return Err(Fault::business(format!(
            "Journal entry line amounts cannot be negative ({amount}); use the other posting type instead."
        )));
    }
    if amount.normalize().scale() > 2 {
        return Err(Fault::business(format!(
            "The amount {amount} has more than 2 decimal places; amounts are kept to the cent."
        )));
    }
    let description = optional_text(line, "Description", "Line.Description", MAX_NOTE_CHARS)?.flatten();
    let path = "Line.JournalEntryLineDetail";
    let detail_node = given(line, "JournalEntryLineDetail").ok_or_else(|| Fault::required(path))?;
    let detail = object(detail_node, path, DETAIL_PROPERTIES)?;
    let posting = match text(detail, "PostingType", &format!("{path}.PostingType"))?.as_deref() {
        None | Some("") => return Err(Fault::required(&format!("{path}.PostingType"))),
        Some("Debit") => Posting::Debit,
        Some("Credit") => Posting::Credit,
        Some(other) => {
            return Err(Fault::invalid_enum(&format!("{path}.PostingType"), other, "Debit, Credit"));
        }
    };
    let account = reference(detail, "AccountRef", &format!("{path}.AccountRef"))?
        .ok_or_else(|| Fault::required(&format!("{path}.AccountRef")))?;
    let entity = match given(detail, "Entity") {
        None => None,
        Some(node) => {
            let at = format!("{path}.Entity");
            let entity = object(node, &at, ENTITY_PROPERTIES)?;
            let kind = text(entity, "Type", &format!("{at}.Type"))?.filter(|t| !t.is_empty());
            let id = reference(entity, "EntityRef", &format!("{at}.EntityRef"))?;
            match (kind, id) {
                (None, None) => None,
                (None, Some(_)) => return Err(Fault::required(&format!("{at}.Type"))),
                (Some(_), None) => return Err(Fault::required(&format!("{at}.EntityRef"))),
                (Some(kind), Some(_)) if !ENTITY_TYPES.contains(&kind.as_str()) => {
                    return Err(Fault::invalid_enum(&format!("{at}.Type"), &kind, &ENTITY_TYPES.join(", ")));
                }
                (Some(kind), Some(id)) => Some((kind, id)),
            }
        }
    };
    Ok(LineDraft {
        description,
        amount,
        posting,
        account,
        entity,
        class: reference(detail, "ClassRef", &format!("{path}.ClassRef"))?,
        department: reference(detail, "DepartmentRef", &format!("{path}.DepartmentRef"))?,
    })
}

/// Reads a delete body: `{"Id", "SyncToken"}`, or a whole entry (node-quickbooks sends the entry
/// it read); only those two are used.
pub fn parse_delete(node: &Node<'_>) -> QboResult<(String, Option<String>)> {
    let members = object(node, "", ENTRY_PROPERTIES)?;
    let id = text(members, "Id", "Id")?.filter(|s| !s.is_empty()).ok_or_else(|| Fault::required("Id"))?;
    Ok((id, text(members, "SyncToken", "SyncToken")?.filter(|s| !s.is_empty())))
}

#[cfg(test)]
mod tests;
