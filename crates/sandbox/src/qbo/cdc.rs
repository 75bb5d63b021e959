//! Change Data Capture: `GET .../cdc?entities=JournalEntry,Account&changedSince=<ISO 8601>`. Each
//! entity named gets one `QueryResponse` with the objects created or changed at or after
//! `changedSince` (deleted journal entries as `{"domain":"QBO","status":"Deleted","Id":...}`),
//! oldest change first; at most 1000 objects in all, and `changedSince` may look back 30 days.
//!
//! Invariant: CDC reads the books and never changes them.

use std::sync::Arc;

use axum::Extension;
use axum::extract::{Query, State};
use axum::response::Response;
use chrono::{DateTime, TimeDelta, Utc};

use super::api::{MAX_REQUEST_ID_CHARS, Params, with_request_id};
use super::books::Books;
use super::company::{EMPTY_ENTITIES, EntityKind, account_json, named_json};
use super::fault::{Fault, QboResult};
use super::time::parse_instant;
use super::{InRealm, fault_answer, ok};
use crate::qbo::QboShared;

pub const MAX_CDC_OBJECTS: usize = 1000;
pub const LOOK_BACK_DAYS: i64 = 30;

pub async fn cdc(
    State(shared): State<Arc<QboShared>>,
    Extension(company): InRealm,
    Query(params): Query<Params>,
) -> Response {
    let now = shared.clock.now();
    with_request_id(&company, now, &params, MAX_REQUEST_ID_CHARS, |books| {
        match changes(books, &params, now) {
            Ok(json) => ok("CDCResponse", &json, now),
            Err(fault) => fault_answer(fault, now),
        }
    })
}

/// The `CDCResponse` array.
fn changes(books: &Books, params: &Params, now: DateTime<Utc>) -> QboResult<String> {
    let entities = params
        .get("entities")
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .ok_or_else(|| Fault::required("entities"))?;
    let since_text = params
        .get("changedSince")
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .ok_or_else(|| Fault::required("changedSince"))?;
    let since = parse_instant(since_text).ok_or_else(|| {
        Fault::query_invalid(format!("changedSince '{since_text}' is not an ISO 8601 date-time"))
    })?;
    if since < now - TimeDelta::days(LOOK_BACK_DAYS) {
        return Err(Fault::query_invalid(format!(
            "changedSince '{since_text}' is more than {LOOK_BACK_DAYS} days ago; Change Data Capture looks back {LOOK_BACK_DAYS} days at most"
        )));
    }
    let mut budget = MAX_CDC_OBJECTS;
    let mut responses = Vec::new();
    for name in entities.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let kind = match EntityKind::parse(name) {
            Some(kind) => kind,
            None if EMPTY_ENTITIES.iter().any(|e| e.eq_ignore_ascii_case(name)) => {
                responses.push("{}".to_owned());
                continue;
            }
            None => return Err(Fault::query_invalid(format!("Invalid entity name: {name}"))),
        };
        let mut changed = changed_since(kind, books, since, now);
        changed.sort_by_key(|(at, id, _)| (*at, *id));
        changed.truncate(budget);
        budget -= changed.len();
        if changed.is_empty() {
            responses.push("{}".to_owned());
        } else {
            let objects: Vec<String> = changed.into_iter().map(|(_, _, json)| json).collect();
            responses.push(format!(
                "{{\"{}\":[{}],\"startPosition\":1,\"maxResults\":{}}}",
                kind.name(),
                objects.join(","),
                objects.len()
            ));
        }
    }
    Ok(format!("[{{\"QueryResponse\":[{}]}}]", responses.join(",")))
}

/// (when it changed, its id as a number for order, its JSON) for each object changed since `since`.
fn changed_since(
    kind: EntityKind,
    books: &Books,
    since: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Vec<(DateTime<Utc>, u64, String)> {
    let company = &books.company;
    let number = |id: &str| id.parse::<u64>().unwrap_or(u64::MAX);
    match kind {
        EntityKind::JournalEntry => {
            let live = books
                .visible_entries(now)
                .filter(|e| e.meta.updated >= since)
                .map(|e| (e.meta.updated, e.id, e.to_json()));
            let gone = books
                .tombstones()
                .iter()
                .filter(|t| t.deleted_at >= since)
                .map(|t| (t.deleted_at, t.id, t.to_json()));
            live.chain(gone).collect()
        }
        EntityKind::Account => company
            .accounts
            .iter()
            .filter(|a| a.meta.updated >= since)
            .map(|a| (a.meta.updated, number(&a.id), account_json(a, company)))
            .collect(),
        other => company
            .named(other)
            .iter()
            .filter(|n| n.meta.updated >= since)
            .map(|n| (n.meta.updated, number(&n.id), named_json(other, n)))
            .collect(),
    }
}
