//! Predictive pacing: how many new calls to dial now.
//!
//! A [`Pacer`] is asked at every `poll` of a predictive campaign, with a
//! [`PacingInputs`] view of what the engine knows: the ready operators and
//! how long each has waited, the busy ones and how long each has talked or
//! done ACW, the calls in flight and how long each has rung, the answered
//! calls waiting, the outcome and duration statistics ([`PacingStats`]) and
//! the abandon meters. It answers with a number of dials. Pacers are pure:
//! their answer depends only on the inputs and their own state, so a
//! campaign stays deterministic.
//!
//! **Views only for a pacer that reads them.** The counts (ready and
//! logged-in operators, unbound calls ringing, answered calls waiting) are
//! kept incrementally by the operators and the statistics, O(1) to read. A
//! pacer that needs nothing else answers [`Pacer::dials_from_counts`] (the
//! fixed-ratio pacer does) and the engine never gathers the per-operator
//! times nor sorts the ring times of the calls in flight; only a pacer that
//! answers `None` there (the dialcore pacer) gets the full [`PacingInputs`],
//! built at that poll.
//!
//! **The guard stays outside.** Whatever a pacer says, [`Pacing::decide`]
//! caps it with [`guard_cap`], per `CampaignConfig::abandon_guard`:
//!
//! - [`AbandonGuard::WorstCase`] (the default): never more *uncovered*
//!   calls in flight (ringing without an operator, or answered and waiting)
//!   than the operators ready now plus the abandons the budget still allows
//!   if every one of those calls were answered and dropped — at most
//!   `floor((t·A − B) / (1 − t))` beyond the ready operators, with `A`
//!   answered and `B` abandoned calls in the guarded window and target `t`
//!   (the bound is proved at [`worst_case_extra`]). No pacer, however wrong
//!   its predictions, can then take the guarded rate over the target. It
//!   costs occupancy where the budget is small: a campaign starts
//!   progressive 1:1 and may dial one call ahead per `(1 − t)/t` clean answers
//!   (about 33 at 3%), so a cold start or a one-operator team dials ahead
//!   less than the expected risk would allow (`docs/PACING.md` measures it).
//!   **What it cannot see** (the residual risk): an operator counted as
//!   ready who pauses or logs out while calls ring for the pool (an
//!   announced one, `Event::OperatorLeaving`, is seen by the dialcore
//!   pacer through [`PacingInputs::leaving`], not by the guard), and old
//!   answers leaving a rolling window (the rate of a window can rise as its
//!   oldest answers age out, with no new abandon). `docs/PACING.md`
//!   measures the first with hourly breaks: of 5,600 runs of 3 operators
//!   (every pacer and grid point × 200 seeds), 130 ended over 3% (at most
//!   3.21%), none of them the dialcore pacer's; no run without pauses did.
//!   On a 24-hour window with a 09–20 calling window, as each morning's
//!   answers leave it, the most aggressive pacers' meter read up to 3.08% at
//!   some minute of most runs (the dialcore pacer's at most 2.38%).
//! - [`AbandonGuard::Expected`]: the pacer's own expected-risk model decides
//!   and the guard only caps it at one call in flight per ready operator
//!   while the guarded rate is above the target (DESIGN.md, compliance
//!   guards): a wrong or hostile pacer cannot push a campaign further over
//!   the limit, but it can take it over once.
//!
//! **The pacers here.** [`DialcorePacer`] is the model-based pacer (its own
//! module explains the design); [`FixedRatioPacer`] is the classic "lines
//! per idle operator" pacer driven by `CampaignConfig::predictive_ratio`.
//!
//! **Which one a campaign uses.** `Campaign::new` keeps the fixed-ratio
//! pacer at `predictive_ratio` (`CampaignConfig` is a plain struct that the
//! C ABI fills field by field, so a pacer choice there would change the
//! ABI), under the default worst-case guard: an existing configuration
//! dials at its ratio only as far as the abandon budget pays for it
//! (`abandon_guard = Expected` restores the old behaviour); a host picks the
//! dialcore pacer with
//! `campaign.set_pacer(Box::new(DialcorePacer::default()))`. The simulator
//! and the `dialcore` command use the dialcore pacer for predictive
//! scenarios unless a scenario asks for the fixed ratio.

