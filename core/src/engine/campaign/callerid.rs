//! Caller ID: which number a dial presents.
//!
//! A campaign has a default caller ID (the `caller_id` setting) and may have
//! a pool (`caller_id_pool`, a list of +E.164 numbers). Each `Dial` carries
//! the caller ID chosen for it:
//!
//! 1. **Local presence.** When the number dialed is a NANP number (`+1`
//!    and ten digits) and the pool holds numbers with the same area code,
//!    one of those is presented.
//! 2. Otherwise the campaign's default `caller_id`, when it is set.
//! 3. Otherwise, when the pool is not empty, a number of the whole pool
//!    (a pool without a default is meant to be used, rather than leaving
//!    the choice to the PBX); with neither, `None`: the PBX picks one.
//!
//! **Rotation.** Among the candidates the one used least in the last hour
//! is taken, ties going to the one used longest ago (then the one listed
//! first), so a pool's numbers share the traffic evenly and none is
//! flagged as spam for calling too often. Each candidate group (one per
//! area code, one for the whole pool) is a `BTreeSet` ordered by
//! `(uses in the last hour, last use, index)`, so a pick is O(log n); the
//! uses of the last hour are a FIFO log whose expired entries are dropped
//! as time passes (amortized O(1) per dial, each use is logged and dropped
//! once). No scan of the pool happens per dial.
//!
//! The caller ID of each attempt is journaled with its dial (kind 20) and
//! fills the attempt records' `caller_id` column; replay feeds the same
//! uses back, so a campaign recovered from its journal rotates as the live
//! one did. The snapshot does not hold the uses: after a snapshot taken in
//! the last hour, the uses before it are forgotten and the rotation starts
//! even again (the pool still spreads the traffic; no rule depends on it).
//! The regional rule sets (by state) may later widen "local" to the same
//! region; the area code is the rule today.

use std::collections::{BTreeSet, VecDeque};

use hashbrown::HashMap;

/// One hour: the window "least used" looks at.
pub(crate) const ROTATION_WINDOW_MS: u64 = 3_600_000;

/// The key of a pool number in a candidate group.
type Key = (u32, u64, u32);

/// The caller IDs of a campaign: the default, the pool and its usage.
#[derive(Debug, Default)]
pub(crate) struct CallerIds {
    default: Option<u64>,
    numbers: Vec<u64>,
    index: HashMap<u64, u32>,
    /// Uses in the last hour and the last use, per pool index.
    uses: Vec<u32>,
    last: Vec<u64>,
    area: Vec<Option<u16>>,
    log: VecDeque<(u64, u32)>,
    by_area: HashMap<u16, BTreeSet<Key>>,
    /// The whole pool, kept only when there is no default (rule 3).
    all: Option<BTreeSet<Key>>,
}

/// The NANP area code of E.164 digits `+1NPANXXXXXX`, if it is one.
pub(crate) fn nanp_area(number: u64) -> Option<u16> {
    (10_000_000_000..20_000_000_000)
        .contains(&number)
        .then_some(((number / 10_000_000) % 1000) as u16)
}

/// E.164 digits of `+digits` text (validated by the configuration).
pub(crate) fn digits(text: &str) -> Option<u64> {
    text.strip_prefix('+')?.parse().ok()
}

impl CallerIds {
    /// The caller IDs of a configuration: `default` (+E.164 or empty) and
    /// the pool (duplicates are kept once).
    pub(crate) fn new(default: &str, pool: &[String]) -> CallerIds {
        let default = digits(default);
        let mut ids = CallerIds {
            default,
            all: default.is_none().then(BTreeSet::new),
            ..CallerIds::default()
        };
        for n in pool.iter().filter_map(|p| digits(p)) {
            if ids.index.contains_key(&n) {
                continue;
            }
            let i = ids.numbers.len() as u32;
            ids.index.insert(n, i);
            ids.numbers.push(n);
            ids.uses.push(0);
            ids.last.push(0);
            let area = nanp_area(n);
            ids.area.push(area);
            let key = (0, 0, i);
            if let Some(all) = ids.all.as_mut() {
                all.insert(key);
            }
            if let Some(a) = area {
                ids.by_area.entry(a).or_default().insert(key);
            }
        }
        ids
    }

    /// The caller ID to present on a dial of `dialed` at `now`, counted as
    /// used (see the module doc for the rule).
    pub(crate) fn pick(&mut self, dialed: u64, now: u64) -> Option<u64> {
        if self.numbers.is_empty() {
            return self.default;
        }
        self.expire(now);
        let local = nanp_area(dialed)
            .and_then(|a| self.by_area.get(&a))
            .and_then(|set| set.first().copied());
        let key = match (local, self.default) {
            (Some(k), _) => k,
            (None, Some(d)) => return Some(d),
            (None, None) => *self.all.as_ref()?.first()?,
        };
        self.use_index(key.2, now);
        Some(self.numbers[key.2 as usize])
    }

    /// Counts a use of `number` at `now` (a pick, or a journaled dial
    /// replayed); a number not in the pool is not counted.
    pub(crate) fn note(&mut self, number: u64, now: u64) {
        let Some(&i) = self.index.get(&number) else {
            return;
        };
        self.expire(now);
        self.use_index(i, now);
    }

