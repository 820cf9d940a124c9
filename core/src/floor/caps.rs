//! Caps across campaigns: how often a number may be dialed, and never in
//! two calls at once.
//!
//! The law counts per number, not per campaign: "at most 3 calls to a
//! number in any 24 hours" (some US states), "at most 7 in 7 days" (the
//! CFPB's Regulation F for collections). [`Caps`] counts the dials to each
//! number over the whole floor, whichever campaign placed them, and keeps
//! the set of numbers in a call now, so two campaigns that hold the same
//! person never ring them at once.
//!
//! **Rolling windows.** A dial at `t` counts against a window of `W` ms
//! while `now < t + W` (the engine's per-campaign cap uses the same rule). A
//! number may be dialed when fewer than the cap count; a refusal names the
//! millisecond at which one more is allowed. Both windows (24 hours, and N
//! days) are checked; the later of their times is the answer.
//!
//! **Compact history.** Dial times are kept in seconds since the Unix epoch
//! as `u32` (good until 2106), **rounded up**: a dial counts for up to a
//! second longer than its window, never shorter, so rounding can only make
//! the cap stricter. Each number dialed in the longest window has a
//! hash-map entry of 32 bytes (its key and up to four times inline; more
//! spill to the heap, as a 7-in-7 cap may need). The engine's per-campaign
//! history (`History::recent_dials` in `engine/campaign/guard.rs`) is the
//! shape this follows, at 48 bytes an entry (`u64` times), and it never
//! drops a number that is not dialed again. Here every dial also goes, as
//! its number (8 bytes), into an hour bucket; once an hour has left the
//! longest window its numbers' old times are dropped and numbers with none
//! left are removed, so memory is bounded by the dials of the last window.
//! With the hash map's spare slots and the buckets' spare capacity,
//! `benches/benches/floor.rs` measured 87 bytes a tracked number at 1M
//! numbers (one dial each; [`Caps::heap_bytes`]): under 1 GB for a floor
//! dialing 10M numbers a day under a 24-hour cap. [`Caps::begin`] reclaims
//! one expired bucket at a time as it goes (amortised O(1) a dial);
//! [`Caps::sweep`] reclaims all of them.
//!
//! **Time.** An earlier `now_ms` than the latest seen by [`Caps::begin`] or
//! [`Caps::sweep`] is taken as the latest (no time passing), so a dial
//! reclaimed at the latest time cannot count again at an earlier one.
//!
//! **In a call.** [`Caps::begin`] checks the number is in no call and under
//! its caps, counts the dial and marks the number in a call, returning a
//! [`NumberHold`]; [`Caps::end`] clears the mark when the call ends. A dial
//! that never reached the network (carrier congestion, a failed dial the
//! floor does not count) is taken back with [`Caps::cancel`], which also
//! un-counts it. A hold is not `Clone`: each is given back once.

use std::collections::VecDeque;
use std::fmt;

use hashbrown::HashMap;
use smallvec::SmallVec;

use super::CampaignId;

const HOUR_S: u32 = 3_600;
const DAY_MS: u64 = 86_400_000;

/// The caps of a floor. A zero cap is no cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CapsConfig {
    /// Dials to a number in any rolling 24 hours, at most.
    pub per_24h: u16,
    /// Dials to a number in any rolling `days` days, at most.
    pub per_days: u16,
    /// The length of the second window in days (1 ..= 366 when `per_days`
    /// is set).
    pub days: u16,
}

/// Bad input to [`Caps`]; it changed nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CapsError {
    /// `days` out of 1 ..= 366 while `per_days` is set.
    BadDays(u16),
    /// A hold given back that is not the number's current call.
    ForeignHold(u64),
}

impl fmt::Display for CapsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CapsError::BadDays(d) => write!(f, "caps window of {d} days is not in 1..=366"),
            CapsError::ForeignHold(n) => write!(f, "number {n} is not in this call"),
        }
    }
}

impl std::error::Error for CapsError {}

/// Why a number may not be dialed now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CapRefusal {
    /// The number is in a call of this campaign.
    InCall(CampaignId),
    /// The 24-hour cap is reached; one more dial is allowed at this time.
    Daily {
        /// When the cap allows the next dial.
        until_ms: u64,
    },
    /// The N-day cap is reached (and the 24-hour one allows a dial before
    /// then, if it is reached too).
    Days {
        /// When the cap allows the next dial.
        until_ms: u64,
    },
}

