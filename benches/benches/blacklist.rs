//! Blacklist benches: dialcore's roaring [`Blacklist`] next to a
//! `hashbrown::HashSet<u64>` baseline on the same numbers — build, `contains`
//! (hits and misses, random order), bytes a number — and the registry file
//! loader.
//!
//! `cargo bench -p dialcore-benches --bench blacklist` runs 10M US-like
//! numbers (`1` + area code 201–989 + 7 digits, splitmix64) in a minute or
//! two. `DIALCORE_BENCH_BIG=1` runs 250M, the size of the US do-not-call
//! registry (the hash set alone then takes ~4.8 GB; the run needs ~10 GB and
//! several minutes): builds are timed once instead of by criterion, and a
//! 250M-line registry file is loaded once with its peak memory printed.
//!
//! Memory is counted by a global allocator that tracks live bytes (the sizes
//! requested, without malloc's own per-allocation header), so bytes a number
//! are what each structure really holds, not an estimate; the roaring
//! `heap_bytes()` estimate (its serialized size) is printed next to it.
//!
//! After the criterion groups one `summary` line gives the figures of this
//! run side by side: bytes a number, ns a lookup (independent lookups, as a
//! bulk check runs them, and one at a time behind a fence, as a single
//! dial-time check sees them), build and load rates.

use std::alloc::{GlobalAlloc, Layout, System};
use std::fs::File;
use std::hint::black_box;
use std::io::{BufReader, BufWriter, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode, Throughput};
use dialcore::blacklist::Blacklist;
use dialcore::phone::{self, PhoneRules};
use dialcore_benches::hashset_blacklist::HashSetBlacklist;

// ---------------------------------------------------------------------------
// Counting allocator

/// Wraps the system allocator and counts live bytes and allocations.
struct Counting;

static LIVE_BYTES: AtomicUsize = AtomicUsize::new(0);
static PEAK_BYTES: AtomicUsize = AtomicUsize::new(0);
static LIVE_ALLOCS: AtomicUsize = AtomicUsize::new(0);

fn grew(by: usize) {
    let live = LIVE_BYTES.fetch_add(by, Ordering::Relaxed) + by;
    PEAK_BYTES.fetch_max(live, Ordering::Relaxed);
}

