//! Events, the one poll of the floor, and its queries.

use std::ptr;

use engine::floor::{CampaignId, PoolId};
use engine::{FloorEvent, OperatorId};

use super::{
    dc_floor, floor_ok, floor_ref, locked_floor, with_floor, DC_FLOOR_NO_CAMPAIGN,
    DC_FLOOR_NO_TRUNK,
};
use crate::{
    dc_command, dc_event, dc_metrics, dc_status, read_event, run, write_out, Fail, DC_STATE_COUNT,
};

/// One event for `dc_floor_handle`: the campaign of the call it is about
/// (as in the command it answers), or `DC_FLOOR_NO_CAMPAIGN` for an
/// operator event (login, ready, pause, logout, leaving), which names a
/// floor operator. Events about an offer or ACW (`OPERATOR_ACCEPTED`,
/// `ACW_DONE`, …) and admin events (`PAUSE`, `REMOVE`, …) name their
/// campaign.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct dc_floor_event {
    /// The campaign id, or `DC_FLOOR_NO_CAMPAIGN`.
    pub campaign: u32,
    /// The event, as for `dc_campaign_handle`; operator ids are floor-wide.
    pub event: dc_event,
}

/// One command from `dc_floor_poll`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct dc_floor_command {
    /// The campaign it belongs to: echo it in the events about this call.
    pub campaign: u32,
    /// DIAL: the trunk to place the call on (it holds a line there until
    /// the call ends), or `DC_FLOOR_NO_TRUNK`.
    pub trunk: u32,
    /// The command, as from `dc_campaign_poll`; operator ids are floor-wide.
    pub command: dc_command,
}

impl dc_floor_command {
    /// An all-zero command, to fill buffers from Rust.
    pub const fn from_zeroed() -> dc_floor_command {
        dc_floor_command {
            campaign: 0,
            trunk: 0,
            command: dc_command::from_zeroed(),
        }
    }
}

/// Operators of one pool by state (`dc_floor_pool_counts`).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct dc_pool_counts {
    /// Logged out.
    pub logged_out: u32,
    /// Paused.
    pub paused: u32,
    /// Ready (idle, for outbound or inbound).
    pub ready: u32,
    /// Reserved for inbound, idle.
    pub reserved: u32,
    /// In an outbound call (or its offer, BCW, ACW).
    pub outbound: u32,
    /// In an inbound call.
    pub inbound: u32,
    /// What pacing counts now: ready operators minus those kept for the
    /// pool's inbound target.
    pub available_outbound: u32,
}

/// Applies one event at `now_ms`. On any error nothing changed:
/// `DC_STATUS_UNKNOWN_CAMPAIGN` for a campaign id that names none (or
/// `DC_FLOOR_NO_CAMPAIGN` on a call event), `DC_STATUS_UNKNOWN_OPERATOR`
/// for an operator the floor does not have, and the codes of
/// `dc_campaign_handle` for what the campaign refuses.
/// `DC_EVENT_KIND_CONGESTION` (the carrier answered SIP 503 or 429) returns
/// the contact without counting an attempt and backs its trunk off.
#[no_mangle]
pub unsafe extern "C" fn dc_floor_handle(
    floor: *mut dc_floor,
    event: *const dc_floor_event,
    now_ms: u64,
) -> dc_status {
    run(|| {
        if event.is_null() {
            return Err(Fail::null("event"));
        }
        let campaign: u32 = read_plain!(event, campaign);
        // SAFETY: non-NULL, valid per the contract; the field is in it.
        let ev = unsafe { read_event(ptr::addr_of!((*event).event)) }?;
        let campaign = (campaign != DC_FLOOR_NO_CAMPAIGN).then_some(CampaignId(campaign));
        // SAFETY: the floor pointer per the contract.
        unsafe {
            with_floor(floor, |inner| {
                floor_ok(inner.floor.handle(
                    FloorEvent {
                        campaign,
                        event: ev,
                    },
                    now_ms,
                ))
            })
        }
    })
}