mod bins;
mod dialcore;
#[cfg(test)]
mod reference;
mod stats;

use std::fmt;

pub use self::bins::BusyBins;
pub use self::dialcore::{DialcorePacer, DialcoreTuning};
pub use self::stats::{
    BusyOperator, BusyPhase, DecayingHistogram, DecayingRate, PacingStats, ServiceSample,
    DEFAULT_HALF_LIFE_MS, P_LIVE_PRIOR_HALF_LIFE_MS, P_LIVE_PRIOR_TRIALS, SERVICE_SAMPLES,
    TIME_BINS, TIME_BIN_MS,
};

pub use crate::config::AbandonGuard;
use crate::operators::{OperatorState, Operators};

/// Answered and abandoned counts the pacer may steer by.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct MeterReadings {
    /// Abandon rate over the guarded window (`abandon_window`).
    pub guarded_rate: f64,
    /// Human-answered calls in the guarded window.
    pub guarded_answered: u64,
    /// Abandoned calls in the guarded window.
    pub guarded_abandoned: u64,
    /// Human-answered calls in the last 24 hours.
    pub day_answered: u64,
    /// Abandoned calls in the last 24 hours.
    pub day_abandoned: u64,
}

/// What the engine knows at a poll, borrowed for one pacing decision.
#[derive(Debug, Clone, Copy)]
pub struct PacingInputs<'a> {
    /// The time of the poll, ms.
    pub now_ms: u64,
    /// Each ready operator's time in Ready so far, longest idle first, ms.
    pub ready_ms: &'a [u64],
    /// Each busy operator (talk, ACW, offer/BCW) with its time in that phase.
    pub busy: &'a [BusyOperator],
    /// Each call in flight without an operator: how long it has rung, ms.
    pub ringing_ms: &'a [u64],
    /// The ready and busy operators who announced they leave
    /// (`Event::OperatorLeaving`); each is also in `ready_ms` or `busy`.
    /// Empty when nobody did.
    pub leaving: &'a [LeavingOperator],
    /// Answered calls waiting for an operator now.
    pub waiting: usize,
    /// Operators logged in (any state but offline).
    pub logged_in: usize,
    /// Outcome and duration statistics.
    pub stats: &'a PacingStats,
    /// The abandon meters.
    pub meter: MeterReadings,
    /// The abandon rate not to exceed (0.03 = 3%).
    pub abandon_target: f64,
    /// How long an answered call may wait for an operator, ms.
    pub abandon_limit_ms: u64,
    /// How long a call rings before it is declared unanswered, ms.
    pub ring_timeout_ms: u64,
    /// How the engine's guard caps the pacer's answer ([`guard_cap`]).
    pub guard: AbandonGuard,
}

impl PacingInputs<'_> {
    /// Operators ready now.
    pub fn ready(&self) -> usize {
        self.ready_ms.len()
    }

    /// The busy operators per elapsed bin ([`PacingStats::busy_bins`]),
    /// when the engine kept them for this poll instead of listing them in
    /// `busy` (for a pacer that asks, [`Pacer::wants_busy_bins`]): `busy`
    /// is then empty and the bins were updated at `now_ms`.
    pub fn busy_bins(&self) -> Option<&BusyBins> {
        let bins = self.stats.busy_bins();
        (self.busy.is_empty() && bins.updated_at() == Some(self.now_ms)).then_some(bins)
    }

    /// Operators busy now (talk, ACW, offer or BCW).
    pub fn busy_count(&self) -> usize {
        self.busy_bins().map_or(self.busy.len(), BusyBins::busy)
    }

    /// Operators talking to a client now.
    pub fn in_call(&self) -> usize {
        if let Some(bins) = self.busy_bins() {
            return bins.each_busy().filter(|b| b.0 == BusyPhase::Talk).count();
        }
        self.busy
            .iter()
            .filter(|b| b.phase == BusyPhase::Talk)
            .count()
    }

    /// Calls up without an operator: ringing, or answered and waiting.
    pub fn in_flight(&self) -> usize {
        self.ringing_ms.len() + self.waiting
    }

    /// Progressive 1:1: one call in flight per ready operator.
    pub fn progressive_dials(&self) -> usize {
        self.ready().saturating_sub(self.in_flight())
    }

    /// Ready operators who leave within `within_ms` (announced).
    pub fn ready_leaving_within(&self, within_ms: u64) -> usize {
        self.leaving
            .iter()
            .filter(|l| l.phase.is_none() && l.leaves_in_ms < within_ms)
            .count()
    }

    /// The counts these inputs hold (what a counts-only pacer and the guard read).
    pub fn counts(&self) -> PacingCounts {
        PacingCounts {
            now_ms: self.now_ms,
            ready: self.ready(),
            ringing: self.ringing_ms.len(),
            waiting: self.waiting,
            logged_in: self.logged_in,
            meter: self.meter,
            abandon_target: self.abandon_target,
            guard: self.guard,
        }
    }
}

