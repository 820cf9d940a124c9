//! The pacer's CPU: the same 1M-contact simulation run with the dialcore
//! pacer and with the fixed-ratio pacer, per simulated event (the two dial
//! differently, so the runs have different event counts; the cost per
//! event is what the pacer adds). Issue 20's goal: dialcore at most 1.5×
//! the fixed-ratio pacer's time per event.
//!
//! The scenario is the simulator's default customers and operators with 1M
//! contacts and 100 operators, cut at `PACER_COST_HOURS` simulated hours
//! (default 50: shorter runs are mostly the load of the list, so the
//! per-event figure would hide the pacer). `pacer_cost/1M_contacts` times each pacer's run with
//! criterion; the summary prints both per-event times and their ratio from
//! one run each, side by side.
//!
//! `cargo bench -p dialcore-benches --bench pacer_cost` (the summary
//! alone, without criterion's repeated runs: append `-- summary_only`, a
//! filter no benchmark matches; `PACER_COST_HOURS=10` for a quick look;
//! `PACER_COST_ONLY=dialcore` or `fixed_ratio` for one pacer's run alone).

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use dialcore::pacing::Pacer;
use dialcore::{DialcorePacer, FixedRatioPacer};
use dialcore_sim::{run_paced, Scenario};

const CONTACTS: usize = 1_000_000;
const OPERATORS: usize = 100;

fn hours() -> f64 {
    std::env::var("PACER_COST_HOURS")
        .ok()
        .and_then(|h| h.parse().ok())
        .unwrap_or(50.0)
}

fn scenario() -> Scenario {
    Scenario {
        name: "pacer cost".to_owned(),
        contacts: CONTACTS,
        operators: OPERATORS,
        until_hours: Some(hours()),
        ..Scenario::default()
    }
}

fn pacer(dialcore: bool) -> Box<dyn Pacer> {
    if dialcore {
        Box::new(DialcorePacer::default())
    } else {
        Box::new(FixedRatioPacer::new(
            Scenario::default().campaign.predictive_ratio,
        ))
    }
}

/// One run: (wall time, simulated events).
fn run(s: &Scenario, dialcore: bool) -> (Duration, u64) {
    let started = Instant::now();
    let r = run_paced(s, pacer(dialcore), &mut |_| {}).expect("the scenario runs");
    (started.elapsed(), black_box(r.report.events))
}

fn runs(c: &mut Criterion) {
    let s = scenario();
    let mut group = c.benchmark_group("pacer_cost/1M_contacts");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));
    for (name, dialcore) in [("dialcore", true), ("fixed_ratio", false)] {
        group.bench_function(name, |b| {
            b.iter_custom(|iters| (0..iters).map(|_| run(&s, dialcore).0).sum())
        });
    }
    group.finish();
}

fn summary(_: &mut Criterion) {
    let s = scenario();
    // `PACER_COST_ONLY=dialcore` (or `fixed_ratio`) runs one pacer, for its
    // user CPU alone (`perf stat -e task-clock:u`), which a loaded machine
    // skews less than the wall time.
    if let Ok(which @ ("dialcore" | "fixed_ratio")) = std::env::var("PACER_COST_ONLY").as_deref() {
        let (t, e) = run(&s, which == "dialcore");
        println!("\n== pacer cost: {which} alone: {e} events in {t:.2?} ==");
        return;
    }
    let (t_fixed, e_fixed) = run(&s, false);
    let (t_dc, e_dc) = run(&s, true);
    let per = |t: Duration, e: u64| t.as_secs_f64() * 1e9 / e.max(1) as f64;
    let (ns_fixed, ns_dc) = (per(t_fixed, e_fixed), per(t_dc, e_dc));
    println!(
        "\n== pacer cost: 1M contacts, {OPERATORS} operators, {} simulated h ==",
        hours()
    );
    println!(
        "pacer cost per simulated event: dialcore {ns_dc:.0} ns ({e_dc} events in {t_dc:.2?}), fixed-ratio {ns_fixed:.0} ns ({e_fixed} events in {t_fixed:.2?}), dialcore/fixed = {:.2}x (goal ≤ 1.5x)",
        ns_dc / ns_fixed
    );
}

criterion_group!(benches, summary, runs);
criterion_main!(benches);
