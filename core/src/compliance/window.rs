//! Calling windows: when a contact may be dialed, in its own local time.
//!
//! A campaign has one [`WeeklyWindow`]: per weekday (Monday to Sunday) a
//! sorted, merged list of half-open `[start, end)` intervals of wall-clock
//! minutes, for example `Mon-Fri 09:00-20:00; Sat 10:00-14:00`. It is
//! evaluated in each contact's own time zone, and the rule is one sentence:
//! **the window is open at an instant exactly when the contact's local wall
//! clock at that instant reads a weekday and time inside one of the
//! configured intervals.** `[09:00, 20:00)` lets a dial start at
//! 09:00:00.000 local and not at or after 20:00:00.000.
//!
//! Daylight saving time falls out of that rule without special cases,
//! because an instant always has exactly one local wall time (only the
//! reverse mapping, wall time to instant, is ambiguous). On a spring-forward
//! day the skipped wall times never occur, so an interval lying wholly in the
//! gap is empty that day, an interval that starts inside the gap opens at the
//! transition (the first wall time that exists), and an interval that ends
//! inside the gap closes at the transition (`01:00-04:00` is two real hours
//! that day). On a fall-back day the repeated wall times occur twice and the
//! window follows the clock through both: a boundary inside the fold takes
//! effect at its *first* occurrence (the earlier instant), and again at its
//! second. So `01:30-03:00` on a New York fall-back day opens at 01:30 EDT,
//! closes when the clock is set back to 01:00 EST (before the opening time),
//! and opens again at 01:30 EST; `00:00-01:30` closes at 01:30 EDT, opens
//! again at 01:00 EST and closes at 01:30 EST; an interval covering the whole
//! fold (`00:30-03:00`) stays open throughout (3.5 real hours). So the
//! window is never open while the wall clock reads a time outside the
//! configuration, and never closed while it reads one inside. No
//! [`jiff::tz::Disambiguation`] strategy is used, because none matches that
//! rule everywhere (`Compatible` would open an interval starting at 02:30 on
//! a New York spring-forward day at 03:30 instead of 03:00, and would end an
//! interval ending at 01:30 in the fall-back fold once, not twice).
//!
//! The engine parks contacts outside their window on a timer, so it needs,
//! per time zone, both "open now?" and "until when does that hold?":
//! [`status_at`] answers both, exactly: `until_ms` is the first instant after
//! `now_ms` at which the answer differs. It is computed by walking the zone's
//! constant-offset segments (between jiff's offset transitions) and, within
//! each, jumping to the next interval boundary in local time, so the cost is
//! a handful of steps whatever the window. [`WindowCache`] keeps that answer
//! per [`ZoneId`] and recomputes only when it has expired.
//!
//! Instants past the end of jiff's supported range (`now_ms` above
//! 253_402_207_200_999, i.e. after 9999-12-30T22:00:00.999Z) count as closed
//! forever (`until_ms == u64::MAX`), so nothing panics and
//! nothing is dialed there; an open window whose next change would fall past
//! that end reports `until_ms` = the first unsupported millisecond.

use std::fmt;
use std::str::FromStr;

use jiff::civil::Weekday;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use smallvec::SmallVec;

use crate::zones::{ZoneId, ZoneTable};

/// Minutes in a day; the largest allowed end minute (`24:00`).
pub const MINUTES_PER_DAY: u16 = 1440;

const MINUTE_MS: i64 = 60_000;
const DAY_MS: i64 = 86_400_000;
const WEEK_MS: i64 = 7 * DAY_MS;
const WEEK_MINUTES: u32 = 7 * MINUTES_PER_DAY as u32;
/// Unix day 0 (1970-01-01) was a Thursday: 3 days after a Monday.
const EPOCH_DAYS_AFTER_MONDAY: i64 = 3;
/// Offset segments visited per query before giving up (safety valve only:
/// real zones change offset a few times a year, so 2–3 steps suffice).
const MAX_SEGMENTS: usize = 64;

const DAY_NAMES: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

type DayIntervals = SmallVec<[(u16, u16); 2]>;

/// A weekly calling window in local (wall-clock) time.
///
/// Per weekday, a sorted list of disjoint, non-touching `[start_minute,
/// end_minute)` intervals with `0 <= start < end <= 1440`. Overlapping or
/// touching intervals are merged when added, so two equal windows compare
/// equal however they were written. There is deliberately no `Default`:
/// a campaign picks [`WeeklyWindow::always`] or a real window explicitly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeeklyWindow {
    /// Index 0 is Monday, 6 is Sunday.
    days: [DayIntervals; 7],
}

impl WeeklyWindow {
    /// Open around the clock, every day: no calling-hours restriction.
    pub fn always() -> Self {
        let mut w = Self::never();
        for day in &mut w.days {
            day.push((0, MINUTES_PER_DAY));
        }
        w
    }

    /// Never open: nobody may be called (mostly useful in tests).
    pub fn never() -> Self {
        WeeklyWindow {
            days: Default::default(),
        }
    }

    /// Parses a window spec such as `"Mon-Fri 09:00-20:00; Sat 10:00-14:00"`.
    ///
    /// Grammar (case-insensitive, spaces around separators are ignored):
    ///
    /// ```text
    /// spec    = "always" | "never" | item { ";" item }     (empty items skipped)
    /// item    = days ranges
    /// days    = dayspec { "," dayspec }
    /// dayspec = day | day "-" day        (a range may wrap: "Fri-Mon")
    /// day     = "Mon" | "Monday" | "Tue" | "Tues" | "Tuesday" | "Wed" | "Wednesday"
    ///         | "Thu" | "Thur" | "Thurs" | "Thursday" | "Fri" | "Friday"
    ///         | "Sat" | "Saturday" | "Sun" | "Sunday"
    /// ranges  = range { "," range }
    /// range   = time "-" time            (start < end; no crossing midnight)
    /// time    = H:MM | HH:MM             (00:00 to 23:59, and 24:00 as an end)
    /// ```
    ///
    /// A day range with equal ends (`Mon-Mon`) is that one day. Items are
    /// unioned: a day named twice gets the union of its intervals.
    pub fn parse(spec: &str) -> Result<Self, WindowError> {
        let trimmed = spec.trim();
        if trimmed.eq_ignore_ascii_case("always") {
            return Ok(Self::always());
        }
        if trimmed.eq_ignore_ascii_case("never") {
            return Ok(Self::never());
        }
        let mut window = Self::never();
        let mut items = 0usize;
        for item in trimmed.split(';') {
            let item = item.trim();
            if item.is_empty() {
                continue;
            }
            items += 1;
            window.parse_item(item)?;
        }
        if items == 0 {
            return Err(WindowError::Empty);
        }
        Ok(window)
    }

