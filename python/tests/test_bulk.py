"""Bulk adds: Campaign.add_contacts is one operation, all or nothing — the
first bad row raises with its index and nothing is added; a durable
campaign journals the whole call as one record."""

import numpy as np
import pytest

import dialcore
from dialcore import Campaign, State


def test_a_bad_time_zone_names_its_row_and_adds_nothing(campaign):
    campaign.add_contacts(["+1 212 555 0100"])
    phones = [f"212-555-01{i:02d}" for i in range(1, 6)]
    zones = [None, "America/Chicago", None, "Mars/Olympus", None]
    with pytest.raises(dialcore.UnknownTimezone, match=r"row 3: .*Mars/Olympus"):
        campaign.add_contacts(phones, timezones=zones)
    assert len(campaign) == 1
    zones[3] = "America/Denver"
    ids = campaign.add_contacts(phones, timezones=zones, external_ids=["a", None, "c", "d", ""])
    assert list(ids) == [1, 2, 3, 4, 5]
    assert len(campaign) == 6


def test_rows_past_the_contact_limit_add_nothing(campaign):
    campaign.set_contact_limit(3)
    campaign.add_contacts(["212-555-0100"])
    with pytest.raises(dialcore.DialcoreError, match=r"row 2: "):
        campaign.add_contacts(["212-555-0101", "212-555-0102", "212-555-0103"], priorities=[1, 2, 3])
    assert len(campaign) == 1
    assert list(campaign.add_contacts(["212-555-0101", "hello"], priorities=[4, 5])) == [1, 2]
    assert campaign.state(2) is State.InvalidRecord


def test_integer_numbers_with_per_row_fields(campaign):
    numbers = np.array([12125550100, 0, 12125550102], dtype=np.uint64)
    ids = campaign.add_contacts(numbers, timezones=["America/Chicago", None, ""], priorities=[3, 2, 1])
    assert list(ids) == [0, 1, 2]
    assert campaign.state(0) is State.Initial
    assert campaign.state(1) is State.InvalidRecord
    assert campaign.counts()["Initial"] == 2


def test_a_durable_bulk_add_is_one_journal_record_and_comes_back(tmp_path):
    data = tmp_path / "bulk"
    phones = [f"+1 212 5{i // 10000:02d} {i % 10000:04d}" for i in range(5000)]
    zones = ["America/Chicago" if i % 3 == 0 else None for i in range(5000)]
    with Campaign.open(data, mode="progressive", default_country=1, fsync="always") as c:
        _, before, _ = c.journal_position
        c.add_contacts(phones, timezones=zones, external_ids=[f"crm-{i}" for i in range(5000)])
        _, after, _ = c.journal_position
        # Zone records and the rows as one record, not one per contact.
        assert 0 < after - before <= 3
    with Campaign.open(data, mode="progressive", default_country=1, fsync="never") as c:
        assert len(c) == 5000
        assert c.counts()["Initial"] == 5000


def test_several_numbers_a_contact_keep_the_valid_ones(campaign):
    ids = campaign.add_contacts(
        [["212-555-0100", "bad", 12125550102], ["x1", None], [None, "212-555-0103"]],
        kinds=[["mobile", "home", "work"], None, None],
        timezones=["America/Chicago", None, None],
    )
    assert list(ids) == [0, 1, 2]
    first = campaign.contact_numbers(0)
    assert [(n["number"], n["kind"]) for n in first] == [
        (12125550100, "mobile"),
        (12125550102, "work"),
    ]
    assert {n["timezone"] for n in first} == {"America/Chicago"}
    assert first[0]["current"] and not first[1]["current"]
    assert campaign.state(1) == State.InvalidRecord
    assert [n["number"] for n in campaign.contact_numbers(2)] == [12125550103]
    # fix_number per index: the second number of contact 0.
    assert campaign.fix_number(0, "212-555-0199", index=1) == State.Initial
    assert campaign.contact_numbers(0)[1]["number"] == 12125550199
    with pytest.raises(ValueError, match="no number #5"):
        campaign.fix_number(0, "212-555-0198", index=5)
    with pytest.raises(ValueError, match="kinds"):
        campaign.add_contacts([["212-555-0104"]], kinds=[["pager"]])


def test_add_contacts_reports_each_number_left_out(campaign):
    report = campaign.add_contacts(
        [["212-555-0100", "555-CALL-NOW", "12"], ["x1", None, "+99 1234 5678"], ["212-555-0101"]],
        report=True,
    )
    assert list(report.ids) == [0, 1, 2]
    assert len(report) == 3
    assert report.rejected == [
        (0, 1, "letters"),
        (0, 2, "too_short"),
        (1, 0, "letters"),
        (1, 2, "unknown_country_code"),
    ]
    assert "rejected=4" in repr(report)
    # No valid number: an InvalidRecord, as without the report.
    assert campaign.state(1) == State.InvalidRecord
    assert [n["number"] for n in campaign.contact_numbers(0)] == [12125550100]
    # One number a contact: a bad one is an InvalidRecord, never "left out".
    flat = campaign.add_contacts(["212-555-0102", "bad"], report=True)
    assert list(flat.ids) == [3, 4]
    assert flat.rejected == []
    assert campaign.state(4) == State.InvalidRecord
    # Without report= the answer is still the id array.
    ids = campaign.add_contacts([["212-555-0103", "bad"]])
    assert list(ids) == [5]

