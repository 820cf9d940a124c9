//! The journal file: checksummed records appended to one file.
//!
//! This module is the framing only: what a record *means* is the durable
//! layer's business. A [`JournalWriter`] frames each record into an
//! in-memory buffer ([`JournalWriter::append`], no I/O, on the engine's hot
//! path), writes the buffer with one `write` per [`JournalWriter::flush`],
//! and forces it to disk as its [`FsyncPolicy`] says, by the engine's own
//! clock (`now_ms`; the crate reads no clock). [`read_journal`] reads a file
//! back, keeps the records that check out and tells what was cut.
//!
//! **Layout**, all integers little-endian:
//!
//! | bytes | field                                                          |
//! |-------|----------------------------------------------------------------|
//! | 4     | magic `DCJL`                                                   |
//! | 2     | version, `u16`, 1                                              |
//! | 2     | reserved, `u16`, 0                                             |
//! | 8     | generation, `u64` (chosen by the durable layer)                |
//! | 4     | CRC-32 (IEEE, as `crc32fast`) of the 16 bytes above            |
//! |       | then records, end to end, to the end of the file:              |
//! | 4     | payload length `n`, `u32`, 1 ..= [`MAX_RECORD_LEN`]             |
//! | 4     | CRC-32 of the payload                                          |
//! | n     | payload                                                        |
//!
//! A bad header (empty file, wrong magic, unknown version, header CRC
//! mismatch) is a hard [`JournalError`]: the file is not a journal, or not
//! one this version can read, and recovery must not guess. Damage *after*
//! the header is expected after a crash — a record half written, a
//! preallocated tail of zeros — and reading stops before it, reporting a
//! [`Damage`]; see [`read_journal`] for the exact rule.
//!
//! [`JournalWriter::create`] writes the header to `<path>.tmp`, fsyncs it
//! and renames it over `path`, then fsyncs the directory, so a crash while
//! creating leaves either no journal or one with a whole header, never an
//! empty or half-written one at `path`.

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::lockfile::{parent_dir, sync_dir};

/// The first four bytes of every journal file.
pub const JOURNAL_MAGIC: [u8; 4] = *b"DCJL";

/// The journal format version this crate writes and reads.
pub const JOURNAL_VERSION: u16 = 1;

/// Bytes of the file header.
pub const HEADER_LEN: usize = 20;

/// Bytes of a record's header (length and CRC) before its payload.
pub const RECORD_HEADER_LEN: usize = 8;

/// The longest payload a record may have, 64 MiB. A longer length field is
/// taken as damage on reading, so [`JournalWriter::append`] refuses to write
/// one: split bigger changes into several records.
pub const MAX_RECORD_LEN: usize = 64 << 20;

/// When appended records are forced to stable storage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FsyncPolicy {
    /// `fdatasync` on every [`JournalWriter::flush`] that wrote something:
    /// nothing acknowledged is lost, at one disk flush per batch.
    Always,
    /// `fdatasync` on a flush when at least this many milliseconds of engine
    /// time passed since the last one (and on the first flush): a crash
    /// loses at most about that much. Unsynced bytes wait for the next flush
    /// that finds the interval elapsed, so flush at least that often.
    EveryMs(u64),
    /// Never `fdatasync` on flush (only [`JournalWriter::sync`] does): the
    /// operating system writes back when it likes; a power cut may lose
    /// seconds, a process crash loses nothing flushed.
    Never,
}

impl Default for FsyncPolicy {
    /// `EveryMs(10)`: group commit, at most ~100 disk flushes a second.
    fn default() -> Self {
        FsyncPolicy::EveryMs(10)
    }
}

