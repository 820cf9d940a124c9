//! Scenario files: defaults, round trips and the errors for bad input.

use std::path::Path;

use dialcore_sim::{Mode, ModeName, RetryDelay, Scenario, ScenarioError};

#[test]
fn the_default_is_the_documented_one_and_round_trips() {
    let s = Scenario::default();
    assert_eq!(s.contacts, 100_000);
    assert_eq!(s.operators, 20);
    assert_eq!(s.mode(), Mode::Predictive);
    assert_eq!(s.customers.p_human, 0.3);
    assert_eq!(s.customers.talk_mean_s, 180.0);
    assert_eq!(s.operator_model.acw_mean_s, 20.0);
    assert_eq!(s.calling_window, "always");
    assert_eq!(s.start_ms, 1_767_603_600_000); // 2026-01-05T09:00:00Z
    assert_eq!(s.campaign.retry_abandoned_s, RetryDelay::Never);
    s.validate().unwrap();
    let text = s.to_toml_string();
    assert_eq!(Scenario::from_toml_str(&text).unwrap(), s);
    assert_eq!(Scenario::from_toml_str("").unwrap(), s);
    let config = s.campaign_config().unwrap();
    assert_eq!(config, dialcore::CampaignConfig::new(Mode::Predictive));
}

#[test]
fn a_partial_file_overrides_only_what_it_names() {
    let s = Scenario::from_toml_str(
        r#"
        name = "small"
        mode = "preview"
        contacts = 500
        until_hours = 2
        calling_window = "Mon-Fri 09:00-20:00"
        [customers]
        p_human = 0.5
        talk_mean_s = 90
        [campaign]
        retry_busy_s = "never"
        retry_abandoned_s = 3600
        max_attempts = 3
        abandon_guard = "expected"
        abandon_window = "day"
        "#,
    )
    .unwrap();
    assert_eq!(s.name, "small");
    assert_eq!(s.mode, ModeName::Preview);
    assert_eq!(s.contacts, 500);
    assert_eq!(s.operators, 20);
    assert_eq!(s.until_hours, Some(2.0));
    assert_eq!(s.customers.p_human, 0.5);
    assert_eq!(s.customers.talk_mean_s, 90.0);
    assert_eq!(s.customers.p_machine, 0.1);
    let config = s.campaign_config().unwrap();
    assert!(!config.retry.busy.retry);
    assert_eq!(config.retry.abandoned.delay_ms, 3_600_000);
    assert_eq!(config.retry.max_attempts, 3);
    assert_eq!(
        config.abandon_guard,
        dialcore::config::AbandonGuard::Expected
    );
    assert_eq!(config.abandon_window, dialcore::config::AbandonWindow::Day);
    assert_eq!(
        Scenario::default().campaign_config().unwrap().abandon_guard,
        dialcore::config::AbandonGuard::WorstCase,
        "the worst-case guard unless the file says otherwise"
    );
    let mut s = s;
    s.set_mode(Mode::Progressive);
    assert_eq!(s.mode(), Mode::Progressive);
    assert_eq!(Scenario::from_toml_str(&s.to_toml_string()).unwrap(), s);
}

fn err(text: &str) -> (ScenarioError, String) {
    let e = Scenario::from_toml_str(text).unwrap_err();
    let msg = e.to_string();
    (e, msg)
}

