//! Durable throughput a host would see: a sync at every poll at 100, 1,000
//! and 10,000 polls a second, against the in-memory engine.
//!
//! The workload is `dialcore_benches::realistic` (1M contacts in random
//! priority order, 3% blacklisted, 70% of calls unanswered until the ring
//! timeout, busy, unreachable, machines, 15% answered and wrapped up,
//! retries coming due). The same seeded run goes through three campaigns:
//! `memory` (no data directory), `journal_never` (the journal written at
//! every poll, not fsynced: what appending and writing cost) and
//! `journal_always` (written and fdatasynced at every poll that wrote
//! something: group commit into the preallocated journal).
//!
//! Two measurements per campaign, in the same run:
//!
//! 1. **Per event**, dense: 20,000 operators, 1 s of host time per poll
//!    (thousands of events a poll, so the poll's own cost is spread thin):
//!    wall time / events handled.
//! 2. **Per poll**, at each rate: 200 operators, the host clock moving
//!    `1 / rate` per poll: the median and p99 wall time of a poll period
//!    (its few events and the poll; for `journal_always` the fdatasync of
//!    every poll that wrote something — the summary counts them: at 10,000
//!    polls a second most polls find nothing new to write, and sync nothing).
//!
//! A host polling `rate` times a second spends `rate × period` of each
//! second polling (the mean period: at high rates only some polls have
//! something to sync); the rest goes to events, so the **sustained events
//! per second** is `(1 − rate × period_mean) / per_event` (0 when the polls
//! alone fill the second: "sync-bound", the disk cannot take a sync per
//! poll at that rate). With the sync outside the lock
//! (`dc_campaign_poll`, `Campaign::take_sync`) the fdatasync overlaps the
//! next period's events: its period is `journal_never`'s as long as the
//! sync fits in `1 / rate`. The overhead is memory's sustained figure over
//! the durable one; the target is ≤ 2× at 100 polls/s.
//!
//! `cargo bench -p dialcore-benches --bench durable_rate` (it prints; no
//! criterion groups: each figure comes from one long run).

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use dialcore::journal::FsyncPolicy;
use dialcore::{Campaign, DurableOptions};
use dialcore_benches::realistic::{config, populate, Host, Rng, OPERATORS};

const CONTACTS: usize = 1_000_000;
const SEED: u64 = 0x5eed_1919;

fn quick() -> bool {
    std::env::var_os("DIALCORE_BENCH_QUICK").is_some()
}