/// A number in a call, from its Dial to its end. Give it back once, to
/// [`Caps::end`] or [`Caps::cancel`].
#[derive(Debug, PartialEq, Eq)]
#[must_use = "a number hold must be given back when the call ends"]
pub struct NumberHold {
    number: u64,
    campaign: CampaignId,
    /// The dial's time as counted (seconds, rounded up).
    second: u32,
}

impl NumberHold {
    /// The number in the call.
    #[must_use]
    pub fn number(&self) -> u64 {
        self.number
    }

    /// The campaign that dialed it.
    #[must_use]
    pub fn campaign(&self) -> CampaignId {
        self.campaign
    }
}

/// The floor's per-number caps and in-call set (see the module doc).
#[derive(Debug, Clone, Default)]
pub struct Caps {
    config: CapsConfig,
    /// The longest window kept, ms (0: no caps, no history).
    keep_ms: u64,
    /// Each number's counted dial times (seconds, rounded up), ascending.
    history: HashMap<u64, SmallVec<[u32; 4]>>,
    /// Hour buckets in dial order: (hour since the epoch, numbers dialed).
    buckets: VecDeque<(u32, Vec<u64>)>,
    in_call: HashMap<u64, CampaignId>,
    /// The latest `now_ms` seen by `begin` and `sweep`: an earlier time is
    /// taken as this one (time that goes backwards is no time passing).
    latest_ms: u64,
}

fn second_up(now_ms: u64) -> u32 {
    u32::try_from(now_ms.div_ceil(1000)).unwrap_or(u32::MAX)
}

/// Whether a dial counted at `second` still counts in a window of
/// `window_ms` at `now`.
fn counts(second: u32, window_ms: u64, now: u64) -> bool {
    now < u64::from(second) * 1000 + window_ms
}

impl Caps {
    /// Caps of `config`, no history.
    pub fn new(config: CapsConfig) -> Result<Self, CapsError> {
        if config.per_days > 0 && !(1..=366).contains(&config.days) {
            return Err(CapsError::BadDays(config.days));
        }
        let mut keep_ms = 0;
        if config.per_24h > 0 {
            keep_ms = DAY_MS;
        }
        if config.per_days > 0 {
            keep_ms = keep_ms.max(u64::from(config.days) * DAY_MS);
        }
        Ok(Caps {
            config,
            keep_ms,
            ..Caps::default()
        })
    }

    /// The caps.
    #[must_use]
    pub fn config(&self) -> CapsConfig {
        self.config
    }

    /// May `number` be dialed at `now_ms`? (Changes nothing.)
    pub fn check(&self, number: u64, now_ms: u64) -> Result<(), CapRefusal> {
        let now_ms = now_ms.max(self.latest_ms);
        if let Some(&campaign) = self.in_call.get(&number) {
            return Err(CapRefusal::InCall(campaign));
        }
        let Some(times) = self.history.get(&number) else {
            return Ok(());
        };
        let mut refusal = Ok(());
        let windows = [
            (self.config.per_24h, DAY_MS, false),
            (
                self.config.per_days,
                u64::from(self.config.days) * DAY_MS,
                true,
            ),
        ];
        for (cap, window, days) in windows {
            if cap == 0 {
                continue;
            }
            let first = times.partition_point(|&s| !counts(s, window, now_ms));
            let live = &times[first..];
            if live.len() >= usize::from(cap) {
                let until_ms = u64::from(live[live.len() - usize::from(cap)]) * 1000 + window;
                let later = match refusal {
                    Err(CapRefusal::Daily { until_ms: u } | CapRefusal::Days { until_ms: u }) => {
                        until_ms > u
                    }
                    _ => true,
                };
                if later {
                    refusal = Err(if days {
                        CapRefusal::Days { until_ms }
                    } else {
                        CapRefusal::Daily { until_ms }
                    });
                }
            }
        }
        refusal
    }

