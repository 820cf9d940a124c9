//! The less kind world: what a real PBX, network and workforce add to the
//! customer and operator models, all off by default.
//!
//! **Design.** A scenario's `[world]` table switches on, one by one:
//! answering-machine detection that takes time and errs, call-setup and
//! bridge latency, a trunk of limited lines, correlated bad periods (an
//! answer-rate profile by hour and random bursts of bad minutes) and
//! operators announcing their breaks and logouts ahead
//! (`Event::OperatorLeaving`). With every field at its default the
//! simulator draws exactly what it drew before — not one extra random
//! number — so every existing scenario and seed reproduces its report byte
//! for byte. The bursts are drawn up front from their own stream (derived
//! from the seed), so switching them on does not shift the main stream's
//! order either.
//!
//! **AMD and the 2 s rule.** A live pickup is reported to the engine as a
//! human only when the detector has decided, `amd_min_s`–`amd_max_s`
//! (uniform) after the pickup. The regulators' 2 s run from the end of the
//! called person's greeting, which the detector listens to, so the engine's
//! abandon limit runs from its verdict; the client, though, has been on the
//! line since the pickup: the detection time counts in the client's wait
//! (the wait percentiles) and in the patience. A human the detector takes
//! for a machine is hung up on: the engine records a machine, and the
//! evaluation counts that call as answered *and abandoned* (as regulators
//! ask). A machine taken for a human goes to an operator, who hears a
//! recording and hangs up after `machine_talk_s`.

use serde::{Deserialize, Serialize};

use crate::rng::Rng;
use crate::scenario::{secs_to_ms, ScenarioError};

/// The `[world]` table of a scenario. See the module docs; all off by default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct World {
    /// Shortest answering-machine detection after a live pickup, s.
    pub amd_min_s: f64,
    /// Longest detection, s (uniform between the two; 0 and 0 = instant).
    pub amd_max_s: f64,
    /// Share of live pickups the detector takes for machines (dropped;
    /// counted as abandoned by the evaluation).
    pub amd_false_machine: f64,
    /// Share of answering machines the detector passes on as humans.
    pub amd_false_human: f64,
    /// Operator time on a machine passed as a human, s (0 = 6 s).
    pub machine_talk_s: f64,
    /// Shortest call-setup latency (dial → the network's first answer), s.
    pub setup_min_s: f64,
    /// Longest setup latency, s (uniform between the two).
    pub setup_max_s: f64,
    /// Bridge latency: an operator's connect until the talk begins, s (the
    /// client waits it out).
    pub bridge_s: f64,
    /// Trunk lines (0 = unlimited): a dial while every line is held fails
    /// at once (congestion, reported as a dial failure).
    pub lines: usize,
    /// Live-answer factor per hour since the start (time of day), the last
    /// one holding on; empty = 1.
    pub hourly_answer_factor: Vec<f64>,
    /// Mean minutes between the starts of bad bursts (0 = no bursts).
    pub burst_every_min: f64,
    /// Length of a burst, minutes.
    pub burst_min: f64,
    /// Live-answer factor during a burst.
    pub burst_factor: f64,
    /// Operators announce breaks and staffing logouts this long ahead
    /// (`Event::OperatorLeaving`), s (0 = unannounced).
    pub leave_notice_s: f64,
}

impl World {
    /// True when nothing is switched on.
    pub fn is_kind(&self) -> bool {
        *self == World::default()
    }

    /// The realistic world of the published scenarios' realistic variants:
    /// AMD 1–3 s with 1% of humans dropped and 10% of machines passed,
    /// 0.3–1.5 s setup, 0.3 s bridge, lines for 2.5 calls per operator, a
    /// day that answers 20% less after its third hour, a 10-minute burst at
    /// 40% of the answers about every 90 minutes, and breaks and logouts
    /// announced 2 minutes ahead.
    pub fn realistic(operators: usize) -> World {
        World {
            amd_min_s: 1.0,
            amd_max_s: 3.0,
            amd_false_machine: 0.01,
            amd_false_human: 0.10,
            machine_talk_s: 6.0,
            setup_min_s: 0.3,
            setup_max_s: 1.5,
            bridge_s: 0.3,
            lines: ((operators as f64) * 2.5).ceil().max(2.0) as usize,
            hourly_answer_factor: vec![1.0, 1.1, 1.0, 0.8, 0.8, 0.9, 1.0, 0.85],
            burst_every_min: 90.0,
            burst_min: 10.0,
            burst_factor: 0.4,
            leave_notice_s: 120.0,
        }
    }

