//! A simulated contact center driving a [`Floor`]: a host that answers
//! every command as a PBX and its agents would, at random but reproducible
//! times, and checks what no floor may ever do as each command arrives:
//! an operator offered or connected while busy, a trunk over its lines or
//! its calls per second, a number in two calls, a number dialed past the
//! floor cap, a number of a floor list dialed, an operator attached to two
//! campaigns, a reserved operator attached.
#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use dialcore::event::{CallId, Command, Disposition, Event, OperatorId};
use dialcore::floor::caps::CapsConfig;
use dialcore::floor::dnc::Scope;
use dialcore::floor::pool::OperatorState as PoolState;
use dialcore::floor::trunk::{TrunkConfig, TrunkId};
use dialcore::floor::{CampaignId, PoolId};
use dialcore::store::ContactId;
use dialcore::{CampaignConfig, Floor, FloorCommand, FloorEvent, Mode};

/// A start time (2025-06-15, in ms).
pub const T0: u64 = 1_750_000_000_000;
pub const SEC: u64 = 1_000;
pub const DAY: u64 = 86_400_000;

/// A small deterministic generator (xorshift64*).
#[derive(Debug, Clone)]
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// One campaign of a scenario.
#[derive(Debug, Clone)]
pub struct CampaignSpec {
    pub mode: Mode,
    pub priority: u8,
    pub weight: u32,
    pub contacts: usize,
    /// Routed to the trunk.
    pub routed: bool,
}

/// A floor scenario.
#[derive(Debug, Clone)]
pub struct Spec {
    pub seed: u64,
    pub campaigns: Vec<CampaignSpec>,
    pub operators: u32,
    pub trunk: Option<TrunkConfig>,
    pub caps: CapsConfig,
    /// Distinct numbers the contacts draw from (shared across campaigns).
    pub numbers: u64,
    /// Numbers on the floor-wide list (the first ones of the range).
    pub listed: u64,
    /// Percent of answered calls (humans).
    pub answer_percent: u64,
    /// Percent of dials the carrier answers with congestion.
    pub congestion_percent: u64,
    /// Operators pause, reserve for inbound, come back.
    pub operator_churn: bool,
    /// Talk time range, ms.
    pub talk_ms: (u64, u64),
}

pub fn num(i: u64) -> u64 {
    12_125_550_000 + i
}

#[derive(Debug, Clone, Copy)]
enum Action {
    Accept(CampaignId, OperatorId, ContactId),
    Decline(CampaignId, OperatorId, ContactId),
    Outcome(CampaignId, CallId, u8),
    CallEnd(CampaignId, CallId),
    AcwDone(CampaignId, OperatorId, ContactId),
    Churn,
    /// An operator paused by the campaign (a declined or missed offer)
    /// clicks ready again.
    ReadyAgain(OperatorId),
}

#[derive(Debug, Clone, Copy)]
struct HostCall {
    call: CallId,
    number: u64,
    trunk: Option<TrunkId>,
    op: Option<OperatorId>,
    answered: bool,
}

/// What the host saw over a run.
#[derive(Debug, Default, Clone)]
pub struct Tally {
    /// Offers per campaign.
    pub offers: BTreeMap<u32, u64>,
    /// Dials per campaign.
    pub dials: BTreeMap<u32, u64>,
    /// Congestion answers sent.
    pub congestions: u64,
    /// Connected calls (talk) per campaign.
    pub talks: BTreeMap<u32, u64>,
}

/// The simulated host (see the module doc).
#[derive(Debug)]
pub struct Host {
    pub floor: Floor,
    pub spec: Spec,
    pub campaigns: Vec<CampaignId>,
    pub pool: PoolId,
    pub ops: Vec<OperatorId>,
    pub trunk: Option<TrunkId>,
    pub rng: Rng,
    pub now: u64,
    seq: u64,
    pending: BTreeMap<(u64, u64), Action>,
    busy: HashMap<OperatorId, (CampaignId, ContactId)>,
    calls: HashMap<(CampaignId, u32), HostCall>,
    in_call: HashSet<u64>,
    dial_times: HashMap<u64, Vec<u64>>,
    trunk_lines: u32,
    trunk_dials: VecDeque<u64>,
    pub tally: Tally,
    /// (campaign, contact) → its last attempt dialed and whether the
    /// carrier refused it (congestion: the attempt number comes again).
    last_attempt: HashMap<(u32, u32), (u8, bool)>,
}

