"""Attempt records: Campaign.attempts(), dialcore.read_records / load_records,
the DataFrame's dtypes, pyarrow and polars when installed, errors."""

import numpy as np
import pytest

import dialcore
from dialcore import Campaign, Event, State

T0 = 1_767_603_600_000  # Monday 5 January 2026, 09:00 UTC
SETTINGS = dict(mode="predictive", default_country=1, acw_enabled=False)
LIVE = {
    State.AwaitingOperator,
    State.OperatorAssigned,
    State.Bcw,
    State.Calling,
    State.CallInProgress,
    State.Acw,
}


def pandas():
    return pytest.importorskip("pandas")


def run_calls(path):
    """Two operators; one call connected and finished, one unreachable,
    others dialed later. Returns the campaign (open) and every Dial command
    in order."""
    c = Campaign.open(path, fsync="never", **SETTINGS)
    c.add_contacts([f"212-555-01{i:02d}" for i in range(6)])
    for _ in range(2):
        op = c.add_operator()
        c.handle(Event.operator_login(op), T0)
        c.handle(Event.operator_ready(op), T0)
    dials = []

    def poll(now):
        dials.extend(cmd for cmd in c.poll(now) if cmd.kind == "dial")

    poll(T0)
    assert len(dials) >= 2
    first, second = dials[0], dials[1]
    c.handle(Event.answered(first.call), T0 + 4_000)
    poll(T0 + 4_000)
    c.handle(Event.unreachable(second.call), T0 + 9_000)
    poll(T0 + 9_000)
    c.handle(Event.call_ended(first.call), T0 + 64_000)
    poll(T0 + 64_000)
    return c, dials


def test_attempts_of_a_durable_campaign_are_a_typed_dataframe(tmp_path):
    pd = pandas()
    c, dials = run_calls(tmp_path / "spring")
    df = c.attempts()
    assert list(df.columns) == list(dialcore.records.COLUMNS)
    assert len(df) == len(dials) == c.metrics()["dials"]
    assert str(df.dial_at.dtype).startswith("datetime64[ms, UTC]")
    assert isinstance(df.outcome.dtype, pd.CategoricalDtype)
    assert isinstance(df.disposition.dtype, pd.CategoricalDtype)
    assert str(df.ring_ms.dtype) == "Int64"

    first = df[df.contact_id == dials[0].contact].iloc[0]
    assert first.campaign == "spring"
    assert first.dial_at == pd.Timestamp(T0, unit="ms", tz="UTC")
    assert first.answer_at == pd.Timestamp(T0 + 4_000, unit="ms", tz="UTC")
    assert first.end_at == pd.Timestamp(T0 + 64_000, unit="ms", tz="UTC")
    assert first.ring_ms == 4_000 and first.talk_ms == 60_000
    assert first.outcome == "Connected"
    assert first.operator in (0, 1)
    assert bool(first.in_window) and not bool(first.abandoned)

    second = df[df.contact_id == dials[1].contact].iloc[0]
    assert second.outcome == "NoAnswer" and second.disposition == "RetryScheduled"
    assert pd.isna(second.answer_at) and pd.isna(second.talk_ms)
    assert second.ring_ms == 9_000

    # Attempts still open at the end of the journal: live contacts, no end.
    open_ = df[~df.complete]
    for contact in open_.contact_id:
        assert c.state(int(contact)) in LIVE
    assert all(pd.isna(t) for t in df[~df.complete & (df.disposition == "Calling")].end_at)
    assert len(df[df.complete]) >= 2
    c.close()


def test_read_records_matches_attempts_and_offers_display_names(tmp_path):
    pandas()
    path = tmp_path / "data"
    c, _ = run_calls(path)
    live = c.attempts()
    c.close()
    df = dialcore.read_records(path, campaign="x", **SETTINGS)
    assert len(df) == len(live)
    assert (df.campaign == "x").all()
    assert list(df.contact_id) == list(live.contact_id)
    shown = dialcore.read_records(path, display_names=True, **SETTINGS)
    assert "Call in progress" in set(shown.disposition.cat.categories)
    assert set(shown.disposition.astype(str)) <= {s.display_name for s in State}


