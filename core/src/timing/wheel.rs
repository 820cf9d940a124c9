//! The hierarchical timer wheel with intrusive `u32` links.
//!
//! Every contact (and every operator, in a second wheel) may have one pending
//! timer: a BCW countdown, an offer or ring timeout, the abandon limit, an ACW
//! limit, a retry, a calling-window opening. A campaign holds millions of them
//! and arms, re-arms and cancels them all the time, mostly before they fire.
//! [`Wheel`] is a hierarchical timing wheel in the sense of Varghese & Lauck
//! ("Hashed and Hierarchical Timing Wheels", SOSP 1987, scheme 7), laid out the
//! way tokio's time driver lays out its own (`runtime/time/wheel`): 1 ms ticks,
//! 6 levels of 64 slots, level `L` covering `64^(L+1)` ms, so the wheel spans
//! `2^36` ms (about 795 days) ahead of its current time. Each level keeps an
//! `occupied: u64` bitfield; the next busy slot is found with `rotate_right` +
//! `trailing_zeros`, and the level of a deadline is
//! `((elapsed ^ when) | 63).ilog2() / 6`, the highest bit in which the
//! deadline differs from the wheel's time.
//!
//! **Intrusive `u32` links.** A key (a contact index) is the list node: the
//! slot lists are doubly linked through `next` and `prev`, kept per key in
//! one column of 12-byte nodes (`links: Vec<Link>`, one cache line touched
//! per key), so arm, re-arm and cancel are O(1), never allocate, and a
//! pending timer costs no heap block of its own. The head of a list has a
//! `prev` that names the list (`HEAD_BASE + level * 64 + slot`), so cancelling
//! a head fixes the slot head, and clears the slot's `occupied` bit, without
//! a search. `prev == u32::MAX` means "not armed".
//!
//! **Nodes only up to the highest armed key.** The node column is as long as
//! the highest key ever armed, not as the key space: [`Wheel::ensure_keys`]
//! only widens the range of valid keys, and the first arm of a key past the
//! column's end grows it (amortized). A campaign that has loaded 10M
//! contacts and dialed none holds no node; as dialing proceeds in import
//! order the column follows the dialed prefix, up to 12 bytes a key.
//!
//! **12 bytes a key, deadlines in O(1).** The node's third field, `when`,
//! keeps the low 32 bits of the deadline. Every timer in the wheel is due at
//! or after the wheel's time, so a deadline less than `2^32` ms (49.7 days)
//! ahead is exactly `elapsed + (when - elapsed as u32)` (wrapping), and
//! [`Wheel::deadline`] is O(1) with no walk. A deadline at least `2^32` ms
//! ahead when armed (rare in a dialer: a window opening or a retry weeks out)
//! also keeps its full value in a small side map, `far`, as do the past and
//! overflow lists (below); the map is consulted only when it is not empty.
//! The same arithmetic names a key's list: at rest (between calls) an entry
//! on level `L` has a slot start after the wheel's time, so the level is
//! `level_for(elapsed, deadline)` again and the slot follows from the
//! deadline; a cancel therefore knows its list without a walk.
//!
//! **Per-list minima.** Each list keeps the smallest deadline on it and how
//! many of its timers have that deadline (`mins`, 16 bytes a list, 6 KB in
//! all). Arming keeps it exact; cancelling a timer at the minimum decrements
//! the count, and only when the last timer at the minimum goes while others
//! stay does the entry become a lower bound (count 0, "stale"). So
//! [`Wheel::next_deadline`] is the earliest slot's minimum: O(levels) from
//! the `occupied` bitfields. A stale minimum of the earliest list is
//! recomputed by one walk of that list, on demand, and cached (a `Cell`, so
//! the query stays `&self`); it costs a walk only after the exact minimum of
//! the earliest slot was cancelled since the last query, and never twice for
//! the same cancel. Level-0 slots hold one millisecond and are always exact.
//!
//! **Cascading.** Time only advances to the start of the earliest occupied
//! slot, never past one: [`Wheel::advance`] takes that slot's list and
//! re-inserts each entry relative to the new time, which puts it on a lower
//! level (level 0 slots hold exactly one millisecond, so they fire). An entry
//! moves down at most 5 times in its life, and usually fewer: most timers are
//! cancelled first. Empty slots and empty stretches of time are skipped in
//! one step, as Kafka's `TimingWheel` jumps its clock to the next non-empty
//! bucket, so a host that jumps `now` by hours or days (simulation, recovery)
//! pays for the occupied slots it crosses, not for the elapsed ticks.
//!
//! **Past and overflow lists.** A deadline before the wheel's time (due at
//! once), or beyond the horizon, goes to one of two extra intrusive lists,
//! with its full deadline in `far`. The past list is due at once and is
//! drained, sorted, by the next `advance`; the overflow list is re-inserted
//! into the wheel when time comes within range of its earliest entry. (The
//! top level is circular like tokio's: a deadline up to 63 top-level slots
//! ahead fits even when it crosses a `2^36` ms boundary.)
//!
//! **Cost model.** `arm`, `cancel`, `is_armed`, `deadline` and re-arm: O(1),
//! no allocation (except the side map, for deadlines in the past or 49.7
//! days and more ahead). `advance`: O(occupied slots crossed + entries
//! cascaded + entries fired, plus the sort of each fired millisecond's keys).
//! `next_deadline`: O(levels); after the earliest list's minimum timer was
//! cancelled, the first query walks that list once.
//!
//! **Order.** Every timer that one `advance` fires comes out sorted by
//! deadline, and timers due in the same millisecond by key ascending, so a
//! run is reproducible byte for byte.

