//! Payments, returns and deposits (PRODUCT.md §5).

use crate::journal_support::*;
use entrata_recon::domain::PaymentMethod::{Ach, Card, Check};
use entrata_recon::domain::{DepositStatus, PaymentStatus};

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
fn payment_naming_a_deposit_that_does_not_list_it_comes_back_from_clearing_in_its_own_return_entry() {
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
         2026-02-10 return EN-LV001-R260210-1 | Dr receivables 40.00 | Cr card_clearing 40.00 [dep_1 pay_1]",
    );
    // The deposit is a source: if it is edited to list the payment, the same entry comes out of
    // the bank instead, and an adjustment moves exactly the return between the two.
    let keys: Vec<String> = plan(&items, &mapping()).entries.iter().map(|e| e.key().to_string()).collect();
    assert!(keys.contains(&"prop_1/return/pay_1/1".to_owned()), "{keys:?}");
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
    // The deleted deposit posts nothing, so the return comes out of clearing (in its own `return`
    // entry, the deposit among its sources); the deposit that lists a deleted payment is held.
    check(
        &items,
        &mapping(),
        "2026-02-01 payments EN-LV001-P260201-1 | Dr undeposited_funds 100.00 | Cr receivables 100.00 [pay_1]
         2026-02-10 return EN-LV001-R260210-1 | Dr receivables 100.00 | Cr undeposited_funds 100.00 [dep_1 pay_1]
         ! deposit_mismatch dep_2 5.00",
    );
}
