//! The pacers: estimators, warm-up, the conditional residual model, the
//! feedback, and the engine's guard cap around any pacer.

use dialcore::pacing::worst_case_extra;
use dialcore::pacing::{
    guard_cap, AbandonGuard, BusyOperator, BusyPhase, DialcorePacer, DialcoreTuning,
    FixedRatioPacer, MeterReadings, Pacer, PacingInputs, PacingStats,
};
use dialcore::{CallId, Campaign, CampaignConfig, Command, Event, Mode, OperatorId};
use proptest::prelude::*;

const S: u64 = 1_000;

fn inputs<'a>(
    stats: &'a PacingStats,
    ready: &'a [u64],
    busy: &'a [BusyOperator],
    ringing: &'a [u64],
    now_ms: u64,
    meter: MeterReadings,
) -> PacingInputs<'a> {
    PacingInputs {
        now_ms,
        ready_ms: ready,
        busy,
        ringing_ms: ringing,
        leaving: &[],
        waiting: 0,
        logged_in: ready.len() + busy.len(),
        stats,
        meter,
        abandon_target: 0.03,
        abandon_limit_ms: 2_000,
        ring_timeout_ms: 25_000,
        guard: AbandonGuard::Expected,
    }
}

/// Feeds `calls` dial attempts, one a second from `t0`: every `every`-th is
/// a live answer after `ring_ms` plus 0–4 s, the rest end after
/// `other_ms`; each live answer
/// is talked for `talk_ms(i)` and worked up for `acw_ms`. Returns the time
/// after the last call.
fn feed(
    stats: &mut PacingStats,
    t0: u64,
    calls: u32,
    every: u32,
    (ring_ms, other_ms): (u64, u64),
    talk_ms: impl Fn(u32) -> u64,
    acw_ms: u64,
) -> u64 {
    let mut t = t0;
    for i in 0..calls {
        let c = i;
        stats.on_dial(c, false, t);
        if i % every == 0 {
            let ring_ms = ring_ms + u64::from(i % 5) * S;
            stats.on_live_answer(c, t + ring_ms);
            stats.on_connect(c, t + ring_ms);
            let end = t + ring_ms + talk_ms(i);
            stats.on_talk_end(c, true, end);
            stats.on_acw_end(c, end + acw_ms);
        } else {
            stats.on_attempt_end(c, t + other_ms);
        }
        t += S;
    }
    t
}

#[test]
fn estimators_converge_on_known_outcomes() {
    let mut stats = PacingStats::default();
    let end = feed(
        &mut stats,
        0,
        1_000,
        4,
        (8 * S, 20 * S),
        |_| 100 * S,
        20 * S,
    );
    // Live answers after 8–12 s (8.5–12.5 s by bin midpoints).
    assert!(
        (stats.p_live(0.0) - 0.25).abs() < 0.02,
        "{}",
        stats.p_live(0.0)
    );
    let ring = stats.live_ring_times();
    assert!(
        (ring.mean_ms() - 10_500.0).abs() < 50.0,
        "{}",
        ring.mean_ms()
    );
    assert!((stats.non_live_times().mean_ms() - 20_500.0).abs() < 1.0);
    assert_eq!(stats.live_answers(), 250);
    assert_eq!(stats.completed_calls(), 250);
    assert!(stats
        .service_samples()
        .iter()
        .all(|s| s.talk_ms == 100_000 && s.acw_ms == 20_000));
    // The answer rate drops to 1 in 10: within a few half-lives the
    // estimate follows.
    feed(
        &mut stats,
        end,
        1_000,
        10,
        (8 * S, 20 * S),
        |_| 100 * S,
        20 * S,
    );
    assert!(
        (stats.p_live(0.0) - 0.10).abs() < 0.02,
        "{}",
        stats.p_live(0.0)
    );
}

