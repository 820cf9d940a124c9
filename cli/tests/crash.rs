//! Crash tests: a real `dialcore simulate --data-dir` process is killed with
//! SIGKILL at moments spread over its whole run, and the directory it leaves
//! must recover to a consistent campaign that loses nothing acknowledged.
//!
//! **What "acknowledged" means.** The process runs with `--ack-log FILE`:
//! after every poll, before the simulated PBX acts on the commands, it
//! appends the contact id of every Dial command to FILE (one unbuffered
//! write per poll). The engine writes its journal at the same poll, before
//! handing the commands out; with `--fsync never` the bytes sit in the page
//! cache, which a killed process does not take with it. So every contact in
//! the ack log must come back dialed: not `Initial`, with at least as many
//! attempts as Dials were acknowledged for it.
//!
//! **Seeds and kill times.** [`SEEDS`] is a fixed list; run `i` uses seed
//! `SEEDS[i]` and one of three snapshot intervals (every 50000 records, every
//! 200000, never), so kills also land while snapshots are written and
//! generations change. Its kill time is `L × 1.5 × x²`, where `x` is drawn
//! (by splitmix64 of the seed) inside the `i`-th of `SEEDS.len()` equal
//! slices of `[0, 1]`, and `L` is the wall time of one uninterrupted run
//! (with the most frequent snapshots), measured at the start of the test.
//! Scaling by the measured length keeps the kills spread on any machine;
//! squaring puts the first few within the first milliseconds (process
//! start, creating the directory, the bulk add of the contacts), most
//! mid-campaign, and the last ones after the run ended on its own.
//!
//! **Each run:** spawn, sleep, kill, wait; then in this process
//! `Campaign::open` must succeed and the campaign must be consistent (see
//! [`check_recovered`]); then the same command runs again to completion
//! without a kill: it must exit 0 with stop reason `finished` and the
//! scenario's contacts (a kill before they reached the journal leaves an
//! empty campaign, which must get them), and `dialcore inspect --json` must
//! show every contact in a terminal state.
//!
//! Nothing here asserts on time: the measured length only places the kills.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use dialcore::{Campaign, State};
use dialcore_sim::Scenario;
use util::{dialcore, json_ok, text, Scratch};

mod util;

/// The simulation seeds, one run each (any fixed values will do).
const SEEDS: [u64; 20] = [
    11, 23, 37, 41, 59, 61, 73, 89, 97, 101, 113, 127, 131, 149, 151, 163, 173, 181, 191, 197,
];

/// The kill times reach this multiple of the measured run length, so the
/// last few kills come after the run has ended.
const KILL_SPAN: f64 = 1.5;

/// The first synthetic number the simulator gives its contacts.
const FIRST_NUMBER: u64 = 12_000_000_000;

/// The crash scenario file.
fn scenario_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/crash.toml")
}

/// `simulate` of the crash scenario in `dir` with `seed` and `extra` arguments.
fn simulate(dir: &Path, seed: u64, extra: &[&str]) -> Command {
    util::simulate_durable(&scenario_path(), dir, seed, extra)
}

/// The kill time of run `i` (see the module doc).
fn kill_time(i: usize, seed: u64, length: Duration) -> Duration {
    util::kill_time(i, SEEDS.len(), seed, length, KILL_SPAN)
}

/// The snapshot intervals (`--snapshot-every`) the runs take in turn.
const SNAPSHOT_EVERY: [&str; 3] = ["50000", "200000", "0"];

/// The Dial acknowledgements in an ack log: contact id → Dials. A line cut
/// by the kill (no newline) is not an acknowledgement.
fn read_acks(path: &Path) -> HashMap<u32, u32> {
    let mut acks = HashMap::new();
    let Ok(log) = std::fs::read_to_string(path) else {
        return acks;
    };
    let complete = match log.rfind('\n') {
        Some(end) => &log[..end],
        None => "",
    };
    for line in complete.lines() {
        let id: u32 = line
            .parse()
            .unwrap_or_else(|_| panic!("ack log line {line:?} is not a contact id"));
        *acks.entry(id).or_default() += 1;
    }
    acks
}

/// How a killed run's directory looked after recovery.
#[derive(Debug)]
struct Recovered {
    /// The campaign had its contacts (else the kill came before the bulk
    /// add reached the journal).
    has_contacts: bool,
    reconciled: usize,
    damaged: bool,
    snapshot: Option<u64>,
}

