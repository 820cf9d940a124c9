//! What the engine measures for the pacers: outcomes of dial attempts, ring
//! and talk durations, and the current operators and calls as views.
//!
//! The engine calls one hook per event (`on_dial`, `on_live_answer`,
//! `on_attempt_end`, `on_connect`, `on_talk_end`, `on_acw_end`); the
//! estimators forget with a half-life in time ([`DecayingHistogram`],
//! [`DecayingRate`]) so they follow a changing day within minutes, and the
//! service-time samples (talk and ACW of the same call, paired) are kept in
//! a ring buffer, newest last.
//!
//! **A prior for the live-answer rate.** A half-life in time is a weight in
//! attempts only while attempts keep coming: one operator in a long call
//! dials nothing, the old attempts fade, and the first miss after the call
//! would read as a live-answer rate near 0 (found: 30% answers read as
//! 0.001, and the pacer placed 12 calls for one ready operator). So
//! [`PacingStats::p_live`] shrinks the 4-minute estimate toward a slow one
//! (1-hour half-life) with the weight of [`P_LIVE_PRIOR_TRIALS`] attempts:
//! `(hits + k·p_slow) / (trials + k)`. A busy team, with hundreds of recent
//! attempts, reads its 4-minute estimate; a quiet one cannot collapse on a
//! handful.
//!
//! **Calls.** Each call is tracked in one hash map keyed by contact (a hook
//! is one O(1) lookup on the engine's hot path). The unbound calls ringing
//! — what the pacer reads at every plan — are also kept in dial order in a
//! queue with a sequence number per dial: a dial is one push, an answer or
//! an end marks its slot (found from the sequence number, no hashing) and
//! the queue drops marked slots from its front. A slot lives at most a ring
//! timeout, so the queue holds at most the dials of one ring timeout, and
//! [`PacingStats::ringing_elapsed`] reads it newest first — shortest first,
//! in an order that depends only on the events, so the engine stays
//! deterministic without a sort.
//!
//! **Busy operators.** For a pacer that asks, the engine also keeps here the
//! busy operators counted per elapsed-time bin ([`BusyBins`], updated at a
//! poll with one comparison per unchanged operator).

use std::collections::VecDeque;

use hashbrown::HashMap;

use super::bins::BusyBins;

/// Bin width of the ring-time and attempt-time histograms, ms.
pub const TIME_BIN_MS: u64 = 1_000;
/// Number of bins of those histograms (the last one takes everything longer).
pub const TIME_BINS: usize = 128;
/// Service-time samples kept (talk and ACW of the last completed calls).
pub const SERVICE_SAMPLES: usize = 1_024;
/// Default half-life of the outcome estimators, ms (4 minutes).
pub const DEFAULT_HALF_LIFE_MS: u64 = 240_000;
/// Half-life of the slow live-answer estimate the fast one is shrunk
/// toward, ms (1 hour).
pub const P_LIVE_PRIOR_HALF_LIFE_MS: u64 = 3_600_000;
/// The weight of that prior, in attempts.
pub const P_LIVE_PRIOR_TRIALS: f64 = 20.0;

/// A ringing-queue slot whose call answered or ended.
const DEAD: u64 = u64::MAX;

/// `0.5^(dt / half_life)`.
fn decay(dt_ms: u64, half_life_ms: u64) -> f64 {
    if dt_ms == 0 {
        1.0
    } else {
        (-(dt_ms as f64) / half_life_ms.max(1) as f64 * std::f64::consts::LN_2).exp()
    }
}

/// A histogram of durations whose weights halve every `half_life_ms`.
#[derive(Debug, Clone)]
pub struct DecayingHistogram {
    bins: Vec<f64>,
    total: f64,
    last_ms: u64,
    half_life_ms: u64,
}

impl DecayingHistogram {
    /// An empty histogram of [`TIME_BINS`] bins of [`TIME_BIN_MS`].
    pub fn new(half_life_ms: u64) -> Self {
        DecayingHistogram {
            bins: vec![0.0; TIME_BINS],
            total: 0.0,
            last_ms: 0,
            half_life_ms,
        }
    }

