//! A floor kept in a data directory (`dc_floor_open`, `dc_floor_flush`)
//! and the inbound reserve (`dc_floor_reserve_inbound`,
//! `dc_floor_release_inbound`).

use std::collections::VecDeque;
use std::ffi::c_char;
use std::path::Path;

use engine::{Floor, FloorOpenError, OperatorId};
use parking_lot::Mutex;

use super::{dc_floor, floor_ok, with_floor, FloorHandle, FloorInner};
use crate::{dc_durable_options, dc_status, open_fail, read_options, req_str, run, Fail};

/// What `dc_floor_open` found in the data directory.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct dc_floor_recovery {
    /// Admin records (campaigns, pools, operators, trunks, lists, caps)
    /// replayed from the floor journal.
    pub admin_records: u64,
    /// Bytes of a torn or damaged floor journal tail cut off.
    pub damaged_bytes: u64,
    /// Campaigns recovered, each from its own directory.
    pub campaigns: u64,
    /// Dials counted back into the floor's caps from the campaigns' records.
    pub cap_dials: u64,
}

fn floor_open_fail(dir: &Path, e: FloorOpenError) -> Fail {
    match e {
        FloorOpenError::Campaign { name, error } => {
            let Fail(status, message) = open_fail(dir, error);
            Fail::new(status, format!("campaign {name:?}: {message}"))
        }
        FloorOpenError::Floor(message) if message.contains("is locked") => {
            Fail::new(dc_status::Locked, message)
        }
        FloorOpenError::Floor(message) => Fail::new(
            dc_status::Io,
            format!("floor data directory {}: {message}", dir.display()),
        ),
    }
}

/// Opens (or creates) the floor kept in the data directory `dir` into
/// `*out`: its campaigns (each in `campaigns/<id>/`, recovered with the
/// guarantees of `dc_campaign_open`), pools, operators (logged out),
/// trunks, lists and caps; `options` may be NULL (the defaults). What was
/// found goes to `*out_recovery` (optional). The directory is locked until
/// `dc_floor_free` (`DC_STATUS_LOCKED` while another floor holds it).
#[no_mangle]
pub unsafe extern "C" fn dc_floor_open(
    dir: *const c_char,
    options: *const dc_durable_options,
    out: *mut *mut dc_floor,
    out_recovery: *mut dc_floor_recovery,
) -> dc_status {
    run(|| {
        // SAFETY: NUL-terminated string or NULL per the contract.
        let dir = unsafe { req_str(dir, "dir") }?;
        if out.is_null() {
            return Err(Fail::null("out"));
        }
        // SAFETY: NULL or valid per the contract.
        let options = unsafe { read_options(options) }?;
        let path = Path::new(dir);
        let (floor, recovery) = Floor::open(path, options).map_err(|e| floor_open_fail(path, e))?;
        let handle = Box::new(FloorHandle {
            inner: Mutex::new(FloorInner {
                floor,
                pending: VecDeque::new(),
                scratch: Vec::new(),
                broken: false,
            }),
        });
        if !out_recovery.is_null() {
            let r = dc_floor_recovery {
                admin_records: recovery.admin_records,
                damaged_bytes: recovery.damaged_bytes,
                campaigns: recovery.campaigns.len() as u64,
                cap_dials: recovery.cap_dials,
            };
            // SAFETY: non-NULL, writable per the contract.
            unsafe { out_recovery.write(r) };
        }
        // SAFETY: non-NULL (checked above), writable per the contract.
        unsafe { out.write(Box::into_raw(handle).cast::<dc_floor>()) };
        Ok(())
    })
}

/// Forces what a durable floor has written (its journal and every
/// campaign's) to stable storage; a no-op for a floor from `dc_floor_new`.
/// `DC_STATUS_IO` naming the file when a write failed.
#[no_mangle]
pub unsafe extern "C" fn dc_floor_flush(floor: *mut dc_floor) -> dc_status {
    run(|| {
        // SAFETY: the floor pointer per the contract.
        unsafe { with_floor(floor, |inner| floor_ok(inner.floor.flush())) }
    })
}

/// Reserves a logged-in floor operator for inbound work at `now_ms`: it
/// takes no outbound call (after its current work) until
/// `dc_floor_release_inbound`; pacing stops counting it.
#[no_mangle]
pub unsafe extern "C" fn dc_floor_reserve_inbound(
    floor: *mut dc_floor,
    operator: u32,
    now_ms: u64,
) -> dc_status {
    run(|| {
        // SAFETY: the floor pointer per the contract.
        unsafe {
            with_floor(floor, |inner| {
                floor_ok(inner.floor.reserve_inbound(OperatorId(operator), now_ms))
            })
        }
    })
}

/// Releases a reserved operator for outbound work again (ready) at `now_ms`.
#[no_mangle]
pub unsafe extern "C" fn dc_floor_release_inbound(
    floor: *mut dc_floor,
    operator: u32,
    now_ms: u64,
) -> dc_status {
    run(|| {
        // SAFETY: the floor pointer per the contract.
        unsafe {
            with_floor(floor, |inner| {
                floor_ok(inner.floor.release_inbound(OperatorId(operator), now_ms))
            })
        }
    })
}
