//! Do-not-call lists shared by the floor's campaigns.
//!
//! A floor has any number of lists, each with a **scope**: the whole floor
//! (the company's own list), one campaign (people who asked this campaign
//! to stop), or a set of campaigns (a brand's campaigns). Above them sits
//! at most one **national registry** (the US registry holds about 250M
//! numbers), loaded once into the compact [`Blacklist`] (about two bytes a
//! number) and held by `Arc`: every floor and every campaign of a process
//! that uses it shares one copy, so its memory is counted once
//! ([`DncLists::heap_bytes`] leaves it out, [`DncLists::registry_bytes`]
//! names it). The registry is read-only; a new edition is loaded aside and
//! swapped in with [`DncLists::set_registry`].
//!
//! **Entries.** An entry is permanent or expires at a time (a consent
//! withdrawal on file for 5 years, a dispute hold for 30 days): permanent
//! entries go to a [`Blacklist`] per list (bulk loads are one
//! `insert_many`), expiring ones to a map of number → end time, blocking
//! while `now_ms < until`. Adding a number to a list replaces its entry
//! there (a permanent entry becomes an expiring one and back). Expired
//! entries stop blocking at once; [`DncLists::purge_expired`] frees their
//! memory (the floor calls it now and then; it is O(expiring entries)).
//!
//! **When changes apply.** [`DncLists::check`] answers from the lists as
//! they are, and the floor's emission gate asks it as each Dial leaves, so
//! an add or a removal applies at the next emission. [`DncLists::version`]
//! changes with every add, removal, scope change or registry swap: a gate
//! that cleared a number at one version knows the answer still holds while
//! the version is the same (time only ever unblocks numbers, as entries
//! expire, so a clearance stays true).
//!
//! **Cost.** A check is one registry lookup, then one per list in scope
//! for the campaign: the floor-wide lists and the campaign's own, found
//! from an index by campaign (not by scanning every list).

use std::fmt;
use std::sync::Arc;

use hashbrown::HashMap;
use smallvec::SmallVec;

use super::CampaignId;
use crate::blacklist::Blacklist;

/// A do-not-call list of the floor: its index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ListId(pub u32);

impl fmt::Display for ListId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "do-not-call list #{}", self.0)
    }
}

/// Which campaigns a list applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every campaign of the floor.
    Floor,
    /// One campaign.
    Campaign(CampaignId),
    /// These campaigns.
    Campaigns(Vec<CampaignId>),
}

impl Scope {
    /// The campaigns named by the scope (none for [`Scope::Floor`]).
    #[must_use]
    pub fn campaigns(&self) -> &[CampaignId] {
        match self {
            Scope::Floor => &[],
            Scope::Campaign(c) => std::slice::from_ref(c),
            Scope::Campaigns(cs) => cs,
        }
    }
}

/// Why a number may not be dialed for a campaign.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hit {
    /// It is on the national registry.
    Registry,
    /// It is on this list, whose scope covers the campaign.
    List(ListId),
}

/// Bad input to [`DncLists`]; it changed nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DncError {
    /// No list has this id (or it was removed).
    UnknownList(ListId),
}

impl fmt::Display for DncError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DncError::UnknownList(l) => write!(f, "unknown {l}"),
        }
    }
}

impl std::error::Error for DncError {}

#[derive(Debug, Clone)]
struct List {
    name: String,
    scope: Scope,
    permanent: Blacklist,
    /// Number → end of its entry (exclusive), ms.
    expiring: HashMap<u64, u64>,
}

impl List {
    fn contains(&self, number: u64, now: u64) -> bool {
        self.permanent.contains(number)
            || (!self.expiring.is_empty()
                && self.expiring.get(&number).is_some_and(|&until| now < until))
    }
}

/// The floor's do-not-call lists and national registry (see the module
/// doc).
#[derive(Debug, Clone, Default)]
pub struct DncLists {
    registry: Option<Arc<Blacklist>>,
    lists: Vec<Option<List>>,
    floor_wide: Vec<ListId>,
    by_campaign: HashMap<CampaignId, SmallVec<[ListId; 2]>>,
    version: u64,
}

impl DncLists {
    /// No lists, no registry.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Uses `registry` as the national registry (shared: pass clones of one
    /// `Arc` to every floor), or none.
    pub fn set_registry(&mut self, registry: Option<Arc<Blacklist>>) {
        self.registry = registry;
        self.version += 1;
    }

    /// The national registry, if any.
    #[must_use]
    pub fn registry(&self) -> Option<&Arc<Blacklist>> {
        self.registry.as_ref()
    }

