//! Group commit with a preallocated journal: the writer keeps zeros ahead
//! of the logical end, the reader takes a zero tail after a frame boundary
//! for the clean end (version 3), damage before it is still reported, a
//! crash image of a live campaign recovers exactly, and a deferred sync
//! hands the fdatasync to a handle.

mod util;

use std::fs;
use std::path::{Path, PathBuf};

use dialcore::event::Event;
use dialcore::journal::{
    read_journal, DamageKind, FsyncPolicy, JournalError, JournalWriter, JOURNAL_VERSION,
    PREALLOCATE_MIN, RECORD_HEADER_LEN,
};
use dialcore::{Campaign, ContactId, DurableOptions, Mode, State};
use tempfile::TempDir;
use util::*;

fn sample(n: usize) -> Vec<Vec<u8>> {
    (0..n)
        .map(|i| format!("record {i} {}", "y".repeat(i % 11)).into_bytes())
        .collect()
}

/// A preallocated journal at `dir/j` holding `records`, flushed.
fn journal(dir: &Path, records: &[Vec<u8>]) -> (PathBuf, JournalWriter) {
    let path = dir.join("j");
    let mut w = JournalWriter::create(&path, 9, 500, FsyncPolicy::Always).unwrap();
    for r in records {
        w.append(|b| b.extend_from_slice(r));
    }
    assert!(w.flush(1).unwrap());
    (path, w)
}

#[test]
fn the_writer_preallocates_and_the_zero_tail_is_the_clean_end() {
    let dir = TempDir::new().unwrap();
    let records = sample(50);
    let (path, w) = journal(dir.path(), &records);
    let on_disk = fs::metadata(&path).unwrap().len();
    assert_eq!(on_disk, w.allocated_bytes());
    assert!(
        on_disk >= w.bytes() + PREALLOCATE_MIN,
        "{on_disk} vs {}",
        w.bytes()
    );
    let read = read_journal(&path).unwrap();
    assert_eq!(read.version, JOURNAL_VERSION);
    assert!(read.damage.is_empty(), "{:?}", read.damage);
    assert_eq!(read.valid_len, w.bytes());
    let got: Vec<&[u8]> = read.payloads().collect();
    assert_eq!(got, records.iter().map(Vec::as_slice).collect::<Vec<_>>());
    assert_eq!(read.next_seq(), 550);
}

#[test]
fn writes_past_the_preallocated_end_extend_it_and_read_back_whole() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("j");
    let mut w = JournalWriter::create(&path, 1, 0, FsyncPolicy::Never).unwrap();
    let big = vec![0xabu8; 40_000];
    let mut allocations = Vec::new();
    for i in 0..20u64 {
        w.append(|b| b.extend_from_slice(&big));
        w.flush(i).unwrap();
        allocations.push(w.allocated_bytes());
        assert!(w.allocated_bytes() >= w.bytes());
    }
    allocations.dedup();
    assert!(allocations.len() > 2, "grew in chunks: {allocations:?}");
    let read = read_journal(&path).unwrap();
    assert!(read.damage.is_empty(), "{:?}", read.damage);
    assert_eq!(read.records.len(), 20);
    assert!(read.payloads().all(|p| p == big.as_slice()));
}

