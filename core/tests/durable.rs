//! Durability: a campaign in a data directory comes back after a stop or a
//! crash with every contact, exactly once, and nothing acknowledged lost;
//! damaged files are cut and reported, never a panic.

mod util;

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use dialcore::event::{Disposition, Event};
use dialcore::journal::{DamageKind, FsyncPolicy};
use dialcore::{
    Campaign, CampaignConfig, Command, ContactId, DurableOptions, Mode, OpenError, State,
};
use proptest::prelude::*;
use util::*;

/// A fresh directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!(
            "dialcore-durable-{name}-{}-{n}",
            std::process::id()
        ));
        let _ = fs::remove_dir_all(&dir);
        TempDir(dir)
    }
    fn path(&self) -> &Path {
        &self.0
    }
    /// The one file whose name starts with `prefix`, newest generation.
    fn newest(&self, prefix: &str) -> PathBuf {
        let mut files: Vec<PathBuf> = fs::read_dir(&self.0)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with(prefix) && !n.ends_with(".tmp"))
            })
            .collect();
        files.sort();
        files.pop().unwrap_or_else(|| panic!("no {prefix} file"))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn options(fsync: FsyncPolicy) -> DurableOptions {
    DurableOptions {
        fsync,
        snapshot_every_records: 0,
        accept_config_change: false,
        journal_retention: Default::default(),
    }
}

fn open(dir: &TempDir, config: CampaignConfig) -> (Campaign, dialcore::RecoveryReport) {
    Campaign::open_with(dir.path(), config, options(FsyncPolicy::Never)).expect("opens")
}

/// Everything durable about one contact.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Row {
    state: State,
    attempts: u8,
    outcome: u8,
    priority: u8,
    zone: u16,
    number: Option<u64>,
    external: String,
    invalid: Option<(u8, String)>,
    due: Option<u64>,
}

fn rows(c: &Campaign) -> Vec<Row> {
    let s = c.store();
    (0..s.len() as u32)
        .map(ContactId)
        .map(|id| {
            let state = s.state(id).unwrap();
            Row {
                state,
                attempts: s.attempts(id).unwrap(),
                outcome: s.last_outcome(id).unwrap() as u8,
                priority: s.priority(id).unwrap(),
                zone: s.zone(id).unwrap().0,
                number: s.number(id),
                external: s.external_id(id).unwrap().to_owned(),
                invalid: s
                    .invalid_reason(id)
                    .map(|(r, raw)| (r.code(), raw.to_owned())),
                due: if state == State::RetryScheduled {
                    c.timer_of(id)
                } else {
                    None
                },
            }
        })
        .collect()
}

/// Where recovery must put a contact that was live (no admin pending).
fn reconciled(state: State) -> State {
    match state {
        State::CallInProgress | State::Acw => State::Success,
        s if s.is_live() || s == State::AwaitingOperator => State::RetryScheduled,
        s => s,
    }
}

/// Checks a recovered campaign against the rows it was written from: live
/// contacts reconciled and listed, hopper places back in the queue, every
/// other contact exactly as it was.
fn assert_recovered(before: &[Row], after: &[Row], report: &dialcore::RecoveryReport) {
    assert_eq!(after.len(), before.len());
    let mut listed = 0;
    for (id, (b, a)) in before.iter().zip(after).enumerate() {
        let entry = report
            .reconciled
            .iter()
            .find(|r| r.contact == ContactId(id as u32));
        match entry {
            Some(r) => {
                listed += 1;
                assert_eq!(r.was, b.state, "contact {id}");
                assert_eq!(r.now, a.state, "contact {id}");
                assert!(!a.state.is_live() && a.state != State::AwaitingOperator);
                assert_eq!(a.attempts, b.attempts, "an issued dial stays counted");
            }
            None if b.state.is_live() => panic!("live contact {id} ({:?}) not listed", b.state),
            None if b.state == State::AwaitingOperator => {
                // A hopper place with no call: back to the queue.
                assert!(
                    matches!(a.state, State::Initial | State::RetryScheduled)
                        || a.state.is_terminal(),
                    "contact {id}: {:?}",
                    a.state
                );
                assert_eq!(a.attempts, b.attempts);
            }
            None => assert_eq!(a, b, "contact {id}"),
        }
    }
    assert_eq!(listed, report.reconciled.len());
}

fn predictive() -> CampaignConfig {
    CampaignConfig {
        predictive_ratio: 3.0,
        ..config(Mode::Predictive)
    }
}

#[test]
fn a_stopped_campaign_comes_back_with_every_column() {
    let dir = TempDir::new("columns");
    let before;
    {
        let (mut c, report) = open(&dir, config(Mode::Progressive));
        assert!(report.fresh);
        c.add_contact("212 555 0101", "crm-1", Some("America/Chicago"), 7)
            .unwrap();
        c.add_contact("555-CALL-NOW", "crm-2", None, 0).unwrap();
        c.add_numbers(&[12_125_550_102, 12_125_550_103, 0], 2)
            .unwrap();
        c.import_csv(
            "phone,external_id,timezone\n212 555 0104,x,Europe/Berlin\nabc,y,\n".as_bytes(),
        )
        .unwrap();
        c.blacklist_numbers(&[12_125_550_103, 19_999_999_999]);
        c.handle(Event::BlacklistRemove(19_999_999_999), T0)
            .unwrap();
        c.fix_number(ContactId(1), "212 555 0199").unwrap();
        let op = ready_operator(&mut c, T0);
        let offered = offers(&poll(&mut c, T0));
        let (id, _) = offered[0];
        let call = accept_and_dial(&mut c, id, op, T0 + SEC);
        c.handle(Event::Rejected(call), T0 + 5 * SEC).unwrap();
        poll(&mut c, T0 + 6 * SEC);
        before = rows(&c);
        assert_eq!(c.state(id), Some(State::RetryScheduled));
        assert!(c.timer_of(id).is_some());
    }
    let (c, report) = open(&dir, config(Mode::Progressive));
    assert!(!report.fresh);
    assert!(report.damage.is_empty());
    assert_recovered(&before, &rows(&c), &report);
    assert_eq!(
        report.reconciled.len(),
        1,
        "the contact offered to the operator"
    );
    assert_eq!(
        rows(&c)[5].state,
        State::Initial,
        "the hopper place is queued again"
    );
    assert_eq!(c.store().counts(), &c.store().recount());
    assert!(c.blacklist().contains(12_125_550_103));
    assert!(!c.blacklist().contains(19_999_999_999));
    assert_eq!(c.operators().len(), 1, "operator ids stay stable");
    assert_eq!(c.zones().len(), 3);
}

