//! Contacts with several numbers from C: `dc_campaign_add_contact_numbers`
//! adds one contact with an array of `dc_number`s (see
//! `Campaign::add_contact_numbers`: blank numbers are skipped, bad ones are
//! rejected while the valid ones are kept, none valid is an INVALID_RECORD);
//! `dc_contact_number_count` and `dc_contact_number_at` read a contact's
//! numbers with their per-number state; `dc_campaign_fix_number_at`
//! replaces the number at an index (index 0 of an invalid record is
//! `dc_campaign_fix_number`).
//!
//! **Rejected numbers.** `dc_campaign_add_contact_numbers` only counts the
//! numbers it left out; `dc_campaign_add_contact_numbers_rejected` (and the
//! bulk `dc_campaign_add_contacts_numbers`, see `bulk`) also lists them: one
//! `dc_rejected_number` each — which contact (its index among those given),
//! which number (its position among that contact's numbers given), the
//! reason's code, stable key and message — into a caller array of
//! `capacity` entries, in order, with the count of all of them in
//! `*out_rejected_count`. Entries past `capacity` are not written (the
//! count still says how many there were); NULL/0 gives the count only. A
//! contact never has more rejected numbers than numbers given, so an array
//! as long as all the numbers given always holds every one.

use std::ffi::c_char;

use engine::campaign::several::PhoneInput;
use engine::store::{ContactId, NumberKind};

use engine::campaign::several::NumberRejected;

use super::lookup::fixed;
use super::{dc_campaign, dc_status, opt_str, req_str, run, slice, with_campaign, Fail};

/// One number left out of a contact add (the contact keeps its others; one
/// with none valid is an INVALID_RECORD). The strings are copies
/// (NUL-terminated, cut to fit).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct dc_rejected_number {
    /// The contact's index among the contacts given (0 for a one-contact add).
    pub contact_index: usize,
    /// The number's position among that contact's numbers given (0 for the first).
    pub number_index: usize,
    /// The reason's code: 1 blank, 2 letters, 3 bad character, 4 too short,
    /// 5 too long, 6 no country code, 7 misplaced plus, 8 unknown country
    /// code, 9 wrong length, 10 emergency number, 11 service number, 12 no
    /// time zone (valid, but its zone is unknown and no fallback is set).
    pub error: u8,
    /// A stable key of the reason (`"too_short"`, `"letters"`, `"no_time_zone"`, …).
    pub reason: [c_char; 24],
    /// A readable message naming the number (`"numbers[1] \"555-CALL-NOW\":
    /// letters in the number"`).
    pub message: [c_char; 160],
}

impl dc_rejected_number {
    fn new(contact_index: usize, r: &NumberRejected) -> dc_rejected_number {
        dc_rejected_number {
            contact_index,
            number_index: r.position,
            error: r.reason.code(),
            reason: fixed(r.reason.name()),
            message: fixed(&format!(
                "numbers[{}] {:?}: {}",
                r.position, r.text, r.reason
            )),
        }
    }
}

/// Writes the rejections `rejected` (contact index, its rejections) to the
/// caller's array per the `dc_rejected_number` contract.
pub(crate) unsafe fn write_rejected(
    rejected: &[(usize, Vec<NumberRejected>)],
    out: *mut dc_rejected_number,
    capacity: usize,
    out_count: *mut usize,
) {
    let mut written = 0;
    let mut total = 0;
    for (contact, list) in rejected {
        for r in list {
            total += 1;
            if !out.is_null() && written < capacity {
                // SAFETY: `capacity` writable entries at `out` per the contract.
                unsafe { out.add(written).write(dc_rejected_number::new(*contact, r)) };
                written += 1;
            }
        }
    }
    if !out_count.is_null() {
        // SAFETY: non-NULL, writable per the contract.
        unsafe { out_count.write(total) };
    }
}

/// Reads `count` `dc_number`s at `numbers` (`what` names them in errors).
pub(crate) unsafe fn read_numbers<'a>(
    numbers: *const dc_number,
    count: usize,
    what: &str,
) -> Result<Vec<PhoneInput<'a>>, Fail> {
    // SAFETY: `count` readable entries at `numbers` per the contract.
    let given = unsafe { slice(numbers, count, what) }?;
    let mut inputs = Vec::with_capacity(given.len());
    for (i, n) in given.iter().enumerate() {
        // SAFETY (both): NUL-terminated strings or NULL per the contract.
        let phone = unsafe { opt_str(n.phone, &format!("{what}[{i}].phone")) }?;
        // SAFETY: as above.
        let timezone = unsafe { opt_str(n.timezone, &format!("{what}[{i}].timezone")) }?;
        let kind = NumberKind::from_code(n.kind).ok_or_else(|| {
            Fail::invalid(format!(
                "{what}[{i}].kind {} is not 0 (other), 1 (mobile), 2 (home) or 3 (work)",
                n.kind
            ))
        })?;
        inputs.push(PhoneInput {
            phone: phone.unwrap_or(""),
            kind,
            timezone,
        });
    }
    Ok(inputs)
}

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
    // SAFETY: forwarded contract (no array: the count only).
    unsafe {
        dc_campaign_add_contact_numbers_rejected(
            campaign,
            numbers,
            count,
            external_id,
            priority,
            out_contact,
            std::ptr::null_mut(),
            0,
            out_rejected,
        )
    }
}

/// `dc_campaign_add_contact_numbers` that also lists the numbers left out:
/// up to `capacity` `dc_rejected_number`s (contact index 0) into `rejected`
/// (NULL when `capacity` is 0), their count into `*out_rejected_count`
/// (optional); see the module notes. On an error nothing is added or written.
#[no_mangle]
pub unsafe extern "C" fn dc_campaign_add_contact_numbers_rejected(
    campaign: *mut dc_campaign,
    numbers: *const dc_number,
    count: usize,
    external_id: *const c_char,
    priority: u8,
    out_contact: *mut u32,
    rejected: *mut dc_rejected_number,
    capacity: usize,
    out_rejected_count: *mut usize,
) -> dc_status {
    run(|| {
        // SAFETY: forwarded contract.
        let inputs = unsafe { read_numbers(numbers, count, "numbers") }?;
        // SAFETY: NUL-terminated string or NULL per the contract.
        let external_id = unsafe { opt_str(external_id, "external_id") }?.unwrap_or("");
        // SAFETY: the campaign pointer per the contract.
        let (id, list) = unsafe {
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
        // SAFETY: forwarded contract.
        unsafe { write_rejected(&[(0, list)], rejected, capacity, out_rejected_count) };
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