#[test]
fn warm_up_stays_progressive_until_enough_samples() {
    let mut stats = PacingStats::default();
    let mut pacer = DialcorePacer::default();
    // Ten operators all about to finish ACW, nobody ready: a warm pacer
    // would dial; a cold one dials only for ready operators.
    let acw_ending = [BusyOperator {
        phase: BusyPhase::Acw,
        elapsed_ms: 19_500,
    }; 10];
    let mut t = 0;
    for round in 0..12 {
        let i = inputs(
            &stats,
            &[0, 0],
            &acw_ending,
            &[],
            t,
            MeterReadings::default(),
        );
        let n = pacer.dials(&i);
        assert_eq!(n, 2, "round {round}: progressive 1:1 while cold");
        assert!(!pacer.is_warm());
        // Five completed calls per round: 60 in all, but only 30 the first
        // six rounds (and the gate wants 2 per operator = 24, 100 attempts,
        // 20 live answers).
        t = feed(&mut stats, t, 5, 1, (8 * S, 0), |_| 100 * S, 20 * S);
        if stats.completed_calls() >= 30 {
            break;
        }
    }
    assert!(stats.attempts() < 100, "attempts not yet enough");
    let i = inputs(
        &stats,
        &[0, 0],
        &acw_ending,
        &[],
        t,
        MeterReadings::default(),
    );
    assert_eq!(pacer.dials(&i), 2, "still cold: too few attempts");
    t = feed(&mut stats, t, 100, 3, (8 * S, 20 * S), |_| 100 * S, 20 * S);
    let i = inputs(
        &stats,
        &[0, 0],
        &acw_ending,
        &[],
        t,
        MeterReadings::default(),
    );
    let n = pacer.dials(&i);
    assert!(pacer.is_warm());
    assert!(
        n > 2,
        "warm: dials for the operators about to free up, got {n}"
    );
}

#[test]
fn a_busy_operator_is_judged_by_its_elapsed_time_not_the_average() {
    // Half the calls last 30 s, half 600 s; ACW is 2 s; live answers
    // after 4–8 s.
    let mut stats = PacingStats::default();
    let t = feed(
        &mut stats,
        0,
        400,
        2,
        (4 * S, 20 * S),
        |i| if i % 4 == 0 { 30 * S } else { 600 * S },
        2 * S,
    );
    let mut pacer = DialcorePacer::default();
    let short_may_end = [BusyOperator {
        phase: BusyPhase::Talk,
        elapsed_ms: 25 * S,
    }];
    let past_short = [BusyOperator {
        phase: BusyPhase::Talk,
        elapsed_ms: 45 * S,
    }];
    let m = MeterReadings::default();
    let early = pacer.marginal_abandon(&inputs(&stats, &[], &short_may_end, &[], t, m), 0);
    let late = pacer.marginal_abandon(&inputs(&stats, &[], &past_short, &[], t, m), 0);
    // At 25 s half the calls like this one are over within ~7 s; past 45 s
    // only long calls remain, and they go on for minutes.
    assert!(early < 0.7, "{early}");
    assert!(late > 0.95, "{late}");
    // A ready operator covers one new call; the second one is at risk.
    let first = pacer.marginal_abandon(&inputs(&stats, &[0], &[], &[], t, m), 0);
    let second = pacer.marginal_abandon(&inputs(&stats, &[0], &[], &[], t, m), 1);
    assert!(first < 0.05, "{first}");
    assert!(second > first, "{second} vs {first}");
    // A call that rang longer than any live answer barely counts.
    let fresh = pacer.marginal_abandon(&inputs(&stats, &[0], &[], &[S], t, m), 0);
    let stale = pacer.marginal_abandon(&inputs(&stats, &[0], &[], &[24 * S], t, m), 0);
    assert!(stale < fresh, "{stale} vs {fresh}");
}

#[test]
fn feedback_dials_less_after_abandons_over_budget() {
    let mut stats = PacingStats::default();
    let t = feed(&mut stats, 0, 600, 3, (8 * S, 20 * S), |_| 150 * S, 20 * S);
    let busy: Vec<BusyOperator> = (0..20)
        .map(|i| BusyOperator {
            phase: BusyPhase::Talk,
            elapsed_ms: (i * 9) * S,
        })
        .collect();
    let under = MeterReadings {
        guarded_rate: 0.005,
        guarded_answered: 2_000,
        guarded_abandoned: 10,
        day_answered: 2_000,
        day_abandoned: 10,
    };
    let over = MeterReadings {
        guarded_rate: 0.029,
        guarded_answered: 2_000,
        guarded_abandoned: 58,
        day_answered: 2_000,
        day_abandoned: 58,
    };
    // The client-wait bound off, to see the abandon feedback alone.
    let tuning = DialcoreTuning {
        max_wait_probability: 1.0,
        ..DialcoreTuning::default()
    };
    let mut a = DialcorePacer::new(tuning);
    let mut b = DialcorePacer::new(tuning);
    let n_under = a.dials(&inputs(&stats, &[0, 0], &busy, &[], t, under));
    let n_over = b.dials(&inputs(&stats, &[0, 0], &busy, &[], t, over));
    assert!(a.threshold() > b.threshold());
    assert!(n_under > n_over, "{n_under} vs {n_over}");
    assert_eq!(n_over, 2, "never fewer than one per ready operator");
    // With the wait bound on, fewer calls than the abandon budget allows.
    let mut c = DialcorePacer::default();
    let n_bounded = c.dials(&inputs(&stats, &[0, 0], &busy, &[], t, under));
    assert!(n_bounded < n_under, "{n_bounded} vs {n_under}");
    assert!(n_bounded >= 2);
}

