//! The journal builder against hand-computed entries: one case per row of PRODUCT.md §5 and per rule
//! of §7.2–7.5. Every expected amount below was worked out by hand (the comments show how).

mod journal_support;

use entrata_recon::domain::PaymentMethod::{Ach, Card, Check};
use entrata_recon::domain::{ChargeId, ChargeStatus, Currency, DepositStatus, Money, PaymentStatus};
use entrata_recon::mapping::{DayCount, GroupBy, Remainder, Rounding};
use journal_support::*;
use rust_decimal::dec;

// --- §5: charges -----------------------------------------------------------------------------

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

// --- §5: payments, returns, deposits -----------------------------------------------------------

#[test]
fn captured_payments_clear_by_method() {
    let items = Items {
        payments: vec![
            payment("pay_1", "1295.00", Ach, "2026-02-01", "2026-02"),
            payment("pay_2", "50.00", Card, "2026-02-01", "2026-02"),
            payment("pay_3", "20.00", Check, "2026-02-01", "2026-02"),
        ],
        ..Items::default()
    };
    check(
        &items,
        &mapping(),
        "2026-02-01 payments EN-LV001-P260201-1 | Dr card_clearing 50.00 | Dr undeposited_funds 1315.00 | Cr receivables 1365.00 [pay_1 pay_2 pay_3]",
    );
}

#[test]
fn payment_returned_before_deposit_reverses_its_capture_in_clearing() {
    let pay = returned(
        payment("pay_1", "1295.00", Ach, "2026-02-01", "2026-02"),
        PaymentStatus::Returned,
        "2026-02-10",
        "2026-02",
    );
    let items = Items { payments: vec![pay], ..Items::default() };
    check(
        &items,
        &mapping(),
        "2026-02-01 payments EN-LV001-P260201-1 | Dr undeposited_funds 1295.00 | Cr receivables 1295.00 [pay_1]
         2026-02-10 payments EN-LV001-P260210-1 | Dr receivables 1295.00 | Cr undeposited_funds 1295.00 [pay_1]",
    );
}

#[test]
fn payment_naming_a_deposit_that_does_not_list_it_is_still_in_clearing() {
    let pay = returned(
        payment("pay_1", "40.00", Card, "2026-02-01", "2026-02"),
        PaymentStatus::Returned,
        "2026-02-10",
        "2026-02",
    );
    let pay = in_deposit(pay, "dep_1");
    let items = Items {
        payments: vec![pay, in_deposit(payment("pay_2", "60.00", Ach, "2026-02-01", "2026-02"), "dep_1")],
        deposits: vec![deposit("dep_1", "bank_001", "2026-02-02", "2026-02", "60.00", &["pay_2"])],
        ..Items::default()
    };
    check(
        &items,
        &mapping(),
        "2026-02-02 deposit EN-LV001-D260202-1 | Dr operating_bank 60.00 | Cr undeposited_funds 60.00 [dep_1 pay_2]
         2026-02-01 payments EN-LV001-P260201-1 | Dr card_clearing 40.00 | Dr undeposited_funds 60.00 | Cr receivables 100.00 [pay_1 pay_2]
         2026-02-10 payments EN-LV001-P260210-1 | Dr receivables 40.00 | Cr card_clearing 40.00 [pay_1]",
    );
}

