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
    CallId, Campaign, Command, ConfigError, ContactId, DialcorePacer, Disposition, EngineError,
    Event, FixedRatioPacer, Mode, OperatorId, Pacer, State,
};

use crate::report::{MinuteRow, SimReport, StopReason};
use crate::rng::{LogNormal, Rng};
use crate::scenario::{secs_to_ms, PacerName, Scenario, ScenarioError};
use crate::world::{uniform_ms, WorldState};

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
    /// The data directory could not be opened or written (durable runs).
    Durable(String),
    /// The scenario's calling rules do not load.
    Rules(String),
}

impl fmt::Display for SimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SimError::Scenario(e) => e.fmt(f),
            SimError::Config(e) => write!(f, "campaign configuration: {e}"),
            SimError::Engine(e) => write!(f, "engine error during simulation: {e}"),
            SimError::Durable(e) => write!(f, "data directory: {e}"),
            SimError::Rules(e) => f.write_str(e),
        }
    }
}

impl std::error::Error for SimError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SimError::Scenario(e) => Some(e),
            SimError::Config(e) => Some(e),
            SimError::Engine(e) => Some(e),
            SimError::Durable(_) | SimError::Rules(_) => None,
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
    /// A live pickup the detector took for a machine (hung up on).
    HumanAsMachine,
    /// A machine the detector passed on as a human.
    MachineAsHuman,
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
        /// Detection time after the pickup, ms (the client was on the line).
        amd_ms: u64,
    },
    /// A waiting client's patience runs out.
    Patience { call: CallId, gen: u32 },
    /// The talk ends (the operator hangs up).
    TalkEnd {
        call: CallId,
        gen: u32,
        operator: OperatorId,
    },
    /// Agentless: the message played to its end (the call is over).
    MessageEnd { call: CallId, gen: u32 },
    /// The operator finishes ACW (begun at `started`).
    AcwEnd {
        operator: OperatorId,
        contact: ContactId,
        gen: u32,
        started: u64,
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
    /// Staffing changes: this many operators logged in from now on.
    Staff { operators: usize },
    /// The operator announces a break starting at `at`.
    BreakNotice { operator: OperatorId, at: u64 },
    /// The operators the staffing step at `at` logs out announce it.
    StaffNotice { operators: usize, at: u64 },
}

/// What the sim knows about one operator.
#[derive(Debug, Clone, Copy, Default)]
struct OpSim {
    gen: u32,
    on_break: bool,
    break_end_scheduled: bool,
    ready_scheduled: bool,
    /// Logged in by the scenario (staffing steps log operators out and in).
    active: bool,
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
    /// Busy/unreachable signal time: uniform between `signal_ms` and this.
    signal_max_ms: Option<u64>,
    /// Answering machines reported after this time from the dial.
    machine: Option<LogNormal>,
    /// Uniform ACW bounds, ms.
    acw_uniform: Option<(u64, u64)>,
    /// From this time on, talk times come from this distribution.
    talk_after: Option<(u64, LogNormal)>,
    /// The human-answer probability drifts from `.0` to `.1` between
    /// `.2` and `.2 + .3` ms.
    p_drift: Option<(f64, f64, u64, u64)>,
    /// The human-answer probability of each extra number (#1, #2 …).
    extra_p_human: [Option<f64>; 15],
}

/// Runs a scenario to completion (or its time limit) and reports.
/// `progress` is called about once per simulated minute.
pub fn run(scenario: &Scenario, progress: &mut dyn FnMut(Progress)) -> Result<SimReport, SimError> {
    run_paced(scenario, scenario_pacer(scenario), progress).map(|r| r.report)
}

/// The pacer a scenario names (`campaign.pacer`).
pub fn scenario_pacer(scenario: &Scenario) -> Box<dyn Pacer> {
    match scenario.campaign.pacer {
        PacerName::Dialcore => Box::new(DialcorePacer::default()),
        PacerName::FixedRatio => Box::new(FixedRatioPacer::new(scenario.campaign.predictive_ratio)),
    }
}

