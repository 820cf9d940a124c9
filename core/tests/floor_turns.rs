//! A predictive operator whose calls fail before an answer is still in its
//! turn: its campaign dials again for it, the floor does not move it.
//!
//! Two predictive campaigns (ratio 1) share a pool of ten operators; every
//! call is busy. Before operators were moved on each failed call, the two
//! campaigns passed them back and forth within every poll (four campaign
//! polls a turn), each move cost a logout and a login, and operators ended
//! up where no poll dialed for them: fewer calls in flight than operators.

use std::collections::VecDeque;

use dialcore::floor::CampaignId;
use dialcore::{CallId, CampaignConfig, Command, Event, Floor, FloorEvent, Mode, State};

const T0: u64 = 1_764_000_000_123;
const OPERATORS: u32 = 10;

fn in_flight(floor: &Floor, campaigns: &[CampaignId]) -> u32 {
    campaigns
        .iter()
        .map(|&c| {
            let counts = floor.campaign(c).unwrap().counts();
            counts.get(State::Calling) + counts.get(State::AwaitingOperator)
        })
        .sum()
}

#[test]
fn failed_calls_are_replaced_in_the_same_campaign_without_moving_operators() {
    let mut floor = Floor::new();
    let pool = floor.add_pool("p").unwrap();
    let mut campaigns = Vec::new();
    for i in 0..2u64 {
        let c = floor
            .add_campaign(
                &format!("c{i}"),
                CampaignConfig::new(Mode::Predictive),
                0,
                1,
            )
            .unwrap();
        let numbers: Vec<u64> = (0..1_000)
            .map(|k| 12_000_000_000 + i * 10_000 + k)
            .collect();
        floor
            .campaign_mut(c)
            .unwrap()
            .add_numbers(&numbers, 0)
            .unwrap();
        floor.assign(pool, c).unwrap();
        campaigns.push(c);
    }
    for _ in 0..OPERATORS {
        let op = floor.add_operator(pool).unwrap();
        for event in [Event::OperatorLogin(op), Event::OperatorReady(op)] {
            floor
                .handle(
                    FloorEvent {
                        campaign: None,
                        event,
                    },
                    T0,
                )
                .unwrap();
        }
    }
    let mut now = T0;
    let mut calls: VecDeque<(CampaignId, CallId)> = VecDeque::new();
    let mut out = Vec::new();
    let mut poll = |floor: &mut Floor, now: u64, calls: &mut VecDeque<(CampaignId, CallId)>| {
        out.clear();
        floor.poll(now, &mut out).unwrap();
        for c in &out {
            if let Command::Dial { call, .. } = c.command {
                calls.push_back((c.campaign, call));
            }
        }
        out.len()
    };
    now += 1;
    poll(&mut floor, now, &mut calls);
    assert_eq!(
        in_flight(&floor, &campaigns),
        OPERATORS,
        "one call per operator at ratio 1"
    );
    for turn in 0..300 {
        now += 1;
        let (campaign, call) = calls.pop_front().expect("a call in flight");
        floor
            .handle(
                FloorEvent {
                    campaign: Some(campaign),
                    event: Event::Rejected(call),
                },
                now,
            )
            .unwrap();
        let commands = poll(&mut floor, now, &mut calls);
        assert_eq!(
            commands, 1,
            "turn {turn}: the failed call is replaced by one dial"
        );
        assert_eq!(
            floor.last_poll_campaigns(),
            1,
            "turn {turn}: only the campaign of the event is polled"
        );
        assert_eq!(
            in_flight(&floor, &campaigns),
            OPERATORS,
            "turn {turn}: every operator has its call"
        );
    }
    for &c in &campaigns {
        assert_eq!(
            floor.campaign(c).unwrap().operators().ready_count(),
            5,
            "the pool stays split evenly"
        );
    }
}
