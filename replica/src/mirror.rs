//! The standby's side of the files: chunks written into its own data
//! directory, so that it holds the same bytes as the primary's.
//!
//! A [`Mirror`] writes each journal chunk at its offset of the same file
//! name (`journal-G.dcj`), each snapshot into `snapshot-G.dcs` (assembled in
//! a `.tmp` file, renamed once its last chunk is in), and keeps one older
//! generation like the engine's default retention (older journals go to
//! `archive/`, older snapshots are deleted). It never decodes what a record
//! means: the directory is read by the engine's own crash recovery
//! (`Campaign::open`) when the standby takes over, so there is exactly one
//! apply path. It does read the frames' boundaries, to find the lease
//! records (kind 17) and enforce the **fence**: a chunk stamped with a
//! fencing token lower than one the journal already carries comes from a
//! writer that lost its lease, and is refused ([`Applied::Stale`]).
//!
//! A chunk that repeats bytes already written (a redelivery) is a
//! [`Applied::Duplicate`] and changes nothing; one that would leave a hole
//! is an error naming both offsets.

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use dialcore::journal::{leading_frames, HEADER_LEN};

use crate::tail::{journal_generations, journal_path, snapshot_path};
use crate::wire::{Chunk, ChunkKind};

/// What [`Mirror::apply`] did with a chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// Its bytes were written.
    Written,
    /// It repeats bytes already written: nothing changed.
    Duplicate,
    /// Its fencing token is below the journal's: a deposed writer's chunk,
    /// refused. Carries the journal's token.
    Stale {
        /// The fencing token the journal carries.
        fence: u64,
    },
}

/// A chunk the mirror cannot place, or a file it cannot write.
#[derive(Debug)]
pub enum MirrorError {
    /// The chunk starts after the end of what the file holds.
    Gap {
        /// The file.
        path: PathBuf,
        /// Bytes the file holds.
        have: u64,
        /// Where the chunk starts.
        offset: u64,
    },
    /// Reading or writing a file failed.
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
}

impl fmt::Display for MirrorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MirrorError::Gap { path, have, offset } => write!(
                f,
                "{}: a chunk at byte {offset} but the file holds {have} bytes (messages missing from the stream?)",
                path.display()
            ),
            MirrorError::Io { path, source } => write!(f, "{}: {source}", path.display()),
        }
    }
}

impl std::error::Error for MirrorError {}

fn io_at(path: &Path) -> impl FnOnce(io::Error) -> MirrorError + '_ {
    move |source| MirrorError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The journal being written.
#[derive(Debug)]
struct Open {
    generation: u64,
    file: File,
    len: u64,
    /// Bytes after the last whole frame (and the header), for the scan.
    pending: Vec<u8>,
    /// Header bytes still to skip before frames start.
    header_left: usize,
}

/// A standby's data directory, fed chunk by chunk.
#[derive(Debug)]
pub struct Mirror {
    dir: PathBuf,
    journal: Option<Open>,
    /// The snapshot being assembled: generation, bytes so far.
    snapshot: Option<(u64, u64)>,
    /// The newest complete snapshot.
    last_snapshot: Option<u64>,
    fence: u64,
    next_seq: u64,
    chunks: u64,
}

