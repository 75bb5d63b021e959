//! `POST .../batch`: up to 30 `BatchItemRequest`s, each a JournalEntry `create`, `update` or
//! `delete` (with `optionsData` such as `allowduplicatedocnum`) or a `Query`. Items are independent:
//! each is answered on its own, a failed one with its own `Fault`, and the batch is HTTP 200 however
//! many fail. The batch counts once against the batch throttle and each item against the request
//! throttle.
//!
//! `requestid` on a batch is at most 36 characters; with one, each `bId` may be at most 10 (Intuit
//! makes a per-item request id of the two). Without a `requestid` a `bId` may be longer:
//! python-quickbooks sends UUIDs (36 characters) and the real service accepts them.
//!
//! Invariant: a batch's items run in order under one lock, and its whole answer is what a
//! `requestid` replay returns.

use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};

use super::api::{Params, parse_body, request_id};
use super::books::{Answer, Books, WriteOptions};
use super::draft::{parse_delete, parse_entry};
use super::entry::deleted_json;
use super::fault::{Fault, QboResult, throttled};
use super::time::response_time;
use super::wire::Node;
use super::{InRealm, fault_answer, respond};
use crate::faults::ReadLag;
use crate::locks::lock;
use crate::qbo::QboShared;

pub const MAX_BATCH_ITEMS: usize = 30;
pub const MAX_BATCH_REQUEST_ID_CHARS: usize = 36;
/// Longest `bId` when the batch has a `requestid`.
pub const MAX_BID_CHARS: usize = 10;

const ITEM_KEYS: &[&str] = &["bId", "operation", "optionsData", "Query"];

pub async fn batch(
    State(shared): State<Arc<QboShared>>,
    Extension(company): InRealm,
    Query(params): Query<Params>,
    lag: Option<Extension<ReadLag>>,
    body: Bytes,
) -> Response {
    let now = shared.clock.now();
    let visible_from = lag.map(|Extension(lag)| lag.visible_from(now));
    let request_id = match request_id(&params, MAX_BATCH_REQUEST_ID_CHARS) {
        Ok(id) => id,
        Err(fault) => return respond(fault_answer(fault, now)),
    };
    let node = match parse_body(&body) {
        Ok(node) => node,
        Err(fault) => return respond(fault_answer(fault, now)),
    };
    let items = match batch_items(&node) {
        Ok(items) => items,
        Err(fault) => return respond(fault_answer(fault, now)),
    };
    if let Err(retry_after_s) = company.meter.take_batch(now, items.len(), &company.limits) {
        tracing::info!(realm = %company.realm_id, retry_after_s, items = items.len(), "QBO batch throttle");
        return throttled(now, retry_after_s);
    }
    let mut books = lock(&company.books);
    if let Some(id) = &request_id
        && let Some(answer) = books.remembered(id)
    {
        tracing::info!(request_id = %id, "QBO batch requestid replayed");
        return respond(answer.clone());
    }
    let answers: Vec<String> = items
        .iter()
        .map(|item| run_item(item, &mut books, request_id.is_some(), visible_from, now))
        .collect();
    let body =
        format!("{{\"BatchItemResponse\":[{}],\"time\":\"{}\"}}", answers.join(","), response_time(now));
    let answer = Answer { status: StatusCode::OK, body };
    if let Some(id) = request_id {
        books.remember(&id, answer.clone());
    }
    tracing::info!(items = items.len(), "QBO batch answered");
    respond(answer)
}

/// The `BatchItemRequest` array, at most 30 long.
fn batch_items<'n, 'a>(node: &'n Node<'a>) -> QboResult<&'n [Node<'a>]> {
    let members = node.as_object().ok_or_else(|| Fault::invalid_property("body", "expected an object"))?;
    if let Some(unknown) = members.keys().find(|k| k.as_str() != "BatchItemRequest") {
        return Err(Fault::invalid_property(unknown, "not a property of a batch request"));
    }
    let items = match members.get("BatchItemRequest") {
        Some(Node::Array(items)) => items.as_slice(),
        Some(other) => {
            return Err(Fault::invalid_property(
                "BatchItemRequest",
                &format!("expected an array, found {}", other.kind()),
            ));
        }
        None => return Err(Fault::required("BatchItemRequest")),
    };
    if items.len() > MAX_BATCH_ITEMS {
        return Err(Fault::business(format!(
            "A batch request can hold at most {MAX_BATCH_ITEMS} items (BatchItemRequest); this one has {}.",
            items.len()
        ))
        .at("BatchItemRequest"));
    }
    Ok(items)
}