use std::cell::Cell;
use std::fmt;

use hashbrown::HashMap;

/// Bits of a slot index; 64 slots per level.
const SLOT_BITS: u32 = 6;
/// Slots per level.
const SLOTS: usize = 1 << SLOT_BITS;
/// Levels; `LEVELS * SLOT_BITS = 36` bits of horizon.
const LEVELS: usize = 6;
/// Shift of the top level's slot unit (`2^30` ms).
const TOP_SHIFT: u32 = SLOT_BITS * (LEVELS as u32 - 1);
/// Lists `0..WHEEL_LISTS` are the wheel's slots, `level * 64 + slot`.
const WHEEL_LISTS: usize = LEVELS * SLOTS;
/// The list of keys whose deadline is before the wheel's time (due at once).
const PAST: usize = WHEEL_LISTS;
/// The list of keys whose deadline is beyond the wheel's horizon.
const OVERFLOW: usize = WHEEL_LISTS + 1;
/// Number of lists.
const LISTS: usize = WHEEL_LISTS + 2;

/// End of a list in `next`; "not armed" in `prev`.
const NIL: u32 = u32::MAX;
/// A `prev` in `HEAD_BASE..NIL` marks a list head and names the list.
const HEAD_BASE: u32 = u32::MAX - 1024;

/// The largest number of keys a [`Wheel`] can hold (key values
/// `0..MAX_KEYS`); the values above are reserved for list sentinels.
pub const MAX_KEYS: usize = HEAD_BASE as usize;

/// A timer that [`Wheel::advance`] fired.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expired {
    /// The key (contact or operator index) whose timer fired.
    pub key: u32,
    /// The deadline it was armed with, in ms since the Unix epoch. It may be
    /// earlier than the `now_ms` it fired at: `advance` fires everything due.
    pub deadline_ms: u64,
}

/// The smallest deadline of one list and how many of its timers have it.
/// `count == 0` with `min < u64::MAX` means "stale": `min` is only a lower
/// bound (the timers at the minimum were cancelled). An empty list has
/// [`EMPTY_MIN`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ListMin {
    /// The smallest deadline (exact when `count > 0`).
    min: u64,
    /// Timers on the list with deadline `min`; 0 when stale or empty.
    count: u32,
}

/// The minimum of an empty list.
const EMPTY_MIN: ListMin = ListMin {
    min: u64::MAX,
    count: 0,
};

/// One key's node: its neighbours on its list and its deadline's low bits.
#[derive(Debug, Clone, Copy)]
struct Link {
    /// Next key in the same list, or `NIL` at the tail.
    next: u32,
    /// Previous key in the same list, `HEAD_BASE + list` at the head, or
    /// `NIL` when the key is not armed.
    prev: u32,
    /// Low 32 bits of the deadline.
    when: u32,
}

/// The node of a key that is not armed.
const UNARMED: Link = Link {
    next: NIL,
    prev: NIL,
    when: 0,
};

/// A hierarchical timer wheel: at most one pending timer per `u32` key,
/// 1 ms resolution, 12 bytes per key up to the highest key armed. See the
/// [module docs](self).
///
/// Keys are dense indexes `0..keys()`; grow the key space with
/// [`Wheel::ensure_keys`]. Time comes only from the caller: the wheel's
/// current time is the latest `now_ms` given to [`Wheel::advance`] (or to
/// [`Wheel::new`]), and never goes backwards.
#[derive(Clone)]
pub struct Wheel {
    /// Per key, its list links and deadline bits; only as long as the
    /// highest key ever armed (keys beyond it are not armed).
    links: Vec<Link>,
    /// The key space: keys `0..keys` may be armed.
    keys: usize,
    /// First key of each list, or `NIL`.
    heads: Box<[u32; LISTS]>,
    /// Per list, its smallest deadline (a cache that `next_deadline`, which
    /// takes `&self`, may refresh).
    mins: Box<[Cell<ListMin>]>,
    /// Bit `s` of `occupied[l]` is set when list `l * 64 + s` is not empty.
    occupied: [u64; LEVELS],
    /// The wheel's current time, ms since the Unix epoch.
    elapsed: u64,
    /// Number of pending timers.
    len: usize,
    /// Full deadlines of the keys on the past and overflow lists and of the
    /// keys armed `2^32` ms or more ahead.
    far: HashMap<u32, u64>,
}

/// The level at which a deadline `when >= elapsed` belongs; `>= LEVELS`
/// when it differs from `elapsed` above the wheel's 36 bits.
#[inline]
fn level_for(elapsed: u64, when: u64) -> usize {
    (((elapsed ^ when) | (SLOTS as u64 - 1)).ilog2() / SLOT_BITS) as usize
}

