"""Campaign.load_rules: calling rules from text or a file."""

import pytest

import dialcore
from dialcore import Campaign, Event

T0 = 1_767_603_600_000


def predictive_with_one_new_york_contact():
    c = Campaign(mode="predictive", default_country=1, abandon_guard="expected")
    c.add_contacts(["+1 212 555 0100"], timezones=["America/New_York"])
    op = c.add_operator()
    c.handle(Event.operator_login(op), T0)
    c.handle(Event.operator_ready(op), T0)
    return c


def dials(c, now):
    return [cmd for cmd in c.poll(now) if cmd.kind == "dial"]


def test_rules_close_a_region_and_reopen_when_replaced(tmp_path):
    c = predictive_with_one_new_york_contact()
    assert c.rules is None
    c.load_rules('[regions.US-NY]\nhours = "never"\n')
    assert "US-NY" in c.rules
    assert dials(c, T0) == []
    path = tmp_path / "rules.toml"
    path.write_text('[regions.US-TX]\nhours = "never"\n')
    c.load_rules(path=path)
    assert len(dials(c, T0 + 1000)) == 1


def test_bad_rules_name_line_and_field_and_change_nothing(tmp_path):
    c = predictive_with_one_new_york_contact()
    c.load_rules('[regions.US-NY]\nhours = "never"\n')
    with pytest.raises(dialcore.InvalidConfig, match="line 3") as info:
        c.load_rules('[regions.US-FL]\n\nclosed_days = ["Funday"]\n')
    assert info.value.line == 3
    assert info.value.field == "regions.US-FL.closed_days"
    assert "Funday" in str(info.value)
    with pytest.raises(OSError, match="missing.toml"):
        c.load_rules(path=tmp_path / "missing.toml")
    with pytest.raises(TypeError):
        c.load_rules()
    with pytest.raises(TypeError):
        c.load_rules("", path=tmp_path / "x.toml")
    assert "US-NY" in c.rules
    assert dials(c, T0) == []


def test_an_explicit_region_replaces_the_numbers():
    c = predictive_with_one_new_york_contact()
    c.load_rules('[regions.US-NY]\nhours = "never"\n')
    with pytest.raises(ValueError, match="Texas"):
        c.set_contact_region(0, "Texas")
    with pytest.raises(dialcore.UnknownContact):
        c.set_contact_region(5, "US-TX")
    c.set_contact_region(0, "US-TX")
    assert len(dials(c, T0)) == 1


def test_the_us_example_loads():
    import pathlib

    example = pathlib.Path(__file__).resolve().parents[2] / "docs" / "rules-us-example.toml"
    c = Campaign(mode="predictive", default_country=1)
    c.load_rules(path=example)
    assert "not legal advice" in c.rules.lower()
