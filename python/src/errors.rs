//! The exception hierarchy and the mapping from engine errors.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use dialcore::campaign::durable::DurableError;
use dialcore::campaign::EngineError;
use dialcore::import::ImportError;
use dialcore::journal::JournalError;
use dialcore::ConfigError;
use dialcore::OpenError;
use dialcore_sim::{ScenarioError, SimError};
use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyOSError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyTuple, PyType};

create_exception!(
    dialcore,
    DialcoreError,
    PyException,
    "Base class of every error raised by the dialcore engine."
);
create_exception!(
    dialcore,
    InvalidConfig,
    DialcoreError,
    "A campaign setting or simulation scenario value is not valid (unknown key, value out of range)."
);
create_exception!(
    dialcore,
    IllegalTransition,
    DialcoreError,
    "The event is not legal in the contact's (or operator's) current state; nothing changed."
);
create_exception!(
    dialcore,
    StaleCall,
    DialcoreError,
    "The event names a call attempt that is already over (a late PBX message); nothing changed."
);
create_exception!(
    dialcore,
    UnknownContact,
    DialcoreError,
    "The id names no contact of this campaign."
);
create_exception!(
    dialcore,
    UnknownOperator,
    DialcoreError,
    "The id names no operator of this campaign."
);
create_exception!(
    dialcore,
    InvalidNumber,
    DialcoreError,
    "A phone number given to the engine is not valid."
);
create_exception!(
    dialcore,
    UnknownTimezone,
    DialcoreError,
    "A time zone name is not a known IANA zone."
);
create_exception!(
    dialcore,
    CampaignCanceled,
    DialcoreError,
    "The campaign was canceled; it cannot be resumed."
);
create_exception!(
    dialcore,
    TimeOutOfRange,
    DialcoreError,
    "A time given (now_ms, a callback's at_ms) is past 9999-12-31T23:59:59.999Z (253402300799999 ms); the message names it and nothing changed."
);
create_exception!(
    dialcore,
    CsvImportError,
    DialcoreError,
    "A CSV import could not run at all (unreadable file, no header, no phone column)."
);

create_exception!(
    dialcore,
    CorruptDataError,
    DialcoreError,
    "A data directory's files are damaged beyond what recovery repairs, are not dialcore's, or do not fit together; the message names the file."
);

/// `LockedError(DialcoreError, OSError)`: made at import, since
/// `create_exception!` takes one base.
static LOCKED_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
/// `StorageError(DialcoreError, OSError)`.
static STORAGE_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();

const LOCKED_DOC: &str =
    "The data directory is held by another open campaign: the message says whether by this process \
(a Campaign not closed yet) or by another one (its pid). Also an OSError(errno, message, filename); \
`filename` is the directory.";
const STORAGE_DOC: &str =
    "A data directory's file could not be read or written (opening, or the journal of \
an open campaign). Also an OSError(errno, message, filename); `errno` is the OS error number \
when there is one, `filename` the file. After a journal write failed the campaign hands \
out no commands: close it and open the directory again.";

/// A class `name(DialcoreError, OSError)` in module `dialcore`.
fn os_subclass(py: Python<'_>, name: &str, doc: &str) -> PyResult<Py<PyType>> {
    let bases = PyTuple::new(
        py,
        [
            py.get_type::<DialcoreError>().into_any(),
            py.get_type::<PyOSError>().into_any(),
        ],
    )?;
    let dict = PyDict::new(py);
    dict.set_item("__doc__", doc)?;
    dict.set_item("__module__", "dialcore")?;
    let ty = py.get_type::<PyType>().call1((name, bases, dict))?;
    Ok(ty.cast_into::<PyType>()?.unbind())
}

