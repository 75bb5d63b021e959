//! One mutating command per state file, however the file is reached.
//!
//! The lock is an OS advisory lock (`flock`) on the database file itself, so a symlink to it, a
//! hard link, or another spelling of its path (`./x/../recon.sqlite`) all meet the same lock: it
//! belongs to the file (its device and inode), not to a name. A crashed process never leaves it
//! behind. The holder writes who it is into `<canonical state path>.lock`; a second process that
//! cannot take the lock reads that (on Linux it also asks `/proc/locks` which process holds the
//! file, so a hard link under another name still names the holder).
//!
//! SQLite locks the same file with POSIX `fcntl` byte-range locks. On Linux (and the BSDs and
//! macOS) `flock` and `fcntl` locks are separate mechanisms that never conflict, so this lock does
//! not get in SQLite's way, nor SQLite's in ours. (NFS emulates `flock` with `fcntl`; SQLite is not
//! safe on NFS either.) One POSIX rule does matter: closing *any* descriptor of a file drops every
//! `fcntl` lock the process holds on it, SQLite's included. So the descriptor locked here is never
//! closed while the process may still have the database open: on release it is unlocked and kept
//! open (parked) until the process ends, as SQLite itself does with its own descriptors.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use super::{Create, StateError};

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "state file {state} is in use by {holder}; wait for it to finish (only one pull/post/run at a time)"
    )]
    Held { state: PathBuf, holder: String },
    #[error("cannot lock state file {state} (lock file {lock}): {source}")]
    Io { state: PathBuf, lock: PathBuf, source: std::io::Error },
    #[error(transparent)]
    State(#[from] StateError),
}

/// Descriptors of released locks, kept open until the process ends (see the module's comment).
static PARKED: Mutex<Vec<File>> = Mutex::new(Vec::new());

/// Held for as long as a mutating command runs; released on drop (or by the OS on exit).
#[derive(Debug)]
pub struct StateLock {
    /// The database file, locked; `None` only once released.
    file: Option<File>,
    /// Where the holder's description is written.
    path: PathBuf,
}

impl StateLock {
    /// The holder's description beside the file's canonical path (symlinks and `..` resolved).
    pub fn lock_path(canonical_state_path: &Path) -> PathBuf {
        let mut name = canonical_state_path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
        name.push(".lock");
        canonical_state_path.with_file_name(name)
    }

    /// Takes the lock at once or fails naming the holder; never waits. With `Create::IfMissing`
    /// a missing state file is created (empty, owner-only) so that it can be locked before SQLite
    /// opens it; never its folder.
    pub fn acquire(state_path: &Path, command: &str, create: Create) -> Result<StateLock, LockError> {
        super::check_place(state_path, create)?;
        let io = |lock: &Path| {
            let lock = lock.to_owned();
            move |source| LockError::Io { state: state_path.to_owned(), lock, source }
        };
        let file = open_database(state_path, create).map_err(io(state_path))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(LockError::Held {
                    state: state_path.to_owned(),
                    holder: holder_of(state_path, &file),
                });
            }
            Err(TryLockError::Error(e)) => return Err(io(state_path)(e)),
        }
        let lock = StateLock { file: Some(file), path: describe_path(state_path) };
        let holder = format!(
            "pid {} (`entrata-recon {command}`, started {})",
            std::process::id(),
            chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ")
        );
        // No truncate on open: truncated only now that the database's lock is ours.
        let mut description = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&lock.path)
            .map_err(io(&lock.path))?;
        description.set_len(0).map_err(io(&lock.path))?;
        description.write_all(holder.as_bytes()).map_err(io(&lock.path))?;
        description.sync_data().map_err(io(&lock.path))?;
        Ok(lock)
    }

    /// The file the holder's description is written to.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for StateLock {
    fn drop(&mut self) {
        if let Some(file) = self.file.take() {
            // Unlocking the flock leaves SQLite's fcntl locks alone; closing would not.
            let _ = file.unlock();
            PARKED.lock().unwrap_or_else(PoisonError::into_inner).push(file);
        }
    }
}

/// The database file, opened for reading through `state_path` (following symlinks); created when
/// missing and allowed (nothing is ever written through this descriptor).
fn open_database(state_path: &Path, create: Create) -> std::io::Result<File> {
    match File::open(state_path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && create == Create::IfMissing => {
            let mut options = OpenOptions::new();
            options.read(true).write(true).create(true).truncate(false);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            options.open(state_path)
        }
        opened => opened,
    }
}

fn describe_path(state_path: &Path) -> PathBuf {
    StateLock::lock_path(&std::fs::canonicalize(state_path).unwrap_or_else(|_| state_path.to_owned()))
}

