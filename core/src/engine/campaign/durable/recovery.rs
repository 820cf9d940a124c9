//! Recovery: find the newest good snapshot, replay every intact journal
//! record after it, count exactly what was lost, and reconcile the
//! contacts that were live.
//!
//! Sequence numbers run across journals (each journal's header holds its
//! first one, each snapshot the first one of its journal, a trailer closes
//! a journal with the next journal's first one), so recovery knows which
//! records must exist and counts the missing ones: a damaged range inside
//! a journal (the reader resynchronizes after it), a journal whose header
//! is damaged, a missing journal between others, a closed journal whose
//! successor is missing, a journal cut on a record boundary before the
//! next one starts. Replay goes on after a loss: records are full row
//! images, so later ones overwrite; records that refer to a contact or a
//! zone added in the lost records are skipped (those contacts become
//! Removed placeholders, never dialed). What no file can tell is how many
//! records the *newest* journal held past its last intact one: damage at
//! its end is reported with an unknown count, and a cut exactly on a
//! record boundary looks like the end of the journal.

use std::collections::HashMap as StdHashMap;

use super::*;

/// How the journal continues after a load.
#[derive(Debug, Clone, Copy)]
pub(super) enum Tail {
    /// Append to this journal after its valid bytes.
    Continue {
        generation: u64,
        valid_len: u64,
        next_seq: u64,
    },
    /// Start this journal (the snapshot of its generation is loaded or none is needed).
    Create { generation: u64, next_seq: u64 },
    /// Write a new snapshot and journal of this generation (damage or a
    /// skipped file made the old history unusable to continue).
    Restart { generation: u64, next_seq: u64 },
}

/// What [`load`] found.
pub(super) struct Loaded {
    pub(super) campaign: Campaign,
    pub(super) report: RecoveryReport,
    pub(super) tail: Tail,
    /// The configuration stored with the campaign, if any.
    pub(super) stored_config: Option<String>,
    /// The bytes of each damaged range worth keeping aside, by journal and
    /// offset (zero fill is not kept).
    pub(super) damaged_bytes: StdHashMap<(PathBuf, u64), Vec<u8>>,
}

/// The first sequence number a snapshot's journal starts at.
fn snapshot_seq(snap: &Snapshot) -> Result<u64, String> {
    let b = image::section(snap, *b"SEQN")?;
    let b: [u8; 8] = b.try_into().map_err(|_| "section SEQN is not 8 bytes")?;
    Ok(u64::from_le_bytes(b))
}

