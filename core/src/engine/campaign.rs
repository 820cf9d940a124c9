//! The campaign engine: contacts, operators, timers and the three modes.
//!
//! A [`Campaign`] is driven by its host through three calls: `handle(event,
//! now_ms)` for what happened, `poll(now_ms, &mut out)` to fire due timers,
//! select and pace, and collect commands, and queries (`state`, `counts`,
//! `metrics`). It never reads a clock and never spawns a thread: the same
//! calls give the same commands, byte for byte.
//!
//! **Where things live.** Contacts are columns in the [`ContactStore`]; each
//! contact has at most one timer in the contact [`Wheel`], whose meaning
//! follows from its state (offer timeout in OperatorAssigned, countdown in
//! Bcw, ring timeout in Calling, abandon limit in AwaitingOperator with a
//! call, ACW limit in Acw, due time in RetryScheduled). Selection is the
//! `SelectionQueue` (O(1) amortized per dial, no scan of the contacts).
//! The few contacts bound to an operator or a call — hundreds, not millions —
//! are in a small map of `Live` records. Contacts outside their calling
//! window are parked per time zone, and one timer per zone (a second wheel)
//! brings them back when the window opens.
//!
//! **`handle` records, `poll` decides.** An event never hands out a command
//! that a guard must allow: an accept (also with `bcw_ms = 0`) and a "Call"
//! press make the contact's BCW countdown due at once, an answered
//! predictive call joins the waiting queue, and the next `poll` turns them
//! into a Dial or a Connect — so whatever happened in between (a blacklist
//! add, a pause, a cancel, the window closing, the operator pausing, the
//! client hanging up) is seen. The one command `handle` queues is `Revoke`,
//! a withdrawal. This was chosen over re-checking commands queued by
//! `handle`: a Dial decided early has already counted an attempt and taken
//! the number, and undoing that is more fragile than deciding late. The
//! host learns that a poll is due from `needs_poll()`, `pending()` and
//! `next_deadline()` (the wake-up contract, see [`gate`]).
//!
//! **One place emits Dial.** `dial()` checks every compliance guard — number
//! blacklisted now, attempts used up, calling window closed, the same number
//! in another call, the per-number daily cap, campaign paused or canceled —
//! right before it writes the Dial command. Nothing else writes one. A dial
//! the guards refuse sends the contact where the guard says (Blacklisted,
//! parked for its window, RetryScheduled …) with no attempt counted, and
//! revokes it from the operator who accepted it.
//!
//! **One emission gate.** At the end of `poll` every command passes
//! the emission gate (`emit`), which checks it against the state at that moment
//! (see [`gate`]); commands a host holds back (the C API's `cap`) pass it
//! again through [`Campaign::recheck`] when handed out.
//!
//! **Bounds.** Times past [`crate::event::MAX_TIME_MS`] are refused at every
//! entry point; durations added to times saturate. The store's contact
//! limit ([`crate::store::MAX_CONTACTS`], lowered by
//! [`Campaign::set_contact_limit`]) is the one capacity limit.
//!
//! **Errors change nothing.** Every event is checked (unknown ids, stale call
//! ids, transitions the state table forbids, operator actions that do not fit
//! the operator's state) before anything is written.

pub mod bulk;
pub mod durable;
mod error;
pub mod gate;

pub use error::EngineError;

use std::collections::VecDeque;
use std::io::Read;

use hashbrown::{HashMap, HashSet};
use smallvec::SmallVec;

use crate::blacklist::Blacklist;
use crate::config::{AbandonWindow, CampaignConfig, ConfigError, Mode};
use crate::event::{CallId, Command, Disposition, Event, OperatorId};
use crate::import::{self, ImportError, ImportOptions, ImportReport};
use crate::meter::{ratio, RollingMeter};
use crate::operators::{AfterWork, OperatorState, Operators};
use crate::pacing::{FixedRatioPacer, MeterReadings, Pacer, Pacing, PacingStats, PollContext};
use crate::phone;
use crate::queue::SelectionQueue;
use crate::retry::RetryDecision;
use crate::state::{self, Outcome, State, Trigger};
use crate::store::{ContactId, ContactStore, Counts, NewContact};
use crate::wheel::{Expired, Wheel};
use crate::window::WindowCache;
use crate::zones::{ZoneError, ZoneId, ZoneTable};
use error::check_time;

/// Figures of a running campaign.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Metrics {
    /// Dials issued (attempts).
    pub dials: u64,
    /// Calls answered by a human.
    pub answered: u64,
    /// Calls answered by a machine.
    pub machine: u64,
    /// Calls connected to an operator.
    pub connected: u64,
    /// Answered calls dropped before an operator came.
    pub abandoned: u64,
    /// Abandoned / human-answered over the campaign's life.
    pub abandon_rate: f64,
    /// Abandoned / human-answered over the last 24 hours.
    pub abandon_rate_24h: f64,
    /// Abandoned / human-answered over the last 30 days.
    pub abandon_rate_30d: f64,
    /// Talk time / logged-in time of all operators.
    pub occupancy: f64,
    /// Total talk time, ms.
    pub talk_ms: u64,
    /// Total logged-in time, ms.
    pub logged_in_ms: u64,
    /// Operators ready now.
    pub ready_operators: u32,
    /// Operators logged in now.
    pub logged_in_operators: u32,
    /// Calls ringing now.
    pub ringing: u32,
    /// Answered calls waiting for an operator now.
    pub waiting: u32,
}

/// An admin action waiting for a live call to end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum PendingAdmin {
    Blacklist,
    Cancel,
    Remove,
}

impl PendingAdmin {
    fn state(self) -> State {
        match self {
            PendingAdmin::Blacklist => State::Blacklisted,
            PendingAdmin::Cancel => State::CanceledByAdmin,
            PendingAdmin::Remove => State::Removed,
        }
    }
}

/// A contact bound to an operator or a call.
#[derive(Debug, Clone, Copy)]
struct Live {
    operator: Option<OperatorId>,
    /// The number dialed, while a call exists.
    call_number: Option<u64>,
    answered: bool,
    pending: Option<PendingAdmin>,
}