def test_load_records_columns_are_numpy_and_len_works(tmp_path):
    path = tmp_path / "data"
    c, dials = run_calls(path)
    c.close()
    recs = dialcore.load_records(path, **SETTINGS)
    assert len(recs) == len(dials)
    assert isinstance(recs.columns["number"], np.ndarray)
    assert recs.columns["number"].dtype == np.uint64
    assert recs.columns["ring_ms__valid"].dtype == np.bool_
    assert "attempts" in repr(recs)


def test_to_arrow_and_polars_when_installed(tmp_path):
    pa = pytest.importorskip("pyarrow")
    path = tmp_path / "data"
    c, dials = run_calls(path)
    c.close()
    recs = dialcore.load_records(path, **SETTINGS)
    table = recs.to_arrow()
    assert table.num_rows == len(dials)
    assert table.column_names == list(dialcore.records.COLUMNS)
    assert table.schema.field("dial_at").type == pa.timestamp("ms", tz="UTC")
    assert table.schema.metadata[b"dialcore.record_format_version"] == b"2"
    assert table.column("answer_at").null_count >= 1
    pl = pytest.importorskip("polars")
    frame = recs.to_polars()
    assert isinstance(frame, pl.DataFrame) and frame.height == len(dials)


def test_an_in_memory_campaign_has_no_attempt_records():
    c = Campaign(mode="progressive", default_country=1)
    with pytest.raises(ValueError, match="data directory"):
        c.attempts()


def test_a_configuration_other_than_the_stored_one_is_refused(tmp_path):
    pandas()
    path = tmp_path / "data"
    c, _ = run_calls(path)
    c.close()
    with pytest.raises(dialcore.InvalidConfig, match="mode"):
        dialcore.read_records(path, mode="progressive", default_country=1, acw_enabled=False)


def test_a_missing_directory_names_it(tmp_path):
    missing = tmp_path / "nowhere"
    with pytest.raises(OSError, match="nowhere"):
        dialcore.load_records(missing, **SETTINGS)


def test_columns_and_to_pandas_carry_external_id_and_timezone():
    c = Campaign(mode="progressive", default_country=1)
    c.add_contacts(
        ["212-555-0100", "212-555-0101"],
        external_ids=["crm-7", None],
        timezones=["America/New_York", None],
    )
    cols = c.columns()
    assert list(cols["external_id"]) == ["crm-7", ""]
    assert list(cols["timezone"]) == ["America/New_York", "UTC"]
    pd = pandas()
    df = c.to_pandas()
    assert list(df.external_id) == ["crm-7", ""]
    assert isinstance(df.timezone.dtype, pd.CategoricalDtype)
    assert list(df.timezone.astype(str)) == ["America/New_York", "UTC"]


def test_sim_report_to_pandas_is_indexed_by_datetime():
    pd = pandas()
    r = dialcore.simulate(contacts=100, operators=2, seed=1)
    df = r.to_pandas()
    assert isinstance(df.index, pd.DatetimeIndex) and df.index.name == "time"
    assert str(df.index.tz) == "UTC"
    start = pd.Timestamp(dialcore.default_scenario()["start_ms"], unit="ms", tz="UTC")
    assert df.index[0] == start + pd.Timedelta(minutes=int(df.minute.iloc[0]))
    assert (df.index[1:] - df.index[:-1] == pd.Timedelta(minutes=1)).all()


def test_caller_id_and_hold_back_reasons_reach_the_dataframe(tmp_path):
    pandas()
    path = tmp_path / "windowed"
    # Monday 09:00 UTC: the window opens at 10:00, so the contact is parked
    # (held back: window) before its first dial.
    c = Campaign.open(
        path,
        fsync="never",
        mode="predictive",
        default_country=1,
        acw_enabled=False,
        caller_id="+12025550100",
        calling_window="Mon 10:00-20:00",
    )
    c.add_contacts(["212-555-0199"])
    op = c.add_operator()
    c.handle(Event.operator_login(op), T0)
    c.handle(Event.operator_ready(op), T0)
    assert not [cmd for cmd in c.poll(T0) if cmd.kind == "dial"]
    dials = [cmd for cmd in c.poll(T0 + 3_600_000) if cmd.kind == "dial"]
    assert len(dials) == 1
    df = c.attempts()
    assert df.caller_id.tolist() == ["+12025550100"]
    assert df.held_back_reasons.tolist() == ["window=1"]
    c.close()
    with pytest.raises(dialcore.InvalidConfig, match="caller_id"):
        Campaign(mode="predictive", caller_id="2025550100")
