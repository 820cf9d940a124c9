//! Calls in flight: the lifecycle of one attempt from answer to its end.
//!
//! A contact bound to an operator or a call has one `Live` record in the
//! calls in flight (`inflight`); every call event finds it with one lookup.
//! This part answers, connects (also the waiting answered calls,
//! longest waiting first), ends attempts that did not reach the client
//! (retry or final state, by the retry policy), abandons, ends talk (ACW or
//! Success) and finishes ACW, releasing the operator each time.

use super::*;

impl Campaign {
    pub(super) fn on_answered(&mut self, call: CallId, now: u64) -> Result<(), EngineError> {
        self.check_call(call, "Answered", Trigger::Answered)?;
        let id = call.contact;
        self.timers.cancel(id.0);
        self.record(Fact::Answered, id, now);
        let live = self.calls.get_mut(id).expect("checked: live call");
        live.answered = true;
        if self.config.mode == Mode::Agentless {
            // Voice broadcast: no operator; the next poll hands out Play.
            self.apply(id, Trigger::Answered, State::CallInProgress);
            self.to_play.push(call);
            self.arm_watchdog(id, now);
            return Ok(());
        }
        match live.operator {
            Some(op) => {
                self.apply(id, Trigger::Answered, State::CallInProgress);
                self.connect(id, op, false, now);
            }
            None => {
                // Waits for an operator; the next poll connects it (at once
                // when one is ready: `pending()` says so).
                self.apply(id, Trigger::Answered, State::AwaitingOperator);
                self.calls.wait(id);
                self.timers
                    .arm(id.0, now.saturating_add(self.config.abandon_limit_ms));
            }
        }
        Ok(())
    }

    /// Binds an answered call to an operator and, for predictive calls, tells the host.
    pub(super) fn connect(&mut self, id: ContactId, op: OperatorId, command: bool, now: u64) {
        let _ = self.store.set_last_outcome(id, Outcome::Connected);
        let k = self.store.current_number(id);
        self.store.end_number_attempt(id, k, Outcome::Connected);
        if let Some(live) = self.calls.get_mut(id) {
            live.operator = Some(op);
        }
        self.operators.set(op, OperatorState::OnCall, Some(id), now);
        self.operators.start_talk(op, now);
        self.record(Fact::Connected, id, now);
        self.arm_watchdog(id, now);
        if command {
            let call = self.call_id(id);
            self.outbox.push(Command::Connect { call, operator: op });
        }
    }

    /// Unbinds a contact from its operator or call, releasing its number's
    /// offer reservation.
    pub(super) fn take_live(&mut self, id: ContactId) -> Option<Live> {
        let number = self.current_digits(id);
        self.calls.take(id, number)
    }

    pub(super) fn call_id(&self, id: ContactId) -> CallId {
        CallId {
            contact: id,
            attempt: self.store.attempts(id).unwrap_or(0),
        }
    }

    pub(super) fn on_not_reached(
        &mut self,
        call: CallId,
        event: &'static str,
        trigger: Trigger,
        outcome: Outcome,
        now: u64,
    ) -> Result<(), EngineError> {
        self.check_call(call, event, trigger)?;
        if outcome == Outcome::Machine {
            self.record(Fact::Machine, call.contact, now);
        }
        self.end_attempt(call.contact, trigger, outcome, now);
        Ok(())
    }

    /// Ends an attempt that did not reach the client (Calling, or an answered
    /// call dropped while waiting): retry or final state, operator released.
    pub(super) fn end_attempt(
        &mut self,
        id: ContactId,
        trigger: Trigger,
        outcome: Outcome,
        now: u64,
    ) {
        let attempts = self.store.attempts(id).unwrap_or(0);
        let decision = self.config.retry.decide(outcome, attempts, now);
        self.end_attempt_with(id, trigger, outcome, decision, now);
    }

