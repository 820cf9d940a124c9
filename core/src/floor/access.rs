//! A floor campaign as the host may change it: contacts, lists, rules,
//! limits — never its operators, events or polls.
//!
//! A campaign on a floor is a full [`Campaign`], but its operators are the
//! floor's: the floor lends each one to one campaign at a time under a
//! local id it maps (`Slot::local`), and feeds the campaign its events and
//! polls. A `&mut Campaign` in the host's hands would let it add operators
//! of its own (`add_operator`), send them events, poll the campaign or take
//! its guard away behind the floor's back, and break the floor's promise
//! that no operator is in two calls. So [`crate::Floor::campaign_mut`]
//! hands out a [`FloorCampaign`]: every read of [`Campaign`] (through
//! `Deref`), and of its changes only those that touch nothing the floor
//! owns — contacts (add, import, fix), the campaign's own blacklist, rules,
//! regions, the contact limit, the pacer, and the metrics (which advance
//! the campaign's meters to a time). Operators, events and polls go through
//! the floor ([`crate::Floor::add_operator`], [`crate::Floor::handle`],
//! [`crate::Floor::poll`]); this is checked by the compiler:
//!
//! ```
//! # use dialcore::{Floor, Mode, CampaignConfig};
//! let mut floor = Floor::new();
//! let c = floor.add_campaign("sales", CampaignConfig::new(Mode::Predictive), 0, 1).unwrap();
//! floor.campaign_mut(c).unwrap().add_numbers(&[12125550101], 0).unwrap();
//! assert_eq!(floor.campaign(c).unwrap().store().len(), 1);
//! ```
//!
//! ```compile_fail
//! # use dialcore::{Floor, Mode, CampaignConfig};
//! let mut floor = Floor::new();
//! let c = floor.add_campaign("sales", CampaignConfig::new(Mode::Predictive), 0, 1).unwrap();
//! floor.campaign_mut(c).unwrap().add_operator(); // operators are the floor's
//! ```
//!
//! ```compile_fail
//! # use dialcore::{Floor, Mode, CampaignConfig, Event, OperatorId};
//! let mut floor = Floor::new();
//! let c = floor.add_campaign("sales", CampaignConfig::new(Mode::Predictive), 0, 1).unwrap();
//! let ev = Event::OperatorReady(OperatorId(0));
//! floor.campaign_mut(c).unwrap().handle(ev, 0).unwrap(); // events go through the floor
//! ```

use std::io::Read;
use std::ops::{Deref, Range};
use std::path::Path;

use crate::campaign::bulk::{BulkAddError, ContactRow};
use crate::campaign::several::{ContactNumbersRow, NumberRejected, PhoneInput};
use crate::import::{ImportError, ImportReport, RowSeen};
use crate::nanp::Region;
use crate::rules::RulesError;
use crate::{Campaign, ContactId, EngineError, Metrics, Pacer, State};

/// A campaign of the floor, as [`crate::Floor::campaign_mut`] hands it out
/// (see the module doc): reads everything of [`Campaign`], changes only
/// what the floor does not own.
#[derive(Debug)]
pub struct FloorCampaign {
    pub(super) inner: Campaign,
}

impl Deref for FloorCampaign {
    type Target = Campaign;

    fn deref(&self) -> &Campaign {
        &self.inner
    }
}

impl FloorCampaign {
    /// Wraps a campaign the floor takes over.
    pub(super) fn new(inner: Campaign) -> Self {
        FloorCampaign { inner }
    }

    /// The campaign's journal to its disk (the floor's durability).
    pub(super) fn flush(&mut self) -> Result<(), crate::campaign::durable::DurableError> {
        self.inner.flush()
    }

    /// As [`Campaign::add_contact`].
    pub fn add_contact(
        &mut self,
        phone: &str,
        external_id: &str,
        timezone: Option<&str>,
        priority: u8,
    ) -> Result<ContactId, EngineError> {
        self.inner
            .add_contact(phone, external_id, timezone, priority)
    }

    /// As [`Campaign::add_numbers`].
    pub fn add_numbers(
        &mut self,
        numbers: &[u64],
        priority: u8,
    ) -> Result<Range<u32>, EngineError> {
        self.inner.add_numbers(numbers, priority)
    }

