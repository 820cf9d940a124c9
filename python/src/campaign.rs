//! The `Campaign` class: one engine `Campaign` behind a `parking_lot`
//! mutex, with every method Python calls on it. Each method takes the lock
//! once (`lock` for short reads, `with` to wait for it and run long work
//! without the GIL) and turns a panic into `DialcoreError`; `close()` swaps
//! the engine for an empty one. What crosses into Python is converted in
//! the modules beside it: `events` (the `Event` class), `commands` (the
//! `Command` class), `reports` (`ImportReport`, `AddReport`, the metrics
//! dict), `contacts` (reading `add_contacts`'s arguments), `columns` (the
//! store as numpy columns and a DataFrame) and `config` (the settings).

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

use dialcore::campaign::bulk::ContactRow;
use dialcore::phone;
use dialcore::{Campaign as Engine, ContactId, Event as CoreEvent, OperatorId, State};
use numpy::PyArray1;
use parking_lot::{Mutex, MutexGuard};
use pyo3::exceptions::{PyImportError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};

use crate::columns::{columns_dict, columns_frame, RawColumns};
pub(crate) use crate::commands::Command;
use crate::config::{build_config, int_arg};
use crate::contacts::{
    read_column_priorities, read_column_strings, read_numbers, read_several, Numbers, Priorities,
    Several,
};
use crate::durable::RecoveryReport;
use crate::errors::{
    bulk_err, config_err, durable_err, engine_err, import_err, no_panic, storage_err,
    DialcoreError, InvalidConfig,
};
pub(crate) use crate::events::Event;
pub(crate) use crate::reports::ImportReport;
use crate::reports::{added, metrics_dict, Added};

/// A dialing campaign: contacts, operators and the engine deciding who is
/// called when. Thread-safe: every method takes an internal lock, and
/// waits for it without the GIL; long calls (bulk adds, CSV import) release
/// the GIL while they run.
///
/// `Campaign(mode="progressive", **settings)`: `dialcore.CONFIG_KEYS` lists
/// the settings, `dialcore.CONFIG_DOCS` documents each, `settings()` reads
/// them back. `Campaign(...)` lives in memory; `Campaign.open(path, ...)` keeps it in a
/// data directory and recovers it after a crash (see `recovery`).
#[pyclass(frozen, module = "dialcore._native")]
pub(crate) struct Campaign {
    engine: Mutex<Engine>,
    /// What `Campaign.open` / `dialcore.inspect` found; None for `Campaign(...)`.
    recovery: Option<Py<RecoveryReport>>,
    /// Set by `close()`: the engine was swapped for an empty one.
    closed: AtomicBool,
}

fn closed_err() -> PyErr {
    DialcoreError::new_err("the campaign is closed")
}

impl Campaign {
    pub(crate) fn from_engine(engine: Engine, recovery: Option<Py<RecoveryReport>>) -> Self {
        Campaign {
            engine: Mutex::new(engine),
            recovery,
            closed: AtomicBool::new(false),
        }
    }

    /// The engine under the lock, for short reads; raises after `close()`.
    fn lock(&self) -> PyResult<MutexGuard<'_, Engine>> {
        let guard = self.engine.lock();
        if self.closed.load(Ordering::Acquire) {
            return Err(closed_err());
        }
        Ok(guard)
    }

    /// Runs `f` on the engine under the lock, without the GIL when the lock
    /// is contended or the work is long; a panic becomes `DialcoreError`.
    fn with<R: Send>(
        &self,
        py: Python<'_>,
        long: bool,
        f: impl FnOnce(&mut Engine) -> R + Send,
    ) -> PyResult<R> {
        if !long {
            if let Some(mut guard) = self.engine.try_lock() {
                if self.closed.load(Ordering::Acquire) {
                    return Err(closed_err());
                }
                return no_panic(|| f(&mut guard));
            }
        }
        py.detach(|| {
            let mut guard = self.engine.lock();
            if self.closed.load(Ordering::Acquire) {
                return Err(closed_err());
            }
            no_panic(|| f(&mut guard))
        })
    }
}

pub(crate) fn state_enum<'py>(py: Python<'py>, state: State) -> PyResult<Bound<'py, PyAny>> {
    py.import("dialcore")?
        .getattr("State")?
        .call1((state.code(),))
}

#[pymethods]
impl Campaign {
    /// `Campaign(mode="progressive", **config)`; `dialcore.CONFIG_KEYS`
    /// lists the settings and `dialcore.CONFIG_DOCS` documents each (the
    /// engine's settings table). Unknown keys raise `InvalidConfig`, values
    /// of the wrong type `TypeError` naming the argument.
    #[new]
    #[pyo3(signature = (mode=None, **config))]
    fn new(mode: Option<&Bound<'_, PyAny>>, config: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        let cfg = build_config(mode, config)?;
        let engine = no_panic(|| Engine::new(cfg))?.map_err(config_err)?;
        Ok(Campaign::from_engine(engine, None))
    }