/// What a guard decided about dialing a contact now.
enum Guard {
    Go(u64),
    Blacklisted,
    Exhausted,
    /// Outside the calling window of this zone.
    Park(ZoneId),
    /// Not before this time (number busy, daily cap).
    Delay(u64),
}

/// One outbound campaign: its contacts, operators and the engine that drives them.
#[derive(Debug)]
pub struct Campaign {
    config: CampaignConfig,
    store: ContactStore,
    zones: ZoneTable,
    blacklist: Blacklist,
    timers: Wheel,
    zone_timers: Wheel,
    windows: WindowCache,
    parked: Vec<Vec<u32>>,
    queue: SelectionQueue,
    hopper: VecDeque<u32>,
    waiting: VecDeque<u32>,
    operators: Operators,
    live: HashMap<u32, Live>,
    numbers_in_call: HashSet<u64>,
    /// Numbers of contacts offered to an operator or in BCW, so a second
    /// contact with the same number is not offered while the first may still
    /// be dialed.
    numbers_offered: HashMap<u64, u32>,
    /// When each contact was last abandoned, for the reserved-operator policy.
    abandoned_at: HashMap<u32, u64>,
    recent_dials: HashMap<u64, SmallVec<[u64; 4]>>,
    /// Commands for the host, handed out (through the emission gate) at the
    /// next `poll`. Between calls it holds only withdrawals (`Revoke`).
    outbox: Vec<Command>,
    /// Something changed since the last `poll` that may let it offer or dial.
    poll_due: bool,
    expired: Vec<Expired>,
    now_ms: u64,
    paused: bool,
    canceled: bool,
    ringing_unbound: u32,
    metrics: Metrics,
    day: RollingMeter,
    month: RollingMeter,
    /// The predictive pacer and the statistics it is given.
    pacing: Pacing,
    /// The data directory's journal, when the campaign was opened from one.
    durable: Option<Box<durable::Durable>>,
    /// Recovery's scratch space (due times, live flags) until the queues are rebuilt.
    replay: durable::Replay,
}

impl Campaign {
    /// A campaign with no contacts and no operators; checks the config first.
    pub fn new(config: CampaignConfig) -> Result<Campaign, ConfigError> {
        config.validate()?;
        let zones = ZoneTable::new(&config.default_timezone).map_err(|e| ConfigError {
            field: "default_timezone",
            message: e.to_string(),
        })?;
        let pacer = Box::new(FixedRatioPacer::new(config.predictive_ratio));
        Ok(Campaign {
            config,
            store: ContactStore::new(),
            zones,
            blacklist: Blacklist::new(),
            timers: Wheel::new(0),
            zone_timers: Wheel::with_keys(1, 0),
            windows: WindowCache::new(),
            parked: vec![Vec::new()],
            queue: SelectionQueue::default(),
            hopper: VecDeque::new(),
            waiting: VecDeque::new(),
            operators: Operators::default(),
            live: HashMap::new(),
            numbers_in_call: HashSet::new(),
            numbers_offered: HashMap::new(),
            abandoned_at: HashMap::new(),
            recent_dials: HashMap::new(),
            outbox: Vec::new(),
            poll_due: false,
            expired: Vec::new(),
            now_ms: 0,
            paused: false,
            canceled: false,
            ringing_unbound: 0,
            metrics: Metrics::default(),
            day: RollingMeter::day(),
            month: RollingMeter::thirty_days(),
            pacing: Pacing::new(pacer),
            durable: None,
            replay: durable::Replay::default(),
        })
    }

    // ------------------------------------------------------------------
    // Setup
    // ------------------------------------------------------------------

    /// Adds one contact. An invalid number is stored as InvalidRecord (its
    /// reason kept); a blacklisted one as Blacklisted. An unknown time zone
    /// is an error and adds nothing.
    pub fn add_contact(
        &mut self,
        phone: &str,
        external_id: &str,
        timezone: Option<&str>,
        priority: u8,
    ) -> Result<ContactId, EngineError> {
        let zone = match timezone {
            Some(name) => self.zones.intern(name).map_err(zone_error)?,
            None => ZoneId::DEFAULT,
        };
        let contact = NewContact::parse(phone, self.config.phone_rules())
            .with_external_id(external_id)
            .with_zone(zone)
            .with_priority(priority);
        let id = self.store.push(contact, &self.blacklist)?;
        self.after_add(id.0..id.0 + 1, false);
        self.journal_write();
        Ok(id)
    }

    /// Adds many contacts with already normalized numbers (E.164 digits).
    pub fn add_numbers(
        &mut self,
        numbers: &[u64],
        priority: u8,
    ) -> Result<std::ops::Range<u32>, EngineError> {
        let ids = self
            .store
            .extend_numbers(numbers, priority, ZoneId::DEFAULT, &self.blacklist)?;
        self.journal_numbers_added(ids.start, numbers, priority);
        self.after_add(ids.clone(), true);
        self.journal_write();
        Ok(ids)
    }

    /// Imports a CSV contact list (see [`crate::import`]).
    pub fn import_csv<R: Read>(&mut self, input: R) -> Result<ImportReport, ImportError> {
        let options = self.import_options();
        let report = import::import_csv(
            input,
            &mut self.store,
            &mut self.zones,
            &self.blacklist,
            &options,
        )?;
        self.after_add(report.ids.clone(), false);
        self.journal_write();
        Ok(report)
    }

    /// Imports a CSV file (see [`crate::import`]).
    pub fn import_csv_path(
        &mut self,
        path: impl AsRef<std::path::Path>,
    ) -> Result<ImportReport, ImportError> {
        let options = self.import_options();
        let report = import::import_csv_path(
            path,
            &mut self.store,
            &mut self.zones,
            &self.blacklist,
            &options,
        )?;
        self.after_add(report.ids.clone(), false);
        self.journal_write();
        Ok(report)
    }

