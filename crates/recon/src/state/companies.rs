//! The company each posting was sent to or found in (migration 0005): a QuickBooks realm id or a
//! Xero tenant id, '' when a posting older than the migration had no company to take. What one
//! company holds says nothing about another: `connect` refuses another company than the one the
//! postings went to unless told `--switch-company`, and an unknown outcome is looked up only in
//! its own company.

use sqlx::Row;

use super::{StateError, StateFile};
use crate::targets::TargetKind;

/// The postings one company of a target holds in this state file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompanyPostings {
    /// '' when not known (see the module documentation).
    pub company_id: String,
    pub postings: u64,
    /// Postings whose outcome is not known (`uncertain`, or `pending` after an attempt).
    pub open: u64,
}

impl StateFile {
    /// The companies of `target` holding postings, the most recently written first.
    pub async fn posting_companies(&self, target: TargetKind) -> Result<Vec<CompanyPostings>, StateError> {
        let rows = sqlx::query(
            "SELECT company_id, COUNT(*), \
                    SUM(state = 'uncertain' OR (state = 'pending' AND attempts > 0)), MAX(updated_at) \
             FROM postings WHERE target = ?1 GROUP BY company_id ORDER BY MAX(updated_at) DESC, company_id",
        )
        .bind(target.as_str())
        .fetch_all(&self.pool)
        .await
        .map_err(self.query_err())?;
        Ok(rows
            .into_iter()
            .map(|row| CompanyPostings {
                company_id: row.get(0),
                postings: u64::try_from(row.get::<i64, _>(1)).unwrap_or(0),
                open: u64::try_from(row.get::<i64, _>(2)).unwrap_or(0),
            })
            .collect())
    }

    /// Takes the postings of `target` whose company is not known as `company`'s (the first
    /// `connect` after migration 0005 found no company to give them). How many.
    pub async fn claim_unknown_postings(&self, target: TargetKind, company: &str) -> Result<u64, StateError> {
        let done = sqlx::query(
            "UPDATE postings SET company_id = ?2 WHERE target = ?1 AND company_id = '' \
             AND NOT EXISTS (SELECT 1 FROM postings p WHERE p.entry_key = postings.entry_key \
                             AND p.target = ?1 AND p.company_id = ?2)",
        )
        .bind(target.as_str())
        .bind(company)
        .execute(&self.pool)
        .await
        .map_err(self.query_err())?;
        Ok(done.rows_affected())
    }
}