#[test]
fn live_contacts_are_reconciled_and_listed() {
    let dir = TempDir::new("reconcile");
    let mut expected = Vec::new();
    let cfg = CampaignConfig {
        abandon_limit_ms: 60 * SEC,
        ..predictive()
    };
    {
        let (mut c, _) = open(&dir, cfg.clone());
        c.add_numbers(&(0..6).map(|i| 12_125_550_000 + i).collect::<Vec<_>>(), 0)
            .unwrap();
        let a = ready_operator(&mut c, T0);
        let b = ready_operator(&mut c, T0);
        let cmds = poll(&mut c, T0);
        let calls = dialed_calls(&cmds);
        assert_eq!(calls.len(), 6, "ratio 3 × 2 ready operators");
        // Two connected (one then in ACW), one waiting for an operator, the rest ringing.
        c.handle(Event::Answered(calls[0]), T0 + SEC).unwrap();
        c.handle(Event::Answered(calls[1]), T0 + SEC).unwrap();
        c.handle(Event::Answered(calls[2]), T0 + SEC).unwrap();
        poll(&mut c, T0 + SEC); // connects two (the wake-up contract)
        c.handle(Event::CallEnded(calls[1]), T0 + 2 * SEC).unwrap();
        c.handle(Event::Remove(calls[3].contact), T0 + 2 * SEC)
            .unwrap();
        poll(&mut c, T0 + 2 * SEC);
        let _ = (a, b);
        for id in 0..6 {
            let id = ContactId(id);
            let was = c.state(id).unwrap();
            let now = if id == calls[3].contact {
                State::Removed
            } else {
                reconciled(was)
            };
            expected.push((id, was, now, c.store().attempts(id).unwrap()));
        }
        let states: Vec<State> = expected.iter().map(|e| e.1).collect();
        assert!(states.contains(&State::CallInProgress));
        assert!(states.contains(&State::Acw));
        assert!(states.contains(&State::AwaitingOperator));
        assert!(states.contains(&State::Calling));
    }
    let (c, report) = open(&dir, cfg);
    let got: Vec<_> = report
        .reconciled
        .iter()
        .map(|r| (r.contact, r.was, r.now, r.attempts))
        .collect();
    assert_eq!(got, expected);
    for &(id, _, now, attempts) in &expected {
        assert_eq!(c.state(id), Some(now));
        assert_eq!(
            c.store().attempts(id),
            Some(attempts),
            "the dial stays counted"
        );
    }
    assert_eq!(c.store().counts(), &c.store().recount());
}

#[test]
fn recovered_retries_are_due_at_once_and_dialed_once() {
    let dir = TempDir::new("redial");
    {
        let (mut c, _) = open(&dir, predictive());
        c.add_numbers(&[12_125_550_001, 12_125_550_002], 0).unwrap();
        ready_operator(&mut c, T0);
        assert_eq!(dialed_calls(&poll(&mut c, T0)).len(), 2);
    }
    let (mut c, report) = open(&dir, predictive());
    assert_eq!(report.reconciled.len(), 2);
    ready_operator(&mut c, T0 + MIN);
    let calls = dialed_calls(&poll(&mut c, T0 + MIN));
    assert_eq!(calls.len(), 2, "both come back at once");
    assert!(calls.iter().all(|call| call.attempt == 2));
    assert_eq!(c.metrics(T0 + MIN).unwrap().dials, 4, "counters survive");
}

#[test]
fn a_second_open_of_the_same_directory_is_locked() {
    let dir = TempDir::new("lock");
    let (_c, _) = open(&dir, predictive());
    match Campaign::open(dir.path(), predictive()) {
        Err(OpenError::Locked(path)) => assert_eq!(path, dir.path()),
        other => panic!("expected Locked, got {other:?}"),
    }
}

#[test]
fn admin_state_meters_and_caps_survive() {
    let dir = TempDir::new("admin");
    let cfg = CampaignConfig {
        abandon_limit_ms: 2 * SEC,
        ..predictive()
    };
    let rate;
    {
        let (mut c, _) = open(&dir, cfg.clone());
        c.add_numbers(&(0..4).map(|i| 12_125_550_000 + i).collect::<Vec<_>>(), 0)
            .unwrap();
        let op = ready_operator(&mut c, T0);
        let calls = dialed_calls(&poll(&mut c, T0));
        c.handle(Event::Answered(calls[0]), T0 + SEC).unwrap();
        c.handle(Event::Answered(calls[1]), T0 + SEC).unwrap();
        poll(&mut c, T0 + 4 * SEC); // the second one is abandoned
        c.handle(Event::CallEnded(calls[0]), T0 + 5 * SEC).unwrap();
        c.handle(
            Event::AcwDone {
                operator: op,
                contact: calls[0].contact,
                disposition: Disposition::Done,
            },
            T0 + 6 * SEC,
        )
        .unwrap();
        c.handle(Event::Pause, T0 + 7 * SEC).unwrap();
        poll(&mut c, T0 + 7 * SEC);
        rate = c.metrics(T0 + 7 * SEC).unwrap();
        assert_eq!(rate.abandoned, 1);
    }
    let (mut c, _) = open(&dir, cfg);
    assert!(c.is_paused());
    let m = c.metrics(T0 + 7 * SEC).unwrap();
    assert_eq!(
        (m.dials, m.answered, m.abandoned, m.connected),
        (rate.dials, rate.answered, rate.abandoned, rate.connected)
    );
    assert_eq!(m.abandon_rate_24h, rate.abandon_rate_24h);
    assert_eq!(m.abandon_rate_30d, rate.abandon_rate_30d);
    ready_operator(&mut c, T0 + 8 * SEC);
    assert!(
        dialed_calls(&poll(&mut c, T0 + 8 * SEC)).is_empty(),
        "still paused"
    );
}

