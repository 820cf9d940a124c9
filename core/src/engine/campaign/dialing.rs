//! Dialing: the poll loop and the one place that emits `Dial`.
//!
//! `poll` connects waiting answered calls, fires zone and contact timers,
//! connects again, then offers (preview, progressive) or paces (predictive),
//! writes the journal and hands the commands out through the emission gate.
//! `dial` checks every guard right before `place_dial` writes the Dial (a
//! predictive dial takes the number selection's guards cleared a moment
//! before, at the same `now` with nothing changed since, and goes straight
//! to `place_dial`); a dial the guards refuse sends the contact where the
//! guard says, with no attempt counted, and revokes it from the operator
//! who accepted it. Predictive
//! pacing asks the pacer how many calls to dial (capped by the abandon
//! guard) and keeps an operator for a contact abandoned recently.

use super::*;
use crate::floor::dnc::Hit;
use crate::floor::guard::{DeferReason, DialGuard, Verdict};

impl Campaign {
    /// error and changes nothing.
    pub fn poll(&mut self, now_ms: u64, out: &mut Vec<Command>) -> Result<(), EngineError> {
        check_time(now_ms)?;
        let now = now_ms.max(self.now_ms);
        self.now_ms = now;
        self.poll_due = false;
        if self.durability_error().is_some() {
            // The journal cannot be written: hand out nothing (see durable).
            self.outbox.clear();
            return Ok(());
        }
        // Answered calls that found a ready operator since the last poll
        // first, before their abandon limit can fire.
        self.connect_waiting(now);
        self.play_answered();
        self.fire_zone_timers(now);
        self.fire_contact_timers(now);
        self.connect_waiting(now);
        if !self.paused && !self.canceled {
            self.serve_personal_callbacks(now);
            match self.config.mode {
                Mode::Preview | Mode::Progressive => self.offer_to_ready_operators(now),
                Mode::Predictive => self.pace_predictive(now),
                Mode::Agentless => self.pace_agentless(now),
            }
        }
        if self.journal_poll(now) {
            self.emit(out);
        } else {
            self.outbox.clear();
        }
        Ok(())
    }

    /// Dials a contact if every guard allows it now (the campaign's, then
    /// the floor's); returns true if it dialed.
    pub(super) fn dial(
        &mut self,
        id: ContactId,
        operator: Option<OperatorId>,
        trigger: Trigger,
        now: u64,
    ) -> bool {
        let mut guard = if self.paused || self.canceled {
            None
        } else {
            Some(self.guard(id, now))
        };
        let mut floor = Verdict::Allow;
        if let Some(Guard::Go(number, k)) = guard {
            floor = self.floor_verdict(id, number, now);
            match floor {
                Verdict::Allow => return self.place_dial(id, number, k, operator, trigger, now),
                Verdict::Defer {
                    until_ms,
                    reason: DeferReason::Trunk,
                } if self.store.state(id) == Some(State::Bcw) => {
                    // The operator waits in BCW for a line: the countdown
                    // fires again when the trunk has one.
                    self.timers.arm(id.0, until_ms.max(now));
                    return false;
                }
                _ => guard = None,
            }
        }
        // Not dialed: release the operator and withdraw the contact.
        let pending = self.take_live(id).and_then(|l| l.pending);
        self.timers.cancel(id.0);
        if let Some(op) = operator {
            self.outbox.push(Command::Revoke {
                contact: id,
                operator: op,
            });
            self.release_operator(op, now);
        }
        match (pending, guard) {
            (Some(p), _) => self.apply(id, trigger_for(p), p.state()),
            (None, Some(g)) => self.hold_back(id, g, now),
            (None, None) if floor != Verdict::Allow => self.floor_hold_back(id, floor, now),
            (None, None) => {
                // Paused or canceled between accept and dial.
                if self.canceled {
                    self.apply(id, Trigger::Cancel, State::CanceledByAdmin);
                } else {
                    self.journal_held_back(id, crate::records::HoldReason::Paused);
                    let to = self.waiting_state(id);
                    self.apply(id, Trigger::Deferred, to);
                    self.enqueue_front(id);
                }
            }
        }
        false
    }

    /// True when the campaign may have a contact to offer or dial now: not
    /// paused or canceled, and a contact waits in the hopper or in the
    /// queue of an open calling window (the guards may still hold it back).
    /// What a floor asks before lending the campaign an operator.
    pub fn has_dialable(&self) -> bool {
        !self.paused && !self.canceled && (!self.hopper.is_empty() || self.queue.has_open())
    }

    /// Installs (or, with `None`, removes) the guard this campaign asks for
    /// each Dial after its own guards (see [`crate::floor::guard`]); returns
    /// the one it had. A floor installs its own; a lone campaign has none.
    pub fn set_dial_guard(
        &mut self,
        guard: Option<Box<dyn DialGuard>>,
    ) -> Option<Box<dyn DialGuard>> {
        std::mem::replace(&mut self.floor_guard, guard)
    }

    /// The floor guard's verdict on dialing `id` on `number` now (`Allow`
    /// without a guard).
    pub(super) fn floor_verdict(&mut self, id: ContactId, number: u64, now: u64) -> Verdict {
        match self.floor_guard.as_deref_mut() {
            None => Verdict::Allow,
            Some(g) => g.check(id, number, now),
        }
    }

