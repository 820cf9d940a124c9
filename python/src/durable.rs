//! Durable campaigns: `Campaign.open(path, ...)`, `dialcore.inspect(path,
//! ...)` and the `RecoveryReport` they give.
//!
//! A campaign opened from a data directory journals every change and is
//! recovered after a crash (see the design notes of
//! `dialcore::campaign::durable`); the directory is locked until the
//! campaign is closed (`close()`, the `with` block, or garbage collection).

use std::path::{Path, PathBuf};

use dialcore::journal::{DamageKind, FsyncPolicy};
use dialcore::{Campaign as Engine, DurableOptions, RecoveryReport as CoreReport};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyInt, PyString};

use crate::campaign::{state_enum, Campaign};
use crate::config::build_config;
use crate::errors::{no_panic, open_err, InvalidConfig};

/// What opening a data directory found and did: the snapshot and journals
/// read, every loss found (damaged bytes, damaged or missing journals:
/// counted exactly where later files tell), and the contacts whose calls were
/// live at the crash and where recovery put them (check them against the
/// PBX: their calls may still be up there). `str(report)` is a readable
/// summary.
#[pyclass(frozen, module = "dialcore._native")]
pub(crate) struct RecoveryReport {
    inner: CoreReport,
}

/// `(contact, was, now, attempts)`, the states as `dialcore.State`.
type ReconciledRow<'py> = (u32, Bound<'py, PyAny>, Bound<'py, PyAny>, u8);

fn damage_kind_name(kind: DamageKind) -> &'static str {
    match kind {
        DamageKind::TornRecord => "torn_record",
        DamageKind::BadChecksum => "bad_checksum",
        DamageKind::ZeroFill => "zero_fill",
        DamageKind::BadFrame => "bad_frame",
        DamageKind::SequenceGap => "sequence_gap",
        DamageKind::AfterTrailer => "after_trailer",
        DamageKind::BadHeader => "bad_header",
        DamageKind::MissingFile => "missing_file",
    }
}

fn path_str(p: &Path) -> String {
    p.display().to_string()
}

#[pymethods]
impl RecoveryReport {
    /// The data directory.
    #[getter]
    fn dir(&self) -> String {
        path_str(&self.inner.dir)
    }

    /// True when the directory held no campaign (a new one was started).
    #[getter]
    fn fresh(&self) -> bool {
        self.inner.fresh
    }

    /// The generation of the snapshot recovery started from, or None.
    #[getter]
    fn snapshot_generation(&self) -> Option<u64> {
        self.inner.snapshot.as_ref().map(|s| s.generation)
    }

    /// Journal records replayed, all journals together.
    #[getter]
    fn records_replayed(&self) -> u64 {
        self.inner.records_replayed()
    }

    /// `(generation, path, records, valid_bytes)` of each journal replayed,
    /// oldest first.
    #[getter]
    fn journals(&self) -> Vec<(u64, String, u64, u64)> {
        self.inner
            .journals
            .iter()
            .map(|j| (j.generation, path_str(&j.path), j.records, j.valid_bytes))
            .collect()
    }

    /// `(path, why)` of each file not used (a newer snapshot that did not
    /// check out, journals after a gap or after a damaged one).
    #[getter]
    fn skipped_files(&self) -> Vec<(String, String)> {
        self.inner
            .skipped_files
            .iter()
            .map(|(p, why)| (path_str(p), why.clone()))
            .collect()
    }

