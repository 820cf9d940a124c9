//! Queries a host makes about one contact or one operator, and paged lists
//! of the contacts in a state.
//!
//! A PBX module or an agent screen asks "what is this contact": its number,
//! external id, attempts, last outcome and when it is due, and "what is this
//! operator doing": its contact and call. These are read-only views built
//! from the accessors the campaign already has (the store's columns, the
//! live-call table, the timer wheel, the operator table); nothing here
//! changes the campaign, reads a clock or allocates beyond the result.
//!
//! Paging: [`Campaign::contacts_in_state`] scans ids from `start` upwards
//! and stops after `max` matches, so a host lists a million contacts in
//! pages of a few hundred by passing the last id of a page plus one as the
//! next `start`. Ids are stable (a contact keeps its id for the campaign's
//! life), so pages taken between events neither skip nor repeat a contact
//! that stayed in the state.

use super::Campaign;
use crate::event::{CallId, OperatorId};
use crate::state::{Outcome, State};
use crate::store::ContactId;

/// What a host sees of one contact (see [`Campaign::contact_info`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactInfo<'a> {
    /// Its state.
    pub state: State,
    /// The numbers to dial, E.164 digits, in dial order; empty for an
    /// InvalidRecord (its raw text is in [`ContactInfo::invalid_text`]).
    pub numbers: Vec<u64>,
    /// The host's id for it (`""` when none was given).
    pub external_id: &'a str,
    /// The raw text of an InvalidRecord's number, else `""`.
    pub invalid_text: &'a str,
    /// Dial attempts so far.
    pub attempts: u8,
    /// The outcome of the last attempt ([`Outcome::None`] before the first).
    pub last_outcome: Outcome,
    /// When its pending timer fires (a retry or callback due, a ring
    /// timeout, the end of BCW, …), ms since the Unix epoch; none when no
    /// timer is pending (an Initial contact is due as soon as an operator
    /// and the guards allow).
    pub due_ms: Option<u64>,
    /// The IANA name of its time zone.
    pub timezone: &'a str,
    /// Its priority (higher first).
    pub priority: u8,
    /// The operator bound to it (offer, BCW, call or ACW), if any.
    pub operator: Option<OperatorId>,
    /// Its call in progress (dialed, not ended), if any.
    pub call: Option<CallId>,
}

/// What an operator is busy with (see [`Campaign::operator_work`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OperatorWork {
    /// The contact offered to, dialed for or talking with the operator, if any.
    pub contact: Option<ContactId>,
    /// That contact's call in progress, if any.
    pub call: Option<CallId>,
}