/// An operator who announced leaving (a break or a logout at a known
/// time), as the pacer sees it at a poll.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeavingOperator {
    /// `None` while ready; otherwise what the operator is busy with.
    pub phase: Option<BusyPhase>,
    /// Time in that state so far, ms (as in `ready_ms` or `busy`).
    pub elapsed_ms: u64,
    /// Time until the announced leaving, ms (0 once it is due).
    pub leaves_in_ms: u64,
}

/// The figures of one pacing decision that the engine keeps as counts,
/// O(1) to read: what a pacer that needs no per-operator or per-call data
/// ([`Pacer::dials_from_counts`]) and the guard ([`guard_cap_counts`]) read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PacingCounts {
    /// The time of the poll, ms.
    pub now_ms: u64,
    /// Operators ready now.
    pub ready: usize,
    /// Calls in flight without an operator (ringing).
    pub ringing: usize,
    /// Answered calls waiting for an operator now.
    pub waiting: usize,
    /// Operators logged in (any state but offline).
    pub logged_in: usize,
    /// The abandon meters.
    pub meter: MeterReadings,
    /// The abandon rate not to exceed (0.03 = 3%).
    pub abandon_target: f64,
    /// How the engine's guard caps the pacer's answer.
    pub guard: AbandonGuard,
}

impl PacingCounts {
    /// Calls up without an operator: ringing, or answered and waiting.
    pub fn in_flight(&self) -> usize {
        self.ringing + self.waiting
    }
}

/// Decides how many new predictive calls to dial now.
pub trait Pacer: Send + fmt::Debug {
    /// A short name for reports (`"dialcore"`, `"fixed-ratio 1.5"`).
    fn name(&self) -> String;

    /// The number of new dials to start now (the engine may dial fewer: the
    /// abandon guard, contacts running out).
    fn dials(&mut self, inputs: &PacingInputs<'_>) -> usize;

    /// False when the pacer would answer progressive 1:1 at `now_ms`
    /// whatever the inputs (between two plans of a pacer that re-plans on a
    /// schedule): the engine then skips gathering them. True by default.
    fn needs_inputs(&self, now_ms: u64) -> bool {
        let _ = now_ms;
        true
    }

    /// The answer from counts alone, for a pacer that needs nothing else
    /// (no per-operator times, no per-call ring times): `Some(dials)`, and
    /// the engine skips gathering and sorting those views — the decision
    /// costs O(1) whatever the operators and calls. `None` (the default):
    /// the engine gathers the full [`PacingInputs`] and calls
    /// [`Pacer::dials`]. A pacer that answers here must answer exactly what
    /// `dials` would for the same counts.
    fn dials_from_counts(&mut self, counts: &PacingCounts) -> Option<usize> {
        let _ = counts;
        None
    }

    /// True for a pacer that reads the busy operators per elapsed bin
    /// ([`PacingInputs::busy_bins`], kept up incrementally) rather than
    /// the list of them: the engine then leaves `busy` empty. False by
    /// default.
    fn wants_busy_bins(&self) -> bool {
        false
    }
}

/// The classic pacer: `ceil(ratio × ready operators)` calls in flight, none
/// while no operator is ready.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FixedRatioPacer {
    /// Calls in flight per ready operator.
    pub ratio: f64,
}

