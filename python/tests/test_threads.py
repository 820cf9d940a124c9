import threading

import numpy as np

import dialcore
from dialcore import Campaign, Event

T0 = 1_767_603_600_000


def test_threads_add_and_poll_concurrently():
    c = Campaign(mode="predictive")
    ops = [c.add_operator() for _ in range(4)]
    for op in ops:
        c.handle(Event.operator_login(op), T0)
        c.handle(Event.operator_ready(op), T0)
    errors = []
    dials = []
    lock = threading.Lock()

    def adder(k):
        try:
            for i in range(50):
                base = 14155000000 + k * 100000 + i * 100
                ids = c.add_contacts(np.arange(base, base + 100, dtype=np.uint64))
                assert len(ids) == 100
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    def poller():
        try:
            for i in range(200):
                cmds = c.poll(T0 + i)
                with lock:
                    dials.extend(x for x in cmds if x.kind == "dial")
                c.counts()
                c.states()
        except Exception as e:  # pragma: no cover
            errors.append(e)

    threads = [threading.Thread(target=adder, args=(k,)) for k in range(4)]
    threads += [threading.Thread(target=poller) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert len(c) == 4 * 50 * 100
    assert sum(c.counts().values()) == len(c)
    states = c.states()
    assert states.shape == (len(c),)
    # every dial is a distinct call
    assert len({d.call for d in dials}) == len(dials)


def test_simulate_runs_in_threads():
    results = [None] * 3

    def run(i):
        results[i] = dialcore.simulate(contacts=300, operators=3, seed=11).to_json()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results[0] == results[1] == results[2]
