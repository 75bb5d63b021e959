//! Pulled items, versions and watermarks.

use chrono::{DateTime, Utc};

use sqlx::Row;

use super::{StateError, StateFile};
use crate::domain::ItemKind;

/// One item as pulled, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemWrite {
    pub item_id: String,
    pub property_id: Option<String>,
    /// `updatedAt` exactly as sent, when present.
    pub updated_at: Option<String>,
    /// sha256 of `raw`, hex.
    pub content_hash: String,
    /// The item's JSON exactly as Entrata sent it.
    pub raw: String,
    /// Why the item breaks the source contract, when it does.
    pub invalid_reason: Option<String>,
    /// The planning form (`state::form`): required for per-property kinds, ignored for others.
    pub form: Option<Vec<u8>>,
}

/// One page of one list, written atomically with the watermark it reaches.
#[derive(Debug, Clone)]
pub struct PageWrite {
    pub kind: ItemKind,
    /// The property id, or `*` for company-wide lists.
    pub scope: String,
    pub items: Vec<ItemWrite>,
    /// The latest `updatedAt` fully covered once this page is stored.
    pub watermark: Option<DateTime<Utc>>,
    pub seen_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PageOutcome {
    /// Items never seen before.
    pub new: u64,
    /// Items whose content changed: stored as a new version.
    pub changed: u64,
    /// Items seen again with the same content (overlap window, paging drift).
    pub unchanged: u64,
    /// Of new and changed, those quarantined.
    pub invalid: u64,
}

impl PageOutcome {
    pub fn add(&mut self, other: PageOutcome) {
        self.new += other.new;
        self.changed += other.changed;
        self.unchanged += other.unchanged;
        self.invalid += other.invalid;
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Watermark {
    pub scope: String,
    pub kind: String,
    pub updated_at: String,
    pub pulled_at: String,
}

/// The current version of an item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrentItem {
    pub item_id: String,
    pub version: i64,
    pub property_id: Option<String>,
    pub raw: String,
    pub invalid_reason: Option<String>,
}

/// A current item borrowed from a batch (`StateFile::for_each_current_item`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ItemRef<'a> {
    pub item_id: &'a str,
    pub raw: &'a str,
    pub invalid_reason: Option<&'a str>,
}

/// Items per batch row: about 600 bytes each in a generated portfolio, a few MB a row.
const ITEMS_PER_BATCH: i64 = 4_096;

/// One batch row of `for_each_current_item`: per item `<id bytes>,<raw bytes>,<reason bytes or
/// -1>`, `;`-separated, in `lengths`; the texts back to back in `ids`, `raws` and `reasons` (a NULL
/// reason adds nothing). SQLite steps every aggregate of a row over the same rows in the same
/// order, and lengths make any text safe: no separator can be confused with content, and raw
/// JSON is copied once, not through a chain of concatenations.
#[derive(Debug, Default)]
struct Batch {
    lengths: String,
    ids: String,
    raws: String,
    reasons: String,
}

impl Batch {
    fn items(&self) -> BatchItems<'_> {
        BatchItems {
            lengths: self.lengths.split(';').filter(|l| !l.is_empty()),
            ids: &self.ids,
            raws: &self.raws,
            reasons: &self.reasons,
        }
    }
}

struct BatchItems<'a> {
    lengths: std::iter::Filter<std::str::Split<'a, char>, fn(&&'a str) -> bool>,
    ids: &'a str,
    raws: &'a str,
    reasons: &'a str,
}

impl<'a> Iterator for BatchItems<'a> {
    type Item = Result<ItemRef<'a>, String>;

    fn next(&mut self) -> Option<Self::Item> {
        let Some(header) = self.lengths.next() else {
            let left = self.ids.len() + self.raws.len() + self.reasons.len();
            (self.ids, self.raws, self.reasons) = ("", "", "");
            return (left > 0).then(|| Err(format!("{left} bytes of text beyond the last item")));
        };
        let item = self.cut(header);
        if item.is_err() {
            // One bad header and nothing after it can be trusted.
            self.lengths = "".split(';').filter(|l| !l.is_empty());
            (self.ids, self.raws, self.reasons) = ("", "", "");
        }
        Some(item)
    }
}

