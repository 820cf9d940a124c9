//! Timers: what fires when a contact's or a zone's timer comes due.
//!
//! Each contact has at most one timer in the contact wheel, whose meaning
//! follows from its state: offer timeout (OperatorAssigned), BCW countdown
//! (Bcw), ring timeout (Calling), abandon limit (AwaitingOperator with an
//! answered call), the watchdog (CallInProgress: `max_call_ms` after the
//! dial or `max_talk_ms` after the connect, whichever comes first), ACW
//! limit (Acw), due retry or personal callback (RetryScheduled). Each time
//! zone has at most one timer in the zone wheel: when its calling window
//! opens, the zone's selection queue is opened again (O(1); its contacts
//! never left their places).

use super::*;
use crate::operators::PauseReason;

impl Campaign {
    pub(super) fn fire_contact_timers(&mut self, now: u64) {
        let mut expired = std::mem::take(&mut self.expired);
        expired.clear();
        self.timers.advance(now, &mut expired);
        for e in &expired {
            self.on_timer(ContactId(e.key), now);
        }
        self.expired = expired;
    }

    pub(super) fn on_timer(&mut self, id: ContactId, now: u64) {
        match self.store.state(id) {
            Some(State::OperatorAssigned) => {
                // Missed offer: contact back to the hopper head; the
                // operator paused (at once, or at the N-th refusal in a row).
                let op = self.calls.operator(id);
                if let Some(op) = op {
                    self.return_to_hopper(id, op, Trigger::OfferTimeout);
                    self.offer_refused(op, PauseReason::MissedOffers, true, now);
                }
            }
            Some(State::Bcw) => {
                let op = self.calls.operator(id);
                self.dial(id, op, Trigger::BcwElapsed, now);
            }
            Some(State::Calling) => {
                let call = self.call_id(id);
                self.outbox.push(Command::Hangup { call });
                self.end_attempt(id, Trigger::RingTimeout, Outcome::NoAnswer, now);
            }
            Some(State::CallInProgress) => self.watchdog_hangup(id, now),
            Some(State::AwaitingOperator) if self.calls.get(id).is_some_and(|l| l.answered) => {
                let call = self.call_id(id);
                self.outbox.push(Command::Abandon { call });
                self.abandon(id, Trigger::AbandonLimit, now);
            }
            Some(State::Acw) => {
                // Tell the host to close the operator's ACW screen.
                if let Some(op) = self.calls.operator(id) {
                    self.outbox.push(Command::Revoke {
                        contact: id,
                        operator: op,
                    });
                }
                self.finish_acw(id, Trigger::AcwTimeout, Disposition::Done, now);
            }
            Some(State::RetryScheduled) => {
                if self.personal_callback_timer(id, now) {
                    return;
                }
                let priority = self.store.priorities()[id.index()];
                let key = self.queue_key(id.index());
                self.queue.push_retry(id.0, priority, key);
            }
            _ => {}
        }
    }

    pub(super) fn fire_zone_timers(&mut self, now: u64) {
        let mut expired = std::mem::take(&mut self.expired);
        expired.clear();
        self.zone_timers.advance(now, &mut expired);
        for e in &expired {
            let zone = ZoneId(e.key as u16);
            let status = self.key_status(zone.0, now);
            if !status.open {
                if status.until_ms != u64::MAX {
                    self.zone_timers.arm(e.key, status.until_ms);
                }
                continue;
            }
            // Open: its contacts are selectable again, where they were.
            self.queue.open_zone(zone.0);
        }
        self.expired = expired;
    }
}
