//! Durable campaigns: a campaign kept in a data directory (journal and
//! snapshots, see the `dialcore::campaign::durable` design notes) survives a
//! crash of the host. `dc_campaign_open` recovers what the directory holds
//! and returns an ordinary `dc_campaign` handle, which journals every change
//! it makes; `dc_campaign_free` closes it (releasing the directory's lock).
//!
//! **Status codes.** A directory held by another handle or process gives
//! `DC_STATUS_LOCKED`; files that are not dialcore's or do not fit together
//! give `DC_STATUS_CORRUPT`; a file that cannot be read or written gives
//! `DC_STATUS_IO`; a configuration that does not fit the stored campaign
//! (another default time zone, or other compliance settings without
//! `accept_config_change`) gives `DC_STATUS_INVALID_CONFIG`. Every
//! message names the directory or file (and, for a configuration change,
//! each field with its stored and new value).
//!
//! **Write failures.** When the journal cannot be written, the campaign
//! stops handing out commands: `dc_campaign_poll` returns `DC_STATUS_IO`
//! (nothing written) and `dc_campaign_durability_error` says why. Free the
//! handle and open the directory again; recovery reconciles the contacts
//! whose calls were in flight. A failed *snapshot* does not stop the
//! campaign (the journal still records everything): it shows in
//! `dc_campaign_snapshot_error` until a snapshot succeeds, and automatic
//! snapshots are retried with a backoff (1 s doubling to 5 min of campaign
//! time).

use std::ffi::c_char;
use std::path::Path;
use std::ptr;

use engine::campaign::durable::{DurableError, Reconciled};
use engine::journal::{DamageKind, FsyncPolicy, JournalError};
use engine::{Campaign, DurableOptions, OpenError, RecoveryReport};

use crate::{
    dc_campaign, dc_config, dc_status, read_config, req_str, run, with_campaign, Fail, Handle,
};

/// When journal writes are forced to stable storage (`fsync_policy` of
/// `dc_durable_options`).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum dc_fsync_policy {
    /// Force every batch of records to disk before the poll that wrote it
    /// returns: nothing handed to the host is lost, even on power loss.
    Always = 0,
    /// Force at most once per `fsync_every_ms` of campaign time (group
    /// commit): a power loss may lose about that much; a process crash
    /// loses nothing.
    EveryMs = 1,
    /// Never force; the operating system writes back when it likes. A
    /// process crash loses nothing, a power loss may lose seconds.
    Never = 2,
}

/// How a durable campaign writes its journal and snapshots; start from
/// `dc_durable_options_default()` and change fields.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct dc_durable_options {
    /// A `dc_fsync_policy`, read as an integer and checked. Default ALWAYS.
    pub fsync_policy: dc_fsync_policy,
    /// `DC_FSYNC_POLICY_EVERY_MS`: the interval, ms (at least 1). Default 10.
    pub fsync_every_ms: u64,
    /// Take a snapshot (and start a new journal) at a poll once the journal
    /// holds this many records; 0 = only on `dc_campaign_snapshot`.
    /// Default 10 000 000.
    pub snapshot_every_records: u64,
    /// Accept a reopen whose compliance settings (mode, calling window,
    /// attempts and caps, ring timeout, abandon limit/target/window …)
    /// differ from the stored ones: the change is applied and journaled.
    /// Default false: such a reopen fails with `DC_STATUS_INVALID_CONFIG`
    /// naming the fields.
    pub accept_config_change: bool,
}

