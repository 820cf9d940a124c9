//! Holidays that recur every year: a fixed date (`"12-25"`) or the n-th
//! weekday of a month (`"4th thu of nov"`, `"last mon of may"`), each with
//! an optional US-style *observed* shift (`"07-04 observed"`: a holiday on
//! a Saturday also closes the Friday before, one on a Sunday the Monday
//! after).
//!
//! A [`Yearly`] rule is a few bytes; its dates are computed for the years
//! around the instant asked ([`Yearly::dates_in`], a handful of date
//! operations), never stored per year, so a rule covers every year a
//! campaign runs. The observed day is *added*: the holiday itself stays
//! closed (most restrictive), which is what a dialer that must not call on
//! July 4th and whose center is shut on the 3rd expects. A fixed `02-29`
//! occurs in leap years only.
//!
//! Syntax (case-insensitive, words separated by spaces): `MM-DD`, or
//! `<1st|2nd|3rd|4th|last> <mon … sun> of <jan … dec>` (full day and month
//! names work too), either followed by `observed`.

use jiff::civil::{Date, Weekday};
use smallvec::SmallVec;

/// Which date of the year a yearly holiday falls on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum YearlyDate {
    /// The same month and day every year.
    Fixed {
        /// 1..=12.
        month: i8,
        /// 1..=31 (valid for the month in a leap year).
        day: i8,
    },
    /// The `nth` (1..=4, or -1 for the last) `weekday` of `month`.
    Nth {
        /// 1..=4, or -1: the last.
        nth: i8,
        /// The day of the week.
        weekday: Weekday,
        /// 1..=12.
        month: i8,
    },
}

/// A holiday every year, optionally with its observed weekday.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Yearly {
    /// The date in each year.
    pub date: YearlyDate,
    /// Also close the Friday before a Saturday date, the Monday after a
    /// Sunday one.
    pub observed: bool,
}

fn weekday_key(w: Weekday) -> i8 {
    w.to_monday_one_offset()
}

impl PartialOrd for Yearly {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Yearly {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        let key = |y: &Yearly| match y.date {
            YearlyDate::Fixed { month, day } => (0, month, day, 0, y.observed),
            YearlyDate::Nth {
                nth,
                weekday,
                month,
            } => (1, month, nth, weekday_key(weekday), y.observed),
        };
        key(self).cmp(&key(other))
    }
}

impl Yearly {
    /// The closed dates of this holiday in `year`: the date itself and,
    /// with `observed`, its weekday stand-in (which may fall in the year
    /// before or after, for a date near New Year). Empty when the date does
    /// not exist that year (02-29 in a common year).
    pub fn dates_in(&self, year: i16) -> SmallVec<[Date; 2]> {
        let mut out = SmallVec::new();
        let date = match self.date {
            YearlyDate::Fixed { month, day } => Date::new(year, month, day).ok(),
            YearlyDate::Nth {
                nth,
                weekday,
                month,
            } => Date::new(year, month, 1)
                .ok()
                .and_then(|d| d.nth_weekday_of_month(nth, weekday).ok()),
        };
        let Some(date) = date else {
            return out;
        };
        out.push(date);
        if self.observed {
            let shifted = match date.weekday() {
                Weekday::Saturday => date.yesterday().ok(),
                Weekday::Sunday => date.tomorrow().ok(),
                _ => None,
            };
            out.extend(shifted);
        }
        out
    }

    /// True when `date` is closed by this holiday.
    pub fn contains(&self, date: Date) -> bool {
        let y = date.year();
        [y.checked_sub(1), Some(y), y.checked_add(1)]
            .into_iter()
            .flatten()
            .any(|year| self.dates_in(year).contains(&date))
    }

    /// Reads `"12-25"`, `"4th thu of nov"`, `"last mon of may"`, each
    /// optionally followed by `observed`. `Ok(None)`: not a yearly form
    /// (the caller tries explicit dates); `Err`: a yearly form that is wrong.
    pub fn parse(text: &str) -> Result<Option<Yearly>, String> {
        let lower = text.trim().to_ascii_lowercase();
        if lower.contains("..") {
            return Ok(None);
        }
        let mut words: Vec<&str> = lower.split_whitespace().collect();
        let observed = words.last() == Some(&"observed");
        if observed {
            words.pop();
        }
        let date = match words.as_slice() {
            [md] if is_month_day(md) => {
                let month: i8 = md[..2].parse().map_err(|_| bad(text))?;
                let day: i8 = md[3..].parse().map_err(|_| bad(text))?;
                if Date::new(2000, month, day).is_err() {
                    return Err(format!("{text:?}: no such day of the year"));
                }
                YearlyDate::Fixed { month, day }
            }
            [ord, day, "of", month] => YearlyDate::Nth {
                nth: parse_ordinal(ord).ok_or_else(|| {
                    format!("{text:?}: bad ordinal {ord:?} (expected 1st, 2nd, 3rd, 4th or last)")
                })?,
                weekday: parse_weekday(day)
                    .ok_or_else(|| format!("{text:?}: bad day {day:?} (expected mon … sun)"))?,
                month: parse_month(month)
                    .ok_or_else(|| format!("{text:?}: bad month {month:?} (expected jan … dec)"))?,
            },
            // One word: an explicit date, perhaps (the caller reads it).
            [_] if !observed => return Ok(None),
            _ => return Err(bad(text)),
        };
        Ok(Some(Yearly { date, observed }))
    }
}