#[test]
fn payment_returned_after_its_deposit_comes_out_of_the_bank_in_its_own_entry() {
    let pay = returned(
        payment("pay_1", "1295.00", Ach, "2026-02-01", "2026-02"),
        PaymentStatus::Returned,
        "2026-02-10",
        "2026-02",
    );
    let items = Items {
        payments: vec![in_deposit(pay, "dep_1")],
        // The deposit still counts the returned payment at its original amount.
        deposits: vec![deposit("dep_1", "bank_001", "2026-02-02", "2026-02", "1295.00", &["pay_1"])],
        ..Items::default()
    };
    check(
        &items,
        &mapping(),
        "2026-02-02 deposit EN-LV001-D260202-1 | Dr operating_bank 1295.00 | Cr undeposited_funds 1295.00 [dep_1 pay_1]
         2026-02-01 payments EN-LV001-P260201-1 | Dr undeposited_funds 1295.00 | Cr receivables 1295.00 [pay_1]
         2026-02-10 return EN-LV001-R260210-1 | Dr receivables 1295.00 | Cr operating_bank 1295.00 [dep_1 pay_1]",
    );
    let keys: Vec<String> = plan(&items, &mapping()).entries.iter().map(|e| e.key().to_string()).collect();
    assert_eq!(keys, ["prop_1/deposit/dep_1/1", "prop_1/payments/2026-02-01/1", "prop_1/return/pay_1/1"]);
}

#[test]
fn return_dated_outside_its_return_post_month_is_clamped() {
    let pay = returned(
        payment("pay_1", "100.00", Ach, "2026-02-01", "2026-02"),
        PaymentStatus::Returned,
        "2026-04-02",
        "2026-03",
    );
    let items = Items {
        payments: vec![in_deposit(pay, "dep_1")],
        deposits: vec![deposit("dep_1", "bank_001", "2026-02-02", "2026-02", "100.00", &["pay_1"])],
        ..Items::default()
    };
    check(
        &items,
        &mapping(),
        "2026-02-02 deposit EN-LV001-D260202-1 | Dr operating_bank 100.00 | Cr undeposited_funds 100.00 [dep_1 pay_1]
         2026-02-01 payments EN-LV001-P260201-1 | Dr undeposited_funds 100.00 | Cr receivables 100.00 [pay_1]
         2026-03-31 return EN-LV001-R260331-1 | Dr receivables 100.00 | Cr operating_bank 100.00 [dep_1 pay_1]",
    );
}

#[test]
fn voided_payment_posts_its_capture_and_its_void() {
    let voided = returned(
        payment("pay_1", "75.00", Card, "2026-02-27", "2026-02"),
        PaymentStatus::Voided,
        "2026-03-02",
        "2026-03",
    );
    // Voided the same day it was taken: capture and void net away.
    let same_day = returned(
        payment("pay_2", "30.00", Ach, "2026-02-27", "2026-02"),
        PaymentStatus::Voided,
        "2026-02-27",
        "2026-02",
    );
    let items = Items { payments: vec![voided, same_day], ..Items::default() };
    check(
        &items,
        &mapping(),
        "2026-02-27 payments EN-LV001-P260227-1 | Dr card_clearing 75.00 | Cr receivables 75.00 [pay_1 pay_2]
         2026-03-02 payments EN-LV001-P260302-1 | Dr receivables 75.00 | Cr card_clearing 75.00 [pay_1]",
    );
}

#[test]
fn return_whose_deposit_is_not_in_the_ledger_is_held_but_its_capture_posts() {
    let pay = returned(
        payment("pay_1", "1295.00", Ach, "2026-02-01", "2026-02"),
        PaymentStatus::Returned,
        "2026-02-10",
        "2026-02",
    );
    let items = Items { payments: vec![in_deposit(pay, "dep_404")], ..Items::default() };
    check(
        &items,
        &mapping(),
        "2026-02-01 payments EN-LV001-P260201-1 | Dr undeposited_funds 1295.00 | Cr receivables 1295.00 [pay_1]
         ! deposit_mismatch pay_1 1295.00",
    );
    let message = &plan(&items, &mapping()).exceptions[0].message;
    assert!(message.contains("dep_404"), "{message}");
}

