//! The floor simulation loop: a simulated PBX, customers and operators
//! around one [`Floor`], driven through its host interface only
//! (`handle(FloorEvent, now_ms)`, `poll(now_ms, &mut out)`,
//! `next_deadline()` and the queries).
//!
//! As in the one-campaign driver, simulated happenings wait in a binary
//! heap ordered by `(time, seq)` and each step feeds the due ones to the
//! floor, polls once, and reacts to the commands; a command that ends a
//! call or an offer bumps a generation so what was scheduled for it is
//! dropped. Every happening names its campaign (operator happenings name
//! none: operators are the floor's). Each campaign has its own customers
//! (answer model) and one random stream serves the whole floor, drawn in a
//! fixed order, so the same scenario gives the same report.
//!
//! The driver also checks the floor's promises as it goes: an operator is
//! never given a second call while in one, a trunk never carries more calls
//! than its lines; a broken promise is counted in the report
//! (`violations`), which the tests require to be zero.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use dialcore::floor::caps::CapsConfig;
use dialcore::floor::trunk::TrunkId;
use dialcore::floor::{CampaignId, PoolId};
use dialcore::{
    CallId, Command, ContactId, Disposition, DurableOptions, EngineError, Event, Floor,
    FloorCommand, FloorError, FloorEvent, FloorRecovery, Mode, OperatorId, State,
};

use super::report::{CampaignReport, FloorReport, PoolReport, TrunkReport};
use super::scenario::FloorScenario;
use crate::report::StopReason;
use crate::rng::{LogNormal, Rng};
use crate::scenario::{secs_to_ms, ScenarioError};

/// A floor run that could not start or went wrong.
#[derive(Debug)]
pub enum FloorSimError {
    /// The scenario is not valid.
    Scenario(ScenarioError),
    /// The floor refused a call the simulator made that it should have
    /// accepted (a simulator or floor bug), with what was being done.
    Floor(String, FloorError),
    /// The floor's data directory could not be opened, written, or holds
    /// another floor than the scenario's (the message names it).
    Durable(String),
}

impl std::fmt::Display for FloorSimError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FloorSimError::Scenario(e) => e.fmt(f),
            FloorSimError::Floor(what, e) => {
                write!(f, "floor error during simulation ({what}): {e}")
            }
            FloorSimError::Durable(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for FloorSimError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            FloorSimError::Scenario(e) => Some(e),
            FloorSimError::Floor(_, e) => Some(e),
            FloorSimError::Durable(_) => None,
        }
    }
}

fn setup(what: &str) -> impl FnOnce(FloorError) -> FloorSimError + '_ {
    move |e| FloorSimError::Floor(what.to_owned(), e)
}

/// What the PBX reports for a dialed call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum CallReport {
    Human,
    Machine,
    Busy,
    Unreachable,
    Failed,
}

/// A simulated happening; `camp` is the campaign's index in the scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum SimEvent {
    Outcome {
        camp: usize,
        call: CallId,
        gen: u32,
        report: CallReport,
        operator: Option<OperatorId>,
    },
    Patience {
        camp: usize,
        call: CallId,
        gen: u32,
    },
    TalkEnd {
        camp: usize,
        call: CallId,
        gen: u32,
        operator: OperatorId,
    },
    MessageEnd {
        camp: usize,
        call: CallId,
        gen: u32,
    },
    AcwEnd {
        camp: usize,
        operator: OperatorId,
        contact: ContactId,
        gen: u32,
    },
    Decide {
        camp: usize,
        operator: OperatorId,
        contact: ContactId,
        gen: u32,
        accept: bool,
    },
    ReadyAgain {
        operator: OperatorId,
    },
}

