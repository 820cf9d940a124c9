//! Timer wheel vs `BinaryHeap` with lazy cancellation.
//!
//! The workload of a campaign's timers: arm N keys with deadlines spread over
//! an hour, cancel a random half (most timers are cancelled before they
//! fire), then advance the clock in 1 s steps until everything has fired.
//! Both implementations get the same keys, deadlines and cancel order from
//! one fixed-seed splitmix64 stream.
//!
//! Groups `wheel/10k` and `wheel/1M` (and `wheel/10M` with
//! `DIALCORE_BENCH_BIG=1`), each with `arm`, `cancel_half`, `expire` (the
//! 1 s steps over the armed, half-cancelled set) and `all` (the three in a
//! row); setup is done in `iter_batched` and not measured. After the groups,
//! one line per size compares a timed pass of each (best of 3).

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, SamplingMode, Throughput};
use dialcore::wheel::{Expired, Wheel};
use dialcore_benches::heap_timer::HeapTimers;

/// Start time: a realistic epoch millisecond, not aligned to anything.
const T0: u64 = 1_764_000_000_123;
/// Deadlines fall in `T0 + 1 ..= T0 + SPREAD_MS`.
const SPREAD_MS: u64 = 3_600_000;
/// The clock advances in steps of this size.
const STEP_MS: u64 = 1_000;

/// The same workload for both implementations.
struct Workload {
    /// Deadline of key `k`.
    deadlines: Vec<u64>,
    /// The keys to cancel (a random half), in random order.
    cancels: Vec<u32>,
}

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn workload(n: usize) -> Workload {
    let mut rng = 0x00D1_A1C0_5EED_u64;
    let deadlines = (0..n)
        .map(|_| T0 + 1 + splitmix64(&mut rng) % SPREAD_MS)
        .collect();
    let mut keys: Vec<u32> = (0..n as u32).collect();
    // Fisher-Yates; the first half are the cancelled keys.
    for i in (1..n).rev() {
        let j = (splitmix64(&mut rng) % (i as u64 + 1)) as usize;
        keys.swap(i, j);
    }
    keys.truncate(n / 2);
    Workload {
        deadlines,
        cancels: keys,
    }
}

// ---- dialcore Wheel ------------------------------------------------------

fn wheel_empty(w: &Workload) -> Wheel {
    Wheel::with_keys(w.deadlines.len(), T0)
}

fn wheel_arm(wheel: &mut Wheel, w: &Workload) {
    for (key, &deadline) in w.deadlines.iter().enumerate() {
        wheel.arm(key as u32, deadline);
    }
}

fn wheel_cancel(wheel: &mut Wheel, w: &Workload) {
    for &key in &w.cancels {
        wheel.cancel(key);
    }
}

/// Advances in 1 s steps past the last deadline; returns the timers fired
/// and a checksum of their keys and deadlines.
fn wheel_expire(wheel: &mut Wheel) -> (usize, u64) {
    let mut out: Vec<Expired> = Vec::with_capacity(4096);
    let (mut fired, mut sum) = (0, 0u64);
    let mut now = T0;
    while now <= T0 + SPREAD_MS {
        now += STEP_MS;
        out.clear();
        wheel.advance(now, &mut out);
        fired += out.len();
        for e in &out {
            sum = sum.rotate_left(5) ^ u64::from(e.key) ^ e.deadline_ms;
        }
    }
    (fired, sum)
}

// ---- BinaryHeap baseline -------------------------------------------------

fn heap_empty(w: &Workload) -> HeapTimers {
    let mut heap = HeapTimers::with_keys(w.deadlines.len(), T0);
    heap.reserve(w.deadlines.len());
    heap
}

fn heap_arm(heap: &mut HeapTimers, w: &Workload) {
    for (key, &deadline) in w.deadlines.iter().enumerate() {
        heap.arm(key as u32, deadline);
    }
}

