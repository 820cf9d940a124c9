//! A FIFO of contact ids that stores runs of consecutive ids as one entry.
//!
//! A campaign queues its `Initial` contacts in import order, and an import
//! hands out consecutive ids: 10M contacts loaded with one priority are one
//! run `0..10M`. [`RunQueue`] keeps such a run as three words instead of 10M,
//! so the selection queue costs nothing per contact for a freshly loaded
//! list (it cost 4–8 bytes a contact as a `VecDeque<u32>`). Ids that do not
//! follow their predecessor are kept one word each, as before; a run holds
//! at least three ids, so the queue never takes more words than a
//! `VecDeque<u32>` of the same ids would.
//!
//! Encoding: the deque holds plain ids, and a run `start..end` (at least
//! three ids) as the three words `RUN, start, end`. Contact ids are below
//! [`crate::store::MAX_CONTACTS`], so `RUN` (`u32::MAX`) is never an id and a
//! `RUN` word always opens a run.

use std::collections::VecDeque;

/// Marks the start of a three-word run entry; never a contact id.
const RUN: u32 = u32::MAX;
const _: () = assert!(crate::store::MAX_CONTACTS < RUN as usize);

/// A FIFO queue of `u32` ids, consecutive ids stored as runs.
#[derive(Debug, Clone, Default)]
pub(crate) struct RunQueue {
    words: VecDeque<u32>,
    len: usize,
}

impl RunQueue {
    /// Number of ids queued.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// True if no id is queued.
    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Appends `id` behind the others; extends the last run when `id`
    /// follows it, or turns the last two single ids and `id` into a run
    /// when the three are consecutive.
    pub(crate) fn push_back(&mut self, id: u32) {
        debug_assert!(id < RUN - 1);
        self.len += 1;
        let w = &mut self.words;
        let n = w.len();
        if n >= 3 && w[n - 3] == RUN {
            // The last entry is a run.
            if w[n - 1] == id {
                w[n - 1] = id + 1;
                return;
            }
        } else if n >= 2
            && !(n >= 4 && w[n - 4] == RUN)
            && w[n - 1].wrapping_add(1) == id
            && w[n - 2].wrapping_add(2) == id
        {
            // The last two words are single ids `id - 2, id - 1`.
            let start = w[n - 2];
            w[n - 2] = RUN;
            w[n - 1] = start;
            w.push_back(id + 1);
            return;
        }
        w.push_back(id);
    }

    /// The id at the front, if any.
    #[inline]
    pub(crate) fn front(&self) -> Option<u32> {
        match *self.words.front()? {
            RUN => Some(self.words[1]),
            id => Some(id),
        }
    }

    /// Puts `id` in front of the others (a contact returned to the head of
    /// the queue); extends the first run downwards when `id` precedes it.
    pub(crate) fn push_front(&mut self, id: u32) {
        debug_assert!(id < RUN - 1);
        self.len += 1;
        if self.words.front() == Some(&RUN) && self.words[1] == id + 1 {
            self.words[1] = id;
        } else {
            self.words.push_front(id);
        }
    }

    /// Takes the id at the front.
    pub(crate) fn pop_front(&mut self) -> Option<u32> {
        let &first = self.words.front()?;
        self.len -= 1;
        if first != RUN {
            self.words.pop_front();
            return Some(first);
        }
        let start = self.words[1];
        let end = self.words[2];
        if end - start > 3 {
            self.words[1] = start + 1;
        } else {
            // Two ids left: the run becomes two single ids (a run holds at
            // least three, so the queue never takes more words than ids).
            self.words.pop_front();
            self.words[0] = start + 1;
            self.words[1] = start + 2;
        }
        Some(start)
    }

    /// Drops every id (keeps the allocation).
    pub(crate) fn clear(&mut self) {
        self.words.clear();
        self.len = 0;
    }

    /// Bytes held (capacity).
    #[cfg(test)]
    pub(crate) fn heap_bytes(&self) -> usize {
        self.words.capacity() * std::mem::size_of::<u32>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_loaded_list_is_one_run() {
        let mut q = RunQueue::default();
        for id in 0..100_000 {
            q.push_back(id);
        }
        assert_eq!(q.len(), 100_000);
        assert_eq!(q.words.len(), 3, "one run entry");
        assert_eq!(q.pop_front(), Some(0));
        assert_eq!(q.pop_front(), Some(1));
        assert_eq!(q.len(), 99_998);
    }

    proptest! {
        /// Behaves exactly like a `VecDeque<u32>` for any mix of pushes
        /// (runs, gaps, repeats, going back) and pops.
        #[test]
        fn matches_a_plain_deque(ops in proptest::collection::vec((0u8..6, 0u32..40), 0..300)) {
            let mut q = RunQueue::default();
            let mut model = VecDeque::new();
            let mut next = 0u32;
            for (op, x) in ops {
                match op {
                    0 => { q.push_back(next); model.push_back(next); next += 1; }
                    1 => { q.push_back(x); model.push_back(x); }
                    2 => { next += x % 3; q.push_back(next); model.push_back(next); }
                    3 => { q.push_front(x); model.push_front(x); }
                    4 => {
                        // Back to the head: the id just popped returns.
                        if let Some(id) = q.pop_front() {
                            prop_assert_eq!(Some(id), model.pop_front());
                            q.push_front(id);
                            model.push_front(id);
                        }
                    }
                    _ => prop_assert_eq!(q.pop_front(), model.pop_front()),
                }
                prop_assert_eq!(q.len(), model.len());
                prop_assert_eq!(q.is_empty(), model.is_empty());
                prop_assert_eq!(q.front(), model.front().copied());
                prop_assert!(q.words.len() <= model.len());
            }
            while let Some(id) = model.pop_front() {
                prop_assert_eq!(q.pop_front(), Some(id));
            }
            prop_assert_eq!(q.pop_front(), None);
        }
    }
}
