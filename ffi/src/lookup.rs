//! Getters for hosts: one contact (`dc_campaign_contact_info`, its numbers,
//! external id and time zone), one operator's current work
//! (`dc_campaign_operator_work`), the contacts in a state page by page
//! (`dc_campaign_contacts_in_state`), and the row-by-row CSV import report
//! (`dc_campaign_import_csv_rows` and the `dc_import_rows_*` functions).
//!
//! **Ownership.** Every string a getter gives is *copied* into the caller's
//! buffer (`snprintf` style: at most `cap - 1` bytes and a NUL, the full
//! length in `*needed`, so a caller whose buffer was short can retry with
//! `needed + 1`); no pointer into the campaign is ever handed out, so
//! nothing a getter returned changes or dangles when the campaign moves on
//! or is freed. A `dc_import_rows*` is owned by the caller and freed with
//! `dc_import_rows_free` (independently of the campaign).
//!
//! **Consistency.** Each call takes the campaign lock once: what one call
//! returns is one consistent view, but two calls may see different moments.
//! Pages of `dc_campaign_contacts_in_state` are in id order from `start`; a
//! contact that changes state between two pages may be missed or seen twice
//! — take the pages between events (or accept that) when it matters.

use std::ffi::c_char;

use engine::import::{RowErrorKind, RowSeen};
use engine::state::Outcome;
use engine::{ContactId, EngineError, OperatorId, State};

use crate::{dc_campaign, dc_import_report, dc_status, req_str, run, with_campaign, Fail};

/// "None" for the `u32` fields of the getters (an operator or contact id).
pub const DC_NONE_U32: u32 = u32::MAX;
/// "None" for the `u64` time fields of the getters (no timer pending).
pub const DC_NONE_U64: u64 = u64::MAX;

/// What a host sees of one contact (`dc_campaign_contact_info`). Strings
/// are fetched apart (`dc_campaign_contact_external_id`,
/// `dc_campaign_contact_timezone`) and copied.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct dc_contact_info {
    /// Its state, a `dc_state` code.
    pub state: u8,
    /// Dial attempts so far.
    pub attempts: u8,
    /// The outcome of the last attempt, a `dc_outcome` code (`DC_OUTCOME_NONE`
    /// before the first); `dc_outcome_name` gives its name.
    pub last_outcome: u8,
    /// Its priority (higher is dialed first).
    pub priority: u8,
    /// How many numbers `dc_campaign_contact_numbers` gives (0 for an
    /// InvalidRecord).
    pub number_count: u32,
    /// Its first number, E.164 digits (0 for an InvalidRecord).
    pub number: u64,
    /// When its pending timer fires (a retry or callback due, a ring
    /// timeout, the end of BCW …), ms since the Unix epoch;
    /// `DC_NONE_U64` when none is pending (an Initial contact is due as soon
    /// as an operator and the guards allow).
    pub due_ms: u64,
    /// The operator bound to it (offer, BCW, call or ACW), or `DC_NONE_U32`.
    pub operator_id: u32,
    /// The attempt number of its call in progress (dialed, not ended), the
    /// `attempt` to echo in call events with this contact; 0 when none.
    pub call_attempt: u8,
}

/// What an operator is busy with (`dc_campaign_operator_work`).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct dc_operator_work {
    /// The operator's state, a `dc_operator_state` code.
    pub state: u8,
    /// The contact offered to, dialed for or talking with the operator, or
    /// `DC_NONE_U32`.
    pub contact: u32,
    /// The attempt number of that contact's call in progress; 0 when none.
    pub call_attempt: u8,
}

/// Last-outcome codes of a contact (`uint8_t` in every API).
#[repr(u8)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum dc_outcome {
    /// No attempt has ended yet.
    None = 0,
    /// A human answered and was connected to an operator.
    Connected = 1,
    /// An answering machine answered.
    Machine = 2,
    /// The client rejected the call (busy).
    Busy = 3,
    /// Nobody answered, or the number was unreachable.
    NoAnswer = 4,
    /// The dial could not be initiated.
    DialFailed = 5,
    /// Answered, dropped before an operator connected.
    Abandoned = 6,
    /// The operator asked for a callback at a set time.
    Callback = 7,
    /// The operator declined the contact (preview).
    Declined = 8,
}

