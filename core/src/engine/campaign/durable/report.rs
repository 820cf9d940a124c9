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
    /// The sequence number its journal starts at: every record before it
    /// is in the snapshot.
    pub first_seq: u64,
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
    /// Bytes through the last good frame (header included).
    pub valid_bytes: u64,
    /// The sequence number in its header.
    pub first_seq: u64,
    /// Whether it ends with a trailer (a newer journal was started).
    pub closed: bool,
}

/// One loss a recovery found: a damaged byte range of a journal, a
/// journal whose header is damaged, a missing journal, or records missing
/// between journals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalDamage {
    /// The journal (for a missing one, the name it would have).
    pub path: PathBuf,
    /// Where the damaged range starts (0 for a whole file).
    pub offset: u64,
    /// Damaged bytes (0 for a missing file or a sequence gap).
    pub bytes: u64,
    /// What was wrong.
    pub kind: DamageKind,
    /// The sequence number of the first record lost.
    pub first_lost_seq: u64,
    /// Records lost, counted from the sequence numbers around the loss;
    /// `None` when nothing after it tells (damage at the end of the newest
    /// journal, or a missing newest journal): then an unknown number of
    /// records from `first_lost_seq` on are gone.
    pub lost_records: Option<u64>,
    /// Intact records replayed after this loss.
    pub recovered_after: u64,
    /// Where the damaged bytes were kept (`<journal>.damaged-<offset>`),
    /// when the recovery wrote them there (not for zero fill, nor by
    /// [`Campaign::inspect`]).
    pub kept_aside: Option<PathBuf>,
}

impl fmt::Display for JournalDamage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self.path.file_name().unwrap_or(self.path.as_os_str());
        write!(f, "{}: {}", name.to_string_lossy(), self.kind)?;
        if self.bytes > 0 {
            write!(f, " at byte {} ({} bytes)", self.offset, self.bytes)?;
        }
        match self.lost_records {
            Some(n) => write!(f, ", {n} records lost from seq {}", self.first_lost_seq)?,
            None => write!(
                f,
                ", records from seq {} on lost (how many is unknown)",
                self.first_lost_seq
            )?,
        }
        write!(
            f,
            ", {} intact records recovered after it",
            self.recovered_after
        )?;
        if let Some(p) = &self.kept_aside {
            write!(f, "; damaged bytes kept in {}", p.display())?;
        }
        Ok(())
    }
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
    /// Every loss found, in sequence order.
    pub damage: Vec<JournalDamage>,
    /// Sub-records skipped because they refer to a contact or zone added
    /// in lost records.
    pub records_skipped: u64,
    /// Contacts whose `added` record was lost: kept as Removed
    /// placeholders (no number), never dialed.
    pub lost_contacts: u64,
    /// Bulk adds (`Campaign::add_contacts`, a large `add_numbers`) whose
    /// last journal part never came — a crash cut them while they were
    /// written — and which were dropped whole: none of their contacts was
    /// added (the call that made them never returned; add them again).
    pub bulk_adds_dropped: u64,
    /// Configuration fields that differ from the stored configuration,
    /// applied and journaled by [`Campaign::open_with`] (always empty from
    /// [`Campaign::inspect`], which is not given the host's configuration).
    pub config_changes: Vec<ConfigChange>,
    /// The generation recovery wrote past a damaged history (a new
    /// snapshot and journal), if it did.
    pub restarted: Option<u64>,
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

    /// Records known lost (the counted losses).
    pub fn records_lost(&self) -> u64 {
        self.damage.iter().filter_map(|d| d.lost_records).sum()
    }

    /// True when some loss could not be counted (see
    /// [`JournalDamage::lost_records`]).
    pub fn loss_uncounted(&self) -> bool {
        self.damage.iter().any(|d| d.lost_records.is_none())
    }

    /// Intact records replayed after the first loss.
    pub fn recovered_after_damage(&self) -> u64 {
        self.damage.first().map_or(0, |d| d.recovered_after)
    }

    /// True when anything was lost or skipped: damage, skipped files.
    pub fn is_damaged(&self) -> bool {
        !self.damage.is_empty() || !self.skipped_files.is_empty()
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
        if self.damage.is_empty() {
            writeln!(f, "damage: none")?;
        }
        for d in &self.damage {
            writeln!(f, "damage: {d}")?;
        }
        if !self.damage.is_empty() {
            let lost = self.records_lost();
            let more = if self.loss_uncounted() {
                " and more"
            } else {
                ""
            };
            writeln!(
                f,
                "records lost: {lost}{more}; their facts (counters, abandon meters, caps) and \
                 any blacklist change in them are lost too: reload the blacklist"
            )?;
        }
        if self.lost_contacts > 0 {
            writeln!(
                f,
                "contacts whose addition was lost: {} (kept as Removed, never dialed)",
                self.lost_contacts
            )?;
        }
        if self.bulk_adds_dropped > 0 {
            writeln!(
                f,
                "bulk adds cut by a crash and dropped: {} (none of their contacts was added: add them again)",
                self.bulk_adds_dropped
            )?;
        }
        for c in &self.config_changes {
            writeln!(f, "config: {c}")?;
        }
        if let Some(g) = self.restarted {
            writeln!(f, "continued in a new generation {g}")?;
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
