//! The durability file formats on a real disk: journal framing and recovery
//! reading, fsync policies, snapshot containers, atomic replacement and the
//! data directory lock.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use dialcore::journal::{
    read_journal, DamageKind, FsyncPolicy, JournalError, JournalWriter, HEADER_LEN,
    RECORD_HEADER_LEN,
};
use dialcore::lockfile::{DirLock, LockError};
use dialcore::snapshot::{
    le_bytes_to_u16s, le_bytes_to_u64s, Snapshot, SnapshotError, SnapshotWriter,
};
use proptest::prelude::*;
use tempfile::TempDir;

fn tmp() -> TempDir {
    tempfile::tempdir().expect("temp dir")
}

/// A journal at `dir/j` holding `records`, synced, its preallocated zero
/// tail cut off (the tests here damage the bytes they wrote, relative to
/// the end of the file; `journal_prealloc.rs` tests the zero tail).
fn write_journal(dir: &Path, records: &[Vec<u8>]) -> PathBuf {
    let path = dir.join("j");
    let mut w = JournalWriter::create(&path, 42, 1000, FsyncPolicy::Never).unwrap();
    for r in records {
        w.append(|buf| buf.extend_from_slice(r));
    }
    w.sync().unwrap();
    let end = w.bytes();
    drop(w);
    let f = fs::OpenOptions::new().write(true).open(&path).unwrap();
    f.set_len(end).unwrap();
    path
}

fn payloads(path: &Path) -> Vec<Vec<u8>> {
    read_journal(path)
        .unwrap()
        .payloads()
        .map(<[u8]>::to_vec)
        .collect()
}

/// The offsets where each record's frame ends.
fn frames_end(records: &[Vec<u8>]) -> Vec<usize> {
    let mut end = HEADER_LEN;
    records
        .iter()
        .map(|r| {
            end += r.len() + RECORD_HEADER_LEN;
            end
        })
        .collect()
}

fn sample(n: usize) -> Vec<Vec<u8>> {
    (0..n)
        .map(|i| format!("record number {i} {}", "x".repeat(i % 7)).into_bytes())
        .collect()
}

#[test]
fn journal_round_trip() {
    let dir = tmp();
    let records = sample(100);
    let path = dir.path().join("j");
    let mut w = JournalWriter::create(&path, 42, 1000, FsyncPolicy::default()).unwrap();
    assert_eq!(FsyncPolicy::default(), FsyncPolicy::EveryMs(10));
    for r in &records {
        w.append(|buf| buf.extend_from_slice(r));
    }
    // An empty payload appends nothing.
    w.append(|_| {});
    assert_eq!(w.records(), 100);
    let total: usize = records.iter().map(|r| r.len() + RECORD_HEADER_LEN).sum();
    assert_eq!(w.buffered_bytes(), total);
    assert_eq!(w.bytes(), (HEADER_LEN + total) as u64);
    assert!(w.flush(0).unwrap());
    assert_eq!(w.buffered_bytes(), 0);
    assert_eq!(w.generation(), 42);
    let end = w.bytes();
    drop(w);
    assert!(!dir.path().join("j.tmp").exists());

    let read = read_journal(&path).unwrap();
    assert_eq!(read.generation, 42);
    assert_eq!(read.first_seq, 1000);
    assert!(read.damage.is_empty());
    let seqs: Vec<u64> = read.records.iter().map(|r| r.seq).collect();
    assert_eq!(seqs, (1000..1100).collect::<Vec<_>>());
    assert_eq!(read.next_seq(), 1100);
    assert_eq!(read.valid_len, end);
    assert_eq!(
        fs::metadata(&path).unwrap().len(),
        end,
        "the dropped writer cut its preallocated zeros"
    );
    assert_eq!(read.payloads().collect::<Vec<_>>(), records);
}