/// Who holds the lock on `file`: the description its holder wrote beside the canonical path, when
/// it is the holder's (on Linux the holding process is known from `/proc/locks`); otherwise what
/// the system says of that process.
fn holder_of(state_path: &Path, file: &File) -> String {
    let pid = holder_pid(file);
    let described = read_holder(&describe_path(state_path));
    match (pid, described) {
        (Some(pid), Some(text)) if text.starts_with(&format!("pid {pid} ")) => text,
        (Some(pid), _) => match command_line(pid) {
            Some(line) => format!("pid {pid} (`{line}`)"),
            None => format!("pid {pid}"),
        },
        (None, Some(text)) => text,
        (None, None) => "another process (it did not say which)".to_owned(),
    }
}

/// The holder writes its description right after locking; give it a moment if we raced it.
fn read_holder(path: &Path) -> Option<String> {
    for _ in 0..10 {
        let mut text = String::new();
        if let Ok(mut file) = File::open(path)
            && file.seek(SeekFrom::Start(0)).is_ok()
            && file.read_to_string(&mut text).is_ok()
            && !text.trim().is_empty()
        {
            return Some(text.trim().to_owned());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

/// The process holding a `flock` on `file`, from `/proc/locks` (`1: FLOCK ADVISORY WRITE <pid>
/// <major>:<minor>:<inode> 0 EOF`; waiting requests are marked `->` and skipped).
#[cfg(target_os = "linux")]
fn holder_pid(file: &File) -> Option<u32> {
    use std::os::unix::fs::MetadataExt;
    let metadata = file.metadata().ok()?;
    let dev = metadata.dev();
    let id = format!("{:02x}:{:02x}:{}", libc::major(dev), libc::minor(dev), metadata.ino());
    let locks = std::fs::read_to_string("/proc/locks").ok()?;
    locks.lines().find_map(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        match fields.as_slice() {
            [_, "FLOCK", _, _, pid, file_id, ..] if *file_id == id => pid.parse().ok(),
            _ => None,
        }
    })
}

#[cfg(not(target_os = "linux"))]
fn holder_pid(_file: &File) -> Option<u32> {
    None
}

/// What `pid` was started as, e.g. `entrata-recon --state x pull` (Linux only).
fn command_line(pid: u32) -> Option<String> {
    let raw = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
    let mut args = raw.split(|b| *b == 0).filter(|a| !a.is_empty()).map(|a| String::from_utf8_lossy(a));
    let program = args.next()?;
    let program = Path::new(program.as_ref()).file_name()?.to_string_lossy().into_owned();
    Some(std::iter::once(program).chain(args.map(|a| a.into_owned())).collect::<Vec<_>>().join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(state: &Path) -> String {
        StateLock::acquire(state, "post", Create::Never).unwrap_err().to_string()
    }

    #[test]
    fn second_holder_is_refused_with_the_first_holders_name() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("recon.sqlite");
        let first = StateLock::acquire(&state, "pull", Create::IfMissing).unwrap();
        let canonical = std::fs::canonicalize(dir.path()).unwrap();
        assert_eq!(first.path(), canonical.join("recon.sqlite.lock"));
        let err = refused(&state);
        assert!(err.contains(&format!("pid {}", std::process::id())), "{err}");
        assert!(err.contains("`entrata-recon pull`"), "{err}");
        drop(first);
        StateLock::acquire(&state, "post", Create::Never).unwrap();
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn every_way_of_reaching_the_file_meets_the_same_lock() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("x")).unwrap();
        let state = dir.path().join("recon.sqlite");
        let first = StateLock::acquire(&state, "pull", Create::IfMissing).unwrap();
        let symlink = dir.path().join("link.sqlite");
        std::os::unix::fs::symlink(&state, &symlink).unwrap();
        let hard_link = dir.path().join("x/hard.sqlite");
        std::fs::hard_link(&state, &hard_link).unwrap();
        let spelled = dir.path().join("x/../recon.sqlite");
        for other in [&symlink, &hard_link, &spelled] {
            let err = refused(other);
            assert!(err.contains("is in use by"), "{}: {err}", other.display());
            assert!(err.contains(&format!("pid {}", std::process::id())), "{}: {err}", other.display());
            // Under another name (a hard link) the description is not found; the pid still is.
            if other != &hard_link {
                assert!(err.contains("`entrata-recon pull`"), "{}: {err}", other.display());
            }
        }
        drop(first);
        drop(StateLock::acquire(&hard_link, "post", Create::Never).unwrap());
    }

    #[test]
    fn a_missing_file_is_created_only_when_allowed_and_never_its_folder() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("recon.sqlite");
        let err = refused(&state);
        assert!(err.contains(&format!("no state file at {}", state.display())), "{err}");
        assert!(!state.exists());
        let deeper = dir.path().join("missing/recon.sqlite");
        let err = StateLock::acquire(&deeper, "pull", Create::IfMissing).unwrap_err().to_string();
        assert!(err.contains(&dir.path().join("missing").display().to_string()), "{err}");
        assert!(!dir.path().join("missing").exists());
    }
}