/// Fires what is due at `now_ms` in every campaign whose time has come,
/// picks the campaigns of the free operators (priority, then weighted
/// share), paces each pool, and writes up to `cap` commands of all
/// campaigns to `out`; how many goes to `*written`. Commands that do not
/// fit stay in the floor, in order, and come first from the next poll
/// (`dc_floor_pending`): call again until `*written < cap`. Never writes
/// past `cap`; `out` may be NULL when `cap` is 0.
///
/// Every command passes the guards at the moment it is written to `out`:
/// a Dial the campaign's guards and the floor's (do-not-call lists in
/// scope, caps over the floor, a number in one call at a time, a trunk
/// line and token) allowed when the poll made it. One held back by `cap`
/// is checked again when a later poll writes it: the campaign's guards
/// (as `dc_campaign_poll`) and the floor's lists and caps at that poll's
/// `now_ms` — a list entry added since, a cap lowered, a pause, a closed
/// window withdraws it. A withdrawn command is never written: a held Dial
/// ends its attempt without being dialed and its contact is due again at
/// once (its line and number are given back, the floor's caps do not
/// count it; its operator gets a REVOKE), a held Offer goes back to its
/// campaign's hopper. A command of a campaign removed since is dropped.
#[no_mangle]
pub unsafe extern "C" fn dc_floor_poll(
    floor: *mut dc_floor,
    now_ms: u64,
    out: *mut dc_floor_command,
    cap: usize,
    written: *mut usize,
) -> dc_status {
    run(|| {
        // SAFETY: `written` per the contract (checked for NULL inside).
        unsafe { crate::begin_output(out, cap, written) }?;
        // SAFETY: the floor pointer per the contract.
        let handle = unsafe { floor_ref(floor) }?;
        let n = {
            locked_floor(handle, |inner| {
                inner.scratch.clear();
                floor_ok(inner.floor.poll(now_ms, &mut inner.scratch))?;
                let mut n = 0;
                let mut put = |c: engine::FloorCommand| {
                    let cmd = dc_floor_command {
                        campaign: c.campaign.0,
                        trunk: c.trunk.map_or(DC_FLOOR_NO_TRUNK, |t| t.0),
                        command: dc_command::from_command(c.command),
                    };
                    // SAFETY: n < cap and the caller gives `cap` writable
                    // commands at `out` (non-NULL when cap > 0).
                    unsafe { out.add(n).write(cmd) };
                    n += 1;
                };
                if inner.pending.is_empty() && inner.scratch.len() <= cap {
                    inner.scratch.drain(..).for_each(&mut put);
                } else {
                    // Held commands pass the guards again now (the
                    // campaign's and the floor's): one they forbid by now
                    // is withdrawn, not handed out.
                    inner.pending.extend(inner.scratch.drain(..));
                    let mut given = 0;
                    while given < cap {
                        let Some(c) = inner.pending.pop_front() else {
                            break;
                        };
                        if floor_ok(inner.floor.recheck(&c, now_ms))? {
                            put(c);
                            given += 1;
                        }
                    }
                }
                Ok(n)
            })
        }?;
        // SAFETY: checked non-NULL above.
        unsafe { written.write(n) };
        Ok(())
    })
}

/// Writes the number of commands held back by an earlier `dc_floor_poll`'s
/// `cap` to `*out`: greater than 0 means poll now.
#[no_mangle]
pub unsafe extern "C" fn dc_floor_pending(floor: *const dc_floor, out: *mut usize) -> dc_status {
    run(|| {
        // SAFETY: the floor pointer per the contract.
        let n = unsafe { with_floor(floor, |inner| Ok(inner.pending.len())) }?;
        // SAFETY: out-parameter per the contract.
        unsafe { write_out(out, n, "out") }
    })
}

/// Writes when the host must call `dc_floor_poll` next (ms since the epoch)
/// to `*out_ms`: the earliest deadline of any campaign and of the floor's
/// own timers (a trunk's next token while a pool waits for it), `0` while
/// commands are held back (poll now), `UINT64_MAX` when there is none. Poll
/// also after every accepted event. Costs by what is due, not by the number
/// of campaigns.
#[no_mangle]
pub unsafe extern "C" fn dc_floor_next_deadline(
    floor: *const dc_floor,
    out_ms: *mut u64,
) -> dc_status {
    run(|| {
        if out_ms.is_null() {
            return Err(Fail::null("out_ms"));
        }
        // SAFETY: the floor pointer per the contract.
        let at = unsafe {
            with_floor(floor, |inner| {
                Ok(if inner.pending.is_empty() {
                    inner.floor.next_deadline().unwrap_or(u64::MAX)
                } else {
                    0
                })
            })
        }?;
        // SAFETY: checked non-NULL above.
        unsafe { write_out(out_ms, at, "out_ms") }
    })
}

