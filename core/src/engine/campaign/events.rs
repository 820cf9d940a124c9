//! Event dispatch: `handle` checks an event against the state table and
//! the operator's state, then routes it to the part that owns it (calls,
//! operator binding, admin).
//!
//! An event is checked completely before anything is written (unknown ids,
//! stale call ids, transitions the state table forbids, operator actions
//! that do not fit the operator's state), so an error changes nothing, not
//! even the latest time seen. `handle` only records: what it decides is due
//! work for the next `poll`.

use super::*;

impl Campaign {
    /// Applies one event at `now_ms`. On error nothing changed, not even
    /// the latest time seen: a refused event leaves no trace, so a replay of
    /// the accepted events gives the same run.
    ///
    /// `handle` only records: it never hands out a Dial, an Offer or a
    /// Connect. What it decides is due work for the next `poll` (see
    /// [`Campaign::needs_poll`]).
    pub fn handle(&mut self, event: Event, now_ms: u64) -> Result<(), EngineError> {
        check_time(now_ms)?;
        if let Event::AcwDone { disposition, .. } = event {
            for t in disposition.times().into_iter().flatten() {
                check_time(t)?;
            }
        }
        if let Event::OperatorLeaving { at_ms, .. } = event {
            check_time(at_ms)?;
        }
        let before = self.now_ms;
        let result = self.apply_event(event, now_ms);
        if result.is_err() {
            self.now_ms = before;
        } else {
            self.poll_due = true;
        }
        self.journal_commit();
        result
    }

    pub(super) fn apply_event(&mut self, event: Event, now_ms: u64) -> Result<(), EngineError> {
        let now = now_ms.max(self.now_ms);
        self.now_ms = now;
        let name = event.name();
        match event {
            Event::Answered(call) => self.on_answered(call, now),
            Event::AnsweredByMachine(call) => self.on_not_reached(
                call,
                name,
                Trigger::AnsweredByMachine,
                Outcome::Machine,
                now,
            ),
            Event::Rejected(call) => {
                self.on_not_reached(call, name, Trigger::Rejected, Outcome::Busy, now)
            }
            Event::Unreachable(call) => {
                self.on_not_reached(call, name, Trigger::Unreachable, Outcome::NoAnswer, now)
            }
            Event::DialFailed(call) => {
                self.on_not_reached(call, name, Trigger::DialFailed, Outcome::DialFailed, now)
            }
            Event::ClientHungUp(call) => self.on_client_hung_up(call, now),
            Event::Congestion(call) => self.on_congestion(call, now),
            Event::CallEnded(call) => {
                self.check_call(call, name, Trigger::CallEnded)?;
                self.end_talk(call.contact, Trigger::CallEnded, now);
                Ok(())
            }
            Event::OperatorAccepted { operator, contact } => {
                self.on_accepted(operator, contact, name, now)
            }
            Event::OperatorDeclined { operator, contact } => {
                self.on_declined(operator, contact, name, now)
            }
            Event::OperatorDialNow { operator, contact } => {
                self.check_operator(operator, contact, OperatorState::Bcw, name)?;
                self.check_contact(contact, Trigger::OperatorDialNow, name)?;
                // Due now: the next poll dials it through the guards.
                self.timers.arm(contact.0, now);
                Ok(())
            }
            Event::AcwDone {
                operator,
                contact,
                disposition,
            } => {
                self.check_operator(operator, contact, OperatorState::Acw, name)?;
                self.check_contact(contact, Trigger::AcwDone, name)?;
                let disposition = self.resolve_disposition(disposition, now)?;
                self.finish_acw(contact, Trigger::AcwDone, disposition, now);
                Ok(())
            }
            Event::OperatorLogin(op) => self.on_login(op, name, now),
            Event::OperatorReady(op) => {
                self.on_ready(op, name, now)?;
                // Ready again: an announced break or logout is called off.
                self.operators.set_leaving(op, None);
                Ok(())
            }
            Event::OperatorPause(op) => self.on_pause(op, name, now),
            Event::OperatorLogout(op) => self.on_logout(op, name, now),
            Event::OperatorLeaving { operator, at_ms } => match self.operator_state(operator)? {
                OperatorState::Offline => Err(EngineError::IllegalOperatorEvent {
                    operator,
                    state: OperatorState::Offline,
                    event: name,
                }),
                // Only a mark for the pacer: the state changes when the host
                // sends the pause or logout.
                _ => {
                    self.operators.set_leaving(operator, Some(at_ms));
                    Ok(())
                }
            },
            Event::Pause => {
                self.paused = true;
                self.journal_admin(durable::AdminRecord::Paused);
                Ok(())
            }
            Event::Resume => {
                if self.canceled {
                    return Err(EngineError::Canceled);
                }
                self.paused = false;
                self.journal_admin(durable::AdminRecord::Resumed);
                Ok(())
            }
            Event::Cancel => {
                if !self.canceled {
                    self.journal_admin(durable::AdminRecord::Canceled);
                }
                self.cancel_all(now);
                Ok(())
            }
            Event::Remove(contact) => self.remove(contact, now),
            Event::BlacklistAdd(number) => {
                self.journal_blacklist(true, &[number]);
                self.blacklist_add(number);
                Ok(())
            }
            Event::BlacklistRemove(number) => {
                self.journal_blacklist(false, &[number]);
                self.blacklist_remove(number);
                Ok(())
            }
        }
    }

    pub(super) fn state_of(&self, contact: ContactId) -> Result<State, EngineError> {
        self.store
            .state(contact)
            .ok_or(EngineError::UnknownContact(contact))
    }

    pub(super) fn check_contact(
        &self,
        contact: ContactId,
        trigger: Trigger,
        event: &'static str,
    ) -> Result<State, EngineError> {
        let state = self.state_of(contact)?;
        if !state::is_legal(state, trigger) {
            return Err(EngineError::IllegalTransition {
                contact,
                state,
                event,
            });
        }
        Ok(state)
    }

    /// Checks that `call` is the contact's live attempt and `trigger` is legal.
    pub(super) fn check_call(
        &self,
        call: CallId,
        event: &'static str,
        trigger: Trigger,
    ) -> Result<State, EngineError> {
        let state = self.state_of(call.contact)?;
        let current_attempt = self.store.attempts(call.contact).unwrap_or(0);
        let has_call = self
            .calls
            .get(call.contact)
            .is_some_and(|l| l.call_number.is_some());
        if call.attempt != current_attempt || !has_call {
            return Err(EngineError::StaleCall {
                call,
                current_attempt,
            });
        }
        if !state::is_legal(state, trigger) {
            return Err(EngineError::IllegalTransition {
                contact: call.contact,
                state,
                event,
            });
        }
        Ok(state)
    }

    pub(super) fn check_operator(
        &self,
        operator: OperatorId,
        contact: ContactId,
        expected: OperatorState,
        event: &'static str,
    ) -> Result<(), EngineError> {
        let state = self
            .operators
            .state(operator)
            .ok_or(EngineError::UnknownOperator(operator))?;
        if !self.store.contains(contact) {
            return Err(EngineError::UnknownContact(contact));
        }
        if state != expected || self.operators.contact(operator) != Some(contact) {
            return Err(EngineError::IllegalOperatorEvent {
                operator,
                state,
                event,
            });
        }
        Ok(())
    }

    pub(super) fn operator_state(&self, op: OperatorId) -> Result<OperatorState, EngineError> {
        self.operators
            .state(op)
            .ok_or(EngineError::UnknownOperator(op))
    }
}
