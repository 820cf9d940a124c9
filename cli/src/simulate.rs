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
//!
//! **Floor scenarios.** A scenario file with `[[campaigns]]` tables runs
//! several campaigns on one floor (the `floor` submodule).
//!
//! **Durable runs.** With `--data-dir DIR` the campaign lives in a data
//! directory ([`dialcore_sim::run_durable`]): a directory without a campaign
//! gets the scenario's contacts, one holding a campaign (after a crash, a
//! kill or a time limit) is recovered and continued, and the report is that
//! of the continued run, preceded by what recovery found. `--fsync` defaults
//! to `never` here, unlike a production host's `always`: simulated time runs
//! about a million times faster than real time, so an fsync per poll would
//! make the simulation measure the disk instead of the engine. The journal's
//! bytes are still written to the file at every poll, before the poll's
//! commands are acted on, so a killed process loses nothing; only a crash of
//! the machine could. `--ack-log FILE` appends the contact id of every Dial
//! command to FILE, one per line, written out at every poll before the
//! simulated PBX acts on it: what a crash test checks the recovered
//! campaign against.
//!
//! **Storage errors are loud.** What recovery found damaged or skipped is
//! printed as warnings on stderr (and listed in `--json` under
//! `recovery`). A snapshot (`--snapshot-every`) that still fails at the end
//! of the run (an unwritable directory, a full disk) is a warning on
//! stderr, `snapshot_error` in `--json`, and exit code 2 after the report:
//! the run could not be made durable as asked. A journal that cannot be
//! written stops the run at once with the same exit code.

use std::cell::RefCell;
use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::{Duration, Instant};

use dialcore::journal::FsyncPolicy;
use dialcore::{Command, DurableOptions, Mode, RecoveryReport};
use dialcore_sim::{CommandHook, Progress, Scenario, SimError, SimReport, StopReason};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::{json, Value};

use crate::error::CliError;

mod floor;

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
    /// Keep the campaign in this data directory: a new directory gets the
    /// scenario's contacts, one holding a campaign is recovered and
    /// continued.
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// When journal writes are forced to disk: `always` (every poll, what
    /// production hosts use), `never` (the default here: simulated time runs
    /// ~10^6 times faster than real time; the bytes still reach the file at
    /// every poll, so a killed process loses nothing), or every N ms.
    #[arg(long, value_name = "always|never|MS", value_parser = parse_fsync, requires = "data_dir")]
    pub fsync: Option<FsyncArg>,
    /// Take a snapshot once the journal holds this many records (0: never).
    #[arg(long, value_name = "N", requires = "data_dir")]
    pub snapshot_every: Option<u64>,
    /// For crash tests: append the contact id of every Dial command to this
    /// file, one per line, written out at every poll before the simulated
    /// PBX acts on it.
    #[arg(
        long,
        value_name = "FILE",
        requires = "data_dir",
        hide_short_help = true
    )]
    pub ack_log: Option<PathBuf>,
    /// Warm standby over NATS JetStream (see `dialcore_replica`).
    #[command(flatten)]
    pub replica: crate::replica::ReplicaArgs,
    /// A calling-rule file (TOML: hours, day bans, holidays and per-number
    /// caps by region; see the README) loaded into the campaign; a bad file
    /// is an error naming its line and field.
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,
}

/// The `--fsync` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FsyncArg {
    /// Force every poll's journal bytes to disk.
    Always,
    /// Never force them (the operating system writes them back).
    Never,
    /// Force them at most every this many milliseconds.
    EveryMs(u64),
}

