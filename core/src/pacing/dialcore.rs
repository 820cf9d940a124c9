//! The dialcore pacer: dial while the next call's predicted chance of being
//! abandoned stays below a threshold that feedback keeps on target.
//!
//! **What it predicts.** A new dial, if a human answers, is answered `h`
//! seconds from now with the probability the recent live ring times give.
//! It is abandoned if, by then, the answered calls ahead of it (the ones
//! waiting now, the calls in flight that will answer by `h`, the other new
//! dials) use up every operator who is ready now or frees up by `h` plus the
//! abandon limit. Each busy operator's chance of freeing up by a horizon is
//! read from the *conditional* residual distribution of talk + ACW given how
//! long this operator has already talked (or been in ACW): the share of the
//! recent completed calls longer than that elapsed time whose talk + ACW
//! ended within the horizon. Averages would say a 10-minute call ends soon;
//! the conditional distribution knows long calls tend to go on. Each
//! ringing call's chance of a live answer by `h` is conditioned the same
//! way on how long it has rung (p · ΔF_ring / P(still ringing)), so a call
//! near the ring timeout counts for almost nothing. Supply and demand are
//! sums of independent Bernoulli variables; a normal approximation (with
//! continuity correction) gives P(no operator for the next answer) at seven
//! horizons, weighted by the ring-time distribution: the marginal abandon
//! probability of one more dial. The pacer adds dials until it exceeds the
//! threshold — the optimal rule for "most talk time subject to an abandon
//! budget" is exactly a threshold on that marginal cost.
//!
//! **Feedback.** The threshold follows the budget of the guarded meter:
//! with `A` answered and `X` abandoned and a goal `g` below the target, the
//! rate allowed from now on is `g + (g·A − X) / W` (clamped), spread over
//! the next `W = max(60, A/4)` answers. This is an integral controller on
//! the cumulative rate: every abandon over budget lowers the next dials'
//! threshold, every answer under budget raises it, so the cumulative rate
//! settles on the goal from below instead of oscillating around the
//! target. The goal keeps a statistical margin that shrinks as answers
//! accumulate (2 standard errors of the rate over the budget window), so
//! small teams — where a few unlucky abandons are a large share — stay
//! safe, and large teams run close to the target. Near the limit of the
//! guarded meter the threshold drops to almost nothing.
//!
//! **Warm-up.** Until enough has been seen — 30 completed calls and one per
//! logged-in operator, 100 attempts and 20 live answers — it dials
//! progressive 1:1. The first calls to complete are necessarily the short
//! ones, so the talk model also counts the calls still in progress as
//! censored samples (they are known to last at least their elapsed time):
//! early on, the long calls still going keep it from believing every call
//! is short. **Floor.** It never dials fewer calls than progressive 1:1 would
//! (one in flight per ready operator: no answer waits for those).
//! **Client wait.** A second bound caps the predicted probability `w` that
//! the next answer waits at all (no operator free the moment it answers),
//! so the abandon budget is not spent on a stream of waits — and the bound
//! follows the team size, so a large team is held back by its abandon
//! budget, not by this bound. An answer that waits is served by the first
//! of the `N` operators (ready or busy) to free up; with a mean service
//! time (talk + ACW) `S` that takes about an exponential time of mean
//! `m = S / N`. If a share `w` of the answers waits, the wait's 95th
//! percentile is 0 while `w ≤ 5%` and `m · ln(20 w)` above. The bound is
//! `w ≤ w₀ · exp(B / m)` (capped at 1), with `w₀ = 2%` (two thirds of the
//! default 3% budget: what a small team gets, as before) and `B` the
//! stated bound on the wait p95, **1 s** (`wait_p95_bound_ms`): then
//! `m · ln(20 w) ≤ B + m · ln 0.4 < B`, so **the predicted wait p95 stays
//! under 1 s** at any team size. A team of 5 with 5-minute calls (`m` =
//! 60 s) keeps 2.03%; 100 operators (`m` = 3 s) 2.8%; 300 (1 s) 5.4%;
//! 1,000 (0.3 s) 56%, where in effect only the abandon threshold — the
//! budget — limits the dials. (What waits longer than the abandon limit is
//! abandoned, and that the threshold already prices.) The p95 bound is a
//! prediction under the exponential approximation, not a guarantee; the
//! simulator measures the real one.
//! **Announced leaving.** An operator who announced a break or logout
//! (`Event::OperatorLeaving`, [`PacingInputs::leaving`]) counts as ready
//! only at horizons before the time it leaves and, busy, as free only where
//! the horizon plus the planned wait ends before it; the progressive floor
//! leaves out a ready operator leaving within the last horizon plus the
//! abandon limit.
//! **Cost.** In the engine the busy operators come counted per elapsed bin
//! ([`BusyBins`], kept in the statistics: updated from the operators'
//! change ring and a calendar of bin edges, so a plan touches only the
//! operators whose state changed or whose bin edge passed), and the load
//! adds `±row` per count change ([`LedgerSums`]; summed afresh from the
//! counts at a table rebuild or after a missed update). Inputs that list
//! the busy operators (tests, hosts building their own) take the
//! per-operator path ([`BusySums`]: counts per bin, only the bins whose
//! count changed re-added). Either way the talk and ACW tables hold each
//! bin's probabilities and Bernoulli variances for both waits side by
//! side; the memoryless fallback is computed only for the few operators
//! past the bins with data; Φ comes from a cached grid; the `n` new dials
//! enter the load in closed form. Both paths decide as the previous model
//! (kept as a test-only reference) within 10⁻⁴ on the marginal abandon
//! probability and one dial (`cheaper_model_decides_as_the_reference`,
//! which drives the bins through time passing and operators leaving).
//! Measured (`benches/pacer_cost`: 1M contacts, 100 operators, 50
//! simulated hours, user CPU of each pacer's run alone, three runs each on
//! a loaded 2-core machine): 2.86× → 2.43× the fixed-ratio pacer's time per
//! simulated event, with the same 354,750 events (the same decisions);
//! still short of the 1.5× goal. What remains per plan: every ringing call
//! (its row), the count changes (a 28-wide row each; ACW operators cross a
//! 1 s bin about every poll), the table rebuilds, the marginal search, and
//! the plan runs at nearly every poll (re-planning at most every 250 ms).
//! **Change.** Outcome estimates forget with a 4-minute half-life; service
//! times come from the calls completed in the last 45 minutes (at least the
//! newest 64); staffing is read live at every poll.

