#!/usr/bin/env python3
"""Drives dialcore-sip's stdin console like an operator would (scripts/test-sip).

usage: console_driver.py EVENTS_JSONL -- HOST_COMMAND...

Declines the first offer (after a malformed command, which must be refused
with an error naming it), accepts every other offer, finishes every ACW
with `done`, then checks from the host's event log that the declined
contact is RejectedByOperator and every other one ended with the outcome
its number's last digit encodes (sip/tests/sipp/customer.xml).
"""
import json
import subprocess
import sys

events_path = sys.argv[1]
cmd = sys.argv[sys.argv.index("--") + 1:]
p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
declined = None
offers = acws = 0
refused_bogus = False
expect_error = False
for line in p.stdout:
    w = line.split()
    if not w:
        continue
    if expect_error:
        refused_bogus = w[0] == "error" and "bogus" in line
        expect_error = False
    if w[0] == "offer":
        offers += 1
        if declined is None:
            declined = int(w[2])
            expect_error = True
            p.stdin.write("bogus 1 2\n")
            p.stdin.write(f"decline {w[1]} {w[2]}\n")
        else:
            p.stdin.write(f"accept {w[1]} {w[2]}\n")
    elif w[0] == "acw":
        acws += 1
        p.stdin.write(f"done {w[1]} {w[2]}\n")
    p.stdin.flush()
rc = p.wait()
fails = 0


def check(ok, what):
    global fails
    print(("ok   " if ok else "FAIL ") + what)
    fails += 0 if ok else 1


check(rc == 0, f"host exited {rc}")
check(refused_bogus, "a malformed console command is refused with an error naming it")
contacts = {}
for l in open(events_path):
    e = json.loads(l)
    if e["ev"] == "contact":
        contacts[e["contact"]] = e
want_of = {0: "Success", 1: "Success", 2: "Success", 8: "Success", 9: "Success",
           3: "NotReached", 4: "NotReached", 5: "NotReached", 6: "NotReached", 7: "NotReached"}
bad = [(c, e["state"]) for c, e in contacts.items()
       if e["state"] != ("RejectedByOperator" if c == declined else want_of[e["number"] % 10])]
check(contacts and not bad, f"{len(contacts)} contacts final as their digit says, the declined one RejectedByOperator (wrong: {bad[:5]})")
connected = sum(1 for e in contacts.values() if e["state"] == "Success")
check(acws == connected, f"every connected call's ACW came to the console and was done ({acws}/{connected})")
attempts = sum(e["attempts"] for c, e in contacts.items() if c != declined)
check(offers == attempts + 1, f"one offer per attempt, plus the declined one ({offers} = {attempts} + 1)")
sys.exit(1 if fails else 0)
