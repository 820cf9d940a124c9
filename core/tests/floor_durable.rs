//! The floor's data directory: a floor of several campaigns sharing
//! operators, a trunk, a do-not-call list and cross-campaign caps comes
//! back after a crash with every campaign, every contact (exactly once, no
//! attempt dialed twice), its admin state, and caps that count every dial
//! made before the crash.
//!
//! The crash is in-process: the floor is dropped at a random point of a
//! simulated run without `flush` (what a SIGKILL leaves: every journal
//! write made so far, nothing more — each campaign writes its journal at
//! the end of each poll, the floor writes each admin change as it is
//! made) and opened again; the loop goes on from there with a new host.
//! `sim`'s kill-9 loop (a real SIGKILL of a child process) covers a single
//! campaign; a floor of campaigns is one process with one journal writer
//! per campaign, so the in-process drop exercises the same files.

mod floor_sim;

use std::fs;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

use dialcore::floor::caps::CapsConfig;
use dialcore::floor::trunk::TrunkConfig;
use dialcore::journal::FsyncPolicy;
use dialcore::{DurableOptions, Floor, Mode, State};
use floor_sim::{CampaignSpec, Host, Spec, SEC, T0};
use proptest::prelude::*;

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("dialcore-floor-{name}-{}-{n}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn options() -> DurableOptions {
    DurableOptions {
        fsync: FsyncPolicy::Never,
        snapshot_every_records: 200,
        accept_config_change: false,
        journal_retention: Default::default(),
    }
}

fn spec(seed: u64) -> Spec {
    Spec {
        seed,
        campaigns: vec![
            CampaignSpec {
                mode: Mode::Predictive,
                priority: 1,
                weight: 2,
                contacts: 60,
                routed: true,
            },
            CampaignSpec {
                mode: Mode::Progressive,
                priority: 1,
                weight: 1,
                contacts: 60,
                routed: true,
            },
            CampaignSpec {
                mode: Mode::Preview,
                priority: 2,
                weight: 1,
                contacts: 20,
                routed: false,
            },
        ],
        operators: 5,
        trunk: Some(TrunkConfig::new(4, 3)),
        caps: CapsConfig {
            per_24h: 2,
            per_days: 3,
            days: 7,
        },
        numbers: 90,
        listed: 4,
        answer_percent: 45,
        congestion_percent: 10,
        operator_churn: true,
        talk_ms: (5 * SEC, 40 * SEC),
    }
}

/// What must survive: each campaign's contacts (state and attempts).
fn contacts(floor: &Floor) -> Vec<Vec<(State, u8)>> {
    floor
        .campaign_ids()
        .map(|c| {
            let s = floor.campaign(c).unwrap().store();
            (0..s.len() as u32)
                .map(|i| {
                    let id = dialcore::ContactId(i);
                    (s.state(id).unwrap(), s.attempts(id).unwrap())
                })
                .collect()
        })
        .collect()
}

