//! The emission gate and the wake-up contract.
//!
//! **One gate.** Every command reaches the host through `Campaign::emit`,
//! at the end of `poll`. `handle` and the setup calls only record: the one
//! command they may queue is `Revoke` (a withdrawal, which no guard
//! forbids); a Dial, an Offer, a Connect, a Hangup or an Abandon is made
//! inside `poll`, by the step that checked its guards a moment before, and
//! the gate checks each of them once more against the state at the moment
//! it leaves: for a Dial the number not blacklisted (answered without a
//! lookup while the blacklist's [`crate::blacklist::Blacklist::version`] is
//! the one the guards cleared the number at, recorded with the call: an
//! unchanged list gives the same answer), the attempts within
//! `max_attempts`, the contact's window open, the number in no other call,
//! the per-number 24-hour cap, the campaign neither paused nor canceled;
//! for an Offer the same as selection; for a Connect the call answered and
//! current, the operator on it and bound to it. A correct engine never
//! fails the gate (debug builds panic if it does, so the model tests catch
//! such a bug); a release build withholds the command rather than emit one
//! a guard forbids.
//!
//! **Commands handed out in slices.** A host that takes fewer commands than
//! a poll made (the C API's `cap`) holds the rest; before it hands one out
//! later, [`Campaign::recheck`] puts it through the gate again at that
//! moment (a held Dial of a floor campaign also through the floor's guard,
//! [`crate::floor::guard::DialGuard::recheck`]). One that fails is withdrawn and never handed out: a held Offer
//! goes back to the head of the hopper (its operator released), a held Dial
//! ends its attempt at once as `DialFailed` and the contact is due again
//! (RetryScheduled at once; the attempt stays counted, the number was never
//! dialed; a pending admin action wins; its operator gets `Revoke`), a held
//! Connect whose call is over is dropped.
//!
//! **When to poll.** A host polls (1) after every call that leaves
//! [`Campaign::needs_poll`] true — every accepted event and every setup
//! call that changed something, since an operator getting ready, a resume
//! or new contacts may let the engine offer or dial — and (2) when the
//! clock reaches [`Campaign::next_deadline`], which is `now_ms()` itself
//! while a poll is needed. [`Campaign::pending`] counts the work that the
//! next poll has at once: queued commands, answered calls waiting while an
//! operator is ready, and a due timer (a BCW countdown at `now`, a ring
//! timeout that passed). A host that sleeps until `next_deadline()` never
//! leaves an answered customer unbridged.

use super::error::check_time;
use super::{Campaign, EngineError, Guard};
use crate::event::Command;
use crate::operators::OperatorState;
use crate::retry::RetryDecision;
use crate::state::{Outcome, State, Trigger};

/// Why a command may not leave `poll` now (an engine bug if ever seen).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Refusal {
    /// The campaign is paused or canceled.
    Stopped,
    /// A compliance guard says no (blacklist, attempts, window, busy number, cap).
    Guard,
    /// The command does not match the contact's or operator's state.
    Stale,
}

impl Campaign {
    /// How many items of work the next `poll` has at once, at the latest
    /// time seen: commands queued for the host, answered calls waiting
    /// while an operator is ready (each one will be connected), and one for
    /// due contact timers (a BCW countdown made due by `OperatorAccepted`
    /// with `bcw_ms = 0` or `OperatorDialNow`, a passed ring timeout …).
    /// Greater than zero exactly when a poll now would hand out or decide
    /// something that is already due.
    pub fn pending(&self) -> usize {
        let connectable = self.calls.waiting().min(self.operators.ready_count());
        let timer_due = self.next_timer().is_some_and(|t| t <= self.now_ms);
        self.outbox.len() + self.to_play.len() + connectable + usize::from(timer_due)
    }

    /// True when the host must poll now: work is pending, or something
    /// changed since the last poll (an accepted event, new contacts, a
    /// blacklist change) that may let it offer or dial. Cleared by `poll`.
    pub fn needs_poll(&self) -> bool {
        self.poll_due || self.pending() > 0
    }

