//! Regression (found by `fuzz/` target `journal`, `Frames` way): a journal
//! whose sequence numbers reach `u64::MAX`.
//!
//! The reader takes a record at `seq = u64::MAX` as good, and the next
//! expected `seq` saturates at `u64::MAX`, so a second record at
//! `u64::MAX` is taken as good too (two records, one sequence number), and
//! `JournalRead::next_seq()` gives `u64::MAX` again. A writer opened there
//! (`JournalWriter::open_append`, as recovery does) overflows on its next
//! append: a panic in debug builds, a wrap to `seq = 0` in release (which
//! the next read takes for damage). Only a file with valid CRCs can say
//! so — crafted or written by another program, not a bit flip.
//!
//! Recovery itself overflows first: `Campaign::open` of a campaign whose
//! journal ends at `u64::MAX` panics in debug builds (`r.seq + 1` in
//! `campaign/durable/recovery.rs`).
//!
//! The tests state what should hold and fail today: they are ignored
//! until the journal reserves `u64::MAX` (or refuses such a file).

use std::path::PathBuf;

use dialcore::journal::{
    read_journal, FsyncPolicy, JournalWriter, HEADER_LEN, JOURNAL_MAGIC, JOURNAL_VERSION,
    RECORD_MAGIC,
};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dialcore-seq-max-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A v2 journal: header of `generation` at `first_seq`, then a record per `(seq, payload)`,
/// all with correct CRCs.
fn journal(generation: u64, first_seq: u64, records: &[(u64, &[u8])]) -> Vec<u8> {
    let mut d = Vec::new();
    d.extend_from_slice(&JOURNAL_MAGIC);
    d.extend_from_slice(&JOURNAL_VERSION.to_le_bytes());
    d.extend_from_slice(&0u16.to_le_bytes());
    d.extend_from_slice(&generation.to_le_bytes());
    d.extend_from_slice(&first_seq.to_le_bytes());
    let crc = crc32fast::hash(&d);
    d.extend_from_slice(&crc.to_le_bytes());
    assert_eq!(d.len(), HEADER_LEN);
    for &(seq, payload) in records {
        let start = d.len();
        d.extend_from_slice(&RECORD_MAGIC);
        d.extend_from_slice(&seq.to_le_bytes());
        d.extend_from_slice(&(payload.len() as u32).to_le_bytes());
        let mut h = crc32fast::Hasher::new();
        h.update(&d[start + 4..]);
        h.update(payload);
        d.extend_from_slice(&h.finalize().to_le_bytes());
        d.extend_from_slice(payload);
    }
    d
}

#[test]
#[ignore = "known bug: the journal reader accepts two records at seq u64::MAX"]
fn no_two_records_read_back_share_a_sequence_number() {
    let path = scratch("two").join("j.dcj");
    std::fs::write(
        &path,
        journal(1, u64::MAX, &[(u64::MAX, b"a"), (u64::MAX, b"b")]),
    )
    .unwrap();
    let read = read_journal(&path).unwrap();
    let seqs: Vec<u64> = read.records.iter().map(|r| r.seq).collect();
    assert!(
        seqs.windows(2).all(|w| w[0] < w[1]),
        "records share a sequence number: {seqs:?} (damage {:?})",
        read.damage
    );
}

#[test]
#[ignore = "known bug: appending after a record at seq u64::MAX overflows"]
fn appending_where_the_reader_says_continues_the_sequence() {
    let path = scratch("append").join("j.dcj");
    std::fs::write(
        &path,
        journal(1, u64::MAX - 1, &[(u64::MAX - 1, b"a"), (u64::MAX, b"b")]),
    )
    .unwrap();
    let read = read_journal(&path).unwrap();
    assert_eq!(read.records.len(), 2);
    // What recovery does: continue at the reader's valid_len and next_seq.
    let appended = std::panic::catch_unwind(|| {
        let mut w =
            JournalWriter::open_append(&path, read.valid_len, read.next_seq(), FsyncPolicy::Never)
                .unwrap();
        w.append(|out| out.push(b'c'));
        w.sync().unwrap();
    });
    assert!(appended.is_ok(), "append after seq u64::MAX panicked");
    let again = read_journal(&path).unwrap();
    let payloads: Vec<&[u8]> = again.payloads().collect();
    assert_eq!(
        payloads,
        [&b"a"[..], b"b", b"c"],
        "damage {:?}",
        again.damage
    );
    let seqs: Vec<u64> = again.records.iter().map(|r| r.seq).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
}

#[test]
#[ignore = "known bug: recovery continues a journal at seq u64::MAX and the next append overflows"]
fn a_campaign_whose_journal_ends_at_seq_max_opens_and_journals_without_panic() {
    use dialcore::{Campaign, CampaignConfig, Mode};
    let dir = scratch("campaign");
    let (mut c, _) = Campaign::open(&dir, CampaignConfig::new(Mode::Progressive)).unwrap();
    c.add_numbers(&[4930111111, 4930222222], 1).unwrap();
    c.flush().unwrap();
    drop(c);
    // The same records, renumbered to end at u64::MAX (valid CRCs).
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "dcj") {
            let read = read_journal(&path).unwrap();
            let n = read.records.len() as u64;
            let first = u64::MAX - n.saturating_sub(1);
            let records: Vec<(u64, &[u8])> = read
                .payloads()
                .enumerate()
                .map(|(i, p)| (first + i as u64, p))
                .collect();
            std::fs::write(&path, journal(read.generation, first, &records)).unwrap();
        }
    }
    let opened = std::panic::catch_unwind(|| {
        // An error naming the journal would do; a panic (today: `r.seq + 1`
        // in recovery) must not happen: it crosses the C and Python APIs.
        if let Ok((mut c, _)) = Campaign::open(&dir, CampaignConfig::new(Mode::Progressive)) {
            c.add_numbers(&[4930333333], 1).unwrap();
            c.flush().unwrap();
        }
    });
    assert!(
        opened.is_ok(),
        "opening or journaling after seq u64::MAX panicked"
    );
}