const _: () =
    assert!(Outcome::ALL.len() == 9 && dc_outcome::Declined as u8 == Outcome::Declined as u8);

/// The name of an outcome code (`"busy"`, …), a static string (never
/// free it); `"unknown"` for a code that is none.
#[no_mangle]
pub extern "C" fn dc_outcome_name(code: u8) -> *const c_char {
    const NAMES: [&[u8]; 9] = [
        b"none\0",
        b"connected\0",
        b"machine\0",
        b"busy\0",
        b"no_answer\0",
        b"dial_failed\0",
        b"abandoned\0",
        b"callback\0",
        b"declined\0",
    ];
    NAMES
        .get(code as usize)
        .copied()
        .unwrap_or(b"unknown\0")
        .as_ptr()
        .cast()
}

/// Frees what the library keeps for the life of the process: the cache of
/// time zones read from the bundled tz database (shared by every campaign,
/// filled as zones are first used). Call it once at exit, after freeing
/// every campaign, so that a leak checker (valgrind `--leak-check=full`)
/// sees every allocation freed; not calling it leaks nothing that grows.
/// Campaigns made afterwards still work (they fill the cache again).
#[no_mangle]
pub extern "C" fn dc_shutdown() {
    crate::run_or((), || jiff::tz::db().reset());
}

fn unknown_contact(contact: u32) -> Fail {
    Fail::from(EngineError::UnknownContact(ContactId(contact)))
}

