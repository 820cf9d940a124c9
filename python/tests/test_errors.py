import numpy as np
import pytest

import dialcore
from dialcore import Campaign, Event

T0 = 1_767_603_600_000

SUBCLASSES = [
    dialcore.InvalidConfig,
    dialcore.IllegalTransition,
    dialcore.StaleCall,
    dialcore.UnknownContact,
    dialcore.UnknownOperator,
    dialcore.InvalidNumber,
    dialcore.UnknownTimezone,
    dialcore.CampaignCanceled,
    dialcore.CsvImportError,
    dialcore.CorruptDataError,
    dialcore.LockedError,
    dialcore.StorageError,
]


def test_hierarchy():
    assert issubclass(dialcore.DialcoreError, Exception)
    for cls in SUBCLASSES:
        assert issubclass(cls, dialcore.DialcoreError), cls


def test_unknown_config_key_is_named():
    with pytest.raises(dialcore.InvalidConfig, match="ring_timout_ms"):
        Campaign(ring_timout_ms=20000)


def test_bad_config_value_carries_engine_message():
    with pytest.raises(dialcore.InvalidConfig, match="ring_timeout_ms"):
        Campaign(ring_timeout_ms=1000)
    with pytest.raises(dialcore.InvalidConfig, match="predictive_ratio"):
        Campaign(predictive_ratio=50.0)
    with pytest.raises(dialcore.InvalidConfig, match="default_timezone"):
        Campaign(default_timezone="Mars/Olympus")
    with pytest.raises(dialcore.InvalidConfig, match="calling_window"):
        Campaign(calling_window="Funday 9-5")
    with pytest.raises(dialcore.InvalidConfig, match="mode"):
        Campaign(mode="turbo")
    with pytest.raises(dialcore.InvalidConfig, match="bcw_ms"):
        Campaign(bcw_ms=-1)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"bcw_ms": "5000"}, "bcw_ms"),
        ({"acw_enabled": 1}, "acw_enabled"),
        ({"predictive_ratio": "2"}, "predictive_ratio"),
        ({"default_timezone": 3}, "default_timezone"),
        ({"mode": 1.5}, "mode"),
        ({"offer_timeout_ms": True}, "offer_timeout_ms"),
    ],
)
def test_wrong_type_is_type_error_naming_argument(kwargs, name):
    with pytest.raises(TypeError, match=name):
        Campaign(**kwargs)


def test_add_contacts_type_errors():
    c = Campaign()
    with pytest.raises(TypeError, match="numbers"):
        c.add_contacts("+14155550100")
    with pytest.raises(TypeError, match="numbers"):
        c.add_contacts([1.5, 2.5])
    with pytest.raises(TypeError, match="numbers"):
        c.add_contacts(np.array([1.5]))
    with pytest.raises(ValueError, match="numbers"):
        c.add_contacts(np.array([-1], dtype=np.int64))
    with pytest.raises(ValueError, match="external_ids"):
        c.add_contacts(["+14155550100"], external_ids=["a", "b"])
    with pytest.raises(TypeError, match="priorities"):
        c.add_contacts(["+14155550100"], priorities="high")
    with pytest.raises(dialcore.InvalidConfig, match="priorities"):
        c.add_contacts(["+14155550100"], priorities=300)
    assert len(c) == 0


def test_unknown_timezone_adds_nothing():
    c = Campaign()
    with pytest.raises(dialcore.UnknownTimezone, match="Nowhere/Land"):
        c.add_contacts(["+14155550100", "+14155550101"], timezones=["UTC", "Nowhere/Land"])
    assert len(c) == 0


def test_unknown_contact_and_operator():
    c = Campaign()
    with pytest.raises(dialcore.UnknownContact):
        c.state(5)
    with pytest.raises(dialcore.UnknownContact):
        c.remove(5, T0)
    with pytest.raises(dialcore.UnknownOperator):
        c.handle(Event.operator_login(9), T0)


def test_illegal_transition_and_stale_call():
    c = Campaign(mode="progressive", bcw_ms=0)
    [contact] = c.add_contacts(["+14155550100"])
    contact = int(contact)
    op = c.add_operator()
    with pytest.raises(dialcore.IllegalTransition):
        c.handle(Event.operator_accepted(op, contact), T0)
    with pytest.raises(dialcore.IllegalTransition):
        c.handle(Event.acw_done(op, contact), T0)
    with pytest.raises(dialcore.StaleCall):
        c.handle(Event.answered(contact << 8 | 1), T0)
    c.handle(Event.operator_login(op), T0)
    c.handle(Event.operator_ready(op), T0)
    c.poll(T0)
    c.handle(Event.operator_accepted(op, contact), T0)
    dial = [x for x in c.poll(T0) if x.kind == "dial"][0]
    with pytest.raises(dialcore.StaleCall, match="stale"):
        c.handle(Event.answered(dial.call + 5), T0)
    c.handle(Event.answered(dial.call), T0 + 1000)


def test_invalid_number():
    c = Campaign()
    c.add_contacts(["bad"])
    with pytest.raises(dialcore.InvalidNumber, match="letters"):
        c.fix_number(0, "still bad")
    with pytest.raises(dialcore.InvalidNumber):
        c.blacklist_add("xyz", T0)
    with pytest.raises(TypeError, match="number"):
        c.blacklist_add(1.5, T0)


def test_integer_numbers_pass_the_number_gate():
    # 911, +1 911 and a 20-digit value are invalid records, never dialed;
    # the same numbers as a list of ints or as text.
    c = Campaign(default_country=1)
    bad = [911, 1911, 2**64 - 1]
    ids = c.add_contacts(np.array(bad + [12125550150], dtype=np.uint64))
    assert [c.state(int(i)) for i in ids] == [dialcore.State.InvalidRecord] * 3 + [
        dialcore.State.Initial
    ]
    ids = c.add_contacts(bad, priorities=[0, 1, 2])
    assert all(c.state(int(i)) is dialcore.State.InvalidRecord for i in ids)
    with pytest.raises(dialcore.InvalidNumber, match="emergency"):
        c.fix_number(int(ids[0]), "+1 911")


def test_csv_import_errors(tmp_path):
    c = Campaign()
    with pytest.raises(dialcore.CsvImportError, match="cannot read"):
        c.import_csv(tmp_path / "missing.csv")
    p = tmp_path / "nophone.csv"
    p.write_text("name,email\nx,y\n")
    with pytest.raises(dialcore.CsvImportError, match="phone"):
        c.import_csv(p)
    e = tmp_path / "empty.csv"
    e.write_text("")
    with pytest.raises(dialcore.CsvImportError, match="empty"):
        c.import_csv(e)


def test_handle_wants_an_event():
    c = Campaign()
    with pytest.raises(TypeError):
        c.handle("Answered", T0)


def test_simulate_errors():
    with pytest.raises(dialcore.InvalidConfig, match="contactz"):
        dialcore.simulate(contactz=10)
    with pytest.raises(dialcore.InvalidConfig, match="contacts"):
        dialcore.simulate(contacts=0)
    with pytest.raises(dialcore.InvalidConfig):
        dialcore.simulate("/nonexistent/scenario.toml")
    with pytest.raises(TypeError, match="scenario"):
        dialcore.simulate(42)
