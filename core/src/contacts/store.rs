//! The contact store: one campaign's contacts as a struct of arrays.
//!
//! A contact is an index ([`ContactId`], a `u32`) into parallel columns:
//!
//! | column | type | bytes |
//! |---|---|---|
//! | state | `u8` ([`State`] code) | 1 |
//! | attempts | `u8` | 1 |
//! | last outcome | `u8` ([`Outcome`] code) | 1 |
//! | priority | `u8` (higher first) | 1 |
//! | time zone | `u16` ([`ZoneId`]) | 2 |
//! | number | `u64`: number #0's E.164 digits (low 50 bits; 0 = none) and the number header (top 14, see `multi`) | 8 |
//! | external id end | `u32` offset into one byte arena | 4, or 0 |
//!
//! 18 bytes a contact plus the external ids' bytes, with no per-contact heap
//! allocation; 14 for contacts loaded without external ids (numbers from a
//! host's array, a CSV without an id column): the external-id column covers
//! only the ids up to the last contact that has a non-empty external id, and
//! every contact past its end has the empty id. Scans that touch one column (count the `Calling` contacts,
//! find the due retries) read only that column: 10M states are 10 MB, which a
//! core streams in about a millisecond, where an array of 64-byte structs
//! would be 640 MB. The columns can be handed to numpy or C as they are.
//!
//! The number column is private behind masked accessors (`column`):
//! [`ContactStore::numbers`] is a view of the digits, never the words.
//!
//! Every state write goes through [`ContactStore::set_state`] (or the checked
//! [`ContactStore::apply`], which consults the transition table first), and
//! both keep a per-state counter, so [`ContactStore::counts`] is O(1) and
//! always equals [`ContactStore::recount`].
//!
//! Rare data lives beside the columns: the reason and raw text of invalid
//! numbers in a small map and arena, and the number → contacts index
//! (about 5 bytes a contact, built in bulk) for the blacklist and for
//! duplicate-number checks.

mod column;
#[cfg(test)]
mod header_model;
mod multi;
mod numbers;
mod scan;

pub(crate) use column::NumberColumn;
pub use column::NumberDigits;
pub use multi::{ExtraNumber, NumberKind, MAX_EXTRA_ZONE, MAX_NUMBERS, MAX_NUMBER_ATTEMPTS};
pub(crate) use multi::{NumberState, Numbers};

use std::fmt;
use std::fmt::Write as _;
use std::ops::Range;

use hashbrown::HashMap;
use smallvec::SmallVec;

use crate::blacklist::Blacklist;
use crate::index::NumberIndex;
use crate::phone::{self, PhoneError, PhoneRules};
use crate::state::{self, Outcome, State, Trigger, STATE_COUNT};
use crate::zones::ZoneId;

/// Index of a contact in its campaign's store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ContactId(pub u32);

impl ContactId {
    /// The id as a column index.
    #[inline]
    pub const fn index(self) -> usize {
        self.0 as usize
    }
}

impl fmt::Display for ContactId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "contact #{}", self.0)
    }
}

/// The most contacts a campaign holds: the one limit the store, the timer
/// wheel (whose keys above it are list sentinels) and the selection queue
/// agree on. Adding past it is [`StoreError::Full`] before anything changes;
/// [`ContactStore::with_capacity_limit`] lowers it for one store.
pub const MAX_CONTACTS: usize = crate::wheel::MAX_KEYS;
const _: () = assert!(MAX_CONTACTS <= crate::wheel::MAX_KEYS && MAX_CONTACTS < u32::MAX as usize);

/// A store's contact limit, [`MAX_CONTACTS`] unless lowered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ContactLimit(usize);

impl Default for ContactLimit {
    fn default() -> Self {
        ContactLimit(MAX_CONTACTS)
    }
}

/// A contact to add: its parsed number and the fields of its import row.
#[derive(Debug, Clone, Copy)]
pub struct NewContact<'a> {
    /// The normalized number, or why the raw text is not a number.
    pub number: Result<u64, PhoneError>,
    /// The phone text as given, kept for invalid records so they can be reported and fixed.
    pub raw_phone: &'a str,
    /// The host's own id for the contact (CRM key); may be empty.
    pub external_id: &'a str,
    /// The contact's time zone.
    pub zone: ZoneId,
    /// Selection priority, higher first.
    pub priority: u8,
}

/// [`NewContact`] with its texts as UTF-8 bytes, for bulk appends
/// ([`ContactStore::push_unindexed_state`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct NewRow<'a> {
    /// The normalized number, or why the raw text is not a number.
    pub(crate) number: Result<u64, PhoneError>,
    /// The phone text (UTF-8), kept for an invalid number.
    pub(crate) raw_phone: &'a [u8],
    /// The external id (UTF-8); may be empty.
    pub(crate) external_id: &'a [u8],
    /// The contact's time zone.
    pub(crate) zone: ZoneId,
    /// Selection priority, higher first.
    pub(crate) priority: u8,
}

impl<'a> NewContact<'a> {
    /// A contact from a phone text, parsed with `rules`, default zone and priority 0.
    pub fn parse(phone: &'a str, rules: PhoneRules) -> Self {
        NewContact {
            number: phone::normalize(phone, rules),
            raw_phone: phone,
            external_id: "",
            zone: ZoneId::DEFAULT,
            priority: 0,
        }
    }

    /// The same contact with an external id.
    pub fn with_external_id(mut self, external_id: &'a str) -> Self {
        self.external_id = external_id;
        self
    }

    /// The same contact with a time zone.
    pub fn with_zone(mut self, zone: ZoneId) -> Self {
        self.zone = zone;
        self
    }

    /// The same contact with a priority.
    pub fn with_priority(mut self, priority: u8) -> Self {
        self.priority = priority;
        self
    }
}