#[test]
fn snapshots_rotate_the_journal_and_recover_the_same_state() {
    let dir = TempDir::new("snapshot");
    let before;
    {
        let (mut c, _) = open(&dir, predictive());
        c.add_numbers(&(0..50).map(|i| 12_125_550_000 + i).collect::<Vec<_>>(), 3)
            .unwrap();
        ready_operator(&mut c, T0);
        let calls = dialed_calls(&poll(&mut c, T0));
        c.handle(Event::Rejected(calls[0]), T0 + SEC).unwrap();
        poll(&mut c, T0 + SEC);
        let info = c.snapshot().unwrap();
        assert_eq!(info.generation, 1);
        assert_eq!(info.contacts, 50);
        c.handle(Event::Unreachable(calls[1]), T0 + 2 * SEC)
            .unwrap();
        poll(&mut c, T0 + 2 * SEC);
        assert_eq!(c.snapshot().unwrap().generation, 2);
        c.handle(Event::BlacklistAdd(12_125_550_049), T0 + 3 * SEC)
            .unwrap();
        poll(&mut c, T0 + 3 * SEC);
        before = rows(&c);
    }
    // One older generation is kept as a fallback; older snapshots are gone
    // and older journals archived (the default retention).
    let archived: Vec<String> = fs::read_dir(dir.path().join("archive"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(archived, ["journal-00000000.dcj"]);
    let names: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n != "LOCK" && n != "archive")
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        [
            "journal-00000001.dcj",
            "journal-00000002.dcj",
            "snapshot-00000001.dcs",
            "snapshot-00000002.dcs"
        ]
    );
    let (c, report) = open(&dir, predictive());
    assert_eq!(report.snapshot.as_ref().unwrap().generation, 2);
    let after = rows(&c);
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(a.state, reconciled(b.state));
        if !b.state.is_live() {
            assert_eq!(a, b);
        }
    }
}

/// Writes a small campaign with records after its last snapshot and
/// returns the journal those records are in, its preallocated zero tail
/// cut off (so the tests below damage the end of what was written).
fn campaign_with_tail(dir: &TempDir) -> PathBuf {
    let (mut c, _) = open(dir, predictive());
    c.add_numbers(&(0..20).map(|i| 12_125_550_000 + i).collect::<Vec<_>>(), 0)
        .unwrap();
    ready_operator(&mut c, T0);
    let calls = dialed_calls(&poll(&mut c, T0));
    for (i, call) in calls.iter().enumerate() {
        c.handle(Event::Rejected(*call), T0 + SEC + i as u64)
            .unwrap();
        poll(&mut c, T0 + SEC + i as u64);
    }
    drop(c);
    let journal = dir.newest("journal-");
    let end = dialcore::journal::read_journal(&journal).unwrap().valid_len;
    let file = fs::OpenOptions::new().write(true).open(&journal).unwrap();
    file.set_len(end).unwrap();
    journal
}

#[test]
fn a_torn_last_record_is_cut_and_reported() {
    let dir = TempDir::new("torn");
    let journal = campaign_with_tail(&dir);
    let len = fs::metadata(&journal).unwrap().len();
    let file = fs::OpenOptions::new().write(true).open(&journal).unwrap();
    file.set_len(len - 3).unwrap();
    drop(file);
    let cut = fs::read(&journal).unwrap();
    let (c, report) = open(&dir, predictive());
    let [damage] = &report.damage[..] else {
        panic!("{:?}", report.damage)
    };
    assert_eq!(damage.kind, DamageKind::TornRecord);
    // Nothing after the newest journal's end says how many records it held.
    assert_eq!(damage.lost_records, None);
    assert!(report.loss_uncounted());
    assert_eq!(damage.offset + damage.bytes, len - 3);
    // The cut bytes are kept aside, named after the journal and the offset.
    let aside = damage.kept_aside.clone().expect("kept aside");
    assert_eq!(
        aside.file_name().unwrap().to_string_lossy(),
        format!(
            "{}.damaged-{}",
            journal.file_name().unwrap().to_string_lossy(),
            damage.offset
        )
    );
    assert_eq!(
        fs::read(&aside).unwrap(),
        cut[damage.offset as usize..].to_vec()
    );
    assert_eq!(c.store().len(), 20);
    assert_eq!(c.store().counts(), &c.store().recount());
    drop(c);
    // The tail was cut: the next open finds a clean journal.
    let (_, again) = open(&dir, predictive());
    assert!(again.damage.is_empty());
}

