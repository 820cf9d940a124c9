//! The snapshot file: tagged, checksummed sections, replaced atomically.
//!
//! A snapshot is the whole engine state at one point, written from time to
//! time so recovery replays only the journal written after it. This module
//! is the container only: which sections exist and what their bytes mean is
//! the durable layer's business. A [`SnapshotWriter`] streams sections to
//! `<final>.tmp`; [`SnapshotWriter::finish`] writes the trailer, fsyncs the
//! file, renames it over `<final>` and fsyncs the directory, so `<final>`
//! is always either the old snapshot or the new one, whole. A `.tmp` file
//! is never read: it is a snapshot that did not finish (the writer removes
//! it when dropped unfinished; after a crash it stays until overwritten).
//! [`Snapshot::read`] reads the whole file and checks every section's CRC
//! before handing out any byte.
//!
//! **Layout**, all integers little-endian:
//!
//! | bytes | field                                                        |
//! |-------|--------------------------------------------------------------|
//! | 4     | magic `DCSN`                                                 |
//! | 2     | version, `u16`, 1                                            |
//! | 2     | reserved, `u16`, 0                                           |
//! | 8     | generation, `u64` (chosen by the durable layer)              |
//! | 4     | CRC-32 (IEEE, as `crc32fast`) of the 16 bytes above          |
//! |       | then each section, in the order written:                     |
//! | 4     | tag, four bytes (e.g. `CSTA`), unique in the file            |
//! | 8     | length `n`, `u64`                                            |
//! | n     | the section's bytes                                          |
//! | 4     | CRC-32 of the tag, the length and the bytes (all `12 + n`)   |
//! |       | then the trailer:                                            |
//! | 4     | number of sections, `u32`                                    |
//! | 4     | end magic `DCND`                                             |
//!
//! A file that does not end in `DCND` was cut short
//! ([`SnapshotError::Truncated`]); sections that do not tile the space
//! between header and trailer exactly, or disagree with the count, are
//! [`SnapshotError::Malformed`].
//!
//! **Speed.** Section bytes are checksummed and written in 256 KiB pieces
//! (checksum while the piece is in cache, one `write` per piece past a
//! 1 MiB buffer), so a big column costs about one pass over memory plus the
//! disk. A streamed section ([`SnapshotWriter::section_with`]) is written
//! with a placeholder length that is patched by seeking back when it ends;
//! its bytes are checksummed as they pass and the CRC is combined with the
//! header's afterwards (`crc32fast::Hasher::combine`).
//! Integer columns are written with [`SnapshotWriter::section_u64s`] and
//! friends, which encode through a small scratch buffer instead of copying
//! the column, and read back with [`le_bytes_to_u64s`] and friends.

use std::borrow::Cow;
use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Seek, SeekFrom, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::journal::tmp_path;
use crate::lockfile::{parent_dir, sync_dir};

/// The first four bytes of every snapshot file.
pub const SNAPSHOT_MAGIC: [u8; 4] = *b"DCSN";

/// The snapshot format version this crate writes and reads.
pub const SNAPSHOT_VERSION: u16 = 1;

/// The last four bytes of every complete snapshot file.
pub const SNAPSHOT_END_MAGIC: [u8; 4] = *b"DCND";

const HEADER_LEN: usize = 20;
const SECTION_OVERHEAD: usize = 16;
const TRAILER_LEN: usize = 8;
/// The write buffer.
const BUFFER: usize = 1 << 20;
/// Bytes checksummed and written at a time.
const PIECE: usize = 256 << 10;

/// Writes a snapshot as tagged sections to `<final>.tmp`, then fsyncs it,
/// renames it over `<final>` and fsyncs the directory.
///
/// After any error the writer is spent: every later call fails, and
/// dropping it removes the `.tmp` file. So does dropping it without
/// [`SnapshotWriter::finish`].
#[derive(Debug)]
pub struct SnapshotWriter {
    /// `None` once finished.
    out: Option<BufWriter<File>>,
    final_path: PathBuf,
    tmp_path: PathBuf,
    /// Bytes written so far (the file offset).
    pos: u64,
    tags: Vec<[u8; 4]>,
    failed: bool,
}

