//! The less kind world: each `[world]` feature does what it says, and a
//! feature switched off (or neutral) changes nothing.

use dialcore_sim::eval::{clairvoyant_occupancy, matrix_scenario, PacerSpec, RunMetrics};
use dialcore_sim::{run_paced, PacedRun, Scenario, World};

/// Ten operators, p = 0.3, an hour: small enough for a debug build.
fn base(seed: u64) -> Scenario {
    let mut s = matrix_scenario(10, 0.3, 1.0);
    s.seed = seed;
    s
}

fn go(s: &Scenario, pacer: PacerSpec) -> PacedRun {
    run_paced(s, pacer.build(), &mut |_| {}).expect("run")
}

#[test]
fn neutral_world_settings_change_nothing() {
    let kind = go(&base(4), PacerSpec::Dialcore);
    // A factor of 1 by the hour, and bursts that change nothing: the bursts
    // are drawn from a stream of their own, so the main one is untouched.
    let mut s = base(4);
    s.world.hourly_answer_factor = vec![1.0, 1.0];
    s.world.burst_every_min = 5.0;
    s.world.burst_min = 2.0;
    s.world.burst_factor = 1.0;
    let neutral = go(&s, PacerSpec::Dialcore);
    assert_eq!(neutral.report, kind.report);
    assert_eq!(neutral.talk_ms, kind.talk_ms);
    assert_eq!(neutral.world.amd_dropped, 0);
    // Unlimited lines refuse nothing.
    assert_eq!(neutral.world.line_blocked, 0);
}

#[test]
fn bursts_and_bad_hours_cut_the_answers() {
    let kind = go(&base(5), PacerSpec::LinesPerIdle(2.0));
    let mut s = base(5);
    s.world.burst_every_min = 10.0;
    s.world.burst_min = 10.0;
    s.world.burst_factor = 0.2;
    let bursty = go(&s, PacerSpec::LinesPerIdle(2.0));
    let mut s = base(5);
    s.world.hourly_answer_factor = vec![0.5];
    let bad_hour = go(&s, PacerSpec::LinesPerIdle(2.0));
    let rate = |r: &PacedRun| r.report.answered as f64 / r.report.dials as f64;
    assert!(
        rate(&bursty) < 0.85 * rate(&kind),
        "{} vs {}",
        rate(&bursty),
        rate(&kind)
    );
    assert!(
        rate(&bad_hour) < 0.65 * rate(&kind) && rate(&bad_hour) > 0.35 * rate(&kind),
        "half the answers: {} vs {}",
        rate(&bad_hour),
        rate(&kind)
    );
}

#[test]
fn the_detector_drops_humans_and_passes_machines_and_regulators_count_the_drops() {
    let mut s = base(6);
    s.world.amd_min_s = 1.0;
    s.world.amd_max_s = 3.0;
    s.world.amd_false_machine = 0.2;
    s.world.amd_false_human = 0.5;
    let run = go(&s, PacerSpec::Progressive);
    let w = &run.world;
    let humans = run.report.answered - w.machines_passed + w.amd_dropped;
    let share = w.amd_dropped as f64 / humans as f64;
    assert!((0.12..0.28).contains(&share), "a fifth dropped: {share}");
    assert!(w.machines_passed > 10, "{w:?}");
    assert_eq!(
        w.amd_dropped_by_minute
            .iter()
            .map(|&d| u64::from(d))
            .sum::<u64>(),
        w.amd_dropped
    );
    let m = RunMetrics::of(&run);
    let engine = run.report.abandoned as f64 / run.report.answered as f64;
    assert!(
        m.abandon_rate > engine && m.abandon_rate >= 0.1,
        "dropped pickups are abandons: {} (engine {engine})",
        m.abandon_rate
    );
    assert_eq!(m.amd_dropped, w.amd_dropped);
    // The client waits out the detection: even progressive's connections
    // (an operator ready for every call) wait at least a second.
    assert!(run.report.wait_mean_s >= 1.0, "{}", run.report.wait_mean_s);
    let kind = go(&base(6), PacerSpec::Progressive);
    assert!(kind.report.wait_mean_s < 0.5, "{}", kind.report.wait_mean_s);
}

#[test]
fn trunk_lines_cap_the_calls_in_flight() {
    let mut s = base(7);
    s.world.lines = 12;
    let run = go(&s, PacerSpec::LinesPerIdle(5.0));
    assert!(run.world.lines_peak <= 12, "{:?}", run.world);
    assert_eq!(run.world.lines_peak, 12, "an aggressive pacer fills them");
    assert!(run.world.line_blocked > 0, "{:?}", run.world);
    let open = go(&base(7), PacerSpec::LinesPerIdle(5.0));
    assert!(open.world.lines_peak > 12, "{:?}", open.world);
}