#[test]
fn deposit_credits_each_payment_clearing_account() {
    let items = Items {
        payments: vec![
            in_deposit(payment("pay_1", "1295.00", Ach, "2026-02-01", "2026-02"), "dep_1"),
            in_deposit(payment("pay_2", "50.00", Card, "2026-02-01", "2026-02"), "dep_1"),
            in_deposit(payment("pay_3", "5.00", Ach, "2026-02-01", "2026-02"), "dep_1"),
        ],
        // Dated in March but in February's post month: dated February's last day.
        deposits: vec![deposit(
            "dep_1",
            "bank_001",
            "2026-03-01",
            "2026-02",
            "1350.00",
            &["pay_1", "pay_2", "pay_3"],
        )],
        ..Items::default()
    };
    check(
        &items,
        &mapping(),
        "2026-02-28 deposit EN-LV001-D260228-1 | Dr operating_bank 1350.00 | Cr card_clearing 50.00 | Cr undeposited_funds 1300.00 [dep_1 pay_1 pay_2 pay_3]
         2026-02-01 payments EN-LV001-P260201-1 | Dr card_clearing 50.00 | Dr undeposited_funds 1300.00 | Cr receivables 1350.00 [pay_1 pay_2 pay_3]",
    );
}

#[test]
fn deposit_that_does_not_match_its_payments_is_held() {
    let items = Items {
        payments: vec![in_deposit(payment("pay_1", "1295.00", Ach, "2026-02-01", "2026-02"), "dep_1")],
        deposits: vec![deposit("dep_1", "bank_001", "2026-02-02", "2026-02", "1300.00", &["pay_1"])],
        ..Items::default()
    };
    check(
        &items,
        &mapping(),
        "2026-02-01 payments EN-LV001-P260201-1 | Dr undeposited_funds 1295.00 | Cr receivables 1295.00 [pay_1]
         ! deposit_mismatch dep_1 1300.00",
    );
    let message = &plan(&items, &mapping()).exceptions[0].message;
    assert!(
        message.contains("is 1300.00")
            && message.contains("total 1295.00 (1 of 1 listed found; difference 5.00)"),
        "{message}"
    );
}

#[test]
fn deposit_with_a_payment_missing_from_the_ledger_is_held() {
    let items = Items {
        payments: vec![in_deposit(payment("pay_1", "1295.00", Ach, "2026-02-01", "2026-02"), "dep_1")],
        deposits: vec![deposit("dep_1", "bank_001", "2026-02-02", "2026-02", "1345.00", &["pay_1", "pay_9"])],
        ..Items::default()
    };
    check(
        &items,
        &mapping(),
        "2026-02-01 payments EN-LV001-P260201-1 | Dr undeposited_funds 1295.00 | Cr receivables 1295.00 [pay_1]
         ! deposit_mismatch dep_1 1345.00",
    );
    let message = &plan(&items, &mapping()).exceptions[0].message;
    assert!(message.contains("not in the ledger: pay_9"), "{message}");
}

#[test]
fn deposit_listing_a_payment_that_names_no_deposit_or_twice_is_held() {
    let items = Items {
        payments: vec![
            payment("pay_1", "10.00", Ach, "2026-02-01", "2026-02"),
            in_deposit(payment("pay_2", "20.00", Ach, "2026-02-01", "2026-02"), "dep_1"),
        ],
        deposits: vec![
            deposit("dep_1", "bank_001", "2026-02-02", "2026-02", "10.00", &["pay_1"]),
            deposit("dep_2", "bank_001", "2026-02-02", "2026-02", "40.00", &["pay_2", "pay_2"]),
        ],
        ..Items::default()
    };
    let plan = plan(&items, &mapping());
    let exceptions: Vec<String> = plan.exceptions.iter().map(exception_line).collect();
    assert_eq!(exceptions, ["! deposit_mismatch dep_1 10.00", "! deposit_mismatch dep_2 40.00"]);
    assert!(plan.exceptions[0].message.contains("name another deposit or none: pay_1"));
    assert!(plan.exceptions[1].message.contains("more than once: pay_2"));
}