    /// Adds an empty list with this name and scope.
    pub fn add_list(&mut self, name: &str, scope: Scope) -> ListId {
        let id = ListId(self.lists.len() as u32);
        self.index(id, &scope);
        self.lists.push(Some(List {
            name: name.to_owned(),
            scope,
            permanent: Blacklist::new(),
            expiring: HashMap::new(),
        }));
        self.version += 1;
        id
    }

    /// Removes a list and its entries.
    pub fn remove_list(&mut self, list: ListId) -> Result<(), DncError> {
        let scope = self.list(list)?.scope.clone();
        self.unindex(list, &scope);
        self.lists[list.0 as usize] = None;
        self.version += 1;
        Ok(())
    }

    /// Changes a list's scope.
    pub fn set_scope(&mut self, list: ListId, scope: Scope) -> Result<(), DncError> {
        let old = self.list(list)?.scope.clone();
        self.unindex(list, &old);
        self.index(list, &scope);
        self.lists[list.0 as usize].as_mut().expect("checked").scope = scope;
        self.version += 1;
        Ok(())
    }

    /// A list's name and scope.
    pub fn describe(&self, list: ListId) -> Result<(&str, &Scope), DncError> {
        let l = self.list(list)?;
        Ok((&l.name, &l.scope))
    }

    fn index(&mut self, list: ListId, scope: &Scope) {
        if let Scope::Floor = scope {
            self.floor_wide.push(list);
        }
        for &c in scope.campaigns() {
            let lists = self.by_campaign.entry(c).or_default();
            if !lists.contains(&list) {
                lists.push(list);
            }
        }
    }

    fn unindex(&mut self, list: ListId, scope: &Scope) {
        if let Scope::Floor = scope {
            self.floor_wide.retain(|l| *l != list);
        }
        for c in scope.campaigns() {
            if let Some(lists) = self.by_campaign.get_mut(c) {
                lists.retain(|l| *l != list);
                if lists.is_empty() {
                    self.by_campaign.remove(c);
                }
            }
        }
    }

    fn list(&self, list: ListId) -> Result<&List, DncError> {
        self.lists
            .get(list.0 as usize)
            .and_then(Option::as_ref)
            .ok_or(DncError::UnknownList(list))
    }

    fn list_mut(&mut self, list: ListId) -> Result<&mut List, DncError> {
        self.lists
            .get_mut(list.0 as usize)
            .and_then(Option::as_mut)
            .ok_or(DncError::UnknownList(list))
    }

    /// Puts `number` on `list`, for good (`until_ms: None`) or until that
    /// time (exclusive), replacing its entry there if it had one.
    pub fn add(
        &mut self,
        list: ListId,
        number: u64,
        until_ms: Option<u64>,
    ) -> Result<(), DncError> {
        let l = self.list_mut(list)?;
        match until_ms {
            None => {
                l.expiring.remove(&number);
                l.permanent.insert(number);
            }
            Some(until) => {
                l.permanent.remove(number);
                l.expiring.insert(number, until);
            }
        }
        self.version += 1;
        Ok(())
    }

    /// Puts many numbers on `list` for good, in one sort and merge (a file
    /// of the company's list). Returns how many were new there.
    pub fn add_many(&mut self, list: ListId, numbers: &[u64]) -> Result<u64, DncError> {
        let l = self.list_mut(list)?;
        for n in numbers {
            l.expiring.remove(n);
        }
        let added = l.permanent.insert_many(numbers);
        self.version += 1;
        Ok(added)
    }

    /// Takes `number` off `list`; true if it had an entry there (expired
    /// or not).
    pub fn remove(&mut self, list: ListId, number: u64) -> Result<bool, DncError> {
        let l = self.list_mut(list)?;
        let had = l.permanent.remove(number) | l.expiring.remove(&number).is_some();
        self.version += 1;
        Ok(had)
    }

    /// Whether `number` may not be dialed for `campaign` at `now_ms`, and
    /// the first reason found: the registry, then the floor-wide lists,
    /// then the campaign's own (each in the order they were added).
    #[must_use]
    pub fn check(&self, number: u64, campaign: CampaignId, now_ms: u64) -> Option<Hit> {
        if self.registry.as_ref().is_some_and(|r| r.contains(number)) {
            return Some(Hit::Registry);
        }
        let own = self
            .by_campaign
            .get(&campaign)
            .map_or(&[][..], |l| l.as_slice());
        self.floor_wide
            .iter()
            .chain(own)
            .copied()
            .find(|&id| {
                self.lists[id.0 as usize]
                    .as_ref()
                    .is_some_and(|l| l.contains(number, now_ms))
            })
            .map(Hit::List)
    }

