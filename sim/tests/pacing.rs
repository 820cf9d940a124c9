//! Pacing in the simulator: each mode keeps the abandon guard, the stress
//! drifts do what they say, and the evaluation runs on a tiny matrix.

use dialcore::pacing::{Pacer, PacingInputs};
use dialcore::Mode;
use dialcore_sim::eval::{
    closed_form_progressive, evaluate, matrix_scenario, EvalOptions, PacerSpec, RunMetrics,
};
use dialcore_sim::rng::Rng;
use dialcore_sim::{run_paced, Drift, GuardName, StaffStep};

/// Ten operators, p = 0.3, half an hour: small enough for a debug build.
fn small(mode: Mode, seed: u64) -> dialcore_sim::Scenario {
    let mut s = matrix_scenario(10, 0.3, 0.5);
    s.set_mode(mode);
    s.seed = seed;
    s
}

#[test]
fn each_mode_keeps_the_abandon_guard() {
    for mode in [Mode::Preview, Mode::Progressive] {
        let run = run_paced(&small(mode, 3), PacerSpec::Dialcore.build(), &mut |_| {}).unwrap();
        let r = &run.report;
        assert_eq!(r.mode, mode.name());
        assert!(r.answered > 50, "{mode}: {}", r.render_text());
        assert_eq!(r.abandoned, 0, "{mode}: an operator is on every call");
    }
    for seed in 1..=3 {
        let dialcore = run_paced(
            &small(Mode::Predictive, seed),
            PacerSpec::Dialcore.build(),
            &mut |_| {},
        )
        .unwrap();
        let m = RunMetrics::of(&dialcore);
        assert!(m.abandon_rate <= 0.03, "seed {seed}: {}", m.abandon_rate);
        assert!(m.answered > 60, "{}", m.answered);
        assert!(m.occupancy > 0.5 && m.occupancy < 1.0, "{}", m.occupancy);
    }
}

/// Asks for a thousand calls at every poll.
#[derive(Debug)]
struct Greedy;

impl Pacer for Greedy {
    fn name(&self) -> String {
        "greedy".into()
    }
    fn dials(&mut self, _: &PacingInputs<'_>) -> usize {
        1_000
    }
}

#[test]
fn the_expected_guard_holds_a_runaway_pacer_to_one_call_per_free_operator() {
    let mut s = small(Mode::Predictive, 1);
    s.campaign.abandon_guard = GuardName::Expected;
    let run = run_paced(&s, Box::new(Greedy), &mut |_| {}).unwrap();
    let r = &run.report;
    // The first poll dials a thousand calls (the rate is 0 then); from
    // then on the rate is over the target and the guard holds the pacer to
    // 1:1, so almost nothing is dropped after the first burst.
    assert!(r.abandon_rate > 0.03, "{}", r.abandon_rate);
    let first_burst: u64 = r.timeseries.iter().take(3).map(|m| m.abandoned).sum();
    let later: u64 = r.timeseries.iter().skip(3).map(|m| m.abandoned).sum();
    assert!(first_burst > 10, "{first_burst}");
    assert!(later < first_burst / 4, "{later} vs {first_burst}");
}

#[test]
fn progressive_matches_its_closed_form() {
    let mut s = matrix_scenario(20, 0.3, 2.0);
    s.seed = 5;
    let run = run_paced(&s, PacerSpec::Progressive.build(), &mut |_| {}).unwrap();
    let m = RunMetrics::of(&run);
    let expected = closed_form_progressive(0.3);
    assert!(
        (m.occupancy - expected).abs() < 0.02,
        "simulated {} vs closed form {expected}",
        m.occupancy
    );
    assert_eq!(m.abandon_rate, 0.0);
}

