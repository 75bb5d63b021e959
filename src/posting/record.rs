//! Which planned entries to record, and under which identity (PRODUCT.md §5 "Identity", §10).
//!
//! The planner numbers entries afresh every night from whatever it can plan, so its keys and
//! document numbers move when an item is released or arrives late. What is recorded must not:
//! an entry recorded for posting keeps its key and document number for ever, and no other entry
//! is ever given them. This module compares tonight's plan with what is recorded, slot by slot (a
//! slot is what the planner groups into one entry: property, kind, anchor and date), and says
//! what to record:
//!
//! - a slot with nothing recorded: its planned entry is recorded, numbered with the lowest free
//!   sequence and document numbers;
//! - a slot whose recorded entries no target holds yet (no posting other than a refusal): the
//!   first of them is rewritten to the plan (same identity), the others withdrawn (their numbers
//!   stay taken);
//! - a slot a target holds (*frozen*): never rewritten. Items that are new to it (late items, or
//!   items released after being held) become a new entry in the slot, planned from those items
//!   alone (`Replan`); items recorded under another version, or no longer in the slot, are a
//!   pending adjustment, reported (`SlotDrift`), never an edit.
//!
//! Pure: no IO, no clock. The caller supplies the recorded entries and a way to plan a few items.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use sha2::{Digest, Sha256};

use crate::domain::{ItemKind, PropertyId};
use crate::journal::identity::DocNumbering;
use crate::journal::{BalancedEntry, DocNumber, EntryKey, JournalKind, PlanError, Side};

/// An item version an entry is built from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SourceRef {
    pub kind: ItemKind,
    pub id: String,
    pub version: i64,
}

/// What the planner groups into one entry: `kind/anchor/date` within a property.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Slot(String);

impl Slot {
    pub fn new(kind: JournalKind, anchor: &str, date: NaiveDate) -> Slot {
        Slot(format!("{kind}/{anchor}/{date}"))
    }

    pub fn of(entry: &BalancedEntry) -> Slot {
        Slot::new(entry.kind(), entry.key().anchor(), entry.date())
    }

