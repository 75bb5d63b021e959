//! Recording tonight's plan for posting (`posting::record`), property by property: plan from the
//! state file exactly as `plan` does, resolve each entry's sources to the item versions it was
//! planned from, reconcile with what is recorded, and write the changes in one transaction per
//! property.

mod holds;
mod ledger;
mod standing;

pub use holds::held_adjustments;
use ledger::{SubLedger, resolve_sources};
pub use standing::{Standing, standing};

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use crate::domain::{ArCode, ArCodeDef, Exception, ItemKind, PostMonth, Property, PropertyId};
use crate::journal::identity::DocNumbering;
use crate::journal::{PlanError, PropertyLedger, plan_property};
use crate::mapping::MappingSet;
use crate::posting::record::RecordError;
use crate::posting::record::{lines_needed, reconcile_with};
use crate::posting::{Change, PlannedEntry, RecordedEntry, SlotDrift};
use crate::run::plan::{Items, PlanRequest, PlanRunError, Prepared, load_items, prepare};
use crate::source::convert::{Item, reconvert};
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
    /// Slots a target holds whose items changed since, with the adjustment recorded for each.
    pub drifts: Vec<(PropertyId, SlotDrift)>,
    /// The plan's exceptions (held items and findings), as `plan` reports them.
    pub exceptions: Vec<Exception>,
    /// A dry run's entries that would be recorded or rewritten (no target holds any of them), and
    /// the keys that would be withdrawn: what `--dry-run` would post is the outbox changed so.
    pub would_record: Vec<crate::journal::BalancedEntry>,
    pub would_withdraw: Vec<String>,
    /// The exceptions (kind, Entrata id) not waiting before this run: what the screen calls new.
    pub new_exceptions: std::collections::BTreeSet<crate::state::ExceptionKey>,
}

/// What recording does besides recording the plan.
#[derive(Debug, Clone, Copy, Default)]
pub struct RecordOptions {
    /// Decide, write nothing.
    pub dry_run: bool,
    /// Also reclassify this month's posted entries the current mapping books elsewhere.
    pub reclass: Option<PostMonth>,
}

/// Records the plan of every property. With `dry_run`, decides but writes nothing.
pub async fn record(
    state: &StateFile,
    mappings: &Arc<MappingSet>,
    dry_run: bool,
) -> Result<RecordSummary, RecordRunError> {
    record_with(state, mappings, RecordOptions { dry_run, reclass: None }).await
}

pub async fn record_with(
    state: &StateFile,
    mappings: &Arc<MappingSet>,
    options: RecordOptions,
) -> Result<RecordSummary, RecordRunError> {
    let RecordOptions { dry_run, reclass } = options;
    let Prepared { exceptions, ar_codes, chosen, use_forms } =
        prepare(state, mappings, &PlanRequest::default()).await?;
    let mut summary = RecordSummary { exceptions, ..RecordSummary::default() };
    let recorded_properties: Vec<String> = chosen.iter().map(|(p, _)| p.id.as_str().to_owned()).collect();
    for (property, doc_property) in chosen {
        let id = property.id.as_str().to_owned();
        let items = load_items(state, &id, use_forms).await?;
        let versions = state.current_versions(&id).await?;
        let recorded = recorded_entries(state, &id, reclass).await?;
        let earlier = earlier_versions(state, &id, &recorded, &versions).await?;
        let mappings = Arc::clone(mappings);
        let ar_codes = Arc::clone(&ar_codes);
        let outcome = crate::blocking::run(move || {
            let context = Context { items: &items, earlier: &earlier, versions: &versions };
            record_property(
                context,
                &property,
                &mappings,
                &ar_codes,
                &doc_property,
                &recorded,
                reclass,
                false,
            )
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
            if dry_run {
                match change {
                    Change::Record(content) | Change::Rewrite(content) => {
                        summary.would_record.push(content.entry.clone())
                    }
                    Change::Withdraw { key } => summary.would_withdraw.push(key.clone()),
                }
            }
        }
        let property_id = PropertyId::new(id.as_str());
        summary.drifts.extend(outcome.drifts.into_iter().map(|d| (property_id.clone(), d)));
        summary.exceptions.extend(outcome.exceptions);
    }
    summary.new_exceptions =
        state.note_exceptions(&summary.exceptions, &recorded_properties, !dry_run).await?;
    Ok(summary)
}

/// Every entry recorded for `property`, with the lines reconciling needs: those of the month
/// reclassified, and those of the held links of broken chains (`posting::record::lines_needed`).
async fn recorded_entries(
    state: &StateFile,
    property: &str,
    reclass: Option<PostMonth>,
) -> Result<Vec<RecordedEntry>, RecordRunError> {
    let mut recorded = state.recorded_entries(property).await?;
    let mut lines = match reclass {
        Some(month) => state.entry_lines(property, &month.to_string()).await?,
        None => Default::default(),
    };
    let needed: Vec<String> =
        lines_needed(&recorded).into_iter().filter(|key| !lines.contains_key(key)).collect();
    lines.extend(state.entry_lines_of(&needed).await?);
    for entry in &mut recorded {
        entry.lines = lines.remove(&entry.key);
    }
    Ok(recorded)
}

struct PropertyOutcome {
    /// Tonight's plan, when the caller asked to keep it (`decide`).
    plan: Option<Vec<PlannedEntry>>,
    planned: usize,
    unchanged: usize,
    changes: Vec<Change>,
    drifts: Vec<SlotDrift>,
    exceptions: Vec<Exception>,
}

/// A property's items: the current versions, and the earlier versions recorded entries book.
#[derive(Clone, Copy)]
struct Context<'a> {
    items: &'a Items,
    earlier: &'a Earlier,
    versions: &'a HashMap<(ItemKind, String), i64>,
}