/// What was wrong where a recovery first found loss (`damage_kind` of
/// `dc_recovery_report`).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum dc_damage_kind {
    /// No damage.
    None = 0,
    /// The file ends inside a record (a write cut short, or a truncation).
    TornRecord = 1,
    /// A record's checksum does not match.
    BadChecksum = 2,
    /// Zero bytes to the end of the file.
    ZeroFill = 3,
    /// No record frame where one should start (no sync magic, or an
    /// impossible length).
    BadFrame = 4,
    /// Intact records whose sequence numbers jump: records cut out.
    SequenceGap = 5,
    /// Bytes after a closed journal's trailer.
    AfterTrailer = 6,
    /// A journal's header is damaged (empty, short, bad checksum): all its
    /// records are lost.
    BadHeader = 7,
    /// A journal is missing though later files prove it existed.
    MissingFile = 8,
}

impl From<DamageKind> for dc_damage_kind {
    fn from(k: DamageKind) -> dc_damage_kind {
        match k {
            DamageKind::TornRecord => dc_damage_kind::TornRecord,
            DamageKind::BadChecksum => dc_damage_kind::BadChecksum,
            DamageKind::ZeroFill => dc_damage_kind::ZeroFill,
            DamageKind::BadFrame => dc_damage_kind::BadFrame,
            DamageKind::SequenceGap => dc_damage_kind::SequenceGap,
            DamageKind::AfterTrailer => dc_damage_kind::AfterTrailer,
            DamageKind::BadHeader => dc_damage_kind::BadHeader,
            DamageKind::MissingFile => dc_damage_kind::MissingFile,
        }
    }
}

/// What `dc_campaign_open` found in the data directory and did.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct dc_recovery_report {
    /// True when the directory held no campaign: a new one was started.
    pub fresh: bool,
    /// True when recovery found loss: damaged bytes, a damaged or missing
    /// journal (see `damage_kind`, `records_lost`, `loss_uncounted`).
    pub damaged: bool,
    /// What was wrong where loss was first found; `DC_DAMAGE_KIND_NONE`
    /// when not `damaged`.
    pub damage_kind: dc_damage_kind,
    /// True when some loss could not be counted (damage at the end of the
    /// newest journal, a missing newest journal): more records than
    /// `records_lost` may be gone.
    pub loss_uncounted: bool,
    /// The generation of the snapshot recovery started from; `UINT64_MAX`
    /// when none (the campaign was rebuilt from journal 0 alone, or is fresh).
    pub snapshot_generation: u64,
    /// Journal records replayed, all journals together.
    pub records_replayed: u64,
    /// Journals replayed.
    pub journals_replayed: u64,
    /// Where in its journal the first loss starts (0 when not `damaged`).
    pub damage_offset: u64,
    /// Damaged bytes, all losses together (kept aside in
    /// `<journal>.damaged-<offset>` files, except zero fill).
    pub damaged_bytes: u64,
    /// Records known lost, counted from the sequence numbers around each
    /// loss (their counters, meter entries and blacklist changes are lost
    /// too).
    pub records_lost: u64,
    /// Intact records replayed after the first loss.
    pub recovered_after_damage: u64,
    /// Places where loss was found (damaged ranges, damaged or missing
    /// journals); the text report lists each.
    pub damage_count: u64,
    /// Contacts whose addition was lost: kept as REMOVED, never dialed.
    pub lost_contacts: u64,
    /// Configuration fields that differ from the stored configuration
    /// (applied and journaled).
    pub config_changes: u64,
    /// Files not used (a snapshot that did not check out); recovery wrote
    /// a new generation past them.
    pub skipped_files: u64,
    /// Contacts live at the crash and moved by recovery; list them with
    /// `dc_campaign_reconciled`.
    pub reconciled_count: u64,
    /// Contacts in the campaign.
    pub contacts: u64,
    /// The latest time the campaign had seen, ms since the epoch.
    pub now_ms: u64,
    /// Bulk adds (`dc_campaign_add_contact_rows`, a large
    /// `dc_campaign_add_numbers`) cut by a crash before their last journal
    /// part and dropped whole: none of their contacts was added.
    pub bulk_adds_dropped: u64,
}

