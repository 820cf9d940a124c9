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

#[cfg(test)]
mod tests {
    use super::super::super::dnc::ListId;
    use super::super::super::trunk::TrunkConfig;
    use super::super::FloorOptions;
    use super::*;
    use crate::campaign::durable::DurableOptions;
    use crate::config::Mode;

    const NOW: u64 = 1_000_000;

    fn options(compact_after_records: u64) -> FloorOptions {
        FloorOptions {
            durable: DurableOptions::default(),
            compact_after_records,
        }
    }

    fn config(mode: Mode) -> CampaignConfig {
        CampaignConfig {
            mode,
            ..CampaignConfig::default()
        }
    }

    /// A floor with a little of everything and a long history: a removed
    /// campaign (a list still scoped to it), share and assignment churn,
    /// permanent, expiring and expired list entries, removals, caps.
    fn busy_floor(floor: &mut Floor) {
        let sales = floor
            .add_campaign("sales", config(Mode::Predictive), 1, 3)
            .unwrap();
        let gone = floor
            .add_campaign("gone", config(Mode::Progressive), 2, 1)
            .unwrap();
        let debt = floor
            .add_campaign("debt", config(Mode::Preview), 3, 2)
            .unwrap();
        floor
            .campaign_mut(sales)
            .unwrap()
            .add_numbers(&[1, 2, 3], 0)
            .unwrap();
        let english = floor.add_pool("english").unwrap();
        let senior = floor.add_pool("senior").unwrap();
        for _ in 0..3 {
            floor.add_operator(english).unwrap();
        }
        floor.add_operator(senior).unwrap();
        let t0 = floor.add_trunk(TrunkConfig::new(30, 5), 0).unwrap();
        let t1 = floor.add_trunk(TrunkConfig::new(10, 2), 0).unwrap();
        floor.route(sales, &[t1, t0]).unwrap();
        floor.route(debt, &[t0]).unwrap();
        let company = floor.add_list("company", Scope::Floor).unwrap();
        let own = floor.add_list("gone-only", Scope::Campaign(gone)).unwrap();
        let pair = floor
            .add_list("pair", Scope::Campaigns(vec![sales, debt]))
            .unwrap();
        for round in 0..40u64 {
            floor.set_share(sales, 1, 1 + round as u32 % 5).unwrap();
            floor.assign(english, sales).unwrap();
            floor.assign(english, debt).unwrap();
            floor.unassign(english, debt).unwrap();
            floor.list_add(company, &[100 + round], None).unwrap();
            // Expired before NOW, in force at NOW, expiring later.
            floor.list_add(pair, &[200 + round], Some(NOW - 1)).unwrap();
            floor
                .list_add(pair, &[300 + round], Some(NOW + round))
                .unwrap();
            floor.list_add(own, &[400 + round], Some(NOW + 5)).unwrap();
        }
        floor.list_remove(company, &[100, 101, 102]).unwrap();
        floor.assign(senior, debt).unwrap();
        floor.assign(senior, sales).unwrap();
        floor.set_inbound_target(english, 1).unwrap();
        floor.remove_campaign(gone).unwrap();
        floor
            .set_caps(CapsConfig {
                per_24h: 3,
                per_days: 5,
                days: 7,
            })
            .unwrap();
        floor.now_ms = NOW;
    }

    /// What a floor is, as far as its admin state goes: the records that
    /// rebuild it, and what the queries say about it at `NOW`.
    fn fingerprint(floor: &mut Floor) -> (Vec<Admin>, Vec<String>) {
        floor.now_ms = NOW;
        let mut seen = Vec::new();
        for id in floor.campaign_ids().collect::<Vec<_>>() {
            seen.push(format!(
                "{id} {:?} {:?} {:?} {}",
                floor.campaign_name(id),
                floor.share.settings(id),
                floor.pools.pools_of(id),
                floor.campaign(id).unwrap().store().len()
            ));
            for number in (100..140).chain(200..240).chain(300..340).chain(400..440) {
                let hit = Shared::lock(&floor.shared).dnc.check(number, id, NOW);
                if hit.is_some() {
                    seen.push(format!("{id} blocks {number}: {hit:?}"));
                }
            }
        }
        seen.push(format!("{:?} slots {}", floor.caps(), floor.slots.len()));
        (floor.live_admin(), seen)
    }

    fn records(floor: &Floor) -> (u64, u64) {
        let d = floor.durable.as_ref().unwrap();
        (d.records, d.generation)
    }

