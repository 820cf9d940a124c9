//! Durability benches: what the journal costs the engine, and how fast a
//! 10M-contact campaign is snapshotted, loaded and recovered.
//!
//! - `durable/event_cycles_1M_contacts`: the engine bench's round (a poll
//!   dialing one call per ready operator, then Answered for each, a poll
//!   connecting them, then CallEnded and AcwDone for each) in memory, with the journal written at every poll
//!   (`Never`: written, not fsynced), and with `EveryMs(10)` (an fsync at
//!   every poll here, as each round moves the engine clock 1.6 s).
//! - `durable/snapshot_10M`: writing a snapshot of 10M contacts.
//! - `durable/load_10M`: opening that directory (snapshot load, no journal).
//! - `durable/recover_10M_contacts_10M_records`: recovery from a snapshot
//!   plus a journal of 10M records (read-only `Campaign::inspect`).
//!
//! The files go to `DIALCORE_BENCH_DIR` (default: the system temp dir).
//! `cargo bench -p dialcore-benches --bench durable`

use std::fs;
use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use dialcore::journal::FsyncPolicy;
use dialcore::{CallId, Campaign, Command, DurableOptions};
use dialcore_benches::engine_round::{config, populate, round, OPERATORS};

fn bench_dir(name: &str) -> PathBuf {
    let base = std::env::var_os("DIALCORE_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    let dir = base.join(format!("dialcore-bench-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    dir
}

/// How the campaign under test keeps its state.
#[derive(Debug, Clone, Copy)]
enum Keeping {
    Memory,
    Journal(FsyncPolicy),
}

/// A predictive campaign with `contacts` contacts and `OPERATORS` ready operators.
fn campaign(contacts: usize, keeping: Keeping, dir: &PathBuf) -> Campaign {
    let mut c = match keeping {
        Keeping::Memory => Campaign::new(config()).expect("valid config"),
        Keeping::Journal(fsync) => {
            let _ = fs::remove_dir_all(dir);
            let options = DurableOptions {
                fsync,
                snapshot_every_records: 0,
                ..DurableOptions::default()
            };
            Campaign::open_with(dir, config(), options)
                .expect("opens")
                .0
        }
    };
    populate(&mut c, contacts);
    c
}

struct Harness {
    contacts: usize,
    keeping: Keeping,
    dir: PathBuf,
    campaign: Campaign,
    rounds_left: usize,
    now: u64,
    out: Vec<Command>,
    calls: Vec<CallId>,
}

impl Harness {
    fn new(contacts: usize, keeping: Keeping, dir: PathBuf) -> Self {
        Harness {
            campaign: campaign(contacts, keeping, &dir),
            contacts,
            keeping,
            dir,
            rounds_left: contacts / OPERATORS,
            now: 0,
            out: Vec::new(),
            calls: Vec::new(),
        }
    }

    fn measure(&mut self, iters: u64) -> Duration {
        let mut total = Duration::ZERO;
        for _ in 0..iters {
            if self.rounds_left == 0 {
                let dir = self.dir.clone();
                // Drop the old campaign (and its lock) before reopening.
                self.campaign = Campaign::new(config()).expect("valid");
                *self = Harness::new(self.contacts, self.keeping, dir);
            }
            self.rounds_left -= 1;
            let started = Instant::now();
            black_box(round(
                &mut self.campaign,
                &mut self.now,
                &mut self.out,
                &mut self.calls,
            ));
            total += started.elapsed();
        }
        total
    }
}

const KEEPINGS: [(&str, Keeping); 3] = [
    ("memory", Keeping::Memory),
    ("journal_never", Keeping::Journal(FsyncPolicy::Never)),
    (
        "journal_every_10ms",
        Keeping::Journal(FsyncPolicy::EveryMs(10)),
    ),
];

fn event_cycles(c: &mut Criterion) {
    let mut group = c.benchmark_group("durable/event_cycles_1M_contacts");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(5));
    group.throughput(Throughput::Elements(3 * OPERATORS as u64));
    for (name, keeping) in KEEPINGS {
        let mut harness = Harness::new(1_000_000, keeping, bench_dir(name));
        group.bench_function(name, |b| b.iter_custom(|iters| harness.measure(iters)));
        let _ = fs::remove_dir_all(&harness.dir);
    }
    group.finish();
}

