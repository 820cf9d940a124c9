//! Blacklist benches: dialcore's [`Blacklist`] (blocked sorted array with
//! interpolation search) next to a `roaring::RoaringTreemap` and a
//! `hashbrown::HashSet<u64>` on the same numbers — build, `contains` (hits
//! and misses, random order, independent and chained), bytes a number — and
//! the registry file loader.
//!
//! `cargo bench -p dialcore-benches --bench blacklist` runs 10M US-like
//! numbers (`1` + area code 201–989 + 7 digits, splitmix64) in a minute or
//! two. `DIALCORE_BENCH_BIG=1` runs 250M, the size of the US do-not-call
//! registry (the hash set alone then takes ~4.9 GB; the run needs ~11 GB and
//! several minutes): builds are timed once instead of by criterion, and a
//! 250M-line registry file is loaded once with its peak memory printed.
//!
//! No `unsafe` here. Memory is each structure's own accounting
//! (`heap_bytes()`) next to the growth of the resident set (`VmRSS` of
//! `/proc/self/status`) across its build, which also counts allocator
//! overhead and fragmentation; peak memory of a load is `VmHWM` after
//! resetting it through `/proc/self/clear_refs`. Latency one at a time is
//! measured by chaining lookups: the index of the next query depends on the
//! previous result (through `black_box`), so a lookup cannot start before
//! the previous one has answered. The chain runs over a random 50/50 mix of
//! hits and misses, so the branch predictor cannot guess the result and run
//! ahead on a predicted `bool`.
//!
//! After the criterion groups, `summary` lines give the figures of this run
//! for the three contenders side by side, and their ratios.

use std::fs::File;
use std::hint::black_box;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode, Throughput};
use dialcore::blacklist::Blacklist;
use dialcore::phone::{self, PhoneRules};
use dialcore_benches::hashset_blacklist::HashSetBlacklist;
use dialcore_benches::roaring_blacklist::RoaringBlacklist;

// ---------------------------------------------------------------------------
// Memory, from /proc

/// A `kB` field of `/proc/self/status`, in bytes (0 if unavailable).
fn proc_status_bytes(field: &str) -> usize {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<usize>()
                .ok()
        })
        .map_or(0, |kb| kb * 1024)
}

/// Resident set size, bytes.
fn rss() -> usize {
    proc_status_bytes("VmRSS")
}

/// Resets the peak resident set (`VmHWM`) to the current one; `false` if the
/// kernel does not allow it.
fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// Peak resident set since the last reset, bytes.
fn peak_rss() -> usize {
    proc_status_bytes("VmHWM")
}

