//! What the last post held back from a company, by kind (issue 15, item 4): a hold that depends
//! on the target (its currency could not be read, its currency differs, an account it does not
//! have) is decided when posting, so `status`, which never calls a target, reads it from here.
//! `state_meta` keeps `held:<target>:<company>` as JSON, rewritten by every post that got as far
//! as deciding its holds (an empty list clears it).

use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::{StateError, StateFile};
use crate::targets::TargetKind;

/// Entries of one kind the last post held back, with one of their messages as an example.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldByKind {
    pub kind: String,
    pub entries: u64,
    pub example: String,
}

fn key(target: TargetKind, company: &str) -> String {
    format!("held:{}:{company}", target.as_str())
}

impl StateFile {
    /// Replaces what the last post held back from `company` of `target`.
    pub async fn set_last_holds(
        &self,
        target: TargetKind,
        company: &str,
        held: &[HeldByKind],
    ) -> Result<(), StateError> {
        if held.is_empty() {
            sqlx::query("DELETE FROM state_meta WHERE key = ?1")
                .bind(key(target, company))
                .execute(&self.pool)
                .await
                .map_err(self.query_err())?;
            return Ok(());
        }
        // Invariant: a list of plain structs of strings and a count always serializes.
        let text = serde_json::to_string(held).expect("holds serialize");
        sqlx::query("INSERT OR REPLACE INTO state_meta (key, value) VALUES (?1, ?2)")
            .bind(key(target, company))
            .bind(text)
            .execute(&self.pool)
            .await
            .map_err(self.query_err())?;
        Ok(())
    }

    /// What the last post held back from `company` of `target` (none when it held nothing, or
    /// never got that far).
    pub async fn last_holds(&self, target: TargetKind, company: &str) -> Result<Vec<HeldByKind>, StateError> {
        let row = sqlx::query("SELECT value FROM state_meta WHERE key = ?1")
            .bind(key(target, company))
            .fetch_optional(&self.pool)
            .await
            .map_err(self.query_err())?;
        // A value this version cannot read is shown as nothing held rather than failing `status`.
        Ok(row.and_then(|r| serde_json::from_str(&r.get::<String, _>(0)).ok()).unwrap_or_default())
    }
}

/// Counts `(kind, message)` holds by kind, keeping the first message of each as its example.
pub fn by_kind<'a>(holds: impl IntoIterator<Item = (&'a str, &'a str)>) -> Vec<HeldByKind> {
    let mut out: Vec<HeldByKind> = Vec::new();
    for (kind, message) in holds {
        match out.iter_mut().find(|h| h.kind == kind) {
            Some(h) => h.entries += 1,
            None => out.push(HeldByKind { kind: kind.to_owned(), entries: 1, example: message.to_owned() }),
        }
    }
    out
}
