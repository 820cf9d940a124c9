//! `simulate(scenario=None, **overrides) -> SimReport`.

use dialcore_sim::{run, Scenario, SimReport as CoreReport};
use numpy::PyArray1;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde_json::Value;

use crate::campaign::import_pandas;
use crate::config::mode_arg;
use crate::errors::{no_panic, scenario_err, sim_err, InvalidConfig};

fn to_json(key: &str, v: &Bound<'_, PyAny>) -> PyResult<Value> {
    if v.is_none() {
        return Ok(Value::Null);
    }
    if v.is_instance_of::<PyBool>() {
        return Ok(Value::Bool(v.extract()?));
    }
    if v.is_instance_of::<PyInt>() {
        if let Ok(u) = v.extract::<u64>() {
            return Ok(Value::from(u));
        }
        return Ok(Value::from(v.extract::<i64>()?));
    }
    if v.is_instance_of::<PyFloat>() {
        let f: f64 = v.extract()?;
        return serde_json::Number::from_f64(f)
            .map(Value::Number)
            .ok_or_else(|| InvalidConfig::new_err(format!("invalid {key}: {f} is not finite")));
    }
    if v.is_instance_of::<PyString>() {
        return Ok(Value::String(v.extract()?));
    }
    if let Ok(d) = v.cast::<PyDict>() {
        let mut map = serde_json::Map::new();
        for (k, val) in d.iter() {
            let k: String = k
                .extract()
                .map_err(|_| PyTypeError::new_err(format!("argument '{key}': keys must be str")))?;
            let sub = format!("{key}.{k}");
            map.insert(k, to_json(&sub, &val)?);
        }
        return Ok(Value::Object(map));
    }
    if v.is_instance_of::<PyList>() || v.is_instance_of::<PyTuple>() {
        let items: Vec<Bound<'_, PyAny>> = v.extract()?;
        return items
            .iter()
            .map(|i| to_json(key, i))
            .collect::<PyResult<Vec<_>>>()
            .map(Value::Array);
    }
    Err(PyTypeError::new_err(format!(
        "argument '{key}': unsupported type {}",
        v.get_type()
            .name()
            .map(|n| n.to_string())
            .unwrap_or_default()
    )))
}