/// Errors of the store's own operations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreError {
    /// The id names no contact of this store.
    UnknownContact(ContactId),
    /// The trigger is not legal in the contact's state, or may not lead to the asked state.
    IllegalTransition {
        /// The contact.
        contact: ContactId,
        /// Its state, unchanged.
        state: State,
        /// What was attempted.
        trigger: Trigger,
        /// The state that was asked for.
        to: State,
    },
    /// The store is full (its contact limit, [`MAX_CONTACTS`] unless
    /// lowered), or the external-id arena passed 4 GiB.
    Full,
    /// A new number for an invalid record is itself invalid.
    InvalidNumber(PhoneError),
    /// The contact has no number with this index.
    NoSuchNumber {
        /// The contact.
        contact: ContactId,
        /// The index asked for (0 is the first number).
        index: usize,
    },
    /// Extra numbers that cannot be stored: past [`MAX_NUMBERS`] a contact,
    /// a zone id not below [`MAX_EXTRA_ZONE`], or added to a contact that
    /// is not the newest (the reason says which).
    Numbers(&'static str),
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::UnknownContact(id) => write!(f, "unknown {id}"),
            StoreError::IllegalTransition {
                contact,
                state,
                trigger,
                to,
            } => write!(
                f,
                "{trigger} cannot move {contact} from {} to {}",
                state.name(),
                to.name()
            ),
            StoreError::Full => f.write_str("contact store is full"),
            StoreError::InvalidNumber(e) => write!(f, "invalid phone number: {e}"),
            StoreError::NoSuchNumber { contact, index } => {
                write!(f, "{contact} has no number #{index}")
            }
            StoreError::Numbers(why) => write!(f, "extra numbers not stored: {why}"),
        }
    }
}

impl std::error::Error for StoreError {}

/// Per-state contact counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts(pub [u32; STATE_COUNT]);

impl Counts {
    /// The count of one state.
    #[inline]
    pub fn get(&self, state: State) -> u32 {
        self.0[state as usize]
    }

    /// Total contacts.
    pub fn total(&self) -> u64 {
        self.0.iter().map(|&c| u64::from(c)).sum()
    }

    /// `(state, count)` pairs in code order.
    pub fn iter(&self) -> impl Iterator<Item = (State, u32)> + '_ {
        State::ALL.into_iter().map(|s| (s, self.get(s)))
    }
}

/// Why a contact is an invalid record, and the text it was imported with.
#[derive(Debug, Clone, Copy)]
struct InvalidInfo {
    reason: PhoneError,
    raw: (u32, u32),
}

/// `fmt::Write` into the invalid records' raw-text arena.
struct RawDigits<'a>(&'a mut Vec<u8>);

impl fmt::Write for RawDigits<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

/// What applying a blacklist change to the contacts did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BlacklistEffect {
    /// Contacts whose state changed, with the state they left.
    pub changed: SmallVec<[(ContactId, State); 2]>,
    /// Live contacts left alone: the caller applies the change when their call ends.
    pub deferred: SmallVec<[ContactId; 2]>,
}

/// The contacts of one campaign, as columns.
#[derive(Debug, Clone, Default)]
pub struct ContactStore {
    state: Vec<u8>,
    attempts: Vec<u8>,
    last_outcome: Vec<u8>,
    priority: Vec<u8>,
    zone: Vec<u16>,
    /// Number #0's digits and each contact's number header, and the
    /// numbers after #0 of contacts with several (see `column`, `multi`).
    numbers: Numbers,
    external_end: Vec<u32>,
    external_arena: Vec<u8>,
    counts: Counts,
    invalid: HashMap<u32, InvalidInfo>,
    invalid_raw: Vec<u8>,
    index: NumberIndex,
    limit: ContactLimit,
}

/// One of a contact's numbers, with its per-number state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContactNumber {
    /// E.164 digits (0 for an invalid record's number #0).
    pub number: u64,
    /// Mobile, home, work or other.
    pub kind: NumberKind,
    /// Its time zone.
    pub zone: ZoneId,
    /// Attempts made on this number (extra numbers count up to
    /// [`MAX_NUMBER_ATTEMPTS`]).
    pub attempts: u8,
    /// The outcome of this number's last attempt.
    pub last_outcome: Outcome,
}

