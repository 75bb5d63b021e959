//! Entries recorded for posting (migration 0003), their sources and lines. What to record is
//! decided by `posting::record`; their postings are `outbox`'s.

use std::collections::BTreeMap;

use chrono::Utc;
use sqlx::Row;

use super::{StateError, StateFile, timestamp};
use crate::domain::ItemKind;
use crate::journal::{JournalKind, Side};
use crate::posting::body::Body;
use crate::posting::record::{Change, NewContent, RecordedEntry, Slot, SourceRef};
use rust_decimal::Decimal;

/// Entries' lines (signed, debit positive) by key.
pub type EntryLines = BTreeMap<String, Vec<(crate::domain::AccountName, rust_decimal::Decimal)>>;

fn kind_text(kind: ItemKind) -> &'static str {
    kind.as_str()
}

impl StateFile {
    /// Every entry recorded for `property`, withdrawn ones included, with its source versions and
    /// whether a target holds it (or may).
    pub async fn recorded_entries(&self, property: &str) -> Result<Vec<RecordedEntry>, StateError> {
        let rows = sqlx::query(
            "SELECT e.entry_key, e.kind, e.slot, e.seq, e.doc_number, e.content_hash, \
                    e.withdrawn_at IS NOT NULL, e.anchor, \
                    EXISTS (SELECT 1 FROM postings p WHERE p.entry_key = e.entry_key AND p.state <> 'failed'), \
                    e.rowid, e.entry_date, \
                    EXISTS (SELECT 1 FROM postings p WHERE p.entry_key = e.entry_key), \
                    e.rebook, e.only_target IS NOT NULL \
             FROM entries e WHERE e.property_id = ?1",
        )
        .bind(property)
        .fetch_all(&self.pool)
        .await
        .map_err(self.query_err())?;
        let mut entries = Vec::with_capacity(rows.len());
        let mut index: BTreeMap<String, usize> = BTreeMap::new();
        let mut elsewhere = self.held_elsewhere(property).await?;
        for row in rows {
            let key: String = row.get(0);
            let kind_text: String = row.get(1);
            let kind = journal_kind(&kind_text)
                .ok_or_else(|| self.corrupt(format!("entry {key}: kind {kind_text}")))?;
            let slot: String = row.get(2);
            let seq: i64 = row.get(3);
            let anchor: String = row.get(7);
            index.insert(key.clone(), entries.len());
            let date: String = row.get(10);
            let date = date.parse().map_err(|_| self.corrupt(format!("entry {key}: date {date}")))?;
            let held_elsewhere = elsewhere.remove(&key).unwrap_or_default();
            entries.push(RecordedEntry {
                order: row.get(9),
                date,
                key,
                kind,
                anchor,
                slot: Slot::from_text(slot),
                seq: u32::try_from(seq).map_err(|_| self.corrupt(format!("seq {seq}")))?,
                doc_number: row.get(4),
                content_hash: row.get(5),
                sources: Vec::new(),
                withdrawn: row.get(6),
                frozen: row.get(8),
                attempted: row.get(11),
                lines: None,
                rebook: row.get::<i64, _>(12) != 0,
                catch_up: row.get(13),
                held_elsewhere,
            });
        }
        let sources = sqlx::query(
            "SELECT s.entry_key, s.item_kind, s.item_id, s.item_version FROM entry_sources s \
             JOIN entries e ON e.entry_key = s.entry_key WHERE e.property_id = ?1",
        )
        .bind(property)
        .fetch_all(&self.pool)
        .await
        .map_err(self.query_err())?;
        for row in sources {
            let key: String = row.get(0);
            let kind_text: String = row.get(1);
            let kind =
                ItemKind::parse(&kind_text).ok_or_else(|| self.corrupt(format!("item kind {kind_text}")))?;
            if let Some(at) = index.get(&key) {
                entries[*at].sources.push(SourceRef { kind, id: row.get(2), version: row.get(3) });
            }
        }
        Ok(entries)
    }

    /// The current version of every item of `property`, by kind and id.
    pub async fn current_versions(
        &self,
        property: &str,
    ) -> Result<std::collections::HashMap<(ItemKind, String), i64>, StateError> {
        let rows =
            sqlx::query("SELECT kind, item_id, version FROM items WHERE property_id = ?1 AND is_current = 1")
                .bind(property)
                .fetch_all(&self.pool)
                .await
                .map_err(self.query_err())?;
        let mut versions = std::collections::HashMap::with_capacity(rows.len());
        for row in rows {
            let kind: String = row.get(0);
            if let Some(kind) = ItemKind::parse(&kind) {
                versions.insert((kind, row.get::<String, _>(1)), row.get::<i64, _>(2));
            }
        }
        Ok(versions)
    }