/// One item's `BatchItemResponse` JSON.
fn run_item(
    item: &Node<'_>,
    books: &mut Books,
    has_request_id: bool,
    visible_from: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> String {
    let members = item.as_object();
    let bid = members.and_then(|m| m.get("bId")).and_then(Node::as_text);
    let bid_json = bid.as_ref().map(|b| format!("\"bId\":{},", serde_json::Value::from(b.as_str())));
    let outcome = item_outcome(item, bid.as_deref(), books, has_request_id, visible_from, now);
    let (key, json) = match outcome {
        Ok(found) => found,
        Err(fault) => ("Fault", fault.to_json()),
    };
    format!("{{{}\"{key}\":{json}}}", bid_json.unwrap_or_default())
}

fn item_outcome(
    item: &Node<'_>,
    bid: Option<&str>,
    books: &mut Books,
    has_request_id: bool,
    visible_from: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> QboResult<(&'static str, String)> {
    let members =
        item.as_object().ok_or_else(|| Fault::invalid_property("BatchItemRequest", "expected an object"))?;
    if let Some(bid) = bid
        && has_request_id
        && bid.chars().count() > MAX_BID_CHARS
    {
        return Err(Fault::business(format!(
            "You cannot enter more than {MAX_BID_CHARS} characters in the bId field of a batch with a requestid. You tried entering {bid}, which is {} characters.",
            bid.chars().count()
        )));
    }
    let entities: Vec<&String> = members.keys().filter(|k| !ITEM_KEYS.contains(&k.as_str())).collect();
    if let Some(query) = members.get("Query") {
        let text = query.as_text().ok_or_else(|| Fault::invalid_property("Query", "expected a string"))?;
        if let Some(extra) = entities.first() {
            return Err(Fault::invalid_property(extra, "a query item holds only its Query"));
        }
        return super::query::run(&text, books, now).map(|json| ("QueryResponse", json));
    }
    let entity = match entities.as_slice() {
        [one] => one.as_str(),
        [] => return Err(Fault::required("BatchItemRequest.JournalEntry")),
        [_, second, ..] => return Err(Fault::invalid_property(second, "a batch item holds one object")),
    };
    let operation = members.get("operation").and_then(Node::as_text).unwrap_or_default();
    if entity != "JournalEntry" {
        return Err(Fault::unsupported(format!(
            "{operation} for {entity} (the sandbox's batch takes JournalEntry items)"
        )));
    }
    let options = members.get("optionsData").and_then(Node::as_text).unwrap_or_default().to_ascii_lowercase();
    let options = WriteOptions {
        allow_duplicate_doc_num: options.split(',').any(|o| o.trim() == "allowduplicatedocnum"),
        visible_from,
    };
    let node = &members[entity];
    match operation.as_str() {
        "create" => {
            let draft = parse_entry(node)?;
            if draft.id.is_some() {
                return Err(Fault::invalid_property("JournalEntry.Id", "Id cannot be given when creating"));
            }
            Ok(("JournalEntry", books.create(draft, now, options)?.to_json()))
        }
        "update" => {
            let draft = parse_entry(node)?;
            if draft.id.is_none() {
                return Err(Fault::required("JournalEntry.Id"));
            }
            Ok(("JournalEntry", books.update(draft, now, options)?.to_json()))
        }
        "delete" => {
            let (id, sync_token) = parse_delete(node)?;
            Ok(("JournalEntry", deleted_json(books.delete(&id, sync_token.as_deref(), now)?)))
        }
        "" => Err(Fault::required("operation")),
        other => Err(Fault::invalid_enum("operation", other, "create, update, delete")),
    }
}
