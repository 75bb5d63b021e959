//! What the drift report reads from the state file (recorded entries with their bodies and
//! postings, the last pull's time) and the one thing it writes: each target's read-back snapshot
//! (migrations 0004 and 0009: one per company of a target), so that the next comparison reads
//! only what changed since.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::Row;

use super::{StateError, StateFile, timestamp};
use crate::domain::ItemKind;
use crate::drift::owners::CompanyPosting;
use crate::drift::{HeldEntry, HeldStatus, PostingRow, RecordedBody};
use crate::journal::JournalKind;
use crate::posting::outbox::PostingState;
use crate::posting::{Slot, SourceRef};
use crate::targets::TargetKind;

/// The last read-back of a target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DriftRead {
    pub company_id: String,
    /// The target's time when the read began.
    pub compared_at: DateTime<Utc>,
    pub full_read_at: DateTime<Utc>,
}

fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text).ok().map(|t| t.to_utc())
}

impl StateFile {
    /// Every recorded, not withdrawn entry of `property`, with its lines and source versions, and
    /// its postings at every company (`drift::owners::settle` says which company answers for it).
    pub async fn recorded_bodies(
        &self,
        property: &str,
    ) -> Result<(Vec<RecordedBody>, Vec<CompanyPosting>), StateError> {
        let rows = sqlx::query(
            "SELECT entry_key, kind, slot, doc_number, entry_date, post_month, currency, body, rowid, only_target, \
             only_company, corrects \
             FROM entries \
             WHERE property_id = ?1 AND withdrawn_at IS NULL ORDER BY entry_key",
        )
        .bind(property)
        .fetch_all(&self.pool)
        .await
        .map_err(self.query_err())?;
        let mut entries = Vec::with_capacity(rows.len());
        let mut index: HashMap<String, usize> = HashMap::with_capacity(rows.len());
        for row in rows {
            let key: String = row.get(0);
            let bad = |what: &str| self.corrupt_entry(&key, what);
            let kind_text: String = row.get(1);
            let kind =
                JournalKind::ALL.into_iter().find(|k| k.as_str() == kind_text).ok_or_else(|| bad("kind"))?;
            let date: String = row.get(4);
            let month: String = row.get(5);
            let body: String = row.get(7);
            let lines = self.body_lines(&key, &body)?;
            let only: Option<String> = row.get(9);
            let only_company: Option<String> = row.get(10);
            let corrects: Option<String> = row.get(11);
            index.insert(key.clone(), entries.len());
            entries.push(RecordedBody {
                date: date.parse::<NaiveDate>().map_err(|_| bad("date"))?,
                post_month: month.parse().map_err(|_| bad("post month"))?,
                key,
                order: row.get(8),
                doc_number: row.get(3),
                kind,
                slot: Slot::from_text(row.get::<String, _>(2)),
                currency: row.get(6),
                lines,
                sources: Vec::new(),
                postings: BTreeMap::new(),
                only: only.as_deref().and_then(TargetKind::parse),
                only_company,
                corrects,
                owners: BTreeMap::new(),
            });
        }
        let sources = sqlx::query(
            "SELECT s.entry_key, s.item_kind, s.item_id, s.item_version FROM entry_sources s \
             JOIN entries e ON e.entry_key = s.entry_key WHERE e.property_id = ?1 AND e.withdrawn_at IS NULL",
        )
        .bind(property)
        .fetch_all(&self.pool)
        .await
        .map_err(self.query_err())?;
        for row in sources {
            let key: String = row.get(0);
            let kind_text: String = row.get(1);
            let kind = ItemKind::parse(&kind_text).ok_or_else(|| self.corrupt_entry(&key, "item kind"))?;
            if let Some(at) = index.get(&key) {
                entries[*at].sources.push(SourceRef { kind, id: row.get(2), version: row.get(3) });
            }
        }
        let postings = sqlx::query(
            "SELECT p.entry_key, p.target, p.state, p.target_id, p.target_date, p.error, p.held_body, p.company_id \
             FROM postings p \
             JOIN entries e ON e.entry_key = p.entry_key WHERE e.property_id = ?1 AND e.withdrawn_at IS NULL",
        )
        .bind(property)
        .fetch_all(&self.pool)
        .await
        .map_err(self.query_err())?;
        let mut at_companies = Vec::with_capacity(postings.len());
        for row in postings {
            let key: String = row.get(0);
            let target: String = row.get(1);
            let state: String = row.get(2);
            let (Some(target), Some(state)) = (TargetKind::parse(&target), PostingState::parse(&state))
            else {
                return Err(self.corrupt_entry(&key, "posting"));
            };
            let target_date: Option<String> = row.get(4);
            let held_body: Option<String> = row.get(6);
            let held_lines = held_body.map(|body| self.body_lines(&key, &body)).transpose()?;
            at_companies.push(CompanyPosting {
                entry_key: key,
                target,
                company_id: row.get(7),
                row: PostingRow {
                    state,
                    target_id: row.get(3),
                    target_date: target_date.and_then(|d| d.parse().ok()),
                    error: row.get(5),
                    held_lines,
                },
            });
        }
        for entry in &mut entries {
            entry.sources.sort();
        }
        Ok((entries, at_companies))
    }

    /// When Entrata was last pulled: the latest list's pull time, RFC 3339.
    pub async fn last_pull_at(&self) -> Result<Option<String>, StateError> {
        sqlx::query_scalar("SELECT max(pulled_at) FROM watermarks")
            .fetch_one(&self.pool)
            .await
            .map_err(self.query_err())
    }

