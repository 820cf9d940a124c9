//! Holiday calendars: local dates on which no call may start.
//!
//! A calendar is a sorted list of disjoint, non-touching inclusive date
//! ranges (`2026-12-24..2026-12-26`; a single date is a range of one day),
//! merged as they are added. A holiday is a *local* date: it closes the
//! contact's whole day, from the first instant of that date in the
//! contact's zone (midnight, or the end of a DST gap that swallows
//! midnight) to the first instant of the next non-holiday date. So the same
//! holiday closes New York three hours before Los Angeles, and 23 or 25
//! real hours on a DST change day. [`Holidays::status_at`] answers "open?"
//! and "until when?" exactly, with one binary search.
//!
//! A calendar may also hold yearly holidays ([`Yearly`]: `12-25`, `4th thu
//! of nov`, with an observed shift). Their dates are not stored per year:
//! when a calendar has any, `status_at` merges the explicit ranges near the
//! asked date with the yearly dates of the years around it (the year
//! before to two years after: a few dozen date operations, done when a
//! slot's cached status runs out, never per dial) and answers from that.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::Timestamp;

use super::recurring::Yearly;
use crate::window::WindowStatus;

/// Inclusive local date ranges, and yearly holidays, on which the window
/// is closed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Holidays {
    ranges: Vec<(Date, Date)>,
    yearly: Vec<Yearly>,
}

impl Holidays {
    /// No holidays.
    pub fn new() -> Self {
        Holidays::default()
    }

    /// True when there is no holiday.
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty() && self.yearly.is_empty()
    }

    /// The merged explicit ranges, sorted.
    pub fn ranges(&self) -> &[(Date, Date)] {
        &self.ranges
    }

    /// The yearly holidays, sorted, without repeats.
    pub fn yearly(&self) -> &[Yearly] {
        &self.yearly
    }

    /// Adds a yearly holiday (once).
    pub fn add_yearly(&mut self, yearly: Yearly) {
        if let Err(at) = self.yearly.binary_search(&yearly) {
            self.yearly.insert(at, yearly);
        }
    }

    /// Adds `first..=last` (swapped when given backwards), merging.
    pub fn add(&mut self, first: Date, last: Date) {
        let (first, last) = if first <= last {
            (first, last)
        } else {
            (last, first)
        };
        self.ranges.push((first, last));
        self.ranges.sort_unstable();
        let mut merged: Vec<(Date, Date)> = Vec::with_capacity(self.ranges.len());
        for &(s, e) in &self.ranges {
            match merged.last_mut() {
                Some(last) if last.1 >= s || last.1.tomorrow().ok() == Some(s) => {
                    last.1 = last.1.max(e)
                }
                _ => merged.push((s, e)),
            }
        }
        self.ranges = merged;
    }

    /// Adds every range of `other`.
    pub fn extend(&mut self, other: &Holidays) {
        for &(s, e) in &other.ranges {
            self.add(s, e);
        }
        for &y in &other.yearly {
            self.add_yearly(y);
        }
    }

    /// True when `date` is a holiday.
    pub fn contains(&self, date: Date) -> bool {
        in_ranges(&self.ranges, date) || self.yearly.iter().any(|y| y.contains(date))
    }

    /// The explicit ranges that reach into the years `from..=to`, with
    /// the yearly dates of those years, merged (only for a calendar with
    /// yearly holidays).
    fn ranges_near(&self, from: i16, to: i16) -> Vec<(Date, Date)> {
        let mut near = Holidays::new();
        let first = Date::new(from, 1, 1).unwrap_or(Date::MIN);
        let last = Date::new(to, 12, 31).unwrap_or(Date::MAX);
        let i = self.ranges.partition_point(|&(_, e)| e < first);
        for &(s, e) in self.ranges[i..].iter().take_while(|&&(s, _)| s <= last) {
            near.ranges.push((s, e));
        }
        for year in from..=to {
            for y in &self.yearly {
                for d in y.dates_in(year) {
                    near.ranges.push((d, d));
                }
            }
        }
        // One merge of everything (`add` of the last one sorts and merges).
        if let Some((s, e)) = near.ranges.pop() {
            near.add(s, e);
        }
        near.ranges
    }

    /// Open (not a holiday in `tz`) at `now_ms`, and the first instant the
    /// answer changes (`u64::MAX`: never). Instants jiff cannot represent
    /// are closed forever.
    pub fn status_at(&self, tz: &TimeZone, now_ms: u64) -> WindowStatus {
        const CLOSED: WindowStatus = WindowStatus {
            open: false,
            until_ms: u64::MAX,
        };
        let Some(ts) = i64::try_from(now_ms)
            .ok()
            .and_then(|t| Timestamp::from_millisecond(t).ok())
        else {
            return CLOSED;
        };
        let today = tz.to_datetime(ts).date();
        let start_of = |d: Date| -> Option<u64> {
            let z = d.to_zoned_datetime(tz.clone()).ok()?.start_of_day().ok()?;
            u64::try_from(z.timestamp().as_millisecond()).ok()
        };
        if self.yearly.is_empty() {
            return status_in(&self.ranges, today, now_ms, start_of);
        }
        let year = today.year();
        let (from, to) = (year.saturating_sub(1), year.saturating_add(2));
        let near = self.ranges_near(from, to);
        let mut status = status_in(&near, today, now_ms, start_of);
        // Past the years looked at, nothing is known: look again there.
        let horizon = to
            .checked_add(1)
            .and_then(|y| Date::new(y, 1, 1).ok())
            .and_then(start_of)
            .unwrap_or(u64::MAX);
        if status.open {
            status.until_ms = status.until_ms.min(horizon);
        }
        status
    }
}

