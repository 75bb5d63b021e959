//! Builders and a compact printer shared by the journal tests.
#![allow(dead_code)] // each test target uses its own part of this module

use std::collections::BTreeMap;
use std::fmt::Write;

use chrono::{DateTime, NaiveDate};
use entrata_recon::domain::*;
use entrata_recon::journal::{
    BalancedEntry, PlanError, PropertyLedger, PropertyPlan, Side, default_doc_property, plan_property,
};
use entrata_recon::mapping::*;
use rust_decimal::Decimal;

pub fn d(text: &str) -> NaiveDate {
    parse_date(text).unwrap_or_else(|| panic!("bad date {text}"))
}

pub fn month(text: &str) -> PostMonth {
    text.parse().unwrap()
}

pub fn usd(text: &str) -> Money {
    Money::new(text.parse::<Decimal>().unwrap(), Currency::USD).unwrap()
}

pub fn acct(name: &str) -> AccountName {
    AccountName::new(name)
}

fn stamp() -> DateTime<chrono::FixedOffset> {
    DateTime::parse_from_rfc3339("2026-01-31T23:00:00Z").unwrap()
}

pub const PROPERTY: &str = "prop_1";

pub fn property() -> Property {
    Property {
        id: PropertyId::new(PROPERTY),
        name: "Lakeview Apartments".into(),
        code: "LV-OMA-001".into(),
        status: "active".into(),
        timezone: None,
        currency: Currency::USD,
        open_post_month: Some(month("2026-02")),
        updated_at: stamp(),
    }
}

/// The mapping of PRODUCT.md §7, with card payments clearing in their own account so that
/// `clearing_by_method` shows, and neither deferral nor the proration check.
pub fn mapping() -> PropertyMapping {
    let accounts = [
        "receivables",
        "undeposited_funds",
        "card_clearing",
        "rental_income",
        "concessions",
        "pet_income",
        "tax_payable",
        "deposits_held",
        "prepaid_rent",
        "operating_bank",
        "water_income",
        "sewer_income",
    ];
    let split = |shares: &[(&str, &str)]| {
        CodeRule::Split(
            Split::new(
                shares
                    .iter()
                    .map(|(a, p)| SplitShare { account: acct(a), percent: p.parse().unwrap() })
                    .collect(),
            )
            .unwrap(),
        )
    };
    PropertyMapping {
        book: BookName::default_book(),
        journal: JournalSettings { group_by: GroupBy::Day, doc_prefix: "EN".into(), doc_property: None },
        accounts: accounts
            .iter()
            .map(|a| {
                (
                    acct(a),
                    TargetAccounts {
                        qbo: Some(format!("q_{a}")),
                        xero: Some(format!("x_{a}")),
                        entrata: None,
                    },
                )
            })
            .collect(),
        posting: PostingRules {
            receivables: acct("receivables"),
            tax_payable: acct("tax_payable"),
            clearing: acct("undeposited_funds"),
            clearing_by_method: BTreeMap::from([(PaymentMethod::Card, acct("card_clearing"))]),
            bank_accounts: BTreeMap::from([(BankAccountId::new("bank_001"), acct("operating_bank"))]),
        },
        codes: BTreeMap::from([
            (ArCode::new("RENT"), CodeRule::Account(acct("rental_income"))),
            (ArCode::new("CONC"), CodeRule::Account(acct("concessions"))),
            (ArCode::new("PET"), CodeRule::Account(acct("pet_income"))),
            (ArCode::new("SECDEP"), CodeRule::Account(acct("deposits_held"))),
            (ArCode::new("UTIL"), split(&[("water_income", "70"), ("sewer_income", "30")])),
        ]),
        proration: Proration {
            method: DayCount::ActualDays,
            rounding: Rounding::HalfEven,
            remainder: Remainder::Last,
            defer_to: None,
            check_tolerance: None,
        },
        dimensions: Dimensions::default(),
    }
}

pub fn ar_codes() -> BTreeMap<ArCode, ArCodeDef> {
    [("RENT", ArCodeType::Rent), ("CONC", ArCodeType::Concession), ("PET", ArCodeType::Fee)]
        .into_iter()
        .map(|(code, code_type)| {
            let def = ArCodeDef {
                id: ArCodeId::new(format!("arc_{code}")),
                code: ArCode::new(code),
                name: code.into(),
                code_type,
                is_taxable: false,
                gl_debit_account: None,
                gl_credit_account: None,
                is_disabled: false,
                updated_at: stamp(),
            };
            (ArCode::new(code), def)
        })
        .collect()
}

pub fn charge(id: &str, code: &str, amount: &str, post_date: &str, post_month: &str) -> Charge {
    Charge {
        id: ChargeId::new(id),
        property_id: PropertyId::new(PROPERTY),
        lease_id: Some(LeaseId::new("lease_1")),
        resident_id: None,
        unit_id: None,
        ar_code: ArCode::new(code),
        description: format!("{code} charge"),
        amount: usd(amount),
        tax: usd("0"),
        transaction_date: None,
        post_date: d(post_date),
        post_month: month(post_month),
        service_period: None,
        reverses: None,
        scheduled_charge_id: None,
        status: ChargeStatus::Posted,
        updated_at: stamp(),
    }
}

pub fn service(first: &str, last: &str) -> Option<ServicePeriod> {
    ServicePeriod::new(d(first), d(last))
}

