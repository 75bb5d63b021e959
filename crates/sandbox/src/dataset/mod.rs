//! The sandbox dataset (`entrata-recon sandbox --data FILE`, spec/source-api.md §6): parsed,
//! checked and kept as the raw JSON text of every item.
//!
//! A structurally wrong dataset is refused with every problem located by item and field (up to
//! `check::MAX_PROBLEMS`): unknown fields, missing ids, wrong JSON types, references to unknown
//! properties, leases or payments. Values that break the API contract are kept as written.

pub(crate) mod check;
pub(crate) mod companies;
pub mod entrata_api;
pub(crate) mod item;
pub(crate) mod raw;
pub mod schema;
pub mod targets;

pub use self::check::{MAX_PROBLEMS, Problem};

use std::collections::HashMap;
use std::fmt;

use chrono::{DateTime, Utc};
use serde_json::value::RawValue;

use self::check::{Checked, FieldProblem, Problems, RefUse, check_object};
use self::companies::load_companies;
use self::entrata_api::{EntrataApiDataset, load_entrata_api};
use self::item::{Item, UpdatedAt, truncate_to_millis};
use self::raw::{JsonKind, as_str, parse_array, parse_object};
use self::schema::{EntrataKind, USER};
use self::targets::{QBO, QboDataset, XERO, XeroDataset};
use super::totp::TotpSecret;

/// A parsed and checked dataset, ready to serve.
pub struct Dataset {
    pub(crate) integration_id: String,
    pub(crate) integration_token: String,
    pub(crate) users: Vec<User>,
    /// Items per kind (`EntrataKind::index`), in dataset order.
    pub(crate) items: Vec<Vec<Item>>,
    /// The QuickBooks companies, in dataset order; empty when there is no `qbo` section.
    pub(crate) qbo: Vec<QboDataset>,
    /// The Xero organisations, in dataset order; empty when there is no `xero` section.
    pub(crate) xero: Vec<XeroDataset>,
    /// How Entrata's own API is reached (`entrataApi`, or its defaults).
    pub(crate) entrata_api: EntrataApiDataset,
    pub(crate) load_time: DateTime<Utc>,
}

/// A user who can open Entrata sessions.
#[derive(Clone)]
pub struct User {
    pub id: String,
    pub name: Option<String>,
    pub username: String,
    pub(crate) password: String,
    /// As written in the dataset, for the env file `write_config` writes.
    pub(crate) totp_secret_text: Option<String>,
    pub(crate) totp: Option<TotpSecret>,
    pub entitlements: Vec<String>,
}

impl User {
    pub fn has_mfa(&self) -> bool {
        self.totp.is_some()
    }

    pub fn has_entitlement(&self, entitlement: &str) -> bool {
        self.entitlements.iter().any(|e| e == entitlement)
    }
}

impl fmt::Debug for User {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("mfa", &self.has_mfa())
            .field("entitlements", &self.entitlements)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for Dataset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let counts: Vec<(EntrataKind, usize)> =
            EntrataKind::ALL.iter().map(|k| (*k, self.count(*k))).collect();
        f.debug_struct("Dataset")
            .field("integration_id", &self.integration_id)
            .field("users", &self.users)
            .field("items", &counts)
            .field("qbo", &self.qbo)
            .field("xero", &self.xero)
            .finish_non_exhaustive()
    }
}

/// The dataset was refused. `Display` lists every problem, one per line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct DatasetError {
    pub problems: Vec<Problem>,
    /// Problems found beyond the reported ones.
    pub omitted: usize,
}

impl fmt::Display for DatasetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let total = self.problems.len() + self.omitted;
        if total == 1 {
            return write!(f, "dataset refused: {}", self.problems[0]);
        }
        write!(f, "dataset refused: {total} problems")?;
        for problem in &self.problems {
            write!(f, "\n  {problem}")?;
        }
        if self.omitted > 0 {
            write!(f, "\n  ... and {} more", self.omitted)?;
        }
        Ok(())
    }
}

