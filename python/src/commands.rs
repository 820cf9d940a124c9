//! The `Command` class: one command from the engine to the host, converted
//! from the engine's `Command` (`Command::from_core`) into plain attributes
//! (`kind` as a string, the fields the kind has, the others `None`).
//! `Campaign.poll` and `Floor.poll` hand these out.

use dialcore::{CallId, Command as CoreCommand, ContactId};
use pyo3::prelude::*;

/// A command from the engine to the host. `kind` is one of `"offer"`,
/// `"dial"`, `"connect"`, `"abandon"`, `"hangup"`, `"revoke"`, `"play"`
/// (agentless mode: play the message on the answered call); the other
/// attributes are `None` when the kind has no such field. `call` is the
/// packed call id (`contact << 8 | attempt`) to echo in call events.
#[pyclass(frozen, get_all, module = "dialcore._native")]
#[derive(Clone, PartialEq, Eq, Hash)]
pub(crate) struct Command {
    /// `"offer"`, `"dial"`, `"connect"`, `"abandon"`, `"hangup"`, `"revoke"` or `"play"`.
    kind: &'static str,
    /// The contact the command is about.
    contact: u32,
    /// The operator (offer, connect, revoke; a preview/progressive dial), else None.
    operator: Option<u32>,
    /// The packed call id (`contact << 8 | attempt`) to echo in call events, or None.
    call: Option<u64>,
    /// The attempt number of the call (1 for the first dial), or None.
    attempt: Option<u8>,
    /// Dial: the number to call, E.164 digits; else None.
    number: Option<u64>,
    /// Dial: the caller ID to present, E.164 digits; None: the PBX picks
    /// one (and for other kinds).
    caller_id: Option<u64>,
    /// Dial: which of the contact's numbers it is (0 for the first); else None.
    number_index: Option<u8>,
}

impl Command {
    pub(crate) fn from_core(c: &CoreCommand) -> Command {
        let base = |kind, contact: ContactId| Command {
            kind,
            contact: contact.0,
            operator: None,
            call: None,
            attempt: None,
            number: None,
            caller_id: None,
            number_index: None,
        };
        let with_call = |kind, call: CallId| Command {
            call: Some(call.to_u64()),
            attempt: Some(call.attempt),
            ..base(kind, call.contact)
        };
        match *c {
            CoreCommand::Offer { contact, operator } => Command {
                operator: Some(operator.0),
                ..base("offer", contact)
            },
            CoreCommand::Dial {
                call,
                number,
                number_index,
                operator,
                caller_id,
            } => Command {
                number: Some(number),
                caller_id,
                number_index: Some(number_index),
                operator: operator.map(|o| o.0),
                ..with_call("dial", call)
            },
            CoreCommand::Connect { call, operator } => Command {
                operator: Some(operator.0),
                ..with_call("connect", call)
            },
            CoreCommand::Abandon { call } => with_call("abandon", call),
            CoreCommand::Hangup { call } => with_call("hangup", call),
            CoreCommand::Revoke { contact, operator } => Command {
                operator: Some(operator.0),
                ..base("revoke", contact)
            },
            CoreCommand::Play { call } => with_call("play", call),
        }
    }
}

#[pymethods]
impl Command {
    fn __repr__(&self) -> String {
        let mut s = format!("Command(kind={:?}, contact={}", self.kind, self.contact);
        if let Some(o) = self.operator {
            s += &format!(", operator={o}");
        }
        if let Some(c) = self.call {
            s += &format!(", call={c}");
        }
        if let Some(a) = self.attempt {
            s += &format!(", attempt={a}");
        }
        if let Some(n) = self.number {
            s += &format!(", number={n}");
        }
        if let Some(n) = self.caller_id {
            s += &format!(", caller_id={n}");
        }
        s + ")"
    }
    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<Command>()
            .map(|o| o.get() == self)
            .unwrap_or(false)
    }
    fn __hash__(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.hash(&mut h);
        h.finish()
    }
}
