//! The selection queue: which contact is dialed next, in O(1) amortized in
//! the number of contacts.
//!
//! Order: higher priority first; within a priority, due retries in the order
//! they became due, then `Initial` contacts in import order. A contact
//! returned to "the head of the queue" (an operator logged out mid-offer, a
//! dial deferred by a pause) goes to the front of its priority's retries.
//!
//! **One queue per time zone.** Each zone has its own 256 priorities, each
//! with two FIFO queues (retries, initial) of contact ids, and a 256-bit
//! occupancy mask that finds its highest non-empty priority with four
//! `leading_zeros`. A zone whose calling window is closed is *closed* here:
//! a flag, set in O(1) when selection first meets one of its contacts
//! outside the window, cleared in O(1) when its zone timer sees the window
//! open. Its contacts stay where they are — a closing does not pop and park
//! the whole queue and an opening does not requeue it — and keep their
//! place: when the window opens they are selected in the same order as if
//! it had never closed.
//!
//! `pop` takes the best head over the open zones: the highest priority, a
//! retry before an initial contact, then the earlier retry (every retry
//! carries a stamp from one campaign-wide counter, so retries of different
//! zones keep the order they became due) or the lower contact id (import
//! order). That is a scan of the zones that hold contacts — O(zones), a
//! handful in practice, never O(contacts). With one zone it is the plain
//! per-priority FIFO order.
//!
//! A contact is in the queue at most once: a bit per contact says whether it
//! is queued, so pushing a queued contact again is a no-op. Entries are not
//! removed when a contact leaves a selectable state (blacklisted, removed);
//! the engine checks the state of what it pops and skips what is no longer
//! selectable.
//!
//! Memory: the `Initial` queues are [`runs::RunQueue`]s, which keep runs of
//! consecutive ids (an import's contacts) as one entry, so a freshly loaded
//! list costs the queue nothing per contact beyond its membership bit; the
//! retry queues hold scattered ids with their stamps and stay plain deques.

mod runs;

use std::collections::VecDeque;

use runs::RunQueue;

/// The stamp the first retry gets; pushes to the back count up from it,
/// pushes to the front count down, so a stamp orders retries as one FIFO.
const STAMP_ORIGIN: u64 = 1 << 63;

#[derive(Debug, Clone, Default)]
struct Level {
    /// Due retries with their stamps, in stamp order.
    retries: VecDeque<(u64, u32)>,
    initial: RunQueue,
}

/// The queue of one time zone.
#[derive(Debug, Clone)]
struct ZoneQueue {
    /// 256 levels, allocated when the zone gets its first contact.
    levels: Vec<Level>,
    occupied: [u64; 4],
    len: usize,
    /// Outside its calling window: skipped by `pop`.
    closed: bool,
}

impl ZoneQueue {
    fn new() -> Self {
        ZoneQueue {
            levels: Vec::new(),
            occupied: [0; 4],
            len: 0,
            closed: false,
        }
    }

    fn level(&mut self, priority: u8) -> &mut Level {
        if self.levels.is_empty() {
            self.levels = vec![Level::default(); 256];
        }
        self.occupied[priority as usize / 64] |= 1 << (priority % 64);
        self.len += 1;
        &mut self.levels[priority as usize]
    }

    /// The highest non-empty priority.
    fn top(&self) -> Option<usize> {
        let word = (0..4).rev().find(|&w| self.occupied[w] != 0)?;
        Some(word * 64 + 63 - self.occupied[word].leading_zeros() as usize)
    }

    /// The rank of this zone's head: (priority, retry first, earliest first).
    fn head_rank(&self) -> Option<(usize, bool, u64)> {
        let priority = self.top()?;
        let level = &self.levels[priority];
        Some(match level.retries.front() {
            Some(&(stamp, _)) => (priority, true, stamp),
            None => (priority, false, u64::from(level.initial.front()?)),
        })
    }

    fn pop_at(&mut self, priority: usize) -> Option<u32> {
        let level = &mut self.levels[priority];
        let id = match level.retries.pop_front() {
            Some((_, id)) => id,
            None => level.initial.pop_front()?,
        };
        if level.retries.is_empty() && level.initial.is_empty() {
            self.occupied[priority / 64] &= !(1 << (priority % 64));
        }
        self.len -= 1;
        Some(id)
    }
}

/// Priority queues of contact ids, one set per time zone.
#[derive(Debug, Clone)]
pub(crate) struct SelectionQueue {
    zones: Vec<ZoneQueue>,
    queued: Vec<u64>,
    len: usize,
    /// The next stamp of a retry pushed to the back.
    back: u64,
    /// The stamp of the last retry pushed to the front.
    front: u64,
    /// The last entry popped, so that `unpop` can put it back in its place.
    last: Option<Popped>,
}

