//! Operators (agents): their states and the routing to the longest-idle one.
//!
//! An operator logs in (Paused), becomes Ready, is offered a contact
//! (Offered), prepares (Bcw), is on a call (OnCall: ringing or talking), does
//! after-call work (Acw), pauses, logs out. The engine routes each contact to
//! the **longest-idle ready operator**: the ready set is ordered by the time
//! the operator last became ready, then by id, so routing is fair and
//! deterministic. The ready set is a `ReadyQueue`: the `(ready_since, id)`
//! pairs in that order in a ring buffer. Engine time does not go back, so an
//! operator becoming ready almost always goes at the tail (O(1); a time
//! earlier than the tail's, or an equal time with a lower id, is put in its
//! place by binary search); the longest idle is the head; an operator who
//! stops being ready is only marked gone (its ticket no longer matches) and
//! dropped when it reaches the head or when the gone outnumber the ready
//! (one compaction, amortized O(1)). This replaced a `BTreeSet`, whose
//! insert and remove were a tenth of an event cycle's time.
//!
//! The engine pauses an operator by itself only for missed or declined
//! offers (see `max_offer_refusals`); it keeps the count of refusals in a
//! row (an accept resets it) and the [`PauseReason`], which stays readable
//! until the operator leaves the pause.
//!
//! Pause and logout never cut work in hand: an operator who pauses or logs
//! out during a call or ACW does so when that work ends.
//!
//! **Leaving marks.** An operator may be marked as leaving at a time
//! (`Event::OperatorLeaving`: an announced break or logout). The mark
//! changes no state; the pacer reads it so as not to count the operator as
//! ready or soon free past that time. `OperatorReady` clears it (through
//! the engine), and so does any move to or from Offline (a logout, a new
//! login). The marked operators are counted, so a poll with none pays
//! nothing for the feature.

use std::collections::VecDeque;
use std::fmt;

use crate::event::OperatorId;
use crate::store::ContactId;

/// What an operator is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum OperatorState {
    /// Not logged in.
    Offline = 0,
    /// Logged in and waiting for a contact.
    Ready = 1,
    /// Logged in, not taking contacts.
    Paused = 2,
    /// A contact is offered, awaiting acceptance.
    Offered = 3,
    /// Before-call work: the countdown to the dial runs.
    Bcw = 4,
    /// Bound to a call: ringing (preview/progressive) or talking.
    OnCall = 5,
    /// After-call work.
    Acw = 6,
}

impl OperatorState {
    /// The identifier-style name.
    pub fn name(self) -> &'static str {
        match self {
            OperatorState::Offline => "Offline",
            OperatorState::Ready => "Ready",
            OperatorState::Paused => "Paused",
            OperatorState::Offered => "Offered",
            OperatorState::Bcw => "Bcw",
            OperatorState::OnCall => "OnCall",
            OperatorState::Acw => "Acw",
        }
    }

    /// True while the operator holds a contact (offer, BCW, call or ACW).
    pub fn is_busy(self) -> bool {
        matches!(
            self,
            OperatorState::Offered
                | OperatorState::Bcw
                | OperatorState::OnCall
                | OperatorState::Acw
        )
    }
}

impl fmt::Display for OperatorState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What the operator asked for while busy, applied when the work ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum AfterWork {
    /// Become ready.
    #[default]
    Ready,
    /// Pause.
    Pause,
    /// Log out.
    Logout,
}

/// Why the engine paused an operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum PauseReason {
    /// Offers timed out without an answer (the last refusal was a miss).
    MissedOffers = 1,
    /// Offers were declined (the last refusal was a decline).
    DeclinedOffers = 2,
}

