//! Bulk contact adds: many contacts as one operation, all or nothing.
//!
//! A host loading a list from its CRM (the C API's rows, Python's
//! `add_contacts`) hands over thousands to millions of contacts at once.
//! [`Campaign::add_contacts`] takes them as one operation:
//!
//! 1. **Validate everything first.** Every row's time zone must be known (a
//!    blank or absent zone is the campaign's default), the contacts must fit
//!    the campaign's contact limit and their external ids the store's 4 GiB
//!    arena. The first bad row is the error, naming its index and reason;
//!    nothing is added and nothing is interned. An invalid phone number is
//!    not an error: as with [`Campaign::add_contact`], the contact is stored
//!    as `InvalidRecord` with its reason, to be fixed later.
//! 2. **Add.** The rows are appended to the store without touching the
//!    number index, which then takes them in one pass, and the new
//!    `Initial` contacts are queued in row order with consecutive ids.
//! 3. **Journal once, sync once.** A durable campaign writes the whole add
//!    as one bulk record (split into parts only when it passes the part
//!    size, about 1 MiB; replay applies the parts only once it has read the
//!    last one) and syncs once per its `FsyncPolicy`. After a crash the add
//!    is recovered wholly or not at all.

use std::fmt;
use std::ops::Range;

use hashbrown::HashSet;

use super::setup::zone_error;
use super::{Campaign, EngineError};
use crate::phone;
use crate::store::{ContactId, NewContact, MAX_CONTACTS};
use crate::zones::{ZoneError, ZoneId, ZoneTable};

/// One contact of a bulk add, as a host gives it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ContactRow<'a> {
    /// The phone number as text, normalized with the campaign's phone rules.
    pub phone: &'a str,
    /// The host's own id for the contact (CRM key); may be empty.
    pub external_id: &'a str,
    /// An IANA time zone name; `None` or blank for the campaign's default.
    pub timezone: Option<&'a str>,
    /// Selection priority, higher first.
    pub priority: u8,
}

impl<'a> ContactRow<'a> {
    /// A row with a phone text, no external id, the default zone, priority 0.
    pub fn new(phone: &'a str) -> Self {
        ContactRow {
            phone,
            ..ContactRow::default()
        }
    }
}

/// Why a bulk add was refused: the first bad row and its reason. Nothing
/// was added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkAddError {
    /// Index of the bad row in the rows given.
    pub index: usize,
    /// What is wrong with it ([`EngineError::UnknownTimezone`] or
    /// [`EngineError::Full`]).
    pub error: EngineError,
}

impl fmt::Display for BulkAddError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "row {}: {}; nothing was added", self.index, self.error)
    }
}

impl std::error::Error for BulkAddError {}