#[test]
fn unmapped_bank_account_holds_the_deposit_and_returns_from_it() {
    let pay = returned(
        payment("pay_1", "100.00", Ach, "2026-02-01", "2026-02"),
        PaymentStatus::Returned,
        "2026-02-10",
        "2026-02",
    );
    let items = Items {
        payments: vec![in_deposit(pay, "dep_1")],
        deposits: vec![deposit("dep_1", "bank_999", "2026-02-02", "2026-02", "100.00", &["pay_1"])],
        ..Items::default()
    };
    check(
        &items,
        &mapping(),
        "2026-02-01 payments EN-LV001-P260201-1 | Dr undeposited_funds 100.00 | Cr receivables 100.00 [pay_1]
         ! unknown_account dep_1 100.00
         ! unknown_account pay_1 100.00",
    );
}

#[test]
fn deleted_deposits_and_payments() {
    let mut gone = deposit("dep_1", "bank_001", "2026-02-02", "2026-02", "100.00", &["pay_1"]);
    gone.status = DepositStatus::Deleted;
    let pay = returned(
        payment("pay_1", "100.00", Ach, "2026-02-01", "2026-02"),
        PaymentStatus::Returned,
        "2026-02-10",
        "2026-02",
    );
    let mut deleted_payment = in_deposit(payment("pay_2", "5.00", Ach, "2026-02-01", "2026-02"), "dep_2");
    deleted_payment.status = PaymentStatus::Deleted;
    let items = Items {
        payments: vec![in_deposit(pay, "dep_1"), deleted_payment],
        deposits: vec![gone, deposit("dep_2", "bank_001", "2026-02-02", "2026-02", "5.00", &["pay_2"])],
        ..Items::default()
    };
    // The deleted deposit posts nothing, so the return comes out of clearing; the deposit that
    // lists a deleted payment is held.
    check(
        &items,
        &mapping(),
        "2026-02-01 payments EN-LV001-P260201-1 | Dr undeposited_funds 100.00 | Cr receivables 100.00 [pay_1]
         2026-02-10 payments EN-LV001-P260210-1 | Dr receivables 100.00 | Cr undeposited_funds 100.00 [pay_1]
         ! deposit_mismatch dep_2 5.00",
    );
}

// --- §7.2: splits ------------------------------------------------------------------------------

#[test]
fn split_leftover_cent_per_rounding_and_remainder() {
    // 100.35 at 70/30: exact shares 70.245 and 30.105.
    //   half_even: 70.24 + 30.10 = 100.34, one cent short
    //   half_up:   70.25 + 30.11 = 100.36, one cent over
    //   down:      70.24 + 30.10 = 100.34, one cent short
    let cases = [
        (Rounding::HalfEven, Remainder::Last, "70.24", "30.11"),
        (Rounding::HalfEven, Remainder::First, "70.25", "30.10"),
        (Rounding::HalfUp, Remainder::Last, "70.25", "30.10"),
        (Rounding::HalfUp, Remainder::First, "70.24", "30.11"),
        (Rounding::Down, Remainder::Last, "70.24", "30.11"),
        (Rounding::Down, Remainder::First, "70.25", "30.10"),
    ];
    for (rounding, remainder, water, sewer) in cases {
        let mut m = mapping();
        m.proration.rounding = rounding;
        m.proration.remainder = remainder;
        let items = Items::charges(vec![charge("chg_1", "UTIL", "100.35", "2026-02-05", "2026-02")]);
        check(
            &items,
            &m,
            &format!(
                "2026-02-05 charges EN-LV001-C260205-1 | Dr receivables 100.35 | Cr sewer_income {sewer} | Cr water_income {water} [chg_1]"
            ),
        );
    }
}

#[test]
fn split_of_a_credit_mirrors_the_split_of_a_charge() {
    let mut m = mapping();
    m.proration.rounding = Rounding::HalfUp;
    let items = Items::charges(vec![charge("chg_1", "UTIL", "-100.35", "2026-02-05", "2026-02")]);
    check(
        &items,
        &m,
        "2026-02-05 charges EN-LV001-C260205-1 | Dr sewer_income 30.10 | Dr water_income 70.25 | Cr receivables 100.35 [chg_1]",
    );
}

