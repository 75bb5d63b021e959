//! Catch-ups: a company holding a recorded entry with other money than recorded.

use super::*;
use crate::targets::TargetKind;

fn deposit() -> PlannedEntry {
    planned(JournalKind::Deposit, "dep_1", "2026-02-02", 1, 1000, &[("dep_1", 1)])
}

#[test]
fn a_company_holding_other_money_gets_one_catch_up_of_exactly_the_difference_for_itself_alone() {
    let mut recorded = Vec::new();
    let night1 = reconcile(&prop(), vec![deposit()], &recorded, &numbering(), &mut NoReplan).unwrap();
    apply(&mut recorded, &night1.changes, true);
    // Xero holds 7.50 of the 10.00 recorded (another state file posted it before an edit).
    let held = vec![
        (AccountName::new("bank"), Decimal::new(750, 2)),
        (AccountName::new("clearing"), Decimal::new(-750, 2)),
    ];
    recorded[0].held_elsewhere = vec![HeldElsewhere {
        target: TargetKind::Xero,
        company: "tenant-1".into(),
        currency: Currency::USD,
        held,
    }];
    let night2 = reconcile(&prop(), vec![deposit()], &recorded, &numbering(), &mut NoReplan).unwrap();
    assert_eq!(night2.unchanged, 1, "the entry itself stands as recorded");
    let [Change::Record(catch_up)] = night2.changes.as_slice() else {
        panic!("one catch-up: {:?}", night2.changes)
    };
    assert_eq!(catch_up.only, Some((TargetKind::Xero, "tenant-1".to_owned())));
    assert_eq!(catch_up.corrects.as_deref(), Some("prop_1/deposit/dep_1/1"));
    assert_eq!(catch_up.entry.kind(), JournalKind::Adjustment);
    let mut lines = signed(&catch_up.entry);
    lines.sort();
    assert_eq!(
        lines,
        [
            (AccountName::new("bank"), Decimal::new(250, 2)),
            (AccountName::new("clearing"), Decimal::new(-250, 2))
        ]
    );
    assert!(catch_up.sources.is_empty(), "it books no item version");
    assert_ne!(catch_up.entry.doc_number().as_str(), "EN-LV001-D260202-1");
    // Recorded, the catch-up is outside every slot: the next night changes nothing.
    apply(&mut recorded, &night2.changes, true);
    recorded[0].held_elsewhere.clear();
    let night3 = reconcile(&prop(), vec![deposit()], &recorded, &numbering(), &mut NoReplan).unwrap();
    assert!(night3.changes.is_empty(), "{:?}", night3.changes);
}

#[test]
fn a_company_holding_the_recorded_money_needs_no_catch_up() {
    let mut recorded = Vec::new();
    let night1 = reconcile(&prop(), vec![deposit()], &recorded, &numbering(), &mut NoReplan).unwrap();
    apply(&mut recorded, &night1.changes, true);
    let held = recorded[0].lines.clone().unwrap();
    recorded[0].held_elsewhere = vec![HeldElsewhere {
        target: TargetKind::Qbo,
        company: "9130".into(),
        currency: Currency::USD,
        held,
    }];
    let night2 = reconcile(&prop(), vec![deposit()], &recorded, &numbering(), &mut NoReplan).unwrap();
    assert!(night2.changes.is_empty(), "{:?}", night2.changes);
}
