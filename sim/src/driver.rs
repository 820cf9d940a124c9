//! The simulation loop: a simulated PBX, customers and operators around one
//! [`Campaign`], driven through the host interface only.
//!
//! Simulated happenings wait in a binary heap ordered by `(time, seq)`; `seq`
//! is a counter, so events at the same millisecond fire in the order they
//! were scheduled and the run is deterministic. Each step takes the earlier
//! of the next happening and the engine's next timer, feeds every happening
//! due by then to `handle`, calls `poll` once, and reacts to the commands.
//!
//! A happening about a call or an operator carries the generation its
//! subject had when it was scheduled; a command that ends the call or the
//! offer (Hangup, Abandon, Connect, Revoke) bumps the generation, so what
//! was scheduled for it is dropped when it comes up instead of being sent.
//! Races the sim cannot see (a patience timer at the abandon limit's
//! millisecond) reach the engine, which refuses them as
//! stale or illegal; they are counted in the report, never fatal.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::fmt;

use dialcore::operators::OperatorState;
use dialcore::{
    CallId, Campaign, Command, ConfigError, ContactId, Disposition, EngineError, Event, Mode,
    OperatorId, State,
};

use crate::report::{MinuteRow, SimReport, StopReason};
use crate::rng::{LogNormal, Rng};
use crate::scenario::{secs_to_ms, Scenario, ScenarioError};

/// Where a run stands, reported about once per simulated minute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Simulated time since the start, ms.
    pub simulated_ms: u64,
    /// Contacts in a terminal state.
    pub terminal: u64,
    /// Contacts in the campaign.
    pub contacts: u64,
    /// Events fed to the engine so far.
    pub events: u64,
}

/// A run that could not start or went wrong.
#[derive(Debug)]
pub enum SimError {
    /// The scenario is not valid.
    Scenario(ScenarioError),
    /// The engine refused the campaign configuration.
    Config(ConfigError),
    /// The engine refused a call the simulator made that it should have
    /// accepted (unknown contact or operator, a full store): a simulator bug.
    Engine(EngineError),
}

impl fmt::Display for SimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SimError::Scenario(e) => e.fmt(f),
            SimError::Config(e) => write!(f, "campaign configuration: {e}"),
            SimError::Engine(e) => write!(f, "engine error during simulation: {e}"),
        }
    }
}

impl std::error::Error for SimError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SimError::Scenario(e) => Some(e),
            SimError::Config(e) => Some(e),
            SimError::Engine(e) => Some(e),
        }
    }
}

impl From<ConfigError> for SimError {
    fn from(e: ConfigError) -> Self {
        SimError::Config(e)
    }
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

/// A simulated happening.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum SimEvent {
    /// The PBX reports the call's outcome.
    Outcome {
        call: CallId,
        gen: u32,
        report: CallReport,
        operator: Option<OperatorId>,
    },
    /// A waiting client's patience runs out.
    Patience { call: CallId, gen: u32 },
    /// The talk ends (the operator hangs up).
    TalkEnd {
        call: CallId,
        gen: u32,
        operator: OperatorId,
    },
    /// The operator finishes ACW.
    AcwEnd {
        operator: OperatorId,
        contact: ContactId,
        gen: u32,
    },
    /// The operator answers an offer.
    Decide {
        operator: OperatorId,
        contact: ContactId,
        gen: u32,
        accept: bool,
    },
    /// A paused operator (after a decline or missed offer) presses Ready.
    ReadyAgain { operator: OperatorId },
    /// The operator goes on a break (after the work in hand).
    BreakStart { operator: OperatorId },
    /// The break is over.
    BreakEnd { operator: OperatorId },
}

/// What the sim knows about one operator.
#[derive(Debug, Clone, Copy, Default)]
struct OpSim {
    gen: u32,
    on_break: bool,
    break_end_scheduled: bool,
    ready_scheduled: bool,
}

/// The distributions of a scenario, prepared once.
#[derive(Debug, Clone, Copy)]
struct Dists {
    ring: LogNormal,
    talk: LogNormal,
    patience: LogNormal,
    acw: LogNormal,
    accept: LogNormal,
    /// Cumulative outcome thresholds: human, machine, busy, unreachable, failed.
    thresholds: [f64; 5],
    machine_detect_ms: u64,
    signal_ms: u64,
    ring_timeout_ms: u64,
    p_decline: f64,
    ready_after_pause_ms: u64,
    break_every_ms: u64,
    break_ms: u64,
}