// The model works on parallel per-horizon arrays (`[f64; G]`, rows of
// tables): an index over the horizons reads more plainly than zips.
#![allow(clippy::needless_range_loop)]

#[cfg(test)]
use super::bins::talk_edge;
use super::bins::{acw_bin, first_talk_bin_at_or_after, talk_bin, BusyBins, ACW_BINS, TALK_BINS};
use super::stats::{BusyOperator, BusyPhase, PacingStats, ServiceSample, TIME_BINS, TIME_BIN_MS};
use super::{normal_cdf, Pacer, PacingInputs};

/// Horizons (ms from now) at which a new dial's live answer is evaluated.
const HORIZONS_MS: [u64; 7] = [1_500, 3_000, 5_000, 7_000, 9_500, 13_000, 18_000];
const G: usize = HORIZONS_MS.len();

/// Tuning of the [`DialcorePacer`]; the defaults are the documented design.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DialcoreTuning {
    /// Completed calls needed before leaving progressive 1:1.
    pub warmup_completed: u64,
    /// …and at least this many per logged-in operator.
    pub warmup_completed_per_operator: f64,
    /// Dial attempts needed before leaving progressive 1:1.
    pub warmup_attempts: u64,
    /// Live answers needed before leaving progressive 1:1.
    pub warmup_live_answers: u64,
    /// Fixed part of the margin below the target.
    pub margin: f64,
    /// Standard errors of the rate (over the budget window) kept as margin.
    pub margin_sigmas: f64,
    /// Marginal threshold per unit of allowed average rate (the marginal
    /// abandon probability of the last dial is above the average one).
    pub threshold_gain: f64,
    /// Within this distance of the target, the guarded meter gets almost no
    /// new risk.
    pub near_limit: f64,
    /// Completed calls older than this are dropped from the service-time
    /// model (when at least 64 newer ones exist), ms.
    pub service_window_ms: u64,
    /// The share of the abandon limit an answered call is planned to wait
    /// at most: 1.0 counts operators who free up within the whole limit,
    /// 0.0 only those free at the answer.
    pub planned_wait: f64,
    /// The highest predicted probability that the next dial's answer waits
    /// at all (finds no operator free at once) for a small team, `w₀`;
    /// 1.0 turns the bound off. Larger teams get `w₀ · exp(B / m)` (see
    /// the module documentation).
    pub max_wait_probability: f64,
    /// `B`, the bound on the client wait p95 the wait bound keeps, ms; 0
    /// keeps `w₀` whatever the team size.
    pub wait_p95_bound_ms: u64,
    /// The model re-plans at most this often, ms; in between only the
    /// progressive floor is dialed (a poll comes after every event, and a
    /// large team has many events a second).
    pub replan_ms: u64,
}

impl Default for DialcoreTuning {
    fn default() -> Self {
        DialcoreTuning {
            warmup_completed: 30,
            warmup_completed_per_operator: 1.0,
            warmup_attempts: 100,
            warmup_live_answers: 20,
            margin: 0.002,
            margin_sigmas: 2.0,
            threshold_gain: 2.0,
            near_limit: 0.002,
            service_window_ms: 45 * 60_000,
            planned_wait: 1.0,
            max_wait_probability: 0.02,
            wait_p95_bound_ms: 1_000,
            replan_ms: 250,
        }
    }
}

/// Demand minus supply at each horizon: mean and variance.
#[derive(Debug, Clone, Copy)]
struct Load {
    mu: [f64; G],
    var: [f64; G],
    /// The most answers that can arrive (waiting + ringing + new dials).
    max_demand: usize,
    /// Operators ready now (the least supply there is).
    ready: usize,
}

/// The model tables, rebuilt as the statistics change.
#[derive(Debug, Clone)]
struct Tables {
    p_live: f64,
    /// P(a new dial's live answer comes near horizon g | live).
    weight: [f64; G],
    /// P(a new dial is answered live by horizon g).
    new_answer: [f64; G],
    /// By ring-elapsed second: P(answered live by horizon g | still ringing).
    ring: Vec<[f64; G]>,
    /// By talk-elapsed bin: P(free by horizon g + limit | talking so long)
    /// and its Bernoulli variance, with the planned wait and with none
    /// (from `talk_from`, too few calls: the memoryless fallback instead).
    talk: Vec<BinRow>,
    /// By ACW-elapsed second: the same for after-call work.
    acw: Vec<BinRow>,
    /// Φ on a grid ([`phi`]).
    phi: Vec<f64>,
    ring_built_ms: Option<u64>,
    service_built: Option<(u64, u64)>,
    limit_ms: u64,
    /// From this talk bin on (per limit), too few calls: memoryless fallback.
    talk_from: [usize; 2],
    /// From this ACW bin on (per limit), the same.
    acw_from: [usize; 2],
    /// Mean talk + ACW of the recent calls, ms (for the fallback).
    mean_service: f64,
    /// Mean ACW of the recent calls, ms.
    mean_acw: f64,
    /// Completed calls in the service-time model.
    service_samples: usize,
    /// Counts the service-table builds (what [`BusySums`] follow).
    build: u64,
}

/// One elapsed-time bin of a busy operator: `q[j][g]`, the probability of
/// being free by horizon `g` (plus the planned wait for `j == 0`, none for
/// `j == 1`), and `v[j][g] = q − q²`, laid out so a busy operator's whole
/// contribution to the load is one contiguous read.
#[derive(Debug, Clone, Copy, Default)]
struct BinRow {
    q: [[f64; G]; 2],
    v: [[f64; G]; 2],
}

impl BinRow {
    fn set(&mut self, j: usize, row: &[f64; G]) {
        for g in 0..G {
            self.q[j][g] = row[g];
            self.v[j][g] = row[g] - row[g] * row[g];
        }
    }
}