#[test]
fn a_flipped_byte_in_the_middle_loses_one_record_and_recovers_the_rest() {
    let dir = TempDir::new("flip");
    let journal = campaign_with_tail(&dir);
    let intact = dialcore::journal::read_journal(&journal).unwrap();
    let total = intact.records.len();
    let mut bytes = intact.data.clone();
    // Inside the payload of the middle record.
    let victim = &intact.records[total / 2];
    let at = victim.payload.start + 1;
    bytes[at] ^= 0x5a;
    fs::write(&journal, &bytes).unwrap();
    let (c, report) = open(&dir, predictive());
    let [damage] = &report.damage[..] else {
        panic!("{:?}", report.damage)
    };
    assert_eq!(damage.kind, DamageKind::BadChecksum);
    assert_eq!(damage.offset, victim.offset);
    assert_eq!(damage.first_lost_seq, victim.seq);
    assert_eq!(damage.lost_records, Some(1));
    assert_eq!(report.records_lost(), 1);
    assert_eq!(damage.recovered_after as usize, total - total / 2 - 1);
    assert_eq!(report.records_replayed() as usize, total - 1);
    assert!(damage.kept_aside.as_ref().is_some_and(|p| p.exists()));
    // The damaged history is not continued: a new generation starts.
    assert!(report.restarted.is_some());
    assert_eq!(c.store().counts(), &c.store().recount());
}

#[test]
fn a_zero_filled_tail_is_the_clean_end() {
    // The journal is preallocated with zeros (journal version 3): zeros
    // after the last frame are its clean end, not damage, and the history
    // is continued, not restarted.
    let dir = TempDir::new("zeros");
    let journal = campaign_with_tail(&dir);
    let mut bytes = fs::read(&journal).unwrap();
    bytes.extend(std::iter::repeat_n(0u8, 4096));
    fs::write(&journal, &bytes).unwrap();
    let (c, report) = open(&dir, predictive());
    assert!(report.damage.is_empty(), "{:?}", report.damage);
    assert_eq!(report.restarted, None);
    assert_eq!(c.store().len(), 20);
}

#[test]
fn garbage_and_empty_journals_are_errors_or_damage_never_panics() {
    let dir = TempDir::new("garbage");
    fs::create_dir_all(dir.path()).unwrap();
    fs::write(
        dir.path().join("journal-00000000.dcj"),
        b"this is not a journal at all",
    )
    .unwrap();
    // A file named as a journal whose header is not one is damage: all of
    // its records are lost, how many is unknown, and its bytes are kept.
    let (c, report) = open(&dir, predictive());
    assert_eq!(c.store().len(), 0);
    let [damage] = &report.damage[..] else {
        panic!("{:?}", report.damage)
    };
    assert_eq!(damage.kind, DamageKind::BadHeader);
    assert_eq!(damage.lost_records, None);
    assert!(damage.kept_aside.is_some());
    assert!(
        report.to_string().contains("journal-00000000.dcj"),
        "{report}"
    );
    drop(c);
    let empty = TempDir::new("empty");
    fs::create_dir_all(empty.path()).unwrap();
    fs::write(empty.path().join("journal-00000000.dcj"), b"").unwrap();
    let (c, report) = open(&empty, predictive());
    assert_eq!(c.store().len(), 0);
    assert_eq!(report.damage.len(), 1, "an empty journal is reported");
    assert_eq!(report.damage[0].kind, DamageKind::BadHeader);
    assert!(report.loss_uncounted());
}

#[test]
fn a_missing_newest_snapshot_falls_back_to_the_older_generation() {
    let dir = TempDir::new("missing");
    let before;
    {
        let (mut c, _) = open(&dir, predictive());
        c.add_numbers(&(0..10).map(|i| 12_125_550_000 + i).collect::<Vec<_>>(), 0)
            .unwrap();
        c.snapshot().unwrap();
        c.handle(Event::BlacklistAdd(12_125_550_003), T0).unwrap();
        poll(&mut c, T0);
        before = rows(&c);
    }
    fs::remove_file(dir.path().join("snapshot-00000001.dcs")).unwrap();
    let (c, report) = open(&dir, predictive());
    assert_eq!(report.snapshot, None);
    assert_eq!(report.journals.len(), 2);
    assert_eq!(rows(&c), before);
}

#[test]
fn journals_without_their_snapshot_are_a_clear_error() {
    let dir = TempDir::new("nosnap");
    {
        let (mut c, _) = open(&dir, predictive());
        c.add_numbers(&[12_125_550_000], 0).unwrap();
        c.snapshot().unwrap();
        c.snapshot().unwrap();
    }
    for g in [1, 2] {
        fs::remove_file(dir.path().join(format!("snapshot-0000000{g}.dcs"))).unwrap();
    }
    match Campaign::open(dir.path(), predictive()) {
        Err(OpenError::MissingSnapshot { generation, .. }) => assert_eq!(generation, 1),
        other => panic!("expected MissingSnapshot, got {other:?}"),
    }
}

#[test]
fn a_corrupt_snapshot_is_skipped_for_the_older_one() {
    let dir = TempDir::new("badsnap");
    let before;
    {
        let (mut c, _) = open(&dir, predictive());
        c.add_numbers(&(0..10).map(|i| 12_125_550_000 + i).collect::<Vec<_>>(), 0)
            .unwrap();
        c.snapshot().unwrap();
        c.handle(Event::BlacklistAdd(12_125_550_004), T0).unwrap();
        c.snapshot().unwrap();
        c.handle(Event::BlacklistAdd(12_125_550_005), T0).unwrap();
        poll(&mut c, T0);
        before = rows(&c);
    }
    let snap = dir.path().join("snapshot-00000002.dcs");
    let mut bytes = fs::read(&snap).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 1;
    fs::write(&snap, bytes).unwrap();
    let (c, report) = open(&dir, predictive());
    assert_eq!(report.snapshot.as_ref().unwrap().generation, 1);
    assert_eq!(report.skipped_files.len(), 1);
    assert_eq!(rows(&c), before);
    drop(c);
    // Recovery wrote a clean generation past the damaged one.
    let (_, again) = open(&dir, predictive());
    assert!(again.skipped_files.is_empty());
    assert_eq!(again.snapshot.unwrap().generation, 3);
}

