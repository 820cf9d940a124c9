//! The campaign engine: contacts, operators, timers and the four modes.
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
//! have one `Live` record each in the calls in flight. Contacts outside
//! their calling window wait in their zone's selection queue, which is
//! closed until one timer per zone (a second wheel) sees the window open.
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
//!
//! **Parts, one job each** (each opens with its design paragraph):
//! `setup` (contacts, operators and bulk blacklist in), `queries`
//! (read-only views), `events` (checks and dispatch of `handle`), `calls`
//! (calls in flight: one live record per bound contact, answer to end),
//! `inflight` (the calls in flight and the numbers they hold, one record
//! per call), `binding` (operators: offers accepted or declined, login, ready, pause,
//! logout), `admin` (pause, resume, cancel, remove, blacklist changes),
//! `timers` (what a contact's or a zone's timer does when it fires, the
//! watchdogs included), `callerid` (the caller ID of each dial: pool,
//! local presence, rotation), `callbacks` (dispositions: wrap-up codes
//! and personal callbacks),
//! `guard` (the compliance guard and where a refused contact goes),
//! `selection` (who is offered or dialed next), `dialing` (the poll loop,
//! the one `dial`, predictive pacing), `counters` (one `record(fact)` for
//! metrics, meters, caps, pacing and the journal, shared with replay),
//! [`gate`] (the emission gate and the wake-up contract), [`lookup`] (the
//! host's queries on one contact or operator, for the C getters), `rows`
//! (CSV import with the row-to-contact mapping) and [`durable`]
//! (the data directory: journal, snapshot, recovery).

mod admin;
mod binding;
pub mod bulk;
mod callbacks;
mod callerid;
mod calls;
mod counters;
mod dialing;
pub mod durable;
mod error;
mod events;
pub mod gate;
mod guard;
mod inflight;
pub mod lookup;
mod numbers;
mod queries;
mod rows;
mod rules;
mod selection;
mod setup;
pub mod several;
mod timers;

use admin::{resolve_pending, trigger_for, PendingAdmin};
use durable::Fact;
pub use error::EngineError;
use guard::Guard;
use inflight::{Calls, Live};

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
    /// Calls the engine hung up because a watchdog fired (`max_call_ms`,
    /// `max_talk_ms`): each one is a lost or late PBX event.
    pub watchdog_hangups: u64,
    /// Operators the engine paused for missing or declining
    /// `max_offer_refusals` offers in a row.
    pub refusal_pauses: u64,
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
    queue: SelectionQueue,
    /// Preview and progressive: contacts taken for the next offers.
    hopper: VecDeque<u32>,
    operators: Operators,
    /// The calls in flight: one record per bound contact (see `inflight`).
    calls: Calls,
    /// The guard's history: dials per number, last abandons (see `guard`).
    history: guard::History,
    /// Commands for the host, handed out (through the emission gate) at the
    /// next `poll`. Between calls it holds only withdrawals (`Revoke`).
    outbox: Vec<Command>,
    /// Something changed since the last `poll` that may let it offer or dial.
    poll_due: bool,
    expired: Vec<Expired>,
    now_ms: u64,
    paused: bool,
    canceled: bool,
    /// Metrics and abandon meters (see `counters`).
    counters: counters::Counters,
    /// The predictive pacer and the statistics it is given.
    pacing: Pacing,
    /// The data directory's journal, when the campaign was opened from one.
    durable: Option<Box<durable::Durable>>,
    /// Recovery's scratch space (due times, live flags) until the queues are rebuilt.
    replay: durable::Replay,
    /// The caller IDs: default, pool, rotation (see `callerid`).
    caller_ids: callerid::CallerIds,
    /// Personal callbacks (see `callbacks`).
    callbacks: callbacks::Callbacks,
    /// Agentless: answered calls the next poll hands a `Play`.
    to_play: Vec<CallId>,
    /// Numbers whose zone came from the number, and those left out (see `several`).
    zone_counts: several::ZoneCounts,
    /// The calling rules, when loaded (see `rules`).
    rules: Option<Box<rules::Rules>>,
    /// A floor's guards at the Dial emission point (see
    /// [`crate::floor::guard`]); `None` for a lone campaign.
    floor_guard: Option<Box<dyn crate::floor::guard::DialGuard>>,
    /// The floor guard refused a line in this poll: no more dials.
    floor_stopped: bool,
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
        let caller_ids = callerid::CallerIds::new(&config.caller_id, &config.caller_id_pool);
        Ok(Campaign {
            config,
            store: ContactStore::new(),
            zones,
            blacklist: Blacklist::new(),
            timers: Wheel::new(0),
            zone_timers: Wheel::with_keys(1, 0),
            windows: WindowCache::new(),
            queue: SelectionQueue::default(),
            hopper: VecDeque::new(),
            operators: Operators::default(),
            calls: Calls::default(),
            history: guard::History::default(),
            outbox: Vec::new(),
            poll_due: false,
            expired: Vec::new(),
            now_ms: 0,
            paused: false,
            canceled: false,
            counters: counters::Counters::default(),
            pacing: Pacing::new(pacer),
            durable: None,
            replay: durable::Replay::default(),
            caller_ids,
            callbacks: callbacks::Callbacks::default(),
            to_play: Vec::new(),
            zone_counts: several::ZoneCounts::default(),
            rules: None,
            floor_guard: None,
            floor_stopped: false,
        })
    }

    /// A transition the engine has already checked; a failure here is a bug
    /// in the engine, reported in debug builds and never a silent corruption.
    fn apply(&mut self, id: ContactId, trigger: Trigger, to: State) {
        let result = self.store.apply(id, trigger, to);
        debug_assert!(result.is_ok(), "engine bug: {result:?}");
        self.touch(id);
    }
}

#[cfg(test)]
mod tests;
