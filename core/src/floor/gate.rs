//! The floor's guards at each campaign's Dial emission point.
//!
//! What the campaigns share at dial time — the do-not-call lists, the
//! per-number caps and in-call set, the trunks — lives in one `Shared`,
//! which the floor and one `FloorGate` per campaign hold by `Arc`. A
//! campaign asks its gate about each Dial (see [`super::guard`]); the gate
//! checks, cheapest and side-effect free first:
//!
//! 1. [`DncLists::check`] for the campaign: a hit blocks the contact
//!    (Blacklisted; the hit is counted per list, `Floor::list_hits`);
//! 2. [`Caps::begin`]: the number in a call of any campaign defers it by
//!    [`NUMBER_BUSY_DELAY_MS`], a cap defers it to the time the cap allows
//!    the next dial; else the number is held for the call and the dial
//!    counted;
//! 3. [`Trunks::acquire_for`], when the campaign has a route: no line or no
//!    token defers it (the hold is cancelled, the dial not counted) to the
//!    trunk's next token, or [`LINE_RETRY_MS`] when every line is busy (a
//!    line freed wakes the campaign sooner, see `Shared::take_line_freed`).
//!
//! An allowed Dial's [`NumberHold`] and [`LinePermit`] are kept by
//! (campaign, contact) until the campaign reports the call's end
//! ([`DialGuard::ended`]): a normal end releases the line and ends the hold
//! (the dial stays counted), a congestion answer backs the trunk off and
//! cancels the hold (the dial is not counted: the client was never rung).
//!
//! **Held commands.** A host that takes fewer commands than a poll made
//! (the C API's `cap`) hands a held Dial out later, after
//! [`DialGuard::recheck`]: steps 1 and 2 run again at that moment, through
//! the same code (`Shared::screen`), so a list entry added, a cap lowered
//! or reached since the poll withdraws the Dial; its line stays held (its
//! token was spent at the poll). A withdrawn Dial — refused by the floor
//! here or by its campaign's own guards — gives its line and number back
//! and is not counted against the caps (it was never dialed); a list hit
//! at a recheck counts in `Floor::list_hits` like one at a Dial.
//! Locking is uncontended (the engine has no threads); the `Mutex` only
//! lets a campaign own its gate while the floor keeps the state.

use std::sync::{Arc, Mutex, MutexGuard};

use hashbrown::HashMap;

use super::caps::{CapRefusal, Caps, NumberHold};
use super::dnc::{DncLists, Hit, ListId};
use super::guard::{DeferReason, DialGuard, Verdict};
use super::trunk::{LinePermit, Refusal, TrunkId, Trunks};
use super::CampaignId;
use crate::store::ContactId;

/// A number in another campaign's call is tried again this much later.
pub const NUMBER_BUSY_DELAY_MS: u64 = 60_000;

/// With every line of a route busy, a campaign tries again this much later
/// at the latest (a line freed wakes it at once).
pub const LINE_RETRY_MS: u64 = 1_000;

/// What an allowed Dial holds until its call ends.
#[derive(Debug)]
struct Held {
    hold: NumberHold,
    permit: Option<LinePermit>,
}

/// The floor's state that the campaigns' gates use (see the module doc).
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) dnc: DncLists,
    pub(crate) caps: Caps,
    pub(crate) trunks: Trunks,
    held: HashMap<(CampaignId, u32), Held>,
    /// Hits per list (the registry is `None`).
    list_hits: HashMap<Option<ListId>, u64>,
    /// Campaigns a trunk refused since the floor last looked, and when
    /// their trunk has a token again (`None`: when a line frees up).
    trunk_waits: HashMap<CampaignId, Option<u64>>,
    /// A line was released since the floor last looked.
    line_freed: bool,
    /// Set by `Floor::recheck` while a campaign rechecks a held command: a
    /// call ended meanwhile is a withdrawn Dial, never dialed.
    pub(crate) withdrawing: bool,
    /// Campaigns given a trunk line since the floor last looked, one entry
    /// a line.
    line_grants: Vec<CampaignId>,
}

