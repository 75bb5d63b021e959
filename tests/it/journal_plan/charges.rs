//! Charges (PRODUCT.md §5).

use crate::journal_support::*;
use entrata_recon::domain::{ChargeId, ChargeStatus, Currency, Money};
use rust_decimal::dec;

#[test]
fn positive_charge_debits_receivables_and_credits_the_code_account() {
    let items = Items::charges(vec![charge("chg_1", "RENT", "1295.00", "2026-02-01", "2026-02")]);
    check(
        &items,
        &mapping(),
        "2026-02-01 charges EN-LV001-C260201-1 | Dr receivables 1295.00 | Cr rental_income 1295.00 [chg_1]",
    );
}

#[test]
fn charge_with_tax_credits_tax_payable_with_the_tax_and_the_code_with_the_rest() {
    let mut pet = charge("chg_1", "PET", "107.00", "2026-02-01", "2026-02");
    pet.tax = usd("7.00");
    check(
        &Items::charges(vec![pet]),
        &mapping(),
        "2026-02-01 charges EN-LV001-C260201-1 | Dr receivables 107.00 | Cr pet_income 100.00 | Cr tax_payable 7.00 [chg_1]",
    );
}

#[test]
fn concession_is_the_mirror_of_a_charge() {
    let mut taxed_credit = charge("chg_2", "PET", "-107.00", "2026-02-03", "2026-02");
    taxed_credit.tax = usd("-7.00");
    let items =
        Items::charges(vec![charge("chg_1", "CONC", "-100.00", "2026-02-01", "2026-02"), taxed_credit]);
    check(
        &items,
        &mapping(),
        "2026-02-01 charges EN-LV001-C260201-1 | Dr concessions 100.00 | Cr receivables 100.00 [chg_1]
         2026-02-03 charges EN-LV001-C260203-1 | Dr pet_income 100.00 | Dr tax_payable 7.00 | Cr receivables 107.00 [chg_2]",
    );
}

#[test]
fn reversal_in_a_later_month_posts_in_its_own_post_month() {
    let mut reversal = charge("chg_2", "RENT", "-1295.00", "2026-03-05", "2026-03");
    reversal.reverses = Some(ChargeId::new("chg_1"));
    let items = Items::charges(vec![charge("chg_1", "RENT", "1295.00", "2026-02-01", "2026-02"), reversal]);
    check(
        &items,
        &mapping(),
        "2026-02-01 charges EN-LV001-C260201-1 | Dr receivables 1295.00 | Cr rental_income 1295.00 [chg_1]
         2026-03-05 charges EN-LV001-C260305-1 | Dr rental_income 1295.00 | Cr receivables 1295.00 [chg_2]",
    );
}

#[test]
fn charge_and_its_reversal_the_same_day_net_to_nothing() {
    let mut reversal = charge("chg_2", "RENT", "-1295.00", "2026-02-01", "2026-02");
    reversal.reverses = Some(ChargeId::new("chg_1"));
    let pair = vec![charge("chg_1", "RENT", "1295.00", "2026-02-01", "2026-02"), reversal];
    check(&Items::charges(pair.clone()), &mapping(), "");

    // With another charge that day, the pair's lines net away but they stay sources.
    let mut with_pet = pair;
    with_pet.push(charge("chg_3", "PET", "25.00", "2026-02-01", "2026-02"));
    check(
        &Items::charges(with_pet),
        &mapping(),
        "2026-02-01 charges EN-LV001-C260201-1 | Dr receivables 25.00 | Cr pet_income 25.00 [chg_1 chg_2 chg_3]",
    );
}

#[test]
fn charge_dates_are_clamped_into_their_post_month() {
    let items = Items::charges(vec![
        // Posted in March into the still-open February: dated February's last day.
        charge("chg_1", "RENT", "1295.00", "2026-03-03", "2026-02"),
        // Posted in January ahead of February: dated February's first day.
        charge("chg_2", "PET", "25.00", "2026-01-30", "2026-02"),
    ]);
    check(
        &items,
        &mapping(),
        "2026-02-01 charges EN-LV001-C260201-1 | Dr receivables 25.00 | Cr pet_income 25.00 [chg_2]
         2026-02-28 charges EN-LV001-C260228-1 | Dr receivables 1295.00 | Cr rental_income 1295.00 [chg_1]",
    );
}

#[test]
fn unmapped_code_is_held_with_its_amount_and_never_guessed() {
    let items = Items::charges(vec![
        charge("chg_9", "PARKING", "25.00", "2026-02-01", "2026-02"),
        charge("chg_1", "RENT", "1295.00", "2026-02-01", "2026-02"),
    ]);
    check(
        &items,
        &mapping(),
        "2026-02-01 charges EN-LV001-C260201-1 | Dr receivables 1295.00 | Cr rental_income 1295.00 [chg_1]
         ! unmapped_code chg_9 25.00",
    );
    let plan = plan(&items, &mapping());
    assert!(plan.exceptions[0].message.contains("[codes.PARKING]"), "{}", plan.exceptions[0].message);
}

#[test]
fn tombstones_zero_charges_and_bad_items() {
    let mut deleted = charge("chg_1", "RENT", "1295.00", "2026-02-01", "2026-02");
    deleted.status = ChargeStatus::Deleted;
    let zero = charge("chg_2", "RENT", "0.00", "2026-02-01", "2026-02");
    let mut cad = charge("chg_3", "RENT", "10.00", "2026-02-01", "2026-02");
    cad.amount = Money::new(dec!(10), Currency::parse("CAD").unwrap()).unwrap();
    cad.tax = Money::zero(Currency::parse("CAD").unwrap());
    let mut tax_too_big = charge("chg_4", "PET", "10.00", "2026-02-01", "2026-02");
    tax_too_big.tax = usd("11.00");
    let mut tax_wrong_sign = charge("chg_5", "PET", "10.00", "2026-02-01", "2026-02");
    tax_wrong_sign.tax = usd("-1.00");
    let huge = charge("chg_6", "RENT", "1000000000000.01", "2026-02-01", "2026-02");
    let mut deleted_unmapped = charge("chg_7", "NOPE", "5.00", "2026-02-01", "2026-02");
    deleted_unmapped.status = ChargeStatus::Deleted;
    let items = Items::charges(vec![deleted, zero, cad, tax_too_big, tax_wrong_sign, huge, deleted_unmapped]);
    check(
        &items,
        &mapping(),
        "! invalid_item chg_3 10.00
         ! invalid_item chg_4 10.00
         ! invalid_item chg_5 10.00
         ! invalid_item chg_6 1000000000000.01",
    );
}
