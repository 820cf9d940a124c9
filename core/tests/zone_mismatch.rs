//! `numbers.zone_mismatch`: a number given a zone other than the one its
//! number implies is dialed in the given zone, the number's, or
//! ("most_restrictive") only while the window is open in both — the window
//! edges in two zones, across DST, with calling rules, and a model test:
//! no Dial outside either zone's window.

mod util;

use std::collections::HashMap;

use dialcore::config::ZoneMismatch;
use dialcore::event::{Command, Event};
use dialcore::phone::{zone_of_number, NumberZone};
use dialcore::window::WeeklyWindow;
use dialcore::{Campaign, Mode};
use jiff::civil::date;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use proptest::prelude::*;
use util::*;

const MIN: u64 = 60_000;
const DAY: u64 = 24 * 60 * MIN;

fn at(zone: &str, y: i16, m: i8, d: i8, h: i8, min: i8) -> u64 {
    date(y, m, d)
        .at(h, min, 0, 0)
        .in_tz(zone)
        .unwrap()
        .timestamp()
        .as_millisecond() as u64
}

fn mismatch_campaign(mode: ZoneMismatch, window: &str) -> Campaign {
    let mut cfg = config(Mode::Predictive);
    cfg.calling_window = WeeklyWindow::parse(window).unwrap();
    cfg.predictive_ratio = 1.0;
    cfg.retry.max_attempts = 200;
    cfg.numbers.zone_mismatch = mode;
    campaign(cfg)
}

/// Every Dial in `[from, to)`, polling at each deadline (calls rejected:
/// retried 5 minutes later).
fn dial_times(c: &mut Campaign, from: u64, to: u64) -> Vec<u64> {
    let mut out = Vec::new();
    let mut t = from;
    while t < to {
        for cmd in poll(c, t) {
            if let Command::Dial { call, .. } = cmd {
                c.handle(Event::Rejected(call), t).unwrap();
                out.push(t);
            }
        }
        t = c.next_deadline().unwrap_or(u64::MAX).max(t + 1);
    }
    out
}

#[test]
fn the_three_choices_at_the_window_edges_in_two_zones() {
    // A New York number given Los Angeles; window 09:00-17:00 local.
    let day = |z: &str, h, m| at(z, 2026, 6, 1, h, m); // a Monday
    let ny = "America/New_York";
    let la = "America/Los_Angeles";
    for (mode, first, last_before) in [
        (ZoneMismatch::Given, day(la, 9, 0), day(la, 17, 0)),
        (ZoneMismatch::Number, day(ny, 9, 0), day(ny, 17, 0)),
        // Both: from 09:00 in LA (12:00 NY) to 17:00 in NY (14:00 LA).
        (ZoneMismatch::MostRestrictive, day(la, 9, 0), day(ny, 17, 0)),
    ] {
        let mut c = mismatch_campaign(mode, "Mon-Sun 09:00-17:00");
        c.add_contact("+1 212 555 0100", "", Some(la), 0).unwrap();
        ready_operator(&mut c, day("UTC", 0, 0));
        let dials = dial_times(&mut c, day("UTC", 0, 0), day("UTC", 0, 0) + 2 * DAY);
        assert_eq!(dials[0], first, "{mode}");
        let today: Vec<u64> = dials
            .iter()
            .copied()
            .filter(|&t| t < first + DAY / 2)
            .collect();
        let last = *today.last().unwrap();
        assert!(
            last < last_before && last + 5 * MIN >= last_before,
            "{mode}: {last}"
        );
        let next = dials.iter().copied().find(|&t| t > last).unwrap();
        assert_eq!(next, first + DAY, "{mode}: the next morning");
    }
}

#[test]
fn most_restrictive_across_dst_in_zones_that_shift_apart() {
    // A Phoenix number (no DST) given Denver: the same clock until the US
    // spring forward (2026-03-08), then Denver is an hour ahead.
    // One day's dials, from a fresh campaign (the attempts would run out).
    let day = |d: i8| {
        let mut c = mismatch_campaign(ZoneMismatch::MostRestrictive, "Mon-Sun 09:00-17:00");
        c.add_contact("+1 602 555 0100", "", Some("America/Denver"), 0)
            .unwrap();
        let from = at("America/Phoenix", 2026, 3, d, 0, 0);
        ready_operator(&mut c, from);
        dial_times(&mut c, from, from + DAY)
    };
    let first_on = |d: i8| day(d)[0];
    let last_on = |d: i8| *day(d).last().unwrap();
    assert_eq!(first_on(7), at("America/Denver", 2026, 3, 7, 9, 0));
    assert!(last_on(7) >= at("America/Denver", 2026, 3, 7, 16, 55));
    // After the change: from 09:00 Phoenix (10:00 Denver) to 17:00 Denver.
    assert_eq!(first_on(9), at("America/Phoenix", 2026, 3, 9, 9, 0));
    let last = last_on(9);
    assert!(last < at("America/Denver", 2026, 3, 9, 17, 0));
    assert!(last >= at("America/Denver", 2026, 3, 9, 16, 55));
}

