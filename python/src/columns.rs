//! The contact store as Python columns: `Campaign.columns()` turns the
//! columns copied under the lock (`RawColumns`) into numpy arrays, one per
//! column, and `Campaign.to_pandas()` makes a DataFrame of them indexed by
//! contact id, with the state, last outcome and time zone as categoricals
//! carrying their names. The copy is taken under the lock; the conversion
//! runs after it is released.

use dialcore::state::Outcome;
use dialcore::State;
use numpy::PyArray1;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};

/// The store's columns copied under the lock: state, attempts,
/// last_outcome, priority, zone, number, external_id.
pub(crate) type RawColumns = (
    Vec<u8>,
    Vec<u8>,
    Vec<u8>,
    Vec<u8>,
    Vec<u16>,
    Vec<u64>,
    Vec<String>,
);

/// `Campaign.columns()`: the copied columns as numpy arrays, plus `id` and
/// `timezone` (each contact's zone name, from `zone_names` by zone code).
pub(crate) fn columns_dict<'py>(
    py: Python<'py>,
    cols: RawColumns,
    zone_names: &[String],
) -> PyResult<Bound<'py, PyDict>> {
    let (state, attempts, outcome, prio, zone, number, external) = cols;
    let np = py.import("numpy")?;
    let object = np.getattr("object_")?;
    let names: Vec<Bound<'py, PyString>> =
        zone_names.iter().map(|n| PyString::new(py, n)).collect();
    let tz = PyList::new(
        py,
        zone.iter()
            .map(|z| names.get(*z as usize).unwrap_or(&names[0]).clone()),
    )?;
    let tz = np.call_method1("array", (tz, &object))?;
    let ext = np.call_method1("array", (PyList::new(py, external)?, &object))?;
    let d = PyDict::new(py);
    d.set_item(
        "id",
        PyArray1::from_vec(py, (0..state.len() as u32).collect()),
    )?;
    d.set_item("state", PyArray1::from_vec(py, state))?;
    d.set_item("attempts", PyArray1::from_vec(py, attempts))?;
    d.set_item("last_outcome", PyArray1::from_vec(py, outcome))?;
    d.set_item("priority", PyArray1::from_vec(py, prio))?;
    d.set_item("zone", PyArray1::from_vec(py, zone))?;
    d.set_item("number", PyArray1::from_vec(py, number))?;
    d.set_item("external_id", ext)?;
    d.set_item("timezone", tz)?;
    Ok(d)
}

/// `Campaign.to_pandas()`: the dict of `columns_dict` as a DataFrame
/// indexed by contact id, `state`, `last_outcome` and `timezone` as
/// categoricals with their names.
pub(crate) fn columns_frame<'py>(
    py: Python<'py>,
    pd: &Bound<'py, PyModule>,
    cols: Bound<'py, PyDict>,
    zone_names: Vec<String>,
) -> PyResult<Bound<'py, PyAny>> {
    let cat = pd.getattr("Categorical")?.getattr("from_codes")?;
    let state_names: Vec<&str> = State::ALL.iter().map(|s| s.name()).collect();
    let outcome_names: Vec<&str> = Outcome::ALL.iter().map(|o| o.name()).collect();
    let state = cols.get_item("state")?.expect("state column");
    cols.set_item("state", cat.call1((state, state_names))?)?;
    let outcome = cols.get_item("last_outcome")?.expect("outcome column");
    cols.set_item("last_outcome", cat.call1((outcome, outcome_names))?)?;
    let zone = cols.get_item("zone")?.expect("zone column");
    let codes = zone.call_method1("astype", ("int32",))?;
    cols.set_item("timezone", cat.call1((codes, zone_names))?)?;
    let id = cols.get_item("id")?.expect("id column");
    cols.del_item("id")?;
    let kwargs = PyDict::new(py);
    kwargs.set_item(
        "index",
        pd.getattr("Index")?.call(
            (id,),
            Some(&{
                let k = PyDict::new(py);
                k.set_item("name", "id")?;
                k
            }),
        )?,
    )?;
    pd.getattr("DataFrame")?.call((cols,), Some(&kwargs))
}
