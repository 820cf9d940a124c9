"""dialcore: a high-throughput dialing core for outbound telephone campaigns.

The engine owns a campaign's contacts and their states, decides who is
dialed when and by which operator, and tells the host what to do. A host
(written in Python or not) feeds it :class:`Event` objects with the current
time (``now_ms``, milliseconds since the Unix epoch) and calls
:meth:`Campaign.poll` for :class:`Command` objects.

>>> import dialcore
>>> c = dialcore.Campaign(mode="progressive", default_country=1)
>>> ids = c.add_contacts(["+1 415 555 0100", "212-555-0199"])
>>> c.counts()["Initial"]
2
>>> report = dialcore.simulate(contacts=500, operators=5, seed=7)

A campaign kept in a data directory survives a crash of the host:
``Campaign.open(path, ...)`` recovers it, and ``campaign.recovery`` says
what was found (the contacts whose calls were live, and where they went).
"""

from __future__ import annotations

from enum import IntEnum

from . import _native
from ._native import (
    AddReport,
    CONFIG_DOCS,
    CONFIG_KEYS,
    Campaign,
    CampaignCanceled,
    Command,
    CorruptDataError,
    CsvImportError,
    DialcoreError,
    Floor,
    FloorError,
    TimeOutOfRange,
    Event,
    IllegalTransition,
    ImportReport,
    InvalidConfig,
    InvalidNumber,
    LockedError,
    RecoveryReport,
    SimReport,
    StaleCall,
    StorageError,
    UnknownContact,
    UnknownOperator,
    UnknownTimezone,
    default_scenario,
    inspect,
    simulate,
)

from ._types import Columns, CommandKind, Metrics, ModeName, PacerName
from .records import AttemptRecords, load_records, read_records

__version__: str = _native.__version__

_STATES = _native.state_table()
_DISPLAY = {code: display for code, _name, display in _STATES}


class State(IntEnum):
    """The 17 contact states; the value is the stable code stored in
    :meth:`Campaign.states`. ``display_name`` is the vendor's name
    ("Awaiting for free operator", "BCW", ...)."""

    Initial = 0
    InvalidRecord = 1
    Blacklisted = 2
    AwaitingOperator = 3
    OperatorAssigned = 4
    RejectedByOperator = 5
    Bcw = 6
    Calling = 7
    CallInProgress = 8
    CanceledByClient = 9
    DialFailed = 10
    RetryScheduled = 11
    Acw = 12
    Success = 13
    CanceledByAdmin = 14
    Removed = 15
    NotReached = 16

    @property
    def display_name(self) -> str:
        """The vendor's display name of the state."""
        return _DISPLAY[int(self)]


class Mode(IntEnum):
    """The dialing mode; pass it (or its lower-case name) as ``Campaign(mode=...)``."""

    PREVIEW = 0
    PROGRESSIVE = 1
    PREDICTIVE = 2
    AGENTLESS = 3


OUTCOMES: tuple[str, ...] = tuple(_native.outcome_names())
"""Names of the ``last_outcome`` codes of :meth:`Campaign.columns`, in code order."""

# The native table and the enum must agree; a mismatch is a packaging bug.
assert [(s.value, s.name) for s in State] == [(c, n) for c, n, _ in _STATES]

__all__ = [
    "CONFIG_DOCS",
    "CONFIG_KEYS",
    "Columns",
    "CommandKind",
    "Metrics",
    "ModeName",
    "PacerName",
    "OUTCOMES",
    "AddReport",
    "Campaign",
    "CampaignCanceled",
    "Command",
    "CorruptDataError",
    "CsvImportError",
    "DialcoreError",
    "Floor",
    "FloorError",
    "TimeOutOfRange",
    "Event",
    "IllegalTransition",
    "ImportReport",
    "InvalidConfig",
    "InvalidNumber",
    "LockedError",
    "Mode",
    "RecoveryReport",
    "SimReport",
    "StaleCall",
    "State",
    "StorageError",
    "UnknownContact",
    "UnknownOperator",
    "UnknownTimezone",
    "default_scenario",
    "inspect",
    "simulate",
    # Attempt records (issue 18).
    "AttemptRecords",
    "load_records",
    "read_records",
]
