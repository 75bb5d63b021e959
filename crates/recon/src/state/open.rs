//! Opening the state file: for writing (created and migrated, by the commands that hold the lock)
//! or for reading only (`status`, `plan`, `mappings check`), which never migrates, never creates
//! tables, and creates no files it can avoid creating.
//!
//! Either way the file must be an entrata-recon state file this version understands: a SQLite file
//! with someone else's tables, or one written by a newer version, is refused with a clear message
//! before anything is read or written.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use sqlx::Row;
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};

use super::{BUSY_TIMEOUT, POOL_CONNECTIONS_MAX, StateError};

/// The schema's migrations, embedded in the binary.
pub(super) static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// How a read-only command reads the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ReadMode {
    /// `mode=ro`: reads coordinate with a writer through the write-ahead log and its shared-memory
    /// index, which SQLite creates beside the file when they are missing.
    Shared,
    /// `immutable=1`: reads the file alone and creates nothing. Used when creating the log files
    /// is impossible (a folder we cannot write to) or would leave files a different owner's
    /// nightly job could not write; only when no writer has the file open (no `-wal` file).
    Immutable,
}

/// `recon.sqlite-wal`: present while a writer has the file open (or after a crash).
fn wal_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push("-wal");
    PathBuf::from(name)
}

pub(super) fn read_mode(path: &Path) -> ReadMode {
    if wal_path(path).exists() {
        return ReadMode::Shared;
    }
    if may_create_log_files(path) { ReadMode::Shared } else { ReadMode::Immutable }
}

/// Whether SQLite may create `-wal` and `-shm` beside the file: the folder is writable by us, and
/// the files would belong to the state file's owner (we are the owner, or root, for whom SQLite
/// hands them to the owner).
#[cfg(unix)]
fn may_create_log_files(path: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::MetadataExt;
    let Ok(metadata) = std::fs::metadata(path) else { return false };
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let Ok(dir) = std::ffi::CString::new(dir.as_os_str().as_bytes()) else { return false };
    // SAFETY: geteuid has no preconditions; access reads a NUL-terminated path that outlives the call.
    let (euid, writable) = unsafe { (libc::geteuid(), libc::access(dir.as_ptr(), libc::W_OK) == 0) };
    writable && (euid == 0 || euid == metadata.uid())
}

#[cfg(not(unix))]
fn may_create_log_files(_path: &Path) -> bool {
    true
}

/// Whether a `-wal` file appeared since a read in `Immutable` mode began: a writer started while we
/// read, and what we read may mix its changes.
pub(super) fn writer_appeared(path: &Path) -> bool {
    wal_path(path).exists()
}

pub(super) async fn connect_read_only(path: &Path, mode: ReadMode) -> Result<SqlitePool, StateError> {
    let open_err = |source| StateError::Open { path: path.to_owned(), source };
    let options = SqliteConnectOptions::from_str("sqlite://")
        .map_err(open_err)?
        .filename(path)
        .create_if_missing(false)
        .read_only(true)
        .immutable(mode == ReadMode::Immutable)
        .busy_timeout(BUSY_TIMEOUT);
    SqlitePoolOptions::new()
        .max_connections(POOL_CONNECTIONS_MAX)
        .connect_with(options)
        .await
        .map_err(open_err)
}

/// What the file's migrations say about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Schema {
    /// No tables at all: a new (or empty) file.
    Empty,
    /// Every migration this version knows is applied, and no other.
    Current,
    /// Some of this version's migrations are not applied yet: `pull` applies them.
    Older { found: i64, known: i64 },
}

/// Reads the file's tables and applied migrations and refuses a file this version must not touch.
pub(super) async fn check_schema(pool: &SqlitePool, path: &Path) -> Result<Schema, StateError> {
    let open_err = |source| StateError::Open { path: path.to_owned(), source };
    let tables: Vec<String> = sqlx::query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .fetch_all(pool)
    .await
    .map_err(open_err)?
    .into_iter()
    .map(|row| row.get(0))
    .collect();
    if tables.is_empty() {
        return Ok(Schema::Empty);
    }
    if !tables.iter().any(|t| t == "_sqlx_migrations") {
        return Err(StateError::NotAStateFile { path: path.to_owned(), tables: list(&tables) });
    }
    let applied: Vec<(i64, bool, Vec<u8>)> =
        sqlx::query("SELECT version, success, checksum FROM _sqlx_migrations ORDER BY version")
            .fetch_all(pool)
            .await
            .map_err(open_err)?
            .into_iter()
            .map(|row| (row.get(0), row.get(1), row.get(2)))
            .collect();
    let known = MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0);
    let found = applied.iter().map(|(version, _, _)| *version).max().unwrap_or(0);
    for (version, success, checksum) in &applied {
        match MIGRATOR.iter().find(|m| m.version == *version) {
            None => return Err(StateError::NewerSchema { path: path.to_owned(), found, known }),
            Some(migration) if migration.checksum.as_ref() != checksum.as_slice() => {
                return Err(StateError::Corrupt {
                    path: path.to_owned(),
                    message: format!(
                        "schema migration {version} was applied by a different build of entrata-recon \
                         (its checksum differs); this version cannot vouch for the file's layout"
                    ),
                });
            }
            Some(_) if !success => {
                return Err(StateError::Corrupt {
                    path: path.to_owned(),
                    message: format!(
                        "schema migration {version} did not finish; run `entrata-recon pull` to retry it"
                    ),
                });
            }
            Some(_) => {}
        }
    }
    if MIGRATOR.iter().all(|m| applied.iter().any(|(version, _, _)| *version == m.version)) {
        Ok(Schema::Current)
    } else {
        Ok(Schema::Older { found, known })
    }
}

fn list(tables: &[String]) -> String {
    const SHOWN: usize = 5;
    let mut text = tables.iter().take(SHOWN).map(|t| format!("`{t}`")).collect::<Vec<_>>().join(", ");
    if tables.len() > SHOWN {
        text.push_str(&format!(" and {} more", tables.len() - SHOWN));
    }
    text
}

/// Whether a read in `Shared` mode failed because SQLite could not create or write the log files
/// beside the state file (then `Immutable` is tried).
pub(super) fn is_read_only_failure(error: &StateError) -> bool {
    let StateError::Open { source: sqlx::Error::Database(e), .. } = error else { return false };
    // SQLITE_READONLY (8) and SQLITE_CANTOPEN (14), with their extended codes.
    let code = e.code().and_then(|c| c.parse::<i32>().ok()).unwrap_or(0);
    matches!(code & 0xff, 8 | 14)
}
