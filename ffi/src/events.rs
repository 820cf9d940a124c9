//! Events from the host: the `dc_event` struct with its kind and
//! disposition enums, `read_event` (which checks every enum field as an
//! integer before it becomes an engine `Event`; the floor reads its events
//! through it too), and `dc_campaign_handle`, which applies one event.
//! Applying never hands out a command; the next `dc_campaign_poll` does.

use engine::{CallId, ContactId, Disposition, Event, OperatorId};

use crate::{dc_campaign, dc_status, run, with_campaign, Fail};

/// What happened, reported by the host to `dc_campaign_handle`.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum dc_event_kind {
    /// A human answered. Uses `contact`, `attempt`.
    Answered = 0,
    /// An answering machine answered. Uses `contact`, `attempt`.
    AnsweredByMachine = 1,
    /// The client rejected the call (busy). Uses `contact`, `attempt`.
    Rejected = 2,
    /// No answer / unreachable. Uses `contact`, `attempt`.
    Unreachable = 3,
    /// The PBX could not initiate the dial. Uses `contact`, `attempt`.
    DialFailed = 4,
    /// The client hung up. Uses `contact`, `attempt`.
    ClientHungUp = 5,
    /// The call ended. Uses `contact`, `attempt`.
    CallEnded = 6,
    /// The operator accepted the offered contact. Uses `operator_id`, `contact`.
    OperatorAccepted = 7,
    /// The operator declined the offered contact. Uses `operator_id`, `contact`.
    OperatorDeclined = 8,
    /// The operator pressed "Call" during BCW. Uses `operator_id`, `contact`.
    OperatorDialNow = 9,
    /// The operator finished after-call work. Uses `operator_id`, `contact`,
    /// `disposition` and what it needs: `callback_at_ms` (CALLBACK,
    /// PERSONAL_CALLBACK), `callback_expires_ms` (PERSONAL_CALLBACK),
    /// `retry_delay_ms` (RETRY_AFTER), `disposition_code` (CODE).
    AcwDone = 10,
    /// The operator logged in (paused until ready). Uses `operator_id`.
    OperatorLogin = 11,
    /// The operator is ready for calls. Uses `operator_id`.
    OperatorReady = 12,
    /// The operator pauses (after the current call). Uses `operator_id`.
    OperatorPause = 13,
    /// The operator logs out (after the current call). Uses `operator_id`.
    OperatorLogout = 14,
    /// Admin: stop offering and dialing; live calls go on.
    Pause = 15,
    /// Admin: go on after a pause.
    Resume = 16,
    /// Admin: end the campaign.
    Cancel = 17,
    /// Admin: delete a contact. Uses `contact`.
    Remove = 18,
    /// Admin: add a number (E.164 digits) to the blacklist. Uses `number`.
    BlacklistAdd = 19,
    /// Admin: remove a number from the blacklist. Uses `number`.
    BlacklistRemove = 20,
    /// Announced ahead: the operator pauses or logs out at `callback_at_ms`
    /// (a scheduled break, the end of a shift); no state changes, the pacer
    /// stops counting the operator past that time. Uses `operator_id`,
    /// `callback_at_ms`.
    OperatorLeaving = 21,
    /// The carrier refused the call for congestion (SIP 503 or 429): the
    /// contact returns without counting an attempt; on a floor, its trunk
    /// backs off. Uses `contact`, `attempt`.
    Congestion = 22,
}

/// What the operator recorded at the end of after-call work.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum dc_disposition {
    /// The contact is done: Success.
    Done = 0,
    /// Call back at `callback_at_ms`, any operator.
    Callback = 1,
    /// Done without success: RejectedByOperator, never dialed again.
    Failed = 2,
    /// Try again after `retry_delay_ms`.
    RetryAfter = 3,
    /// Call back at `callback_at_ms`, only this operator until
    /// `callback_expires_ms`, then anyone.
    PersonalCallback = 4,
    /// Blacklist every number of the contact; the contact ends Blacklisted.
    Blacklist = 5,
    /// The campaign's wrap-up code `disposition_code` (`dc_config.dispositions`).
    Code = 6,
    /// Blacklist only the number the call dialed; the contact goes on with
    /// its next number (RETRY_SCHEDULED, due at once), or ends Blacklisted
    /// when none of its numbers is left off the blacklist.
    BlacklistNumber = 7,
}

/// One event for `dc_campaign_handle`. Zero-initialize it and set the fields
/// the `kind` uses; the others are ignored.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct dc_event {
    /// What happened.
    pub kind: dc_event_kind,
    /// The contact (call events: with `attempt`, as in the Dial command).
    pub contact: u32,
    /// The attempt number of the call, as in the Dial command.
    pub attempt: u8,
    /// The operator (operator events).
    pub operator_id: u32,
    /// E.164 digits (blacklist events).
    pub number: u64,
    /// `DC_EVENT_KIND_ACW_DONE`: what the operator recorded.
    pub disposition: dc_disposition,
    /// `DC_DISPOSITION_CALLBACK`: when to call back, ms since the epoch;
    /// `DC_EVENT_KIND_OPERATOR_LEAVING`: when the operator leaves.
    pub callback_at_ms: u64,
    /// `DC_DISPOSITION_PERSONAL_CALLBACK`: until when only this operator
    /// may take it, ms since the epoch.
    pub callback_expires_ms: u64,
    /// `DC_DISPOSITION_RETRY_AFTER`: the delay, ms.
    pub retry_delay_ms: u64,
    /// `DC_DISPOSITION_CODE`: the wrap-up code (0..=65535).
    pub disposition_code: u32,
}

