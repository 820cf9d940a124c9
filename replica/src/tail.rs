//! The primary's side of the files: what the engine wrote to its data
//! directory since the last look, as [`Chunk`]s.
//!
//! The engine writes each poll's records to the journal file before the
//! poll returns (see `dialcore::journal`), so right after a poll the file
//! holds every record that decided the poll's commands. [`JournalTail`]
//! reads from its position to the end of the whole frames
//! ([`dialcore::journal::leading_frames`]: it stops at the preallocated zero
//! tail), and follows a snapshot's rotation: once a newer journal exists,
//! the old one has been closed with its trailer, so the tail ships the old
//! one's last bytes, then the new snapshot file, then the new journal from
//! its header. It reads files only; it never parses what a record means.

use std::fs::{self, File};
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use bytes::Bytes;
use dialcore::journal::{leading_frames, HEADER_LEN, RECORD_MAGIC};

use crate::wire::{Chunk, ChunkKind, MAX_CHUNK};

/// `journal-GGGGGGGG.dcj` in `dir`.
pub fn journal_path(dir: &Path, generation: u64) -> PathBuf {
    dir.join(format!("journal-{generation:08x}.dcj"))
}

/// `snapshot-GGGGGGGG.dcs` in `dir`.
pub fn snapshot_path(dir: &Path, generation: u64) -> PathBuf {
    dir.join(format!("snapshot-{generation:08x}.dcs"))
}

/// The journal generations in `dir`, ascending.
pub fn journal_generations(dir: &Path) -> io::Result<Vec<u64>> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir)? {
        let name = entry?.file_name();
        let Some(name) = name.to_str() else { continue };
        if let Some(hex) = name
            .strip_prefix("journal-")
            .and_then(|n| n.strip_suffix(".dcj"))
        {
            if let Ok(g) = u64::from_str_radix(hex, 16) {
                if format!("{g:08x}") == hex {
                    out.push(g);
                }
            }
        }
    }
    out.sort_unstable();
    Ok(out)
}

/// Reads the whole frames written to a data directory's journals since the
/// last call.
#[derive(Debug, Clone)]
pub struct JournalTail {
    dir: PathBuf,
    /// The journal being followed; `None` before the first one exists.
    generation: Option<u64>,
    /// Bytes of it already shipped.
    offset: u64,
}

impl JournalTail {
    /// A tail that ships everything in `dir`, from its oldest journal.
    pub fn from_start(dir: &Path) -> JournalTail {
        JournalTail {
            dir: dir.to_path_buf(),
            generation: None,
            offset: 0,
        }
    }

    /// A tail that ships what follows byte `offset` of journal `generation`
    /// (what a standby that took over already holds).
    pub fn at(dir: &Path, generation: u64, offset: u64) -> JournalTail {
        JournalTail {
            dir: dir.to_path_buf(),
            generation: Some(generation),
            offset,
        }
    }

    /// The journal followed and the bytes of it shipped so far.
    pub fn position(&self) -> Option<(u64, u64)> {
        self.generation.map(|g| (g, self.offset))
    }

    /// Everything written since the last call, as chunks stamped with
    /// `fence`: the rest of the current journal, then for each newer
    /// generation its snapshot (if any) and its journal.
    pub fn read_new(&mut self, fence: u64) -> io::Result<Vec<Chunk>> {
        let mut out = Vec::new();
        loop {
            if let Some(g) = self.generation {
                let path = self.existing_journal(g);
                let (bytes, mark) = read_frames_from(&path, self.offset)?;
                let len = bytes.len() as u64;
                push_split(
                    &mut out,
                    ChunkKind::Journal,
                    g,
                    self.offset,
                    fence,
                    mark,
                    bytes,
                );
                self.offset += len;
            }
            let newer = journal_generations(&self.dir)?
                .into_iter()
                .find(|&n| self.generation.is_none_or(|g| n > g));
            let Some(next) = newer else { break };
            let snap = snapshot_path(&self.dir, next);
            if snap.exists() {
                let data = fs::read(&snap)?;
                let parts: Vec<&[u8]> = if data.is_empty() {
                    vec![&[]]
                } else {
                    data.chunks(MAX_CHUNK).collect()
                };
                let n = parts.len();
                for (i, part) in parts.into_iter().enumerate() {
                    out.push(Chunk {
                        kind: ChunkKind::Snapshot,
                        generation: next,
                        offset: (i * MAX_CHUNK) as u64,
                        fence,
                        mark: u64::from(i + 1 == n),
                        bytes: Bytes::copy_from_slice(part),
                    });
                }
            }
            self.generation = Some(next);
            self.offset = 0;
        }
        Ok(out)
    }

