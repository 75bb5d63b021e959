//! Request bodies of the write endpoints as Xero reads them: PascalCase fields, unknown fields
//! ignored (the SDKs send read-only ones back), text fields that also take numbers (an
//! `AccountCode` of `400`), amounts kept as their JSON text so they can be read exactly, and
//! enums checked the way .NET parses them (case-insensitively; an unknown value refuses the whole
//! request with `PostDataInvalidException`, as a deserialization error does in Xero).

use serde::{Deserialize, Deserializer};
use serde_json::Value;
use serde_json::value::RawValue;

use super::wire::parse_date;

/// Text, or a number written where text belongs; `null` is absent.
fn text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(Value::Bool(b)) => Ok(Some(b.to_string())),
        Some(other) => {
            Err(serde::de::Error::custom(format!("Error converting value {other} to type 'String'")))
        }
    }
}

/// `true`/`false`, or the same as a string.
fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(b)),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Ok(Some(true)),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Ok(Some(false)),
        Some(other) => Err(serde::de::Error::custom(format!("Could not convert {other} to boolean"))),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct TrackingIn {
    #[serde(rename = "Name", default, deserialize_with = "text")]
    pub name: Option<String>,
    #[serde(rename = "Option", default, deserialize_with = "text")]
    pub option: Option<String>,
    #[serde(rename = "TrackingCategoryID", default, deserialize_with = "text")]
    pub category_id: Option<String>,
    #[serde(rename = "TrackingOptionID", default, deserialize_with = "text")]
    pub option_id: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct JournalLineIn {
    #[serde(rename = "LineAmount", default)]
    pub line_amount: Option<Box<RawValue>>,
    #[serde(rename = "AccountCode", default, deserialize_with = "text")]
    pub account_code: Option<String>,
    #[serde(rename = "AccountID", default, deserialize_with = "text")]
    pub account_id: Option<String>,
    #[serde(rename = "Description", default, deserialize_with = "text")]
    pub description: Option<String>,
    #[serde(rename = "TaxType", default, deserialize_with = "text")]
    pub tax_type: Option<String>,
    #[serde(rename = "Tracking", default)]
    pub tracking: Option<Vec<TrackingIn>>,
}

#[derive(Debug, Default, Deserialize)]
pub struct JournalIn {
    #[serde(rename = "ManualJournalID", default, deserialize_with = "text")]
    pub id: Option<String>,
    #[serde(rename = "Narration", default, deserialize_with = "text")]
    pub narration: Option<String>,
    #[serde(rename = "JournalLines", default)]
    pub lines: Option<Vec<JournalLineIn>>,
    #[serde(rename = "Date", default, deserialize_with = "text")]
    pub date: Option<String>,
    #[serde(rename = "LineAmountTypes", default, deserialize_with = "text")]
    pub line_amount_types: Option<String>,
    #[serde(rename = "Status", default, deserialize_with = "text")]
    pub status: Option<String>,
    #[serde(rename = "Url", default, deserialize_with = "text")]
    pub url: Option<String>,
    #[serde(rename = "ShowOnCashBasisReports", default, deserialize_with = "flag")]
    pub show_on_cash_basis_reports: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
pub struct ContactIn {
    #[serde(rename = "ContactID", default, deserialize_with = "text")]
    pub id: Option<String>,
    #[serde(rename = "Name", default, deserialize_with = "text")]
    pub name: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct AccountIn {
    #[serde(rename = "AccountID", default, deserialize_with = "text")]
    pub id: Option<String>,
    #[serde(rename = "Code", default, deserialize_with = "text")]
    pub code: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct LineItemIn {
    #[serde(rename = "Description", default, deserialize_with = "text")]
    pub description: Option<String>,
    #[serde(rename = "Quantity", default)]
    pub quantity: Option<Box<RawValue>>,
    #[serde(rename = "UnitAmount", default)]
    pub unit_amount: Option<Box<RawValue>>,
    #[serde(rename = "LineAmount", default)]
    pub line_amount: Option<Box<RawValue>>,
    #[serde(rename = "AccountCode", default, deserialize_with = "text")]
    pub account_code: Option<String>,
    #[serde(rename = "AccountID", default, deserialize_with = "text")]
    pub account_id: Option<String>,
    #[serde(rename = "TaxType", default, deserialize_with = "text")]
    pub tax_type: Option<String>,
    #[serde(rename = "Tracking", default)]
    pub tracking: Option<Vec<TrackingIn>>,
}

#[derive(Debug, Default, Deserialize)]
pub struct BankTransactionIn {
    #[serde(rename = "BankTransactionID", default, deserialize_with = "text")]
    pub id: Option<String>,
    #[serde(rename = "Type", default, deserialize_with = "text")]
    pub kind: Option<String>,
    #[serde(rename = "Contact", default)]
    pub contact: Option<ContactIn>,
    #[serde(rename = "BankAccount", default)]
    pub bank_account: Option<AccountIn>,
    #[serde(rename = "LineItems", default)]
    pub line_items: Option<Vec<LineItemIn>>,
    #[serde(rename = "LineAmountTypes", default, deserialize_with = "text")]
    pub line_amount_types: Option<String>,
    #[serde(rename = "Date", default, deserialize_with = "text")]
    pub date: Option<String>,
    #[serde(rename = "Reference", default, deserialize_with = "text")]
    pub reference: Option<String>,
    #[serde(rename = "Url", default, deserialize_with = "text")]
    pub url: Option<String>,
    #[serde(rename = "Status", default, deserialize_with = "text")]
    pub status: Option<String>,
    #[serde(rename = "CurrencyCode", default, deserialize_with = "text")]
    pub currency_code: Option<String>,
    #[serde(rename = "IsReconciled", default, deserialize_with = "flag")]
    pub is_reconciled: Option<bool>,
}

/// Reads `{"<key>": [...]}` (what the SDKs send) or a single bare element.
pub fn elements<T: serde::de::DeserializeOwned>(body: &[u8], key: &str) -> Result<Vec<T>, String> {
    // Raw values all the way down: an amount must reach `parse_decimal` as the text that was sent,
    // never through an f64.
    let text = std::str::from_utf8(body).map_err(|_| " the body is not UTF-8".to_owned())?;
    let top: std::collections::BTreeMap<String, Box<RawValue>> =
        serde_json::from_str(text).map_err(|e| format!(" {e}"))?;
    let list: Vec<Box<RawValue>> = match top.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)) {
        Some((_, raw)) if raw.get().trim() == "null" => Vec::new(),
        Some((_, raw)) => serde_json::from_str(raw.get())
            .map_err(|_| format!(" Error converting value {} to type 'List'", raw.get()))?,
        None if top.is_empty() => Vec::new(),
        None => return serde_json::from_str::<T>(text).map(|one| vec![one]).map_err(|e| format!(" {e}")),
    };
    list.iter().map(|item| serde_json::from_str::<T>(item.get()).map_err(|e| format!(" {e}"))).collect()
}

/// An enum value as .NET parses it: case-insensitive, canonical spelling out.
pub fn enum_value(
    given: Option<&str>,
    allowed: &[&'static str],
    default: &'static str,
) -> Result<&'static str, String> {
    let Some(given) = given.map(str::trim) else { return Ok(default) };
    allowed
        .iter()
        .find(|a| a.eq_ignore_ascii_case(given))
        .copied()
        .ok_or_else(|| format!("Requested value '{given}' was not found."))
}

/// A date field: absent, or one of the forms `parse_date` reads; anything else refuses the request.
pub fn date_value(given: Option<&str>) -> Result<Option<chrono::NaiveDate>, String> {
    match given.map(str::trim).filter(|d| !d.is_empty()) {
        None => Ok(None),
        Some(text) => parse_date(text)
            .map(Some)
            .ok_or_else(|| format!("String '{text}' was not recognized as a valid DateTime.")),
    }
}
