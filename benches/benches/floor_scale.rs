//! The floor at scale (issue 16, item 9): campaigns of 100k contacts each
//! and 5,000 operators in one `dialcore::Floor`; the cost of a poll and of
//! an event as the number of campaigns grows from 10 to 100 (and 1,000 —
//! 100M contacts — with `DIALCORE_BENCH_BIG=1`).
//!
//! **Workload.** 5,000 operators in 10 pools of 500; campaign `i` is
//! predictive and served by pool `i % 10` (so every size has the same
//! operators and pools, only the campaigns multiply); all operators log in
//! and are ready. The first polls dial up to what pacing allows; then each
//! *turn* advances the clock by 1 ms, reports the oldest call in flight as
//! `Rejected` (busy: the contact is retried later, its operator stays
//! ready), and polls, which dials about one contact to replace it — the
//! floor's dial path (campaign chosen by priority and weight, its contact
//! selected, its guards and the floor's) at a steady rate.
//!
//! `cargo bench -p dialcore-benches --bench floor_scale` runs the criterion
//! groups `floor_scale/event/{N}` (one `Floor::handle`) and
//! `floor_scale/poll/{N}` (one `Floor::poll` after it), then prints
//! `summary` lines: the build time and resident-set growth of each floor
//! (bytes a contact), ns an event and a poll at each size (best of 3
//! passes of 100k turns), and the ratios `floor poll 100/10 = ..x`,
//! `floor event 100/10 = ..x` (and `1000/10` with `DIALCORE_BENCH_BIG=1`):
//! flat is the goal (a poll costs by what is due, never by the number of
//! campaigns). `DIALCORE_BENCH_QUICK=1` uses 10k contacts a campaign.

use std::collections::VecDeque;
use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::Criterion;
use dialcore::floor::{CampaignId, PoolId};
use dialcore::{CallId, CampaignConfig, Command, Event, Floor, FloorCommand, FloorEvent, Mode};

const T0: u64 = 1_764_000_000_123;
const OPERATORS: u32 = 5_000;
const POOLS: u32 = 10;

/// Resident set size, bytes (0 if unavailable).
fn rss() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|r| r.trim().trim_end_matches("kB").trim().parse::<usize>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// A floor under the turn workload.
struct Scale {
    floor: Floor,
    now: u64,
    /// Calls in flight, oldest first.
    calls: VecDeque<(CampaignId, CallId)>,
    out: Vec<FloorCommand>,
    campaigns: u32,
    contacts: u64,
    build_s: f64,
    rss_growth: usize,
}

impl Scale {
    fn build(campaigns: u32, per_campaign: u32) -> Scale {
        let before = rss();
        let started = Instant::now();
        let mut floor = Floor::new();
        let pools: Vec<PoolId> = (0..POOLS)
            .map(|p| floor.add_pool(&format!("pool-{p}")).unwrap())
            .collect();
        let mut next_number = 12_000_000_000u64;
        let mut numbers = Vec::with_capacity(per_campaign as usize);
        for i in 0..campaigns {
            let config = CampaignConfig::new(Mode::Predictive);
            let c = floor
                .add_campaign(&format!("c{i}"), config, (i % 4) as u8, 1 + i % 10)
                .unwrap();
            numbers.clear();
            numbers.extend((0..u64::from(per_campaign)).map(|k| next_number + k));
            next_number += u64::from(per_campaign);
            floor
                .campaign_mut(c)
                .unwrap()
                .add_numbers(&numbers, 0)
                .unwrap();
            floor.assign(pools[(i % POOLS) as usize], c).unwrap();
        }
        for o in 0..OPERATORS {
            let op = floor.add_operator(pools[(o % POOLS) as usize]).unwrap();
            for ev in [Event::OperatorLogin(op), Event::OperatorReady(op)] {
                floor
                    .handle(
                        FloorEvent {
                            campaign: None,
                            event: ev,
                        },
                        T0,
                    )
                    .unwrap();
            }
        }
        let build_s = started.elapsed().as_secs_f64();
        let mut s = Scale {
            floor,
            now: T0,
            calls: VecDeque::new(),
            out: Vec::with_capacity(4096),
            campaigns,
            contacts: u64::from(campaigns) * u64::from(per_campaign),
            build_s,
            rss_growth: rss().saturating_sub(before),
        };
        // Dial up to what pacing allows, then settle.
        for _ in 0..10 {
            s.now += 1;
            s.poll();
        }
        for _ in 0..20_000 {
            s.turn();
        }
        s
    }

