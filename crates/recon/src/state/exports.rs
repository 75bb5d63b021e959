//! Which of Entrata's GL lines this connector marked exported (`entrata_exports`, issue 19 item 5).
//! The lines it reads are the bank deposits' (`deposits = "gl"`): a deposit's id is its glDetail id.

use chrono::{SecondsFormat, Utc};

use super::{StateError, StateFile};

impl StateFile {
    /// Deposits whose every recorded posting is confirmed (in each target an entry of theirs was
    /// recorded for) and that are not marked yet: what reached the books.
    pub async fn deposits_to_mark_exported(&self) -> Result<Vec<String>, StateError> {
        let rows: Vec<(String,)> = sqlx::query_as(
            "SELECT s.item_id FROM entry_sources s \
             JOIN entries e ON e.entry_key = s.entry_key \
             JOIN postings p ON p.entry_key = s.entry_key \
             WHERE s.item_kind = 'deposits' AND e.kind = 'deposit' \
               AND s.item_id NOT IN (SELECT gl_detail_id FROM entrata_exports) \
             GROUP BY s.item_id \
             HAVING MIN(p.state = 'confirmed') = 1 \
             ORDER BY s.item_id",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(self.query_err())?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    /// Records GL lines Entrata accepted as marked.
    pub async fn record_marked_exported(&self, ids: &[String]) -> Result<(), StateError> {
        let now = Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true);
        let mut tx = self.pool.begin().await.map_err(self.query_err())?;
        for id in ids {
            sqlx::query("INSERT OR IGNORE INTO entrata_exports (gl_detail_id, marked_at) VALUES (?1, ?2)")
                .bind(id)
                .bind(&now)
                .execute(&mut *tx)
                .await
                .map_err(self.query_err())?;
        }
        tx.commit().await.map_err(self.query_err())?;
        Ok(())
    }
}
