//! The timer baseline: a `BinaryHeap` min-heap with lazy cancellation.
//!
//! This is how one would keep per-key timers without a wheel: push
//! `Reverse((deadline, key, generation))`; cancel or re-arm bumps the key's
//! generation, so the old heap entry becomes dead and is skipped when it
//! reaches the top. Arm is O(log n), cancel O(1), each expiry O(log n)
//! (plus the pops of dead entries). The heap is compacted when dead entries
//! outnumber live ones, so memory stays bounded under heavy re-arming.
//! Same contract as `dialcore::wheel::Wheel`: at most one pending timer per
//! key, expiries in (deadline, key) order, time never goes backwards.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Deadline column value of a key with no pending timer.
const UNARMED: u64 = u64::MAX;

/// Per-key timers on a binary heap with lazy cancellation.
#[derive(Debug, Clone, Default)]
pub struct HeapTimers {
    /// Min-heap of `(deadline, key, generation)`; 16 bytes an entry.
    heap: BinaryHeap<Reverse<(u64, u32, u32)>>,
    /// Per key: generation of its live heap entry.
    gen: Vec<u32>,
    /// Per key: pending deadline, or `UNARMED`.
    deadline: Vec<u64>,
    /// Pending timers.
    live: usize,
    /// Current time.
    now: u64,
}

impl HeapTimers {
    /// An empty timer set for keys `0..keys`, at time `now_ms`.
    pub fn with_keys(keys: usize, now_ms: u64) -> Self {
        HeapTimers {
            heap: BinaryHeap::new(),
            gen: vec![0; keys],
            deadline: vec![UNARMED; keys],
            live: 0,
            now: now_ms,
        }
    }

    /// Reserves heap room for `additional` more entries.
    pub fn reserve(&mut self, additional: usize) {
        self.heap.reserve(additional);
    }

    /// Arms (or re-arms) `key` to fire at `deadline_ms`.
    #[inline]
    pub fn arm(&mut self, key: u32, deadline_ms: u64) {
        let k = key as usize;
        if self.deadline[k] == UNARMED {
            self.live += 1;
        } else {
            self.maybe_compact();
        }
        let gen = self.gen[k].wrapping_add(1);
        self.gen[k] = gen;
        self.deadline[k] = deadline_ms;
        self.heap.push(Reverse((deadline_ms, key, gen)));
    }

    /// Cancels `key`'s pending timer; returns whether it had one.
    #[inline]
    pub fn cancel(&mut self, key: u32) -> bool {
        let k = key as usize;
        if self.deadline[k] == UNARMED {
            return false;
        }
        self.deadline[k] = UNARMED;
        self.gen[k] = self.gen[k].wrapping_add(1);
        self.live -= 1;
        self.maybe_compact();
        true
    }

    /// Appends `(key, deadline)` for every timer due at `now_ms`, in
    /// (deadline, key) order.
    pub fn advance(&mut self, now_ms: u64, out: &mut Vec<(u32, u64)>) {
        self.now = self.now.max(now_ms);
        while let Some(&Reverse((deadline, key, gen))) = self.heap.peek() {
            if deadline > self.now {
                break;
            }
            self.heap.pop();
            let k = key as usize;
            if self.gen[k] == gen && self.deadline[k] != UNARMED {
                self.deadline[k] = UNARMED;
                self.live -= 1;
                out.push((key, deadline));
            }
        }
    }

    /// The earliest pending deadline (drops dead entries from the top).
    pub fn next_deadline(&mut self) -> Option<u64> {
        while let Some(&Reverse((deadline, key, gen))) = self.heap.peek() {
            let k = key as usize;
            if self.gen[k] == gen && self.deadline[k] != UNARMED {
                return Some(deadline);
            }
            self.heap.pop();
        }
        None
    }

    /// Pending timers.
    pub fn len(&self) -> usize {
        self.live
    }

    /// Whether no timer is pending.
    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// Bytes of heap held: heap entries (by capacity) and the key columns.
    pub fn heap_bytes(&self) -> usize {
        self.heap.capacity() * std::mem::size_of::<Reverse<(u64, u32, u32)>>()
            + self.gen.capacity() * 4
            + self.deadline.capacity() * 8
    }

    /// Drops dead entries once they are the large majority.
    fn maybe_compact(&mut self) {
        if self.heap.len() > 2 * self.live + 1024 {
            let (gen, deadline) = (&self.gen, &self.deadline);
            self.heap.retain(|&Reverse((_, key, g))| {
                gen[key as usize] == g && deadline[key as usize] != UNARMED
            });
        }
    }
}