#[test]
fn stress_drifts_change_staffing_and_answers() {
    let mut s = matrix_scenario(10, 0.3, 1.0);
    s.drift = Drift {
        staffing: vec![StaffStep {
            at_hour: 0.5,
            operators: 4,
        }],
        p_human_end: Some(0.1),
        ..Drift::default()
    };
    let run = run_paced(&s, PacerSpec::Progressive.build(), &mut |_| {}).unwrap();
    // 10 operators for 30 minutes, then 4 (those busy finish first).
    let staffed_h = run.staffed_ms as f64 / 3_600_000.0;
    assert!(staffed_h > 6.9 && staffed_h < 7.3, "{staffed_h}");
    let rows = &run.report.timeseries;
    let first: u64 = rows[..30].iter().map(|r| r.answered).sum();
    let second: u64 = rows[30..].iter().map(|r| r.answered).sum();
    assert!(
        second * 2 < first,
        "fewer operators, fewer answers: {first} {second}"
    );
}

#[test]
fn the_evaluation_runs_on_a_tiny_matrix() {
    let options = EvalOptions {
        seeds: 1,
        small_seeds: 2,
        big_seeds: 1,
        oos_seeds: 2,
        realistic: true,
        hours: 0.25,
        quick: true,
        threads: 2,
    };
    let report = evaluate(&options, &mut |_| {}).unwrap();
    let names: Vec<&str> = report.scenarios.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "5 ops, p=0.30",
            "1 op, p=0.30",
            "staffing ±30%, 20 ops",
            "5 ops, p=0.30 · realistic"
        ]
    );
    let first = &report.scenarios[0];
    assert_eq!(first.rows[0].pacer, PacerSpec::Dialcore);
    assert_eq!(
        first.rows.len(),
        6,
        "dialcore, progressive, 2 adaptive, 2 tuned"
    );
    assert!(first.grid.len() >= 4, "the coarse grid and its refinement");
    // Every grid point is on the fine grid, and each tuned row is the best
    // compliant point of its family.
    for r in &first.grid {
        let (x, step) = match r.pacer {
            PacerSpec::LinesPerIdle(x) => (x, 0.05),
            PacerSpec::DialLevel(x) => (x, 0.01),
            other => panic!("{other:?} in the grid"),
        };
        assert!(((x / step).round() * step - x).abs() < 1e-9, "{x}");
    }
    for tuned in &first.rows[4..] {
        let family = tuned.pacer.family();
        let best = first
            .grid
            .iter()
            .filter(|r| r.pacer.family() == family && r.compliant)
            .map(|r| r.occupancy)
            .fold(f64::MIN, f64::max);
        if tuned.compliant {
            assert_eq!(tuned.occupancy, best, "{family}");
        }
    }
    assert!(first.rows.iter().all(|r| r.guard == GuardName::WorstCase));
    assert_eq!(first.expected_rows.len(), 6);
    assert!(first
        .expected_rows
        .iter()
        .all(|r| r.guard == GuardName::Expected));
    assert_eq!(
        first.residual.runs,
        4 + first.grid.len(),
        "every pacer and grid point × 1 seed, worst-case guard"
    );
    assert_eq!(report.scenarios[1].seeds, options.small_seeds);
    // Out of sample: the same rows, at the in-sample parameters, on seeds
    // 101 and 102.
    let oos: Vec<_> = first.oos_rows.iter().map(|r| r.pacer).collect();
    let ins: Vec<_> = first.rows.iter().map(|r| r.pacer).collect();
    assert_eq!(oos, ins);
    assert!(first.oos_rows.iter().all(|r| r.seeds.len() == 2));
    assert_ne!(
        first.oos_rows[0].seeds[0], first.rows[0].seeds[0],
        "other seeds, other runs"
    );
    // The bound is above every pacer's occupancy, seed by seed.
    for sc in &report.scenarios {
        assert!(
            sc.bound > 0.0 && sc.bound <= 1.0,
            "{}: {}",
            sc.name,
            sc.bound
        );
        for (i, m) in sc.rows[0].seeds.iter().enumerate() {
            for r in &sc.rows {
                assert!(r.seeds[i].occupancy <= m.bound + 1e-9, "{}", sc.name);
            }
        }
    }
    let realistic = &report.scenarios[3];
    assert!(realistic.realistic && realistic.expected_rows.is_empty());
    let markdown = report.render_markdown(Some("pacing.svg"));
    assert!(markdown.contains("| 5 ops, p=0.30 |"), "{markdown}");
    assert!(markdown.contains("![occupancy per scenario](pacing.svg)"));
    assert!(markdown.contains("closed form"));
    assert!(markdown.contains("What the guarantee costs"));
    assert!(markdown.contains("Residual risk"));
    assert!(markdown.contains("Out of sample (seeds 101–102"));
    assert!(markdown.contains("Clairvoyant bound"));
    assert!(markdown.contains("--oos-seeds 2"));
    let svg = report.render_svg();
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    // Runs are deterministic: one thread gives the same report.
    let single = evaluate(
        &EvalOptions {
            threads: 1,
            ..options
        },
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(single.to_json(), report.to_json());
}

