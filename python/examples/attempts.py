"""Attempt-level analysis of a simulated campaign: runs `dialcore simulate
--data-dir` into a scratch directory, reads the attempt records with
dialcore.read_records (a pandas DataFrame), prints a table per hour of the
day and, when matplotlib is installed, saves a chart of the attempts per hour
by outcome and of the ring and wait times.

    python python/examples/attempts.py [--dialcore target/release/dialcore]
        [--contacts 5000] [--operators 10] [--out docs/attempts.png]
"""

import argparse
import subprocess
import tempfile
from pathlib import Path

import dialcore


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--dialcore", default="dialcore", help="the dialcore binary")
    ap.add_argument("--contacts", type=int, default=5_000)
    ap.add_argument("--operators", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", default="attempts.png")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        data = Path(scratch) / "campaign"
        subprocess.run(
            [args.dialcore, "simulate", "--contacts", str(args.contacts),
             "--operators", str(args.operators), "--seed", str(args.seed),
             "--data-dir", str(data), "--json"],
            check=True, stdout=subprocess.DEVNULL,
        )
        # The simulator's built-in scenario dials in predictive mode.
        df = dialcore.read_records(data, mode="predictive")

    df["hour"] = df.dial_at.dt.floor("h")
    per_hour = df.pivot_table(index="hour", columns="outcome", values="contact_id",
                              aggfunc="count", observed=False).fillna(0)
    answered = df[df.answer_at.notna() & ~df.machine]
    rate = answered.groupby("hour").abandoned.mean()
    print(f"{len(df)} attempts on {df.contact_id.nunique()} contacts, "
          f"{len(answered)} answered by a person, abandon rate {answered.abandoned.mean():.2%}")
    print(per_hour.astype(int).assign(abandon_rate=rate.round(4)).to_string())

    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no chart (pip install matplotlib)")
        return

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    bottom = None
    labels = [h.strftime("%a %H:00") for h in per_hour.index]
    for outcome in per_hour.columns:
        counts = per_hour[outcome].to_numpy()
        if counts.sum() == 0:
            continue
        ax1.bar(range(len(labels)), counts, bottom=bottom, label=str(outcome))
        bottom = counts if bottom is None else bottom + counts
    ax1.set(title="Attempts per hour by outcome", xlabel="hour dialed (UTC)", ylabel="attempts")
    step = max(1, len(labels) // 12)
    ax1.set_xticks(range(0, len(labels), step), labels[::step], rotation=90, fontsize=7)
    ax1.legend(fontsize=7)
    ring = df.ring_ms.dropna().astype(float) / 1000
    wait = answered.wait_ms.dropna().astype(float) / 1000
    ax2.hist([ring, wait], bins=30, label=["ring time", "wait for an operator"])
    ax2.set(title="Ring and wait times", xlabel="seconds", ylabel="attempts", yscale="log")
    ax2.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(args.out, dpi=110)
    print(f"chart saved to {args.out}")


if __name__ == "__main__":
    main()
