//! Attempt records: one row per call attempt, built from the journal.
//!
//! A data directory's journal already holds every transition of a
//! campaign; this module reads it back as the record an auditor or an
//! analyst asks for — who was called, on which number, when the call was
//! dialed, answered, connected and ended, how it ended, who handled it —
//! without a second write path: [`read_records`] replays the directory
//! through the same code recovery runs ([`Campaign::inspect`]'s load, no
//! lock, nothing written) and watches each journal record as it is
//! applied, with the campaign as that record left it. So a record's
//! number, zone and blacklist status are those *at the dial*, and the
//! records agree with the campaign's counters by construction (one record
//! per `dialed` fact).
//!
//! **What the journal says, and what it does not.** Facts (dialed,
//! answered, machine, connected, abandoned) carry the contact and the time
//! of their record; contact rows carry each state change; the
//! `call operator` sub-record (kind 15, added for these records) carries
//! the operator on a call; the `held back` sub-record (kind 16) names the
//! guard that held a contact back ([`HoldReason`]), counted per reason in
//! [`AttemptRecord::held_back_reasons`] and [`Records::held_back`]. The
//! caller ID is the campaign's `caller_id` setting as journaled with the
//! configuration in force at the dial. The `dialed at` sub-record (kind
//! 26, journaled before a dial's fact when the number is not the contact's
//! first) gives the number index; the record's number is that number's.
//!
//! **Completeness.** A snapshot moves the journals older than the
//! generation before it into `DIR/archive/` ([`crate::JournalRetention`]'s
//! default), and the reader replays the archive too: from generation 0,
//! through every journal, ignoring the snapshots, so the records hold every
//! attempt since the campaign began. With `Prune` the old journals are
//! deleted, and with them their attempts: the replay starts from the newest
//! snapshot, [`Records::first_generation`] says where, and
//! [`Records::dials_before`] how many dials that snapshot had already
//! counted (0 when the history is whole), which the audit's "records kept"
//! rule checks.
//!
//! The record format is versioned ([`RECORD_FORMAT_VERSION`]) and its
//! columns are listed in [`COLUMNS`]; docs/RECORDS.md documents both.

mod build;
mod csv;
mod hold;

pub use csv::{format_time, write_csv};
pub use hold::HoldReason;

use std::path::Path;
use std::sync::Arc;

use crate::campaign::durable::Observer;
use crate::config::CampaignConfig;
use crate::state::{Outcome, State};
use crate::store::ContactId;
use crate::{Campaign, ConfigChange, OpenError, RecoveryReport};

/// The version of the attempt record format: bumped when a column is
/// added, removed, renamed or changes meaning.
pub const RECORD_FORMAT_VERSION: u32 = 2;

/// The columns of an attempt record, in order (CSV header, Parquet schema,
/// Python DataFrame).
pub const COLUMNS: [&str; 28] = [
    "campaign",
    "contact_id",
    "external_id",
    "number",
    "number_index",
    "caller_id",
    "zone",
    "attempt",
    "dial_at",
    "answer_at",
    "connect_at",
    "end_at",
    "wrap_end_at",
    "ring_ms",
    "wait_ms",
    "talk_ms",
    "outcome",
    "disposition",
    "operator",
    "abandoned",
    "machine",
    "message_within_2s",
    "held_back",
    "held_back_reasons",
    "in_window",
    "blacklisted_at_dial",
    "dials_24h",
    "complete",
];

/// The longest wait, from answer to abandon message, the US Telemarketing
/// Sales Rule allows (2 s).
pub const ABANDON_MESSAGE_MS: u64 = 2_000;

/// One call attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptRecord {
    /// The campaign (the data directory's name unless given), shared by
    /// every record of the campaign.
    pub campaign: Arc<str>,
    /// The contact dialed.
    pub contact: ContactId,
    /// The contact's external id (empty when it has none).
    pub external_id: String,
    /// The number dialed, E.164 digits.
    pub number: u64,
    /// Which of the contact's numbers was dialed (0: contacts have one).
    pub number_index: u8,
    /// The caller ID shown: the campaign's `caller_id` setting in force at
    /// the dial; `None` when it was empty (the PBX picks one) or the journal
    /// predates the setting.
    pub caller_id: Option<String>,
    /// The contact's time zone (IANA name), shared per zone.
    pub zone: Arc<str>,
    /// Which attempt on the contact this was (1 for the first).
    pub attempt: u8,
    /// When the dial was issued (ms since the epoch, as every `_at` field).
    pub dial_at: u64,
    /// When the call was answered (by a human or a machine).
    pub answer_at: Option<u64>,
    /// When an operator was connected.
    pub connect_at: Option<u64>,
    /// When the call ended (hangup, abandon, failure).
    pub end_at: Option<u64>,
    /// When the contact left the attempt (after-call work done).
    pub wrap_end_at: Option<u64>,
    /// Ringing: dial to answer, or to the end of an unanswered call.
    pub ring_ms: Option<u64>,
    /// Waiting for an operator: answer to connect (or to the abandon).
    pub wait_ms: Option<u64>,
    /// Talking: connect to the end of the call.
    pub talk_ms: Option<u64>,
    /// How the attempt ended.
    pub outcome: Outcome,
    /// The contact's state after the attempt (its disposition: Success,
    /// RetryScheduled, NotReached…); the state at the end of the history
    /// for an attempt still in progress.
    pub disposition: State,
    /// The operator on the call, if one was.
    pub operator: Option<u32>,
    /// The call was abandoned (answered, no operator in time).
    pub abandoned: bool,
    /// An answering machine answered.
    pub machine: bool,
    /// For an abandoned call: the abandon came within
    /// [`ABANDON_MESSAGE_MS`] of the answer (the message in time).
    pub message_within_2s: Option<bool>,
    /// Times the contact was held back (back to the queue without a dial)
    /// since its previous attempt.
    pub held_back: u32,
    /// The journaled reasons of the hold-backs since the previous attempt,
    /// counted per reason, in reason order (empty for journals written
    /// before the `held back` sub-record, and for revoked offers).
    pub held_back_reasons: Vec<(HoldReason, u32)>,
    /// The contact's calling window was open at the dial.
    pub in_window: bool,
    /// The number was on the blacklist at the dial.
    pub blacklisted_at_dial: bool,
    /// Dials to this number in the 24 hours up to and including this one
    /// (within the history read).
    pub dials_24h: u32,
    /// The attempt ended within the history read.
    pub complete: bool,
}

