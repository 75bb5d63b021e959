use super::*;
use crate::domain::{AccountName, Currency};
use crate::journal::EntryHeader;
use rust_decimal::Decimal;

fn prop() -> PropertyId {
    PropertyId::new("prop_1")
}

fn numbering() -> DocNumbering {
    DocNumbering::new("EN", "LV001").unwrap()
}

/// A planned entry as the planner makes it: `anchor` is the date for grouped kinds.
fn planned(
    kind: JournalKind,
    anchor: &str,
    date: &str,
    planner_seq: u32,
    amount: i64,
    items: &[(&str, i64)],
) -> PlannedEntry {
    let date: NaiveDate = date.parse().unwrap();
    let header = EntryHeader {
        key: EntryKey::new(&prop(), kind, anchor, 1),
        doc_number: numbering().number(kind, date, planner_seq).unwrap(),
        property_id: prop(),
        kind,
        date,
        post_month: format!("{}", date.format("%Y-%m")).parse().unwrap(),
        currency: Currency::USD,
        sources: items.iter().map(|(id, _)| (*id).to_owned()).collect(),
    };
    let amount = Decimal::new(amount, 2);
    let entry = BalancedEntry::new(
        header,
        vec![
            (AccountName::new("bank"), Side::Debit, amount, String::new()),
            (AccountName::new("clearing"), Side::Credit, amount, String::new()),
        ],
    )
    .unwrap();
    let item_kind = if kind == JournalKind::Deposit { ItemKind::Deposit } else { ItemKind::Charge };
    let sources = items
        .iter()
        .map(|(id, v)| SourceRef { kind: item_kind, id: (*id).to_owned(), version: *v })
        .collect();
    PlannedEntry { entry, sources }
}

/// Records what `changes` say, the way the state file would.
fn apply(recorded: &mut Vec<RecordedEntry>, changes: &[Change], frozen: bool) {
    for change in changes {
        match change {
            Change::Record(c) | Change::Rewrite(c) => {
                recorded.retain(|r| r.key != c.entry.key().as_str());
                let order = recorded.len() as i64;
                recorded.push(RecordedEntry {
                    order,
                    date: c.entry.date(),
                    key: c.entry.key().to_string(),
                    kind: c.entry.kind(),
                    anchor: c.entry.key().anchor().to_owned(),
                    slot: c.slot.clone(),
                    seq: c.entry.key().seq(),
                    doc_number: c.entry.doc_number().to_string(),
                    content_hash: c.content_hash.clone(),
                    sources: c.sources.clone(),
                    frozen,
                    attempted: frozen,
                    rebook: false,
                    withdrawn: false,
                    lines: Some(signed(&c.entry)),
                    catch_up: c.only.is_some(),
                    held_elsewhere: Vec::new(),
                });
            }
            Change::Withdraw { key } => {
                recorded.iter_mut().filter(|r| &r.key == key).for_each(|r| r.withdrawn = true);
            }
        }
    }
}

struct NoReplan;
impl Replan for NoReplan {
    fn slot_entry(&mut self, slot: &Slot, _: &[SourceRef]) -> Result<Option<BalancedEntry>, PlanError> {
        panic!("no replan expected for {slot}");
    }
}

/// Plans the late items as one charge entry of 1.00 each.
struct LateCharges;
impl Replan for LateCharges {
    fn slot_entry(&mut self, slot: &Slot, items: &[SourceRef]) -> Result<Option<BalancedEntry>, PlanError> {
        let date = slot.as_str().rsplit('/').next().unwrap();
        let ids: Vec<(&str, i64)> = items.iter().map(|s| (s.id.as_str(), s.version)).collect();
        Ok(Some(planned(JournalKind::Charges, date, date, 1, 100 * ids.len() as i64, &ids).entry))
    }
}

fn identities(changes: &[Change]) -> Vec<(String, String)> {
    changes
        .iter()
        .filter_map(|c| match c {
            Change::Record(c) | Change::Rewrite(c) => {
                Some((c.entry.key().to_string(), c.entry.doc_number().to_string()))
            }
            Change::Withdraw { .. } => None,
        })
        .collect()
}

