//! The baselines the dialcore pacer is compared with, each behind the same
//! [`Pacer`] trait and implemented from its public description.
//!
//! - [`Progressive`]: one call in flight per ready operator.
//! - [`LinesPerIdle`]: a fixed number of lines per idle (ready) operator —
//!   the classic "dialing ratio" of most hosted dialers (the engine's
//!   [`dialcore::FixedRatioPacer`] is the same rule).
//! - [`DialLevel`]: the dial level of the most used open-source dialer
//!   (VICIdial): total lines = level × (ready + in-call operators), minus
//!   the calls already up (ringing, waiting or talking: level 1.0 is 1:1).
//! - [`AdaptiveDialLevel`]: its adaptive mode (`AST_VDadapt`): every 15 s
//!   the level is scaled by `1 + (avg ready − avg waiting) / operators`,
//!   clamped to [1.0, 3.0], halved when more than half of the last minute's
//!   answered calls were dropped, and held at 1.0 once the day's drop rate
//!   is above the target.
//! - [`AdaptiveLinesPerIdle`]: lines per idle operator steered by a
//!   feedback loop on the measured abandon rate, as commercial ACD dialers
//!   do: every 30 s the ratio is multiplied by `exp(gain · (setpoint −
//!   rate) / setpoint)`, where the rate is the abandon rate of the last 15
//!   minutes, clamped to [1.0, 5.0].

use std::collections::VecDeque;

use dialcore::pacing::{Pacer, PacingInputs};

/// Progressive 1:1: one call in flight per ready operator.
#[derive(Debug, Clone, Copy, Default)]
pub struct Progressive;

impl Pacer for Progressive {
    fn name(&self) -> String {
        "progressive".to_owned()
    }

    fn dials(&mut self, inputs: &PacingInputs<'_>) -> usize {
        inputs.progressive_dials()
    }
}

/// `ceil(ratio × ready operators)` calls in flight.
#[derive(Debug, Clone, Copy)]
pub struct LinesPerIdle {
    /// Lines per idle operator.
    pub ratio: f64,
}

impl Pacer for LinesPerIdle {
    fn name(&self) -> String {
        format!("lines-per-idle {:.2}", self.ratio)
    }

    fn dials(&mut self, inputs: &PacingInputs<'_>) -> usize {
        let target = (inputs.ready() as f64 * self.ratio).ceil() as usize;
        target.saturating_sub(inputs.in_flight())
    }
}

/// VICIdial's fixed dial level.
#[derive(Debug, Clone, Copy)]
pub struct DialLevel {
    /// Lines per ready or in-call operator.
    pub level: f64,
}

/// `level × (ready + in-call operators) − calls up`, where the calls up are
/// those ringing, waiting and talking (so level 1.0 is progressive 1:1).
fn dial_level_dials(level: f64, inputs: &PacingInputs<'_>) -> usize {
    let in_call = inputs.in_call();
    let lines = (level * (inputs.ready() + in_call) as f64).ceil() as usize;
    lines.saturating_sub(inputs.in_flight() + in_call)
}

impl Pacer for DialLevel {
    fn name(&self) -> String {
        format!("dial-level {:.2}", self.level)
    }

    fn dials(&mut self, inputs: &PacingInputs<'_>) -> usize {
        dial_level_dials(self.level, inputs)
    }
}

/// Answered and abandoned counts sampled over time, for "last minute" and
/// "last 15 minutes" rates.
#[derive(Debug, Clone, Default)]
struct History {
    samples: VecDeque<(u64, u64, u64)>,
}

impl History {
    fn push(&mut self, now: u64, answered: u64, abandoned: u64, keep_ms: u64) {
        if self.samples.back().is_none_or(|s| now >= s.0 + 1_000) {
            self.samples.push_back((now, answered, abandoned));
        }
        while self
            .samples
            .front()
            .is_some_and(|s| s.0 + keep_ms < now && self.samples.len() > 1)
        {
            self.samples.pop_front();
        }
    }

