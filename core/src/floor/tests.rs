//! The parts together: a toy progressive floor driven by random events, in
//! the order `docs/FLOOR.md` plans for `Floor::poll` (pick a campaign for a
//! free operator, its next contact, the do-not-call lists, the caps, a
//! trunk line, then the seat), checking the floor's invariants at every
//! step: no operator in two calls, no trunk over its lines, no number in two
//! calls or over its cap across campaigns, no listed number dialed, and
//! each pick from the top priority with work.

use std::collections::{HashMap, VecDeque};

use proptest::prelude::*;

use super::caps::{CapRefusal, Caps, CapsConfig, NumberHold};
use super::dnc::{DncLists, Scope};
use super::pool::{CallKind, Pools, Seat};
use super::share::Share;
use super::trunk::{LinePermit, Refusal, TrunkConfig, Trunks};
use super::{CampaignId, PoolId};
use crate::event::OperatorId;

const T0: u64 = 1_700_000_000_000;
const BASE: u64 = 12_025_550_000;

struct Call {
    campaign: CampaignId,
    number: u64,
    seat: Seat,
    permit: LinePermit,
    hold: NumberHold,
}

#[derive(Debug, Clone)]
enum Step {
    /// Time passes, then a free operator of this pool asks for work.
    Work(u64, u32),
    /// The call at this index ends.
    End(usize),
    /// The call at this index met carrier congestion.
    Congestion(usize),
    /// Add a number to the floor-wide list.
    List(u64),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        5 => (0u64..3_000, 0u32..2).prop_map(|(dt, p)| Step::Work(dt, p)),
        3 => any::<usize>().prop_map(Step::End),
        1 => any::<usize>().prop_map(Step::Congestion),
        1 => (0u64..12).prop_map(Step::List),
    ]
}

