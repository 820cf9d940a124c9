//! The floor's data directory: one place for the whole floor.
//!
//! ```text
//! floor-dir/
//!   LOCK                  exclusive lock of the whole floor
//!   floor.dcj             the floor journal: admin changes, in order
//!   campaigns/<id>/       one campaign's directory, today's layout exactly
//!                         (its own LOCK, snapshot-*.dcs, journal-*.dcj, archive/)
//!   removed/<id>/         a removed campaign's directory, kept for its records
//! ```
//!
//! **The floor journal** holds the admin changes only — campaigns added
//! (name, priority, weight and configuration, every setting of
//! [`CONFIG_FIELDS`]) and removed, share changes, pools, operators,
//! assignments, inbound targets, trunks, routes, lists and their entries,
//! caps — in the checksummed record format of [`crate::journal`], each
//! change written and flushed (with the campaign's fsync policy) before the
//! call returns. Recovery replays it into an empty floor, opening each
//! campaign's directory when its record comes (so the floor never finds a
//! campaign directory it does not know: a campaign record is written
//! before its directory is made, and a removal renames the directory after
//! its record). A torn tail is cut, as for a campaign journal. It is small
//! (admin changes, not dials), so it has no snapshot of its own.
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
use super::caps::CapsConfig;
use super::dnc::{ListId, Scope};
use super::trunk::{TrunkConfig, TrunkId};
use super::{CampaignId, Floor, PoolId};
use crate::campaign::durable::{DurableOptions, RecoveryReport};
use crate::config::{CampaignConfig, FieldValue, CONFIG_FIELDS};
use crate::journal::{read_journal, JournalWriter};
use crate::lockfile::{DirLock, LockError};
use crate::Campaign;

/// The floor journal's file name.
pub const FLOOR_JOURNAL: &str = "floor.dcj";

const DAY_MS: u64 = 86_400_000;

/// One admin change, as journaled.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Admin {
    AddCampaign(String, u8, u32, Vec<(String, FieldValue)>),
    RemoveCampaign(CampaignId),
    Share(CampaignId, u8, u32),
    AddPool(String),
    Assign(PoolId, CampaignId, bool),
    AddOperator(PoolId),
    InboundTarget(PoolId, u32),
    AddTrunk(TrunkConfig),
    Route(CampaignId, Vec<TrunkId>),
    AddList(String, Scope),
    ListAdd(ListId, Vec<u64>, Option<u64>),
    ListRemove(ListId, Vec<u64>),
    Caps(CapsConfig),
}

/// The floor's open data directory.
#[derive(Debug)]
pub(super) struct FloorDir {
    dir: PathBuf,
    options: DurableOptions,
    journal: JournalWriter,
    /// The first write error; the floor refuses to go on after it.
    error: Option<String>,
    _lock: DirLock,
}

