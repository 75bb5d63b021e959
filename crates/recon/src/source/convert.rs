//! From one raw Entrata list item to a domain item, or to the reason it is quarantined.
//!
//! Every problem names the field (`amount: 12.345 has more than 2 decimal places`), and all of an
//! item's problems are reported together. Money is read from the JSON text itself, never through
//! `f64`: a number literal `1295.00` and a string `"1295.00"` both give exactly 1295.00.

use chrono::{DateTime, FixedOffset, Utc};
use serde::Deserialize;
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};

use crate::domain::*;

/// A pulled item: always identified and stored; converted when it keeps the contract.
#[derive(Debug, Clone, PartialEq)]
pub struct Classified {
    /// The item's id, or `?<hash>` when it has none (it is then quarantined).
    pub item_id: String,
    pub property_id: Option<String>,
    /// `updatedAt` as sent, when it is a string.
    pub updated_at_text: Option<String>,
    /// `updatedAt` when it parses: what paging and watermarks follow.
    pub updated_at: Option<DateTime<Utc>>,
    /// sha256 of the raw text, hex.
    pub content_hash: String,
    /// The domain item, or why it breaks the contract.
    pub item: Result<Item, String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    Property(Property),
    ArCode(ArCodeDef),
    Lease(Lease),
    Charge(Charge),
    Payment(Payment),
    Deposit(Deposit),
}

/// Classifies one raw list item of `kind`, listed under `listed_under` (the property in the path).
pub fn classify(kind: ItemKind, raw: &str, listed_under: Option<&str>) -> Classified {
    let content_hash = hex_sha256(raw.as_bytes());
    let read = read(kind, raw, listed_under);
    Classified {
        item_id: read.item_id.unwrap_or_else(|| format!("?{}", &content_hash[..16])),
        property_id: read.property_id.or_else(|| listed_under.map(str::to_owned)),
        updated_at_text: read.updated_at_text,
        updated_at: read.updated_at,
        content_hash,
        item: read.item,
    }
}

/// Converts a stored item again (planning): the same rules as `classify`, without hashing.
pub fn convert(kind: ItemKind, raw: &str, listed_under: Option<&str>) -> Result<Item, String> {
    read(kind, raw, listed_under).item
}

/// A stored item converted again (planning, rebuilding planning forms). The pull's verdict on a
/// quarantined version stands: a later conversion never releases an item the pull held; only
/// Entrata's next version of it can.
pub fn reconvert(
    kind: ItemKind,
    raw: &str,
    invalid_reason: Option<&str>,
    listed_under: Option<&str>,
) -> Result<Item, String> {
    match invalid_reason {
        Some(reason) => Err(reason.to_owned()),
        None => convert(kind, raw, listed_under),
    }
}

/// Why an item of a property's list is held when it converts to a company-wide kind. Cannot
/// happen: `classify` converts a list of one kind into items of that kind.
pub const NOT_A_LEDGER_ITEM: &str = "not an item of a property's ledger";

struct Read {
    item_id: Option<String>,
    property_id: Option<String>,
    updated_at_text: Option<String>,
    updated_at: Option<DateTime<Utc>>,
    item: Result<Item, String>,
}

fn read(kind: ItemKind, raw: &str, listed_under: Option<&str>) -> Read {
    // serde would also read a JSON array into a struct, field by position: refuse anything else.
    let is_object = raw.trim_start().starts_with('{');
    let parsed = if is_object {
        serde_json::from_str(raw).map_err(|e| e.to_string())
    } else {
        Err("not an object".to_owned())
    };
    let fields: Fields<'_> = match parsed {
        Ok(fields) => fields,
        Err(e) => {
            return Read {
                item_id: None,
                property_id: None,
                updated_at_text: None,
                updated_at: None,
                item: Err(format!("not a JSON object of the expected shape: {e}")),
            };
        }
    };
    let mut r = Reader::default();
    let id_field = kind.id_field();
    let item_id = r.string(id_field, fields.get(id_field));
    let property_id = match kind {
        ItemKind::Property => item_id.clone(),
        ItemKind::ArCode => None,
        _ => r.string("propertyId", fields.property_id),
    };
    if let (Some(listed), Some(own)) = (listed_under, property_id.as_deref())
        && kind.is_per_property()
        && listed != own
    {
        r.problem(format!("propertyId `{own}` differs from the property it was listed under (`{listed}`)"));
    }
    let updated_at_text = fields.updated_at.and_then(|v| serde_json::from_str::<String>(v.get()).ok());
    let updated_at_fixed = r.timestamp("updatedAt", fields.updated_at);
    let updated_at = updated_at_fixed.map(|t| t.with_timezone(&Utc));

    let item = match (item_id.clone(), updated_at_fixed) {
        (Some(id), Some(updated_at)) => {
            let header = Header { id, property_id: property_id.clone(), updated_at };
            match kind {
                ItemKind::Property => property(&mut r, &fields, header).map(Item::Property),
                ItemKind::ArCode => ar_code(&mut r, &fields, header).map(Item::ArCode),
                ItemKind::Lease => lease(&mut r, &fields, header).map(Item::Lease),
                ItemKind::Charge => charge(&mut r, &fields, header).map(Item::Charge),
                ItemKind::Payment => payment(&mut r, &fields, header).map(Item::Payment),
                ItemKind::Deposit => deposit(&mut r, &fields, header).map(Item::Deposit),
            }
        }
        _ => None,
    };
    let item = match (item, r.problems.is_empty()) {
        (Some(item), true) => Ok(item),
        _ => Err(r.problems.join("; ")),
    };
    Read { item_id, property_id, updated_at_text, updated_at, item }
}

