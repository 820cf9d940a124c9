"""Choosing the predictive pacer from Python."""

import pytest

import dialcore


def test_the_predictive_pacer_can_be_chosen():
    c = dialcore.Campaign("predictive")
    assert c.pacer.startswith("fixed-ratio")
    c.set_pacer("dialcore")
    assert c.pacer == "dialcore"
    with pytest.raises(ValueError, match="pacer"):
        c.set_pacer("fastest")
    assert c.pacer == "dialcore"


T0 = 1_750_000_000_000


def _first_dials(**kwargs):
    c = dialcore.Campaign("predictive", default_country=1, **kwargs)
    c.add_contacts([f"212-555-01{i:02d}" for i in range(6)])
    op = c.add_operator()
    c.handle(dialcore.Event.operator_login(op), T0)
    c.handle(dialcore.Event.operator_ready(op), T0)
    return [cmd for cmd in c.poll(T0) if cmd.kind == "dial"]


def test_the_abandon_guard_is_worst_case_by_default_and_selectable():
    # No answers yet: the worst-case guard has no budget to dial ahead with.
    assert len(_first_dials()) == 1
    assert len(_first_dials(abandon_guard="worst_case")) == 1
    # The expected-risk guard lets the fixed ratio (1.5) dial ahead.
    assert len(_first_dials(abandon_guard="expected")) == 2
    with pytest.raises(dialcore.InvalidConfig, match="abandon_guard"):
        dialcore.Campaign("predictive", abandon_guard="hopeful")
    with pytest.raises(TypeError, match="abandon_guard"):
        dialcore.Campaign("predictive", abandon_guard=1)