/// Where a popped entry was.
#[derive(Debug, Clone, Copy)]
struct Popped {
    id: u32,
    zone: u16,
    priority: u8,
    /// The retry's stamp; `None` for an initial contact.
    stamp: Option<u64>,
}

impl Default for SelectionQueue {
    fn default() -> Self {
        SelectionQueue {
            zones: vec![ZoneQueue::new()],
            queued: Vec::new(),
            len: 0,
            back: STAMP_ORIGIN,
            front: STAMP_ORIGIN,
            last: None,
        }
    }
}

impl SelectionQueue {
    /// Makes the membership bits cover `contacts` ids.
    pub(crate) fn ensure_contacts(&mut self, contacts: usize) {
        let words = contacts.div_ceil(64);
        if self.queued.len() < words {
            self.queued.resize(words, 0);
        }
    }

    /// Makes room for zones `0..zones`.
    pub(crate) fn ensure_zones(&mut self, zones: usize) {
        if self.zones.len() < zones {
            self.zones.resize_with(zones, ZoneQueue::new);
        }
    }

    /// True if `id` is queued.
    pub(crate) fn is_marked(&self, id: u32) -> bool {
        self.queued
            .get(id as usize / 64)
            .is_some_and(|w| w & (1 << (id % 64)) != 0)
    }

    /// Marks `id` as queued; false if it already was.
    fn mark(&mut self, id: u32) -> bool {
        let word = &mut self.queued[id as usize / 64];
        let bit = 1 << (id % 64);
        let fresh = *word & bit == 0;
        *word |= bit;
        fresh
    }

    fn unmark(&mut self, id: u32) {
        self.queued[id as usize / 64] &= !(1 << (id % 64));
    }

    fn zone(&mut self, zone: u16) -> &mut ZoneQueue {
        self.ensure_zones(usize::from(zone) + 1);
        self.len += 1;
        &mut self.zones[usize::from(zone)]
    }

    /// Queues an `Initial` contact behind the others of its priority.
    pub(crate) fn push_initial(&mut self, id: u32, priority: u8, zone: u16) {
        if self.mark(id) {
            self.zone(zone).level(priority).initial.push_back(id);
        }
    }

    /// Queues a due retry behind the other due retries of its priority.
    pub(crate) fn push_retry(&mut self, id: u32, priority: u8, zone: u16) {
        if self.mark(id) {
            let stamp = self.back;
            self.back += 1;
            self.zone(zone)
                .level(priority)
                .retries
                .push_back((stamp, id));
        }
    }

    /// Puts a contact at the head of its priority.
    pub(crate) fn push_front(&mut self, id: u32, priority: u8, zone: u16) {
        if self.mark(id) {
            self.front -= 1;
            let stamp = self.front;
            self.zone(zone)
                .level(priority)
                .retries
                .push_front((stamp, id));
        }
    }

    /// Takes the next contact of the open zones: highest priority, retries
    /// before initial (see the module doc for the order across zones).
    pub(crate) fn pop(&mut self) -> Option<u32> {
        let mut best: Option<(usize, (usize, bool, u64))> = None;
        for (z, q) in self.zones.iter().enumerate() {
            if q.closed || q.len == 0 {
                continue;
            }
            let Some(rank) = q.head_rank() else { continue };
            let better = match best {
                None => true,
                Some((_, (p, retry, key))) => {
                    (rank.0, rank.1) > (p, retry)
                        || ((rank.0, rank.1) == (p, retry) && rank.2 < key)
                }
            };
            if better {
                best = Some((z, rank));
            }
        }
        let (z, (priority, retry, key)) = best?;
        let id = self.zones[z].pop_at(priority)?;
        self.len -= 1;
        self.unmark(id);
        self.last = Some(Popped {
            id,
            zone: z as u16,
            priority: priority as u8,
            stamp: retry.then_some(key),
        });
        Some(id)
    }

    /// Puts `id` back where it was, if it is the contact `pop` returned
    /// last and it was not queued again since; false otherwise.
    pub(crate) fn unpop(&mut self, id: u32) -> bool {
        let Some(p) = self.last.take() else {
            return false;
        };
        if p.id != id || !self.mark(id) {
            return false;
        }
        let level = self.zone(p.zone).level(p.priority);
        match p.stamp {
            Some(stamp) => level.retries.push_front((stamp, id)),
            None => level.initial.push_front(id),
        }
        true
    }

    /// [`SelectionQueue::unpop`] only when `id` was popped from `zone`'s
    /// queue (a contact whose queue key changed since goes to its new queue).
    pub(crate) fn unpop_in(&mut self, id: u32, zone: u16) -> bool {
        if self.last.is_some_and(|p| p.zone != zone) {
            self.last = None;
            return false;
        }
        self.unpop(id)
    }

