//! Pools: the floor's operators, what they may work on, and how many are
//! free for outbound calls.
//!
//! **Pools are skill sets.** Every operator is in exactly one pool; a pool
//! is assigned to any number of campaigns, so one operator serves every
//! campaign of their pool, and a campaign may be served by several pools.
//! An operator with two skills ("sales" and "Spanish") is in the pool of
//! that combination: the host makes one pool per combination it uses. This
//! keeps the pools a partition of the operators, which is what lets pacing
//! work per pool: the calls dialed for a pool never exceed what *its*
//! operators can take, whichever campaign they come from.
//!
//! **Operator states.** `LoggedOut → Paused ⇄ Ready`, and `Reserved`: kept
//! for inbound work, taking no outbound call until released. An operator in
//! a call is held by a [`Seat`], which only [`Pools::take_outbound`],
//! [`Pools::take_inbound`] and [`Pools::take_operator`] make, and only of an
//! operator who is idle; it is not `Clone`, and [`Pools::free`] consumes it.
//! So no operator is ever in two calls: there is no way to ask for it. A
//! pause or logout asked during a call takes effect when the seat is freed;
//! until then the operator finishes the call (a call is never cut).
//!
//! **Inbound reserve (blending).** Besides operators explicitly
//! `Reserved`, each pool may have an inbound target: that many idle
//! operators kept free for inbound calls. Reserved idle operators count
//! towards it; the rest of the target is held back from the pool's Ready
//! operators. [`Pools::available_outbound`] is Ready minus what is held
//! back, the figure predictive pacing uses; [`Pools::take_outbound`] never
//! goes below it. The floor's inbound target is the sum over its pools (a
//! floor-wide number could not say whose skills the inbound calls need, so
//! the host sets it per pool).
//!
//! **Which operator.** The longest idle: each pool keeps its idle
//! operators in two ordered sets by the time they became idle (Ready, and
//! Reserved), O(log n) a take or a state change; every count is O(1).

use std::collections::BTreeSet;
use std::fmt;

use hashbrown::HashMap;
use smallvec::SmallVec;

use super::{CampaignId, PoolId};
use crate::event::OperatorId;

/// An operator's state on the floor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperatorState {
    /// Not logged in.
    LoggedOut,
    /// Logged in, taking no calls.
    Paused,
    /// Idle, taking outbound and inbound calls.
    Ready,
    /// Idle, kept for inbound calls only.
    Reserved,
    /// In a call (held by a [`Seat`]).
    InCall(CallKind),
}

/// What kind of call a [`Seat`] is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CallKind {
    /// A call of this campaign.
    Outbound(CampaignId),
    /// An inbound call (the host's; the floor only keeps the operator busy).
    Inbound,
}

/// An operator held by one call. Only the pools make seats, of idle
/// operators; [`Pools::free`] consumes it.
#[derive(Debug, PartialEq, Eq)]
#[must_use = "a seat must be freed when the operator's call ends"]
pub struct Seat {
    operator: OperatorId,
    pool: PoolId,
    kind: CallKind,
    /// The operator's seat number, to recognise a seat of other pools.
    seq: u64,
}

impl Seat {
    /// The operator in the call.
    #[must_use]
    pub fn operator(&self) -> OperatorId {
        self.operator
    }

    /// The operator's pool.
    #[must_use]
    pub fn pool(&self) -> PoolId {
        self.pool
    }

    /// What the call is.
    #[must_use]
    pub fn kind(&self) -> CallKind {
        self.kind
    }
}

