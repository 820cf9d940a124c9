//! The floor crash loop: a real `dialcore simulate FLOOR.toml --data-dir`
//! process running three campaigns (predictive, progressive, preview) that
//! share two pools of operators, one trunk and a 24-hour cap is killed
//! with SIGKILL at moments spread over its whole run, and the floor data
//! directory it leaves must recover to a consistent floor that loses
//! nothing acknowledged — the same guarantee as `crash.rs` for one
//! campaign (read its module doc: the kill times, `--fsync never`).
//!
//! **Acknowledged** dials: the process runs with `--ack-log FILE`, which
//! appends `CAMPAIGN CONTACT ATTEMPT` of every Dial after each floor poll,
//! before the simulated PBX acts (one unbuffered write per poll); each
//! campaign's journal was written in that poll, before the commands were
//! handed out.
//!
//! **Each run:** spawn, sleep, kill, wait; then in this process
//! `Floor::open` must succeed and the floor must be consistent (see
//! [`check_recovered`]: every acknowledged contact dialed with at least
//! its acknowledged attempts, no live contact left, counts agreeing with a
//! recount, the floor caps rebuilt to exactly the journaled dials); then
//! the same command runs to completion with the same ack log: it must exit
//! 0, finish with no broken promise, and leave every contact terminal, and
//! over both runs no call (campaign, contact, attempt) is dialed twice and
//! no contact more often than its attempts.
//!
//! Nothing here asserts on time: the measured length only places the kills.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use dialcore::floor::CampaignId;
use dialcore::{ContactId, DurableOptions, Floor, State};
use dialcore_sim::floor::FloorScenario;
use util::{dialcore, json_ok, Scratch};

mod util;

/// The simulation seeds, one killed run each (any fixed values will do).
const SEEDS: [u64; 12] = [11, 23, 37, 41, 59, 61, 73, 89, 97, 101, 113, 127];

/// The kill times reach this multiple of the measured run length.
const KILL_SPAN: f64 = 1.1;

/// The snapshot intervals (`--snapshot-every`) the runs take in turn.
const SNAPSHOT_EVERY: [&str; 2] = ["3000", "0"];

/// The floor crash scenario file.
fn scenario_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/floor-crash.toml")
}

/// `simulate` of the floor scenario in `dir` with `seed`, logging Dials to
/// `acks`.
fn simulate(dir: &Path, seed: u64, acks: &Path, extra: &[&str]) -> Command {
    let mut cmd = util::simulate_durable(&scenario_path(), dir, seed, &["--ack-log"]);
    cmd.arg(acks).args(extra);
    cmd
}

/// One acknowledged Dial.
type Ack = (u32, u32, u8);

/// The Dials in an ack log, in order. A line cut by the kill (no newline)
/// is not an acknowledgement.
fn read_acks(path: &Path) -> Vec<Ack> {
    let Ok(log) = std::fs::read_to_string(path) else {
        return Vec::new();
    };
    let complete = match log.rfind('\n') {
        Some(end) => &log[..end],
        None => "",
    };
    complete
        .lines()
        .map(|line| {
            let v: Vec<u64> = line
                .split(' ')
                .map(|x| x.parse().unwrap_or_else(|_| panic!("ack line {line:?}")))
                .collect();
            assert_eq!(v.len(), 3, "ack line {line:?}");
            (v[0] as u32, v[1] as u32, v[2] as u8)
        })
        .collect()
}

/// Dials per (campaign, contact).
fn per_contact(acks: &[Ack]) -> HashMap<(u32, u32), u32> {
    let mut n = HashMap::new();
    for &(c, k, _) in acks {
        *n.entry((c, k)).or_default() += 1;
    }
    n
}

