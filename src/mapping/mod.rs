//! Mapping files (PRODUCT.md §7): load, merge per property, check, and explain mistakes with
//! `file:line:col`.
//!
//! Architecture invariant: the merged `PropertyMapping` is always consistent (every logical account
//! it names exists); the journal builder never re-checks it.

pub mod model;

pub use model::*;
