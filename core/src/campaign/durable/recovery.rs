//! Recovery: find the newest good snapshot, replay the journals after it,
//! cut a torn tail, and reconcile the contacts that were live.

use super::*;

/// How the journal continues after a load.
#[derive(Debug, Clone, Copy)]
pub(super) enum Tail {
    /// Append to this journal after its valid bytes.
    Continue { generation: u64, valid_len: u64 },
    /// Start this journal (the snapshot of its generation is loaded or none is needed).
    Create { generation: u64 },
    /// Write a new snapshot and journal of this generation (damage or a
    /// skipped file made the old history unusable to continue).
    Restart { generation: u64 },
}

/// Loads the newest good snapshot and replays the journals after it.
pub(super) fn load(
    dir: &Path,
    config: CampaignConfig,
) -> Result<(Campaign, RecoveryReport, Tail), OpenError> {
    let mut report = RecoveryReport {
        dir: dir.to_path_buf(),
        ..RecoveryReport::default()
    };
    let (snapshots, journals) = list_generations(dir)?;
    let mut campaign = Campaign::new(config)?;
    let mut base = None;
    for &g in snapshots.iter().rev() {
        let path = snapshot_path(dir, g);
        match Snapshot::read(&path) {
            Ok(snap) => {
                campaign
                    .restore_snapshot(&snap)
                    .map_err(|detail| corrupt_or_zone(&path, detail))?;
                report.snapshot = Some(SnapshotLoaded {
                    generation: g,
                    path,
                    bytes: snap.len_bytes(),
                });
                base = Some(g);
                break;
            }
            Err(e) => report.skipped_files.push((path, e.to_string())),
        }
    }
    let start = match base {
        Some(g) => g,
        None => match journals.first() {
            None => {
                report.fresh = snapshots.is_empty();
                if !report.fresh {
                    // Only broken snapshots: nothing to start from.
                    return Err(OpenError::MissingSnapshot {
                        dir: dir.to_path_buf(),
                        generation: snapshots[0],
                    });
                }
                return Ok((campaign, report, Tail::Create { generation: 0 }));
            }
            Some(0) => 0,
            Some(&g) => {
                return Err(OpenError::MissingSnapshot {
                    dir: dir.to_path_buf(),
                    generation: g,
                })
            }
        },
    };
    let newest = snapshots
        .last()
        .copied()
        .unwrap_or(0)
        .max(journals.last().copied().unwrap_or(0));
    let mut tail = Tail::Create { generation: start };
    let mut expected = start;
    for &g in journals.iter().filter(|&&g| g >= start) {
        if g != expected {
            // A gap: the journals from here on do not continue this state.
            report.skipped_files.push((
                journal_path(dir, g),
                format!("journal generation {expected} is missing before it"),
            ));
            break;
        }
        let path = journal_path(dir, g);
        let short = fs::metadata(&path).map_or(0, |m| m.len()) < journal::HEADER_LEN as u64;
        if short && journals.last() == Some(&g) {
            // A crash while the journal was being created, before its
            // header was written: start it again.
            let len = fs::metadata(&path).map_or(0, |m| m.len());
            report.damage = Some(JournalDamage {
                path,
                offset: 0,
                dropped_bytes: len,
                dropped_records: 0,
                kind: DamageKind::TornRecord,
            });
            tail = Tail::Create { generation: g };
            break;
        }
        let read = journal::read_journal(&path).map_err(OpenError::Journal)?;
        if read.generation != g {
            return Err(OpenError::Corrupt {
                path,
                detail: format!("header says generation {}", read.generation),
            });
        }
        let mut records = 0u64;
        for payload in read.payloads() {
            campaign
                .replay_record(payload)
                .map_err(|detail| corrupt_or_zone(&path, format!("record {records}: {detail}")))?;
            records += 1;
        }
        report.journals.push(JournalReplayed {
            generation: g,
            path: path.clone(),
            records,
            valid_bytes: read.valid_len,
        });
        tail = Tail::Continue {
            generation: g,
            valid_len: read.valid_len,
        };
        expected = g + 1;
        if let Some(Damage {
            offset,
            dropped_bytes,
            dropped_records,
            kind,
        }) = read.damage
        {
            report.damage = Some(JournalDamage {
                path,
                offset,
                dropped_bytes,
                dropped_records,
                kind,
            });
            if journals.last() != Some(&g) {
                // Later journals continue a state we no longer have.
                report.skipped_files.push((
                    journal_path(dir, g + 1),
                    "follows a damaged journal".to_owned(),
                ));
            }
            break;
        }
    }
    if !report.skipped_files.is_empty() {
        tail = Tail::Restart {
            generation: newest + 1,
        };
    }
    Ok((campaign, report, tail))
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
    pub(in crate::campaign) fn reconcile(&mut self, report: &mut RecoveryReport) {
        let replay = std::mem::take(&mut self.replay);
        let now = self.now_ms;
        let n = self.store.len();
        self.timers = Wheel::with_keys(n, now);
        self.queue.ensure_contacts(n);
        self.zone_timers.ensure_keys(self.zones.len());
        self.parked.resize_with(self.zones.len(), Vec::new);
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
            match State::from_code(self.store.states()[i]) {
                Some(State::Initial) => self.queue.push_initial(id.0, priority),
                Some(State::RetryScheduled) => match replay.dues.get(&id.0) {
                    Some(&due) if due > now => self.timers.arm(id.0, due),
                    _ => self.queue.push_retry(id.0, priority),
                },
                _ => {}
            }
        }
        report.contacts = n as u64;
        report.now_ms = now;
    }
}
