//! The traps of issue 19: calls whose cost grew with the list where it
//! should not. One group per trap, each at several sizes so a flat line shows
//! the cost does not grow; after the groups, same-run summary lines.
//!
//! - `traps/next_deadline_<N>` (10k, 100k, 1M, 10M pending timers, all
//!   30–31 min out, so they share one or two top slots — the case that used
//!   to walk a whole slot list): `next_deadline`, `deadline` of a random key,
//!   and a random cancel + re-arm followed by `next_deadline`.
//! - `traps/blacklist_<N>` (1M, 10M numbers, every 10th the number of one of
//!   1M contacts): `Campaign::blacklist_numbers` against the bare
//!   `Blacklist::insert_many` of the same numbers (the floor: the contact
//!   effects are the difference), and at 1M the one-at-a-time
//!   `Event::BlacklistAdd` path that `blacklist_numbers` used to take.
//! - `traps/scan_10M` (10M contacts, every 1000th RetryScheduled):
//!   `ids_in_state(..).count()`, the histogram `recount()`, and the read
//!   bandwidth of the same machine in the same run: the sum of a 10 MB
//!   `Vec<u8>` (as `u64` words). The summary prints each scan's ratio to that sum.
//! - `traps/window_<N>` (10k, 100k, 1M, 10M contacts in one zone, a daily
//!   09:00–20:00 calling window, a preview campaign with one operator): the
//!   first poll after the window closes (which used to pop and park the
//!   whole queue) and the poll at its opening (which used to requeue them
//!   all). Each timed poll is one day's close or open of the same campaign;
//!   between them the operator logs out and in, so nothing is used up.
//! - `traps/pacing_<N>` (10k … 10M contacts, a predictive fixed-ratio
//!   campaign, 200 ready operators and 300 calls ringing): a poll, whose
//!   pacing decision used to gather every operator and sort every ringing
//!   call; it now reads counts.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use dialcore::blacklist::Blacklist;
use dialcore::event::Event;
use dialcore::state::State;
use dialcore::store::{ContactId, ContactStore};
use dialcore::wheel::Wheel;
use dialcore::window::WeeklyWindow;
use dialcore::zones::ZoneId;
use dialcore::{Campaign, CampaignConfig, Command, Mode, OperatorId};

/// A realistic epoch millisecond.
const T0: u64 = 1_764_000_000_123;
/// Timers are due 30 min out, spread over one minute.
const OUT_MS: u64 = 30 * 60_000;
const SPREAD_MS: u64 = 60_000;

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// `n` US-like 11-digit numbers from a fixed seed.
fn numbers(n: usize, seed: u64) -> Vec<u64> {
    let mut x = seed;
    (0..n)
        .map(|_| 12_010_000_000 + splitmix64(&mut x) % 7_889_999_999)
        .collect()
}

fn quick() -> bool {
    std::env::var_os("DIALCORE_BENCH_QUICK").is_some()
}

/// Best of `runs` timed calls of `f`.
fn best<T>(runs: usize, mut f: impl FnMut() -> T) -> Duration {
    (0..runs)
        .map(|_| {
            let t = Instant::now();
            black_box(f());
            t.elapsed()
        })
        .min()
        .unwrap_or_default()
}

/// A wheel with `n` timers 30–31 min out, and random keys to query.
fn wheel_of(n: usize) -> (Wheel, Vec<u32>) {
    let mut rng = 0x7EE1_u64;
    let mut wheel = Wheel::with_keys(n, T0);
    for key in 0..n as u32 {
        wheel.arm(key, T0 + OUT_MS + splitmix64(&mut rng) % SPREAD_MS);
    }
    let keys = (0..4096)
        .map(|_| (splitmix64(&mut rng) % n as u64) as u32)
        .collect();
    (wheel, keys)
}

const WHEEL_SIZES: [(&str, usize); 4] = [
    ("10k", 10_000),
    ("100k", 100_000),
    ("1M", 1_000_000),
    ("10M", 10_000_000),
];