    /// The lines (signed, debit positive) of every entry of `property` in `post_month`, by key.
    pub async fn entry_lines(&self, property: &str, post_month: &str) -> Result<EntryLines, StateError> {
        let rows =
            sqlx::query("SELECT entry_key, body FROM entries WHERE property_id = ?1 AND post_month = ?2")
                .bind(property)
                .bind(post_month)
                .fetch_all(&self.pool)
                .await
                .map_err(self.query_err())?;
        self.lines_of(rows)
    }

    /// The lines (signed, debit positive) of the entries `keys`, by key (keys not recorded are
    /// left out).
    pub async fn entry_lines_of(&self, keys: &[String]) -> Result<EntryLines, StateError> {
        let mut rows = Vec::with_capacity(keys.len());
        for key in keys {
            let row = sqlx::query("SELECT entry_key, body FROM entries WHERE entry_key = ?1")
                .bind(key)
                .fetch_optional(&self.pool)
                .await
                .map_err(self.query_err())?;
            rows.extend(row);
        }
        self.lines_of(rows)
    }

    fn lines_of(&self, rows: Vec<sqlx::sqlite::SqliteRow>) -> Result<EntryLines, StateError> {
        let mut out = BTreeMap::new();
        for row in rows {
            let key: String = row.get(0);
            let body: String = row.get(1);
            let lines = self.signed_lines(&key, &body)?;
            out.insert(key, lines);
        }
        Ok(out)
    }

    /// A stored body's lines: logical account, side, amount.
    pub(super) fn body_lines(
        &self,
        key: &str,
        body: &str,
    ) -> Result<Vec<(String, Side, Decimal)>, StateError> {
        let bad = |what: &str| self.corrupt_entry(key, what);
        let body: Body = serde_json::from_str(body).map_err(|_| bad("body"))?;
        let mut lines = Vec::with_capacity(body.lines.len());
        for line in body.lines {
            let side = match line.side.as_str() {
                "debit" => Side::Debit,
                "credit" => Side::Credit,
                _ => return Err(bad("line side")),
            };
            let amount = Decimal::from_str_exact(&line.amount).map_err(|_| bad("line amount"))?;
            lines.push((line.account, side, amount));
        }
        Ok(lines)
    }

    /// A stored body's lines, signed (debit positive).
    pub(super) fn signed_lines(
        &self,
        key: &str,
        body: &str,
    ) -> Result<Vec<(crate::domain::AccountName, Decimal)>, StateError> {
        Ok(self
            .body_lines(key, body)?
            .into_iter()
            .map(|(account, side, amount)| {
                let signed = if side == Side::Debit { amount } else { -amount };
                (crate::domain::AccountName::new(account.as_str()), signed)
            })
            .collect())
    }

    /// One stored version of an item: its JSON and the pull's quarantine verdict on it.
    pub async fn item_version(
        &self,
        kind: ItemKind,
        id: &str,
        version: i64,
    ) -> Result<Option<(String, Option<String>)>, StateError> {
        let row = sqlx::query(
            "SELECT raw, invalid_reason FROM items WHERE kind = ?1 AND item_id = ?2 AND version = ?3",
        )
        .bind(kind.as_str())
        .bind(id)
        .bind(version)
        .fetch_optional(&self.pool)
        .await
        .map_err(self.query_err())?;
        Ok(row.map(|row| (row.get(0), row.get(1))))
    }

