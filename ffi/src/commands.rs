//! Commands to the host: the `dc_command` struct a poll fills and its
//! conversion from the engine's `Command`. Every field is plain data, so a
//! buffer of commands can be zero-initialized on either side.

use engine::{CallId, Command, OperatorId};

/// What the engine asks the host to do.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum dc_command_kind {
    /// Show `contact` to operator `operator_id`; answer with OPERATOR_ACCEPTED or _DECLINED.
    Offer = 0,
    /// Dial `number` for call (`contact`, `attempt`); `operator_id` is bound
    /// when `has_operator` (preview, progressive, reserved retries).
    Dial = 1,
    /// Bridge the answered call (`contact`, `attempt`) to `operator_id`.
    Connect = 2,
    /// Play the abandon message and hang up call (`contact`, `attempt`).
    Abandon = 3,
    /// Hang up call (`contact`, `attempt`): ring timeout.
    Hangup = 4,
    /// Withdraw the offer or BCW of `contact` from `operator_id`'s screen.
    Revoke = 5,
    /// Agentless: play the message on the answered call (`contact`,
    /// `attempt`), then hang up.
    Play = 6,
}

/// One command from `dc_campaign_poll`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct dc_command {
    /// What to do.
    pub kind: dc_command_kind,
    /// The contact.
    pub contact: u32,
    /// The attempt number of the call (0 for OFFER and REVOKE); echo it in events.
    pub attempt: u8,
    /// True when `operator_id` is meaningful.
    pub has_operator: bool,
    /// DIAL: which of the contact's numbers `number` is (0 for the first;
    /// see `dc_contact_number_at`); 0 otherwise.
    pub number_index: u8,
    /// The operator (OFFER, CONNECT, REVOKE; DIAL when `has_operator`).
    pub operator_id: u32,
    /// DIAL: the number to dial, E.164 digits (`12125550100`); 0 otherwise.
    pub number: u64,
    /// DIAL: the caller ID to present, E.164 digits; 0 = none (the PBX
    /// picks one).
    pub caller_id: u64,
}

impl dc_command {
    /// An all-zero command (an OFFER of contact 0), to fill buffers from Rust.
    pub const fn from_zeroed() -> dc_command {
        dc_command {
            kind: dc_command_kind::Offer,
            contact: 0,
            attempt: 0,
            has_operator: false,
            number_index: 0,
            operator_id: 0,
            number: 0,
            caller_id: 0,
        }
    }

    pub(crate) fn from_command(cmd: Command) -> dc_command {
        let mut c = dc_command {
            kind: dc_command_kind::Offer,
            contact: 0,
            attempt: 0,
            has_operator: false,
            number_index: 0,
            operator_id: 0,
            number: 0,
            caller_id: 0,
        };
        let call = |c: &mut dc_command, call: CallId| {
            c.contact = call.contact.0;
            c.attempt = call.attempt;
        };
        let op = |c: &mut dc_command, op: OperatorId| {
            c.has_operator = true;
            c.operator_id = op.0;
        };
        match cmd {
            Command::Offer { contact, operator } => {
                c.contact = contact.0;
                op(&mut c, operator);
            }
            Command::Dial {
                call: id,
                number,
                number_index,
                operator,
                caller_id,
            } => {
                c.kind = dc_command_kind::Dial;
                call(&mut c, id);
                c.number = number;
                c.caller_id = caller_id.unwrap_or(0);
                c.number_index = number_index;
                if let Some(o) = operator {
                    op(&mut c, o);
                }
            }
            Command::Connect { call: id, operator } => {
                c.kind = dc_command_kind::Connect;
                call(&mut c, id);
                op(&mut c, operator);
            }
            Command::Abandon { call: id } => {
                c.kind = dc_command_kind::Abandon;
                call(&mut c, id);
            }
            Command::Hangup { call: id } => {
                c.kind = dc_command_kind::Hangup;
                call(&mut c, id);
            }
            Command::Revoke { contact, operator } => {
                c.kind = dc_command_kind::Revoke;
                c.contact = contact.0;
                op(&mut c, operator);
            }
            Command::Play { call: id } => {
                c.kind = dc_command_kind::Play;
                call(&mut c, id);
            }
        }
        c
    }
}