    fn age_to(&mut self, now_ms: u64) {
        if now_ms > self.last_ms {
            let f = decay(now_ms - self.last_ms, self.half_life_ms);
            if f < 1.0 {
                self.bins.iter_mut().for_each(|b| *b *= f);
                self.total *= f;
            }
            self.last_ms = now_ms;
        }
    }

    /// Adds a duration observed at `now_ms`.
    pub fn add(&mut self, now_ms: u64, duration_ms: u64) {
        self.age_to(now_ms);
        let bin = ((duration_ms / TIME_BIN_MS) as usize).min(TIME_BINS - 1);
        self.bins[bin] += 1.0;
        self.total += 1.0;
    }

    /// The weight of all samples (effective sample size, as of the last add).
    pub fn weight(&self) -> f64 {
        self.total
    }

    /// The fraction of the weight in each bin, bin `i` covering
    /// `[i, i + 1)` × [`TIME_BIN_MS`]; all zero when empty.
    pub fn cdf(&self) -> Vec<f64> {
        let mut acc = 0.0;
        self.bins
            .iter()
            .map(|b| {
                acc += b;
                if self.total > 0.0 {
                    (acc / self.total).min(1.0)
                } else {
                    0.0
                }
            })
            .collect()
    }

    /// The weighted mean duration, ms (bin midpoints; 0 when empty).
    pub fn mean_ms(&self) -> f64 {
        if self.total <= 0.0 {
            return 0.0;
        }
        let sum: f64 = self
            .bins
            .iter()
            .enumerate()
            .map(|(i, b)| b * (i as f64 + 0.5) * TIME_BIN_MS as f64)
            .sum();
        sum / self.total
    }
}

/// A success probability whose observations halve in weight every
/// `half_life_ms`.
#[derive(Debug, Clone)]
pub struct DecayingRate {
    hits: f64,
    trials: f64,
    last_ms: u64,
    half_life_ms: u64,
}

impl DecayingRate {
    /// No observations yet.
    pub fn new(half_life_ms: u64) -> Self {
        DecayingRate {
            hits: 0.0,
            trials: 0.0,
            last_ms: 0,
            half_life_ms,
        }
    }

    /// Records one trial at `now_ms`.
    pub fn add(&mut self, now_ms: u64, hit: bool) {
        if now_ms > self.last_ms {
            let f = decay(now_ms - self.last_ms, self.half_life_ms);
            self.hits *= f;
            self.trials *= f;
            self.last_ms = now_ms;
        }
        self.trials += 1.0;
        if hit {
            self.hits += 1.0;
        }
    }

    /// The estimate, or `prior` before any trial.
    pub fn estimate(&self, prior: f64) -> f64 {
        if self.trials <= 0.0 {
            prior
        } else {
            self.hits / self.trials
        }
    }

    /// The effective number of trials (as of the last one).
    pub fn weight(&self) -> f64 {
        self.trials
    }

    /// The estimate shrunk toward `prior` with the weight of `prior_trials`
    /// trials: `(hits + k·prior) / (trials + k)`.
    pub fn shrunk(&self, prior: f64, prior_trials: f64) -> f64 {
        let k = prior_trials.max(0.0);
        if self.trials + k <= 0.0 {
            return prior;
        }
        (self.hits + k * prior) / (self.trials + k)
    }
}

/// The talk and ACW of one completed call, and when it completed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServiceSample {
    /// When the operator became free again, ms.
    pub end_ms: u64,
    /// Talk time, ms.
    pub talk_ms: u32,
    /// After-call work, ms (0 without ACW).
    pub acw_ms: u32,
}

/// Where a tracked call is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Track {
    /// `slot`: the sequence number in the ringing queue of an unbound call.
    Ringing {
        since: u64,
        slot: Option<u64>,
    },
    Answered,
    Talking {
        since: u64,
    },
    Acw {
        talk_ms: u64,
        since: u64,
    },
}

