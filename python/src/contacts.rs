//! Reading contact input from Python for `add_contacts`: phone numbers
//! (lists, tuples, numpy arrays, pandas Series; text or E.164 digits),
//! per-contact text columns (external ids, time zones), priorities, and
//! several numbers a contact with their kinds. A missing value (None, NaN,
//! `pandas.NA`) is a blank; any other wrong element is a `TypeError` or
//! `ValueError` naming the argument and the element, raised before the
//! engine is touched.

use numpy::{PyArray1, PyArrayDescrMethods, PyArrayMethods, PyUntypedArrayMethods};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyFloat, PyList, PyString};

use crate::config::int_arg;

/// The numbers argument of `add_contacts`, read while holding the GIL.
pub(crate) enum Numbers {
    Digits(Vec<u64>),
    Text(Vec<String>),
}

pub(crate) fn len_check(name: &str, got: usize, want: usize) -> PyResult<()> {
    if got != want {
        return Err(PyValueError::new_err(format!(
            "argument '{name}': has {got} items but numbers has {want}"
        )));
    }
    Ok(())
}

/// A pandas Series or Index as its numpy array (other values as they are).
fn unwrap_pandas<'py>(v: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    if v.cast::<numpy::PyUntypedArray>().is_err()
        && !v.is_instance_of::<PyString>()
        && v.hasattr("to_numpy")?
    {
        return v.call_method0("to_numpy");
    }
    Ok(v.clone())
}

/// Whether `v` is a missing value: None, a float NaN, `pandas.NA` or `NaT`.
fn is_missing(v: &Bound<'_, PyAny>) -> bool {
    if v.is_none() {
        return true;
    }
    if let Ok(f) = v.cast::<PyFloat>() {
        return f.value().is_nan();
    }
    matches!(
        v.get_type().name().map(|n| n.to_string()).as_deref(),
        Ok("NAType" | "NaTType")
    )
}

fn type_name_of(v: &Bound<'_, PyAny>) -> String {
    v.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_default()
}

/// The numbers one element at a time: text as it is, a non-negative int (or
/// a whole float, as in a pandas column with gaps) as E.164 digits, a missing value (None, NaN, `pandas.NA`) as a blank number
/// (stored as InvalidRecord); anything else is a `TypeError` naming the
/// element.
fn read_numbers_each(list: &Bound<'_, PyAny>) -> PyResult<Numbers> {
    let mut out = Vec::new();
    for (i, item) in list.try_iter()?.enumerate() {
        let item = item?;
        if is_missing(&item) {
            out.push(String::new());
        } else if item.is_instance_of::<PyString>() {
            out.push(item.extract()?);
        } else if let Some(d) = item
            .cast::<PyFloat>()
            .ok()
            .map(|f| f.value())
            .filter(|x| x.fract() == 0.0 && *x >= 1.0 && *x < 1e16)
        {
            // A whole number in a float column (pandas makes an int column
            // with missing values float64): the E.164 digits it holds.
            out.push(format!("+{}", d as u64));
        } else if item.is_instance_of::<pyo3::types::PyInt>()
            && !item.is_instance_of::<pyo3::types::PyBool>()
        {
            let d: u64 = item.extract().map_err(|_| {
                PyValueError::new_err(format!(
                    "argument 'numbers': element {i} ({}) is not a non-negative number",
                    item.str().map(|s| s.to_string()).unwrap_or_default()
                ))
            })?;
            out.push(if d == 0 {
                String::new()
            } else {
                format!("+{d}")
            });
        } else {
            return Err(PyTypeError::new_err(format!(
                "argument 'numbers': element {i} is {} {}, expected str or non-negative int (None and NaN are stored as InvalidRecord)",
                type_name_of(&item),
                item.repr().map(|s| s.to_string()).unwrap_or_default()
            )));
        }
    }
    Ok(Numbers::Text(out))
}

