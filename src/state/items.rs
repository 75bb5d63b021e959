//! Pulled items, versions and watermarks.

use std::collections::HashMap;
use std::sync::OnceLock;

use chrono::{DateTime, Utc};

use sqlx::sqlite::{SqliteArguments, SqliteConnection};
use sqlx::{Arguments, ConnectOptions, Connection, Row};

use super::{StateError, StateFile, timestamp};
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

/// SQLite allows 32,766 bound values per statement; 11 per row. A full page (1,000 items) is one
/// statement.
pub(super) const INSERT_ROWS_MAX: usize = 1_000;

/// Multi-row INSERT shapes: `SHAPE_ROWS[i]` rows. Every distinct row count is a distinct
/// prepared statement in each connection's cache (100 deep, a few MB for the large ones):
/// with one statement per remainder size, a long pull filled the caches with a different last
/// page per list, and the connector's memory grew with the portfolio. So a page is cut into
/// full-page statements and then powers of two: at most 11 shapes.
pub(super) const SHAPE_ROWS: [usize; 11] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, INSERT_ROWS_MAX];

/// The shapes (indices into `SHAPE_ROWS`) that insert `rows` rows, largest first.
pub(super) fn insert_chunks(rows: usize) -> impl Iterator<Item = usize> {
    let mut left = rows;
    std::iter::from_fn(move || {
        let shape = match left {
            0 => return None,
            n if n >= INSERT_ROWS_MAX => SHAPE_ROWS.len() - 1,
            n => n.ilog2() as usize,
        };
        left -= SHAPE_ROWS[shape];
        Some(shape)
    })
}

/// The INSERT of one shape, built once.
fn insert_sql(shape: usize) -> &'static str {
    const ROW: &str = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    static SQL: [OnceLock<String>; SHAPE_ROWS.len()] = [const { OnceLock::new() }; SHAPE_ROWS.len()];
    SQL[shape].get_or_init(|| {
        let rows = SHAPE_ROWS[shape];
        let mut sql = String::from(
            "INSERT INTO items (kind, item_id, version, is_current, property_id, updated_at, \
             content_hash, raw, invalid_reason, first_seen_at, last_seen_at) VALUES ",
        );
        sql.push_str(&vec![ROW; rows].join(", "));
        sql
    })
}

impl StateFile {
    /// A writer for many pages (`pull` writes all its pages through one), on a connection of
    /// its own with the pool's settings, except that SQLite copies the write-ahead log into the
    /// database every `WRITER_CHECKPOINT_PAGES` pages instead of every 1,000: a pull rewrites
    /// the same index pages commit after commit, and fewer, larger checkpoints copy each of
    /// them fewer times (10-15% less SQLite time for the same inserts, measured on their own).
    /// Keeping one connection also keeps its page cache valid from one transaction to the next,
    /// and takes nothing from the pool.
    pub async fn page_writer(&self) -> Result<PageWriter, StateError> {
        let options = (*self.pool.connect_options())
            .clone()
            .pragma("wal_autocheckpoint", WRITER_CHECKPOINT_PAGES.to_string());
        let conn =
            options.connect().await.map_err(|source| StateError::Open { path: self.path.clone(), source })?;
        Ok(PageWriter { state: self.clone(), conn })
    }
}

/// 10,000 pages of 4 KiB: the write-ahead log grows to about 40 MB between checkpoints.
const WRITER_CHECKPOINT_PAGES: u32 = 10_000;

/// Writes pages through a connection of its own; see [`StateFile::page_writer`].
pub struct PageWriter {
    state: StateFile,
    conn: SqliteConnection,
}

impl std::fmt::Debug for PageWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PageWriter").field("path", &self.state.path).finish_non_exhaustive()
    }
}

impl PageWriter {
    /// Stores a page: new items as version 1, changed items as a new version (with their
    /// planning forms), unchanged ones only touched; then moves the watermark forward. One
    /// transaction: all or nothing.
    pub async fn write_page(&mut self, page: &PageWrite) -> Result<PageOutcome, StateError> {
        write_page_on(&self.state, &mut self.conn, page).await
    }
}

