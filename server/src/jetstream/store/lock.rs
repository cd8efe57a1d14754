//! The store directory lock: one server per JetStream store directory.
//!
//! `StoreDirLock::acquire(dir)` takes an exclusive, non-blocking `flock` on `<dir>/LOCK` and writes
//! the holder's pid into it. The kernel drops the lock when the process dies, however it dies, so a
//! stale LOCK file from a crashed server never blocks a restart. Dropping the guard releases it.

use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};

use rustix::fs::{flock, FlockOperation};

use super::{Result, StoreError};

/// Held while this process owns the store directory.
#[derive(Debug)]
pub struct StoreDirLock {
    _file: File,
    path: PathBuf,
}

impl StoreDirLock {
    /// Lock `dir` (created if missing), or fail with [`StoreError::Locked`] when another process
    /// holds it.
    pub fn acquire(dir: impl AsRef<Path>) -> Result<StoreDirLock> {
        let dir = dir.as_ref();
        std::fs::create_dir_all(dir)?;
        let path = dir.join("LOCK");
        let mut file = OpenOptions::new().read(true).write(true).create(true).truncate(false).open(&path)?;
        if let Err(e) = flock(&file, FlockOperation::NonBlockingLockExclusive) {
            let e = std::io::Error::from(e);
            return match e.kind() {
                ErrorKind::WouldBlock => Err(StoreError::Locked(dir.display().to_string())),
                _ => Err(e.into()),
            };
        }
        file.set_len(0)?;
        writeln!(file, "{}", std::process::id())?;
        Ok(StoreDirLock { _file: file, path })
    }

    /// The lock file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_lock_on_the_same_directory_is_refused_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let first = StoreDirLock::acquire(dir.path()).unwrap();
        assert!(matches!(StoreDirLock::acquire(dir.path()), Err(StoreError::Locked(_))));
        let pid = std::fs::read_to_string(first.path()).unwrap();
        assert_eq!(pid.trim(), std::process::id().to_string());
        drop(first);
        StoreDirLock::acquire(dir.path()).unwrap();
    }
}
