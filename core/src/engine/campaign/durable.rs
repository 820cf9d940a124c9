//! Durability: a campaign kept in a data directory survives `kill -9`.
//!
//! **Files.** A data directory holds `LOCK` (an exclusive lock while a
//! process has the campaign open), snapshots `snapshot-GGGGGGGG.dcs` and
//! journals `journal-GGGGGGGG.dcj`, where `G` is the generation in hex.
//! Snapshot `G` is the whole durable state at the moment journal `G` was
//! started; journal `G` holds every change after it. Taking a snapshot
//! writes generation `G + 1` (to a temporary file, fsync, rename, fsync the
//! directory), starts journal `G + 1` (its header holds the sequence
//! number of its first record, which snapshot `G + 1` records too), closes
//! journal `G` with a trailer, and removes what is older than `G`:
//! one older generation is kept, so a damaged newest snapshot still has a
//! fallback (snapshot `G` + journal `G` + journal `G + 1` give the same state).
//! Older snapshots are deleted; older journals are moved into `archive/`
//! (the default, [`JournalRetention::Archive`]: they hold the attempt
//! history the records read, see `crate::records`) or deleted
//! ([`JournalRetention::Prune`]). Recovery never reads the archive.
//!
//! **What is durable.** The contacts (every column, external ids, invalid
//! records, extra numbers and their per-number state), the due time of each scheduled retry, pending admin actions on
//! live contacts, the blacklist, the time zones, paused / canceled, the
//! operator count (ids stay stable; operators come back offline), the
//! campaign's counters, the 24-hour and 30-day abandon meters, the
//! reserved-operator and per-number daily-cap history. Calls in flight and
//! operator sessions are not: they belong to the PBX, and recovery hands
//! them back to the host to reconcile.
//!
//! **Journal records.** Each host call that changed something appends one
//! sequenced, checksummed record (the framing of [`crate::journal`]) holding a sequence
//! of sub-records, so a call costs one CRC and one length, not one per
//! change. A sub-record starts with its kind; integers are little-endian:
//!
//! | kind | sub-record | after the kind byte |
//! |---|---|---|
//! | 1 | time | `now_ms u64` (when the clock moved) |
//! | 2 | contact row | `id u32, state u8, attempts u8, outcome u8, flags u8` |
//! | 11 | contact row with due time | the same, then `due_ms u64` (a scheduled retry) |
//! | 7 | admin | `1 paused, 2 resumed, 3 canceled` |
//! | 8 | fact | `kind u8 (1 dialed, 2 answered, 3 machine, 4 connected, 5 abandoned, 6 watchdog hang-up), id u32` |
//! | 9 | number fixed | `id u32, number u64` |
//! | 10 | operator added | — |
//! | 15 | call operator | `id u32, operator u32` (the operator on the contact's call: at a dial with an operator, at a connect) |
//! | 20 | caller ID | `id u32, caller_id u64` (the caller ID presented on the contact's dial, E.164 digits; after its dial fact) |
//! | 16 | held back | `reason u8, id u32` (a contact held back instead of dialed: 1 window, 2 number busy, 3 24 h cap, 4 paused, 5 blacklisted, 6 attempts used up; see `crate::records::HoldReason`) |
//! | 24 | number state | `id u32, count u8, header u16, state u8 × count` (a contact with several numbers after the host call: its current number, #0's kind and last outcome, each extra number's attempts and last outcome; see `crate::store`) |
//! | 25 | number replaced | `id u32, index u8, number u64, zone u16` (`Campaign::fix_number_at` on a valid contact) |
//! | 26 | dialed at | `id u32, index u8` (the number index of the dial fact that follows, when not 0) |
//! | 3 | contact added | `id u32, state u8, priority u8, zone u16, number u64, ext_len u32, ext, reason u8, raw` |
//! | 4 | numbers added | `first_id u32, priority u8, zone u16, numbers u64…` |
//! | 5 | time zone | `id u16, name` |
//! | 6 | blacklist | `add u8, numbers u64…` |
//! | 12 | configuration | `field=value` lines (see the reopen checks) |
//! | 13 | contacts added, one part of a bulk add | `flags u8 (1 first, 2 last), first_id u32, rows…` (each row as in kind 3); replayed only once the last part is read |
//! | 14 | numbers added, one part of a bulk add | as kind 4, in parts; replayed only once the last part is read |
//! | 17 | lease | `token u64`: the fencing token (a replication lease's revision) of the writer whose records follow, a record of its own ([`Campaign::journal_lease`], [`lease_token`]); changes no state |
//! | 18 | extra numbers | `(id u32, kind0 u8, count u8, (number u64, kind u8, zone u16) × count)…`: the numbers after #0 (and #0's kind) of contacts just added, right after their add record; a crash between the two leaves those contacts with number #0 only |
//!
//! Kinds 3–6 and 12–14 and 18 have a variable size and fill a record of their own.
//! Facts happen at the time of the record's last time sub-record.
//!
//! A contact row carries the contact's whole mutable state *after* the host
//! call that changed it (one row per changed contact, written when
//! `handle`, `poll` or a setup call returns), so replay is a sequence of
//! overwrites and never re-runs engine logic: a replay by a newer version
//! gives the same contacts. `flags` holds, for contacts bound to a call or
//! an operator, whether a call exists (bit 0), whether it was answered
//! (bit 1) and the pending admin action (bits 2–3: 1 blacklist, 2 cancel,
//! 3 remove).
//!
//! **When records reach the disk.** Records are buffered in memory and
//! written at every `poll` (before its commands are handed out) and at
//! [`Campaign::flush`]; the [`FsyncPolicy`] decides when the written bytes
//! are also forced to stable storage. So a Dial command is never in the
//! host's hands before the transition that issued it is in the journal
//! (and, with `Always`, on disk). With `Always` a poll costs one
//! `fdatasync` for every event since the last (group commit), into a
//! journal kept preallocated so the sync moves no metadata (see
//! [`crate::journal`]); a host with its own lock can run that sync after
//! releasing it ([`Campaign::defer_sync`], [`Campaign::take_sync`]). If a write fails, the campaign stops
//! handing out commands ([`Campaign::durability_error`] says why); reopening
//! the directory recovers from what was written. A failed *snapshot* does
//! not stop it — the journal still holds everything — but stays visible in
//! [`Campaign::snapshot_error`] until one succeeds, and automatic snapshots
//! are retried with an exponential backoff on engine time
//! ([`SNAPSHOT_BACKOFF_MIN_MS`] doubling to [`SNAPSHOT_BACKOFF_MAX_MS`]).
//!
//! **Recovery** ([`Campaign::open`]) loads the newest snapshot that checks
//! out, replays every intact record of the journals after it — the reader
//! resynchronizes past damage, and the sequence numbers count exactly what
//! was lost (see `recovery` for what can and cannot be told) — keeps
//! damaged bytes aside in `<journal>.damaged-<offset>`, lists every loss in
//! [`RecoveryReport::damage`], writes a fresh generation past a damaged
//! history, and then reconciles the contacts that were live at the crash:
//! those not yet connected (OperatorAssigned, Bcw, Calling, AwaitingOperator) become
//! RetryScheduled, due at once (an attempt stays counted where a Dial was
//! issued); those connected (CallInProgress, Acw) become Success, since the
//! client was reached. A pending admin action wins as it would have when the
//! call ended. Every reconciled contact is listed in the [`RecoveryReport`].
//!
//! **Reopen checks**: the configuration is stored with the campaign and a
//! reopen with other compliance settings is refused unless accepted; see
//! the `reopen` module.

