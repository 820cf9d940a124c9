//! The floor's building blocks (`dialcore::floor`): the cost of choosing a
//! campaign as the number of campaigns grows, of a trunk's line and token,
//! of the cross-campaign caps, and the national registry's memory and
//! lookup cost when shared by the floor's do-not-call lists.
//!
//! `cargo bench -p dialcore-benches --bench floor` runs:
//! - `floor_share/pick/{10,100,1000}`: one pool serving N campaigns of
//!   weights 1–10 over 4 priorities, all ready (the top priority's ring);
//!   `floor_share/pick_churn/{10,100,1000}`: the same, all at one priority,
//!   and every 8th pick one campaign runs out of contacts and the one that
//!   ran out before comes back (lazy ring entries dropped at the head).
//! - `floor_trunk/acquire_release` (one trunk) and
//!   `floor_trunk/acquire_failover` (a route whose first two trunks are
//!   full, so the third gives the line).
//! - `floor_caps/begin_end`: a dial and its end under a 24-hour and a
//!   7-day cap, with 1M numbers in the history.
//! - `floor_dnc/check_{hit,miss}`: a check through the registry (10M US
//!   numbers; 250M with `DIALCORE_BENCH_BIG=1`, which builds it once, about
//!   a minute and ~3 GB at the peak) and three lists in scope.
//!
//! `summary` lines after the groups: ns a pick at each size and the ratio
//! 1000 / 10 campaigns (flat is the goal: a pick is amortised O(1)); the
//! registry's build time, bytes a number (`heap_bytes` and resident-set
//! growth), what a second floor sharing it adds (nothing: one `Arc`), ns a
//! check; ns a trunk acquire; caps bytes a tracked number.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{BatchSize, Criterion, Throughput};
use dialcore::blacklist::Blacklist;
use dialcore::floor::caps::{Caps, CapsConfig};
use dialcore::floor::dnc::{DncLists, Scope};
use dialcore::floor::share::Share;
use dialcore::floor::trunk::{TrunkConfig, Trunks};
use dialcore::floor::{CampaignId, PoolId};

const T0: u64 = 1_764_000_000_123;
const SIZES: [u32; 3] = [10, 100, 1_000];

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A US-like number: 1, area code 201–989, seven digits.
fn us_number(state: &mut u64) -> u64 {
    let r = splitmix64(state);
    let area = 201 + (r >> 40) % 789;
    let line = r % 10_000_000;
    10_000_000_000 + area * 10_000_000 + line
}

/// Resident set size, bytes (0 if unavailable).
fn rss() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|r| r.trim().trim_end_matches("kB").trim().parse::<usize>().ok())
        .map_or(0, |kb| kb * 1024)
}

const P: PoolId = PoolId(0);

/// One pool serving `n` campaigns, all ready; `levels` priorities.
fn share(n: u32, levels: u32) -> Share {
    let mut s = Share::new();
    let mut x = 42;
    for i in 0..n {
        let c = CampaignId(i);
        let weight = 1 + (splitmix64(&mut x) % 10) as u32;
        s.add_campaign(c, (i % levels) as u8, weight).unwrap();
        s.assign(P, c).unwrap();
        s.set_ready(c, true).unwrap();
    }
    s
}

/// The churn workload: `picks` picks; every 8th, one campaign out, the
/// previous one back.
fn churn(s: &mut Share, n: u32, picks: u64, x: &mut u64, out: &mut Option<CampaignId>) -> u64 {
    let mut sum = 0u64;
    for i in 0..picks {
        if i % 8 == 0 {
            if let Some(c) = out.take() {
                s.set_ready(c, true).unwrap();
            }
            let c = CampaignId((splitmix64(x) % u64::from(n)) as u32);
            s.set_ready(c, false).unwrap();
            *out = Some(c);
        }
        sum += u64::from(s.pick(P).unwrap().0);
    }
    sum
}

/// ns a pick, best of 3 passes of 1M picks.
fn ns_per_pick(n: u32, with_churn: bool) -> f64 {
    let picks = 1_000_000u64;
    (0..3)
        .map(|_| {
            let mut s = share(n, if with_churn { 1 } else { 4 });
            let (mut x, mut out) = (7, None);
            let start = Instant::now();
            if with_churn {
                black_box(churn(&mut s, n, picks, &mut x, &mut out));
            } else {
                for _ in 0..picks {
                    black_box(s.pick(P));
                }
            }
            start.elapsed().as_nanos() as f64 / picks as f64
        })
        .fold(f64::MAX, f64::min)
}

