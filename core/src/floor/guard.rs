//! The seam between a campaign and its floor: guards at the Dial emission
//! point.
//!
//! A [`crate::Campaign`] on a floor is a full, unchanged campaign, with one
//! hook: when it is about to write a Dial (after its own guards — its
//! blacklist, attempts, windows, rules, its own caps — said yes), it asks
//! its [`DialGuard`], if it has one, and the guard answers with a
//! [`Verdict`]:
//!
//! - [`Verdict::Allow`]: the Dial goes out; whatever the guard took for it
//!   (a trunk line, a number hold) is the call's until the campaign calls
//!   [`DialGuard::ended`] for it.
//! - [`Verdict::Defer`]: not now, **no attempt counted**. For a cap or a
//!   number in another campaign's call ([`DeferReason::Cap`],
//!   [`DeferReason::NumberInCall`]) the contact goes to RetryScheduled,
//!   due at `until_ms`, journaled as held back (`floor_cap`, `number_busy`).
//!   For a trunk ([`DeferReason::Trunk`]: every line of the route is busy
//!   or its calls-per-second token is not whole yet) the contact goes back
//!   to the head of its queue and the campaign places no more dials in this
//!   poll; an operator waiting in before-call work for the dial stays there
//!   and the countdown fires again at `until_ms`.
//! - [`Verdict::Block`]: the number is on a do-not-call list in scope: the
//!   contact becomes Blacklisted, journaled as held back with the reason
//!   `dnc_registry` or `dnc_list` (the list itself is named by the floor's
//!   counters, [`crate::floor::Floor::list_hits`]).
//!
//! A Dial the host holds back and hands out later (a C host's `cap`) is
//! put through the campaign's gate again by [`crate::Campaign::recheck`],
//! which then asks [`DialGuard::recheck`]: `false` withdraws the Dial as
//! the campaign's own guards would (the attempt ends, the contact is due
//! again at once, where the guards place it; its operator gets a Revoke).
//!
//! The campaign calls [`DialGuard::ended`] exactly once for each allowed
//! Dial: when the call's number is released (any end of the attempt: not
//! reached, abandoned, talk over, a Dial withdrawn at the gate), with
//! `congested` true for `Event::Congestion`. A lone campaign has no guard
//! and pays one `Option` test a dial.

use std::fmt;

use super::dnc::Hit;
use crate::store::ContactId;

/// What a floor guard says about one Dial (see the module doc).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Dial now; the guard holds what it took until `ended`.
    Allow,
    /// Not now, no attempt counted.
    Defer {
        /// When to try again (ms since the epoch).
        until_ms: u64,
        /// Why, which says where the contact waits.
        reason: DeferReason,
    },
    /// Never (while the list says so): the contact becomes Blacklisted.
    Block(Hit),
}

/// Why a floor guard deferred a Dial.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeferReason {
    /// A floor cap (24 hours or N days, over every campaign): RetryScheduled
    /// at the time the cap allows the next dial.
    Cap,
    /// The number is in a call of another campaign: RetryScheduled at
    /// `until_ms` (the floor's [`super::gate::NUMBER_BUSY_DELAY_MS`] later).
    NumberInCall,
    /// No line or no calls-per-second token on the campaign's route: back at
    /// the head of the queue, no more dials this poll.
    Trunk,
}

/// A guard a campaign consults for each Dial after its own guards (see the
/// module doc). Implemented by the floor; a host may implement it too.
pub trait DialGuard: fmt::Debug + Send {
    /// May `contact` be dialed on `number` at `now_ms`? `Allow` takes what
    /// the call needs (kept until [`DialGuard::ended`]); a refusal takes
    /// nothing.
    fn check(&mut self, contact: ContactId, number: u64, now_ms: u64) -> Verdict;

    /// A Dial this guard allowed at an earlier poll, held by the host since,
    /// is about to be handed out at `now_ms` (see
    /// [`crate::Campaign::recheck`]): may it still go? `false` withdraws it;
    /// the guard gives back whatever it took for the call (the campaign
    /// calls [`DialGuard::ended`] for it too, which must then find nothing
    /// left to give back).
    fn recheck(&mut self, contact: ContactId, number: u64, now_ms: u64) -> bool;

    /// The allowed call of `contact` on `number` is over at `now_ms`
    /// (`congested`: the carrier refused it, the dial is not counted).
    fn ended(&mut self, contact: ContactId, number: u64, congested: bool, now_ms: u64);
}
