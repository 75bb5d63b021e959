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
//!   alone; items booked under another version, or no longer in the slot, become one adjustment for
//!   exactly the difference (`held`), never an edit. When a link of the slot's chain that a later
//!   link was built on is refused after all, the chain is re-booked from money (`chain`).
//!
//! Pure: no IO, no clock. The caller supplies the recorded entries and a way to plan a few items.

mod catch_up;
mod chain;
mod correct;
mod held;
mod numbers;

pub use chain::lines_needed;

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use sha2::{Digest, Sha256};

use self::numbers::Numbers;
use rust_decimal::Decimal;

use crate::domain::{AccountName, Exception, ItemKind, PostMonth, PropertyId};
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

    /// Whether it is a slot of `kind`'s entries.
    pub fn is_of(&self, kind: JournalKind) -> bool {
        self.0.strip_prefix(kind.as_str()).is_some_and(|rest| rest.starts_with('/'))
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
    /// When it was recorded relative to the others (later entries of a slot supersede what earlier
    /// ones booked of an item).
    pub order: i64,
    pub kind: JournalKind,
    pub date: NaiveDate,
    /// The key's anchor (a date, or an item id).
    pub anchor: String,
    pub slot: Slot,
    pub seq: u32,
    pub doc_number: String,
    pub content_hash: String,
    /// The item versions it books; a negative version is an item it reverses out of the slot (an
    /// adjustment for an item deleted or moved), at that version.
    pub sources: Vec<SourceRef>,
    /// A target holds it, or may (a posting other than 'failed'): it is never rewritten.
    pub frozen: bool,
    /// A target was asked for it (a posting of any state exists). An entry asked for and not
    /// `frozen` was refused: the target proved it does not hold it.
    pub attempted: bool,
    /// Withdrawn: never posted, no longer planned. Its numbers stay taken.
    pub withdrawn: bool,
    /// Its lines as signed amounts (debit positive), when the caller loaded them (for a
    /// reclassification of its month).
    pub lines: Option<Vec<(AccountName, Decimal)>>,
    /// Its recorded lines are what a company was found to hold when it was adopted, not what its
    /// sources book (a lost or replaced state file, Entrata changed since): its slot is booked
    /// from money (`chain`).
    pub rebook: bool,
    /// A catch-up: an entry for one company alone (`catch_up`), outside every slot's chain.
    pub catch_up: bool,
    /// Companies found holding it with other money than recorded while another target holds it
    /// as recorded, that no catch-up brings to the recorded lines yet (`catch_up`).
    pub held_elsewhere: Vec<HeldElsewhere>,
}

/// A company holding a recorded entry with other money than recorded (`RecordedEntry`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldElsewhere {
    pub target: crate::targets::TargetKind,
    pub company: String,
    pub currency: crate::domain::Currency,
    /// What it holds, signed (debit positive), in the mapping's accounts.
    pub held: Vec<(AccountName, Decimal)>,
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
    /// An adjustment's corrected entry (its key).
    pub corrects: Option<String>,
    /// A catch-up: posted to this target and company alone.
    pub only: Option<(crate::targets::TargetKind, String)>,
}

/// A held slot whose items changed in Entrata after a target took it, with money moving: the
/// adjustment recorded for it (posted like any entry).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotDrift {
    pub slot: Slot,
    /// The recorded entry the adjustment corrects (the slot's first held one).
    pub corrected_key: String,
    pub corrected_doc_number: String,
    /// Booked under one version, planned now under another: (booked, current).
    pub changed: Vec<(SourceRef, SourceRef)>,
    /// Booked, and no longer planned in this slot (deleted, moved, or now held).
    pub removed: Vec<SourceRef>,
    /// The adjustment's total (the sum of its debits), two decimals.
    pub adjustment_total: String,
    /// What the corrected items booked and what they book now (each the sum of debits, two
    /// decimals): `600.00 → 650.00` on the screens. `None` for a reclassification (the money
    /// stays; its accounts change).
    pub booked_then_now: Option<(String, String)>,
    /// A reclassification (`post --reclass`): the items are as booked, the mapping changed.
    pub reclass: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Reconciled {
    pub changes: Vec<Change>,
    pub drifts: Vec<SlotDrift>,
    /// Adjustments held because a version a target holds cannot be planned again (`adjustment_held`).
    pub exceptions: Vec<Exception>,
    /// Recorded entries that stand as they are (planned again exactly as recorded).
    pub unchanged: usize,
}

/// Plans the given item versions alone (current or earlier ones) under the current mapping and
/// returns the slot's entry, if they make one.
pub trait Replan {
    fn slot_entry(&mut self, slot: &Slot, items: &[SourceRef]) -> Result<Option<BalancedEntry>, PlanError>;

    /// The items among `items` (versions a target holds) that cannot be planned again, each with
    /// why: a version that no longer converts or is not stored, or one the current mapping holds.
    /// An adjustment computed without them would book their whole new amount.
    fn cannot_plan(
        &mut self,
        _slot: &Slot,
        _items: &[SourceRef],
    ) -> Result<Vec<(String, String)>, PlanError> {
        Ok(Vec::new())
    }
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
    reconcile_with(property, planned, recorded, numbering, replan, None)
}