    /// As [`Campaign::add_contacts`].
    pub fn add_contacts(
        &mut self,
        rows: &[ContactRow<'_>],
    ) -> Result<Range<ContactId>, BulkAddError> {
        self.inner.add_contacts(rows)
    }

    /// As [`Campaign::add_contact_numbers`].
    pub fn add_contact_numbers(
        &mut self,
        phones: &[PhoneInput<'_>],
        external_id: &str,
        priority: u8,
    ) -> Result<(ContactId, Vec<NumberRejected>), EngineError> {
        self.inner
            .add_contact_numbers(phones, external_id, priority)
    }

    /// As [`Campaign::add_contacts_numbers`].
    #[allow(clippy::type_complexity)]
    pub fn add_contacts_numbers(
        &mut self,
        rows: &[ContactNumbersRow<'_>],
    ) -> Result<(Range<ContactId>, Vec<(usize, Vec<NumberRejected>)>), BulkAddError> {
        self.inner.add_contacts_numbers(rows)
    }

    /// As [`Campaign::import_csv`].
    pub fn import_csv<R: Read>(&mut self, input: R) -> Result<ImportReport, ImportError> {
        self.inner.import_csv(input)
    }

    /// As [`Campaign::import_csv_path`].
    pub fn import_csv_path(&mut self, path: impl AsRef<Path>) -> Result<ImportReport, ImportError> {
        self.inner.import_csv_path(path)
    }

    /// As [`Campaign::import_csv_rows`].
    pub fn import_csv_rows<R: Read>(
        &mut self,
        input: R,
        on_row: impl FnMut(RowSeen),
    ) -> Result<ImportReport, ImportError> {
        self.inner.import_csv_rows(input, on_row)
    }

    /// As [`Campaign::import_csv_path_rows`].
    pub fn import_csv_path_rows(
        &mut self,
        path: impl AsRef<Path>,
        on_row: impl FnMut(RowSeen),
    ) -> Result<ImportReport, ImportError> {
        self.inner.import_csv_path_rows(path, on_row)
    }

    /// As [`Campaign::blacklist_numbers`] (the campaign's own list; the
    /// floor's lists are [`crate::Floor::add_list`]).
    pub fn blacklist_numbers(&mut self, numbers: &[u64]) {
        self.inner.blacklist_numbers(numbers);
    }

    /// As [`Campaign::fix_number`].
    pub fn fix_number(&mut self, contact: ContactId, phone: &str) -> Result<State, EngineError> {
        self.inner.fix_number(contact, phone)
    }

    /// As [`Campaign::fix_number_at`].
    pub fn fix_number_at(
        &mut self,
        contact: ContactId,
        index: usize,
        phone: &str,
        timezone: Option<&str>,
    ) -> Result<State, EngineError> {
        self.inner.fix_number_at(contact, index, phone, timezone)
    }

    /// As [`Campaign::set_contact_limit`].
    pub fn set_contact_limit(&mut self, limit: usize) -> Result<(), EngineError> {
        self.inner.set_contact_limit(limit)
    }

    /// As [`Campaign::load_rules`].
    pub fn load_rules(&mut self, text: &str) -> Result<(), RulesError> {
        self.inner.load_rules(text)
    }

    /// As [`Campaign::load_rules_file`].
    pub fn load_rules_file(&mut self, path: impl AsRef<Path>) -> Result<(), RulesError> {
        self.inner.load_rules_file(path)
    }

    /// As [`Campaign::set_contact_region`].
    pub fn set_contact_region(
        &mut self,
        contact: ContactId,
        region: Option<Region>,
    ) -> Result<(), EngineError> {
        self.inner.set_contact_region(contact, region)
    }

    /// As [`Campaign::set_pacer`] (pacing of the operators the floor lends
    /// the campaign).
    pub fn set_pacer(&mut self, pacer: Box<dyn Pacer>) {
        self.inner.set_pacer(pacer);
    }

    /// As [`Campaign::metrics`] (its meters advance to `now_ms`).
    pub fn metrics(&mut self, now_ms: u64) -> Result<Metrics, EngineError> {
        self.inner.metrics(now_ms)
    }

    /// As [`Campaign::guarded_abandon_rate`].
    pub fn guarded_abandon_rate(&mut self, now_ms: u64) -> Result<f64, EngineError> {
        self.inner.guarded_abandon_rate(now_ms)
    }
}
