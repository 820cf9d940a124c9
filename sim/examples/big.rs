//! Speed check: `cargo run --release -p dialcore-sim --example big [contacts] [operators] [mode]`,
//! or `... --example big path/to/scenario.toml`.
//!
//! Runs one scenario to completion and prints wall time, events per second
//! and simulated seconds per wall second, then the report.

use std::time::Instant;

use dialcore_sim::{run, Mode, Scenario};

fn main() {
    let mut args = std::env::args().skip(1).peekable();
    if let Some(path) = args.peek().filter(|a| a.ends_with(".toml")) {
        let scenario = Scenario::from_path(std::path::Path::new(path)).unwrap_or_else(|e| {
            eprintln!("{e}");
            std::process::exit(2)
        });
        return report(&scenario);
    }
    let contacts = args
        .next()
        .map_or(1_000_000, |a| a.parse().expect("contacts"));
    let operators = args.next().map_or(100, |a| a.parse().expect("operators"));
    let mode = args
        .next()
        .map_or(Mode::Predictive, |a| Mode::from_name(&a).expect("mode"));
    let mut scenario = Scenario {
        name: "big".into(),
        contacts,
        operators,
        ..Scenario::default()
    };
    scenario.set_mode(mode);
    report(&scenario);
}

fn report(scenario: &Scenario) {
    let t = Instant::now();
    let report = run(scenario, &mut |_| {}).expect("run");
    let wall = t.elapsed().as_secs_f64();
    println!(
        "wall {wall:.2} s, {} events, {:.0} events/s, {:.0} simulated s per wall s",
        report.events,
        report.events as f64 / wall,
        report.simulated_s / wall
    );
    print!("{}", report.render_text());
}