mod errors;
mod image;
mod records;
mod recovery;
mod reopen;
mod report;

pub use errors::{DurableError, DurableOptions, JournalRetention, OpenError};
use records::*;
pub(crate) use records::{decode_seen, Fact as SeenFact, ObserveReplay, Observer, Seen};
pub(super) use records::{AdminRecord, Fact, Replay};
use recovery::*;
pub use reopen::{ConfigChange, ConfigFieldKind};
pub use report::*;

use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use hashbrown::HashMap;

use super::{resolve_pending, Campaign, PendingAdmin};
use crate::blacklist::Blacklist;
use crate::config::{CampaignConfig, ConfigError};
use crate::journal::{
    self, Damage, DamageKind, FsyncPolicy, JournalError, JournalWriter, SyncHandle,
};
use crate::lockfile::{sync_dir, DirLock, LockError};
use crate::phone::PhoneError;
use crate::snapshot::{self, Snapshot, SnapshotWriter};
use crate::state::{Outcome, State};
use crate::store::{ContactId, ContactStore, StoreColumns};
use crate::wheel::Wheel;
use crate::zones::ZoneId;

/// The journal and snapshot state of a campaign opened from a directory.
#[derive(Debug)]
pub(super) struct Durable {
    dir: PathBuf,
    _lock: DirLock,
    writer: JournalWriter,
    options: DurableOptions,
    /// Contacts changed by the host call in progress.
    pub(super) dirty: Vec<u32>,
    /// Fixed-size records (facts, admin…) of the host call in progress,
    /// framed together with its rows as one journal record.
    batch: Vec<u8>,
    /// Zones already journaled.
    zones_written: usize,
    last_tick: u64,
    failed: Option<DurableError>,
    /// The last snapshot that failed (cleared by one that succeeds).
    snapshot_failed: Option<DurableError>,
    /// Engine time before which no automatic snapshot is retried.
    snapshot_retry_at: u64,
    /// The wait after the last failed snapshot (doubles per failure).
    snapshot_backoff_ms: u64,
}

