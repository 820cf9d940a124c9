//! The journal reader (format v2) over arbitrary bytes, three ways:
//!
//! - `Raw`: bytes as a whole journal file (`journal::read_journal`);
//! - `Frames`: a good header and frames built here with correct CRCs but
//!   any magic, sequence number (backwards, repeated, near `u64::MAX`),
//!   length and trailer placement, with garbage between them;
//! - `Salvage`: a journal written by the real `JournalWriter` (consecutive
//!   sequence numbers, maybe closed by a trailer), then damaged after the
//!   header (ranges zeroed, bit-flipped, cut out, garbage inserted, the tail
//!   cut). Payloads and garbage hold no sync-magic byte, so no frame can be
//!   forged: every frame the damage left whole must be read back, and
//!   nothing else.
//!
//! Every read that succeeds must keep the reader's documented invariants:
//! records in increasing offset and strictly increasing `seq`, each one a
//! frame that re-checks (magic, `seq`, length, CRC) with its payload inside
//! the data; the records, the trailer and the damage ranges tile the file
//! from the header to the end, each byte in exactly one; `valid_len` is the
//! end of the last good frame; each damage range starts its loss at the
//! next expected `seq` and, unless it runs to the end of the file, loses
//! exactly the records up to the next good frame; a range with unknown loss
//! or after a trailer is the last; zero-length damage is a sequence gap;
//! `next_seq()` follows on. Appending after `valid_len`
//! (`JournalWriter::open_append`) keeps every record and the damage before
//! it, and the new record reads back with `next_seq()`.
//!
//! The fourth way, `Campaign`, appends well-framed arbitrary records to the
//! journal of a real little campaign and recovers it read-only
//! (`Campaign::inspect`): the record decoder and replay never panic.
#![no_main]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use arbitrary::Arbitrary;
use dialcore::journal::{
    read_journal, DamageKind, FsyncPolicy, JournalRead, JournalWriter, HEADER_LEN, JOURNAL_MAGIC,
    JOURNAL_VERSION, MAX_RECORD_LEN, MAX_SEQ, RECORD_HEADER_LEN, RECORD_MAGIC, TRAILER_MAGIC,
};
use dialcore::{Campaign, CampaignConfig, Mode};
use libfuzzer_sys::fuzz_target;

/// A scratch directory of this process.
fn scratch() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir =
            std::env::temp_dir().join(format!("dialcore-fuzz-journal-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch dir");
        dir
    })
}

/// The files of a durable campaign of a few contacts, made once.
fn template() -> &'static Vec<(String, Vec<u8>)> {
    static FILES: OnceLock<Vec<(String, Vec<u8>)>> = OnceLock::new();
    FILES.get_or_init(|| {
        let dir = scratch().join("template");
        let (mut campaign, _) =
            Campaign::open(&dir, CampaignConfig::new(Mode::Progressive)).expect("open");
        campaign
            .add_numbers(&[4930111111, 4930222222, 4930333333], 1)
            .expect("add");
        campaign.flush().expect("flush");
        drop(campaign);
        let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
            .expect("template dir")
            .filter_map(|e| e.ok())
            .map(|e| {
                (
                    e.file_name().to_string_lossy().into_owned(),
                    std::fs::read(e.path()).unwrap(),
                )
            })
            .filter(|(name, _)| name.ends_with(".dcj") || name.ends_with(".dcs"))
            .collect();
        files.sort();
        files
    })
}


/// A frame of the `Frames` way.
#[derive(Debug, Arbitrary)]
enum FrameSpec {
    /// A record whose `seq` is the previous one's plus `step` (wrapping).
    Record { step: i8, payload: Vec<u8> },
    /// A record at this `seq`.
    RecordAt { seq: u64, payload: Vec<u8> },
    /// A trailer at the next `seq` plus `step`.
    Trailer { step: i8 },
    /// A frame with a wrong CRC, or a length field not matching its payload.
    Bad {
        crc_xor: u32,
        len: u32,
        payload: Vec<u8>,
    },
    /// Bytes as they come.
    Garbage(Vec<u8>),
}

/// Damage for the `Salvage` way; offsets are taken modulo the part after
/// the header.
#[derive(Debug, Arbitrary)]
enum Hurt {
    Zero { at: u32, len: u16 },
    Flip { at: u32, len: u16, mask: u8 },
    Cut { at: u32, len: u16 },
    Insert { at: u32, bytes: Vec<u8> },
    Truncate { at: u32 },
}