    /// Puts a command made by an earlier poll, and held by the host since,
    /// through the gate again at `now_ms`: `Ok(true)` if it may be handed
    /// out now, `Ok(false)` if it was withdrawn (see the module docs) and
    /// must not be. A time past [`crate::event::MAX_TIME_MS`] is an error
    /// and changes nothing.
    pub fn recheck(&mut self, cmd: &Command, now_ms: u64) -> Result<bool, EngineError> {
        let now = check_time(now_ms)?.max(self.now_ms);
        self.now_ms = now;
        if self.admit(cmd).is_ok() && self.floor_admits(cmd, now) {
            return Ok(true);
        }
        match *cmd {
            Command::Dial { call, operator, .. } if self.call_of(call.contact) == Some(call) => {
                // Never dialed: the attempt ends at once and the contact is
                // due again now, where selection's guards decide (a pending
                // admin action wins); its operator is told.
                self.end_attempt_with(
                    call.contact,
                    Trigger::DialFailed,
                    Outcome::DialFailed,
                    RetryDecision::RetryAt(now),
                    now,
                );
                if let Some(op) = operator {
                    self.outbox.push(Command::Revoke {
                        contact: call.contact,
                        operator: op,
                    });
                }
            }
            Command::Offer { contact, operator }
                if self.operators.contact(operator) == Some(contact)
                    && self.store.state(contact) == Some(State::OperatorAssigned) =>
            {
                self.return_to_hopper(contact, operator, Trigger::OperatorLost);
                self.release_operator(operator, now);
            }
            _ => {}
        }
        self.poll_due = true;
        self.journal_commit();
        Ok(false)
    }

    /// A held Dial that passed the gate, put to the floor's guard again
    /// ([`crate::floor::guard::DialGuard::recheck`]); other commands, and
    /// every command of a lone campaign, pass.
    fn floor_admits(&mut self, cmd: &Command, now: u64) -> bool {
        match (*cmd, self.floor_guard.as_deref_mut()) {
            (Command::Dial { call, number, .. }, Some(g)) => g.recheck(call.contact, number, now),
            _ => true,
        }
    }

    /// Hands the queued commands to `out` through the gate.
    pub(super) fn emit(&mut self, out: &mut Vec<Command>) {
        // The outbox keeps its buffer (taken and given back), so a poll
        // does not grow a fresh one command by command.
        let mut queued = std::mem::take(&mut self.outbox);
        out.reserve(queued.len());
        for cmd in queued.drain(..) {
            match self.admit(&cmd) {
                Ok(()) => out.push(cmd),
                Err(refusal) => {
                    debug_assert!(
                        false,
                        "engine bug: {cmd:?} refused at emission: {refusal:?}"
                    );
                }
            }
        }
        if self.outbox.is_empty() {
            self.outbox = queued;
        }
    }

    /// Checks one command against the state at the moment it leaves.
    pub(super) fn admit(&mut self, cmd: &Command) -> Result<(), Refusal> {
        match *cmd {
            Command::Dial {
                call,
                number,
                number_index,
                operator,
                ..
            } => {
                if self.paused || self.canceled {
                    return Err(Refusal::Stopped);
                }
                let id = call.contact;
                let live = self.calls.get(id).ok_or(Refusal::Stale)?;
                let cleared = live.cleared_at == self.blacklist.version();
                let current = self.store.attempts(id) == Some(call.attempt);
                if self.store.state(id) != Some(State::Calling)
                    || !current
                    || live.call_number != Some(number)
                    || live.operator != operator
                    || self.store.current_number(id) != usize::from(number_index)
                    || !self.calls.in_call(number)
                {
                    return Err(Refusal::Stale);
                }
                self.dial_guards_hold(id, number, number_index, call.attempt, cleared)
            }
            Command::Offer { contact, operator } => {
                if self.paused || self.canceled {
                    return Err(Refusal::Stopped);
                }
                let bound = self.operators.state(operator) == Some(OperatorState::Offered)
                    && self.operators.contact(operator) == Some(contact)
                    && self.store.state(contact) == Some(State::OperatorAssigned);
                if !bound {
                    return Err(Refusal::Stale);
                }
                match self.guard(contact, self.now_ms) {
                    Guard::Go(..) => Ok(()),
                    _ => Err(Refusal::Guard),
                }
            }
            Command::Connect { call, operator } => {
                let id = call.contact;
                let live = self.calls.get(id).ok_or(Refusal::Stale)?;
                let ok = self.store.state(id) == Some(State::CallInProgress)
                    && self.store.attempts(id) == Some(call.attempt)
                    && live.answered
                    && live.call_number.is_some()
                    && live.operator == Some(operator)
                    && self.operators.state(operator) == Some(OperatorState::OnCall)
                    && self.operators.contact(operator) == Some(id);
                if ok {
                    Ok(())
                } else {
                    Err(Refusal::Stale)
                }
            }
            // Made by the timer that ended the attempt, in this same poll:
            // the call they name is the contact's latest one.
            Command::Hangup { call } | Command::Abandon { call } => {
                if self.store.attempts(call.contact) == Some(call.attempt) {
                    Ok(())
                } else {
                    Err(Refusal::Stale)
                }
            }
            // A withdrawal never breaks a guard.
            Command::Revoke { .. } => Ok(()),
            // Agentless: the answered call, still in progress.
            Command::Play { call } => {
                if self.call_of(call.contact) == Some(call)
                    && self.store.state(call.contact) == Some(State::CallInProgress)
                {
                    Ok(())
                } else {
                    Err(Refusal::Stale)
                }
            }
        }
    }
}
