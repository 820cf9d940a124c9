//! The contacts of a floor's campaign, through its id: the `dc_campaign_*`
//! contact calls with a campaign id (`dc_floor_add_contact`,
//! `dc_floor_add_numbers`, `dc_floor_add_contact_numbers`,
//! `dc_floor_import_csv`, `dc_floor_blacklist_numbers`, `dc_floor_state`).
//! Each behaves as its `dc_campaign_*` twin on that campaign.

use std::ffi::c_char;

use engine::campaign::several::PhoneInput;
use engine::floor::CampaignId;
use engine::floor::FloorCampaign;
use engine::import::{ImportError, ImportReport};
use engine::store::NumberKind;
use engine::{ContactId, EngineError};

use super::{dc_floor, floor_ok, with_floor};
use crate::{
    dc_import_report, dc_number, dc_status, opt_str, req_str, run, slice, write_out, Fail,
};

/// Runs `f` on campaign `campaign` of the floor, under its lock.
unsafe fn with_campaign_of<R>(
    floor: *const dc_floor,
    campaign: u32,
    f: impl FnOnce(&mut FloorCampaign) -> Result<R, Fail>,
) -> Result<R, Fail> {
    // SAFETY: forwarded contract.
    unsafe {
        with_floor(floor, |inner| {
            f(floor_ok(inner.floor.campaign_mut(CampaignId(campaign)))?)
        })
    }
}

/// Adds one contact to `campaign`, as `dc_campaign_add_contact`.
#[no_mangle]
pub unsafe extern "C" fn dc_floor_add_contact(
    floor: *mut dc_floor,
    campaign: u32,
    phone: *const c_char,
    external_id: *const c_char,
    timezone: *const c_char,
    priority: u8,
    out_contact: *mut u32,
) -> dc_status {
    run(|| {
        // SAFETY (all three): NUL-terminated strings or NULL per the contract.
        let phone = unsafe { req_str(phone, "phone") }?;
        // SAFETY: as above.
        let external_id = unsafe { opt_str(external_id, "external_id") }?.unwrap_or("");
        // SAFETY: as above.
        let timezone = unsafe { opt_str(timezone, "timezone") }?;
        // SAFETY: the floor pointer per the contract.
        let id = unsafe {
            with_campaign_of(floor, campaign, |c| {
                Ok(c.add_contact(phone, external_id, timezone, priority)?)
            })
        }?;
        if !out_contact.is_null() {
            // SAFETY: non-NULL, writable per the contract.
            unsafe { out_contact.write(id.0) };
        }
        Ok(())
    })
}

/// Adds `count` contacts with normalized numbers (E.164 digits) to
/// `campaign`, as `dc_campaign_add_numbers`; the first id goes to
/// `*out_first` (optional).
#[no_mangle]
pub unsafe extern "C" fn dc_floor_add_numbers(
    floor: *mut dc_floor,
    campaign: u32,
    numbers: *const u64,
    count: usize,
    priority: u8,
    out_first: *mut u32,
) -> dc_status {
    run(|| {
        // SAFETY: `count` readable numbers per the contract.
        let numbers = unsafe { slice(numbers, count, "numbers") }?;
        // SAFETY: the floor pointer per the contract.
        let ids = unsafe {
            with_campaign_of(floor, campaign, |c| Ok(c.add_numbers(numbers, priority)?))
        }?;
        if !out_first.is_null() {
            // SAFETY: non-NULL, writable per the contract.
            unsafe { out_first.write(ids.start) };
        }
        Ok(())
    })
}

