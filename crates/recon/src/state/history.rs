//! What this state file knows of a company's history (issue 15: a lost *or replaced* state file).
//!
//! A state file restored from a backup, or copied from another machine, is older than the company
//! it posts to: entries it still has as never sent were posted from the newer copy, and entries
//! it never recorded (the next nights', adjustments) are there too. Sending from it would post
//! them again under the same deterministic keys. So before a post sends anything, the company is
//! asked what of ours changed since the last time it was asked (`state_meta`
//! `history:<target>:<company>`, the company's clock less a margin); a document this state file
//! never sent there means the file is not the one that posted last, and the post goes the way of a
//! first post: what the company holds is read whole, and either adopted or the post stops.
//!
//! Invariant: while the mark stands, every document of ours the company changed before it is one
//! this state file sent there (its intent was committed before the request left).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{StateError, StateFile};
use crate::targets::TargetKind;

fn key(target: TargetKind, company: &str) -> String {
    format!("history:{}:{company}", target.as_str())
}

impl StateFile {
    /// Until when (the company's clock) the company's documents of ours were last found to be
    /// ones this state file sent; `None` when it was never asked from here.
    pub async fn history_known_until(
        &self,
        target: TargetKind,
        company: &str,
    ) -> Result<Option<DateTime<Utc>>, StateError> {
        let value: Option<String> = sqlx::query_scalar("SELECT value FROM state_meta WHERE key = ?1")
            .bind(key(target, company))
            .fetch_optional(&self.pool)
            .await
            .map_err(self.query_err())?;
        Ok(value.and_then(|v| DateTime::parse_from_rfc3339(&v).ok()).map(|t| t.to_utc()))
    }

    pub async fn set_history_known_until(
        &self,
        target: TargetKind,
        company: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StateError> {
        sqlx::query("INSERT OR REPLACE INTO state_meta (key, value) VALUES (?1, ?2)")
            .bind(key(target, company))
            .bind(super::timestamp(at))
            .execute(&self.pool)
            .await
            .map_err(self.query_err())?;
        Ok(())
    }

    /// The entries this state file sent (or may have sent) to `company` of `target`: key →
    /// document number. A posting never attempted and never settled is not among them.
    pub async fn sent_numbers(
        &self,
        target: TargetKind,
        company: &str,
    ) -> Result<HashMap<String, String>, StateError> {
        let rows = sqlx::query(
            "SELECT e.entry_key, e.doc_number FROM postings p JOIN entries e ON e.entry_key = p.entry_key \
             WHERE p.target = ?1 AND p.company_id = ?2 AND (p.attempts > 0 OR p.state <> 'pending')",
        )
        .bind(target.as_str())
        .bind(company)
        .fetch_all(&self.pool)
        .await
        .map_err(self.query_err())?;
        Ok(rows.into_iter().map(|row| (row.get::<String, _>(0), row.get::<String, _>(1))).collect())
    }
}
