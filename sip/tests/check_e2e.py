#!/usr/bin/env python3
"""Checks one dialcore-sip run against SIPp's own logs (scripts/test-sip).

usage: check_e2e.py MODE RING_MS ABANDON_MS HOST_EVENTS CUST_LOG OP_LOG ERR_FILE... [--crash]

MODE is progressive or predictive. The host's event log (JSON lines) and
SIPp's -trace_logs files of the customers and operators are read; every
check prints one line and the script exits 1 if any failed. The outcome a
contact must end with is encoded by its number's last digit (see
sip/tests/sipp/customer.xml). With --crash the run was killed with SIGKILL
and restarted on the same data directory: the host log holds both runs.
"""
import json
import re
import sys
from collections import defaultdict

args = [a for a in sys.argv[1:] if a != "--crash"]
crash = "--crash" in sys.argv
mode, ring_ms, abandon_ms, host_log, cust_log, op_log = args[:6]
err_files = args[6:]
ring_ms, abandon_ms = int(ring_ms), int(abandon_ms)

failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


events = [json.loads(l) for l in open(host_log) if l.strip()]
by = defaultdict(list)
for e in events:
    by[e["ev"]].append(e)


def key(e):
    return (e["contact"], e["attempt"])


# SIPp logs: "INVITE tick number xcall callid m", "END tick number", ...
cust = [l.split() for l in open(cust_log) if l.strip()]
ops = [l.split() for l in open(op_log) if l.strip()]
sipp_invites = [l for l in cust if l[0] == "INVITE"]
sipp_answers = [l for l in cust if l[0] == "ANSWER"]
sipp_cancels = [l for l in cust if l[0] == "CANCEL"]
sipp_bye_in = [l for l in cust if l[0] == "BYE_IN"]

# 1. every contact final with the outcome its digit encodes
contacts = {e["contact"]: e for e in by["contact"]}
check(len(contacts) > 0 and all(e.get("finish") == "done" for e in by["exit"][-1:]),
      f"host finished (exit: {by['exit'][-1:] and by['exit'][-1]['finish']}), {len(contacts)} contacts")
reconciled = {e["contact"]: e for e in by["reconciled"]}
bad = []
for c, e in sorted(contacts.items()):
    d = e["number"] % 10
    got = (e["state"], e["outcome"])
    if d in (0, 1, 2, 8, 9):
        want = {("Success", "Connected")}
        if mode == "predictive":
            want.add(("CanceledByClient", "Abandoned"))
    elif d == 3:
        want = {("NotReached", "Machine")}
    elif d == 4:
        want = {("NotReached", "Busy")}
    else:  # 5 unreachable (480), 6 7 no answer
        want = {("NotReached", "NoAnswer")}
    if crash and c in reconciled and reconciled[c]["now"] == "Success":
        want = {("Success", e["outcome"])}
    if got not in want:
        bad.append((c, e["number"], got))
check(not bad, f"every contact final with its digit's outcome (wrong: {bad[:5]})")
nines = [e for e in contacts.values() if e["number"] % 10 == 9]
check(all(e["attempts"] >= 2 for e in nines) and len(nines) > 0,
      f"503 on the first attempt was retried ({len(nines)} contacts ending in 9, attempts >= 2)")

# 2. the engine's dials equal the INVITEs SIPp received
dials = by["dial"]
dropped = {key(e) for e in by["dial_dropped"]}
invites = by["invite"]
check(len(dropped) == 0, f"no dial dropped in the trunk queue ({len(dropped)})")
# (after a SIGKILL the host's last lines may be lost: the crash checks
# below compare SIPp with the journal instead)
check(crash or len(dials) == len(invites) == len(sipp_invites),
      f"dials {len(dials)} = host INVITEs {len(invites)} = SIPp INVITEs {len(sipp_invites)}")
xcalls = [l[3] for l in sipp_invites]
check(len(set(xcalls)) == len(xcalls), "no attempt (X-Dialcore-Call) INVITEd twice")
check(crash or sorted(xcalls) == sorted(f"{e['contact']}-{e['attempt']}" for e in dials),
      "SIPp saw exactly the engine's attempts (X-Dialcore-Call)")

# 3. answered equals the 200s sent
answered = by["answered"] + by["machine"]
check(crash or len(answered) == len(sipp_answers),
      f"answered {len(answered)} (human {len(by['answered'])}, machine {len(by['machine'])}) = SIPp 200s {len(sipp_answers)}")

# 4. no number ever in two dialogs at once (SIPp's view: INVITE .. END)
# END lines carry the number only: pair INVITE/END per number in order
per_number = defaultdict(list)
for l in cust:
    if l[0] in ("INVITE", "END"):
        per_number[l[2]].append((l[0], int(l[1])))
overlap = []
unended = []
for num, seq in per_number.items():
    depth = 0
    for kind, _ in seq:
        depth += 1 if kind == "INVITE" else -1
        if depth > 1:
            overlap.append(num)
    if depth != 0:
        unended.append(num)
check(not overlap, f"no number in two dialogs at once (SIPp INVITE..END; overlapping: {overlap[:5]})")
check(not unended, f"every customer dialog ended at SIPp (open: {unended[:5]})")