    /// Bumped by every change of membership or scope (not by time).
    #[must_use]
    pub fn version(&self) -> u64 {
        self.version
    }

    /// Drops the entries that ended at or before `now_ms`; returns how many.
    pub fn purge_expired(&mut self, now_ms: u64) -> usize {
        let mut purged = 0;
        for l in self.lists.iter_mut().flatten() {
            let before = l.expiring.len();
            l.expiring.retain(|_, until| now_ms < *until);
            purged += before - l.expiring.len();
        }
        purged
    }

    /// Every list in id order (`None`: removed) with its name, scope,
    /// permanent numbers and the expiring entries still in force at
    /// `now_ms` (number, until): what the floor journal's compaction
    /// writes.
    #[allow(clippy::type_complexity)]
    pub(crate) fn export(
        &self,
        now_ms: u64,
    ) -> Vec<Option<(String, Scope, Vec<u64>, Vec<(u64, u64)>)>> {
        self.lists
            .iter()
            .map(|l| {
                l.as_ref().map(|l| {
                    let mut expiring: Vec<(u64, u64)> = l
                        .expiring
                        .iter()
                        .filter(|(_, &until)| now_ms < until)
                        .map(|(&n, &until)| (n, until))
                        .collect();
                    expiring.sort_unstable_by_key(|&(n, until)| (until, n));
                    (
                        l.name.clone(),
                        l.scope.clone(),
                        l.permanent.iter().collect(),
                        expiring,
                    )
                })
            })
            .collect()
    }

    /// Entries of a list: (permanent, expiring — expired or not).
    pub fn len(&self, list: ListId) -> Result<(u64, usize), DncError> {
        let l = self.list(list)?;
        Ok((l.permanent.len(), l.expiring.len()))
    }

    /// Heap bytes of the floor's own lists (the shared registry not
    /// included: see [`DncLists::registry_bytes`]). Expiring entries are
    /// estimated at a hash map's 16 bytes a slot at 7/8 load.
    #[must_use]
    pub fn heap_bytes(&self) -> usize {
        self.lists
            .iter()
            .flatten()
            .map(|l| l.permanent.heap_bytes() + l.expiring.capacity() * 17 + l.name.capacity())
            .sum()
    }

