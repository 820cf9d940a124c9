//! Model test: the timer wheel against a plain `BinaryHeap` reference.
//!
//! Random sequences of arm, re-arm, cancel and advance (small steps, jumps of
//! hours to years, steps that land exactly on the next deadline or one ms
//! short of it, steps backwards) with deadlines in the past, now, near, far,
//! on slot and level boundaries and beyond the wheel's `2^36` ms horizon. The
//! model is a min-heap of `(deadline, key, generation)` with lazy
//! cancellation; after every step the wheel must agree with it exactly on
//! the fired timers (and their order), `len`, `next_deadline`, and, for every
//! key, `is_armed` and `deadline`. Cancelling the earliest timer and arming
//! several keys at one deadline exercise the wheel's kept per-slot minima
//! (their counts and their recomputation once stale); deadlines around
//! `2^32` ms ahead exercise the boundary of its 32-bit deadline column.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use dialcore::wheel::{Expired, Wheel};
use proptest::prelude::*;

/// The reference: a binary heap with a generation per key.
struct Model {
    heap: BinaryHeap<Reverse<(u64, u32, u64)>>,
    gen: Vec<u64>,
    armed: Vec<Option<u64>>,
    now: u64,
}

impl Model {
    fn new(keys: usize, now: u64) -> Self {
        Model {
            heap: BinaryHeap::new(),
            gen: vec![0; keys],
            armed: vec![None; keys],
            now,
        }
    }

    fn arm(&mut self, key: u32, deadline: u64) {
        let k = key as usize;
        self.gen[k] += 1;
        self.armed[k] = Some(deadline);
        self.heap.push(Reverse((deadline, key, self.gen[k])));
    }

    fn cancel(&mut self, key: u32) -> bool {
        let k = key as usize;
        self.gen[k] += 1;
        self.armed[k].take().is_some()
    }

    fn live(&self, &Reverse((_, key, gen)): &Reverse<(u64, u32, u64)>) -> bool {
        self.gen[key as usize] == gen && self.armed[key as usize].is_some()
    }

    fn advance(&mut self, now: u64) -> Vec<(u32, u64)> {
        self.now = self.now.max(now);
        let mut out = Vec::new();
        while let Some(top) = self.heap.peek().copied() {
            let Reverse((deadline, key, _)) = top;
            if deadline > self.now {
                break;
            }
            self.heap.pop();
            if self.live(&top) {
                self.armed[key as usize] = None;
                out.push((key, deadline));
            }
        }
        out
    }

    fn next_deadline(&mut self) -> Option<u64> {
        while let Some(top) = self.heap.peek().copied() {
            if self.live(&top) {
                return Some(top.0 .0);
            }
            self.heap.pop();
        }
        None
    }

    fn len(&self) -> usize {
        self.armed.iter().filter(|a| a.is_some()).count()
    }
}

/// A time relative to the current one.
#[derive(Debug, Clone)]
enum Rel {
    /// `now - d` (saturating).
    Before(u64),
    /// `now + d` (saturating).
    After(u64),
    /// `((now >> shift) + k) << shift` plus `d`: a slot or level boundary.
    Aligned { shift: u32, k: u64, d: i64 },
    /// The model's next deadline plus `d` (`now` when nothing is pending).
    NextDeadline(i64),
    /// The deadline of key `k` if armed (else `now`): ties in one slot.
    LikeKey(u32),
}

impl Rel {
    fn resolve(&self, now: u64, next: Option<u64>, armed: &[Option<u64>]) -> u64 {
        let offset = |base: u64, d: i64| base.saturating_add_signed(d);
        match *self {
            Rel::Before(d) => now.saturating_sub(d),
            Rel::After(d) => now.saturating_add(d),
            Rel::Aligned { shift, k, d } => {
                let base = ((now >> shift).saturating_add(k)).checked_shl(shift);
                // Past the end of u64: clamp.
                let base = base
                    .filter(|b| b >> shift == (now >> shift).saturating_add(k))
                    .unwrap_or(u64::MAX);
                offset(base, d)
            }
            Rel::NextDeadline(d) => offset(next.unwrap_or(now), d),
            Rel::LikeKey(k) => armed[k as usize].unwrap_or(now),
        }
    }
}