/// What [`Floor::open`] found.
#[derive(Debug, Default)]
pub struct FloorRecovery {
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
        d.journal.append(|buf| encode(&admin, buf));
        if let Err(e) = d.journal.flush(self.now_ms) {
            d.error = Some(format!("{}: {e}", d.journal.path().display()));
        }
    }

    /// The first write error of the floor journal, if any.
    #[must_use]
    pub fn durability_error(&self) -> Option<&str> {
        self.durable.as_ref().and_then(|d| d.error.as_deref())
    }

    /// Nothing to do for the floor journal at the end of a poll or event
    /// (admin changes are flushed as they are made; each campaign flushes
    /// its own journal in its poll).
    pub(super) fn journal_commit(&mut self) {}

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
        let floor_err = |e: String| FloorOpenError::Floor(e);
        let lock = DirLock::acquire(dir).map_err(|e| match e {
            LockError::Locked { dir } => {
                floor_err(format!("{} is locked by another process", dir.display()))
            }
            LockError::Io { dir, source } => floor_err(format!("{}: {source}", dir.display())),
        })?;
        fs::create_dir_all(dir.join("campaigns"))
            .map_err(|e| floor_err(format!("{}: {e}", dir.display())))?;
        let path = dir.join(FLOOR_JOURNAL);
        let mut recovery = FloorRecovery::default();
        let mut floor = Floor::new();
        let journal = if path.exists() {
            let read = read_journal(&path).map_err(|e| floor_err(e.to_string()))?;
            recovery.damaged_bytes = read.data.len() as u64 - read.valid_len;
            for payload in read.payloads() {
                let admin =
                    decode(payload).map_err(|e| floor_err(format!("{}: {e}", path.display())))?;
                floor.replay_admin(dir, admin, options, &mut recovery)?;
                recovery.admin_records += 1;
            }
            JournalWriter::open_append(&path, read.valid_len, read.next_seq(), options.fsync)
        } else {
            JournalWriter::create(&path, 1, 1, options.fsync)
        }
        .map_err(|e| floor_err(format!("{}: {e}", path.display())))?;
        recovery.cap_dials = floor.rebuild_caps(dir)?;
        floor.durable = Some(FloorDir {
            dir: dir.to_path_buf(),
            options,
            journal,
            error: None,
            _lock: lock,
        });
        Ok((floor, recovery))
    }

    fn replay_admin(
        &mut self,
        dir: &Path,
        admin: Admin,
        options: DurableOptions,
        recovery: &mut FloorRecovery,
    ) -> Result<(), FloorOpenError> {
        let bad = |e: FloorError| FloorOpenError::Floor(format!("floor journal replay: {e}"));
        match admin {
            Admin::AddCampaign(name, priority, weight, values) => {
                let config = config_from(&values).map_err(FloorOpenError::Floor)?;
                let id = CampaignId(self.slots.len() as u32);
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
    fs::rename(&from, to_dir.join(c.0.to_string()))
}

/// Every setting of the configuration, by name.
fn config_values(config: &CampaignConfig) -> Vec<(String, FieldValue)> {
    CONFIG_FIELDS
        .iter()
        .map(|f| (f.name.to_owned(), (f.get)(config)))
        .collect()
}

/// The configuration of journaled settings (a setting this build does not
/// know is an error naming it).
fn config_from(values: &[(String, FieldValue)]) -> Result<CampaignConfig, String> {
    let mut config = CampaignConfig::default();
    for (name, value) in values {
        let field = crate::config::config_field(name)
            .ok_or_else(|| format!("floor journal: unknown campaign setting {name:?}"))?;
        (field.set)(&mut config, value.clone())
            .map_err(|e| format!("floor journal: setting {name}: {e}"))?;
    }
    Ok(config)
}

fn put_str(buf: &mut Vec<u8>, s: &str) {
    buf.extend_from_slice(&(s.len() as u32).to_le_bytes());
    buf.extend_from_slice(s.as_bytes());
}

fn put_u32(buf: &mut Vec<u8>, v: u32) {
    buf.extend_from_slice(&v.to_le_bytes());
}

fn put_u64(buf: &mut Vec<u8>, v: u64) {
    buf.extend_from_slice(&v.to_le_bytes());
}

fn put_numbers(buf: &mut Vec<u8>, numbers: &[u64]) {
    put_u32(buf, numbers.len() as u32);
    for &n in numbers {
        put_u64(buf, n);
    }
}

fn encode(admin: &Admin, buf: &mut Vec<u8>) {
    match admin {
        Admin::AddCampaign(name, priority, weight, values) => {
            buf.push(1);
            put_str(buf, name);
            buf.push(*priority);
            put_u32(buf, *weight);
            put_u32(buf, values.len() as u32);
            for (field, value) in values {
                put_str(buf, field);
                match value {
                    FieldValue::Bool(b) => buf.extend_from_slice(&[1, u8::from(*b)]),
                    FieldValue::UInt(u) => {
                        buf.push(2);
                        put_u64(buf, *u);
                    }
                    FieldValue::Float(x) => {
                        buf.push(3);
                        put_u64(buf, x.to_bits());
                    }
                    FieldValue::Text(s) => {
                        buf.push(4);
                        put_str(buf, s);
                    }
                    FieldValue::None => buf.push(5),
                }
            }
        }
        Admin::RemoveCampaign(c) => {
            buf.push(2);
            put_u32(buf, c.0);
        }
        Admin::Share(c, p, w) => {
            buf.push(3);
            put_u32(buf, c.0);
            buf.push(*p);
            put_u32(buf, *w);
        }
        Admin::AddPool(name) => {
            buf.push(4);
            put_str(buf, name);
        }
        Admin::Assign(p, c, on) => {
            buf.push(5);
            put_u32(buf, p.0);
            put_u32(buf, c.0);
            buf.push(u8::from(*on));
        }
        Admin::AddOperator(p) => {
            buf.push(6);
            put_u32(buf, p.0);
        }
        Admin::InboundTarget(p, n) => {
            buf.push(7);
            put_u32(buf, p.0);
            put_u32(buf, *n);
        }
        Admin::AddTrunk(t) => {
            buf.push(8);
            for v in [t.max_calls, t.cps_milli, t.burst, t.min_cps_milli] {
                put_u32(buf, v);
            }
        }
        Admin::Route(c, trunks) => {
            buf.push(9);
            put_u32(buf, c.0);
            put_u32(buf, trunks.len() as u32);
            for t in trunks {
                put_u32(buf, t.0);
            }
        }
        Admin::AddList(name, scope) => {
            buf.push(10);
            put_str(buf, name);
            match scope {
                Scope::Floor => buf.push(0),
                Scope::Campaign(c) => {
                    buf.push(1);
                    put_u32(buf, c.0);
                }
                Scope::Campaigns(cs) => {
                    buf.push(2);
                    put_u32(buf, cs.len() as u32);
                    for c in cs {
                        put_u32(buf, c.0);
                    }
                }
            }
        }
        Admin::ListAdd(l, numbers, until) => {
            buf.push(11);
            put_u32(buf, l.0);
            match until {
                None => buf.push(0),
                Some(t) => {
                    buf.push(1);
                    put_u64(buf, *t);
                }
            }
            put_numbers(buf, numbers);
        }
        Admin::ListRemove(l, numbers) => {
            buf.push(12);
            put_u32(buf, l.0);
            put_numbers(buf, numbers);
        }
        Admin::Caps(c) => {
            buf.push(13);
            for v in [c.per_24h, c.per_days, c.days] {
                buf.extend_from_slice(&v.to_le_bytes());
            }
        }
    }
}

/// Reads a payload front to back; running out of bytes is an error.
struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], String> {
        if self.0.len() < n {
            return Err("a record ends early".to_owned());
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }

    fn u16(&mut self) -> Result<u16, String> {
        Ok(u16::from_le_bytes(
            self.take(2)?.try_into().expect("2 bytes"),
        ))
    }

    fn u32(&mut self) -> Result<u32, String> {
        Ok(u32::from_le_bytes(
            self.take(4)?.try_into().expect("4 bytes"),
        ))
    }

    fn u64(&mut self) -> Result<u64, String> {
        Ok(u64::from_le_bytes(
            self.take(8)?.try_into().expect("8 bytes"),
        ))
    }

    fn str(&mut self) -> Result<String, String> {
        let n = self.u32()? as usize;
        String::from_utf8(self.take(n)?.to_vec()).map_err(|_| "a name is not UTF-8".to_owned())
    }

    fn numbers(&mut self) -> Result<Vec<u64>, String> {
        let n = self.u32()? as usize;
        if n > self.0.len() / 8 {
            return Err("a number list ends early".to_owned());
        }
        (0..n).map(|_| self.u64()).collect()
    }
}

fn decode(payload: &[u8]) -> Result<Admin, String> {
    let mut r = Reader(payload);
    let admin = match r.u8()? {
        1 => {
            let name = r.str()?;
            let priority = r.u8()?;
            let weight = r.u32()?;
            let n = r.u32()?;
            let mut values = Vec::new();
            for _ in 0..n {
                let field = r.str()?;
                let value = match r.u8()? {
                    1 => FieldValue::Bool(r.u8()? != 0),
                    2 => FieldValue::UInt(r.u64()?),
                    3 => FieldValue::Float(f64::from_bits(r.u64()?)),
                    4 => FieldValue::Text(r.str()?),
                    5 => FieldValue::None,
                    k => return Err(format!("unknown setting value kind {k}")),
                };
                values.push((field, value));
            }
            Admin::AddCampaign(name, priority, weight, values)
        }
        2 => Admin::RemoveCampaign(CampaignId(r.u32()?)),
        3 => Admin::Share(CampaignId(r.u32()?), r.u8()?, r.u32()?),
        4 => Admin::AddPool(r.str()?),
        5 => Admin::Assign(PoolId(r.u32()?), CampaignId(r.u32()?), r.u8()? != 0),
        6 => Admin::AddOperator(PoolId(r.u32()?)),
        7 => Admin::InboundTarget(PoolId(r.u32()?), r.u32()?),
        8 => Admin::AddTrunk(TrunkConfig {
            max_calls: r.u32()?,
            cps_milli: r.u32()?,
            burst: r.u32()?,
            min_cps_milli: r.u32()?,
        }),
        9 => {
            let c = CampaignId(r.u32()?);
            let n = r.u32()?;
            let trunks = (0..n)
                .map(|_| r.u32().map(TrunkId))
                .collect::<Result<_, _>>()?;
            Admin::Route(c, trunks)
        }
        10 => {
            let name = r.str()?;
            let scope = match r.u8()? {
                0 => Scope::Floor,
                1 => Scope::Campaign(CampaignId(r.u32()?)),
                2 => {
                    let n = r.u32()?;
                    Scope::Campaigns(
                        (0..n)
                            .map(|_| r.u32().map(CampaignId))
                            .collect::<Result<_, _>>()?,
                    )
                }
                k => return Err(format!("unknown list scope {k}")),
            };
            Admin::AddList(name, scope)
        }
        11 => {
            let l = ListId(r.u32()?);
            let until = match r.u8()? {
                0 => None,
                _ => Some(r.u64()?),
            };
            Admin::ListAdd(l, r.numbers()?, until)
        }
        12 => Admin::ListRemove(ListId(r.u32()?), r.numbers()?),
        13 => Admin::Caps(CapsConfig {
            per_24h: r.u16()?,
            per_days: r.u16()?,
            days: r.u16()?,
        }),
        k => return Err(format!("unknown floor record kind {k}")),
    };
    if !r.0.is_empty() {
        return Err("a record has bytes left over".to_owned());
    }
    Ok(admin)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_admin_record_round_trips() {
        let config = CampaignConfig::default();
        let records = [
            Admin::AddCampaign("sales".into(), 3, 7, config_values(&config)),
            Admin::RemoveCampaign(CampaignId(4)),
            Admin::Share(CampaignId(1), 2, 9),
            Admin::AddPool("english".into()),
            Admin::Assign(PoolId(1), CampaignId(2), false),
            Admin::AddOperator(PoolId(3)),
            Admin::InboundTarget(PoolId(0), 5),
            Admin::AddTrunk(TrunkConfig::new(30, 5)),
            Admin::Route(CampaignId(1), vec![TrunkId(0), TrunkId(2)]),
            Admin::AddList(
                "brand".into(),
                Scope::Campaigns(vec![CampaignId(0), CampaignId(3)]),
            ),
            Admin::ListAdd(ListId(1), vec![12_125_550_100, 7], Some(99)),
            Admin::ListRemove(ListId(0), vec![1, 2, 3]),
            Admin::Caps(CapsConfig {
                per_24h: 3,
                per_days: 7,
                days: 7,
            }),
        ];
        for admin in records {
            let mut buf = Vec::new();
            encode(&admin, &mut buf);
            assert_eq!(decode(&buf), Ok(admin.clone()));
            assert!(
                decode(&buf[..buf.len() - 1]).is_err(),
                "{admin:?} cut short"
            );
        }
        assert_eq!(config_from(&config_values(&config)), Ok(config));
        assert!(decode(&[99]).unwrap_err().contains("99"));
    }
}
