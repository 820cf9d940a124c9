//! Selection: who is offered or dialed next.
//!
//! The selection queue (see `crate::queue`) gives candidates in order; each
//! is checked against the compliance guard (see `guard`) before it is used,
//! and one that may not be dialed now is held back where the guard says.
//! Preview and progressive campaigns offer to each ready operator, longest
//! idle first, from the hopper's head and then the queue, and keep the
//! hopper filled to its target.

use super::*;

impl Campaign {
    pub(super) fn enqueue(&mut self, id: u32) {
        let priority = self.store.priorities()[id as usize];
        let key = self.queue_key(id as usize);
        self.queue.push_initial(id, priority, key);
    }

    /// those that may not.
    pub(super) fn next_contact(&mut self, now: u64) -> Option<ContactId> {
        self.next_dialable(now).map(|(id, _, _)| id)
    }

    /// [`Campaign::next_contact`] with the number its guards cleared (the
    /// digits and their index; the contact is moved to that number).
    pub(super) fn next_dialable(&mut self, now: u64) -> Option<(ContactId, u64, u8)> {
        while let Some(id) = self.queue.pop() {
            let id = ContactId(id);
            let state = self.store.state(id)?;
            let selectable = state == State::Initial
                || (state == State::RetryScheduled && !self.timers.is_armed(id.0));
            if !selectable {
                continue;
            }
            match self.guard(id, now) {
                Guard::Go(number, k) => {
                    self.take_number(id, k);
                    return Some((id, number, k));
                }
                // Back in its place; its zone is skipped from now on.
                Guard::Park(zone) => self.park(id, zone, true, now),
                other => self.hold_back(id, other, now),
            }
        }
        None
    }

    /// Moves a contact to number `k`, the one its guards just cleared.
    pub(super) fn take_number(&mut self, id: ContactId, k: u8) {
        if usize::from(k) != self.store.current_number(id) {
            let _ = self.store.set_current_number(id, usize::from(k));
            self.touch(id);
        }
    }

    pub(super) fn enqueue_front(&mut self, id: ContactId) {
        let priority = self.store.priorities()[id.index()];
        let key = self.queue_key(id.index());
        self.queue.push_front(id.0, priority, key);
    }

    /// Preview and progressive: offer a contact to each ready operator,
    /// longest idle first, then keep the hopper filled.
    pub(super) fn offer_to_ready_operators(&mut self, now: u64) {
        if self.operators.logged_in_count() == 0 {
            return;
        }
        while let Some(op) = self.operators.longest_idle() {
            let Some(id) = self.next_for_offer(now) else {
                break;
            };
            self.offer(id, op, now);
        }
        let target = match self.config.hopper_size {
            0 => self.operators.logged_in_count(),
            n => n as usize,
        };
        while self.hopper.len() < target {
            let Some(id) = self.next_contact(now) else {
                break;
            };
            self.apply(id, Trigger::Enqueue, State::AwaitingOperator);
            self.hopper.push_back(id.0);
        }
    }

    /// The hopper's head (checked against the guards again), else the queue.
    pub(super) fn next_for_offer(&mut self, now: u64) -> Option<ContactId> {
        while let Some(id) = self.hopper.pop_front() {
            let id = ContactId(id);
            match self.guard(id, now) {
                Guard::Go(_, k) => {
                    self.take_number(id, k);
                    return Some(id);
                }
                other => self.hold_back(id, other, now),
            }
        }
        self.next_contact(now)
    }

    pub(super) fn offer(&mut self, id: ContactId, op: OperatorId, now: u64) {
        self.apply(id, Trigger::Offer, State::OperatorAssigned);
        self.calls.offer(id, self.current_digits(id), op);
        self.operators
            .set(op, OperatorState::Offered, Some(id), now);
        self.timers
            .arm(id.0, now.saturating_add(self.config.offer_timeout_ms));
        self.outbox.push(Command::Offer {
            contact: id,
            operator: op,
        });
    }
}
