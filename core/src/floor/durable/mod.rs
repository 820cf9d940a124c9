//! The floor's data directory: one place for the whole floor.
//!
//! ```text
//! floor-dir/
//!   LOCK                  exclusive lock of the whole floor
//!   floor.dcj             the floor journal: admin changes, in order
//!   floor.dcj.compact     a compaction's next generation, before its rename
//!   campaigns/<id>/       one campaign's directory, today's layout exactly
//!                         (its own LOCK, snapshot-*.dcs, journal-*.dcj, archive/)
//!   removed/<id>/         a removed campaign's directory, kept for its records
//! ```
//!
//! **The floor journal** holds the admin changes only — campaigns added
//! (name, priority, weight and configuration, every setting of
//! [`crate::config::CONFIG_FIELDS`]) and removed, share changes, pools, operators,
//! assignments, inbound targets, trunks, routes, lists and their entries,
//! caps — in the checksummed record format of [`crate::journal`], each
//! change written and flushed (with the campaign's fsync policy) before the
//! call returns. Recovery replays it into an empty floor, opening each
//! campaign's directory when its record comes (so the floor never finds a
//! campaign directory it does not know: a campaign record is written
//! before its directory is made, and a removal renames the directory after
//! its record). A torn tail is cut, as for a campaign journal. It is small
//! (admin changes, not dials), so it has no snapshot of its own; instead
//! it is **compacted** ([`Floor::compact`], automatically past
//! [`FloorOptions::compact_after_records`]): the records the live state
//! needs, expired list entries dropped, are written as its next generation
//! and renamed over it atomically (see `compact`). Records lost before good
//! ones (not a torn tail) are refused at open: they would replay another
//! floor. Records and their encoding are in `journal`.
//!
//! **No second write path per dial.** Dials are in the campaigns' journals
//! already (the `dialed` fact, at its time; a congestion answer's
//! `congested` fact takes one back). At recovery the floor rebuilds its caps
//! from the campaigns' attempt records within the longest cap window
//! ([`crate::records::read_records`], the archive included), so the
//! cross-campaign caps survive a crash with the same guarantee as each
//! campaign's own history, and a dial costs no extra fsync.
//!
//! **What is not durable**, as for a lone campaign: calls in flight (they
//! belong to the PBX; live contacts come back RetryScheduled, listed in
//! each campaign's report), so trunk lines and the numbers-in-a-call set
//! start empty, trunk buckets start full, and every operator starts logged
//! out. The national registry is not journaled either (the host loads it
//! again with [`Floor::set_registry`]).

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::api::{FloorError, FloorOpenError};
use super::{CampaignId, Floor};
use crate::campaign::durable::{DurableOptions, RecoveryReport};
use crate::config::CampaignConfig;
use crate::journal::{read_journal, JournalWriter};

mod compact;
mod journal;

use crate::config::FieldValue;
use crate::lockfile::{DirLock, LockError};
use crate::Campaign;
pub use compact::{Compaction, COMPACT_TEMP};
pub(super) use journal::Admin;
use journal::{config_from, config_values, decode, encode};

/// The floor journal's file name.
pub const FLOOR_JOURNAL: &str = "floor.dcj";

const DAY_MS: u64 = 86_400_000;

/// The floor journal is compacted automatically past this many records
/// (and twice what the live state needs), unless the options say otherwise.
pub const DEFAULT_COMPACT_AFTER_RECORDS: u64 = 10_000;

/// How a floor keeps its data directory.
#[derive(Debug, Clone, Copy)]
pub struct FloorOptions {
    /// Each campaign's options (fsync policy, snapshots, retention); the
    /// fsync policy also applies to the floor journal.
    pub durable: DurableOptions,
    /// Compact the floor journal (see [`Floor::compact`]) at the end of a
    /// poll or event once it holds more than this many records and more
    /// than twice the records its live state needs; 0: only when
    /// [`Floor::compact`] is called.
    pub compact_after_records: u64,
}

impl Default for FloorOptions {
    fn default() -> Self {
        FloorOptions {
            durable: DurableOptions::default(),
            compact_after_records: DEFAULT_COMPACT_AFTER_RECORDS,
        }
    }
}

/// The floor's open data directory.
#[derive(Debug)]
pub(super) struct FloorDir {
    dir: PathBuf,
    options: DurableOptions,
    journal: JournalWriter,
    /// The first write error; the floor refuses to go on after it.
    error: Option<String>,
    /// Each campaign's settings as its record journaled them, by id.
    configs: Vec<Vec<(String, FieldValue)>>,
    /// The floor journal's generation (1 until the first compaction).
    generation: u64,
    /// Records in the current generation.
    records: u64,
    /// The automatic compaction threshold (0: none).
    compact_after: u64,
    /// The automatic check looks again past this many records.
    next_check: u64,
    /// The last automatic compaction's error.
    compact_error: Option<String>,
    _lock: DirLock,
}

