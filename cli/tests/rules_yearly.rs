//! `dialcore check --rules FILE` counts and lists the yearly holidays
//! (`MM-DD`, `4th thu of nov`, `last mon of may`, `observed`), in text and
//! `--json`, as the engine reads the file.

use std::process::{Command, Output};

use dialcore::rules::{RuleSet, Yearly};

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

/// The yearly holidays of the example's `[campaign]` table, as the
/// engine's own parser reads them.
fn campaign_yearly() -> Vec<Yearly> {
    let text = std::fs::read_to_string(example()).unwrap();
    let set = RuleSet::parse(&text).unwrap();
    assert!(set
        .regions
        .iter()
        .all(|(_, r)| r.holidays.yearly().is_empty()));
    set.campaign.holidays.yearly().to_vec()
}

#[test]
fn json_counts_and_lists_the_yearly_holidays() {
    let out = dialcore(&["check", "--rules", &example(), "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let want = campaign_yearly();
    // The example's eleven US federal holidays; the one-off 2026-12-24 and
    // Louisiana's 2026-02-17 stay date ranges.
    assert_eq!(want.len(), 11);
    assert_eq!(v["yearly_holidays"], 11);
    assert_eq!(v["holiday_ranges"], 2);
    let listed = v["yearly"]["campaign"].as_array().expect("campaign's list");
    let back: Vec<Yearly> = listed
        .iter()
        .map(|h| Yearly::parse(h.as_str().unwrap()).unwrap().unwrap())
        .collect();
    assert_eq!(
        back, want,
        "each listed form reads back as the file's holiday"
    );
    assert_eq!(v["yearly"].as_object().unwrap().len(), 1, "{v}");
    assert!(listed.iter().any(|h| h == "4th thu of nov"), "{listed:?}");
    assert!(listed.iter().any(|h| h == "last mon of may"), "{listed:?}");
    assert!(listed.iter().any(|h| h == "07-04 observed"), "{listed:?}");
}

#[test]
fn text_counts_and_lists_the_yearly_holidays() {
    let out = dialcore(&["check", "--rules", &example()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("2 holiday range(s), 11 yearly holiday(s)"),
        "{text}"
    );
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("  yearly holidays of campaign: "))
        .expect("a line listing the campaign's yearly holidays");
    let back: Vec<Yearly> = line
        .split(", ")
        .map(|h| Yearly::parse(h).unwrap().unwrap())
        .collect();
    assert_eq!(back, campaign_yearly());
}

#[test]
fn a_region_with_yearly_holidays_gets_its_own_list_and_none_means_zero() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.toml");
    std::fs::write(
        &path,
        "[regions.US-TX]\nhours = \"Mon-Sat 09:00-21:00\"\nholidays = [\"03-02\", \"last mon of may observed\", \"2026-01-02\"]\n",
    )
    .unwrap();
    let p = path.to_str().unwrap();
    let out = dialcore(&["check", "--rules", p, "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["yearly_holidays"], 2);
    assert_eq!(
        v["yearly"]["US-TX"],
        serde_json::json!(["03-02", "last mon of may observed"])
    );
    assert!(v["yearly"].get("campaign").is_none());
    std::fs::write(&path, "[regions.US-TX]\nhours = \"Mon-Sat 09:00-21:00\"\n").unwrap();
    let out = dialcore(&["check", "--rules", p]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("0 yearly holiday(s)"), "{text}");
    assert!(!text.contains("yearly holidays of"), "{text}");
}
