//! Contacts with several numbers from C: `dc_campaign_add_contact_numbers`
//! adds one contact with an array of `dc_number`s (see
//! `Campaign::add_contact_numbers`: blank numbers are skipped, bad ones are
//! rejected while the valid ones are kept, none valid is an INVALID_RECORD);
//! `dc_contact_number_count` and `dc_contact_number_at` read a contact's
//! numbers with their per-number state; `dc_campaign_fix_number_at`
//! replaces the number at an index (index 0 of an invalid record is
//! `dc_campaign_fix_number`).

use std::ffi::c_char;

use engine::campaign::several::PhoneInput;
use engine::store::{ContactId, NumberKind};

use super::{dc_campaign, dc_status, opt_str, req_str, run, slice, with_campaign, Fail};

/// One number of a contact being added (`dc_campaign_add_contact_numbers`).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct dc_number {
    /// The number as text (normalized with the campaign's
    /// `default_country`); NULL or "" = no number.
    pub phone: *const c_char,
    /// 0 other, 1 mobile, 2 home, 3 work.
    pub kind: u8,
    /// An IANA time zone name; NULL or "" = the contact's zone (that of its
    /// first number given one, else the campaign's default).
    pub timezone: *const c_char,
}

/// One of a contact's numbers with its per-number state (`dc_contact_number_at`).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct dc_contact_number {
    /// E.164 digits (0 for an invalid record's number).
    pub number: u64,
    /// 0 other, 1 mobile, 2 home, 3 work.
    pub kind: u8,
    /// Attempts made on this number.
    pub attempts: u8,
    /// The outcome code of its last attempt (as `dc_contact_last_outcome`).
    pub last_outcome: u8,
    /// Its time-zone id in the campaign.
    pub zone: u16,
    /// True if the contact is on this number now (dialed next, or in a call on it).
    pub current: bool,
}

/// Adds one contact with `count` numbers (in order; `numbers` may be NULL
/// when `count` is 0). A bad number is not an error: it is left out, and
/// the count of numbers left out goes to `*out_rejected` (optional); when
/// none is valid the contact is an INVALID_RECORD. A NULL contract string
/// is NULL_POINTER, an unknown kind INVALID_ARGUMENT and an unknown time
/// zone UNKNOWN_TIMEZONE — and then nothing is added. The id goes to
/// `*out_contact` (optional).
#[no_mangle]
pub unsafe extern "C" fn dc_campaign_add_contact_numbers(
    campaign: *mut dc_campaign,
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
        // SAFETY: the campaign pointer per the contract.
        let (id, rejected) = unsafe {
            with_campaign(campaign, |inner| {
                Ok(inner
                    .campaign
                    .add_contact_numbers(&inputs, external_id, priority)?)
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

/// How many numbers `contact` has (1 for a contact with one number or an
/// invalid record) into `*out_count`. UNKNOWN_CONTACT for a bad id.
#[no_mangle]
pub unsafe extern "C" fn dc_contact_number_count(
    campaign: *mut dc_campaign,
    contact: u32,
    out_count: *mut usize,
) -> dc_status {
    run(|| {
        if out_count.is_null() {
            return Err(Fail::null("out_count"));
        }
        // SAFETY: the campaign pointer per the contract.
        let count = unsafe {
            with_campaign(campaign, |inner| {
                match inner.campaign.store().number_count(ContactId(contact)) {
                    0 => Err(Fail::from(engine::EngineError::UnknownContact(ContactId(
                        contact,
                    )))),
                    n => Ok(n),
                }
            })
        }?;
        // SAFETY: non-NULL (checked), writable per the contract.
        unsafe { out_count.write(count) };
        Ok(())
    })
}

/// `contact`'s number `index` (0 is the first) with its per-number state
/// into `*out`. UNKNOWN_CONTACT for a bad id, INVALID_ARGUMENT for an index
/// past its numbers.
#[no_mangle]
pub unsafe extern "C" fn dc_contact_number_at(
    campaign: *mut dc_campaign,
    contact: u32,
    index: usize,
    out: *mut dc_contact_number,
) -> dc_status {
    run(|| {
        if out.is_null() {
            return Err(Fail::null("out"));
        }
        let id = ContactId(contact);
        // SAFETY: the campaign pointer per the contract.
        let number = unsafe {
            with_campaign(campaign, |inner| {
                let store = inner.campaign.store();
                if !store.contains(id) {
                    return Err(Fail::from(engine::EngineError::UnknownContact(id)));
                }
                let n = store.number_at(id, index).ok_or_else(|| {
                    Fail::from(engine::EngineError::NoSuchNumber { contact: id, index })
                })?;
                Ok(dc_contact_number {
                    number: n.number,
                    kind: n.kind as u8,
                    attempts: n.attempts,
                    last_outcome: n.last_outcome as u8,
                    zone: n.zone.0,
                    current: store.current_number(id) == index,
                })
            })
        }?;
        // SAFETY: non-NULL (checked), writable per the contract.
        unsafe { out.write(number) };
        Ok(())
    })
}

/// Gives `contact`'s number `index` a new number `phone` (and time zone
/// `timezone`, NULL = keep), see `Campaign::fix_number_at`: index 0 of an
/// invalid record is `dc_campaign_fix_number`; otherwise the contact must
/// not be in a call or offered (ILLEGAL_TRANSITION). The contact's state
/// code goes to `*out_state` (optional). On an error nothing changed.
#[no_mangle]
pub unsafe extern "C" fn dc_campaign_fix_number_at(
    campaign: *mut dc_campaign,
    contact: u32,
    index: usize,
    phone: *const c_char,
    timezone: *const c_char,
    out_state: *mut u8,
) -> dc_status {
    run(|| {
        // SAFETY (both): NUL-terminated strings or NULL per the contract.
        let phone = unsafe { req_str(phone, "phone") }?;
        // SAFETY: as above.
        let timezone = unsafe { opt_str(timezone, "timezone") }?;
        // SAFETY: the campaign pointer per the contract.
        let state = unsafe {
            with_campaign(campaign, |inner| {
                Ok(inner
                    .campaign
                    .fix_number_at(ContactId(contact), index, phone, timezone)?)
            })
        }?;
        if !out_state.is_null() {
            // SAFETY: non-NULL, writable per the contract.
            unsafe { out_state.write(state.code()) };
        }
        Ok(())
    })
}