#[test]
fn bad_input_is_an_error_naming_the_field_and_value() {
    let (e, msg) = err("contacts = 10\nspeed = 3\n");
    assert!(
        matches!(e, ScenarioError::Parse { path: None, .. }),
        "{e:?}"
    );
    assert!(msg.contains("speed"), "{msg}");

    let (_, msg) = err("[customers]\ntalk_mean = 3\n");
    assert!(msg.contains("talk_mean"), "{msg}");

    let (e, msg) = err("[customers]\np_human = 1.5\n");
    match &e {
        ScenarioError::Invalid { field, message } => {
            assert_eq!(field, "customers.p_human");
            assert!(message.contains("1.5"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    assert!(
        msg.contains("customers.p_human") && msg.contains("1.5"),
        "{msg}"
    );

    let (_, msg) = err("mode = \"turbo\"\n");
    assert!(msg.contains("turbo") && msg.contains("mode"), "{msg}");

    let (_, msg) = err("[customers]\np_human = 0.6\np_machine = 0.6\n");
    assert!(
        msg.contains("customers") && msg.contains("= 1.41 "),
        "{msg}"
    );

    let cases = [
        ("contacts = 0", "contacts"),
        ("operators = 0", "operators"),
        ("until_hours = -1", "until_hours"),
        ("calling_window = \"Mon 22:00-02:00\"", "calling_window"),
        ("[customers]\ntalk_mean_s = 0", "customers.talk_mean_s"),
        (
            "[operator_model]\np_decline = -0.1",
            "operator_model.p_decline",
        ),
        (
            "[campaign]\nring_timeout_ms = 5000",
            "campaign.ring_timeout_ms",
        ),
        (
            "[campaign]\npredictive_ratio = 50",
            "campaign.predictive_ratio",
        ),
        ("[campaign]\nmax_attempts = 0", "campaign.max_attempts"),
        (
            "[campaign]\ntimezone = \"Mars/Olympus\"",
            "campaign.timezone",
        ),
        ("[campaign]\nretry_busy_s = \"sometimes\"", "sometimes"),
        ("[campaign]\nretry_busy_s = -5", "campaign.retry_busy_s"),
        ("[campaign]\nabandon_guard = \"hopeful\"", "hopeful"),
    ];
    for (text, needle) in cases {
        let (_, msg) = err(text);
        assert!(msg.contains(needle), "{text}: {msg}");
    }
}

#[test]
fn files_name_their_path_and_the_shipped_scenarios_load() {
    let missing = Path::new("/nonexistent/scenario.toml");
    let e = Scenario::from_path(missing).unwrap_err();
    assert!(matches!(e, ScenarioError::Io { .. }));
    assert!(e.to_string().contains("/nonexistent/scenario.toml"));
    assert!(std::error::Error::source(&e).is_some());

    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            // A floor scenario ([[campaigns]]) is the floor's format, loaded
            // by its own type; every other file is a one-campaign scenario.
            let text = std::fs::read_to_string(&path).unwrap();
            if dialcore_sim::floor::FloorScenario::is_floor_toml(&text) {
                dialcore_sim::floor::FloorScenario::from_path(&path)
                    .unwrap_or_else(|e| panic!("{e}"));
            } else {
                Scenario::from_path(&path).unwrap_or_else(|e| panic!("{e}"));
            }
            seen += 1;
        }
    }
    assert!(seen >= 3);
    let default = Scenario::from_path(&dir.join("default.toml")).unwrap();
    assert_eq!(default, Scenario::default());

    let bad = std::env::temp_dir().join(format!("dialcore-sim-bad-{}.toml", std::process::id()));
    std::fs::write(&bad, "contacts = \"many\"\n").unwrap();
    let e = Scenario::from_path(&bad).unwrap_err();
    let _ = std::fs::remove_file(&bad);
    let msg = e.to_string();
    assert!(matches!(e, ScenarioError::Parse { path: Some(_), .. }));
    assert!(
        msg.contains("dialcore-sim-bad") && msg.contains("contacts"),
        "{msg}"
    );
}

/// Drift test against the engine's settings table: every setting is
/// reachable from a scenario file (or says why not), and a value written
/// under its scenario key reaches the engine's configuration.
#[test]
fn every_setting_of_the_engine_table_is_a_scenario_key() {
    use dialcore::config::{FieldKind, FieldValue, CONFIG_FIELDS};
    let default = Scenario::default();
    let base = default.campaign_config().unwrap();
    let keys = serde_json::to_value(&default).unwrap();
    for f in CONFIG_FIELDS {
        let key = match dialcore_sim::scenario_key(f.name) {
            Ok(key) => key,
            Err(reason) => {
                assert!(!reason.is_empty(), "{}", f.name);
                continue;
            }
        };
        let (section, leaf) = match key.split_once('.') {
            Some((s, l)) => (Some(s), l),
            None => (None, key.as_str()),
        };
        let holder = section.map_or(&keys, |s| &keys[s]);
        assert!(
            holder.get(leaf).is_some(),
            "{} has no scenario key {key}",
            f.name
        );
        // A value other than the default, as TOML, and what the engine must get.
        let (toml, want) = match ((f.get)(&base), f.kind) {
            (FieldValue::UInt(ms), _) if leaf.starts_with("retry_") => {
                let s = ms / 1000 + 1;
                (s.to_string(), FieldValue::UInt(s * 1000))
            }
            (FieldValue::UInt(u), _) => ((u + 1).to_string(), FieldValue::UInt(u + 1)),
            (FieldValue::None, _) if leaf.starts_with("retry_") => {
                ("7".to_owned(), FieldValue::UInt(7000))
            }
            (FieldValue::Bool(b), _) => ((!b).to_string(), FieldValue::Bool(!b)),
            (FieldValue::Float(x), _) => ((x + 0.01).to_string(), FieldValue::Float(x + 0.01)),
            (FieldValue::Text(t), FieldKind::Choice(names)) => {
                let other = names.iter().find(|n| **n != t && **n != "30d").unwrap();
                (format!("{other:?}"), FieldValue::Text((*other).to_owned()))
            }
            (FieldValue::Text(_), _) if f.name == "calling_window" => (
                "\"Mon-Fri 09:00-17:00\"".to_owned(),
                FieldValue::Text("Mon-Fri 09:00-17:00".to_owned()),
            ),
            (FieldValue::Text(_), _) if f.name == "caller_id" => (
                "\"+12025550100\"".to_owned(),
                FieldValue::Text("+12025550100".to_owned()),
            ),
            (FieldValue::Text(_), _) => (
                "\"Europe/Berlin\"".to_owned(),
                FieldValue::Text("Europe/Berlin".to_owned()),
            ),
            (v, k) => panic!("{}: {v:?} of {k:?}", f.name),
        };
        let text = match section {
            Some(s) => format!("[{s}]\n{leaf} = {toml}\n"),
            None => format!("{leaf} = {toml}\n"),
        };
        let scenario = Scenario::from_toml_str(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
        let config = scenario
            .campaign_config()
            .unwrap_or_else(|e| panic!("{text}: {e}"));
        let got = (f.get)(&config);
        if f.name == "calling_window" {
            assert!(got.to_string().contains("Mon-Fri 09:00-17:00"), "{got}");
        } else {
            assert_eq!(got, want, "{} from {text:?}", f.name);
        }
    }
}
