//! Calling rules by place and date: weekly hours and day bans per region,
//! holiday calendars, and per-number caps, loaded from a TOML rule file.
//!
//! A [`RuleSet`] has one campaign-wide [`Rule`] and any number of region
//! rules, each for an ISO 3166 region ([`crate::nanp::Region`]): a whole
//! country (`US`, applying to every US number) or a subdivision (`US-FL`).
//! A number is subject to the campaign rule and to every region rule that
//! matches one of its candidate regions (its region from the NANP area
//! code; several candidates when the area code serves several regions — all
//! of them apply). A number with no region at all (toll-free, non-NANP) is
//! subject to every region rule when the file says `unresolved =
//! "most-restrictive"` (the default: fail closed) or to the campaign rule
//! alone with `"campaign"`.
//!
//! **Most restrictive wins.** The rules that apply combine by intersection:
//! a number may be dialed at an instant only when the campaign's calling
//! window, every applicable rule's weekly hours (minus its closed days) are
//! open in the contact's local time, and the local date is no applicable
//! rule's holiday; and only while every applicable cap (and the campaign's
//! `max_attempts_per_24h`) has room. [`Schedule`] is that combination,
//! compiled once per distinct set of applicable rules ([`RuleMask`]) and
//! answered exactly with "open?" and "until when?" like
//! [`crate::window::status_at`], so the engine can park contacts per
//! (zone, rule set) with one timer instead of scanning them
//! ([`slots::RuleSlots`]).
//!
//! The file format is in [`parse`] and the README; errors name the line
//! and the field ([`RulesError`]).

use std::fmt;

use jiff::tz::TimeZone;
use smallvec::SmallVec;

use crate::nanp::Region;
use crate::window::{status_at, WeeklyWindow, WindowStatus};

pub mod holidays;
pub mod parse;
pub mod recurring;
pub mod schedule;
pub mod slots;

pub use holidays::Holidays;
pub use recurring::{Yearly, YearlyDate};
pub use schedule::Schedule;

/// Most region rules one file may have (a bit each in a [`RuleMask`]).
pub const MAX_REGION_RULES: usize = 128;

/// Longest cap period, in hours (one week).
pub const MAX_CAP_HOURS: u32 = 168;

/// At most `max_calls` dials to one number in any `period_ms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cap {
    /// Dials allowed in the period (at least 1).
    pub max_calls: u32,
    /// The rolling period, in ms.
    pub period_ms: u64,
}

/// One rule: weekly hours (closed days already removed), holidays and caps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// When calls may start, in local time (`always` when the rule sets none).
    pub hours: WeeklyWindow,
    /// Local dates on which no call may start.
    pub holidays: Holidays,
    /// Per-number caps.
    pub caps: SmallVec<[Cap; 1]>,
}

impl Default for Rule {
    fn default() -> Self {
        Rule {
            hours: WeeklyWindow::always(),
            holidays: Holidays::default(),
            caps: SmallVec::new(),
        }
    }
}

/// What applies to a number without any region (toll-free, non-NANP, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Unresolved {
    /// Every region rule applies (fail closed; the default).
    #[default]
    MostRestrictive,
    /// Only the campaign rule applies.
    Campaign,
}

/// The set of region rules that apply to a number: bit `i` is region rule `i`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct RuleMask(pub u128);

/// A loaded rule file. The default is the empty file: it restricts nothing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RuleSet {
    /// The rule every number follows.
    pub campaign: Rule,
    /// Region rules, in file order.
    pub regions: Vec<(Region, Rule)>,
    /// Numbers with no region.
    pub unresolved: Unresolved,
    /// The file text the set was read from (journaled as it is).
    pub text: String,
}

/// Error in a rule file: where, which field, what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RulesError {
    /// 1-based line of the offending value (0: not tied to a line).
    pub line: usize,
    /// The field's dotted path (`regions.US-FL.hours`), or empty.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for RulesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.field.is_empty()) {
            (0, true) => write!(f, "rules: {}", self.message),
            (0, false) => write!(f, "rules: {}: {}", self.field, self.message),
            (l, true) => write!(f, "rules line {l}: {}", self.message),
            (l, false) => write!(f, "rules line {l}: {}: {}", self.field, self.message),
        }
    }
}