    fn parse_item(&mut self, item: &str) -> Result<(), WindowError> {
        let split = item.find(|c: char| c.is_ascii_digit());
        let (days_text, ranges_text) = match split {
            None => {
                return Err(WindowError::MissingTimes {
                    item: item.to_owned(),
                })
            }
            Some(at) => (item[..at].trim(), &item[at..]),
        };
        if days_text.is_empty() {
            return Err(WindowError::MissingDays {
                item: item.to_owned(),
            });
        }
        let mut day_set = [false; 7];
        for part in days_text.split(',') {
            let part = part.trim();
            match part.split_once('-') {
                None => day_set[parse_day(part, item)?] = true,
                Some((first, last)) => {
                    let first = parse_day(first.trim(), item)?;
                    let last = parse_day(last.trim(), item)?;
                    let mut d = first;
                    loop {
                        day_set[d] = true;
                        if d == last {
                            break;
                        }
                        d = (d + 1) % 7;
                    }
                }
            }
        }
        let mut intervals: SmallVec<[(u16, u16); 4]> = SmallVec::new();
        for range in ranges_text.split(',') {
            let range = range.trim();
            let bad_range = || WindowError::BadRange {
                range: range.to_owned(),
                item: item.to_owned(),
            };
            let (start, end) = range.split_once('-').ok_or_else(bad_range)?;
            if end.contains('-') {
                return Err(bad_range());
            }
            let start_minute = parse_time(start.trim(), item)?;
            let end_minute = parse_time(end.trim(), item)?;
            check_interval(start_minute, end_minute, range, item)?;
            intervals.push((start_minute, end_minute));
        }
        for (d, &on) in day_set.iter().enumerate() {
            if on {
                for &(s, e) in &intervals {
                    insert_merged(&mut self.days[d], s, e);
                }
            }
        }
        Ok(())
    }

    /// Adds `[start_minute, end_minute)` on `day` (merging with what is there).
    ///
    /// Requires `start_minute < end_minute <= 1440`; intervals crossing
    /// midnight must be split across two days.
    pub fn add(
        &mut self,
        day: Weekday,
        start_minute: u16,
        end_minute: u16,
    ) -> Result<(), WindowError> {
        let d = day_index(day);
        let range = format!("{}-{}", HhMm(start_minute), HhMm(end_minute));
        let item = format!("{} {range}", DAY_NAMES[d]);
        for minute in [start_minute, end_minute] {
            if minute > MINUTES_PER_DAY {
                return Err(WindowError::BadTime {
                    time: HhMm(minute).to_string(),
                    item,
                });
            }
        }
        check_interval(start_minute, end_minute, &range, &item)?;
        insert_merged(&mut self.days[d], start_minute, end_minute);
        Ok(())
    }

    /// The window open exactly when both `self` and `other` are (per day, the
    /// intersection of the intervals): the most restrictive of two windows.
    pub fn intersect(&self, other: &WeeklyWindow) -> WeeklyWindow {
        let mut out = WeeklyWindow::never();
        for d in 0..7 {
            for &(a0, a1) in &self.days[d] {
                for &(b0, b1) in &other.days[d] {
                    let (s, e) = (a0.max(b0), a1.min(b1));
                    if s < e {
                        insert_merged(&mut out.days[d], s, e);
                    }
                }
            }
        }
        out
    }

    /// This window with `day` closed all day.
    pub fn without_day(&self, day: Weekday) -> WeeklyWindow {
        let mut out = self.clone();
        out.days[day_index(day)].clear();
        out
    }

    /// Whether `minute_of_day` (0..1440, local) on `day` is inside the window.
    pub fn contains(&self, day: Weekday, minute_of_day: u16) -> bool {
        self.days[day_index(day)]
            .iter()
            .any(|&(s, e)| s <= minute_of_day && minute_of_day < e)
    }

    /// The merged `[start_minute, end_minute)` intervals of `day`, sorted.
    pub fn intervals(&self, day: Weekday) -> &[(u16, u16)] {
        &self.days[day_index(day)]
    }

    /// True for a 24/7 window (no restriction).
    pub fn is_always(&self) -> bool {
        self.days
            .iter()
            .all(|d| d.as_slice() == [(0, MINUTES_PER_DAY)])
    }

    /// True for a window with no interval at all (never open).
    pub fn is_never(&self) -> bool {
        self.days.iter().all(|d| d.is_empty())
    }

    /// Open at local week position `local_ms` (ms since the Unix epoch,
    /// read as a wall-clock time)?
    fn open_at_local(&self, local_ms: i64) -> bool {
        let day = local_ms.div_euclid(DAY_MS);
        let weekday = (day + EPOCH_DAYS_AFTER_MONDAY).rem_euclid(7) as usize;
        let minute = (local_ms.rem_euclid(DAY_MS) / MINUTE_MS) as u16;
        self.days[weekday]
            .iter()
            .any(|&(s, e)| s <= minute && minute < e)
    }

    /// Minutes of the week (Monday 00:00 = 0, modulo one week) at which the
    /// open/closed answer flips, sorted. Empty for always/never windows.
    fn boundaries(&self) -> SmallVec<[u32; 16]> {
        let mut merged: SmallVec<[(u32, u32); 16]> = SmallVec::new();
        for (d, day) in self.days.iter().enumerate() {
            let base = d as u32 * u32::from(MINUTES_PER_DAY);
            for &(s, e) in day {
                let (s, e) = (base + u32::from(s), base + u32::from(e));
                match merged.last_mut() {
                    Some(last) if last.1 == s => last.1 = e,
                    _ => merged.push((s, e)),
                }
            }
        }
        let mut out = SmallVec::new();
        if merged.len() == 1 && merged[0] == (0, WEEK_MINUTES) {
            return out;
        }
        let wraps =
            merged.len() > 1 && merged[0].0 == 0 && merged[merged.len() - 1].1 == WEEK_MINUTES;
        for (i, &(s, e)) in merged.iter().enumerate() {
            if !(wraps && i == 0) {
                out.push(s);
            }
            if !(wraps && i == merged.len() - 1) {
                out.push(e % WEEK_MINUTES);
            }
        }
        out.sort_unstable();
        out
    }
}

/// The first local instant strictly after `local_ms` at a weekly boundary.
/// `boundaries` must be non-empty.
fn next_boundary(local_ms: i64, boundaries: &[u32]) -> i64 {
    let pos = (local_ms + EPOCH_DAYS_AFTER_MONDAY * DAY_MS).rem_euclid(WEEK_MS);
    let week_start = local_ms - pos;
    let next = boundaries
        .iter()
        .map(|&b| i64::from(b) * MINUTE_MS)
        .find(|&b| b > pos)
        .unwrap_or(i64::from(boundaries[0]) * MINUTE_MS + WEEK_MS);
    week_start + next
}

fn day_index(day: Weekday) -> usize {
    day.to_monday_zero_offset() as usize
}

