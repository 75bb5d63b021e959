//! From pulled items and a property's mapping to balanced journal entries and exceptions.
//!
//! Architecture invariant: this module does no IO and reads no clock. The same input gives the
//! same entries, byte for byte, whatever order the items come in.
//!
//! Code map: `plan_property` (here) runs `charges` (charges, deferral, recognition, the proration
//! check) and `cash` (payments, returns, deposits); both post signed amounts into `book`, which
//! groups, nets, numbers (`identity`) and describes (`describe`) the entries. `prorate` holds the
//! day-count and allocation arithmetic; `planner` what the item planners share.

mod book;
mod cash;
mod charges;
mod describe;
pub mod entry;
pub mod identity;
mod planner;
pub mod prorate;

use std::collections::BTreeMap;

use crate::domain::{ArCode, ArCodeDef, Charge, Deposit, Exception, Lease, Payment, Property, PropertyId};
use crate::mapping::PropertyMapping;

pub use charges::unmapped_code_in;
pub use entry::{
    BalancedEntry, DocNumber, EntryError, EntryHeader, EntryKey, JournalKind, Line, Netting, Side,
};
pub use identity::default_doc_property;

/// Everything the builder needs about one property. Items are current versions; tombstones
/// (`deleted`) may be present and are not posted.
#[derive(Debug, Clone, Copy)]
pub struct PropertyLedger<'a> {
    pub property: &'a Property,
    /// Company-wide AR codes by `code`.
    pub ar_codes: &'a BTreeMap<ArCode, ArCodeDef>,
    pub leases: &'a [Lease],
    pub charges: &'a [Charge],
    pub payments: &'a [Payment],
    pub deposits: &'a [Deposit],
}

/// What one property would post, and what it holds back.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PropertyPlan {
    /// Sorted by key.
    pub entries: Vec<BalancedEntry>,
    pub exceptions: Vec<Exception>,
}

/// Why a property's plan must not be used at all. Everything wrong with one item is an
/// `Exception` in the plan instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error(
        "property {property}: document numbers cannot start `{doc_prefix}-{doc_property}-`: journal.doc_prefix and journal.doc_property must be non-empty and hold only ASCII letters, digits and `-`"
    )]
    BadDocParts { property: PropertyId, doc_prefix: String, doc_property: String },
    #[error(
        "property {property}: entry {key} cannot get a document number of at most 21 characters after `{stem}`; shorten journal.doc_prefix or journal.doc_property"
    )]
    DocNumberTooLong { property: PropertyId, key: EntryKey, stem: String },
    #[error("property {property}: an amount out of range while planning {item}")]
    Overflow { property: PropertyId, item: String },
    #[error("property {property}: internal invariant broken (a connector bug): {source}")]
    Invariant { property: PropertyId, source: EntryError },
}

/// Plans one property: its balanced entries sorted by key, and its exceptions (held items, and
/// proration findings whose charge still posts) sorted by kind, item and message.
///
/// `doc_property` is `mapping.journal.doc_property` or `default_doc_property(&property.code)`.
pub fn plan_property(
    ledger: &PropertyLedger<'_>,
    mapping: &PropertyMapping,
    doc_property: &str,
) -> Result<PropertyPlan, PlanError> {
    let numbering = identity::DocNumbering::new(&mapping.journal.doc_prefix, doc_property).map_err(|_| {
        PlanError::BadDocParts {
            property: ledger.property.id.clone(),
            doc_prefix: mapping.journal.doc_prefix.clone(),
            doc_property: doc_property.to_owned(),
        }
    })?;
    let mut planner = planner::Planner::new(*ledger, mapping);
    charges::plan_charges(&mut planner)?;
    cash::plan_cash(&mut planner)?;
    let planner::Planner { book, mut exceptions, .. } = planner;
    let entries = book.into_entries(ledger.property, mapping, &numbering)?;
    exceptions.sort_by(|a, b| (a.kind, &a.source_id, &a.message).cmp(&(b.kind, &b.source_id, &b.message)));
    Ok(PropertyPlan { entries, exceptions })
}