    /// Counts a use of pool number `i` (expired uses already dropped).
    fn use_index(&mut self, i: u32, now: u64) {
        let (uses, last) = (self.uses[i as usize], self.last[i as usize]);
        self.rekey(i, (uses, last), (uses + 1, now.max(last)));
        self.log.push_back((now, i));
    }

    /// Uses of `number` in the hour before `now` (for tests and views).
    #[cfg(test)]
    pub(crate) fn uses(&mut self, number: u64, now: u64) -> u32 {
        self.expire(now);
        self.index
            .get(&number)
            .map_or(0, |&i| self.uses[i as usize])
    }

    fn expire(&mut self, now: u64) {
        while let Some(&(at, i)) = self.log.front() {
            if at.saturating_add(ROTATION_WINDOW_MS) > now {
                break;
            }
            self.log.pop_front();
            let (uses, last) = (self.uses[i as usize], self.last[i as usize]);
            self.rekey(i, (uses, last), (uses.saturating_sub(1), last));
        }
    }

    fn rekey(&mut self, i: u32, (u0, l0): (u32, u64), (u1, l1): (u32, u64)) {
        self.uses[i as usize] = u1;
        self.last[i as usize] = l1;
        if let Some(all) = self.all.as_mut() {
            all.remove(&(u0, l0, i));
            all.insert((u1, l1, i));
        }
        if let Some(set) = self.area[i as usize].and_then(|a| self.by_area.get_mut(&a)) {
            set.remove(&(u0, l0, i));
            set.insert((u1, l1, i));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn pool(ns: &[&str]) -> Vec<String> {
        ns.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn local_presence_then_default_then_the_whole_pool() {
        let p = pool(&["+12025550001", "+12025550002", "+13125550001"]);
        let mut ids = CallerIds::new("+18005550000", &p);
        // Same area code (202): one of the two 202 numbers, in turn.
        assert_eq!(ids.pick(12_025_551_234, 0), Some(12_025_550_001));
        assert_eq!(ids.pick(12_025_559_999, 1), Some(12_025_550_002));
        assert_eq!(ids.pick(12_025_559_999, 2), Some(12_025_550_001));
        assert_eq!(ids.pick(13_125_550_100, 3), Some(13_125_550_001));
        // No local number (415) and a non-NANP number: the default.
        assert_eq!(ids.pick(14_155_550_100, 4), Some(18_005_550_000));
        assert_eq!(ids.pick(4_930_123_456, 5), Some(18_005_550_000));
        // Without a default the whole pool rotates; least used first.
        let mut ids = CallerIds::new("", &p);
        assert_eq!(ids.pick(4_930_123_456, 0), Some(12_025_550_001));
        assert_eq!(ids.pick(4_930_123_456, 1), Some(12_025_550_002));
        assert_eq!(ids.pick(4_930_123_456, 2), Some(13_125_550_001));
        // Neither pool nor default: the PBX picks.
        assert_eq!(CallerIds::new("", &[]).pick(12_025_550_100, 0), None);
        assert_eq!(
            CallerIds::new("+12025550100", &[]).pick(1, 0),
            Some(12_025_550_100)
        );
    }

    #[test]
    fn uses_older_than_an_hour_no_longer_count() {
        let p = pool(&["+12025550001", "+12025550002"]);
        let mut ids = CallerIds::new("", &p);
        for t in 0..3 {
            ids.note(12_025_550_001, t);
        }
        ids.note(12_025_550_002, 10);
        assert_eq!(ids.pick(12_025_551_234, 20), Some(12_025_550_002));
        assert_eq!(ids.uses(12_025_550_001, 20), 3);
        // An hour after the first three uses they are gone: 001 has none,
        // 002 still has the two of t = 10 and 20.
        assert_eq!(ids.uses(12_025_550_001, ROTATION_WINDOW_MS + 3), 0);
        assert_eq!(ids.uses(12_025_550_002, ROTATION_WINDOW_MS + 3), 2);
        assert_eq!(
            ids.pick(12_025_551_234, ROTATION_WINDOW_MS + 3),
            Some(12_025_550_001)
        );
    }

    proptest! {
        /// The pick is always a least-used local candidate of the last hour
        /// (checked against a plain recount of every use), or the default
        /// when no local one exists.
        #[test]
        fn pick_is_a_least_used_local_number(
            dials in proptest::collection::vec((0u64..4, 0u64..900_000), 1..200),
        ) {
            let areas = [202u64, 312, 415, 646];
            let p = pool(&["+12025550001", "+12025550002", "+13125550001", "+16465550001", "+16465550002", "+16465550003"]);
            let mut ids = CallerIds::new("+18005550000", &p);
            let mut log: Vec<(u64, u64)> = Vec::new();
            let mut now = 0;
            for (a, step) in dials {
                now += step;
                let dialed = 10_000_000_000 + areas[a as usize] * 10_000_000 + 5_550_100;
                let got = ids.pick(dialed, now).unwrap();
                let local: Vec<u64> = p.iter().filter_map(|s| digits(s))
                    .filter(|&n| nanp_area(n) == nanp_area(dialed)).collect();
                if local.is_empty() {
                    prop_assert_eq!(got, 18_005_550_000);
                    continue;
                }
                let count = |n: u64| log.iter().filter(|&&(t, m)| m == n && t + ROTATION_WINDOW_MS > now).count();
                prop_assert!(local.contains(&got));
                let least = local.iter().map(|&n| count(n)).min().unwrap();
                prop_assert_eq!(count(got), least);
                log.push((now, got));
            }
        }
    }
}