/// One campaign's customers and bookkeeping.
#[derive(Debug)]
struct Camp {
    id: CampaignId,
    mode: Mode,
    acw_enabled: bool,
    ring: LogNormal,
    talk: LogNormal,
    patience: LogNormal,
    /// Cumulative outcome thresholds: human, machine, busy, unreachable, failed.
    thresholds: [f64; 5],
    machine_detect_ms: u64,
    signal_ms: u64,
    ring_timeout_ms: u64,
    call_gen: Vec<u32>,
    contacts: u64,
    /// Calls of this campaign holding a trunk line: contact → trunk index.
    lines: HashMap<u32, usize>,
}

/// One operator as the simulator sees it.
#[derive(Debug, Clone, Copy, Default)]
struct Op {
    pool: usize,
    gen: u32,
    /// In a call (connected, or a preview/progressive dial bound to it).
    in_call: bool,
    /// When the current talk or ACW began.
    since: u64,
    talk_ms: u64,
    acw_ms: u64,
}

struct Sim {
    rng: Rng,
    acw: LogNormal,
    accept: LogNormal,
    p_decline: f64,
    ready_after_pause_ms: u64,
    heap: BinaryHeap<Reverse<(u64, u64, SimEvent)>>,
    seq: u64,
    camps: Vec<Camp>,
    index_of: HashMap<CampaignId, usize>,
    ops: Vec<Op>,
    trunk_ids: Vec<TrunkId>,
    trunk_in_use: Vec<u32>,
    trunk_peak: Vec<u32>,
    trunk_dials: Vec<u64>,
    trunk_max: Vec<u32>,
    events: u64,
    stale: u64,
    violations: Vec<String>,
    cmds: Vec<FloorCommand>,
    deadline_stalls: u64,
    on_commands: Option<FloorCommandHook>,
}

fn is_stale(e: &FloorError) -> bool {
    matches!(
        e,
        FloorError::Campaign {
            error: EngineError::StaleCall { .. }
                | EngineError::IllegalTransition { .. }
                | EngineError::IllegalOperatorEvent { .. },
            ..
        }
    )
}

/// Sees the commands of every floor poll before the simulated PBX acts on
/// them (a durable run's host acknowledging dials, for crash tests).
pub type FloorCommandHook = Box<dyn FnMut(&[FloorCommand])>;

/// Runs a floor scenario to completion (or its time limit) and reports.
pub fn run_floor(scenario: &FloorScenario) -> Result<FloorReport, FloorSimError> {
    scenario.validate().map_err(FloorSimError::Scenario)?;
    let mut floor = Floor::new();
    run_on(scenario, &mut floor, None)
}

/// Runs a floor scenario durably in the data directory `dir`
/// ([`Floor::open`]): a new directory gets the scenario's campaigns, pools,
/// operators, trunks, caps and contacts; one holding a floor (after a
/// crash, a kill or a time limit) is recovered and continued from where it
/// stopped — what the journal already has is found again by name or id and
/// not added twice, what a kill cut short is added now, and the operators
/// log in again. `on_commands` sees every poll's commands. Every journal is
/// flushed at the end.
pub fn run_floor_durable(
    scenario: &FloorScenario,
    dir: &std::path::Path,
    options: DurableOptions,
    on_commands: Option<FloorCommandHook>,
) -> Result<(FloorReport, FloorRecovery), FloorSimError> {
    scenario.validate().map_err(FloorSimError::Scenario)?;
    let (mut floor, recovery) =
        Floor::open(dir, options).map_err(|e| FloorSimError::Durable(e.to_string()))?;
    let report = run_on(scenario, &mut floor, on_commands)?;
    floor
        .flush()
        .map_err(|e| FloorSimError::Durable(e.to_string()))?;
    Ok((report, recovery))
}