    /// Checks every value, naming the first bad one.
    pub fn validate(&self) -> Result<(), ScenarioError> {
        let seconds = [
            ("world.amd_min_s", self.amd_min_s),
            ("world.amd_max_s", self.amd_max_s),
            ("world.machine_talk_s", self.machine_talk_s),
            ("world.setup_min_s", self.setup_min_s),
            ("world.setup_max_s", self.setup_max_s),
            ("world.bridge_s", self.bridge_s),
            ("world.burst_every_min", self.burst_every_min),
            ("world.burst_min", self.burst_min),
            ("world.leave_notice_s", self.leave_notice_s),
        ];
        for (field, v) in seconds {
            if !(v.is_finite() && (0.0..1e7).contains(&v)) {
                return Err(invalid(
                    field,
                    format!("{v} is not a number of seconds (minutes) >= 0"),
                ));
            }
        }
        if self.amd_max_s < self.amd_min_s {
            return Err(invalid(
                "world.amd_max_s",
                format!("{} is below amd_min_s ({})", self.amd_max_s, self.amd_min_s),
            ));
        }
        if self.setup_max_s < self.setup_min_s {
            return Err(invalid(
                "world.setup_max_s",
                format!(
                    "{} is below setup_min_s ({})",
                    self.setup_max_s, self.setup_min_s
                ),
            ));
        }
        for (field, p) in [
            ("world.amd_false_machine", self.amd_false_machine),
            ("world.amd_false_human", self.amd_false_human),
        ] {
            if !(p.is_finite() && (0.0..=1.0).contains(&p)) {
                return Err(invalid(
                    field,
                    format!("{p} is not a probability between 0 and 1"),
                ));
            }
        }
        let factors = self
            .hourly_answer_factor
            .iter()
            .map(|&f| ("world.hourly_answer_factor", f))
            .chain(
                (self.burst_every_min > 0.0).then_some(("world.burst_factor", self.burst_factor)),
            );
        for (field, f) in factors {
            if !(f.is_finite() && (0.0..=10.0).contains(&f)) {
                return Err(invalid(
                    field,
                    format!("{f} is not a factor between 0 and 10"),
                ));
            }
        }
        if self.burst_every_min > 0.0 && self.burst_min <= 0.0 {
            return Err(invalid(
                "world.burst_min",
                "a burst needs a positive length in minutes",
            ));
        }
        if self.lines > 1_000_000 {
            return Err(invalid(
                "world.lines",
                format!("{} lines is more than 1000000", self.lines),
            ));
        }
        Ok(())
    }
}

fn invalid(field: &str, message: impl Into<String>) -> ScenarioError {
    ScenarioError::Invalid {
        field: field.to_owned(),
        message: message.into(),
    }
}

/// A [`World`] prepared for one run: times in ms and the burst schedule.
#[derive(Debug, Clone, Default)]
pub(crate) struct WorldState {
    pub(crate) amd: Option<(u64, u64)>,
    pub(crate) false_machine: f64,
    pub(crate) false_human: f64,
    pub(crate) machine_talk_ms: u64,
    pub(crate) setup: Option<(u64, u64)>,
    pub(crate) bridge_ms: u64,
    pub(crate) lines: usize,
    pub(crate) leave_notice_ms: u64,
    hourly: Vec<f64>,
    /// Bursts as `[from, to)` ms since the start, in order.
    bursts: Vec<(u64, u64)>,
    burst_factor: f64,
    /// True when the answer rate changes with time.
    pub(crate) varies: bool,
}

impl WorldState {
    /// Prepares `world` for a run of `span_ms` from `seed`.
    pub(crate) fn new(world: &World, seed: u64, span_ms: u64) -> WorldState {
        let range = |lo: f64, hi: f64| {
            (hi > 0.0).then(|| (secs_to_ms(lo), secs_to_ms(hi).max(secs_to_ms(lo))))
        };
        let mut bursts = Vec::new();
        if world.burst_every_min > 0.0 {
            // Exponential gaps from a stream of its own.
            let mut rng = Rng::new(seed ^ 0xB5B5_7E11_0000_0001);
            let mean = world.burst_every_min * 60_000.0;
            let len = secs_to_ms(world.burst_min * 60.0).max(1);
            let mut t = 0u64;
            loop {
                let gap = -mean * (1.0 - rng.unit()).ln();
                t = t.saturating_add(gap.round() as u64);
                if t >= span_ms {
                    break;
                }
                bursts.push((t, t + len));
                t += len;
            }
        }
        let varies = !world.hourly_answer_factor.is_empty() || !bursts.is_empty();
        WorldState {
            amd: range(world.amd_min_s, world.amd_max_s),
            false_machine: world.amd_false_machine,
            false_human: world.amd_false_human,
            machine_talk_ms: if world.machine_talk_s > 0.0 {
                secs_to_ms(world.machine_talk_s).max(1)
            } else {
                6_000
            },
            setup: range(world.setup_min_s, world.setup_max_s),
            bridge_ms: secs_to_ms(world.bridge_s),
            lines: world.lines,
            leave_notice_ms: secs_to_ms(world.leave_notice_s),
            hourly: world.hourly_answer_factor.clone(),
            bursts,
            burst_factor: world.burst_factor,
            varies,
        }
    }

    /// The live-answer factor `since_start_ms` into the run.
    pub(crate) fn answer_factor(&self, since_start_ms: u64) -> f64 {
        let mut f = 1.0;
        if let Some(last) = self.hourly.len().checked_sub(1) {
            let hour = (since_start_ms / 3_600_000) as usize;
            f *= self.hourly[hour.min(last)];
        }
        let i = self
            .bursts
            .partition_point(|&(from, _)| from <= since_start_ms);
        if i > 0 && since_start_ms < self.bursts[i - 1].1 {
            f *= self.burst_factor;
        }
        f
    }
}

/// A uniform draw in `[lo, hi]` ms.
pub(crate) fn uniform_ms(rng: &mut Rng, (lo, hi): (u64, u64)) -> u64 {
    lo + (rng.unit() * hi.saturating_sub(lo) as f64).round() as u64
}
