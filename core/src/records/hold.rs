//! Why the engine held a contact back: the reason a `held back` journal
//! sub-record (kind 16) carries, written where the compliance guard (or a
//! pause) refused a dial, and read back into the attempt records and the
//! audit's hold-back table. The codes are part of the journal format: a code
//! is never reused or renumbered.

/// Why a contact was held back instead of dialed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HoldReason {
    /// The calling window of the contact's zone was closed (parked).
    Window = 1,
    /// The number was offered to an operator or in another call.
    NumberBusy = 2,
    /// The per-number cap over 24 hours (`max_attempts_per_24h`) was reached.
    DailyCap = 3,
    /// The campaign was paused between an operator's accept and the dial.
    Paused = 4,
    /// The number was blacklisted when the contact came up.
    Blacklisted = 5,
    /// The contact's attempts were used up (`max_attempts`).
    AttemptsExhausted = 6,
    /// A floor's per-number cap (24 hours or N days, over every campaign of
    /// the floor) was reached.
    FloorCap = 7,
    /// The number is on the floor's national do-not-call registry.
    DncRegistry = 8,
    /// The number is on one of the floor's do-not-call lists in scope.
    DncList = 9,
}

impl HoldReason {
    /// Every reason, in code order.
    pub const ALL: [HoldReason; 9] = [
        HoldReason::Window,
        HoldReason::NumberBusy,
        HoldReason::DailyCap,
        HoldReason::Paused,
        HoldReason::Blacklisted,
        HoldReason::AttemptsExhausted,
        HoldReason::FloorCap,
        HoldReason::DncRegistry,
        HoldReason::DncList,
    ];

    /// The reason of a journal code, `None` for a code this build does not know.
    pub fn from_code(code: u8) -> Option<HoldReason> {
        HoldReason::ALL.into_iter().find(|r| *r as u8 == code)
    }

    /// The name used in the records (`held_back_reasons`) and the audit.
    pub fn name(self) -> &'static str {
        match self {
            HoldReason::Window => "window",
            HoldReason::NumberBusy => "number_busy",
            HoldReason::DailyCap => "daily_cap",
            HoldReason::Paused => "paused",
            HoldReason::Blacklisted => "blacklisted",
            HoldReason::AttemptsExhausted => "attempts_exhausted",
            HoldReason::FloorCap => "floor_cap",
            HoldReason::DncRegistry => "dnc_registry",
            HoldReason::DncList => "dnc_list",
        }
    }
}

impl std::fmt::Display for HoldReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_unknown_codes_are_refused() {
        for r in HoldReason::ALL {
            assert_eq!(HoldReason::from_code(r as u8), Some(r));
        }
        assert_eq!(HoldReason::from_code(0), None);
        assert_eq!(HoldReason::from_code(10), None);
    }
}
