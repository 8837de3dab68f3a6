"""Benchmark: the threshold sweep of expected net recovery on a large portfolio.

Run: .venv/bin/python benchmarks/bench_sweep.py [--rows 100000] [--repeats 5]

Generates ``--rows`` rows, validates and scores them with the outcome method (not timed: the sweep reuses the
scores, as the app does), then prints the median wall time of ``--repeats`` runs of ``money.sweep_thresholds``
1. on a 49-point grid (low 0.20 to 0.50, high 0.55 to 0.85, steps of 0.05),
2. on the app's default grid (``money.threshold_grid()``, 171 points),
each with the default assumptions (no capacity) and with a legal capacity of 1% of the rows.
Target (2 cores): the 49-point sweep on 100,000 rows under 2 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from slrs.io import load_bundle  # noqa: E402
from slrs.money import DEFAULT_ASSUMPTIONS, Assumptions, sweep_thresholds, threshold_grid  # noqa: E402
from slrs.scoring import score_rows  # noqa: E402
from slrs.strategy import Thresholds  # noqa: E402
from slrs.synth import generate_portfolio  # noqa: E402
from slrs.validation import validate_portfolio  # noqa: E402

SMALL_GRID = [Thresholds(round(low, 2), round(high, 2))
              for low in np.arange(0.20, 0.501, 0.05) for high in np.arange(0.55, 0.851, 0.05)]


def time_sweep(risk: np.ndarray, outstanding: np.ndarray, assumptions: Assumptions, grid: list[Thresholds],
               repeats: int) -> float:
    """Median wall time (s) of one sweep over ``grid``."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        sweep_thresholds(risk, outstanding, assumptions, grid)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    validation = validate_portfolio(generate_portfolio(args.rows, seed=1).astype(str))
    clean = validation.clean[validation.scorable]
    scores = score_rows(load_bundle(), clean, "outcome")
    risk, outstanding = scores["Risk_Score"].to_numpy(), clean["Outstanding_Loan_Amount"].to_numpy(dtype=float)
    capped = replace(DEFAULT_ASSUMPTIONS, legal=replace(DEFAULT_ASSUMPTIONS.legal, capacity=args.rows // 100))
    print(f"{os.cpu_count()} cores; {args.rows:,} rows ({len(clean):,} scored); median of {args.repeats} runs",
          flush=True)
    for grid_name, grid in (("7x7 grid", SMALL_GRID), ("default grid", threshold_grid())):
        for label, assumptions in (("no capacity", DEFAULT_ASSUMPTIONS),
                                   (f"legal capacity {args.rows // 100:,}", capped)):
            seconds = time_sweep(risk, outstanding, assumptions, grid, args.repeats)
            print(f"sweep, {grid_name} ({len(grid)} points), {label}: {seconds:6.3f} s "
                  f"({seconds / len(grid) * 1000:.1f} ms per point)", flush=True)


if __name__ == "__main__":
    main()
