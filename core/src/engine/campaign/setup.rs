//! Setup: contacts in (one, bulk numbers, CSV), the contact limit,
//! operators added, the bulk blacklist and fixing an invalid number.
//!
//! Every setup call journals what it added and writes the journal before it
//! returns (`journal_write`), so what the host was told is added is on disk
//! before it goes on. New contacts are sized into the engine's per-contact
//! structures (`after_add`) and queued for selection; a canceled campaign
//! cancels them at once.

use super::*;

impl Campaign {
    /// Adds one contact. An invalid number is stored as InvalidRecord (its
    /// reason kept); a blacklisted one as Blacklisted. An unknown time zone
    /// is an error and adds nothing.
    pub fn add_contact(
        &mut self,
        phone: &str,
        external_id: &str,
        timezone: Option<&str>,
        priority: u8,
    ) -> Result<ContactId, EngineError> {
        let zone = match timezone {
            Some(name) => self.zones.intern(name).map_err(zone_error)?,
            None => ZoneId::DEFAULT,
        };
        let contact = NewContact::parse(phone, self.config.phone_rules())
            .with_external_id(external_id)
            .with_zone(zone)
            .with_priority(priority);
        let id = self.store.push(contact, &self.blacklist)?;
        self.after_add(id.0..id.0 + 1, false);
        self.journal_write();
        Ok(id)
    }

    /// Adds many contacts with already normalized numbers (E.164 digits).
    pub fn add_numbers(
        &mut self,
        numbers: &[u64],
        priority: u8,
    ) -> Result<std::ops::Range<u32>, EngineError> {
        let ids = self
            .store
            .extend_numbers(numbers, priority, ZoneId::DEFAULT, &self.blacklist)?;
        self.journal_numbers_added(ids.start, numbers, priority);
        self.after_add(ids.clone(), true);
        self.journal_write();
        Ok(ids)
    }

    /// Imports a CSV contact list (see [`crate::import`]).
    pub fn import_csv<R: Read>(&mut self, input: R) -> Result<ImportReport, ImportError> {
        self.run_import(|store, zones, blacklist, options| {
            import::import_csv(input, store, zones, blacklist, options)
        })
    }

    /// Imports a CSV file (see [`crate::import`]).
    pub fn import_csv_path(
        &mut self,
        path: impl AsRef<std::path::Path>,
    ) -> Result<ImportReport, ImportError> {
        self.run_import(|store, zones, blacklist, options| {
            import::import_csv_path(path, store, zones, blacklist, options)
        })
    }

    /// Runs one import into the store and finishes it as every import
    /// does: the new contacts sized for, queued and journaled, then written.
    pub(super) fn run_import(
        &mut self,
        import: impl FnOnce(
            &mut ContactStore,
            &mut ZoneTable,
            &Blacklist,
            &ImportOptions,
        ) -> Result<ImportReport, ImportError>,
    ) -> Result<ImportReport, ImportError> {
        let options = self.import_options();
        let report = import(&mut self.store, &mut self.zones, &self.blacklist, &options)?;
        self.zone_counts.add(&report.zone_counts);
        // The regions first, so the new contacts are queued under them;
        // journaled after the contacts they name.
        for &(id, region) in &report.regions {
            self.apply_contact_region(id.0, Some(region));
        }
        self.after_add(report.ids.clone(), false);
        for &(id, region) in &report.regions {
            self.journal_contact_region(id.0, Some(region));
        }
        self.journal_write();
        Ok(report)
    }

    /// The import's options: the phone rules and, with `zone_from_number`,
    /// the fallback zone (interned here; the config checked its name).
    pub(super) fn import_options(&mut self) -> ImportOptions {
        let numbers = &self.config.numbers;
        let fallback_zone = match numbers.fallback_timezone.as_str() {
            "" => None,
            name if numbers.zone_from_number => self.zones.intern(name).ok(),
            _ => None,
        };
        ImportOptions {
            phone_rules: self.config.phone_rules(),
            default_priority: 0,
            zone_from_number: self.config.numbers.zone_from_number,
            fallback_zone,
        }
    }