fn aligned() -> impl Strategy<Value = Rel> {
    (
        prop::sample::select(vec![6u32, 12, 18, 24, 30, 36]),
        0u64..4,
        -2i64..=2,
    )
        .prop_map(|(shift, k, d)| Rel::Aligned { shift, k, d })
}

fn deadline() -> impl Strategy<Value = Rel> {
    prop_oneof![
        2 => (1u64..10_000_000).prop_map(Rel::Before),
        1 => Just(Rel::After(0)),
        4 => (0u64..300).prop_map(Rel::After),
        4 => (0u64..1 << 22).prop_map(Rel::After),
        3 => (0u64..1 << 37).prop_map(Rel::After),
        2 => ((1u64 << 35)..(1u64 << 43)).prop_map(Rel::After),
        4 => aligned(),
        1 => (-1i64..=1).prop_map(Rel::NextDeadline),
        3 => (0..KEYS).prop_map(Rel::LikeKey),
        // 2^32 ms ahead of now, plus or minus a few ms.
        2 => (-3i64..=3).prop_map(|d| Rel::After((1u64 << 32).saturating_add_signed(d))),
    ]
}

fn step() -> impl Strategy<Value = Rel> {
    prop_oneof![
        2 => Just(Rel::After(0)),
        4 => (1u64..100).prop_map(Rel::After),
        3 => (0u64..1 << 20).prop_map(Rel::After),
        2 => ((1u64 << 26)..(1u64 << 40)).prop_map(Rel::After),
        3 => aligned(),
        4 => (-1i64..=1).prop_map(Rel::NextDeadline),
        1 => (0u64..1_000_000).prop_map(Rel::Before),
    ]
}

#[derive(Debug, Clone)]
enum Op {
    Arm(u32, Rel),
    Cancel(u32),
    /// Cancel the model's earliest pending timer (lowest deadline, then key).
    CancelEarliest,
    Advance(Rel),
}

const KEYS: u32 = 24;

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0..KEYS, deadline()).prop_map(|(k, r)| Op::Arm(k, r)),
        2 => (0..KEYS).prop_map(Op::Cancel),
        2 => Just(Op::CancelEarliest),
        4 => step().prop_map(Op::Advance),
    ]
}

fn start() -> impl Strategy<Value = u64> {
    prop_oneof![
        Just(0u64),
        (0u64..1 << 40),
        // Realistic epoch milliseconds (2020..2040).
        1_577_836_800_000u64..2_208_988_800_000,
        // Just before a 2^36 or 2^30 boundary: top-level wrap, migration.
        (1u64..40, 1u64..100_000).prop_map(|(k, d)| (k << 36) - d),
        (1u64..1000, 1u64..1000).prop_map(|(k, d)| (k << 30) - d),
        // Near the end of time.
        (0u64..1 << 40).prop_map(|d| u64::MAX - d),
    ]
}

/// Checks every observable of the wheel against the model.
fn check_state(wheel: &Wheel, model: &mut Model) -> Result<(), TestCaseError> {
    prop_assert_eq!(wheel.now(), model.now);
    prop_assert_eq!(wheel.len(), model.len());
    prop_assert_eq!(wheel.is_empty(), model.len() == 0);
    prop_assert_eq!(wheel.next_deadline(), model.next_deadline());
    for key in 0..KEYS {
        let want = model.armed[key as usize];
        prop_assert_eq!(wheel.is_armed(key), want.is_some(), "key {}", key);
        prop_assert_eq!(wheel.deadline(key), want, "key {}", key);
    }
    let mut pending: Vec<(u32, u64)> = wheel.iter_pending().collect();
    pending.sort_unstable();
    let want: Vec<(u32, u64)> = (0..KEYS)
        .filter_map(|k| model.armed[k as usize].map(|d| (k, d)))
        .collect();
    prop_assert_eq!(pending, want);
    Ok(())
}