async fn write_page_on(
    state: &StateFile,
    conn: &mut SqliteConnection,
    page: &PageWrite,
) -> Result<PageOutcome, StateError> {
    let err = state.query_err();
    let kind = page.kind.as_str();
    let seen = timestamp(page.seen_at);

    // A list can repeat an item on one page only if the server misbehaves; keep the last.
    let mut by_id: HashMap<&str, &ItemWrite> = HashMap::with_capacity(page.items.len());
    for item in &page.items {
        by_id.insert(&item.item_id, item);
    }
    let ids_json = json_array(by_id.keys().copied());

    // IMMEDIATE: take the write lock up front, so concurrent writers queue on busy_timeout
    // instead of failing when a read transaction tries to upgrade.
    let mut tx = conn.begin_with("BEGIN IMMEDIATE").await.map_err(&err)?;
    let rows = sqlx::query(
        "SELECT item_id, version, content_hash FROM items \
             WHERE kind = ?1 AND is_current = 1 AND item_id IN (SELECT value FROM json_each(?2))",
    )
    .bind(kind)
    .bind(&ids_json)
    .fetch_all(&mut *tx)
    .await
    .map_err(&err)?;
    let mut existing: HashMap<String, (i64, String)> = HashMap::with_capacity(rows.len());
    for row in rows {
        existing.insert(row.get(0), (row.get(1), row.get(2)));
    }

    let mut outcome = PageOutcome::default();
    let mut unchanged_ids = Vec::new();
    let mut changed_ids = Vec::new();
    let mut inserts: Vec<(&ItemWrite, i64)> = Vec::new();
    for (id, item) in &by_id {
        match existing.get(*id) {
            Some((_, hash)) if *hash == item.content_hash => {
                outcome.unchanged += 1;
                unchanged_ids.push(*id);
            }
            Some((version, _)) => {
                outcome.changed += 1;
                changed_ids.push(*id);
                inserts.push((item, version + 1));
            }
            None => {
                outcome.new += 1;
                inserts.push((item, 1));
            }
        }
    }
    outcome.invalid = inserts.iter().filter(|(i, _)| i.invalid_reason.is_some()).count() as u64;
    // Deterministic row order makes the file's layout independent of HashMap order.
    inserts.sort_by(|a, b| a.0.item_id.cmp(&b.0.item_id));

    if !unchanged_ids.is_empty() {
        sqlx::query(
            "UPDATE items SET last_seen_at = ?1 \
                 WHERE kind = ?2 AND is_current = 1 AND item_id IN (SELECT value FROM json_each(?3))",
        )
        .bind(&seen)
        .bind(kind)
        .bind(json_array(unchanged_ids.iter().copied()))
        .execute(&mut *tx)
        .await
        .map_err(&err)?;
    }
    if !changed_ids.is_empty() {
        sqlx::query(
            "UPDATE items SET is_current = 0 \
                 WHERE kind = ?1 AND is_current = 1 AND item_id IN (SELECT value FROM json_each(?2))",
        )
        .bind(kind)
        .bind(json_array(changed_ids.iter().copied()))
        .execute(&mut *tx)
        .await
        .map_err(&err)?;
    }
    // Per-property items' new versions get planning forms, which name them by item_seq. SQLite
    // numbers the rows of an INSERT one past the largest so far, in order; checked below.
    let with_forms = page.kind.is_per_property() && !inserts.is_empty();
    let base_seq: i64 = if with_forms {
        sqlx::query("SELECT ifnull(max(item_seq), 0) FROM items")
            .fetch_one(&mut *tx)
            .await
            .map_err(&err)?
            .get(0)
    } else {
        0
    };
    let mut last_seq = base_seq;
    let mut rest = inserts.as_slice();
    for shape in insert_chunks(inserts.len()) {
        let (chunk, after) = rest.split_at(SHAPE_ROWS[shape]);
        rest = after;
        let mut args = SqliteArguments::default();
        let encode = |e| err(sqlx::Error::Encode(e));
        for (item, version) in chunk {
            args.add(kind).map_err(encode)?;
            args.add(item.item_id.as_str()).map_err(encode)?;
            args.add(*version).map_err(encode)?;
            args.add(1_i64).map_err(encode)?;
            args.add(item.property_id.as_deref()).map_err(encode)?;
            args.add(item.updated_at.as_deref()).map_err(encode)?;
            args.add(item.content_hash.as_str()).map_err(encode)?;
            args.add(item.raw.as_str()).map_err(encode)?;
            args.add(item.invalid_reason.as_deref()).map_err(encode)?;
            args.add(seen.as_str()).map_err(encode)?;
            args.add(seen.as_str()).map_err(encode)?;
        }
        last_seq = sqlx::query_with(insert_sql(shape), args)
            .execute(&mut *tx)
            .await
            .map_err(&err)?
            .last_insert_rowid();
    }
    if with_forms {
        if last_seq != base_seq + inserts.len() as i64 {
            return Err(StateError::Refused {
                path: state.path.clone(),
                message: format!(
                    "{} rows after item_seq {base_seq} ended at {last_seq}: item versions were not numbered in order",
                    inserts.len()
                ),
            });
        }
        super::forms::write_form_pages(state, &mut tx, page.kind, base_seq + 1, &inserts).await?;
    }
    if let Some(watermark) = page.watermark {
        // Only forward: a `--since` or `--full` re-pull must not move an incremental start back.
        sqlx::query(
                "INSERT INTO watermarks (scope, kind, updated_at, pulled_at) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT (scope, kind) DO UPDATE SET \
                   updated_at = max(watermarks.updated_at, excluded.updated_at), pulled_at = excluded.pulled_at",
            )
            .bind(&page.scope)
            .bind(kind)
            .bind(timestamp(watermark))
            .bind(&seen)
            .execute(&mut *tx)
            .await
            .map_err(&err)?;
    }
    tx.commit().await.map_err(&err)?;
    Ok(outcome)
}

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

    fn check(rows: usize, expected: &[usize]) {
        let sizes: Vec<usize> = insert_chunks(rows).map(|shape| SHAPE_ROWS[shape]).collect();
        assert_eq!(sizes, expected, "{rows} rows");
    }

    #[test]
    fn insert_chunks_cover_the_rows_with_few_shapes() {
        check(0, &[]);
        check(1, &[1]);
        check(3, &[2, 1]);
        check(1_000, &[1_000]);
        check(999, &[512, 256, 128, 64, 32, 4, 2, 1]);
        check(2_345, &[1_000, 1_000, 256, 64, 16, 8, 1]);
        for rows in 0..3_000 {
            assert_eq!(insert_chunks(rows).map(|shape| SHAPE_ROWS[shape]).sum::<usize>(), rows);
        }
    }
}