fn bad(text: &str) -> String {
    format!(
        "bad holiday {text:?} (expected YYYY-MM-DD, A..B, MM-DD or \"4th thu of nov\", optionally followed by \"observed\")"
    )
}

fn is_month_day(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 5 && b[2] == b'-' && b[..2].iter().chain(&b[3..]).all(u8::is_ascii_digit)
}

fn parse_ordinal(s: &str) -> Option<i8> {
    Some(match s {
        "1st" | "first" => 1,
        "2nd" | "second" => 2,
        "3rd" | "third" => 3,
        "4th" | "fourth" => 4,
        "last" => -1,
        _ => return None,
    })
}

/// `mon` … `sun` or the full name, lower case.
pub(super) fn parse_weekday(s: &str) -> Option<Weekday> {
    const DAYS: [(Weekday, &str, &str); 7] = [
        (Weekday::Monday, "mon", "monday"),
        (Weekday::Tuesday, "tue", "tuesday"),
        (Weekday::Wednesday, "wed", "wednesday"),
        (Weekday::Thursday, "thu", "thursday"),
        (Weekday::Friday, "fri", "friday"),
        (Weekday::Saturday, "sat", "saturday"),
        (Weekday::Sunday, "sun", "sunday"),
    ];
    DAYS.iter()
        .find(|(_, short, long)| s == *short || s == *long)
        .map(|d| d.0)
}

fn parse_month(s: &str) -> Option<i8> {
    const MONTHS: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    MONTHS
        .iter()
        .position(|m| s == *m || (s.len() == 3 && m.starts_with(s)))
        .map(|i| i as i8 + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn y(text: &str) -> Yearly {
        Yearly::parse(text).unwrap().unwrap()
    }

    #[test]
    fn us_federal_holidays_fall_on_their_known_dates() {
        let cases: &[(&str, i16, &[Date])] = &[
            ("4th thu of nov", 2026, &[date(2026, 11, 26)]),
            ("4th Thursday of November", 2027, &[date(2027, 11, 25)]),
            ("last mon of may", 2027, &[date(2027, 5, 31)]),
            ("last mon of may", 2026, &[date(2026, 5, 25)]),
            ("1st mon of sep", 2026, &[date(2026, 9, 7)]),
            ("3rd mon of jan", 2027, &[date(2027, 1, 18)]),
            ("2nd mon of oct", 2026, &[date(2026, 10, 12)]),
            // July 4th 2026 is a Saturday: observed Friday the 3rd.
            (
                "07-04 observed",
                2026,
                &[date(2026, 7, 4), date(2026, 7, 3)],
            ),
            // July 4th 2027 is a Sunday: observed Monday the 5th.
            (
                "07-04 observed",
                2027,
                &[date(2027, 7, 4), date(2027, 7, 5)],
            ),
            ("07-04 observed", 2028, &[date(2028, 7, 4)]), // a Tuesday
            ("07-04", 2026, &[date(2026, 7, 4)]),
            // Jan 1st 2028 is a Saturday: observed Friday Dec 31st 2027.
            (
                "01-01 observed",
                2028,
                &[date(2028, 1, 1), date(2027, 12, 31)],
            ),
            (
                "12-25 observed",
                2027,
                &[date(2027, 12, 25), date(2027, 12, 24)],
            ),
            ("02-29", 2028, &[date(2028, 2, 29)]),
            ("02-29", 2027, &[]),
        ];
        for &(text, year, want) in cases {
            assert_eq!(y(text).dates_in(year).as_slice(), want, "{text} {year}");
        }
        // An observed day in another year is found from that year's side.
        assert!(y("01-01 observed").contains(date(2027, 12, 31)));
        assert!(!y("01-01").contains(date(2027, 12, 31)));
        assert!(!y("4th thu of nov").contains(date(2026, 11, 19)));
    }

    #[test]
    fn forms_that_are_not_yearly_or_are_wrong() {
        assert_eq!(Yearly::parse("2026-12-25"), Ok(None));
        assert_eq!(Yearly::parse("2026-12-24..2026-12-26"), Ok(None));
        for (text, needle) in [
            ("13-01", "no such day"),
            ("02-30", "no such day"),
            ("5th mon of may", "ordinal"),
            ("4th thurs of nov", "bad day"),
            ("4th thu of novem", "bad month"),
            ("4th thu in nov", "bad holiday"),
            ("12-25 obsrved", "bad holiday"),
            ("2026-12-25 observed", "bad holiday"),
        ] {
            let msg = Yearly::parse(text).expect_err(text);
            assert!(msg.contains(needle), "{text}: {msg}");
        }
    }
}
