//! # dialcore-ffi: the C ABI of dialcore
//!
//! `libdialcore` (`cdylib` and `staticlib`) and the header `include/dialcore.h`,
//! generated from this crate by cbindgen (`ffi/cbindgen.toml`). Everything
//! exported is prefixed `dc_` / `DC_`.
//!
//! **Model.** A `dc_campaign` is an opaque handle around one
//! `dialcore::Campaign` behind a mutex, so several host threads may call into
//! one campaign at once (events from call threads, `dc_campaign_poll` from a
//! timer thread, queries from a status thread). Each call takes the lock
//! once; nothing blocks for longer than one engine call.
//!
//! **Getters.** The `lookup` module reads one contact, one operator's work,
//! the contacts in a state (paged) and the row-by-row CSV import report;
//! every string it gives is copied into the caller's buffer.
//!
//! **Ownership, threads, lock fairness** are stated at the top of the
//! header (`ffi/cbindgen.toml`): nothing the host passes is kept, handles
//! are the host's to free once, any call from any thread, and the lock
//! (`parking_lot::Mutex`) is eventually fair (a waiter gets it within about
//! 0.5 ms), not first-come first-served.
//!
//! **Durability.** `dc_campaign_open` makes the same handle from a data
//! directory (journal and snapshots) and recovers it after a crash; see the
//! `durable` module for its status codes and how a write failure shows.
//!
//! **Errors.** Every fallible function returns a `dc_status`; on anything but
//! `DC_STATUS_OK` it writes nothing to its out-parameters (except the
//! documented `*written = 0`) and the calling thread's
//! `dc_last_error_message()` names the bad input. No Rust panic crosses the
//! boundary: every entry point catches it and returns `DC_STATUS_PANIC`. A
//! campaign whose call panicked while holding its lock answers
//! `DC_STATUS_PANIC` from then on (its state may be half-updated); free it.
//!
//! **Safety contract of every function** (checked where C allows it):
//! pointers are NULL (reported as `DC_STATUS_NULL_POINTER` unless documented
//! as optional) or valid and aligned for the given length; strings are
//! NUL-terminated (their bytes are checked as UTF-8); a `dc_campaign*` comes
//! from `dc_campaign_new` or `dc_campaign_open` and is not used after
//! `dc_campaign_free`. Enum
//! fields of input structs are read as integers and checked, so a value
//! outside the enum gives `DC_STATUS_INVALID_ARGUMENT`, not undefined behavior.
//!
//! **Layout.** One module per job; the crate root only declares them and
//! re-exports their items, so every item keeps its path (`crate::run`,
//! `dialcore::dc_status`, ...):
//!
//! - `pointers`: reading and writing the host's memory (field readers,
//!   strings, arrays, out-parameters, output buffers);
//! - `limits`, `status`, `guard`: the constants, the status codes with the
//!   last error message, and the panic guard around every entry point;
//! - `names`: the state codes and the static strings naming them;
//! - `config`, `events`, `commands`: the C structs that cross the boundary
//!   and their conversions to and from the engine's types;
//! - `campaign` (the handle and its lock), `setup`, `poll`, `queries`,
//!   `pacing`: the `dc_campaign_*` functions by what they do;
//! - `bulk`, `numbers`, `rules`, `lookup`, `durable`, `floor`: further
//!   subsystems, each described in its own module.
//!
//! The order of the `mod` lines is the order of the header: cbindgen reads
//! the modules in this order, and the header lists functions in the order
//! it reads them.
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]
// The exported names are C names (`dc_campaign`, `dc_status`).
#![allow(non_camel_case_types)]
// One safety contract holds for every function; it is stated above and at the
// top of the header rather than repeated on each function.
#![allow(clippy::missing_safety_doc)]

// The order of these lines is the order of the header: cbindgen reads the
// modules in declaration order and lists the functions as it reads them.
// Each line is its own group so that rustfmt does not sort them.

// Reading and writing the host's memory; first, for its macros.
#[macro_use]
mod pointers;

// DC_MAX_TIME_MS, DC_MAX_CONTACTS, DC_STATE_COUNT.
mod limits;

// dc_status, Fail and the thread's last error message.
mod status;

// The panic guard every entry point runs in.
mod guard;

// The state codes and the static strings naming them.
mod names;

// dc_config and its reader.
mod config;

// The dc_campaign handle, its lock, new and free.
mod campaign;

// Adding contacts and operators, CSV imports, blacklist loads.
mod setup;

// dc_event, its reader and dc_campaign_handle.
mod events;

// dc_command and its conversion from the engine.
mod commands;

// dc_campaign_poll and dc_campaign_pending.
mod poll;

// Contact and operator states.
mod queries;

// The pacer, the metrics and the next deadline.
mod pacing;

mod bulk;
mod durable;
mod floor;
mod lookup;
mod numbers;
mod rules;

pub use bulk::*;
pub use campaign::*;
pub use commands::*;
pub use config::*;
pub use durable::*;
pub use events::*;
pub use floor::*;
pub use limits::*;
pub use lookup::*;
pub use names::*;
pub use numbers::*;
pub use pacing::*;
pub use poll::*;
pub use queries::*;
pub use rules::*;
pub use setup::*;
pub use status::*;

// Crate-internal helpers only (the panic guard, the pointer readers).
pub(crate) use guard::*;
pub(crate) use pointers::*;

#[doc(hidden)]
pub mod testing;