    /// `Campaign.open(path, mode=None, *, fsync="always", snapshot_every=10_000_000, **config)`:
    /// opens (or creates) the campaign kept in the data directory `path`,
    /// recovering what it holds (`recovery` says what was found). The
    /// settings are those of `Campaign(...)`. `fsync` is `"always"` (nothing
    /// handed out is lost, even on power loss), `"never"` (a process crash
    /// loses nothing; a power loss may lose seconds) or an interval in ms
    /// (group commit); `snapshot_every` takes a snapshot once the journal
    /// holds that many records (0: only on `snapshot()`). The directory is
    /// locked until `close()` (or the end of a `with` block). Raises
    /// `LockedError`, `CorruptDataError`, `StorageError` or `InvalidConfig`
    /// (another `default_timezone` than the stored campaign's, or other
    /// compliance settings — mode, window, attempts, caps, ring timeout,
    /// abandon limit/target/window — unless `accept_config_change=True`,
    /// which applies and journals the change; `recovery.config_changes`
    /// lists what changed).
    #[staticmethod]
    #[pyo3(signature = (path, mode=None, *, fsync=None, snapshot_every=10_000_000, accept_config_change=false, **config))]
    fn open(
        py: Python<'_>,
        path: PathBuf,
        mode: Option<&Bound<'_, PyAny>>,
        fsync: Option<&Bound<'_, PyAny>>,
        snapshot_every: u64,
        accept_config_change: bool,
        config: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let options = (snapshot_every, accept_config_change);
        crate::durable::open(py, path, mode, fsync, options, config)
    }

    /// What `Campaign.open` (or `dialcore.inspect`) found: a `RecoveryReport`;
    /// None for a campaign made by `Campaign(...)`.
    #[getter]
    fn recovery(&self, py: Python<'_>) -> Option<Py<RecoveryReport>> {
        self.recovery.as_ref().map(|r| r.clone_ref(py))
    }

    /// Whether the campaign is kept in a data directory (`Campaign.open`).
    #[getter]
    fn is_durable(&self, py: Python<'_>) -> PyResult<bool> {
        self.with(py, false, |e| e.is_durable())
    }

    /// `(generation, records, bytes)` of the current journal, or None for a
    /// campaign in memory.
    #[getter]
    fn journal_position(&self, py: Python<'_>) -> PyResult<Option<(u64, u64, u64)>> {
        self.with(py, false, |e| e.journal_position())
    }

    /// The journal write error that stopped the campaign from handing out
    /// commands, or None. Close the campaign and open the directory again.
    #[getter]
    fn durability_error(&self, py: Python<'_>) -> PyResult<Option<String>> {
        self.with(py, false, |e| e.durability_error().map(|e| e.to_string()))
    }

    /// The last snapshot that failed (file and error), until one succeeds,
    /// or None. Dialing goes on (the journal records everything) but the
    /// journal grows; automatic snapshots are retried with a backoff.
    #[getter]
    fn snapshot_error(&self, py: Python<'_>) -> PyResult<Option<String>> {
        self.with(py, false, |e| e.snapshot_error().map(|e| e.to_string()))
    }

    /// Selects the predictive pacer: `"fixed_ratio"` (the default:
    /// `predictive_ratio` calls per ready operator) or `"dialcore"` (1:1
    /// until its estimates have enough samples, then as many calls as keep
    /// the predicted abandon rate under the target). The abandon guard caps
    /// either.
    fn set_pacer(&self, py: Python<'_>, pacer: &str) -> PyResult<()> {
        let boxed: Box<dyn dialcore::Pacer> = match pacer {
            "fixed_ratio" => {
                let ratio = self.with(py, false, |e| e.config().predictive_ratio)?;
                Box::new(dialcore::FixedRatioPacer::new(ratio))
            }
            "dialcore" => Box::new(dialcore::DialcorePacer::default()),
            other => {
                return Err(PyValueError::new_err(format!(
                    "argument 'pacer': {other:?} is not \"fixed_ratio\" or \"dialcore\""
                )))
            }
        };
        self.with(py, false, move |e| e.set_pacer(boxed))
    }

    /// The predictive pacer in use, by name (`"dialcore"`, `"fixed-ratio 1.5"`).
    #[getter]
    fn pacer(&self, py: Python<'_>) -> PyResult<String> {
        self.with(py, false, |e| e.pacer().name())
    }

