//! Abandon-rate meters over rolling windows.
//!
//! The US rule caps abandoned calls at 3% of live-answered calls per campaign
//! over 30 days; others look at a day. Today's open-source leader measures
//! only since midnight, which lets a campaign burn its whole allowance in the
//! morning. A [`RollingMeter`] keeps answered and abandoned counts in time
//! buckets (1 minute for a day, 10 minutes for 30 days), drops buckets as they
//! age out, and gives the rate over exactly the last window.

use std::collections::VecDeque;

/// Answered and abandoned calls over a rolling window.
#[derive(Debug, Clone)]
pub struct RollingMeter {
    window_ms: u64,
    bucket_ms: u64,
    buckets: VecDeque<(u64, u32, u32)>,
    answered: u64,
    abandoned: u64,
}

impl RollingMeter {
    /// A meter over `window_ms` with buckets of `bucket_ms`.
    pub fn new(window_ms: u64, bucket_ms: u64) -> Self {
        RollingMeter {
            window_ms,
            bucket_ms: bucket_ms.max(1),
            buckets: VecDeque::new(),
            answered: 0,
            abandoned: 0,
        }
    }

    /// A meter over the last 24 hours.
    pub fn day() -> Self {
        Self::new(24 * 3_600_000, 60_000)
    }

    /// A meter over the last 30 days.
    pub fn thirty_days() -> Self {
        Self::new(30 * 24 * 3_600_000, 600_000)
    }

    fn expire(&mut self, now_ms: u64) {
        let oldest = now_ms.saturating_sub(self.window_ms);
        while let Some(&(start, answered, abandoned)) = self.buckets.front() {
            if start.saturating_add(self.bucket_ms) > oldest {
                break;
            }
            self.answered = self.answered.saturating_sub(u64::from(answered));
            self.abandoned = self.abandoned.saturating_sub(u64::from(abandoned));
            self.buckets.pop_front();
        }
    }

    /// The bucket for `now_ms` (time never goes backwards in the engine; an
    /// earlier time is counted in the newest bucket).
    fn bucket(&mut self, now_ms: u64) -> &mut (u64, u32, u32) {
        self.expire(now_ms);
        let start = now_ms - now_ms % self.bucket_ms;
        if self.buckets.back().is_none_or(|b| b.0 < start) {
            self.buckets.push_back((start, 0, 0));
        }
        self.buckets.back_mut().expect("just pushed")
    }

    /// Counts a call answered by a human.
    pub fn record_answered(&mut self, now_ms: u64) {
        let b = self.bucket(now_ms);
        b.1 = b.1.saturating_add(1);
        self.answered = self.answered.saturating_add(1);
    }

    /// Counts an abandoned call.
    pub fn record_abandoned(&mut self, now_ms: u64) {
        let b = self.bucket(now_ms);
        b.2 = b.2.saturating_add(1);
        self.abandoned = self.abandoned.saturating_add(1);
    }

    /// Answered and abandoned calls in the window ending at `now_ms`.
    pub fn totals(&mut self, now_ms: u64) -> (u64, u64) {
        self.expire(now_ms);
        (self.answered, self.abandoned)
    }

    /// Abandoned / answered over the window (0 when nothing was answered).
    pub fn rate(&mut self, now_ms: u64) -> f64 {
        let (answered, abandoned) = self.totals(now_ms);
        ratio(abandoned, answered)
    }

    /// The buckets (start ms, answered, abandoned), oldest first, for snapshots.
    pub(crate) fn buckets(&self) -> impl Iterator<Item = (u64, u32, u32)> + '_ {
        self.buckets.iter().copied()
    }

    /// Puts back buckets read from a snapshot (oldest first), replacing any.
    pub(crate) fn restore_buckets(&mut self, buckets: impl IntoIterator<Item = (u64, u32, u32)>) {
        self.buckets.clear();
        self.answered = 0;
        self.abandoned = 0;
        for (start, answered, abandoned) in buckets {
            if self.buckets.back().is_some_and(|b| b.0 >= start) {
                continue;
            }
            self.buckets.push_back((start, answered, abandoned));
            self.answered += u64::from(answered);
            self.abandoned += u64::from(abandoned);
        }
    }
}

/// `num / den`, 0 when `den` is 0.
pub(crate) fn ratio(num: u64, den: u64) -> f64 {
    if den == 0 {
        0.0
    } else {
        num as f64 / den as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forgets_what_left_the_window() {
        let mut m = RollingMeter::new(10_000, 1_000);
        for t in 0..10 {
            m.record_answered(t * 1_000);
            if t == 0 {
                m.record_abandoned(500);
            }
        }
        assert_eq!(m.totals(9_999), (10, 1));
        assert!((m.rate(9_999) - 0.1).abs() < 1e-12);
        // A bucket leaves once all of it is older than the window.
        assert_eq!(m.totals(10_500), (10, 1));
        assert_eq!(m.totals(11_000), (9, 0));
        assert_eq!(m.totals(100_000), (0, 0));
        assert_eq!(m.rate(100_000), 0.0);
    }

    #[test]
    fn buckets_near_the_end_of_u64_are_kept() {
        // The bucket that starts near u64::MAX ends past it: the sum
        // saturates, so the bucket is not dropped as if it were old.
        let mut m = RollingMeter::day();
        let t = u64::MAX - 10;
        m.record_answered(t);
        m.record_abandoned(t);
        m.record_answered(u64::MAX);
        assert_eq!(m.totals(u64::MAX), (2, 1));
        assert!((m.rate(u64::MAX) - 0.5).abs() < 1e-12);
    }
}