fn bench_dir(name: &str) -> PathBuf {
    let base = std::env::var_os("DIALCORE_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    let dir = base.join(format!("dialcore-bench-rate-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    dir
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Keeping {
    Memory,
    Never,
    Always,
}

const KEEPINGS: [(&str, Keeping); 3] = [
    ("memory", Keeping::Memory),
    ("journal_never", Keeping::Never),
    ("journal_always", Keeping::Always),
];

/// The campaign, populated and warmed up: two simulated minutes at 100 ms
/// per poll, so calls are in flight, operators in ACW and retries pending.
fn warm(keeping: Keeping, operators: usize, dir: &Path) -> (Campaign, Host) {
    let options = |fsync| DurableOptions {
        fsync,
        snapshot_every_records: 0,
        ..DurableOptions::default()
    };
    let mut c = match keeping {
        Keeping::Memory => Campaign::new(config()).expect("valid config"),
        Keeping::Never => {
            Campaign::open_with(dir, config(), options(FsyncPolicy::Never))
                .expect("opens")
                .0
        }
        Keeping::Always => {
            Campaign::open_with(dir, config(), options(FsyncPolicy::Always))
                .expect("opens")
                .0
        }
    };
    let mut rng = Rng::new(SEED);
    populate(&mut c, CONTACTS, operators, &mut rng);
    let mut host = Host::new(1_000, SEED ^ 1);
    for _ in 0..1_200 {
        host.step(&mut c, 100_000);
    }
    (c, host)
}

struct Run {
    events: u64,
    /// Polls after which the journal had grown (so `Always` synced).
    wrote: u64,
    wall: Duration,
    /// Wall time of each period (events + poll), sorted.
    periods: Vec<Duration>,
}

/// `polls` periods of `step_us` host time each.
fn run(keeping: Keeping, operators: usize, step_us: u64, polls: u64) -> Run {
    let dir = bench_dir(&format!("{step_us}-{keeping:?}"));
    let (mut c, mut host) = warm(keeping, operators, &dir);
    let before = host.events;
    let mut periods = Vec::with_capacity(polls as usize);
    let mut wrote = 0;
    let bytes = |c: &Campaign| c.journal_position().map_or(0, |p| p.2);
    let mut last = bytes(&c);
    let started = Instant::now();
    for _ in 0..polls {
        let t = Instant::now();
        host.step(&mut c, step_us);
        periods.push(t.elapsed());
        let now = bytes(&c);
        wrote += u64::from(now > last);
        last = now;
    }
    let wall = started.elapsed();
    assert!(c.durability_error().is_none());
    let events = host.events - before;
    drop(c);
    let _ = fs::remove_dir_all(&dir);
    periods.sort_unstable();
    Run {
        events,
        wrote,
        wall,
        periods,
    }
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize].as_secs_f64()
}

fn main() {
    // Criterion's arguments (report.sh passes them) are ignored.
    let dense_polls = if quick() { 30 } else { 100 };
    println!(
        "\n== durable_rate: a sync at every poll ({CONTACTS} contacts, realistic outcomes) =="
    );
    let mut per_event = Vec::new();
    for (name, keeping) in KEEPINGS {
        let r = run(keeping, 20_000, 1_000_000, dense_polls);
        let per = r.wall.as_secs_f64() / r.events.max(1) as f64;
        println!(
            "per event, dense (20,000 operators, 1 poll per host second): {name} {:.0} ns ({} events in {:.2?})",
            per * 1e9,
            r.events,
            r.wall
        );
        per_event.push((r.events, per));
    }
    assert!(
        per_event.iter().all(|e| e.0 == per_event[0].0),
        "the same run"
    );
    println!("rate polls/s | poll period median/p99: memory, journal_never, journal_always | fdatasync per poll that wrote | sustained events/s: memory, sync inline, sync outside the lock | overhead inline / outside");
    for rate in [100u64, 1_000, 10_000] {
        let polls = if quick() { 600 } else { 3_000 };
        let runs: Vec<Run> = KEEPINGS
            .iter()
            .map(|&(_, k)| run(k, OPERATORS, 1_000_000 / rate, polls))
            .collect();
        assert!(
            runs.iter().all(|r| r.events == runs[0].events),
            "the same run"
        );
        let med: Vec<f64> = runs.iter().map(|r| pct(&r.periods, 0.5)).collect();
        let p99: Vec<f64> = runs.iter().map(|r| pct(&r.periods, 0.99)).collect();
        let mean: Vec<f64> = runs
            .iter()
            .map(|r| {
                r.periods.iter().map(Duration::as_secs_f64).sum::<f64>() / r.periods.len() as f64
            })
            .collect();
        let sustained = |period: f64, per: f64| ((1.0 - rate as f64 * period) / per).max(0.0);
        let mem = sustained(mean[0], per_event[0].1);
        let inline = sustained(mean[2], per_event[1].1);
        // The sync a poll that wrote pays, and how much of each second the
        // syncs take: outside the lock they overlap the events, but one
        // disk can still take only so many a second.
        let wrote = runs[2].wrote.max(1) as f64 / runs[2].periods.len() as f64;
        let sync = ((mean[2] - mean[1]) / wrote).max(0.0);
        let outside = if rate as f64 * wrote * sync <= 1.0 {
            sustained(mean[1], per_event[1].1)
        } else {
            0.0
        };
        let ratio = |s: f64| {
            if s > 0.0 {
                format!("{:.2}x", mem / s)
            } else {
                "sync-bound".to_owned()
            }
        };
        let us = |s: f64| format!("{:.1} µs", s * 1e6);
        println!(
            "{rate} | {}/{}, {}/{}, {}/{} | {} ({} of {} polls wrote) | {:.2} M, {:.2} M, {:.2} M | {} / {}",
            us(med[0]),
            us(p99[0]),
            us(med[1]),
            us(p99[1]),
            us(med[2]),
            us(p99[2]),
            us(sync),
            runs[2].wrote,
            runs[2].periods.len(),
            mem / 1e6,
            inline / 1e6,
            outside / 1e6,
            ratio(inline),
            ratio(outside),
        );
        println!(
            "summary durable_rate rate={rate} memory_events_per_s={mem:.0} sustained_inline={inline:.0} sustained_outside={outside:.0} overhead_inline={:.3} overhead_outside={:.3} sync_us={:.1} poll_events={} polls={polls} polls_that_wrote={}",
            if inline > 0.0 { mem / inline } else { f64::INFINITY },
            if outside > 0.0 { mem / outside } else { f64::INFINITY },
            sync * 1e6,
            runs[0].events,
            runs[2].wrote,
        );
    }
}