/// Whether a deadline `when >= elapsed` fits in the wheel (at most 63
/// top-level slots ahead of `elapsed`'s top-level slot).
#[inline]
fn in_horizon(elapsed: u64, when: u64) -> bool {
    (when >> TOP_SHIFT) - (elapsed >> TOP_SHIFT) < SLOTS as u64
}

/// The wheel list `level * 64 + slot` of a deadline on `level`.
#[inline]
fn slot_list(when: u64, level: usize) -> usize {
    level * SLOTS + ((when >> (SLOT_BITS * level as u32)) as usize & (SLOTS - 1))
}

/// The list a timer due at `when` goes to when the wheel's time is
/// `elapsed` — and, at rest, the list it is on.
#[inline]
fn list_for(elapsed: u64, when: u64) -> usize {
    if when < elapsed {
        return PAST;
    }
    let level = level_for(elapsed, when);
    if level < LEVELS {
        slot_list(when, level)
    } else if in_horizon(elapsed, when) {
        // Crosses a 2^36 ms boundary but is within 63 top-level slots:
        // the top level is circular.
        slot_list(when, LEVELS - 1)
    } else {
        OVERFLOW
    }
}

impl Wheel {
    /// An empty wheel with no keys, whose current time is `now_ms`.
    #[must_use]
    pub fn new(now_ms: u64) -> Self {
        Self::with_keys(0, now_ms)
    }

    /// An empty wheel for keys `0..keys`, none armed, whose current time is
    /// `now_ms`.
    ///
    /// # Panics
    /// If `keys > MAX_KEYS`.
    #[must_use]
    pub fn with_keys(keys: usize, now_ms: u64) -> Self {
        let mut wheel = Wheel {
            links: Vec::new(),
            keys: 0,
            heads: Box::new([NIL; LISTS]),
            mins: (0..LISTS).map(|_| Cell::new(EMPTY_MIN)).collect(),
            occupied: [0; LEVELS],
            elapsed: now_ms,
            len: 0,
            far: HashMap::new(),
        };
        wheel.ensure_keys(keys);
        wheel
    }

    /// Grows the key space to at least `keys`; new keys are not armed. Never
    /// shrinks.
    ///
    /// # Panics
    /// If `keys > MAX_KEYS`.
    pub fn ensure_keys(&mut self, keys: usize) {
        assert!(
            keys <= MAX_KEYS,
            "timer wheel: {keys} keys requested, at most {MAX_KEYS} supported"
        );
        self.keys = self.keys.max(keys);
    }

    /// The size of the key space: keys `0..keys()` may be armed.
    #[must_use]
    pub fn keys(&self) -> usize {
        self.keys
    }

    /// The wheel's current time: the latest `now_ms` it was advanced to (or
    /// created with).
    #[must_use]
    pub fn now(&self) -> u64 {
        self.elapsed
    }

    /// Number of pending timers.
    #[must_use]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no timer is pending.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Arms `key` to fire at `deadline_ms`, replacing its pending timer if
    /// it has one. A deadline at or before [`Wheel::now`] is due at once: the
    /// next [`Wheel::advance`] returns it, with this deadline. O(1).
    ///
    /// # Panics
    /// If `key >= keys()` (call [`Wheel::ensure_keys`] first).
    pub fn arm(&mut self, key: u32, deadline_ms: u64) {
        let k = key as usize;
        assert!(
            k < self.keys,
            "timer wheel: key {key} out of range (keys = {})",
            self.keys
        );
        if k >= self.links.len() {
            // The first arm of a key past the highest so far: the node
            // column grows (amortized, like any `Vec`) to cover it.
            self.links.resize(k + 1, UNARMED);
        }
        if self.links[k].prev == NIL {
            self.len += 1;
        } else {
            self.unlink(key);
        }
        self.insert(key, deadline_ms);
    }

    /// Cancels the pending timer of `key`; returns whether it had one. A key
    /// out of range has none. O(1).
    pub fn cancel(&mut self, key: u32) -> bool {
        if !self.is_armed(key) {
            return false;
        }
        self.unlink(key);
        self.len -= 1;
        true
    }

    /// Whether `key` has a pending timer (false for a key out of range). O(1).
    #[must_use]
    pub fn is_armed(&self, key: u32) -> bool {
        self.links.get(key as usize).is_some_and(|l| l.prev != NIL)
    }

    /// The deadline of `key`'s pending timer, or `None`. O(1): the low 32
    /// bits of the deadline and the wheel's time give it (or the side map,
    /// for the rare far and past deadlines); no list is walked.
    #[must_use]
    pub fn deadline(&self, key: u32) -> Option<u64> {
        self.is_armed(key).then(|| self.full_deadline(key))
    }