fn share_group(c: &mut Criterion) {
    let mut g = c.benchmark_group("floor_share");
    g.throughput(Throughput::Elements(1));
    for n in SIZES {
        let mut s = share(n, 4);
        g.bench_function(format!("pick/{n}"), |b| b.iter(|| black_box(s.pick(P))));
    }
    for n in SIZES {
        let mut s = share(n, 1);
        let (mut x, mut out) = (7, None);
        g.throughput(Throughput::Elements(8));
        g.bench_function(format!("pick_churn/{n}"), |b| {
            b.iter(|| black_box(churn(&mut s, n, 8, &mut x, &mut out)))
        });
    }
    g.finish();
}

fn trunk_group(c: &mut Criterion) -> f64 {
    let mut g = c.benchmark_group("floor_trunk");
    g.throughput(Throughput::Elements(1));
    let mut trunks = Trunks::new();
    let t = trunks.add(TrunkConfig::new(1_000, 1_000), T0).unwrap();
    // 1 ms a call keeps the bucket at 1000/s topped up.
    let mut t_now = T0;
    g.bench_function("acquire_release", |b| {
        b.iter(|| {
            t_now += 1;
            let p = trunks.acquire(t, t_now).unwrap().unwrap();
            trunks.release(black_box(p)).unwrap();
        })
    });
    let mut routed = Trunks::new();
    let full: Vec<_> = (0..2)
        .map(|_| routed.add(TrunkConfig::new(1, 1_000), T0).unwrap())
        .collect();
    let free = routed.add(TrunkConfig::new(1_000, 1_000), T0).unwrap();
    let held: Vec<_> = full
        .iter()
        .map(|&f| routed.acquire(f, T0).unwrap().unwrap())
        .collect();
    routed
        .route(CampaignId(0), &[full[0], full[1], free])
        .unwrap();
    let mut now = T0;
    g.bench_function("acquire_failover", |b| {
        b.iter(|| {
            now += 1;
            let p = routed.acquire_for(CampaignId(0), now).unwrap().unwrap();
            routed.release(black_box(p)).unwrap();
        })
    });
    g.finish();
    for p in held {
        routed.release(p).unwrap();
    }
    let calls = 1_000_000u64;
    let start = Instant::now();
    for i in 0..calls {
        let p = trunks.acquire(t, t_now + i + 1).unwrap().unwrap();
        trunks.release(p).unwrap();
    }
    start.elapsed().as_nanos() as f64 / calls as f64
}

