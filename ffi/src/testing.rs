//! Hooks for the Rust tests of this crate; not part of the C API.

use engine::State;

use crate::{dc_campaign, dc_status, run, with_campaign, Fail};

/// Panics inside the campaign's lock, as a bug in the engine would.
///
/// # Safety
/// As every function: `campaign` from `dc_campaign_new`, not freed.
pub unsafe fn panic_inside_lock(campaign: *mut dc_campaign) -> dc_status {
    run(|| {
        // SAFETY: forwarded contract.
        unsafe { with_campaign(campaign, |_| -> Result<(), Fail> { panic!("test panic") }) }
    })
}

/// The display names the engine uses, to compare with `dc_state_name`.
pub fn engine_state_name(code: u8) -> Option<&'static str> {
    State::from_code(code).map(State::display_name)
}