impl ContactStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty store that holds at most `limit` contacts (at most
    /// [`MAX_CONTACTS`]; a larger value is taken as [`MAX_CONTACTS`]).
    pub fn with_capacity_limit(limit: usize) -> Self {
        ContactStore {
            limit: ContactLimit(limit.min(MAX_CONTACTS)),
            ..Self::default()
        }
    }

    /// The most contacts this store holds.
    pub fn capacity_limit(&self) -> usize {
        self.limit.0
    }

    /// Sets the most contacts this store holds: `limit` must be at least
    /// the contacts already held and at most [`MAX_CONTACTS`]; otherwise
    /// nothing changes and the accepted range is returned as the error.
    pub fn set_capacity_limit(&mut self, limit: usize) -> Result<(), (usize, usize)> {
        let range = (self.len(), MAX_CONTACTS);
        if limit < range.0 || limit > range.1 {
            return Err(range);
        }
        self.limit = ContactLimit(limit);
        Ok(())
    }

    /// An empty store with room for `contacts` contacts.
    pub fn with_capacity(contacts: usize) -> Self {
        let mut store = Self::default();
        store.reserve(contacts);
        store
    }

    /// Makes room for `additional` more contacts in every column.
    pub fn reserve(&mut self, additional: usize) {
        self.state.reserve(additional);
        self.attempts.reserve(additional);
        self.last_outcome.reserve(additional);
        self.priority.reserve(additional);
        self.zone.reserve(additional);
        self.numbers.reserve(additional);
    }

    /// Number of contacts.
    #[inline]
    pub fn len(&self) -> usize {
        self.state.len()
    }

    /// True if the store holds no contact.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.state.is_empty()
    }

    /// True if `id` names a contact of this store.
    #[inline]
    pub fn contains(&self, id: ContactId) -> bool {
        id.index() < self.len()
    }

    /// Adds one contact. Its state is `InvalidRecord` when the number is
    /// invalid, `Blacklisted` when it is on `blacklist`, `Initial` otherwise.
    pub fn push(
        &mut self,
        contact: NewContact<'_>,
        blacklist: &Blacklist,
    ) -> Result<ContactId, StoreError> {
        // Text was gated by `phone::normalize`; a number given as an integer
        // passes the same gate here.
        let contact = NewContact {
            number: contact.number.and_then(phone::check_e164),
            ..contact
        };
        let id = self.push_unindexed(contact, blacklist)?;
        self.index.push(id.0, self.numbers.column());
        Ok(id)
    }

    /// Adds many contacts with already normalized numbers, all with the same
    /// priority and zone and no external id. Returns the new ids.
    ///
    /// This is the bulk path: one pass per column. Every number passes the
    /// number gate ([`phone::check_e164`]) like a number read from text: one
    /// that fails (0, `911`, a 20-digit value, an unknown country code …)
    /// becomes an `InvalidRecord` with the gate's reason, its decimal digits
    /// kept as the raw text.
    pub fn extend_numbers(
        &mut self,
        numbers: &[u64],
        priority: u8,
        zone: ZoneId,
        blacklist: &Blacklist,
    ) -> Result<Range<u32>, StoreError> {
        let first = self.len();
        if numbers.len() > self.limit.0 - first {
            return Err(StoreError::Full);
        }
        self.reserve(numbers.len());
        let n = numbers.len();
        self.attempts.resize(first + n, 0);
        self.last_outcome.resize(first + n, Outcome::None as u8);
        self.priority.resize(first + n, priority);
        self.zone.resize(first + n, zone.0);
        let check_blacklist = !blacklist.is_empty();
        let mut blacklisted = 0u32;
        let mut invalid = 0u32;
        for (offset, &number) in numbers.iter().enumerate() {
            let id = (first + offset) as u32;
            match phone::check_e164(number) {
                Ok(number) => {
                    self.numbers.push(number);
                    if check_blacklist && blacklist.contains(number) {
                        blacklisted += 1;
                        self.state.push(State::Blacklisted as u8);
                    } else {
                        self.state.push(State::Initial as u8);
                    }
                }
                Err(reason) => {
                    invalid += 1;
                    self.numbers.push(0);
                    self.state.push(State::InvalidRecord as u8);
                    let start = self.invalid_raw.len() as u32;
                    if number != 0 {
                        let _ = write!(RawDigits(&mut self.invalid_raw), "{number}");
                    }
                    let len = self.invalid_raw.len() as u32 - start;
                    self.invalid.insert(
                        id,
                        InvalidInfo {
                            reason,
                            raw: (start, len),
                        },
                    );
                }
            }
        }
        self.index.extend(self.numbers.column(), None);
        let counts = &mut self.counts.0;
        counts[State::Initial as usize] += n as u32 - blacklisted - invalid;
        counts[State::Blacklisted as usize] += blacklisted;
        counts[State::InvalidRecord as usize] += invalid;
        Ok(first as u32..(first + n) as u32)
    }

    fn push_columns(&mut self, state: State, number: u64, zone: ZoneId, priority: u8) {
        let id = self.len() as u32;
        self.state.push(state as u8);
        self.attempts.push(0);
        self.last_outcome.push(Outcome::None as u8);
        self.priority.push(priority);
        self.zone.push(zone.0);
        self.numbers.push(number);
        self.counts.0[state as usize] += 1;
        self.index.push(id, self.numbers.column());
    }

    fn check(&self, id: ContactId) -> Result<usize, StoreError> {
        if self.contains(id) {
            Ok(id.index())
        } else {
            Err(StoreError::UnknownContact(id))
        }
    }

    /// The state of a contact.
    #[inline]
    pub fn state(&self, id: ContactId) -> Option<State> {
        self.state
            .get(id.index())
            .map(|&code| State::from_code(code).unwrap_or(State::InvalidRecord))
    }

    /// Writes a state without consulting the transition table, keeping the
    /// counters exact. For imports, recovery and tests; the engine uses
    /// [`ContactStore::apply`]. Returns the previous state.
    pub fn set_state(&mut self, id: ContactId, to: State) -> Result<State, StoreError> {
        let i = self.check(id)?;
        let from = self.state[i];
        self.counts.0[from as usize] -= 1;
        self.counts.0[to as usize] += 1;
        self.state[i] = to as u8;
        Ok(State::from_code(from).unwrap_or(State::InvalidRecord))
    }

    /// Moves a contact to `to` if the transition table allows `trigger` to
    /// do so from its current state; otherwise changes nothing and returns
    /// `IllegalTransition`. Returns the previous state.
    pub fn apply(
        &mut self,
        id: ContactId,
        trigger: Trigger,
        to: State,
    ) -> Result<State, StoreError> {
        let i = self.check(id)?;
        let from = State::from_code(self.state[i]).unwrap_or(State::InvalidRecord);
        if !state::allows(from, trigger, to) {
            return Err(StoreError::IllegalTransition {
                contact: id,
                state: from,
                trigger,
                to,
            });
        }
        self.set_state(id, to)
    }

    /// O(1) per-state counts, kept on every state write.
    #[inline]
    pub fn counts(&self) -> &Counts {
        &self.counts
    }

    /// Counts the state column from scratch (a check of [`ContactStore::counts`]).
    pub fn recount(&self) -> Counts {
        Counts(scan::histogram(&self.state))
    }

    /// Number of attempts made on a contact.
    pub fn attempts(&self, id: ContactId) -> Option<u8> {
        self.attempts.get(id.index()).copied()
    }

    /// Counts one more attempt (saturating at 255); returns the new count.
    pub fn add_attempt(&mut self, id: ContactId) -> Result<u8, StoreError> {
        let i = self.check(id)?;
        self.attempts[i] = self.attempts[i].saturating_add(1);
        Ok(self.attempts[i])
    }

    /// Sets the attempt count (recovery, tests).
    pub fn set_attempts(&mut self, id: ContactId, attempts: u8) -> Result<(), StoreError> {
        let i = self.check(id)?;
        self.attempts[i] = attempts;
        Ok(())
    }

    /// The last outcome of a contact's attempts.
    pub fn last_outcome(&self, id: ContactId) -> Option<Outcome> {
        self.last_outcome
            .get(id.index())
            .map(|&c| Outcome::from_code(c).unwrap_or_default())
    }

    /// Records the outcome of an attempt.
    pub fn set_last_outcome(&mut self, id: ContactId, outcome: Outcome) -> Result<(), StoreError> {
        let i = self.check(id)?;
        self.last_outcome[i] = outcome as u8;
        Ok(())
    }

    /// A contact's priority (higher first).
    pub fn priority(&self, id: ContactId) -> Option<u8> {
        self.priority.get(id.index()).copied()
    }

    /// A contact's time zone.
    pub fn zone(&self, id: ContactId) -> Option<ZoneId> {
        self.zone.get(id.index()).map(|&z| ZoneId(z))
    }

    /// A contact's number (E.164 digits), `None` for an invalid record.
    pub fn number(&self, id: ContactId) -> Option<u64> {
        self.numbers.get_digits(id.index()).filter(|&n| n != 0)
    }

    /// A contact's external id ("" when none was given).
    pub fn external_id(&self, id: ContactId) -> Option<&str> {
        std::str::from_utf8(self.external_bytes(id)?).ok()
    }

    /// A contact's external id as stored; `None` for an unknown id.
    pub(crate) fn external_bytes(&self, id: ContactId) -> Option<&[u8]> {
        let i = id.index();
        if i >= self.len() {
            return None;
        }
        let arena = self.external_arena.len();
        let end_of = |j: usize| self.external_end.get(j).map_or(arena, |&e| e as usize);
        let start = if i == 0 { 0 } else { end_of(i - 1) };
        Some(&self.external_arena[start..end_of(i)])
    }

    /// Bytes in the external-id arena (the ids' text, all contacts).
    pub(crate) fn external_arena_len(&self) -> usize {
        self.external_arena.len()
    }

    /// Appends the external id of the contact about to get id `id` (the
    /// next one): a non-empty id first extends the end column up to it.
    fn push_external(&mut self, id: u32, external_id: &[u8]) -> Result<(), StoreError> {
        if external_id.is_empty() {
            return Ok(());
        }
        let before = self.external_arena.len();
        let end = before
            .checked_add(external_id.len())
            .and_then(|end| u32::try_from(end).ok())
            .ok_or(StoreError::Full)?;
        if self.external_end.len() < id as usize {
            self.external_end.resize(id as usize, before as u32);
        }
        self.external_end.push(end);
        self.external_arena.extend_from_slice(external_id);
        Ok(())
    }

    /// Why an invalid record's number was rejected, and the text it had.
    pub fn invalid_reason(&self, id: ContactId) -> Option<(PhoneError, &str)> {
        let info = self.invalid.get(&id.0)?;
        let (start, len) = (info.raw.0 as usize, info.raw.1 as usize);
        let raw = std::str::from_utf8(&self.invalid_raw[start..start + len]).unwrap_or("");
        Some((info.reason, raw))
    }

    /// Gives an invalid record a valid number: it becomes `Initial`, or
    /// `Blacklisted` when the new number is on `blacklist`.
    pub fn fix_number(
        &mut self,
        id: ContactId,
        number: Result<u64, PhoneError>,
        blacklist: &Blacklist,
    ) -> Result<State, StoreError> {
        let i = self.check(id)?;
        let number = number
            .and_then(phone::check_e164)
            .map_err(StoreError::InvalidNumber)?;
        let to = if blacklist.contains(number) {
            State::Blacklisted
        } else {
            State::Initial
        };
        self.apply(id, Trigger::FixNumber, to)?;
        self.invalid.remove(&id.0);
        self.numbers.set_digits(i, number);
        self.index.insert_fixed(id.0, self.numbers.column());
        Ok(to)
    }

    /// The contacts that have `number`, in no particular order.
    pub fn contacts_with_number(&self, number: u64) -> impl Iterator<Item = ContactId> + '_ {
        self.index
            .find(number, self.numbers.column())
            .map(ContactId)
    }

    /// True if some contact has `number`.
    pub fn has_number(&self, number: u64) -> bool {
        number != 0 && self.index.contains(number, self.numbers.column())
    }

    /// Applies a number newly added to the blacklist to the contacts that
    /// have it as their only number (see [`ContactStore::number_count`]): those where the table allows `BlacklistAdd` become
    /// `Blacklisted`; those that `is_live` says hold a call are left for the
    /// caller to blacklist when the call ends; terminal ones stay as they are.
    pub fn apply_blacklist_add(
        &mut self,
        number: u64,
        is_live: impl Fn(ContactId, State) -> bool,
    ) -> BlacklistEffect {
        let mut effect = BlacklistEffect::default();
        let ids: SmallVec<[ContactId; 4]> = self.contacts_with_number(number).collect();
        for id in ids {
            if self.numbers.extra_count(id.index()) > 0 {
                // A contact with several numbers keeps its other numbers:
                // the guards skip a blacklisted one at every dial, and
                // blacklist the contact once all of them are.
                continue;
            }
            let from = self.state(id).unwrap_or(State::InvalidRecord);
            if is_live(id, from) || from.is_live() && !state::is_legal(from, Trigger::BlacklistAdd)
            {
                effect.deferred.push(id);
            } else if self
                .apply(id, Trigger::BlacklistAdd, State::Blacklisted)
                .is_ok()
            {
                effect.changed.push((id, from));
            }
        }
        effect.changed.sort_unstable_by_key(|(id, _)| *id);
        effect.deferred.sort_unstable();
        effect
    }

    /// Applies a number removed from the blacklist: its `Blacklisted`
    /// contacts return to `Initial`. Returns them.
    pub fn apply_blacklist_remove(&mut self, number: u64) -> SmallVec<[ContactId; 2]> {
        let ids: SmallVec<[ContactId; 4]> = self.contacts_with_number(number).collect();
        let mut changed: SmallVec<[ContactId; 2]> = ids
            .into_iter()
            .filter(|&id| {
                self.apply(id, Trigger::BlacklistRemove, State::Initial)
                    .is_ok()
            })
            .collect();
        changed.sort_unstable();
        changed
    }

    /// The contacts in `state`, in id order (a scan of the state column).
    ///
    /// The scan reads the column 64 bytes at a time: a branch-free compare
    /// and OR over the chunk (vectorized) says whether any byte matches, and
    /// only a chunk that has one is turned into a 64-bit match mask whose set
    /// bits are the ids. A state held by few contacts is found at the
    /// column's read bandwidth.
    pub fn ids_in_state(&self, state: State) -> impl Iterator<Item = ContactId> + '_ {
        scan::StateScan::new(&self.state, state as u8)
    }

    /// The state column (codes of [`State`]).
    pub fn states(&self) -> &[u8] {
        &self.state
    }

    /// The attempts column.
    pub fn attempts_column(&self) -> &[u8] {
        &self.attempts
    }

    /// The last-outcome column (codes of [`Outcome`]).
    pub fn last_outcomes(&self) -> &[u8] {
        &self.last_outcome
    }

    /// The priority column.
    pub fn priorities(&self) -> &[u8] {
        &self.priority
    }

    /// The time-zone column ([`ZoneId`] values).
    pub fn zones(&self) -> &[u16] {
        &self.zone
    }

    /// The number #0 of every contact (E.164 digits; 0 for invalid
    /// records), as a view: the column's words also hold the number
    /// headers (see `column`), which the view masks off.
    #[inline]
    pub fn numbers(&self) -> NumberDigits<'_> {
        self.numbers.view()
    }

    /// Bytes held by the per-contact columns (capacity, not length).
    pub fn column_bytes(&self) -> usize {
        self.state.capacity()
            + self.attempts.capacity()
            + self.last_outcome.capacity()
            + self.priority.capacity()
            + self.zone.capacity() * 2
            + self.external_end.capacity() * 4
            + self.numbers.heap_bytes()
    }

    /// Bytes held by everything: columns, arenas, the number index and the
    /// invalid-record map.
    pub fn heap_bytes(&self) -> usize {
        self.column_bytes()
            + self.external_arena.capacity()
            + self.invalid_raw.capacity()
            + self.invalid.capacity() * (std::mem::size_of::<(u32, InvalidInfo)>() + 1)
            + self.index.heap_bytes()
    }

    // --- Persistence (snapshots and journal replay, see `campaign::durable`) ---

    /// The external-id column as persisted: an end offset into the arena
    /// for every contact (materialized; O(contacts)), and the arena.
    pub(crate) fn external_parts(&self) -> (Vec<u32>, &[u8]) {
        let mut ends = self.external_end.clone();
        ends.resize(self.len(), self.external_arena.len() as u32);
        (ends, &self.external_arena)
    }

    /// The invalid records, in id order: id, reason, raw text.
    pub(crate) fn invalid_entries(&self) -> Vec<(u32, PhoneError, &[u8])> {
        let mut entries: Vec<(u32, PhoneError, &[u8])> = self
            .invalid
            .iter()
            .map(|(&id, info)| {
                let (start, len) = (info.raw.0 as usize, info.raw.1 as usize);
                (id, info.reason, &self.invalid_raw[start..start + len])
            })
            .collect();
        entries.sort_unstable_by_key(|e| e.0);
        entries
    }

    /// Appends a contact exactly as it was persisted: state, number and
    /// fields as given, attempts 0. For journal replay.
    pub(crate) fn push_restored(
        &mut self,
        state: State,
        priority: u8,
        zone: ZoneId,
        number: u64,
        external_id: &[u8],
        invalid: Option<(PhoneError, &[u8])>,
    ) -> Result<ContactId, StoreError> {
        if self.len() >= self.limit.0 {
            return Err(StoreError::Full);
        }
        let id = self.len() as u32;
        self.push_external(id, external_id)?;
        if let Some((reason, raw)) = invalid {
            let start = self.invalid_raw.len() as u32;
            self.invalid_raw.extend_from_slice(raw);
            self.invalid.insert(
                id,
                InvalidInfo {
                    reason,
                    raw: (start, raw.len() as u32),
                },
            );
        }
        self.push_columns(state, number, zone, priority);
        Ok(ContactId(id))
    }

    /// Overwrites a contact's state, attempts and last outcome (counters
    /// kept exact). For journal replay and crash reconciliation.
    pub(crate) fn restore_row(
        &mut self,
        id: ContactId,
        state: State,
        attempts: u8,
        outcome: Outcome,
    ) -> Result<(), StoreError> {
        self.set_state(id, state)?;
        let i = id.index();
        self.attempts[i] = attempts;
        self.last_outcome[i] = outcome as u8;
        Ok(())
    }

    /// Gives a contact the number it was fixed to (journal replay of
    /// [`ContactStore::fix_number`]; the state comes with its own record).
    pub(crate) fn restore_number(&mut self, id: ContactId, number: u64) -> Result<(), StoreError> {
        let i = self.check(id)?;
        self.invalid.remove(&id.0);
        let had = self.numbers.digits(i);
        self.numbers.set_digits(i, number);
        if number != 0 && had == 0 {
            self.index.insert_fixed(id.0, self.numbers.column());
        }
        Ok(())
    }

    /// Rebuilds a store from its persisted columns: checks that they fit
    /// together, then recomputes the counters and the number index.
    pub(crate) fn from_columns(columns: StoreColumns) -> Result<ContactStore, String> {
        let n = columns.state.len();
        let lens = [
            ("attempts", columns.attempts.len()),
            ("last_outcome", columns.last_outcome.len()),
            ("priority", columns.priority.len()),
            ("zone", columns.zone.len()),
            ("number", columns.number.len()),
            ("external_end", columns.external_end.len()),
        ];
        for (name, len) in lens {
            if len != n {
                return Err(format!("column {name} has {len} rows, state has {n}"));
            }
        }
        if n > MAX_CONTACTS {
            return Err(format!("{n} contacts, more than the limit {MAX_CONTACTS}"));
        }
        if let Some(code) = columns
            .state
            .iter()
            .find(|&&c| State::from_code(c).is_none())
        {
            return Err(format!("unknown state code {code}"));
        }
        let mut previous = 0u32;
        for &end in &columns.external_end {
            if end < previous || end as usize > columns.external_arena.len() {
                return Err(format!("external id offset {end} out of order or range"));
            }
            previous = end;
        }
        let mut invalid = HashMap::with_capacity(columns.invalid.len());
        for &(id, reason, start, len) in &columns.invalid {
            let fits = (id as usize) < n
                && (start as usize)
                    .checked_add(len as usize)
                    .is_some_and(|end| end <= columns.invalid_raw.len());
            if !fits {
                return Err(format!("invalid record of contact {id} out of range"));
            }
            invalid.insert(
                id,
                InvalidInfo {
                    reason,
                    raw: (start, len),
                },
            );
        }
        // Trailing empty external ids need no end offset (see the module docs).
        let mut external_end = columns.external_end;
        let arena_len = columns.external_arena.len() as u32;
        while external_end.last() == Some(&arena_len) {
            external_end.pop();
        }
        external_end.shrink_to_fit();
        let mut store = ContactStore {
            counts: Counts(scan::histogram(&columns.state)),
            state: columns.state,
            attempts: columns.attempts,
            last_outcome: columns.last_outcome,
            priority: columns.priority,
            zone: columns.zone,
            numbers: Numbers::from_parts(
                columns.number,
                columns.number_header,
                columns.extra_numbers,
                columns.number_states,
            )?,
            external_end,
            external_arena: columns.external_arena,
            invalid,
            invalid_raw: columns.invalid_raw,
            index: NumberIndex::default(),
            limit: ContactLimit::default(),
        };
        store.index.extend(store.numbers.column(), None);
        Ok(store)
    }

    // --- Bulk import (see `import`) ---

    /// Adds one contact like [`ContactStore::push`] but leaves its number out
    /// of the number index. A bulk import pushes all its rows this way and
    /// then calls [`ContactStore::index_numbers_from`] once: the index is
    /// then filled in one tight loop, where the CPU overlaps the cache misses
    /// of many rows, instead of one miss stalling every row. Until then
    /// [`ContactStore::has_number`] and the blacklist methods do not see the
    /// new contacts. The number must have passed the number gate
    /// (`phone::normalize` does; [`ContactStore::push`] applies it).
    pub(crate) fn push_unindexed(
        &mut self,
        contact: NewContact<'_>,
        blacklist: &Blacklist,
    ) -> Result<ContactId, StoreError> {
        let row = NewRow {
            number: contact.number,
            raw_phone: contact.raw_phone.as_bytes(),
            external_id: contact.external_id.as_bytes(),
            zone: contact.zone,
            priority: contact.priority,
        };
        self.push_unindexed_state(row, blacklist).map(|(id, _)| id)
    }

    /// [`ContactStore::push_unindexed`] of a row whose texts are bytes
    /// already checked to be UTF-8, also returning the state the contact
    /// was given (for an import's counts, without reading it back).
    #[inline]
    pub(crate) fn push_unindexed_state(
        &mut self,
        contact: NewRow<'_>,
        blacklist: &Blacklist,
    ) -> Result<(ContactId, State), StoreError> {
        if self.len() >= self.limit.0 {
            return Err(StoreError::Full);
        }
        let id = self.len() as u32;
        self.push_external(id, contact.external_id)?;
        let (state, number) = match contact.number {
            Ok(number) if blacklist.contains(number) => (State::Blacklisted, number),
            Ok(number) => (State::Initial, number),
            Err(reason) => {
                let start = self.invalid_raw.len() as u32;
                self.invalid_raw.extend_from_slice(contact.raw_phone);
                let raw = (start, contact.raw_phone.len() as u32);
                self.invalid.insert(id, InvalidInfo { reason, raw });
                (State::InvalidRecord, 0)
            }
        };
        self.state.push(state as u8);
        self.attempts.push(0);
        self.last_outcome.push(Outcome::None as u8);
        self.priority.push(contact.priority);
        self.zone.push(contact.zone.0);
        self.numbers.push(number);
        self.counts.0[state as usize] += 1;
        Ok((ContactId(id), state))
    }

    /// Adds the numbers of contacts `from..` (pushed with
    /// [`ContactStore::push_unindexed`]) to the number index, in id order,
    /// and counts the duplicates the way an import reports them: a number
    /// some contact before `from` already had, and a number only contacts
    /// from `from` on had before. Returns `(existing, in_file)`.
    pub(crate) fn index_numbers_from(&mut self, from: u32) -> (u64, u64) {
        self.index.extend(self.numbers.column(), Some(from))
    }
}