#[test]
fn another_default_time_zone_is_refused() {
    let dir = TempDir::new("zone");
    {
        let (mut c, _) = open(&dir, predictive());
        c.add_numbers(&[12_125_550_000], 0).unwrap();
    }
    let other = CampaignConfig {
        default_timezone: "Asia/Tokyo".into(),
        ..predictive()
    };
    match Campaign::open(dir.path(), other) {
        Err(OpenError::ZoneMismatch { configured, .. }) => assert_eq!(configured, "Asia/Tokyo"),
        other => panic!("expected ZoneMismatch, got {other:?}"),
    }
}

// ----------------------------------------------------------------------
// Property: replaying the journal reproduces the state it was written from.
// ----------------------------------------------------------------------

#[derive(Debug, Clone)]
enum Step {
    Poll(u16),
    Answer(u8),
    Reject(u8),
    Machine(u8),
    HangUp(u8),
    EndCall(u8),
    AcwDone(u8, bool),
    Accept(u8),
    Decline(u8),
    Blacklist(u8),
    Unblacklist(u8),
    Remove(u8),
    Pause,
    Resume,
    Cancel,
    AddContacts(u8),
    Snapshot,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        6 => (1u16..20_000).prop_map(Step::Poll),
        3 => any::<u8>().prop_map(Step::Answer),
        2 => any::<u8>().prop_map(Step::Reject),
        1 => any::<u8>().prop_map(Step::Machine),
        1 => any::<u8>().prop_map(Step::HangUp),
        2 => any::<u8>().prop_map(Step::EndCall),
        2 => (any::<u8>(), any::<bool>()).prop_map(|(i, cb)| Step::AcwDone(i, cb)),
        2 => any::<u8>().prop_map(Step::Accept),
        1 => any::<u8>().prop_map(Step::Decline),
        1 => any::<u8>().prop_map(Step::Blacklist),
        1 => any::<u8>().prop_map(Step::Unblacklist),
        1 => any::<u8>().prop_map(Step::Remove),
        1 => Just(Step::Pause),
        1 => Just(Step::Resume),
        1 => prop_oneof![99 => Just(Step::Poll(1)), 1 => Just(Step::Cancel)],
        1 => (1u8..5).prop_map(Step::AddContacts),
        1 => Just(Step::Snapshot),
    ]
}

fn mode() -> impl Strategy<Value = Mode> {
    prop_oneof![
        Just(Mode::Preview),
        Just(Mode::Progressive),
        Just(Mode::Predictive)
    ]
}

/// Picks the `i`-th item of `items` (modulo), if any.
fn pick<T: Copy>(items: &[T], i: u8) -> Option<T> {
    (!items.is_empty()).then(|| items[i as usize % items.len()])
}

fn run_steps(c: &mut Campaign, steps: &[Step]) {
    let ops: Vec<_> = (0..3).map(|_| ready_operator(c, T0)).collect();
    let mut now = T0;
    let mut next_number = 12_125_560_000u64;
    let mut calls = Vec::new();
    let mut out = Vec::new();
    for step in steps {
        now += 500;
        let live_calls: Vec<_> = calls
            .iter()
            .copied()
            .filter(|call: &dialcore::CallId| c.call_of(call.contact) == Some(*call))
            .collect();
        let contact_of_op = |c: &Campaign, i: u8| {
            let op = ops[i as usize % ops.len()];
            c.operators().contact(op).map(|id| (op, id))
        };
        let result = match *step {
            Step::Poll(dt) => {
                now += u64::from(dt);
                out.clear();
                c.poll(now, &mut out).unwrap();
                for cmd in &out {
                    if let Command::Dial { call, .. } = cmd {
                        calls.push(*call);
                    }
                }
                Ok(())
            }
            Step::Answer(i) => match pick(&live_calls, i) {
                Some(call) => c.handle(Event::Answered(call), now),
                None => Ok(()),
            },
            Step::Reject(i) => match pick(&live_calls, i) {
                Some(call) => c.handle(Event::Rejected(call), now),
                None => Ok(()),
            },
            Step::Machine(i) => match pick(&live_calls, i) {
                Some(call) => c.handle(Event::AnsweredByMachine(call), now),
                None => Ok(()),
            },
            Step::HangUp(i) => match pick(&live_calls, i) {
                Some(call) => c.handle(Event::ClientHungUp(call), now),
                None => Ok(()),
            },
            Step::EndCall(i) => match pick(&live_calls, i) {
                Some(call) => c.handle(Event::CallEnded(call), now),
                None => Ok(()),
            },
            Step::AcwDone(i, callback) => match contact_of_op(c, i) {
                Some((operator, contact)) => c.handle(
                    Event::AcwDone {
                        operator,
                        contact,
                        disposition: if callback {
                            Disposition::Callback { at_ms: now + HOUR }
                        } else {
                            Disposition::Done
                        },
                    },
                    now,
                ),
                None => Ok(()),
            },
            Step::Accept(i) => match contact_of_op(c, i) {
                Some((operator, contact)) => {
                    c.handle(Event::OperatorAccepted { operator, contact }, now)
                }
                None => Ok(()),
            },
            Step::Decline(i) => match contact_of_op(c, i) {
                Some((operator, contact)) => {
                    c.handle(Event::OperatorDeclined { operator, contact }, now)
                }
                None => Ok(()),
            },
            Step::Blacklist(i) => {
                c.handle(Event::BlacklistAdd(12_125_550_000 + u64::from(i % 12)), now)
            }
            Step::Unblacklist(i) => c.handle(
                Event::BlacklistRemove(12_125_550_000 + u64::from(i % 12)),
                now,
            ),
            Step::Remove(i) => {
                let n = c.store().len() as u32;
                c.handle(Event::Remove(ContactId(u32::from(i) % n)), now)
            }
            Step::Pause => c.handle(Event::Pause, now),
            Step::Resume => c.handle(Event::Resume, now),
            Step::Cancel => c.handle(Event::Cancel, now),
            Step::AddContacts(k) => {
                for _ in 0..k {
                    next_number += 1;
                    c.add_contact(&format!("+{next_number}"), "p", None, k)
                        .unwrap();
                }
                Ok(())
            }
            Step::Snapshot => {
                c.snapshot().unwrap();
                Ok(())
            }
        };
        // Illegal or stale events are refused and change nothing; that is
        // not what this test is about.
        let _ = result;
    }
    out.clear();
    c.poll(now, &mut out).unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn replay_reproduces_the_state_it_was_written_from(
        mode in mode(),
        contacts in 1usize..12,
        steps in proptest::collection::vec(step(), 1..120),
    ) {
        let dir = TempDir::new("replay");
        let cfg = CampaignConfig {
            predictive_ratio: 2.0,
            ..config(mode)
        };
        let (before, counters, blacklist, paused, canceled, now) = {
            let (mut c, _) = open(&dir, cfg.clone());
            let numbers: Vec<u64> = (0..contacts as u64).map(|i| 12_125_550_000 + i % 9).collect();
            c.add_numbers(&numbers, 1).unwrap();
            run_steps(&mut c, &steps);
            c.flush().unwrap();
            let now = c.now_ms();
            let m = c.metrics(now).unwrap();
            let mut blacklist: Vec<u64> = c.blacklist().iter().collect();
            blacklist.sort_unstable();
            (rows(&c), (m.dials, m.answered, m.machine, m.connected, m.abandoned), blacklist,
             c.is_paused(), c.is_canceled(), now)
        };
        let (mut c, report) = Campaign::inspect(dir.path(), cfg).unwrap();
        prop_assert!(report.damage.is_empty());
        prop_assert_eq!(c.now_ms(), now);
        let after = rows(&c);
        prop_assert_eq!(after.len(), before.len());
        assert_recovered(&before, &after, &report);
        let m = c.metrics(now).unwrap();
        prop_assert_eq!((m.dials, m.answered, m.machine, m.connected, m.abandoned), counters);
        let mut got: Vec<u64> = c.blacklist().iter().collect();
        got.sort_unstable();
        prop_assert_eq!(got, blacklist);
        prop_assert_eq!((c.is_paused(), c.is_canceled()), (paused, canceled));
        prop_assert_eq!(c.store().counts(), &c.store().recount());
    }
}

