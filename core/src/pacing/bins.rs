//! The busy operators counted per elapsed-time bin, kept up as operators
//! change state and as time moves them from bin to bin.
//!
//! The dialcore pacer's load sums, over the busy operators, a row of its
//! talk or ACW table chosen by the bin of the time the operator has talked
//! (5 s bins up to 10 minutes, then 30 s) or done ACW (1 s bins). Counting
//! every operator into its bin at every plan is O(operators); most of them
//! are in the bin they were in at the last plan. [`BusyBins`] keeps, per
//! operator (by id), its phase, when it entered it, its bin and **when it
//! leaves that bin** (the next bin edge): a plan
//! ([`BusyBins::observe`] per operator, one comparison each for the
//! unchanged) recounts only the operators whose state changed or whose bin
//! edge passed, and lists the count changes ([`BusyBins::changes`]) so the
//! pacer adds `±row` for those bins only. The counts are exact: an
//! operator is in the bin of `now − since`, the same bin a view of its
//! elapsed time gives. A [`BusyBins::version`] tells a reader whether the
//! changes it sees follow the counts it last read (otherwise it re-sums
//! from the counts).
//!
//! **Without visiting every operator.** The bin edges to come are kept in
//! a calendar of 1 s slots (an edge is at most one bin, 30 s, ahead):
//! [`BusyBins::begin`] moves the operators whose edge passed, so an
//! update needs [`BusyBins::observe`] only for the operators whose state
//! changed (the engine lists them from the operators' change ring) — a
//! plan costs O(changes + edges passed + seconds passed, at most 64). Every
//! [`FULL_EVERY`]-th update the engine still observes every operator, which
//! bounds the effect of any change it was not told of.

use super::stats::BusyPhase;

/// Talk-elapsed bins: 5 s up to 10 min, then 30 s up to 70 min.
pub(crate) const TALK_FINE_BINS: usize = 120;
/// Talk-elapsed bins in all (the last one takes everything longer).
pub(crate) const TALK_BINS: usize = 240;
/// ACW-elapsed bins of 1 s (the last one takes everything longer).
pub(crate) const ACW_BINS: usize = 300;

/// The lower edge of talk bin `k`, ms.
pub(crate) fn talk_edge(k: usize) -> u64 {
    if k < TALK_FINE_BINS {
        k as u64 * 5_000
    } else {
        600_000 + (k - TALK_FINE_BINS) as u64 * 30_000
    }
}

/// The bin holding elapsed talk time `t`.
pub(crate) fn talk_bin(t: u64) -> usize {
    if t < 600_000 {
        (t / 5_000) as usize
    } else {
        (TALK_FINE_BINS + ((t - 600_000) / 30_000) as usize).min(TALK_BINS - 1)
    }
}

/// The bin holding elapsed ACW time `t`.
pub(crate) fn acw_bin(t: u64) -> usize {
    ((t / 1_000) as usize).min(ACW_BINS - 1)
}

/// The first talk bin whose lower edge is ≥ `x` (`TALK_BINS` if none).
pub(crate) fn first_talk_bin_at_or_after(x: i64) -> usize {
    if x <= 0 {
        0
    } else if x <= 600_000 {
        (x as u64).div_ceil(5_000) as usize
    } else {
        (TALK_FINE_BINS + (x as u64 - 600_000).div_ceil(30_000) as usize).min(TALK_BINS)
    }
}

/// Every this many updates the engine observes every operator.
pub(crate) const FULL_EVERY: u64 = 64;

/// Slots of 1 s in the edge calendar (more than the widest bin, 30 s).
const EDGE_SLOTS: u64 = 64;

/// No bin (not talking nor in ACW).
const NO_BIN: u32 = u32::MAX;

/// One operator as last observed.
#[derive(Debug, Clone, Copy)]
struct Entry {
    /// 0: not busy; 1 + [`phase_code`] otherwise.
    code: u8,
    since: u64,
    /// Index into the counts (talk bins, then ACW bins), or [`NO_BIN`].
    bin: u32,
    /// When the operator leaves its bin (`u64::MAX`: never).
    next_ms: u64,
}

const IDLE: Entry = Entry {
    code: 0,
    since: 0,
    bin: NO_BIN,
    next_ms: u64::MAX,
};

fn code_phase(code: u8) -> Option<BusyPhase> {
    match code {
        1 => Some(BusyPhase::Talk),
        2 => Some(BusyPhase::Acw),
        3 => Some(BusyPhase::Other),
        _ => None,
    }
}

fn phase_code(phase: BusyPhase) -> u8 {
    match phase {
        BusyPhase::Talk => 1,
        BusyPhase::Acw => 2,
        BusyPhase::Other => 3,
    }
}

