//! Loading a campaign and what it then holds: the whole engine's resident
//! memory per contact and the load time, at 1M, 10M and 100M contacts.
//!
//! `cargo bench -p dialcore-benches --bench load`. The summary (run first,
//! on a fresh process) loads N contacts the way a host does —
//! `Campaign::add_numbers` on a `Campaign` — and reads the process's
//! `VmRSS` from `/proc/self/status` before and after: the growth is
//! everything the engine keeps (store columns, number index, selection
//! queue, timer wheel), not a sum of `heap_bytes()`. Beside it the row-store
//! baselines, a `Vec<RowContact>` and a `HashMap<u64, RowContact>` (the
//! stronger one is the one compared), at 1M and 10M. The criterion group
//! `load/add_numbers` times the load at each size; 100M (about 3 GB of
//! engine plus the 0.8 GB input) runs only in report mode
//! (`DIALCORE_BENCH_QUICK=1`, set by `benches/report.sh`) or with
//! `DIALCORE_BENCH_100M=1`.
//!
//! Targets (issue 19): at most 32 bytes a contact resident at 10M and 100M
//! (moonshot 24); 10M contacts from numbers in under 1 s; 100M at most 12×
//! the 10M time.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use dialcore::{Campaign, CampaignConfig, Mode};
use dialcore_benches::row_store::{RowContact, RowState, RowStore};

fn numbers(n: usize) -> Vec<u64> {
    let mut x = 0x5EED_u64;
    (0..n)
        .map(|_| {
            // splitmix64 → US-like 11-digit numbers (duplicates included, as
            // in a real list).
            x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            12010000000 + z % 7889999999
        })
        .collect()
}

/// `VmRSS` of this process, bytes (Linux; 0 elsewhere).
fn rss() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("VmRSS:"))?;
            let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(kb * 1024)
        })
        .unwrap_or(0)
}

fn campaign() -> Campaign {
    Campaign::new(CampaignConfig::new(Mode::Predictive)).expect("default config")
}

fn load(numbers: &[u64]) -> Campaign {
    let mut c = campaign();
    c.add_numbers(numbers, 0).expect("fits");
    c
}

fn row(n: u64) -> RowContact {
    RowContact {
        number: format!("+{n}"),
        external_id: String::new(),
        timezone: None,
        state: RowState::Initial,
        attempts: 0,
        priority: 0,
        retry_at_ms: None,
    }
}

/// The `Vec<struct>` row store: contacts by dense id, the way a competent
/// in-memory dialer keeps them.
fn vec_rows(numbers: &[u64]) -> Vec<RowContact> {
    let mut rows = Vec::with_capacity(numbers.len());
    rows.extend(numbers.iter().map(|&n| row(n)));
    rows
}

/// Resident growth (bytes a contact) and time of building `f()`; the value
/// is kept alive until both are read.
fn measured<T>(n: usize, f: impl FnOnce() -> T) -> (T, f64, Duration) {
    let before = rss();
    let started = Instant::now();
    let value = black_box(f());
    let took = started.elapsed();
    let grown = rss().saturating_sub(before);
    (value, grown as f64 / n as f64, took)
}

fn with_100m() -> bool {
    std::env::var_os("DIALCORE_BENCH_QUICK").is_some()
        || std::env::var_os("DIALCORE_BENCH_100M").is_some()
}

fn sizes() -> Vec<(&'static str, usize)> {
    let mut sizes = vec![("1M", 1_000_000), ("10M", 10_000_000)];
    if with_100m() {
        sizes.push(("100M", 100_000_000));
    }
    sizes
}

fn summary(_: &mut Criterion) {
    println!("\n== load summary: whole engine (Campaign::add_numbers), resident growth ==");
    let mut ten_m = None;
    for (label, n) in sizes() {
        let input = numbers(n);
        let (engine, per, took) = measured(n, || load(&input));
        let target = if n >= 10_000_000 {
            " (target <= 32, moonshot 24)"
        } else {
            ""
        };
        println!(
            "{label}: dialcore engine {per:.1} bytes/contact resident{target}, loaded in {took:.2?}"
        );
        if n == 10_000_000 {
            ten_m = Some(took);
        } else if let (Some(t10), 100_000_000) = (ten_m, n) {
            println!(
                "{label}: load time {:.1}x the 10M time (target <= 12x)",
                took.as_secs_f64() / t10.as_secs_f64()
            );
        }
        drop(engine);
        if n > 10_000_000 {
            println!("{label}: row stores not built (several GB a baseline)");
            continue;
        }
        let (rows, vec_per, vec_took) = measured(n, || vec_rows(&input));
        drop(rows);
        let (map, map_per, map_took) = measured(n, || {
            let mut rows = RowStore::default();
            rows.extend_numbers(&input);
            rows
        });
        drop(map);
        let best = vec_per.min(map_per);
        println!(
            "{label}: row store Vec<struct> {vec_per:.1} bytes/contact ({vec_took:.2?}), \
             HashMap {map_per:.1} bytes/contact ({map_took:.2?}); \
             stronger row store / dialcore = {:.1}x memory (target >= 3x)",
            best / per
        );
    }
}

fn add_numbers(c: &mut Criterion) {
    let mut group = c.benchmark_group("load/add_numbers");
    group.sample_size(10);
    for (label, n) in sizes() {
        let input = numbers(n);
        let secs = (n / 1_000_000).clamp(2, 120) as u64;
        group.measurement_time(Duration::from_secs(secs));
        group.bench_function(format!("dialcore_{label}"), |b| {
            b.iter_batched(|| (), |()| load(black_box(&input)), BatchSize::PerIteration)
        });
    }
    group.finish();
}

criterion_group!(benches, summary, add_numbers);
criterion_main!(benches);