/// What the host saw before a crash of the floor.
#[derive(Debug, Default, Clone)]
pub struct Carry {
    dial_times: HashMap<u64, Vec<u64>>,
    last_attempt: HashMap<(u32, u32), (u8, bool)>,
}

impl Host {
    /// Builds the floor of `spec` at `T0`.
    pub fn new(spec: Spec) -> Host {
        let mut floor = Floor::new();
        Host::set_up(&mut floor, &spec);
        Host::on(floor, spec, T0, Carry::default())
    }

    /// Makes the pool, trunk, caps, campaigns (with their contacts),
    /// floor list and operators of `spec` on `floor`.
    pub fn set_up(floor: &mut Floor, spec: &Spec) {
        let mut rng = Rng(spec.seed | 1);
        let pool = floor.add_pool("team").unwrap();
        let trunk = spec.trunk.map(|t| floor.add_trunk(t, T0).unwrap());
        floor.set_caps(spec.caps).unwrap();
        for (i, c) in spec.campaigns.iter().enumerate() {
            let config = CampaignConfig {
                default_country: Some(1),
                bcw_ms: 0,
                ..CampaignConfig::new(c.mode)
            };
            let id = floor
                .add_campaign(&format!("c{i}"), config, c.priority, c.weight)
                .unwrap();
            floor.assign(pool, id).unwrap();
            if let (Some(t), true) = (trunk, c.routed) {
                floor.route(id, &[t]).unwrap();
            }
            for k in 0..c.contacts {
                let n = num(rng.below(spec.numbers));
                floor
                    .campaign_mut(id)
                    .unwrap()
                    .add_contact(&format!("+{n}"), &format!("{k}"), None, 0)
                    .unwrap();
            }
        }
        if spec.listed > 0 {
            let l = floor.add_list("company", Scope::Floor).unwrap();
            let listed: Vec<u64> = (0..spec.listed).map(num).collect();
            floor.list_add(l, &listed, None).unwrap();
        }
        for _ in 0..spec.operators {
            floor.add_operator(pool).unwrap();
        }
    }

    /// A host for a floor set up by [`Host::set_up`] (now, or before a
    /// crash: `carry` is what the host saw before it), starting at `now`
    /// with every operator logging in.
    pub fn on(mut floor: Floor, spec: Spec, now: u64, carry: Carry) -> Host {
        let campaigns: Vec<CampaignId> = (0..spec.campaigns.len())
            .map(|i| floor.campaign_id(&format!("c{i}")).expect("the campaign"))
            .collect();
        let pool = PoolId(0);
        let trunk = spec.trunk.map(|_| TrunkId(0));
        let ops: Vec<OperatorId> = (0..spec.operators).map(OperatorId).collect();
        for &op in &ops {
            floor
                .handle(FloorEvent::operator(Event::OperatorLogin(op)), now)
                .unwrap();
            floor
                .handle(FloorEvent::operator(Event::OperatorReady(op)), now)
                .unwrap();
        }
        let rng = Rng((spec.seed ^ now) | 1);
        let mut host = Host {
            floor,
            spec,
            campaigns,
            pool,
            ops,
            trunk,
            rng,
            now,
            seq: 0,
            pending: BTreeMap::new(),
            busy: HashMap::new(),
            calls: HashMap::new(),
            in_call: HashSet::new(),
            dial_times: carry.dial_times,
            trunk_lines: 0,
            trunk_dials: VecDeque::new(),
            tally: Tally::default(),
            last_attempt: carry.last_attempt,
        };
        if host.spec.operator_churn {
            host.at(now + 20 * SEC, Action::Churn);
        }
        host
    }

    /// What the host saw that outlives a crash of the floor.
    pub fn carry(&self) -> Carry {
        Carry {
            dial_times: self.dial_times.clone(),
            last_attempt: self.last_attempt.clone(),
        }
    }

    /// Dials the host saw to `number` within the 24 hours before `now`
    /// (congested ones taken back).
    pub fn dials_in_24h(&self, number: u64, now: u64) -> usize {
        self.dial_times
            .get(&number)
            .map_or(0, |t| t.iter().filter(|&&d| d + DAY > now).count())
    }

