//! The compliance guard: may this contact be dialed now, and if not, where
//! does it go.
//!
//! One function checks, in order: the number blacklisted now, the attempts
//! used up, the calling window of the contact's zone closed (with calling
//! rules loaded: the most restrictive of that window and the rules of the
//! contact's region and holidays, see `rules`), the same number offered to
//! an operator or in another call, the per-number cap over the last 24
//! hours and the rules' per-number caps. A refusal is applied by
//! `hold_back`: Blacklisted, NotReached, parked for the window (`park`: it
//! waits in its queue — its zone's, or its (zone, rules) slot's — which is
//! closed until that queue's timer sees the window open), or
//! RetryScheduled at the time the number is free again. The guard's memory
//! of past facts is its [`History`], fed by `record` (see `counters`). Selection
//! and `dial` ask it; the emission gate (`gate`) asks it once more, and
//! asks `dial_guards_hold` of a Dial already placed (its own dial counted).

use super::*;
use crate::records::HoldReason;

/// What the guard remembers of past facts (fed by `record`, see `counters`).
#[derive(Debug, Default)]
pub(super) struct History {
    /// When each contact was last abandoned, for the reserved-operator policy.
    pub(super) abandoned_at: HashMap<u32, u64>,
    /// The dial times of each number over the last 24 hours (kept only while
    /// `max_attempts_per_24h` is set), for the per-number cap.
    pub(super) recent_dials: HashMap<u64, SmallVec<[u64; 4]>>,
}

/// What a guard decided about dialing a contact now.
pub(super) enum Guard {
    /// Dial this number (digits, index among the contact's numbers).
    Go(u64, u8),
    Blacklisted,
    Exhausted,
    /// Outside the calling window (and rules) of this queue key (the zone,
    /// or the (zone, rules) slot with rules loaded).
    Park(ZoneId),
    /// Not before this time, and why (number busy, daily cap).
    Delay(u64, HoldReason),
}

impl Campaign {
    /// The compliance guards, in one place.
    pub(super) fn guard(&mut self, id: ContactId, now: u64) -> Guard {
        let i = id.index();
        if self.store.number_count(id) > 1 {
            return self.guard_numbers(id, now);
        }
        let number = self.store.numbers().at(i);
        if self.blacklist.contains(number) {
            return Guard::Blacklisted;
        }
        if self.store.attempts_column()[i] >= self.config.retry.max_attempts {
            return Guard::Exhausted;
        }
        let key = self.queue_key(i);
        let status = self.key_status(key, now);
        if !status.open {
            return Guard::Park(ZoneId(key));
        }
        if self.calls.number_busy(number, id) {
            return Guard::Delay(
                now.saturating_add(self.config.number_busy_delay_ms),
                HoldReason::NumberBusy,
            );
        }
        if let Some(at) = self.daily_cap_until(number, key, now) {
            return Guard::Delay(at, HoldReason::DailyCap);
        }
        Guard::Go(number, 0)
    }

    /// When `number` (queue key `key`) may be dialed again under the
    /// per-number caps — the campaign's over the last 24 hours and the
    /// rules' — if one of them is used up now. Forgets the dial times no
    /// cap looks at any more.
    pub(super) fn daily_cap_until(&mut self, number: u64, key: u16, now: u64) -> Option<u64> {
        let memory = self.dial_memory_ms();
        if memory == 0 {
            return None;
        }
        let cap = self.config.retry.max_attempts_per_24h;
        if let Some(times) = self.history.recent_dials.get_mut(&number) {
            let forget = now.saturating_sub(memory);
            times.retain(|t| *t > forget);
            let day_ago = now.saturating_sub(24 * 3_600_000);
            let in_day = times.iter().filter(|&&t| t > day_ago).count();
            if cap > 0 && in_day >= cap as usize {
                let oldest = times[times.len() - in_day];
                return Some(oldest.saturating_add(24 * 3_600_000 + 1));
            }
        }
        self.rule_caps_free_at(number, key, now)
    }