/// The busy operators per talk and ACW bin (see the module documentation).
#[derive(Debug, Clone, Default)]
pub struct BusyBins {
    ops: Vec<Entry>,
    /// Operators per bin: the talk bins, then the ACW bins.
    counts: Vec<u32>,
    /// Operators busy (talk, ACW or other work).
    busy: usize,
    /// The count changes of the last update: (bin, ±1).
    changes: Vec<(u32, i32)>,
    version: u64,
    /// The time of the last update.
    at_ms: Option<u64>,
    /// The next bin edges of the operators, (when, operator), in slot
    /// `when / 1 s mod EDGE_SLOTS`; an entry is current when the
    /// operator's `next_ms` still says so.
    edges: Vec<Vec<(u64, u32)>>,
    /// Due edges (scratch).
    due: Vec<(u64, u32)>,
    /// The operators' change count the bins follow (the engine's).
    pub(crate) seen_changes: Option<u64>,
}

impl BusyBins {
    /// Starts an update at `now_ms`: observe every operator next. A time
    /// earlier than the last update's recounts every operator.
    pub fn begin(&mut self, now_ms: u64) {
        if self.counts.is_empty() {
            self.counts = vec![0; TALK_BINS + ACW_BINS];
        }
        self.changes.clear();
        self.version += 1;
        if self.at_ms.is_some_and(|at| now_ms < at) {
            for e in &mut self.ops {
                e.next_ms = 0;
            }
            self.edges.iter_mut().for_each(Vec::clear);
            self.seen_changes = None;
        }
        let last = self.at_ms.unwrap_or(now_ms);
        self.at_ms = Some(now_ms);
        if self.edges.is_empty() {
            self.edges = vec![Vec::new(); EDGE_SLOTS as usize];
        }
        // The slots of the seconds from the last update to now (all of
        // them after a long gap): their entries due by now.
        let (from, to) = (last / 1_000, now_ms / 1_000);
        let seconds = if to.saturating_sub(from) >= EDGE_SLOTS {
            0..EDGE_SLOTS
        } else {
            from..to + 1
        };
        let mut due = std::mem::take(&mut self.due);
        for sec in seconds {
            let slot = &mut self.edges[(sec % EDGE_SLOTS) as usize];
            if slot.is_empty() {
                continue;
            }
            slot.retain(|&(at, i)| {
                if at <= now_ms {
                    due.push((at, i));
                    false
                } else {
                    true
                }
            });
        }
        for &(at, i) in &due {
            let Some(&e) = self.ops.get(i as usize) else {
                continue;
            };
            if e.next_ms == at {
                let phase = code_phase(e.code);
                self.set(i as usize, phase, e.code, e.since, now_ms);
            }
        }
        due.clear();
        self.due = due;
    }

    /// True when this update should observe every operator (the first,
    /// one after time went back, and every [`FULL_EVERY`]-th).
    pub fn wants_full(&self) -> bool {
        self.seen_changes.is_none() || self.version.is_multiple_of(FULL_EVERY)
    }

    /// Operator `index` is busy in `phase` since `since_ms` (`None`: not
    /// busy). Costs one comparison when nothing changed.
    #[inline]
    pub fn observe(&mut self, index: usize, phase: Option<BusyPhase>, since_ms: u64) {
        let now = self.at_ms.unwrap_or(0);
        if index >= self.ops.len() {
            self.ops.resize(index + 1, IDLE);
        }
        let code = phase.map_or(0, phase_code);
        let e = self.ops[index];
        if e.code == code && (code == 0 || (e.since == since_ms && now < e.next_ms)) {
            return;
        }
        self.set(index, phase, code, since_ms, now);
    }

    /// Operators from `count` on are gone (not busy).
    pub fn truncate(&mut self, count: usize) {
        let now = self.at_ms.unwrap_or(0);
        for i in count..self.ops.len() {
            if self.ops[i].code != 0 {
                self.set(i, None, 0, 0, now);
            }
        }
        self.ops.truncate(count);
    }

