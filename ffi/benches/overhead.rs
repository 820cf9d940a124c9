//! Overhead of one `dc_campaign_handle` call through the C ABI (null checks,
//! reading the C event, catch_unwind, the uncontended lock) against calling
//! `Campaign::handle` directly, side by side on the same event sequence.
//!
//! `cargo bench -p dialcore-ffi --bench overhead`

use std::hint::black_box;
use std::ptr;
use std::time::Instant;

use criterion::{criterion_group, Criterion};
use dialcore::*;
use engine::{Campaign, CampaignConfig, Event, Mode, OperatorId};

/// Each iteration sends one event; the pair alternates so every call changes
/// state and none fails (a failing call would measure message formatting).
const PAIR: [dc_event_kind; 2] = [dc_event_kind::OperatorPause, dc_event_kind::OperatorReady];

fn rust_campaign() -> Campaign {
    let mut c = Campaign::new(CampaignConfig::new(Mode::Predictive)).unwrap();
    let op = c.add_operator();
    c.handle(Event::OperatorLogin(op), 0).unwrap();
    c
}

fn c_campaign() -> *mut dc_campaign {
    let mut cfg = dc_config_default();
    cfg.mode = dc_mode::Predictive;
    let mut c = ptr::null_mut();
    // SAFETY: valid pointers.
    unsafe {
        assert_eq!(dc_campaign_new(&cfg, &mut c), dc_status::Ok);
        let mut op = 0;
        assert_eq!(dc_campaign_add_operator(c, &mut op), dc_status::Ok);
        let ev = c_event(dc_event_kind::OperatorLogin);
        assert_eq!(dc_campaign_handle(c, &ev, 0), dc_status::Ok);
    }
    c
}

fn c_event(kind: dc_event_kind) -> dc_event {
    dc_event {
        kind,
        contact: 0,
        attempt: 0,
        operator_id: 0,
        number: 0,
        disposition: dc_disposition::Done,
        callback_at_ms: 0,
        callback_expires_ms: 0,
        retry_delay_ms: 0,
        disposition_code: 0,
    }
}

fn rust_event(i: u64) -> Event {
    if i & 1 == 0 {
        Event::OperatorReady(OperatorId(0))
    } else {
        Event::OperatorPause(OperatorId(0))
    }
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("handle");
    let mut campaign = rust_campaign();
    let mut i = 0u64;
    g.bench_function("rust Campaign::handle", |b| {
        b.iter(|| {
            i += 1;
            campaign.handle(black_box(rust_event(i)), 1).unwrap();
        })
    });
    let handle = c_campaign();
    let events = [c_event(PAIR[0]), c_event(PAIR[1])];
    let mut j = 0usize;
    g.bench_function("C ABI dc_campaign_handle", |b| {
        b.iter(|| {
            j += 1;
            // SAFETY: a live campaign and a valid event.
            let s = unsafe { dc_campaign_handle(handle, black_box(&events[j & 1]), 1) };
            debug_assert_eq!(s, dc_status::Ok);
            black_box(s);
        })
    });
    g.finish();
    // SAFETY: freed once, after the last use.
    unsafe { dc_campaign_free(handle) };
}

/// A plain timed loop of both, printed side by side with the difference.
fn summary() {
    const N: u64 = 5_000_000;
    let mut best = (f64::MAX, f64::MAX);
    for _ in 0..5 {
        let mut campaign = rust_campaign();
        let t = Instant::now();
        for i in 0..N {
            campaign.handle(black_box(rust_event(i)), 1).unwrap();
        }
        best.0 = best.0.min(t.elapsed().as_nanos() as f64 / N as f64);

        let handle = c_campaign();
        let events = [c_event(PAIR[1]), c_event(PAIR[0])];
        let t = Instant::now();
        for i in 0..N {
            // SAFETY: a live campaign and a valid event.
            let s = unsafe { dc_campaign_handle(handle, black_box(&events[(i & 1) as usize]), 1) };
            assert_eq!(s, dc_status::Ok);
        }
        best.1 = best.1.min(t.elapsed().as_nanos() as f64 / N as f64);
        // SAFETY: freed once.
        unsafe { dc_campaign_free(handle) };
    }
    println!(
        "\nsummary (best of 5 x {N} calls): Rust Campaign::handle {:.1} ns, \
         C ABI dc_campaign_handle {:.1} ns, added {:.1} ns per call (target < 40 ns)",
        best.0,
        best.1,
        best.1 - best.0
    );
}

criterion_group!(benches, bench);

fn main() {
    benches();
    summary();
    Criterion::default().configure_from_args().final_summary();
}