/// The wait before retrying a failed automatic snapshot: 1 s, doubling
/// with every failure up to [`SNAPSHOT_BACKOFF_MAX_MS`].
pub const SNAPSHOT_BACKOFF_MIN_MS: u64 = 1_000;

/// The longest wait between automatic snapshot retries, 5 minutes.
pub const SNAPSHOT_BACKOFF_MAX_MS: u64 = 300_000;

fn snapshot_path(dir: &Path, generation: u64) -> PathBuf {
    dir.join(format!("snapshot-{generation:08x}.dcs"))
}

/// Where archived journals go (see [`JournalRetention`]).
pub(crate) fn archive_dir(dir: &Path) -> PathBuf {
    dir.join("archive")
}

fn journal_path(dir: &Path, generation: u64) -> PathBuf {
    dir.join(format!("journal-{generation:08x}.dcj"))
}

/// The generation in a file name `prefix-GGGGGGGG.ext`.
fn generation_of(name: &str, prefix: &str, ext: &str) -> Option<u64> {
    let hex = name.strip_prefix(prefix)?.strip_suffix(ext)?;
    if hex.is_empty() || hex.len() > 16 {
        return None;
    }
    // Only the name this crate writes for the generation (so the file is
    // found again by its generation): no leading zeros past eight digits,
    // lowercase.
    let g = u64::from_str_radix(hex, 16).ok()?;
    (format!("{g:08x}") == hex).then_some(g)
}

/// The snapshot and journal generations present in `dir`, ascending.
fn list_generations(dir: &Path) -> Result<(Vec<u64>, Vec<u64>), OpenError> {
    let io_err = |source| OpenError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut snapshots = Vec::new();
    let mut journals = Vec::new();
    for entry in fs::read_dir(dir).map_err(io_err)? {
        let entry = entry.map_err(io_err)?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if let Some(g) = generation_of(name, "snapshot-", ".dcs") {
            snapshots.push(g);
        } else if let Some(g) = generation_of(name, "journal-", ".dcj") {
            journals.push(g);
        }
    }
    snapshots.sort_unstable();
    journals.sort_unstable();
    Ok((snapshots, journals))
}

impl Campaign {
    /// Opens (or creates) the durable campaign in `dir` with the default
    /// [`DurableOptions`]: recovers what the directory holds and returns the
    /// campaign with a report of what was found.
    pub fn open(
        dir: impl AsRef<Path>,
        config: CampaignConfig,
    ) -> Result<(Campaign, RecoveryReport), OpenError> {
        Campaign::open_with(dir, config, DurableOptions::default())
    }

