//! Timing: when something is due.
//!
//! The engine never reads a clock; time comes in as `now_ms`. What is due later
//! — a BCW countdown, a ring timeout, a retry in 30 minutes — sits in the
//! hierarchical timer [`wheel`] with intrusive `u32` links, O(1) to arm, cancel
//! and fire. The [`retry`] policy says after how long each outcome is tried
//! again and caps the attempts.

pub mod retry;
pub mod wheel;
