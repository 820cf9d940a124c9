//! Journal salvage against the truth: a real campaign directory (journal
//! and snapshots, written through the public API) is copied and damaged
//! hundreds of ways — bit flips, zeroed ranges, truncations anywhere and on
//! record boundaries, deleted journals and snapshots, damaged headers — and
//! each copy is recovered. Against the intact copy, by sequence number:
//!
//! - recovery never panics, and fails only when no snapshot is left (the
//!   error then names every damaged snapshot it skipped);
//! - every intact record after the snapshot recovery starts from is
//!   replayed, wherever the damage is (no intact record is lost);
//! - the counted loss equals the records truly missing up to the last
//!   sequence number any surviving file proves, and a loss past it is
//!   flagged as uncounted — except the one case no file can show: the
//!   newest journal (or the last one left) cut exactly on a record boundary
//!   with nothing after it that proves more records existed;
//! - each loss's "recovered after" count is the intact records after it;
//! - opening the recovered directory again finds it clean.

#[path = "util/mod.rs"]
mod util;

use std::collections::BTreeMap;
use std::fs;
use std::ops::Range;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use dialcore::event::{CallId, Command, Disposition, Event};
use dialcore::journal::{read_journal, FsyncPolicy, HEADER_LEN, RECORD_HEADER_LEN};
use dialcore::{Campaign, CampaignConfig, DurableOptions, Mode, OpenError, RecoveryReport};
use util::*;

fn cfg() -> CampaignConfig {
    CampaignConfig {
        abandon_limit_ms: 30 * SEC,
        ..config(Mode::Predictive)
    }
}

fn options(snapshot_every: u64) -> DurableOptions {
    DurableOptions {
        fsync: FsyncPolicy::Never,
        snapshot_every_records: snapshot_every,
        accept_config_change: false,
        journal_retention: Default::default(),
    }
}

/// Runs a predictive campaign in `dir`: contacts added at several times
/// (bulk numbers, single contacts, a second time zone), calls answered,
/// connected, ended, rejected, blacklist changes, automatic snapshots.
// `let _ = c.poll(..)` holds whether `poll` returns `()` or a `Result`.
#[allow(clippy::let_unit_value)]
fn write_campaign(dir: &Path) {
    let (mut c, _) = Campaign::open_with(dir, cfg(), options(150)).expect("opens");
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut next_number = 12_125_550_000u64;
    let mut add = |c: &mut Campaign, n: u64| {
        let numbers: Vec<u64> = (0..n).map(|i| next_number + i).collect();
        next_number += n;
        c.add_numbers(&numbers, 0).unwrap();
    };
    add(&mut c, 150);
    let ops: Vec<_> = (0..3).map(|_| ready_operator(&mut c, T0)).collect();
    let mut live: Vec<CallId> = Vec::new();
    let mut out = Vec::new();
    let mut now = T0;
    for step in 0..1_400u32 {
        now += 700 + rng.below(1_500);
        match step {
            300 | 900 => add(&mut c, 40),
            500 => {
                c.add_contact("+1 212 555 7000", "ext-chicago", Some("America/Chicago"), 1)
                    .unwrap();
            }
            1_100 => {
                c.add_contact("+1 212 555 7001", "ext-denver", Some("America/Denver"), 2)
                    .unwrap();
            }
            _ => {}
        }
        if step % 97 == 0 {
            let _ = c.handle(Event::BlacklistAdd(12_125_550_000 + rng.below(200)), now);
        }
        out.clear();
        let _ = c.poll(now, &mut out);
        for cmd in &out {
            if let Command::Dial { call, .. } = cmd {
                live.push(*call);
            }
        }
        live.retain(|call| c.call_of(call.contact) == Some(*call));
        for _ in 0..2 {
            if live.is_empty() {
                break;
            }
            let call = live[rng.below(live.len() as u64) as usize];
            let event = match rng.below(6) {
                0 | 1 => Event::Answered(call),
                2 => Event::Rejected(call),
                3 => Event::AnsweredByMachine(call),
                _ => Event::CallEnded(call),
            };
            let _ = c.handle(event, now);
        }
        for &op in &ops {
            if let Some(contact) = c.operators().contact(op) {
                if c.call_of(contact).is_none() && rng.below(3) == 0 {
                    let _ = c.handle(
                        Event::AcwDone {
                            operator: op,
                            contact,
                            disposition: Disposition::Done,
                        },
                        now,
                    );
                }
            }
        }
    }
    c.flush().unwrap();
}

