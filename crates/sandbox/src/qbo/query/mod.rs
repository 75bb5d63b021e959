//! `GET|POST .../query` and batch `Query` items: the query language (`parse`) run over the books
//! (`eval`), answering with the `QueryResponse` object
//! (`{"JournalEntry":[...],"startPosition":1,"maxResults":N}`, `{}` when nothing matches,
//! `{"totalCount":N}` for `COUNT(*)`).
//!
//! Invariant: a query never changes the books.

pub mod eval;
pub mod parse;

use chrono::{DateTime, Utc};

use super::books::Books;
use super::company::{EMPTY_ENTITIES, EntityKind};
use super::fault::{Fault, QboResult};
use parse::Select;

/// The `QueryResponse` object for a query's text, over the entries reads see at `now`.
pub fn run(text: &str, books: &Books, now: DateTime<Utc>) -> QboResult<String> {
    let query = parse::parse(text.trim()).map_err(Fault::query_parse)?;
    match EntityKind::parse(&query.entity) {
        Some(kind) => eval::run(&query, kind, books, now),
        // Entities QuickBooks has and the sandbox's company holds none of.
        None if EMPTY_ENTITIES.iter().any(|e| e.eq_ignore_ascii_case(&query.entity)) => {
            Ok(if query.select == Select::Count { "{\"totalCount\":0}".to_owned() } else { "{}".to_owned() })
        }
        None => Err(Fault::query_invalid(format!("Invalid entity name: {}", query.entity))),
    }
}
