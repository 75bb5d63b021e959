//! The Entrata and state-file sides of one property: tonight's plan from the last pull and what
//! the next run would record (`run::record::decide`: exactly `record`'s decisions, written
//! nowhere), the recorded entries with their postings, and, for each item of a pending adjustment
//! (changed under a posted entry), its amount as posted and now.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use rust_decimal::Decimal;

use super::DriftError;
use crate::domain::{ArCode, ArCodeDef, Exception, ItemKind, PostMonth, Property, PropertyId};
use crate::drift::owners::{self, Books};
use crate::drift::{EntrataChange, EntrataChangeKind, PropertySides};
use crate::mapping::MappingSet;
use crate::posting::{Change, SlotDrift, SourceRef};
use crate::run::plan::Items;
use crate::run::record::{Decision, decide};
use crate::source::convert::{Item, reconvert};
use crate::state::StateFile;

/// What an item is now, as far as the drift report needs it.
#[derive(Debug, Clone, Copy)]
struct ItemNow {
    amount: Decimal,
    deleted: bool,
    month: PostMonth,
}

/// One property's Entrata and state-file sides.
pub(super) async fn property_sides(
    state: &StateFile,
    mappings: &Arc<MappingSet>,
    ar_codes: &Arc<BTreeMap<ArCode, ArCodeDef>>,
    property: Property,
    doc_property: String,
    use_forms: bool,
    books: &Books,
) -> Result<PropertySides, DriftError> {
    let id = property.id.as_str().to_owned();
    let property_id = property.id.clone();
    let new_entries_to = owners::new_entries_to(books, &mappings.for_property(&property.id).book);
    let (mut bodies, postings) = state.recorded_bodies(&id).await?;
    owners::settle(&mut bodies, postings, books, &new_entries_to);
    let mapping = mappings.for_property(&property.id);
    let mapping_accounts = mapping.accounts.clone();
    let accounts = mapping.accounts.iter().map(|(name, refs)| (name.to_string(), refs.clone())).collect();
    let currency = property.currency.as_str().to_owned();
    let Decision { planned, changes, drifts, exceptions, items } =
        decide(state, mappings, ar_codes, property, doc_property, use_forms)
            .await
            .map_err(DriftError::entrata)?;
    let now = items_now(&items);
    let month_of = |id: &str| {
        [ItemKind::Charge, ItemKind::Payment, ItemKind::Deposit]
            .iter()
            .find_map(|kind| now.get(&(*kind, id.to_owned())))
            .map(|i| i.month)
    };
    let exceptions: Vec<(Exception, Option<PostMonth>)> = exceptions
        .into_iter()
        .map(|x| {
            let month = month_of(&x.source_id);
            (x, month)
        })
        .collect();
    let not_recorded = changes
        .into_iter()
        .filter_map(|c| match c {
            Change::Record(content) => Some(content.entry),
            Change::Rewrite(_) | Change::Withdraw { .. } => None,
        })
        .collect();
    let mut sides = PropertySides {
        property_id: id.clone(),
        currency,
        accounts,
        planned,
        not_recorded,
        exceptions,
        entrata_changes: Vec::new(),
        recorded: bodies,
        new_entries_to,
        accounts_elsewhere: BTreeMap::new(),
    };
    // Entries a company of another book holds were booked on that book's chart.
    for book in books.by_target.values().flatten().map(|(book, _)| book) {
        let there = mappings.accounts_in(&property_id, book);
        if !sides.accounts_elsewhere.contains_key(book) && there != &mapping_accounts {
            let there = there.iter().map(|(name, refs)| (name.to_string(), refs.clone())).collect();
            sides.accounts_elsewhere.insert(book.clone(), there);
        }
    }
    for drift in drifts.iter().filter(|d| !d.reclass) {
        sides.entrata_changes.extend(changes_of(state, &id, drift, &now).await?);
    }
    Ok(sides)
}

/// Each item of a pending adjustment, with its amount as posted and now.
async fn changes_of(
    state: &StateFile,
    property: &str,
    drift: &SlotDrift,
    now: &HashMap<(ItemKind, String), ItemNow>,
) -> Result<Vec<EntrataChange>, DriftError> {
    let mut out = Vec::with_capacity(drift.changed.len() + drift.removed.len());
    let adjusting = format!(
        "the next run posts an adjustment of {} to {}",
        drift.adjustment_total, drift.corrected_doc_number
    );
    for (was, current) in &drift.changed {
        let then = amount_of_version(state, property, was).await?;
        let item = now.get(&(current.kind, current.id.clone()));
        out.push(EntrataChange {
            kind: EntrataChangeKind::Changed,
            source_id: was.id.clone(),
            corrected_key: drift.corrected_key.clone(),
            post_month: None,
            recorded_amount: then,
            current_amount: item.map(|i| i.amount),
            note: format!(
                "{} {} changed in Entrata after it was posted (version {} posted, {} now); {adjusting}",
                was.kind,
                was.id,
                was.version.abs(),
                current.version
            ),
        });
    }
    for was in &drift.removed {
        let then = amount_of_version(state, property, was).await?;
        let item = now.get(&(was.kind, was.id.clone())).copied();
        let (kind, current, note) = match item {
            Some(i) if !i.deleted => (
                EntrataChangeKind::Changed,
                Some(i.amount),
                format!(
                    "{} {} is no longer in this entry (moved to post month {} or another day, or held now); {adjusting}",
                    was.kind, was.id, i.month
                ),
            ),
            _ => (
                EntrataChangeKind::Deleted,
                None,
                format!("{} {} was deleted in Entrata after it was posted; {adjusting}", was.kind, was.id),
            ),
        };
        out.push(EntrataChange {
            kind,
            source_id: was.id.clone(),
            corrected_key: drift.corrected_key.clone(),
            post_month: None,
            recorded_amount: then,
            current_amount: current,
            note,
        });
    }
    Ok(out)
}

fn items_now(items: &Items) -> HashMap<(ItemKind, String), ItemNow> {
    use crate::domain::{ChargeStatus, DepositStatus, PaymentStatus};
    let mut now = HashMap::with_capacity(items.charges.len() + items.payments.len() + items.deposits.len());
    for c in &items.charges {
        let item = ItemNow {
            amount: c.amount.amount(),
            deleted: c.status == ChargeStatus::Deleted,
            month: c.post_month,
        };
        now.insert((ItemKind::Charge, c.id.to_string()), item);
    }
    for p in &items.payments {
        let item = ItemNow {
            amount: p.amount.amount(),
            deleted: p.status == PaymentStatus::Deleted,
            month: p.post_month,
        };
        now.insert((ItemKind::Payment, p.id.to_string()), item);
    }
    for d in &items.deposits {
        let item = ItemNow {
            amount: d.amount.amount(),
            deleted: d.status == DepositStatus::Deleted,
            month: d.post_month,
        };
        now.insert((ItemKind::Deposit, d.id.to_string()), item);
    }
    now
}

/// An item's amount in one of its stored versions (`None` when it cannot be read).
async fn amount_of_version(
    state: &StateFile,
    property: &str,
    source: &SourceRef,
) -> Result<Option<Decimal>, DriftError> {
    let Some((raw, invalid)) = state.item_version(source.kind, &source.id, source.version.abs()).await?
    else {
        return Ok(None);
    };
    Ok(match reconvert(source.kind, &raw, invalid.as_deref(), Some(property)) {
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
