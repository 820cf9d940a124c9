//! The journal file: sequenced, checksummed records appended to one file.
//!
//! This module is the framing only: what a record *means* is the durable
//! layer's business. A [`JournalWriter`] frames each record into an
//! in-memory buffer ([`JournalWriter::append`], no I/O, on the engine's hot
//! path), writes the buffer with one `write` per [`JournalWriter::flush`],
//! and forces it to disk as its [`FsyncPolicy`] says, by the engine's own
//! clock (`now_ms`; the crate reads no clock). [`read_journal`] reads a file
//! back: every record that checks out, wherever it is, and every damaged
//! byte range between them.
//!
//! **Group commit and preallocation.** `handle` and setup calls only
//! append to the buffer; a `poll` writes everything since the last one
//! with one `write` and, under [`FsyncPolicy::Always`], one `fdatasync`:
//! one disk flush per poll, however many events it covers. So that this
//! flush moves data only, not metadata (the file size, block allocation),
//! the writer keeps the file **preallocated** ahead of its logical end:
//! when a write passes the allocated end, zeros are written after it up to
//! a new end (ahead by the journal's size so far, at least
//! [`PREALLOCATE_MIN`], at most [`PREALLOCATE_MAX`]); zeros written, not a
//! sparse `set_len`, so later writes land in blocks already allocated (as
//! database write-ahead logs do), and only the sync after such an
//! extension carries the new size. Preallocation is best effort: if the
//! zeros cannot be written the file just is not preallocated (a full disk
//! shows on the next record write). The logical end is tracked in memory;
//! [`JournalWriter::close`] cuts the zeros off. On reading, a version 3
//! journal whose bytes from a frame boundary to the end are all zero ends
//! there, cleanly: that is the preallocated tail, not damage. A damaged
//! frame before it is still damage.
//!
//! **Sync outside a host's lock.** A host that serializes calls with its
//! own lock can have a poll *write* under the lock and *fdatasync* after
//! releasing it: [`JournalWriter::defer_sync`] makes the next flush that
//! would sync leave it to a [`SyncHandle`] ([`JournalWriter::take_sync`]),
//! which the host calls before handing out the poll's commands. A failed
//! deferred sync makes every later flush fail, as a failed write does.
//!
//! **Layout** (version 3; version 2 is the same without preallocation and
//! is still read, its zero tail being damage), all integers little-endian:
//!
//! | bytes | field                                                          |
//! |-------|----------------------------------------------------------------|
//! | 4     | magic `DCJL`                                                   |
//! | 2     | version, `u16`, 3                                              |
//! | 2     | reserved, `u16`, 0                                             |
//! | 8     | generation, `u64` (chosen by the durable layer)                |
//! | 8     | first sequence number: the `seq` of the file's first record    |
//! | 4     | CRC-32 (IEEE, as `crc32fast`) of the 24 bytes above            |
//! |       | then frames, end to end:                                       |
//! | 4     | sync magic: [`RECORD_MAGIC`] (a record) or [`TRAILER_MAGIC`]   |
//! | 8     | `seq`, `u64`: one more than the previous record's              |
//! | 4     | payload length `n`, `u32`: 1 ..= [`MAX_RECORD_LEN`] (0 in a trailer) |
//! | 4     | CRC-32 of `seq`, length and payload (the `12 + n` bytes)       |
//! | n     | payload                                                        |
//!
//! Sequence numbers run on across journal files: the durable layer starts
//! each new journal at the number after the last one of the previous
//! journal. A **trailer** closes a journal: its `seq` is the first sequence
//! number of the next journal, and nothing may follow it.
//!
//! **Salvage.** Because every frame starts with a sync magic and carries
//! its own sequence number under its CRC, damage in the middle (a flipped
//! bit, a zeroed range) costs only the frames it touches: the reader scans
//! on for the next frame that checks out and counts the records lost from
//! the sequence gap. See [`read_journal`] for the exact rule.
//!
//! A bad header (empty file, cut inside the header, wrong magic, unknown
//! version, header CRC mismatch) is a [`JournalError`]: the file is not a
//! journal this version can read, and the reader does not guess. Versions
//! other than 2 and 3 are refused with [`JournalError::UnsupportedVersion`]
//! (an older build refuses version 3 the same way). Version 1
//! journals (no sequence numbers) are refused with
//! [`JournalError::UnsupportedVersion`], which names the file and the
//! version: this build cannot tell what a version 1 journal lost.
//!
//! [`JournalWriter::create`] writes the header to `<path>.tmp`, fsyncs it
//! and renames it over `path`, then fsyncs the directory, so a crash while
//! creating leaves either no journal or one with a whole header, never an
//! empty or half-written one at `path`: a short journal is damage, not a
//! crash artefact.

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use crate::lockfile::{parent_dir, sync_dir};

/// The first four bytes of every journal file.
pub const JOURNAL_MAGIC: [u8; 4] = *b"DCJL";

/// The journal format version this crate writes (it reads this one and
/// [`JOURNAL_VERSION_UNPREALLOCATED`]).
pub const JOURNAL_VERSION: u16 = 3;

/// The previous format version, still read: the same frames, but written
/// without preallocation, so a zero tail there is damage
/// ([`DamageKind::ZeroFill`]). A writer continuing such a file does not
/// preallocate it.
pub const JOURNAL_VERSION_UNPREALLOCATED: u16 = 2;

/// The least a writer preallocates ahead of the logical end, 64 KiB.
pub const PREALLOCATE_MIN: u64 = 64 << 10;

/// The most a writer preallocates at once, 64 MiB.
pub const PREALLOCATE_MAX: u64 = 64 << 20;