/// Writes the contact count of each state of `campaign`, indexed by state
/// code, to `out[0 .. min(cap, DC_STATE_COUNT)]`, and how many were written
/// to `*written`. O(1).
#[no_mangle]
pub unsafe extern "C" fn dc_floor_counts(
    floor: *const dc_floor,
    campaign: u32,
    out: *mut u32,
    cap: usize,
    written: *mut usize,
) -> dc_status {
    run(|| {
        if written.is_null() {
            return Err(Fail::null("written"));
        }
        if out.is_null() && cap > 0 {
            return Err(Fail::null("out"));
        }
        // SAFETY: the floor pointer per the contract.
        let counts = unsafe {
            with_floor(floor, |inner| {
                Ok(*floor_ok(inner.floor.campaign(CampaignId(campaign)))?.counts())
            })
        }?;
        let n = cap.min(DC_STATE_COUNT);
        for (i, &count) in counts.0.iter().take(n).enumerate() {
            // SAFETY: i < n <= cap writable elements at `out`.
            unsafe { out.add(i).write(count) };
        }
        // SAFETY: checked non-NULL above.
        unsafe { written.write(n) };
        Ok(())
    })
}

/// Writes the figures of `campaign` at `now_ms` (its dials, answers,
/// abandons and abandon rates — the law counts per campaign —, its
/// operators' occupancy while attached to it) to `*out`.
#[no_mangle]
pub unsafe extern "C" fn dc_floor_metrics(
    floor: *mut dc_floor,
    campaign: u32,
    now_ms: u64,
    out: *mut dc_metrics,
) -> dc_status {
    run(|| {
        if out.is_null() {
            return Err(Fail::null("out"));
        }
        // SAFETY: the floor pointer per the contract.
        let m = unsafe {
            with_floor(floor, |inner| {
                let c = floor_ok(inner.floor.campaign_mut(CampaignId(campaign)))?;
                Ok(c.metrics(now_ms)?)
            })
        }?;
        // SAFETY: checked non-NULL above.
        unsafe { write_out(out, dc_metrics::from(m), "out") }
    })
}

/// Writes the operators of `pool` by state to `*out`.
#[no_mangle]
pub unsafe extern "C" fn dc_floor_pool_counts(
    floor: *const dc_floor,
    pool: u32,
    out: *mut dc_pool_counts,
) -> dc_status {
    run(|| {
        if out.is_null() {
            return Err(Fail::null("out"));
        }
        // SAFETY: the floor pointer per the contract.
        let (c, available) = unsafe {
            with_floor(floor, |inner| {
                let c = floor_ok(inner.floor.pool_counts(PoolId(pool)))?;
                let available = floor_ok(inner.floor.available_outbound(PoolId(pool)))?;
                Ok((c, available))
            })
        }?;
        let counts = dc_pool_counts {
            logged_out: c.logged_out,
            paused: c.paused,
            ready: c.ready,
            reserved: c.reserved,
            outbound: c.outbound,
            inbound: c.inbound,
            available_outbound: available,
        };
        // SAFETY: checked non-NULL above.
        unsafe { write_out(out, counts, "out") }
    })
}

/// Writes the campaign `operator` is attached to now (taking its calls) to
/// `*out_campaign`, or `DC_FLOOR_NO_CAMPAIGN` when it is attached nowhere.
/// `DC_STATUS_UNKNOWN_OPERATOR` for an id the floor does not have.
#[no_mangle]
pub unsafe extern "C" fn dc_floor_operator_campaign(
    floor: *const dc_floor,
    operator: u32,
    out_campaign: *mut u32,
) -> dc_status {
    run(|| {
        if out_campaign.is_null() {
            return Err(Fail::null("out_campaign"));
        }
        // SAFETY: the floor pointer per the contract.
        let c = unsafe {
            with_floor(floor, |inner| {
                floor_ok(inner.floor.operator_state(OperatorId(operator)))?;
                Ok(inner.floor.operator_campaign(OperatorId(operator)))
            })
        }?;
        // SAFETY: checked non-NULL above.
        unsafe {
            write_out(
                out_campaign,
                c.map_or(DC_FLOOR_NO_CAMPAIGN, |c| c.0),
                "out_campaign",
            )
        }
    })
}

/// Writes how many campaigns the floor holds to `*out`.
#[no_mangle]
pub unsafe extern "C" fn dc_floor_campaign_count(
    floor: *const dc_floor,
    out: *mut usize,
) -> dc_status {
    run(|| {
        // SAFETY: the floor pointer per the contract.
        let n = unsafe { with_floor(floor, |inner| Ok(inner.floor.campaign_ids().count())) }?;
        // SAFETY: out-parameter per the contract.
        unsafe { write_out(out, n, "out") }
    })
}
