import json

import numpy as np
import pytest

import dialcore


def test_simulate_determinism_by_seed():
    a = dialcore.simulate(contacts=500, operators=5, seed=7)
    b = dialcore.simulate(contacts=500, operators=5, seed=7)
    c = dialcore.simulate(contacts=500, operators=5, seed=8)
    assert a.to_json() == b.to_json()
    assert np.array_equal(a.calls_in_flight, b.calls_in_flight)
    assert a.to_json() != c.to_json()


def test_simulate_summary_and_series():
    r = dialcore.simulate(contacts=400, operators=4, seed=3, mode="progressive")
    assert r.mode == "progressive" and r.seed == 3
    assert r.contacts == 400 and r.operators == 4
    assert r.finished and r.stop_reason == "finished"
    assert 0.0 <= r.occupancy <= 1.0
    assert sum(r.counts.values()) == 400
    n = len(r.minute)
    assert n > 0
    for name, dtype in [
        ("minute", np.uint64),
        ("ready_operators", np.uint32),
        ("calls_in_flight", np.uint32),
        ("answered_series", np.uint64),
        ("abandoned_series", np.uint64),
        ("cumulative_abandon_rate", np.float64),
    ]:
        arr = getattr(r, name)
        assert arr.dtype == dtype and arr.shape == (n,), name
    ts = r.timeseries()
    assert set(ts) == {"minute", "ready_operators", "calls_in_flight", "answered", "abandoned",
                       "cumulative_abandon_rate"}
    assert json.loads(r.to_json())["seed"] == 3
    assert "progressive" in r.render_text()
    assert "SimReport" in repr(r)


def test_simulate_mode_enum_and_nested_overrides():
    r = dialcore.simulate(
        {"customers": {"p_human": 0.5}},
        contacts=200,
        operators=2,
        mode=dialcore.Mode.PREVIEW,
        campaign={"max_attempts": 2},
    )
    assert r.mode == "preview"
    assert r.abandoned == 0


def test_simulate_from_toml(tmp_path):
    p = tmp_path / "s.toml"
    p.write_text('name = "t"\nseed = 5\ncontacts = 200\noperators = 2\nmode = "predictive"\n')
    r = dialcore.simulate(p)
    assert r.scenario == "t" and r.mode == "predictive"
    r2 = dialcore.simulate(str(p), seed=6)
    assert r2.seed == 6


def test_default_scenario_keys():
    d = dialcore.default_scenario()
    assert {"seed", "contacts", "operators", "mode", "customers", "campaign"} <= set(d)


def test_report_to_pandas():
    r = dialcore.simulate(contacts=100, operators=2, seed=1)
    try:
        import pandas  # noqa: F401
    except ImportError:
        with pytest.raises(ImportError, match="pip install pandas"):
            r.to_pandas()
    else:
        df = r.to_pandas()
        assert len(df) == len(r.minute)