# 5. every no-answer CANCELled at the ring timeout
dial_t = {key(e): e["t"] for e in dials}
cancels = {key(e): e["t"] for e in by["cancel"]}
hangups = {key(e): e["t"] for e in by["hangup"]}
late = [(k, cancels.get(k, 0) - dial_t.get(k, 0)) for k in hangups
        if k not in cancels or abs(cancels[k] - dial_t.get(k, 0) - ring_ms) > 300]
check(not late, f"{len(hangups)} ring timeouts CANCELled {ring_ms} ms (+-300) after the dial (off: {late[:5]})")
noans = [e for e in contacts.values() if e["number"] % 10 in (6, 7)]
if not crash:
    check(len(sipp_cancels) == len(hangups) and len(hangups) >= len(noans),
          f"SIPp got {len(sipp_cancels)} CANCELs for {len(hangups)} hangups ({len(noans)} no-answer contacts)")

# 6. every abandon BYE'd within the limit
ans_t = {key(e): e["t"] for e in by["answered"]}
byes = {key(e): e["t"] for e in by["bye"] if e["why"] == "abandon"}
slow = [(k, byes.get(k, 0) - ans_t.get(k, 0)) for e in by["abandon"] for k in [key(e)]
        if k not in byes or byes[k] - ans_t.get(k, 0) > abandon_ms + 300]
check(not slow, f"{len(by['abandon'])} abandons BYE'd within {abandon_ms} ms (+300) of the answer (slow: {slow[:5]})")
if mode == "predictive":
    print(f"info abandons: {len(by['abandon'])}, connects: {len(by['connect'])}")

# 7. operators: every Connect INVITEd the operator and was bridged
op_invites = [l for l in ops if l[0] == "OP_INVITE"]
check(crash or len(op_invites) == len(by["connect"]) == len(by["bridged"]),
      f"connects {len(by['connect'])} = operator INVITEs {len(op_invites)} = bridged {len(by['bridged'])}")
op_byes = [l for l in ops if l[0] == "OP_BYE"]
check(len(op_byes) == len(op_invites), f"every operator leg BYE'd ({len(op_byes)}/{len(op_invites)})")

# 8. the engine took every event
check(not by["engine_error"], f"no event refused by the engine ({by['engine_error'][:3]})")

# 9. SIPp: no aborted calls
aborted = []
import os
for f in err_files:
    if not os.path.exists(f):  # SIPp writes the file on the first error only
        continue
    # SIPp writes its error entries without line ends: split on the stamps
    for l in re.split(r"(?=\d{4}-\d\d-\d\d\t\d\d:)", open(f, errors="replace").read()):
        if "aborting" in l.lower() or "unexpected" in l.lower():
            aborted.append(l.strip()[:160])
check(not aborted, f"no SIPp 'aborting call' / unexpected message errors ({aborted[:3]})")

# 10. SIPp's own counters (-trace_stat, final row written at its exit)
import csv
for log, name in ((cust_log, "customers"), (op_log, "operators")):
    stat = os.path.join(os.path.dirname(log), os.path.basename(log).replace(".log", ".stat.csv"))
    if not os.path.exists(stat):
        check(False, f"SIPp {name} statistics file {stat} exists")
        continue
    rows = list(csv.reader(open(stat), delimiter=";"))
    last = dict(zip(rows[0], rows[-1]))
    inc, succ, failed = (int(last[k]) for k in ("IncomingCall(C)", "SuccessfulCall(C)", "FailedCall(C)"))
    want_inc = len(sipp_invites) if name == "customers" else len(op_invites)
    check(inc == want_inc and succ == inc and failed == 0,
          f"SIPp {name} counters: {inc} incoming = {want_inc} logged, {succ} successful, {failed} failed")

if crash:
    opens = by["open"]
    check(len(opens) >= 2, f"{len(opens)} host runs on one data directory")
    check(len(reconciled) > 0, f"the restart reconciled {len(reconciled)} contacts live at the kill")
    reaped = by["reaped"]
    unconf = by["reap_unconfirmed"]
    check(len(by["reap"]) > 0 and not unconf,
          f"the restart ended {len(reaped)} leftover dialogs on the SIP side (unconfirmed: {len(unconf)})")
    # no contact dialed twice because of the restart: SIPp's INVITEs per
    # contact equal the attempts the journal counted
    inv_per = defaultdict(int)
    for x in xcalls:
        inv_per[int(x.split("-")[0])] += 1
    # (a contact live at the kill may have had its Dial journaled but its
    # INVITE not sent yet: one attempt counted that SIPp never saw)
    extra = [(c, inv_per[c], e["attempts"]) for c, e in contacts.items()
             if not (inv_per[c] == e["attempts"]
                     or (c in reconciled and inv_per[c] == e["attempts"] - 1))]
    check(not extra, f"SIPp INVITEs per contact = attempts journaled (off: {extra[:5]})")
    # a contact connected at the kill (now Success) is not dialed again
    second = opens[1]["t"]
    redial = [c for c, r in reconciled.items() if r["now"] == "Success"
              and any(e["contact"] == c and e["t"] >= second for e in dials)]
    check(not redial, f"contacts connected at the kill not redialed ({redial[:5]})")

print(f"summary: {len(dials)} dials, {len(answered)} answered, {len(by['connect'])} connected, "
      f"{len(by['abandon'])} abandoned, {len(hangups)} cancelled at ring timeout")
if failures:
    print(f"{len(failures)} check(s) failed")
    sys.exit(1)
