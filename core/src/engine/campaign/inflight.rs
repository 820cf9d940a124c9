//! Calls in flight, one record each: the contacts bound to an operator or a
//! call, and the numbers they hold.
//!
//! The few contacts bound to an operator or a call — hundreds, not millions —
//! have one [`Live`] record each, found with one hash lookup by contact id:
//! the operator, the number dialed while a call exists, answered or not, the
//! admin action pending until the call ends. Beside the records, [`Calls`]
//! keeps what the guard reads about numbers — the numbers in a call and the
//! numbers reserved by an offer or BCW, so that a second contact with the
//! same number is not dialed meanwhile — and the answered calls waiting for
//! an operator, longest waiting first. Every change goes through the
//! methods here, so the records, the number sets and the waiting queue
//! always agree. (The pacer's per-call statistics are the pacing layer's;
//! the engine feeds them through `record`, see `counters`.)

use super::*;

/// A contact bound to an operator or a call.
#[derive(Debug, Clone, Copy)]
pub(super) struct Live {
    pub(super) operator: Option<OperatorId>,
    /// The number dialed, while a call exists.
    pub(super) call_number: Option<u64>,
    pub(super) answered: bool,
    pub(super) pending: Option<PendingAdmin>,
    /// The blacklist's [`Blacklist::version`] at which the guards cleared
    /// `call_number` for this call ([`NOT_CLEARED`] before a dial): while
    /// it is current, the emission gate knows the answer without a lookup.
    pub(super) cleared_at: u64,
    /// When the call was dialed (the `max_call_ms` watchdog counts from it).
    pub(super) dialed_at: u64,
}

/// [`Live::cleared_at`] of a contact not dialed yet (no blacklist version
/// ever reaches it).
pub(super) const NOT_CLEARED: u64 = u64::MAX;

/// The calls in flight and the numbers they hold.
#[derive(Debug, Default)]
pub(super) struct Calls {
    live: HashMap<u32, Live>,
    /// Numbers in a call now.
    numbers_in_call: HashSet<u64>,
    /// Numbers of contacts offered to an operator or in BCW, so a second
    /// contact with the same number is not offered while the first may still
    /// be dialed.
    numbers_offered: HashMap<u64, u32>,
    /// Answered calls waiting for an operator, longest waiting first.
    waiting: VecDeque<u32>,
}

impl Calls {
    /// The record of a bound contact.
    pub(super) fn get(&self, id: ContactId) -> Option<&Live> {
        self.live.get(&id.0)
    }

    /// The record of a bound contact, to change its flags.
    pub(super) fn get_mut(&mut self, id: ContactId) -> Option<&mut Live> {
        self.live.get_mut(&id.0)
    }

    /// The operator bound to a contact.
    pub(super) fn operator(&self, id: ContactId) -> Option<OperatorId> {
        self.get(id).and_then(|l| l.operator)
    }

    /// Every record, in no particular order.
    pub(super) fn iter(&self) -> impl Iterator<Item = (u32, &Live)> + '_ {
        self.live.iter().map(|(&id, l)| (id, l))
    }

    /// An offer: the contact bound to `op`, its number reserved.
    pub(super) fn offer(&mut self, id: ContactId, number: u64, op: OperatorId) {
        self.numbers_offered.insert(number, id.0);
        self.live.insert(
            id.0,
            Live {
                operator: Some(op),
                call_number: None,
                answered: false,
                pending: None,
                cleared_at: NOT_CLEARED,
                dialed_at: 0,
            },
        );
    }

    /// A dial: the contact's call on `number` (its pending admin action
    /// kept), cleared by the guards at blacklist version `cleared_at`, the
    /// offer reservation turned into a number in a call. One hash probe for
    /// the record (an entry), none for the offers when there are none.
    pub(super) fn dial(
        &mut self,
        id: ContactId,
        number: u64,
        operator: Option<OperatorId>,
        cleared_at: u64,
        now: u64,
    ) {
        let live = self.live.entry(id.0).or_insert(Live {
            operator,
            call_number: None,
            answered: false,
            pending: None,
            cleared_at,
            dialed_at: now,
        });
        *live = Live {
            operator,
            call_number: Some(number),
            answered: false,
            pending: live.pending,
            cleared_at,
            dialed_at: now,
        };
        self.release_offer(id, number);
        self.numbers_in_call.insert(number);
    }

    /// Unbinds a contact (its number, `number`, loses its offer
    /// reservation; a call's number is released by `hang_up`).
    pub(super) fn take(&mut self, id: ContactId, number: u64) -> Option<Live> {
        let live = self.live.remove(&id.0)?;
        self.release_offer(id, number);
        Some(live)
    }

    /// Drops `id`'s offer reservation of `number`, if it holds one.
    pub(super) fn release_offer(&mut self, id: ContactId, number: u64) {
        if !self.numbers_offered.is_empty() && self.numbers_offered.get(&number) == Some(&id.0) {
            self.numbers_offered.remove(&number);
        }
    }

    /// The call on `number` is over: the number is free for another contact.
    pub(super) fn hang_up(&mut self, number: u64) {
        self.numbers_in_call.remove(&number);
    }

    /// True while `number` is in a call.
    pub(super) fn in_call(&self, number: u64) -> bool {
        self.numbers_in_call.contains(&number)
    }

    /// True while `number` is offered for another contact than `id` or in a call.
    pub(super) fn number_busy(&self, number: u64, id: ContactId) -> bool {
        let offered_elsewhere = !self.numbers_offered.is_empty()
            && self
                .numbers_offered
                .get(&number)
                .is_some_and(|&other| other != id.0);
        offered_elsewhere || self.in_call(number)
    }

    /// An answered call starts waiting for an operator.
    pub(super) fn wait(&mut self, id: ContactId) {
        self.waiting.push_back(id.0);
    }

    /// The answered call waiting longest.
    pub(super) fn first_waiting(&self) -> Option<ContactId> {
        self.waiting.front().map(|&id| ContactId(id))
    }

    /// Takes the answered call waiting longest.
    pub(super) fn pop_waiting(&mut self) -> Option<ContactId> {
        self.waiting.pop_front().map(ContactId)
    }

    /// A waiting call ended before an operator came.
    pub(super) fn unwait(&mut self, id: ContactId) {
        self.waiting.retain(|&w| w != id.0);
    }

    /// Contacts bound to an operator or a call (agentless: the calls in flight).
    pub(super) fn len(&self) -> usize {
        self.live.len()
    }

    /// Answered calls waiting for an operator now.
    pub(super) fn waiting(&self) -> usize {
        self.waiting.len()
    }
}
