//! `dialcore._native`: the pyo3 extension behind the `dialcore` Python package.
#![forbid(unsafe_code)]

mod campaign;
mod columns;
mod commands;
mod config;
mod contacts;
mod durable;
mod errors;
mod events;
mod floor;
mod records;
mod reports;
mod rules;
mod sim;

use dialcore::state::Outcome;
use dialcore::State;
use pyo3::prelude::*;

/// `(code, name, display_name)` of the 17 contact states, in code order.
#[pyfunction]
fn state_table() -> Vec<(u8, &'static str, &'static str)> {
    State::ALL
        .iter()
        .map(|s| (s.code(), s.name(), s.display_name()))
        .collect()
}

/// Names of the last-outcome codes, in code order.
#[pyfunction]
fn outcome_names() -> Vec<&'static str> {
    Outcome::ALL.iter().map(|o| o.name()).collect()
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    errors::register(m)?;
    records::register(m)?;
    floor::register(m)?;
    m.add_class::<campaign::Campaign>()?;
    m.add_class::<events::Event>()?;
    m.add_class::<commands::Command>()?;
    m.add_class::<reports::ImportReport>()?;
    m.add_class::<reports::AddReport>()?;
    m.add_class::<durable::RecoveryReport>()?;
    m.add_class::<sim::SimReport>()?;
    m.add_function(wrap_pyfunction!(sim::simulate, m)?)?;
    m.add_function(wrap_pyfunction!(durable::inspect, m)?)?;
    m.add_function(wrap_pyfunction!(sim::default_scenario, m)?)?;
    m.add_function(wrap_pyfunction!(state_table, m)?)?;
    m.add_function(wrap_pyfunction!(outcome_names, m)?)?;
    m.add("CONFIG_KEYS", config::config_keys())?;
    let docs = pyo3::types::PyDict::new(m.py());
    for (name, doc) in config::config_docs() {
        docs.set_item(name, doc)?;
    }
    m.add("CONFIG_DOCS", docs)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