    /// Writes every buffered journal record and forces the journal to
    /// stable storage, whatever `fsync` says. Does nothing for a campaign in
    /// memory. Raises `StorageError` when the write fails.
    fn flush(&self, py: Python<'_>) -> PyResult<()> {
        let failed = self.with(py, true, |e| {
            e.flush()
                .err()
                .map(|err| (err.source.raw_os_error(), err.to_string(), err.path))
        })?;
        match failed {
            Some((errno, msg, path)) => Err(storage_err(
                py,
                errno,
                format!("journal write failed: {msg}"),
                &path,
            )),
            None => Ok(()),
        }
    }

    /// Writes a snapshot of the whole campaign as a new generation, starts a
    /// new journal (older files but one generation are deleted) and returns
    /// the generation. Raises `StorageError` when a file cannot be written,
    /// `DialcoreError` for a campaign in memory.
    fn snapshot(&self, py: Python<'_>) -> PyResult<u64> {
        let result = self.with(py, true, |e| {
            if !e.is_durable() {
                return Err(None);
            }
            e.snapshot()
                .map(|info| info.generation)
                .map_err(|err| Some((err.source.raw_os_error(), err.to_string(), err.path)))
        })?;
        result.map_err(|failed| match failed {
            None => DialcoreError::new_err(
                "the campaign has no data directory (made by Campaign(...), not Campaign.open)",
            ),
            Some((errno, msg, path)) => {
                storage_err(py, errno, format!("snapshot failed: {msg}"), &path)
            }
        })
    }

