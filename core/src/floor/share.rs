//! Share: which campaign the next contact comes from.
//!
//! When an operator of a pool frees up (progressive, preview), or pacing
//! asks a pool for one more call (predictive), the floor asks [`Share`] for
//! a campaign. The eligible campaigns are those assigned to the pool that
//! have a contact ready. Among them:
//!
//! 1. **Strict priority.** A campaign of a higher priority (a bigger `u8`,
//!    as for contacts) with a contact ready always wins; lower priorities
//!    get operators only when every higher one has nothing to dial.
//! 2. **Weighted share within a priority: deficit round robin** (Shreedhar
//!    & Varghese, 1995). Each priority level of a pool keeps a ring of its
//!    eligible campaigns. The campaign at the head is given its weight as
//!    credit when its turn starts; each pick spends one; when the credit is
//!    spent the campaign moves to the back. With a unit cost (one contact a
//!    pick) nothing is left over, so over any run in which the eligible set
//!    stays the same, a campaign's picks differ from its weighted share of
//!    all picks by at most its weight: `|served_c − total × w_c / W| ≤ w_c`
//!    (the property test checks this). A campaign that runs out of contacts
//!    loses its turn and its unspent credit (as a DRR flow whose queue
//!    empties); it joins the back of the ring when it has contacts again.
//!    Turns are `weight` picks long, so small weights (1–100) interleave
//!    campaigns more finely than big ones with the same ratios.
//!
//! **Cost.** Rings are updated lazily: a campaign that stops being eligible
//! stays in its ring until it reaches the head, where it is dropped. Each
//! ring entry carries a ticket, so a stale entry (a campaign since moved to
//! another priority, unassigned, or re-queued) is recognised and dropped
//! without a search. Every entry is pushed once and popped once, so a pick
//! is amortised O(1) in the number of campaigns, plus O(log L) for the L
//! priority levels in use by the pool (a `BTreeMap`); making a campaign
//! eligible is O(its pools).
//!
//! Shares are kept per pool: a campaign served by two pools takes its
//! weight's share of each. Weights are 1 ..= [`MAX_WEIGHT`].

use std::collections::{BTreeMap, VecDeque};
use std::fmt;

use hashbrown::HashMap;
use smallvec::SmallVec;

use super::{CampaignId, PoolId};

/// The largest campaign weight.
pub const MAX_WEIGHT: u32 = 1_000_000;

/// Bad input to [`Share`]; it changed nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShareError {
    /// No campaign has this id.
    UnknownCampaign(CampaignId),
    /// A campaign with this id is already there.
    DuplicateCampaign(CampaignId),
    /// A weight outside 1 ..= [`MAX_WEIGHT`].
    BadWeight {
        /// The campaign.
        campaign: CampaignId,
        /// The weight given.
        weight: u32,
    },
}

impl fmt::Display for ShareError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ShareError::UnknownCampaign(c) => write!(f, "unknown {c}"),
            ShareError::DuplicateCampaign(c) => write!(f, "{c} is already on the floor"),
            ShareError::BadWeight { campaign, weight } => {
                write!(
                    f,
                    "weight {weight} of {campaign} is not in 1..={MAX_WEIGHT}"
                )
            }
        }
    }
}

impl std::error::Error for ShareError {}

/// A campaign's share settings and readiness.
#[derive(Debug, Clone)]
struct Entry {
    priority: u8,
    weight: u32,
    /// Has a contact ready to dial.
    ready: bool,
    /// The pools it is assigned to.
    pools: SmallVec<[PoolId; 2]>,
}

/// A campaign as a member of one pool's rings.
#[derive(Debug, Clone, Copy, Default)]
struct Member {
    /// Picks left in the current turn (0: the next turn starts with the
    /// weight).
    deficit: u32,
    /// The ticket of its live ring entry, if it has one.
    queued: Option<u64>,
}

/// One pool's rings, one per priority level in use.
#[derive(Debug, Clone, Default)]
struct PoolShare {
    members: HashMap<CampaignId, Member>,
    /// Priority → ring of (campaign, ticket). A ticket that is not the
    /// member's `queued` ticket is stale.
    levels: BTreeMap<u8, VecDeque<(CampaignId, u64)>>,
    next_ticket: u64,
}

impl PoolShare {
    /// Queues `campaign` at the back of its priority's ring unless it has a
    /// live entry.
    fn enqueue(&mut self, campaign: CampaignId, priority: u8) {
        let Some(member) = self.members.get_mut(&campaign) else {
            return;
        };
        if member.queued.is_some() {
            return;
        }
        let ticket = self.next_ticket;
        self.next_ticket += 1;
        member.queued = Some(ticket);
        self.levels
            .entry(priority)
            .or_default()
            .push_back((campaign, ticket));
    }

