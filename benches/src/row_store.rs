//! The array-of-structs baselines: contacts as structs with `String`
//! numbers and an enum state, the way most dialers keep them — keyed by id
//! in a `HashMap<u64, RowContact>` ([`RowStore`]), or, since ids are dense,
//! in a plain `Vec<RowContact>` indexed by id ([`RowVec`], what a careful
//! engineer writes; no hashing, contiguous rows). The benches run both and
//! the report compares dialcore with the faster one.

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

impl RowStore {
    /// Adds one contact; returns its id.
    pub fn push(&mut self, contact: RowContact) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        self.contacts.insert(id, contact);
        id
    }

    /// Loads a CSV contact list (`phone`, `external_id`, `timezone`,
    /// `priority` columns, found by header name) with the `csv` crate, the
    /// way one would without dialcore: one reused `StringRecord`, the number
    /// normalized to `+` and digits and checked for length (a bad one is
    /// skipped), a bad priority read as 0. Returns how many were added.
    pub fn load_csv(&mut self, path: &std::path::Path) -> Result<usize, csv::Error> {
        parse_csv(path, |c| {
            self.push(c);
        })
    }
}

/// The CSV parser of [`RowStore::load_csv`] and [`RowVec::load_csv`],
/// handing each good row to `put`; returns how many it handed.
pub fn parse_csv(
    path: &std::path::Path,
    mut put: impl FnMut(RowContact),
) -> Result<usize, csv::Error> {
    let mut reader = csv::Reader::from_path(path)?;
    let headers = reader.headers()?.clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name))
    };
    let phone = column("phone").ok_or_else(|| {
        csv::Error::from(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "no phone column",
        ))
    })?;
    let (external_id, timezone, priority) = (
        column("external_id"),
        column("timezone"),
        column("priority"),
    );
    let mut record = csv::StringRecord::new();
    let mut added = 0;
    while reader.read_record(&mut record)? {
        // `+` and the digits, built in the one `String` the contact keeps.
        let raw = &record[phone];
        let mut number = String::with_capacity(raw.len() + 1);
        number.push('+');
        number.extend(raw.chars().filter(char::is_ascii_digit));
        if !(9..=16).contains(&number.len()) {
            continue;
        }
        let field = |i: Option<usize>| i.and_then(|i| record.get(i)).unwrap_or("");
        let tz = field(timezone).trim();
        put(RowContact {
            number,
            external_id: field(external_id).to_owned(),
            timezone: (!tz.is_empty()).then(|| tz.to_owned()),
            state: RowState::Initial,
            attempts: 0,
            priority: field(priority).trim().parse().unwrap_or(0),
            retry_at_ms: None,
        });
        added += 1;
    }
    Ok(added)
}

/// Contacts as a `Vec<RowContact>`, the id being the index.
#[derive(Debug, Default)]
pub struct RowVec {
    /// The contacts, by id.
    pub contacts: Vec<RowContact>,
}

impl RowVec {
    /// Adds contacts with the given numbers; returns how many there are.
    pub fn extend_numbers(&mut self, numbers: &[u64]) -> usize {
        self.contacts.reserve(numbers.len());
        self.contacts.extend(numbers.iter().map(|&n| RowContact {
            number: format!("+{n}"),
            external_id: String::new(),
            timezone: None,
            state: RowState::Initial,
            attempts: 0,
            priority: 0,
            retry_at_ms: None,
        }));
        self.contacts.len()
    }

    /// Counts the contacts in `state` by scanning them.
    pub fn count(&self, state: RowState) -> usize {
        self.contacts.iter().filter(|c| c.state == state).count()
    }

    /// Loads a CSV contact list like [`RowStore::load_csv`], into the `Vec`.
    pub fn load_csv(&mut self, path: &std::path::Path) -> Result<usize, csv::Error> {
        parse_csv(path, |c| self.contacts.push(c))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vec_and_map_hold_the_same_rows() {
        let mut map = RowStore::default();
        let mut vec = RowVec::default();
        assert_eq!(map.extend_numbers(&[12125550100, 12125550101]), 2);
        assert_eq!(vec.extend_numbers(&[12125550100, 12125550101]), 2);
        vec.contacts[1].state = RowState::RetryScheduled;
        map.contacts.get_mut(&1).unwrap().state = RowState::RetryScheduled;
        assert_eq!(vec.count(RowState::RetryScheduled), 1);
        assert_eq!(map.count(RowState::RetryScheduled), 1);
        assert_eq!(vec.contacts[0].number, map.contacts[&0].number);
    }
}