/// A pacer that always wants 1000 calls.
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

fn dials(out: &[Command]) -> Vec<CallId> {
    out.iter()
        .filter_map(|c| match c {
            Command::Dial { call, .. } => Some(*call),
            _ => None,
        })
        .collect()
}

#[test]
fn the_expected_guard_caps_any_pacer_over_the_target() {
    let stats = PacingStats::default();
    let over = MeterReadings {
        guarded_rate: 0.05,
        ..MeterReadings::default()
    };
    let ok = MeterReadings::default();
    let i = inputs(&stats, &[0, 0, 0], &[], &[0], 0, over);
    assert_eq!(guard_cap(1_000, &i), 2, "3 ready, 1 in flight");
    let i = inputs(&stats, &[0, 0, 0], &[], &[0], 0, ok);
    assert_eq!(guard_cap(1_000, &i), 1_000);

    // Through the engine: one operator, a greedy pacer; one of the first
    // two answered calls is abandoned (50% > 3%).
    let mut c = Campaign::new(CampaignConfig {
        default_country: Some(1),
        abandon_guard: AbandonGuard::Expected,
        ..CampaignConfig::new(Mode::Predictive)
    })
    .unwrap();
    c.set_pacer(Box::new(Greedy));
    assert_eq!(c.pacer().name(), "greedy");
    for i in 0..2_000 {
        c.add_contact(&format!("21255{i:05}"), "", None, 0).unwrap();
    }
    let ops: Vec<_> = (0..3).map(|_| c.add_operator()).collect();
    let op = ops[0];
    c.handle(Event::OperatorLogin(op), 0).unwrap();
    c.handle(Event::OperatorReady(op), 0).unwrap();
    let mut out = Vec::new();
    c.poll(0, &mut out).unwrap();
    let calls = dials(&out);
    assert_eq!(calls.len(), 1_000, "under the target the pacer is obeyed");
    c.handle(Event::Answered(calls[0]), S).unwrap();
    c.handle(Event::Answered(calls[1]), S).unwrap();
    for call in &calls[2..] {
        c.handle(Event::Rejected(*call), S).unwrap();
    }
    out.clear();
    c.poll(4 * S, &mut out).unwrap();
    assert!(
        out.contains(&Command::Abandon { call: calls[1] }),
        "{out:?}"
    );
    assert!(c.guarded_abandon_rate(4 * S).unwrap() > 0.03);
    // Two more operators become ready: at most one call each.
    for &o in &ops[1..] {
        c.handle(Event::OperatorLogin(o), 5 * S).unwrap();
        c.handle(Event::OperatorReady(o), 5 * S).unwrap();
    }
    out.clear();
    c.poll(5 * S, &mut out).unwrap();
    assert_eq!(dials(&out).len(), 2, "capped at one per ready operator");
    out.clear();
    c.poll(6 * S, &mut out).unwrap();
    assert!(dials(&out).is_empty(), "both still ringing: nothing more");
}

#[test]
fn the_fixed_ratio_pacer_is_the_default_and_keeps_its_rule() {
    let c = Campaign::new(CampaignConfig::new(Mode::Predictive)).unwrap();
    assert_eq!(c.pacer().name(), "fixed-ratio 1.5");
    let stats = PacingStats::default();
    let i = inputs(&stats, &[0, 0, 0], &[], &[0], 0, MeterReadings::default());
    // ceil(1.5 × 3) = 5 in flight, 1 up.
    assert_eq!(FixedRatioPacer::new(1.5).dials(&i), 4);
    let none = inputs(&stats, &[], &[], &[], 0, MeterReadings::default());
    assert_eq!(FixedRatioPacer::new(3.0).dials(&none), 0);
}

