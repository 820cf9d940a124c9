//! The guard and the dialing policy for contacts with several numbers.
//!
//! A contact with one number goes through `guard` as it always did. One
//! with several is on one number at a time (the store's current number);
//! the guard starts there and takes the first number, in order and
//! wrapping around, that may be dialed now: not blacklisted, its
//! per-number attempts ([`crate::config::NumberPolicy::attempts_per_number`])
//! not used up, not in another contact's call or offer, its 24-hour cap not
//! reached, and — with [`NumberOrder::OwnWindow`] — inside its own zone's
//! window (with [`NumberOrder::InOrder`] the contact's zone decides, before
//! any number is looked at, exactly as for one number). The contact's
//! attempts cap all its numbers together. If no number may be dialed the
//! contact is Blacklisted (every number is), NotReached (every number left
//! has used its attempts up) or delayed to the earliest time one of them is
//! free (busy, daily cap, or its window opening), never parked in a zone
//! queue other contacts share.
//!
//! After an attempt ends the policy moves the contact on: to the next number
//! after busy, no answer / unreachable or a failed dial, or once the number
//! has had its per-number attempts; it stays after a machine or an abandon.
//! A contact is one row with one state, bound to at most one call, so two
//! of its numbers are never in calls at once.

use super::*;
use crate::config::NumberOrder;
use crate::records::HoldReason;

impl Campaign {
    /// [`Campaign::guard`] of a contact with several numbers.
    pub(super) fn guard_numbers(&mut self, id: ContactId, now: u64) -> Guard {
        let i = id.index();
        if self.store.attempts_column()[i] >= self.config.retry.max_attempts {
            return Guard::Exhausted;
        }
        let own_window = self.config.numbers.order == NumberOrder::OwnWindow;
        if !own_window {
            let key = self.queue_key(i);
            if !self.key_status(key, now).open {
                return Guard::Park(ZoneId(key));
            }
        }
        // Each number's own window and rules: with `own_window` its zone's
        // window, with calling rules its region's rules (a contact's numbers
        // may be in several states).
        let per_number_window = own_window || self.keys_per_number();
        let count = self.store.number_count(id);
        let start = self.store.current_number(id);
        let cap = self.config.numbers.attempts_per_number;
        let mut blacklisted = 0;
        let mut used_up = 0;
        let mut delay: Option<(u64, HoldReason)> = None;
        let mut later = |at: u64, why: HoldReason| {
            if delay.is_none_or(|(t, _)| at < t) {
                delay = Some((at, why));
            }
        };
        for step in 0..count {
            let k = (start + step) % count;
            let Some(n) = self.store.number_at(id, k) else {
                continue;
            };
            if n.number == 0 || self.blacklist.contains(n.number) {
                blacklisted += 1;
                continue;
            }
            if cap > 0 && n.attempts >= cap {
                used_up += 1;
                continue;
            }
            let key = self.number_key(id, k);
            if per_number_window {
                let status = self.key_status(key, now);
                if !status.open {
                    later(status.until_ms, HoldReason::Window);
                    continue;
                }
            }
            if self.calls.number_busy(n.number, id) {
                later(
                    now.saturating_add(self.config.number_busy_delay_ms),
                    HoldReason::NumberBusy,
                );
                continue;
            }
            if let Some(at) = self.daily_cap_until(n.number, key, now) {
                later(at, HoldReason::DailyCap);
                continue;
            }
            return Guard::Go(n.number, k as u8);
        }
        match delay {
            Some((at, why)) => Guard::Delay(at, why),
            None if blacklisted == count => Guard::Blacklisted,
            None => {
                debug_assert!(used_up > 0);
                Guard::Exhausted
            }
        }
    }

    /// The digits of the number a contact is on now (its offer reserves it).
    pub(super) fn current_digits(&self, id: ContactId) -> u64 {
        let k = self.store.current_number(id);
        self.store.digits_at(id, k).map_or(0, |(n, _)| n)
    }

    /// The zone whose window a Dial of number `index` of contact `id` needs.
    pub(super) fn dial_zone(&self, id: ContactId, index: usize) -> ZoneId {
        if index > 0 && self.config.numbers.order == NumberOrder::OwnWindow {
            if let Some((_, zone)) = self.store.digits_at(id, index) {
                return zone;
            }
        }
        ZoneId(self.store.zones()[id.index()])
    }

    /// The policy after an attempt on the contact's current number ended
    /// with `outcome`: the number's last outcome, and the next number when
    /// the policy moves on.
    pub(super) fn after_number_attempt(&mut self, id: ContactId, outcome: Outcome) {
        let count = self.store.number_count(id);
        if count <= 1 {
            return;
        }
        let k = self.store.current_number(id);
        self.store.end_number_attempt(id, k, outcome);
        let cap = self.config.numbers.attempts_per_number;
        let not_reached = matches!(
            outcome,
            Outcome::Busy | Outcome::NoAnswer | Outcome::DialFailed
        );
        let capped = cap > 0
            && self
                .store
                .number_at(id, k)
                .is_some_and(|n| n.attempts >= cap);
        if not_reached || capped {
            let _ = self.store.set_current_number(id, (k + 1) % count);
        }
    }
}
