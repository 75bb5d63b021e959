//! Entries posted under an earlier mapping. For a posted slot whose source items are exactly the
//! versions its posted entries book (adjustments and reclassifications included), tonight's plan
//! of the slot can differ from their lines only because the mapping files changed since: per
//! logical account, the amount that would move is reported. (A slot whose items changed is an
//! Entrata finding instead; a slot no target holds yet is simply recorded again, under its own
//! identity, by the next run.)

use std::collections::{BTreeMap, HashMap};

use rust_decimal::Decimal;

use super::{PropertySides, RecordedBody};
use crate::domain::ItemKind;
use crate::domain::format_amount;
use crate::drift::{Finding, FindingKind, signed};
use crate::journal::JournalKind;
use crate::posting::Slot;

pub(super) fn earlier_mapping(sides: &PropertySides, out: &mut Vec<Finding>) {
    let mut by_slot: HashMap<&Slot, Vec<&RecordedBody>> = HashMap::new();
    for entry in &sides.recorded {
        by_slot.entry(&entry.slot).or_default().push(entry);
    }
    for plan in &sides.planned {
        let slot = Slot::of(&plan.entry);
        let Some(entries) = by_slot.get_mut(&slot) else { continue };
        if entries.iter().any(|e| !e.frozen()) {
            continue;
        }
        entries.sort_by_key(|e| e.order);
        let mut planned: Vec<(ItemKind, &str, i64)> =
            plan.sources.iter().map(|s| (s.kind, s.id.as_str(), s.version)).collect();
        planned.sort_unstable();
        if booked(entries) != planned {
            continue;
        }
        let mut posted: BTreeMap<&str, Decimal> = BTreeMap::new();
        for (account, side, amount) in entries.iter().flat_map(|e| &e.lines) {
            *posted.entry(account.as_str()).or_default() += signed(*side, *amount);
        }
        let mut now: BTreeMap<&str, Decimal> = BTreeMap::new();
        for line in plan.entry.lines() {
            *now.entry(line.account().as_str()).or_default() += signed(line.side(), line.amount());
        }
        posted.retain(|_, v| !v.is_zero());
        now.retain(|_, v| !v.is_zero());
        if posted == now {
            continue;
        }
        let mut accounts: Vec<&str> = posted.keys().chain(now.keys()).copied().collect();
        accounts.sort_unstable();
        accounts.dedup();
        let first = entries.iter().find(|e| e.kind != JournalKind::Adjustment).unwrap_or(&entries[0]);
        for account in accounts {
            let was = posted.get(account).copied().unwrap_or_default();
            let will = now.get(account).copied().unwrap_or_default();
            if was == will {
                continue;
            }
            let mut finding = sides.entry_finding(FindingKind::PostedUnderEarlierMapping, first);
            finding.source_ids = plan.sources.iter().map(|s| s.id.clone()).collect();
            finding.account = Some(account.to_owned());
            finding.recorded = Some(was);
            finding.entrata = Some(will);
            finding.difference = will - was;
            finding.message = format!(
                "posted with {} on `{account}` (net debit − credit); tonight's mapping would book {}: the items \
                 are as posted, so the mapping files changed since (`post --reclass {}` moves the difference)",
                format_amount(was),
                format_amount(will),
                first.post_month
            );
            out.push(finding);
        }
    }
}

/// The item versions a slot's posted entries book, folded in recording order: a later entry's
/// version supersedes an earlier one's, a negative version (an adjustment that reversed the item
/// out) removes it. As `posting::record` folds them.
fn booked<'a>(entries: &[&'a RecordedBody]) -> Vec<(ItemKind, &'a str, i64)> {
    let mut booked: BTreeMap<(ItemKind, &'a str), i64> = BTreeMap::new();
    for source in entries.iter().flat_map(|e| &e.sources) {
        if source.version > 0 {
            booked.insert((source.kind, source.id.as_str()), source.version);
        } else {
            booked.remove(&(source.kind, source.id.as_str()));
        }
    }
    booked.into_iter().map(|((kind, id), version)| (kind, id, version)).collect()
}
