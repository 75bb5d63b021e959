//! Mapping files (PRODUCT.md §7): load, merge per property, check, and explain mistakes with
//! `file:line:col`.
//!
//! `portfolio.toml` holds the defaults; `properties/<propertyId>.toml` overrides what differs for
//! one property. Each file is read into a `Layer` whose values remember where they were written
//! (`schema`), a property's layer is laid over the portfolio's key by key (`layer`), and the merged
//! whole is resolved into a `PropertyMapping` (`resolve`). Mistakes from every step and every file
//! are collected and returned together (`diagnostic`).
//!
//! Architecture invariants: the merged `PropertyMapping` is always consistent (every logical
//! account it names exists, every split sums to 100, bank accounts are used only as bank accounts:
//! `bank_roles`); the journal builder never re-checks it.
//! Only `files` does IO; everything else works on text already read.

mod bank_roles;
pub mod check;
pub mod diagnostic;
pub mod entrata_gl;
pub mod examples;
pub mod files;
mod layer;
pub mod model;
mod resolve;
mod schema;
pub mod set;
pub mod target_accounts;
mod usage;

pub use check::{
    CheckReport, Checked, CodeUsage, UnknownPropertyFile, UnmappedCode, unknown_property_files,
    unmapped_codes,
};
pub use diagnostic::{Diagnostic, MappingErrors, Position};
pub use files::{load, load_routed};
pub use model::*;
pub use set::{MappingSet, SourceFile, from_sources};
pub use target_accounts::{
    MissingTargetAccount, missing_target_accounts, target_account_refs, used_accounts,
};
