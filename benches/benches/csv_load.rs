//! Loading 1M contacts from a CSV file: dialcore's `import_csv_path` next to
//! the row store parsing with the `csv` crate and SQLite inserts in one
//! transaction (in memory, with the selection index in place).
//!
//! `cargo bench -p dialcore-benches --bench csv_load`
//!
//! The file (written once to a temp dir, removed at the end) has a header
//! `phone,external_id,timezone,priority`; numbers are US-like `+1…`, every
//! fourth row has a time zone, priorities 0–2.

use std::fmt::Write as _;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Instant;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use dialcore::{Campaign, CampaignConfig, Mode};
use dialcore_benches::row_store::RowStore;
use dialcore_benches::sql_hopper::SqlHopper;

const CONTACTS: usize = 1_000_000;
const ZONES: [&str; 4] = ["", "America/New_York", "", "America/Chicago"];

struct CsvFile {
    dir: PathBuf,
    path: PathBuf,
}

impl CsvFile {
    fn write() -> Self {
        let dir = std::env::temp_dir().join(format!("dialcore-bench-csv-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("contacts.csv");
        let mut text = String::with_capacity(CONTACTS * 48);
        text.push_str("phone,external_id,timezone,priority\n");
        let mut x = 0x5EED_u64;
        for i in 0..CONTACTS {
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
        CsvFile { dir, path }
    }
}

impl Drop for CsvFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn dialcore_load(path: &Path) -> Campaign {
    let mut campaign = Campaign::new(CampaignConfig::new(Mode::Predictive)).expect("config");
    let report = campaign.import_csv_path(path).expect("import");
    assert_eq!(report.imported(), CONTACTS as u64);
    campaign
}

fn rows_load(path: &Path) -> RowStore {
    let mut rows = RowStore::default();
    assert_eq!(rows.load_csv(path).expect("csv"), CONTACTS);
    rows
}

fn sqlite_load(path: &Path) -> SqlHopper {
    let mut db = SqlHopper::in_memory().expect("sqlite");
    assert_eq!(db.load_csv(path).expect("csv"), CONTACTS);
    db
}

fn csv_load(c: &mut Criterion) {
    let file = CsvFile::write();
    let path = file.path.as_path();
    let mut group = c.benchmark_group("csv_load/1M");
    group.sample_size(10);
    group.throughput(Throughput::Elements(CONTACTS as u64));
    group.bench_function("dialcore", |b| {
        b.iter_batched(
            || (),
            |()| dialcore_load(black_box(path)),
            BatchSize::PerIteration,
        )
    });
    group.bench_function("row_store_csv_crate", |b| {
        b.iter_batched(
            || (),
            |()| rows_load(black_box(path)),
            BatchSize::PerIteration,
        )
    });
    group.bench_function("sqlite_memory_one_tx", |b| {
        b.iter_batched(
            || (),
            |()| sqlite_load(black_box(path)),
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

/// One load of each, timed in the same run, printed as ratios.
fn summary(_: &mut Criterion) {
    let file = CsvFile::write();
    let size = std::fs::metadata(&file.path).map_or(0, |m| m.len());
    let time = |f: &dyn Fn()| {
        let started = Instant::now();
        f();
        started.elapsed()
    };
    let d = time(&|| drop(black_box(dialcore_load(&file.path))));
    let r = time(&|| drop(black_box(rows_load(&file.path))));
    let s = time(&|| drop(black_box(sqlite_load(&file.path))));
    let rate = |t: std::time::Duration| CONTACTS as f64 / t.as_secs_f64() / 1e6;
    println!(
        "\n== csv load summary, {CONTACTS} rows, {:.1} MB file ==",
        size as f64 / 1e6
    );
    println!(
        "dialcore import_csv_path {d:.2?} ({:.2} M rows/s), row store + csv crate {r:.2?} ({:.2} M rows/s), SQLite one transaction {s:.2?} ({:.2} M rows/s); row/dialcore = {:.1}x, sqlite/dialcore = {:.1}x",
        rate(d),
        rate(r),
        rate(s),
        r.as_secs_f64() / d.as_secs_f64(),
        s.as_secs_f64() / d.as_secs_f64()
    );
}

criterion_group!(benches, summary, csv_load);
criterion_main!(benches);
