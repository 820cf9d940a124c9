//! The data directory lock, and fsync of a directory.
//!
//! One engine owns a data directory: two processes appending to the same
//! journal would interleave records and each would cut the other's "torn"
//! tail on recovery. [`DirLock::acquire`] creates (or opens) `dir/LOCK` and
//! takes an exclusive, non-blocking lock on it with [`File::try_lock`]; the
//! lock is held until the [`DirLock`] is dropped, and the operating system
//! releases it if the process dies, so a crash never leaves a stale lock.
//!
//! On Linux `try_lock` is `flock(LOCK_EX | LOCK_NB)`, whose locks belong to
//! the open file description: a second `acquire` of the same directory in the
//! same process opens the file again and is refused like another process
//! would be. The file holds the owner's process id as a decimal line, for a
//! person reading it; nothing reads it back. The file is never deleted
//! (deleting a locked file would let a newcomer lock a fresh one).
//!
//! `flock` locks are advisory and may not work on network file systems
//! (NFS emulates them with `fcntl` locks, which are per process): keep data
//! directories on a local disk.

use std::fmt;
use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Name of the lock file inside a data directory.
pub const LOCK_FILE: &str = "LOCK";

/// An exclusive lock on a data directory, held for the life of the value.
#[derive(Debug)]
pub struct DirLock {
    /// The open, locked `LOCK` file; closing it releases the lock.
    file: File,
    dir: PathBuf,
}

impl DirLock {
    /// Creates `dir` if it is missing, creates or opens `dir/LOCK` and locks it
    /// without waiting. Another holder (another process, or another
    /// `DirLock` of this process) makes it [`LockError::Locked`].
    pub fn acquire(dir: &Path) -> Result<DirLock, LockError> {
        let io_err = |source| LockError::Io {
            dir: dir.to_path_buf(),
            source,
        };
        fs::create_dir_all(dir).map_err(io_err)?;
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(dir.join(LOCK_FILE))
            .map_err(io_err)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(LockError::Locked {
                    dir: dir.to_path_buf(),
                })
            }
            Err(TryLockError::Error(e)) => return Err(io_err(e)),
        }
        // Best effort, for a person: who holds it.
        let _ = file
            .set_len(0)
            .and_then(|()| writeln!(file, "{}", std::process::id()));
        Ok(DirLock {
            file,
            dir: dir.to_path_buf(),
        })
    }

    /// The locked directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl Drop for DirLock {
    fn drop(&mut self) {
        // Closing the file releases the lock too; unlock explicitly so the
        // release does not wait for another handle to the same description.
        let _ = self.file.unlock();
    }
}

/// Why a data directory could not be locked.
#[derive(Debug)]
pub enum LockError {
    /// Another process (or another [`DirLock`] in this one) holds the lock.
    Locked {
        /// The data directory.
        dir: PathBuf,
    },
    /// Creating, opening or locking the lock file failed.
    Io {
        /// The data directory.
        dir: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
}

impl fmt::Display for LockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LockError::Locked { dir } => write!(
                f,
                "data directory {} is locked by another process",
                dir.display()
            ),
            LockError::Io { dir, source } => {
                write!(f, "cannot lock data directory {}: {source}", dir.display())
            }
        }
    }
}

impl std::error::Error for LockError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            LockError::Locked { .. } => None,
            LockError::Io { source, .. } => Some(source),
        }
    }
}

/// Forces a directory's entries (files created or renamed in it) to stable
/// storage. On Unix this is `fsync` of the directory; elsewhere a no-op
/// (Windows cannot open a directory as a file, and NTFS journals renames).
pub(crate) fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

/// The directory holding `path`, for [`sync_dir`]: its parent, or `.` for a
/// bare file name.
pub(crate) fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}