#[test]
fn an_in_memory_campaign_flushes_nothing_and_cannot_snapshot() {
    let mut c = campaign(predictive());
    assert!(!c.is_durable());
    c.flush().expect("nothing to write");
    let err = c.snapshot().expect_err("no data directory");
    assert_eq!(err.to_string(), "the campaign has no data directory");
    assert_eq!(c.journal_position(), None);
}

// ----------------------------------------------------------------------
// Storage errors are loud; reopen checks.
// ----------------------------------------------------------------------

/// A campaign whose automatic snapshots cannot be written: a directory
/// sits where the snapshot's temporary file must go (root ignores file
/// modes, so a read-only directory would not stop this test).
#[test]
fn a_failed_snapshot_is_visible_and_retried_with_backoff_while_dialing_goes_on() {
    let dir = TempDir::new("snapfail");
    let opts = DurableOptions {
        snapshot_every_records: 1,
        ..options(FsyncPolicy::Never)
    };
    let (mut c, _) = Campaign::open_with(dir.path(), predictive(), opts).unwrap();
    c.add_numbers(&(0..50).map(|i| 12_125_550_000 + i).collect::<Vec<_>>(), 0)
        .unwrap();
    ready_operator(&mut c, T0);
    c.snapshot().unwrap();
    let g = c.journal_position().unwrap().0;
    let target = dir.path().join(format!("snapshot-{:08x}.dcs", g + 1));
    let blocker = dir.path().join(format!("snapshot-{:08x}.dcs.tmp", g + 1));
    fs::create_dir_all(blocker.join("x")).unwrap();
    let first = poll(&mut c, T0);
    assert!(!dialed_calls(&first).is_empty(), "dialing goes on");
    let err = c.snapshot_error().expect("the failed snapshot is visible");
    assert_eq!(err.path, target);
    assert!(
        err.to_string()
            .contains(&*target.file_name().unwrap().to_string_lossy()),
        "{err}"
    );
    assert!(c.durability_error().is_none(), "the journal still works");
    // Retried after 1 s, then after 2 s more: not at every poll.
    fs::remove_dir_all(&blocker).unwrap();
    poll(&mut c, T0 + 999);
    assert!(c.snapshot_error().is_some(), "no retry before 1 s");
    assert!(!target.exists());
    fs::create_dir_all(blocker.join("x")).unwrap();
    poll(&mut c, T0 + SEC);
    assert!(c.snapshot_error().is_some(), "second failure");
    fs::remove_dir_all(&blocker).unwrap();
    poll(&mut c, T0 + 2 * SEC);
    poll(&mut c, T0 + 3 * SEC - 1);
    assert!(
        c.snapshot_error().is_some(),
        "backing off 2 s after the second failure"
    );
    assert!(!target.exists());
    poll(&mut c, T0 + 3 * SEC);
    assert!(c.snapshot_error().is_none(), "retried and succeeded");
    assert!(target.exists());
    assert_eq!(c.journal_position().unwrap().0, g + 1);
    // A manual snapshot that fails is visible too.
    let g = c.journal_position().unwrap().0;
    fs::create_dir_all(dir.path().join(format!("snapshot-{:08x}.dcs.tmp/x", g + 1))).unwrap();
    assert!(c.snapshot().is_err());
    assert!(c.snapshot_error().is_some());
    assert!(c.durability_error().is_none());
}