/// A 10M-contact durable campaign with some history, snapshotted.
fn big_campaign(dir: &PathBuf) -> Campaign {
    let mut c = campaign(10_000_000, Keeping::Journal(FsyncPolicy::Never), dir);
    let (mut now, mut out, mut calls) = (0, Vec::new(), Vec::new());
    for _ in 0..20 {
        round(&mut c, &mut now, &mut out, &mut calls);
    }
    c
}

fn snapshots(c: &mut Criterion) {
    let dir = bench_dir("snapshot");
    let mut campaign = big_campaign(&dir);
    let mut group = c.benchmark_group("durable/snapshot_10M");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));
    group.throughput(Throughput::Elements(10_000_000));
    group.bench_function("write", |b| {
        b.iter(|| black_box(campaign.snapshot().expect("writes")))
    });
    group.finish();
    drop(campaign);
    let mut group = c.benchmark_group("durable/load_10M");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));
    group.throughput(Throughput::Elements(10_000_000));
    group.bench_function("inspect", |b| {
        b.iter(|| black_box(Campaign::inspect(&dir, config()).expect("loads")))
    });
    group.finish();
    let _ = fs::remove_dir_all(&dir);
}

fn recovery(c: &mut Criterion) {
    let dir = bench_dir("recover");
    let mut campaign = big_campaign(&dir);
    campaign.snapshot().expect("writes");
    // 10M journal records: each round writes ~4 rows + facts per call.
    let (mut now, mut out, mut calls) = (campaign.now_ms(), Vec::new(), Vec::new());
    let start = campaign.journal_position().expect("durable").1;
    while campaign.journal_position().expect("durable").1 - start < 10_000_000 {
        round(&mut campaign, &mut now, &mut out, &mut calls);
    }
    let records = campaign.journal_position().expect("durable").1 - start;
    campaign.flush().expect("flushes");
    drop(campaign);
    let mut group = c.benchmark_group("durable/recover_10M_contacts_10M_records");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    group.throughput(Throughput::Elements(records));
    group.bench_function("inspect", |b| {
        b.iter(|| black_box(Campaign::inspect(&dir, config()).expect("recovers")))
    });
    group.finish();
    let _ = fs::remove_dir_all(&dir);
}

/// Same-run figures with ratios.
fn summary(_: &mut Criterion) {
    let mut per_event = Vec::new();
    for (name, keeping) in KEEPINGS {
        let dir = bench_dir(&format!("summary-{name}"));
        let mut c = campaign(1_000_000, keeping, &dir);
        let (mut now, mut out, mut calls) = (0, Vec::new(), Vec::new());
        round(&mut c, &mut now, &mut out, &mut calls);
        let started = Instant::now();
        let mut events = 0;
        for _ in 0..300 {
            events += round(&mut c, &mut now, &mut out, &mut calls);
        }
        let elapsed = started.elapsed();
        let bytes = c.journal_position().map_or(0, |p| p.2);
        per_event.push((name, elapsed.as_secs_f64() / events as f64, bytes));
        drop(c);
        let _ = fs::remove_dir_all(&dir);
    }
    println!("\n== durable summary (1M contacts, {OPERATORS} operators) ==");
    let base = per_event[0].1;
    for (name, secs, bytes) in &per_event {
        println!(
            "{name}: {:.2} M events/s, {:.2}x the in-memory time per event, journal {:.1} MB",
            1e-6 / secs,
            secs / base,
            *bytes as f64 / 1e6
        );
    }
    let dir = bench_dir("summary-snapshot");
    let mut c = big_campaign(&dir);
    let started = Instant::now();
    let info = c.snapshot().expect("writes");
    let write = started.elapsed();
    drop(c);
    let started = Instant::now();
    let (c, _) = Campaign::inspect(&dir, config()).expect("loads");
    let load = started.elapsed();
    println!(
        "snapshot of 10M contacts: {} MB written in {:.2?} ({:.0} MB/s), loaded in {:.2?} ({:.0} MB/s)",
        info.bytes / 1_000_000,
        write,
        info.bytes as f64 / 1e6 / write.as_secs_f64(),
        load,
        info.bytes as f64 / 1e6 / load.as_secs_f64()
    );
    drop(c);
    let _ = fs::remove_dir_all(&dir);
}

criterion_group!(benches, summary, event_cycles, snapshots, recovery);
criterion_main!(benches);
