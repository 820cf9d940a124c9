//! Operators lent to one campaign at a time.
//!
//! A floor operator is in exactly one pool ([`Pools`]); while it works for a
//! campaign it is **attached** to it: the pool holds it with a [`Seat`] of
//! that campaign (so it counts as `outbound` and no other campaign can take
//! it), and the campaign sees it as one of its own operators (its local id,
//! made on the first attachment), logged in and ready. Each campaign paces
//! and offers to its attached operators only, so the attachment is a
//! partition: the calls dialed for a pool never exceed what its operators
//! can take, whichever campaign dials them, and each campaign's abandon
//! meter and worst-case guard apply unchanged.
//!
//! **Placing a free operator.** At each poll, for every pool with operators
//! available to outbound work ([`Pools::available_outbound`]: Ready, not
//! attached, less the inbound target's hold-back), the floor asks
//! [`Share::pick_where`] for a campaign of the pool that has a contact to
//! dial (strict priority, then deficit round robin by weight; agentless
//! campaigns take no operators) and attaches the pool's longest-idle
//! operator to it. Each attachment is one pick: **the share counts
//! operator turns** — one turn from the moment an operator is given to a
//! campaign to the moment it is idle again there.
//!
//! **When a turn ends** (the operator is Ready and idle in its campaign
//! again after work — an offer, a call dialed for it or connected to it —
//! and its ACW; or paused or logged out there), before the campaign's next
//! poll (an operator still waiting for its first call, say a predictive
//! one whose calls all failed before an answer, is mid-turn: its campaign
//! dials again for it, and the share is not asked):
//! 1. if the host asked for a pause, a logout or an inbound reserve, it was
//!    passed on and the campaign has already paused or logged it out: it is
//!    detached and goes to that state on the floor;
//! 2. if the pool is short of its inbound target, it is detached (to be
//!    kept free for inbound);
//! 3. **stickiness:** a predictive campaign keeps it while its calls in
//!    flight that no operator is bound to (ringing or answered and waiting)
//!    are at least its ready operators — those calls were dialed counting
//!    on them, and taking one away would abandon an answered client. No
//!    pick is charged for a kept operator;
//! 4. otherwise the share picks again: the same campaign keeps it (a new
//!    turn), another campaign gets it (detached here, attached there), or
//!    no campaign has a contact and it goes back to the pool.
//!
//! After a campaign's poll, an operator still idle there that the rule of
//! stickiness does not keep is detached; one given in this very poll marks
//! the campaign as *tried* (no more operators for it until the poll ends),
//! so a campaign that cannot use an operator now (windows closed, trunks
//! full) does not bounce operators within one poll.
//!
//! Detaching logs the local operator out (it is idle) and frees the seat:
//! the floor operator goes where the host last asked (Ready, Paused,
//! Reserved, LoggedOut). A pause the campaign makes by itself (missed or
//! declined offers, `max_offer_refusals`) becomes a floor pause.

use super::api::FloorError;
use super::campaigns::Floor;
use super::pool::{CallKind, OperatorState as PoolState, Seat};
use super::{CampaignId, PoolId};
use crate::config::Mode;
use crate::event::{Event, OperatorId};
use crate::operators::OperatorState;
use crate::state::State;

impl Floor {
    /// An operator event from the host (no campaign): login, ready, pause,
    /// logout, leaving. Passed on to the campaign it is attached to.
    pub(super) fn operator_event(&mut self, event: Event, now: u64) -> Result<(), FloorError> {
        let op = match event {
            Event::OperatorLogin(op)
            | Event::OperatorReady(op)
            | Event::OperatorPause(op)
            | Event::OperatorLogout(op) => op,
            Event::OperatorLeaving { operator, .. } => operator,
            other => {
                return Err(FloorError::WrongTarget {
                    event: other.name(),
                    expected: "with its campaign",
                })
            }
        };
        let (state, _) = self.pools.state(op)?;
        match event {
            Event::OperatorLogin(_) => self.pools.login(op, now)?,
            Event::OperatorReady(_) => {
                self.pools.ready(op, now)?;
                self.asked_away.remove(&op);
                self.operators[op.0 as usize].leaving = None;
                self.placement_due = true;
            }
            Event::OperatorPause(_) => {
                if state == PoolState::LoggedOut {
                    return Err(pool_state(op, state));
                }
                self.pools.pause(op, now)?;
                self.mark_away(op);
            }
            Event::OperatorLogout(_) => {
                self.pools.logout(op, now)?;
                self.mark_away(op);
                self.operators[op.0 as usize].leaving = None;
            }
            Event::OperatorLeaving { at_ms, .. } => {
                if state == PoolState::LoggedOut {
                    return Err(pool_state(op, state));
                }
                self.operators[op.0 as usize].leaving = Some(at_ms);
            }
            _ => unreachable!("matched above"),
        }
        self.forward(op, event, now)
    }