/// Bad input to [`Pools`], or a request that cannot be met now; it changed
/// nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PoolError {
    /// No pool has this id.
    UnknownPool(PoolId),
    /// No operator has this id.
    UnknownOperator(OperatorId),
    /// An operator with this id is already on the floor.
    DuplicateOperator(OperatorId),
    /// The campaign is not assigned to the pool.
    NotAssigned {
        /// The pool.
        pool: PoolId,
        /// The campaign.
        campaign: CampaignId,
    },
    /// No operator of the pool is available for this kind of call now.
    NoneAvailable(PoolId),
    /// The operator's state does not allow this.
    BadState {
        /// The operator.
        operator: OperatorId,
        /// Their state.
        state: OperatorState,
    },
    /// A seat that is not this operator's current one (from other pools).
    ForeignSeat(OperatorId),
}

impl fmt::Display for PoolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PoolError::UnknownPool(p) => write!(f, "unknown {p}"),
            PoolError::UnknownOperator(o) => write!(f, "unknown {o}"),
            PoolError::DuplicateOperator(o) => write!(f, "{o} is already on the floor"),
            PoolError::NotAssigned { pool, campaign } => {
                write!(f, "{campaign} is not assigned to {pool}")
            }
            PoolError::NoneAvailable(p) => write!(f, "no operator of {p} is available"),
            PoolError::BadState { operator, state } => {
                write!(f, "{operator} is {state:?}, which does not allow this")
            }
            PoolError::ForeignSeat(o) => write!(f, "the seat is not {o}'s current one"),
        }
    }
}

impl std::error::Error for PoolError {}

/// What an operator does when their call ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum After {
    Ready,
    Reserved,
    Paused,
    LoggedOut,
}

#[derive(Debug, Clone)]
struct Operator {
    pool: PoolId,
    state: OperatorState,
    /// When they became idle (Ready or Reserved).
    idle_since: u64,
    /// In a call: where they go when it ends.
    after: After,
    /// Seats made so far.
    seq: u64,
}

/// Per-pool counts of operators by state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PoolCounts {
    /// Logged out.
    pub logged_out: u32,
    /// Paused.
    pub paused: u32,
    /// Ready (idle, outbound or inbound).
    pub ready: u32,
    /// Reserved for inbound, idle.
    pub reserved: u32,
    /// In an outbound call.
    pub outbound: u32,
    /// In an inbound call.
    pub inbound: u32,
}

#[derive(Debug, Clone, Default)]
struct Pool {
    campaigns: SmallVec<[CampaignId; 4]>,
    /// Ready operators by (idle since, id): the first is the longest idle.
    ready: BTreeSet<(u64, OperatorId)>,
    /// Reserved idle operators, the same way.
    reserved: BTreeSet<(u64, OperatorId)>,
    counts: PoolCounts,
    inbound_target: u32,
}

impl Pool {
    fn count(&mut self, state: OperatorState) -> &mut u32 {
        match state {
            OperatorState::LoggedOut => &mut self.counts.logged_out,
            OperatorState::Paused => &mut self.counts.paused,
            OperatorState::Ready => &mut self.counts.ready,
            OperatorState::Reserved => &mut self.counts.reserved,
            OperatorState::InCall(CallKind::Outbound(_)) => &mut self.counts.outbound,
            OperatorState::InCall(CallKind::Inbound) => &mut self.counts.inbound,
        }
    }

    fn held_for_inbound(&self) -> u32 {
        self.inbound_target
            .saturating_sub(self.counts.reserved)
            .min(self.counts.ready)
    }
}

/// The floor's operators in their pools (see the module doc).
#[derive(Debug, Clone, Default)]
pub struct Pools {
    pools: Vec<Pool>,
    operators: HashMap<OperatorId, Operator>,
    by_campaign: HashMap<CampaignId, SmallVec<[PoolId; 2]>>,
}

impl Pools {
    /// No pools, no operators.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an empty pool, assigned to no campaign.
    pub fn add_pool(&mut self) -> PoolId {
        self.pools.push(Pool::default());
        PoolId(self.pools.len() as u32 - 1)
    }

    /// Number of pools.
    #[must_use]
    pub fn pool_count(&self) -> usize {
        self.pools.len()
    }

