//! The dialing policy for contacts with several numbers.
//!
//! A contact may have up to 16 numbers (see [`crate::store`]). The policy
//! says which one is dialed: [`NumberOrder::InOrder`] dials them in order,
//! moving to the next number after an outcome that says this number did
//! not reach the person (busy, no answer or unreachable, dial failed) or
//! after [`NumberPolicy::attempts_per_number`] attempts on it, and wraps
//! around; the contact's own zone (that of number #0) decides the calling
//! window. [`NumberOrder::OwnWindow`] moves on the same way, but each
//! number is dialed only inside its own zone's window, so a contact whose
//! current number is outside its window is dialed on the next number
//! whose window is open. Either way a contact is in at most one call at a
//! time, the contact's `max_attempts` caps all its numbers together and
//! `attempts_per_number` caps each one.

use std::fmt;

/// Which of a contact's numbers is dialed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum NumberOrder {
    /// In order, moving on after a "not reached" outcome or the per-number
    /// cap; the contact's zone decides the window (the default).
    #[default]
    InOrder,
    /// In order, each number only in its own zone's window.
    OwnWindow,
}

impl NumberOrder {
    /// The order's name (`"in_order"`, `"own_window"`).
    pub fn name(self) -> &'static str {
        match self {
            NumberOrder::InOrder => "in_order",
            NumberOrder::OwnWindow => "own_window",
        }
    }

    /// Parses a name, case-insensitively; `-` and `_` are the same.
    pub fn from_name(name: &str) -> Option<NumberOrder> {
        let name = name.trim().replace('-', "_");
        [NumberOrder::InOrder, NumberOrder::OwnWindow]
            .into_iter()
            .find(|o| o.name().eq_ignore_ascii_case(&name))
    }
}

impl fmt::Display for NumberOrder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What a number whose given zone differs from the zone its number implies
/// ([`crate::phone::zone_of_number`]: one zone for its area code or
/// country) is dialed under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ZoneMismatch {
    /// The given zone (the default).
    #[default]
    Given,
    /// The number's zone.
    Number,
    /// Both: dialed only while the calling window (and the rules of its
    /// regions) is open in the given zone and in the number's zone.
    MostRestrictive,
}

impl ZoneMismatch {
    /// The choice's name (`"given"`, `"number"`, `"most_restrictive"`).
    pub fn name(self) -> &'static str {
        match self {
            ZoneMismatch::Given => "given",
            ZoneMismatch::Number => "number",
            ZoneMismatch::MostRestrictive => "most_restrictive",
        }
    }

    /// Parses a name, case-insensitively; `-` and `_` are the same.
    pub fn from_name(name: &str) -> Option<ZoneMismatch> {
        let name = name.trim().replace('-', "_");
        [
            ZoneMismatch::Given,
            ZoneMismatch::Number,
            ZoneMismatch::MostRestrictive,
        ]
        .into_iter()
        .find(|o| o.name().eq_ignore_ascii_case(&name))
    }
}

impl fmt::Display for ZoneMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How a campaign dials contacts with several numbers.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct NumberPolicy {
    /// Which number is dialed.
    pub order: NumberOrder,
    /// Attempts on one number before the next is dialed, and the most one
    /// number gets (0 = no per-number cap, the default; at most
    /// [`crate::store::MAX_NUMBER_ATTEMPTS`]). Once every number of a
    /// contact has used it up the contact is NotReached.
    pub attempts_per_number: u8,
    /// A number added without a time zone takes the zone its number implies
    /// ([`crate::phone::zone_of_number`]: NANP area codes, single-zone
    /// countries) instead of the campaign default (off by default; applies
    /// to `add_contact_numbers` and `add_contacts_numbers`).
    pub zone_from_number: bool,
    /// With `zone_from_number`: the IANA zone for numbers whose zone is
    /// ambiguous or unknown (toll free, a country spanning zones); empty
    /// (the default) fails closed: such a number is left out of its contact,
    /// reported and counted ([`crate::campaign::several::ZoneCounts`]).
    pub fallback_timezone: String,
    /// A number given a zone other than its number's: dialed under the
    /// given zone, the number's, or only while both are open (see
    /// [`ZoneMismatch`]; applies to every add, with or without
    /// `zone_from_number`).
    pub zone_mismatch: ZoneMismatch,
}
