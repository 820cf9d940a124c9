//! Caller ID choice per dial (issue 15, item 5): a predictive poll of 100
//! dials with a 1,000-number caller-ID pool (local presence over 100 area
//! codes, least used in the last hour) against the same poll with only a
//! default caller ID. The difference is the pool's cost per dial; the goal
//! is O(log n) per dial (an ordered set per area code and a FIFO of the
//! hour's uses), so it must stay a small fraction of a dial.
//!
//! `cargo bench -p dialcore-benches --bench calls`

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use dialcore::{Campaign, CampaignConfig, Command, Event, Mode};

const CONTACTS: u64 = 200_000;
const BATCH: usize = 100;
const AREAS: u64 = 100;
const POOL: u64 = 1_000;

/// A NANP number in area code 201 + (i % AREAS).
fn number(i: u64) -> u64 {
    let area = 201 + i % AREAS;
    10_000_000_000 + area * 10_000_000 + 2_000_000 + i % 8_000_000
}

fn campaign(pool: bool) -> Campaign {
    let caller_id_pool = if pool {
        (0..POOL)
            .map(|i| format!("+{}", number(i * 7919)))
            .collect()
    } else {
        Vec::new()
    };
    let mut c = Campaign::new(CampaignConfig {
        caller_id: "+18005550000".into(),
        caller_id_pool,
        predictive_ratio: 1.0,
        abandon_guard: dialcore::config::AbandonGuard::Expected,
        retry: dialcore::retry::RetryPolicy {
            no_answer: dialcore::retry::RetryRule::after(1),
            max_attempts: 254,
            ..Default::default()
        },
        ..CampaignConfig::new(Mode::Predictive)
    })
    .expect("valid config");
    let numbers: Vec<u64> = (0..CONTACTS).map(number).collect();
    c.add_numbers(&numbers, 0).expect("added");
    for _ in 0..BATCH {
        let op = c.add_operator();
        c.handle(Event::OperatorLogin(op), 0).unwrap();
        c.handle(Event::OperatorReady(op), 0).unwrap();
    }
    c
}

fn bench(cr: &mut Criterion) {
    let mut g = cr.benchmark_group("calls");
    g.throughput(Throughput::Elements(BATCH as u64));
    for (name, pool) in [
        ("poll_100_dials_default_caller_id", false),
        ("poll_100_dials_pool_1000", true),
    ] {
        let mut c = campaign(pool);
        let mut out = Vec::with_capacity(BATCH);
        let mut now = 1_000u64;
        g.bench_function(name, |b| {
            b.iter(|| {
                out.clear();
                c.poll(now, &mut out).unwrap();
                // Resolve the calls at once, so the next poll dials 100 again
                // (the busy number's contacts retry 1 ms later).
                for cmd in &out {
                    if let Command::Dial {
                        call, caller_id, ..
                    } = *cmd
                    {
                        black_box(caller_id);
                        c.handle(Event::Unreachable(call), now).unwrap();
                    }
                }
                now += 1_000;
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
