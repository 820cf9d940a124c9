#!/usr/bin/env python3
"""Throughput of dialcore-sip against SIPp on loopback; writes docs/SIP.md.

usage: python3 sip/bench/cps.py [BIN] [--rates 50,200,500,1000] [--seconds 8] [--out docs/SIP.md]

For each rate R: a predictive campaign of R x seconds contacts whose
numbers all end in 4 (busy: INVITE, 486, ACK in sip/tests/sipp/customer.xml),
trunk.cps = R, 5 operators, fixed-ratio pacer at ratio R/10 (at most 20):
enough calls in flight that the trunk limit, not the pacer, sets the rate.
Measured: INVITEs per second over the dialing (first to last INVITE, from
the host's event log), the host's CPU (user + system, from rusage) as a
share of one core over its run, the engine's busy share (wall time inside
Campaign::handle/poll, journal writes and fsyncs included, logged by the
host at exit, over the run's wall time), SIPp's CPU
over the same span, and that SIPp got every INVITE.
"""
import json
import os
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
args = sys.argv[1:]


def opt(name, default):
    if name in args:
        i = args.index(name)
        v = args[i + 1]
        del args[i:i + 2]
        return v
    return default


rates = [int(r) for r in opt("--rates", "50,200,500,1000").split(",")]
seconds = float(opt("--seconds", "8"))
out_path = opt("--out", os.path.join(ROOT, "docs", "SIP.md"))
target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
binary = args[0] if args else os.path.join(target, "release", "dialcore-sip")
scen = os.path.join(ROOT, "sip", "tests", "sipp", "customer.xml")


def free_ports(n):
    socks = []
    for _ in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", 0))
        socks.append(s)
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def cpu_of(pid):
    """user+system seconds of a process, from /proc."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(rate):
    work = tempfile.mkdtemp(prefix="dialcore-cps-")
    host_port, cust_port, op_port = free_ports(3)
    n = int(rate * seconds)
    with open(os.path.join(work, "contacts.csv"), "w") as f:
        f.write("phone\n")
        for i in range(n):
            f.write("1212%06d4\n" % i)
    ratio = min(20.0, max(1.0, rate / 10))
    uris = ", ".join(f'"sip:op{i}@127.0.0.1:{op_port}"' for i in range(5))
    with open(os.path.join(work, "host.toml"), "w") as f:
        f.write(f"""data_dir = "data"
contacts = "contacts.csv"
[campaign]
mode = "predictive"
pacer = "fixed_ratio"
predictive_ratio = {ratio}
abandon_guard = "expected"
ring_timeout_ms = 15000
retry_busy_s = -1
fsync_every_ms = 100
[trunk]
address = "127.0.0.1:{cust_port}"
local = "127.0.0.1:{host_port}"
max_calls = 2000
cps = {rate}
[operators]
uris = [{uris}]
console = "auto"
""")
    sipp = subprocess.Popen(["sipp", "-sf", scen, "-i", "127.0.0.1", "-p", str(cust_port),
                             "-nostdin", "-trace_err", "-error_file", "cust.err"],
                            cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.3)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    sipp_cpu0 = cpu_of(sipp.pid)
    t0 = time.time()
    host = subprocess.run([binary, "--config", os.path.join(work, "host.toml")],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=600)
    wall = time.time() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    sipp_cpu = cpu_of(sipp.pid) - sipp_cpu0
    sipp.terminate()
    sipp.wait()
    if host.returncode != 0:
        raise SystemExit(f"host failed at {rate} CPS: {host.stderr.decode()}")
    host_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    ev = [json.loads(l) for l in open(os.path.join(work, "data", "events.jsonl"))]
    inv = [e["t"] for e in ev if e["ev"] == "invite"]
    finals = sum(1 for e in ev if e["ev"] == "final" and e.get("code") == 486)
    exit_ev = [e for e in ev if e["ev"] == "exit"][-1]
    engine_s = exit_ev["engine_us"] / 1e6
    span = (max(inv) - min(inv)) / 1000 if len(inv) > 1 else 0
    errors = 0
    p = os.path.join(work, "cust.err")
    if os.path.exists(p):
        errors = len(re.findall(r"aborting|unexpected", open(p, errors="replace").read(), re.I))
    shutil.rmtree(work)
    return {
        "rate": rate, "contacts": n, "invites": len(inv), "busy": finals,
        "cps": (len(inv) - 1) / span if span else 0.0, "wall": wall,
        "host_cpu": host_cpu, "host_pct": 100 * host_cpu / wall,
        "engine_pct": 100 * engine_s / wall,
        "engine_us_per_call": 1e6 * engine_s / max(1, len(inv)),
        "sipp_pct": 100 * sipp_cpu / wall, "errors": errors,
    }


rows = [run(r) for r in rates]
cpu = ""
try:
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
except OSError:
    pass
lines = [
    "# dialcore-sip throughput against SIPp on loopback",
    "",
    "Generated by `python3 sip/bench/cps.py` (release build of `dialcore-sip`); do not edit by hand.",
    f"Machine: {os.cpu_count()} cores, {cpu or 'unknown CPU'}, shared with other jobs while measured.",
    "",
    f"Each row: a predictive campaign of rate x {seconds:g} s contacts, every number busy",
    "(INVITE, 486, ACK: `sip/tests/sipp/customer.xml`, digit 4), `trunk.cps` = the rate,",
    "5 operators and the fixed-ratio pacer at rate / 10 (at most 20) so that the trunk",
    "limit, not the pacer, sets the pace; journal fsync every 100 ms. CPU is user + system",
    "time over the host's whole run (CSV import included), as a share of one core. The engine",
    "columns are the wall time spent inside `Campaign::handle` / `poll` (journal writes and",
    "fsyncs included): as a share of the run's wall time, and per INVITE.",
    "",
    "| target CPS | INVITEs | 486 received | achieved CPS | host CPU (% of a core) | engine busy (% of wall) | engine µs per call | SIPp CPU (% of a core) | SIPp errors |",
    "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
]
for r in rows:
    lines.append(
        f"| {r['rate']} | {r['invites']} | {r['busy']} | {r['cps']:.0f} | {r['host_pct']:.1f}% | "
        f"{r['engine_pct']:.1f}% | {r['engine_us_per_call']:.1f} | {r['sipp_pct']:.1f}% | {r['errors']} |")
lines += [
    "",
    "Reading: where the achieved rate equals the target, the trunk limit set the pace;",
    "compare the host's CPU with SIPp's at the same rate to see which side would saturate",
    "first. The engine's time per call includes the journal (one record per host call,",
    "written at every poll, fsynced every 100 ms).",
    "",
]
os.makedirs(os.path.dirname(out_path), exist_ok=True)
with open(out_path, "w") as f:
    f.write("\n".join(lines))
print("\n".join(lines))