#[test]
fn a_damaged_frame_inside_a_preallocated_journal_is_still_reported() {
    let dir = TempDir::new().unwrap();
    let records = sample(10);
    // The writer stays alive: dropping it would cut the preallocated tail.
    let (path, _w) = journal(dir.path(), &records);
    let intact = read_journal(&path).unwrap();
    let victim = intact.records[4].clone();

    // A flipped payload byte: one record lost, counted, the rest kept.
    let mut data = intact.data.clone();
    data[victim.payload.start] ^= 0x40;
    fs::write(&path, &data).unwrap();
    let read = read_journal(&path).unwrap();
    let [d] = &read.damage[..] else {
        panic!("{:?}", read.damage)
    };
    assert_eq!(d.kind, DamageKind::BadChecksum);
    assert_eq!(d.offset, victim.offset);
    assert_eq!(d.lost_records, Some(1));
    assert_eq!(read.records.len(), 9);
    assert_eq!(read.valid_len, intact.valid_len);

    // A zeroed frame in the middle is damage too, not a clean end: good
    // frames follow it.
    let mut data = intact.data.clone();
    data[victim.offset as usize..victim.payload.end].fill(0);
    fs::write(&path, &data).unwrap();
    let read = read_journal(&path).unwrap();
    let [d] = &read.damage[..] else {
        panic!("{:?}", read.damage)
    };
    assert_eq!(d.offset, victim.offset);
    assert_eq!(
        d.bytes as usize,
        victim.payload.end - victim.offset as usize
    );
    assert_eq!(d.lost_records, Some(1));
    assert_eq!(read.records.len(), 9);

    // The last frame torn inside the preallocated zeros: tail damage.
    let last = intact.records.last().unwrap().clone();
    let mut data = intact.data.clone();
    data[last.payload.start + 2..last.payload.end].fill(0);
    fs::write(&path, &data).unwrap();
    let read = read_journal(&path).unwrap();
    let [d] = &read.damage[..] else {
        panic!("{:?}", read.damage)
    };
    assert_eq!(d.offset, last.offset);
    assert!(d.at_tail());
    assert_eq!(d.first_lost_seq, last.seq);
    assert_eq!(read.records.len(), 9);
    assert_eq!(read.valid_len, last.offset);

    // Garbage inside the preallocated tail is not mistaken for zeros.
    let mut data = intact.data.clone();
    let at = intact.valid_len as usize + 100;
    data[at] = 7;
    fs::write(&path, &data).unwrap();
    let read = read_journal(&path).unwrap();
    let [d] = &read.damage[..] else {
        panic!("{:?}", read.damage)
    };
    assert_eq!(d.offset, intact.valid_len);
    assert!(d.at_tail());
    assert_eq!(read.records.len(), 10);
}

#[test]
fn reopening_cuts_to_the_logical_end_and_appends_after_it() {
    let dir = TempDir::new().unwrap();
    let records = sample(8);
    let (path, w) = journal(dir.path(), &records);
    // A crash: the writer never runs its drop, the zeros stay.
    std::mem::forget(w);
    let read = read_journal(&path).unwrap();
    assert!(fs::metadata(&path).unwrap().len() > read.valid_len);
    assert!(read.damage.is_empty());
    let mut w =
        JournalWriter::open_append(&path, read.valid_len, read.next_seq(), FsyncPolicy::Always)
            .unwrap();
    w.append(|b| b.extend_from_slice(b"after reopen"));
    w.flush(2).unwrap();
    assert!(
        fs::metadata(&path).unwrap().len() > w.bytes(),
        "preallocated again"
    );
    drop(w);
    let again = read_journal(&path).unwrap();
    assert!(again.damage.is_empty(), "{:?}", again.damage);
    assert_eq!(again.records.len(), 9);
    assert_eq!(again.records[8].seq, 508);
    assert_eq!(again.payloads().last().unwrap(), b"after reopen");
}

#[test]
fn a_dropped_writer_cuts_the_preallocated_tail() {
    let dir = TempDir::new().unwrap();
    let (path, w) = journal(dir.path(), &sample(4));
    let end = w.bytes();
    assert!(fs::metadata(&path).unwrap().len() > end);
    drop(w);
    assert_eq!(fs::metadata(&path).unwrap().len(), end);
    assert!(read_journal(&path).unwrap().damage.is_empty());
}

#[test]
fn a_closed_journal_ends_at_its_trailer() {
    let dir = TempDir::new().unwrap();
    let (path, mut w) = journal(dir.path(), &sample(5));
    w.append(|b| b.extend_from_slice(b"last"));
    let end = w.bytes() + RECORD_HEADER_LEN as u64;
    w.close().unwrap();
    assert_eq!(fs::metadata(&path).unwrap().len(), end);
    let read = read_journal(&path).unwrap();
    assert_eq!(read.trailer, Some(506));
    assert!(read.damage.is_empty());
}

