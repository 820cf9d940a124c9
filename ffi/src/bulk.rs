//! Bulk contact adds from C: `dc_campaign_add_contact_rows` adds an array of
//! `dc_new_contact` rows as one operation (see `Campaign::add_contacts`):
//! every row is checked first — its strings (phone required, external id
//! and time zone optional, all UTF-8) and then its time zone and the
//! campaign's room — and the first bad row fails the call with its index in
//! `*out_bad_index`, adding nothing. Otherwise all rows are added with
//! consecutive ids, written to the journal of a durable campaign as one
//! record and synced once (one fdatasync under `DC_FSYNC_ALWAYS`, where
//! `dc_campaign_add_contact` in a loop syncs once per contact).
//!
//! `dc_campaign_add_contacts_numbers` is the same for contacts with several
//! numbers (`dc_contact_numbers` rows, see `Campaign::add_contacts_numbers`):
//! every row is checked first (its strings, number kinds and time zones,
//! too many numbers, the campaign's room), the first bad row fails the call
//! and adds nothing; then each contact keeps its valid numbers and every
//! number left out is listed as a `dc_rejected_number` (row index, number
//! index, reason) as `dc_campaign_add_contact_numbers_rejected` does. A row
//! of `dc_campaign_add_contact_rows` has one number, which is never left
//! out: a bad one makes the contact an INVALID_RECORD, with its reason.

use std::ffi::c_char;

use engine::campaign::bulk::ContactRow;
use engine::campaign::several::ContactNumbersRow;

use super::numbers::{read_numbers, write_rejected};
use super::{
    dc_campaign, dc_number, dc_rejected_number, dc_status, opt_str, req_str, run, slice,
    with_campaign, Fail,
};

/// One contact of a bulk add with several numbers
/// (`dc_campaign_add_contacts_numbers`).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct dc_contact_numbers {
    /// Its numbers, in order (`count` of them; NULL when `count` is 0).
    pub numbers: *const dc_number,
    /// How many numbers `numbers` holds.
    pub count: usize,
    /// The host's own id for the contact (CRM key); NULL = none.
    pub external_id: *const c_char,
    /// Selection priority, higher first.
    pub priority: u8,
}

/// Adds `count` contacts with several numbers each from `rows` as one
/// operation (see the module notes). The first bad row (a string that is
/// not UTF-8, a bad number kind, an unknown time zone, more than 16
/// numbers, a row past the contact limit) fails the call: its index goes
/// to `*out_bad_index` (optional), the status and `dc_last_error_message`
/// say why, and nothing is added. On success the ids are consecutive (the
/// first into `*out_first`, optional), the rows are journaled as one
/// record, and the numbers left out are listed: up to `capacity`
/// `dc_rejected_number`s into `rejected` (NULL when `capacity` is 0), all
/// of them counted in `*out_rejected_count` (optional).
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn dc_campaign_add_contacts_numbers(
    campaign: *mut dc_campaign,
    rows: *const dc_contact_numbers,
    count: usize,
    out_first: *mut u32,
    out_bad_index: *mut usize,
    rejected: *mut dc_rejected_number,
    capacity: usize,
    out_rejected_count: *mut usize,
) -> dc_status {
    let mut bad_index = None;
    let status = run(|| {
        // SAFETY: `count` readable rows at `rows` per the contract.
        let rows = unsafe { slice(rows, count, "rows") }?;
        let mut inputs = Vec::with_capacity(rows.len());
        let mut ids = Vec::with_capacity(rows.len());
        for (i, row) in rows.iter().enumerate() {
            bad_index = Some(i);
            // SAFETY: forwarded contract.
            inputs.push(unsafe {
                read_numbers(row.numbers, row.count, &format!("rows[{i}].numbers"))
            }?);
            // SAFETY: NUL-terminated string or NULL per the contract.
            let external_id =
                unsafe { opt_str(row.external_id, &format!("rows[{i}].external_id")) }?;
            ids.push(external_id.unwrap_or(""));
        }
        bad_index = None;
        let parsed: Vec<ContactNumbersRow<'_>> = inputs
            .iter()
            .zip(&ids)
            .zip(rows)
            .map(|((phones, external_id), row)| ContactNumbersRow {
                phones,
                external_id,
                priority: row.priority,
            })
            .collect();
        // SAFETY: the campaign pointer per the contract.
        let (range, list) = unsafe {
            with_campaign(campaign, |inner| {
                inner.campaign.add_contacts_numbers(&parsed).map_err(|e| {
                    bad_index = Some(e.index);
                    let Fail(status, _) = Fail::from(e.error.clone());
                    Fail::new(status, e)
                })
            })
        }?;
        if !out_first.is_null() {
            // SAFETY: non-NULL, writable per the contract.
            unsafe { out_first.write(range.start.0) };
        }
        // SAFETY: forwarded contract.
        unsafe { write_rejected(&list, rejected, capacity, out_rejected_count) };
        Ok(())
    });
    if let (Some(i), false) = (bad_index, out_bad_index.is_null()) {
        if status != dc_status::Ok {
            // SAFETY: non-NULL, writable per the contract.
            unsafe { out_bad_index.write(i) };
        }
    }
    status
}

