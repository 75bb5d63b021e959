//! The results of the methods the adapter calls, as Entrata shapes them (docs/sources.md sections
//! 2.8, 2.9 and 7.2): PascalCase for properties and payments, camelCase elsewhere, `@attributes`
//! in the GL, and one child or many at every list level. Every value stays raw (`RawValue`) so
//! that money is read from its text and anything unreadable is judged later, with its field.

use serde::Deserialize;
use serde_json::value::RawValue;

use super::read::OneOrMany;

type Raw<'a> = Option<&'a RawValue>;

/// `{"<Child>": one or many}`, the wrapper of every list.
#[derive(Deserialize)]
#[serde(bound(deserialize = "T: Deserialize<'de>"))]
pub struct List<T> {
    #[serde(default, alias = "Property", alias = "arcode", alias = "lease", alias = "customer")]
    #[serde(alias = "ledger", alias = "transaction", alias = "ArPayment", alias = "ArAllocation")]
    #[serde(alias = "leaseInterval", alias = "scheduledCharge", alias = "property", alias = "glDetail")]
    pub items: OneOrMany<T>,
}

impl<T> Default for List<T> {
    fn default() -> Self {
        List { items: OneOrMany::default() }
    }
}

impl<T> List<T> {
    pub fn into_vec(self) -> Vec<T> {
        self.items.into_vec()
    }
}

// ---- properties.getProperties ----

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
pub struct PropertiesResult<'a> {
    #[serde(borrow)]
    pub physical_property: List<PropertyNode<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
pub struct PropertyNode<'a> {
    #[serde(borrow, rename = "PropertyID", alias = "PropertyId")]
    pub property_id: Raw<'a>,
    #[serde(borrow)]
    pub marketing_name: Raw<'a>,
    #[serde(borrow)]
    pub lookup_code: Raw<'a>,
    #[serde(borrow)]
    pub is_disabled: Raw<'a>,
    pub post_months: Option<PostMonths>,
    #[serde(borrow)]
    pub timezone: Raw<'a>,
    #[serde(borrow)]
    pub currency_code: Raw<'a>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
pub struct PostMonths {
    pub ar_post_month: Option<String>,
}

// ---- arcodes.getArCodes ----

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ArCodesResult<'a> {
    #[serde(borrow)]
    pub arcodes: List<ArCodeNode<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct ArCodeNode<'a> {
    #[serde(borrow)]
    pub id: Raw<'a>,
    #[serde(borrow)]
    pub code: Raw<'a>,
    pub code_type: Option<String>,
    pub charge_usage: Option<String>,
    pub charge_timing: Option<String>,
    #[serde(borrow)]
    pub name: Raw<'a>,
    #[serde(borrow)]
    pub lookup_code: Raw<'a>,
    #[serde(borrow)]
    pub is_taxable: Raw<'a>,
    #[serde(borrow)]
    pub is_disabled: Raw<'a>,
    #[serde(borrow)]
    pub is_entrata_disabled: Raw<'a>,
    #[serde(borrow)]
    pub debit_gl_account_id: Raw<'a>,
    #[serde(borrow)]
    pub credit_gl_account_id: Raw<'a>,
}