    /// Answered and abandoned since `window_ms` ago.
    fn delta(&self, now: u64, window_ms: u64, answered: u64, abandoned: u64) -> (u64, u64) {
        let from = now.saturating_sub(window_ms);
        let base = self
            .samples
            .iter()
            .find(|s| s.0 >= from)
            .or(self.samples.back())
            .copied()
            .unwrap_or((now, answered, abandoned));
        (
            answered - base.1.min(answered),
            abandoned - base.2.min(abandoned),
        )
    }
}

/// VICIdial's adaptive dial level.
#[derive(Debug, Clone)]
pub struct AdaptiveDialLevel {
    level: f64,
    started: Option<u64>,
    next_adjust: u64,
    ready_sum: f64,
    waiting_sum: f64,
    operators_sum: f64,
    samples: u32,
    history: History,
}

impl AdaptiveDialLevel {
    /// Starts at `level`.
    pub fn new(level: f64) -> Self {
        AdaptiveDialLevel {
            level: level.clamp(1.0, 3.0),
            started: None,
            next_adjust: 0,
            ready_sum: 0.0,
            waiting_sum: 0.0,
            operators_sum: 0.0,
            samples: 0,
            history: History::default(),
        }
    }

    /// The current level.
    pub fn level(&self) -> f64 {
        self.level
    }
}

impl Pacer for AdaptiveDialLevel {
    fn name(&self) -> String {
        "dial-level adaptive".to_owned()
    }

    fn dials(&mut self, inputs: &PacingInputs<'_>) -> usize {
        let now = inputs.now_ms;
        if self.started.is_none() {
            self.started = Some(now);
            self.next_adjust = now + 15_000;
        }
        let answered = inputs.meter.day_answered;
        let abandoned = inputs.meter.day_abandoned;
        self.history.push(now, answered, abandoned, 120_000);
        self.ready_sum += inputs.ready() as f64;
        self.waiting_sum += inputs.waiting as f64;
        self.operators_sum += (inputs.ready() + inputs.in_call()) as f64;
        self.samples += 1;
        if now >= self.next_adjust {
            self.next_adjust = now + 15_000;
            let n = f64::from(self.samples.max(1));
            let operators = (self.operators_sum / n).max(1.0);
            let diff = (self.ready_sum - self.waiting_sum) / n;
            self.level = (self.level * (1.0 + diff / operators)).clamp(1.0, 3.0);
            let (a, x) = self.history.delta(now, 60_000, answered, abandoned);
            if a > 0 && x * 2 > a {
                self.level = (self.level / 2.0).max(1.0);
            }
            self.ready_sum = 0.0;
            self.waiting_sum = 0.0;
            self.operators_sum = 0.0;
            self.samples = 0;
        }
        let day_rate = if answered > 0 {
            abandoned as f64 / answered as f64
        } else {
            0.0
        };
        if day_rate > inputs.abandon_target {
            self.level = 1.0;
        }
        dial_level_dials(self.level, inputs)
    }
}

/// Lines per idle operator with a feedback loop on the abandon rate.
#[derive(Debug, Clone)]
pub struct AdaptiveLinesPerIdle {
    ratio: f64,
    /// The abandon rate the loop steers to.
    pub setpoint: f64,
    next_adjust: Option<u64>,
    history: History,
}

impl AdaptiveLinesPerIdle {
    /// Starts at `ratio`, steering the last 15 minutes' rate to `setpoint`.
    pub fn new(ratio: f64, setpoint: f64) -> Self {
        AdaptiveLinesPerIdle {
            ratio,
            setpoint,
            next_adjust: None,
            history: History::default(),
        }
    }

    /// The current ratio.
    pub fn ratio(&self) -> f64 {
        self.ratio
    }
}

impl Pacer for AdaptiveLinesPerIdle {
    fn name(&self) -> String {
        "lines-per-idle adaptive".to_owned()
    }