/// The earlier versions that held entries book (an adjustment plans them again to know what they
/// booked under the current mapping), and why each one that cannot be read or converted cannot.
async fn earlier_versions(
    state: &StateFile,
    property: &str,
    recorded: &[RecordedEntry],
    versions: &HashMap<(ItemKind, String), i64>,
) -> Result<Earlier, RecordRunError> {
    let mut earlier = Earlier::default();
    for source in recorded.iter().filter(|e| e.frozen && !e.withdrawn).flat_map(|e| &e.sources) {
        let version = source.version.abs();
        let key = (source.kind, source.id.clone(), version);
        if versions.get(&(source.kind, source.id.clone())) == Some(&version)
            || earlier.items.contains_key(&key)
            || earlier.unconvertible.contains_key(&key)
        {
            continue;
        }
        match state.item_version(source.kind, &source.id, version).await? {
            Some((raw, invalid)) => match reconvert(source.kind, &raw, invalid.as_deref(), Some(property)) {
                Ok(item) => {
                    earlier.items.insert(key, item);
                }
                Err(why) => {
                    earlier.unconvertible.insert(key, format!("it no longer converts ({why})"));
                }
            },
            None => {
                earlier.unconvertible.insert(key, "the state file does not hold it".to_owned());
            }
        }
    }
    Ok(earlier)
}

/// Earlier item versions by (kind, id, version): converted, or why not.
#[derive(Default)]
struct Earlier {
    items: HashMap<(ItemKind, String, i64), Item>,
    unconvertible: HashMap<(ItemKind, String, i64), String>,
}

#[allow(clippy::too_many_arguments)]
fn record_property(
    context: Context<'_>,
    property: &Property,
    mappings: &MappingSet,
    ar_codes: &BTreeMap<ArCode, ArCodeDef>,
    doc_property: &str,
    recorded: &[RecordedEntry],
    reclass: Option<PostMonth>,
    keep_plan: bool,
) -> Result<PropertyOutcome, RecordRunError> {
    let Context { items, versions, .. } = context;
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
    let plan = keep_plan.then(|| planned.clone());
    let mut replan = SubLedger { context, property, mappings, ar_codes, doc_property };
    let reconciled = reconcile_with(&property.id, planned, recorded, &numbering, &mut replan, reclass)?;
    Ok(PropertyOutcome {
        plan,
        planned: planned_count,
        unchanged: reconciled.unchanged,
        changes: reconciled.changes,
        drifts: reconciled.drifts,
        exceptions: exceptions.into_iter().chain(reconciled.exceptions).collect(),
    })
}

/// What `record` decides for one property, written nowhere: tonight's plan (each entry with the
/// item versions it is planned from), the changes and pending adjustments, the exceptions, and the
/// property's items. For `drift`, which must see exactly what the next run would do.
pub(crate) struct Decision {
    pub planned: Vec<PlannedEntry>,
    pub changes: Vec<Change>,
    pub drifts: Vec<SlotDrift>,
    pub exceptions: Vec<Exception>,
    pub items: Items,
}

pub(crate) async fn decide(
    state: &StateFile,
    mappings: &Arc<MappingSet>,
    ar_codes: &Arc<BTreeMap<ArCode, ArCodeDef>>,
    property: Property,
    doc_property: String,
    use_forms: bool,
) -> Result<Decision, RecordRunError> {
    let id = property.id.as_str().to_owned();
    let items = load_items(state, &id, use_forms).await?;
    let versions = state.current_versions(&id).await?;
    let recorded = recorded_entries(state, &id, None).await?;
    let earlier = earlier_versions(state, &id, &recorded, &versions).await?;
    let (mappings, ar_codes) = (Arc::clone(mappings), Arc::clone(ar_codes));
    crate::blocking::run(move || {
        let context = Context { items: &items, earlier: &earlier, versions: &versions };
        let outcome =
            record_property(context, &property, &mappings, &ar_codes, &doc_property, &recorded, None, true)?;
        Ok(Decision {
            planned: outcome.plan.unwrap_or_default(),
            changes: outcome.changes,
            drifts: outcome.drifts,
            exceptions: outcome.exceptions,
            items,
        })
    })
    .await
    .map_err(|e| RecordRunError::Task(e.to_string()))?
}