    /// Writes what is buffered, forces it to disk and releases the data
    /// directory; the campaign cannot be used afterwards. Does nothing when
    /// already closed. A campaign in memory is just emptied. Raises
    /// `StorageError` when the final write fails (the campaign is closed all
    /// the same).
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        let taken = py.detach(|| {
            let mut guard = self.engine.lock();
            if self.closed.swap(true, Ordering::AcqRel) {
                return Ok(None);
            }
            let config = guard.config().clone();
            no_panic(|| {
                let empty = Engine::new(config).expect("the campaign's own configuration is valid");
                let mut engine = std::mem::replace(&mut *guard, empty);
                drop(guard);
                let result = engine.flush();
                drop(engine);
                result.err()
            })
            .map(Some)
        })?;
        match taken.flatten() {
            Some(err) => Err(durable_err(py, "journal write failed on close", &err)),
            None => Ok(()),
        }
    }

    /// Whether `close()` was called.
    #[getter]
    fn closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    /// `with Campaign.open(path) as c:` gives the campaign itself.
    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    /// Closes the campaign at the end of a `with` block; an exception of
    /// the block propagates (the result is None).
    fn __exit__(
        &self,
        py: Python<'_>,
        _exc_type: &Bound<'_, PyAny>,
        _exc: &Bound<'_, PyAny>,
        _tb: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        self.close(py)
    }

    /// Every setting of the campaign by name (`mode` and the keys of
    /// `dialcore.CONFIG_KEYS`), as `Campaign(**settings)` takes them: retry
    /// delays that never retry and an unset `default_country` are None.
    fn settings<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let values = self.with(py, false, |e| {
            dialcore::config::CONFIG_FIELDS
                .iter()
                .map(|f| (f.name, (f.get)(e.config())))
                .collect::<Vec<_>>()
        })?;
        let d = PyDict::new(py);
        for (name, v) in values {
            d.set_item(name, crate::config::field_to_py(py, v)?)?;
        }
        Ok(d)
    }

    /// The campaign mode's name (`"predictive"`).
    #[getter]
    fn mode(&self, py: Python<'_>) -> PyResult<&'static str> {
        self.with(py, false, |e| e.config().mode.name())
    }

    /// Number of contacts.
    fn __len__(&self, py: Python<'_>) -> PyResult<usize> {
        self.with(py, false, |e| e.store().len())
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        self.with(py, false, |e| {
            format!(
                "Campaign(mode={:?}, contacts={}, operators={})",
                e.config().mode.name(),
                e.store().len(),
                e.operators().len()
            )
        })
        .unwrap_or_else(|_| "Campaign(closed)".to_owned())
    }

    /// Adds contacts in bulk and returns their ids (`uint32` array).
    ///
    /// `numbers` is a list or 1-d array of phone numbers as text (normalized
    /// with the campaign's `default_country`) or of integers (already
    /// normalized E.164 digits; 0 is stored as InvalidRecord). Optional
    /// per-contact `external_ids` and `timezones` (lists of str or None) and
    /// `priorities` (an int for all, or one per contact). Invalid numbers
    /// are stored as InvalidRecord. All or nothing: every row is checked
    /// before any is added, and the first bad one (an unknown time zone:
    /// `UnknownTimezone`; past the contact limit: `DialcoreError`) raises
    /// with its row index in the message, adding nothing. A durable campaign
    /// journals the whole call as one record and syncs once.
    ///
    /// Several numbers a contact: `numbers` as a list whose items are lists
    /// (or tuples) of numbers, in order (text or E.164 integers; blank, None
    /// and 0 are no number), with optional `kinds`, per contact a list of
    /// `"mobile"`, `"home"`, `"work"`, `"other"` (or None) parallel to its
    /// numbers. The contact's time zone (`timezones`) is its numbers' zone.
    /// A bad number is left out and the valid ones kept (see
    /// `contact_numbers`); a contact with none valid is an InvalidRecord.
    ///
    /// With `report=True` the answer is an `AddReport` instead: `.ids` (the
    /// array) and `.rejected`, a list of `(row, number_index, reason)` for
    /// each number left out (row: the contact's index in this call;
    /// number_index: the number's position among that contact's numbers;
    /// reason: a stable key, `"too_short"`, `"letters"`, `"no_time_zone"` …).
    /// One number a contact is never left out (a bad one is an
    /// InvalidRecord), so its list is empty.
    #[pyo3(signature = (numbers, external_ids=None, timezones=None, priorities=None, kinds=None, *, report=false))]
    #[allow(clippy::too_many_arguments)]
    fn add_contacts<'py>(
        &self,
        py: Python<'py>,
        numbers: &Bound<'py, PyAny>,
        external_ids: Option<&Bound<'py, PyAny>>,
        timezones: Option<&Bound<'py, PyAny>>,
        priorities: Option<&Bound<'py, PyAny>>,
        kinds: Option<&Bound<'py, PyAny>>,
        report: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        if let Some(several) = read_several(numbers, kinds)? {
            let result = self.add_several(py, several, external_ids, timezones, priorities)?;
            return added(py, result, report);
        }
        if kinds.is_some_and(|k| !k.is_none()) {
            return Err(PyValueError::new_err(
                "argument 'kinds': only with several numbers a contact (numbers as a list of lists)",
            ));
        }
        let numbers = read_numbers(numbers)?;
        let n = match &numbers {
            Numbers::Digits(d) => d.len(),
            Numbers::Text(t) => t.len(),
        };
        let external_ids = read_column_strings("external_ids", external_ids, n)?;
        let timezones = read_column_strings("timezones", timezones, n)?;
        let priorities = read_column_priorities(priorities, n)?;
        // Integers become "+digits" texts for the rows (0 stays blank: an
        // invalid record).
        let digits: Vec<String> = match &numbers {
            Numbers::Digits(d)
                if external_ids.is_some()
                    || timezones.is_some()
                    || matches!(priorities, Priorities::Each(_)) =>
            {
                d.iter()
                    .map(|&n| {
                        if n == 0 {
                            String::new()
                        } else {
                            format!("+{n}")
                        }
                    })
                    .collect()
            }
            _ => Vec::new(),
        };
        let ids: Result<std::ops::Range<u32>, PyErr> = py.detach(|| {
            let mut engine = self.lock()?;
            let result = no_panic(|| -> Result<std::ops::Range<u32>, PyErr> {
                if let (Numbers::Digits(d), None, None, Priorities::One(p)) =
                    (&numbers, &external_ids, &timezones, &priorities)
                {
                    let range = engine.add_numbers(d, *p).map_err(engine_err)?;
                    return Ok(range);
                }
                // One operation, all or nothing: every row is checked first,
                // then all are added and journaled as one record.
                let rows: Vec<ContactRow<'_>> = (0..n)
                    .map(|i| ContactRow {
                        phone: match &numbers {
                            Numbers::Text(t) => &t[i],
                            Numbers::Digits(_) => &digits[i],
                        },
                        external_id: external_ids
                            .as_ref()
                            .and_then(|e| e[i].as_deref())
                            .unwrap_or(""),
                        timezone: timezones.as_ref().and_then(|t| t[i].as_deref()),
                        priority: match &priorities {
                            Priorities::One(p) => *p,
                            Priorities::Each(p) => p[i],
                        },
                    })
                    .collect();
                let ids = engine.add_contacts(&rows).map_err(bulk_err)?;
                Ok(ids.start.0..ids.end.0)
            })?;
            result
        });
        added(py, (ids?, Vec::new()), report)
    }

    /// Imports a CSV contact list (a `phone` column; optional `external_id`,
    /// `timezone`, `priority`). Releases the GIL while it reads.
    fn import_csv(&self, py: Python<'_>, path: std::path::PathBuf) -> PyResult<ImportReport> {
        let report = self.with(py, true, |e| e.import_csv_path(&path))?;
        Ok(ImportReport::from_core(report.map_err(import_err)?))
    }

    /// Loads calling rules (TOML: hours, day bans, holidays and per-number
    /// caps by region; see the README) from `text` or from the file at
    /// `path`, replacing any loaded before. A bad file raises
    /// `InvalidConfig` naming its line and field (also as `.line`,
    /// `.field`) and changes nothing (see `rules`).
    #[pyo3(signature = (text=None, *, path=None))]
    fn load_rules(
        &self,
        py: Python<'_>,
        text: Option<String>,
        path: Option<std::path::PathBuf>,
    ) -> PyResult<()> {
        let text = crate::rules::rules_text(text, path)?;
        let result = self.with(py, false, |e| e.load_rules(&text))?;
        result.map_err(|e| crate::rules::rules_err(py, e))
    }

    /// Sets a contact's region explicitly (`"US-TX"`, `"CA-ON"`, `"JM"`),
    /// replacing its number's regions for the calling rules; None goes back
    /// to the number's. A bad region raises `ValueError` naming it.
    #[pyo3(signature = (contact, region))]
    fn set_contact_region(
        &self,
        py: Python<'_>,
        contact: u32,
        region: Option<String>,
    ) -> PyResult<()> {
        let region = crate::rules::parse_region(region.as_deref())?;
        self.with(py, false, |e| {
            e.set_contact_region(ContactId(contact), region)
        })?
        .map_err(engine_err)
    }

    /// The text of the loaded calling rules, or None.
    #[getter]
    fn rules(&self, py: Python<'_>) -> PyResult<Option<String>> {
        self.with(py, false, |e| e.rules().map(|r| r.text.clone()))
    }

    /// Adds an operator (logged out until `Event.operator_login`); returns its id.
    fn add_operator(&self, py: Python<'_>) -> PyResult<u32> {
        self.with(py, false, |e| e.add_operator().0)
    }

    /// Number of operators.
    #[getter]
    fn operator_count(&self, py: Python<'_>) -> PyResult<usize> {
        self.with(py, false, |e| e.operators().len())
    }

    /// Why the engine paused `operator`: `"missed_offers"` or
    /// `"declined_offers"` (the `max_offer_refusals` setting), or None when
    /// it did not (or the operator has left that pause).
    fn operator_pause_reason(
        &self,
        py: Python<'_>,
        operator: u32,
    ) -> PyResult<Option<&'static str>> {
        let id = OperatorId(operator);
        self.with(py, false, |e| {
            let ops = e.operators();
            if !ops.contains(id) {
                return Err(dialcore::EngineError::UnknownOperator(id));
            }
            Ok(ops.pause_reason(id).map(|r| match r {
                dialcore::operators::PauseReason::MissedOffers => "missed_offers",
                dialcore::operators::PauseReason::DeclinedOffers => "declined_offers",
            }))
        })?
        .map_err(engine_err)
    }

    /// Feeds one event at time `now_ms` (ms since the Unix epoch). Raises
    /// `IllegalTransition`, `StaleCall`, `UnknownContact`, … and changes
    /// nothing when the event does not fit.
    fn handle(&self, py: Python<'_>, event: &Bound<'_, Event>, now_ms: u64) -> PyResult<()> {
        let ev = event.get().inner;
        self.with(py, false, |e| e.handle(ev, now_ms))?
            .map_err(engine_err)
    }

    /// Runs the timers due at `now_ms` and returns the commands for the host,
    /// each checked against the compliance guards at this moment (`handle`
    /// never hands out a command: what it decides is handed out here).
    /// A durable campaign whose journal cannot be written hands out nothing
    /// and raises `StorageError` (see `durability_error`); a time past
    /// 9999-12-31 raises `TimeOutOfRange`.
    fn poll(&self, py: Python<'_>, now_ms: u64) -> PyResult<Vec<Command>> {
        let cmds = self.with(py, false, |e| {
            let mut out = Vec::new();
            if let Err(err) = e.poll(now_ms, &mut out) {
                return Ok(Err(err));
            }
            match e.durability_error() {
                Some(err) => Err((err.source.raw_os_error(), err.to_string(), err.path.clone())),
                None => Ok(Ok(out)),
            }
        })?;
        let cmds = cmds.map_err(|(errno, msg, path)| {
            storage_err(
                py,
                errno,
                format!("journal write failed, no commands handed out: {msg}"),
                &path,
            )
        })?;
        let cmds = cmds.map_err(engine_err)?;
        Ok(cmds.iter().map(Command::from_core).collect())
    }

    /// When to call `poll` next: the latest time seen (now) while a poll is
    /// needed (`needs_poll()`), else the earliest pending timer, or None.
    /// A host polls after every accepted event and at this time.
    fn next_deadline(&self, py: Python<'_>) -> PyResult<Option<u64>> {
        self.with(py, false, |e| e.next_deadline())
    }

    /// How much work the next `poll` has at once: queued commands, answered
    /// calls waiting while an operator is ready, due timers (an accept with
    /// `bcw_ms = 0`, "Call" in BCW). Greater than 0 means: poll now.
    fn pending(&self, py: Python<'_>) -> PyResult<usize> {
        self.with(py, false, |e| e.pending())
    }

    /// True when the host must poll now (work is pending, or something
    /// changed since the last poll).
    fn needs_poll(&self, py: Python<'_>) -> PyResult<bool> {
        self.with(py, false, |e| e.needs_poll())
    }

    /// Sets the most contacts this campaign holds (at least those it holds,
    /// at most the engine's limit, the default); adding past it raises
    /// `DialcoreError` ("store is full") and adds nothing. A bad limit
    /// raises `InvalidConfig`.
    fn set_contact_limit(&self, py: Python<'_>, limit: usize) -> PyResult<()> {
        self.with(py, false, |e| e.set_contact_limit(limit))?
            .map_err(engine_err)
    }

    /// The most contacts this campaign holds.
    #[getter]
    fn contact_limit(&self, py: Python<'_>) -> PyResult<usize> {
        self.with(py, false, |e| e.contact_limit())
    }

    /// Admin: stop offering and dialing (live calls go on).
    fn pause(&self, py: Python<'_>, now_ms: u64) -> PyResult<()> {
        self.with(py, false, |e| e.handle(CoreEvent::Pause, now_ms))?
            .map_err(engine_err)
    }

    /// Admin: go on after a pause. Raises `CampaignCanceled` after `cancel`.
    fn resume(&self, py: Python<'_>, now_ms: u64) -> PyResult<()> {
        self.with(py, false, |e| e.handle(CoreEvent::Resume, now_ms))?
            .map_err(engine_err)
    }

    /// Admin: end the campaign (contacts in a call when their call ends).
    fn cancel(&self, py: Python<'_>, now_ms: u64) -> PyResult<()> {
        self.with(py, true, |e| e.handle(CoreEvent::Cancel, now_ms))?
            .map_err(engine_err)
    }

    /// Admin: delete a contact.
    fn remove(&self, py: Python<'_>, contact: u32, now_ms: u64) -> PyResult<()> {
        self.with(py, false, |e| {
            e.handle(CoreEvent::Remove(ContactId(contact)), now_ms)
        })?
        .map_err(engine_err)
    }

    /// Admin: add a number to the blacklist. `number` is E.164 digits (int)
    /// or text normalized with the campaign's rules.
    fn blacklist_add(
        &self,
        py: Python<'_>,
        number: &Bound<'_, PyAny>,
        now_ms: u64,
    ) -> PyResult<()> {
        let n = self.number_arg(py, number)?;
        self.with(py, false, |e| e.handle(CoreEvent::BlacklistAdd(n), now_ms))?
            .map_err(engine_err)
    }

    /// Admin: remove a number from the blacklist (int digits or text).
    fn blacklist_remove(
        &self,
        py: Python<'_>,
        number: &Bound<'_, PyAny>,
        now_ms: u64,
    ) -> PyResult<()> {
        let n = self.number_arg(py, number)?;
        self.with(py, false, |e| {
            e.handle(CoreEvent::BlacklistRemove(n), now_ms)
        })?
        .map_err(engine_err)
    }

    /// Gives an InvalidRecord contact a new number, or replaces the number
    /// at `index` of a contact not in a call (its own attempts start again;
    /// `timezone` changes its zone); returns the contact's `State`.
    #[pyo3(signature = (contact, phone, index=0, timezone=None))]
    fn fix_number<'py>(
        &self,
        py: Python<'py>,
        contact: u32,
        phone: String,
        index: usize,
        timezone: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let s = self
            .with(py, false, |e| {
                e.fix_number_at(ContactId(contact), index, &phone, timezone.as_deref())
            })?
            .map_err(engine_err)?;
        state_enum(py, s)
    }

    /// A contact's numbers, in order: dicts with `number` (E.164 digits),
    /// `kind`, `timezone`, `attempts`, `last_outcome` and `current` (the
    /// number it is dialed on next, or in a call on).
    fn contact_numbers<'py>(&self, py: Python<'py>, contact: u32) -> PyResult<Bound<'py, PyList>> {
        let id = ContactId(contact);
        let numbers = self.with(py, false, |e| {
            let store = e.store();
            let current = store.current_number(id);
            store
                .numbers_of(id)
                .into_iter()
                .enumerate()
                .map(|(k, n)| {
                    (
                        n.number,
                        n.kind.name(),
                        e.zones().name(n.zone).to_owned(),
                        n.attempts,
                        n.last_outcome.name(),
                        k == current,
                    )
                })
                .collect::<Vec<_>>()
        })?;
        if numbers.is_empty() {
            return Err(engine_err(dialcore::campaign::EngineError::UnknownContact(
                id,
            )));
        }
        let out = PyList::empty(py);
        for (number, kind, zone, attempts, outcome, current) in numbers {
            let d = PyDict::new(py);
            d.set_item("number", number)?;
            d.set_item("kind", kind)?;
            d.set_item("timezone", zone)?;
            d.set_item("attempts", attempts)?;
            d.set_item("last_outcome", outcome)?;
            d.set_item("current", current)?;
            out.append(d)?;
        }
        Ok(out)
    }

    /// The `State` of one contact.
    fn state<'py>(&self, py: Python<'py>, contact: u32) -> PyResult<Bound<'py, PyAny>> {
        let s = self.with(py, false, |e| e.state(ContactId(contact)))?;
        match s {
            Some(s) => state_enum(py, s),
            None => Err(engine_err(dialcore::campaign::EngineError::UnknownContact(
                ContactId(contact),
            ))),
        }
    }

    /// Contacts per state: `{"Initial": 10, "InvalidRecord": 0, …}`, all 17 names.
    fn counts<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let c = self.with(py, false, |e| e.counts().0)?;
        let d = PyDict::new(py);
        for s in State::ALL {
            d.set_item(s.name(), c[s.code() as usize])?;
        }
        Ok(d)
    }

    /// A snapshot copy of every contact's state code (`uint8`, indexed by contact id).
    fn states<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray1<u8>>> {
        let v = self.with(py, false, |e| e.store().states().to_vec())?;
        Ok(PyArray1::from_vec(py, v))
    }

    /// Snapshot copies of the contact columns: `id` (uint32), `state`,
    /// `attempts`, `last_outcome`, `priority` (uint8), `zone` (uint16, the
    /// code of the contact's time zone), `number` (uint64, E.164 digits, 0
    /// for invalid records), `external_id` (object array of str, `""` when
    /// none was given) and `timezone` (object array of the zone's IANA name).
    fn columns<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let (cols, zone_names) = self.raw_columns(py)?;
        columns_dict(py, cols, &zone_names)
    }

    /// The attempt records of this campaign (one row per call attempt,
    /// built from its data directory's journal) as a pandas DataFrame: see
    /// `dialcore.read_records`. Raises ValueError for a campaign without a
    /// data directory.
    fn attempts<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let dir = match &self.recovery {
            Some(r) => Some(r.bind(py).getattr("dir")?.extract::<PathBuf>()?),
            None => None,
        };
        let config = self.with(py, true, |e| {
            let _ = e.flush();
            e.config().clone()
        })?;
        crate::records::campaign_attempts(py, dir, config)
    }

    /// The contact columns of `columns()` as a pandas DataFrame indexed by
    /// contact id; `state`, `last_outcome` and `timezone` are categoricals
    /// with their names (`State` names, `OUTCOMES`, IANA zone names).
    fn to_pandas<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let pd = import_pandas(py)?;
        let cols = self.columns(py)?;
        let zone_names = self.with(py, false, |e| {
            e.zones().names().map(str::to_owned).collect::<Vec<_>>()
        })?;
        columns_frame(py, &pd, cols, zone_names)
    }

    /// Figures of the running campaign at `now_ms` (default: the last time
    /// the engine saw), a dict: `dials`, `answered`, `machine`, `connected`,
    /// `abandoned`, `abandon_rate` (abandoned / human-answered over the
    /// campaign's life), `abandon_rate_24h` and `abandon_rate_30d` (over the
    /// last 24 hours and 30 days, the windows the abandon guard can watch),
    /// `occupancy`, `talk_ms`, `logged_in_ms`, `ready_operators`,
    /// `logged_in_operators`, `ringing`, `waiting`, `watchdog_hangups` (calls
    /// a watchdog hung up), `refusal_pauses` (operators paused for refusing
    /// offers in a row).
    #[pyo3(signature = (now_ms=None))]
    fn metrics<'py>(&self, py: Python<'py>, now_ms: Option<u64>) -> PyResult<Bound<'py, PyDict>> {
        let m = self
            .with(py, false, |e| {
                let now = now_ms.unwrap_or_else(|| e.now_ms());
                e.metrics(now)
            })?
            .map_err(engine_err)?;
        metrics_dict(py, &m)
    }

    /// Whether the campaign is paused.
    #[getter]
    fn is_paused(&self, py: Python<'_>) -> PyResult<bool> {
        self.with(py, false, |e| e.is_paused())
    }

    /// Whether the campaign was canceled.
    #[getter]
    fn is_canceled(&self, py: Python<'_>) -> PyResult<bool> {
        self.with(py, false, |e| e.is_canceled())
    }
}