/// A store's persisted columns, for [`ContactStore::from_columns`].
#[derive(Debug, Default)]
pub(crate) struct StoreColumns {
    pub(crate) state: Vec<u8>,
    pub(crate) attempts: Vec<u8>,
    pub(crate) last_outcome: Vec<u8>,
    pub(crate) priority: Vec<u8>,
    pub(crate) zone: Vec<u16>,
    /// Number #0's digits (no headers: those come in `number_header`).
    pub(crate) number: Vec<u64>,
    pub(crate) external_end: Vec<u32>,
    pub(crate) external_arena: Vec<u8>,
    /// (id, reason, start, len) into `invalid_raw`.
    pub(crate) invalid: Vec<(u32, PhoneError, u32, u32)>,
    pub(crate) invalid_raw: Vec<u8>,
    /// Number headers (see `multi`), up to the last contact with extra numbers.
    pub(crate) number_header: Vec<u16>,
    /// Extra numbers, packed (see `multi`).
    pub(crate) extra_numbers: Vec<u64>,
    /// Per-extra-number state bytes.
    pub(crate) number_states: Vec<u8>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> PhoneRules {
        PhoneRules::with_country(49)
    }

    #[test]
    fn push_sets_state_from_number_and_blacklist() {
        let mut blacklist = Blacklist::new();
        blacklist.insert(4930222222);
        let mut store = ContactStore::new();
        let ok = store
            .push(
                NewContact::parse("030 1111111", rules())
                    .with_external_id("crm-1")
                    .with_priority(5),
                &blacklist,
            )
            .unwrap();
        let bad = store
            .push(NewContact::parse("555-CALL-NOW", rules()), &blacklist)
            .unwrap();
        let black = store
            .push(NewContact::parse("+49 30 222222", rules()), &blacklist)
            .unwrap();
        assert_eq!(store.state(ok), Some(State::Initial));
        assert_eq!(store.number(ok), Some(4930_1111111));
        assert_eq!(store.external_id(ok), Some("crm-1"));
        assert_eq!(store.priority(ok), Some(5));
        assert_eq!(store.state(bad), Some(State::InvalidRecord));
        assert_eq!(store.number(bad), None);
        assert_eq!(store.external_id(bad), Some(""));
        assert_eq!(
            store.invalid_reason(bad),
            Some((PhoneError::Letters, "555-CALL-NOW"))
        );
        assert_eq!(store.state(black), Some(State::Blacklisted));
        assert_eq!(store.counts().get(State::Initial), 1);
        assert_eq!(store.counts().get(State::InvalidRecord), 1);
        assert_eq!(store.counts().get(State::Blacklisted), 1);
        assert_eq!(store.counts(), &store.recount());
        assert_eq!(store.state(ContactId(3)), None);
    }