    /// Sizes the engine's structures for new contacts and queues them;
    /// journals them unless the caller did (`journaled`).
    pub(super) fn after_add(&mut self, ids: std::ops::Range<u32>, journaled: bool) {
        if !journaled {
            self.journal_added(ids.clone());
        }
        self.poll_due = true;
        let n = self.store.len();
        self.timers.ensure_keys(n);
        self.queue.ensure_contacts(n);
        self.zone_timers.ensure_keys(self.zones.len());
        self.queue.ensure_zones(self.zones.len());
        if self.canceled {
            for id in ids {
                let id = ContactId(id);
                if self
                    .store
                    .apply(id, Trigger::Cancel, State::CanceledByAdmin)
                    .is_ok()
                {
                    self.touch(id);
                }
            }
            return;
        }
        for id in ids {
            let i = id as usize;
            if self.store.states()[i] == State::Initial as u8 {
                let key = self.queue_key(i);
                self.queue.push_initial(id, self.store.priorities()[i], key);
            }
        }
    }

    /// Lowers (or raises back) the most contacts this campaign holds, e.g. a
    /// licence or memory cap; at most [`crate::store::MAX_CONTACTS`], the
    /// default, and at least the contacts it holds. Adding past the limit
    /// is [`EngineError::Full`] and adds nothing. Not kept in a data
    /// directory: set it again after `open`.
    pub fn set_contact_limit(&mut self, limit: usize) -> Result<(), EngineError> {
        self.store
            .set_capacity_limit(limit)
            .map_err(|(min, max)| EngineError::InvalidContactLimit { limit, min, max })
    }

    /// The most contacts this campaign holds (see [`Campaign::set_contact_limit`]).
    pub fn contact_limit(&self) -> usize {
        self.store.capacity_limit()
    }

    /// Adds an operator (offline until `OperatorLogin`).
    pub fn add_operator(&mut self) -> OperatorId {
        self.journal_operator_added();
        self.operators.add()
    }

    /// Loads numbers into the blacklist in bulk (a do-not-call registry,
    /// before or during the campaign); contacts with them are blacklisted
    /// as with `Event::BlacklistAdd`.
    ///
    /// One operation: the numbers are sorted and merged into the blacklist
    /// at once ([`crate::blacklist::Blacklist::insert_many`]), then each
    /// number's contacts are blacklisted in the order given, exactly as the
    /// same numbers added one by one would leave them.
    ///
    /// A list at least a quarter as long as the contact list (and of 64
    /// numbers or more) first goes through a [`crate::blacklist::NumberFilter`]
    /// of the contacts' numbers, so the numbers no contact has (most of a
    /// registry) skip the number-index probe; skipping them changes nothing.
    pub fn blacklist_numbers(&mut self, numbers: &[u64]) {
        if numbers.is_empty() {
            // Nothing changes: nothing to journal, no poll needed.
            return;
        }
        self.journal_blacklist(true, numbers);
        self.blacklist.insert_many(numbers);
        if numbers.len() >= 64 && numbers.len() * 4 >= self.store.len() {
            let filter = crate::blacklist::NumberFilter::from_numbers(self.store.numbers().iter());
            for &n in numbers {
                if filter.may_contain(n) {
                    self.blacklist_effects(n);
                }
            }
        } else {
            for &n in numbers {
                self.blacklist_effects(n);
            }
        }
        self.poll_due = true;
        self.journal_write();
    }

    /// Gives an InvalidRecord contact a new number: it becomes Initial (or
    /// Blacklisted when the number is on the blacklist).
    pub fn fix_number(&mut self, contact: ContactId, phone: &str) -> Result<State, EngineError> {
        let number = phone::normalize(phone, self.config.phone_rules()).map_err(|reason| {
            EngineError::InvalidNumber {
                input: phone.to_owned(),
                reason,
            }
        })?;
        let state = self
            .store
            .fix_number(contact, Ok(number), &self.blacklist)?;
        self.journal_number_fixed(contact, number);
        self.touch(contact);
        self.poll_due = true;
        let state = if state == State::Initial && self.canceled {
            let _ = self
                .store
                .apply(contact, Trigger::Cancel, State::CanceledByAdmin);
            State::CanceledByAdmin
        } else {
            if state == State::Initial {
                self.enqueue(contact.0);
            }
            state
        };
        self.journal_write();
        Ok(state)
    }
}

pub(super) fn zone_error(e: ZoneError) -> EngineError {
    match e {
        ZoneError::Unknown(name) => EngineError::UnknownTimezone(name),
        ZoneError::TooMany => EngineError::UnknownTimezone("(too many zones)".into()),
    }
}