fn run(start: u64, ops: &[Op]) -> Result<(), TestCaseError> {
    let mut wheel = Wheel::with_keys(KEYS as usize, start);
    let mut model = Model::new(KEYS as usize, start);
    let mut out: Vec<Expired> = Vec::new();
    for op in ops {
        let next = model.next_deadline();
        match op {
            Op::Arm(key, rel) => {
                let deadline = rel.resolve(model.now, next, &model.armed);
                wheel.arm(*key, deadline);
                model.arm(*key, deadline);
            }
            Op::Cancel(key) => {
                prop_assert_eq!(wheel.cancel(*key), model.cancel(*key));
            }
            Op::CancelEarliest => {
                let earliest = (0..KEYS)
                    .filter_map(|k| model.armed[k as usize].map(|d| (d, k)))
                    .min();
                if let Some((_, key)) = earliest {
                    prop_assert!(wheel.cancel(key));
                    prop_assert!(model.cancel(key));
                }
            }
            Op::Advance(rel) => {
                let now = rel.resolve(model.now, next, &model.armed);
                out.clear();
                wheel.advance(now, &mut out);
                let got: Vec<(u32, u64)> = out.iter().map(|e| (e.key, e.deadline_ms)).collect();
                let want = model.advance(now);
                prop_assert_eq!(got, want, "advance to {}", now);
            }
        }
        check_state(&wheel, &mut model)?;
    }
    // Drain everything: far jumps must deliver every timer, in order.
    out.clear();
    wheel.advance(u64::MAX, &mut out);
    let got: Vec<(u32, u64)> = out.iter().map(|e| (e.key, e.deadline_ms)).collect();
    prop_assert_eq!(got, model.advance(u64::MAX));
    prop_assert!(wheel.is_empty());
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn wheel_matches_binary_heap(start in start(), ops in prop::collection::vec(op(), 1..160)) {
        run(start, &ops)?;
    }
}

/// Many keys at once, a realistic spread (up to an hour, a few beyond), time
/// advancing in uneven steps: exercises long slot lists, cascades of many
/// entries and ties within a millisecond.
fn bulk(seed: u64, keys: u32, start: u64) -> Result<(), TestCaseError> {
    let mut rng = seed | 1;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let mut wheel = Wheel::with_keys(keys as usize, start);
    let mut model = Model::new(keys as usize, start);
    let mut out = Vec::new();
    for round in 0..6 {
        for key in 0..keys {
            let r = next();
            let now = model.now;
            let deadline = match r % 16 {
                0 => now.saturating_sub(r >> 40),
                1 => now + (r >> 20) % (1 << 40),
                2 | 3 => now + (r >> 20) % 50,
                _ => now + (r >> 20) % 3_600_000,
            };
            if r % 5 == 0 && round > 0 {
                prop_assert_eq!(wheel.cancel(key), model.cancel(key));
            } else {
                wheel.arm(key, deadline);
                model.arm(key, deadline);
            }
        }
        prop_assert_eq!(wheel.len(), model.len());
        for _ in 0..40 {
            let now = model.now + next() % 200_000;
            out.clear();
            wheel.advance(now, &mut out);
            let got: Vec<(u32, u64)> = out.iter().map(|e| (e.key, e.deadline_ms)).collect();
            prop_assert_eq!(got, model.advance(now));
            prop_assert_eq!(wheel.next_deadline(), model.next_deadline());
            // Cancel the earliest few timers: the kept minimum of a long
            // slot list goes stale and must be recomputed exactly.
            for _ in 0..next() % 4 {
                let earliest = (0..keys)
                    .filter_map(|k| model.armed[k as usize].map(|d| (d, k)))
                    .min();
                let Some((_, key)) = earliest else { break };
                prop_assert!(wheel.cancel(key));
                prop_assert!(model.cancel(key));
                prop_assert_eq!(wheel.next_deadline(), model.next_deadline());
            }
        }
        for key in 0..keys {
            prop_assert_eq!(wheel.deadline(key), model.armed[key as usize]);
        }
    }
    out.clear();
    wheel.advance(u64::MAX, &mut out);
    let got: Vec<(u32, u64)> = out.iter().map(|e| (e.key, e.deadline_ms)).collect();
    prop_assert_eq!(got, model.advance(u64::MAX));
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn wheel_matches_binary_heap_in_bulk(
        seed in any::<u64>(),
        keys in 1u32..3000,
        start in start(),
    ) {
        // Keep `now + spread` inside u64 for the bulk generator.
        bulk(seed, keys, start.min(u64::MAX >> 2))?;
    }
}