// ---- leases.getLeases ----

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct LeasesResult<'a> {
    #[serde(borrow)]
    pub leases: List<LeaseNode<'a>>,
    #[serde(borrow)]
    pub currency_code: Raw<'a>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct LeaseNode<'a> {
    #[serde(borrow)]
    pub id: Raw<'a>,
    #[serde(borrow)]
    pub property_id: Raw<'a>,
    #[serde(borrow)]
    pub unit_id: Raw<'a>,
    #[serde(borrow)]
    pub lease_status_type_id: Raw<'a>,
    #[serde(borrow)]
    pub move_in_date: Raw<'a>,
    #[serde(borrow)]
    pub move_out_date: Raw<'a>,
    #[serde(borrow)]
    pub lease_interval_id: Raw<'a>,
    #[serde(borrow)]
    pub lease_intervals: List<IntervalNode<'a>>,
    #[serde(borrow)]
    pub customers: List<CustomerNode<'a>>,
    #[serde(borrow)]
    pub scheduled_charges: List<ScheduledNode<'a>>,
    #[serde(borrow)]
    pub lease_number: Raw<'a>,
    #[serde(borrow)]
    pub currency_code: Raw<'a>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct IntervalNode<'a> {
    #[serde(borrow)]
    pub id: Raw<'a>,
    #[serde(borrow)]
    pub start_date: Raw<'a>,
    #[serde(borrow)]
    pub end_date: Raw<'a>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct ScheduledNode<'a> {
    #[serde(borrow)]
    pub charge_code_id: Raw<'a>,
    #[serde(borrow)]
    pub amount: Raw<'a>,
    pub frequency: Option<String>,
    #[serde(borrow)]
    pub charge_code_name: Raw<'a>,
}

/// A lease's customer: in getLeases with its type, in the ledger with its ledgers.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct CustomerNode<'a> {
    #[serde(borrow)]
    pub id: Raw<'a>,
    pub customer_type: Option<String>,
    #[serde(borrow)]
    pub ledgers: List<LedgerNode<'a>>,
}

// ---- artransactions.getLeaseArTransactions ----

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LedgerResult<'a> {
    #[serde(borrow)]
    pub leases: List<LedgerLease<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct LedgerLease<'a> {
    #[serde(borrow)]
    pub id: Raw<'a>,
    #[serde(borrow)]
    pub lease_id: Raw<'a>,
    #[serde(borrow)]
    pub property_id: Raw<'a>,
    #[serde(borrow)]
    pub customers: List<CustomerNode<'a>>,
    /// Ledgers may sit at lease level too (section 2.9.4).
    #[serde(borrow)]
    pub ledgers: List<LedgerNode<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct LedgerNode<'a> {
    #[serde(borrow)]
    pub transactions: List<TransactionNode<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct TransactionNode<'a> {
    #[serde(borrow)]
    pub id: Raw<'a>,
    #[serde(borrow)]
    pub ar_code_id: Raw<'a>,
    #[serde(borrow)]
    pub description: Raw<'a>,
    #[serde(borrow)]
    pub transaction_date: Raw<'a>,
    #[serde(borrow)]
    pub post_date: Raw<'a>,
    #[serde(borrow)]
    pub post_month: Raw<'a>,
    #[serde(borrow)]
    pub amount: Raw<'a>,
    #[serde(borrow)]
    pub scheduled_charge_id: Raw<'a>,
    #[serde(borrow)]
    pub ar_payment_id: Raw<'a>,
    #[serde(borrow)]
    pub is_temporary: Raw<'a>,
    #[serde(borrow)]
    pub tax_amount: Raw<'a>,
    #[serde(borrow)]
    pub service_period_start: Raw<'a>,
    #[serde(borrow)]
    pub service_period_end: Raw<'a>,
    #[serde(borrow)]
    pub original_ar_transaction_id: Raw<'a>,
    #[serde(borrow)]
    pub unit_id: Raw<'a>,
    #[serde(borrow)]
    pub currency_code: Raw<'a>,
}

// ---- arpayments.getArPayments ----

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
pub struct PaymentsResult<'a> {
    #[serde(borrow)]
    pub ar_payments: List<PaymentNode<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
pub struct PaymentNode<'a> {
    #[serde(borrow)]
    pub ar_payment_id: Raw<'a>,
    #[serde(borrow)]
    pub customer_id: Raw<'a>,
    #[serde(borrow)]
    pub payment_amount: Raw<'a>,
    pub payment_type: Option<String>,
    pub payment_status: Option<String>,
    pub payment_date: Option<String>,
    pub captured_on: Option<String>,
    pub returned_on: Option<String>,
    #[serde(borrow)]
    pub currency_code: Raw<'a>,
    #[serde(borrow)]
    pub return_reason: Raw<'a>,
    #[serde(borrow)]
    pub deposit_id: Raw<'a>,
    #[serde(borrow)]
    pub ar_allocations: List<AllocationNode<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
pub struct AllocationNode<'a> {
    #[serde(borrow)]
    pub ar_transaction_id: Raw<'a>,
    #[serde(borrow)]
    pub charge_code_id: Raw<'a>,
    #[serde(borrow)]
    pub amount: Raw<'a>,
}

// ---- financial.getGlTransactions ----

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct GlResult<'a> {
    #[serde(borrow)]
    pub properties: List<GlProperty<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct GlProperty<'a> {
    #[serde(borrow)]
    pub transactions: List<GlAccount<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct GlAccount<'a> {
    #[serde(borrow, rename = "@attributes")]
    pub attributes: GlAccountAttributes<'a>,
    #[serde(borrow)]
    pub gl_details: List<GlDetail<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct GlAccountAttributes<'a> {
    #[serde(borrow)]
    pub account_id: Raw<'a>,
    #[serde(borrow)]
    pub account_name: Raw<'a>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct GlDetail<'a> {
    #[serde(borrow, rename = "@attributes")]
    pub attributes: GlDetailAttributes<'a>,
    #[serde(borrow)]
    pub transaction_date: Raw<'a>,
    #[serde(borrow)]
    pub post_date: Raw<'a>,
    #[serde(borrow)]
    pub post_month: Raw<'a>,
    #[serde(borrow)]
    pub debit: Raw<'a>,
    pub ar_payment_ids: Option<String>,
    #[serde(borrow)]
    pub currency_code: Raw<'a>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct GlDetailAttributes<'a> {
    #[serde(borrow)]
    pub id: Raw<'a>,
    pub transaction_type: Option<String>,
}