impl FixedRatioPacer {
    /// A pacer at `ratio` lines per ready operator.
    pub fn new(ratio: f64) -> Self {
        FixedRatioPacer { ratio }
    }
}

impl Pacer for FixedRatioPacer {
    fn name(&self) -> String {
        format!("fixed-ratio {}", self.ratio)
    }

    fn dials(&mut self, inputs: &PacingInputs<'_>) -> usize {
        self.ratio_dials(&inputs.counts())
    }

    /// Counts are all it reads: the engine never gathers views for it.
    fn dials_from_counts(&mut self, counts: &PacingCounts) -> Option<usize> {
        Some(self.ratio_dials(counts))
    }
}

impl FixedRatioPacer {
    fn ratio_dials(&self, counts: &PacingCounts) -> usize {
        let target = (counts.ready as f64 * self.ratio).ceil() as usize;
        target.saturating_sub(counts.in_flight())
    }
}

/// The most dials one decision may ask for (a bound on the work of a poll).
pub const MAX_DIALS_PER_POLL: usize = 10_000;

/// A campaign's pacer, its statistics and the scratch views it is given.
#[derive(Debug)]
pub struct Pacing {
    pacer: Box<dyn Pacer>,
    /// The statistics the engine's event handlers feed.
    pub stats: PacingStats,
    ready_ms: Vec<u64>,
    busy: Vec<BusyOperator>,
    ringing_ms: Vec<u64>,
    leaving: Vec<LeavingOperator>,
}

/// What the engine passes to one pacing decision besides the operators.
#[derive(Debug, Clone, Copy)]
pub struct PollContext {
    /// The time of the poll, ms.
    pub now_ms: u64,
    /// Answered calls waiting for an operator.
    pub waiting: usize,
    /// The meters.
    pub meter: MeterReadings,
    /// `abandon_target` from the configuration.
    pub abandon_target: f64,
    /// `abandon_limit_ms` from the configuration.
    pub abandon_limit_ms: u64,
    /// `ring_timeout_ms` from the configuration.
    pub ring_timeout_ms: u64,
    /// `abandon_guard` from the configuration.
    pub guard: AbandonGuard,
}

impl Pacing {
    /// Pacing with `pacer` and empty statistics.
    pub fn new(pacer: Box<dyn Pacer>) -> Self {
        Pacing {
            pacer,
            stats: PacingStats::default(),
            ready_ms: Vec::new(),
            busy: Vec::new(),
            ringing_ms: Vec::new(),
            leaving: Vec::new(),
        }
    }

    /// The pacer.
    pub fn pacer(&self) -> &dyn Pacer {
        self.pacer.as_ref()
    }

    /// Replaces the pacer, keeping the statistics.
    pub fn set_pacer(&mut self, pacer: Box<dyn Pacer>) {
        self.pacer = pacer;
    }

    /// The talk of the contact's call ended ([`PacingStats::on_talk_end`]).
    pub fn on_talk_end(&mut self, contact: u32, acw: bool, now_ms: u64) {
        self.stats.on_talk_end(contact, acw, now_ms);
    }

