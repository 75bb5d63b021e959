//! `mappings check`: the files, then the AR codes the state file has seen and the properties it
//! knows.

use std::collections::BTreeMap;

use crate::domain::{
    ArCode, ArCodeDef, Charge, ChargeStatus, Currency, ItemKind, Money, MoneyError, PropertyId,
};
use crate::mapping::CodeUsage;
use crate::source::convert::{Item, reconvert};
use crate::state::form::Form;
use crate::state::{StateError, StateFile};

/// What `mappings check` reads from the state file.
#[derive(Debug, Clone, Default)]
pub struct StateCodes {
    /// Every property the state file knows, by id.
    pub properties: Vec<PropertyId>,
    /// Every AR code on a current, non-deleted charge, per property and currency, with the count
    /// and the exact sum. Quarantined charges are left out (they are reported as invalid items).
    pub usage: Vec<CodeUsage>,
    /// Entrata's AR codes (current, readable), with the GL accounts Entrata books them to.
    pub ar_codes: Vec<ArCodeDef>,
}

/// Per AR code and currency of one property: how many charges, and their sum.
type Tally = BTreeMap<(ArCode, Currency), (u64, Money)>;

/// Reads the charges' planning forms (the pull's own conversion, compact), or, for a list whose
/// forms are stale, the charges' JSON converted again ([`reconvert`]: the pull's verdict stands).
/// Converting every charge's JSON was most of this command's time (BENCHMARKS.md).
pub async fn code_usage(state: &StateFile) -> Result<StateCodes, StateError> {
    let mut properties: Vec<PropertyId> = state
        .current_items(ItemKind::Property, None)
        .await?
        .into_iter()
        .map(|p| PropertyId::new(p.item_id))
        .collect();
    properties.sort();
    let use_forms = state.forms_current().await?;
    let mut usage = Vec::new();
    for property in &properties {
        let id = property.as_str();
        let forms = if use_forms { Some(state.current_forms(ItemKind::Charge, id).await?) } else { None };
        let counted = match forms.filter(|f| f.is_complete()) {
            Some(forms) => crate::blocking::run(move || {
                let mut tally = Tally::new();
                let mut result = Ok(());
                forms.decode(|form| {
                    if let Form::Charge(charge) = form
                        && result.is_ok()
                    {
                        result = count(&mut tally, &charge);
                    }
                })?;
                Ok::<_, StateError>(result.map(|()| tally))
            })
            .await
            .map_err(|e| StateError::Refused { path: state.path().to_owned(), message: e.to_string() })??,
            None => {
                let mut tally = Tally::new();
                let mut result = Ok(());
                state
                    .for_each_current_item(ItemKind::Charge, id, |item| {
                        if let Ok(Item::Charge(charge)) =
                            reconvert(ItemKind::Charge, item.raw, item.invalid_reason, Some(id))
                            && result.is_ok()
                        {
                            result = count(&mut tally, &charge);
                        }
                    })
                    .await?;
                result.map(|()| tally)
            }
        };
        // Items are at most a trillion each (conversion quarantines more), so no state file holds
        // enough of them to overflow; if one ever did, say so rather than panic.
        let tally = counted.map_err(|(code, e)| StateError::Corrupt {
            path: state.path().to_owned(),
            message: format!("the amounts of AR code {code} do not add up: {e}"),
        })?;
        for ((code, _), (items, amount)) in tally {
            usage.push(CodeUsage { property_id: property.clone(), code, items, amount });
        }
    }
    let ar_codes = state
        .current_items(ItemKind::ArCode, None)
        .await?
        .into_iter()
        .filter_map(|item| {
            match reconvert(ItemKind::ArCode, &item.raw, item.invalid_reason.as_deref(), None) {
                Ok(Item::ArCode(def)) => Some(def),
                _ => None,
            }
        })
        .collect();
    Ok(StateCodes { properties, usage, ar_codes })
}

/// Counts one charge (deleted ones are not counted).
fn count(tally: &mut Tally, charge: &Charge) -> Result<(), (ArCode, MoneyError)> {
    if charge.status == ChargeStatus::Deleted {
        return Ok(());
    }
    let currency = charge.amount.currency();
    let line = tally.entry((charge.ar_code.clone(), currency)).or_insert((0, Money::zero(currency)));
    line.0 += 1;
    line.1 = line.1.checked_add(charge.amount).map_err(|e| (charge.ar_code.clone(), e))?;
    Ok(())
}