fn heap_cancel(heap: &mut HeapTimers, w: &Workload) {
    for &key in &w.cancels {
        heap.cancel(key);
    }
}

fn heap_expire(heap: &mut HeapTimers) -> (usize, u64) {
    let mut out: Vec<(u32, u64)> = Vec::with_capacity(4096);
    let (mut fired, mut sum) = (0, 0u64);
    let mut now = T0;
    while now <= T0 + SPREAD_MS {
        now += STEP_MS;
        out.clear();
        heap.advance(now, &mut out);
        fired += out.len();
        for &(key, deadline) in &out {
            sum = sum.rotate_left(5) ^ u64::from(key) ^ deadline;
        }
    }
    (fired, sum)
}

// ---- criterion groups ----------------------------------------------------

fn label(n: usize) -> String {
    match n {
        n if n >= 1_000_000 && n % 1_000_000 == 0 => format!("{}M", n / 1_000_000),
        n if n >= 1_000 && n % 1_000 == 0 => format!("{}k", n / 1_000),
        n => n.to_string(),
    }
}

fn big() -> bool {
    std::env::var("DIALCORE_BENCH_BIG").is_ok_and(|v| v == "1")
}

fn sizes() -> Vec<usize> {
    let mut sizes = vec![10_000, 1_000_000];
    if big() {
        sizes.push(10_000_000);
    }
    sizes
}

fn bench_size(c: &mut Criterion, n: usize) {
    let w = workload(n);
    let mut group = c.benchmark_group(format!("wheel/{}", label(n)));
    // Short runs: the whole bench should take about a minute.
    let (warm_up_ms, measure_ms) = if n >= 1_000_000 {
        (500, 2000)
    } else {
        (300, 1000)
    };
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(warm_up_ms))
        .measurement_time(Duration::from_millis(measure_ms))
        .throughput(Throughput::Elements(n as u64));
    let per = BatchSize::PerIteration;

    // The 10M group runs only the full cycle: each pass takes seconds.
    if n < 10_000_000 {
        group.bench_function("arm/dialcore", |b| {
            b.iter_batched(
                || wheel_empty(&w),
                |mut wheel| {
                    wheel_arm(&mut wheel, &w);
                    wheel
                },
                per,
            )
        });
        group.bench_function("arm/heap", |b| {
            b.iter_batched(
                || heap_empty(&w),
                |mut heap| {
                    heap_arm(&mut heap, &w);
                    heap
                },
                per,
            )
        });
        group.bench_function("cancel_half/dialcore", |b| {
            b.iter_batched(
                || {
                    let mut wheel = wheel_empty(&w);
                    wheel_arm(&mut wheel, &w);
                    wheel
                },
                |mut wheel| {
                    wheel_cancel(&mut wheel, &w);
                    wheel
                },
                per,
            )
        });
        group.bench_function("cancel_half/heap", |b| {
            b.iter_batched(
                || {
                    let mut heap = heap_empty(&w);
                    heap_arm(&mut heap, &w);
                    heap
                },
                |mut heap| {
                    heap_cancel(&mut heap, &w);
                    heap
                },
                per,
            )
        });
        group.bench_function("expire/dialcore", |b| {
            b.iter_batched(
                || {
                    let mut wheel = wheel_empty(&w);
                    wheel_arm(&mut wheel, &w);
                    wheel_cancel(&mut wheel, &w);
                    wheel
                },
                |mut wheel| {
                    black_box(wheel_expire(&mut wheel));
                    wheel
                },
                per,
            )
        });
        group.bench_function("expire/heap", |b| {
            b.iter_batched(
                || {
                    let mut heap = heap_empty(&w);
                    heap_arm(&mut heap, &w);
                    heap_cancel(&mut heap, &w);
                    heap
                },
                |mut heap| {
                    black_box(heap_expire(&mut heap));
                    heap
                },
                per,
            )
        });
    }
    group.bench_function("all/dialcore", |b| {
        b.iter_batched(
            || wheel_empty(&w),
            |mut wheel| {
                wheel_arm(&mut wheel, &w);
                wheel_cancel(&mut wheel, &w);
                black_box(wheel_expire(&mut wheel));
                wheel
            },
            per,
        )
    });
    group.bench_function("all/heap", |b| {
        b.iter_batched(
            || heap_empty(&w),
            |mut heap| {
                heap_arm(&mut heap, &w);
                heap_cancel(&mut heap, &w);
                black_box(heap_expire(&mut heap));
                heap
            },
            per,
        )
    });
    group.finish();
}

