//! Contacts: what the engine knows about each person on a list.
//!
//! Millions of contacts live in one struct-of-arrays [`store`]: a `u8` state
//! code per contact ([`state`], with the one table of legal transitions),
//! its E.164 number as a `u64` ([`phone`] parses and gates it), its zone,
//! attempts and priority in their own dense columns, and per-state counts kept
//! in O(1). The private number → contacts index (`index`) finds every contact
//! that has a number. [`import`] turns a CSV list into contacts, reporting
//! each bad row with its line while keeping the rest.
//!
//! Nothing here knows about time, operators or the law: the compliance,
//! timing and engine folders build on these columns.

pub mod import;
pub(crate) mod index;
pub mod phone;
pub mod state;
pub mod store;