    /// Dials `number` for `campaign` at `now_ms` if it is in no call and
    /// under its caps: the dial is counted and the number is in a call
    /// until the hold is given back. A refusal changes nothing.
    pub fn begin(
        &mut self,
        number: u64,
        campaign: CampaignId,
        now_ms: u64,
    ) -> Result<NumberHold, CapRefusal> {
        self.latest_ms = self.latest_ms.max(now_ms);
        let now_ms = self.latest_ms;
        self.reclaim(now_ms, 1);
        self.check(number, now_ms)?;
        let second = second_up(now_ms);
        self.count(number, second);
        self.in_call.insert(number, campaign);
        Ok(NumberHold {
            number,
            campaign,
            second,
        })
    }

    /// Counts a dial without a call, at its own time (recovery replaying the
    /// journal's dials).
    pub fn record_dial(&mut self, number: u64, now_ms: u64) {
        self.count(number, second_up(now_ms));
    }

    fn count(&mut self, number: u64, second: u32) {
        if self.keep_ms == 0 {
            return;
        }
        let times = self.history.entry(number).or_default();
        let at = times.partition_point(|&s| s <= second);
        times.insert(at, second);
        let hour = second / HOUR_S;
        match self.buckets.back_mut() {
            Some((h, numbers)) if *h >= hour => numbers.push(number),
            _ => self.buckets.push_back((hour, vec![number])),
        }
    }

    /// The call holding `hold` ended: its number is free (the dial stays
    /// counted).
    pub fn end(&mut self, hold: NumberHold) -> Result<(), CapsError> {
        match self.in_call.get(&hold.number) {
            Some(&c) if c == hold.campaign => {
                self.in_call.remove(&hold.number);
                Ok(())
            }
            _ => Err(CapsError::ForeignHold(hold.number)),
        }
    }

    /// The dial of `hold` never reached the network: its number is free and
    /// the dial is not counted.
    pub fn cancel(&mut self, hold: NumberHold) -> Result<(), CapsError> {
        let number = hold.number;
        let second = hold.second;
        self.end(hold)?;
        if let Some(times) = self.history.get_mut(&number) {
            if let Some(at) = times.iter().rposition(|&s| s == second) {
                times.remove(at);
            }
            if times.is_empty() {
                self.history.remove(&number);
            }
        }
        Ok(())
    }

    /// Counts every dial and number in a call of these caps into `other`
    /// (new caps replacing these: what these remembered stays counted
    /// there, as far as `other`'s windows reach).
    pub fn transfer_into(&self, other: &mut Caps) {
        let mut numbers: Vec<_> = self.history.iter().collect();
        numbers.sort_unstable_by_key(|(n, _)| **n);
        for (&number, times) in numbers {
            for &second in times {
                other.count(number, second);
            }
        }
        other
            .in_call
            .extend(self.in_call.iter().map(|(n, c)| (*n, *c)));
        other.latest_ms = other.latest_ms.max(self.latest_ms);
    }

    /// Who holds `number` in a call now, if anyone.
    #[must_use]
    pub fn in_call(&self, number: u64) -> Option<CampaignId> {
        self.in_call.get(&number).copied()
    }

    /// Dials to `number` counted in the 24-hour window at `now_ms`.
    #[must_use]
    pub fn dials_in_24h(&self, number: u64, now_ms: u64) -> usize {
        let now_ms = now_ms.max(self.latest_ms);
        self.history.get(&number).map_or(0, |times| {
            times.iter().filter(|&&s| counts(s, DAY_MS, now_ms)).count()
        })
    }

    /// Reclaims every hour bucket that has left the longest window at
    /// `now_ms`.
    pub fn sweep(&mut self, now_ms: u64) {
        self.latest_ms = self.latest_ms.max(now_ms);
        self.reclaim(self.latest_ms, usize::MAX);
    }

    /// Reclaims at most `budget` expired hour buckets.
    fn reclaim(&mut self, now_ms: u64, budget: usize) {
        for _ in 0..budget {
            let Some(&(hour, _)) = self.buckets.front() else {
                return;
            };
            // Every dial of the bucket counted at a second before the next
            // hour: expired once that second has left the window.
            let end_s = (hour + 1) * HOUR_S;
            if counts(end_s, self.keep_ms, now_ms) {
                return;
            }
            let (_, numbers) = self.buckets.pop_front().expect("a front bucket");
            for number in numbers {
                if let Some(times) = self.history.get_mut(&number) {
                    let first = times.partition_point(|&s| !counts(s, self.keep_ms, now_ms));
                    times.drain(..first);
                    if times.is_empty() {
                        self.history.remove(&number);
                    }
                }
            }
        }
    }