/// Appends checksummed records to one journal file.
///
/// Records go to an in-memory buffer; [`JournalWriter::flush`] writes it.
/// Dropping the writer writes what is still buffered (errors ignored) but
/// does not fsync: call [`JournalWriter::sync`] for a clean shutdown.
#[derive(Debug)]
pub struct JournalWriter {
    file: File,
    path: PathBuf,
    generation: u64,
    policy: FsyncPolicy,
    /// Framed records not yet written to the file.
    buf: Vec<u8>,
    /// Bytes in the file (all written successfully).
    file_len: u64,
    /// Records appended since create/open, buffered ones included.
    records: u64,
    /// Engine time of the last fsync; `None` before the first.
    last_sync_ms: Option<u64>,
    /// Bytes written to the file since the last fsync.
    unsynced: bool,
}

impl JournalWriter {
    /// A writer appending to `file`, whose first `file_len` bytes are kept.
    fn writing(
        file: File,
        path: &Path,
        generation: u64,
        policy: FsyncPolicy,
        file_len: u64,
    ) -> Self {
        JournalWriter {
            file,
            path: path.to_path_buf(),
            generation,
            policy,
            buf: Vec::with_capacity(1 << 16),
            file_len,
            records: 0,
            last_sync_ms: None,
            unsynced: false,
        }
    }

