//! One poll for the whole floor, and events naming the campaign.
//!
//! **Cost by what is due.** The floor keeps each campaign's
//! [`Campaign::next_deadline`] in an ordered set keyed by (deadline,
//! campaign), and a dirty list of campaigns something happened to (an
//! event, new contacts through [`Floor::campaign_mut`], an operator given
//! or taken, a trunk line freed). A poll takes the dirty campaigns and the
//! due ones off the set — O(log n) each — and polls only those: an idle
//! campaign (no timer due, nothing happened) costs nothing. An event is one
//! lookup of its campaign by id. Pools are few (skill sets, tens at most):
//! placing free operators looks at each pool's count of free operators,
//! O(1) each, and only when an operator got free or a campaign got a
//! contact since the last poll.
//!
//! **A poll** (`Floor::poll`), in rounds until nothing is left to do (at
//! most [`MAX_ROUNDS`]; what remains is due at once, `next_deadline`
//! says so):
//! 1. each dirty or due campaign: the turns that ended there are settled
//!    (see `operators`), the campaign polls (its own timers, selection,
//!    pacing of its attached operators, its guards, then the floor's at
//!    each Dial, see `gate`), its commands are handed out with floor
//!    operator ids and the Dial's trunk, the operators it left idle are
//!    detached, its share flag (has a contact to dial) and its deadline are
//!    updated;
//! 2. free operators are placed by the share (see `operators`).
//!
//! **Trunks.** A campaign a trunk refused is polled again at the trunk's
//! next token, or when a line frees up (every line was busy). A scarce
//! line or token goes to the campaign polled first, so the campaigns of a
//! round are polled in the share's order: **strict priority** first (a
//! bigger `u8` first, as for operators), then, within a priority, a
//! **weighted fair queue of lines** (start-time fair queuing, Goyal et
//! al. 1996): each campaign carries a start tag, the smallest tag is polled
//! first (ties by campaign id), and each line it is given (counted by the
//! gate at the Dial) moves its tag on by [`LINE_COST`] / its weight, from
//! no earlier than the floor's line clock (the tag of the last line given,
//! so a campaign that did not wait gains no credit). Campaigns that keep
//! waiting for one trunk are given its lines in the ratio of their weights:
//! over any run, a campaign's lines differ from its weighted share by at
//! most about one line per campaign waiting (the SFQ fairness bound). The
//! order costs a sort of the round's work list, O(k log k) for the k
//! campaigns polled, nothing for idle ones. Operators are placed by the
//! share itself (see `operators`); this order is about lines and tokens.

use super::api::{FloorCommand, FloorError, FloorEvent};
use super::campaigns::Floor;
use super::gate::Shared;
use super::CampaignId;
use crate::event::{Command, Event};

/// Rounds of one poll at most (a round polls the campaigns that the
/// previous one gave operators to).
pub(super) const MAX_ROUNDS: usize = 4;

/// What one trunk line costs a campaign of weight 1 in the trunks' fair
/// queue (a campaign of weight `w` pays `LINE_COST / w`; exact for every
/// weight up to [`super::share::MAX_WEIGHT`] dividing it, within 0.1 %
/// otherwise).
pub(super) const LINE_COST: u64 = super::share::MAX_WEIGHT as u64 * 1_000;

/// How long after a poll that left a campaign *tried* (an operator given
/// to it stayed idle, yet it has contacts) free operators are placed again.
pub(super) const PLACEMENT_RETRY_MS: u64 = 1_000;

impl Floor {
    /// Checks a host time and returns the floor's time (never going back).
    pub(super) fn time(&mut self, now_ms: u64) -> Result<u64, FloorError> {
        if now_ms > crate::event::MAX_TIME_MS {
            return Err(FloorError::TimeOutOfRange { time_ms: now_ms });
        }
        Ok(now_ms.max(self.now_ms))
    }

    /// Applies one event at `now_ms`: a call event (or an operator's work
    /// in a campaign, or an admin event) to its campaign, an operator event
    /// to the floor and the campaign the operator is attached to. An error
    /// changes nothing.
    pub fn handle(&mut self, event: FloorEvent, now_ms: u64) -> Result<(), FloorError> {
        let now = self.time(now_ms)?;
        let result = match event.campaign {
            None => self.operator_event(event.event, now),
            Some(campaign) => self.campaign_event(campaign, event.event, now),
        };
        if result.is_ok() {
            self.now_ms = now;
            self.wake_line_waiters();
            self.journal_commit();
        }
        result
    }

