"""dialcore.Floor (issue 16): many campaigns over shared operators, trunks,
do-not-call lists and caps, with per-campaign and per-pool counts."""

import pytest

import dialcore
from dialcore import Event, Floor, State

T0 = 1_767_603_600_000
SEC = 1_000
MIN = 60 * SEC


def ready(floor, op, now=T0):
    floor.handle(None, Event.operator_login(op), now)
    floor.handle(None, Event.operator_ready(op), now)


def serve_one(floor, op, now):
    """Offer, accept, dial, answer, end and ACW of the operator's next
    contact; returns (campaign, now)."""
    offers = [(c, cmd) for c, cmd in floor.poll(now) if cmd.kind == "offer"]
    assert offers, "no offer"
    campaign, offer = offers[0]
    assert offer.operator == op
    now += SEC
    floor.handle(campaign, Event.operator_accepted(op, offer.contact), now)
    dials = [(c, cmd) for c, cmd in floor.poll(now) if cmd.kind == "dial"]
    assert [c for c, _ in dials] == [campaign]
    dial = dials[0][1]
    assert dial.operator == op
    now += 5 * SEC
    floor.handle(campaign, Event.answered(dial.call), now)
    floor.poll(now)
    now += MIN
    floor.handle(campaign, Event.call_ended(dial.call), now)
    floor.poll(now)
    now += 10 * SEC
    floor.handle(campaign, Event.acw_done(op, offer.contact), now)
    return campaign, now + 1


def test_one_operator_serves_two_campaigns_higher_priority_first():
    floor = Floor()
    debt = floor.add_campaign("collections", "progressive", priority=2, bcw_ms=0)
    sales = floor.add_campaign("sales", "progressive", priority=1, bcw_ms=0)
    assert floor.campaigns() == [debt, sales]
    assert floor.campaign_id("sales") == sales
    assert floor.campaign_name(debt) == "collections"
    floor.add_numbers(debt, [12125550100])
    floor.add_numbers(sales, [12125550200, 12125550201])
    team = floor.add_pool("english")
    floor.assign(team, debt)
    floor.assign(team, sales)
    op = floor.add_operator(team)
    ready(floor, op)
    now = T0 + 1
    served = []
    for _ in range(3):
        campaign, now = serve_one(floor, op, now)
        served.append(campaign)
    assert served == [debt, sales, sales]
    assert floor.state(debt, 0) is State.Success
    rows = floor.counts()
    assert [r["name"] for r in rows] == ["collections", "sales"]
    assert rows[1]["Success"] == 2 and rows[1]["Initial"] == 0
    assert set(State.__members__) <= set(rows[0])
    m = floor.metrics(sales)
    assert m["dials"] == 2 and m["connected"] == 2
    (pool,) = floor.pool_counts()
    assert pool["name"] == "english" and pool["logged_out"] == 0 and pool["inbound"] == 0
    assert floor.pool_counts(team)["pool"] == team
    assert len(floor) == 2


def test_counts_are_ready_for_a_dataframe():
    pd = pytest.importorskip("pandas")
    floor = Floor()
    for name in ["a", "b", "c"]:
        c = floor.add_campaign(name, "predictive")
        floor.add_numbers(c, [12125550100 + 10 * c + k for k in range(c + 1)])
    frame = pd.DataFrame(floor.counts()).set_index("name")
    assert list(frame.index) == ["a", "b", "c"]
    assert list(frame["Initial"]) == [1, 2, 3]


def test_a_trunk_never_carries_more_calls_than_its_lines():
    floor = Floor()
    c = floor.add_campaign("sales", "predictive", abandon_guard="expected")
    floor.add_numbers(c, list(range(12125550100, 12125550120)))
    team = floor.add_pool("english")
    floor.assign(team, c)
    trunk = floor.add_trunk(max_calls=2, cps=10, now_ms=T0)
    floor.route(c, [trunk])
    for _ in range(4):
        ready(floor, floor.add_operator(team))
    dials = [(t, cmd) for _, t, cmd in floor.poll_with_trunks(T0 + 1) if cmd.kind == "dial"]
    assert len(dials) == 2
    assert all(t == trunk for t, _ in dials)
    assert [cmd for _, cmd in floor.poll(T0 + 2 * SEC) if cmd.kind == "dial"] == []
    floor.handle(c, Event.rejected(dials[0][1].call), T0 + 2 * SEC)
    again = [cmd for _, cmd in floor.poll(T0 + 3 * SEC) if cmd.kind == "dial"]
    assert len(again) == 1


def test_a_floor_list_blocks_its_numbers_in_every_campaign():
    floor = Floor()
    a = floor.add_campaign("a", "predictive", abandon_guard="expected")
    b = floor.add_campaign("b", "predictive", abandon_guard="expected")
    floor.add_numbers(a, [12125550100, 12125550101])
    floor.add_numbers(b, [12125550100, 12125550102])
    team = floor.add_pool("english")
    floor.assign(team, a)
    floor.assign(team, b)
    dnc = floor.add_list("company")
    floor.list_add(dnc, [12125550100])
    only_b = floor.add_list("b only", scope=[b])
    floor.list_add(only_b, [12125550102], until_ms=T0 + MIN)
    for _ in range(4):
        ready(floor, floor.add_operator(team))
    dialed = set()
    for k in range(4):
        for campaign, cmd in floor.poll(T0 + 1 + k * SEC):
            if cmd.kind == "dial":
                dialed.add((campaign, cmd.number))
    assert dialed == {(a, 12125550101)}
    assert floor.state(a, 0) is State.Blacklisted
    assert floor.state(b, 0) is State.Blacklisted


def test_bad_ids_raise_floor_error_naming_them():
    floor = Floor()
    c = floor.add_campaign("sales", "progressive")
    with pytest.raises(dialcore.FloorError, match="99"):
        floor.add_numbers(99, [12125550100])
    with pytest.raises(dialcore.FloorError, match="campaign"):
        floor.handle(42, Event.answered((0 << 8) | 1), T0)
    with pytest.raises(dialcore.FloorError, match="pool"):
        floor.add_operator(5)
    team = floor.add_pool("english")
    # Unassigning what was never assigned is a no-op (as in core); an
    # unknown pool is an error naming it.
    floor.unassign(team, c)
    with pytest.raises(dialcore.FloorError, match="pool"):
        floor.unassign(team + 77, c)
    with pytest.raises(dialcore.FloorError, match="sales"):
        floor.add_campaign("sales")
    with pytest.raises(dialcore.FloorError, match="trunk"):
        floor.route(c, [3])
    with pytest.raises(dialcore.FloorError, match="list"):
        floor.list_add(9, [12125550100])
    with pytest.raises(ValueError, match="scope"):
        floor.add_list("x", scope="everywhere")
    with pytest.raises(ValueError, match="cps"):
        floor.add_trunk(max_calls=3, cps=0)
    with pytest.raises(dialcore.InvalidConfig, match="abandon_target"):
        floor.add_campaign("bad", "predictive", abandon_target=2.0)
    assert issubclass(dialcore.FloorError, dialcore.DialcoreError)
    assert floor.campaigns() == [c]
