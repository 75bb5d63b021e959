//! Broken chains: a link that later links were built on proves not created (`failed`).

use super::*;

/// What the held entries book per account, against tonight's plan: equal once the chain settles.
fn held_equals_plan(recorded: &[RecordedEntry], plan: &PlannedEntry) {
    let mut held: BTreeMap<AccountName, Decimal> = BTreeMap::new();
    for entry in recorded.iter().filter(|e| e.frozen && !e.withdrawn) {
        for (account, amount) in entry.lines.clone().expect("lines") {
            *held.entry(account).or_default() += amount;
        }
    }
    held.retain(|_, sum| !sum.is_zero());
    let planned: BTreeMap<AccountName, Decimal> = signed(&plan.entry).into_iter().collect();
    assert_eq!(held, planned, "what the target holds is what is planned");
}

/// The target refused `key` after all (looked up absent, sent again, refused).
fn refuse(recorded: &mut [RecordedEntry], key: &str) {
    let entry = recorded.iter_mut().find(|e| e.key == key).expect("recorded");
    (entry.frozen, entry.attempted) = (false, true);
}

fn night(recorded: &[RecordedEntry], plan: &PlannedEntry, amounts: &mut Amounts) -> Reconciled {
    reconcile(&prop(), vec![plan.clone()], recorded, &numbering(), amounts).unwrap()
}

fn day(items: &[(&str, i64)], amount: i64) -> PlannedEntry {
    planned(JournalKind::Charges, "2026-02-01", "2026-02-01", 1, amount, items)
}

fn totals(change: &Change) -> (String, String) {
    match change {
        Change::Record(c) | Change::Rewrite(c) => (c.entry.key().to_string(), c.entry.total().to_string()),
        Change::Withdraw { key } => (key.clone(), "withdrawn".into()),
    }
}

#[test]
fn an_adjustment_refused_under_a_later_one_is_booked_again_not_lost() {
    // E books 100.00; the item is edited to 250.00 (A1 +150.00, uncertain), then to 300.00 (A2
    // +50.00 on top of A1, confirmed); A1 proves not created.
    let mut amounts = Amounts(
        [(("chg_1", 1), 10_000), (("chg_1", 2), 25_000), (("chg_1", 3), 30_000)].into_iter().collect(),
    );
    let mut recorded = Vec::new();
    for (version, amount) in [(1, 10_000), (2, 25_000), (3, 30_000)] {
        let changes = night(&recorded, &day(&[("chg_1", version)], amount), &mut amounts).changes;
        apply(&mut recorded, &changes, true);
    }
    let a1 = "prop_1/adjustment/EN-LV001-C260201-1/1";
    let a2 = "prop_1/adjustment/EN-LV001-C260201-1/2";
    assert!(recorded.iter().any(|e| e.key == a2), "{recorded:?}");
    refuse(&mut recorded, a1);

    let plan = day(&[("chg_1", 3)], 30_000);
    let repaired = night(&recorded, &plan, &mut amounts);
    // A1 is withdrawn (a held link stands on it), and one new adjustment books its 150.00 again.
    let changes: Vec<(String, String)> = repaired.changes.iter().map(totals).collect();
    assert_eq!(
        changes,
        [
            (a1.to_owned(), "withdrawn".to_owned()),
            ("prop_1/adjustment/EN-LV001-C260201-1/3".to_owned(), "150.00".to_owned())
        ]
    );
    assert_eq!(repaired.drifts.len(), 1);
    assert!(repaired.changes.iter().all(|c| match c {
        Change::Record(c) => c.entry.doc_number().as_str() == "EN-LV001-A260201-3",
        _ => true,
    }));
    apply(&mut recorded, &repaired.changes, true);
    held_equals_plan(&recorded, &plan);
    // Settled: nothing more, however often it is asked.
    let again = night(&recorded, &plan, &mut amounts);
    assert!(again.changes.is_empty() && again.drifts.is_empty(), "{:?}", again.changes);

    // Edited again later: the difference from what is held, once.
    amounts.0.insert(("chg_1", 4), 32_000);
    let plan = day(&[("chg_1", 4)], 32_000);
    let later = night(&recorded, &plan, &mut amounts);
    assert_eq!(later.changes.iter().map(totals).map(|t| t.1).collect::<Vec<_>>(), ["20.00"]);
    apply(&mut recorded, &later.changes, true);
    held_equals_plan(&recorded, &plan);
}

