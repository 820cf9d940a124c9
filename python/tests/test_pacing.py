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