#[derive(Debug, Arbitrary)]
enum Input<'a> {
    Raw(&'a [u8]),
    Frames {
        generation: u64,
        first_seq: u64,
        frames: Vec<FrameSpec>,
    },
    Salvage {
        first_seq: u16,
        payloads: Vec<Vec<u8>>,
        closed: bool,
        hurts: Vec<Hurt>,
    },
    Campaign(Vec<Vec<u8>>),
}

fn header(generation: u64, first_seq: u64) -> Vec<u8> {
    let mut h = Vec::with_capacity(HEADER_LEN);
    h.extend_from_slice(&JOURNAL_MAGIC);
    h.extend_from_slice(&JOURNAL_VERSION.to_le_bytes());
    h.extend_from_slice(&0u16.to_le_bytes());
    h.extend_from_slice(&generation.to_le_bytes());
    h.extend_from_slice(&first_seq.to_le_bytes());
    let crc = crc32fast::hash(&h);
    h.extend_from_slice(&crc.to_le_bytes());
    assert_eq!(h.len(), HEADER_LEN);
    h
}

/// A frame: magic, seq, length field, CRC (of seq, length field, payload) ^ `crc_xor`, payload.
fn frame(out: &mut Vec<u8>, magic: [u8; 4], seq: u64, len: u32, payload: &[u8], crc_xor: u32) {
    let start = out.len();
    out.extend_from_slice(&magic);
    out.extend_from_slice(&seq.to_le_bytes());
    out.extend_from_slice(&len.to_le_bytes());
    let mut h = crc32fast::Hasher::new();
    h.update(&out[start + 4..start + 16]);
    h.update(payload);
    out.extend_from_slice(&(h.finalize() ^ crc_xor).to_le_bytes());
    out.extend_from_slice(payload);
}

fn u32_at(data: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(data[at..at + 4].try_into().unwrap())
}

fn u64_at(data: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(data[at..at + 8].try_into().unwrap())
}

/// The frame at `at` re-checks: `magic`, `seq`, length `len`, CRC.
fn frame_checks(data: &[u8], at: usize, magic: [u8; 4], seq: u64, len: usize) {
    assert!(
        at + RECORD_HEADER_LEN + len <= data.len(),
        "frame at {at} past the end"
    );
    assert_eq!(data[at..at + 4], magic, "frame at {at}: magic");
    assert_eq!(u64_at(data, at + 4), seq, "frame at {at}: seq");
    assert_eq!(u32_at(data, at + 12) as usize, len, "frame at {at}: length");
    let mut h = crc32fast::Hasher::new();
    h.update(&data[at + 4..at + 16]);
    h.update(&data[at + RECORD_HEADER_LEN..at + RECORD_HEADER_LEN + len]);
    assert_eq!(h.finalize(), u32_at(data, at + 16), "frame at {at}: CRC");
}