/// Rewrites the header's version (and its CRC).
fn set_version(path: &Path, version: u16) {
    let mut data = fs::read(path).unwrap();
    data[4..6].copy_from_slice(&version.to_le_bytes());
    let crc = crc32fast::hash(&data[..24]);
    data[24..28].copy_from_slice(&crc.to_le_bytes());
    fs::write(path, &data).unwrap();
}

#[test]
fn a_version_2_journal_is_read_with_its_zero_tail_as_damage_and_others_are_refused() {
    let dir = TempDir::new().unwrap();
    let (path, w) = journal(dir.path(), &sample(3));
    drop(w);
    set_version(&path, 2);
    let mut f = fs::OpenOptions::new().append(true).open(&path).unwrap();
    std::io::Write::write_all(&mut f, &[0u8; 4096]).unwrap();
    drop(f);
    let read = read_journal(&path).unwrap();
    assert_eq!(read.version, 2);
    assert_eq!(read.records.len(), 3);
    let [d] = &read.damage[..] else {
        panic!("{:?}", read.damage)
    };
    assert_eq!(d.kind, DamageKind::ZeroFill);
    // Continuing a version 2 file does not preallocate it.
    let mut w =
        JournalWriter::open_append(&path, read.valid_len, read.next_seq(), FsyncPolicy::Always)
            .unwrap();
    w.append(|b| b.extend_from_slice(b"v2 goes on"));
    w.flush(5).unwrap();
    assert_eq!(fs::metadata(&path).unwrap().len(), w.bytes());
    drop(w);
    assert!(read_journal(&path).unwrap().damage.is_empty());

    for version in [4u16, 0xffff] {
        set_version(&path, version);
        match read_journal(&path) {
            Err(e @ JournalError::UnsupportedVersion { .. }) => {
                let text = e.to_string();
                assert!(text.contains(&format!("version {version}")), "{text}");
                assert!(text.contains("j"), "{text}");
            }
            other => panic!("version {version}: {other:?}"),
        }
    }
}

#[test]
fn a_deferred_sync_is_left_to_the_handle_once() {
    let dir = TempDir::new().unwrap();
    let (_path, mut w) = journal(dir.path(), &sample(2));
    assert!(w.take_sync().is_none(), "the flush synced itself");
    w.defer_sync();
    w.append(|b| b.extend_from_slice(b"deferred"));
    assert!(w.flush(3).unwrap(), "due under Always");
    assert!(!w.has_unsynced(), "the handle owns the sync now");
    let h = w.take_sync().expect("a sync is owed");
    assert_eq!(h.offset(), w.bytes());
    assert!(!h.is_done());
    let copy = h.clone();
    std::thread::spawn(move || copy.sync())
        .join()
        .unwrap()
        .unwrap();
    assert!(h.is_done());
    h.sync().unwrap();
    assert!(w.take_sync().is_none(), "taken once");
    // The deferral was one-shot: the next flush syncs itself.
    w.append(|b| b.extend_from_slice(b"direct"));
    assert!(w.flush(4).unwrap());
    assert!(w.take_sync().is_none());
    // A deferral no flush used is cancelled by take_sync.
    w.defer_sync();
    assert!(w.take_sync().is_none());
    w.append(|b| b.extend_from_slice(b"direct again"));
    assert!(w.flush(5).unwrap());
    assert!(w.take_sync().is_none());
}

fn durable(fsync: FsyncPolicy) -> DurableOptions {
    DurableOptions {
        fsync,
        snapshot_every_records: 0,
        accept_config_change: false,
        journal_retention: Default::default(),
    }
}

/// Copies every file of `from` into `to`: what the disk holds at this
/// moment, as a crash would leave it (the campaign stays open).
fn crash_image(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let name = e.file_name();
        if name.to_string_lossy().starts_with("journal-")
            || name.to_string_lossy().starts_with("snapshot-")
        {
            fs::copy(e.path(), to.join(&name)).unwrap();
        }
    }
}

fn journal_in(dir: &Path) -> PathBuf {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy().into_owned();
            n.starts_with("journal-") && n.ends_with(".dcj")
        })
        .max()
        .expect("a journal")
}