// SAFETY: every method forwards to `System` with the caller's arguments
// unchanged and only updates counters; the pointers returned are System's.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is; the caller upholds `alloc`'s contract.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
            LIVE_ALLOCS.fetch_add(1, Ordering::Relaxed);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grew(layout.size());
            LIVE_ALLOCS.fetch_add(1, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by `System` with `layout` (all our
        // allocations are).
        unsafe { System.dealloc(ptr, layout) };
        LIVE_BYTES.fetch_sub(layout.size(), Ordering::Relaxed);
        LIVE_ALLOCS.fetch_sub(1, Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `ptr`/`layout` come from `System` as above; the caller
        // upholds `realloc`'s contract for `new_size`.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                grew(new_size - layout.size());
            } else {
                LIVE_BYTES.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn live_bytes() -> usize {
    LIVE_BYTES.load(Ordering::Relaxed)
}

fn live_allocs() -> usize {
    LIVE_ALLOCS.load(Ordering::Relaxed)
}

/// Runs `f`, returning its value, the seconds it took, the live bytes it
/// left behind (the size of what it built) and the live allocations.
fn measured<T>(f: impl FnOnce() -> T) -> (T, f64, usize, usize) {
    let (bytes, allocs) = (live_bytes(), live_allocs());
    let start = Instant::now();
    let value = f();
    let secs = start.elapsed().as_secs_f64();
    (
        value,
        secs,
        live_bytes().saturating_sub(bytes),
        live_allocs().saturating_sub(allocs),
    )
}

// ---------------------------------------------------------------------------
// Data

/// splitmix64.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A US-like E.164 number: `1`, area code 201–989, 7 digits.
    fn us_number(&mut self) -> u64 {
        let r = self.next();
        let area = 201 + (r >> 32) % 789;
        let line = (r & 0xFFFF_FFFF) % 10_000_000;
        10_000_000_000 + area * 10_000_000 + line
    }
}

fn us_numbers(count: usize, seed: u64) -> Vec<u64> {
    let mut rng = SplitMix(seed);
    (0..count).map(|_| rng.us_number()).collect()
}

const QUERIES: usize = 1 << 20;
const US: PhoneRules = PhoneRules::with_country(1);

fn mb(bytes: usize) -> f64 {
    bytes as f64 / 1e6
}

/// Everything the groups share, built once.
struct Fixture {
    big: bool,
    numbers: Vec<u64>,
    roaring: Blacklist,
    roaring_build_s: f64,
    roaring_bytes: usize,
    roaring_allocs: usize,
    hashset: HashSetBlacklist,
    hashset_build_s: f64,
    hashset_bytes: usize,
    /// Numbers on both lists, in random order.
    hits: Vec<u64>,
    /// Numbers on neither, in random order.
    misses: Vec<u64>,
}

impl Fixture {
    fn new(size: usize, big: bool) -> Self {
        let start = Instant::now();
        let numbers = us_numbers(size, 0x5EED);
        eprintln!(
            "blacklist: {} numbers generated in {:.1} s",
            size,
            start.elapsed().as_secs_f64()
        );

        let (roaring, roaring_build_s, roaring_bytes, roaring_allocs) = measured(|| {
            let mut list = Blacklist::new();
            list.insert_many(&numbers);
            list
        });
        eprintln!(
            "blacklist: roaring built in {roaring_build_s:.2} s: {} numbers, {:.1} MB counted \
             in {roaring_allocs} allocations, heap_bytes() {:.1} MB",
            roaring.len(),
            mb(roaring_bytes),
            mb(roaring.heap_bytes())
        );
        let (hashset, hashset_build_s, hashset_bytes, _) =
            measured(|| HashSetBlacklist::from_numbers(&numbers));
        eprintln!(
            "blacklist: hashset built in {hashset_build_s:.2} s: {} numbers, {:.1} MB counted \
             (allocation_size {:.1} MB)",
            hashset.len(),
            mb(hashset_bytes),
            mb(hashset.heap_bytes())
        );
        assert_eq!(roaring.len(), hashset.len());

        let mut rng = SplitMix(0xB1A5);
        let hits: Vec<u64> = (0..QUERIES)
            .map(|_| numbers[(rng.next() % numbers.len() as u64) as usize])
            .collect();
        let mut rng = SplitMix(0x0DD5);
        let mut misses = Vec::with_capacity(QUERIES);
        while misses.len() < QUERIES {
            let n = rng.us_number();
            if !roaring.contains(n) {
                misses.push(n);
            }
        }
        Fixture {
            big,
            numbers,
            roaring,
            roaring_build_s,
            roaring_bytes,
            roaring_allocs,
            hashset,
            hashset_build_s,
            hashset_bytes,
            hits,
            misses,
        }
    }
}

/// Hits among `queries`, looked up independently (the CPU overlaps them).
fn count_hits(queries: &[u64], contains: impl Fn(u64) -> bool) -> u64 {
    queries.iter().map(|&q| u64::from(contains(q))).sum()
}

/// Hits among `queries`, one lookup at a time: a fence after each keeps the
/// CPU from overlapping them, so this is the latency of a single dial-time
/// check rather than the throughput of a bulk one. (A data dependency on the
/// previous result would not do: a `bool` that comes out of a predicted
/// branch is speculated past.)
fn count_hits_serial(queries: &[u64], contains: impl Fn(u64) -> bool) -> u64 {
    let mut hits = 0;
    for &q in queries {
        hits += u64::from(contains(q));
        fence();
    }
    hits
}

/// Waits for every earlier instruction to complete (x86-64 `lfence`; a no-op
/// elsewhere, where the serial figures are throughput figures).
#[inline(always)]
fn fence() {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: `lfence` has no preconditions, and SSE2 (which provides it) is
    // part of the x86-64 baseline.
    unsafe {
        std::arch::x86_64::_mm_lfence()
    };
}

/// Best ns a lookup over three passes.
fn ns_per_lookup(queries: &[u64], pass: impl Fn(&[u64]) -> u64) -> f64 {
    (0..3)
        .map(|_| {
            let start = Instant::now();
            black_box(pass(black_box(queries)));
            start.elapsed().as_nanos() as f64 / queries.len() as f64
        })
        .fold(f64::INFINITY, f64::min)
}

// ---------------------------------------------------------------------------
// Groups

fn build(c: &mut Criterion, fx: &Fixture) {
    if fx.big {
        eprintln!("blacklist/build: timed once above at this size (criterion skipped)");
        return;
    }
    let mut sorted = fx.numbers.clone();
    sorted.sort_unstable();
    let mut g = c.benchmark_group("blacklist/build");
    g.sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(4))
        .throughput(Throughput::Elements(fx.numbers.len() as u64));
    for (order, numbers) in [("random", &fx.numbers), ("sorted", &sorted)] {
        g.bench_function(format!("roaring/{order}"), |b| {
            b.iter_with_large_drop(|| {
                let mut list = Blacklist::new();
                list.insert_many(black_box(numbers));
                list
            })
        });
        g.bench_function(format!("hashset/{order}"), |b| {
            b.iter_with_large_drop(|| HashSetBlacklist::from_numbers(black_box(numbers)))
        });
    }
    g.finish();
}

fn lookups(c: &mut Criterion, fx: &Fixture) {
    let mut g = c.benchmark_group("blacklist/contains");
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .throughput(Throughput::Elements(QUERIES as u64));
    for (kind, queries, want) in [("hit", &fx.hits, QUERIES as u64), ("miss", &fx.misses, 0)] {
        g.bench_function(format!("roaring/{kind}"), |b| {
            b.iter(|| {
                let hits = count_hits(black_box(queries), |n| fx.roaring.contains(n));
                debug_assert_eq!(hits, want);
                hits
            })
        });
        g.bench_function(format!("hashset/{kind}"), |b| {
            b.iter(|| {
                let hits = count_hits(black_box(queries), |n| fx.hashset.contains(n));
                debug_assert_eq!(hits, want);
                hits
            })
        });
    }
    g.finish();
}

/// A registry file in the temp dir, removed on drop.
struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Writes `numbers` as 10-digit US national numbers, one a line.
fn write_registry(numbers: &[u64], name: &str) -> (TempFile, usize) {
    let path =
        std::env::temp_dir().join(format!("dialcore-bench-{name}-{}.txt", std::process::id()));
    let file = TempFile(path);
    let mut w = BufWriter::with_capacity(1 << 20, File::create(&file.0).expect("temp file"));
    for n in numbers {
        writeln!(w, "{}", n - 10_000_000_000).expect("write registry");
    }
    w.flush().expect("write registry");
    let len = std::fs::metadata(&file.0).expect("temp file").len() as usize;
    (file, len)
}

fn load(path: &PathBuf) -> (Blacklist, dialcore::blacklist::RegistryReport) {
    let reader = BufReader::with_capacity(1 << 20, File::open(path).expect("registry"));
    let mut list = Blacklist::new();
    let report = list.load_registry(reader, US).expect("load");
    (list, report)
}

/// Registry load figures for the summary.
struct LoadFigures {
    lines: usize,
    mb_per_s: f64,
    numbers_per_s: f64,
    parse_mb_per_s: f64,
}

fn registry(c: &mut Criterion, fx: &Fixture) -> LoadFigures {
    const LINES: usize = 10_000_000;
    let lines = LINES.min(fx.numbers.len());
    let (file, len) = write_registry(&fx.numbers[..lines], "registry");

    // One timed load, and the parse alone, for the summary.
    let (_, secs, _, _) = measured(|| {
        let (list, report) = load(&file.0);
        assert_eq!(report.lines, lines as u64);
        assert_eq!(report.invalid, 0);
        list
    });
    let bytes = std::fs::read(&file.0).expect("registry");
    let start = Instant::now();
    let parsed: u64 = bytes
        .split(|&b| b == b'\n')
        .map(|line| phone::normalize_bytes(line, US).unwrap_or(0) & 1)
        .sum();
    black_box(parsed);
    let parse_secs = start.elapsed().as_secs_f64();
    drop(bytes);

    let mut g = c.benchmark_group("blacklist/load_registry");
    g.sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(4))
        .throughput(Throughput::Bytes(len as u64));
    g.bench_function(format!("{}M_lines", lines / 1_000_000), |b| {
        b.iter_with_large_drop(|| load(&file.0))
    });
    g.finish();
    drop(file);

    LoadFigures {
        lines,
        mb_per_s: mb(len) / secs,
        numbers_per_s: lines as f64 / secs,
        parse_mb_per_s: mb(len) / parse_secs,
    }
}

