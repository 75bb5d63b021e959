//! The pieces of a correcting entry, which `held` (an adjustment, a reclassification) and `chain`
//! (a broken chain re-booked from money) both build: a slot's items against what its held
//! entries book, signed sums per account, the entry moving exactly their difference, its
//! description, and the `SlotDrift` the screens report.

use std::collections::BTreeMap;

use chrono::Datelike;
use rust_decimal::Decimal;

use super::{Ctx, RecordError, RecordedEntry, Slot, SlotDrift, SourceRef};
use crate::domain::{AccountName, Currency, ItemKind, PostMonth, format_amount};
use crate::journal::{BalancedEntry, DocNumber, EntryHeader, EntryKey, JournalKind, Side};

/// Signed sums per account (debit positive).
pub(super) type Sums = BTreeMap<AccountName, Decimal>;

/// A held slot's items against what its held entries book.
pub(super) struct SlotItems {
    /// Tonight's plan of the slot: its item versions.
    pub planned: Vec<SourceRef>,
    /// Planned, booked by no held entry.
    pub late: Vec<SourceRef>,
    /// Booked under one version, planned now under another: (booked, current).
    pub changed: Vec<(SourceRef, SourceRef)>,
    /// Booked, and no longer planned in this slot.
    pub removed: Vec<SourceRef>,
}

impl SlotItems {
    pub(super) fn new(booked: &BTreeMap<(ItemKind, String), i64>, planned: Vec<SourceRef>) -> SlotItems {
        let late: Vec<SourceRef> =
            planned.iter().filter(|s| !booked.contains_key(&(s.kind, s.id.clone()))).cloned().collect();
        let changed: Vec<(SourceRef, SourceRef)> = planned
            .iter()
            .filter_map(|s| {
                let version = *booked.get(&(s.kind, s.id.clone()))?;
                (version != s.version).then(|| (SourceRef { version, ..s.clone() }, s.clone()))
            })
            .collect();
        let removed: Vec<SourceRef> = booked
            .iter()
            .filter(|((kind, id), _)| !planned.iter().any(|s| s.kind == *kind && &s.id == id))
            .map(|((kind, id), version)| SourceRef { kind: *kind, id: id.clone(), version: *version })
            .collect();
        SlotItems { planned, late, changed, removed }
    }
}

pub(super) fn drift(
    slot: &Slot,
    corrected: &RecordedEntry,
    changed: Vec<(SourceRef, SourceRef)>,
    removed: Vec<SourceRef>,
    entry: &BalancedEntry,
    reclass: bool,
    booked_then_now: Option<(Decimal, Decimal)>,
) -> SlotDrift {
    SlotDrift {
        slot: slot.clone(),
        corrected_key: corrected.key.clone(),
        corrected_doc_number: corrected.doc_number.clone(),
        changed,
        removed,
        adjustment_total: format_amount(entry.total()),
        reclass,
        booked_then_now: booked_then_now.map(|(then, now)| (format_amount(then), format_amount(now))),
    }
}

/// An entry's total (the sum of its debits); nothing planned books zero.
pub(super) fn total_of(entry: Option<&BalancedEntry>) -> Decimal {
    entry.map_or(Decimal::ZERO, BalancedEntry::total)
}

/// What signed lines book together: netted by account, the sum of the debits left (an entry and
/// its adjustments, read as one).
pub(super) fn net_debits<'a>(lines: impl IntoIterator<Item = &'a (AccountName, Decimal)>) -> Decimal {
    let mut net: BTreeMap<&AccountName, Decimal> = BTreeMap::new();
    for (account, amount) in lines {
        *net.entry(account).or_default() += *amount;
    }
    net.into_values().filter(|a| *a > Decimal::ZERO).sum()
}

pub(super) fn signed_lines(entry: &BalancedEntry) -> Vec<(AccountName, Decimal)> {
    entry
        .lines()
        .iter()
        .map(|line| match line.side() {
            Side::Debit => (line.account().clone(), line.amount()),
            Side::Credit => (line.account().clone(), -line.amount()),
        })
        .collect()
}

pub(super) fn add(
    sums: &mut Sums,
    lines: Vec<(AccountName, Decimal)>,
    sign: Decimal,
    corrected: &RecordedEntry,
) -> Result<(), RecordError> {
    for (account, amount) in lines {
        let sum = sums.entry(account).or_default();
        *sum = sum.checked_add(amount * sign).ok_or_else(|| RecordError::Corrupt {
            key: corrected.key.clone(),
            message: "the correction's sums overflow".into(),
        })?;
    }
    Ok(())
}

/// An `adjustment` correcting `corrected` by `sums`, dated on its date; `None` when every sum is
/// zero. Its key is anchored on the corrected document number (`Numbers::identify` gives the seq
/// and its own document number).
pub(super) fn correcting_entry(
    ctx: &Ctx<'_>,
    corrected: &RecordedEntry,
    currency: Currency,
    sums: Sums,
    description: &str,
    sources: Vec<String>,
) -> Result<Option<BalancedEntry>, RecordError> {
    let lines: Vec<(AccountName, Side, Decimal, String)> = sums
        .into_iter()
        .filter(|(_, sum)| !sum.is_zero())
        .map(|(account, sum)| {
            let side = if sum > Decimal::ZERO { Side::Debit } else { Side::Credit };
            (account, side, sum.abs(), description.to_owned())
        })
        .collect();
    if lines.is_empty() {
        return Ok(None);
    }
    let corrupt = |message: String| RecordError::Corrupt { key: corrected.key.clone(), message };
    let date = corrected.date;
    let post_month = PostMonth::new(date.year(), date.month())
        .ok_or_else(|| corrupt(format!("no post month for {date}")))?;
    let property = ctx.property.clone();
    let header = EntryHeader {
        key: EntryKey::new(&property, JournalKind::Adjustment, &corrected.doc_number, 1),
        doc_number: DocNumber::new(corrected.doc_number.clone()).map_err(|e| corrupt(e.to_string()))?,
        property_id: property,
        kind: JournalKind::Adjustment,
        date,
        post_month,
        currency,
        sources,
    };
    BalancedEntry::new(header, lines).map(Some).map_err(|e| corrupt(e.to_string()))
}

/// `chg_1 changed, chg_7 gone` (at most five ids, then how many more).
pub(super) fn describe(changed: &[(SourceRef, SourceRef)], removed: &[SourceRef]) -> String {
    let mut parts: Vec<String> = changed.iter().map(|(_, now)| format!("{} changed", now.id)).collect();
    parts.extend(removed.iter().map(|s| format!("{} gone", s.id)));
    let shown = parts.len().min(5);
    let mut text = parts[..shown].join(", ");
    if parts.len() > shown {
        text.push_str(&format!(" and {} more", parts.len() - shown));
    }
    text
}