/// Sets the scenario up on `floor` (what it lacks of it: a fresh floor
/// lacks everything) and runs it.
fn run_on(
    scenario: &FloorScenario,
    floor: &mut Floor,
    on_commands: Option<FloorCommandHook>,
) -> Result<FloorReport, FloorSimError> {
    let floor_ids: Vec<CampaignId> = floor.campaign_ids().collect();
    let mut resumed_at = 0;
    for id in floor_ids {
        let name = floor.campaign_name(id).unwrap_or_default().to_owned();
        if scenario.campaign_index(&name).is_none() {
            return Err(FloorSimError::Durable(format!(
                "the floor's data directory holds campaign {name:?}, which the scenario {:?} \
                 does not have",
                scenario.name
            )));
        }
        resumed_at = resumed_at.max(floor.campaign(id).map_err(setup("campaign"))?.now_ms());
    }
    let start = scenario.start_ms.max(resumed_at);
    let mut camps = Vec::with_capacity(scenario.campaigns.len());
    let mut index_of = HashMap::new();
    let mut first_number: u64 = 12_000_000_000;
    for (i, c) in scenario.campaigns.iter().enumerate() {
        let id = match floor.campaign_id(&c.name) {
            Some(id) => id,
            None => {
                let config = scenario
                    .campaign_config(i)
                    .map_err(|e| FloorSimError::Scenario(invalid_config(i, e)))?;
                floor
                    .add_campaign(&c.name, config, c.priority, c.weight)
                    .map_err(setup("add_campaign"))?
            }
        };
        // Distinct synthetic numbers over the floor: campaign after
        // campaign. A recovered campaign has them already — all, or the
        // first part when the run was killed while they were being added.
        let have = floor.campaign(id).map_err(setup("campaign"))?.store().len();
        if have < c.contacts {
            let numbers: Vec<u64> = (have as u64..c.contacts as u64)
                .map(|k| first_number + k)
                .collect();
            floor
                .campaign_mut(id)
                .map_err(setup("campaign_mut"))?
                .add_numbers(&numbers, 0)
                .map_err(|e| {
                    FloorSimError::Floor(
                        "add_numbers".into(),
                        FloorError::Campaign {
                            campaign: id,
                            error: e,
                        },
                    )
                })?;
        }
        first_number += c.contacts as u64;
        let config = floor.campaign(id).map_err(setup("campaign"))?.config();
        let (ring_timeout_ms, acw_enabled, mode) =
            (config.ring_timeout_ms, config.acw_enabled, config.mode);
        let contacts = floor.campaign(id).map_err(setup("campaign"))?.store().len();
        let m = &c.customers;
        let mut thresholds = [0.0; 5];
        let mut acc = 0.0;
        for (t, p) in thresholds.iter_mut().zip([
            m.p_human,
            m.p_machine,
            m.p_busy,
            m.p_unreachable,
            m.p_dial_failed,
        ]) {
            acc += p;
            *t = acc;
        }
        index_of.insert(id, i);
        camps.push(Camp {
            id,
            mode,
            acw_enabled,
            ring: LogNormal::new(m.ring_mean_s, m.ring_sd_s),
            talk: LogNormal::new(m.talk_mean_s, m.talk_sd_s),
            patience: LogNormal::new(m.patience_mean_s, m.patience_sd_s),
            thresholds,
            machine_detect_ms: secs_to_ms(m.machine_detect_s),
            signal_ms: secs_to_ms(m.signal_s).max(1),
            ring_timeout_ms,
            call_gen: vec![0; contacts],
            contacts: contacts as u64,
            lines: HashMap::new(),
        });
    }
    // Trunks have ids 0, 1, 2, … in the order they were added: a recovered
    // floor has the first ones already.
    let mut trunk_ids = Vec::new();
    for (k, t) in scenario.trunks.iter().enumerate() {
        let id = TrunkId(k as u32);
        if floor.trunk_status(id, start).is_ok() {
            trunk_ids.push(id);
        } else {
            trunk_ids.push(
                floor
                    .add_trunk(t.config(), start)
                    .map_err(setup("add_trunk"))?,
            );
        }
    }
    // Routes and assignments are set again on a recovered floor (the same
    // state: setting them twice changes nothing but the floor journal).
    for (i, camp) in camps.iter().enumerate() {
        let route: Vec<TrunkId> = scenario
            .routes_of(i)
            .into_iter()
            .map(|t| trunk_ids[t])
            .collect();
        if !route.is_empty() {
            floor.route(camp.id, &route).map_err(setup("route"))?;
        }
    }
    let caps: CapsConfig = scenario.caps.into();
    if floor.caps() != caps {
        floor.set_caps(caps).map_err(setup("set_caps"))?;
    }
    let mut ops = Vec::new();
    let mut pool_ids: Vec<PoolId> = Vec::new();
    for (p, pool) in scenario.pools.iter().enumerate() {
        let id = match floor.pool_name(PoolId(p as u32)) {
            Some(name) if name == pool.name => PoolId(p as u32),
            Some(name) => {
                return Err(FloorSimError::Durable(format!(
                    "the floor's data directory has pool {name:?} where the scenario has {:?}",
                    pool.name
                )))
            }
            None => floor.add_pool(&pool.name).map_err(setup("add_pool"))?,
        };
        pool_ids.push(id);
        for name in &pool.campaigns {
            let k = scenario.campaign_index(name).expect("validated");
            floor.assign(id, camps[k].id).map_err(setup("assign"))?;
        }
        if pool.inbound_target > 0 {
            floor
                .set_inbound_target(id, pool.inbound_target)
                .map_err(setup("set_inbound_target"))?;
        }
        for _ in 0..pool.operators {
            let op = OperatorId(ops.len() as u32);
            match floor.operator_state(op) {
                Ok((_, in_pool)) if in_pool == id => {}
                Ok((_, in_pool)) => {
                    return Err(FloorSimError::Durable(format!(
                        "the floor's data directory has {op:?} in {in_pool:?}, the scenario in \
                         pool {:?}",
                        pool.name
                    )))
                }
                Err(_) => {
                    let added = floor.add_operator(id).map_err(setup("add_operator"))?;
                    debug_assert_eq!(added, op);
                }
            }
            ops.push(Op {
                pool: p,
                ..Op::default()
            });
        }
    }
    let o = &scenario.operator_model;
    let mut sim = Sim {
        rng: Rng::new(scenario.seed),
        acw: LogNormal::new(o.acw_mean_s, o.acw_sd_s),
        accept: LogNormal::new(o.accept_delay_mean_s, o.accept_delay_sd_s),
        p_decline: o.p_decline,
        ready_after_pause_ms: secs_to_ms(o.ready_after_pause_s).max(1),
        heap: BinaryHeap::with_capacity(1024),
        seq: 0,
        camps,
        index_of,
        trunk_in_use: vec![0; trunk_ids.len()],
        trunk_peak: vec![0; trunk_ids.len()],
        trunk_dials: vec![0; trunk_ids.len()],
        trunk_max: scenario.trunks.iter().map(|t| t.max_calls).collect(),
        trunk_ids,
        ops,
        events: 0,
        stale: 0,
        violations: Vec::new(),
        cmds: Vec::with_capacity(256),
        deadline_stalls: 0,
        on_commands,
    };
    for i in 0..sim.ops.len() {
        let op = OperatorId(i as u32);
        sim.send(floor, None, Event::OperatorLogin(op), start)?;
        sim.send(floor, None, Event::OperatorReady(op), start)?;
    }
    let until = scenario
        .until_hours
        .map(|h| start.saturating_add((h * 3_600_000.0).round() as u64));
    let total: u64 = sim.camps.iter().map(|c| c.contacts).sum();
    let mut now = start;
    let stop = loop {
        let handed = sim.poll(floor, now)?;
        if sim.terminal(floor)? == total {
            break StopReason::Finished;
        }
        let next_event = sim.heap.peek().map(|Reverse((t, _, _))| *t);
        let mut next = match (next_event, floor.next_deadline()) {
            (Some(a), Some(b)) => a.min(b),
            (a, b) => match a.or(b) {
                Some(t) => t,
                None => break StopReason::Stalled,
            },
        }
        .max(now);
        // A deadline at (or before) now with nothing due and nothing handed
        // out would spin at this millisecond: step 1 ms on, and count it.
        if next == now && handed == 0 && next_event.is_none_or(|t| t > now) {
            sim.deadline_stalls += 1;
            next = now + 1;
        }
        if let Some(until) = until {
            if next > until {
                now = until;
                break StopReason::TimeLimit;
            }
        }
        now = next;
        while let Some(&Reverse((t, _, event))) = sim.heap.peek() {
            if t > now {
                break;
            }
            sim.heap.pop();
            sim.fire(floor, event, now)?;
        }
    };
    sim.report(floor, scenario, &pool_ids, start, now, stop)
}