/// Bytes of the file header.
pub const HEADER_LEN: usize = 28;

/// Bytes of a frame's header (sync magic, seq, length, CRC) before its payload.
pub const RECORD_HEADER_LEN: usize = 20;

/// The sync magic that starts every record frame.
pub const RECORD_MAGIC: [u8; 4] = [0xD1, 0xA1, 0x5E, 0x9A];

/// The sync magic of the trailer that closes a journal.
pub const TRAILER_MAGIC: [u8; 4] = [0xD1, 0xA1, 0x5E, 0xED];

/// The longest payload a record may have, 64 MiB. A longer length field is
/// taken as damage on reading, so [`JournalWriter::append`] refuses to write
/// one: split bigger changes into several records.
pub const MAX_RECORD_LEN: usize = 64 << 20;

/// The highest sequence number a journal record may carry (2⁶³ − 1): more
/// than a campaign writes in any lifetime (a million records a second for
/// 290,000 years), and low enough that `seq + 1` never overflows. A header
/// or frame naming a higher one was not written by dialcore: the reader
/// takes such a frame for damage ([`DamageKind::BadFrame`]) and such a
/// header for a damaged header; a writer refuses to start past it.
pub const MAX_SEQ: u64 = u64::MAX >> 1;

/// When appended records are forced to stable storage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FsyncPolicy {
    /// `fdatasync` on every [`JournalWriter::flush`] that wrote something:
    /// nothing acknowledged is lost, at one disk flush per batch. A durable
    /// campaign flushes once per `poll` (and once per setup call), so this
    /// is group commit: one `fdatasync` per poll for every event since the
    /// last one.
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

/// Appends sequenced, checksummed records to one journal file.
///
/// Records go to an in-memory buffer; [`JournalWriter::flush`] writes it.
/// Dropping the writer writes what is still buffered (errors ignored) and
/// cuts the preallocated zeros off, but does not fsync: call
/// [`JournalWriter::sync`] for a clean shutdown. A crash leaves the zeros,
/// which the reader takes for the clean end.
#[derive(Debug)]
pub struct JournalWriter {
    file: Arc<File>,
    path: PathBuf,
    generation: u64,
    policy: FsyncPolicy,
    /// Framed records not yet written to the file.
    buf: Vec<u8>,
    /// Bytes in the file (all written successfully): the logical end.
    file_len: u64,
    /// The file's real length: `file_len` plus the preallocated zeros.
    allocated: u64,
    /// Whether this file is preallocated (version 3).
    preallocate: bool,
    /// The next flush that would fsync leaves it to a [`SyncHandle`].
    defer: bool,
    /// A deferred sync not yet taken: the logical end it must reach.
    owed: Option<u64>,
    /// Shared with the [`SyncHandle`]s: how far the file is known synced,
    /// and whether a deferred sync failed.
    shared: Arc<SyncShared>,
    /// Records appended since create/open, buffered ones included.
    records: u64,
    /// The `seq` the next record gets.
    next_seq: u64,
    /// Engine time of the last fsync; `None` before the first.
    last_sync_ms: Option<u64>,
    /// Bytes written to the file since the last fsync.
    unsynced: bool,
    /// A record was refused for want of a sequence number (see [`MAX_SEQ`]).
    exhausted: bool,
}

impl JournalWriter {
    /// A writer appending to `file`, whose first `file_len` bytes are kept.
    fn writing(
        file: File,
        path: &Path,
        (generation, next_seq): (u64, u64),
        policy: FsyncPolicy,
        (file_len, preallocate): (u64, bool),
    ) -> Self {
        JournalWriter {
            file: Arc::new(file),
            path: path.to_path_buf(),
            generation,
            policy,
            buf: Vec::with_capacity(1 << 16),
            file_len,
            allocated: file_len,
            preallocate,
            defer: false,
            owed: None,
            shared: Arc::new(SyncShared::default()),
            records: 0,
            next_seq,
            last_sync_ms: None,
            unsynced: false,
            exhausted: false,
        }
    }