/// What a busy operator is doing, for the pacer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BusyPhase {
    /// Talking to a client.
    Talk,
    /// After-call work.
    Acw,
    /// Holding an offer or counting down BCW (preview/progressive).
    Other,
}

/// A busy operator: what it does and for how long it has done it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BusyOperator {
    /// Talk, ACW, or other work.
    pub phase: BusyPhase,
    /// Time in that phase so far, ms.
    pub elapsed_ms: u64,
}

/// The statistics the engine keeps for pacing, fed by its event handlers.
#[derive(Debug, Clone)]
pub struct PacingStats {
    tracks: HashMap<u32, Track>,
    /// Unbound calls ringing, in dial order: dial times ([`DEAD`] once the
    /// call answered or ended); the front's sequence number is `ring_head`.
    ringing: VecDeque<u64>,
    ring_head: u64,
    ringing_live: usize,
    attempts: u64,
    live_answers: u64,
    abandoned: u64,
    completed: u64,
    p_live: DecayingRate,
    p_live_slow: DecayingRate,
    live_ring: DecayingHistogram,
    non_live: DecayingHistogram,
    service: Vec<ServiceSample>,
    service_next: usize,
    service_version: u64,
    busy_bins: BusyBins,
}

impl Default for PacingStats {
    fn default() -> Self {
        Self::new(DEFAULT_HALF_LIFE_MS)
    }
}

impl PacingStats {
    /// Empty statistics whose outcome estimators forget with `half_life_ms`.
    pub fn new(half_life_ms: u64) -> Self {
        PacingStats {
            tracks: HashMap::new(),
            ringing: VecDeque::new(),
            ring_head: 0,
            ringing_live: 0,
            attempts: 0,
            live_answers: 0,
            abandoned: 0,
            completed: 0,
            p_live: DecayingRate::new(half_life_ms),
            p_live_slow: DecayingRate::new(P_LIVE_PRIOR_HALF_LIFE_MS.max(half_life_ms)),
            live_ring: DecayingHistogram::new(half_life_ms),
            non_live: DecayingHistogram::new(half_life_ms),
            service: Vec::with_capacity(SERVICE_SAMPLES),
            service_next: 0,
            service_version: 0,
            busy_bins: BusyBins::default(),
        }
    }

    // -------------------------------------------------------------- hooks

    /// A Dial was issued for `contact` (`bound`: with an operator on the line).
    pub fn on_dial(&mut self, contact: u32, bound: bool, now_ms: u64) {
        self.attempts += 1;
        let slot = (!bound).then(|| {
            self.ringing.push_back(now_ms.min(DEAD - 1));
            self.ringing_live += 1;
            self.ring_head + self.ringing.len() as u64 - 1
        });
        let old = self.tracks.insert(
            contact,
            Track::Ringing {
                since: now_ms,
                slot,
            },
        );
        if let Some(Track::Ringing { slot: Some(s), .. }) = old {
            // A new dial of a contact whose last one never ended.
            self.unring(s);
        }
    }

    /// Marks a ringing slot done and drops done slots from the front.
    fn unring(&mut self, slot: u64) {
        let Some(i) = slot.checked_sub(self.ring_head) else {
            return;
        };
        let Some(since) = self.ringing.get_mut(i as usize) else {
            return;
        };
        if *since != DEAD {
            *since = DEAD;
            self.ringing_live -= 1;
        }
        while self.ringing.front() == Some(&DEAD) {
            self.ringing.pop_front();
            self.ring_head += 1;
        }
    }

    /// A human answered the contact's call.
    pub fn on_live_answer(&mut self, contact: u32, now_ms: u64) {
        let track = self.tracks.get_mut(&contact);
        if let Some(&mut Track::Ringing { since, slot }) = track {
            let rang = now_ms.saturating_sub(since);
            if let Some(t) = track {
                *t = Track::Answered;
            }
            if let Some(s) = slot {
                self.unring(s);
            }
            self.live_answers += 1;
            self.p_live.add(now_ms, true);
            self.p_live_slow.add(now_ms, true);
            self.live_ring.add(now_ms, rang);
        }
    }

