//! `dialcore`: the command-line front end of the dialing core.
//!
//! - `dialcore simulate` runs a simulated campaign ([`simulate`]);
//! - `dialcore check FILE.csv` validates a contact list, `--rows` row by row
//!   ([`check`]);
//! - `dialcore inspect DIR` shows what a data directory holds, read-only
//!   ([`inspect`]);
//! - `dialcore pacing-eval` compares the predictive pacers over a scenario
//!   matrix ([`pacing_eval`]).
//!
//! This file is glue: it parses the arguments, runs the command, prints what
//! it returns and maps errors to exit codes — 0 ok, 2 a usage or input error,
//! 1 an internal failure ([`error`]). Errors are one line, `error: <message>`
//! on stderr; clap reports its own argument errors. A panic is caught and
//! reported the same way, as an internal failure, never as a backtrace.
#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

mod check;
mod error;
mod inspect;
mod pacing_eval;
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
}

impl Command {
    /// Runs the command; returns what to print on stdout.
    fn run(&self) -> Result<String, CliError> {
        match self {
            Command::Simulate(args) => simulate::run(args),
            Command::Check(args) => check::run(args),
            Command::Inspect(args) => inspect::run(args),
            Command::PacingEval(args) => pacing_eval::run(args),
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    panic::set_hook(Box::new(report_bug));
    let result = match panic::catch_unwind(|| cli.command.run()) {
        Ok(result) => result,
        Err(_) => return ExitCode::from(EXIT_INTERNAL),
    };
    match result.and_then(|out| print(&out)) {
        Ok(()) => ExitCode::SUCCESS,
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