/// The reader's invariants (see the module docs).
fn check_read(read: &JournalRead) {
    let data = &read.data;
    let len = data.len();
    assert!(len >= HEADER_LEN);
    // Items in file order: (start, end, what).
    enum Item {
        Record(usize),
        Trailer,
        Damage(usize),
    }
    let mut items: Vec<(usize, usize, Item)> = Vec::new();
    let mut last: Option<(u64, u64)> = None;
    for (i, r) in read.records.iter().enumerate() {
        let at = r.offset as usize;
        if let Some((offset, seq)) = last {
            assert!(
                r.offset > offset,
                "records out of offset order: {:?}",
                read.records
            );
            assert!(r.seq > seq, "records out of seq order: {:?}", read.records);
        }
        last = Some((r.offset, r.seq));
        assert_eq!(
            r.payload.start,
            at + RECORD_HEADER_LEN,
            "{r:?}: payload start"
        );
        assert!(r.payload.end <= len, "{r:?}: payload past the data ({len})");
        let n = r.payload.len();
        assert!((1..=MAX_RECORD_LEN).contains(&n), "{r:?}: payload length");
        frame_checks(data, at, RECORD_MAGIC, r.seq, n);
        items.push((at, r.payload.end, Item::Record(i)));
    }
    if let Some(seq) = read.trailer {
        let at = (read.valid_len as usize)
            .checked_sub(RECORD_HEADER_LEN)
            .expect("a trailer ends valid_len");
        frame_checks(data, at, TRAILER_MAGIC, seq, 0);
        items.push((at, read.valid_len as usize, Item::Trailer));
    }
    for (i, d) in read.damage.iter().enumerate() {
        let start = d.offset as usize;
        let end = start.checked_add(d.bytes as usize).expect("damage end");
        assert!(
            start >= HEADER_LEN && end <= len,
            "{d:?} outside {HEADER_LEN}..{len}"
        );
        assert!(
            !matches!(d.kind, DamageKind::BadHeader | DamageKind::MissingFile),
            "{d:?}: a durable-layer kind from the reader"
        );
        if d.bytes == 0 {
            assert_eq!(d.kind, DamageKind::SequenceGap, "{d:?}: empty damage");
            assert!(
                d.lost_records.unwrap_or(0) > 0,
                "{d:?}: an empty gap loses records"
            );
        }
        if d.kind == DamageKind::ZeroFill {
            assert!(
                data[start..end].iter().all(|&b| b == 0),
                "{d:?}: not all zero"
            );
        }
        items.push((start, end, Item::Damage(i)));
    }
    // A zero-length gap sorts before the frame at its offset.
    items.sort_by_key(|&(start, end, _)| (start, end));
    let mut cursor = HEADER_LEN;
    let mut expected = read.first_seq;
    let mut valid_len = HEADER_LEN;
    let mut next_seq = None;
    let n = items.len();
    for (k, (start, end, item)) in items.iter().enumerate() {
        assert_eq!(
            *start, cursor,
            "byte {cursor} is in no record and no damage (or in two)"
        );
        cursor = *end;
        match item {
            Item::Record(i) => {
                let r = &read.records[*i];
                assert_eq!(r.seq, expected, "{r:?}: a seq jump not reported as damage");
                expected = r.seq.saturating_add(1);
                valid_len = *end;
            }
            Item::Trailer => {
                let seq = read.trailer.unwrap();
                assert_eq!(seq, expected, "trailer {seq}: a seq jump not reported");
                assert!(k + 2 >= n, "frames after the trailer");
                valid_len = *end;
            }
            Item::Damage(i) => {
                let d = &read.damage[*i];
                assert_eq!(
                    d.first_lost_seq, expected,
                    "{d:?}: loss does not start at the next seq"
                );
                match d.lost_records {
                    None => {
                        assert_eq!(k + 1, n, "{d:?}: unknown loss but not the last");
                        assert_eq!(*end, len, "{d:?}: unknown loss but not at the end");
                        next_seq.get_or_insert(expected);
                    }
                    Some(lost) => {
                        if d.kind == DamageKind::AfterTrailer {
                            assert!(read.trailer.is_some(), "{d:?} without a trailer");
                            assert_eq!((k + 1, *end, lost), (n, len, 0), "{d:?}");
                        } else {
                            assert!(k + 1 < n, "{d:?}: exact loss but no frame follows");
                        }
                        expected = expected.checked_add(lost).expect("loss past u64::MAX");
                    }
                }
            }
        }
    }
    // A version 3 journal may end in preallocated zeros after its last
    // frame: the clean end, in no record and no damage.
    let zero_tail = read.version == JOURNAL_VERSION && data[cursor..].iter().all(|&b| b == 0);
    assert!(
        cursor == len || zero_tail,
        "the end of the file is in no record and no damage"
    );
    assert_eq!(
        read.valid_len as usize, valid_len,
        "valid_len is not the end of the last frame"
    );
    assert_eq!(
        read.next_seq(),
        next_seq.unwrap_or(expected),
        "next_seq does not follow on"
    );
}

/// Re-reads after `open_append` at `valid_len`: the records and the damage
/// before it stay; a record appended (unless closed) reads back at `next_seq`.
fn check_append(path: &Path, read: &JournalRead) {
    if read.next_seq() > MAX_SEQ {
        // No sequence number left: a writer refuses to start there (an
        // error, never a panic).
        assert!(
            JournalWriter::open_append(path, read.valid_len, read.next_seq(), FsyncPolicy::Never)
                .is_err()
        );
        return;
    }
    let mut writer =
        JournalWriter::open_append(path, read.valid_len, read.next_seq(), FsyncPolicy::Never)
            .expect("open_append at valid_len");
    let closed = read.trailer.is_some();
    if !closed {
        writer.append(|out| out.push(0x42));
    }
    writer.sync().expect("sync");
    drop(writer);
    let again = read_journal(path).expect("re-read");
    check_read(&again);
    let kept: Vec<_> = read
        .damage
        .iter()
        .filter(|d| d.offset < read.valid_len || (d.bytes == 0 && d.offset == read.valid_len))
        .cloned()
        .collect();
    assert_eq!(
        again.damage, kept,
        "damage before valid_len changed on append"
    );
    assert_eq!(
        &again.records[..read.records.len()],
        &read.records[..],
        "records changed"
    );
    if !closed {
        let new = again.records.last().expect("the appended record");
        assert_eq!(
            again.records.len(),
            read.records.len() + 1,
            "appended record lost"
        );
        assert_eq!(
            (new.seq, &again.data[new.payload.clone()]),
            (read.next_seq(), &[0x42u8][..])
        );
    }
}

