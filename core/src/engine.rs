//! The engine: a [`campaign::Campaign`] takes events and `now_ms` and hands
//! back commands.
//!
//! The host protocol is in [`event`] ([`event::Event`]s in, [`event::Command`]s
//! out), the settings and their validation in [`config`], operator states and
//! longest-idle routing in [`operators`], and the selection queues of who is
//! dialed next (one per time zone) in `queue`. [`campaign`] ties them to the
//! contacts, compliance, timing, pacing and durability folders: `handle`
//! records what happened and `poll` alone decides, through one emission gate.
//!
//! `Campaign` is split into parts with one job each, under `campaign/`:
//! `setup` (contacts, operators, bulk blacklist in), `queries`, `events`
//! (checks and dispatch), `inflight` (the calls in flight, one record per
//! call, and the numbers they hold), `calls` (a call's lifecycle from answer
//! to end), `binding` (operators: offers, login, ready, pause, logout),
//! `admin` (pause, resume, cancel, remove, blacklist changes), `timers`
//! (what a contact's or zone's timer does), `guard` (the compliance guard),
//! `selection` (who is offered or dialed next), `dialing` (the poll loop,
//! the one `dial`, predictive pacing), `counters` (one `record(fact)` for
//! metrics, meters, history, pacing and journal, shared with replay),
//! `gate` (the emission gate) and `durable` (journal, snapshot, recovery).

pub mod campaign;
pub mod config;
pub mod event;
pub mod operators;
pub(crate) mod queue;