    /// Creates the journal at `path` (replacing any file there) with a
    /// header for `generation` whose first record will be `first_seq`: the
    /// header goes to `<path>.tmp`, which is fsynced and renamed over
    /// `path`, then the directory is fsynced.
    pub fn create(
        path: &Path,
        generation: u64,
        first_seq: u64,
        policy: FsyncPolicy,
    ) -> io::Result<Self> {
        check_next_seq(path, first_seq)?;
        let tmp = tmp_path(path);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)?;
        let written = file
            .write_all(&encode_header(generation, first_seq))
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
            (generation, first_seq),
            policy,
            (HEADER_LEN as u64, true),
        ))
    }

    /// Opens an existing journal for appending after recovery: `valid_len`
    /// is the byte length to keep (the end of the last good record,
    /// [`JournalRead::valid_len`]) and `next_seq` the `seq` the next record
    /// gets; the file is truncated to `valid_len` (the torn tail cut) and
    /// fsynced. The header is checked again (an `InvalidData` error if it
    /// is bad), and `valid_len` must lie between the header's end and the
    /// file's length (else `InvalidInput`). A version 3 file is preallocated
    /// again from the next write on; a version 2 file is continued as it is.
    pub fn open_append(
        path: &Path,
        valid_len: u64,
        next_seq: u64,
        policy: FsyncPolicy,
    ) -> io::Result<Self> {
        check_next_seq(path, next_seq)?;
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
        let (generation, _, version) = decode_header(path, &header, len as usize)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))?;
        if valid_len < len {
            file.set_len(valid_len)?;
        }
        file.seek(SeekFrom::Start(valid_len))?;
        file.sync_all()?;
        Ok(Self::writing(
            file,
            path,
            (generation, next_seq),
            policy,
            (valid_len, version == JOURNAL_VERSION),
        ))
    }

    /// Appends one record to the in-memory buffer: `write_payload` writes the
    /// payload at the end of the `Vec` it is given (it must not touch what
    /// is already there); the writer frames it as `[magic][seq u64][len
    /// u32][crc32 u32][payload]` with the next sequence number. No I/O. An
    /// empty payload appends nothing and takes no sequence number (a record
    /// has at least one byte).
    ///
    /// # Panics
    ///
    /// If the payload is longer than [`MAX_RECORD_LEN`] (the reader would
    /// take it for damage), or if `write_payload` shrank the buffer. A
    /// record past [`MAX_SEQ`] does not panic: it is refused and every later
    /// flush or sync fails.
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
        let seq = self.next_seq;
        if seq > MAX_SEQ {
            // No sequence number left: the record is refused and every
            // later flush fails, so the durable layer stops dialing.
            self.buf.truncate(head);
            self.exhausted = true;
            return;
        }
        frame_header(&mut self.buf[head..], RECORD_MAGIC, seq, len as u32);
        let mut h = crc32fast::Hasher::new();
        h.update(&self.buf[head + 4..head + 16]);
        h.update(&self.buf[start..]);
        self.buf[head + 16..start].copy_from_slice(&h.finalize().to_le_bytes());
        self.records += 1;
        self.next_seq += 1;
    }

    /// Closes the journal: writes what is buffered, then a trailer whose
    /// `seq` is [`JournalWriter::next_seq`] (the first record of the next
    /// journal), and fsyncs. Nothing may be appended after it: the reader
    /// takes any byte after a trailer for damage.
    pub fn close(mut self) -> io::Result<()> {
        let mut t = [0u8; RECORD_HEADER_LEN];
        frame_header(&mut t, TRAILER_MAGIC, self.next_seq, 0);
        let crc = crc32fast::hash(&t[4..16]);
        t[16..].copy_from_slice(&crc.to_le_bytes());
        self.buf.extend_from_slice(&t);
        self.sync()?;
        if self.allocated > self.file_len {
            // The preallocated zeros go: a closed journal ends at its trailer.
            self.file.set_len(self.file_len)?;
            self.allocated = self.file_len;
            self.file.sync_all()?;
        }
        Ok(())
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
            if self.defer {
                self.owed = Some(self.file_len);
            } else {
                self.sync_file()?;
            }
            self.unsynced = false;
            self.last_sync_ms = Some(now_ms);
        }
        self.defer = false;
        Ok(due)
    }

    /// Makes the next [`JournalWriter::flush`] that would fsync write only
    /// and leave the fsync to the [`SyncHandle`] that
    /// [`JournalWriter::take_sync`] then returns. For a host that flushes
    /// under its own lock and syncs after releasing it; the flush after
    /// that one syncs itself again.
    pub fn defer_sync(&mut self) {
        self.defer = true;
    }

    /// The deferred fsync the last flush left, if any (and cancels a
    /// [`JournalWriter::defer_sync`] no flush used). The handle may be
    /// called from any thread, without the writer; until it succeeds, the
    /// bytes it covers are written but maybe not on stable storage.
    pub fn take_sync(&mut self) -> Option<SyncHandle> {
        self.defer = false;
        let upto = self.owed.take()?;
        Some(SyncHandle {
            file: Arc::clone(&self.file),
            shared: Arc::clone(&self.shared),
            path: self.path.clone(),
            upto,
        })
    }

    fn sync_file(&mut self) -> io::Result<()> {
        self.file.sync_data()?;
        self.shared
            .synced
            .fetch_max(self.file_len, Ordering::AcqRel);
        Ok(())
    }

    /// Writes the buffered records and fsyncs, whatever the policy. Does not
    /// move the `EveryMs` interval (it has no `now_ms`).
    pub fn sync(&mut self) -> io::Result<()> {
        self.write_buffer()?;
        if self.unsynced || self.owed.is_some() {
            self.sync_file()?;
            self.unsynced = false;
            self.owed = None;
        }
        Ok(())
    }

    fn write_buffer(&mut self) -> io::Result<()> {
        if self.exhausted {
            return Err(io::Error::other(format!(
                "journal {}: sequence numbers exhausted (a record past {MAX_SEQ} was refused)",
                self.path.display()
            )));
        }
        if self.shared.failed.load(Ordering::Acquire) {
            return Err(io::Error::other(format!(
                "journal {}: a deferred fdatasync failed; what it covered may not be on disk",
                self.path.display()
            )));
        }
        if self.buf.is_empty() {
            return Ok(());
        }
        let end = self.file_len + self.buf.len() as u64;
        if let Err(e) = (&*self.file).write_all(&self.buf) {
            // Part of the buffer may be in the file: cut it off so the
            // retry does not leave a torn record in the middle (the
            // preallocation goes too, and is redone by the next write).
            let mut file = &*self.file;
            let _ = file
                .set_len(self.file_len)
                .and_then(|()| file.seek(SeekFrom::Start(self.file_len)));
            self.allocated = self.file_len;
            return Err(e);
        }
        self.file_len = end;
        self.preallocate_after(end);
        self.unsynced = true;
        if self.buf.capacity() > 16 << 20 {
            // One huge batch should not pin its memory for ever.
            self.buf = Vec::with_capacity(1 << 16);
        } else {
            self.buf.clear();
        }
        Ok(())
    }

    /// After a write that reached `end` (the cursor is there): when that is
    /// past the allocated end, writes zeros from `end` on (ahead by the
    /// logical size, clamped to [`PREALLOCATE_MIN`] ..= [`PREALLOCATE_MAX`];
    /// the records themselves took the space before `end`), then puts the
    /// cursor back at `end`. Best effort: a failure (a full disk) cuts the
    /// partial zeros off and leaves the file unpreallocated, for the next
    /// record write to report if the disk is really full.
    fn preallocate_after(&mut self, end: u64) {
        if !self.preallocate || end <= self.allocated {
            return;
        }
        let target = end + end.clamp(PREALLOCATE_MIN, PREALLOCATE_MAX);
        let mut file = &*self.file;
        let zeros = [0u8; 1 << 16];
        let mut at = end;
        let filled = (|| {
            while at < target {
                let n = (target - at).min(zeros.len() as u64) as usize;
                file.write_all(&zeros[..n])?;
                at += n as u64;
            }
            Ok::<(), io::Error>(())
        })();
        self.allocated = if filled.is_ok() {
            target
        } else {
            let _ = file.set_len(end);
            end
        };
        let _ = file.seek(SeekFrom::Start(end));
    }

    /// The file's length on disk: the logical end ([`JournalWriter::bytes`]
    /// once flushed) plus the preallocated zeros.
    pub fn allocated_bytes(&self) -> u64 {
        self.allocated
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

    /// The sequence number the next appended record gets.
    pub fn next_seq(&self) -> u64 {
        self.next_seq
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
    /// Writes what is buffered and cuts the preallocated zeros off (a
    /// cleanly dropped journal ends at its last record; no fsync).
    fn drop(&mut self) {
        if self.write_buffer().is_ok() && self.allocated > self.file_len {
            let _ = self.file.set_len(self.file_len);
        }
    }
}

/// What a writer shares with its [`SyncHandle`]s.
#[derive(Debug, Default)]
struct SyncShared {
    /// The logical end through which the file is known synced.
    synced: AtomicU64,
    /// A deferred sync failed: the writer refuses to go on.
    failed: AtomicBool,
}

/// A deferred `fdatasync` of a journal ([`JournalWriter::take_sync`]):
/// cloneable, callable from any thread without the writer (it holds the
/// file). A host appends and flushes under its lock, takes the handle,
/// releases the lock, calls [`SyncHandle::sync`], and only then hands out
/// what the flush covered: so no command leaves before its record is on
/// stable storage, and other threads are not kept waiting by the disk.
#[derive(Debug, Clone)]
pub struct SyncHandle {
    file: Arc<File>,
    shared: Arc<SyncShared>,
    path: PathBuf,
    upto: u64,
}

impl SyncHandle {
    /// Forces the journal to stable storage through the handle's offset;
    /// a no-op when a later sync already covered it. A failure is kept: the
    /// writer fails every later flush (so the campaign stops handing out
    /// commands), and the error names the file.
    pub fn sync(&self) -> io::Result<()> {
        if self.is_done() {
            return Ok(());
        }
        match self.file.sync_data() {
            Ok(()) => {
                self.shared.synced.fetch_max(self.upto, Ordering::AcqRel);
                Ok(())
            }
            Err(e) => {
                self.shared.failed.store(true, Ordering::Release);
                Err(io::Error::new(
                    e.kind(),
                    format!("journal {}: fdatasync failed: {e}", self.path.display()),
                ))
            }
        }
    }

    /// Whether the bytes it covers are known to be on stable storage.
    pub fn is_done(&self) -> bool {
        self.shared.synced.load(Ordering::Acquire) >= self.upto
    }

    /// The logical end of the journal the handle syncs through.
    pub fn offset(&self) -> u64 {
        self.upto
    }
}

/// `<path>.tmp`: where [`JournalWriter::create`] writes before the rename.
pub(crate) fn tmp_path(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_os_string();
    s.push(".tmp");
    PathBuf::from(s)
}

/// Writes magic, seq and length into the first 16 bytes of `out`.
fn frame_header(out: &mut [u8], magic: [u8; 4], seq: u64, len: u32) {
    out[..4].copy_from_slice(&magic);
    out[4..12].copy_from_slice(&seq.to_le_bytes());
    out[12..16].copy_from_slice(&len.to_le_bytes());
}

fn encode_header(generation: u64, first_seq: u64) -> [u8; HEADER_LEN] {
    let mut h = [0u8; HEADER_LEN];
    h[..4].copy_from_slice(&JOURNAL_MAGIC);
    h[4..6].copy_from_slice(&JOURNAL_VERSION.to_le_bytes());
    h[8..16].copy_from_slice(&generation.to_le_bytes());
    h[16..24].copy_from_slice(&first_seq.to_le_bytes());
    let crc = crc32fast::hash(&h[..24]);
    h[24..].copy_from_slice(&crc.to_le_bytes());
    h
}

/// Checks a header (`data` is the file's first bytes, `file_len` its
/// length) and returns the generation, the first sequence number and the
/// version (3 or 2).
fn decode_header(
    path: &Path,
    data: &[u8],
    file_len: usize,
) -> Result<(u64, u64, u16), JournalError> {
    let path = || path.to_path_buf();
    if file_len == 0 {
        return Err(JournalError::Empty { path: path() });
    }
    let n = data.len().min(4);
    if data[..n] != JOURNAL_MAGIC[..n] {
        return Err(JournalError::BadMagic { path: path() });
    }
    if data.len() >= 20 {
        // A whole version 1 header (its CRC covers 16 bytes) is an old
        // journal, not damage.
        let version = u16::from_le_bytes([data[4], data[5]]);
        if version == 1 && crc32fast::hash(&data[..16]) == u32_at(data, 16) {
            return Err(JournalError::UnsupportedVersion {
                path: path(),
                version,
            });
        }
    }
    if data.len() < HEADER_LEN || crc32fast::hash(&data[..24]) != u32_at(data, 24) {
        return Err(JournalError::BadHeader {
            path: path(),
            len: file_len as u64,
        });
    }
    let version = u16::from_le_bytes([data[4], data[5]]);
    if version != JOURNAL_VERSION && version != JOURNAL_VERSION_UNPREALLOCATED {
        return Err(JournalError::UnsupportedVersion {
            path: path(),
            version,
        });
    }
    let first_seq = u64_at(data, 16);
    if first_seq > MAX_SEQ {
        return Err(JournalError::BadHeader {
            path: path(),
            len: file_len as u64,
        });
    }
    Ok((u64_at(data, 8), first_seq, version))
}

/// A writer may start at `next_seq` only if a record can still be written
/// there (see [`MAX_SEQ`]).
fn check_next_seq(path: &Path, next_seq: u64) -> io::Result<()> {
    if next_seq > MAX_SEQ {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "journal {}: sequence number {next_seq} is past the last one a journal may use ({MAX_SEQ})",
                path.display()
            ),
        ));
    }
    Ok(())
}