impl PauseReason {
    /// The identifier-style name.
    pub fn name(self) -> &'static str {
        match self {
            PauseReason::MissedOffers => "MissedOffers",
            PauseReason::DeclinedOffers => "DeclinedOffers",
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Operator {
    state: OperatorState,
    /// When the operator entered `state`.
    since_ms: u64,
    contact: Option<ContactId>,
    after_work: AfterWork,
    logged_in_since_ms: u64,
    logged_in_ms: u64,
    talk_since_ms: Option<u64>,
    talk_ms: u64,
    /// When the operator announced leaving (pause or logout), if marked.
    leaving_at_ms: Option<u64>,
    /// Offers missed or declined in a row.
    refusals: u32,
    /// Why the engine paused the operator, while paused.
    pause_reason: Option<PauseReason>,
}

/// All operators of a campaign.
#[derive(Debug, Clone, Default)]
pub struct Operators {
    ops: Vec<Operator>,
    ready: ReadyQueue,
    /// Operators in each state, indexed by `OperatorState as usize`.
    in_state: [u32; 7],
    logged_in: u32,
    /// Operators with a leaving mark.
    leaving: u32,
    /// The ids of the last state changes (a ring of [`CHANGE_RING`]), and
    /// how many changes there were in all: a reader that remembers the
    /// count reads what changed since ([`Operators::changed_since`]).
    changes: Vec<u32>,
    change_count: u64,
}

/// State changes [`Operators::changed_since`] can list.
const CHANGE_RING: usize = 256;

impl Operators {
    /// Adds an operator, offline.
    pub fn add(&mut self) -> OperatorId {
        let id = OperatorId(self.ops.len() as u32);
        self.ops.push(Operator {
            state: OperatorState::Offline,
            since_ms: 0,
            contact: None,
            after_work: AfterWork::Ready,
            logged_in_since_ms: 0,
            logged_in_ms: 0,
            talk_since_ms: None,
            talk_ms: 0,
            leaving_at_ms: None,
            refusals: 0,
            pause_reason: None,
        });
        self.ready.tickets.push(0);
        self.in_state[OperatorState::Offline as usize] += 1;
        id
    }

    /// Number of operators (any state).
    pub fn len(&self) -> usize {
        self.ops.len()
    }

    /// True if there are no operators.
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    /// True if `id` names an operator.
    pub fn contains(&self, id: OperatorId) -> bool {
        (id.0 as usize) < self.ops.len()
    }

    /// An operator's state.
    pub fn state(&self, id: OperatorId) -> Option<OperatorState> {
        self.ops.get(id.0 as usize).map(|o| o.state)
    }

    /// The contact an operator holds (offer, BCW, call or ACW).
    pub fn contact(&self, id: OperatorId) -> Option<ContactId> {
        self.ops.get(id.0 as usize).and_then(|o| o.contact)
    }

    /// Operators ready now.
    pub fn ready_count(&self) -> usize {
        self.ready.live
    }

    /// Operators logged in (any state but Offline).
    pub fn logged_in_count(&self) -> usize {
        self.logged_in as usize
    }

    /// The longest-idle ready operator.
    pub fn longest_idle(&self) -> Option<OperatorId> {
        // The head is always a ready operator (see `ReadyQueue::remove`).
        self.ready.entries.front().map(|e| OperatorId(e.id))
    }

    /// The ready operators, longest idle first.
    pub fn ready_in_order(&self) -> impl Iterator<Item = OperatorId> + '_ {
        self.ready.iter().map(|e| OperatorId(e.id))
    }

    /// When each ready operator became ready, longest idle first.
    pub fn ready_since_in_order(&self) -> impl Iterator<Item = u64> + '_ {
        self.ready.iter().map(|e| e.since)
    }