/// The busy operators' part of the load, kept from plan to plan: how many
/// operators each talk and ACW bin held at the last plan and the sums of
/// their rows. A plan counts the operators per bin (an increment each) and
/// adds `Δcount × row` for the bins whose count changed — between two plans
/// a quarter second apart most operators stay in their bin — instead of
/// adding every operator's row. A table rebuild (the rows change) sums
/// afresh from the counts, which also bounds any float drift to the plans
/// since the last rebuild.
#[derive(Debug, Clone, Default)]
struct BusySums {
    /// Operators per bin at the last plan: the talk bins, then the ACW bins.
    counts: Vec<u32>,
    /// This plan's counts (all zero between plans; swapped with `counts`).
    next: Vec<u32>,
    /// The bins `counts` holds operators in (so a plan touches only those
    /// and this plan's, never all the bins).
    held: Vec<usize>,
    /// This plan's bins (scratch, swapped with `held`).
    holding: Vec<usize>,
    sum: [[f64; G]; 2],
    var: [[f64; G]; 2],
    /// The table build the sums belong to (`None`: sum afresh).
    build: Option<u64>,
}

/// Running sums of rows: means and variances, both waits.
type BusySumsAcc = ([[f64; G]; 2], [[f64; G]; 2]);

/// The busy operators' part of the load when the engine keeps them per
/// bin ([`BusyBins`]): the sums of `count × row` over the binned bins, kept
/// up from the bins' count changes (`±row` per change) and summed afresh
/// from the counts at a table rebuild or when an update was missed.
#[derive(Debug, Clone, Default)]
struct LedgerSums {
    sum: [[f64; G]; 2],
    var: [[f64; G]; 2],
    /// The table build and the bins' version the sums belong to.
    at: Option<(u64, u64)>,
}

/// Adds `d × row` to running sums.
#[inline(always)]
fn add_row(sums: &mut BusySumsAcc, row: &BinRow, d: f64) {
    for j in 0..2 {
        for g in 0..G {
            sums.0[j][g] += d * row.q[j][g];
            sums.1[j][g] += d * row.v[j][g];
        }
    }
}

/// Grid of the cached normal distribution function: Φ(z) for z in
/// [−PHI_RANGE, PHI_RANGE] at steps of 1/PHI_PER_UNIT, read with linear
/// interpolation (|error| < 2·10⁻⁶ over the Chebyshev fit's 1.2·10⁻⁷).
const PHI_RANGE: f64 = 8.0;
const PHI_PER_UNIT: f64 = 128.0;
const PHI_POINTS: usize = (2.0 * PHI_RANGE * PHI_PER_UNIT) as usize + 1;

/// The Φ grid ([`phi`] reads it).
fn phi_table() -> Vec<f64> {
    (0..PHI_POINTS)
        .map(|i| normal_cdf(i as f64 / PHI_PER_UNIT - PHI_RANGE))
        .collect()
}

/// Φ(z) from the grid.
#[inline(always)]
fn phi(table: &[f64], z: f64) -> f64 {
    let x = (z + PHI_RANGE) * PHI_PER_UNIT;
    // Below the grid, and NaN (a zero variance cannot occur: it has a floor).
    if x.is_nan() || x <= 0.0 {
        return table[0];
    }
    let i = x as usize;
    if i + 1 >= table.len() {
        return table[table.len() - 1];
    }
    let f = x - i as f64;
    table[i] + (table[i + 1] - table[i]) * f
}

/// The model-based predictive pacer (see the module documentation).
#[derive(Debug, Clone)]
pub struct DialcorePacer {
    tuning: DialcoreTuning,
    warm: bool,
    tables: Tables,
    busy_sums: BusySums,
    ledger_sums: LedgerSums,
    threshold: f64,
    planned_at: Option<u64>,
}

impl Default for DialcorePacer {
    fn default() -> Self {
        Self::new(DialcoreTuning::default())
    }
}

/// `F(x)` of a binned CDF (bin `i` = `[i, i+1)` s), linear inside a bin.
fn cdf_at(cdf: &[f64], x_ms: u64) -> f64 {
    let bin = (x_ms / TIME_BIN_MS) as usize;
    if bin >= cdf.len() {
        return cdf.last().copied().unwrap_or(1.0);
    }
    let before = if bin == 0 { 0.0 } else { cdf[bin - 1] };
    let frac = (x_ms % TIME_BIN_MS) as f64 / TIME_BIN_MS as f64;
    before + (cdf[bin] - before) * frac
}

impl DialcorePacer {
    /// A pacer with this tuning.
    pub fn new(tuning: DialcoreTuning) -> Self {
        DialcorePacer {
            tuning,
            warm: false,
            tables: Tables {
                p_live: 0.0,
                weight: [0.0; G],
                new_answer: [0.0; G],
                ring: Vec::new(),
                talk: vec![BinRow::default(); TALK_BINS],
                acw: vec![BinRow::default(); ACW_BINS],
                phi: phi_table(),
                ring_built_ms: None,
                service_built: None,
                limit_ms: 0,
                talk_from: [0; 2],
                acw_from: [0; 2],
                mean_service: 0.0,
                mean_acw: 0.0,
                service_samples: 0,
                build: 0,
            },
            busy_sums: BusySums::default(),
            ledger_sums: LedgerSums::default(),
            threshold: 0.0,
            planned_at: None,
        }
    }

    /// True once the warm-up is over (it does not come back).
    pub fn is_warm(&self) -> bool {
        self.warm
    }

    /// The marginal-abandon threshold of the last decision.
    pub fn threshold(&self) -> f64 {
        self.threshold
    }

    /// The tuning.
    pub fn tuning(&self) -> &DialcoreTuning {
        &self.tuning
    }

    fn warm_enough(&self, inputs: &PacingInputs<'_>) -> bool {
        let t = &self.tuning;
        let s = inputs.stats;
        let per_op = (t.warmup_completed_per_operator * inputs.logged_in as f64).ceil() as u64;
        s.completed_calls() >= t.warmup_completed.max(per_op)
            && s.attempts() >= t.warmup_attempts
            && s.live_answers() >= t.warmup_live_answers
    }

    /// The probability that one more dial, made now, is answered live and
    /// finds no operator, per live answer; with `extra` other new dials.
    /// Exposed for tests and reports.
    pub fn marginal_abandon(&mut self, inputs: &PacingInputs<'_>, extra: usize) -> f64 {
        self.refresh(inputs);
        let load = self.load(inputs);
        self.marginal(&load[0], extra)
    }