fn crash_loop(seed: u64, crashes: &[u64]) {
    let dir = TempDir::new("crash");
    let spec = spec(seed);
    let (mut floor, rec) = Floor::open(&dir.0, options()).unwrap();
    assert_eq!(rec.admin_records, 0);
    Host::set_up(&mut floor, &spec);
    let names: Vec<String> = floor
        .campaign_ids()
        .map(|c| floor.campaign_name(c).unwrap().to_owned())
        .collect();
    let mut host = Host::on(floor, spec.clone(), T0, Default::default());
    for &run_ms in crashes {
        let end = host.now + run_ms;
        host.run(end);
        let before = contacts(&host.floor);
        let now = host.now + SEC;
        let carry = host.carry();
        let seen = host.dialed_numbers();
        let expected: Vec<usize> = seen.iter().map(|&n| host.dials_in_24h(n, now)).collect();
        drop(host); // the crash: no flush
        let (floor, rec) = Floor::open(&dir.0, options()).unwrap();
        assert!(rec.admin_records > 0);
        // Every campaign, by name, and every contact, exactly once.
        let now_names: Vec<String> = floor
            .campaign_ids()
            .map(|c| floor.campaign_name(c).unwrap().to_owned())
            .collect();
        assert_eq!(now_names, names);
        let after = contacts(&floor);
        for (ci, (b, a)) in before.iter().zip(&after).enumerate() {
            assert_eq!(a.len(), b.len(), "campaign {ci}: contacts");
            for (k, (bs, as_)) in b.iter().zip(a).enumerate() {
                if bs.0.is_live() || bs.0 == State::AwaitingOperator {
                    assert!(!as_.0.is_live(), "campaign {ci} contact {k}: {as_:?}");
                } else {
                    assert_eq!(as_, bs, "campaign {ci} contact {k}");
                }
                assert!(
                    as_.1 >= bs.1.saturating_sub(1),
                    "campaign {ci} contact {k}: attempts"
                );
            }
        }
        // The admin state came back.
        assert_eq!(floor.caps(), spec.caps);
        assert_eq!(
            floor.list_len(dialcore::floor::dnc::ListId(0)).unwrap().0,
            spec.listed
        );
        assert_eq!(
            floor
                .pool_counts(dialcore::floor::PoolId(0))
                .unwrap()
                .logged_out,
            spec.operators
        );
        // The caps count every dial the host saw (a lost congestion answer
        // may leave one more counted: stricter, never looser).
        for (&n, &want) in seen.iter().zip(&expected) {
            let got = floor.dials_in_24h(n, now);
            assert!(
                got >= want,
                "number {n}: {got} dials counted after the crash, {want} seen"
            );
        }
        assert!(rec.cap_dials as usize >= expected.iter().sum::<usize>());
        host = Host::on(floor, spec.clone(), now, carry);
    }
    // The loop dialed across the crashes without breaking a cap (checked at
    // every Dial by the host, with the dials of before each crash).
    assert!(host.dials_in_24h(floor_sim::num(10), host.now) <= 2);
}

#[test]
fn a_floor_comes_back_after_each_crash_of_a_run() {
    crash_loop(3, &[40 * SEC, 90 * SEC, 7 * SEC, 200 * SEC, 1, 60 * SEC]);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]

    #[test]
    fn crash_anywhere(seed in any::<u64>(), crashes in prop::collection::vec(1u64..300_000, 1..5)) {
        crash_loop(seed, &crashes);
    }
}

#[test]
fn a_second_open_is_locked_and_a_removed_campaign_stays_removed() {
    let dir = TempDir::new("lock");
    let (mut floor, _) = Floor::open(&dir.0, options()).unwrap();
    assert!(Floor::open(&dir.0, options()).is_err(), "locked");
    let a = floor
        .add_campaign("a", dialcore::CampaignConfig::new(Mode::Progressive), 1, 1)
        .unwrap();
    let b = floor
        .add_campaign("b", dialcore::CampaignConfig::new(Mode::Predictive), 3, 4)
        .unwrap();
    floor
        .campaign_mut(b)
        .unwrap()
        .add_contact("+12125550100", "x", None, 0)
        .unwrap();
    floor.remove_campaign(a).unwrap();
    floor.set_share(b, 2, 5).unwrap();
    drop(floor);
    let (floor, rec) = Floor::open(&dir.0, options()).unwrap();
    assert_eq!(floor.campaign_ids().collect::<Vec<_>>(), vec![b]);
    assert_eq!(floor.campaign_name(b), Some("b"));
    assert_eq!(floor.campaign(b).unwrap().config().mode, Mode::Predictive);
    assert_eq!(floor.campaign(b).unwrap().store().len(), 1);
    assert_eq!(rec.campaigns.len(), 1);
    assert!(dir.0.join("removed").join("0").is_dir());
    assert_eq!(floor.campaign_id("a"), None);
}
