"""Benchmarks of the Python boundary (printed, not asserted).

Run after installing the package (scripts/test-python leaves one in
.venv-test):  .venv-test/bin/python python/benches/bench.py
"""

import time

import numpy as np

import dialcore
from dialcore import Campaign, Event

T0 = 1_767_603_600_000


def timed(label, fn, repeat=3):
    best = float("inf")
    result = None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t)
    print(f"{label:<52} {best * 1000:9.2f} ms")
    return result


def main():
    n = 1_000_000
    arr = np.arange(14_150_000_000, 14_150_000_000 + n, dtype=np.uint64)
    timed("add_contacts 1M from numpy uint64", lambda: Campaign().add_contacts(arr))
    ints = arr.tolist()
    timed("add_contacts 1M from list[int]", lambda: Campaign().add_contacts(ints))
    texts = ["+" + str(x) for x in ints]
    timed("add_contacts 1M from list[str] (parsed)", lambda: Campaign().add_contacts(texts))

    big = Campaign()
    for k in range(10):
        big.add_contacts(arr + np.uint64(k * n))
    timed(f"states() for {len(big):,} contacts", big.states, repeat=5)
    timed(f"columns() for {len(big):,} contacts", big.columns, repeat=3)
    timed(f"counts() for {len(big):,} contacts", big.counts, repeat=5)

    c = Campaign()
    op = c.add_operator()
    c.handle(Event.operator_login(op), T0)
    k = 200_000
    t = time.perf_counter()
    for i in range(k):
        c.handle(Event.operator_pause(op) if i % 2 else Event.operator_ready(op), T0)
    per = (time.perf_counter() - t) / k * 1e9
    print(f"{'handle(Event.operator_ready/pause) per call':<52} {per:9.0f} ns")
    ev = Event.operator_ready(op)
    t = time.perf_counter()
    for i in range(k):
        c.handle(ev, T0)
    per = (time.perf_counter() - t) / k * 1e9
    print(f"{'handle(prebuilt event) per call':<52} {per:9.0f} ns")
    t = time.perf_counter()
    for i in range(k):
        c.poll(T0)
    per = (time.perf_counter() - t) / k * 1e9
    print(f"{'poll(now_ms) with nothing due, per call':<52} {per:9.0f} ns")


if __name__ == "__main__":
    main()
