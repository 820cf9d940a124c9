//! The panic guard around every entry point. `run` catches a panic and
//! turns it, like any `Fail`, into a status plus the thread's last error
//! message; `run_or` does the same for the few functions that return a
//! value rather than a status. Since Rust 1.81 an unwinding panic that
//! reaches an `extern "C"` frame aborts the process, so this guard is what
//! keeps a host (a PBX) alive through a library bug.

use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::{dc_status, set_last_error, Fail};

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    let what = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)");
    format!("internal panic in libdialcore: {what}")
}

/// Runs one entry point: catches panics, turns failures into a status and
/// the thread's last error message.
#[inline(always)]
pub(crate) fn run(body: impl FnOnce() -> Result<(), Fail>) -> dc_status {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => dc_status::Ok,
        Ok(Err(Fail(status, message))) => {
            set_last_error(message);
            status
        }
        Err(payload) => {
            set_last_error(panic_message(&*payload));
            dc_status::Panic
        }
    }
}

/// Runs an entry point that returns a value rather than a status; a panic
/// gives `fallback`.
pub(crate) fn run_or<T>(fallback: T, body: impl FnOnce() -> T) -> T {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(v) => v,
        Err(payload) => {
            set_last_error(panic_message(&*payload));
            fallback
        }
    }
}