/// Runs a scenario to completion (or its time limit) and reports.
/// `progress` is called about once per simulated minute.
pub fn run(scenario: &Scenario, progress: &mut dyn FnMut(Progress)) -> Result<SimReport, SimError> {
    scenario.validate().map_err(SimError::Scenario)?;
    let config = scenario.campaign_config()?;
    let mut campaign = Campaign::new(config)?;
    let mut sim = Sim::new(scenario, &mut campaign)?;
    sim.run(&mut campaign, progress)
}

struct Sim {
    rng: Rng,
    d: Dists,
    mode: Mode,
    acw_enabled: bool,
    heap: BinaryHeap<Reverse<(u64, u64, SimEvent)>>,
    seq: u64,
    call_gen: Vec<u32>,
    ops: Vec<OpSim>,
    answered_at: HashMap<u32, u64>,
    waits_ms: Vec<u32>,
    cmds: Vec<Command>,
    events: u64,
    stale: u64,
    client_hangups: u64,
    start: u64,
    contacts: u64,
    timeseries: Vec<MinuteRow>,
    last_answered: u64,
    last_abandoned: u64,
    scenario: Scenario,
}

fn is_stale(e: &EngineError) -> bool {
    matches!(
        e,
        EngineError::StaleCall { .. }
            | EngineError::IllegalTransition { .. }
            | EngineError::IllegalOperatorEvent { .. }
    )
}

impl Sim {
    fn new(scenario: &Scenario, campaign: &mut Campaign) -> Result<Sim, SimError> {
        let c = &scenario.customers;
        let o = &scenario.operator_model;
        let mut thresholds = [0.0; 5];
        let mut acc = 0.0;
        for (t, p) in thresholds.iter_mut().zip([
            c.p_human,
            c.p_machine,
            c.p_busy,
            c.p_unreachable,
            c.p_dial_failed,
        ]) {
            acc += p;
            *t = acc;
        }
        let d = Dists {
            ring: LogNormal::new(c.ring_mean_s, c.ring_sd_s),
            talk: LogNormal::new(c.talk_mean_s, c.talk_sd_s),
            patience: LogNormal::new(c.patience_mean_s, c.patience_sd_s),
            acw: LogNormal::new(o.acw_mean_s, o.acw_sd_s),
            accept: LogNormal::new(o.accept_delay_mean_s, o.accept_delay_sd_s),
            thresholds,
            machine_detect_ms: secs_to_ms(c.machine_detect_s),
            signal_ms: secs_to_ms(c.signal_s).max(1),
            ring_timeout_ms: scenario.campaign.ring_timeout_ms,
            p_decline: o.p_decline,
            ready_after_pause_ms: secs_to_ms(o.ready_after_pause_s).max(1),
            break_every_ms: secs_to_ms(o.break_every_min * 60.0),
            break_ms: secs_to_ms(o.break_min * 60.0).max(1),
        };
        // Distinct synthetic numbers: +1 200 000 0000 onwards.
        let numbers: Vec<u64> = (0..scenario.contacts as u64)
            .map(|i| 12_000_000_000 + i)
            .collect();
        campaign
            .add_numbers(&numbers, 0)
            .map_err(SimError::Engine)?;
        drop(numbers);
        let start = scenario.start_ms;
        let mut sim = Sim {
            rng: Rng::new(scenario.seed),
            d,
            mode: scenario.mode(),
            acw_enabled: scenario.campaign.acw_enabled,
            heap: BinaryHeap::with_capacity(1024),
            seq: 0,
            call_gen: vec![0; scenario.contacts],
            ops: vec![OpSim::default(); scenario.operators],
            answered_at: HashMap::new(),
            waits_ms: Vec::new(),
            cmds: Vec::with_capacity(256),
            events: 0,
            stale: 0,
            client_hangups: 0,
            start,
            contacts: scenario.contacts as u64,
            timeseries: Vec::new(),
            last_answered: 0,
            last_abandoned: 0,
            scenario: scenario.clone(),
        };
        for _ in 0..scenario.operators {
            let op = campaign.add_operator();
            sim.send(campaign, Event::OperatorLogin(op), start)?;
            sim.send(campaign, Event::OperatorReady(op), start)?;
            if sim.d.break_every_ms > 0 {
                let at = start + sim.jitter(sim.d.break_every_ms);
                sim.schedule(at, SimEvent::BreakStart { operator: op });
            }
        }
        Ok(sim)
    }