impl From<Problems> for DatasetError {
    fn from(problems: Problems) -> Self {
        DatasetError { problems: problems.list, omitted: problems.omitted }
    }
}

/// Kinds in the order they are loaded: every reference points at a kind loaded earlier.
const LOAD_ORDER: [EntrataKind; 8] = [
    EntrataKind::Properties,
    EntrataKind::Units,
    EntrataKind::Leases,
    EntrataKind::ArCodes,
    EntrataKind::Payments,
    EntrataKind::Charges,
    EntrataKind::Deposits,
    EntrataKind::WorkOrders,
];

const TOP_LEVEL: [&str; 14] = [
    "integrationId",
    "integrationToken",
    "users",
    "properties",
    "units",
    "leases",
    "arCodes",
    "charges",
    "payments",
    "deposits",
    "workOrders",
    "qbo",
    "xero",
    "entrataApi",
];

impl Dataset {
    /// Parses and checks a dataset. Items without `updatedAt` get the load time (see `UpdatedAt`).
    pub fn from_json(bytes: &[u8]) -> Result<Dataset, DatasetError> {
        let mut problems = Problems::default();
        let text = match std::str::from_utf8(bytes) {
            Ok(text) => text,
            Err(e) => {
                problems.push("dataset", None, format!("not UTF-8 text (byte {})", e.valid_up_to()));
                return Err(problems.into());
            }
        };
        let root = match parse_object(text) {
            Ok(root) => root,
            Err(message) => {
                problems.push("dataset", None, format!("not a valid dataset: {message}"));
                return Err(problems.into());
            }
        };
        for (key, _) in &root.fields {
            if !TOP_LEVEL.contains(&key.as_ref()) {
                problems.push("dataset", Some(key.to_string()), "unknown top-level field");
            }
        }
        let load_time = truncate_to_millis(Utc::now());
        let integration_id = top_text(&root, "integrationId", &mut problems);
        if integration_id.contains('/') || integration_id.contains('?') {
            problems.push(
                "dataset",
                Some("integrationId".into()),
                "must not contain '/' or '?' (it is a URL path segment)",
            );
        }
        let integration_token = top_text(&root, "integrationToken", &mut problems);
        let users = load_users(root.get("users"), &mut problems);

        let mut loader = Loader { known: Default::default(), problems, load_time };
        let mut items: Vec<Vec<Item>> = vec![Vec::new(); EntrataKind::COUNT];
        for kind in LOAD_ORDER {
            items[kind.index()] = loader.load_kind(kind, root.get(kind.dataset_key()));
        }
        let mut problems = loader.problems;
        let qbo = load_companies::<QboDataset>("qbo", QBO, root.get("qbo"), &mut problems);
        let xero = load_companies::<XeroDataset>("xero", XERO, root.get("xero"), &mut problems);
        let entrata_api =
            load_entrata_api(root.get("entrataApi"), &integration_id, &integration_token, &mut problems);

        if !problems.is_empty() {
            return Err(problems.into());
        }
        Ok(Dataset { integration_id, integration_token, users, items, qbo, xero, entrata_api, load_time })
    }

    pub fn integration_id(&self) -> &str {
        &self.integration_id
    }

    pub fn users(&self) -> &[User] {
        &self.users
    }

    /// The first QuickBooks company (the only one of a single-company dataset).
    pub fn qbo(&self) -> Option<&QboDataset> {
        self.qbo.first()
    }

    /// Every QuickBooks company, in dataset order.
    pub fn qbo_companies(&self) -> &[QboDataset] {
        &self.qbo
    }

    /// The first Xero organisation (the only one of a single-organisation dataset).
    pub fn xero(&self) -> Option<&XeroDataset> {
        self.xero.first()
    }

    /// Every Xero organisation, in dataset order.
    pub fn xero_organisations(&self) -> &[XeroDataset] {
        &self.xero
    }