    fn refresh(&mut self, inputs: &PacingInputs<'_>) {
        let now = inputs.now_ms;
        let t = &mut self.tables;
        let limit =
            (inputs.abandon_limit_ms as f64 * self.tuning.planned_wait.clamp(0.0, 1.0)) as u64;
        if t.limit_ms != limit {
            t.limit_ms = limit;
            t.service_built = None;
        }
        if t.ring_built_ms
            .is_none_or(|at| now >= at + 15_000 || now < at)
        {
            t.ring_built_ms = Some(now);
            build_ring(t, inputs.stats, inputs.ring_timeout_ms);
        }
        let version = inputs.stats.service_version();
        let stale = match t.service_built {
            None => true,
            // After 1/8 of the model's samples are new (at least 16), or
            // two minutes with anything new.
            Some((v, at)) => {
                v != version
                    && (version >= v + 16.max(t.service_samples as u64 / 8) || now >= at + 120_000)
            }
        };
        if stale {
            t.service_built = Some((version, now));
            t.build += 1;
            build_service(t, inputs, self.tuning.service_window_ms);
        }
    }

    /// Means and variances of (demand − supply) at each horizon, counting
    /// operators free within the planned wait (`[0]`) and at once (`[1]`).
    fn load(&mut self, inputs: &PacingInputs<'_>) -> [Load; 2] {
        let base = Load {
            // A small floor keeps the normal approximation off a step.
            mu: [inputs.waiting as f64 - inputs.ready() as f64; G],
            var: [0.05; G],
            max_demand: inputs.waiting + inputs.ringing_ms.len(),
            ready: inputs.ready(),
        };
        let mut load = [base, base];
        let (sum, var) = match inputs.busy_bins() {
            Some(bins) => self.busy_load_bins(bins),
            None => self.busy_load(inputs.busy),
        };
        for (j, l) in load.iter_mut().enumerate() {
            for g in 0..G {
                l.mu[g] -= sum[j][g];
                l.var[g] += var[j][g];
            }
        }
        let t = &self.tables;
        self.discount_leaving(inputs, &mut load);
        let (mut sum, mut var) = ([0.0; G], [0.0; G]);
        for &e in inputs.ringing_ms {
            if let Some(row) = t.ring.get((e / 1_000) as usize) {
                add_bernoullis(&mut sum, &mut var, row);
            }
        }
        for l in &mut load {
            for g in 0..G {
                l.mu[g] += sum[g];
                l.var[g] += var[g];
            }
        }
        load
    }

    /// The sums of the busy operators' rows (means, variances; both waits):
    /// incrementally over the binned operators ([`BusySums`]), directly for
    /// the few past the bins the tables cover (the memoryless fallback).
    fn busy_load(&mut self, busy: &[BusyOperator]) -> ([[f64; G]; 2], [[f64; G]; 2]) {
        let t = &self.tables;
        let b = &mut self.busy_sums;
        let bins = TALK_BINS + ACW_BINS;
        if b.counts.len() != bins {
            b.counts = vec![0; bins];
            b.next = vec![0; bins];
            b.held.clear();
            b.build = None;
        }
        b.holding.clear();
        let talk_from = t.talk_from[0].min(t.talk_from[1]);
        let acw_from = t.acw_from[0].min(t.acw_from[1]);
        let (mut sum, mut var) = ([[0.0; G]; 2], [[0.0; G]; 2]);
        let mut scratch = BinRow::default();
        for op in busy {
            let k = match op.phase {
                BusyPhase::Talk => talk_bin(op.elapsed_ms),
                BusyPhase::Acw => ((op.elapsed_ms / 1_000) as usize).min(ACW_BINS - 1),
                BusyPhase::Other => continue,
            };
            let binned = match op.phase {
                BusyPhase::Talk => (k < talk_from).then_some(k),
                _ => (k < acw_from).then_some(TALK_BINS + k),
            };
            if let Some(i) = binned {
                if b.next[i] == 0 {
                    b.holding.push(i);
                }
                b.next[i] += 1;
            } else if let Some(row) = busy_row(t, op.phase, op.elapsed_ms, &mut scratch) {
                for j in 0..2 {
                    for g in 0..G {
                        sum[j][g] += row.q[j][g];
                        var[j][g] += row.v[j][g];
                    }
                }
            }
        }
        let row_of = |i: usize| {
            if i < TALK_BINS {
                &t.talk[i]
            } else {
                &t.acw[i - TALK_BINS]
            }
        };
        let mut acc: BusySumsAcc = (b.sum, b.var);
        if b.build != Some(t.build) {
            acc = ([[0.0; G]; 2], [[0.0; G]; 2]);
            for &i in &b.holding {
                add_row(&mut acc, row_of(i), f64::from(b.next[i]));
            }
            b.build = Some(t.build);
        } else {
            for &i in &b.holding {
                if b.next[i] != b.counts[i] {
                    add_row(
                        &mut acc,
                        row_of(i),
                        f64::from(b.next[i]) - f64::from(b.counts[i]),
                    );
                }
            }
            for &i in &b.held {
                if b.next[i] == 0 {
                    add_row(&mut acc, row_of(i), -f64::from(b.counts[i]));
                }
            }
        }
        (b.sum, b.var) = acc;
        // `next` becomes the counts; the old counts, cleared, the next scratch.
        for &i in &b.held {
            b.counts[i] = 0;
        }
        std::mem::swap(&mut b.counts, &mut b.next);
        std::mem::swap(&mut b.held, &mut b.holding);
        for j in 0..2 {
            for g in 0..G {
                sum[j][g] += b.sum[j][g];
                var[j][g] += b.var[j][g];
            }
        }
        (sum, var)
    }

