#!/usr/bin/env python3
"""The headline figures of a benches/report.sh run, as docs/benchmarks.json.

Reads criterion's estimates (target/criterion/<group>/<bench>/new/
estimates.json, the median) and the summary lines the benches printed
(target/bench-report/<bench>.log), nothing else: every figure here comes
from the run, none is typed in. Each headline names its dialcore figure,
the *stronger* of its baselines (the faster one, when there are several:
HashMap and Vec row stores, SQL hopper in memory and in WAL mode), the
ratio, the issue's target and whether it is met. A figure the run did not
measure is null, and its headline says "not measured".

    benches/figures.py --crit DIR --work DIR --out docs/benchmarks.json \
        [--since FILE]  # only criterion estimates newer than FILE
        [--markdown]    # also print the targets table for BENCHMARKS.md

Machine facts come from the environment report.sh sets (REPORT_CPU,
REPORT_CORES, REPORT_RAM, REPORT_LOAD_BEFORE, REPORT_LOAD_AFTER,
REPORT_DATE), as strings.
"""

import argparse
import json
import os
import re
import sys


def sanitize(name):
    """A criterion id as criterion names its directory."""
    return re.sub(r'[?"/\\*<>:|^]', "_", name)


SINCE = 0.0


def median_ns(crit, group, bench):
    """The median of a criterion estimate written by this run (newer than
    `--since`), in ns; None if there is none."""
    path = os.path.join(crit, sanitize(group), sanitize(bench), "new", "estimates.json")
    try:
        if os.path.getmtime(path) < SINCE:
            return None
        with open(path) as f:
            return json.load(f)["median"]["point_estimate"]
    except (OSError, KeyError, ValueError):
        return None


def log_text(work, bench):
    try:
        with open(os.path.join(work, bench + ".log"), encoding="utf-8") as f:
            return f.read()
    except OSError:
        return ""


def human(ns):
    if ns is None:
        return None
    if ns < 1e3:
        return f"{ns:.1f} ns"
    if ns < 1e6:
        return f"{ns / 1e3:.2f} µs"
    if ns < 1e9:
        return f"{ns / 1e6:.2f} ms"
    return f"{ns / 1e9:.2f} s"


def ratio_text(r):
    if r is None:
        return None
    if r >= 100:
        return f"{r:,.0f}×"
    return f"{r:.1f}×" if r >= 10 else f"{r:.2f}×"


def stronger(crit, group, names):
    """The fastest of the named baselines in `group`: (name, ns)."""
    found = [(n, median_ns(crit, group, b)) for n, b in names]
    found = [(n, ns) for n, ns in found if ns is not None]
    return min(found, key=lambda x: x[1]) if found else (None, None)


def versus(key, label, crit, group, dialcore, baselines, target):
    """A headline: dialcore's median against the stronger baseline's; the
    ratio is baseline / dialcore (how many times faster dialcore is)."""
    d = median_ns(crit, group, dialcore)
    name, b = stronger(crit, group, baselines)
    r = b / d if d and b else None
    return {
        "key": key,
        "bench": label,
        "dialcore": human(d),
        "baseline": f"{name}: {human(b)}" if name else None,
        "ratio": ratio_text(r),
        "value": r,
        "target": f"≥ {target}×",
        "met": None if r is None else r >= target,
        "source": f"criterion {group}",
    }


def number(pattern, text):
    m = re.search(pattern, text)
    return float(m.group(1)) if m else None


