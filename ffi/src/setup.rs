//! Filling a campaign: adding contacts (one, an array of phone strings, or
//! normalized numbers), CSV imports with their `dc_import_report`, the
//! contact limit, operators, blacklist loads and fixing an invalid number.
//! `dc_campaign_add_contacts` is all or nothing (every string is checked
//! before any contact is added); a CSV import instead counts the rows it
//! could not take in its report.

use std::ffi::c_char;

use engine::campaign::bulk::ContactRow;
use engine::import::{ImportError, ImportReport};
use engine::{Campaign, ContactId};

use crate::{dc_campaign, dc_status, opt_str, req_str, run, slice, with_campaign, write_out, Fail};

/// What a CSV import did.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct dc_import_report {
    /// Data rows read (blank lines and the header not counted).
    pub rows: u64,
    /// Contacts added as Initial.
    pub valid: u64,
    /// Contacts added as InvalidRecord (bad phone number; kept for fixing).
    pub invalid: u64,
    /// Contacts added as Blacklisted.
    pub blacklisted: u64,
    /// Rows with a number seen earlier in this file.
    pub duplicates_in_file: u64,
    /// Rows with a number some contact had before this import.
    pub duplicates_existing: u64,
    /// Rows not imported (wrong field count, bad UTF-8, unclosed quote,
    /// unknown time zone, bad priority).
    pub row_errors: u64,
    /// Line of the first row not imported (0 = none).
    pub first_row_error_line: u64,
    /// Id of the first contact added; the ids are `first_contact ..
    /// first_contact + contacts`.
    pub first_contact: u32,
    /// Contacts added (valid + invalid + blacklisted).
    pub contacts: u32,
    /// Header columns that are not contact columns (ignored).
    pub ignored_columns: u32,
}

impl dc_import_report {
    pub(crate) fn from_report(r: &ImportReport) -> dc_import_report {
        dc_import_report {
            rows: r.rows,
            valid: r.valid,
            invalid: r.invalid,
            blacklisted: r.blacklisted,
            duplicates_in_file: r.duplicates_in_file,
            duplicates_existing: r.duplicates_existing,
            row_errors: r.row_errors.len() as u64,
            first_row_error_line: r.row_errors.first().map_or(0, |e| e.line),
            first_contact: r.ids.start,
            contacts: r.ids.end - r.ids.start,
            ignored_columns: r.ignored_columns.len() as u32,
        }
    }
}

/// Adds one contact. `phone` is required; `external_id` (NULL = "") and
/// `timezone` (NULL = the campaign default) are optional. An invalid number
/// still adds the contact, as InvalidRecord; a blacklisted one as
/// Blacklisted. An unknown time zone adds nothing
/// (`DC_STATUS_UNKNOWN_TIMEZONE`). The new id goes to `*out_contact`
/// (optional).
#[no_mangle]
pub unsafe extern "C" fn dc_campaign_add_contact(
    campaign: *mut dc_campaign,
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
        // SAFETY: the campaign pointer per the contract.
        let id = unsafe {
            with_campaign(campaign, |inner| {
                Ok(inner
                    .campaign
                    .add_contact(phone, external_id, timezone, priority)?)
            })
        }?;
        if !out_contact.is_null() {
            // SAFETY: non-NULL, writable per the contract.
            unsafe { out_contact.write(id.0) };
        }
        Ok(())
    })
}

/// Adds `count` contacts from an array of phone strings (campaign default
/// time zone, no external id) as one operation, all or nothing (see
/// `dc_campaign_add_contact_rows`): every string is checked (non-NULL,
/// UTF-8) and the campaign's room before any is added, and a durable
/// campaign journals them as one record, synced once. The ids are
/// consecutive; the first goes to `*out_first` (optional).
#[no_mangle]
pub unsafe extern "C" fn dc_campaign_add_contacts(
    campaign: *mut dc_campaign,
    phones: *const *const c_char,
    count: usize,
    priority: u8,
    out_first: *mut u32,
) -> dc_status {
    run(|| {
        // SAFETY: `count` readable pointers at `phones` per the contract.
        let ptrs = unsafe { slice(phones, count, "phones") }?;
        let mut strs = Vec::with_capacity(ptrs.len());
        for (i, &p) in ptrs.iter().enumerate() {
            // SAFETY: each element is a NUL-terminated string or NULL.
            strs.push(unsafe { req_str(p, &format!("phones[{i}]")) }?);
        }
        let rows: Vec<ContactRow<'_>> = strs
            .into_iter()
            .map(|phone| ContactRow {
                priority,
                ..ContactRow::new(phone)
            })
            .collect();
        // SAFETY: the campaign pointer per the contract.
        let first = unsafe {
            with_campaign(campaign, |inner| {
                let ids = inner.campaign.add_contacts(&rows).map_err(|e| {
                    let Fail(status, _) = Fail::from(e.error.clone());
                    Fail::new(status, e)
                })?;
                Ok(ids.start.0)
            })
        }?;
        if !out_first.is_null() {
            // SAFETY: non-NULL, writable per the contract.
            unsafe { out_first.write(first) };
        }
        Ok(())
    })
}

/// Adds `count` contacts with already normalized numbers (E.164 digits, e.g.
/// `12125550100`). The ids are consecutive; the first goes to `*out_first`
/// (optional).
#[no_mangle]
pub unsafe extern "C" fn dc_campaign_add_numbers(
    campaign: *mut dc_campaign,
    numbers: *const u64,
    count: usize,
    priority: u8,
    out_first: *mut u32,
) -> dc_status {
    run(|| {
        // SAFETY: `count` readable numbers per the contract.
        let numbers = unsafe { slice(numbers, count, "numbers") }?;
        // SAFETY: the campaign pointer per the contract.
        let ids = unsafe {
            with_campaign(campaign, |inner| {
                Ok(inner.campaign.add_numbers(numbers, priority)?)
            })
        }?;
        if !out_first.is_null() {
            // SAFETY: non-NULL, writable per the contract.
            unsafe { out_first.write(ids.start) };
        }
        Ok(())
    })
}

