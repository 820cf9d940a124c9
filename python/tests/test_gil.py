"""Every call that waits for the campaign lock waits without the GIL.

A thread holds the lock for as long as the test likes: `import_csv` of a
named pipe keeps the lock while it waits for the pipe's writer (a
subprocess started with a delay). Another thread then calls the method
under test, which must wait for the lock; the main thread checks it could
run Python code meanwhile (it could not if the waiting thread held the
GIL: it would only wake after the waiter got the lock, and find it done).
"""

import os
import subprocess
import sys
import threading
import time

import pytest

from dialcore import Campaign

CALLS = {
    "len": lambda c: len(c),
    "operator_count": lambda c: c.operator_count,
    "is_paused": lambda c: c.is_paused,
    "is_canceled": lambda c: c.is_canceled,
    "mode": lambda c: c.mode,
    "pacer": lambda c: c.pacer,
    "repr": lambda c: repr(c),
    "journal_position": lambda c: c.journal_position,
    "set_pacer": lambda c: c.set_pacer("fixed_ratio"),
    "is_durable": lambda c: c.is_durable,
    "durability_error": lambda c: c.durability_error,
    "snapshot_error": lambda c: c.snapshot_error,
    "settings": lambda c: c.settings(),
}

DELAY_S = 1.5


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes (POSIX)")
@pytest.mark.parametrize("name", sorted(CALLS))
def test_waiting_for_the_lock_releases_the_gil(tmp_path, name):
    fifo = tmp_path / "contacts.csv"
    os.mkfifo(fifo)
    c = Campaign()
    writer = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import time; time.sleep({DELAY_S}); "
            f"open({str(fifo)!r}, 'w').write('phone\\n+14155550100\\n')",
        ]
    )
    holder = threading.Thread(target=c.import_csv, args=(fifo,))
    holder.start()
    time.sleep(0.25)  # the holder is in import_csv, holding the lock
    done = threading.Event()

    def waiter():
        CALLS[name](c)
        done.set()

    t = threading.Thread(target=waiter)
    t.start()
    time.sleep(0.15)  # the waiter is waiting for the lock
    # Here only if the waiter let go of the GIL while it waits; if it held
    # it, this line runs after the writer (DELAY_S) released everything.
    waited_without_gil = not done.is_set()
    holder.join()
    t.join()
    writer.wait()
    assert done.is_set()
    assert len(c) == 1
    assert waited_without_gil, f"{name} held the GIL while waiting for the campaign lock"