fn u32_at(data: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(data[at..at + 4].try_into().expect("4 bytes"))
}

fn u64_at(data: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(data[at..at + 8].try_into().expect("8 bytes"))
}

/// One good record of a journal read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordAt {
    /// Its sequence number.
    pub seq: u64,
    /// Offset of its frame in the file.
    pub offset: u64,
    /// Its payload, as a range into [`JournalRead::data`].
    pub payload: Range<usize>,
}

/// A journal file read back: the records that checked out, and the damage.
#[derive(Debug, Clone)]
pub struct JournalRead {
    /// The generation in the header.
    pub generation: u64,
    /// The first sequence number in the header.
    pub first_seq: u64,
    /// The format version in the header (3, or 2 for an older file).
    pub version: u16,
    /// The whole file.
    pub data: Vec<u8>,
    /// Bytes from the start of the file through the last good frame: where
    /// appending continues ([`JournalWriter::open_append`]).
    pub valid_len: u64,
    /// The good records, in file order.
    pub records: Vec<RecordAt>,
    /// The damaged byte ranges, in file order.
    pub damage: Vec<Damage>,
    /// The trailer's sequence number (the next journal's first record), if
    /// the journal was closed.
    pub trailer: Option<u64>,
}

impl JournalRead {
    /// The good records' payloads, in file order.
    pub fn payloads(&self) -> impl Iterator<Item = &[u8]> + '_ {
        self.records.iter().map(|r| &self.data[r.payload.clone()])
    }

    /// The sequence number the record after the last good one gets: the
    /// trailer's, else one past the last good record, else the header's
    /// first.
    pub fn next_seq(&self) -> u64 {
        self.trailer.unwrap_or_else(|| {
            self.records
                .last()
                .map_or(self.first_seq, |r| r.seq.saturating_add(1))
        })
    }
}

