//! OAuth connections per target and book (`connect`, refreshes, `disconnect`; issue 18: one
//! connection per book's company in each target, the book `default` when recon.toml has no
//! `[books]`). Tokens are secrets: they
//! are held as `SecretString`, never formatted, and the state file is owner-only.
//!
//! A refresh is single-flight across processes: `lock_connection` opens a `BEGIN IMMEDIATE`
//! transaction (SQLite's one writer), so a second process that wants to refresh waits, then finds
//! the new tokens (a higher `generation`) instead of spending the old refresh token again. The new
//! tokens are committed before the access token is used.

use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use sqlx::{Row, Sqlite, Transaction};

use super::{StateError, StateFile, timestamp};
use crate::domain::BookName;
use crate::targets::TargetKind;

/// A target's connection as stored.
pub struct Connection {
    pub access_token: SecretString,
    pub access_expires_at: DateTime<Utc>,
    /// `None` for a Xero custom connection (client credentials).
    pub refresh_token: Option<SecretString>,
    pub refresh_expires_at: Option<DateTime<Utc>>,
    /// QBO realmId or Xero tenantId.
    pub company_id: String,
    pub company_name: Option<String>,
    /// Counts refreshes: a waiter compares it to know that another process refreshed.
    pub generation: i64,
    pub connected_at: DateTime<Utc>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("company_id", &self.company_id)
            .field("access_expires_at", &self.access_expires_at)
            .field("generation", &self.generation)
            .finish_non_exhaustive()
    }
}

/// New tokens from a token endpoint.
pub struct TokenUpdate {
    pub access_token: SecretString,
    pub access_expires_at: DateTime<Utc>,
    /// `None`: keep the stored one (a response that did not rotate it), or none at all.
    pub refresh_token: Option<SecretString>,
    pub refresh_expires_at: Option<DateTime<Utc>>,
}

/// An open write transaction on a target's connection: the only refresher until it ends.
pub struct ConnectionLock {
    tx: Transaction<'static, Sqlite>,
    target: TargetKind,
    book: BookName,
    path: std::path::PathBuf,
}

/// `state_meta` key of a refused connection (`ConnectionLock::refused`): `refused:<target>` for
/// the default book (as before books), `refused:<target>:<book>` for another.
fn refused_key(target: TargetKind, book: &BookName) -> String {
    if book.as_str() == BookName::DEFAULT {
        format!("refused:{}", target.as_str())
    } else {
        format!("refused:{}:{book}", target.as_str())
    }
}

fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text).ok().map(|t| t.to_utc())
}

fn row_to_connection(row: &sqlx::sqlite::SqliteRow) -> Option<Connection> {
    let access_expires: String = row.get(1);
    let refresh: Option<String> = row.get(2);
    let refresh_expires: Option<String> = row.get(3);
    let connected: String = row.get(7);
    Some(Connection {
        access_token: SecretString::from(row.get::<String, _>(0)),
        access_expires_at: parse_time(&access_expires)?,
        refresh_token: refresh.map(SecretString::from),
        refresh_expires_at: refresh_expires.as_deref().and_then(parse_time),
        company_id: row.get(4),
        company_name: row.get(5),
        generation: row.get(6),
        connected_at: parse_time(&connected)?,
    })
}

const SELECT: &str = "SELECT access_token, access_expires_at, refresh_token, refresh_expires_at, company_id, \
                      company_name, generation, connected_at FROM oauth_tokens WHERE target = ?1 AND book = ?2";