    /// [`Campaign::end_attempt`] with the retry decision given.
    pub(super) fn end_attempt_with(
        &mut self,
        id: ContactId,
        trigger: Trigger,
        outcome: Outcome,
        decision: RetryDecision,
        now: u64,
    ) {
        self.pacing.stats.on_attempt_end(id.0, now);
        self.timers.cancel(id.0);
        let live = self.take_live(id).expect("live call");
        if let Some(n) = live.call_number {
            self.hang_up(id, n, false, now);
        }
        if live.answered && live.operator.is_none() {
            self.calls.unwait(id);
        }
        let _ = self.store.set_last_outcome(id, outcome);
        self.after_number_attempt(id, outcome);
        let natural = match decision {
            RetryDecision::RetryAt(_) => State::RetryScheduled,
            RetryDecision::Final(s) => s,
        };
        let to = resolve_pending(live.pending, natural, self.canceled);
        self.apply(id, trigger, to);
        if let (State::RetryScheduled, RetryDecision::RetryAt(at)) = (to, decision) {
            self.timers.arm(id.0, at);
        }
        if let Some(op) = live.operator {
            self.release_operator(op, now);
        }
    }

    /// The carrier refused the dial (SIP 503 / 429): the contact goes back
    /// to RetryScheduled, due at once, with its attempt counts, its current
    /// number and the 24-hour history as before the dial (a pending admin
    /// action wins); its operator, if any, is released.
    pub(super) fn on_congestion(&mut self, call: CallId, now: u64) -> Result<(), EngineError> {
        let state = self.check_call(call, "Congestion", Trigger::DialFailed)?;
        let id = call.contact;
        if state != State::Calling {
            return Err(EngineError::IllegalTransition {
                contact: id,
                state,
                event: "Congestion",
            });
        }
        self.record(Fact::Congested, id, now);
        let attempts = self.store.attempts(id).unwrap_or(0);
        let _ = self.store.set_attempts(id, attempts.saturating_sub(1));
        let k = self.store.current_number(id);
        self.store.uncount_number_dial(id, k);
        self.pacing.stats.on_attempt_end(id.0, now);
        self.timers.cancel(id.0);
        let live = self.take_live(id).expect("live call");
        if let Some(n) = live.call_number {
            self.hang_up(id, n, true, now);
        }
        let to = resolve_pending(live.pending, State::RetryScheduled, self.canceled);
        self.apply(id, Trigger::DialFailed, to);
        if to == State::RetryScheduled {
            self.timers.arm(id.0, now);
        }
        if let Some(op) = live.operator {
            self.outbox.push(Command::Revoke {
                contact: id,
                operator: op,
            });
            self.release_operator(op, now);
        }
        Ok(())
    }

    /// The call on `number` of contact `id` is over: the number is free
    /// for another contact, and a floor guard learns the call ended
    /// (`congested`: the carrier refused it, see `Event::Congestion`).
    pub(super) fn hang_up(&mut self, id: ContactId, number: u64, congested: bool, now: u64) {
        self.calls.hang_up(number);
        if let Some(g) = self.floor_guard.as_deref_mut() {
            g.ended(id, number, congested, now);
        }
    }

    pub(super) fn on_client_hung_up(&mut self, call: CallId, now: u64) -> Result<(), EngineError> {
        let state = self.check_call(call, "ClientHungUp", Trigger::ClientHungUp)?;
        if state == State::AwaitingOperator {
            self.abandon(call.contact, Trigger::ClientHungUp, now);
        } else {
            self.end_talk(call.contact, Trigger::ClientHungUp, now);
        }
        Ok(())
    }

    pub(super) fn abandon(&mut self, id: ContactId, trigger: Trigger, now: u64) {
        self.record(Fact::Abandoned, id, now);
        self.end_attempt(id, trigger, Outcome::Abandoned, now);
    }

    /// The talk ended: ACW, or Success when ACW is off.
    pub(super) fn end_talk(&mut self, id: ContactId, trigger: Trigger, now: u64) {
        self.timers.cancel(id.0);
        let live = self.calls.get_mut(id).expect("live call");
        let number = live.call_number.take();
        let operator = live.operator;
        if let Some(n) = number {
            self.hang_up(id, n, false, now);
        }
        let Some(op) = operator else {
            // Agentless: the message was played; the contact is done.
            self.pacing.stats.on_attempt_end(id.0, now);
            let live = self.take_live(id).expect("live");
            let _ = self.store.set_last_outcome(id, Outcome::Connected);
            let to = resolve_pending(live.pending, State::Success, self.canceled);
            self.apply(id, trigger, to);
            return;
        };
        self.operators.stop_talk(op, now);
        self.pacing.on_talk_end(id.0, self.config.acw_enabled, now);
        if self.config.acw_enabled {
            self.apply(id, trigger, State::Acw);
            self.operators.set(op, OperatorState::Acw, Some(id), now);
            if self.config.acw_limit_ms > 0 {
                self.timers
                    .arm(id.0, now.saturating_add(self.config.acw_limit_ms));
            }
        } else {
            let live = self.take_live(id).expect("live");
            let to = resolve_pending(live.pending, State::Success, self.canceled);
            self.apply(id, trigger, to);
            self.release_operator(op, now);
        }
    }