#[test]
fn setup_and_bridge_latency_lengthen_the_calls() {
    let mut s = base(8);
    s.world.setup_min_s = 2.0;
    s.world.setup_max_s = 2.0;
    s.world.bridge_s = 1.5;
    let slow = go(&s, PacerSpec::Progressive);
    let kind = go(&base(8), PacerSpec::Progressive);
    assert!(
        slow.report.wait_mean_s >= 1.5,
        "the bridge: {}",
        slow.report.wait_mean_s
    );
    assert!(
        slow.report.connected < kind.report.connected,
        "every attempt takes 2 s longer: {} vs {}",
        slow.report.connected,
        kind.report.connected
    );
}

#[test]
fn the_clairvoyant_bound_is_above_every_pacer_and_feels_the_trunk_and_breaks() {
    let mut s = base(9);
    s.operator_model.break_every_min = 20.0;
    s.operator_model.break_min = 10.0;
    let runs: Vec<PacedRun> = [
        PacerSpec::Dialcore,
        PacerSpec::Progressive,
        PacerSpec::LinesPerIdle(3.0),
    ]
    .into_iter()
    .map(|p| go(&s, p))
    .collect();
    for run in &runs {
        let bound = clairvoyant_occupancy(&s, run);
        let m = RunMetrics::of(run);
        assert!(run.world.break_ms > 0);
        assert!(
            m.occupancy <= bound && bound < 0.9,
            "{} <= {bound}, breaks cost a quarter",
            m.occupancy
        );
    }
    // Two lines for ten operators: the trunk, not the operators, limits.
    let mut s = base(9);
    s.world.lines = 2;
    // Congested dials fail (no retries here) and use contacts up: the run
    // ends early, and the bound reads the run's own length.
    s.contacts *= 5;
    let run = go(&s, PacerSpec::LinesPerIdle(3.0));
    assert!(run.world.line_blocked > 100, "{:?}", run.world);
    let bound = clairvoyant_occupancy(&s, &run);
    assert!(bound < 0.3, "{bound}");
    assert!(RunMetrics::of(&run).occupancy <= bound, "{bound}");
}

#[test]
fn bad_world_values_are_errors_naming_the_field() {
    type Spoil = fn(&mut World);
    let cases: [(Spoil, &str); 5] = [
        (|w| w.amd_max_s = -1.0, "world.amd_max_s"),
        (
            |w| {
                w.amd_min_s = 3.0;
                w.amd_max_s = 1.0
            },
            "world.amd_max_s",
        ),
        (|w| w.amd_false_machine = 1.5, "world.amd_false_machine"),
        (
            |w| w.hourly_answer_factor = vec![1.0, f64::NAN],
            "world.hourly_answer_factor",
        ),
        (
            |w| {
                w.burst_every_min = 30.0;
                w.burst_min = 0.0
            },
            "world.burst_min",
        ),
    ];
    for (bad, field) in cases {
        let mut s = base(1);
        bad(&mut s.world);
        let e = s.validate().unwrap_err().to_string();
        assert!(e.contains(field), "{e}");
    }
    // And through TOML.
    let e = Scenario::from_toml_str("[world]\nlines = -3\n")
        .unwrap_err()
        .to_string();
    assert!(e.contains("lines"), "{e}");
    let ok =
        Scenario::from_toml_str("[world]\namd_min_s = 1\namd_max_s = 3\nlines = 40\n").unwrap();
    assert_eq!(ok.world.lines, 40);
    assert!(!ok.world.is_kind());
    assert!(World::realistic(20).validate().is_ok());
}

#[test]
fn breaks_and_logouts_are_announced_ahead() {
    let mut s = base(10);
    s.operator_model.break_every_min = 20.0;
    s.operator_model.break_min = 5.0;
    s.drift.staffing = vec![dialcore_sim::StaffStep {
        at_hour: 0.5,
        operators: 5,
    }];
    let silent = go(&s, PacerSpec::Dialcore);
    assert_eq!(silent.world.leaving_notices, 0);
    s.world.leave_notice_s = 120.0;
    let announced = go(&s, PacerSpec::Dialcore);
    // About two breaks per operator in the hour, and five logouts.
    assert!(
        announced.world.leaving_notices >= 15,
        "{:?}",
        announced.world
    );
    // The engine took every one (a refused event is counted stale).
    assert_eq!(announced.report.stale_events, silent.report.stale_events);
}
