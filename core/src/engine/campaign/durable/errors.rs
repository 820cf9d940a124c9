//! The options of a durable campaign and its errors: why a data directory
//! could not be opened ([`OpenError`], each variant naming the file and the
//! cause) and why a journal or snapshot write failed ([`DurableError`]).

use super::*;

/// How a durable campaign writes its journal and snapshots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DurableOptions {
    /// When written journal bytes are forced to stable storage.
    pub fsync: FsyncPolicy,
    /// Take a snapshot (and start a new journal) at a `poll` once the
    /// journal holds this many records; 0 never does it automatically.
    pub snapshot_every_records: u64,
    /// Accept a reopen whose compliance settings differ from the stored
    /// ones: the change is applied, journaled and listed in
    /// [`RecoveryReport::config_changes`]. Without it such a reopen is
    /// [`OpenError::ConfigChanged`]. See the reopen checks in the module doc.
    pub accept_config_change: bool,
    /// What a snapshot does with the journals it makes redundant (older
    /// than the generation kept as a fallback).
    pub journal_retention: JournalRetention,
}

/// What a snapshot does with the journals older than the generation kept as
/// a fallback: they are no longer needed to recover, but they hold the
/// attempt history (the US Telemarketing Sales Rule asks for five years).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum JournalRetention {
    /// Move them into `DIR/archive/` (the default): the attempt records
    /// (`crate::records`) read the archive too and see every attempt since
    /// the campaign began. Recovery never reads the archive; older
    /// snapshots are deleted.
    #[default]
    Archive,
    /// Delete them (and the older snapshots): the records cover only the
    /// journals present, and the audit's "records kept" rule says which
    /// range is gone.
    Prune,
}

impl Default for DurableOptions {
    /// `Always` (nothing acknowledged is lost, even on power loss), a
    /// snapshot every 10 million records, journals archived.
    fn default() -> Self {
        DurableOptions {
            fsync: FsyncPolicy::Always,
            snapshot_every_records: 10_000_000,
            accept_config_change: false,
            journal_retention: JournalRetention::Archive,
        }
    }
}

/// Why a data directory could not be opened.
#[derive(Debug)]
pub enum OpenError {
    /// The configuration is invalid.
    Config(ConfigError),
    /// Another process (or campaign) holds the directory.
    Locked(PathBuf),
    /// A file could not be read, written or listed.
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The error.
        source: io::Error,
    },
    /// A journal's header is not a dialcore journal header.
    Journal(JournalError),
    /// A journal record checked out but does not fit the campaign (a bug or
    /// a file from another campaign).
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What did not fit.
        detail: String,
    },
    /// Journals exist but the snapshot they continue from is gone.
    MissingSnapshot {
        /// The directory.
        dir: PathBuf,
        /// The generation of the oldest journal.
        generation: u64,
        /// Every file that was skipped, with why (damaged snapshots).
        skipped: Vec<(PathBuf, String)>,
    },
    /// The configuration differs from the stored one in compliance fields
    /// and [`DurableOptions::accept_config_change`] is off. Every
    /// differing field is listed, compliance and tuning alike.
    ConfigChanged {
        /// The fields that differ.
        changes: Vec<ConfigChange>,
    },
    /// The campaign was created with another default time zone; its
    /// contacts' calling windows would move.
    ZoneMismatch {
        /// The campaign's default zone.
        stored: String,
        /// The configured one.
        configured: String,
    },
}

impl fmt::Display for OpenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OpenError::Config(e) => write!(f, "{e}"),
            OpenError::Locked(dir) => write!(
                f,
                "data directory {} is locked by another process",
                dir.display()
            ),
            OpenError::Io { path, source } => write!(f, "{}: {source}", path.display()),
            OpenError::Journal(e) => write!(f, "{e}"),
            OpenError::Corrupt { path, detail } => {
                write!(f, "{}: corrupt campaign data: {detail}", path.display())
            }
            OpenError::MissingSnapshot {
                dir,
                generation,
                skipped,
            } => {
                write!(
                    f,
                    "{}: generation {generation} has no snapshot to start from",
                    dir.display()
                )?;
                for (path, why) in skipped {
                    let name = path.file_name().unwrap_or(path.as_os_str());
                    write!(f, "; skipped {}: {why}", name.to_string_lossy())?;
                }
                Ok(())
            }
            OpenError::ConfigChanged { changes } => {
                f.write_str("the configuration differs from the campaign's stored one: ")?;
                for (i, c) in changes.iter().enumerate() {
                    if i > 0 {
                        f.write_str("; ")?;
                    }
                    write!(f, "{c}")?;
                }
                f.write_str(" (reopen with the stored settings, or accept the change explicitly)")
            }
            OpenError::ZoneMismatch { stored, configured } => write!(
                f,
                "default_timezone {configured:?} differs from the campaign's {stored:?}"
            ),
        }
    }
}

impl std::error::Error for OpenError {}

impl From<ConfigError> for OpenError {
    fn from(e: ConfigError) -> Self {
        OpenError::Config(e)
    }
}

/// Why a snapshot or journal write failed.
#[derive(Debug)]
pub struct DurableError {
    /// The file.
    pub path: PathBuf,
    /// The error.
    pub source: io::Error,
}

impl fmt::Display for DurableError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.as_os_str().is_empty() {
            // Not about a file: the campaign has no data directory.
            write!(f, "{}", self.source)
        } else {
            write!(f, "{}: {}", self.path.display(), self.source)
        }
    }
}

impl std::error::Error for DurableError {}

impl DurableError {
    /// A copy (an `io::Error` is not `Clone`: kind and message are kept).
    pub fn duplicate(&self) -> DurableError {
        DurableError {
            path: self.path.clone(),
            source: io::Error::new(self.source.kind(), self.source.to_string()),
        }
    }
}