/// Loads the newest good snapshot and replays the journals after it.
/// `observer` sees every journal record replayed (see [`Observer`]).
///
/// With `full_history` (the attempt records' reader) the journals archived
/// in `DIR/archive/` count too: when the journals reach back to generation 0, the
/// snapshots are ignored and every journal is replayed from nothing, so the
/// observer sees every record since the campaign began (the state reached
/// is the same: a snapshot is the replay of the journals before it).
pub(super) fn load(
    dir: &Path,
    config: CampaignConfig,
    observer: Option<Observer>,
    full_history: bool,
) -> Result<Loaded, OpenError> {
    let mut report = RecoveryReport {
        dir: dir.to_path_buf(),
        ..RecoveryReport::default()
    };
    let (mut snapshots, mut journals) = list_generations(dir)?;
    // Generations read from the archive (only with `full_history`).
    let mut archived = hashbrown::HashSet::new();
    let archive = archive_dir(dir);
    if full_history {
        let old = if archive.is_dir() {
            list_generations(&archive)?.1
        } else {
            Vec::new()
        };
        let mut all: Vec<u64> = journals.iter().chain(&old).copied().collect();
        all.sort_unstable();
        all.dedup();
        if all.first() == Some(&0) {
            for g in old {
                if !journals.contains(&g) {
                    archived.insert(g);
                }
            }
            journals = all;
            snapshots.clear();
        }
    }
    let journal_path = |dir: &Path, g: u64| {
        if archived.contains(&g) {
            journal_path(&archive, g)
        } else {
            journal_path(dir, g)
        }
    };
    let mut campaign = Campaign::new(config)?;
    campaign.replay.observer = observer;
    let mut stored_config = None;
    // (generation, first sequence number of its journal)
    let mut base = None;
    for &g in snapshots.iter().rev() {
        let path = snapshot_path(dir, g);
        let snap = match Snapshot::read(&path) {
            Ok(snap) => snap,
            Err(e) => {
                report.skipped_files.push((path, e.to_string()));
                continue;
            }
        };
        let seq = match snapshot_seq(&snap) {
            Ok(seq) => seq,
            Err(e) => {
                report.skipped_files.push((path, e));
                continue;
            }
        };
        campaign
            .restore_snapshot(&snap)
            .map_err(|detail| corrupt_or_zone(&path, detail))?;
        stored_config = snap
            .section(*b"CONF")
            .and_then(|b| std::str::from_utf8(b).ok())
            .map(str::to_owned);
        // What the records read as the configuration in force until a
        // journal stores another.
        campaign.replay.config.clone_from(&stored_config);
        report.snapshot = Some(SnapshotLoaded {
            generation: g,
            path,
            bytes: snap.len_bytes(),
            first_seq: seq,
        });
        base = Some((g, seq));
        break;
    }
    let (start, start_seq) = match base {
        Some(b) => b,
        // Generation 0 starts from nothing at sequence 0.
        None if journals.first() == Some(&0) => (0, 0),
        None if journals.is_empty() && snapshots.is_empty() => {
            report.fresh = true;
            return Ok(Loaded {
                campaign,
                report,
                tail: Tail::Create {
                    generation: 0,
                    next_seq: 0,
                },
                stored_config: None,
                damaged_bytes: StdHashMap::new(),
            });
        }
        None => {
            let generation = snapshots
                .first()
                .copied()
                .unwrap_or(u64::MAX)
                .min(journals.first().copied().unwrap_or(u64::MAX));
            return Err(OpenError::MissingSnapshot {
                dir: dir.to_path_buf(),
                generation,
                skipped: report.skipped_files,
            });
        }
    };
    let newest = snapshots
        .last()
        .copied()
        .unwrap_or(0)
        .max(journals.last().copied().unwrap_or(0));
    // The generation after every file present (where a restart goes).
    let after = newest.checked_add(1).ok_or_else(|| OpenError::Corrupt {
        path: dir.to_path_buf(),
        detail: format!("generation {newest} leaves no next generation"),
    })?;
    let mut damaged_bytes = StdHashMap::new();
    let mut replay = Replayer {
        report: &mut report,
        expected: start_seq,
        replayed: 0,
        damaged_bytes: &mut damaged_bytes,
        open_loss: None,
    };
    let mut tail = Tail::Create {
        generation: start,
        next_seq: start_seq,
    };
    // Whether the history is clean enough to continue the last journal.
    let mut clean = true;
    // Whether the journal before the one expected next was closed: its
    // trailer proves the next one was created. For the snapshot's own
    // generation, the previous journal (kept as a fallback) tells.
    let mut closed = start > 0
        && !journals.contains(&start)
        && journals.contains(&(start - 1))
        && journal::read_journal(&journal_path(dir, start - 1)).is_ok_and(|r| r.trailer.is_some());
    let last_journal = journals.iter().copied().filter(|&g| g >= start).max();
    // The generations to visit: every file's from `start` on, and the first
    // of each run of absent ones (one loss covers the run). Not every
    // number up to `newest`: a stray file name must not make this loop long.
    let mut present: Vec<u64> = journals
        .iter()
        .chain(&snapshots)
        .copied()
        .filter(|&g| g >= start)
        .chain(std::iter::once(start))
        .collect();
    present.sort_unstable();
    present.dedup();
    let mut visit = Vec::with_capacity(present.len() * 2);
    for (i, &g) in present.iter().enumerate() {
        if i > 0 && g > present[i - 1] + 1 {
            visit.push(present[i - 1] + 1);
        }
        visit.push(g);
    }
    for g in visit {
        let path = journal_path(dir, g);
        if !journals.contains(&g) {
            let later = last_journal.is_some_and(|last| last > g);
            if later || closed {
                // Later journals or a trailer prove this one existed.
                replay.lose_file(&path, DamageKind::MissingFile, 0, 0);
                clean = false;
            }
            closed = false;
            continue;
        }
        let read = match journal::read_journal(&path) {
            Ok(read) => read,
            Err(JournalError::Io(source)) => return Err(OpenError::Io { path, source }),
            Err(e @ JournalError::UnsupportedVersion { .. }) => return Err(OpenError::Journal(e)),
            Err(_) => {
                // Journals are created atomically: a short or unreadable
                // header is damage, and all the file's records are lost.
                let data = fs::read(&path).unwrap_or_default();
                replay.lose_file(&path, DamageKind::BadHeader, data.len() as u64, 0);
                if data.iter().any(|&b| b != 0) {
                    replay.damaged_bytes.insert((path.clone(), 0), data);
                }
                clean = false;
                closed = false;
                continue;
            }
        };
        if read.generation != g {
            return Err(OpenError::Corrupt {
                path,
                detail: format!("header says generation {}", read.generation),
            });
        }
        if read.first_seq < replay.expected {
            return Err(OpenError::Corrupt {
                path,
                detail: format!(
                    "starts at record {} but record {} was expected",
                    read.first_seq, replay.expected
                ),
            });
        }
        replay.settle(read.first_seq);
        if read.first_seq > replay.expected {
            // Records missing between the previous journal and this one
            // (the previous one cut on a record boundary).
            let prev = journal_path(dir, g.saturating_sub(1));
            let lost = read.first_seq - replay.expected;
            replay.push(JournalDamage {
                path: prev,
                offset: 0,
                bytes: 0,
                kind: DamageKind::SequenceGap,
                first_lost_seq: replay.expected,
                lost_records: Some(lost),
                recovered_after: 0,
                kept_aside: None,
            });
            replay.expected = read.first_seq;
            clean = false;
        }
        let records = replay.journal(&mut campaign, &path, &read)?;
        let tail_damage = read.damage.last().filter(|d| d.at_tail()).cloned();
        let mid_damage = read.damage.iter().any(|d| !d.at_tail());
        if mid_damage || g != newest {
            clean &= !mid_damage && tail_damage.is_none();
        }
        if tail_damage.is_some() && last_journal != Some(g) {
            clean = false;
        }
        report_journal(replay.report, g, &path, &read, records);
        closed = read.trailer.is_some();
        tail = Tail::Continue {
            generation: g,
            valid_len: read.valid_len,
            next_seq: replay.expected,
        };
    }
    replay.settle_end();
    let next_seq = replay.expected;
    if closed {
        // The newest journal present was closed: its successor is missing.
        replay.lose_file(&journal_path(dir, after), DamageKind::MissingFile, 0, 0);
        clean = false;
    }
    replay.finish();
    let _ = replay;
    if !journals.contains(&newest) && clean {
        // The newest generation has a snapshot but no journal yet (a crash
        // between the two): start it.
        tail = Tail::Create {
            generation: newest,
            next_seq,
        };
    }
    if !clean || !report.skipped_files.is_empty() || report.records_lost() > 0 {
        tail = Tail::Restart {
            generation: after,
            next_seq,
        };
    }
    report.records_skipped = campaign.replay.skipped;
    report.lost_contacts = campaign.replay.lost_contacts.len() as u64;
    // A bulk add still waiting for its last part at the end of the history
    // was cut by a crash: it is dropped too.
    report.bulk_adds_dropped = campaign.replay.bulk_dropped
        + u64::from(campaign.replay.bulk.is_some())
        + u64::from(campaign.replay.numbers_bulk.is_some());
    if campaign.replay.config.is_some() {
        stored_config = campaign.replay.config.clone();
    }
    Ok(Loaded {
        campaign,
        report,
        tail,
        stored_config,
        damaged_bytes,
    })
}