    /// Asks the pacer and applies the abandon guard: while the guarded rate
    /// is above the target, at most one call in flight per ready operator.
    pub fn decide(&mut self, operators: &Operators, ctx: PollContext) -> usize {
        let now = ctx.now_ms;
        // With an announced leaving, the pacer sees the views at every
        // poll (its progressive floor leaves out who is about to go).
        if !self.pacer.needs_inputs(now) && operators.leaving_count() == 0 {
            // Progressive 1:1, which neither guard ever cuts (both allow
            // one uncovered call per ready operator).
            let in_flight = self.stats.ringing_count() + ctx.waiting;
            return operators.ready_count().saturating_sub(in_flight);
        }
        let counts = PacingCounts {
            now_ms: now,
            ready: operators.ready_count(),
            ringing: self.stats.ringing_count(),
            waiting: ctx.waiting,
            logged_in: operators.logged_in_count(),
            meter: ctx.meter,
            abandon_target: ctx.abandon_target,
            guard: ctx.guard,
        };
        if let Some(wanted) = self.pacer.dials_from_counts(&counts) {
            // Counts are all this pacer reads: no views gathered.
            return guard_cap_counts(wanted.min(MAX_DIALS_PER_POLL), &counts);
        }
        self.ready_ms.clear();
        self.ready_ms.extend(
            operators
                .ready_since_in_order()
                .map(|since| now.saturating_sub(since)),
        );
        self.busy.clear();
        self.leaving.clear();
        let marks = operators.leaving_count() > 0;
        let bins = self.pacer.wants_busy_bins();
        // The busy bins need only the operators whose state changed, unless
        // the views are gathered anyway (leaving marks) or a full pass is due.
        let partial = bins && !marks && {
            let ledger = self.stats.busy_bins_mut();
            ledger.begin(now);
            let seen = ledger.seen_changes;
            match seen
                .filter(|_| !ledger.wants_full())
                .and_then(|c| operators.changed_since(c))
            {
                Some(changed) => {
                    for (i, state, since) in changed {
                        ledger.observe(i, busy_phase(state), since);
                    }
                    true
                }
                None => false,
            }
        };
        if bins && !partial {
            if marks {
                self.stats.busy_bins_mut().begin(now);
            }
            let ledger = self.stats.busy_bins_mut();
            let mut count = 0;
            for (i, (state, since, _)) in operators.states_since().enumerate() {
                count = i + 1;
                ledger.observe(i, busy_phase(state), since);
            }
            ledger.truncate(count);
        }
        if bins {
            self.stats.busy_bins_mut().seen_changes = Some(operators.change_count());
        }
        if !bins || marks {
            for (state, since, leaving_at) in operators.states_since() {
                let phase = busy_phase(state);
                if phase.is_none() && !(marks && state == OperatorState::Ready) {
                    continue;
                }
                let elapsed_ms = now.saturating_sub(since);
                if let (Some(phase), false) = (phase, bins) {
                    self.busy.push(BusyOperator { phase, elapsed_ms });
                }
                if let Some(at) = leaving_at.filter(|_| marks) {
                    self.leaving.push(LeavingOperator {
                        phase,
                        elapsed_ms,
                        leaves_in_ms: at.saturating_sub(now),
                    });
                }
            }
        }
        self.ringing_ms.clear();
        self.stats.ringing_elapsed(now, &mut self.ringing_ms);
        let inputs = PacingInputs {
            now_ms: now,
            ready_ms: &self.ready_ms,
            busy: &self.busy,
            ringing_ms: &self.ringing_ms,
            leaving: &self.leaving,
            waiting: ctx.waiting,
            logged_in: operators.logged_in_count(),
            stats: &self.stats,
            meter: ctx.meter,
            abandon_target: ctx.abandon_target,
            abandon_limit_ms: ctx.abandon_limit_ms,
            ring_timeout_ms: ctx.ring_timeout_ms,
            guard: ctx.guard,
        };
        let wanted = self.pacer.dials(&inputs).min(MAX_DIALS_PER_POLL);
        guard_cap(wanted, &inputs)
    }
}

/// What a busy operator in `state` does, for the pacer (`None`: not busy).
fn busy_phase(state: OperatorState) -> Option<BusyPhase> {
    match state {
        OperatorState::OnCall => Some(BusyPhase::Talk),
        OperatorState::Acw => Some(BusyPhase::Acw),
        OperatorState::Offered | OperatorState::Bcw => Some(BusyPhase::Other),
        _ => None,
    }
}

