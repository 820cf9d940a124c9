//! The engine: a [`campaign::Campaign`] takes events and `now_ms` and hands
//! back commands.
//!
//! The host protocol is in [`event`] ([`event::Event`]s in, [`event::Command`]s
//! out), the settings and their validation in [`config`], operator states and
//! longest-idle routing in [`operators`], and the selection queue of who is
//! dialed next in `queue`. [`campaign`] ties them to the contacts, compliance,
//! timing, pacing and durability folders: `handle` records what happened and
//! `poll` alone decides, through one emission gate.

pub mod campaign;
pub mod config;
pub mod event;
pub mod operators;
pub(crate) mod queue;
