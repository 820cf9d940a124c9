//! `dialcore`: the command-line front end of the dialing core.
//!
//! - `dialcore simulate` runs a simulated campaign ([`simulate`]);
//! - `dialcore check FILE.csv` validates a contact list, `--rows` row by row
//!   ([`check`]);
//! - `dialcore inspect DIR` shows what a data directory holds, read-only
//!   ([`inspect`]);
//! - `dialcore records DIR` writes the attempt records, CSV or Parquet
//!   ([`records`]);
//! - `dialcore audit DIR` checks the compliance rules on them and writes
//!   Markdown and HTML; exit code 3 when a rule was broken ([`audit`]);
//! - `dialcore pacing-eval` compares the predictive pacers over a scenario
//!   matrix ([`pacing_eval`]).
//!
//! This file is glue: it parses the arguments, runs the command, prints what
//! it returns and maps errors to exit codes — 0 ok, 2 a usage or input error,
//! 1 an internal failure ([`error`]), 3 an audit that found a broken rule. Errors are one line, `error: <message>`
//! on stderr; clap reports its own argument errors. A panic is caught and
//! reported the same way, as an internal failure, never as a backtrace.
#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

mod audit;
mod check;
mod error;
mod inspect;
mod pacing_eval;
mod records;
mod replica;
mod simulate;

use std::io::{self, Write};
use std::panic;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::error::{CliError, EXIT_INTERNAL};

/// Simulate dialing campaigns and check contact lists.
#[derive(Debug, Parser)]
#[command(name = "dialcore", version, about)]
struct Cli {
    /// The command to run.
    #[command(subcommand)]
    command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
enum Command {
    /// Run a simulated campaign to completion (or to --until) and report on
    /// it; with --data-dir, durably, resuming a campaign the directory holds.
    Simulate(simulate::SimulateArgs),
    /// Validate a contact list: count valid, invalid, blacklisted and
    /// duplicate numbers and list the first bad rows (--rows: every row).
    Check(check::CheckArgs),
    /// Show what a campaign data directory holds (recovery report, contacts
    /// per state) without locking or changing it.
    Inspect(inspect::InspectArgs),
    /// Compare the predictive pacers (dialcore and the baselines) over a
    /// scenario matrix and many seeds; write docs/PACING.md and a chart.
    PacingEval(pacing_eval::PacingEvalArgs),
    /// Write the campaign's attempt records (one per call attempt, from the
    /// journal) as CSV or Parquet, optionally for a time range.
    Records(records::RecordsArgs),
    /// Audit a campaign's records against the compliance rules (abandon
    /// rate, calling window, blacklist, ring time, caps, abandon message,
    /// records kept); write Markdown and HTML; exit 3 if a rule was broken.
    Audit(audit::AuditArgs),
}

impl Command {
    /// Runs the command; returns what to print on stdout and the exit code.
    fn run(&self) -> Result<(String, u8), CliError> {
        let text = match self {
            Command::Simulate(args) => simulate::run(args),
            Command::Check(args) => check::run(args),
            Command::Inspect(args) => inspect::run(args),
            Command::PacingEval(args) => pacing_eval::run(args),
            Command::Records(args) => records::run(args),
            Command::Audit(args) => {
                let (text, passed) = audit::run(args)?;
                let code = if passed { 0 } else { audit::EXIT_AUDIT_FAILED };
                return Ok((text, code));
            }
        };
        text.map(|t| (t, 0))
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    panic::set_hook(Box::new(report_bug));
    let result = match panic::catch_unwind(|| cli.command.run()) {
        Ok(result) => result,
        Err(_) => return ExitCode::from(EXIT_INTERNAL),
    };
    match result.and_then(|(out, code)| print(&out).map(|()| code)) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e}");
            e.exit_code()
        }
    }
}

/// The panic hook: one line on stderr, no backtrace.
fn report_bug(info: &panic::PanicHookInfo<'_>) {
    let payload = info.payload();
    let message = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("unknown cause");
    match info.location() {
        Some(at) => eprintln!("error: internal failure (a bug in dialcore) at {at}: {message}"),
        None => eprintln!("error: internal failure (a bug in dialcore): {message}"),
    }
}

/// Writes `out` to stdout; a closed pipe (`dialcore … | head`) is not an error.
fn print(out: &str) -> Result<(), CliError> {
    let mut stdout = io::stdout().lock();
    match stdout
        .write_all(out.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => {
            Err(CliError::internal(format!("cannot write to stdout: {e}")))
        }
        _ => Ok(()),
    }
}