    fn pool_mut(&mut self, pool: PoolId) -> Result<&mut Pool, PoolError> {
        self.pools
            .get_mut(pool.0 as usize)
            .ok_or(PoolError::UnknownPool(pool))
    }

    fn pool(&self, pool: PoolId) -> Result<&Pool, PoolError> {
        self.pools
            .get(pool.0 as usize)
            .ok_or(PoolError::UnknownPool(pool))
    }

    /// Assigns `campaign` to `pool`. Twice is a no-op.
    pub fn assign(&mut self, pool: PoolId, campaign: CampaignId) -> Result<(), PoolError> {
        let p = self.pool_mut(pool)?;
        if !p.campaigns.contains(&campaign) {
            p.campaigns.push(campaign);
            self.by_campaign.entry(campaign).or_default().push(pool);
        }
        Ok(())
    }

    /// Takes `campaign` off `pool` (its calls in progress go on). Not
    /// assigned: a no-op.
    pub fn unassign(&mut self, pool: PoolId, campaign: CampaignId) -> Result<(), PoolError> {
        self.pool_mut(pool)?.campaigns.retain(|c| *c != campaign);
        if let Some(pools) = self.by_campaign.get_mut(&campaign) {
            pools.retain(|p| *p != pool);
            if pools.is_empty() {
                self.by_campaign.remove(&campaign);
            }
        }
        Ok(())
    }

    /// The campaigns `pool` serves, in the order they were assigned.
    pub fn campaigns_of(&self, pool: PoolId) -> Result<&[CampaignId], PoolError> {
        Ok(&self.pool(pool)?.campaigns)
    }

    /// The pools serving `campaign`.
    #[must_use]
    pub fn pools_of(&self, campaign: CampaignId) -> &[PoolId] {
        self.by_campaign
            .get(&campaign)
            .map_or(&[], |p| p.as_slice())
    }

    /// Keeps `target` idle operators of `pool` free for inbound calls
    /// (Reserved ones count; the rest is held back from Ready ones).
    pub fn set_inbound_target(&mut self, pool: PoolId, target: u32) -> Result<(), PoolError> {
        self.pool_mut(pool)?.inbound_target = target;
        Ok(())
    }

    /// The inbound target of `pool`.
    pub fn inbound_target(&self, pool: PoolId) -> Result<u32, PoolError> {
        Ok(self.pool(pool)?.inbound_target)
    }

    /// Adds an operator to `pool`, logged out.
    pub fn add_operator(&mut self, operator: OperatorId, pool: PoolId) -> Result<(), PoolError> {
        if self.operators.contains_key(&operator) {
            return Err(PoolError::DuplicateOperator(operator));
        }
        self.pool_mut(pool)?.counts.logged_out += 1;
        self.operators.insert(
            operator,
            Operator {
                pool,
                state: OperatorState::LoggedOut,
                idle_since: 0,
                after: After::Ready,
                seq: 0,
            },
        );
        Ok(())
    }

    /// Removes an operator who is not in a call.
    pub fn remove_operator(&mut self, operator: OperatorId) -> Result<(), PoolError> {
        let op = self.operator(operator)?;
        if let OperatorState::InCall(_) = op.state {
            return Err(PoolError::BadState {
                operator,
                state: op.state,
            });
        }
        self.set_state(operator, OperatorState::LoggedOut, 0);
        let op = self.operators.remove(&operator).expect("checked");
        self.pools[op.pool.0 as usize].counts.logged_out -= 1;
        Ok(())
    }

    /// Moves an operator who is not in a call to another pool, in the same
    /// state.
    pub fn move_operator(&mut self, operator: OperatorId, pool: PoolId) -> Result<(), PoolError> {
        self.pool(pool)?;
        let op = self.operator(operator)?;
        let (state, since) = (op.state, op.idle_since);
        if let OperatorState::InCall(_) = state {
            return Err(PoolError::BadState { operator, state });
        }
        self.set_state(operator, OperatorState::LoggedOut, 0);
        let op = self.operators.get_mut(&operator).expect("checked");
        self.pools[op.pool.0 as usize].counts.logged_out -= 1;
        op.pool = pool;
        self.pools[pool.0 as usize].counts.logged_out += 1;
        self.set_state(operator, state, since);
        Ok(())
    }