    /// `base` ± 25%, so operators do not all break at once.
    fn jitter(&mut self, base: u64) -> u64 {
        ((base as f64) * (0.75 + 0.5 * self.rng.unit()))
            .round()
            .max(1.0) as u64
    }

    #[inline]
    fn schedule(&mut self, at: u64, event: SimEvent) {
        self.seq += 1;
        self.heap.push(Reverse((at, self.seq, event)));
    }

    /// Feeds one event to the engine. Returns whether it was accepted;
    /// stale and illegal events are counted, other errors are fatal.
    fn send(&mut self, campaign: &mut Campaign, event: Event, now: u64) -> Result<bool, SimError> {
        self.events += 1;
        match campaign.handle(event, now) {
            Ok(()) => Ok(true),
            Err(e) if is_stale(&e) => {
                self.stale += 1;
                Ok(false)
            }
            Err(e) => Err(SimError::Engine(e)),
        }
    }

    fn run(
        &mut self,
        campaign: &mut Campaign,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<SimReport, SimError> {
        let until = self
            .scenario
            .until_hours
            .map(|h| self.start.saturating_add((h * 3_600_000.0).round() as u64));
        let mut now = self.start;
        let mut next_minute = self.start;
        let stop = loop {
            self.poll(campaign, now)?;
            if terminal(campaign) == self.contacts {
                break StopReason::Finished;
            }
            let next_event = self.heap.peek().map(|Reverse((t, _, _))| *t);
            let next = match (next_event, campaign.next_deadline()) {
                (Some(a), Some(b)) => a.min(b),
                (a, b) => match a.or(b) {
                    Some(t) => t,
                    None => break StopReason::Stalled,
                },
            }
            .max(now);
            if let Some(until) = until {
                if next > until {
                    now = until;
                    break StopReason::TimeLimit;
                }
            }
            // Rows for the minutes that end before the next step.
            while next_minute < next {
                self.row(campaign, next_minute, progress);
                next_minute += 60_000;
            }
            now = next;
            while let Some(&Reverse((t, _, event))) = self.heap.peek() {
                if t > now {
                    break;
                }
                self.heap.pop();
                self.fire(campaign, event, now)?;
            }
        };
        while next_minute <= now {
            self.row(campaign, next_minute, progress);
            next_minute += 60_000;
        }
        Ok(self.report(campaign, now, stop))
    }

    fn row(&mut self, campaign: &mut Campaign, at: u64, progress: &mut dyn FnMut(Progress)) {
        let m = campaign.metrics(at);
        let counts = campaign.counts();
        let in_flight = counts.get(State::Calling) + counts.get(State::CallInProgress) + m.waiting;
        self.timeseries.push(MinuteRow {
            minute: (at - self.start) / 60_000,
            ready_operators: m.ready_operators,
            calls_in_flight: in_flight,
            answered: m.answered - self.last_answered,
            abandoned: m.abandoned - self.last_abandoned,
            cumulative_abandon_rate: m.abandon_rate,
        });
        self.last_answered = m.answered;
        self.last_abandoned = m.abandoned;
        // Operators paused by an engine timer (ACW limit) have no event of
        // their own: catch them here.
        for i in 0..self.ops.len() {
            self.check_operator(campaign, OperatorId(i as u32), at);
        }
        progress(Progress {
            simulated_ms: at - self.start,
            terminal: terminal(campaign),
            contacts: self.contacts,
            events: self.events,
        });
    }

    fn poll(&mut self, campaign: &mut Campaign, now: u64) -> Result<(), SimError> {
        let mut cmds = std::mem::take(&mut self.cmds);
        cmds.clear();
        campaign.poll(now, &mut cmds);
        for &cmd in &cmds {
            self.command(campaign, cmd, now);
        }
        self.cmds = cmds;
        Ok(())
    }

    fn bump(&mut self, contact: ContactId) -> u32 {
        let g = &mut self.call_gen[contact.index()];
        *g = g.wrapping_add(1);
        *g
    }

    fn record_wait(&mut self, contact: ContactId, now: u64) {
        if let Some(at) = self.answered_at.remove(&contact.0) {
            self.waits_ms
                .push(now.saturating_sub(at).min(u64::from(u32::MAX)) as u32);
        }
    }

    fn command(&mut self, campaign: &mut Campaign, cmd: Command, now: u64) {
        match cmd {
            Command::Dial { call, operator, .. } => {
                let gen = self.call_gen[call.contact.index()];
                let u = self.rng.unit();
                let t = self.d.thresholds;
                let (report, delay) = if u < t[1] {
                    let human = u < t[0];
                    let ring = self.d.ring.sample_ms(&mut self.rng);
                    if ring >= self.d.ring_timeout_ms {
                        return; // rings out: the engine's ring timeout hangs up
                    }
                    if human {
                        (CallReport::Human, ring)
                    } else {
                        (CallReport::Machine, ring + self.d.machine_detect_ms)
                    }
                } else if u < t[2] {
                    (CallReport::Busy, self.d.signal_ms)
                } else if u < t[3] {
                    (CallReport::Unreachable, self.d.signal_ms)
                } else if u < t[4] {
                    (CallReport::Failed, 50)
                } else {
                    return; // no answer
                };
                self.schedule(
                    now + delay,
                    SimEvent::Outcome {
                        call,
                        gen,
                        report,
                        operator,
                    },
                );
            }
            Command::Connect { call, operator } => {
                let gen = self.bump(call.contact);
                self.record_wait(call.contact, now);
                let talk = self.d.talk.sample_ms(&mut self.rng);
                self.schedule(
                    now + talk,
                    SimEvent::TalkEnd {
                        call,
                        gen,
                        operator,
                    },
                );
            }
            Command::Abandon { call } => {
                self.bump(call.contact);
                self.record_wait(call.contact, now);
            }
            Command::Hangup { call } => {
                self.bump(call.contact);
            }
            Command::Offer { contact, operator } => {
                let delay = self.d.accept.sample_ms(&mut self.rng);
                let accept = !self.rng.chance(self.d.p_decline);
                let gen = self.ops[operator.0 as usize].gen;
                self.schedule(
                    now + delay,
                    SimEvent::Decide {
                        operator,
                        contact,
                        gen,
                        accept,
                    },
                );
            }
            Command::Revoke { operator, .. } => {
                let op = &mut self.ops[operator.0 as usize];
                op.gen = op.gen.wrapping_add(1);
                self.check_operator(campaign, operator, now);
            }
        }
    }

    fn fire(&mut self, campaign: &mut Campaign, event: SimEvent, now: u64) -> Result<(), SimError> {
        match event {
            SimEvent::Outcome {
                call,
                gen,
                report,
                operator,
            } => {
                if self.call_gen[call.contact.index()] != gen {
                    return Ok(());
                }
                let ev = match report {
                    CallReport::Human => Event::Answered(call),
                    CallReport::Machine => Event::AnsweredByMachine(call),
                    CallReport::Busy => Event::Rejected(call),
                    CallReport::Unreachable => Event::Unreachable(call),
                    CallReport::Failed => Event::DialFailed(call),
                };
                if !self.send(campaign, ev, now)? || report != CallReport::Human {
                    return Ok(());
                }
                match operator {
                    Some(op) => {
                        // Preview/progressive: the operator was on the line.
                        let talk = self.d.talk.sample_ms(&mut self.rng);
                        self.schedule(
                            now + talk,
                            SimEvent::TalkEnd {
                                call,
                                gen,
                                operator: op,
                            },
                        );
                    }
                    None => {
                        self.answered_at.insert(call.contact.0, now);
                        if campaign.state(call.contact) == Some(State::AwaitingOperator) {
                            let patience = self.d.patience.sample_ms(&mut self.rng);
                            self.schedule(now + patience, SimEvent::Patience { call, gen });
                        }
                    }
                }
            }
            SimEvent::Patience { call, gen } => {
                if self.call_gen[call.contact.index()] != gen {
                    return Ok(());
                }
                if self.send(campaign, Event::ClientHungUp(call), now)? {
                    self.client_hangups += 1;
                    self.bump(call.contact);
                    self.record_wait(call.contact, now);
                }
            }
            SimEvent::TalkEnd {
                call,
                gen,
                operator,
            } => {
                if self.call_gen[call.contact.index()] != gen {
                    return Ok(());
                }
                self.bump(call.contact);
                if self.send(campaign, Event::CallEnded(call), now)? {
                    if self.acw_enabled && campaign.state(call.contact) == Some(State::Acw) {
                        let acw = self.d.acw.sample_ms(&mut self.rng);
                        let gen = self.ops[operator.0 as usize].gen;
                        self.schedule(
                            now + acw,
                            SimEvent::AcwEnd {
                                operator,
                                contact: call.contact,
                                gen,
                            },
                        );
                    } else {
                        self.check_operator(campaign, operator, now);
                    }
                }
            }
            SimEvent::AcwEnd {
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
                self.send(campaign, done, now)?;
                self.check_operator(campaign, operator, now);
            }
            SimEvent::Decide {
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
                self.send(campaign, ev, now)?;
                self.check_operator(campaign, operator, now);
            }
            SimEvent::ReadyAgain { operator } => {
                let op = &mut self.ops[operator.0 as usize];
                op.ready_scheduled = false;
                if !op.on_break {
                    self.send(campaign, Event::OperatorReady(operator), now)?;
                }
            }
            SimEvent::BreakStart { operator } => {
                self.ops[operator.0 as usize].on_break = true;
                self.send(campaign, Event::OperatorPause(operator), now)?;
                self.check_operator(campaign, operator, now);
            }
            SimEvent::BreakEnd { operator } => {
                let op = &mut self.ops[operator.0 as usize];
                op.on_break = false;
                op.break_end_scheduled = false;
                self.send(campaign, Event::OperatorReady(operator), now)?;
                let next = now + self.jitter(self.d.break_every_ms);
                self.schedule(next, SimEvent::BreakStart { operator });
            }
        }
        Ok(())
    }

    /// A paused operator: start the break timer, or press Ready again after
    /// a pause the engine imposed (progressive decline, missed offer).
    fn check_operator(&mut self, campaign: &Campaign, operator: OperatorId, now: u64) {
        if campaign.operators().state(operator) != Some(OperatorState::Paused) {
            return;
        }
        let op = &mut self.ops[operator.0 as usize];
        if op.on_break {
            if !op.break_end_scheduled {
                op.break_end_scheduled = true;
                let at = now + self.d.break_ms;
                self.schedule(at, SimEvent::BreakEnd { operator });
            }
        } else if !op.ready_scheduled {
            op.ready_scheduled = true;
            let at = now + self.d.ready_after_pause_ms;
            self.schedule(at, SimEvent::ReadyAgain { operator });
        }
    }

    fn report(&mut self, campaign: &mut Campaign, end: u64, stop: StopReason) -> SimReport {
        let m = campaign.metrics(end);
        let counts = campaign
            .counts()
            .iter()
            .map(|(s, n)| (s.name().to_owned(), u64::from(n)))
            .collect();
        let dialed = campaign
            .store()
            .attempts_column()
            .iter()
            .filter(|&&a| a > 0)
            .count() as u64;
        let operator_hours = m.logged_in_ms as f64 / 3_600_000.0;
        let (wait_mean_s, wait_p95_s) = wait_stats(&mut self.waits_ms);
        let finished = terminal(campaign) == self.contacts;
        SimReport {
            scenario: self.scenario.name.clone(),
            mode: self.mode.name().to_owned(),
            seed: self.scenario.seed,
            contacts: self.contacts,
            operators: self.ops.len() as u64,
            counts,
            abandon_rate: m.abandon_rate,
            occupancy: m.occupancy,
            contacts_per_operator_hour: ratio(m.connected as f64, operator_hours),
            attempts_per_contact: ratio(m.dials as f64, dialed as f64),
            dials: m.dials,
            answered: m.answered,
            abandoned: m.abandoned,
            connected: m.connected,
            wait_mean_s,
            wait_p95_s,
            simulated_s: (end - self.start) as f64 / 1000.0,
            events: self.events,
            stale_events: self.stale,
            client_hangups: self.client_hangups,
            finished,
            stop_reason: stop,
            timeseries: std::mem::take(&mut self.timeseries),
        }
    }
}

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 {
        a / b
    } else {
        0.0
    }
}

fn terminal(campaign: &Campaign) -> u64 {
    campaign
        .counts()
        .iter()
        .filter(|(s, _)| s.is_terminal())
        .map(|(_, n)| u64::from(n))
        .sum()
}

/// Mean and 95th percentile (nearest rank) of the waits, in seconds.
fn wait_stats(waits: &mut [u32]) -> (f64, f64) {
    if waits.is_empty() {
        return (0.0, 0.0);
    }
    let mean = waits.iter().map(|&w| u64::from(w)).sum::<u64>() as f64 / waits.len() as f64;
    let rank = ((waits.len() as f64) * 0.95).ceil() as usize;
    let idx = rank.clamp(1, waits.len()) - 1;
    let (_, p95, _) = waits.select_nth_unstable(idx);
    (mean / 1000.0, f64::from(*p95) / 1000.0)
}
