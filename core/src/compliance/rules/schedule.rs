//! A compiled combination of rules: the most restrictive of the campaign's
//! calling window and every rule that applies to a number.
//!
//! Weekly hours intersect into one [`WeeklyWindow`], holiday calendars
//! unite into one [`Holidays`], caps are all kept (one per period, the
//! smallest count for equal periods). [`Schedule::status_at`] is open
//! exactly when the window is open and the local date is not a holiday;
//! [`Schedule::cap_free_at`] says when a number's recent dials leave room
//! under every cap.

use jiff::tz::TimeZone;
use smallvec::SmallVec;

use super::{window_and_holidays, Cap, Holidays, Rule};
use crate::window::{WeeklyWindow, WindowStatus};

/// The most restrictive of a window and some rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    window: WeeklyWindow,
    holidays: Holidays,
    caps: SmallVec<[Cap; 2]>,
}

impl Schedule {
    /// `window` restricted by `rule`.
    pub fn from_rule(window: &WeeklyWindow, rule: &Rule) -> Schedule {
        let mut s = Schedule {
            window: window.clone(),
            holidays: Holidays::new(),
            caps: SmallVec::new(),
        };
        s.restrict(rule);
        s
    }

    /// Adds `rule`: its hours intersect, its holidays add, its caps join.
    pub fn restrict(&mut self, rule: &Rule) {
        self.window = self.window.intersect(&rule.hours);
        self.holidays.extend(&rule.holidays);
        for cap in &rule.caps {
            match self.caps.iter_mut().find(|c| c.period_ms == cap.period_ms) {
                Some(c) => c.max_calls = c.max_calls.min(cap.max_calls),
                None => self.caps.push(*cap),
            }
        }
    }

    /// The combined weekly hours.
    pub fn window(&self) -> &WeeklyWindow {
        &self.window
    }

    /// The combined holidays.
    pub fn holidays(&self) -> &Holidays {
        &self.holidays
    }

    /// The combined caps.
    pub fn caps(&self) -> &[Cap] {
        &self.caps
    }

    /// Open at `now_ms` in `tz`, and the first instant that may change.
    /// Exact while open; while closed, `until_ms` is the first instant both
    /// the window and the calendar are open.
    pub fn status_at(&self, tz: &TimeZone, now_ms: u64) -> WindowStatus {
        window_and_holidays(&self.window, &self.holidays, tz, now_ms)
    }

    /// `None` when a dial now stays within every cap, given the number's
    /// earlier dial times `times` (ascending); otherwise the first instant
    /// it would. A dial at `t` counts while `now < t + period`.
    pub fn cap_free_at(&self, times: &[u64], now_ms: u64) -> Option<u64> {
        let mut at: Option<u64> = None;
        for cap in &self.caps {
            let from = now_ms.saturating_sub(cap.period_ms);
            let idx = times.partition_point(|&t| t <= from && now_ms >= cap.period_ms);
            let recent = &times[idx..];
            if recent.len() >= cap.max_calls as usize {
                let leave = recent[recent.len() - cap.max_calls as usize];
                let free = leave.saturating_add(cap.period_ms);
                at = Some(at.map_or(free, |a| a.max(free)));
            }
        }
        at
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: u64 = 3_600_000;

    #[test]
    fn caps_combine_and_free_when_the_oldest_counted_dial_leaves() {
        let mut rule = Rule::default();
        rule.caps.push(Cap {
            max_calls: 3,
            period_ms: 24 * H,
        });
        let mut s = Schedule::from_rule(&WeeklyWindow::always(), &rule);
        let mut stricter = Rule::default();
        stricter.caps.push(Cap {
            max_calls: 2,
            period_ms: 24 * H,
        });
        stricter.caps.push(Cap {
            max_calls: 1,
            period_ms: H,
        });
        s.restrict(&stricter);
        assert_eq!(
            s.caps(),
            [
                Cap {
                    max_calls: 2,
                    period_ms: 24 * H
                },
                Cap {
                    max_calls: 1,
                    period_ms: H
                }
            ]
        );
        let base = 100 * H;
        assert_eq!(s.cap_free_at(&[], base), None);
        assert_eq!(
            s.cap_free_at(&[base - 30 * 60_000], base),
            Some(base + 30 * 60_000)
        );
        assert_eq!(s.cap_free_at(&[base - 2 * H], base), None);
        // Two in the last day: free when the older one is a day old.
        assert_eq!(
            s.cap_free_at(&[base - 20 * H, base - 2 * H], base),
            Some(base + 4 * H)
        );
        assert_eq!(s.cap_free_at(&[base - 24 * H, base - 2 * H], base), None);
    }
}
