//! The [`Floor`]: its campaigns and its setup (pools, operators, trunks,
//! lists, caps), and the read-only queries.
//!
//! A floor owns full, unchanged [`Campaign`]s (all four modes, each with its
//! own pacer, windows, rules, abandon meter and journal) by [`CampaignId`],
//! and what they share: [`Pools`] of operators, the [`Share`] (priority,
//! weight), and — behind the campaigns' [`FloorGate`]s — the do-not-call
//! lists, the caps and the trunks. Ids are handed out in order and never
//! reused: campaigns, pools, floor operators (`0, 1, 2, …` over the whole
//! floor), trunks and lists. How operators are lent to campaigns is in
//! `operators`, the poll and the events in `poll`, the guards in `gate`,
//! the data directory in `durable`.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use hashbrown::{HashMap, HashSet};

use super::access::FloorCampaign;
use super::api::FloorError;
use super::caps::{Caps, CapsConfig};
use super::dnc::{ListId, Scope};
use super::gate::{FloorGate, Shared};
use super::pool::{PoolCounts, Pools, Seat};
use super::share::Share;
use super::trunk::{TrunkConfig, TrunkId, TrunkStatus};
use super::{CampaignId, PoolId};
use crate::blacklist::Blacklist;
use crate::config::CampaignConfig;
use crate::event::OperatorId;
use crate::Campaign;

/// One campaign of the floor and its operator mapping.
#[derive(Debug)]
pub(super) struct Slot {
    pub(super) name: String,
    pub(super) campaign: FloorCampaign,
    /// Floor operator → the campaign's own operator id (made on the first
    /// attachment, kept: the campaign's operator table only grows).
    pub(super) local: HashMap<OperatorId, OperatorId>,
    /// The campaign's operator id → floor operator.
    pub(super) floor_of: HashMap<OperatorId, OperatorId>,
    /// Floor operators attached now.
    pub(super) attached: Vec<OperatorId>,
    /// Its key in the floor's deadline set, if any.
    pub(super) deadline: Option<u64>,
    /// In the floor's dirty list (poll it at the next floor poll).
    pub(super) dirty: bool,
    /// Left an operator it was just given idle in this poll: given none
    /// again until the poll ends.
    pub(super) tried: bool,
    /// Its trunks had no line: polled again when one frees up.
    pub(super) line_wait: bool,
    /// Its trunk has a token again at this time: polled then.
    pub(super) trunk_wake: Option<u64>,
    /// Its last dial was refused for want of a token until this time: given
    /// no operator before then (nor while `line_wait`), so free operators
    /// do not go round the trunk-bound campaigns poll after poll.
    pub(super) trunk_blocked_until: Option<u64>,
    /// Its start tag in the trunks' fair queue (see `poll`, **Trunks**):
    /// trunk-waiting campaigns of one priority are polled smallest tag
    /// first; each line it is given adds [`super::poll::LINE_COST`] / its
    /// weight.
    pub(super) line_tag: u64,
}

/// A floor operator: where it is lent now.
#[derive(Debug)]
pub(super) struct FloorOperator {
    pub(super) pool: PoolId,
    /// The campaign it is attached to and the seat that holds it there.
    pub(super) attached: Option<(CampaignId, Seat)>,
    /// Attached since the campaign's last poll (not given work yet).
    pub(super) fresh: bool,
    /// Given work in this turn: an offer, a call dialed for it or a call
    /// connected to it. Only such a turn can end by the operator being
    /// Ready again; one still waiting for its first call is mid-turn.
    pub(super) served: bool,
    /// An announced leave (`Event::OperatorLeaving`), passed on to each
    /// campaign it is attached to.
    pub(super) leaving: Option<u64>,
}

