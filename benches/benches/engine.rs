//! Engine benches: event-handling throughput through the public API, and the
//! cost of `poll` at 100k vs 10M contacts (it must not grow with the list).
//!
//! `cargo bench -p dialcore-benches --bench engine`

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use dialcore::{CallId, Campaign, CampaignConfig, Command, Disposition, Event, Mode, OperatorId};

const OPERATORS: usize = 1_000;

fn numbers(n: usize) -> Vec<u64> {
    (0..n as u64).map(|i| 12010000000 + i * 7).collect()
}

/// A predictive campaign (ratio 1: every answered call finds an operator)
/// with `contacts` contacts and `OPERATORS` ready operators.
fn campaign(contacts: usize) -> (Campaign, Vec<OperatorId>) {
    let config = CampaignConfig {
        predictive_ratio: 1.0,
        acw_limit_ms: 0,
        ..CampaignConfig::new(Mode::Predictive)
    };
    let mut c = Campaign::new(config).expect("valid config");
    c.add_numbers(&numbers(contacts), 0).expect("fits");
    let ops: Vec<OperatorId> = (0..OPERATORS).map(|_| c.add_operator()).collect();
    for &op in &ops {
        c.handle(Event::OperatorLogin(op), 0).unwrap();
        c.handle(Event::OperatorReady(op), 0).unwrap();
    }
    (c, ops)
}

/// One round: poll (dials one call per ready operator), then answer, end and
/// close ACW of every call. Returns the events handled.
fn round(c: &mut Campaign, now: &mut u64, out: &mut Vec<Command>, calls: &mut Vec<CallId>) -> u64 {
    out.clear();
    calls.clear();
    *now += 1_000;
    c.poll(*now, out);
    calls.extend(out.iter().filter_map(|cmd| match cmd {
        Command::Dial { call, .. } => Some(*call),
        _ => None,
    }));
    let mut events = 0;
    for &call in calls.iter() {
        c.handle(Event::Answered(call), *now).unwrap();
        events += 1;
    }
    for &call in calls.iter() {
        c.handle(Event::CallEnded(call), *now + 500).unwrap();
        events += 1;
    }
    for &call in calls.iter() {
        let operator = c.operator_of(call.contact).expect("in ACW");
        c.handle(
            Event::AcwDone {
                operator,
                contact: call.contact,
                disposition: Disposition::Done,
            },
            *now + 600,
        )
        .unwrap();
        events += 1;
    }
    *now += 600;
    events
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
            campaign: campaign(contacts).0,
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
        let (mut campaign, _) = campaign(contacts);
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
}

criterion_group!(benches, event_throughput, poll_cost, summary);
criterion_main!(benches);