fn invalid_config(i: usize, e: dialcore::ConfigError) -> ScenarioError {
    ScenarioError::Invalid {
        field: format!("campaigns[{i}].settings.{}", e.field),
        message: e.message,
    }
}

impl Sim {
    #[inline]
    fn schedule(&mut self, at: u64, event: SimEvent) {
        self.seq += 1;
        self.heap.push(Reverse((at, self.seq, event)));
    }

    /// Feeds one event to the floor; stale and illegal ones are counted.
    fn send(
        &mut self,
        floor: &mut Floor,
        camp: Option<usize>,
        event: Event,
        now: u64,
    ) -> Result<bool, FloorSimError> {
        self.events += 1;
        let campaign = camp.map(|k| self.camps[k].id);
        match floor.handle(FloorEvent { campaign, event }, now) {
            Ok(()) => Ok(true),
            Err(e) if is_stale(&e) => {
                self.stale += 1;
                Ok(false)
            }
            Err(e) => Err(FloorSimError::Floor(format!("{event:?}"), e)),
        }
    }

    fn terminal(&self, floor: &Floor) -> Result<u64, FloorSimError> {
        let mut n = 0;
        for c in &self.camps {
            let camp = floor.campaign(c.id).map_err(setup("campaign"))?;
            n += camp
                .counts()
                .iter()
                .filter(|(s, _)| s.is_terminal())
                .map(|(_, k)| u64::from(k))
                .sum::<u64>();
        }
        Ok(n)
    }

