//! Attempt records for Python: `dialcore.read_records(path, ...)` and
//! `Campaign.attempts()`.
//!
//! The records are read by the core (`dialcore::records::read_records`,
//! from the data directory's journal, without the GIL) and handed over as
//! columns: numbers as numpy arrays (moved, not copied), times as int64
//! milliseconds with a validity mask, states and outcomes as their codes
//! (uint8), strings as lists. `dialcore/records.py` turns them into a
//! pandas DataFrame (datetime and categorical columns), a pyarrow Table or
//! a polars DataFrame.

use std::path::{Path, PathBuf};

use dialcore::records::{read_records as core_read, AttemptRecord, RecordsError};
use dialcore::CampaignConfig;
use numpy::PyArray1;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::config::build_config;
use crate::errors::{no_panic, open_err, InvalidConfig};

/// Reads the records of `dir` without the GIL; errors as `Campaign.open`'s.
fn read(
    py: Python<'_>,
    dir: &Path,
    config: CampaignConfig,
    campaign: Option<&str>,
) -> PyResult<Vec<AttemptRecord>> {
    let read = py.detach(|| no_panic(|| core_read(dir, config, campaign)))?;
    match read {
        Ok(records) => Ok(records.attempts),
        Err(RecordsError::Open(e)) => Err(open_err(py, dir, e)),
        Err(e @ RecordsError::ConfigMismatch(_)) => Err(InvalidConfig::new_err(format!(
            "data directory {}: {e}",
            dir.display()
        ))),
    }
}

fn ints<T: numpy::Element>(
    py: Python<'_>,
    rs: &[AttemptRecord],
    f: impl Fn(&AttemptRecord) -> T,
) -> Py<PyAny> {
    PyArray1::from_vec(py, rs.iter().map(f).collect())
        .into_any()
        .unbind()
}

/// An optional int64 column: values (0 where missing) and a validity mask.
fn opt_ints(
    py: Python<'_>,
    d: &Bound<'_, PyDict>,
    name: &str,
    rs: &[AttemptRecord],
    f: impl Fn(&AttemptRecord) -> Option<u64>,
) -> PyResult<()> {
    d.set_item(name, ints(py, rs, |r| f(r).map_or(0i64, |v| v as i64)))?;
    d.set_item(format!("{name}__valid"), ints(py, rs, |r| f(r).is_some()))?;
    Ok(())
}

/// The columns of `rs` as a dict (see the module doc).
fn columns<'py>(py: Python<'py>, rs: &[AttemptRecord]) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item(
        "campaign",
        rs.iter().map(|r| &*r.campaign).collect::<Vec<_>>(),
    )?;
    d.set_item("contact_id", ints(py, rs, |r| r.contact.0))?;
    d.set_item(
        "external_id",
        rs.iter()
            .map(|r| r.external_id.as_str())
            .collect::<Vec<_>>(),
    )?;
    d.set_item("number", ints(py, rs, |r| r.number))?;
    d.set_item("number_index", ints(py, rs, |r| r.number_index))?;
    d.set_item(
        "caller_id",
        rs.iter()
            .map(|r| r.caller_id.as_deref())
            .collect::<Vec<_>>(),
    )?;
    d.set_item("zone", rs.iter().map(|r| &*r.zone).collect::<Vec<_>>())?;
    d.set_item("attempt", ints(py, rs, |r| r.attempt))?;
    d.set_item("dial_at", ints(py, rs, |r| r.dial_at as i64))?;
    opt_ints(py, &d, "answer_at", rs, |r| r.answer_at)?;
    opt_ints(py, &d, "connect_at", rs, |r| r.connect_at)?;
    opt_ints(py, &d, "end_at", rs, |r| r.end_at)?;
    opt_ints(py, &d, "wrap_end_at", rs, |r| r.wrap_end_at)?;
    opt_ints(py, &d, "ring_ms", rs, |r| r.ring_ms)?;
    opt_ints(py, &d, "wait_ms", rs, |r| r.wait_ms)?;
    opt_ints(py, &d, "talk_ms", rs, |r| r.talk_ms)?;
    d.set_item("outcome", ints(py, rs, |r| r.outcome as u8))?;
    d.set_item("disposition", ints(py, rs, |r| r.disposition.code()))?;
    opt_ints(py, &d, "operator", rs, |r| r.operator.map(u64::from))?;
    d.set_item("abandoned", ints(py, rs, |r| r.abandoned))?;
    d.set_item("machine", ints(py, rs, |r| r.machine))?;
    d.set_item(
        "message_within_2s",
        rs.iter().map(|r| r.message_within_2s).collect::<Vec<_>>(),
    )?;
    d.set_item("held_back", ints(py, rs, |r| r.held_back))?;
    d.set_item(
        "held_back_reasons",
        rs.iter()
            .map(|r| r.held_back_reasons_text())
            .collect::<Vec<_>>(),
    )?;
    d.set_item("in_window", ints(py, rs, |r| r.in_window))?;
    d.set_item(
        "blacklisted_at_dial",
        ints(py, rs, |r| r.blacklisted_at_dial),
    )?;
    d.set_item("dials_24h", ints(py, rs, |r| r.dials_24h))?;
    d.set_item("complete", ints(py, rs, |r| r.complete))?;
    Ok(d)
}

/// The attempt records of the campaign in the data directory `path`, read
/// from its journal without locking or changing anything, as a dict of
/// columns (numpy arrays and lists; see `dialcore.read_records` for the
/// DataFrame). `mode` and `**config` are the configuration the campaign
/// ran with (as `Campaign.open`); compliance settings that differ from the
/// stored ones raise `InvalidConfig` naming them. `campaign` names the
/// campaign in the records (default: the directory's name).
#[pyfunction]
#[pyo3(signature = (path, mode=None, campaign=None, **config))]
pub(crate) fn read_record_columns<'py>(
    py: Python<'py>,
    path: PathBuf,
    mode: Option<&Bound<'_, PyAny>>,
    campaign: Option<String>,
    config: Option<&Bound<'_, PyDict>>,
) -> PyResult<Bound<'py, PyDict>> {
    let cfg = build_config(mode, config)?;
    let rs = read(py, &path, cfg, campaign.as_deref())?;
    columns(py, &rs)
}

/// `Campaign.attempts()`: the records of a campaign read from its data
/// directory (`dir`, None for an in-memory campaign) with its configuration,
/// as a pandas DataFrame.
pub(crate) fn campaign_attempts<'py>(
    py: Python<'py>,
    dir: Option<PathBuf>,
    config: CampaignConfig,
) -> PyResult<Bound<'py, PyAny>> {
    let Some(dir) = dir else {
        return Err(PyValueError::new_err(
            "attempts(): the campaign has no data directory; attempt records are \
             built from the journal of a campaign made with Campaign.open",
        ));
    };
    let rs = read(py, &dir, config, None)?;
    let cols = columns(py, &rs)?;
    py.import("dialcore.records")?
        .getattr("AttemptRecords")?
        .call1((cols,))?
        .call_method0("to_pandas")
}

/// Registers the functions.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(read_record_columns, m)?)?;
    m.add("RECORD_COLUMNS", dialcore::records::COLUMNS.to_vec())?;
    m.add(
        "RECORD_FORMAT_VERSION",
        dialcore::records::RECORD_FORMAT_VERSION,
    )?;
    Ok(())
}