/// One journal of the intact directory.
#[derive(Debug, Clone)]
struct Journal {
    data: Vec<u8>,
    first_seq: u64,
    /// Each record: its seq and frame bytes.
    frames: Vec<(u64, Range<usize>)>,
    /// The trailer's seq and bytes, if closed.
    trailer: Option<(u64, Range<usize>)>,
}

/// The intact directory, read back.
struct Truth {
    dir: PathBuf,
    journals: BTreeMap<u64, Journal>,
    snapshots: BTreeMap<u64, Vec<u8>>,
    /// One past the last record written.
    end_seq: u64,
}

fn generation(name: &str, prefix: &str, ext: &str) -> Option<u64> {
    u64::from_str_radix(name.strip_prefix(prefix)?.strip_suffix(ext)?, 16).ok()
}

fn journal_name(g: u64) -> String {
    format!("journal-{g:08x}.dcj")
}

fn snapshot_name(g: u64) -> String {
    format!("snapshot-{g:08x}.dcs")
}

fn truth(dir: &Path) -> Truth {
    let mut journals = BTreeMap::new();
    let mut snapshots = BTreeMap::new();
    for e in fs::read_dir(dir).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        if let Some(g) = generation(&name, "journal-", ".dcj") {
            let read = read_journal(&dir.join(&name)).unwrap();
            assert!(read.damage.is_empty(), "the intact journal is intact");
            let frames = read
                .records
                .iter()
                .map(|r| (r.seq, r.offset as usize..r.payload.end))
                .collect();
            let end = read.valid_len as usize;
            let trailer = read.trailer.map(|t| (t, end - RECORD_HEADER_LEN..end));
            journals.insert(
                g,
                Journal {
                    data: read.data.clone(),
                    first_seq: read.first_seq,
                    frames,
                    trailer,
                },
            );
        } else if let Some(g) = generation(&name, "snapshot-", ".dcs") {
            snapshots.insert(g, fs::read(dir.join(&name)).unwrap());
        }
    }
    let last = journals.values().next_back().unwrap();
    let end_seq = last.frames.last().map_or(last.first_seq, |f| f.0 + 1);
    Truth {
        dir: dir.to_path_buf(),
        journals,
        snapshots,
        end_seq,
    }
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let name = e.file_name();
        // The archive (older journals, see JournalRetention) is not read
        // by recovery: the copy leaves it out.
        if name == "LOCK" || e.path().is_dir() {
            continue;
        }
        fs::copy(e.path(), to.join(name)).unwrap();
    }
}

