//! A slot a target holds (or may hold): what it holds is never rewritten. What changed in Entrata
//! since becomes new entries in the slot (PRODUCT.md §9, issue 11):
//!
//! - items new to the slot (late, or released after being held): one entry of the slot's kind,
//!   planned from those items alone, numbered next;
//! - items booked under another version, or no longer in the slot (deleted, moved to another day
//!   or month, now held): one `adjustment` for exactly the difference between what they book now
//!   and what they booked, both under the current mapping, dated on the corrected entry's date, its
//!   key anchored on the corrected entry's document number (so the number is in every memo);
//! - on request (`post --reclass YYYY-MM`), a slot of that month whose items are as booked but
//!   whose recorded lines the current mapping would book elsewhere: one `adjustment` moving exactly
//!   that difference (a reclassification). A mapping edit never rewrites history otherwise.
//!
//! What an item booked is the fold of the slot's held entries in the order they were recorded: a
//! later entry's version of an item supersedes an earlier one's, and a negative version (an
//! adjustment that reversed the item out) removes it. The fold is true only while every link it
//! reads still stands; a chain that lost one is re-booked from money (`chain`). An adjustment
//! whose booked versions cannot be planned again is held (`adjustment_held`), never computed
//! without them.

use std::collections::BTreeMap;

use chrono::Datelike;
use rust_decimal::Decimal;

use super::correct::{SlotItems, Sums, add, correcting_entry, describe, drift, signed_lines, total_of};
use super::{
    Ctx, NewContent, PlannedEntry, RecordError, RecordedEntry, Slot, SlotDrift, SourceRef, chain, content,
};
use crate::domain::{Exception, ExceptionKind, ItemKind, PostMonth};
use crate::journal::{BalancedEntry, JournalKind};

pub(super) fn held_slot(
    ctx: &mut Ctx<'_>,
    slot: &Slot,
    plan: Option<PlannedEntry>,
    frozen: &[&RecordedEntry],
    open: &[&RecordedEntry],
) -> Result<(), RecordError> {
    let booked = booked(frozen);
    let (plan_entry, planned): (Option<BalancedEntry>, Vec<SourceRef>) = match plan {
        Some(plan) => (Some(plan.entry), plan.sources),
        None => (None, Vec::new()),
    };
    let items = SlotItems::new(&booked, planned);
    let broken = ctx.broken.contains(slot);
    let open = match broken {
        true => chain::reusable(ctx, open, frozen),
        false => open.to_vec(),
    };
    let (open_corrections, open_late): (Vec<&RecordedEntry>, Vec<&RecordedEntry>) =
        open.iter().partition(|e| e.kind == JournalKind::Adjustment);
    let late_content = match items.late.is_empty() {
        true => None,
        false => ctx
            .replan
            .slot_entry(slot, &items.late)?
            .map(|entry| content(entry, slot, items.late.clone(), None)),
    };
    let stable = items.late.is_empty() && items.changed.is_empty() && items.removed.is_empty();
    // `post --reclass` of this slot's month, with every held link's lines loaded: items that
    // changed (even saved again with the same money) are booked from money too, so that the
    // correction also moves what the mapping now books elsewhere; an adjustment by versions would
    // leave it, and the slot would never be stable enough to be reclassified.
    let month = PostMonth::new(frozen[0].date.year(), frozen[0].date.month());
    let reclass_by_money =
        ctx.reclass.is_some() && ctx.reclass == month && frozen.iter().all(|e| e.lines.is_some());
    let correction = match (broken, stable, &plan_entry) {
        (true, _, _) => chain::rebook(ctx, slot, frozen, plan_entry.as_ref(), &items, false)?,
        (false, true, Some(entry)) => reclassification(ctx, slot, frozen, entry, &items.planned)?,
        (false, false, _) if reclass_by_money => {
            chain::rebook(ctx, slot, frozen, plan_entry.as_ref(), &items, true)?
        }
        _ => adjustment(ctx, slot, frozen[0], &items.changed, &items.removed)?,
    };
    if late_content.is_none() && correction.is_none() {
        ctx.out.unchanged += frozen.len();
    }
    ctx.place(late_content, &open_late)?;
    let correction = correction.map(|(content, drift)| {
        ctx.out.drifts.push(drift);
        content
    });
    ctx.place(correction, &open_corrections)
}

/// Item versions the held entries book, in recording order.
fn booked(frozen: &[&RecordedEntry]) -> BTreeMap<(ItemKind, String), i64> {
    let mut booked = BTreeMap::new();
    for entry in frozen {
        for source in &entry.sources {
            if source.version > 0 {
                booked.insert((source.kind, source.id.clone()), source.version);
            } else {
                booked.remove(&(source.kind, source.id.clone()));
            }
        }
    }
    booked
}

