//! Operator binding: offers accepted or declined, operator login, ready,
//! pause and logout, and what becomes of a contact whose operator is lost.
//!
//! An operator busy with a contact (offer, BCW, call, ACW) keeps it until
//! the work ends; a ready or pause asked for meanwhile is remembered as the
//! operator's after-work state and applied by `release_operator`. An offer
//! or BCW that loses its operator is revoked and the contact goes back to
//! the head of the hopper.

use super::*;
use crate::operators::PauseReason;

impl Campaign {
    pub(super) fn on_accepted(
        &mut self,
        op: OperatorId,
        id: ContactId,
        event: &'static str,
        now: u64,
    ) -> Result<(), EngineError> {
        self.check_operator(op, id, OperatorState::Offered, event)?;
        self.check_contact(id, Trigger::OperatorAccepted, event)?;
        self.operators.reset_refusals(op);
        self.personal_callback_taken(id);
        // BCW, also when it lasts 0 ms: the countdown is due at once and the
        // next poll dials through the guards.
        self.apply(id, Trigger::OperatorAccepted, State::Bcw);
        self.operators.set(op, OperatorState::Bcw, Some(id), now);
        self.timers
            .arm(id.0, now.saturating_add(self.config.bcw_ms));
        Ok(())
    }

    pub(super) fn on_declined(
        &mut self,
        op: OperatorId,
        id: ContactId,
        event: &'static str,
        now: u64,
    ) -> Result<(), EngineError> {
        self.check_operator(op, id, OperatorState::Offered, event)?;
        self.check_contact(id, Trigger::OperatorDeclined, event)?;
        self.timers.cancel(id.0);
        let live = self.take_live(id);
        if self.config.mode == Mode::Preview {
            let _ = self.store.set_last_outcome(id, Outcome::Declined);
            let to = match live.and_then(|l| l.pending) {
                Some(PendingAdmin::Remove) => State::Removed,
                _ => State::RejectedByOperator,
            };
            self.apply(id, Trigger::OperatorDeclined, to);
            self.release_operator(op, now);
            self.offer_refused(op, PauseReason::DeclinedOffers, false, now);
        } else {
            // Progressive: the contact goes back to the head of the hopper
            // (a personal callback to its operator's list), the operator on
            // pause (at once, or at the N-th refusal).
            if !self.return_personal(id) {
                self.apply(id, Trigger::OperatorDeclined, State::AwaitingOperator);
                self.hopper.push_front(id.0);
            }
            self.offer_refused(op, PauseReason::DeclinedOffers, true, now);
        }
        Ok(())
    }

    /// An operator missed or declined an offer. With `max_offer_refusals`
    /// = N > 0 the N-th refusal in a row pauses the operator (with the
    /// reason) and fewer leave them ready; with 0, `pause_now` says what
    /// the engine did before the setting (a miss or a progressive decline
    /// pauses, a preview decline does not).
    pub(super) fn offer_refused(
        &mut self,
        op: OperatorId,
        reason: PauseReason,
        pause_now: bool,
        now: u64,
    ) {
        let refusals = self.operators.note_refusal(op);
        let limit = self.config.max_offer_refusals;
        let pause = if limit == 0 {
            pause_now
        } else {
            refusals >= limit
        };
        if pause {
            self.operators.set(op, OperatorState::Paused, None, now);
            self.operators.set_pause_reason(op, reason);
            self.counters.metrics.refusal_pauses += 1;
        } else if matches!(
            self.operators.state(op),
            Some(OperatorState::Offered | OperatorState::Bcw)
        ) {
            self.release_operator(op, now);
        }
    }

    pub(super) fn on_login(
        &mut self,
        op: OperatorId,
        event: &'static str,
        now: u64,
    ) -> Result<(), EngineError> {
        match self.operator_state(op)? {
            OperatorState::Offline => {
                self.operators.set(op, OperatorState::Paused, None, now);
                Ok(())
            }
            state => Err(EngineError::IllegalOperatorEvent {
                operator: op,
                state,
                event,
            }),
        }
    }

    pub(super) fn on_ready(
        &mut self,
        op: OperatorId,
        event: &'static str,
        now: u64,
    ) -> Result<(), EngineError> {
        match self.operator_state(op)? {
            OperatorState::Offline => Err(EngineError::IllegalOperatorEvent {
                operator: op,
                state: OperatorState::Offline,
                event,
            }),
            OperatorState::Ready => Ok(()),
            OperatorState::Paused => {
                self.release_operator(op, now);
                Ok(())
            }
            _ => {
                self.operators.set_after_work(op, AfterWork::Ready);
                Ok(())
            }
        }
    }

    pub(super) fn on_pause(
        &mut self,
        op: OperatorId,
        event: &'static str,
        now: u64,
    ) -> Result<(), EngineError> {
        match self.operator_state(op)? {
            OperatorState::Offline => Err(EngineError::IllegalOperatorEvent {
                operator: op,
                state: OperatorState::Offline,
                event,
            }),
            OperatorState::Paused => Ok(()),
            OperatorState::Ready => {
                self.operators.set(op, OperatorState::Paused, None, now);
                Ok(())
            }
            _ => {
                self.operators.set_after_work(op, AfterWork::Pause);
                Ok(())
            }
        }
    }

    pub(super) fn on_logout(
        &mut self,
        op: OperatorId,
        _event: &'static str,
        now: u64,
    ) -> Result<(), EngineError> {
        match self.operator_state(op)? {
            OperatorState::Offline => Ok(()),
            OperatorState::Ready | OperatorState::Paused => {
                self.operators.set(op, OperatorState::Offline, None, now);
                Ok(())
            }
            OperatorState::Offered | OperatorState::Bcw => {
                let id = self.operators.contact(op).expect("offer has a contact");
                self.return_to_hopper(id, op, Trigger::OperatorLost);
                self.operators.set(op, OperatorState::Offline, None, now);
                Ok(())
            }
            OperatorState::OnCall | OperatorState::Acw => {
                self.operators.set_after_work(op, AfterWork::Logout);
                Ok(())
            }
        }
    }

    /// An offer or BCW lost its operator (logout, or the offer timed out):
    /// revoke it, contact to the head of the hopper.
    pub(super) fn return_to_hopper(&mut self, id: ContactId, op: OperatorId, trigger: Trigger) {
        self.timers.cancel(id.0);
        let pending = self.take_live(id).and_then(|l| l.pending);
        self.outbox.push(Command::Revoke {
            contact: id,
            operator: op,
        });
        match pending {
            Some(p) => self.apply(id, trigger_for(p), p.state()),
            None if self.return_personal(id) => {}
            None => {
                self.apply(id, trigger, State::AwaitingOperator);
                self.hopper.push_front(id.0);
            }
        }
    }

    /// An operator's work ended: pause, log out, or become ready (the next
    /// poll gives a ready operator a waiting answered call first).
    pub(super) fn release_operator(&mut self, op: OperatorId, now: u64) {
        let to = match self.operators.after_work(op) {
            AfterWork::Pause => OperatorState::Paused,
            AfterWork::Logout => OperatorState::Offline,
            AfterWork::Ready => OperatorState::Ready,
        };
        self.operators.set(op, to, None, now);
    }
}
