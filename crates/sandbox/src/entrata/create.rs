//! The seed's write endpoints: `POST /properties/{id}/leases` and `POST /properties/{id}/work-orders`,
//! with the seed's request and response shapes. Created items join their lists like any other
//! (the connector does not use these; they make the sandbox a complete stand-in for the seed's API).

use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde_json::json;
use serde_json::value::RawValue;

use super::EntrataShared;
use super::lists::entitlement;
use crate::api_error::{ApiError, ApiResult};
use crate::dataset::check::{Checked, FieldProblem, check_object};
use crate::dataset::item::{Item, UpdatedAt, parse_instant, timestamp};
use crate::dataset::raw::{JsonKind, as_str, parse_array, parse_object};
use crate::dataset::schema::{ATTACHMENT, EntrataKind, Field, LEASE_FEE, Ty};
use crate::locks::{read, write};

const fn opt(name: &'static str, ty: Ty) -> Field {
    Field { name, ty, required: false }
}

const fn req(name: &'static str, ty: Ty) -> Field {
    Field { name, ty, required: true }
}

const CONCESSION: &[Field] = &[opt("code", Ty::Text), opt("amount", Ty::Money), opt("appliesOn", Ty::Text)];

const LEASE_REQUEST: &[Field] = &[
    req("unitId", Ty::Text),
    req("primaryResidentId", Ty::Text),
    opt("coResidentIds", Ty::TextList),
    req("startDate", Ty::Text),
    req("endDate", Ty::Text),
    req("rent", Ty::Money),
    opt("fees", Ty::ObjectList(LEASE_FEE)),
    opt("deposit", Ty::Money),
    opt("concessions", Ty::ObjectList(CONCESSION)),
    opt("requiresSignature", Ty::Bool),
    opt("sendResidentPortalInvite", Ty::Bool),
    opt("referenceId", Ty::Text),
];

const WORK_ORDER_REQUEST: &[Field] = &[
    req("unitId", Ty::Text),
    opt("residentId", Ty::Text),
    req("category", Ty::Text),
    opt("subcategory", Ty::Text),
    req("description", Ty::Text),
    opt("priority", Ty::Text),
    opt("accessPermission", Ty::Text),
    opt("scheduleWindowStart", Ty::Text),
    opt("scheduleWindowEnd", Ty::Text),
    opt("attachments", Ty::ObjectList(ATTACHMENT)),
    opt("notifyResident", Ty::Bool),
    opt("assignedVendorId", Ty::Text),
];

pub async fn create_lease(
    State(shared): State<Arc<EntrataShared>>,
    Path((_, property)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    create(&shared, &headers, &property, &body, EntrataKind::Leases)
        .unwrap_or_else(IntoResponse::into_response)
}

pub async fn create_work_order(
    State(shared): State<Arc<EntrataShared>>,
    Path((_, property)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    create(&shared, &headers, &property, &body, EntrataKind::WorkOrders)
        .unwrap_or_else(IntoResponse::into_response)
}

fn create(
    shared: &EntrataShared,
    headers: &HeaderMap,
    property: &str,
    body: &[u8],
    kind: EntrataKind,
) -> ApiResult {
    shared.authorize(headers, entitlement(kind))?;
    let text = std::str::from_utf8(body).map_err(|_| ApiError::invalid_request("body is not UTF-8"))?;
    let schema = if kind == EntrataKind::Leases { LEASE_REQUEST } else { WORK_ORDER_REQUEST };
    let request = check_object(text, schema).map_err(|e| ApiError::invalid_request(format!("body: {e}")))?;
    let (currency, property_code) = {
        let store = read(&shared.store);
        let Some(property_item) = store.get(EntrataKind::Properties, property) else {
            return Err(ApiError::not_found(format!("property {property:?} not found")));
        };
        let mut problems = request.problems.clone();
        problems.extend(value_problems(&request, kind));
        if let Some(unit) = request.text("unitId")
            && store.get(EntrataKind::Units, &unit).is_none_or(|u| &*u.property_id != property)
        {
            problems.push(problem("unitId", format!("no unit {unit:?} in property {property:?}")));
        }
        if !problems.is_empty() {
            return Err(refused(&problems));
        }
        let property_object = parse_object(&property_item.raw).ok();
        let raw_field =
            |name: &str| property_object.as_ref().and_then(|o| o.get(name)).map(|v| v.get().to_owned());
        let code =
            property_object.as_ref().and_then(|o| o.get("code")).and_then(as_str).map(|c| c.into_owned());
        (raw_field("currency"), code)
    };

    let now = shared.clock.bump_time();
    let sequence = shared.created.fetch_add(1, Ordering::Relaxed) + 1;
    let mut store = write(&shared.store);
    let prefix = if kind == EntrataKind::Leases { "lease_sbx" } else { "wo_sbx" };
    let mut id = format!("{prefix}{sequence:06}");
    let mut bump = sequence;
    while store.get(kind, &id).is_some() {
        bump += 1;
        id = format!("{prefix}{bump:06}");
    }
    let (stored, response) = if kind == EntrataKind::Leases {
        let number = format!("{}-{}-{sequence:05}", property_code.as_deref().unwrap_or("LSE"), now.year());
        lease_json(&request, &id, property, &number, currency.as_deref(), now)
    } else {
        work_order_json(&request, &id, property, &format!("WO-{}-{sequence:05}", now.year()), now)
    };
    // The stored item is built from checked parts; checking it again keeps one path into the store.
    let checked =
        check_object(&stored, kind.fields()).ok().filter(|c| c.problems.is_empty()).ok_or_else(|| {
            ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal_error", "could not store the item")
        })?;
    store.upsert(Item::from_checked(kind, &checked, &stored, id.clone(), UpdatedAt::Bump(now)));
    drop(store);
    tracing::info!(kind = %kind, id = %id, property = %property, "Entrata {} created", kind.singular());
    Ok((
        StatusCode::CREATED,
        [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))],
        response,
    )
        .into_response())
}