#[test]
fn a_refused_correction_of_a_broken_chain_is_sent_again_as_it_is() {
    let mut amounts = Amounts(
        [(("chg_1", 1), 10_000), (("chg_1", 2), 25_000), (("chg_1", 3), 30_000)].into_iter().collect(),
    );
    let mut recorded = Vec::new();
    for (version, amount) in [(1, 10_000), (2, 25_000), (3, 30_000)] {
        let changes = night(&recorded, &day(&[("chg_1", version)], amount), &mut amounts).changes;
        apply(&mut recorded, &changes, true);
    }
    refuse(&mut recorded, "prop_1/adjustment/EN-LV001-C260201-1/1");
    let plan = day(&[("chg_1", 3)], 30_000);
    let repaired = night(&recorded, &plan, &mut amounts);
    apply(&mut recorded, &repaired.changes, true);
    // The correction is refused too: it stands as recorded (to be looked up and sent again), and
    // nothing else is booked.
    refuse(&mut recorded, "prop_1/adjustment/EN-LV001-C260201-1/3");
    let again = night(&recorded, &plan, &mut amounts);
    assert!(again.changes.is_empty(), "{:?}", again.changes);
    recorded.iter_mut().filter(|e| e.key.ends_with("/3")).for_each(|e| e.frozen = true);
    held_equals_plan(&recorded, &plan);
}

#[test]
fn a_late_entry_refused_under_an_adjustment_is_booked_again() {
    let mut amounts =
        Amounts([(("chg_1", 1), 10_000), (("chg_2", 1), 4_000), (("chg_2", 2), 6_000)].into_iter().collect());
    let mut recorded = Vec::new();
    // E books chg_1; chg_2 arrives late (L, uncertain) and is edited (A on top of L, confirmed).
    let nights = [
        day(&[("chg_1", 1)], 10_000),
        day(&[("chg_1", 1), ("chg_2", 1)], 14_000),
        day(&[("chg_1", 1), ("chg_2", 2)], 16_000),
    ];
    for plan in &nights {
        let changes = night(&recorded, plan, &mut amounts).changes;
        apply(&mut recorded, &changes, true);
    }
    refuse(&mut recorded, "prop_1/charges/2026-02-01/2");
    let plan = &nights[2];
    let repaired = night(&recorded, plan, &mut amounts);
    let changes: Vec<(String, String)> = repaired.changes.iter().map(totals).collect();
    assert_eq!(
        changes,
        [
            ("prop_1/charges/2026-02-01/2".to_owned(), "withdrawn".to_owned()),
            ("prop_1/adjustment/EN-LV001-C260201-1/2".to_owned(), "40.00".to_owned())
        ]
    );
    apply(&mut recorded, &repaired.changes, true);
    held_equals_plan(&recorded, plan);
}

#[test]
fn a_refused_entry_under_its_adjustment_is_booked_again() {
    let mut amounts = Amounts([(("chg_1", 1), 10_000), (("chg_1", 2), 25_000)].into_iter().collect());
    let mut recorded = Vec::new();
    for (version, amount) in [(1, 10_000), (2, 25_000)] {
        let changes = night(&recorded, &day(&[("chg_1", version)], amount), &mut amounts).changes;
        apply(&mut recorded, &changes, true);
    }
    // The entry itself, uncertain when its adjustment was made, proves not created.
    refuse(&mut recorded, "prop_1/charges/2026-02-01/1");
    let plan = day(&[("chg_1", 2)], 25_000);
    let repaired = night(&recorded, &plan, &mut amounts);
    let changes: Vec<(String, String)> = repaired.changes.iter().map(totals).collect();
    assert_eq!(
        changes,
        [
            ("prop_1/charges/2026-02-01/1".to_owned(), "withdrawn".to_owned()),
            // It corrects the slot's first held link, the adjustment.
            ("prop_1/adjustment/EN-LV001-A260201-1/1".to_owned(), "100.00".to_owned())
        ]
    );
    apply(&mut recorded, &repaired.changes, true);
    held_equals_plan(&recorded, &plan);
}

#[test]
fn a_refused_last_link_is_rewritten_as_before() {
    let mut amounts = Amounts(
        [(("chg_1", 1), 10_000), (("chg_1", 2), 25_000), (("chg_1", 3), 30_000)].into_iter().collect(),
    );
    let mut recorded = Vec::new();
    for (version, amount) in [(1, 10_000), (2, 25_000)] {
        let changes = night(&recorded, &day(&[("chg_1", version)], amount), &mut amounts).changes;
        apply(&mut recorded, &changes, true);
    }
    refuse(&mut recorded, "prop_1/adjustment/EN-LV001-C260201-1/1");
    let plan = day(&[("chg_1", 3)], 30_000);
    let changes: Vec<(String, String)> =
        night(&recorded, &plan, &mut amounts).changes.iter().map(totals).collect();
    assert_eq!(changes, [("prop_1/adjustment/EN-LV001-C260201-1/1".to_owned(), "200.00".to_owned())]);
}