// --- §7.3 and §7.5: day counts and the proration check -----------------------------------------

#[test]
fn february_move_in_proration_check_per_day_count_method() {
    // Lease rent 1295.00; move-in on Feb 15.
    //   2026 (28 days, Feb 15–28 = 14 days):
    //     actual_days 14/28 = 647.50; thirty_day 16/30 = 690.666… = 690.67;
    //     days_365 14×12/365 = 168/365 = 596.0547… = 596.05
    //   2028 (29 days, Feb 15–29 = 15 days):
    //     actual_days 15/29 = 669.827… = 669.83; thirty_day 16/30 = 690.67;
    //     days_365 15×12/365 = 180/365 = 638.630… = 638.63
    let cases = [
        (DayCount::ActualDays, "2026", "28", "647.50"),
        (DayCount::ThirtyDay, "2026", "28", "690.67"),
        (DayCount::Days365, "2026", "28", "596.05"),
        (DayCount::ActualDays, "2028", "29", "669.83"),
        (DayCount::ThirtyDay, "2028", "29", "690.67"),
        (DayCount::Days365, "2028", "29", "638.63"),
    ];
    for (method, year, last_day, expected) in cases {
        let mut m = mapping();
        m.proration.method = method;
        m.proration.check_tolerance = Some(dec!(0.01));
        let expected: rust_decimal::Decimal = expected.parse().unwrap();
        // Exactly right, one cent off (within tolerance), two cents off (reported, still posted).
        for (id, charged, flagged) in [
            ("chg_1", expected, false),
            ("chg_2", expected + dec!(0.01), false),
            ("chg_3", expected - dec!(0.02), true),
        ] {
            let mut c =
                charge(id, "RENT", &charged.to_string(), &format!("{year}-02-15"), &format!("{year}-02"));
            c.service_period = service(&format!("{year}-02-15"), &format!("{year}-02-{last_day}"));
            let items = Items {
                charges: vec![c],
                leases: vec![lease("lease_1", "1295.00", &[])],
                ..Items::default()
            };
            let yy = &year[2..];
            let mut want = format!(
                "{year}-02-15 charges EN-LV001-C{yy}0215-1 | Dr receivables {charged} | Cr rental_income {charged} [{id}]"
            );
            if flagged {
                want.push_str(&format!("\n! proration_mismatch {id} {charged}"));
            }
            check(&items, &m, &want);
        }
    }
}

#[test]
fn proration_check_uses_monthly_fees_for_other_codes_and_skips_what_it_cannot_judge() {
    let mut m = mapping();
    m.proration.check_tolerance = Some(dec!(0.00));
    let with = |id: &str, code: &str, amount: &str, first: &str, last: &str| {
        let mut c = charge(id, code, amount, "2026-02-15", "2026-02");
        c.service_period = service(first, last);
        c
    };
    let mut reversal = with("chg_4", "RENT", "-1.00", "2026-02-15", "2026-02-28");
    reversal.reverses = Some(ChargeId::new("chg_0"));
    let mut no_lease = with("chg_5", "RENT", "1.00", "2026-02-15", "2026-02-28");
    no_lease.lease_id = None;
    let items = Items {
        charges: vec![
            // PET is a fee code: the lease's monthly PET fee 30.00 × 14/28 = 15.00.
            with("chg_1", "PET", "15.00", "2026-02-15", "2026-02-28"),
            with("chg_2", "PET", "16.00", "2026-02-15", "2026-02-28"),
            // A whole month, two months, a reversal, no lease: not checked.
            with("chg_3", "RENT", "1.00", "2026-02-01", "2026-02-28"),
            with("chg_6", "RENT", "1.00", "2026-02-15", "2026-03-14"),
            reversal,
            no_lease,
        ],
        leases: vec![lease("lease_1", "1295.00", &[("PET", "30.00")])],
        ..Items::default()
    };
    let plan = plan(&items, &m);
    let exceptions: Vec<String> = plan.exceptions.iter().map(exception_line).collect();
    assert_eq!(exceptions, ["! proration_mismatch chg_2 16.00"]);
    let message = &plan.exceptions[0].message;
    assert!(message.contains("monthly fee 30.00 × 14/28 (actual_days) is 15.00"), "{message}");
    assert!(message.contains("a difference of 1.00"), "{message}");
}

