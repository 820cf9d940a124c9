# pyright: strict
"""A minimal host loop against the typed API: a progressive campaign with
two operators, a simulated PBX that answers every other call, and the
figures an analyst reads afterwards (metrics, columns, a DataFrame).

    python python/examples/host_loop.py

Type-checked with ``mypy --strict`` and ``pyright`` by scripts/test-python.
"""

from __future__ import annotations

import heapq

import dialcore
from dialcore import Campaign, Command, Event, Metrics, State

T0 = 1_767_603_600_000  # 2026-01-05T09:00:00Z, ms since the epoch


Pending = list[tuple[int, int, Event]]
"""PBX events to come: (time, sequence, event), a heap."""


def on_command(cmd: Command, now: int, pending: Pending) -> None:
    """What a PBX module does with one command: here, schedules what the
    simulated PBX and operators will report (every other client answers)."""
    def later(ms: int, ev: Event) -> None:
        heapq.heappush(pending, (now + ms, len(pending) + now, ev))

    if cmd.kind == "offer" and cmd.operator is not None:
        later(1_000, Event.operator_accepted(cmd.operator, cmd.contact))
    elif cmd.kind == "dial" and cmd.call is not None:
        if cmd.contact % 2 == 1:
            later(8_000, Event.rejected(cmd.call))
            return
        # Progressive: the operator is on the call from the dial; it talks
        # a minute, then 15 s of after-call work.
        later(8_000, Event.answered(cmd.call))
        later(68_000, Event.call_ended(cmd.call))
        if cmd.operator is not None:
            later(83_000, Event.acw_done(cmd.operator, cmd.contact))


def run(contacts: int = 20, hours: int = 2) -> Metrics:
    """Runs the campaign for `hours` simulated hours and returns its metrics."""
    with Campaign(mode="progressive", default_country=1, bcw_ms=0, max_attempts=2,
                  retry_busy_ms=600_000) as c:
        c.add_contacts([f"212-555-{i:04d}" for i in range(contacts)],
                       external_ids=[f"crm-{i}" for i in range(contacts)])
        for _ in range(2):
            op = c.add_operator()
            c.handle(Event.operator_login(op), T0)
            c.handle(Event.operator_ready(op), T0)
        pending: Pending = []
        now = T0
        end = T0 + hours * 3_600_000
        while now < end:
            while pending and pending[0][0] <= now:
                _, _, ev = heapq.heappop(pending)
                try:
                    c.handle(ev, now)
                except dialcore.StaleCall:
                    pass  # a late PBX message about an attempt already over
            for cmd in c.poll(now):
                on_command(cmd, now, pending)
            deadline = c.next_deadline()
            candidates = [t for t in (deadline, pending[0][0] if pending else None) if t is not None]
            now = max(now + 1, min(candidates)) if candidates else end
        m = c.metrics(now)
        first: State = c.state(0)
        cols = c.columns()
        print(f"{len(c)} contacts, the first {first.display_name}; "
              f"{int((cols['attempts'] > 0).sum())} dialed, {m['connected']} connected")
        print(f"abandon rate {m['abandon_rate']:.2%} (24 h {m['abandon_rate_24h']:.2%}, "
              f"30 d {m['abandon_rate_30d']:.2%}), occupancy {m['occupancy']:.1%}")
        try:
            df = c.to_pandas()
        except ImportError:
            return m
        print(df.groupby("state", observed=True).size().to_string())
        return m


if __name__ == "__main__":
    print(dialcore.__version__)
    run()
