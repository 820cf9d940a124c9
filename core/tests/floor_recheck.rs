//! A Dial held by the host after its poll (a C host's `cap`) and handed out
//! later goes through `Floor::recheck`: the campaign's guards and the
//! floor's own (lists in scope, caps over the floor) at that moment.

mod util;

use dialcore::event::{Command, Event, OperatorId};
use dialcore::floor::caps::CapsConfig;
use dialcore::floor::dnc::Scope;
use dialcore::floor::trunk::{TrunkConfig, TrunkId};
use dialcore::floor::CampaignId;
use dialcore::{Floor, FloorCommand, FloorEvent, Mode, State};
use util::{SEC, T0};

const NUMBER: u64 = 12125550101;

fn poll(f: &mut Floor, now: u64) -> Vec<FloorCommand> {
    let mut out = Vec::new();
    f.poll(now, &mut out).unwrap();
    out
}

/// A floor of progressive campaigns (BCW 0 ms, priorities 2, 1, …) on one
/// pool of one operator and one trunk of two lines, each campaign with one
/// contact on `NUMBER`, under a floor cap of 5 dials a number in 24 hours
/// (so the floor counts dials).
fn floor(campaigns: usize) -> (Floor, Vec<CampaignId>, OperatorId, TrunkId) {
    let mut f = Floor::new();
    f.set_caps(CapsConfig {
        per_24h: 5,
        per_days: 0,
        days: 0,
    })
    .unwrap();
    let pool = f.add_pool("english").unwrap();
    let t = f.add_trunk(TrunkConfig::new(2, 100), T0).unwrap();
    let ids: Vec<CampaignId> = (0..campaigns)
        .map(|i| {
            let config = dialcore::CampaignConfig {
                bcw_ms: 0,
                ..util::config(Mode::Progressive)
            };
            let c = f
                .add_campaign(&format!("c{i}"), config, (campaigns - i) as u8, 1)
                .unwrap();
            f.assign(pool, c).unwrap();
            f.route(c, &[t]).unwrap();
            f.campaign_mut(c)
                .unwrap()
                .add_contact("2125550101", "x", None, 0)
                .unwrap();
            c
        })
        .collect();
    let op = f.add_operator(pool).unwrap();
    f.handle(FloorEvent::operator(Event::OperatorLogin(op)), T0)
        .unwrap();
    f.handle(FloorEvent::operator(Event::OperatorReady(op)), T0)
        .unwrap();
    (f, ids, op, t)
}

/// The next offer, accepted: the Dial the following poll makes.
fn next_dial(f: &mut Floor, now: u64) -> FloorCommand {
    let out = poll(f, now);
    let offer = out
        .iter()
        .find(|c| matches!(c.command, Command::Offer { .. }))
        .unwrap_or_else(|| panic!("no offer in {out:?}"));
    let Command::Offer { contact, operator } = offer.command else {
        unreachable!()
    };
    f.handle(
        FloorEvent::of(
            offer.campaign,
            Event::OperatorAccepted { operator, contact },
        ),
        now,
    )
    .unwrap();
    let out = poll(f, now);
    *out.iter()
        .find(|c| matches!(c.command, Command::Dial { .. }))
        .unwrap_or_else(|| panic!("no dial in {out:?}"))
}

fn contact_of(cmd: &FloorCommand) -> dialcore::store::ContactId {
    match cmd.command {
        Command::Dial { call, .. } => call.contact,
        _ => panic!("not a dial: {cmd:?}"),
    }
}