/// Damages the copy in `dir` the `case`-th way; returns a description.
fn damage(dir: &Path, t: &Truth, case: u32, rng: &mut Rng) -> String {
    let journals: Vec<u64> = t.journals.keys().copied().collect();
    let snaps: Vec<u64> = t.snapshots.keys().copied().collect();
    // The newest file is picked three times in four: it is the one a
    // recovery from the newest snapshot replays.
    let pick = |rng: &mut Rng, v: &[u64]| {
        if rng.below(4) == 0 {
            v[rng.below(v.len() as u64) as usize]
        } else {
            v[v.len() - 1]
        }
    };
    let mut what = Vec::new();
    let flip = |rng: &mut Rng, path: &Path, from: usize, what: &mut Vec<String>| {
        let Ok(mut data) = fs::read(path) else {
            return;
        };
        if data.len() > from {
            let at = from + rng.below((data.len() - from) as u64) as usize;
            let bit = 1u8 << rng.below(8);
            data[at] ^= bit;
            what.push(format!("flip {} byte {at} bit {bit}", name_of(path)));
            fs::write(path, data).unwrap();
        }
    };
    match case % 8 {
        0 => {
            let g = pick(rng, &journals);
            flip(rng, &dir.join(journal_name(g)), HEADER_LEN, &mut what);
        }
        1 => {
            for _ in 0..1 + rng.below(4) {
                let path = if rng.below(4) == 0 {
                    dir.join(snapshot_name(pick(rng, &snaps)))
                } else {
                    dir.join(journal_name(pick(rng, &journals)))
                };
                flip(rng, &path, 0, &mut what);
            }
        }
        2 => {
            let g = pick(rng, &journals);
            let path = dir.join(journal_name(g));
            let mut data = fs::read(&path).unwrap();
            let at = HEADER_LEN + rng.below((data.len() - HEADER_LEN) as u64) as usize;
            let end = (at + 1 + rng.below(300) as usize).min(data.len());
            data[at..end].fill(0);
            what.push(format!("zero {} bytes {at}..{end}", journal_name(g)));
            fs::write(&path, data).unwrap();
        }
        3 => {
            let g = pick(rng, &journals);
            let path = dir.join(journal_name(g));
            let len = fs::metadata(&path).unwrap().len();
            let at = rng.below(len);
            what.push(format!("truncate {} at {at}", journal_name(g)));
            truncate(&path, at);
        }
        4 => {
            let g = pick(rng, &journals);
            let j = &t.journals[&g];
            let ends: Vec<usize> = std::iter::once(HEADER_LEN)
                .chain(j.frames.iter().map(|f| f.1.end))
                .collect();
            let at = ends[rng.below(ends.len() as u64) as usize];
            what.push(format!(
                "truncate {} on a boundary at {at}",
                journal_name(g)
            ));
            truncate(&dir.join(journal_name(g)), at as u64);
        }
        5 => {
            let g = pick(rng, &journals);
            what.push(format!("delete {}", journal_name(g)));
            fs::remove_file(dir.join(journal_name(g))).unwrap();
        }
        6 => {
            let g = pick(rng, &snaps);
            if rng.below(2) == 0 {
                what.push(format!("delete {}", snapshot_name(g)));
                fs::remove_file(dir.join(snapshot_name(g))).unwrap();
            } else {
                flip(rng, &dir.join(snapshot_name(g)), 0, &mut what);
            }
            if rng.below(2) == 0 {
                let j = pick(rng, &journals);
                flip(rng, &dir.join(journal_name(j)), HEADER_LEN, &mut what);
            }
            if case % 48 == 6 {
                // Every snapshot damaged: nothing to start from.
                for &g in &snaps {
                    flip(rng, &dir.join(snapshot_name(g)), 0, &mut what);
                }
            }
            if rng.below(4) == 0 {
                let j = pick(rng, &journals);
                what.push(format!("delete {}", journal_name(j)));
                let _ = fs::remove_file(dir.join(journal_name(j)));
            }
        }
        _ => {
            let g = pick(rng, &journals);
            let path = dir.join(journal_name(g));
            if rng.below(2) == 0 {
                let at = rng.below(HEADER_LEN as u64);
                what.push(format!(
                    "truncate {} inside its header at {at}",
                    journal_name(g)
                ));
                truncate(&path, at);
            } else {
                flip(rng, &path, 0, &mut what);
                let mut data = fs::read(&path).unwrap();
                let at = rng.below(HEADER_LEN as u64) as usize;
                data[at] ^= 0x10;
                what.push(format!("flip {} header byte {at}", journal_name(g)));
                fs::write(&path, data).unwrap();
            }
        }
    }
    what.join(", ")
}