impl StateFile {
    /// The book's connection to the target, if `connect` made one.
    pub async fn connection(
        &self,
        target: TargetKind,
        book: &BookName,
    ) -> Result<Option<Connection>, StateError> {
        let row = sqlx::query(SELECT)
            .bind(target.as_str())
            .bind(book.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(self.query_err())?;
        match row {
            None => Ok(None),
            Some(row) => row_to_connection(&row).map(Some).ok_or_else(|| StateError::Corrupt {
                path: self.path.clone(),
                message: format!(
                    "the {target} connection's times (book {book}) are not readable; run `connect {target}` again"
                ),
            }),
        }
    }

    /// Every connection's target, book and company, by target and book.
    pub async fn connected_books(&self) -> Result<Vec<(TargetKind, BookName, String)>, StateError> {
        let rows: Vec<(String, String, String)> =
            sqlx::query_as("SELECT target, book, company_id FROM oauth_tokens ORDER BY target, book")
                .fetch_all(&self.pool)
                .await
                .map_err(self.query_err())?;
        Ok(rows
            .into_iter()
            .filter_map(|(target, book, company)| {
                Some((TargetKind::parse(&target)?, BookName::new(book), company))
            })
            .collect())
    }

    /// Stores a new connection (replacing any), as `connect` made it.
    pub async fn save_connection(
        &self,
        target: TargetKind,
        book: &BookName,
        tokens: &TokenUpdate,
        company_id: &str,
        company_name: Option<&str>,
    ) -> Result<(), StateError> {
        let now = timestamp(Utc::now());
        sqlx::query(
            "INSERT OR REPLACE INTO oauth_tokens (target, book, access_token, access_expires_at, refresh_token, \
             refresh_expires_at, company_id, company_name, generation, connected_at, updated_at) \
             VALUES (?1, ?9, ?2, ?3, ?4, ?5, ?6, ?7, \
                     COALESCE((SELECT generation + 1 FROM oauth_tokens WHERE target = ?1 AND book = ?9), 1), ?8, ?8)",
        )
        .bind(target.as_str())
        .bind(tokens.access_token.expose_secret())
        .bind(timestamp(tokens.access_expires_at))
        .bind(tokens.refresh_token.as_ref().map(|t| t.expose_secret().to_owned()))
        .bind(tokens.refresh_expires_at.map(timestamp))
        .bind(company_id)
        .bind(company_name)
        .bind(&now)
        .bind(book.as_str())
        .execute(&self.pool)
        .await
        .map_err(self.query_err())?;
        // A new connection is not the one that was refused.
        sqlx::query("DELETE FROM state_meta WHERE key = ?1")
            .bind(refused_key(target, book))
            .execute(&self.pool)
            .await
            .map_err(self.query_err())?;
        Ok(())
    }

    /// When and why the target last refused the saved connection, if it has since it was made.
    pub async fn connection_refused(
        &self,
        target: TargetKind,
        book: &BookName,
    ) -> Result<Option<(DateTime<Utc>, String)>, StateError> {
        let value: Option<String> = sqlx::query_scalar("SELECT value FROM state_meta WHERE key = ?1")
            .bind(refused_key(target, book))
            .fetch_optional(&self.pool)
            .await
            .map_err(self.query_err())?;
        Ok(value.and_then(|v| {
            let (at, detail) = v.split_once('\t')?;
            Some((parse_time(at)?, detail.to_owned()))
        }))
    }

    /// Marks the stored access token expired (the target refused it), so the next user refreshes.
    pub async fn expire_access_token(&self, target: TargetKind, book: &BookName) -> Result<(), StateError> {
        sqlx::query("UPDATE oauth_tokens SET access_expires_at = ?2 WHERE target = ?1 AND book = ?3")
            .bind(target.as_str())
            .bind(timestamp(DateTime::<Utc>::UNIX_EPOCH))
            .bind(book.as_str())
            .execute(&self.pool)
            .await
            .map_err(self.query_err())?;
        Ok(())
    }

    /// Forgets a connection, leaving none of its tokens' bytes in the file: the row is deleted with
    /// `secure_delete` (its space zeroed), then the write-ahead log, which still holds the pages
    /// as they were, is checkpointed into the file and truncated. Whether there was a connection.
    pub async fn delete_connection(&self, target: TargetKind, book: &BookName) -> Result<bool, StateError> {
        let mut conn = self.pool.acquire().await.map_err(self.query_err())?;
        // Also set for every writing connection (`StateFile::connect`); said here too because
        // this is the delete it exists for.
        sqlx::query("PRAGMA secure_delete = ON").execute(&mut *conn).await.map_err(self.query_err())?;
        let done = sqlx::query("DELETE FROM oauth_tokens WHERE target = ?1 AND book = ?2")
            .bind(target.as_str())
            .bind(book.as_str())
            .execute(&mut *conn)
            .await
            .map_err(self.query_err())?;
        let (busy, _, _): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)")
            .fetch_one(&mut *conn)
            .await
            .map_err(self.query_err())?;
        if busy != 0 {
            // Another process is reading: the log cannot be emptied now; the next checkpoint (at
            // the latest when the last connection closes) copies the zeroed pages over the old ones.
            tracing::warn!(
                path = %self.path.display(),
                "the state file is in use by another process: the forgotten tokens' old copies stay in its \
                 write-ahead log until that process ends"
            );
        }
        Ok(done.rows_affected() > 0)
    }