fn next_deadline(c: &mut Criterion) {
    for (label, n) in WHEEL_SIZES {
        let (mut wheel, keys) = wheel_of(n);
        let mut group = c.benchmark_group(format!("traps/next_deadline_{label}"));
        group.sample_size(10);
        group.bench_function("next_deadline", |b| {
            b.iter(|| black_box(&wheel).next_deadline())
        });
        let mut i = 0;
        group.bench_function("deadline_random_key", |b| {
            b.iter(|| {
                i = (i + 1) & 4095;
                black_box(&wheel).deadline(keys[i])
            })
        });
        group.bench_function("cancel_rearm_then_next_deadline", |b| {
            b.iter(|| {
                i = (i + 1) & 4095;
                let key = keys[i];
                let when = wheel.deadline(key).expect("armed");
                wheel.cancel(key);
                let next = wheel.next_deadline();
                wheel.arm(key, when);
                next
            })
        });
        group.finish();
    }
}

/// A campaign with 1M contacts, and `n` numbers to blacklist of which every
/// 10th is a contact's.
fn blacklist_setup(n: usize) -> (Campaign, Vec<u64>) {
    let contacts = numbers(1_000_000, 0xC0);
    let mut list = numbers(n, 0xB1);
    for (i, slot) in list.iter_mut().enumerate().step_by(10) {
        *slot = contacts[(i / 10) % contacts.len()];
    }
    let config = CampaignConfig {
        default_country: Some(1),
        ..CampaignConfig::new(Mode::Predictive)
    };
    let mut campaign = Campaign::new(config).expect("valid config");
    campaign.add_numbers(&contacts, 0).expect("fits");
    (campaign, list)
}

fn blacklist(c: &mut Criterion) {
    for (label, n) in [("1M", 1_000_000usize), ("10M", 10_000_000)] {
        let (campaign, list) = blacklist_setup(n);
        let mut group = c.benchmark_group(format!("traps/blacklist_{label}"));
        group.sample_size(10);
        group.measurement_time(Duration::from_secs(if n > 1_000_000 { 12 } else { 4 }));
        group.bench_function("blacklist_numbers", |b| {
            b.iter_batched(
                || clone_campaign(&campaign),
                |mut c| {
                    c.blacklist_numbers(black_box(&list));
                    c
                },
                BatchSize::PerIteration,
            )
        });
        group.bench_function("insert_many_baseline", |b| {
            b.iter_batched(
                Blacklist::new,
                |mut bl| {
                    bl.insert_many(black_box(&list));
                    bl
                },
                BatchSize::PerIteration,
            )
        });
        if n <= 1_000_000 {
            group.bench_function("one_at_a_time_events", |b| {
                b.iter_batched(
                    || clone_campaign(&campaign),
                    |mut c| {
                        for &number in &list {
                            c.handle(Event::BlacklistAdd(number), T0).expect("legal");
                        }
                        c
                    },
                    BatchSize::PerIteration,
                )
            });
        }
        group.finish();
        let runs = if quick() { 2 } else { 5 };
        let bulk = (0..runs)
            .map(|_| {
                let mut c = clone_campaign(&campaign);
                let t = Instant::now();
                c.blacklist_numbers(black_box(&list));
                t.elapsed()
            })
            .min()
            .unwrap_or_default();
        let floor = best(runs, || Blacklist::new().insert_many(&list));
        println!(
            "summary traps blacklist {label}: blacklist_numbers {:.1} ms, insert_many {:.1} ms",
            bulk.as_secs_f64() * 1e3,
            floor.as_secs_f64() * 1e3,
        );
    }
}

/// A fresh copy of the blacklist bench's campaign (the engine is not
/// `Clone`): the same contacts again.
fn clone_campaign(template: &Campaign) -> Campaign {
    let mut campaign = Campaign::new(template.config().clone()).expect("valid config");
    campaign
        .add_numbers(&template.store().numbers().to_vec(), 0)
        .expect("fits");
    campaign
}

