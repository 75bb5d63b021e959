//! A held slot's chain: its entry, its late entries and its adjustments, each booked on top of what
//! the links before it hold or may hold. An adjustment books the difference between its items'
//! versions now and the versions the held links book (`held::booked`), so it counts on every one of
//! them; a link that is `uncertain` or `pending` counts too, because the target may hold it. When
//! such a link later proves not created (`failed`, PRODUCT.md §10) while a later link stands on it,
//! the versions no longer say what the target holds: the chain is *broken*.
//!
//! A broken chain is booked from money instead: its next correction is what tonight's plan books
//! for the slot's items less the recorded lines of every link a target holds or may hold, so that a
//! refused link is no longer counted and exactly the missing difference is booked, once (once held,
//! the correction's own lines count). A refused link older than a held one is withdrawn, never given
//! new content, so that the links a target holds stay in the order they were booked. Because it
//! weighs recorded lines, the correction of a broken chain also moves money a mapping edit sent to
//! other accounts since (what `post --reclass` does for an unbroken one).

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;

use super::correct::{
    SlotItems, Sums, add, correcting_entry, describe, drift, net_debits, signed_lines, total_of,
};
use super::{Change, Ctx, NewContent, RecordError, RecordedEntry, Slot, SlotDrift, SourceRef, content};
use crate::journal::BalancedEntry;

/// Refused: a target was asked for it and none holds it or may.
fn refused(entry: &RecordedEntry) -> bool {
    entry.attempted && !entry.frozen
}

/// The newest held link of each held slot (its recording order).
fn newest_held(recorded: &[RecordedEntry]) -> BTreeMap<&Slot, i64> {
    let mut newest: BTreeMap<&Slot, i64> = BTreeMap::new();
    for entry in recorded.iter().filter(|e| e.frozen && !e.withdrawn && !e.catch_up) {
        let order = newest.entry(&entry.slot).or_insert(entry.order);
        *order = (*order).max(entry.order);
    }
    newest
}

/// Held slots with a refused link (withdrawn since or not) older than a held one, and held slots
/// with a link adopted as a company held it (`RecordedEntry::rebook`): in both, the links' versions
/// no longer say what the targets hold.
pub(super) fn broken_chains(recorded: &[RecordedEntry]) -> BTreeSet<Slot> {
    let newest = newest_held(recorded);
    let refused_under_held =
        |e: &&RecordedEntry| refused(e) && newest.get(&e.slot).is_some_and(|order| e.order < *order);
    let adopted_as_held = |e: &&RecordedEntry| e.rebook && e.frozen && !e.withdrawn;
    recorded
        .iter()
        .filter(|e| !e.catch_up)
        .filter(|e| refused_under_held(e) || adopted_as_held(e))
        .map(|e| e.slot.clone())
        .collect()
}

/// The entries whose recorded lines `reconcile` must be given: the held links of broken chains,
/// and the entries a company holds with other money (`catch_up`).
pub fn lines_needed(recorded: &[RecordedEntry]) -> Vec<String> {
    let broken = broken_chains(recorded);
    recorded
        .iter()
        .filter(|e| {
            (e.frozen && !e.withdrawn && !e.catch_up && broken.contains(&e.slot))
                || !e.held_elsewhere.is_empty()
        })
        .map(|e| e.key.clone())
        .collect()
}

/// The open links of a broken chain that may take new content; the refused ones older than a held
/// link are withdrawn.
pub(super) fn reusable<'a>(
    ctx: &mut Ctx<'_>,
    open: &[&'a RecordedEntry],
    frozen: &[&RecordedEntry],
) -> Vec<&'a RecordedEntry> {
    let newest = frozen.iter().map(|e| e.order).max().unwrap_or(i64::MIN);
    let (stale, reusable): (Vec<&RecordedEntry>, Vec<&RecordedEntry>) =
        open.iter().partition(|e| refused(e) && e.order < newest);
    for entry in stale {
        ctx.out.changes.push(Change::Withdraw { key: entry.key.clone() });
    }
    reusable
}

/// The correction of a broken chain: what tonight's plan books for the slot's items that are not
/// late (late ones become their own entry) less the recorded lines of the held links. Its sources
/// are the slot's items at their current versions, and the removed ones reversed out. `reclass`:
/// not a broken chain but `post --reclass` of a slot whose items changed, so the same correction
/// also moves what the mapping now books elsewhere.
pub(super) fn rebook(
    ctx: &mut Ctx<'_>,
    slot: &Slot,
    frozen: &[&RecordedEntry],
    plan_entry: Option<&BalancedEntry>,
    items: &SlotItems,
    reclass: bool,
) -> Result<Option<(NewContent, SlotDrift)>, RecordError> {
    let corrected = frozen[0];
    let kept: Vec<SourceRef> = items.planned.iter().filter(|s| !items.late.contains(s)).cloned().collect();
    let target = match (items.late.is_empty(), kept.is_empty()) {
        (true, _) => plan_entry.cloned(),
        (false, true) => None,
        (false, false) => ctx.replan.slot_entry(slot, &kept)?,
    };
    let currency = match target.as_ref().or(plan_entry) {
        Some(entry) => entry.currency(),
        // Nothing planned in the slot: the removed items at the versions booked say the currency.
        None => match ctx.replan.slot_entry(slot, &items.removed)? {
            Some(entry) => entry.currency(),
            None => {
                return Err(RecordError::Corrupt {
                    key: corrected.key.clone(),
                    message: format!("the currency of slot {slot} cannot be told from its items"),
                });
            }
        },
    };
    let mut sums = Sums::new();
    add(&mut sums, target.as_ref().map(signed_lines).unwrap_or_default(), Decimal::ONE, corrected)?;
    for link in frozen {
        let Some(lines) = &link.lines else {
            return Err(RecordError::Corrupt {
                key: link.key.clone(),
                message: "its lines were not loaded to re-book its broken chain".into(),
            });
        };
        add(&mut sums, lines.clone(), Decimal::NEGATIVE_ONE, corrected)?;
    }
    let left_out = match reclass {
        true => "what the mapping now books to other accounts",
        false => "what a refused entry left out",
    };
    let what = match items.changed.is_empty() && items.removed.is_empty() {
        true => left_out.to_owned(),
        false => format!("{}, and {left_out}", describe(&items.changed, &items.removed)),
    };
    let description = format!("Adjusts {}: {what}", corrected.doc_number);
    let ids = kept.iter().chain(&items.removed).map(|s| s.id.clone()).collect();
    let Some(entry) = correcting_entry(ctx, corrected, currency, sums, &description, ids)? else {
        return Ok(None);
    };
    let booked = net_debits(frozen.iter().flat_map(|link| link.lines.iter().flatten()));
    let then_now = (booked, total_of(target.as_ref()));
    let drift =
        drift(slot, corrected, items.changed.clone(), items.removed.clone(), &entry, reclass, Some(then_now));
    let sources: Vec<SourceRef> = kept
        .into_iter()
        .chain(items.removed.iter().map(|s| SourceRef { version: -s.version, ..s.clone() }))
        .collect();
    Ok(Some((content(entry, slot, sources, Some(corrected.key.clone())), drift)))
}
