//! `dialcore simulate` on a floor scenario (`[[campaigns]]`, `[[pools]]`,
//! `[[trunks]]`): the shipped example runs, reports each campaign and pool,
//! keeps every promise (no operator in two calls, no trunk over its lines,
//! each campaign's abandon rate within its target), and the weights shape
//! the connects.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn dialcore(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dialcore"))
        .args(args)
        .env_remove("RUST_BACKTRACE")
        .output()
        .expect("the dialcore binary runs")
}

fn example() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../sim/scenarios/floor-two-campaigns.toml")
        .display()
        .to_string()
}

fn json_ok(out: &Output) -> Value {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "stderr: {stderr}");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stderr}"))
}

fn campaign<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["campaigns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no campaign {name} in {report}"))
}

fn num(v: &Value, key: &str) -> f64 {
    v[key]
        .as_f64()
        .unwrap_or_else(|| panic!("{key} is not a number in {v}"))
}

#[test]
fn the_floor_example_reports_each_campaign_and_pool() {
    let report = json_ok(&dialcore(&["simulate", "--scenario", &example(), "--json"]));
    assert_eq!(report["kind"], "floor");
    assert_eq!(
        report["violations"].as_array().unwrap().len(),
        0,
        "{report}"
    );
    let contacts = [
        ("sales", 4000.0),
        ("survey", 4000.0),
        ("collections", 300.0),
    ];
    for (name, n) in contacts {
        let c = campaign(&report, name);
        assert_eq!(num(c, "contacts"), n);
        let counted: u64 = c["counts"]
            .as_object()
            .unwrap()
            .values()
            .map(|v| v.as_u64().unwrap())
            .sum();
        assert_eq!(counted as f64, n, "{name}: the counts cover every contact");
        assert!(num(c, "attempts") > 0.0, "{name} was dialed: {c}");
        assert!(num(c, "connected") > 0.0, "{name} connected calls: {c}");
        assert!(num(c, "connected") <= num(c, "answered"), "{c}");
        assert_eq!(c["within_target"], true, "{name}: {c}");
        assert!(num(c, "abandon_rate") <= num(c, "abandon_target"), "{c}");
    }
    // Weights 3 : 1 at the same priority, same customers: the connects follow.
    let sales = num(campaign(&report, "sales"), "connected");
    let survey = num(campaign(&report, "survey"), "connected");
    let ratio = sales / survey;
    assert!(
        (2.0..=4.5).contains(&ratio),
        "sales/survey connects = {ratio:.2} ({sales} / {survey})"
    );
    // Priority 2: collections is worked through first by the senior pool.
    let collections = campaign(&report, "collections");
    let done = collections["counts"]["Success"].as_u64().unwrap();
    assert!(done > 0, "{collections}");
    let pools = report["pools"].as_array().unwrap();
    assert_eq!(pools.len(), 2);
    for p in pools {
        let occupancy = num(p, "occupancy");
        let idle = num(p, "idle");
        assert!(occupancy > 0.3 && occupancy <= 1.0, "{p}");
        assert!((0.0..1.0).contains(&idle), "{p}");
    }
    let trunk = &report["trunks"][0];
    assert!(
        num(trunk, "peak_calls") <= num(trunk, "max_calls"),
        "{trunk}"
    );
    assert!(num(trunk, "dials") > 0.0, "{trunk}");
}

#[test]
fn the_floor_run_is_deterministic_and_takes_seed_and_until() {
    let run = |extra: &[&str]| {
        let mut args = vec!["simulate", "--scenario"];
        let path = example();
        args.push(&path);
        args.push("--json");
        args.extend_from_slice(extra);
        let mut v = json_ok(&dialcore(&args));
        v.as_object_mut().unwrap().remove("wall_s");
        v
    };
    let short = run(&["--until", "0.5"]);
    assert_eq!(short, run(&["--until", "0.5"]));
    assert!(num(&short, "simulated_s") <= 1800.0 + 1.0, "{short}");
    let other = run(&["--until", "0.5", "--seed", "99"]);
    assert_eq!(other["seed"], 99);
    assert_ne!(other["campaigns"], short["campaigns"]);
}

#[test]
fn one_campaign_options_are_refused_for_a_floor_scenario() {
    for flag in [
        ["--contacts", "10"],
        ["--operators", "3"],
        ["--mode", "preview"],
    ] {
        let out = dialcore(&["simulate", "--scenario", &example(), flag[0], flag[1]]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains(flag[0]) && err.contains("floor"), "{err}");
    }
}

#[test]
fn a_bad_floor_scenario_names_its_field() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("floor_bad");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bad.toml");
    std::fs::write(
        &path,
        "[[campaigns]]\nname = \"a\"\nweight = 0\n[[pools]]\nname = \"p\"\noperators = 1\ncampaigns = [\"a\"]\n",
    )
    .unwrap();
    let out = dialcore(&["simulate", "--scenario", path.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("campaigns[0].weight"), "{err}");
}