// --- §7.4: deferral ----------------------------------------------------------------------------

fn deferring(rounding: Rounding) -> entrata_recon::mapping::PropertyMapping {
    let mut m = mapping();
    m.proration.defer_to = Some(acct("prepaid_rent"));
    m.proration.rounding = rounding;
    m
}

#[test]
fn deferral_over_three_months_with_recognition_entries() {
    // Service Jan 15 – Mar 14, actual_days: Jan 17/31, Feb 28/28, Mar 14/31, i.e. weights 17:31:14
    // (over 62). 3000.00 × 17/62 = 822.580… = 822.58; × 31/62 = 1500.00; × 14/62 = 677.419… = 677.42.
    let mut c = charge("chg_1", "RENT", "3000.00", "2026-01-15", "2026-01");
    c.service_period = service("2026-01-15", "2026-03-14");
    check(
        &Items::charges(vec![c]),
        &deferring(Rounding::HalfEven),
        "2026-01-15 charges EN-LV001-C260115-1 | Dr receivables 3000.00 | Cr prepaid_rent 2177.42 | Cr rental_income 822.58 [chg_1]
         2026-02-01 recognition EN-LV001-E260201-1 | Dr prepaid_rent 1500.00 | Cr rental_income 1500.00 [chg_1]
         2026-03-01 recognition EN-LV001-E260301-1 | Dr prepaid_rent 677.42 | Cr rental_income 677.42 [chg_1]",
    );
}

#[test]
fn deferral_leftover_cent_goes_to_the_remainder_month() {
    // 100.00 × 17/62 = 27.419…, × 31/62 = 50.00, × 14/62 = 22.580…; rounded down 27.41 + 50.00 +
    // 22.58 = 99.99: the cent goes to March (last) or January (first).
    for (remainder, jan, mar) in [(Remainder::Last, "27.41", "22.59"), (Remainder::First, "27.42", "22.58")] {
        let mut m = deferring(Rounding::Down);
        m.proration.remainder = remainder;
        let mut c = charge("chg_1", "RENT", "100.00", "2026-01-15", "2026-01");
        c.service_period = service("2026-01-15", "2026-03-14");
        let deferred = if remainder == Remainder::Last { "72.59" } else { "72.58" };
        check(
            &Items::charges(vec![c]),
            &m,
            &format!(
                "2026-01-15 charges EN-LV001-C260115-1 | Dr receivables 100.00 | Cr prepaid_rent {deferred} | Cr rental_income {jan} [chg_1]
                 2026-02-01 recognition EN-LV001-E260201-1 | Dr prepaid_rent 50.00 | Cr rental_income 50.00 [chg_1]
                 2026-03-01 recognition EN-LV001-E260301-1 | Dr prepaid_rent {mar} | Cr rental_income {mar} [chg_1]"
            ),
        );
    }
}