fn problem(field: &str, message: impl Into<String>) -> FieldProblem {
    FieldProblem { field: Some(field.to_owned()), message: message.into() }
}

fn refused(problems: &[FieldProblem]) -> ApiError {
    let listed: Vec<String> = problems
        .iter()
        .map(|p| format!("field \"{}\": {}", p.field.as_deref().unwrap_or("body"), p.message))
        .collect();
    let details: Vec<serde_json::Value> =
        problems.iter().map(|p| json!({"field": p.field, "message": p.message})).collect();
    ApiError::invalid_request(listed.join("; ")).with_details(json!({ "problems": details }))
}

/// Checks the values a create must have right (types were checked by the schema).
fn value_problems(request: &Checked<'_>, kind: EntrataKind) -> Vec<FieldProblem> {
    let mut found = Vec::new();
    let mut date = |path: &str, raw: Option<&RawValue>| -> Option<NaiveDate> {
        let text = as_str(raw?)?;
        let parsed = NaiveDate::parse_from_str(&text, "%Y-%m-%d").ok();
        if parsed.is_none() {
            found.push(problem(path, format!("{text:?} is not a date (YYYY-MM-DD)")));
        }
        parsed
    };
    if kind == EntrataKind::Leases {
        let start = date("startDate", request.object.get("startDate"));
        let end = date("endDate", request.object.get("endDate"));
        for (i, concession) in objects(request.object.get("concessions")).iter().enumerate() {
            date(&format!("concessions[{i}].appliesOn"), concession.get("appliesOn"));
        }
        if let (Some(start), Some(end)) = (start, end)
            && end < start
        {
            found.push(problem("endDate", "is before startDate"));
        }
        money(&mut found, "rent", request.object.get("rent"));
        money(&mut found, "deposit", request.object.get("deposit"));
        for (i, fee) in objects(request.object.get("fees")).iter().enumerate() {
            if fee.get("code").and_then(as_str).is_none() {
                found.push(problem(&format!("fees[{i}].code"), "missing required field"));
            }
            if fee.get("amount").is_none() {
                found.push(problem(&format!("fees[{i}].amount"), "missing required field"));
            }
            money(&mut found, &format!("fees[{i}].amount"), fee.get("amount"));
            if let Some(frequency) = fee.get("frequency").and_then(as_str)
                && !["monthly", "once"].contains(&frequency.as_ref())
            {
                found.push(problem(
                    &format!("fees[{i}].frequency"),
                    format!("{frequency:?} is not monthly or once"),
                ));
            }
        }
        for (i, concession) in objects(request.object.get("concessions")).iter().enumerate() {
            money(&mut found, &format!("concessions[{i}].amount"), concession.get("amount"));
        }
    } else {
        let mut instant = |name: &str| {
            let text = request.text(name)?;
            let parsed = parse_instant(&text);
            if parsed.is_none() {
                found.push(problem(name, format!("{text:?} is not an ISO 8601 timestamp with offset")));
            }
            parsed
        };
        if let (Some(start), Some(end)) = (instant("scheduleWindowStart"), instant("scheduleWindowEnd"))
            && end <= start
        {
            found.push(problem("scheduleWindowEnd", "is not after scheduleWindowStart"));
        }
        if request.text("description").is_some_and(|d| d.trim().is_empty()) {
            found.push(problem("description", "must not be empty"));
        }
    }
    found
}

