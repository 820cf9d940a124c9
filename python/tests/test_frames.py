"""DataFrames and columns: external_id and the zone name, categoricals,
pandas inputs, SimReport.to_pandas() indexed by time."""

import pandas as pd

import dialcore
from dialcore import Campaign


def _campaign():
    c = Campaign(default_country=1)
    c.add_contacts(
        pd.Series(["212-555-0100", "415-555-0101", None]),
        external_ids=pd.Series(["crm-1", None, "crm-3"]),
        timezones=["America/New_York", "America/Los_Angeles", None],
    )
    return c


def test_columns_have_external_id_and_timezone():
    cols = _campaign().columns()
    assert list(cols["external_id"]) == ["crm-1", "", "crm-3"]
    assert list(cols["timezone"]) == ["America/New_York", "America/Los_Angeles", "UTC"]
    assert set(cols) == {
        "id", "state", "attempts", "last_outcome", "priority", "zone", "number",
        "external_id", "timezone",
    }


def test_to_pandas_has_them_as_columns_and_categoricals():
    df = _campaign().to_pandas()
    assert list(df["external_id"]) == ["crm-1", "", "crm-3"]
    assert isinstance(df["timezone"].dtype, pd.CategoricalDtype)
    assert list(df["timezone"].astype(str)) == ["America/New_York", "America/Los_Angeles", "UTC"]
    assert list(df["state"].astype(str)) == ["Initial", "Initial", "InvalidRecord"]
    assert df.index.name == "id"


def test_numbers_as_a_pandas_series_with_gaps():
    c = Campaign()
    ids = c.add_contacts(pd.Series([14155550100, None], dtype="Int64"))
    assert [c.state(int(i)).name for i in ids] == ["Initial", "InvalidRecord"]
    ids = c.add_contacts(pd.Series([14155550101.0, float("nan")]))
    assert [c.state(int(i)).name for i in ids] == ["Initial", "InvalidRecord"]
    assert list(c.columns()["number"]) == [14155550100, 0, 14155550101, 0]


def test_sim_report_to_pandas_is_indexed_by_time():
    r = dialcore.simulate(contacts=300, operators=3, seed=2)
    df = r.to_pandas()
    assert isinstance(df.index, pd.DatetimeIndex)
    assert df.index.name == "time" and str(df.index.tz) == "UTC"
    assert df.index[0] == pd.Timestamp(r.start_ms, unit="ms", tz="UTC")
    assert list(df["minute"]) == list(r.minute)
    assert (df.index[1:] - df.index[:-1] == pd.Timedelta(minutes=1)).all()
    assert df["answered"].sum() == r.answered