fn name_of(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

fn truncate(path: &Path, len: u64) {
    let f = fs::OpenOptions::new().write(true).open(path).unwrap();
    f.set_len(len).unwrap();
}

/// What the damaged copy still holds, judged against the truth.
struct Expected {
    base: u64,
    base_seq: u64,
    /// Seqs of intact records after the base that survive untouched.
    surviving: Vec<u64>,
    /// The highest sequence number the surviving files prove (exclusive).
    horizon: u64,
    /// Whether a loss past the horizon can go unseen (see the module doc).
    undetectable: bool,
}

fn expected(dir: &Path, t: &Truth) -> Option<Expected> {
    let unchanged = |path: &Path, want: &[u8]| fs::read(path).is_ok_and(|d| d == want);
    let base = t
        .snapshots
        .iter()
        .rev()
        .find(|(g, bytes)| unchanged(&dir.join(snapshot_name(**g)), bytes))
        .map(|(g, _)| *g)?;
    let base_seq = t.journals[&base].first_seq;
    let mut surviving = Vec::new();
    let mut horizon = base_seq;
    let mut last_present = None;
    for (&g, j) in t.journals.range(base..) {
        let Ok(data) = fs::read(dir.join(journal_name(g))) else {
            continue;
        };
        let intact = |r: &Range<usize>| r.end <= data.len() && data[r.clone()] == j.data[r.clone()];
        let header = intact(&(0..HEADER_LEN));
        last_present = Some((g, data.len(), header));
        if !header {
            continue;
        }
        horizon = horizon.max(j.first_seq);
        for (seq, r) in &j.frames {
            if intact(r) {
                surviving.push(*seq);
                horizon = horizon.max(seq + 1);
            }
        }
        if let Some((seq, r)) = &j.trailer {
            if intact(r) {
                horizon = horizon.max(*seq);
            }
        }
    }
    // Can a loss past the horizon go unseen? Only if the last file left
    // ends cleanly on a frame boundary and nothing proves more existed.
    let undetectable = match last_present {
        Some((g, len, header)) => {
            let j = &t.journals[&g];
            let on_boundary = len == HEADER_LEN || j.frames.iter().any(|f| f.1.end == len);
            let data = fs::read(dir.join(journal_name(g))).unwrap();
            let trailer_intact = j
                .trailer
                .as_ref()
                .is_some_and(|(_, r)| r.end <= data.len() && data[r.clone()] == j.data[r.clone()]);
            header && on_boundary && !trailer_intact
        }
        None => {
            // No journal from the base on: the one before it could prove
            // (by its trailer) that the base's journal existed.
            let prev = base
                .checked_sub(1)
                .and_then(|p| t.journals.get(&p).map(|j| (p, j)));
            !prev.is_some_and(|(p, j)| {
                let data = fs::read(dir.join(journal_name(p))).unwrap_or_default();
                let header = data.len() >= HEADER_LEN && data[..HEADER_LEN] == j.data[..HEADER_LEN];
                header
                    && j.trailer.as_ref().is_some_and(|(_, r)| {
                        r.end <= data.len() && data[r.clone()] == j.data[r.clone()]
                    })
            })
        }
    };
    Some(Expected {
        base,
        base_seq,
        surviving,
        horizon,
        undetectable,
    })
}

fn check(case: u32, what: &str, dir: &Path, t: &Truth, report: &RecoveryReport, e: &Expected) {
    let ctx = || format!("case {case} ({what}):\n{report}");
    assert_eq!(
        report.snapshot.as_ref().map(|s| s.generation),
        Some(e.base),
        "{}",
        ctx()
    );
    assert_eq!(report.snapshot.as_ref().unwrap().first_seq, e.base_seq);
    // Every intact record after the base is replayed.
    assert_eq!(
        report.records_replayed(),
        e.surviving.len() as u64,
        "{}",
        ctx()
    );
    // The counted loss is exactly what is missing below the horizon.
    let missing_below = (e.base_seq..e.horizon)
        .filter(|s| e.surviving.binary_search(s).is_err())
        .count() as u64;
    assert_eq!(report.records_lost(), missing_below, "{}", ctx());
    // A loss past the horizon is flagged, unless no file can show it.
    let lost_past = t.end_seq > e.horizon;
    if lost_past && !e.undetectable {
        assert!(
            report.loss_uncounted(),
            "uncounted loss not flagged: {}",
            ctx()
        );
    }
    if !lost_past && missing_below == 0 {
        assert!(!report.loss_uncounted() || report.damage.iter().any(|d| d.lost_records.is_none()));
    }
    for d in &report.damage {
        let after = e
            .surviving
            .iter()
            .filter(|&&s| s >= d.first_lost_seq)
            .count() as u64;
        assert_eq!(d.recovered_after, after, "{d}: {}", ctx());
        if let Some(p) = &d.kept_aside {
            assert!(p.exists(), "{}", ctx());
            assert!(p.starts_with(dir));
        }
    }
    if report.records_lost() > 0 || report.loss_uncounted() {
        assert!(!report.damage.is_empty());
    }
}

#[test]
fn damaged_copies_recover_every_intact_record_and_count_the_loss() {
    let root = tempfile::tempdir().unwrap();
    let intact = root.path().join("intact");
    write_campaign(&intact);
    let t = truth(&intact);
    assert!(t.journals.len() >= 2, "two generations kept");
    assert!(t.snapshots.len() >= 2);
    assert!(
        t.journals.values().all(|j| j.frames.len() >= 20),
        "every journal holds records"
    );
    let mut rng = Rng(0xD1A1_C0DE_5EED_0001);
    let mut outcomes = [0u32; 3];
    let mut salvaged = 0u32;
    let mut uncounted = 0u32;
    for case in 0..320u32 {
        let dir = root.path().join(format!("case-{case}"));
        copy_dir(&t.dir, &dir);
        let what = damage(&dir, &t, case, &mut rng);
        let want = expected(&dir, &t);
        let opened = catch_unwind(AssertUnwindSafe(|| {
            Campaign::open_with(&dir, cfg(), options(0))
        }))
        .unwrap_or_else(|_| panic!("case {case} ({what}): recovery panicked"));
        match (opened, want) {
            (Ok((c, report)), Some(e)) => {
                check(case, &what, &dir, &t, &report, &e);
                assert_eq!(c.store().counts(), &c.store().recount());
                outcomes[usize::from(report.is_damaged())] += 1;
                salvaged +=
                    u32::from(report.records_lost() > 0 && report.recovered_after_damage() > 0);
                uncounted += u32::from(report.loss_uncounted());
                drop(c);
                if case % 4 == 0 {
                    // The recovered directory is clean from now on.
                    let (_, again) = Campaign::open_with(&dir, cfg(), options(0))
                        .unwrap_or_else(|e| panic!("case {case} ({what}): reopen: {e}"));
                    assert!(again.damage.is_empty(), "case {case} ({what}):\n{again}");
                    assert!(
                        again.skipped_files.is_empty(),
                        "case {case} ({what}):\n{again}"
                    );
                }
            }
            (Err(err @ OpenError::MissingSnapshot { .. }), None) => {
                // No snapshot left: the error names each damaged one present.
                let msg = err.to_string();
                for &g in t.snapshots.keys() {
                    if dir.join(snapshot_name(g)).exists() {
                        assert!(
                            msg.contains(&snapshot_name(g)),
                            "case {case} ({what}): {msg}"
                        );
                    }
                }
                outcomes[2] += 1;
            }
            (Ok((_, report)), None) => {
                panic!("case {case} ({what}): opened without a snapshot:\n{report}")
            }
            (Err(err), _) => panic!("case {case} ({what}): {err}"),
        }
        fs::remove_dir_all(&dir).unwrap();
    }
    // The cases cover clean-looking, damaged and unrecoverable copies.
    assert!(outcomes[1] >= 150, "{outcomes:?}");
    assert!(outcomes[2] >= 1, "{outcomes:?}");
    // Many copies lost records in the middle and recovered what followed.
    assert!(salvaged >= 60, "{salvaged} salvaged, {outcomes:?}");
    assert!(uncounted >= 20, "{uncounted} uncounted, {outcomes:?}");
    eprintln!("outcomes (clean, damaged, no snapshot) {outcomes:?}; {salvaged} salvaged past a counted loss; {uncounted} with an uncounted tail");
}