/// The elements of an array of objects (already type-checked; anything else is skipped).
fn objects(raw: Option<&RawValue>) -> Vec<crate::dataset::raw::RawObject<'_>> {
    let Some(raw) = raw else { return Vec::new() };
    let elements = parse_array(raw.get()).unwrap_or_default();
    elements.into_iter().filter_map(|e| parse_object(e.get()).ok()).collect()
}

/// A create takes amounts the way a write API does: a non-negative decimal with at most 2 places.
fn money(found: &mut Vec<FieldProblem>, path: &str, raw: Option<&RawValue>) {
    let Some(raw) = raw.filter(|r| JsonKind::of(r.get()) != JsonKind::Null) else { return };
    let text = match as_str(raw) {
        Some(inner) => inner.into_owned(),
        None => raw.get().trim().to_owned(),
    };
    match Decimal::from_str(&text) {
        Ok(amount) if amount.is_sign_negative() => found.push(problem(path, format!("{text} is negative"))),
        Ok(amount) if amount.normalize().scale() > 2 => {
            found.push(problem(path, format!("{text} has more than 2 decimal places")))
        }
        Ok(_) => {}
        Err(_) => found.push(problem(path, format!("{text:?} is not a decimal amount"))),
    }
}

/// A request field's raw JSON, or `default` when it is missing.
fn raw_or<'a>(request: &'a Checked<'_>, name: &str, default: &'a str) -> &'a str {
    request.object.get(name).map_or(default, |v| v.get())
}

fn quoted(text: &str) -> String {
    serde_json::Value::from(text).to_string()
}

fn join_object(fields: &[(&str, String)]) -> String {
    let parts: Vec<String> = fields.iter().map(|(k, v)| format!("{}:{v}", quoted(k))).collect();
    format!("{{{}}}", parts.join(","))
}

/// The lease as listed (spec/source-api.md §3) and the seed's create response; money as sent.
fn lease_json(
    request: &Checked<'_>,
    id: &str,
    property: &str,
    number: &str,
    currency: Option<&str>,
    now: DateTime<Utc>,
) -> (String, String) {
    let stored = join_object(&[
        ("leaseId", quoted(id)),
        ("propertyId", quoted(property)),
        ("number", quoted(number)),
        ("unitId", raw_or(request, "unitId", "null").to_owned()),
        ("primaryResidentId", raw_or(request, "primaryResidentId", "null").to_owned()),
        ("coResidentIds", raw_or(request, "coResidentIds", "[]").to_owned()),
        ("status", quoted("pending_signature")),
        ("startDate", raw_or(request, "startDate", "null").to_owned()),
        ("endDate", raw_or(request, "endDate", "null").to_owned()),
        ("moveInDate", "null".to_owned()),
        ("moveOutDate", "null".to_owned()),
        ("rent", raw_or(request, "rent", "null").to_owned()),
        ("fees", raw_or(request, "fees", "[]").to_owned()),
        ("deposit", raw_or(request, "deposit", "null").to_owned()),
        ("currency", currency.unwrap_or("null").to_owned()),
    ]);
    let response = join_object(&[
        ("leaseId", quoted(id)),
        ("number", quoted(number)),
        ("status", quoted("pending_signature")),
        ("rent", raw_or(request, "rent", "null").to_owned()),
        ("deposit", raw_or(request, "deposit", "null").to_owned()),
        ("createdAt", quoted(&timestamp(now))),
    ]);
    (stored, response)
}

fn work_order_json(
    request: &Checked<'_>,
    id: &str,
    property: &str,
    number: &str,
    now: DateTime<Utc>,
) -> (String, String) {
    let created_at = quoted(&timestamp(now));
    let copied = |name: &str| raw_or(request, name, "null").to_owned();
    let stored = join_object(&[
        ("workOrderId", quoted(id)),
        ("propertyId", quoted(property)),
        ("number", quoted(number)),
        ("status", quoted("open")),
        ("unitId", copied("unitId")),
        ("residentId", copied("residentId")),
        ("category", copied("category")),
        ("subcategory", copied("subcategory")),
        ("description", copied("description")),
        ("priority", raw_or(request, "priority", "\"normal\"").to_owned()),
        ("accessPermission", copied("accessPermission")),
        ("scheduleWindowStart", copied("scheduleWindowStart")),
        ("scheduleWindowEnd", copied("scheduleWindowEnd")),
        ("attachments", raw_or(request, "attachments", "[]").to_owned()),
        ("notifyResident", copied("notifyResident")),
        ("assignedVendorId", copied("assignedVendorId")),
        ("createdAt", created_at.clone()),
    ]);
    let response = join_object(&[
        ("workOrderId", quoted(id)),
        ("number", quoted(number)),
        ("status", quoted("open")),
        ("createdAt", created_at),
    ]);
    (stored, response)
}
