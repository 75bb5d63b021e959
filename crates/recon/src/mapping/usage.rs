//! What `mappings check` reads of the state file's AR codes, shared by its checks
//! (`check`, `entrata_gl`), and how its text counts things.

use crate::domain::{ArCode, Money, PropertyId};

/// How many items, and how much money, carry one AR code for one property in the state file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeUsage {
    pub property_id: PropertyId,
    pub code: ArCode,
    pub items: u64,
    pub amount: Money,
}

/// `1 file`, `3 files`.
pub(crate) fn plural(count: usize, one: &str, many: &str) -> String {
    if count == 1 { format!("1 {one}") } else { format!("{count} {many}") }
}
