//! `dialcore pacing-eval`: every pacer over the scenario matrix and many
//! seeds ([`dialcore_sim::eval`]); prints the summary table, or JSON, and
//! writes the markdown report and the SVG chart when asked.
//!
//! Runs are spread over `--threads` worker threads (default: the cores
//! available); each run is deterministic, so the report does not depend on
//! the thread count. The wall time is printed on stderr only, so the
//! report itself is reproducible.

use std::path::{Path, PathBuf};
use std::time::Instant;

use dialcore_sim::eval::{evaluate, EvalOptions};

use crate::error::CliError;

/// Arguments of `dialcore pacing-eval`.
#[derive(Debug, clap::Args)]
pub struct PacingEvalArgs {
    /// In-sample seeds per scenario and pacer (5–100 operators), 1..=N.
    #[arg(long, value_name = "N", default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub seeds: u32,
    /// Seeds per scenario and pacer for the small teams (1–3 operators),
    /// the 3-operator breaks and the 5-operator cold starts.
    #[arg(long, value_name = "N", default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub small_seeds: u32,
    /// In-sample seeds of the 300- and 1,000-operator scenarios.
    #[arg(long, value_name = "N", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub big_seeds: u32,
    /// Out-of-sample seeds (101..=100+N), run once at the in-sample picks.
    #[arg(long, value_name = "N", default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub oos_seeds: u32,
    /// Leave out the realistic variants of the published scenarios.
    #[arg(long)]
    pub no_realistic: bool,
    /// Simulated hours per run.
    #[arg(long, value_name = "H", default_value_t = 8.0, value_parser = parse_hours)]
    pub hours: f64,
    /// A tiny matrix: one scenario, one stress scenario, short grids.
    #[arg(long)]
    pub quick: bool,
    /// Write the markdown report here (e.g. docs/PACING.md).
    #[arg(long, value_name = "FILE.md")]
    pub out: Option<PathBuf>,
    /// Write the occupancy chart here (e.g. docs/pacing.svg).
    #[arg(long, value_name = "FILE.svg")]
    pub svg: Option<PathBuf>,
    /// Print the whole result as JSON instead of the summary table.
    #[arg(long)]
    pub json: bool,
    /// Worker threads (default: the cores available).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub threads: Option<u32>,
}

/// Parses a positive, finite number of hours.
fn parse_hours(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(h) if h.is_finite() && h > 0.0 && h <= 24.0 * 30.0 => Ok(h),
        Ok(_) => Err("must be a positive number of hours (at most 720)".into()),
        Err(_) => Err("not a number".into()),
    }
}

/// Runs the evaluation; returns what to print.
pub fn run(args: &PacingEvalArgs) -> Result<String, CliError> {
    let threads = args.threads.map(|t| t as usize).unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    let options = EvalOptions {
        seeds: args.seeds,
        small_seeds: args.small_seeds,
        big_seeds: args.big_seeds,
        oos_seeds: args.oos_seeds,
        realistic: !args.no_realistic,
        hours: args.hours,
        quick: args.quick,
        threads,
    };
    let started = Instant::now();
    let mut report = evaluate(&options, &mut |phase| {
        eprintln!("{:>8.1} s  {phase}", started.elapsed().as_secs_f64())
    })
    .map_err(|e| CliError::internal(format!("pacing evaluation: {e}")))?;
    report.wall_s = started.elapsed().as_secs_f64();
    eprintln!(
        "{} runs in {:.1} s on {threads} threads",
        report.runs, report.wall_s
    );
    if let Some(svg) = &args.svg {
        write(svg, &report.render_svg())?;
    }
    if let Some(out) = &args.out {
        let chart = args.svg.as_deref().map(|svg| relative(svg, out));
        write(out, &report.render_markdown(chart.as_deref()))?;
    }
    if args.json {
        let mut json = report.to_json();
        json["wall_s"] = serde_json::Value::from(report.wall_s);
        Ok(format!("{json}\n"))
    } else {
        Ok(report.summary_markdown())
    }
}

fn write(path: &Path, text: &str) -> Result<(), CliError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| CliError::input(format!("cannot create {}: {e}", dir.display())))?;
    }
    std::fs::write(path, text)
        .map_err(|e| CliError::input(format!("cannot write {}: {e}", path.display())))
}

/// `target` as seen from the directory of `from` (same directory: the file
/// name; otherwise the path as given).
fn relative(target: &Path, from: &Path) -> String {
    match (target.parent(), from.parent()) {
        (Some(a), Some(b)) if a == b => target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        _ => target.display().to_string(),
    }
}