    /// Fires every pending timer with a deadline `<= now_ms` and appends them
    /// to `out`, sorted by deadline and, within the same millisecond, by key
    /// ascending. The fired keys are no longer armed. Then the wheel's time
    /// becomes `now_ms`; a `now_ms` before [`Wheel::now`] is treated as
    /// `now()` (time never goes backwards).
    ///
    /// Cost: by the occupied slots crossed and the entries cascaded or fired,
    /// not by the milliseconds elapsed; jumping days ahead is cheap.
    pub fn advance(&mut self, now_ms: u64, out: &mut Vec<Expired>) {
        let now = now_ms.max(self.elapsed);
        if self.heads[PAST] != NIL {
            self.drain_past(out);
        }
        loop {
            let next = self.next_slot();
            let slot_start = next.map_or(u64::MAX, |(level, _, x)| x << (SLOT_BITS * level as u32));
            if self.heads[OVERFLOW] != NIL {
                let enter = self.overflow_enter_time();
                if enter <= now && enter < slot_start {
                    // Moving time to any point before the earliest occupied
                    // slot keeps every entry's slot arithmetic valid.
                    self.elapsed = self.elapsed.max(enter);
                    self.migrate_overflow();
                    continue;
                }
            }
            match next {
                Some((level, slot, x)) if slot_start <= now => {
                    self.elapsed = slot_start;
                    self.take_slot(level, slot, x, out);
                }
                _ => break,
            }
        }
        self.elapsed = now;
    }

    /// The earliest pending deadline, exactly, or `None` when nothing is
    /// pending. It may be at or before [`Wheel::now`] (due at the next
    /// `advance`). Cost: O(levels) — the earliest occupied slot's kept
    /// minimum; see the module docs for the one walk after the minimum of
    /// that slot was cancelled.
    #[must_use]
    pub fn next_deadline(&self) -> Option<u64> {
        if self.heads[PAST] != NIL {
            return Some(self.list_min(PAST));
        }
        if let Some((level, slot, x)) = self.next_slot() {
            if level == 0 {
                return Some(x);
            }
            return Some(self.list_min(level * SLOTS + slot));
        }
        (self.heads[OVERFLOW] != NIL).then(|| self.list_min(OVERFLOW))
    }