impl SnapshotWriter {
    /// Creates `<final_path>.tmp` (replacing a leftover) and writes the
    /// header for `generation`.
    pub fn create(final_path: &Path, generation: u64) -> io::Result<Self> {
        let tmp = tmp_path(final_path);
        let file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)?;
        let mut w = SnapshotWriter {
            out: Some(BufWriter::with_capacity(BUFFER, file)),
            final_path: final_path.to_path_buf(),
            tmp_path: tmp,
            pos: 0,
            tags: Vec::new(),
            failed: false,
        };
        let mut h = [0u8; HEADER_LEN];
        h[..4].copy_from_slice(&SNAPSHOT_MAGIC);
        h[4..6].copy_from_slice(&SNAPSHOT_VERSION.to_le_bytes());
        h[8..16].copy_from_slice(&generation.to_le_bytes());
        let crc = crc32fast::hash(&h[..16]);
        h[16..].copy_from_slice(&crc.to_le_bytes());
        w.put(&h)?;
        Ok(w)
    }

    /// The file the snapshot replaces when finished.
    pub fn final_path(&self) -> &Path {
        &self.final_path
    }

    /// Bytes written so far.
    pub fn bytes(&self) -> u64 {
        self.pos
    }

    /// Writes one section holding `bytes`. A tag already written is an
    /// `InvalidInput` error.
    pub fn section(&mut self, tag: [u8; 4], bytes: &[u8]) -> io::Result<()> {
        self.section_parts(tag, &[bytes])
    }

    /// Writes one section holding the concatenation of `parts`, without
    /// copying them together.
    pub fn section_parts(&mut self, tag: [u8; 4], parts: &[&[u8]]) -> io::Result<()> {
        let len: u64 = parts.iter().map(|p| p.len() as u64).sum();
        let mut hasher = self.begin(tag, len)?;
        for part in parts {
            for piece in part.chunks(PIECE) {
                hasher.update(piece);
                self.put(piece)?;
            }
        }
        self.put(&hasher.finalize().to_le_bytes())
    }

    /// Writes one section from data produced piecewise: `f` writes the
    /// section's bytes to the writer it is given (e.g.
    /// `blacklist.write_to(w)`); the length is patched in afterwards.
    pub fn section_with(
        &mut self,
        tag: [u8; 4],
        f: impl FnOnce(&mut dyn Write) -> io::Result<()>,
    ) -> io::Result<()> {
        self.begin(tag, 0)?;
        let len_at = self.pos - 8;
        let out = self.out()?;
        let mut sink = Sink {
            out,
            hasher: crc32fast::Hasher::new(),
            len: 0,
        };
        let result = f(&mut sink);
        let Sink { hasher, len, .. } = sink;
        self.pos += len;
        if let Err(e) = result {
            self.failed = true;
            return Err(e);
        }
        // The CRC covers the tag and the real length, then the bytes.
        let mut crc = crc32fast::Hasher::new();
        crc.update(&tag);
        crc.update(&len.to_le_bytes());
        crc.combine(&hasher);
        self.put(&crc.finalize().to_le_bytes())?;
        let end = self.pos;
        let patched = (|| {
            let out = self.out()?;
            out.seek(SeekFrom::Start(len_at))?;
            out.write_all(&len.to_le_bytes())?;
            out.seek(SeekFrom::Start(end))?;
            Ok(())
        })();
        if patched.is_err() {
            self.failed = true;
        }
        patched
    }

    /// Writes a `u16` column as one section of little-endian bytes, encoding
    /// through a small scratch buffer (no copy of the column).
    pub fn section_u16s(&mut self, tag: [u8; 4], values: &[u16]) -> io::Result<()> {
        self.section_words(tag, values)
    }

    /// Writes a `u32` column as one section of little-endian bytes, encoding
    /// through a small scratch buffer (no copy of the column).
    pub fn section_u32s(&mut self, tag: [u8; 4], values: &[u32]) -> io::Result<()> {
        self.section_words(tag, values)
    }

    /// Writes a `u64` column as one section of little-endian bytes, encoding
    /// through a small scratch buffer (no copy of the column).
    pub fn section_u64s(&mut self, tag: [u8; 4], values: &[u64]) -> io::Result<()> {
        self.section_words(tag, values)
    }

    fn section_words<T: LeWord>(&mut self, tag: [u8; 4], values: &[T]) -> io::Result<()> {
        let mut hasher = self.begin(tag, (values.len() * T::WIDTH) as u64)?;
        let per_piece = PIECE / T::WIDTH;
        let mut scratch = vec![0u8; values.len().min(per_piece) * T::WIDTH];
        for chunk in values.chunks(per_piece) {
            let bytes = &mut scratch[..chunk.len() * T::WIDTH];
            encode_le(chunk, bytes);
            hasher.update(bytes);
            self.put(bytes)?;
        }
        self.put(&hasher.finalize().to_le_bytes())
    }

    /// Writes the trailer, fsyncs the file, renames it over the final path
    /// and fsyncs the directory. Returns the snapshot's length in bytes.
    pub fn finish(mut self) -> io::Result<u64> {
        let count = u32::try_from(self.tags.len())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "too many sections"))?;
        let mut trailer = [0u8; TRAILER_LEN];
        trailer[..4].copy_from_slice(&count.to_le_bytes());
        trailer[4..].copy_from_slice(&SNAPSHOT_END_MAGIC);
        self.put(&trailer)?;
        let out = self.out.take().expect("present until finish");
        // From here on an error leaves `out` gone: Drop removes the tmp file.
        let file = out.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        drop(file);
        fs::rename(&self.tmp_path, &self.final_path)?;
        let len = self.pos;
        // The rename happened: nothing to clean up, whatever the dir sync says.
        self.tmp_path = PathBuf::new();
        sync_dir(parent_dir(&self.final_path))?;
        Ok(len)
    }

    fn out(&mut self) -> io::Result<&mut BufWriter<File>> {
        if self.failed {
            return Err(io::Error::other(
                "snapshot writer failed earlier; start a new one",
            ));
        }
        Ok(self.out.as_mut().expect("present until finish"))
    }

    fn put(&mut self, bytes: &[u8]) -> io::Result<()> {
        let out = self.out()?;
        if let Err(e) = out.write_all(bytes) {
            self.failed = true;
            return Err(e);
        }
        self.pos += bytes.len() as u64;
        Ok(())
    }

    /// Checks the tag and writes the section header; returns the CRC
    /// hasher fed with it.
    fn begin(&mut self, tag: [u8; 4], len: u64) -> io::Result<crc32fast::Hasher> {
        if self.tags.contains(&tag) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("snapshot section {} written twice", tag.escape_ascii()),
            ));
        }
        let mut h = [0u8; 12];
        h[..4].copy_from_slice(&tag);
        h[4..].copy_from_slice(&len.to_le_bytes());
        self.put(&h)?;
        self.tags.push(tag);
        let mut hasher = crc32fast::Hasher::new();
        hasher.update(&h);
        Ok(hasher)
    }
}

