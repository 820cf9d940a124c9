//! Contacts with several numbers in: one at a time, in bulk, and a number
//! at an index replaced.
//!
//! A contact is given its numbers in order ([`PhoneInput`]: the text, its
//! kind, its zone). Each is parsed with the campaign's phone rules; a blank
//! one is no number, a bad one is reported ([`NumberRejected`], with its
//! position among the inputs) while the valid ones are kept, in order: the
//! first valid number is the contact's number #0, the next ones its extra
//! numbers. A contact none of whose numbers is valid is an InvalidRecord
//! with the first bad text and its reason, to be fixed with
//! [`Campaign::fix_number`]. A number without a zone takes the contact's
//! zone (that of its first number given one, else the campaign default).
//! A contact whose first number is blacklisted but not all of them stays
//! dialable: the guards skip a blacklisted number at every dial (see
//! `numbers`).

use std::ops::Range;

use super::bulk::BulkAddError;
use super::setup::zone_error;
use super::*;
use crate::phone::PhoneError;
use crate::store::{ExtraNumber, NumberKind, MAX_NUMBERS};

/// One number of a contact being added.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PhoneInput<'a> {
    /// The number as text (blank: no number).
    pub phone: &'a str,
    /// Mobile, home, work or other.
    pub kind: NumberKind,
    /// An IANA zone name; `None` or blank: the contact's zone.
    pub timezone: Option<&'a str>,
}

impl<'a> PhoneInput<'a> {
    /// A number of kind `Other` in the contact's zone.
    pub fn new(phone: &'a str) -> Self {
        PhoneInput {
            phone,
            ..PhoneInput::default()
        }
    }
}

/// A number given for a contact that was left out (the contact keeps its
/// other numbers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberRejected {
    /// Its position among the numbers given (0 for the first).
    pub position: usize,
    /// The text given.
    pub text: String,
    /// Why it is not a number.
    pub reason: PhoneError,
    /// True when the number is valid but its time zone is unknown or
    /// ambiguous and no fallback is configured (`zone_from_number`;
    /// `reason` is then [`PhoneError::NoTimeZone`]).
    pub no_zone: bool,
}

pub use crate::zones::ZoneCounts;

/// One contact of a bulk add with several numbers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ContactNumbersRow<'a> {
    /// Its numbers, in order.
    pub phones: &'a [PhoneInput<'a>],
    /// The host's own id for the contact (CRM key); may be empty.
    pub external_id: &'a str,
    /// Selection priority, higher first.
    pub priority: u8,
}

/// A contact's numbers parsed: the valid ones in order and the rejected.
struct Parsed {
    valid: SmallVec<[(u64, NumberKind, ZoneId); 4]>,
    rejected: Vec<NumberRejected>,
    /// The first bad text and reason (the invalid record's, if none is valid).
    first_bad: Option<(usize, PhoneError)>,
    /// The contact's zone.
    zone: ZoneId,
}

