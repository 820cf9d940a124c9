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
//! The source is grouped by job, one folder each (their module docs say more):
//! - `contacts`: [`state`] (the 17 state codes and the one transition table),
//!   [`store`] (the struct-of-arrays contact store), [`phone`] (E.164 parsing
//!   and the number gate), [`import`] (CSV with a per-row report).
//! - `compliance`: [`blacklist`] (the do-not-call set), [`window`] (weekly
//!   calling windows in local time), [`zones`] (interned time zones), [`nanp`] (NANP area code → region and
//!   zones), [`meter`]
//!   (abandon-rate meters over rolling windows).
//! - `timing`: [`wheel`] (the hierarchical timer wheel), [`retry`] (the retry
//!   policy and attempt caps).
//! - `durability`: [`journal`], [`snapshot`] and [`lockfile`] file formats.
//! - `engine`: [`campaign`] ([`Campaign`] takes events and `now_ms`, hands
//!   back commands), [`config`], [`event`] (the host protocol), [`operators`].
//! - [`floor`]: building blocks of the floor (many campaigns sharing
//!   operators, trunks, do-not-call lists and caps); not wired in yet.
//! - [`pacing`]: the [`Pacer`] trait, the dialcore pacer and the fixed-ratio pacer.
//! - [`records`]: attempt records (one per call attempt) built from a data
//!   directory's journal, for `dialcore records` / `audit` and Python.
//!
//! Each module is also re-exported at the crate root (`dialcore::store`,
//! `dialcore::journal`, …), the paths hosts have always used.
#![forbid(unsafe_code)]
#![warn(
    missing_docs,
    missing_debug_implementations,
    rust_2018_idioms,
    unreachable_pub
)]

mod compliance;
mod contacts;
mod durability;
mod engine;
pub mod floor;
pub mod pacing;
pub mod records;
mod timing;

pub use compliance::{blacklist, meter, nanp, rules, window, zones};
pub(crate) use contacts::index;
pub use contacts::{import, phone, state, store};
pub use durability::{journal, lockfile, snapshot};
pub(crate) use engine::queue;
pub use engine::{campaign, config, event, operators};
pub use timing::{retry, wheel};

pub use campaign::durable::{
    lease_token, ConfigChange, ConfigFieldKind, DurableOptions, JournalRetention, OpenError,
    RecoveryReport,
};
pub use campaign::{Campaign, EngineError, Metrics};
pub use config::{CampaignConfig, ConfigError, Mode};
pub use event::{CallId, Command, Disposition, Event, OperatorId};
pub use floor::{Floor, FloorCommand, FloorError, FloorEvent, FloorOpenError, FloorRecovery};
pub use pacing::{DialcorePacer, FixedRatioPacer, Pacer, PacingInputs, PacingStats};
pub use state::{Outcome, State, Trigger};
pub use store::{ContactId, ContactStore};