    /// Every pending timer as `(key, deadline_ms)`, for snapshots. The order
    /// is deterministic but unspecified (it follows the wheel's lists).
    pub fn iter_pending(&self) -> impl Iterator<Item = (u32, u64)> + '_ {
        Pending {
            wheel: self,
            list: 0,
            key: self.heads[0],
        }
    }

    /// Bytes of heap held by the wheel: the 12-byte key nodes (by
    /// capacity), the list heads and minima and the side map of far
    /// deadlines.
    #[must_use]
    pub fn heap_bytes(&self) -> usize {
        self.links.capacity() * std::mem::size_of::<Link>()
            + std::mem::size_of::<[u32; LISTS]>()
            + self.mins.len() * std::mem::size_of::<Cell<ListMin>>()
            + self.far.allocation_size()
    }

    // ---- internals -------------------------------------------------------

    /// The deadline of an armed key whose low bits are `lo` and which is not
    /// in the side map: due at or after the wheel's time and less than
    /// `2^32` ms ahead of it.
    #[inline]
    fn near_deadline(&self, lo: u32) -> u64 {
        self.elapsed + u64::from(lo.wrapping_sub(self.elapsed as u32))
    }

    /// The full deadline of an armed key.
    #[inline]
    fn full_deadline(&self, key: u32) -> u64 {
        if !self.far.is_empty() {
            if let Some(&when) = self.far.get(&key) {
                return when;
            }
        }
        self.near_deadline(self.links[key as usize].when)
    }

    /// Puts an unlinked `key` on the list for `when` (the pending count is
    /// the caller's business).
    #[inline]
    fn insert(&mut self, key: u32, when: u64) {
        let list = list_for(self.elapsed, when);
        self.links[key as usize].when = when as u32;
        if list >= WHEEL_LISTS || when - self.elapsed > u64::from(u32::MAX) {
            self.far.insert(key, when);
        }
        self.link(list, key, when);
    }

    /// Pushes `key`, due at `when`, at the front of `list`; marks a wheel
    /// slot occupied and keeps the list's minimum.
    #[inline]
    fn link(&mut self, list: usize, key: u32, when: u64) {
        let head = self.heads[list];
        self.links[key as usize].next = head;
        self.links[key as usize].prev = HEAD_BASE + list as u32;
        if head != NIL {
            self.links[head as usize].prev = key;
        }
        self.heads[list] = key;
        if list < WHEEL_LISTS {
            self.occupied[list / SLOTS] |= 1 << (list % SLOTS);
        }
        let cell = &self.mins[list];
        let m = cell.get();
        if when < m.min || (m.count == 0 && when == m.min) {
            // A new minimum (an empty list's is u64::MAX; a stale one is a
            // lower bound, so `when` at or below it is the exact minimum).
            cell.set(ListMin {
                min: when,
                count: 1,
            });
        } else if when == m.min {
            cell.set(ListMin {
                min: when,
                count: m.count + 1,
            });
        }
    }

    /// Removes an armed `key` from its list and marks it not armed (the
    /// pending count is the caller's business). Must be called at rest
    /// (outside `advance`), where a deadline names its list.
    #[inline]
    fn unlink(&mut self, key: u32) {
        let k = key as usize;
        let p = self.links[k].prev;
        let n = self.links[k].next;
        debug_assert_ne!(p, NIL);
        let when = match self.far.is_empty() {
            true => None,
            false => self.far.remove(&key),
        }
        .unwrap_or_else(|| self.near_deadline(self.links[k].when));
        let list = if p >= HEAD_BASE {
            let list = (p - HEAD_BASE) as usize;
            self.heads[list] = n;
            if n != NIL {
                self.links[n as usize].prev = p;
            }
            list
        } else {
            self.links[p as usize].next = n;
            if n != NIL {
                self.links[n as usize].prev = p;
            }
            list_for(self.elapsed, when)
        };
        debug_assert_eq!(list, list_for(self.elapsed, when), "key {key}");
        self.links[k].prev = NIL;
        if self.heads[list] == NIL {
            self.mins[list].set(EMPTY_MIN);
            if list < WHEEL_LISTS {
                self.occupied[list / SLOTS] &= !(1 << (list % SLOTS));
            }
        } else {
            let cell = &self.mins[list];
            let m = cell.get();
            if m.count > 0 && when == m.min {
                cell.set(ListMin {
                    min: m.min,
                    count: m.count - 1,
                });
            }
        }
    }

    /// The exact minimum of a non-empty list, recomputed by one walk (and
    /// cached) when it is stale.
    fn list_min(&self, list: usize) -> u64 {
        let cell = &self.mins[list];
        let m = cell.get();
        if m.count > 0 {
            return m.min;
        }
        let mut fresh = EMPTY_MIN;
        let mut key = self.heads[list];
        while key != NIL {
            let when = self.full_deadline(key);
            if when < fresh.min {
                fresh = ListMin {
                    min: when,
                    count: 1,
                };
            } else if when == fresh.min {
                fresh.count += 1;
            }
            key = self.links[key as usize].next;
        }
        cell.set(fresh);
        fresh.min
    }

    /// The earliest occupied slot: `(level, slot, x)` where `x` is the slot's
    /// absolute number in units of `64^level` ms (its start is
    /// `x << 6 * level`). The lowest occupied level always holds the earliest
    /// entries.
    #[inline]
    fn next_slot(&self) -> Option<(usize, usize, u64)> {
        for level in 0..LEVELS {
            let occupied = self.occupied[level];
            if occupied != 0 {
                let t = self.elapsed >> (SLOT_BITS * level as u32);
                let cur = (t as u32) & (SLOTS as u32 - 1);
                let ahead = occupied.rotate_right(cur).trailing_zeros();
                let slot = ((cur + ahead) as usize) & (SLOTS - 1);
                return Some((level, slot, t + u64::from(ahead)));
            }
        }
        None
    }

    /// Takes the slot `(level, slot)` whose absolute number is `x`, at the
    /// moment the wheel's time reaches its start: fires it (level 0) or
    /// cascades its entries one or more levels down.
    fn take_slot(&mut self, level: usize, slot: usize, x: u64, out: &mut Vec<Expired>) {
        let list = level * SLOTS + slot;
        let mut key = self.heads[list];
        self.heads[list] = NIL;
        self.occupied[level] &= !(1 << slot);
        self.mins[list].set(EMPTY_MIN);
        if level == 0 {
            let start = out.len();
            while key != NIL {
                let k = key as usize;
                let next = self.links[k].next;
                self.links[k].prev = NIL;
                out.push(Expired {
                    key,
                    deadline_ms: x,
                });
                key = next;
            }
            let fired = &mut out[start..];
            self.len -= fired.len();
            if fired.len() > 1 {
                fired.sort_unstable_by_key(|e| e.key);
            }
        } else {
            // The wheel's time is the slot's start; every entry is due
            // within 64^level <= 2^30 ms of it, so none stays far (only the
            // top level can hold keys armed 2^32 ms or more ahead).
            let elapsed = self.elapsed;
            let top = level == LEVELS - 1 && !self.far.is_empty();
            while key != NIL {
                let k = key as usize;
                let next = self.links[k].next;
                let when = if top { self.far.remove(&key) } else { None }
                    .unwrap_or_else(|| self.near_deadline(self.links[k].when));
                self.link(slot_list(when, level_for(elapsed, when)), key, when);
                key = next;
            }
        }
    }

    /// Fires every key of the past list, sorted by (deadline, key).
    fn drain_past(&mut self, out: &mut Vec<Expired>) {
        let start = out.len();
        let mut key = self.heads[PAST];
        self.heads[PAST] = NIL;
        self.mins[PAST].set(EMPTY_MIN);
        while key != NIL {
            let k = key as usize;
            let next = self.links[k].next;
            self.links[k].prev = NIL;
            let deadline_ms = self
                .far
                .remove(&key)
                .expect("timer wheel: past key without a deadline");
            out.push(Expired { key, deadline_ms });
            key = next;
        }
        let fired = &mut out[start..];
        self.len -= fired.len();
        fired.sort_unstable_by_key(|e| (e.deadline_ms, e.key));
    }

    /// The earliest time at which the overflow list's earliest entry (by its
    /// kept minimum, a lower bound) fits in the wheel.
    fn overflow_enter_time(&self) -> u64 {
        let min = self.mins[OVERFLOW].get().min;
        ((min >> TOP_SHIFT).saturating_sub(SLOTS as u64 - 1)) << TOP_SHIFT
    }

    /// Moves every overflow entry that now fits into the wheel, and makes
    /// the overflow minimum exact for those that stay.
    fn migrate_overflow(&mut self) {
        let mut key = self.heads[OVERFLOW];
        self.heads[OVERFLOW] = NIL;
        self.mins[OVERFLOW].set(EMPTY_MIN);
        while key != NIL {
            let next = self.links[key as usize].next;
            let when = self.far[&key];
            if in_horizon(self.elapsed, when) {
                self.far.remove(&key);
                self.insert(key, when);
            } else {
                self.link(OVERFLOW, key, when);
            }
            key = next;
        }
    }
}