#[test]
fn the_engine_feeds_the_statistics() {
    let mut c = Campaign::new(CampaignConfig {
        default_country: Some(1),
        ..CampaignConfig::new(Mode::Predictive)
    })
    .unwrap();
    c.set_pacer(Box::new(DialcorePacer::default()));
    for i in 0..10 {
        c.add_contact(&format!("21255{i:05}"), "", None, 0).unwrap();
    }
    let op = c.add_operator();
    c.handle(Event::OperatorLogin(op), 0).unwrap();
    c.handle(Event::OperatorReady(op), 0).unwrap();
    let mut out = Vec::new();
    c.poll(0, &mut out).unwrap();
    let calls = dials(&out);
    assert_eq!(calls.len(), 1, "cold dialcore pacer: progressive 1:1");
    c.handle(Event::Answered(calls[0]), 7 * S).unwrap();
    c.poll(7 * S, &mut out).unwrap(); // connects it (the wake-up contract)
    c.handle(Event::CallEnded(calls[0]), 107 * S).unwrap();
    c.handle(
        Event::AcwDone {
            operator: op,
            contact: calls[0].contact,
            disposition: dialcore::Disposition::Done,
        },
        127 * S,
    )
    .unwrap();
    let stats = c.pacing_stats();
    assert_eq!((stats.attempts(), stats.live_answers()), (1, 1));
    let sample = stats.service_samples()[0];
    assert_eq!((sample.talk_ms, sample.acw_ms), (100_000, 20_000));
    assert_eq!(stats.live_ring_times().mean_ms(), 7_500.0);
}

// ------------------------------------------------------ worst-case guard

/// `(B + x) / (A′ + x) ≤ n / D` in exact integers (`A′ + x > 0`).
fn within(n: u128, d: u128, answered: u128, abandoned: u128, x: u128) -> bool {
    (abandoned + x) * d <= n * (answered + x)
}

/// The largest `x` the worst case allows, by search: the trusted
/// implementation the closed form is checked against.
fn brute_force_extra(n: u128, d: u128, answered: u64, abandoned: u64) -> u64 {
    let (a, b) = (u128::from(answered), u128::from(abandoned));
    if !within(n, d, a, b, 0) || a == 0 {
        return 0;
    }
    let mut x = 0;
    while within(n, d, a, b, x + 1) {
        x += 1;
    }
    x as u64
}

#[test]
fn worst_case_extra_is_the_exact_floor() {
    // floor((0.03·A − B) / 0.97): 33 clean answers buy the first call.
    assert_eq!(worst_case_extra(0.03, 0, 0, 0, 1), 0);
    assert_eq!(worst_case_extra(0.03, 32, 0, 0, 1), 0);
    assert_eq!(worst_case_extra(0.03, 33, 0, 0, 1), 1);
    // 0.03·97 / 0.97 = 3 exactly: a float floor of 2.9999… would say 2.
    assert_eq!(worst_case_extra(0.03, 97, 0, 0, 1), 3);
    assert_eq!(worst_case_extra(0.03, 1_000, 30, 0, 1), 0, "rate at target");
    assert_eq!(worst_case_extra(0.03, 1_000, 31, 0, 1), 0, "over target");
    assert_eq!(worst_case_extra(0.03, 1_000, 20, 0, 1), 10);
    assert_eq!(worst_case_extra(0.03, 10_000, 0, 0, 5), 309);
    // Waiting calls beyond the ready operators are already answered: they
    // count in A but cannot add to it again.
    assert_eq!(worst_case_extra(0.03, 97, 0, 3, 0), 2);
    assert_eq!(worst_case_extra(0.03, 97, 0, 3, 3), 3);
    // Nonsense targets never allow anything.
    assert_eq!(worst_case_extra(f64::NAN, 1_000, 0, 0, 1), 0);
    assert_eq!(worst_case_extra(0.0, 1_000, 0, 0, 1), 0);
    assert_eq!(
        worst_case_extra(0.03, u64::MAX, 0, 0, 1),
        570_517_857_949_779_946
    );
}

