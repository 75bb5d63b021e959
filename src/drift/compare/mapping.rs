//! Entries posted under an earlier mapping. For a posted slot whose source items are exactly the
//! versions recorded, tonight's plan of the slot can differ from the recorded lines only because
//! the mapping files changed since: per logical account, the amount that would move is reported.
//! (A slot whose items changed is an Entrata finding instead; a slot no target holds yet is
//! simply recorded again, under its own identity, by the next run.)

use std::collections::{BTreeMap, HashMap};

use rust_decimal::Decimal;

use super::{PropertySides, RecordedBody};
use crate::domain::format_amount;
use crate::drift::{Finding, FindingKind, signed};
use crate::journal::JournalKind;
use crate::posting::{Slot, SourceRef};

pub(super) fn earlier_mapping(sides: &PropertySides, out: &mut Vec<Finding>) {
    let mut by_slot: HashMap<&Slot, Vec<&RecordedBody>> = HashMap::new();
    for entry in sides.recorded.iter().filter(|e| e.kind != JournalKind::Adjustment) {
        by_slot.entry(&entry.slot).or_default().push(entry);
    }
    for plan in &sides.planned {
        let slot = Slot::of(&plan.entry);
        let Some(entries) = by_slot.get_mut(&slot) else { continue };
        if entries.iter().any(|e| !e.frozen()) {
            continue;
        }
        entries.sort_by(|a, b| a.key.cmp(&b.key));
        let mut recorded_sources: Vec<&SourceRef> = entries.iter().flat_map(|e| &e.sources).collect();
        recorded_sources.sort();
        let mut planned_sources: Vec<&SourceRef> = plan.sources.iter().collect();
        planned_sources.sort();
        if recorded_sources != planned_sources {
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
        for account in accounts {
            let (was, will) = (
                posted.get(account).copied().unwrap_or_default(),
                now.get(account).copied().unwrap_or_default(),
            );
            if was == will {
                continue;
            }
            let mut finding = sides.entry_finding(FindingKind::PostedUnderEarlierMapping, entries[0]);
            finding.source_ids = plan.sources.iter().map(|s| s.id.clone()).collect();
            finding.account = Some(account.to_owned());
            finding.recorded = Some(was);
            finding.entrata = Some(will);
            finding.difference = will - was;
            finding.message = format!(
                "posted with {} on `{account}` (net debit − credit); tonight's mapping would book {}: the items \
                 are unchanged, so the mapping files changed since",
                format_amount(was),
                format_amount(will)
            );
            out.push(finding);
        }
    }
}
