import numpy as np
import pytest

import dialcore
from dialcore import Campaign, Event, State

T0 = 1_767_603_600_000


def test_state_enum():
    assert len(State) == 17
    assert State.AwaitingOperator == 3
    assert State.NotReached == 16
    assert State.AwaitingOperator.display_name == "Awaiting for free operator"
    assert State(6).display_name == "BCW"
    assert [s.name for s in State] == [n for _, n, _ in dialcore._native.state_table()]


def test_mode_enum_and_names():
    assert Campaign(mode=dialcore.Mode.PREDICTIVE).mode == "predictive"
    assert Campaign(mode="Preview").mode == "preview"
    assert Campaign().mode == "progressive"


def test_add_contacts_list_of_text(campaign):
    ids = campaign.add_contacts(["+1 415 555 0100", "212-555-0199", "hello"])
    assert ids.dtype == np.uint32 and ids.shape == (3,)
    assert list(ids) == [0, 1, 2]
    assert len(campaign) == 3
    counts = campaign.counts()
    assert set(counts) == {s.name for s in State}
    assert counts["Initial"] == 2 and counts["InvalidRecord"] == 1
    assert campaign.state(2) is State.InvalidRecord
    assert campaign.fix_number(2, "+14155550111") is State.Initial


def test_add_contacts_numpy_and_ints(campaign):
    ids = campaign.add_contacts(np.arange(14155550000, 14155550100, dtype=np.uint64))
    assert ids.dtype == np.uint32 and len(ids) == 100
    ids2 = campaign.add_contacts(np.array([14155551000, 0], dtype=np.int64))
    assert list(ids2) == [100, 101]
    assert campaign.state(101) is State.InvalidRecord
    ids3 = campaign.add_contacts([14155552000, 14155552001], priorities=[1, 2])
    cols = campaign.columns()
    assert list(cols["priority"][ids3]) == [1, 2]
    assert list(cols["number"][ids3]) == [14155552000, 14155552001]
    ids4 = campaign.add_contacts(np.array(["+14155553000"]))
    assert len(ids4) == 1


def test_add_contacts_extras(campaign):
    ids = campaign.add_contacts(
        ["+14155550100", "+442071234567"],
        external_ids=["a", None],
        timezones=["America/Los_Angeles", "Europe/London"],
        priorities=3,
    )
    cols = campaign.columns()
    assert list(cols["priority"][ids]) == [3, 3]
    assert cols["zone"][ids[0]] != cols["zone"][ids[1]]


def test_columns_dtypes(campaign):
    campaign.add_contacts(["+14155550100", "+14155550101"])
    cols = campaign.columns()
    expect = {
        "id": np.uint32,
        "state": np.uint8,
        "attempts": np.uint8,
        "last_outcome": np.uint8,
        "priority": np.uint8,
        "zone": np.uint16,
        "number": np.uint64,
        "external_id": np.object_,
        "timezone": np.object_,
    }
    assert set(cols) == set(expect)
    assert list(cols["external_id"]) == ["", ""] and list(cols["timezone"]) == ["UTC", "UTC"]
    for name, dtype in expect.items():
        assert cols[name].dtype == dtype, name
        assert cols[name].shape == (2,), name
    states = campaign.states()
    assert states.dtype == np.uint8 and states.shape == (2,)
    # A snapshot: writing to it does not touch the campaign.
    states[:] = 13
    assert campaign.counts()["Success"] == 0


def test_empty_campaign_arrays():
    c = Campaign()
    assert c.states().shape == (0,)
    assert c.add_contacts([]).shape == (0,)
    assert c.metrics()["dials"] == 0


