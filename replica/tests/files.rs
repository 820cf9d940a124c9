//! Without a server: what the tail ships from a live campaign's data
//! directory, written by a mirror, is the same bytes, recovers to the same
//! campaign, and a deposed writer's chunk is refused.

use std::fs;
use std::path::Path;

use dialcore::event::Event;
use dialcore::journal::FsyncPolicy;
use dialcore::{Campaign, CampaignConfig, Command, Disposition, DurableOptions, Mode, OperatorId};
use dialcore_replica::mirror::{Applied, Mirror};
use dialcore_replica::tail::{journal_generations, journal_path, JournalTail};
use dialcore_replica::wire::Chunk;
use proptest::prelude::*;

fn options(snapshot_every: u64) -> DurableOptions {
    DurableOptions {
        fsync: FsyncPolicy::Never,
        snapshot_every_records: snapshot_every,
        ..DurableOptions::default()
    }
}

fn config() -> CampaignConfig {
    CampaignConfig {
        mode: Mode::Progressive,
        ..CampaignConfig::default()
    }
}

/// Ships everything new from `tail` into `mirror`, through the wire format.
fn ship(tail: &mut JournalTail, mirror: &mut Mirror, fence: u64) -> usize {
    let chunks = tail.read_new(fence).unwrap();
    for c in &chunks {
        let back = Chunk::from_message(&c.headers(), c.bytes.clone()).unwrap();
        assert_eq!(mirror.apply(&back).unwrap(), Applied::Written, "{c:?}");
    }
    chunks.len()
}

/// The logical bytes of every journal (the primary's file may carry a
/// preallocated zero tail after them).
fn journals(dir: &Path) -> Vec<(u64, Vec<u8>)> {
    journal_generations(dir)
        .unwrap()
        .into_iter()
        .map(|g| {
            let (bytes, _) =
                dialcore_replica::tail::read_frames_from(&journal_path(dir, g), 0).unwrap();
            (g, bytes)
        })
        .collect()
}

/// Drives a small progressive campaign for `steps` polls, shipping after
/// every poll; returns the primary's and the mirror's directories.
fn run(
    name: &str,
    steps: u64,
    snapshot_every: u64,
    seed: u64,
) -> (std::path::PathBuf, std::path::PathBuf) {
    let base = std::env::temp_dir().join(format!(
        "dialcore-replica-{name}-{}-{seed}",
        std::process::id()
    ));
    let (p, s) = (base.join("primary"), base.join("standby"));
    let _ = fs::remove_dir_all(&base);
    let mut mirror = Mirror::create_empty(&s).unwrap();
    let mut tail = JournalTail::from_start(&p);
    {
        let (mut c, _) = Campaign::open_with(&p, config(), options(snapshot_every)).unwrap();
        let numbers: Vec<u64> = (0..40).map(|i| 12_025_550_000 + i).collect();
        c.add_numbers(&numbers, 0).unwrap();
        let op = c.add_operator();
        c.journal_lease(1);
        c.handle(Event::OperatorLogin(op), 0).unwrap();
        c.handle(Event::OperatorReady(op), 0).unwrap();
        let mut cmds = Vec::new();
        let mut rng = seed;
        for step in 0..steps {
            let now = 1_000 + step * 1_000;
            cmds.clear();
            c.poll(now, &mut cmds).unwrap();
            ship(&mut tail, &mut mirror, 1);
            for cmd in &cmds {
                if let Command::Dial { call, .. } = *cmd {
                    rng = rng
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    match rng >> 62 {
                        0 => {
                            let _ = c.handle(Event::Rejected(call), now + 10);
                        }
                        1 => {
                            let _ = c.handle(Event::Unreachable(call), now + 10);
                        }
                        _ => {
                            let _ = c.handle(Event::Answered(call), now + 10);
                            let _ = c.handle(Event::CallEnded(call), now + 20);
                            let _ = c.handle(
                                Event::AcwDone {
                                    operator: OperatorId(0),
                                    contact: call.contact,
                                    disposition: Disposition::Done,
                                },
                                now + 30,
                            );
                        }
                    }
                }
            }
        }
        c.flush().unwrap();
    }
    ship(&mut tail, &mut mirror, 1);
    mirror.sync().unwrap();
    (p, s)
}

#[test]
fn the_mirror_holds_the_primarys_journal_bytes_and_recovers_the_same_campaign() {
    let (p, s) = run("same", 60, 50, 7);
    assert!(
        journal_generations(&p).unwrap().len() >= 2,
        "snapshots rotated the journal"
    );
    assert_eq!(journals(&p), journals(&s));
    let (a, _) = Campaign::inspect(&p, config()).unwrap();
    let (b, report) = Campaign::inspect(&s, config()).unwrap();
    assert!(!report.is_damaged(), "{report}");
    assert_eq!(a.store().states(), b.store().states());
    assert_eq!(a.counts(), b.counts());
    let _ = fs::remove_dir_all(p.parent().unwrap());
}

#[test]
fn a_deposed_writers_chunk_is_refused_and_a_resend_is_a_duplicate() {
    let (p, s) = run("fence", 5, 0, 1);
    let mut mirror = Mirror::create_empty(&s).unwrap();
    let mut tail = JournalTail::from_start(&p);
    let chunks = tail.read_new(1).unwrap();
    for c in &chunks {
        mirror.apply(c).unwrap();
    }
    assert_eq!(mirror.fence(), 1, "the lease record was found");
    // The same bytes again: nothing changes.
    assert_eq!(mirror.apply(&chunks[0]).unwrap(), Applied::Duplicate);
    // A newer writer's record raises the fence …
    {
        let (mut c, _) = Campaign::open_with(&p, config(), options(0)).unwrap();
        c.journal_lease(5);
        c.flush().unwrap();
    }
    for c in tail.read_new(5).unwrap() {
        assert_eq!(mirror.apply(&c).unwrap(), Applied::Written);
    }
    assert_eq!(mirror.fence(), 5);
    // … and the old writer's next chunk is refused.
    {
        let (mut c, _) = Campaign::open_with(&p, config(), options(0)).unwrap();
        c.poll(10_000_000, &mut Vec::new()).unwrap();
    }
    let old = tail.read_new(1).unwrap();
    assert!(!old.is_empty());
    assert_eq!(mirror.apply(&old[0]).unwrap(), Applied::Stale { fence: 5 });
    let _ = fs::remove_dir_all(p.parent().unwrap());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(8))]
    #[test]
    fn any_run_ships_byte_identical(steps in 1u64..80, every in prop_oneof![Just(0u64), 5u64..40], seed in any::<u64>()) {
        let (p, s) = run("prop", steps, every, seed);
        prop_assert_eq!(journals(&p), journals(&s));
        let _ = fs::remove_dir_all(p.parent().unwrap());
    }
}
