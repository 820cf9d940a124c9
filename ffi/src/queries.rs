//! What a status thread reads about one campaign: a contact's state, the
//! count per state, the number of contacts, and an operator's state and
//! why the engine paused it. Each reads under the lock and writes only on
//! success.

use engine::operators::OperatorState;
use engine::{ContactId, EngineError, OperatorId};

use crate::{
    dc_campaign, dc_operator_state, dc_status, run, with_campaign, write_out, Fail, DC_STATE_COUNT,
};

/// Writes the state code (`dc_state`) of `contact` to `*out_state`.
#[no_mangle]
pub unsafe extern "C" fn dc_campaign_state(
    campaign: *const dc_campaign,
    contact: u32,
    out_state: *mut u8,
) -> dc_status {
    run(|| {
        if out_state.is_null() {
            return Err(Fail::null("out_state"));
        }
        // SAFETY: the campaign pointer per the contract.
        let state = unsafe {
            with_campaign(campaign, |inner| {
                inner
                    .campaign
                    .state(ContactId(contact))
                    .ok_or_else(|| Fail::from(EngineError::UnknownContact(ContactId(contact))))
            })
        }?;
        // SAFETY: checked non-NULL above.
        unsafe { write_out(out_state, state.code(), "out_state") }
    })
}

/// Writes the contact count of each state, indexed by state code, to
/// `out[0 .. min(cap, DC_STATE_COUNT)]`, and how many were written to
/// `*written`. O(1).
#[no_mangle]
pub unsafe extern "C" fn dc_campaign_counts(
    campaign: *const dc_campaign,
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
        // SAFETY: the campaign pointer per the contract.
        let counts = unsafe { with_campaign(campaign, |inner| Ok(*inner.campaign.counts())) }?;
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

/// Writes the number of contacts of the campaign (every state) to `*out`.
#[no_mangle]
pub unsafe extern "C" fn dc_campaign_contact_count(
    campaign: *const dc_campaign,
    out: *mut usize,
) -> dc_status {
    run(|| {
        // SAFETY: the campaign pointer per the contract.
        let n = unsafe { with_campaign(campaign, |inner| Ok(inner.campaign.store().len())) }?;
        // SAFETY: out-parameter per the contract.
        unsafe { write_out(out, n, "out") }
    })
}

/// Why the engine paused an operator (`dc_campaign_operator_pause_reason`).
#[repr(u8)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum dc_pause_reason {
    /// Not paused by the engine (or no longer paused).
    None = 0,
    /// Missed offers in a row (`max_offer_refusals`, or one miss with 0).
    MissedOffers = 1,
    /// Declined offers in a row.
    DeclinedOffers = 2,
}

/// Writes why the engine paused the operator (`dc_pause_reason`) to
/// `*out_reason`: 0 when it did not, or the operator has left that pause.
#[no_mangle]
pub unsafe extern "C" fn dc_campaign_operator_pause_reason(
    campaign: *const dc_campaign,
    operator_id: u32,
    out_reason: *mut u8,
) -> dc_status {
    run(|| {
        if out_reason.is_null() {
            return Err(Fail::null("out_reason"));
        }
        let id = OperatorId(operator_id);
        // SAFETY: the campaign pointer per the contract.
        let reason = unsafe {
            with_campaign(campaign, |inner| {
                let ops = inner.campaign.operators();
                if !ops.contains(id) {
                    return Err(Fail::from(EngineError::UnknownOperator(id)));
                }
                Ok(ops.pause_reason(id).map_or(0, |r| r as u8))
            })
        }?;
        // SAFETY: checked non-NULL above.
        unsafe { write_out(out_reason, reason, "out_reason") }
    })
}

/// Writes the operator's state code (`dc_operator_state`) to `*out_state`.
#[no_mangle]
pub unsafe extern "C" fn dc_campaign_operator_state(
    campaign: *const dc_campaign,
    operator_id: u32,
    out_state: *mut u8,
) -> dc_status {
    run(|| {
        if out_state.is_null() {
            return Err(Fail::null("out_state"));
        }
        let id = OperatorId(operator_id);
        // SAFETY: the campaign pointer per the contract.
        let state = unsafe {
            with_campaign(campaign, |inner| {
                inner
                    .campaign
                    .operators()
                    .state(id)
                    .ok_or_else(|| Fail::from(EngineError::UnknownOperator(id)))
            })
        }?;
        let code = state as u8;
        debug_assert_eq!(OperatorState::Acw as u8, dc_operator_state::Acw as u8);
        // SAFETY: checked non-NULL above.
        unsafe { write_out(out_state, code, "out_state") }
    })
}