fn bench_wheel(c: &mut Criterion) {
    for n in sizes() {
        bench_size(c, n);
    }
}

// ---- one timed pass per size, printed as a ratio ---------------------------

/// Seconds spent in arm, cancel and expire, and the expiry result.
struct Pass {
    arm: f64,
    cancel: f64,
    expire: f64,
    result: (usize, u64),
}

impl Pass {
    fn total(&self) -> f64 {
        self.arm + self.cancel + self.expire
    }
}

fn time_wheel(w: &Workload) -> Pass {
    let mut wheel = wheel_empty(w);
    let t = Instant::now();
    wheel_arm(&mut wheel, w);
    let arm = t.elapsed().as_secs_f64();
    let t = Instant::now();
    wheel_cancel(&mut wheel, w);
    let cancel = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let result = black_box(wheel_expire(&mut wheel));
    let expire = t.elapsed().as_secs_f64();
    Pass {
        arm,
        cancel,
        expire,
        result,
    }
}

fn time_heap(w: &Workload) -> Pass {
    let mut heap = heap_empty(w);
    let t = Instant::now();
    heap_arm(&mut heap, w);
    let arm = t.elapsed().as_secs_f64();
    let t = Instant::now();
    heap_cancel(&mut heap, w);
    let cancel = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let result = black_box(heap_expire(&mut heap));
    let expire = t.elapsed().as_secs_f64();
    Pass {
        arm,
        cancel,
        expire,
        result,
    }
}

fn best(passes: impl Iterator<Item = Pass>) -> Pass {
    passes
        .min_by(|a, b| a.total().total_cmp(&b.total()))
        .expect("at least one pass")
}

fn ratios() {
    // Only under `cargo bench`, not in criterion's `--test` / `--list` runs.
    let args: Vec<String> = std::env::args().collect();
    let has = |flag: &str| args.iter().any(|a| a == flag);
    if !has("--bench") || has("--test") || has("--list") {
        return;
    }
    for n in sizes() {
        let w = workload(n);
        let passes = if n >= 10_000_000 { 1 } else { 3 };
        let wheel = best((0..passes).map(|_| time_wheel(&w)));
        let heap = best((0..passes).map(|_| time_heap(&w)));
        assert_eq!(
            wheel.result, heap.result,
            "dialcore and the heap fired different timers"
        );
        let fired = wheel.result.0 as f64;
        let ns = |s: f64, per: f64| s * 1e9 / per;
        println!(
            "wheel arm+cancel+expire {}: dialcore {:.4} s, heap {:.4} s, heap/dialcore = {:.1}x \
             (arm {:.1} vs {:.1} ns/timer, cancel {:.1} vs {:.1} ns, expire {:.0} vs {:.0} ns/fired; \
             best of {passes}; {} fired)",
            label(n),
            wheel.total(),
            heap.total(),
            heap.total() / wheel.total(),
            ns(wheel.arm, n as f64),
            ns(heap.arm, n as f64),
            ns(wheel.cancel, (n / 2) as f64),
            ns(heap.cancel, (n / 2) as f64),
            ns(wheel.expire, fired),
            ns(heap.expire, fired),
            wheel.result.0,
        );
    }
}

criterion_group!(benches, bench_wheel);
criterion_main!(benches, ratios);
