//! The limits every call checks, as C constants: the latest time a call
//! accepts, the most contacts a campaign holds, and the number of contact
//! state codes. Each is asserted equal to the engine's own value at compile
//! time, so the header cannot drift from the engine.

/// The latest time (ms since the Unix epoch) any call accepts:
/// 9999-12-31T23:59:59.999Z. A later `now_ms` (or callback time) is
/// `DC_STATUS_TIME_OUT_OF_RANGE` and changes nothing.
pub const DC_MAX_TIME_MS: u64 = 253_402_300_799_999;
const _: () = assert!(DC_MAX_TIME_MS == engine::event::MAX_TIME_MS);

/// The most contacts a campaign holds (the default of
/// `dc_campaign_set_contact_limit`); adding past the limit is
/// `DC_STATUS_FULL` and adds nothing.
pub const DC_MAX_CONTACTS: u32 = 4_294_966_271;
const _: () = assert!(DC_MAX_CONTACTS as usize == engine::store::MAX_CONTACTS);

/// Number of contact state codes (`0..DC_STATE_COUNT`); the length of the
/// array `dc_campaign_counts` fills.
pub const DC_STATE_COUNT: usize = 17;
const _: () = assert!(DC_STATE_COUNT == engine::state::STATE_COUNT);
