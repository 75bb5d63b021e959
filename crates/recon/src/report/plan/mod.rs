//! `plan` output: the entries that would be posted and the exceptions, as JSON (PRODUCT.md §8,
//! `json`), CSV (`csv`) or a table for people (`table`). Money is always text with exactly two
//! decimals. With `--target qbo|xero` each line also shows that target's account reference and the
//! property's dimensions for it (`TargetView`); without, the JSON is exactly as before.

mod csv_rows;
mod json;
mod table;

pub use json::PlanJsonWriter;

use crate::domain::{AccountName, Exception, PropertyId};
use crate::journal::BalancedEntry;
use crate::mapping::{Dimensions, PropertyMapping};
use crate::targets::TargetKind;

/// What `plan --format table|csv` shows, with what it needs to name target accounts. JSON is
/// written a property at a time by [`PlanJsonWriter`].
pub struct PlanView<'a> {
    pub entries: &'a [BalancedEntry],
    pub exceptions: &'a [Exception],
    /// The merged mapping of a property (for target account numbers and dimensions).
    pub mapping_for: &'a dyn Fn(&PropertyId) -> &'a PropertyMapping,
    /// The target whose account references and dimensions are shown; none when `None`.
    pub target: Option<TargetKind>,
    /// Once entries are posted: what a post would send now, and how many are posted. The table
    /// then lists only what would be sent; CSV and JSON stay the whole plan.
    pub standing: Option<&'a crate::run::record::Standing>,
}

/// One line's account in a target, and the dimensions it carries there (the property's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetView<'a> {
    pub target: TargetKind,
    /// The QuickBooks account number or Xero account code; `None` when the mapping gives none.
    pub account: Option<&'a str>,
    pub dimensions: &'a Dimensions,
}

impl<'a> TargetView<'a> {
    pub fn of(mapping: &'a PropertyMapping, account: &AccountName, target: TargetKind) -> TargetView<'a> {
        let accounts = mapping.accounts.get(account);
        let account = accounts.and_then(|a| match target {
            TargetKind::Qbo => a.qbo.as_deref(),
            TargetKind::Xero => a.xero.as_deref(),
        });
        TargetView { target, account, dimensions: &mapping.dimensions }
    }

    /// The dimensions as `(name, value)` pairs, in the order people read them: class, location,
    /// customer for QuickBooks; tracking, contact for Xero.
    pub fn dimension_pairs(&self) -> Vec<(&'static str, String)> {
        let d = self.dimensions;
        let mut pairs = Vec::new();
        match self.target {
            TargetKind::Qbo => {
                for (name, value) in
                    [("class", &d.qbo_class), ("location", &d.qbo_location), ("customer", &d.qbo_customer)]
                {
                    if let Some(value) = value {
                        pairs.push((name, value.clone()));
                    }
                }
            }
            TargetKind::Xero => {
                if !d.xero_tracking.is_empty() {
                    pairs.push(("tracking", tracking_text(d)));
                }
                if let Some(contact) = &d.xero_contact {
                    pairs.push(("contact", contact.clone()));
                }
            }
        }
        pairs
    }
}

/// Xero tracking as text: `Property=Lakeview; Region=West`.
pub fn tracking_text(d: &Dimensions) -> String {
    d.xero_tracking.iter().map(|t| format!("{}={}", t.name, t.option)).collect::<Vec<_>>().join("; ")
}