/// Big run only: a 250M-line registry loaded once, in random order and
/// sorted (as registry extracts usually are), with its peak memory.
fn registry_big(fx: &Fixture) {
    let m = fx.numbers.len() / 1_000_000;
    for order in ["random", "sorted"] {
        let start = Instant::now();
        let (file, len) = if order == "sorted" {
            let mut sorted = fx.numbers.clone();
            sorted.sort_unstable();
            write_registry(&sorted, "registry-big")
        } else {
            write_registry(&fx.numbers, "registry-big")
        };
        eprintln!(
            "blacklist/load_registry/{m}M_lines/{order}: file of {:.0} MB written in {:.0} s",
            mb(len),
            start.elapsed().as_secs_f64()
        );
        let base = live_bytes();
        PEAK_BYTES.store(base, Ordering::Relaxed);
        let ((list, report), secs, bytes, _) = measured(|| load(&file.0));
        let peak = PEAK_BYTES.load(Ordering::Relaxed) - base;
        eprintln!(
            "blacklist/load_registry/{m}M_lines/{order}: {secs:.1} s, {:.0} MB/s, \
             {:.1} M numbers/s; {} added, {} duplicates; set {:.0} MB ({:.2} bytes/number), \
             peak {:.0} MB above the start",
            mb(len) / secs,
            report.lines as f64 / secs / 1e6,
            report.added,
            report.already_present,
            mb(bytes),
            bytes as f64 / report.added as f64,
            mb(peak)
        );
        assert_eq!(list.len(), fx.roaring.len());
    }
}

