//! Contact store benches: bulk append, memory per contact, per-state counts
//! and a filtered scan, dialcore's columns next to a row-store baseline.
//!
//! `cargo bench -p dialcore-benches --bench store`. Sizes: 10M contacts
//! (the target: appended from pre-parsed numbers in under 1 s,
//! at most 32 bytes a contact resident); the append is also timed at 1M.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use dialcore::blacklist::Blacklist;
use dialcore::state::State;
use dialcore::store::{ContactId, ContactStore};
use dialcore::wheel::Wheel;
use dialcore::zones::ZoneId;
use dialcore_benches::row_store::{RowState, RowStore, RowVec};

const CONTACTS: usize = 10_000_000;

fn numbers(n: usize) -> Vec<u64> {
    let mut x = 0x5EED_u64;
    (0..n)
        .map(|_| {
            // splitmix64 → US-like 11-digit numbers.
            x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            12010000000 + z % 7889999999
        })
        .collect()
}

/// Resident set size of this process, from /proc (Linux), in bytes.
fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

fn store_of(numbers: &[u64]) -> ContactStore {
    let mut store = ContactStore::new();
    store
        .extend_numbers(numbers, 0, ZoneId::DEFAULT, &Blacklist::new())
        .expect("fits");
    store
}

fn append(c: &mut Criterion) {
    for (label, n, time) in [("1M", 1_000_000, 2), ("10M", CONTACTS, 8)] {
        let input = numbers(n);
        let mut group = c.benchmark_group(format!("store/append_{label}"));
        group
            .sample_size(10)
            .measurement_time(Duration::from_secs(time));
        group.bench_function("dialcore", |b| {
            b.iter_batched(
                || (),
                |()| store_of(black_box(&input)),
                BatchSize::PerIteration,
            )
        });
        group.bench_function("row_store_hashmap", |b| {
            b.iter_batched(
                RowStore::default,
                |mut rows| {
                    rows.extend_numbers(black_box(&input));
                    rows
                },
                BatchSize::PerIteration,
            )
        });
        group.bench_function("row_store_vec", |b| {
            b.iter_batched(
                RowVec::default,
                |mut rows| {
                    rows.extend_numbers(black_box(&input));
                    rows
                },
                BatchSize::PerIteration,
            )
        });
        group.finish();
    }
}

fn counts(c: &mut Criterion) {
    let input = numbers(CONTACTS);
    let mut store = store_of(&input);
    let mut rows = RowStore::default();
    rows.extend_numbers(&input);
    let mut row_vec = RowVec::default();
    row_vec.extend_numbers(&input);
    for i in (0..CONTACTS).step_by(7) {
        row_vec.contacts[i].state = RowState::RetryScheduled;
        store
            .set_state(ContactId(i as u32), State::RetryScheduled)
            .unwrap();
        if let Some(r) = rows.contacts.get_mut(&(i as u64)) {
            r.state = RowState::RetryScheduled;
        }
    }
    let mut group = c.benchmark_group("store/count_10M");
    group.sample_size(10);
    group.bench_function("dialcore_counts_o1", |b| {
        b.iter(|| black_box(&store).counts().get(State::RetryScheduled))
    });
    group.bench_function("dialcore_recount_histogram", |b| {
        b.iter(|| black_box(&store).recount())
    });
    group.bench_function("dialcore_scan_retry_scheduled", |b| {
        b.iter(|| {
            black_box(&store)
                .ids_in_state(State::RetryScheduled)
                .count()
        })
    });
    group.bench_function("row_store_scan_retry_scheduled", |b| {
        b.iter(|| black_box(&rows).count(RowState::RetryScheduled))
    });
    group.bench_function("row_vec_scan_retry_scheduled", |b| {
        b.iter(|| black_box(&row_vec).count(RowState::RetryScheduled))
    });
    group.finish();
}