impl fmt::Debug for Wheel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The columns can hold millions of keys: show a summary.
        f.debug_struct("Wheel")
            .field("now", &self.elapsed)
            .field("len", &self.len)
            .field("keys", &self.keys())
            .field("occupied", &self.occupied)
            .field("past", &(self.heads[PAST] != NIL))
            .field("overflow", &(self.heads[OVERFLOW] != NIL))
            .field("far", &self.far.len())
            .finish_non_exhaustive()
    }
}

/// Iterator over the pending timers, list by list.
#[derive(Debug)]
struct Pending<'a> {
    wheel: &'a Wheel,
    /// The list being walked.
    list: usize,
    /// The next key of that list, or `NIL`.
    key: u32,
}

impl Iterator for Pending<'_> {
    type Item = (u32, u64);

    fn next(&mut self) -> Option<(u32, u64)> {
        let wheel = self.wheel;
        while self.key == NIL {
            self.list += 1;
            if self.list >= LISTS {
                return None;
            }
            self.key = wheel.heads[self.list];
        }
        let key = self.key;
        self.key = wheel.links[key as usize].next;
        Some((key, wheel.full_deadline(key)))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.wheel.len))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A realistic epoch time, not aligned to anything.
    const T0: u64 = 1_764_000_000_123;

    fn fire(wheel: &mut Wheel, now: u64) -> Vec<(u32, u64)> {
        let mut out = Vec::new();
        wheel.advance(now, &mut out);
        out.iter().map(|e| (e.key, e.deadline_ms)).collect()
    }

    #[test]
    fn arm_fire_and_order() {
        let mut w = Wheel::with_keys(10, T0);
        w.arm(3, T0 + 10);
        w.arm(1, T0 + 5);
        w.arm(2, T0 + 10);
        w.arm(0, T0 + 7);
        assert_eq!(w.len(), 4);
        assert_eq!(w.next_deadline(), Some(T0 + 5));
        assert_eq!(fire(&mut w, T0 + 4), vec![]);
        assert_eq!(w.now(), T0 + 4);
        assert_eq!(
            fire(&mut w, T0 + 10),
            vec![(1, T0 + 5), (0, T0 + 7), (2, T0 + 10), (3, T0 + 10)]
        );
        assert!(w.is_empty());
        assert_eq!(w.next_deadline(), None);
        assert!(!w.is_armed(1));
    }

    #[test]
    fn cancel_and_rearm() {
        let mut w = Wheel::with_keys(4, T0);
        assert!(!w.cancel(0));
        assert!(!w.cancel(99), "out of range is simply not armed");
        w.arm(0, T0 + 100);
        w.arm(1, T0 + 100);
        w.arm(2, T0 + 100);
        // Cancel the head, a middle and then the last one of one slot.
        assert!(w.cancel(2));
        assert!(!w.cancel(2));
        assert_eq!(w.len(), 2);
        assert_eq!(w.deadline(1), Some(T0 + 100));
        assert!(w.cancel(0));
        assert!(w.cancel(1));
        assert_eq!(w.next_deadline(), None);
        assert!(w.occupied.iter().all(|&o| o == 0));
        // Re-arm moves the timer; len counts it once.
        w.arm(3, T0 + 50_000);
        w.arm(3, T0 + 20);
        assert_eq!(w.len(), 1);
        assert_eq!(w.deadline(3), Some(T0 + 20));
        w.arm(3, T0 + 30);
        assert_eq!(fire(&mut w, T0 + 25), vec![]);
        assert_eq!(fire(&mut w, T0 + 30), vec![(3, T0 + 30)]);
        assert_eq!(w.deadline(3), None);
    }

    #[test]
    fn past_and_present_deadlines_are_due_at_once() {
        let mut w = Wheel::with_keys(5, T0);
        w.arm(0, T0);
        w.arm(1, T0 - 1);
        w.arm(2, 0);
        w.arm(3, T0 - 1);
        w.arm(4, T0 + 1);
        assert_eq!(w.next_deadline(), Some(0));
        assert_eq!(w.deadline(1), Some(T0 - 1));
        assert_eq!(w.deadline(0), Some(T0));
        // Going "back in time" is treated as now.
        assert_eq!(
            fire(&mut w, 17),
            vec![(2, 0), (1, T0 - 1), (3, T0 - 1), (0, T0)]
        );
        assert_eq!(w.now(), T0);
        assert_eq!(w.len(), 1);
        assert!(w.cancel(4));
        // Cancelling a past timer removes its side-map entry.
        w.arm(1, 5);
        assert!(w.cancel(1));
        assert!(w.far.is_empty());
        assert_eq!(fire(&mut w, T0 + 10), vec![]);
    }

    #[test]
    fn exact_boundaries() {
        let offsets = [
            0u64,
            1,
            62,
            63,
            64,
            65,
            4095,
            4096,
            4097,
            (1 << 18) - 1,
            1 << 18,
            (1 << 24) - 1,
            1 << 24,
            (1 << 30) - 1,
            1 << 30,
            (1 << 36) - (1 << 30),
            (1 << 36) - 1,
        ];
        // From an aligned and an unaligned start.
        for start in [0u64, 1 << 36, T0, (1 << 36) - 1, (1 << 36) - 64] {
            let mut w = Wheel::with_keys(offsets.len(), start);
            for (k, &off) in offsets.iter().enumerate() {
                w.arm(k as u32, start + off);
            }
            for (k, &off) in offsets.iter().enumerate() {
                assert_eq!(
                    w.deadline(k as u32),
                    Some(start + off),
                    "start {start} off {off}"
                );
            }
            for (k, &off) in offsets.iter().enumerate() {
                let when = start + off;
                assert_eq!(w.next_deadline(), Some(when));
                if when > start {
                    assert_eq!(fire(&mut w, when - 1), vec![], "start {start} off {off}");
                }
                assert_eq!(
                    fire(&mut w, when),
                    vec![(k as u32, when)],
                    "start {start} off {off}"
                );
            }
            assert!(w.is_empty());
        }
    }

    #[test]
    fn big_jumps_cost_by_occupied_slots() {
        let mut w = Wheel::with_keys(3, 0);
        w.arm(0, 1);
        w.arm(1, 1 << 35);
        w.arm(2, (1 << 35) + 12_345);
        // Ticking through 2^35 ms would never finish; jumping is immediate.
        assert_eq!(
            fire(&mut w, 1 << 40),
            vec![(0, 1), (1, 1 << 35), (2, (1 << 35) + 12_345)]
        );
        assert_eq!(w.now(), 1 << 40);
        // A jump from 0 to a realistic epoch time.
        let mut w = Wheel::with_keys(2, 0);
        w.arm(0, 1000);
        assert_eq!(fire(&mut w, T0), vec![(0, 1000)]);
        w.arm(1, T0 + 86_400_000);
        assert_eq!(fire(&mut w, T0 + 86_399_999), vec![]);
        assert_eq!(fire(&mut w, u64::MAX), vec![(1, T0 + 86_400_000)]);
    }

    #[test]
    fn overflow_beyond_the_horizon() {
        let horizon = 1u64 << 36;
        let mut w = Wheel::with_keys(4, T0);
        w.arm(0, T0 + 3 * horizon + 7);
        w.arm(1, T0 + horizon + 5);
        w.arm(2, T0 + 1000);
        w.arm(3, u64::MAX);
        assert_eq!(w.far.len(), 3);
        assert_eq!(w.deadline(0), Some(T0 + 3 * horizon + 7));
        assert_eq!(w.next_deadline(), Some(T0 + 1000));
        assert_eq!(fire(&mut w, T0 + 1000), vec![(2, T0 + 1000)]);
        assert_eq!(w.next_deadline(), Some(T0 + horizon + 5));
        // Still pending after time passes the point where key 1 enters the
        // wheel; its deadline survives the move out of the side map.
        assert_eq!(fire(&mut w, T0 + horizon / 2), vec![]);
        assert_eq!(fire(&mut w, T0 + horizon), vec![]);
        assert_eq!(w.far.len(), 2);
        assert_eq!(w.deadline(1), Some(T0 + horizon + 5));
        assert_eq!(fire(&mut w, T0 + horizon + 4), vec![]);
        assert_eq!(fire(&mut w, T0 + horizon + 5), vec![(1, T0 + horizon + 5)]);
        // Cancel from the overflow list.
        assert!(w.cancel(3));
        assert_eq!(w.far.len(), 1);
        assert_eq!(w.next_deadline(), Some(T0 + 3 * horizon + 7));
        // One jump over several horizons.
        assert_eq!(
            fire(&mut w, T0 + 10 * horizon),
            vec![(0, T0 + 3 * horizon + 7)]
        );
        assert!(w.is_empty());
        assert!(w.far.is_empty());
    }

    #[test]
    fn top_level_wraps_across_a_2_pow_36_boundary() {
        let boundary = 26u64 << 36;
        let start = boundary - 1000;
        let mut w = Wheel::with_keys(3, start);
        // 1 s and 700 days ahead: both cross the boundary, both fit.
        w.arm(0, boundary + 1);
        w.arm(1, start + 700 * 86_400_000);
        // Just out of range.
        w.arm(2, start + (1 << 36));
        // Key 2 overflows; key 1, more than 2^32 ms ahead, keeps its full
        // deadline in the side map while it sits on the top level.
        assert_eq!(w.far.len(), 2);
        assert_eq!(w.deadline(0), Some(boundary + 1));
        assert_eq!(w.deadline(1), Some(start + 700 * 86_400_000));
        assert_eq!(fire(&mut w, boundary), vec![]);
        assert_eq!(fire(&mut w, boundary + 1), vec![(0, boundary + 1)]);
        assert_eq!(
            fire(&mut w, start + (2 << 36)),
            vec![(1, start + 700 * 86_400_000), (2, start + (1 << 36))]
        );
    }

    #[test]
    fn iter_pending_lists_everything() {
        let mut w = Wheel::with_keys(8, T0);
        let deadlines = [
            T0 + 1,
            T0 - 5,
            T0 + 70,
            T0 + 5000,
            T0 + 3_600_000,
            T0 + (1 << 37),
            T0,
        ];
        for (k, &d) in deadlines.iter().enumerate() {
            w.arm(k as u32, d);
        }
        let mut got: Vec<_> = w.iter_pending().collect();
        got.sort_unstable();
        let want: Vec<_> = deadlines
            .iter()
            .enumerate()
            .map(|(k, &d)| (k as u32, d))
            .collect();
        assert_eq!(got, want);
        assert_eq!(w.iter_pending().count(), w.len());
        // After time moves, the rebuilt deadlines are still exact.
        fire(&mut w, T0 + 100);
        let mut got: Vec<_> = w.iter_pending().collect();
        got.sort_unstable();
        assert_eq!(got, want[3..6].to_vec());
    }

    #[test]
    fn ensure_keys_grows_unarmed() {
        let mut w = Wheel::new(T0);
        assert_eq!(w.keys(), 0);
        assert!(!w.is_armed(0));
        w.ensure_keys(3);
        assert_eq!(w.keys(), 3);
        w.arm(2, T0 + 9);
        w.ensure_keys(1000);
        w.ensure_keys(10);
        assert_eq!(w.keys(), 1000);
        assert!(w.is_armed(2));
        assert!(!w.is_armed(999));
        assert_eq!(w.links.len(), 3, "nodes only up to the highest armed key");
        w.arm(999, T0 + 9);
        assert_eq!(fire(&mut w, T0 + 9), vec![(2, T0 + 9), (999, T0 + 9)]);
        assert!(w.heap_bytes() >= 12 * 1000);
        assert!(format!("{w:?}").starts_with("Wheel {"));
    }

    #[test]
    #[should_panic(expected = "out of range")]
    fn arm_out_of_range_panics() {
        Wheel::with_keys(2, 0).arm(2, 5);
    }

    #[test]
    fn kept_minimum_survives_cancels_of_the_earliest() {
        // 1000 timers 30 min out share a level-3 slot; ties at the minimum.
        let mut w = Wheel::with_keys(1000, T0);
        for k in 0..1000u32 {
            w.arm(k, T0 + 1_800_000 + u64::from(k / 2));
        }
        assert_eq!(w.next_deadline(), Some(T0 + 1_800_000));
        // Cancel in deadline order: first one of a tie (still exact), then
        // the other (stale, recomputed), every time.
        for k in 0..998u32 {
            assert!(w.cancel(k));
            assert_eq!(
                w.next_deadline(),
                Some(T0 + 1_800_000 + u64::from(k.div_ceil(2)))
            );
            assert_eq!(
                w.deadline(k + 1),
                Some(T0 + 1_800_000 + u64::from(k.div_ceil(2)))
            );
        }
        // An earlier arm into the same slot is the new minimum at once.
        w.arm(0, T0 + 1_790_000);
        assert_eq!(w.next_deadline(), Some(T0 + 1_790_000));
        assert!(w.cancel(0));
        assert_eq!(w.next_deadline(), Some(T0 + 1_800_499));
    }

    #[test]
    fn deadlines_around_2_pow_32_ms_ahead() {
        let mut w = Wheel::with_keys(3, T0);
        let far = 1u64 << 32;
        w.arm(0, T0 + far - 1);
        w.arm(1, T0 + far);
        w.arm(2, T0 + far + 1);
        // The first fits the 32-bit column; the others keep a full deadline.
        assert_eq!(w.far.len(), 2);
        for k in 0..3u32 {
            assert_eq!(w.deadline(k), Some(T0 + far - 1 + u64::from(k)));
        }
        // Cascading them down drops the side-map entries.
        assert_eq!(fire(&mut w, T0 + far - 10), vec![]);
        assert!(w.far.is_empty());
        assert_eq!(w.deadline(2), Some(T0 + far + 1));
        assert_eq!(
            fire(&mut w, T0 + far + 1),
            vec![(0, T0 + far - 1), (1, T0 + far), (2, T0 + far + 1)]
        );
    }

    #[test]
    fn many_timers_in_one_slot_fire_sorted_by_key() {
        let mut w = Wheel::with_keys(1000, T0);
        for k in (0..1000u32).rev() {
            w.arm(k, T0 + 10_000 + u64::from(k % 3));
        }
        let out = fire(&mut w, T0 + 20_000);
        assert_eq!(out.len(), 1000);
        assert!(out.windows(2).all(|p| (p[0].1, p[0].0) < (p[1].1, p[1].0)));
    }
}