unsafe fn import_with(
    campaign: *mut dc_campaign,
    report: *mut dc_import_report,
    f: impl FnOnce(&mut Campaign) -> Result<ImportReport, ImportError>,
) -> Result<(), Fail> {
    // SAFETY: the campaign pointer per the contract.
    let r = unsafe { with_campaign(campaign, |inner| Ok(f(&mut inner.campaign)?)) }?;
    if !report.is_null() {
        // SAFETY: non-NULL, writable per the contract.
        unsafe { report.write(dc_import_report::from_report(&r)) };
    }
    Ok(())
}

/// Imports a CSV contact list from the file at `path` (columns `phone`,
/// optional `external_id`, `timezone`, `priority`). Bad rows are counted in
/// the report (optional), never silently dropped; a file that cannot be read
/// is `DC_STATUS_IO`, one without a usable header `DC_STATUS_BAD_CSV`.
#[no_mangle]
pub unsafe extern "C" fn dc_campaign_import_csv(
    campaign: *mut dc_campaign,
    path: *const c_char,
    report: *mut dc_import_report,
) -> dc_status {
    run(|| {
        // SAFETY: NUL-terminated string or NULL per the contract.
        let path = unsafe { req_str(path, "path") }?;
        // SAFETY: forwarded contract.
        unsafe { import_with(campaign, report, |c| c.import_csv_path(path)) }
    })
}

/// Imports a CSV contact list from memory (`len` bytes at `data`), as
/// `dc_campaign_import_csv`.
#[no_mangle]
pub unsafe extern "C" fn dc_campaign_import_csv_buffer(
    campaign: *mut dc_campaign,
    data: *const u8,
    len: usize,
    report: *mut dc_import_report,
) -> dc_status {
    run(|| {
        // SAFETY: `len` readable bytes per the contract.
        let data = unsafe { slice(data, len, "data") }?;
        // SAFETY: forwarded contract.
        unsafe { import_with(campaign, report, |c| c.import_csv(data)) }
    })
}

/// Sets the most contacts this campaign holds (a licence or memory cap): at
/// least the contacts it holds, at most `DC_MAX_CONTACTS` (the default);
/// otherwise `DC_STATUS_INVALID_ARGUMENT` and nothing changes. Adding past
/// the limit (`dc_campaign_add_contact`, `dc_campaign_add_numbers`, a CSV
/// row) is `DC_STATUS_FULL` (a row error for CSV) and adds nothing. Not kept
/// in a data directory: set it again after `dc_campaign_open`.
#[no_mangle]
pub unsafe extern "C" fn dc_campaign_set_contact_limit(
    campaign: *mut dc_campaign,
    limit: u32,
) -> dc_status {
    run(|| {
        // SAFETY: the campaign pointer per the contract.
        unsafe {
            with_campaign(campaign, |inner| {
                Ok(inner.campaign.set_contact_limit(limit as usize)?)
            })
        }
    })
}

/// Adds an operator (offline until a `DC_EVENT_KIND_OPERATOR_LOGIN` event);
/// its id goes to `*out_operator`.
#[no_mangle]
pub unsafe extern "C" fn dc_campaign_add_operator(
    campaign: *mut dc_campaign,
    out_operator: *mut u32,
) -> dc_status {
    run(|| {
        if out_operator.is_null() {
            return Err(Fail::null("out_operator"));
        }
        // SAFETY: the campaign pointer per the contract.
        let id = unsafe { with_campaign(campaign, |inner| Ok(inner.campaign.add_operator())) }?;
        // SAFETY: checked non-NULL above.
        unsafe { write_out(out_operator, id.0, "out_operator") }
    })
}

/// Loads `count` numbers (E.164 digits) into the blacklist; contacts with
/// them are blacklisted as with `DC_EVENT_KIND_BLACKLIST_ADD` (a contact in a
/// call when the call ends).
#[no_mangle]
pub unsafe extern "C" fn dc_campaign_blacklist_numbers(
    campaign: *mut dc_campaign,
    numbers: *const u64,
    count: usize,
) -> dc_status {
    run(|| {
        // SAFETY: `count` readable numbers per the contract.
        let numbers = unsafe { slice(numbers, count, "numbers") }?;
        // SAFETY: the campaign pointer per the contract.
        unsafe {
            with_campaign(campaign, |inner| {
                inner.campaign.blacklist_numbers(numbers);
                Ok(())
            })
        }
    })
}

/// Gives an InvalidRecord contact a new number; its new state (Initial, or
/// Blacklisted) goes to `*out_state` (optional).
#[no_mangle]
pub unsafe extern "C" fn dc_campaign_fix_number(
    campaign: *mut dc_campaign,
    contact: u32,
    phone: *const c_char,
    out_state: *mut u8,
) -> dc_status {
    run(|| {
        // SAFETY: NUL-terminated string or NULL per the contract.
        let phone = unsafe { req_str(phone, "phone") }?;
        // SAFETY: the campaign pointer per the contract.
        let state = unsafe {
            with_campaign(campaign, |inner| {
                Ok(inner.campaign.fix_number(ContactId(contact), phone)?)
            })
        }?;
        if !out_state.is_null() {
            // SAFETY: non-NULL, writable per the contract.
            unsafe { out_state.write(state.code()) };
        }
        Ok(())
    })
}