#[test]
fn deferral_never_defers_tax_and_splits_each_part() {
    // UTIL 321.00 with 21.00 tax, service Feb 1 – Mar 31: Feb 28/28 and Mar 31/31 weigh 1:1, so
    // 300.00 becomes 150.00 + 150.00, each split 70/30 into 105.00 + 45.00.
    let mut c = charge("chg_1", "UTIL", "321.00", "2026-02-01", "2026-02");
    c.tax = usd("21.00");
    c.service_period = service("2026-02-01", "2026-03-31");
    check(
        &Items::charges(vec![c]),
        &deferring(Rounding::HalfEven),
        "2026-02-01 charges EN-LV001-C260201-1 | Dr receivables 321.00 | Cr prepaid_rent 150.00 | Cr sewer_income 45.00 | Cr tax_payable 21.00 | Cr water_income 105.00 [chg_1]
         2026-03-01 recognition EN-LV001-E260301-1 | Dr prepaid_rent 150.00 | Cr sewer_income 45.00 | Cr water_income 105.00 [chg_1]",
    );
}

#[test]
fn deferral_of_a_prepaid_month_and_of_a_credit() {
    // Posted in February for April only: all of it waits in prepaid_rent.
    let mut prepaid = charge("chg_1", "RENT", "1295.00", "2026-02-20", "2026-02");
    prepaid.service_period = service("2026-04-01", "2026-04-30");
    // A concession for Feb 15 – Mar 14 (thirty_day: Feb 16/30, Mar 14/30 → 16:14): −60.00 becomes
    // −32.00 and −28.00, the mirror of a charge.
    let mut credit = charge("chg_2", "CONC", "-60.00", "2026-02-15", "2026-02");
    credit.service_period = service("2026-02-15", "2026-03-14");
    let mut m = deferring(Rounding::HalfEven);
    m.proration.method = DayCount::ThirtyDay;
    check(
        &Items::charges(vec![prepaid, credit]),
        &m,
        "2026-02-15 charges EN-LV001-C260215-1 | Dr concessions 32.00 | Dr prepaid_rent 28.00 | Cr receivables 60.00 [chg_2]
         2026-02-20 charges EN-LV001-C260220-1 | Dr receivables 1295.00 | Cr prepaid_rent 1295.00 [chg_1]
         2026-03-01 recognition EN-LV001-E260301-1 | Dr concessions 28.00 | Cr prepaid_rent 28.00 [chg_2]
         2026-04-01 recognition EN-LV001-E260401-1 | Dr prepaid_rent 1295.00 | Cr rental_income 1295.00 [chg_1]",
    );
}

#[test]
fn recognition_is_dated_the_first_day_of_its_month_under_every_grouping() {
    // §7.4 dates a recognition on the first day of its month; `post_month` grouping dates other
    // entries the month's last day (§5), but not recognitions. Same numbers as the three-month case.
    let mut c = charge("chg_1", "RENT", "3000.00", "2026-01-15", "2026-01");
    c.service_period = service("2026-01-15", "2026-03-14");
    let items = Items::charges(vec![c]);
    for (group_by, charge_line) in [
        (GroupBy::Day, "2026-01-15 charges EN-LV001-C260115-1"),
        (GroupBy::Item, "2026-01-15 charges EN-LV001-C260115-1"),
        (GroupBy::PostMonth, "2026-01-31 charges EN-LV001-C260131-1"),
    ] {
        let mut m = deferring(Rounding::HalfEven);
        m.journal.group_by = group_by;
        check(
            &items,
            &m,
            &format!(
                "{charge_line} | Dr receivables 3000.00 | Cr prepaid_rent 2177.42 | Cr rental_income 822.58 [chg_1]
                 2026-02-01 recognition EN-LV001-E260201-1 | Dr prepaid_rent 1500.00 | Cr rental_income 1500.00 [chg_1]
                 2026-03-01 recognition EN-LV001-E260301-1 | Dr prepaid_rent 677.42 | Cr rental_income 677.42 [chg_1]"
            ),
        );
    }
}

#[test]
fn deferral_over_too_many_months_is_held() {
    let mut c = charge("chg_1", "RENT", "100.00", "2026-02-01", "2026-02");
    c.service_period = service("2026-02-01", "2036-02-01");
    check(&Items::charges(vec![c]), &deferring(Rounding::HalfEven), "! invalid_item chg_1 100.00");
}