    /// Reserves a logged-in floor operator for inbound work: no outbound
    /// call until [`Floor::release_inbound`] (after its current work, if it
    /// is attached: the campaign pauses it, then it is detached Reserved).
    pub fn reserve_inbound(&mut self, operator: OperatorId, now_ms: u64) -> Result<(), FloorError> {
        let now = self.time(now_ms)?;
        self.pools.reserve_inbound(operator, now)?;
        self.mark_away(operator);
        self.forward(operator, Event::OperatorPause(operator), now)
    }

    /// Releases a reserved operator for outbound work again (Ready).
    pub fn release_inbound(&mut self, operator: OperatorId, now_ms: u64) -> Result<(), FloorError> {
        let now = self.time(now_ms)?;
        let (state, _) = self.pools.state(operator)?;
        if state != PoolState::Reserved && !matches!(state, PoolState::InCall(_)) {
            return Err(pool_state(operator, state));
        }
        self.pools.ready(operator, now)?;
        self.asked_away.remove(&operator);
        self.placement_due = true;
        self.forward(operator, Event::OperatorReady(operator), now)
    }

    /// Passes an operator event on to the campaign `op` is attached to (as
    /// its local operator), then detaches it if the campaign made it
    /// paused or logged out.
    fn forward(&mut self, op: OperatorId, event: Event, now: u64) -> Result<(), FloorError> {
        let Some(campaign) = self.operator_campaign(op) else {
            return Ok(());
        };
        let slot = self.slot_mut(campaign)?;
        let local = slot.local[&op];
        let local_event = match event {
            Event::OperatorLogin(_) => return Ok(()),
            Event::OperatorReady(_) => Event::OperatorReady(local),
            Event::OperatorPause(_) => Event::OperatorPause(local),
            Event::OperatorLogout(_) => Event::OperatorLogout(local),
            Event::OperatorLeaving { at_ms, .. } => Event::OperatorLeaving {
                operator: local,
                at_ms,
            },
            _ => return Ok(()),
        };
        slot.campaign
            .inner
            .handle(local_event, now)
            .map_err(|error| FloorError::Campaign { campaign, error })?;
        self.mark_dirty(campaign);
        self.settle(op, now)
    }

    /// Detaches `op` if its campaign has it paused or logged out.
    fn settle(&mut self, op: OperatorId, now: u64) -> Result<(), FloorError> {
        let Some(campaign) = self.operator_campaign(op) else {
            return Ok(());
        };
        let slot = self.slot(campaign)?;
        let local = slot.local[&op];
        match slot.campaign.operators().state(local) {
            Some(OperatorState::Paused) => {
                if let Ok((PoolState::InCall(_), _)) = self.pools.state(op) {
                    // A pause the campaign made by itself (refused offers),
                    // or one the host asked for: a pause on the floor too,
                    // unless the host asked for more (logout, reserve).
                    if self.pools_after_is_ready(op) {
                        self.pools.pause(op, now)?;
                    }
                }
                self.detach(op, now)
            }
            Some(OperatorState::Offline) => self.detach(op, now),
            _ => Ok(()),
        }
    }

    /// Notes that the host asked an attached operator to leave outbound
    /// work (pause, logout, inbound reserve).
    fn mark_away(&mut self, op: OperatorId) {
        if self.operator_campaign(op).is_some() {
            self.asked_away.insert(op);
        }
    }

