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
    assert rec.records_replayed == 0 and rec.damage == [] and rec.reconciled == []
    assert rec.records_lost == 0 and not rec.loss_uncounted
    assert rec.bulk_adds_dropped == 0
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
    assert rec.damage == [] and rec.skipped_files == []
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


def test_a_journal_with_a_bad_header_is_damage_with_its_bytes_kept(tmp_path):
    data = tmp_path / "corrupt"
    data.mkdir()
    (data / "journal-00000000.dcj").write_bytes(b"not a journal " * 20)
    _, rec = dialcore.inspect(data, **SETTINGS)
    assert [d["kind"] for d in rec.damage] == ["bad_header"]
    assert rec.damage[0]["kept_aside"] is None  # inspect writes nothing
    with open_campaign(data) as c:
        rec = c.recovery
        [d] = rec.damage
        assert d["kind"] == "bad_header" and d["lost_records"] is None
        assert rec.loss_uncounted and "journal-00000000.dcj" in str(rec)
        assert (data / "journal-00000000.dcj.damaged-0").read_bytes() == b"not a journal " * 20


def payload_byte_of_middle_record(raw):
    """The offset of the last payload byte of the journal's middle record.

    The framing (see core/src/durability/journal.rs): a 28-byte file
    header, then frames of magic (4), seq (8), payload length (4), CRC (4)
    and the payload, up to the trailer (another magic).
    """
    record_magic = bytes([0xD1, 0xA1, 0x5E, 0x9A])
    at, payload_ends = 28, []
    while raw[at : at + 4] == record_magic:
        length = int.from_bytes(raw[at + 12 : at + 16], "little")
        at += 20 + length
        payload_ends.append(at - 1)
    assert len(payload_ends) > 20, payload_ends
    return payload_ends[len(payload_ends) // 2]


def test_a_flipped_byte_loses_one_record_and_the_rest_is_recovered(tmp_path):
    data = tmp_path / "salvage"
    with open_campaign(data, snapshot_every=0) as c:
        c.add_contacts([f"212-555-02{i:02d}" for i in range(40)])
        for i in range(40):
            c.blacklist_add(12125550200 + i, T0 + i)
            c.poll(T0 + i)
        before = c.counts()
    journal = data / "journal-00000000.dcj"
    raw = bytearray(journal.read_bytes())
    # Flip a payload byte of the middle record: its CRC no longer matches.
    # (Where len(raw) // 2 falls moves with every change to what a record
    # holds; a flipped length field reads as a torn or bad frame instead.)
    raw[payload_byte_of_middle_record(raw)] ^= 0x20
    journal.write_bytes(bytes(raw))
    with open_campaign(data, snapshot_every=0) as c:
        rec = c.recovery
        [d] = rec.damage
        assert d["kind"] == "bad_checksum"
        assert d["lost_records"] == 1 and rec.records_lost == 1
        assert d["recovered_after"] > 10
        assert d["kept_aside"].endswith(f"journal-00000000.dcj.damaged-{d['offset']}")
        assert len(c) == 40 and sum(c.counts().values()) == sum(before.values())


def test_both_snapshots_damaged_names_each_file(tmp_path):
    data = tmp_path / "snaps"
    with open_campaign(data) as c:
        c.add_contacts(["212-555-0100"])
        c.snapshot()
        c.snapshot()
    for g in (1, 2):
        p = data / f"snapshot-0000000{g}.dcs"
        raw = bytearray(p.read_bytes())
        raw[len(raw) // 2] ^= 1
        p.write_bytes(bytes(raw))
    with pytest.raises(dialcore.CorruptDataError) as e:
        open_campaign(data)
    assert "snapshot-00000001.dcs" in str(e.value) and "snapshot-00000002.dcs" in str(e.value)


def test_reopen_with_other_compliance_settings(tmp_path):
    data = tmp_path / "reopen"
    with open_campaign(data) as c:
        c.add_contacts(["212-555-0100"])
    with pytest.raises(dialcore.InvalidConfig, match="retry.max_attempts changed from 5 to 7"):
        open_campaign(data, max_attempts=7)
    with open_campaign(data, max_attempts=7, accept_config_change=True) as c:
        assert [ch[0] for ch in c.recovery.config_changes] == ["retry.max_attempts"]
    with open_campaign(data, max_attempts=7) as c:
        assert c.recovery.config_changes == []


def test_a_failed_snapshot_is_visible(tmp_path):
    data = tmp_path / "snapfail"
    with open_campaign(data, snapshot_every=0) as c:
        c.add_contacts(["212-555-0100"])
        (data / "snapshot-00000001.dcs.tmp" / "x").mkdir(parents=True)
        with pytest.raises(dialcore.StorageError, match="snapshot-00000001.dcs"):
            c.snapshot()
        assert "snapshot-00000001.dcs" in c.snapshot_error
        assert c.durability_error is None
        (data / "snapshot-00000001.dcs.tmp" / "x").rmdir()
        (data / "snapshot-00000001.dcs.tmp").rmdir()
        assert c.snapshot() == 1 and c.snapshot_error is None


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

