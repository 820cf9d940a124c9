//! The builder: watches the journal records replay applies and turns their
//! facts and rows into attempt records.
//!
//! A `dialed` fact opens an attempt (number, zone, window and blacklist
//! read from the campaign as the record left it, which is the state at the
//! dial: a blacklist change is a record of its own); `call operator`,
//! `answered`, `machine`, `connected` and `abandoned` fill it in, at the
//! time of their record; the contact row that moves the contact out of the
//! call states (`Calling`, `AwaitingOperator`, `CallInProgress`) ends the
//! call, and the row that moves it out of the live states (after-call work
//! included) closes the attempt with its outcome and disposition.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use hashbrown::HashMap;

use super::{AttemptRecord, HoldReason, ABANDON_MESSAGE_MS};
use crate::campaign::durable::{decode_seen, ObserveReplay, Seen, SeenFact as Fact};
use crate::state::{Outcome, State};
use crate::store::ContactId;
use crate::window::status_at;
use crate::Campaign;

/// A day in milliseconds: the per-number cap's rolling window.
const DAY_MS: u64 = 86_400_000;

/// Builds the attempt records from the journal records it is shown.
#[derive(Debug)]
pub(super) struct Builder {
    campaign: Arc<str>,
    /// Zone id → its name, shared by the records.
    zone_names: Vec<Arc<str>>,
    attempts: Vec<AttemptRecord>,
    /// Contact → index of its attempt in progress.
    open: HashMap<u32, usize>,
    /// Contact → hold-backs since its last attempt.
    held: HashMap<u32, u32>,
    /// Contact → the journaled reasons of its hold-backs since its last
    /// attempt, counted per reason.
    reasons: HashMap<u32, Vec<(HoldReason, u32)>>,
    /// Every journaled hold-back, counted per reason.
    pub(super) held_totals: BTreeMap<HoldReason, u64>,
    /// Number → dial times within the last day.
    recent: HashMap<u64, VecDeque<u64>>,
    /// Contact → the number index of its next dial fact (journaled just
    /// before it; absent means number #0).
    dial_index: HashMap<u32, u8>,
}

impl Builder {
    pub(super) fn new(campaign: String) -> Builder {
        Builder {
            campaign: campaign.into(),
            zone_names: Vec::new(),
            attempts: Vec::new(),
            open: HashMap::new(),
            held: HashMap::new(),
            reasons: HashMap::new(),
            held_totals: BTreeMap::new(),
            recent: HashMap::new(),
            dial_index: HashMap::new(),
        }
    }

    /// The records; an attempt still in progress at the end of the history
    /// keeps `complete == false` and the contact's state as disposition.
    pub(super) fn finish(&mut self, campaign: &Campaign) -> Vec<AttemptRecord> {
        for (&id, &i) in &self.open {
            let r = &mut self.attempts[i];
            if let Some(state) = campaign.state(ContactId(id)) {
                r.disposition = state;
            }
            // What is known so far (a call still ringing has no ring time).
            fill_durations(r);
        }
        std::mem::take(&mut self.attempts)
    }

    fn held_back(&mut self, id: u32, reason: HoldReason) {
        *self.held_totals.entry(reason).or_default() += 1;
        let v = self.reasons.entry(id).or_default();
        match v.iter_mut().find(|(r, _)| *r == reason) {
            Some((_, n)) => *n += 1,
            None => {
                v.push((reason, 1));
                v.sort_unstable();
            }
        }
    }

    fn dialed(&mut self, campaign: &Campaign, id: u32, at: u64) {
        if let Some(i) = self.open.remove(&id) {
            // A new dial while an attempt is open (not written by this
            // engine): the old one stays incomplete.
            self.attempts[i].complete = false;
        }
        let contact = ContactId(id);
        let store = campaign.store();
        let number_index = self.dial_index.remove(&id).unwrap_or(0);
        let dialed = store.number_at(contact, usize::from(number_index));
        let number = dialed.map_or(0, |n| n.number);
        let own_window = campaign.config().numbers.order == crate::config::NumberOrder::OwnWindow;
        let zone = match dialed {
            Some(n) if number_index > 0 && own_window => n.zone,
            _ => store.zone(contact).unwrap_or(crate::zones::ZoneId::DEFAULT),
        };
        let zone_name = self.zone_name(campaign, zone);
        let in_window = status_at(
            &campaign.config().calling_window,
            campaign.zones().zone(zone),
            at,
        )
        .open;
        let recent = self.recent.entry(number).or_default();
        while recent.front().is_some_and(|&t| t + DAY_MS <= at) {
            recent.pop_front();
        }
        recent.push_back(at);
        self.open.insert(id, self.attempts.len());
        self.attempts.push(AttemptRecord {
            campaign: self.campaign.clone(),
            contact,
            external_id: store.external_id(contact).unwrap_or("").to_owned(),
            number,
            number_index,
            caller_id: caller_id(campaign),
            zone: zone_name,
            attempt: store.attempts(contact).unwrap_or(0),
            dial_at: at,
            answer_at: None,
            connect_at: None,
            end_at: None,
            wrap_end_at: None,
            ring_ms: None,
            wait_ms: None,
            talk_ms: None,
            outcome: Outcome::None,
            disposition: State::Calling,
            operator: None,
            abandoned: false,
            machine: false,
            message_within_2s: None,
            held_back: self.held.remove(&id).unwrap_or(0),
            held_back_reasons: self.reasons.remove(&id).unwrap_or_default(),
            in_window,
            blacklisted_at_dial: campaign.blacklist().contains(number),
            dials_24h: recent.len() as u32,
            complete: false,
        });
    }

