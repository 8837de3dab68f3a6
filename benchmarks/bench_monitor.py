"""Benchmark: the store at book size. `monitor add` of monthly books, then `monitor report`, on SQLite.

Run: .venv/bin/python benchmarks/bench_monitor.py [--rows 1000000] [--months 3] [--db URL]

It writes a monthly history with the project's generator (``generate_history``: the same book month after month,
outcomes arriving), then times, each in a fresh process (its imports and peak memory its own), ``python -m slrs
monitor add`` of every month into a new store (default: an SQLite file in a temporary folder; ``--db`` for
another, e.g. an empty PostgreSQL database), and ``python -m slrs monitor report --json`` on the full store. It
prints wall time and peak memory (max RSS) of each, and the store's size when it is a file.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_score import run_timed  # noqa: E402  (this script's own folder)

from slrs.synth import generate_history  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--months", type=int, default=3)
    parser.add_argument("--db", help="an empty store's URL (default: a new SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "slrs.db"
        url = args.db or f"sqlite:///{database}"
        history = generate_history(args.rows, args.months, seed=1)
        files = []
        for month, frame in history.items():
            files.append((month, Path(folder) / f"{month}.csv"))
            frame.to_csv(files[-1][1], index=False)
        print(f"{len(files)} monthly books of {args.rows:,} rows, store {url.split(':')[0]}:")
        for month, path in files:
            seconds, peak, *_ = run_timed([sys.executable, "-m", "slrs", "monitor", "add", str(path), "--as-of",
                                           f"{month}-28", "--db", url])
            print(f"  monitor add {month}   {seconds:6.1f} s  {args.rows / seconds:>9,.0f} rows/s  peak {peak:,.0f} MB",
                  flush=True)
        seconds, peak, *_ = run_timed([sys.executable, "-m", "slrs", "monitor", "report", "--json", "--db", url])
        print(f"  monitor report --json {seconds:6.1f} s  peak {peak:,.0f} MB")
        if database.exists():
            print(f"  store file {database.stat().st_size / 1e6:,.0f} MB")


if __name__ == "__main__":
    main()
