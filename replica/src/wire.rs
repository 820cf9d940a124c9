//! What one stream message carries: a [`Chunk`] of a data directory's
//! files, as NATS headers plus the raw bytes.
//!
//! The primary ships its data directory as byte ranges of its files, never
//! as decoded records: a chunk is `bytes` of journal `generation` (or of its
//! snapshot) starting at `offset`. Journal chunks hold the bytes the engine
//! wrote since the last chunk, whole frames only (the tail never ships a
//! frame still being written), so the standby's file is the same bytes in
//! the same order. The message id is `generation:offset:token` for a
//! journal chunk (`sG:offset:token` for a snapshot chunk): a chunk sent
//! again after a lost acknowledgement is dropped by the server's duplicate
//! window. The writer's fencing token (its lease revision) is part of the
//! id because a new primary continues at the very offset where the old one
//! stopped: with `generation:offset` alone, a deposed writer's late chunk
//! at that offset would be taken by the server for a resend of the new
//! writer's and acknowledged as a duplicate (the duplicate check comes
//! before the expected-sequence check) — a test caught exactly that.

use std::fmt;

use async_nats::HeaderMap;
use bytes::Bytes;

/// The largest chunk payload: well under nats-server's default 1 MiB
/// `max_payload`, leaving room for the headers.
pub const MAX_CHUNK: usize = 512 << 10;

/// Header: `j` (journal bytes) or `s` (snapshot bytes).
pub const H_KIND: &str = "Dialcore-Kind";
/// Header: the generation (decimal).
pub const H_GEN: &str = "Dialcore-Gen";
/// Header: the byte offset in the file (decimal).
pub const H_OFFSET: &str = "Dialcore-Offset";
/// Header: the writer's fencing token (decimal).
pub const H_FENCE: &str = "Dialcore-Fence";
/// Header: after this chunk, the journal's next record sequence number
/// (journal chunks) or `1` on a snapshot's last chunk.
pub const H_MARK: &str = "Dialcore-Mark";

/// Which file of a generation a chunk belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChunkKind {
    /// `journal-G.dcj`.
    Journal,
    /// `snapshot-G.dcs`.
    Snapshot,
}

/// A byte range of one file of the primary's data directory.
#[derive(Clone, PartialEq, Eq)]
pub struct Chunk {
    /// Journal or snapshot.
    pub kind: ChunkKind,
    /// The generation of the file.
    pub generation: u64,
    /// Where `bytes` start in the file.
    pub offset: u64,
    /// The fencing token of the writer that sent it (0 until one is set).
    pub fence: u64,
    /// Journal: the next record sequence number after these bytes (so a
    /// standby can count its lag in records). Snapshot: 1 on the last chunk.
    pub mark: u64,
    /// The bytes.
    pub bytes: Bytes,
}

impl fmt::Debug for Chunk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Chunk")
            .field("kind", &self.kind)
            .field("generation", &self.generation)
            .field("offset", &self.offset)
            .field("fence", &self.fence)
            .field("mark", &self.mark)
            .field("len", &self.bytes.len())
            .finish()
    }
}

/// A message that is not a chunk this crate wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireError(pub String);

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not a dialcore replication chunk: {}", self.0)
    }
}

impl std::error::Error for WireError {}

impl Chunk {
    /// The message id the server deduplicates on: `generation:offset:token`
    /// (journal) or `sgeneration:offset:token` (snapshot).
    pub fn msg_id(&self) -> String {
        match self.kind {
            ChunkKind::Journal => format!("{}:{}:{}", self.generation, self.offset, self.fence),
            ChunkKind::Snapshot => format!("s{}:{}:{}", self.generation, self.offset, self.fence),
        }
    }

    /// Whether this is the last chunk of a snapshot file.
    pub fn is_last_snapshot_chunk(&self) -> bool {
        self.kind == ChunkKind::Snapshot && self.mark == 1
    }

    /// The headers of the message (without the message id).
    pub fn headers(&self) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            H_KIND,
            match self.kind {
                ChunkKind::Journal => "j",
                ChunkKind::Snapshot => "s",
            },
        );
        h.insert(H_GEN, self.generation.to_string().as_str());
        h.insert(H_OFFSET, self.offset.to_string().as_str());
        h.insert(H_FENCE, self.fence.to_string().as_str());
        h.insert(H_MARK, self.mark.to_string().as_str());
        h
    }

    /// Reads a chunk back from a message's headers and payload.
    pub fn from_message(headers: &HeaderMap, payload: Bytes) -> Result<Chunk, WireError> {
        let get = |name: &str| {
            headers
                .get(name)
                .map(|v| v.as_str().to_owned())
                .ok_or_else(|| WireError(format!("no {name} header")))
        };
        let num = |name: &str| -> Result<u64, WireError> {
            let v = get(name)?;
            v.parse()
                .map_err(|_| WireError(format!("{name} is {v:?}, not a number")))
        };
        let kind = match get(H_KIND)?.as_str() {
            "j" => ChunkKind::Journal,
            "s" => ChunkKind::Snapshot,
            other => return Err(WireError(format!("{H_KIND} is {other:?}"))),
        };
        Ok(Chunk {
            kind,
            generation: num(H_GEN)?,
            offset: num(H_OFFSET)?,
            fence: num(H_FENCE)?,
            mark: num(H_MARK)?,
            bytes: payload,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chunk_survives_its_headers() {
        let c = Chunk {
            kind: ChunkKind::Snapshot,
            generation: 3,
            offset: 1 << 40,
            fence: 17,
            mark: 1,
            bytes: Bytes::from_static(b"abc"),
        };
        let back = Chunk::from_message(&c.headers(), c.bytes.clone()).unwrap();
        assert_eq!(back, c);
        assert_eq!(c.msg_id(), format!("s3:{}:17", 1u64 << 40));
        assert!(back.is_last_snapshot_chunk());
    }

    #[test]
    fn a_foreign_message_is_named_not_guessed() {
        let mut h = Chunk {
            kind: ChunkKind::Journal,
            generation: 0,
            offset: 0,
            fence: 0,
            mark: 0,
            bytes: Bytes::new(),
        }
        .headers();
        h.insert(H_OFFSET, "x");
        let e = Chunk::from_message(&h, Bytes::new()).unwrap_err();
        assert!(e.0.contains(H_OFFSET), "{e}");
        let e = Chunk::from_message(&HeaderMap::new(), Bytes::new()).unwrap_err();
        assert!(e.0.contains(H_KIND), "{e}");
    }
}
