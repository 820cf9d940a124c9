//! The SIP ↔ engine mapping, as pure functions (the README's table).
//!
//! A final response to the customer INVITE becomes one engine event:
//! 2xx → `Answered` (or `AnsweredByMachine` when the far end says
//! `X-AMD: machine`: answering-machine detection is the PBX's media job; the
//! header is how a PBX or a test reports it); 486/600/603 → `Rejected`;
//! 404/480/408/410 → `Unreachable`; 503/429 → carrier congestion, which
//! this host reports as a `DialFailed` (the retry policy's `dial_failed`
//! rule retries it, after `retry_dial_failed_s`); any other failure, and a
//! transport error, → `DialFailed`.
//!
//! Why not `Event::Congestion`: that event gives the attempt back and makes
//! the contact due at once, which is right on a floor, where the trunk it
//! names backs off (halves its calls per second). This host runs one
//! campaign with no trunk model, so nothing would slow the next dial: a
//! carrier answering 503 to everything would be re-dialed in a tight loop.
//! A counted, delayed retry is the safe answer here; a host that runs a
//! `Floor` sends `Congestion`. A 487 after our own CANCEL reports nothing: the
//! engine already closed the attempt at its ring timeout.

use dialcore::{CallId, Event};

/// The header carrying the attempt (`<contact>-<attempt>`) on every INVITE,
/// so the far end and logs can de-duplicate.
pub const CALL_HEADER: &str = "X-Dialcore-Call";

/// The header a far end uses to report an answering machine (`machine`).
pub const AMD_HEADER: &str = "X-AMD";

/// What a final response to a customer INVITE means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FinalOutcome {
    /// 2xx from a human.
    Answered,
    /// 2xx with `X-AMD: machine`.
    Machine,
    /// 486, 600, 603.
    Rejected,
    /// 404, 408, 410, 480.
    Unreachable,
    /// 503, 429: the carrier is congested (a `DialFailed` for this
    /// one-campaign host; see the module doc).
    Congestion,
    /// Any other failure.
    Failed,
}

impl FinalOutcome {
    /// The outcome of a final status code; `amd` is the `X-AMD` header's
    /// value on a 2xx, if any.
    pub fn of_status(code: u16, amd: Option<&str>) -> FinalOutcome {
        match code {
            200..=299 => match amd {
                Some(v) if v.trim().eq_ignore_ascii_case("machine") => FinalOutcome::Machine,
                _ => FinalOutcome::Answered,
            },
            486 | 600 | 603 => FinalOutcome::Rejected,
            404 | 408 | 410 | 480 => FinalOutcome::Unreachable,
            503 | 429 => FinalOutcome::Congestion,
            _ => FinalOutcome::Failed,
        }
    }

    /// The engine event for this outcome of `call`.
    pub fn event(self, call: CallId) -> Event {
        match self {
            FinalOutcome::Answered => Event::Answered(call),
            FinalOutcome::Machine => Event::AnsweredByMachine(call),
            FinalOutcome::Rejected => Event::Rejected(call),
            FinalOutcome::Unreachable => Event::Unreachable(call),
            // No trunk backs off in this host, so congestion is a failed
            // dial (retried by the dial_failed rule; the attempt is counted).
            FinalOutcome::Congestion | FinalOutcome::Failed => Event::DialFailed(call),
        }
    }
}

/// The `X-Dialcore-Call` value of an attempt.
pub fn call_tag(call: CallId) -> String {
    format!("{}-{}", call.contact.0, call.attempt)
}

/// Parses an `X-Dialcore-Call` value back.
pub fn parse_call_tag(text: &str) -> Option<CallId> {
    let (c, a) = text.trim().split_once('-')?;
    Some(CallId {
        contact: dialcore::ContactId(c.parse().ok()?),
        attempt: a.parse().ok()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use dialcore::ContactId;

    #[test]
    fn status_codes_map_as_the_readme_table_says() {
        let call = CallId {
            contact: ContactId(7),
            attempt: 2,
        };
        let cases: &[(u16, Option<&str>, Event)] = &[
            (200, None, Event::Answered(call)),
            (200, Some("human"), Event::Answered(call)),
            (200, Some(" Machine "), Event::AnsweredByMachine(call)),
            (486, None, Event::Rejected(call)),
            (600, None, Event::Rejected(call)),
            (603, None, Event::Rejected(call)),
            (404, None, Event::Unreachable(call)),
            (408, None, Event::Unreachable(call)),
            (410, None, Event::Unreachable(call)),
            (480, None, Event::Unreachable(call)),
            (503, None, Event::DialFailed(call)),
            (429, None, Event::DialFailed(call)),
            (500, None, Event::DialFailed(call)),
            (403, None, Event::DialFailed(call)),
        ];
        for &(code, amd, want) in cases {
            assert_eq!(
                FinalOutcome::of_status(code, amd).event(call),
                want,
                "{code} {amd:?}"
            );
        }
        assert_eq!(FinalOutcome::of_status(503, None), FinalOutcome::Congestion);
    }

    proptest::proptest! {
        #[test]
        fn any_call_tag_round_trips(c in proptest::prelude::any::<u32>(), a in proptest::prelude::any::<u8>()) {
            let call = CallId { contact: ContactId(c), attempt: a };
            proptest::prop_assert_eq!(parse_call_tag(&call_tag(call)), Some(call));
        }

        /// Every status code maps to exactly one event, and only 2xx answers.
        #[test]
        fn only_2xx_answers(code in 100u16..700) {
            let call = CallId { contact: ContactId(1), attempt: 1 };
            let ev = FinalOutcome::of_status(code, None).event(call);
            proptest::prop_assert_eq!(matches!(ev, Event::Answered(_)), (200..300).contains(&code));
        }
    }

    #[test]
    fn call_tag_round_trips() {
        for (c, a) in [(0u32, 1u8), (199, 3), (u32::MAX, 255)] {
            let call = CallId {
                contact: ContactId(c),
                attempt: a,
            };
            assert_eq!(parse_call_tag(&call_tag(call)), Some(call));
        }
        assert_eq!(parse_call_tag("12"), None);
        assert_eq!(parse_call_tag("x-1"), None);
    }
}