    fn campaign_event(
        &mut self,
        campaign: CampaignId,
        event: Event,
        now: u64,
    ) -> Result<(), FloorError> {
        let slot = self.slot(campaign)?;
        let local = |op| {
            slot.local
                .get(&op)
                .copied()
                .filter(|_| self.operator_campaign(op) == Some(campaign))
                .ok_or(FloorError::NotAssigned {
                    operator: op,
                    campaign,
                })
        };
        let event = match event {
            Event::OperatorLogin(_)
            | Event::OperatorReady(_)
            | Event::OperatorPause(_)
            | Event::OperatorLogout(_)
            | Event::OperatorLeaving { .. } => {
                return Err(FloorError::WrongTarget {
                    event: event.name(),
                    expected: "without a campaign (operators are the floor's)",
                })
            }
            Event::OperatorAccepted { operator, contact } => Event::OperatorAccepted {
                operator: local(operator)?,
                contact,
            },
            Event::OperatorDeclined { operator, contact } => Event::OperatorDeclined {
                operator: local(operator)?,
                contact,
            },
            Event::OperatorDialNow { operator, contact } => Event::OperatorDialNow {
                operator: local(operator)?,
                contact,
            },
            Event::AcwDone {
                operator,
                contact,
                disposition,
            } => Event::AcwDone {
                operator: local(operator)?,
                contact,
                disposition,
            },
            other => other,
        };
        self.slot_mut(campaign)?
            .campaign
            .inner
            .handle(event, now)
            .map_err(|error| FloorError::Campaign { campaign, error })?;
        self.mark_dirty(campaign);
        Ok(())
    }

    /// Polls what is due at `now_ms` and appends the floor's commands to
    /// `out` (see the module doc).
    pub fn poll(&mut self, now_ms: u64, out: &mut Vec<FloorCommand>) -> Result<(), FloorError> {
        let now = self.time(now_ms)?;
        self.now_ms = now;
        self.wake_line_waiters();
        if self.placement_retry.is_some_and(|t| t <= now) {
            self.placement_retry = None;
            self.placement_due = true;
        }
        let mut buf = Vec::new();
        let mut tried = Vec::new();
        self.last_polled = 0;
        for _ in 0..MAX_ROUNDS {
            let mut work = std::mem::take(&mut self.dirty);
            while let Some(&(d, c)) = self.due.first() {
                if d > now {
                    break;
                }
                self.due.pop_first();
                if let Some(Some(slot)) = self.slots.get_mut(c as usize) {
                    slot.deadline = None;
                    if !slot.dirty {
                        work.push(CampaignId(c));
                    }
                }
            }
            if work.is_empty() && !self.placement_due {
                break;
            }
            self.order_by_share(&mut work);
            for campaign in work {
                self.last_polled += 1;
                self.poll_campaign(campaign, now, &mut buf, out)?;
                if self.slot(campaign)?.tried {
                    tried.push(campaign);
                }
            }
            if self.placement_due {
                self.place_free_operators(now)?;
            }
        }
        for campaign in tried {
            if let Ok(slot) = self.slot_mut(campaign) {
                slot.tried = false;
                let ready = slot.campaign.has_dialable();
                let trunk_bound =
                    slot.line_wait || slot.trunk_blocked_until.is_some_and(|t| t > now);
                self.share.set_ready(campaign, ready)?;
                // Tried again at its next deadline, when it changes, or
                // (not bound by its trunk, which wakes it) when free
                // operators are placed again.
                if ready && !trunk_bound {
                    let at = now + PLACEMENT_RETRY_MS;
                    self.placement_retry = Some(self.placement_retry.map_or(at, |t| t.min(at)));
                }
            }
        }
        self.journal_commit();
        Ok(())
    }