    /// Polls and acts on the commands; returns how many there were.
    fn poll(&mut self, floor: &mut Floor, now: u64) -> Result<usize, FloorSimError> {
        let mut cmds = std::mem::take(&mut self.cmds);
        cmds.clear();
        floor
            .poll(now, &mut cmds)
            .map_err(|e| FloorSimError::Floor("poll".into(), e))?;
        if let Some(hook) = self.on_commands.as_mut() {
            hook(&cmds);
        }
        for c in &cmds {
            let Some(&camp) = self.index_of.get(&c.campaign) else {
                self.violations
                    .push(format!("a command of an unknown {}", c.campaign));
                continue;
            };
            self.command(camp, c.trunk, c.command, now);
        }
        let n = cmds.len();
        self.cmds = cmds;
        Ok(n)
    }

    fn bump(&mut self, camp: usize, contact: ContactId) -> u32 {
        let g = &mut self.camps[camp].call_gen[contact.index()];
        *g = g.wrapping_add(1);
        *g
    }

    /// Frees the trunk line of the call to `contact`, if it holds one.
    fn release_line(&mut self, camp: usize, contact: ContactId) {
        if let Some(t) = self.camps[camp].lines.remove(&contact.0) {
            self.trunk_in_use[t] -= 1;
        }
    }

    /// The operator starts a call (talk); a second one at once is a broken promise.
    fn begin_talk(&mut self, operator: OperatorId, now: u64) {
        let Some(op) = self.ops.get_mut(operator.0 as usize) else {
            self.violations
                .push(format!("a call for unknown {operator:?}"));
            return;
        };
        if op.in_call {
            self.violations
                .push(format!("{operator:?} was given a second call at {now}"));
        }
        op.in_call = true;
        op.since = now;
    }