    /// Creates the journal at `path` (replacing any file there) with a
    /// header for `generation`: the header goes to `<path>.tmp`, which is
    /// fsynced and renamed over `path`, then the directory is fsynced.
    pub fn create(path: &Path, generation: u64, policy: FsyncPolicy) -> io::Result<Self> {
        let tmp = tmp_path(path);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)?;
        let written = file
            .write_all(&encode_header(generation))
            .and_then(|()| file.sync_all())
            .and_then(|()| fs::rename(&tmp, path));
        if let Err(e) = written {
            let _ = fs::remove_file(&tmp);
            return Err(e);
        }
        sync_dir(parent_dir(path))?;
        Ok(Self::writing(
            file,
            path,
            generation,
            policy,
            HEADER_LEN as u64,
        ))
    }

    /// Opens an existing journal for appending after recovery: `valid_len`
    /// is the byte length the reader accepted ([`JournalRead::valid_len`]);
    /// the file is truncated to it (the torn tail cut) and fsynced. The
    /// header is checked again (an `InvalidData` error if it is bad), and
    /// `valid_len` must lie between the header's end and the file's length
    /// (else `InvalidInput`).
    pub fn open_append(path: &Path, valid_len: u64, policy: FsyncPolicy) -> io::Result<Self> {
        let mut file = OpenOptions::new().read(true).write(true).open(path)?;
        let len = file.metadata()?.len();
        if valid_len < HEADER_LEN as u64 || valid_len > len {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "journal {}: valid length {valid_len} outside {HEADER_LEN}..={len}",
                    path.display()
                ),
            ));
        }
        let mut header = [0u8; HEADER_LEN];
        file.read_exact(&mut header)?;
        let generation = decode_header(path, &header, len as usize)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))?;
        if valid_len < len {
            file.set_len(valid_len)?;
        }
        file.seek(SeekFrom::Start(valid_len))?;
        file.sync_all()?;
        Ok(Self::writing(file, path, generation, policy, valid_len))
    }

    /// Appends one record to the in-memory buffer: `write_payload` writes the
    /// payload at the end of the `Vec` it is given (it must not touch what
    /// is already there); the writer frames it as `[len u32][crc32 u32]
    /// [payload]`. No I/O. An empty payload appends nothing (a record has at
    /// least one byte).
    ///
    /// # Panics
    ///
    /// If the payload is longer than [`MAX_RECORD_LEN`] (the reader would
    /// take it for damage), or if `write_payload` shrank the buffer.
    pub fn append(&mut self, write_payload: impl FnOnce(&mut Vec<u8>)) {
        let head = self.buf.len();
        self.buf.extend_from_slice(&[0u8; RECORD_HEADER_LEN]);
        let start = head + RECORD_HEADER_LEN;
        write_payload(&mut self.buf);
        assert!(
            self.buf.len() >= start,
            "journal append: the payload writer removed buffered bytes"
        );
        let len = self.buf.len() - start;
        if len == 0 {
            self.buf.truncate(head);
            return;
        }
        assert!(
            len <= MAX_RECORD_LEN,
            "journal record of {len} bytes exceeds MAX_RECORD_LEN"
        );
        let crc = crc32fast::hash(&self.buf[start..]);
        self.buf[head..head + 4].copy_from_slice(&(len as u32).to_le_bytes());
        self.buf[head + 4..start].copy_from_slice(&crc.to_le_bytes());
        self.records += 1;
    }

    /// Writes the buffered records to the file (one `write_all`), then
    /// fsyncs if the policy says so: [`FsyncPolicy::Always`] whenever bytes
    /// are unsynced; [`FsyncPolicy::EveryMs`]`(n)` when bytes are unsynced
    /// and this is the first sync, or `now_ms − last sync ≥ n`, or the clock
    /// went backwards; [`FsyncPolicy::Never`] never. `now_ms` is the
    /// engine's clock. Returns whether it synced.
    ///
    /// If the write fails, the file is cut back to its last good length and
    /// the records stay buffered, so a later flush writes them whole.
    pub fn flush(&mut self, now_ms: u64) -> io::Result<bool> {
        self.write_buffer()?;
        if !self.unsynced {
            return Ok(false);
        }
        let due = match self.policy {
            FsyncPolicy::Always => true,
            FsyncPolicy::Never => false,
            FsyncPolicy::EveryMs(n) => match self.last_sync_ms {
                None => true,
                Some(last) => now_ms < last || now_ms - last >= n,
            },
        };
        if due {
            self.file.sync_data()?;
            self.unsynced = false;
            self.last_sync_ms = Some(now_ms);
        }
        Ok(due)
    }

    /// Writes the buffered records and fsyncs, whatever the policy. Does not
    /// move the `EveryMs` interval (it has no `now_ms`).
    pub fn sync(&mut self) -> io::Result<()> {
        self.write_buffer()?;
        if self.unsynced {
            self.file.sync_data()?;
            self.unsynced = false;
        }
        Ok(())
    }

    fn write_buffer(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        if let Err(e) = self.file.write_all(&self.buf) {
            // Part of the buffer may be in the file: cut it off so the
            // retry does not leave a torn record in the middle.
            let _ = self
                .file
                .set_len(self.file_len)
                .and_then(|()| self.file.seek(SeekFrom::Start(self.file_len)));
            return Err(e);
        }
        self.file_len += self.buf.len() as u64;
        self.unsynced = true;
        if self.buf.capacity() > 16 << 20 {
            // One huge batch should not pin its memory for ever.
            self.buf = Vec::with_capacity(1 << 16);
        } else {
            self.buf.clear();
        }
        Ok(())
    }

    /// The journal's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The generation in the header.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Records appended since create/open, buffered ones included.
    pub fn records(&self) -> u64 {
        self.records
    }

    /// The file's length once the buffer is written: bytes in the file plus
    /// buffered bytes.
    pub fn bytes(&self) -> u64 {
        self.file_len + self.buf.len() as u64
    }

    /// Bytes appended but not yet written to the file.
    pub fn buffered_bytes(&self) -> usize {
        self.buf.len()
    }

    /// Whether bytes were written to the file since the last fsync.
    pub fn has_unsynced(&self) -> bool {
        self.unsynced
    }

    /// The fsync policy.
    pub fn policy(&self) -> FsyncPolicy {
        self.policy
    }

    /// Changes the fsync policy from the next flush on.
    pub fn set_policy(&mut self, p: FsyncPolicy) {
        self.policy = p;
    }
}

impl Drop for JournalWriter {
    fn drop(&mut self) {
        let _ = self.write_buffer();
    }
}

/// `<path>.tmp`: where [`JournalWriter::create`] writes before the rename.
pub(crate) fn tmp_path(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_os_string();
    s.push(".tmp");
    PathBuf::from(s)
}