/// An error of one of the `OSError` subclasses, built as
/// `OSError(errno, message, filename)` so that `str(e)` reads
/// `[Errno 11] data directory is locked by this process: '/var/lib/c42'` and
/// `e.errno`, `e.strerror`, `e.filename` are set.
fn os_err(
    py: Python<'_>,
    cell: &PyOnceLock<Py<PyType>>,
    errno: Option<i32>,
    msg: String,
    path: &Path,
) -> PyErr {
    let Some(ty) = cell.get(py) else {
        return DialcoreError::new_err(msg);
    };
    let filename = path.display().to_string();
    match errno {
        Some(errno) => PyErr::from_type(ty.bind(py).clone(), (errno, msg, filename)),
        // OSError(None, msg, filename) would print "[Errno None]": keep the
        // message and set the file name afterwards.
        None => {
            let err = PyErr::from_type(ty.bind(py).clone(), (msg,));
            let _ = err.value(py).setattr("filename", filename);
            err
        }
    }
}

/// The OS error number of `e`: its own, or for an error the engine made
/// (`NotFound` with a message of its own) the platform's number of its kind.
fn io_errno(py: Python<'_>, e: &std::io::Error) -> Option<i32> {
    use std::io::ErrorKind;
    if let Some(n) = e.raw_os_error() {
        return Some(n);
    }
    let name = match e.kind() {
        ErrorKind::NotFound => "ENOENT",
        ErrorKind::PermissionDenied => "EACCES",
        ErrorKind::AlreadyExists => "EEXIST",
        ErrorKind::WouldBlock => "EWOULDBLOCK",
        ErrorKind::InvalidInput => "EINVAL",
        ErrorKind::NotADirectory => "ENOTDIR",
        ErrorKind::IsADirectory => "EISDIR",
        ErrorKind::StorageFull => "ENOSPC",
        _ => return None,
    };
    errno_named(py, name)
}

/// `errno.<name>` of this platform.
fn errno_named(py: Python<'_>, name: &str) -> Option<i32> {
    py.import("errno").ok()?.getattr(name).ok()?.extract().ok()
}

