//! `dialcore records DIR`: the campaign's attempt records, one per call
//! attempt, built from the data directory's journal
//! ([`dialcore::records::read_records`], read-only: no lock, nothing
//! written, so it can run beside the process that dials).
//!
//! The output is CSV (the default; columns and format in docs/RECORDS.md)
//! or Parquet (`--format parquet`, built with the `parquet` cargo feature,
//! on by default: the `parquet` crate without its compression codecs and
//! without `arrow`). `--from` / `--to` keep the attempts dialed in
//! `[from, to)` (RFC 3339 times or epoch milliseconds). `--out FILE`
//! writes there, else CSV goes to stdout (Parquet needs `--out`).
//!
//! The records are judged by the configuration the campaign ran with: it is
//! the built-in scenario's unless `--scenario FILE` / `--mode` say
//! otherwise (the same options `simulate` takes), and a configuration whose
//! compliance settings differ from the one stored with the campaign is
//! refused, naming the fields.

#[cfg(feature = "parquet")]
mod parquet;

use std::fs::File;
use std::io::Write;
use std::path::PathBuf;

use dialcore::records::{read_records, write_csv, AttemptRecord, Records};
use dialcore_sim::Scenario;

use crate::error::CliError;
use crate::simulate::ModeArg;

/// Where the records come from: the directory and the configuration it ran with.
#[derive(Debug, clap::Args)]
pub struct SourceArgs {
    /// The data directory (as given to `simulate --data-dir` or a host's
    /// `Campaign::open`).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// The scenario the campaign ran with (its campaign settings); the
    /// built-in scenario when not given.
    #[arg(long, value_name = "FILE")]
    pub scenario: Option<PathBuf>,
    /// The dialing mode the campaign ran with (overrides the scenario).
    #[arg(long, value_enum)]
    pub mode: Option<ModeArg>,
    /// The campaign's name in the records (default: the directory's name).
    #[arg(long, value_name = "NAME")]
    pub campaign: Option<String>,
}

impl SourceArgs {
    /// Reads the records of the directory.
    pub fn read(&self) -> Result<Records, CliError> {
        let mut scenario = match &self.scenario {
            Some(path) => Scenario::parse_path(path).map_err(CliError::input)?,
            None => Scenario::default(),
        };
        if let Some(mode) = self.mode {
            scenario.set_mode(mode.into());
        }
        let config = scenario.campaign_config().map_err(CliError::input)?;
        read_records(&self.dir, config, self.campaign.as_deref()).map_err(CliError::input)
    }
}

/// The output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Comma-separated values with a header line.
    Csv,
    /// Apache Parquet (needs `--out`).
    Parquet,
}

/// Arguments of `dialcore records`.
#[derive(Debug, clap::Args)]
pub struct RecordsArgs {
    /// The directory and its configuration.
    #[command(flatten)]
    pub source: SourceArgs,
    /// The output format.
    #[arg(long, value_enum, default_value = "csv")]
    pub format: Format,
    /// Keep attempts dialed at or after this time (RFC 3339 or epoch ms).
    #[arg(long, value_name = "T", value_parser = parse_time)]
    pub from: Option<u64>,
    /// Keep attempts dialed before this time (RFC 3339 or epoch ms).
    #[arg(long, value_name = "T", value_parser = parse_time)]
    pub to: Option<u64>,
    /// Write to this file instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// Parses an RFC 3339 time (`2026-01-05T09:00:00Z`) or epoch milliseconds.
pub fn parse_time(text: &str) -> Result<u64, String> {
    let text = text.trim();
    if let Ok(ms) = text.parse::<u64>() {
        return Ok(ms);
    }
    let ts: jiff::Timestamp = text
        .parse()
        .map_err(|e| format!("not an RFC 3339 time or epoch milliseconds: {e}"))?;
    u64::try_from(ts.as_millisecond()).map_err(|_| "before 1970".to_owned())
}

/// The attempts dialed in `[from, to)`.
pub fn in_range(
    records: &[AttemptRecord],
    from: Option<u64>,
    to: Option<u64>,
) -> Vec<AttemptRecord> {
    records
        .iter()
        .filter(|r| from.is_none_or(|f| r.dial_at >= f) && to.is_none_or(|t| r.dial_at < t))
        .cloned()
        .collect()
}

/// Runs `dialcore records`; returns what to print on stdout.
pub fn run(args: &RecordsArgs) -> Result<String, CliError> {
    if let (Some(f), Some(t)) = (args.from, args.to) {
        if f >= t {
            return Err(CliError::input(format!(
                "--from ({f}) must be before --to ({t})"
            )));
        }
    }
    let records = args.source.read()?;
    let attempts = in_range(&records.attempts, args.from, args.to);
    match args.format {
        Format::Csv => {
            let mut bytes = Vec::new();
            write_csv(&attempts, &mut bytes).map_err(CliError::internal)?;
            match &args.out {
                Some(path) => {
                    write_file(path, &bytes)?;
                    Ok(format!(
                        "{} attempt records written to {}\n",
                        attempts.len(),
                        path.display()
                    ))
                }
                None => String::from_utf8(bytes).map_err(CliError::internal),
            }
        }
        Format::Parquet => {
            let Some(path) = &args.out else {
                return Err(CliError::input("--format parquet needs --out FILE"));
            };
            write_parquet(path, &attempts)?;
            Ok(format!(
                "{} attempt records written to {}\n",
                attempts.len(),
                path.display()
            ))
        }
    }
}

#[cfg(feature = "parquet")]
fn write_parquet(path: &std::path::Path, attempts: &[AttemptRecord]) -> Result<(), CliError> {
    let file = File::create(path)
        .map_err(|e| CliError::input(format!("cannot create {}: {e}", path.display())))?;
    parquet::write(file, attempts)
        .map_err(|e| CliError::input(format!("cannot write {}: {e}", path.display())))
}

#[cfg(not(feature = "parquet"))]
fn write_parquet(_: &std::path::Path, _: &[AttemptRecord]) -> Result<(), CliError> {
    Err(CliError::input(
        "this dialcore was built without Parquet (cargo feature `parquet`); use --format csv",
    ))
}

/// Writes `bytes` to `path`, naming the file in an error.
pub fn write_file(path: &std::path::Path, bytes: &[u8]) -> Result<(), CliError> {
    File::create(path)
        .and_then(|mut f| f.write_all(bytes))
        .map_err(|e| CliError::input(format!("cannot write {}: {e}", path.display())))
}