/// What [`Floor::open`] found.
#[derive(Debug, Default)]
pub struct FloorRecovery {
    /// The directory held no floor journal: a new floor.
    pub fresh: bool,
    /// Admin records replayed from the floor journal.
    pub admin_records: u64,
    /// Bytes of a torn or damaged floor journal tail cut off.
    pub damaged_bytes: u64,
    /// Each campaign's own recovery report, by campaign.
    pub campaigns: Vec<(CampaignId, RecoveryReport)>,
    /// Dials counted back into the floor caps from the campaigns' records.
    pub cap_dials: u64,
}

impl Floor {
    /// Journals an admin change (when the floor is durable); a write error
    /// is kept and refuses every later change and poll.
    pub(super) fn journal_admin(&mut self, admin: Admin) {
        let Some(d) = self.durable.as_mut() else {
            return;
        };
        if d.error.is_some() {
            return;
        }
        if let Admin::AddCampaign(_, _, _, values) = &admin {
            d.configs.push(values.clone());
        }
        d.journal.append(|buf| encode(&admin, buf));
        d.records += 1;
        if let Err(e) = d.journal.flush(self.now_ms) {
            d.error = Some(format!("{}: {e}", d.journal.path().display()));
        }
    }

    /// The first write error of the floor journal, if any.
    #[must_use]
    pub fn durability_error(&self) -> Option<&str> {
        self.durable.as_ref().and_then(|d| d.error.as_deref())
    }

    /// At the end of a poll or event: admin changes are flushed as they
    /// are made and each campaign flushes its own journal in its poll, so
    /// only the automatic compaction of the floor journal is left.
    pub(super) fn journal_commit(&mut self) {
        self.maybe_compact();
    }

    /// Writes every journal (the floor's and each campaign's) and forces
    /// them to stable storage. A floor that is not durable has nothing to
    /// write.
    pub fn flush(&mut self) -> Result<(), FloorError> {
        if let Some(d) = self.durable.as_mut() {
            if let Some(e) = &d.error {
                return Err(FloorError::Durable(e.clone()));
            }
            d.journal
                .sync()
                .map_err(|e| FloorError::Durable(format!("{}: {e}", d.journal.path().display())))?;
        }
        for slot in self.slots.iter_mut().flatten() {
            if slot.campaign.is_durable() {
                slot.campaign
                    .flush()
                    .map_err(|e| FloorError::Durable(e.to_string()))?;
            }
        }
        Ok(())
    }

    /// The directory of campaign `id` in a floor directory.
    fn campaign_dir(dir: &Path, id: CampaignId) -> PathBuf {
        dir.join("campaigns").join(id.0.to_string())
    }

    /// Adds a durable campaign (the floor opened from a data directory):
    /// journaled first, then its directory is made in `campaigns/<id>/`.
    fn add_durable_campaign(
        &mut self,
        name: &str,
        config: CampaignConfig,
        priority: u8,
        weight: u32,
    ) -> Result<CampaignId, FloorError> {
        let d = self.durable.as_ref().expect("durable");
        config.validate()?;
        if self.names.contains_key(name) {
            return Err(FloorError::DuplicateName(name.to_owned()));
        }
        super::share::check_weight(CampaignId(self.slots.len() as u32), weight)?;
        let id = CampaignId(self.slots.len() as u32);
        let path = Floor::campaign_dir(&d.dir, id);
        let options = d.options;
        self.journal_admin(Admin::AddCampaign(
            name.to_owned(),
            priority,
            weight,
            config_values(&config),
        ));
        if let Some(e) = self.durability_error() {
            return Err(FloorError::Durable(e.to_owned()));
        }
        let (campaign, _) = Campaign::open_with(&path, config, options)
            .map_err(|e| FloorError::Durable(format!("{}: {e}", path.display())))?;
        self.insert_campaign(name, campaign, priority, weight)
    }

    /// Opens (or creates) the floor in `dir`: locks it, replays the floor
    /// journal into an empty floor (opening each campaign's directory with
    /// `options`), rebuilds the caps from the campaigns' dials, and returns
    /// the floor with what was found. Campaigns added to the floor from now
    /// on are durable in `campaigns/<id>/`.
    pub fn open(
        dir: &Path,
        options: DurableOptions,
    ) -> Result<(Floor, FloorRecovery), FloorOpenError> {
        Floor::open_with(
            dir,
            FloorOptions {
                durable: options,
                ..FloorOptions::default()
            },
        )
    }