def headlines(crit, work):
    h = []
    h.append(versus("append_10M", "append 10M contacts from parsed numbers", crit,
                    "store/append_10M", "dialcore",
                    [("HashMap row store", "row_store_hashmap"), ("Vec row store", "row_store_vec")], 5))
    h.append(versus("csv_load_1M", "load 1M contacts from a CSV file", crit, "csv_load/1M",
                    "dialcore",
                    [("HashMap row store + csv", "row_store_csv_crate"),
                     ("Vec row store + csv", "row_vec_csv_crate"),
                     ("SQLite one transaction", "sqlite_memory_one_tx")], 5))
    # 10M CSV: criterion has dialcore alone in quick mode; the ratio is the
    # same-run summary's (one load of each, side by side).
    csv = log_text(work, "csv_load")
    ten = [l for l in csv.splitlines() if "10000000 rows" in l]
    line = ""
    if ten:
        idx = csv.splitlines().index(ten[0])
        rest = csv.splitlines()[idx + 1:idx + 2]
        line = rest[0] if rest else ""
    r = number(r"stronger row store/dialcore = ([0-9.]+)x", line)
    d10 = median_ns(crit, "csv_load/10M", "dialcore")
    if d10 is None:
        # Quick mode's criterion group may be absent: the summary's load.
        m = re.search(r"dialcore import_csv_path ([0-9.]+)(ms|s) ", line)
        if m:
            d10 = float(m.group(1)) * (1e6 if m.group(2) == "ms" else 1e9)
    h.append({
        "key": "csv_load_10M", "bench": "load 10M contacts from a CSV file (target also < 1 s)",
        "dialcore": human(d10), "baseline": "stronger row store + csv (same-run summary)" if r else None,
        "ratio": ratio_text(r), "value": r, "target": "≥ 5×, < 1 s",
        "met": None if r is None or d10 is None else (r >= 5 and d10 < 1e9),
        "source": "criterion csv_load/10M, csv_load summary",
    })
    h.append(versus("scan_10M", "contacts in one state among 10M (ids_in_state scan)", crit,
                    "store/count_10M", "dialcore_scan_retry_scheduled",
                    [("HashMap row store scan", "row_store_scan_retry_scheduled"),
                     ("Vec row store scan", "row_vec_scan_retry_scheduled")], 5))
    # Memory: the whole engine (store, number index, queue, wheel) as
    # process RSS growth, from the load bench, beside the stronger row store.
    load_log = log_text(work, "load")
    dmem = number(r"10M: dialcore engine ([0-9.]+) bytes/contact", load_log)
    vmem = number(r"10M: row store Vec<struct> ([0-9.]+) bytes/contact", load_log)
    hmem = number(r"10M: row store .*HashMap ([0-9.]+) bytes/contact", load_log)
    mem = number(r"10M: row store .*stronger row store / dialcore = ([0-9.]+)x memory", load_log)
    rmem = min(x for x in (vmem, hmem) if x is not None) if (vmem or hmem) else None
    h.append({
        "key": "memory", "bench": "whole engine memory per contact, resident (10M; target also ≤ 32 B)",
        "dialcore": f"{dmem:.1f} B" if dmem is not None else None,
        "baseline": f"stronger row store: {rmem:.1f} B" if rmem is not None else None,
        "ratio": ratio_text(mem), "value": mem, "target": "≥ 3×, ≤ 32 B",
        "met": None if mem is None or dmem is None else (mem >= 3 and dmem <= 32),
        "source": "load summary",
    })
    dmem100 = number(r"100M: dialcore engine ([0-9.]+) bytes/contact", load_log)
    t10 = None
    m = re.search(r"10M: dialcore engine .*loaded in ([0-9.]+)(ms|s)\b", load_log or "")
    if m:
        t10 = float(m.group(1)) / (1000.0 if m.group(2) == "ms" else 1.0)
    x100 = number(r"100M: load time ([0-9.]+)x the 10M time", load_log)
    h.append({
        "key": "memory_100M", "bench": "whole engine memory per contact, resident (100M)",
        "dialcore": f"{dmem100:.1f} B" if dmem100 is not None else None,
        "baseline": None, "ratio": None, "value": dmem100, "target": "≤ 32 B",
        "met": None if dmem100 is None else dmem100 <= 32, "source": "load summary",
    })
    h.append({
        "key": "load_numbers", "bench": "load 10M contacts from numbers; 100M against 10M",
        "dialcore": (f"{t10:.2f} s" if t10 is not None else None)
        + (f", 100M {x100:.1f}× the 10M time" if t10 is not None and x100 is not None else "")
        if t10 is not None else None,
        "baseline": None, "ratio": None, "value": t10, "target": "< 1 s, 100M ≤ 12×",
        "met": None if t10 is None else (t10 < 1 and (x100 is None or x100 <= 12)),
        "source": "load summary",
    })
    h.append(versus("timers_1M", "timers at 1M pending: arm + cancel half + expire", crit,
                    "wheel/1M", "all/dialcore", [("BinaryHeap with lazy cancel", "all/heap")], 3))
    h.append(versus("select_next_100", "select the next 100 to dial among 1M in mixed states", crit,
                    "selection/next_100_of_1M", "dialcore",
                    [("SQL hopper (partial index, 1000-lead refill), in memory", "sql_hopper_memory"),
                     ("SQL hopper (partial index, 1000-lead refill), WAL", "sql_hopper_wal")], 100))
    h.append(versus("event_cycles_selection", "event cycles (select 100 + answered, ended, ACW done), 1M",
                    crit, "selection/event_cycles_1M", "dialcore",
                    [("SQL hopper, in memory", "sql_hopper_memory"), ("SQL hopper, WAL", "sql_hopper_wal")],
                    100))
    eng = log_text(work, "engine")
    best = number(r"event cycles on 1M contacts: ([0-9.]+) M events/s", eng)
    real = number(r"realistic host on 1M contacts.*?: ([0-9.]+) M events/s", eng)
    h.append({
        "key": "engine_events", "bench": "engine events per second, 1M contacts: all answered at once / realistic outcomes",
        "dialcore": (f"{best:.2f} M / {real:.2f} M" if best is not None and real is not None else None),
        "baseline": None, "ratio": None, "value": real, "target": "—", "met": None,
        "source": "engine summary",
    })
    rate = log_text(work, "durable_rate")
    for poll_rate in (100, 1000, 10000):
        m = re.search(rf"summary durable_rate rate={poll_rate} .*?overhead_inline=([0-9.a-z]+) overhead_outside=([0-9.a-z]+) sync_us=([0-9.]+)", rate)
        inline = outside = sync = None
        if m:
            inline, outside, sync = (float(m.group(1)), float(m.group(2)), float(m.group(3)))
        fmt = lambda x: None if x is None else ("sync-bound" if x == float("inf") else f"{x:.2f}×")
        h.append({
            "key": f"durable_{poll_rate}", "bench": f"durable throughput, a sync at every poll, {poll_rate} polls/s (overhead vs memory: sync inline / outside the lock)",
            "dialcore": None if sync is None else f"fdatasync {sync:.0f} µs per poll",
            "baseline": "in-memory engine",
            "ratio": None if m is None else f"{fmt(inline)} / {fmt(outside)}",
            "value": outside if outside is not None and outside != float("inf") else None,
            "target": "≤ 2×" if poll_rate == 100 else "—",
            # Met only if a host syncing inline (one thread) stays within it too.
            "met": (None if m is None else max(inline, outside) <= 2) if poll_rate == 100 else None,
            "source": "durable_rate summary",
        })
    lock = log_text(work, "lock_wait")
    m = re.search(r"summary lock_wait p99_before_us=([0-9.]+) p99_after_us=([0-9.]+) ratio=([0-9.]+)", lock)
    h.append({
        "key": "lock_wait", "bench": "p99 wait of dc_campaign_handle while a 100 Hz poller fsyncs (before → after)",
        "dialcore": None if not m else f"{float(m.group(1)):.0f} µs → {float(m.group(2)):.0f} µs",
        "baseline": None, "ratio": None if not m else f"{float(m.group(3)):.1f}× shorter",
        "value": None if not m else float(m.group(3)), "target": "—", "met": None,
        "source": "lock_wait summary",
    })
    traps = log_text(work, "traps")
    m = re.search(r"summary traps scan 10M: read bandwidth .*?; ids_in_state ([0-9.]+) ms = ([0-9.]+)x; recount ([0-9.]+) ms = ([0-9.]+)x", traps)
    h.append({
        "key": "scan_bandwidth", "bench": "ids_in_state / histogram over 10M against a plain read of the column (same run)",
        "dialcore": None if not m else f"{float(m.group(1)):.2f} ms / {float(m.group(3)):.2f} ms",
        "baseline": "sum of the 10 MB column",
        "ratio": None if not m else f"{float(m.group(2)):.2f}× / {float(m.group(4)):.2f}×",
        "value": None if not m else max(float(m.group(2)), float(m.group(4))),
        "target": "≤ 2× each",
        "met": None if not m else max(float(m.group(2)), float(m.group(4))) <= 2,
        "source": "traps summary",
    })
    # Issue 15: the bytes an extra number adds, at 3 and at 2 numbers a contact.
    store = log_text(work, "store")
    extra3 = number(r"3 numbers per contact: .*?, ([0-9.]+) bytes per extra number", store)
    extra2 = number(r"2 numbers per contact: .*?, ([0-9.]+) bytes per extra number", store)
    worst = max((x for x in (extra3, extra2) if x is not None), default=None)
    h.append({
        "key": "extra_number_bytes", "bench": "bytes an extra number adds to a contact (3 numbers / 2 numbers a contact)",
        "dialcore": None if extra3 is None or extra2 is None else f"{extra3:.2f} B / {extra2:.2f} B",
        "baseline": None, "ratio": None, "value": worst, "target": "≤ 10 B",
        "met": None if extra3 is None or extra2 is None else worst <= 10,
        "source": "store summary",
    })
    # Issue 16: a floor's poll and event cost, 10 → 1,000 campaigns.
    floor = log_text(work, "floor_scale")
    fp = number(r"summary floor poll 1000/10 = ([0-9.]+)x", floor)
    fe = number(r"summary floor event 1000/10 = ([0-9.]+)x", floor)
    fm = re.search(r"summary floor 1000 campaigns x ([0-9]+) contacts \(([0-9.]+)M\).*?([0-9.]+) bytes a contact resident", floor)
    h.append({
        "key": "floor_scale", "bench": "floor of 1,000 campaigns against 10: cost of a poll / of an event"
        + ("" if not fm else f" ({fm.group(2)}M contacts, {fm.group(3)} B a contact resident)"),
        "dialcore": None if fp is None or fe is None else f"{fp:.2f}× / {fe:.2f}×",
        "baseline": "the same floor with 10 campaigns", "ratio": None,
        "value": None if fp is None or fe is None else max(fp, fe), "target": "flat: ≤ 1.5×",
        "met": None if fp is None or fe is None else max(fp, fe) <= 1.5,
        "source": "floor_scale summary (DIALCORE_BENCH_BIG=1)",
    })
    # Issue 20: the pacing model's CPU against the fixed-ratio pacer's.
    pacer = log_text(work, "pacer_cost")
    pr = number(r"dialcore/fixed = ([0-9.]+)x", pacer)
    h.append({
        "key": "pacer_cost", "bench": "CPU of the 1M-contact simulation, dialcore pacer against the fixed-ratio pacer",
        "dialcore": None if pr is None else f"{pr:.2f}×", "baseline": "fixed-ratio pacer",
        "ratio": None, "value": pr, "target": "≤ 1.5×",
        "met": None if pr is None else pr <= 1.5, "source": "pacer_cost summary",
    })
    try:
        with open(os.path.join(work, "simulate.json")) as f:
            sim = json.load(f)
    except (OSError, ValueError):
        sim = {}
    wall = sim.get("wall_s")
    h.append({
        "key": "simulate", "bench": "simulated campaign, 1M contacts, 100 operators, predictive, to completion",
        "dialcore": None if wall is None else f"{wall:.2f} s wall", "baseline": None, "ratio": None,
        "value": wall, "target": "< 10 s", "met": None if wall is None else wall < 10,
        "source": "dialcore simulate --scenario sim/scenarios/big.toml",
    })
    return h


