//! Entry identity (PRODUCT.md §5).

use super::grouping::{grouped, three_charges};
use crate::journal_support::*;
use entrata_recon::domain::PaymentMethod::{Ach, Card};
use entrata_recon::mapping::GroupBy;

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