/// Runs `f`, returning its value, the seconds it took and the growth of the
/// resident set across it (what it built and kept, with allocator overhead).
fn measured<T>(f: impl FnOnce() -> T) -> (T, f64, usize) {
    let before = rss();
    let start = Instant::now();
    let value = f();
    let secs = start.elapsed().as_secs_f64();
    (value, secs, rss().saturating_sub(before))
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

/// Queries a pass (a power of two: the chain masks its index).
const QUERIES: usize = 1 << 20;
const US: PhoneRules = PhoneRules::with_country(1);

fn mb(bytes: usize) -> f64 {
    bytes as f64 / 1e6
}

/// Build figures of one contender.
struct Built {
    secs: f64,
    /// Its own `heap_bytes()`.
    heap: usize,
    /// Resident set growth across the build.
    rss: usize,
}

impl Built {
    fn print(&self, name: &str, len: u64) {
        eprintln!(
            "blacklist: {name} built in {:.2} s: {len} numbers, heap_bytes() {:.1} MB, \
             resident +{:.1} MB",
            self.secs,
            mb(self.heap),
            mb(self.rss)
        );
    }
}

/// Everything the groups share, built once.
struct Fixture {
    big: bool,
    numbers: Vec<u64>,
    dialcore: Blacklist,
    dialcore_built: Built,
    roaring: RoaringBlacklist,
    roaring_built: Built,
    hashset: HashSetBlacklist,
    hashset_built: Built,
    /// Numbers on the lists, in random order.
    hits: Vec<u64>,
    /// Numbers on none, in random order.
    misses: Vec<u64>,
    /// Hits and misses, half and half in random order.
    mixed: Vec<u64>,
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

        let (dialcore, secs, rss) = measured(|| {
            let mut list = Blacklist::new();
            list.insert_many(&numbers);
            list
        });
        let dialcore_built = Built {
            secs,
            heap: dialcore.heap_bytes(),
            rss,
        };
        dialcore_built.print("dialcore", dialcore.len());
        let (roaring, secs, rss) = measured(|| RoaringBlacklist::from_numbers(&numbers));
        let roaring_built = Built {
            secs,
            heap: roaring.heap_bytes(),
            rss,
        };
        roaring_built.print("roaring", roaring.len());
        let (hashset, secs, rss) = measured(|| HashSetBlacklist::from_numbers(&numbers));
        let hashset_built = Built {
            secs,
            heap: hashset.heap_bytes(),
            rss,
        };
        hashset_built.print("hashset", hashset.len());
        assert_eq!(dialcore.len(), hashset.len());
        assert_eq!(roaring.len(), hashset.len());

        let mut rng = SplitMix(0xB1A5);
        let hits: Vec<u64> = (0..QUERIES)
            .map(|_| numbers[(rng.next() % numbers.len() as u64) as usize])
            .collect();
        let mut rng = SplitMix(0x0DD5);
        let mut misses = Vec::with_capacity(QUERIES);
        while misses.len() < QUERIES {
            let n = rng.us_number();
            if !hashset.contains(n) {
                misses.push(n);
            }
        }
        let mut rng = SplitMix(0x313D);
        let mixed = (0..QUERIES)
            .map(|i| {
                if rng.next() & 1 == 0 {
                    hits[i]
                } else {
                    misses[i]
                }
            })
            .collect();
        Fixture {
            big,
            numbers,
            dialcore,
            dialcore_built,
            roaring,
            roaring_built,
            hashset,
            hashset_built,
            hits,
            misses,
            mixed,
        }
    }
}

/// Hits among `queries`, looked up independently (the CPU overlaps them,
/// as in a bulk check).
fn count_hits(queries: &[u64], contains: impl Fn(u64) -> bool) -> u64 {
    queries.iter().map(|&q| u64::from(contains(q))).sum()
}