    /// The shared name of `zone` (zones are only ever added).
    fn zone_name(&mut self, campaign: &Campaign, zone: crate::zones::ZoneId) -> Arc<str> {
        let zones = campaign.zones();
        while self.zone_names.len() < zones.len() {
            let id = crate::zones::ZoneId(self.zone_names.len() as u16);
            self.zone_names.push(zones.name(id).into());
        }
        self.zone_names
            .get(usize::from(zone.0))
            .cloned()
            .unwrap_or_else(|| zones.name(zone).into())
    }

    fn row(&mut self, id: u32, state: State, outcome: Outcome, at: u64) {
        let Some(&i) = self.open.get(&id) else {
            if state.is_selectable() {
                // Back to the queue without a dial: a guard (or an
                // operator's revoke) held it back.
                *self.held.entry(id).or_default() += 1;
            }
            return;
        };
        let r = &mut self.attempts[i];
        let in_call = matches!(
            state,
            State::Calling | State::AwaitingOperator | State::CallInProgress
        );
        if !in_call && r.end_at.is_none() {
            r.end_at = Some(at);
        }
        if !state.is_live() && state != State::AwaitingOperator {
            r.wrap_end_at = Some(at);
            r.outcome = outcome;
            r.disposition = state;
            r.complete = true;
            self.open.remove(&id);
            fill_durations(r);
        } else {
            r.disposition = state;
        }
    }
}

/// The caller ID journaled with the configuration in force at this record
/// (stored as a quoted string); `None` when empty or not stored (a journal
/// older than the setting).
fn caller_id(campaign: &Campaign) -> Option<String> {
    let v = campaign.stored_config_value("caller_id")?;
    let v = v.strip_prefix('"')?.strip_suffix('"')?;
    (!v.is_empty()).then(|| v.to_owned())
}

/// Ring, wait and talk from the times.
fn fill_durations(r: &mut AttemptRecord) {
    let end = r.end_at;
    r.ring_ms = r.answer_at.or(end).map(|t| t.saturating_sub(r.dial_at));
    r.wait_ms = r.answer_at.and_then(|a| {
        if r.machine {
            None
        } else {
            r.connect_at.or(end).map(|t| t.saturating_sub(a))
        }
    });
    r.talk_ms = r.connect_at.and_then(|c| end.map(|e| e.saturating_sub(c)));
}

impl ObserveReplay for Builder {
    fn record(&mut self, campaign: &Campaign, payload: &[u8]) {
        // Replay applied the record, so it decodes.
        let Ok(seen) = decode_seen(payload) else {
            return;
        };
        let at = campaign.now_ms();
        for s in seen {
            match s {
                Seen::Tick(_) => {}
                Seen::Fact(Fact::Dialed, id) => self.dialed(campaign, id, at),
                Seen::Fact(fact, id) => {
                    let Some(&i) = self.open.get(&id) else {
                        continue;
                    };
                    let r = &mut self.attempts[i];
                    match fact {
                        Fact::Answered => r.answer_at = Some(at),
                        Fact::Machine => {
                            r.machine = true;
                            r.answer_at = Some(at);
                        }
                        Fact::Connected => r.connect_at = Some(at),
                        Fact::Abandoned => {
                            r.abandoned = true;
                            r.end_at.get_or_insert(at);
                            let waited = r.answer_at.map(|a| at.saturating_sub(a));
                            r.message_within_2s =
                                Some(waited.is_some_and(|w| w <= ABANDON_MESSAGE_MS));
                        }
                        // A congested dial is no attempt: the record stays
                        // open and is ended by the contact's next row.
                        Fact::Dialed | Fact::Watchdog | Fact::Congested => {}
                    }
                }
                Seen::CallOperator { id, operator } => {
                    if let Some(&i) = self.open.get(&id) {
                        self.attempts[i].operator = Some(operator);
                    }
                }
                Seen::CallerId { id, number } => {
                    if let Some(&i) = self.open.get(&id) {
                        self.attempts[i].caller_id = Some(format!("+{number}"));
                    }
                }
                Seen::HeldBack { id, reason } => self.held_back(id, reason),
                Seen::DialedAt { id, index } => {
                    self.dial_index.insert(id, index);
                }
                Seen::Row {
                    id, state, outcome, ..
                } => self.row(id, state, outcome, at),
            }
        }
    }

    fn into_any(self: Box<Self>) -> Box<dyn std::any::Any> {
        self
    }
}