pub(crate) fn read_numbers(v: &Bound<'_, PyAny>) -> PyResult<Numbers> {
    let v = &unwrap_pandas(v)?;
    if let Ok(arr) = v.cast::<numpy::PyUntypedArray>() {
        if arr.ndim() != 1 {
            return Err(PyValueError::new_err(format!(
                "argument 'numbers': expected a 1-d array, got {} dimensions",
                arr.ndim()
            )));
        }
        let dtype = arr.dtype();
        let kind = dtype.kind();
        if kind == b'u' || kind == b'i' {
            let as_u64 = v.call_method1("astype", ("uint64",))?;
            if kind == b'i' && arr.len() > 0 && v.call_method0("min")?.extract::<i64>()? < 0 {
                return Err(PyValueError::new_err(
                    "argument 'numbers': negative numbers are not phone numbers",
                ));
            }
            let a = as_u64.cast_into::<PyArray1<u64>>().map_err(PyErr::from)?;
            return Ok(Numbers::Digits(a.to_vec()?));
        }
        if kind == b'U' || kind == b'O' || kind == b'S' || kind == b'f' {
            let list = v.call_method0("tolist")?;
            return read_numbers(&list);
        }
        return Err(PyTypeError::new_err(format!(
            "argument 'numbers': expected an integer or string array, got dtype {}",
            dtype.str().map(|s| s.to_string()).unwrap_or_default()
        )));
    }
    if v.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err(
            "argument 'numbers': expected a list of numbers, got str",
        ));
    }
    if let Ok(d) = v.extract::<Vec<u64>>() {
        return Ok(Numbers::Digits(d));
    }
    if let Ok(t) = v.extract::<Vec<String>>() {
        return Ok(Numbers::Text(t));
    }
    if v.is_instance_of::<PyList>() || v.is_instance_of::<pyo3::types::PyTuple>() {
        return read_numbers_each(v);
    }
    Err(PyTypeError::new_err(format!(
        "argument 'numbers': expected a list or array of str or non-negative int, got {}",
        type_name_of(v)
    )))
}

/// A list of optional strings; a missing value (None, NaN, `pandas.NA`)
/// is None, any other non-str element a `TypeError` naming it.
fn read_strings(name: &str, v: &Bound<'_, PyAny>) -> PyResult<Vec<Option<String>>> {
    let v = &unwrap_pandas(v)?;
    if v.cast::<numpy::PyUntypedArray>().is_ok() {
        let list = v.call_method0("tolist")?;
        return read_strings(name, &list);
    }
    if v.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err(format!(
            "argument '{name}': expected a list of str, got str"
        )));
    }
    if let Ok(all) = v.extract::<Vec<Option<String>>>() {
        return Ok(all);
    }
    if !(v.is_instance_of::<PyList>() || v.is_instance_of::<pyo3::types::PyTuple>()) {
        return Err(PyTypeError::new_err(format!(
            "argument '{name}': expected a list of str, got {}",
            type_name_of(v)
        )));
    }
    let mut out = Vec::new();
    for (i, item) in v.try_iter()?.enumerate() {
        let item = item?;
        if is_missing(&item) {
            out.push(None);
        } else if item.is_instance_of::<PyString>() {
            out.push(Some(item.extract()?));
        } else {
            return Err(PyTypeError::new_err(format!(
                "argument '{name}': element {i} is {} {}, expected str or None",
                type_name_of(&item),
                item.repr().map(|s| s.to_string()).unwrap_or_default()
            )));
        }
    }
    Ok(out)
}

pub(crate) enum Priorities {
    One(u8),
    Each(Vec<u8>),
}

/// An optional per-contact text column (`None` or Python `None`: absent),
/// checked to have one item per contact.
pub(crate) fn read_column_strings(
    name: &str,
    v: Option<&Bound<'_, PyAny>>,
    n: usize,
) -> PyResult<Option<Vec<Option<String>>>> {
    match v {
        Some(v) if !v.is_none() => {
            let items = read_strings(name, v)?;
            len_check(name, items.len(), n)?;
            Ok(Some(items))
        }
        _ => Ok(None),
    }
}