impl<'a> BatchItems<'a> {
    fn cut(&mut self, header: &str) -> Result<ItemRef<'a>, String> {
        let mut lengths = header.split(',').map(str::parse::<i64>);
        let mut length = |what: &str| match lengths.next() {
            Some(Ok(-1)) => Ok(None),
            Some(Ok(n)) => usize::try_from(n).map(Some).map_err(|_| format!("{what} length {n}")),
            _ => Err(format!("no {what} length in `{header}`")),
        };
        let (id_len, raw_len, reason_len) = (length("id")?, length("raw")?, length("reason")?);
        let take = |text: &mut &'a str, len: usize, what: &str| {
            let (head, tail) = (text.get(..len), text.get(len..));
            match (head, tail) {
                (Some(head), Some(tail)) => {
                    *text = tail;
                    Ok(head)
                }
                _ => Err(format!("{what} text cut short at `{header}`")),
            }
        };
        let item_id = take(&mut self.ids, id_len.ok_or("no id")?, "id")?;
        let raw = take(&mut self.raws, raw_len.ok_or("no raw")?, "raw")?;
        let invalid_reason = match reason_len {
            Some(len) => Some(take(&mut self.reasons, len, "reason")?),
            None => None,
        };
        Ok(ItemRef { item_id, raw, invalid_reason })
    }
}

/// What `status` shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatusCounts {
    /// Current versions per kind, tombstones included.
    pub items_by_kind: Vec<(String, i64)>,
    /// Current versions per property and kind.
    pub items_by_property: Vec<(String, String, i64)>,
    /// Items whose current version is quarantined, per kind.
    pub invalid_by_kind: Vec<(String, i64)>,
    /// Item versions beyond the first (changes seen in Entrata).
    pub superseded_versions: i64,
    pub watermarks: Vec<Watermark>,
}

mod write;
pub use write::PageWriter;