    /// [`Floor::open`] with the floor's own options (the automatic
    /// compaction threshold).
    pub fn open_with(
        dir: &Path,
        floor_options: FloorOptions,
    ) -> Result<(Floor, FloorRecovery), FloorOpenError> {
        let options = floor_options.durable;
        let floor_err = |e: String| FloorOpenError::Floor(e);
        let lock = DirLock::acquire(dir).map_err(|e| match e {
            LockError::Locked { dir } => {
                floor_err(format!("{} is locked by another process", dir.display()))
            }
            LockError::Io { dir, source } => floor_err(format!("{}: {source}", dir.display())),
        })?;
        fs::create_dir_all(dir.join("campaigns"))
            .map_err(|e| floor_err(format!("{}: {e}", dir.display())))?;
        // A compaction killed before its rename: the old journal stands.
        compact::remove_leftovers(dir).map_err(|e| floor_err(format!("{}: {e}", dir.display())))?;
        let path = dir.join(FLOOR_JOURNAL);
        let mut recovery = FloorRecovery::default();
        let mut configs = Vec::new();
        let mut generation = 1;
        let mut floor = Floor::new();
        let journal = if path.exists() {
            let read = read_journal(&path).map_err(|e| floor_err(e.to_string()))?;
            // A torn tail (the last write of a killed process) is cut; a
            // preallocated zero tail is not damage. Records lost in the
            // middle would replay a different floor (ids are handed out in
            // order), so that is refused, naming the place.
            if let Some(d) = read.damage.iter().find(|d| d.lost_records.is_some()) {
                return Err(floor_err(format!(
                    "{}: damaged at byte {} ({:?}), with {} admin records lost before good \
                     ones: the floor's setup cannot be rebuilt",
                    path.display(),
                    d.offset,
                    d.kind,
                    d.lost_records.unwrap_or(0)
                )));
            }
            recovery.damaged_bytes = read.damage.iter().map(|d| d.bytes).sum();
            let admins = read
                .payloads()
                .map(decode)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| floor_err(format!("{}: {e}", path.display())))?;
            generation = read.generation;
            for admin in &admins {
                if let Admin::AddCampaign(_, _, _, values) = admin {
                    configs.push(values.clone());
                }
            }
            // A campaign removed later in the journal is replayed in memory
            // (its directory is in removed/), so the records about it in
            // between apply as they did.
            let removed: Vec<CampaignId> = admins
                .iter()
                .filter_map(|a| match a {
                    Admin::RemoveCampaign(c) => Some(*c),
                    _ => None,
                })
                .collect();
            for admin in admins {
                floor.replay_admin(dir, admin, options, &removed, &mut recovery)?;
                recovery.admin_records += 1;
            }
            JournalWriter::open_append(&path, read.valid_len, read.next_seq(), options.fsync)
        } else {
            recovery.fresh = true;
            JournalWriter::create(&path, 1, 1, options.fsync)
        }
        .map_err(|e| floor_err(format!("{}: {e}", path.display())))?;
        recovery.cap_dials = floor.rebuild_caps(dir)?;
        let records = recovery.admin_records;
        let compact_after = floor_options.compact_after_records;
        floor.durable = Some(FloorDir {
            dir: dir.to_path_buf(),
            options,
            journal,
            error: None,
            configs,
            generation,
            records,
            compact_after,
            next_check: compact_after,
            compact_error: None,
            _lock: lock,
        });
        Ok((floor, recovery))
    }

    fn replay_admin(
        &mut self,
        dir: &Path,
        admin: Admin,
        options: DurableOptions,
        removed: &[CampaignId],
        recovery: &mut FloorRecovery,
    ) -> Result<(), FloorOpenError> {
        let bad = |e: FloorError| FloorOpenError::Floor(format!("floor journal replay: {e}"));
        match admin {
            Admin::AddCampaign(name, priority, weight, values) => {
                let config = config_from(&values).map_err(FloorOpenError::Floor)?;
                let id = CampaignId(self.slots.len() as u32);
                if removed.contains(&id) {
                    let campaign = Campaign::new(config).map_err(|e| bad(e.into()))?;
                    self.insert_campaign(&name, campaign, priority, weight)
                        .map_err(bad)?;
                    return Ok(());
                }
                let path = Floor::campaign_dir(dir, id);
                let (campaign, report) =
                    Campaign::open_with(&path, config, options).map_err(|error| {
                        FloorOpenError::Campaign {
                            name: name.clone(),
                            error,
                        }
                    })?;
                self.insert_campaign(&name, campaign, priority, weight)
                    .map_err(bad)?;
                recovery.campaigns.push((id, report));
            }
            Admin::RemoveCampaign(c) => {
                // Its directory was moved aside after the record; finish
                // the move if the crash came between.
                self.force_remove(c).map_err(bad)?;
                recovery.campaigns.retain(|(id, _)| *id != c);
                move_aside(dir, c).map_err(|e| FloorOpenError::Floor(e.to_string()))?;
            }
            Admin::Share(c, p, w) => self.set_share(c, p, w).map_err(bad)?,
            Admin::AddPool(name) => {
                self.add_pool(&name).map_err(bad)?;
            }
            Admin::Assign(p, c, true) => self.assign(p, c).map_err(bad)?,
            Admin::Assign(p, c, false) => self.unassign(p, c).map_err(bad)?,
            Admin::AddOperator(p) => {
                self.add_operator(p).map_err(bad)?;
            }
            Admin::InboundTarget(p, n) => self.set_inbound_target(p, n).map_err(bad)?,
            Admin::AddTrunk(config) => {
                self.add_trunk(config, 0).map_err(bad)?;
            }
            Admin::Route(c, trunks) => self.route(c, &trunks).map_err(bad)?,
            Admin::AddList(name, scope) => {
                self.add_list(&name, scope).map_err(bad)?;
            }
            Admin::ListAdd(l, numbers, until) => self.list_add(l, &numbers, until).map_err(bad)?,
            Admin::ListRemove(l, numbers) => self.list_remove(l, &numbers).map_err(bad)?,
            Admin::Caps(caps) => self.set_caps(caps).map_err(bad)?,
        }
        Ok(())
    }

    /// Counts the campaigns' dials within the longest cap window back into
    /// the floor caps; returns how many.
    fn rebuild_caps(&mut self, dir: &Path) -> Result<u64, FloorOpenError> {
        let caps = self.caps();
        let mut keep_ms = 0;
        if caps.per_24h > 0 {
            keep_ms = DAY_MS;
        }
        if caps.per_days > 0 {
            keep_ms = keep_ms.max(u64::from(caps.days) * DAY_MS);
        }
        if keep_ms == 0 {
            return Ok(0);
        }
        let mut dials = Vec::new();
        let mut latest = 0;
        for (i, slot) in self.slots.iter().enumerate() {
            let Some(slot) = slot else { continue };
            let path = Floor::campaign_dir(dir, CampaignId(i as u32));
            let records = crate::records::read_records(
                &path,
                slot.campaign.config().clone(),
                Some(&slot.name),
            )
            .map_err(|e| FloorOpenError::Floor(format!("{}: {e}", path.display())))?;
            latest = latest.max(slot.campaign.now_ms());
            dials.extend(records.attempts.iter().map(|r| (r.dial_at, r.number)));
        }
        dials.sort_unstable();
        let from = latest.saturating_sub(keep_ms);
        let mut counted = 0;
        let mut shared = super::gate::Shared::lock(&self.shared);
        for (at, number) in dials {
            if at >= from && number != 0 {
                shared.caps.record_dial(number, at);
                counted += 1;
            }
        }
        shared.clear_calls();
        Ok(counted)
    }

    /// Adds a campaign: durable in the floor's directory when the floor
    /// was opened from one. See [`Floor::add_campaign`].
    pub(super) fn add_campaign_any(
        &mut self,
        name: &str,
        config: CampaignConfig,
        priority: u8,
        weight: u32,
    ) -> Result<CampaignId, FloorError> {
        if self.durable.is_some() {
            self.add_durable_campaign(name, config, priority, weight)
        } else {
            let campaign = Campaign::new(config)?;
            self.insert_campaign(name, campaign, priority, weight)
        }
    }

    /// After a removal's journal record: its directory goes to `removed/`.
    pub(super) fn archive_removed(&mut self, campaign: CampaignId) -> Result<(), FloorError> {
        if let Some(d) = self.durable.as_ref() {
            move_aside(&d.dir, campaign).map_err(|e| FloorError::Durable(e.to_string()))?;
        }
        Ok(())
    }
}

fn move_aside(dir: &Path, c: CampaignId) -> io::Result<()> {
    let from = Floor::campaign_dir(dir, c);
    if !from.exists() {
        return Ok(());
    }
    let to_dir = dir.join("removed");
    fs::create_dir_all(&to_dir)?;
    let mut to = to_dir.join(c.0.to_string());
    let mut k = 1;
    while to.exists() {
        to = to_dir.join(format!("{}.{k}", c.0));
        k += 1;
    }
    fs::rename(&from, to)
}