    fn operator(&self, operator: OperatorId) -> Result<&Operator, PoolError> {
        self.operators
            .get(&operator)
            .ok_or(PoolError::UnknownOperator(operator))
    }

    /// An operator's state and pool.
    pub fn state(&self, operator: OperatorId) -> Result<(OperatorState, PoolId), PoolError> {
        self.operator(operator).map(|o| (o.state, o.pool))
    }

    /// Moves an operator between states, keeping the counts and the idle
    /// sets; `now` is when they become idle (Ready, Reserved).
    fn set_state(&mut self, operator: OperatorId, to: OperatorState, now: u64) {
        let op = self.operators.get_mut(&operator).expect("a known operator");
        let pool = &mut self.pools[op.pool.0 as usize];
        match op.state {
            OperatorState::Ready => {
                pool.ready.remove(&(op.idle_since, operator));
            }
            OperatorState::Reserved => {
                pool.reserved.remove(&(op.idle_since, operator));
            }
            _ => {}
        }
        *pool.count(op.state) -= 1;
        *pool.count(to) += 1;
        match to {
            OperatorState::Ready => {
                pool.ready.insert((now, operator));
                op.idle_since = now;
            }
            OperatorState::Reserved => {
                pool.reserved.insert((now, operator));
                op.idle_since = now;
            }
            _ => {}
        }
        op.state = to;
    }

    /// Sets an idle or paused operator's state; during a call, the state
    /// they go to when it ends.
    fn request(&mut self, operator: OperatorId, to: After, now: u64) -> Result<(), PoolError> {
        let op = self
            .operators
            .get_mut(&operator)
            .ok_or(PoolError::UnknownOperator(operator))?;
        let state = op.state;
        let target = match to {
            After::Ready => OperatorState::Ready,
            After::Reserved => OperatorState::Reserved,
            After::Paused => OperatorState::Paused,
            After::LoggedOut => OperatorState::LoggedOut,
        };
        match state {
            OperatorState::InCall(_) => {
                op.after = to;
                Ok(())
            }
            OperatorState::LoggedOut if to != After::LoggedOut => {
                Err(PoolError::BadState { operator, state })
            }
            s if s == target => Ok(()),
            _ => {
                self.set_state(operator, target, now);
                Ok(())
            }
        }
    }

    /// Logs an operator in, paused.
    pub fn login(&mut self, operator: OperatorId, now_ms: u64) -> Result<(), PoolError> {
        match self.operator(operator)?.state {
            OperatorState::LoggedOut => {
                self.set_state(operator, OperatorState::Paused, now_ms);
                Ok(())
            }
            state => Err(PoolError::BadState { operator, state }),
        }
    }

    /// Makes a logged-in operator ready for calls (after their call, if in
    /// one).
    pub fn ready(&mut self, operator: OperatorId, now_ms: u64) -> Result<(), PoolError> {
        self.request(operator, After::Ready, now_ms)
    }

    /// Pauses an operator (after their call, if in one).
    pub fn pause(&mut self, operator: OperatorId, now_ms: u64) -> Result<(), PoolError> {
        self.request(operator, After::Paused, now_ms)
    }

    /// Logs an operator out (after their call, if in one).
    pub fn logout(&mut self, operator: OperatorId, now_ms: u64) -> Result<(), PoolError> {
        self.request(operator, After::LoggedOut, now_ms)
    }

    /// Reserves a logged-in operator for inbound work: no outbound call
    /// until [`Pools::ready`] releases them (after their call, if in one).
    pub fn reserve_inbound(&mut self, operator: OperatorId, now_ms: u64) -> Result<(), PoolError> {
        self.request(operator, After::Reserved, now_ms)
    }

