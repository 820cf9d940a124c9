//! Dispositions: what an operator's wrap-up does, and personal callbacks.
//!
//! `AcwDone` carries a [`Disposition`]. A wrap-up code
//! (`Disposition::Code`) is looked up in the campaign's `dispositions`
//! table and turned into a concrete disposition at the time of the
//! wrap-up (a delay becomes a due time) before anything changes; a code
//! not in the table is refused with [`EngineError::UnknownDisposition`].
//! The outcomes:
//!
//! | disposition | contact becomes |
//! |---|---|
//! | `Done` | Success |
//! | `Failed` | RejectedByOperator (final: the client was reached, the answer is no) |
//! | `RetryAfter { delay_ms }` | RetryScheduled, due after the delay (the attempt caps still apply at the dial) |
//! | `Callback { at_ms }` | RetryScheduled at `at_ms`, any operator |
//! | `PersonalCallback { at_ms, expires_ms }` | RetryScheduled at `at_ms`, this operator only until `expires_ms` |
//! | `Blacklist` | Blacklisted, its number on the blacklist (every contact with it follows) |
//!
//! A pending admin action (cancel, remove, blacklist) wins over each.
//!
//! **Personal callbacks.** The contact keeps its one timer: at `at_ms` it
//! fires and, instead of entering the selection queue, the contact joins
//! its operator's list of due callbacks and the timer is re-armed at
//! `expires_ms`. Each poll first serves those lists whose operator is
//! ready (an offer in preview and progressive, a dial with the operator
//! reserved in predictive — through the guards either way); when the
//! expiry fires first the callback becomes campaign-wide (the contact
//! enters the selection queue as a due retry). No scan: the lists are
//! per operator, and a poll only looks at operators with a due callback.
//! An offer of it that is missed or declined (or whose operator logs out)
//! before the expiry brings it back to the head of its operator's list; an
//! accept (or, predictive, the dial) ends its personal mark. A callback
//! the guards hold back (window closed, number busy) loses its personal
//! mark and follows the guard, as every contact does. Personal
//! marks are not in the journal: after a recovery a personal callback is
//! campaign-wide (its due time is kept).
//!
//! **Blacklisting "the contact's numbers".** A `Blacklist` disposition
//! adds every number of the contact ([`Campaign::numbers_of`]): a
//! do-not-call request is the person's, whichever number reached them.

use std::collections::{BTreeMap, VecDeque};

use super::*;
use crate::config::WrapUp;

/// A personal callback's owner and expiry.
#[derive(Debug, Clone, Copy)]
struct Personal {
    operator: OperatorId,
    expires_ms: u64,
}

/// The personal callbacks of a campaign.
#[derive(Debug, Default)]
pub(super) struct Callbacks {
    by_contact: HashMap<u32, Personal>,
    /// Due personal callbacks, per operator (ordered for determinism),
    /// oldest due first.
    due: BTreeMap<u32, VecDeque<u32>>,
}

impl Callbacks {
    /// The operator a contact's personal callback belongs to, if any.
    pub(super) fn owner(&self, id: ContactId) -> Option<OperatorId> {
        self.by_contact.get(&id.0).map(|p| p.operator)
    }

    fn forget(&mut self, id: ContactId) {
        if let Some(p) = self.by_contact.remove(&id.0) {
            if let Some(list) = self.due.get_mut(&p.operator.0) {
                list.retain(|&c| c != id.0);
                if list.is_empty() {
                    self.due.remove(&p.operator.0);
                }
            }
        }
    }
}

impl Campaign {
    /// The disposition `d` means at `now`: a wrap-up code looked up in the
    /// campaign's table (delays become times). Checks times; changes nothing.
    pub(super) fn resolve_disposition(
        &self,
        d: Disposition,
        now: u64,
    ) -> Result<Disposition, EngineError> {
        let d = match d {
            Disposition::Code(code) => {
                let wrap = self
                    .config
                    .dispositions
                    .iter()
                    .find(|(c, _)| *c == code)
                    .map(|&(_, w)| w)
                    .ok_or(EngineError::UnknownDisposition(code))?;
                match wrap {
                    WrapUp::Success => Disposition::Done,
                    WrapUp::Failure => Disposition::Failed,
                    WrapUp::Retry(delay_ms) => Disposition::RetryAfter { delay_ms },
                    WrapUp::Callback(delay) => Disposition::Callback {
                        at_ms: now.saturating_add(delay).min(crate::event::MAX_TIME_MS),
                    },
                    WrapUp::PersonalCallback { delay, expiry } => {
                        let at_ms = now.saturating_add(delay).min(crate::event::MAX_TIME_MS);
                        Disposition::PersonalCallback {
                            at_ms,
                            expires_ms: at_ms.saturating_add(expiry).min(crate::event::MAX_TIME_MS),
                        }
                    }
                    WrapUp::Blacklist => Disposition::Blacklist,
                }
            }
            other => other,
        };
        for t in d.times().into_iter().flatten() {
            check_time(t)?;
        }
        Ok(d)
    }