    /// [`Campaign::open`] with explicit options.
    pub fn open_with(
        dir: impl AsRef<Path>,
        config: CampaignConfig,
        options: DurableOptions,
    ) -> Result<(Campaign, RecoveryReport), OpenError> {
        let dir = dir.as_ref();
        fs::create_dir_all(dir).map_err(|source| OpenError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let lock = DirLock::acquire(dir).map_err(|e| match e {
            LockError::Locked { dir } => OpenError::Locked(dir),
            LockError::Io { dir, source } => OpenError::Io { path: dir, source },
        })?;
        let loaded = load(dir, config.clone(), None, false)?;
        let (mut campaign, mut report, tail) = (loaded.campaign, loaded.report, loaded.tail);
        // Reopen checks before anything is written.
        let changes = match &loaded.stored_config {
            Some(stored) => reopen::config_changes(stored, &config),
            None => Vec::new(),
        };
        let refused = changes
            .iter()
            .any(|c| c.kind == ConfigFieldKind::Compliance);
        if refused && !options.accept_config_change {
            return Err(OpenError::ConfigChanged { changes });
        }
        let store_config = loaded.stored_config.is_none() || !changes.is_empty();
        report.config_changes = changes;
        let io_err = |path: &Path| {
            let path = path.to_path_buf();
            move |source| OpenError::Io { path, source }
        };
        // Damaged bytes are kept aside before any journal is cut.
        for d in &mut report.damage {
            if let Some(bytes) = loaded.damaged_bytes.get(&(d.path.clone(), d.offset)) {
                let at = journal::damaged_path(&d.path, d.offset);
                fs::write(&at, bytes)
                    .and_then(|()| fs::File::open(&at)?.sync_all())
                    .map_err(io_err(&at))?;
                d.kept_aside = Some(at);
            }
        }
        let zones_written = campaign.zones.len();
        let writer = match tail {
            // Continue the last journal, its torn tail cut.
            Tail::Continue {
                generation,
                valid_len,
                next_seq,
            } => {
                let path = journal_path(dir, generation);
                JournalWriter::open_append(&path, valid_len, next_seq, options.fsync)
                    .map_err(io_err(&path))?
            }
            Tail::Create {
                generation,
                next_seq,
            } => {
                let path = journal_path(dir, generation);
                JournalWriter::create(&path, generation, next_seq, options.fsync)
                    .map_err(io_err(&path))?
            }
            // A damaged or broken history: reconcile in memory, write the
            // result as a clean generation after every file present, and
            // journal from there.
            Tail::Restart {
                generation,
                next_seq,
            } => {
                campaign.reconcile(&mut report);
                let path = snapshot_path(dir, generation);
                campaign
                    .write_snapshot(&path, generation, next_seq)
                    .map_err(io_err(&path))?;
                let jpath = journal_path(dir, generation);
                JournalWriter::create(&jpath, generation, next_seq, options.fsync)
                    .map_err(io_err(&jpath))?
            }
        };
        let restarted = matches!(tail, Tail::Restart { .. });
        report.restarted = restarted.then(|| writer.generation());
        campaign.durable = Some(Box::new(Durable {
            dir: dir.to_path_buf(),
            _lock: lock,
            writer,
            options,
            dirty: Vec::new(),
            batch: Vec::new(),
            // A new campaign journals its default zone first, so a later
            // open with another default_timezone is refused.
            zones_written: if report.fresh { 0 } else { zones_written },
            last_tick: u64::MAX,
            failed: None,
            snapshot_failed: None,
            snapshot_retry_at: 0,
            snapshot_backoff_ms: 0,
        }));
        if let Some(d) = campaign.durable.as_deref_mut() {
            d.journal_new_zones(&campaign.zones);
            if store_config {
                let text = reopen::config_text(&config);
                d.writer.append(|b| {
                    b.push(CONFIG);
                    b.extend_from_slice(text.as_bytes());
                });
            }
        }
        if !restarted {
            campaign.reconcile(&mut report);
        }
        campaign.flush().map_err(|e| OpenError::Io {
            path: e.path,
            source: e.source,
        })?;
        Ok((campaign, report))
    }

    /// Reads the campaign in `dir` without locking or changing anything:
    /// what [`Campaign::open`] would recover (the damage is reported, not
    /// cut; live contacts are reconciled in memory only). For `dialcore
    /// inspect`.
    pub fn inspect(
        dir: impl AsRef<Path>,
        config: CampaignConfig,
    ) -> Result<(Campaign, RecoveryReport), OpenError> {
        let dir = dir.as_ref();
        if !dir.is_dir() {
            return Err(OpenError::Io {
                path: dir.to_path_buf(),
                source: io::Error::new(io::ErrorKind::NotFound, "no such data directory"),
            });
        }
        let loaded = load(dir, config, None, false)?;
        let (mut campaign, mut report) = (loaded.campaign, loaded.report);
        campaign.reconcile(&mut report);
        Ok((campaign, report))
    }

    /// True when the campaign is kept in a data directory.
    pub fn is_durable(&self) -> bool {
        self.durable.is_some()
    }

    /// The write error that stopped the campaign from handing out commands,
    /// if one happened. Reopen the directory to continue.
    pub fn durability_error(&self) -> Option<&DurableError> {
        self.durable.as_ref().and_then(|d| d.failed.as_ref())
    }

    /// The last snapshot that failed, until one succeeds. Dialing goes on
    /// (the journal still records everything) but the journal grows and
    /// recovery gets slower; automatic snapshots are retried with an
    /// exponential backoff on engine time ([`SNAPSHOT_BACKOFF_MIN_MS`] up to
    /// [`SNAPSHOT_BACKOFF_MAX_MS`]), not at every poll.
    pub fn snapshot_error(&self) -> Option<&DurableError> {
        self.durable
            .as_ref()
            .and_then(|d| d.snapshot_failed.as_ref())
    }

    /// The journal's generation, records and bytes so far, when durable.
    pub fn journal_position(&self) -> Option<(u64, u64, u64)> {
        let d = self.durable.as_ref()?;
        Some((d.writer.generation(), d.writer.records(), d.writer.bytes()))
    }

    /// Appends a lease record (kind 17) holding `token`, the fencing token
    /// of the writer from here on (for replication: the revision of the
    /// lease the process holds, so a standby can refuse records of an older
    /// writer). It changes no state and replay skips it; it is written with
    /// the next poll or [`Campaign::flush`], like any record. Does nothing
    /// for a campaign without a data directory.
    pub fn journal_lease(&mut self, token: u64) {
        self.journal_commit();
        if let Some(d) = self.durable.as_deref_mut() {
            d.writer.append(|b| {
                b.push(LEASE);
                b.extend_from_slice(&token.to_le_bytes());
            });
        }
    }

    /// Writes everything buffered to the journal and forces it to stable
    /// storage, whatever the fsync policy. Does nothing for a campaign
    /// without a data directory.
    pub fn flush(&mut self) -> Result<(), DurableError> {
        self.journal_commit();
        let Some(d) = self.durable.as_deref_mut() else {
            return Ok(());
        };
        let result = d.writer.sync().named(d.journal_path());
        d.check(result)
    }

    /// Makes the next journal flush that would fsync (the next `poll`'s,
    /// or a setup call's) write only, and leave the `fdatasync` to the
    /// handle [`Campaign::take_sync`] returns: for a host that calls the
    /// campaign under its own lock and syncs after releasing it, so other
    /// threads do not wait on the disk. The host must call
    /// [`SyncHandle::sync`] and see it succeed before it hands out the
    /// commands of that poll (or acknowledges that setup call): the
    /// ordering "record on disk before the Dial leaves" is then the host's.
    /// A failed deferred sync stops the campaign at its next flush, like a
    /// failed write. No effect without a data directory.
    pub fn defer_sync(&mut self) {
        if let Some(d) = self.durable.as_deref_mut() {
            d.writer.defer_sync();
        }
    }

    /// The `fdatasync` the last flush left after [`Campaign::defer_sync`],
    /// if it left one; cancels a deferral no flush used. Call
    /// [`SyncHandle::sync`] on it without holding the campaign's lock.
    pub fn take_sync(&mut self) -> Option<SyncHandle> {
        self.durable.as_deref_mut()?.writer.take_sync()
    }

    /// Writes a snapshot of the whole campaign as a new generation and
    /// starts a new journal; older generations but one are deleted.
    ///
    /// A failure leaves the campaign on its current journal (dialing goes
    /// on: the journal still holds every change) and is kept for
    /// [`Campaign::snapshot_error`] until a snapshot succeeds. If the new
    /// journal cannot be created, the new snapshot is removed again so that
    /// recovery does not start from it and skip what the old journal goes
    /// on recording; if even that fails, the campaign stops
    /// ([`Campaign::durability_error`]).
    pub fn snapshot(&mut self) -> Result<SnapshotInfo, DurableError> {
        self.flush()?;
        let result = self.try_snapshot();
        if let Some(d) = self.durable.as_deref_mut() {
            match &result {
                Ok(_) => d.snapshot_failed = None,
                Err(e) => d.snapshot_failed = Some(e.duplicate()),
            }
        }
        result
    }

    fn try_snapshot(&mut self) -> Result<SnapshotInfo, DurableError> {
        let d = self.durable.as_deref().ok_or_else(|| DurableError {
            path: PathBuf::new(),
            source: io::Error::other("the campaign has no data directory"),
        })?;
        let dir = d.dir.clone();
        let generation = d.writer.generation() + 1;
        let next_seq = d.writer.next_seq();
        let path = snapshot_path(&dir, generation);
        let fail = |path: &Path| {
            let path = path.to_path_buf();
            move |source| DurableError { path, source }
        };
        let bytes = self
            .write_snapshot(&path, generation, next_seq)
            .map_err(fail(&path))?;
        let jpath = journal_path(&dir, generation);
        let d = self.durable.as_deref_mut().expect("checked above");
        let writer = match JournalWriter::create(&jpath, generation, next_seq, d.options.fsync) {
            Ok(w) => w,
            Err(source) => {
                let error = DurableError {
                    path: jpath,
                    source,
                };
                if let Err(e) = fs::remove_file(&path).and_then(|()| sync_dir(&dir)) {
                    // The snapshot stays and would hide the records the old
                    // journal goes on taking: stop.
                    return d.check(Err(DurableError {
                        path: path.clone(),
                        source: io::Error::new(
                            e.kind(),
                            format!(
                                "cannot remove a snapshot without its journal ({e}) after: {error}"
                            ),
                        ),
                    }));
                }
                return Err(error);
            }
        };
        let old = std::mem::replace(&mut d.writer, writer);
        // Close the old journal with a trailer: recovery then knows the new
        // one exists. Best effort: the new header says the same.
        let _ = old.close();
        d.last_tick = u64::MAX;
        // Keep one older generation as a fallback; archive (or delete) the
        // older journals, delete the older snapshots. Best effort: a journal
        // that cannot be moved stays where it is (recovery skips it) and the
        // next snapshot tries again.
        let retention = d.options.journal_retention;
        if let Ok((snaps, journals)) = list_generations(&dir) {
            for g in snaps.into_iter().filter(|&g| g + 1 < generation) {
                let _ = fs::remove_file(snapshot_path(&dir, g));
            }
            let old: Vec<u64> = journals
                .into_iter()
                .filter(|&g| g + 1 < generation)
                .collect();
            match retention {
                JournalRetention::Prune => {
                    for g in old {
                        let _ = fs::remove_file(journal_path(&dir, g));
                    }
                }
                JournalRetention::Archive if !old.is_empty() => {
                    let archive = archive_dir(&dir);
                    if fs::create_dir_all(&archive).is_ok() {
                        for g in old {
                            let _ = fs::rename(journal_path(&dir, g), journal_path(&archive, g));
                        }
                        let _ = sync_dir(&archive).and_then(|()| sync_dir(&dir));
                    }
                }
                JournalRetention::Archive => {}
            }
        }
        Ok(SnapshotInfo {
            generation,
            path,
            bytes,
            contacts: self.store.len() as u64,
        })
    }
}

impl Durable {
    /// The journal file being written.
    fn journal_path(&self) -> PathBuf {
        journal_path(&self.dir, self.writer.generation())
    }

