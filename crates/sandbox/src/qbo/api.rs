//! The single-object endpoints under `/v3/company/{realmId}`: `POST journalentry` (create; update
//! when the body has an `Id`, or with `operation=update`; `operation=delete`), `GET {entity}/{Id}`
//! for journal entries and the name lists, `GET|POST query`, `GET preferences` and
//! `GET companyinfo/{realmId}`. `minorversion` and `format` are accepted and ignored.
//!
//! Every endpoint honours `requestid` (`with_request_id`): the first answer given to an id is
//! remembered and a replay gets it again, byte for byte, without the work being done twice.
//!
//! Invariant: handlers run after the gate (token, realm, throttles), so they only check what the
//! request says, in the books of the company the gate found (`InRealm`).

use std::collections::HashMap;
use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use chrono::{DateTime, Utc};

use super::books::{Answer, Books, WriteOptions};
use super::company::{EntityKind, account_json, company_info_json, named_json, preferences_json};
use super::draft::{parse_delete, parse_entry};
use super::entry::deleted_json;
use super::fault::{Fault, QboResult};
use super::wire::Node;
use super::{InRealm, QboCompany, fault_answer, ok, respond};
use crate::faults::ReadLag;
use crate::locks::lock;
use crate::qbo::QboShared;

/// Longest `requestid` of an ordinary request.
pub const MAX_REQUEST_ID_CHARS: usize = 50;

pub type Params = HashMap<String, String>;

/// The `requestid` of a request, refused (6000, as Intuit words it) when longer than `max`.
pub fn request_id(params: &Params, max: usize) -> QboResult<Option<String>> {
    match params.get("requestid").map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(id) => {
            let chars = id.chars().count();
            if chars > max {
                return Err(Fault::business(format!(
                    "You cannot enter more than {max} characters in the request_id field. You tried entering {id}, which is {chars} characters."
                )));
            }
            Ok(Some(id.to_owned()))
        }
    }
}

/// Runs `work` under the books' lock, unless the request's `requestid` was answered before: then
/// that answer is given again.
pub fn with_request_id(
    company: &QboCompany,
    now: DateTime<Utc>,
    params: &Params,
    max_id_chars: usize,
    work: impl FnOnce(&mut Books) -> Answer,
) -> Response {
    let id = match request_id(params, max_id_chars) {
        Ok(id) => id,
        Err(fault) => return respond(fault_answer(fault, now)),
    };
    let mut books = lock(&company.books);
    if let Some(id) = &id
        && let Some(answer) = books.remembered(id)
    {
        tracing::info!(request_id = %id, status = answer.status.as_u16(), "QBO requestid replayed");
        return respond(answer.clone());
    }
    let answer = work(&mut books);
    if let Some(id) = id {
        books.remember(&id, answer.clone());
    }
    respond(answer)
}

/// Parses a JSON body, or answers 2010 as Intuit does for a body it cannot read.
pub fn parse_body(body: &[u8]) -> QboResult<Node<'_>> {
    let text = std::str::from_utf8(body).map_err(|_| Fault::unsupported("with a body that is not UTF-8"))?;
    Node::parse(text)
        .map_err(|e| Fault::invalid_property("body", &format!("the body is not valid JSON: {e}")))
}

/// `include=allowduplicatedocnum` (node-quickbooks' `allowDuplicateDocNum`), and the read lag of a
/// `visible_after_ms` fault rule.
fn write_options(params: &Params, lag: Option<ReadLag>, now: DateTime<Utc>) -> WriteOptions {
    let include = params.get("include").map(|s| s.to_ascii_lowercase()).unwrap_or_default();
    WriteOptions {
        allow_duplicate_doc_num: include.split(',').any(|o| o.trim() == "allowduplicatedocnum"),
        visible_from: lag.map(|lag| lag.visible_from(now)),
    }
}