    /// Every operator's state, when it entered it, and its leaving mark,
    /// in id order (one pass for the pacing views).
    pub fn states_since(&self) -> impl Iterator<Item = (OperatorState, u64, Option<u64>)> + '_ {
        self.ops
            .iter()
            .map(|o| (o.state, o.since_ms, o.leaving_at_ms))
    }

    /// State changes so far (see [`Operators::changed_since`]).
    pub fn change_count(&self) -> u64 {
        self.change_count
    }

    /// The operators whose state changed since the change count read
    /// `count` (with repeats), with their state and when they entered
    /// it; `None` when more changes than the ring keeps came since.
    pub fn changed_since(
        &self,
        count: u64,
    ) -> Option<impl Iterator<Item = (usize, OperatorState, u64)> + '_> {
        let new = self.change_count.checked_sub(count)?;
        if new > CHANGE_RING as u64 {
            return None;
        }
        Some((count..self.change_count).map(move |c| {
            let id = self.changes[(c % CHANGE_RING as u64) as usize] as usize;
            let op = &self.ops[id];
            (id, op.state, op.since_ms)
        }))
    }

    /// Operators in each state, indexed by `OperatorState as usize`.
    pub fn counts(&self) -> [u32; 7] {
        self.in_state
    }

    /// How long an operator has been in its state at `now_ms`.
    pub fn time_in_state(&self, id: OperatorId, now_ms: u64) -> Option<u64> {
        self.ops
            .get(id.0 as usize)
            .map(|o| now_ms.saturating_sub(o.since_ms))
    }

    /// Total talk time and logged-in time of all operators at `now_ms`.
    pub fn talk_and_logged_in_ms(&self, now_ms: u64) -> (u64, u64) {
        let mut talk = 0u64;
        let mut logged_in = 0u64;
        for op in &self.ops {
            talk = talk.saturating_add(
                op.talk_ms
                    .saturating_add(op.talk_since_ms.map_or(0, |s| now_ms.saturating_sub(s))),
            );
            logged_in = logged_in.saturating_add(op.logged_in_ms);
            if op.state != OperatorState::Offline {
                logged_in = logged_in.saturating_add(now_ms.saturating_sub(op.logged_in_since_ms));
            }
        }
        (talk, logged_in)
    }

    /// When the operator announced leaving (`Event::OperatorLeaving`), if
    /// it did and has not been cleared since.
    pub fn leaving_at(&self, id: OperatorId) -> Option<u64> {
        self.ops.get(id.0 as usize).and_then(|o| o.leaving_at_ms)
    }

    /// Operators with a leaving mark now.
    pub fn leaving_count(&self) -> usize {
        self.leaving as usize
    }

    /// Sets (`Some`) or clears (`None`) the operator's leaving mark.
    pub(crate) fn set_leaving(&mut self, id: OperatorId, at_ms: Option<u64>) {
        let op = &mut self.ops[id.0 as usize];
        match (op.leaving_at_ms.is_some(), at_ms.is_some()) {
            (false, true) => self.leaving += 1,
            (true, false) => self.leaving -= 1,
            _ => {}
        }
        op.leaving_at_ms = at_ms;
    }

    /// Why the engine paused an operator (`None` when it did not, or the
    /// operator has left that pause).
    pub fn pause_reason(&self, id: OperatorId) -> Option<PauseReason> {
        self.ops.get(id.0 as usize).and_then(|o| o.pause_reason)
    }

    /// Counts a missed or declined offer; returns the refusals in a row.
    pub(crate) fn note_refusal(&mut self, id: OperatorId) -> u32 {
        let op = &mut self.ops[id.0 as usize];
        op.refusals = op.refusals.saturating_add(1);
        op.refusals
    }

    /// An accepted offer ends a run of refusals.
    pub(crate) fn reset_refusals(&mut self, id: OperatorId) {
        self.ops[id.0 as usize].refusals = 0;
    }

    /// Records why the engine paused the (now paused) operator; the run of
    /// refusals starts again.
    pub(crate) fn set_pause_reason(&mut self, id: OperatorId, reason: PauseReason) {
        let op = &mut self.ops[id.0 as usize];
        op.pause_reason = Some(reason);
        op.refusals = 0;
    }

    pub(crate) fn after_work(&self, id: OperatorId) -> AfterWork {
        self.ops[id.0 as usize].after_work
    }

    pub(crate) fn set_after_work(&mut self, id: OperatorId, after: AfterWork) {
        self.ops[id.0 as usize].after_work = after;
    }

    /// Moves an operator to `state`, holding `contact`; keeps the ready set,
    /// login time and talk time in step.
    pub(crate) fn set(
        &mut self,
        id: OperatorId,
        state: OperatorState,
        contact: Option<ContactId>,
        now_ms: u64,
    ) {
        let op = &mut self.ops[id.0 as usize];
        if op.state == OperatorState::Ready {
            self.ready.remove(id.0);
        }
        self.in_state[op.state as usize] -= 1;
        self.in_state[state as usize] += 1;
        if op.state == OperatorState::Offline && state != OperatorState::Offline {
            self.logged_in += 1;
            op.logged_in_since_ms = now_ms;
        }
        if (op.state == OperatorState::Offline) != (state == OperatorState::Offline)
            && op.leaving_at_ms.take().is_some()
        {
            // A logout or a new login ends the announcement.
            self.leaving -= 1;
        }
        if op.state != OperatorState::Offline && state == OperatorState::Offline {
            self.logged_in -= 1;
            op.logged_in_ms = op
                .logged_in_ms
                .saturating_add(now_ms.saturating_sub(op.logged_in_since_ms));
        }
        if state == OperatorState::Ready {
            self.ready.insert(now_ms, id.0);
        }
        if state != OperatorState::OnCall {
            op.stop_talk(now_ms);
        }
        if state != OperatorState::Paused {
            op.pause_reason = None;
        }
        op.state = state;
        op.since_ms = now_ms;
        op.contact = contact;
        if self.changes.len() < CHANGE_RING {
            self.changes.push(id.0);
        } else {
            self.changes[(self.change_count % CHANGE_RING as u64) as usize] = id.0;
        }
        self.change_count += 1;
        if !state.is_busy() {
            op.after_work = AfterWork::Ready;
        }
    }

    /// Starts counting talk time (the client is connected).
    pub(crate) fn start_talk(&mut self, id: OperatorId, now_ms: u64) {
        self.ops[id.0 as usize].talk_since_ms = Some(now_ms);
    }

    /// Stops counting talk time.
    pub(crate) fn stop_talk(&mut self, id: OperatorId, now_ms: u64) {
        self.ops[id.0 as usize].stop_talk(now_ms);
    }
}