    fn end_talk(&mut self, operator: OperatorId, now: u64) {
        if let Some(op) = self.ops.get_mut(operator.0 as usize) {
            if op.in_call {
                op.talk_ms += now.saturating_sub(op.since);
            }
            op.in_call = false;
            op.since = now;
        }
    }

    fn command(&mut self, camp: usize, trunk: Option<TrunkId>, cmd: Command, now: u64) {
        match cmd {
            Command::Dial { call, operator, .. } => {
                if let Some(t) = trunk {
                    match self.trunk_ids.iter().position(|&x| x == t) {
                        Some(k) => {
                            self.trunk_in_use[k] += 1;
                            self.trunk_dials[k] += 1;
                            self.trunk_peak[k] = self.trunk_peak[k].max(self.trunk_in_use[k]);
                            if self.trunk_in_use[k] > self.trunk_max[k] {
                                self.violations.push(format!(
                                    "trunk {k} carries {} calls, over its {} lines",
                                    self.trunk_in_use[k], self.trunk_max[k]
                                ));
                            }
                            if let Some(old) = self.camps[camp].lines.insert(call.contact.0, k) {
                                self.trunk_in_use[old] -= 1;
                            }
                        }
                        None => self.violations.push(format!("a Dial on unknown {t}")),
                    }
                }
                let gen = self.camps[camp].call_gen[call.contact.index()];
                let u = self.rng.unit();
                let c = &self.camps[camp];
                let t = c.thresholds;
                let (report, delay) = if u < t[1] {
                    let ring = c.ring.sample_ms(&mut self.rng);
                    let c = &self.camps[camp];
                    if ring >= c.ring_timeout_ms {
                        return; // rings out: the engine's ring timeout hangs up
                    }
                    if u < t[0] {
                        (CallReport::Human, ring)
                    } else {
                        (CallReport::Machine, ring + c.machine_detect_ms)
                    }
                } else if u < t[2] {
                    (CallReport::Busy, c.signal_ms)
                } else if u < t[3] {
                    (CallReport::Unreachable, c.signal_ms)
                } else if u < t[4] {
                    (CallReport::Failed, 50)
                } else {
                    return; // no answer
                };
                self.schedule(
                    now + delay,
                    SimEvent::Outcome {
                        camp,
                        call,
                        gen,
                        report,
                        operator,
                    },
                );
            }
            Command::Connect { call, operator } => {
                let gen = self.bump(camp, call.contact);
                self.begin_talk(operator, now);
                let talk = self.camps[camp].talk.sample_ms(&mut self.rng);
                self.schedule(
                    now + talk,
                    SimEvent::TalkEnd {
                        camp,
                        call,
                        gen,
                        operator,
                    },
                );
            }
            Command::Abandon { call } | Command::Hangup { call } => {
                self.bump(camp, call.contact);
                self.release_line(camp, call.contact);
            }
            Command::Play { call } => {
                let gen = self.bump(camp, call.contact);
                let message = self.camps[camp].talk.sample_ms(&mut self.rng);
                self.schedule(now + message, SimEvent::MessageEnd { camp, call, gen });
            }
            Command::Offer { contact, operator } => {
                let delay = self.accept.sample_ms(&mut self.rng);
                let accept = !self.rng.chance(self.p_decline);
                let gen = self.ops.get(operator.0 as usize).map_or(0, |o| o.gen);
                self.schedule(
                    now + delay,
                    SimEvent::Decide {
                        camp,
                        operator,
                        contact,
                        gen,
                        accept,
                    },
                );
            }
            Command::Revoke { operator, .. } => {
                if let Some(op) = self.ops.get_mut(operator.0 as usize) {
                    op.gen = op.gen.wrapping_add(1);
                }
            }
        }
    }