/// Opens `dir` as a host would after the crash and checks the campaign.
fn check_recovered(
    dir: &Path,
    scenario: &Scenario,
    acks: &HashMap<u32, u32>,
    what: &str,
) -> Recovered {
    let config = scenario.campaign_config().expect("the scenario's config");
    let (campaign, report) = Campaign::open(dir, config)
        .unwrap_or_else(|e| panic!("{what}: the killed run's directory does not open: {e}"));
    let store = campaign.store();
    if store.is_empty() {
        assert!(
            acks.is_empty(),
            "{what}: {} contacts were dialed, but the recovered campaign is empty\n{report}",
            acks.len()
        );
        return Recovered {
            has_contacts: false,
            reconciled: report.reconciled.len(),
            damaged: !report.damage.is_empty(),
            snapshot: report.snapshot.as_ref().map(|s| s.generation),
        };
    }

    // Every contact exactly once, with the scenario's numbers in order. A
    // kill in the middle of writing the list may keep only its first part,
    // but only before anything was dialed (the resumed run adds the rest).
    if acks.is_empty() {
        assert!(
            store.len() <= scenario.contacts,
            "{what}: contacts\n{report}"
        );
    } else {
        assert_eq!(store.len(), scenario.contacts, "{what}: contacts\n{report}");
    }
    assert_eq!(report.contacts, store.len() as u64, "{what}\n{report}");
    for (i, number) in store.numbers().iter().enumerate() {
        assert_eq!(
            number,
            FIRST_NUMBER + i as u64,
            "{what}: contact {i} has the wrong number\n{report}"
        );
    }

    // The counts kept incrementally agree with the states.
    assert_eq!(
        *campaign.counts(),
        store.recount(),
        "{what}: counts differ from a recount\n{report}"
    );

    // Nothing acknowledged is lost.
    for (&id, &dials) in acks {
        let contact = dialcore::ContactId(id);
        let state = campaign.state(contact);
        assert!(
            state.is_some_and(|s| s != State::Initial),
            "{what}: contact {id} was dialed ({dials}×) but recovered as {state:?}\n{report}"
        );
        let attempts = store.attempts(contact).unwrap_or(0);
        assert!(
            u32::from(attempts) >= dials,
            "{what}: contact {id} was dialed {dials}× but has {attempts} attempts\n{report}"
        );
    }

    // Contacts live at the crash were put somewhere, and are listed.
    for r in &report.reconciled {
        let now = campaign.state(r.contact);
        assert_eq!(now, Some(r.now), "{what}: {r:?}\n{report}");
        assert!(
            !r.now.is_live(),
            "{what}: reconciled into a live state: {r:?}"
        );
    }
    // No call survives a crash, so nothing is bound to one: no live state,
    // and (predictive mode) no answered client waiting for an operator.
    for state in State::ALL {
        if state.is_live() || state == State::AwaitingOperator {
            assert_eq!(
                campaign.counts().get(state),
                0,
                "{what}: {} contacts still {state:?} after recovery\n{report}",
                campaign.counts().get(state)
            );
        }
    }
    Recovered {
        has_contacts: true,
        reconciled: report.reconciled.len(),
        damaged: !report.damage.is_empty(),
        snapshot: report.snapshot.as_ref().map(|s| s.generation),
    }
}

/// Runs the campaign in `dir` to completion and checks it finished with
/// every contact terminal (the report's and `inspect`'s view).
fn continue_to_completion(dir: &Path, seed: u64, contacts: u64, what: &str) {
    let out = simulate(dir, seed, &["--json"])
        .output()
        .expect("simulate runs");
    let report = json_ok(&out, what);
    assert_eq!(report["stop_reason"], "finished", "{what}: {report}");
    assert_eq!(
        report["contacts"], contacts,
        "{what}: the continued run does not have the scenario's contacts \
         (a directory holding an empty campaign must get them): {report}"
    );
    assert_eq!(report["recovery"]["fresh"], false, "{what}: {report}");

    let out = dialcore()
        .arg("inspect")
        .arg(dir)
        .arg("--json")
        .output()
        .expect("inspect runs");
    let inspected = json_ok(&out, what);
    assert_eq!(
        inspected["contacts"], report["contacts"],
        "{what}: {inspected}"
    );
    let counts = inspected["counts"].as_object().expect("counts");
    assert_eq!(counts.len(), State::ALL.len(), "{what}: {inspected}");
    let mut total = 0;
    for (name, n) in counts {
        let state = State::from_name(name).unwrap_or_else(|| panic!("unknown state {name}"));
        let n = n.as_u64().expect("a count");
        if !state.is_terminal() {
            assert_eq!(n, 0, "{what}: {name} is not terminal: {inspected}");
        }
        total += n;
    }
    assert_eq!(total, report["contacts"], "{what}: {inspected}");
}

