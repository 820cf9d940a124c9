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

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::Timestamp;

use crate::window::WindowStatus;

/// Inclusive local date ranges on which the window is closed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Holidays {
    ranges: Vec<(Date, Date)>,
}

impl Holidays {
    /// No holidays.
    pub fn new() -> Self {
        Holidays::default()
    }

    /// True when there is no holiday.
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// The merged ranges, sorted.
    pub fn ranges(&self) -> &[(Date, Date)] {
        &self.ranges
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
    }

    /// True when `date` is a holiday.
    pub fn contains(&self, date: Date) -> bool {
        let i = self.ranges.partition_point(|&(s, _)| s <= date);
        i > 0 && self.ranges[i - 1].1 >= date
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
        let i = self.ranges.partition_point(|&(s, _)| s <= today);
        if i > 0 && self.ranges[i - 1].1 >= today {
            let end = self.ranges[i - 1].1;
            return match end.tomorrow().ok().and_then(start_of) {
                Some(at) if at > now_ms => WindowStatus {
                    open: false,
                    until_ms: at,
                },
                _ => CLOSED,
            };
        }
        let until_ms = self
            .ranges
            .get(i)
            .and_then(|&(s, _)| start_of(s))
            .filter(|&at| at > now_ms)
            .unwrap_or(u64::MAX);
        WindowStatus {
            open: true,
            until_ms,
        }
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
}
