//! Which of tonight's exceptions are new (issue 16, item 15): the `exceptions` table keeps each
//! exception's first and last sighting and when it stopped appearing, so the run screen can say
//! that AR code AMEN is new tonight among fourteen held charges, instead of only the count.

use std::collections::BTreeSet;

use chrono::Utc;

use super::{StateError, StateFile, timestamp};
use crate::domain::Exception;

/// An exception's identity across runs: its kind and the Entrata id it is about.
pub type ExceptionKey = (String, String);

/// An exception's key: what `note_exceptions` answers with.
pub fn exception_key(exception: &Exception) -> ExceptionKey {
    (exception.kind.as_str().to_owned(), exception.source_id.clone())
}

impl StateFile {
    /// The exceptions among `found` that were not waiting before (never seen, or seen and then
    /// gone). With `write`, also records tonight's sightings, and marks resolved the open
    /// exceptions of `properties` that were not found (a code mapped since, a charge deleted), all
    /// in one transaction; without it (`plan`, `--dry-run`), reads only.
    pub async fn note_exceptions(
        &self,
        found: &[Exception],
        properties: &[String],
        write: bool,
    ) -> Result<BTreeSet<ExceptionKey>, StateError> {
        let err = self.query_err();
        // The open exceptions, with their property: what is new is read from it, and what went
        // away is resolved from it.
        let open: Vec<(String, String, Option<String>)> =
            sqlx::query_as("SELECT kind, source_id, property_id FROM exceptions WHERE resolved_at IS NULL")
                .fetch_all(&self.pool)
                .await
                .map_err(&err)?;
        let waiting: BTreeSet<ExceptionKey> = open.iter().map(|(k, s, _)| (k.clone(), s.clone())).collect();
        let seen: BTreeSet<ExceptionKey> = found.iter().map(exception_key).collect();
        let new: BTreeSet<ExceptionKey> = seen.difference(&waiting).cloned().collect();
        if !write {
            return Ok(new);
        }
        let now = timestamp(Utc::now());
        let mut conn = self.pool.acquire().await.map_err(&err)?;
        let mut tx = sqlx::Connection::begin_with(&mut *conn, "BEGIN IMMEDIATE").await.map_err(&err)?;
        let gone = open.iter().filter(|(kind, source_id, property)| {
            property.as_ref().is_some_and(|p| properties.contains(p))
                && !seen.contains(&(kind.clone(), source_id.clone()))
        });
        for (kind, source_id, _) in gone {
            sqlx::query("UPDATE exceptions SET resolved_at = ?1 WHERE kind = ?2 AND source_id = ?3")
                .bind(&now)
                .bind(kind)
                .bind(source_id)
                .execute(&mut *tx)
                .await
                .map_err(&err)?;
        }
        for exception in found {
            let (kind, source_id) = exception_key(exception);
            // Money as exact text, as everywhere in the state file.
            let amount = exception.amount.as_ref().map(|m| m.amount().to_string());
            let currency = exception.amount.as_ref().map(|m| m.currency().as_str().to_owned());
            sqlx::query(
                "INSERT INTO exceptions (kind, property_id, source_id, amount, currency, message, first_seen_at, last_seen_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7) \
                 ON CONFLICT (kind, source_id) DO UPDATE SET \
                   property_id = excluded.property_id, amount = excluded.amount, currency = excluded.currency, \
                   message = excluded.message, last_seen_at = excluded.last_seen_at, \
                   first_seen_at = CASE WHEN exceptions.resolved_at IS NULL THEN exceptions.first_seen_at ELSE excluded.first_seen_at END, \
                   resolved_at = NULL",
            )
            .bind(&kind)
            .bind(exception.property_id.as_ref().map(|p| p.as_str().to_owned()))
            .bind(&source_id)
            .bind(amount)
            .bind(currency)
            .bind(&exception.message)
            .bind(&now)
            .execute(&mut *tx)
            .await
            .map_err(&err)?;
        }
        tx.commit().await.map_err(&err)?;
        Ok(new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ExceptionKind, PropertyId};

    fn unmapped(id: &str, code: &str) -> Exception {
        Exception {
            kind: ExceptionKind::UnmappedCode,
            property_id: Some(PropertyId::new("p1")),
            source_id: id.into(),
            amount: None,
            message: format!("charge {id}: AR code {code} has no rule"),
        }
    }

    /// New on first sight, not the night after, new again once it went away and came back; a
    /// read (`plan`) writes nothing.
    #[tokio::test]
    async fn an_exception_is_new_the_first_night_it_is_seen() {
        let dir = tempfile::tempdir().expect("dir");
        let state = StateFile::open(&dir.path().join("state.db")).await.expect("state");
        let props = vec!["p1".to_owned()];
        let one = vec![unmapped("chg_1", "AMEN")];
        let key = ("unmapped_code".to_owned(), "chg_1".to_owned());
        assert!(state.note_exceptions(&one, &props, false).await.expect("read").contains(&key));
        assert!(
            state.note_exceptions(&one, &props, false).await.expect("read").contains(&key),
            "a read wrote"
        );
        assert!(state.note_exceptions(&one, &props, true).await.expect("write").contains(&key));
        assert!(state.note_exceptions(&one, &props, true).await.expect("write").is_empty(), "seen before");
        assert!(state.note_exceptions(&[], &props, true).await.expect("write").is_empty());
        assert!(state.note_exceptions(&one, &props, true).await.expect("write").contains(&key), "back again");
        // Another property's run leaves p1's exceptions waiting.
        assert!(state.note_exceptions(&[], &["p2".to_owned()], true).await.expect("write").is_empty());
        assert!(state.note_exceptions(&one, &props, false).await.expect("read").is_empty());
    }
}
