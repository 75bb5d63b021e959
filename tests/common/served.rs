//! What the sandbox serves, read from `GET /_sandbox/state`: every item's exact bytes (the dump
//! embeds them verbatim), the users and sessions, and the request counts per endpoint.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use entrata_recon::domain::ItemKind;
use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

use super::json;

/// One served item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServedItem {
    pub id: String,
    /// The list it is served in (`None` for company-wide lists).
    pub listed_under: Option<String>,
    /// The exact JSON text the list endpoint sends.
    pub raw: String,
    pub updated_at: Option<DateTime<Utc>>,
}

pub struct Served {
    /// Per kind, items by id.
    pub items: BTreeMap<ItemKind, BTreeMap<String, ServedItem>>,
    pub users: Vec<Value>,
    pub sessions: Vec<Value>,
    pub requests: Requests,
}

#[derive(Deserialize)]
struct Dump {
    entrata: EntrataDump,
    requests: BTreeMap<String, u64>,
}

#[derive(Deserialize)]
struct EntrataDump {
    users: Vec<Value>,
    sessions: Vec<Value>,
    data: BTreeMap<String, Box<RawValue>>,
}

impl Served {
    pub fn parse(text: &str) -> Served {
        let dump: Dump = serde_json::from_str(text).unwrap_or_else(|e| panic!("sandbox state ({e}): {text}"));
        let mut items = BTreeMap::new();
        for kind in ItemKind::ALL {
            let data = dump.entrata.data.get(kind.as_str()).unwrap_or_else(|| panic!("no {kind} in dump"));
            let lists: Vec<(Option<String>, Vec<Box<RawValue>>)> = if kind.is_per_property() {
                let by_property: BTreeMap<String, Vec<Box<RawValue>>> =
                    serde_json::from_str(data.get()).expect("per-property lists");
                by_property.into_iter().map(|(p, list)| (Some(p), list)).collect()
            } else {
                vec![(None, serde_json::from_str(data.get()).expect("a list"))]
            };
            let mut by_id = BTreeMap::new();
            for (listed_under, list) in lists {
                for raw in list {
                    let raw = raw.get().to_owned();
                    let id = json::text(&raw, kind.id_field()).unwrap_or_else(|| panic!("no id: {raw}"));
                    let updated_at = json::text(&raw, "updatedAt")
                        .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
                        .map(|t| t.with_timezone(&Utc));
                    let item =
                        ServedItem { id: id.clone(), listed_under: listed_under.clone(), raw, updated_at };
                    assert!(by_id.insert(id, item).is_none(), "the sandbox serves a {kind} id twice");
                }
            }
            items.insert(kind, by_id);
        }
        Served {
            items,
            users: dump.entrata.users,
            sessions: dump.entrata.sessions,
            requests: Requests(dump.requests),
        }
    }

    pub fn of(&self, kind: ItemKind) -> &BTreeMap<String, ServedItem> {
        &self.items[&kind]
    }

    pub fn item(&self, kind: ItemKind, id: &str) -> &ServedItem {
        self.of(kind).get(id).unwrap_or_else(|| panic!("the sandbox serves no {kind} {id}"))
    }

    /// Items of every kind the puller pulls.
    pub fn total(&self) -> u64 {
        self.items.values().map(|m| m.len() as u64).sum()
    }

    pub fn count(&self, kind: ItemKind) -> u64 {
        self.of(kind).len() as u64
    }

    /// The lists the puller walks: (kind, property or `None`) with their items.
    pub fn lists(&self) -> BTreeMap<(ItemKind, Option<String>), Vec<&ServedItem>> {
        let mut lists: BTreeMap<_, Vec<&ServedItem>> = BTreeMap::new();
        for (kind, items) in &self.items {
            for item in items.values() {
                lists.entry((*kind, item.listed_under.clone())).or_default().push(item);
            }
        }
        lists
    }
}

/// Request counts per endpoint, as `METHOD /route/{template}`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Requests(pub BTreeMap<String, u64>);

impl Requests {
    /// The counts per endpoint; the sandbox's `... -> 429` tallies (throttled answers, already
    /// counted as requests) are left out.
    pub fn from_json(value: &Value) -> Requests {
        let all: std::collections::BTreeMap<String, u64> =
            serde_json::from_value(value.clone()).expect("request counts");
        Requests(all.into_iter().filter(|(k, _)| !k.ends_with(" -> 429")).collect())
    }

    /// Requests to the Entrata endpoints whose method is `method` and route ends with `suffix`
    /// (`"/charges"`, `"/sessions"`; `"/properties"` is the property list only).
    pub fn to(&self, method: &str, suffix: &str) -> u64 {
        let prefix = format!("{method} /entrata/");
        self.0.iter().filter(|(k, _)| k.starts_with(&prefix) && k.ends_with(suffix)).map(|(_, n)| n).sum()
    }

    /// Every request to Entrata.
    pub fn entrata(&self) -> u64 {
        self.0.iter().filter(|(k, _)| k.contains(" /entrata/")).map(|(_, n)| n).sum()
    }

    /// What happened between `earlier` and now.
    pub fn since(&self, earlier: &Requests) -> Requests {
        let counts = self.0.iter().map(|(k, n)| (k.clone(), n - earlier.0.get(k).copied().unwrap_or(0)));
        Requests(counts.filter(|(_, n)| *n > 0).collect())
    }
}