fn report_journal(
    report: &mut RecoveryReport,
    g: u64,
    path: &Path,
    read: &journal::JournalRead,
    records: u64,
) {
    report.journals.push(JournalReplayed {
        generation: g,
        path: path.to_path_buf(),
        records,
        valid_bytes: read.valid_len,
        first_seq: read.first_seq,
        closed: read.trailer.is_some(),
    });
}

/// Replays journals in order and accounts for what is lost.
struct Replayer<'a> {
    report: &'a mut RecoveryReport,
    /// The sequence number the next record should have.
    expected: u64,
    /// Records replayed so far.
    replayed: u64,
    damaged_bytes: &'a mut StdHashMap<(PathBuf, u64), Vec<u8>>,
    /// A loss whose count the next known sequence number settles (index
    /// into `report.damage`).
    open_loss: Option<usize>,
}

impl Replayer<'_> {
    fn push(&mut self, mut d: JournalDamage) {
        d.recovered_after = self.replayed;
        self.report.damage.push(d);
    }

    /// A whole file lost: its records count from `expected` until the next
    /// known sequence number.
    fn lose_file(&mut self, path: &Path, kind: DamageKind, bytes: u64, offset: u64) {
        if self.open_loss.is_some() {
            // Already counting from an earlier loss: it covers this file.
            self.push(JournalDamage {
                path: path.to_path_buf(),
                offset,
                bytes,
                kind,
                first_lost_seq: self.expected,
                lost_records: Some(0),
                recovered_after: 0,
                kept_aside: None,
            });
            return;
        }
        self.push(JournalDamage {
            path: path.to_path_buf(),
            offset,
            bytes,
            kind,
            first_lost_seq: self.expected,
            lost_records: None,
            recovered_after: 0,
            kept_aside: None,
        });
        self.open_loss = Some(self.report.damage.len() - 1);
    }

    /// The next known sequence number is `seq`: an open loss counts up to it.
    fn settle(&mut self, seq: u64) {
        if let Some(i) = self.open_loss.take() {
            let d = &mut self.report.damage[i];
            d.lost_records = Some(seq.saturating_sub(d.first_lost_seq));
            self.expected = self.expected.max(seq);
        }
    }

    /// Nothing follows: an open loss stays uncounted.
    fn settle_end(&mut self) {
        self.open_loss = None;
    }

    /// Replays one journal's good records; returns how many.
    fn journal(
        &mut self,
        campaign: &mut Campaign,
        path: &Path,
        read: &journal::JournalRead,
    ) -> Result<u64, OpenError> {
        let mut damage = read.damage.iter().peekable();
        let mut records = 0u64;
        for r in &read.records {
            while let Some(d) = damage.next_if(|d| d.offset <= r.offset) {
                self.damage_in(path, read, d);
            }
            // After any loss, records may refer to what was lost.
            campaign.replay.lenient = !self.report.damage.is_empty();
            campaign
                .replay_record(&read.data[r.payload.clone()])
                .map_err(|detail| corrupt_or_zone(path, format!("record {}: {detail}", r.seq)))?;
            self.expected = r.seq + 1;
            self.replayed += 1;
            records += 1;
        }
        for d in damage {
            self.damage_in(path, read, d);
        }
        if let Some(t) = read.trailer {
            self.expected = self.expected.max(t);
        }
        Ok(records)
    }

    fn damage_in(&mut self, path: &Path, read: &journal::JournalRead, d: &Damage) {
        if d.bytes > 0 && d.kind != DamageKind::ZeroFill {
            let start = d.offset as usize;
            let end = start + d.bytes as usize;
            self.damaged_bytes.insert(
                (path.to_path_buf(), d.offset),
                read.data[start..end].to_vec(),
            );
        }
        let lost = JournalDamage {
            path: path.to_path_buf(),
            offset: d.offset,
            bytes: d.bytes,
            kind: d.kind,
            first_lost_seq: d.first_lost_seq,
            lost_records: d.lost_records,
            recovered_after: 0,
            kept_aside: None,
        };
        let open = lost.lost_records.is_none();
        self.push(lost);
        if open {
            self.open_loss = Some(self.report.damage.len() - 1);
        }
    }

    /// Sets each damage's `recovered_after`: the records replayed after it.
    fn finish(&mut self) {
        for d in &mut self.report.damage {
            d.recovered_after = self.replayed - d.recovered_after;
        }
    }
}

