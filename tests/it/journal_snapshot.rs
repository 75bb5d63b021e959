//! A month of one property, planned in full: keys, document numbers, line descriptions, sources
//! and exception messages as an accountant would read them. The snapshot was reviewed line by line;
//! the amounts in it are the same hand computations as in `journal_plan.rs`.

use crate::journal_support;

use std::fmt::Write;

use entrata_recon::domain::PaymentMethod::{Ach, Card};
use entrata_recon::domain::{ChargeId, PaymentStatus};
use entrata_recon::journal::{PropertyPlan, Side};
use journal_support::*;
use rust_decimal::dec;

fn month_of_lakeview() -> Items {
    let mut pet = charge("chg_03", "PET", "107.00", "2026-02-01", "2026-02");
    pet.tax = usd("7.00");
    let mut move_in = charge("chg_05", "RENT", "700.00", "2026-02-15", "2026-02");
    move_in.service_period = service("2026-02-15", "2026-02-28");
    let mut annual = charge("chg_06", "RENT", "3000.00", "2026-02-10", "2026-02");
    annual.service_period = service("2026-02-10", "2026-04-09");
    annual.lease_id = None;
    let mut reversal = charge("chg_07", "PET", "-107.00", "2026-03-02", "2026-02");
    reversal.tax = usd("-7.00");
    reversal.reverses = Some(ChargeId::new("chg_03"));
    let returned_after_deposit = in_deposit(
        returned(
            payment("pay_2", "1295.00", Ach, "2026-02-01", "2026-02"),
            PaymentStatus::Returned,
            "2026-02-12",
            "2026-02",
        ),
        "dep_1",
    );
    Items {
        charges: vec![
            charge("chg_01", "RENT", "1295.00", "2026-02-01", "2026-02"),
            charge("chg_02", "UTIL", "48.35", "2026-02-01", "2026-02"),
            pet,
            charge("chg_04", "CONC", "-100.00", "2026-02-01", "2026-02"),
            move_in,
            annual,
            reversal,
            charge("chg_09", "PARKING", "25.00", "2026-02-01", "2026-02"),
        ],
        payments: vec![
            in_deposit(payment("pay_1", "1243.35", Ach, "2026-02-01", "2026-02"), "dep_1"),
            returned_after_deposit,
            in_deposit(payment("pay_3", "107.00", Card, "2026-02-03", "2026-02"), "dep_2"),
            returned(
                payment("pay_4", "60.00", Ach, "2026-02-03", "2026-02"),
                PaymentStatus::Voided,
                "2026-02-04",
                "2026-02",
            ),
        ],
        deposits: vec![
            deposit("dep_1", "bank_001", "2026-02-02", "2026-02", "2538.35", &["pay_1", "pay_2"]),
            deposit("dep_2", "bank_001", "2026-02-04", "2026-02", "170.00", &["pay_3"]),
        ],
        leases: vec![lease("lease_1", "1295.00", &[])],
    }
}

fn detailed(plan: &PropertyPlan) -> String {
    let mut text = String::new();
    for entry in &plan.entries {
        let _ = writeln!(
            text,
            "{}  {}  {} ({}) {}  sources: {}",
            entry.key(),
            entry.doc_number(),
            entry.date(),
            entry.post_month(),
            entry.currency(),
            entry.sources().join(" ")
        );
        for line in entry.lines() {
            let side = if line.side() == Side::Debit { "Dr" } else { "Cr" };
            let _ = writeln!(
                text,
                "    {side} {:<18} {:>9}  {}",
                line.account().as_str(),
                line.amount(),
                line.description()
            );
        }
    }
    for exception in &plan.exceptions {
        let amount = exception.amount.map(|m| m.to_string()).unwrap_or_default();
        let _ = writeln!(
            text,
            "! {} {} {amount}\n    {}",
            exception.kind, exception.source_id, exception.message
        );
    }
    text
}

#[test]
fn a_month_of_one_property() {
    let mut m = mapping();
    m.proration.defer_to = Some(acct("prepaid_rent"));
    m.proration.check_tolerance = Some(dec!(0.01));
    insta::assert_snapshot!(detailed(&plan(&month_of_lakeview(), &m)));
}

#[test]
fn a_month_of_one_property_by_post_month() {
    let mut m = mapping();
    m.journal.group_by = entrata_recon::mapping::GroupBy::PostMonth;
    m.proration.defer_to = Some(acct("prepaid_rent"));
    let entries: Vec<String> = plan(&month_of_lakeview(), &m).entries.iter().map(entry_line).collect();
    insta::assert_snapshot!(entries.join("\n"));
}
