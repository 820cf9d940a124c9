//! The engine task: one loop owns the [`Campaign`] and is the only code that
//! calls it.
//!
//! Each turn it polls when the engine asks for it (`needs_poll()`, or the
//! clock at `next_deadline()`), carries out the commands, starts queued
//! dials as the trunk allows (`max_calls`, `cps`), fires the auto console's
//! ACW timers, flushes the event log, then sleeps until the earliest of the
//! engine's deadline, the next dial slot and the next ACW timer — or until
//! a call task reports, the console says something or a signal comes. Call
//! reports are mapped to engine events here ([`crate::mapping`]); an event
//! the engine refuses (a late message about an older attempt) is logged as
//! `engine_error` and changes nothing.
//!
//! **Trunk limits.** A `Dial` waits in a FIFO until fewer than `max_calls`
//! customer calls are up and the next CPS slot (`1000 / cps` ms apart) has
//! come (slots missed by the timer's 1 ms granularity are caught up within
//! 50 ms, so at most `cps / 20` INVITEs leave at once); a `Hangup` (ring
//! timeout) for a dial still waiting drops it
//! without an INVITE (`dial_dropped`).
//!
//! **Stopping.** SIGTERM, SIGINT or the console's `stop`: the campaign is
//! paused (no new offers or dials; the pause is journaled and lifted at the
//! next start), live calls go on to their end, ACWs are finished, the
//! journal is flushed, and the process exits 0. When every contact is
//! final (or invalid / blacklisted), the host stops the same way.
//!
//! **Restart.** Before the engine dials anything, the dialogs the previous
//! process left in flight (its crash log, [`crate::calllog`]) are ended on
//! the SIP side ([`crate::reaper`]): CANCEL for the ones still ringing, BYE
//! for answered ones. Only then is the engine polled, so a contact the
//! journal reconciled to `RetryScheduled` is never in two dialogs at once.
//!
//! **Replicated** (`[replica]`, [`crate::replicate`]): the campaign was
//! opened by the takeover ([`Host::start_opened`]); after every poll the
//! journal is flushed and shipped before any of the poll's commands is
//! carried out, and the dial FIFO releases an INVITE only while the lease
//! may emit. A refused publish or a lost lease ends the process (exit 4).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use dialcore::journal::FsyncPolicy;
use dialcore::{
    CallId, Campaign, Command, ContactId, DialcorePacer, Disposition, DurableOptions, Event, Mode,
    OperatorId, RecoveryReport, State,
};
use tokio::io::AsyncBufReadExt;
use tokio::signal::unix::{signal, Signal, SignalKind};
use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender};

use crate::calllog::{CallLog, EventLog, V};
use crate::config::HostConfig;
use crate::replicate::Shipper;
use crate::ua::{run_call, CallCtl, CallReport, Ua};

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finish {
    /// Every contact is final.
    Done,
    /// Stopped on request (signal or console); calls ended first.
    Stopped,
}

struct Live {
    ctl: UnboundedSender<CallCtl>,
    number: u64,
    /// The operator bound at Dial (preview, progressive, reserved
    /// retries): bridged as soon as the customer answers.
    operator: Option<OperatorId>,
    /// A final answer (2xx, non-2xx, transport error) was reported to the engine.
    reported: bool,
    answered: bool,
    /// The engine closed the call itself (Hangup, Abandon): no more events.
    engine_closed: bool,
    /// ClientHungUp / CallEnded was reported.
    ended: bool,
}

struct Acw {
    due: u64,
    operator: OperatorId,
    contact: ContactId,
}

/// The host: the campaign, the user agent and the bookkeeping between them.
pub struct Host {
    cfg: HostConfig,
    campaign: Campaign,
    ua: Arc<Ua>,
    log: EventLog,
    calls_log: Arc<Mutex<CallLog>>,
    live: HashMap<CallId, Live>,
    queue: VecDeque<(CallId, u64, Option<OperatorId>)>,
    next_slot: f64,
    acw: Vec<Acw>,
    reports_tx: UnboundedSender<(CallId, CallReport)>,
    reports: UnboundedReceiver<(CallId, CallReport)>,
    auto: bool,
    stopping: bool,
    commands: Vec<Command>,
    sigterm: Option<Signal>,
    sigint: Option<Signal>,
    /// Wall time spent inside the engine's `handle` and `poll` (the
    /// engine's share of the host's work, logged at exit).
    engine_time: Duration,
    /// The replication (`[replica]`): shipped after every poll.
    replica: Option<Shipper>,
}