impl Campaign {
    /// Resolves the zones of a contact's numbers, changing nothing: an
    /// unknown zone is the error.
    fn check_zones(&self, phones: &[PhoneInput<'_>]) -> Result<(), EngineError> {
        if phones.len() > MAX_NUMBERS {
            return Err(EngineError::Numbers("more than 16 numbers for one contact"));
        }
        for p in phones {
            if let Some(name) = p.timezone.map(str::trim).filter(|n| !n.is_empty()) {
                if self.zones.lookup(name).is_none() && ZoneTable::new(name).is_err() {
                    return Err(zone_error(ZoneError::Unknown(name.to_owned())));
                }
            }
        }
        Ok(())
    }

    /// Parses a contact's numbers (zones checked already).
    fn parse_phones(&mut self, phones: &[PhoneInput<'_>]) -> Result<Parsed, EngineError> {
        let rules = self.config.phone_rules();
        let mut zones: SmallVec<[Option<ZoneId>; 4]> = SmallVec::new();
        for p in phones {
            let zone = match p.timezone.map(str::trim).filter(|n| !n.is_empty()) {
                Some(name) => Some(self.zones.intern(name).map_err(zone_error)?),
                None => None,
            };
            zones.push(zone);
        }
        let mut parsed = Parsed {
            valid: SmallVec::new(),
            rejected: Vec::new(),
            first_bad: None,
            zone: ZoneId::DEFAULT,
        };
        let mut contact_zone = None;
        for (position, p) in phones.iter().enumerate() {
            if p.phone.trim().is_empty() {
                continue;
            }
            match phone::normalize(p.phone, rules).and_then(phone::check_e164) {
                Ok(number) => {
                    let zone = zones[position];
                    if contact_zone.is_none() {
                        contact_zone = zone;
                    }
                    parsed
                        .valid
                        .push((number, p.kind, zone.unwrap_or(ZoneId(u16::MAX))));
                }
                Err(reason) => {
                    parsed.first_bad.get_or_insert((position, reason));
                    parsed.rejected.push(NumberRejected {
                        position,
                        text: p.phone.to_owned(),
                        reason,
                        no_zone: false,
                    });
                }
            }
        }
        if self.config.numbers.zone_from_number {
            self.zones_from_numbers(phones, &zones, &mut parsed)?;
            contact_zone = parsed.valid.first().map(|v| v.2);
        }
        parsed.zone = contact_zone.unwrap_or(ZoneId::DEFAULT);
        for v in &mut parsed.valid {
            if v.2 == ZoneId(u16::MAX) {
                v.2 = parsed.zone;
            }
        }
        if parsed.valid.len() > 1
            && parsed.valid[1..]
                .iter()
                .any(|v| v.2 .0 >= crate::store::MAX_EXTRA_ZONE)
        {
            return Err(EngineError::Numbers("zone id of an extra number past 4095"));
        }
        Ok(parsed)
    }

    /// `zone_from_number`: each valid number given no zone takes the one
    /// its number implies, or the fallback; with neither it is left out
    /// (rejected, `no_zone`). A given zone other than the number's is
    /// counted as a mismatch.
    fn zones_from_numbers(
        &mut self,
        phones: &[PhoneInput<'_>],
        given: &[Option<ZoneId>],
        parsed: &mut Parsed,
    ) -> Result<(), EngineError> {
        let rules = self.config.phone_rules();
        let fallback = match self.config.numbers.fallback_timezone.as_str() {
            "" => None,
            name => Some(self.zones.intern(name).map_err(zone_error)?),
        };
        // The valid numbers in order with their position among the inputs.
        let positions: SmallVec<[usize; 4]> = phones
            .iter()
            .enumerate()
            .filter(|(_, p)| {
                !p.phone.trim().is_empty()
                    && phone::normalize(p.phone, rules)
                        .and_then(phone::check_e164)
                        .is_ok()
            })
            .map(|(k, _)| k)
            .collect();
        let mut kept: SmallVec<[(u64, NumberKind, ZoneId); 4]> = SmallVec::new();
        for (&(number, kind, zone), &position) in parsed.valid.iter().zip(&positions) {
            let implied = match phone::zone_of_number(number) {
                phone::NumberZone::One(name) => Some(self.zones.intern(name).map_err(zone_error)?),
                _ => None,
            };
            if given[position].is_some() {
                if implied.is_some_and(|z| Some(z) != given[position]) {
                    self.zone_counts.mismatch += 1;
                }
                kept.push((number, kind, zone));
                continue;
            }
            match (implied, fallback) {
                (Some(z), _) => {
                    self.zone_counts.from_number += 1;
                    kept.push((number, kind, z));
                }
                (None, Some(z)) => {
                    self.zone_counts.fallback += 1;
                    kept.push((number, kind, z));
                }
                (None, None) => {
                    self.zone_counts.no_zone += 1;
                    parsed.rejected.push(NumberRejected {
                        position,
                        text: phones[position].phone.to_owned(),
                        reason: PhoneError::NoTimeZone,
                        no_zone: true,
                    });
                }
            }
        }
        parsed.rejected.sort_by_key(|r| r.position);
        if kept.is_empty() && !parsed.valid.is_empty() && parsed.first_bad.is_none() {
            // Every number lacked a zone: the record keeps the first one's text.
            let position = positions[0];
            parsed.first_bad = Some((position, PhoneError::NoTimeZone));
        }
        parsed.valid = kept;
        Ok(())
    }

    /// What `zone_from_number` did so far (see [`ZoneCounts`]).
    pub fn zone_counts(&self) -> ZoneCounts {
        self.zone_counts
    }

    /// Appends one parsed contact to the store (unindexed when `bulk`).
    fn push_parsed(
        &mut self,
        phones: &[PhoneInput<'_>],
        parsed: &Parsed,
        external_id: &str,
        priority: u8,
        bulk: bool,
    ) -> Result<ContactId, EngineError> {
        let contact = match (parsed.valid.first(), parsed.first_bad) {
            (Some(&(number, _, zone)), _) => NewContact {
                number: Ok(number),
                raw_phone: "",
                external_id,
                zone,
                priority,
            },
            (None, Some((position, reason))) => NewContact {
                number: Err(reason),
                raw_phone: phones[position].phone,
                external_id,
                zone: parsed.zone,
                priority,
            },
            (None, None) => NewContact {
                number: Err(PhoneError::Blank),
                raw_phone: "",
                external_id,
                zone: parsed.zone,
                priority,
            },
        };
        let id = if bulk {
            self.store.push_unindexed(contact, &self.blacklist)?
        } else {
            self.store.push(contact, &self.blacklist)?
        };
        if let Some(&(_, kind0, _)) = parsed.valid.first() {
            self.store.set_first_number_kind(id, kind0)?;
        }
        if parsed.valid.len() > 1 {
            let extra: SmallVec<[ExtraNumber; 4]> = parsed.valid[1..]
                .iter()
                .map(|&(number, kind, zone)| ExtraNumber { number, kind, zone })
                .collect();
            self.store.push_extra_numbers(id, &extra)?;
            let all_black = parsed
                .valid
                .iter()
                .all(|&(n, _, _)| self.blacklist.contains(n));
            if self.store.state(id) == Some(State::Blacklisted) && !all_black {
                self.store.set_state(id, State::Initial)?;
            }
        }
        Ok(id)
    }

    /// Adds one contact with several numbers (see the [module docs](self)).
    /// Returns its id and the numbers rejected. An unknown zone is an error
    /// and adds nothing.
    pub fn add_contact_numbers(
        &mut self,
        phones: &[PhoneInput<'_>],
        external_id: &str,
        priority: u8,
    ) -> Result<(ContactId, Vec<NumberRejected>), EngineError> {
        self.check_zones(phones)?;
        let parsed = self.parse_phones(phones)?;
        let id = self.push_parsed(phones, &parsed, external_id, priority, false)?;
        self.after_add(id.0..id.0 + 1, false);
        self.journal_write();
        Ok((id, parsed.rejected))
    }

    /// Adds many contacts with several numbers as one operation, like
    /// [`Campaign::add_contacts`]: every row is checked first (an unknown
    /// zone, too many numbers, the contact limit: the first bad row is the
    /// error and nothing is added), then added with consecutive ids and
    /// journaled as one bulk add (the extra numbers in a record right
    /// after it). Returns the ids and, per row with any, the numbers
    /// rejected (row index, rejections).
    #[allow(clippy::type_complexity)]
    pub fn add_contacts_numbers(
        &mut self,
        rows: &[ContactNumbersRow<'_>],
    ) -> Result<(Range<ContactId>, Vec<(usize, Vec<NumberRejected>)>), BulkAddError> {
        let room = self.store.capacity_limit() - self.store.len();
        if rows.len() > room {
            return Err(BulkAddError {
                index: room,
                error: EngineError::Full,
            });
        }
        for (index, row) in rows.iter().enumerate() {
            self.check_zones(row.phones)
                .map_err(|error| BulkAddError { index, error })?;
        }
        let first = self.store.len() as u32;
        let mut rejected = Vec::new();
        for (index, row) in rows.iter().enumerate() {
            let added = self.parse_phones(row.phones).and_then(|parsed| {
                self.push_parsed(row.phones, &parsed, row.external_id, row.priority, true)
                    .map(|_| parsed.rejected)
            });
            match added {
                Ok(r) if r.is_empty() => {}
                Ok(r) => rejected.push((index, r)),
                Err(error) => {
                    // Only the arena or the zone table can fail here: the
                    // rows before stay added, as one journaled add.
                    self.finish_bulk(first);
                    return Err(BulkAddError { index, error });
                }
            }
        }
        let end = self.finish_bulk(first);
        Ok((ContactId(first)..ContactId(end), rejected))
    }

    fn finish_bulk(&mut self, first: u32) -> u32 {
        self.store.index_numbers_from(first);
        let end = self.store.len() as u32;
        self.journal_contacts_added(first..end);
        self.after_add(first..end, true);
        self.journal_write();
        end
    }

    /// Gives a contact's number `index` a new number (and zone, if given).
    /// Index 0 of an InvalidRecord is [`Campaign::fix_number`] (the zone
    /// stays the one it was imported with). Otherwise
    /// the contact must not be in a call or offered (Initial, RetryScheduled,
    /// NotReached or Blacklisted); the number's own attempts start again,
    /// the contact's do not. Returns the contact's state.
    pub fn fix_number_at(
        &mut self,
        contact: ContactId,
        index: usize,
        phone: &str,
        timezone: Option<&str>,
    ) -> Result<State, EngineError> {
        let state = self
            .store
            .state(contact)
            .ok_or(EngineError::UnknownContact(contact))?;
        if index == 0 && state == State::InvalidRecord {
            // The record keeps the zone it was imported with.
            return self.fix_number(contact, phone);
        }
        let number = phone::normalize(phone, self.config.phone_rules()).map_err(|reason| {
            EngineError::InvalidNumber {
                input: phone.to_owned(),
                reason,
            }
        })?;
        let zone = match timezone.map(str::trim).filter(|n| !n.is_empty()) {
            Some(name) => {
                self.check_zones(&[PhoneInput {
                    phone: "",
                    kind: NumberKind::Other,
                    timezone: Some(name),
                }])?;
                Some(self.zones.intern(name).map_err(zone_error)?)
            }
            None => None,
        };
        let to = self
            .store
            .fix_number_at(contact, index, Ok(number), zone, &self.blacklist)?;
        let (digits, zone) = self
            .store
            .digits_at(contact, index)
            .expect("the number was just set");
        self.journal_zones();
        self.journal_number_fixed_at(contact, index as u8, digits, zone);
        self.touch(contact);
        self.poll_due = true;
        if to == State::Initial && state == State::Blacklisted {
            self.enqueue(contact.0);
        }
        self.journal_write();
        Ok(to)
    }
}
