//! `mappings check`: the files, then the AR codes the state file has seen.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use crate::domain::{ArCode, ChargeStatus, Currency, ItemKind, Money, PropertyId};
use crate::mapping::CodeUsage;
use crate::source::convert::{Item, convert};
use crate::state::{StateError, StateFile};

/// Every AR code on a current, non-deleted charge, per property and currency, with the count and
/// the exact sum. Quarantined charges are left out (they are reported as invalid items).
pub async fn code_usage(state: &StateFile) -> Result<Vec<CodeUsage>, StateError> {
    let mut usage: BTreeMap<(PropertyId, ArCode, Currency), (u64, Decimal)> = BTreeMap::new();
    for property in state.current_items(ItemKind::Property, None).await? {
        for stored in state.current_items(ItemKind::Charge, Some(&property.item_id)).await? {
            let Ok(Item::Charge(charge)) = convert(ItemKind::Charge, &stored.raw, Some(&property.item_id))
            else {
                continue;
            };
            if charge.status == ChargeStatus::Deleted {
                continue;
            }
            let key = (charge.property_id.clone(), charge.ar_code.clone(), charge.amount.currency());
            let line = usage.entry(key).or_default();
            line.0 += 1;
            line.1 += charge.amount.amount();
        }
    }
    Ok(usage
        .into_iter()
        .filter_map(|((property_id, code, currency), (items, sum))| {
            // Invariant: a sum of whole-cent amounts is whole cents.
            let amount = Money::new(sum, currency).ok()?;
            Some(CodeUsage { property_id, code, items, amount })
        })
        .collect())
}
