"""Issue 15, items 5-8, from Python: caller ID on dials, dispositions (also
blacklist_number),
watchdogs and refusal pauses, agentless mode."""

import pytest

import dialcore
from dialcore import Campaign, Event, State

T0 = 1_767_603_600_000
SEC = 1_000
MIN = 60 * SEC


def kinds(cmds):
    return [c.kind for c in cmds]


def in_acw(**config):
    c = Campaign(mode="progressive", default_country=1, bcw_ms=0, **config)
    (contact,) = c.add_contacts(["2125550100"])
    op = c.add_operator()
    c.handle(Event.operator_login(op), T0)
    c.handle(Event.operator_ready(op), T0)
    (offer,) = c.poll(T0)
    c.handle(Event.operator_accepted(op, offer.contact), T0)
    (dial,) = c.poll(T0)
    c.handle(Event.answered(dial.call), T0 + SEC)
    c.poll(T0 + SEC)
    c.handle(Event.call_ended(dial.call), T0 + MIN)
    assert c.state(int(contact)) is State.Acw
    return c, int(contact), op


def test_dials_carry_the_local_pool_number_else_the_default():
    c = Campaign(
        mode="predictive",
        default_country=1,
        caller_id="+18005550000",
        caller_id_pool="+12125550001,+12125550002",
        abandon_guard="expected",
    )
    c.add_contacts(["2125550100", "2125550101", "4155550100"])
    for _ in range(2):
        op = c.add_operator()
        c.handle(Event.operator_login(op), T0)
        c.handle(Event.operator_ready(op), T0)
    dials = [cmd for cmd in c.poll(T0) if cmd.kind == "dial"]
    assert [(d.number, d.caller_id) for d in dials] == [
        (12125550100, 12125550001),
        (12125550101, 12125550002),
        (14155550100, 18005550000),
    ]
    assert "caller_id=12125550001" in repr(dials[0])
    assert c.settings()["caller_id_pool"] == "+12125550001,+12125550002"
    with pytest.raises(dialcore.InvalidConfig, match="caller_id_pool"):
        Campaign(caller_id_pool="+12125550001, 2125550002")


@pytest.mark.parametrize(
    "kwargs, state",
    [
        ({}, State.Success),
        ({"callback_at_ms": T0 + 3600 * SEC}, State.RetryScheduled),
        ({"disposition": "failed"}, State.RejectedByOperator),
        ({"disposition": "retry", "retry_delay_ms": 10 * MIN}, State.RetryScheduled),
        (
            {
                "disposition": "personal_callback",
                "callback_at_ms": T0 + 3600 * SEC,
                "callback_expires_ms": T0 + 7200 * SEC,
            },
            State.RetryScheduled,
        ),
        ({"disposition": "blacklist"}, State.Blacklisted),
        ({"code": 7}, State.RejectedByOperator),
        ({"code": 8}, State.RetryScheduled),
    ],
)
def test_dispositions(kwargs, state):
    c, contact, op = in_acw(dispositions="7=failure, 8=retry:600000")
    c.handle(Event.acw_done(op, contact, **kwargs), T0 + MIN)
    assert c.state(contact) is state


def test_blacklist_number_blacklists_only_the_dialed_number_and_dials_the_next():
    c = Campaign(mode="progressive", default_country=1, bcw_ms=0, dispositions="7=blacklist_number")
    (contact,) = c.add_contacts([["2125550100", "2125550101"]])
    contact = int(contact)
    op = c.add_operator()
    c.handle(Event.operator_login(op), T0)
    c.handle(Event.operator_ready(op), T0)
    (offer,) = c.poll(T0)
    c.handle(Event.operator_accepted(op, offer.contact), T0)
    (dial,) = c.poll(T0)
    assert (dial.number, dial.number_index) == (12125550100, 0)
    c.handle(Event.answered(dial.call), T0 + SEC)
    c.poll(T0 + SEC)
    c.handle(Event.call_ended(dial.call), T0 + MIN)
    twin, other = (int(i) for i in c.add_contacts(["2125550100", "2125550101"]))
    c.handle(Event.acw_done(op, contact, code=7), T0 + MIN)
    assert c.state(contact) is State.RetryScheduled
    assert c.state(twin) is State.Blacklisted
    assert c.state(other) is State.Initial
    (offer,) = c.poll(T0 + MIN + SEC)
    assert offer.contact == contact
    c.handle(Event.operator_accepted(op, contact), T0 + MIN + SEC)
    (dial,) = c.poll(T0 + MIN + SEC)
    assert (dial.number, dial.number_index) == (12125550101, 1)
    # The named value does the same; with one number the contact is blacklisted.
    c2, single, op2 = in_acw()
    c2.handle(Event.acw_done(op2, single, disposition="blacklist_number"), T0 + MIN)
    assert c2.state(single) is State.Blacklisted