proptest! {
    /// The closed form is the largest `x` with `(B + x) / (A + x) ≤ t`,
    /// checked against a search, for targets that are exact multiples of
    /// 10⁻⁹ and for the usual ones.
    #[test]
    fn worst_case_extra_matches_a_search(
        answered in 0u64..5_000,
        abandoned_share in 0u64..=100,
        ppm in prop_oneof![Just(30_000u64), Just(50_000), Just(10_000), 1u64..999_999],
    ) {
        let abandoned = answered * abandoned_share / 1_000;
        let target = ppm as f64 / 1e6;
        let x = worst_case_extra(target, answered, abandoned, 0, 1);
        let (n, d) = (u128::from(ppm) * 1_000, 1_000_000_000u128);
        prop_assert_eq!(x, brute_force_extra(n, d, answered, abandoned));
        if x > 0 {
            prop_assert!(within(n, d, answered.into(), abandoned.into(), x.into()));
        }
    }
}

/// The connected `call` ends at `t` + 10 s and its ACW at `t` + 11 s.
fn end_and_finish_acw(c: &mut Campaign, call: CallId, op: OperatorId, t: u64) {
    c.handle(Event::CallEnded(call), t + 10 * S).unwrap();
    c.handle(
        Event::AcwDone {
            operator: op,
            contact: call.contact,
            disposition: dialcore::Disposition::Done,
        },
        t + 11 * S,
    )
    .unwrap();
}

/// One operator and a greedy pacer under the default guard: with an empty
/// budget it dials 1:1, and each 1/t − 1 clean answers buy one call ahead.
#[test]
fn the_worst_case_guard_is_the_default_and_spends_only_the_budget() {
    let mut c = Campaign::new(CampaignConfig {
        default_country: Some(1),
        ..CampaignConfig::new(Mode::Predictive)
    })
    .unwrap();
    assert_eq!(c.config().abandon_guard, AbandonGuard::WorstCase);
    c.set_pacer(Box::new(Greedy));
    for i in 0..500 {
        c.add_contact(&format!("21255{i:05}"), "", None, 0).unwrap();
    }
    let op = c.add_operator();
    c.handle(Event::OperatorLogin(op), 0).unwrap();
    c.handle(Event::OperatorReady(op), 0).unwrap();
    let mut out = Vec::new();
    let mut t = 0;
    // 33 calls answered and talked: each poll dials exactly one (nothing
    // answered yet, nothing to spend) until the 33rd answer. The poll after
    // each answer connects it (handle only records) and dials nothing while
    // the operator talks, until the 33rd answer buys one call of budget.
    let mut early = Vec::new();
    for k in 0..33 {
        out.clear();
        c.poll(t, &mut out).unwrap();
        let calls = dials(&out);
        assert_eq!(calls.len(), 1, "answer {k}: progressive 1:1");
        c.handle(Event::Answered(calls[0]), t + S).unwrap();
        out.clear();
        c.poll(t + S, &mut out).unwrap();
        assert!(out.contains(&Command::Connect {
            call: calls[0],
            operator: op
        }));
        early = dials(&out);
        let expected = if k == 32 { 1 } else { 0 };
        assert_eq!(
            early.len(),
            expected,
            "answer {k}: calls of budget while talking"
        );
        end_and_finish_acw(&mut c, calls[0], op, t);
        t += 12 * S;
    }
    // floor(0.03 · 33 / 0.97) = 1 call beyond the ready operator: the one
    // dialed while the operator talked, plus one for the ready operator.
    out.clear();
    c.poll(t, &mut out).unwrap();
    let mut calls = early;
    calls.extend(dials(&out));
    assert_eq!(calls.len(), 2, "one ready operator + one call of budget");
    // Both answered: one connects, one is dropped: 1 abandon in 35
    // answers = 2.86% ≤ 3%, and the budget is spent: back to 1:1.
    c.handle(Event::Answered(calls[0]), t + S).unwrap();
    c.handle(Event::Answered(calls[1]), t + S).unwrap();
    out.clear();
    c.poll(t + 4 * S, &mut out).unwrap();
    assert!(
        out.contains(&Command::Abandon { call: calls[1] }),
        "{out:?}"
    );
    let rate = c.guarded_abandon_rate(t + 4 * S).unwrap();
    assert!(rate > 0.0 && rate <= 0.03, "{rate}");
    end_and_finish_acw(&mut c, calls[0], op, t);
    out.clear();
    c.poll(t + 12 * S, &mut out).unwrap();
    assert_eq!(dials(&out).len(), 1, "the budget is spent");
}