/// Runs `f` on the lookup of `contact` under the campaign's lock; an id
/// the campaign does not have is `DC_STATUS_UNKNOWN_CONTACT`.
///
/// # Safety
/// `campaign` as for every `dc_campaign_*` call.
unsafe fn with_contact<R>(
    campaign: *const dc_campaign,
    contact: u32,
    f: impl FnOnce(engine::campaign::lookup::ContactInfo<'_>) -> Result<R, Fail>,
) -> Result<R, Fail> {
    // SAFETY: forwarded contract.
    unsafe {
        with_campaign(campaign, |inner| {
            let info = inner
                .campaign
                .contact_info(ContactId(contact))
                .ok_or_else(|| unknown_contact(contact))?;
            f(info)
        })
    }
}

/// Copies `s` `snprintf` style: at most `cap - 1` bytes and a NUL into
/// `buf` (nothing when `cap == 0`, where `buf` may be NULL), the full length
/// to `*needed`.
unsafe fn copy_str(s: &str, buf: *mut c_char, cap: usize, needed: *mut usize) -> Result<(), Fail> {
    if needed.is_null() {
        return Err(Fail::null("needed"));
    }
    if cap > 0 {
        if buf.is_null() {
            return Err(Fail::null("buf"));
        }
        let n = s.len().min(cap - 1);
        // SAFETY: `buf` has `cap > n` writable bytes per the contract; the
        // source is a live `&str` of at least `n` bytes, not overlapping.
        unsafe {
            std::ptr::copy_nonoverlapping(s.as_ptr(), buf.cast::<u8>(), n);
            buf.add(n).write(0);
        }
    }
    // SAFETY: checked non-NULL above.
    unsafe { needed.write(s.len()) };
    Ok(())
}

/// Writes `items` (at most `cap`) to `out` and their number to `*written`.
unsafe fn write_page<T: Copy>(
    items: &[T],
    out: *mut T,
    cap: usize,
    written: *mut usize,
) -> Result<(), Fail> {
    if written.is_null() {
        return Err(Fail::null("written"));
    }
    let n = items.len().min(cap);
    if n > 0 {
        if out.is_null() {
            return Err(Fail::null("out"));
        }
        // SAFETY: `out` has `cap >= n` writable elements per the contract.
        unsafe { std::ptr::copy_nonoverlapping(items.as_ptr(), out, n) };
    }
    // SAFETY: checked non-NULL above.
    unsafe { written.write(n) };
    Ok(())
}

/// Writes what the campaign knows of `contact` to `*out`;
/// `DC_STATUS_UNKNOWN_CONTACT` for an id it does not have.
#[no_mangle]
pub unsafe extern "C" fn dc_campaign_contact_info(
    campaign: *const dc_campaign,
    contact: u32,
    out: *mut dc_contact_info,
) -> dc_status {
    run(|| {
        if out.is_null() {
            return Err(Fail::null("out"));
        }
        // SAFETY: the campaign pointer per the contract.
        let info = unsafe {
            with_contact(campaign, contact, |i| {
                Ok(dc_contact_info {
                    state: i.state.code(),
                    attempts: i.attempts,
                    last_outcome: i.last_outcome as u8,
                    priority: i.priority,
                    number_count: i.numbers.len() as u32,
                    number: i.numbers.first().copied().unwrap_or(0),
                    due_ms: i.due_ms.unwrap_or(DC_NONE_U64),
                    operator_id: i.operator.map_or(DC_NONE_U32, |o| o.0),
                    call_attempt: i.call.map_or(0, |c| c.attempt),
                })
            })
        }?;
        // SAFETY: checked non-NULL above.
        unsafe { out.write(info) };
        Ok(())
    })
}

/// Writes the numbers of `contact` (E.164 digits, in dial order) to
/// `out[0 .. min(cap, number_count)]` and how many to `*written`.
#[no_mangle]
pub unsafe extern "C" fn dc_campaign_contact_numbers(
    campaign: *const dc_campaign,
    contact: u32,
    out: *mut u64,
    cap: usize,
    written: *mut usize,
) -> dc_status {
    run(|| {
        // SAFETY: the campaign pointer per the contract.
        let numbers = unsafe { with_contact(campaign, contact, |i| Ok(i.numbers)) }?;
        // SAFETY: forwarded contract.
        unsafe { write_page(&numbers, out, cap, written) }
    })
}

/// Copies the external id of `contact` (`""` when none was given) into
/// `buf` (see "Ownership": at most `cap - 1` bytes and a NUL; the full
/// length in `*needed`).
#[no_mangle]
pub unsafe extern "C" fn dc_campaign_contact_external_id(
    campaign: *const dc_campaign,
    contact: u32,
    buf: *mut c_char,
    cap: usize,
    needed: *mut usize,
) -> dc_status {
    run(|| {
        // SAFETY: the campaign pointer and buffers per the contract.
        unsafe {
            with_contact(campaign, contact, |i| {
                copy_str(i.external_id, buf, cap, needed)
            })
        }
    })
}

/// Copies the IANA time zone name of `contact` into `buf`, as
/// `dc_campaign_contact_external_id`.
#[no_mangle]
pub unsafe extern "C" fn dc_campaign_contact_timezone(
    campaign: *const dc_campaign,
    contact: u32,
    buf: *mut c_char,
    cap: usize,
    needed: *mut usize,
) -> dc_status {
    run(|| {
        // SAFETY: the campaign pointer and buffers per the contract.
        unsafe {
            with_contact(campaign, contact, |i| {
                copy_str(i.timezone, buf, cap, needed)
            })
        }
    })
}

/// Writes what `operator` is busy with to `*out`: its state, the contact
/// offered to, dialed for or talking with it, and that contact's call.
/// `DC_STATUS_UNKNOWN_OPERATOR` for an id the campaign does not have.
#[no_mangle]
pub unsafe extern "C" fn dc_campaign_operator_work(
    campaign: *const dc_campaign,
    operator_id: u32,
    out: *mut dc_operator_work,
) -> dc_status {
    run(|| {
        if out.is_null() {
            return Err(Fail::null("out"));
        }
        let op = OperatorId(operator_id);
        // SAFETY: the campaign pointer per the contract.
        let work = unsafe {
            with_campaign(campaign, |inner| {
                let c = &inner.campaign;
                let unknown = || Fail::from(EngineError::UnknownOperator(op));
                let w = c.operator_work(op).ok_or_else(unknown)?;
                let state = c.operators().state(op).ok_or_else(unknown)?;
                Ok(dc_operator_work {
                    state: state as u8,
                    contact: w.contact.map_or(DC_NONE_U32, |c| c.0),
                    call_attempt: w.call.map_or(0, |c| c.attempt),
                })
            })
        }?;
        // SAFETY: checked non-NULL above.
        unsafe { out.write(work) };
        Ok(())
    })
}

/// Writes up to `cap` ids of the contacts in `state` (a `dc_state` code),
/// in id order from id `start` on, to `out`, and how many to `*written`.
/// Page through all of them with `start = out[written - 1] + 1` while
/// `written == cap`. A state code that is none is
/// `DC_STATUS_INVALID_ARGUMENT`. One page costs a scan of the state column
/// from `start` to the last id found.
#[no_mangle]
pub unsafe extern "C" fn dc_campaign_contacts_in_state(
    campaign: *const dc_campaign,
    state: u8,
    start: u32,
    out: *mut u32,
    cap: usize,
    written: *mut usize,
) -> dc_status {
    run(|| {
        let state = State::from_code(state)
            .ok_or_else(|| Fail::invalid(format!("state {state} is not a dc_state code")))?;
        if written.is_null() {
            return Err(Fail::null("written"));
        }
        if cap > 0 && out.is_null() {
            return Err(Fail::null("out"));
        }
        // SAFETY: the campaign pointer per the contract.
        let ids: Vec<u32> = unsafe {
            with_campaign(campaign, |inner| {
                Ok(inner
                    .campaign
                    .contacts_in_state(state, start, cap)
                    .map(|id| id.0)
                    .collect())
            })
        }?;
        // SAFETY: forwarded contract.
        unsafe { write_page(&ids, out, cap, written) }
    })
}

// ----------------------------------------------------------------------
// The row-by-row CSV import report
// ----------------------------------------------------------------------

/// What became of one data row of an imported CSV file (`dc_import_row`).
#[repr(u8)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum dc_row_status {
    /// Added as an Initial contact.
    Added = 0,
    /// Added as an InvalidRecord contact (its number is bad; fix it with
    /// `dc_campaign_fix_number`).
    InvalidRecord = 1,
    /// Added as a Blacklisted contact.
    Blacklisted = 2,
    /// Not added (wrong field count, bad UTF-8, unknown time zone, …).
    Skipped = 3,
}

