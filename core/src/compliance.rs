//! Compliance: the rules that decide whether a contact may be called now.
//!
//! A dialer that rings a do-not-call number, calls at 3 a.m. local time or
//! abandons too many answered calls breaks the law. This folder holds the
//! facts those rules need, each in its own module: the do-not-call set
//! ([`blacklist`]), the weekly calling windows in each contact's local time
//! ([`window`]) over interned time zones ([`zones`]), the NANP area-code
//! table ([`nanp`]: region and time zones of a `+1` number), the calling
//! rules by place and date ([`rules`]: hours, day bans, holidays, caps), and the abandon-rate
//! meters over rolling windows ([`meter`]). The engine's emission gate
//! (`engine::campaign::gate`) asks them again as every command leaves.

pub mod blacklist;
pub mod meter;
pub mod nanp;
pub mod rules;
pub mod window;
pub mod zones;
