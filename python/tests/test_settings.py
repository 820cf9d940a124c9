"""Settings come from the engine's one table (CONFIG_FIELDS): every key,
its documentation, max_attempts_per_24h, and the metrics' abandon windows."""

import pytest

import dialcore
from dialcore import Campaign, Event

T0 = 1_767_603_600_000
HOUR = 3_600_000


def test_keys_docs_and_settings_agree():
    assert set(dialcore.CONFIG_KEYS) == set(dialcore.CONFIG_DOCS)
    assert "max_attempts_per_24h" in dialcore.CONFIG_KEYS
    assert all(doc for doc in dialcore.CONFIG_DOCS.values())
    settings = Campaign().settings()
    assert set(settings) == {"mode", *dialcore.CONFIG_KEYS}
    assert settings["mode"] == "progressive"
    assert settings["retry_abandoned_ms"] is None  # never retried
    assert settings["default_country"] is None


def test_settings_round_trip_through_the_constructor():
    given = dict(
        default_country=49,
        calling_window="Mon-Fri 09:00-17:00",
        max_attempts=3,
        max_attempts_per_24h=2,
        retry_busy_ms=None,
        retry_no_answer_ms=90_000,
        abandon_window="day",
        abandon_guard="expected",
        predictive_ratio=2.5,
        hopper_size=7,
        allow_short_ring_timeout=True,
        ring_timeout_ms=10_000,
    )
    c = Campaign(mode="predictive", **given)
    got = c.settings()
    for key, value in given.items():
        if key == "calling_window":
            assert got[key].startswith("Mon-Fri"), got[key]
        else:
            assert got[key] == value, key
    mode = got.pop("mode")
    again = Campaign(mode=mode, **got).settings()
    assert again == c.settings()


@pytest.mark.parametrize(
    "kwargs, error, name",
    [
        ({"max_attempts_per_24h": "3"}, TypeError, "max_attempts_per_24h"),
        ({"max_attempts_per_24h": 300}, dialcore.InvalidConfig, "max_attempts_per_24h"),
        ({"retry_busy_ms": 1.5}, TypeError, "retry_busy_ms"),
        ({"abandon_window": "week"}, dialcore.InvalidConfig, "abandon_window"),
        ({"hopper_size": -1}, dialcore.InvalidConfig, "hopper_size"),
    ],
)
def test_bad_settings_name_the_setting(kwargs, error, name):
    with pytest.raises(error, match=name):
        Campaign(**kwargs)


def _busy_once(cap):
    """A predictive campaign whose only contact is dialed, busy, retried
    after 1 min; returns the campaign and when the second dial came."""
    c = Campaign(mode="predictive", retry_busy_ms=60_000, max_attempts_per_24h=cap)
    [contact] = c.add_contacts([14155550100])
    op = c.add_operator()
    c.handle(Event.operator_login(op), T0)
    c.handle(Event.operator_ready(op), T0)
    [dial] = [x for x in c.poll(T0) if x.kind == "dial"]
    assert dial.contact == contact
    c.handle(Event.rejected(dial.call), T0 + 1_000)
    for t in range(T0 + 2_000, T0 + 26 * HOUR, 60_000):
        if any(x.kind == "dial" for x in c.poll(t)):
            return t
    return None


def test_max_attempts_per_24h_delays_the_next_dial():
    uncapped = _busy_once(0)
    assert uncapped is not None and uncapped < T0 + 3 * 60_000
    capped = _busy_once(1)
    assert capped is not None and capped >= T0 + 24 * HOUR


def test_metrics_report_the_24h_and_30d_abandon_rates():
    c = Campaign(mode="predictive")
    c.add_contacts([14155550100])
    op = c.add_operator()
    c.handle(Event.operator_login(op), T0)
    c.handle(Event.operator_ready(op), T0)
    [dial] = [x for x in c.poll(T0) if x.kind == "dial"]
    c.handle(Event.operator_pause(op), T0 + 10)
    c.handle(Event.answered(dial.call), T0 + 1_000)
    kinds = [x.kind for x in c.poll(T0 + 1_000)] + [x.kind for x in c.poll(T0 + 4_000)]
    assert "abandon" in kinds
    m = c.metrics(T0 + 5_000)
    assert m["answered"] == 1 and m["abandoned"] == 1
    assert m["abandon_rate"] == m["abandon_rate_24h"] == m["abandon_rate_30d"] == 1.0
    later = c.metrics(T0 + 25 * HOUR)
    assert later["abandon_rate_24h"] == 0.0
    assert later["abandon_rate_30d"] == 1.0
    assert later["abandon_rate"] == 1.0
