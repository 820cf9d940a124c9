//! `dialcore simulate`: run a simulated campaign and report on it.
//!
//! The scenario comes from `--scenario FILE` or is the simulator's built-in
//! default; the command-line overrides (`--contacts`, `--operators`,
//! `--mode`, `--seed`, `--until`) are applied on top of it and the result is
//! validated before anything runs, so a bad value is reported the same way
//! wherever it came from.
//!
//! The run goes to completion (every contact in a terminal state) or to
//! `--until` simulated hours. While it runs, a progress bar is drawn on
//! stderr when both stdout and stderr are terminals and `--json` is off; a
//! pipe or a file never sees control characters. The report is the
//! simulator's own (`render_text` or `to_json`), plus the wall time and the
//! throughput measured here.

use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use dialcore::Mode;
use dialcore_sim::{Progress, Scenario, SimError, SimReport, StopReason};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::{json, Value};

use crate::error::CliError;

/// Arguments of `dialcore simulate`.
#[derive(Debug, clap::Args)]
pub struct SimulateArgs {
    /// A scenario file (TOML); without it the built-in scenario runs.
    #[arg(long, value_name = "FILE")]
    pub scenario: Option<PathBuf>,
    /// Number of contacts (overrides the scenario).
    #[arg(long, value_name = "N", value_parser = parse_count, allow_negative_numbers = true)]
    pub contacts: Option<usize>,
    /// Number of operators (overrides the scenario).
    #[arg(long, value_name = "N", value_parser = parse_count, allow_negative_numbers = true)]
    pub operators: Option<usize>,
    /// Dialing mode (overrides the scenario).
    #[arg(long, value_enum)]
    pub mode: Option<ModeArg>,
    /// Random seed (overrides the scenario); the same seed gives the same run.
    #[arg(long, value_name = "S", allow_negative_numbers = true)]
    pub seed: Option<u64>,
    /// Stop after this many simulated hours instead of running until every
    /// contact is done.
    #[arg(long, value_name = "HOURS", value_parser = parse_hours, allow_negative_numbers = true)]
    pub until: Option<f64>,
    /// Print one JSON object instead of the text report.
    #[arg(long)]
    pub json: bool,
    /// Write a time series to this CSV file, one row per simulated minute.
    #[arg(long, value_name = "FILE.csv")]
    pub timeseries: Option<PathBuf>,
}

/// The dialing modes as command-line values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ModeArg {
    /// The operator sees the contact first and may decline it.
    Preview,
    /// One call per free operator.
    Progressive,
    /// More calls than free operators, paced to the abandon limit.
    Predictive,
}

impl From<ModeArg> for Mode {
    fn from(mode: ModeArg) -> Mode {
        match mode {
            ModeArg::Preview => Mode::Preview,
            ModeArg::Progressive => Mode::Progressive,
            ModeArg::Predictive => Mode::Predictive,
        }
    }
}

/// Parses a count of at least 1.
fn parse_count(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(n) => Ok(n),
        Err(_) => Err("not a whole number".into()),
    }
}

/// Parses a positive, finite number of hours.
fn parse_hours(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(h) if h.is_finite() && h > 0.0 => Ok(h),
        Ok(_) => Err("must be a positive number of hours".into()),
        Err(_) => Err("not a number".into()),
    }
}

/// Builds the scenario: the file or the default, then the overrides, then
/// validation.
pub fn scenario(args: &SimulateArgs) -> Result<Scenario, CliError> {
    let mut scenario = match &args.scenario {
        Some(path) => Scenario::parse_path(path).map_err(CliError::input)?,
        None => Scenario::default(),
    };
    if let Some(n) = args.contacts {
        scenario.contacts = n;
    }
    if let Some(n) = args.operators {
        scenario.operators = n;
    }
    if let Some(mode) = args.mode {
        scenario.set_mode(mode.into());
    }
    if let Some(seed) = args.seed {
        scenario.seed = seed;
    }
    if let Some(hours) = args.until {
        scenario.until_hours = Some(hours);
    }
    scenario.validate().map_err(CliError::input)?;
    Ok(scenario)
}

