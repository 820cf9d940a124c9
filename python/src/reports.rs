//! What the bulk paths report back: `ImportReport` (a CSV import, row by
//! row, from the engine's `ImportReport`) and `AddReport` (the ids an
//! `add_contacts(..., report=True)` call added and the numbers it left
//! out), plus `added`, which gives `add_contacts` its answer, and
//! `metrics_dict`, the dict of `Campaign.metrics()`.

use dialcore::import::ImportReport as CoreImportReport;
use dialcore::Metrics;
use numpy::PyArray1;
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// What a CSV import did, row by row.
#[pyclass(frozen, get_all, module = "dialcore._native")]
pub(crate) struct ImportReport {
    /// Data rows read.
    rows: u64,
    /// Rows stored with a valid number (including blacklisted ones).
    valid: u64,
    /// Rows stored as InvalidRecord.
    invalid: u64,
    /// Rows stored as Blacklisted.
    blacklisted: u64,
    /// Rows whose number appeared earlier in the file.
    duplicates_in_file: u64,
    /// Rows whose number was already in the campaign.
    duplicates_existing: u64,
    /// First new contact id.
    first_id: u32,
    /// One past the last new contact id.
    end_id: u32,
    /// `(line, reason)` of each InvalidRecord row; reason is a stable key (`"too_short"`).
    invalid_rows: Vec<(u64, &'static str)>,
    /// `(line, message)` of each row that was skipped.
    row_errors: Vec<(u64, String)>,
    /// Header columns the importer did not use.
    ignored_columns: Vec<String>,
}

impl ImportReport {
    pub(crate) fn from_core(r: CoreImportReport) -> Self {
        ImportReport {
            rows: r.rows,
            valid: r.valid,
            invalid: r.invalid,
            blacklisted: r.blacklisted,
            duplicates_in_file: r.duplicates_in_file,
            duplicates_existing: r.duplicates_existing,
            first_id: r.ids.start,
            end_id: r.ids.end,
            invalid_rows: r
                .invalid_rows
                .iter()
                .map(|i| (i.line, i.reason.name()))
                .collect(),
            row_errors: r
                .row_errors
                .iter()
                .map(|e| (e.line, e.kind.to_string()))
                .collect(),
            ignored_columns: r.ignored_columns,
        }
    }
}

#[pymethods]
impl ImportReport {
    /// Contacts added (`end_id - first_id`).
    #[getter]
    fn imported(&self) -> u64 {
        (self.end_id - self.first_id) as u64
    }
    /// The new contact ids, a `uint32` array.
    #[getter]
    fn ids<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<u32>> {
        PyArray1::from_vec(py, (self.first_id..self.end_id).collect())
    }
    fn __repr__(&self) -> String {
        format!(
            "ImportReport(rows={}, valid={}, invalid={}, blacklisted={}, row_errors={})",
            self.rows,
            self.valid,
            self.invalid,
            self.blacklisted,
            self.row_errors.len()
        )
    }
}

/// What `add_contacts(..., report=True)` did: the new ids and the numbers
/// it left out.
#[pyclass(frozen, module = "dialcore._native")]
pub(crate) struct AddReport {
    first_id: u32,
    end_id: u32,
    /// `(row, number_index, reason)` of each number left out.
    #[pyo3(get)]
    rejected: Vec<(usize, usize, &'static str)>,
}

#[pymethods]
impl AddReport {
    /// The new contact ids, a `uint32` array (consecutive).
    #[getter]
    fn ids<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<u32>> {
        PyArray1::from_vec(py, (self.first_id..self.end_id).collect())
    }
    fn __len__(&self) -> usize {
        (self.end_id - self.first_id) as usize
    }
    fn __repr__(&self) -> String {
        format!(
            "AddReport(contacts={}, rejected={})",
            self.end_id - self.first_id,
            self.rejected.len()
        )
    }
}

/// The ids an `add_contacts` call added and the numbers it left out (row,
/// its rejections).
pub(crate) type Added = (
    std::ops::Range<u32>,
    Vec<(usize, Vec<dialcore::campaign::several::NumberRejected>)>,
);

/// `add_contacts`'s answer: the ids, or with `report` an [`AddReport`].
pub(crate) fn added<'py>(
    py: Python<'py>,
    added: Added,
    report: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let (ids, rejected) = added;
    if !report {
        return Ok(PyArray1::from_vec(py, ids.collect()).into_any());
    }
    let rejected = rejected
        .iter()
        .flat_map(|(row, list)| {
            list.iter()
                .map(move |r| (*row, r.position, r.reason.name()))
        })
        .collect();
    Ok(Bound::new(
        py,
        AddReport {
            first_id: ids.start,
            end_id: ids.end,
            rejected,
        },
    )?
    .into_any())
}

/// `Campaign.metrics()`: the engine's figures as a dict, one key a field.
pub(crate) fn metrics_dict<'py>(py: Python<'py>, m: &Metrics) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("dials", m.dials)?;
    d.set_item("answered", m.answered)?;
    d.set_item("machine", m.machine)?;
    d.set_item("connected", m.connected)?;
    d.set_item("abandoned", m.abandoned)?;
    d.set_item("abandon_rate", m.abandon_rate)?;
    d.set_item("abandon_rate_24h", m.abandon_rate_24h)?;
    d.set_item("abandon_rate_30d", m.abandon_rate_30d)?;
    d.set_item("occupancy", m.occupancy)?;
    d.set_item("talk_ms", m.talk_ms)?;
    d.set_item("logged_in_ms", m.logged_in_ms)?;
    d.set_item("ready_operators", m.ready_operators)?;
    d.set_item("logged_in_operators", m.logged_in_operators)?;
    d.set_item("ringing", m.ringing)?;
    d.set_item("waiting", m.waiting)?;
    d.set_item("watchdog_hangups", m.watchdog_hangups)?;
    d.set_item("refusal_pauses", m.refusal_pauses)?;
    Ok(d)
}
