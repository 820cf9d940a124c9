//! The snapshot reader, two ways:
//!
//! - arbitrary bytes as a snapshot file (`Snapshot::read`): never panics; a
//!   snapshot it accepts has its sections inside the file;
//! - arbitrary sections written with correct checksums by the real
//!   `SnapshotWriter` (tags drawn from the ones campaigns write, or any),
//!   then a read-only recovery of a directory holding only that snapshot
//!   (`Campaign::inspect`): decoding the campaign image never panics,
//!   whatever the section contents.
#![no_main]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use arbitrary::Arbitrary;
use dialcore::snapshot::{Snapshot, SnapshotWriter};
use dialcore::{Campaign, CampaignConfig, Mode};
use libfuzzer_sys::fuzz_target;

/// The section tags a campaign image has (`core/src/engine/campaign/durable/image.rs`).
const TAGS: [[u8; 4]; 17] = [
    *b"META", *b"ZONE", *b"STAT", *b"ATTE", *b"OUTC", *b"PRIO", *b"ZONI", *b"NUMB", *b"EXTE",
    *b"EXTA", *b"INVL", *b"DUES", *b"LIVE", *b"BLAC", *b"METR", *b"ABAN", *b"RECD",
];

#[derive(Debug, Arbitrary)]
enum Input<'a> {
    Raw(&'a [u8]),
    Sections(Vec<(u8, [u8; 4], Vec<u8>)>),
}

fn scratch() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir =
            std::env::temp_dir().join(format!("dialcore-fuzz-snapshot-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch dir");
        dir
    })
}

fuzz_target!(|input: Input<'_>| {
    match input {
        Input::Raw(bytes) => {
            let path = scratch().join("raw.dcs");
            std::fs::write(&path, bytes).expect("write");
            if let Ok(snapshot) = Snapshot::read(&path) {
                let total: usize = snapshot
                    .tags()
                    .map(|t| snapshot.section(t).map_or(0, <[u8]>::len))
                    .sum();
                assert!(total as u64 <= snapshot.len_bytes());
            }
        }
        Input::Sections(sections) => {
            let dir = scratch().join("dir");
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).expect("dir");
            let path = dir.join("snapshot-00000001.dcs");
            let mut writer = SnapshotWriter::create(&path, 1).expect("create");
            let mut written = Vec::new();
            for (pick, any_tag, bytes) in sections.iter().take(32) {
                let tag = TAGS.get(*pick as usize).copied().unwrap_or(*any_tag);
                // The writer refuses a tag twice (a clear error); keep the first.
                if !written.contains(&tag) {
                    writer.section(tag, bytes).expect("section");
                    written.push(tag);
                }
            }
            writer.finish().expect("finish");
            let _ = Campaign::inspect(&dir, CampaignConfig::new(Mode::Predictive));
        }
    }
});
