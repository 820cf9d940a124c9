//! Regression (found by `fuzz/` target `journal`, `Frames` way): a journal
//! whose sequence numbers reach `u64::MAX`.
//!
//! The reader used to take a record at `seq = u64::MAX` as good and then
//! expect `u64::MAX` again (a saturating `+ 1`), so two records shared one
//! sequence number; a writer opened after it overflowed on its next append,
//! and `Campaign::open` of such a directory panicked in recovery (`r.seq +
//! 1`) — a panic across the C and Python APIs. Only a file with valid CRCs
//! can say so (crafted, not a bit flip). Now sequence numbers stop at
//! `journal::MAX_SEQ` (2⁶³ − 1): a frame past it is damage, a header past
//! it is a damaged header, a writer refuses to start past it and refuses
//! (without a panic) a record past it.

use std::path::PathBuf;

use dialcore::journal::{
    read_journal, FsyncPolicy, JournalError, JournalWriter, HEADER_LEN, JOURNAL_MAGIC,
    JOURNAL_VERSION, MAX_SEQ, RECORD_MAGIC,
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
fn no_two_records_read_back_share_a_sequence_number() {
    let path = scratch("two").join("j.dcj");
    std::fs::write(
        &path,
        journal(
            1,
            MAX_SEQ,
            &[(MAX_SEQ, b"a"), (u64::MAX, b"b"), (u64::MAX, b"c")],
        ),
    )
    .unwrap();
    let read = read_journal(&path).unwrap();
    let seqs: Vec<u64> = read.records.iter().map(|r| r.seq).collect();
    assert_eq!(seqs, [MAX_SEQ], "frames past MAX_SEQ are damage");
    let damaged: u64 = read.damage.iter().map(|d| d.bytes).sum();
    assert_eq!(
        damaged,
        2 * (dialcore::journal::RECORD_HEADER_LEN as u64 + 1),
        "both frames past MAX_SEQ are reported: {:?}",
        read.damage
    );
    assert_eq!(read.next_seq(), MAX_SEQ + 1);
}

#[test]
fn a_header_past_the_last_sequence_number_is_a_damaged_header() {
    let path = scratch("header").join("j.dcj");
    std::fs::write(&path, journal(1, u64::MAX, &[(u64::MAX, b"a")])).unwrap();
    match read_journal(&path) {
        Err(JournalError::BadHeader { path: named, .. }) => assert_eq!(named, path),
        other => panic!("expected a damaged header, got {other:?}"),
    }
}

#[test]
fn appending_stops_at_the_last_sequence_number_without_a_panic() {
    let path = scratch("append").join("j.dcj");
    std::fs::write(&path, journal(1, MAX_SEQ - 1, &[(MAX_SEQ - 1, b"a")])).unwrap();
    let read = read_journal(&path).unwrap();
    assert_eq!(read.next_seq(), MAX_SEQ);
    // What recovery does: continue at the reader's valid_len and next_seq.
    let mut w =
        JournalWriter::open_append(&path, read.valid_len, read.next_seq(), FsyncPolicy::Never)
            .unwrap();
    w.append(|out| out.push(b'b'));
    w.sync().unwrap();
    // No sequence number is left: refused, and the writer says so.
    w.append(|out| out.push(b'c'));
    let err = w.sync().unwrap_err();
    assert!(err.to_string().contains("exhausted"), "{err}");
    drop(w);
    let again = read_journal(&path).unwrap();
    let payloads: Vec<&[u8]> = again.payloads().collect();
    assert_eq!(payloads, [&b"a"[..], b"b"], "damage {:?}", again.damage);
    assert!(again.damage.is_empty(), "{:?}", again.damage);
    // A writer cannot start past the last sequence number either.
    let err =
        JournalWriter::open_append(&path, again.valid_len, again.next_seq(), FsyncPolicy::Never)
            .unwrap_err();
    assert!(
        err.to_string().contains(&(MAX_SEQ + 1).to_string()),
        "{err}"
    );
    assert!(JournalWriter::create(&path, 2, MAX_SEQ + 1, FsyncPolicy::Never).is_err());
}

#[test]
fn a_campaign_whose_journal_ends_at_the_last_sequence_numbers_opens_or_errs_without_panic() {
    use dialcore::{Campaign, CampaignConfig, Mode};
    for last in [u64::MAX, MAX_SEQ + 1, MAX_SEQ, MAX_SEQ - 1] {
        let dir = scratch(&format!("campaign-{last}"));
        let (mut c, _) = Campaign::open(&dir, CampaignConfig::new(Mode::Progressive)).unwrap();
        c.add_numbers(&[4930111111, 4930222222], 1).unwrap();
        c.flush().unwrap();
        drop(c);
        // The same records, renumbered to end at `last` (valid CRCs).
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "dcj") {
                let read = read_journal(&path).unwrap();
                let n = read.records.len() as u64;
                let first = last - n.saturating_sub(1);
                let records: Vec<(u64, &[u8])> = read
                    .payloads()
                    .enumerate()
                    .map(|(i, p)| (first + i as u64, p))
                    .collect();
                std::fs::write(&path, journal(read.generation, first, &records)).unwrap();
            }
        }
        let opened = std::panic::catch_unwind(|| {
            match Campaign::open(&dir, CampaignConfig::new(Mode::Progressive)) {
                Ok((mut c, _)) => {
                    // Journaling may fail (no sequence number left): then it
                    // says so and the campaign stops dialing.
                    let added = c.add_numbers(&[4930333333], 1).is_ok();
                    let flushed = c.flush().is_ok();
                    assert!(
                        (added && flushed) || c.durability_error().is_some(),
                        "a failed write must be visible"
                    );
                }
                Err(e) => assert!(!e.to_string().is_empty()),
            }
        });
        assert!(
            opened.is_ok(),
            "opening a journal ending at seq {last} panicked"
        );
    }
}