/// Many campaigns sharing operators, trunks, do-not-call lists and caps
/// (see `docs/FLOOR.md` and the module docs of `crate::floor`).
#[derive(Debug)]
pub struct Floor {
    pub(super) slots: Vec<Option<Slot>>,
    pub(super) names: HashMap<String, CampaignId>,
    pub(super) pools: Pools,
    pub(super) pool_names: Vec<String>,
    pub(super) share: Share,
    pub(super) shared: Arc<Mutex<Shared>>,
    pub(super) operators: Vec<FloorOperator>,
    /// Campaigns with a timer, by (deadline, campaign).
    pub(super) due: BTreeSet<(u64, u32)>,
    /// Campaigns to poll at the next floor poll.
    pub(super) dirty: Vec<CampaignId>,
    /// Free operators may be placed (an operator got ready, a campaign got
    /// a contact): the next poll looks.
    pub(super) placement_due: bool,
    /// Free operators are placed again at this time: a campaign left an
    /// operator idle in a poll (it was *tried*) but still has contacts, e.g.
    /// its one dial was blocked by a floor list. Without it the operator
    /// stayed free until some event, and a quiet floor never dialed again.
    pub(super) placement_retry: Option<u64>,
    /// Campaigns waiting for a trunk line to free up.
    pub(super) line_waiters: Vec<CampaignId>,
    /// The trunks' fair queue's clock: the start tag of the last line
    /// given (see `poll`, **Trunks**).
    pub(super) line_clock: u64,
    /// Attached operators the host asked to pause, log out or reserve:
    /// detached when their work in the campaign ends.
    pub(super) asked_away: HashSet<OperatorId>,
    /// Campaign polls the last `Floor::poll` made.
    pub(super) last_polled: usize,
    /// The latest time seen.
    pub(super) now_ms: u64,
    /// The data directory, when opened from one.
    pub(super) durable: Option<super::durable::FloorDir>,
}

impl Default for Floor {
    fn default() -> Self {
        Floor::new()
    }
}

impl Floor {
    /// An empty floor: no campaigns, pools, operators, trunks or lists.
    #[must_use]
    pub fn new() -> Floor {
        Floor {
            slots: Vec::new(),
            names: HashMap::new(),
            pools: Pools::new(),
            pool_names: Vec::new(),
            share: Share::new(),
            shared: Arc::new(Mutex::new(Shared::default())),
            operators: Vec::new(),
            due: BTreeSet::new(),
            dirty: Vec::new(),
            placement_due: false,
            placement_retry: None,
            line_waiters: Vec::new(),
            line_clock: 0,
            asked_away: HashSet::new(),
            last_polled: 0,
            now_ms: 0,
            durable: None,
        }
    }

    pub(super) fn slot(&self, campaign: CampaignId) -> Result<&Slot, FloorError> {
        self.slots
            .get(campaign.0 as usize)
            .and_then(Option::as_ref)
            .ok_or(FloorError::UnknownCampaign(campaign))
    }

    pub(super) fn slot_mut(&mut self, campaign: CampaignId) -> Result<&mut Slot, FloorError> {
        self.slots
            .get_mut(campaign.0 as usize)
            .and_then(Option::as_mut)
            .ok_or(FloorError::UnknownCampaign(campaign))
    }

    /// Adds a campaign (checking `config` first) with its priority (a bigger
    /// `u8` first) and weight (1 ..= [`super::share::MAX_WEIGHT`]).
    pub fn add_campaign(
        &mut self,
        name: &str,
        config: CampaignConfig,
        priority: u8,
        weight: u32,
    ) -> Result<CampaignId, FloorError> {
        self.add_campaign_any(name, config, priority, weight)
    }

    /// Adds a campaign already made (a durable one, at recovery or open).
    pub(super) fn insert_campaign(
        &mut self,
        name: &str,
        mut campaign: Campaign,
        priority: u8,
        weight: u32,
    ) -> Result<CampaignId, FloorError> {
        if self.names.contains_key(name) {
            return Err(FloorError::DuplicateName(name.to_owned()));
        }
        let id = CampaignId(self.slots.len() as u32);
        self.share.add_campaign(id, priority, weight)?;
        campaign.set_dial_guard(Some(Box::new(FloorGate {
            shared: Arc::clone(&self.shared),
            campaign: id,
        })));
        self.names.insert(name.to_owned(), id);
        self.slots.push(Some(Slot {
            name: name.to_owned(),
            campaign: FloorCampaign::new(campaign),
            local: HashMap::new(),
            floor_of: HashMap::new(),
            attached: Vec::new(),
            deadline: None,
            dirty: false,
            tried: false,
            line_wait: false,
            trunk_wake: None,
            trunk_blocked_until: None,
            line_tag: self.line_clock,
        }));
        self.mark_dirty(id);
        Ok(id)
    }

