//! Behaviour tests of the `dialcore` binary, run as a process.
//!
//! Simulations here are small (2000 contacts, 5 operators) so the whole
//! suite stays well under a minute in the test profile.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use dialcore::State;
use serde_json::Value;

/// The arguments of a small, seeded simulation.
const SMALL: [&str; 6] = ["--contacts", "2000", "--operators", "5", "--seed", "7"];

/// Runs the binary with `args`.
fn dialcore(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dialcore"))
        .args(args)
        .env_remove("RUST_BACKTRACE")
        .output()
        .expect("the dialcore binary runs")
}

/// A file under `tests/data/`.
fn data(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
        .display()
        .to_string()
}

/// A fresh scratch directory for one test.
fn scratch(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(test);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Asserts a successful run whose stdout is exactly one JSON object; returns it.
fn json_ok(out: &Output) -> Value {
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout: {}\nstderr: {}",
        stdout(out),
        stderr(out)
    );
    let text = stdout(out);
    let value: Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("stdout is not one JSON value ({e}): {text}"));
    assert!(value.is_object(), "{value}");
    value
}

/// Asserts a usage/input error: exit code 2, a message naming `needle`, no panic.
fn assert_input_error(out: &Output, needle: &str) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(2), "stderr: {err}");
    assert!(
        err.contains(needle),
        "stderr does not name {needle:?}: {err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    assert!(!err.contains("RUST_BACKTRACE"), "{err}");
    assert!(stdout(out).is_empty(), "stdout: {}", stdout(out));
}

/// `simulate --json` with `extra` arguments after the small run's.
fn simulate_json(extra: &[&str]) -> Value {
    let mut args = vec!["simulate", "--json"];
    args.extend_from_slice(&SMALL);
    args.extend_from_slice(extra);
    json_ok(&dialcore(&args))
}

/// The report's counts per state, checked to name known states.
fn counts(report: &Value) -> BTreeMap<State, u64> {
    report["counts"]
        .as_object()
        .expect("counts is an object")
        .iter()
        .map(|(name, n)| {
            let state = State::from_name(name).unwrap_or_else(|| panic!("unknown state {name}"));
            (state, n.as_u64().expect("a count"))
        })
        .collect()
}

fn count(report: &Value, state: State) -> u64 {
    counts(report).get(&state).copied().unwrap_or(0)
}

/// Every contact terminal, counts summing to the contact count.
fn assert_complete(report: &Value, contacts: u64) {
    let counts = counts(report);
    for (state, n) in &counts {
        if !state.is_terminal() {
            assert_eq!(*n, 0, "{state:?} is not terminal: {report}");
        }
    }
    assert_eq!(counts.values().sum::<u64>(), contacts, "{report}");
    assert_eq!(report["contacts"], contacts, "{report}");
    assert_eq!(report["finished"], true, "{report}");
}

#[test]
fn simulate_runs_every_mode_to_completion() {
    for mode in ["preview", "progressive", "predictive"] {
        let report = simulate_json(&["--mode", mode]);
        for key in [
            "counts",
            "abandon_rate",
            "occupancy",
            "contacts",
            "operators",
            "mode",
            "simulated_s",
            "events",
            "wall_s",
        ] {
            assert!(report.get(key).is_some(), "{mode}: no {key:?} in {report}");
        }
        assert_eq!(report["mode"], mode);
        assert_eq!(report["operators"], 5);
        assert_complete(&report, 2000);
        assert!(report["events"].as_u64().unwrap() > 2000, "{report}");
        assert!(report["simulated_s"].as_f64().unwrap() > 0.0, "{report}");
        assert!(report["wall_s"].as_f64().unwrap() >= 0.0, "{report}");
        let rate = report["abandon_rate"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&rate), "{report}");
        let occupancy = report["occupancy"].as_f64().unwrap();
        assert!(occupancy > 0.0 && occupancy <= 1.0, "{report}");
        assert!(count(&report, State::Success) > 0, "{mode}: {report}");
    }
}

#[test]
fn the_same_seed_gives_the_same_report() {
    let without_wall = |mut v: Value| {
        v.as_object_mut().unwrap().remove("wall_s").expect("wall_s");
        v
    };
    let first = without_wall(simulate_json(&["--mode", "predictive"]));
    let second = without_wall(simulate_json(&["--mode", "predictive"]));
    assert_eq!(first, second);
    let other = without_wall(json_ok(&dialcore(&[
        "simulate",
        "--json",
        "--contacts",
        "2000",
        "--operators",
        "5",
        "--seed",
        "8",
        "--mode",
        "predictive",
    ])));
    assert_ne!(first, other, "another seed gives another run");
}

