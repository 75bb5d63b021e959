//! `mappings check`: the files, then the AR codes the state file has seen and the properties it
//! knows.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use crate::domain::{ArCode, Charge, ChargeStatus, Currency, ItemKind, Money, PropertyId};
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
}

type Tally = BTreeMap<(ArCode, Currency), (u64, Decimal)>;

/// Reads the charges' planning forms (the pull's own conversion, compact; about 0.2 s for the
/// 300,000 charges of a 40-property, 12-month portfolio), or, for a list whose forms are stale,
/// the charges' JSON converted again. Converting every charge's JSON took 1.9 s there.
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
        let tally = match forms.filter(|f| f.is_complete()) {
            Some(forms) => {
                let counted = crate::blocking::run(move || {
                    let mut tally = Tally::new();
                    let mut overflow = false;
                    forms.decode(|form| {
                        if let Form::Charge(charge) = form {
                            overflow |= !count(&mut tally, &charge);
                        }
                    })?;
                    Ok::<_, StateError>((tally, overflow))
                })
                .await
                .map_err(|e| StateError::Refused {
                    path: state.path().to_owned(),
                    message: e.to_string(),
                })??;
                checked(state, id, counted)?
            }
            None => {
                let mut tally = Tally::new();
                let mut overflow = false;
                state
                    .for_each_current_item(ItemKind::Charge, id, |item| {
                        if let Ok(Item::Charge(charge)) =
                            reconvert(ItemKind::Charge, item.raw, item.invalid_reason, Some(id))
                        {
                            overflow |= !count(&mut tally, &charge);
                        }
                    })
                    .await?;
                checked(state, id, (tally, overflow))?
            }
        };
        for ((code, currency), (items, sum)) in tally {
            // Invariant: a sum of whole-cent amounts is whole cents.
            if let Ok(amount) = Money::new(sum, currency) {
                usage.push(CodeUsage { property_id: property.clone(), code, items, amount });
            }
        }
    }
    Ok(StateCodes { properties, usage })
}

/// Counts one charge; false when its code's sum overflowed.
fn count(tally: &mut Tally, charge: &Charge) -> bool {
    if charge.status == ChargeStatus::Deleted {
        return true;
    }
    let line = tally.entry((charge.ar_code.clone(), charge.amount.currency())).or_default();
    line.0 += 1;
    match line.1.checked_add(charge.amount.amount()) {
        Some(sum) => {
            line.1 = sum;
            true
        }
        None => false,
    }
}

fn checked(state: &StateFile, property: &str, (tally, overflow): (Tally, bool)) -> Result<Tally, StateError> {
    if overflow {
        return Err(StateError::Corrupt {
            path: state.path().to_owned(),
            message: format!(
                "the charges of {property} under one AR code add up to more than a decimal holds"
            ),
        });
    }
    Ok(tally)
}
