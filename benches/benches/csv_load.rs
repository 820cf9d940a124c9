//! Loading 1M and 10M contacts from a CSV file: dialcore's
//! `Campaign::import_csv_path` next to the row store parsing with the `csv`
//! crate and (1M only) SQLite inserts in one transaction (in memory, with the
//! selection index in place).
//!
//! `cargo bench -p dialcore-benches --bench csv_load`
//!
//! The files (written once to a temp dir, removed at the end) have a header
//! `phone,external_id,timezone,priority`; numbers are US-like `+1…`, every
//! fourth row has a time zone, priorities 0–2.
//!
//! Groups: `csv_load/1M` (all three) and `csv_load/10M` (dialcore and the
//! row store; SQLite takes minutes there). One row-store load of 10M takes
//! about 15 s, so criterion's ten samples do not fit a quick run: with
//! `DIALCORE_BENCH_QUICK=1` the 10M comparison is the same-run summary only
//! (one load of each, timed side by side), and the criterion group runs
//! without it.

use std::fmt::Write as _;
use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use dialcore::{Campaign, CampaignConfig, Mode};
use dialcore_benches::row_store::{RowStore, RowVec};
use dialcore_benches::sql_hopper::SqlHopper;

const ZONES: [&str; 4] = ["", "America/New_York", "", "America/Chicago"];

fn quick() -> bool {
    std::env::var_os("DIALCORE_BENCH_QUICK").is_some_and(|v| v != "0")
}

struct CsvFile {
    dir: PathBuf,
    path: PathBuf,
    rows: usize,
}

impl CsvFile {
    fn write(rows: usize) -> Self {
        let dir =
            std::env::temp_dir().join(format!("dialcore-bench-csv-{}-{rows}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("contacts.csv");
        let mut text = String::with_capacity(rows * 34);
        text.push_str("phone,external_id,timezone,priority\n");
        let mut x = 0x5EED_u64;
        for i in 0..rows {
            // splitmix64 → US-like 11-digit numbers.
            x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            let number = 12010000000 + z % 7889999999;
            writeln!(text, "+{number},c{i},{},{}", ZONES[i % 4], i % 3).unwrap();
        }
        std::fs::write(&path, text).expect("write csv");
        CsvFile { dir, path, rows }
    }

    fn megabytes(&self) -> f64 {
        std::fs::metadata(&self.path).map_or(0, |m| m.len()) as f64 / 1e6
    }
}

impl Drop for CsvFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn dialcore_load(file: &CsvFile) -> Campaign {
    let mut campaign = Campaign::new(CampaignConfig::new(Mode::Predictive)).expect("config");
    let report = campaign.import_csv_path(&file.path).expect("import");
    assert_eq!(report.imported(), file.rows as u64);
    campaign
}

fn rows_load(file: &CsvFile) -> RowStore {
    let mut rows = RowStore::default();
    assert_eq!(rows.load_csv(&file.path).expect("csv"), file.rows);
    rows
}

fn row_vec_load(file: &CsvFile) -> RowVec {
    let mut rows = RowVec::default();
    assert_eq!(rows.load_csv(&file.path).expect("csv"), file.rows);
    rows
}

fn sqlite_load(file: &CsvFile) -> SqlHopper {
    let mut db = SqlHopper::in_memory().expect("sqlite");
    assert_eq!(db.load_csv(&file.path).expect("csv"), file.rows);
    db
}

/// One criterion group: `csv_load/<label>` with the given contenders.
fn group(c: &mut Criterion, label: &str, file: &CsvFile, rows: bool, sqlite: bool) {
    let mut group = c.benchmark_group(format!("csv_load/{label}"));
    group.sample_size(10);
    group.throughput(Throughput::Elements(file.rows as u64));
    group.bench_function("dialcore", |b| {
        b.iter_batched(
            || (),
            |()| dialcore_load(black_box(file)),
            BatchSize::PerIteration,
        )
    });
    if rows {
        group.bench_function("row_store_csv_crate", |b| {
            b.iter_batched(
                || (),
                |()| rows_load(black_box(file)),
                BatchSize::PerIteration,
            )
        });
        group.bench_function("row_vec_csv_crate", |b| {
            b.iter_batched(
                || (),
                |()| row_vec_load(black_box(file)),
                BatchSize::PerIteration,
            )
        });
    }
    if sqlite {
        group.bench_function("sqlite_memory_one_tx", |b| {
            b.iter_batched(
                || (),
                |()| sqlite_load(black_box(file)),
                BatchSize::PerIteration,
            )
        });
    }
    group.finish();
}

fn csv_load(c: &mut Criterion) {
    let file = CsvFile::write(1_000_000);
    group(c, "1M", &file, true, true);
    drop(file);
    let file = CsvFile::write(10_000_000);
    group(c, "10M", &file, !quick(), false);
}

/// Wall time of `f`, the result dropped outside the timing.
fn time<T>(f: impl FnOnce() -> T) -> Duration {
    let started = Instant::now();
    let value = black_box(f());
    let took = started.elapsed();
    drop(value);
    took
}

/// Loads of each contender timed in the same run, interleaved, best of
/// `rounds`, printed as ratios.
fn summary_of(file: &CsvFile, rounds: usize, sqlite: bool) {
    let (mut d, mut r, mut s) = (Duration::MAX, Duration::MAX, Duration::MAX);
    let mut v = Duration::MAX;
    for _ in 0..rounds {
        d = d.min(time(|| dialcore_load(file)));
        r = r.min(time(|| rows_load(file)));
        v = v.min(time(|| row_vec_load(file)));
        if sqlite {
            s = s.min(time(|| sqlite_load(file)));
        }
    }
    let n = file.rows;
    let rate = |t: Duration| n as f64 / t.as_secs_f64() / 1e6;
    println!(
        "\n== csv load summary, {n} rows, {:.1} MB file, best of {rounds} ==",
        file.megabytes()
    );
    let mut line = format!(
        "dialcore import_csv_path {d:.2?} ({:.2} M rows/s), row store + csv crate {r:.2?} ({:.2} M rows/s), Vec row store + csv crate {v:.2?} ({:.2} M rows/s)",
        rate(d),
        rate(r),
        rate(v)
    );
    if sqlite {
        write!(
            line,
            ", SQLite one transaction {s:.2?} ({:.2} M rows/s)",
            rate(s)
        )
        .unwrap();
    }
    write!(
        line,
        "; row/dialcore = {:.1}x, vec/dialcore = {:.1}x, stronger row store/dialcore = {:.1}x",
        r.as_secs_f64() / d.as_secs_f64(),
        v.as_secs_f64() / d.as_secs_f64(),
        r.min(v).as_secs_f64() / d.as_secs_f64()
    )
    .unwrap();
    if sqlite {
        write!(
            line,
            ", sqlite/dialcore = {:.1}x",
            s.as_secs_f64() / d.as_secs_f64()
        )
        .unwrap();
    }
    println!("{line}");
}

/// The same-run comparison at both sizes (runs first, on a fresh process).
fn summary(_: &mut Criterion) {
    let rounds = if quick() { 2 } else { 3 };
    summary_of(&CsvFile::write(1_000_000), rounds, true);
    summary_of(&CsvFile::write(10_000_000), 1, false);
}

criterion_group!(benches, summary, csv_load);
criterion_main!(benches);
