//! `dialcore inspect DIR`: what a data directory holds, read-only.
//!
//! The directory goes through [`Campaign::inspect`], the same loading code
//! [`Campaign::open`] runs, but without taking the directory's lock and
//! without writing anything: every loss (damaged bytes, damaged or missing
//! journals, with the records lost and recovered after it) and every
//! skipped file is reported, nothing is cut or kept aside, and the contacts
//! that were live at the crash are reconciled in memory only. So `inspect` shows what the next `open` would recover, and can run
//! beside a process that has the campaign open (it then sees what that
//! process has written so far).
//!
//! The report is the recovery report (snapshot, journals, damage, reconciled
//! contacts), then the campaign: the count of contacts in each of the 17
//! states, attempts made, the blacklist's size, operators, paused and
//! canceled. `--json` prints the same as one object.
//!
//! Loading needs the campaign's default time zone (a mismatch would move
//! every contact's calling window, so the core refuses it): it is the
//! configuration default, `UTC`, unless `--timezone` names another.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use dialcore::{Campaign, CampaignConfig, OpenError, RecoveryReport, State};
use serde_json::{json, Map, Value};

use crate::error::CliError;

/// Arguments of `dialcore inspect`.
#[derive(Debug, clap::Args)]
pub struct InspectArgs {
    /// The data directory (as given to `simulate --data-dir` or a host's
    /// `Campaign::open`).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// The campaign's default time zone, when it is not the configuration
    /// default (UTC).
    #[arg(long, value_name = "TZ")]
    pub timezone: Option<String>,
    /// Print one JSON object instead of the text report.
    #[arg(long)]
    pub json: bool,
}

/// What `inspect` found in a data directory.
#[derive(Debug)]
pub struct Inspection {
    /// What loading the directory found.
    pub recovery: RecoveryReport,
    /// Contacts per state, all 17, in code order.
    pub counts: Vec<(State, u64)>,
    /// Contacts in the campaign.
    pub contacts: u64,
    /// Dial attempts made over all contacts.
    pub attempts: u64,
    /// Numbers on the blacklist.
    pub blacklist: u64,
    /// Operators the campaign knows.
    pub operators: u64,
    /// The campaign is paused.
    pub paused: bool,
    /// The campaign is canceled.
    pub canceled: bool,
}

/// Runs `dialcore inspect`; returns what to print on stdout.
pub fn run(args: &InspectArgs) -> Result<String, CliError> {
    let found = inspect(&args.dir, args.timezone.as_deref())?;
    Ok(if args.json {
        let mut text = found.to_json().to_string();
        text.push('\n');
        text
    } else {
        found.render_text()
    })
}

/// Reads the campaign in `dir` without locking or writing anything.
pub fn inspect(dir: &Path, timezone: Option<&str>) -> Result<Inspection, CliError> {
    let mut config = CampaignConfig::default();
    let configured = timezone.is_some();
    if let Some(tz) = timezone {
        config.default_timezone = tz.to_owned();
    }
    let (campaign, recovery) =
        Campaign::inspect(dir, config).map_err(|e| open_error(dir, configured, e))?;
    if recovery.fresh {
        return Err(CliError::input(format!(
            "{}: no campaign here (no snapshot or journal)",
            dir.display()
        )));
    }
    let counts = campaign.counts();
    Ok(Inspection {
        counts: State::ALL
            .iter()
            .map(|&s| (s, u64::from(counts.get(s))))
            .collect(),
        contacts: campaign.store().len() as u64,
        attempts: campaign
            .store()
            .attempts_column()
            .iter()
            .map(|&a| u64::from(a))
            .sum(),
        blacklist: campaign.blacklist().len(),
        operators: campaign.operators().len() as u64,
        paused: campaign.is_paused(),
        canceled: campaign.is_canceled(),
        recovery,
    })
}

/// An open error as the command's error: every one is about the directory
/// or its contents (or `--timezone`), so an input error naming it.
fn open_error(dir: &Path, timezone_given: bool, e: OpenError) -> CliError {
    match e {
        OpenError::ZoneMismatch { stored, configured } => CliError::input(format!(
            "{}: the campaign's default time zone is {stored:?}, not {configured:?}; \
             pass --timezone {stored}",
            dir.display()
        )),
        OpenError::Config(e) if timezone_given => CliError::input(format!("--timezone: {e}")),
        // Io, Corrupt and MissingSnapshot name their file (MissingSnapshot
        // every damaged snapshot and why); the rest get the directory in
        // front.
        OpenError::Io { .. } | OpenError::Corrupt { .. } | OpenError::MissingSnapshot { .. } => {
            CliError::input(e)
        }
        other => CliError::input(format!("{}: {other}", dir.display())),
    }
}