#[test]
fn dropping_the_writer_writes_the_buffer() {
    let dir = tmp();
    let path = dir.path().join("j");
    let mut w = JournalWriter::create(&path, 1, 0, FsyncPolicy::Never).unwrap();
    w.append(|b| b.extend_from_slice(b"late"));
    drop(w);
    assert_eq!(payloads(&path), vec![b"late".to_vec()]);
}

#[test]
fn fsync_policies() {
    let dir = tmp();
    let path = dir.path().join("j");
    let mut w = JournalWriter::create(&path, 1, 0, FsyncPolicy::Always).unwrap();
    for t in 0..5 {
        w.append(|b| b.push(t as u8));
        assert!(w.flush(t).unwrap(), "Always syncs every flush that wrote");
    }
    assert!(!w.flush(10).unwrap(), "nothing new: nothing to sync");

    w.set_policy(FsyncPolicy::EveryMs(100));
    assert_eq!(w.policy(), FsyncPolicy::EveryMs(100));
    w.append(|b| b.push(1));
    assert!(w.flush(1_000).unwrap(), "first flush under EveryMs syncs");
    w.append(|b| b.push(2));
    assert!(!w.flush(1_050).unwrap());
    assert!(w.has_unsynced());
    assert!(!w.flush(1_099).unwrap());
    assert!(w.flush(1_100).unwrap(), "100 ms of engine time passed");
    assert!(!w.has_unsynced());
    assert!(!w.flush(5_000).unwrap(), "nothing unsynced");
    w.append(|b| b.push(3));
    assert!(w.flush(900).unwrap(), "the clock went backwards: sync");

    w.set_policy(FsyncPolicy::Never);
    for t in 0..3 {
        w.append(|b| b.push(4));
        assert!(!w.flush(10_000 * t).unwrap());
    }
    assert!(w.has_unsynced());
    w.sync().unwrap();
    assert!(!w.has_unsynced());
    assert_eq!(payloads(&path).len(), 5 + 3 + 3);
}

#[test]
fn truncated_last_record() {
    let dir = tmp();
    let records = sample(10);
    let path = write_journal(dir.path(), &records);
    let len = fs::metadata(&path).unwrap().len();
    for cut in [1, 3, RECORD_HEADER_LEN as u64, RECORD_HEADER_LEN as u64 + 2] {
        let data = fs::read(&path).unwrap();
        let cut_path = dir.path().join("cut");
        fs::write(&cut_path, &data[..(len - cut) as usize]).unwrap();
        let read = read_journal(&cut_path).unwrap();
        assert_eq!(read.payloads().collect::<Vec<_>>(), records[..9]);
        let [damage] = &read.damage[..] else {
            panic!("{:?}", read.damage)
        };
        assert_eq!(damage.kind, DamageKind::TornRecord);
        // At the end of the file nothing says how many records were cut.
        assert_eq!(damage.lost_records, None);
        assert_eq!(damage.first_lost_seq, 1009);
        assert_eq!(damage.offset, read.valid_len);
        assert_eq!(damage.bytes, len - cut - read.valid_len);
    }
}

#[test]
fn a_flipped_byte_loses_one_record_and_keeps_the_rest() {
    let dir = tmp();
    let records = sample(20);
    let path = write_journal(dir.path(), &records);
    let mut data = fs::read(&path).unwrap();
    // The payload of record 5.
    let frame: usize = HEADER_LEN
        + records[..5]
            .iter()
            .map(|r| r.len() + RECORD_HEADER_LEN)
            .sum::<usize>();
    data[frame + RECORD_HEADER_LEN + 2] ^= 0x40;
    fs::write(&path, &data).unwrap();
    let read = read_journal(&path).unwrap();
    let mut kept = records.clone();
    kept.remove(5);
    assert_eq!(read.payloads().collect::<Vec<_>>(), kept);
    let [damage] = &read.damage[..] else {
        panic!("{:?}", read.damage)
    };
    assert_eq!(damage.kind, DamageKind::BadChecksum);
    assert_eq!(damage.lost_records, Some(1));
    assert_eq!(damage.first_lost_seq, 1005);
    assert_eq!(damage.offset, frame as u64);
    assert_eq!(damage.bytes, (records[5].len() + RECORD_HEADER_LEN) as u64);
    assert_eq!(read.valid_len, data.len() as u64);
}