    fn fire(&mut self, floor: &mut Floor, event: SimEvent, now: u64) -> Result<(), FloorSimError> {
        match event {
            SimEvent::Outcome {
                camp,
                call,
                gen,
                report,
                operator,
            } => {
                if self.camps[camp].call_gen[call.contact.index()] != gen {
                    return Ok(());
                }
                let ev = match report {
                    CallReport::Human => Event::Answered(call),
                    CallReport::Machine => Event::AnsweredByMachine(call),
                    CallReport::Busy => Event::Rejected(call),
                    CallReport::Unreachable => Event::Unreachable(call),
                    CallReport::Failed => Event::DialFailed(call),
                };
                let accepted = self.send(floor, Some(camp), ev, now)?;
                if report != CallReport::Human {
                    self.release_line(camp, call.contact);
                }
                if !accepted || report != CallReport::Human {
                    return Ok(());
                }
                match operator {
                    Some(op) => {
                        // Preview/progressive: the operator was on the line.
                        self.begin_talk(op, now);
                        let talk = self.camps[camp].talk.sample_ms(&mut self.rng);
                        self.schedule(
                            now + talk,
                            SimEvent::TalkEnd {
                                camp,
                                call,
                                gen,
                                operator: op,
                            },
                        );
                    }
                    None => {
                        let waiting = floor
                            .campaign(self.camps[camp].id)
                            .map(|c| c.state(call.contact) == Some(State::AwaitingOperator))
                            .unwrap_or(false);
                        if waiting {
                            let patience = self.camps[camp].patience.sample_ms(&mut self.rng);
                            self.schedule(now + patience, SimEvent::Patience { camp, call, gen });
                        }
                    }
                }
            }
            SimEvent::Patience { camp, call, gen } => {
                if self.camps[camp].call_gen[call.contact.index()] != gen {
                    return Ok(());
                }
                if self.send(floor, Some(camp), Event::ClientHungUp(call), now)? {
                    self.bump(camp, call.contact);
                    self.release_line(camp, call.contact);
                }
            }
            SimEvent::MessageEnd { camp, call, gen } => {
                if self.camps[camp].call_gen[call.contact.index()] != gen {
                    return Ok(());
                }
                self.bump(camp, call.contact);
                self.release_line(camp, call.contact);
                self.send(floor, Some(camp), Event::CallEnded(call), now)?;
            }
            SimEvent::TalkEnd {
                camp,
                call,
                gen,
                operator,
            } => {
                if self.camps[camp].call_gen[call.contact.index()] != gen {
                    return Ok(());
                }
                self.bump(camp, call.contact);
                self.release_line(camp, call.contact);
                self.end_talk(operator, now);
                if self.send(floor, Some(camp), Event::CallEnded(call), now)? {
                    let in_acw = floor
                        .campaign(self.camps[camp].id)
                        .map(|c| c.state(call.contact) == Some(State::Acw))
                        .unwrap_or(false);
                    if self.camps[camp].acw_enabled && in_acw {
                        let acw = self.acw.sample_ms(&mut self.rng);
                        let gen = self.ops[operator.0 as usize].gen;
                        self.schedule(
                            now + acw,
                            SimEvent::AcwEnd {
                                camp,
                                operator,
                                contact: call.contact,
                                gen,
                            },
                        );
                    }
                }
            }
            SimEvent::AcwEnd {
                camp,
                operator,
                contact,
                gen,
            } => {
                if self.ops[operator.0 as usize].gen != gen {
                    return Ok(());
                }
                let done = Event::AcwDone {
                    operator,
                    contact,
                    disposition: Disposition::Done,
                };
                if self.send(floor, Some(camp), done, now)? {
                    let op = &mut self.ops[operator.0 as usize];
                    op.acw_ms += now.saturating_sub(op.since);
                    op.since = now;
                }
            }
            SimEvent::Decide {
                camp,
                operator,
                contact,
                gen,
                accept,
            } => {
                if self.ops[operator.0 as usize].gen != gen {
                    return Ok(());
                }
                let ev = if accept {
                    Event::OperatorAccepted { operator, contact }
                } else {
                    Event::OperatorDeclined { operator, contact }
                };
                let accepted = self.send(floor, Some(camp), ev, now)?;
                if accepted && !accept {
                    // A decline may pause the operator: press Ready again later.
                    let at = now + self.ready_after_pause_ms;
                    self.schedule(at, SimEvent::ReadyAgain { operator });
                }
            }
            SimEvent::ReadyAgain { operator } => {
                self.send(floor, None, Event::OperatorReady(operator), now)?;
            }
        }
        Ok(())
    }

