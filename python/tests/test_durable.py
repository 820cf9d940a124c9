"""Durable campaigns: Campaign.open, recovery, the directory lock, corrupt
files, dialcore.inspect."""

import pytest

import dialcore
from dialcore import Campaign, Event, State

T0 = 1_767_603_600_000
LIVE = {
    State.AwaitingOperator,
    State.OperatorAssigned,
    State.Bcw,
    State.Calling,
    State.CallInProgress,
    State.Acw,
}
SETTINGS = dict(mode="predictive", default_country=1)


def open_campaign(path, **kwargs):
    return Campaign.open(path, fsync="never", **SETTINGS, **kwargs)


def start_calls(c, contacts=6, operators=2):
    """Adds contacts and ready operators, polls; returns the Dial commands."""
    c.add_contacts([f"212-555-01{i:02d}" for i in range(contacts)])
    for _ in range(operators):
        op = c.add_operator()
        c.handle(Event.operator_login(op), T0)
        c.handle(Event.operator_ready(op), T0)
    dials = [cmd for cmd in c.poll(T0) if cmd.kind == "dial"]
    assert len(dials) >= 2
    return dials


def test_round_trip_and_reconciled(tmp_path):
    data = tmp_path / "campaign"
    c = open_campaign(data)
    rec = c.recovery
    assert rec.fresh and rec.snapshot_generation is None
    assert rec.records_replayed == 0 and rec.damage is None and rec.reconciled == []
    assert c.is_durable and c.durability_error is None

    dials = start_calls(c)
    now = T0 + 5_000
    c.handle(Event.answered(dials[0].call), now)
    c.handle(Event.unreachable(dials[1].call), now)
    c.poll(now)
    assert c.snapshot() == 1
    generation, _records, size = c.journal_position
    assert generation == 1 and size > 0
    now += 1_000
    c.poll(now)
    c.flush()
    before = [c.state(i) for i in range(len(c))]
    assert before[dials[0].contact] is State.CallInProgress
    assert before[dials[1].contact] is State.RetryScheduled
    live = [i for i, s in enumerate(before) if s in LIVE]
    c.close()
    assert c.closed

    c = open_campaign(data)
    rec = c.recovery
    assert not rec.fresh
    assert rec.snapshot_generation == 1
    assert rec.records_replayed > 0 and len(rec.journals) == 1
    assert rec.damage is None and rec.skipped_files == []
    assert rec.contacts == len(c) == len(before)
    assert rec.now_ms == now
    assert rec.dir == str(data)
    assert [r[0] for r in rec.reconciled] == live
    for contact, was, now_state, attempts in rec.reconciled:
        assert was is before[contact]
        assert now_state is c.state(contact)
        expected = State.Success if was is State.CallInProgress else State.RetryScheduled
        assert now_state is expected
        if was in (State.Calling, State.CallInProgress):
            assert attempts == 1
    for i, s in enumerate(before):
        if s not in LIVE:
            assert c.state(i) is s
    assert "reconciled live contacts" in str(rec)
    assert "RecoveryReport(" in repr(rec)
    c.close()


def test_second_open_is_locked(tmp_path):
    data = tmp_path / "locked"
    with open_campaign(data):
        with pytest.raises(dialcore.LockedError, match="locked") as info:
            open_campaign(data)
        err = info.value
        assert isinstance(err, dialcore.DialcoreError)
        assert isinstance(err, OSError)
        assert str(data) in str(err)
        assert err.filename == str(data)
    # Closing the with block released the directory.
    with open_campaign(data) as c:
        assert not c.recovery.fresh


def test_corrupt_journal(tmp_path):
    data = tmp_path / "corrupt"
    data.mkdir()
    (data / "journal-00000000.dcj").write_bytes(b"not a journal " * 20)
    with pytest.raises(dialcore.CorruptDataError, match="journal-00000000.dcj"):
        open_campaign(data)
    with pytest.raises(dialcore.CorruptDataError, match="journal-00000000.dcj"):
        dialcore.inspect(data, **SETTINGS)


def test_inspect_is_read_only_and_takes_no_lock(tmp_path):
    data = tmp_path / "inspected"
    c = open_campaign(data)
    dials = start_calls(c)
    c.flush()
    copy, rec = dialcore.inspect(data, **SETTINGS)
    assert not rec.fresh and rec.contacts == len(c)
    assert copy.recovery is not None and copy.recovery.contacts == rec.contacts
    assert not copy.is_durable and copy.journal_position is None
    # The live calls are reconciled in the copy only.
    assert {r[0] for r in rec.reconciled} >= {d.contact for d in dials}
    assert copy.state(dials[0].contact) is State.RetryScheduled
    assert c.state(dials[0].contact) is State.Calling
    with pytest.raises(dialcore.DialcoreError, match="no data directory"):
        copy.snapshot()
    # The open campaign still holds the directory.
    with pytest.raises(dialcore.LockedError):
        open_campaign(data)
    c.close()
    with pytest.raises(dialcore.StorageError, match="no-such-dir"):
        dialcore.inspect(tmp_path / "no-such-dir")


def test_closed_campaign_refuses_use(tmp_path):
    with open_campaign(tmp_path / "closed") as c:
        c.add_contacts(["212-555-0100"])
    assert c.closed and repr(c) == "Campaign(closed)"
    with pytest.raises(dialcore.DialcoreError, match="closed"):
        c.poll(T0)
    with pytest.raises(dialcore.DialcoreError, match="closed"):
        len(c)
    c.close()  # a second close does nothing


def test_fsync_and_snapshot_options(tmp_path):
    for i, fsync in enumerate(["always", "never", "Never", 50, None]):
        with Campaign.open(tmp_path / f"ok{i}", fsync=fsync, snapshot_every=0):
            pass
    for bad in [0, -5, "sometimes"]:
        with pytest.raises(dialcore.InvalidConfig, match="fsync"):
            Campaign.open(tmp_path / "bad", fsync=bad)
    for bad in [1.5, True]:
        with pytest.raises(TypeError, match="fsync"):
            Campaign.open(tmp_path / "bad", fsync=bad)
    with pytest.raises(dialcore.InvalidConfig, match="ring_timout_ms"):
        Campaign.open(tmp_path / "bad", ring_timout_ms=20000)


def test_other_default_timezone_is_refused(tmp_path):
    data = tmp_path / "zones"
    with open_campaign(data):
        pass
    with pytest.raises(dialcore.InvalidConfig, match="default_timezone"):
        open_campaign(data, default_timezone="Europe/Berlin")


def test_in_memory_campaign_is_not_durable():
    c = Campaign()
    assert c.recovery is None and not c.is_durable
    assert c.journal_position is None and c.durability_error is None
    c.flush()
    with pytest.raises(dialcore.DialcoreError, match="no data directory"):
        c.snapshot()