    /// Removes a campaign whose calls are over and whose operators are
    /// idle: they go back to the pool; its route and its own do-not-call
    /// scope entries go with it. [`FloorError::CampaignBusy`] otherwise.
    pub fn remove_campaign(&mut self, campaign: CampaignId) -> Result<(), FloorError> {
        let slot = self.slot(campaign)?;
        let busy_ops = slot.attached.iter().any(|op| {
            let local = slot.local[op];
            slot.campaign
                .operators()
                .state(local)
                .is_some_and(|s| s.is_busy())
        });
        let calls = Shared::lock(&self.shared).calls_of(campaign);
        let c = slot.campaign.counts();
        let live: u32 = [
            crate::State::OperatorAssigned,
            crate::State::Bcw,
            crate::State::Calling,
            crate::State::CallInProgress,
            crate::State::Acw,
        ]
        .iter()
        .map(|s| c.get(*s))
        .sum();
        if busy_ops || calls > 0 || live > 0 {
            return Err(FloorError::CampaignBusy(campaign));
        }
        self.journal_admin(super::durable::Admin::RemoveCampaign(campaign));
        self.force_remove(campaign)?;
        self.archive_removed(campaign)
    }

    /// Removes a campaign without the checks (after them, or at replay).
    pub(super) fn force_remove(&mut self, campaign: CampaignId) -> Result<(), FloorError> {
        self.slot(campaign)?;
        for op in self.slot(campaign)?.attached.clone() {
            self.detach(op, self.now_ms)?;
        }
        for pool in self.pools.pools_of(campaign).to_vec() {
            self.pools.unassign(pool, campaign)?;
        }
        self.share.remove_campaign(campaign)?;
        {
            let mut shared = Shared::lock(&self.shared);
            let _ = shared.trunks.route(campaign, &[]);
        }
        let slot = self.slots[campaign.0 as usize].take().expect("checked");
        if let Some(d) = slot.deadline {
            self.due.remove(&(d, campaign.0));
        }
        self.names.remove(&slot.name);
        self.dirty.retain(|c| *c != campaign);
        self.line_waiters.retain(|c| *c != campaign);
        Ok(())
    }

    /// Changes a campaign's priority and weight (from its next turn on).
    pub fn set_share(
        &mut self,
        campaign: CampaignId,
        priority: u8,
        weight: u32,
    ) -> Result<(), FloorError> {
        self.slot(campaign)?;
        self.share.set_weight(campaign, weight)?;
        self.share.set_priority(campaign, priority)?;
        self.placement_due = true;
        self.journal_admin(super::durable::Admin::Share(campaign, priority, weight));
        Ok(())
    }

    /// The campaign of this name, if any.
    #[must_use]
    pub fn campaign_id(&self, name: &str) -> Option<CampaignId> {
        self.names.get(name).copied()
    }

    /// A campaign's name.
    #[must_use]
    pub fn campaign_name(&self, campaign: CampaignId) -> Option<&str> {
        self.slot(campaign).ok().map(|s| s.name.as_str())
    }

