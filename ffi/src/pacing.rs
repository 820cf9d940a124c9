//! Pacing and its timing: which predictive pacer a campaign uses
//! (`dc_pacer`, `dc_campaign_set_pacer`), the figures it and the host watch
//! (`dc_metrics`, `dc_campaign_metrics`), and when the host must poll next
//! (`dc_campaign_next_deadline`, with the whole "when to poll" rule).

use engine::Metrics;

use crate::{dc_campaign, dc_status, run, with_campaign, write_out, Fail};

/// Which pacer decides how many predictive calls to start at a poll.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum dc_pacer {
    /// `predictive_ratio` calls in flight per ready operator (the default of
    /// `dc_campaign_new`: predictable, what hosts had before).
    FixedRatio = 0,
    /// The dialcore pacer: progressive 1:1 until its estimates have enough
    /// samples, then as many calls as keep the predicted abandon rate under
    /// the target (see docs/PACING.md).
    Dialcore = 1,
}

/// Selects the predictive pacer (`dc_pacer`, read as an integer). The
/// engine's abandon guard caps whichever is chosen. The statistics the
/// pacers read are kept across the switch.
#[no_mangle]
pub unsafe extern "C" fn dc_campaign_set_pacer(
    campaign: *mut dc_campaign,
    pacer: u32,
) -> dc_status {
    run(|| {
        let pacer: Box<dyn engine::Pacer> = match pacer {
            0 => {
                // SAFETY: the campaign pointer per the contract.
                let ratio = unsafe {
                    with_campaign(campaign, |inner| {
                        Ok(inner.campaign.config().predictive_ratio)
                    })
                }?;
                Box::new(engine::FixedRatioPacer::new(ratio))
            }
            1 => Box::new(engine::DialcorePacer::default()),
            other => return Err(Fail::invalid(format!("pacer {other} is not a dc_pacer"))),
        };
        // SAFETY: the campaign pointer per the contract.
        unsafe {
            with_campaign(campaign, |inner| {
                inner.campaign.set_pacer(pacer);
                Ok(())
            })
        }
    })
}

/// Writes the campaign's figures at `now_ms` to `*out`; `DC_STATUS_TIME_OUT_OF_RANGE`
/// (nothing written) for `now_ms` past `DC_MAX_TIME_MS`.
#[no_mangle]
pub unsafe extern "C" fn dc_campaign_metrics(
    campaign: *const dc_campaign,
    now_ms: u64,
    out: *mut dc_metrics,
) -> dc_status {
    run(|| {
        if out.is_null() {
            return Err(Fail::null("out"));
        }
        // SAFETY: the campaign pointer per the contract.
        let m = unsafe { with_campaign(campaign, |inner| Ok(inner.campaign.metrics(now_ms)?)) }?;
        // SAFETY: checked non-NULL above.
        unsafe { write_out(out, m.into(), "out") }
    })
}

/// Writes when the host must poll next (ms since the epoch) to `*out_ms`.
///
/// **When to poll.** A host calls `dc_campaign_poll` (1) after every call
/// that returned `DC_STATUS_OK` and changed the campaign (every accepted
/// `dc_campaign_handle`, adding contacts, blacklist changes): an operator
/// getting ready, a resume or new contacts may let the engine offer or dial,
/// and an answered call waits for that poll to be connected; and (2) when
/// its clock reaches the time written here. That time is the latest time
/// seen (so: now) while a poll is needed — commands held back by `cap`,
/// due work (`dc_campaign_pending` > 0), or a change since the last poll —
/// else the earliest pending timer, or `UINT64_MAX` when there is none.
/// `dc_campaign_handle` never hands out a command itself: every Dial, Offer
/// and Connect is made in `dc_campaign_poll`, through the compliance guards,
/// at the moment it is handed out.
#[no_mangle]
pub unsafe extern "C" fn dc_campaign_next_deadline(
    campaign: *const dc_campaign,
    out_ms: *mut u64,
) -> dc_status {
    run(|| {
        if out_ms.is_null() {
            return Err(Fail::null("out_ms"));
        }
        // SAFETY: the campaign pointer per the contract.
        let at = unsafe {
            with_campaign(campaign, |inner| {
                Ok(if inner.pending.is_empty() {
                    inner.campaign.next_deadline().unwrap_or(u64::MAX)
                } else {
                    inner.campaign.now_ms()
                })
            })
        }?;
        // SAFETY: checked non-NULL above.
        unsafe { write_out(out_ms, at, "out_ms") }
    })
}

/// Figures of a running campaign (`dc_campaign_metrics`).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct dc_metrics {
    /// Dials issued (attempts).
    pub dials: u64,
    /// Calls answered by a human.
    pub answered: u64,
    /// Calls answered by a machine.
    pub machine: u64,
    /// Calls connected to an operator.
    pub connected: u64,
    /// Answered calls dropped before an operator came.
    pub abandoned: u64,
    /// Abandoned / human-answered over the campaign's life.
    pub abandon_rate: f64,
    /// The same over the last 24 hours.
    pub abandon_rate_24h: f64,
    /// The same over the last 30 days.
    pub abandon_rate_30d: f64,
    /// Talk time / logged-in time of all operators.
    pub occupancy: f64,
    /// Total talk time, ms.
    pub talk_ms: u64,
    /// Total logged-in time, ms.
    pub logged_in_ms: u64,
    /// Operators ready now.
    pub ready_operators: u32,
    /// Operators logged in now.
    pub logged_in_operators: u32,
    /// Calls ringing now.
    pub ringing: u32,
    /// Answered calls waiting for an operator now.
    pub waiting: u32,
    /// Calls the engine hung up because a watchdog fired.
    pub watchdog_hangups: u64,
    /// Operators the engine paused for refusing offers in a row.
    pub refusal_pauses: u64,
}

impl From<Metrics> for dc_metrics {
    fn from(m: Metrics) -> dc_metrics {
        dc_metrics {
            dials: m.dials,
            answered: m.answered,
            machine: m.machine,
            connected: m.connected,
            abandoned: m.abandoned,
            abandon_rate: m.abandon_rate,
            abandon_rate_24h: m.abandon_rate_24h,
            abandon_rate_30d: m.abandon_rate_30d,
            occupancy: m.occupancy,
            talk_ms: m.talk_ms,
            logged_in_ms: m.logged_in_ms,
            ready_operators: m.ready_operators,
            logged_in_operators: m.logged_in_operators,
            ringing: m.ringing,
            waiting: m.waiting,
            watchdog_hangups: m.watchdog_hangups,
            refusal_pauses: m.refusal_pauses,
        }
    }
}
