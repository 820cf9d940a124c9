//! The result of a floor run: one row per campaign, per pool and per trunk.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use crate::report::StopReason;

/// One campaign's figures at the end of a floor run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CampaignReport {
    /// Its name.
    pub name: String,
    /// Its mode (`predictive`).
    pub mode: String,
    /// Its priority.
    pub priority: u8,
    /// Its weight.
    pub weight: u32,
    /// Its contacts.
    pub contacts: u64,
    /// Dial attempts.
    pub attempts: u64,
    /// Calls answered by a human.
    pub answered: u64,
    /// Calls connected to an operator.
    pub connected: u64,
    /// Answered calls dropped before an operator came.
    pub abandoned: u64,
    /// Abandoned / human-answered, over the run (the law counts per campaign).
    pub abandon_rate: f64,
    /// The campaign's abandon target.
    pub abandon_target: f64,
    /// `abandon_rate <= abandon_target`.
    pub within_target: bool,
    /// Final contacts per state (all 17 state names).
    pub counts: BTreeMap<String, u64>,
}

/// One pool's figures at the end of a floor run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PoolReport {
    /// Its name.
    pub name: String,
    /// Its operators.
    pub operators: u64,
    /// The campaigns it serves.
    pub campaigns: Vec<String>,
    /// Talk time of its operators, s.
    pub talk_s: f64,
    /// After-call work of its operators, s.
    pub acw_s: f64,
    /// Staffed time (operators × simulated time), s.
    pub staffed_s: f64,
    /// Talk / staffed time.
    pub occupancy: f64,
    /// Share of the staffed time neither in a call nor in ACW.
    pub idle: f64,
    /// Operators ready at the end.
    pub ready_at_end: u32,
    /// Operators in an outbound call at the end.
    pub in_call_at_end: u32,
    /// Operators kept for inbound work.
    pub inbound_target: u32,
}

/// One trunk's figures at the end of a floor run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrunkReport {
    /// Its name.
    pub name: String,
    /// Its lines.
    pub max_calls: u32,
    /// Its calls a second.
    pub cps: f64,
    /// Dials placed on it.
    pub dials: u64,
    /// Most calls it carried at once.
    pub peak_calls: u32,
}

/// The figures of one floor run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FloorReport {
    /// The scenario's name.
    pub scenario: String,
    /// The PRNG seed.
    pub seed: u64,
    /// Why the run stopped.
    pub stop_reason: StopReason,
    /// Simulated time from start to stop, s.
    pub simulated_s: f64,
    /// Events fed to the floor.
    pub events: u64,
    /// Events the floor refused as stale or illegal (races with its timers).
    pub stale_events: u64,
    /// Broken promises the driver saw (an operator given two calls, a trunk
    /// over its lines); empty in a correct run.
    pub violations: Vec<String>,
    /// Steps where the floor's next deadline was not after the current
    /// time although nothing was due and its poll handed out nothing (the
    /// driver then steps 1 ms on); 0 when the deadline always moves on.
    pub deadline_stalls: u64,
    /// One row per campaign, in scenario order.
    pub campaigns: Vec<CampaignReport>,
    /// One row per pool, in scenario order.
    pub pools: Vec<PoolReport>,
    /// One row per trunk, in scenario order.
    pub trunks: Vec<TrunkReport>,
}

impl FloorReport {
    /// The report as JSON.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("a floor report always serializes")
    }

    /// A campaign's row by name.
    pub fn campaign(&self, name: &str) -> Option<&CampaignReport> {
        self.campaigns.iter().find(|c| c.name == name)
    }

    /// The report as text: a table of campaigns, one of pools, one of trunks.
    pub fn render_text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "floor scenario {} (seed {}): {} after {:.1} simulated min, {} events ({} stale)",
            self.scenario,
            self.seed,
            self.stop_reason.name(),
            self.simulated_s / 60.0,
            self.events,
            self.stale_events
        );
        let _ = writeln!(
            s,
            "\n{:<16} {:>11} {:>4} {:>6} {:>8} {:>8} {:>9} {:>9} {:>8} {:>7}",
            "campaign",
            "mode",
            "prio",
            "weight",
            "contacts",
            "attempts",
            "connected",
            "abandoned",
            "rate",
            "target"
        );
        for c in &self.campaigns {
            let _ = writeln!(
                s,
                "{:<16} {:>11} {:>4} {:>6} {:>8} {:>8} {:>9} {:>9} {:>7.2}% {:>6.2}%{}",
                c.name,
                c.mode,
                c.priority,
                c.weight,
                c.contacts,
                c.attempts,
                c.connected,
                c.abandoned,
                c.abandon_rate * 100.0,
                c.abandon_target * 100.0,
                if c.within_target { "" } else { "  OVER TARGET" }
            );
        }
        let _ = writeln!(
            s,
            "\n{:<16} {:>9} {:>9} {:>6}  campaigns",
            "pool", "operators", "occupancy", "idle"
        );
        for p in &self.pools {
            let _ = writeln!(
                s,
                "{:<16} {:>9} {:>8.1}% {:>5.1}%  {}",
                p.name,
                p.operators,
                p.occupancy * 100.0,
                p.idle * 100.0,
                p.campaigns.join(", ")
            );
        }
        if !self.trunks.is_empty() {
            let _ = writeln!(
                s,
                "\n{:<16} {:>5} {:>6} {:>8} {:>5}",
                "trunk", "lines", "cps", "dials", "peak"
            );
            for t in &self.trunks {
                let _ = writeln!(
                    s,
                    "{:<16} {:>5} {:>6.1} {:>8} {:>5}",
                    t.name, t.max_calls, t.cps, t.dials, t.peak_calls
                );
            }
        }
        for v in &self.violations {
            let _ = writeln!(s, "VIOLATION: {v}");
        }
        s
    }
}
