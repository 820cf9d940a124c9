//! Baselines that dialcore's criterion benches are compared with, written the
//! way a competent engineer would write them without dialcore.
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]
pub mod engine_round;
pub mod hashset_blacklist;
pub mod heap_timer;
pub mod realistic;
pub mod roaring_blacklist;
pub mod row_store;
pub mod sql_hopper;