fn insert_merged(day: &mut DayIntervals, start: u16, end: u16) {
    day.push((start, end));
    day.sort_unstable();
    let mut merged = DayIntervals::new();
    for &(s, e) in day.iter() {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    *day = merged;
}

fn check_interval(start: u16, end: u16, range: &str, item: &str) -> Result<(), WindowError> {
    if start > end {
        Err(WindowError::Overnight {
            range: range.to_owned(),
            item: item.to_owned(),
        })
    } else if start == end {
        Err(WindowError::EmptyInterval {
            range: range.to_owned(),
            item: item.to_owned(),
        })
    } else {
        Ok(())
    }
}

fn parse_day(text: &str, item: &str) -> Result<usize, WindowError> {
    let lower = text.to_ascii_lowercase();
    let d = match lower.as_str() {
        "mon" | "monday" => 0,
        "tue" | "tues" | "tuesday" => 1,
        "wed" | "wednesday" => 2,
        "thu" | "thur" | "thurs" | "thursday" => 3,
        "fri" | "friday" => 4,
        "sat" | "saturday" => 5,
        "sun" | "sunday" => 6,
        _ => {
            return Err(WindowError::UnknownDay {
                day: text.to_owned(),
                item: item.to_owned(),
            })
        }
    };
    Ok(d)
}

fn parse_time(text: &str, item: &str) -> Result<u16, WindowError> {
    let bad = || WindowError::BadTime {
        time: text.to_owned(),
        item: item.to_owned(),
    };
    let (h, m) = text.split_once(':').ok_or_else(bad)?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !(1..=2).contains(&h.len()) || m.len() != 2 || !digits(h) || !digits(m) {
        return Err(bad());
    }
    let (h, m): (u16, u16) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if m > 59 || h > 24 || (h == 24 && m != 0) {
        return Err(bad());
    }
    Ok(h * 60 + m)
}

/// Formats minutes as `HH:MM` (hours may exceed 24 in error messages).
struct HhMm(u16);

impl fmt::Display for HhMm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.0 / 60, self.0 % 60)
    }
}

/// Canonical form, accepted back by [`WeeklyWindow::parse`]: `always`,
/// `never`, or items `"Mon-Fri 09:00-20:00; Sat 10:00-14:00"` where days with
/// identical intervals share one item (runs of consecutive days written
/// `Mon-Fri`, others `Mon,Wed`), items ordered by their first day.
impl fmt::Display for WeeklyWindow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_always() {
            return f.write_str("always");
        }
        if self.is_never() {
            return f.write_str("never");
        }
        let mut done = [false; 7];
        let mut first_item = true;
        for d in 0..7 {
            if done[d] || self.days[d].is_empty() {
                continue;
            }
            let same: SmallVec<[usize; 7]> =
                (d..7).filter(|&e| self.days[e] == self.days[d]).collect();
            if !first_item {
                f.write_str("; ")?;
            }
            first_item = false;
            // Day list: runs of consecutive days as ranges.
            let mut i = 0;
            let mut first_part = true;
            while i < same.len() {
                let mut j = i;
                while j + 1 < same.len() && same[j + 1] == same[j] + 1 {
                    j += 1;
                }
                if !first_part {
                    f.write_str(",")?;
                }
                first_part = false;
                if j > i {
                    write!(f, "{}-{}", DAY_NAMES[same[i]], DAY_NAMES[same[j]])?;
                } else {
                    f.write_str(DAY_NAMES[same[i]])?;
                }
                i = j + 1;
            }
            for &e in &same {
                done[e] = true;
            }
            for (k, &(s, e)) in self.days[d].iter().enumerate() {
                let sep = if k == 0 { " " } else { "," };
                write!(f, "{sep}{}-{}", HhMm(s), HhMm(e))?;
            }
        }
        Ok(())
    }
}

impl FromStr for WeeklyWindow {
    type Err = WindowError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        WeeklyWindow::parse(s)
    }
}

/// Error: a window spec or interval that cannot be accepted. Each variant
/// carries the offending text and the `item` (the `;`-separated part of the
/// spec) it was found in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WindowError {
    /// The spec is blank (write `always` or `never` explicitly).
    Empty,
    /// An item has no day names before its times, e.g. `"09:00-17:00"`.
    MissingDays {
        /// The item.
        item: String,
    },
    /// An item has no time range, e.g. `"Mon-Fri"`.
    MissingTimes {
        /// The item.
        item: String,
    },
    /// A day name that is not a weekday.
    UnknownDay {
        /// The bad day name.
        day: String,
        /// The item it is in.
        item: String,
    },
    /// A time that is not `H:MM`/`HH:MM` between 00:00 and 24:00.
    BadTime {
        /// The bad time.
        time: String,
        /// The item it is in.
        item: String,
    },
    /// A range that is not `start-end`.
    BadRange {
        /// The bad range.
        range: String,
        /// The item it is in.
        item: String,
    },
    /// A range whose end is before its start (it would cross midnight).
    Overnight {
        /// The bad range.
        range: String,
        /// The item it is in.
        item: String,
    },
    /// A range whose start equals its end.
    EmptyInterval {
        /// The bad range.
        range: String,
        /// The item it is in.
        item: String,
    },
}

impl fmt::Display for WindowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WindowError::Empty => f.write_str(
                "empty calling window spec: write e.g. \"Mon-Fri 09:00-20:00\", \
                 \"always\" (no restriction) or \"never\"",
            ),
            WindowError::MissingDays { item } => write!(
                f,
                "calling window item {item:?} has no day names (expected e.g. \"Mon-Fri 09:00-20:00\")"
            ),
            WindowError::MissingTimes { item } => write!(
                f,
                "calling window item {item:?} has no time range (expected e.g. \"Mon-Fri 09:00-20:00\")"
            ),
            WindowError::UnknownDay { day, item } => write!(
                f,
                "unknown day name {day:?} in calling window item {item:?} (use Mon..Sun or Monday..Sunday)"
            ),
            WindowError::BadTime { time, item } => write!(
                f,
                "bad time {time:?} in calling window item {item:?} (use HH:MM from 00:00 to 24:00)"
            ),
            WindowError::BadRange { range, item } => write!(
                f,
                "bad time range {range:?} in calling window item {item:?} (use HH:MM-HH:MM)"
            ),
            WindowError::Overnight { range, item } => {
                let (start, end) = range.split_once('-').unwrap_or((range, range));
                write!(
                    f,
                    "time range {range:?} in calling window item {item:?} crosses midnight; \
                     split it across days, e.g. \"Mon {}-24:00; Tue 00:00-{}\"",
                    start.trim(),
                    end.trim()
                )
            }
            WindowError::EmptyInterval { range, item } => write!(
                f,
                "time range {range:?} in calling window item {item:?} is empty (start must be before end)"
            ),
        }
    }
}

impl std::error::Error for WindowError {}

/// Open or closed at an instant, and until when that holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowStatus {
    /// Whether a dial may start now.
    pub open: bool,
    /// The first instant (UTC ms) after now at which `open` flips; `u64::MAX`
    /// if it never does (always/never windows, instants past year 9999).
    pub until_ms: u64,
}

