//! Calling rules and contacts with several numbers together: each number
//! goes through the rules of its own region, so a person's Florida mobile
//! is never dialed while Florida's rules are closed, even when their New
//! York number is open and the policy moves on to the mobile.

mod util;

use dialcore::campaign::several::PhoneInput;
use dialcore::config::NumberOrder;
use dialcore::event::{Command, Event};
use dialcore::retry::RetryRule;
use dialcore::{Campaign, CampaignConfig, Mode};
use util::*;

const NEW_YORK: &str = "+1 212 555 0100";
const FLORIDA: &str = "+1 305 555 0104";
const NEW_YORK_DIGITS: u64 = 12125550100;
const FLORIDA_DIGITS: u64 = 13055550104;

fn predictive(order: NumberOrder) -> CampaignConfig {
    let mut c = config(Mode::Predictive);
    c.predictive_ratio = 1.0;
    c.retry.busy = RetryRule::after(MIN);
    c.retry.max_attempts = 40;
    c.numbers.order = order;
    c
}

/// Runs a one-person campaign (New York first, then Florida) for `steps`
/// busy attempts and returns the digits of every Dial.
fn dialed(order: NumberOrder, rules: Option<&str>, steps: usize) -> Vec<u64> {
    let mut c: Campaign = campaign(predictive(order));
    if let Some(text) = rules {
        c.load_rules(text).unwrap();
    }
    let phones = [PhoneInput::new(NEW_YORK), PhoneInput::new(FLORIDA)];
    let (_, rejected) = c.add_contact_numbers(&phones, "", 0).unwrap();
    assert!(rejected.is_empty(), "{rejected:?}");
    ready_operator(&mut c, T0);
    let mut out = Vec::new();
    let mut t = T0;
    while out.len() < steps && t < T0 + 30 * DAY {
        for cmd in poll(&mut c, t) {
            if let Command::Dial { call, number, .. } = cmd {
                out.push(number);
                c.handle(Event::Rejected(call), t).unwrap();
            }
        }
        t = c.next_deadline().unwrap_or(u64::MAX).max(t + 1);
    }
    out
}

#[test]
fn without_rules_the_policy_moves_on_to_the_second_number() {
    for order in [NumberOrder::InOrder, NumberOrder::OwnWindow] {
        let dials = dialed(order, None, 6);
        assert_eq!(dials.len(), 6, "{order:?}");
        assert!(dials.contains(&FLORIDA_DIGITS), "{order:?}: {dials:?}");
        assert!(dials.contains(&NEW_YORK_DIGITS), "{order:?}: {dials:?}");
    }
}

#[test]
fn a_closed_region_keeps_its_number_out_while_the_other_number_is_dialed() {
    let rules = "[regions.US-FL]\nhours = \"never\"\n";
    for order in [NumberOrder::InOrder, NumberOrder::OwnWindow] {
        let dials = dialed(order, Some(rules), 6);
        assert_eq!(
            dials.len(),
            6,
            "{order:?}: the New York number stays dialable"
        );
        assert!(
            dials.iter().all(|&n| n == NEW_YORK_DIGITS),
            "{order:?}: {dials:?}"
        );
    }
}

#[test]
fn a_region_cap_counts_per_number_of_the_person() {
    // Florida allows one call a day to a number; New York has no cap.
    let rules = "[regions.US-FL]\nmax_calls = 1\nper_hours = 24\n";
    let dials = dialed(NumberOrder::InOrder, Some(rules), 10);
    let florida = dials.iter().filter(|&&n| n == FLORIDA_DIGITS).count();
    assert_eq!(florida, 1, "{dials:?}");
    assert_eq!(dials.len(), 10);
}
