//! Brute-force check of calling windows against jiff's wall clock.
//!
//! For random weekly windows (random minute-granular intervals per weekday,
//! boundaries biased towards the small hours where DST changes happen, towards
//! whole and half hours, and towards 00:00/24:00 so spans join across
//! midnight and across Sunday → Monday), random zones from a list with DST,
//! half-hour and 45-minute offsets, 30-minute DST shifts, southern-hemisphere
//! rules, midnight transitions and UTC+14, and random start instants in
//! 2025–2027 (half of them a few days before one of the zone's offset
//! transitions), the test walks forward minute by minute for three days and
//! checks at every step that:
//! - `status_at(..).open` equals "the local wall time (jiff's
//!   `TimeZone::to_datetime`) is inside one of the intervals written for that
//!   weekday" — computed from the raw intervals, not from the window;
//! - `until_ms` is the same for every instant of a span (it is exact), the
//!   reference does not change strictly before it (checked at every minute
//!   and at `until_ms - 1`) and does change at `until_ms`.
//!
//! A second property checks single instants over a much wider range
//! (1970–2200, historical offsets with seconds, the POSIX-rule future) at the
//! returned boundary and one millisecond either side.

use dialcore::window::{status_at, WeeklyWindow, WindowStatus};
use jiff::civil::Weekday;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use proptest::prelude::*;

const ZONES: &[&str] = &[
    "UTC",
    "America/New_York",
    "Europe/Berlin",
    "Australia/Lord_Howe",
    "Pacific/Kiritimati",
    "Pacific/Chatham",
    "America/St_Johns",
    "America/Santiago",
    "Asia/Kathmandu",
    "Africa/Casablanca",
    "Europe/Dublin",
    "America/Havana",
];

const MINUTE: u64 = 60_000;
const DAY: u64 = 86_400_000;
/// 2025-01-01T00:00:00Z and 2028-01-01T00:00:00Z.
const START_2025: u64 = 1_735_689_600_000;
const END_2027: u64 = 1_830_297_600_000;

/// Raw intervals as generated: (weekday index Mon=0, start, end).
type Raw = Vec<(usize, u16, u16)>;

fn minute() -> impl Strategy<Value = u16> {
    prop_oneof![
        3 => 0u16..=1440,
        3 => 0u16..=240,           // the small hours: DST changes
        2 => (0u16..=48).prop_map(|h| h * 30),
        1 => Just(0u16),
        1 => Just(1440u16),
    ]
}

fn raw_intervals() -> impl Strategy<Value = Raw> {
    prop::collection::vec((0usize..7, minute(), minute()), 0..12).prop_map(|v| {
        v.into_iter()
            .filter(|&(_, a, b)| a != b)
            .map(|(d, a, b)| (d, a.min(b), a.max(b)))
            .collect()
    })
}

fn weekday(d: usize) -> Weekday {
    Weekday::from_monday_zero_offset(d as i8).unwrap()
}

fn build(raw: &Raw) -> WeeklyWindow {
    let mut w = WeeklyWindow::never();
    for &(d, s, e) in raw {
        w.add(weekday(d), s, e).unwrap();
    }
    w
}

/// The reference: jiff's wall time at `ms`, looked up in the raw intervals.
fn reference(raw: &Raw, tz: &TimeZone, ms: u64) -> bool {
    let dt = tz.to_datetime(Timestamp::from_millisecond(ms as i64).unwrap());
    let d = dt.weekday().to_monday_zero_offset() as usize;
    let m = dt.hour() as u16 * 60 + dt.minute() as u16;
    raw.iter().any(|&(day, s, e)| day == d && s <= m && m < e)
}

/// A start instant: uniform in 2025–2027, or 0–3 days before one of the
/// zone's offset transitions in that range.
fn start(tz: &TimeZone, pick: u64, near_transition: bool, back: u64) -> u64 {
    let uniform = START_2025 + pick % (END_2027 - START_2025);
    if !near_transition {
        return uniform;
    }
    let from = Timestamp::from_millisecond(uniform as i64).unwrap();
    match tz.following(from).next() {
        Some(tr) => {
            let t = tr.timestamp().as_millisecond() as u64;
            t.saturating_sub(back % (3 * DAY)).max(START_2025)
        }
        None => uniform,
    }
}

