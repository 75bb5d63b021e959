//! The journal builder against hand-computed entries: one case per row of PRODUCT.md §5 and per rule
//! of §7.2–7.5. Every expected amount below was worked out by hand (the comments show how).

mod journal_support;

#[path = "journal_plan/cash.rs"]
mod cash;
#[path = "journal_plan/charges.rs"]
mod charges;
#[path = "journal_plan/deferral.rs"]
mod deferral;
#[path = "journal_plan/grouping.rs"]
mod grouping;
#[path = "journal_plan/identity.rs"]
mod identity;
#[path = "journal_plan/proration.rs"]
mod proration;
#[path = "journal_plan/splits.rs"]
mod splits;