    /// True when an open zone has an entry queued (some may be stale: a
    /// contact queued twice or since moved on). O(zones).
    pub(crate) fn has_open(&self) -> bool {
        self.zones.iter().any(|q| !q.closed && q.len > 0)
    }

    /// Closes a zone: `pop` skips its contacts, which keep their places. O(1).
    pub(crate) fn close_zone(&mut self, zone: u16) {
        self.ensure_zones(usize::from(zone) + 1);
        self.zones[usize::from(zone)].closed = true;
    }

    /// Opens a zone again: its contacts are selectable where they were. O(1).
    pub(crate) fn open_zone(&mut self, zone: u16) {
        if let Some(q) = self.zones.get_mut(usize::from(zone)) {
            q.closed = false;
        }
    }

    /// True while `zone` is closed.
    #[cfg(test)]
    pub(crate) fn is_closed(&self, zone: u16) -> bool {
        self.zones.get(usize::from(zone)).is_some_and(|q| q.closed)
    }

    /// Entries queued, closed zones included (some may be stale).
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Bytes held by the queues and the membership bits (capacity).
    #[cfg(test)]
    pub(crate) fn heap_bytes(&self) -> usize {
        let zones: usize = self
            .zones
            .iter()
            .map(|z| {
                z.levels.capacity() * std::mem::size_of::<Level>()
                    + z.levels
                        .iter()
                        .map(|l| l.retries.capacity() * 12 + l.initial.heap_bytes())
                        .sum::<usize>()
            })
            .sum();
        zones + self.queued.capacity() * 8
    }

