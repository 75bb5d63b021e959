//! What the connector means by the things it pulls. Built from the wire shapes by `source::convert`
//! (which names the field when it cannot), never deserialized directly.

use chrono::{DateTime, FixedOffset, NaiveDate};

use super::ids::*;
use super::money::{Currency, Money};
use super::period::PostMonth;

/// The kinds of item the puller keeps, with the names `status --format json` uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ItemKind {
    Property,
    ArCode,
    Lease,
    Charge,
    Payment,
    Deposit,
}

impl ItemKind {
    pub const ALL: [ItemKind; 6] = [
        ItemKind::Property,
        ItemKind::ArCode,
        ItemKind::Lease,
        ItemKind::Charge,
        ItemKind::Payment,
        ItemKind::Deposit,
    ];

    /// Plural camelCase name, as in the API's collection names and in `status --format json`.
    pub fn as_str(&self) -> &'static str {
        match self {
            ItemKind::Property => "properties",
            ItemKind::ArCode => "arCodes",
            ItemKind::Lease => "leases",
            ItemKind::Charge => "charges",
            ItemKind::Payment => "payments",
            ItemKind::Deposit => "deposits",
        }
    }

    pub fn parse(text: &str) -> Option<ItemKind> {
        ItemKind::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// The JSON field that holds an item's id in the wire shape.
    pub fn id_field(&self) -> &'static str {
        match self {
            ItemKind::Property => "propertyId",
            ItemKind::ArCode => "arCodeId",
            ItemKind::Lease => "leaseId",
            ItemKind::Charge => "chargeId",
            ItemKind::Payment => "paymentId",
            ItemKind::Deposit => "depositId",
        }
    }

    /// Whether items of this kind are listed per property (`/properties/{id}/...`).
    pub fn is_per_property(&self) -> bool {
        !matches!(self, ItemKind::Property | ItemKind::ArCode)
    }
}

