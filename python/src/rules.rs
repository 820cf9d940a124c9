//! `Campaign.load_rules`: calling rules from Python, as text or a file.
//!
//! A bad file raises `InvalidConfig` whose message names the line and the
//! field, with `.line` (0 when not tied to a line) and `.field` attributes;
//! an unreadable file raises `OSError` naming the path. The rules loaded
//! before stay either way.

use std::path::PathBuf;

use dialcore::rules::RulesError;
use pyo3::exceptions::{PyOSError, PyTypeError};
use pyo3::prelude::*;

use crate::errors::InvalidConfig;

/// The rule text from exactly one of `text` and `path`.
pub(crate) fn rules_text(text: Option<String>, path: Option<PathBuf>) -> PyResult<String> {
    match (text, path) {
        (Some(t), None) => Ok(t),
        (None, Some(p)) => std::fs::read_to_string(&p)
            .map_err(|e| PyOSError::new_err(format!("{}: {e}", p.display()))),
        _ => Err(PyTypeError::new_err(
            "load_rules() takes the rule text or path=…, exactly one of them",
        )),
    }
}

/// A region name as `Region` (None stays None); `ValueError` naming a bad one.
pub(crate) fn parse_region(region: Option<&str>) -> PyResult<Option<dialcore::nanp::Region>> {
    region
        .map(dialcore::nanp::Region::parse)
        .transpose()
        .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))
}

/// `InvalidConfig` for a bad rule file, with `.line` and `.field`.
pub(crate) fn rules_err(py: Python<'_>, e: RulesError) -> PyErr {
    let err = InvalidConfig::new_err(e.to_string());
    let value = err.value(py);
    let _ = value.setattr("line", e.line);
    let _ = value.setattr("field", e.field);
    err
}
