//! The floor: many campaigns sharing operators, trunks, do-not-call lists
//! and per-number caps in one engine (design and guarantees:
//! `docs/FLOOR.md`).
//!
//! A contact center runs many campaigns at once over one team of operators,
//! one set of trunks, one do-not-call list and one set of per-number legal
//! caps. [`Floor`] owns those shared things and any number of full,
//! unchanged [`crate::Campaign`]s; each campaign keeps owning its contacts,
//! selection, retry policy, pacer and abandon meter. One job a module:
//!
//! - [`trunk`]: lines and carriers. A trunk has a maximum of simultaneous
//!   calls and a calls-per-second token bucket in exact integer arithmetic;
//!   a carrier's congestion answer (SIP 503 / 429) halves its rate, which
//!   then recovers additively. Campaigns are routed to trunks in order.
//! - [`share`]: which campaign an operator of a pool works for next:
//!   strict priority, then deficit round robin by weight, amortised O(1) a
//!   pick.
//! - [`pool`]: operators in pools (a pool is one skill set, assigned to
//!   campaigns), the inbound reserve and each pool's count available to
//!   outbound work. An operator working for a campaign is held by a
//!   [`pool::Seat`] that only the pool makes, so no operator is in two
//!   campaigns.
//! - [`dnc`]: do-not-call lists with scopes (floor, one campaign, a set of
//!   campaigns) and optional expiry per entry, over one national registry
//!   shared by `Arc` (the compact [`crate::blacklist::Blacklist`]).
//! - [`caps`]: per-number attempt caps over rolling 24 hours and N days,
//!   counted over the whole floor, and the set of numbers in a call now.
//! - [`guard`]: the seam in `Campaign` — a guard it asks at each Dial after
//!   its own guards (Allow, Defer without an attempt, Block); [`gate`]: the
//!   floor's guard (lists, caps, trunks) and the state it shares.
//! - [`FloorCampaign`]: what the host may change in a floor campaign
//!   (contacts, lists, rules — not operators, events or polls).
//! - `campaigns` (the [`Floor`] type, its setup and queries), `operators`
//!   (operators lent to one campaign at a time, stickiness), `poll` (one
//!   poll for the floor costing by what is due, events naming the
//!   campaign), `api` (events, commands, errors), [`durable`] (one data
//!   directory for the floor).
//!
//! Like the rest of the crate, nothing here reads a clock: every call that
//! depends on time takes `now_ms` (milliseconds since the Unix epoch), so the
//! same inputs give the same outputs. Time that goes backwards is treated as
//! no time passing (a bucket never refills on it, a cap never expires on it).

mod access;
mod api;
mod campaigns;
pub mod caps;
pub mod dnc;
pub mod durable;
pub mod gate;
pub mod guard;
mod operators;
mod poll;
pub mod pool;
pub mod share;
pub mod trunk;

pub use access::FloorCampaign;
pub use api::{FloorCommand, FloorError, FloorEvent, FloorOpenError};
pub use campaigns::Floor;
pub use durable::{Compaction, FloorOptions, FloorRecovery};

use std::fmt;

/// A campaign of the floor: its index, given by the floor when the campaign
/// is added (the building blocks only use it as a key).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CampaignId(pub u32);

impl fmt::Display for CampaignId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "campaign #{}", self.0)
    }
}

/// A pool of operators (one skill set; see [`pool`]): its index, given by
/// the floor when the pool is added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PoolId(pub u32);

impl fmt::Display for PoolId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "pool #{}", self.0)
    }
}

#[cfg(test)]
mod tests;