    /// Records a write failure (the first one) and passes the result on.
    fn check<T>(&mut self, result: Result<T, DurableError>) -> Result<T, DurableError> {
        if let Err(e) = &result {
            if self.failed.is_none() {
                self.failed = Some(e.duplicate());
            }
        }
        result
    }

    fn journal_new_zones(&mut self, zones: &crate::zones::ZoneTable) {
        let names: Vec<&str> = zones.names().collect();
        for (id, name) in names.iter().enumerate().skip(self.zones_written) {
            self.writer.append(|b| {
                b.push(ZONE);
                b.extend_from_slice(&(id as u16).to_le_bytes());
                b.extend_from_slice(name.as_bytes());
            });
        }
        self.zones_written = names.len();
    }
}

/// The fencing token of a journal record's payload if it is a lease record
/// (kind 17, written by [`Campaign::journal_lease`]), else `None`.
pub fn lease_token(payload: &[u8]) -> Option<u64> {
    match payload {
        [LEASE, token @ ..] => Some(u64::from_le_bytes(token.try_into().ok()?)),
        _ => None,
    }
}

trait NamedIo<T> {
    fn named(self, path: PathBuf) -> Result<T, DurableError>;
}

impl<T> NamedIo<T> for io::Result<T> {
    fn named(self, path: PathBuf) -> Result<T, DurableError> {
        self.map_err(|source| DurableError { path, source })
    }
}

impl Drop for Campaign {
    /// A durable campaign writes and syncs what it has buffered when
    /// dropped (best effort: an error here has nowhere to go; the journal
    /// holds everything up to the last successful poll or flush).
    fn drop(&mut self) {
        if self.durable.is_some() {
            let _ = self.flush();
        }
    }
}
