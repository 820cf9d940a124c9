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
        .args(["--hours", "0.25", "--oos-seeds", "2"])
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
        table.starts_with("| scenario | seeds in / out | dialcore occupancy in / out"),
        "{table}"
    );
    assert_eq!(
        table.lines().count(),
        6,
        "header, rule, 3 scenarios and one realistic variant: {table}"
    );
    let doc = std::fs::read_to_string(&md).unwrap();
    assert!(doc.starts_with("# Predictive pacing: results"));
    assert!(doc.contains("![occupancy per scenario](pacing.svg)"));
    assert!(
        doc.contains("`dialcore pacing-eval --seeds 1 --small-seeds 2 --big-seeds 5 --oos-seeds 2 --hours 0.25 --out docs/PACING.md --svg docs/pacing.svg`"),
        "the header names the command"
    );
    assert!(doc.contains("What the guarantee costs"));
    assert!(doc.contains("out-of-sample seeds (101–102"), "{doc}");
    assert!(doc.contains("## The less kind world"));
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
            "--oos-seeds",
            "2",
            "--no-realistic",
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
    assert_eq!(v["scenarios"][1]["oos_seeds"], 2);
    assert_eq!(v["realistic"], false);

    let bad = Command::new(env!("CARGO_BIN_EXE_dialcore"))
        .args(["pacing-eval", "--seeds", "0"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    // In-sample seeds never reach the out-of-sample ones (101 on).
    let overlap = Command::new(env!("CARGO_BIN_EXE_dialcore"))
        .args(["pacing-eval", "--small-seeds", "101"])
        .output()
        .unwrap();
    assert_eq!(overlap.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&overlap.stderr).contains("small-seeds"));
}