/// One damaged byte range of a journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Damage {
    /// Offset of the first damaged byte (the start of the frame that did
    /// not check out).
    pub offset: u64,
    /// Damaged bytes: up to the next good frame, or to the end of the file.
    pub bytes: u64,
    /// The sequence number of the first record lost.
    pub first_lost_seq: u64,
    /// Records lost, from the sequence gap: exact when a good frame follows
    /// (`next.seq − first_lost_seq`), `None` when the damage runs to the end
    /// of the file (nothing says how many records the bytes held; the
    /// durable layer may know from the next journal's header).
    pub lost_records: Option<u64>,
    /// What was wrong with the first bad frame.
    pub kind: DamageKind,
}

impl Damage {
    /// True when the damage runs to the end of the file.
    pub fn at_tail(&self) -> bool {
        self.lost_records.is_none()
    }
}

/// What was wrong with the first bad frame of a damaged range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DamageKind {
    /// The file ends inside a frame (a write cut short, or a truncation),
    /// and the cut bytes are not all zero.
    TornRecord,
    /// A frame's CRC does not match.
    BadChecksum,
    /// From the bad frame to the end the file is all zero bytes
    /// (preallocated, never written back, or zeroed).
    ZeroFill,
    /// No sync magic where a frame should start, or a length of 0 or above
    /// [`MAX_RECORD_LEN`].
    BadFrame,
    /// Frames check out but their sequence numbers jump (bytes cut out on a
    /// frame boundary) or go backwards.
    SequenceGap,
    /// Bytes after the trailer.
    AfterTrailer,
    /// The whole file: its header is damaged (empty, cut short, bad magic
    /// or checksum), so none of its records can be trusted. Reported by the
    /// durable layer.
    BadHeader,
    /// The whole file is missing though later files prove it existed.
    /// Reported by the durable layer.
    MissingFile,
}

impl fmt::Display for DamageKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DamageKind::TornRecord => "torn record",
            DamageKind::BadChecksum => "bad checksum",
            DamageKind::ZeroFill => "zero-filled bytes",
            DamageKind::BadFrame => "bad frame",
            DamageKind::SequenceGap => "sequence gap",
            DamageKind::AfterTrailer => "bytes after the trailer",
            DamageKind::BadHeader => "damaged journal header",
            DamageKind::MissingFile => "missing journal",
        })
    }
}