/// The found case's kind of pacer, and worse: whatever a pacer asks, under
/// the worst-case guard no random scenario without pauses or logouts ends
/// a minute over the target. Scenarios are drawn at random (1–8 operators,
/// answer rates 5–70%, short and long talks, targets 1–5%), 30 min to 2 h each.
#[test]
fn the_worst_case_guard_holds_every_random_run_to_the_target() {
    let mut rng = Rng::new(2026);
    let mut over_before_guard = 0;
    for case in 0..48 {
        let ops = 1 + (rng.next_u64() % 8) as usize;
        let p = 0.05 + 0.65 * rng.unit();
        let hours = 0.5 + 1.5 * rng.unit();
        let mut s = matrix_scenario(ops, p, hours);
        s.seed = rng.next_u64();
        s.customers.talk_mean_s = 20.0 + 280.0 * rng.unit();
        s.customers.talk_sd_s = s.customers.talk_mean_s * (0.3 + rng.unit());
        s.customers.ring_mean_s = 2.0 + 12.0 * rng.unit();
        s.campaign.abandon_limit_ms = 1_000 + rng.next_u64() % 3_000;
        let target = [0.01, 0.03, 0.05][(rng.next_u64() % 3) as usize];
        s.campaign.abandon_target = target;
        let pacer: Box<dyn Pacer> = match case % 4 {
            0 => Box::new(Greedy),
            1 => PacerSpec::LinesPerIdle(2.0 + 10.0 * rng.unit()).build(),
            2 => PacerSpec::DialLevel(2.1).build(),
            _ => PacerSpec::Dialcore.build(),
        };
        let name = pacer.name();
        // The same run under the expected-risk guard, for contrast.
        let mut e = s.clone();
        e.campaign.abandon_guard = GuardName::Expected;
        let pacer_e: Box<dyn Pacer> = if case % 4 == 0 {
            Box::new(Greedy)
        } else {
            PacerSpec::LinesPerIdle(12.0).build()
        };
        let expected = run_paced(&e, pacer_e, &mut |_| {}).unwrap();
        if expected.report.abandon_rate > target {
            over_before_guard += 1;
        }
        assert_eq!(
            s.campaign.abandon_guard,
            GuardName::WorstCase,
            "the default"
        );
        let run = run_paced(&s, pacer, &mut |_| {}).unwrap();
        let (mut answered, mut abandoned) = (0u64, 0u64);
        for row in &run.report.timeseries {
            answered += row.answered;
            abandoned += row.abandoned;
            // abandoned / answered ≤ target, in integers (target in ‰).
            let permille = (target * 1_000.0).round() as u64;
            assert!(
                abandoned * 1_000 <= permille * answered,
                "case {case} ({name}, {ops} ops, p={p:.2}, target {target}): \
                 {abandoned}/{answered} by minute {}",
                row.minute
            );
        }
        assert!(run.report.abandon_rate <= target, "case {case}");
        // The engine's own meter, read at every minute, agrees.
        let worst = run
            .report
            .timeseries
            .iter()
            .map(|r| r.guarded_abandon_rate)
            .fold(0.0, f64::max);
        assert!(
            worst <= target,
            "case {case}: the guarded meter read {worst}"
        );
    }
    // The stress is real: without the guard the same greedy pacers go over.
    assert!(over_before_guard >= 12, "{over_before_guard} of 48");
}
