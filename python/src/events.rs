//! The `Event` class: one event the host reports, built with its static
//! constructors (`Event.answered(call)`, `Event.acw_done(...)`, …) and
//! holding the engine's `Event`. Arguments are checked here (a packed call
//! id, a disposition name and what it needs), so a bad argument raises
//! before any campaign sees the event. `Campaign.handle` and
//! `Floor.handle` take it as it is.

use dialcore::event::Disposition;
use dialcore::{CallId, ContactId, Event as CoreEvent, OperatorId};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

fn call_id(call: u64) -> PyResult<CallId> {
    CallId::from_u64(call)
        .ok_or_else(|| PyValueError::new_err(format!("argument 'call': {call} is not a call id")))
}

/// One event reported by the host; build it with the static constructors
/// (`Event.answered(call)`, `Event.operator_ready(op)`, …) and pass it to
/// `Campaign.handle(event, now_ms)`.
#[pyclass(frozen, module = "dialcore._native")]
#[derive(Clone)]
pub(crate) struct Event {
    pub(crate) inner: CoreEvent,
}

#[pymethods]
impl Event {
    /// A human answered the call.
    #[staticmethod]
    fn answered(call: u64) -> PyResult<Self> {
        Ok(Event {
            inner: CoreEvent::Answered(call_id(call)?),
        })
    }
    /// An answering machine answered the call.
    #[staticmethod]
    fn answered_by_machine(call: u64) -> PyResult<Self> {
        Ok(Event {
            inner: CoreEvent::AnsweredByMachine(call_id(call)?),
        })
    }
    /// The client rejected the call (busy).
    #[staticmethod]
    fn rejected(call: u64) -> PyResult<Self> {
        Ok(Event {
            inner: CoreEvent::Rejected(call_id(call)?),
        })
    }
    /// The client could not be reached (no answer, unreachable).
    #[staticmethod]
    fn unreachable(call: u64) -> PyResult<Self> {
        Ok(Event {
            inner: CoreEvent::Unreachable(call_id(call)?),
        })
    }
    /// The PBX could not initiate the dial.
    #[staticmethod]
    fn dial_failed(call: u64) -> PyResult<Self> {
        Ok(Event {
            inner: CoreEvent::DialFailed(call_id(call)?),
        })
    }
    /// The client hung up.
    #[staticmethod]
    fn client_hung_up(call: u64) -> PyResult<Self> {
        Ok(Event {
            inner: CoreEvent::ClientHungUp(call_id(call)?),
        })
    }
    /// The call ended (operator hung up, or the PBX closed it).
    #[staticmethod]
    fn call_ended(call: u64) -> PyResult<Self> {
        Ok(Event {
            inner: CoreEvent::CallEnded(call_id(call)?),
        })
    }
    /// The operator accepted the offered contact.
    #[staticmethod]
    fn operator_accepted(operator: u32, contact: u32) -> Self {
        Event {
            inner: CoreEvent::OperatorAccepted {
                operator: OperatorId(operator),
                contact: ContactId(contact),
            },
        }
    }
    /// The operator declined the offered contact.
    #[staticmethod]
    fn operator_declined(operator: u32, contact: u32) -> Self {
        Event {
            inner: CoreEvent::OperatorDeclined {
                operator: OperatorId(operator),
                contact: ContactId(contact),
            },
        }
    }
    /// The operator pressed "Call" during before-call work.
    #[staticmethod]
    fn operator_dial_now(operator: u32, contact: u32) -> Self {
        Event {
            inner: CoreEvent::OperatorDialNow {
                operator: OperatorId(operator),
                contact: ContactId(contact),
            },
        }
    }
    /// The operator finished after-call work. With no keyword the contact
    /// is done, or, with `callback_at_ms`, called back then by anyone (the
    /// original two dispositions). `disposition` names the others:
    /// `"failed"` (done without success), `"retry"` (with `retry_delay_ms`),
    /// `"personal_callback"` (with `callback_at_ms` and
    /// `callback_expires_ms`: only this operator until then), `"blacklist"`
    /// (the contact's number); `code=N` is one of the campaign's wrap-up
    /// codes (its `dispositions` setting). A missing or extra value is a
    /// `ValueError` naming it.
    #[staticmethod]
    #[pyo3(signature = (operator, contact, callback_at_ms=None, *, disposition=None, code=None, retry_delay_ms=None, callback_expires_ms=None))]
    fn acw_done(
        operator: u32,
        contact: u32,
        callback_at_ms: Option<u64>,
        disposition: Option<&str>,
        code: Option<u16>,
        retry_delay_ms: Option<u64>,
        callback_expires_ms: Option<u64>,
    ) -> PyResult<Self> {
        let need = |v: Option<u64>, name: &str, what: &str| {
            v.ok_or_else(|| PyValueError::new_err(format!("disposition {what:?} needs {name}")))
        };
        let disposition = match (disposition, code) {
            (Some(_), Some(_)) => {
                return Err(PyValueError::new_err(
                    "give either disposition or code, not both",
                ))
            }
            (None, Some(code)) => Disposition::Code(code),
            (None, None) => match callback_at_ms {
                Some(at_ms) => Disposition::Callback { at_ms },
                None => Disposition::Done,
            },
            (Some("done"), None) => Disposition::Done,
            (Some("callback"), None) => Disposition::Callback {
                at_ms: need(callback_at_ms, "callback_at_ms", "callback")?,
            },
            (Some("failed"), None) => Disposition::Failed,
            (Some("retry"), None) => Disposition::RetryAfter {
                delay_ms: need(retry_delay_ms, "retry_delay_ms", "retry")?,
            },
            (Some("personal_callback"), None) => Disposition::PersonalCallback {
                at_ms: need(callback_at_ms, "callback_at_ms", "personal_callback")?,
                expires_ms: need(callback_expires_ms, "callback_expires_ms", "personal_callback")?,
            },
            (Some("blacklist"), None) => Disposition::Blacklist,
            (Some("blacklist_number"), None) => Disposition::BlacklistNumber,
            (Some(other), None) => {
                return Err(PyValueError::new_err(format!(
                    "argument 'disposition': {other:?} is not done, callback, failed, retry, personal_callback, blacklist or blacklist_number"
                )))
            }
        };
        let used = match disposition {
            Disposition::Callback { .. } => [true, false, false],
            Disposition::PersonalCallback { .. } => [true, false, true],
            Disposition::RetryAfter { .. } => [false, true, false],
            _ => [false, false, false],
        };
        for ((given, used), name) in [
            callback_at_ms.is_some(),
            retry_delay_ms.is_some(),
            callback_expires_ms.is_some(),
        ]
        .into_iter()
        .zip(used)
        .zip(["callback_at_ms", "retry_delay_ms", "callback_expires_ms"])
        {
            if given && !used {
                return Err(PyValueError::new_err(format!(
                    "argument '{name}' does not go with this disposition"
                )));
            }
        }
        Ok(Event {
            inner: CoreEvent::AcwDone {
                operator: OperatorId(operator),
                contact: ContactId(contact),
                disposition,
            },
        })
    }
    /// The operator logged in (paused until `operator_ready`).
    #[staticmethod]
    fn operator_login(operator: u32) -> Self {
        Event {
            inner: CoreEvent::OperatorLogin(OperatorId(operator)),
        }
    }
    /// The operator is ready for calls.
    #[staticmethod]
    fn operator_ready(operator: u32) -> Self {
        Event {
            inner: CoreEvent::OperatorReady(OperatorId(operator)),
        }
    }
    /// The operator pauses (after the current call, if any).
    #[staticmethod]
    fn operator_pause(operator: u32) -> Self {
        Event {
            inner: CoreEvent::OperatorPause(OperatorId(operator)),
        }
    }
    /// The operator logs out (after the current call, if any).
    #[staticmethod]
    fn operator_logout(operator: u32) -> Self {
        Event {
            inner: CoreEvent::OperatorLogout(OperatorId(operator)),
        }
    }
    /// Announced ahead: the operator pauses or logs out at `at_ms` (no
    /// state changes; the pacer stops counting the operator past then).
    #[staticmethod]
    fn operator_leaving(operator: u32, at_ms: u64) -> Self {
        Event {
            inner: CoreEvent::OperatorLeaving {
                operator: OperatorId(operator),
                at_ms,
            },
        }
    }
    /// Admin: stop offering and dialing.
    #[staticmethod]
    fn pause() -> Self {
        Event {
            inner: CoreEvent::Pause,
        }
    }
    /// Admin: go on after a pause.
    #[staticmethod]
    fn resume() -> Self {
        Event {
            inner: CoreEvent::Resume,
        }
    }
    /// Admin: end the campaign.
    #[staticmethod]
    fn cancel() -> Self {
        Event {
            inner: CoreEvent::Cancel,
        }
    }
    /// Admin: delete a contact.
    #[staticmethod]
    fn remove(contact: u32) -> Self {
        Event {
            inner: CoreEvent::Remove(ContactId(contact)),
        }
    }
    /// Admin: add a number (E.164 digits) to the blacklist.
    #[staticmethod]
    fn blacklist_add(number: u64) -> Self {
        Event {
            inner: CoreEvent::BlacklistAdd(number),
        }
    }
    /// Admin: remove a number (E.164 digits) from the blacklist.
    #[staticmethod]
    fn blacklist_remove(number: u64) -> Self {
        Event {
            inner: CoreEvent::BlacklistRemove(number),
        }
    }
    /// The event's name (`"Answered"`, `"OperatorReady"`, …).
    #[getter]
    fn name(&self) -> &'static str {
        self.inner.name()
    }
    fn __repr__(&self) -> String {
        format!("Event({:?})", self.inner)
    }
    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<Event>()
            .map(|o| o.get().inner == self.inner)
            .unwrap_or(false)
    }
    fn __hash__(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.inner.hash(&mut h);
        h.finish()
    }
}
