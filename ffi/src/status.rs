//! How a failure reaches C: the `dc_status` codes, the crate's `Fail` (a
//! code and its message), the conversions from the engine's errors, and the
//! calling thread's last error message (`dc_last_error_message`,
//! `dc_last_error_copy`, `dc_status_name`). The codes are stable across
//! versions; the message is per thread and lives until that thread's next
//! failing call.

use std::cell::RefCell;
use std::ffi::{c_char, CStr, CString};
use std::fmt::Display;
use std::ptr;

use engine::import::ImportError;
use engine::EngineError;

use crate::run_or;

/// The result of a fallible call. Codes are stable across versions.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum dc_status {
    /// Success.
    Ok = 0,
    /// A required pointer argument is NULL.
    NullPointer = 1,
    /// An argument is out of range: an unknown enum value, a length too large.
    InvalidArgument = 2,
    /// A string is not valid UTF-8.
    BadUtf8 = 3,
    /// The id names no contact of this campaign.
    UnknownContact = 4,
    /// The id names no operator of this campaign.
    UnknownOperator = 5,
    /// The event is not legal in the contact's state; nothing changed.
    IllegalTransition = 6,
    /// The operator event does not fit the operator's state; nothing changed.
    IllegalOperatorEvent = 7,
    /// The event is about an attempt that is over (a late PBX message); nothing changed.
    StaleCall = 8,
    /// The campaign is canceled; it cannot be resumed.
    Canceled = 9,
    /// A phone number is not valid.
    InvalidNumber = 10,
    /// A time zone is not a known IANA name.
    UnknownTimezone = 11,
    /// A `dc_config` field is not acceptable (the message names it).
    InvalidConfig = 12,
    /// The contact store is full.
    Full = 13,
    /// Reading or writing a file failed (a CSV list, a data directory, the
    /// journal of a durable campaign); the message names the file.
    Io = 14,
    /// A CSV list cannot be imported at all (empty, no `phone` column, bad header).
    BadCsv = 15,
    /// The library panicked (a bug); the message says where. A campaign whose
    /// call panicked answers this code from then on: free it.
    Panic = 16,
    /// The data directory is held by another open campaign (this process or
    /// another); the message names the directory.
    Locked = 17,
    /// A data directory's files are damaged beyond what recovery repairs, are
    /// not dialcore's, or do not fit together (a journal without its
    /// snapshot); the message names the file.
    Corrupt = 18,
    /// The call needs a durable campaign (from `dc_campaign_open`) and this
    /// one has no data directory.
    NotDurable = 19,
    /// A time given (`now_ms`, a callback's `at_ms`) is past
    /// `DC_MAX_TIME_MS` (9999-12-31T23:59:59.999Z); the message names it and
    /// nothing changed.
    TimeOutOfRange = 20,
    /// The id names no campaign of this floor (`dc_floor_*`); the message names it.
    UnknownCampaign = 21,
    /// The id names no pool of this floor.
    UnknownPool = 22,
    /// The id names no trunk of this floor.
    UnknownTrunk = 23,
    /// The id names no do-not-call list of this floor.
    UnknownList = 24,
    /// The floor operator an event names is not working for the campaign
    /// the event names (`dc_floor_handle`), or its pool is not assigned to it.
    NotAssigned = 25,
    /// The campaign has calls in flight or busy operators; it cannot be
    /// removed now.
    CampaignBusy = 26,
}

impl dc_status {
    const ALL: [dc_status; 27] = [
        dc_status::Ok,
        dc_status::NullPointer,
        dc_status::InvalidArgument,
        dc_status::BadUtf8,
        dc_status::UnknownContact,
        dc_status::UnknownOperator,
        dc_status::IllegalTransition,
        dc_status::IllegalOperatorEvent,
        dc_status::StaleCall,
        dc_status::Canceled,
        dc_status::InvalidNumber,
        dc_status::UnknownTimezone,
        dc_status::InvalidConfig,
        dc_status::Full,
        dc_status::Io,
        dc_status::BadCsv,
        dc_status::Panic,
        dc_status::Locked,
        dc_status::Corrupt,
        dc_status::NotDurable,
        dc_status::TimeOutOfRange,
        dc_status::UnknownCampaign,
        dc_status::UnknownPool,
        dc_status::UnknownTrunk,
        dc_status::UnknownList,
        dc_status::NotAssigned,
        dc_status::CampaignBusy,
    ];