/// One contact of a bulk add (`dc_campaign_add_contact_rows`).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct dc_new_contact {
    /// The phone number as text (normalized with the campaign's
    /// `default_country`); required. An invalid number is not an error:
    /// the contact is stored as INVALID_RECORD with its reason.
    pub phone: *const c_char,
    /// The host's own id for the contact (CRM key); NULL = none.
    pub external_id: *const c_char,
    /// An IANA time zone name; NULL or "" = the campaign's default.
    pub timezone: *const c_char,
    /// Selection priority, higher first.
    pub priority: u8,
}

/// Adds `count` contacts from `rows` as one operation, all or nothing. The
/// first bad row (a NULL phone, a string that is not UTF-8, an unknown time
/// zone, a row past the contact limit) fails the call: its index goes to
/// `*out_bad_index` (optional), the status and `dc_last_error_message` say
/// why, and nothing is added. On success the ids are consecutive, the first
/// goes to `*out_first` (optional), and a durable campaign has journaled
/// the rows as one record and synced once. `rows` may be NULL when `count`
/// is 0.
#[no_mangle]
pub unsafe extern "C" fn dc_campaign_add_contact_rows(
    campaign: *mut dc_campaign,
    rows: *const dc_new_contact,
    count: usize,
    out_first: *mut u32,
    out_bad_index: *mut usize,
) -> dc_status {
    let mut bad_index = None;
    let status = run(|| {
        // SAFETY: `count` readable rows at `rows` per the contract.
        let rows = unsafe { slice(rows, count, "rows") }?;
        let mut parsed = Vec::with_capacity(rows.len());
        for (i, row) in rows.iter().enumerate() {
            bad_index = Some(i);
            // SAFETY (all three): NUL-terminated strings or NULL per the contract.
            let phone = unsafe { req_str(row.phone, &format!("rows[{i}].phone")) }?;
            // SAFETY: as above.
            let external_id =
                unsafe { opt_str(row.external_id, &format!("rows[{i}].external_id")) }?;
            // SAFETY: as above.
            let timezone = unsafe { opt_str(row.timezone, &format!("rows[{i}].timezone")) }?;
            parsed.push(ContactRow {
                phone,
                external_id: external_id.unwrap_or(""),
                timezone,
                priority: row.priority,
            });
        }
        bad_index = None;
        // SAFETY: the campaign pointer per the contract.
        let ids = unsafe {
            with_campaign(campaign, |inner| {
                inner.campaign.add_contacts(&parsed).map_err(|e| {
                    bad_index = Some(e.index);
                    let Fail(status, _) = Fail::from(e.error.clone());
                    Fail::new(status, e)
                })
            })
        }?;
        if !out_first.is_null() {
            // SAFETY: non-NULL, writable per the contract.
            unsafe { out_first.write(ids.start.0) };
        }
        Ok(())
    });
    if let (Some(i), false) = (bad_index, out_bad_index.is_null()) {
        if status != dc_status::Ok {
            // SAFETY: non-NULL, writable per the contract.
            unsafe { out_bad_index.write(i) };
        }
    }
    status
}