/// Who holds the lock of `dir`: the process id its `LOCK` file names.
fn lock_holder(dir: &Path) -> Option<u32> {
    std::fs::read_to_string(dir.join(dialcore::lockfile::LOCK_FILE))
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// The `LockedError` for `dir`: says whether this process holds it (another
/// open `Campaign`, not yet closed) or which process does.
fn locked_err(py: Python<'_>, dir: &Path) -> PyErr {
    let msg = match lock_holder(dir) {
        Some(pid) if pid == std::process::id() => format!(
            "data directory is locked by this process (pid {pid}): another Campaign opened on it is not closed yet"
        ),
        Some(pid) => format!("data directory is locked by another process (pid {pid})"),
        None => "data directory is locked by another process".to_owned(),
    };
    os_err(py, &LOCKED_ERROR, errno_named(py, "EWOULDBLOCK"), msg, dir)
}

/// The error of a failed `Campaign.open` / `dialcore.inspect` of `dir`.
pub(crate) fn open_err(py: Python<'_>, dir: &Path, e: OpenError) -> PyErr {
    let msg = e.to_string();
    match e {
        OpenError::Config(e) => config_err(e),
        OpenError::ZoneMismatch { .. } | OpenError::ConfigChanged { .. } => {
            InvalidConfig::new_err(format!("data directory {}: {msg}", dir.display()))
        }
        OpenError::Locked(dir) => locked_err(py, &dir),
        OpenError::Io { path, source } => {
            os_err(py, &STORAGE_ERROR, io_errno(py, &source), msg, &path)
        }
        OpenError::Journal(JournalError::Io(source)) => os_err(
            py,
            &STORAGE_ERROR,
            io_errno(py, &source),
            format!("data directory {}: {msg}", dir.display()),
            dir,
        ),
        OpenError::Journal(_) | OpenError::Corrupt { .. } | OpenError::MissingSnapshot { .. } => {
            CorruptDataError::new_err(msg)
        }
    }
}

/// The error of a failed journal or snapshot write.
pub(crate) fn durable_err(py: Python<'_>, what: &str, e: &DurableError) -> PyErr {
    storage_err(py, io_errno(py, &e.source), format!("{what}: {e}"), &e.path)
}

/// A `StorageError` about `path`, with the OS error number when there is one.
pub(crate) fn storage_err(py: Python<'_>, errno: Option<i32>, msg: String, path: &Path) -> PyErr {
    os_err(py, &STORAGE_ERROR, errno, msg, path)
}

pub(crate) fn engine_err(e: EngineError) -> PyErr {
    let msg = e.to_string();
    engine_err_with(e, msg)
}

/// The exception class of `e`, with `msg` as its message.
fn engine_err_with(e: EngineError, msg: String) -> PyErr {
    match e {
        EngineError::UnknownContact(_) => UnknownContact::new_err(msg),
        EngineError::UnknownOperator(_) => UnknownOperator::new_err(msg),
        EngineError::StaleCall { .. } => StaleCall::new_err(msg),
        EngineError::IllegalTransition { .. } | EngineError::IllegalOperatorEvent { .. } => {
            IllegalTransition::new_err(msg)
        }
        EngineError::Canceled => CampaignCanceled::new_err(msg),
        EngineError::InvalidNumber { .. } => InvalidNumber::new_err(msg),
        EngineError::UnknownTimezone(_) => UnknownTimezone::new_err(msg),
        EngineError::Full => DialcoreError::new_err(msg),
        EngineError::UnknownDisposition(_) => pyo3::exceptions::PyValueError::new_err(msg),
        EngineError::TimeOutOfRange { .. } => TimeOutOfRange::new_err(msg),
        EngineError::InvalidContactLimit { .. } => InvalidConfig::new_err(msg),
        EngineError::NoSuchNumber { .. } | EngineError::Numbers(_) => {
            pyo3::exceptions::PyValueError::new_err(msg)
        }
    }
}

/// A refused bulk add: the class of its reason, the message naming the row.
pub(crate) fn bulk_err(e: dialcore::campaign::bulk::BulkAddError) -> PyErr {
    let msg = e.to_string();
    engine_err_with(e.error, msg)
}

pub(crate) fn config_err(e: ConfigError) -> PyErr {
    InvalidConfig::new_err(e.to_string())
}

pub(crate) fn import_err(e: ImportError) -> PyErr {
    CsvImportError::new_err(e.to_string())
}

pub(crate) fn scenario_err(e: ScenarioError) -> PyErr {
    InvalidConfig::new_err(e.to_string())
}

pub(crate) fn sim_err(e: SimError) -> PyErr {
    match e {
        SimError::Scenario(e) => scenario_err(e),
        SimError::Config(e) => config_err(e),
        SimError::Engine(e) => DialcoreError::new_err(format!("simulator error: {e}")),
        e @ SimError::Durable(_) => DialcoreError::new_err(e.to_string()),
        SimError::Rules(e) => InvalidConfig::new_err(e),
    }
}

/// Runs `f`, turning a panic into a `DialcoreError` so none reaches Python.
pub(crate) fn no_panic<R>(f: impl FnOnce() -> R) -> PyResult<R> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|payload| {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_owned());
        DialcoreError::new_err(format!("internal error in the dialcore engine: {what}"))
    })
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("DialcoreError", py.get_type::<DialcoreError>())?;
    m.add("InvalidConfig", py.get_type::<InvalidConfig>())?;
    m.add("IllegalTransition", py.get_type::<IllegalTransition>())?;
    m.add("StaleCall", py.get_type::<StaleCall>())?;
    m.add("UnknownContact", py.get_type::<UnknownContact>())?;
    m.add("UnknownOperator", py.get_type::<UnknownOperator>())?;
    m.add("InvalidNumber", py.get_type::<InvalidNumber>())?;
    m.add("UnknownTimezone", py.get_type::<UnknownTimezone>())?;
    m.add("CampaignCanceled", py.get_type::<CampaignCanceled>())?;
    m.add("CsvImportError", py.get_type::<CsvImportError>())?;
    m.add("TimeOutOfRange", py.get_type::<TimeOutOfRange>())?;
    m.add("CorruptDataError", py.get_type::<CorruptDataError>())?;
    let locked = LOCKED_ERROR.get_or_try_init(py, || os_subclass(py, "LockedError", LOCKED_DOC))?;
    m.add("LockedError", locked.bind(py))?;
    let storage =
        STORAGE_ERROR.get_or_try_init(py, || os_subclass(py, "StorageError", STORAGE_DOC))?;
    m.add("StorageError", storage.bind(py))?;
    Ok(())
}
