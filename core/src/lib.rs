//! # dialcore
//!
//! A high-throughput dialing core for outbound telephone campaigns. It owns the
//! contacts of a campaign and their states, decides who is dialed when and by
//! which operator, and tells the telephony side (a PBX plugin) what to do. It
//! does no telephony itself: a host feeds it events and the current time
//! (`now_ms`), and it hands back commands.
//!
//! The crate never reads a clock, never spawns a thread and holds no global
//! state: the same inputs give the same outputs, byte for byte.
//!
//! Modules, each with one job:
//! - [`state`]: the 17 contact state codes and the one transition table.
//! - [`store`]: the struct-of-arrays contact store with O(1) per-state counts.
//! - [`phone`]: phone number normalization to E.164 digits in a `u64`.
//! - [`zones`]: interned IANA time zones, one `u16` per contact.
//! - [`blacklist`]: the do-not-call set and the number → contacts index.
//! - [`wheel`]: the hierarchical timer wheel with intrusive `u32` links.
//! - [`import`]: CSV import with a per-row report.
//! - [`campaign`]: the engine — [`Campaign`] takes events and `now_ms`, hands back commands.
//! - [`config`]: campaign configuration ([`CampaignConfig`], [`Mode`]) and its validation.
//! - [`event`]: the host protocol, [`Event`]s in and [`Command`]s out.
//! - [`operators`]: operator states and longest-idle routing.
//! - [`retry`]: the retry policy per outcome and the attempt caps.
//! - [`window`]: weekly calling windows in each contact's local time.
//! - [`meter`]: abandon-rate meters over rolling windows.
//! - [`pacing`]: the [`Pacer`] trait, the dialcore pacer and the fixed-ratio pacer.
//! - [`journal`]: the journal file format: sequenced, checksummed records that survive damage in the middle, fsync policy.
//! - [`snapshot`]: the snapshot file format: checksummed sections, atomic replacement.
//! - [`lockfile`]: the exclusive lock on a data directory.
#![forbid(unsafe_code)]
#![warn(
    missing_docs,
    missing_debug_implementations,
    rust_2018_idioms,
    unreachable_pub
)]

pub mod blacklist;
pub mod campaign;
pub mod config;
pub mod event;
pub mod import;
mod index;
pub mod journal;
pub mod lockfile;
pub mod meter;
pub mod operators;
pub mod pacing;
pub mod phone;
mod queue;
pub mod retry;
pub mod snapshot;
pub mod state;
pub mod store;
pub mod wheel;
pub mod window;
pub mod zones;

pub use campaign::durable::{
    ConfigChange, ConfigFieldKind, DurableOptions, OpenError, RecoveryReport,
};
pub use campaign::{Campaign, EngineError, Metrics};
pub use config::{CampaignConfig, ConfigError, Mode};
pub use event::{CallId, Command, Disposition, Event, OperatorId};
pub use pacing::{DialcorePacer, FixedRatioPacer, Pacer, PacingInputs, PacingStats};
pub use state::{Outcome, State, Trigger};
pub use store::{ContactId, ContactStore};