    /// Drops the live entry of `campaign` (it stays in its ring as a stale
    /// entry) and its unspent credit.
    fn dequeue(&mut self, campaign: CampaignId) {
        if let Some(member) = self.members.get_mut(&campaign) {
            member.queued = None;
            member.deficit = 0;
        }
    }
}

/// The floor's campaign chooser (see the module doc).
#[derive(Debug, Clone, Default)]
pub struct Share {
    campaigns: HashMap<CampaignId, Entry>,
    pools: HashMap<PoolId, PoolShare>,
}

impl Share {
    /// No campaigns, no pools.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a campaign with its priority and weight, not ready and in no
    /// pool.
    pub fn add_campaign(
        &mut self,
        campaign: CampaignId,
        priority: u8,
        weight: u32,
    ) -> Result<(), ShareError> {
        if self.campaigns.contains_key(&campaign) {
            return Err(ShareError::DuplicateCampaign(campaign));
        }
        check_weight(campaign, weight)?;
        self.campaigns.insert(
            campaign,
            Entry {
                priority,
                weight,
                ready: false,
                pools: SmallVec::new(),
            },
        );
        Ok(())
    }

    /// Removes a campaign from the floor's share (and from every pool).
    pub fn remove_campaign(&mut self, campaign: CampaignId) -> Result<(), ShareError> {
        let entry = self
            .campaigns
            .remove(&campaign)
            .ok_or(ShareError::UnknownCampaign(campaign))?;
        for pool in entry.pools {
            if let Some(p) = self.pools.get_mut(&pool) {
                p.members.remove(&campaign);
            }
        }
        Ok(())
    }

    /// Assigns `campaign` to `pool`: the pool's operators may take its
    /// contacts. Assigning twice is a no-op.
    pub fn assign(&mut self, pool: PoolId, campaign: CampaignId) -> Result<(), ShareError> {
        let entry = self
            .campaigns
            .get_mut(&campaign)
            .ok_or(ShareError::UnknownCampaign(campaign))?;
        if entry.pools.contains(&pool) {
            return Ok(());
        }
        entry.pools.push(pool);
        let p = self.pools.entry(pool).or_default();
        p.members.insert(campaign, Member::default());
        if entry.ready {
            p.enqueue(campaign, entry.priority);
        }
        Ok(())
    }

    /// Takes `campaign` off `pool`. Not assigned: a no-op.
    pub fn unassign(&mut self, pool: PoolId, campaign: CampaignId) -> Result<(), ShareError> {
        let entry = self
            .campaigns
            .get_mut(&campaign)
            .ok_or(ShareError::UnknownCampaign(campaign))?;
        entry.pools.retain(|p| *p != pool);
        if let Some(p) = self.pools.get_mut(&pool) {
            p.members.remove(&campaign);
        }
        Ok(())
    }

    /// Says whether `campaign` has a contact ready to dial.
    pub fn set_ready(&mut self, campaign: CampaignId, ready: bool) -> Result<(), ShareError> {
        let entry = self
            .campaigns
            .get_mut(&campaign)
            .ok_or(ShareError::UnknownCampaign(campaign))?;
        if entry.ready == ready {
            return Ok(());
        }
        entry.ready = ready;
        for pool in &entry.pools {
            let p = self.pools.get_mut(pool).expect("a campaign's pool exists");
            if ready {
                p.enqueue(campaign, entry.priority);
            } else {
                p.dequeue(campaign);
            }
        }
        Ok(())
    }

    /// Changes a campaign's priority; it joins the back of its new level's
    /// ring in each pool.
    pub fn set_priority(&mut self, campaign: CampaignId, priority: u8) -> Result<(), ShareError> {
        let entry = self
            .campaigns
            .get_mut(&campaign)
            .ok_or(ShareError::UnknownCampaign(campaign))?;
        if entry.priority == priority {
            return Ok(());
        }
        entry.priority = priority;
        for pool in &entry.pools {
            let p = self.pools.get_mut(pool).expect("a campaign's pool exists");
            p.dequeue(campaign);
            if entry.ready {
                p.enqueue(campaign, priority);
            }
        }
        Ok(())
    }

