//! Model-based tests of the floor: random floors (campaigns of every
//! operator mode, priorities, weights, one shared pool, a shared trunk, a
//! floor list, cross-campaign caps, numbers shared between campaigns) run
//! by a simulated host (`floor_sim`) that checks, at every command, that
//! no operator gets two calls, no trunk goes over its lines or calls per
//! second, no number is in two calls or dialed past the floor cap or while
//! listed, and that the attachment of operators stays a partition with
//! reserved operators never attached.

mod floor_sim;

use dialcore::floor::caps::CapsConfig;
use dialcore::floor::trunk::TrunkConfig;
use dialcore::Mode;
use floor_sim::{CampaignSpec, Host, Spec, SEC, T0};
use proptest::prelude::*;

fn mode() -> impl Strategy<Value = Mode> {
    prop_oneof![
        Just(Mode::Preview),
        Just(Mode::Progressive),
        Just(Mode::Predictive)
    ]
}

fn campaign() -> impl Strategy<Value = CampaignSpec> {
    (mode(), 1u8..3, 1u32..5, 5usize..40, any::<bool>()).prop_map(
        |(mode, priority, weight, contacts, routed)| CampaignSpec {
            mode,
            priority,
            weight,
            contacts,
            routed,
        },
    )
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        any::<u64>(),
        prop::collection::vec(campaign(), 1..5),
        1u32..7,
        prop::option::of((1u32..5, 1u32..4)),
        (0u16..4, 20u64..80, 0u64..6),
        (20u64..70, 0u64..25, any::<bool>()),
    )
        .prop_map(
            |(
                seed,
                campaigns,
                operators,
                trunk,
                (cap, numbers, listed),
                (answer, congestion, churn),
            )| Spec {
                seed,
                campaigns,
                operators,
                trunk: trunk.map(|(lines, cps)| TrunkConfig::new(lines, cps)),
                caps: CapsConfig {
                    per_24h: cap,
                    per_days: 0,
                    days: 0,
                },
                numbers,
                listed,
                answer_percent: answer,
                congestion_percent: congestion,
                operator_churn: churn,
                talk_ms: (5 * SEC, 60 * SEC),
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn no_floor_invariant_breaks_in_a_random_run(spec in spec()) {
        let mut host = Host::new(spec);
        host.run(T0 + 20 * 60 * SEC);
        // Something happened: every run with contacts and operators dials.
        let dials: u64 = host.tally.dials.values().sum();
        prop_assert!(dials > 0, "no dial at all: {:?}", host.tally);
    }
}

fn long_spec(seed: u64, campaigns: Vec<CampaignSpec>, operators: u32) -> Spec {
    Spec {
        seed,
        campaigns,
        operators,
        trunk: None,
        caps: CapsConfig::default(),
        numbers: 1_000_000,
        listed: 0,
        answer_percent: 60,
        congestion_percent: 0,
        operator_churn: false,
        talk_ms: (20 * SEC, 90 * SEC),
    }
}

fn spec_of(mode: Mode, priority: u8, weight: u32, contacts: usize) -> CampaignSpec {
    CampaignSpec {
        mode,
        priority,
        weight,
        contacts,
        routed: false,
    }
}

/// Weights are honoured over operator turns: with the eligible set fixed
/// (every campaign has contacts all along), each campaign's offers differ
/// from its weighted share of all offers by at most `w + 2 × w_max` (the
/// tolerance of docs/FLOOR.md: `w` for the deficit round robin itself, and
/// the turns in progress at the start and the end of the run).
#[test]
fn weights_are_honoured_over_a_long_run() {
    let weights = [1u32, 2, 5];
    let campaigns = weights
        .iter()
        .map(|&w| spec_of(Mode::Progressive, 1, w, 2_000))
        .collect();
    let mut host = Host::new(long_spec(11, campaigns, 6));
    host.run(T0 + 3 * 3_600 * SEC);
    let total: u64 = host.tally.offers.values().sum();
    let w_sum: u32 = weights.iter().sum();
    let w_max = *weights.iter().max().unwrap();
    assert!(total > 1_000, "{:?}", host.tally);
    for (i, &w) in weights.iter().enumerate() {
        let served = host.tally.offers.get(&(i as u32)).copied().unwrap_or(0) as f64;
        let share = total as f64 * f64::from(w) / f64::from(w_sum);
        let tolerance = f64::from(w + 2 * w_max);
        eprintln!("weight {w}: {served} offers of {total}, share {share:.1}");
        assert!(
            (served - share).abs() <= tolerance,
            "campaign {i} (weight {w}): {served} offers of {total}, share {share:.1} ± {tolerance}"
        );
    }
}

/// Strict priority: a lower-priority campaign gets an operator only when
/// the higher one has nothing to dial.
#[test]
fn the_higher_priority_campaign_takes_every_turn_while_it_has_contacts() {
    let campaigns = vec![
        spec_of(Mode::Progressive, 2, 1, 3_000),
        spec_of(Mode::Progressive, 1, 9, 3_000),
    ];
    let mut host = Host::new(long_spec(5, campaigns, 4));
    host.run(T0 + 3_600 * SEC);
    assert!(
        host.tally.offers.get(&0).copied().unwrap_or(0) > 200,
        "{:?}",
        host.tally
    );
    assert_eq!(host.tally.offers.get(&1), None, "{:?}", host.tally);
}

/// Each predictive campaign's own abandon rate stays within its target
/// (the law counts per campaign) over a long run on a shared pool, with a
/// progressive campaign taking turns of the same operators.
#[test]
fn each_campaign_keeps_its_abandon_rate_within_its_target() {
    let campaigns = vec![
        spec_of(Mode::Predictive, 1, 2, 4_000),
        spec_of(Mode::Predictive, 1, 1, 4_000),
        spec_of(Mode::Progressive, 1, 1, 4_000),
    ];
    let mut host = Host::new(long_spec(23, campaigns, 8));
    let end = T0 + 4 * 3_600 * SEC;
    host.run(end);
    for c in host.campaigns.clone().into_iter().take(2) {
        let camp = host.floor.campaign(c).unwrap();
        let target = camp.config().abandon_target;
        let m = host.floor.campaign_mut(c).unwrap().metrics(end).unwrap();
        assert!(m.answered > 300, "{c}: {m:?}");
        assert!(
            m.abandon_rate <= target,
            "{c}: abandon rate {:.4} over its target {target} ({m:?})",
            m.abandon_rate
        );
        eprintln!(
            "{c}: {} answered, {} abandoned, rate {:.4}",
            m.answered, m.abandoned, m.abandon_rate
        );
    }
    eprintln!("{:?}", host.tally);
}
