//! Planning a few item versions on their own (`SubLedger`, what `posting::record` replans an
//! adjustment's versions with), and naming the item versions an entry books (`resolve_sources`).

use std::collections::{BTreeMap, HashMap};

use super::{Context, RecordRunError};
use crate::domain::{ArCode, ArCodeDef, Deposit, Exception, ItemKind, Payment, Property};
use crate::journal::{BalancedEntry, JournalKind, PlanError, PropertyLedger, plan_property};
use crate::mapping::MappingSet;
use crate::posting::{Replan, Slot, SourceRef};
use crate::source::convert::Item;

/// The item kinds an entry of `kind` names, in the order an id is looked for.
fn source_kinds(kind: JournalKind) -> &'static [ItemKind] {
    match kind {
        JournalKind::Charges | JournalKind::Recognition => &[ItemKind::Charge],
        JournalKind::Payments => &[ItemKind::Payment],
        JournalKind::Deposit | JournalKind::Return => &[ItemKind::Deposit, ItemKind::Payment],
        JournalKind::Adjustment => &[ItemKind::Charge, ItemKind::Payment, ItemKind::Deposit],
    }
}

pub(super) fn resolve_sources(
    entry: &BalancedEntry,
    versions: &HashMap<(ItemKind, String), i64>,
) -> Result<Vec<SourceRef>, RecordRunError> {
    entry
        .sources()
        .iter()
        .map(|id| {
            source_kinds(entry.kind())
                .iter()
                .find_map(|kind| {
                    versions.get(&(*kind, id.clone())).map(|version| SourceRef {
                        kind: *kind,
                        id: id.clone(),
                        version: *version,
                    })
                })
                .ok_or_else(|| RecordRunError::UnknownSource {
                    property: entry.property_id().to_string(),
                    key: entry.key().to_string(),
                    id: id.clone(),
                })
        })
        .collect()
}

/// Plans a few item versions alone (with what they need to be planned: a deposit's payments, a
/// returned payment's deposit, at their current versions) and returns one slot's entry. Context
/// items never reach the slot: a deposit's entry is its own slot, and a payment's capture or return
/// is never a deposit's.
pub(super) struct SubLedger<'a> {
    pub(super) context: Context<'a>,
    pub(super) property: &'a Property,
    pub(super) mappings: &'a MappingSet,
    pub(super) ar_codes: &'a BTreeMap<ArCode, ArCodeDef>,
    pub(super) doc_property: &'a str,
}

impl SubLedger<'_> {
    /// The wanted versions of one kind: current ones from the ledger, earlier ones from `earlier`.
    fn pick<T: Clone>(
        &self,
        sources: &[SourceRef],
        kind: ItemKind,
        current: &[T],
        id_of: impl Fn(&T) -> &str,
        from_item: impl Fn(&Item) -> Option<&T>,
    ) -> Vec<T> {
        let mut picked = Vec::new();
        for source in sources.iter().filter(|s| s.kind == kind) {
            let version = source.version.abs();
            if self.context.versions.get(&(kind, source.id.clone())) == Some(&version) {
                picked.extend(current.iter().filter(|item| id_of(item) == source.id).cloned());
            } else if let Some(item) =
                self.context.earlier.items.get(&(kind, source.id.clone(), version)).and_then(&from_item)
            {
                picked.push(item.clone());
            }
        }
        picked
    }
}