/// One operator's place in the ready queue.
#[derive(Debug, Clone, Copy)]
struct ReadyEntry {
    /// When the operator became ready.
    since: u64,
    id: u32,
    /// The entry is the operator's current one while this equals the
    /// operator's ticket in [`ReadyQueue::tickets`].
    ticket: u64,
}

/// The ready operators, longest idle first (see the module docs): entries
/// sorted by `(since, id)`, the gone ones marked by a stale ticket. The
/// head is always a current entry.
#[derive(Debug, Clone, Default)]
struct ReadyQueue {
    entries: VecDeque<ReadyEntry>,
    /// Each operator's current ticket, 0 when it is not ready.
    tickets: Vec<u64>,
    /// The last ticket handed out.
    last_ticket: u64,
    /// Operators ready now (current entries).
    live: usize,
}

impl ReadyQueue {
    fn is_current(&self, e: &ReadyEntry) -> bool {
        self.tickets[e.id as usize] == e.ticket
    }

    /// The current entries, in order.
    fn iter(&self) -> impl Iterator<Item = &ReadyEntry> + '_ {
        self.entries.iter().filter(|e| self.is_current(e))
    }

    /// Operator `id` (not in the queue) became ready at `since`.
    fn insert(&mut self, since: u64, id: u32) {
        self.last_ticket += 1;
        let entry = ReadyEntry {
            since,
            id,
            ticket: self.last_ticket,
        };
        self.tickets[id as usize] = entry.ticket;
        self.live += 1;
        let key = (since, id);
        match self.entries.back() {
            Some(b) if (b.since, b.id) > key => {
                let at = self.entries.partition_point(|e| (e.since, e.id) < key);
                self.entries.insert(at, entry);
            }
            _ => self.entries.push_back(entry),
        }
    }

    /// Operator `id` (in the queue) is no longer ready.
    fn remove(&mut self, id: u32) {
        self.tickets[id as usize] = 0;
        self.live -= 1;
        while let Some(front) = self.entries.front() {
            if self.is_current(front) {
                break;
            }
            self.entries.pop_front();
        }
        if self.entries.len() > 2 * self.live + 16 {
            let tickets = &self.tickets;
            self.entries.retain(|e| tickets[e.id as usize] == e.ticket);
        }
    }
}