    /// Drops every entry and mark, and opens every zone.
    pub(crate) fn clear(&mut self) {
        for q in &mut self.zones {
            for level in &mut q.levels {
                level.retries.clear();
                level.initial.clear();
            }
            q.occupied = [0; 4];
            q.len = 0;
            q.closed = false;
        }
        self.queued.iter_mut().for_each(|w| *w = 0);
        self.len = 0;
        self.last = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn priority_then_retries_then_import_order() {
        let mut q = SelectionQueue::default();
        q.ensure_contacts(10);
        q.push_initial(0, 1, 0);
        q.push_initial(1, 5, 0);
        q.push_initial(2, 1, 0);
        q.push_retry(3, 1, 0);
        q.push_retry(4, 200, 0);
        q.push_front(5, 1, 0);
        q.push_initial(0, 1, 0); // already queued: no duplicate
        let order: Vec<u32> = std::iter::from_fn(|| q.pop()).collect();
        assert_eq!(order, vec![4, 1, 5, 3, 0, 2]);
        assert_eq!(q.len(), 0);
        q.push_initial(0, 0, 0);
        assert!(q.is_marked(0));
        q.clear();
        assert!(!q.is_marked(0));
        assert_eq!(q.pop(), None);
    }

    #[test]
    fn zones_merge_in_the_one_queue_order() {
        let mut q = SelectionQueue::default();
        q.ensure_contacts(20);
        // Initial contacts of two zones: import (id) order across zones.
        for id in [0, 3, 4] {
            q.push_initial(id, 1, 0);
        }
        for id in [1, 2, 5] {
            q.push_initial(id, 1, 2);
        }
        // Retries: the order they became due, across zones; a push to the
        // front goes before all of them.
        q.push_retry(10, 1, 2);
        q.push_retry(11, 1, 0);
        q.push_retry(12, 1, 2);
        q.push_front(13, 1, 0);
        q.push_initial(14, 9, 1);
        let order: Vec<u32> = std::iter::from_fn(|| q.pop()).collect();
        assert_eq!(order, vec![14, 13, 10, 11, 12, 0, 1, 2, 3, 4, 5]);
    }

    #[test]
    fn a_closed_zone_is_skipped_and_keeps_its_places() {
        let mut q = SelectionQueue::default();
        q.ensure_contacts(10);
        for id in 0..6 {
            q.push_initial(id, 0, (id % 2) as u16);
        }
        assert_eq!(q.pop(), Some(0));
        q.close_zone(1);
        assert!(q.is_closed(1));
        assert_eq!(q.pop(), Some(2));
        q.push_initial(6, 0, 0);
        assert_eq!(q.pop(), Some(4));
        assert_eq!(q.pop(), Some(6));
        assert_eq!(q.pop(), None, "only the closed zone holds contacts");
        assert_eq!(q.len(), 3);
        q.open_zone(1);
        let order: Vec<u32> = std::iter::from_fn(|| q.pop()).collect();
        assert_eq!(order, vec![1, 3, 5]);
    }

    /// One step of the differential test.
    #[derive(Debug, Clone)]
    enum Op {
        /// The next new contact (ids grow, as contacts are added).
        Initial {
            priority: u8,
            zone: u16,
        },
        Retry {
            id: u32,
            priority: u8,
            zone: u16,
        },
        Front {
            id: u32,
            priority: u8,
            zone: u16,
        },
        Close(u16),
        Open(u16),
        Pop,
        /// Pop, then put the contact back.
        PopUnpop,
    }

    fn op() -> impl proptest::strategy::Strategy<Value = Op> {
        use proptest::prelude::*;
        let p = 0u8..4;
        let z = 0u16..3;
        prop_oneof![
            3 => (p.clone(), z.clone()).prop_map(|(priority, zone)| Op::Initial { priority, zone }),
            2 => (0u32..64, p.clone(), z.clone())
                .prop_map(|(id, priority, zone)| Op::Retry { id, priority, zone }),
            1 => (0u32..64, p, z.clone()).prop_map(|(id, priority, zone)| Op::Front { id, priority, zone }),
            1 => z.clone().prop_map(Op::Close),
            1 => z.prop_map(Op::Open),
            3 => Just(Op::Pop),
            1 => Just(Op::PopUnpop),
        ]
    }

    /// The reference: every queued entry in one list, `pop` the best of the
    /// open zones by a full scan — (priority, retry first, earliest key),
    /// where a retry's key is its push order (front pushes before all) and
    /// an initial contact's its id.
    #[derive(Default)]
    struct Model {
        entries: Vec<(u32, u16, u8, bool, i64)>,
        closed: [bool; 3],
        back: i64,
        front: i64,
    }

    impl Model {
        fn queued(&self, id: u32) -> bool {
            self.entries.iter().any(|e| e.0 == id)
        }
        fn pop(&mut self) -> Option<(u32, u16, u8, bool, i64)> {
            let best = (0..self.entries.len())
                .filter(|&i| !self.closed[self.entries[i].1 as usize])
                .min_by_key(|&i| {
                    let e = self.entries[i];
                    (std::cmp::Reverse(e.2), !e.3, e.4)
                })?;
            Some(self.entries.remove(best))
        }
    }

    proptest::proptest! {
        #[test]
        fn per_zone_queues_pop_what_one_global_scan_pops(ops in proptest::collection::vec(op(), 1..200)) {
            let mut q = SelectionQueue::default();
            q.ensure_contacts(1_000);
            let mut m = Model::default();
            let mut next_id = 64u32;
            for op in ops {
                match op {
                    Op::Initial { priority, zone } => {
                        let id = next_id;
                        next_id += 1;
                        q.push_initial(id, priority, zone);
                        m.entries.push((id, zone, priority, false, i64::from(id)));
                    }
                    Op::Retry { id, priority, zone } => {
                        q.push_retry(id, priority, zone);
                        if !m.queued(id) {
                            m.entries.push((id, zone, priority, true, m.back));
                            m.back += 1;
                        }
                    }
                    Op::Front { id, priority, zone } => {
                        q.push_front(id, priority, zone);
                        if !m.queued(id) {
                            m.front -= 1;
                            m.entries.push((id, zone, priority, true, m.front));
                        }
                    }
                    Op::Close(z) => {
                        q.close_zone(z);
                        m.closed[z as usize] = true;
                    }
                    Op::Open(z) => {
                        q.open_zone(z);
                        m.closed[z as usize] = false;
                    }
                    Op::Pop => {
                        proptest::prop_assert_eq!(q.pop(), m.pop().map(|e| e.0));
                    }
                    Op::PopUnpop => {
                        let want = m.pop();
                        let got = q.pop();
                        proptest::prop_assert_eq!(got, want.map(|e| e.0));
                        if let (Some(id), Some(e)) = (got, want) {
                            proptest::prop_assert!(q.unpop(id));
                            m.entries.push(e);
                        }
                    }
                }
                proptest::prop_assert_eq!(q.len(), m.entries.len());
            }
        }
    }

    #[test]
    fn a_loaded_list_costs_about_a_bit_a_contact() {
        let mut q = SelectionQueue::default();
        let n = 1_000_000u32;
        q.ensure_contacts(n as usize);
        for id in 0..n {
            // Two priorities, in blocks, and every 1000th contact not queued.
            if id % 1000 != 7 {
                q.push_initial(id, u8::from(id >= n / 2), 0);
            }
        }
        let per_contact = q.heap_bytes() as f64 / f64::from(n);
        assert!(per_contact < 0.2, "{per_contact} bytes a contact");
        let first: Vec<u32> = std::iter::from_fn(|| q.pop()).take(3).collect();
        assert_eq!(first, vec![n / 2, n / 2 + 1, n / 2 + 2]);
        assert_eq!(q.len(), 999_000 - 3);
    }
}