    /// Target ids of the entries `company` of `target` confirmed.
    pub async fn confirmed_target_ids(
        &self,
        target: TargetKind,
        company: &str,
    ) -> Result<HashSet<String>, StateError> {
        let ids: Vec<String> = sqlx::query_scalar(
            "SELECT target_id FROM postings WHERE target = ?1 AND company_id = ?2 AND state = 'confirmed' \
             AND target_id IS NOT NULL",
        )
        .bind(target.as_str())
        .bind(company)
        .fetch_all(&self.pool)
        .await
        .map_err(self.query_err())?;
        Ok(ids.into_iter().collect())
    }

    /// The last read-back of `company` of `target`, if one was kept.
    pub async fn drift_read(
        &self,
        target: TargetKind,
        company: &str,
    ) -> Result<Option<DriftRead>, StateError> {
        let row = sqlx::query(
            "SELECT company_id, compared_at, full_read_at FROM drift_reads WHERE target = ?1 AND company_id = ?2",
        )
        .bind(target.as_str())
        .bind(company)
        .fetch_optional(&self.pool)
                .await
                .map_err(self.query_err())?;
        let Some(row) = row else { return Ok(None) };
        let (compared, full): (String, String) = (row.get(1), row.get(2));
        match (parse_time(&compared), parse_time(&full)) {
            (Some(compared_at), Some(full_read_at)) => {
                Ok(Some(DriftRead { company_id: row.get(0), compared_at, full_read_at }))
            }
            // An unreadable time only costs a full read.
            _ => Ok(None),
        }
    }

    /// What `company` of `target` held at its last read-back, by target id.
    pub async fn drift_held(
        &self,
        target: TargetKind,
        company: &str,
    ) -> Result<HashMap<String, HeldEntry>, StateError> {
        let rows = sqlx::query(
            "SELECT target_id, entry_key, doc_number, txn_date, status, lines, updated_at FROM drift_held \
             WHERE target = ?1 AND company_id = ?2",
        )
        .bind(target.as_str())
        .bind(company)
        .fetch_all(&self.pool)
        .await
        .map_err(self.query_err())?;
        let mut held = HashMap::with_capacity(rows.len());
        for row in rows {
            let target_id: String = row.get(0);
            let date: Option<String> = row.get(3);
            let status: String = row.get(4);
            let lines: String = row.get(5);
            let lines = HeldEntry::lines_from_json(&lines).ok_or_else(|| StateError::Corrupt {
                path: self.path.clone(),
                message: format!(
                    "drift snapshot of {target} {target_id}: lines are not readable; run `drift --full`"
                ),
            })?;
            let entry = HeldEntry {
                key: row.get(1),
                doc_number: row.get(2),
                date: date.and_then(|d| d.parse().ok()),
                status: HeldStatus::parse(&status),
                lines,
                updated_at: row.get(6),
                target_id: target_id.clone(),
            };
            held.insert(target_id, entry);
        }
        Ok(held)
    }

    /// Keeps a read-back of `target`, in one transaction: with `full`, `documents` is everything the
    /// target holds from the connector and replaces the snapshot; otherwise it is what changed, and
    /// is laid over it.
    pub async fn save_drift_read(
        &self,
        target: TargetKind,
        company_id: &str,
        compared_at: DateTime<Utc>,
        full: bool,
        documents: &[HeldEntry],
    ) -> Result<(), StateError> {
        let err = self.query_err();
        let now = timestamp(Utc::now());
        let mut conn = self.pool.acquire().await.map_err(&err)?;
        let mut tx = sqlx::Connection::begin_with(&mut *conn, "BEGIN IMMEDIATE").await.map_err(&err)?;
        let previous: Option<(String, String)> = sqlx::query(
            "SELECT company_id, full_read_at FROM drift_reads WHERE target = ?1 AND company_id = ?2",
        )
        .bind(target.as_str())
        .bind(company_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(&err)?
        .map(|row| (row.get(0), row.get(1)));
        let full_read_at = match previous {
            Some((company, full_at)) if !full && company == company_id => full_at,
            _ if !full => {
                return Err(StateError::Refused {
                    path: self.path.clone(),
                    message: format!(
                        "a read of changes in {target} needs an earlier full read of the same company"
                    ),
                });
            }
            _ => timestamp(compared_at),
        };
        if full {
            sqlx::query("DELETE FROM drift_held WHERE target = ?1 AND company_id = ?2")
                .bind(target.as_str())
                .bind(company_id)
                .execute(&mut *tx)
                .await
                .map_err(&err)?;
        }
        for doc in documents {
            sqlx::query(
                "INSERT OR REPLACE INTO drift_held (target, company_id, target_id, entry_key, doc_number, txn_date, \
                 status, lines, content_hash, updated_at) VALUES (?1, ?10, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )
            .bind(target.as_str())
            .bind(&doc.target_id)
            .bind(&doc.key)
            .bind(&doc.doc_number)
            .bind(doc.date.map(|d| d.to_string()))
            .bind(doc.status.as_str())
            .bind(doc.lines_json())
            .bind(doc.content_hash())
            .bind(&doc.updated_at)
            .bind(company_id)
            .execute(&mut *tx)
            .await
            .map_err(&err)?;
        }
        sqlx::query(
            "INSERT OR REPLACE INTO drift_reads (target, company_id, compared_at, full_read_at, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .bind(target.as_str())
        .bind(company_id)
        .bind(timestamp(compared_at))
        .bind(full_read_at)
        .bind(&now)
        .execute(&mut *tx)
        .await
        .map_err(&err)?;
        tx.commit().await.map_err(&err)?;
        Ok(())
    }

    pub(super) fn corrupt_entry(&self, key: &str, what: &str) -> StateError {
        StateError::Corrupt {
            path: self.path.clone(),
            message: format!("recorded entry {key}: its {what} is not readable"),
        }
    }
}