    fn import_options(&self) -> ImportOptions {
        ImportOptions {
            phone_rules: self.config.phone_rules(),
            default_priority: 0,
        }
    }

    /// Sizes the engine's structures for new contacts and queues them;
    /// journals them unless the caller did (`journaled`).
    fn after_add(&mut self, ids: std::ops::Range<u32>, journaled: bool) {
        if !journaled {
            self.journal_added(ids.clone());
        }
        self.poll_due = true;
        let n = self.store.len();
        self.timers.ensure_keys(n);
        self.queue.ensure_contacts(n);
        self.zone_timers.ensure_keys(self.zones.len());
        self.parked.resize_with(self.zones.len(), Vec::new);
        if self.canceled {
            for id in ids {
                let id = ContactId(id);
                if self
                    .store
                    .apply(id, Trigger::Cancel, State::CanceledByAdmin)
                    .is_ok()
                {
                    self.touch(id);
                }
            }
            return;
        }
        let states = self.store.states();
        let priorities = self.store.priorities();
        for id in ids {
            if states[id as usize] == State::Initial as u8 {
                self.queue.push_initial(id, priorities[id as usize]);
            }
        }
    }

    /// Lowers (or raises back) the most contacts this campaign holds, e.g. a
    /// licence or memory cap; at most [`crate::store::MAX_CONTACTS`], the
    /// default, and at least the contacts it holds. Adding past the limit
    /// is [`EngineError::Full`] and adds nothing. Not kept in a data
    /// directory: set it again after `open`.
    pub fn set_contact_limit(&mut self, limit: usize) -> Result<(), EngineError> {
        self.store
            .set_capacity_limit(limit)
            .map_err(|(min, max)| EngineError::InvalidContactLimit { limit, min, max })
    }

    /// The most contacts this campaign holds (see [`Campaign::set_contact_limit`]).
    pub fn contact_limit(&self) -> usize {
        self.store.capacity_limit()
    }

    /// Adds an operator (offline until `OperatorLogin`).
    pub fn add_operator(&mut self) -> OperatorId {
        self.journal_operator_added();
        self.operators.add()
    }

    /// Loads numbers into the blacklist in bulk (a do-not-call registry,
    /// before or during the campaign); contacts with them are blacklisted
    /// as with `Event::BlacklistAdd`.
    ///
    /// One operation: the numbers are sorted and merged into the blacklist
    /// at once ([`crate::blacklist::Blacklist::insert_many`]), then each
    /// number's contacts are blacklisted in the order given, exactly as the
    /// same numbers added one by one would leave them.
    ///
    /// A list at least a quarter as long as the contact list (and of 64
    /// numbers or more) first goes through a [`crate::blacklist::NumberFilter`]
    /// of the contacts' numbers, so the numbers no contact has (most of a
    /// registry) skip the number-index probe; skipping them changes nothing.
    pub fn blacklist_numbers(&mut self, numbers: &[u64]) {
        if numbers.is_empty() {
            // Nothing changes: nothing to journal, no poll needed.
            return;
        }
        self.journal_blacklist(true, numbers);
        self.blacklist.insert_many(numbers);
        if numbers.len() >= 64 && numbers.len() * 4 >= self.store.len() {
            let filter = crate::blacklist::NumberFilter::new(self.store.numbers());
            for &n in numbers {
                if filter.may_contain(n) {
                    self.blacklist_effects(n);
                }
            }
        } else {
            for &n in numbers {
                self.blacklist_effects(n);
            }
        }
        self.poll_due = true;
        self.journal_write();
    }

    /// Gives an InvalidRecord contact a new number: it becomes Initial (or
    /// Blacklisted when the number is on the blacklist).
    pub fn fix_number(&mut self, contact: ContactId, phone: &str) -> Result<State, EngineError> {
        let number = phone::normalize(phone, self.config.phone_rules()).map_err(|reason| {
            EngineError::InvalidNumber {
                input: phone.to_owned(),
                reason,
            }
        })?;
        let state = self
            .store
            .fix_number(contact, Ok(number), &self.blacklist)?;
        self.journal_number_fixed(contact, number);
        self.touch(contact);
        self.poll_due = true;
        let state = if state == State::Initial && self.canceled {
            let _ = self
                .store
                .apply(contact, Trigger::Cancel, State::CanceledByAdmin);
            State::CanceledByAdmin
        } else {
            if state == State::Initial {
                self.enqueue(contact.0);
            }
            state
        };
        self.journal_write();
        Ok(state)
    }