impl Mirror {
    /// Empties `dir` (creating it if needed) and returns a mirror that
    /// rebuilds it from the stream's first message: a standby always starts
    /// from what the stream holds, whatever it held before (a former primary
    /// may have journaled records that were never acknowledged).
    pub fn create_empty(dir: &Path) -> Result<Mirror, MirrorError> {
        if dir.exists() {
            fs::remove_dir_all(dir).map_err(io_at(dir))?;
        }
        fs::create_dir_all(dir).map_err(io_at(dir))?;
        Ok(Mirror {
            dir: dir.to_path_buf(),
            journal: None,
            snapshot: None,
            last_snapshot: None,
            fence: 0,
            next_seq: 0,
            chunks: 0,
        })
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The journal written last and its length: where a primary that takes
    /// over continues shipping from.
    pub fn position(&self) -> Option<(u64, u64)> {
        self.journal.as_ref().map(|j| (j.generation, j.len))
    }

    /// The highest fencing token in the journal so far (0 before any).
    pub fn fence(&self) -> u64 {
        self.fence
    }

    /// The record sequence number after the last chunk written.
    pub fn next_seq(&self) -> u64 {
        self.next_seq
    }

    /// Chunks written so far.
    pub fn chunks(&self) -> u64 {
        self.chunks
    }

    /// Writes `chunk` where it belongs (see the module documentation).
    pub fn apply(&mut self, chunk: &Chunk) -> Result<Applied, MirrorError> {
        if chunk.fence < self.fence {
            return Ok(Applied::Stale { fence: self.fence });
        }
        let applied = match chunk.kind {
            ChunkKind::Journal => self.apply_journal(chunk)?,
            ChunkKind::Snapshot => self.apply_snapshot(chunk)?,
        };
        if applied == Applied::Written {
            self.chunks += 1;
        }
        Ok(applied)
    }

    fn apply_journal(&mut self, chunk: &Chunk) -> Result<Applied, MirrorError> {
        let g = chunk.generation;
        let end = chunk.offset + chunk.bytes.len() as u64;
        match &self.journal {
            Some(j) if g < j.generation => return Ok(Applied::Duplicate),
            Some(j) if g == j.generation && end <= j.len => return Ok(Applied::Duplicate),
            Some(j) if g == j.generation && chunk.offset != j.len => {
                return Err(MirrorError::Gap {
                    path: journal_path(&self.dir, g),
                    have: j.len,
                    offset: chunk.offset,
                })
            }
            Some(j) if g == j.generation => {}
            _ => {
                let path = journal_path(&self.dir, g);
                if chunk.offset != 0 {
                    return Err(MirrorError::Gap {
                        path,
                        have: 0,
                        offset: chunk.offset,
                    });
                }
                let file = OpenOptions::new()
                    .create(true)
                    .write(true)
                    .truncate(true)
                    .open(&path)
                    .map_err(io_at(&path))?;
                self.journal = Some(Open {
                    generation: g,
                    file,
                    len: 0,
                    pending: Vec::new(),
                    header_left: HEADER_LEN,
                });
            }
        }
        let j = self.journal.as_mut().expect("opened above");
        let path = journal_path(&self.dir, g);
        j.file.write_all(&chunk.bytes).map_err(io_at(&path))?;
        j.len = end;
        // Find the whole frames, and the lease records among them.
        let mut bytes = &chunk.bytes[..];
        let skip = j.header_left.min(bytes.len());
        j.header_left -= skip;
        bytes = &bytes[skip..];
        j.pending.extend_from_slice(bytes);
        let frames = leading_frames(&j.pending);
        for f in &frames {
            if let Some(token) = dialcore::lease_token(&j.pending[f.payload.clone()]) {
                self.fence = self.fence.max(token);
            }
        }
        if let Some(last) = frames.last() {
            j.pending.drain(..last.end);
        }
        if chunk.mark > 0 {
            self.next_seq = chunk.mark;
        }
        Ok(Applied::Written)
    }

    fn apply_snapshot(&mut self, chunk: &Chunk) -> Result<Applied, MirrorError> {
        let g = chunk.generation;
        if self.last_snapshot.is_some_and(|s| g <= s) {
            return Ok(Applied::Duplicate);
        }
        let final_path = snapshot_path(&self.dir, g);
        let tmp = final_path.with_extension("dcs.tmp");
        match self.snapshot {
            Some((sg, len)) if sg == g && chunk.offset + (chunk.bytes.len() as u64) <= len => {
                return Ok(Applied::Duplicate)
            }
            Some((sg, len)) if sg == g && chunk.offset != len => {
                return Err(MirrorError::Gap {
                    path: tmp,
                    have: len,
                    offset: chunk.offset,
                })
            }
            Some((sg, _)) if sg == g => {}
            _ if chunk.offset != 0 => {
                return Err(MirrorError::Gap {
                    path: tmp,
                    have: 0,
                    offset: chunk.offset,
                })
            }
            _ => {
                File::create(&tmp).map_err(io_at(&tmp))?;
                self.snapshot = Some((g, 0));
            }
        }
        let mut file = OpenOptions::new()
            .append(true)
            .open(&tmp)
            .map_err(io_at(&tmp))?;
        file.write_all(&chunk.bytes).map_err(io_at(&tmp))?;
        let len = chunk.offset + chunk.bytes.len() as u64;
        self.snapshot = Some((g, len));
        if chunk.is_last_snapshot_chunk() {
            file.sync_all().map_err(io_at(&tmp))?;
            fs::rename(&tmp, &final_path).map_err(io_at(&final_path))?;
            self.snapshot = None;
            self.last_snapshot = Some(g);
            self.retire_before(g)?;
        }
        Ok(Applied::Written)
    }

    /// Keeps generation `g - 1` as the fallback; archives older journals
    /// and deletes older snapshots (the engine's default retention).
    fn retire_before(&mut self, g: u64) -> Result<(), MirrorError> {
        let archive = self.dir.join("archive");
        for old in journal_generations(&self.dir)
            .map_err(io_at(&self.dir))?
            .into_iter()
            .filter(|&o| o + 1 < g)
        {
            fs::create_dir_all(&archive).map_err(io_at(&archive))?;
            let from = journal_path(&self.dir, old);
            fs::rename(&from, journal_path(&archive, old)).map_err(io_at(&from))?;
        }
        for old in 0..g.saturating_sub(1) {
            let p = snapshot_path(&self.dir, old);
            if p.exists() {
                fs::remove_file(&p).map_err(io_at(&p))?;
            }
        }
        Ok(())
    }

    /// Forces what was written to stable storage (before a takeover opens
    /// the directory, and at a clean stop).
    pub fn sync(&mut self) -> Result<(), MirrorError> {
        if let Some(j) = &self.journal {
            let path = journal_path(&self.dir, j.generation);
            j.file.sync_data().map_err(io_at(&path))?;
        }
        Ok(())
    }
}