    fn set(&mut self, index: usize, phase: Option<BusyPhase>, code: u8, since: u64, now: u64) {
        let since = if code == 0 { 0 } else { since };
        let elapsed = now.saturating_sub(since);
        let (bin, next_ms) = match phase {
            Some(BusyPhase::Talk) => {
                let k = talk_bin(elapsed);
                let next = if k + 1 < TALK_BINS {
                    since.saturating_add(talk_edge(k + 1))
                } else {
                    u64::MAX
                };
                (k as u32, next)
            }
            Some(BusyPhase::Acw) => {
                let k = acw_bin(elapsed);
                let next = if k + 1 < ACW_BINS {
                    since.saturating_add((k as u64 + 1) * 1_000)
                } else {
                    u64::MAX
                };
                ((TALK_BINS + k) as u32, next)
            }
            Some(BusyPhase::Other) | None => (NO_BIN, u64::MAX),
        };
        let old = self.ops[index];
        if old.bin != bin {
            if old.bin != NO_BIN {
                self.counts[old.bin as usize] -= 1;
                self.changes.push((old.bin, -1));
            }
            if bin != NO_BIN {
                self.counts[bin as usize] += 1;
                self.changes.push((bin, 1));
            }
        }
        match (old.code != 0, code != 0) {
            (false, true) => self.busy += 1,
            (true, false) => self.busy -= 1,
            _ => {}
        }
        self.ops[index] = Entry {
            code,
            since,
            bin,
            next_ms,
        };
        if next_ms != u64::MAX && !self.edges.is_empty() {
            let slot = (next_ms / 1_000 % EDGE_SLOTS) as usize;
            self.edges[slot].push((next_ms, index as u32));
        }
    }

    /// The time of the last update, if any.
    pub fn updated_at(&self) -> Option<u64> {
        self.at_ms
    }

    /// Changes at every update.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// Operators busy (talking, in ACW or in other work).
    pub fn busy(&self) -> usize {
        self.busy
    }

    /// Operators per bin: `TALK_BINS` talk bins, then `ACW_BINS` ACW bins.
    pub(crate) fn counts(&self) -> &[u32] {
        &self.counts
    }

    /// The count changes of the last update: (bin, ±1).
    pub(crate) fn changes(&self) -> &[(u32, i32)] {
        &self.changes
    }

    /// Any operator in a talk bin from `talk_from` on or an ACW bin from
    /// `acw_from` on.
    pub(crate) fn any_from(&self, talk_from: usize, acw_from: usize) -> bool {
        let c = &self.counts;
        c.len() == TALK_BINS + ACW_BINS
            && (c[talk_from.min(TALK_BINS)..TALK_BINS]
                .iter()
                .any(|&n| n > 0)
                || c[TALK_BINS + acw_from.min(ACW_BINS)..]
                    .iter()
                    .any(|&n| n > 0))
    }

    /// Each talking or ACW operator: its phase and elapsed time at the
    /// last update.
    pub(crate) fn each_busy(&self) -> impl Iterator<Item = (BusyPhase, u64)> + '_ {
        let now = self.at_ms.unwrap_or(0);
        self.ops.iter().filter_map(move |e| {
            let phase = match e.code {
                1 => BusyPhase::Talk,
                2 => BusyPhase::Acw,
                _ => return None,
            };
            Some((phase, now.saturating_sub(e.since)))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The counts against a recount of views, through state changes and
    /// time passing (the trusted model: each operator's bin from its
    /// elapsed time), observing every operator or only the one that
    /// changed; and the changes add up to the count differences.
    #[test]
    fn counts_follow_a_recount() {
        proptest::proptest!(|(
            steps in proptest::collection::vec(
                (0usize..12, 0u8..4, 0u64..40_000, 0u64..3_000_000), 1..200),
        )| {
            let mut bins = BusyBins::default();
            let mut model: Vec<(u8, u64)> = vec![(0, 0); 12];
            let mut now = 3_000_000u64;
            for (n, (op, code, dt, back)) in steps.into_iter().enumerate() {
                now += dt;
                model[op] = (code, now.saturating_sub(back % (now + 1)));
                let before = bins.counts().to_vec();
                bins.begin(now);
                let phase = |c: u8| [None, Some(BusyPhase::Talk), Some(BusyPhase::Acw), Some(BusyPhase::Other)][c as usize];
                if n % 5 == 0 {
                    for (i, &(c, since)) in model.iter().enumerate() {
                        bins.observe(i, phase(c), since);
                    }
                } else {
                    // Only the operator that changed: the edges do the rest.
                    bins.observe(op, phase(model[op].0), model[op].1);
                }
                let mut want = vec![0u32; TALK_BINS + ACW_BINS];
                for &(c, since) in &model {
                    match c {
                        1 => want[talk_bin(now - since)] += 1,
                        2 => want[TALK_BINS + acw_bin(now - since)] += 1,
                        _ => {}
                    }
                }
                proptest::prop_assert_eq!(bins.counts(), &want[..]);
                proptest::prop_assert_eq!(bins.busy(), model.iter().filter(|m| m.0 != 0).count());
                let mut replay: Vec<i64> = if before.is_empty() { vec![0; want.len()] } else { before.iter().map(|&n| i64::from(n)).collect() };
                for &(b, d) in bins.changes() {
                    replay[b as usize] += i64::from(d);
                }
                proptest::prop_assert!(replay.iter().zip(&want).all(|(a, &b)| *a == i64::from(b)));
            }
        });
    }
}