/// No byte of a sync magic (`RECORD_MAGIC`, `TRAILER_MAGIC`), so no magic
/// (and no frame) can be made of these bytes and their neighbours, short of
/// a writer's CRC spelling out a whole magic.
fn tame(bytes: &[u8]) -> Vec<u8> {
    bytes
        .iter()
        .map(|&b| {
            if RECORD_MAGIC.contains(&b) || TRAILER_MAGIC.contains(&b) {
                0
            } else {
                b
            }
        })
        .collect()
}

fn salvage(first_seq: u16, payloads: &[Vec<u8>], closed: bool, hurts: &[Hurt]) {
    let path = scratch().join("salvage.dcj");
    let first_seq = u64::from(first_seq);
    let payloads: Vec<Vec<u8>> = payloads
        .iter()
        .take(48)
        .map(|p| tame(&p[..p.len().min(512)]))
        .filter(|p| !p.is_empty())
        .collect();
    let mut writer =
        JournalWriter::create(&path, 7, first_seq, FsyncPolicy::Never).expect("create");
    // Each original frame: its current byte range and whether it is whole.
    let mut frames: Vec<(usize, usize, bool)> = Vec::new();
    let mut at = HEADER_LEN;
    for p in &payloads {
        writer.append(|out| out.extend_from_slice(p));
        let end = at + RECORD_HEADER_LEN + p.len();
        frames.push((at, end, true));
        at = end;
    }
    if closed {
        writer.close().expect("close");
        frames.push((at, at + RECORD_HEADER_LEN, true));
    } else {
        writer.sync().expect("sync");
        drop(writer);
    }
    let mut data = std::fs::read(&path).expect("read back");
    assert_eq!(data.len(), frames.last().map_or(HEADER_LEN, |f| f.1));
    for hurt in hurts.iter().take(8) {
        let body = data.len() - HEADER_LEN;
        if body == 0 {
            break;
        }
        let pos = |at: u32| HEADER_LEN + at as usize % body;
        match *hurt {
            Hurt::Zero { at, len } | Hurt::Flip { at, len, .. } => {
                let a = pos(at);
                let b = (a + len as usize).min(data.len());
                let mask = match *hurt {
                    Hurt::Flip { mask, .. } => mask.max(1),
                    _ => 0,
                };
                let flipped: Vec<u8> = data[a..b]
                    .iter()
                    .map(|&x| if mask == 0 { 0 } else { x ^ mask })
                    .collect();
                data[a..b].copy_from_slice(&tame(&flipped));
                for f in frames.iter_mut() {
                    if f.0 < b && a < f.1 {
                        f.2 = false;
                    }
                }
            }
            Hurt::Cut { at, len } => {
                let a = pos(at);
                let b = (a + len as usize).min(data.len());
                data.drain(a..b);
                for f in frames.iter_mut() {
                    if f.0 < b && a < f.1 {
                        f.2 = false;
                    } else if f.0 >= b {
                        f.0 -= b - a;
                        f.1 -= b - a;
                    }
                }
            }
            Hurt::Insert { at, ref bytes } => {
                let a = pos(at);
                let bytes = tame(bytes);
                data.splice(a..a, bytes.iter().copied());
                for f in frames.iter_mut() {
                    if f.0 < a && a < f.1 {
                        f.2 = false;
                    } else if f.0 >= a {
                        f.0 += bytes.len();
                        f.1 += bytes.len();
                    }
                }
            }
            Hurt::Truncate { at } => {
                let a = pos(at);
                data.truncate(a);
                for f in frames.iter_mut() {
                    if f.1 > a {
                        f.2 = false;
                    }
                }
            }
        }
    }
    std::fs::write(&path, &data).expect("write");
    let read = read_journal(&path).expect("the header is whole");
    check_read(&read);
    // Nothing forged: every record read is an original, at its place.
    for r in &read.records {
        let i = r.seq.checked_sub(first_seq).expect("seq below first") as usize;
        assert!(i < payloads.len(), "{r:?}: no such record was written");
        assert_eq!(&data[r.payload.clone()], &payloads[i][..], "{r:?}: payload");
    }
    // Nothing whole lost.
    for (i, &(start, _, whole)) in frames.iter().enumerate() {
        if !whole {
            continue;
        }
        if i == payloads.len() {
            assert_eq!(
                read.trailer,
                Some(first_seq + i as u64),
                "whole trailer not read"
            );
        } else {
            assert!(
                read.records
                    .iter()
                    .any(|r| r.offset as usize == start && r.seq == first_seq + i as u64),
                "whole record {i} at {start} not read: {read:?}"
            );
        }
    }
    check_append(&path, &read);
}

