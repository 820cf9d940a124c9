//! `dialcore simulate --scenario FLOOR.toml`: a floor scenario (one with
//! `[[campaigns]]` tables) runs on one `dialcore::Floor`
//! ([`dialcore_sim::floor::run_floor`]) instead of one campaign.
//!
//! `--seed` and `--until` override the scenario as for a one-campaign run;
//! the options that shape one campaign (`--contacts`, `--operators`,
//! `--mode`, `--rules`) and those the floor simulator does not do
//! (`--replicate`, `--timeseries`) are refused with a message naming them,
//! since a floor scenario sets these per campaign. The report (`--json` or
//! text) has one row per campaign (attempts, connects, abandon rate against
//! its target, final counts), per pool (occupancy, idle) and per trunk.
//!
//! **Durable runs.** With `--data-dir DIR` the floor lives in a floor data
//! directory ([`dialcore_sim::floor::run_floor_durable`], `Floor::open`),
//! exactly as a one-campaign run does: a new directory gets the scenario's
//! floor, one holding a floor (after a crash, a kill or a time limit) is
//! recovered and continued by running the same command; `--fsync`
//! (default `never`, see the one-campaign doc) and `--snapshot-every`
//! apply to every campaign's journal and the floor journal. The report is
//! the continued run's, with `recovery` in `--json` (what `Floor::open`
//! found) and the same summary first in the text report. `--ack-log FILE`
//! appends `CAMPAIGN CONTACT ATTEMPT` (ids) of every Dial command, one line
//! each, with one unbuffered write per poll before the simulated PBX acts
//! on it: what the floor crash test checks a recovered floor against.

use std::path::Path;
use std::rc::Rc;
use std::time::Instant;

use dialcore::{Command, FloorCommand, FloorRecovery};
use dialcore_sim::floor::{
    run_floor, run_floor_durable, FloorCommandHook, FloorScenario, FloorSimError,
};
use dialcore_sim::StopReason;
use serde_json::{json, Value};

use super::{AckLog, SimulateArgs};
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
    let ack_log = match &args.ack_log {
        Some(path) => Some(AckLog::open(path)?),
        None => None,
    };
    let ack_error = ack_log.as_ref().map(|log| Rc::clone(&log.error));
    let started = Instant::now();
    let result = match &args.data_dir {
        Some(dir) => {
            let options = super::durable_options(args);
            let hook = ack_log.map(ack_hook);
            run_floor_durable(&scenario, dir, options, hook)
                .map(|(report, recovery)| (report, Some(recovery)))
        }
        None => run_floor(&scenario).map(|report| (report, None)),
    };
    let (report, recovery) = result.map_err(|e| match e {
        FloorSimError::Scenario(_) | FloorSimError::Durable(_) => CliError::input(e),
        FloorSimError::Floor(..) => CliError::internal(e),
    })?;
    let wall = started.elapsed();
    if let Some(r) = &recovery {
        if r.damaged_bytes > 0 {
            eprintln!(
                "warning: recovery: {} damaged bytes cut off the floor journal",
                r.damaged_bytes
            );
        }
        for (id, c) in &r.campaigns {
            super::warn_recovery(c, &format!("{id}: "));
        }
    }
    super::ack_result(ack_error, args)?;
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
            if let Some(r) = &recovery {
                obj.insert("recovery".into(), recovery_json(r));
            }
        }
        let mut text = value.to_string();
        text.push('\n');
        Ok(text)
    } else {
        let mut text = String::new();
        if let Some(r) = recovery.as_ref().filter(|r| !r.fresh) {
            text.push_str(&recovery_text(r));
        }
        text.push_str(&report.render_text());
        text.push_str(&format!("wall time {:.3} s\n", wall.as_secs_f64()));
        Ok(text)
    }
}

/// What `Floor::open` found, for `--json`.
fn recovery_json(r: &FloorRecovery) -> Value {
    json!({
        "fresh": r.fresh,
        "admin_records": r.admin_records,
        "damaged_bytes": r.damaged_bytes,
        "cap_dials": r.cap_dials,
        "campaigns": r.campaigns.iter().map(|(id, c)| json!({
            "campaign": id.0,
            "fresh": c.fresh,
            "contacts": c.contacts,
            "reconciled": c.reconciled.len(),
            "damaged": c.is_damaged(),
        })).collect::<Vec<_>>(),
    })
}

/// What `Floor::open` found, one line, before a resumed run's text report.
fn recovery_text(r: &FloorRecovery) -> String {
    let reconciled: usize = r.campaigns.iter().map(|(_, c)| c.reconciled.len()).sum();
    format!(
        "recovered floor: {} admin records, {} campaigns, {reconciled} live contacts \
         reconciled, {} dials counted back into the caps, {} damaged bytes cut\n",
        r.admin_records,
        r.campaigns.len(),
        r.cap_dials,
        r.damaged_bytes
    )
}

/// The floor's `--ack-log` hook: `CAMPAIGN CONTACT ATTEMPT` of each Dial.
fn ack_hook(log: AckLog) -> FloorCommandHook {
    log.hook_with(|commands: &[FloorCommand], line| {
        for c in commands {
            if let Command::Dial { call, .. } = c.command {
                line.push_str(&format!(
                    "{} {} {}\n",
                    c.campaign.0, call.contact.0, call.attempt
                ));
            }
        }
    })
}