/// One data row of an imported file: its line and its contact.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct dc_import_row {
    /// 1-based line where the row starts (the header is line 1).
    pub line: u64,
    /// The contact added for it, or `DC_NONE_U32` for a skipped row.
    pub contact: u32,
    /// A `dc_row_status`.
    pub status: u8,
}

/// One bad row of an imported file: an InvalidRecord row or a skipped one.
/// The strings are copies (NUL-terminated, cut to fit).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct dc_bad_row {
    /// 1-based line where the row starts.
    pub line: u64,
    /// The InvalidRecord contact added for it, or `DC_NONE_U32` (skipped).
    pub contact: u32,
    /// `DC_ROW_STATUS_INVALID_RECORD` or `DC_ROW_STATUS_SKIPPED`.
    pub status: u8,
    /// A stable key of the reason (`"too_short"`, `"letters"`,
    /// `"field_count"`, `"unknown_timezone"`, …).
    pub reason: [c_char; 24],
    /// A readable message (`"line 4: unknown time zone \"Nowhere/Land\""`).
    pub message: [c_char; 160],
}

/// The row-by-row report of `dc_campaign_import_csv_rows`; opaque, owned
/// by the caller, freed with `dc_import_rows_free`.
pub struct dc_import_rows {
    _private: [u8; 0],
}

struct Rows {
    rows: Vec<dc_import_row>,
    bad: Vec<dc_bad_row>,
}

fn row_error_key(kind: &RowErrorKind) -> &'static str {
    match kind {
        RowErrorKind::FieldCount { .. } => "field_count",
        RowErrorKind::BadUtf8 { .. } => "bad_utf8",
        RowErrorKind::UnclosedQuote { .. } => "unclosed_quote",
        RowErrorKind::TooLong { .. } => "too_long_row",
        RowErrorKind::UnknownTimezone(_) => "unknown_timezone",
        RowErrorKind::BadPriority(_) => "bad_priority",
        RowErrorKind::StoreFull => "store_full",
        RowErrorKind::BadNumberKind { .. } => "bad_number_kind",
        RowErrorKind::BadRegion { .. } => "bad_region",
    }
}

