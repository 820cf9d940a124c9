//! Admin: pause and resume are flags; cancel, remove and blacklist end a
//! contact, at once or — while it is in a call or in ACW — when that ends.
//!
//! A contact bound to a call keeps its admin action pending in its live
//! record ([`PendingAdmin`]); [`resolve_pending`] decides where it lands
//! when its live phase ends. An offer or BCW is withdrawn at once (`Revoke`
//! to its operator). A blacklist removal re-queues the contacts it had
//! blacklisted and drops a pending blacklist of a live one.

use super::*;

/// An admin action waiting for a live call to end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum PendingAdmin {
    Blacklist,
    Cancel,
    Remove,
}

impl PendingAdmin {
    pub(super) fn state(self) -> State {
        match self {
            PendingAdmin::Blacklist => State::Blacklisted,
            PendingAdmin::Cancel => State::CanceledByAdmin,
            PendingAdmin::Remove => State::Removed,
        }
    }
}

impl Campaign {
    pub(super) fn cancel_all(&mut self, now: u64) {
        if self.canceled {
            return;
        }
        self.canceled = true;
        self.queue.clear();
        self.hopper.clear();
        for id in 0..self.store.len() as u32 {
            self.cancel_one(ContactId(id), PendingAdmin::Cancel, now);
        }
    }

    /// Applies an admin end state to one contact now, or when its call ends.
    pub(super) fn cancel_one(&mut self, id: ContactId, admin: PendingAdmin, now: u64) {
        let state = self.store.state(id).unwrap_or(State::InvalidRecord);
        let trigger = trigger_for(admin);
        if let Some(live) = self.calls.get_mut(id) {
            let bound_to_call = live.call_number.is_some() || state == State::Acw;
            if bound_to_call {
                live.pending = live.pending.max(Some(admin));
                self.touch(id);
                return;
            }
            // An offer or BCW: withdraw it from the operator.
            let op = live.operator;
            self.take_live(id);
            self.timers.cancel(id.0);
            self.apply(id, trigger, admin.state());
            if let Some(op) = op {
                self.outbox.push(Command::Revoke {
                    contact: id,
                    operator: op,
                });
                self.release_operator(op, now);
            }
            return;
        }
        if state::allows(state, trigger, admin.state()) {
            self.timers.cancel(id.0);
            if state == State::AwaitingOperator {
                self.hopper.retain(|&h| h != id.0);
            }
            self.apply(id, trigger, admin.state());
        }
    }

    pub(super) fn remove(&mut self, id: ContactId, now: u64) -> Result<(), EngineError> {
        let state = self.state_of(id)?;
        if state.is_terminal() {
            return Err(EngineError::IllegalTransition {
                contact: id,
                state,
                event: "Remove",
            });
        }
        self.cancel_one(id, PendingAdmin::Remove, now);
        Ok(())
    }

    pub(super) fn blacklist_add(&mut self, number: u64) {
        self.blacklist.insert(number);
        self.blacklist_effects(number);
    }

    /// Blacklists the contacts with `number`, which is on the blacklist.
    pub(super) fn blacklist_effects(&mut self, number: u64) {
        let calls = &self.calls;
        let effect = self.store.apply_blacklist_add(number, |id, _| {
            calls
                .get(id)
                .is_some_and(|l| l.call_number.is_some() || l.answered)
        });
        for (id, from) in effect.changed {
            self.touch(id);
            self.timers.cancel(id.0);
            match from {
                State::AwaitingOperator => self.hopper.retain(|&h| h != id.0),
                State::OperatorAssigned | State::Bcw => {
                    if let Some(live) = self.take_live(id) {
                        if let Some(op) = live.operator {
                            self.outbox.push(Command::Revoke {
                                contact: id,
                                operator: op,
                            });
                            let now = self.now_ms;
                            self.release_operator(op, now);
                        }
                    }
                }
                _ => {}
            }
        }
        for id in effect.deferred {
            if let Some(live) = self.calls.get_mut(id) {
                live.pending = live.pending.max(Some(PendingAdmin::Blacklist));
                self.touch(id);
            }
        }
    }

    pub(super) fn blacklist_remove(&mut self, number: u64) {
        self.blacklist.remove(number);
        // A contact in a call, to be blacklisted when the call ends, is not
        // any more: the number is off the list.
        let ids: SmallVec<[ContactId; 4]> = self.store.contacts_with_number(number).collect();
        for id in ids {
            if let Some(live) = self.calls.get_mut(id) {
                if live.pending == Some(PendingAdmin::Blacklist) {
                    live.pending = None;
                    self.touch(id);
                }
            }
        }
        for id in self.store.apply_blacklist_remove(number) {
            self.touch(id);
            if self.canceled {
                let _ = self
                    .store
                    .apply(id, Trigger::Cancel, State::CanceledByAdmin);
            } else {
                self.enqueue(id.0);
            }
        }
    }
}

pub(super) fn trigger_for(admin: PendingAdmin) -> Trigger {
    match admin {
        PendingAdmin::Blacklist => Trigger::BlacklistAdd,
        PendingAdmin::Cancel => Trigger::Cancel,
        PendingAdmin::Remove => Trigger::Remove,
    }
}

/// Where a contact lands when its live phase ends: a pending Remove always
/// wins; a pending cancel or blacklist replaces an outcome that would be
/// dialed again (RetryScheduled), while a final outcome (Success,
/// NotReached…) is kept because it says what happened.
pub(super) fn resolve_pending(
    pending: Option<PendingAdmin>,
    natural: State,
    canceled: bool,
) -> State {
    let pending = if canceled {
        pending.max(Some(PendingAdmin::Cancel))
    } else {
        pending
    };
    match pending {
        Some(PendingAdmin::Remove) => State::Removed,
        Some(p) if !natural.is_terminal() => p.state(),
        _ => natural,
    }
}
