//! The SQLite state file: what was pulled, planned and posted, watermarks, runs, and the lock that
//! keeps a second mutating command out.
//!
//! Architecture invariant: only this module speaks SQL. Money is stored as exact decimal text.