#[test]
fn a_snapshot_whose_journal_cannot_be_created_is_taken_back() {
    let dir = TempDir::new("nojournal");
    let (mut c, _) = open(&dir, predictive());
    c.add_numbers(&(0..5).map(|i| 12_125_550_000 + i).collect::<Vec<_>>(), 0)
        .unwrap();
    fs::create_dir_all(dir.path().join("journal-00000001.dcj.tmp/x")).unwrap();
    let err = c.snapshot().unwrap_err();
    assert!(err.to_string().contains("journal-00000001.dcj"), "{err}");
    // Recovery must not start from a snapshot the old journal runs past.
    assert!(!dir.path().join("snapshot-00000001.dcs").exists());
    assert!(c.durability_error().is_none());
    c.handle(Event::BlacklistAdd(12_125_550_001), T0).unwrap();
    poll(&mut c, T0);
    let before = rows(&c);
    drop(c);
    let (c, report) = open(&dir, predictive());
    assert!(report.damage.is_empty(), "{report}");
    assert_eq!(rows(&c), before);
}

#[test]
fn with_both_snapshots_damaged_the_error_names_each_one_and_why() {
    let dir = TempDir::new("bothsnaps");
    {
        let (mut c, _) = open(&dir, predictive());
        c.add_numbers(&[12_125_550_000], 0).unwrap();
        c.snapshot().unwrap();
        c.snapshot().unwrap();
    }
    for g in [1, 2] {
        let p = dir.path().join(format!("snapshot-0000000{g}.dcs"));
        let mut b = fs::read(&p).unwrap();
        let mid = b.len() / 2;
        b[mid] ^= 4;
        fs::write(&p, b).unwrap();
    }
    let err = Campaign::open(dir.path(), predictive()).unwrap_err();
    let msg = err.to_string();
    for g in [1, 2] {
        assert!(msg.contains(&format!("snapshot-0000000{g}.dcs")), "{msg}");
    }
    assert!(msg.contains("section"), "says which part is bad: {msg}");
}

#[test]
fn a_deleted_journal_between_others_is_counted_exactly() {
    let dir = TempDir::new("gap");
    let lost;
    {
        let (mut c, _) = open(&dir, predictive());
        c.add_numbers(&(0..10).map(|i| 12_125_550_000 + i).collect::<Vec<_>>(), 0)
            .unwrap();
        c.snapshot().unwrap();
        for i in 0..4 {
            c.handle(Event::BlacklistAdd(12_125_550_000 + i), T0)
                .unwrap();
            poll(&mut c, T0 + i);
        }
        lost = dialcore::journal::read_journal(&dir.newest("journal-"))
            .unwrap()
            .records
            .len() as u64;
        c.snapshot().unwrap();
        c.handle(Event::BlacklistAdd(12_125_550_009), T0).unwrap();
        poll(&mut c, T0 + 10);
    }
    // The newest snapshot is damaged, so recovery falls back to generation
    // 1 — whose journal is gone.
    fs::remove_file(dir.path().join("snapshot-00000002.dcs")).unwrap();
    fs::remove_file(dir.path().join("journal-00000001.dcj")).unwrap();
    let (c, report) = open(&dir, predictive());
    let [d] = &report.damage[..] else {
        panic!("{report}")
    };
    assert_eq!(d.kind, DamageKind::MissingFile);
    assert_eq!(d.lost_records, Some(lost));
    assert!(d.recovered_after >= 1);
    assert!(
        c.blacklist().contains(12_125_550_009),
        "the later journal is replayed"
    );
    assert!(
        !c.blacklist().contains(12_125_550_000),
        "lost with its journal"
    );
}

#[test]
fn a_deleted_newest_journal_is_damage_when_the_previous_one_was_closed() {
    let dir = TempDir::new("deleted");
    {
        let (mut c, _) = open(&dir, predictive());
        c.add_numbers(&[12_125_550_000], 0).unwrap();
        c.snapshot().unwrap();
        c.handle(Event::BlacklistAdd(12_125_550_000), T0).unwrap();
        poll(&mut c, T0);
    }
    fs::remove_file(dir.path().join("journal-00000001.dcj")).unwrap();
    let (_, report) = open(&dir, predictive());
    assert_eq!(report.damage.len(), 1, "{report}");
    assert_eq!(report.damage[0].kind, DamageKind::MissingFile);
    assert!(report.loss_uncounted());
}

#[test]
fn a_newest_journal_cut_inside_its_header_is_damage() {
    let dir = TempDir::new("cuthdr");
    {
        let (mut c, _) = open(&dir, predictive());
        c.add_numbers(&[12_125_550_000], 0).unwrap();
    }
    let j = dir.path().join("journal-00000000.dcj");
    let f = fs::OpenOptions::new().write(true).open(&j).unwrap();
    f.set_len(10).unwrap();
    drop(f);
    let (c, report) = open(&dir, predictive());
    assert_eq!(report.damage.len(), 1, "{report}");
    assert_eq!(report.damage[0].kind, DamageKind::BadHeader);
    assert!(report.loss_uncounted());
    assert!(
        report.to_string().contains("how many is unknown"),
        "{report}"
    );
    assert_eq!(c.store().len(), 0);
}

#[test]
fn reopening_with_other_compliance_settings_is_refused_naming_the_field() {
    let dir = TempDir::new("reopen");
    {
        let (mut c, _) = open(&dir, predictive());
        c.add_numbers(&[12_125_550_000], 0).unwrap();
        c.snapshot().unwrap();
    }
    let mut other = predictive();
    other.retry.max_attempts = 9;
    other.mode = Mode::Progressive;
    match Campaign::open_with(dir.path(), other.clone(), options(FsyncPolicy::Never)) {
        Err(e @ OpenError::ConfigChanged { .. }) => {
            let msg = e.to_string();
            assert!(
                msg.contains("mode changed from Predictive to Progressive"),
                "{msg}"
            );
            assert!(msg.contains("retry.max_attempts changed from"), "{msg}");
        }
        other => panic!("expected ConfigChanged, got {other:?}"),
    }
    // Nothing was written by the refused open.
    let (_, report) = open(&dir, predictive());
    assert!(report.config_changes.is_empty());
}