    /// [`DialcorePacer::busy_load`] from the engine's bins: the binned
    /// operators' sums kept up from the count changes ([`LedgerSums`]),
    /// the few past the bins the tables cover (the memoryless fallback)
    /// added one by one, found only when a count there is not zero.
    fn busy_load_bins(&mut self, bins: &BusyBins) -> ([[f64; G]; 2], [[f64; G]; 2]) {
        let t = &self.tables;
        let l = &mut self.ledger_sums;
        let talk_from = t.talk_from[0].min(t.talk_from[1]);
        let acw_from = t.acw_from[0].min(t.acw_from[1]);
        let binned = |i: usize| {
            if i < TALK_BINS {
                i < talk_from
            } else {
                i - TALK_BINS < acw_from
            }
        };
        let row_of = |i: usize| {
            if i < TALK_BINS {
                &t.talk[i]
            } else {
                &t.acw[i - TALK_BINS]
            }
        };
        let version = bins.version();
        let mut acc: BusySumsAcc = (l.sum, l.var);
        if l.at == Some((t.build, version.wrapping_sub(1))) {
            for &(i, d) in bins.changes() {
                let i = i as usize;
                if binned(i) {
                    add_row(&mut acc, row_of(i), f64::from(d));
                }
            }
        } else if l.at != Some((t.build, version)) {
            acc = ([[0.0; G]; 2], [[0.0; G]; 2]);
            for (i, &n) in bins.counts().iter().enumerate() {
                if n > 0 && binned(i) {
                    add_row(&mut acc, row_of(i), f64::from(n));
                }
            }
        }
        (l.sum, l.var) = acc;
        l.at = Some((t.build, version));
        if bins.any_from(talk_from, acw_from) {
            let mut scratch = BinRow::default();
            for (phase, elapsed) in bins.each_busy() {
                let i = match phase {
                    BusyPhase::Talk => talk_bin(elapsed),
                    _ => TALK_BINS + acw_bin(elapsed),
                };
                if binned(i) {
                    continue;
                }
                if let Some(row) = busy_row(t, phase, elapsed, &mut scratch) {
                    add_row(&mut acc, row, 1.0);
                }
            }
        }
        acc
    }

    /// The bin row of a busy operator in `phase` for `elapsed_ms`; `None`
    /// for one who frees no predictive line (offer, BCW). Where fewer than
    /// 8 recent calls lasted this long (the longest 1% or so of the busy
    /// operators) the memoryless fallback is computed for the exact
    /// elapsed time into `scratch`.
    fn busy_row<'a>(
        &'a self,
        phase: BusyPhase,
        elapsed_ms: u64,
        scratch: &'a mut BinRow,
    ) -> Option<&'a BinRow> {
        busy_row(&self.tables, phase, elapsed_ms, scratch)
    }

    /// Takes out of the supply the operators who announced they leave: a
    /// ready one from the horizons at or past its leaving, a busy one from
    /// those whose window (the horizon plus the planned wait) reaches past
    /// it — it is not counted as soon free past `at_ms`.
    fn discount_leaving(&self, inputs: &PacingInputs<'_>, load: &mut [Load; 2]) {
        if inputs.leaving.is_empty() {
            return;
        }
        let mut scratch = BinRow::default();
        for (j, l) in load.iter_mut().enumerate() {
            let wait = if j == 0 { self.tables.limit_ms } else { 0 };
            // Conservative: a ready operator leaving within the model's
            // reach does not count toward "every answer has an operator".
            l.ready = l
                .ready
                .saturating_sub(inputs.ready_leaving_within(HORIZONS_MS[G - 1] + wait));
            for o in inputs.leaving {
                let Some(phase) = o.phase else {
                    for g in 0..G {
                        if o.leaves_in_ms <= HORIZONS_MS[g] {
                            l.mu[g] += 1.0;
                        }
                    }
                    continue;
                };
                let Some(row) = self.busy_row(phase, o.elapsed_ms, &mut scratch) else {
                    continue;
                };
                for g in 0..G {
                    if o.leaves_in_ms < HORIZONS_MS[g] + wait {
                        l.mu[g] += row.q[j][g];
                        l.var[g] = (l.var[g] - row.v[j][g]).max(0.05);
                    }
                }
            }
        }
    }

    /// Progressive 1:1 over the ready operators not about to leave (within
    /// the last horizon plus the abandon limit): no answer waits for those.
    fn floor(&self, inputs: &PacingInputs<'_>) -> usize {
        let leaving = inputs.ready_leaving_within(HORIZONS_MS[G - 1] + inputs.abandon_limit_ms);
        (inputs.ready() - leaving).saturating_sub(inputs.in_flight())
    }

    /// P(the next answer finds no operator), weighted over its answer
    /// time, with `extra` new dials ahead of it: each adds its answer
    /// probability to the mean and its Bernoulli variance to the variance,
    /// so `extra` of them are added at once.
    fn marginal(&self, l: &Load, extra: usize) -> f64 {
        if l.max_demand + extra < l.ready {
            // Every answer ahead of this one has a ready operator: none can
            // wait, whatever the normal approximation's tail says.
            return 0.0;
        }
        let t = &self.tables;
        let n = extra as f64;
        let mut p = 0.0;
        for g in 0..G {
            let a = t.new_answer[g];
            let mu = l.mu[g] + n * a;
            let var = l.var[g] + n * (a - a * a);
            p += t.weight[g] * phi(&t.phi, (mu + 0.5) / var.sqrt());
        }
        p
    }

    /// The highest probability that the next answer waits at all:
    /// `w₀ · exp(B / m)`, capped at 1, with `m` the mean service time over
    /// the operators ready or busy (the module documentation derives it).
    pub fn wait_bound(&self, inputs: &PacingInputs<'_>) -> f64 {
        let t = &self.tuning;
        let base = t.max_wait_probability;
        let serving = inputs.ready() + inputs.busy_count();
        if base >= 1.0 || t.wait_p95_bound_ms == 0 || serving == 0 {
            return base;
        }
        let m = self.tables.mean_service / serving as f64;
        if m <= 0.0 {
            return base;
        }
        (base * (t.wait_p95_bound_ms as f64 / m).exp()).min(1.0)
    }

    /// The marginal-abandon threshold the feedback allows now.
    fn allowed_threshold(&self, inputs: &PacingInputs<'_>) -> f64 {
        let t = &self.tuning;
        let target = inputs.abandon_target;
        let answered = inputs.meter.guarded_answered as f64;
        let abandoned = inputs.meter.guarded_abandoned as f64;
        let window = (answered / 4.0).max(60.0);
        // The last `window` answers move the cumulative rate by about
        // sqrt(target / window) · window / A = sqrt(target / 4A) (1 s.e.).
        let margin = t.margin + t.margin_sigmas * (target / (4.0 * answered.max(50.0))).sqrt();
        let goal = (target - margin).max(target * 0.1);
        let forward =
            (goal + (goal * answered - abandoned) / window).clamp(goal * 0.05, goal * 3.0);
        let mut threshold = forward * t.threshold_gain;
        if answered >= 100.0 && inputs.meter.guarded_rate >= target - t.near_limit {
            threshold = threshold.min(goal * 0.05);
        }
        threshold
    }
}

