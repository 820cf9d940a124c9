//! # dialcore-sim
//!
//! A deterministic discrete-event simulation of a PBX, its operators and a
//! population of customers, driving a [`dialcore::Campaign`] through its
//! public host interface only — `handle(event, now_ms)`, `poll(now_ms, &mut
//! out)`, `next_deadline()` and the queries — exactly as a PBX plugin does.
//!
//! **Design.** Time is simulated milliseconds; nothing reads a clock. A
//! binary heap holds the simulated happenings (a customer answers after its
//! ring time, a talk ends, an operator finishes ACW or answers an offer, a
//! break starts or ends), ordered by time and then by a sequence number, so
//! ties resolve in scheduling order. Each step advances to the earlier of
//! the next happening and the engine's next timer, feeds the due happenings
//! to the engine, polls once, and reacts to the commands: a `Dial` draws the
//! customer's response for that attempt (human, machine, busy, unreachable,
//! dial failure, or no answer — then nothing is scheduled and the engine's
//! ring timeout hangs up), a `Connect` schedules the end of the talk and then
//! the ACW, an `Offer` schedules the operator's accept or decline, and
//! `Hangup` / `Abandon` / `Revoke` cancel what was scheduled for that call or
//! offer by bumping a generation number. Randomness comes from one seeded
//! xoshiro256** stream ([`rng`]), drawn in a fixed order: the same
//! [`Scenario`] gives the same [`SimReport`], byte for byte.
//!
//! A scenario's `[world]` table ([`World`], off by default) makes the world
//! less kind: answering-machine detection that takes time and errs, setup
//! and bridge latency, trunk lines, bad hours and bursts, and operators who
//! announce their breaks and logouts (`Event::OperatorLeaving`). Off, it
//! draws nothing, so every scenario without it reproduces byte for byte.
//!
//! The run stops when every contact is terminal, when `until_hours` of
//! simulated time have passed, or when nothing can happen any more (no
//! happening, no engine timer: [`StopReason::Stalled`]). One [`MinuteRow`]
//! is recorded per simulated minute.
//!
//! ```no_run
//! let scenario = dialcore_sim::Scenario::default();
//! let report = dialcore_sim::run(&scenario, &mut |_| {}).unwrap();
//! println!("{}", report.render_text());
//! ```
#![forbid(unsafe_code)]
#![warn(
    missing_docs,
    missing_debug_implementations,
    rust_2018_idioms,
    unreachable_pub
)]

mod driver;
pub mod eval;
pub mod floor;
pub mod pacers;
mod report;
pub mod rng;
mod scenario;
pub mod world;

pub use dialcore::Mode;
pub use driver::{
    run, run_durable, run_opened, run_paced, scenario_pacer, CommandHook, PacedRun, Progress,
    SimError, WorldCounts,
};
pub use report::{MinuteRow, SimReport, StopReason};
pub use scenario::{
    scenario_key, CampaignSettings, CustomerModel, Drift, GuardName, ModeName, OperatorModel,
    PacerName, RetryDelay, Scenario, ScenarioError, StaffStep, WindowName, DEFAULT_START_MS,
};
pub use world::World;