pub(crate) fn fixed<const N: usize>(s: &str) -> [c_char; N] {
    let mut out = [0 as c_char; N];
    // Cut at a character boundary so the copy stays valid UTF-8.
    let mut n = s.len().min(N - 1);
    while !s.is_char_boundary(n) {
        n -= 1;
    }
    for (o, b) in out.iter_mut().zip(&s.as_bytes()[..n]) {
        *o = *b as c_char;
    }
    out
}

/// Imports the CSV file at `path` like `dc_campaign_import_csv` (the
/// summary goes to the optional `report`) and gives the row-by-row report
/// in `*out_rows`: every data row's line and contact
/// (`dc_import_rows_get`) and every bad row with its reason
/// (`dc_import_rows_bad`). Free it with `dc_import_rows_free`. On error
/// nothing is imported and `*out_rows` is left unchanged.
#[no_mangle]
pub unsafe extern "C" fn dc_campaign_import_csv_rows(
    campaign: *mut dc_campaign,
    path: *const c_char,
    report: *mut dc_import_report,
    out_rows: *mut *mut dc_import_rows,
) -> dc_status {
    run(|| {
        // SAFETY: NUL-terminated string or NULL per the contract.
        let path = unsafe { req_str(path, "path") }?;
        // SAFETY: forwarded contract.
        unsafe {
            import_rows(campaign, report, out_rows, |c, on_row| {
                c.import_csv_path_rows(path, on_row)
            })
        }
    })
}

/// [`dc_campaign_import_csv_rows`] for a list held in memory (`len` bytes
/// at `data`, as `dc_campaign_import_csv_buffer`): the same summary and
/// row-by-row report, which the caller frees with `dc_import_rows_free`.
/// The bytes are read during the call only (not kept).
#[no_mangle]
pub unsafe extern "C" fn dc_campaign_import_csv_buffer_rows(
    campaign: *mut dc_campaign,
    data: *const u8,
    len: usize,
    report: *mut dc_import_report,
    out_rows: *mut *mut dc_import_rows,
) -> dc_status {
    run(|| {
        // SAFETY: `len` readable bytes per the contract.
        let data = unsafe { crate::slice(data, len, "data") }?;
        // SAFETY: forwarded contract.
        unsafe {
            import_rows(campaign, report, out_rows, |c, on_row| {
                c.import_csv_rows(data, on_row)
            })
        }
    })
}

/// Runs `import` (a row-reporting import) on the campaign and builds the
/// row-by-row report into `*out_rows`.
///
/// # Safety
/// `campaign`, `report` and `out_rows` as for `dc_campaign_import_csv_rows`.
unsafe fn import_rows(
    campaign: *mut dc_campaign,
    report: *mut dc_import_report,
    out_rows: *mut *mut dc_import_rows,
    import: impl FnOnce(
        &mut engine::Campaign,
        &mut dyn FnMut(RowSeen),
    ) -> Result<engine::import::ImportReport, engine::import::ImportError>,
) -> Result<(), Fail> {
    if out_rows.is_null() {
        return Err(Fail::null("out_rows"));
    }
    // SAFETY: the campaign pointer per the contract.
    let (summary, rows) = unsafe {
        with_campaign(campaign, |inner| {
            let mut seen: Vec<RowSeen> = Vec::new();
            let c = &mut inner.campaign;
            let r = import(c, &mut |row| seen.push(row))?;
            let mut errors = r.row_errors.iter().peekable();
            let mut invalid = r.invalid_rows.iter().peekable();
            let mut rows = Vec::with_capacity(seen.len());
            let mut bad = Vec::new();
            for s in &seen {
                let (status, contact) = match s.contact {
                    None => (dc_row_status::Skipped, DC_NONE_U32),
                    Some(id) => match c.state(id) {
                        Some(State::InvalidRecord) => (dc_row_status::InvalidRecord, id.0),
                        Some(State::Blacklisted) => (dc_row_status::Blacklisted, id.0),
                        _ => (dc_row_status::Added, id.0),
                    },
                };
                rows.push(dc_import_row {
                    line: s.line,
                    contact,
                    status: status as u8,
                });
                let (reason, message) = match status {
                    dc_row_status::Skipped => match errors.next_if(|e| e.line == s.line) {
                        Some(e) => (row_error_key(&e.kind), e.to_string()),
                        None => ("skipped", format!("line {}: not imported", s.line)),
                    },
                    dc_row_status::InvalidRecord => match invalid.next_if(|i| i.line == s.line) {
                        Some(i) => (
                            i.reason.name(),
                            format!("line {}: invalid number: {}", s.line, i.reason),
                        ),
                        None => ("invalid", format!("line {}: invalid number", s.line)),
                    },
                    _ => continue,
                };
                bad.push(dc_bad_row {
                    line: s.line,
                    contact,
                    status: status as u8,
                    reason: fixed(reason),
                    message: fixed(&message),
                });
            }
            Ok((dc_import_report::from_report(&r), Rows { rows, bad }))
        })
    }?;
    if !report.is_null() {
        // SAFETY: non-NULL, writable per the contract.
        unsafe { report.write(summary) };
    }
    let boxed = Box::into_raw(Box::new(rows)).cast::<dc_import_rows>();
    // SAFETY: checked non-NULL above.
    unsafe { out_rows.write(boxed) };
    Ok(())
}