impl Campaign {
    /// Adds `rows` as one operation: validates every row first (the first
    /// bad one is the error, with its index, and nothing is added), then
    /// adds them with consecutive ids in row order, journals them as one
    /// bulk record and syncs once. Returns the new ids. See the
    /// [module docs](self).
    pub fn add_contacts(
        &mut self,
        rows: &[ContactRow<'_>],
    ) -> Result<Range<ContactId>, BulkAddError> {
        self.check_rows(rows)?;
        let first = self.store.len() as u32;
        let rules = self.config.phone_rules();
        for row in rows {
            let zone = match row.timezone {
                Some(name) => self
                    .zones
                    .intern(name)
                    .expect("bulk add: zones were checked"),
                None => ZoneId::DEFAULT,
            };
            let contact = NewContact::parse(row.phone, rules)
                .with_external_id(row.external_id)
                .with_zone(zone)
                .with_priority(row.priority);
            let contact = NewContact {
                number: contact.number.and_then(phone::check_e164),
                ..contact
            };
            self.store
                .push_unindexed(contact, &self.blacklist)
                .expect("bulk add: capacity was checked");
        }
        self.store.index_numbers_from(first);
        let end = self.store.len() as u32;
        self.journal_contacts_added(first..end);
        self.after_add(first..end, true);
        self.journal_write();
        Ok(ContactId(first)..ContactId(end))
    }

    /// Checks every row against what adding it needs, changing nothing.
    fn check_rows(&self, rows: &[ContactRow<'_>]) -> Result<(), BulkAddError> {
        let bad = |index, error| Err(BulkAddError { index, error });
        let room = self.store.capacity_limit().min(MAX_CONTACTS) - self.store.len();
        if rows.len() > room {
            return bad(room, EngineError::Full);
        }
        let mut arena = self.store.external_arena_len() as u64;
        let mut new_zones: HashSet<&str> = HashSet::new();
        for (index, row) in rows.iter().enumerate() {
            arena += row.external_id.len() as u64;
            if arena > u64::from(u32::MAX) {
                return bad(index, EngineError::Full);
            }
            let Some(name) = row.timezone.map(str::trim) else {
                continue;
            };
            if name.is_empty() || self.zones.lookup(name).is_some() || new_zones.contains(name) {
                continue;
            }
            if ZoneTable::new(name).is_err() {
                return bad(index, zone_error(ZoneError::Unknown(name.to_owned())));
            }
            if self.zones.len() + new_zones.len() > usize::from(u16::MAX) {
                return bad(index, zone_error(ZoneError::TooMany));
            }
            new_zones.insert(name);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{CampaignConfig, Mode};
    use crate::state::State;

    fn campaign() -> Campaign {
        let mut config = CampaignConfig::new(Mode::Progressive);
        config.default_country = Some(1);
        Campaign::new(config).unwrap()
    }

    #[test]
    fn adds_every_row_with_consecutive_ids() {
        let mut c = campaign();
        c.add_contact("+1 212 555 0100", "first", None, 0).unwrap();
        let rows = [
            ContactRow::new("212 555 0101"),
            ContactRow {
                phone: "not a number",
                external_id: "crm-7",
                timezone: Some("Europe/Berlin"),
                priority: 3,
            },
            ContactRow {
                timezone: Some("Europe/Berlin"),
                ..ContactRow::new("212 555 0100")
            },
        ];
        let ids = c.add_contacts(&rows).unwrap();
        assert_eq!(ids, ContactId(1)..ContactId(4));
        assert_eq!(c.state(ContactId(1)), Some(State::Initial));
        assert_eq!(c.state(ContactId(2)), Some(State::InvalidRecord));
        assert_eq!(c.store().external_id(ContactId(2)), Some("crm-7"));
        assert_eq!(c.store().priority(ContactId(2)), Some(3));
        let berlin = c.zones().lookup("Europe/Berlin").unwrap();
        assert_eq!(c.store().zone(ContactId(3)), Some(berlin));
        // The number index has the new contacts (a duplicate of contact 0).
        let mut same: Vec<ContactId> = c.store().contacts_with_number(12_125_550_100).collect();
        same.sort_unstable();
        assert_eq!(same, vec![ContactId(0), ContactId(3)]);
        assert_eq!(c.counts(), &c.store().recount());
    }

    #[test]
    fn a_bad_row_is_named_and_nothing_is_added() {
        let mut c = campaign();
        let rows = [
            ContactRow {
                timezone: Some("America/Chicago"),
                ..ContactRow::new("212 555 0101")
            },
            ContactRow::new("212 555 0102"),
            ContactRow {
                timezone: Some("Mars/Olympus"),
                ..ContactRow::new("212 555 0103")
            },
        ];
        let err = c.add_contacts(&rows).unwrap_err();
        assert_eq!(err.index, 2);
        assert_eq!(
            err.error,
            EngineError::UnknownTimezone("Mars/Olympus".into())
        );
        assert!(err.to_string().starts_with("row 2: "), "{err}");
        assert_eq!(c.store().len(), 0);
        assert_eq!(c.zones().len(), 1, "no zone was interned");
        assert!(c.zones().lookup("America/Chicago").is_none());
    }

    #[test]
    fn rows_past_the_contact_limit_are_refused_whole() {
        let mut c = campaign();
        c.set_contact_limit(2).unwrap();
        c.add_contact("212 555 0100", "", None, 0).unwrap();
        let rows = [
            ContactRow::new("212 555 0101"),
            ContactRow::new("212 555 0102"),
        ];
        let err = c.add_contacts(&rows).unwrap_err();
        assert_eq!(
            err,
            BulkAddError {
                index: 1,
                error: EngineError::Full
            }
        );
        assert_eq!(c.store().len(), 1);
        assert_eq!(
            c.add_contacts(&rows[..1]).unwrap(),
            ContactId(1)..ContactId(2)
        );
        assert_eq!(c.add_contacts(&[]).unwrap(), ContactId(2)..ContactId(2));
    }
}