    fn poll_campaign(
        &mut self,
        campaign: CampaignId,
        now: u64,
        buf: &mut Vec<Command>,
        out: &mut Vec<FloorCommand>,
    ) -> Result<(), FloorError> {
        {
            let slot = self.slot_mut(campaign)?;
            slot.dirty = false;
            if let Some(d) = slot.deadline.take() {
                self.due.remove(&(d, campaign.0));
            }
        }
        self.end_turns(campaign, now)?;
        buf.clear();
        {
            let slot = self.slot_mut(campaign)?;
            slot.campaign
                .inner
                .poll(now, buf)
                .map_err(|error| FloorError::Campaign { campaign, error })?;
        }
        let mut served = Vec::new();
        {
            let shared = Shared::lock(&self.shared);
            let slot = self.slots[campaign.0 as usize].as_ref().expect("polled");
            out.reserve(buf.len());
            for cmd in buf.drain(..) {
                let trunk = match cmd {
                    Command::Dial { call, .. } => shared.trunk_of(campaign, call.contact),
                    _ => None,
                };
                let command = to_floor_ids(cmd, |l| slot.floor_of.get(&l).copied().unwrap_or(l));
                if let Some(op) = worked_for(&command) {
                    served.push(op);
                }
                out.push(FloorCommand {
                    campaign,
                    trunk,
                    command,
                });
            }
        }
        for op in served {
            if let Some(fo) = self.operators.get_mut(op.0 as usize) {
                fo.served = true;
            }
        }
        self.after_poll(campaign, now)?;
        self.note_trunk_waits(now);
        let slot = self.slot_mut(campaign)?;
        let ready = !slot.tried && slot.campaign.has_dialable();
        let was = self.share_ready(campaign);
        self.share.set_ready(campaign, ready)?;
        if ready && !was {
            self.placement_due = true;
        }
        self.schedule(campaign, now);
        Ok(())
    }

    fn share_ready(&self, campaign: CampaignId) -> bool {
        self.share.is_ready(campaign)
    }

    /// Puts a campaign's next deadline in the set (or the dirty list when
    /// it is due now).
    pub(super) fn schedule(&mut self, campaign: CampaignId, now: u64) {
        let Ok(slot) = self.slot_mut(campaign) else {
            return;
        };
        if slot.dirty {
            return;
        }
        let mut deadline = slot.campaign.next_deadline();
        if let Some(w) = slot.trunk_wake.take() {
            deadline = Some(deadline.map_or(w, |d| d.min(w)));
        }
        match deadline {
            Some(d) if d <= now && slot.campaign.needs_poll() => self.mark_dirty(campaign),
            Some(d) => {
                let d = d.max(now + 1);
                slot.deadline = Some(d);
                self.due.insert((d, campaign.0));
            }
            None => {}
        }
    }

    /// Orders a round's campaigns for the trunks: priority, then the
    /// fair queue's start tag, then id (see the module doc, **Trunks**).
    fn order_by_share(&self, work: &mut [CampaignId]) {
        if work.len() < 2 {
            return;
        }
        work.sort_by_key(|&c| {
            let priority = self.share.settings(c).map_or(0, |(p, _)| p);
            let tag = self
                .slot(c)
                .map_or(u64::MAX, |s| s.line_tag.max(self.line_clock));
            (std::cmp::Reverse(priority), tag, c.0)
        });
    }

    /// Campaigns a trunk gave a line or refused in the last campaign poll:
    /// the lines given move their fair-queue tags on; the refused are woken
    /// at the trunk's next token, or when a line frees up.
    fn note_trunk_waits(&mut self, _now: u64) {
        let (grants, waits) = {
            let mut shared = Shared::lock(&self.shared);
            (shared.take_line_grants(), shared.take_trunk_waits())
        };
        for c in grants {
            let weight = self.share.settings(c).map_or(1, |(_, w)| w.max(1));
            let clock = self.line_clock;
            if let Ok(slot) = self.slot_mut(c) {
                let start = slot.line_tag.max(clock);
                slot.line_tag = start.saturating_add(LINE_COST / u64::from(weight));
                self.line_clock = start;
            }
        }
        for (c, at) in waits {
            if let Ok(slot) = self.slot_mut(c) {
                match at {
                    Some(t) => {
                        slot.trunk_wake = Some(slot.trunk_wake.map_or(t, |w| w.min(t)));
                        slot.trunk_blocked_until = Some(t);
                    }
                    None => {
                        if !slot.line_wait {
                            slot.line_wait = true;
                            self.line_waiters.push(c);
                        }
                    }
                }
            }
        }
    }