impl Campaign {
    /// Everything a host shows about one contact; none for an unknown id.
    pub fn contact_info(&self, contact: ContactId) -> Option<ContactInfo<'_>> {
        let store = self.store();
        let state = store.state(contact)?;
        let number = store.number(contact).unwrap_or(0);
        let invalid_text = store.invalid_reason(contact).map_or("", |(_, raw)| raw);
        let zone = store.zone(contact)?;
        Some(ContactInfo {
            state,
            numbers: if number == 0 {
                Vec::new()
            } else {
                vec![number]
            },
            external_id: store.external_id(contact).unwrap_or(""),
            invalid_text,
            attempts: store.attempts(contact).unwrap_or(0),
            last_outcome: store.last_outcome(contact).unwrap_or(Outcome::None),
            due_ms: self.timer_of(contact),
            timezone: self.zones().name(zone),
            priority: store.priority(contact).unwrap_or(0),
            operator: self.operator_of(contact),
            call: self.call_of(contact),
        })
    }

    /// The contact and call an operator is busy with; none for an unknown
    /// operator. A ready, paused or logged-out operator has neither.
    pub fn operator_work(&self, operator: OperatorId) -> Option<OperatorWork> {
        self.operators().state(operator)?;
        let contact = self.operators().contact(operator);
        Some(OperatorWork {
            contact,
            call: contact.and_then(|c| self.call_of(c)),
        })
    }

    /// Up to `max` ids of the contacts in `state`, in id order, from id
    /// `start` on (see the module docs for paging). A `start` past the last
    /// contact gives an empty page.
    pub fn contacts_in_state(
        &self,
        state: State,
        start: u32,
        max: usize,
    ) -> impl Iterator<Item = ContactId> + '_ {
        let code = state.code();
        let states = self.store().states();
        let from = (start as usize).min(states.len());
        states[from..]
            .iter()
            .enumerate()
            .filter(move |(_, &s)| s == code)
            .map(move |(i, _)| ContactId((from + i) as u32))
            .take(max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::CampaignConfig;
    use crate::event::{Command, Event};
    use crate::Mode;

    const T0: u64 = 1_767_603_600_000;

    fn campaign() -> Campaign {
        let mut c = Campaign::new(CampaignConfig {
            bcw_ms: 0,
            default_country: Some(1),
            ..CampaignConfig::new(Mode::Progressive)
        })
        .unwrap();
        c.add_contact("212-555-0100", "crm-1", Some("America/New_York"), 2)
            .unwrap();
        c.add_contact("not a number", "crm-2", None, 0).unwrap();
        c.add_contact("212-555-0102", "", None, 0).unwrap();
        c
    }

    #[test]
    fn contact_info_reads_the_columns() {
        let c = campaign();
        let a = c.contact_info(ContactId(0)).unwrap();
        assert_eq!(a.state, State::Initial);
        assert_eq!(a.numbers, vec![12125550100]);
        assert_eq!(
            (a.external_id, a.timezone, a.priority),
            ("crm-1", "America/New_York", 2)
        );
        assert_eq!(
            (a.attempts, a.last_outcome, a.due_ms),
            (0, Outcome::None, None)
        );
        assert_eq!((a.operator, a.call), (None, None));
        let bad = c.contact_info(ContactId(1)).unwrap();
        assert_eq!(bad.state, State::InvalidRecord);
        assert!(bad.numbers.is_empty());
        assert_eq!(bad.invalid_text, "not a number");
        assert_eq!(bad.timezone, "UTC");
        assert!(c.contact_info(ContactId(3)).is_none());
    }

    #[test]
    fn a_call_shows_on_the_contact_and_its_operator_then_the_retry_is_due() {
        let mut c = campaign();
        let op = c.add_operator();
        assert_eq!(
            c.operator_work(op),
            Some(OperatorWork {
                contact: None,
                call: None
            })
        );
        c.handle(Event::OperatorLogin(op), T0).unwrap();
        c.handle(Event::OperatorReady(op), T0).unwrap();
        let mut out = Vec::new();
        c.poll(T0, &mut out).unwrap();
        let Some(&Command::Offer { contact, .. }) = out.first() else {
            panic!("{out:?}")
        };
        c.handle(
            Event::OperatorAccepted {
                operator: op,
                contact,
            },
            T0,
        )
        .unwrap();
        out.clear();
        c.poll(T0, &mut out).unwrap();
        let Some(&Command::Dial { call, .. }) =
            out.iter().find(|x| matches!(x, Command::Dial { .. }))
        else {
            panic!("{out:?}")
        };
        let info = c.contact_info(contact).unwrap();
        assert_eq!((info.state, info.attempts), (State::Calling, 1));
        assert_eq!((info.operator, info.call), (Some(op), Some(call)));
        assert_eq!(info.due_ms, Some(T0 + c.config().ring_timeout_ms));
        assert_eq!(
            c.operator_work(op),
            Some(OperatorWork {
                contact: Some(contact),
                call: Some(call)
            })
        );
        c.handle(Event::Rejected(call), T0 + 5_000).unwrap();
        let info = c.contact_info(contact).unwrap();
        assert_eq!(info.state, State::RetryScheduled);
        assert_eq!(info.last_outcome, Outcome::Busy);
        assert_eq!(
            info.due_ms,
            Some(T0 + 5_000 + c.config().retry.busy.delay_ms)
        );
        assert_eq!((info.operator, info.call), (None, None));
        assert!(c.operator_work(OperatorId(9)).is_none());
    }

    #[test]
    fn pages_of_contacts_in_a_state_cover_each_once() {
        let mut c = campaign();
        for i in 0..40 {
            let phone = if i % 3 == 0 {
                "bad".to_owned()
            } else {
                format!("212-555-{:04}", 1000 + i)
            };
            c.add_contact(&phone, "", None, 0).unwrap();
        }
        let want: Vec<ContactId> = c.store().ids_in_state(State::Initial).collect();
        for page in [1, 4, 7, 100] {
            let mut got: Vec<ContactId> = Vec::new();
            let mut start = 0;
            loop {
                let ids: Vec<ContactId> =
                    c.contacts_in_state(State::Initial, start, page).collect();
                got.extend(&ids);
                if ids.len() < page {
                    break;
                }
                start = ids.last().unwrap().0 + 1;
            }
            assert_eq!(got, want, "page {page}");
        }
        assert_eq!(c.contacts_in_state(State::Initial, 10_000, 5).count(), 0);
        assert_eq!(c.contacts_in_state(State::Success, 0, 5).count(), 0);
    }
}