    /// Ends ACW with the operator's (resolved) disposition, see `callbacks`.
    pub(super) fn finish_acw(
        &mut self,
        id: ContactId,
        trigger: Trigger,
        disposition: Disposition,
        now: u64,
    ) {
        self.pacing.stats.on_acw_end(id.0, now);
        self.timers.cancel(id.0);
        if disposition == Disposition::Blacklist {
            // Every other contact with the number follows; this one ends
            // Blacklisted below.
            let numbers = self.numbers_of(id);
            self.journal_blacklist(true, &numbers);
            for n in numbers {
                self.blacklist_add(n);
            }
        }
        let live = self.take_live(id).expect("contact in ACW is live");
        let (natural, due) = match disposition {
            Disposition::Done | Disposition::Code(_) => (State::Success, None),
            Disposition::Blacklist => (State::Blacklisted, None),
            Disposition::Failed => (State::RejectedByOperator, None),
            Disposition::Callback { at_ms } | Disposition::PersonalCallback { at_ms, .. } => {
                (State::RetryScheduled, Some(at_ms))
            }
            Disposition::RetryAfter { delay_ms } => {
                (State::RetryScheduled, Some(now.saturating_add(delay_ms)))
            }
        };
        let to = resolve_pending(live.pending, natural, self.canceled);
        if due.is_some() {
            let _ = self.store.set_last_outcome(id, Outcome::Callback);
        }
        self.apply(id, trigger, to);
        if let (State::RetryScheduled, Some(at)) = (to, due) {
            self.timers.arm(id.0, at);
            if let (Disposition::PersonalCallback { at_ms, expires_ms }, Some(op)) =
                (disposition, live.operator)
            {
                if expires_ms > at_ms {
                    self.add_personal_callback(id, op, expires_ms);
                }
            }
        }
        if let Some(op) = live.operator {
            self.release_operator(op, now);
        }
    }

    /// Arms the watchdog of a call just connected (or, agentless,
    /// answered): the earlier of `max_call_ms` after the dial and
    /// `max_talk_ms` after now; nothing when both are off.
    pub(super) fn arm_watchdog(&mut self, id: ContactId, now: u64) {
        let dialed_at = self.calls.get(id).map_or(now, |l| l.dialed_at);
        let limits = [
            (self.config.max_call_ms > 0)
                .then(|| dialed_at.saturating_add(self.config.max_call_ms)),
            (self.config.max_talk_ms > 0).then(|| now.saturating_add(self.config.max_talk_ms)),
        ];
        if let Some(at) = limits.into_iter().flatten().min() {
            self.timers.arm(id.0, at.max(now));
        }
    }

    /// A connected call's watchdog fired: the PBX never said the call
    /// ended. Hang up, end the talk as `CallEnded` would (ACW or Success),
    /// free the operator's call, count it.
    pub(super) fn watchdog_hangup(&mut self, id: ContactId, now: u64) {
        let call = self.call_id(id);
        self.outbox.push(Command::Hangup { call });
        self.record(Fact::Watchdog, id, now);
        self.to_play.retain(|c| c.contact != id);
        self.end_talk(id, Trigger::CallEnded, now);
    }

    /// Agentless: hands a `Play` to each answered call still in progress.
    pub(super) fn play_answered(&mut self) {
        for call in std::mem::take(&mut self.to_play) {
            if self.call_of(call.contact) == Some(call)
                && self.store.state(call.contact) == Some(State::CallInProgress)
            {
                self.outbox.push(Command::Play { call });
            }
        }
    }

    /// Connects answered calls waiting for an operator, longest waiting first.
    pub(super) fn connect_waiting(&mut self, now: u64) {
        while self.calls.first_waiting().is_some() {
            let Some(op) = self.operators.longest_idle() else {
                break;
            };
            let id = self.calls.pop_waiting().expect("one waits");
            self.timers.cancel(id.0);
            self.apply(id, Trigger::Connect, State::CallInProgress);
            self.connect(id, op, true, now);
        }
    }
}