    /// A line freed up since the last look: the campaigns waiting for one
    /// are polled at the next poll.
    fn wake_line_waiters(&mut self) {
        if !Shared::lock(&self.shared).take_line_freed() {
            return;
        }
        for c in std::mem::take(&mut self.line_waiters) {
            if let Ok(slot) = self.slot_mut(c) {
                slot.line_wait = false;
            }
            self.mark_dirty(c);
        }
    }

    /// Puts a command of an earlier poll, held by the host since (a C host
    /// taking fewer commands than a poll made), through the guards again at
    /// `now_ms`: its campaign's emission gate, then for a Dial the floor's
    /// own (the do-not-call lists in scope — one added since the poll
    /// included —, the caps over the floor, the number in no other call;
    /// the same check as at the Dial, see [`super::gate`]). `Ok(true)` if
    /// it may be handed out now; `Ok(false)` if it was withdrawn and must
    /// not be (see [`crate::Campaign::recheck`]: a withdrawn Dial's attempt
    /// ends, the contact is due again at once; its line and number hold are
    /// given back and the floor's caps do not count it). A command of a
    /// campaign removed since is withdrawn. A time past
    /// [`crate::event::MAX_TIME_MS`] is an error and changes nothing.
    pub fn recheck(&mut self, cmd: &FloorCommand, now_ms: u64) -> Result<bool, FloorError> {
        let now = self.time(now_ms)?;
        let campaign = cmd.campaign;
        let shared = std::sync::Arc::clone(&self.shared);
        let Ok(slot) = self.slot_mut(campaign) else {
            return Ok(false);
        };
        let local = to_floor_ids(cmd.command, |op| slot.local.get(&op).copied().unwrap_or(op));
        Shared::lock(&shared).withdrawing = true;
        let ok = slot.campaign.inner.recheck(&local, now);
        Shared::lock(&shared).withdrawing = false;
        let ok = ok.map_err(|error| FloorError::Campaign { campaign, error })?;
        self.now_ms = now;
        if !ok {
            self.mark_dirty(campaign);
            self.wake_line_waiters();
        }
        Ok(ok)
    }

    /// How many campaign polls the last [`Floor::poll`] made (a campaign
    /// given an operator in a poll is polled again in it): what a poll
    /// cost, in campaigns. Idle campaigns never count.
    #[must_use]
    pub fn last_poll_campaigns(&self) -> usize {
        self.last_polled
    }

    /// When the host must poll next: `now_ms()` while something is due at
    /// once (an event or a change since the last poll, free operators to
    /// place), else the earliest campaign deadline (`None`: nothing is
    /// timed; poll after the next event).
    #[must_use]
    pub fn next_deadline(&self) -> Option<u64> {
        if !self.dirty.is_empty() || self.placement_due {
            return Some(self.now_ms);
        }
        let campaigns = self.due.first().map(|&(d, _)| d);
        match (campaigns, self.placement_retry) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

/// A campaign's command with its local operator ids mapped to floor ids.
/// The operator a command gives work to (an offer, a call dialed for it,
/// a call connected to it), if any.
fn worked_for(cmd: &Command) -> Option<crate::OperatorId> {
    match *cmd {
        Command::Offer { operator, .. } | Command::Connect { operator, .. } => Some(operator),
        Command::Dial { operator, .. } => operator,
        _ => None,
    }
}

fn to_floor_ids(cmd: Command, map: impl Fn(crate::OperatorId) -> crate::OperatorId) -> Command {
    match cmd {
        Command::Offer { contact, operator } => Command::Offer {
            contact,
            operator: map(operator),
        },
        Command::Dial {
            call,
            number,
            number_index,
            operator,
            caller_id,
        } => Command::Dial {
            call,
            number,
            number_index,
            operator: operator.map(&map),
            caller_id,
        },
        Command::Connect { call, operator } => Command::Connect {
            call,
            operator: map(operator),
        },
        Command::Revoke { contact, operator } => Command::Revoke {
            contact,
            operator: map(operator),
        },
        other => other,
    }
}
