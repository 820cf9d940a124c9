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
//! A host may set a contact's region explicitly ([`Campaign::set_contact_region`]),
//! which replaces the regions of its number (kept with the rules state,
//! journaled, in snapshots).
//!
//! **Zone mismatch.** A number given a zone other than the one its number
//! implies ([`crate::phone::zone_of_number`]) is keyed by the config's
//! `numbers.zone_mismatch`: `given` (the default) keeps the given zone,
//! `number` takes the number's, `most_restrictive` keys it by a *pair*
//! slot ([`RuleSlots::slot_pair`]) open only while the window and its rules
//! are open in both zones. With `most_restrictive` every key is a slot (an
//! empty rule set stands in until rules are loaded), so pair slots never
//! collide with zone keys; contacts outside are parked per slot with one
//! timer, as with rules.
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
use crate::config::ZoneMismatch;
use crate::nanp::{self, Region};
use crate::rules::{RuleSet, RulesError};
use crate::window::WindowStatus;

/// The loaded rules and their slots, and the regions set per contact.
#[derive(Debug, Clone, Default)]
pub(super) struct Rules {
    pub(super) set: Option<RuleSet>,
    pub(super) slots: RuleSlots,
    /// Regions given explicitly (`Campaign::set_contact_region`), which
    /// replace the regions of the contact's number.
    pub(super) explicit: HashMap<u32, Region>,
    /// The set slots are compiled from while none is loaded (zone pairs).
    empty: RuleSet,
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
        self.rules.as_ref().and_then(|r| r.set.as_ref())
    }

    /// Sets the region of a contact explicitly (a host that knows the
    /// customer's state better than the area code does: a ported mobile, a
    /// region column), or `None` to go back to the number's regions. The
    /// contact's rules follow it from now on: the guard and the gate use
    /// them at once; a contact already queued stays in its old slot's queue
    /// until selection meets it there (O(1): no re-keying), then moves to
    /// its new slot if that is closed. Journaled.
    pub fn set_contact_region(
        &mut self,
        contact: ContactId,
        region: Option<Region>,
    ) -> Result<(), EngineError> {
        if contact.index() >= self.store.len() {
            return Err(EngineError::UnknownContact(contact));
        }
        self.journal_contact_region(contact.0, region);
        self.apply_contact_region(contact.0, region);
        self.poll_due = true;
        self.journal_commit();
        Ok(())
    }

    /// The region set explicitly for a contact, if any.
    pub fn contact_region(&self, contact: ContactId) -> Option<Region> {
        self.rules.as_ref()?.explicit.get(&contact.0).copied()
    }

    /// Records an explicit region (live or replayed).
    pub(super) fn apply_contact_region(&mut self, id: u32, region: Option<Region>) {
        let rules = self.rules.get_or_insert_with(Box::default);
        match region {
            Some(r) => {
                rules.explicit.insert(id, r);
            }
            None => {
                rules.explicit.remove(&id);
            }
        }
    }

    /// The explicit regions, sorted by contact (for snapshots).
    pub(super) fn explicit_regions(&self) -> Vec<(u32, Region)> {
        let mut v: Vec<(u32, Region)> = self
            .rules
            .as_ref()
            .map(|r| r.explicit.iter().map(|(&k, &v)| (k, v)).collect())
            .unwrap_or_default();
        v.sort_unstable();
        v
    }

    /// Installs a parsed set (live, or replayed from the journal or a
    /// snapshot) and re-keys the selection queue.
    pub(super) fn install_rules(&mut self, set: RuleSet) {
        let rules = self.rules.get_or_insert_with(Box::default);
        rules.set = Some(set);
        rules.slots = RuleSlots::new();
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
        let zone = ZoneId(self.store.zones()[i]);
        let number = self.store.numbers().at(i);
        self.rules_key(i, zone, number)
    }

    /// The key of contact `i` dialed at `number` in `zone`: the zone
    /// without rules; with them, the slot of (zone, the contact's explicit
    /// region, else the number's regions). A zone mismatch (see the
    /// [module docs](self)) changes the zone or keys a pair slot.
    fn rules_key(&mut self, i: usize, zone: ZoneId, number: u64) -> u16 {
        let mismatch = self.config.numbers.zone_mismatch;
        let implied = match mismatch {
            ZoneMismatch::Given => None,
            _ => self.implied_zone(number).filter(|&z| z != zone),
        };
        let (zone, pair) = match (mismatch, implied) {
            (ZoneMismatch::Number, Some(z)) => (z, None),
            (ZoneMismatch::MostRestrictive, Some(z)) => (zone, Some(z)),
            _ => (zone, None),
        };
        if !self.slot_keys() {
            return zone.0;
        }
        let rules = self.rules.get_or_insert_with(Box::default);
        let set = rules.set.as_ref().unwrap_or(&rules.empty);
        let window = &self.config.calling_window;
        let explicit = rules.explicit.get(&(i as u32)).copied();
        match (pair, explicit) {
            (Some(other), explicit) => {
                rules
                    .slots
                    .slot_pair(set, window, (zone, other), explicit, nanp::regions(number))
            }
            (None, Some(region)) => rules.slots.slot_for_region(set, window, zone, region),
            (None, None) => rules.slots.slot(set, window, zone, nanp::regions(number)),
        }
    }

    /// The zone `number` implies, if exactly one (interned, and journaled,
    /// on first use).
    fn implied_zone(&mut self, number: u64) -> Option<ZoneId> {
        let phone::NumberZone::One(name) = phone::zone_of_number(number) else {
            return None;
        };
        if let Some(zone) = self.zones.lookup(name) {
            return Some(zone);
        }
        let zone = self.zones.intern(name).ok()?;
        self.journal_zones();
        Some(zone)
    }

    /// Whether calling rules are loaded.
    pub(super) fn rules_loaded(&self) -> bool {
        self.rules.as_deref().is_some_and(|r| r.set.is_some())
    }

    /// Whether queue keys are slots: rules loaded, or zone pairs possible.
    fn slot_keys(&self) -> bool {
        self.rules_loaded() || self.config.numbers.zone_mismatch == ZoneMismatch::MostRestrictive
    }

    /// Whether each number of a contact has its own key (its own rules or
    /// zone), to be checked before it is chosen.
    pub(super) fn keys_per_number(&self) -> bool {
        self.rules_loaded() || self.config.numbers.zone_mismatch != ZoneMismatch::Given
    }

    /// The key whose window and caps a dial of number `index` of contact
    /// `id` needs: the contact's queue key for its first number; for
    /// another, the slot of (the zone that number is dialed in, the rules
    /// of its own region) — or of the contact's explicit region.
    pub(super) fn number_key(&mut self, id: ContactId, index: usize) -> u16 {
        let i = id.index();
        if index == 0 {
            return self.queue_key(i);
        }
        let zone = self.dial_zone(id, index);
        let number = self.store.digits_at(id, index).map_or(0, |(n, _)| n);
        self.rules_key(i, zone, number)
    }

    /// Open or closed now for queue key `key`, and until when.
    pub(super) fn key_status(&mut self, key: u16, now: u64) -> WindowStatus {
        if self.slot_keys() {
            let rules = self.rules.get_or_insert_with(Box::default);
            return rules.slots.status(&self.zones, key, now);
        }
        self.windows
            .status(&self.config.calling_window, &self.zones, ZoneId(key), now)
    }

    /// How long dial times must be remembered for the per-number caps
    /// (0: no cap anywhere).
    pub(super) fn dial_memory_ms(&self) -> u64 {
        let campaign = if self.config.retry.max_attempts_per_24h > 0 {
            24 * 3_600_000
        } else {
            0
        };
        let rules = self.rules().map_or(0, |r| r.longest_cap_ms());
        campaign.max(rules)
    }

    /// The rules' caps for a dial now to `number` (queue key `key`): `None`
    /// when every cap has room, else the first instant they all do.
    pub(super) fn rule_caps_free_at(&self, number: u64, key: u16, now: u64) -> Option<u64> {
        let rules = self.rules.as_deref().filter(|r| r.set.is_some())?;
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
        let Some(rules) = self.rules.as_deref().filter(|r| r.set.is_some()) else {
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