/// Opens `dir` as a host would after the crash and checks the floor;
/// returns how many campaigns it held and how many contacts were
/// reconciled.
fn check_recovered(
    dir: &Path,
    scenario: &FloorScenario,
    acks: &[Ack],
    what: &str,
) -> (usize, usize) {
    let (floor, recovery) = Floor::open(dir, DurableOptions::default())
        .unwrap_or_else(|e| panic!("{what}: the killed run's directory does not open: {e}"));
    let ids: Vec<CampaignId> = floor.campaign_ids().collect();
    // Campaigns are journaled in the scenario's order: a prefix of them.
    assert!(ids.len() <= scenario.campaigns.len(), "{what}: {ids:?}");
    for (i, id) in ids.iter().enumerate() {
        assert_eq!(id.0 as usize, i, "{what}");
        assert_eq!(
            floor.campaign_name(*id),
            Some(scenario.campaigns[i].name.as_str()),
            "{what}"
        );
    }
    let dialed = per_contact(acks);
    let mut max_attempt: HashMap<(u32, u32), u8> = HashMap::new();
    for &(c, k, a) in acks {
        let m = max_attempt.entry((c, k)).or_default();
        *m = (*m).max(a);
    }
    let now = ids
        .iter()
        .map(|id| floor.campaign(*id).expect("campaign").now_ms())
        .max()
        .unwrap_or(0);
    let mut reconciled = 0;
    for (i, id) in ids.iter().enumerate() {
        let campaign = floor.campaign(*id).expect("campaign");
        let store = campaign.store();
        let has_acks = acks.iter().any(|a| a.0 == id.0);
        if has_acks {
            assert_eq!(store.len(), scenario.campaigns[i].contacts, "{what}: {id}");
        } else {
            assert!(
                store.len() <= scenario.campaigns[i].contacts,
                "{what}: {id}"
            );
        }
        assert_eq!(*campaign.counts(), store.recount(), "{what}: {id} counts");
        for state in State::ALL {
            if state.is_live() || state == State::AwaitingOperator {
                assert_eq!(
                    campaign.counts().get(state),
                    0,
                    "{what}: {id} has contacts still {state:?} after recovery"
                );
            }
        }
        for (k, number) in store.numbers().iter().enumerate() {
            let contact = ContactId(k as u32);
            let attempts = store.attempts(contact).unwrap_or(0);
            if let Some(&n) = dialed.get(&(id.0, k as u32)) {
                let state = campaign.state(contact);
                assert!(
                    state.is_some_and(|s| s != State::Initial),
                    "{what}: {id} contact {k} was dialed ({n}×) but recovered as {state:?}"
                );
                assert!(
                    u32::from(attempts) >= n && attempts >= max_attempt[&(id.0, k as u32)],
                    "{what}: {id} contact {k} was dialed {n}× (attempt up to {}) but has \
                     {attempts} attempts",
                    max_attempt[&(id.0, k as u32)]
                );
            }
            // The floor caps are rebuilt from the campaigns' journals: every
            // journaled dial (the whole run is within 24 h), no more.
            assert_eq!(
                floor.dials_in_24h(number, now),
                usize::from(attempts),
                "{what}: {id} contact {k} (number {number}): cap count"
            );
        }
        reconciled += recovery
            .campaigns
            .iter()
            .filter(|(c, _)| c == id)
            .map(|(_, r)| r.reconciled.len())
            .sum::<usize>();
    }
    (ids.len(), reconciled)
}

/// Runs the floor in `dir` to completion and checks it finished with every
/// contact terminal and no call dialed twice over all the runs.
fn continue_to_completion(
    dir: &Path,
    seed: u64,
    acks_path: &Path,
    scenario: &FloorScenario,
    what: &str,
) {
    let out = simulate(dir, seed, acks_path, &["--json"])
        .output()
        .expect("simulate runs");
    let report = json_ok(&out, what);
    assert_eq!(report["stop_reason"], "finished", "{what}: {report}");
    assert_eq!(report["recovery"]["fresh"], false, "{what}: {report}");
    assert_eq!(
        report["violations"].as_array().map(Vec::len),
        Some(0),
        "{what}: {report}"
    );

    let acks = read_acks(acks_path);
    let mut calls = HashMap::new();
    for a in &acks {
        *calls.entry(*a).or_insert(0u32) += 1;
    }
    if let Some((call, n)) = calls.iter().find(|(_, &n)| n > 1) {
        panic!("{what}: call {call:?} (campaign, contact, attempt) was dialed {n}×");
    }
    let dialed = per_contact(&acks);
    let (floor, _) = Floor::open(dir, DurableOptions::default())
        .unwrap_or_else(|e| panic!("{what}: the finished floor does not open: {e}"));
    assert_eq!(
        floor.campaign_ids().count(),
        scenario.campaigns.len(),
        "{what}"
    );
    for (i, c) in scenario.campaigns.iter().enumerate() {
        let id = floor.campaign_id(&c.name).expect("campaign");
        assert_eq!(id.0 as usize, i, "{what}");
        let campaign = floor.campaign(id).expect("campaign");
        let store = campaign.store();
        assert_eq!(store.len(), c.contacts, "{what}: {}", c.name);
        for (state, n) in campaign.counts().iter() {
            assert!(
                n == 0 || state.is_terminal(),
                "{what}: {} has {n} contacts {state:?}",
                c.name
            );
        }
        for k in 0..store.len() {
            let attempts = store.attempts(ContactId(k as u32)).unwrap_or(0);
            let n = dialed.get(&(id.0, k as u32)).copied().unwrap_or(0);
            assert!(
                n <= u32::from(attempts),
                "{what}: {} contact {k} was dialed {n}× with {attempts} attempts",
                c.name
            );
        }
    }
}