pub async fn post_journal_entry(
    State(shared): State<Arc<QboShared>>,
    Extension(company): InRealm,
    Query(params): Query<Params>,
    lag: Option<Extension<ReadLag>>,
    body: Bytes,
) -> Response {
    let now = shared.clock.now();
    let options = write_options(&params, lag.map(|Extension(lag)| lag), now);
    with_request_id(&company, now, &params, MAX_REQUEST_ID_CHARS, |books| {
        match write_journal_entry(books, &params, &body, options, now) {
            Ok(answer) => answer,
            Err(fault) => fault_answer(fault, now),
        }
    })
}

fn write_journal_entry(
    books: &mut Books,
    params: &Params,
    body: &[u8],
    options: WriteOptions,
    now: DateTime<Utc>,
) -> QboResult<Answer> {
    let node = parse_body(body)?;
    match params.get("operation").map(|s| s.to_ascii_lowercase()).as_deref() {
        Some("delete") => {
            let (id, sync_token) = parse_delete(&node)?;
            let id = books.delete(&id, sync_token.as_deref(), now)?;
            Ok(ok("JournalEntry", &deleted_json(id), now))
        }
        None | Some("update") | Some("create") => {
            let draft = parse_entry(&node)?;
            if params.get("operation").is_some_and(|o| o.eq_ignore_ascii_case("update")) && draft.id.is_none()
            {
                return Err(Fault::required("Id"));
            }
            let entry = books.save(draft, now, options)?;
            Ok(ok("JournalEntry", &entry.to_json(), now))
        }
        Some(other) => Err(Fault::unsupported(format!("{other} for JournalEntry"))),
    }
}

/// `GET {entity}/{Id}`.
pub async fn read(
    State(shared): State<Arc<QboShared>>,
    Extension(company): InRealm,
    Path((_, entity, id)): Path<(String, String, String)>,
    Query(params): Query<Params>,
) -> Response {
    let now = shared.clock.now();
    with_request_id(&company, now, &params, MAX_REQUEST_ID_CHARS, |books| {
        match read_object(books, &entity, &id, now) {
            Ok(answer) => answer,
            Err(fault) => fault_answer(fault, now),
        }
    })
}

fn read_object(books: &Books, entity: &str, id: &str, now: DateTime<Utc>) -> QboResult<Answer> {
    let company = &books.company;
    if entity.eq_ignore_ascii_case("companyinfo") {
        if id != company.realm_id {
            return Err(Fault::object_not_found());
        }
        return Ok(ok("CompanyInfo", &company_info_json(company).to_string(), now));
    }
    let kind = EntityKind::parse(entity).ok_or_else(|| Fault::unsupported(format!("read for {entity}")))?;
    let json = match kind {
        EntityKind::JournalEntry => books.get_visible(id, now).map(|e| e.to_json()),
        EntityKind::Account => company.account(id).map(|a| account_json(a, company)),
        other => company.named(other).iter().find(|n| n.id == id).map(|n| named_json(other, n)),
    };
    let json = json.ok_or_else(Fault::object_not_found)?;
    Ok(ok(kind.name(), &json, now))
}

/// `GET .../query?query=...`, or `POST .../query` with the query as an `application/text` body.
pub async fn query(
    State(shared): State<Arc<QboShared>>,
    Extension(company): InRealm,
    Query(params): Query<Params>,
    body: Bytes,
) -> Response {
    let now = shared.clock.now();
    let text = match params.get("query") {
        Some(text) => text.clone(),
        None => String::from_utf8_lossy(&body).into_owned(),
    };
    with_request_id(&company, now, &params, MAX_REQUEST_ID_CHARS, |books| {
        match super::query::run(&text, books, now) {
            Ok(json) => ok("QueryResponse", &json, now),
            Err(fault) => fault_answer(fault, now),
        }
    })
}

/// `GET .../preferences`.
pub async fn preferences(
    State(shared): State<Arc<QboShared>>,
    Extension(company): InRealm,
    Query(params): Query<Params>,
) -> Response {
    let now = shared.clock.now();
    with_request_id(&company, now, &params, MAX_REQUEST_ID_CHARS, |books| {
        ok("Preferences", &preferences_json(&books.company).to_string(), now)
    })
}
