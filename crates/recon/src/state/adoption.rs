//! Whether a target's company has been asked, from this state file, for the entries it already
//! holds (issue 15, item 6): a lost or replaced state file must never post again what the company
//! holds. Keys and document numbers are deterministic, so before the first post from a state file
//! to a company, what it holds of ours is looked up and adopted. `state_meta` keeps
//! `adopted:<target>:<company>` once that is done, so that another company (`connect
//! --switch-company`, or a connection made after `disconnect`) is always asked again.
//! (`adopted:<target>`, without the company, is an earlier version's mark: it is not trusted, and
//! costs at most one question.)

use sqlx::Row;

use super::{StateError, StateFile};
use crate::targets::TargetKind;

fn key(target: TargetKind, company: &str) -> String {
    format!("adopted:{}:{company}", target.as_str())
}

impl StateFile {
    /// Whether `company` of `target` must still be asked what it holds of ours: never asked from
    /// this state file, and nothing ever sent to it from here either.
    pub async fn adoption_due(&self, target: TargetKind, company: &str) -> Result<bool, StateError> {
        let done = sqlx::query("SELECT value FROM state_meta WHERE key = ?1")
            .bind(key(target, company))
            .fetch_optional(&self.pool)
            .await
            .map_err(self.query_err())?;
        if done.is_some() {
            return Ok(false);
        }
        let postings = sqlx::query("SELECT COUNT(*) FROM postings WHERE target = ?1 AND company_id = ?2")
            .bind(target.as_str())
            .bind(company)
            .fetch_one(&self.pool)
            .await
            .map_err(self.query_err())?;
        Ok(postings.get::<i64, _>(0) == 0)
    }

    /// Records that `company` of `target` was asked (and what it held adopted).
    pub async fn set_adopted(&self, target: TargetKind, company: &str) -> Result<(), StateError> {
        sqlx::query("INSERT OR REPLACE INTO state_meta (key, value) VALUES (?1, ?2)")
            .bind(key(target, company))
            .bind(super::timestamp(chrono::Utc::now()))
            .execute(&self.pool)
            .await
            .map_err(self.query_err())?;
        Ok(())
    }

    /// Forgets that any company of `target` was asked: the next post to a company with no postings
    /// here asks again (`connect --switch-company`).
    pub async fn clear_adopted(&self, target: TargetKind) -> Result<(), StateError> {
        sqlx::query("DELETE FROM state_meta WHERE key = ?1 OR key LIKE ?2")
            .bind(format!("adopted:{}", target.as_str()))
            .bind(format!("adopted:{}:%", target.as_str()))
            .execute(&self.pool)
            .await
            .map_err(self.query_err())?;
        Ok(())
    }
}

impl StateFile {
    /// Rewrites `entry` (recorded under its key, held by no target yet) to the lines a company was
    /// found to hold under its key and document number, and marks it `rebook`, so that the next
    /// record books the difference to tonight's plan as an adjustment. Refused when another
    /// target holds or may hold the entry as recorded (its content cannot change under it); the
    /// posting to `target` at `company` is not counted, being the one adopting it.
    pub async fn adopt_as_held(
        &self,
        target: TargetKind,
        company: &str,
        held: &crate::journal::BalancedEntry,
    ) -> Result<bool, StateError> {
        let err = self.query_err();
        let key = held.key().as_str();
        let mut conn = self.pool.acquire().await.map_err(&err)?;
        let mut tx = sqlx::Connection::begin_with(&mut *conn, "BEGIN IMMEDIATE").await.map_err(&err)?;
        let elsewhere: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM postings WHERE entry_key = ?1 AND state <> 'failed' \
                            AND NOT (target = ?2 AND company_id = ?3))",
        )
        .bind(key)
        .bind(target.as_str())
        .bind(company)
        .fetch_one(&mut *tx)
        .await
        .map_err(&err)?;
        if elsewhere {
            return Ok(false);
        }
        let body = crate::posting::body::Body::of(held);
        sqlx::query(
            "UPDATE entries SET body = ?2, content_hash = ?3, total = ?4, rebook = 1, updated_at = ?5, \
                    withdrawn_at = NULL \
             WHERE entry_key = ?1",
        )
        .bind(key)
        .bind(body.to_json())
        .bind(crate::posting::record::content_hash(held))
        .bind(crate::domain::format_amount(held.total()))
        .bind(super::timestamp(chrono::Utc::now()))
        .execute(&mut *tx)
        .await
        .map_err(&err)?;
        tx.commit().await.map_err(&err)?;
        Ok(true)
    }

    /// A withdrawn entry a company was found holding as recorded (posted from another copy of this
    /// state file): planned again, so that the next record books its items' changes since as an
    /// adjustment. Its posting is confirmed by the lookup that found it.
    pub async fn revive(&self, key: &str) -> Result<(), StateError> {
        sqlx::query("UPDATE entries SET withdrawn_at = NULL, updated_at = ?2 WHERE entry_key = ?1")
            .bind(key)
            .bind(super::timestamp(chrono::Utc::now()))
            .execute(&self.pool)
            .await
            .map_err(self.query_err())?;
        Ok(())
    }
}

impl StateFile {
    /// Every recorded entry's key and document number (withdrawn ones included: their numbers
    /// are taken too), and the properties they belong to.
    pub async fn recorded_numbers(
        &self,
    ) -> Result<(std::collections::HashMap<String, String>, std::collections::HashSet<String>), StateError>
    {
        let rows = sqlx::query("SELECT entry_key, doc_number, property_id FROM entries")
            .fetch_all(&self.pool)
            .await
            .map_err(self.query_err())?;
        let mut numbers = std::collections::HashMap::with_capacity(rows.len());
        let mut properties = std::collections::HashSet::new();
        for row in rows {
            numbers.insert(row.get::<String, _>(0), row.get::<String, _>(1));
            properties.insert(row.get::<String, _>(2));
        }
        Ok((numbers, properties))
    }
}

impl StateFile {
    /// The recorded entry under `key`, rebuilt (and checked) from its body; `None` when no entry
    /// has that key.
    pub async fn recorded_entry(
        &self,
        key: &str,
    ) -> Result<Option<crate::journal::BalancedEntry>, StateError> {
        let row = sqlx::query(
            "SELECT entry_key, property_id, kind, anchor, seq, doc_number, entry_date, post_month, currency, body \
             FROM entries WHERE entry_key = ?1",
        )
        .bind(key)
        .fetch_optional(&self.pool)
        .await
        .map_err(self.query_err())?;
        let Some(row) = row else { return Ok(None) };
        let seq: i64 = row.get(4);
        let header = crate::posting::body::StoredHeader {
            key: row.get(0),
            property_id: row.get(1),
            kind: row.get(2),
            anchor: row.get(3),
            seq: u32::try_from(seq).map_err(|_| self.corrupt(format!("entry {key}: seq {seq}")))?,
            doc_number: row.get(5),
            date: row.get(6),
            post_month: row.get(7),
            currency: row.get(8),
        };
        let body: String = row.get(9);
        crate::posting::body::rebuild(&header, &body).map(Some).map_err(|e| self.corrupt(e.to_string()))
    }
}