    /// Applies a guard that said no: the contact goes where it must and is
    /// not dialed.
    /// Each refusal is journaled with its reason (`held back`, for the
    /// attempt records); `park` journals its own.
    pub(super) fn hold_back(&mut self, id: ContactId, guard: Guard, now: u64) {
        match guard {
            Guard::Go(..) => {}
            Guard::Blacklisted => {
                self.journal_held_back(id, HoldReason::Blacklisted);
                self.apply(id, Trigger::BlacklistHit, State::Blacklisted);
            }
            Guard::Exhausted => {
                self.journal_held_back(id, HoldReason::AttemptsExhausted);
                self.apply(id, Trigger::AttemptsExhausted, State::NotReached);
            }
            Guard::Park(zone) => self.park(id, zone, false, now),
            Guard::Delay(at, reason) => {
                self.journal_held_back(id, reason);
                self.apply(id, Trigger::Deferred, State::RetryScheduled);
                self.timers.arm(id.0, at);
            }
        }
    }

    /// Parks a contact outside its calling window: it waits in its zone's
    /// queue — put back in its place when selection had just `popped` it,
    /// else queued by its state — and the zone is closed (O(1): selection
    /// skips the zone's contacts, see `crate::queue`) until its zone timer
    /// sees the window open.
    pub(super) fn park(&mut self, id: ContactId, zone: ZoneId, popped: bool, now: u64) {
        self.journal_held_back(id, HoldReason::Window);
        let to = self.waiting_state(id);
        self.apply(id, Trigger::Deferred, to);
        if !(popped && self.queue.unpop_in(id.0, zone.0)) {
            let priority = self.store.priorities()[id.index()];
            if to == State::RetryScheduled {
                self.queue.push_retry(id.0, priority, zone.0);
            } else {
                self.queue.push_initial(id.0, priority, zone.0);
            }
        }
        self.queue.close_zone(zone.0);
        self.zone_timers.ensure_keys(usize::from(zone.0) + 1);
        if !self.zone_timers.is_armed(u32::from(zone.0)) {
            let status = self.key_status(zone.0, now);
            if status.until_ms != u64::MAX {
                self.zone_timers.arm(u32::from(zone.0), status.until_ms);
            }
        }
    }

    /// Initial for a contact never dialed, RetryScheduled after an attempt.
    pub(super) fn waiting_state(&self, id: ContactId) -> State {
        if self.store.attempts(id).unwrap_or(0) == 0
            && self.store.state(id) != Some(State::RetryScheduled)
        {
            State::Initial
        } else {
            State::RetryScheduled
        }
    }

    /// The Dial guards for a call just placed (its own dial already counted
    /// in the attempts and the 24-hour history). `cleared`: the blacklist
    /// has not changed since the guards cleared this number for the call
    /// (its version is the one recorded at the dial), so the answer is
    /// known without a lookup.
    pub(super) fn dial_guards_hold(
        &mut self,
        id: ContactId,
        number: u64,
        number_index: u8,
        attempt: u8,
        cleared: bool,
    ) -> Result<(), gate::Refusal> {
        let blacklisted = !cleared && self.blacklist.contains(number);
        if blacklisted || attempt > self.config.retry.max_attempts {
            return Err(gate::Refusal::Guard);
        }
        let cap = self.config.numbers.attempts_per_number;
        if cap > 0
            && self
                .store
                .number_at(id, usize::from(number_index))
                .is_some_and(|n| n.attempts > cap)
        {
            return Err(gate::Refusal::Guard);
        }
        let key = self.number_key(id, usize::from(number_index));
        if !self.key_status(key, self.now_ms).open {
            return Err(gate::Refusal::Guard);
        }
        if !self.rule_caps_hold_after_dial(number, key, self.now_ms) {
            return Err(gate::Refusal::Guard);
        }
        let cap = self.config.retry.max_attempts_per_24h;
        if cap > 0 {
            let day_ago = self.now_ms.saturating_sub(24 * 3_600_000);
            let recent = self
                .history
                .recent_dials
                .get(&number)
                .map_or(0, |t| t.iter().filter(|&&t| t > day_ago).count());
            if recent > cap as usize {
                return Err(gate::Refusal::Guard);
            }
        }
        Ok(())
    }
}
