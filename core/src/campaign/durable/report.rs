//! What a recovery found and did, and what a snapshot wrote.

use super::*;

/// A snapshot written by [`Campaign::snapshot`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotInfo {
    /// Its generation.
    pub generation: u64,
    /// Its file.
    pub path: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
    /// Contacts in it.
    pub contacts: u64,
}

/// The snapshot a recovery started from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotLoaded {
    /// Its generation.
    pub generation: u64,
    /// Its file.
    pub path: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
}

/// One journal replayed by a recovery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalReplayed {
    /// Its generation.
    pub generation: u64,
    /// Its file.
    pub path: PathBuf,
    /// Records replayed.
    pub records: u64,
    /// Bytes accepted (header included).
    pub valid_bytes: u64,
}

/// The damaged tail a recovery cut.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalDamage {
    /// The journal.
    pub path: PathBuf,
    /// Where the first bad record starts.
    pub offset: u64,
    /// Bytes dropped from there to the end of the file.
    pub dropped_bytes: u64,
    /// Records dropped (the bad one and any whole records after it).
    pub dropped_records: u64,
    /// What was wrong.
    pub kind: DamageKind,
}

/// A contact that was live at the crash and where recovery put it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reconciled {
    /// The contact.
    pub contact: ContactId,
    /// Its state at the crash.
    pub was: State,
    /// Its state now.
    pub now: State,
    /// Its attempts (an issued Dial stays counted).
    pub attempts: u8,
}

/// What [`Campaign::open`] found and did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecoveryReport {
    /// The data directory.
    pub dir: PathBuf,
    /// True when the directory held no campaign (a new one was started).
    pub fresh: bool,
    /// The snapshot loaded, if any.
    pub snapshot: Option<SnapshotLoaded>,
    /// Files not used, with why: newer snapshots that did not check out
    /// (an older one was used), journals after a gap or after a damaged one.
    /// When there are any, recovery wrote a new generation past them.
    pub skipped_files: Vec<(PathBuf, String)>,
    /// The journals replayed, oldest first.
    pub journals: Vec<JournalReplayed>,
    /// The damaged tail cut from a journal, if any.
    pub damage: Option<JournalDamage>,
    /// Contacts live at the crash, where they went (for the host to check
    /// against its PBX: calls may still be up there).
    pub reconciled: Vec<Reconciled>,
    /// Contacts in the campaign.
    pub contacts: u64,
    /// The latest time the campaign had seen.
    pub now_ms: u64,
}

impl RecoveryReport {
    /// Records replayed from all journals.
    pub fn records_replayed(&self) -> u64 {
        self.journals.iter().map(|j| j.records).sum()
    }
}

impl fmt::Display for RecoveryReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "data directory: {}", self.dir.display())?;
        if self.fresh {
            writeln!(f, "new campaign (the directory held none)")?;
        }
        match &self.snapshot {
            Some(s) => writeln!(
                f,
                "snapshot: generation {} ({} bytes)",
                s.generation, s.bytes
            )?,
            None => writeln!(f, "snapshot: none")?,
        }
        for (path, why) in &self.skipped_files {
            writeln!(f, "skipped {}: {why}", path.display())?;
        }
        for j in &self.journals {
            writeln!(
                f,
                "journal: generation {}, {} records, {} bytes",
                j.generation, j.records, j.valid_bytes
            )?;
        }
        match &self.damage {
            Some(d) => writeln!(
                f,
                "damage: {} at byte {}: {:?}, dropped {} bytes, {} records",
                d.path.display(),
                d.offset,
                d.kind,
                d.dropped_bytes,
                d.dropped_records
            )?,
            None => writeln!(f, "damage: none")?,
        }
        writeln!(f, "contacts: {}", self.contacts)?;
        writeln!(f, "time: {} ms", self.now_ms)?;
        writeln!(f, "reconciled live contacts: {}", self.reconciled.len())?;
        for r in self.reconciled.iter().take(20) {
            writeln!(
                f,
                "  {}: {} -> {} (attempts {})",
                r.contact,
                r.was.name(),
                r.now.name(),
                r.attempts
            )?;
        }
        if self.reconciled.len() > 20 {
            writeln!(f, "  … and {} more", self.reconciled.len() - 20)?;
        }
        Ok(())
    }
}