fn check_walk(raw: &Raw, zone: &str, t0: u64) -> Result<(), TestCaseError> {
    let tz = TimeZone::get(zone).unwrap();
    let window = build(raw);
    prop_assert_eq!(
        WeeklyWindow::parse(&window.to_string()).unwrap(),
        window.clone()
    );
    let end = t0 + 3 * DAY;
    let mut span = status_at(&window, &tz, t0);
    let mut t = t0;
    let mut flips = 0;
    while t < end {
        if t >= span.until_ms {
            // The boundary itself, and one ms either side.
            let b = span.until_ms;
            prop_assert_eq!(reference(raw, &tz, b - 1), span.open, "{} at {}-1", zone, b);
            prop_assert_ne!(reference(raw, &tz, b), span.open, "{} at {}", zone, b);
            let at_b = status_at(&window, &tz, b);
            prop_assert_eq!(at_b.open, !span.open, "{} at {}", zone, b);
            prop_assert!(at_b.until_ms > b);
            prop_assert_eq!(status_at(&window, &tz, b - 1), span, "{} at {}-1", zone, b);
            if at_b.until_ms > b + 1 {
                prop_assert_eq!(status_at(&window, &tz, b + 1), at_b, "{} at {}+1", zone, b);
            }
            span = at_b;
            flips += 1;
            continue;
        }
        let s = status_at(&window, &tz, t);
        prop_assert_eq!(
            s.open,
            reference(raw, &tz, t),
            "{} at {} ({})",
            zone,
            t,
            window
        );
        prop_assert_eq!(s, span, "{} at {}: until not exact", zone, t);
        t += MINUTE;
    }
    if window.is_always() || window.is_never() {
        prop_assert_eq!(flips, 0);
        prop_assert_eq!(span.until_ms, u64::MAX);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(160))]

    #[test]
    fn walk_matches_wall_clock(
        raw in raw_intervals(),
        zone in prop::sample::select(ZONES),
        pick in any::<u64>(),
        near in any::<bool>(),
        back in any::<u64>(),
    ) {
        let tz = TimeZone::get(zone).unwrap();
        check_walk(&raw, zone, start(&tz, pick, near, back))?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(5000))]

    /// Single instants over a wide range: the answer matches the wall clock
    /// at now, just before `until_ms` and at it.
    #[test]
    fn boundaries_match_wall_clock_1970_2200(
        raw in raw_intervals(),
        zone in prop::sample::select(ZONES),
        now in 0u64..7_258_118_400_000, // 1970..2200
    ) {
        let tz = TimeZone::get(zone).unwrap();
        let window = build(&raw);
        let s: WindowStatus = status_at(&window, &tz, now);
        prop_assert_eq!(s.open, reference(&raw, &tz, now));
        if s.until_ms != u64::MAX {
            prop_assert!(s.until_ms > now);
            prop_assert_eq!(reference(&raw, &tz, s.until_ms - 1), s.open);
            prop_assert_ne!(reference(&raw, &tz, s.until_ms), s.open);
            prop_assert_eq!(status_at(&window, &tz, s.until_ms - 1), s);
            // Any instant in between agrees (sampled: the middle).
            let mid = now + (s.until_ms - now) / 2;
            prop_assert_eq!(status_at(&window, &tz, mid), s);
            prop_assert_eq!(reference(&raw, &tz, mid), s.open);
        } else {
            prop_assert!(window.is_always() || window.is_never());
        }
    }
}

/// Every transition of every listed zone in 2025–2027 (and one week either
/// side), with windows whose boundaries sit on every half hour of the night:
/// the walk above, but deterministic and dense where DST happens.
#[test]
fn every_transition_2025_2027() {
    let windows: Vec<Raw> = vec![
        // Every other half hour from 00:00 to 05:00, every day.
        (0..7)
            .flat_map(|d| (0..10).step_by(2).map(move |k| (d, k * 30, k * 30 + 30)))
            .collect(),
        // The other half hours.
        (0..7)
            .flat_map(|d| (1..10).step_by(2).map(move |k| (d, k * 30, k * 30 + 30)))
            .collect(),
        // Open across midnight Saturday/Sunday only, with a gap 01:45-02:15.
        vec![(5, 1320, 1440), (6, 0, 105), (6, 135, 240)],
    ];
    let mut transitions = 0;
    for &zone in ZONES {
        let tz = TimeZone::get(zone).unwrap();
        let mut from = Timestamp::from_millisecond(START_2025 as i64).unwrap();
        while let Some(tr) = tz.following(from).next() {
            let at = tr.timestamp().as_millisecond() as u64;
            if at >= END_2027 {
                break;
            }
            transitions += 1;
            for raw in &windows {
                check_walk_short(raw, &tz, at - DAY / 2, at + DAY / 2);
            }
            from = tr.timestamp();
        }
    }
    assert!(transitions > 40, "{transitions}");
}

/// A plain-assert version of the walk over `[from, to)` at 5-minute steps.
fn check_walk_short(raw: &Raw, tz: &TimeZone, from: u64, to: u64) {
    let window = build(raw);
    let mut span = status_at(&window, tz, from);
    let mut t = from;
    while t < to {
        if t >= span.until_ms {
            let b = span.until_ms;
            assert_eq!(reference(raw, tz, b - 1), span.open);
            assert_ne!(reference(raw, tz, b), span.open, "{window} at {b}");
            span = status_at(&window, tz, b);
            continue;
        }
        let s = status_at(&window, tz, t);
        assert_eq!(s.open, reference(raw, tz, t), "{window} at {t}");
        assert_eq!(s, span, "{window} at {t}");
        t += 5 * MINUTE;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Arbitrary text never panics the parser; what parses round-trips
    /// through `Display`, and every error message quotes some input.
    #[test]
    fn parse_never_panics(spec in "[MonTueWdhFriSatSu,;: 0-9\\-aéA-Z]{0,40}") {
        match WeeklyWindow::parse(&spec) {
            Ok(w) => prop_assert_eq!(WeeklyWindow::parse(&w.to_string()).unwrap(), w),
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
    }

    /// Windows built from random intervals round-trip through `Display`.
    #[test]
    fn display_round_trips(raw in raw_intervals()) {
        let w = build(&raw);
        prop_assert_eq!(w.to_string().parse::<WeeklyWindow>().unwrap(), w);
    }
}
