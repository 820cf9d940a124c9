//! The exception hierarchy and the mapping from engine errors.

use std::panic::{catch_unwind, AssertUnwindSafe};

use dialcore::campaign::EngineError;
use dialcore::import::ImportError;
use dialcore::ConfigError;
use dialcore_sim::{ScenarioError, SimError};
use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;

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
    CsvImportError,
    DialcoreError,
    "A CSV import could not run at all (unreadable file, no header, no phone column)."
);

pub(crate) fn engine_err(e: EngineError) -> PyErr {
    let msg = e.to_string();
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
    }
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
    Ok(())
}