    fn poll(&mut self) {
        self.out.clear();
        self.floor.poll(self.now, &mut self.out).unwrap();
        for c in &self.out {
            if let Command::Dial { call, .. } = c.command {
                self.calls.push_back((c.campaign, call));
            }
        }
    }

    /// The event of a turn: the oldest call in flight was busy. Returns
    /// whether there was one.
    fn event(&mut self) -> bool {
        self.now += 1;
        while let Some((campaign, call)) = self.calls.pop_front() {
            let ev = FloorEvent {
                campaign: Some(campaign),
                event: Event::Rejected(call),
            };
            // A call the floor ended already (a ring timeout) is stale: skip it.
            if self.floor.handle(ev, self.now).is_ok() {
                return true;
            }
        }
        false
    }

    fn turn(&mut self) {
        self.event();
        self.poll();
    }

    /// ns an event and ns a poll, best of 3 passes of `turns` turns.
    fn ns_per_turn(&mut self, turns: u32) -> (f64, f64) {
        let mut best = (f64::MAX, f64::MAX);
        for _ in 0..3 {
            let (mut event_ns, mut poll_ns) = (0u128, 0u128);
            for _ in 0..turns {
                let t = Instant::now();
                black_box(self.event());
                let u = Instant::now();
                self.poll();
                let v = Instant::now();
                event_ns += (u - t).as_nanos();
                poll_ns += (v - u).as_nanos();
            }
            best.0 = best.0.min(event_ns as f64 / f64::from(turns));
            best.1 = best.1.min(poll_ns as f64 / f64::from(turns));
        }
        best
    }
}

fn main() {
    let big = std::env::var_os("DIALCORE_BENCH_BIG").is_some_and(|v| v == "1");
    let quick = std::env::var_os("DIALCORE_BENCH_QUICK").is_some_and(|v| v == "1");
    let per_campaign = if quick { 10_000 } else { 100_000 };
    let sizes: &[u32] = if big { &[10, 100, 1_000] } else { &[10, 100] };
    let mut c = Criterion::default()
        .measurement_time(Duration::from_secs(if quick { 2 } else { 4 }))
        .configure_from_args();
    let mut figures = Vec::new();
    for &n in sizes {
        let mut s = Scale::build(n, per_campaign);
        {
            let mut g = c.benchmark_group("floor_scale");
            g.bench_function(format!("event/{n}"), |b| {
                b.iter_custom(|iters| {
                    let mut spent = Duration::ZERO;
                    for _ in 0..iters {
                        let t = Instant::now();
                        black_box(s.event());
                        spent += t.elapsed();
                        s.poll();
                    }
                    spent
                })
            });
            g.bench_function(format!("poll/{n}"), |b| {
                b.iter_custom(|iters| {
                    let mut spent = Duration::ZERO;
                    for _ in 0..iters {
                        s.event();
                        let t = Instant::now();
                        s.poll();
                        spent += t.elapsed();
                    }
                    spent
                })
            });
            g.finish();
        }
        let (event_ns, poll_ns) = s.ns_per_turn(100_000);
        println!(
            "summary floor {n} campaigns x {per_campaign} contacts ({:.1}M), {OPERATORS} operators: \
             built in {:.1} s, {:.1} bytes a contact resident; {event_ns:.0} ns an event, \
             {poll_ns:.0} ns a poll; {} calls in flight",
            s.contacts as f64 / 1e6,
            s.build_s,
            s.rss_growth as f64 / s.contacts as f64,
            s.calls.len()
        );
        figures.push((n, event_ns, poll_ns, s.campaigns));
        drop(s);
    }
    let (_, e10, p10, _) = figures[0];
    for &(n, e, p, _) in &figures[1..] {
        println!("summary floor poll {n}/10 = {:.2}x", p / p10);
        println!("summary floor event {n}/10 = {:.2}x", e / e10);
    }
    c.final_summary();
}