impl Operator {
    fn stop_talk(&mut self, now_ms: u64) {
        if let Some(since) = self.talk_since_ms.take() {
            self.talk_ms = self.talk_ms.saturating_add(now_ms.saturating_sub(since));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    proptest! {
        /// The ready queue routes exactly like an ordered set of
        /// `(ready_since, id)` (the structure it replaced), and the state
        /// counts match a recount, whatever the moves and times (times
        /// may go back, equal times break by id).
        #[test]
        fn ready_queue_matches_an_ordered_set(
            moves in proptest::collection::vec((0u32..12, 0u8..7, 0u64..40), 1..400)
        ) {
            let mut ops = Operators::default();
            for _ in 0..12 {
                ops.add();
            }
            let mut model: BTreeSet<(u64, u32)> = BTreeSet::new();
            let mut since = [0u64; 12];
            let mut now = 0u64;
            for (id, state, step) in moves {
                // Mostly forward, sometimes back in time.
                now = if step >= 35 { now.saturating_sub(step - 30) } else { now + step / 10 };
                let state = match state {
                    0 => OperatorState::Offline,
                    1 | 2 => OperatorState::Ready,
                    3 => OperatorState::Paused,
                    4 => OperatorState::Offered,
                    5 => OperatorState::OnCall,
                    _ => OperatorState::Acw,
                };
                let op = OperatorId(id);
                if ops.state(op) == Some(OperatorState::Ready) {
                    model.remove(&(since[id as usize], id));
                }
                ops.set(op, state, None, now);
                if state == OperatorState::Ready {
                    model.insert((now, id));
                    since[id as usize] = now;
                }
                let want: Vec<OperatorId> = model.iter().map(|&(_, i)| OperatorId(i)).collect();
                prop_assert_eq!(ops.ready_in_order().collect::<Vec<_>>(), want.clone());
                prop_assert_eq!(
                    ops.ready_since_in_order().collect::<Vec<_>>(),
                    model.iter().map(|&(s, _)| s).collect::<Vec<_>>()
                );
                prop_assert_eq!(ops.longest_idle(), want.first().copied());
                prop_assert_eq!(ops.ready_count(), model.len());
                let mut recount = [0u32; 7];
                for i in 0..12 {
                    recount[ops.state(OperatorId(i)).unwrap() as usize] += 1;
                }
                prop_assert_eq!(ops.counts(), recount);
                prop_assert!(ops.ready.entries.len() <= 2 * ops.ready.live + 17);
            }
        }
    }

    #[test]
    fn routes_to_the_longest_idle_ready_operator() {
        let mut ops = Operators::default();
        let a = ops.add();
        let b = ops.add();
        let c = ops.add();
        ops.set(b, OperatorState::Ready, None, 100);
        ops.set(a, OperatorState::Ready, None, 200);
        ops.set(c, OperatorState::Paused, None, 50);
        assert_eq!(ops.longest_idle(), Some(b));
        assert_eq!(ops.ready_in_order().collect::<Vec<_>>(), vec![b, a]);
        ops.set(b, OperatorState::Offered, Some(ContactId(1)), 300);
        assert_eq!(ops.longest_idle(), Some(a));
        assert_eq!(ops.contact(b), Some(ContactId(1)));
        ops.set(b, OperatorState::Ready, None, 400);
        assert_eq!(ops.ready_in_order().collect::<Vec<_>>(), vec![a, b]);
        assert_eq!(ops.logged_in_count(), 3);
        assert_eq!(ops.ready_count(), 2);
    }

    #[test]
    fn counts_talk_and_login_time() {
        let mut ops = Operators::default();
        let a = ops.add();
        ops.set(a, OperatorState::Ready, None, 1_000);
        ops.set(a, OperatorState::OnCall, Some(ContactId(0)), 2_000);
        ops.start_talk(a, 3_000);
        assert_eq!(ops.talk_and_logged_in_ms(4_000), (1_000, 3_000));
        ops.set(a, OperatorState::Acw, Some(ContactId(0)), 5_000);
        ops.set(a, OperatorState::Offline, None, 6_000);
        assert_eq!(ops.talk_and_logged_in_ms(9_000), (2_000, 5_000));
        assert_eq!(ops.logged_in_count(), 0);
    }

    #[test]
    fn time_sums_saturate_near_the_end_of_u64() {
        let mut ops = Operators::default();
        let a = ops.add();
        let b = ops.add();
        // Two sessions of almost u64::MAX each: the totals stop at u64::MAX.
        ops.set(a, OperatorState::Ready, None, 0);
        ops.set(b, OperatorState::Ready, None, 0);
        ops.set(a, OperatorState::OnCall, Some(ContactId(0)), 1);
        ops.start_talk(a, 1);
        ops.stop_talk(a, u64::MAX - 1);
        ops.set(a, OperatorState::Offline, None, u64::MAX - 1);
        assert_eq!(
            ops.talk_and_logged_in_ms(u64::MAX),
            (u64::MAX - 2, u64::MAX)
        );
        ops.set(a, OperatorState::Ready, None, 0);
        ops.set(a, OperatorState::Offline, None, u64::MAX);
        assert_eq!(ops.talk_and_logged_in_ms(u64::MAX).1, u64::MAX);
    }
}