#[test]
fn zero_filled_tail_is_the_clean_end() {
    // Version 3: zeros from a frame boundary to the end are preallocated
    // space, not damage (a version 2 file's are: see journal_prealloc.rs).
    let dir = tmp();
    let records = sample(3);
    let path = write_journal(dir.path(), &records);
    let end = fs::metadata(&path).unwrap().len();
    let mut f = fs::OpenOptions::new().append(true).open(&path).unwrap();
    f.write_all(&[0u8; 4096]).unwrap();
    drop(f);
    let read = read_journal(&path).unwrap();
    assert_eq!(read.payloads().collect::<Vec<_>>(), records);
    assert!(read.damage.is_empty(), "{:?}", read.damage);
    assert_eq!(read.valid_len, end);
}

#[test]
fn header_errors() {
    let dir = tmp();
    let p = dir.path().join("x");
    fs::write(&p, b"").unwrap();
    assert!(matches!(read_journal(&p), Err(JournalError::Empty { .. })));
    fs::write(&p, b"this is not a journal at all, not even close").unwrap();
    let err = read_journal(&p).unwrap_err();
    assert!(matches!(err, JournalError::BadMagic { .. }));
    assert!(err.to_string().contains(&*p.to_string_lossy()), "{err}");
    fs::write(&p, b"DCJL\x02\x00").unwrap();
    assert!(matches!(
        read_journal(&p),
        Err(JournalError::BadHeader { .. })
    ));

    let good = write_journal(dir.path(), &sample(2));
    let data = fs::read(&good).unwrap();
    let mut bad = data.clone();
    bad[10] ^= 1; // the generation
    fs::write(&p, &bad).unwrap();
    assert!(matches!(
        read_journal(&p),
        Err(JournalError::BadHeader { .. })
    ));
    // A whole version 1 header: refused by version, naming the file.
    let mut v1 = data[..20].to_vec();
    v1[4] = 1;
    let crc = crc32fast::hash(&v1[..16]);
    v1[16..20].copy_from_slice(&crc.to_le_bytes());
    fs::write(&p, &v1).unwrap();
    let err = read_journal(&p).unwrap_err();
    assert!(matches!(
        err,
        JournalError::UnsupportedVersion { version: 1, .. }
    ));
    assert!(err.to_string().contains("version 1"), "{err}");
    assert!(err.to_string().contains(&*p.to_string_lossy()), "{err}");
    assert!(matches!(
        read_journal(&dir.path().join("missing")),
        Err(JournalError::Io(_))
    ));
}