/// Every contact's state, attempts, outcome and due time.
fn rows(c: &Campaign) -> Vec<(State, u8, u8, Option<u64>)> {
    let s = c.store();
    (0..s.len() as u32)
        .map(ContactId)
        .map(|id| {
            let state = s.state(id).unwrap();
            let due = (state == State::RetryScheduled)
                .then(|| c.timer_of(id))
                .flatten();
            (
                state,
                s.attempts(id).unwrap(),
                s.last_outcome(id).unwrap() as u8,
                due,
            )
        })
        .collect()
}

#[test]
fn a_crash_with_a_preallocated_tail_recovers_exactly() {
    let live_dir = TempDir::new().unwrap();
    let cfg = || dialcore::CampaignConfig {
        predictive_ratio: 3.0,
        ..config(Mode::Predictive)
    };
    let (mut c, _) =
        Campaign::open_with(live_dir.path(), cfg(), durable(FsyncPolicy::Always)).unwrap();
    c.add_numbers(&(0..40).map(|i| 12_125_550_000 + i).collect::<Vec<_>>(), 0)
        .unwrap();
    let t0 = 1_700_000_000_000u64 + 15 * 3_600_000;
    ready_operator(&mut c, t0);
    let calls = dialed_calls(&poll(&mut c, t0));
    assert!(!calls.is_empty());
    for (i, call) in calls.iter().enumerate() {
        let now = t0 + 1_000 + i as u64;
        c.handle(Event::Rejected(*call), now).unwrap();
        poll(&mut c, now);
    }
    let journal = journal_in(live_dir.path());
    let read = read_journal(&journal).unwrap();
    assert!(
        fs::metadata(&journal).unwrap().len() > read.valid_len,
        "the journal carries a preallocated tail"
    );
    let before = rows(&c);
    let image = TempDir::new().unwrap();
    crash_image(live_dir.path(), image.path());

    let (back, report) =
        Campaign::open_with(image.path(), cfg(), durable(FsyncPolicy::Always)).unwrap();
    assert!(report.damage.is_empty(), "{:?}", report.damage);
    assert_eq!(report.restarted, None, "a clean history is continued");
    assert_eq!(report.records_lost(), 0);
    let after = rows(&back);
    assert_eq!(after.len(), before.len());
    for (id, (b, a)) in before.iter().zip(&after).enumerate() {
        let reconciled = report
            .reconciled
            .iter()
            .any(|r| r.contact == ContactId(id as u32));
        if reconciled {
            assert_eq!(a.1, b.1, "contact {id}: an issued dial stays counted");
            assert_eq!(a.0, State::RetryScheduled, "contact {id}");
        } else {
            assert_eq!(a, b, "contact {id}");
        }
    }
    drop(back);

    // The same image with the last record torn inside the zeros: reported
    // as tail damage, everything before it recovered.
    let torn = TempDir::new().unwrap();
    crash_image(live_dir.path(), torn.path());
    let tj = journal_in(torn.path());
    let mut data = fs::read(&tj).unwrap();
    let last = read.records.last().unwrap();
    data[last.payload.start + 1..last.payload.end].fill(0);
    fs::write(&tj, &data).unwrap();
    let (back, report) =
        Campaign::open_with(torn.path(), cfg(), durable(FsyncPolicy::Always)).unwrap();
    let [d] = &report.damage[..] else {
        panic!("{:?}", report.damage)
    };
    assert_eq!(d.offset, last.offset);
    assert_eq!(d.first_lost_seq, last.seq);
    assert_eq!(back.store().len(), 40);
    assert_eq!(back.store().counts(), &back.store().recount());
    drop(c);
}

