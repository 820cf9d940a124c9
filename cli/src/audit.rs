//! `dialcore audit DIR`: what an auditor asks of a campaign, checked on its
//! attempt records ([`dialcore::records`]), printed as Markdown and written
//! as Markdown and HTML (with an inline SVG chart) to `--out-dir`.
//!
//! The rules, after the US Telemarketing Sales Rule (16 CFR 310.4(b)(4),
//! 310.5) and the campaign's own settings:
//!
//! 1. **Abandon rate** at most the campaign's `abandon_target` (3 % by
//!    default) over every rolling 30-day window that holds a call, per
//!    campaign; the rate per day is listed too. An abandoned call is one
//!    answered by a person and not connected to an operator within 2 s of
//!    the answer: the engine's abandons plus calls connected after a longer
//!    wait. Rate = abandoned / answered by a person. Days are UTC days.
//! 2. **Calling window**: no dial while the contact's window was closed
//!    (each one listed).
//! 3. **Blacklist**: no dial to a number blacklisted at the dial (each listed).
//! 4. **Ring time**: unanswered calls ring at least 15 s — the engine hangs
//!    up at `ring_timeout_ms`, so the rule holds when that is at least 15 s;
//!    calls the network ended sooner (Unreachable) are counted, not blamed.
//! 5. **Caps**: no contact dialed more than `retry.max_attempts` times, and
//!    no number more than `retry.max_attempts_per_24h` times in 24 hours
//!    (when set); each excess listed.
//! 6. **Abandon message**: every abandoned call got its message within 2 s
//!    (the engine's abandon came within 2 s of the answer); each abandoned
//!    call is listed with its flag.
//! 7. **Records kept**: one record per dial the campaign counted — none
//!    lost to pruned journals (`JournalRetention::Prune`: a snapshot deletes
//!    the history before it; the default archives it and the records read
//!    the archive) or to journal damage. A failure names the attempts gone
//!    (1 to N), the first journal generation read and the first record's
//!    dial time.
//!
//! After the rules, a table of the contacts held back, by reason (the
//! journal's `held back` records: calling window, number busy, 24 h cap,
//! paused, blacklisted, attempts used up), every reason listed.
//!
//! The command exits with [`EXIT_AUDIT_FAILED`] (3) when a rule was broken,
//! after printing and writing the report.

mod render;

use std::collections::BTreeMap;
use std::path::PathBuf;

use dialcore::records::{format_time, AttemptRecord, Records, ABANDON_MESSAGE_MS};

use crate::error::CliError;
use crate::records::{write_file, SourceArgs};

/// Exit code of an audit that found a broken rule.
pub const EXIT_AUDIT_FAILED: u8 = 3;

/// The TSR's minimum ring time before an unanswered call is hung up.
pub const MIN_RING_MS: u64 = 15_000;

const DAY_MS: u64 = 86_400_000;

/// Arguments of `dialcore audit`.
#[derive(Debug, clap::Args)]
pub struct AuditArgs {
    /// The directory and its configuration.
    #[command(flatten)]
    pub source: SourceArgs,
    /// Where to write `audit.md` and `audit.html` (default: the current
    /// directory).
    #[arg(long, value_name = "D", default_value = ".")]
    pub out_dir: PathBuf,
}

/// One rule's verdict.
#[derive(Debug, Clone)]
pub struct Rule {
    /// The rule's title.
    pub title: &'static str,
    /// Whether it held.
    pub passed: bool,
    /// One line saying what was found.
    pub summary: String,
    /// The offending (or listed) items, one line each.
    pub items: Vec<String>,
}

/// Abandon figures of one UTC day.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Day {
    /// Calls answered by a person.
    pub answered: u64,
    /// Of those, abandoned (the TSR's sense).
    pub abandoned: u64,
    /// Abandoned / answered over the 30 days ending with this day.
    pub rate_30d: f64,
}

impl Day {
    /// Abandoned / answered that day (0 without answers).
    pub fn rate(&self) -> f64 {
        ratio(self.abandoned, self.answered)
    }
}

/// The audit of one campaign.
#[derive(Debug)]
pub struct Audit {
    /// The campaign's name.
    pub campaign: String,
    /// The attempts audited.
    pub attempts: usize,
    /// First and last dial.
    pub span: Option<(u64, u64)>,
    /// The abandon target audited against.
    pub target: f64,
    /// Per UTC day (day number since the epoch).
    pub days: BTreeMap<u64, Day>,
    /// The rules, in the order of the module doc.
    pub rules: Vec<Rule>,
    /// Hold-backs journaled, per reason (the guard that held a contact
    /// back instead of dialing it): every reason, zero counts included.
    pub held_back: Vec<(dialcore::records::HoldReason, u64)>,
}

