//! # dialcore-sip
//!
//! A SIP dialer host on the dialcore engine: it reads one TOML file
//! ([`config`]), opens the campaign durably in its data directory, and
//! drives it from one task ([`host`]) that polls at the engine's
//! `next_deadline` or when an event arrives. Each customer call is its own
//! task ([`ua`]) on rsipstack (UDP), reporting SIP outcomes back over a
//! channel; [`mapping`] is the SIP ↔ engine table, [`console`] the operator
//! console's commands. [`calllog`] keeps the dialogs in flight on disk, so
//! that a restart after `kill -9` ends them ([`reaper`]) before it dials
//! again. The README's "Real calls" section has the sequence diagram, the
//! table and a config example.
#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

pub mod calllog;
pub mod config;
pub mod console;
pub mod host;
pub mod mapping;
pub mod reaper;
pub mod replicate;
pub mod ua;