    /// Idle operators of `pool` available to outbound calls now: Ready
    /// minus those held back for the inbound target. What pacing uses.
    pub fn available_outbound(&self, pool: PoolId) -> Result<u32, PoolError> {
        let p = self.pool(pool)?;
        Ok(p.counts.ready - p.held_for_inbound())
    }

    /// The counts of `pool`'s operators by state (O(1)).
    pub fn counts(&self, pool: PoolId) -> Result<PoolCounts, PoolError> {
        Ok(self.pool(pool)?.counts)
    }

    fn seat(&mut self, operator: OperatorId, kind: CallKind) -> Seat {
        let op = self.operators.get_mut(&operator).expect("a known operator");
        op.seq += 1;
        op.after = if op.state == OperatorState::Reserved {
            After::Reserved
        } else {
            After::Ready
        };
        let seat = Seat {
            operator,
            pool: op.pool,
            kind,
            seq: op.seq,
        };
        self.set_state(operator, OperatorState::InCall(kind), 0);
        seat
    }

    /// Seats the longest-idle Ready operator of `pool` for a call of
    /// `campaign`, which must be assigned to the pool; never below the
    /// inbound target.
    pub fn take_outbound(&mut self, pool: PoolId, campaign: CampaignId) -> Result<Seat, PoolError> {
        let p = self.pool(pool)?;
        if !p.campaigns.contains(&campaign) {
            return Err(PoolError::NotAssigned { pool, campaign });
        }
        if self.available_outbound(pool)? == 0 {
            return Err(PoolError::NoneAvailable(pool));
        }
        let &(_, operator) = p.ready.first().expect("ready operators");
        Ok(self.seat(operator, CallKind::Outbound(campaign)))
    }

    /// Seats an operator of `pool` for an inbound call: the longest-idle
    /// Reserved one, else the longest-idle Ready one.
    pub fn take_inbound(&mut self, pool: PoolId) -> Result<Seat, PoolError> {
        let p = self.pool(pool)?;
        let Some(&(_, operator)) = p.reserved.first().or_else(|| p.ready.first()) else {
            return Err(PoolError::NoneAvailable(pool));
        };
        Ok(self.seat(operator, CallKind::Inbound))
    }

    /// Seats this operator (the host chose them, e.g. a preview offer or a
    /// transferred inbound call). Ready: any kind of call (an outbound one
    /// of a campaign of their pool); Reserved: inbound only.
    pub fn take_operator(
        &mut self,
        operator: OperatorId,
        kind: CallKind,
    ) -> Result<Seat, PoolError> {
        let op = self.operator(operator)?;
        let state = op.state;
        match (state, kind) {
            (OperatorState::Ready, CallKind::Outbound(campaign)) => {
                if !self.pools[op.pool.0 as usize].campaigns.contains(&campaign) {
                    return Err(PoolError::NotAssigned {
                        pool: op.pool,
                        campaign,
                    });
                }
            }
            (OperatorState::Ready | OperatorState::Reserved, CallKind::Inbound) => {}
            _ => return Err(PoolError::BadState { operator, state }),
        }
        Ok(self.seat(operator, kind))
    }

