//! Reading and writing the host's memory, the only place the crate's entry
//! points touch raw C input and output: field readers that take enum and
//! `bool` fields as integers (`read_u32!`, `read_bool!`, `read_plain!`, so
//! a value that is not a variant is an error, not undefined behavior),
//! C strings checked as UTF-8 (`opt_str`, `req_str`), arrays (`slice`),
//! out-parameters (`write_out`) and the output buffers of the polls
//! (`begin_output`). Each turns a NULL or an oversized length into a `Fail`
//! naming the argument.

use std::ffi::{c_char, CStr};

use crate::{dc_status, Fail};

/// Reads a field of a `#[repr(u32)]` enum type as a plain `u32`, so a value
/// C put there that is not a variant is not undefined behavior.
macro_rules! read_u32 {
    ($p:expr, $($field:tt)+) => {
        // SAFETY: the caller of the enclosing function guarantees `$p` is
        // valid and aligned; the field is a `#[repr(u32)]` enum, read as the
        // `u32` it is laid out as.
        unsafe { ::std::ptr::addr_of!((*$p).$($field)+).cast::<u32>().read() }
    };
}

/// Reads a `bool` field as a byte (any non-zero byte is true).
macro_rules! read_bool {
    ($p:expr, $($field:tt)+) => {
        // SAFETY: as for `read_u32!`; a `bool` is one byte.
        unsafe { ::std::ptr::addr_of!((*$p).$($field)+).cast::<u8>().read() != 0 }
    };
}

/// Reads a plain (integer or float) field.
macro_rules! read_plain {
    ($p:expr, $($field:tt)+) => {
        // SAFETY: as for `read_u32!`; every bit pattern is a valid value of
        // the field's type.
        unsafe { ::std::ptr::addr_of!((*$p).$($field)+).read() }
    };
}

/// An optional C string as `&str`: NULL is `None`.
pub(crate) unsafe fn opt_str<'a>(p: *const c_char, what: &str) -> Result<Option<&'a str>, Fail> {
    if p.is_null() {
        return Ok(None);
    }
    // SAFETY: non-NULL, and the caller guarantees a NUL-terminated string
    // that outlives the call.
    let bytes = unsafe { CStr::from_ptr(p) };
    bytes.to_str().map(Some).map_err(|e| {
        Fail::new(
            dc_status::BadUtf8,
            format!("{what} is not valid UTF-8: {e}"),
        )
    })
}

/// A required C string.
pub(crate) unsafe fn req_str<'a>(p: *const c_char, what: &str) -> Result<&'a str, Fail> {
    // SAFETY: forwarded contract.
    unsafe { opt_str(p, what) }?.ok_or_else(|| Fail::null(what))
}

/// A C array as a slice; NULL is allowed only with `len == 0`.
pub(crate) unsafe fn slice<'a, T>(p: *const T, len: usize, what: &str) -> Result<&'a [T], Fail> {
    if len == 0 {
        return Ok(&[]);
    }
    if p.is_null() {
        return Err(Fail::null(what));
    }
    if len > isize::MAX as usize / std::mem::size_of::<T>().max(1) {
        return Err(Fail::invalid(format!("{what}: length {len} is too large")));
    }
    // SAFETY: non-NULL, the length fits `isize`, and the caller guarantees
    // `len` readable, initialized elements at `p` for the call.
    Ok(unsafe { std::slice::from_raw_parts(p, len) })
}

/// Writes an out-parameter after a NULL check.
pub(crate) unsafe fn write_out<T>(p: *mut T, value: T, what: &str) -> Result<(), Fail> {
    if p.is_null() {
        return Err(Fail::null(what));
    }
    // SAFETY: non-NULL; the caller guarantees it is valid and aligned for a T.
    unsafe { p.write(value) };
    Ok(())
}

/// Checks a poll's output arguments and sets `*written = 0`: `written`
/// non-NULL, `out` non-NULL unless `cap` is 0, `cap` elements of `T` within
/// `isize::MAX` bytes.
///
/// # Safety
/// `written`, when non-NULL, must be writable.
pub(crate) unsafe fn begin_output<T>(
    out: *mut T,
    cap: usize,
    written: *mut usize,
) -> Result<(), Fail> {
    if written.is_null() {
        return Err(Fail::null("written"));
    }
    // SAFETY: non-NULL, writable per the contract.
    unsafe { written.write(0) };
    if out.is_null() && cap > 0 {
        return Err(Fail::null("out"));
    }
    if cap > isize::MAX as usize / std::mem::size_of::<T>() {
        return Err(Fail::invalid(format!("cap {cap} is too large")));
    }
    Ok(())
}
