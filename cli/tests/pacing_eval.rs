//! `dialcore pacing-eval` on a tiny matrix, run as a process.

use std::path::Path;
use std::process::Command;

#[test]
fn pacing_eval_quick_writes_the_report_and_the_chart() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("pacing_eval_quick");
    let _ = std::fs::remove_dir_all(&dir);
    let md = dir.join("PACING.md");
    let svg = dir.join("pacing.svg");
    let out = Command::new(env!("CARGO_BIN_EXE_dialcore"))
        .args([
            "pacing-eval",
            "--quick",
            "--seeds",
            "1",
            "--small-seeds",
            "2",
        ])
        .args(["--hours", "0.25"])
        .arg("--out")
        .arg(&md)
        .arg("--svg")
        .arg(&svg)
        .output()
        .expect("the dialcore binary runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(
        table.starts_with("| scenario | dialcore occupancy"),
        "{table}"
    );
    assert_eq!(
        table.lines().count(),
        5,
        "header, rule, 3 scenarios: {table}"
    );
    let doc = std::fs::read_to_string(&md).unwrap();
    assert!(doc.starts_with("# Predictive pacing: results"));
    assert!(doc.contains("![occupancy per scenario](pacing.svg)"));
    assert!(
        doc.contains("`dialcore pacing-eval --seeds 1 --small-seeds 2 --hours 0.25 --out docs/PACING.md --svg docs/pacing.svg`"),
        "the header names the command"
    );
    assert!(doc.contains("What the guarantee costs"));
    assert!(std::fs::read_to_string(&svg).unwrap().starts_with("<svg"));

    let json = Command::new(env!("CARGO_BIN_EXE_dialcore"))
        .args([
            "pacing-eval",
            "--quick",
            "--seeds",
            "1",
            "--small-seeds",
            "2",
            "--hours",
            "0.25",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(json.status.success());
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["scenarios"].as_array().unwrap().len(), 3);
    assert_eq!(v["seeds"], 1);
    assert_eq!(v["small_seeds"], 2);
    assert_eq!(v["scenarios"][1]["seeds"], 2, "the one-operator scenario");

    let bad = Command::new(env!("CARGO_BIN_EXE_dialcore"))
        .args(["pacing-eval", "--seeds", "0"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}