impl From<FsyncArg> for FsyncPolicy {
    fn from(arg: FsyncArg) -> FsyncPolicy {
        match arg {
            FsyncArg::Always => FsyncPolicy::Always,
            FsyncArg::Never => FsyncPolicy::Never,
            FsyncArg::EveryMs(ms) => FsyncPolicy::EveryMs(ms),
        }
    }
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

/// Parses `always`, `never` or a whole number of milliseconds (at least 1).
fn parse_fsync(text: &str) -> Result<FsyncArg, String> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("always") {
        return Ok(FsyncArg::Always);
    }
    if text.eq_ignore_ascii_case("never") {
        return Ok(FsyncArg::Never);
    }
    match text.parse::<u64>() {
        Ok(0) => Err("an interval must be at least 1 ms (or use always)".into()),
        Ok(ms) => Ok(FsyncArg::EveryMs(ms)),
        Err(_) => Err("expected always, never or a number of milliseconds".into()),
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
    if let Some(path) = &args.rules {
        scenario.rules = Some(crate::check::read_rules(path)?);
    }
    scenario.validate().map_err(CliError::input)?;
    Ok(scenario)
}

/// Runs `dialcore simulate`; returns what to print on stdout.
pub fn run(args: &SimulateArgs) -> Result<String, CliError> {
    if let Some(path) = args.scenario.as_deref().filter(|p| floor::is_floor_file(p)) {
        return floor::run(args, path);
    }
    let scenario = scenario(args)?;
    if args.replica.replicate.is_some() {
        return crate::replica::run(args, &scenario);
    }
    // Open the time-series file first: a bad path should not cost a run.
    let timeseries = match &args.timeseries {
        Some(path) => {
            let file = File::create(path)
                .map_err(|e| CliError::input(format!("cannot create {}: {e}", path.display())))?;
            Some((path, BufWriter::new(file)))
        }
        None => None,
    };

    let ack_log = match &args.ack_log {
        Some(path) => Some(AckLog::open(path)?),
        None => None,
    };
    let ack_error = ack_log.as_ref().map(|log| Rc::clone(&log.error));

    let show_bar = !args.json && std::io::stdout().is_terminal() && std::io::stderr().is_terminal();
    let bar = show_bar.then(|| progress_bar(scenario.contacts as u64));
    let mut progress = |p: Progress| {
        if let Some(bar) = &bar {
            bar.set_length(p.contacts.max(1));
            bar.set_position(p.terminal);
            bar.set_message(format!(
                "simulated {}  {} events",
                clock(p.simulated_ms),
                p.events
            ));
        }
    };
    let started = Instant::now();
    let result = match &args.data_dir {
        Some(dir) => {
            let options = durable_options(args);
            let hook = ack_log.map(AckLog::into_hook);
            dialcore_sim::run_durable(&scenario, dir, options, hook, &mut progress)
                .map(|(report, recovery, snapshot_error)| (report, Some(recovery), snapshot_error))
        }
        None => dialcore_sim::run(&scenario, &mut progress).map(|report| (report, None, None)),
    };
    let wall = started.elapsed();
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let (report, recovery, snapshot_error) = result.map_err(sim_error)?;
    if let Some(e) = &snapshot_error {
        eprintln!(
            "warning: snapshot failed: {e}; the journal still holds every change but grows \
             until a snapshot succeeds"
        );
    }
    if let Some(r) = &recovery {
        warn_recovery(r, "");
    }
    ack_result(ack_error, args)?;
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

    let out = if args.json {
        let mut value = report_json(&report, wall);
        if let (Some(recovery), Some(obj)) = (&recovery, value.as_object_mut()) {
            obj.insert("recovery".into(), recovery_json(recovery));
            obj.insert("snapshot_error".into(), json!(snapshot_error));
        }
        let mut text = value.to_string();
        text.push('\n');
        text
    } else {
        let mut text = String::new();
        if let Some(recovery) = recovery.as_ref().filter(|r| !r.fresh) {
            // What recovery found first, then the continued run's report.
            text.push_str(&recovery.to_string());
            text.push('\n');
        }
        text.push_str(&report_text(&report, wall));
        if let Some(e) = &snapshot_error {
            text.push_str(&format!("snapshot failed: {e}\n"));
        }
        text
    };
    match snapshot_error {
        // The report is printed, then the run fails: it could not be made
        // durable as asked (exit 2, like a data directory that cannot be
        // written).
        Some(e) => {
            let mut stdout = io::stdout().lock();
            stdout
                .write_all(out.as_bytes())
                .and_then(|()| stdout.flush())
                .map_err(|w| CliError::internal(format!("writing the report: {w}")))?;
            Err(CliError::input(format!(
                "the run could not be made durable: snapshot failed: {e}"
            )))
        }
        None => Ok(out),
    }
}

/// The durable options of `--fsync` (default `never`) and
/// `--snapshot-every`.
fn durable_options(args: &SimulateArgs) -> DurableOptions {
    let mut options = DurableOptions {
        fsync: args.fsync.unwrap_or(FsyncArg::Never).into(),
        ..DurableOptions::default()
    };
    if let Some(n) = args.snapshot_every {
        options.snapshot_every_records = n;
    }
    options
}

/// Warns on stderr of what a campaign's recovery found damaged or skipped
/// (`prefix` names the campaign on a floor).
fn warn_recovery(r: &RecoveryReport, prefix: &str) {
    for d in &r.damage {
        eprintln!("warning: recovery: {prefix}{d}");
    }
    for (path, why) in &r.skipped_files {
        eprintln!("warning: recovery skipped {}: {why}", path.display());
    }
}

/// The ack log's first write error, as the run's.
fn ack_result(
    error: Option<Rc<RefCell<Option<io::Error>>>>,
    args: &SimulateArgs,
) -> Result<(), CliError> {
    if let (Some(error), Some(path)) = (error, &args.ack_log) {
        if let Some(e) = error.borrow_mut().take() {
            return Err(CliError::input(format!(
                "cannot write {}: {e}",
                path.display()
            )));
        }
    }
    Ok(())
}

/// A hook that sees each poll's commands.
type Hook<T> = Box<dyn FnMut(&[T])>;

/// The `--ack-log` file: one line per Dial command (a one-campaign run
/// writes the contact id, a floor run `CAMPAIGN CONTACT ATTEMPT`).
#[derive(Debug)]
struct AckLog {
    file: File,
    /// The first write error; the run goes on and reports it at the end.
    error: Rc<RefCell<Option<io::Error>>>,
}

impl AckLog {
    /// Opens (creates or appends to) the file; a bad path fails before the run.
    fn open(path: &Path) -> Result<AckLog, CliError> {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| CliError::input(format!("cannot open {}: {e}", path.display())))?;
        Ok(AckLog {
            file,
            error: Rc::new(RefCell::new(None)),
        })
    }

