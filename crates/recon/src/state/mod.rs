//! The SQLite state file: what was pulled, planned and posted, watermarks, runs, and the lock that
//! keeps a second mutating command out.
//!
//! Architecture invariant: only this module speaks SQL. Money is never stored as REAL: items keep
//! Entrata's JSON text verbatim, our own amounts are decimal text, and planning forms
//! (`form.rs`) hold integer cents. Never run SQLite's JSON
//! functions over money (they read numbers as doubles).

mod adoption;
mod companies;
mod drift;
mod elsewhere;
mod entries;
mod exceptions;
mod exports;
pub mod form;
mod forms;
mod history;
mod holds;
mod items;
mod lock;
mod open;
mod outbox;
mod runs;
mod tokens;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

pub use companies::CompanyPostings;
pub use drift::DriftRead;
pub use exceptions::{ExceptionKey, exception_key};
pub use forms::CurrentForms;
pub use holds::{HeldByKind, by_kind as holds_by_kind};
pub use items::{
    CurrentItem, ItemRef, ItemWrite, PageOutcome, PageWrite, PageWriter, StatusCounts, Watermark,
};
pub use lock::{LockError, StateLock};
pub use outbox::{BookScope, Move, OutboxRow, PostingCounts};
pub use runs::{RunId, RunOutcome, RunRecord};
pub use tokens::{Connection, ConnectionLock, TokenUpdate};

#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error(
        "no state file at {0}: check `[state] path` in the config (or --state), or run `entrata-recon pull` \
         first to start one"
    )]
    Missing(PathBuf),
    #[error(
        "no state file at {path}: its folder {folder} does not exist; check `[state] path` in the config (or \
         --state) (entrata-recon creates a state file, never its folder)"
    )]
    NoFolder { path: PathBuf, folder: PathBuf },
    #[error("cannot open state file {path}: {source}")]
    Open { path: PathBuf, source: sqlx::Error },
    #[error("state file {path} cannot be brought up to this version's schema: {source}")]
    Migrate { path: PathBuf, source: sqlx::migrate::MigrateError },
    #[error(
        "{path} is not an entrata-recon state file (it holds {tables}); point --state or `[state] path` at the \
         state file, which `entrata-recon pull` creates"
    )]
    NotAStateFile { path: PathBuf, tables: String },
    #[error(
        "state file {path} was written by a newer entrata-recon (schema version {found}; this one knows up to \
         {known}): use that version, or a newer one"
    )]
    NewerSchema { path: PathBuf, found: i64, known: i64 },
    #[error(
        "state file {path} has an older schema (version {found}; this version uses {known}): run \
         `entrata-recon pull` once to bring it up to date (commands that only read never change the file)"
    )]
    OlderSchema { path: PathBuf, found: i64, known: i64 },
    #[error("state file {0} is empty; run `entrata-recon pull` first")]
    Empty(PathBuf),
    #[error("state file {path}: {source}")]
    Query { path: PathBuf, source: sqlx::Error },
    #[error("state file {path}: {message}")]
    Corrupt { path: PathBuf, message: String },
    /// A write that would break one of the file's invariants (a bug in the caller).
    #[error("state file {path}: refused to write: {message}")]
    Refused { path: PathBuf, message: String },
}

/// Whether a command may start a state file's life where there is none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Create {
    /// The first `pull` or `run`, `connect`, the demo: a missing file is created, in a folder that
    /// exists.
    IfMissing,
    /// Every other command: a missing file is an error, so that a lost or mistyped path never
    /// silently starts afresh.
    Never,
}

/// Refuses a state path whose folder does not exist, or whose file does not exist when it may not
/// be created. Creates nothing.
fn check_place(path: &Path, create: Create) -> Result<(), StateError> {
    match std::fs::metadata(path) {
        Ok(_) => return Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(StateError::Open { path: path.to_owned(), source: sqlx::Error::Io(e) }),
    }
    let folder = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    if !folder.is_dir() {
        return Err(StateError::NoFolder { path: path.to_owned(), folder: folder.to_owned() });
    }
    match create {
        Create::IfMissing => Ok(()),
        Create::Never => Err(StateError::Missing(path.to_owned())),
    }
}

/// How long a statement waits for another connection's write before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);
const POOL_CONNECTIONS_MAX: u32 = 4;

/// An open state file. Cheap to clone (a connection pool).
#[derive(Debug, Clone)]
pub struct StateFile {
    pool: SqlitePool,
    path: PathBuf,
    /// Opened with `immutable=1` (see `open::ReadMode`).
    immutable: bool,
}

impl StateFile {
    /// Opens (creating it if needed, in a folder that exists) and migrates the state file: for the
    /// commands that may start a state file's life (`Create::IfMissing`). Mutating commands must
    /// hold a `StateLock` first.
    pub async fn open(path: &Path) -> Result<StateFile, StateError> {
        StateFile::open_for_writing(path, Create::IfMissing).await
    }