/// `reconcile`, and with `reclass`, reclassification entries for that month's held slots whose
/// items are as booked but whose lines the current mapping would book to other accounts (the
/// recorded entries of that month must carry their `lines`).
pub fn reconcile_with(
    property: &PropertyId,
    planned: Vec<PlannedEntry>,
    recorded: &[RecordedEntry],
    numbering: &DocNumbering,
    replan: &mut dyn Replan,
    reclass: Option<PostMonth>,
) -> Result<Reconciled, RecordError> {
    let mut by_slot: BTreeMap<&Slot, Vec<&RecordedEntry>> = BTreeMap::new();
    for entry in recorded.iter().filter(|e| !e.withdrawn && !e.catch_up) {
        by_slot.entry(&entry.slot).or_default().push(entry);
    }
    for entries in by_slot.values_mut() {
        entries.sort_by_key(|e| e.order);
    }
    let numbers = Numbers::new(recorded);
    let broken = chain::broken_chains(recorded);
    let mut ctx = Ctx { property, numbering, numbers, replan, reclass, broken, out: Reconciled::default() };
    let mut planned_slots: BTreeSet<Slot> = BTreeSet::new();
    // New entries are numbered in the planner's order (kind, anchor, seq), so that with nothing
    // recorded the numbers are the planner's own.
    let mut planned = planned;
    planned.sort_by(|a, b| a.entry.key().cmp(b.entry.key()));
    for plan in planned {
        let slot = Slot::of(&plan.entry);
        planned_slots.insert(slot.clone());
        let existing = by_slot.get(&slot).map(Vec::as_slice).unwrap_or(&[]);
        ctx.slot(slot, Some(plan), existing)?;
    }
    for (slot, existing) in &by_slot {
        if !planned_slots.contains(*slot) {
            ctx.slot((*slot).clone(), None, existing)?;
        }
    }
    catch_up::record(&mut ctx, recorded)?;
    Ok(ctx.out)
}

/// What reconciling one property needs at every slot.
struct Ctx<'a> {
    property: &'a PropertyId,
    numbering: &'a DocNumbering,
    numbers: Numbers,
    replan: &'a mut dyn Replan,
    reclass: Option<PostMonth>,
    /// Held slots whose chain lost a link a later one was built on (`chain`).
    broken: BTreeSet<Slot>,
    out: Reconciled,
}

impl Ctx<'_> {
    fn slot(
        &mut self,
        slot: Slot,
        plan: Option<PlannedEntry>,
        existing: &[&RecordedEntry],
    ) -> Result<(), RecordError> {
        let (frozen, open): (Vec<&RecordedEntry>, Vec<&RecordedEntry>) =
            existing.iter().partition(|e| e.frozen);
        if !frozen.is_empty() {
            return held::held_slot(self, &slot, plan, &frozen, &open);
        }
        let content = plan.map(|plan| content(plan.entry, &slot, plan.sources, None));
        self.place(content, &open)
    }

    /// Records `content` under the first of `open` (recorded entries no target holds, of the same
    /// kind), or as a new entry when there is none; withdraws the other open ones (and all of them
    /// when there is no content).
    fn place(&mut self, content: Option<NewContent>, open: &[&RecordedEntry]) -> Result<(), RecordError> {
        let rest = match (content, open.split_first()) {
            (None, _) => open,
            (Some(content), None) => {
                let identified = self.numbers.identify(self.property, content, self.numbering)?;
                self.out.changes.push(Change::Record(identified));
                &[]
            }
            (Some(content), Some((first, rest))) => {
                if first.content_hash == content.content_hash
                    && sorted(&first.sources) == sorted(&content.sources)
                {
                    self.out.unchanged += 1;
                } else {
                    self.out.changes.push(Change::Rewrite(keep_identity(first, content)?));
                }
                rest
            }
        };
        for entry in rest {
            self.out.changes.push(Change::Withdraw { key: entry.key.clone() });
        }
        Ok(())
    }
}

fn sorted(sources: &[SourceRef]) -> Vec<&SourceRef> {
    let mut sorted: Vec<&SourceRef> = sources.iter().collect();
    sorted.sort();
    sorted
}

fn content(
    entry: BalancedEntry,
    slot: &Slot,
    sources: Vec<SourceRef>,
    corrects: Option<String>,
) -> NewContent {
    let content_hash = content_hash(&entry);
    NewContent { entry, slot: slot.clone(), sources, content_hash, corrects, only: None }
}

/// The recorded entry's key and document number on tonight's content.
fn keep_identity(recorded: &RecordedEntry, content: NewContent) -> Result<NewContent, RecordError> {
    let NewContent { entry, slot, sources, content_hash, corrects, only } = content;
    let key = EntryKey::new(entry.property_id(), recorded.kind, &recorded.anchor, recorded.seq);
    let doc = DocNumber::new(recorded.doc_number.clone())
        .map_err(|source| RecordError::Corrupt { key: recorded.key.clone(), message: source.to_string() })?;
    Ok(NewContent { entry: entry.with_identity(key, doc), slot, sources, content_hash, corrects, only })
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
    hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests;