    /// The attempt ended without a conversation: not answered by a human
    /// (machine, busy, unreachable, failure, ring timeout), or answered and
    /// dropped before an operator came (abandoned).
    pub fn on_attempt_end(&mut self, contact: u32, now_ms: u64) {
        match self.tracks.remove(&contact) {
            Some(Track::Ringing { since, slot }) => {
                if let Some(s) = slot {
                    self.unring(s);
                }
                self.p_live.add(now_ms, false);
                self.p_live_slow.add(now_ms, false);
                self.non_live.add(now_ms, now_ms.saturating_sub(since));
            }
            Some(Track::Answered) => self.abandoned += 1,
            Some(other) => {
                self.tracks.insert(contact, other);
            }
            None => {}
        }
    }

    /// The answered call was connected to an operator.
    pub fn on_connect(&mut self, contact: u32, now_ms: u64) {
        if let Some(t) = self.tracks.get_mut(&contact) {
            *t = Track::Talking { since: now_ms };
        }
    }

    /// The talk ended; ACW follows when `acw` is on.
    pub fn on_talk_end(&mut self, contact: u32, acw: bool, now_ms: u64) {
        let Some(Track::Talking { since }) = self.tracks.get(&contact).copied() else {
            return;
        };
        let talk_ms = now_ms.saturating_sub(since);
        if acw {
            self.tracks.insert(
                contact,
                Track::Acw {
                    talk_ms,
                    since: now_ms,
                },
            );
        } else {
            self.tracks.remove(&contact);
            self.push_service(now_ms, talk_ms, 0);
        }
    }

    /// The ACW ended (done or timed out): the operator is free again.
    pub fn on_acw_end(&mut self, contact: u32, now_ms: u64) {
        if let Some(Track::Acw { talk_ms, since }) = self.tracks.get(&contact).copied() {
            self.tracks.remove(&contact);
            self.push_service(now_ms, talk_ms, now_ms.saturating_sub(since));
        }
    }

    fn push_service(&mut self, now_ms: u64, talk_ms: u64, acw_ms: u64) {
        let sample = ServiceSample {
            end_ms: now_ms,
            talk_ms: talk_ms.min(u64::from(u32::MAX)) as u32,
            acw_ms: acw_ms.min(u64::from(u32::MAX)) as u32,
        };
        if self.service.len() < SERVICE_SAMPLES {
            self.service.push(sample);
        } else {
            self.service[self.service_next] = sample;
            self.service_next = (self.service_next + 1) % SERVICE_SAMPLES;
        }
        self.completed += 1;
        self.service_version += 1;
    }

    // ------------------------------------------------------------ queries

    /// Dial attempts so far.
    pub fn attempts(&self) -> u64 {
        self.attempts
    }

    /// Calls answered by a human so far.
    pub fn live_answers(&self) -> u64 {
        self.live_answers
    }

    /// Answered calls dropped before an operator came.
    pub fn abandoned(&self) -> u64 {
        self.abandoned
    }

    /// Calls whose talk and ACW are over (service-time samples taken).
    pub fn completed_calls(&self) -> u64 {
        self.completed
    }

    /// Changes whenever a service-time sample is added.
    pub fn service_version(&self) -> u64 {
        self.service_version
    }

    /// The recent probability that a dial is answered by a human, or
    /// `prior` before any attempt ended: the 4-minute estimate shrunk toward
    /// the 1-hour one with the weight of [`P_LIVE_PRIOR_TRIALS`] attempts
    /// (see the module documentation), so it cannot collapse on the few
    /// attempts that follow a long quiet spell.
    pub fn p_live(&self, prior: f64) -> f64 {
        let slow = self.p_live_slow.estimate(prior);
        self.p_live.shrunk(slow, P_LIVE_PRIOR_TRIALS)
    }

    /// The 4-minute estimate alone, without the prior (for reports and
    /// tests: it is what collapses after a long quiet spell).
    pub fn p_live_recent(&self, prior: f64) -> f64 {
        self.p_live.estimate(prior)
    }