unsafe fn rows_ref<'a>(rows: *const dc_import_rows) -> Result<&'a Rows, Fail> {
    if rows.is_null() {
        return Err(Fail::null("rows"));
    }
    // SAFETY: non-NULL and, per the contract, from
    // `dc_campaign_import_csv_rows` and not freed.
    Ok(unsafe { &*rows.cast::<Rows>() })
}

/// Writes the number of data rows to `*out_rows` and of bad rows to
/// `*out_bad` (either may be NULL).
#[no_mangle]
pub unsafe extern "C" fn dc_import_rows_len(
    rows: *const dc_import_rows,
    out_rows: *mut usize,
    out_bad: *mut usize,
) -> dc_status {
    run(|| {
        // SAFETY: forwarded contract.
        let r = unsafe { rows_ref(rows) }?;
        if !out_rows.is_null() {
            // SAFETY: non-NULL, writable per the contract.
            unsafe { out_rows.write(r.rows.len()) };
        }
        if !out_bad.is_null() {
            // SAFETY: non-NULL, writable per the contract.
            unsafe { out_bad.write(r.bad.len()) };
        }
        Ok(())
    })
}

/// Copies data rows `start ..` (at most `cap`, in line order) to `out` and
/// how many to `*written`: the map from a row's line to its contact id.
#[no_mangle]
pub unsafe extern "C" fn dc_import_rows_get(
    rows: *const dc_import_rows,
    start: usize,
    out: *mut dc_import_row,
    cap: usize,
    written: *mut usize,
) -> dc_status {
    run(|| {
        // SAFETY: forwarded contract.
        let r = unsafe { rows_ref(rows) }?;
        let page = r.rows.get(start..).unwrap_or(&[]);
        // SAFETY: forwarded contract.
        unsafe { write_page(page, out, cap, written) }
    })
}

/// Copies bad rows `start ..` (at most `cap`, in line order: every
/// InvalidRecord and every skipped row, not just the first) to `out` and
/// how many to `*written`.
#[no_mangle]
pub unsafe extern "C" fn dc_import_rows_bad(
    rows: *const dc_import_rows,
    start: usize,
    out: *mut dc_bad_row,
    cap: usize,
    written: *mut usize,
) -> dc_status {
    run(|| {
        // SAFETY: forwarded contract.
        let r = unsafe { rows_ref(rows) }?;
        let page = r.bad.get(start..).unwrap_or(&[]);
        // SAFETY: forwarded contract.
        unsafe { write_page(page, out, cap, written) }
    })
}

/// Frees a report of `dc_campaign_import_csv_rows`; NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn dc_import_rows_free(rows: *mut dc_import_rows) {
    if rows.is_null() {
        return;
    }
    // SAFETY: from `Box::into_raw` in `dc_campaign_import_csv_rows`, freed once.
    let rows = unsafe { Box::from_raw(rows.cast::<Rows>()) };
    crate::run_or((), move || drop(rows));
}
