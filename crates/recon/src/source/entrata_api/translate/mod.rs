//! Entrata's items into the connector's (docs/sources.md sections 3 and 7.2): properties, AR codes,
//! leases, charges, payments with allocations and deposits, written in the provider REST API's
//! shapes so that one conversion (`source::convert`) judges both sources' items alike. Each item
//! is written without `updatedAt`: Entrata states none, and the pull adds the time it first saw
//! the item's current content.

use std::collections::HashMap;

use super::json::{self, Obj, plain, quote};
use super::shape::*;
use crate::config::{ApiSource, ArCodeKey};

/// An item ready but for its `updatedAt`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub id: String,
    /// `{"field": ...,` with no closing brace: the pull appends `"updatedAt"` and `}`.
    pub body: String,
}

impl Draft {
    fn from(id: String, obj: Obj) -> Draft {
        let mut body = obj.finish();
        body.pop();
        Draft { id, body }
    }
}

/// What the AR codes say, for the items that name a code by Entrata's id.
#[derive(Debug, Default, Clone)]
pub struct Codes {
    /// Entrata's id → the connector's code and type.
    by_id: HashMap<String, (String, &'static str)>,
    /// Ids of Payment codes (type 1): their ledger lines are payments.
    payment_codes: Vec<String>,
}

impl Codes {
    /// The connector's code for Entrata's AR code id (the id itself when no code has it, so the
    /// plan names it as an unmapped code).
    pub fn key(&self, raw_id: Option<&serde_json::value::RawValue>) -> String {
        match plain(raw_id) {
            Some(id) => quote(self.by_id.get(&id).map_or(id.as_str(), |(code, _)| code.as_str())),
            None => raw_id.map_or("null".to_owned(), |r| r.get().to_owned()),
        }
    }

    fn kind_of(&self, raw_id: Option<&serde_json::value::RawValue>) -> Option<&'static str> {
        self.by_id.get(&plain(raw_id)?).map(|(_, t)| *t)
    }

    pub fn is_payment_code(&self, raw_id: Option<&serde_json::value::RawValue>) -> bool {
        plain(raw_id).is_some_and(|id| self.payment_codes.contains(&id))
    }
}

/// The connector's type of an Entrata AR code (docs/sources.md section 3); `None` for Payment
/// codes; an unknown type keeps Entrata's name, so the item is held with it.
fn code_type(node: &ArCodeNode<'_>) -> Option<String> {
    let timing = node.charge_timing.as_deref().unwrap_or("").to_ascii_lowercase();
    let usage = node.charge_usage.as_deref().unwrap_or("").to_ascii_lowercase();
    let code = plain(node.code).unwrap_or_default();
    let named = match code.as_str() {
        "1" => return None,
        "2" => "rent",
        "7" => "deposit",
        "8" => "refund",
        "9" if timing == "tax" => "tax",
        "9" => "other_liability",
        "3" if usage == "special" => "concession",
        "3" if usage == "utility" => "utility",
        "3" if timing == "bad debt write off" => "write_off",
        "3" if timing == "tax" => "tax",
        "3" if timing == "late fee" || timing == "return item fee" => "fee",
        "3" => "other_income",
        _ => return Some(node.code_type.clone().unwrap_or(code).to_ascii_lowercase()),
    };
    Some(named.to_owned())
}

pub fn ar_codes(result: ArCodesResult<'_>, config: &ApiSource) -> (Vec<Draft>, Codes) {
    let mut codes = Codes::default();
    let mut drafts = Vec::new();
    for node in result.arcodes.into_vec() {
        let id = plain(node.id).unwrap_or_default();
        let Some(kind) = code_type(&node) else {
            codes.payment_codes.push(id);
            continue;
        };
        let key = match config.ar_code_key {
            ArCodeKey::Lookup => {
                plain(node.lookup_code).filter(|c| !c.trim().is_empty()).unwrap_or(id.clone())
            }
            ArCodeKey::Id => id.clone(),
            ArCodeKey::Name => plain(node.name).unwrap_or(id.clone()),
        };
        let known: &'static str = match kind.as_str() {
            "rent" => "rent",
            "deposit" => "deposit",
            _ => "other",
        };
        codes.by_id.insert(id.clone(), (key.clone(), known));
        let disabled = match json::flag(node.is_entrata_disabled).as_str() {
            "true" => "true".to_owned(),
            _ => json::flag(node.is_disabled),
        };
        let mut o = Obj::new();
        o.json("arCodeId", &json::id(node.id))
            .text("code", &key)
            .raw("name", node.name)
            .text("type", &kind)
            .json("isTaxable", &json::flag(node.is_taxable))
            .json("glDebitAccount", &json::id(node.debit_gl_account_id))
            .json("glCreditAccount", &json::id(node.credit_gl_account_id))
            .json("isDisabled", if disabled == "null" { "false" } else { &disabled });
        drafts.push(Draft::from(id, o));
    }
    (drafts, codes)
}

/// What getProperties says of one property.
#[derive(Debug, Clone)]
pub struct PropertyInfo {
    pub id: String,
    /// Its current AR post month, `YYYY-MM`, when it reads.
    pub ar_post_month: Option<String>,
    name: String,
    code: String,
    disabled: bool,
    timezone: Option<String>,
    currency: Option<String>,
}

pub fn properties(result: PropertiesResult<'_>) -> Vec<PropertyInfo> {
    result
        .physical_property
        .into_vec()
        .into_iter()
        .filter_map(|p| {
            let id = plain(p.property_id)?;
            Some(PropertyInfo {
                name: plain(p.marketing_name).unwrap_or(id.clone()),
                code: plain(p.lookup_code).filter(|c| !c.trim().is_empty()).unwrap_or(id.clone()),
                disabled: json::flag(p.is_disabled) == "true",
                ar_post_month: p
                    .post_months
                    .and_then(|m| m.ar_post_month)
                    .and_then(|m| json::parse_month(&m)),
                timezone: plain(p.timezone),
                currency: plain(p.currency_code),
                id,
            })
        })
        .collect()
}