impl fmt::Display for Damage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} at byte {}: {} bytes, ",
            self.kind, self.offset, self.bytes
        )?;
        match self.lost_records {
            Some(n) => write!(f, "{n} records lost from seq {}", self.first_lost_seq),
            None => write!(
                f,
                "records from seq {} on lost (how many the file does not say)",
                self.first_lost_seq
            ),
        }
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
        /// The file's length.
        len: u64,
    },
}

impl JournalError {
    /// The file, unless the error is a plain I/O error.
    pub fn path(&self) -> Option<&Path> {
        match self {
            JournalError::Io(_) => None,
            JournalError::Empty { path }
            | JournalError::BadMagic { path }
            | JournalError::UnsupportedVersion { path, .. }
            | JournalError::BadHeader { path, .. } => Some(path),
        }
    }
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
                "journal {} has format version {version}; this build reads versions {JOURNAL_VERSION_UNPREALLOCATED} and {JOURNAL_VERSION} only",
                path.display()
            ),
            JournalError::BadHeader { path, len } => write!(
                f,
                "journal {} has a damaged header ({len} bytes; short or checksum mismatch)",
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

/// Reads a journal file: checks the header, then walks the frames. The
/// file is not changed. Never panics, whatever the bytes.
///
/// A frame at offset `o` is **good** when its sync magic is
/// [`RECORD_MAGIC`] (or [`TRAILER_MAGIC`] with length 0), its length is 1
/// ..= [`MAX_RECORD_LEN`], it ends inside the file, its CRC matches, and
/// its `seq` is not below the next expected one. A good record whose `seq`
/// jumps ahead is kept, and the jump is a [`DamageKind::SequenceGap`] of 0
/// bytes. A frame that is not good starts a damaged range: the reader scans
/// forward byte by byte for the next good frame (a sync magic, then the full
/// check: cheap, since a false match needs a CRC collision) and the range
/// ends there, with `lost_records = next.seq − first_lost_seq`; if none
/// follows, the range runs to the end of the file (`lost_records = None`)
/// and its kind says whether it was all zeros ([`DamageKind::ZeroFill`]),
/// a frame cut by the end of the file ([`DamageKind::TornRecord`]), a CRC
/// mismatch ([`DamageKind::BadChecksum`]) or no frame at all
/// ([`DamageKind::BadFrame`]). Any byte after a trailer is
/// [`DamageKind::AfterTrailer`]. `valid_len` is the end of the last good
/// frame.
pub fn read_journal(path: &Path) -> Result<JournalRead, JournalError> {
    let data = fs::read(path)?;
    let (generation, first_seq, version) = decode_header(path, &data, data.len())?;
    let walked = walk(&data, first_seq, version == JOURNAL_VERSION);
    Ok(JournalRead {
        generation,
        first_seq,
        version,
        data,
        valid_len: walked.valid_len,
        records: walked.records,
        damage: walked.damage,
        trailer: walked.trailer,
    })
}

/// One whole frame found by [`leading_frames`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameSpan {
    /// Its sequence number (a trailer's: the next journal's first).
    pub seq: u64,
    /// Where the frame starts in the bytes scanned.
    pub start: usize,
    /// Where it ends (the next frame would start there).
    pub end: usize,
    /// Its payload, as a range into the bytes scanned (empty for a trailer).
    pub payload: Range<usize>,
    /// Whether it is the trailer that closes the journal.
    pub trailer: bool,
}

/// The whole, checked frames at the start of `data` (bytes of a journal
/// that begin at a frame boundary, i.e. after the header or after another
/// frame), end to end: the scan stops at the first byte that does not start
/// a frame that checks out (the preallocated zero tail, a frame still being
/// written, damage) and after a trailer. It never resynchronizes: this is
/// for shipping the frames written since an offset (replication), not for
/// recovery, which reads with [`read_journal`].
pub fn leading_frames(data: &[u8]) -> Vec<FrameSpan> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < data.len() {
        let Ok(frame) = frame_at(data, at) else { break };
        let (seq, end) = frame_end(&frame, at);
        let (payload, trailer) = match frame {
            Frame::Record { payload, .. } => (payload, false),
            Frame::Trailer { .. } => (end..end, true),
        };
        out.push(FrameSpan {
            seq,
            start: at,
            end,
            payload,
            trailer,
        });
        at = end;
        if trailer {
            break;
        }
    }
    out
}

/// A frame that checked out.
enum Frame {
    Record { seq: u64, payload: Range<usize> },
    Trailer { seq: u64 },
}

/// Why no frame checks out at an offset.
enum Bad {
    /// Fewer bytes left than a frame needs (header or payload).
    Torn,
    /// No sync magic, or an impossible length.
    Frame,
    /// The CRC does not match.
    Checksum,
}

/// The frame at `at`, if it checks out.
fn frame_at(data: &[u8], at: usize) -> Result<Frame, Bad> {
    let rest = &data[at..];
    let magic = rest.get(..4).ok_or(Bad::Torn)?;
    let trailer = magic == TRAILER_MAGIC;
    if magic != RECORD_MAGIC && !trailer {
        return Err(Bad::Frame);
    }
    if rest.len() < RECORD_HEADER_LEN {
        return Err(Bad::Torn);
    }
    let seq = u64_at(rest, 4);
    let len = u32_at(rest, 12) as usize;
    // A trailer names the next record's seq, so it may be one past MAX_SEQ.
    let seq_limit = if trailer { MAX_SEQ + 1 } else { MAX_SEQ };
    if seq > seq_limit || (trailer && len != 0) || (!trailer && (len == 0 || len > MAX_RECORD_LEN))
    {
        return Err(Bad::Frame);
    }
    if len > rest.len() - RECORD_HEADER_LEN {
        return Err(Bad::Torn);
    }
    let payload = at + RECORD_HEADER_LEN..at + RECORD_HEADER_LEN + len;
    let mut h = crc32fast::Hasher::new();
    h.update(&rest[4..16]);
    h.update(&data[payload.clone()]);
    if h.finalize() != u32_at(rest, 16) {
        return Err(Bad::Checksum);
    }
    Ok(if trailer {
        Frame::Trailer { seq }
    } else {
        Frame::Record { seq, payload }
    })
}