impl WindowStatus {
    const CLOSED_FOREVER: WindowStatus = WindowStatus {
        open: false,
        until_ms: u64::MAX,
    };
}

/// Whether `window` is open at `now_ms` in zone `tz`, and until when.
///
/// Exact: `open` holds for every instant in `[now_ms, until_ms)` and differs
/// at `until_ms`. See the module docs for the DST rules. Never panics: an
/// always window is open forever and a never window closed forever in any
/// zone; `now_ms` past jiff's range (about year 9999) is closed forever.
pub fn status_at(window: &WeeklyWindow, tz: &TimeZone, now_ms: u64) -> WindowStatus {
    if window.is_always() {
        return WindowStatus {
            open: true,
            until_ms: u64::MAX,
        };
    }
    if window.is_never() {
        return WindowStatus::CLOSED_FOREVER;
    }
    let max_ms = Timestamp::MAX.as_millisecond();
    let Some(now) = i64::try_from(now_ms).ok().filter(|&t| t <= max_ms) else {
        return WindowStatus::CLOSED_FOREVER;
    };
    // Past the supported range everything is closed, so an open window
    // changes there at the latest.
    let finish = |open: bool, at: i64| -> WindowStatus {
        if at <= max_ms {
            WindowStatus {
                open,
                until_ms: at as u64,
            }
        } else if open {
            WindowStatus {
                open,
                until_ms: max_ms as u64 + 1,
            }
        } else {
            WindowStatus::CLOSED_FOREVER
        }
    };
    let offset_ms = |ts: Timestamp| i64::from(tz.to_offset(ts).seconds()) * 1000;
    let boundaries = window.boundaries();

    let mut t = now;
    let mut ts = match Timestamp::from_millisecond(t) {
        Ok(ts) => ts,
        Err(_) => return WindowStatus::CLOSED_FOREVER,
    };
    let mut off = offset_ms(ts);
    let open = window.open_at_local(t + off);
    for _ in 0..MAX_SEGMENTS {
        // Within this constant-offset segment, local time = t + off, so the
        // answer next flips at the next weekly boundary in local time...
        let candidate = next_boundary(t + off, &boundaries) - off;
        // ...unless the offset changes first.
        let seg_end = tz
            .following(ts)
            .next()
            .map(|tr| tr.timestamp().as_millisecond());
        match seg_end {
            Some(end) if end <= candidate => {
                t = end;
                ts = match Timestamp::from_millisecond(t) {
                    Ok(ts) => ts,
                    Err(_) => return finish(open, max_ms + 1),
                };
                off = offset_ms(ts);
                if window.open_at_local(t + off) != open {
                    return finish(open, t);
                }
            }
            _ => return finish(open, candidate),
        }
    }
    // Unreachable with real zones; `t` is a conservative (early) answer.
    finish(open, t)
}

#[derive(Debug, Clone, Copy)]
struct CacheEntry {
    from_ms: u64,
    status: WindowStatus,
}

/// Per-zone cache of [`status_at`]: a zone's status is recomputed only when
/// `now_ms` leaves the span `[computed_at, until_ms)` it is known for.
///
/// The cache does not look at the window it is given: call
/// [`WindowCache::clear`] whenever the campaign's window changes.
#[derive(Debug, Clone, Default)]
pub struct WindowCache {
    entries: Vec<Option<CacheEntry>>,
}

impl WindowCache {
    /// An empty cache.
    pub fn new() -> Self {
        WindowCache::default()
    }

    /// The status of `window` in `zone` at `now_ms`, cached per zone.
    pub fn status(
        &mut self,
        window: &WeeklyWindow,
        zones: &ZoneTable,
        zone: ZoneId,
        now_ms: u64,
    ) -> WindowStatus {
        let idx = usize::from(zone.0);
        if let Some(Some(entry)) = self.entries.get(idx) {
            if entry.from_ms <= now_ms && now_ms < entry.status.until_ms {
                return entry.status;
            }
        }
        let status = status_at(window, zones.zone(zone), now_ms);
        if self.entries.len() <= idx {
            self.entries.resize(idx + 1, None);
        }
        self.entries[idx] = Some(CacheEntry {
            from_ms: now_ms,
            status,
        });
        status
    }