def _drive_one_call(campaign):
    """Progressive, bcw 0: one operator, one contact, to Success."""
    [contact] = campaign.add_contacts(["+14155550100"])
    op = campaign.add_operator()
    campaign.handle(Event.operator_login(op), T0)
    campaign.handle(Event.operator_ready(op), T0)
    cmds = campaign.poll(T0)
    offer = [c for c in cmds if c.kind == "offer"]
    assert offer and offer[0].contact == contact and offer[0].operator == op
    campaign.handle(Event.operator_accepted(op, int(contact)), T0 + 1000)
    cmds = campaign.poll(T0 + 1000)
    dial = [c for c in cmds if c.kind == "dial"]
    assert dial, cmds
    d = dial[0]
    assert d.number == 14155550100 and d.attempt == 1 and d.call == (int(contact) << 8 | 1)
    campaign.handle(Event.answered(d.call), T0 + 5000)
    cmds = campaign.poll(T0 + 5000)
    assert campaign.state(int(contact)) is State.CallInProgress
    campaign.handle(Event.call_ended(d.call), T0 + 60000)
    assert campaign.state(int(contact)) is State.Acw
    campaign.handle(Event.acw_done(op, int(contact)), T0 + 70000)
    assert campaign.state(int(contact)) is State.Success
    return contact, op, d.call


def test_full_call_round_trip(campaign):
    contact, op, call = _drive_one_call(campaign)
    m = campaign.metrics(T0 + 70000)
    assert m["dials"] == 1 and m["connected"] == 1
    assert campaign.counts()["Success"] == 1
    # Stale: an event for the finished attempt.
    with pytest.raises(dialcore.StaleCall):
        campaign.handle(Event.answered(call), T0 + 80000)


def test_event_and_command_values():
    e = Event.answered(257)
    assert e.name == "Answered" and e == Event.answered(257) and e != Event.rejected(257)
    assert hash(e) == hash(Event.answered(257))
    assert "Answered" in repr(e)


def test_admin_actions(campaign):
    ids = campaign.add_contacts(["+14155550100", "+14155550101", "+14155550102"])
    campaign.pause(T0)
    assert campaign.is_paused
    campaign.resume(T0)
    assert not campaign.is_paused
    campaign.remove(int(ids[0]), T0)
    assert campaign.state(int(ids[0])) is State.Removed
    campaign.blacklist_add("+14155550101", T0)
    assert campaign.state(int(ids[1])) is State.Blacklisted
    campaign.blacklist_remove(14155550101, T0)
    assert campaign.state(int(ids[1])) is State.Initial
    campaign.cancel(T0)
    assert campaign.is_canceled
    assert campaign.state(int(ids[2])) is State.CanceledByAdmin
    with pytest.raises(dialcore.CampaignCanceled):
        campaign.resume(T0)


def test_import_csv(tmp_path, campaign):
    p = tmp_path / "list.csv"
    p.write_text("phone,external_id,extra\n+14155550100,a,x\n123,b,y\n+14155550100,c,z\n")
    r = campaign.import_csv(p)
    assert r.rows == 3 and r.invalid == 1
    assert r.imported == len(r.ids) and r.ids.dtype == np.uint32
    # 123 is an emergency number (Egypt, Colombia …): refused in any campaign.
    assert r.invalid_rows and r.invalid_rows[0][1] == "emergency_number"
    assert "extra" in r.ignored_columns
    assert r.duplicates_in_file == 1
    assert "ImportReport" in repr(r)
    r2 = campaign.import_csv(str(p))
    assert r2.first_id == r.end_id


def test_to_pandas_or_clear_import_error(campaign):
    campaign.add_contacts(["+14155550100"])
    try:
        import pandas  # noqa: F401
    except ImportError:
        with pytest.raises(ImportError, match="pip install pandas"):
            campaign.to_pandas()
    else:
        df = campaign.to_pandas()
        assert list(df["state"]) == ["Initial"]


# --- issue 13: compliance at every boundary ---------------------------------

MAX_TIME_MS = 253_402_300_799_999  # 9999-12-31T23:59:59.999Z