#[test]
fn preview_declines_are_rejected_by_operator_never_canceled_by_client() {
    let scenario = data("preview_decline.toml");
    let report = simulate_json(&["--scenario", &scenario]);
    assert_eq!(report["mode"], "preview");
    assert_complete(&report, 2000);
    assert!(count(&report, State::RejectedByOperator) > 0, "{report}");
    assert_eq!(count(&report, State::CanceledByClient), 0, "{report}");
}

#[test]
fn impatient_clients_in_predictive_mode_cancel() {
    let scenario = data("predictive_impatient.toml");
    let report = simulate_json(&["--scenario", &scenario]);
    assert_eq!(report["mode"], "predictive");
    assert_complete(&report, 2000);
    assert!(count(&report, State::CanceledByClient) > 0, "{report}");
    assert!(report["abandon_rate"].as_f64().unwrap() > 0.0, "{report}");
    assert_eq!(count(&report, State::RejectedByOperator), 0, "{report}");
}

#[test]
fn command_line_overrides_the_scenario_file() {
    let scenario = data("preview_decline.toml");
    let report = simulate_json(&["--scenario", &scenario, "--mode", "progressive"]);
    assert_eq!(report["mode"], "progressive");
    assert_eq!(count(&report, State::RejectedByOperator), 0, "{report}");
}

#[test]
fn an_override_mends_a_value_the_file_gets_wrong() {
    // The file says 0 contacts; the command line's value is the one checked.
    let scenario = data("zero_contacts.toml");
    let report = json_ok(&dialcore(&[
        "simulate",
        "--json",
        "--scenario",
        &scenario,
        "--contacts",
        "50",
    ]));
    assert_eq!(report["contacts"], 50, "{report}");
    assert_eq!(report["operators"], 3, "{report}");
}

#[test]
fn until_stops_the_run_early() {
    let report = simulate_json(&["--until", "0.25"]);
    assert_eq!(report["finished"], false, "{report}");
    let simulated = report["simulated_s"].as_f64().unwrap();
    assert!(simulated <= 0.25 * 3600.0 + 1.0, "{report}");
    assert_eq!(counts(&report).values().sum::<u64>(), 2000);
}

#[test]
fn timeseries_has_a_header_and_a_row_per_simulated_minute() {
    let dir = scratch("timeseries");
    let path = dir.join("out.csv");
    let path_arg = path.display().to_string();
    let report = simulate_json(&["--timeseries", &path_arg]);
    let csv = std::fs::read_to_string(&path).expect("the time series was written");
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("minute,ready_operators,calls_in_flight,answered,abandoned,cumulative_abandon_rate")
    );
    let minutes: Vec<u64> = lines
        .map(|line| {
            let fields: Vec<&str> = line.split(',').collect();
            assert_eq!(fields.len(), 6, "{line}");
            fields[0].parse().expect("a minute number")
        })
        .collect();
    assert!(!minutes.is_empty());
    for pair in minutes.windows(2) {
        assert_eq!(pair[1], pair[0] + 1, "consecutive minutes");
    }
    assert_eq!(minutes[0], 0, "row m is the state at start + m minutes");
    let simulated_min = report["simulated_s"].as_f64().unwrap() / 60.0;
    assert_eq!(
        *minutes.last().unwrap(),
        simulated_min.floor() as u64,
        "one row per simulated minute, {simulated_min:.2} minutes simulated"
    );
}

#[test]
fn text_report_shows_states_and_throughput() {
    let mut args = vec!["simulate"];
    args.extend_from_slice(&SMALL);
    let out = dialcore(&args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("Success"), "{text}");
    assert!(text.contains("wall time"), "{text}");
    assert!(text.contains("events/s"), "{text}");
    assert!(text.contains("simulated s per wall s"), "{text}");
    assert!(
        !stderr(&out).contains('\r'),
        "no progress bar when not on a terminal"
    );
}

