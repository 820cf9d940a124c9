//! `dialcore records` and `dialcore audit` on the data directory
//! `dialcore simulate --data-dir` leaves, and on one whose journal history
//! was tampered with (a dial outside the window, a dial to a blacklisted
//! number), which the audit must fail.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use dialcore::journal::{read_journal, FsyncPolicy, JournalWriter};
use dialcore::records::COLUMNS;
use serde_json::Value;

fn dialcore(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dialcore"))
        .args(args)
        .env_remove("RUST_BACKTRACE")
        .output()
        .expect("the dialcore binary runs")
}

fn scratch(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("records-{test}"));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("UTF-8")
}

/// A small weekday-window campaign simulated into `dir/data`; returns the
/// data directory, the scenario file and the simulator's dial count.
fn simulated(dir: &Path) -> (String, String, u64) {
    let scenario = dir.join("windowed.toml");
    fs::write(
        &scenario,
        "name = \"windowed\"\ncontacts = 300\noperators = 4\nseed = 3\n\
         calling_window = \"Mon-Fri 09:00-21:00\"\n",
    )
    .unwrap();
    let data = dir.join("data").display().to_string();
    let scenario = scenario.display().to_string();
    let out = dialcore(&[
        "simulate",
        "--scenario",
        &scenario,
        "--data-dir",
        &data,
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let dials = report["dials"].as_u64().expect("dials in the report");
    assert!(dials > 300, "every contact dialed at least once: {dials}");
    (data, scenario, dials)
}

/// The CSV rows (header checked), split into fields.
fn rows(csv: &str) -> Vec<Vec<String>> {
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some(COLUMNS.join(",").as_str()));
    lines
        .map(|l| {
            let fields: Vec<String> = l.split(',').map(str::to_owned).collect();
            assert_eq!(fields.len(), COLUMNS.len(), "{l}");
            fields
        })
        .collect()
}

fn col(name: &str) -> usize {
    COLUMNS.iter().position(|c| *c == name).unwrap()
}

#[test]
fn records_of_a_simulated_campaign_are_one_per_dial_and_filter_by_time() {
    let dir = scratch("simulated");
    let (data, scenario, dials) = simulated(&dir);
    let out = dialcore(&["records", &data, "--scenario", &scenario]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let all = rows(&stdout(&out));
    assert_eq!(
        all.len() as u64,
        dials,
        "one record per dial the simulator counted"
    );
    for r in &all {
        assert_eq!(r[col("campaign")], "data");
        assert_eq!(r[col("in_window")], "true");
        assert_eq!(r[col("blacklisted_at_dial")], "false");
        assert!(r[col("dial_at")].ends_with('Z'));
        let hour: u32 = r[col("dial_at")][11..13].parse().unwrap();
        assert!(
            (9..21).contains(&hour),
            "dialed inside Mon-Fri 09-21: {r:?}"
        );
    }
    let connected = all
        .iter()
        .filter(|r| r[col("outcome")] == "Connected")
        .count();
    assert!(connected > 0 && all.iter().any(|r| !r[col("operator")].is_empty()));

    // A time range keeps exactly the dials inside it.
    let (from, to) = ("2026-01-05T10:00:00Z", "2026-01-05T12:00:00Z");
    let out = dialcore(&[
        "records",
        &data,
        "--scenario",
        &scenario,
        "--from",
        from,
        "--to",
        to,
    ]);
    assert!(out.status.success());
    let part = rows(&stdout(&out));
    let expected = all
        .iter()
        .filter(|r| {
            let t = &r[col("dial_at")];
            t.as_str() >= "2026-01-05T10:00:00.000Z" && t.as_str() < "2026-01-05T12:00:00.000Z"
        })
        .count();
    assert!(expected > 0);
    assert_eq!(part.len(), expected);

    // Another mode than the campaign ran with is refused, naming the field.
    let out = dialcore(&[
        "records",
        &data,
        "--scenario",
        &scenario,
        "--mode",
        "preview",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("mode"));
}

#[cfg(feature = "parquet")]
#[test]
fn parquet_records_read_back_with_the_same_rows_and_columns() {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    let dir = scratch("parquet");
    let (data, scenario, dials) = simulated(&dir);
    let file = dir.join("records.parquet");
    let file_s = file.display().to_string();
    let out = dialcore(&[
        "records",
        &data,
        "--scenario",
        &scenario,
        "--format",
        "parquet",
        "--out",
        &file_s,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let reader = SerializedFileReader::new(fs::File::open(&file).unwrap()).unwrap();
    let meta = reader.metadata().file_metadata();
    assert_eq!(meta.num_rows() as u64, dials);
    let names: Vec<&str> = meta
        .schema_descr()
        .columns()
        .iter()
        .map(|c| c.name())
        .collect();
    assert_eq!(names, COLUMNS);
    let version = meta
        .key_value_metadata()
        .and_then(|kv| {
            kv.iter()
                .find(|k| k.key == "dialcore.record_format_version")
        })
        .and_then(|k| k.value.clone());
    assert_eq!(version.as_deref(), Some("2"));
    // Parquet without --out is refused.
    let out = dialcore(&[
        "records",
        &data,
        "--scenario",
        &scenario,
        "--format",
        "parquet",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn audit_of_a_simulated_campaign_passes_and_writes_markdown_and_html() {
    let dir = scratch("audit-pass");
    let (data, scenario, dials) = simulated(&dir);
    let report = dir.join("report").display().to_string();
    let out = dialcore(&[
        "audit",
        &data,
        "--scenario",
        &scenario,
        "--out-dir",
        &report,
    ]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("**PASSED**"));
    assert!(
        text.contains(&format!("{dials} records for {dials} dials counted")),
        "{text}"
    );
    assert!(text.contains("0 of"), "{text}");
    assert!(
        text.contains("## Contacts held back, by reason\n\n| reason | hold-backs |"),
        "{text}"
    );
    for reason in dialcore::records::HoldReason::ALL {
        assert!(
            text.contains(&format!("\n| {reason} | ")),
            "{reason}: {text}"
        );
    }
    let md = fs::read_to_string(dir.join("report/audit.md")).unwrap();
    assert_eq!(md, text);
    let html = fs::read_to_string(dir.join("report/audit.html")).unwrap();
    assert!(html.contains("<svg") && html.contains("<rect") && html.contains("PASSED"));
}

/// Appends one journal record made of `sub` (raw sub-records) to the
/// newest journal of `data`.
fn inject(data: &Path, sub: &[u8]) {
    let journal = data.join("journal-00000000.dcj");
    let read = read_journal(&journal).unwrap();
    let mut w = JournalWriter::open_append(
        &journal,
        read.valid_len,
        read.next_seq(),
        FsyncPolicy::Never,
    )
    .unwrap();
    w.append(|b| b.extend_from_slice(sub));
    w.sync().unwrap();
}

fn tick(at: u64) -> Vec<u8> {
    let mut b = vec![1];
    b.extend_from_slice(&at.to_le_bytes());
    b
}

/// A dialed fact and the contact's Calling row.
fn dial(id: u32, attempts: u8) -> Vec<u8> {
    let mut b = vec![8, 1];
    b.extend_from_slice(&id.to_le_bytes());
    b.push(2);
    b.extend_from_slice(&id.to_le_bytes());
    b.extend_from_slice(&[7, attempts, 0, 1]);
    b
}

#[test]
fn audit_fails_on_a_history_with_a_dial_outside_the_window_and_one_to_a_blacklisted_number() {
    let dir = scratch("audit-broken");
    let (data, scenario, _) = simulated(&dir);
    let data_path = Path::new(&data);
    let _ = fs::remove_file(data_path.join("LOCK"));
    // Hold-backs are counted per reason: two daily-cap hold-backs injected
    // (kind 16: reason 3, contact 2) add two to the table's row.
    let daily_cap = |text: &str| -> u64 {
        let row = text
            .lines()
            .find(|l| l.starts_with("| daily_cap | "))
            .unwrap_or_else(|| panic!("no daily_cap row: {text}"));
        row.trim_start_matches("| daily_cap | ")
            .trim_end_matches(" |")
            .parse()
            .unwrap()
    };
    let first = dir.join("first").display().to_string();
    let before = daily_cap(&stdout(&dialcore(&[
        "audit",
        &data,
        "--scenario",
        &scenario,
        "--out-dir",
        &first,
    ])));
    inject(data_path, &[16, 3, 2, 0, 0, 0, 16, 3, 2, 0, 0, 0]);
    // Sunday 1 February 2026, 03:00 UTC (after the run): outside Mon-Fri 09:00-21:00.
    let night = 1_769_914_800_000u64;
    inject(data_path, &[tick(night), dial(0, 2)].concat());
    // Contact 1's number blacklisted, then dialed on Monday at noon.
    let out = dialcore(&["records", &data, "--scenario", &scenario]);
    let number: u64 = rows(&stdout(&out))
        .iter()
        .find(|r| r[col("contact_id")] == "1")
        .map(|r| r[col("number")].parse().unwrap())
        .unwrap();
    let mut black = vec![6, 1];
    black.extend_from_slice(&number.to_le_bytes());
    inject(data_path, &black);
    inject(
        data_path,
        &[tick(night + 33 * 3_600_000), dial(1, 3)].concat(),
    );

    let report = dir.join("report").display().to_string();
    let out = dialcore(&[
        "audit",
        &data,
        "--scenario",
        &scenario,
        "--out-dir",
        &report,
    ]);
    let text = stdout(&out);
    assert_eq!(
        out.status.code(),
        Some(3),
        "a broken rule fails the audit: {text}"
    );
    assert!(text.contains("**FAILED**"));
    assert!(
        text.contains("| Calls outside the contact's calling window | **FAIL** | 1 of"),
        "{text}"
    );
    assert!(
        text.contains("2026-02-01T03:00:00.000Z contact 0 (external id \"\")"),
        "the dial is listed: {text}"
    );
    assert!(
        text.contains("| Dials to numbers blacklisted at dial time | **FAIL** | 1 dials"),
        "{text}"
    );
    assert!(text.contains(&format!(
        "2026-02-02T12:00:00.000Z contact 1 (external id \"\") number +{number}"
    )));
    // The other rules still hold.
    assert!(
        text.contains("| Per-contact and per-number caps respected | pass |"),
        "{text}"
    );
    assert_eq!(daily_cap(&text), before + 2, "{text}");
    let html = fs::read_to_string(dir.join("report/audit.html")).unwrap();
    assert!(html.contains("class=\"fail\""));
}

/// A campaign of the built-in scenario run into `dir` with a snapshot every
/// 60 records and the retention given.
fn snapshotted(dir: &Path, retention: dialcore::JournalRetention) -> u64 {
    let s = dialcore_sim::Scenario {
        contacts: 150,
        operators: 3,
        seed: 5,
        ..dialcore_sim::Scenario::default()
    };
    let options = dialcore::DurableOptions {
        fsync: FsyncPolicy::Never,
        snapshot_every_records: 60,
        journal_retention: retention,
        ..dialcore::DurableOptions::default()
    };
    let (report, _, _) = dialcore_sim::run_durable(&s, dir, options, None, &mut |_| {}).unwrap();
    report.dials
}

#[test]
fn audit_of_archived_journals_keeps_every_record_and_of_pruned_ones_names_the_range_gone() {
    let root = scratch("audit-retention");
    let kept = root.join("kept");
    let dials = snapshotted(&kept, dialcore::JournalRetention::Archive);
    assert!(kept.join("archive").is_dir(), "journals were archived");
    let report = root.join("kept-report").display().to_string();
    let out = dialcore(&["audit", &kept.display().to_string(), "--out-dir", &report]);
    let text = stdout(&out);
    assert!(
        text.contains(&format!(
            "| Records kept for every call | pass | {dials} records for {dials} dials counted"
        )),
        "{text}"
    );

    let pruned = root.join("pruned");
    let dials = snapshotted(&pruned, dialcore::JournalRetention::Prune);
    assert!(!pruned.join("archive").exists());
    let records = dialcore::records::read_records(
        &pruned,
        dialcore_sim::Scenario::default().campaign_config().unwrap(),
        None,
    )
    .unwrap();
    let gone = records.dials_before;
    let g = records.first_generation;
    assert!(
        gone > 0 && g > 1,
        "the run pruned journals: {gone} dials, generation {g}"
    );
    assert_eq!(gone + records.attempts.len() as u64, dials);
    let first = dialcore::records::format_time(records.attempts[0].dial_at);
    let report = root.join("pruned-report").display().to_string();
    let out = dialcore(&["audit", &pruned.display().to_string(), "--out-dir", &report]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(3), "{text}");
    assert!(
        text.contains("| Records kept for every call | **FAIL** |"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "- attempts 1 to {gone} of the campaign (in the journals before generation {g}, \
             pruned after snapshots; every dial before {first}) are gone"
        )),
        "{text}"
    );
}