fn scan(c: &mut Criterion) {
    const N: usize = 10_000_000;
    let mut store = ContactStore::new();
    store
        .extend_numbers(&numbers(N, 0x5EED), 0, ZoneId::DEFAULT, &Blacklist::new())
        .expect("fits");
    for i in (0..N).step_by(1000) {
        store
            .set_state(ContactId(i as u32), State::RetryScheduled)
            .expect("in range");
    }
    let bytes: Vec<u8> = (0..N).map(|i| (i % 251) as u8).collect();
    // The read bandwidth: every byte read once, summed as u64 words (a
    // vectorized add; a byte-wise widening sum is compute-bound here).
    let sum = |v: &[u8]| {
        v.chunks_exact(8)
            .map(|w| u64::from_le_bytes(w.try_into().expect("8 bytes")))
            .fold(0u64, u64::wrapping_add)
    };
    let mut group = c.benchmark_group("traps/scan_10M");
    group.sample_size(20);
    group.bench_function("bandwidth_sum_10MB", |b| b.iter(|| sum(black_box(&bytes))));
    group.bench_function("ids_in_state_sparse", |b| {
        b.iter(|| {
            black_box(&store)
                .ids_in_state(State::RetryScheduled)
                .count()
        })
    });
    group.bench_function("recount_histogram", |b| {
        b.iter(|| black_box(&store).recount())
    });
    group.finish();
    let runs = if quick() { 20 } else { 50 };
    let bw = best(runs, || sum(black_box(&bytes)));
    let ids = best(runs, || {
        black_box(&store)
            .ids_in_state(State::RetryScheduled)
            .count()
    });
    let hist = best(runs, || black_box(&store).recount());
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "summary traps scan 10M: read bandwidth (sum of 10 MB) {:.3} ms ({:.1} GB/s); ids_in_state {:.3} ms = {:.2}x; recount {:.3} ms = {:.2}x",
        ms(bw),
        N as f64 / bw.as_secs_f64() / 1e9,
        ms(ids),
        ids.as_secs_f64() / bw.as_secs_f64(),
        ms(hist),
        hist.as_secs_f64() / bw.as_secs_f64(),
    );
}

const CAMPAIGN_SIZES: [(&str, usize); 4] = [
    ("10k", 10_000),
    ("100k", 100_000),
    ("1M", 1_000_000),
    ("10M", 10_000_000),
];

/// 2025-06-02 (a Monday) 00:00 UTC.
const MON_0Z: u64 = 1_748_822_400_000;
const HOUR_MS: u64 = 3_600_000;
const DAY_MS: u64 = 24 * HOUR_MS;
/// The window bench starts a fresh campaign past this day (year ~4760).
const WINDOW_DAYS_END: u64 = MON_0Z + 1_000_000 * DAY_MS;

/// A preview campaign of `n` contacts behind a daily 09–20 UTC window, its
/// operator logged in and ready, and the time of the first opening polled.
fn window_setup(n: usize) -> (Campaign, OperatorId, u64) {
    let config = CampaignConfig {
        default_country: Some(1),
        calling_window: WeeklyWindow::parse("Mon-Sun 09:00-20:00").expect("valid window"),
        ..CampaignConfig::new(Mode::Preview)
    };
    let mut campaign = Campaign::new(config).expect("valid config");
    campaign.add_numbers(&numbers(n, 0x3A), 0).expect("fits");
    let op = campaign.add_operator();
    let start = MON_0Z + 8 * HOUR_MS;
    campaign
        .handle(Event::OperatorLogin(op), start)
        .expect("legal");
    campaign
        .handle(Event::OperatorReady(op), start)
        .expect("legal");
    let mut out = Vec::new();
    campaign.poll(start, &mut out).expect("in range");
    (campaign, op, start)
}