    #[test]
    fn a_store_at_its_limit_is_full_before_anything_changes() {
        let bl = Blacklist::new();
        let mut store = ContactStore::with_capacity_limit(2);
        assert_eq!(store.capacity_limit(), 2);
        assert_eq!(
            store.extend_numbers(&[12125550100, 12125550101, 12125550102], 0, ZoneId(0), &bl),
            Err(StoreError::Full)
        );
        assert!(store.is_empty());
        assert_eq!(store.counts(), &store.recount());
        store
            .extend_numbers(&[12125550100], 0, ZoneId(0), &bl)
            .unwrap();
        let contact = NewContact::parse("+12125550101", PhoneRules::default());
        store.push(contact, &bl).unwrap();
        let contact = NewContact::parse("+12125550102", PhoneRules::default());
        assert_eq!(store.push(contact, &bl), Err(StoreError::Full));
        assert_eq!(
            store.extend_numbers(&[12125550103], 0, ZoneId(0), &bl),
            Err(StoreError::Full)
        );
        assert_eq!(store.len(), 2);
        assert!(!store.has_number(12125550102));
        // The limit never goes above MAX_CONTACTS nor below what is held.
        assert_eq!(store.set_capacity_limit(1), Err((2, MAX_CONTACTS)));
        assert_eq!(
            ContactStore::with_capacity_limit(usize::MAX).capacity_limit(),
            MAX_CONTACTS
        );
    }