/// The engine's hard guard on a pacer's answer (`wanted` new dials), per
/// `inputs.guard`:
///
/// - [`AbandonGuard::WorstCase`]: at most as many new dials as keep the
///   uncovered calls in flight (`inputs.in_flight()`, which counts the calls
///   already ringing and waiting) within the ready operators plus
///   [`worst_case_extra`];
/// - [`AbandonGuard::Expected`]: while the guarded rate is above the target,
///   at most one call in flight per ready operator; otherwise `wanted`.
///
/// Both always allow progressive 1:1 (one uncovered call per ready
/// operator), which no answer waits for.
pub fn guard_cap(wanted: usize, inputs: &PacingInputs<'_>) -> usize {
    guard_cap_counts(wanted, &inputs.counts())
}

/// [`guard_cap`] from the counts alone (all the guard reads).
pub fn guard_cap_counts(wanted: usize, counts: &PacingCounts) -> usize {
    let ready = counts.ready;
    match counts.guard {
        AbandonGuard::WorstCase => {
            let m = &counts.meter;
            let extra = worst_case_extra(
                counts.abandon_target,
                m.guarded_answered,
                m.guarded_abandoned,
                counts.waiting,
                ready,
            );
            let allowed = (ready as u64).saturating_add(extra);
            let room = allowed.saturating_sub(counts.in_flight() as u64);
            wanted.min(usize::try_from(room).unwrap_or(usize::MAX))
        }
        AbandonGuard::Expected => {
            if counts.meter.guarded_rate > counts.abandon_target {
                wanted.min(ready.saturating_sub(counts.in_flight()))
            } else {
                wanted
            }
        }
    }
}

/// The denominator of the rational the worst-case guard reads the target
/// as: `t` is taken as the nearest multiple of 10⁻⁹ (0.03 is exactly 3/100,
/// not the binary `f64` just below it), so the bound is exact integer
/// arithmetic with no float rounding at its edges.
pub const TARGET_SCALE: u64 = 1_000_000_000;

/// The most uncovered calls the worst-case guard allows beyond the ready
/// operators: `floor((t·A′ − B) / (1 − t))`, 0 when that is negative, with
/// `A′ = A − max(0, W − R)`.
///
/// `target` is `t` (0 < t < 1, validated by the configuration), `answered`
/// (`A`) and `abandoned` (`B`) are the guarded window's counts, `waiting`
/// (`W`) the answered calls waiting now (already in `A`), `ready` (`R`) the
/// operators ready now.
///
/// **Proof.** Let `N` calls ring without an operator and `W` wait, and let
/// `x = N + W − R` be the uncovered calls beyond the ready operators (the
/// new dials included). If `m` of the ringing calls are answered by a
/// human, at most `k = max(0, W + m − R)` answers find no operator, and the
/// rate is at most `(B + k) / (A + m)`. While `k = 0` that is `≤ B / A ≤ t`
/// whenever `t·A ≥ B`. Each further answer adds one to both `B + k` and
/// `A + m`, which never lowers a ratio ≤ 1, so the worst case is `m = N`:
/// `B + x ≤ t·(A + N)`. As `A + N = A + x + R − W ≥ A′ + x`, it suffices
/// that `B + x ≤ t·(A′ + x)`, that is `x ≤ (t·A′ − B) / (1 − t)` (as
/// `1 − t > 0`); `x` is an integer, hence the floor. When `t·A′ < B`
/// (already over the target) only `x ≤ 0` is allowed: no uncovered call
/// beyond the ready operators, so `k = 0` whatever answers, no abandon, and
/// the rate can only fall. Each decision keeps this for all the calls in
/// flight, so, by induction over decisions, the guarded rate never passes
/// `t` while the `R` operators stay ready and no answer leaves the window.
///
/// The target is read as `n / 10⁹` with `n` the nearest integer to
/// `t·10⁹` ([`TARGET_SCALE`]), and the bound is computed in 128-bit
/// integers: `floor((n·A′ − 10⁹·B) / (10⁹ − n))`.
pub fn worst_case_extra(
    target: f64,
    answered: u64,
    abandoned: u64,
    waiting: usize,
    ready: usize,
) -> u64 {
    if !(target.is_finite() && target > 0.0) {
        return 0;
    }
    let scale = u128::from(TARGET_SCALE);
    let n = ((target * TARGET_SCALE as f64).round() as u128).min(scale - 1);
    let unmatched = (waiting as u64).saturating_sub(ready as u64);
    let answered = u128::from(answered.saturating_sub(unmatched));
    let budget = n * answered;
    let spent = scale * u128::from(abandoned);
    if budget <= spent {
        return 0;
    }
    let extra = (budget - spent) / (scale - n);
    u64::try_from(extra).unwrap_or(u64::MAX)
}