    /// Changes a campaign's weight, from its next turn on.
    pub fn set_weight(&mut self, campaign: CampaignId, weight: u32) -> Result<(), ShareError> {
        check_weight(campaign, weight)?;
        let entry = self
            .campaigns
            .get_mut(&campaign)
            .ok_or(ShareError::UnknownCampaign(campaign))?;
        entry.weight = weight;
        Ok(())
    }

    /// Whether a campaign is marked as having a contact ready.
    #[must_use]
    pub fn is_ready(&self, campaign: CampaignId) -> bool {
        self.campaigns.get(&campaign).is_some_and(|e| e.ready)
    }

    /// Priority and weight of a campaign.
    #[must_use]
    pub fn settings(&self, campaign: CampaignId) -> Option<(u8, u32)> {
        self.campaigns
            .get(&campaign)
            .map(|e| (e.priority, e.weight))
    }

    /// Number of campaigns.
    #[must_use]
    pub fn len(&self) -> usize {
        self.campaigns.len()
    }

    /// True when there are no campaigns.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.campaigns.is_empty()
    }

    /// The campaign the next contact of `pool` comes from (and one pick
    /// charged to it), or `None` when no campaign of the pool is ready.
    pub fn pick(&mut self, pool: PoolId) -> Option<CampaignId> {
        self.pick_where(pool, |_| true)
    }

    /// As [`Share::pick`], asking `has_contact` of the campaign about to be
    /// picked: a campaign it says no to is marked not ready (as by
    /// [`Share::set_ready`]) and the pick goes on to the next. This lets the
    /// floor check the campaign's queue at the moment of the pick.
    pub fn pick_where(
        &mut self,
        pool: PoolId,
        mut has_contact: impl FnMut(CampaignId) -> bool,
    ) -> Option<CampaignId> {
        loop {
            let p = self.pools.get_mut(&pool)?;
            let (&level, ring) = p.levels.iter_mut().next_back()?;
            let Some(&(campaign, ticket)) = ring.front() else {
                p.levels.remove(&level);
                continue;
            };
            let live = p
                .members
                .get(&campaign)
                .is_some_and(|m| m.queued == Some(ticket));
            if !live {
                ring.pop_front();
                continue;
            }
            let entry = self
                .campaigns
                .get(&campaign)
                .expect("a member is a campaign");
            debug_assert!(entry.ready && entry.priority == level);
            if !has_contact(campaign) {
                self.set_ready(campaign, false).expect("known campaign");
                continue;
            }
            let weight = entry.weight;
            let p = self.pools.get_mut(&pool).expect("the pool");
            let ring = p.levels.get_mut(&level).expect("the level");
            let member = p.members.get_mut(&campaign).expect("the member");
            if member.deficit == 0 {
                member.deficit = weight;
            }
            member.deficit -= 1;
            if member.deficit == 0 {
                // Turn over: to the back of the ring.
                ring.pop_front();
                ring.push_back((campaign, ticket));
            }
            return Some(campaign);
        }
    }
}