    #[test]
    fn extend_numbers_is_the_bulk_path() {
        let mut blacklist = Blacklist::new();
        blacklist.insert(15550000002);
        let mut store = ContactStore::new();
        store
            .push(NewContact::parse("+1 555 000 0001", rules()), &blacklist)
            .unwrap();
        let ids = store
            .extend_numbers(&[15550000002, 15550000003, 0], 3, ZoneId(0), &blacklist)
            .unwrap();
        assert_eq!(ids, 1..4);
        assert_eq!(store.len(), 4);
        assert_eq!(store.state(ContactId(1)), Some(State::Blacklisted));
        assert_eq!(store.state(ContactId(2)), Some(State::Initial));
        assert_eq!(store.state(ContactId(3)), Some(State::InvalidRecord));
        assert_eq!(store.priority(ContactId(2)), Some(3));
        assert_eq!(store.external_id(ContactId(2)), Some(""));
        assert_eq!(store.counts(), &store.recount());
        assert!(store.has_number(15550000003));
        assert!(!store.has_number(0));
    }

    #[test]
    fn apply_goes_through_the_table() {
        let mut store = ContactStore::new();
        let id = store
            .extend_numbers(&[4930111111], 0, ZoneId(0), &Blacklist::new())
            .unwrap()
            .start;
        let id = ContactId(id);
        let err = store
            .apply(id, Trigger::Answered, State::CallInProgress)
            .unwrap_err();
        assert_eq!(
            err,
            StoreError::IllegalTransition {
                contact: id,
                state: State::Initial,
                trigger: Trigger::Answered,
                to: State::CallInProgress
            }
        );
        assert_eq!(store.state(id), Some(State::Initial), "nothing changed");
        assert_eq!(
            store.apply(id, Trigger::Dial, State::Calling),
            Ok(State::Initial)
        );
        assert_eq!(
            store.apply(id, Trigger::Answered, State::CallInProgress),
            Ok(State::Calling)
        );
        assert_eq!(store.counts().get(State::CallInProgress), 1);
        assert_eq!(store.counts(), &store.recount());
        assert_eq!(
            store.apply(ContactId(9), Trigger::Dial, State::Calling),
            Err(StoreError::UnknownContact(ContactId(9)))
        );
    }

