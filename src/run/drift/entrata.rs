//! The Entrata and state-file sides of one property: tonight's plan from the last pull (exactly as
//! `plan` and `run` make it), reconciled with what is recorded (`posting::reconcile`, as `run`
//! does, written nowhere), the recorded entries with their postings, and, for each item that
//! changed under a posted entry, its amount then and now.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use rust_decimal::Decimal;

use super::DriftError;
use crate::domain::{ArCode, ArCodeDef, Exception, ItemKind, PostMonth, Property, PropertyId};
use crate::drift::{EntrataChange, EntrataChangeKind, PropertySides, RecordedBody};
use crate::journal::identity::DocNumbering;
use crate::journal::{PlanError, PropertyLedger, plan_property};
use crate::mapping::MappingSet;
use crate::posting::{Change, PlannedEntry, RecordedEntry, SlotDrift, SourceRef, reconcile};
use crate::run::plan::{Items, load_items};
use crate::run::record::{SubLedger, resolve_sources};
use crate::source::convert::{Item, reconvert};
use crate::state::StateFile;

/// What an item is now, as far as the drift report needs it.
#[derive(Debug, Clone, Copy)]
struct ItemNow {
    amount: Decimal,
    deleted: bool,
    month: PostMonth,
}

/// The blocking part's answer.
struct Planned {
    sides: PropertySides,
    drifts: Vec<SlotDrift>,
    now: HashMap<(ItemKind, String), ItemNow>,
}

/// One property's Entrata and state-file sides.
pub(super) async fn property_sides(
    state: &StateFile,
    mappings: &Arc<MappingSet>,
    ar_codes: &Arc<BTreeMap<ArCode, ArCodeDef>>,
    property: Property,
    doc_property: String,
    use_forms: bool,
) -> Result<PropertySides, DriftError> {
    let id = property.id.as_str().to_owned();
    let items = load_items(state, &id, use_forms).await.map_err(DriftError::entrata)?;
    let versions = state.current_versions(&id).await?;
    let recorded = state.recorded_entries(&id).await?;
    let bodies = state.recorded_bodies(&id).await?;
    let mappings = Arc::clone(mappings);
    let ar_codes = Arc::clone(ar_codes);
    let planned = crate::blocking::run(move || {
        plan(&items, &property, &mappings, &ar_codes, &doc_property, &versions, &recorded, bodies)
    })
    .await
    .map_err(|e| DriftError::Entrata(format!("planning task failed: {e}")))??;
    let Planned { mut sides, drifts, now } = planned;
    for drift in drifts {
        for (was, current) in &drift.changed {
            let then = amount_of_version(state, &id, was).await?;
            let item = now.get(&(current.kind, current.id.clone()));
            sides.entrata_changes.push(EntrataChange {
                kind: EntrataChangeKind::Changed,
                source_id: was.id.clone(),
                corrected_key: drift.corrected_key.clone(),
                post_month: None,
                recorded_amount: then,
                current_amount: item.map(|i| i.amount),
                note: format!(
                    "{} {} changed in Entrata after it was posted (version {} posted, {} now)",
                    was.kind, was.id, was.version, current.version
                ),
            });
        }
        for was in &drift.removed {
            let then = amount_of_version(state, &id, was).await?;
            let item = now.get(&(was.kind, was.id.clone())).copied();
            let (kind, current, note) = match item {
                Some(i) if !i.deleted => (
                    EntrataChangeKind::Changed,
                    Some(i.amount),
                    format!(
                        "{} {} is no longer planned in this entry (now in post month {}, another entry, or held)",
                        was.kind, was.id, i.month
                    ),
                ),
                _ => (
                    EntrataChangeKind::Deleted,
                    None,
                    format!("{} {} was deleted in Entrata after it was posted", was.kind, was.id),
                ),
            };
            sides.entrata_changes.push(EntrataChange {
                kind,
                source_id: was.id.clone(),
                corrected_key: drift.corrected_key.clone(),
                post_month: None,
                recorded_amount: then,
                current_amount: current,
                note,
            });
        }
    }
    Ok(sides)
}