pub(super) fn corrupt_or_zone(path: &Path, detail: String) -> OpenError {
    let zone = detail
        .strip_prefix("zone:")
        .or_else(|| detail.split_once(": zone:").map(|(_, rest)| rest));
    match zone {
        Some(rest) => {
            let (stored, configured) = rest.split_once('\n').unwrap_or((rest, ""));
            OpenError::ZoneMismatch {
                stored: stored.to_owned(),
                configured: configured.to_owned(),
            }
        }
        None => OpenError::Corrupt {
            path: path.to_path_buf(),
            detail,
        },
    }
}

impl Campaign {
    /// Puts every contact live at the crash where it belongs (see the module
    /// doc), then rebuilds the selection queue and the retry timers.
    pub(in crate::engine::campaign) fn reconcile(&mut self, report: &mut RecoveryReport) {
        let replay = std::mem::take(&mut self.replay);
        let now = self.now_ms;
        let n = self.store.len();
        self.timers = Wheel::with_keys(n, now);
        self.queue.ensure_contacts(n);
        self.zone_timers.ensure_keys(self.zones.len());
        self.queue.ensure_zones(self.zones.len());
        for i in 0..n {
            let id = ContactId(i as u32);
            let was = State::from_code(self.store.states()[i]).unwrap_or(State::InvalidRecord);
            let flags = replay.live.get(&id.0).copied().unwrap_or(0);
            let in_hopper =
                was == State::AwaitingOperator && flags & (FLAG_CALL | FLAG_ANSWERED) == 0;
            if in_hopper {
                // A place in the (preview/progressive) hopper, nothing on the
                // PBX: back to the queue as it was before it was taken.
                let attempts = self.store.attempts(id).unwrap_or(0);
                let to = if attempts == 0 && self.store.last_outcome(id) == Some(Outcome::None) {
                    State::Initial
                } else {
                    State::RetryScheduled
                };
                let to = resolve_pending(pending_from(flags), to, self.canceled);
                let outcome = self.store.last_outcome(id).unwrap_or_default();
                let _ = self.store.restore_row(id, to, attempts, outcome);
                self.touch(id);
            } else if was.is_live() || was == State::AwaitingOperator {
                let natural = match was {
                    State::CallInProgress | State::Acw => State::Success,
                    _ => State::RetryScheduled,
                };
                let to = resolve_pending(pending_from(flags), natural, self.canceled);
                let outcome = match natural {
                    State::Success => Outcome::Connected,
                    _ => self.store.last_outcome(id).unwrap_or_default(),
                };
                let attempts = self.store.attempts(id).unwrap_or(0);
                let _ = self.store.restore_row(id, to, attempts, outcome);
                self.touch(id);
                report.reconciled.push(Reconciled {
                    contact: id,
                    was,
                    now: to,
                    attempts,
                });
            }
            if self.canceled {
                continue;
            }
            let priority = self.store.priorities()[i];
            let zone = self.queue_key(i);
            if let Some(&(operator, expires_ms)) = replay.personal.get(&id.0) {
                let due = replay.dues.get(&id.0).copied();
                if self.restore_personal_callback(id, operator, expires_ms, due) {
                    continue;
                }
                // Dropped (expired, or the contact moved on): journal its end.
                self.journal_personal_callback(id, 0, 0);
            }
            match State::from_code(self.store.states()[i]) {
                Some(State::Initial) => self.queue.push_initial(id.0, priority, zone),
                Some(State::RetryScheduled) => match replay.dues.get(&id.0) {
                    Some(&due) if due > now => self.timers.arm(id.0, due),
                    _ => self.queue.push_retry(id.0, priority, zone),
                },
                _ => {}
            }
        }
        report.contacts = n as u64;
        report.now_ms = now;
    }
}