    fn report(
        &self,
        floor: &mut Floor,
        scenario: &FloorScenario,
        pool_ids: &[PoolId],
        start: u64,
        end: u64,
        stop: StopReason,
    ) -> Result<FloorReport, FloorSimError> {
        let simulated_ms = end.saturating_sub(start);
        let mut campaigns = Vec::new();
        for (i, c) in self.camps.iter().enumerate() {
            let s = &scenario.campaigns[i];
            let camp = floor.campaign_mut(c.id).map_err(setup("campaign"))?;
            let m = camp.metrics(end).map_err(|e| {
                FloorSimError::Floor(
                    "metrics".into(),
                    FloorError::Campaign {
                        campaign: c.id,
                        error: e,
                    },
                )
            })?;
            let target = camp.config().abandon_target;
            campaigns.push(CampaignReport {
                name: s.name.clone(),
                mode: format!("{:?}", c.mode).to_lowercase(),
                priority: s.priority,
                weight: s.weight,
                contacts: c.contacts,
                attempts: m.dials,
                answered: m.answered,
                connected: m.connected,
                abandoned: m.abandoned,
                abandon_rate: m.abandon_rate,
                abandon_target: target,
                within_target: m.abandon_rate <= target + 1e-12,
                counts: camp
                    .counts()
                    .iter()
                    .map(|(st, n)| (st.name().to_owned(), u64::from(n)))
                    .collect(),
            });
        }
        let mut pools = Vec::new();
        for (p, pool) in scenario.pools.iter().enumerate() {
            let ops: Vec<&Op> = self.ops.iter().filter(|o| o.pool == p).collect();
            let talk_ms: u64 = ops.iter().map(|o| o.talk_ms).sum();
            let acw_ms: u64 = ops.iter().map(|o| o.acw_ms).sum();
            let staffed_ms = simulated_ms * ops.len() as u64;
            let share = |x: u64| {
                if staffed_ms == 0 {
                    0.0
                } else {
                    x as f64 / staffed_ms as f64
                }
            };
            let counts = floor
                .pool_counts(pool_ids[p])
                .map_err(setup("pool_counts"))?;
            pools.push(PoolReport {
                name: pool.name.clone(),
                operators: ops.len() as u64,
                campaigns: pool.campaigns.clone(),
                talk_s: talk_ms as f64 / 1000.0,
                acw_s: acw_ms as f64 / 1000.0,
                staffed_s: staffed_ms as f64 / 1000.0,
                occupancy: share(talk_ms),
                idle: (1.0 - share(talk_ms + acw_ms)).max(0.0),
                ready_at_end: counts.ready,
                in_call_at_end: counts.outbound,
                inbound_target: pool.inbound_target,
            });
        }
        let trunks = scenario
            .trunks
            .iter()
            .enumerate()
            .map(|(k, t)| TrunkReport {
                name: t.name.clone(),
                max_calls: t.max_calls,
                cps: t.cps,
                dials: self.trunk_dials[k],
                peak_calls: self.trunk_peak[k],
            })
            .collect();
        Ok(FloorReport {
            scenario: scenario.name.clone(),
            seed: scenario.seed,
            stop_reason: stop,
            simulated_s: simulated_ms as f64 / 1000.0,
            events: self.events,
            stale_events: self.stale,
            violations: self.violations.clone(),
            deadline_stalls: self.deadline_stalls,
            campaigns,
            pools,
            trunks,
        })
    }
}