impl dc_recovery_report {
    fn from_report(r: &RecoveryReport) -> dc_recovery_report {
        let damage = r.damage.first();
        dc_recovery_report {
            fresh: r.fresh,
            damaged: damage.is_some(),
            damage_kind: damage.map_or(dc_damage_kind::None, |d| d.kind.into()),
            loss_uncounted: r.loss_uncounted(),
            snapshot_generation: r.snapshot.as_ref().map_or(u64::MAX, |s| s.generation),
            records_replayed: r.records_replayed(),
            journals_replayed: r.journals.len() as u64,
            damage_offset: damage.map_or(0, |d| d.offset),
            damaged_bytes: r.damage.iter().map(|d| d.bytes).sum(),
            records_lost: r.records_lost(),
            recovered_after_damage: r.recovered_after_damage(),
            damage_count: r.damage.len() as u64,
            lost_contacts: r.lost_contacts,
            config_changes: r.config_changes.len() as u64,
            skipped_files: r.skipped_files.len() as u64,
            reconciled_count: r.reconciled.len() as u64,
            contacts: r.contacts,
            now_ms: r.now_ms,
            bulk_adds_dropped: r.bulk_adds_dropped,
        }
    }
}

/// A contact that was live at the crash and where recovery put it
/// (`dc_campaign_reconciled`). Check it against the PBX: its call may still
/// be up there.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct dc_reconciled {
    /// The contact.
    pub contact: u32,
    /// Its state code (`dc_state`) at the crash.
    pub was: u8,
    /// Its state code now (RETRY_SCHEDULED, SUCCESS, or what a pending
    /// admin action made it).
    pub now: u8,
    /// Its attempts (an issued dial stays counted).
    pub attempts: u8,
}

impl From<&Reconciled> for dc_reconciled {
    fn from(r: &Reconciled) -> dc_reconciled {
        dc_reconciled {
            contact: r.contact.0,
            was: r.was.code(),
            now: r.now.code(),
            attempts: r.attempts,
        }
    }
}

/// The default durable options: fsync ALWAYS (every 10 ms if switched to
/// EVERY_MS), a snapshot every 10 million records. Never fails.
#[no_mangle]
pub extern "C" fn dc_durable_options_default() -> dc_durable_options {
    let d = DurableOptions::default();
    dc_durable_options {
        fsync_policy: match d.fsync {
            FsyncPolicy::Always => dc_fsync_policy::Always,
            FsyncPolicy::EveryMs(_) => dc_fsync_policy::EveryMs,
            FsyncPolicy::Never => dc_fsync_policy::Never,
        },
        fsync_every_ms: match d.fsync {
            FsyncPolicy::EveryMs(ms) => ms,
            _ => 10,
        },
        snapshot_every_records: d.snapshot_every_records,
        accept_config_change: d.accept_config_change,
    }
}

pub(crate) unsafe fn read_options(p: *const dc_durable_options) -> Result<DurableOptions, Fail> {
    if p.is_null() {
        return Ok(DurableOptions::default());
    }
    let every = read_plain!(p, fsync_every_ms);
    let fsync = match read_u32!(p, fsync_policy) {
        0 => FsyncPolicy::Always,
        1 if every == 0 => {
            return Err(Fail::invalid(
                "options.fsync_every_ms must be at least 1 with DC_FSYNC_POLICY_EVERY_MS",
            ))
        }
        1 => FsyncPolicy::EveryMs(every),
        2 => FsyncPolicy::Never,
        f => {
            return Err(Fail::invalid(format!(
                "options.fsync_policy {f} is not a dc_fsync_policy"
            )))
        }
    };
    Ok(DurableOptions {
        fsync,
        snapshot_every_records: read_plain!(p, snapshot_every_records),
        accept_config_change: read_bool!(p, accept_config_change),
        journal_retention: Default::default(),
    })
}