/// Runs `dialcore simulate`; returns what to print on stdout.
pub fn run(args: &SimulateArgs) -> Result<String, CliError> {
    let scenario = scenario(args)?;
    // Open the time-series file first: a bad path should not cost a run.
    let timeseries = match &args.timeseries {
        Some(path) => {
            let file = File::create(path)
                .map_err(|e| CliError::input(format!("cannot create {}: {e}", path.display())))?;
            Some((path, BufWriter::new(file)))
        }
        None => None,
    };

    let show_bar = !args.json && std::io::stdout().is_terminal() && std::io::stderr().is_terminal();
    let bar = show_bar.then(|| progress_bar(scenario.contacts as u64));
    let started = Instant::now();
    let result = dialcore_sim::run(&scenario, &mut |p: Progress| {
        if let Some(bar) = &bar {
            bar.set_length(p.contacts.max(1));
            bar.set_position(p.terminal);
            bar.set_message(format!(
                "simulated {}  {} events",
                clock(p.simulated_ms),
                p.events
            ));
        }
    });
    let wall = started.elapsed();
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let report = result.map_err(sim_error)?;
    if report.stop_reason == StopReason::Stalled {
        eprintln!(
            "warning: the run stalled after {:.1} simulated hours with contacts not done: \
             nothing more could happen (no operator ready, or a calling window that never opens?)",
            report.simulated_s / 3600.0
        );
    }

    if let Some((path, mut out)) = timeseries {
        report
            .write_timeseries_csv(&mut out)
            .and_then(|()| out.flush())
            .map_err(|e| CliError::input(format!("cannot write {}: {e}", path.display())))?;
    }

    Ok(if args.json {
        let mut text = report_json(&report, wall).to_string();
        text.push('\n');
        text
    } else {
        report_text(&report, wall)
    })
}

/// A failed run: a scenario or configuration the engine refuses is the
/// user's input; an engine error during the run is a simulator bug.
fn sim_error(e: SimError) -> CliError {
    match e {
        SimError::Scenario(_) | SimError::Config(_) => CliError::input(e),
        SimError::Engine(_) => CliError::internal(e),
    }
}

/// The progress bar drawn on stderr: contacts done out of all.
fn progress_bar(contacts: u64) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(contacts.max(1)), ProgressDrawTarget::stderr());
    let style = ProgressStyle::with_template(
        "{elapsed_precise} [{wide_bar}] {human_pos}/{human_len} contacts done  {msg}",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar())
    .progress_chars("=> ");
    bar.set_style(style);
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

/// The simulator's JSON report plus `"wall_s"`.
pub fn report_json(report: &SimReport, wall: Duration) -> Value {
    let mut value = report.to_json();
    match value.as_object_mut() {
        Some(obj) => {
            obj.insert("wall_s".into(), json!(wall.as_secs_f64()));
            value
        }
        None => json!({ "report": value, "wall_s": wall.as_secs_f64() }),
    }
}

/// The simulator's text report plus wall time and throughput.
pub fn report_text(report: &SimReport, wall: Duration) -> String {
    let mut text = report.render_text();
    if !text.ends_with('\n') {
        text.push('\n');
    }
    let wall_s = wall.as_secs_f64().max(1e-9);
    text.push_str(&format!(
        "wall time {:.3} s: {:.2} M events/s, {:.0} simulated s per wall s\n",
        wall.as_secs_f64(),
        report.events as f64 / wall_s / 1e6,
        report.simulated_s / wall_s,
    ));
    text
}

/// Simulated time as `H:MM:SS`.
fn clock(ms: u64) -> String {
    let s = ms / 1000;
    format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_hours_are_checked() {
        assert_eq!(parse_count("12"), Ok(12));
        assert!(parse_count("0").is_err());
        assert!(parse_count("-3").is_err());
        assert_eq!(parse_hours("1.5"), Ok(1.5));
        assert!(parse_hours("0").is_err());
        assert!(parse_hours("inf").is_err());
        assert!(parse_hours("NaN").is_err());
    }

    #[test]
    fn clock_formats_hours_minutes_seconds() {
        assert_eq!(clock(0), "0:00:00");
        assert_eq!(clock(3_723_999), "1:02:03");
    }
}