/// The property item, once its currency is known (Entrata's own, getLeases', or the config's).
impl PropertyInfo {
    /// The property's currency: Entrata's own, else getLeases' (`leases_currency`), else the
    /// config's; `None` when none says (the property is then held, never given one).
    pub fn currency<'a>(
        &'a self,
        leases_currency: Option<&'a str>,
        config: &'a ApiSource,
    ) -> Option<&'a str> {
        self.currency.as_deref().or(leases_currency).or(config.currency.as_deref())
    }
}

pub fn property(info: &PropertyInfo, leases_currency: Option<&str>, config: &ApiSource) -> Draft {
    let currency = info.currency(leases_currency, config);
    let mut o = Obj::new();
    o.text("propertyId", &info.id)
        .text("code", &info.code)
        .text("name", &info.name)
        .text("status", if info.disabled { "disabled" } else { "active" })
        .text("timezone", info.timezone.as_deref().unwrap_or(&config.timezone))
        .opt_text("currency", currency)
        .opt_text("openPostMonth", info.ar_post_month.as_deref());
    Draft::from(info.id.clone(), o)
}

fn lease_status(raw: Option<&serde_json::value::RawValue>) -> String {
    match plain(raw).as_deref() {
        Some("1" | "3") => quote("pending_signature"),
        Some("2") => quote("cancelled"),
        Some("4") => quote("active"),
        Some("5") => quote("notice"),
        Some("6") => quote("past"),
        _ => raw.map_or("null".to_owned(), |r| r.get().to_owned()),
    }
}

fn frequency(text: Option<&str>) -> String {
    match text.map(|t| t.trim().to_ascii_lowercase()).as_deref() {
        Some("monthly") => quote("monthly"),
        Some("one time" | "onetime" | "once") => quote("once"),
        Some(other) => quote(other),
        None => "null".to_owned(),
    }
}

/// The leases of one property, and the currency getLeases states for them.
pub fn leases(
    result: LeasesResult<'_>,
    property: &str,
    currency: Option<&str>,
    codes: &Codes,
) -> (Vec<Draft>, Option<String>) {
    let stated = plain(result.currency_code);
    let mut drafts = Vec::new();
    for lease in result.leases.into_vec() {
        let id = plain(lease.id).unwrap_or_default();
        let interval_id = plain(lease.lease_interval_id);
        let intervals = lease.lease_intervals.into_vec();
        let interval = intervals
            .iter()
            .find(|i| interval_id.is_some() && plain(i.id) == interval_id)
            .or(intervals.first());
        let customers = lease.customers.into_vec();
        let primary = customers
            .iter()
            .find(|c| c.customer_type.as_deref().is_some_and(|t| t.eq_ignore_ascii_case("primary")))
            .or(customers.first());
        let co: Vec<String> = customers
            .iter()
            .filter(|c| !std::ptr::eq(*c, primary.expect("a customer when any")))
            .map(|c| json::id(c.id))
            .collect();
        let (mut rent, mut deposit, mut fees) = (None, None, Vec::new());
        for charge in lease.scheduled_charges.into_vec() {
            let monthly = frequency(charge.frequency.as_deref()) == quote("monthly");
            // Without a code Entrata knows, the charge's name says what it is.
            let named = plain(charge.charge_code_name).map(|n| n.trim().to_ascii_lowercase());
            let kind = codes.kind_of(charge.charge_code_id).or(match named.as_deref() {
                _ if charge.charge_code_id.is_some() => None,
                Some("rent") => Some("rent"),
                Some(n) if n.contains("deposit") => Some("deposit"),
                _ => None,
            });
            match kind {
                Some("rent") if monthly && rent.is_none() => rent = charge.amount,
                Some("deposit") if !monthly && deposit.is_none() => deposit = charge.amount,
                _ => {
                    let mut fee = Obj::new();
                    fee.json("code", &codes.key(charge.charge_code_id))
                        .raw("description", charge.charge_code_name)
                        .raw("amount", charge.amount)
                        .json("frequency", &frequency(charge.frequency.as_deref()));
                    fees.push(fee.finish());
                }
            }
        }
        let currency = plain(lease.currency_code).or(stated.clone()).or(currency.map(str::to_owned));
        let mut o = Obj::new();
        o.json("leaseId", &json::id(lease.id))
            .text("propertyId", plain(lease.property_id).as_deref().unwrap_or(property))
            .raw("number", lease.lease_number)
            .json("unitId", &json::id(lease.unit_id))
            .json("primaryResidentId", &primary.map_or("null".to_owned(), |c| json::id(c.id)))
            .json("coResidentIds", &format!("[{}]", co.join(",")))
            .json("status", &lease_status(lease.lease_status_type_id))
            .json("startDate", &json::date(interval.and_then(|i| i.start_date)))
            .json("endDate", &json::date(interval.and_then(|i| i.end_date)))
            .json("moveInDate", &json::date(lease.move_in_date))
            .json("moveOutDate", &json::date(lease.move_out_date))
            .raw("rent", rent)
            .json("fees", &format!("[{}]", fees.join(",")))
            .raw("deposit", deposit)
            .opt_text("currency", currency.as_deref());
        drafts.push(Draft::from(id, o));
    }
    (drafts, stated)
}

mod ledger;
pub use ledger::{Ledger, PaymentLine, deposits, ledger, payments};
