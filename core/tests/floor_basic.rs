//! The floor, scenario by scenario: operators lent to one campaign at a
//! time, priority and share, trunks, do-not-call lists, caps, congestion.

mod util;

use dialcore::event::{CallId, Command, Disposition, Event, OperatorId};
use dialcore::floor::caps::CapsConfig;
use dialcore::floor::dnc::Scope;
use dialcore::floor::trunk::TrunkConfig;
use dialcore::floor::{CampaignId, PoolId};
use dialcore::{Floor, FloorCommand, FloorError, FloorEvent, Mode, State};
use util::{SEC, T0};

/// A campaign's config for these tests: BCW of 0 ms (the dial is due at
/// the accept).
fn config(mode: Mode) -> dialcore::CampaignConfig {
    dialcore::CampaignConfig {
        bcw_ms: 0,
        ..util::config(mode)
    }
}

fn poll(f: &mut Floor, now: u64) -> Vec<FloorCommand> {
    let mut out = Vec::new();
    f.poll(now, &mut out).unwrap();
    out
}

fn op_event(f: &mut Floor, e: Event, now: u64) {
    f.handle(FloorEvent::operator(e), now).unwrap();
}

fn ready(f: &mut Floor, op: OperatorId, now: u64) {
    op_event(f, Event::OperatorLogin(op), now);
    op_event(f, Event::OperatorReady(op), now);
}

fn add(f: &mut Floor, c: CampaignId, numbers: &[&str]) {
    for (i, n) in numbers.iter().enumerate() {
        f.campaign_mut(c)
            .unwrap()
            .add_contact(n, &format!("{i}"), None, 0)
            .unwrap();
    }
}

/// Two progressive campaigns on one pool of `ops` operators.
fn two(
    ops: u32,
    p1: u8,
    w1: u32,
    p2: u8,
    w2: u32,
) -> (Floor, PoolId, CampaignId, CampaignId, Vec<OperatorId>) {
    let mut f = Floor::new();
    let a = f
        .add_campaign("a", config(Mode::Progressive), p1, w1)
        .unwrap();
    let b = f
        .add_campaign("b", config(Mode::Progressive), p2, w2)
        .unwrap();
    let pool = f.add_pool("english").unwrap();
    f.assign(pool, a).unwrap();
    f.assign(pool, b).unwrap();
    let ops = (0..ops).map(|_| f.add_operator(pool).unwrap()).collect();
    (f, pool, a, b, ops)
}

