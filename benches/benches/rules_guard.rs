//! The dial guard's cost with calling rules loaded, next to the same
//! campaign without rules.
//!
//! `cargo bench -p dialcore-benches --bench rules_guard`
//!
//! A predictive campaign of 200k NANP contacts over 14 area codes (New
//! York, Florida, Illinois, California, Arizona, Texas, Hawaii, Nova Scotia
//! / PEI, Alabama, Mississippi, Louisiana, Oklahoma, Massachusetts and
//! toll-free 800), 100 ready operators, ratio 1: one `poll` selects and
//! guards contacts until it has 100 `Dial`s. Timed: the poll. Outside the
//! timed part every call is rejected (busy, due again 1 ms later, so every
//! poll has 100 contacts to dial; after 254 attempts a contact is done) and
//! the clock moves 10 ms, so a whole criterion run stays within the same
//! daytime minutes (a run across the night would time idle polls). `rules_guard/poll_100_dials/no_rules` is the campaign
//! window alone; `…/us_example` has `docs/rules-us-example.toml` loaded (7
//! region rules, holidays, Florida- and Oklahoma-style 3-per-24 h caps), at
//! Wednesday 2026-03-04 17:00 UTC (noon in New York, 07:00 in Honolulu, whose
//! contacts are parked). The cost per dial is the reported time / 100;
//! contacts parked or capped on the way are part of it.

use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use dialcore::retry::RetryRule;
use dialcore::{CallId, Campaign, CampaignConfig, Command, Event, Mode};

const CONTACTS: usize = 200_000;
const BATCH: usize = 100;
const AREA_CODES: [u64; 14] = [
    212, 305, 312, 415, 602, 713, 808, 902, 205, 601, 504, 405, 800, 617,
];
/// Wednesday 2026-03-04 17:00 UTC.
const START: u64 = 1_772_643_600_000;

fn number(i: usize) -> u64 {
    let ac = AREA_CODES[i % AREA_CODES.len()];
    10_000_000_000 + ac * 10_000_000 + 2_000_000 + (i / AREA_CODES.len()) as u64
}

struct Harness {
    campaign: Campaign,
    now: u64,
    out: Vec<Command>,
}

impl Harness {
    fn new(rules: Option<&str>) -> Self {
        let mut config = CampaignConfig {
            predictive_ratio: 1.0,
            default_timezone: "America/New_York".into(),
            ..CampaignConfig::new(Mode::Predictive)
        };
        config.retry.busy = RetryRule::after(1);
        config.retry.max_attempts = 254;
        let mut campaign = Campaign::new(config).expect("valid config");
        if let Some(text) = rules {
            campaign.load_rules(text).expect("example rules load");
        }
        let numbers: Vec<u64> = (0..CONTACTS).map(number).collect();
        campaign.add_numbers(&numbers, 0).expect("fits");
        for _ in 0..BATCH {
            let op = campaign.add_operator();
            campaign.handle(Event::OperatorLogin(op), START).unwrap();
            campaign.handle(Event::OperatorReady(op), START).unwrap();
        }
        Harness {
            campaign,
            now: START,
            out: Vec::new(),
        }
    }

    /// `iters` polls; the time of the polls only.
    fn measure(&mut self, iters: u64) -> Duration {
        let mut total = Duration::ZERO;
        for _ in 0..iters {
            self.out.clear();
            let t = Instant::now();
            self.campaign.poll(self.now, &mut self.out).unwrap();
            total += t.elapsed();
            let calls: Vec<CallId> = self
                .out
                .iter()
                .filter_map(|c| match c {
                    Command::Dial { call, .. } => Some(*call),
                    _ => None,
                })
                .collect();
            for call in calls {
                self.campaign
                    .handle(Event::Rejected(call), self.now)
                    .unwrap();
            }
            self.now += 10;
        }
        total
    }
}

fn rules_guard(c: &mut Criterion) {
    let example = include_str!("../../docs/rules-us-example.toml");
    let mut plain = Harness::new(None);
    let mut ruled = Harness::new(Some(example));
    let mut group = c.benchmark_group("rules_guard/poll_100_dials");
    group.sample_size(20);
    group.throughput(Throughput::Elements(BATCH as u64));
    group.bench_function("no_rules", |b| b.iter_custom(|iters| plain.measure(iters)));
    group.bench_function("us_example", |b| {
        b.iter_custom(|iters| ruled.measure(iters))
    });
    group.finish();
}

/// Same-run figures on fresh campaigns: ns per dial each way.
fn summary(_: &mut Criterion) {
    let rounds = 300;
    let mut plain = Harness::new(None);
    let mut ruled = Harness::new(Some(include_str!("../../docs/rules-us-example.toml")));
    let p = plain.measure(rounds).as_nanos() as f64 / (rounds as f64 * BATCH as f64);
    let r = ruled.measure(rounds).as_nanos() as f64 / (rounds as f64 * BATCH as f64);
    println!(
        "summary rules_guard: {p:.0} ns per dial without rules, {r:.0} ns with the US example ({:.2}x), {rounds} polls of {BATCH}",
        r / p
    );
}

criterion_group!(benches, rules_guard, summary);
criterion_main!(benches);