pub(super) fn check_weight(campaign: CampaignId, weight: u32) -> Result<(), ShareError> {
    if weight == 0 || weight > MAX_WEIGHT {
        return Err(ShareError::BadWeight { campaign, weight });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const P: PoolId = PoolId(0);

    fn floor(settings: &[(u8, u32)]) -> Share {
        let mut s = Share::new();
        for (i, &(priority, weight)) in settings.iter().enumerate() {
            let c = CampaignId(i as u32);
            s.add_campaign(c, priority, weight).unwrap();
            s.assign(P, c).unwrap();
            s.set_ready(c, true).unwrap();
        }
        s
    }

    fn picks(s: &mut Share, n: usize) -> Vec<u32> {
        (0..n).map(|_| s.pick(P).expect("a pick").0).collect()
    }

    #[test]
    fn weighted_round_robin_order() {
        let mut s = floor(&[(0, 3), (0, 1), (0, 2)]);
        assert_eq!(picks(&mut s, 12), [0, 0, 0, 1, 2, 2, 0, 0, 0, 1, 2, 2]);
    }

    #[test]
    fn higher_priority_with_work_always_wins() {
        let mut s = floor(&[(1, 5), (9, 1), (5, 1)]);
        assert_eq!(picks(&mut s, 3), [1, 1, 1]);
        s.set_ready(CampaignId(1), false).unwrap();
        assert_eq!(picks(&mut s, 2), [2, 2]);
        s.set_ready(CampaignId(2), false).unwrap();
        assert_eq!(picks(&mut s, 2), [0, 0]);
        s.set_ready(CampaignId(1), true).unwrap();
        assert_eq!(picks(&mut s, 1), [1]);
        // Priority changes take effect at once.
        s.set_priority(CampaignId(0), 10).unwrap();
        assert_eq!(picks(&mut s, 2), [0, 0]);
    }

    #[test]
    fn a_campaign_out_of_contacts_loses_its_turn_and_rejoins_at_the_back() {
        let mut s = floor(&[(0, 3), (0, 3), (0, 3)]);
        assert_eq!(picks(&mut s, 1), [0]);
        s.set_ready(CampaignId(0), false).unwrap();
        assert_eq!(picks(&mut s, 3), [1, 1, 1]);
        s.set_ready(CampaignId(0), true).unwrap();
        // 0 joins the back of the ring (2, then 1 whose turn ended), with a
        // fresh turn: its unspent credit is gone.
        assert_eq!(picks(&mut s, 10), [2, 2, 2, 1, 1, 1, 0, 0, 0, 2]);
    }

    #[test]
    fn pick_where_marks_empty_campaigns_not_ready() {
        let mut s = floor(&[(0, 1), (0, 1)]);
        assert_eq!(s.pick_where(P, |c| c != CampaignId(0)), Some(CampaignId(1)));
        assert_eq!(picks(&mut s, 2), [1, 1]);
        assert_eq!(s.pick_where(P, |_| false), None);
        assert_eq!(s.pick(P), None);
    }

    #[test]
    fn pools_keep_their_own_shares_and_assignments() {
        let mut s = floor(&[(0, 1), (0, 1)]);
        let other = PoolId(1);
        assert_eq!(s.pick(other), None);
        s.assign(other, CampaignId(1)).unwrap();
        assert_eq!(s.pick(other), Some(CampaignId(1)));
        s.unassign(P, CampaignId(1)).unwrap();
        assert_eq!(picks(&mut s, 3), [0, 0, 0]);
        s.remove_campaign(CampaignId(0)).unwrap();
        assert_eq!(s.pick(P), None);
        assert_eq!(s.pick(other), Some(CampaignId(1)));
    }

    #[test]
    fn bad_input_is_named_and_changes_nothing() {
        let mut s = floor(&[(0, 1)]);
        let c = CampaignId(0);
        assert_eq!(
            s.add_campaign(c, 0, 1),
            Err(ShareError::DuplicateCampaign(c))
        );
        assert_eq!(
            s.set_weight(c, 0),
            Err(ShareError::BadWeight {
                campaign: c,
                weight: 0
            })
        );
        assert_eq!(
            s.add_campaign(CampaignId(5), 0, MAX_WEIGHT + 1),
            Err(ShareError::BadWeight {
                campaign: CampaignId(5),
                weight: MAX_WEIGHT + 1
            })
        );
        assert_eq!(
            s.set_ready(CampaignId(9), true),
            Err(ShareError::UnknownCampaign(CampaignId(9)))
        );
        assert_eq!(s.settings(c), Some((0, 1)));
        assert_eq!(s.len(), 1);
    }

    #[derive(Debug, Clone)]
    enum Op {
        Ready(u32, bool),
        Priority(u32, u8),
        Weight(u32, u32),
        Assign(u32, bool),
        Pick,
    }

    fn op(n: u32) -> impl Strategy<Value = Op> {
        prop_oneof![
            1 => (0..n, any::<bool>()).prop_map(|(c, r)| Op::Ready(c, r)),
            1 => (0..n, 0u8..4).prop_map(|(c, p)| Op::Priority(c, p)),
            1 => (0..n, 1u32..5).prop_map(|(c, w)| Op::Weight(c, w)),
            1 => (0..n, any::<bool>()).prop_map(|(c, a)| Op::Assign(c, a)),
            6 => Just(Op::Pick),
        ]
    }

    proptest! {
        /// Against a model of eligibility: a pick returns a campaign that is
        /// assigned and ready, of the highest priority among those, and
        /// `None` exactly when there is none.
        #[test]
        fn picks_an_eligible_campaign_of_the_top_priority(
            ops in proptest::collection::vec(op(8), 1..400),
        ) {
            let n = 8u32;
            let mut s = Share::new();
            // Model: (priority, ready, assigned).
            let mut model = vec![(0u8, false, false); n as usize];
            for c in 0..n {
                s.add_campaign(CampaignId(c), 0, 1).unwrap();
            }
            for op in ops {
                match op {
                    Op::Ready(c, r) => { s.set_ready(CampaignId(c), r).unwrap(); model[c as usize].1 = r; }
                    Op::Priority(c, p) => { s.set_priority(CampaignId(c), p).unwrap(); model[c as usize].0 = p; }
                    Op::Weight(c, w) => s.set_weight(CampaignId(c), w).unwrap(),
                    Op::Assign(c, true) => { s.assign(P, CampaignId(c)).unwrap(); model[c as usize].2 = true; }
                    Op::Assign(c, false) => { s.unassign(P, CampaignId(c)).unwrap(); model[c as usize].2 = false; }
                    Op::Pick => {
                        let top = model.iter().filter(|m| m.1 && m.2).map(|m| m.0).max();
                        match (s.pick(P), top) {
                            (None, None) => {}
                            (Some(c), Some(top)) => {
                                let m = model[c.0 as usize];
                                prop_assert!(m.1 && m.2, "picked {} not eligible", c);
                                prop_assert_eq!(m.0, top, "picked {} below the top priority", c);
                            }
                            (got, want) => prop_assert!(false, "pick {:?}, top priority {:?}", got, want),
                        }
                    }
                }
            }
        }

        /// With the eligible set fixed, every prefix of the picks honours
        /// the weights within one turn: |served × W − total × w| ≤ w × W.
        #[test]
        fn weights_honoured_within_one_turn(
            weights in proptest::collection::vec(1u32..50, 1..12),
            total in 1usize..3_000,
        ) {
            let settings: Vec<(u8, u32)> = weights.iter().map(|&w| (0, w)).collect();
            let mut s = floor(&settings);
            let sum: u64 = weights.iter().map(|&w| u64::from(w)).sum();
            let mut served = vec![0u64; weights.len()];
            for t in 1..=total as u64 {
                let c = s.pick(P).unwrap().0 as usize;
                served[c] += 1;
                for (i, &w) in weights.iter().enumerate() {
                    let w = u64::from(w);
                    let diff = (served[i] * sum).abs_diff(t * w);
                    prop_assert!(diff <= w * sum,
                        "after {} picks campaign {} (weight {}) has {}", t, i, w, served[i]);
                }
            }
        }

        /// Long runs with churn: one campaign drops out now and then and
        /// comes back at the back of the ring. Over the picks made while
        /// all were eligible, each campaign is within `2 × w_max` picks of
        /// its share per stretch of such picks (a stretch starts mid-turn:
        /// the head's leftover credit, then whole turns).
        #[test]
        fn weights_honoured_over_long_runs_with_churn(
            weights in proptest::collection::vec(1u32..20, 2..8),
            seed in any::<u64>(),
        ) {
            let settings: Vec<(u8, u32)> = weights.iter().map(|&w| (0, w)).collect();
            let mut s = floor(&settings);
            let mut x = seed | 1;
            let mut served = vec![0u64; weights.len()];
            let mut counted = 0u64;
            let mut stretches = 1u64;
            let mut out: Option<usize> = None;
            for _ in 0..20_000 {
                x ^= x << 13; x ^= x >> 7; x ^= x << 17;
                if x % 700 == 0 {
                    match out.take() {
                        Some(c) => {
                            s.set_ready(CampaignId(c as u32), true).unwrap();
                            stretches += 1;
                        }
                        None => {
                            let c = (x >> 8) as usize % weights.len();
                            s.set_ready(CampaignId(c as u32), false).unwrap();
                            out = Some(c);
                        }
                    }
                }
                let c = s.pick(P).unwrap().0 as usize;
                if out.is_none() {
                    served[c] += 1;
                    counted += 1;
                } else {
                    prop_assert_ne!(Some(c), out);
                }
            }
            let sum: u64 = weights.iter().map(|&w| u64::from(w)).sum();
            let w_max = u64::from(*weights.iter().max().unwrap());
            for (i, &w) in weights.iter().enumerate() {
                let diff = (served[i] * sum).abs_diff(counted * u64::from(w));
                prop_assert!(diff <= 2 * w_max * sum * stretches,
                    "campaign {} weight {}: {} of {} picks over {} stretches", i, w, served[i], counted, stretches);
            }
            // And the bound is tight enough to mean something: over the
            // long run each share is within 3 points of its weight's.
            if counted >= 10_000 && stretches <= 4 {
                for (i, &w) in weights.iter().enumerate() {
                    let share = served[i] as f64 / counted as f64;
                    let want = f64::from(w) / sum as f64;
                    prop_assert!((share - want).abs() <= 0.03, "campaign {}: {:.3} vs {:.3}", i, share, want);
                }
            }
        }
    }
}