    /// Applies a floor guard's refusal to a contact bound to no operator
    /// (see [`crate::floor::guard`] for where each one goes); nothing is
    /// counted.
    pub(super) fn floor_hold_back(&mut self, id: ContactId, verdict: Verdict, now: u64) {
        use crate::records::HoldReason;
        match verdict {
            Verdict::Allow => {}
            Verdict::Block(hit) => {
                let reason = match hit {
                    Hit::Registry => HoldReason::DncRegistry,
                    Hit::List(_) => HoldReason::DncList,
                };
                self.journal_held_back(id, reason);
                self.apply(id, Trigger::BlacklistHit, State::Blacklisted);
            }
            Verdict::Defer { until_ms, reason } => {
                let reason = match reason {
                    DeferReason::Cap => HoldReason::FloorCap,
                    DeferReason::NumberInCall | DeferReason::Trunk => HoldReason::NumberBusy,
                };
                self.hold_back(id, Guard::Delay(until_ms.max(now), reason), now);
            }
        }
    }

    /// Writes the Dial for a contact whose guards said `Go(number)` at
    /// `now`, with nothing changed since (selection's check, or `dial`'s).
    pub(super) fn place_dial(
        &mut self,
        id: ContactId,
        number: u64,
        number_index: u8,
        operator: Option<OperatorId>,
        trigger: Trigger,
        now: u64,
    ) -> bool {
        let k = usize::from(number_index);
        if k != self.store.current_number(id) {
            // The guards moved it to another number since its offer: that
            // number's reservation goes.
            let reserved = self.current_digits(id);
            self.calls.release_offer(id, reserved);
            let _ = self.store.set_current_number(id, k);
        }
        self.store.count_number_dial(id, k);
        if number_index > 0 {
            self.journal_dialed_at(id, number_index);
        }
        let attempt = self.store.add_attempt(id).expect("known contact");
        self.apply(id, trigger, State::Calling);
        let cleared_at = self.blacklist.version();
        self.calls.dial(id, number, operator, cleared_at, now);
        if let Some(op) = operator {
            self.operators.set(op, OperatorState::OnCall, Some(id), now);
        }
        self.record_bound(Fact::Dialed, id, operator.is_some(), now);
        let caller_id = self.caller_ids.pick(number, now);
        if let Some(cid) = caller_id {
            self.journal_caller_id(id, cid);
        }
        self.timers
            .arm(id.0, now.saturating_add(self.config.ring_timeout_ms));
        self.outbox.push(Command::Dial {
            call: CallId {
                contact: id,
                attempt,
            },
            number,
            number_index,
            operator,
            caller_id,
        });
        true
    }

    /// For a contact selection just cleared (bound to no operator): true if
    /// the floor guard allows its Dial now; else the refusal is applied (a
    /// trunk refusal puts it back at the head of its queue and sets
    /// `floor_stopped`: no more dials this poll).
    pub(super) fn floor_allows(&mut self, id: ContactId, number: u64, now: u64) -> bool {
        self.floor_stopped = false;
        match self.floor_verdict(id, number, now) {
            Verdict::Allow => true,
            Verdict::Defer {
                reason: DeferReason::Trunk,
                ..
            } => {
                self.enqueue_front(id);
                self.floor_stopped = true;
                false
            }
            other => {
                self.floor_hold_back(id, other, now);
                false
            }
        }
    }

    /// Agentless (voice broadcast): dial up to `agentless_lines` calls in
    /// flight, through the same guards as every dial; no operator.
    pub(super) fn pace_agentless(&mut self, now: u64) {
        let lines = self.config.agentless_lines as usize;
        while self.calls.len() < lines {
            let Some((id, number, index)) = self.next_dialable(now) else {
                break;
            };
            if !self.floor_allows(id, number, now) {
                if self.floor_stopped {
                    break;
                }
                continue;
            }
            self.place_dial(id, number, index, None, Trigger::Dial, now);
        }
    }

    /// configured abandon guard, see [`Pacing::decide`]) and dial them.
    pub(super) fn pace_predictive(&mut self, now: u64) {
        let (day_answered, day_abandoned) = self.counters.day.totals(now);
        let (month_answered, month_abandoned) = self.counters.month.totals(now);
        let (guarded_answered, guarded_abandoned) = match self.config.abandon_window {
            AbandonWindow::Day => (day_answered, day_abandoned),
            AbandonWindow::ThirtyDays => (month_answered, month_abandoned),
        };
        let ctx = PollContext {
            now_ms: now,
            waiting: self.calls.waiting(),
            meter: MeterReadings {
                guarded_rate: ratio(guarded_abandoned, guarded_answered),
                guarded_answered,
                guarded_abandoned,
                day_answered,
                day_abandoned,
            },
            abandon_target: self.config.abandon_target,
            abandon_limit_ms: self.config.abandon_limit_ms,
            ring_timeout_ms: self.config.ring_timeout_ms,
            guard: self.config.abandon_guard,
        };
        let dials = self.pacing.decide(&self.operators, ctx);
        // Each contact comes with the number its guards cleared a moment
        // before, at this same `now` and with nothing changed since, so the
        // Dial is placed without asking them again (the emission gate still
        // checks it as it leaves).
        for _ in 0..dials {
            let Some((id, number, k)) = self.next_dialable(now) else {
                break;
            };
            let window = self.config.retry.reserve_operator_after_abandon_ms;
            let reserve = window > 0
                && self
                    .history
                    .abandoned_at
                    .get(&id.0)
                    .is_some_and(|&at| now.saturating_sub(at) < window);
            if reserve && self.operators.longest_idle().is_none() {
                self.enqueue_front(id);
                break;
            }
            if !self.floor_allows(id, number, now) {
                if self.floor_stopped {
                    break;
                }
                continue;
            }
            if reserve {
                let op = self.operators.longest_idle().expect("checked");
                self.place_dial(id, number, k, Some(op), Trigger::Dial, now);
                if self.operators.ready_count() == 0 {
                    break;
                }
            } else {
                self.place_dial(id, number, k, None, Trigger::Dial, now);
            }
        }
    }
}