impl Drop for SnapshotWriter {
    fn drop(&mut self) {
        if !self.tmp_path.as_os_str().is_empty() {
            drop(self.out.take());
            let _ = fs::remove_file(&self.tmp_path);
        }
    }
}

/// The writer [`SnapshotWriter::section_with`] hands out: counts and
/// checksums what passes through.
struct Sink<'a> {
    out: &'a mut BufWriter<File>,
    hasher: crc32fast::Hasher,
    len: u64,
}

impl Write for Sink<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.out.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.len += n as u64;
        Ok(n)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        for piece in buf.chunks(PIECE) {
            self.out.write_all(piece)?;
            self.hasher.update(piece);
            self.len += piece.len() as u64;
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        // The snapshot is flushed once, by `finish`.
        Ok(())
    }
}

/// A snapshot read back and verified: every section's CRC was checked.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// The generation in the header.
    pub generation: u64,
    data: Vec<u8>,
    sections: Vec<([u8; 4], Range<usize>)>,
}

impl Snapshot {
    /// Reads and verifies the snapshot at `path` (the whole file goes to
    /// memory). Never panics, whatever the bytes.
    pub fn read(path: &Path) -> Result<Snapshot, SnapshotError> {
        let data = fs::read(path).map_err(SnapshotError::Io)?;
        Self::parse(path, data)
    }

