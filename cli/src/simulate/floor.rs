//! `dialcore simulate --scenario FLOOR.toml`: a floor scenario (one with
//! `[[campaigns]]` tables) runs on one `dialcore::Floor`
//! ([`dialcore_sim::floor::run_floor`]) instead of one campaign.
//!
//! `--seed` and `--until` override the scenario as for a one-campaign run;
//! the options that shape one campaign (`--contacts`, `--operators`,
//! `--mode`, `--rules`) and those of a durable or replicated campaign
//! (`--data-dir`, `--replicate`, `--timeseries`) are refused with a message
//! naming them, since a floor scenario sets these per campaign (or the
//! floor simulator does not do them yet). The report (`--json` or text)
//! has one row per campaign (attempts, connects, abandon rate against its
//! target, final counts), per pool (occupancy, idle) and per trunk.

use std::path::Path;
use std::time::Instant;

use dialcore_sim::floor::{run_floor, FloorScenario, FloorSimError};
use dialcore_sim::StopReason;
use serde_json::json;

use super::SimulateArgs;
use crate::error::CliError;

/// Whether the scenario file is a floor scenario; a file that cannot be
/// read is not (the one-campaign path reports it).
pub fn is_floor_file(path: &Path) -> bool {
    std::fs::read_to_string(path).is_ok_and(|text| FloorScenario::is_floor_toml(&text))
}

/// The options a floor run refuses, by their flag.
fn refused(args: &SimulateArgs) -> Option<&'static str> {
    [
        (args.contacts.is_some(), "--contacts"),
        (args.operators.is_some(), "--operators"),
        (args.mode.is_some(), "--mode"),
        (args.rules.is_some(), "--rules"),
        (args.data_dir.is_some(), "--data-dir"),
        (args.timeseries.is_some(), "--timeseries"),
        (args.replica.replicate.is_some(), "--replicate"),
    ]
    .into_iter()
    .find_map(|(given, flag)| given.then_some(flag))
}

/// Runs a floor scenario; returns what to print on stdout.
pub fn run(args: &SimulateArgs, path: &Path) -> Result<String, CliError> {
    if let Some(flag) = refused(args) {
        return Err(CliError::input(format!(
            "{flag} does not apply to a floor scenario ({} has [[campaigns]]): set it per campaign \
             in the file",
            path.display()
        )));
    }
    let mut scenario = FloorScenario::from_path(path).map_err(CliError::input)?;
    if let Some(seed) = args.seed {
        scenario.seed = seed;
    }
    if let Some(hours) = args.until {
        scenario.until_hours = Some(hours);
    }
    scenario.validate().map_err(CliError::input)?;
    let started = Instant::now();
    let report = run_floor(&scenario).map_err(|e| match e {
        FloorSimError::Scenario(_) => CliError::input(e),
        FloorSimError::Floor(..) => CliError::internal(e),
    })?;
    let wall = started.elapsed();
    if report.stop_reason == StopReason::Stalled {
        eprintln!(
            "warning: the floor run stalled after {:.1} simulated hours with contacts not done",
            report.simulated_s / 3600.0
        );
    }
    if args.json {
        let mut value = report.to_json();
        if let Some(obj) = value.as_object_mut() {
            obj.insert("kind".into(), json!("floor"));
            obj.insert("wall_s".into(), json!(wall.as_secs_f64()));
        }
        let mut text = value.to_string();
        text.push('\n');
        Ok(text)
    } else {
        let mut text = report.render_text();
        text.push_str(&format!("wall time {:.3} s\n", wall.as_secs_f64()));
        Ok(text)
    }
}