fn merge(base: &mut Value, over: Value) {
    match (base, over) {
        (Value::Object(b), Value::Object(o)) => {
            for (k, v) in o {
                match b.get_mut(&k) {
                    Some(slot) if slot.is_object() && v.is_object() => merge(slot, v),
                    _ => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (b, o) => *b = o,
    }
}

fn build_scenario(
    scenario: Option<&Bound<'_, PyAny>>,
    overrides: Option<&Bound<'_, PyDict>>,
) -> PyResult<Scenario> {
    let mut base = Scenario::default();
    let mut extra = serde_json::Map::new();
    if let Some(s) = scenario.filter(|s| !s.is_none()) {
        if let Ok(d) = s.cast::<PyDict>() {
            if let Value::Object(m) = to_json("scenario", d.as_any())? {
                extra.extend(m);
            }
        } else if let Ok(path) = s.extract::<std::path::PathBuf>() {
            base = Scenario::parse_path(&path).map_err(scenario_err)?;
        } else {
            return Err(PyTypeError::new_err(format!(
                "argument 'scenario': expected a TOML file path or a dict, got {}",
                s.get_type()
                    .name()
                    .map(|n| n.to_string())
                    .unwrap_or_default()
            )));
        }
    }
    if let Some(o) = overrides {
        for (k, v) in o.iter() {
            let key: String = k.extract()?;
            let val = if key == "mode" && !v.is_instance_of::<PyString>() {
                Value::String(mode_arg(&v)?.name().to_owned())
            } else {
                to_json(&key, &v)?
            };
            extra.insert(key, val);
        }
    }
    if let Some(Value::String(m)) = extra.get_mut("mode") {
        *m = m.to_ascii_lowercase();
    }
    if extra.is_empty() {
        return Ok(base);
    }
    let mut value = serde_json::to_value(&base)
        .map_err(|e| InvalidConfig::new_err(format!("scenario: {e}")))?;
    merge(&mut value, Value::Object(extra));
    serde_json::from_value::<Scenario>(value)
        .map_err(|e| InvalidConfig::new_err(format!("invalid scenario: {e}")))
}

/// The result of one simulation run: summary figures as attributes, the
/// per-minute time series as numpy arrays.
#[pyclass(frozen, module = "dialcore._native")]
pub(crate) struct SimReport {
    inner: CoreReport,
    /// The simulated start (ms since the epoch), for the datetime index.
    start_ms: u64,
}

#[pymethods]
impl SimReport {
    #[getter]
    fn scenario(&self) -> String {
        self.inner.scenario.clone()
    }
    #[getter]
    fn mode(&self) -> String {
        self.inner.mode.clone()
    }
    #[getter]
    fn seed(&self) -> u64 {
        self.inner.seed
    }
    #[getter]
    fn contacts(&self) -> u64 {
        self.inner.contacts
    }
    #[getter]
    fn operators(&self) -> u64 {
        self.inner.operators
    }
    #[getter]
    fn abandon_rate(&self) -> f64 {
        self.inner.abandon_rate
    }
    #[getter]
    fn occupancy(&self) -> f64 {
        self.inner.occupancy
    }
    #[getter]
    fn contacts_per_operator_hour(&self) -> f64 {
        self.inner.contacts_per_operator_hour
    }
    #[getter]
    fn attempts_per_contact(&self) -> f64 {
        self.inner.attempts_per_contact
    }
    #[getter]
    fn dials(&self) -> u64 {
        self.inner.dials
    }
    #[getter]
    fn answered(&self) -> u64 {
        self.inner.answered
    }
    #[getter]
    fn abandoned(&self) -> u64 {
        self.inner.abandoned
    }
    #[getter]
    fn connected(&self) -> u64 {
        self.inner.connected
    }
    #[getter]
    fn wait_mean_s(&self) -> f64 {
        self.inner.wait_mean_s
    }
    #[getter]
    fn simulated_s(&self) -> f64 {
        self.inner.simulated_s
    }
    #[getter]
    fn events(&self) -> u64 {
        self.inner.events
    }
    #[getter]
    fn stale_events(&self) -> u64 {
        self.inner.stale_events
    }
    #[getter]
    fn client_hangups(&self) -> u64 {
        self.inner.client_hangups
    }
    #[getter]
    fn finished(&self) -> bool {
        self.inner.finished
    }
    /// Why the run stopped: `"finished"`, `"time_limit"` or `"stalled"`.
    #[getter]
    fn stop_reason(&self) -> &'static str {
        self.inner.stop_reason.name()
    }

    /// Final contacts per state name.
    #[getter]
    fn counts(&self) -> std::collections::BTreeMap<String, u64> {
        self.inner.counts.clone()
    }

    /// Simulated minute of each time-series row (`uint64`).
    #[getter]
    fn minute<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<u64>> {
        PyArray1::from_vec(py, self.inner.timeseries.iter().map(|r| r.minute).collect())
    }
    /// Ready operators per minute (`uint32`).
    #[getter]
    fn ready_operators<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<u32>> {
        PyArray1::from_vec(
            py,
            self.inner
                .timeseries
                .iter()
                .map(|r| r.ready_operators)
                .collect(),
        )
    }
    /// Calls in flight per minute (`uint32`).
    #[getter]
    fn calls_in_flight<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<u32>> {
        PyArray1::from_vec(
            py,
            self.inner
                .timeseries
                .iter()
                .map(|r| r.calls_in_flight)
                .collect(),
        )
    }
    /// Cumulative answered calls per minute (`uint64`).
    #[getter]
    fn answered_series<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<u64>> {
        PyArray1::from_vec(
            py,
            self.inner.timeseries.iter().map(|r| r.answered).collect(),
        )
    }
    /// Cumulative abandoned calls per minute (`uint64`).
    #[getter]
    fn abandoned_series<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<u64>> {
        PyArray1::from_vec(
            py,
            self.inner.timeseries.iter().map(|r| r.abandoned).collect(),
        )
    }
    /// Cumulative abandon rate per minute (`float64`).
    #[getter]
    fn cumulative_abandon_rate<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_vec(
            py,
            self.inner
                .timeseries
                .iter()
                .map(|r| r.cumulative_abandon_rate)
                .collect(),
        )
    }

    /// The time series as a dict of numpy arrays (`minute`,
    /// `ready_operators`, `calls_in_flight`, `answered`, `abandoned`,
    /// `cumulative_abandon_rate`).
    fn timeseries<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("minute", self.minute(py))?;
        d.set_item("ready_operators", self.ready_operators(py))?;
        d.set_item("calls_in_flight", self.calls_in_flight(py))?;
        d.set_item("answered", self.answered_series(py))?;
        d.set_item("abandoned", self.abandoned_series(py))?;
        d.set_item("cumulative_abandon_rate", self.cumulative_abandon_rate(py))?;
        Ok(d)
    }

    /// The time series as a pandas DataFrame indexed by the start of each
    /// simulated minute (a UTC `DatetimeIndex` named `time`); `minute`
    /// stays a column.
    fn to_pandas<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let pd = import_pandas(py)?;
        let df = pd.getattr("DataFrame")?.call1((self.timeseries(py)?,))?;
        let times: Vec<i64> = self
            .inner
            .timeseries
            .iter()
            .map(|r| (self.start_ms + r.minute * 60_000) as i64)
            .collect();
        let kwargs = PyDict::new(py);
        kwargs.set_item("unit", "ms")?;
        kwargs.set_item("utc", true)?;
        let index = pd
            .getattr("to_datetime")?
            .call((PyArray1::from_vec(py, times),), Some(&kwargs))?;
        let index = pd.getattr("DatetimeIndex")?.call1((index,))?;
        index.setattr("name", "time")?;
        df.call_method1("set_index", (index,))
    }

    /// The whole report as a JSON string (the CLI's `--json` format).
    fn to_json(&self) -> String {
        self.inner.to_json().to_string()
    }

    /// The human-readable summary the CLI prints.
    fn render_text(&self) -> String {
        self.inner.render_text()
    }

    fn __repr__(&self) -> String {
        format!(
            "SimReport(mode={:?}, contacts={}, operators={}, abandon_rate={:.4}, occupancy={:.4}, stop_reason={:?})",
            self.inner.mode, self.inner.contacts, self.inner.operators,
            self.inner.abandon_rate, self.inner.occupancy, self.inner.stop_reason.name()
        )
    }
}

/// Runs one simulation without the GIL. `scenario` is None (the
/// defaults), a TOML scenario file path, or a dict; keyword `overrides`
/// replace top-level keys (`contacts=5000, operators=10, mode="preview",
/// seed=7`), and dict values merge into sections
/// (`customers={"p_human": 0.4}`). Bad values raise `InvalidConfig`.
#[pyfunction]
#[pyo3(signature = (scenario=None, **overrides))]
pub(crate) fn simulate(
    py: Python<'_>,
    scenario: Option<&Bound<'_, PyAny>>,
    overrides: Option<&Bound<'_, PyDict>>,
) -> PyResult<SimReport> {
    let scenario = build_scenario(scenario, overrides)?;
    let report = py.detach(|| no_panic(|| run(&scenario, &mut |_| {})))?;
    Ok(SimReport {
        inner: report.map_err(sim_err)?,
        start_ms: scenario.start_ms,
    })
}

/// The default scenario as a dict (every key `simulate` accepts).
#[pyfunction]
pub(crate) fn default_scenario(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    let text = serde_json::to_string(&Scenario::default())
        .map_err(|e| InvalidConfig::new_err(e.to_string()))?;
    py.import("json")?.call_method1("loads", (text,))
}