async fn recv_signal(s: &mut Option<Signal>) {
    match s {
        Some(s) => {
            s.recv().await;
        }
        None => std::future::pending().await,
    }
}

impl std::fmt::Debug for Host {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Host")
            .field("live", &self.live.len())
            .field("queued", &self.queue.len())
            .finish()
    }
}

impl Host {
    /// Opens the campaign directory (the engine's crash recovery).
    pub fn open_campaign(cfg: &HostConfig) -> Result<(Campaign, RecoveryReport), String> {
        let config = cfg.campaign_config().map_err(|e| e.to_string())?;
        let fsync = match cfg.campaign.fsync_every_ms {
            0 => FsyncPolicy::Always,
            n => FsyncPolicy::EveryMs(n),
        };
        let options = DurableOptions {
            fsync,
            ..DurableOptions::default()
        };
        let dir = cfg.campaign_dir();
        Campaign::open_with(&dir, config, options).map_err(|e| format!("{}: {e}", dir.display()))
    }

    /// Opens the campaign (importing the contacts on the first start), logs
    /// the operators in, ends the previous process's leftover dialogs, and
    /// binds the SIP side.
    pub async fn start(cfg: HostConfig) -> Result<Host, String> {
        let opened = Host::open_campaign(&cfg)?;
        Host::start_opened(cfg, opened, None).await
    }

    /// [`Host::start`] on a campaign already opened; with `replica`, every
    /// poll is shipped before its commands are carried out.
    pub async fn start_opened(
        cfg: HostConfig,
        opened: (Campaign, RecoveryReport),
        replica: Option<Shipper>,
    ) -> Result<Host, String> {
        // First: a SIGTERM during the start (the reaper can take seconds)
        // is then a graceful stop at the first turn of the loop.
        let sigterm = signal(SignalKind::terminate()).map_err(|e| e.to_string())?;
        let sigint = signal(SignalKind::interrupt()).map_err(|e| e.to_string())?;
        let mut log = EventLog::open(&cfg.event_log_path())
            .map_err(|e| format!("{}: {e}", cfg.event_log_path().display()))?;
        let t = now_ms();
        let (mut campaign, report) = opened;
        if let Some(r) = &replica {
            log.line(t, "replica_primary", &[("token", V::N(r.token()))]);
        }
        log.line(
            t,
            "open",
            &[
                ("contacts", V::N(campaign.store().len() as u64)),
                ("reconciled", V::N(report.reconciled.len() as u64)),
            ],
        );
        for r in &report.reconciled {
            log.line(
                t,
                "reconciled",
                &[
                    ("contact", V::N(u64::from(r.contact.0))),
                    ("was", V::S(r.was.name())),
                    ("now", V::S(r.now.name())),
                    ("attempts", V::N(u64::from(r.attempts))),
                ],
            );
        }
        if campaign.store().is_empty() {
            let rep = campaign
                .import_csv_path(&cfg.contacts)
                .map_err(|e| format!("{}: {e}", cfg.contacts.display()))?;
            log.line(
                t,
                "import",
                &[("valid", V::N(rep.valid)), ("invalid", V::N(rep.invalid))],
            );
        }
        if campaign.config().mode == Mode::Predictive && cfg.campaign.pacer == "dialcore" {
            campaign.set_pacer(Box::new(DialcorePacer::default()));
        }
        let engine = |e: dialcore::EngineError| e.to_string();
        if campaign.is_paused() {
            campaign.handle(Event::Resume, t).map_err(engine)?;
        }
        while campaign.operators().len() < cfg.operators.uris.len() {
            campaign.add_operator();
        }
        for i in 0..cfg.operators.uris.len() as u32 {
            campaign
                .handle(Event::OperatorLogin(OperatorId(i)), t)
                .map_err(engine)?;
            campaign
                .handle(Event::OperatorReady(OperatorId(i)), t)
                .map_err(engine)?;
        }
        let (calls_log, leftovers) =
            CallLog::open(&cfg.data_dir).map_err(|e| format!("{}: {e}", cfg.data_dir.display()))?;
        let calls_log = Arc::new(Mutex::new(calls_log));
        log.flush();
        if !leftovers.is_empty() {
            crate::reaper::reap(
                cfg.trunk.local,
                cfg.trunk.address,
                &leftovers,
                &mut log,
                &calls_log,
            )
            .await?;
        }
        let run_tag = format!("{:x}", now_ms());
        let ua = Ua::start(
            cfg.trunk.local,
            cfg.trunk.address,
            &cfg.trunk.caller_id,
            run_tag,
        )
        .await?;
        let (reports_tx, reports) = mpsc::unbounded_channel();
        let auto = cfg.operators.console == "auto";
        Ok(Host {
            cfg,
            campaign,
            ua,
            log,
            calls_log,
            live: HashMap::new(),
            queue: VecDeque::new(),
            next_slot: 0.0,
            acw: Vec::new(),
            reports_tx,
            reports,
            auto,
            stopping: false,
            commands: Vec::new(),
            sigterm: Some(sigterm),
            sigint: Some(sigint),
            engine_time: Duration::ZERO,
            replica,
        })
    }