/// The frame's sequence number and end offset.
fn frame_end(f: &Frame, at: usize) -> (u64, usize) {
    match f {
        Frame::Record { seq, payload } => (*seq, payload.end),
        Frame::Trailer { seq } => (*seq, at + RECORD_HEADER_LEN),
    }
}

/// The next offset after `from` where a good frame with `seq ≥ min_seq`
/// starts, with the frame.
fn resync(data: &[u8], from: usize, min_seq: u64) -> Option<(usize, Frame)> {
    let mut at = from;
    while at + RECORD_HEADER_LEN <= data.len() {
        let next = data[at..data.len() - 3]
            .iter()
            .position(|&b| b == RECORD_MAGIC[0])?;
        at += next;
        if let Ok(f) = frame_at(data, at) {
            if frame_end(&f, at).0 >= min_seq {
                return Some((at, f));
            }
        }
        at += 1;
    }
    None
}

/// What the walk found.
struct Walked {
    records: Vec<RecordAt>,
    valid_len: u64,
    damage: Vec<Damage>,
    trailer: Option<u64>,
}

/// Walks the frames after the header. With `zero_tail_clean` (version 3),
/// bytes that are all zero from a frame boundary (or the trailer's end) to
/// the end of the file are the preallocated tail: the walk ends there
/// without damage.
fn walk(data: &[u8], first_seq: u64, zero_tail_clean: bool) -> Walked {
    let mut w = Walked {
        records: Vec::new(),
        valid_len: HEADER_LEN as u64,
        damage: Vec::new(),
        trailer: None,
    };
    let mut at = HEADER_LEN;
    let mut expected = first_seq;
    while at < data.len() {
        if zero_tail_clean && data[at] == 0 && data[at..].iter().all(|&b| b == 0) {
            break;
        }
        if w.trailer.is_some() {
            w.damage.push(Damage {
                offset: at as u64,
                bytes: (data.len() - at) as u64,
                first_lost_seq: expected,
                lost_records: Some(0),
                kind: DamageKind::AfterTrailer,
            });
            break;
        }
        let (frame_offset, frame) = match frame_at(data, at) {
            Ok(f) if frame_end(&f, at).0 >= expected => (at, f),
            found => {
                let kind = match found {
                    Ok(_) => DamageKind::SequenceGap,
                    Err(Bad::Torn) => DamageKind::TornRecord,
                    Err(Bad::Frame) => DamageKind::BadFrame,
                    Err(Bad::Checksum) => DamageKind::BadChecksum,
                };
                match resync(data, at + 1, expected) {
                    Some((next, f)) => {
                        let next_seq = frame_end(&f, next).0;
                        w.damage.push(Damage {
                            offset: at as u64,
                            bytes: (next - at) as u64,
                            first_lost_seq: expected,
                            lost_records: Some(next_seq - expected),
                            kind,
                        });
                        expected = next_seq;
                        (next, f)
                    }
                    None => {
                        let zero = data[at..].iter().all(|&b| b == 0);
                        w.damage.push(Damage {
                            offset: at as u64,
                            bytes: (data.len() - at) as u64,
                            first_lost_seq: expected,
                            lost_records: None,
                            kind: if zero { DamageKind::ZeroFill } else { kind },
                        });
                        break;
                    }
                }
            }
        };
        let (seq, end) = frame_end(&frame, frame_offset);
        if seq > expected {
            // Good frames, but records between them are missing: bytes cut
            // out exactly on a frame boundary.
            w.damage.push(Damage {
                offset: frame_offset as u64,
                bytes: 0,
                first_lost_seq: expected,
                lost_records: Some(seq - expected),
                kind: DamageKind::SequenceGap,
            });
        }
        match frame {
            Frame::Record { seq, payload } => {
                w.records.push(RecordAt {
                    seq,
                    offset: frame_offset as u64,
                    payload,
                });
                expected = seq.saturating_add(1);
            }
            Frame::Trailer { seq } => {
                w.trailer = Some(seq);
                expected = seq;
            }
        }
        at = end;
        w.valid_len = end as u64;
    }
    w
}

/// Where [`keep_aside`] puts a journal's damaged range starting at `offset`:
/// `<journal>.damaged-<offset>`.
pub fn damaged_path(journal: &Path, offset: u64) -> PathBuf {
    let mut s = journal.as_os_str().to_os_string();
    s.push(format!(".damaged-{offset}"));
    PathBuf::from(s)
}

