"""Attempt records: one row per call attempt, built from a data directory's
journal by the core (see docs/RECORDS.md for the columns and their format
version).

>>> import dialcore
>>> df = dialcore.read_records("campaign-data")            # doctest: +SKIP
>>> df.groupby(df.dial_at.dt.floor("h")).abandoned.mean()   # doctest: +SKIP

:func:`read_records` and :meth:`Campaign.attempts` give a pandas DataFrame:
times (``*_at``) are ``datetime64[ms, UTC]`` (``NaT`` where the attempt has
none), durations (``*_ms``) and ``operator`` are nullable ``Int64``,
``outcome`` and ``disposition`` are categoricals of the outcome and state
names (``display_names=True`` gives the vendor's display names instead).
:func:`load_records` gives an :class:`AttemptRecords` for pyarrow
(``to_arrow``, the ``arrow`` extra) or polars (``to_polars``, the ``polars``
extra): the numeric columns are handed over without a copy.
"""

from __future__ import annotations

from os import PathLike
from typing import Any, Dict, List, Optional, Union

import numpy as np

from . import _native

COLUMNS: tuple = tuple(_native.RECORD_COLUMNS)
"""The record columns, in order (the CSV header of ``dialcore records``)."""

RECORD_FORMAT_VERSION: int = _native.RECORD_FORMAT_VERSION
"""The version of the record format (bumped when a column changes)."""

_TIMES = ("dial_at", "answer_at", "connect_at", "end_at", "wrap_end_at")
_OPTIONAL_INTS = ("ring_ms", "wait_ms", "talk_ms", "operator")
_STATES = [name for _code, name, _display in _native.state_table()]
_STATE_DISPLAY = [display for _code, _name, display in _native.state_table()]
_OUTCOMES = list(_native.outcome_names())


def _require(module: str, extra: str) -> Any:
    try:
        return __import__(module)
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError(
            f"{module} is needed for this; install it with pip install 'dialcore[{extra}]'"
        ) from e


class AttemptRecords:
    """The attempt records as columns (numpy arrays and lists), with
    conversions to pandas, pyarrow and polars. ``len(records)`` is the
    number of attempts; ``records.columns`` the raw columns."""

    def __init__(self, columns: Dict[str, Any]) -> None:
        self.columns: Dict[str, Any] = columns
        """The raw columns: numpy arrays (an optional column ``x`` comes
        with a boolean mask ``x__valid``), lists for strings, and codes for
        ``outcome`` (see :data:`dialcore.OUTCOMES`) and ``disposition``
        (see :class:`dialcore.State`)."""

    def __len__(self) -> int:
        return len(self.columns["contact_id"])

    def __repr__(self) -> str:
        return f"<AttemptRecords: {len(self)} attempts>"

    def _valid(self, name: str) -> np.ndarray:
        return self.columns.get(f"{name}__valid", np.ones(len(self), dtype=bool))

    def to_pandas(self, display_names: bool = False) -> Any:
        """The records as a pandas DataFrame, one row per attempt in dial
        order: datetime columns (UTC, ``NaT`` where missing), nullable
        ``Int64`` durations and operator, categorical ``outcome`` and
        ``disposition`` (their names, or the vendor's display names of the
        states with ``display_names=True``), categorical ``campaign`` and
        ``zone``."""
        pd = _require("pandas", "pandas")
        c = self.columns
        data: Dict[str, Any] = {}
        for name in COLUMNS:
            if name in _TIMES:
                t = np.asarray(c[name], dtype=np.int64).astype("datetime64[ms]")
                t[~self._valid(name)] = np.datetime64("NaT")
                data[name] = pd.Series(t).dt.tz_localize("UTC")
            elif name in _OPTIONAL_INTS:
                data[name] = pd.arrays.IntegerArray(
                    c[name].astype(np.int64), ~self._valid(name)
                )
            elif name == "outcome":
                data[name] = pd.Categorical.from_codes(c[name], categories=_OUTCOMES)
            elif name == "disposition":
                names = _STATE_DISPLAY if display_names else _STATES
                data[name] = pd.Categorical.from_codes(c[name], categories=names)
            elif name in ("campaign", "zone"):
                data[name] = pd.Categorical(c[name])
            elif name == "message_within_2s":
                data[name] = pd.array(c[name], dtype="boolean")
            else:
                data[name] = c[name]
        return pd.DataFrame(data, columns=list(COLUMNS))

    def to_arrow(self) -> Any:
        """The records as a pyarrow Table (the ``arrow`` extra): times as
        ``timestamp[ms, tz=UTC]``, nulls where missing, ``outcome`` and
        ``disposition`` as dictionary arrays of their names. Numeric columns
        without nulls wrap the numpy buffers without a copy."""
        pa = _require("pyarrow", "arrow")
        c = self.columns
        arrays: List[Any] = []
        for name in COLUMNS:
            if name in _TIMES or name in _OPTIONAL_INTS:
                mask = ~self._valid(name)
                kind = pa.timestamp("ms", tz="UTC") if name in _TIMES else pa.int64()
                values = c[name].astype(np.int64, copy=False)
                arrays.append(pa.array(values, type=kind, mask=mask if mask.any() else None))
            elif name == "outcome":
                arrays.append(
                    pa.DictionaryArray.from_arrays(
                        pa.array(c[name].astype(np.int8)), pa.array(_OUTCOMES)
                    )
                )
            elif name == "disposition":
                arrays.append(
                    pa.DictionaryArray.from_arrays(
                        pa.array(c[name].astype(np.int8)), pa.array(_STATES)
                    )
                )
            else:
                arrays.append(pa.array(c[name]))
        table = pa.Table.from_arrays(arrays, names=list(COLUMNS))
        meta = {b"dialcore.record_format_version": str(RECORD_FORMAT_VERSION).encode()}
        return table.replace_schema_metadata(meta)

    def to_polars(self) -> Any:
        """The records as a polars DataFrame (the ``polars`` extra), through
        :meth:`to_arrow` (polars takes the Arrow buffers without a copy)."""
        pl = _require("polars", "polars")
        return pl.from_arrow(self.to_arrow())


PathArg = Union[str, "PathLike[str]"]


def load_records(
    path: PathArg, mode: Optional[Any] = None, campaign: Optional[str] = None, **config: Any
) -> AttemptRecords:
    """The attempt records of the campaign in the data directory ``path``,
    read from its journal without locking or changing anything (it works
    while another process has the campaign open). ``mode`` and ``**config``
    are the configuration the campaign ran with, as for
    :meth:`Campaign.open`: compliance settings that differ from the stored
    ones raise :class:`InvalidConfig` naming them. ``campaign`` names the
    campaign in the records (default: the directory's name)."""
    return AttemptRecords(
        _native.read_record_columns(path, mode=mode, campaign=campaign, **config)
    )


def read_records(
    path: PathArg,
    mode: Optional[Any] = None,
    campaign: Optional[str] = None,
    display_names: bool = False,
    **config: Any,
) -> Any:
    """The attempt records of the data directory ``path`` as a pandas
    DataFrame (see :meth:`AttemptRecords.to_pandas`); arguments as
    :func:`load_records`."""
    return load_records(path, mode=mode, campaign=campaign, **config).to_pandas(
        display_names=display_names
    )


__all__ = ["COLUMNS", "RECORD_FORMAT_VERSION", "AttemptRecords", "load_records", "read_records"]