#[test]
fn check_counts_a_messy_list() {
    let out = dialcore(&[
        "check",
        &data("messy.csv"),
        "--country-code",
        "49",
        "--blacklist",
        &data("blacklist.txt"),
        "--json",
    ]);
    let report = json_ok(&out);
    // Line 10 opens a quote that never closes: lines 10-11 are one row.
    assert_eq!(report["rows"], 9, "{report}");
    assert_eq!(report["valid"], 3, "{report}");
    assert_eq!(report["invalid"], 3, "{report}");
    assert_eq!(
        report["invalid_reasons"],
        serde_json::json!({"blank": 1, "letters": 1, "too_short": 1})
    );
    assert_eq!(report["blacklisted"], 1, "{report}");
    assert_eq!(report["duplicates_in_file"], 2, "{report}");
    assert_eq!(report["malformed"], 2, "{report}");
    assert_eq!(report["ignored_columns"], serde_json::json!(["notes"]));
    let lines: Vec<(u64, &str)> = report["bad_rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["line"].as_u64().unwrap(), r["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(
        lines,
        vec![
            (3, "invalid"),
            (4, "invalid"),
            (5, "invalid"),
            (9, "malformed"),
            (10, "malformed")
        ]
    );
    assert_eq!(report["bad_rows"][0]["phone"], "555-CALL-NOW");
    assert_eq!(report["blacklist"]["numbers"], 1);
    assert_eq!(report["blacklist"]["invalid_lines"], 1);
}

#[test]
fn check_text_report_lists_bad_rows_with_line_numbers() {
    let out = dialcore(&["check", &data("messy.csv"), "--country-code", "49"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains(": 9 rows"), "{text}");
    assert!(
        text.contains("line 3: invalid number \"555-CALL-NOW\""),
        "{text}"
    );
    assert!(
        text.contains("line 9: malformed row: expected 3 fields, found 2"),
        "{text}"
    );
    assert!(
        text.contains(
            "line 10: malformed row: a quoted field is not closed before the end of the \
             input (read as one row up to line 11)"
        ),
        "{text}"
    );
}

/// `check --rows` on `csv` (written to a scratch file) with `extra` arguments:
/// the JSON lines it prints.
fn check_rows(test: &str, csv: &[u8], extra: &[&str]) -> Vec<Value> {
    let path = scratch(test).join("list.csv");
    std::fs::write(&path, csv).unwrap();
    let path = path.display().to_string();
    let mut args = vec!["check", "--rows", path.as_str()];
    args.extend_from_slice(extra);
    let out = dialcore(&args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    stdout(&out)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect()
}

#[test]
fn check_rows_prints_one_object_per_input_row_in_order() {
    let csv = std::fs::read(data("messy.csv")).unwrap();
    let rows = check_rows(
        "check_rows_messy",
        &csv,
        &[
            "--country-code",
            "49",
            "--blacklist",
            &data("blacklist.txt"),
        ],
    );
    use serde_json::json;
    assert_eq!(
        rows,
        vec![
            json!({"line": 2, "status": "valid", "e164": "+49301234567", "reason": null}),
            json!({"line": 3, "status": "invalid", "e164": null, "reason": "letters"}),
            json!({"line": 4, "status": "invalid", "e164": null, "reason": "blank"}),
            json!({"line": 5, "status": "invalid", "e164": null, "reason": "too_short"}),
            json!({"line": 6, "status": "duplicate", "e164": "+49301234567",
                   "reason": "same number as line 2"}),
            json!({"line": 7, "status": "duplicate", "e164": "+49301234567",
                   "reason": "same number as line 2"}),
            json!({"line": 8, "status": "blacklisted", "e164": "+49309999999",
                   "reason": "the number is on the blacklist"}),
            json!({"line": 9, "status": "malformed", "e164": null,
                   "reason": "expected 3 fields, found 2"}),
            json!({"line": 10, "status": "malformed", "e164": null,
                   "reason": "a quoted field is not closed before the end of the input \
                              (read as one row up to line 11)"}),
        ]
    );
}

#[test]
fn check_rows_accounts_for_every_row_of_a_hard_list() {
    // Inch marks, CR-only and CRLF line ends, a 40-line quoted note, a
    // conflicting time zone: every data row comes out once, in order.
    let mut csv = b"phone,notes,timezone\r".to_vec();
    csv.extend_from_slice(b"+49 30 1111111,55\" screen,\r\n");
    let note: Vec<String> = (0..40).map(|i| format!("note {i}")).collect();
    csv.extend_from_slice(format!("+49 30 2222222,\"{}\",\n", note.join("\n")).as_bytes());
    csv.extend_from_slice(b"+49 30 3333333,x,Mars/Base\r");
    csv.extend_from_slice(b"+49 30 1111111,12\" tv,");
    let rows = check_rows("check_rows_hard", &csv, &[]);
    let lines: Vec<(u64, &str)> = rows
        .iter()
        .map(|r| (r["line"].as_u64().unwrap(), r["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        lines,
        vec![
            (2, "valid"),
            (3, "valid"),
            (43, "malformed"),
            (44, "duplicate")
        ]
    );
    assert_eq!(rows[2]["reason"], "unknown time zone \"Mars/Base\"");
}

#[test]
fn check_rows_and_json_do_not_mix_and_header_conflicts_are_named() {
    let path = scratch("check_rows_conflict").join("two_phones.csv");
    std::fs::write(&path, "phone,Phone\n1,2\n").unwrap();
    let path = path.display().to_string();
    assert_input_error(
        &dialcore(&["check", "--rows", &path]),
        "2 columns named \"phone\" (\"phone\", \"Phone\")",
    );
    assert_input_error(&dialcore(&["check", &path]), "keep one");
    let out = dialcore(&["check", "--rows", "--json", &path]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--json"), "{}", stderr(&out));
}

#[test]
fn check_lists_at_most_twenty_bad_rows() {
    let dir = scratch("many_bad_rows");
    let path = dir.join("bad.csv");
    let mut csv = String::from("phone\n");
    for i in 0..30 {
        csv.push_str(&format!("12{i}\n"));
    }
    std::fs::write(&path, csv).unwrap();
    let report = json_ok(&dialcore(&["check", &path.display().to_string(), "--json"]));
    assert_eq!(report["invalid"], 30);
    assert_eq!(report["bad_rows_total"], 30);
    assert_eq!(report["bad_rows"].as_array().unwrap().len(), 20);
    assert_eq!(report["bad_rows"][19]["line"], 21);
}

#[test]
fn check_fails_on_a_file_it_cannot_read() {
    let missing = data("no-such-list.csv");
    assert_input_error(&dialcore(&["check", &missing]), "no-such-list.csv");
    assert_input_error(
        &dialcore(&["check", &data("no_phone.csv")]),
        "no \"phone\" column",
    );
    assert_input_error(
        &dialcore(&[
            "check",
            &data("messy.csv"),
            "--blacklist",
            &data("no-such-registry.txt"),
        ]),
        "no-such-registry.txt",
    );
}

#[test]
fn bad_arguments_are_named() {
    assert_input_error(&dialcore(&["simulate", "--mode", "nonsense"]), "nonsense");
    assert_input_error(&dialcore(&["simulate", "--contacts", "0"]), "--contacts");
    assert_input_error(&dialcore(&["simulate", "--operators", "0"]), "--operators");
    assert_input_error(&dialcore(&["simulate", "--until", "-1"]), "--until");
    assert_input_error(&dialcore(&["simulate", "--until", "0"]), "--until");
    assert_input_error(&dialcore(&["simulate", "--contacts", "-5"]), "--contacts");
    assert_input_error(&dialcore(&["simulate", "--seed", "x"]), "x");
    assert_input_error(
        &dialcore(&["simulate", "--scenario", &data("unknown_field.toml")]),
        "frobnicate_level",
    );
    assert_input_error(
        &dialcore(&["simulate", "--scenario", &data("bad_probability.toml")]),
        "1.5",
    );
    assert_input_error(
        &dialcore(&["simulate", "--scenario", &data("bad_probability.toml")]),
        "p_human",
    );
    assert_input_error(
        &dialcore(&["simulate", "--scenario", &data("no-such-scenario.toml")]),
        "no-such-scenario.toml",
    );
    assert_input_error(&dialcore(&["check", "x.csv", "--country-code", "0"]), "0");
    assert_input_error(&dialcore(&["frobnicate"]), "frobnicate");
}

#[test]
fn an_unwritable_timeseries_path_is_an_input_error() {
    let out = dialcore(&[
        "simulate",
        "--contacts",
        "10",
        "--timeseries",
        "/no/such/dir/out.csv",
    ]);
    assert_input_error(&out, "/no/such/dir/out.csv");
}

/// `simulate --data-dir DIR --json` with the small run's arguments.
fn simulate_durable_json(dir: &Path, extra: &[&str]) -> Value {
    let dir = dir.display().to_string();
    let mut args = vec!["simulate", "--json", "--data-dir", &dir];
    args.extend_from_slice(&SMALL);
    args.extend_from_slice(extra);
    json_ok(&dialcore(&args))
}

#[test]
fn a_data_dir_run_stopped_by_until_resumes_to_completion() {
    let dir = scratch("durable_resume").join("data");
    let first = simulate_durable_json(&dir, &["--until", "0.25", "--snapshot-every", "2000"]);
    assert_eq!(first["stop_reason"], "time_limit", "{first}");
    assert_eq!(first["finished"], false, "{first}");
    let recovery = &first["recovery"];
    assert_eq!(recovery["fresh"], true, "{first}");
    assert_eq!(recovery["reconciled"], 0, "{first}");
    assert_eq!(recovery["damage"], Value::Array(vec![]), "{first}");
    assert_eq!(recovery["skipped_files"], Value::Array(vec![]), "{first}");
    assert_eq!(first["snapshot_error"], Value::Null, "{first}");
    let done_first: u64 = counts(&first)
        .iter()
        .filter(|(s, _)| s.is_terminal())
        .map(|(_, n)| n)
        .sum();
    assert!(done_first < 2000, "{first}");

    // The same command without --until continues the campaign.
    let second = simulate_durable_json(&dir, &["--fsync", "always"]);
    let recovery = &second["recovery"];
    assert_eq!(recovery["fresh"], false, "{second}");
    assert_eq!(recovery["contacts"], 2000, "{second}");
    assert!(
        recovery["snapshot_generation"].as_u64().is_some()
            || recovery["records_replayed"].as_u64().unwrap() > 0,
        "something was recovered: {second}"
    );
    assert_eq!(second["stop_reason"], "finished", "{second}");
    assert_complete(&second, 2000);
    let done_second = counts(&second)
        .iter()
        .filter(|(s, _)| s.is_terminal())
        .map(|(_, n)| n)
        .sum::<u64>();
    assert!(done_second > done_first, "the second run went on");

    // A finished campaign resumed: the recovery report comes first.
    let dir_arg = dir.display().to_string();
    let mut args = vec!["simulate", "--data-dir", &dir_arg];
    args.extend_from_slice(&SMALL);
    let out = dialcore(&args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with(&format!("data directory: {dir_arg}\n")),
        "{text}"
    );
    assert!(text.contains("reconciled live contacts: 0"), "{text}");
    assert!(text.contains("stopped: finished"), "{text}");

    // inspect sees the finished campaign, the same counts.
    let inspected = json_ok(&dialcore(&["inspect", &dir_arg, "--json"]));
    assert_eq!(inspected["contacts"], 2000, "{inspected}");
    assert_eq!(inspected["counts"], second["counts"], "{inspected}");
    assert_eq!(inspected["recovery"]["fresh"], false, "{inspected}");
    assert_eq!(inspected["paused"], false, "{inspected}");
    assert_eq!(inspected["canceled"], false, "{inspected}");
    assert_eq!(inspected["blacklist"], 0, "{inspected}");
    assert_eq!(inspected["operators"], 5, "{inspected}");
    assert_eq!(inspected["attempts"], second["dials"], "{inspected}");
    assert!(inspected["recovery"]["journals"].is_array(), "{inspected}");

    let out = dialcore(&["inspect", &dir_arg]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with(&format!("data directory: {dir_arg}\n")),
        "{text}"
    );
    for state in State::ALL {
        assert!(text.contains(state.name()), "no {state:?} in {text}");
    }
    for line in [
        "attempts",
        "blacklisted numbers",
        "operators",
        "paused",
        "canceled",
    ] {
        assert!(text.contains(line), "no {line:?} in {text}");
    }
    let success_line = format!(
        "  {:<22}{:>10}\n",
        "Success",
        count(&second, State::Success)
    );
    assert!(text.contains(&success_line), "{text}");
}

#[test]
fn a_run_whose_snapshots_fail_warns_reports_and_exits_non_zero() {
    let dir = scratch("durable_snapshot_fails").join("data");
    // A directory where the snapshot's temporary file must go: every
    // snapshot fails (tests run as root, so file modes would not).
    std::fs::create_dir_all(dir.join("snapshot-00000001.dcs.tmp/x")).unwrap();
    let dir_arg = dir.display().to_string();
    let mut args = vec![
        "simulate",
        "--json",
        "--data-dir",
        &dir_arg,
        "--snapshot-every",
        "500",
    ];
    args.extend_from_slice(&SMALL);
    let out = dialcore(&args);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("warning: snapshot failed"), "{err}");
    assert!(err.contains("snapshot-00000001.dcs"), "{err}");
    assert!(err.contains("could not be made durable"), "{err}");
    // The report is still printed, with the error in it.
    let report: Value = serde_json::from_str(&stdout(&out)).expect("JSON report");
    let e = report["snapshot_error"].as_str().expect("snapshot_error");
    assert!(e.contains("snapshot-00000001.dcs"), "{e}");
    assert_eq!(
        report["stop_reason"], "finished",
        "dialing went on: {report}"
    );
}

#[test]
fn inspect_and_simulate_list_damage_and_skipped_files() {
    let dir = scratch("durable_damage").join("data");
    let dir_arg = dir.display().to_string();
    let first = simulate_durable_json(&dir, &["--until", "0.25", "--snapshot-every", "3000"]);
    assert_eq!(first["stop_reason"], "time_limit", "{first}");
    let mut newest = None;
    for e in std::fs::read_dir(&dir).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        if name.starts_with("journal-") && name.ends_with(".dcj") {
            newest = newest.max(Some(name));
        }
    }
    let journal = dir.join(newest.expect("a journal"));
    let mut bytes = std::fs::read(&journal).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x08;
    std::fs::write(&journal, &bytes).unwrap();
    let inspected = json_ok(&dialcore(&["inspect", &dir_arg, "--json"]));
    let damage = inspected["recovery"]["damage"]
        .as_array()
        .expect("damage list");
    assert_eq!(damage.len(), 1, "{inspected}");
    assert_eq!(damage[0]["lost_records"], 1, "{inspected}");
    assert!(
        damage[0]["recovered_after"].as_u64().unwrap() > 0,
        "{inspected}"
    );
    assert_eq!(inspected["recovery"]["records_lost"], 1, "{inspected}");
    // The continued run reports the same loss, warns, and keeps the bytes.
    let mut args = vec!["simulate", "--json", "--data-dir", &dir_arg];
    args.extend_from_slice(&SMALL);
    let out = dialcore(&args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("warning: recovery:"),
        "{}",
        stderr(&out)
    );
    let second: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let d = &second["recovery"]["damage"][0];
    assert_eq!(d["lost_records"], 1, "{second}");
    let kept = d["kept_aside"].as_str().expect("kept aside");
    assert!(Path::new(kept).exists(), "{kept}");
    assert!(
        second["recovery"]["restarted_generation"].is_u64(),
        "{second}"
    );
}

#[test]
fn inspect_names_a_directory_it_cannot_use() {
    let missing = scratch("inspect_missing").join("no-such-data-dir");
    let missing = missing.display().to_string();
    assert_input_error(&dialcore(&["inspect", &missing]), &missing);
    assert_input_error(&dialcore(&["inspect", &missing, "--json"]), &missing);

    let empty = scratch("inspect_empty").display().to_string();
    assert_input_error(&dialcore(&["inspect", &empty]), "no campaign");
    let entries = std::fs::read_dir(&empty).unwrap().count();
    assert_eq!(entries, 0, "inspect wrote nothing");
}

#[test]
fn inspect_needs_the_campaigns_time_zone() {
    let dir = scratch("inspect_zone").join("data");
    let dir_arg = dir.display().to_string();
    let scenario = data("berlin.toml");
    let report = json_ok(&dialcore(&[
        "simulate",
        "--json",
        "--scenario",
        &scenario,
        "--data-dir",
        &dir_arg,
    ]));
    assert_complete(&report, 200);

    let out = dialcore(&["inspect", &dir_arg]);
    assert_input_error(&out, "Europe/Berlin");
    assert!(stderr(&out).contains("--timezone"), "{}", stderr(&out));
    assert_input_error(
        &dialcore(&["inspect", &dir_arg, "--timezone", "Mars/Olympus"]),
        "Mars/Olympus",
    );
    let inspected = json_ok(&dialcore(&[
        "inspect",
        &dir_arg,
        "--timezone",
        "Europe/Berlin",
        "--json",
    ]));
    assert_eq!(inspected["contacts"], 200, "{inspected}");
    assert_eq!(inspected["counts"], report["counts"], "{inspected}");
}

#[test]
fn durable_options_need_a_data_dir_and_good_values() {
    assert_input_error(&dialcore(&["simulate", "--fsync", "always"]), "--data-dir");
    assert_input_error(
        &dialcore(&["simulate", "--snapshot-every", "10"]),
        "--data-dir",
    );
    assert_input_error(&dialcore(&["simulate", "--ack-log", "a.log"]), "--data-dir");
    assert_input_error(
        &dialcore(&["simulate", "--data-dir", "x", "--fsync", "sometimes"]),
        "sometimes",
    );
    assert_input_error(
        &dialcore(&["simulate", "--data-dir", "x", "--fsync", "0"]),
        "--fsync",
    );
}