    /// Every number the host saw dialed.
    pub fn dialed_numbers(&self) -> Vec<u64> {
        let mut v: Vec<u64> = self.dial_times.keys().copied().collect();
        v.sort_unstable();
        v
    }

    fn at(&mut self, t: u64, a: Action) {
        self.seq += 1;
        self.pending.insert((t, self.seq), a);
    }

    /// Runs until `end`, checking every command.
    pub fn run(&mut self, end: u64) {
        let mut same_time_polls = 0;
        while self.now < end {
            let mut out = Vec::new();
            self.floor.poll(self.now, &mut out).unwrap();
            for cmd in out {
                self.command(cmd);
            }
            self.check_attachments();
            let mut next = self.pending.keys().next().map_or(end, |k| k.0);
            if let Some(d) = self.floor.next_deadline() {
                next = next.min(d);
            }
            if next <= self.now {
                same_time_polls += 1;
                if same_time_polls < 8 {
                    next = self.now;
                } else {
                    next = self.now + 1;
                }
            } else {
                same_time_polls = 0;
            }
            let next = next.min(end);
            // Every host action due by then.
            while let Some((&(t, s), _)) = self.pending.iter().next() {
                if t > next {
                    break;
                }
                let a = self.pending.remove(&(t, s)).unwrap();
                self.now = self.now.max(t);
                self.act(a);
            }
            self.now = self.now.max(next);
        }
    }

    fn send(&mut self, campaign: CampaignId, event: Event) {
        if std::env::var_os("FLOOR_DEBUG").is_some() {
            eprintln!("{} send {campaign} {event:?}", self.now - T0);
        }
        self.floor
            .handle(FloorEvent::of(campaign, event), self.now)
            .unwrap_or_else(|e| panic!("{event:?} for {campaign} at {}: {e}", self.now));
    }

    fn end_call(&mut self, c: CampaignId, contact: ContactId) -> Option<HostCall> {
        let hc = self.calls.remove(&(c, contact.0))?;
        self.in_call.remove(&hc.number);
        if hc.trunk.is_some() {
            self.trunk_lines -= 1;
        }
        Some(hc)
    }

    fn act(&mut self, a: Action) {
        match a {
            Action::Accept(c, op, contact) | Action::Decline(c, op, contact) => {
                if self.busy.get(&op) != Some(&(c, contact))
                    || self.calls.contains_key(&(c, contact.0))
                {
                    return;
                }
                let still_offered = self.floor.campaign(c).unwrap().state(contact)
                    == Some(dialcore::State::OperatorAssigned);
                if !still_offered {
                    return;
                }
                if let Action::Accept(..) = a {
                    self.send(
                        c,
                        Event::OperatorAccepted {
                            operator: op,
                            contact,
                        },
                    );
                } else {
                    self.send(
                        c,
                        Event::OperatorDeclined {
                            operator: op,
                            contact,
                        },
                    );
                    self.busy.remove(&op);
                    let t = self.now + 5 * SEC;
                    self.at(t, Action::ReadyAgain(op));
                }
            }
            Action::Outcome(c, call, kind) => {
                let Some(hc) = self.calls.get(&(c, call.contact.0)).copied() else {
                    return;
                };
                if hc.call != call || hc.answered {
                    return;
                }
                let event = match kind {
                    0 => Event::Answered(call),
                    1 => Event::Rejected(call),
                    2 => Event::Unreachable(call),
                    3 => Event::AnsweredByMachine(call),
                    _ => Event::Congestion(call),
                };
                self.send(c, event);
                match kind {
                    0 => {
                        self.calls.get_mut(&(c, call.contact.0)).unwrap().answered = true;
                        if hc.op.is_some() {
                            // Bound call: connected at once, no command.
                            self.tally_talk(c);
                            self.schedule_end(c, call);
                        }
                    }
                    _ => {
                        if kind == 4 {
                            self.tally.congestions += 1;
                            self.last_attempt
                                .insert((c.0, call.contact.0), (call.attempt, true));
                            let times = self.dial_times.get_mut(&hc.number).unwrap();
                            times.pop();
                        }
                        self.end_call(c, call.contact);
                        if let Some(op) = hc.op {
                            self.busy.remove(&op);
                        }
                    }
                }
            }
            Action::CallEnd(c, call) => {
                let Some(hc) = self.calls.get(&(c, call.contact.0)).copied() else {
                    return;
                };
                if hc.call != call {
                    return;
                }
                self.send(c, Event::CallEnded(call));
                self.end_call(c, call.contact);
                if let Some(op) = self.op_of_contact(c, call.contact) {
                    let t = self.now + self.rng.below(5 * SEC);
                    self.at(t, Action::AcwDone(c, op, call.contact));
                }
            }
            Action::AcwDone(c, op, contact) => {
                if self.busy.get(&op) != Some(&(c, contact)) {
                    return;
                }
                if self.floor.campaign(c).unwrap().state(contact) != Some(dialcore::State::Acw) {
                    return;
                }
                self.send(
                    c,
                    Event::AcwDone {
                        operator: op,
                        contact,
                        disposition: Disposition::Done,
                    },
                );
                self.busy.remove(&op);
            }
            Action::ReadyAgain(op) => {
                if self.floor.operator_state(op).unwrap().0 == PoolState::Paused {
                    self.floor
                        .handle(FloorEvent::operator(Event::OperatorReady(op)), self.now)
                        .unwrap();
                }
            }
            Action::Churn => {
                let op = self.ops[self.rng.below(self.ops.len() as u64) as usize];
                let (state, _) = self.floor.operator_state(op).unwrap();
                let r = self.rng.below(4);
                let now = self.now;
                match (state, r) {
                    (PoolState::Reserved, _) => self.floor.release_inbound(op, now).unwrap(),
                    (PoolState::Paused, _) => self
                        .floor
                        .handle(FloorEvent::operator(Event::OperatorReady(op)), now)
                        .unwrap(),
                    (_, 0) => self
                        .floor
                        .handle(FloorEvent::operator(Event::OperatorPause(op)), now)
                        .unwrap(),
                    (_, 1) => self.floor.reserve_inbound(op, now).unwrap(),
                    _ => {}
                }
                let t = self.now + 5 * SEC + self.rng.below(30 * SEC);
                self.at(t, Action::Churn);
            }
        }
    }