    /// Effective number of recent attempts behind [`PacingStats::p_live`].
    pub fn p_live_weight(&self) -> f64 {
        self.p_live.weight()
    }

    /// Recent ring times of live answers.
    pub fn live_ring_times(&self) -> &DecayingHistogram {
        &self.live_ring
    }

    /// Recent durations of attempts that ended without a live answer.
    pub fn non_live_times(&self) -> &DecayingHistogram {
        &self.non_live
    }

    /// The service-time samples kept (at most [`SERVICE_SAMPLES`], in no
    /// particular order).
    pub fn service_samples(&self) -> &[ServiceSample] {
        &self.service
    }

    /// The service-time samples kept, newest first.
    pub fn service_newest_first(&self) -> impl Iterator<Item = &ServiceSample> + '_ {
        // Once full, [0, next) holds the newest samples, [next, len) older ones.
        let (recent, earlier) = self.service.split_at(self.service_next);
        recent.iter().rev().chain(earlier.iter().rev())
    }

    /// The busy operators per elapsed bin, as the engine last updated them
    /// (for a pacer that asks, `Pacer::wants_busy_bins`; see
    /// `PacingInputs::busy_bins`).
    pub fn busy_bins(&self) -> &BusyBins {
        &self.busy_bins
    }

    /// The busy bins, to update them (the engine does, at a poll).
    pub fn busy_bins_mut(&mut self) -> &mut BusyBins {
        &mut self.busy_bins
    }

    /// Unbound calls in flight (ringing with no operator on the line).
    pub fn ringing_count(&self) -> usize {
        self.ringing_live
    }

    /// How long each unbound call in flight has rung at `now_ms`, shortest
    /// first, appended to `out`.
    pub fn ringing_elapsed(&self, now_ms: u64, out: &mut Vec<u64>) {
        let start = out.len();
        out.extend(
            self.ringing
                .iter()
                .rev()
                .filter(|&&since| since != DEAD)
                .map(|&since| now_ms.saturating_sub(since)),
        );
        // Newest first is shortest first when the hooks' times never go
        // back (the engine's do not); a caller whose do gets a sort.
        if !out[start..].is_sorted() {
            out[start..].sort_unstable();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_forgets_with_its_half_life() {
        let mut r = DecayingRate::new(60_000);
        for i in 0..100 {
            r.add(i, true);
        }
        assert!((r.estimate(0.0) - 1.0).abs() < 1e-12);
        // Ten half-lives later, 100 misses outweigh the old hits.
        for i in 0..100 {
            r.add(600_000 + i, false);
        }
        assert!(r.estimate(0.0) < 0.01, "{}", r.estimate(0.0));
        assert_eq!(DecayingRate::new(1).estimate(0.25), 0.25);
    }

    /// The found case: one operator, 30% live answers, a long call during
    /// which nothing is dialed, then one miss. The 4-minute estimate has one
    /// attempt behind it and reads almost 0; the estimate the pacer uses
    /// stays near 30%.
    #[test]
    fn live_answer_rate_does_not_collapse_after_a_long_call() {
        let mut s = PacingStats::default();
        let mut t = 0;
        // An hour of attempts, 3 in 10 answered.
        for i in 0..200u32 {
            s.on_dial(i, false, t);
            if i % 10 < 3 {
                s.on_live_answer(i, t + 8_000);
            } else {
                s.on_attempt_end(i, t + 20_000);
            }
            t += 18_000;
        }
        assert!((s.p_live(0.0) - 0.3).abs() < 0.05, "{}", s.p_live(0.0));
        // A 40-minute call: no attempts. Then one attempt, not answered.
        t += 40 * 60_000;
        s.on_dial(1_000, false, t);
        s.on_attempt_end(1_000, t + 25_000);
        let recent = s.p_live_recent(0.0);
        assert!(recent < 0.01, "the bare estimate collapses: {recent}");
        let p = s.p_live(0.0);
        assert!((0.2..0.35).contains(&p), "with the prior: {p}");
        // Hundreds of new attempts at another rate still win over the prior.
        for i in 0..400u32 {
            let c = 2_000 + i;
            s.on_dial(c, false, t);
            if i % 10 == 0 {
                s.on_live_answer(c, t + 8_000);
            } else {
                s.on_attempt_end(c, t + 20_000);
            }
            t += 1_000;
        }
        let p = s.p_live(0.0);
        assert!((p - 0.1).abs() < 0.04, "follows a new rate: {p}");
    }

    #[test]
    fn histogram_cdf_and_mean() {
        let mut h = DecayingHistogram::new(1_000_000);
        for d in [500, 1_500, 1_700, 9_999_999] {
            h.add(0, d);
        }
        let cdf = h.cdf();
        assert_eq!(cdf[0], 0.25);
        assert_eq!(cdf[1], 0.75);
        assert_eq!(cdf[TIME_BINS - 2], 0.75);
        assert_eq!(cdf[TIME_BINS - 1], 1.0);
        assert!(h.mean_ms() > 1_000.0);
    }

    #[test]
    fn hooks_follow_a_call_through_its_life() {
        let mut s = PacingStats::default();
        s.on_dial(1, false, 1_000);
        s.on_dial(2, false, 1_000);
        s.on_dial(3, false, 2_000);
        let mut ringing = Vec::new();
        s.ringing_elapsed(5_000, &mut ringing);
        assert_eq!(ringing, vec![3_000, 4_000, 4_000], "shortest first");
        s.on_live_answer(1, 9_000);
        s.on_attempt_end(2, 26_000);
        s.on_live_answer(3, 10_000);
        s.on_attempt_end(3, 12_000); // abandoned
        assert_eq!((s.attempts(), s.live_answers(), s.abandoned()), (3, 2, 1));
        s.on_connect(1, 9_000);
        s.on_talk_end(1, true, 159_000);
        assert_eq!(s.completed_calls(), 0);
        s.on_acw_end(1, 179_000);
        assert_eq!(
            s.service_samples(),
            &[ServiceSample {
                end_ms: 179_000,
                talk_ms: 150_000,
                acw_ms: 20_000
            }]
        );
        assert!((s.p_live(0.0) - 2.0 / 3.0).abs() < 0.01);
        assert_eq!(s.live_ring_times().cdf()[7], 0.0);
        assert_eq!(s.live_ring_times().cdf()[8], 1.0, "both rang 8 s");
        ringing.clear();
        s.ringing_elapsed(200_000, &mut ringing);
        assert!(ringing.is_empty());
    }

    proptest::proptest! {
        /// The ringing queue against a plain map of contact → dial time
        /// (the trusted model): the same count and the same ring times,
        /// shortest first, whatever the dials, answers and ends.
        #[test]
        fn ringing_queue_matches_a_map(
            steps in proptest::collection::vec((0u8..4, 0u32..12, 0u64..3_000), 1..300),
        ) {
            let mut s = PacingStats::default();
            let mut model: std::collections::BTreeMap<u32, u64> = Default::default();
            let mut now = 0;
            for (kind, contact, dt) in steps {
                now += dt;
                match kind {
                    0 => {
                        s.on_dial(contact, false, now);
                        model.insert(contact, now);
                    }
                    1 => {
                        s.on_dial(contact, true, now);
                        model.remove(&contact);
                    }
                    2 => {
                        s.on_live_answer(contact, now);
                        model.remove(&contact);
                    }
                    _ => {
                        s.on_attempt_end(contact, now);
                        model.remove(&contact);
                    }
                }
                proptest::prop_assert_eq!(s.ringing_count(), model.len());
                let mut got = Vec::new();
                s.ringing_elapsed(now + 1, &mut got);
                let mut want: Vec<u64> = model.values().map(|&t| now + 1 - t).collect();
                want.sort_unstable();
                proptest::prop_assert_eq!(got, want);
                proptest::prop_assert!(s.ringing.len() <= 300);
            }
        }
    }
}