#[allow(clippy::too_many_arguments)]
fn plan(
    items: &Items,
    property: &Property,
    mappings: &MappingSet,
    ar_codes: &BTreeMap<ArCode, ArCodeDef>,
    doc_property: &str,
    versions: &HashMap<(ItemKind, String), i64>,
    recorded: &[RecordedEntry],
    bodies: Vec<RecordedBody>,
) -> Result<Planned, DriftError> {
    let mapping = mappings.for_property(&property.id);
    let ledger = PropertyLedger {
        property,
        ar_codes,
        leases: &items.leases,
        charges: &items.charges,
        payments: &items.payments,
        deposits: &items.deposits,
    };
    let plan = plan_property(&ledger, mapping, doc_property).map_err(DriftError::entrata)?;
    let planned = plan
        .entries
        .into_iter()
        .map(|entry| Ok(PlannedEntry { sources: resolve_sources(&entry, versions)?, entry }))
        .collect::<Result<Vec<_>, crate::run::record::RecordRunError>>()
        .map_err(DriftError::entrata)?;
    let numbering = DocNumbering::new(&mapping.journal.doc_prefix, doc_property)
        .map_err(|_| {
            DriftError::entrata(PlanError::BadDocParts {
                property: property.id.clone(),
                doc_prefix: mapping.journal.doc_prefix.clone(),
                doc_property: doc_property.to_owned(),
            })
        })?;
    let mut replan = SubLedger { items, property, mappings, ar_codes, doc_property };
    let reconciled = reconcile(&property.id, planned.clone(), recorded, &numbering, &mut replan)
        .map_err(DriftError::entrata)?;
    let now = items_now(items);
    let month_of = |id: &str| {
        [ItemKind::Charge, ItemKind::Payment, ItemKind::Deposit]
            .iter()
            .find_map(|kind| now.get(&(*kind, id.to_owned())))
            .map(|i| i.month)
    };
    let mut exceptions: Vec<(Exception, Option<PostMonth>)> =
        items.invalid.iter().map(|x| (x.clone(), month_of(&x.source_id))).collect();
    exceptions.extend(plan.exceptions.into_iter().map(|x| {
        let month = month_of(&x.source_id);
        (x, month)
    }));
    let not_recorded = reconciled
        .changes
        .into_iter()
        .filter_map(|c| match c {
            Change::Record(content) => Some(content.entry),
            Change::Rewrite(_) | Change::Withdraw { .. } => None,
        })
        .collect();
    let accounts = mapping.accounts.iter().map(|(name, refs)| (name.to_string(), refs.clone())).collect();
    let sides = PropertySides {
        property_id: property.id.to_string(),
        currency: property.currency.as_str().to_owned(),
        accounts,
        planned,
        not_recorded,
        exceptions,
        entrata_changes: Vec::new(),
        recorded: bodies,
    };
    Ok(Planned { sides, drifts: reconciled.drifts, now })
}

fn items_now(items: &Items) -> HashMap<(ItemKind, String), ItemNow> {
    use crate::domain::{ChargeStatus, DepositStatus, PaymentStatus};
    let mut now = HashMap::with_capacity(items.charges.len() + items.payments.len() + items.deposits.len());
    for c in &items.charges {
        let item = ItemNow { amount: c.amount.amount(), deleted: c.status == ChargeStatus::Deleted, month: c.post_month };
        now.insert((ItemKind::Charge, c.id.to_string()), item);
    }
    for p in &items.payments {
        let item =
            ItemNow { amount: p.amount.amount(), deleted: p.status == PaymentStatus::Deleted, month: p.post_month };
        now.insert((ItemKind::Payment, p.id.to_string()), item);
    }
    for d in &items.deposits {
        let item =
            ItemNow { amount: d.amount.amount(), deleted: d.status == DepositStatus::Deleted, month: d.post_month };
        now.insert((ItemKind::Deposit, d.id.to_string()), item);
    }
    now
}

/// An item's amount in one of its stored versions (`None` when it cannot be read).
async fn amount_of_version(state: &StateFile, property: &str, source: &SourceRef) -> Result<Option<Decimal>, DriftError> {
    let versions = state.item_versions(source.kind, &source.id).await?;
    let Some((_, raw)) = versions.into_iter().find(|(v, _)| *v == source.version) else { return Ok(None) };
    Ok(match reconvert(source.kind, &raw, None, Some(property)) {
        Ok(Item::Charge(c)) => Some(c.amount.amount()),
        Ok(Item::Payment(p)) => Some(p.amount.amount()),
        Ok(Item::Deposit(d)) => Some(d.amount.amount()),
        _ => None,
    })
}

/// Properties chosen by `--property` (all when empty), as `PropertyId`s.
pub(super) fn chosen(ids: &[String]) -> Vec<PropertyId> {
    ids.iter().map(|id| PropertyId::new(id.as_str())).collect()
}