fn summary(fx: &Fixture, load: &LoadFigures) {
    let n = fx.roaring.len() as f64;
    let r_bytes = fx.roaring_bytes as f64 / n;
    let r_est = fx.roaring.heap_bytes() as f64 / n;
    let h_bytes = fx.hashset_bytes as f64 / n;
    let r = &fx.roaring;
    let h = &fx.hashset;
    let r_hit = ns_per_lookup(&fx.hits, |q| count_hits(q, |x| r.contains(x)));
    let r_miss = ns_per_lookup(&fx.misses, |q| count_hits(q, |x| r.contains(x)));
    let h_hit = ns_per_lookup(&fx.hits, |q| count_hits(q, |x| h.contains(x)));
    let h_miss = ns_per_lookup(&fx.misses, |q| count_hits(q, |x| h.contains(x)));
    let r_serial = ns_per_lookup(&fx.hits, |q| count_hits_serial(q, |x| r.contains(x)));
    let h_serial = ns_per_lookup(&fx.hits, |q| count_hits_serial(q, |x| h.contains(x)));
    println!(
        "summary n={:.0}M: bytes/number roaring {r_bytes:.2} counted ({} allocations; \
         heap_bytes() {r_est:.2}) vs hashset {h_bytes:.2} = roaring {:.1}x smaller; \
         ns/lookup hit/miss roaring {r_hit:.0}/{r_miss:.0} vs hashset {h_hit:.0}/{h_miss:.0} \
         = hashset {:.1}x faster, one at a time (hit) roaring {r_serial:.0} vs hashset {h_serial:.0}; \
         build roaring {:.1} vs hashset {:.1} M numbers/s; \
         load_registry {}M lines {:.0} MB/s {:.1} M numbers/s (normalize alone {:.0} MB/s)",
        n / 1e6,
        fx.roaring_allocs,
        h_bytes / r_bytes,
        (r_hit + r_miss) / (h_hit + h_miss),
        n / fx.roaring_build_s / 1e6,
        n / fx.hashset_build_s / 1e6,
        load.lines / 1_000_000,
        load.mb_per_s,
        load.numbers_per_s / 1e6,
        load.parse_mb_per_s,
    );
}

fn main() {
    let big = std::env::var("DIALCORE_BENCH_BIG").is_ok_and(|v| v == "1");
    let size = if big { 250_000_000 } else { 10_000_000 };
    let mut c = Criterion::default().configure_from_args();
    let fx = Fixture::new(size, big);
    build(&mut c, &fx);
    lookups(&mut c, &fx);
    let load = registry(&mut c, &fx);
    if big {
        registry_big(&fx);
    }
    summary(&fx, &load);
    c.final_summary();
}