    /// How the Entrata API sandbox (`/entrata-api`) is reached: the `entrataApi` section with its defaults.
    pub fn entrata_api(&self) -> &EntrataApiDataset {
        &self.entrata_api
    }

    pub fn count(&self, kind: EntrataKind) -> usize {
        self.items[kind.index()].len()
    }

    /// When the dataset was parsed: the `updatedAt` of items that had none.
    pub fn load_time(&self) -> DateTime<Utc> {
        self.load_time
    }

    /// The latest `updatedAt` among the items, in nanoseconds since the epoch.
    pub(crate) fn latest_update_ns(&self) -> Option<i64> {
        self.items.iter().flatten().map(|i| i.updated_ns).max()
    }
}

fn top_text(root: &raw::RawObject<'_>, name: &str, problems: &mut Problems) -> String {
    match root.get(name) {
        None => problems.push("dataset", Some(name.into()), "missing required field"),
        Some(value) => match as_str(value) {
            Some(text) if !text.is_empty() => return text.into_owned(),
            Some(_) => problems.push("dataset", Some(name.into()), "must not be empty"),
            None => problems.push(
                "dataset",
                Some(name.into()),
                format!("expected a string, found {}", JsonKind::of(value.get()).article()),
            ),
        },
    }
    String::new()
}

/// The label of the `index`th element of a list: `charges[3] (chargeId "chg_9")`.
pub(crate) fn label(list: &str, index: usize, id_field: &str, id: Option<&str>) -> String {
    match id {
        Some(id) => format!("{list}[{index}] ({id_field} {id:?})"),
        None => format!("{list}[{index}]"),
    }
}

/// Elements of an optional top-level list; a list written as `null` is empty.
fn list_elements<'a>(name: &str, value: Option<&'a RawValue>, problems: &mut Problems) -> Vec<&'a RawValue> {
    let Some(value) = value else { return Vec::new() };
    if JsonKind::of(value.get()) == JsonKind::Null {
        return Vec::new();
    }
    parse_array(value.get()).unwrap_or_else(|message| {
        problems.push("dataset", Some(name.into()), message);
        Vec::new()
    })
}

pub(crate) fn push_field_problems(location: &str, found: &[FieldProblem], problems: &mut Problems) {
    for problem in found {
        problems.push(location, problem.field.clone(), problem.message.clone());
    }
}

/// What a reference resolves to.
pub(crate) enum Target<'a> {
    Missing,
    /// The item exists but was itself refused: its own problem is reported, not this reference.
    Refused,
    /// The item exists, listed under this property (a property's own id for properties).
    In(&'a str),
}

/// Resolves references against the items known so far.
pub(crate) fn check_refs<'k>(
    refs: &[RefUse],
    item_property: &str,
    target: impl Fn(EntrataKind, &str) -> Target<'k>,
) -> Vec<FieldProblem> {
    let mut found = Vec::new();
    for reference in refs {
        let message = match target(reference.kind, &reference.id) {
            Target::Missing => format!("unknown {} {:?}", reference.kind.singular(), reference.id),
            Target::In(owner) if reference.kind != EntrataKind::Properties && owner != item_property => {
                format!(
                    "{} {:?} belongs to property {owner:?}, not {item_property:?}",
                    reference.kind.singular(),
                    reference.id
                )
            }
            Target::In(_) | Target::Refused => continue,
        };
        found.push(FieldProblem { field: Some(reference.field.clone()), message });
    }
    found
}

struct Known {
    /// Its position in its list, for duplicate messages.
    index: usize,
    /// The property of a property, lease or payment; `None` if it was refused.
    owner: Option<String>,
}

struct Loader {
    /// Per kind: id -> where it was first defined and, for referenced kinds, its property.
    known: [HashMap<String, Known>; EntrataKind::COUNT],
    problems: Problems,
    load_time: DateTime<Utc>,
}

