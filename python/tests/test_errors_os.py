"""OSError subclasses built as OSError(errno, message, filename), the lock
holder named, TypeErrors naming the argument or the element."""

import errno
import math
import os

import numpy as np
import pytest

import dialcore
from dialcore import Campaign, State


def test_locked_error_reads_well_and_names_this_process(tmp_path):
    data = tmp_path / "held"
    with Campaign.open(data, fsync="never"):
        with pytest.raises(dialcore.LockedError) as info:
            Campaign.open(data, fsync="never")
    err = info.value
    assert err.errno == errno.EWOULDBLOCK
    assert err.filename == str(data)
    assert "this process" in err.strerror and str(os.getpid()) in err.strerror
    assert "None" not in str(err)
    assert str(err) == f"[Errno {errno.EWOULDBLOCK}] {err.strerror}: {str(data)!r}"


def test_locked_by_another_process_names_its_pid(tmp_path):
    import subprocess
    import sys

    data = tmp_path / "other"
    code = (
        "import sys, dialcore; c = dialcore.Campaign.open(sys.argv[1], fsync='never'); "
        "print('ready', flush=True); sys.stdin.read()"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", code, str(data)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout.readline().strip() == "ready"
        with pytest.raises(dialcore.LockedError) as info:
            Campaign.open(data, fsync="never")
        assert "another process" in info.value.strerror
        assert str(child.pid) in info.value.strerror
    finally:
        child.stdin.close()
        child.wait()


def test_storage_error_carries_errno_and_filename(tmp_path):
    with pytest.raises(dialcore.StorageError) as info:
        dialcore.inspect(tmp_path / "no-such-dir")
    err = info.value
    assert err.errno == errno.ENOENT
    assert "no-such-dir" in err.filename
    assert str(err).startswith(f"[Errno {errno.ENOENT}] ")
    assert "None" not in str(err)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"operators": "5"}, "operators"),
        ({"seed": 1.5}, "seed"),
        ({"contacts": [1]}, "contacts"),
        ({"customers": {"p_human": "high"}}, "customers.p_human"),
        ({"campaign": {"acw_enabled": 1}}, "campaign.acw_enabled"),
    ],
)
def test_simulate_wrong_type_is_type_error_naming_the_argument(kwargs, name):
    with pytest.raises(TypeError, match=name.replace(".", r"\.")):
        dialcore.simulate(**kwargs)


def test_simulate_accepts_int_for_float_and_never_for_retries():
    r = dialcore.simulate(
        contacts=50, operators=2, seed=1, customers={"p_human": 0}, campaign={"retry_busy_s": "never"}
    )
    assert r.contacts == 50


def test_missing_numbers_are_invalid_records():
    c = Campaign(default_country=1)
    ids = c.add_contacts(["212-555-0100", None, float("nan"), 14155550101])
    states = [c.state(int(i)) for i in ids]
    assert states == [State.Initial, State.InvalidRecord, State.InvalidRecord, State.Initial]
    cols = c.columns()
    assert list(cols["number"]) == [12125550100, 0, 0, 14155550101]
    ids = c.add_contacts(np.array([14155550102, math.nan]))
    assert [c.state(int(i)) for i in ids] == [State.Initial, State.InvalidRecord]


def test_wrong_elements_are_type_errors_naming_the_element():
    c = Campaign(default_country=1)
    with pytest.raises(TypeError, match=r"'numbers': element 2 is float 1\.5"):
        c.add_contacts(["212-555-0100", None, 1.5])
    with pytest.raises(TypeError, match=r"'numbers': element 1 is dict"):
        c.add_contacts(["212-555-0100", {}])
    with pytest.raises(TypeError, match=r"'external_ids': element 1 is int 7"):
        c.add_contacts(["212-555-0100", "212-555-0101"], external_ids=["a", 7])
    with pytest.raises(TypeError, match=r"'timezones': element 0 is float"):
        c.add_contacts(["212-555-0100"], timezones=[2.5])
    assert len(c) == 0
    ids = c.add_contacts(["212-555-0100"], external_ids=[float("nan")], timezones=[None])
    assert c.columns()["external_id"][int(ids[0])] == ""