/// Φ, the standard normal distribution function (|error| < 1.2e-7).
pub(crate) fn normal_cdf(x: f64) -> f64 {
    0.5 * erfc(-x / std::f64::consts::SQRT_2)
}

/// The complementary error function (Numerical Recipes' Chebyshev fit).
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let r = t
        * (-z * z - 1.265_512_23
            + t * (1.000_023_68
                + t * (0.374_091_96
                    + t * (0.096_784_18
                        + t * (-0.186_288_06
                            + t * (0.278_868_07
                                + t * (-1.135_203_98
                                    + t * (1.488_515_87
                                        + t * (-0.822_152_23 + t * 0.170_872_77)))))))))
            .exp();
    if x >= 0.0 {
        r
    } else {
        2.0 - r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_cdf_matches_known_values() {
        assert!((normal_cdf(0.0) - 0.5).abs() < 1e-7);
        assert!((normal_cdf(1.959_964) - 0.975).abs() < 1e-6);
        assert!((normal_cdf(-1.644_854) - 0.05).abs() < 1e-6);
        assert!(normal_cdf(-10.0) < 1e-12);
    }

    /// A pacer that answers from counts and must never be given views.
    #[derive(Debug)]
    struct CountsOnly;

    impl Pacer for CountsOnly {
        fn name(&self) -> String {
            "counts only".into()
        }
        fn dials(&mut self, _: &PacingInputs<'_>) -> usize {
            panic!("views gathered for a counts-only pacer")
        }
        fn dials_from_counts(&mut self, counts: &PacingCounts) -> Option<usize> {
            Some(counts.ready * 3)
        }
    }

    fn ctx(guard: AbandonGuard) -> PollContext {
        PollContext {
            now_ms: 1_000,
            waiting: 0,
            meter: MeterReadings::default(),
            abandon_target: 0.03,
            abandon_limit_ms: 2_000,
            ring_timeout_ms: 25_000,
            guard,
        }
    }

    #[test]
    fn a_counts_only_pacer_gets_no_views_and_is_still_guarded() {
        let mut ops = Operators::default();
        for _ in 0..4 {
            let op = ops.add();
            ops.set(op, OperatorState::Ready, None, 0);
        }
        let mut pacing = Pacing::new(Box::new(CountsOnly));
        // Expected risk with a clean meter: the pacer's 12 stand.
        assert_eq!(pacing.decide(&ops, ctx(AbandonGuard::Expected)), 12);
        // Worst case with no answers yet: progressive 1:1, 4.
        assert_eq!(pacing.decide(&ops, ctx(AbandonGuard::WorstCase)), 4);
    }

    /// A pacer that reads the busy bins and checks them against a recount
    /// of the operators it is shown (through a shared copy of them).
    #[derive(Debug)]
    struct BinsProbe {
        ops: std::sync::Arc<std::sync::Mutex<Operators>>,
        checked: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    }

    impl Pacer for BinsProbe {
        fn name(&self) -> String {
            "bins probe".into()
        }
        fn wants_busy_bins(&self) -> bool {
            true
        }
        fn dials(&mut self, inputs: &PacingInputs<'_>) -> usize {
            let ops = self.ops.lock().expect("not poisoned");
            let bins = inputs.busy_bins().expect("bins kept for this poll");
            let mut want = vec![0u32; bins::TALK_BINS + bins::ACW_BINS];
            let mut busy = 0;
            for (state, since, _) in ops.states_since() {
                let elapsed = inputs.now_ms - since;
                match busy_phase(state) {
                    Some(BusyPhase::Talk) => want[bins::talk_bin(elapsed)] += 1,
                    Some(BusyPhase::Acw) => want[bins::TALK_BINS + bins::acw_bin(elapsed)] += 1,
                    _ => {}
                }
                busy += usize::from(busy_phase(state).is_some());
            }
            assert_eq!(bins.counts(), &want[..], "bins at {}", inputs.now_ms);
            assert_eq!(inputs.busy_count(), busy);
            self.checked
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            0
        }
    }

    proptest::proptest! {
        /// The engine keeps the busy bins exact from the operators' change
        /// ring and the bin edges alone (a full pass only every 64th poll):
        /// at every poll they equal a recount of every operator's bin,
        /// whatever the state changes, leaving marks and time steps.
        #[test]
        fn busy_bins_follow_the_operators(
            steps in proptest::collection::vec(
                (0usize..8, 0u8..6, 0u64..20_000, proptest::bool::weighted(0.05)), 1..300),
        ) {
            let shared = std::sync::Arc::new(std::sync::Mutex::new(Operators::default()));
            let checked = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
            let mut pacing = Pacing::new(Box::new(BinsProbe { ops: shared.clone(), checked: checked.clone() }));
            let mut ops = Operators::default();
            for _ in 0..8 {
                ops.add();
            }
            let mut now = 1_000_000;
            for (op, state, dt, mark) in steps {
                now += dt;
                let id = crate::event::OperatorId(op as u32);
                let state = [
                    OperatorState::Ready,
                    OperatorState::OnCall,
                    OperatorState::Acw,
                    OperatorState::Offered,
                    OperatorState::Paused,
                    OperatorState::Offline,
                ][state as usize];
                ops.set(id, state, None, now);
                if mark && state != OperatorState::Offline {
                    ops.set_leaving(id, Some(now + 60_000));
                }
                *shared.lock().expect("not poisoned") = ops.clone();
                pacing.decide(&ops, PollContext { now_ms: now, ..ctx(AbandonGuard::Expected) });
                // A poll with no change at a later time: only edges move.
                pacing.decide(&ops, PollContext { now_ms: now + dt / 2, ..ctx(AbandonGuard::Expected) });
                now += dt / 2;
            }
            proptest::prop_assert!(checked.load(std::sync::atomic::Ordering::Relaxed) > 0);
        }
    }

    proptest::proptest! {
        /// The fixed-ratio pacer and the guard give the same answer from
        /// counts as from the full views.
        #[test]
        fn counts_answer_what_the_views_answer(
            ratio in 0.5f64..8.0,
            ready in 0usize..40,
            ringing in 0usize..60,
            waiting in 0usize..10,
            answered in 0u64..500,
            abandoned in 0u64..40,
            worst in proptest::bool::ANY,
        ) {
            let stats = PacingStats::default();
            let ready_ms = vec![7u64; ready];
            let ringing_ms = vec![3u64; ringing];
            let inputs = PacingInputs {
                now_ms: 5,
                ready_ms: &ready_ms,
                busy: &[],
                ringing_ms: &ringing_ms,
                leaving: &[],
                waiting,
                logged_in: ready,
                stats: &stats,
                meter: MeterReadings {
                    guarded_rate: crate::meter::ratio(abandoned, answered),
                    guarded_answered: answered,
                    guarded_abandoned: abandoned,
                    day_answered: answered,
                    day_abandoned: abandoned,
                },
                abandon_target: 0.03,
                abandon_limit_ms: 2_000,
                ring_timeout_ms: 25_000,
                guard: if worst { AbandonGuard::WorstCase } else { AbandonGuard::Expected },
            };
            let mut p = FixedRatioPacer::new(ratio);
            let counts = inputs.counts();
            let from_views = p.dials(&inputs);
            proptest::prop_assert_eq!(p.dials_from_counts(&counts), Some(from_views));
            proptest::prop_assert_eq!(
                guard_cap_counts(from_views, &counts),
                guard_cap(from_views, &inputs)
            );
        }
    }
}