/// The withdrawn Dial is revoked from its operator at the next poll and
/// never handed out; whatever it held is free. Returns that poll's output.
fn assert_withdrawn(
    f: &mut Floor,
    dial: &FloorCommand,
    op: OperatorId,
    t: TrunkId,
    now: u64,
) -> Vec<FloorCommand> {
    let contact = contact_of(dial);
    assert_eq!(f.trunk_status(t, now).unwrap().in_use, 0, "line given back");
    assert_eq!(f.number_in_call(NUMBER), None, "number hold given back");
    let out = poll(f, now);
    assert!(
        out.iter().any(|c| c.campaign == dial.campaign
            && c.command
                == Command::Revoke {
                    contact,
                    operator: op
                }),
        "{out:?}"
    );
    assert!(
        !out.iter()
            .any(|c| matches!(c.command, Command::Dial { call, .. } if call.contact == contact && c.campaign == dial.campaign)),
        "{out:?}"
    );
    out
}

#[test]
fn an_allowed_held_dial_passes_unchanged_and_holds_its_line_and_number() {
    let (mut f, c, _op, t) = floor(1);
    let dial = next_dial(&mut f, T0);
    assert_eq!(dial.trunk, Some(t));
    assert!(f.recheck(&dial, T0 + 2 * SEC).unwrap());
    assert_eq!(f.trunk_status(t, T0 + 2 * SEC).unwrap().in_use, 1);
    assert_eq!(f.number_in_call(NUMBER), Some(c[0]));
    // Counted once, at the moment it was handed out.
    assert_eq!(f.dials_in_24h(NUMBER, T0 + 2 * SEC), 1);
    let contact = contact_of(&dial);
    assert_eq!(
        f.campaign(c[0]).unwrap().state(contact),
        Some(State::Calling)
    );
    // Its call goes on as usual and gives the line back when it ends.
    let Command::Dial { call, .. } = dial.command else {
        unreachable!()
    };
    f.handle(FloorEvent::of(c[0], Event::Rejected(call)), T0 + 3 * SEC)
        .unwrap();
    assert_eq!(f.trunk_status(t, T0 + 3 * SEC).unwrap().in_use, 0);
    assert_eq!(f.number_in_call(NUMBER), None);
    assert_eq!(f.dials_in_24h(NUMBER, T0 + 3 * SEC), 1);
}

#[test]
fn a_list_added_between_poll_and_recheck_withdraws_the_dial() {
    let (mut f, c, op, t) = floor(1);
    let dial = next_dial(&mut f, T0);
    // A list made after the poll, scoped to the campaign.
    let l = f.add_list("asked to stop", Scope::Campaign(c[0])).unwrap();
    f.list_add(l, &[NUMBER], None).unwrap();
    assert!(!f.recheck(&dial, T0 + SEC).unwrap());
    assert_eq!(f.list_hits(Some(l)), 1);
    assert_eq!(f.dials_in_24h(NUMBER, T0 + SEC), 0, "never dialed");
    let out = assert_withdrawn(&mut f, &dial, op, t, T0 + SEC);
    // The contact is due again at once: offered again, and at its Dial the
    // floor's list blocks it.
    let contact = contact_of(&dial);
    let reoffer = Command::Offer {
        contact,
        operator: op,
    };
    let mut out = out;
    for s in 2..5 {
        if out.iter().any(|c| c.command == reoffer) {
            break;
        }
        out = poll(&mut f, T0 + s * SEC);
    }
    assert!(out.iter().any(|c| c.command == reoffer), "{out:?}");
    f.handle(
        FloorEvent::of(
            c[0],
            Event::OperatorAccepted {
                operator: op,
                contact,
            },
        ),
        T0 + 5 * SEC,
    )
    .unwrap();
    let out = poll(&mut f, T0 + 5 * SEC);
    assert!(
        !out.iter()
            .any(|c| matches!(c.command, Command::Dial { .. })),
        "{out:?}"
    );
    assert_eq!(
        f.campaign(c[0]).unwrap().state(contact),
        Some(State::Blacklisted)
    );
    assert_eq!(f.list_hits(Some(l)), 2, "the recheck's hit and the Dial's");
}