    fn c_name(self) -> &'static CStr {
        match self {
            dc_status::Ok => c"DC_STATUS_OK",
            dc_status::NullPointer => c"DC_STATUS_NULL_POINTER",
            dc_status::InvalidArgument => c"DC_STATUS_INVALID_ARGUMENT",
            dc_status::BadUtf8 => c"DC_STATUS_BAD_UTF8",
            dc_status::UnknownContact => c"DC_STATUS_UNKNOWN_CONTACT",
            dc_status::UnknownOperator => c"DC_STATUS_UNKNOWN_OPERATOR",
            dc_status::IllegalTransition => c"DC_STATUS_ILLEGAL_TRANSITION",
            dc_status::IllegalOperatorEvent => c"DC_STATUS_ILLEGAL_OPERATOR_EVENT",
            dc_status::StaleCall => c"DC_STATUS_STALE_CALL",
            dc_status::Canceled => c"DC_STATUS_CANCELED",
            dc_status::InvalidNumber => c"DC_STATUS_INVALID_NUMBER",
            dc_status::UnknownTimezone => c"DC_STATUS_UNKNOWN_TIMEZONE",
            dc_status::InvalidConfig => c"DC_STATUS_INVALID_CONFIG",
            dc_status::Full => c"DC_STATUS_FULL",
            dc_status::Io => c"DC_STATUS_IO",
            dc_status::BadCsv => c"DC_STATUS_BAD_CSV",
            dc_status::Panic => c"DC_STATUS_PANIC",
            dc_status::Locked => c"DC_STATUS_LOCKED",
            dc_status::Corrupt => c"DC_STATUS_CORRUPT",
            dc_status::NotDurable => c"DC_STATUS_NOT_DURABLE",
            dc_status::TimeOutOfRange => c"DC_STATUS_TIME_OUT_OF_RANGE",
            dc_status::UnknownCampaign => c"DC_STATUS_UNKNOWN_CAMPAIGN",
            dc_status::UnknownPool => c"DC_STATUS_UNKNOWN_POOL",
            dc_status::UnknownTrunk => c"DC_STATUS_UNKNOWN_TRUNK",
            dc_status::UnknownList => c"DC_STATUS_UNKNOWN_LIST",
            dc_status::NotAssigned => c"DC_STATUS_NOT_ASSIGNED",
            dc_status::CampaignBusy => c"DC_STATUS_CAMPAIGN_BUSY",
        }
    }
}

/// A failure on its way to C: the code and the message for `dc_last_error_message`.
pub(crate) struct Fail(pub(crate) dc_status, pub(crate) String);

impl Fail {
    pub(crate) fn new(status: dc_status, message: impl Display) -> Fail {
        Fail(status, message.to_string())
    }

    pub(crate) fn null(what: &str) -> Fail {
        Fail(dc_status::NullPointer, format!("{what} is NULL"))
    }

    pub(crate) fn invalid(message: impl Display) -> Fail {
        Fail::new(dc_status::InvalidArgument, message)
    }
}

impl From<EngineError> for Fail {
    fn from(e: EngineError) -> Fail {
        let status = match e {
            EngineError::UnknownContact(_) => dc_status::UnknownContact,
            EngineError::UnknownOperator(_) => dc_status::UnknownOperator,
            EngineError::StaleCall { .. } => dc_status::StaleCall,
            EngineError::IllegalTransition { .. } => dc_status::IllegalTransition,
            EngineError::IllegalOperatorEvent { .. } => dc_status::IllegalOperatorEvent,
            EngineError::Canceled => dc_status::Canceled,
            EngineError::InvalidNumber { .. } => dc_status::InvalidNumber,
            EngineError::UnknownTimezone(_) => dc_status::UnknownTimezone,
            EngineError::Full => dc_status::Full,
            EngineError::TimeOutOfRange { .. } => dc_status::TimeOutOfRange,
            EngineError::InvalidContactLimit { .. }
            | EngineError::UnknownDisposition(_)
            | EngineError::NoSuchNumber { .. }
            | EngineError::Numbers(_) => dc_status::InvalidArgument,
        };
        Fail::new(status, e)
    }
}

impl From<ImportError> for Fail {
    fn from(e: ImportError) -> Fail {
        let status = match e {
            ImportError::Io { .. } => dc_status::Io,
            _ => dc_status::BadCsv,
        };
        Fail::new(status, e)
    }
}

thread_local! {
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
}

pub(crate) fn set_last_error(message: String) {
    let message = CString::new(message.replace('\0', "\\0")).unwrap_or_default();
    // During thread teardown the slot may be gone; the message is then lost.
    let _ = LAST_ERROR.try_with(|slot| *slot.borrow_mut() = message);
}

/// The message of the last failing call on this thread ("" if none yet).
///
/// The string is owned by the library and stays valid until the next failing
/// call on the same thread; copy it (or use `dc_last_error_copy`) to keep it.
/// Successful calls do not change it.
#[no_mangle]
pub extern "C" fn dc_last_error_message() -> *const c_char {
    run_or(c"".as_ptr(), || {
        LAST_ERROR
            .try_with(|slot| slot.borrow().as_ptr())
            .unwrap_or(c"".as_ptr())
    })
}

/// Copies the last error message of this thread into `buf` (at most `cap`
/// bytes including the terminating NUL; truncated if longer) and returns
/// the full message length without the NUL. With `cap == 0`, `buf` may be
/// NULL: the call only returns the length.
#[no_mangle]
pub unsafe extern "C" fn dc_last_error_copy(buf: *mut c_char, cap: usize) -> usize {
    run_or(0, || {
        LAST_ERROR
            .try_with(|slot| {
                let message = slot.borrow();
                let bytes = message.as_bytes();
                if !buf.is_null() && cap > 0 {
                    let n = bytes.len().min(cap - 1);
                    // SAFETY: the caller gives `cap` writable bytes at `buf`;
                    // n + 1 <= cap, and the source is our own CString.
                    unsafe {
                        ptr::copy_nonoverlapping(bytes.as_ptr().cast::<c_char>(), buf, n);
                        *buf.add(n) = 0;
                    }
                }
                bytes.len()
            })
            .unwrap_or(0)
    })
}

/// The name of a status code (`"DC_STATUS_STALE_CALL"`), a static string;
/// `"unknown"` for a code that is not a `dc_status`.
#[no_mangle]
pub extern "C" fn dc_status_name(status: u32) -> *const c_char {
    dc_status::ALL
        .get(status as usize)
        .map_or(c"unknown", |s| s.c_name())
        .as_ptr()
}