impl std::error::Error for RulesError {}

impl RuleSet {
    /// Reads a rule file (see [`parse`] for the format).
    pub fn parse(text: &str) -> Result<RuleSet, RulesError> {
        parse::parse(text)
    }

    /// The region rules that apply to a number whose candidate regions are
    /// `regions` (empty: no region, see [`Unresolved`]). A rule applies when
    /// its region is a candidate or the whole country of one.
    pub fn mask_for(&self, regions: &[Region]) -> RuleMask {
        if regions.is_empty() {
            return match self.unresolved {
                Unresolved::Campaign => RuleMask(0),
                Unresolved::MostRestrictive => RuleMask(if self.regions.len() >= 128 {
                    u128::MAX
                } else {
                    (1u128 << self.regions.len()) - 1
                }),
            };
        }
        let mut mask = 0u128;
        for (i, (rule_region, _)) in self.regions.iter().enumerate() {
            let hit = regions.iter().any(|r| {
                r == rule_region
                    || (rule_region.subdivision_code().is_none()
                        && r.country_code() == rule_region.country_code())
            });
            if hit {
                mask |= 1 << i;
            }
        }
        RuleMask(mask)
    }

    /// The combination of the campaign's `window`, the campaign rule and the
    /// region rules in `mask`: the most restrictive of all of them.
    pub fn compile(&self, window: &WeeklyWindow, mask: RuleMask) -> Schedule {
        let mut schedule = Schedule::from_rule(window, &self.campaign);
        for (i, (_, rule)) in self.regions.iter().enumerate() {
            if mask.0 & (1 << i) != 0 {
                schedule.restrict(rule);
            }
        }
        schedule
    }

    /// The longest cap period of any rule (0: no caps), for how long dial
    /// times must be remembered.
    pub fn longest_cap_ms(&self) -> u64 {
        std::iter::once(&self.campaign)
            .chain(self.regions.iter().map(|(_, r)| r))
            .flat_map(|r| r.caps.iter())
            .map(|c| c.period_ms)
            .max()
            .unwrap_or(0)
    }
}

/// Combines two statuses of the same instant: open while both are.
///
/// Exact for open (the first instant either closes); for closed, the
/// earliest instant it can open is found by stepping over the closed
/// parts (`step` re-evaluates both at a later instant).
pub(crate) fn both_open(
    mut step: impl FnMut(u64) -> (WindowStatus, WindowStatus),
    now_ms: u64,
) -> WindowStatus {
    let mut t = now_ms;
    for _ in 0..64 {
        let (a, b) = step(t);
        match (a.open, b.open) {
            (true, true) if t == now_ms => {
                return WindowStatus {
                    open: true,
                    until_ms: a.until_ms.min(b.until_ms),
                }
            }
            (true, true) => {
                return WindowStatus {
                    open: false,
                    until_ms: t,
                }
            }
            _ => {
                let mut next = 0;
                if !a.open {
                    next = next.max(a.until_ms);
                }
                if !b.open {
                    next = next.max(b.until_ms);
                }
                if next == u64::MAX {
                    return WindowStatus {
                        open: false,
                        until_ms: u64::MAX,
                    };
                }
                t = next.max(t + 1);
            }
        }
    }
    // Conservative: closed at least until `t`; the timer looks again there.
    WindowStatus {
        open: false,
        until_ms: t,
    }
}

/// Status of a weekly window and a holiday calendar together.
pub(crate) fn window_and_holidays(
    window: &WeeklyWindow,
    holidays: &Holidays,
    tz: &TimeZone,
    now_ms: u64,
) -> WindowStatus {
    if holidays.is_empty() {
        return status_at(window, tz, now_ms);
    }
    both_open(
        |t| (status_at(window, tz, t), holidays.status_at(tz, t)),
        now_ms,
    )
}
