//! What the state file holds, read straight from its items table (read-only), and the check that
//! it holds exactly what the sandbox serves.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use entrata_recon::domain::ItemKind;
use sha2::{Digest, Sha256};
use sqlx::Row;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};

use super::served::Served;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRow {
    pub kind: String,
    pub item_id: String,
    pub version: i64,
    pub is_current: bool,
    pub property_id: Option<String>,
    pub content_hash: String,
    pub raw: String,
    pub invalid_reason: Option<String>,
}

pub struct Stored {
    pub rows: Vec<StoredRow>,
}

pub fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

impl Stored {
    pub async fn read(path: &Path) -> Stored {
        let options = SqliteConnectOptions::new().filename(path).read_only(true);
        let pool =
            SqlitePoolOptions::new().max_connections(1).connect_with(options).await.expect("state file");
        let rows = sqlx::query(
            "SELECT kind, item_id, version, is_current, property_id, content_hash, raw, invalid_reason \
             FROM items ORDER BY kind, item_id, version",
        )
        .fetch_all(&pool)
        .await
        .expect("items table");
        pool.close().await;
        let rows = rows
            .into_iter()
            .map(|r| StoredRow {
                kind: r.get(0),
                item_id: r.get(1),
                version: r.get(2),
                is_current: r.get::<i64, _>(3) == 1,
                property_id: r.get(4),
                content_hash: r.get(5),
                raw: r.get(6),
                invalid_reason: r.get(7),
            })
            .collect();
        Stored { rows }
    }

    /// Current versions of a kind: id -> row.
    pub fn current(&self, kind: ItemKind) -> BTreeMap<&str, &StoredRow> {
        self.rows
            .iter()
            .filter(|r| r.is_current && r.kind == kind.as_str())
            .map(|r| (r.item_id.as_str(), r))
            .collect()
    }

    /// Every version of one item, oldest first.
    pub fn versions(&self, kind: ItemKind, id: &str) -> Vec<&StoredRow> {
        self.rows.iter().filter(|r| r.kind == kind.as_str() && r.item_id == id).collect()
    }

    /// Rows beyond the first version of their item.
    pub fn superseded(&self) -> usize {
        self.rows.iter().filter(|r| !r.is_current).count()
    }

    /// Exactly the sandbox's items, each once, with the served bytes and their hash; every
    /// version's hash is its bytes' hash; versions count 1, 2, ... with the last one current.
    pub fn assert_matches(&self, served: &Served) {
        for row in &self.rows {
            assert_eq!(
                row.content_hash,
                sha256_hex(&row.raw),
                "{} {} v{}: hash",
                row.kind,
                row.item_id,
                row.version
            );
        }
        let mut versions: BTreeMap<(&str, &str), Vec<&StoredRow>> = BTreeMap::new();
        for row in &self.rows {
            versions.entry((row.kind.as_str(), row.item_id.as_str())).or_default().push(row);
        }
        for ((kind, id), rows) in &versions {
            let numbers: Vec<i64> = rows.iter().map(|r| r.version).collect();
            let expected: Vec<i64> = (1..=rows.len() as i64).collect();
            assert_eq!(numbers, expected, "{kind} {id}: versions");
            let current: Vec<bool> = rows.iter().map(|r| r.is_current).collect();
            assert_eq!(current.iter().filter(|c| **c).count(), 1, "{kind} {id}: one current version");
            assert!(rows.last().is_some_and(|r| r.is_current), "{kind} {id}: the last version is current");
            let hashes: BTreeSet<&str> = rows.iter().map(|r| r.content_hash.as_str()).collect();
            assert_eq!(hashes.len(), rows.len(), "{kind} {id}: the same content stored twice");
        }
        for kind in ItemKind::ALL {
            let stored = self.current(kind);
            let served = served.of(kind);
            let missing: Vec<&String> =
                served.keys().filter(|id| !stored.contains_key(id.as_str())).collect();
            let extra: Vec<&&str> = stored.keys().filter(|id| !served.contains_key(**id)).collect();
            assert!(missing.is_empty() && extra.is_empty(), "{kind}: missing {missing:?}, extra {extra:?}");
            for (id, item) in served {
                let row = stored[id.as_str()];
                assert_eq!(row.raw, item.raw, "{kind} {id}: stored bytes differ from the served bytes");
                if kind.is_per_property() {
                    assert_eq!(row.property_id, item.listed_under, "{kind} {id}: property");
                }
            }
        }
    }