/// Memory and a same-run timing of one append each, printed as ratios. Runs
/// first, on a fresh process, so resident growth is not hidden by memory the
/// allocator kept from earlier benches; both stores stay alive until both are
/// measured, so neither reuses the other's freed pages.
fn summary(_: &mut Criterion) {
    let input = numbers(CONTACTS);
    let before = resident_bytes();
    let started = Instant::now();
    let store = store_of(&input);
    let mut wheel = Wheel::with_keys(store.len(), 0);
    let dialcore_time = started.elapsed();
    let after = resident_bytes();
    let dialcore_rss = after.zip(before).map(|(a, b)| a.saturating_sub(b));
    // Arm every timer once so the wheel's columns are resident too.
    for id in 0..CONTACTS as u32 {
        wheel.arm(id, 3_600_000 + u64::from(id % 1_000));
    }
    let columns = store.column_bytes() as f64 / CONTACTS as f64;
    let wheel_bytes = wheel.heap_bytes() as f64 / CONTACTS as f64;
    let total = store.heap_bytes() as f64 / CONTACTS as f64;

    let before = resident_bytes();
    let started = Instant::now();
    let mut rows = RowStore::default();
    rows.extend_numbers(&input);
    let rows_time = started.elapsed();
    let rows_rss = resident_bytes()
        .zip(before)
        .map(|(a, b)| a.saturating_sub(b));
    black_box((&store, &rows, &wheel));
    drop(rows);
    drop(store);

    // Several numbers a contact: 3 each (2 extra numbers), 1M contacts;
    // and 2 each (1 extra number).
    let (per_contact, per_extra) = several_numbers_bytes(1_000_000, 2);
    let (per_contact2, per_extra2) = several_numbers_bytes(1_000_000, 1);

    // The same at 1M, after the 10M stores are gone.
    let small = numbers(1_000_000);
    let started = Instant::now();
    let store = black_box(store_of(&small));
    let small_dialcore = started.elapsed();
    let started = Instant::now();
    let mut small_rows = RowStore::default();
    black_box(small_rows.extend_numbers(&small));
    let small_rows_time = started.elapsed();
    drop((store, small_rows));

    println!("\n== store summary, {CONTACTS} contacts ==");
    println!(
        "append: dialcore {dialcore_time:.2?}, row store {rows_time:.2?}, row/dialcore = {:.1}x",
        rows_time.as_secs_f64() / dialcore_time.as_secs_f64()
    );
    println!(
        "append 1M: dialcore {small_dialcore:.2?}, row store {small_rows_time:.2?}, row/dialcore = {:.1}x",
        small_rows_time.as_secs_f64() / small_dialcore.as_secs_f64()
    );
    println!(
        "dialcore core columns: {columns:.1} bytes/contact + timer wheel links {wheel_bytes:.1} = {:.1} (target <= 32)",
        columns + wheel_bytes
    );
    println!("dialcore store with number index and arenas: {total:.1} bytes/contact");
    println!(
        "3 numbers per contact: core columns {per_contact:.1} bytes/contact, {per_extra:.2} bytes per extra number (target <= 10)"
    );
    println!(
        "2 numbers per contact: core columns {per_contact2:.1} bytes/contact, {per_extra2:.2} bytes per extra number (target <= 10)"
    );
    if let (Some(d), Some(r)) = (dialcore_rss, rows_rss) {
        println!(
            "resident growth: dialcore store {:.1} bytes/contact, row store {:.1} bytes/contact, row/dialcore = {:.1}x",
            d as f64 / CONTACTS as f64,
            r as f64 / CONTACTS as f64,
            r as f64 / d.max(1) as f64
        );
    }
}

/// Core column bytes per contact of `n` contacts with `extra` extra
/// numbers each, and the bytes each extra number adds over the same
/// contacts with one.
fn several_numbers_bytes(n: usize, extra: usize) -> (f64, f64) {
    use dialcore::store::{ExtraNumber, NumberKind};
    let input = numbers(n);
    let one = store_of(&input);
    let mut several = store_of(&input);
    several.reserve_extra_numbers(n, extra * n);
    for i in 0..n {
        let numbers: Vec<ExtraNumber> = (1..=extra as u64)
            .map(|k| ExtraNumber {
                number: 4930_0000000 + i as u64 * 16 + k,
                kind: NumberKind::Mobile,
                zone: ZoneId(0),
            })
            .collect();
        several
            .push_extra_numbers(dialcore::store::ContactId(i as u32), &numbers)
            .expect("valid extra numbers");
    }
    let per_contact = several.column_bytes() as f64 / n as f64;
    let per_extra = (several.column_bytes() - one.column_bytes()) as f64 / (extra * n) as f64;
    (per_contact, per_extra)
}

criterion_group!(benches, summary, append, counts);
criterion_main!(benches);