/// The status and message of a failed open of `dir`.
pub(crate) fn open_fail(dir: &Path, e: OpenError) -> Fail {
    let status = match &e {
        OpenError::Config(c) if c.field == "default_timezone" => dc_status::UnknownTimezone,
        OpenError::Config(_) | OpenError::ZoneMismatch { .. } | OpenError::ConfigChanged { .. } => {
            dc_status::InvalidConfig
        }
        OpenError::Locked(_) => dc_status::Locked,
        OpenError::Io { .. } | OpenError::Journal(JournalError::Io(_)) => dc_status::Io,
        OpenError::Journal(_) | OpenError::Corrupt { .. } | OpenError::MissingSnapshot { .. } => {
            dc_status::Corrupt
        }
    };
    // Name the directory where the engine's message does not.
    match &e {
        OpenError::ZoneMismatch { .. } | OpenError::Journal(JournalError::Io(_)) => {
            Fail::new(status, format!("data directory {}: {e}", dir.display()))
        }
        OpenError::Locked(dir) => Fail::new(status, locked_message(dir)),
        _ => Fail::new(status, e),
    }
}

/// Who holds the lock of `dir`, from the process id its `LOCK` file names:
/// this process (another handle not freed yet) or another one.
fn locked_message(dir: &Path) -> String {
    let holder = std::fs::read_to_string(dir.join(engine::lockfile::LOCK_FILE))
        .ok()
        .and_then(|s| s.trim().parse::<u32>().ok());
    match holder {
        Some(pid) if pid == std::process::id() => format!(
            "data directory {} is locked by this process (pid {pid}): another dc_campaign opened on it is not freed yet",
            dir.display()
        ),
        Some(pid) => format!(
            "data directory {} is locked by another process (pid {pid})",
            dir.display()
        ),
        None => format!("data directory {} is locked by another process", dir.display()),
    }
}

fn durable_fail(e: &DurableError) -> Fail {
    Fail::new(dc_status::Io, format!("journal write failed: {e}"))
}

/// Opens (or creates) the durable campaign in the directory `dir` (created
/// if missing) with `config`, recovering what the directory holds, into
/// `*out`. `options` may be NULL for the defaults; `report_out` (optional)
/// receives what recovery found. The directory stays locked until
/// `dc_campaign_free`: a second open while the handle lives gives
/// `DC_STATUS_LOCKED`. Damaged or foreign files give `DC_STATUS_CORRUPT`, an
/// unreadable directory `DC_STATUS_IO`, a `config.default_timezone` other
/// than the stored campaign's `DC_STATUS_INVALID_CONFIG`; the message names
/// the directory or file, and `*out` is left unchanged.
///
/// Contacts whose calls were in flight at the crash are moved by recovery
/// (to RETRY_SCHEDULED, or SUCCESS when connected); `dc_campaign_reconciled`
/// lists them.
#[no_mangle]
pub unsafe extern "C" fn dc_campaign_open(
    dir: *const c_char,
    config: *const dc_config,
    options: *const dc_durable_options,
    report_out: *mut dc_recovery_report,
    out: *mut *mut dc_campaign,
) -> dc_status {
    run(|| {
        // SAFETY: NUL-terminated string or NULL per the contract.
        let dir = unsafe { req_str(dir, "dir") }?;
        if dir.is_empty() {
            return Err(Fail::invalid("dir is empty"));
        }
        if config.is_null() {
            return Err(Fail::null("config"));
        }
        if out.is_null() {
            return Err(Fail::null("out"));
        }
        // SAFETY: non-NULL, valid per the contract.
        let config = unsafe { read_config(config) }?;
        // SAFETY: NULL or valid per the contract.
        let options = unsafe { read_options(options) }?;
        let dir = Path::new(dir);
        let (campaign, report) =
            Campaign::open_with(dir, config, options).map_err(|e| open_fail(dir, e))?;
        if !report_out.is_null() {
            // SAFETY: non-NULL, writable per the contract.
            unsafe { report_out.write(dc_recovery_report::from_report(&report)) };
        }
        let handle = Box::new(Handle::new(campaign, report.reconciled));
        // SAFETY: non-NULL (checked above), writable per the contract.
        unsafe { out.write(Box::into_raw(handle).cast::<dc_campaign>()) };
        Ok(())
    })
}