    #[test]
    fn blacklist_changes_reach_every_contact_with_the_number() {
        let mut store = ContactStore::new();
        let n = 4930_5555555;
        store
            .extend_numbers(&[n, 4930_1234567, n, n], 0, ZoneId(0), &Blacklist::new())
            .unwrap();
        // Contact 2 is in a call, contact 3 already succeeded.
        store.set_state(ContactId(2), State::Calling).unwrap();
        store.set_state(ContactId(3), State::Success).unwrap();
        let effect = store.apply_blacklist_add(n, |_, _| false);
        assert_eq!(effect.changed.as_slice(), &[(ContactId(0), State::Initial)]);
        assert_eq!(effect.deferred.as_slice(), &[ContactId(2)]);
        assert_eq!(store.state(ContactId(0)), Some(State::Blacklisted));
        assert_eq!(store.state(ContactId(2)), Some(State::Calling));
        assert_eq!(store.state(ContactId(3)), Some(State::Success));
        assert_eq!(store.state(ContactId(1)), Some(State::Initial));
        let back = store.apply_blacklist_remove(n);
        assert_eq!(back.as_slice(), &[ContactId(0)]);
        assert_eq!(store.state(ContactId(0)), Some(State::Initial));
        assert_eq!(store.counts(), &store.recount());
    }