    fn parse(path: &Path, data: Vec<u8>) -> Result<Snapshot, SnapshotError> {
        let p = || path.to_path_buf();
        let malformed = |detail: String| SnapshotError::Malformed { path: p(), detail };
        let n = data.len().min(4);
        if data[..n] != SNAPSHOT_MAGIC[..n] {
            return Err(SnapshotError::BadMagic { path: p() });
        }
        if data.len() < HEADER_LEN {
            return Err(SnapshotError::Truncated { path: p() });
        }
        let version = u16::from_le_bytes([data[4], data[5]]);
        if version != SNAPSHOT_VERSION {
            return Err(SnapshotError::UnsupportedVersion { path: p(), version });
        }
        if crc32fast::hash(&data[..16]) != u32_at(&data, 16) {
            return Err(malformed("header checksum mismatch".into()));
        }
        let generation = u64::from_le_bytes(data[8..16].try_into().expect("8 bytes"));
        if data.len() < HEADER_LEN + TRAILER_LEN || data[data.len() - 4..] != SNAPSHOT_END_MAGIC {
            return Err(SnapshotError::Truncated { path: p() });
        }
        let end = data.len() - TRAILER_LEN;
        let count = u32_at(&data, end);
        let mut sections: Vec<([u8; 4], Range<usize>)> = Vec::new();
        let mut at = HEADER_LEN;
        while at < end {
            if end - at < SECTION_OVERHEAD {
                return Err(malformed(format!("section header cut at byte {at}")));
            }
            let tag: [u8; 4] = data[at..at + 4].try_into().expect("4 bytes");
            let len = u64::from_le_bytes(data[at + 4..at + 12].try_into().expect("8 bytes"));
            if len > (end - at - SECTION_OVERHEAD) as u64 {
                return Err(malformed(format!(
                    "section {} at byte {at} claims {len} bytes, past the trailer",
                    tag.escape_ascii()
                )));
            }
            let body = at + 12..at + 12 + len as usize;
            if crc32fast::hash(&data[at..body.end]) != u32_at(&data, body.end) {
                return Err(SnapshotError::BadChecksum { path: p(), tag });
            }
            if sections.iter().any(|(t, _)| *t == tag) {
                return Err(malformed(format!(
                    "section {} appears twice",
                    tag.escape_ascii()
                )));
            }
            at = body.end + 4;
            sections.push((tag, body));
        }
        if sections.len() as u64 != u64::from(count) {
            return Err(malformed(format!(
                "trailer counts {count} sections, the file has {}",
                sections.len()
            )));
        }
        Ok(Snapshot {
            generation,
            data,
            sections,
        })
    }

    /// The bytes of the section tagged `tag`, if there is one.
    pub fn section(&self, tag: [u8; 4]) -> Option<&[u8]> {
        self.sections
            .iter()
            .find(|(t, _)| *t == tag)
            .map(|(_, r)| &self.data[r.clone()])
    }

    /// The sections' tags, in file order.
    pub fn tags(&self) -> impl Iterator<Item = [u8; 4]> + '_ {
        self.sections.iter().map(|(t, _)| *t)
    }

    /// The file's length in bytes.
    pub fn len_bytes(&self) -> u64 {
        self.data.len() as u64
    }
}

fn u32_at(data: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(data[at..at + 4].try_into().expect("4 bytes"))
}

/// A snapshot that cannot be used.
#[derive(Debug)]
pub enum SnapshotError {
    /// Reading the file failed.
    Io(io::Error),
    /// The file ends before its header or trailer: it was cut short.
    Truncated {
        /// The snapshot file.
        path: PathBuf,
    },
    /// The file does not start with [`SNAPSHOT_MAGIC`].
    BadMagic {
        /// The snapshot file.
        path: PathBuf,
    },
    /// The header names a version this crate cannot read.
    UnsupportedVersion {
        /// The snapshot file.
        path: PathBuf,
        /// The version in the header.
        version: u16,
    },
    /// A section's tag, length or bytes do not match its CRC.
    BadChecksum {
        /// The snapshot file.
        path: PathBuf,
        /// The section's tag.
        tag: [u8; 4],
    },
    /// The structure is inconsistent (header CRC, section lengths, trailer
    /// count, a duplicate tag).
    Malformed {
        /// The snapshot file.
        path: PathBuf,
        /// What is wrong, and where.
        detail: String,
    },
}

impl fmt::Display for SnapshotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SnapshotError::Io(e) => write!(f, "reading snapshot: {e}"),
            SnapshotError::Truncated { path } => {
                write!(f, "snapshot {} is truncated", path.display())
            }
            SnapshotError::BadMagic { path } => {
                write!(f, "{} is not a snapshot (bad magic)", path.display())
            }
            SnapshotError::UnsupportedVersion { path, version } => write!(
                f,
                "snapshot {} has unsupported version {version} (this build reads {SNAPSHOT_VERSION})",
                path.display()
            ),
            SnapshotError::BadChecksum { path, tag } => write!(
                f,
                "snapshot {}: section {} fails its checksum",
                path.display(),
                tag.escape_ascii()
            ),
            SnapshotError::Malformed { path, detail } => {
                write!(f, "snapshot {} is malformed: {detail}", path.display())
            }
        }
    }
}

