//! Grouping (PRODUCT.md §5).

use crate::journal_support::*;
use entrata_recon::domain::PaymentMethod::Ach;
use entrata_recon::domain::PaymentStatus;
use entrata_recon::mapping::GroupBy;

pub(crate) fn grouped(group_by: GroupBy) -> entrata_recon::mapping::PropertyMapping {
    let mut m = mapping();
    m.journal.group_by = group_by;
    m
}

pub(crate) fn three_charges() -> Items {
    Items::charges(vec![
        charge("chg_2", "RENT", "500.00", "2026-02-01", "2026-02"),
        charge("chg_1", "RENT", "1000.00", "2026-02-01", "2026-02"),
        charge("chg_3", "PET", "50.00", "2026-02-14", "2026-02"),
    ])
}

#[test]
fn group_by_day() {
    check(
        &three_charges(),
        &grouped(GroupBy::Day),
        "2026-02-01 charges EN-LV001-C260201-1 | Dr receivables 1500.00 | Cr rental_income 1500.00 [chg_1 chg_2]
         2026-02-14 charges EN-LV001-C260214-1 | Dr receivables 50.00 | Cr pet_income 50.00 [chg_3]",
    );
}

#[test]
fn group_by_post_month_dates_the_entry_on_the_last_day() {
    check(
        &three_charges(),
        &grouped(GroupBy::PostMonth),
        "2026-02-28 charges EN-LV001-C260228-1 | Dr receivables 1550.00 | Cr pet_income 50.00 | Cr rental_income 1500.00 [chg_1 chg_2 chg_3]",
    );
}

#[test]
fn group_by_item_gives_one_entry_per_item_numbered_by_smallest_id() {
    let items = three_charges();
    check(
        &items,
        &grouped(GroupBy::Item),
        "2026-02-01 charges EN-LV001-C260201-1 | Dr receivables 1000.00 | Cr rental_income 1000.00 [chg_1]
         2026-02-01 charges EN-LV001-C260201-2 | Dr receivables 500.00 | Cr rental_income 500.00 [chg_2]
         2026-02-14 charges EN-LV001-C260214-1 | Dr receivables 50.00 | Cr pet_income 50.00 [chg_3]",
    );
    let keys: Vec<String> =
        plan(&items, &grouped(GroupBy::Item)).entries.iter().map(|e| e.key().to_string()).collect();
    assert_eq!(keys, ["prop_1/charges/chg_1/1", "prop_1/charges/chg_2/1", "prop_1/charges/chg_3/1"]);
}

#[test]
fn deposits_and_returns_are_one_entry_each_whatever_the_grouping() {
    let pay = |id, amount| in_deposit(payment(id, amount, Ach, "2026-02-01", "2026-02"), "dep_1");
    let back = |p| returned(p, PaymentStatus::Returned, "2026-02-20", "2026-02");
    let items = Items {
        payments: vec![back(pay("pay_1", "10.00")), back(pay("pay_2", "20.00")), pay("pay_3", "30.00")],
        deposits: vec![
            deposit("dep_1", "bank_001", "2026-02-02", "2026-02", "60.00", &["pay_1", "pay_2", "pay_3"]),
            deposit("dep_0", "bank_001", "2026-02-02", "2026-02", "0.00", &[]),
        ],
        ..Items::default()
    };
    check(
        &items,
        &grouped(GroupBy::PostMonth),
        "2026-02-02 deposit EN-LV001-D260202-1 | Dr operating_bank 60.00 | Cr undeposited_funds 60.00 [dep_1 pay_1 pay_2 pay_3]
         2026-02-28 payments EN-LV001-P260228-1 | Dr undeposited_funds 60.00 | Cr receivables 60.00 [pay_1 pay_2 pay_3]
         2026-02-20 return EN-LV001-R260220-1 | Dr receivables 10.00 | Cr operating_bank 10.00 [dep_1 pay_1]
         2026-02-20 return EN-LV001-R260220-2 | Dr receivables 20.00 | Cr operating_bank 20.00 [dep_1 pay_2]",
    );
}