    /// Numbers with dials in the history now.
    #[must_use]
    pub fn numbers_tracked(&self) -> usize {
        self.history.len()
    }

    /// Estimated heap bytes: the history map (key, inline times and a
    /// control byte a slot), spilled times, the hour buckets and the
    /// in-call map.
    #[must_use]
    pub fn heap_bytes(&self) -> usize {
        let slot = std::mem::size_of::<(u64, SmallVec<[u32; 4]>)>() + 1;
        let spilled: usize = self
            .history
            .values()
            .filter(|t| t.spilled())
            .map(|t| t.capacity() * 4)
            .sum();
        let buckets: usize = self.buckets.iter().map(|(_, n)| n.capacity() * 8).sum();
        self.history.capacity() * slot
            + spilled
            + buckets
            + self.in_call.capacity() * (std::mem::size_of::<(u64, CampaignId)>() + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const T0: u64 = 1_700_000_000_000;
    const N: u64 = 12_025_550_100;
    const A: CampaignId = CampaignId(1);
    const B: CampaignId = CampaignId(2);

    fn caps(per_24h: u16, per_days: u16, days: u16) -> Caps {
        Caps::new(CapsConfig {
            per_24h,
            per_days,
            days,
        })
        .unwrap()
    }

    #[test]
    fn a_number_is_in_one_call_at_a_time_across_campaigns() {
        let mut c = caps(0, 0, 0);
        let h = c.begin(N, A, T0).unwrap();
        assert_eq!(c.begin(N, B, T0), Err(CapRefusal::InCall(A)));
        assert_eq!(c.in_call(N), Some(A));
        let other = c.begin(N + 1, B, T0).unwrap();
        c.end(h).unwrap();
        let h = c.begin(N, B, T0 + 1).unwrap();
        c.end(h).unwrap();
        c.end(other).unwrap();
        // No caps: no history kept.
        assert_eq!(c.numbers_tracked(), 0);
    }

    #[test]
    fn daily_cap_counts_every_campaign_and_names_the_time() {
        let mut c = caps(2, 0, 0);
        let h = c.begin(N, A, T0).unwrap();
        c.end(h).unwrap();
        let h = c.begin(N, B, T0 + 3_600_000).unwrap();
        c.end(h).unwrap();
        assert_eq!(
            c.begin(N, A, T0 + 7_200_000),
            Err(CapRefusal::Daily {
                until_ms: T0 + DAY_MS
            })
        );
        assert!(c.check(N, T0 + DAY_MS - 1).is_err());
        assert_eq!(c.check(N, T0 + DAY_MS), Ok(()));
        assert_eq!(c.dials_in_24h(N, T0 + DAY_MS), 1);
    }

    #[test]
    fn seven_in_seven_days_and_rounding_up() {
        let mut c = caps(3, 7, 7);
        // One dial a day at 500 ms past the second: counted at the next
        // second, so each counts 500 ms longer than its window.
        for day in 0..7 {
            let h = c.begin(N, A, T0 + day * DAY_MS + 500).unwrap();
            c.end(h).unwrap();
        }
        let until = T0 + 1_000 + 7 * DAY_MS;
        assert_eq!(
            c.check(N, T0 + 7 * DAY_MS),
            Err(CapRefusal::Days { until_ms: until })
        );
        assert!(c.check(N, until - 1).is_err());
        assert_eq!(c.check(N, until), Ok(()));
        // Both caps reached: the later time is the answer.
        let mut c = caps(2, 3, 2);
        for t in [0, 1_000, DAY_MS + 2_000] {
            let h = c.begin(N, A, T0 + t).unwrap();
            c.end(h).unwrap();
        }
        // 24 h: two in (DAY_MS+2000-24h, ..]? Only one; 2 days: three.
        assert_eq!(
            c.check(N, T0 + DAY_MS + 3_000),
            Err(CapRefusal::Days {
                until_ms: T0 + 2 * DAY_MS
            })
        );
        assert_eq!(
            Caps::new(CapsConfig {
                per_24h: 0,
                per_days: 1,
                days: 0
            })
            .unwrap_err(),
            CapsError::BadDays(0)
        );
    }

    #[test]
    fn cancel_uncounts_and_sweep_reclaims() {
        let mut c = caps(1, 0, 0);
        let h = c.begin(N, A, T0).unwrap();
        c.cancel(h).unwrap();
        assert_eq!(c.dials_in_24h(N, T0), 0);
        let h = c.begin(N, B, T0 + 10).unwrap();
        c.end(h).unwrap();
        assert!(c.check(N, T0 + 20).is_err());
        for i in 0..1_000 {
            let h = c.begin(N + 1 + i, A, T0 + i).unwrap();
            c.end(h).unwrap();
        }
        assert_eq!(c.numbers_tracked(), 1_001);
        c.sweep(T0 + DAY_MS - 1);
        assert_eq!(c.numbers_tracked(), 1_001);
        // The hour bucket ends a second-rounded hour after; a day and two
        // hours on, everything has gone.
        c.sweep(T0 + DAY_MS + 2 * 3_600_000);
        assert_eq!(c.numbers_tracked(), 0);
        assert_eq!(c.check(N, T0 + DAY_MS + 2 * 3_600_000), Ok(()));
        // Time going backwards after the sweep: answered as at the latest
        // time, so what was reclaimed cannot have counted.
        assert_eq!(c.check(N, T0 + 20), Ok(()));
        assert_eq!(c.dials_in_24h(N, T0 + 20), 0);
        // A foreign hold.
        let mut other = caps(1, 0, 0);
        let h = other.begin(N, A, T0).unwrap();
        assert_eq!(c.end(h), Err(CapsError::ForeignHold(N)));
    }

    proptest! {
        /// Against the exact rule on real milliseconds: begin never lets a
        /// number have more than the cap of dials in any window (24 h or N
        /// days, over all campaigns), never two calls at once; a refusal's
        /// time is exact (refused a ms before, allowed at it); and nothing
        /// reclaimed changes an answer.
        #[test]
        fn caps_hold_over_all_campaigns(
            per_24h in 0u16..4,
            per_days in 0u16..6,
            days in 1u16..4,
            steps in proptest::collection::vec((0u64..8 * 3_600_000, 0u64..4, 0u32..3, any::<bool>()), 1..200),
        ) {
            let mut c = caps(per_24h, per_days, days);
            let mut now = T0;
            let mut dials: Vec<(u64, u64)> = Vec::new();
            let mut holds: Vec<NumberHold> = Vec::new();
            for (dt, n, campaign, end_first) in steps {
                now += dt;
                if end_first && !holds.is_empty() {
                    c.end(holds.remove(0)).unwrap();
                }
                let number = N + n;
                match c.begin(number, CampaignId(campaign), now) {
                    Ok(h) => { dials.push((number, now)); holds.push(h); }
                    Err(CapRefusal::InCall(_)) => {
                        prop_assert!(holds.iter().any(|h| h.number() == number));
                    }
                    Err(CapRefusal::Daily { until_ms } | CapRefusal::Days { until_ms }) => {
                        prop_assert!(until_ms > now);
                        let mut probe = c.clone();
                        probe.in_call.clear();
                        prop_assert!(probe.check(number, until_ms - 1).is_err());
                        prop_assert_eq!(probe.check(number, until_ms), Ok(()));
                        probe.sweep(until_ms);
                        prop_assert_eq!(probe.check(number, until_ms), Ok(()));
                    }
                }
                let mut swept = c.clone();
                swept.sweep(now);
                for k in 0..4 {
                    prop_assert_eq!(swept.check(N + k, now), c.check(N + k, now));
                }
            }
            for (number, t) in &dials {
                for (cap, window) in [(per_24h, DAY_MS), (per_days, u64::from(days) * DAY_MS)] {
                    if cap == 0 { continue; }
                    let inside = dials.iter().filter(|(m, s)| m == number && s <= t && t - s < window).count();
                    prop_assert!(inside <= usize::from(cap), "{} dials within {} ms", inside, window);
                }
            }
        }
    }
}