/// The `priorities` argument, checked to have one item per contact when it
/// is not a single value.
pub(crate) fn read_column_priorities(
    v: Option<&Bound<'_, PyAny>>,
    n: usize,
) -> PyResult<Priorities> {
    let priorities = read_priorities(v)?;
    if let Priorities::Each(p) = &priorities {
        len_check("priorities", p.len(), n)?;
    }
    Ok(priorities)
}

fn read_priorities(v: Option<&Bound<'_, PyAny>>) -> PyResult<Priorities> {
    let Some(v) = v else {
        return Ok(Priorities::One(0));
    };
    if v.is_none() {
        return Ok(Priorities::One(0));
    }
    if v.is_instance_of::<pyo3::types::PyInt>() {
        return int_arg::<u8>("priorities", v).map(Priorities::One);
    }
    let v = &unwrap_pandas(v)?;
    if v.cast::<numpy::PyUntypedArray>().is_ok() {
        let list = v.call_method0("tolist")?;
        return read_priorities(Some(&list));
    }
    v.extract::<Vec<u8>>().map(Priorities::Each).map_err(|_| {
        PyTypeError::new_err("argument 'priorities': expected an int 0..=255 or a list of them")
    })
}

/// Several numbers a contact for `add_contacts`: per contact its numbers as
/// texts ("" for none) and kinds.
pub(crate) type Several = Vec<Vec<(String, dialcore::store::NumberKind)>>;

/// `numbers` as a list of lists (several numbers a contact), with `kinds`;
/// `None` when `numbers` is not a list (or tuple) of lists.
pub(crate) fn read_several(
    numbers: &Bound<'_, PyAny>,
    kinds: Option<&Bound<'_, PyAny>>,
) -> PyResult<Option<Several>> {
    use dialcore::store::NumberKind;
    use pyo3::types::PyTuple;
    let is_seq =
        |v: &Bound<'_, PyAny>| v.is_instance_of::<PyList>() || v.is_instance_of::<PyTuple>();
    if !is_seq(numbers) {
        return Ok(None);
    }
    let items: Vec<Bound<'_, PyAny>> = numbers.try_iter()?.collect::<PyResult<_>>()?;
    if !items.first().is_some_and(is_seq) {
        return Ok(None);
    }
    let kinds: Option<Vec<Bound<'_, PyAny>>> = match kinds {
        Some(k) if !k.is_none() => Some(k.try_iter()?.collect::<PyResult<_>>()?),
        _ => None,
    };
    if let Some(k) = &kinds {
        len_check("kinds", k.len(), items.len())?;
    }
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        if !is_seq(item) {
            return Err(PyTypeError::new_err(format!(
                "argument 'numbers': element {i} is not a list of numbers (several numbers a contact)"
            )));
        }
        let texts = match read_numbers_each(item)? {
            Numbers::Text(t) => t,
            Numbers::Digits(d) => d
                .iter()
                .map(|&n| {
                    if n == 0 {
                        String::new()
                    } else {
                        format!("+{n}")
                    }
                })
                .collect(),
        };
        let mut contact_kinds = vec![NumberKind::Other; texts.len()];
        if let Some(k) = &kinds {
            if !k[i].is_none() {
                let names: Vec<Option<String>> = k[i].extract()?;
                len_check(&format!("kinds[{i}]"), names.len(), texts.len())?;
                for (slot, name) in contact_kinds.iter_mut().zip(names) {
                    let name = name.unwrap_or_default();
                    *slot = NumberKind::from_name(&name).ok_or_else(|| {
                        PyValueError::new_err(format!(
                            "argument 'kinds': element {i}: {name:?} is not mobile, home, work, other or None"
                        ))
                    })?;
                }
            }
        }
        out.push(texts.into_iter().zip(contact_kinds).collect());
    }
    Ok(Some(out))
}