const EVENT_KINDS: [dc_event_kind; 23] = [
    dc_event_kind::Answered,
    dc_event_kind::AnsweredByMachine,
    dc_event_kind::Rejected,
    dc_event_kind::Unreachable,
    dc_event_kind::DialFailed,
    dc_event_kind::ClientHungUp,
    dc_event_kind::CallEnded,
    dc_event_kind::OperatorAccepted,
    dc_event_kind::OperatorDeclined,
    dc_event_kind::OperatorDialNow,
    dc_event_kind::AcwDone,
    dc_event_kind::OperatorLogin,
    dc_event_kind::OperatorReady,
    dc_event_kind::OperatorPause,
    dc_event_kind::OperatorLogout,
    dc_event_kind::Pause,
    dc_event_kind::Resume,
    dc_event_kind::Cancel,
    dc_event_kind::Remove,
    dc_event_kind::BlacklistAdd,
    dc_event_kind::BlacklistRemove,
    dc_event_kind::OperatorLeaving,
    dc_event_kind::Congestion,
];

#[inline]
pub(crate) unsafe fn read_event(p: *const dc_event) -> Result<Event, Fail> {
    let raw_kind = read_u32!(p, kind);
    let Some(&kind) = EVENT_KINDS.get(raw_kind as usize) else {
        return Err(Fail::invalid(format!(
            "event.kind {raw_kind} is not a dc_event_kind"
        )));
    };
    let contact = ContactId(read_plain!(p, contact));
    let operator = OperatorId(read_plain!(p, operator_id));
    let call = CallId {
        contact,
        attempt: read_plain!(p, attempt),
    };
    use dc_event_kind as K;
    Ok(match kind {
        K::Answered => Event::Answered(call),
        K::AnsweredByMachine => Event::AnsweredByMachine(call),
        K::Rejected => Event::Rejected(call),
        K::Unreachable => Event::Unreachable(call),
        K::DialFailed => Event::DialFailed(call),
        K::ClientHungUp => Event::ClientHungUp(call),
        K::CallEnded => Event::CallEnded(call),
        K::OperatorAccepted => Event::OperatorAccepted { operator, contact },
        K::OperatorDeclined => Event::OperatorDeclined { operator, contact },
        K::OperatorDialNow => Event::OperatorDialNow { operator, contact },
        K::AcwDone => {
            let disposition = match read_u32!(p, disposition) {
                0 => Disposition::Done,
                1 => Disposition::Callback {
                    at_ms: read_plain!(p, callback_at_ms),
                },
                2 => Disposition::Failed,
                3 => Disposition::RetryAfter {
                    delay_ms: read_plain!(p, retry_delay_ms),
                },
                4 => Disposition::PersonalCallback {
                    at_ms: read_plain!(p, callback_at_ms),
                    expires_ms: read_plain!(p, callback_expires_ms),
                },
                5 => Disposition::Blacklist,
                6 => {
                    let code: u32 = read_plain!(p, disposition_code);
                    let code = u16::try_from(code).map_err(|_| {
                        Fail::invalid(format!(
                            "event.disposition_code {code} is not a wrap-up code (0..=65535)"
                        ))
                    })?;
                    Disposition::Code(code)
                }
                7 => Disposition::BlacklistNumber,
                d => {
                    return Err(Fail::invalid(format!(
                        "event.disposition {d} is not a dc_disposition"
                    )))
                }
            };
            Event::AcwDone {
                operator,
                contact,
                disposition,
            }
        }
        K::OperatorLogin => Event::OperatorLogin(operator),
        K::OperatorReady => Event::OperatorReady(operator),
        K::OperatorPause => Event::OperatorPause(operator),
        K::OperatorLogout => Event::OperatorLogout(operator),
        K::Pause => Event::Pause,
        K::Resume => Event::Resume,
        K::Cancel => Event::Cancel,
        K::Remove => Event::Remove(contact),
        K::BlacklistAdd => Event::BlacklistAdd(read_plain!(p, number)),
        K::BlacklistRemove => Event::BlacklistRemove(read_plain!(p, number)),
        K::OperatorLeaving => Event::OperatorLeaving {
            operator,
            at_ms: read_plain!(p, callback_at_ms),
        },
        K::Congestion => Event::Congestion(call),
    })
}

/// Applies one event at `now_ms` (ms since the Unix epoch). On any error
/// nothing changed: `DC_STATUS_STALE_CALL` for an older attempt,
/// `DC_STATUS_ILLEGAL_TRANSITION` / `DC_STATUS_ILLEGAL_OPERATOR_EVENT` for an
/// event the state does not allow, `DC_STATUS_UNKNOWN_CONTACT` /
/// `DC_STATUS_UNKNOWN_OPERATOR` for bad ids, `DC_STATUS_INVALID_ARGUMENT`
/// for a `kind` or `disposition` outside its enum,
/// `DC_STATUS_TIME_OUT_OF_RANGE` for `now_ms` or `callback_at_ms` past
/// `DC_MAX_TIME_MS`. Never hands out a command itself: what the event
/// decides is handed out (through the guards) by the next
/// `dc_campaign_poll`, which the host calls next (see
/// `dc_campaign_next_deadline`).
#[no_mangle]
pub unsafe extern "C" fn dc_campaign_handle(
    campaign: *mut dc_campaign,
    event: *const dc_event,
    now_ms: u64,
) -> dc_status {
    run(|| {
        if event.is_null() {
            return Err(Fail::null("event"));
        }
        // SAFETY: non-NULL, valid per the contract.
        let event = unsafe { read_event(event) }?;
        // SAFETY: the campaign pointer per the contract.
        unsafe {
            with_campaign(campaign, |inner| {
                Ok(inner.campaign.handle(event, now_ms)?)
            })
        }
    })
}
