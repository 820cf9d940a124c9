//! Queries: read-only views of a campaign (config, states, counts, the
//! store, operators, zones, blacklist, live bindings, timers, metrics, the
//! pacer and its statistics).
//!
//! Nothing here changes the engine except the clock-free reads of the
//! rolling meters at a given `now_ms` (`metrics`, `guarded_abandon_rate`),
//! which only age out old buckets; each query is O(1) or O(operators).

use super::*;

impl Campaign {
    /// The configuration.
    pub fn config(&self) -> &CampaignConfig {
        &self.config
    }

    /// The state of a contact.
    pub fn state(&self, contact: ContactId) -> Option<State> {
        self.store.state(contact)
    }

    /// O(1) counts per state.
    pub fn counts(&self) -> &Counts {
        self.store.counts()
    }

    /// The contact store, for column views and per-contact queries.
    pub fn store(&self) -> &ContactStore {
        &self.store
    }

    /// The operators.
    pub fn operators(&self) -> &Operators {
        &self.operators
    }

    /// The time zones interned so far.
    pub fn zones(&self) -> &ZoneTable {
        &self.zones
    }

    /// The blacklist.
    pub fn blacklist(&self) -> &Blacklist {
        &self.blacklist
    }

    /// True while paused by an admin.
    pub fn is_paused(&self) -> bool {
        self.paused
    }

    /// True once canceled.
    pub fn is_canceled(&self) -> bool {
        self.canceled
    }

    /// The operator bound to a contact (offer, BCW, call or ACW).
    pub fn operator_of(&self, contact: ContactId) -> Option<OperatorId> {
        self.calls.operator(contact)
    }

    /// The current call of a contact, if one is in progress (dialed, not ended).
    pub fn call_of(&self, contact: ContactId) -> Option<CallId> {
        let live = self.calls.get(contact)?;
        live.call_number?;
        Some(CallId {
            contact,
            attempt: self.store.attempts(contact)?,
        })
    }

    /// When a contact's pending timer fires (retry due, ring timeout, …).
    pub fn timer_of(&self, contact: ContactId) -> Option<u64> {
        self.timers.deadline(contact.0)
    }

    /// The latest time the engine has seen.
    pub fn now_ms(&self) -> u64 {
        self.now_ms
    }

    /// When the host must poll next: [`Campaign::now_ms`] while
    /// [`Campaign::needs_poll`] holds, else the earliest pending timer
    /// (`None`: no timer; poll again after the next event).
    pub fn next_deadline(&self) -> Option<u64> {
        if self.needs_poll() {
            return Some(self.now_ms);
        }
        self.next_timer()
    }

    /// The earliest pending timer (contact or zone), due or not.
    pub(super) fn next_timer(&self) -> Option<u64> {
        match (
            self.timers.next_deadline(),
            self.zone_timers.next_deadline(),
        ) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// The campaign's figures at `now_ms` (a time past
    /// [`crate::event::MAX_TIME_MS`] is an error).
    pub fn metrics(&mut self, now_ms: u64) -> Result<Metrics, EngineError> {
        let now = check_time(now_ms)?.max(self.now_ms);
        let mut m = self.counters.metrics;
        m.abandon_rate = ratio(m.abandoned, m.answered);
        m.abandon_rate_24h = self.counters.day.rate(now);
        m.abandon_rate_30d = self.counters.month.rate(now);
        let (talk, logged_in) = self.operators.talk_and_logged_in_ms(now);
        m.talk_ms = talk;
        m.logged_in_ms = logged_in;
        m.occupancy = ratio(talk, logged_in);
        m.ready_operators = self.operators.ready_count() as u32;
        m.logged_in_operators = self.operators.logged_in_count() as u32;
        m.ringing = self.store.counts().get(State::Calling);
        m.waiting = self.calls.waiting() as u32;
        Ok(m)
    }

    /// The predictive pacer in use.
    pub fn pacer(&self) -> &dyn Pacer {
        self.pacing.pacer()
    }

    /// Replaces the predictive pacer (the statistics it reads are kept).
    /// `Campaign::new` starts with the fixed-ratio pacer at
    /// `predictive_ratio`; see [`crate::pacing`] for the dialcore pacer.
    pub fn set_pacer(&mut self, pacer: Box<dyn Pacer>) {
        self.poll_due = true;
        self.pacing.set_pacer(pacer);
    }

    /// The outcome and duration statistics the pacer is given.
    pub fn pacing_stats(&self) -> &PacingStats {
        &self.pacing.stats
    }

    /// The abandon rate the guard watches (the configured window) at `now_ms`.
    /// A time past [`crate::event::MAX_TIME_MS`] is an error.
    pub fn guarded_abandon_rate(&mut self, now_ms: u64) -> Result<f64, EngineError> {
        check_time(now_ms)?;
        Ok(match self.config.abandon_window {
            AbandonWindow::Day => self.counters.day.rate(now_ms),
            AbandonWindow::ThirtyDays => self.counters.month.rate(now_ms),
        })
    }
}