fn frames(generation: u64, first_seq: u64, specs: &[FrameSpec]) {
    let path = scratch().join("frames.dcj");
    let mut data = header(generation, first_seq);
    let mut next = first_seq;
    for spec in specs.iter().take(48) {
        match spec {
            FrameSpec::Record { step, payload } => {
                let seq = next.wrapping_add(*step as i64 as u64);
                let p = &payload[..payload.len().min(256)];
                frame(&mut data, RECORD_MAGIC, seq, p.len() as u32, p, 0);
                next = seq.wrapping_add(1);
            }
            FrameSpec::RecordAt { seq, payload } => {
                let seq = *seq;
                let p = &payload[..payload.len().min(256)];
                frame(&mut data, RECORD_MAGIC, seq, p.len() as u32, p, 0);
                next = seq.wrapping_add(1);
            }
            FrameSpec::Trailer { step } => {
                let seq = next.wrapping_add(*step as i64 as u64);
                frame(&mut data, TRAILER_MAGIC, seq, 0, &[], 0);
            }
            FrameSpec::Bad {
                crc_xor,
                len,
                payload,
            } => {
                let p = &payload[..payload.len().min(256)];
                frame(&mut data, RECORD_MAGIC, next, *len, p, *crc_xor);
            }
            FrameSpec::Garbage(bytes) => data.extend_from_slice(&bytes[..bytes.len().min(256)]),
        }
    }
    std::fs::write(&path, &data).expect("write");
    if first_seq > MAX_SEQ {
        // Past the last sequence number: a damaged header, never a panic.
        assert!(matches!(
            read_journal(&path),
            Err(dialcore::journal::JournalError::BadHeader { .. })
        ));
        return;
    }
    let read = read_journal(&path).expect("the header is whole");
    assert_eq!((read.generation, read.first_seq), (generation, first_seq));
    check_read(&read);
    check_append(&path, &read);
}

fuzz_target!(|input: Input<'_>| {
    match input {
        Input::Raw(raw) => {
            let path = scratch().join("raw.dcj");
            std::fs::write(&path, raw).expect("write");
            if let Ok(read) = read_journal(&path) {
                assert_eq!(read.data, raw);
                check_read(&read);
                check_append(&path, &read);
            }
        }
        Input::Frames {
            generation,
            first_seq,
            frames: specs,
        } => frames(generation, first_seq, &specs),
        Input::Salvage {
            first_seq,
            payloads,
            closed,
            hurts,
        } => salvage(first_seq, &payloads, closed, &hurts),
        Input::Campaign(payloads) => in_campaign(&payloads),
    }
});

fn in_campaign(payloads: &[Vec<u8>]) {
    let dir = scratch().join("framed");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let mut journal = None;
    for (name, bytes) in template() {
        std::fs::write(dir.join(name), bytes).expect("write");
        if name.ends_with(".dcj") {
            journal = Some(dir.join(name));
        }
    }
    let journal = journal.expect("the template has a journal");
    let read = read_journal(&journal).expect("template journal");
    let mut writer = JournalWriter::open_append(
        &journal,
        read.valid_len,
        read.next_seq(),
        FsyncPolicy::Never,
    )
    .expect("append");
    for payload in payloads.iter().take(64) {
        writer.append(|out| out.extend_from_slice(payload));
    }
    writer.sync().expect("sync");
    drop(writer);
    let _ = Campaign::inspect(&dir, CampaignConfig::new(Mode::Progressive));
}