pub fn hex_sha256(bytes: &[u8]) -> String {
    data_encoding::HEXLOWER.encode(&Sha256::digest(bytes))
}

/// Every field any kind may carry, as raw JSON; unknown fields are ignored (APIs grow).
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct Fields<'a> {
    #[serde(borrow)]
    property_id: Option<&'a RawValue>,
    #[serde(borrow)]
    ar_code_id: Option<&'a RawValue>,
    #[serde(borrow)]
    lease_id: Option<&'a RawValue>,
    #[serde(borrow)]
    charge_id: Option<&'a RawValue>,
    #[serde(borrow)]
    payment_id: Option<&'a RawValue>,
    #[serde(borrow)]
    deposit_id: Option<&'a RawValue>,
    #[serde(borrow)]
    updated_at: Option<&'a RawValue>,
    #[serde(borrow)]
    name: Option<&'a RawValue>,
    #[serde(borrow)]
    code: Option<&'a RawValue>,
    #[serde(borrow)]
    status: Option<&'a RawValue>,
    #[serde(borrow)]
    timezone: Option<&'a RawValue>,
    #[serde(borrow)]
    currency: Option<&'a RawValue>,
    #[serde(borrow)]
    open_post_month: Option<&'a RawValue>,
    #[serde(borrow, rename = "type")]
    code_type: Option<&'a RawValue>,
    #[serde(borrow)]
    is_taxable: Option<&'a RawValue>,
    #[serde(borrow)]
    gl_debit_account: Option<&'a RawValue>,
    #[serde(borrow)]
    gl_credit_account: Option<&'a RawValue>,
    #[serde(borrow)]
    is_disabled: Option<&'a RawValue>,
    #[serde(borrow)]
    number: Option<&'a RawValue>,
    #[serde(borrow)]
    unit_id: Option<&'a RawValue>,
    #[serde(borrow)]
    primary_resident_id: Option<&'a RawValue>,
    #[serde(borrow)]
    resident_id: Option<&'a RawValue>,
    #[serde(borrow)]
    start_date: Option<&'a RawValue>,
    #[serde(borrow)]
    end_date: Option<&'a RawValue>,
    #[serde(borrow)]
    move_in_date: Option<&'a RawValue>,
    #[serde(borrow)]
    move_out_date: Option<&'a RawValue>,
    #[serde(borrow)]
    rent: Option<&'a RawValue>,
    #[serde(borrow)]
    fees: Option<&'a RawValue>,
    #[serde(borrow)]
    deposit: Option<&'a RawValue>,
    #[serde(borrow)]
    ar_code: Option<&'a RawValue>,
    #[serde(borrow)]
    description: Option<&'a RawValue>,
    #[serde(borrow)]
    amount: Option<&'a RawValue>,
    #[serde(borrow)]
    tax_amount: Option<&'a RawValue>,
    #[serde(borrow)]
    transaction_date: Option<&'a RawValue>,
    #[serde(borrow)]
    post_date: Option<&'a RawValue>,
    #[serde(borrow)]
    post_month: Option<&'a RawValue>,
    #[serde(borrow)]
    service_period_start: Option<&'a RawValue>,
    #[serde(borrow)]
    service_period_end: Option<&'a RawValue>,
    #[serde(borrow)]
    reverses_charge_id: Option<&'a RawValue>,
    #[serde(borrow)]
    scheduled_charge_id: Option<&'a RawValue>,
    #[serde(borrow)]
    method: Option<&'a RawValue>,
    #[serde(borrow)]
    received_at: Option<&'a RawValue>,
    #[serde(borrow)]
    returned_date: Option<&'a RawValue>,
    #[serde(borrow)]
    return_post_month: Option<&'a RawValue>,
    #[serde(borrow)]
    return_reason: Option<&'a RawValue>,
    #[serde(borrow)]
    allocations: Option<&'a RawValue>,
    #[serde(borrow)]
    bank_account_id: Option<&'a RawValue>,
    #[serde(borrow)]
    bank_account_name: Option<&'a RawValue>,
    #[serde(borrow)]
    deposit_date: Option<&'a RawValue>,
    #[serde(borrow)]
    payment_ids: Option<&'a RawValue>,
}

impl<'a> Fields<'a> {
    fn get(&self, id_field: &str) -> Option<&'a RawValue> {
        match id_field {
            "propertyId" => self.property_id,
            "arCodeId" => self.ar_code_id,
            "leaseId" => self.lease_id,
            "chargeId" => self.charge_id,
            "paymentId" => self.payment_id,
            "depositId" => self.deposit_id,
            _ => None,
        }
    }
}

struct Header {
    id: String,
    property_id: Option<String>,
    updated_at: DateTime<FixedOffset>,
}

impl Header {
    fn property(&self) -> PropertyId {
        PropertyId::new(self.property_id.clone().unwrap_or_default())
    }
}

mod reader;
use reader::*;

mod kinds;
use kinds::*;

#[cfg(test)]
mod tests;