#[test]
fn an_accepted_config_change_is_journaled_and_tuning_changes_need_no_opt_in() {
    let dir = TempDir::new("accept");
    {
        let (mut c, _) = open(&dir, predictive());
        c.add_numbers(&[12_125_550_000], 0).unwrap();
    }
    // A tuning field: applied and reported without the opt-in.
    let mut tuned = predictive();
    tuned.offer_timeout_ms += 1;
    let (c, report) = open(&dir, tuned.clone());
    assert_eq!(report.config_changes.len(), 1);
    assert_eq!(report.config_changes[0].field, "offer_timeout_ms");
    drop(c);
    // A compliance field with the opt-in: applied, journaled, reported once.
    let mut changed = tuned.clone();
    changed.abandon_target = 0.02;
    let accept = DurableOptions {
        accept_config_change: true,
        ..options(FsyncPolicy::Never)
    };
    let (c, report) = Campaign::open_with(dir.path(), changed.clone(), accept).unwrap();
    assert_eq!(report.config_changes.len(), 1, "{report}");
    assert_eq!(report.config_changes[0].field, "abandon_target");
    assert_eq!(
        report.config_changes[0].kind,
        dialcore::ConfigFieldKind::Compliance
    );
    assert!(report
        .to_string()
        .contains("abandon_target changed from 0.03 to 0.02"));
    drop(c);
    // The new settings are the stored ones now, across a snapshot too.
    let (mut c, report) = open(&dir, changed.clone());
    assert!(report.config_changes.is_empty(), "{report}");
    c.snapshot().unwrap();
    drop(c);
    let (_, report) = open(&dir, changed);
    assert!(report.config_changes.is_empty(), "{report}");
    assert!(matches!(
        Campaign::open_with(dir.path(), predictive(), options(FsyncPolicy::Never)),
        Err(OpenError::ConfigChanged { .. })
    ));
}

#[test]
fn contacts_whose_addition_was_lost_are_placeholders_never_dialed() {
    let dir = TempDir::new("lostadd");
    {
        let (mut c, _) = open(&dir, predictive());
        c.snapshot().unwrap();
        c.add_numbers(&(0..5).map(|i| 12_125_550_000 + i).collect::<Vec<_>>(), 0)
            .unwrap();
        c.add_numbers(&(0..5).map(|i| 12_125_560_000 + i).collect::<Vec<_>>(), 0)
            .unwrap();
    }
    let journal = dir.newest("journal-");
    let read = dialcore::journal::read_journal(&journal).unwrap();
    // The first bulk add (sub-record kind 4) is lost.
    let first_add = read
        .records
        .iter()
        .find(|r| read.data[r.payload.start] == 4)
        .expect("a numbers-added record")
        .clone();
    let mut bytes = read.data.clone();
    bytes[first_add.payload.start + 3] ^= 0xff;
    fs::write(&journal, &bytes).unwrap();
    let (mut c, report) = open(&dir, predictive());
    assert_eq!(report.records_lost(), 1, "{report}");
    assert_eq!(report.lost_contacts, 5, "{report}");
    assert!(report.to_string().contains("never dialed"), "{report}");
    assert_eq!(c.store().len(), 10);
    for i in 0..5 {
        assert_eq!(c.state(ContactId(i)), Some(State::Removed));
    }
    for i in 5..10 {
        assert_eq!(c.state(ContactId(i)), Some(State::Initial));
    }
    ready_operator(&mut c, T0);
    ready_operator(&mut c, T0);
    ready_operator(&mut c, T0);
    let dialed: Vec<u64> = poll(&mut c, T0)
        .iter()
        .filter_map(|cmd| match cmd {
            Command::Dial { number, .. } => Some(*number),
            _ => None,
        })
        .collect();
    assert!(!dialed.is_empty());
    assert!(
        dialed
            .iter()
            .all(|n| (12_125_560_000..12_125_560_005).contains(n)),
        "{dialed:?}"
    );
    assert_eq!(c.store().counts(), &c.store().recount());
}

#[test]
fn a_stray_journal_with_a_huge_generation_is_an_error_not_a_hang() {
    let dir = TempDir::new("stray");
    {
        let (mut c, _) = open(&dir, predictive());
        c.add_numbers(&[12_125_550_000], 0).unwrap();
    }
    fs::write(dir.path().join("journal-ffffffffffffffff.dcj"), b"stray").unwrap();
    match Campaign::open(dir.path(), predictive()) {
        Err(e @ OpenError::Corrupt { .. }) => {
            assert!(e.to_string().contains("no next generation"), "{e}")
        }
        other => panic!("expected Corrupt, got {other:?}"),
    }
    // A stray file further out is a gap, reported as damage: the journals
    // between are missing.
    fs::remove_file(dir.path().join("journal-ffffffffffffffff.dcj")).unwrap();
    fs::write(dir.path().join("journal-ffffffffffffff.dcj"), b"stray").unwrap();
    let (_, report) = Campaign::inspect(dir.path(), predictive()).unwrap();
    assert_eq!(report.damage.len(), 2, "{report}");
    // A name this crate would not write is not a journal of the campaign.
    fs::remove_file(dir.path().join("journal-ffffffffffffff.dcj")).unwrap();
    fs::write(dir.path().join("journal-00000000000000001.dcj"), b"x").unwrap();
    fs::write(dir.path().join("journal-0000000A.dcj"), b"x").unwrap();
    let (_, report) = Campaign::inspect(dir.path(), predictive()).unwrap();
    assert!(report.damage.is_empty(), "{report}");
}
