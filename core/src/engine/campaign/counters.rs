//! Counters: one `record(fact)` for everything a fact feeds.
//!
//! A fact (a dial, a human or machine answer, a connect, an abandon, a
//! watchdog's hang-up) feeds
//! the campaign's [`Metrics`], the 24-hour and 30-day abandon meters, the
//! guard's history (the per-number 24-hour dial times, the contacts'
//! last-abandon times for the reserved-operator policy), the pacer's
//! statistics and the journal. [`Campaign::record`] is the one place the
//! engine reports a fact; the mapping from a fact to the durable counters is
//! [`Campaign::count`], which journal replay calls too, so a recovered
//! campaign counts exactly what the live one counted. The pacer's per-call
//! statistics are not durable (calls in flight belong to the PBX), so replay
//! does not feed them.

use super::*;

/// The campaign's running figures and abandon meters.
#[derive(Debug)]
pub(super) struct Counters {
    /// Totals over the campaign's life (the live fields are filled by `metrics`).
    pub(super) metrics: Metrics,
    /// Answered / abandoned over the last 24 hours.
    pub(super) day: RollingMeter,
    /// Answered / abandoned over the last 30 days.
    pub(super) month: RollingMeter,
}

impl Default for Counters {
    fn default() -> Self {
        Counters {
            metrics: Metrics::default(),
            day: RollingMeter::day(),
            month: RollingMeter::thirty_days(),
        }
    }
}

impl Fact {
    /// The fact with journal code `code` (see the durable module's table).
    pub(super) fn from_code(code: u8) -> Option<Fact> {
        Some(match code {
            1 => Fact::Dialed,
            2 => Fact::Answered,
            3 => Fact::Machine,
            4 => Fact::Connected,
            5 => Fact::Abandoned,
            6 => Fact::Watchdog,
            7 => Fact::Congested,
            _ => return None,
        })
    }
}

impl Campaign {
    /// Reports a fact about contact `id` at `now`: journaled, counted (see
    /// [`Campaign::count`]) and given to the pacer's statistics.
    pub(super) fn record(&mut self, fact: Fact, id: ContactId, now: u64) {
        let bound = fact == Fact::Dialed && self.calls.operator(id).is_some();
        self.record_bound(fact, id, bound, now);
    }

    /// [`Campaign::record`] when the caller knows whether the contact's
    /// call is `bound` to an operator (a dial just placed), which saves the
    /// lookup; `bound` is read for a dial only.
    pub(super) fn record_bound(&mut self, fact: Fact, id: ContactId, bound: bool, now: u64) {
        self.journal_fact(fact, id);
        self.count(fact, id, now);
        let stats = &mut self.pacing.stats;
        match fact {
            Fact::Dialed => stats.on_dial(id.0, bound, now),
            Fact::Answered => stats.on_live_answer(id.0, now),
            Fact::Connected => stats.on_connect(id.0, now),
            Fact::Machine | Fact::Abandoned | Fact::Watchdog | Fact::Congested => {}
        }
    }

    /// The one mapping from a fact to the durable counters: metrics, abandon
    /// meters and the guard's history. Used live (through `record`) and by
    /// journal replay.
    pub(super) fn count(&mut self, fact: Fact, id: ContactId, at: u64) {
        let c = &mut self.counters;
        match fact {
            Fact::Dialed => {
                c.metrics.dials += 1;
                if self.dial_memory_ms() > 0 {
                    let number = self.current_digits(id);
                    self.history
                        .recent_dials
                        .entry(number)
                        .or_default()
                        .push(at);
                }
            }
            Fact::Answered => {
                c.metrics.answered += 1;
                c.day.record_answered(at);
                c.month.record_answered(at);
            }
            Fact::Machine => c.metrics.machine += 1,
            Fact::Connected => c.metrics.connected += 1,
            Fact::Watchdog => c.metrics.watchdog_hangups += 1,
            Fact::Congested => {
                // The dial is taken back: not counted, and its time leaves
                // the per-number history (the latest one of the number).
                c.metrics.dials = c.metrics.dials.saturating_sub(1);
                let number = self.current_digits(id);
                if let Some(times) = self.history.recent_dials.get_mut(&number) {
                    if let Some(i) = times.iter().rposition(|&t| t <= at) {
                        times.remove(i);
                    }
                }
            }
            Fact::Abandoned => {
                c.metrics.abandoned += 1;
                c.day.record_abandoned(at);
                c.month.record_abandoned(at);
                self.history.abandoned_at.insert(id.0, at);
            }
        }
    }
}