    /// Forgets every cached status (call after the window config changes).
    pub fn clear(&mut self) {
        self.entries.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::{date, DateTime};
    use jiff::tz::{Disambiguation, Offset};

    fn w(spec: &str) -> WeeklyWindow {
        WeeklyWindow::parse(spec).unwrap()
    }

    #[test]
    fn intersection_is_open_exactly_when_both_are() {
        let a = w("Mon-Fri 08:00-21:00; Sat 09:00-12:00");
        let b = w("Mon-Sun 09:00-20:00");
        assert_eq!(a.intersect(&b), w("Mon-Fri 09:00-20:00; Sat 09:00-12:00"));
        assert_eq!(a.intersect(&WeeklyWindow::always()), a);
        assert!(a.intersect(&WeeklyWindow::never()).is_never());
        assert_eq!(b.without_day(Weekday::Sunday), w("Mon-Sat 09:00-20:00"));
        for day in [Weekday::Monday, Weekday::Saturday, Weekday::Sunday] {
            for minute in (0..1440).step_by(7) {
                assert_eq!(
                    a.intersect(&b).contains(day, minute),
                    a.contains(day, minute) && b.contains(day, minute)
                );
            }
        }
    }

    fn tz(name: &str) -> TimeZone {
        TimeZone::get(name).unwrap()
    }

    /// UTC ms of a UTC civil datetime.
    fn utc(dt: DateTime) -> u64 {
        dt.to_zoned_datetime(TimeZone::UTC)
            .unwrap()
            .timestamp()
            .as_millisecond() as u64
    }

    /// UTC ms of a wall time in `zone` that exists and is unambiguous.
    fn local(zone: &TimeZone, dt: DateTime) -> u64 {
        zone.to_ambiguous_timestamp(dt)
            .disambiguate(Disambiguation::Reject)
            .unwrap()
            .as_millisecond() as u64
    }

    fn show(zone: &TimeZone, ms: u64) -> String {
        Timestamp::from_millisecond(ms as i64)
            .unwrap()
            .to_zoned_datetime(zone.clone())
            .to_string()
    }

    fn st(open: bool, until_ms: u64) -> WindowStatus {
        WindowStatus { open, until_ms }
    }

    /// Walks the flips of `window` in `zone` from `from` for `count` steps,
    /// rendered as zoned datetimes.
    fn flips(window: &WeeklyWindow, zone: &TimeZone, from: u64, count: usize) -> Vec<String> {
        let mut out = Vec::new();
        let mut t = from;
        for _ in 0..count {
            let s = status_at(window, zone, t);
            out.push(format!(
                "{} until {}",
                if s.open { "open" } else { "closed" },
                show(zone, s.until_ms)
            ));
            t = s.until_ms;
        }
        out
    }

    #[test]
    fn parses_the_documented_forms() {
        let a = w("Mon-Fri 09:00-20:00; Sat 10:00-14:00");
        assert_eq!(a.intervals(Weekday::Monday), &[(540, 1200)]);
        assert_eq!(a.intervals(Weekday::Friday), &[(540, 1200)]);
        assert_eq!(a.intervals(Weekday::Saturday), &[(600, 840)]);
        assert!(a.intervals(Weekday::Sunday).is_empty());

        let b = w("Mon,Wed 08:30-12:00,13:00-17:30");
        assert_eq!(b.intervals(Weekday::Monday), &[(510, 720), (780, 1050)]);
        assert_eq!(b.intervals(Weekday::Wednesday), &[(510, 720), (780, 1050)]);
        assert!(b.intervals(Weekday::Tuesday).is_empty());

        assert!(w("Sun-Sat 00:00-24:00").is_always());
        assert!(w("always").is_always());
        assert!(w(" NEVER ").is_never());
        assert_eq!(w("mOnDaY-friday 9:00-17:00"), w("Mon-Fri 09:00-17:00"));
        assert_eq!(w("Tues,Thurs 09:00-10:00"), w("Tue,Thu 09:00-10:00"));

        let wrap = w("Fri-Mon 10:00-11:00");
        for d in [
            Weekday::Friday,
            Weekday::Saturday,
            Weekday::Sunday,
            Weekday::Monday,
        ] {
            assert!(wrap.contains(d, 600), "{d:?}");
        }
        assert!(!wrap.contains(Weekday::Tuesday, 600));
        assert!(!wrap.contains(Weekday::Thursday, 600));
        assert_eq!(w("Mon-Mon 10:00-11:00"), w("Mon 10:00-11:00"));

        // Spaces, trailing separators, union and merging.
        assert_eq!(
            w(" Mon - Fri  09:00 - 12:00 , 12:00-13:00 ;; Mon 12:30-14:00; "),
            w("Mon 09:00-14:00; Tue-Fri 09:00-13:00")
        );
    }

    #[test]
    fn bad_specs_name_the_input() {
        let cases: &[(&str, WindowError, &str)] = &[
            ("", WindowError::Empty, "empty"),
            (" ; ", WindowError::Empty, "always"),
            (
                "09:00-17:00",
                WindowError::MissingDays {
                    item: "09:00-17:00".into(),
                },
                "\"09:00-17:00\"",
            ),
            (
                "Mon-Fri 09:00-17:00; Sat",
                WindowError::MissingTimes { item: "Sat".into() },
                "\"Sat\"",
            ),
            (
                "Mon-Fro 09:00-17:00",
                WindowError::UnknownDay {
                    day: "Fro".into(),
                    item: "Mon-Fro 09:00-17:00".into(),
                },
                "\"Fro\"",
            ),
            (
                "Mon 9-17",
                WindowError::BadTime {
                    time: "9".into(),
                    item: "Mon 9-17".into(),
                },
                "\"9\"",
            ),
            (
                "Mon 09:00-17:00,9-17",
                WindowError::BadTime {
                    time: "9".into(),
                    item: "Mon 09:00-17:00,9-17".into(),
                },
                "\"9\"",
            ),
            (
                "Mon 09:00",
                WindowError::BadRange {
                    range: "09:00".into(),
                    item: "Mon 09:00".into(),
                },
                "\"09:00\"",
            ),
            (
                "Mon 09:00-25:00",
                WindowError::BadTime {
                    time: "25:00".into(),
                    item: "Mon 09:00-25:00".into(),
                },
                "\"25:00\"",
            ),
            (
                "Mon 09:60-10:00",
                WindowError::BadTime {
                    time: "09:60".into(),
                    item: "Mon 09:60-10:00".into(),
                },
                "\"09:60\"",
            ),
            (
                "Mon 24:30-10:00",
                WindowError::BadTime {
                    time: "24:30".into(),
                    item: "Mon 24:30-10:00".into(),
                },
                "\"24:30\"",
            ),
            (
                "Mon 09:00:00-10:00",
                WindowError::BadTime {
                    time: "09:00:00".into(),
                    item: "Mon 09:00:00-10:00".into(),
                },
                "\"09:00:00\"",
            ),
            (
                "Mon 09:00-10:00-11:00",
                WindowError::BadRange {
                    range: "09:00-10:00-11:00".into(),
                    item: "Mon 09:00-10:00-11:00".into(),
                },
                "\"09:00-10:00-11:00\"",
            ),
            (
                "Fri 22:00-02:00",
                WindowError::Overnight {
                    range: "22:00-02:00".into(),
                    item: "Fri 22:00-02:00".into(),
                },
                "\"Mon 22:00-24:00; Tue 00:00-02:00\"",
            ),
            (
                "Fri 10:00-10:00",
                WindowError::EmptyInterval {
                    range: "10:00-10:00".into(),
                    item: "Fri 10:00-10:00".into(),
                },
                "\"10:00-10:00\"",
            ),
            (
                "Mon Tue 10:00-11:00",
                WindowError::UnknownDay {
                    day: "Mon Tue".into(),
                    item: "Mon Tue 10:00-11:00".into(),
                },
                "\"Mon Tue\"",
            ),
        ];
        for (spec, want, needle) in cases {
            let err = WeeklyWindow::parse(spec).unwrap_err();
            assert_eq!(&err, want, "{spec:?}");
            let msg = err.to_string();
            assert!(msg.contains(needle), "{spec:?}: {msg}");
            let item = match &err {
                WindowError::Empty => None,
                WindowError::MissingDays { item }
                | WindowError::MissingTimes { item }
                | WindowError::UnknownDay { item, .. }
                | WindowError::BadTime { item, .. }
                | WindowError::BadRange { item, .. }
                | WindowError::Overnight { item, .. }
                | WindowError::EmptyInterval { item, .. } => Some(item),
            };
            if let Some(item) = item {
                assert!(msg.contains(&format!("{item:?}")), "{msg}");
            }
        }
        assert!("Mon 22:00-02:00"
            .parse::<WeeklyWindow>()
            .unwrap_err()
            .to_string()
            .contains("split"));
    }

    #[test]
    fn add_validates_and_merges() {
        let mut x = WeeklyWindow::never();
        x.add(Weekday::Tuesday, 600, 660).unwrap();
        x.add(Weekday::Tuesday, 540, 600).unwrap();
        x.add(Weekday::Tuesday, 700, 720).unwrap();
        assert_eq!(x.intervals(Weekday::Tuesday), &[(540, 660), (700, 720)]);
        x.add(Weekday::Tuesday, 650, 710).unwrap();
        assert_eq!(x.intervals(Weekday::Tuesday), &[(540, 720)]);
        assert_eq!(x, w("Tue 09:00-12:00"));

        let err = x.add(Weekday::Friday, 1320, 120).unwrap_err();
        assert_eq!(
            err,
            WindowError::Overnight {
                range: "22:00-02:00".into(),
                item: "Fri 22:00-02:00".into()
            }
        );
        let err = x.add(Weekday::Friday, 600, 1500).unwrap_err();
        assert_eq!(
            err,
            WindowError::BadTime {
                time: "25:00".into(),
                item: "Fri 10:00-25:00".into()
            }
        );
        assert!(matches!(
            x.add(Weekday::Friday, 600, 600),
            Err(WindowError::EmptyInterval { .. })
        ));
        assert_eq!(x, w("Tue 09:00-12:00"), "failed adds change nothing");

        let mut all = WeeklyWindow::never();
        for d in Weekday::Monday.cycle_forward().take(7) {
            all.add(d, 0, 720).unwrap();
            all.add(d, 720, 1440).unwrap();
        }
        assert!(all.is_always());
        assert_eq!(all, WeeklyWindow::always());
    }

    #[test]
    fn display_round_trips() {
        let specs = [
            (
                "Mon-Fri 09:00-20:00; Sat 10:00-14:00",
                "Mon-Fri 09:00-20:00; Sat 10:00-14:00",
            ),
            (
                "mon,wed 8:30-12:00, 13:00-17:30",
                "Mon,Wed 08:30-12:00,13:00-17:30",
            ),
            ("Fri-Mon 10:00-11:00", "Mon,Fri-Sun 10:00-11:00"),
            ("Sun-Sat 00:00-24:00", "always"),
            ("never", "never"),
            (
                "Sat 10:00-24:00; Sun 00:00-02:00",
                "Sat 10:00-24:00; Sun 00:00-02:00",
            ),
            (
                "Mon,Tue,Thu 09:00-10:00; Wed 11:00-12:00",
                "Mon-Tue,Thu 09:00-10:00; Wed 11:00-12:00",
            ),
        ];
        for (spec, canonical) in specs {
            let x = w(spec);
            assert_eq!(x.to_string(), canonical);
            assert_eq!(w(canonical), x);
            assert_eq!(x.to_string().parse::<WeeklyWindow>().unwrap(), x);
        }
    }

    #[test]
    fn contains_is_half_open() {
        let x = w("Mon-Fri 09:00-20:00");
        assert!(!x.contains(Weekday::Monday, 539));
        assert!(x.contains(Weekday::Monday, 540));
        assert!(x.contains(Weekday::Monday, 1199));
        assert!(!x.contains(Weekday::Monday, 1200));
        assert!(!x.contains(Weekday::Saturday, 600));
        assert!(!x.contains(Weekday::Monday, 5000));
        let y = w("Sun 23:00-24:00");
        assert!(y.contains(Weekday::Sunday, 1439));
        assert!(!y.contains(Weekday::Sunday, 1440));
    }

    #[test]
    fn status_in_utc_exact_boundaries() {
        let x = w("Mon-Fri 09:00-20:00; Sat 10:00-14:00");
        let z = TimeZone::UTC;
        // 2026-03-02 is a Monday.
        let open = utc(date(2026, 3, 2).at(9, 0, 0, 0));
        let close = utc(date(2026, 3, 2).at(20, 0, 0, 0));
        assert_eq!(status_at(&x, &z, open - 1), st(false, open));
        assert_eq!(status_at(&x, &z, open), st(true, close));
        assert_eq!(status_at(&x, &z, close - 1), st(true, close));
        let next_open = utc(date(2026, 3, 3).at(9, 0, 0, 0));
        assert_eq!(status_at(&x, &z, close), st(false, next_open));

        // Friday evening -> Saturday 10:00; Saturday 14:00 -> Monday 09:00.
        let fri_close = utc(date(2026, 3, 6).at(20, 0, 0, 0));
        let sat_open = utc(date(2026, 3, 7).at(10, 0, 0, 0));
        let sat_close = utc(date(2026, 3, 7).at(14, 0, 0, 0));
        let mon_open = utc(date(2026, 3, 9).at(9, 0, 0, 0));
        assert_eq!(status_at(&x, &z, fri_close), st(false, sat_open));
        assert_eq!(status_at(&x, &z, sat_open + 1), st(true, sat_close));
        assert_eq!(status_at(&x, &z, sat_close), st(false, mon_open));

        // Mon-Fri only: Friday evening -> Monday morning.
        let y = w("Mon-Fri 09:00-20:00");
        assert_eq!(
            status_at(&y, &z, fri_close + 3_600_000),
            st(false, mon_open)
        );
    }

    #[test]
    fn status_across_midnight_and_week_end() {
        let z = TimeZone::UTC;
        // Touching intervals across midnight and across Sunday -> Monday
        // are one open span.
        let x = w("Sun 22:00-24:00; Mon 00:00-02:00; Wed 10:00-11:00");
        let sun = utc(date(2026, 3, 8).at(22, 0, 0, 0));
        let mon2 = utc(date(2026, 3, 9).at(2, 0, 0, 0));
        assert_eq!(status_at(&x, &z, sun), st(true, mon2));
        assert_eq!(status_at(&x, &z, sun - 1), st(false, sun));
        // Everything but Monday morning: wraps across the week boundary.
        let y = w("Mon 06:00-24:00; Tue-Sun 00:00-24:00; Mon 00:00-05:00");
        let mon5 = utc(date(2026, 3, 9).at(5, 0, 0, 0));
        let mon6 = utc(date(2026, 3, 9).at(6, 0, 0, 0));
        let next_mon5 = utc(date(2026, 3, 16).at(5, 0, 0, 0));
        assert_eq!(status_at(&y, &z, mon5), st(false, mon6));
        assert_eq!(status_at(&y, &z, mon6), st(true, next_mon5));
    }

    #[test]
    fn status_in_fixed_zones() {
        let x = w("Mon-Fri 09:00-20:00");
        // UTC+05:30: Monday 09:00 local is 03:30 UTC.
        let z = TimeZone::fixed(Offset::from_seconds(5 * 3600 + 1800).unwrap());
        let open = utc(date(2026, 3, 2).at(3, 30, 0, 0));
        let close = utc(date(2026, 3, 2).at(14, 30, 0, 0));
        assert_eq!(status_at(&x, &z, open - 1), st(false, open));
        assert_eq!(status_at(&x, &z, open), st(true, close));
        // UTC-10: Friday 20:00 local is Saturday 06:00 UTC; Monday 09:00
        // local is Monday 19:00 UTC.
        let z = TimeZone::fixed(Offset::from_seconds(-10 * 3600).unwrap());
        let fri_close = utc(date(2026, 3, 7).at(6, 0, 0, 0));
        let mon_open = utc(date(2026, 3, 9).at(19, 0, 0, 0));
        assert_eq!(status_at(&x, &z, fri_close - 1), st(true, fri_close));
        assert_eq!(status_at(&x, &z, fri_close), st(false, mon_open));
    }

    #[test]
    fn always_and_never_and_far_future() {
        let z = tz("America/New_York");
        for t in [0, 1_700_000_000_000, u64::MAX] {
            assert_eq!(
                status_at(&WeeklyWindow::always(), &z, t),
                st(true, u64::MAX)
            );
            assert_eq!(
                status_at(&WeeklyWindow::never(), &z, t),
                st(false, u64::MAX)
            );
        }
        let x = w("Mon-Fri 09:00-20:00");
        let max = Timestamp::MAX.as_millisecond() as u64;
        assert_eq!(status_at(&x, &z, max + 1), st(false, u64::MAX));
        assert_eq!(status_at(&x, &z, u64::MAX), st(false, u64::MAX));
        assert_eq!(status_at(&x, &z, i64::MAX as u64 + 1), st(false, u64::MAX));
        // Close to the end of the range, without panicking, and an open
        // answer never outlives the range.
        for back in [0, 1, 3_600_000, 86_400_000, 7 * 86_400_000] {
            let s = status_at(&x, &z, max - back);
            assert!(s.until_ms > max - back);
            if s.open {
                assert!(s.until_ms <= max + 1);
            }
        }
        let open_all_but = w("Mon-Sun 00:00-23:00");
        let s = status_at(&open_all_but, &TimeZone::UTC, max - 60_000);
        assert!(s.until_ms <= max + 1, "{s:?}");
    }

    #[test]
    fn new_york_spring_forward() {
        // 2026-03-08 (Sunday) 02:00 EST -> 03:00 EDT at 07:00 UTC.
        let ny = tz("America/New_York");
        let gap = utc(date(2026, 3, 8).at(7, 0, 0, 0));

        // Wholly inside the gap: empty that day, open the next Sunday.
        let x = w("Sun 02:00-03:00");
        let s = status_at(&x, &ny, utc(date(2026, 3, 8).at(0, 0, 0, 0)));
        assert!(!s.open);
        assert_eq!(
            show(&ny, s.until_ms),
            "2026-03-15T02:00:00-04:00[America/New_York]"
        );

        // 01:00-04:00 opens at 01:00 EST and closes at 04:00 EDT: 2 real hours.
        let x = w("Sun 01:00-04:00");
        let open = local(&ny, date(2026, 3, 8).at(1, 0, 0, 0));
        let close = local(&ny, date(2026, 3, 8).at(4, 0, 0, 0));
        assert_eq!(close - open, 2 * 3_600_000);
        assert_eq!(status_at(&x, &ny, open - 1), st(false, open));
        assert_eq!(status_at(&x, &ny, open), st(true, close));
        assert_eq!(status_at(&x, &ny, gap), st(true, close));

        // Starting inside the gap: opens at the transition (03:00 EDT), not
        // at 03:30 as `Disambiguation::Compatible` would put 02:30.
        let x = w("Sun 02:30-05:00");
        let s = status_at(&x, &ny, gap - 1);
        assert_eq!(s, st(false, gap));
        let compatible = ny
            .to_zoned_datetime(date(2026, 3, 8).at(2, 30, 0, 0))
            .unwrap()
            .timestamp()
            .as_millisecond() as u64;
        assert_eq!(compatible, gap + 1_800_000);

        // Ending inside the gap: closes at the transition.
        let x = w("Sun 01:00-02:30");
        let s = status_at(&x, &ny, gap - 1);
        assert_eq!(s, st(true, gap));

        // Business hours are unaffected but shift by an hour in UTC.
        let x = w("Mon-Fri 09:00-20:00");
        let fri = utc(date(2026, 3, 7).at(3, 0, 0, 0)); // Fri 22:00 EST
        assert_eq!(
            show(&ny, status_at(&x, &ny, fri).until_ms),
            "2026-03-09T09:00:00-04:00[America/New_York]"
        );
        assert_eq!(
            status_at(&x, &ny, fri).until_ms,
            utc(date(2026, 3, 9).at(13, 0, 0, 0))
        );
    }

    #[test]
    fn new_york_fall_back() {
        // 2026-11-01 (Sunday) 02:00 EDT -> 01:00 EST at 06:00 UTC.
        let ny = tz("America/New_York");
        let fold = utc(date(2026, 11, 1).at(6, 0, 0, 0));
        let midnight = utc(date(2026, 11, 1).at(4, 0, 0, 0));

        // Opening time in the fold: the earlier instant (what
        // `Disambiguation::Earlier` gives). When the clock is set back from
        // 02:00 to 01:00 it reads a time before the opening time again, so the
        // window closes until 01:30 comes round the second time.
        let x = w("Sun 01:30-03:00");
        let earlier = ny
            .to_ambiguous_timestamp(date(2026, 11, 1).at(1, 30, 0, 0))
            .disambiguate(Disambiguation::Earlier)
            .unwrap()
            .as_millisecond() as u64;
        assert_eq!(status_at(&x, &ny, midnight), st(false, earlier));
        assert_eq!(status_at(&x, &ny, earlier), st(true, fold));
        assert_eq!(
            flips(&x, &ny, midnight, 4),
            [
                "closed until 2026-11-01T01:30:00-04:00[America/New_York]",
                "open until 2026-11-01T01:00:00-05:00[America/New_York]",
                "closed until 2026-11-01T01:30:00-05:00[America/New_York]",
                "open until 2026-11-01T03:00:00-05:00[America/New_York]",
            ]
        );
        // An interval covering the whole fold stays open across it.
        let x = w("Sun 00:30-03:00");
        let open = local(&ny, date(2026, 11, 1).at(0, 30, 0, 0));
        let close = local(&ny, date(2026, 11, 1).at(3, 0, 0, 0));
        assert_eq!(status_at(&x, &ny, open), st(true, close));
        assert_eq!(close - open, 3 * 3_600_000 + 1_800_000);

        // Closing time in the fold: closes at its first occurrence, opens
        // again when the clock is set back into the interval, closes at the
        // second occurrence.
        let x = w("Sun 00:00-01:30");
        assert_eq!(
            flips(&x, &ny, midnight, 4),
            [
                "open until 2026-11-01T01:30:00-04:00[America/New_York]",
                "closed until 2026-11-01T01:00:00-05:00[America/New_York]",
                "open until 2026-11-01T01:30:00-05:00[America/New_York]",
                "closed until 2026-11-08T00:00:00-05:00[America/New_York]",
            ]
        );
        assert_eq!(status_at(&x, &ny, fold - 1), st(false, fold));

        // The repeated hour itself: 01:00-02:00 is open for 2 real hours.
        let x = w("Sun 01:00-02:00");
        let s = status_at(&x, &ny, midnight);
        assert_eq!(s.until_ms, utc(date(2026, 11, 1).at(5, 0, 0, 0)));
        let s = status_at(&x, &ny, s.until_ms);
        assert_eq!(s, st(true, utc(date(2026, 11, 1).at(7, 0, 0, 0))));
    }

    #[test]
    fn berlin_dst_days() {
        let berlin = tz("Europe/Berlin");
        // 2026-03-29: 02:00 CET -> 03:00 CEST at 01:00 UTC.
        let x = w("Sun 01:00-04:00");
        assert_eq!(
            flips(&x, &berlin, utc(date(2026, 3, 28).at(12, 0, 0, 0)), 2),
            [
                "closed until 2026-03-29T01:00:00+01:00[Europe/Berlin]",
                "open until 2026-03-29T04:00:00+02:00[Europe/Berlin]",
            ]
        );
        let x = w("Sun 02:00-03:00; Mon 09:00-17:00");
        assert_eq!(
            flips(&x, &berlin, utc(date(2026, 3, 29).at(0, 0, 0, 0)), 1),
            ["closed until 2026-03-30T09:00:00+02:00[Europe/Berlin]"]
        );
        // 2026-10-25: 03:00 CEST -> 02:00 CET at 01:00 UTC.
        let x = w("Sun 02:00-02:30");
        assert_eq!(
            flips(&x, &berlin, utc(date(2026, 10, 24).at(12, 0, 0, 0)), 5),
            [
                "closed until 2026-10-25T02:00:00+02:00[Europe/Berlin]",
                "open until 2026-10-25T02:30:00+02:00[Europe/Berlin]",
                "closed until 2026-10-25T02:00:00+01:00[Europe/Berlin]",
                "open until 2026-10-25T02:30:00+01:00[Europe/Berlin]",
                "closed until 2026-11-01T02:00:00+01:00[Europe/Berlin]",
            ]
        );
        let x = w("Mon-Fri 09:00-20:00");
        assert_eq!(
            flips(&x, &berlin, utc(date(2026, 10, 23).at(12, 0, 0, 0)), 3),
            [
                "open until 2026-10-23T20:00:00+02:00[Europe/Berlin]",
                "closed until 2026-10-26T09:00:00+01:00[Europe/Berlin]",
                "open until 2026-10-26T20:00:00+01:00[Europe/Berlin]",
            ]
        );
    }

    #[test]
    fn lord_howe_half_hour_shift() {
        // Australia/Lord_Howe: +10:30 standard, +11:00 summer. 2026-04-05
        // (Sunday) 02:00 +11 -> 01:30 +10:30; 2026-10-04 02:00 +10:30 ->
        // 02:30 +11.
        let lh = tz("Australia/Lord_Howe");
        let x = w("Sun 01:45-02:15");
        assert_eq!(
            flips(&x, &lh, utc(date(2026, 4, 4).at(12, 0, 0, 0)), 5),
            [
                "closed until 2026-04-05T01:45:00+11:00[Australia/Lord_Howe]",
                // 02:00 +11 becomes 01:30 +10:30: outside the interval.
                "open until 2026-04-05T01:30:00+10:30[Australia/Lord_Howe]",
                "closed until 2026-04-05T01:45:00+10:30[Australia/Lord_Howe]",
                "open until 2026-04-05T02:15:00+10:30[Australia/Lord_Howe]",
                "closed until 2026-04-12T01:45:00+10:30[Australia/Lord_Howe]",
            ]
        );
        // Spring forward skips 02:00-02:30: an interval there is empty.
        let y = w("Sun 02:00-02:30");
        assert_eq!(
            flips(&y, &lh, utc(date(2026, 10, 3).at(12, 0, 0, 0)), 1),
            ["closed until 2026-10-11T02:00:00+11:00[Australia/Lord_Howe]"]
        );
        let z = w("Sun 01:45-02:45");
        assert_eq!(
            flips(&z, &lh, utc(date(2026, 10, 3).at(12, 0, 0, 0)), 2),
            [
                "closed until 2026-10-04T01:45:00+10:30[Australia/Lord_Howe]",
                "open until 2026-10-04T02:45:00+11:00[Australia/Lord_Howe]",
            ]
        );
    }

    #[test]
    fn kiritimati_date_line() {
        // Pacific/Kiritimati is UTC+14: Monday 09:00 local is Sunday 19:00 UTC.
        let k = tz("Pacific/Kiritimati");
        let x = w("Mon-Fri 09:00-20:00");
        let mon_open = utc(date(2026, 3, 1).at(19, 0, 0, 0));
        let mon_close = utc(date(2026, 3, 2).at(6, 0, 0, 0));
        assert_eq!(status_at(&x, &k, mon_open - 1), st(false, mon_open));
        assert_eq!(status_at(&x, &k, mon_open), st(true, mon_close));
        // Friday 20:00 local is Friday 06:00 UTC; next open Sunday 19:00 UTC.
        let fri_close = utc(date(2026, 3, 6).at(6, 0, 0, 0));
        let next = utc(date(2026, 3, 8).at(19, 0, 0, 0));
        assert_eq!(status_at(&x, &k, fri_close), st(false, next));
        // Kiritimati skipped 1994-12-31 entirely (-10 -> +14): the Saturday
        // never happened there.
        let y = w("Sat 00:00-24:00");
        let s = status_at(&y, &k, utc(date(1994, 12, 30).at(0, 0, 0, 0)));
        assert!(!s.open);
        assert_eq!(
            show(&k, s.until_ms),
            "1995-01-07T00:00:00+14:00[Pacific/Kiritimati]"
        );
    }

    #[test]
    fn cache_recomputes_only_when_expired() {
        let mut zones = ZoneTable::new("UTC").unwrap();
        let ny = zones.intern("America/New_York").unwrap();
        let x = w("Mon-Fri 09:00-20:00");
        let mut cache = WindowCache::new();
        let open = local(zones.zone(ny), date(2026, 3, 2).at(9, 0, 0, 0));
        let close = local(zones.zone(ny), date(2026, 3, 2).at(20, 0, 0, 0));
        assert_eq!(cache.status(&x, &zones, ny, open - 5), st(false, open));
        assert_eq!(cache.status(&x, &zones, ny, open - 1), st(false, open));
        assert_eq!(cache.status(&x, &zones, ny, open), st(true, close));
        assert_eq!(
            cache.status(&x, &zones, ZoneId::DEFAULT, open),
            status_at(&x, &TimeZone::UTC, open)
        );
        // Time going backwards recomputes rather than trusting the cache.
        assert_eq!(cache.status(&x, &zones, ny, open - 1), st(false, open));
        // A stale window stays cached until clear().
        let y = WeeklyWindow::never();
        assert_eq!(cache.status(&y, &zones, ny, open - 1), st(false, open));
        cache.clear();
        assert_eq!(cache.status(&y, &zones, ny, open - 1), st(false, u64::MAX));
        // Unknown ids use the default zone, without panicking.
        assert_eq!(
            cache.status(&x, &zones, ZoneId(999), open),
            status_at(&x, &TimeZone::UTC, open)
        );
    }
}
