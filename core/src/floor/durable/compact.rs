//! Compaction of the floor journal: the live admin state written as a new
//! generation of `floor.dcj`.
//!
//! The floor journal only grows (do-not-call entries with expiry, share and
//! assignment changes, …), so a floor running for months would replay all
//! of it at every open. [`Floor::compact`] writes what the live state needs
//! — campaigns (with their journaled settings and current priority and
//! weight; a removed campaign as a placeholder added, then removed at the
//! end, so ids stay where they are), pools, operators, assignments,
//! inbound targets, trunks, routes, lists with their permanent entries and
//! the expiring ones still in force (expired entries are dropped), caps —
//! as the next generation, atomically:
//!
//! 1. write it to `floor.dcj.compact` (through its own `.tmp` and rename,
//!    [`JournalWriter::create`]) and fsync it;
//! 2. rename it over `floor.dcj` and fsync the directory;
//! 3. open the new `floor.dcj` for appending.
//!
//! A kill before step 2 leaves the old journal (the temp file is removed
//! at the next open); a kill after it leaves the new one. Either opens to
//! the same floor. A failure before step 2 changes nothing (the old journal
//! goes on); one after it is the floor's durability error.
//!
//! **Automatic compaction** ([`FloorOptions::compact_after_records`]) runs
//! at the end of a poll or event when the current generation holds more
//! than that many records and more than twice the records the live state
//! needs; the check costs a comparison until the journal has doubled since
//! the last look.

use std::fs;
use std::path::Path;

use super::super::api::FloorError;
use super::super::caps::CapsConfig;
use super::super::dnc::Scope;
use super::super::gate::Shared;
use super::super::trunk::TrunkId;
use super::super::{CampaignId, Floor, PoolId};
use super::journal::{config_values, encode, Admin};
use super::FLOOR_JOURNAL;
use crate::config::CampaignConfig;
use crate::journal::{read_journal, FsyncPolicy, JournalWriter};
use crate::lockfile::sync_dir;

/// The compacted generation is written here first, then renamed over
/// `floor.dcj`.
pub const COMPACT_TEMP: &str = "floor.dcj.compact";

/// Numbers of a list a record at most (8 MB of a record's 64 MiB).
const NUMBERS_PER_RECORD: usize = 1_000_000;

/// What a compaction did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Compaction {
    /// Records of the generation replaced.
    pub records_before: u64,
    /// Records of the new generation.
    pub records_after: u64,
    /// The new generation's number.
    pub generation: u64,
}

/// Where a test stops a compaction, as a kill would.
#[cfg_attr(not(test), allow(dead_code))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Stop {
    /// After the temp file is written and synced, before the rename.
    Written,
    /// After the rename and the directory fsync, before reopening.
    Renamed,
}