    /// The journal of generation `g`, in the directory or archived.
    fn existing_journal(&self, g: u64) -> PathBuf {
        let here = journal_path(&self.dir, g);
        if here.exists() {
            return here;
        }
        let archived = journal_path(&self.dir.join("archive"), g);
        if archived.exists() {
            archived
        } else {
            here
        }
    }
}

/// Pushes `bytes` (starting at `offset` of the file) as chunks of at most
/// [`MAX_CHUNK`] bytes; `mark` (the next record number after them) goes on
/// every part.
fn push_split(
    out: &mut Vec<Chunk>,
    kind: ChunkKind,
    generation: u64,
    offset: u64,
    fence: u64,
    mark: u64,
    bytes: Vec<u8>,
) {
    let bytes = Bytes::from(bytes);
    let mut at = 0;
    while at < bytes.len() {
        let end = (at + MAX_CHUNK).min(bytes.len());
        out.push(Chunk {
            kind,
            generation,
            offset: offset + at as u64,
            fence,
            mark,
            bytes: bytes.slice(at..end),
        });
        at = end;
    }
}

/// The bytes of the whole frames of the journal at `path` from `offset` (a
/// frame boundary, or 0 for the header too), and the record number after
/// them (0 when nothing was read). A file that does not exist yet reads as
/// nothing.
pub fn read_frames_from(path: &Path, offset: u64) -> io::Result<(Vec<u8>, u64)> {
    let mut file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok((Vec::new(), 0)),
        Err(e) => return Err(e),
    };
    let mut out = Vec::new();
    let mut mark = 0;
    let mut pos = offset;
    if offset == 0 {
        let mut header = vec![0; HEADER_LEN];
        if read_at(&mut file, 0, &mut header)? < HEADER_LEN {
            return Ok((Vec::new(), 0)); // still being created
        }
        mark = u64::from_le_bytes(header[16..24].try_into().expect("8 bytes"));
        out.extend_from_slice(&header);
        pos = HEADER_LEN as u64;
    }
    let mut want = 64 << 10;
    loop {
        let mut buf = vec![0; want];
        let n = read_at(&mut file, pos, &mut buf)?;
        buf.truncate(n);
        let frames = leading_frames(&buf);
        let end = frames.last().map_or(0, |f| f.end);
        if let Some(last) = frames.last() {
            mark = if last.trailer { last.seq } else { last.seq + 1 };
        }
        out.extend_from_slice(&buf[..end]);
        pos += end as u64;
        let trailer = frames.last().is_some_and(|f| f.trailer);
        if trailer {
            break;
        }
        if end == 0 {
            // Nothing whole here: a frame longer than the buffer (read a
            // bigger one), or the end of what was written.
            if n == want && buf.starts_with(&RECORD_MAGIC) {
                want *= 2;
                continue;
            }
            break;
        }
    }
    Ok((out, mark))
}

/// Reads up to `buf.len()` bytes at `pos`; returns how many were read.
fn read_at(file: &mut File, pos: u64, buf: &mut [u8]) -> io::Result<usize> {
    file.seek(SeekFrom::Start(pos))?;
    let mut n = 0;
    while n < buf.len() {
        match file.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}