    /// The campaigns on the floor, in the order they were added.
    pub fn campaign_ids(&self) -> impl Iterator<Item = CampaignId> + '_ {
        self.slots
            .iter()
            .enumerate()
            .filter(|(_, s)| s.is_some())
            .map(|(i, _)| CampaignId(i as u32))
    }

    /// A campaign, to read (counts, metrics, contacts). Its operator ids
    /// are its own; [`Floor::operator_campaign`] and the floor's commands
    /// use floor ids.
    pub fn campaign(&self, campaign: CampaignId) -> Result<&Campaign, FloorError> {
        Ok(&self.slot(campaign)?.campaign.inner)
    }

    /// A campaign, for its contacts and configuration: a [`FloorCampaign`],
    /// which reads everything of the [`Campaign`] and changes only what the
    /// floor does not own (`add_contact`, `import_csv`,
    /// `blacklist_numbers`, `load_rules`, `metrics`, …). Operators, events
    /// and polls are the floor's ([`Floor::add_operator`],
    /// [`Floor::handle`], [`Floor::poll`]): a campaign's operators are the
    /// floor's, lent under ids it maps, so the handle has no
    /// `add_operator`, `handle`, `poll` or `recheck` (see
    /// [`FloorCampaign`]). The campaign is polled at the floor's next poll.
    pub fn campaign_mut(&mut self, campaign: CampaignId) -> Result<&mut FloorCampaign, FloorError> {
        self.slot(campaign)?;
        self.mark_dirty(campaign);
        Ok(&mut self.slot_mut(campaign)?.campaign)
    }

    /// Adds an empty pool (one skill set), assigned to no campaign.
    pub fn add_pool(&mut self, name: &str) -> Result<PoolId, FloorError> {
        if self.pool_names.iter().any(|n| n == name) {
            return Err(FloorError::DuplicateName(name.to_owned()));
        }
        let id = self.pools.add_pool();
        self.pool_names.push(name.to_owned());
        self.journal_admin(super::durable::Admin::AddPool(name.to_owned()));
        Ok(id)
    }

    /// A pool's name.
    #[must_use]
    pub fn pool_name(&self, pool: PoolId) -> Option<&str> {
        self.pool_names.get(pool.0 as usize).map(String::as_str)
    }

    /// Lets `pool`'s operators work for `campaign`. Twice is a no-op.
    pub fn assign(&mut self, pool: PoolId, campaign: CampaignId) -> Result<(), FloorError> {
        self.slot(campaign)?;
        self.pools.campaigns_of(pool)?;
        self.pools.assign(pool, campaign)?;
        self.share.assign(pool, campaign)?;
        self.placement_due = true;
        self.journal_admin(super::durable::Admin::Assign(pool, campaign, true));
        Ok(())
    }

    /// Takes `campaign` off `pool`: its operators of that pool finish their
    /// work there and are not given it again. Not assigned: a no-op.
    pub fn unassign(&mut self, pool: PoolId, campaign: CampaignId) -> Result<(), FloorError> {
        self.slot(campaign)?;
        self.pools.campaigns_of(pool)?;
        self.pools.unassign(pool, campaign)?;
        self.share.unassign(pool, campaign)?;
        self.mark_dirty(campaign);
        self.journal_admin(super::durable::Admin::Assign(pool, campaign, false));
        Ok(())
    }

    /// Adds an operator to `pool`, logged out; floor ids are `0, 1, 2, …`.
    pub fn add_operator(&mut self, pool: PoolId) -> Result<OperatorId, FloorError> {
        let id = OperatorId(self.operators.len() as u32);
        self.pools.add_operator(id, pool)?;
        self.operators.push(FloorOperator {
            pool,
            attached: None,
            fresh: false,
            served: false,
            leaving: None,
        });
        self.journal_admin(super::durable::Admin::AddOperator(pool));
        Ok(id)
    }

    /// Keeps `operators` idle operators of `pool` free for inbound calls
    /// (Reserved ones count; the rest is held back from its Ready ones,
    /// and operators attached to a campaign are detached when they finish
    /// their work while the pool is short).
    pub fn set_inbound_target(&mut self, pool: PoolId, operators: u32) -> Result<(), FloorError> {
        self.pools.set_inbound_target(pool, operators)?;
        self.placement_due = true;
        self.journal_admin(super::durable::Admin::InboundTarget(pool, operators));
        Ok(())
    }

    /// Adds a trunk with a full bucket at `now_ms`.
    pub fn add_trunk(&mut self, config: TrunkConfig, now_ms: u64) -> Result<TrunkId, FloorError> {
        let id = Shared::lock(&self.shared).trunks.add(config, now_ms)?;
        self.journal_admin(super::durable::Admin::AddTrunk(config));
        Ok(id)
    }

    /// Routes `campaign`'s dials to `trunks`, tried in this order (an empty
    /// list removes the route: no trunk limit).
    pub fn route(&mut self, campaign: CampaignId, trunks: &[TrunkId]) -> Result<(), FloorError> {
        self.slot(campaign)?;
        Shared::lock(&self.shared).trunks.route(campaign, trunks)?;
        self.journal_admin(super::durable::Admin::Route(campaign, trunks.to_vec()));
        Ok(())
    }

    /// A trunk's figures at `now_ms` (lines in use, current rate, tokens,
    /// congestion answers).
    pub fn trunk_status(&mut self, trunk: TrunkId, now_ms: u64) -> Result<TrunkStatus, FloorError> {
        Ok(Shared::lock(&self.shared).trunks.status(trunk, now_ms)?)
    }

    /// Adds an empty do-not-call list with this name and scope.
    pub fn add_list(&mut self, name: &str, scope: Scope) -> Result<ListId, FloorError> {
        for c in scope.campaigns() {
            self.slot(*c)?;
        }
        let id = Shared::lock(&self.shared).dnc.add_list(name, scope.clone());
        self.journal_admin(super::durable::Admin::AddList(name.to_owned(), scope));
        Ok(id)
    }

    /// Puts `numbers` on `list`, for good (`until_ms: None`) or until that
    /// time (exclusive). Applies at the next Dial.
    pub fn list_add(
        &mut self,
        list: ListId,
        numbers: &[u64],
        until_ms: Option<u64>,
    ) -> Result<(), FloorError> {
        {
            let mut shared = Shared::lock(&self.shared);
            shared.dnc.len(list)?;
            match until_ms {
                None => {
                    shared.dnc.add_many(list, numbers)?;
                }
                Some(_) => {
                    for &n in numbers {
                        shared.dnc.add(list, n, until_ms)?;
                    }
                }
            }
        }
        self.journal_admin(super::durable::Admin::ListAdd(
            list,
            numbers.to_vec(),
            until_ms,
        ));
        Ok(())
    }

    /// Takes `numbers` off `list`. Applies at the next Dial.
    pub fn list_remove(&mut self, list: ListId, numbers: &[u64]) -> Result<(), FloorError> {
        {
            let mut shared = Shared::lock(&self.shared);
            shared.dnc.len(list)?;
            for &n in numbers {
                shared.dnc.remove(list, n)?;
            }
        }
        self.journal_admin(super::durable::Admin::ListRemove(list, numbers.to_vec()));
        Ok(())
    }

    /// Entries of a list: (permanent, expiring — expired or not).
    pub fn list_len(&self, list: ListId) -> Result<(u64, usize), FloorError> {
        Ok(Shared::lock(&self.shared).dnc.len(list)?)
    }

    /// Dials the floor refused because of `list` (`None`: the registry).
    #[must_use]
    pub fn list_hits(&self, list: Option<ListId>) -> u64 {
        Shared::lock(&self.shared).list_hits(list)
    }

    /// Uses `registry` as the national do-not-call registry (share one
    /// `Arc` between floors: its memory is counted once). Not journaled:
    /// the host loads it again after a restart.
    pub fn set_registry(&mut self, registry: Arc<Blacklist>) {
        Shared::lock(&self.shared).dnc.set_registry(Some(registry));
    }

    /// Sets the per-number caps over every campaign (24 hours and N days;
    /// a zero cap is none). The dials counted so far stay counted.
    pub fn set_caps(&mut self, caps: CapsConfig) -> Result<(), FloorError> {
        let mut fresh = Caps::new(caps)?;
        {
            let mut shared = Shared::lock(&self.shared);
            if shared.caps.config() != caps {
                // Recount what the old caps kept (the longest window they
                // remembered) into the new ones.
                shared.caps.transfer_into(&mut fresh);
                shared.caps = fresh;
            }
        }
        self.journal_admin(super::durable::Admin::Caps(caps));
        Ok(())
    }

    /// The caps in force.
    #[must_use]
    pub fn caps(&self) -> CapsConfig {
        Shared::lock(&self.shared).caps.config()
    }

    /// Dials to `number` counted in the floor's 24-hour window at `now_ms`.
    #[must_use]
    pub fn dials_in_24h(&self, number: u64, now_ms: u64) -> usize {
        Shared::lock(&self.shared).caps.dials_in_24h(number, now_ms)
    }

    /// The campaign whose call holds `number` now, if any.
    #[must_use]
    pub fn number_in_call(&self, number: u64) -> Option<CampaignId> {
        Shared::lock(&self.shared).caps.in_call(number)
    }

    /// The counts of `pool`'s operators by state; operators attached to a
    /// campaign count as `outbound` (whether busy or waiting in it).
    pub fn pool_counts(&self, pool: PoolId) -> Result<PoolCounts, FloorError> {
        Ok(self.pools.counts(pool)?)
    }

    /// Floor operators of `pool` free for outbound work now (Ready, not
    /// attached, less those held back for the inbound target).
    pub fn available_outbound(&self, pool: PoolId) -> Result<u32, FloorError> {
        Ok(self.pools.available_outbound(pool)?)
    }

    /// The campaign a floor operator is attached to now, if any.
    #[must_use]
    pub fn operator_campaign(&self, operator: OperatorId) -> Option<CampaignId> {
        self.operators
            .get(operator.0 as usize)
            .and_then(|o| o.attached.as_ref())
            .map(|(c, _)| *c)
    }

    /// A floor operator's state on the floor and its pool.
    pub fn operator_state(
        &self,
        operator: OperatorId,
    ) -> Result<(super::pool::OperatorState, PoolId), FloorError> {
        Ok(self.pools.state(operator)?)
    }

    /// The campaign's own id for a floor operator attached to it now (or
    /// before), if it has one.
    #[must_use]
    pub fn local_operator(&self, campaign: CampaignId, operator: OperatorId) -> Option<OperatorId> {
        self.slot(campaign).ok()?.local.get(&operator).copied()
    }

    /// The latest time seen.
    #[must_use]
    pub fn now_ms(&self) -> u64 {
        self.now_ms
    }

    pub(super) fn mark_dirty(&mut self, campaign: CampaignId) {
        if let Some(Some(slot)) = self.slots.get_mut(campaign.0 as usize) {
            if !slot.dirty {
                slot.dirty = true;
                self.dirty.push(campaign);
            }
        }
    }
}
