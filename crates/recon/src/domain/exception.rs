//! Things that need a person: held items and findings, as `plan`, `run` and `drift` report them.

use std::fmt;

use super::{Money, PropertyId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ExceptionKind {
    /// A charge whose AR code has no rule: held, never guessed.
    UnmappedCode,
    /// An item the pull quarantined because it breaks the source contract.
    InvalidItem,
    /// A deposit whose amount differs from the sum of its payments: held.
    DepositMismatch,
    /// A partial-month charge that differs from the lease's monthly amount × fraction: posted,
    /// reported.
    ProrationMismatch,
    /// A mapping names an account or bank account the mapping files do not define: held.
    UnknownAccount,
    /// An item changed after a target took it, but the version that was posted can no longer be
    /// planned (it does not convert, or the current mapping holds it): its adjustment is held, never
    /// guessed.
    AdjustmentHeld,
}

impl ExceptionKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            ExceptionKind::UnmappedCode => "unmapped_code",
            ExceptionKind::InvalidItem => "invalid_item",
            ExceptionKind::DepositMismatch => "deposit_mismatch",
            ExceptionKind::ProrationMismatch => "proration_mismatch",
            ExceptionKind::UnknownAccount => "unknown_account",
            ExceptionKind::AdjustmentHeld => "adjustment_held",
        }
    }

    /// Whether the item was held back from posting (as opposed to posted and reported).
    pub fn holds_item(&self) -> bool {
        !matches!(self, ExceptionKind::ProrationMismatch)
    }
}

impl fmt::Display for ExceptionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exception {
    pub kind: ExceptionKind,
    pub property_id: Option<PropertyId>,
    /// The Entrata id of the item concerned (`chg_9`).
    pub source_id: String,
    /// The money waiting on it, when there is one.
    pub amount: Option<Money>,
    pub message: String,
}
