"""help() reads well: every public class, function, method and property
has a docstring, and the per-minute series say what they hold."""

import inspect

import numpy as np

import dialcore
from dialcore import _native


def _public_members(obj):
    for name in dir(obj):
        if name.startswith("_"):
            continue
        yield name, getattr(obj, name)


def test_every_public_name_has_a_docstring():
    missing = []
    for name, value in _public_members(dialcore):
        if not (inspect.isclass(value) or inspect.isroutine(value)):
            continue
        if not (value.__doc__ or "").strip():
            missing.append(name)
        if inspect.isclass(value) and not issubclass(value, BaseException):
            for member, attr in vars(value).items():
                if member.startswith("_"):
                    continue
                if not (getattr(attr, "__doc__", None) or "").strip():
                    missing.append(f"{name}.{member}")
    assert missing == []


def test_native_classes_are_all_covered():
    classes = [v for _, v in _public_members(_native) if inspect.isclass(v)]
    assert {c.__name__ for c in classes} >= {"Campaign", "Event", "Command", "SimReport"}
    for cls in classes:
        assert (cls.__doc__ or "").strip(), cls.__name__


def test_series_docstrings_say_per_minute_counts_and_the_data_agree():
    for name in ("answered_series", "abandoned_series"):
        doc = getattr(dialcore.SimReport, name).__doc__
        assert "per-minute" in doc and "running total" in doc, doc
    r = dialcore.simulate(contacts=400, operators=3, seed=4, mode="predictive")
    assert int(r.answered_series.sum()) == r.answered
    assert int(r.abandoned_series.sum()) == r.abandoned
    # Not cumulative: a running total never falls, these counts do.
    assert np.any(np.diff(r.answered_series.astype(np.int64)) < 0)