/// Writes the bytes of `damage` (taken from `data`, the journal's content)
/// to [`damaged_path`] and fsyncs it, so they can be examined after the
/// journal is cut or retired. Returns the file written.
pub fn keep_aside(journal: &Path, data: &[u8], damage: &Damage) -> io::Result<PathBuf> {
    let path = damaged_path(journal, damage.offset);
    let start = (damage.offset as usize).min(data.len());
    let end = start.saturating_add(damage.bytes as usize).min(data.len());
    let mut f = File::create(&path)?;
    f.write_all(&data[start..end])?;
    f.sync_all()?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file_with(records: &[&[u8]]) -> Vec<u8> {
        let mut data = encode_header(7, 100).to_vec();
        for (i, r) in records.iter().enumerate() {
            let mut f = [0u8; RECORD_HEADER_LEN];
            frame_header(&mut f, RECORD_MAGIC, 100 + i as u64, r.len() as u32);
            let mut h = crc32fast::Hasher::new();
            h.update(&f[4..16]);
            h.update(r);
            f[16..].copy_from_slice(&h.finalize().to_le_bytes());
            data.extend_from_slice(&f);
            data.extend_from_slice(r);
        }
        data
    }

    #[test]
    fn leading_frames_stop_at_a_partial_frame_or_the_zero_tail() {
        let data = file_with(&[b"one", b"two", b"three"]);
        let body = &data[HEADER_LEN..];
        let all = leading_frames(body);
        assert_eq!(
            all.iter().map(|f| f.seq).collect::<Vec<_>>(),
            [100, 101, 102]
        );
        assert_eq!(all[2].end, body.len());
        assert_eq!(&body[all[1].payload.clone()], b"two");
        // A frame cut short is not shipped; nor is the zero tail.
        assert_eq!(leading_frames(&body[..body.len() - 1]).len(), 2);
        let mut zeros = body.to_vec();
        zeros.extend_from_slice(&[0; 64]);
        assert_eq!(leading_frames(&zeros).last().unwrap().end, body.len());
        // A damaged frame ends the scan; nothing after it is taken.
        let mut bad = body.to_vec();
        bad[all[1].payload.start] ^= 1;
        assert_eq!(leading_frames(&bad).len(), 1);
        assert!(leading_frames(&[]).is_empty());
    }

    #[test]
    fn header_round_trip() {
        let h = encode_header(0x0102_0304_0506_0708, 99);
        assert_eq!(
            decode_header(Path::new("j"), &h, h.len()).unwrap(),
            (0x0102_0304_0506_0708, 99, JOURNAL_VERSION)
        );
    }

    #[test]
    fn a_bad_checksum_in_the_middle_loses_one_record_and_keeps_the_rest() {
        let mut data = file_with(&[b"one", b"two", b"three", b"four"]);
        let two = HEADER_LEN + RECORD_HEADER_LEN + 3 + RECORD_HEADER_LEN;
        data[two] ^= 0xff;
        let w = walk(&data, 100, false);
        let seqs: Vec<u64> = w.records.iter().map(|r| r.seq).collect();
        assert_eq!(seqs, [100, 102, 103]);
        assert_eq!(w.valid_len as usize, data.len());
        assert_eq!(w.damage.len(), 1);
        let d = &w.damage[0];
        assert_eq!(d.kind, DamageKind::BadChecksum);
        assert_eq!(d.first_lost_seq, 101);
        assert_eq!(d.lost_records, Some(1));
        assert_eq!(d.offset as usize, two - RECORD_HEADER_LEN);
        assert_eq!(d.bytes as usize, RECORD_HEADER_LEN + 3);
    }

    #[test]
    fn zero_tail_is_zero_fill_with_unknown_loss() {
        let mut data = file_with(&[b"one"]);
        data.extend_from_slice(&[0; 5]);
        let w = walk(&data, 100, false);
        assert_eq!(w.records.len(), 1);
        assert_eq!(w.damage.len(), 1);
        assert_eq!(w.damage[0].kind, DamageKind::ZeroFill);
        assert_eq!(w.damage[0].lost_records, None);
        assert_eq!(w.damage[0].first_lost_seq, 101);
        assert_eq!(w.damage[0].bytes, 5);
    }

    #[test]
    fn a_frame_cut_out_on_a_boundary_is_a_sequence_gap() {
        let full = file_with(&[b"one", b"two", b"three"]);
        let two = HEADER_LEN + RECORD_HEADER_LEN + 3;
        let three = two + RECORD_HEADER_LEN + 3;
        let mut data = full[..two].to_vec();
        data.extend_from_slice(&full[three..]);
        let w = walk(&data, 100, false);
        assert_eq!(w.records.len(), 2);
        assert_eq!(w.damage[0].kind, DamageKind::SequenceGap);
        assert_eq!(w.damage[0].lost_records, Some(1));
        assert_eq!(w.damage[0].bytes, 0);
    }

    #[test]
    fn bytes_after_a_trailer_are_damage() {
        let mut data = file_with(&[b"one"]);
        let mut t = [0u8; RECORD_HEADER_LEN];
        frame_header(&mut t, TRAILER_MAGIC, 101, 0);
        let crc = crc32fast::hash(&t[4..16]);
        t[16..].copy_from_slice(&crc.to_le_bytes());
        data.extend_from_slice(&t);
        let closed = walk(&data, 100, false);
        assert_eq!(closed.trailer, Some(101));
        assert!(closed.damage.is_empty());
        data.push(1);
        let w = walk(&data, 100, false);
        assert_eq!(w.damage[0].kind, DamageKind::AfterTrailer);
    }

    #[test]
    fn a_version_1_header_is_refused_by_version() {
        let mut h = encode_header(1, 0);
        h[4..6].copy_from_slice(&1u16.to_le_bytes());
        let crc = crc32fast::hash(&h[..16]);
        h[16..20].copy_from_slice(&crc.to_le_bytes());
        match decode_header(Path::new("j"), &h[..20], 40) {
            Err(JournalError::UnsupportedVersion { version: 1, .. }) => {}
            other => panic!("{other:?}"),
        }
    }
}
