//! Parking slots: one per (time zone, set of applicable rules).
//!
//! The engine keeps one selection queue per slot and closes it in O(1)
//! while its [`Schedule`] is closed, with one timer per slot for the next
//! opening — the same mechanism as per-zone windows, keyed finer. A
//! contact's slot comes from its zone and its number's candidate regions
//! (`crate::nanp::regions`, a `'static` slice, so the lookup key is the
//! slice's address: one hash probe, no mask computed per dial). Schedules
//! are compiled once per distinct [`RuleMask`] and shared by the slots of
//! every zone. Slot 0 is reserved: never open, for contacts beyond the
//! 65,535 pairs a `u16` can name (never dialed; no real campaign gets near).
//!
//! A slot may have a second zone ([`RuleSlots::slot_pair`]): a number whose
//! given zone differs from the zone its number implies, dialed under
//! `zone_mismatch = "most_restrictive"`. Its schedule is open only while it
//! is open in both zones ([`super::both_open`]), and its one timer is set
//! for the first instant both are — still no scan.

use hashbrown::HashMap;

use super::{Rule, RuleMask, RuleSet, Schedule};
use crate::nanp::Region;
use crate::window::{WeeklyWindow, WindowStatus};
use crate::zones::{ZoneId, ZoneTable};

#[derive(Debug, Clone, Copy)]
struct Cached {
    from_ms: u64,
    status: WindowStatus,
}

/// The interned (zone, rules) slots of a campaign and their cached status.
#[derive(Debug, Clone)]
pub struct RuleSlots {
    by_key: HashMap<(u16, usize, usize), u16>,
    by_explicit: HashMap<(u16, Region), u16>,
    by_pair: HashMap<(u16, u16, Option<Region>, usize, usize), u16>,
    slots: Vec<(ZoneId, u32)>,
    /// The second zone of the pair slots.
    second: HashMap<u16, ZoneId>,
    schedules: Vec<Schedule>,
    by_mask: HashMap<RuleMask, u32>,
    cache: Vec<Option<Cached>>,
}

impl RuleSlots {
    /// No slots but the reserved never-open slot 0.
    pub fn new() -> Self {
        RuleSlots {
            by_key: HashMap::new(),
            by_explicit: HashMap::new(),
            by_pair: HashMap::new(),
            slots: vec![(ZoneId::DEFAULT, 0)],
            second: HashMap::new(),
            schedules: vec![Schedule::from_rule(
                &WeeklyWindow::never(),
                &Rule::default(),
            )],
            by_mask: HashMap::new(),
            cache: vec![None],
        }
    }

    /// The slot of a number in `zone` with candidate regions `regions`,
    /// made on first use (the campaign `window` and `set` compile it).
    pub fn slot(
        &mut self,
        set: &RuleSet,
        window: &WeeklyWindow,
        zone: ZoneId,
        regions: &'static [Region],
    ) -> u16 {
        let key = (zone.0, regions.as_ptr() as usize, regions.len());
        if let Some(&s) = self.by_key.get(&key) {
            return s;
        }
        let id = self.intern(set, window, zone, regions);
        if id != 0 {
            self.by_key.insert(key, id);
        }
        id
    }

    /// The slot of a contact in `zone` whose region was given explicitly
    /// (it replaces the regions of its number).
    pub fn slot_for_region(
        &mut self,
        set: &RuleSet,
        window: &WeeklyWindow,
        zone: ZoneId,
        region: Region,
    ) -> u16 {
        if let Some(&s) = self.by_explicit.get(&(zone.0, region)) {
            return s;
        }
        let id = self.intern(set, window, zone, &[region]);
        if id != 0 {
            self.by_explicit.insert((zone.0, region), id);
        }
        id
    }

    /// The slot of a number dialed in `zone` whose number implies `other`:
    /// open only while open in both. `explicit`: the contact's region,
    /// which replaces `regions` (the number's).
    pub fn slot_pair(
        &mut self,
        set: &RuleSet,
        window: &WeeklyWindow,
        (zone, other): (ZoneId, ZoneId),
        explicit: Option<Region>,
        regions: &'static [Region],
    ) -> u16 {
        let key = (
            zone.0,
            other.0,
            explicit,
            regions.as_ptr() as usize,
            regions.len(),
        );
        if let Some(&s) = self.by_pair.get(&key) {
            return s;
        }
        let id = match explicit {
            Some(region) => self.intern(set, window, zone, &[region]),
            None => self.intern(set, window, zone, regions),
        };
        if id != 0 {
            self.second.insert(id, other);
            self.by_pair.insert(key, id);
        }
        id
    }

    /// The second zone of a pair slot.
    pub fn second_zone(&self, slot: u16) -> Option<ZoneId> {
        self.second.get(&slot).copied()
    }

    /// A new slot for (zone, the rules of `regions`); 0 when full.
    fn intern(
        &mut self,
        set: &RuleSet,
        window: &WeeklyWindow,
        zone: ZoneId,
        regions: &[Region],
    ) -> u16 {
        let Ok(id) = u16::try_from(self.slots.len()) else {
            return 0;
        };
        let mask = set.mask_for(regions);
        let schedule = match self.by_mask.get(&mask) {
            Some(&s) => s,
            None => {
                let s = self.schedules.len() as u32;
                self.schedules.push(set.compile(window, mask));
                self.by_mask.insert(mask, s);
                s
            }
        };
        self.slots.push((zone, schedule));
        self.cache.push(None);
        id
    }

    /// Number of slots (the reserved one included).
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Always false: slot 0 is always there.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The zone of a slot.
    pub fn zone(&self, slot: u16) -> ZoneId {
        self.slots
            .get(usize::from(slot))
            .map_or(ZoneId::DEFAULT, |s| s.0)
    }

    /// The schedule of a slot (slot 0's, never open, for an unknown slot).
    pub fn schedule(&self, slot: u16) -> &Schedule {
        let s = self.slots.get(usize::from(slot)).map_or(0, |s| s.1);
        &self.schedules[s as usize]
    }

    /// The slot's status at `now_ms`, recomputed only when `now_ms` leaves
    /// the span it is known for.
    pub fn status(&mut self, zones: &ZoneTable, slot: u16, now_ms: u64) -> WindowStatus {
        let i = usize::from(slot);
        if let Some(Some(c)) = self.cache.get(i) {
            if c.from_ms <= now_ms && now_ms < c.status.until_ms {
                return c.status;
            }
        }
        let Some(&(zone, _)) = self.slots.get(i) else {
            return WindowStatus {
                open: false,
                until_ms: u64::MAX,
            };
        };
        let schedule = self.schedule(slot);
        let status = match self.second.get(&slot) {
            None => schedule.status_at(zones.zone(zone), now_ms),
            Some(&other) => {
                let (a, b) = (zones.zone(zone), zones.zone(other));
                super::both_open(
                    |t| (schedule.status_at(a, t), schedule.status_at(b, t)),
                    now_ms,
                )
            }
        };
        self.cache[i] = Some(Cached {
            from_ms: now_ms,
            status,
        });
        status
    }
}

impl Default for RuleSlots {
    fn default() -> Self {
        RuleSlots::new()
    }
}