pub fn payment(id: &str, amount: &str, method: PaymentMethod, post_date: &str, post_month: &str) -> Payment {
    Payment {
        id: PaymentId::new(id),
        property_id: PropertyId::new(PROPERTY),
        lease_id: Some(LeaseId::new("lease_1")),
        resident_id: None,
        amount: usd(amount),
        method,
        status: PaymentStatus::Captured,
        received_at: None,
        post_date: d(post_date),
        post_month: month(post_month),
        returned: None,
        deposit_id: None,
        allocations: Vec::new(),
        updated_at: stamp(),
    }
}

/// `payment` returned (or voided) on `date` in `post_month`.
pub fn returned(mut payment: Payment, status: PaymentStatus, date: &str, post_month: &str) -> Payment {
    payment.status = status;
    payment.returned = Some(PaymentReturn { date: d(date), post_month: month(post_month), reason: None });
    payment
}

pub fn in_deposit(mut payment: Payment, deposit: &str) -> Payment {
    payment.deposit_id = Some(DepositId::new(deposit));
    payment
}

pub fn deposit(
    id: &str,
    bank: &str,
    date: &str,
    post_month: &str,
    amount: &str,
    payments: &[&str],
) -> Deposit {
    Deposit {
        id: DepositId::new(id),
        property_id: PropertyId::new(PROPERTY),
        bank_account_id: BankAccountId::new(bank),
        bank_account_name: None,
        deposit_date: d(date),
        post_month: month(post_month),
        amount: usd(amount),
        payment_ids: payments.iter().map(|p| PaymentId::new(*p)).collect(),
        status: DepositStatus::Active,
        updated_at: stamp(),
    }
}

pub fn lease(id: &str, rent: &str, monthly_fees: &[(&str, &str)]) -> Lease {
    Lease {
        id: LeaseId::new(id),
        property_id: PropertyId::new(PROPERTY),
        number: None,
        unit_id: None,
        primary_resident_id: None,
        status: LeaseStatus::Active,
        start_date: None,
        end_date: None,
        move_in_date: None,
        move_out_date: None,
        rent: Some(usd(rent)),
        fees: monthly_fees
            .iter()
            .map(|(code, amount)| LeaseFee {
                code: ArCode::new(*code),
                description: String::new(),
                amount: usd(amount),
                frequency: FeeFrequency::Monthly,
            })
            .collect(),
        deposit: None,
        currency: Currency::USD,
        updated_at: stamp(),
    }
}

/// Everything one property's plan reads.
#[derive(Debug, Clone, Default)]
pub struct Items {
    pub charges: Vec<Charge>,
    pub payments: Vec<Payment>,
    pub deposits: Vec<Deposit>,
    pub leases: Vec<Lease>,
}

impl Items {
    pub fn charges(charges: Vec<Charge>) -> Items {
        Items { charges, ..Items::default() }
    }
}

pub fn try_plan(items: &Items, mapping: &PropertyMapping) -> Result<PropertyPlan, PlanError> {
    let property = property();
    let ar_codes = ar_codes();
    let ledger = PropertyLedger {
        property: &property,
        ar_codes: &ar_codes,
        leases: &items.leases,
        charges: &items.charges,
        payments: &items.payments,
        deposits: &items.deposits,
    };
    let doc_property =
        mapping.journal.doc_property.clone().unwrap_or_else(|| default_doc_property(&property.code));
    plan_property(&ledger, mapping, &doc_property)
}

pub fn plan(items: &Items, mapping: &PropertyMapping) -> PropertyPlan {
    try_plan(items, mapping).unwrap_or_else(|e| panic!("plan failed: {e}"))
}

/// `2026-02-01 charges EN-LV001-C260201-1 | Dr receivables 1295.00 | Cr rental_income 1295.00 [chg_1]`
pub fn entry_line(entry: &BalancedEntry) -> String {
    let mut text = format!("{} {} {}", entry.date(), entry.kind(), entry.doc_number());
    for line in entry.lines() {
        let side = if line.side() == Side::Debit { "Dr" } else { "Cr" };
        let _ = write!(text, " | {side} {} {}", line.account(), line.amount());
    }
    let _ = write!(text, " [{}]", entry.sources().join(" "));
    text
}

/// `! unmapped_code chg_9 25.00`
pub fn exception_line(exception: &Exception) -> String {
    let amount = exception.amount.map(|m| format!(" {}", m.amount())).unwrap_or_default();
    format!("! {} {}{amount}", exception.kind, exception.source_id)
}

/// The plan as one line per entry, then one per exception.
pub fn render(plan: &PropertyPlan) -> String {
    let entries = plan.entries.iter().map(entry_line);
    let exceptions = plan.exceptions.iter().map(exception_line);
    entries.chain(exceptions).collect::<Vec<_>>().join("\n")
}

/// Plans `items` and compares the compact rendering with `expected` (indentation ignored). Also
/// re-adds every entry's lines, so a case cannot pass on an unbalanced entry.
pub fn check(items: &Items, mapping: &PropertyMapping, expected: &str) {
    let plan = plan(items, mapping);
    for entry in &plan.entries {
        let debits: Decimal = entry.lines().iter().map(|l| l.debit()).sum();
        let credits: Decimal = entry.lines().iter().map(|l| l.credit()).sum();
        assert_eq!(debits, credits, "{}", entry_line(entry));
    }
    let expected: Vec<&str> = expected.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let got = render(&plan);
    let got: Vec<&str> = got.lines().collect();
    assert_eq!(got, expected, "\ngot:\n{}\n", got.join("\n"));
}