    /// Heap bytes of the registry, shared by every holder of its `Arc`.
    #[must_use]
    pub fn registry_bytes(&self) -> usize {
        self.registry.as_ref().map_or(0, |r| r.heap_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const A: CampaignId = CampaignId(1);
    const B: CampaignId = CampaignId(2);
    const N: u64 = 12_025_550_100;

    #[test]
    fn scopes_decide_who_is_blocked() {
        let mut d = DncLists::new();
        let floor = d.add_list("company", Scope::Floor);
        let only_a = d.add_list("asked A to stop", Scope::Campaign(A));
        let brand = d.add_list("brand", Scope::Campaigns(vec![A, B]));
        d.add(floor, N, None).unwrap();
        d.add(only_a, N + 1, None).unwrap();
        d.add(brand, N + 2, None).unwrap();
        let c = CampaignId(3);
        assert_eq!(d.check(N, c, 0), Some(Hit::List(floor)));
        assert_eq!(d.check(N + 1, A, 0), Some(Hit::List(only_a)));
        assert_eq!(d.check(N + 1, B, 0), None);
        assert_eq!(d.check(N + 2, B, 0), Some(Hit::List(brand)));
        assert_eq!(d.check(N + 2, c, 0), None);
        // Rescoping applies at once.
        d.set_scope(brand, Scope::Campaign(c)).unwrap();
        assert_eq!(d.check(N + 2, B, 0), None);
        assert_eq!(d.check(N + 2, c, 0), Some(Hit::List(brand)));
        d.remove_list(only_a).unwrap();
        assert_eq!(d.check(N + 1, A, 0), None);
        assert_eq!(d.add(only_a, N, None), Err(DncError::UnknownList(only_a)));
        assert_eq!(d.describe(floor).unwrap(), ("company", &Scope::Floor));
    }

    #[test]
    fn expiry_and_replacement() {
        let mut d = DncLists::new();
        let l = d.add_list("holds", Scope::Floor);
        d.add(l, N, Some(1_000)).unwrap();
        assert_eq!(d.check(N, A, 999), Some(Hit::List(l)));
        assert_eq!(d.check(N, A, 1_000), None);
        // Made permanent, then expiring again: the last add wins.
        d.add(l, N, None).unwrap();
        assert_eq!(d.check(N, A, 5_000), Some(Hit::List(l)));
        d.add(l, N, Some(6_000)).unwrap();
        assert_eq!(d.check(N, A, 6_000), None);
        assert_eq!(d.len(l).unwrap(), (0, 1));
        assert_eq!(d.purge_expired(6_000), 1);
        assert_eq!(d.len(l).unwrap(), (0, 0));
        let v = d.version();
        assert!(!d.remove(l, N).unwrap());
        assert!(d.version() > v);
        assert_eq!(d.add_many(l, &[N, N + 1, N]).unwrap(), 2);
        assert_eq!(d.check(N + 1, B, 0), Some(Hit::List(l)));
    }

    #[test]
    fn the_registry_is_shared_and_counted_once() {
        let mut registry = Blacklist::new();
        let numbers: Vec<u64> = (0..100_000).map(|i| N + i * 7).collect();
        registry.insert_many(&numbers);
        let registry = Arc::new(registry);
        let mut one = DncLists::new();
        let mut two = DncLists::new();
        one.set_registry(Some(Arc::clone(&registry)));
        two.set_registry(Some(Arc::clone(&registry)));
        assert!(Arc::ptr_eq(
            one.registry().unwrap(),
            two.registry().unwrap()
        ));
        assert_eq!(Arc::strong_count(&registry), 3);
        assert_eq!(one.check(N + 7, A, 0), Some(Hit::Registry));
        assert_eq!(two.check(N + 8, A, 0), None);
        // The floor's own bytes leave the registry out.
        assert!(one.registry_bytes() >= 200_000);
        assert_eq!(one.heap_bytes(), 0);
        one.set_registry(None);
        assert_eq!(one.check(N + 7, A, 0), None);
        assert_eq!(Arc::strong_count(&registry), 2);
    }

    #[derive(Debug, Clone)]
    enum Op {
        Add(usize, u64, Option<u64>),
        Remove(usize, u64),
        Scope(usize, u8),
        Purge(u64),
        Check(u64, u32, u64),
    }

    fn op() -> impl Strategy<Value = Op> {
        let number = 0u64..20;
        prop_oneof![
            (0usize..4, number.clone(), proptest::option::of(0u64..100))
                .prop_map(|(l, n, u)| Op::Add(l, n, u)),
            (0usize..4, number.clone()).prop_map(|(l, n)| Op::Remove(l, n)),
            (0usize..4, 0u8..6).prop_map(|(l, s)| Op::Scope(l, s)),
            (0u64..100).prop_map(Op::Purge),
            (number, 0u32..3, 0u64..100).prop_map(|(n, c, t)| Op::Check(n, c, t)),
        ]
    }

    fn scope(code: u8) -> Scope {
        match code {
            0 => Scope::Floor,
            1..=3 => Scope::Campaign(CampaignId(u32::from(code) - 1)),
            4 => Scope::Campaigns(vec![CampaignId(0), CampaignId(2)]),
            _ => Scope::Campaigns(vec![]),
        }
    }

    proptest! {
        /// Against a plain model (per list: a map number → end time, and a
        /// scope): every check agrees, registry included.
        #[test]
        fn agrees_with_a_plain_model(ops in proptest::collection::vec(op(), 1..300)) {
            let mut d = DncLists::new();
            let mut registry = Blacklist::new();
            registry.insert(N + 3);
            d.set_registry(Some(Arc::new(registry)));
            let mut model: Vec<(Scope, std::collections::HashMap<u64, u64>)> = Vec::new();
            for i in 0..4u8 {
                d.add_list("l", scope(i));
                model.push((scope(i), Default::default()));
            }
            for op in ops {
                match op {
                    Op::Add(l, n, until) => {
                        d.add(ListId(l as u32), N + n, until).unwrap();
                        model[l].1.insert(N + n, until.unwrap_or(u64::MAX));
                    }
                    Op::Remove(l, n) => {
                        let had = d.remove(ListId(l as u32), N + n).unwrap();
                        prop_assert_eq!(had, model[l].1.remove(&(N + n)).is_some());
                    }
                    Op::Scope(l, s) => {
                        d.set_scope(ListId(l as u32), scope(s)).unwrap();
                        model[l].0 = scope(s);
                    }
                    Op::Purge(t) => {
                        d.purge_expired(t);
                        for (_, m) in &mut model { m.retain(|_, u| t < *u); }
                    }
                    Op::Check(n, c, t) => {
                        let campaign = CampaignId(c);
                        let want = if N + n == N + 3 { true } else {
                            model.iter().any(|(s, m)| {
                                let covers = *s == Scope::Floor || s.campaigns().contains(&campaign);
                                covers && m.get(&(N + n)).is_some_and(|&u| t < u)
                            })
                        };
                        prop_assert_eq!(d.check(N + n, campaign, t).is_some(), want);
                    }
                }
            }
        }
    }
}