impl AttemptRecord {
    /// [`AttemptRecord::held_back_reasons`] as the records' text column:
    /// `reason=count` pairs joined by `;` in reason order
    /// (`window=2;number_busy=1`), empty when there are none.
    pub fn held_back_reasons_text(&self) -> String {
        let mut out = String::new();
        for (i, (reason, n)) in self.held_back_reasons.iter().enumerate() {
            if i > 0 {
                out.push(';');
            }
            out.push_str(reason.name());
            out.push('=');
            out.push_str(&n.to_string());
        }
        out
    }
}

/// The attempt records of a data directory, with what reading it found.
#[derive(Debug)]
pub struct Records {
    /// The attempts, in dial order.
    pub attempts: Vec<AttemptRecord>,
    /// What loading the directory found (damage, snapshot, journals).
    pub recovery: RecoveryReport,
    /// Dials already counted by the snapshot the replay started from: the
    /// attempts of deleted journals, missing from `attempts`.
    pub dials_before: u64,
    /// Dials the campaign counted in all (`dials_before` plus those in the
    /// journals read).
    pub dials_total: u64,
    /// The first journal generation read: 0 when the whole history was
    /// read (the journals present and the archive reach back to the
    /// campaign's start); else the generation of the snapshot the replay
    /// started from — the journals before it were deleted
    /// ([`crate::JournalRetention::Prune`]) and their attempts are gone.
    pub first_generation: u64,
    /// Every journaled hold-back in the history read, counted per reason
    /// (those of contacts never dialed again included).
    pub held_back: std::collections::BTreeMap<HoldReason, u64>,
    /// The configuration the records were read with.
    pub config: CampaignConfig,
    /// Settings that differ from the configuration stored with the
    /// campaign (only tuning ones: compliance differences are refused).
    pub config_changes: Vec<ConfigChange>,
    /// The campaign as it stands at the end of the history (not reconciled).
    pub campaign: Campaign,
}

/// Why the records could not be read.
#[derive(Debug)]
pub enum RecordsError {
    /// The data directory could not be read.
    Open(OpenError),
    /// The configuration given differs from the campaign's stored one in
    /// compliance settings: the records (window, caps) would be judged by
    /// other rules than the campaign ran with.
    ConfigMismatch(Vec<ConfigChange>),
}

impl std::fmt::Display for RecordsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RecordsError::Open(e) => write!(f, "{e}"),
            RecordsError::ConfigMismatch(changes) => {
                f.write_str("the configuration given differs from the campaign's stored one: ")?;
                for (i, c) in changes.iter().enumerate() {
                    if i > 0 {
                        f.write_str("; ")?;
                    }
                    write!(f, "{c}")?;
                }
                f.write_str(" (give the configuration the campaign ran with)")
            }
        }
    }
}

impl std::error::Error for RecordsError {}

impl From<OpenError> for RecordsError {
    fn from(e: OpenError) -> Self {
        RecordsError::Open(e)
    }
}

/// Reads the attempt records of the campaign in `dir`, read-only (no lock,
/// nothing written), with `config` the configuration the campaign ran with
/// (its default time zone and compliance settings must match the stored
/// ones). `campaign` names the campaign in the records; `None` takes the
/// directory's name.
pub fn read_records(
    dir: impl AsRef<Path>,
    config: CampaignConfig,
    campaign: Option<&str>,
) -> Result<Records, RecordsError> {
    let dir = dir.as_ref();
    let name = campaign.map(str::to_owned).unwrap_or_else(|| {
        dir.canonicalize()
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| dir.display().to_string())
    });
    let builder = build::Builder::new(name);
    let (mut campaign, recovery, stored, observer) =
        Campaign::replay_observed(dir, config.clone(), Observer(Box::new(builder)))?;
    let changes = stored
        .as_deref()
        .map(|s| campaign.config_changes_from(s))
        .unwrap_or_default();
    let compliance: Vec<ConfigChange> = changes
        .iter()
        .filter(|c| c.kind == crate::ConfigFieldKind::Compliance)
        .cloned()
        .collect();
    if !compliance.is_empty() {
        return Err(RecordsError::ConfigMismatch(compliance));
    }
    let mut builder = observer
        .0
        .into_any()
        .downcast::<build::Builder>()
        .expect("the observer given is a Builder");
    let attempts = builder.finish(&campaign);
    let held_back = std::mem::take(&mut builder.held_totals);
    let first_generation = recovery.snapshot.as_ref().map_or(0, |s| s.generation);
    let now = campaign.now_ms();
    let dials_total = campaign.metrics(now).map(|m| m.dials).unwrap_or(0);
    // Every dialed fact replayed made one record and counted one dial.
    let dials_before = dials_total.saturating_sub(attempts.len() as u64);
    Ok(Records {
        attempts,
        recovery,
        dials_before,
        dials_total,
        first_generation,
        held_back,
        config,
        config_changes: changes,
        campaign,
    })
}

#[cfg(test)]
mod tests;