impl Default for Shared {
    fn default() -> Self {
        Shared {
            dnc: DncLists::new(),
            caps: Caps::default(),
            trunks: Trunks::new(),
            held: HashMap::new(),
            list_hits: HashMap::new(),
            trunk_waits: HashMap::new(),
            line_freed: false,
            withdrawing: false,
            line_grants: Vec::new(),
        }
    }
}

impl Shared {
    /// Locks the shared state (never poisoned in practice: nothing panics
    /// while holding it; a poisoned lock is used as it is).
    pub(crate) fn lock(shared: &Arc<Mutex<Shared>>) -> MutexGuard<'_, Shared> {
        shared.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Hits of `list` (`None`: the registry) so far.
    pub(crate) fn list_hits(&self, list: Option<ListId>) -> u64 {
        self.list_hits.get(&list).copied().unwrap_or(0)
    }

    /// The campaigns a trunk refused since the last call, with the time
    /// their route has a token again (`None`: when a line frees up).
    pub(crate) fn take_trunk_waits(&mut self) -> Vec<(CampaignId, Option<u64>)> {
        self.trunk_waits.drain().collect()
    }

    /// The campaigns given a trunk line since the last call (one entry a
    /// line, in order).
    pub(crate) fn take_line_grants(&mut self) -> Vec<CampaignId> {
        std::mem::take(&mut self.line_grants)
    }

    /// Whether a line was released since the last call.
    pub(crate) fn take_line_freed(&mut self) -> bool {
        std::mem::take(&mut self.line_freed)
    }

    /// Calls of `campaign` holding a number (and maybe a line) now.
    pub(crate) fn calls_of(&self, campaign: CampaignId) -> usize {
        self.held.keys().filter(|(c, _)| *c == campaign).count()
    }

    /// The trunk of the call of `contact` in `campaign`, if it holds a line.
    pub(crate) fn trunk_of(&self, campaign: CampaignId, contact: ContactId) -> Option<TrunkId> {
        self.held
            .get(&(campaign, contact.0))
            .and_then(|h| h.permit.as_ref())
            .map(LinePermit::trunk)
    }

    /// Forgets every call (recovery: calls in flight are not durable, their
    /// lines and numbers start free).
    pub(crate) fn clear_calls(&mut self) {
        self.held.clear();
    }

    /// Steps 1 and 2 of the module doc for a dial of `number` by
    /// `campaign` at `now`: the lists in scope, then the number in no call
    /// and under the caps. Allowed: the number is held for the call and the
    /// dial counted. Used at the Dial and again at [`Shared::recheck`], so a
    /// held command meets the very same guards.
    fn screen(
        &mut self,
        campaign: CampaignId,
        number: u64,
        now: u64,
    ) -> Result<NumberHold, Verdict> {
        if let Some(hit) = self.dnc.check(number, campaign, now) {
            let key = match hit {
                Hit::Registry => None,
                Hit::List(l) => Some(l),
            };
            *self.list_hits.entry(key).or_default() += 1;
            return Err(Verdict::Block(hit));
        }
        match self.caps.begin(number, campaign, now) {
            Ok(hold) => Ok(hold),
            Err(CapRefusal::InCall(_)) => Err(Verdict::Defer {
                until_ms: now.saturating_add(NUMBER_BUSY_DELAY_MS),
                reason: DeferReason::NumberInCall,
            }),
            Err(CapRefusal::Daily { until_ms } | CapRefusal::Days { until_ms }) => {
                Err(Verdict::Defer {
                    until_ms,
                    reason: DeferReason::Cap,
                })
            }
        }
    }