    #[test]
    fn compaction_keeps_the_live_state_and_drops_the_history() {
        let dir = tempfile::tempdir().unwrap();
        let (mut floor, _) = Floor::open_with(dir.path(), options(0)).unwrap();
        busy_floor(&mut floor);
        let before = fingerprint(&mut floor);
        let (history, _) = records(&floor);
        // Expired entries are not in the live state.
        assert!(!before
            .0
            .iter()
            .any(|a| matches!(a, Admin::ListAdd(_, n, Some(u)) if *u <= NOW && !n.is_empty())));
        let done = floor.compact().unwrap().expect("durable");
        assert_eq!(done.records_before, history);
        assert_eq!(done.records_after, before.0.len() as u64);
        assert!(done.records_after * 2 < history, "{done:?}");
        assert_eq!(done.generation, 2);
        assert_eq!(fingerprint(&mut floor), before);
        // A change after the compaction goes to the new generation.
        floor.list_add(ListId(0), &[999], None).unwrap();
        let after_change = fingerprint(&mut floor);
        drop(floor);
        let (mut floor, recovery) = Floor::open_with(dir.path(), options(0)).unwrap();
        assert_eq!(recovery.admin_records, done.records_after + 1);
        assert_eq!(fingerprint(&mut floor), after_change);
        assert_eq!(records(&floor), (done.records_after + 1, 2));
    }

    #[test]
    fn a_kill_at_any_step_of_a_compaction_opens_to_the_same_floor() {
        for stop in [Some(Stop::Written), Some(Stop::Renamed), None] {
            let dir = tempfile::tempdir().unwrap();
            let (mut floor, _) = Floor::open_with(dir.path(), options(0)).unwrap();
            busy_floor(&mut floor);
            let before = fingerprint(&mut floor);
            let (history, _) = records(&floor);
            floor.compact_until(stop).unwrap();
            // The kill: the process ends with everything written so far.
            drop(floor);
            let temp = dir.path().join(COMPACT_TEMP);
            assert_eq!(temp.exists(), stop == Some(Stop::Written), "{stop:?}");
            // A kill inside `JournalWriter::create` of the temp leaves this.
            fs::write(dir.path().join(format!("{COMPACT_TEMP}.tmp")), b"torn").unwrap();
            let (mut floor, recovery) = Floor::open_with(dir.path(), options(0)).unwrap();
            assert!(!temp.exists(), "{stop:?}");
            assert!(!dir.path().join(format!("{COMPACT_TEMP}.tmp")).exists());
            assert_eq!(fingerprint(&mut floor), before, "{stop:?}");
            let expected = match stop {
                Some(Stop::Written) => (history, 1),
                _ => (before.0.len() as u64, 2),
            };
            assert_eq!(records(&floor), expected, "{stop:?}");
            assert_eq!(recovery.admin_records, expected.0, "{stop:?}");
            // And it goes on: a change, a compaction, a reopen.
            floor.list_add(ListId(0), &[998], None).unwrap();
            let changed = fingerprint(&mut floor);
            floor.compact().unwrap();
            drop(floor);
            let (mut floor, _) = Floor::open_with(dir.path(), options(0)).unwrap();
            assert_eq!(fingerprint(&mut floor), changed, "{stop:?}");
        }
    }

    #[test]
    fn the_floor_journal_is_compacted_automatically_past_the_threshold() {
        let dir = tempfile::tempdir().unwrap();
        let (mut floor, _) = Floor::open_with(dir.path(), options(50)).unwrap();
        let sales = floor
            .add_campaign("sales", config(Mode::Progressive), 1, 1)
            .unwrap();
        let list = floor.add_list("company", Scope::Floor).unwrap();
        let mut out = Vec::new();
        let mut most = 0;
        for round in 0..1000u64 {
            floor.set_share(sales, 1, 1 + round as u32 % 7).unwrap();
            // Entries that expire a second later: the live state stays small.
            floor
                .list_add(list, &[round], Some(round * 1000 + 1000))
                .unwrap();
            floor.poll(round * 1000 + 500, &mut out).unwrap();
            most = most.max(records(&floor).0);
        }
        let (now_records, generation) = records(&floor);
        assert!(generation > 2, "generation {generation}");
        assert!(most <= 52, "the journal reached {most} records");
        assert!(floor.compaction_error().is_none());
        let settings = floor.share.settings(sales);
        drop(floor);
        let (floor, recovery) = Floor::open_with(dir.path(), options(50)).unwrap();
        assert_eq!(recovery.admin_records, now_records);
        assert_eq!(floor.share.settings(sales), settings);
        let hit = Shared::lock(&floor.shared).dnc.check(999, sales, 999_500);
        assert!(hit.is_some(), "the last entry is in force");
        let hit = Shared::lock(&floor.shared).dnc.check(5, sales, 999_500);
        assert!(hit.is_none(), "an expired entry is gone");
    }
}
