//! The sandbox's own endpoints under `/_sandbox`, for tests and people: a dump of everything it
//! holds, the controllable clock, upserts of Entrata items, and the fault plan. Never faulted,
//! never rate-limited.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Value, json};

use super::api_error::{ApiError, ApiResult};
use super::dataset::check::{FieldProblem, Problems, check_object};
use super::dataset::item::{Item, UpdatedAt, timestamp};
use super::dataset::raw::{JsonKind, parse_array};
use super::dataset::schema::EntrataKind;
use super::dataset::{Target, check_refs, item_property, label};
use super::entrata::sessions::Session;
use super::faults::{FaultEngine, FaultPlan, parse_faults};
use super::locks::{lock, read, write};
use super::shared::Shared;

/// Upsert bodies may carry many items; past this a test should load a dataset instead.
const MAX_UPSERT_BODY_BYTES: usize = 64 * 1024 * 1024;

pub fn router(shared: &Shared) -> Router<Arc<Shared>> {
    Router::new()
        .route("/_sandbox/state", get(state))
        .route("/_sandbox/time", get(time).post(advance_time))
        .route("/_sandbox/entrata/{kind}", post(upsert).layer(DefaultBodyLimit::max(MAX_UPSERT_BODY_BYTES)))
        .route("/_sandbox/faults", get(faults).post(replace_faults).delete(clear_faults))
        .merge(super::qbo::control::router(Arc::clone(&shared.qbo_api)))
        .merge(super::xero::control::router(Arc::clone(&shared.xero_api)))
}

fn json_response(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], body).into_response()
}

async fn time(State(shared): State<Arc<Shared>>) -> Response {
    axum::Json(clock_json(&shared)).into_response()
}