fn encode_header(generation: u64) -> [u8; HEADER_LEN] {
    let mut h = [0u8; HEADER_LEN];
    h[..4].copy_from_slice(&JOURNAL_MAGIC);
    h[4..6].copy_from_slice(&JOURNAL_VERSION.to_le_bytes());
    h[8..16].copy_from_slice(&generation.to_le_bytes());
    let crc = crc32fast::hash(&h[..16]);
    h[16..].copy_from_slice(&crc.to_le_bytes());
    h
}

/// Checks a header (`data` is the file's first bytes, `file_len` its
/// length) and returns the generation.
fn decode_header(path: &Path, data: &[u8], file_len: usize) -> Result<u64, JournalError> {
    let path = || path.to_path_buf();
    if file_len == 0 {
        return Err(JournalError::Empty { path: path() });
    }
    let n = data.len().min(4);
    if data[..n] != JOURNAL_MAGIC[..n] {
        return Err(JournalError::BadMagic { path: path() });
    }
    if data.len() < HEADER_LEN {
        return Err(JournalError::BadHeader { path: path() });
    }
    let version = u16::from_le_bytes([data[4], data[5]]);
    if version != JOURNAL_VERSION {
        return Err(JournalError::UnsupportedVersion {
            path: path(),
            version,
        });
    }
    if crc32fast::hash(&data[..16]) != u32_at(data, 16) {
        return Err(JournalError::BadHeader { path: path() });
    }
    Ok(u64::from_le_bytes(data[8..16].try_into().expect("8 bytes")))
}

fn u32_at(data: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(data[at..at + 4].try_into().expect("4 bytes"))
}

/// A journal file read back: the records that checked out, and what was cut.
#[derive(Debug, Clone)]
pub struct JournalRead {
    /// The generation in the header.
    pub generation: u64,
    /// The whole file.
    pub data: Vec<u8>,
    /// Bytes from the start of the file through the last good record: where
    /// appending continues ([`JournalWriter::open_append`]).
    pub valid_len: u64,
    /// Each good record's payload, as a range into `data`, in file order.
    pub records: Vec<Range<usize>>,
    /// Why and where reading stopped before the end of the file, if it did.
    pub damage: Option<Damage>,
}

impl JournalRead {
    /// The good records' payloads, in file order.
    pub fn payloads(&self) -> impl Iterator<Item = &[u8]> + '_ {
        self.records.iter().map(|r| &self.data[r.clone()])
    }
}

/// Why and where reading stopped early.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Damage {
    /// Offset of the first bad record (equal to [`JournalRead::valid_len`]).
    pub offset: u64,
    /// Bytes after the last good record: file length − `valid_len`.
    pub dropped_bytes: u64,
    /// Records lost, as far as the framing tells; see [`read_journal`].
    pub dropped_records: u64,
    /// What was wrong with the first bad record.
    pub kind: DamageKind,
}

/// What was wrong with the first bad record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DamageKind {
    /// The file ends inside a record's header or payload (a write cut
    /// short), and the cut bytes are not all zero.
    TornRecord,
    /// The payload's CRC does not match.
    BadChecksum,
    /// From the bad record to the end the file is all zero bytes
    /// (preallocated or never written back).
    ZeroFill,
    /// The length field is 0 (with bytes other than zeros after it) or
    /// above [`MAX_RECORD_LEN`].
    ImplausibleLength,
}

impl fmt::Display for DamageKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DamageKind::TornRecord => "torn record",
            DamageKind::BadChecksum => "bad checksum",
            DamageKind::ZeroFill => "zero-filled tail",
            DamageKind::ImplausibleLength => "implausible record length",
        })
    }
}

impl fmt::Display for Damage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} at byte {}: {} bytes, {} records dropped",
            self.kind, self.offset, self.dropped_bytes, self.dropped_records
        )
    }
}

/// A journal file that cannot be read at all. Damage after the header is
/// not an error but a [`Damage`].
#[derive(Debug)]
pub enum JournalError {
    /// Reading the file failed.
    Io(io::Error),
    /// The file is empty.
    Empty {
        /// The journal file.
        path: PathBuf,
    },
    /// The file does not start with [`JOURNAL_MAGIC`].
    BadMagic {
        /// The journal file.
        path: PathBuf,
    },
    /// The header names a version this crate cannot read.
    UnsupportedVersion {
        /// The journal file.
        path: PathBuf,
        /// The version in the header.
        version: u16,
    },
    /// The header is shorter than [`HEADER_LEN`] or its CRC does not match.
    BadHeader {
        /// The journal file.
        path: PathBuf,
    },
}