    fn handle(&mut self, event: Event, t: u64) {
        let started = Instant::now();
        let r = self.campaign.handle(event, t);
        self.engine_time += started.elapsed();
        if let Err(e) = r {
            self.log.line(
                t,
                "engine_error",
                &[
                    ("event", V::S(event.name())),
                    ("error", V::S(&e.to_string())),
                ],
            );
        }
    }

    fn timed_handle(&mut self, event: Event, t: u64) -> Result<(), dialcore::EngineError> {
        let started = Instant::now();
        let r = self.campaign.handle(event, t);
        self.engine_time += started.elapsed();
        r
    }

    fn all_final(&self) -> bool {
        self.campaign.counts().iter().all(|(s, n)| {
            n == 0 || s.is_terminal() || matches!(s, State::InvalidRecord | State::Blacklisted)
        })
    }

    /// Runs until every contact is final or a stop is asked for and the
    /// calls have ended.
    pub async fn run(mut self) -> Result<Finish, String> {
        let (mut sigterm, mut sigint) = (self.sigterm.take(), self.sigint.take());
        let (console_tx, mut console) = mpsc::unbounded_channel::<String>();
        if !self.auto {
            tokio::spawn(async move {
                let mut lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    if console_tx.send(line).is_err() {
                        break;
                    }
                }
            });
        } else {
            drop(console_tx);
        }
        let mut console_open = !self.auto;
        loop {
            let t = now_ms();
            if self.campaign.needs_poll() || self.campaign.next_deadline().is_some_and(|d| d <= t) {
                self.poll(t)?;
            }
            self.start_dials(t);
            self.fire_acw(t);
            self.log.flush();
            let idle = self.live.is_empty() && self.queue.is_empty() && self.acw.is_empty();
            if idle && !self.campaign.needs_poll() && (self.stopping || self.all_final()) {
                return self.finish(t);
            }
            let mut wake = self.campaign.next_deadline().unwrap_or(u64::MAX);
            if !self.queue.is_empty() && self.live.len() < self.cfg.trunk.max_calls {
                wake = wake.min(self.next_slot.ceil() as u64);
            }
            if let Some(a) = self.acw.iter().map(|a| a.due).min() {
                wake = wake.min(a);
            }
            let sleep = Duration::from_millis(wake.saturating_sub(now_ms()).min(3_600_000));
            tokio::select! {
                r = self.reports.recv() => {
                    if let Some((call, rep)) = r {
                        self.on_report(call, rep);
                        while let Ok((call, rep)) = self.reports.try_recv() {
                            self.on_report(call, rep);
                        }
                    }
                }
                line = console.recv(), if console_open => match line {
                    Some(line) => self.on_console(&line),
                    None => console_open = false,
                },
                _ = tokio::time::sleep(sleep) => {}
                _ = recv_signal(&mut sigterm) => self.stop("SIGTERM"),
                _ = recv_signal(&mut sigint) => self.stop("SIGINT"),
            }
        }
    }

    fn stop(&mut self, why: &str) {
        let t = now_ms();
        self.log.line(t, "stop", &[("why", V::S(why))]);
        if !self.stopping {
            self.stopping = true;
            self.handle(Event::Pause, t);
        }
    }

    fn finish(mut self, t: u64) -> Result<Finish, String> {
        for i in 0..self.campaign.store().len() as u32 {
            let id = ContactId(i);
            let store = self.campaign.store();
            let state = store.state(id).map(|s| s.name()).unwrap_or("?");
            let outcome = store.last_outcome(id).map(|o| o.name()).unwrap_or("?");
            let number = store.number(id).unwrap_or(0);
            let attempts = store.attempts(id).unwrap_or(0);
            self.log.line(
                t,
                "contact",
                &[
                    ("contact", V::N(u64::from(i))),
                    ("number", V::N(number)),
                    ("state", V::S(state)),
                    ("outcome", V::S(outcome)),
                    ("attempts", V::N(u64::from(attempts))),
                ],
            );
        }
        let finish = if self.stopping {
            Finish::Stopped
        } else {
            Finish::Done
        };
        self.campaign.flush().map_err(|e| e.to_string())?;
        if let Some(replica) = self.replica.take() {
            match replica.finish() {
                Ok(stats) => self.log.line(
                    t,
                    "replica_finish",
                    &[("acked", V::N(stats.acked)), ("resent", V::N(stats.resent))],
                ),
                Err(e) => {
                    self.log
                        .line(t, "deposed", &[("error", V::S(&e.to_string()))]);
                    self.log.flush();
                    crate::replicate::deposed(&e);
                }
            }
        }
        self.log.line(
            t,
            "exit",
            &[
                (
                    "finish",
                    V::S(if finish == Finish::Done {
                        "done"
                    } else {
                        "stopped"
                    }),
                ),
                ("engine_us", V::N(self.engine_time.as_micros() as u64)),
            ],
        );
        self.log.flush();
        self.ua.cancel.cancel();
        Ok(finish)
    }

    fn poll(&mut self, t: u64) -> Result<(), String> {
        let mut out = std::mem::take(&mut self.commands);
        out.clear();
        let started = Instant::now();
        let r = self.campaign.poll(t, &mut out);
        self.engine_time += started.elapsed();
        r.map_err(|e| e.to_string())?;
        if let Some(replica) = &self.replica {
            // Nothing of this poll leaves before JetStream holds it.
            self.campaign.flush().map_err(|e| e.to_string())?;
            if let Err(e) = replica.ship() {
                self.log
                    .line(t, "deposed", &[("error", V::S(&e.to_string()))]);
                self.log.flush();
                crate::replicate::deposed(&e);
            }
        }
        for cmd in out.drain(..) {
            self.execute(cmd, t);
        }
        self.commands = out;
        Ok(())
    }

    fn execute(&mut self, cmd: Command, t: u64) {
        match cmd {
            Command::Offer { contact, operator } => {
                self.log.line(
                    t,
                    "offer",
                    &[
                        ("contact", V::N(u64::from(contact.0))),
                        ("operator", V::N(u64::from(operator.0))),
                    ],
                );
                if self.auto {
                    self.handle(Event::OperatorAccepted { operator, contact }, t);
                } else {
                    let number = self.campaign.store().number(contact).unwrap_or(0);
                    println!("offer {} {} {number}", operator.0, contact.0);
                }
            }
            Command::Dial {
                call,
                number,
                operator,
                ..
            } => {
                let op = operator.map_or(u64::MAX, |o| u64::from(o.0));
                self.log.call(
                    t,
                    "dial",
                    call,
                    &[("number", V::N(number)), ("operator", V::N(op))],
                );
                self.queue.push_back((call, number, operator));
            }
            Command::Connect { call, operator } => {
                self.log.call(
                    t,
                    "connect",
                    call,
                    &[("operator", V::N(u64::from(operator.0)))],
                );
                let uri = self.cfg.operators.uris[operator.0 as usize].clone();
                if let Some(l) = self.live.get(&call) {
                    let _ = l.ctl.send(CallCtl::Connect { uri });
                }
            }
            Command::Abandon { call } => {
                self.log.call(t, "abandon", call, &[]);
                if let Some(l) = self.live.get_mut(&call) {
                    l.engine_closed = true;
                    let _ = l.ctl.send(CallCtl::Abandon);
                }
            }
            // Agentless mode: this host plays no message; it hangs up.
            Command::Play { call } => {
                self.log.call(t, "play", call, &[]);
                if let Some(l) = self.live.get_mut(&call) {
                    l.engine_closed = true;
                    let _ = l.ctl.send(CallCtl::Hangup);
                }
            }
            Command::Hangup { call } => {
                self.log.call(t, "hangup", call, &[]);
                if let Some(pos) = self.queue.iter().position(|(c, _, _)| *c == call) {
                    self.queue.remove(pos);
                    self.log.call(t, "dial_dropped", call, &[]);
                } else if let Some(l) = self.live.get_mut(&call) {
                    l.engine_closed = true;
                    let _ = l.ctl.send(CallCtl::Hangup);
                }
            }
            Command::Revoke { contact, operator } => {
                self.log.line(
                    t,
                    "revoke",
                    &[
                        ("contact", V::N(u64::from(contact.0))),
                        ("operator", V::N(u64::from(operator.0))),
                    ],
                );
                self.acw.retain(|a| a.contact != contact);
                if !self.auto {
                    println!("revoke {} {}", operator.0, contact.0);
                }
            }
        }
    }

    fn start_dials(&mut self, t: u64) {
        let gap = 1000.0 / f64::from(self.cfg.trunk.cps);
        while self.live.len() < self.cfg.trunk.max_calls && (t as f64) >= self.next_slot {
            if self.queue.is_empty() {
                break;
            }
            if self.replica.as_ref().is_some_and(|r| !r.may_emit()) {
                // The lease's renewal is late: hold the INVITEs (look again
                // in 5 ms; a lost lease has exited the process).
                self.next_slot = t as f64 + 5.0;
                break;
            }
            let Some((call, number, operator)) = self.queue.pop_front() else {
                break;
            };
            // Slots missed by timer granularity may be caught up within
            // 50 ms (at most cps / 20 INVITEs at once), no more.
            self.next_slot = self.next_slot.max(t as f64 - 50.0) + gap;
            let (ctl, ctl_rx) = mpsc::unbounded_channel();
            self.live.insert(
                call,
                Live {
                    ctl,
                    number,
                    operator,
                    reported: false,
                    answered: false,
                    engine_closed: false,
                    ended: false,
                },
            );
            tokio::spawn(run_call(
                self.ua.clone(),
                call,
                number,
                ctl_rx,
                self.reports_tx.clone(),
                self.calls_log.clone(),
            ));
        }
    }

    fn fire_acw(&mut self, t: u64) {
        let mut due = Vec::new();
        self.acw.retain(|a| {
            if a.due <= t {
                due.push((a.operator, a.contact));
                false
            } else {
                true
            }
        });
        for (operator, contact) in due {
            self.handle(
                Event::AcwDone {
                    operator,
                    contact,
                    disposition: Disposition::Done,
                },
                t,
            );
        }
    }

    /// After a connected call ended: the operator's ACW (auto console: done
    /// after `auto_acw_ms`; stdin: `acw OP CONTACT` is printed).
    fn after_call(&mut self, contact: ContactId, t: u64) {
        if self.campaign.state(contact) != Some(State::Acw) {
            return;
        }
        let Some(operator) = self.campaign.operator_of(contact) else {
            return;
        };
        if self.auto {
            self.acw.push(Acw {
                due: t + self.cfg.operators.auto_acw_ms,
                operator,
                contact,
            });
        } else {
            println!("acw {} {}", operator.0, contact.0);
        }
    }

    fn on_report(&mut self, call: CallId, rep: CallReport) {
        let t = now_ms();
        let Some(l) = self.live.get_mut(&call) else {
            return;
        };
        let number = l.number;
        match rep {
            CallReport::Invited => self
                .log
                .call(t, "invite", call, &[("number", V::N(number))]),
            CallReport::Ringing(code) => {
                self.log
                    .call(t, "ringing", call, &[("code", V::N(u64::from(code)))])
            }
            CallReport::Answered { machine } => {
                l.answered = true;
                let report = !l.reported && !l.engine_closed;
                l.reported = true;
                // A machine's attempt is over for the engine at once (the
                // call task BYEs it): no CallEnded follows.
                l.ended |= machine;
                self.log.call(
                    t,
                    if machine { "machine" } else { "answered" },
                    call,
                    &[("number", V::N(number))],
                );
                let bound = l.operator.filter(|_| report && !machine);
                if let Some(op) = bound {
                    // Bound at Dial: the engine goes straight to
                    // CallInProgress (no Connect command), so bridge now.
                    let uri = self.cfg.operators.uris[op.0 as usize].clone();
                    let _ = l.ctl.send(CallCtl::Connect { uri });
                }
                if report {
                    let ev = if machine {
                        Event::AnsweredByMachine(call)
                    } else {
                        Event::Answered(call)
                    };
                    self.handle(ev, t);
                }
                if let Some(op) = bound {
                    self.log.call(
                        t,
                        "connect",
                        call,
                        &[("operator", V::N(u64::from(op.0))), ("bound", V::B(true))],
                    );
                }
            }
            CallReport::Final { code, outcome } => {
                let report = !l.reported && !l.engine_closed;
                l.reported = true;
                self.log.call(
                    t,
                    "final",
                    call,
                    &[("code", V::N(u64::from(code))), ("number", V::N(number))],
                );
                if report {
                    self.handle(outcome.event(call), t);
                }
            }
            CallReport::CancelSent => self
                .log
                .call(t, "cancel", call, &[("number", V::N(number))]),
            CallReport::Cancelled(code) => self.log.call(
                t,
                "cancelled",
                call,
                &[("code", V::N(u64::from(code.unwrap_or(0))))],
            ),
            CallReport::TransportError(e) => {
                self.log
                    .call(t, "transport_error", call, &[("error", V::S(&e))]);
                if !l.reported && !l.engine_closed {
                    l.reported = true;
                    self.handle(Event::DialFailed(call), t);
                } else if l.answered && !l.engine_closed && !l.ended {
                    l.ended = true;
                    self.handle(Event::CallEnded(call), t);
                    self.after_call(call.contact, t);
                }
            }
            CallReport::CustomerBye => {
                self.log
                    .call(t, "customer_bye", call, &[("number", V::N(number))]);
                if !l.engine_closed && !l.ended {
                    l.ended = true;
                    self.handle(Event::ClientHungUp(call), t);
                    self.after_call(call.contact, t);
                }
            }
            CallReport::ByeSent(why) => self.log.call(
                t,
                "bye",
                call,
                &[("why", V::S(why)), ("number", V::N(number))],
            ),
            CallReport::OperatorInvited => self.log.call(t, "operator_invite", call, &[]),
            CallReport::OperatorAnswered => self.log.call(t, "bridged", call, &[]),
            CallReport::OperatorFailed(_) | CallReport::OperatorBye => {
                let code = match rep {
                    CallReport::OperatorFailed(c) => c.unwrap_or(0),
                    _ => 0,
                };
                self.log
                    .call(t, "operator_end", call, &[("code", V::N(u64::from(code)))]);
                if !l.engine_closed && !l.ended {
                    l.ended = true;
                    self.handle(Event::CallEnded(call), t);
                    self.after_call(call.contact, t);
                }
            }
            CallReport::Ended => {
                self.log.call(t, "end", call, &[("number", V::N(number))]);
                let l = self.live.remove(&call);
                // A call task that ended without any final answer (it
                // cannot, but the engine must not wait forever for one).
                if let Some(l) = l {
                    if !l.reported && !l.engine_closed {
                        self.handle(Event::DialFailed(call), t);
                    } else if l.answered && !l.engine_closed && !l.ended {
                        self.handle(Event::CallEnded(call), t);
                        self.after_call(call.contact, t);
                    }
                }
            }
        }
    }

    fn on_console(&mut self, line: &str) {
        let t = now_ms();
        match crate::console::parse(line) {
            Ok(crate::console::Command::Stop) => {
                self.stop("console");
                println!("ok");
            }
            Ok(crate::console::Command::Event(ev)) => match self.timed_handle(ev, t) {
                Ok(()) => println!("ok"),
                Err(e) => println!("error {e}"),
            },
            Err(e) => println!("error {e}"),
        }
    }
}