#[test]
fn killed_runs_recover_without_losing_acknowledged_dials() {
    let scenario = Scenario::from_path(&scenario_path()).expect("the crash scenario");
    let contacts = scenario.contacts as u64;
    let scratch = Scratch::new("kill");

    // One uninterrupted run, with an ack log and the most frequent
    // snapshots of the killed runs (the others are no slower): its length
    // places the kills; it must finish.
    let dir = scratch.path("whole");
    let acks = scratch.path("whole.log");
    let started = Instant::now();
    let out = simulate(&dir, 1, &["--json", "--snapshot-every", SNAPSHOT_EVERY[0]])
        .arg("--ack-log")
        .arg(&acks)
        .output()
        .expect("simulate runs");
    let length = started.elapsed();
    let whole = json_ok(&out, "uninterrupted run");
    assert_eq!(whole["stop_reason"], "finished", "{whole}");
    assert_eq!(whole["recovery"]["fresh"], true, "{whole}");
    eprintln!("an uninterrupted run takes {length:?}");

    let (mut killed, mut mid, mut before_contacts, mut after_end) = (0, 0, 0, 0);
    let mut reconciled_seen = Vec::new();
    for (i, &seed) in SEEDS.iter().enumerate() {
        let dir = scratch.path(&format!("run-{i}"));
        let acks_path = scratch.path(&format!("acks-{i}.log"));
        let every = SNAPSHOT_EVERY[i % SNAPSHOT_EVERY.len()];
        let kill_at = kill_time(i, seed, length);
        let what = format!("run {i} (seed {seed}, --snapshot-every {every}, kill at {kill_at:?})");

        let mut cmd = simulate(&dir, seed, &["--snapshot-every", every]);
        cmd.arg("--ack-log").arg(&acks_path);
        let ended_on_its_own = util::run_and_kill(cmd, kill_at, &what);
        if !ended_on_its_own {
            killed += 1;
        }

        let acks = read_acks(&acks_path);
        let recovered = check_recovered(&dir, &scenario, &acks, &what);
        let dialed = acks.len();
        if ended_on_its_own {
            after_end += 1;
        } else if !recovered.has_contacts {
            before_contacts += 1;
        } else if dialed > 0 {
            mid += 1;
        }
        reconciled_seen.push(recovered.reconciled);
        eprintln!(
            "{what}: {}, {dialed} contacts acknowledged, {} reconciled, snapshot {:?}, damage {}",
            if ended_on_its_own { "ended" } else { "killed" },
            recovered.reconciled,
            recovered.snapshot,
            recovered.damaged,
        );

        continue_to_completion(&dir, seed, contacts, &what);
    }
    eprintln!(
        "{} runs: {killed} killed ({before_contacts} before the contacts were in the journal, \
         {mid} mid-campaign), {after_end} ended before the kill; reconciled per run: \
         {reconciled_seen:?}",
        SEEDS.len()
    );
    assert!(
        mid > 0,
        "no kill landed mid-campaign: the kill times do not cover the run"
    );
}

#[test]
fn a_second_process_is_refused_a_locked_directory() {
    let scratch = Scratch::new("lock");
    let dir = scratch.path("data");
    // A run long enough to still hold the directory when the second starts.
    let mut first = simulate(&dir, 5, &["--contacts", "1000000"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("simulate starts");
    // The journal exists once the first process holds the lock.
    let mut waited = Duration::ZERO;
    while !std::fs::read_dir(&dir).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with("journal-"))
    }) {
        assert!(
            waited < Duration::from_secs(60),
            "the first process never created its journal"
        );
        assert!(
            first.try_wait().expect("try_wait").is_none(),
            "the first process ended before creating its journal"
        );
        std::thread::sleep(Duration::from_millis(5));
        waited += Duration::from_millis(5);
    }

    let second = simulate(&dir, 6, &[]).output().expect("simulate runs");
    let still_running = first.try_wait().expect("try_wait").is_none();
    let _ = first.kill();
    let _ = first.wait();
    assert!(
        still_running,
        "the first process ended before the second tried the directory"
    );
    let stderr = text(&second.stderr);
    assert_eq!(second.status.code(), Some(2), "stderr: {stderr}");
    assert!(stderr.contains("locked"), "{stderr}");
    assert!(stderr.contains(&dir.display().to_string()), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(second.stdout.is_empty(), "{}", text(&second.stdout));
}