fn caps_group(c: &mut Criterion) -> (f64, usize) {
    let mut g = c.benchmark_group("floor_caps");
    g.throughput(Throughput::Elements(1));
    let config = CapsConfig {
        per_24h: 3,
        per_days: 7,
        days: 7,
    };
    let mut caps = Caps::new(config).unwrap();
    let mut x = 11;
    let tracked = 1_000_000;
    let numbers: Vec<u64> = (0..tracked).map(|_| us_number(&mut x)).collect();
    for (i, &n) in numbers.iter().enumerate() {
        caps.record_dial(n, T0 + i as u64 * 10);
    }
    let bytes = caps.heap_bytes() / caps.numbers_tracked().max(1);
    let mut now = T0 + tracked as u64 * 10;
    let mut i = 0usize;
    g.bench_function("begin_end", |b| {
        b.iter_batched(
            || {
                i = (i + 7_919) % numbers.len();
                now += 10;
                (numbers[i], now)
            },
            |(number, now)| {
                if let Ok(h) = caps.begin(number, CampaignId(0), now) {
                    caps.end(h).unwrap();
                }
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();
    (bytes as f64, caps.numbers_tracked())
}

struct Registry {
    size: usize,
    build_s: f64,
    heap_bytes: usize,
    rss_growth: usize,
    lists: DncLists,
    second_floor_bytes: usize,
    hits: Vec<u64>,
    misses: Vec<u64>,
}

fn registry(size: usize) -> Registry {
    let before = rss();
    let start = Instant::now();
    let mut registry = Blacklist::new();
    let mut x = 99;
    let mut hits = Vec::with_capacity(1 << 16);
    // Batches, so the input never needs more than one batch in memory.
    let batch = 1 << 24;
    let mut done = 0;
    let mut numbers = Vec::with_capacity(batch.min(size));
    while done < size {
        numbers.clear();
        let take = batch.min(size - done);
        numbers.extend((0..take).map(|_| us_number(&mut x)));
        if hits.len() < 1 << 16 {
            hits.extend_from_slice(&numbers[..take.min((1 << 16) - hits.len())]);
        }
        registry.insert_many(&numbers);
        done += take;
    }
    drop(numbers);
    registry.shrink_to_fit();
    let build_s = start.elapsed().as_secs_f64();
    let heap_bytes = registry.heap_bytes();
    let rss_growth = rss().saturating_sub(before);
    let registry = Arc::new(registry);
    let mut lists = DncLists::new();
    lists.set_registry(Some(Arc::clone(&registry)));
    let company = lists.add_list("company", Scope::Floor);
    let own = lists.add_list("campaign", Scope::Campaign(CampaignId(0)));
    let brand = lists.add_list(
        "brand",
        Scope::Campaigns(vec![CampaignId(0), CampaignId(1)]),
    );
    for (list, seed) in [(company, 1), (own, 2), (brand, 3)] {
        let mut y = seed;
        let numbers: Vec<u64> = (0..100_000).map(|_| us_number(&mut y)).collect();
        lists.add_many(list, &numbers).unwrap();
    }
    // A second floor with the same registry: its own lists only.
    let before_second = rss();
    let mut second = DncLists::new();
    second.set_registry(Some(Arc::clone(&registry)));
    let second_floor_bytes = second.heap_bytes() + rss().saturating_sub(before_second);
    drop(second);
    let mut y = 5;
    let misses: Vec<u64> = (0..1 << 16)
        .map(|_| us_number(&mut y))
        .filter(|&n| lists.check(n, CampaignId(0), T0).is_none())
        .collect();
    Registry {
        size,
        build_s,
        heap_bytes,
        rss_growth,
        lists,
        second_floor_bytes,
        hits,
        misses,
    }
}

fn dnc_group(c: &mut Criterion, r: &Registry) -> (f64, f64) {
    let mut g = c.benchmark_group("floor_dnc");
    g.throughput(Throughput::Elements(1));
    let mut i = 0usize;
    g.bench_function("check_hit", |b| {
        b.iter(|| {
            i = (i + 1) & (r.hits.len() - 1);
            black_box(r.lists.check(r.hits[i], CampaignId(0), T0))
        })
    });
    let mut i = 0usize;
    g.bench_function("check_miss", |b| {
        b.iter(|| {
            i = (i + 1) % r.misses.len();
            black_box(r.lists.check(r.misses[i], CampaignId(0), T0))
        })
    });
    g.finish();
    let ns = |queries: &[u64]| {
        let start = Instant::now();
        let mut found = 0;
        for _ in 0..10 {
            for &q in queries {
                found += usize::from(r.lists.check(q, CampaignId(0), T0).is_some());
            }
        }
        black_box(found);
        start.elapsed().as_nanos() as f64 / (10 * queries.len()) as f64
    };
    (ns(&r.hits), ns(&r.misses))
}

fn main() {
    let big = std::env::var_os("DIALCORE_BENCH_BIG").is_some_and(|v| v == "1");
    let quick = std::env::var_os("DIALCORE_BENCH_QUICK").is_some_and(|v| v == "1");
    let mut c = Criterion::default()
        .measurement_time(Duration::from_secs(if quick { 2 } else { 4 }))
        .configure_from_args();
    share_group(&mut c);
    let trunk_ns = trunk_group(&mut c);
    let (caps_bytes, tracked) = caps_group(&mut c);
    let size = if big { 250_000_000 } else { 10_000_000 };
    let r = registry(size);
    let (hit_ns, miss_ns) = dnc_group(&mut c, &r);

    let steady: Vec<f64> = SIZES.iter().map(|&n| ns_per_pick(n, false)).collect();
    let churned: Vec<f64> = SIZES.iter().map(|&n| ns_per_pick(n, true)).collect();
    for (name, figures) in [("pick", &steady), ("pick_churn", &churned)] {
        println!(
            "summary share {name}: {:.1} ns at 10 campaigns, {:.1} at 100, {:.1} at 1000; 1000/10 = {:.2}x",
            figures[0],
            figures[1],
            figures[2],
            figures[2] / figures[0]
        );
    }
    println!("summary trunk acquire+release: {trunk_ns:.1} ns");
    println!(
        "summary caps: {caps_bytes:.1} bytes a tracked number ({tracked} numbers, 24 h and 7-day caps)"
    );
    let m = r.size as f64 / 1e6;
    println!(
        "summary registry {m:.0}M: built in {:.1} s; {:.2} bytes a number (heap_bytes), {:.2} resident; \
         a second floor sharing it adds {} bytes",
        r.build_s,
        r.heap_bytes as f64 / r.size as f64,
        r.rss_growth as f64 / r.size as f64,
        r.second_floor_bytes
    );
    println!(
        "summary registry {m:.0}M + 3 lists check: {hit_ns:.0} ns hit, {miss_ns:.0} ns miss (random order)"
    );
    c.final_summary();
}