impl StateFile {
    /// Where an incremental pull of this list starts (before the overlap window is applied).
    pub async fn watermark(&self, scope: &str, kind: ItemKind) -> Result<Option<DateTime<Utc>>, StateError> {
        let row = sqlx::query("SELECT updated_at FROM watermarks WHERE scope = ?1 AND kind = ?2")
            .bind(scope)
            .bind(kind.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(self.query_err())?;
        let Some(row) = row else { return Ok(None) };
        let text: String = row.get(0);
        DateTime::parse_from_rfc3339(&text).map(|t| Some(t.with_timezone(&Utc))).map_err(|_| {
            StateError::Corrupt {
                path: self.path.clone(),
                message: format!("watermark {scope}/{kind} is `{text}`, not a timestamp"),
            }
        })
    }

    /// Current versions of one kind, optionally of one property, ordered by id.
    pub async fn current_items(
        &self,
        kind: ItemKind,
        property_id: Option<&str>,
    ) -> Result<Vec<CurrentItem>, StateError> {
        let rows = match property_id {
            Some(property) => {
                // INDEXED BY: left to itself, SQLite walks `items_current` (kind, item_id) to
                // skip the sort, reading every property's items of the kind for each property:
                // planning a portfolio was quadratic in its number of properties.
                sqlx::query(
                    "SELECT item_id, version, property_id, raw, invalid_reason \
                     FROM items INDEXED BY items_current_by_property \
                     WHERE property_id = ?1 AND kind = ?2 AND is_current = 1 ORDER BY item_id",
                )
                .bind(property)
                .bind(kind.as_str())
                .fetch_all(&self.pool)
                .await
            }
            None => {
                sqlx::query(
                    "SELECT item_id, version, property_id, raw, invalid_reason FROM items \
                     WHERE kind = ?1 AND is_current = 1 ORDER BY item_id",
                )
                .bind(kind.as_str())
                .fetch_all(&self.pool)
                .await
            }
        }
        .map_err(self.query_err())?;
        Ok(rows
            .into_iter()
            .map(|row| CurrentItem {
                item_id: row.get(0),
                version: row.get(1),
                property_id: row.get(2),
                raw: row.get(3),
                invalid_reason: row.get(4),
            })
            .collect())
    }

    /// Calls `each` with every current item of one kind of one property, in id order, and returns
    /// how many there were. For planning, which reads every item: rows come back from SQLite
    /// many items to a row (`ITEMS_PER_BATCH`), so that items cost no per-row round trip, copies
    /// or allocations in sqlx, which cost twice what SQLite's own reading does.
    pub async fn for_each_current_item(
        &self,
        kind: ItemKind,
        property_id: &str,
        mut each: impl FnMut(ItemRef<'_>),
    ) -> Result<u64, StateError> {
        // Batches follow the index (property, kind, rowid), so SQLite sorts nothing; ids are
        // sorted here.
        const BATCH: &str = "SELECT count(*), max(rowid), \
               group_concat(octet_length(item_id) || ',' || octet_length(raw) || ',' || \
                            ifnull(octet_length(invalid_reason), -1), ';'), \
               group_concat(item_id, ''), group_concat(raw, ''), group_concat(invalid_reason, '') \
             FROM (SELECT rowid, item_id, raw, invalid_reason \
                   FROM items INDEXED BY items_current_by_property \
                   WHERE property_id = ?1 AND kind = ?2 AND is_current = 1 AND rowid > ?3 \
                   ORDER BY rowid LIMIT ?4)";
        let corrupt = |message: String| StateError::Corrupt {
            path: self.path.clone(),
            message: format!("{kind} of {property_id}: {message}"),
        };
        let mut batches: Vec<Batch> = Vec::new();
        let mut after = 0_i64;
        let mut expected = 0_i64;
        loop {
            let row = sqlx::query(BATCH)
                .bind(property_id)
                .bind(kind.as_str())
                .bind(after)
                .bind(ITEMS_PER_BATCH)
                .fetch_one(&self.pool)
                .await
                .map_err(self.query_err())?;
            let count: i64 = row.get(0);
            let Some(last) = row.get::<Option<i64>, _>(1) else { break };
            expected += count;
            let text = |i: usize| row.get::<Option<String>, _>(i).unwrap_or_default();
            batches.push(Batch { lengths: text(2), ids: text(3), raws: text(4), reasons: text(5) });
            if count < ITEMS_PER_BATCH {
                break;
            }
            after = last;
        }
        let mut items = Vec::with_capacity(usize::try_from(expected).unwrap_or(0));
        for batch in &batches {
            for item in batch.items() {
                items.push(item.map_err(corrupt)?);
            }
        }
        if items.len() as i64 != expected {
            return Err(corrupt(format!("read {} items of {expected}", items.len())));
        }
        // Ids are unique among current items (the `items_current` index).
        items.sort_unstable_by(|a, b| a.item_id.cmp(b.item_id));
        let total = items.len() as u64;
        items.into_iter().for_each(&mut each);
        Ok(total)
    }

    /// Every version of one item, oldest first: `(version, raw)`.
    pub async fn item_versions(
        &self,
        kind: ItemKind,
        item_id: &str,
    ) -> Result<Vec<(i64, String)>, StateError> {
        let rows =
            sqlx::query("SELECT version, raw FROM items WHERE kind = ?1 AND item_id = ?2 ORDER BY version")
                .bind(kind.as_str())
                .bind(item_id)
                .fetch_all(&self.pool)
                .await
                .map_err(self.query_err())?;
        Ok(rows.into_iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    /// Quarantined current versions with their kind (`charges`, ...), by kind and id.
    pub async fn invalid_items(&self) -> Result<Vec<(String, CurrentItem)>, StateError> {
        let rows = sqlx::query(
            "SELECT item_id, version, property_id, raw, invalid_reason, kind FROM items \
             WHERE is_current = 1 AND invalid_reason IS NOT NULL ORDER BY kind, item_id",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(self.query_err())?;
        Ok(rows
            .into_iter()
            .map(|row| {
                let item = CurrentItem {
                    item_id: row.get(0),
                    version: row.get(1),
                    property_id: row.get(2),
                    raw: row.get(3),
                    invalid_reason: row.get(4),
                };
                (row.get(5), item)
            })
            .collect())
    }

    pub async fn status_counts(&self) -> Result<StatusCounts, StateError> {
        let err = self.query_err();
        let pairs = |rows: Vec<sqlx::sqlite::SqliteRow>| -> Vec<(String, i64)> {
            rows.into_iter().map(|r| (r.get(0), r.get(1))).collect()
        };
        let by_kind =
            sqlx::query("SELECT kind, COUNT(*) FROM items WHERE is_current = 1 GROUP BY kind ORDER BY kind")
                .fetch_all(&self.pool)
                .await
                .map_err(&err)?;
        let invalid = sqlx::query(
            "SELECT kind, COUNT(*) FROM items WHERE is_current = 1 AND invalid_reason IS NOT NULL \
             GROUP BY kind ORDER BY kind",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(&err)?;
        let by_property = sqlx::query(
            "SELECT property_id, kind, COUNT(*) FROM items \
             WHERE is_current = 1 AND property_id IS NOT NULL AND kind != 'properties' \
             GROUP BY property_id, kind ORDER BY property_id, kind",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(&err)?;
        let superseded: i64 = sqlx::query("SELECT COUNT(*) FROM items WHERE is_current = 0")
            .fetch_one(&self.pool)
            .await
            .map_err(&err)?
            .get(0);
        let watermarks =
            sqlx::query("SELECT scope, kind, updated_at, pulled_at FROM watermarks ORDER BY scope, kind")
                .fetch_all(&self.pool)
                .await
                .map_err(&err)?
                .into_iter()
                .map(|r| Watermark {
                    scope: r.get(0),
                    kind: r.get(1),
                    updated_at: r.get(2),
                    pulled_at: r.get(3),
                })
                .collect();
        Ok(StatusCounts {
            items_by_kind: pairs(by_kind),
            items_by_property: by_property.into_iter().map(|r| (r.get(0), r.get(1), r.get(2))).collect(),
            invalid_by_kind: pairs(invalid),
            superseded_versions: superseded,
            watermarks,
        })
    }
}

/// A JSON array of strings, for `json_each(?)` (one bound value instead of thousands).
fn json_array<'a>(ids: impl Iterator<Item = &'a str>) -> String {
    let ids: Vec<&str> = ids.collect();
    // Invariant: serializing a Vec<&str> to JSON cannot fail.
    serde_json::to_string(&ids).unwrap_or_else(|_| "[]".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(lengths: &str, ids: &str, raws: &str, reasons: &str) -> Batch {
        let text = str::to_owned;
        Batch { lengths: text(lengths), ids: text(ids), raws: text(raws), reasons: text(reasons) }
    }

    #[test]
    fn batches_split_any_text() {
        let b = batch("3,5,-1;2,2,4", "id1é", "{\"a\"}{}", "b,;c");
        let items: Vec<_> = b.items().collect();
        assert_eq!(
            items,
            vec![
                Ok(ItemRef { item_id: "id1", raw: "{\"a\"}", invalid_reason: None }),
                Ok(ItemRef { item_id: "é", raw: "{}", invalid_reason: Some("b,;c") }),
            ]
        );
        assert_eq!(Batch::default().items().count(), 0);
        for corrupt in [
            batch("3,5,-1", "id1", "{", ""),
            batch("x", "a", "b", ""),
            batch("1,1", "a", "b", ""),
            batch("1,1,-1", "é", "x", ""),
            batch("1,1,-1", "ab", "x", ""),
        ] {
            let items: Vec<_> = corrupt.items().collect();
            assert!(matches!(items.last(), Some(Err(_))), "{corrupt:?}: {items:?}");
        }
    }
}