#[test]
fn garbage_after_the_header() {
    let dir = tmp();
    let path = write_journal(dir.path(), &[]);
    let mut data = fs::read(&path).unwrap();
    data.extend((0..1000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
    fs::write(&path, &data).unwrap();
    let read = read_journal(&path).unwrap();
    assert_eq!(read.records.len(), 0);
    assert_eq!(read.valid_len, HEADER_LEN as u64);
    assert_eq!(read.damage.len(), 1);
    assert_eq!(read.damage[0].bytes, 1000);
}

#[test]
fn open_append_cuts_the_torn_tail() {
    let dir = tmp();
    let records = sample(10);
    let path = write_journal(dir.path(), &records);
    let mut data = fs::read(&path).unwrap();
    data.truncate(data.len() - 3);
    data.extend_from_slice(&[0xEE; 11]);
    fs::write(&path, &data).unwrap();

    let read = read_journal(&path).unwrap();
    assert_eq!(read.records.len(), 9);
    let mut w =
        JournalWriter::open_append(&path, read.valid_len, read.next_seq(), FsyncPolicy::Always)
            .unwrap();
    assert_eq!(fs::metadata(&path).unwrap().len(), read.valid_len);
    assert_eq!(w.generation(), 42);
    assert_eq!(w.records(), 0);
    assert_eq!(w.bytes(), read.valid_len);
    w.append(|b| b.extend_from_slice(b"after recovery"));
    w.append(|b| b.extend_from_slice(b"and another"));
    assert!(w.flush(0).unwrap());
    drop(w);

    let read = read_journal(&path).unwrap();
    assert!(read.damage.is_empty());
    assert_eq!(read.records.last().unwrap().seq, 1010);
    let mut expected = records[..9].to_vec();
    expected.push(b"after recovery".to_vec());
    expected.push(b"and another".to_vec());
    assert_eq!(read.payloads().collect::<Vec<_>>(), expected);

    // Out-of-range valid lengths are refused, not obeyed.
    let len = fs::metadata(&path).unwrap().len();
    assert!(JournalWriter::open_append(&path, len + 1, 0, FsyncPolicy::Never).is_err());
    assert!(JournalWriter::open_append(&path, 3, 0, FsyncPolicy::Never).is_err());
    assert_eq!(fs::metadata(&path).unwrap().len(), len);
}

#[test]
fn create_replaces_an_old_journal() {
    let dir = tmp();
    let path = write_journal(dir.path(), &sample(5));
    let w = JournalWriter::create(&path, 43, 7, FsyncPolicy::Never).unwrap();
    drop(w);
    let read = read_journal(&path).unwrap();
    assert_eq!(read.generation, 43);
    assert!(read.records.is_empty());
}

fn write_snapshot(path: &Path) -> u64 {
    let big: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    let col16: Vec<u16> = (0..100_000u32).map(|i| (i * 7) as u16).collect();
    let col64: Vec<u64> = (0..100_000u64).map(|i| i << 40 | i).collect();
    let mut w = SnapshotWriter::create(path, 9).unwrap();
    w.section(*b"EMPT", b"").unwrap();
    w.section(*b"SMAL", b"hello").unwrap();
    w.section(*b"BIG_", &big).unwrap();
    w.section_parts(*b"PART", &[b"ab", b"", b"cde"]).unwrap();
    w.section_u16s(*b"C16_", &col16).unwrap();
    w.section_u64s(*b"C64_", &col64).unwrap();
    w.section_with(*b"STRM", |out| {
        for i in 0..1000u32 {
            out.write_all(&i.to_le_bytes())?;
        }
        Ok(())
    })
    .unwrap();
    w.section_with(*b"STR0", |_| Ok(())).unwrap();
    assert!(w.section(*b"SMAL", b"again").is_err(), "duplicate tag");
    w.finish().unwrap()
}

#[test]
fn snapshot_round_trip() {
    let dir = tmp();
    let path = dir.path().join("snap");
    let len = write_snapshot(&path);
    assert!(!dir.path().join("snap.tmp").exists());
    let s = Snapshot::read(&path).unwrap();
    assert_eq!(s.generation, 9);
    assert_eq!(s.len_bytes(), len);
    assert_eq!(fs::metadata(&path).unwrap().len(), len);
    assert_eq!(
        s.tags().collect::<Vec<_>>(),
        [b"EMPT", b"SMAL", b"BIG_", b"PART", b"C16_", b"C64_", b"STRM", b"STR0"].map(|t| *t)
    );
    assert_eq!(s.section(*b"EMPT"), Some(&b""[..]));
    assert_eq!(s.section(*b"SMAL"), Some(&b"hello"[..]));
    assert_eq!(s.section(*b"PART"), Some(&b"abcde"[..]));
    assert_eq!(s.section(*b"NONE"), None);
    let big = s.section(*b"BIG_").unwrap();
    assert_eq!(big.len(), 3_000_000);
    assert!(big.iter().enumerate().all(|(i, &b)| b == (i % 251) as u8));
    let col16 = le_bytes_to_u16s(s.section(*b"C16_").unwrap()).unwrap();
    assert!(col16
        .iter()
        .enumerate()
        .all(|(i, &v)| v == (i as u32 * 7) as u16));
    let col64 = le_bytes_to_u64s(s.section(*b"C64_").unwrap()).unwrap();
    assert!(col64
        .iter()
        .enumerate()
        .all(|(i, &v)| v == (i as u64) << 40 | i as u64));
    let strm = s.section(*b"STRM").unwrap();
    assert_eq!(strm.len(), 4000);
    assert_eq!(&strm[4..8], &1u32.to_le_bytes());
    assert_eq!(s.section(*b"STR0"), Some(&b""[..]));
}

#[test]
fn snapshot_damage() {
    let dir = tmp();
    let path = dir.path().join("snap");
    write_snapshot(&path);
    let data = fs::read(&path).unwrap();
    let p = dir.path().join("bad");

    // A flipped byte inside the SMAL section's bytes: 20 header + EMPT (16) + 12.
    let mut bad = data.clone();
    bad[20 + 16 + 12 + 1] ^= 0x20;
    fs::write(&p, &bad).unwrap();
    let err = Snapshot::read(&p).unwrap_err();
    assert!(
        matches!(err, SnapshotError::BadChecksum { tag, .. } if tag == *b"SMAL"),
        "{err}"
    );
    assert!(err.to_string().contains("SMAL"), "{err}");
    assert!(err.to_string().contains(&*p.to_string_lossy()), "{err}");

    // Every single-byte flip anywhere in a small snapshot is caught.
    let small = dir.path().join("small");
    let mut w = SnapshotWriter::create(&small, 3).unwrap();
    w.section(*b"ZERO", b"").unwrap();
    w.section(*b"ONE_", b"some bytes").unwrap();
    w.section_with(*b"TWO_", |out| out.write_all(b"streamed bytes"))
        .unwrap();
    w.finish().unwrap();
    let small = fs::read(&small).unwrap();
    for at in 0..small.len() {
        let mut bad = small.clone();
        bad[at] ^= 0x01;
        fs::write(&p, &bad).unwrap();
        assert!(Snapshot::read(&p).is_err(), "flip at {at} not detected");
    }

    for cut in [1, 8, 1000, data.len() - 21, data.len() - 2] {
        fs::write(&p, &data[..data.len() - cut]).unwrap();
        let err = Snapshot::read(&p).unwrap_err();
        assert!(
            matches!(err, SnapshotError::Truncated { .. }),
            "cut {cut}: {err}"
        );
    }
    fs::write(&p, b"").unwrap();
    assert!(matches!(
        Snapshot::read(&p),
        Err(SnapshotError::Truncated { .. })
    ));
    fs::write(&p, b"not a snapshot").unwrap();
    assert!(matches!(
        Snapshot::read(&p),
        Err(SnapshotError::BadMagic { .. })
    ));
    let mut v2 = data.clone();
    v2[4] = 2;
    fs::write(&p, &v2).unwrap();
    assert!(matches!(
        Snapshot::read(&p),
        Err(SnapshotError::UnsupportedVersion { version: 2, .. })
    ));
}

#[test]
fn snapshot_tmp_leftovers_are_never_read() {
    let dir = tmp();
    let path = dir.path().join("snap");
    let tmp_path = dir.path().join("snap.tmp");

    // Unfinished: nothing at the final path, and the tmp file is cleaned up.
    let mut w = SnapshotWriter::create(&path, 1).unwrap();
    w.section(*b"AAAA", b"x").unwrap();
    assert!(tmp_path.exists());
    drop(w);
    assert!(!tmp_path.exists());
    assert!(matches!(Snapshot::read(&path), Err(SnapshotError::Io(_))));

    // A finished snapshot, then a crashed one's leftover beside it.
    write_snapshot(&path);
    fs::write(&tmp_path, b"DCSN garbage from a crash").unwrap();
    assert_eq!(Snapshot::read(&path).unwrap().generation, 9);

    // A new writer replaces the leftover; until it finishes the old
    // snapshot stays in place.
    let mut w = SnapshotWriter::create(&path, 10).unwrap();
    w.section(*b"NEW_", b"new").unwrap();
    assert_eq!(Snapshot::read(&path).unwrap().generation, 9);
    w.finish().unwrap();
    let s = Snapshot::read(&path).unwrap();
    assert_eq!(s.generation, 10);
    assert_eq!(s.section(*b"NEW_"), Some(&b"new"[..]));
    assert!(!tmp_path.exists());
}

#[test]
fn a_failed_stream_spoils_the_writer() {
    let dir = tmp();
    let path = dir.path().join("snap");
    let mut w = SnapshotWriter::create(&path, 1).unwrap();
    let err = w
        .section_with(*b"FAIL", |out| {
            out.write_all(b"partial")?;
            Err(std::io::Error::other("producer failed"))
        })
        .unwrap_err();
    assert_eq!(err.to_string(), "producer failed");
    assert!(w.section(*b"NEXT", b"x").is_err());
    assert!(w.finish().is_err());
    assert!(!path.exists());
    assert!(!dir.path().join("snap.tmp").exists());
}

#[test]
fn dir_lock_is_exclusive() {
    let dir = tmp();
    let data = dir.path().join("data");
    let first = DirLock::acquire(&data).unwrap();
    assert_eq!(first.dir(), data);
    assert!(data.join("LOCK").exists());
    // flock locks belong to the open file description: a second open in
    // this same process is refused.
    let err = DirLock::acquire(&data).unwrap_err();
    assert!(matches!(err, LockError::Locked { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        format!(
            "data directory {} is locked by another process",
            data.display()
        )
    );
    drop(first);
    let again = DirLock::acquire(&data).unwrap();
    drop(again);
}

/// How a test damages a journal file.
#[derive(Debug, Clone)]
enum Mutation {
    /// Cut the file to this fraction (per mille) of its length.
    Truncate(u16),
    /// XOR a byte at this fraction (per mille) of the file with a mask.
    Flip(u16, u8),
    /// Append these bytes.
    Append(Vec<u8>),
    /// Overwrite everything after the header with these bytes.
    Replace(Vec<u8>),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (0..=1000u16).prop_map(Mutation::Truncate),
        (0..1000u16, 1..=255u8).prop_map(|(a, m)| Mutation::Flip(a, m)),
        prop::collection::vec(any::<u8>(), 0..64).prop_map(Mutation::Append),
        prop::collection::vec(any::<u8>(), 0..256).prop_map(Mutation::Replace),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// Whatever happens to the file after the header, reading never panics,
    /// accepts at most the file, and yields exactly the records whose
    /// frames the damage did not touch, with the loss counted from the
    /// sequence gap.
    #[test]
    fn damaged_journals_yield_every_untouched_record(
        records in prop::collection::vec(prop::collection::vec(any::<u8>(), 1..40), 0..20),
        m in mutation(),
    ) {
        let dir = tmp();
        let path = write_journal(dir.path(), &records);
        let mut data = fs::read(&path).unwrap();
        let len = data.len();
        // Records ending at or before `intact` are untouched.
        let intact = match &m {
            Mutation::Truncate(f) => {
                let cut = HEADER_LEN + (len - HEADER_LEN) * *f as usize / 1000;
                data.truncate(cut);
                cut
            }
            Mutation::Flip(f, mask) => {
                let at = HEADER_LEN + (len - HEADER_LEN) * *f as usize / 1000;
                if at < len {
                    data[at] ^= mask;
                    at
                } else {
                    len
                }
            }
            Mutation::Append(bytes) => {
                data.extend_from_slice(bytes);
                len
            }
            Mutation::Replace(bytes) => {
                data.truncate(HEADER_LEN);
                data.extend_from_slice(bytes);
                HEADER_LEN
            }
        };
        fs::write(&path, &data).unwrap();
        let read = read_journal(&path).unwrap();
        prop_assert!(read.valid_len <= data.len() as u64);
        let got: Vec<&[u8]> = read.payloads().collect();
        // Each record's frame, and whether the mutation left it untouched.
        let mut frames = Vec::new();
        let mut end = HEADER_LEN;
        for r in &records {
            let start = end;
            end += r.len() + RECORD_HEADER_LEN;
            let untouched = match &m {
                Mutation::Truncate(_) => end <= intact,
                Mutation::Flip(..) => !(start..end).contains(&intact),
                Mutation::Append(_) => true,
                Mutation::Replace(_) => false,
            };
            frames.push(untouched);
        }
        if !matches!(m, Mutation::Replace(_)) {
            // Salvage: exactly the untouched records come back, in order
            // (a touched frame never checks out).
            let kept: Vec<&[u8]> = records
                .iter()
                .zip(&frames)
                .filter(|(_, &u)| u)
                .map(|(r, _)| &r[..])
                .collect();
            prop_assert_eq!(&got, &kept);
            // Counted losses plus records read make up everything written
            // up to the last record read; a loss at the end is uncounted.
            let counted: u64 = read.damage.iter().filter_map(|d| d.lost_records).sum();
            let last = read.records.last().map_or(0, |r| r.seq + 1 - 1000);
            prop_assert_eq!(counted + got.len() as u64, last);
            let lost_at_end = records.len() as u64 - last;
            // A cut exactly on a frame boundary looks like the end of the
            // journal: the one loss a file cannot show (the durable layer
            // sees it from the next journal's header).
            let on_boundary = matches!(m, Mutation::Truncate(_))
                && (intact == HEADER_LEN
                    || frames_end(&records).contains(&intact));
            if lost_at_end > 0 && !on_boundary {
                prop_assert!(read.damage.last().is_some_and(|d| d.at_tail()));
            }
        }
        let mut prev_end = HEADER_LEN as u64;
        for d in &read.damage {
            prop_assert!(d.offset >= prev_end && d.offset + d.bytes <= data.len() as u64);
            prev_end = d.offset + d.bytes;
            if d.kind == DamageKind::ZeroFill {
                prop_assert!(d.at_tail());
                prop_assert!(data[d.offset as usize..].iter().all(|&b| b == 0));
            }
        }
        match read.damage.last() {
            Some(d) if d.at_tail() => prop_assert_eq!(read.valid_len, d.offset),
            _ => prop_assert_eq!(read.valid_len, data.len() as u64),
        }
        // Recovery then appending gives a journal without tail damage, the
        // new record numbered after the last one read.
        let mut w = JournalWriter::open_append(&path, read.valid_len, read.next_seq(), FsyncPolicy::Never).unwrap();
        w.append(|b| b.extend_from_slice(b"tail"));
        drop(w);
        let again = read_journal(&path).unwrap();
        prop_assert!(again.damage.iter().all(|d| !d.at_tail()));
        prop_assert_eq!(again.records.len(), got.len() + 1);
        prop_assert_eq!(again.records.last().unwrap().seq, read.next_seq());
    }

    /// Any bytes at all: reading a journal or a snapshot never panics.
    #[test]
    fn arbitrary_files_never_panic(
        prefix in prop_oneof![Just(&b"DCJL"[..]), Just(&b"DCSN"[..]), Just(&b""[..])],
        bytes in prop::collection::vec(any::<u8>(), 0..300),
    ) {
        let dir = tmp();
        let p = dir.path().join("f");
        let mut data = prefix.to_vec();
        data.extend_from_slice(&bytes);
        fs::write(&p, &data).unwrap();
        if let Ok(read) = read_journal(&p) {
            prop_assert!(read.valid_len <= data.len() as u64);
        }
        let _ = Snapshot::read(&p);
    }
}