/// Offer → accept → dial for the offer in `cmds`; returns the call.
fn accept_and_dial(
    f: &mut Floor,
    cmd: &FloorCommand,
    now: u64,
) -> (CampaignId, CallId, OperatorId) {
    let Command::Offer { contact, operator } = cmd.command else {
        panic!("not an offer: {cmd:?}");
    };
    f.handle(
        FloorEvent::of(cmd.campaign, Event::OperatorAccepted { operator, contact }),
        now,
    )
    .unwrap();
    let out = poll(f, now);
    let dial = out
        .iter()
        .find_map(|c| match c.command {
            Command::Dial {
                call,
                operator: Some(o),
                ..
            } if c.campaign == cmd.campaign => Some((call, o)),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no dial in {out:?}"));
    assert_eq!(dial.1, operator, "the dial names the floor operator");
    (cmd.campaign, dial.0, operator)
}

#[test]
fn one_operator_serves_the_higher_priority_campaign_then_the_other() {
    let (mut f, _pool, a, b, ops) = two(1, 1, 1, 2, 1);
    add(&mut f, a, &["2125550101"]);
    add(&mut f, b, &["2125550201"]);
    ready(&mut f, ops[0], T0);
    let out = poll(&mut f, T0);
    assert_eq!(out.len(), 1, "{out:?}");
    assert_eq!(out[0].campaign, b, "priority 2 first");
    assert_eq!(f.operator_campaign(ops[0]), Some(b));
    let (c, call, op) = accept_and_dial(&mut f, &out[0], T0);
    f.handle(FloorEvent::of(c, Event::Answered(call)), T0 + SEC)
        .unwrap();
    f.handle(FloorEvent::of(c, Event::CallEnded(call)), T0 + 2 * SEC)
        .unwrap();
    f.handle(
        FloorEvent::of(
            c,
            Event::AcwDone {
                operator: op,
                contact: call.contact,
                disposition: Disposition::Done,
            },
        ),
        T0 + 3 * SEC,
    )
    .unwrap();
    assert_eq!(
        f.campaign(b).unwrap().state(call.contact),
        Some(State::Success)
    );
    // b has nothing left: the operator goes to a.
    let out = poll(&mut f, T0 + 3 * SEC);
    assert_eq!(out.len(), 1, "{out:?}");
    assert_eq!(out[0].campaign, a);
    assert!(matches!(out[0].command, Command::Offer { operator, .. } if operator == ops[0]));
    assert_eq!(f.operator_campaign(ops[0]), Some(a));
}

#[test]
fn operator_events_name_no_campaign_and_work_events_need_the_attachment() {
    let (mut f, _pool, a, b, ops) = two(1, 1, 1, 1, 1);
    add(&mut f, a, &["2125550101"]);
    ready(&mut f, ops[0], T0);
    let out = poll(&mut f, T0);
    assert_eq!(out[0].campaign, a);
    let Command::Offer { contact, operator } = out[0].command else {
        panic!()
    };
    let e = f
        .handle(
            FloorEvent::of(b, Event::OperatorAccepted { operator, contact }),
            T0,
        )
        .unwrap_err();
    assert_eq!(
        e,
        FloorError::NotAssigned {
            operator,
            campaign: b
        }
    );
    let e = f
        .handle(FloorEvent::of(a, Event::OperatorReady(operator)), T0)
        .unwrap_err();
    assert!(matches!(e, FloorError::WrongTarget { .. }), "{e}");
    let e = f
        .handle(
            FloorEvent::operator(Event::OperatorReady(OperatorId(9))),
            T0,
        )
        .unwrap_err();
    assert_eq!(e, FloorError::UnknownOperator(OperatorId(9)));
}

#[test]
fn a_trunk_line_limits_dials_across_campaigns_and_names_the_trunk() {
    let (mut f, _pool, a, b, ops) = two(2, 1, 1, 1, 1);
    let t = f.add_trunk(TrunkConfig::new(1, 100), T0).unwrap();
    f.route(a, &[t]).unwrap();
    f.route(b, &[t]).unwrap();
    add(&mut f, a, &["2125550101"]);
    add(&mut f, b, &["2125550201"]);
    ready(&mut f, ops[0], T0);
    ready(&mut f, ops[1], T0);
    let out = poll(&mut f, T0);
    assert_eq!(out.len(), 2, "{out:?}");
    let (c1, call1, _) = accept_and_dial(&mut f, &out[0], T0);
    // The second accept: no line, the operator waits in BCW.
    let Command::Offer { contact, operator } = out[1].command else {
        panic!()
    };
    f.handle(
        FloorEvent::of(
            out[1].campaign,
            Event::OperatorAccepted { operator, contact },
        ),
        T0,
    )
    .unwrap();
    let none = poll(&mut f, T0);
    assert!(
        none.iter()
            .all(|c| !matches!(c.command, Command::Dial { .. })),
        "{none:?}"
    );
    assert_eq!(
        f.campaign(out[1].campaign).unwrap().state(contact),
        Some(State::Bcw)
    );
    let second = out[1].campaign;
    assert_ne!(second, c1);
    // The first call ends: the line frees, the second dials on the trunk.
    f.handle(FloorEvent::of(c1, Event::Rejected(call1)), T0 + SEC)
        .unwrap();
    let out = poll(&mut f, T0 + 2 * SEC);
    let dial = out
        .iter()
        .find(|c| matches!(c.command, Command::Dial { .. }))
        .unwrap_or_else(|| panic!("{out:?}"));
    assert_eq!(dial.trunk, Some(t));
    assert_eq!(dial.campaign, second);
    assert!(matches!(dial.command, Command::Dial { operator: Some(o), .. } if o == operator));
    assert_eq!(f.trunk_status(t, T0 + 2 * SEC).unwrap().in_use, 1);
}

#[test]
fn a_floor_list_blocks_in_scope_only() {
    let (mut f, _pool, a, b, ops) = two(1, 2, 1, 1, 1);
    let l = f.add_list("a only", Scope::Campaign(a)).unwrap();
    f.list_add(l, &[12125550101], None).unwrap();
    add(&mut f, a, &["2125550101"]);
    add(&mut f, b, &["2125550101"]);
    ready(&mut f, ops[0], T0);
    // Progressive offers come before the dial; the block is at the dial.
    let out = poll(&mut f, T0);
    assert_eq!(out[0].campaign, a);
    let Command::Offer { contact, operator } = out[0].command else {
        panic!()
    };
    f.handle(
        FloorEvent::of(a, Event::OperatorAccepted { operator, contact }),
        T0,
    )
    .unwrap();
    let out = poll(&mut f, T0);
    assert!(
        out.iter()
            .all(|c| !matches!(c.command, Command::Dial { .. })),
        "{out:?}"
    );
    assert_eq!(
        f.campaign(a).unwrap().state(contact),
        Some(State::Blacklisted)
    );
    assert_eq!(f.list_hits(Some(l)), 1);
    // In the same poll the operator went on to b, whose contact with the
    // same number is not in the list's scope.
    let offer = out
        .iter()
        .find(|c| c.campaign == b)
        .unwrap_or_else(|| panic!("{out:?}"));
    let (_, call, _) = accept_and_dial(&mut f, offer, T0 + SEC);
    assert_eq!(
        f.campaign(b).unwrap().state(call.contact),
        Some(State::Calling)
    );
    assert_eq!(f.list_hits(Some(l)), 1);
}

#[test]
fn floor_caps_count_across_campaigns_and_congestion_takes_a_dial_back() {
    let (mut f, _pool, a, b, ops) = two(1, 2, 1, 1, 1);
    f.set_caps(CapsConfig {
        per_24h: 1,
        per_days: 0,
        days: 0,
    })
    .unwrap();
    add(&mut f, a, &["2125550101"]);
    add(&mut f, b, &["2125550101"]);
    ready(&mut f, ops[0], T0);
    let out = poll(&mut f, T0);
    let (c, call, _) = accept_and_dial(&mut f, &out[0], T0);
    assert_eq!(c, a);
    assert_eq!(f.number_in_call(12125550101), Some(a));
    // Congestion: no attempt, no cap use, the contact due again.
    f.handle(FloorEvent::of(a, Event::Congestion(call)), T0 + SEC)
        .unwrap();
    let camp = f.campaign(a).unwrap();
    assert_eq!(camp.state(call.contact), Some(State::RetryScheduled));
    assert_eq!(camp.store().attempts(call.contact), Some(0));
    assert_eq!(f.dials_in_24h(12125550101, T0 + SEC), 0);
    assert_eq!(f.number_in_call(12125550101), None);
}

#[test]
fn a_poll_costs_the_campaigns_that_are_due_not_the_idle_ones() {
    let mut f = Floor::new();
    let pool = f.add_pool("english").unwrap();
    let ids: Vec<CampaignId> = (0..1_000)
        .map(|i| {
            let c = f
                .add_campaign(&format!("c{i}"), config(Mode::Progressive), 1, 1)
                .unwrap();
            f.assign(pool, c).unwrap();
            c
        })
        .collect();
    let op = f.add_operator(pool).unwrap();
    // Every campaign is new: the first poll looks at each once.
    poll(&mut f, T0);
    assert_eq!(f.last_poll_campaigns(), 1_000);
    assert_eq!(f.next_deadline(), None, "nothing timed, nothing to do");
    poll(&mut f, T0 + SEC);
    assert_eq!(f.last_poll_campaigns(), 0, "idle campaigns cost nothing");
    // One campaign gets a contact and the operator gets ready: that
    // campaign is polled (twice: its contact, then its operator).
    add(&mut f, ids[700], &["2125550101"]);
    ready(&mut f, op, T0 + 2 * SEC);
    let out = poll(&mut f, T0 + 2 * SEC);
    assert_eq!(out.len(), 1, "{out:?}");
    assert_eq!(out[0].campaign, ids[700]);
    assert!(f.last_poll_campaigns() <= 2, "{}", f.last_poll_campaigns());
    // Its offer timeout is the floor's one deadline.
    assert_eq!(f.next_deadline(), Some(T0 + 2 * SEC + 30 * SEC));
    poll(&mut f, T0 + 3 * SEC);
    assert_eq!(f.last_poll_campaigns(), 0);
}

#[test]
fn a_reserved_operator_takes_no_outbound_work_until_released() {
    let (mut f, pool, a, _b, ops) = two(2, 1, 1, 1, 1);
    add(&mut f, a, &["2125550101", "2125550102", "2125550103"]);
    ready(&mut f, ops[0], T0);
    ready(&mut f, ops[1], T0);
    f.reserve_inbound(ops[1], T0).unwrap();
    let out = poll(&mut f, T0);
    assert_eq!(out.len(), 1, "{out:?}");
    assert!(matches!(out[0].command, Command::Offer { operator, .. } if operator == ops[0]));
    assert_eq!(f.operator_campaign(ops[1]), None);
    assert_eq!(f.pool_counts(pool).unwrap().reserved, 1);
    // An inbound target of one keeps the last free operator home too.
    f.release_inbound(ops[1], T0 + SEC).unwrap();
    f.set_inbound_target(pool, 1).unwrap();
    let out = poll(&mut f, T0 + SEC);
    assert!(out.is_empty(), "{out:?}");
    assert_eq!(f.available_outbound(pool).unwrap(), 0);
    f.set_inbound_target(pool, 0).unwrap();
    let out = poll(&mut f, T0 + 2 * SEC);
    assert!(
        matches!(out[0].command, Command::Offer { operator, .. } if operator == ops[1]),
        "{out:?}"
    );
}

/// A predictive campaign with more operators than its trunk allows (`lines`
/// simultaneous calls, `cps` a second): the trunk refuses dials. A host that
/// sleeps until `next_deadline()` must not be told "now" again and again
/// (it would spin, and a simulator would never advance its clock).
fn trunk_bound_floor_never_says_now_twice(lines: u32, cps: u32) {
    let mut f = Floor::new();
    let c = f
        .add_campaign("sales", config(Mode::Predictive), 1, 1)
        .unwrap();
    let pool = f.add_pool("english").unwrap();
    f.assign(pool, c).unwrap();
    let t = f.add_trunk(TrunkConfig::new(lines, cps), T0).unwrap();
    f.route(c, &[t]).unwrap();
    let numbers: Vec<String> = (0..50).map(|i| format!("21255{:05}", 10100 + i)).collect();
    let refs: Vec<&str> = numbers.iter().map(String::as_str).collect();
    add(&mut f, c, &refs);
    for _ in 0..10 {
        let op = f.add_operator(pool).unwrap();
        ready(&mut f, op, T0);
    }
    let mut now = T0;
    let mut dials = 0;
    for _ in 0..20 {
        let out = poll(&mut f, now);
        dials += out
            .iter()
            .filter(|c| matches!(c.command, Command::Dial { .. }))
            .count();
        assert!(f.trunk_status(t, now).unwrap().in_use <= lines);
        let next = f.next_deadline();
        assert!(
            next.is_none_or(|d| d > now),
            "after a poll at {now} with nothing new, next_deadline is {next:?}"
        );
        match next {
            Some(d) => now = d,
            None => break,
        }
    }
    assert!(dials > 0, "the trunk let some dials through");
}

#[test]
fn a_trunk_out_of_tokens_sets_the_next_deadline_at_its_next_token() {
    trunk_bound_floor_never_says_now_twice(6, 2);
}

#[test]
fn a_trunk_out_of_lines_waits_for_a_line_not_now() {
    trunk_bound_floor_never_says_now_twice(3, 100);
}

/// Two agentless campaigns (one attempt a contact, `n` contacts each) on
/// one trunk of one line; each poll's one Dial is rejected a second later.
/// Returns the campaigns and which one got each of `lines` lines.
fn one_line_for_two(
    (p1, w1): (u8, u32),
    (p2, w2): (u8, u32),
    n: usize,
    lines: usize,
) -> (CampaignId, CampaignId, Vec<CampaignId>) {
    let mut f = Floor::new();
    let cfg = || {
        let mut c = config(Mode::Agentless);
        c.retry.max_attempts = 1;
        c
    };
    let a = f.add_campaign("a", cfg(), p1, w1).unwrap();
    let b = f.add_campaign("b", cfg(), p2, w2).unwrap();
    let t = f.add_trunk(TrunkConfig::new(1, 100), T0).unwrap();
    for c in [a, b] {
        f.route(c, &[t]).unwrap();
        let numbers: Vec<String> = (0..n)
            .map(|i| format!("212555{:04}", i + 1000 * c.0 as usize))
            .collect();
        let refs: Vec<&str> = numbers.iter().map(String::as_str).collect();
        add(&mut f, c, &refs);
    }
    let mut got = Vec::new();
    let mut now = T0;
    while got.len() < lines {
        let out = poll(&mut f, now);
        let dials: Vec<&FloorCommand> = out
            .iter()
            .filter(|c| matches!(c.command, Command::Dial { .. }))
            .collect();
        assert_eq!(dials.len(), 1, "one line, one dial: {out:?}");
        assert_eq!(f.trunk_status(t, now).unwrap().in_use, 1);
        let Command::Dial { call, .. } = dials[0].command else {
            unreachable!()
        };
        got.push(dials[0].campaign);
        now += SEC;
        f.handle(
            FloorEvent::of(dials[0].campaign, Event::Rejected(call)),
            now,
        )
        .unwrap();
    }
    (a, b, got)
}

#[test]
fn a_scarce_line_goes_to_the_higher_priority_campaign_while_it_has_contacts() {
    // The later campaign (b) has the higher priority: polled first by
    // priority, not by the order of the campaigns.
    let (a, b, got) = one_line_for_two((1, 1), (5, 1), 12, 24);
    assert_eq!(got[..12], [b; 12], "{got:?}");
    assert_eq!(got[12..], [a; 12], "{got:?}");
}

#[test]
fn equal_priorities_share_a_scarce_line_by_weight() {
    // Weights 1 : 3 over 400 lines: 100 and 300, within the fair queue's
    // bound (about one line a waiting campaign; 4 allowed here).
    let (a, b, got) = one_line_for_two((3, 1), (3, 3), 400, 400);
    let to_a = got.iter().filter(|&&c| c == a).count();
    let to_b = got.iter().filter(|&&c| c == b).count();
    assert_eq!(to_a + to_b, 400);
    assert!(to_a.abs_diff(100) <= 4, "a (weight 1) got {to_a} of 400");
    // And every stretch of 40 lines is within 4 of 10 : 30 as well.
    for (i, w) in got.chunks(40).enumerate() {
        let n = w.iter().filter(|&&c| c == a).count();
        assert!(n.abs_diff(10) <= 4, "stretch {i}: a got {n} of 40: {w:?}");
    }
    // Swapped weights swap the shares.
    let (a, _, got) = one_line_for_two((3, 3), (3, 1), 400, 400);
    let to_a = got.iter().filter(|&&c| c == a).count();
    assert!(to_a.abs_diff(300) <= 4, "a (weight 3) got {to_a} of 400");
}

#[test]
fn campaign_mut_changes_contacts_and_lists_while_operators_stay_the_floors() {
    let (mut f, _pool, a, _b, ops) = two(1, 2, 1, 1, 1);
    // Through the handle: contacts, the campaign's own blacklist, reads.
    let handle = f.campaign_mut(a).unwrap();
    let blocked = handle.add_contact("2125550101", "x", None, 0).unwrap();
    let open = handle.add_contact("2125550102", "y", None, 0).unwrap();
    handle.blacklist_numbers(&[12125550101]);
    assert_eq!(handle.store().len(), 2, "reads go through to the campaign");
    assert!(handle.metrics(T0).is_ok());
    // The campaign has no operator of its own: the floor lends its one.
    assert_eq!(f.campaign(a).unwrap().operators().ready_count(), 0);
    ready(&mut f, ops[0], T0);
    let out = poll(&mut f, T0);
    assert_eq!(out.len(), 1, "{out:?}");
    assert_eq!(
        out[0].command,
        Command::Offer {
            contact: open,
            operator: ops[0]
        },
        "the floor's operator, under its floor id; the blacklisted contact skipped"
    );
    assert_eq!(
        f.campaign(a).unwrap().state(blocked),
        Some(State::Blacklisted)
    );
    assert_eq!(f.operator_campaign(ops[0]), Some(a));
}
