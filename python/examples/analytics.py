"""Simulates the same contact list under preview, progressive and
predictive dialing with a few operator counts, prints a table and, when
matplotlib is installed, saves a chart of occupancy and abandon rate.

    python python/examples/analytics.py [--contacts 20000] [--out analytics.png]
"""

from __future__ import annotations

import argparse

import dialcore

MODES = ["preview", "progressive", "predictive"]


def main() -> None:
    """Runs the grid of simulations, prints the table, saves the chart."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--contacts", type=int, default=20_000)
    ap.add_argument("--operators", type=int, nargs="+", default=[5, 10, 20])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", default="analytics.png")
    args = ap.parse_args()

    rows: list[tuple[str, int, dialcore.SimReport]] = []
    for mode in MODES:
        for ops in args.operators:
            r = dialcore.simulate(contacts=args.contacts, operators=ops, mode=mode, seed=args.seed)
            rows.append((mode, ops, r))

    print(f"{'mode':<12}{'ops':>5}{'occupancy':>11}{'abandon':>9}{'contacts/op-h':>15}{'hours':>8}")
    for mode, ops, r in rows:
        print(f"{mode:<12}{ops:>5}{r.occupancy:>11.1%}{r.abandon_rate:>9.2%}"
              f"{r.contacts_per_operator_hour:>15.1f}{r.simulated_s / 3600:>8.1f}")

    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no chart (pip install matplotlib)")
        return

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    for mode in MODES:
        pts = [(ops, r) for m, ops, r in rows if m == mode]
        ax1.plot([o for o, _ in pts], [r.occupancy * 100 for _, r in pts], marker="o", label=mode)
        ax2.plot([o for o, _ in pts], [r.abandon_rate * 100 for _, r in pts], marker="o", label=mode)
    ax1.set(title="Operator occupancy", xlabel="operators", ylabel="%")
    ax2.set(title="Abandon rate", xlabel="operators", ylabel="%")
    ax2.axhline(3.0, color="grey", linestyle="--", linewidth=1)
    for ax in (ax1, ax2):
        ax.legend()
        ax.grid(alpha=0.3)
    fig.suptitle(f"dialcore simulation, {args.contacts:,} contacts, seed {args.seed}")
    fig.tight_layout()
    fig.savefig(args.out, dpi=120)
    print(f"chart saved to {args.out}")


if __name__ == "__main__":
    main()