    /// Opens and migrates an existing state file for writing (`post`, `disconnect`, ...): a missing
    /// file is an error, never a fresh start.
    pub async fn open_existing(path: &Path) -> Result<StateFile, StateError> {
        StateFile::open_for_writing(path, Create::Never).await
    }

    pub async fn open_for_writing(path: &Path, create: Create) -> Result<StateFile, StateError> {
        check_place(path, create)?;
        let state = StateFile::connect(path, create).await?;
        owner_only(path)
            .map_err(|e| StateError::Open { path: path.to_owned(), source: sqlx::Error::Io(e) })?;
        Ok(state)
    }

    /// Opens an existing state file for reading only (`status`, `plan`, `mappings check`): never
    /// created, migrated or written; works in a folder the user cannot write to. Refuses a file
    /// that is not a state file, or whose schema is not this version's.
    pub async fn open_read_only(path: &Path) -> Result<StateFile, StateError> {
        check_place(path, Create::Never)?;
        let mut mode = open::read_mode(path);
        let (pool, schema) = loop {
            let pool = open::connect_read_only(path, mode).await?;
            match open::check_schema(&pool, path).await {
                Ok(schema) => break (pool, schema),
                Err(e) if mode == open::ReadMode::Shared && open::is_read_only_failure(&e) => {
                    pool.close().await;
                    tracing::debug!(path = %path.display(), error = %e, "reading the state file as immutable");
                    mode = open::ReadMode::Immutable;
                }
                Err(e) => {
                    pool.close().await;
                    return Err(e);
                }
            }
        };
        let refused = match schema {
            open::Schema::Current => None,
            open::Schema::Empty => Some(StateError::Empty(path.to_owned())),
            open::Schema::Older { found, known } => {
                Some(StateError::OlderSchema { path: path.to_owned(), found, known })
            }
        };
        if let Some(refused) = refused {
            pool.close().await;
            return Err(refused);
        }
        Ok(StateFile { pool, path: path.to_owned(), immutable: mode == open::ReadMode::Immutable })
    }

    /// Refuses an existing file that a writer must not touch (someone else's database, a newer
    /// version's state file) without changing it; a missing file is fine here (whether it may be
    /// created is `Create`'s to say). Mutating commands call this before taking the lock, which
    /// opens (and may create) the file itself.
    pub async fn check_writable(path: &Path) -> Result<(), StateError> {
        if !path.exists() {
            return Ok(());
        }
        let pool = open::connect_read_only(path, open::read_mode(path)).await?;
        let checked = open::check_schema(&pool, path).await;
        pool.close().await;
        checked.map(|_| ())
    }

    async fn connect(path: &Path, create: Create) -> Result<StateFile, StateError> {
        // Before the connection below turns the file to WAL mode, which rewrites its header.
        StateFile::check_writable(path).await?;
        let open_err = |source| StateError::Open { path: path.to_owned(), source };
        let options = SqliteConnectOptions::from_str("sqlite://")
            .map_err(open_err)?
            .filename(path)
            .create_if_missing(create == Create::IfMissing)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: a committed posting intent must survive a power cut, or we could post twice.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            // Deleted and overwritten content (an old or forgotten OAuth token above all) is zeroed,
            // not left in free space for anyone who reads the file's bytes.
            .pragma("secure_delete", "ON")
            .busy_timeout(BUSY_TIMEOUT);
        let pool = SqlitePoolOptions::new()
            .max_connections(POOL_CONNECTIONS_MAX)
            .connect_with(options)
            .await
            .map_err(open_err)?;
        open::MIGRATOR
            .run(&pool)
            .await
            .map_err(|source| StateError::Migrate { path: path.to_owned(), source })?;
        Ok(StateFile { pool, path: path.to_owned(), immutable: false })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub async fn close(self) {
        self.pool.close().await;
        if self.immutable && open::writer_appeared(&self.path) {
            tracing::warn!(
                path = %self.path.display(),
                "a pull started while this command was reading the state file; run it again for a consistent view"
            );
        }
    }

    fn query_err(&self) -> impl Fn(sqlx::Error) -> StateError + '_ {
        move |source| StateError::Query { path: self.path.clone(), source }
    }
}

/// The state file holds OAuth tokens: it and its WAL and shared-memory files are readable and
/// writable by their owner only (0600), however the umask was set.
fn owner_only(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mut files = vec![path.to_owned()];
        for suffix in ["-wal", "-shm"] {
            let mut name = path.as_os_str().to_owned();
            name.push(suffix);
            files.push(PathBuf::from(name));
        }
        for file in files {
            match std::fs::metadata(&file) {
                Ok(meta) if meta.permissions().mode() & 0o077 != 0 => {
                    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))?;
                }
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
    }
    Ok(())
}

/// RFC 3339 UTC with microseconds: sorts as text in time order.
pub fn timestamp(at: chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}
