//! The journal builder against hand-computed entries: one case per row of PRODUCT.md §5 and per rule
//! of §7.2–7.5. Every expected amount below was worked out by hand (the comments show how).

mod cash;
mod charges;
mod deferral;
mod grouping;
mod identity;
mod proration;
mod splits;