    /// The numbers a `Blacklist` disposition adds for contact `id`: every
    /// number of the contact (a do-not-call request is the person's, so
    /// none of their numbers is dialed again by any contact).
    pub(super) fn numbers_of(&self, id: ContactId) -> SmallVec<[u64; 4]> {
        self.store
            .numbers_of(id)
            .into_iter()
            .map(|n| n.number)
            .filter(|&n| n != 0)
            .collect()
    }

    /// Registers a personal callback of `op` for contact `id` (already
    /// RetryScheduled with its timer at the due time).
    pub(super) fn add_personal_callback(&mut self, id: ContactId, op: OperatorId, expires_ms: u64) {
        self.callbacks.forget(id);
        self.callbacks.by_contact.insert(
            id.0,
            Personal {
                operator: op,
                expires_ms,
            },
        );
    }

    /// A RetryScheduled contact's timer fired: true if it was a personal
    /// callback's (it joined its operator's due list, or, expired, was
    /// made campaign-wide and queued); false for an ordinary retry.
    pub(super) fn personal_callback_timer(&mut self, id: ContactId, now: u64) -> bool {
        let Some(p) = self.callbacks.by_contact.get(&id.0).copied() else {
            return false;
        };
        let listed = self
            .callbacks
            .due
            .get(&p.operator.0)
            .is_some_and(|l| l.contains(&id.0));
        if now >= p.expires_ms {
            // Anyone may take it now.
            self.callbacks.forget(id);
            return false;
        }
        if !listed {
            self.callbacks
                .due
                .entry(p.operator.0)
                .or_default()
                .push_back(id.0);
            self.poll_due = true;
        }
        self.timers.arm(id.0, p.expires_ms);
        true
    }

    /// Offers (or, predictive, dials) due personal callbacks to their
    /// operators that are ready, through the guards.
    pub(super) fn serve_personal_callbacks(&mut self, now: u64) {
        if self.callbacks.due.is_empty() {
            return;
        }
        let ops: SmallVec<[u32; 8]> = self.callbacks.due.keys().copied().collect();
        for op in ops {
            let op = OperatorId(op);
            while self.operators.state(op) == Some(OperatorState::Ready) {
                let Some(id) = self
                    .callbacks
                    .due
                    .get_mut(&op.0)
                    .and_then(|l| l.pop_front())
                    .map(ContactId)
                else {
                    break;
                };
                let valid = self.store.state(id) == Some(State::RetryScheduled)
                    && self.callbacks.owner(id) == Some(op);
                if !valid {
                    self.callbacks.forget(id);
                    continue;
                }
                self.timers.cancel(id.0);
                match self.guard(id, now) {
                    Guard::Go(number, index) => match self.config.mode {
                        Mode::Predictive => {
                            self.callbacks.forget(id);
                            if self.floor_allows(id, number, now) {
                                self.place_dial(id, number, index, Some(op), Trigger::Dial, now);
                            }
                        }
                        // Still personal while offered: a miss or a
                        // decline brings it back to this operator's list.
                        _ => self.offer(id, op, now),
                    },
                    other => {
                        self.callbacks.forget(id);
                        self.hold_back(id, other, now);
                    }
                }
            }
            if self.callbacks.due.get(&op.0).is_some_and(|l| l.is_empty()) {
                self.callbacks.due.remove(&op.0);
            }
        }
    }

    /// An offered personal callback was missed or declined (or its
    /// operator left): before its expiry it goes back to RetryScheduled at
    /// the head of its operator's list, its timer at the expiry. False when
    /// the contact is no personal callback (or it has expired): the caller
    /// returns it to the hopper as usual.
    pub(super) fn return_personal(&mut self, id: ContactId) -> bool {
        let Some(p) = self.callbacks.by_contact.get(&id.0).copied() else {
            return false;
        };
        if self.now_ms >= p.expires_ms {
            self.callbacks.forget(id);
            return false;
        }
        self.apply(id, Trigger::Deferred, State::RetryScheduled);
        self.timers.arm(id.0, p.expires_ms);
        let list = self.callbacks.due.entry(p.operator.0).or_default();
        if !list.contains(&id.0) {
            list.push_front(id.0);
        }
        true
    }

    /// The operator accepted the contact: a personal callback is served.
    pub(super) fn personal_callback_taken(&mut self, id: ContactId) {
        if !self.callbacks.by_contact.is_empty() {
            self.callbacks.forget(id);
        }
    }
}