    #[test]
    fn caller_can_defer_a_waiting_predictive_call() {
        let mut store = ContactStore::new();
        store
            .extend_numbers(&[4930_5555555], 0, ZoneId(0), &Blacklist::new())
            .unwrap();
        store
            .set_state(ContactId(0), State::AwaitingOperator)
            .unwrap();
        let effect = store.apply_blacklist_add(4930_5555555, |_, s| s == State::AwaitingOperator);
        assert!(effect.changed.is_empty());
        assert_eq!(effect.deferred.as_slice(), &[ContactId(0)]);
    }

    #[test]
    fn fixing_an_invalid_record() {
        let mut blacklist = Blacklist::new();
        let mut store = ContactStore::new();
        let id = store
            .push(NewContact::parse("12ab", rules()), &blacklist)
            .unwrap();
        assert_eq!(
            store.fix_number(id, phone::normalize("x", rules()), &blacklist),
            Err(StoreError::InvalidNumber(PhoneError::Letters))
        );
        assert_eq!(store.state(id), Some(State::InvalidRecord));
        blacklist.insert(4930_7777777);
        assert_eq!(
            store.fix_number(id, Ok(4930_7777777), &blacklist),
            Ok(State::Blacklisted)
        );
        assert_eq!(store.invalid_reason(id), None);
        assert_eq!(
            store.contacts_with_number(4930_7777777).collect::<Vec<_>>(),
            vec![id]
        );
        // A valid contact cannot be "fixed".
        assert!(matches!(
            store.fix_number(id, Ok(4930_7777778), &blacklist),
            Err(StoreError::IllegalTransition { .. })
        ));
    }

    #[test]
    fn columns_stay_within_budget() {
        let mut store = ContactStore::new();
        let numbers: Vec<u64> = (0..10_000).map(|i| 4930_0000000 + i).collect();
        store
            .extend_numbers(&numbers, 0, ZoneId(0), &Blacklist::new())
            .unwrap();
        let per_contact = store.column_bytes() as f64 / store.len() as f64;
        assert!(per_contact <= 14.5, "{per_contact} bytes a contact");
        assert_eq!(store.ids_in_state(State::Initial).count(), 10_000);
    }

    #[test]
    fn the_external_id_column_covers_only_up_to_the_last_given_id() {
        let bl = Blacklist::new();
        let mut store = ContactStore::new();
        store
            .extend_numbers(&[4930_1000000, 4930_1000001], 0, ZoneId(0), &bl)
            .unwrap();
        assert!(store.external_end.is_empty());
        let with = |ext| NewContact::parse("+4930 2000000", rules()).with_external_id(ext);
        store.push(with("crm-2"), &bl).unwrap();
        store.push(with(""), &bl).unwrap();
        store.push(with("crm-4"), &bl).unwrap();
        store
            .extend_numbers(&[4930_1000005], 0, ZoneId(0), &bl)
            .unwrap();
        store.push(with(""), &bl).unwrap();
        assert_eq!(store.external_end.len(), 5, "ends up to contact 4 only");
        let ids: Vec<&str> = (0..7)
            .map(|i| store.external_id(ContactId(i)).unwrap())
            .collect();
        assert_eq!(ids, ["", "", "crm-2", "", "crm-4", "", ""]);
        assert_eq!(store.external_id(ContactId(7)), None);
        // Persisted as a full column, and read back the same.
        let (ends, arena) = store.external_parts();
        assert_eq!(ends.len(), 7);
        assert_eq!(arena, b"crm-2crm-4");
        let columns = StoreColumns {
            state: store.states().to_vec(),
            attempts: store.attempts_column().to_vec(),
            last_outcome: store.last_outcomes().to_vec(),
            priority: store.priorities().to_vec(),
            zone: store.zones().to_vec(),
            number: store.numbers().to_vec(),
            external_end: ends,
            external_arena: arena.to_vec(),
            ..StoreColumns::default()
        };
        let back = ContactStore::from_columns(columns).unwrap();
        assert_eq!(
            back.external_end.len(),
            4,
            "trailing ends at the arena end dropped"
        );
        for i in 0..7 {
            assert_eq!(
                back.external_id(ContactId(i)),
                store.external_id(ContactId(i))
            );
        }
    }
}