    /// Takes the write lock and reads the connection under it (see the module documentation).
    pub async fn lock_connection(
        &self,
        target: TargetKind,
        book: &BookName,
    ) -> Result<(ConnectionLock, Option<Connection>), StateError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(self.query_err())?;
        let row = sqlx::query(SELECT)
            .bind(target.as_str())
            .bind(book.as_str())
            .fetch_optional(&mut *tx)
            .await
            .map_err(self.query_err())?;
        let connection = row.as_ref().and_then(row_to_connection);
        Ok((ConnectionLock { tx, target, book: book.clone(), path: self.path.clone() }, connection))
    }
}

impl ConnectionLock {
    /// Commits refreshed tokens (a new generation) and ends the lock.
    pub async fn store(mut self, tokens: &TokenUpdate) -> Result<(), StateError> {
        let err = |source| StateError::Query { path: self.path.clone(), source };
        sqlx::query(
            "UPDATE oauth_tokens SET access_token = ?2, access_expires_at = ?3, \
             refresh_token = COALESCE(?4, refresh_token), refresh_expires_at = COALESCE(?5, refresh_expires_at), \
             generation = generation + 1, updated_at = ?6 WHERE target = ?1 AND book = ?7",
        )
        .bind(self.target.as_str())
        .bind(tokens.access_token.expose_secret())
        .bind(timestamp(tokens.access_expires_at))
        .bind(tokens.refresh_token.as_ref().map(|t| t.expose_secret().to_owned()))
        .bind(tokens.refresh_expires_at.map(timestamp))
        .bind(timestamp(Utc::now()))
        .bind(self.book.as_str())
        .execute(&mut *self.tx)
        .await
        .map_err(err)?;
        let path = self.path.clone();
        self.tx.commit().await.map_err(|source| StateError::Query { path, source })
    }

    /// Records that the target refused the saved connection (its refresh token: revoked, spent,
    /// expired) and ends the lock: `status` then says to `connect` again instead of "refreshed on
    /// next use". `detail` is the target's own words (never a token).
    pub async fn refused(mut self, detail: &str) -> Result<(), StateError> {
        let err = |source| StateError::Query { path: self.path.clone(), source };
        sqlx::query("INSERT OR REPLACE INTO state_meta (key, value) VALUES (?1, ?2)")
            .bind(refused_key(self.target, &self.book))
            .bind(format!("{}\t{detail}", timestamp(Utc::now())))
            .execute(&mut *self.tx)
            .await
            .map_err(err)?;
        let path = self.path.clone();
        self.tx.commit().await.map_err(|source| StateError::Query { path, source })
    }

    /// Ends the lock without a change.
    pub async fn release(self) -> Result<(), StateError> {
        let path = self.path.clone();
        self.tx.rollback().await.map_err(|source| StateError::Query { path, source })
    }
}

#[cfg(test)]
mod tests {
    use sqlx::ConnectOptions;
    use sqlx::migrate::Migrator;

    use super::*;

    /// A state file of the schema before books (migration 7) with a QuickBooks connection, opened
    /// by this version: the connection is the default book's, with its tokens and generation, and
    /// a named book has none until it connects.
    #[tokio::test]
    async fn a_connection_made_before_books_is_the_default_books() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("state.db");
        let mut db = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true)
            .connect()
            .await
            .expect("file");
        let before_books: Vec<_> =
            super::super::open::MIGRATOR.iter().filter(|m| m.version < 8).cloned().collect();
        assert_eq!(before_books.len(), 7);
        let old = Migrator::with_migrations(before_books);
        old.run(&mut db).await.expect("schema 7");
        sqlx::query(
            "INSERT INTO oauth_tokens (target, access_token, access_expires_at, refresh_token, refresh_expires_at, \
             company_id, company_name, generation, connected_at, updated_at) VALUES ('qbo', 'acc', \
             '2026-12-07T00:00:00Z', 'ref', '2027-03-01T00:00:00Z', '123', 'Lakeview', 3, '2026-12-01T00:00:00Z', \
             '2026-12-01T00:00:00Z')",
        )
        .execute(&mut db)
        .await
        .expect("connection");
        drop(db);

        let state = StateFile::open(&path).await.expect("upgraded");
        let default = BookName::default_book();
        let kept = state.connection(TargetKind::Qbo, &default).await.expect("read").expect("kept");
        assert_eq!((kept.company_id.as_str(), kept.generation), ("123", 3));
        assert_eq!(kept.refresh_token.expect("refresh").expose_secret(), "ref");
        assert!(state.connection(TargetKind::Qbo, &BookName::new("owner-a")).await.expect("read").is_none());
        assert_eq!(
            state.connected_books().await.expect("list"),
            [(TargetKind::Qbo, default, "123".to_owned())]
        );
    }
}