/// A run's report plus the operator time figures pacing is judged by.
#[derive(Debug, Clone)]
pub struct PacedRun {
    /// The simulator's report.
    pub report: SimReport,
    /// Total talk time of all operators, ms.
    pub talk_ms: u64,
    /// Total after-call work of all operators, ms.
    pub acw_ms: u64,
    /// Total logged-in (staffed) time of all operators, ms.
    pub staffed_ms: u64,
    /// What the less kind world did ([`crate::World`]; zeros when it is off).
    pub world: WorldCounts,
}

/// What the less kind world did in a run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorldCounts {
    /// Live pickups the detector took for machines and hung up on: answered
    /// and abandoned, for the regulators.
    pub amd_dropped: u64,
    /// The same, per simulated minute (index = minute since the start).
    pub amd_dropped_by_minute: Vec<u32>,
    /// Machines the detector passed on as humans (reported answered).
    pub machines_passed: u64,
    /// Dials refused because every trunk line was held.
    pub line_blocked: u64,
    /// Most lines held at once.
    pub lines_peak: usize,
    /// Announcements of an operator leaving sent to the engine.
    pub leaving_notices: u64,
    /// Operator time on breaks that ended within the run, ms (counted in
    /// the staffed time, but nobody can take a call then).
    pub break_ms: u64,
}

/// Runs a scenario with the given predictive pacer (ignored in preview and
/// progressive mode) and reports, with the operators' talk, ACW and staffed
/// time.
pub fn run_paced(
    scenario: &Scenario,
    pacer: Box<dyn Pacer>,
    progress: &mut dyn FnMut(Progress),
) -> Result<PacedRun, SimError> {
    scenario.validate().map_err(SimError::Scenario)?;
    let config = scenario.campaign_config()?;
    let mut campaign = Campaign::new(config)?;
    load_rules(scenario, &mut campaign)?;
    campaign.set_pacer(pacer);
    let mut sim = Sim::new(scenario, &mut campaign, false)?;
    let report = sim.run(&mut campaign, progress)?;
    let end = sim.start + (report.simulated_s * 1000.0).round() as u64;
    let m = campaign.metrics(end).map_err(SimError::Engine)?;
    Ok(PacedRun {
        report,
        talk_ms: m.talk_ms,
        acw_ms: sim.acw_ms,
        staffed_ms: m.logged_in_ms,
        world: std::mem::take(&mut sim.world_counts),
    })
}

/// Loads the scenario's calling rules (unless the campaign, recovered from
/// its data directory, has these already).
fn load_rules(scenario: &Scenario, campaign: &mut Campaign) -> Result<(), SimError> {
    match &scenario.rules {
        Some(text) if campaign.rules().map(|r| r.text.as_str()) != Some(text.as_str()) => campaign
            .load_rules(text)
            .map_err(|e| SimError::Rules(e.to_string())),
        _ => Ok(()),
    }
}

/// Sees the commands of every poll before the simulated PBX acts on them
/// (a durable run's host acknowledging dials, for crash tests).
pub type CommandHook = Box<dyn FnMut(&[Command])>;

/// Runs a scenario durably in the data directory `dir`: a new directory
/// gets the scenario's contacts; one holding a campaign (after a crash or a
/// time limit) is recovered and continued from where it stopped, with the
/// scenario's operators logging in again. `on_commands` sees every poll's
/// commands. The third value is the campaign's snapshot error still
/// standing at the end (`Campaign::snapshot_error`), if any.
pub fn run_durable(
    scenario: &Scenario,
    dir: &std::path::Path,
    options: dialcore::DurableOptions,
    on_commands: Option<CommandHook>,
    progress: &mut dyn FnMut(Progress),
) -> Result<(SimReport, dialcore::RecoveryReport, Option<String>), SimError> {
    scenario.validate().map_err(SimError::Scenario)?;
    let config = scenario.campaign_config()?;
    let (mut campaign, recovery) =
        Campaign::open_with(dir, config, options).map_err(|e| SimError::Durable(e.to_string()))?;
    let (report, snapshot_error) = run_opened(
        scenario,
        &mut campaign,
        !recovery.fresh,
        on_commands,
        progress,
    )?;
    Ok((report, recovery, snapshot_error))
}

