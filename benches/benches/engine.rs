//! Engine benches: event-handling throughput through the public API, and the
//! cost of `poll` at 100k vs 10M contacts (it must not grow with the list).
//!
//! Two workloads: the **round** (`engine_round`: every call answered at
//! once, in import order — the engine's best case) and the **realistic**
//! host (`realistic`: 1M contacts in random priority order, 3% blacklisted,
//! 2,000 operators, 70% of calls unanswered until the ring timeout, busy,
//! unreachable, machines, 15% answered, talked to and wrapped up, retries
//! coming due; 100 ms of host time per poll). `engine/realistic_1M_contacts`
//! times one poll period of the realistic host; the summary prints its
//! events per second next to the round's.
//!
//! `cargo bench -p dialcore-benches --bench engine`

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use dialcore::{CallId, Campaign, Command};

use dialcore_benches::engine_round::{config, populate, round, OPERATORS};
use dialcore_benches::realistic;

/// Operators of the realistic campaign here.
const REALISTIC_OPERATORS: usize = 2_000;

/// The realistic campaign, warmed up by two simulated minutes.
fn realistic_campaign() -> (Campaign, realistic::Host) {
    let mut c = Campaign::new(realistic::config()).expect("valid config");
    let mut rng = realistic::Rng::new(0x5eed_1919);
    realistic::populate(&mut c, 1_000_000, REALISTIC_OPERATORS, &mut rng);
    let mut host = realistic::Host::new(1_000, 7);
    for _ in 0..1_200 {
        host.step(&mut c, 100_000);
    }
    (c, host)
}

/// Simulated host time a warmed campaign is measured for before it is
/// rebuilt: the summary's 300 s. Left running for criterion's hundreds of
/// thousands of periods, the list would be used up (every contact terminal,
/// a poll with nothing to do) and the group would time an idle engine.
const REALISTIC_SPAN_US: u64 = 300_000_000;

fn realistic_periods(c: &mut Criterion) {
    let mut group = c.benchmark_group("engine/realistic_1M_contacts");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(5));
    let (mut campaign, mut host) = realistic_campaign();
    let mut started_us = host.now_us;
    group.bench_function("dialcore_poll_period_100ms", |b| {
        b.iter_custom(|iters| {
            let mut measured = Duration::ZERO;
            for _ in 0..iters {
                if host.now_us - started_us >= REALISTIC_SPAN_US {
                    // A fresh warmed campaign, outside the measured time.
                    (campaign, host) = realistic_campaign();
                    started_us = host.now_us;
                }
                let t = Instant::now();
                black_box(host.step(&mut campaign, 100_000));
                measured += t.elapsed();
            }
            measured
        })
    });
    group.finish();
}

/// A predictive campaign (ratio 1: every answered call finds an operator)
/// with `contacts` contacts and `OPERATORS` ready operators.
fn campaign(contacts: usize) -> Campaign {
    let mut c = Campaign::new(config()).expect("valid config");
    populate(&mut c, contacts);
    c
}

/// A campaign and its round state; rebuilt (outside the measured time) when
/// its list runs out, so every measured round does the same work.
struct Harness {
    contacts: usize,
    campaign: Campaign,
    rounds_left: usize,
    now: u64,
    out: Vec<Command>,
    calls: Vec<CallId>,
}

impl Harness {
    fn new(contacts: usize) -> Self {
        Harness {
            contacts,
            campaign: campaign(contacts),
            rounds_left: contacts / OPERATORS,
            now: 0,
            out: Vec::new(),
            calls: Vec::new(),
        }
    }

    /// Measures `iters` full rounds.
    fn measure(&mut self, iters: u64) -> Duration {
        let mut total = Duration::ZERO;
        for _ in 0..iters {
            if self.rounds_left == 0 {
                *self = Harness::new(self.contacts);
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

fn event_throughput(c: &mut Criterion) {
    let mut group = c.benchmark_group("engine/event_cycles_1M_contacts");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(5));
    // One round = 1000 dials and 3000 events (answered, ended, ACW done).
    group.throughput(Throughput::Elements(3 * OPERATORS as u64));
    let mut harness = Harness::new(1_000_000);
    group.bench_function("dialcore", |b| {
        b.iter_custom(|iters| harness.measure(iters))
    });
    group.finish();
}

fn poll_cost(c: &mut Criterion) {
    let mut group = c.benchmark_group("engine/poll_round");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(5));
    for contacts in [100_000usize, 10_000_000] {
        let mut harness = Harness::new(contacts);
        group.bench_function(format!("{contacts}_contacts"), |b| {
            b.iter_custom(|iters| harness.measure(iters))
        });
    }
    group.finish();
}

/// Same-run figures: events per second, and the poll-round cost ratio
/// between 10M and 100k contacts (it should be close to 1).
fn summary(_: &mut Criterion) {
    let measure = |contacts: usize, rounds: usize| {
        let mut campaign = campaign(contacts);
        let (mut out, mut calls, mut now) = (Vec::new(), Vec::new(), 0);
        round(&mut campaign, &mut now, &mut out, &mut calls);
        let started = Instant::now();
        let mut events = 0;
        for _ in 0..rounds {
            events += round(&mut campaign, &mut now, &mut out, &mut calls);
        }
        (started.elapsed(), events)
    };
    let (t_small, _) = measure(100_000, 50);
    let (t_big, events) = measure(10_000_000, 50);
    let (t_1m, events_1m) = measure(1_000_000, 200);
    println!("\n== engine summary ({OPERATORS} operators, predictive, ratio 1) ==");
    println!(
        "event cycles on 1M contacts: {:.2} M events/s ({} events in {:.2?}, polls included)",
        events_1m as f64 / t_1m.as_secs_f64() / 1e6,
        events_1m,
        t_1m
    );
    println!(
        "poll round (1000 dials + 3000 events): 100k contacts {:.2?}, 10M contacts {:.2?}, 10M/100k = {:.2}x",
        t_small / 50,
        t_big / 50,
        t_big.as_secs_f64() / t_small.as_secs_f64()
    );
    let _ = events;
    let (mut campaign, mut host) = realistic_campaign();
    let (events, dials) = (host.events, host.dials);
    let periods = 3_000;
    let started = Instant::now();
    for _ in 0..periods {
        host.step(&mut campaign, 100_000);
    }
    let wall = started.elapsed();
    let (events, dials) = (host.events - events, host.dials - dials);
    println!(
        "realistic host on 1M contacts ({REALISTIC_OPERATORS} operators, random priority order, 3% blacklisted, 70% unanswered, retries): {:.2} M events/s ({events} events and {dials} dials over {} simulated s in {wall:.2?}, polls included; {:.1} µs per 100 ms poll period)",
        events as f64 / wall.as_secs_f64() / 1e6,
        periods / 10,
        wall.as_secs_f64() * 1e6 / periods as f64
    );
}

criterion_group!(
    benches,
    event_throughput,
    poll_cost,
    realistic_periods,
    summary
);
criterion_main!(benches);
