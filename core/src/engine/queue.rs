//! The selection queue: which contact is dialed next, in O(1) amortized.
//!
//! Order: higher priority first; within a priority, due retries in the order
//! they became due, then `Initial` contacts in import order. Each of the 256
//! priorities has two FIFO queues (retries, initial) of contact ids, and a
//! 256-bit occupancy mask finds the highest non-empty priority with four
//! `leading_zeros`. A contact returned to "the head of the queue" (an
//! operator logged out mid-offer) goes to the front of its priority's retry
//! queue.
//!
//! A contact is in the queue at most once: a bit per contact says whether it
//! is queued (or parked, waiting for its calling window), so pushing a queued
//! contact again is a no-op. Entries are not removed when a contact leaves a
//! selectable state (blacklisted, removed); the engine checks the state of
//! what it pops and skips what is no longer selectable.
//!
//! Memory: the `Initial` queues are [`runs::RunQueue`]s, which keep runs of
//! consecutive ids (an import's contacts) as one entry, so a freshly loaded
//! list costs the queue nothing per contact beyond its membership bit; the
//! retry queues hold scattered ids and stay plain deques.

mod runs;

use std::collections::VecDeque;

use runs::RunQueue;

#[derive(Debug, Clone, Default)]
struct Level {
    retries: VecDeque<u32>,
    initial: RunQueue,
}

/// Priority queues of contact ids.
#[derive(Debug, Clone)]
pub(crate) struct SelectionQueue {
    levels: Vec<Level>,
    occupied: [u64; 4],
    queued: Vec<u64>,
    len: usize,
}

impl Default for SelectionQueue {
    fn default() -> Self {
        SelectionQueue {
            levels: vec![Level::default(); 256],
            occupied: [0; 4],
            queued: Vec::new(),
            len: 0,
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

    /// True if `id` is queued or parked.
    #[cfg(test)]
    pub(crate) fn is_marked(&self, id: u32) -> bool {
        self.queued
            .get(id as usize / 64)
            .is_some_and(|w| w & (1 << (id % 64)) != 0)
    }

    /// Marks `id` as held outside the queue (parked); false if it already was marked.
    pub(crate) fn mark(&mut self, id: u32) -> bool {
        let word = &mut self.queued[id as usize / 64];
        let bit = 1 << (id % 64);
        let fresh = *word & bit == 0;
        *word |= bit;
        fresh
    }

    /// Clears the mark of `id`.
    pub(crate) fn unmark(&mut self, id: u32) {
        self.queued[id as usize / 64] &= !(1 << (id % 64));
    }

    fn level(&mut self, priority: u8) -> &mut Level {
        self.occupied[priority as usize / 64] |= 1 << (priority % 64);
        self.len += 1;
        &mut self.levels[priority as usize]
    }

    /// Queues an `Initial` contact behind the others of its priority.
    pub(crate) fn push_initial(&mut self, id: u32, priority: u8) {
        if self.mark(id) {
            self.level(priority).initial.push_back(id);
        }
    }

    /// Queues a due retry behind the other due retries of its priority.
    pub(crate) fn push_retry(&mut self, id: u32, priority: u8) {
        if self.mark(id) {
            self.level(priority).retries.push_back(id);
        }
    }

    /// Puts a contact at the head of its priority.
    pub(crate) fn push_front(&mut self, id: u32, priority: u8) {
        if self.mark(id) {
            self.level(priority).retries.push_front(id);
        }
    }

    /// Re-queues a parked (already marked) contact.
    pub(crate) fn requeue_parked(&mut self, id: u32, priority: u8, retry: bool) {
        let level = self.level(priority);
        if retry {
            level.retries.push_back(id);
        } else {
            level.initial.push_back(id);
        }
    }

    /// Takes the next contact: highest priority, retries before initial.
    pub(crate) fn pop(&mut self) -> Option<u32> {
        let word = (0..4).rev().find(|&w| self.occupied[w] != 0)?;
        let priority = word * 64 + 63 - self.occupied[word].leading_zeros() as usize;
        let level = &mut self.levels[priority];
        let id = level
            .retries
            .pop_front()
            .or_else(|| level.initial.pop_front())?;
        if level.retries.is_empty() && level.initial.is_empty() {
            self.occupied[word] &= !(1 << (priority % 64));
        }
        self.len -= 1;
        self.unmark(id);
        Some(id)
    }

    /// Entries queued (some may be stale).
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Bytes held by the queues and the membership bits (capacity).
    #[cfg(test)]
    pub(crate) fn heap_bytes(&self) -> usize {
        let levels: usize = self
            .levels
            .iter()
            .map(|l| l.retries.capacity() * 4 + l.initial.heap_bytes())
            .sum();
        levels + self.queued.capacity() * 8
    }

    /// Drops every entry and mark.
    pub(crate) fn clear(&mut self) {
        for level in &mut self.levels {
            level.retries.clear();
            level.initial.clear();
        }
        self.occupied = [0; 4];
        self.queued.iter_mut().for_each(|w| *w = 0);
        self.len = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn priority_then_retries_then_import_order() {
        let mut q = SelectionQueue::default();
        q.ensure_contacts(10);
        q.push_initial(0, 1);
        q.push_initial(1, 5);
        q.push_initial(2, 1);
        q.push_retry(3, 1);
        q.push_retry(4, 200);
        q.push_front(5, 1);
        q.push_initial(0, 1); // already queued: no duplicate
        let order: Vec<u32> = std::iter::from_fn(|| q.pop()).collect();
        assert_eq!(order, vec![4, 1, 5, 3, 0, 2]);
        assert_eq!(q.len(), 0);
        q.push_initial(0, 0);
        assert!(q.is_marked(0));
        q.clear();
        assert!(!q.is_marked(0));
        assert_eq!(q.pop(), None);
    }

    #[test]
    fn a_loaded_list_costs_about_a_bit_a_contact() {
        let mut q = SelectionQueue::default();
        let n = 1_000_000u32;
        q.ensure_contacts(n as usize);
        for id in 0..n {
            // Two priorities, in blocks, and every 1000th contact not queued.
            if id % 1000 != 7 {
                q.push_initial(id, u8::from(id >= n / 2));
            }
        }
        let per_contact = q.heap_bytes() as f64 / f64::from(n);
        assert!(per_contact < 0.2, "{per_contact} bytes a contact");
        let first: Vec<u32> = std::iter::from_fn(|| q.pop()).take(3).collect();
        assert_eq!(first, vec![n / 2, n / 2 + 1, n / 2 + 2]);
        assert_eq!(q.len(), 999_000 - 3);
    }
}