/// [`run_durable`] on a campaign the caller opened (`resume`: it was
/// recovered, not fresh), for a host that writes to the journal between
/// the open and the first poll (a replication takeover's lease record).
/// Returns the report and the snapshot error still standing, if any.
pub fn run_opened(
    scenario: &Scenario,
    campaign: &mut Campaign,
    resume: bool,
    on_commands: Option<CommandHook>,
    progress: &mut dyn FnMut(Progress),
) -> Result<(SimReport, Option<String>), SimError> {
    scenario.validate().map_err(SimError::Scenario)?;
    load_rules(scenario, campaign)?;
    campaign.set_pacer(scenario_pacer(scenario));
    let mut sim = Sim::new(scenario, campaign, resume)?;
    sim.on_commands = on_commands;
    let report = sim.run(campaign, progress)?;
    campaign
        .flush()
        .map_err(|e| SimError::Durable(e.to_string()))?;
    // A snapshot still failing at the end: the run is not durable as asked.
    let snapshot_error = campaign.snapshot_error().map(|e| e.to_string());
    Ok((report, snapshot_error))
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
    on_commands: Option<CommandHook>,
    acw_ms: u64,
    w: WorldState,
    line_held: Vec<bool>,
    lines_in_use: usize,
    machine_passed: Vec<bool>,
    world_counts: WorldCounts,
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
    /// Prepares a run; `resume` continues a recovered campaign (its contacts
    /// and operators exist, time goes on from the campaign's).
    fn new(scenario: &Scenario, campaign: &mut Campaign, resume: bool) -> Result<Sim, SimError> {
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
            signal_max_ms: c.signal_max_s.map(|s| secs_to_ms(s).max(1)),
            machine: c
                .machine_mean_s
                .map(|m| LogNormal::new(m.max(1e-3), c.machine_sd_s)),
            acw_uniform: o
                .acw_min_s
                .zip(o.acw_max_s)
                .map(|(lo, hi)| (secs_to_ms(lo), secs_to_ms(hi))),
            talk_after: None,
            p_drift: None,
            extra_p_human: std::array::from_fn(|k| c.extra_numbers_p_human.get(k).copied()),
        };
        let mut d = d;
        let start_at = scenario.start_ms.max(campaign.now_ms());
        let drift = &scenario.drift;
        if let Some(mean) = drift.talk_mean_after_s {
            let cv = c.talk_sd_s / c.talk_mean_s;
            let at = start_at + secs_to_ms(drift.talk_shift_at_hour * 3_600.0);
            d.talk_after = Some((at, LogNormal::new(mean, mean * cv)));
        }
        if let (Some(end), Some(hours)) = (drift.p_human_end, scenario.until_hours) {
            let span = secs_to_ms(hours * 3_600.0).max(1);
            d.p_drift = Some((c.p_human, end, start_at, span));
        }
        // Distinct synthetic numbers: +1 200 000 0000 onwards. A resumed
        // campaign has them already — all, or the first part when the run
        // was killed while the list was being added.
        let have = if resume { campaign.store().len() } else { 0 };
        if have < scenario.contacts && !c.extra_numbers_p_human.is_empty() {
            // Several numbers a customer: #0 as above, #k at +1 4xx….
            let texts: Vec<Vec<String>> = (have as u64..scenario.contacts as u64)
                .map(|i| {
                    (0..=c.extra_numbers_p_human.len() as u64)
                        .map(|k| match k {
                            0 => format!("+{}", 12_000_000_000 + i),
                            k => format!("+{}", 14_000_000_000 + i * 16 + k),
                        })
                        .collect()
                })
                .collect();
            let inputs: Vec<Vec<dialcore::campaign::several::PhoneInput<'_>>> = texts
                .iter()
                .map(|t| {
                    t.iter()
                        .map(|p| dialcore::campaign::several::PhoneInput::new(p))
                        .collect()
                })
                .collect();
            let rows: Vec<dialcore::campaign::several::ContactNumbersRow<'_>> = inputs
                .iter()
                .map(|phones| dialcore::campaign::several::ContactNumbersRow {
                    phones,
                    ..Default::default()
                })
                .collect();
            campaign
                .add_contacts_numbers(&rows)
                .map_err(|e| SimError::Engine(e.error))?;
        } else if have < scenario.contacts {
            let numbers: Vec<u64> = (have as u64..scenario.contacts as u64)
                .map(|i| 12_000_000_000 + i)
                .collect();
            campaign
                .add_numbers(&numbers, 0)
                .map_err(SimError::Engine)?;
        }
        let contacts = campaign.store().len();
        let start = scenario.start_ms.max(campaign.now_ms());
        let mut sim = Sim {
            rng: Rng::new(scenario.seed),
            d,
            mode: scenario.mode(),
            acw_enabled: scenario.campaign.acw_enabled,
            heap: BinaryHeap::with_capacity(1024),
            seq: 0,
            call_gen: vec![0; contacts],
            ops: vec![OpSim::default(); scenario.operators],
            answered_at: HashMap::new(),
            waits_ms: Vec::new(),
            cmds: Vec::with_capacity(256),
            events: 0,
            stale: 0,
            client_hangups: 0,
            start,
            contacts: contacts as u64,
            timeseries: Vec::new(),
            last_answered: 0,
            last_abandoned: 0,
            scenario: scenario.clone(),
            on_commands: None,
            acw_ms: 0,
            w: if scenario.world.is_kind() {
                WorldState::default()
            } else {
                let span = secs_to_ms(scenario.until_hours.unwrap_or(24.0) * 3_600.0);
                WorldState::new(&scenario.world, scenario.seed, span)
            },
            line_held: vec![false; contacts],
            lines_in_use: 0,
            machine_passed: vec![false; contacts],
            world_counts: WorldCounts::default(),
        };
        let existing = campaign.operators().len();
        let staffed = scenario.drift.max_operators(scenario.operators);
        sim.ops.resize(staffed, OpSim::default());
        for i in 0..staffed {
            let op = if i < existing {
                OperatorId(i as u32)
            } else {
                campaign.add_operator()
            };
            if i >= scenario.operators {
                continue;
            }
            sim.ops[i].active = true;
            sim.send(campaign, Event::OperatorLogin(op), start)?;
            sim.send(campaign, Event::OperatorReady(op), start)?;
            if sim.d.break_every_ms > 0 {
                let at = start + sim.jitter(sim.d.break_every_ms);
                sim.schedule_break(at, op, start);
            }
        }
        for step in scenario.drift.staffing.clone() {
            let at = start + secs_to_ms(step.at_hour * 3_600.0);
            if sim.w.leave_notice_ms > 0 {
                let notice = at.saturating_sub(sim.w.leave_notice_ms).max(start);
                sim.schedule(
                    notice,
                    SimEvent::StaffNotice {
                        operators: step.operators,
                        at,
                    },
                );
            }
            sim.schedule(
                at,
                SimEvent::Staff {
                    operators: step.operators,
                },
            );
        }
        Ok(sim)
    }

    /// `base` ± 25%, so operators do not all break at once.
    fn jitter(&mut self, base: u64) -> u64 {
        ((base as f64) * (0.75 + 0.5 * self.rng.unit()))
            .round()
            .max(1.0) as u64
    }

    /// Schedules an operator's break at `at`, announced ahead when the world
    /// says so.
    fn schedule_break(&mut self, at: u64, operator: OperatorId, now: u64) {
        if self.w.leave_notice_ms > 0 {
            let notice = at.saturating_sub(self.w.leave_notice_ms).max(now);
            self.schedule(notice, SimEvent::BreakNotice { operator, at });
        }
        self.schedule(at, SimEvent::BreakStart { operator });
    }

    /// Takes a trunk line for the call to `contact`.
    fn take_line(&mut self, contact: ContactId) {
        let held = &mut self.line_held[contact.index()];
        if !*held {
            *held = true;
            self.lines_in_use += 1;
            let peak = &mut self.world_counts.lines_peak;
            *peak = (*peak).max(self.lines_in_use);
        }
    }

    /// Frees the line of the call to `contact`, if it holds one.
    fn release_line(&mut self, contact: ContactId) {
        let held = &mut self.line_held[contact.index()];
        if *held {
            *held = false;
            self.lines_in_use -= 1;
        }
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
                self.row(campaign, next_minute, progress)?;
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
            self.row(campaign, next_minute, progress)?;
            next_minute += 60_000;
        }
        self.report(campaign, now, stop)
    }

    fn row(
        &mut self,
        campaign: &mut Campaign,
        at: u64,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<(), SimError> {
        let m = campaign.metrics(at).map_err(SimError::Engine)?;
        let counts = campaign.counts();
        let in_flight = counts.get(State::Calling) + counts.get(State::CallInProgress) + m.waiting;
        self.timeseries.push(MinuteRow {
            minute: (at - self.start) / 60_000,
            ready_operators: m.ready_operators,
            calls_in_flight: in_flight,
            answered: m.answered - self.last_answered,
            abandoned: m.abandoned - self.last_abandoned,
            cumulative_abandon_rate: m.abandon_rate,
            guarded_abandon_rate: campaign
                .guarded_abandon_rate(at)
                .map_err(SimError::Engine)?,
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
        Ok(())
    }

    fn poll(&mut self, campaign: &mut Campaign, now: u64) -> Result<(), SimError> {
        let mut cmds = std::mem::take(&mut self.cmds);
        cmds.clear();
        campaign.poll(now, &mut cmds).map_err(SimError::Engine)?;
        if let Some(e) = campaign.durability_error() {
            return Err(SimError::Durable(e.to_string()));
        }
        if let Some(hook) = self.on_commands.as_mut() {
            hook(&cmds);
        }
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
            Command::Dial {
                call,
                operator,
                number_index,
                ..
            } => {
                let gen = self.call_gen[call.contact.index()];
                if self.w.lines > 0 && self.lines_in_use >= self.w.lines {
                    // Congestion: the trunk refuses the call at once.
                    self.world_counts.line_blocked += 1;
                    let outcome = SimEvent::Outcome {
                        call,
                        gen,
                        report: CallReport::Failed,
                        operator,
                        amd_ms: 0,
                    };
                    self.schedule(now + 50, outcome);
                    return;
                }
                // Lines are counted whether or not the trunk limits them.
                self.take_line(call.contact);
                let u = self.rng.unit();
                let t = self.thresholds_of(now, number_index);
                let setup = match self.w.setup {
                    Some(range) => uniform_ms(&mut self.rng, range),
                    None => 0,
                };
                let mut amd_ms = 0;
                let (report, delay) = if u < t[1] {
                    let human = u < t[0];
                    let ring = match self.d.machine {
                        Some(machine) if !human => machine.sample_ms(&mut self.rng),
                        _ => self.d.ring.sample_ms(&mut self.rng),
                    };
                    if let (true, Some(range)) = (human, self.w.amd) {
                        amd_ms = uniform_ms(&mut self.rng, range);
                    }
                    if ring + setup + amd_ms >= self.d.ring_timeout_ms {
                        return; // rings out: the engine's ring timeout hangs up
                    }
                    let w = &self.w;
                    if human {
                        let dropped = w.false_machine > 0.0 && self.rng.chance(w.false_machine);
                        let report = if dropped {
                            CallReport::HumanAsMachine
                        } else {
                            CallReport::Human
                        };
                        (report, ring + amd_ms)
                    } else {
                        let passed = w.false_human > 0.0 && self.rng.chance(w.false_human);
                        let report = if passed {
                            CallReport::MachineAsHuman
                        } else {
                            CallReport::Machine
                        };
                        if self.d.machine.is_some() {
                            (report, ring)
                        } else {
                            (report, ring + self.d.machine_detect_ms)
                        }
                    }
                } else if u < t[2] {
                    (CallReport::Busy, self.signal_ms())
                } else if u < t[3] {
                    (CallReport::Unreachable, self.signal_ms())
                } else if u < t[4] {
                    (CallReport::Failed, 50)
                } else {
                    return; // no answer
                };
                self.schedule(
                    now + setup + delay,
                    SimEvent::Outcome {
                        call,
                        gen,
                        report,
                        operator,
                        amd_ms,
                    },
                );
            }
            Command::Connect { call, operator } => {
                let gen = self.bump(call.contact);
                let bridge = self.w.bridge_ms;
                self.record_wait(call.contact, now + bridge);
                let talk = self.call_talk_ms(call.contact, now);
                self.schedule(
                    now + bridge + talk,
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
                self.release_line(call.contact);
            }
            Command::Hangup { call } => {
                self.bump(call.contact);
                self.release_line(call.contact);
            }
            // Agentless: the message plays for a talk-time sample.
            Command::Play { call } => {
                let gen = self.bump(call.contact);
                let message = self.talk_ms(now);
                self.schedule(now + message, SimEvent::MessageEnd { call, gen });
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
                amd_ms,
            } => {
                if self.call_gen[call.contact.index()] != gen {
                    return Ok(());
                }
                let live = matches!(report, CallReport::Human | CallReport::MachineAsHuman);
                let ev = match report {
                    CallReport::Human | CallReport::MachineAsHuman => Event::Answered(call),
                    CallReport::Machine | CallReport::HumanAsMachine => {
                        Event::AnsweredByMachine(call)
                    }
                    CallReport::Busy => Event::Rejected(call),
                    CallReport::Unreachable => Event::Unreachable(call),
                    CallReport::Failed => Event::DialFailed(call),
                };
                let accepted = self.send(campaign, ev, now)?;
                if !live {
                    self.release_line(call.contact);
                    if accepted && report == CallReport::HumanAsMachine {
                        self.count_amd_drop(now);
                    }
                }
                if !accepted || !live {
                    return Ok(());
                }
                if report == CallReport::MachineAsHuman {
                    self.world_counts.machines_passed += 1;
                    self.machine_passed[call.contact.index()] = true;
                }
                match operator {
                    Some(op) => {
                        // Preview/progressive: the operator was on the line.
                        let talk = self.call_talk_ms(call.contact, now);
                        self.schedule(
                            now + talk,
                            SimEvent::TalkEnd {
                                call,
                                gen,
                                operator: op,
                            },
                        );
                    }
                    None if report == CallReport::MachineAsHuman => {
                        // A recording waits for whoever comes: no patience.
                    }
                    None => {
                        // The client has been on the line since the pickup.
                        let pickup = now - amd_ms;
                        self.answered_at.insert(call.contact.0, pickup);
                        if campaign.state(call.contact) == Some(State::AwaitingOperator) {
                            let patience = self.d.patience.sample_ms(&mut self.rng);
                            let at = (pickup + patience).max(now);
                            self.schedule(at, SimEvent::Patience { call, gen });
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
                    self.release_line(call.contact);
                }
            }
            SimEvent::MessageEnd { call, gen } => {
                if self.call_gen[call.contact.index()] != gen {
                    return Ok(());
                }
                self.bump(call.contact);
                self.send(campaign, Event::CallEnded(call), now)?;
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
                self.release_line(call.contact);
                if self.send(campaign, Event::CallEnded(call), now)? {
                    if self.acw_enabled && campaign.state(call.contact) == Some(State::Acw) {
                        let acw = self.acw_sample_ms();
                        let gen = self.ops[operator.0 as usize].gen;
                        self.schedule(
                            now + acw,
                            SimEvent::AcwEnd {
                                operator,
                                contact: call.contact,
                                gen,
                                started: now,
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
                started,
            } => {
                if self.ops[operator.0 as usize].gen != gen {
                    return Ok(());
                }
                let done = Event::AcwDone {
                    operator,
                    contact,
                    disposition: Disposition::Done,
                };
                if self.send(campaign, done, now)? {
                    self.acw_ms += now.saturating_sub(started);
                }
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
                if !op.on_break && op.active {
                    self.send(campaign, Event::OperatorReady(operator), now)?;
                }
            }
            SimEvent::BreakStart { operator } => {
                if !self.ops[operator.0 as usize].active {
                    return Ok(());
                }
                self.ops[operator.0 as usize].on_break = true;
                self.send(campaign, Event::OperatorPause(operator), now)?;
                self.check_operator(campaign, operator, now);
            }
            SimEvent::BreakEnd { operator } => {
                let op = &mut self.ops[operator.0 as usize];
                if op.break_end_scheduled {
                    self.world_counts.break_ms += self.d.break_ms;
                }
                op.on_break = false;
                op.break_end_scheduled = false;
                if !op.active {
                    return Ok(());
                }
                self.send(campaign, Event::OperatorReady(operator), now)?;
                let next = now + self.jitter(self.d.break_every_ms);
                self.schedule_break(next, operator, now);
            }
            SimEvent::Staff { operators } => self.staff(campaign, operators, now)?,
            SimEvent::BreakNotice { operator, at } => {
                let op = self.ops[operator.0 as usize];
                if op.active && !op.on_break {
                    self.announce_leaving(campaign, operator, at, now)?;
                }
            }
            SimEvent::StaffNotice { operators, at } => {
                // The operators `staff` will log out: the highest ids first.
                let mut active = self.ops.iter().filter(|o| o.active).count();
                for i in (0..self.ops.len()).rev() {
                    if active <= operators {
                        break;
                    }
                    if self.ops[i].active {
                        active -= 1;
                        self.announce_leaving(campaign, OperatorId(i as u32), at, now)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// Logs operators out (highest ids first; those busy finish their work)
    /// or in until `target` are logged in.
    fn staff(&mut self, campaign: &mut Campaign, target: usize, now: u64) -> Result<(), SimError> {
        let mut active = self.ops.iter().filter(|o| o.active).count();
        for i in (0..self.ops.len()).rev() {
            if active <= target {
                break;
            }
            if self.ops[i].active {
                self.ops[i].active = false;
                active -= 1;
                self.send(campaign, Event::OperatorLogout(OperatorId(i as u32)), now)?;
            }
        }
        for i in 0..self.ops.len() {
            if active >= target {
                break;
            }
            if !self.ops[i].active {
                self.ops[i].active = true;
                self.ops[i].on_break = false;
                active += 1;
                let op = OperatorId(i as u32);
                if campaign.operators().state(op) == Some(OperatorState::Offline) {
                    self.send(campaign, Event::OperatorLogin(op), now)?;
                }
                self.send(campaign, Event::OperatorReady(op), now)?;
            }
        }
        Ok(())
    }

    /// [`Sim::thresholds`] for the customer's number `index`: an extra
    /// number has its own human-answer probability, the other outcomes
    /// scaled to the rest.
    fn thresholds_of(&self, now: u64, index: u8) -> [f64; 5] {
        let t = self.thresholds(now);
        let Some(p) = usize::from(index)
            .checked_sub(1)
            .and_then(|k| self.d.extra_p_human.get(k).copied().flatten())
        else {
            return t;
        };
        let scale = if t[0] < 1.0 {
            (1.0 - p) / (1.0 - t[0])
        } else {
            0.0
        };
        let mut out = [p; 5];
        for i in 1..5 {
            out[i] = p + (t[i] - t[0]) * scale;
        }
        out
    }

    /// Cumulative outcome thresholds at `now` (with the answer-rate drift).
    fn thresholds(&self, now: u64) -> [f64; 5] {
        let factor = if self.w.varies {
            self.w.answer_factor(now.saturating_sub(self.start))
        } else {
            1.0
        };
        let base = self.d.thresholds;
        let p0 = base[0];
        let p = match self.d.p_drift {
            None if factor == 1.0 => return base,
            None => p0,
            Some((p0, p1, from, span)) => {
                let x = (now.saturating_sub(from) as f64 / span as f64).min(1.0);
                p0 + (p1 - p0) * x
            }
        };
        let p = if factor == 1.0 {
            p
        } else {
            (p * factor).min(1.0)
        };
        let scale = if p0 < 1.0 {
            (1.0 - p) / (1.0 - p0)
        } else {
            0.0
        };
        let mut t = [0.0; 5];
        t[0] = p;
        for i in 1..5 {
            t[i] = p + (base[i] - base[0]) * scale;
        }
        t
    }

    fn signal_ms(&mut self) -> u64 {
        match self.d.signal_max_ms {
            Some(max) if max > self.d.signal_ms => {
                let span = (max - self.d.signal_ms) as f64;
                self.d.signal_ms + (self.rng.unit() * span).round() as u64
            }
            _ => self.d.signal_ms,
        }
    }

    /// The talk of the call to `contact`: a recording's few seconds when the
    /// detector passed a machine on, a drawn talk time otherwise.
    fn call_talk_ms(&mut self, contact: ContactId, now: u64) -> u64 {
        if std::mem::take(&mut self.machine_passed[contact.index()]) {
            self.w.machine_talk_ms
        } else {
            self.talk_ms(now)
        }
    }

    /// Counts a live pickup the detector hung up on.
    fn count_amd_drop(&mut self, now: u64) {
        let c = &mut self.world_counts;
        c.amd_dropped += 1;
        let minute = (now.saturating_sub(self.start) / 60_000) as usize;
        if c.amd_dropped_by_minute.len() <= minute {
            c.amd_dropped_by_minute.resize(minute + 1, 0);
        }
        c.amd_dropped_by_minute[minute] += 1;
    }

    /// Tells the engine that `operator` leaves (break or logout) at `at`.
    fn announce_leaving(
        &mut self,
        campaign: &mut Campaign,
        operator: OperatorId,
        at: u64,
        now: u64,
    ) -> Result<(), SimError> {
        let event = Event::OperatorLeaving {
            operator,
            at_ms: at,
        };
        if self.send(campaign, event, now)? {
            self.world_counts.leaving_notices += 1;
        }
        Ok(())
    }

    fn talk_ms(&mut self, now: u64) -> u64 {
        match self.d.talk_after {
            Some((at, after)) if now >= at => after.sample_ms(&mut self.rng),
            _ => self.d.talk.sample_ms(&mut self.rng),
        }
    }

    fn acw_sample_ms(&mut self) -> u64 {
        match self.d.acw_uniform {
            Some((lo, hi)) => {
                (lo + (self.rng.unit() * hi.saturating_sub(lo) as f64).round() as u64).max(1)
            }
            None => self.d.acw.sample_ms(&mut self.rng),
        }
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

    fn report(
        &mut self,
        campaign: &mut Campaign,
        end: u64,
        stop: StopReason,
    ) -> Result<SimReport, SimError> {
        let m = campaign.metrics(end).map_err(SimError::Engine)?;
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
        Ok(SimReport {
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
        })
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