impl Replan for SubLedger<'_> {
    fn slot_entry(&mut self, slot: &Slot, sources: &[SourceRef]) -> Result<Option<BalancedEntry>, PlanError> {
        Ok(self.plan(slot, sources)?.0)
    }

    fn cannot_plan(
        &mut self,
        slot: &Slot,
        sources: &[SourceRef],
    ) -> Result<Vec<(String, String)>, PlanError> {
        let unconvertible: Vec<(String, String)> = sources
            .iter()
            .filter_map(|s| {
                let key = (s.kind, s.id.clone(), s.version.abs());
                self.context.earlier.unconvertible.get(&key).map(|why| (s.id.clone(), why.clone()))
            })
            .collect();
        if !unconvertible.is_empty() {
            return Ok(unconvertible);
        }
        // Planned again, a version the current mapping holds (or the slot's own item, a deposit
        // or a returned payment, held with it) would be left out of what it booked.
        let anchor = slot.as_str().split('/').nth(1).unwrap_or_default();
        let (_, exceptions) = self.plan(slot, sources)?;
        Ok(exceptions
            .into_iter()
            .filter(|x| x.kind.holds_item())
            .filter(|x| x.source_id == anchor || sources.iter().any(|s| s.id == x.source_id))
            .map(|x| (x.source_id, x.message))
            .collect())
    }
}

impl SubLedger<'_> {
    /// The slot's entry planned from `sources` alone (with their context), and the exceptions.
    fn plan(
        &self,
        slot: &Slot,
        sources: &[SourceRef],
    ) -> Result<(Option<BalancedEntry>, Vec<Exception>), PlanError> {
        let items = self.context.items;
        let charges = self.pick(
            sources,
            ItemKind::Charge,
            &items.charges,
            |c| c.id.as_str(),
            |i| match i {
                Item::Charge(c) => Some(c),
                _ => None,
            },
        );
        let mut payments = self.pick(
            sources,
            ItemKind::Payment,
            &items.payments,
            |p| p.id.as_str(),
            |i| match i {
                Item::Payment(p) => Some(p),
                _ => None,
            },
        );
        let mut deposits = self.pick(
            sources,
            ItemKind::Deposit,
            &items.deposits,
            |d| d.id.as_str(),
            |i| match i {
                Item::Deposit(d) => Some(d),
                _ => None,
            },
        );
        // Context at current versions: a payment's deposit, a deposit's payments.
        let wanted_deposits: Vec<&str> =
            payments.iter().filter_map(|p| p.deposit_id.as_ref().map(|d| d.as_str())).collect();
        let context_deposits: Vec<_> = items
            .deposits
            .iter()
            .filter(|d| wanted_deposits.contains(&d.id.as_str()) && !deposits.iter().any(|e| e.id == d.id))
            .cloned()
            .collect();
        // A deposit slot's entry is the deposit with every payment it lists: a payment changed alone
        // (its method, so its clearing account) is planned with the deposit it is in and that
        // deposit's other payments, or the deposit would be a mismatch and the change lost. Other
        // slots take only the picked deposits' payments, whose captures could share the slot.
        let listing: Vec<&Deposit> = match slot.is_of(JournalKind::Deposit) {
            true => deposits.iter().chain(&context_deposits).collect(),
            false => deposits.iter().collect(),
        };
        let listed: Vec<&str> =
            listing.iter().flat_map(|d| d.payment_ids.iter().map(|p| p.as_str())).collect();
        // And the payments that name a picked deposit, listed or not: a return's slot has the
        // deposit among its sources because the deposit says whether the money came back from the
        // bank or from clearing, so a deposit changed alone is planned with the payment it decides
        // for (their captures are `payments` entries, never this slot's).
        let named = |p: &Payment| p.deposit_id.as_ref().is_some_and(|d| deposits.iter().any(|e| &e.id == d));
        let context_payments: Vec<_> = items
            .payments
            .iter()
            .filter(|p| {
                (listed.contains(&p.id.as_str()) || named(p)) && !payments.iter().any(|q| q.id == p.id)
            })
            .cloned()
            .collect();
        payments.extend(context_payments);
        deposits.extend(context_deposits);
        let ledger = PropertyLedger {
            property: self.property,
            ar_codes: self.ar_codes,
            leases: &items.leases,
            charges: &charges,
            payments: &payments,
            deposits: &deposits,
        };
        let plan = plan_property(&ledger, self.mappings.for_property(&self.property.id), self.doc_property)?;
        Ok((plan.entries.into_iter().find(|e| &Slot::of(e) == slot), plan.exceptions))
    }
}