/// The summary of a recovery: the `recovery` object of `simulate --json`
/// and part of `inspect --json`.
pub fn recovery_summary_json(r: &RecoveryReport) -> Value {
    let damage: Vec<Value> = r
        .damage
        .iter()
        .map(|d| {
            json!({
                "file": d.path.display().to_string(),
                "offset": d.offset,
                "bytes": d.bytes,
                "kind": format!("{:?}", d.kind),
                "first_lost_seq": d.first_lost_seq,
                "lost_records": d.lost_records,
                "recovered_after": d.recovered_after,
                "kept_aside": d.kept_aside.as_ref().map(|p| p.display().to_string()),
            })
        })
        .collect();
    let skipped: Vec<Value> = r
        .skipped_files
        .iter()
        .map(|(path, why)| json!({"file": path.display().to_string(), "why": why}))
        .collect();
    let changes: Vec<Value> = r
        .config_changes
        .iter()
        .map(|c| {
            json!({
                "field": c.field,
                "stored": c.stored,
                "configured": c.configured,
                "kind": format!("{:?}", c.kind),
            })
        })
        .collect();
    json!({
        "data_dir": r.dir.display().to_string(),
        "fresh": r.fresh,
        "snapshot_generation": r.snapshot.as_ref().map(|s| s.generation),
        "records_replayed": r.records_replayed(),
        "damage": damage,
        "records_lost": r.records_lost(),
        "loss_uncounted": r.loss_uncounted(),
        "recovered_after_damage": r.recovered_after_damage(),
        "lost_contacts": r.lost_contacts,
        "skipped_files": skipped,
        "config_changes": changes,
        "restarted_generation": r.restarted,
        "reconciled": r.reconciled.len(),
        "contacts": r.contacts,
        "now_ms": r.now_ms,
    })
}

/// The whole recovery report as JSON: the summary plus the files and every
/// reconciled contact.
fn recovery_json(r: &RecoveryReport) -> Value {
    let mut value = recovery_summary_json(r);
    if let Some(obj) = value.as_object_mut() {
        let journals: Vec<Value> = r
            .journals
            .iter()
            .map(|j| {
                json!({
                    "generation": j.generation,
                    "file": j.path.display().to_string(),
                    "records": j.records,
                    "valid_bytes": j.valid_bytes,
                    "first_seq": j.first_seq,
                    "closed": j.closed,
                })
            })
            .collect();
        let reconciled: Vec<Value> = r
            .reconciled
            .iter()
            .map(|c| {
                json!({
                    "contact": c.contact.0,
                    "was": c.was.name(),
                    "now": c.now.name(),
                    "attempts": c.attempts,
                })
            })
            .collect();
        obj.insert("journals".into(), Value::Array(journals));
        obj.insert("reconciled_contacts".into(), Value::Array(reconciled));
    }
    value
}

impl Inspection {
    /// The report as one JSON object.
    pub fn to_json(&self) -> Value {
        let counts: Map<String, Value> = self
            .counts
            .iter()
            .map(|(s, n)| (s.name().to_owned(), json!(n)))
            .collect();
        json!({
            "recovery": recovery_json(&self.recovery),
            "counts": counts,
            "contacts": self.contacts,
            "attempts": self.attempts,
            "blacklist": self.blacklist,
            "operators": self.operators,
            "paused": self.paused,
            "canceled": self.canceled,
        })
    }

    /// The report as text for a person.
    pub fn render_text(&self) -> String {
        let mut s = self.recovery.to_string();
        let _ = writeln!(s, "states:");
        for (state, n) in &self.counts {
            let _ = writeln!(s, "  {:<22}{:>10}", state.name(), n);
        }
        let yes_no = |b: bool| if b { "yes" } else { "no" };
        let _ = writeln!(s, "{:<24}{:>10}", "attempts", self.attempts);
        let _ = writeln!(s, "{:<24}{:>10}", "blacklisted numbers", self.blacklist);
        let _ = writeln!(s, "{:<24}{:>10}", "operators", self.operators);
        let _ = writeln!(s, "{:<24}{:>10}", "paused", yes_no(self.paused));
        let _ = writeln!(s, "{:<24}{:>10}", "canceled", yes_no(self.canceled));
        s
    }
}
