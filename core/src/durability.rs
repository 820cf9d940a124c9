//! Durability: the file formats that let a campaign survive a crash.
//!
//! Every transition is appended to the [`journal`] (sequenced, checksummed
//! frames that survive damage in the middle); a [`snapshot`] holds the whole
//! state so recovery replays only the journal written since; the [`lockfile`]
//! keeps a second process off a data directory. How a campaign writes and
//! recovers through them is the engine's `campaign::durable` part.

pub mod journal;
pub mod lockfile;
pub mod snapshot;