/// Hits along a chain of `queries.len()` lookups in which each query's
/// index is derived from the previous result, so lookups cannot overlap:
/// the latency of a single dial-time check. `queries.len()` must be a power
/// of two.
fn count_hits_chained(queries: &[u64], contains: impl Fn(u64) -> bool) -> u64 {
    let mask = queries.len() - 1;
    let mut i = 0;
    let mut hits = 0;
    for step in 1..=queries.len() {
        let hit = black_box(contains(queries[i]));
        hits += u64::from(hit);
        // The step times an odd constant visits every index once (a
        // function of `i` alone would fall into a short cycle that stays in
        // cache); the result flips the low bit.
        i = (step.wrapping_mul(0x9E37_79B9) ^ usize::from(hit)) & mask;
    }
    hits
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
        g.bench_function(format!("dialcore/{order}"), |b| {
            b.iter_with_large_drop(|| {
                let mut list = Blacklist::new();
                list.insert_many(black_box(numbers));
                list
            })
        });
        g.bench_function(format!("roaring/{order}"), |b| {
            b.iter_with_large_drop(|| RoaringBlacklist::from_numbers(black_box(numbers)))
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
    let d = &fx.dialcore;
    let r = &fx.roaring;
    let h = &fx.hashset;
    for (kind, queries) in [("hit", &fx.hits), ("miss", &fx.misses)] {
        g.bench_function(format!("dialcore/{kind}"), |b| {
            b.iter(|| count_hits(black_box(queries), |n| d.contains(n)))
        });
        g.bench_function(format!("roaring/{kind}"), |b| {
            b.iter(|| count_hits(black_box(queries), |n| r.contains(n)))
        });
        g.bench_function(format!("hashset/{kind}"), |b| {
            b.iter(|| count_hits(black_box(queries), |n| h.contains(n)))
        });
    }
    g.bench_function("dialcore/chained", |b| {
        b.iter(|| count_hits_chained(black_box(&fx.mixed), |n| d.contains(n)))
    });
    g.bench_function("roaring/chained", |b| {
        b.iter(|| count_hits_chained(black_box(&fx.mixed), |n| r.contains(n)))
    });
    g.bench_function("hashset/chained", |b| {
        b.iter(|| count_hits_chained(black_box(&fx.mixed), |n| h.contains(n)))
    });
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

fn load(path: &Path) -> (Blacklist, dialcore::blacklist::RegistryReport) {
    let reader = BufReader::with_capacity(1 << 20, File::open(path).expect("registry"));
    let mut list = Blacklist::new();
    let report = list.load_registry(reader, US).expect("load");
    (list, report)
}

/// The baselines' registry loader: lines read into a reused buffer, parsed
/// with dialcore's `normalize_bytes`, handed to `sink` in batches of
/// `batch` numbers. Returns the lines read.
fn load_baseline(path: &Path, batch: usize, mut sink: impl FnMut(&[u64])) -> u64 {
    let mut reader = BufReader::with_capacity(1 << 20, File::open(path).expect("registry"));
    let mut line = Vec::with_capacity(64);
    let mut numbers = Vec::with_capacity(batch);
    let mut lines = 0;
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line).expect("read") == 0 {
            break;
        }
        lines += 1;
        let text = line.strip_suffix(b"\n").unwrap_or(&line);
        if let Ok(n) = phone::normalize_bytes(text, US) {
            numbers.push(n);
        }
        if numbers.len() == batch {
            sink(&numbers);
            numbers.clear();
        }
    }
    sink(&numbers);
    lines
}

/// Registry load rates of the three contenders, for the summary.
struct LoadFigures {
    lines: usize,
    /// MB/s of dialcore, roaring, hashset.
    mb_per_s: [f64; 3],
    parse_mb_per_s: f64,
}

fn registry(c: &mut Criterion, fx: &Fixture) -> LoadFigures {
    const LINES: usize = 10_000_000;
    let lines = LINES.min(fx.numbers.len());
    let (file, len) = write_registry(&fx.numbers[..lines], "registry");

    // One timed load each, and the parse alone, for the summary.
    let (_, dialcore_s, _) = measured(|| {
        let (list, report) = load(&file.0);
        assert_eq!(report.lines, lines as u64);
        assert_eq!(report.invalid, 0);
        list
    });
    let (_, roaring_s, _) = measured(|| {
        let mut list = RoaringBlacklist::new();
        let read = load_baseline(&file.0, 1 << 24, |batch| {
            list.insert_many(batch);
        });
        assert_eq!(read, lines as u64);
        list
    });
    let (_, hashset_s, _) = measured(|| {
        let mut list = HashSetBlacklist::new();
        let read = load_baseline(&file.0, 1 << 20, |batch| {
            list.insert_many(batch);
        });
        assert_eq!(read, lines as u64);
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
    g.bench_function(format!("dialcore/{}M_lines", lines / 1_000_000), |b| {
        b.iter_with_large_drop(|| load(&file.0))
    });
    g.finish();
    drop(file);

    LoadFigures {
        lines,
        mb_per_s: [dialcore_s, roaring_s, hashset_s].map(|s| mb(len) / s),
        parse_mb_per_s: mb(len) / parse_secs,
    }
}

/// Big run only: a 250M-line registry loaded once by dialcore, in random
/// order and sorted (as registry extracts usually are), with its peak
/// resident memory above the start.
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
        let base = rss();
        let peak_known = reset_peak_rss();
        let ((list, report), secs, grew) = measured(|| load(&file.0));
        let peak = if peak_known {
            format!(
                "peak {:.0} MB above the start",
                mb(peak_rss().saturating_sub(base))
            )
        } else {
            "peak unknown (clear_refs refused)".to_owned()
        };
        eprintln!(
            "blacklist/load_registry/{m}M_lines/{order}: {secs:.1} s, {:.0} MB/s, \
             {:.1} M numbers/s; {} added, {} duplicates; heap_bytes() {:.0} MB \
             ({:.2} bytes/number), resident +{:.0} MB, {peak}",
            mb(len) / secs,
            report.lines as f64 / secs / 1e6,
            report.added,
            report.already_present,
            mb(list.heap_bytes()),
            list.heap_bytes() as f64 / report.added as f64,
            mb(grew),
        );
        assert_eq!(list.len(), fx.dialcore.len());
    }
}

/// Figures of one contender.
struct Figures {
    name: &'static str,
    heap: f64,
    rss: f64,
    hit: f64,
    miss: f64,
    chained: f64,
    build: f64,
    load: f64,
}

fn figures(
    name: &'static str,
    fx: &Fixture,
    built: &Built,
    load_mb_per_s: f64,
    contains: impl Fn(u64) -> bool + Copy,
) -> Figures {
    let n = fx.hashset.len() as f64;
    Figures {
        name,
        heap: built.heap as f64 / n,
        rss: built.rss as f64 / n,
        hit: ns_per_lookup(&fx.hits, |q| count_hits(q, contains)),
        miss: ns_per_lookup(&fx.misses, |q| count_hits(q, contains)),
        chained: ns_per_lookup(&fx.mixed, |q| count_hits_chained(q, contains)),
        build: n / built.secs / 1e6,
        load: load_mb_per_s,
    }
}

fn summary(fx: &Fixture, load: &LoadFigures) {
    let n = fx.hashset.len() as f64 / 1e6;
    let (d, r, h) = (&fx.dialcore, &fx.roaring, &fx.hashset);
    let all = [
        figures("dialcore", fx, &fx.dialcore_built, load.mb_per_s[0], |x| {
            d.contains(x)
        }),
        figures("roaring", fx, &fx.roaring_built, load.mb_per_s[1], |x| {
            r.contains(x)
        }),
        figures("hashset", fx, &fx.hashset_built, load.mb_per_s[2], |x| {
            h.contains(x)
        }),
    ];
    for f in &all {
        println!(
            "summary n={n:.0}M {:<8}: bytes/number {:.2} (heap_bytes) {:.2} (resident); \
             ns/lookup bulk hit/miss {:.0}/{:.0}, chained {:.0}; build {:.1} M numbers/s; \
             load_registry {}M lines {:.0} MB/s",
            f.name,
            f.heap,
            f.rss,
            f.hit,
            f.miss,
            f.chained,
            f.build,
            load.lines / 1_000_000,
            f.load,
        );
    }
    let d = &all[0];
    for o in &all[1..] {
        println!(
            "summary n={n:.0}M dialcore vs {}: bytes/number {:.2}x, bulk ns {:.2}x, \
             chained ns {:.2}x, build {:.2}x, load {:.2}x (below 1 = dialcore smaller/faster \
             for bytes and ns, above 1 = faster for build and load)",
            o.name,
            d.heap / o.heap,
            (d.hit + d.miss) / (o.hit + o.miss),
            d.chained / o.chained,
            d.build / o.build,
            d.load / o.load,
        );
    }
    println!(
        "summary n={n:.0}M normalize alone {:.0} MB/s",
        load.parse_mb_per_s
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