/// Writes the contacts the last `dc_campaign_open` of this handle reconciled
/// (`reconciled_count` of its report) to `out[0 .. min(cap, count)]`, in
/// contact order, and how many were written to `*written`. A campaign from
/// `dc_campaign_new` has none. `out` may be NULL when `cap` is 0.
#[no_mangle]
pub unsafe extern "C" fn dc_campaign_reconciled(
    campaign: *const dc_campaign,
    out: *mut dc_reconciled,
    cap: usize,
    written: *mut usize,
) -> dc_status {
    run(|| {
        if written.is_null() {
            return Err(Fail::null("written"));
        }
        // SAFETY: non-NULL, writable per the contract.
        unsafe { written.write(0) };
        if out.is_null() && cap > 0 {
            return Err(Fail::null("out"));
        }
        // SAFETY: the campaign pointer per the contract.
        let list: Vec<dc_reconciled> = unsafe {
            with_campaign(campaign, |inner| {
                Ok(inner.reconciled.iter().take(cap).map(Into::into).collect())
            })
        }?;
        let n = list.len();
        if n > 0 {
            // SAFETY: n <= cap writable elements at `out` (non-NULL since
            // cap >= n > 0), and `list` is a separate allocation.
            unsafe { ptr::copy_nonoverlapping(list.as_ptr(), out, n) };
        }
        // SAFETY: checked non-NULL above.
        unsafe { written.write(n) };
        Ok(())
    })
}

/// Writes every buffered journal record and forces the journal to stable
/// storage, whatever the fsync policy: call it before a clean shutdown, or
/// after `dc_campaign_handle` calls whose changes must survive a power loss
/// before the next poll. A failed write gives `DC_STATUS_IO` (the message
/// names the file; see `dc_campaign_durability_error`). On a campaign from
/// `dc_campaign_new` it does nothing and returns `DC_STATUS_OK`.
#[no_mangle]
pub unsafe extern "C" fn dc_campaign_flush(campaign: *mut dc_campaign) -> dc_status {
    run(|| {
        // SAFETY: the campaign pointer per the contract.
        unsafe {
            with_campaign(campaign, |inner| {
                inner.campaign.flush().map_err(|e| durable_fail(&e))
            })
        }
    })
}

/// Writes a snapshot of the whole campaign as a new generation and starts a
/// new journal (older files but one generation are deleted); the new
/// generation goes to `*generation_out` (optional). `DC_STATUS_NOT_DURABLE`
/// on a campaign from `dc_campaign_new`; `DC_STATUS_IO` when a file cannot
/// be written.
#[no_mangle]
pub unsafe extern "C" fn dc_campaign_snapshot(
    campaign: *mut dc_campaign,
    generation_out: *mut u64,
) -> dc_status {
    run(|| {
        // SAFETY: the campaign pointer per the contract.
        let generation = unsafe {
            with_campaign(campaign, |inner| {
                if !inner.campaign.is_durable() {
                    return Err(not_durable());
                }
                let info = inner
                    .campaign
                    .snapshot()
                    .map_err(|e| Fail::new(dc_status::Io, format!("snapshot failed: {e}")))?;
                Ok(info.generation)
            })
        }?;
        if !generation_out.is_null() {
            // SAFETY: non-NULL, writable per the contract.
            unsafe { generation_out.write(generation) };
        }
        Ok(())
    })
}

fn not_durable() -> Fail {
    Fail::new(
        dc_status::NotDurable,
        "the campaign has no data directory (made by dc_campaign_new, not dc_campaign_open)",
    )
}