impl fmt::Display for JournalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JournalError::Io(e) => write!(f, "reading journal: {e}"),
            JournalError::Empty { path } => write!(f, "journal {} is empty", path.display()),
            JournalError::BadMagic { path } => {
                write!(f, "{} is not a journal (bad magic)", path.display())
            }
            JournalError::UnsupportedVersion { path, version } => write!(
                f,
                "journal {} has unsupported version {version} (this build reads {JOURNAL_VERSION})",
                path.display()
            ),
            JournalError::BadHeader { path } => write!(
                f,
                "journal {} has a damaged header (short or checksum mismatch)",
                path.display()
            ),
        }
    }
}

impl std::error::Error for JournalError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            JournalError::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl From<io::Error> for JournalError {
    fn from(e: io::Error) -> Self {
        JournalError::Io(e)
    }
}

/// Reads a journal file: checks the header, then walks the records from it
/// and stops at the first bad one. The file is not changed.
///
/// A record at offset `o` with `r` bytes left in the file is bad when:
///
/// - `r < 8` (the record header is incomplete): [`DamageKind::ZeroFill`] if
///   those bytes are all zero, else [`DamageKind::TornRecord`];
/// - its length is 0: [`DamageKind::ZeroFill`] if the rest of the file is all
///   zero, else [`DamageKind::ImplausibleLength`];
/// - its length is above [`MAX_RECORD_LEN`]: [`DamageKind::ImplausibleLength`];
/// - its length is above `r − 8` (the payload runs past the end):
///   [`DamageKind::TornRecord`];
/// - its payload's CRC fails: [`DamageKind::BadChecksum`].
///
/// Then `valid_len = o`, `damage.offset = o`, `dropped_bytes = file length −
/// o`, and `dropped_records` is:
///
/// - 0 for `ZeroFill`;
/// - 1 for `TornRecord` and `ImplausibleLength` (the length field cannot be
///   trusted to find what follows);
/// - for `BadChecksum`, 1 plus the number of well-formed records (length 1 ..=
///   [`MAX_RECORD_LEN`], inside the file, CRC good) found by walking on from
///   the end of the bad record, stopping at the first one that is not — a
///   count of what the cut loses, since nothing after damage is replayed.
///
/// Never panics, whatever the bytes.
pub fn read_journal(path: &Path) -> Result<JournalRead, JournalError> {
    let data = fs::read(path)?;
    let generation = decode_header(path, &data, data.len())?;
    let (records, valid_len, damage) = walk(&data);
    Ok(JournalRead {
        generation,
        data,
        valid_len,
        records,
        damage,
    })
}

/// One step of the record walk.
enum Step {
    /// A good record: its payload range and the offset after it.
    Good(Range<usize>),
    /// The end of the file, exactly at a record boundary.
    End,
    /// A bad record.
    Bad(DamageKind),
}

fn step(data: &[u8], at: usize) -> Step {
    let rest = &data[at..];
    if rest.is_empty() {
        return Step::End;
    }
    let all_zero = || rest.iter().all(|&b| b == 0);
    if rest.len() < RECORD_HEADER_LEN {
        return Step::Bad(if all_zero() {
            DamageKind::ZeroFill
        } else {
            DamageKind::TornRecord
        });
    }
    let len = u32_at(rest, 0) as usize;
    if len == 0 {
        return Step::Bad(if all_zero() {
            DamageKind::ZeroFill
        } else {
            DamageKind::ImplausibleLength
        });
    }
    if len > MAX_RECORD_LEN {
        return Step::Bad(DamageKind::ImplausibleLength);
    }
    if len > rest.len() - RECORD_HEADER_LEN {
        return Step::Bad(DamageKind::TornRecord);
    }
    let payload = at + RECORD_HEADER_LEN..at + RECORD_HEADER_LEN + len;
    if crc32fast::hash(&data[payload.clone()]) != u32_at(rest, 4) {
        return Step::Bad(DamageKind::BadChecksum);
    }
    Step::Good(payload)
}

