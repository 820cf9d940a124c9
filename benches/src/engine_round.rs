//! The engine benches' unit of work, shared by `engine` and `durable`: a
//! predictive campaign with ready operators, and one round of calls through
//! the host interface.

use dialcore::{CallId, Campaign, CampaignConfig, Command, Disposition, Event, Mode};

/// Operators in the benched campaigns.
pub const OPERATORS: usize = 1_000;

/// `n` distinct North American numbers.
pub fn numbers(n: usize) -> Vec<u64> {
    (0..n as u64).map(|i| 12010000000 + i * 7).collect()
}

/// Predictive at ratio 1 (every answered call finds an operator), no ACW limit.
pub fn config() -> CampaignConfig {
    CampaignConfig {
        predictive_ratio: 1.0,
        acw_limit_ms: 0,
        ..CampaignConfig::new(Mode::Predictive)
    }
}

/// Adds `contacts` contacts and `OPERATORS` logged-in, ready operators.
pub fn populate(c: &mut Campaign, contacts: usize) {
    c.add_numbers(&numbers(contacts), 0).expect("fits");
    for _ in 0..OPERATORS {
        let op = c.add_operator();
        c.handle(Event::OperatorLogin(op), 0).unwrap();
        c.handle(Event::OperatorReady(op), 0).unwrap();
    }
}

/// One round: poll (dials one call per ready operator), answer every call,
/// poll again (the answered calls are connected there, as the wake-up
/// contract asks), then end and close ACW of every call. Returns the events
/// handled.
pub fn round(
    c: &mut Campaign,
    now: &mut u64,
    out: &mut Vec<Command>,
    calls: &mut Vec<CallId>,
) -> u64 {
    out.clear();
    calls.clear();
    *now += 1_000;
    c.poll(*now, out).expect("time in range");
    calls.extend(out.iter().filter_map(|cmd| match cmd {
        Command::Dial { call, .. } => Some(*call),
        _ => None,
    }));
    for &call in calls.iter() {
        c.handle(Event::Answered(call), *now).unwrap();
    }
    out.clear();
    c.poll(*now, out).expect("time in range");
    for &call in calls.iter() {
        c.handle(Event::CallEnded(call), *now + 500).unwrap();
    }
    for &call in calls.iter() {
        let operator = c.operator_of(call.contact).expect("in ACW");
        c.handle(
            Event::AcwDone {
                operator,
                contact: call.contact,
                disposition: Disposition::Done,
            },
            *now + 600,
        )
        .unwrap();
    }
    *now += 600;
    3 * calls.len() as u64
}