impl Pacer for DialcorePacer {
    fn name(&self) -> String {
        "dialcore".to_owned()
    }

    /// The load reads the busy operators per bin, kept up incrementally.
    fn wants_busy_bins(&self) -> bool {
        true
    }

    fn needs_inputs(&self, now_ms: u64) -> bool {
        !(self.warm
            && self
                .planned_at
                .is_some_and(|at| now_ms >= at && now_ms < at + self.tuning.replan_ms))
    }

    fn dials(&mut self, inputs: &PacingInputs<'_>) -> usize {
        if !self.warm {
            if !self.warm_enough(inputs) {
                return self.floor(inputs);
            }
            self.warm = true;
        }
        if inputs.ready() + inputs.busy_count() == 0 {
            return 0;
        }
        let now = inputs.now_ms;
        if self
            .planned_at
            .is_some_and(|at| now >= at && now < at + self.tuning.replan_ms)
        {
            return self.floor(inputs);
        }
        self.planned_at = Some(now);
        self.refresh(inputs);
        self.threshold = self.allowed_threshold(inputs);
        if self.tables.p_live <= 0.0 {
            return self.floor(inputs);
        }
        let load = self.load(inputs);
        let cap = 4 * (inputs.ready() + inputs.busy_count()) + 8;
        // Never fewer than progressive 1:1, which no answer waits for.
        let floor = self.floor(inputs);
        let max_wait = self.wait_bound(inputs);
        let mut n = floor;
        while n < cap
            && self.marginal(&load[0], n) <= self.threshold
            && (max_wait >= 1.0 || self.marginal(&load[1], n) <= max_wait)
        {
            n += 1;
        }
        n
    }
}

/// The ring tables from the outcome estimates.
fn build_ring(t: &mut Tables, stats: &PacingStats, ring_timeout_ms: u64) {
    let p = stats.p_live(0.0);
    t.p_live = p;
    let live = stats.live_ring_times().cdf();
    let non_live = stats.non_live_times().cdf();
    let empty = stats.live_ring_times().weight() <= 0.0;
    // Weights: the live ring time's mass around each horizon.
    let mut prev = 0.0;
    for g in 0..G {
        let upper = if g + 1 < G {
            cdf_at(&live, (HORIZONS_MS[g] + HORIZONS_MS[g + 1]) / 2)
        } else {
            1.0
        };
        t.weight[g] = if empty {
            1.0 / G as f64
        } else {
            (upper - prev).max(0.0)
        };
        prev = upper;
        t.new_answer[g] = p * cdf_at(&live, HORIZONS_MS[g]);
    }
    let bins = ((ring_timeout_ms / 1_000) as usize + 1).min(TIME_BINS);
    t.ring.clear();
    for bin in 0..bins {
        let e = bin as u64 * 1_000 + 500;
        let f_live = cdf_at(&live, e);
        let alive = p * (1.0 - f_live) + (1.0 - p) * (1.0 - cdf_at(&non_live, e));
        let mut row = [0.0; G];
        if alive > 1e-9 {
            for g in 0..G {
                let gain = p * (cdf_at(&live, e + HORIZONS_MS[g]) - f_live);
                row[g] = (gain / alive).clamp(0.0, 1.0);
            }
        }
        t.ring.push(row);
    }
}

/// The talk and ACW residual tables from the recent completed calls, with
/// the planned wait and with none.
fn build_service(t: &mut Tables, inputs: &PacingInputs<'_>, window_ms: u64) {
    let oldest = inputs.now_ms.saturating_sub(window_ms);
    let samples: Vec<ServiceSample> = inputs
        .stats
        .service_newest_first()
        .enumerate()
        .take_while(|(i, s)| *i < 64 || s.end_ms >= oldest)
        .map(|(_, s)| *s)
        .collect();
    t.service_samples = samples.len();
    let n = samples.len().max(1) as f64;
    t.mean_service = samples
        .iter()
        .map(|s| f64::from(s.talk_ms) + f64::from(s.acw_ms))
        .sum::<f64>()
        / n;
    t.mean_acw = samples.iter().map(|s| f64::from(s.acw_ms)).sum::<f64>() / n;
    for (j, limit) in [(0, t.limit_ms), (1, 0)] {
        let (talk_from, acw_from) =
            build_service_for(&mut t.talk, &mut t.acw, j, limit, inputs, &samples);
        t.talk_from[j] = talk_from;
        t.acw_from[j] = acw_from;
    }
}

/// [`DialcorePacer::busy_row`] on the tables.
#[inline(always)]
fn busy_row<'a>(
    t: &'a Tables,
    phase: BusyPhase,
    elapsed_ms: u64,
    scratch: &'a mut BinRow,
) -> Option<&'a BinRow> {
    let (table, k, from, mean) = match phase {
        BusyPhase::Talk => (&t.talk, talk_bin(elapsed_ms), t.talk_from, t.mean_service),
        BusyPhase::Acw => (&t.acw, acw_bin(elapsed_ms), t.acw_from, t.mean_acw),
        BusyPhase::Other => return None,
    };
    if k < from[0].min(from[1]) {
        return Some(&table[k]);
    }
    *scratch = table[k];
    let mut row = [0.0; G];
    for (j, limit) in [(0, t.limit_ms), (1, 0)] {
        if k >= from[j] {
            memoryless(&mut row, limit, mean.max(elapsed_ms as f64));
            scratch.set(j, &row);
        }
    }
    Some(scratch)
}

/// Adds Bernoulli variables of probabilities `row` to a sum's mean and variance.
#[inline(always)]
fn add_bernoullis(sum: &mut [f64; G], var: &mut [f64; G], row: &[f64; G]) {
    for g in 0..G {
        let q = row[g];
        sum[g] += q;
        var[g] += q - q * q;
    }
}

