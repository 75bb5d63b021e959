//! What the charge and cash planners share: the ledger, the mapping, the book entries collect in,
//! the exceptions, and the checks every item passes before it may post.

use rust_decimal::Decimal;

use super::book::Book;
use super::{PlanError, PropertyLedger};
use crate::domain::{Exception, ExceptionKind, Money, PropertyId};
use crate::mapping::PropertyMapping;

/// Conversion already quarantines items beyond this limit; the planner checks again because a
/// ledger can be built without conversion (tests, and whatever feeds the planner next).
use crate::domain::{MAX_ITEM_CENTS, MAX_ITEM_TEXT};

pub(crate) struct Planner<'a> {
    pub ledger: PropertyLedger<'a>,
    pub mapping: &'a PropertyMapping,
    pub book: Book<'a>,
    pub exceptions: Vec<Exception>,
}

impl<'a> Planner<'a> {
    pub fn new(ledger: PropertyLedger<'a>, mapping: &'a PropertyMapping) -> Planner<'a> {
        let items = ledger.charges.len() + ledger.payments.len() + ledger.deposits.len();
        Planner { ledger, mapping, book: Book::new(mapping.journal.group_by, items), exceptions: Vec::new() }
    }

    /// Records an exception about `source_id`: a held item, or a finding whose item still posts.
    pub fn report(&mut self, kind: ExceptionKind, source_id: &str, amount: Option<Money>, message: String) {
        self.exceptions.push(Exception {
            kind,
            property_id: Some(self.ledger.property.id.clone()),
            source_id: source_id.to_owned(),
            amount,
            message,
        });
    }

    /// Why an item cannot post whatever the mapping says: it belongs to another property, or one of
    /// its amounts is in another currency or absurdly large. `noun` and `id` name it (`charge`,
    /// `chg_1`).
    pub fn item_problem(
        &self,
        noun: &str,
        id: &str,
        property_id: &PropertyId,
        amounts: &[Money],
    ) -> Option<String> {
        let property = self.ledger.property;
        let what = || format!("{noun} {id}");
        if property_id != &property.id {
            return Some(format!(
                "{} belongs to property {property_id}, not {}; it is held. This is a connector bug: please report it.",
                what(),
                property.id
            ));
        }
        if let Some(other) = amounts.iter().find(|m| m.currency() != property.currency) {
            return Some(format!(
                "{} is in {} but property {} keeps its books in {}; it is held. Correct the item's currency in Entrata.",
                what(),
                other.currency(),
                property.id,
                property.currency
            ));
        }
        if amounts.iter().any(|m| cents(*m).abs() > MAX_ITEM_CENTS) {
            return Some(format!(
                "{} has an amount above {MAX_ITEM_TEXT}, which the connector refuses as surely wrong; it is held. Correct it in Entrata.",
                what()
            ));
        }
        None
    }
}

/// Whole cents as a two-place decimal; fails only for amounts far beyond `MAX_ITEM_CENTS`.
pub(crate) fn decimal(cents: i128, property: &PropertyId, item: &str) -> Result<Decimal, PlanError> {
    Decimal::try_from_i128_with_scale(cents, 2)
        .map_err(|_| PlanError::Overflow { property: property.clone(), item: item.to_owned() })
}

/// A money amount as whole cents (`Money` always has exactly two decimal places).
pub(crate) fn cents(money: Money) -> i128 {
    let mut amount = money.amount();
    amount.rescale(2);
    amount.mantissa()
}

/// Up to ten ids, then how many more: `pay_1, pay_2 and 3 more`.
pub(crate) fn id_list<'s>(ids: impl IntoIterator<Item = &'s str>) -> String {
    const SHOWN: usize = 10;
    let ids: Vec<&str> = ids.into_iter().collect();
    let mut text = ids.iter().take(SHOWN).copied().collect::<Vec<_>>().join(", ");
    if ids.len() > SHOWN {
        text.push_str(&format!(" and {} more", ids.len() - SHOWN));
    }
    text
}