def markdown(doc):
    lines = ["| bench | dialcore | stronger baseline | ratio | target | |", "|---|---|---|---|---|---|"]
    for h in doc["headlines"]:
        verdict = {True: "met", False: "**missed**", None: "—"}[h["met"]]
        if all(h[k] is None for k in ("dialcore", "baseline", "ratio")):
            verdict = "not measured"
        cells = [h["bench"], h["dialcore"] or "—", h["baseline"] or "—", h["ratio"] or "—",
                 h["target"], verdict]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--crit", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--since", help="ignore criterion estimates older than this file")
    a = ap.parse_args()
    global SINCE
    if a.since:
        SINCE = os.path.getmtime(a.since)
    env = os.environ.get
    doc = {
        "generated": env("REPORT_DATE"),
        "machine": {
            "cpu": env("REPORT_CPU"),
            "cores": env("REPORT_CORES"),
            "ram": env("REPORT_RAM"),
            "load_before": env("REPORT_LOAD_BEFORE"),
            "load_after": env("REPORT_LOAD_AFTER"),
        },
        "headlines": headlines(a.crit, a.work),
    }
    with open(a.out, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1, ensure_ascii=False)
        f.write("\n")
    if a.markdown:
        print(markdown(doc))


if __name__ == "__main__":
    sys.exit(main())