    /// The hook that appends the lines `lines` writes for each poll's
    /// commands with one unbuffered write, before the simulated PBX sees
    /// them.
    fn hook_with<T: 'static>(self, mut lines: impl FnMut(&[T], &mut String) + 'static) -> Hook<T> {
        let AckLog { mut file, error } = self;
        let mut line = String::new();
        Box::new(move |commands: &[T]| {
            line.clear();
            lines(commands, &mut line);
            if line.is_empty() || error.borrow().is_some() {
                return;
            }
            if let Err(e) = file.write_all(line.as_bytes()) {
                *error.borrow_mut() = Some(e);
            }
        })
    }

    /// The one-campaign hook: the contact id of each Dial.
    fn into_hook(self) -> CommandHook {
        self.hook_with(|commands: &[Command], line| {
            for command in commands {
                if let Command::Dial { call, .. } = command {
                    line.push_str(&call.contact.0.to_string());
                    line.push('\n');
                }
            }
        })
    }
}

/// A failed run: a scenario or configuration the engine refuses is the
/// user's input, and so is a data directory that cannot be opened (locked
/// by another process, unreadable, from another campaign) or written; an
/// engine error during the run is a simulator bug.
fn sim_error(e: SimError) -> CliError {
    match e {
        SimError::Scenario(_) | SimError::Config(_) => CliError::input(e),
        // The message names the directory or file already.
        SimError::Durable(message) | SimError::Rules(message) => CliError::Input(message),
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

/// What recovery found, as the `recovery` object of the JSON report.
pub fn recovery_json(recovery: &RecoveryReport) -> Value {
    crate::inspect::recovery_summary_json(recovery)
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
    fn fsync_takes_always_never_or_milliseconds() {
        assert_eq!(parse_fsync("always"), Ok(FsyncArg::Always));
        assert_eq!(parse_fsync("Never"), Ok(FsyncArg::Never));
        assert_eq!(parse_fsync("250"), Ok(FsyncArg::EveryMs(250)));
        assert!(parse_fsync("0").is_err());
        assert!(parse_fsync("-5").is_err());
        assert!(parse_fsync("sometimes").is_err());
    }

    #[test]
    fn clock_formats_hours_minutes_seconds() {
        assert_eq!(clock(0), "0:00:00");
        assert_eq!(clock(3_723_999), "1:02:03");
    }
}