impl std::error::Error for SnapshotError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SnapshotError::Io(e) => Some(e),
            _ => None,
        }
    }
}

/// A fixed-width integer stored little-endian.
trait LeWord: Copy {
    const WIDTH: usize;
    fn put(self, out: &mut [u8]);
    fn get(b: &[u8]) -> Self;
}

macro_rules! le_word {
    ($t:ty, $w:expr) => {
        impl LeWord for $t {
            const WIDTH: usize = $w;
            #[inline(always)]
            fn put(self, out: &mut [u8]) {
                out.copy_from_slice(&self.to_le_bytes());
            }
            #[inline(always)]
            fn get(b: &[u8]) -> Self {
                let mut a = [0u8; $w];
                a.copy_from_slice(b);
                <$t>::from_le_bytes(a)
            }
        }
    };
}
le_word!(u16, 2);
le_word!(u32, 4);
le_word!(u64, 8);

/// `out.len() == values.len() * T::WIDTH`.
fn encode_le<T: LeWord>(values: &[T], out: &mut [u8]) {
    for (o, &v) in out.chunks_exact_mut(T::WIDTH).zip(values) {
        v.put(o);
    }
}

fn to_le<T: LeWord>(values: &[T]) -> Cow<'_, [u8]> {
    let mut out = vec![0u8; values.len() * T::WIDTH];
    encode_le(values, &mut out);
    Cow::Owned(out)
}

fn from_le<T: LeWord>(b: &[u8]) -> Option<Vec<T>> {
    if !b.len().is_multiple_of(T::WIDTH) {
        return None;
    }
    Some(b.chunks_exact(T::WIDTH).map(T::get).collect())
}

/// A `u16` column as little-endian bytes. Always a copy (borrowing would
/// need `unsafe` on little-endian targets); for writing a column prefer
/// [`SnapshotWriter::section_u16s`], which makes none.
pub fn u16s_as_le_bytes(v: &[u16]) -> Cow<'_, [u8]> {
    to_le(v)
}

/// A `u32` column as little-endian bytes. Always a copy; see
/// [`u16s_as_le_bytes`].
pub fn u32s_as_le_bytes(v: &[u32]) -> Cow<'_, [u8]> {
    to_le(v)
}

/// A `u64` column as little-endian bytes. Always a copy; see
/// [`u16s_as_le_bytes`].
pub fn u64s_as_le_bytes(v: &[u64]) -> Cow<'_, [u8]> {
    to_le(v)
}

/// Little-endian bytes back to a `u16` column; `None` if the length is not
/// a multiple of 2.
pub fn le_bytes_to_u16s(b: &[u8]) -> Option<Vec<u16>> {
    from_le(b)
}

/// Little-endian bytes back to a `u32` column; `None` if the length is not
/// a multiple of 4.
pub fn le_bytes_to_u32s(b: &[u8]) -> Option<Vec<u32>> {
    from_le(b)
}

/// Little-endian bytes back to a `u64` column; `None` if the length is not
/// a multiple of 8.
pub fn le_bytes_to_u64s(b: &[u8]) -> Option<Vec<u64>> {
    from_le(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_round_trip() {
        let v16: Vec<u16> = (0..1000).map(|i| i * 65).collect();
        let v32: Vec<u32> = (0..1000u32).map(|i| i.wrapping_mul(4_000_037)).collect();
        let v64: Vec<u64> = (0..1000u64)
            .map(|i| i.wrapping_mul(0x0123_4567_89ab_cdef))
            .collect();
        assert_eq!(le_bytes_to_u16s(&u16s_as_le_bytes(&v16)).unwrap(), v16);
        assert_eq!(le_bytes_to_u32s(&u32s_as_le_bytes(&v32)).unwrap(), v32);
        assert_eq!(le_bytes_to_u64s(&u64s_as_le_bytes(&v64)).unwrap(), v64);
        assert_eq!(&u16s_as_le_bytes(&[0x0102])[..], &[2, 1]);
        assert_eq!(le_bytes_to_u32s(&[1, 2, 3]), None);
        assert_eq!(le_bytes_to_u64s(&[]), Some(vec![]));
    }

    #[test]
    fn parse_never_panics_on_short_input() {
        for len in 0..40 {
            let data = vec![0xAAu8; len];
            assert!(Snapshot::parse(Path::new("s"), data).is_err());
        }
    }
}