/// The guard counts the calls already in flight: ringing calls use up the
/// allowance, and the cap never goes below progressive 1:1.
#[test]
fn the_worst_case_guard_counts_calls_already_in_flight() {
    let stats = PacingStats::default();
    let meter = MeterReadings {
        guarded_rate: 0.0,
        guarded_answered: 1_000,
        guarded_abandoned: 20,
        ..MeterReadings::default()
    };
    let worst = |ready: &[u64], ringing: &[u64], waiting: usize| {
        let mut i = inputs(&stats, ready, &[], ringing, 0, meter);
        i.guard = AbandonGuard::WorstCase;
        i.waiting = waiting;
        guard_cap(1_000, &i)
    };
    // 10 of budget beyond 2 ready operators: 12 uncovered calls at most.
    assert_eq!(worst(&[0, 0], &[], 0), 12);
    assert_eq!(worst(&[0, 0], &[0; 5], 0), 7);
    assert_eq!(worst(&[0, 0], &[0; 12], 0), 0);
    assert_eq!(worst(&[0, 0], &[0; 20], 0), 0, "never negative");
    // No one ready, 4 ringing and 2 waiting: floor((0.03·998 − 20)/0.97) = 10.
    assert_eq!(worst(&[], &[0; 4], 2), 4, "waiting calls count too");
    // Over the target: exactly progressive 1:1, like the expected guard.
    let over = MeterReadings {
        guarded_rate: 0.04,
        guarded_answered: 1_000,
        guarded_abandoned: 40,
        ..MeterReadings::default()
    };
    let mut i = inputs(&stats, &[0, 0, 0], &[], &[0], 0, over);
    i.guard = AbandonGuard::WorstCase;
    assert_eq!(guard_cap(1_000, &i), 2);
    assert_eq!(guard_cap(1, &i), 1, "never more than the pacer asks");
}

/// The found case, through the pacer: one operator, 30% live answers, a
/// long call with nothing dialed, then one miss. Before the prior, the
/// estimate read 0.001 and the pacer placed 12 calls for one ready
/// operator; now it dials as a 30% rate asks (the pacer alone, no guard).
#[test]
fn the_pacer_does_not_flood_one_operator_after_a_long_call() {
    let mut stats = PacingStats::default();
    // 300 attempts at 1 in 3 (60 s talks, so the talk model is warm), then
    // two hours at 3 in 10.
    let mut t = feed(&mut stats, 0, 300, 3, (8 * S, 20 * S), |_| 60 * S, 10 * S);
    for i in 0..400u32 {
        let c = 10_000 + i;
        stats.on_dial(c, false, t);
        if i % 10 < 3 {
            stats.on_live_answer(c, t + 8 * S);
        } else {
            stats.on_attempt_end(c, t + 20 * S);
        }
        t += 18 * S;
    }
    // A 40-minute call; then one attempt, not answered.
    t += 40 * 60 * S;
    stats.on_dial(20_000, false, t);
    stats.on_attempt_end(20_000, t + 25 * S);
    t += 26 * S;
    assert!(
        stats.p_live_recent(0.0) < 0.01,
        "{}",
        stats.p_live_recent(0.0)
    );
    let p = stats.p_live(0.0);
    assert!((0.25..0.36).contains(&p), "{p}");
    // The campaign's meter: 220 answered, 3 abandoned (1.4%), so the
    // feedback allows risk.
    let meter = MeterReadings {
        guarded_rate: 3.0 / 220.0,
        guarded_answered: 220,
        guarded_abandoned: 3,
        day_answered: 220,
        day_abandoned: 3,
    };
    let mut pacer = DialcorePacer::default();
    let i = inputs(&stats, &[0], &[], &[], t, meter);
    let n = pacer.dials(&i);
    assert!(pacer.is_warm());
    // With the bare 4-minute estimate (0.004) the same inputs give 3 calls
    // for the one operator (12 in the run where it was found).
    assert!((1..=2).contains(&n), "{n} calls for one ready operator");
}

// ------------------------------------------------- announced leaving

