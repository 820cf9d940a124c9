//! `Campaign(mode=..., **config)`: Python keyword arguments to `CampaignConfig`.
//!
//! The keywords are the rows of the engine's settings table
//! (`dialcore::config::CONFIG_FIELDS`): its kind says which Python type a
//! value must have (a wrong type is a `TypeError` naming the argument), its
//! setter converts it (a bad value is `InvalidConfig` naming the setting).

use dialcore::config::{config_field, FieldKind, FieldValue, CONFIG_FIELDS};
use dialcore::{CampaignConfig, Mode};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyString};

use crate::errors::InvalidConfig;

fn type_name(v: &Bound<'_, PyAny>) -> String {
    v.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".to_owned())
}

fn type_err(key: &str, expected: &str, v: &Bound<'_, PyAny>) -> PyErr {
    PyTypeError::new_err(format!(
        "argument '{key}': expected {expected}, got {}",
        type_name(v)
    ))
}

/// An integer argument (bool refused) in `T`'s range.
pub(crate) fn int_arg<T: for<'a, 'py> FromPyObject<'a, 'py>>(
    key: &str,
    v: &Bound<'_, PyAny>,
) -> PyResult<T> {
    if !v.is_instance_of::<PyInt>() || v.is_instance_of::<PyBool>() {
        return Err(type_err(key, "int", v));
    }
    v.extract::<T>().map_err(|_| {
        InvalidConfig::new_err(format!(
            "invalid {key}: {} is out of range",
            v.str().map(|s| s.to_string()).unwrap_or_default()
        ))
    })
}

fn bool_arg(key: &str, v: &Bound<'_, PyAny>) -> PyResult<bool> {
    if !v.is_instance_of::<PyBool>() {
        return Err(type_err(key, "bool", v));
    }
    v.extract()
}

fn float_arg(key: &str, v: &Bound<'_, PyAny>) -> PyResult<f64> {
    if v.is_instance_of::<PyBool>()
        || !(v.is_instance_of::<PyFloat>() || v.is_instance_of::<PyInt>())
    {
        return Err(type_err(key, "float", v));
    }
    v.extract()
}

fn str_arg(key: &str, v: &Bound<'_, PyAny>) -> PyResult<String> {
    if !v.is_instance_of::<PyString>() {
        return Err(type_err(key, "str", v));
    }
    v.extract()
}

/// `mode` as a `Mode` member, its int code or its name.
pub(crate) fn mode_arg(v: &Bound<'_, PyAny>) -> PyResult<Mode> {
    if v.is_instance_of::<PyString>() {
        let name: String = v.extract()?;
        return Mode::from_name(&name).ok_or_else(|| {
            InvalidConfig::new_err(format!(
                "invalid mode: {name:?} is not preview, progressive, predictive or agentless"
            ))
        });
    }
    if v.is_instance_of::<PyInt>() && !v.is_instance_of::<PyBool>() {
        let code: i64 = v.extract()?;
        return match code {
            0 => Ok(Mode::Preview),
            1 => Ok(Mode::Progressive),
            2 => Ok(Mode::Predictive),
            3 => Ok(Mode::Agentless),
            _ => Err(InvalidConfig::new_err(format!(
                "invalid mode: {code} is not a mode code (0, 1, 2, 3)"
            ))),
        };
    }
    Err(type_err("mode", "Mode or str", v))
}

/// Every key `Campaign(**config)` accepts, in documentation order: the
/// rows of the engine's settings table but `mode` (a positional argument).
pub(crate) fn config_keys() -> Vec<&'static str> {
    CONFIG_FIELDS
        .iter()
        .map(|f| f.name)
        .filter(|n| *n != "mode")
        .collect()
}

/// `{name: doc}` of every setting, for `dialcore.CONFIG_DOCS`.
pub(crate) fn config_docs() -> Vec<(&'static str, &'static str)> {
    CONFIG_FIELDS
        .iter()
        .filter(|f| f.name != "mode")
        .map(|f| (f.name, f.doc))
        .collect()
}

/// A Python value as the table's `FieldValue` of `kind`; a value of the
/// wrong type is a `TypeError` naming the argument.
fn field_value(key: &str, kind: FieldKind, v: &Bound<'_, PyAny>) -> PyResult<FieldValue> {
    Ok(match kind {
        FieldKind::Bool => FieldValue::Bool(bool_arg(key, v)?),
        FieldKind::OptionalUInt { .. } if v.is_none() => FieldValue::None,
        FieldKind::UInt { max } | FieldKind::OptionalUInt { max } => {
            let u = int_arg::<u64>(key, v)?;
            if u > max {
                return Err(InvalidConfig::new_err(format!(
                    "invalid {key}: {u} is out of range (at most {max})"
                )));
            }
            FieldValue::UInt(u)
        }
        FieldKind::Float => FieldValue::Float(float_arg(key, v)?),
        FieldKind::Text | FieldKind::Choice(_) => FieldValue::Text(str_arg(key, v)?),
    })
}

/// The table's value as a Python object (`None` for no value).
pub(crate) fn field_to_py<'py>(py: Python<'py>, v: FieldValue) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        FieldValue::Bool(b) => PyBool::new(py, b).to_owned().into_any(),
        FieldValue::UInt(u) => u.into_pyobject(py)?.into_any(),
        FieldValue::Float(x) => PyFloat::new(py, x).into_any(),
        FieldValue::Text(s) => PyString::new(py, &s).into_any(),
        FieldValue::None => py.None().into_bound(py),
    })
}

pub(crate) fn build_config(
    mode: Option<&Bound<'_, PyAny>>,
    kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<CampaignConfig> {
    let mode = match mode {
        Some(m) => mode_arg(m)?,
        None => Mode::Progressive,
    };
    let mut c = CampaignConfig::new(mode);
    let Some(kwargs) = kwargs else {
        return Ok(c);
    };
    for (k, v) in kwargs.iter() {
        let key: String = k.extract()?;
        let field = config_field(&key)
            .filter(|f| f.name != "mode")
            .ok_or_else(|| {
                InvalidConfig::new_err(format!(
                    "unknown campaign setting {key:?} (known: mode, {})",
                    config_keys().join(", ")
                ))
            })?;
        let value = field_value(&key, field.kind, &v)?;
        (field.set)(&mut c, value)
            .map_err(|e| InvalidConfig::new_err(format!("invalid {key}: {e}")))?;
    }
    Ok(c)
}