impl Campaign {
    /// Copies of the contact columns and the zone names (by zone code).
    fn raw_columns(&self, py: Python<'_>) -> PyResult<(RawColumns, Vec<String>)> {
        self.with(py, false, |e| {
            let s = e.store();
            let external = (0..s.len() as u32)
                .map(|i| s.external_id(ContactId(i)).unwrap_or("").to_owned())
                .collect();
            let names = e.zones().names().map(str::to_owned).collect();
            (
                (
                    s.states().to_vec(),
                    s.attempts_column().to_vec(),
                    s.last_outcomes().to_vec(),
                    s.priorities().to_vec(),
                    s.zones().to_vec(),
                    s.numbers().to_vec(),
                    external,
                ),
                names,
            )
        })
    }

    fn number_arg(&self, py: Python<'_>, number: &Bound<'_, PyAny>) -> PyResult<u64> {
        if number.is_instance_of::<PyString>() {
            let text: String = number.extract()?;
            let rules = self.with(py, false, |e| e.config().phone_rules())?;
            return phone::normalize(&text, rules).map_err(|reason| {
                engine_err(dialcore::campaign::EngineError::InvalidNumber {
                    input: text.clone(),
                    reason,
                })
            });
        }
        int_arg::<u64>("number", number).map_err(|e| {
            if e.is_instance_of::<InvalidConfig>(py) {
                PyValueError::new_err("argument 'number': must be a non-negative integer")
            } else {
                PyTypeError::new_err(format!(
                    "argument 'number': expected int or str, got {}",
                    number
                        .get_type()
                        .name()
                        .map(|n| n.to_string())
                        .unwrap_or_default()
                ))
            }
        })
    }
}