    /// Writes what `posting::record::reconcile` decided for one property, in one transaction.
    pub async fn apply_record(&self, property: &str, changes: &[Change]) -> Result<(), StateError> {
        if changes.is_empty() {
            return Ok(());
        }
        let err = self.query_err();
        let now = timestamp(Utc::now());
        let mut conn = self.pool.acquire().await.map_err(&err)?;
        let mut tx = sqlx::Connection::begin_with(&mut *conn, "BEGIN IMMEDIATE").await.map_err(&err)?;
        for change in changes {
            match change {
                Change::Record(content) => {
                    insert_entry(&mut tx, property, content, &now).await.map_err(&err)?;
                }
                Change::Rewrite(content) => {
                    let key = content.entry.key().as_str();
                    // Only an entry no target holds may be rewritten; refuse anything else.
                    let frozen: bool = sqlx::query_scalar(
                        "SELECT EXISTS (SELECT 1 FROM postings WHERE entry_key = ?1 AND state <> 'failed')",
                    )
                    .bind(key)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(&err)?;
                    if frozen {
                        return Err(StateError::Refused {
                            path: self.path.clone(),
                            message: format!("entry {key} is held by a target and cannot be rewritten"),
                        });
                    }
                    sqlx::query("DELETE FROM entry_sources WHERE entry_key = ?1")
                        .bind(key)
                        .execute(&mut *tx)
                        .await
                        .map_err(&err)?;
                    let body = Body::of(&content.entry);
                    sqlx::query(
                        "UPDATE entries SET entry_date = ?2, post_month = ?3, currency = ?4, total = ?5, \
                         content_hash = ?6, body = ?7, updated_at = ?8, withdrawn_at = NULL, rebook = 0 \
                         WHERE entry_key = ?1",
                    )
                    .bind(key)
                    .bind(content.entry.date().to_string())
                    .bind(content.entry.post_month().to_string())
                    .bind(content.entry.currency().as_str())
                    .bind(crate::domain::format_amount(content.entry.total()))
                    .bind(&content.content_hash)
                    .bind(body.to_json())
                    .bind(&now)
                    .execute(&mut *tx)
                    .await
                    .map_err(&err)?;
                    insert_sources(&mut tx, key, &content.sources).await.map_err(&err)?;
                }
                Change::Withdraw { key } => {
                    sqlx::query(
                        "UPDATE entries SET withdrawn_at = ?2, updated_at = ?2 WHERE entry_key = ?1 \
                         AND NOT EXISTS (SELECT 1 FROM postings WHERE entry_key = ?1 AND state <> 'failed')",
                    )
                    .bind(key)
                    .bind(&now)
                    .execute(&mut *tx)
                    .await
                    .map_err(&err)?;
                }
            }
        }
        tx.commit().await.map_err(&err)?;
        Ok(())
    }

    pub(super) fn corrupt(&self, message: String) -> StateError {
        StateError::Corrupt { path: self.path.clone(), message }
    }
}

async fn insert_entry(
    tx: &mut sqlx::SqliteConnection,
    property: &str,
    content: &NewContent,
    now: &str,
) -> Result<(), sqlx::Error> {
    let entry = &content.entry;
    let key = entry.key();
    sqlx::query(
        "INSERT INTO entries (entry_key, property_id, kind, slot, seq, doc_number, entry_date, post_month, currency, \
                              total, content_hash, body, recorded_at, updated_at, anchor, corrects, \
                              only_target, only_company) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13, ?14, ?15, ?16, ?17)",
    )
    .bind(key.as_str())
    .bind(property)
    .bind(entry.kind().as_str())
    .bind(content.slot.as_str())
    .bind(i64::from(key.seq()))
    .bind(entry.doc_number().as_str())
    .bind(entry.date().to_string())
    .bind(entry.post_month().to_string())
    .bind(entry.currency().as_str())
    .bind(crate::domain::format_amount(entry.total()))
    .bind(&content.content_hash)
    .bind(Body::of(entry).to_json())
    .bind(now)
    .bind(key.anchor())
    .bind(&content.corrects)
    .bind(content.only.as_ref().map(|(target, _)| target.as_str()))
    .bind(content.only.as_ref().map(|(_, company)| company.as_str()))
    .execute(&mut *tx)
    .await?;
    insert_sources(tx, key.as_str(), &content.sources).await
}

async fn insert_sources(
    tx: &mut sqlx::SqliteConnection,
    key: &str,
    sources: &[SourceRef],
) -> Result<(), sqlx::Error> {
    for source in sources {
        sqlx::query(
            "INSERT OR REPLACE INTO entry_sources (entry_key, item_kind, item_id, item_version) VALUES (?1, ?2, ?3, ?4)",
        )
        .bind(key)
        .bind(kind_text(source.kind))
        .bind(&source.id)
        .bind(source.version)
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

fn journal_kind(text: &str) -> Option<JournalKind> {
    JournalKind::ALL.into_iter().find(|k| k.as_str() == text)
}
