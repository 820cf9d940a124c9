//! dialcore-replica: a warm standby for a dialcore campaign over NATS
//! JetStream — a dead dialer server costs seconds, never a double dial.
//!
//! **Design.** The unit of replication is the data directory's bytes, not
//! decoded state. After every poll the primary's [`tail::JournalTail`]
//! reads the whole journal frames the engine wrote since the last poll
//! (and, after a snapshot's rotation, the new snapshot file) as
//! [`wire::Chunk`]s, and [`link::Publisher`] sends them to one JetStream
//! stream with message id `generation:offset:token`, so a resend is dropped by
//! the server. The standby's [`link::Follower`] reads the stream in order
//! and [`mirror::Mirror`] writes each chunk at the same offset of the same
//! file in its own data directory: the journals are byte-identical, and the
//! standby has no apply code of its own — taking over *is* the engine's
//! crash recovery (`Campaign::open`: replay, then live contacts reconciled
//! to RetryScheduled or Success and listed for the host).
//!
//! **No double dial** (synchronous mode, [`link::Mode::Sync`]): the host
//! hands out a poll's commands only after JetStream acknowledged the chunk
//! holding the records that decided them — one pipelined publish-and-ack
//! round per poll for everything since the last (group commit). Every Dial
//! a host ever saw is therefore in the stream, and the standby replays it
//! before it dials anything. [`link::Mode::Async`] publishes without
//! waiting, with at most `window` unacknowledged messages: after a crash
//! up to that many polls may be lost, and their Dials may be dialed again.
//!
//! **One writer at a time.** [`lease::Lease`] is a key in a JetStream
//! key-value bucket, taken with *create* (or with *update by revision*
//! once the holder has stopped renewing for the TTL) and renewed by
//! revision; the revision at which it was won is the writer's **fencing
//! token**. The new primary writes it into the journal (record kind 17,
//! `Campaign::journal_lease`) and stamps every chunk with it; the mirror
//! refuses chunks with a lower token. The stream itself is fenced too:
//! every publish carries `Nats-Expected-Last-Sequence`, so a primary that
//! was only paused and comes back after a takeover gets "wrong last
//! sequence" on its next publish and stops before handing out anything;
//! and the new primary publishes its first chunk expecting the sequence it
//! replayed up to, so a record the old primary slipped in before that is
//! replayed first, never lost. See `node` for the takeover steps.
#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

pub mod lease;
pub mod link;
pub mod mirror;
pub mod node;
pub mod tail;
pub mod wire;

pub use link::{Error, Lag, Mode};
pub use node::{NodeOptions, Primary, Standby, TakeoverInfo};
