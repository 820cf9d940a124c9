//! `Campaign(mode=..., **config)`: Python keyword arguments to `CampaignConfig`.

use dialcore::config::{AbandonGuard, AbandonWindow};
use dialcore::retry::RetryRule;
use dialcore::window::WeeklyWindow;
use dialcore::{CampaignConfig, Mode};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyString};

use crate::errors::InvalidConfig;

/// Every key `Campaign(**config)` accepts, in documentation order.
pub(crate) const CONFIG_KEYS: &[&str] = &[
    "default_country",
    "default_timezone",
    "calling_window",
    "offer_timeout_ms",
    "bcw_ms",
    "ring_timeout_ms",
    "allow_short_ring_timeout",
    "abandon_limit_ms",
    "acw_enabled",
    "acw_limit_ms",
    "predictive_ratio",
    "abandon_target",
    "abandon_window",
    "abandon_guard",
    "hopper_size",
    "number_busy_delay_ms",
    "max_attempts",
    "reserve_operator_after_abandon_ms",
    "retry_busy_ms",
    "retry_no_answer_ms",
    "retry_machine_ms",
    "retry_dial_failed_ms",
    "retry_abandoned_ms",
];

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

fn retry_arg(key: &str, v: &Bound<'_, PyAny>) -> PyResult<RetryRule> {
    if v.is_none() {
        Ok(RetryRule::never())
    } else {
        Ok(RetryRule::after(int_arg::<u64>(key, v)?))
    }
}

/// `mode` as a `Mode` member, its int code or its name.
pub(crate) fn mode_arg(v: &Bound<'_, PyAny>) -> PyResult<Mode> {
    if v.is_instance_of::<PyString>() {
        let name: String = v.extract()?;
        return Mode::from_name(&name).ok_or_else(|| {
            InvalidConfig::new_err(format!(
                "invalid mode: {name:?} is not preview, progressive or predictive"
            ))
        });
    }
    if v.is_instance_of::<PyInt>() && !v.is_instance_of::<PyBool>() {
        let code: i64 = v.extract()?;
        return match code {
            0 => Ok(Mode::Preview),
            1 => Ok(Mode::Progressive),
            2 => Ok(Mode::Predictive),
            _ => Err(InvalidConfig::new_err(format!(
                "invalid mode: {code} is not a mode code (0, 1, 2)"
            ))),
        };
    }
    Err(type_err("mode", "Mode or str", v))
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
        let v = &v;
        match key.as_str() {
            "default_country" => {
                c.default_country = if v.is_none() {
                    None
                } else {
                    Some(int_arg::<u16>(&key, v)?)
                }
            }
            "default_timezone" => c.default_timezone = str_arg(&key, v)?,
            "calling_window" => {
                let spec = str_arg(&key, v)?;
                c.calling_window = WeeklyWindow::parse(&spec).map_err(|e| {
                    InvalidConfig::new_err(format!("invalid calling_window: {spec:?}: {e}"))
                })?;
            }
            "offer_timeout_ms" => c.offer_timeout_ms = int_arg(&key, v)?,
            "bcw_ms" => c.bcw_ms = int_arg(&key, v)?,
            "ring_timeout_ms" => c.ring_timeout_ms = int_arg(&key, v)?,
            "allow_short_ring_timeout" => c.allow_short_ring_timeout = bool_arg(&key, v)?,
            "abandon_limit_ms" => c.abandon_limit_ms = int_arg(&key, v)?,
            "acw_enabled" => c.acw_enabled = bool_arg(&key, v)?,
            "acw_limit_ms" => c.acw_limit_ms = int_arg(&key, v)?,
            "predictive_ratio" => c.predictive_ratio = float_arg(&key, v)?,
            "abandon_target" => c.abandon_target = float_arg(&key, v)?,
            "abandon_window" => {
                let s = str_arg(&key, v)?;
                c.abandon_window = match s.as_str() {
                    "day" => AbandonWindow::Day,
                    "30d" | "thirty_days" => AbandonWindow::ThirtyDays,
                    _ => {
                        return Err(InvalidConfig::new_err(format!(
                            "invalid abandon_window: {s:?} is not \"day\" or \"30d\""
                        )))
                    }
                };
            }
            "abandon_guard" => {
                let s = str_arg(&key, v)?;
                c.abandon_guard = AbandonGuard::from_name(&s).ok_or_else(|| {
                    InvalidConfig::new_err(format!(
                        "invalid abandon_guard: {s:?} is not \"worst_case\" or \"expected\""
                    ))
                })?;
            }
            "hopper_size" => c.hopper_size = int_arg(&key, v)?,
            "number_busy_delay_ms" => c.number_busy_delay_ms = int_arg(&key, v)?,
            "max_attempts" => c.retry.max_attempts = int_arg(&key, v)?,
            "reserve_operator_after_abandon_ms" => {
                c.retry.reserve_operator_after_abandon_ms = int_arg(&key, v)?
            }
            "retry_busy_ms" => c.retry.busy = retry_arg(&key, v)?,
            "retry_no_answer_ms" => c.retry.no_answer = retry_arg(&key, v)?,
            "retry_machine_ms" => c.retry.machine = retry_arg(&key, v)?,
            "retry_dial_failed_ms" => c.retry.dial_failed = retry_arg(&key, v)?,
            "retry_abandoned_ms" => c.retry.abandoned = retry_arg(&key, v)?,
            _ => {
                return Err(InvalidConfig::new_err(format!(
                    "unknown campaign setting {key:?} (known: mode, {})",
                    CONFIG_KEYS.join(", ")
                )))
            }
        }
    }
    Ok(c)
}
