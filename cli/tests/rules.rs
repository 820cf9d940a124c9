//! `dialcore check --rules FILE` and `dialcore simulate --rules FILE`.

use std::process::{Command, Output};

fn dialcore(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dialcore"))
        .args(args)
        .output()
        .expect("dialcore runs")
}

fn example() -> String {
    format!(
        "{}/../docs/rules-us-example.toml",
        env!("CARGO_MANIFEST_DIR")
    )
}

#[test]
fn check_summarizes_a_valid_rule_file() {
    let out = dialcore(&["check", "--rules", &example()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("ok: 7 region rule(s)"), "{text}");
    assert!(text.contains("US-FL"), "{text}");
    let out = dialcore(&["check", "--rules", &example(), "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["rules_with_caps"], 2);
    assert_eq!(v["unresolved"], "most-restrictive");
}

#[test]
fn check_names_the_line_and_field_of_a_bad_rule_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(
        &path,
        "[regions.US-FL]\nhours = \"Mon-Sun 08:00-20:00\"\nclosed_days = [\"Funday\"]\n",
    )
    .unwrap();
    let p = path.to_str().unwrap();
    for args in [
        vec!["check", "--rules", p],
        vec!["simulate", "--contacts", "10", "--rules", p],
    ] {
        let out = dialcore(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(
            err.contains("line 3")
                && err.contains("regions.US-FL.closed_days")
                && err.contains("Funday"),
            "{err}"
        );
    }
    let out = dialcore(&["check", "--rules", "/nonexistent/rules.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/rules.toml"));
}

#[test]
fn simulate_runs_under_rules_and_dials_less_where_they_restrict() {
    let dir = tempfile::tempdir().unwrap();
    let never = dir.path().join("never.toml");
    // The simulator's numbers (+1 200 …) have no region: with the default
    // unresolved = most-restrictive the region rule applies to all of them.
    std::fs::write(&never, "[regions.US-FL]\nhours = \"never\"\n").unwrap();
    let run = |extra: &[&str]| -> serde_json::Value {
        let mut args = vec![
            "simulate",
            "--contacts",
            "50",
            "--operators",
            "3",
            "--until",
            "2",
            "--json",
        ];
        args.extend_from_slice(extra);
        let out = dialcore(&args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let free = run(&[]);
    let closed = run(&["--rules", never.to_str().unwrap()]);
    let dials = |v: &serde_json::Value| v["dials"].as_u64().expect("dials in the report");
    assert!(dials(&free) > 0, "{free}");
    assert_eq!(dials(&closed), 0, "{closed}");
}