/// The adjustment for `changed` and `removed`, when money moves (an edit that changes nothing a
/// target holds, such as a description, needs none).
fn adjustment(
    ctx: &mut Ctx<'_>,
    slot: &Slot,
    corrected: &RecordedEntry,
    changed: &[(SourceRef, SourceRef)],
    removed: &[SourceRef],
) -> Result<Option<(NewContent, SlotDrift)>, RecordError> {
    if changed.is_empty() && removed.is_empty() {
        return Ok(None);
    }
    let now: Vec<SourceRef> = changed.iter().map(|(_, now)| now.clone()).collect();
    let was: Vec<SourceRef> =
        changed.iter().map(|(was, _)| was.clone()).chain(removed.iter().cloned()).collect();
    let unplannable = ctx.replan.cannot_plan(slot, &was)?;
    if !unplannable.is_empty() {
        hold(ctx, corrected, &was, unplannable);
        return Ok(None);
    }
    let after = if now.is_empty() { None } else { ctx.replan.slot_entry(slot, &now)? };
    let before = ctx.replan.slot_entry(slot, &was)?;
    let Some(currency) = after.as_ref().or(before.as_ref()).map(BalancedEntry::currency) else {
        return Ok(None);
    };
    let mut sums = Sums::new();
    add(&mut sums, after.as_ref().map(signed_lines).unwrap_or_default(), Decimal::ONE, corrected)?;
    add(&mut sums, before.as_ref().map(signed_lines).unwrap_or_default(), Decimal::NEGATIVE_ONE, corrected)?;
    let description = format!("Adjusts {}: {}", corrected.doc_number, describe(changed, removed));
    let ids = now.iter().chain(removed).map(|s| s.id.clone()).collect();
    let Some(entry) = correcting_entry(ctx, corrected, currency, sums, &description, ids)? else {
        return Ok(None);
    };
    let then_now = (total_of(before.as_ref()), total_of(after.as_ref()));
    let drift = drift(slot, corrected, changed.to_vec(), removed.to_vec(), &entry, false, Some(then_now));
    // What the slot books from now on: the changed items at their new versions, the removed ones
    // reversed out (a negative version).
    let sources: Vec<SourceRef> = now
        .into_iter()
        .chain(removed.iter().map(|s| SourceRef { version: -s.version, ..s.clone() }))
        .collect();
    Ok(Some((content(entry, slot, sources, Some(corrected.key.clone())), drift)))
}

/// An adjustment that cannot be computed: an `adjustment_held` exception per item whose posted
/// version cannot be planned again.
fn hold(ctx: &mut Ctx<'_>, corrected: &RecordedEntry, was: &[SourceRef], unplannable: Vec<(String, String)>) {
    for (id, why) in unplannable {
        let version = was.iter().find(|s| s.id == id).map(|s| s.version.abs());
        let version = version.map(|v| format!(" (version {v})")).unwrap_or_default();
        ctx.out.exceptions.push(Exception {
            kind: ExceptionKind::AdjustmentHeld,
            property_id: Some(ctx.property.clone()),
            source_id: id.clone(),
            amount: None,
            message: format!(
                "{id} changed after {doc} was posted, but the version {doc} booked{version} cannot be planned again: {why}; its adjustment is held (never guessed) until that version plans again, e.g. under the mapping it was posted with",
                doc = corrected.doc_number,
            ),
        });
    }
}

/// A held slot of the month being reclassified whose items are as booked but whose recorded
/// lines differ from what the current mapping books: one entry moving exactly the difference.
fn reclassification(
    ctx: &mut Ctx<'_>,
    slot: &Slot,
    frozen: &[&RecordedEntry],
    planned: &BalancedEntry,
    sources: &[SourceRef],
) -> Result<Option<(NewContent, SlotDrift)>, RecordError> {
    let corrected = frozen[0];
    let month = PostMonth::new(corrected.date.year(), corrected.date.month());
    if ctx.reclass.is_none() || ctx.reclass != month {
        return Ok(None);
    }
    let mut sums = Sums::new();
    add(&mut sums, signed_lines(planned), Decimal::ONE, corrected)?;
    for entry in frozen {
        // The caller loads the lines of the month reclassified; an entry without them is not weighed.
        let Some(lines) = &entry.lines else { return Ok(None) };
        add(&mut sums, lines.clone(), Decimal::NEGATIVE_ONE, corrected)?;
    }
    let description =
        format!("Reclassifies {}: the mapping books it to other accounts now", corrected.doc_number);
    let ids = sources.iter().map(|s| s.id.clone()).collect();
    let Some(entry) = correcting_entry(ctx, corrected, planned.currency(), sums, &description, ids)? else {
        return Ok(None);
    };
    let drift = drift(slot, corrected, Vec::new(), Vec::new(), &entry, true, None);
    Ok(Some((content(entry, slot, sources.to_vec(), Some(corrected.key.clone())), drift)))
}