    /// True when the floor operator held by a seat goes back to Ready when
    /// it is freed (the host asked nothing else meanwhile).
    fn pools_after_is_ready(&self, op: OperatorId) -> bool {
        !self.asked_away.contains(&op)
    }

    /// Attaches a free (seated) floor operator to `campaign`: its local
    /// operator logs in and gets ready there.
    pub(super) fn attach(
        &mut self,
        op: OperatorId,
        campaign: CampaignId,
        seat: Seat,
        now: u64,
    ) -> Result<(), FloorError> {
        let leaving = self.operators[op.0 as usize].leaving;
        let slot = self.slot_mut(campaign)?;
        let local = match slot.local.get(&op) {
            Some(&l) => l,
            None => {
                let l = slot.campaign.inner.add_operator();
                slot.local.insert(op, l);
                slot.floor_of.insert(l, op);
                l
            }
        };
        let mut steps = vec![Event::OperatorLogin(local), Event::OperatorReady(local)];
        if let Some(at_ms) = leaving {
            steps.push(Event::OperatorLeaving {
                operator: local,
                at_ms,
            });
        }
        for e in steps {
            slot.campaign
                .inner
                .handle(e, now)
                .map_err(|error| FloorError::Campaign { campaign, error })?;
        }
        slot.attached.push(op);
        let fo = &mut self.operators[op.0 as usize];
        fo.attached = Some((campaign, seat));
        fo.fresh = true;
        fo.served = false;
        self.mark_dirty(campaign);
        Ok(())
    }

    /// Detaches `op` from its campaign: logged out there (it is idle or
    /// paused), its seat freed on the floor.
    pub(super) fn detach(&mut self, op: OperatorId, now: u64) -> Result<(), FloorError> {
        let Some((campaign, seat)) = self.operators[op.0 as usize].attached.take() else {
            return Ok(());
        };
        self.operators[op.0 as usize].fresh = false;
        if let Ok(slot) = self.slot_mut(campaign) {
            let local = slot.local[&op];
            if slot.campaign.operators().state(local) != Some(OperatorState::Offline) {
                slot.campaign
                    .inner
                    .handle(Event::OperatorLogout(local), now)
                    .map_err(|error| FloorError::Campaign { campaign, error })?;
            }
            slot.attached.retain(|o| *o != op);
        }
        self.asked_away.remove(&op);
        if self.pools.free(seat, now)? == PoolState::Ready {
            self.placement_due = true;
        }
        Ok(())
    }

    /// Before a campaign's poll: the turns that ended there (see the module
    /// doc, rules 1–4).
    pub(super) fn end_turns(&mut self, campaign: CampaignId, now: u64) -> Result<(), FloorError> {
        let slot = self.slot(campaign)?;
        let idle: Vec<OperatorId> = slot
            .attached
            .iter()
            .copied()
            .filter(|op| !self.operators[op.0 as usize].fresh)
            .filter(|op| {
                match slot.campaign.operators().state(slot.local[op]) {
                    Some(OperatorState::Paused | OperatorState::Offline) => true,
                    // Idle again after work; one that has had none yet (a
                    // predictive operator whose calls failed before an
                    // answer) is still in its turn: its campaign dials again.
                    Some(OperatorState::Ready) => self.operators[op.0 as usize].served,
                    _ => false,
                }
            })
            .collect();
        for op in idle {
            self.settle(op, now)?;
            if self.operator_campaign(op) != Some(campaign) {
                continue;
            }
            let pool = self.operators[op.0 as usize].pool;
            if self.asked_away.contains(&op) || self.inbound_short(pool) {
                self.detach(op, now)?;
                continue;
            }
            if self.sticky(campaign)? {
                continue;
            }
            self.repick(op, campaign, pool, now)?;
        }
        Ok(())
    }

