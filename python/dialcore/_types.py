"""Types of the values dialcore's methods return: the dicts of
:meth:`Campaign.metrics` and :meth:`Campaign.columns` as ``TypedDict``\\ s,
and the names of command kinds, modes and pacers as ``Literal``\\ s. They
exist for type checkers (the stubs name them) and for documentation; at run
time the values are plain dicts and strings."""

from __future__ import annotations

from typing import Any, Literal, TypedDict

import numpy as np
import numpy.typing as npt

CommandKind = Literal["offer", "dial", "connect", "abandon", "hangup", "revoke", "play"]
"""The ``kind`` of a :class:`Command`."""

ModeName = Literal["preview", "progressive", "predictive", "agentless"]
"""A campaign mode by name (:attr:`Campaign.mode`)."""

PacerName = Literal["fixed_ratio", "dialcore"]
"""A predictive pacer for :meth:`Campaign.set_pacer`."""


class Metrics(TypedDict):
    """What :meth:`Campaign.metrics` returns."""

    dials: int
    answered: int
    machine: int
    connected: int
    abandoned: int
    abandon_rate: float
    abandon_rate_24h: float
    abandon_rate_30d: float
    occupancy: float
    talk_ms: int
    logged_in_ms: int
    ready_operators: int
    logged_in_operators: int
    ringing: int
    waiting: int
    watchdog_hangups: int
    refusal_pauses: int


class Columns(TypedDict):
    """What :meth:`Campaign.columns` returns: one numpy array per column,
    indexed by contact id."""

    id: npt.NDArray[np.uint32]
    state: npt.NDArray[np.uint8]
    attempts: npt.NDArray[np.uint8]
    last_outcome: npt.NDArray[np.uint8]
    priority: npt.NDArray[np.uint8]
    zone: npt.NDArray[np.uint16]
    number: npt.NDArray[np.uint64]
    external_id: npt.NDArray[Any]
    timezone: npt.NDArray[Any]
