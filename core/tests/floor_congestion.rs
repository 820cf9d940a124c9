//! `Event::Congestion` on a lone campaign: the contact goes back without
//! counting an attempt (attempts, metrics, the per-number 24-hour cap), and
//! the journal's replay agrees with the live run.

mod util;

use std::fs;

use dialcore::event::{CallId, Command, Event};
use dialcore::journal::FsyncPolicy;
use dialcore::records::read_records;
use dialcore::{Campaign, CampaignConfig, DurableOptions, EngineError, Mode, State};
use util::{config, ready_operator, SEC, T0};

fn predictive() -> CampaignConfig {
    let mut c = config(Mode::Predictive);
    c.retry.max_attempts_per_24h = 1;
    c
}

fn dials(out: &[Command]) -> Vec<CallId> {
    out.iter()
        .filter_map(|c| match c {
            Command::Dial { call, .. } => Some(*call),
            _ => None,
        })
        .collect()
}

fn poll(c: &mut Campaign, now: u64) -> Vec<Command> {
    let mut out = Vec::new();
    c.poll(now, &mut out).unwrap();
    out
}

#[test]
fn congestion_gives_the_attempt_back_and_replay_agrees() {
    let dir = std::env::temp_dir().join(format!("dialcore-congestion-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    let options = DurableOptions {
        fsync: FsyncPolicy::Never,
        snapshot_every_records: 0,
        accept_config_change: false,
        journal_retention: Default::default(),
    };
    let (mut c, _) = Campaign::open_with(&dir, predictive(), options).unwrap();
    let id = c.add_contact("2125550101", "a", None, 0).unwrap();
    ready_operator(&mut c, T0);
    let call = dials(&poll(&mut c, T0))[0];
    assert_eq!(call.attempt, 1);
    // Only a ringing call may be congested.
    c.handle(Event::Congestion(call), T0 + SEC).unwrap();
    assert_eq!(c.state(id), Some(State::RetryScheduled));
    assert_eq!(c.store().attempts(id), Some(0));
    assert_eq!(c.metrics(T0 + SEC).unwrap().dials, 0);
    let stale = c.handle(Event::Congestion(call), T0 + SEC).unwrap_err();
    assert!(matches!(stale, EngineError::StaleCall { .. }), "{stale}");
    // Due at once, and the 24-hour cap of one dial is not used up.
    let again = dials(&poll(&mut c, T0 + 2 * SEC));
    assert_eq!(
        again,
        vec![CallId {
            contact: id,
            attempt: 1
        }]
    );
    c.handle(Event::Answered(again[0]), T0 + 3 * SEC).unwrap();
    let e = c
        .handle(Event::Congestion(again[0]), T0 + 4 * SEC)
        .unwrap_err();
    assert!(matches!(e, EngineError::IllegalTransition { .. }), "{e}");
    let live = (
        c.store().attempts(id),
        c.metrics(T0 + 4 * SEC).unwrap().dials,
    );
    c.flush().unwrap();
    drop(c);
    let (mut back, _) = Campaign::open_with(&dir, predictive(), options).unwrap();
    assert_eq!(
        (
            back.store().attempts(id),
            back.metrics(T0 + 4 * SEC).unwrap().dials
        ),
        live
    );
    assert_eq!(live, (Some(1), 1));
    drop(back);
    // The attempt records hold the one real attempt, not the congested dial.
    let records = read_records(&dir, predictive(), Some("c")).unwrap();
    assert_eq!(records.attempts.len(), 1, "{:?}", records.attempts);
    assert_eq!(records.attempts[0].dial_at, T0 + 2 * SEC);
    let _ = fs::remove_dir_all(&dir);
}