    /// The call of `seat` ended at `now_ms`: the operator goes back to where
    /// they were (Ready or Reserved) or to what was asked during the call.
    pub fn free(&mut self, seat: Seat, now_ms: u64) -> Result<OperatorState, PoolError> {
        let op = self.operator(seat.operator)?;
        if op.seq != seat.seq || op.state != OperatorState::InCall(seat.kind) {
            return Err(PoolError::ForeignSeat(seat.operator));
        }
        let to = match op.after {
            After::Ready => OperatorState::Ready,
            After::Reserved => OperatorState::Reserved,
            After::Paused => OperatorState::Paused,
            After::LoggedOut => OperatorState::LoggedOut,
        };
        self.set_state(seat.operator, to, now_ms);
        Ok(to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const C: CampaignId = CampaignId(7);

    fn floor(n: u32) -> (Pools, PoolId) {
        let mut pools = Pools::new();
        let pool = pools.add_pool();
        pools.assign(pool, C).unwrap();
        for i in 0..n {
            pools.add_operator(OperatorId(i), pool).unwrap();
            pools.login(OperatorId(i), 0).unwrap();
            pools.ready(OperatorId(i), u64::from(i)).unwrap();
        }
        (pools, pool)
    }

    #[test]
    fn longest_idle_first_and_back_in_line_after_the_call() {
        let (mut pools, pool) = floor(3);
        let a = pools.take_outbound(pool, C).unwrap();
        assert_eq!(a.operator(), OperatorId(0));
        assert_eq!(pools.available_outbound(pool).unwrap(), 2);
        assert_eq!(pools.free(a, 100).unwrap(), OperatorState::Ready);
        let b = pools.take_outbound(pool, C).unwrap();
        assert_eq!(b.operator(), OperatorId(1));
        let c = pools.take_outbound(pool, C).unwrap();
        assert_eq!(c.operator(), OperatorId(2));
        let d = pools.take_outbound(pool, C).unwrap();
        assert_eq!(d.operator(), OperatorId(0));
        assert_eq!(
            pools.take_outbound(pool, C),
            Err(PoolError::NoneAvailable(pool))
        );
        assert_eq!(pools.counts(pool).unwrap().outbound, 3);
        for s in [b, c, d] {
            pools.free(s, 200).unwrap();
        }
    }

    #[test]
    fn one_operator_serves_several_campaigns_of_the_pool_only() {
        let (mut pools, pool) = floor(1);
        let other = CampaignId(8);
        assert_eq!(
            pools.take_outbound(pool, other),
            Err(PoolError::NotAssigned {
                pool,
                campaign: other
            })
        );
        pools.assign(pool, other).unwrap();
        assert_eq!(pools.pools_of(other), &[pool]);
        assert_eq!(pools.campaigns_of(pool).unwrap(), &[C, other]);
        let s = pools.take_outbound(pool, other).unwrap();
        assert_eq!(s.kind(), CallKind::Outbound(other));
        // In a call: nobody else to take, whichever campaign asks.
        assert!(pools.take_outbound(pool, C).is_err());
        assert!(pools.take_inbound(pool).is_err());
        assert_eq!(
            pools.take_operator(OperatorId(0), CallKind::Inbound),
            Err(PoolError::BadState {
                operator: OperatorId(0),
                state: OperatorState::InCall(CallKind::Outbound(other))
            })
        );
        pools.free(s, 5).unwrap();
        let s = pools.take_outbound(pool, C).unwrap();
        pools.free(s, 6).unwrap();
    }

    #[test]
    fn inbound_reserve_and_target() {
        let (mut pools, pool) = floor(4);
        pools.set_inbound_target(pool, 2).unwrap();
        assert_eq!(pools.available_outbound(pool).unwrap(), 2);
        pools.reserve_inbound(OperatorId(3), 10).unwrap();
        // The reserved one counts towards the target: one Ready held back.
        assert_eq!(pools.available_outbound(pool).unwrap(), 2);
        let a = pools.take_outbound(pool, C).unwrap();
        let b = pools.take_outbound(pool, C).unwrap();
        assert_eq!(
            pools.take_outbound(pool, C),
            Err(PoolError::NoneAvailable(pool))
        );
        // Inbound takes the reserved operator first, then a held-back one.
        let i = pools.take_inbound(pool).unwrap();
        assert_eq!(i.operator(), OperatorId(3));
        let j = pools.take_inbound(pool).unwrap();
        assert_eq!(pools.counts(pool).unwrap().inbound, 2);
        // The reserved operator goes back to the reserve after the call.
        assert_eq!(pools.free(i, 20).unwrap(), OperatorState::Reserved);
        assert_eq!(pools.free(j, 20).unwrap(), OperatorState::Ready);
        // Released, they take outbound calls again.
        pools.set_inbound_target(pool, 0).unwrap();
        pools.ready(OperatorId(3), 30).unwrap();
        assert_eq!(pools.available_outbound(pool).unwrap(), 2);
        for s in [a, b] {
            pools.free(s, 40).unwrap();
        }
        assert_eq!(pools.available_outbound(pool).unwrap(), 4);
    }

    #[test]
    fn pause_and_logout_asked_during_a_call_wait_for_its_end() {
        let (mut pools, pool) = floor(2);
        let s = pools.take_outbound(pool, C).unwrap();
        let op = s.operator();
        pools.pause(op, 5).unwrap();
        assert_eq!(
            pools.state(op).unwrap().0,
            OperatorState::InCall(CallKind::Outbound(C))
        );
        assert_eq!(pools.free(s, 9).unwrap(), OperatorState::Paused);
        pools.ready(op, 10).unwrap();
        let s = pools.take_operator(op, CallKind::Outbound(C)).unwrap();
        pools.logout(op, 11).unwrap();
        assert_eq!(
            pools.remove_operator(op),
            Err(PoolError::BadState {
                operator: op,
                state: OperatorState::InCall(CallKind::Outbound(C))
            })
        );
        assert_eq!(pools.free(s, 12).unwrap(), OperatorState::LoggedOut);
        pools.remove_operator(op).unwrap();
        assert_eq!(pools.state(op), Err(PoolError::UnknownOperator(op)));
        assert_eq!(pools.counts(pool).unwrap().logged_out, 0);
    }

    #[test]
    fn bad_input_is_named() {
        let (mut pools, pool) = floor(1);
        assert_eq!(
            pools.add_operator(OperatorId(0), pool),
            Err(PoolError::DuplicateOperator(OperatorId(0)))
        );
        assert_eq!(
            pools.add_operator(OperatorId(9), PoolId(4)),
            Err(PoolError::UnknownPool(PoolId(4)))
        );
        assert_eq!(
            pools.ready(OperatorId(9), 0),
            Err(PoolError::UnknownOperator(OperatorId(9)))
        );
        pools.add_operator(OperatorId(9), pool).unwrap();
        assert_eq!(
            pools.ready(OperatorId(9), 0),
            Err(PoolError::BadState {
                operator: OperatorId(9),
                state: OperatorState::LoggedOut
            })
        );
        // A seat of other pools with the same operator id.
        let (mut other, other_pool) = floor(1);
        let s = other.take_outbound(other_pool, C).unwrap();
        assert_eq!(pools.free(s, 0), Err(PoolError::ForeignSeat(OperatorId(0))));
        assert_eq!(pools.available_outbound(pool).unwrap(), 1);
    }

    #[derive(Debug, Clone)]
    enum Op {
        Ready(u32),
        Pause(u32),
        Reserve(u32),
        Logout(u32),
        Login(u32),
        Move(u32, u32),
        Target(u32, u32),
        TakeOut(u32),
        TakeIn(u32),
        Free(usize),
    }

    fn op() -> impl Strategy<Value = Op> {
        let o = 0u32..10;
        let p = 0u32..3;
        prop_oneof![
            o.clone().prop_map(Op::Ready),
            o.clone().prop_map(Op::Pause),
            o.clone().prop_map(Op::Reserve),
            o.clone().prop_map(Op::Logout),
            o.clone().prop_map(Op::Login),
            (o, p.clone()).prop_map(|(o, p)| Op::Move(o, p)),
            (p.clone(), 0u32..4).prop_map(|(p, t)| Op::Target(p, t)),
            p.clone().prop_map(Op::TakeOut),
            p.prop_map(Op::TakeIn),
            any::<usize>().prop_map(Op::Free),
        ]
    }

    proptest! {
        /// Counts always equal a recount of the states; no operator is in
        /// two seats; an outbound take succeeds exactly when the pool has
        /// an operator available to outbound, and never takes a Reserved
        /// one or one held back for the inbound target.
        #[test]
        fn counts_seats_and_reserve_hold(ops in proptest::collection::vec(op(), 1..300)) {
            let mut pools = Pools::new();
            for _ in 0..3 {
                let p = pools.add_pool();
                pools.assign(p, C).unwrap();
            }
            for i in 0..10 {
                pools.add_operator(OperatorId(i), PoolId(i % 3)).unwrap();
            }
            let mut seats: Vec<Seat> = Vec::new();
            for (t, op) in ops.into_iter().enumerate() {
                let now = t as u64;
                match op {
                    Op::Ready(o) => { let _ = pools.ready(OperatorId(o), now); }
                    Op::Pause(o) => { let _ = pools.pause(OperatorId(o), now); }
                    Op::Reserve(o) => { let _ = pools.reserve_inbound(OperatorId(o), now); }
                    Op::Logout(o) => { let _ = pools.logout(OperatorId(o), now); }
                    Op::Login(o) => { let _ = pools.login(OperatorId(o), now); }
                    Op::Move(o, p) => { let _ = pools.move_operator(OperatorId(o), PoolId(p)); }
                    Op::Target(p, n) => pools.set_inbound_target(PoolId(p), n).unwrap(),
                    Op::TakeOut(p) => {
                        let pool = PoolId(p);
                        let available = pools.available_outbound(pool).unwrap();
                        match pools.take_outbound(pool, C) {
                            Ok(seat) => {
                                prop_assert!(available > 0);
                                seats.push(seat);
                            }
                            Err(e) => {
                                prop_assert_eq!(available, 0);
                                prop_assert_eq!(e, PoolError::NoneAvailable(pool));
                            }
                        }
                    }
                    Op::TakeIn(p) => {
                        if let Ok(seat) = pools.take_inbound(PoolId(p)) {
                            seats.push(seat);
                        }
                    }
                    Op::Free(i) if !seats.is_empty() => {
                        let seat = seats.swap_remove(i % seats.len());
                        pools.free(seat, now).unwrap();
                    }
                    Op::Free(_) => {}
                }
                let mut seated: Vec<OperatorId> = seats.iter().map(|s| s.operator()).collect();
                seated.sort();
                seated.dedup();
                prop_assert_eq!(seated.len(), seats.len(), "an operator in two seats");
                for p in 0..3 {
                    let pool = PoolId(p);
                    let mut recount = PoolCounts::default();
                    for o in 0..10 {
                        let (state, at) = pools.state(OperatorId(o)).unwrap();
                        if at != pool { continue; }
                        match state {
                            OperatorState::LoggedOut => recount.logged_out += 1,
                            OperatorState::Paused => recount.paused += 1,
                            OperatorState::Ready => recount.ready += 1,
                            OperatorState::Reserved => recount.reserved += 1,
                            OperatorState::InCall(CallKind::Outbound(_)) => recount.outbound += 1,
                            OperatorState::InCall(CallKind::Inbound) => recount.inbound += 1,
                        }
                    }
                    let counts = pools.counts(pool).unwrap();
                    prop_assert_eq!(counts, recount);
                    let target = pools.pools[p as usize].inbound_target;
                    let available = pools.available_outbound(pool).unwrap();
                    prop_assert!(available <= counts.ready);
                    // Idle operators left for inbound after every available
                    // one took an outbound call: the target, or all idle.
                    let idle_left = counts.ready - available + counts.reserved;
                    prop_assert!(idle_left >= target.min(counts.ready + counts.reserved));
                }
            }
            for seat in seats {
                let kind = seat.kind();
                let op = seat.operator();
                prop_assert_eq!(pools.state(op).unwrap().0, OperatorState::InCall(kind));
                pools.free(seat, 10_000).unwrap();
            }
        }
    }
}
