//! Behaviour of whole simulation runs.

use dialcore::State;
use dialcore_sim::{run, Mode, Progress, Scenario, SimReport, StopReason};

fn small(mode: Mode, seed: u64) -> Scenario {
    let mut s = Scenario {
        name: format!("small-{mode}"),
        seed,
        contacts: 2_000,
        operators: 5,
        ..Scenario::default()
    };
    s.set_mode(mode);
    s
}

fn go(s: &Scenario) -> SimReport {
    run(s, &mut |_| {}).expect("run")
}

fn count(r: &SimReport, state: State) -> u64 {
    r.counts[state.name()]
}

fn csv(r: &SimReport) -> String {
    let mut out = Vec::new();
    r.write_timeseries_csv(&mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn every_mode_finishes_with_every_contact_terminal() {
    for mode in [Mode::Preview, Mode::Progressive, Mode::Predictive] {
        let r = go(&small(mode, 7));
        assert!(r.finished, "{mode}: {}", r.render_text());
        assert_eq!(r.stop_reason, StopReason::Finished);
        assert_eq!(r.mode, mode.name());
        assert_eq!(r.counts.len(), 17, "all 17 states present");
        assert_eq!(r.counts.values().sum::<u64>(), 2_000, "{mode}");
        for state in State::ALL {
            if !state.is_terminal() {
                assert_eq!(count(&r, state), 0, "{mode}: {} left", state.name());
            }
        }
        assert!(
            count(&r, State::Success) > 1_000,
            "{mode}: {}",
            r.render_text()
        );
        assert_eq!(count(&r, State::Success), r.connected, "{mode}");
        assert!(r.dials >= 2_000 && r.answered >= r.connected);
        assert!(r.attempts_per_contact >= 1.0 && r.attempts_per_contact <= 5.0);
        assert!(r.occupancy > 0.2 && r.occupancy < 1.0, "{}", r.occupancy);
        assert!(r.contacts_per_operator_hour > 1.0);
        // One row per simulated minute, from minute 0 to the end.
        let rows = &r.timeseries;
        assert_eq!(rows.len() as u64, (r.simulated_s / 60.0).floor() as u64 + 1);
        assert!(rows
            .iter()
            .enumerate()
            .all(|(i, row)| row.minute == i as u64));
        assert_eq!(rows.iter().map(|row| row.answered).sum::<u64>(), r.answered);
        assert_eq!(
            rows.iter().map(|row| row.abandoned).sum::<u64>(),
            r.abandoned
        );
        assert!(rows.iter().all(|row| row.ready_operators <= 5));
        assert!(rows.iter().any(|row| row.calls_in_flight > 0));
        if mode != Mode::Predictive {
            assert_eq!(r.abandoned, 0);
            assert_eq!(count(&r, State::CanceledByClient), 0);
        }
    }
}

#[test]
fn same_seed_same_report_different_seed_different() {
    for mode in [Mode::Preview, Mode::Predictive] {
        let a = go(&small(mode, 42));
        let b = go(&small(mode, 42));
        assert_eq!(a.to_json(), b.to_json());
        assert_eq!(a.timeseries, b.timeseries);
        assert_eq!(csv(&a), csv(&b));
        assert_eq!(a, b);
        let c = go(&small(mode, 43));
        assert_ne!(a.to_json(), c.to_json());
        assert_ne!(csv(&a), csv(&c));
    }
}

#[test]
fn preview_declines_give_rejected_by_operator_never_canceled_by_client() {
    let mut s = small(Mode::Preview, 3);
    s.operator_model.p_decline = 0.2;
    let r = go(&s);
    assert!(r.finished);
    let rejected = count(&r, State::RejectedByOperator);
    // About 20% of offers declined, an offer per attempt.
    assert!(rejected > 300, "{}", r.render_text());
    assert_eq!(count(&r, State::CanceledByClient), 0);
    assert_eq!(r.abandoned, 0);

    s.operator_model.p_decline = 0.0;
    let r = go(&s);
    assert_eq!(count(&r, State::RejectedByOperator), 0);
}

#[test]
fn progressive_declines_requeue_and_operators_come_back() {
    let mut s = small(Mode::Progressive, 5);
    s.operator_model.p_decline = 0.3;
    let r = go(&s);
    assert!(r.finished, "{}", r.render_text());
    assert_eq!(count(&r, State::RejectedByOperator), 0);
    assert!(count(&r, State::Success) > 1_000);
}

#[test]
fn predictive_impatient_clients_hang_up_before_the_abandon_limit() {
    let mut s = small(Mode::Predictive, 11);
    s.operators = 3;
    s.campaign.predictive_ratio = 4.0;
    s.campaign.abandon_target = 0.5;
    s.campaign.abandon_limit_ms = 20_000;
    s.customers.patience_mean_s = 2.0;
    s.customers.patience_sd_s = 1.0;
    let r = go(&s);
    assert!(r.finished);
    assert!(
        count(&r, State::CanceledByClient) > 0,
        "{}",
        r.render_text()
    );
    assert!(r.client_hangups > 0);
    assert!(r.abandoned >= r.client_hangups);
    assert!(r.abandon_rate > 0.0);
    // Impatient clients leave well before the 20 s limit.
    assert!(r.wait_p95_s < 15.0, "{}", r.wait_p95_s);
    assert!(r.wait_mean_s > 0.0);
    let last = r.timeseries.last().unwrap();
    assert!((last.cumulative_abandon_rate - r.abandon_rate).abs() < 1e-12);

    // Patient clients are released by the engine at the limit instead.
    s.customers.patience_mean_s = 600.0;
    s.campaign.abandon_limit_ms = 2_000;
    let r = go(&s);
    assert!(
        r.abandoned > 0 && r.client_hangups == 0,
        "{}",
        r.render_text()
    );
    assert!(r.wait_p95_s <= 2.0);
}

#[test]
fn until_hours_stops_early() {
    let mut s = small(Mode::Predictive, 1);
    s.until_hours = Some(0.5);
    let mut calls = Vec::new();
    let r = run(&s, &mut |p: Progress| calls.push(p)).unwrap();
    assert!(!r.finished);
    assert_eq!(r.stop_reason, StopReason::TimeLimit);
    assert_eq!(r.simulated_s, 1_800.0);
    assert_eq!(r.timeseries.len(), 31, "minutes 0..=30");
    assert_eq!(r.counts.values().sum::<u64>(), 2_000);
    assert!(count(&r, State::Initial) > 0);
    // Progress about every simulated minute, in order.
    assert_eq!(calls.len(), 31);
    assert!(calls
        .windows(2)
        .all(|w| w[1].simulated_ms == w[0].simulated_ms + 60_000));
    assert!(calls
        .iter()
        .all(|p| p.contacts == 2_000 && p.terminal <= 2_000));
    assert!(calls.last().unwrap().events > 0);
}

#[test]
fn a_window_that_never_opens_stalls_instead_of_looping() {
    let mut s = small(Mode::Predictive, 1);
    s.calling_window = "never".into();
    let r = go(&s);
    assert_eq!(r.stop_reason, StopReason::Stalled);
    assert!(!r.finished);
    assert_eq!(r.dials, 0);
    assert_eq!(count(&r, State::Initial), 2_000);
}

#[test]
fn a_calling_window_pauses_dialing_overnight() {
    let mut s = small(Mode::Progressive, 2);
    s.contacts = 600;
    s.calling_window = "Mon-Fri 09:00-17:00".into();
    let r = go(&s);
    assert!(r.finished, "{}", r.render_text());
    // Every minute outside 09:00-17:00 UTC on a weekday has no call in flight.
    for row in &r.timeseries {
        let minute_of_week = (row.minute + 9 * 60) % (7 * 24 * 60); // the start is Monday 09:00
        let day = minute_of_week / (24 * 60);
        let minute_of_day = minute_of_week % (24 * 60);
        let open = day < 5 && (9 * 60..17 * 60).contains(&minute_of_day);
        // Calls dialed before 17:00 may still be talking a little after.
        let settling = day < 5 && (17 * 60..17 * 60 + 30).contains(&minute_of_day);
        if !open && !settling {
            assert_eq!(row.calls_in_flight, 0, "minute {}", row.minute);
        }
    }
    assert!(r.simulated_s > 8.0 * 3600.0);
}

#[test]
fn operators_on_breaks_still_finish_the_campaign() {
    let mut s = small(Mode::Predictive, 9);
    s.operator_model.break_every_min = 60.0;
    s.operator_model.break_min = 15.0;
    let with_breaks = go(&s);
    assert!(with_breaks.finished, "{}", with_breaks.render_text());
    let without = go(&small(Mode::Predictive, 9));
    // Breaks leave fewer operators ready on average and stretch the run.
    assert!(with_breaks.simulated_s > without.simulated_s);
    let min_ready = with_breaks
        .timeseries
        .iter()
        .map(|r| r.ready_operators)
        .min()
        .unwrap();
    assert_eq!(min_ready, 0);
}

#[test]
fn acw_off_and_short_acw_limit() {
    let mut s = small(Mode::Predictive, 4);
    s.campaign.acw_enabled = false;
    let r = go(&s);
    assert!(r.finished);
    assert_eq!(r.stale_events, 0);

    // ACW longer than the engine's limit: the engine closes it with a Revoke,
    // so the simulated operator's own AcwDone is dropped, never sent late.
    let mut s = small(Mode::Preview, 4);
    s.operator_model.acw_mean_s = 60.0;
    s.campaign.acw_limit_ms = 30_000;
    let r = go(&s);
    assert!(r.finished);
    assert_eq!(r.stale_events, 0);
}

#[test]
fn reports_render() {
    let r = go(&small(Mode::Predictive, 1));
    let text = r.render_text();
    assert!(text.contains("Awaiting for free operator"), "{text}");
    assert!(text.contains("abandon rate"));
    let json = r.to_json();
    for key in [
        "scenario",
        "mode",
        "seed",
        "contacts",
        "operators",
        "counts",
        "abandon_rate",
        "occupancy",
        "contacts_per_operator_hour",
        "attempts_per_contact",
        "dials",
        "answered",
        "abandoned",
        "connected",
        "wait_mean_s",
        "wait_p95_s",
        "simulated_s",
        "events",
        "stale_events",
        "finished",
    ] {
        assert!(json.get(key).is_some(), "{key} missing");
    }
    assert!(json.get("timeseries").is_none());
    assert_eq!(json["counts"]["Success"], r.counts["Success"]);
    let csv = csv(&r);
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("minute,ready_operators,calls_in_flight,answered,abandoned,cumulative_abandon_rate")
    );
    assert_eq!(lines.count(), r.timeseries.len());
}

#[test]
fn a_second_number_with_its_own_answer_rate_reaches_customers_the_first_does_not() {
    // Number #0 is never answered by a human (and is often busy, which moves
    // the contact on); number #1 answers 60% of the time.
    let mut s = small(Mode::Predictive, 11);
    s.customers.p_human = 0.0;
    s.customers.p_busy = 0.5;
    let one = go(&s);
    assert_eq!(one.answered, 0, "{}", one.render_text());
    s.customers.extra_numbers_p_human = vec![0.6];
    let two = go(&s);
    assert!(two.answered > 500, "{}", two.render_text());
    assert!(two.finished);
    assert_eq!(two.counts.values().sum::<u64>(), 2_000);
    // A probability outside 0..=1 is refused.
    s.customers.extra_numbers_p_human = vec![1.5];
    assert!(run(&s, &mut |_| {}).is_err());
}