def _accepted(campaign):
    """Progressive, bcw 0: one contact offered and accepted; not dialed yet."""
    [contact] = campaign.add_contacts(["+14155550100"])
    op = campaign.add_operator()
    campaign.handle(Event.operator_login(op), T0)
    campaign.handle(Event.operator_ready(op), T0)
    assert [c.kind for c in campaign.poll(T0)] == ["offer"]
    campaign.handle(Event.operator_accepted(op, int(contact)), T0 + 1000)
    # The wake-up contract: the dial is due, the host polls now.
    assert campaign.state(int(contact)) is State.Bcw
    assert campaign.pending() > 0 and campaign.needs_poll()
    assert campaign.next_deadline() == T0 + 1000
    return int(contact), op


def test_accept_then_blacklist_is_never_dialed(campaign):
    contact, op = _accepted(campaign)
    campaign.handle(Event.blacklist_add(14155550100), T0 + 1001)
    cmds = campaign.poll(T0 + 1002)
    assert [c.kind for c in cmds] == ["revoke"], cmds
    assert campaign.state(contact) is State.Blacklisted
    assert campaign.metrics()["dials"] == 0


def test_accept_then_pause_is_not_dialed(campaign):
    contact, op = _accepted(campaign)
    campaign.pause(T0 + 1001)
    assert [c.kind for c in campaign.poll(T0 + 1002)] == ["revoke"]
    assert campaign.state(contact) is State.Initial
    assert campaign.metrics()["dials"] == 0


def test_answered_predictive_call_asks_for_a_poll():
    c = Campaign(mode="predictive", default_country=1)
    c.add_contacts(["+14155550100"])
    op = c.add_operator()
    c.handle(Event.operator_login(op), T0)
    c.handle(Event.operator_ready(op), T0)
    [dial] = c.poll(T0)
    assert c.pending() == 0 and not c.needs_poll()
    c.handle(Event.answered(dial.call), T0 + 3000)
    assert c.pending() == 1
    assert c.next_deadline() == T0 + 3000
    [connect] = c.poll(T0 + 3000)
    assert connect.kind == "connect" and connect.operator == op


@pytest.mark.parametrize("bad", [MAX_TIME_MS + 1, 2**64 - 1])
def test_times_past_9999_raise_and_change_nothing(campaign, bad):
    campaign.add_contacts(["+14155550100"])
    op = campaign.add_operator()
    for call in (
        lambda: campaign.handle(Event.operator_login(op), bad),
        lambda: campaign.poll(bad),
        lambda: campaign.metrics(bad),
        lambda: campaign.pause(bad),
    ):
        with pytest.raises(dialcore.TimeOutOfRange, match=str(bad)):
            call()
    assert issubclass(dialcore.TimeOutOfRange, dialcore.DialcoreError)
    assert campaign.counts()["Initial"] == 1
    campaign.handle(Event.operator_login(op), MAX_TIME_MS)
    assert campaign.poll(MAX_TIME_MS) == []


def test_contact_limit_is_full_before_anything_changes(campaign):
    campaign.set_contact_limit(2)
    assert campaign.contact_limit == 2
    with pytest.raises(dialcore.DialcoreError, match="full"):
        campaign.add_contacts([14155550100, 14155550101, 14155550102])
    assert len(campaign) == 0
    campaign.add_contacts([14155550100, 14155550101])
    with pytest.raises(dialcore.DialcoreError, match="full"):
        campaign.add_contacts(["+14155550102"])
    with pytest.raises(dialcore.InvalidConfig, match="contact limit 1"):
        campaign.set_contact_limit(1)
    assert len(campaign) == 2


def test_operator_leaving_is_announced_without_a_state_change(campaign):
    op = campaign.add_operator()
    with pytest.raises(dialcore.UnknownOperator):
        campaign.handle(Event.operator_leaving(op + 5, T0 + 60000), T0)
    campaign.handle(Event.operator_login(op), T0)
    campaign.handle(Event.operator_ready(op), T0)
    ev = Event.operator_leaving(op, T0 + 60000)
    assert ev.name == "OperatorLeaving"
    campaign.handle(ev, T0 + 1000)
    # Past the announced time the operator is still ready: the host sends
    # the pause or logout itself.
    campaign.poll(T0 + 120000)
    campaign.handle(Event.operator_pause(op), T0 + 120000)