// --- §5: grouping -------------------------------------------------------------------------------

fn grouped(group_by: GroupBy) -> entrata_recon::mapping::PropertyMapping {
    let mut m = mapping();
    m.journal.group_by = group_by;
    m
}

fn three_charges() -> Items {
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

// --- §5: identity -------------------------------------------------------------------------------

#[test]
fn keys_and_document_numbers() {
    let mut m = mapping();
    m.journal.doc_prefix = "RECON".into();
    m.journal.doc_property = Some("LAKE7".into());
    let items = Items {
        charges: vec![charge("chg_1", "RENT", "1.00", "2026-02-01", "2026-02")],
        payments: vec![in_deposit(payment("pay_1", "1.00", Ach, "2026-02-01", "2026-02"), "dep_b")],
        deposits: vec![
            deposit("dep_b", "bank_001", "2026-02-03", "2026-02", "1.00", &["pay_1"]),
            deposit("dep_a", "bank_001", "2026-02-03", "2026-02", "0.00", &[]),
        ],
        ..Items::default()
    };
    let plan = plan(&items, &m);
    let ids: Vec<String> = plan.entries.iter().map(|e| format!("{} {}", e.key(), e.doc_number())).collect();
    assert_eq!(
        ids,
        [
            "prop_1/charges/2026-02-01/1 RECON-LAKE7-C260201-1",
            "prop_1/deposit/dep_b/1 RECON-LAKE7-D260203-1",
            "prop_1/payments/2026-02-01/1 RECON-LAKE7-P260201-1",
        ]
    );
}

#[test]
fn sequence_numbers_that_outgrow_the_room_switch_to_compact_form() {
    // `ENTRA-LV001-C260201-` leaves one character: seqs 1–9, then A–Z, then no more.
    let mut m = grouped(GroupBy::Item);
    m.journal.doc_prefix = "ENTRA".into();
    let day = |n: usize| {
        Items::charges(
            (1..=n)
                .map(|i| charge(&format!("chg_{i:02}"), "RENT", "1.00", "2026-02-01", "2026-02"))
                .collect(),
        )
    };
    let plan = plan(&day(12), &m);
    let docs: Vec<&str> = plan.entries.iter().map(|e| e.doc_number().as_str()).collect();
    let seqs: String = docs.iter().map(|d| d.rsplit('-').next().unwrap()).collect();
    assert_eq!(seqs, "123456789ABC");
    assert!(docs.iter().all(|d| d.len() <= 21));
    let error = try_plan(&day(36), &m).unwrap_err();
    assert!(error.to_string().contains("prop_1/charges/chg_36/1"), "{error}");
}

#[test]
fn doc_parts_that_cannot_make_document_numbers_are_refused() {
    let mut m = mapping();
    m.journal.doc_prefix = "ENTRATA".into();
    let items = Items::charges(vec![charge("chg_1", "RENT", "1.00", "2026-02-01", "2026-02")]);
    let error = try_plan(&items, &m).unwrap_err();
    assert!(error.to_string().contains("after `ENTRATA-LV001-C260201-`"), "{error}");
    // Nothing to number, nothing to refuse.
    assert!(try_plan(&Items::default(), &m).is_ok());
    m.journal.doc_prefix = "E N".into();
    assert!(try_plan(&Items::default(), &m).unwrap_err().to_string().contains("ASCII letters"));
}

#[test]
fn order_of_items_does_not_change_the_plan() {
    let mut items = three_charges();
    items.payments = vec![
        payment("pay_2", "50.00", Card, "2026-02-01", "2026-02"),
        payment("pay_1", "1295.00", Ach, "2026-02-01", "2026-02"),
    ];
    let forward = plan(&items, &mapping());
    items.charges.reverse();
    items.payments.reverse();
    assert_eq!(forward, plan(&items, &mapping()));
}
