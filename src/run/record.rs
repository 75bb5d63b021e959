//! Recording tonight's plan for posting (`posting::record`), property by property: plan from the
//! state file exactly as `plan` does, resolve each entry's sources to the item versions it was
//! planned from, reconcile with what is recorded, and write the changes in one transaction per
//! property.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use crate::domain::{ArCode, ArCodeDef, Exception, ItemKind, Property, PropertyId};
use crate::journal::identity::DocNumbering;
use crate::journal::{BalancedEntry, JournalKind, PlanError, PropertyLedger, plan_property};
use crate::mapping::MappingSet;
use crate::posting::record::RecordError;
use crate::posting::{Change, PlannedEntry, RecordedEntry, Replan, Slot, SlotDrift, SourceRef, reconcile};
use crate::run::plan::{Items, PlanRequest, PlanRunError, Prepared, load_items, prepare};
use crate::state::{StateError, StateFile};

#[derive(Debug, thiserror::Error)]
pub enum RecordRunError {
    #[error(transparent)]
    Plan(#[from] PlanRunError),
    #[error(transparent)]
    State(#[from] StateError),
    #[error(transparent)]
    Record(#[from] RecordError),
    #[error("property {property}: entry {key} names {id}, which is not among the property's current items")]
    UnknownSource { property: String, key: String, id: String },
    #[error("recording task failed: {0}")]
    Task(String),
}

impl From<PlanError> for RecordRunError {
    fn from(e: PlanError) -> RecordRunError {
        RecordRunError::Plan(PlanRunError::Plan(e))
    }
}

/// What recording did (or, dry, would do).
#[derive(Debug, Clone, Default)]
pub struct RecordSummary {
    pub planned: usize,
    pub recorded: usize,
    pub rewritten: usize,
    pub withdrawn: usize,
    pub unchanged: usize,
    /// Slots a target holds whose items changed since: pending adjustments.
    pub drifts: Vec<(PropertyId, SlotDrift)>,
    /// The plan's exceptions (held items and findings), as `plan` reports them.
    pub exceptions: Vec<Exception>,
}

/// Records the plan of every property. With `dry_run`, decides but writes nothing.
pub async fn record(
    state: &StateFile,
    mappings: &Arc<MappingSet>,
    dry_run: bool,
) -> Result<RecordSummary, RecordRunError> {
    let Prepared { exceptions, ar_codes, chosen, use_forms } =
        prepare(state, mappings, &PlanRequest::default()).await?;
    let mut summary = RecordSummary { exceptions, ..RecordSummary::default() };
    for (property, doc_property) in chosen {
        let id = property.id.as_str().to_owned();
        let items = load_items(state, &id, use_forms).await?;
        let versions = state.current_versions(&id).await?;
        let recorded = state.recorded_entries(&id).await?;
        let mappings = Arc::clone(mappings);
        let ar_codes = Arc::clone(&ar_codes);
        let outcome = crate::blocking::run(move || {
            record_property(&items, &property, &mappings, &ar_codes, &doc_property, &versions, &recorded)
        })
        .await
        .map_err(|e| RecordRunError::Task(e.to_string()))??;
        if !dry_run {
            state.apply_record(&id, &outcome.changes).await?;
        }
        summary.planned += outcome.planned;
        summary.unchanged += outcome.unchanged;
        for change in &outcome.changes {
            match change {
                Change::Record(_) => summary.recorded += 1,
                Change::Rewrite(_) => summary.rewritten += 1,
                Change::Withdraw { .. } => summary.withdrawn += 1,
            }
        }
        let property_id = PropertyId::new(id.as_str());
        summary.drifts.extend(outcome.drifts.into_iter().map(|d| (property_id.clone(), d)));
        summary.exceptions.extend(outcome.exceptions);
    }
    Ok(summary)
}

struct PropertyOutcome {
    planned: usize,
    unchanged: usize,
    changes: Vec<Change>,
    drifts: Vec<SlotDrift>,
    exceptions: Vec<Exception>,
}

fn record_property(
    items: &Items,
    property: &Property,
    mappings: &MappingSet,
    ar_codes: &BTreeMap<ArCode, ArCodeDef>,
    doc_property: &str,
    versions: &HashMap<(ItemKind, String), i64>,
    recorded: &[RecordedEntry],
) -> Result<PropertyOutcome, RecordRunError> {
    let mapping = mappings.for_property(&property.id);
    let ledger = PropertyLedger {
        property,
        ar_codes,
        leases: &items.leases,
        charges: &items.charges,
        payments: &items.payments,
        deposits: &items.deposits,
    };
    let plan = plan_property(&ledger, mapping, doc_property)?;
    let mut exceptions = items.invalid.clone();
    exceptions.extend(plan.exceptions);
    let planned_count = plan.entries.len();
    let planned = plan
        .entries
        .into_iter()
        .map(|entry| {
            let sources = resolve_sources(&entry, versions)?;
            Ok(PlannedEntry { entry, sources })
        })
        .collect::<Result<Vec<_>, RecordRunError>>()?;
    let numbering =
        DocNumbering::new(&mapping.journal.doc_prefix, doc_property).map_err(|_| PlanError::BadDocParts {
            property: property.id.clone(),
            doc_prefix: mapping.journal.doc_prefix.clone(),
            doc_property: doc_property.to_owned(),
        })?;
    let mut replan = SubLedger { items, property, mappings, ar_codes, doc_property };
    let reconciled = reconcile(&property.id, planned, recorded, &numbering, &mut replan)?;
    Ok(PropertyOutcome {
        planned: planned_count,
        unchanged: reconciled.unchanged,
        changes: reconciled.changes,
        drifts: reconciled.drifts,
        exceptions,
    })
}

/// The item kinds an entry of `kind` names, in the order an id is looked for.
fn source_kinds(kind: JournalKind) -> &'static [ItemKind] {
    match kind {
        JournalKind::Charges | JournalKind::Recognition => &[ItemKind::Charge],
        JournalKind::Payments => &[ItemKind::Payment],
        JournalKind::Deposit | JournalKind::Return => &[ItemKind::Deposit, ItemKind::Payment],
        JournalKind::Adjustment => &[ItemKind::Charge, ItemKind::Payment, ItemKind::Deposit],
    }
}

pub(crate) fn resolve_sources(
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

/// Plans a few items alone (with what they need to be planned: a deposit's payments, a returned
/// payment's deposit) and returns one slot's entry. Context items never reach the slot: a
/// deposit's entry is its own slot, and a payment's capture or return is never a deposit's.
pub(crate) struct SubLedger<'a> {
    pub(crate) items: &'a Items,
    pub(crate) property: &'a Property,
    pub(crate) mappings: &'a MappingSet,
    pub(crate) ar_codes: &'a BTreeMap<ArCode, ArCodeDef>,
    pub(crate) doc_property: &'a str,
}

impl Replan for SubLedger<'_> {
    fn slot_entry(&mut self, slot: &Slot, sources: &[SourceRef]) -> Result<Option<BalancedEntry>, PlanError> {
        let wanted = |kind: ItemKind| -> Vec<&str> {
            sources.iter().filter(|s| s.kind == kind).map(|s| s.id.as_str()).collect()
        };
        let (charge_ids, payment_ids, deposit_ids) =
            (wanted(ItemKind::Charge), wanted(ItemKind::Payment), wanted(ItemKind::Deposit));
        let charges: Vec<_> =
            self.items.charges.iter().filter(|c| charge_ids.contains(&c.id.as_str())).cloned().collect();
        let deposits: Vec<_> =
            self.items
                .deposits
                .iter()
                .filter(|d| {
                    deposit_ids.contains(&d.id.as_str())
                        || self.items.payments.iter().any(|p| {
                            payment_ids.contains(&p.id.as_str()) && p.deposit_id.as_ref() == Some(&d.id)
                        })
                })
                .cloned()
                .collect();
        let payments: Vec<_> = self
            .items
            .payments
            .iter()
            .filter(|p| {
                payment_ids.contains(&p.id.as_str())
                    || deposits
                        .iter()
                        .any(|d| deposit_ids.contains(&d.id.as_str()) && d.payment_ids.contains(&p.id))
            })
            .cloned()
            .collect();
        let ledger = PropertyLedger {
            property: self.property,
            ar_codes: self.ar_codes,
            leases: &self.items.leases,
            charges: &charges,
            payments: &payments,
            deposits: &deposits,
        };
        let plan = plan_property(&ledger, self.mappings.for_property(&self.property.id), self.doc_property)?;
        Ok(plan.entries.into_iter().find(|e| &Slot::of(e) == slot))
    }
}
