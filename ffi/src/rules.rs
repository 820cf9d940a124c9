//! Calling rules from C: load a rule file (TOML: hours, day bans, holidays
//! and per-number caps by region; see the README) from a path or a buffer.
//!
//! A bad file is `DC_STATUS_INVALID_ARGUMENT` with a message naming its line
//! and field (`rules line 5: regions.US-TX.max_calls: expected a whole
//! number`), an unreadable one `DC_STATUS_IO` naming the path; either way
//! the rules loaded before stay. Loaded rules are journaled: a campaign
//! reopened from its data directory follows them without loading again.

use std::ffi::c_char;

use crate::{dc_campaign, dc_status, opt_str, req_str, run, slice, with_campaign, Fail};

fn rules_fail(e: engine::rules::RulesError) -> Fail {
    Fail::new(dc_status::InvalidArgument, e)
}

/// Loads calling rules from the rule file at `path` (UTF-8), replacing any
/// loaded before.
#[no_mangle]
pub unsafe extern "C" fn dc_campaign_load_rules_file(
    campaign: *mut dc_campaign,
    path: *const c_char,
) -> dc_status {
    run(|| {
        // SAFETY: NUL-terminated string or NULL per the contract.
        let path = unsafe { req_str(path, "path") }?;
        let text = std::fs::read_to_string(path)
            .map_err(|e| Fail::new(dc_status::Io, format!("{path}: {e}")))?;
        // SAFETY: the campaign pointer per the contract.
        unsafe {
            with_campaign(campaign, |inner| {
                inner
                    .campaign
                    .load_rules(&text)
                    .map_err(|e| Fail::new(dc_status::InvalidArgument, format!("{path}: {e}")))
            })
        }
    })
}

/// Loads calling rules from memory (`len` bytes of UTF-8 TOML at `data`),
/// as `dc_campaign_load_rules_file`.
#[no_mangle]
pub unsafe extern "C" fn dc_campaign_load_rules(
    campaign: *mut dc_campaign,
    data: *const u8,
    len: usize,
) -> dc_status {
    run(|| {
        // SAFETY: `len` readable bytes per the contract.
        let data = unsafe { slice(data, len, "data") }?;
        let text = std::str::from_utf8(data).map_err(|e| {
            Fail::new(
                dc_status::BadUtf8,
                format!("rules are not valid UTF-8: {e}"),
            )
        })?;
        // SAFETY: the campaign pointer per the contract.
        unsafe {
            with_campaign(campaign, |inner| {
                inner.campaign.load_rules(text).map_err(rules_fail)
            })
        }
    })
}

/// Sets a contact's region explicitly (`"US-TX"`, `"CA-ON"`, `"JM"`),
/// replacing the regions of its number for the calling rules; NULL goes
/// back to the number's. A bad region is `DC_STATUS_INVALID_ARGUMENT`
/// naming it, an unknown contact `DC_STATUS_UNKNOWN_CONTACT`. Journaled.
#[no_mangle]
pub unsafe extern "C" fn dc_campaign_set_contact_region(
    campaign: *mut dc_campaign,
    contact: u32,
    region: *const c_char,
) -> dc_status {
    run(|| {
        // SAFETY: NUL-terminated string or NULL per the contract.
        let region = unsafe { opt_str(region, "region") }?
            .map(engine::nanp::Region::parse)
            .transpose()
            .map_err(Fail::invalid)?;
        // SAFETY: the campaign pointer per the contract.
        unsafe {
            with_campaign(campaign, |inner| {
                Ok(inner
                    .campaign
                    .set_contact_region(engine::ContactId(contact), region)?)
            })
        }
    })
}
