//! One mutating command per state file.
//!
//! The lock is an OS advisory lock on `<state>.lock`, so a crashed process never leaves it behind.
//! The holder writes who it is into the file; a second process that cannot take the lock reads
//! that and says so.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "state file {state} is in use by {holder}; wait for it to finish (only one pull/post/run at a time)"
    )]
    Held { state: PathBuf, holder: String },
    #[error("cannot lock state file {state} (lock file {lock}): {source}")]
    Io { state: PathBuf, lock: PathBuf, source: std::io::Error },
}

/// Held for as long as a mutating command runs; released on drop (or by the OS on exit).
#[derive(Debug)]
pub struct StateLock {
    _file: File,
    path: PathBuf,
}

impl StateLock {
    pub fn lock_path(state_path: &Path) -> PathBuf {
        let mut name = state_path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
        name.push(".lock");
        state_path.with_file_name(name)
    }

    /// Takes the lock at once or fails naming the holder; never waits.
    pub fn acquire(state_path: &Path, command: &str) -> Result<StateLock, LockError> {
        let path = StateLock::lock_path(state_path);
        let io = |source| LockError::Io { state: state_path.to_owned(), lock: path.clone(), source };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        // No truncate on open: the current holder's description must survive until we own the lock.
        let mut file =
            OpenOptions::new().read(true).write(true).create(true).truncate(false).open(&path).map_err(io)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(LockError::Held { state: state_path.to_owned(), holder: read_holder(&mut file) });
            }
            Err(TryLockError::Error(e)) => return Err(io(e)),
        }
        let holder = format!(
            "pid {} (`entrata-recon {command}`, started {})",
            std::process::id(),
            chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ")
        );
        file.set_len(0).map_err(io)?;
        file.seek(SeekFrom::Start(0)).map_err(io)?;
        file.write_all(holder.as_bytes()).map_err(io)?;
        file.sync_data().map_err(io)?;
        Ok(StateLock { _file: file, path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// The holder writes its description right after locking; give it a moment if we raced it.
fn read_holder(file: &mut File) -> String {
    for _ in 0..10 {
        let mut text = String::new();
        if file.seek(SeekFrom::Start(0)).is_ok()
            && file.read_to_string(&mut text).is_ok()
            && !text.trim().is_empty()
        {
            return text.trim().to_owned();
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    "another process (it did not say which)".to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_holder_is_refused_with_the_first_holders_name() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("recon.sqlite");
        let first = StateLock::acquire(&state, "pull").unwrap();
        assert_eq!(first.path(), dir.path().join("recon.sqlite.lock"));
        let err = StateLock::acquire(&state, "post").unwrap_err().to_string();
        assert!(err.contains(&format!("pid {}", std::process::id())), "{err}");
        assert!(err.contains("`entrata-recon pull`"), "{err}");
        drop(first);
        StateLock::acquire(&state, "post").unwrap();
    }
}