pub(crate) fn import_pandas(py: Python<'_>) -> PyResult<Bound<'_, PyModule>> {
    py.import("pandas").map_err(|e| {
        if e.is_instance_of::<PyImportError>(py) {
            PyImportError::new_err(
                "to_pandas() needs pandas, an optional dependency: pip install pandas",
            )
        } else {
            e
        }
    })
}

impl Campaign {
    /// `add_contacts` with several numbers a contact.
    fn add_several<'py>(
        &self,
        py: Python<'py>,
        several: Several,
        external_ids: Option<&Bound<'py, PyAny>>,
        timezones: Option<&Bound<'py, PyAny>>,
        priorities: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Added> {
        use dialcore::campaign::several::{ContactNumbersRow, PhoneInput};
        let n = several.len();
        let external_ids = read_column_strings("external_ids", external_ids, n)?;
        let timezones = read_column_strings("timezones", timezones, n)?;
        let priorities = read_column_priorities(priorities, n)?;
        let inputs: Vec<Vec<PhoneInput<'_>>> = several
            .iter()
            .enumerate()
            .map(|(i, numbers)| {
                let zone = timezones.as_ref().and_then(|t| t[i].as_deref());
                numbers
                    .iter()
                    .map(|(phone, kind)| PhoneInput {
                        phone,
                        kind: *kind,
                        timezone: zone,
                    })
                    .collect()
            })
            .collect();
        py.detach(|| {
            let mut engine = self.lock()?;
            let result = no_panic(|| -> Result<Added, PyErr> {
                let rows: Vec<ContactNumbersRow<'_>> = inputs
                    .iter()
                    .enumerate()
                    .map(|(i, phones)| ContactNumbersRow {
                        phones,
                        external_id: external_ids
                            .as_ref()
                            .and_then(|e| e[i].as_deref())
                            .unwrap_or(""),
                        priority: match &priorities {
                            Priorities::One(p) => *p,
                            Priorities::Each(p) => p[i],
                        },
                    })
                    .collect();
                let (ids, rejected) = engine.add_contacts_numbers(&rows).map_err(bulk_err)?;
                Ok((ids.start.0..ids.end.0, rejected))
            })?;
            result
        })
    }
}