    fn dials(&mut self, inputs: &PacingInputs<'_>) -> usize {
        let now = inputs.now_ms;
        let answered = inputs.meter.day_answered;
        let abandoned = inputs.meter.day_abandoned;
        self.history.push(now, answered, abandoned, 16 * 60_000);
        let next = *self.next_adjust.get_or_insert(now + 30_000);
        if now >= next {
            self.next_adjust = Some(now + 30_000);
            let (a, x) = self.history.delta(now, 15 * 60_000, answered, abandoned);
            if a >= 10 {
                let rate = x as f64 / a as f64;
                let error = (self.setpoint - rate) / self.setpoint;
                self.ratio = (self.ratio * (0.1 * error.clamp(-3.0, 1.0)).exp()).clamp(1.0, 5.0);
            }
        }
        let target = (inputs.ready() as f64 * self.ratio).ceil() as usize;
        target.saturating_sub(inputs.in_flight())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dialcore::pacing::{AbandonGuard, BusyOperator, BusyPhase, MeterReadings, PacingStats};

    fn inputs<'a>(
        ready: &'a [u64],
        busy: &'a [BusyOperator],
        ringing: &'a [u64],
        stats: &'a PacingStats,
        now_ms: u64,
        meter: MeterReadings,
    ) -> PacingInputs<'a> {
        PacingInputs {
            now_ms,
            ready_ms: ready,
            busy,
            ringing_ms: ringing,
            leaving: &[],
            waiting: 0,
            logged_in: ready.len() + busy.len(),
            stats,
            meter,
            abandon_target: 0.03,
            abandon_limit_ms: 2_000,
            ring_timeout_ms: 25_000,
            guard: AbandonGuard::Expected,
        }
    }

    #[test]
    fn fixed_rules() {
        let stats = PacingStats::default();
        let talk = BusyOperator {
            phase: BusyPhase::Talk,
            elapsed_ms: 1,
        };
        let busy = [talk; 8];
        let i = inputs(
            &[0, 0],
            &busy,
            &[5, 5, 5],
            &stats,
            0,
            MeterReadings::default(),
        );
        assert_eq!(Progressive.dials(&i), 0);
        assert_eq!(LinesPerIdle { ratio: 2.0 }.dials(&i), 1);
        // 2 × (2 ready + 8 talking) = 20 lines, 3 ringing + 8 talking up.
        assert_eq!(DialLevel { level: 2.0 }.dials(&i), 9);
        assert_eq!(DialLevel { level: 1.0 }.dials(&i), 0, "level 1 is 1:1");
        let none = inputs(&[], &busy, &[], &stats, 0, MeterReadings::default());
        assert_eq!(DialLevel { level: 1.5 }.dials(&none), 4);
    }

    #[test]
    fn adaptive_dial_level_rises_with_idle_agents_and_falls_back_over_target() {
        let stats = PacingStats::default();
        let mut p = AdaptiveDialLevel::new(1.0);
        for t in 0..=16 {
            let i = inputs(
                &[0, 0, 0, 0],
                &[],
                &[],
                &stats,
                t * 1_000,
                MeterReadings::default(),
            );
            p.dials(&i);
        }
        assert!(p.level() > 1.5, "all agents idle: {}", p.level());
        let over = MeterReadings {
            day_answered: 100,
            day_abandoned: 5,
            ..MeterReadings::default()
        };
        let i = inputs(&[0], &[], &[], &stats, 17_000, over);
        p.dials(&i);
        assert_eq!(p.level(), 1.0);
    }

    #[test]
    fn adaptive_lines_per_idle_backs_off_when_over_its_setpoint() {
        let stats = PacingStats::default();
        let mut p = AdaptiveLinesPerIdle::new(2.0, 0.03);
        for t in 0..=60 {
            let meter = MeterReadings {
                day_answered: t * 10,
                day_abandoned: t,
                ..MeterReadings::default()
            };
            p.dials(&inputs(&[0], &[], &[], &stats, t * 1_000, meter));
        }
        assert!(p.ratio() < 2.0, "{}", p.ratio());
    }
}