fn clock_json(shared: &Shared) -> Value {
    json!({"now": timestamp(shared.clock.now()), "advancedSeconds": shared.clock.advanced_seconds()})
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Advance {
    advance_seconds: u32,
}

async fn advance_time(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    match serde_json::from_slice::<Advance>(&body) {
        Ok(advance) => {
            let now = shared.clock.advance(advance.advance_seconds);
            tracing::info!(seconds = advance.advance_seconds, now = %timestamp(now), "sandbox clock advanced");
            axum::Json(clock_json(&shared)).into_response()
        }
        Err(e) => ApiError::invalid_request(format!(
            "expected {{\"advanceSeconds\": N}} with N a whole number of seconds from 0 to {}: {e}",
            u32::MAX
        ))
        .into_response(),
    }
}

async fn faults(State(shared): State<Arc<Shared>>) -> Response {
    axum::Json(lock(&shared.faults).describe()).into_response()
}

async fn replace_faults(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    match parse_faults(&body) {
        Ok(plan) => install(&shared, plan),
        Err(e) => ApiError::invalid_request(e.to_string()).into_response(),
    }
}

async fn clear_faults(State(shared): State<Arc<Shared>>) -> Response {
    install(&shared, FaultPlan::default())
}

fn install(shared: &Shared, plan: FaultPlan) -> Response {
    tracing::info!(rules = plan.rules.len(), seed = plan.seed, "fault plan replaced");
    let mut engine = lock(&shared.faults);
    *engine = FaultEngine::new(plan);
    axum::Json(engine.describe()).into_response()
}

/// `POST /_sandbox/entrata/{kind}`: one item or an array, checked like the dataset, each stored
/// whole with `updatedAt` set to the sandbox's now. All or nothing: one bad item refuses the lot.
async fn upsert(State(shared): State<Arc<Shared>>, Path(kind): Path<String>, body: Bytes) -> Response {
    upsert_inner(&shared, &kind, &body).unwrap_or_else(IntoResponse::into_response)
}

fn upsert_inner(shared: &Shared, kind_name: &str, body: &[u8]) -> ApiResult {
    let Some(kind) = EntrataKind::from_dataset_key(kind_name) else {
        let kinds: Vec<&str> = EntrataKind::ALL.iter().map(|k| k.dataset_key()).collect();
        return Err(ApiError::not_found(format!(
            "unknown item kind {kind_name:?}; one of {}",
            kinds.join(", ")
        )));
    };
    let text = std::str::from_utf8(body).map_err(|_| ApiError::invalid_request("body is not UTF-8"))?;
    let (elements, single): (Vec<&RawValue>, bool) = match JsonKind::of(text) {
        JsonKind::Array => {
            (parse_array(text).map_err(|e| ApiError::invalid_request(format!("body: {e}")))?, false)
        }
        _ => {
            let one: &RawValue =
                serde_json::from_str(text).map_err(|e| ApiError::invalid_request(format!("body: {e}")))?;
            (vec![one], true)
        }
    };
    let now = shared.clock.bump_time();
    let mut store = write(&shared.entrata.store);
    let mut problems = Problems::default();
    let mut items = Vec::with_capacity(elements.len());
    for (index, element) in elements.iter().enumerate() {
        let location = |id: Option<&str>| match (single, id) {
            (true, Some(id)) => format!("body ({} {id:?})", kind.id_field()),
            (true, None) => "body".to_owned(),
            (false, id) => label("body", index, kind.id_field(), id),
        };
        let checked = match check_object(element.get(), kind.fields()) {
            Ok(checked) => checked,
            Err(message) => {
                problems.push(&location(None), None, message);
                continue;
            }
        };
        let location = location(checked.id.as_deref());
        let property = item_property(kind, &checked);
        // References point at other kinds, so the store as it stands resolves them.
        let mut found: Vec<FieldProblem> = checked.problems.clone();
        found.extend(check_refs(&checked.refs, &property, |k, id| {
            store.get(k, id).map_or(Target::Missing, |item| Target::In(&item.property_id))
        }));
        for problem in &found {
            problems.push(&location, problem.field.clone(), problem.message.clone());
        }
        if let (true, Some(id)) = (found.is_empty(), checked.id.clone()) {
            items.push(Item::from_checked(kind, &checked, element.get(), id, UpdatedAt::Bump(now)));
        }
    }
    if !problems.is_empty() {
        let listed: Vec<String> = problems.list.iter().map(ToString::to_string).collect();
        let mut message = listed.join("; ");
        if problems.omitted > 0 {
            message.push_str(&format!("; ... and {} more", problems.omitted));
        }
        return Err(ApiError::invalid_request(message).with_details(json!({ "problems": listed })));
    }
    let upserted: Vec<Value> = items
        .into_iter()
        .map(|item| {
            let stored = store.upsert(item);
            json!({"kind": kind.dataset_key(), "id": &*stored.id, "propertyId": &*stored.property_id})
        })
        .collect();
    drop(store);
    tracing::info!(kind = %kind, count = upserted.len(), updated_at = %timestamp(now), "Entrata items upserted");
    Ok(axum::Json(json!({"updatedAt": timestamp(now), "upserted": upserted})).into_response())
}

#[derive(Deserialize)]
struct StateQuery {
    /// `items=false` leaves the Entrata items out (they can be large).
    items: Option<bool>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StateDump {
    clock: Value,
    entrata: EntrataDump,
    /// Entrata's own API (`/entrata-api`): its org, limits, rate windows and export marks.
    entrata_api: Value,
    requests: BTreeMap<String, u64>,
    faults: Value,
    qbo: Option<Box<RawValue>>,
    xero: Option<Box<RawValue>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EntrataDump {
    integration_id: String,
    limits: Value,
    rate_limit: Value,
    users: Vec<Value>,
    sessions: Vec<Value>,
    counts: BTreeMap<&'static str, usize>,
    /// Items as served, by kind; per-property kinds by property id.
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<Box<RawValue>>,
}

/// `GET /_sandbox/state`: everything the sandbox holds. Tokens appear only as fingerprints.
async fn state(State(shared): State<Arc<Shared>>, Query(query): Query<StateQuery>) -> Response {
    let include_items = query.items.unwrap_or(true);
    let now = shared.clock.now();
    let limits = &shared.entrata.limits;
    let rate = lock(&shared.entrata.rate).peek(shared.entrata.now_ns(), limits);
    let sessions: Vec<Value> = lock(&shared.entrata.sessions)
        .list()
        .into_iter()
        .map(|(fingerprint, session): (String, &Session)| {
            json!({
                "token": fingerprint,
                "userId": shared.entrata.users[session.user].id,
                "issuedAt": timestamp(session.issued_at),
                "expiresAt": timestamp(session.expires_at),
                "expired": now >= session.expires_at,
            })
        })
        .collect();
    let (counts, data) = {
        let store = read(&shared.entrata.store);
        let counts = EntrataKind::ALL.iter().map(|k| (k.dataset_key(), store.count(*k))).collect();
        (counts, include_items.then(|| items_json(&store)))
    };
    let dump = StateDump {
        clock: clock_json(&shared),
        entrata: EntrataDump {
            integration_id: shared.entrata.integration_id.clone(),
            limits: json!({
                "requestsPerWindow": limits.requests_per_window, "windowSeconds": limits.window_s,
                "tokenLifetimeSeconds": limits.token_lifetime_s, "refreshGraceSeconds": limits.refresh_grace_s,
            }),
            rate_limit: json!({"limit": rate.limit, "remaining": rate.remaining, "resetSeconds": rate.reset_s}),
            users: shared
                .entrata
                .users
                .iter()
                .map(|u| json!({"id": u.id, "username": u.username, "mfa": u.has_mfa(), "entitlements": u.entitlements}))
                .collect(),
            sessions,
            counts,
            data: data.and_then(|text| RawValue::from_string(text).ok()),
        },
        entrata_api: shared.entrata_api.dump(),
        requests: lock(&shared.counts).clone(),
        faults: lock(&shared.faults).describe(),
        qbo: super::qbo::control::state_dump(&shared.qbo_api),
        xero: super::xero::control::dump(&shared.xero_api),
    };
    match serde_json::to_string_pretty(&dump) {
        Ok(body) => json_response(StatusCode::OK, body),
        Err(e) => {
            ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal_error", e.to_string()).into_response()
        }
    }
}

/// The Entrata items as one JSON object of raw item texts, in list order.
fn items_json(store: &super::store::Store) -> String {
    let mut out = String::from("{");
    for (k, kind) in EntrataKind::ALL.iter().enumerate() {
        if k > 0 {
            out.push(',');
        }
        out.push_str(&format!("\"{}\":", kind.dataset_key()));
        let mut lists: Vec<(&str, &[Arc<Item>])> = store.lists(*kind).collect();
        lists.sort_by_key(|(property, _)| *property);
        let join = |items: &[Arc<Item>]| items.iter().map(|i| &*i.raw).collect::<Vec<&str>>().join(",");
        if kind.is_per_property() {
            let parts: Vec<String> = lists
                .iter()
                .map(|(property, items)| format!("{}:[{}]", Value::from(*property), join(items)))
                .collect();
            out.push_str(&format!("{{{}}}", parts.join(",")));
        } else {
            let all: Vec<String> =
                lists.iter().map(|(_, items)| join(items)).filter(|s| !s.is_empty()).collect();
            out.push_str(&format!("[{}]", all.join(",")));
        }
    }
    out.push('}');
    out
}
