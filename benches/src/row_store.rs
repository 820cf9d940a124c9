//! The array-of-structs baseline: contacts as a `HashMap<u64, Contact>` with
//! `String` numbers and an enum state, the way most dialers keep them.

use std::collections::HashMap;

/// A contact's state in the row-store baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RowState {
    /// Ready for calling.
    Initial,
    /// On the blacklist.
    Blacklisted,
    /// Another attempt is scheduled.
    RetryScheduled,
    /// Being called.
    Calling,
    /// Reached.
    Success,
}

/// One contact as a struct.
#[derive(Debug, Clone)]
pub struct RowContact {
    /// The number as text, E.164 with `+`.
    pub number: String,
    /// The host's id.
    pub external_id: String,
    /// Its IANA time zone, when it has one.
    pub timezone: Option<String>,
    /// Its state.
    pub state: RowState,
    /// Attempts made.
    pub attempts: u8,
    /// Selection priority.
    pub priority: u8,
    /// When the next attempt is due, if one is scheduled.
    pub retry_at_ms: Option<u64>,
}

/// Contacts keyed by id in a `HashMap`.
#[derive(Debug, Default)]
pub struct RowStore {
    /// The contacts.
    pub contacts: HashMap<u64, RowContact>,
    next_id: u64,
}

impl RowStore {
    /// Adds contacts with the given numbers; returns how many there are.
    pub fn extend_numbers(&mut self, numbers: &[u64]) -> usize {
        self.contacts.reserve(numbers.len());
        for &n in numbers {
            let id = self.next_id;
            self.next_id += 1;
            self.contacts.insert(
                id,
                RowContact {
                    number: format!("+{n}"),
                    external_id: String::new(),
                    timezone: None,
                    state: RowState::Initial,
                    attempts: 0,
                    priority: 0,
                    retry_at_ms: None,
                },
            );
        }
        self.contacts.len()
    }

    /// Counts the contacts in `state` by scanning them.
    pub fn count(&self, state: RowState) -> usize {
        self.contacts.values().filter(|c| c.state == state).count()
    }
}