#[test]
fn a_held_deposit_released_later_never_renumbers_the_others() {
    let dep = |id, seq| planned(JournalKind::Deposit, id, "2026-02-02", seq, 1000, &[(id, 1)]);
    // Night 1: dep_1 is held (not planned); the planner numbers dep_2 and dep_3 1 and 2.
    let mut recorded = Vec::new();
    let night1 =
        reconcile(&prop(), vec![dep("dep_2", 1), dep("dep_3", 2)], &recorded, &numbering(), &mut NoReplan)
            .unwrap();
    assert_eq!(
        identities(&night1.changes),
        [
            ("prop_1/deposit/dep_2/1".into(), "EN-LV001-D260202-1".into()),
            ("prop_1/deposit/dep_3/1".into(), "EN-LV001-D260202-2".into())
        ]
    );
    apply(&mut recorded, &night1.changes, true);
    // Night 2: dep_1 released; the planner now numbers it 1 and the others 2 and 3.
    let night2 = reconcile(
        &prop(),
        vec![dep("dep_1", 1), dep("dep_2", 2), dep("dep_3", 3)],
        &recorded,
        &numbering(),
        &mut NoReplan,
    )
    .unwrap();
    assert_eq!(identities(&night2.changes), [("prop_1/deposit/dep_1/1".into(), "EN-LV001-D260202-3".into())]);
    assert_eq!(night2.unchanged, 2);
    assert!(night2.drifts.is_empty());
}

#[test]
fn a_late_item_in_a_posted_day_is_a_new_entry_with_the_next_numbers() {
    let day =
        |items: &[(&str, i64)]| planned(JournalKind::Charges, "2026-02-01", "2026-02-01", 1, 100, items);
    let mut recorded = Vec::new();
    let night1 =
        reconcile(&prop(), vec![day(&[("chg_1", 1), ("chg_2", 1)])], &recorded, &numbering(), &mut NoReplan)
            .unwrap();
    apply(&mut recorded, &night1.changes, true);
    let night2 = reconcile(
        &prop(),
        vec![day(&[("chg_1", 1), ("chg_2", 1), ("chg_0", 1)])],
        &recorded,
        &numbering(),
        &mut LateCharges,
    )
    .unwrap();
    assert_eq!(
        identities(&night2.changes),
        [("prop_1/charges/2026-02-01/2".into(), "EN-LV001-C260201-2".into())]
    );
    let Change::Record(late) = &night2.changes[0] else { panic!("a new entry") };
    assert_eq!(late.sources, [SourceRef { kind: ItemKind::Charge, id: "chg_0".into(), version: 1 }]);
    assert!(night2.drifts.is_empty());
}