impl Audit {
    /// True when every rule held.
    pub fn passed(&self) -> bool {
        self.rules.iter().all(|r| r.passed)
    }
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

fn pct(x: f64) -> String {
    format!("{:.2} %", x * 100.0)
}

/// Whether a record is an abandoned call in the TSR's sense.
fn tsr_abandoned(r: &AttemptRecord) -> bool {
    r.abandoned || (r.connect_at.is_some() && r.wait_ms.is_some_and(|w| w > ABANDON_MESSAGE_MS))
}

fn human_answered(r: &AttemptRecord) -> bool {
    r.answer_at.is_some() && !r.machine
}

fn who(r: &AttemptRecord) -> String {
    format!(
        "{} contact {} (external id {:?}) number +{} attempt {}",
        format_time(r.dial_at),
        r.contact.0,
        r.external_id,
        r.number,
        r.attempt
    )
}

/// Checks every rule on `records`.
pub fn audit(records: &Records) -> Audit {
    let rs = &records.attempts;
    let config = &records.config;
    let campaign = rs
        .first()
        .map(|r| r.campaign.to_string())
        .unwrap_or_else(|| records.recovery.dir.display().to_string());
    let target = config.abandon_target;
    let mut rules = Vec::new();

    // 1. Abandon rate per day and over rolling 30 days.
    let mut days: BTreeMap<u64, Day> = BTreeMap::new();
    for r in rs.iter().filter(|r| human_answered(r)) {
        let day = days
            .entry(r.answer_at.unwrap_or(r.dial_at) / DAY_MS)
            .or_default();
        day.answered += 1;
        day.abandoned += u64::from(tsr_abandoned(r));
    }
    let keys: Vec<u64> = days.keys().copied().collect();
    for &d in &keys {
        let (mut answered, mut abandoned) = (0, 0);
        for (_, day) in days.range(d.saturating_sub(29)..=d) {
            answered += day.answered;
            abandoned += day.abandoned;
        }
        days.get_mut(&d).expect("key").rate_30d = ratio(abandoned, answered);
    }
    let worst = days
        .iter()
        .max_by(|a, b| a.1.rate_30d.total_cmp(&b.1.rate_30d));
    let over: Vec<String> = days
        .iter()
        .filter(|(_, d)| d.rate_30d > target)
        .map(|(&k, d)| {
            format!(
                "30 days ending {}: {} ({} of {})",
                day_name(k),
                pct(d.rate_30d),
                d.abandoned,
                d.answered
            )
        })
        .collect();
    rules.push(Rule {
        title: "Abandon rate over every rolling 30 days",
        passed: over.is_empty(),
        summary: match worst {
            Some((&k, d)) => format!(
                "highest 30-day rate {} (30 days ending {}), target {}",
                pct(d.rate_30d),
                day_name(k),
                pct(target)
            ),
            None => "no call answered by a person".to_owned(),
        },
        items: over,
    });

    // 2. Calling window.
    let outside: Vec<String> = rs
        .iter()
        .filter(|r| !r.in_window)
        .map(|r| format!("{} in zone {}", who(r), r.zone))
        .collect();
    rules.push(Rule {
        title: "Calls outside the contact's calling window",
        passed: outside.is_empty(),
        summary: format!("{} of {} dials outside the window", outside.len(), rs.len()),
        items: outside,
    });

    // 3. Blacklist.
    let black: Vec<String> = rs
        .iter()
        .filter(|r| r.blacklisted_at_dial)
        .map(who)
        .collect();
    rules.push(Rule {
        title: "Dials to numbers blacklisted at dial time",
        passed: black.is_empty(),
        summary: format!("{} dials to blacklisted numbers", black.len()),
        items: black,
    });

    // 4. Ring time.
    let short = rs
        .iter()
        .filter(|r| {
            r.answer_at.is_none()
                && r.outcome == dialcore::Outcome::NoAnswer
                && r.ring_ms.is_some_and(|m| m < MIN_RING_MS)
        })
        .count();
    let ring_ok = config.ring_timeout_ms >= MIN_RING_MS;
    rules.push(Rule {
        title: "Ring time minimum (15 s) respected",
        passed: ring_ok,
        summary: format!(
            "the engine hangs up unanswered calls after {} s{}; {short} unanswered calls ended sooner by the network (Unreachable)",
            config.ring_timeout_ms as f64 / 1000.0,
            if ring_ok { "" } else { ", below 15 s" },
        ),
        items: Vec::new(),
    });

    // 5. Caps.
    let mut caps = Vec::new();
    let max = config.retry.max_attempts;
    for r in rs.iter().filter(|r| max > 0 && r.attempt > max) {
        caps.push(format!(
            "{}: attempt {} over the cap of {max}",
            who(r),
            r.attempt
        ));
    }
    let per_day = config.retry.max_attempts_per_24h;
    for r in rs
        .iter()
        .filter(|r| per_day > 0 && r.dials_24h > u32::from(per_day))
    {
        caps.push(format!(
            "{}: dial {} to the number in 24 h, cap {per_day}",
            who(r),
            r.dials_24h
        ));
    }
    rules.push(Rule {
        title: "Per-contact and per-number caps respected",
        passed: caps.is_empty(),
        summary: format!(
            "{} dials over a cap (max_attempts {max}, max_attempts_per_24h {})",
            caps.len(),
            if per_day == 0 {
                "off".to_owned()
            } else {
                per_day.to_string()
            }
        ),
        items: caps,
    });

    // 6. Abandon message.
    let abandoned: Vec<&AttemptRecord> = rs.iter().filter(|r| r.abandoned).collect();
    let late = abandoned
        .iter()
        .filter(|r| r.message_within_2s != Some(true))
        .count();
    rules.push(Rule {
        title: "Abandoned calls got their message within 2 s",
        passed: late == 0,
        summary: format!(
            "{} abandoned calls, {late} without the message within 2 s",
            abandoned.len()
        ),
        items: abandoned
            .iter()
            .map(|r| {
                format!(
                    "{}: waited {} ms, message within 2 s: {}",
                    who(r),
                    r.wait_ms.unwrap_or(0),
                    if r.message_within_2s == Some(true) {
                        "yes"
                    } else {
                        "NO"
                    }
                )
            })
            .collect(),
    });

    // 7. Records kept.
    let lost = records.recovery.records_lost();
    let mut kept_items = Vec::new();
    if records.dials_before > 0 {
        let g = records.first_generation;
        let until = rs.first().map_or_else(String::new, |f| {
            format!("; every dial before {}", format_time(f.dial_at))
        });
        kept_items.push(format!(
            "attempts 1 to {} of the campaign (in the journals before generation {g}, \
             pruned after snapshots{until}) are gone: keep them with \
             DurableOptions::journal_retention = Archive",
            records.dials_before
        ));
    }
    if lost > 0 {
        kept_items.push(format!("{lost} journal records lost to damage"));
    }
    let open = rs.iter().filter(|r| !r.complete).count();
    rules.push(Rule {
        title: "Records kept for every call",
        passed: kept_items.is_empty(),
        summary: format!(
            "{} records for {} dials counted ({open} still in progress at the end of the journal)",
            rs.len(),
            records.dials_total
        ),
        items: kept_items,
    });

    Audit {
        campaign,
        attempts: rs.len(),
        span: rs
            .first()
            .map(|f| (f.dial_at, rs.last().map_or(f.dial_at, |l| l.dial_at))),
        target,
        days,
        rules,
        held_back: dialcore::records::HoldReason::ALL
            .into_iter()
            .map(|r| (r, records.held_back.get(&r).copied().unwrap_or(0)))
            .collect(),
    }
}

/// The UTC date of a day number.
pub fn day_name(day: u64) -> String {
    format_time(day * DAY_MS)[..10].to_owned()
}

/// Runs `dialcore audit`: returns the Markdown to print and whether every
/// rule held; writes `audit.md` and `audit.html` to the output directory.
pub fn run(args: &AuditArgs) -> Result<(String, bool), CliError> {
    let records = args.source.read()?;
    let audit = audit(&records);
    let markdown = render::markdown(&audit);
    let html = render::html(&audit);
    std::fs::create_dir_all(&args.out_dir)
        .map_err(|e| CliError::input(format!("cannot create {}: {e}", args.out_dir.display())))?;
    write_file(&args.out_dir.join("audit.md"), markdown.as_bytes())?;
    write_file(&args.out_dir.join("audit.html"), html.as_bytes())?;
    Ok((markdown, audit.passed()))
}