/// Adds one contact with several numbers to `campaign`, as
/// `dc_campaign_add_contact_numbers`.
#[no_mangle]
pub unsafe extern "C" fn dc_floor_add_contact_numbers(
    floor: *mut dc_floor,
    campaign: u32,
    numbers: *const dc_number,
    count: usize,
    external_id: *const c_char,
    priority: u8,
    out_contact: *mut u32,
    out_rejected: *mut usize,
) -> dc_status {
    run(|| {
        // SAFETY: `count` readable entries at `numbers` per the contract.
        let given = unsafe { slice(numbers, count, "numbers") }?;
        let mut inputs = Vec::with_capacity(given.len());
        for (i, n) in given.iter().enumerate() {
            // SAFETY (both): NUL-terminated strings or NULL per the contract.
            let phone = unsafe { opt_str(n.phone, &format!("numbers[{i}].phone")) }?;
            // SAFETY: as above.
            let timezone = unsafe { opt_str(n.timezone, &format!("numbers[{i}].timezone")) }?;
            let kind = NumberKind::from_code(n.kind).ok_or_else(|| {
                Fail::invalid(format!(
                    "numbers[{i}].kind {} is not 0 (other), 1 (mobile), 2 (home) or 3 (work)",
                    n.kind
                ))
            })?;
            inputs.push(PhoneInput {
                phone: phone.unwrap_or(""),
                kind,
                timezone,
            });
        }
        // SAFETY: NUL-terminated string or NULL per the contract.
        let external_id = unsafe { opt_str(external_id, "external_id") }?.unwrap_or("");
        // SAFETY: the floor pointer per the contract.
        let (id, rejected) = unsafe {
            with_campaign_of(floor, campaign, |c| {
                Ok(c.add_contact_numbers(&inputs, external_id, priority)?)
            })
        }?;
        if !out_contact.is_null() {
            // SAFETY: non-NULL, writable per the contract.
            unsafe { out_contact.write(id.0) };
        }
        if !out_rejected.is_null() {
            // SAFETY: non-NULL, writable per the contract.
            unsafe { out_rejected.write(rejected.len()) };
        }
        Ok(())
    })
}

unsafe fn import_into(
    floor: *mut dc_floor,
    campaign: u32,
    report: *mut dc_import_report,
    f: impl FnOnce(&mut FloorCampaign) -> Result<ImportReport, ImportError>,
) -> Result<(), Fail> {
    // SAFETY: the floor pointer per the contract.
    let r = unsafe { with_campaign_of(floor, campaign, |c| Ok(f(c)?)) }?;
    if !report.is_null() {
        // SAFETY: non-NULL, writable per the contract.
        unsafe { report.write(dc_import_report::from_report(&r)) };
    }
    Ok(())
}

/// Imports a CSV contact list from the file at `path` into `campaign`, as
/// `dc_campaign_import_csv`.
#[no_mangle]
pub unsafe extern "C" fn dc_floor_import_csv(
    floor: *mut dc_floor,
    campaign: u32,
    path: *const c_char,
    report: *mut dc_import_report,
) -> dc_status {
    run(|| {
        // SAFETY: NUL-terminated string or NULL per the contract.
        let path = unsafe { req_str(path, "path") }?;
        // SAFETY: forwarded contract.
        unsafe { import_into(floor, campaign, report, |c| c.import_csv_path(path)) }
    })
}

/// Imports a CSV contact list from memory (`len` bytes at `data`) into
/// `campaign`, as `dc_campaign_import_csv_buffer`.
#[no_mangle]
pub unsafe extern "C" fn dc_floor_import_csv_buffer(
    floor: *mut dc_floor,
    campaign: u32,
    data: *const u8,
    len: usize,
    report: *mut dc_import_report,
) -> dc_status {
    run(|| {
        // SAFETY: `len` readable bytes per the contract.
        let data = unsafe { slice(data, len, "data") }?;
        // SAFETY: forwarded contract.
        unsafe { import_into(floor, campaign, report, |c| c.import_csv(data)) }
    })
}

/// Loads `count` numbers into `campaign`'s own blacklist, as
/// `dc_campaign_blacklist_numbers` (for a list several campaigns share, use
/// `dc_floor_add_list`).
#[no_mangle]
pub unsafe extern "C" fn dc_floor_blacklist_numbers(
    floor: *mut dc_floor,
    campaign: u32,
    numbers: *const u64,
    count: usize,
) -> dc_status {
    run(|| {
        // SAFETY: `count` readable numbers per the contract.
        let numbers = unsafe { slice(numbers, count, "numbers") }?;
        // SAFETY: the floor pointer per the contract.
        unsafe {
            with_campaign_of(floor, campaign, |c| {
                c.blacklist_numbers(numbers);
                Ok(())
            })
        }
    })
}

/// Writes the state code (`dc_state`) of `contact` of `campaign` to
/// `*out_state`.
#[no_mangle]
pub unsafe extern "C" fn dc_floor_state(
    floor: *const dc_floor,
    campaign: u32,
    contact: u32,
    out_state: *mut u8,
) -> dc_status {
    run(|| {
        if out_state.is_null() {
            return Err(Fail::null("out_state"));
        }
        // SAFETY: the floor pointer per the contract.
        let state = unsafe {
            with_floor(floor, |inner| {
                floor_ok(inner.floor.campaign(CampaignId(campaign)))?
                    .state(ContactId(contact))
                    .ok_or_else(|| Fail::from(EngineError::UnknownContact(ContactId(contact))))
            })
        }?;
        // SAFETY: checked non-NULL above.
        unsafe { write_out(out_state, state.code(), "out_state") }
    })
}