impl Loader {
    fn load_kind(&mut self, kind: EntrataKind, value: Option<&RawValue>) -> Vec<Item> {
        let list = kind.dataset_key();
        let elements = list_elements(list, value, &mut self.problems);
        let mut items = Vec::with_capacity(elements.len());
        self.known[kind.index()].reserve(elements.len());
        // Only properties, leases and payments are referenced; other kinds keep no owner.
        let is_target = matches!(kind, EntrataKind::Properties | EntrataKind::Leases | EntrataKind::Payments);
        for (index, element) in elements.iter().enumerate() {
            let mut checked = match check_object(element.get(), kind.fields()) {
                Ok(checked) => checked,
                Err(message) => {
                    self.problems.push(&label(list, index, kind.id_field(), None), None, message);
                    continue;
                }
            };
            let mut found = std::mem::take(&mut checked.problems);
            let property = item_property(kind, &checked);
            let known = &self.known;
            found.extend(check_refs(&checked.refs, &property, |k, id| match known[k.index()].get(id) {
                None => Target::Missing,
                Some(Known { owner: None, .. }) => Target::Refused,
                Some(Known { owner: Some(owner), .. }) => Target::In(owner),
            }));
            if let Some(id) = &checked.id {
                if let Some(first) = self.known[kind.index()].get(id) {
                    let first_label = label(list, first.index, kind.id_field(), Some(id));
                    found.push(FieldProblem {
                        field: Some(kind.id_field().into()),
                        message: format!("duplicate {}, first defined at {first_label}", kind.id_field()),
                    });
                } else {
                    let owner = (is_target && found.is_empty()).then_some(property);
                    self.known[kind.index()].insert(id.clone(), Known { index, owner });
                }
            }
            if !found.is_empty() {
                let location = label(list, index, kind.id_field(), checked.id.as_deref());
                push_field_problems(&location, &found, &mut self.problems);
            }
            if let (true, Some(id)) = (found.is_empty(), checked.id.clone()) {
                let updated = UpdatedAt::AsWritten { load_time: self.load_time };
                items.push(Item::from_checked(kind, &checked, element.get(), id, updated));
            }
        }
        items
    }
}

/// The property an item is listed under (see `Item::property_id`).
pub(crate) fn item_property(kind: EntrataKind, checked: &Checked<'_>) -> String {
    match kind {
        EntrataKind::Properties => checked.id.clone().unwrap_or_default(),
        EntrataKind::ArCodes => String::new(),
        _ => checked.text("propertyId").unwrap_or_default(),
    }
}

fn load_users(value: Option<&RawValue>, problems: &mut Problems) -> Vec<User> {
    let mut users: Vec<User> = Vec::new();
    for (index, element) in list_elements("users", value, problems).iter().enumerate() {
        let checked = match check_object(element.get(), USER) {
            Ok(checked) => checked,
            Err(message) => {
                problems.push(&label("users", index, "id", None), None, message);
                continue;
            }
        };
        let location = label("users", index, "id", checked.id.as_deref());
        push_field_problems(&location, &checked.problems, problems);
        let totp_secret_text = checked.text("totpSecret");
        let totp = match totp_secret_text.as_deref().map(TotpSecret::from_base32) {
            Some(Err(message)) => {
                problems.push(&location, Some("totpSecret".into()), message);
                None
            }
            Some(Ok(secret)) => Some(secret),
            None => None,
        };
        let username = checked.text("username").unwrap_or_default();
        if users.iter().any(|u| u.username == username) {
            problems.push(&location, Some("username".into()), format!("duplicate username {username:?}"));
        }
        let entitlements = checked
            .object
            .get("entitlements")
            .and_then(|v| parse_array(v.get()).ok())
            .map(|list| list.iter().filter_map(|e| as_str(e).map(|s| s.into_owned())).collect())
            .unwrap_or_default();
        users.push(User {
            id: checked.id.clone().unwrap_or_default(),
            name: checked.text("name"),
            username,
            password: checked.text("password").unwrap_or_default(),
            totp_secret_text,
            totp,
            entitlements,
        });
    }
    users
}

#[cfg(test)]
mod tests;