    fn check(
        &mut self,
        campaign: CampaignId,
        contact: ContactId,
        number: u64,
        now: u64,
    ) -> Verdict {
        let hold = match self.screen(campaign, number, now) {
            Ok(hold) => hold,
            Err(refusal) => return refusal,
        };
        let permit = if self.trunks.route_of(campaign).is_empty() {
            None
        } else {
            match self.trunks.acquire_for(campaign, now) {
                Ok(Ok(permit)) => {
                    self.line_grants.push(campaign);
                    Some(permit)
                }
                refused => {
                    // No line or no token now (a route to removed trunks
                    // counts as full): nothing is held, nothing counted.
                    let _ = self.caps.cancel(hold);
                    let wake = match refused {
                        Ok(Err(Refusal::Rate { ready_at_ms })) => Some(ready_at_ms),
                        _ => None,
                    };
                    self.trunk_waits.insert(campaign, wake);
                    return Verdict::Defer {
                        until_ms: wake.unwrap_or(now.saturating_add(LINE_RETRY_MS)),
                        reason: DeferReason::Trunk,
                    };
                }
            }
        };
        self.held
            .insert((campaign, contact.0), Held { hold, permit });
        Verdict::Allow
    }

    /// A Dial allowed at an earlier poll and held by the host since, about
    /// to be handed out at `now`: the same lists and caps again
    /// ([`Shared::screen`]; its own dial is taken back first and counted
    /// again at `now`, the moment it really leaves). The line it holds
    /// stays (its token was spent). Refused: the number hold and the line
    /// are given back, the dial is not counted, and the campaign withdraws
    /// the Dial. A call the floor holds nothing for is refused too.
    fn recheck(&mut self, campaign: CampaignId, contact: ContactId, number: u64, now: u64) -> bool {
        let key = (campaign, contact.0);
        let Some(Held { hold, permit }) = self.held.remove(&key) else {
            return false;
        };
        let _ = self.caps.cancel(hold);
        match self.screen(campaign, number, now) {
            Ok(hold) => {
                self.held.insert(key, Held { hold, permit });
                true
            }
            Err(_) => {
                if let Some(p) = permit {
                    let _ = self.trunks.release(p);
                }
                self.line_freed = true;
                false
            }
        }
    }

    fn ended(&mut self, campaign: CampaignId, contact: ContactId, congested: bool, now: u64) {
        let Some(held) = self.held.remove(&(campaign, contact.0)) else {
            return;
        };
        if congested {
            let _ = self.caps.cancel(held.hold);
            if let Some(p) = held.permit {
                let _ = self.trunks.congestion(p, now);
            }
        } else if self.withdrawing {
            // A held Dial withdrawn before it was handed out: never
            // dialed, so not counted.
            let _ = self.caps.cancel(held.hold);
            if let Some(p) = held.permit {
                let _ = self.trunks.release(p);
            }
        } else {
            let _ = self.caps.end(held.hold);
            if let Some(p) = held.permit {
                let _ = self.trunks.release(p);
            }
        }
        self.line_freed = true;
    }
}

/// One campaign's guard on the floor (see the module doc).
pub(crate) struct FloorGate {
    pub(crate) shared: Arc<Mutex<Shared>>,
    pub(crate) campaign: CampaignId,
}

impl std::fmt::Debug for FloorGate {
    /// The campaign only: the shared state is the floor's to show.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FloorGate")
            .field("campaign", &self.campaign)
            .finish_non_exhaustive()
    }
}

impl DialGuard for FloorGate {
    fn check(&mut self, contact: ContactId, number: u64, now_ms: u64) -> Verdict {
        Shared::lock(&self.shared).check(self.campaign, contact, number, now_ms)
    }

    fn recheck(&mut self, contact: ContactId, number: u64, now_ms: u64) -> bool {
        Shared::lock(&self.shared).recheck(self.campaign, contact, number, now_ms)
    }

    fn ended(&mut self, contact: ContactId, _number: u64, congested: bool, now_ms: u64) {
        Shared::lock(&self.shared).ended(self.campaign, contact, congested, now_ms);
    }
}
