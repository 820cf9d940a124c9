//! Retry policy: what happens to a contact after an attempt that did not
//! reach the client.
//!
//! For each kind of outcome — busy, no answer, answering machine, dial failure,
//! abandoned — the policy says whether to try again and after how long. On top
//! of that come two caps: the lifetime maximum of attempts per contact (used
//! up → `NotReached`), and an optional cap of attempts per number in any
//! rolling 24 hours (some US states allow 3), which delays the next dial
//! rather than ending the contact.

use crate::state::{Outcome, State};

/// Whether and when to retry one kind of outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryRule {
    /// Try again (while attempts are left).
    pub retry: bool,
    /// How long after the attempt ended.
    pub delay_ms: u64,
}

impl RetryRule {
    /// Retry after `delay_ms`.
    pub const fn after(delay_ms: u64) -> Self {
        RetryRule {
            retry: true,
            delay_ms,
        }
    }

    /// Never retry this outcome.
    pub const fn never() -> Self {
        RetryRule {
            retry: false,
            delay_ms: 0,
        }
    }
}

/// The retry policy of a campaign.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The client rejected the call (busy). Default: retry after 5 minutes.
    pub busy: RetryRule,
    /// No answer, unreachable, or the ring timeout. Default: after 30 minutes.
    pub no_answer: RetryRule,
    /// An answering machine answered. Default: after 2 hours.
    pub machine: RetryRule,
    /// The dial could not be initiated. Default: after 5 minutes.
    pub dial_failed: RetryRule,
    /// The client answered and was dropped before an operator came
    /// (CanceledByClient). Default: no retry.
    pub abandoned: RetryRule,
    /// Attempts per contact over its life; used up → `NotReached`. Default 5.
    pub max_attempts: u8,
    /// Attempts per number in any rolling 24 hours (0 = no cap). Default 0.
    pub max_attempts_per_24h: u8,
    /// For this long after a contact's call was abandoned, redial it only
    /// with an operator reserved for it first (UK practice: 72 hours,
    /// `72 * 3_600_000`). 0 turns the policy off (the default).
    pub reserve_operator_after_abandon_ms: u64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            busy: RetryRule::after(5 * 60_000),
            no_answer: RetryRule::after(30 * 60_000),
            machine: RetryRule::after(2 * 3_600_000),
            dial_failed: RetryRule::after(5 * 60_000),
            abandoned: RetryRule::never(),
            max_attempts: 5,
            max_attempts_per_24h: 0,
            reserve_operator_after_abandon_ms: 0,
        }
    }
}

/// Where a contact goes after an attempt that did not reach the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryDecision {
    /// RetryScheduled, due at this time.
    RetryAt(u64),
    /// A terminal state: the outcome is not retried, or attempts are used up.
    Final(State),
}

impl RetryPolicy {
    /// The rule for an outcome (outcomes that reach the client have none).
    pub fn rule(&self, outcome: Outcome) -> Option<RetryRule> {
        match outcome {
            Outcome::Busy => Some(self.busy),
            Outcome::NoAnswer => Some(self.no_answer),
            Outcome::Machine => Some(self.machine),
            Outcome::DialFailed => Some(self.dial_failed),
            Outcome::Abandoned => Some(self.abandoned),
            _ => None,
        }
    }

    /// Decides for a contact that has made `attempts` attempts and whose last
    /// one ended with `outcome` at `now_ms`.
    pub fn decide(&self, outcome: Outcome, attempts: u8, now_ms: u64) -> RetryDecision {
        let not_retried = match outcome {
            Outcome::DialFailed => State::DialFailed,
            Outcome::Abandoned => State::CanceledByClient,
            _ => State::NotReached,
        };
        match self.rule(outcome) {
            Some(rule) if rule.retry && attempts < self.max_attempts => {
                RetryDecision::RetryAt(now_ms.saturating_add(rule.delay_ms))
            }
            Some(rule) if rule.retry => RetryDecision::Final(State::NotReached),
            _ => RetryDecision::Final(not_retried),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_until_attempts_are_used_up() {
        let policy = RetryPolicy::default();
        assert_eq!(
            policy.decide(Outcome::Busy, 1, 1_000),
            RetryDecision::RetryAt(1_000 + 300_000)
        );
        assert_eq!(
            policy.decide(Outcome::NoAnswer, 4, 0),
            RetryDecision::RetryAt(1_800_000)
        );
        assert_eq!(
            policy.decide(Outcome::NoAnswer, 5, 0),
            RetryDecision::Final(State::NotReached)
        );
    }

    #[test]
    fn outcomes_not_retried_keep_their_own_terminal_state() {
        let mut policy = RetryPolicy::default();
        assert_eq!(
            policy.decide(Outcome::Abandoned, 1, 0),
            RetryDecision::Final(State::CanceledByClient)
        );
        policy.dial_failed = RetryRule::never();
        assert_eq!(
            policy.decide(Outcome::DialFailed, 1, 0),
            RetryDecision::Final(State::DialFailed)
        );
        policy.busy = RetryRule::never();
        assert_eq!(
            policy.decide(Outcome::Busy, 1, 0),
            RetryDecision::Final(State::NotReached)
        );
        assert_eq!(policy.rule(Outcome::Connected), None);
    }
}