impl std::fmt::Display for ItemKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Property {
    pub id: PropertyId,
    pub name: String,
    /// Entrata's property code (`LV-OMA-001`).
    pub code: String,
    pub status: String,
    pub timezone: Option<String>,
    pub currency: Currency,
    /// The earliest AR post month still open in Entrata.
    pub open_post_month: Option<PostMonth>,
    pub updated_at: DateTime<FixedOffset>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ArCodeType {
    Rent,
    Fee,
    OtherIncome,
    Utility,
    Deposit,
    Concession,
    Refund,
    WriteOff,
    Tax,
    OtherLiability,
}

impl ArCodeType {
    pub fn parse(text: &str) -> Option<ArCodeType> {
        Some(match text {
            "rent" => ArCodeType::Rent,
            "fee" => ArCodeType::Fee,
            "other_income" => ArCodeType::OtherIncome,
            "utility" => ArCodeType::Utility,
            "deposit" => ArCodeType::Deposit,
            "concession" => ArCodeType::Concession,
            "refund" => ArCodeType::Refund,
            "write_off" => ArCodeType::WriteOff,
            "tax" => ArCodeType::Tax,
            "other_liability" => ArCodeType::OtherLiability,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArCodeDef {
    pub id: ArCodeId,
    pub code: ArCode,
    pub name: String,
    pub code_type: ArCodeType,
    pub is_taxable: bool,
    pub gl_debit_account: Option<String>,
    pub gl_credit_account: Option<String>,
    pub is_disabled: bool,
    pub updated_at: DateTime<FixedOffset>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeeFrequency {
    Monthly,
    Once,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseFee {
    pub code: ArCode,
    pub description: String,
    pub amount: Money,
    pub frequency: FeeFrequency,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeaseStatus {
    PendingSignature,
    Active,
    Notice,
    Past,
    Cancelled,
    /// A tombstone: Entrata marks deleted items instead of removing them (spec §2).
    Deleted,
}

impl LeaseStatus {
    pub fn parse(text: &str) -> Option<LeaseStatus> {
        Some(match text {
            "pending_signature" => LeaseStatus::PendingSignature,
            "active" => LeaseStatus::Active,
            "notice" => LeaseStatus::Notice,
            "past" => LeaseStatus::Past,
            "cancelled" => LeaseStatus::Cancelled,
            "deleted" => LeaseStatus::Deleted,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub id: LeaseId,
    pub property_id: PropertyId,
    pub number: Option<String>,
    pub unit_id: Option<UnitId>,
    pub primary_resident_id: Option<ResidentId>,
    pub status: LeaseStatus,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub move_in_date: Option<NaiveDate>,
    pub move_out_date: Option<NaiveDate>,
    /// Monthly rent: belongs to the AR code of type `rent` used on this lease's rent charges.
    pub rent: Option<Money>,
    pub fees: Vec<LeaseFee>,
    pub deposit: Option<Money>,
    pub currency: Currency,
    pub updated_at: DateTime<FixedOffset>,
}

/// An inclusive span of service days (`servicePeriodStart..=servicePeriodEnd`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServicePeriod {
    start: NaiveDate,
    end: NaiveDate,
}

impl ServicePeriod {
    /// `None` when `end` is before `start`.
    pub fn new(start: NaiveDate, end: NaiveDate) -> Option<ServicePeriod> {
        (start <= end).then_some(ServicePeriod { start, end })
    }

    pub fn start(&self) -> NaiveDate {
        self.start
    }

    pub fn end(&self) -> NaiveDate {
        self.end
    }
}

/// `deleted` items are tombstones: Entrata never removes list items, it marks them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChargeStatus {
    Posted,
    Deleted,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Charge {
    pub id: ChargeId,
    pub property_id: PropertyId,
    pub lease_id: Option<LeaseId>,
    pub resident_id: Option<ResidentId>,
    pub unit_id: Option<UnitId>,
    pub ar_code: ArCode,
    pub description: String,
    /// Signed: credits (concessions, reversals) are negative.
    pub amount: Money,
    /// The part of `amount` that is tax, with the same sign (zero when absent).
    pub tax: Money,
    pub transaction_date: Option<NaiveDate>,
    pub post_date: NaiveDate,
    pub post_month: PostMonth,
    pub service_period: Option<ServicePeriod>,
    pub reverses: Option<ChargeId>,
    pub scheduled_charge_id: Option<String>,
    pub status: ChargeStatus,
    pub updated_at: DateTime<FixedOffset>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PaymentMethod {
    Ach,
    Card,
    Check,
    Cash,
    MoneyOrder,
    Other,
}

impl PaymentMethod {
    pub const ALL: [PaymentMethod; 6] = [
        PaymentMethod::Ach,
        PaymentMethod::Card,
        PaymentMethod::Check,
        PaymentMethod::Cash,
        PaymentMethod::MoneyOrder,
        PaymentMethod::Other,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            PaymentMethod::Ach => "ach",
            PaymentMethod::Card => "card",
            PaymentMethod::Check => "check",
            PaymentMethod::Cash => "cash",
            PaymentMethod::MoneyOrder => "money_order",
            PaymentMethod::Other => "other",
        }
    }

    pub fn parse(text: &str) -> Option<PaymentMethod> {
        PaymentMethod::ALL.into_iter().find(|m| m.as_str() == text)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentStatus {
    Captured,
    Returned,
    Voided,
    Deleted,
}

/// When and why a payment was returned (NSF) or voided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentReturn {
    pub date: NaiveDate,
    pub post_month: PostMonth,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allocation {
    pub charge_id: ChargeId,
    pub ar_code: Option<ArCode>,
    pub amount: Money,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    pub id: PaymentId,
    pub property_id: PropertyId,
    pub lease_id: Option<LeaseId>,
    pub resident_id: Option<ResidentId>,
    /// Always positive.
    pub amount: Money,
    pub method: PaymentMethod,
    pub status: PaymentStatus,
    pub received_at: Option<DateTime<FixedOffset>>,
    /// The capture's date; kept when the payment is later returned or voided.
    pub post_date: NaiveDate,
    pub post_month: PostMonth,
    /// Present exactly when `status` is `Returned` or `Voided`.
    pub returned: Option<PaymentReturn>,
    pub deposit_id: Option<DepositId>,
    pub allocations: Vec<Allocation>,
    pub updated_at: DateTime<FixedOffset>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DepositStatus {
    Active,
    Deleted,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deposit {
    pub id: DepositId,
    pub property_id: PropertyId,
    pub bank_account_id: BankAccountId,
    pub bank_account_name: Option<String>,
    pub deposit_date: NaiveDate,
    pub post_month: PostMonth,
    pub amount: Money,
    pub payment_ids: Vec<PaymentId>,
    pub status: DepositStatus,
    pub updated_at: DateTime<FixedOffset>,
}