#[test]
fn a_campaign_defers_its_poll_sync_to_the_host() {
    let dir = TempDir::new().unwrap();
    let (mut c, _) = Campaign::open_with(
        dir.path(),
        config(Mode::Progressive),
        durable(FsyncPolicy::Always),
    )
    .unwrap();
    c.add_numbers(&[12_125_550_100, 12_125_550_101], 0).unwrap();
    let t0 = 1_700_000_000_000u64 + 15 * 3_600_000;
    ready_operator(&mut c, t0);
    c.defer_sync();
    let cmds = poll(&mut c, t0);
    assert!(!cmds.is_empty(), "an offer goes out");
    let h = c.take_sync().expect("the poll left its sync to the host");
    assert_eq!(Some(h.offset()), c.journal_position().map(|p| p.2));
    h.sync().unwrap();
    assert!(h.is_done());
    assert!(c.take_sync().is_none());
    // In memory there is nothing to defer.
    let mut m = campaign(config(Mode::Progressive));
    m.defer_sync();
    assert!(m.take_sync().is_none());
}

mod prop {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// A crash image of a preallocated journal taken after any flush
        /// reads back exactly the records flushed so far, without damage;
        /// the same image with the last flush torn at any byte (the rest
        /// zeros, as in the preallocated space) keeps every frame the tear
        /// left intact, and reports anything else as damage at the tail.
        #[test]
        fn crash_images_read_back_what_was_flushed(
            batches in proptest::collection::vec(
                proptest::collection::vec(proptest::collection::vec(any::<u8>(), 1..300), 1..6),
                1..6,
            ),
            tear in any::<u32>(),
        ) {
            let dir = TempDir::new().unwrap();
            let path = dir.path().join("j");
            let mut w = JournalWriter::create(&path, 3, 10, FsyncPolicy::Never).unwrap();
            let mut flushed: Vec<Vec<u8>> = Vec::new();
            let mut ends = Vec::new();
            for (i, batch) in batches.iter().enumerate() {
                let before = w.bytes();
                for p in batch {
                    w.append(|b| b.extend_from_slice(p));
                }
                w.flush(i as u64).unwrap();
                flushed.extend(batch.iter().cloned());
                ends.push((before, w.bytes(), flushed.len()));
                let image = fs::read(&path).unwrap();
                prop_assert!(image.len() as u64 > w.bytes(), "preallocated");
                prop_assert!(image[w.bytes() as usize..].iter().all(|&b| b == 0));
                let copy = dir.path().join("image");
                fs::write(&copy, &image).unwrap();
                let read = read_journal(&copy).unwrap();
                prop_assert!(read.damage.is_empty(), "{:?}", read.damage);
                let got: Vec<&[u8]> = read.payloads().collect();
                prop_assert_eq!(got, flushed.iter().map(Vec::as_slice).collect::<Vec<_>>());
                prop_assert_eq!(read.valid_len, w.bytes());
            }
            // Tear the last flush: keep `cut` of its bytes, zero the rest.
            let image = fs::read(&path).unwrap();
            let &(start, end, _) = ends.last().unwrap();
            let cut = start + u64::from(tear) % (end - start + 1);
            let mut torn = image.clone();
            torn[cut as usize..end as usize].fill(0);
            let copy = dir.path().join("torn");
            fs::write(&copy, &torn).unwrap();
            let read = read_journal(&copy).unwrap();
            let mut frame_end = start;
            let mut whole = ends.len().checked_sub(2).map_or(0, |k| ends[k].2);
            for p in batches.last().unwrap() {
                let e = frame_end + (RECORD_HEADER_LEN + p.len()) as u64;
                // Intact unless the tear changed it (a payload may end in
                // zeros the tear left as they were).
                if torn[frame_end as usize..e as usize] != image[frame_end as usize..e as usize] {
                    break;
                }
                frame_end = e;
                whole += 1;
            }
            prop_assert_eq!(read.records.len(), whole);
            prop_assert_eq!(read.valid_len, frame_end);
            if torn[frame_end as usize..].iter().all(|&b| b == 0) {
                prop_assert!(read.damage.is_empty(), "{:?}", read.damage);
            } else {
                let [d] = &read.damage[..] else {
                    return Err(TestCaseError::fail(format!("{:?}", read.damage)));
                };
                prop_assert!(d.at_tail());
                prop_assert_eq!(d.offset, frame_end);
            }
        }
    }
}
