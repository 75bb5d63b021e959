//! `mappings check`: the files, then the AR codes the state file has seen.

use std::collections::BTreeMap;

use crate::domain::{ArCode, ChargeStatus, Currency, ItemKind, Money, PropertyId};
use crate::mapping::CodeUsage;
use crate::source::convert::{Item, reconvert};
use crate::state::{StateError, StateFile};

/// Every AR code on a current, non-deleted charge, per property and currency, with the count and
/// the exact sum. Quarantined charges are left out (they are reported as invalid items).
pub async fn code_usage(state: &StateFile) -> Result<Vec<CodeUsage>, StateError> {
    let mut usage: BTreeMap<(PropertyId, ArCode, Currency), (u64, Money)> = BTreeMap::new();
    for property in state.current_items(ItemKind::Property, None).await? {
        for stored in state.current_items(ItemKind::Charge, Some(&property.item_id)).await? {
            // The pull's verdict stands: a quarantined version is reported as an invalid item,
            // never counted here.
            let converted = reconvert(
                ItemKind::Charge,
                &stored.raw,
                stored.invalid_reason.as_deref(),
                Some(&property.item_id),
            );
            let Ok(Item::Charge(charge)) = converted else {
                continue;
            };
            if charge.status == ChargeStatus::Deleted {
                continue;
            }
            let currency = charge.amount.currency();
            let key = (charge.property_id.clone(), charge.ar_code.clone(), currency);
            let line = usage.entry(key).or_insert((0, Money::zero(currency)));
            line.0 += 1;
            // Items are at most a trillion each (conversion quarantines more), so no state file
            // holds enough of them to overflow; if one ever did, say so rather than panic.
            line.1 = line.1.checked_add(charge.amount).map_err(|e| StateError::Corrupt {
                path: state.path().to_owned(),
                message: format!("the amounts of AR code {} do not add up: {e}", charge.ar_code),
            })?;
        }
    }
    Ok(usage
        .into_iter()
        .map(|((property_id, code, _), (items, amount))| CodeUsage { property_id, code, items, amount })
        .collect())
}