#[test]
fn operator_leaving_marks_without_changing_state_and_is_cleared() {
    use dialcore::operators::OperatorState;
    use dialcore::EngineError;
    let mut c = Campaign::new(CampaignConfig::new(Mode::Predictive)).unwrap();
    let a = c.add_operator();
    let b = c.add_operator();
    let leaving = |operator, at_ms| Event::OperatorLeaving { operator, at_ms };
    // Unknown and logged-out operators are refused, and nothing changes.
    assert_eq!(
        c.handle(leaving(OperatorId(9), 60 * S), S),
        Err(EngineError::UnknownOperator(OperatorId(9)))
    );
    assert!(matches!(
        c.handle(leaving(a, 60 * S), S),
        Err(EngineError::IllegalOperatorEvent { operator, state: OperatorState::Offline, .. })
            if operator == a
    ));
    assert_eq!(c.now_ms(), 0, "a refused event leaves no trace");
    for op in [a, b] {
        c.handle(Event::OperatorLogin(op), S).unwrap();
        c.handle(Event::OperatorReady(op), S).unwrap();
    }
    assert!(matches!(
        c.handle(leaving(a, u64::MAX), 2 * S),
        Err(EngineError::TimeOutOfRange { .. })
    ));
    assert_eq!(c.operators().leaving_count(), 0);
    c.handle(leaving(a, 60 * S), 2 * S).unwrap();
    c.handle(leaving(b, 90 * S), 2 * S).unwrap();
    c.handle(leaving(b, 30 * S), 3 * S).unwrap(); // a newer one replaces it
    assert_eq!(c.operators().leaving_at(a), Some(60 * S));
    assert_eq!(c.operators().leaving_at(b), Some(30 * S));
    assert_eq!(c.operators().leaving_count(), 2);
    // Reaching the time changes no state: the host sends the pause.
    let mut out = Vec::new();
    c.poll(120 * S, &mut out).unwrap();
    assert_eq!(c.operators().state(a), Some(OperatorState::Ready));
    assert_eq!(c.operators().leaving_at(a), Some(60 * S));
    // Paused, then ready again: the break is over, the mark cleared.
    c.handle(Event::OperatorPause(a), 121 * S).unwrap();
    assert_eq!(c.operators().leaving_at(a), Some(60 * S));
    c.handle(Event::OperatorReady(a), 122 * S).unwrap();
    assert_eq!(c.operators().leaving_at(a), None);
    // A logout clears it too (and a new login starts clean).
    c.handle(Event::OperatorLogout(b), 123 * S).unwrap();
    assert_eq!(c.operators().leaving_at(b), None);
    assert_eq!(c.operators().leaving_count(), 0);
}

/// A pacer that records the leaving operators it was shown.
#[derive(Debug, Default)]
struct SeesLeaving(std::sync::Arc<std::sync::Mutex<Vec<dialcore::pacing::LeavingOperator>>>);

impl Pacer for SeesLeaving {
    fn name(&self) -> String {
        "sees leaving".into()
    }
    fn dials(&mut self, inputs: &PacingInputs<'_>) -> usize {
        *self.0.lock().unwrap() = inputs.leaving.to_vec();
        0
    }
}

#[test]
fn the_pacer_is_shown_who_leaves_and_when() {
    use dialcore::pacing::LeavingOperator;
    let mut c = Campaign::new(CampaignConfig {
        default_country: Some(1),
        ..CampaignConfig::new(Mode::Predictive)
    })
    .unwrap();
    let seen = SeesLeaving::default();
    let log = seen.0.clone();
    c.set_pacer(Box::new(seen));
    c.add_contact("2125550100", "", None, 0).unwrap();
    let ops: Vec<_> = (0..3).map(|_| c.add_operator()).collect();
    for &op in &ops {
        c.handle(Event::OperatorLogin(op), 0).unwrap();
        c.handle(Event::OperatorReady(op), 0).unwrap();
    }
    let mut out = Vec::new();
    c.poll(S, &mut out).unwrap();
    assert!(log.lock().unwrap().is_empty());
    c.handle(
        Event::OperatorLeaving {
            operator: ops[1],
            at_ms: 10 * S,
        },
        2 * S,
    )
    .unwrap();
    c.poll(4 * S, &mut out).unwrap();
    assert_eq!(
        *log.lock().unwrap(),
        vec![LeavingOperator {
            phase: None,
            elapsed_ms: 4 * S,
            leaves_in_ms: 6 * S
        }]
    );
    // Past its time, still ready: leaving now.
    c.poll(12 * S, &mut out).unwrap();
    assert_eq!(log.lock().unwrap()[0].leaves_in_ms, 0);
}