/// Walks the records after the header: the good ones, the valid length and
/// the damage.
fn walk(data: &[u8]) -> (Vec<Range<usize>>, u64, Option<Damage>) {
    let mut records = Vec::new();
    let mut at = HEADER_LEN;
    loop {
        match step(data, at) {
            Step::End => return (records, at as u64, None),
            Step::Good(payload) => {
                at = payload.end;
                records.push(payload);
            }
            Step::Bad(kind) => {
                let dropped_records = match kind {
                    DamageKind::ZeroFill => 0,
                    DamageKind::TornRecord | DamageKind::ImplausibleLength => 1,
                    DamageKind::BadChecksum => {
                        let len = u32_at(data, at) as usize;
                        let mut next = at + RECORD_HEADER_LEN + len;
                        let mut n = 1;
                        while let Step::Good(p) = step(data, next) {
                            n += 1;
                            next = p.end;
                        }
                        n
                    }
                };
                let damage = Damage {
                    offset: at as u64,
                    dropped_bytes: (data.len() - at) as u64,
                    dropped_records,
                    kind,
                };
                return (records, at as u64, Some(damage));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file_with(records: &[&[u8]]) -> Vec<u8> {
        let mut data = encode_header(7).to_vec();
        for r in records {
            data.extend_from_slice(&(r.len() as u32).to_le_bytes());
            data.extend_from_slice(&crc32fast::hash(r).to_le_bytes());
            data.extend_from_slice(r);
        }
        data
    }

    #[test]
    fn header_round_trip() {
        let h = encode_header(0x0102_0304_0506_0708);
        assert_eq!(
            decode_header(Path::new("j"), &h, h.len()).unwrap(),
            0x0102_0304_0506_0708
        );
    }

    #[test]
    fn walk_counts_records_after_a_bad_checksum() {
        let mut data = file_with(&[b"one", b"two", b"three", b"four"]);
        // Flip a byte of "two".
        let two = HEADER_LEN + 8 + 3 + 8;
        data[two] ^= 0xff;
        let (records, valid, damage) = walk(&data);
        assert_eq!(records.len(), 1);
        assert_eq!(valid as usize, HEADER_LEN + 8 + 3);
        let damage = damage.unwrap();
        assert_eq!(damage.kind, DamageKind::BadChecksum);
        assert_eq!(damage.dropped_records, 3);
        assert_eq!(damage.dropped_bytes as usize, data.len() - valid as usize);
    }

    #[test]
    fn zero_tail_shorter_than_a_record_header() {
        let mut data = file_with(&[b"one"]);
        data.extend_from_slice(&[0; 5]);
        let (records, _, damage) = walk(&data);
        assert_eq!(records.len(), 1);
        let damage = damage.unwrap();
        assert_eq!(damage.kind, DamageKind::ZeroFill);
        assert_eq!(damage.dropped_records, 0);
        assert_eq!(damage.dropped_bytes, 5);
    }

    #[test]
    fn zero_length_with_garbage_after_is_implausible() {
        let mut data = file_with(&[b"one"]);
        data.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0, 1]);
        let (_, _, damage) = walk(&data);
        let damage = damage.unwrap();
        assert_eq!(damage.kind, DamageKind::ImplausibleLength);
        assert_eq!(damage.dropped_records, 1);
    }

    #[test]
    fn huge_length_is_implausible() {
        let mut data = file_with(&[b"one"]);
        data.extend_from_slice(&u32::MAX.to_le_bytes());
        data.extend_from_slice(&[1; 20]);
        let (_, _, damage) = walk(&data);
        assert_eq!(damage.unwrap().kind, DamageKind::ImplausibleLength);
    }
}