/// Whether the campaign's journal failed: `DC_STATUS_OK` when it did not
/// (or the campaign has no data directory), `DC_STATUS_IO` when a write
/// failed, with the file and the error in `dc_last_error_message()`. After a
/// failure the campaign hands out no commands (`dc_campaign_poll` returns
/// `DC_STATUS_IO`); free it and open the directory again.
#[no_mangle]
pub unsafe extern "C" fn dc_campaign_durability_error(campaign: *const dc_campaign) -> dc_status {
    run(|| {
        // SAFETY: the campaign pointer per the contract.
        unsafe {
            with_campaign(campaign, |inner| match inner.campaign.durability_error() {
                Some(e) => Err(durable_fail(e)),
                None => Ok(()),
            })
        }
    })
}

/// Whether the campaign's last snapshot failed: `DC_STATUS_OK` when it did
/// not (or a later one succeeded, or the campaign has no data directory),
/// `DC_STATUS_IO` when it did, with the file and the error in
/// `dc_last_error_message()`. Dialing goes on (the journal still records
/// everything) but the journal grows until a snapshot succeeds; automatic
/// snapshots are retried with a backoff (1 s doubling to 5 min of campaign
/// time), not at every poll.
#[no_mangle]
pub unsafe extern "C" fn dc_campaign_snapshot_error(campaign: *const dc_campaign) -> dc_status {
    run(|| {
        // SAFETY: the campaign pointer per the contract.
        unsafe {
            with_campaign(campaign, |inner| match inner.campaign.snapshot_error() {
                Some(e) => Err(Fail::new(dc_status::Io, format!("snapshot failed: {e}"))),
                None => Ok(()),
            })
        }
    })
}

/// Writes the current journal's generation, its records and its size in
/// bytes to the optional out-parameters. `DC_STATUS_NOT_DURABLE` on a
/// campaign from `dc_campaign_new` (a cheap way to ask whether it is
/// durable).
#[no_mangle]
pub unsafe extern "C" fn dc_campaign_journal_position(
    campaign: *const dc_campaign,
    generation_out: *mut u64,
    records_out: *mut u64,
    bytes_out: *mut u64,
) -> dc_status {
    run(|| {
        // SAFETY: the campaign pointer per the contract.
        let (generation, records, bytes) = unsafe {
            with_campaign(campaign, |inner| {
                inner.campaign.journal_position().ok_or_else(not_durable)
            })
        }?;
        for (p, v) in [
            (generation_out, generation),
            (records_out, records),
            (bytes_out, bytes),
        ] {
            if !p.is_null() {
                // SAFETY: non-NULL, writable per the contract.
                unsafe { p.write(v) };
            }
        }
        Ok(())
    })
}

/// Checks that `dir` holds a readable campaign and writes what
/// `dc_campaign_open` would recover to `*report_out`, without locking or
/// changing anything (it works while another handle has the directory open).
/// Errors as `dc_campaign_open`; a missing directory is `DC_STATUS_IO`.
#[no_mangle]
pub unsafe extern "C" fn dc_campaign_inspect(
    dir: *const c_char,
    config: *const dc_config,
    report_out: *mut dc_recovery_report,
) -> dc_status {
    run(|| {
        // SAFETY: NUL-terminated string or NULL per the contract.
        let dir = unsafe { req_str(dir, "dir") }?;
        if config.is_null() {
            return Err(Fail::null("config"));
        }
        if report_out.is_null() {
            return Err(Fail::null("report_out"));
        }
        // SAFETY: non-NULL, valid per the contract.
        let config = unsafe { read_config(config) }?;
        let dir = Path::new(dir);
        let (_, report) = Campaign::inspect(dir, config).map_err(|e| open_fail(dir, e))?;
        // SAFETY: non-NULL, writable per the contract.
        unsafe { report_out.write(dc_recovery_report::from_report(&report)) };
        Ok(())
    })
}
