//! From pulled items and a property's mapping to balanced journal entries and exceptions.
//!
//! Architecture invariant: this module does no IO and reads no clock. The same input gives the
//! same entries, byte for byte.

pub mod entry;

use std::collections::BTreeMap;

use crate::domain::{ArCode, ArCodeDef, Charge, Deposit, Exception, Lease, Payment, Property};

pub use entry::{
    BalancedEntry, DocNumber, EntryError, EntryHeader, EntryKey, JournalKind, Line, Netting, Side,
};

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