def test_bad_dispositions_name_what_is_wrong_and_change_nothing():
    c, contact, op = in_acw(dispositions="7=failure")
    with pytest.raises(ValueError, match="retry_delay_ms"):
        Event.acw_done(op, contact, disposition="retry")
    with pytest.raises(ValueError, match="disposition"):
        Event.acw_done(op, contact, disposition="maybe")
    with pytest.raises(ValueError, match="retry_delay_ms"):
        Event.acw_done(op, contact, disposition="failed", retry_delay_ms=5)
    with pytest.raises(ValueError, match="not both"):
        Event.acw_done(op, contact, disposition="failed", code=7)
    with pytest.raises(ValueError, match="9"):
        c.handle(Event.acw_done(op, contact, code=9), T0 + MIN)
    assert c.state(contact) is State.Acw
    with pytest.raises(dialcore.InvalidConfig, match="dispositions"):
        Campaign(dispositions="7=win")


def test_the_talk_watchdog_hangs_up_and_counts():
    c, contact, op = in_acw(max_talk_ms=10 * MIN, acw_enabled=True)
    # That call ended normally; the next one is never reported ended.
    c.handle(Event.acw_done(op, contact, disposition="retry", retry_delay_ms=0), T0 + MIN)
    (offer,) = c.poll(T0 + MIN)
    c.handle(Event.operator_accepted(op, offer.contact), T0 + MIN)
    (dial,) = c.poll(T0 + MIN)
    c.handle(Event.answered(dial.call), T0 + MIN + SEC)
    c.poll(T0 + MIN + SEC)
    cmds = c.poll(T0 + 11 * MIN + SEC)
    assert "hangup" in kinds(cmds)
    assert c.state(contact) is State.Acw
    assert c.metrics()["watchdog_hangups"] == 1


def test_refusals_in_a_row_pause_with_a_reason():
    c = Campaign(mode="progressive", default_country=1, max_offer_refusals=2)
    c.add_contacts(["2125550100", "2125550101"])
    op = c.add_operator()
    c.handle(Event.operator_login(op), T0)
    c.handle(Event.operator_ready(op), T0)
    for _ in range(2):
        (offer,) = c.poll(T0)
        assert c.operator_pause_reason(op) is None
        c.handle(Event.operator_declined(op, offer.contact), T0)
    assert c.operator_pause_reason(op) == "declined_offers"
    assert c.metrics()["refusal_pauses"] == 1
    with pytest.raises(dialcore.UnknownOperator):
        c.operator_pause_reason(99)


def test_agentless_plays_answered_calls_and_never_offers():
    c = Campaign(mode="agentless", default_country=1, agentless_lines=2)
    assert c.mode == "agentless"
    c.add_contacts(["2125550100", "2125550101", "2125550102"])
    cmds = c.poll(T0)
    assert kinds(cmds) == ["dial", "dial"]
    assert all(d.operator is None for d in cmds)
    c.handle(Event.answered(cmds[0].call), T0 + SEC)
    (play,) = c.poll(T0 + SEC)
    assert play.kind == "play" and play.call == cmds[0].call
    c.handle(Event.call_ended(cmds[0].call), T0 + 20 * SEC)
    assert c.state(cmds[0].contact) is State.Success
    assert kinds(c.poll(T0 + 20 * SEC)) == ["dial"]