/// One day of the window bench: the operator's offer is taken back (logout,
/// login, ready), then the poll at 20:00 of `day` and the poll at 09:00 the
/// next day. Returns the two polls' times.
fn window_day(c: &mut Campaign, op: OperatorId, day: u64) -> (Duration, Duration) {
    let close = day + 20 * HOUR_MS;
    let open = day + DAY_MS + 9 * HOUR_MS;
    for event in [
        Event::OperatorLogout(op),
        Event::OperatorLogin(op),
        Event::OperatorReady(op),
    ] {
        c.handle(event, close).expect("legal");
    }
    let mut out = Vec::new();
    let t = Instant::now();
    c.poll(close, &mut out).expect("in range");
    let closing = t.elapsed();
    debug_assert!(!out.iter().any(|cmd| matches!(cmd, Command::Offer { .. })));
    out.clear();
    let t = Instant::now();
    c.poll(open, &mut out).expect("in range");
    let opening = t.elapsed();
    debug_assert!(out.iter().any(|cmd| matches!(cmd, Command::Offer { .. })));
    (closing, opening)
}

fn window(c: &mut Criterion) {
    for (label, n) in CAMPAIGN_SIZES {
        let (mut campaign, op, start) = window_setup(n);
        let mut day = start - 8 * HOUR_MS;
        let mut group = c.benchmark_group(format!("traps/window_{label}"));
        group.sample_size(10);
        for (name, closing) in [("first_poll_after_close", true), ("poll_at_open", false)] {
            group.bench_function(name, |b| {
                b.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        if day > WINDOW_DAYS_END {
                            // A day per iteration: start again (untimed)
                            // before the clock runs past MAX_TIME_MS.
                            let (fresh, _, start) = window_setup(n);
                            campaign = fresh;
                            day = start - 8 * HOUR_MS;
                        }
                        let (close, open) = window_day(&mut campaign, op, day);
                        total += if closing { close } else { open };
                        day += DAY_MS;
                    }
                    total
                })
            });
        }
        group.finish();
        let days = if quick() { 20 } else { 100 };
        let (mut close, mut open) = (Duration::MAX, Duration::MAX);
        for _ in 0..days {
            let (a, b) = window_day(&mut campaign, op, day);
            close = close.min(a);
            open = open.min(b);
            day += DAY_MS;
        }
        println!(
            "summary traps window {label}: first poll after close {:.1} us, poll at open {:.1} us",
            close.as_secs_f64() * 1e6,
            open.as_secs_f64() * 1e6,
        );
    }
}

/// A predictive fixed-ratio campaign of `n` contacts with 200 ready
/// operators and the 300 calls its first poll dialed ringing.
fn pacing_setup(n: usize) -> (Campaign, u64) {
    let config = CampaignConfig {
        default_country: Some(1),
        abandon_guard: dialcore::config::AbandonGuard::Expected,
        ..CampaignConfig::new(Mode::Predictive)
    };
    let mut campaign = Campaign::new(config).expect("valid config");
    campaign.add_numbers(&numbers(n, 0x9A), 0).expect("fits");
    for _ in 0..200 {
        let op = campaign.add_operator();
        campaign
            .handle(Event::OperatorLogin(op), T0)
            .expect("legal");
        campaign
            .handle(Event::OperatorReady(op), T0)
            .expect("legal");
    }
    let mut out = Vec::new();
    campaign.poll(T0, &mut out).expect("in range");
    assert_eq!(out.len(), 300, "1.5 calls per ready operator");
    (campaign, T0 + 1)
}

fn pacing(c: &mut Criterion) {
    for (label, n) in CAMPAIGN_SIZES {
        let (mut campaign, now) = pacing_setup(n);
        let mut out = Vec::new();
        let mut group = c.benchmark_group(format!("traps/pacing_{label}"));
        group.sample_size(20);
        group.bench_function("poll_fixed_ratio_300_ringing", |b| {
            b.iter(|| {
                out.clear();
                campaign.poll(now, &mut out).expect("in range");
                out.len()
            })
        });
        group.finish();
        let runs = if quick() { 200 } else { 2_000 };
        let poll = best(runs, || {
            out.clear();
            campaign.poll(now, &mut out).expect("in range");
        });
        assert!(out.is_empty(), "nothing more to dial while 300 ring");
        println!(
            "summary traps pacing {label}: poll {:.2} us (200 ready operators, 300 ringing)",
            poll.as_secs_f64() * 1e6,
        );
    }
}

criterion_group!(benches, next_deadline, blacklist, scan, window, pacing);
criterion_main!(benches);