    pub fn from_text(text: impl Into<String>) -> Slot {
        Slot(text.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Slot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A planned entry with its sources resolved to the item versions it was planned from.
#[derive(Debug, Clone)]
pub struct PlannedEntry {
    pub entry: BalancedEntry,
    pub sources: Vec<SourceRef>,
}

/// An entry as recorded in the state file (its lines are not needed to decide what to record).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedEntry {
    pub key: String,
    pub kind: JournalKind,
    /// The key's anchor (a date, or an item id).
    pub anchor: String,
    pub slot: Slot,
    pub seq: u32,
    pub doc_number: String,
    pub content_hash: String,
    pub sources: Vec<SourceRef>,
    /// A target holds it, or may (a posting other than 'failed'): it is never rewritten.
    pub frozen: bool,
    /// Withdrawn: never posted, no longer planned. Its numbers stay taken.
    pub withdrawn: bool,
}

/// What to write.
#[derive(Debug, Clone)]
pub enum Change {
    /// A new entry, under the identity it keeps from now on.
    Record(NewContent),
    /// A recorded entry no target holds, given tonight's content under its own identity.
    Rewrite(NewContent),
    /// A recorded entry no target holds and the plan no longer has.
    Withdraw { key: String },
}

#[derive(Debug, Clone)]
pub struct NewContent {
    pub entry: BalancedEntry,
    pub slot: Slot,
    pub sources: Vec<SourceRef>,
    pub content_hash: String,
}

/// A frozen slot whose items changed after a target took it: a pending adjustment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotDrift {
    pub slot: Slot,
    /// The recorded entry that the adjustment would correct (the slot's first frozen one).
    pub corrected_key: String,
    pub corrected_doc_number: String,
    /// Recorded under one version, planned now under another: (recorded, current).
    pub changed: Vec<(SourceRef, SourceRef)>,
    /// Recorded, and no longer planned in this slot.
    pub removed: Vec<SourceRef>,
}

#[derive(Debug, Clone, Default)]
pub struct Reconciled {
    pub changes: Vec<Change>,
    pub drifts: Vec<SlotDrift>,
    /// Recorded entries that stand as they are (planned again exactly as recorded).
    pub unchanged: usize,
}

/// Plans the given items alone (current versions) and returns the slot's entry, if they make one.
pub trait Replan {
    fn slot_entry(&mut self, slot: &Slot, items: &[SourceRef]) -> Result<Option<BalancedEntry>, PlanError>;
}

#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error(transparent)]
    Plan(#[from] PlanError),
    #[error("property {property}: no document number is left for {kind} entries dated {date}")]
    NoDocNumber { property: PropertyId, kind: JournalKind, date: NaiveDate },
    #[error("recorded entry {key} is not valid: {message}")]
    Corrupt { key: String, message: String },
}

/// Decides what to record for one property. `recorded` holds every entry recorded for it,
/// withdrawn ones included (their numbers are taken).
pub fn reconcile(
    property: &PropertyId,
    planned: Vec<PlannedEntry>,
    recorded: &[RecordedEntry],
    numbering: &DocNumbering,
    replan: &mut dyn Replan,
) -> Result<Reconciled, RecordError> {
    let mut numbers = Numbers::new(recorded);
    let mut by_slot: BTreeMap<&Slot, Vec<&RecordedEntry>> = BTreeMap::new();
    for entry in recorded.iter().filter(|e| !e.withdrawn) {
        by_slot.entry(&entry.slot).or_default().push(entry);
    }
    for entries in by_slot.values_mut() {
        entries.sort_by_key(|e| e.seq);
    }

    let mut out = Reconciled::default();
    let mut planned_slots: BTreeSet<Slot> = BTreeSet::new();
    // New entries are numbered in the planner's order (kind, anchor, seq), so that with nothing
    // recorded the numbers are the planner's own.
    let mut planned = planned;
    planned.sort_by(|a, b| a.entry.key().cmp(b.entry.key()));
    for plan in planned {
        let slot = Slot::of(&plan.entry);
        planned_slots.insert(slot.clone());
        let existing = by_slot.get(&slot).map(Vec::as_slice).unwrap_or(&[]);
        reconcile_slot(property, slot, Some(plan), existing, numbering, &mut numbers, replan, &mut out)?;
    }
    for (slot, existing) in &by_slot {
        if !planned_slots.contains(*slot) {
            reconcile_slot(
                property,
                (*slot).clone(),
                None,
                existing,
                numbering,
                &mut numbers,
                replan,
                &mut out,
            )?;
        }
    }
    Ok(out)
}

#[allow(clippy::too_many_arguments)]
fn reconcile_slot(
    property: &PropertyId,
    slot: Slot,
    plan: Option<PlannedEntry>,
    existing: &[&RecordedEntry],
    numbering: &DocNumbering,
    numbers: &mut Numbers,
    replan: &mut dyn Replan,
    out: &mut Reconciled,
) -> Result<(), RecordError> {
    let (frozen, open): (Vec<&RecordedEntry>, Vec<&RecordedEntry>) = existing.iter().partition(|e| e.frozen);
    let withdraw_all = |open: &[&RecordedEntry], out: &mut Reconciled| {
        for entry in open {
            out.changes.push(Change::Withdraw { key: entry.key.clone() });
        }
    };

    if frozen.is_empty() {
        let Some(plan) = plan else {
            withdraw_all(&open, out);
            return Ok(());
        };
        let content = content(plan.entry.clone(), &slot, plan.sources.clone());
        match open.split_first() {
            None => out.changes.push(Change::Record(numbers.identify(property, content, numbering)?)),
            Some((first, rest)) => {
                if first.content_hash == content.content_hash
                    && sorted(&first.sources) == sorted(&plan.sources)
                {
                    out.unchanged += 1;
                } else {
                    out.changes.push(Change::Rewrite(keep_identity(first, content)?));
                }
                withdraw_all(rest, out);
            }
        }
        return Ok(());
    }

    // A target holds this slot: what it holds stays; only what is new to it is recorded.
    let booked: BTreeMap<(ItemKind, &str), &SourceRef> =
        frozen.iter().flat_map(|e| &e.sources).map(|s| ((s.kind, s.id.as_str()), s)).collect();
    let planned_sources: Vec<SourceRef> = plan.as_ref().map(|p| p.sources.clone()).unwrap_or_default();
    let late: Vec<SourceRef> =
        planned_sources.iter().filter(|s| !booked.contains_key(&(s.kind, s.id.as_str()))).cloned().collect();
    let changed: Vec<(SourceRef, SourceRef)> = planned_sources
        .iter()
        .filter_map(|s| {
            booked
                .get(&(s.kind, s.id.as_str()))
                .filter(|b| b.version != s.version)
                .map(|b| ((*b).clone(), s.clone()))
        })
        .collect();
    let planned_ids: BTreeSet<(ItemKind, &str)> =
        planned_sources.iter().map(|s| (s.kind, s.id.as_str())).collect();
    let removed: Vec<SourceRef> =
        booked.iter().filter(|(id, _)| !planned_ids.contains(id)).map(|(_, s)| (*s).clone()).collect();

    if !changed.is_empty() || !removed.is_empty() {
        out.drifts.push(SlotDrift {
            slot: slot.clone(),
            corrected_key: frozen[0].key.clone(),
            corrected_doc_number: frozen[0].doc_number.clone(),
            changed,
            removed,
        });
    }
    let late_entry = match late.is_empty() {
        true => None,
        false => replan.slot_entry(&slot, &late)?,
    };
    match (late_entry, open.split_first()) {
        (None, _) => {
            if late.is_empty() {
                out.unchanged += frozen.len();
            }
            withdraw_all(&open, out);
        }
        (Some(entry), None) => {
            let content = content(entry, &slot, late);
            out.changes.push(Change::Record(numbers.identify(property, content, numbering)?));
        }
        (Some(entry), Some((first, rest))) => {
            let content = content(entry, &slot, late);
            if first.content_hash == content.content_hash
                && sorted(&first.sources) == sorted(&content.sources)
            {
                out.unchanged += 1;
            } else {
                out.changes.push(Change::Rewrite(keep_identity(first, content)?));
            }
            withdraw_all(rest, out);
        }
    }
    Ok(())
}

fn sorted(sources: &[SourceRef]) -> Vec<&SourceRef> {
    let mut sorted: Vec<&SourceRef> = sources.iter().collect();
    sorted.sort();
    sorted
}

fn content(entry: BalancedEntry, slot: &Slot, sources: Vec<SourceRef>) -> NewContent {
    let content_hash = content_hash(&entry);
    NewContent { entry, slot: slot.clone(), sources, content_hash }
}

/// The recorded entry's key and document number on tonight's content.
fn keep_identity(recorded: &RecordedEntry, content: NewContent) -> Result<NewContent, RecordError> {
    let NewContent { entry, slot, sources, content_hash } = content;
    let key = EntryKey::new(entry.property_id(), recorded.kind, &recorded.anchor, recorded.seq);
    let doc = DocNumber::new(recorded.doc_number.clone())
        .map_err(|source| RecordError::Corrupt { key: recorded.key.clone(), message: source.to_string() })?;
    Ok(NewContent { entry: entry.with_identity(key, doc), slot, sources, content_hash })
}

/// What the content hash covers: everything a target is sent but the identity (date, post
/// month, currency, and each line's account, side, amount and description).
pub fn content_hash(entry: &BalancedEntry) -> String {
    let mut hasher = Sha256::new();
    hasher.update(format!(
        "{}\n{}\n{}\n{}\n",
        entry.kind(),
        entry.date(),
        entry.post_month(),
        entry.currency()
    ));
    for line in entry.lines() {
        let side = match line.side() {
            Side::Debit => "D",
            Side::Credit => "C",
        };
        hasher.update(format!("{}\t{side}\t{}\t{}\n", line.account(), line.amount(), line.description()));
    }
    hex(&hasher.finalize())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Sequence and document numbers taken so far (recorded, withdrawn, or given out tonight).
struct Numbers {
    /// Upper-cased: QuickBooks compares document numbers without case.
    docs: BTreeSet<String>,
    /// Highest key seq per (kind, anchor).
    seqs: BTreeMap<(JournalKind, String), u32>,
    /// Per (kind, date): every document seq below this one is taken (so a busy day is numbered in
    /// one pass, not by probing from 1 each time).
    doc_cursor: BTreeMap<(JournalKind, NaiveDate), u32>,
}

impl Numbers {
    fn new(recorded: &[RecordedEntry]) -> Numbers {
        let mut seqs: BTreeMap<(JournalKind, String), u32> = BTreeMap::new();
        for entry in recorded {
            let seq = seqs.entry((entry.kind, entry.anchor.clone())).or_default();
            *seq = (*seq).max(entry.seq);
        }
        let docs = recorded.iter().map(|e| e.doc_number.to_ascii_uppercase()).collect();
        Numbers { docs, seqs, doc_cursor: BTreeMap::new() }
    }

    /// The next key seq of the entry's kind and anchor, and the lowest free document number of its
    /// kind and date.
    fn identify(
        &mut self,
        property: &PropertyId,
        content: NewContent,
        numbering: &DocNumbering,
    ) -> Result<NewContent, RecordError> {
        let NewContent { entry, slot, sources, content_hash } = content;
        let (kind, date) = (entry.kind(), entry.date());
        let anchor = entry.key().anchor().to_owned();
        let seq = self.seqs.entry((kind, anchor.clone())).or_default();
        *seq += 1;
        let key = EntryKey::new(property, kind, &anchor, *seq);
        let no_number = || RecordError::NoDocNumber { property: property.clone(), kind, date };
        let cursor = self.doc_cursor.entry((kind, date)).or_insert(1);
        let doc = loop {
            let doc = numbering.number(kind, date, *cursor).map_err(|_| no_number())?;
            *cursor = cursor.checked_add(1).ok_or_else(no_number)?;
            if self.docs.insert(doc.as_str().to_ascii_uppercase()) {
                break doc;
            }
        };
        Ok(NewContent { entry: entry.with_identity(key, doc), slot, sources, content_hash })
    }
}

#[cfg(test)]
mod tests {
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
                    recorded.push(RecordedEntry {
                        key: c.entry.key().to_string(),
                        kind: c.entry.kind(),
                        anchor: c.entry.key().anchor().to_owned(),
                        slot: c.slot.clone(),
                        seq: c.entry.key().seq(),
                        doc_number: c.entry.doc_number().to_string(),
                        content_hash: c.content_hash.clone(),
                        sources: c.sources.clone(),
                        frozen,
                        withdrawn: false,
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
        fn slot_entry(
            &mut self,
            slot: &Slot,
            items: &[SourceRef],
        ) -> Result<Option<BalancedEntry>, PlanError> {
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
        let night1 = reconcile(
            &prop(),
            vec![dep("dep_2", 1), dep("dep_3", 2)],
            &recorded,
            &numbering(),
            &mut NoReplan,
        )
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
        assert_eq!(
            identities(&night2.changes),
            [("prop_1/deposit/dep_1/1".into(), "EN-LV001-D260202-3".into())]
        );
        assert_eq!(night2.unchanged, 2);
        assert!(night2.drifts.is_empty());
    }

    #[test]
    fn a_late_item_in_a_posted_day_is_a_new_entry_with_the_next_numbers() {
        let day =
            |items: &[(&str, i64)]| planned(JournalKind::Charges, "2026-02-01", "2026-02-01", 1, 100, items);
        let mut recorded = Vec::new();
        let night1 = reconcile(
            &prop(),
            vec![day(&[("chg_1", 1), ("chg_2", 1)])],
            &recorded,
            &numbering(),
            &mut NoReplan,
        )
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

    #[test]
    fn a_posted_entry_is_never_rewritten_its_changes_are_reported() {
        let day = |items: &[(&str, i64)], amount| {
            planned(JournalKind::Charges, "2026-02-01", "2026-02-01", 1, amount, items)
        };
        let mut recorded = Vec::new();
        let night1 = reconcile(
            &prop(),
            vec![day(&[("chg_1", 1), ("chg_2", 1)], 300)],
            &recorded,
            &numbering(),
            &mut NoReplan,
        )
        .unwrap();
        apply(&mut recorded, &night1.changes, true);
        // chg_1 edited (version 2), chg_2 deleted.
        let night2 =
            reconcile(&prop(), vec![day(&[("chg_1", 2)], 250)], &recorded, &numbering(), &mut NoReplan)
                .unwrap();
        assert!(night2.changes.is_empty(), "{:?}", night2.changes);
        assert_eq!(night2.drifts.len(), 1);
        let drift = &night2.drifts[0];
        assert_eq!(drift.corrected_doc_number, "EN-LV001-C260201-1");
        assert_eq!(drift.changed.len(), 1);
        assert_eq!((drift.changed[0].0.version, drift.changed[0].1.version), (1, 2));
        assert_eq!(drift.removed.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(), ["chg_2"]);
    }

    #[test]
    fn an_entry_no_target_holds_follows_the_plan_under_its_own_identity() {
        let day = |items: &[(&str, i64)], amount| {
            planned(JournalKind::Charges, "2026-02-01", "2026-02-01", 1, amount, items)
        };
        let mut recorded = Vec::new();
        let night1 =
            reconcile(&prop(), vec![day(&[("chg_1", 1)], 300)], &recorded, &numbering(), &mut NoReplan)
                .unwrap();
        apply(&mut recorded, &night1.changes, false);
        // Same content: nothing to write.
        let again =
            reconcile(&prop(), vec![day(&[("chg_1", 1)], 300)], &recorded, &numbering(), &mut NoReplan)
                .unwrap();
        assert!(again.changes.is_empty() && again.unchanged == 1);
        // New content: rewritten, same key and number.
        let night2 =
            reconcile(&prop(), vec![day(&[("chg_1", 2)], 250)], &recorded, &numbering(), &mut NoReplan)
                .unwrap();
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
            reconcile(&prop(), vec![day(&[("chg_9", 1)], 100)], &recorded, &numbering(), &mut NoReplan)
                .unwrap();
        assert_eq!(
            identities(&night4.changes),
            [("prop_1/charges/2026-02-01/2".into(), "EN-LV001-C260201-2".into())]
        );
    }
}