#[test]
fn killed_floor_runs_recover_without_losing_acknowledged_dials() {
    let scenario = FloorScenario::from_path(&scenario_path()).expect("the floor crash scenario");
    assert!(scenario.campaigns.len() >= 3);
    let scratch = Scratch::new("floor-kill");

    // One uninterrupted run: its length places the kills; it must finish
    // within a simulated day (so the 24-hour cap counts every dial).
    let dir = scratch.path("whole");
    let acks = scratch.path("whole.log");
    let started = Instant::now();
    let out = simulate(
        &dir,
        1,
        &acks,
        &["--json", "--snapshot-every", SNAPSHOT_EVERY[0]],
    )
    .output()
    .expect("simulate runs");
    let length = started.elapsed();
    let whole = json_ok(&out, "uninterrupted run");
    assert_eq!(whole["stop_reason"], "finished", "{whole}");
    assert_eq!(whole["recovery"]["fresh"], true, "{whole}");
    assert!(
        whole["simulated_s"].as_f64().is_some_and(|s| s < 86_400.0),
        "{whole}"
    );
    assert!(!read_acks(&acks).is_empty());
    eprintln!("an uninterrupted floor run takes {length:?}");

    let (mut killed, mut mid, mut early, mut after_end) = (0, 0, 0, 0);
    let mut reconciled_seen = Vec::new();
    for (i, &seed) in SEEDS.iter().enumerate() {
        let dir = scratch.path(&format!("run-{i}"));
        let acks_path = scratch.path(&format!("acks-{i}.log"));
        let every = SNAPSHOT_EVERY[i % SNAPSHOT_EVERY.len()];
        let kill_at = util::kill_time(i, SEEDS.len(), seed, length, KILL_SPAN);
        let what = format!("run {i} (seed {seed}, --snapshot-every {every}, kill at {kill_at:?})");

        let cmd = simulate(&dir, seed, &acks_path, &["--snapshot-every", every]);
        let ended_on_its_own = util::run_and_kill(cmd, kill_at, &what);
        if !ended_on_its_own {
            killed += 1;
        }

        let acks = read_acks(&acks_path);
        let (campaigns, reconciled) = check_recovered(&dir, &scenario, &acks, &what);
        if ended_on_its_own {
            after_end += 1;
        } else if acks.is_empty() {
            early += 1;
        } else {
            mid += 1;
        }
        reconciled_seen.push(reconciled);
        eprintln!(
            "{what}: {}, {campaigns} campaigns, {} dials acknowledged, {reconciled} reconciled",
            if ended_on_its_own { "ended" } else { "killed" },
            acks.len(),
        );
        continue_to_completion(&dir, seed, &acks_path, &scenario, &what);
    }
    eprintln!(
        "{} runs: {killed} killed ({early} before any dial, {mid} mid-run), {after_end} ended \
         before the kill; reconciled per run: {reconciled_seen:?}",
        SEEDS.len()
    );
    assert!(
        mid > 0,
        "no kill landed mid-run: the kill times do not cover the run"
    );
}

#[test]
fn a_floor_directory_of_another_floor_is_refused_naming_what_differs() {
    let scratch = Scratch::new("floor-other");
    let dir = scratch.path("data");
    let example =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../sim/scenarios/floor-two-campaigns.toml");
    // A short run of the example in `dir`, with `extra` arguments.
    let example_run = |extra: &[&str]| {
        dialcore()
            .arg("simulate")
            .arg("--scenario")
            .arg(&example)
            .arg("--data-dir")
            .arg(&dir)
            .args(["--until", "0.01"])
            .args(extra)
            .output()
            .expect("simulate runs")
    };
    let out = example_run(&["--json"]);
    let report = json_ok(&out, "a short run of the example");
    assert_eq!(report["stop_reason"], "time_limit", "{report}");
    assert_eq!(report["recovery"]["fresh"], true, "{report}");

    // The crash floor has the same campaigns and pools, but 20 operators in
    // its first pool where the example has 8: operator 8 is elsewhere.
    let out = simulate(&dir, 1, &scratch.path("acks.log"), &[])
        .output()
        .expect("simulate runs");
    let stderr = util::text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("OperatorId(8)") && stderr.contains("english"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(out.stdout.is_empty());

    // The example itself continues there (the text report says what
    // recovery found first).
    let out = example_run(&[]);
    let stdout = util::text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", util::text(&out.stderr));
    assert!(stdout.starts_with("recovered floor: "), "{stdout}");
}