/// Plans item versions as one charge entry whose amount is the sum of each version's cents.
struct Amounts(std::collections::BTreeMap<(&'static str, i64), i64>);
impl Replan for Amounts {
    fn slot_entry(&mut self, slot: &Slot, items: &[SourceRef]) -> Result<Option<BalancedEntry>, PlanError> {
        let date = slot.as_str().rsplit('/').next().unwrap();
        let total: i64 = items.iter().map(|s| self.0[&(s.id.as_str(), s.version)]).sum();
        let ids: Vec<(&str, i64)> = items.iter().map(|s| (s.id.as_str(), s.version)).collect();
        Ok((total != 0).then(|| planned(JournalKind::Charges, date, date, 1, total, &ids).entry))
    }
}

#[test]
fn a_posted_entry_is_never_rewritten_its_changes_become_one_adjustment() {
    let day = |items: &[(&str, i64)], amount| {
        planned(JournalKind::Charges, "2026-02-01", "2026-02-01", 1, amount, items)
    };
    // chg_1 was 100.00 and is 250.00 in version 2; chg_2 (200.00) is deleted.
    let mut amounts = Amounts(
        [(("chg_1", 1), 10_000), (("chg_2", 1), 20_000), (("chg_1", 2), 25_000)].into_iter().collect(),
    );
    let mut recorded = Vec::new();
    let night1 = reconcile(
        &prop(),
        vec![day(&[("chg_1", 1), ("chg_2", 1)], 30_000)],
        &recorded,
        &numbering(),
        &mut amounts,
    )
    .unwrap();
    apply(&mut recorded, &night1.changes, true);
    let night2 =
        reconcile(&prop(), vec![day(&[("chg_1", 2)], 25_000)], &recorded, &numbering(), &mut amounts)
            .unwrap();
    // The posted entry stands; one adjustment of -50.00 (250.00 now against 300.00 booked).
    assert_eq!(night2.changes.len(), 1, "{:?}", night2.changes);
    let Change::Record(adjustment) = &night2.changes[0] else { panic!("a new entry") };
    assert_eq!(adjustment.entry.key().as_str(), "prop_1/adjustment/EN-LV001-C260201-1/1");
    assert_eq!(adjustment.entry.doc_number().as_str(), "EN-LV001-A260201-1");
    assert_eq!(adjustment.entry.date().to_string(), "2026-02-01");
    assert_eq!(adjustment.corrects.as_deref(), Some("prop_1/charges/2026-02-01/1"));
    let lines: Vec<(String, Side, String)> = adjustment
        .entry
        .lines()
        .iter()
        .map(|l| (l.account().to_string(), l.side(), l.amount().to_string()))
        .collect();
    assert_eq!(
        lines,
        [("bank".into(), Side::Credit, "50.00".into()), ("clearing".into(), Side::Debit, "50.00".into())]
    );
    assert!(
        adjustment.entry.lines()[0]
            .description()
            .contains("Adjusts EN-LV001-C260201-1: chg_1 changed, chg_2 gone")
    );
    // chg_1 is booked at version 2 now; chg_2 is reversed out (a negative version).
    let mut versions: Vec<(String, i64)> =
        adjustment.sources.iter().map(|s| (s.id.clone(), s.version)).collect();
    versions.sort();
    assert_eq!(versions, [("chg_1".into(), 2), ("chg_2".into(), -1)]);
    let drift = &night2.drifts[0];
    assert_eq!(
        (drift.corrected_doc_number.as_str(), drift.adjustment_total.as_str()),
        ("EN-LV001-C260201-1", "50.00")
    );

    // Once posted, the next night has nothing more to adjust: no adjustment is ever made twice.
    apply(&mut recorded, &night2.changes, true);
    let night3 =
        reconcile(&prop(), vec![day(&[("chg_1", 2)], 25_000)], &recorded, &numbering(), &mut amounts)
            .unwrap();
    assert!(night3.changes.is_empty() && night3.drifts.is_empty(), "{:?}", night3.changes);
    // chg_2 restored later is a late item again: a new entry of the day, numbered next.
    amounts.0.insert(("chg_2", 2), 20_000);
    let night4 = reconcile(
        &prop(),
        vec![day(&[("chg_1", 2), ("chg_2", 2)], 45_000)],
        &recorded,
        &numbering(),
        &mut amounts,
    )
    .unwrap();
    assert_eq!(
        identities(&night4.changes),
        [("prop_1/charges/2026-02-01/2".into(), "EN-LV001-C260201-2".into())]
    );
}

#[test]
fn an_edit_that_moves_no_money_makes_no_adjustment() {
    let day =
        |items: &[(&str, i64)]| planned(JournalKind::Charges, "2026-02-01", "2026-02-01", 1, 10_000, items);
    let mut amounts = Amounts([(("chg_1", 1), 10_000), (("chg_1", 2), 10_000)].into_iter().collect());
    let mut recorded = Vec::new();
    let night1 =
        reconcile(&prop(), vec![day(&[("chg_1", 1)])], &recorded, &numbering(), &mut amounts).unwrap();
    apply(&mut recorded, &night1.changes, true);
    let night2 =
        reconcile(&prop(), vec![day(&[("chg_1", 2)])], &recorded, &numbering(), &mut amounts).unwrap();
    assert!(night2.changes.is_empty() && night2.drifts.is_empty(), "{:?}", night2.changes);
}

#[test]
fn an_entry_no_target_holds_follows_the_plan_under_its_own_identity() {
    let day = |items: &[(&str, i64)], amount| {
        planned(JournalKind::Charges, "2026-02-01", "2026-02-01", 1, amount, items)
    };
    let mut recorded = Vec::new();
    let night1 =
        reconcile(&prop(), vec![day(&[("chg_1", 1)], 300)], &recorded, &numbering(), &mut NoReplan).unwrap();
    apply(&mut recorded, &night1.changes, false);
    // Same content: nothing to write.
    let again =
        reconcile(&prop(), vec![day(&[("chg_1", 1)], 300)], &recorded, &numbering(), &mut NoReplan).unwrap();
    assert!(again.changes.is_empty() && again.unchanged == 1);
    // New content: rewritten, same key and number.
    let night2 =
        reconcile(&prop(), vec![day(&[("chg_1", 2)], 250)], &recorded, &numbering(), &mut NoReplan).unwrap();
    assert!(matches!(&night2.changes[..], [Change::Rewrite(_)]));
    assert_eq!(
        identities(&night2.changes),
        [("prop_1/charges/2026-02-01/1".into(), "EN-LV001-C260201-1".into())]
    );
    apply(&mut recorded, &night2.changes, false);
    // Gone from the plan: withdrawn, and its number is never given again.
    let night3 = reconcile(&prop(), vec![], &recorded, &numbering(), &mut NoReplan).unwrap();
    assert!(
        matches!(&night3.changes[..], [Change::Withdraw { key }] if key == "prop_1/charges/2026-02-01/1")
    );
    apply(&mut recorded, &night3.changes, false);
    let night4 =
        reconcile(&prop(), vec![day(&[("chg_9", 1)], 100)], &recorded, &numbering(), &mut NoReplan).unwrap();
    assert_eq!(
        identities(&night4.changes),
        [("prop_1/charges/2026-02-01/2".into(), "EN-LV001-C260201-2".into())]
    );
}

fn signed(entry: &BalancedEntry) -> Vec<(AccountName, Decimal)> {
    entry
        .lines()
        .iter()
        .map(|l| (l.account().clone(), if l.side() == Side::Debit { l.amount() } else { -l.amount() }))
        .collect()
}

#[test]
fn a_mapping_edit_rewrites_nothing_and_is_reclassified_only_on_request() {
    let mut amounts = Amounts([(("chg_1", 1), 10_000)].into_iter().collect());
    let mut recorded = Vec::new();
    let night1 = reconcile(
        &prop(),
        vec![planned(JournalKind::Charges, "2026-02-01", "2026-02-01", 1, 10_000, &[("chg_1", 1)])],
        &recorded,
        &numbering(),
        &mut amounts,
    )
    .unwrap();
    apply(&mut recorded, &night1.changes, true);
    // The mapping now books the same charge to `rent` instead of `clearing`.
    let remapped = |entry: BalancedEntry| {
        let header = entry.header().clone();
        let lines = entry
            .lines()
            .iter()
            .map(|l| {
                let account = if l.account().as_str() == "clearing" { "rent" } else { l.account().as_str() };
                (AccountName::new(account), l.side(), l.amount(), String::new())
            })
            .collect();
        BalancedEntry::new(header, lines).unwrap()
    };
    let plan = || {
        let p = planned(JournalKind::Charges, "2026-02-01", "2026-02-01", 1, 10_000, &[("chg_1", 1)]);
        PlannedEntry { entry: remapped(p.entry), sources: p.sources }
    };
    let quiet = reconcile(&prop(), vec![plan()], &recorded, &numbering(), &mut amounts).unwrap();
    assert!(quiet.changes.is_empty() && quiet.drifts.is_empty(), "{:?}", quiet.changes);
    let other_month = PostMonth::new(2026, 3);
    let elsewhere =
        reconcile_with(&prop(), vec![plan()], &recorded, &numbering(), &mut amounts, other_month).unwrap();
    assert!(elsewhere.changes.is_empty(), "only the month asked for");
    let month = PostMonth::new(2026, 2);
    let reclassed =
        reconcile_with(&prop(), vec![plan()], &recorded, &numbering(), &mut amounts, month).unwrap();
    assert_eq!(reclassed.drifts.len(), 1);
    assert!(reclassed.drifts[0].reclass);
    let Change::Record(entry) = &reclassed.changes[0] else { panic!("a new entry") };
    let mut lines: Vec<(String, Side, String)> = entry
        .entry
        .lines()
        .iter()
        .map(|l| (l.account().to_string(), l.side(), l.amount().to_string()))
        .collect();
    lines.sort();
    assert_eq!(
        lines,
        [("clearing".into(), Side::Debit, "100.00".into()), ("rent".into(), Side::Credit, "100.00".into())]
    );
    // Posted, it is not asked for again.
    apply(&mut recorded, &reclassed.changes, true);
    let again = reconcile_with(&prop(), vec![plan()], &recorded, &numbering(), &mut amounts, month).unwrap();
    assert!(again.changes.is_empty(), "{:?}", again.changes);
}

mod catch_up;
mod chain;