    /// After a campaign's poll: operators it left idle (and stickiness does
    /// not keep) are detached; one given in this poll marks it tried.
    pub(super) fn after_poll(&mut self, campaign: CampaignId, now: u64) -> Result<(), FloorError> {
        let slot = self.slot(campaign)?;
        let ops: Vec<(OperatorId, bool)> = slot
            .attached
            .iter()
            .map(|op| {
                let ready =
                    slot.campaign.operators().state(slot.local[op]) == Some(OperatorState::Ready);
                (*op, ready)
            })
            .collect();
        for (op, idle) in ops {
            let fresh = std::mem::take(&mut self.operators[op.0 as usize].fresh);
            if !idle {
                self.settle(op, now)?;
                continue;
            }
            if self.sticky(campaign)? && !self.asked_away.contains(&op) {
                continue;
            }
            if fresh {
                self.slot_mut(campaign)?.tried = true;
            }
            self.detach(op, now)?;
        }
        Ok(())
    }

    /// Rule 3: a predictive campaign whose unbound calls in flight are at
    /// least its ready operators keeps them.
    fn sticky(&self, campaign: CampaignId) -> Result<bool, FloorError> {
        let c = &self.slot(campaign)?.campaign;
        if c.config().mode != Mode::Predictive {
            return Ok(false);
        }
        let counts = c.counts();
        let in_flight = counts.get(State::Calling) + counts.get(State::AwaitingOperator);
        let ready = c.operators().ready_count() as u32;
        Ok(ready > 0 && in_flight >= ready)
    }

    /// True when `pool` holds back fewer idle operators for inbound work
    /// than its target.
    fn inbound_short(&self, pool: PoolId) -> bool {
        let Ok(counts) = self.pools.counts(pool) else {
            return false;
        };
        let target = self.pools.inbound_target(pool).unwrap_or(0);
        target > 0 && counts.ready + counts.reserved < target
    }

    /// Rule 4: the share picks a campaign for an operator whose turn in
    /// `campaign` ended.
    fn repick(
        &mut self,
        op: OperatorId,
        campaign: CampaignId,
        pool: PoolId,
        now: u64,
    ) -> Result<(), FloorError> {
        let slots = &self.slots;
        let pick = self.share.pick_where(pool, |c| {
            c == campaign
                || slots
                    .get(c.0 as usize)
                    .and_then(Option::as_ref)
                    .is_some_and(|slot| wants_operators(slot, now))
        });
        match pick {
            Some(c) if c == campaign => {
                self.operators[op.0 as usize].served = false;
                Ok(())
            }
            Some(other) => {
                self.detach(op, now)?;
                let seat = self.pools.take_operator(op, CallKind::Outbound(other))?;
                self.attach(op, other, seat, now)
            }
            None => self.detach(op, now),
        }
    }

    /// Gives free operators of every pool to the campaigns the share picks
    /// (see the module doc).
    pub(super) fn place_free_operators(&mut self, now: u64) -> Result<(), FloorError> {
        self.placement_due = false;
        for p in 0..self.pools.pool_count() {
            let pool = PoolId(p as u32);
            while self.pools.available_outbound(pool)? > 0 {
                let slots = &self.slots;
                let pick = self.share.pick_where(pool, |c| {
                    slots
                        .get(c.0 as usize)
                        .and_then(Option::as_ref)
                        .is_some_and(|slot| wants_operators(slot, now))
                });
                let Some(campaign) = pick else { break };
                let seat = self.pools.take_outbound(pool, campaign)?;
                let op = seat.operator();
                self.attach(op, campaign, seat, now)?;
            }
        }
        Ok(())
    }
}

/// Whether a campaign may be given an operator now: it dials through
/// operators, has a contact to dial, has not left one idle in this poll,
/// and its trunk is not refusing its dials (no line, or no token before
/// `trunk_blocked_until`): an operator given to a trunk-bound campaign
/// would be left idle and handed round again at the same instant.
fn wants_operators(slot: &super::campaigns::Slot, now: u64) -> bool {
    !slot.tried
        && !slot.line_wait
        && slot.trunk_blocked_until.is_none_or(|t| t <= now)
        && slot.campaign.config().mode != Mode::Agentless
        && slot.campaign.has_dialable()
}

fn pool_state(op: OperatorId, state: PoolState) -> FloorError {
    FloorError::Pool(super::pool::PoolError::BadState {
        operator: op,
        state,
    })
}
