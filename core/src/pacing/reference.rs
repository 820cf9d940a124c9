//! The dialcore pacer's model as it was before the cheaper one
//! (`dialcore.rs`): every plan rebuilds the load, the memoryless fallback
//! is computed per operator, Φ is evaluated with its Chebyshev fit, and
//! the dials are added one at a time. Kept, for tests only, as the trusted
//! implementation the cheaper model is checked against
//! (`cheaper_model_decides_as_the_reference`).

// The model works on parallel per-horizon arrays (`[f64; G]`, rows of
// tables): an index over the horizons reads more plainly than zips.
#![allow(clippy::needless_range_loop)]

use super::dialcore::DialcoreTuning;
use super::stats::{BusyPhase, PacingStats, ServiceSample, TIME_BINS, TIME_BIN_MS};
use super::{normal_cdf, Pacer, PacingInputs};

/// Horizons (ms from now) at which a new dial's live answer is evaluated.
const HORIZONS_MS: [u64; 7] = [1_500, 3_000, 5_000, 7_000, 9_500, 13_000, 18_000];
const G: usize = HORIZONS_MS.len();

/// Talk-elapsed bins: 5 s up to 10 min, then 30 s up to 70 min.
const TALK_FINE_BINS: usize = 120;
const TALK_BINS: usize = 240;
/// ACW-elapsed bins of 1 s.
const ACW_BINS: usize = 300;

/// The bin holding elapsed talk time `t`.
fn talk_bin(t: u64) -> usize {
    if t < 600_000 {
        (t / 5_000) as usize
    } else {
        (TALK_FINE_BINS + ((t - 600_000) / 30_000) as usize).min(TALK_BINS - 1)
    }
}