/// `1 − exp(−H / residual)` at every horizon, into `row`.
fn memoryless(row: &mut [f64; G], limit_ms: u64, residual_ms: f64) {
    for g in 0..G {
        let h = (HORIZONS_MS[g] + limit_ms) as f64;
        row[g] = 1.0 - (-h / residual_ms.max(1.0)).exp();
    }
}

/// Fills the tables' rows `j` (for the wait `limit_ms`); returns the
/// first talk and ACW bins with too few calls (the fallback's).
fn build_service_for(
    talk_table: &mut [BinRow],
    acw_table: &mut [BinRow],
    j: usize,
    limit_ms: u64,
    inputs: &PacingInputs<'_>,
    samples: &[ServiceSample],
) -> (usize, usize) {
    let horizon = |g: usize| (HORIZONS_MS[g] + limit_ms) as i64;

    // Talk: sample i counts in bin k when T_i > edge(k) (k < kmax_i), and
    // toward horizon g when T_i + A_i <= edge(k) + H_g (k >= kmin_ig).
    let mut cond = vec![0i64; TALK_BINS + 1];
    let mut hits = vec![[0i64; G]; TALK_BINS + 1];
    let mut cens = vec![[0i64; G]; TALK_BINS + 1];
    for s in samples {
        let talk = i64::from(s.talk_ms);
        let service = talk + i64::from(s.acw_ms);
        let kmax = first_talk_bin_at_or_after(talk);
        cond[0] += 1;
        cond[kmax] -= 1;
        for g in 0..G {
            let kmin = first_talk_bin_at_or_after(service - horizon(g));
            if kmin < kmax {
                hits[kmin][g] += 1;
                hits[kmax][g] -= 1;
            }
        }
    }
    // Calls still in progress are censored samples (T > elapsed): early in
    // a campaign the completed calls are the short ones, and the long calls
    // still going are what keeps the model from believing every call is
    // short. One that is already past the horizon from bin k counts as
    // "not free by then" in k's denominator; one that is not is left out
    // there (its end is unknown).
    let talking: Vec<u64> = match inputs.busy_bins() {
        Some(bins) => bins
            .each_busy()
            .filter(|b| b.0 == BusyPhase::Talk)
            .map(|b| b.1)
            .collect(),
        None => inputs
            .busy
            .iter()
            .filter(|b| b.phase == BusyPhase::Talk)
            .map(|b| b.elapsed_ms)
            .collect(),
    };
    for &elapsed in &talking {
        let e = elapsed.min(i64::MAX as u64) as i64;
        for g in 0..G {
            // Bins k with edge(k) + H_g <= e, i.e. k < first bin at/after e − H_g + 1.
            let kmax = first_talk_bin_at_or_after(e - horizon(g) + 1);
            if kmax > 0 {
                cens[0][g] += 1;
                cens[kmax][g] -= 1;
            }
        }
    }
    // Fewer than 8 calls this long (the count only falls with k): from
    // there on the caller uses a memoryless fallback whose mean residual is
    // no shorter than the time already spent.
    let (mut c, mut h, mut z) = (0i64, [0i64; G], [0i64; G]);
    let mut talk_from = TALK_BINS;
    for k in 0..TALK_BINS {
        c += cond[k];
        if c < 8 {
            talk_from = k;
            break;
        }
        let mut row = [0.0; G];
        for g in 0..G {
            h[g] += hits[k][g];
            z[g] += cens[k][g];
            row[g] = h[g] as f64 / (c + z[g]) as f64;
        }
        talk_table[k].set(j, &row);
    }

    // ACW: the same with A_i alone, 1 s bins.
    let mut cond = vec![0i64; ACW_BINS + 1];
    let mut hits = vec![[0i64; G]; ACW_BINS + 1];
    for s in samples {
        let acw = i64::from(s.acw_ms);
        let kmax = ((acw + 999) / 1_000).clamp(0, ACW_BINS as i64) as usize;
        cond[0] += 1;
        cond[kmax] -= 1;
        for g in 0..G {
            let x = acw - horizon(g);
            let kmin = if x <= 0 {
                0
            } else {
                ((x + 999) / 1_000) as usize
            };
            if kmin < kmax {
                hits[kmin][g] += 1;
                hits[kmax][g] -= 1;
            }
        }
    }
    let (mut c, mut h) = (0i64, [0i64; G]);
    let mut acw_from = ACW_BINS;
    for k in 0..ACW_BINS {
        c += cond[k];
        if c < 8 {
            acw_from = k;
            break;
        }
        let mut row = [0.0; G];
        for g in 0..G {
            h[g] += hits[k][g];
            row[g] = h[g] as f64 / c as f64;
        }
        acw_table[k].set(j, &row);
    }
    (talk_from, acw_from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn talk_bins_are_consistent() {
        for t in [0, 4_999, 5_000, 599_999, 600_000, 650_000, 10_000_000] {
            let k = talk_bin(t);
            assert!(talk_edge(k) <= t, "{t}");
            if k + 1 < TALK_BINS {
                assert!(t < talk_edge(k + 1), "{t}");
            }
        }
        assert_eq!(first_talk_bin_at_or_after(5_000), 1);
        assert_eq!(first_talk_bin_at_or_after(5_001), 2);
        assert_eq!(first_talk_bin_at_or_after(-5), 0);
    }

    use crate::pacing::reference;
    use crate::pacing::stats::BusyOperator;
    use crate::pacing::{AbandonGuard, LeavingOperator, MeterReadings};

    /// Statistics of a campaign that has run a while: `calls` attempts, one
    /// a second, one in `every` answered after 3–12 s; talks from `talk`,
    /// ACW 0–9 s (the same feed the integration tests use, with spread).
    fn warmed(calls: u32, every: u32, talk: impl Fn(u32) -> u64) -> (PacingStats, u64) {
        let mut s = PacingStats::default();
        // Late enough that every generated elapsed time began after 0.
        let mut t = 10_000_000;
        for i in 0..calls {
            s.on_dial(i, false, t);
            if i % every == 0 {
                let ring = 3_000 + u64::from(i % 10) * 1_000;
                s.on_live_answer(i, t + ring);
                s.on_connect(i, t + ring);
                let end = t + ring + talk(i);
                s.on_talk_end(i, true, end);
                s.on_acw_end(i, end + u64::from(i % 10) * 1_000);
            } else {
                s.on_attempt_end(i, t + 20_000);
            }
            t += 1_000;
        }
        (s, t)
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]
        /// The cheaper model against the reference (the model as it was):
        /// on generated inputs — statistics of three call-length mixes,
        /// operators ready, talking and in ACW for any elapsed time, calls
        /// ringing, meters under and near the target, leaving operators —
        /// the marginal abandon probability agrees within 10⁻⁴ and the
        /// decision within one dial (the only differences: Φ read from a
        /// grid, and sums added in another order and at once).
        #[test]
        fn cheaper_model_decides_as_the_reference(
            mix in 0u8..3,
            ready in proptest::collection::vec(0u64..60_000, 0..12),
            busy in proptest::collection::vec((0u8..3, 0u64..5_000_000), 0..80),
            ringing in proptest::collection::vec(0u64..25_000, 0..30),
            answered in 0u64..5_000,
            abandoned_pm in 0u64..35,
            leave in proptest::collection::vec((0usize..80, 0u64..40_000), 0..4),
            extra in 0usize..6,
            wait_bound in proptest::bool::ANY,
            shifts in proptest::collection::vec((0u64..20_000, 0usize..80), 1..6),
        ) {
            let (stats, t) = match mix {
                0 => warmed(1_500, 3, |i| 20_000 + u64::from(i % 7) * 30_000),
                1 => warmed(1_500, 2, |i| if i % 4 == 0 { 30_000 } else { 600_000 }),
                _ => warmed(1_500, 5, |i| 5_000 + u64::from(i % 13) * 4_000_000 / 13),
            };
            let busy: Vec<BusyOperator> = busy
                .iter()
                .map(|&(p, e)| BusyOperator {
                    phase: [BusyPhase::Talk, BusyPhase::Acw, BusyPhase::Other][p as usize],
                    elapsed_ms: if p == 1 { e % 400_000 } else { e },
                })
                .collect();
            let leaving: Vec<LeavingOperator> = leave
                .iter()
                .filter_map(|&(i, leaves_in_ms)| {
                    busy.get(i).map(|b| LeavingOperator {
                        phase: Some(b.phase),
                        elapsed_ms: b.elapsed_ms,
                        leaves_in_ms,
                    })
                })
                .collect();
            let abandoned = answered * abandoned_pm / 1_000;
            let mut ringing = ringing;
            ringing.sort_unstable();
            let inputs = PacingInputs {
                now_ms: t,
                ready_ms: &ready,
                busy: &busy,
                ringing_ms: &ringing,
                leaving: &leaving,
                waiting: 0,
                logged_in: ready.len() + busy.len(),
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
                guard: AbandonGuard::WorstCase,
            };
            let tuning = DialcoreTuning {
                max_wait_probability: if wait_bound { 0.02 } else { 1.0 },
                // The reference's bound: w₀ at every team size.
                wait_p95_bound_ms: 0,
                ..DialcoreTuning::default()
            };
            // The engine's way: the busy operators per bin, kept in the
            // statistics and updated at each plan (operator i is busy[i]).
            let mut binned_stats = stats.clone();
            let observe = |s: &mut PacingStats, now: u64, busy: &[BusyOperator]| {
                let bins = s.busy_bins_mut();
                bins.begin(now);
                for (i, b) in busy.iter().enumerate() {
                    bins.observe(i, Some(b.phase), now - b.elapsed_ms);
                }
                bins.truncate(busy.len());
            };
            observe(&mut binned_stats, t, &busy);
            let mut new = DialcorePacer::new(tuning);
            let mut led = DialcorePacer::new(tuning);
            let mut old = reference::DialcorePacer::new(tuning);
            let binned = PacingInputs { busy: &[], stats: &binned_stats, ..inputs };
            proptest::prop_assert!(binned.busy_bins().is_some());
            proptest::prop_assert_eq!(binned.busy_count(), busy.len());
            let (m_new, m_old) = (new.marginal_abandon(&inputs, extra), old.marginal_abandon(&inputs, extra));
            let m_led = led.marginal_abandon(&binned, extra);
            proptest::prop_assert!((m_new - m_old).abs() < 1e-4, "marginal {} vs {}", m_new, m_old);
            proptest::prop_assert!((m_led - m_old).abs() < 1e-4, "binned marginal {} vs {}", m_led, m_old);
            // Later plans of the same pacers (the new ones' busy sums kept
            // from plan to plan, the bins updated incrementally): time
            // passes, operators cross bin edges, one frees up.
            let mut later = busy.clone();
            let mut now = t;
            for &(dt, gone) in &shifts {
                now += dt;
                for b in &mut later {
                    b.elapsed_ms += dt;
                }
                if gone < later.len() {
                    later.swap_remove(gone);
                }
                let next = PacingInputs { now_ms: now, busy: &later, leaving: &[], ..inputs };
                observe(&mut binned_stats, now, &later);
                let next_binned = PacingInputs { busy: &[], stats: &binned_stats, ..next };
                let (a, b) = (new.marginal_abandon(&next, extra), old.marginal_abandon(&next, extra));
                let c = led.marginal_abandon(&next_binned, extra);
                proptest::prop_assert!((a - b).abs() < 1e-4, "later marginal {} vs {}", a, b);
                proptest::prop_assert!((c - b).abs() < 1e-4, "later binned marginal {} vs {}", c, b);
            }
            let mut new = DialcorePacer::new(tuning);
            let mut led = DialcorePacer::new(tuning);
            let mut old = reference::DialcorePacer::new(tuning);
            let mut fresh = stats.clone();
            observe(&mut fresh, t, &busy);
            let n_led = led.dials(&PacingInputs { busy: &[], stats: &fresh, ..inputs });
            let (n_new, n_old) = (new.dials(&inputs), old.dials(&inputs));
            proptest::prop_assert!(n_new.abs_diff(n_old) <= 1, "dials {} vs {}", n_new, n_old);
            proptest::prop_assert!(n_led.abs_diff(n_old) <= 1, "binned dials {} vs {}", n_led, n_old);
        }
    }
}
