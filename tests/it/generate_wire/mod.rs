//! The dataset document's wire shapes (spec/source-api.md §3-§6), strict: unknown fields and
//! wrong JSON types fail to parse, as the sandbox loader refuses them. Money stays raw JSON text
//! so that tests can check it digit by digit and parse it exactly.

#![allow(dead_code)] // each test target uses a different part of these shapes

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Deserialize;
use serde_json::value::RawValue;

/// A money value exactly as written: a JSON number or a decimal string.
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct Money(pub Box<RawValue>);

impl Money {
    /// The digits, without quotes when written as a string.
    pub fn text(&self) -> &str {
        self.0.get().trim_matches('"')
    }

    pub fn is_string(&self) -> bool {
        self.0.get().starts_with('"')
    }

    /// Parsed exactly (never through f64); `None` when not a decimal number.
    pub fn decimal(&self) -> Option<Decimal> {
        entrata_recon::domain::parse_decimal_text(self.text()).ok()
    }

    /// In cents, when it has at most two decimals.
    pub fn cents(&self) -> Option<i64> {
        let scaled = self.decimal()? * Decimal::ONE_HUNDRED;
        scaled.fract().is_zero().then(|| scaled.to_i64()).flatten()
    }

    /// `-?digits.dd`: exactly two decimals, as the generator must write money.
    pub fn has_two_decimals(&self) -> bool {
        let text = self.text();
        let body = text.strip_prefix('-').unwrap_or(text);
        match body.split_once('.') {
            Some((whole, cents)) => {
                !whole.is_empty()
                    && whole.bytes().all(|b| b.is_ascii_digit())
                    && cents.len() == 2
                    && cents.bytes().all(|b| b.is_ascii_digit())
            }
            None => false,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Dataset {
    pub integration_id: String,
    pub integration_token: String,
    pub users: Vec<User>,
    pub properties: Vec<Property>,
    pub units: Vec<Unit>,
    pub leases: Vec<Lease>,
    pub ar_codes: Vec<ArCode>,
    pub charges: Vec<Charge>,
    pub payments: Vec<Payment>,
    pub deposits: Vec<Deposit>,
    #[serde(default)]
    pub work_orders: Vec<WorkOrder>,
    pub qbo: Qbo,
    pub xero: Xero,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct User {
    pub id: String,
    pub name: String,
    pub username: String,
    pub password: String,
    #[serde(default)]
    pub totp_secret: Option<String>,
    pub entitlements: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Address {
    pub line1: String,
    pub city: String,
    pub region: String,
    pub postal_code: String,
    pub country: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Property {
    pub property_id: String,
    pub name: String,
    pub code: String,
    pub status: String,
    pub address: Address,
    pub timezone: String,
    pub unit_count: u32,
    pub occupancy_rate: Box<RawValue>,
    pub average_market_rent: Money,
    pub currency: String,
    pub open_post_month: String,
    pub updated_at: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Unit {
    pub unit_id: String,
    pub property_id: String,
    pub unit_number: String,
    pub floorplan_code: String,
    pub bedrooms: u32,
    pub bathrooms: u32,
    pub square_feet: u32,
    pub status: String,
    pub market_rent: Money,
    pub concession: Money,
    pub effective_rent: Money,
    pub availability_date: Option<String>,
    pub amenities: Vec<String>,
    pub building_id: String,
    pub floor: u32,
    pub updated_at: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LeaseFee {
    pub code: String,
    pub description: String,
    pub amount: Money,
    pub frequency: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Lease {
    pub lease_id: String,
    pub property_id: String,
    pub number: String,
    pub unit_id: String,
    pub primary_resident_id: String,
    pub co_resident_ids: Vec<String>,
    pub status: String,
    pub start_date: String,
    pub end_date: String,
    pub move_in_date: Option<String>,
    pub move_out_date: Option<String>,
    pub rent: Money,
    pub fees: Vec<LeaseFee>,
    pub deposit: Money,
    pub currency: String,
    pub updated_at: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ArCode {
    pub ar_code_id: String,
    pub code: String,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub is_taxable: bool,
    pub gl_debit_account: Option<String>,
    pub gl_credit_account: Option<String>,
    pub is_disabled: bool,
    pub updated_at: String,
}

/// Dates and months are strings here (not parsed) so that broken ones still load, as in the
/// sandbox, which serves contract-breaking values as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Charge {
    pub charge_id: String,
    pub property_id: String,
    pub lease_id: Option<String>,
    pub resident_id: Option<String>,
    pub unit_id: Option<String>,
    pub ar_code: String,
    pub description: String,
    pub amount: Money,
    pub tax_amount: Option<Money>,
    pub currency: String,
    pub transaction_date: Option<String>,
    pub post_date: String,
    #[serde(default)]
    pub post_month: Option<String>,
    pub service_period_start: Option<String>,
    pub service_period_end: Option<String>,
    pub reverses_charge_id: Option<String>,
    pub scheduled_charge_id: Option<String>,
    pub status: String,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Allocation {
    pub charge_id: String,
    pub ar_code: String,
    pub amount: Money,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Payment {
    pub payment_id: String,
    pub property_id: String,
    pub lease_id: Option<String>,
    pub resident_id: Option<String>,
    pub amount: Money,
    pub currency: String,
    pub method: String,
    pub status: String,
    pub received_at: String,
    pub post_date: String,
    pub post_month: String,
    pub returned_date: Option<String>,
    pub return_post_month: Option<String>,
    pub return_reason: Option<String>,
    pub deposit_id: Option<String>,
    pub allocations: Vec<Allocation>,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Deposit {
    pub deposit_id: String,
    pub property_id: String,
    pub bank_account_id: String,
    pub bank_account_name: String,
    pub deposit_date: String,
    pub post_month: String,
    pub amount: Money,
    pub currency: String,
    pub payment_ids: Vec<String>,
    pub updated_at: String,
}

/// The seed's work order (its create request fields plus the response's id, number, status and
/// creation time), with its `propertyId` and `updatedAt` as every list item has.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct WorkOrder {
    pub work_order_id: String,
    pub property_id: String,
    pub number: String,
    pub status: String,
    pub unit_id: String,
    pub resident_id: String,
    pub category: String,
    pub subcategory: String,
    pub description: String,
    pub priority: String,
    pub access_permission: String,
    pub schedule_window_start: String,
    pub schedule_window_end: String,
    pub attachments: Vec<serde_json::Value>,
    pub notify_resident: bool,
    pub assigned_vendor_id: String,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QboAccount {
    #[serde(rename = "Id")]
    pub id: String,
    #[serde(rename = "Name")]
    pub name: String,
    #[serde(rename = "AcctNum")]
    pub acct_num: String,
    #[serde(rename = "AccountType")]
    pub account_type: String,
    #[serde(rename = "Active")]
    pub active: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QboCustomer {
    #[serde(rename = "Id")]
    pub id: String,
    #[serde(rename = "DisplayName")]
    pub display_name: String,
    #[serde(rename = "Active")]
    pub active: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QboNamed {
    #[serde(rename = "Id")]
    pub id: String,
    #[serde(rename = "Name")]
    pub name: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Qbo {
    pub realm_id: String,
    pub client_id: String,
    pub client_secret: String,
    pub home_currency: String,
    pub book_close_date: Option<String>,
    pub warn_duplicate_doc_num: bool,
    pub accounts: Vec<QboAccount>,
    pub customers: Vec<QboCustomer>,
    pub classes: Vec<QboNamed>,
    pub departments: Vec<QboNamed>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
pub struct XeroAccount {
    #[serde(rename = "AccountID")]
    pub account_id: String,
    pub code: String,
    pub name: String,
    #[serde(rename = "Type")]
    pub kind: String,
    pub status: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
pub struct XeroContact {
    #[serde(rename = "ContactID")]
    pub contact_id: String,
    pub name: String,
    pub contact_status: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
pub struct XeroOption {
    #[serde(rename = "TrackingOptionID")]
    pub tracking_option_id: String,
    pub name: String,
    pub status: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
pub struct XeroTracking {
    #[serde(rename = "TrackingCategoryID")]
    pub tracking_category_id: String,
    pub name: String,
    pub status: String,
    pub options: Vec<XeroOption>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Xero {
    pub tenant_id: String,
    pub tenant_name: String,
    pub client_id: String,
    pub client_secret: String,
    pub base_currency: String,
    pub lock_date: Option<String>,
    pub accounts: Vec<XeroAccount>,
    pub contacts: Vec<XeroContact>,
    pub tracking_categories: Vec<XeroTracking>,
}

/// Every money field of the document, with where it is, for checks over all of them.
pub fn money_fields(d: &Dataset) -> Vec<(String, &Money)> {
    let mut all: Vec<(String, &Money)> = Vec::new();
    for p in &d.properties {
        all.push((format!("{}.averageMarketRent", p.property_id), &p.average_market_rent));
    }
    for u in &d.units {
        all.push((format!("{}.marketRent", u.unit_id), &u.market_rent));
        all.push((format!("{}.concession", u.unit_id), &u.concession));
        all.push((format!("{}.effectiveRent", u.unit_id), &u.effective_rent));
    }
    for l in &d.leases {
        all.push((format!("{}.rent", l.lease_id), &l.rent));
        all.push((format!("{}.deposit", l.lease_id), &l.deposit));
        for f in &l.fees {
            all.push((format!("{}.fees[{}].amount", l.lease_id, f.code), &f.amount));
        }
    }
    for c in &d.charges {
        all.push((format!("{}.amount", c.charge_id), &c.amount));
        if let Some(tax) = &c.tax_amount {
            all.push((format!("{}.taxAmount", c.charge_id), tax));
        }
    }
    for p in &d.payments {
        all.push((format!("{}.amount", p.payment_id), &p.amount));
        for a in &p.allocations {
            all.push((format!("{}.allocations[{}].amount", p.payment_id, a.charge_id), &a.amount));
        }
    }
    for dep in &d.deposits {
        all.push((format!("{}.amount", dep.deposit_id), &dep.amount));
    }
    all
}

/// Ids by kind, checking that none repeats.
pub fn unique_ids<'a>(kind: &str, ids: impl Iterator<Item = &'a str>) -> BTreeMap<&'a str, usize> {
    let mut seen = BTreeMap::new();
    for (i, id) in ids.enumerate() {
        assert!(seen.insert(id, i).is_none(), "{kind} id {id} appears twice");
    }
    seen
}