/// The first talk bin whose lower edge is ≥ `x` (`TALK_BINS` if none).
fn first_talk_bin_at_or_after(x: i64) -> usize {
    if x <= 0 {
        0
    } else if x <= 600_000 {
        (x as u64).div_ceil(5_000) as usize
    } else {
        (TALK_FINE_BINS + (x as u64 - 600_000).div_ceil(30_000) as usize).min(TALK_BINS)
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
    /// By talk-elapsed bin: P(free by horizon g + limit | talking so long);
    /// `[0]` with the planned wait, `[1]` with none.
    talk: [Vec<[f64; G]>; 2],
    /// By ACW-elapsed second: P(free by horizon g + limit | in ACW so long).
    acw: [Vec<[f64; G]>; 2],
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
}

/// The model-based predictive pacer (see the module documentation).
#[derive(Debug, Clone)]
pub(super) struct DialcorePacer {
    tuning: DialcoreTuning,
    warm: bool,
    tables: Tables,
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
    pub(super) fn new(tuning: DialcoreTuning) -> Self {
        DialcorePacer {
            tuning,
            warm: false,
            tables: Tables {
                p_live: 0.0,
                weight: [0.0; G],
                new_answer: [0.0; G],
                ring: Vec::new(),
                talk: [vec![[0.0; G]; TALK_BINS], vec![[0.0; G]; TALK_BINS]],
                acw: [vec![[0.0; G]; ACW_BINS], vec![[0.0; G]; ACW_BINS]],
                ring_built_ms: None,
                service_built: None,
                limit_ms: 0,
                talk_from: [0; 2],
                acw_from: [0; 2],
                mean_service: 0.0,
                mean_acw: 0.0,
                service_samples: 0,
            },
            threshold: 0.0,
            planned_at: None,
        }
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
    pub(super) fn marginal_abandon(&mut self, inputs: &PacingInputs<'_>, extra: usize) -> f64 {
        self.refresh(inputs);
        let mut load = self.load(inputs);
        for _ in 0..extra {
            self.add_new_dial(&mut load);
        }
        self.marginal(&load[0])
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
            build_service(t, inputs, self.tuning.service_window_ms);
        }
    }

    /// Means and variances of (demand − supply) at each horizon, counting
    /// operators free within the planned wait (`[0]`) and at once (`[1]`).
    fn load(&self, inputs: &PacingInputs<'_>) -> [Load; 2] {
        let t = &self.tables;
        let base = Load {
            // A small floor keeps the normal approximation off a step.
            mu: [inputs.waiting as f64 - inputs.ready() as f64; G],
            var: [0.05; G],
            max_demand: inputs.waiting + inputs.ringing_ms.len(),
            ready: inputs.ready(),
        };
        let mut load = [base, base];
        let mut fallback = [0.0; G];
        for (j, l) in load.iter_mut().enumerate() {
            let (mut sum, mut var) = ([0.0; G], [0.0; G]);
            for b in inputs.busy {
                if let Some(row) = self.busy_row(j, b.phase, b.elapsed_ms, &mut fallback) {
                    add_bernoullis(&mut sum, &mut var, row);
                }
            }
            for g in 0..G {
                l.mu[g] -= sum[g];
                l.var[g] += var[g];
            }
        }
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

    /// P(free by each horizon (+ the planned wait for `j == 0`)) of a busy
    /// operator in `phase` for `elapsed_ms`; `None` for one who frees no
    /// predictive line (offer, BCW).
    fn busy_row<'r>(
        &'r self,
        j: usize,
        phase: BusyPhase,
        elapsed_ms: u64,
        fallback: &'r mut [f64; G],
    ) -> Option<&'r [f64; G]> {
        let t = &self.tables;
        let limit = if j == 0 { t.limit_ms } else { 0 };
        match phase {
            BusyPhase::Talk => {
                let k = talk_bin(elapsed_ms);
                if k < t.talk_from[j] {
                    Some(&t.talk[j][k])
                } else {
                    let residual = t.mean_service.max(elapsed_ms as f64);
                    Some(memoryless(fallback, limit, residual))
                }
            }
            BusyPhase::Acw => {
                let k = ((elapsed_ms / 1_000) as usize).min(ACW_BINS - 1);
                if k < t.acw_from[j] {
                    Some(&t.acw[j][k])
                } else {
                    let residual = t.mean_acw.max(elapsed_ms as f64);
                    Some(memoryless(fallback, limit, residual))
                }
            }
            BusyPhase::Other => None,
        }
    }

    /// Takes out of the supply the operators who announced they leave: a
    /// ready one from the horizons at or past its leaving, a busy one from
    /// those whose window (the horizon plus the planned wait) reaches past
    /// it — it is not counted as soon free past `at_ms`.
    fn discount_leaving(&self, inputs: &PacingInputs<'_>, load: &mut [Load; 2]) {
        if inputs.leaving.is_empty() {
            return;
        }
        let mut fallback = [0.0; G];
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
                let Some(row) = self.busy_row(j, phase, o.elapsed_ms, &mut fallback) else {
                    continue;
                };
                for g in 0..G {
                    if o.leaves_in_ms < HORIZONS_MS[g] + wait {
                        let q = row[g];
                        l.mu[g] += q;
                        l.var[g] = (l.var[g] - (q - q * q)).max(0.05);
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

    fn add_new_dial(&self, load: &mut [Load; 2]) {
        for l in load {
            l.max_demand += 1;
            for g in 0..G {
                let a = self.tables.new_answer[g];
                l.mu[g] += a;
                l.var[g] += a * (1.0 - a);
            }
        }
    }

    /// P(the next answer finds no operator), weighted over its answer time.
    fn marginal(&self, l: &Load) -> f64 {
        if l.max_demand < l.ready {
            // Every answer ahead of this one has a ready operator: none can
            // wait, whatever the normal approximation's tail says.
            return 0.0;
        }
        (0..G)
            .map(|g| self.tables.weight[g] * normal_cdf((l.mu[g] + 0.5) / l.var[g].sqrt()))
            .sum()
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
        if inputs.ready() + inputs.busy.len() == 0 {
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
        let mut load = self.load(inputs);
        let cap = 4 * (inputs.ready() + inputs.busy.len()) + 8;
        // Never fewer than progressive 1:1, which no answer waits for.
        let floor = self.floor(inputs);
        let max_wait = self.tuning.max_wait_probability;
        let mut n = 0;
        while n < floor {
            self.add_new_dial(&mut load);
            n += 1;
        }
        while n < cap
            && self.marginal(&load[0]) <= self.threshold
            && (max_wait >= 1.0 || self.marginal(&load[1]) <= max_wait)
        {
            self.add_new_dial(&mut load);
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
    let limit = t.limit_ms;
    let [talk0, talk1] = &mut t.talk;
    let [acw0, acw1] = &mut t.acw;
    let (a, b) = build_service_for(talk0, acw0, limit, inputs, &samples);
    let (c, d) = build_service_for(talk1, acw1, 0, inputs, &samples);
    t.talk_from = [a, c];
    t.acw_from = [b, d];
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
fn memoryless(row: &mut [f64; G], limit_ms: u64, residual_ms: f64) -> &[f64; G] {
    for g in 0..G {
        let h = (HORIZONS_MS[g] + limit_ms) as f64;
        row[g] = 1.0 - (-h / residual_ms.max(1.0)).exp();
    }
    row
}

/// Fills the tables for one limit; returns the first talk and ACW bins
/// with too few calls (the fallback's, computed when needed).
fn build_service_for(
    talk_table: &mut [[f64; G]],
    acw_table: &mut [[f64; G]],
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
    for b in inputs.busy.iter().filter(|b| b.phase == BusyPhase::Talk) {
        let e = b.elapsed_ms.min(i64::MAX as u64) as i64;
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
        for g in 0..G {
            h[g] += hits[k][g];
            z[g] += cens[k][g];
            talk_table[k][g] = h[g] as f64 / (c + z[g]) as f64;
        }
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
        for g in 0..G {
            h[g] += hits[k][g];
            acw_table[k][g] = h[g] as f64 / c as f64;
        }
    }
    (talk_from, acw_from)
}