    // ------------------------------------------------------------------
    // Queries
    // ------------------------------------------------------------------

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
        self.live.get(&contact.0).and_then(|l| l.operator)
    }

    /// The current call of a contact, if one is in progress (dialed, not ended).
    pub fn call_of(&self, contact: ContactId) -> Option<CallId> {
        let live = self.live.get(&contact.0)?;
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
    fn next_timer(&self) -> Option<u64> {
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
        let mut m = self.metrics;
        m.abandon_rate = ratio(m.abandoned, m.answered);
        m.abandon_rate_24h = self.day.rate(now);
        m.abandon_rate_30d = self.month.rate(now);
        let (talk, logged_in) = self.operators.talk_and_logged_in_ms(now);
        m.talk_ms = talk;
        m.logged_in_ms = logged_in;
        m.occupancy = ratio(talk, logged_in);
        m.ready_operators = self.operators.ready_count() as u32;
        m.logged_in_operators = self.operators.logged_in_count() as u32;
        m.ringing = self.store.counts().get(State::Calling);
        m.waiting = self.waiting.len() as u32;
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
            AbandonWindow::Day => self.day.rate(now_ms),
            AbandonWindow::ThirtyDays => self.month.rate(now_ms),
        })
    }

    // ------------------------------------------------------------------
    // Events
    // ------------------------------------------------------------------

    /// Applies one event at `now_ms`. On error nothing changed, not even
    /// the latest time seen: a refused event leaves no trace, so a replay of
    /// the accepted events gives the same run.
    ///
    /// `handle` only records: it never hands out a Dial, an Offer or a
    /// Connect. What it decides is due work for the next `poll` (see
    /// [`Campaign::needs_poll`]).
    pub fn handle(&mut self, event: Event, now_ms: u64) -> Result<(), EngineError> {
        check_time(now_ms)?;
        if let Event::AcwDone {
            disposition: Disposition::Callback { at_ms },
            ..
        } = event
        {
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

    fn apply_event(&mut self, event: Event, now_ms: u64) -> Result<(), EngineError> {
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
                self.finish_acw(contact, Trigger::AcwDone, disposition, now);
                Ok(())
            }
            Event::OperatorLogin(op) => self.on_login(op, name, now),
            Event::OperatorReady(op) => self.on_ready(op, name, now),
            Event::OperatorPause(op) => self.on_pause(op, name, now),
            Event::OperatorLogout(op) => self.on_logout(op, name, now),
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

    fn state_of(&self, contact: ContactId) -> Result<State, EngineError> {
        self.store
            .state(contact)
            .ok_or(EngineError::UnknownContact(contact))
    }

    fn check_contact(
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
    fn check_call(
        &self,
        call: CallId,
        event: &'static str,
        trigger: Trigger,
    ) -> Result<State, EngineError> {
        let state = self.state_of(call.contact)?;
        let current_attempt = self.store.attempts(call.contact).unwrap_or(0);
        let has_call = self
            .live
            .get(&call.contact.0)
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

    fn check_operator(
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

    fn operator_state(&self, op: OperatorId) -> Result<OperatorState, EngineError> {
        self.operators
            .state(op)
            .ok_or(EngineError::UnknownOperator(op))
    }

    fn on_answered(&mut self, call: CallId, now: u64) -> Result<(), EngineError> {
        self.check_call(call, "Answered", Trigger::Answered)?;
        let id = call.contact;
        self.timers.cancel(id.0);
        self.journal_fact(durable::Fact::Answered, id);
        self.metrics.answered += 1;
        self.pacing.stats.on_live_answer(id.0, now);
        self.day.record_answered(now);
        self.month.record_answered(now);
        let live = self.live.get_mut(&id.0).expect("checked: live call");
        live.answered = true;
        match live.operator {
            Some(op) => {
                self.apply(id, Trigger::Answered, State::CallInProgress);
                self.connect(id, op, false, now);
            }
            None => {
                // Waits for an operator; the next poll connects it (at once
                // when one is ready: `pending()` says so).
                self.ringing_unbound -= 1;
                self.apply(id, Trigger::Answered, State::AwaitingOperator);
                self.waiting.push_back(id.0);
                self.timers
                    .arm(id.0, now.saturating_add(self.config.abandon_limit_ms));
            }
        }
        Ok(())
    }

    /// Binds an answered call to an operator and, for predictive calls, tells the host.
    fn connect(&mut self, id: ContactId, op: OperatorId, command: bool, now: u64) {
        let _ = self.store.set_last_outcome(id, Outcome::Connected);
        if let Some(live) = self.live.get_mut(&id.0) {
            live.operator = Some(op);
        }
        self.operators.set(op, OperatorState::OnCall, Some(id), now);
        self.operators.start_talk(op, now);
        self.journal_fact(durable::Fact::Connected, id);
        self.metrics.connected += 1;
        self.pacing.stats.on_connect(id.0, now);
        if command {
            let call = self.call_id(id);
            self.outbox.push(Command::Connect { call, operator: op });
        }
    }

    /// Unbinds a contact from its operator or call, releasing its number's
    /// offer reservation.
    fn take_live(&mut self, id: ContactId) -> Option<Live> {
        let live = self.live.remove(&id.0)?;
        self.release_offered_number(id);
        Some(live)
    }

    fn release_offered_number(&mut self, id: ContactId) {
        let number = self.store.numbers()[id.index()];
        if self.numbers_offered.get(&number) == Some(&id.0) {
            self.numbers_offered.remove(&number);
        }
    }

    fn call_id(&self, id: ContactId) -> CallId {
        CallId {
            contact: id,
            attempt: self.store.attempts(id).unwrap_or(0),
        }
    }

    fn on_not_reached(
        &mut self,
        call: CallId,
        event: &'static str,
        trigger: Trigger,
        outcome: Outcome,
        now: u64,
    ) -> Result<(), EngineError> {
        self.check_call(call, event, trigger)?;
        if outcome == Outcome::Machine {
            self.journal_fact(durable::Fact::Machine, call.contact);
            self.metrics.machine += 1;
        }
        self.end_attempt(call.contact, trigger, outcome, now);
        Ok(())
    }

    /// Ends an attempt that did not reach the client (Calling, or an answered
    /// call dropped while waiting): retry or final state, operator released.
    fn end_attempt(&mut self, id: ContactId, trigger: Trigger, outcome: Outcome, now: u64) {
        let attempts = self.store.attempts(id).unwrap_or(0);
        let decision = self.config.retry.decide(outcome, attempts, now);
        self.end_attempt_with(id, trigger, outcome, decision, now);
    }

    /// [`Campaign::end_attempt`] with the retry decision given.
    fn end_attempt_with(
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
            self.numbers_in_call.remove(&n);
        }
        if !live.answered && live.operator.is_none() {
            self.ringing_unbound -= 1;
        }
        if live.answered && live.operator.is_none() {
            self.waiting.retain(|&w| w != id.0);
        }
        let _ = self.store.set_last_outcome(id, outcome);
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

    fn on_client_hung_up(&mut self, call: CallId, now: u64) -> Result<(), EngineError> {
        let state = self.check_call(call, "ClientHungUp", Trigger::ClientHungUp)?;
        if state == State::AwaitingOperator {
            self.abandon(call.contact, Trigger::ClientHungUp, now);
        } else {
            self.end_talk(call.contact, Trigger::ClientHungUp, now);
        }
        Ok(())
    }

    fn abandon(&mut self, id: ContactId, trigger: Trigger, now: u64) {
        self.abandoned_at.insert(id.0, now);
        self.journal_fact(durable::Fact::Abandoned, id);
        self.metrics.abandoned += 1;
        self.day.record_abandoned(now);
        self.month.record_abandoned(now);
        self.end_attempt(id, trigger, Outcome::Abandoned, now);
    }

    /// The talk ended: ACW, or Success when ACW is off.
    fn end_talk(&mut self, id: ContactId, trigger: Trigger, now: u64) {
        let live = self.live.get_mut(&id.0).expect("live call");
        let number = live.call_number.take();
        let op = live.operator.expect("connected call has an operator");
        if let Some(n) = number {
            self.numbers_in_call.remove(&n);
        }
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

    fn finish_acw(&mut self, id: ContactId, trigger: Trigger, disposition: Disposition, now: u64) {
        self.pacing.stats.on_acw_end(id.0, now);
        self.timers.cancel(id.0);
        let live = self.take_live(id).expect("contact in ACW is live");
        let (natural, callback) = match disposition {
            Disposition::Done => (State::Success, None),
            Disposition::Callback { at_ms } => (State::RetryScheduled, Some(at_ms)),
        };
        let to = resolve_pending(live.pending, natural, self.canceled);
        if callback.is_some() {
            let _ = self.store.set_last_outcome(id, Outcome::Callback);
        }
        self.apply(id, trigger, to);
        if let (State::RetryScheduled, Some(at)) = (to, callback) {
            self.timers.arm(id.0, at);
        }
        if let Some(op) = live.operator {
            self.release_operator(op, now);
        }
    }

    fn on_accepted(
        &mut self,
        op: OperatorId,
        id: ContactId,
        event: &'static str,
        now: u64,
    ) -> Result<(), EngineError> {
        self.check_operator(op, id, OperatorState::Offered, event)?;
        self.check_contact(id, Trigger::OperatorAccepted, event)?;
        // BCW, also when it lasts 0 ms: the countdown is due at once and the
        // next poll dials through the guards.
        self.apply(id, Trigger::OperatorAccepted, State::Bcw);
        self.operators.set(op, OperatorState::Bcw, Some(id), now);
        self.timers
            .arm(id.0, now.saturating_add(self.config.bcw_ms));
        Ok(())
    }

    fn on_declined(
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
        } else {
            // Progressive: the contact goes back to the head of the hopper,
            // the operator on pause.
            self.apply(id, Trigger::OperatorDeclined, State::AwaitingOperator);
            self.hopper.push_front(id.0);
            self.operators.set(op, OperatorState::Paused, None, now);
        }
        Ok(())
    }

    fn on_login(
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

    fn on_ready(
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

    fn on_pause(
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

    fn on_logout(
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
    fn return_to_hopper(&mut self, id: ContactId, op: OperatorId, trigger: Trigger) {
        self.timers.cancel(id.0);
        let pending = self.take_live(id).and_then(|l| l.pending);
        self.outbox.push(Command::Revoke {
            contact: id,
            operator: op,
        });
        match pending {
            Some(p) => self.apply(id, trigger_for(p), p.state()),
            None => {
                self.apply(id, trigger, State::AwaitingOperator);
                self.hopper.push_front(id.0);
            }
        }
    }

    /// An operator's work ended: pause, log out, or become ready (the next
    /// poll gives a ready operator a waiting answered call first).
    fn release_operator(&mut self, op: OperatorId, now: u64) {
        let to = match self.operators.after_work(op) {
            AfterWork::Pause => OperatorState::Paused,
            AfterWork::Logout => OperatorState::Offline,
            AfterWork::Ready => OperatorState::Ready,
        };
        self.operators.set(op, to, None, now);
    }

    /// Connects answered calls waiting for an operator, longest waiting first.
    fn connect_waiting(&mut self, now: u64) {
        while let Some(&id) = self.waiting.front() {
            let Some(op) = self.operators.longest_idle() else {
                break;
            };
            self.waiting.pop_front();
            let id = ContactId(id);
            self.timers.cancel(id.0);
            self.apply(id, Trigger::Connect, State::CallInProgress);
            self.connect(id, op, true, now);
        }
    }

    // ------------------------------------------------------------------
    // Admin
    // ------------------------------------------------------------------

    fn cancel_all(&mut self, now: u64) {
        if self.canceled {
            return;
        }
        self.canceled = true;
        self.queue.clear();
        self.hopper.clear();
        for list in &mut self.parked {
            list.clear();
        }
        for id in 0..self.store.len() as u32 {
            self.cancel_one(ContactId(id), PendingAdmin::Cancel, now);
        }
    }

    /// Applies an admin end state to one contact now, or when its call ends.
    fn cancel_one(&mut self, id: ContactId, admin: PendingAdmin, now: u64) {
        let state = self.store.state(id).unwrap_or(State::InvalidRecord);
        let trigger = trigger_for(admin);
        if let Some(live) = self.live.get_mut(&id.0) {
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

    fn remove(&mut self, id: ContactId, now: u64) -> Result<(), EngineError> {
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

    fn blacklist_add(&mut self, number: u64) {
        self.blacklist.insert(number);
        self.blacklist_effects(number);
    }

    /// Blacklists the contacts with `number`, which is on the blacklist.
    fn blacklist_effects(&mut self, number: u64) {
        let live = &self.live;
        let effect = self.store.apply_blacklist_add(number, |id, _| {
            live.get(&id.0)
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
            if let Some(live) = self.live.get_mut(&id.0) {
                live.pending = live.pending.max(Some(PendingAdmin::Blacklist));
                self.touch(id);
            }
        }
    }

    fn blacklist_remove(&mut self, number: u64) {
        self.blacklist.remove(number);
        // A contact in a call, to be blacklisted when the call ends, is not
        // any more: the number is off the list.
        let ids: SmallVec<[ContactId; 4]> = self.store.contacts_with_number(number).collect();
        for id in ids {
            if let Some(live) = self.live.get_mut(&id.0) {
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

    fn enqueue(&mut self, id: u32) {
        let priority = self.store.priorities()[id as usize];
        self.queue.push_initial(id, priority);
    }

    // ------------------------------------------------------------------
    // Poll: timers, selection, pacing
    // ------------------------------------------------------------------

    /// Connects waiting answered calls, fires due timers, selects and
    /// paces, and appends the commands for the host to `out`, each through
    /// the emission gate. A time past [`crate::event::MAX_TIME_MS`] is an
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
        self.fire_zone_timers(now);
        self.fire_contact_timers(now);
        self.connect_waiting(now);
        if !self.paused && !self.canceled {
            match self.config.mode {
                Mode::Preview | Mode::Progressive => self.offer_to_ready_operators(now),
                Mode::Predictive => self.pace_predictive(now),
            }
        }
        if self.journal_poll(now) {
            self.emit(out);
        } else {
            self.outbox.clear();
        }
        Ok(())
    }

    fn fire_contact_timers(&mut self, now: u64) {
        let mut expired = std::mem::take(&mut self.expired);
        expired.clear();
        self.timers.advance(now, &mut expired);
        for e in &expired {
            self.on_timer(ContactId(e.key), now);
        }
        self.expired = expired;
    }

    fn on_timer(&mut self, id: ContactId, now: u64) {
        match self.store.state(id) {
            Some(State::OperatorAssigned) => {
                // Missed offer: contact back to the hopper head, operator paused.
                let op = self.live.get(&id.0).and_then(|l| l.operator);
                if let Some(op) = op {
                    self.return_to_hopper(id, op, Trigger::OfferTimeout);
                    self.operators.set(op, OperatorState::Paused, None, now);
                }
            }
            Some(State::Bcw) => {
                let op = self.live.get(&id.0).and_then(|l| l.operator);
                self.dial(id, op, Trigger::BcwElapsed, now);
            }
            Some(State::Calling) => {
                let call = self.call_id(id);
                self.outbox.push(Command::Hangup { call });
                self.end_attempt(id, Trigger::RingTimeout, Outcome::NoAnswer, now);
            }
            Some(State::AwaitingOperator) if self.live.get(&id.0).is_some_and(|l| l.answered) => {
                let call = self.call_id(id);
                self.outbox.push(Command::Abandon { call });
                self.abandon(id, Trigger::AbandonLimit, now);
            }
            Some(State::Acw) => {
                // Tell the host to close the operator's ACW screen.
                if let Some(op) = self.live.get(&id.0).and_then(|l| l.operator) {
                    self.outbox.push(Command::Revoke {
                        contact: id,
                        operator: op,
                    });
                }
                self.finish_acw(id, Trigger::AcwTimeout, Disposition::Done, now);
            }
            Some(State::RetryScheduled) => {
                let priority = self.store.priorities()[id.index()];
                self.queue.push_retry(id.0, priority);
            }
            _ => {}
        }
    }

    fn fire_zone_timers(&mut self, now: u64) {
        let mut expired = std::mem::take(&mut self.expired);
        expired.clear();
        self.zone_timers.advance(now, &mut expired);
        for e in &expired {
            let zone = ZoneId(e.key as u16);
            let status = self
                .windows
                .status(&self.config.calling_window, &self.zones, zone, now);
            if !status.open {
                if status.until_ms != u64::MAX {
                    self.zone_timers.arm(e.key, status.until_ms);
                }
                continue;
            }
            let parked = std::mem::take(&mut self.parked[zone.0 as usize]);
            for id in parked {
                let retry = self.store.states()[id as usize] == State::RetryScheduled as u8;
                let priority = self.store.priorities()[id as usize];
                self.queue.requeue_parked(id, priority, retry);
            }
        }
        self.expired = expired;
    }

    /// The compliance guards, in one place.
    fn guard(&mut self, id: ContactId, now: u64) -> Guard {
        let i = id.index();
        let number = self.store.numbers()[i];
        if self.blacklist.contains(number) {
            return Guard::Blacklisted;
        }
        if self.store.attempts_column()[i] >= self.config.retry.max_attempts {
            return Guard::Exhausted;
        }
        let zone = ZoneId(self.store.zones()[i]);
        let status = self
            .windows
            .status(&self.config.calling_window, &self.zones, zone, now);
        if !status.open {
            return Guard::Park(zone);
        }
        let offered_elsewhere = self
            .numbers_offered
            .get(&number)
            .is_some_and(|&other| other != id.0);
        if offered_elsewhere || self.numbers_in_call.contains(&number) {
            return Guard::Delay(now.saturating_add(self.config.number_busy_delay_ms));
        }
        let cap = self.config.retry.max_attempts_per_24h;
        if cap > 0 {
            if let Some(times) = self.recent_dials.get_mut(&number) {
                let day_ago = now.saturating_sub(24 * 3_600_000);
                times.retain(|t| *t > day_ago);
                if times.len() >= cap as usize {
                    return Guard::Delay(times[0].saturating_add(24 * 3_600_000 + 1));
                }
            }
        }
        Guard::Go(number)
    }

    /// Applies a guard that said no: the contact goes where it must and is
    /// not dialed.
    fn hold_back(&mut self, id: ContactId, guard: Guard, now: u64) {
        match guard {
            Guard::Go(_) => {}
            Guard::Blacklisted => self.apply(id, Trigger::BlacklistHit, State::Blacklisted),
            Guard::Exhausted => self.apply(id, Trigger::AttemptsExhausted, State::NotReached),
            Guard::Park(zone) => {
                let to = self.waiting_state(id);
                self.apply(id, Trigger::Deferred, to);
                if self.queue.mark(id.0) {
                    self.parked[zone.0 as usize].push(id.0);
                }
                if !self.zone_timers.is_armed(u32::from(zone.0)) {
                    let status =
                        self.windows
                            .status(&self.config.calling_window, &self.zones, zone, now);
                    if status.until_ms != u64::MAX {
                        self.zone_timers.arm(u32::from(zone.0), status.until_ms);
                    }
                }
            }
            Guard::Delay(at) => {
                self.apply(id, Trigger::Deferred, State::RetryScheduled);
                self.timers.arm(id.0, at);
            }
        }
    }

    /// Initial for a contact never dialed, RetryScheduled after an attempt.
    fn waiting_state(&self, id: ContactId) -> State {
        if self.store.attempts(id).unwrap_or(0) == 0
            && self.store.state(id) != Some(State::RetryScheduled)
        {
            State::Initial
        } else {
            State::RetryScheduled
        }
    }

    /// Takes the next contact that may be dialed now, applying the guards to
    /// those that may not.
    fn next_contact(&mut self, now: u64) -> Option<ContactId> {
        while let Some(id) = self.queue.pop() {
            let id = ContactId(id);
            let state = self.store.state(id)?;
            let selectable = state == State::Initial
                || (state == State::RetryScheduled && !self.timers.is_armed(id.0));
            if !selectable {
                continue;
            }
            match self.guard(id, now) {
                Guard::Go(_) => return Some(id),
                other => self.hold_back(id, other, now),
            }
        }
        None
    }

    /// The one place that emits Dial. Checks every guard; returns true if it dialed.
    fn dial(
        &mut self,
        id: ContactId,
        operator: Option<OperatorId>,
        trigger: Trigger,
        now: u64,
    ) -> bool {
        let guard = if self.paused || self.canceled {
            None
        } else {
            Some(self.guard(id, now))
        };
        let number = match guard {
            Some(Guard::Go(number)) => number,
            other => {
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
                match (pending, other) {
                    (Some(p), _) => self.apply(id, trigger_for(p), p.state()),
                    (None, Some(g)) => self.hold_back(id, g, now),
                    (None, None) => {
                        // Paused or canceled between accept and dial.
                        if self.canceled {
                            self.apply(id, Trigger::Cancel, State::CanceledByAdmin);
                        } else {
                            let to = self.waiting_state(id);
                            self.apply(id, Trigger::Deferred, to);
                            self.enqueue_front(id);
                        }
                    }
                }
                return false;
            }
        };
        let attempt = self.store.add_attempt(id).expect("known contact");
        self.apply(id, trigger, State::Calling);
        let pending = self.live.get(&id.0).and_then(|l| l.pending);
        self.live.insert(
            id.0,
            Live {
                operator,
                call_number: Some(number),
                answered: false,
                pending,
            },
        );
        self.release_offered_number(id);
        self.numbers_in_call.insert(number);
        if self.config.retry.max_attempts_per_24h > 0 {
            self.recent_dials.entry(number).or_default().push(now);
        }
        match operator {
            Some(op) => self.operators.set(op, OperatorState::OnCall, Some(id), now),
            None => self.ringing_unbound += 1,
        }
        self.journal_fact(durable::Fact::Dialed, id);
        self.metrics.dials += 1;
        self.pacing.stats.on_dial(id.0, operator.is_some(), now);
        self.timers
            .arm(id.0, now.saturating_add(self.config.ring_timeout_ms));
        self.outbox.push(Command::Dial {
            call: CallId {
                contact: id,
                attempt,
            },
            number,
            operator,
        });
        true
    }

    fn enqueue_front(&mut self, id: ContactId) {
        let priority = self.store.priorities()[id.index()];
        self.queue.push_front(id.0, priority);
    }

    /// Preview and progressive: offer a contact to each ready operator,
    /// longest idle first, then keep the hopper filled.
    fn offer_to_ready_operators(&mut self, now: u64) {
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
    fn next_for_offer(&mut self, now: u64) -> Option<ContactId> {
        while let Some(id) = self.hopper.pop_front() {
            let id = ContactId(id);
            match self.guard(id, now) {
                Guard::Go(_) => return Some(id),
                other => self.hold_back(id, other, now),
            }
        }
        self.next_contact(now)
    }

    fn offer(&mut self, id: ContactId, op: OperatorId, now: u64) {
        self.apply(id, Trigger::Offer, State::OperatorAssigned);
        self.numbers_offered
            .insert(self.store.numbers()[id.index()], id.0);
        self.live.insert(
            id.0,
            Live {
                operator: Some(op),
                call_number: None,
                answered: false,
                pending: None,
            },
        );
        self.operators
            .set(op, OperatorState::Offered, Some(id), now);
        self.timers
            .arm(id.0, now.saturating_add(self.config.offer_timeout_ms));
        self.outbox.push(Command::Offer {
            contact: id,
            operator: op,
        });
    }

    /// Predictive: ask the pacer how many calls to dial now (capped by the
    /// configured abandon guard, see [`Pacing::decide`]) and dial them.
    fn pace_predictive(&mut self, now: u64) {
        let (day_answered, day_abandoned) = self.day.totals(now);
        let (month_answered, month_abandoned) = self.month.totals(now);
        let (guarded_answered, guarded_abandoned) = match self.config.abandon_window {
            AbandonWindow::Day => (day_answered, day_abandoned),
            AbandonWindow::ThirtyDays => (month_answered, month_abandoned),
        };
        let ctx = PollContext {
            now_ms: now,
            waiting: self.waiting.len(),
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
        for _ in 0..dials {
            let Some(id) = self.next_contact(now) else {
                break;
            };
            let window = self.config.retry.reserve_operator_after_abandon_ms;
            let reserve = window > 0
                && self
                    .abandoned_at
                    .get(&id.0)
                    .is_some_and(|&at| now.saturating_sub(at) < window);
            if reserve {
                let Some(op) = self.operators.longest_idle() else {
                    self.enqueue_front(id);
                    break;
                };
                self.dial(id, Some(op), Trigger::Dial, now);
                if self.operators.ready_count() == 0 {
                    break;
                }
            } else {
                self.dial(id, None, Trigger::Dial, now);
            }
        }
    }

    /// A transition the engine has already checked; a failure here is a bug
    /// in the engine, reported in debug builds and never a silent corruption.
    fn apply(&mut self, id: ContactId, trigger: Trigger, to: State) {
        let result = self.store.apply(id, trigger, to);
        debug_assert!(result.is_ok(), "engine bug: {result:?}");
        self.touch(id);
    }
}

fn trigger_for(admin: PendingAdmin) -> Trigger {
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
fn resolve_pending(pending: Option<PendingAdmin>, natural: State, canceled: bool) -> State {
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

fn zone_error(e: ZoneError) -> EngineError {
    match e {
        ZoneError::Unknown(name) => EngineError::UnknownTimezone(name),
        ZoneError::TooMany => EngineError::UnknownTimezone("(too many zones)".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn campaign(mode: Mode) -> Campaign {
        Campaign::new(CampaignConfig {
            default_country: Some(1),
            ..CampaignConfig::new(mode)
        })
        .unwrap()
    }

    fn poll(c: &mut Campaign, now: u64) -> Vec<Command> {
        let mut out = Vec::new();
        c.poll(now, &mut out).unwrap();
        out
    }

    #[test]
    fn progressive_offer_bcw_dial_talk_acw_success() {
        let mut c = campaign(Mode::Progressive);
        let id = c.add_contact("(212) 555-0100", "crm-1", None, 0).unwrap();
        let op = c.add_operator();
        assert!(poll(&mut c, 0).is_empty(), "no operator logged in");
        c.handle(Event::OperatorLogin(op), 0).unwrap();
        c.handle(Event::OperatorReady(op), 0).unwrap();
        assert_eq!(
            poll(&mut c, 1),
            vec![Command::Offer {
                contact: id,
                operator: op
            }]
        );
        assert_eq!(c.state(id), Some(State::OperatorAssigned));
        c.handle(
            Event::OperatorAccepted {
                operator: op,
                contact: id,
            },
            2,
        )
        .unwrap();
        assert_eq!(c.state(id), Some(State::Bcw));
        assert!(poll(&mut c, 3).is_empty());
        let call = CallId {
            contact: id,
            attempt: 1,
        };
        assert_eq!(
            poll(&mut c, 5_002),
            vec![Command::Dial {
                call,
                number: 12125550100,
                operator: Some(op)
            }]
        );
        assert_eq!(c.state(id), Some(State::Calling));
        c.handle(Event::Answered(call), 6_000).unwrap();
        assert_eq!(c.state(id), Some(State::CallInProgress));
        c.handle(Event::CallEnded(call), 66_000).unwrap();
        assert_eq!(c.state(id), Some(State::Acw));
        c.handle(
            Event::AcwDone {
                operator: op,
                contact: id,
                disposition: Disposition::Done,
            },
            70_000,
        )
        .unwrap();
        assert_eq!(c.state(id), Some(State::Success));
        assert_eq!(c.operators().state(op), Some(OperatorState::Ready));
        let m = c.metrics(70_000).unwrap();
        assert_eq!((m.dials, m.answered, m.connected), (1, 1, 1));
        assert!(m.occupancy > 0.8 && m.occupancy < 0.9, "{}", m.occupancy);
        assert_eq!(c.counts(), &c.store().recount());
    }

    #[test]
    fn predictive_waits_then_abandons_at_the_limit() {
        // The expected-risk guard: the worst-case one would not dial ahead
        // of an empty abandon budget.
        let mut c = Campaign::new(CampaignConfig {
            default_country: Some(1),
            abandon_guard: crate::config::AbandonGuard::Expected,
            ..CampaignConfig::new(Mode::Predictive)
        })
        .unwrap();
        for i in 0..10 {
            c.add_contact(&format!("212555{:04}", i), "", None, 0)
                .unwrap();
        }
        let op = c.add_operator();
        c.handle(Event::OperatorLogin(op), 0).unwrap();
        c.handle(Event::OperatorReady(op), 0).unwrap();
        let dials: Vec<CallId> = poll(&mut c, 0)
            .into_iter()
            .map(|cmd| match cmd {
                Command::Dial {
                    call,
                    operator: None,
                    ..
                } => call,
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(dials.len(), 2, "ratio 1.5 × 1 ready operator, rounded up");
        c.handle(Event::Answered(dials[0]), 1_000).unwrap();
        c.handle(Event::Answered(dials[1]), 1_100).unwrap();
        // `handle` only records: both wait; one can be connected at once.
        assert_eq!(c.state(dials[0].contact), Some(State::AwaitingOperator));
        assert_eq!(c.state(dials[1].contact), Some(State::AwaitingOperator));
        assert_eq!(c.pending(), 1, "one answered call and one ready operator");
        assert_eq!(c.next_deadline(), Some(1_100), "poll now");
        assert_eq!(
            poll(&mut c, 1_200),
            vec![Command::Connect {
                call: dials[0],
                operator: op
            }]
        );
        assert_eq!(c.state(dials[0].contact), Some(State::CallInProgress));
        assert_eq!(c.pending(), 0);
        assert!(
            poll(&mut c, 3_099).is_empty(),
            "the limit is 2 s after the answer"
        );
        let out = poll(&mut c, 3_100);
        assert_eq!(out, vec![Command::Abandon { call: dials[1] }]);
        assert_eq!(c.state(dials[1].contact), Some(State::CanceledByClient));
        assert_eq!(c.metrics(3_100).unwrap().abandoned, 1);
        // A late event about the abandoned call is stale and changes nothing.
        assert_eq!(
            c.handle(Event::ClientHungUp(dials[1]), 3_200),
            Err(EngineError::StaleCall {
                call: dials[1],
                current_attempt: 1
            })
        );
    }

    #[test]
    fn predictive_never_dials_without_a_ready_operator() {
        let mut c = campaign(Mode::Predictive);
        c.add_contact("2125550100", "", None, 0).unwrap();
        assert!(poll(&mut c, 0).is_empty());
        let op = c.add_operator();
        c.handle(Event::OperatorLogin(op), 0).unwrap();
        assert!(poll(&mut c, 10).is_empty(), "logged in but paused");
        assert_eq!(c.state(ContactId(0)), Some(State::Initial));
    }
}