    fn op_of_contact(&self, c: CampaignId, contact: ContactId) -> Option<OperatorId> {
        self.busy
            .iter()
            .find(|(_, &(cc, k))| cc == c && k == contact)
            .map(|(&op, _)| op)
    }

    fn tally_talk(&mut self, c: CampaignId) {
        *self.tally.talks.entry(c.0).or_default() += 1;
    }

    fn schedule_end(&mut self, c: CampaignId, call: CallId) {
        let (lo, hi) = self.spec.talk_ms;
        let t = self.now + lo + self.rng.below(hi - lo + 1);
        self.at(t, Action::CallEnd(c, call));
    }

    fn claim(&mut self, op: OperatorId, c: CampaignId, contact: ContactId, what: &str) {
        if let Some(&(oc, ocontact)) = self.busy.get(&op) {
            assert_eq!(
                (oc, ocontact),
                (c, contact),
                "{what}: {op} is busy with {oc} contact {} at {}",
                ocontact.0,
                self.now
            );
        }
        self.busy.insert(op, (c, contact));
    }

    fn command(&mut self, cmd: FloorCommand) {
        if std::env::var_os("FLOOR_DEBUG").is_some() {
            eprintln!("{} cmd {cmd:?}", self.now - T0);
        }
        let c = cmd.campaign;
        match cmd.command {
            Command::Offer { contact, operator } => {
                self.claim(operator, c, contact, "Offer");
                *self.tally.offers.entry(c.0).or_default() += 1;
                let t = self.now + self.rng.below(3 * SEC);
                if self.rng.chance(95) {
                    self.at(t, Action::Accept(c, operator, contact));
                } else {
                    self.at(t, Action::Decline(c, operator, contact));
                }
            }
            Command::Revoke { contact, operator } => {
                if self.busy.get(&operator) == Some(&(c, contact)) {
                    self.busy.remove(&operator);
                }
            }
            Command::Dial {
                call,
                number,
                operator,
                ..
            } => {
                *self.tally.dials.entry(c.0).or_default() += 1;
                if let Some(&(last, congested)) = self.last_attempt.get(&(c.0, call.contact.0)) {
                    assert!(
                        call.attempt > last || (congested && call.attempt == last),
                        "{c} contact {} dialed twice: attempt {} after {last}",
                        call.contact.0,
                        call.attempt
                    );
                }
                self.last_attempt
                    .insert((c.0, call.contact.0), (call.attempt, false));
                if let Some(op) = operator {
                    self.claim(op, c, call.contact, "Dial");
                }
                assert!(
                    self.in_call.insert(number),
                    "{number} dialed while in a call at {}",
                    self.now
                );
                assert!(
                    number >= num(self.spec.listed),
                    "{number} of the floor list dialed"
                );
                let caps = self.spec.caps;
                let times = self.dial_times.entry(number).or_default();
                times.push(self.now);
                if caps.per_24h > 0 {
                    let day = times.iter().filter(|&&t| t + DAY > self.now).count();
                    assert!(
                        day <= usize::from(caps.per_24h),
                        "{number}: {day} dials in 24 h"
                    );
                }
                let routed = self.spec.campaigns[c.0 as usize].routed && self.trunk.is_some();
                assert_eq!(cmd.trunk.is_some(), routed, "trunk of {cmd:?}");
                if let (Some(t), Some(cfg)) = (cmd.trunk, self.spec.trunk) {
                    assert_eq!(Some(t), self.trunk);
                    self.trunk_lines += 1;
                    assert!(
                        self.trunk_lines <= cfg.max_calls,
                        "trunk over its {} lines",
                        cfg.max_calls
                    );
                    while self
                        .trunk_dials
                        .front()
                        .is_some_and(|&d| d + SEC <= self.now)
                    {
                        self.trunk_dials.pop_front();
                    }
                    self.trunk_dials.push_back(self.now);
                    let per_sec = u64::from(cfg.burst) + u64::from(cfg.cps_milli) / 1000;
                    assert!(
                        self.trunk_dials.len() as u64 <= per_sec,
                        "trunk: {} dials within a second (at most {per_sec})",
                        self.trunk_dials.len()
                    );
                }
                let prev = self.calls.insert(
                    (c, call.contact.0),
                    HostCall {
                        call,
                        number,
                        trunk: cmd.trunk,
                        op: operator,
                        answered: false,
                    },
                );
                assert!(
                    prev.is_none(),
                    "{c} contact {} dialed twice",
                    call.contact.0
                );
                let ring = SEC + self.rng.below(15 * SEC);
                let r = self.rng.below(100);
                let a = self.spec.answer_percent;
                let g = self.spec.congestion_percent;
                let kind = if r < g {
                    4
                } else if r < g + a {
                    0
                } else if r < g + a + (100 - g - a) / 3 {
                    1
                } else if r < g + a + 2 * (100 - g - a) / 3 {
                    2
                } else {
                    3
                };
                self.at(self.now + ring, Action::Outcome(c, call, kind));
            }
            Command::Connect { call, operator } => {
                self.claim(operator, c, call.contact, "Connect");
                let hc = self
                    .calls
                    .get(&(c, call.contact.0))
                    .expect("connect of a live call");
                assert!(hc.answered && hc.call == call);
                self.tally_talk(c);
                self.schedule_end(c, call);
            }
            Command::Abandon { call } | Command::Hangup { call } => {
                let Some(hc) = self.calls.get(&(c, call.contact.0)).copied() else {
                    return;
                };
                if hc.call != call {
                    return;
                }
                let talking = hc.answered && self.op_of_contact(c, call.contact).is_some();
                self.end_call(c, call.contact);
                if let Some(op) = self.op_of_contact(c, call.contact) {
                    if talking {
                        let t = self.now + SEC;
                        self.at(t, Action::AcwDone(c, op, call.contact));
                    } else {
                        self.busy.remove(&op);
                    }
                }
            }
            Command::Play { .. } => {}
        }
    }

    /// The attachment is a partition, and reserved operators are never
    /// attached.
    fn check_attachments(&self) {
        let mut per: HashMap<CampaignId, usize> = HashMap::new();
        for &op in &self.ops {
            let (state, _) = self.floor.operator_state(op).unwrap();
            let at = self.floor.operator_campaign(op);
            if let Some(c) = at {
                *per.entry(c).or_default() += 1;
            }
            if state == PoolState::Reserved {
                assert_eq!(at, None, "{op} reserved and attached");
            }
        }
        for &c in &self.campaigns {
            let logged = self
                .floor
                .campaign(c)
                .unwrap()
                .operators()
                .logged_in_count();
            assert_eq!(
                logged,
                per.get(&c).copied().unwrap_or(0),
                "{c}: its logged-in operators are the ones attached to it"
            );
        }
    }
}