    /// For Entrata's own API (`kind = "entrata"`), whose items the connector writes in the REST
    /// shapes itself: the same items as the sandbox serves, not deleted ones, with the same
    /// meaning, field by field (ids, money, dates, codes, links); versions as `assert_matches`
    /// checks them. A deleted item need not be stored: Entrata lists nothing it deleted, so an
    /// item made and deleted between two pulls is never seen.
    pub fn assert_means(&self, served: &Served) {
        let mut versions: BTreeMap<(&str, &str), Vec<&StoredRow>> = BTreeMap::new();
        for row in &self.rows {
            assert_eq!(row.content_hash, sha256_hex(&row.raw), "{} {}: hash", row.kind, row.item_id);
            versions.entry((row.kind.as_str(), row.item_id.as_str())).or_default().push(row);
        }
        for ((kind, id), rows) in &versions {
            let numbers: Vec<i64> = rows.iter().map(|r| r.version).collect();
            assert_eq!(numbers, (1..=rows.len() as i64).collect::<Vec<_>>(), "{kind} {id}: versions");
            assert!(rows.last().is_some_and(|r| r.is_current), "{kind} {id}: the last version is current");
            let hashes: BTreeSet<&str> = rows.iter().map(|r| r.content_hash.as_str()).collect();
            assert_eq!(hashes.len(), rows.len(), "{kind} {id}: the same content stored twice");
        }
        for kind in ItemKind::ALL {
            let live = |raw: &str| -> Option<serde_json::Value> {
                let value: serde_json::Value = serde_json::from_str(raw).ok()?;
                (value["status"] != "deleted").then_some(value)
            };
            let stored: BTreeMap<&str, serde_json::Value> =
                self.current(kind).into_iter().filter_map(|(id, row)| Some((id, live(&row.raw)?))).collect();
            let served: BTreeMap<&str, serde_json::Value> = served
                .of(kind)
                .iter()
                .filter_map(|(id, item)| Some((id.as_str(), live(&item.raw)?)))
                .collect();
            let missing: Vec<&&str> = served.keys().filter(|id| !stored.contains_key(*id)).collect();
            let extra: Vec<&&str> = stored.keys().filter(|id| !served.contains_key(*id)).collect();
            assert!(missing.is_empty() && extra.is_empty(), "{kind}: missing {missing:?}, extra {extra:?}");
            for (id, want) in &served {
                let got = &stored[id];
                for field in meaning(kind) {
                    assert_eq!(
                        same_money(&got[*field]),
                        same_money(&want[*field]),
                        "{kind} {id}: `{field}` differs from what the sandbox serves"
                    );
                }
            }
        }
    }
}

/// The fields that carry an item's meaning for the books.
fn meaning(kind: ItemKind) -> &'static [&'static str] {
    match kind {
        ItemKind::Property => &["propertyId", "code", "currency", "openPostMonth"],
        ItemKind::ArCode => &["arCodeId", "code", "type", "isTaxable", "glDebitAccount", "glCreditAccount"],
        ItemKind::Lease => &["leaseId", "status", "rent", "deposit", "startDate", "endDate", "currency"],
        ItemKind::Charge => &[
            "chargeId",
            "leaseId",
            "arCode",
            "amount",
            "taxAmount",
            "currency",
            "postDate",
            "postMonth",
            "servicePeriodStart",
            "servicePeriodEnd",
            "reversesChargeId",
        ],
        ItemKind::Payment => &[
            "paymentId",
            "leaseId",
            "amount",
            "currency",
            "method",
            "status",
            "postDate",
            "postMonth",
            "returnedDate",
            "returnPostMonth",
            "depositId",
        ],
        ItemKind::Deposit => {
            &["depositId", "bankAccountId", "depositDate", "postMonth", "amount", "currency", "paymentIds"]
        }
    }
}

/// Money as a number or a decimal string compares by value; `null` and absent alike.
fn same_money(value: &serde_json::Value) -> serde_json::Value {
    match value {
        serde_json::Value::String(s) => match s.parse::<f64>() {
            Ok(n) if s.chars().all(|c| c.is_ascii_digit() || c == '.' || c == '-') => serde_json::json!(n),
            _ => value.clone(),
        },
        _ => value.clone(),
    }
}