proptest! {
    #[test]
    fn a_toy_floor_keeps_every_invariant(
        steps in proptest::collection::vec(step(), 1..300),
        priorities in proptest::collection::vec(0u8..3, 3),
    ) {
        // Three campaigns over twelve numbers, overlapping: the same person
        // is in several campaigns.
        let campaigns: Vec<CampaignId> = (0..3).map(CampaignId).collect();
        let mut queues: Vec<VecDeque<u64>> = (0..3)
            .map(|c| (0..40).map(|i| BASE + (i * (c + 1)) % 12).collect())
            .collect();
        let mut share = Share::new();
        let mut pools = Pools::new();
        let english = pools.add_pool();
        let spanish = pools.add_pool();
        for (i, &c) in campaigns.iter().enumerate() {
            share.add_campaign(c, priorities[i], 1 + i as u32).unwrap();
            share.set_ready(c, true).unwrap();
        }
        // english serves all three, spanish the last two.
        for (pool, served) in [(english, &campaigns[..]), (spanish, &campaigns[1..])] {
            for &c in served {
                pools.assign(pool, c).unwrap();
                share.assign(pool, c).unwrap();
            }
        }
        for o in 0..6 {
            let pool = if o < 4 { english } else { spanish };
            pools.add_operator(OperatorId(o), pool).unwrap();
            pools.login(OperatorId(o), T0).unwrap();
            pools.ready(OperatorId(o), T0).unwrap();
        }
        let mut trunks = Trunks::new();
        let small = trunks.add(TrunkConfig::new(2, 2), T0).unwrap();
        let big = trunks.add(TrunkConfig::new(3, 1), T0).unwrap();
        for &c in &campaigns {
            trunks.route(c, &[small, big]).unwrap();
        }
        let mut dnc = DncLists::new();
        let company = dnc.add_list("company", Scope::Floor);
        let own = dnc.add_list("asked campaign 0", Scope::Campaign(campaigns[0]));
        dnc.add(own, BASE + 1, None).unwrap();
        let mut caps = Caps::new(CapsConfig { per_24h: 2, per_days: 0, days: 0 }).unwrap();
        let mut calls: Vec<Call> = Vec::new();
        let mut dialed: HashMap<u64, Vec<u64>> = HashMap::new();
        let mut dialed_by: Vec<(CampaignId, u64)> = Vec::new();
        let mut now = T0;

        let work_steps = steps.iter().filter(|s| matches!(s, Step::Work(..))).count();
        for step in steps {
            match step {
                Step::Work(dt, p) => {
                    now += dt;
                    let pool = PoolId(p);
                    if pools.available_outbound(pool).unwrap() == 0 {
                        continue;
                    }
                    // The top priority with work among the pool's campaigns.
                    let top = pools.campaigns_of(pool).unwrap().iter()
                        .filter(|c| !queues[c.0 as usize].is_empty())
                        .map(|c| share.settings(*c).unwrap().0)
                        .max();
                    let Some(c) = share.pick_where(pool, |c| !queues[c.0 as usize].is_empty()) else {
                        prop_assert!(top.is_none());
                        continue;
                    };
                    prop_assert_eq!(Some(share.settings(c).unwrap().0), top);
                    let number = queues[c.0 as usize].pop_front().unwrap();
                    if dnc.check(number, c, now).is_some() {
                        continue; // Blacklisted in its campaign.
                    }
                    let hold = match caps.begin(number, c, now) {
                        Ok(hold) => hold,
                        Err(CapRefusal::InCall(_) | CapRefusal::Daily { .. } | CapRefusal::Days { .. }) => {
                            queues[c.0 as usize].push_back(number); // Retry later.
                            share.set_ready(c, true).unwrap();
                            continue;
                        }
                    };
                    let permit = match trunks.acquire_for(c, now).unwrap() {
                        Ok(permit) => permit,
                        Err(Refusal::LinesFull | Refusal::Rate { .. }) => {
                            caps.cancel(hold).unwrap();
                            queues[c.0 as usize].push_front(number);
                            share.set_ready(c, true).unwrap();
                            continue;
                        }
                    };
                    let seat = pools.take_outbound(pool, c).unwrap();
                    dialed.entry(number).or_default().push(now);
                    dialed_by.push((c, number));
                    calls.push(Call { campaign: c, number, seat, permit, hold });
                }
                Step::End(i) | Step::Congestion(i) if !calls.is_empty() => {
                    let call = calls.swap_remove(i % calls.len());
                    if matches!(step, Step::Congestion(_)) {
                        trunks.congestion(call.permit, now).unwrap();
                        caps.cancel(call.hold).unwrap();
                        dialed.get_mut(&call.number).unwrap().pop();
                        queues[call.campaign.0 as usize].push_front(call.number);
                        share.set_ready(call.campaign, true).unwrap();
                    } else {
                        trunks.release(call.permit).unwrap();
                        caps.end(call.hold).unwrap();
                    }
                    pools.free(call.seat, now).unwrap();
                }
                Step::List(n) => dnc.add(company, BASE + n, None).unwrap(),
                Step::End(_) | Step::Congestion(_) => {}
            }

            // No operator in two calls, every call's operator in a call of
            // its campaign.
            let mut operators: Vec<OperatorId> = calls.iter().map(|c| c.seat.operator()).collect();
            operators.sort();
            operators.dedup();
            prop_assert_eq!(operators.len(), calls.len());
            for call in &calls {
                prop_assert_eq!(call.seat.kind(), CallKind::Outbound(call.campaign));
            }
            // No number in two calls.
            let mut numbers: Vec<u64> = calls.iter().map(|c| c.number).collect();
            numbers.sort();
            numbers.dedup();
            prop_assert_eq!(numbers.len(), calls.len());
            // No trunk over its lines.
            for t in [small, big] {
                let in_use = calls.iter().filter(|c| c.permit.trunk() == t).count() as u32;
                prop_assert_eq!(trunks.status(t, now).unwrap().in_use, in_use);
                prop_assert!(in_use <= trunks.config(t).unwrap().max_calls);
            }
        }
        // No number over 2 dials in any 24 hours, across the campaigns.
        for times in dialed.values() {
            for (i, &t) in times.iter().enumerate() {
                let inside = times[..=i].iter().filter(|&&s| t - s < 86_400_000).count();
                prop_assert!(inside <= 2);
            }
        }
        // Campaign 0 never dialed the number it was asked not to.
        prop_assert!(!dialed_by.contains(&(campaigns[0], BASE + 1)));
        // The run did dial (the checks above are not vacuous).
        prop_assert!(work_steps < 20 || !dialed_by.is_empty());
    }
}
