//! Writing pulled pages: multi-row INSERTs in a few shapes, one transaction a page, on the pull's
//! own connection.

use std::collections::HashMap;
use std::sync::OnceLock;

use sqlx::sqlite::{SqliteArguments, SqliteConnection};
use sqlx::{Arguments, ConnectOptions, Connection, Row};

use super::{ItemWrite, PageOutcome, PageWrite, json_array};
use crate::state::{StateError, StateFile, timestamp};

/// SQLite allows 32,766 bound values per statement; 11 per row. A full page (1,000 items) is one
/// statement.
pub(in crate::state) const INSERT_ROWS_MAX: usize = 1_000;

/// Multi-row INSERT shapes: `SHAPE_ROWS[i]` rows. Every distinct row count is a distinct
/// prepared statement in each connection's cache (100 deep, a few MB for the large ones):
/// with one statement per remainder size, a long pull filled the caches with a different last
/// page per list, and the connector's memory grew with the portfolio. So a page is cut into
/// full-page statements and then powers of two: at most 11 shapes.
pub(in crate::state) const SHAPE_ROWS: [usize; 11] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, INSERT_ROWS_MAX];

/// The shapes (indices into `SHAPE_ROWS`) that insert `rows` rows, largest first.
pub(in crate::state) fn insert_chunks(rows: usize) -> impl Iterator<Item = usize> {
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
        crate::state::forms::write_form_pages(state, &mut tx, page.kind, base_seq + 1, &inserts).await?;
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

#[cfg(test)]
mod tests {
    use super::*;

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