#[test]
fn most_restrictive_follows_the_rules_in_both_zones() {
    // Rules for the number's region (US-NY) hold in both zones too.
    let mut c = mismatch_campaign(ZoneMismatch::MostRestrictive, "always");
    c.load_rules("[regions.US-NY]\nhours = \"Mon-Sun 10:00-12:00\"\n")
        .unwrap();
    c.add_contact("+1 212 555 0100", "", Some("America/Chicago"), 0)
        .unwrap();
    let from = at("UTC", 2026, 6, 1, 0, 0);
    ready_operator(&mut c, from);
    let dials = dial_times(&mut c, from, from + DAY);
    // 10:00-12:00 Chicago and 10:00-12:00 New York: 10:00-11:00 Chicago.
    assert_eq!(dials[0], at("America/Chicago", 2026, 6, 1, 10, 0));
    assert!(*dials.last().unwrap() < at("America/Chicago", 2026, 6, 1, 11, 0));
}

#[test]
fn the_choice_is_a_config_field() {
    use dialcore::config::{config_field, FieldValue};
    let field = config_field("zone_mismatch").unwrap();
    let mut cfg = config(Mode::Predictive);
    (field.set)(&mut cfg, FieldValue::Text("most-restrictive".into())).unwrap();
    assert_eq!(cfg.numbers.zone_mismatch, ZoneMismatch::MostRestrictive);
    assert_eq!(
        (field.get)(&cfg),
        FieldValue::Text("most_restrictive".into())
    );
    let err = (field.set)(&mut cfg, FieldValue::Text("strict".into())).unwrap_err();
    assert!(err.contains("strict"), "{err}");
    assert_eq!(cfg.numbers.zone_mismatch, ZoneMismatch::MostRestrictive);
    assert_eq!(
        dialcore::CampaignConfig::default().numbers.zone_mismatch,
        ZoneMismatch::Given
    );
}

/// Numbers of several zones, and the zones a host might give them.
const NUMBERS: &[&str] = &[
    "+1 212 555 0100", // New York
    "+1 310 555 0101", // Los Angeles
    "+1 602 555 0102", // Phoenix, no DST
    "+1 808 555 0103", // Honolulu
    "+49 30 1234567",  // Berlin
    "+1 800 555 0105", // toll free: no zone of its own
];
const GIVEN: &[&str] = &[
    "America/New_York",
    "America/Los_Angeles",
    "America/Denver",
    "Europe/London",
    "Asia/Tokyo",
];

fn open_in(window: &WeeklyWindow, zone: &str, t: u64) -> bool {
    let tz = TimeZone::get(zone).unwrap();
    let local = tz.to_datetime(Timestamp::from_millisecond(t as i64).unwrap());
    window.contains(
        local.weekday(),
        local.hour() as u16 * 60 + local.minute() as u16,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    /// With "most_restrictive" the gate never emits a Dial outside the
    /// window of the given zone or of the number's zone.
    #[test]
    fn no_dial_outside_either_zone(
        contacts in proptest::collection::vec(
            (proptest::sample::select(NUMBERS), proptest::sample::select(GIVEN)),
            1..8,
        ),
        window in proptest::sample::select(vec![
            "Mon-Sun 09:00-17:00", "Mon-Fri 08:00-21:00; Sat 10:00-14:00", "Mon-Sun 20:00-24:00, 00:00-02:00",
        ]),
        // Around the US spring forward and the EU fall back.
        start in proptest::sample::select(vec![(3i8, 6i8), (10, 23)]),
        steps in proptest::collection::vec(1u64..40, 200..500),
    ) {
        let mut c = mismatch_campaign(ZoneMismatch::MostRestrictive, window);
        let w = WeeklyWindow::parse(window).unwrap();
        let mut zones = HashMap::new();
        // One contact whose zones agree, so that there are dials to check.
        let contacts: Vec<(&str, &str)> = std::iter::once(("+1 212 555 0199", "America/New_York"))
            .chain(contacts)
            .collect();
        for &(phone, given) in &contacts {
            let id = c.add_contact(phone, "", Some(given), 0).unwrap();
            zones.insert(id, given);
        }
        let from = at("UTC", 2026, start.0, start.1, 0, 0);
        for _ in 0..contacts.len() {
            ready_operator(&mut c, from);
        }
        let mut t = from;
        let mut dials = 0;
        for step in steps {
            t += step * 10 * MIN;
            for cmd in poll(&mut c, t) {
                if let Command::Dial { call, number, .. } = cmd {
                    dials += 1;
                    let given = zones[&call.contact];
                    prop_assert!(open_in(&w, given, t), "+{} at {} closed in {}", number, t, given);
                    if let NumberZone::One(own) = zone_of_number(number) {
                        prop_assert!(open_in(&w, own, t), "+{} at {} closed in {}", number, t, own);
                    }
                    c.handle(Event::Rejected(call), t).unwrap();
                }
            }
        }
        prop_assert!(dials > 0, "no dial: the test saw nothing");
    }
}