fn in_ranges(ranges: &[(Date, Date)], date: Date) -> bool {
    let i = ranges.partition_point(|&(s, _)| s <= date);
    i > 0 && ranges[i - 1].1 >= date
}

/// The status at `now_ms` (local date `today`) for sorted disjoint
/// `ranges`; `start_of` gives a date's first instant.
fn status_in(
    ranges: &[(Date, Date)],
    today: Date,
    now_ms: u64,
    start_of: impl Fn(Date) -> Option<u64>,
) -> WindowStatus {
    const CLOSED: WindowStatus = WindowStatus {
        open: false,
        until_ms: u64::MAX,
    };
    let i = ranges.partition_point(|&(s, _)| s <= today);
    if i > 0 && ranges[i - 1].1 >= today {
        let end = ranges[i - 1].1;
        return match end.tomorrow().ok().and_then(start_of) {
            Some(at) if at > now_ms => WindowStatus {
                open: false,
                until_ms: at,
            },
            _ => CLOSED,
        };
    }
    let until_ms = ranges
        .get(i)
        .and_then(|&(s, _)| start_of(s))
        .filter(|&at| at > now_ms)
        .unwrap_or(u64::MAX);
    WindowStatus {
        open: true,
        until_ms,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn ms(tz: &str, y: i16, mo: i8, d: i8, h: i8, mi: i8) -> u64 {
        let z = date(y, mo, d).at(h, mi, 0, 0).in_tz(tz).unwrap();
        z.timestamp().as_millisecond() as u64
    }

    #[test]
    fn ranges_merge_and_answer_membership() {
        let mut h = Holidays::new();
        h.add(date(2026, 12, 25), date(2026, 12, 25));
        h.add(date(2026, 12, 24), date(2026, 12, 24));
        h.add(date(2027, 1, 1), date(2026, 12, 31));
        assert_eq!(
            h.ranges(),
            [
                (date(2026, 12, 24), date(2026, 12, 25)),
                (date(2026, 12, 31), date(2027, 1, 1))
            ]
        );
        assert!(h.contains(date(2026, 12, 24)) && h.contains(date(2027, 1, 1)));
        assert!(!h.contains(date(2026, 12, 26)) && !h.contains(date(2026, 12, 23)));
    }

    #[test]
    fn a_holiday_closes_the_local_day_in_each_zone() {
        let mut h = Holidays::new();
        h.add(date(2026, 7, 4), date(2026, 7, 4));
        for zone in [
            "America/New_York",
            "America/Phoenix",
            "Pacific/Honolulu",
            "Europe/Berlin",
        ] {
            let tz = TimeZone::get(zone).unwrap();
            let before = ms(zone, 2026, 7, 3, 23, 59);
            let start = ms(zone, 2026, 7, 4, 0, 0);
            let end = ms(zone, 2026, 7, 5, 0, 0);
            assert_eq!(
                h.status_at(&tz, before),
                WindowStatus {
                    open: true,
                    until_ms: start
                },
                "{zone}"
            );
            assert_eq!(
                h.status_at(&tz, start),
                WindowStatus {
                    open: false,
                    until_ms: end
                },
                "{zone}"
            );
            assert_eq!(h.status_at(&tz, end - 1).until_ms, end, "{zone}");
            assert_eq!(
                h.status_at(&tz, end),
                WindowStatus {
                    open: true,
                    until_ms: u64::MAX
                },
                "{zone}"
            );
        }
    }

    #[test]
    fn a_holiday_on_a_dst_day_lasts_that_days_real_length() {
        let mut h = Holidays::new();
        h.add(date(2026, 3, 8), date(2026, 3, 8)); // US spring forward
        h.add(date(2026, 11, 1), date(2026, 11, 1)); // US fall back
        let zone = "America/Chicago";
        let tz = TimeZone::get(zone).unwrap();
        let s = h.status_at(&tz, ms(zone, 2026, 3, 8, 12, 0));
        assert!(!s.open);
        assert_eq!(s.until_ms - ms(zone, 2026, 3, 8, 0, 0), 23 * 3_600_000);
        let s = h.status_at(&tz, ms(zone, 2026, 11, 1, 12, 0));
        assert_eq!(s.until_ms - ms(zone, 2026, 11, 1, 0, 0), 25 * 3_600_000);
        // Phoenix keeps no DST: the same date is 24 hours there.
        let tz = TimeZone::get("America/Phoenix").unwrap();
        let s = h.status_at(&tz, ms("America/Phoenix", 2026, 3, 8, 12, 0));
        assert_eq!(
            s.until_ms - ms("America/Phoenix", 2026, 3, 8, 0, 0),
            24 * 3_600_000
        );
    }

    fn us_federal() -> Holidays {
        let mut h = Holidays::new();
        for text in [
            "01-01 observed",
            "3rd mon of jan",
            "last mon of may",
            "07-04 observed",
            "1st mon of sep",
            "4th thu of nov",
            "12-25 observed",
        ] {
            h.add_yearly(Yearly::parse(text).unwrap().unwrap());
        }
        h.add(date(2026, 12, 24), date(2026, 12, 24));
        h
    }

    #[test]
    fn yearly_holidays_close_their_local_days_and_merge_with_dates() {
        let h = us_federal();
        let zone = "America/New_York";
        let tz = TimeZone::get(zone).unwrap();
        // Thanksgiving 2026 is Thursday November 26th.
        let s = h.status_at(&tz, ms(zone, 2026, 11, 26, 10, 0));
        assert_eq!(
            s,
            WindowStatus {
                open: false,
                until_ms: ms(zone, 2026, 11, 27, 0, 0)
            }
        );
        // Open from the day after until Christmas Eve (explicit), which
        // merges with Christmas (yearly): closed through the 25th.
        let s = h.status_at(&tz, ms(zone, 2026, 11, 27, 0, 0));
        assert_eq!(
            s,
            WindowStatus {
                open: true,
                until_ms: ms(zone, 2026, 12, 24, 0, 0)
            }
        );
        let s = h.status_at(&tz, ms(zone, 2026, 12, 24, 9, 0));
        assert_eq!(s.until_ms, ms(zone, 2026, 12, 26, 0, 0));
        // July 4th 2026 (Saturday) is observed Friday the 3rd: both closed.
        let s = h.status_at(&tz, ms(zone, 2026, 7, 3, 8, 0));
        assert_eq!(
            s,
            WindowStatus {
                open: false,
                until_ms: ms(zone, 2026, 7, 5, 0, 0)
            }
        );
        // Memorial Day 2027 is Monday May 31st; New Year 2028 (Saturday) is
        // observed Friday December 31st 2027, a year boundary.
        assert!(!h.status_at(&tz, ms(zone, 2027, 5, 31, 12, 0)).open);
        assert!(h.status_at(&tz, ms(zone, 2027, 5, 30, 12, 0)).open);
        let s = h.status_at(&tz, ms(zone, 2027, 12, 30, 12, 0));
        assert_eq!(s.until_ms, ms(zone, 2027, 12, 31, 0, 0));
        let s = h.status_at(&tz, ms(zone, 2027, 12, 31, 12, 0));
        assert_eq!(
            s,
            WindowStatus {
                open: false,
                until_ms: ms(zone, 2028, 1, 2, 0, 0)
            }
        );
        assert!(h.contains(date(2027, 12, 31)) && !h.contains(date(2027, 12, 30)));
    }

    proptest::proptest! {
        /// Against the plain reading (`contains` of the local date): the
        /// status is right, and its `until_ms` is a real change of the
        /// answer (or the horizon of the years looked at, where it holds).
        #[test]
        fn status_agrees_with_membership(
            offset_h in 0u64..(5 * 366 * 24),
            minute in 0u64..60,
            zone in proptest::sample::select(vec![
                "America/New_York", "America/Los_Angeles", "Pacific/Honolulu", "Europe/Berlin",
            ]),
        ) {
            let h = us_federal();
            let tz = TimeZone::get(zone).unwrap();
            let now = ms("UTC", 2026, 1, 1, 0, 0) + offset_h * 3_600_000 + minute * 60_000;
            let local = |t: u64| tz.to_datetime(Timestamp::from_millisecond(t as i64).unwrap()).date();
            let s = h.status_at(&tz, now);
            proptest::prop_assert_eq!(s.open, !h.contains(local(now)));
            proptest::prop_assert!(s.until_ms > now && s.until_ms < u64::MAX);
            proptest::prop_assert_eq!(h.contains(local(s.until_ms - 1)), !s.open);
            if h.contains(local(s.until_ms)) != s.open {
                // No change: only allowed at the horizon (a January 1st).
                let d = local(s.until_ms);
                proptest::prop_assert!(s.open && d.month() == 1 && d.day() == 1);
            }
        }
    }
}
