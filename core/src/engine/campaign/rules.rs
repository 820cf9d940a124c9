//! Calling rules in the engine: loading a [`RuleSet`], the queue key of a
//! contact, and the rule answers the guard and the gate ask.
//!
//! Without rules a contact's selection queue (and its zone timer) is its
//! time zone, exactly as before. With rules loaded it is its *slot*: the
//! pair (time zone, rules that apply to its number), interned by
//! [`RuleSlots`]; the queue closes a slot in O(1) while its combined
//! schedule is closed and one timer per slot reopens it — no scan of the
//! parked contacts. The rules apply on top of the campaign's calling window
//! and its `max_attempts_per_24h`: the most restrictive of all wins.
//!
//! Loading rules (again) re-keys the queue: every queued contact is queued
//! again under its new slot, in id order within its priority (due retries
//! lose their relative due order, nothing else changes), and every slot is
//! open until selection meets a contact outside it. The rule text is
//! journaled (record kind 19) and kept in snapshots, so a reopened campaign
//! follows the same rules.

use std::path::Path;

use super::*;
use crate::compliance::rules::slots::RuleSlots;
use crate::nanp;
use crate::rules::{RuleSet, RulesError};
use crate::window::WindowStatus;

/// The loaded rules and their slots.
#[derive(Debug, Clone)]
pub(super) struct Rules {
    pub(super) set: RuleSet,
    pub(super) slots: RuleSlots,
}

impl Campaign {
    /// Loads calling rules from the text of a rule file (see
    /// [`crate::rules::parse`] for the format), replacing any loaded before.
    /// A bad file is an error naming its line and field, and changes nothing.
    pub fn load_rules(&mut self, text: &str) -> Result<(), RulesError> {
        let set = RuleSet::parse(text)?;
        self.journal_rules(&set.text);
        self.install_rules(set);
        self.poll_due = true;
        self.journal_commit();
        Ok(())
    }

    /// [`Campaign::load_rules`] from a file; an unreadable file is an error
    /// naming the path (line 0).
    pub fn load_rules_file(&mut self, path: impl AsRef<Path>) -> Result<(), RulesError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| RulesError {
            line: 0,
            field: String::new(),
            message: format!("{}: {e}", path.display()),
        })?;
        self.load_rules(&text).map_err(|mut e| {
            e.message = format!("{}: {}", path.display(), e.message);
            e
        })
    }

    /// The loaded calling rules, if any.
    pub fn rules(&self) -> Option<&RuleSet> {
        self.rules.as_ref().map(|r| &r.set)
    }

    /// Installs a parsed set (live, or replayed from the journal or a
    /// snapshot) and re-keys the selection queue.
    pub(super) fn install_rules(&mut self, set: RuleSet) {
        self.rules = Some(Box::new(Rules {
            set,
            slots: RuleSlots::new(),
        }));
        self.rekey_queue();
    }

    /// Queues every queued contact again under its current key.
    fn rekey_queue(&mut self) {
        let n = self.store.len();
        self.queue.ensure_contacts(n);
        let queued: Vec<u32> = (0..n as u32)
            .filter(|&id| self.queue.is_marked(id))
            .collect();
        self.queue.clear();
        self.zone_timers = Wheel::with_keys(1, self.now_ms);
        for id in queued {
            let priority = self.store.priorities()[id as usize];
            let key = self.queue_key(id as usize);
            if self.store.state(ContactId(id)) == Some(State::Initial) {
                self.queue.push_initial(id, priority, key);
            } else {
                self.queue.push_retry(id, priority, key);
            }
        }
    }

    /// The selection queue (and zone timer) of contact `i`: its zone
    /// without rules, its (zone, rules) slot with them.
    pub(super) fn queue_key(&mut self, i: usize) -> u16 {
        let zone = self.store.zones()[i];
        let Some(rules) = self.rules.as_deref_mut() else {
            return zone;
        };
        let number = self.store.numbers()[i];
        rules.slots.slot(
            &rules.set,
            &self.config.calling_window,
            ZoneId(zone),
            nanp::regions(number),
        )
    }

    /// Open or closed now for queue key `key`, and until when.
    pub(super) fn key_status(&mut self, key: u16, now: u64) -> WindowStatus {
        match self.rules.as_deref_mut() {
            None => self
                .windows
                .status(&self.config.calling_window, &self.zones, ZoneId(key), now),
            Some(rules) => rules.slots.status(&self.zones, key, now),
        }
    }

    /// How long dial times must be remembered for the per-number caps
    /// (0: no cap anywhere).
    pub(super) fn dial_memory_ms(&self) -> u64 {
        let campaign = if self.config.retry.max_attempts_per_24h > 0 {
            24 * 3_600_000
        } else {
            0
        };
        let rules = self.rules.as_ref().map_or(0, |r| r.set.longest_cap_ms());
        campaign.max(rules)
    }

    /// The rules' caps for a dial now to `number` (queue key `key`): `None`
    /// when every cap has room, else the first instant they all do.
    pub(super) fn rule_caps_free_at(&self, number: u64, key: u16, now: u64) -> Option<u64> {
        let rules = self.rules.as_deref()?;
        let schedule = rules.slots.schedule(key);
        if schedule.caps().is_empty() {
            return None;
        }
        let times = self.history.recent_dials.get(&number)?;
        schedule.cap_free_at(times, now)
    }

    /// The rules' caps for a dial placed at `now` (already counted): true
    /// while no cap is exceeded.
    pub(super) fn rule_caps_hold_after_dial(&self, number: u64, key: u16, now: u64) -> bool {
        let Some(rules) = self.rules.as_deref() else {
            return true;
        };
        let schedule = rules.slots.schedule(key);
        let Some(times) = self.history.recent_dials.get(&number) else {
            return true;
        };
        schedule.caps().iter().all(|cap| {
            let from = now.saturating_sub(cap.period_ms);
            let recent = times
                .iter()
                .filter(|&&t| t > from || now < cap.period_ms)
                .count();
            recent <= cap.max_calls as usize
        })
    }
}