#[test]
fn the_dialcore_pacer_does_not_count_a_leaving_operator_as_supply() {
    use dialcore::pacing::LeavingOperator;
    // 20 s talks, 2 s ACW, answers after 4–8 s.
    let mut stats = PacingStats::default();
    let t = feed(&mut stats, 0, 400, 2, (4 * S, 20 * S), |_| 20 * S, 2 * S);
    let m = MeterReadings::default();
    let ending = [BusyOperator {
        phase: BusyPhase::Talk,
        elapsed_ms: 19 * S,
    }];
    let with = |leaving: &'static [LeavingOperator], ready: &'static [u64]| {
        let mut i = inputs(&stats, ready, &ending, &[], t, m);
        i.leaving = leaving;
        let mut p = DialcorePacer::default();
        p.marginal_abandon(&i, 1)
    };
    // A talker about to free up covers a second new dial...
    let staying = with(&[], &[0]);
    // ...not if it leaves (logs out) at once, nor within the horizons.
    const NOW: [LeavingOperator; 1] = [LeavingOperator {
        phase: Some(BusyPhase::Talk),
        elapsed_ms: 19 * S,
        leaves_in_ms: 0,
    }];
    let gone = with(&NOW, &[0]);
    assert!(staying < 0.5, "{staying}");
    assert!(gone > 0.2 && gone > 10.0 * staying, "{gone} vs {staying}");
    // A ready operator leaving in 1 s covers no answer; one leaving in an
    // hour is as good as staying.
    const READY_SOON: [LeavingOperator; 1] = [LeavingOperator {
        phase: None,
        elapsed_ms: 0,
        leaves_in_ms: S,
    }];
    const READY_LATER: [LeavingOperator; 1] = [LeavingOperator {
        phase: None,
        elapsed_ms: 0,
        leaves_in_ms: 3_600 * S,
    }];
    let mut i = inputs(&stats, &[0], &[], &[], t, m);
    let mut p = DialcorePacer::default();
    let alone = p.marginal_abandon(&i, 0);
    i.leaving = &READY_LATER;
    assert_eq!(p.marginal_abandon(&i, 0), alone);
    i.leaving = &READY_SOON;
    let soon = p.marginal_abandon(&i, 0);
    assert!(alone < 0.05 && soon > 0.9, "{alone} vs {soon}");
    // Nor does the progressive floor dial for it.
    let meter = MeterReadings {
        guarded_rate: 0.0,
        guarded_answered: 2_000,
        guarded_abandoned: 0,
        day_answered: 2_000,
        day_abandoned: 0,
    };
    let ready = [0u64];
    let mut i = inputs(&stats, &ready, &[], &[], t, meter);
    i.leaving = &READY_SOON;
    assert_eq!(DialcorePacer::default().dials(&i), 0);
    i.leaving = &READY_LATER;
    assert!(DialcorePacer::default().dials(&i) >= 1);
}

// ------------------------------------------------------- client wait

#[test]
fn the_wait_bound_follows_the_team_size() {
    // 100 s talks and 20 s ACW: S = 120 s.
    let mut stats = PacingStats::default();
    let t = feed(
        &mut stats,
        0,
        3_000,
        3,
        (8 * S, 20 * S),
        |_| 100 * S,
        20 * S,
    );
    let meter = MeterReadings {
        guarded_rate: 0.005,
        guarded_answered: 5_000,
        guarded_abandoned: 25,
        day_answered: 5_000,
        day_abandoned: 25,
    };
    let team = |n: usize| -> Vec<BusyOperator> {
        (0..n)
            .map(|i| BusyOperator {
                phase: if i % 6 == 0 {
                    BusyPhase::Acw
                } else {
                    BusyPhase::Talk
                },
                elapsed_ms: (i as u64 * 7_919) % (100 * S),
            })
            .collect()
    };
    let fixed = DialcoreTuning {
        wait_p95_bound_ms: 0,
        ..DialcoreTuning::default()
    };
    for (n, more) in [(5, false), (300, true)] {
        let busy = team(n);
        let i = inputs(&stats, &[], &busy, &[], t, meter);
        let mut derived = DialcorePacer::default();
        let mut old = DialcorePacer::new(fixed);
        let (a, b) = (derived.dials(&i), old.dials(&i));
        // w = 2% · exp(B / m), m = S / N.
        let want = (0.02 * (1_000.0 / (120_000.0 / n as f64)).exp()).min(1.0);
        let got = derived.wait_bound(&i);
        assert!((got - want).abs() < 1e-3 * want, "{n}: {got} vs {want}");
        assert_eq!(old.wait_bound(&i), 0.02);
        if more {
            assert!(a > b, "{n} operators: {a} dials vs {b} under the fixed 2%");
        } else {
            assert!(a.abs_diff(b) <= 1, "{n} operators: {a} vs {b}");
        }
    }
}