#[test]
fn a_list_out_of_scope_or_expired_lets_the_held_dial_go() {
    let (mut f, c, _op, t) = floor(2);
    let dial = next_dial(&mut f, T0);
    assert_eq!(dial.campaign, c[0]);
    let other = f.add_list("other", Scope::Campaign(c[1])).unwrap();
    f.list_add(other, &[NUMBER], None).unwrap();
    let floor_wide = f.add_list("company", Scope::Floor).unwrap();
    f.list_add(floor_wide, &[NUMBER], Some(T0 + SEC)).unwrap();
    assert!(f.recheck(&dial, T0 + SEC).unwrap());
    assert_eq!(f.trunk_status(t, T0 + SEC).unwrap().in_use, 1);
    assert_eq!(f.list_hits(Some(other)) + f.list_hits(Some(floor_wide)), 0);
}

#[test]
fn caps_lowered_between_poll_and_recheck_withdraw_the_dial() {
    let (mut f, c, op, t) = floor(2);
    f.set_caps(CapsConfig {
        per_24h: 2,
        per_days: 0,
        days: 0,
    })
    .unwrap();
    // c0 dials the number first; its call ends (one dial counted).
    let first = next_dial(&mut f, T0);
    assert_eq!(first.campaign, c[0]);
    let Command::Dial { call, .. } = first.command else {
        unreachable!()
    };
    f.handle(FloorEvent::of(c[0], Event::Rejected(call)), T0 + SEC)
        .unwrap();
    // The operator is free again; c0 has no contact left, c1 dials.
    let mut dial = None;
    for s in 2..6 {
        let out = poll(&mut f, T0 + s * SEC);
        if let Some(o) = out
            .iter()
            .find(|c| c.campaign == CampaignId(1) && matches!(c.command, Command::Offer { .. }))
        {
            let Command::Offer { contact, operator } = o.command else {
                unreachable!()
            };
            f.handle(
                FloorEvent::of(c[1], Event::OperatorAccepted { operator, contact }),
                T0 + s * SEC,
            )
            .unwrap();
            dial = poll(&mut f, T0 + s * SEC)
                .into_iter()
                .find(|c| matches!(c.command, Command::Dial { .. }));
            break;
        }
    }
    let dial = dial.expect("c1 dials the number under a cap of two");
    assert_eq!(f.dials_in_24h(NUMBER, T0 + 6 * SEC), 2);
    // The cap comes down to one before the host hands c1's Dial out.
    f.set_caps(CapsConfig {
        per_24h: 1,
        per_days: 0,
        days: 0,
    })
    .unwrap();
    assert!(!f.recheck(&dial, T0 + 7 * SEC).unwrap());
    assert_eq!(f.dials_in_24h(NUMBER, T0 + 7 * SEC), 1, "only c0's dial");
    let _ = assert_withdrawn(&mut f, &dial, op, t, T0 + 7 * SEC);
}

#[test]
fn a_dial_withdrawn_by_its_campaign_gives_back_its_line_and_is_not_counted() {
    let (mut f, c, op, t) = floor(1);
    let dial = next_dial(&mut f, T0);
    f.handle(FloorEvent::of(c[0], Event::Pause), T0 + SEC)
        .unwrap();
    assert!(!f.recheck(&dial, T0 + SEC).unwrap());
    assert_eq!(f.dials_in_24h(NUMBER, T0 + SEC), 0, "never dialed");
    let _ = assert_withdrawn(&mut f, &dial, op, t, T0 + SEC);
}

#[test]
fn a_command_of_a_removed_campaign_is_withdrawn_and_a_bad_time_is_an_error() {
    let (mut f, _c, _op, _t) = floor(1);
    let dial = next_dial(&mut f, T0);
    let gone = FloorCommand {
        campaign: CampaignId(99),
        ..dial
    };
    assert!(!f.recheck(&gone, T0 + SEC).unwrap());
    assert!(f.recheck(&dial, u64::MAX).is_err());
    // The error changed nothing: the Dial still goes.
    assert!(f.recheck(&dial, T0 + SEC).unwrap());
}
