//! Floor scenarios (`[[campaigns]]`, `[[pools]]`, `[[trunks]]`): parsing and
//! validation, each bad value named by its field.

use dialcore_sim::floor::FloorScenario;
use dialcore_sim::{ModeName, ScenarioError};

const TWO: &str = r#"
name = "two"
[[campaigns]]
name = "sales"
mode = "predictive"
contacts = 100
priority = 1
weight = 3
[campaigns.customers]
p_human = 0.4
talk_mean_s = 90.0
[campaigns.settings]
abandon_target = 0.02

[[campaigns]]
name = "survey"
mode = "progressive"
contacts = 50
weight = 1

[[pools]]
name = "english"
operators = 5
campaigns = ["sales", "survey"]

[[trunks]]
name = "t1"
max_calls = 10
cps = 2.5
campaigns = ["sales"]
"#;

fn field_of(text: &str) -> (String, String) {
    match FloorScenario::from_toml_str(text) {
        Err(ScenarioError::Invalid { field, message }) => (field, message),
        other => panic!("expected an invalid field, got {other:?}"),
    }
}

/// `TWO` with the first occurrence of `from` replaced by `to`.
fn with(from: &str, to: &str) -> String {
    assert!(TWO.contains(from), "{from:?} is not in the scenario");
    TWO.replacen(from, to, 1)
}

#[test]
fn a_floor_scenario_parses_with_its_campaigns_pools_and_trunks() {
    assert!(FloorScenario::is_floor_toml(TWO));
    let s = FloorScenario::from_toml_str(TWO).unwrap();
    assert_eq!(s.campaigns.len(), 2);
    assert_eq!(s.campaigns[0].mode, ModeName::Predictive);
    assert_eq!(s.campaigns[0].weight, 3);
    assert_eq!(s.campaigns[0].customers.p_human, 0.4);
    assert_eq!(s.campaigns[0].settings.abandon_target, 0.02);
    // Unset models keep the one-campaign defaults.
    assert_eq!(s.campaigns[1].customers.p_human, 0.3);
    assert_eq!(s.campaigns[1].priority, 0);
    assert_eq!(s.operators(), 5);
    assert_eq!(s.contacts(), 150);
    assert_eq!(s.routes_of(0), vec![0]);
    assert!(s.routes_of(1).is_empty());
    let t = s.trunks[0].config();
    assert_eq!((t.max_calls, t.cps_milli, t.burst), (10, 2500, 2));
    let config = s.campaign_config(0).unwrap();
    assert_eq!(config.abandon_target, 0.02);
    assert_eq!(config.mode, dialcore::Mode::Predictive);
    // Round trip.
    let again = FloorScenario::from_toml_str(&s.to_toml_string()).unwrap();
    assert_eq!(again, s);
}

#[test]
fn a_one_campaign_scenario_is_not_a_floor_scenario() {
    assert!(!FloorScenario::is_floor_toml(
        "contacts = 10\noperators = 2\n"
    ));
    assert!(!FloorScenario::is_floor_toml("this is = = not toml"));
    let shipped = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/default.toml"
    ))
    .unwrap();
    assert!(!FloorScenario::is_floor_toml(&shipped));
}

#[test]
fn the_shipped_floor_scenario_is_valid() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/floor-two-campaigns.toml"
    );
    let s = FloorScenario::from_path(std::path::Path::new(path)).unwrap();
    assert_eq!(s.campaigns.len(), 3);
    assert_eq!(s.pools.len(), 2);
    assert_eq!(s.trunks.len(), 1);
    assert_eq!(s.caps.per_24h, 3);
}

#[test]
fn bad_values_are_named_by_their_field() {
    let cases: [(String, &str, &str); 14] = [
        (with("weight = 3", "weight = 0"), "campaigns[0].weight", "0"),
        (
            with("weight = 3", "weight = 1000001"),
            "campaigns[0].weight",
            "1000001",
        ),
        (
            with("name = \"survey\"", "name = \"sales\""),
            "campaigns[1].name",
            "sales",
        ),
        (
            with("name = \"sales\"", "name = \" \""),
            "campaigns[0].name",
            "name",
        ),
        (
            with("p_human = 0.4", "p_human = 1.4"),
            "campaigns[0].customers.p_human",
            "1.4",
        ),
        (
            with("abandon_target = 0.02", "abandon_target = 2.0"),
            "campaigns[0].settings.abandon_target",
            "",
        ),
        (
            with("contacts = 100", "contacts = 0"),
            "campaigns[0].contacts",
            "0",
        ),
        (
            with(
                "campaigns = [\"sales\", \"survey\"]",
                "campaigns = [\"sales\", \"nope\"]",
            ),
            "pools[0].campaigns",
            "nope",
        ),
        (
            with(
                "campaigns = [\"sales\", \"survey\"]",
                "campaigns = [\"sales\"]",
            ),
            "campaigns[1]",
            "survey",
        ),
        (
            with(
                "campaigns = [\"sales\", \"survey\"]",
                "campaigns = [\"sales\", \"survey\", \"sales\"]",
            ),
            "pools[0].campaigns",
            "twice",
        ),
        (
            with("operators = 5", "operators = 0"),
            "pools",
            "0 operators",
        ),
        (
            with("max_calls = 10", "max_calls = 0"),
            "trunks[0].max_calls",
            "0",
        ),
        (with("cps = 2.5", "cps = -1.0"), "trunks[0].cps", "-1"),
        (
            with(
                "cps = 2.5\ncampaigns = [\"sales\"]",
                "cps = 2.5\ncampaigns = [\"x\"]",
            ),
            "trunks[0].campaigns",
            "x",
        ),
    ];
    for (text, field, mention) in cases {
        let (got, message) = field_of(&text);
        assert_eq!(got, field, "{message}");
        assert!(
            message.contains(mention),
            "{field}: {message:?} lacks {mention:?}"
        );
    }
}

#[test]
fn tables_are_required_and_unknown_keys_refused() {
    let (field, _) =
        field_of("name = \"x\"\n[[pools]]\nname = \"p\"\noperators = 1\ncampaigns = [\"a\"]\n");
    assert_eq!(field, "campaigns");
    let (field, _) = field_of("[[campaigns]]\nname = \"a\"\n");
    assert_eq!(field, "pools");
    let err =
        FloorScenario::from_toml_str(&with("weight = 3", "weight = 3\nwieght = 2")).unwrap_err();
    match err {
        ScenarioError::Parse { message, .. } => assert!(message.contains("wieght"), "{message}"),
        other => panic!("expected a parse error, got {other:?}"),
    }
    let (field, message) = field_of(&format!("{TWO}\n[caps]\nper_days = 5\ndays = 0\n"));
    assert_eq!(field, "caps.days", "{message}");
    let (field, message) = field_of(&with("operators = 5", "operators = 5\ninbound_target = 6"));
    assert_eq!(field, "pools[0].inbound_target", "{message}");
}