/// Removes what a compaction killed before its rename left behind.
pub(super) fn remove_leftovers(dir: &Path) -> std::io::Result<()> {
    for name in [COMPACT_TEMP.to_owned(), format!("{COMPACT_TEMP}.tmp")] {
        match fs::remove_file(dir.join(name)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
    }
    Ok(())
}

impl Floor {
    /// The admin records that rebuild the live state (see the module doc).
    pub(super) fn live_admin(&self) -> Vec<Admin> {
        let mut out = Vec::new();
        let mut removed = Vec::new();
        let configs = self.durable.as_ref().map(|d| d.configs.as_slice());
        for (i, slot) in self.slots.iter().enumerate() {
            let id = CampaignId(i as u32);
            match slot {
                Some(s) => {
                    let (priority, weight) = self.share.settings(id).unwrap_or((0, 1));
                    let values = configs
                        .and_then(|c| c.get(i).cloned())
                        .unwrap_or_else(|| config_values(s.campaign.config()));
                    out.push(Admin::AddCampaign(s.name.clone(), priority, weight, values));
                }
                None => {
                    removed.push(id);
                    let mut name = format!("(removed campaign {i})");
                    while self.names.contains_key(&name) {
                        name.push('+');
                    }
                    let values = config_values(&CampaignConfig::default());
                    out.push(Admin::AddCampaign(name, 0, 1, values));
                }
            }
        }
        for name in &self.pool_names {
            out.push(Admin::AddPool(name.clone()));
        }
        for op in &self.operators {
            out.push(Admin::AddOperator(op.pool));
        }
        for p in 0..self.pool_names.len() {
            let pool = PoolId(p as u32);
            for &c in self.pools.campaigns_of(pool).unwrap_or(&[]) {
                out.push(Admin::Assign(pool, c, true));
            }
            let target = self.pools.inbound_target(pool).unwrap_or(0);
            if target > 0 {
                out.push(Admin::InboundTarget(pool, target));
            }
        }
        let shared = Shared::lock(&self.shared);
        for k in 0..shared.trunks.len() {
            if let Ok(config) = shared.trunks.config(TrunkId(k as u32)) {
                out.push(Admin::AddTrunk(config));
            }
        }
        for (i, slot) in self.slots.iter().enumerate() {
            let id = CampaignId(i as u32);
            if slot.is_some() && !shared.trunks.route_of(id).is_empty() {
                out.push(Admin::Route(id, shared.trunks.route_of(id).to_vec()));
            }
        }
        for (k, list) in shared.dnc.export(self.now_ms).into_iter().enumerate() {
            let l = super::super::dnc::ListId(k as u32);
            let Some((name, scope, permanent, expiring)) = list else {
                // Not made by the floor's API (lists are not removed); kept
                // as a list of no campaign so later ids stay.
                out.push(Admin::AddList(
                    format!("(removed list {k})"),
                    Scope::Campaigns(Vec::new()),
                ));
                continue;
            };
            out.push(Admin::AddList(name, scope));
            for chunk in permanent.chunks(NUMBERS_PER_RECORD) {
                out.push(Admin::ListAdd(l, chunk.to_vec(), None));
            }
            // Sorted by end: one record per end time.
            let mut rest = expiring.as_slice();
            while let Some(&(_, until)) = rest.first() {
                let n = rest
                    .iter()
                    .take(NUMBERS_PER_RECORD)
                    .take_while(|e| e.1 == until)
                    .count();
                let numbers = rest[..n].iter().map(|e| e.0).collect();
                out.push(Admin::ListAdd(l, numbers, Some(until)));
                rest = &rest[n..];
            }
        }
        drop(shared);
        let caps = self.caps();
        if caps != CapsConfig::default() {
            out.push(Admin::Caps(caps));
        }
        out.extend(removed.into_iter().map(Admin::RemoveCampaign));
        out
    }

    /// Writes the floor journal's live state as its next generation
    /// (see the module doc of `floor::durable::compact`); expired list
    /// entries are dropped. A floor that is not durable has nothing to do
    /// (`Ok(None)`).
    pub fn compact(&mut self) -> Result<Option<Compaction>, FloorError> {
        self.compact_until(None)
    }

    /// At the end of a poll or event: compacts when the options' threshold
    /// says so. A failure before the rename leaves the old journal going
    /// and is kept in [`Floor::compaction_error`]; the next try waits until
    /// the journal has doubled.
    pub(super) fn maybe_compact(&mut self) {
        let Some(d) = self.durable.as_mut() else {
            return;
        };
        if d.error.is_some() || d.compact_after == 0 || d.records <= d.next_check {
            return;
        }
        let live = self.live_admin().len() as u64;
        let d = self.durable.as_mut().expect("durable");
        if d.records <= live.saturating_mul(2) {
            d.next_check = d.compact_after.max(live.saturating_mul(2));
            return;
        }
        match self.compact() {
            Ok(_) => {
                if let Some(d) = self.durable.as_mut() {
                    d.compact_error = None;
                }
            }
            Err(e) => {
                if let Some(d) = self.durable.as_mut() {
                    d.compact_error = Some(e.to_string());
                    d.next_check = d.records.saturating_mul(2);
                }
            }
        }
    }

    /// The last automatic compaction's error, if it failed (the floor
    /// journal goes on in its old generation).
    #[must_use]
    pub fn compaction_error(&self) -> Option<&str> {
        self.durable
            .as_ref()
            .and_then(|d| d.compact_error.as_deref())
    }

    pub(super) fn compact_until(
        &mut self,
        stop: Option<Stop>,
    ) -> Result<Option<Compaction>, FloorError> {
        if self.durable.is_none() {
            return Ok(None);
        }
        if let Some(e) = self.durability_error() {
            return Err(FloorError::Durable(e.to_owned()));
        }
        let live = self.live_admin();
        let d = self.durable.as_mut().expect("durable");
        let path = d.dir.join(FLOOR_JOURNAL);
        let tmp = d.dir.join(COMPACT_TEMP);
        let generation = d.generation + 1;
        let err =
            |p: &Path, e: std::io::Error| FloorError::Durable(format!("{}: {e}", p.display()));
        // 1. The new generation, whole and synced, beside the journal.
        let written = (|| {
            let mut w = JournalWriter::create(&tmp, generation, 1, FsyncPolicy::Always)?;
            for admin in &live {
                w.append(|buf| encode(admin, buf));
            }
            w.sync()
        })();
        if let Err(e) = written {
            let _ = remove_leftovers(&d.dir);
            return Err(err(&tmp, e));
        }
        if stop == Some(Stop::Written) {
            return Ok(None);
        }
        // 2. Atomically the journal.
        if let Err(e) = fs::rename(&tmp, &path) {
            let _ = remove_leftovers(&d.dir);
            return Err(err(&path, e));
        }
        if let Err(e) = sync_dir(&d.dir) {
            let message = format!("{}: {e}", d.dir.display());
            d.error = Some(message.clone());
            return Err(FloorError::Durable(message));
        }
        if stop == Some(Stop::Renamed) {
            return Ok(None);
        }
        // 3. Appending to it from now on.
        let reopened = read_journal(&path)
            .map_err(|e| std::io::Error::other(e.to_string()))
            .and_then(|read| {
                JournalWriter::open_append(&path, read.valid_len, read.next_seq(), d.options.fsync)
            });
        match reopened {
            Ok(journal) => {
                let before = d.records;
                d.journal = journal;
                d.generation = generation;
                d.records = live.len() as u64;
                d.next_check = d.compact_after.max(d.records.saturating_mul(2));
                Ok(Some(Compaction {
                    records_before: before,
                    records_after: d.records,
                    generation,
                }))
            }
            Err(e) => {
                let message = format!("{}: {e}", path.display());
                d.error = Some(message.clone());
                Err(FloorError::Durable(message))
            }
        }
    }
}
