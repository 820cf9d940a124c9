//! The journal reader over arbitrary bytes, two ways:
//!
//! - as a whole journal file (`journal::read_journal`): never panics; what it
//!   returns is consistent (records inside the file, in order, before
//!   `valid_len`; the damage, if any, starts at `valid_len` and accounts for
//!   the rest of the file);
//! - as correctly framed records appended to the journal of a real little
//!   campaign, then recovered read-only (`Campaign::inspect`): the record
//!   decoder and replay never panic, whatever the payloads.
#![no_main]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use dialcore::journal::{read_journal, FsyncPolicy, JournalWriter};
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

fuzz_target!(|input: (bool, Vec<Vec<u8>>, &[u8])| {
    let (framed, payloads, raw) = input;
    if !framed {
        let path = scratch().join("raw.dcj");
        std::fs::write(&path, raw).expect("write");
        if let Ok(read) = read_journal(&path) {
            let len = read.data.len() as u64;
            assert!(read.valid_len <= len);
            let mut end = 0;
            for r in &read.records {
                assert!(r.start >= end && r.end >= r.start && r.end as u64 <= read.valid_len);
                end = r.end;
            }
            if let Some(d) = &read.damage {
                assert_eq!(d.offset, read.valid_len);
                assert_eq!(d.dropped_bytes, len - read.valid_len);
            } else {
                assert_eq!(read.valid_len, len);
            }
        }
        return;
    }
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
    let valid_len = read_journal(&journal).expect("template journal").valid_len;
    let mut writer =
        JournalWriter::open_append(&journal, valid_len, FsyncPolicy::Never).expect("append");
    for payload in payloads.iter().take(64) {
        writer.append(|out| out.extend_from_slice(payload));
    }
    writer.sync().expect("sync");
    drop(writer);
    let _ = Campaign::inspect(&dir, CampaignConfig::new(Mode::Progressive));
});
