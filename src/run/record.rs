//! Recording tonight's plan for posting (`posting::record`), property by property: plan from the
//! state file exactly as `plan` does, resolve each entry's sources to the item versions it was
//! planned from, reconcile with what is recorded, and write the changes in one transaction per
//! property.

mod holds;
mod standing;

pub use holds::held_adjustments;
pub use standing::{Standing, standing};

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use crate::domain::{
    ArCode, ArCodeDef, Deposit, Exception, ItemKind, Payment, PostMonth, Property, PropertyId,
};
use crate::journal::identity::DocNumbering;
use crate::journal::{BalancedEntry, JournalKind, PlanError, PropertyLedger, plan_property};
use crate::mapping::MappingSet;
use crate::posting::record::RecordError;
use crate::posting::record::{lines_needed, reconcile_with};
use crate::posting::{Change, PlannedEntry, RecordedEntry, Replan, Slot, SlotDrift, SourceRef};
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

/// The item kinds an entry of `kind` names, in the order an id is looked for.
fn source_kinds(kind: JournalKind) -> &'static [ItemKind] {
    match kind {
        JournalKind::Charges | JournalKind::Recognition => &[ItemKind::Charge],
        JournalKind::Payments => &[ItemKind::Payment],
        JournalKind::Deposit | JournalKind::Return => &[ItemKind::Deposit, ItemKind::Payment],
        JournalKind::Adjustment => &[ItemKind::Charge, ItemKind::Payment, ItemKind::Deposit],
    }
}

fn resolve_sources(
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
struct SubLedger<'a> {
    context: Context<'a>,
    property: &'a Property,
    mappings: &'a MappingSet,
    ar_codes: &'a BTreeMap<ArCode, ArCodeDef>,
    doc_property: &'a str,
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
