//! The result of a run: final counts, key figures and a per-minute time series.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use dialcore::State;
use serde::Serialize;

/// Why a run stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// Every contact reached a terminal state.
    Finished,
    /// The scenario's `until_hours` of simulated time passed.
    TimeLimit,
    /// Nothing could happen any more (no simulated event, no engine timer,
    /// and contacts left that are not terminal: e.g. no operator ready, a
    /// calling window that never opens).
    Stalled,
}

impl StopReason {
    /// The name used in reports (`finished`, `time_limit`, `stalled`).
    pub fn name(self) -> &'static str {
        match self {
            StopReason::Finished => "finished",
            StopReason::TimeLimit => "time_limit",
            StopReason::Stalled => "stalled",
        }
    }
}

/// The figures of one simulation run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SimReport {
    /// The scenario's name.
    pub scenario: String,
    /// The campaign mode (`predictive`).
    pub mode: String,
    /// The PRNG seed.
    pub seed: u64,
    /// Contacts in the campaign.
    pub contacts: u64,
    /// Operators.
    pub operators: u64,
    /// Final number of contacts per state ([`State::name`]); all 17 states.
    pub counts: BTreeMap<String, u64>,
    /// Abandoned / human-answered calls over the run.
    pub abandon_rate: f64,
    /// Talk time / logged-in time of all operators.
    pub occupancy: f64,
    /// Connected calls per logged-in operator-hour.
    pub contacts_per_operator_hour: f64,
    /// Dials per contact dialed at least once.
    pub attempts_per_contact: f64,
    /// Dial attempts.
    pub dials: u64,
    /// Calls answered by a human.
    pub answered: u64,
    /// Answered calls dropped before an operator came (engine abandon or
    /// client hang-up while waiting).
    pub abandoned: u64,
    /// Calls connected to an operator.
    pub connected: u64,
    /// Mean wait of answered predictive calls, answer → connect (or hang-up), s.
    pub wait_mean_s: f64,
    /// 95th percentile of that wait, s.
    pub wait_p95_s: f64,
    /// Simulated time from start to stop, s.
    pub simulated_s: f64,
    /// Events fed to the engine.
    pub events: u64,
    /// Events the engine refused as stale or illegal (late PBX or operator
    /// messages racing an engine timer); they do not stop the run.
    pub stale_events: u64,
    /// Predictive: answered clients who hung up while waiting (their patience
    /// ran out before the abandon limit).
    pub client_hangups: u64,
    /// True when every contact is in a terminal state.
    pub finished: bool,
    /// Why the run stopped.
    pub stop_reason: StopReason,
    /// One row per simulated minute (not in the JSON report; see
    /// [`SimReport::write_timeseries_csv`]).
    #[serde(skip)]
    pub timeseries: Vec<MinuteRow>,
}

/// The state of the run at the end of one simulated minute.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MinuteRow {
    /// Minutes since the start (row `m` is the state at `start + m` minutes).
    pub minute: u64,
    /// Operators ready (idle) at that instant.
    pub ready_operators: u32,
    /// Calls ringing, waiting for an operator, or talking at that instant.
    pub calls_in_flight: u32,
    /// Calls answered by a human during the minute before.
    pub answered: u64,
    /// Calls abandoned during the minute before.
    pub abandoned: u64,
    /// Abandoned / human-answered from the start to that instant.
    pub cumulative_abandon_rate: f64,
    /// The rate the engine's abandon guard reads at that instant (over its
    /// configured window; not in the CSV).
    pub guarded_abandon_rate: f64,
}

impl SimReport {
    /// The report as JSON (every field but the time series).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("a report always serializes")
    }

    /// Writes the time series as CSV with the header
    /// `minute,ready_operators,calls_in_flight,answered,abandoned,cumulative_abandon_rate`.
    pub fn write_timeseries_csv<W: std::io::Write>(&self, w: W) -> std::io::Result<()> {
        use std::io::Write as _;
        let mut w = std::io::BufWriter::new(w);
        writeln!(
            w,
            "minute,ready_operators,calls_in_flight,answered,abandoned,cumulative_abandon_rate"
        )?;
        for r in &self.timeseries {
            writeln!(
                w,
                "{},{},{},{},{},{:.6}",
                r.minute,
                r.ready_operators,
                r.calls_in_flight,
                r.answered,
                r.abandoned,
                r.cumulative_abandon_rate
            )?;
        }
        w.flush()
    }

    /// A readable report: the counts per state (vendor display names) and the
    /// key figures.
    pub fn render_text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "scenario {:?}: {} mode, seed {}, {} contacts, {} operators",
            self.scenario, self.mode, self.seed, self.contacts, self.operators
        );
        let hours = self.simulated_s / 3600.0;
        let _ = writeln!(
            s,
            "stopped: {} after {:.1} simulated hours ({} events, {} stale)",
            self.stop_reason.name(),
            hours,
            self.events,
            self.stale_events
        );
        let _ = writeln!(s);
        let _ = writeln!(s, "{:<28} {:>10} {:>7}", "state", "contacts", "share");
        let total = self.contacts.max(1) as f64;
        for state in State::ALL {
            let n = self.counts.get(state.name()).copied().unwrap_or(0);
            let _ = writeln!(
                s,
                "{:<28} {:>10} {:>6.1}%",
                state.display_name(),
                n,
                100.0 * n as f64 / total
            );
        }
        let _ = writeln!(s);
        let pct = |x: f64| format!("{:.2}%", 100.0 * x);
        let rows: [(&str, String); 11] = [
            ("dials", self.dials.to_string()),
            ("answered (human)", self.answered.to_string()),
            ("connected", self.connected.to_string()),
            ("abandoned", self.abandoned.to_string()),
            ("client hang-ups waiting", self.client_hangups.to_string()),
            ("abandon rate", pct(self.abandon_rate)),
            ("occupancy", pct(self.occupancy)),
            (
                "contacts per operator-hour",
                format!("{:.2}", self.contacts_per_operator_hour),
            ),
            (
                "attempts per contact",
                format!("{:.2}", self.attempts_per_contact),
            ),
            ("wait mean", format!("{:.2} s", self.wait_mean_s)),
            ("wait p95", format!("{:.2} s", self.wait_p95_s)),
        ];
        for (k, v) in rows {
            let _ = writeln!(s, "{k:<28} {v:>10}");
        }
        s
    }
}