    /// Every loss recovery found, in sequence order (empty when none): a
    /// list of dicts with `path`, `offset`, `bytes`, `kind`
    /// (`"torn_record"`, `"bad_checksum"`, `"zero_fill"`, `"bad_frame"`,
    /// `"sequence_gap"`, `"after_trailer"`, `"bad_header"`,
    /// `"missing_file"`), `first_lost_seq`, `lost_records` (None when
    /// nothing tells how many), `recovered_after` (intact records replayed
    /// after it) and `kept_aside` (the file holding the damaged bytes, or
    /// None).
    #[getter]
    fn damage<'py>(&self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyDict>>> {
        self.inner
            .damage
            .iter()
            .map(|d| {
                let out = PyDict::new(py);
                out.set_item("path", path_str(&d.path))?;
                out.set_item("offset", d.offset)?;
                out.set_item("bytes", d.bytes)?;
                out.set_item("kind", damage_kind_name(d.kind))?;
                out.set_item("first_lost_seq", d.first_lost_seq)?;
                out.set_item("lost_records", d.lost_records)?;
                out.set_item("recovered_after", d.recovered_after)?;
                out.set_item("kept_aside", d.kept_aside.as_deref().map(path_str))?;
                Ok(out)
            })
            .collect()
    }

    /// Records known lost (counted from the sequence numbers).
    #[getter]
    fn records_lost(&self) -> u64 {
        self.inner.records_lost()
    }

    /// Bulk adds (``add_contacts``, a large ``add_numbers``) cut by a crash
    /// before their last journal part and dropped whole: none of their
    /// contacts was added.
    #[getter]
    fn bulk_adds_dropped(&self) -> u64 {
        self.inner.bulk_adds_dropped
    }

    /// True when some loss could not be counted (more may be lost).
    #[getter]
    fn loss_uncounted(&self) -> bool {
        self.inner.loss_uncounted()
    }

    /// `(field, stored, configured)` of each configuration field that
    /// differs from the stored configuration (applied and journaled).
    #[getter]
    fn config_changes(&self) -> Vec<(String, Option<String>, Option<String>)> {
        self.inner
            .config_changes
            .iter()
            .map(|c| (c.field.clone(), c.stored.clone(), c.configured.clone()))
            .collect()
    }

    /// `(contact, was, now, attempts)` of each contact live at the crash, in
    /// contact order; `was` and `now` are `State`s.
    #[getter]
    fn reconciled<'py>(&self, py: Python<'py>) -> PyResult<Vec<ReconciledRow<'py>>> {
        self.inner
            .reconciled
            .iter()
            .map(|r| {
                Ok((
                    r.contact.0,
                    state_enum(py, r.was)?,
                    state_enum(py, r.now)?,
                    r.attempts,
                ))
            })
            .collect()
    }

    /// Contacts in the campaign.
    #[getter]
    fn contacts(&self) -> u64 {
        self.inner.contacts
    }

    /// The latest time the campaign had seen, ms since the Unix epoch.
    #[getter]
    fn now_ms(&self) -> u64 {
        self.inner.now_ms
    }

    fn __repr__(&self) -> String {
        let r = &self.inner;
        format!(
            "RecoveryReport(dir={:?}, fresh={}, snapshot_generation={}, records_replayed={}, \
             damaged={}, reconciled={}, contacts={})",
            path_str(&r.dir),
            if r.fresh { "True" } else { "False" },
            r.snapshot
                .as_ref()
                .map_or("None".to_owned(), |s| s.generation.to_string()),
            r.records_replayed(),
            if r.is_damaged() { "True" } else { "False" },
            r.reconciled.len(),
            r.contacts
        )
    }

    fn __str__(&self) -> String {
        self.inner.to_string()
    }
}

/// The `fsync` argument: `"always"`, `"never"` or an interval in ms (≥ 1).
fn fsync_arg(v: Option<&Bound<'_, PyAny>>) -> PyResult<FsyncPolicy> {
    let Some(v) = v.filter(|v| !v.is_none()) else {
        return Ok(FsyncPolicy::Always);
    };
    let bad = || {
        InvalidConfig::new_err(format!(
            "argument 'fsync': expected \"always\", \"never\" or milliseconds >= 1, got {v}"
        ))
    };
    if v.is_instance_of::<PyString>() {
        let s: String = v.extract()?;
        return match s.to_ascii_lowercase().as_str() {
            "always" => Ok(FsyncPolicy::Always),
            "never" => Ok(FsyncPolicy::Never),
            _ => Err(bad()),
        };
    }
    if v.is_instance_of::<PyInt>() && !v.is_instance_of::<PyBool>() {
        return match v.extract::<u64>() {
            Ok(ms) if ms >= 1 => Ok(FsyncPolicy::EveryMs(ms)),
            _ => Err(bad()),
        };
    }
    Err(PyTypeError::new_err(format!(
        "argument 'fsync': expected str or int, got {}",
        v.get_type()
            .name()
            .map(|n| n.to_string())
            .unwrap_or_default()
    )))
}

/// `Campaign.open`: builds the configuration and options, then opens the
/// directory without the GIL.
pub(crate) fn open(
    py: Python<'_>,
    path: PathBuf,
    mode: Option<&Bound<'_, PyAny>>,
    fsync: Option<&Bound<'_, PyAny>>,
    (snapshot_every, accept_config_change): (u64, bool),
    config: Option<&Bound<'_, PyDict>>,
) -> PyResult<Campaign> {
    let cfg = build_config(mode, config)?;
    let options = DurableOptions {
        fsync: fsync_arg(fsync)?,
        snapshot_every_records: snapshot_every,
        accept_config_change,
        // Journals are archived: the attempt records keep every call.
        journal_retention: Default::default(),
    };
    let opened = py.detach(|| no_panic(|| Engine::open_with(&path, cfg, options)))?;
    let (engine, report) = opened.map_err(|e| open_err(py, &path, e))?;
    let report = Py::new(py, RecoveryReport { inner: report })?;
    Ok(Campaign::from_engine(engine, Some(report)))
}

/// Reads the campaign in the data directory `path` without locking or
/// changing anything (it works while another process has it open) and
/// returns `(campaign, report)`: an in-memory copy of what
/// `Campaign.open` would recover, and what it would report. Raises as
/// `Campaign.open`.
#[pyfunction]
#[pyo3(signature = (path, mode=None, **config))]
pub(crate) fn inspect(
    py: Python<'_>,
    path: PathBuf,
    mode: Option<&Bound<'_, PyAny>>,
    config: Option<&Bound<'_, PyDict>>,
) -> PyResult<(Campaign, Py<RecoveryReport>)> {
    let cfg = build_config(mode, config)?;
    let read = py.detach(|| no_panic(|| Engine::inspect(&path, cfg)))?;
    let (engine, report) = read.map_err(|e| open_err(py, &path, e))?;
    let report = Py::new(py, RecoveryReport { inner: report })?;
    Ok((
        Campaign::from_engine(engine, Some(report.clone_ref(py))),
        report,
    ))
}
